//! Kraken spot (`wss://ws.kraken.com`, v1 and v2 `wss://ws.kraken.com/v2`): the `trade`
//! channel.
//!
//! - **v1** data messages are JSON arrays `[channelID, payload…, channelName, pair]`: a trade
//!   message is `[993,[[price,volume,time,side,orderType,misc],…],"trade","XMR/USD"]`. Book
//!   messages can have 5 elements (`[id,{"a":…},{"b":…},"book-10","XBT/USD"]`), so the
//!   channel name is read at `[-2]` and the pair at `[-1]`. An array is claimed only when
//!   `[0]` is a number, `[-2]` a Kraken v1 channel name (`trade`, `ticker`, `spread`,
//!   `ohlc-*`, `book-*`) and `[-1]` a pair string with a `/`; other channels are
//!   [`Decoded::Other`] named by the channel (`book-1000`).
//! - v1 rows: price and volume are decimal strings (exact text); the time is decimal epoch
//!   seconds as a string (`"1618678142.557535"`), read exactly, never through f64; side `b`/`s`
//!   is the **taker's** (Kraken docs: "triggering order side"), anything else unknown. The
//!   order type (`l`/`m`) and `misc` are ignored.
//! - v1 trades have **no trade id** ([`TradeId::None`]): within one recording they are never
//!   dropped as duplicates and, within one instant, keep capture order (Kraken's docs warn
//!   that timestamps are not unique). Across recordings the engine's content rule applies.
//!   No v1 replay was observed (the first trade of KRAKEN.ws.48.0 is 10 s after
//!   subscribing), so v1 trades are never history.
//! - **v2**: `{"channel":"trade","type":"snapshot"|"update","data":[{"symbol":"BTC/USD",
//!   "side":"buy","price":0.5147,"qty":6423.46326,"ord_type":"limit","trade_id":4665846,
//!   "timestamp":"2023-09-25T07:48:36.925533Z"}]}`. `type:"snapshot"` (sent on subscribing,
//!   the 50 most recent trades) is labelled history; `update` is live. `price`/`qty` are JSON
//!   numbers (exact text), `timestamp` ISO with µs, `side` `buy`/`sell` the taker's,
//!   `trade_id` an integer per book that increases with time (ids ordered).
//!   A v2 trade message is claimed by `channel:"trade"` with a `type` of `snapshot`/`update`,
//!   when the connection URL is Kraken's or its first row has `symbol` and `trade_id`
//!   (bit.com's `channel:"trade"` rows have `pair`).
//! - Symbols are kept as sent: v1 `XBT/USD`, v2 `BTC/USD` are different series.
//! - Not trades: `{"event":"heartbeat"}`, `systemStatus`, `subscriptionStatus`, `pong`
//!   (v1 events; `kind` = the event), v1 `ticker`/`spread`/`ohlc-*`/`book-*` arrays, v2
//!   `channel` `heartbeat`, `status`, `book`, `ticker`, `ohlc`, `instrument`, `level3`, and
//!   v2 method replies `{"method":"subscribe","result":…,"success":true,"time_in":…}`.

use std::borrow::Cow;

use super::{need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::{parse_decimal_seconds, parse_iso};
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "kraken";
const TRADE: &str = "kraken trade";

/// v2 channel names other than `trade`.
const V2_CHANNELS: [&str; 10] = [
    "heartbeat",
    "status",
    "book",
    "ticker",
    "ohlc",
    "instrument",
    "level3",
    "executions",
    "balances",
    "trade",
];

/// The connection is Kraken spot's public or authenticated WebSocket.
fn url_is_kraken(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        host.as_str(),
        "ws.kraken.com" | "ws-auth.kraken.com" | "beta-ws.kraken.com" | "beta-ws-auth.kraken.com"
    )
}

/// A Kraken v1 public channel name (`book-1000`, `ohlc-5`, ...).
fn v1_channel(name: &str) -> bool {
    matches!(name, "trade" | "ticker" | "spread")
        || name.strip_prefix("book-").is_some_and(is_digits)
        || name.strip_prefix("ohlc-").is_some_and(is_digits)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    match msg.kind() {
        Kind::Array => v1_array(msg, out),
        Kind::Object => object(msg, ctx, out),
        _ => Ok(Decoded::NotMine),
    }
}

