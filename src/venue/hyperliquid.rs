//! Hyperliquid (`wss://api.hyperliquid.xyz/ws`, and the node archive): the `trades`
//! subscription.
//!
//! - A trade message is `{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"72581.0",
//!   "sz":"0.00017","time":1787259217020,"hash":"0x…","tid":877707108085800,"users":[…]}]}`
//!   (Hyperliquid docs, `WsTrade`). It is claimed when the connection URL is Hyperliquid's or
//!   the first row has `coin` and `tid` (Poloniex also sends `channel:"trades"`, with
//!   `symbol` rows). The node archive's wrapper `{"time":…,"ver_num":1,"raw":{…}}` is
//!   removed by the engine before this decoder sees the message (its `time` is the receive
//!   time); there is no URL there, so the row shape decides.
//! - `coin` is the symbol, kept exactly as sent: perps by name (`BTC`, kilo-units `kPEPE`),
//!   spot as `@<index>` (or a pair name such as `PURR/USDC`), HIP-3 builder perps as
//!   `dex:SYM`.
//! - `time` is epoch ms (number); `px`/`sz` decimal strings (exact; JSON numbers accepted).
//! - `side`: `B` = buy, `A` = sell (ask), the **aggressor's** side per third-party docs
//!   (Hyperliquid's docs do not say); anything else is unknown.
//! - `tid` is an integer **hash** of the buyer and seller order ids, not a sequence: exact id,
//!   not ordered. Duplicates are dropped by (coin, `tid`) (the engine's symbol + id key); the
//!   docs call (block time, coin, tid) globally unique, and `time` is the nearest field to the
//!   block time (a copy has the same `time`, hence the same bar).
//! - History: the docs say a subscription first delivers a snapshot of recent data, and only
//!   user feeds flag it (`isSnapshot`); trade messages carry no flag, so no trade is labelled
//!   history. Stale replayed trades are left to the engine's pre-capture rule (trades older
//!   than the recording start − 5 s), which applies whenever receive times exist (cryptofeed
//!   lines, the archive wrapper's `time`). Without receive times they are counted.
//! - Not trades ([`Decoded::Other`], `kind` = the channel): `subscriptionResponse`, `pong`,
//!   `l2Book`, `bbo`, `candle`, `allMids`, `activeAssetCtx`, `activeSpotAssetCtx`, user
//!   feeds (`userFills` has the same `px`/`sz`/`side` fields but is private fills), `post`,
//!   `notification`, `webData2`, …; and `error` on a Hyperliquid connection.

use std::borrow::Cow;

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "hyperliquid";
const TRADE: &str = "hyperliquid trade";

/// Hyperliquid WebSocket channels other than `trades` (names are camelCase and distinctive).
const CHANNELS: [&str; 22] = [
    "subscriptionResponse",
    "l2Book",
    "bbo",
    "candle",
    "allMids",
    "activeAssetCtx",
    "activeSpotAssetCtx",
    "activeAssetData",
    "notification",
    "webData2",
    "webData3",
    "orderUpdates",
    "userEvents",
    "user",
    "userFills",
    "userFundings",
    "userNonFundingLedgerUpdates",
    "userTwapSliceFills",
    "userTwapHistory",
    "explorerBlock",
    "explorerTxs",
    "post",
];

