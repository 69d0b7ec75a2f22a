//! dYdX v3 (`wss://api.dydx.exchange/v3/ws`): the `v3_trades` channel,
//! `{"type":"channel_data","connection_id":…,"message_id":291,"id":"ETH-USD",
//! "channel":"v3_trades","contents":{"trades":[{"size":"0.1","side":"BUY","price":"4215.6",
//! "createdAt":"2021-10-28T18:03:51.833Z"}]}}`.
//!
//! - Claimed by a string `type` with a `channel` starting with `v3_`, or with both
//!   `connection_id` and `message_id` (`connected`, `error`), or on a dYdX connection (URL
//!   host on `dydx.exchange`).
//! - `type:"subscribed"` (once per market after subscribing) carries the last 100 trades,
//!   newest first and up to hours old (9.6 h observed): labelled **history**.
//!   `type:"channel_data"` is live. Other types on `v3_trades` (`unsubscribed`) carry no
//!   trades.
//! - The symbol is the message's `id` (`BTC-USD`), kept as sent. `createdAt` is ISO 8601 UTC
//!   with ms; `price` and `size` are decimal strings (exact); `side` is the **taker** side
//!   `BUY`/`SELL` (anything else is [`Side::Unknown`]).
//! - Trades carry **no trade id**: they are [`TradeId::None`] with `id_ordered: false`, so the
//!   engine deduplicates by content only across inputs (identical fills of one message, which
//!   dYdX does send, are all counted, as is a message captured twice in one recording; the
//!   same fill in two recordings counts once), and trades of one instant keep capture order.
//! - Not trades ([`Decoded::Other`]): the other channels (`v3_orderbook`, `v3_markets`, ...;
//!   `kind` = the channel), and `connected`, `error`, `subscribe` (`kind` = the type).

