//! Bybit: v5 `publicTrade.<symbol>` and the legacy (until 2023) `trade.<symbol>` topics,
//! `{"topic":…,"data":[…]}`.
//!
//! Venue names, from the connection URL (host `*.bybit.com` / `*.bytick.com`):
//!
//! | URL path | market | venue |
//! |---|---|---|
//! | `/realtime_public`, `/v5/public/linear` | USDT/USDC linear contracts | `bybit` |
//! | `/realtime`, `/v5/public/inverse` | inverse contracts | `bybit-inverse` |
//! | `/spot/…`, `/v5/public/spot` | spot | `bybit-spot` |
//! | `/v5/public/option` | options | `bybit-option` |
//!
//! Anything else, and a message without a URL, is `bybit`. A message whose URL is known and
//! not Bybit's is never claimed.
//!
//! - v5 rows: `s` symbol (options subscribe by base coin, so the symbol is always read from
//!   the row), `T` trade time ms, `p`/`v` decimal strings, `S` taker side `Buy`/`Sell`, `i`
//!   id. The message's `type` is always `snapshot` on this topic and does **not** mean
//!   history.
//! - Legacy rows: `symbol`, `trade_time_ms` (a string on linear, a number on inverse; camelCase
//!   `tradeTimeMs` on some feeds), `price` (string on linear, number on inverse), `size` (a
//!   number; contracts on inverse, kept as sent), `side` taker `Buy`/`Sell`, `trade_id` or
//!   `tradeId`. The whole-second `timestamp` is read only when no ms field exists.
//! - Ids are UUIDs on derivatives and long digit strings on spot; kept exactly
//!   ([`TradeId::from_text`]) and never used for ordering (`id_ordered: false`).
//! - Unknown sides are [`Side::Unknown`]. Both APIs are stream 0 (one connection carries
//!   one of them).
//! - The legacy feed pushes the latest trade after each subscription even if old, unlabelled:
//!   the engine's pre-capture rule leaves it out, nothing is done here.
//! - Not trades ([`Decoded::Other`]): order books, tickers, klines, liquidations and the
//!   other topics (kind = the topic's first segment), and the `{"success":…,"ret_msg":…}`
//!   responses.

use std::borrow::Cow;

