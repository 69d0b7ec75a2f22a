//! Bitfinex API v2 (`wss://api.bitfinex.com/ws/2`, `wss://api-pub.bitfinex.com/ws/2`): the
//! `trades` channel.
//!
//! - **Channels are numbers.** A data message is an array whose first element is a channel
//!   number (`chanId`) the server chose for this connection; only the earlier
//!   `{"event":"subscribed","channel":"trades","chanId":232959,"symbol":"tBFTUSD",
//!   "pair":"BFTUSD"}` says what it carries. That event is returned as
//!   [`Decoded::Channel`], `{"event":"unsubscribed","chanId":…}` closes the channel, and the
//!   engine keeps the map per connection (a new connection line or a disconnect marker
//!   clears it) and hands it back in [`Ctx::channels`]. Chunks are still decoded in parallel:
//!   a chunk decoded with a map that an earlier chunk changed is decoded again in order.
//! - **Trades**: `[chanId,"te",[ID,MTS,AMOUNT,PRICE]]` and `[chanId,"tu",[…]]` (the same trade
//!   again once written, with the same ID); a trade is counted once because the second copy
//!   is dropped as a duplicate by ID (it shows in the summary's duplicates). The snapshot
//!   sent on subscribing, `[chanId,[[ID,MTS,AMOUNT,PRICE],…]]` (the last trades, newest first,
//!   up to days old) is labelled **history**.
//! - `ID` is an integer trade id, increasing with time (ordered). `MTS` is epoch ms.
//!   `AMOUNT` is signed: positive = the taker **bought**, negative = sold; the size is its
//!   absolute value. `AMOUNT` and `PRICE` are JSON numbers read from their exact text (with
//!   the `DEC_S` flag they are strings, read the same); an `AMOUNT` of zero is malformed.
//! - The symbol is the subscription's `symbol` as sent (`tBTCUSD`; `pair` lacks the `t`/`f`
//!   that tells trading pairs from funding currencies). Venue `bitfinex` for all markets.
//! - **Funding** channels (symbols starting with `f`, messages `fte`/`ftu`, rows
//!   `[ID,MTS,AMOUNT,RATE,PERIOD]`) are loans at a rate, not trades at a price: every row is
//!   skipped and counted.
//! - **Flags** (`{"event":"conf","flags":…}`): `SEQ_ALL` = 65536 (not a checksum flag)
//!   appends a sequence number to every data message (`[205046,"hb",128]`), `TIMESTAMP` =
//!   32768 a time, `OB_CHECKSUM` = 131072 sends book checksums `[chanId,"cs",…]`. Elements past
//!   the ones read are ignored, as Bitfinex's docs ask ("new fields may be appended").
//! - A `te`/`tu` on a channel never subscribed on its connection (a capture cut after the
//!   subscription) is skipped and counted: its symbol cannot be known. Other data on an
//!   unknown channel (a snapshot or book row cannot be told apart without the channel) is
//!   not claimed, so it is counted as unrecognised.
//! - Claimed without a Bitfinex URL: `subscribed`/`unsubscribed` events with a numeric
//!   `chanId`, `info` events with `version` or `code`, `conf` events with `flags`, and arrays
//!   `[number, "te"|"tu"|"fte"|"ftu"|"hb"|"cs", …]` or `[known channel, …]`.
//! - Not trades ([`Decoded::Other`]): heartbeats `[chanId,"hb"]` (`kind` `hb`), checksums
//!   (`cs`), data of other subscribed channels (`kind` = the channel: `book`, `ticker`,
//!   `candles`, …), and the events `info`, `conf`, `error`, `pong`, `auth` (`kind` = the event).

use std::borrow::Cow;

use super::{epoch, positive_decimal, Channel, Ctx, DecodeError, Decoded, Out};
use crate::decimal::Decimal;
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "bitfinex";
const TRADE: &str = "bitfinex trade";
const SUBSCRIBED: &str = "bitfinex subscribed";

pub const SKIP_UNSUBSCRIBED: &str =
    "bitfinex trade on a channel not subscribed on its connection (symbol unknown)";
pub const SKIP_FUNDING: &str = "bitfinex funding trade (a loan at a rate, not a price)";