use super::{need, positive_decimal, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::parse_iso;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "dydx";
const TRADE: &str = "dydx v3_trades";

fn url_is_dydx(url: Option<&str>) -> bool {
    let Some(url) = url else {
        return false;
    };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    host == "dydx.exchange" || host.ends_with(".dydx.exchange")
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [typ, channel, id, contents, connection_id, message_id] = msg.fields([
        "type",
        "channel",
        "id",
        "contents",
        "connection_id",
        "message_id",
    ]);
    let Some(typ) = typ.and_then(|t| t.str()) else {
        return Ok(Decoded::NotMine);
    };
    let channel = channel.and_then(|c| c.str());
    let v3 = channel.as_deref().is_some_and(|c| c.starts_with("v3_"));
    if !(v3 || (connection_id.is_some() && message_id.is_some()) || url_is_dydx(ctx.url)) {
        return Ok(Decoded::NotMine);
    }
    let Some(channel) = channel else {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: typ,
        });
    };
    if channel != "v3_trades" {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: channel,
        });
    }
    let history = match typ.as_ref() {
        "subscribed" => true,
        "channel_data" => false,
        _ => {
            return Ok(Decoded::Other {
                venue: VENUE,
                kind: typ,
            })
        }
    };
    let symbol = match need(id, TRADE, "id")?.str() {
        Some(s) if !s.is_empty() => s,
        Some(_) => return Err(DecodeError::new(TRADE, "id", "is empty")),
        None => return Err(DecodeError::new(TRADE, "id", "is not a string")),
    };
    let contents = need(contents, TRADE, "contents")?;
    if contents.kind() != Kind::Object {
        return Err(DecodeError::new(TRADE, "contents", "is not an object"));
    }
    let trades = need(contents.get("trades"), TRADE, "trades")?;
    if trades.kind() != Kind::Array {
        return Err(DecodeError::new(TRADE, "trades", "is not an array"));
    }
    for t in trades.elements() {
        if t.kind() != Kind::Object {
            return Err(DecodeError::new(TRADE, "trades", "holds a non-object"));
        }
        let [side, size, price, created_at] = t.fields(["side", "size", "price", "createdAt"]);
        let created_at = need(created_at, TRADE, "createdAt")?
            .str()
            .ok_or_else(|| DecodeError::new(TRADE, "createdAt", "is not a string"))?;
        let time = parse_iso(&created_at)
            .map_err(|e| DecodeError::new(TRADE, "createdAt", e.to_string()))?;
        let price = positive_decimal(price, TRADE, "price")?;
        let size = positive_decimal(size, TRADE, "size")?;
        let side = match side.and_then(|s| s.str()).as_deref() {
            Some("BUY") => Side::Buy,
            Some("SELL") => Side::Sell,
            _ => Side::Unknown,
        };
        out.trade(Trade {
            venue: VENUE,
            stream: 0,
            symbol: symbol.clone(),
            time,
            price,
            size,
            side,
            id: TradeId::None,
            id_ordered: false,
            history,
        });
    }
    Ok(Decoded::Trades { venue: VENUE })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;
    use std::borrow::Cow;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://api.dydx.exchange/v3/ws");

    #[test]
    fn channel_data_every_field() {
        for url in [URL, None] {
            // From DYDX.ws.1.0.
            let (r, c) = both(
                r#"{"type":"channel_data","connection_id":"60a4fc71-1312-4830-86f4-9eb98be106ac","message_id":2724,"id":"ETH-USD","channel":"v3_trades","contents":{"trades":[{"size":"9.833","side":"SELL","price":"4215.9","createdAt":"2021-10-28T18:04:07.526Z"},{"size":"108.611","side":"BUY","price":"4215.8","createdAt":"2021-10-28T18:04:07.527Z"}]}}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "dydx" }));
            assert_eq!(c.trades.len(), 2);
            let t = &c.trades[0];
            assert_eq!(t.venue, "dydx");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "ETH-USD");
            assert_eq!(t.time, 1_635_444_247_526_000_000);
            assert_eq!(t.price, dec("4215.9"));
            assert_eq!(t.size, dec("9.833"));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::None);
            assert!(!t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(
                (
                    t.symbol.as_ref(),
                    t.time,
                    t.price,
                    t.size,
                    t.side,
                    &t.id,
                    t.id_ordered,
                    t.history
                ),
                (
                    "ETH-USD",
                    1_635_444_247_527_000_000,
                    dec("4215.8"),
                    dec("108.611"),
                    Side::Buy,
                    &TradeId::None,
                    false,
                    false
                )
            );
            assert!(c.skips.is_empty());
        }
    }

    #[test]
    fn subscribed_trades_are_history() {
        let (r, c) = both(
            r#"{"type":"subscribed","connection_id":"x","message_id":12,"channel":"v3_trades","id":"MKR-USD","contents":{"trades":[{"side":"SELL","size":"0.881","price":"2383","createdAt":"2021-10-28T18:01:54.077Z"},{"side":"SELL","size":"0.881","price":"2383","createdAt":"2021-10-28T18:01:54.077Z"},{"side":"?","size":"1","price":"2","createdAt":"2021-10-28T17:57:29.491Z"}]}}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "dydx" }));
        assert_eq!(c.trades.len(), 3);
        let t = &c.trades[0];
        assert_eq!(t.venue, "dydx");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "MKR-USD");
        assert_eq!(t.time, 1_635_444_114_077_000_000);
        assert_eq!(t.price, dec("2383"));
        assert_eq!(t.size, dec("0.881"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::None);
        assert!(!t.id_ordered);
        assert!(t.history);
        // Identical fills are two trades.
        assert_eq!(c.trades[1], c.trades[0]);
        assert_eq!(c.trades[2].side, Side::Unknown);
        assert_eq!(c.trades[2].time, 1_635_443_849_491_000_000);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"type":"connected","connection_id":"60a4fc71","message_id":0}"#,
                None,
                "connected",
            ),
            (
                r#"{"type":"channel_data","connection_id":"x","message_id":3,"id":"ETH-USD","channel":"v3_orderbook","contents":{"offset":"1","bids":[],"asks":[["4216","0"]]}}"#,
                None,
                "v3_orderbook",
            ),
            (
                r#"{"type":"subscribed","channel":"v3_markets","contents":{"markets":{}}}"#,
                None,
                "v3_markets",
            ),
            (
                r#"{"type":"unsubscribed","connection_id":"x","message_id":9,"channel":"v3_trades","id":"ETH-USD"}"#,
                None,
                "unsubscribed",
            ),
            (
                r#"{"type":"error","message":"Invalid subscription id for channel","connection_id":"x","message_id":1}"#,
                None,
                "error",
            ),
            (r#"{"type":"pong"}"#, URL, "pong"),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "dydx",
                    kind: Cow::Owned(kind.to_string())
                }),
                "{line}"
            );
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn other_venues_are_not_mine() {
        for line in [
            r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1652459226050"}]}"#,
            r#"{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"EOSUSDT"},"data":[["1649290080017","2.4421","2.0702","buy"]]}"#,
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}}"#,
            r#"{"type":"match","trade_id":7,"side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","time":"2021-04-17T16:43:37.121358Z"}"#,
            r#"{"type":"subscriptions","channels":[{"name":"matches","product_ids":["BTC-USD"]}]}"#,
            r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":1,"tid":1}]}"#,
            r#"{"type":"trade","symbol":"FILUSD","event_id":1,"timestamp":1,"price":"1","quantity":"1","side":"buy"}"#,
            r#"[1,2]"#,
        ] {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let good = r#"{"type":"channel_data","connection_id":"x","message_id":291,"id":"ETH-USD","channel":"v3_trades","contents":{"trades":[{"size":"0.1","side":"BUY","price":"4215.6","createdAt":"2021-10-28T18:03:51.833Z"}]}}"#;
        for (from, to, err) in [
            (
                r#""price":"4215.6""#,
                r#""price":"-1""#,
                "dydx v3_trades: `price` negative number",
            ),
            (
                r#""size":"0.1""#,
                r#""size":"0""#,
                "dydx v3_trades: `size` is zero",
            ),
            (
                r#","price":"4215.6""#,
                "",
                "dydx v3_trades: `price` is missing",
            ),
            (
                r#""2021-10-28T18:03:51.833Z""#,
                r#""yesterday""#,
                "dydx v3_trades: `createdAt` ",
            ),
            (
                r#""createdAt":"2021-10-28T18:03:51.833Z""#,
                r#""createdAt":1635444231833"#,
                "dydx v3_trades: `createdAt` is not a string",
            ),
            (r#""id":"ETH-USD","#, "", "dydx v3_trades: `id` is missing"),
            (
                r#"{"trades":["#,
                r#"{"trades":[1,"#,
                "dydx v3_trades: `trades` holds a non-object",
            ),
            (
                r#"{"trades":["#,
                r#"{"fills":["#,
                "dydx v3_trades: `trades` is missing",
            ),
        ] {
            let line = good.replace(from, to);
            assert_ne!(line, good);
            let (r, c) = both(&line, URL);
            let e = r.unwrap_err().to_string();
            assert!(e.starts_with(err), "{e} for {line}");
            assert!(c.trades.is_empty());
        }
    }
}