/// A v1 channel message `[channelID, …, channelName, pair]`.
fn v1_array<'a, J: JsonView<'a>>(
    msg: J,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    let n = msg.len();
    if n < 4 {
        return Ok(Decoded::NotMine);
    }
    let (Some(id), Some(name), Some(pair)) = (msg.at(0), msg.at(n - 2), msg.at(n - 1)) else {
        return Ok(Decoded::NotMine);
    };
    let (Some(name), Some(pair)) = (name.str(), pair.str()) else {
        return Ok(Decoded::NotMine);
    };
    if id.kind() != Kind::Number || !v1_channel(&name) || !pair.contains('/') {
        return Ok(Decoded::NotMine);
    }
    if name != "trade" {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: name,
        });
    }
    if n != 4 {
        return Err(DecodeError::new(
            TRADE,
            "trade",
            format!("message has {n} elements, not 4"),
        ));
    }
    let rows = need(msg.at(1), TRADE, "trades")?;
    if rows.kind() != Kind::Array {
        return Err(DecodeError::new(TRADE, "trades", "is not an array"));
    }
    for row in rows.elements() {
        if row.kind() != Kind::Array || row.len() < 4 {
            return Err(DecodeError::new(
                TRADE,
                "trades",
                "holds a row that is not [price, volume, time, side, …]",
            ));
        }
        let price = positive_decimal(row.at(0), TRADE, "price")?;
        let size = positive_decimal(row.at(1), TRADE, "volume")?;
        let time = string(row.at(2), TRADE, "time")?;
        let time = parse_decimal_seconds(&time)
            .map_err(|e| DecodeError::new(TRADE, "time", e.to_string()))?;
        let side = match row.at(3).and_then(|s| s.str()).as_deref() {
            Some("b") => Side::Buy,
            Some("s") => Side::Sell,
            _ => Side::Unknown,
        };
        out.trade(Trade {
            venue: VENUE,
            stream: 0,
            symbol: pair.clone(),
            time,
            price,
            size,
            side,
            id: TradeId::None,
            id_ordered: false,
            history: false,
        });
    }
    Ok(Decoded::Trades { venue: VENUE })
}

fn object<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    let [event, channel, typ, data, method, time_in, jsonrpc, connection_id, channel_name] = msg
        .fields([
            "event",
            "channel",
            "type",
            "data",
            "method",
            "time_in",
            "jsonrpc",
            "connectionID",
            "channelName",
        ]);
    let kraken_url = url_is_kraken(ctx.url);
    let other = |kind: Cow<'a, str>| Decoded::Other { venue: VENUE, kind };
    // v1 events.
    if let Some(event) = event.and_then(|e| e.str()) {
        let ours = match event.as_ref() {
            "heartbeat" => msg.len() == 1,
            "systemStatus" => connection_id.is_some(),
            "subscriptionStatus" => channel_name.is_some() || msg.get("subscription").is_some(),
            _ => false,
        };
        return Ok(if ours || kraken_url {
            other(event)
        } else {
            Decoded::NotMine
        });
    }
    // v2 method replies.
    if let Some(method) = method.and_then(|m| m.str()) {
        return Ok(if jsonrpc.is_none() && (time_in.is_some() || kraken_url) {
            other(method)
        } else {
            Decoded::NotMine
        });
    }
    let Some(channel) = channel.and_then(|c| c.str()) else {
        return Ok(Decoded::NotMine);
    };
    let typ = typ.and_then(|t| t.str());
    if channel == "trade" {
        let history = match typ.as_deref() {
            Some("snapshot") => true,
            Some("update") => false,
            _ => return Ok(Decoded::NotMine),
        };
        let Some(data) = data.filter(|d| d.kind() == Kind::Array) else {
            return Ok(Decoded::NotMine);
        };
        let shaped = data.at(0).is_some_and(|r| {
            r.kind() == Kind::Object && r.get("symbol").is_some() && r.get("trade_id").is_some()
        });
        if !(kraken_url || shaped) {
            return Ok(Decoded::NotMine);
        }
        for row in data.elements() {
            if row.kind() != Kind::Object {
                return Err(DecodeError::new(TRADE, "data", "holds a non-object"));
            }
            v2_trade(row, history, out)?;
        }
        return Ok(Decoded::Trades { venue: VENUE });
    }
    let ours = kraken_url
        || (V2_CHANNELS.contains(&channel.as_ref())
            && jsonrpc.is_none()
            && (channel == "heartbeat" && msg.len() == 1
                || matches!(typ.as_deref(), Some("snapshot" | "update"))
                    && data.is_some_and(|d| d.kind() == Kind::Array)));
    Ok(if ours {
        other(channel)
    } else {
        Decoded::NotMine
    })
}

