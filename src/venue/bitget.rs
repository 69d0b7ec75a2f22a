//! Bitget v1 (`wss://ws.bitget.com/spot/v1/stream`, `.../mix/v1/stream`): the `trade` channel,
//! `{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"EOSUSDT"},
//! "data":[["1649290080017","2.4421","2.0702","buy"]]}`.
//!
//! - Bitget sends the same `{"arg":{"channel":…},"data":…}` envelope as OKX; the OKX decoder
//!   (tried first) claims it only for OKX channel names or on an OKX URL, and Bitget's
//!   channels (`trade`, `books`, `ticker`, `candle1m`, ...) are not among them. Claimed here
//!   on a Bitget connection (URL host on `bitget.com`), or without one when `arg` is an
//!   object with string `instType`, `channel` and `instId` (Bitget always sends `instType`;
//!   OKX's public channels do not) and the message has `action` or `event`.
//! - `action:"snapshot"` (sent once per symbol after subscribing) holds the last 50 trades,
//!   newest first and up to minutes old: labelled **history**. `action:"update"` is live.
//!   Any other `action` on the `trade` channel is an error.
//! - Each row is an array `[ts, price, size, side]`: `ts` epoch ms in a string, `price` and
//!   `size` decimal strings (exact), `side` the **taker** side `buy`/`sell` (anything else is
//!   [`Side::Unknown`]). The symbol is `arg.instId`, kept as sent.
//! - Rows carry **no trade id**: trades are [`TradeId::None`] with `id_ordered: false`, so
//!   the engine deduplicates by content only across inputs (two identical rows of one
//!   recording are two trades, and a capture holding the same message twice counts its
//!   trades twice; the same trade in two recordings counts once), and trades of one instant
//!   keep capture order.
//! - Not trades ([`Decoded::Other`]): acks with `event` (`subscribe`, `error`, ...; `kind` =
//!   the event), and the other channels (`books`, `ticker`, `candle1m`, ...; `kind` = the
//!   channel). Messages without `arg` (`{"event":"error","code":30001,…}`) are claimed only
//!   on a Bitget connection (the `pong` reply to a text `ping` is not JSON).

