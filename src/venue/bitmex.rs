//! BitMEX (`wss://www.bitmex.com/realtime`): the `trade` table.
//!
//! - Every data message is `{"table":…,"action":…,"data":[…]}`; only `table:"trade"` carries
//!   trades. Other tables (`orderBookL2`, `quote`, `tradeBin1m`, …) are [`Decoded::Other`]
//!   named by the table.
//! - `action:"partial"` is sent once per subscribed symbol right after subscribing and holds
//!   the most recent trade, possibly long before the recording started (94 min observed):
//!   those trades are labelled history. `action:"insert"` holds live trades.
//! - `timestamp` is ISO with ms; `price` a JSON number, `size` an integer number of contracts
//!   (kept as sent: for XBTUSD a contract is 1 USD, so `volume` is not in BTC).
//! - `side` `Buy`/`Sell` is the taker's side; a missing or other value is unknown (as in
//!   tardis-node).
//! - `trdMatchID` is a UUID: exact text id, not ordered.
//! - Not trades: the welcome `{"info":"Welcome to the BitMEX Realtime API.",…}`, subscription
//!   acks `{"success":true,"subscribe":…,"request":{…}}` and errors `{"status":…,"error":…}`.

use std::borrow::Cow;

use super::{need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::parse_iso;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "bitmex";
const TRADE: &str = "bitmex trade";

fn url_is_bitmex(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("bitmex.com"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [table, action, data] = msg.fields(["table", "action", "data"]);
    let Some(table) = table else {
        return Ok(not_a_table(msg, ctx));
    };
    // A table message: `table` and `action` strings and a `data` array.
    let (Some(table), Some(action)) = (table.str(), action.and_then(|a| a.str())) else {
        return Ok(Decoded::NotMine);
    };
    let Some(data) = data.filter(|d| d.kind() == Kind::Array) else {
        return Ok(Decoded::NotMine);
    };
    if table != "trade" {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: table,
        });
    }
    let history = match action.as_ref() {
        "partial" => true,
        "insert" => false,
        // The trade table is insert-only; anything else carries no new trades.
        _ => {
            return Ok(Decoded::Other {
                venue: VENUE,
                kind: Cow::Owned(format!("trade {action}")),
            })
        }
    };
    for row in data.elements() {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(TRADE, "data", "holds a non-object"));
        }
        let [ts, symbol, side, size, price, id] =
            row.fields(["timestamp", "symbol", "side", "size", "price", "trdMatchID"]);
        let symbol = string(symbol, TRADE, "symbol")?;
        let ts = string(ts, TRADE, "timestamp")?;
        let time =
            parse_iso(&ts).map_err(|e| DecodeError::new(TRADE, "timestamp", e.to_string()))?;
        let price = positive_decimal(price, TRADE, "price")?;
        let size = positive_decimal(size, TRADE, "size")?;
        let side = match side.and_then(|s| s.str()).as_deref() {
            Some("Buy") => Side::Buy,
            Some("Sell") => Side::Sell,
            _ => Side::Unknown,
        };
        let id = need(id, TRADE, "trdMatchID")?;
        let id = match id.str() {
            Some(t) if !t.is_empty() => TradeId::from_text(t),
            _ => return Err(DecodeError::new(TRADE, "trdMatchID", "is not an id")),
        };
        out.trade(Trade {
            venue: VENUE,
            stream: 0,
            symbol,
            time,
            price,
            size,
            side,
            id,
            id_ordered: false,
            history,
        });
    }
    Ok(Decoded::Trades { venue: VENUE })
}