fn url_is_hyperliquid(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("hyperliquid.xyz"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [channel, data] = msg.fields(["channel", "data"]);
    let Some(channel) = channel.and_then(|c| c.str()) else {
        return Ok(Decoded::NotMine);
    };
    let hl_url = url_is_hyperliquid(ctx.url);
    if channel != "trades" {
        let ours = hl_url
            || (channel == "pong" && msg.len() == 1)
            || (CHANNELS.contains(&channel.as_ref()) && data.is_some());
        return Ok(if ours {
            Decoded::Other {
                venue: VENUE,
                kind: channel,
            }
        } else {
            Decoded::NotMine
        });
    }
    let Some(data) = data.filter(|d| d.kind() == Kind::Array) else {
        if hl_url {
            return Err(DecodeError::new(TRADE, "data", "is not an array"));
        }
        return Ok(Decoded::NotMine);
    };
    let shaped = data.at(0).is_some_and(|r| {
        r.kind() == Kind::Object && r.get("coin").is_some() && r.get("tid").is_some()
    });
    if !(hl_url || shaped) {
        return Ok(Decoded::NotMine);
    }
    for row in data.elements() {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(TRADE, "data", "holds a non-object"));
        }
        let [coin, side, px, sz, time, tid] =
            row.fields(["coin", "side", "px", "sz", "time", "tid"]);
        let symbol = string(coin, TRADE, "coin")?;
        let time = epoch(time, Unit::Millis, TRADE, "time")?;
        let price = positive_decimal(px, TRADE, "px")?;
        let size = positive_decimal(sz, TRADE, "sz")?;
        let side = match side.and_then(|s| s.str()).as_deref() {
            Some("B") => Side::Buy,
            Some("A") => Side::Sell,
            _ => Side::Unknown,
        };
        let tid = need(tid, TRADE, "tid")?;
        let tid: Cow<'a, str> = match tid.kind() {
            Kind::Number => tid.number_text(),
            Kind::String => tid.str(),
            _ => None,
        }
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| DecodeError::new(TRADE, "tid", "is not an integer id"))?;
        out.trade(Trade {
            venue: VENUE,
            stream: 0,
            symbol,
            time,
            price,
            size,
            side,
            id: TradeId::from_text(tid),
            id_ordered: false,
            history: false,
        });
    }
    Ok(Decoded::Trades { venue: VENUE })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://api.hyperliquid.xyz/ws");

    #[test]
    fn trades_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"72581.0","sz":"0.00017","time":1787259217020,"hash":"0x2a7a3e1f6c3b4d9e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6","tid":877707108085800,"users":["0x1111111111111111111111111111111111111111","0x2222222222222222222222222222222222222222"]},{"coin":"BTC","side":"A","px":"72580","sz":"1.5","time":1787259217021,"hash":"0x00","tid":12,"users":["0x1","0x2"]}]}"#,
                url,
            );
            assert_eq!(
                r,
                Ok(Decoded::Trades {
                    venue: "hyperliquid"
                })
            );
            assert_eq!(c.trades.len(), 2);
            let t = &c.trades[0];
            assert_eq!(t.venue, "hyperliquid");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "BTC");
            assert_eq!(t.time, 1_787_259_217_020_000_000);
            assert_eq!(t.price, dec("72581"));
            assert_eq!(t.size, dec("0.00017"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::Num(877_707_108_085_800));
            assert!(!t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(t.time, 1_787_259_217_021_000_000);
            assert_eq!(
                (t.price, t.size, t.side, &t.id),
                (dec("72580"), dec("1.5"), Side::Sell, &TradeId::Num(12))
            );
        }
        // Coins as sent: kilo-units, spot indices, HIP-3 `dex:SYM`; unknown side.
        let (r, c) = both(
            r#"{"channel":"trades","data":[{"coin":"kPEPE","side":"B","px":"0.019216","sz":"150000","time":1735689603050,"hash":"0x0","tid":9123456789012},{"coin":"@107","side":"A","px":"25.1","sz":"3","time":1735689604410,"hash":"0x0","tid":77},{"coin":"xyz:XYZ100","side":"X","px":1,"sz":2.5,"time":1735689605000,"hash":"0x0","tid":"77"}]}"#,
            None,
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "hyperliquid"
            })
        );
        let got: Vec<_> = c
            .trades
            .iter()
            .map(|t| {
                (
                    t.symbol.to_string(),
                    t.time,
                    t.price,
                    t.size,
                    t.side,
                    t.id.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "kPEPE".to_string(),
                    1_735_689_603_050_000_000,
                    dec("0.019216"),
                    dec("150000"),
                    Side::Buy,
                    TradeId::Num(9_123_456_789_012)
                ),
                (
                    "@107".to_string(),
                    1_735_689_604_410_000_000,
                    dec("25.1"),
                    dec("3"),
                    Side::Sell,
                    TradeId::Num(77)
                ),
                (
                    "xyz:XYZ100".to_string(),
                    1_735_689_605_000_000_000,
                    dec("1"),
                    dec("2.5"),
                    Side::Unknown,
                    TradeId::Num(77)
                ),
            ]
        );
        assert!(c.trades.iter().all(|t| !t.history && !t.id_ordered));
        // An empty trades message on a Hyperliquid connection.
        let (r, c) = both(r#"{"channel":"trades","data":[]}"#, URL);
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "hyperliquid"
            })
        );
        assert!(c.trades.is_empty());
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}}"#,
                None,
                "subscriptionResponse",
            ),
            (r#"{"channel":"pong"}"#, None, "pong"),
            (
                r#"{"channel":"l2Book","data":{"coin":"BTC","time":1735689602000,"levels":[[{"px":"93500","sz":"1.2","n":3}],[{"px":"93501","sz":"0.4","n":1}]]}}"#,
                None,
                "l2Book",
            ),
            (
                r#"{"channel":"allMids","data":{"mids":{"BTC":"93500.5","ETH":"3340.05"}}}"#,
                None,
                "allMids",
            ),
            (
                r#"{"channel":"userFills","data":{"isSnapshot":true,"user":"0x1","fills":[{"coin":"BTC","px":"1","sz":"1","side":"B","time":1,"tid":1}]}}"#,
                None,
                "userFills",
            ),
            (
                r#"{"channel":"error","data":"Invalid subscription"}"#,
                URL,
                "error",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "hyperliquid",
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
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":true}}"#,
            r#"{"type":"match","trade_id":1568268,"maker_order_id":"a","taker_order_id":"b","side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","sequence":201390075,"time":"2021-04-17T16:43:37.121358Z"}"#,
            r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":100,"price":32180.5,"trdMatchID":"x"}]}"#,
            r#"{"channel":"trades","data":[{"symbol":"BTC_USDT","amount":"1","quantity":"1","takerSide":"buy","createTime":1,"price":"1","id":"1","ts":1}]}"#,
            r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"trade_id":1,"timestamp":"2023-09-25T07:48:36.925533Z"}]}"#,
            r#"{"channel":"book","data":[]}"#,
            r#"{"channel":"pong","ts":1}"#,
        ] {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        for (line, err) in [
            (
                r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","sz":"1","time":1735689602000,"tid":1}]}"#,
                "hyperliquid trade: `px` is missing",
            ),
            (
                r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"0","time":1735689602000,"tid":1}]}"#,
                "hyperliquid trade: `sz` is zero",
            ),
            (
                r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":"soon","tid":1}]}"#,
                "hyperliquid trade: `time` not a timestamp",
            ),
            (
                r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":1735689602000,"tid":-5}]}"#,
                "hyperliquid trade: `tid` is not an integer id",
            ),
            (
                r#"{"channel":"trades","data":[{"coin":"","side":"B","px":"1","sz":"1","time":1735689602000,"tid":1}]}"#,
                "hyperliquid trade: `coin` is empty",
            ),
            (
                r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":1735689602000}]}"#,
                "hyperliquid trade: `tid` is missing",
            ),
            (
                r#"{"channel":"trades","data":{"coin":"BTC"}}"#,
                "hyperliquid trade: `data` is not an array",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