use super::{epoch, need, positive_decimal, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "bitget";
const TRADE: &str = "bitget trade";

fn url_is_bitget(url: Option<&str>) -> bool {
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
    host == "bitget.com" || host.ends_with(".bitget.com")
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [action, arg, event, data] = msg.fields(["action", "arg", "event", "data"]);
    let bitget_url = url_is_bitget(ctx.url);
    let arg = arg.filter(|a| a.kind() == Kind::Object);
    let [inst_type, channel, inst_id] = match arg {
        Some(a) => a.fields(["instType", "channel", "instId"]),
        None => [None, None, None],
    };
    let is_str = |v: Option<J>| v.is_some_and(|v| v.kind() == Kind::String);
    let channel = channel.and_then(|c| c.str());
    let shaped = is_str(inst_type)
        && channel.is_some()
        && is_str(inst_id)
        && (action.is_some() || event.is_some());
    if !bitget_url && !shaped {
        return Ok(Decoded::NotMine);
    }
    if let Some(e) = event {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: e.str().or(channel).unwrap_or("event".into()),
        });
    }
    let Some(channel) = channel else {
        // On a Bitget connection without `arg` (text `pong` is not JSON and never gets here).
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: "message".into(),
        });
    };
    if channel != "trade" {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: channel,
        });
    }
    let action = need(action, TRADE, "action")?;
    let history = match action.str().as_deref() {
        Some("snapshot") => true,
        Some("update") => false,
        _ => {
            return Err(DecodeError::new(
                TRADE,
                "action",
                "is not `snapshot` or `update`",
            ))
        }
    };
    let symbol = match inst_id.and_then(|s| s.str()) {
        Some(s) if !s.is_empty() => s,
        Some(_) => return Err(DecodeError::new(TRADE, "instId", "is empty")),
        None => return Err(DecodeError::new(TRADE, "instId", "is missing")),
    };
    let data = need(data, TRADE, "data")?;
    if data.kind() != Kind::Array {
        return Err(DecodeError::new(TRADE, "data", "is not an array"));
    }
    for row in data.elements() {
        if row.kind() != Kind::Array || row.len() < 4 {
            return Err(DecodeError::new(
                TRADE,
                "data",
                "holds a row that is not [ts, price, size, side]",
            ));
        }
        let time = epoch(row.at(0), Unit::Millis, TRADE, "data[0]")?;
        let price = positive_decimal(row.at(1), TRADE, "data[1]")?;
        let size = positive_decimal(row.at(2), TRADE, "data[2]")?;
        let side = match row.at(3).and_then(|s| s.str()).as_deref() {
            Some("buy") => Side::Buy,
            Some("sell") => Side::Sell,
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

    const URL: Option<&str> = Some("wss://ws.bitget.com/spot/v1/stream");

    #[test]
    fn update_every_field() {
        for url in [URL, None] {
            // From BITGET.ws.1.0.
            let (r, c) = both(
                r#"{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"EOSUSDT"},"data":[["1649290080017","2.4421","2.0702","buy"]]}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "bitget" }));
            assert_eq!(c.trades.len(), 1);
            let t = &c.trades[0];
            assert_eq!(t.venue, "bitget");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "EOSUSDT");
            assert_eq!(t.time, 1_649_290_080_017_000_000);
            assert_eq!(t.price, dec("2.4421"));
            assert_eq!(t.size, dec("2.0702"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::None);
            assert!(!t.id_ordered);
            assert!(!t.history);
            assert!(c.skips.is_empty());
        }
    }

    #[test]
    fn snapshot_rows_are_history_newest_first() {
        let (r, c) = both(
            r#"{"action":"snapshot","arg":{"instType":"sp","channel":"trade","instId":"CULTUSDT"},"data":[["1649290076333","0.00003507","271967","sell"],["1649290061330","0.00003511","247181","buy"],["1649290061330","0.00003511","247181","?"]]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitget" }));
        assert_eq!(c.trades.len(), 3);
        let t = &c.trades[0];
        assert_eq!(t.venue, "bitget");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "CULTUSDT");
        assert_eq!(t.time, 1_649_290_076_333_000_000);
        assert_eq!(t.price, dec("0.00003507"));
        assert_eq!(t.size, dec("271967"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::None);
        assert!(!t.id_ordered);
        assert!(t.history);
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
                "CULTUSDT",
                1_649_290_061_330_000_000,
                dec("0.00003511"),
                dec("247181"),
                Side::Buy,
                &TradeId::None,
                false,
                true
            )
        );
        // An identical row is a second trade (no id to tell them apart); odd side: unknown.
        assert_eq!(c.trades[2].side, Side::Unknown);
        assert_eq!(c.trades[2].time, c.trades[1].time);
    }

    #[test]
    fn acks_and_other_channels_are_other() {
        for (line, url, kind) in [
            (
                r#"{"event":"subscribe","arg":{"instType":"sp","channel":"trade","instId":"CULTUSDT"}}"#,
                None,
                "subscribe",
            ),
            (
                r#"{"action":"snapshot","arg":{"instType":"sp","channel":"books","instId":"EOSUSDT"},"data":[{"asks":[["2.4393","391.7321"]],"bids":[],"checksum":0,"ts":"1649290077601"}]}"#,
                None,
                "books",
            ),
            (
                r#"{"action":"snapshot","arg":{"instType":"sp","channel":"ticker","instId":"EOSUSDT"},"data":[{"instId":"EOSUSDT","last":"2.4383"}]}"#,
                None,
                "ticker",
            ),
            (
                r#"{"action":"update","arg":{"instType":"sp","channel":"candle1m","instId":"EOSUSDT"},"data":[["1649290020000","2.4411","2.4411","2.4383","2.4383","186.7"]]}"#,
                URL,
                "candle1m",
            ),
            (
                r#"{"event":"error","code":30001,"msg":"instType:sp,channel:trade,instId:X doesn't exist"}"#,
                URL,
                "error",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "bitget",
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
            // OKX: no `instType` in `arg`.
            r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476308","px":"30243.5","sz":"0.001","side":"buy","ts":"1652459226050"}]}"#,
            r#"{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"}}"#,
            r#"{"event":"error","code":"60012","msg":"Invalid request"}"#,
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}}"#,
            r#"{"type":"match","trade_id":7,"side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","time":"2021-04-17T16:43:37.121358Z"}"#,
            r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]}"#,
            r#"{"type":"channel_data","channel":"v3_trades","id":"BTC-USD","contents":{"trades":[]}}"#,
            r#"[1,2]"#,
        ] {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
        // On an OKX connection too.
        let (r, _) = both(
            r#"{"event":"error","code":"60012","msg":"Invalid request"}"#,
            Some("wss://ws.okx.com:8443/ws/v5/public"),
        );
        assert_eq!(r, Ok(Decoded::NotMine));
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let good = r#"{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"EOSUSDT"},"data":[["1649290080017","2.4421","2.0702","buy"]]}"#;
        for (from, to, err) in [
            (
                r#""2.4421""#,
                r#""-1""#,
                "bitget trade: `data[1]` negative number",
            ),
            (r#""2.0702""#, r#""0""#, "bitget trade: `data[2]` is zero"),
            (
                r#""1649290080017""#,
                r#""x""#,
                "bitget trade: `data[0]` not a timestamp",
            ),
            (
                r#","buy"]"#,
                "]",
                "bitget trade: `data` holds a row that is not [ts, price, size, side]",
            ),
            (
                r#"[["1649290080017","2.4421","2.0702","buy"]]"#,
                r#"[{"ts":"1649290080017","price":"2.4421","size":"2.0702","side":"buy"}]"#,
                "bitget trade: `data` holds a row that is not [ts, price, size, side]",
            ),
            (
                r#"[["1649290080017","2.4421","2.0702","buy"]]"#,
                "{}",
                "bitget trade: `data` is not an array",
            ),
            (
                r#""update""#,
                r#""delete""#,
                "bitget trade: `action` is not `snapshot` or `update`",
            ),
            (
                r#""instId":"EOSUSDT""#,
                r#""instId":"""#,
                "bitget trade: `instId` is empty",
            ),
        ] {
            let line = good.replace(from, to);
            assert_ne!(line, good);
            let (r, c) = both(&line, URL);
            let e = r.unwrap_err().to_string();
            assert!(e.starts_with(err), "{e} for {line}");
            assert!(c.trades.is_empty());
        }
        let (r, _) = both(
            r#"{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"EOSUSDT"}}"#,
            None,
        );
        assert_eq!(
            r.unwrap_err().to_string(),
            "bitget trade: `data` is missing"
        );
    }
}