fn url_is_bitfinex(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    host == "bitfinex.com" || host.ends_with(".bitfinex.com")
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    match msg.kind() {
        Kind::Object => event(msg, ctx),
        Kind::Array => data(msg, ctx, out),
        _ => Ok(Decoded::NotMine),
    }
}

/// A channel number: a non-negative integer.
fn channel_number<'a, J: JsonView<'a>>(v: Option<J>) -> Option<u64> {
    let v = v?;
    if v.kind() != Kind::Number {
        return None;
    }
    v.number_text()?.parse().ok()
}

fn event<'a, J: JsonView<'a>>(msg: J, ctx: &Ctx) -> Result<Decoded<'a>, DecodeError> {
    let [event, channel, chan_id, symbol, key, version, code, flags] = msg.fields([
        "event", "channel", "chanId", "symbol", "key", "version", "code", "flags",
    ]);
    let Some(event) = event.and_then(|e| e.str()) else {
        return Ok(Decoded::NotMine);
    };
    let bitfinex_url = url_is_bitfinex(ctx.url);
    let numbered = chan_id.is_some_and(|c| c.kind() == Kind::Number);
    match event.as_ref() {
        "subscribed" if bitfinex_url || numbered => {
            let id = channel_number(chan_id)
                .ok_or_else(|| DecodeError::new(SUBSCRIBED, "chanId", "is not a channel number"))?;
            let name = channel
                .and_then(|c| c.str())
                .ok_or_else(|| DecodeError::new(SUBSCRIBED, "channel", "is not a string"))?;
            // Trades and books name a `symbol`; candles and status channels a `key`.
            let symbol = symbol
                .or(key)
                .and_then(|s| s.str())
                .unwrap_or(Cow::Borrowed(""));
            Ok(Decoded::Channel {
                venue: VENUE,
                id,
                channel: Some(Channel {
                    name: Box::from(name.as_ref()),
                    symbol: Box::from(symbol.as_ref()),
                }),
            })
        }
        "unsubscribed" if bitfinex_url || numbered => match channel_number(chan_id) {
            Some(id) => Ok(Decoded::Channel {
                venue: VENUE,
                id,
                channel: None,
            }),
            None => Ok(Decoded::Other {
                venue: VENUE,
                kind: event,
            }),
        },
        "info" if bitfinex_url || version.is_some() || code.is_some() => Ok(Decoded::Other {
            venue: VENUE,
            kind: event,
        }),
        "conf" if bitfinex_url || flags.is_some() => Ok(Decoded::Other {
            venue: VENUE,
            kind: event,
        }),
        _ if bitfinex_url => Ok(Decoded::Other {
            venue: VENUE,
            kind: event,
        }),
        _ => Ok(Decoded::NotMine),
    }
}

/// `[chanId, …]`.
fn data<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    let Some(id) = channel_number(msg.at(0)) else {
        return Ok(Decoded::NotMine);
    };
    let Some(second) = msg.at(1) else {
        return Ok(Decoded::NotMine);
    };
    let channel = ctx.channels.and_then(|m| m.get(&id));
    match second.kind() {
        Kind::String => {
            let tag = second.str().unwrap_or_default();
            match tag.as_ref() {
                "te" | "tu" | "fte" | "ftu" => {
                    let Some(channel) = channel else {
                        out.skip(SKIP_UNSUBSCRIBED);
                        return Ok(Decoded::Trades { venue: VENUE });
                    };
                    check_trades_channel(channel)?;
                    let row = msg
                        .at(2)
                        .filter(|r| r.kind() == Kind::Array)
                        .ok_or_else(|| DecodeError::new(TRADE, "trade", "is not an array"))?;
                    if tag.starts_with('f') || is_funding(channel) {
                        out.skip(SKIP_FUNDING);
                    } else {
                        trade(row, channel, false, out)?;
                    }
                    Ok(Decoded::Trades { venue: VENUE })
                }
                "hb" | "cs" => Ok(Decoded::Other {
                    venue: VENUE,
                    kind: tag,
                }),
                _ => Ok(Decoded::NotMine),
            }
        }
        Kind::Array => {
            let Some(channel) = channel else {
                return Ok(Decoded::NotMine);
            };
            if channel.name.as_ref() != "trades" {
                return Ok(Decoded::Other {
                    venue: VENUE,
                    kind: Cow::Owned(channel.name.to_string()),
                });
            }
            // A snapshot: the channel's latest trades, replayed on subscribing.
            for row in second.elements() {
                if row.kind() != Kind::Array {
                    return Err(DecodeError::new(
                        TRADE,
                        "snapshot",
                        "holds a row that is not an array",
                    ));
                }
                if is_funding(channel) {
                    out.skip(SKIP_FUNDING);
                } else {
                    trade(row, channel, true, out)?;
                }
            }
            Ok(Decoded::Trades { venue: VENUE })
        }
        _ => Ok(Decoded::NotMine),
    }
}