use super::{epoch, id_text, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::{self, Unit};
use crate::trade::{Side, Trade, TradeId};

const V5: &str = "bybit publicTrade";
const LEGACY: &str = "bybit trade";

fn host_and_path(url: &str) -> (&str, &str) {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = host.split(':').next().unwrap_or(host);
    let path = path.split('?').next().unwrap_or(path);
    (host, path)
}

fn is_bybit_host(host: &str) -> bool {
    ["bybit.com", "bytick.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// Venue name from the connection URL (see the module doc).
pub fn venue_for_url(url: Option<&str>) -> &'static str {
    let Some(url) = url else { return "bybit" };
    let (_, path) = host_and_path(url);
    let path = path.trim_end_matches('/');
    if path == "/realtime" || path == "/v5/public/inverse" {
        "bybit-inverse"
    } else if path.starts_with("/spot") || path == "/v5/public/spot" {
        "bybit-spot"
    } else if path == "/v5/public/option" {
        "bybit-option"
    } else {
        "bybit"
    }
}

/// The first segment of a topic (`orderBookL2_25.BTCUSDT` -> `orderBookL2_25`).
fn topic_kind(topic: Cow<'_, str>) -> Cow<'_, str> {
    match topic {
        Cow::Borrowed(s) => Cow::Borrowed(s.split('.').next().unwrap_or(s)),
        Cow::Owned(s) => Cow::Owned(s.split('.').next().unwrap_or(&s).to_string()),
    }
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let bybit_url = match ctx.url {
        Some(u) if !is_bybit_host(host_and_path(u).0) => return Ok(Decoded::NotMine),
        Some(_) => true,
        None => false,
    };
    let venue = venue_for_url(ctx.url);
    let [topic, data, success, ret_msg, op] =
        msg.fields(["topic", "data", "success", "ret_msg", "op"]);
    let Some(topic) = topic.and_then(|t| t.str()) else {
        // Responses: `{"success":true,"ret_msg":"","conn_id":…,"request":{…}}` (legacy),
        // `{"success":true,"ret_msg":"subscribe","conn_id":…,"op":"subscribe"}` (v5).
        if success.is_some_and(|s| s.kind() == Kind::Bool) && ret_msg.is_some() {
            return Ok(Decoded::Other {
                venue,
                kind: Cow::Borrowed("response"),
            });
        }
        if bybit_url {
            if let Some(op) = op.and_then(|o| o.str()) {
                return Ok(Decoded::Other { venue, kind: op });
            }
        }
        return Ok(Decoded::NotMine);
    };
    let what = if topic.starts_with("publicTrade.") {
        V5
    } else if topic.starts_with("trade.") {
        LEGACY
    } else {
        // Another Bybit topic: claimed only if it has Bybit's envelope.
        let dotted = topic.contains('.') && !topic.starts_with('/');
        if dotted && (bybit_url || data.is_some()) {
            return Ok(Decoded::Other {
                venue,
                kind: topic_kind(topic),
            });
        }
        return Ok(Decoded::NotMine);
    };
    let data = need(data, what, "data")?;
    if data.kind() != Kind::Array {
        return Err(DecodeError::new(what, "data", "is not an array"));
    }
    for row in data.elements() {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(what, "data", "holds a non-object"));
        }
        let t = if what == V5 {
            v5_row(row, venue)?
        } else {
            legacy_row(row, venue)?
        };
        out.trade(t);
    }
    Ok(Decoded::Trades { venue })
}

fn side_of<'a, J: JsonView<'a>>(v: Option<J>) -> Side {
    match v.and_then(|s| s.str()).as_deref() {
        Some("Buy") => Side::Buy,
        Some("Sell") => Side::Sell,
        _ => Side::Unknown,
    }
}

fn id_of<'a, J: JsonView<'a>>(
    v: Option<J>,
    what: &'static str,
    field: &'static str,
) -> Result<TradeId<'a>, DecodeError> {
    let v = need(v, what, field)?;
    let text = match v.kind() {
        Kind::Number | Kind::String => {
            id_text(v).ok_or_else(|| DecodeError::new(what, field, "is not an id"))?
        }
        _ => return Err(DecodeError::new(what, field, "is not an id")),
    };
    if text.is_empty() {
        return Err(DecodeError::new(what, field, "is empty"));
    }
    Ok(TradeId::from_text(text))
}

