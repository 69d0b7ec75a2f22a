//! Gemini market data v2 (`wss://api.gemini.com/v2/marketdata`): `trade` events and the
//! trades embedded in the first `l2_updates`.
//!
//! - Live trades are flat objects `{"type":"trade","symbol":"FILUSD","event_id":45465842999,
//!   "timestamp":1624493681030,"price":"58.4998","quantity":"15.4053","side":"buy"}`, one per
//!   message. Claimed by `type:"trade"` with `symbol` and `event_id` (Upbit's DEFAULT format
//!   also has `type:"trade"`, with `code`), or on a Gemini connection.
//! - The first `l2_updates` of each symbol after subscribing (the book snapshot) embeds
//!   `trades[]`: the last 50 trades in the same shape, newest first, up to days old (10 days
//!   observed): labelled **history**. Later `l2_updates` have no `trades` and carry no trades.
//!   `auction_events` are not trades.
//! - `timestamp` is epoch ms (number); `price`/`quantity` decimal strings, exact.
//! - `side` is the **taker's** side: in GEMINI.ws.1.0 the ANKRUSD `buy` of 1020.482111 at
//!   0.07946 takes exactly the whole best ask (`["sell","0.07946","1020.482111"]`) of the
//!   book snapshot, and the ALCXUSD `buy` of 8.12974 at 303.05 the best ask of that size;
//!   tardis-node maps `side` as the trade side too. Other values are unknown.
//! - `event_id` (integer) is the trade id, exact; Gemini's event ids increase with time
//!   (seen across snapshot and live trades), so ids are ordered.
//! - Not trades ([`Decoded::Other`], `kind` = the type): `l2_updates` without `trades`,
//!   `heartbeat` (`{"type":"heartbeat","timestamp":…}`), `candles_*_updates`,
//!   `auction_result`, `auction_indicative`, and any other `type` on a Gemini connection.

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "gemini";
const TRADE: &str = "gemini trade";