fn v2_trade<'a, J: JsonView<'a>>(
    row: J,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    let [symbol, side, price, qty, trade_id, timestamp] =
        row.fields(["symbol", "side", "price", "qty", "trade_id", "timestamp"]);
    let symbol = string(symbol, TRADE, "symbol")?;
    let ts = string(timestamp, TRADE, "timestamp")?;
    let time = parse_iso(&ts).map_err(|e| DecodeError::new(TRADE, "timestamp", e.to_string()))?;
    let price = positive_decimal(price, TRADE, "price")?;
    let size = positive_decimal(qty, TRADE, "qty")?;
    let side = match side.and_then(|s| s.str()).as_deref() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => Side::Unknown,
    };
    let id = need(trade_id, TRADE, "trade_id")?;
    let id = match id.kind() {
        Kind::Number => id.number_text(),
        Kind::String => id.str(),
        _ => None,
    }
    .filter(|t| is_digits(t))
    .ok_or_else(|| DecodeError::new(TRADE, "trade_id", "is not an integer id"))?;
    out.trade(Trade {
        venue: VENUE,
        stream: 0,
        symbol,
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
    use crate::decimal::Decimal;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://ws.kraken.com");
    const URL_V2: Option<&str> = Some("wss://ws.kraken.com/v2");

    #[test]
    fn v1_trades_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"[993,[["354.04000000","0.28245396","1618678150.826417","s","m",""],["353.81000000","1.71754604","1618678150.827816","b","l",""]],"trade","XMR/USD"]"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "kraken" }));
            assert_eq!(c.trades.len(), 2);
            let t = &c.trades[0];
            assert_eq!(t.venue, "kraken");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "XMR/USD");
            assert_eq!(t.time, 1_618_678_150_826_417_000);
            assert_eq!(t.price, dec("354.04"));
            assert_eq!(t.size, dec("0.28245396"));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::None);
            assert!(!t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(t.symbol, "XMR/USD");
            assert_eq!(t.time, 1_618_678_150_827_816_000);
            assert_eq!(
                (t.price, t.size, t.side),
                (dec("353.81"), dec("1.71754604"), Side::Buy)
            );
            assert_eq!(t.id, TradeId::None);
        }
        // A side other than b/s is unknown.
        let (_, c) = both(
            r#"[1921,[["0.042990","15979.71727919","1618678145.920708","x","l",""]],"trade","SC/EUR"]"#,
            URL,
        );
        assert_eq!(c.trades[0].side, Side::Unknown);
        assert_eq!(c.trades[0].price, dec("0.04299"));
    }

    #[test]
    fn v2_update_and_snapshot_every_field() {
        let (r, c) = both(
            r#"{"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"buy","price":0.5147,"qty":6423.46326,"ord_type":"limit","trade_id":4665846,"timestamp":"2023-09-25T07:48:36.925533Z"},{"symbol":"MATIC/USD","side":"sell","price":0.5146,"qty":1,"ord_type":"market","trade_id":4665847,"timestamp":"2023-09-25T07:48:37.000001Z"}]}"#,
            URL_V2,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "kraken" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[0];
        assert_eq!(t.venue, "kraken");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "MATIC/USD");
        assert_eq!(t.time, 1_695_628_116_925_533_000);
        assert_eq!(t.price, dec("0.5147"));
        assert_eq!(t.size, dec("6423.46326"));
        assert_eq!(t.side, Side::Buy);
        assert_eq!(t.id, TradeId::Num(4_665_846));
        assert!(t.id_ordered);
        assert!(!t.history);
        let t = &c.trades[1];
        assert_eq!(t.time, 1_695_628_117_000_001_000);
        assert_eq!(
            (t.price, t.size, t.side, &t.id),
            (
                dec("0.5146"),
                dec("1"),
                Side::Sell,
                &TradeId::Num(4_665_847)
            )
        );
        // The snapshot is history; recognised without a URL by its rows.
        let (r, c) = both(
            r#"{"channel":"trade","type":"snapshot","data":[{"symbol":"BTC/USD","side":"sell","price":26500.1,"qty":0.002,"ord_type":"market","trade_id":61234,"timestamp":"2023-09-25T07:40:00.000000Z"}]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "kraken" }));
        let t = &c.trades[0];
        assert_eq!(t.symbol, "BTC/USD");
        assert_eq!(t.time, 1_695_627_600_000_000_000);
        assert_eq!((t.price, t.size), (dec("26500.1"), dec("0.002")));
        assert_eq!((t.side, &t.id), (Side::Sell, &TradeId::Num(61234)));
        assert!(t.id_ordered);
        assert!(t.history);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"[1360,{"as":[["0.000022900","13355.87450757","1618678123.481570"]],"bs":[["0.000022800","100.0","1618678123.0"]]},"book-1000","ADA/XBT"]"#,
                None,
                "book-1000",
            ),
            (
                r#"[1360,{"a":[["0.000022900","0.00000000","1618678133.481570"]]},{"b":[["0.000022800","5.0","1618678133.5"]],"c":"1234"},"book-1000","ADA/XBT"]"#,
                None,
                "book-1000",
            ),
            (
                r#"[42,["1.0","2.0","1618678133.1","1618678193.0","1.0","1.0","1.0","1.0","1.0",3],"ohlc-1","XBT/USD"]"#,
                None,
                "ohlc-1",
            ),
            (r#"{"event":"heartbeat"}"#, None, "heartbeat"),
            (
                r#"{"connectionID":18239578009413566319,"event":"systemStatus","status":"online","version":"1.8.3"}"#,
                None,
                "systemStatus",
            ),
            (
                r#"{"channelID":993,"channelName":"trade","event":"subscriptionStatus","pair":"XMR/USD","status":"subscribed","subscription":{"name":"trade"}}"#,
                None,
                "subscriptionStatus",
            ),
            (r#"{"event":"pong","reqid":7}"#, URL, "pong"),
            (r#"{"channel":"heartbeat"}"#, None, "heartbeat"),
            (
                r#"{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":1,"system":"online","version":"2.0.0"}]}"#,
                None,
                "status",
            ),
            (
                r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":1,"timestamp":"2023-09-25T07:48:36.925533Z"}]}"#,
                None,
                "book",
            ),
            (
                r#"{"method":"subscribe","result":{"channel":"trade","snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}"#,
                None,
                "subscribe",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "kraken",
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
            r#"{"event":"info","version":1}"#,
            r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":1,"hash":"0x0","tid":1}]}"#,
            r#"{"channel":"trade","timestamp":1643000000000,"module":"spot","data":[{"trade_id":"1","pair":"BTC-USDT","price":"1","qty":"1","side":"buy","created_at":1}]}"#,
            r#"[205046,"hb"]"#,
            r#"[205046,[[1,1618678150826,0.5,354.04]]]"#,
            r#"[1,2,"trade","XMR-USD"]"#,
            r#"["x",[],"trade","XMR/USD"]"#,
            r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw","data":[]}}"#,
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
                r#"[993,[["0","1","1618678150.826417","s","m",""]],"trade","XMR/USD"]"#,
                "kraken trade: `price` is zero",
            ),
            (
                r#"[993,[["1","-1","1618678150.826417","s","m",""]],"trade","XMR/USD"]"#,
                "kraken trade: `volume` negative number",
            ),
            (
                r#"[993,[["1","1","1618678150.8264171234","s","m",""]],"trade","XMR/USD"]"#,
                "kraken trade: `time` not a timestamp",
            ),
            (
                r#"[993,[["1","1",1618678150.826417,"s","m",""]],"trade","XMR/USD"]"#,
                "kraken trade: `time` is not a string",
            ),
            (
                r#"[993,{"a":1},"trade","XMR/USD"]"#,
                "kraken trade: `trades` is not an array",
            ),
            (
                r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","qty":1,"trade_id":1,"timestamp":"2023-09-25T07:48:36.925533Z"}]}"#,
                "kraken trade: `price` is missing",
            ),
            (
                r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"trade_id":1.5,"timestamp":"2023-09-25T07:48:36.925533Z"}]}"#,
                "kraken trade: `trade_id` is not an integer id",
            ),
            (
                r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"trade_id":1,"timestamp":"soon"}]}"#,
                "kraken trade: `timestamp` not a timestamp",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