fn is_funding(channel: &Channel) -> bool {
    channel.symbol.starts_with('f')
}

fn check_trades_channel(channel: &Channel) -> Result<(), DecodeError> {
    if channel.name.as_ref() == "trades" {
        Ok(())
    } else {
        Err(DecodeError::new(
            TRADE,
            "chanId",
            format!("is a {} channel, not trades", channel.name),
        ))
    }
}

/// One trading row `[ID, MTS, AMOUNT, PRICE, …]`.
fn trade<'a, J: JsonView<'a>>(
    row: J,
    channel: &Channel,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    if row.len() < 4 {
        return Err(DecodeError::new(
            TRADE,
            "trade",
            "is not [ID, MTS, AMOUNT, PRICE]",
        ));
    }
    let id = row
        .at(0)
        .filter(|v| v.kind() == Kind::Number)
        .and_then(|v| v.number_text())
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| DecodeError::new(TRADE, "ID", "is not an integer id"))?;
    let time = epoch(row.at(1), Unit::Millis, TRADE, "MTS")?;
    let amount = row
        .at(2)
        .and_then(|v| v.text())
        .ok_or_else(|| DecodeError::new(TRADE, "AMOUNT", "is not a number or a string"))?;
    let (side, magnitude) = match amount.strip_prefix('-') {
        Some(rest) => (Side::Sell, rest),
        None => (Side::Buy, amount.as_ref()),
    };
    let size =
        Decimal::parse(magnitude).map_err(|e| DecodeError::new(TRADE, "AMOUNT", e.to_string()))?;
    if size.is_zero() {
        return Err(DecodeError::new(TRADE, "AMOUNT", "is zero"));
    }
    let price = positive_decimal(row.at(3), TRADE, "PRICE")?;
    out.trade(Trade {
        venue: VENUE,
        stream: 0,
        symbol: Cow::Owned(channel.symbol.to_string()),
        time,
        price,
        size,
        side,
        id: TradeId::from_text(id),
        id_ordered: true,
        history,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::Channels;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://api.bitfinex.com/ws/2");

    fn channels() -> Channels {
        let mut m = Channels::new();
        for (id, name, symbol) in [
            (232959, "trades", "tBFTUSD"),
            (225158, "trades", "tDOGUSD"),
            (339521, "trades", "fUSD"),
            (225206, "book", "tDOGUSD"),
            (232949, "ticker", "tBFTUSD"),
        ] {
            m.insert(
                id,
                Channel {
                    name: name.into(),
                    symbol: symbol.into(),
                },
            );
        }
        m
    }

    fn with(url: Option<&str>, line: &str) -> (Result<Decoded<'static>, DecodeError>, Collect) {
        let map = channels();
        both_in(
            line,
            &Ctx {
                url,
                channels: Some(&map),
            },
        )
    }

    #[test]
    fn te_and_tu_every_field() {
        for url in [URL, None] {
            for tag in ["te", "tu"] {
                let line =
                    format!(r#"[225158,"{tag}",[670086109,1618677372578,0.018485,282780],1187]"#);
                let (r, c) = with(url, &line);
                assert_eq!(r, Ok(Decoded::Trades { venue: "bitfinex" }), "{line}");
                assert!(c.skips.is_empty());
                assert_eq!(c.trades.len(), 1);
                let t = &c.trades[0];
                assert_eq!(t.venue, "bitfinex");
                assert_eq!(t.stream, 0);
                assert_eq!(t.symbol, "tDOGUSD");
                assert_eq!(t.time, 1_618_677_372_578_000_000);
                assert_eq!(t.price, dec("282780"));
                assert_eq!(t.size, dec("0.018485"));
                assert_eq!(t.side, Side::Buy);
                assert_eq!(t.id, TradeId::Num(670_086_109));
                assert!(t.id_ordered);
                assert!(!t.history);
            }
        }
        // Negative AMOUNT: a taker sell of its absolute value; no sequence number, and the
        // DEC_S flag's string decimals.
        let (_, c) = with(
            URL,
            r#"[232959,"te",[669898213,1618661110078,-2272.50116833,0.068961]]"#,
        );
        let t = &c.trades[0];
        assert_eq!((t.side, t.size), (Side::Sell, dec("2272.50116833")));
        assert_eq!(t.symbol, "tBFTUSD");
        let (_, c) = with(URL, r#"[232959,"te",[5,1618661110078,"-1.5","0.07"],9]"#);
        let t = &c.trades[0];
        assert_eq!(
            (t.side, t.size, t.price),
            (Side::Sell, dec("1.5"), dec("0.07"))
        );
    }

    #[test]
    fn snapshot_is_history() {
        let (r, c) = with(
            URL,
            r#"[225158,[[670086109,1618677372578,0.018485,282780],[670086062,1618677058382,-0.00154,277320]],13]"#,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitfinex" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[1];
        assert_eq!(t.venue, "bitfinex");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "tDOGUSD");
        assert_eq!(t.time, 1_618_677_058_382_000_000);
        assert_eq!(t.price, dec("277320"));
        assert_eq!(t.size, dec("0.00154"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(670_086_062));
        assert!(t.id_ordered);
        assert!(t.history && c.trades[0].history);
        assert_eq!(c.trades[0].side, Side::Buy);
        // An empty snapshot has no trades.
        let (r, c) = with(URL, r#"[225158,[],2]"#);
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitfinex" }));
        assert!(c.trades.is_empty());
    }

    #[test]
    fn subscriptions_are_channel_events() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"event":"subscribed","channel":"trades","chanId":232959,"symbol":"tBFTUSD","pair":"BFTUSD"}"#,
                url,
            );
            assert_eq!(
                r,
                Ok(Decoded::Channel {
                    venue: "bitfinex",
                    id: 232959,
                    channel: Some(Channel {
                        name: "trades".into(),
                        symbol: "tBFTUSD".into()
                    })
                })
            );
            assert!(c.trades.is_empty());
            let (r, _) = both(
                r#"{"event":"subscribed","channel":"candles","chanId":7,"key":"trade:1m:tBTCUSD"}"#,
                url,
            );
            assert_eq!(
                r,
                Ok(Decoded::Channel {
                    venue: "bitfinex",
                    id: 7,
                    channel: Some(Channel {
                        name: "candles".into(),
                        symbol: "trade:1m:tBTCUSD".into()
                    })
                })
            );
            let (r, _) = both(
                r#"{"event":"unsubscribed","status":"OK","chanId":232959}"#,
                url,
            );
            assert_eq!(
                r,
                Ok(Decoded::Channel {
                    venue: "bitfinex",
                    id: 232959,
                    channel: None
                })
            );
        }
    }

    #[test]
    fn funding_and_unsubscribed_trades_are_counted_skips() {
        for line in [
            r#"[339521,"fte",[133323543,1574694605000,-59.84,0.00023647,2]]"#,
            r#"[339521,"te",[133323543,1574694605000,-59.84,0.00023647,2]]"#,
        ] {
            let (r, c) = with(URL, line);
            assert_eq!(r, Ok(Decoded::Trades { venue: "bitfinex" }), "{line}");
            assert!(c.trades.is_empty());
            assert_eq!(c.skips, vec![SKIP_FUNDING]);
        }
        let (r, c) = with(
            URL,
            r#"[339521,[[133323072,1574694245478,-59.84,0.00023647,2],[133323071,1574694245478,-1,0.0002,2]]]"#,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitfinex" }));
        assert!(c.trades.is_empty());
        assert_eq!(c.skips, vec![SKIP_FUNDING, SKIP_FUNDING]);
        // Channel 5 was never subscribed: with or without a URL, the trade is a counted skip.
        for url in [URL, None] {
            let (r, c) = both(r#"[5,"te",[1,1618677372578,1,2],3]"#, url);
            assert_eq!(r, Ok(Decoded::Trades { venue: "bitfinex" }));
            assert!(c.trades.is_empty());
            assert_eq!(c.skips, vec![SKIP_UNSUBSCRIBED]);
        }
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (r#"[232959,"hb",144]"#, None, "hb"),
            (r#"[232959,"hb"]"#, URL, "hb"),
            (r#"[225206,"cs",-1234567,88]"#, URL, "cs"),
            (r#"[225206,[282780,1,0.5],77]"#, None, "book"),
            (
                r#"[225206,[[282780,1,0.5],[283000,2,-1.25]],3]"#,
                URL,
                "book",
            ),
            (
                r#"[232949,[0.068965,60157.36709703,0.0774,48578.50804052,0.001969,0.0262,0.076989,101459.39453471,0.0828,0.068961],1]"#,
                URL,
                "ticker",
            ),
            (
                r#"{"event":"info","version":2,"serverId":"083bd8d4-aca7-4690-a573-eabfc8103de8","platform":{"status":1}}"#,
                None,
                "info",
            ),
            (
                r#"{"event":"conf","status":"OK","flags":65536}"#,
                None,
                "conf",
            ),
            (
                r#"{"event":"error","msg":"symbol: invalid","code":10300}"#,
                URL,
                "error",
            ),
        ] {
            let (r, c) = with(url, line);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "bitfinex",
                    kind: Cow::Owned(kind.to_string())
                }),
                "{line}"
            );
            assert!(c.trades.is_empty() && c.skips.is_empty());
        }
    }

    #[test]
    fn other_venues_are_not_mine() {
        for line in [
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":true}}"#,
            r#"[993,[["354.11000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]"#,
            r#"{"event":"heartbeat"}"#,
            r#"{"event":"subscriptionStatus","channelName":"trade","pair":"XBT/USD","status":"subscribed","subscription":{"name":"trade"}}"#,
            r#"{"event":"bts:subscription_succeeded","channel":"live_trades_btcusd","data":{}}"#,
            r#"{"type":"trade","symbol":"FILUSD","event_id":45465842999,"timestamp":1624493681030,"price":"58.4998","quantity":"15.4053","side":"buy"}"#,
            // Data on a channel this connection never announced: not attributable.
            r#"[5,[[1,1618677372578,1,2]],3]"#,
            r#"[1.5,"te",[1,1618677372578,1,2]]"#,
            r#"[1,2,3]"#,
        ] {
            let (r, c) = with(None, line);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty() && c.skips.is_empty());
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        for (line, err) in [
            (
                r#"[225158,"te",[1,1618677372578,0,282780]]"#,
                "bitfinex trade: `AMOUNT` is zero",
            ),
            (
                r#"[225158,"te",[1,1618677372578,0.5,-282780]]"#,
                "bitfinex trade: `PRICE` negative number",
            ),
            (
                r#"[225158,"te",["1",1618677372578,0.5,282780]]"#,
                "bitfinex trade: `ID` is not an integer id",
            ),
            (
                r#"[225158,"te",[1,"x",0.5,282780]]"#,
                "bitfinex trade: `MTS` not a timestamp",
            ),
            (
                r#"[225158,"te",[1,1618677372578,0.5]]"#,
                "bitfinex trade: `trade` is not [ID, MTS, AMOUNT, PRICE]",
            ),
            (
                r#"[225158,"te",{"id":1}]"#,
                "bitfinex trade: `trade` is not an array",
            ),
            (
                r#"[225158,[[1,1618677372578,0.5,282780],7]]"#,
                "bitfinex trade: `snapshot` holds a row that is not an array",
            ),
            (
                r#"[225206,"te",[1,1618677372578,0.5,282780]]"#,
                "bitfinex trade: `chanId` is a book channel, not trades",
            ),
            (
                r#"{"event":"subscribed","channel":"trades","chanId":-3,"symbol":"tBTCUSD"}"#,
                "bitfinex subscribed: `chanId` is not a channel number",
            ),
        ] {
            let (r, _) = with(URL, line);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