fn url_is_gemini(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("gemini.com"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [typ, symbol, event_id, changes, trades, timestamp] = msg.fields([
        "type",
        "symbol",
        "event_id",
        "changes",
        "trades",
        "timestamp",
    ]);
    let Some(typ) = typ.and_then(|t| t.str()) else {
        return Ok(Decoded::NotMine);
    };
    let gemini_url = url_is_gemini(ctx.url);
    match typ.as_ref() {
        "trade" if gemini_url || (symbol.is_some() && event_id.is_some()) => {
            trade(msg, false, out)?;
            Ok(Decoded::Trades { venue: VENUE })
        }
        "l2_updates"
            if gemini_url
                || (symbol.is_some() && changes.is_some_and(|c| c.kind() == Kind::Array)) =>
        {
            let Some(trades) = trades else {
                return Ok(Decoded::Other {
                    venue: VENUE,
                    kind: typ,
                });
            };
            if trades.kind() != Kind::Array {
                return Err(DecodeError::new(TRADE, "trades", "is not an array"));
            }
            for t in trades.elements() {
                if t.kind() != Kind::Object {
                    return Err(DecodeError::new(TRADE, "trades", "holds a non-object"));
                }
                trade(t, true, out)?;
            }
            Ok(Decoded::Trades { venue: VENUE })
        }
        "heartbeat" if gemini_url || (msg.len() == 2 && timestamp.is_some()) => {
            Ok(Decoded::Other {
                venue: VENUE,
                kind: typ,
            })
        }
        _ if gemini_url => Ok(Decoded::Other {
            venue: VENUE,
            kind: typ,
        }),
        _ => Ok(Decoded::NotMine),
    }
}

fn trade<'a, J: JsonView<'a>>(
    t: J,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    let [symbol, event_id, timestamp, price, quantity, side] = t.fields([
        "symbol",
        "event_id",
        "timestamp",
        "price",
        "quantity",
        "side",
    ]);
    let symbol = string(symbol, TRADE, "symbol")?;
    let time = epoch(timestamp, Unit::Millis, TRADE, "timestamp")?;
    let price = positive_decimal(price, TRADE, "price")?;
    let size = positive_decimal(quantity, TRADE, "quantity")?;
    let side = match side.and_then(|s| s.str()).as_deref() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => Side::Unknown,
    };
    let id = need(event_id, TRADE, "event_id")?;
    let id = match id.kind() {
        Kind::Number => id.number_text(),
        Kind::String => id.str(),
        _ => None,
    }
    .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
    .ok_or_else(|| DecodeError::new(TRADE, "event_id", "is not an integer id"))?;
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
    use std::borrow::Cow;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://api.gemini.com/v2/marketdata/");

    #[test]
    fn trade_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"type":"trade","symbol":"FILUSD","event_id":45465842999,"timestamp":1624493681030,"price":"58.4998","quantity":"15.4053","side":"buy"}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "gemini" }));
            assert_eq!(c.trades.len(), 1);
            let t = &c.trades[0];
            assert_eq!(t.venue, "gemini");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "FILUSD");
            assert_eq!(t.time, 1_624_493_681_030_000_000);
            assert_eq!(t.price, dec("58.4998"));
            assert_eq!(t.size, dec("15.4053"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::Num(45_465_842_999));
            assert!(t.id_ordered);
            assert!(!t.history);
        }
        let (_, c) = both(
            r#"{"type":"trade","symbol":"ANKRUSD","event_id":45465766318,"timestamp":1624493646833,"price":"0.07896","quantity":"12974.531929","side":"sell"}"#,
            URL,
        );
        assert_eq!(c.trades[0].side, Side::Sell);
    }

    #[test]
    fn l2_updates_trades_are_history() {
        let (r, c) = both(
            r#"{"type":"l2_updates","symbol":"ALCXUSD","changes":[["buy","302.75","0.00001"],["sell","303.05","8.12974"]],"trades":[{"type":"trade","symbol":"ALCXUSD","event_id":45465785975,"timestamp":1624493651491,"price":"302.53","quantity":"0.992143","side":"buy"},{"type":"trade","symbol":"ALCXUSD","event_id":45465785690,"timestamp":1624493651353,"price":"302.32","quantity":"4.140581","side":"sell"}],"auction_events":[]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "gemini" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[0];
        assert_eq!(t.venue, "gemini");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "ALCXUSD");
        assert_eq!(t.time, 1_624_493_651_491_000_000);
        assert_eq!(t.price, dec("302.53"));
        assert_eq!(t.size, dec("0.992143"));
        assert_eq!(t.side, Side::Buy);
        assert_eq!(t.id, TradeId::Num(45_465_785_975));
        assert!(t.id_ordered);
        assert!(t.history);
        let t = &c.trades[1];
        assert_eq!(t.time, 1_624_493_651_353_000_000);
        assert_eq!(
            (t.price, t.size, t.side, &t.id, t.history),
            (
                dec("302.32"),
                dec("4.140581"),
                Side::Sell,
                &TradeId::Num(45_465_785_690),
                true
            )
        );
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"type":"l2_updates","symbol":"BATBTC","changes":[["buy","0.00001583","0"]]}"#,
                None,
                "l2_updates",
            ),
            (
                r#"{"type":"heartbeat","timestamp":1624493666869}"#,
                None,
                "heartbeat",
            ),
            (
                r#"{"type":"candles_1m_updates","symbol":"BTCUSD","changes":[[1561054500000,9350.18,9358.35,9350.18,9355.51,2.07]]}"#,
                URL,
                "candles_1m_updates",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "gemini",
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
            r#"{"type":"trade","code":"KRW-BTC","trade_price":1,"trade_volume":1,"ask_bid":"BID","trade_timestamp":1,"sequential_id":1}"#,
            r#"{"type":"heartbeat","sequence":5,"last_trade_id":1,"product_id":"BTC-USD","time":"2021-04-17T16:43:37.121358Z"}"#,
            r#"{"type":"subscriptions","channels":[]}"#,
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
                r#"{"type":"trade","symbol":"FILUSD","event_id":1,"timestamp":1624493681030,"quantity":"1","side":"buy"}"#,
                "gemini trade: `price` is missing",
            ),
            (
                r#"{"type":"trade","symbol":"FILUSD","event_id":1,"timestamp":1624493681030,"price":"1","quantity":"0","side":"buy"}"#,
                "gemini trade: `quantity` is zero",
            ),
            (
                r#"{"type":"trade","symbol":"FILUSD","event_id":1,"timestamp":"x","price":"1","quantity":"1","side":"buy"}"#,
                "gemini trade: `timestamp` not a timestamp",
            ),
            (
                r#"{"type":"trade","symbol":"FILUSD","event_id":"a1","timestamp":1624493681030,"price":"1","quantity":"1","side":"buy"}"#,
                "gemini trade: `event_id` is not an integer id",
            ),
            (
                r#"{"type":"l2_updates","symbol":"X","changes":[],"trades":[{"symbol":"X","timestamp":1624493681030,"price":"1","quantity":"1","side":"buy"}]}"#,
                "gemini trade: `event_id` is missing",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