/// BitMEX messages without `table`: the welcome, subscription acks and errors.
fn not_a_table<'a, J: JsonView<'a>>(msg: J, ctx: &Ctx) -> Decoded<'a> {
    let [info, docs, success, subscribe, unsubscribe, request, ret_msg] = msg.fields([
        "info",
        "docs",
        "success",
        "subscribe",
        "unsubscribe",
        "request",
        "ret_msg",
    ]);
    let other = |kind: &'static str| Decoded::Other {
        venue: VENUE,
        kind: Cow::Borrowed(kind),
    };
    if info
        .and_then(|i| i.str())
        .is_some_and(|i| i.starts_with("Welcome to the BitMEX"))
        || (info.is_some()
            && docs
                .and_then(|d| d.str())
                .is_some_and(|d| d.contains("bitmex.com")))
    {
        return other("welcome");
    }
    if success.and_then(|s| s.bool()).is_some()
        && (subscribe.is_some() || unsubscribe.is_some())
        && request.is_some_and(|r| r.kind() == Kind::Object)
        && ret_msg.is_none()
    {
        return other("subscription");
    }
    if url_is_bitmex(ctx.url) {
        return other("response");
    }
    Decoded::NotMine
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://www.bitmex.com/realtime");

    #[test]
    fn insert_trades_every_field() {
        let (r, c) = both(
            r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":100,"price":32180.5,"tickDirection":"PlusTick","trdMatchID":"6e70bebe-235e-08a6-d11b-e1042bf1f2ed","grossValue":310747,"homeNotional":0.00310747,"foreignNotional":100},{"timestamp":"2021-07-22T22:36:11.686Z","symbol":"XBTUSD","side":"Sell","size":900,"price":32180.50,"tickDirection":"ZeroPlusTick","trdMatchID":"132702bb-2daa-0b5a-cb86-01882dd0348b","grossValue":2796723,"homeNotional":0.02796723,"foreignNotional":900}]}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitmex" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[0];
        assert_eq!(t.venue, "bitmex");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "XBTUSD");
        assert_eq!(t.time, 1_626_993_371_685_000_000);
        assert_eq!(t.price, dec("32180.5"));
        assert_eq!(t.size, dec("100"));
        assert_eq!(t.side, Side::Buy);
        assert_eq!(
            t.id,
            TradeId::Text(Cow::Borrowed("6e70bebe-235e-08a6-d11b-e1042bf1f2ed"))
        );
        assert!(!t.id_ordered);
        assert!(!t.history);
        let t = &c.trades[1];
        assert_eq!(t.time, 1_626_993_371_686_000_000);
        assert_eq!(
            (t.side, t.size, t.price),
            (Side::Sell, dec("900"), dec("32180.5"))
        );
        assert_eq!(
            t.id,
            TradeId::Text(Cow::Borrowed("132702bb-2daa-0b5a-cb86-01882dd0348b"))
        );
        // No URL needed: the table shape is enough.
        let (r, _) = both(
            r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":100,"price":32180.5,"trdMatchID":"x"}]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitmex" }));
    }

    #[test]
    fn partial_is_history_and_missing_side_is_unknown() {
        let (r, c) = both(
            r#"{"table":"trade","action":"partial","keys":[],"types":{"timestamp":"timestamp","symbol":"symbol","side":"symbol","size":"long","price":"float","tickDirection":"symbol","trdMatchID":"guid","grossValue":"long","homeNotional":"float","foreignNotional":"float"},"foreignKeys":{"symbol":"instrument","side":"side"},"attributes":{"timestamp":"sorted","symbol":"grouped"},"filter":{"symbol":"XRPU21"},"data":[{"timestamp":"2021-07-22T22:24:15.328Z","symbol":"XRPU21","size":15,"price":0.00001819,"tickDirection":"MinusTick","trdMatchID":"8f8fe9db-eb13-26a5-dea2-a398d89e04a8","grossValue":27285,"homeNotional":15,"foreignNotional":0.00027285}]}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitmex" }));
        let t = &c.trades[0];
        assert_eq!(t.venue, "bitmex");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "XRPU21");
        assert_eq!(t.time, 1_626_992_655_328_000_000);
        assert_eq!(t.price, dec("0.00001819"));
        assert_eq!(t.size, dec("15"));
        assert_eq!(t.side, Side::Unknown);
        assert_eq!(
            t.id,
            TradeId::Text(Cow::Borrowed("8f8fe9db-eb13-26a5-dea2-a398d89e04a8"))
        );
        assert!(!t.id_ordered);
        assert!(t.history);
        // An empty partial: recognised, no trades.
        let (r, c) = both(r#"{"table":"trade","action":"partial","data":[]}"#, URL);
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitmex" }));
        assert!(c.trades.is_empty());
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"table":"orderBookL2","action":"update","data":[{"symbol":"XBTUSD","id":8796767750,"side":"Sell","size":2000}]}"#,
                None,
                "orderBookL2",
            ),
            (
                r#"{"table":"quote","action":"insert","data":[{"timestamp":"2021-07-22T22:36:10.014Z","symbol":"UNIUSDT","bidSize":100,"bidPrice":17.28,"askPrice":17.3,"askSize":20}]}"#,
                None,
                "quote",
            ),
            (
                r#"{"info":"Welcome to the BitMEX Realtime API.","version":"2021-07-14T01:26:29.000Z","timestamp":"2021-07-22T22:36:07.865Z","docs":"https://www.bitmex.com/app/wsAPI","limit":{"remaining":39}}"#,
                None,
                "welcome",
            ),
            (
                r#"{"success":true,"subscribe":"trade:XBTUSD","request":{"op":"subscribe","args":["trade:XBTUSD"]}}"#,
                None,
                "subscription",
            ),
            (
                r#"{"status":400,"error":"Unknown table: foo","meta":{},"request":{"op":"subscribe","args":["foo"]}}"#,
                URL,
                "response",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "bitmex",
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
            r#"{"success":true,"ret_msg":"","conn_id":"x","request":{"op":"subscribe","args":["trade.BTCUSD"]}}"#,
            r#"{"table":"spot/trade","data":[{"instrument_id":"BTC-USDT","price":"1"}]}"#,
            r#"[993,[["354.04000000","0.28245396","1618678150.826417","s","m",""]],"trade","XMR/USD"]"#,
            r#"{"event":"info","version":1}"#,
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
                r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":100,"trdMatchID":"x"}]}"#,
                "bitmex trade: `price` is missing",
            ),
            (
                r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":0,"price":1,"trdMatchID":"x"}]}"#,
                "bitmex trade: `size` is zero",
            ),
            (
                r#"{"table":"trade","action":"insert","data":[{"timestamp":"yesterday","symbol":"XBTUSD","side":"Buy","size":1,"price":1,"trdMatchID":"x"}]}"#,
                "bitmex trade: `timestamp` not a timestamp",
            ),
            (
                r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":1,"price":1}]}"#,
                "bitmex trade: `trdMatchID` is missing",
            ),
            (
                r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","side":"Buy","size":1,"price":1,"trdMatchID":"x"}]}"#,
                "bitmex trade: `symbol` is missing",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err);
        }
    }
}