fn v5_row<'a, J: JsonView<'a>>(row: J, venue: &'static str) -> Result<Trade<'a>, DecodeError> {
    let [s, tt, p, v, side, i] = row.fields(["s", "T", "p", "v", "S", "i"]);
    Ok(Trade {
        venue,
        stream: 0,
        symbol: string(s, V5, "s")?,
        time: epoch(tt, Unit::Millis, V5, "T")?,
        price: positive_decimal(p, V5, "p")?,
        size: positive_decimal(v, V5, "v")?,
        side: side_of(side),
        id: id_of(i, V5, "i")?,
        id_ordered: false,
        history: false,
    })
}

fn legacy_row<'a, J: JsonView<'a>>(row: J, venue: &'static str) -> Result<Trade<'a>, DecodeError> {
    let [symbol, ms, ms_camel, ts, price, size, side, id, id_camel] = row.fields([
        "symbol",
        "trade_time_ms",
        "tradeTimeMs",
        "timestamp",
        "price",
        "size",
        "side",
        "trade_id",
        "tradeId",
    ]);
    let time = match (ms, ms_camel) {
        (Some(_), _) => epoch(ms, Unit::Millis, LEGACY, "trade_time_ms")?,
        (None, Some(_)) => epoch(ms_camel, Unit::Millis, LEGACY, "tradeTimeMs")?,
        (None, None) => {
            let text = string(ts, LEGACY, "trade_time_ms")?;
            time::parse_iso(&text)
                .map_err(|e| DecodeError::new(LEGACY, "timestamp", e.to_string()))?
        }
    };
    let id = match (id, id_camel) {
        (Some(_), _) => id_of(id, LEGACY, "trade_id")?,
        (None, c) => id_of(c, LEGACY, "trade_id")?,
    };
    Ok(Trade {
        venue,
        stream: 0,
        symbol: string(symbol, LEGACY, "symbol")?,
        time,
        price: positive_decimal(price, LEGACY, "price")?,
        size: positive_decimal(size, LEGACY, "size")?,
        side: side_of(side),
        id,
        id_ordered: false,
        history: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;

    crate::venue::testkit::decoder_test_kit!();

    const LINEAR: Option<&str> = Some("wss://stream.bybit.com/realtime_public");
    const INVERSE: Option<&str> = Some("wss://stream.bybit.com/realtime");

    #[test]
    fn legacy_linear_every_field() {
        // From BYBIT.ws.25.0.
        let (r, c) = both(
            r#"{"topic":"trade.BCHUSDT","data":[{"symbol":"BCHUSDT","tick_direction":"MinusTick","price":"1053.90","size":0.14,"timestamp":"2021-04-17T16:43:05.000Z","trade_time_ms":"1618677785116","side":"Buy","trade_id":"01cacfe9-8d1c-5ee4-995d-d79a43f955a6"},{"symbol":"BCHUSDT","tick_direction":"PlusTick","price":"1054.45","size":0.82,"timestamp":"2021-04-17T16:43:05.000Z","trade_time_ms":"1618677785948","side":"Sell","trade_id":"a6492be8-54bb-55b2-8b46-69ad3c70a3b5"}]}"#,
            LINEAR,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bybit" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[0];
        assert_eq!(t.venue, "bybit");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "BCHUSDT");
        // trade_time_ms, not the whole-second timestamp.
        assert_eq!(t.time, 1_618_677_785_116_000_000);
        assert_eq!(t.price, Decimal::parse("1053.9").unwrap());
        assert_eq!(t.size, Decimal::parse("0.14").unwrap());
        assert_eq!(t.side, Side::Buy);
        assert_eq!(
            t.id,
            TradeId::Text("01cacfe9-8d1c-5ee4-995d-d79a43f955a6".into())
        );
        assert!(!t.id_ordered);
        assert!(!t.history);
        let t = &c.trades[1];
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.time, 1_618_677_785_948_000_000);
        assert_eq!(t.price, Decimal::parse("1054.45").unwrap());
        assert_eq!(t.size, Decimal::parse("0.82").unwrap());
        assert_eq!(
            t.id,
            TradeId::Text("a6492be8-54bb-55b2-8b46-69ad3c70a3b5".into())
        );
        assert!(c.skips.is_empty());
    }

    #[test]
    fn legacy_inverse_numbers_and_camel_case() {
        let (r, c) = both(
            r#"{"topic":"trade.BTCUSD","data":[{"trade_time_ms":1618677786614,"timestamp":"2021-04-17T16:43:06.000Z","symbol":"BTCUSD","side":"Sell","size":4,"price":60621.5,"tick_direction":"ZeroMinusTick","trade_id":"5ffb8b77-4a2c-5e8e-b1a4-7a6b3a3c0c11","cross_seq":5938955347}]}"#,
            INVERSE,
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "bybit-inverse"
            })
        );
        let t = &c.trades[0];
        assert_eq!(t.venue, "bybit-inverse");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "BTCUSD");
        assert_eq!(t.time, 1_618_677_786_614_000_000);
        assert_eq!(t.price, Decimal::parse("60621.5").unwrap());
        assert_eq!(t.size, Decimal::parse("4").unwrap());
        assert_eq!(t.side, Side::Sell);
        assert_eq!(
            t.id,
            TradeId::Text("5ffb8b77-4a2c-5e8e-b1a4-7a6b3a3c0c11".into())
        );
        assert!(!t.id_ordered);
        assert!(!t.history);
        // USDC perpetual style: camelCase; an unknown side.
        let (_, c) = both(
            r#"{"topic":"trade.BTCPERP","data":[{"symbol":"BTCPERP","tradeTimeMs":"1618677786615","price":"60621.5","size":"0.001","side":"None","tradeId":"abc-1"}]}"#,
            None,
        );
        let t = &c.trades[0];
        assert_eq!((t.venue, t.time), ("bybit", 1_618_677_786_615_000_000));
        assert_eq!(t.id, TradeId::Text("abc-1".into()));
        assert_eq!(t.side, Side::Unknown);
        // Only a whole-second timestamp: used as the last resort.
        let (_, c) = both(
            r#"{"topic":"trade.BTCUSD","data":[{"symbol":"BTCUSD","timestamp":"2021-04-17T16:43:06.000Z","price":1,"size":1,"side":"Buy","trade_id":"x"}]}"#,
            INVERSE,
        );
        assert_eq!(c.trades[0].time, 1_618_677_786_000_000_000);
    }

    #[test]
    fn v5_public_trade_every_field() {
        let (r, c) = both(
            r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false}]}"#,
            Some("wss://stream.bybit.com/v5/public/linear"),
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bybit" }));
        let t = &c.trades[0];
        assert_eq!(t.venue, "bybit");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "BTCUSDT");
        assert_eq!(t.time, 1_672_304_486_865_000_000);
        assert_eq!(t.price, Decimal::parse("16578.5").unwrap());
        assert_eq!(t.size, Decimal::parse("0.001").unwrap());
        assert_eq!(t.side, Side::Buy);
        assert_eq!(
            t.id,
            TradeId::Text("20f43950-d8dd-5b31-9112-a178eb6023af".into())
        );
        assert!(!t.id_ordered);
        // `type: snapshot` is not history on this topic.
        assert!(!t.history);
    }

    #[test]
    fn v5_spot_long_digit_ids_and_inverse() {
        let (r, c) = both(
            r#"{"topic":"publicTrade.BTCUSDT","ts":1672304486868,"type":"snapshot","data":[{"i":"2290000000061666327","T":1672304486865,"p":"16824.73","v":"0.001","S":"Sell","s":"BTCUSDT","BT":false}]}"#,
            Some("wss://stream.bybit.com/v5/public/spot"),
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "bybit-spot"
            })
        );
        let t = &c.trades[0];
        assert_eq!(t.venue, "bybit-spot");
        assert_eq!(t.id, TradeId::Num(2290000000061666327));
        assert!(!t.id_ordered);
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.price, Decimal::parse("16824.73").unwrap());
        let (r, _) = both(
            r#"{"topic":"publicTrade.BTCUSD","type":"snapshot","ts":1,"data":[{"T":1672304486865,"s":"BTCUSD","S":"Buy","v":"10","p":"16578.5","i":"u"}]}"#,
            Some("wss://stream.bybit.com/v5/public/inverse"),
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "bybit-inverse"
            })
        );
    }

    #[test]
    fn venue_names_from_urls() {
        for (url, venue) in [
            ("wss://stream.bybit.com/realtime_public", "bybit"),
            ("wss://stream.bybit.com/realtime", "bybit-inverse"),
            ("wss://stream.bybit.com/v5/public/linear", "bybit"),
            ("wss://stream.bybit.com/v5/public/inverse", "bybit-inverse"),
            ("wss://stream.bybit.com/v5/public/spot", "bybit-spot"),
            ("wss://stream.bybit.com/spot/quote/ws/v2", "bybit-spot"),
            ("wss://stream.bybit.com/v5/public/option", "bybit-option"),
            ("wss://stream.bytick.com/realtime?x=1", "bybit-inverse"),
        ] {
            assert_eq!(venue_for_url(Some(url)), venue, "{url}");
        }
        assert_eq!(venue_for_url(None), "bybit");
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"success":true,"ret_msg":"","conn_id":"38cf0ac3-af67-483c-9bbc-b57d45910ecb","request":{"op":"subscribe","args":["trade.BCHUSDT"]}}"#,
                LINEAR,
                "response",
            ),
            (
                r#"{"success":true,"ret_msg":"subscribe","conn_id":"2324d924","req_id":"","op":"subscribe"}"#,
                None,
                "response",
            ),
            (
                r#"{"topic":"orderBookL2_25.BCHUSDT","type":"delta","data":{"delete":[],"update":[{"price":"1054.10","symbol":"BCHUSDT","id":"10541000","side":"Sell","size":1.54}],"insert":[]},"cross_seq":"3523378734","timestamp_e6":"1618677786797264"}"#,
                LINEAR,
                "orderBookL2_25",
            ),
            (
                r#"{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","lastPrice":"16578.5"},"cs":1,"ts":1}"#,
                None,
                "tickers",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "bybit",
                    kind: Cow::Owned(kind.to_string())
                }),
                "{line}"
            );
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn other_venues_are_not_mine() {
        let bybit_trade = r#"{"topic":"trade.BCHUSDT","data":[{"symbol":"BCHUSDT","price":"1053.90","size":0.14,"trade_time_ms":"1618677785116","side":"Buy","trade_id":"01cacfe9"}]}"#;
        for (line, url) in [
            (
                r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}}"#,
                None,
            ),
            (
                r#"{"type":"match","trade_id":7,"maker_order_id":"a","taker_order_id":"b","side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","time":"2021-04-17T16:43:37.121358Z"}"#,
                None,
            ),
            (
                r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1652459226050"}]}"#,
                None,
            ),
            // KuCoin's topic is a path.
            (
                r#"{"type":"message","topic":"/market/match:BTC-USDT","subject":"trade.l3match","data":{"price":"1"}}"#,
                None,
            ),
            // A Bybit-shaped message on another venue's connection.
            (bybit_trade, Some("wss://ws.okx.com:8443/ws/v5/public")),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let legacy = r#"{"topic":"trade.BCHUSDT","data":[{"symbol":"BCHUSDT","price":"1053.90","size":0.14,"timestamp":"2021-04-17T16:43:05.000Z","trade_time_ms":"1618677785116","side":"Buy","trade_id":"01cacfe9"}]}"#;
        let v5 = r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","i":"20f4"}]}"#;
        for (good, from, to, msg) in [
            (
                legacy,
                r#""price":"1053.90""#,
                r#""price":"-1""#,
                "bybit trade: `price` negative number",
            ),
            (
                legacy,
                r#""size":0.14,"#,
                "",
                "bybit trade: `size` is missing",
            ),
            (
                legacy,
                r#""size":0.14"#,
                r#""size":0"#,
                "bybit trade: `size` is zero",
            ),
            (
                legacy,
                r#""trade_time_ms":"1618677785116""#,
                r#""trade_time_ms":true"#,
                "bybit trade: `trade_time_ms` is not a timestamp",
            ),
            (
                legacy,
                r#","trade_id":"01cacfe9""#,
                "",
                "bybit trade: `trade_id` is missing",
            ),
            (
                legacy,
                r#""symbol":"BCHUSDT","#,
                "",
                "bybit trade: `symbol` is missing",
            ),
            (
                v5,
                r#""p":"16578.50""#,
                r#""p":"x""#,
                "bybit publicTrade: `p` ",
            ),
            (
                v5,
                r#""v":"0.001","#,
                "",
                "bybit publicTrade: `v` is missing",
            ),
            (
                v5,
                r#""T":1672304486865,"#,
                "",
                "bybit publicTrade: `T` is missing",
            ),
            (
                v5,
                r#","i":"20f4""#,
                "",
                "bybit publicTrade: `i` is missing",
            ),
            (
                v5,
                r#""i":"20f4""#,
                r#""i":"""#,
                "bybit publicTrade: `i` is empty",
            ),
            (
                v5,
                r#""s":"BTCUSDT","#,
                "",
                "bybit publicTrade: `s` is missing",
            ),
            (
                v5,
                r#""data":[{"#,
                r#""data":[1,{"#,
                "bybit publicTrade: `data` holds a non-object",
            ),
        ] {
            let line = good.replace(from, to);
            assert_ne!(line, good);
            let (r, c) = both(&line, None);
            let e = r.unwrap_err().to_string();
            assert!(e.starts_with(msg), "{e} for {line}");
            assert!(c.trades.is_empty());
        }
        let (r, _) = both(r#"{"topic":"trade.X","data":{"a":1}}"#, LINEAR);
        assert_eq!(
            r.unwrap_err().to_string(),
            "bybit trade: `data` is not an array"
        );
    }
}
