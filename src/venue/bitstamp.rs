//! Bitstamp (`wss://ws.bitstamp.net`): `live_trades_<pair>` channels.
//!
//! - A trade is `{"event":"trade","channel":"live_trades_ethusd","data":{…}}`, one per message.
//! - Symbol: the channel's pair upper-cased (`live_trades_ethusd` → `ETHUSD`), the form
//!   Bitstamp's REST API uses in `pair` names without the slash and tardis.dev uses as the
//!   symbol; the message itself carries no symbol.
//! - Time: `microtimestamp` (us, string) is exact; `timestamp` is whole seconds and is used
//!   only when `microtimestamp` is absent.
//! - Price and size: `price_str` / `amount_str` (exact decimal text); the JSON numbers
//!   `price` / `amount` only when a string is absent.
//! - `type` 0 = taker buy, 1 = taker sell (Bitstamp docs); anything else is unknown.
//! - `id` is an integer that increases per pair: ordered ids.
//! - Not trades: other channels (`diff_order_book_*`, `order_book_*`, `live_orders_*`, …)
//!   and `bts:*` events (subscription acks, `bts:request_reconnect`, heartbeats).

use std::borrow::Cow;

use super::{epoch, need, positive_decimal, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "bitstamp";
const TRADE: &str = "bitstamp trade";
const TRADES_PREFIX: &str = "live_trades_";

/// Channel names of Bitstamp's public and private WebSocket v2 API.
const CHANNEL_PREFIXES: [&str; 7] = [
    TRADES_PREFIX,
    "live_orders_",
    "order_book_",
    "detail_order_book_",
    "diff_order_book_",
    "private-my_orders_",
    "private-my_trades_",
];

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    _ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [event, channel, data] = msg.fields(["event", "channel", "data"]);
    let Some(event) = event.and_then(|e| e.str()) else {
        return Ok(Decoded::NotMine);
    };
    let channel = channel.and_then(|c| c.str());
    let bitstamp_channel = channel
        .as_deref()
        .is_some_and(|c| CHANNEL_PREFIXES.iter().any(|p| c.starts_with(p)));
    if !bitstamp_channel && !event.starts_with("bts:") {
        return Ok(Decoded::NotMine);
    }
    let pair = channel
        .as_deref()
        .and_then(|c| c.strip_prefix(TRADES_PREFIX))
        .filter(|p| !p.is_empty());
    let (Some(pair), "trade") = (pair, event.as_ref()) else {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: event,
        });
    };
    let data = need(data, TRADE, "data")?;
    if data.kind() != Kind::Object {
        return Err(DecodeError::new(TRADE, "data", "is not an object"));
    }
    let [id, micro, secs, price_str, price, amount_str, amount, side] = data.fields([
        "id",
        "microtimestamp",
        "timestamp",
        "price_str",
        "price",
        "amount_str",
        "amount",
        "type",
    ]);
    let time = match micro {
        Some(_) => epoch(micro, Unit::Micros, TRADE, "microtimestamp")?,
        None => epoch(secs, Unit::Seconds, TRADE, "timestamp")?,
    };
    let price = match price_str {
        Some(_) => positive_decimal(price_str, TRADE, "price_str")?,
        None => positive_decimal(price, TRADE, "price")?,
    };
    let size = match amount_str {
        Some(_) => positive_decimal(amount_str, TRADE, "amount_str")?,
        None => positive_decimal(amount, TRADE, "amount")?,
    };
    let id = need(id, TRADE, "id")?;
    let id = match id.kind() {
        Kind::Number | Kind::String => TradeId::from_text(id.text().unwrap_or_default()),
        _ => return Err(DecodeError::new(TRADE, "id", "is not an id")),
    };
    if !matches!(id, TradeId::Num(_)) {
        return Err(DecodeError::new(TRADE, "id", "is not an integer id"));
    }
    let side = match side.and_then(|s| s.number_text()).as_deref() {
        Some("0") => Side::Buy,
        Some("1") => Side::Sell,
        _ => Side::Unknown,
    };
    out.trade(Trade {
        venue: VENUE,
        stream: 0,
        symbol: Cow::Owned(pair.to_ascii_uppercase()),
        time,
        price,
        size,
        side,
        id,
        id_ordered: true,
        history: false,
    });
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

    fn no_url(line: &str) -> (Result<Decoded<'static>, DecodeError>, Collect) {
        both(line, None)
    }

    #[test]
    fn trade_every_field() {
        let (r, c) = no_url(
            r#"{"data":{"id":216000506,"timestamp":"1641343721","amount":2.73248242,"amount_str":"2.73248242","price":3800.8,"price_str":"3800.80","type":1,"microtimestamp":"1641343721269000","buy_order_id":1443875826053121,"sell_order_id":1443875826118657},"channel":"live_trades_ethusd","event":"trade"}"#,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitstamp" }));
        assert_eq!(c.trades.len(), 1);
        let t = &c.trades[0];
        assert_eq!(t.venue, "bitstamp");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "ETHUSD");
        assert_eq!(t.time, 1_641_343_721_269_000_000);
        assert_eq!(t.price, dec("3800.8"));
        assert_eq!(t.size, dec("2.73248242"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(216000506));
        assert!(t.id_ordered);
        assert!(!t.history);
        // type 0 is a taker buy; the strings win over the numbers; microtimestamp over timestamp.
        let (_, c) = no_url(
            r#"{"data":{"id":216000477,"timestamp":"1641343600","amount":0.0792,"amount_str":"0.07920000","price":3805.4,"price_str":"3805.44","type":0,"microtimestamp":"1641343699596001"},"channel":"live_trades_ethusd","event":"trade"}"#,
        );
        let t = &c.trades[0];
        assert_eq!(
            (t.side, t.price, t.size, t.time),
            (
                Side::Buy,
                dec("3805.44"),
                dec("0.0792"),
                1_641_343_699_596_001_000
            )
        );
        // Without the strings and the microseconds, the numbers and the seconds.
        let (_, c) = no_url(
            r#"{"data":{"id":5,"timestamp":"1641343600","amount":0.5,"price":3805.4,"type":2},"channel":"live_trades_btcusd","event":"trade"}"#,
        );
        let t = &c.trades[0];
        assert_eq!(
            (t.symbol.as_ref(), t.side, t.price, t.size, t.time),
            (
                "BTCUSD",
                Side::Unknown,
                dec("3805.4"),
                dec("0.5"),
                1_641_343_600_000_000_000
            )
        );
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, kind) in [
            (
                r#"{"data":{"timestamp":"1641343691","microtimestamp":"1641343691244908","bids":[["1.15979","993.02588113"]],"asks":[["1.16601","1200.00000000"]]},"channel":"diff_order_book_bateur","event":"data"}"#,
                "data",
            ),
            (
                r#"{"event":"bts:subscription_succeeded","channel":"live_trades_ethusd","data":{}}"#,
                "bts:subscription_succeeded",
            ),
            (
                r#"{"event":"bts:request_reconnect","channel":"","data":""}"#,
                "bts:request_reconnect",
            ),
            (
                r#"{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}"#,
                "bts:heartbeat",
            ),
            (
                r#"{"data":{"id":1443875826053121,"amount":1,"amount_str":"1","price":1,"price_str":"1","order_type":0,"datetime":"1641343721","microtimestamp":"1641343721269000"},"channel":"live_orders_ethusd","event":"order_created"}"#,
                "order_created",
            ),
        ] {
            let (r, c) = no_url(line);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "bitstamp",
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
            r#"{"time":1619093543,"channel":"spot.trades","event":"update","result":{"id":1,"create_time_ms":"1619093543708.2642","side":"buy","currency_pair":"BTC_USDT","amount":"1","price":"1"}}"#,
            r#"{"event":"subscribed","channel":"trades","chanId":17,"symbol":"tBTCUSD","pair":"BTCUSD"}"#,
            r#"{"event":"heartbeat"}"#,
            r#"{"table":"trade","action":"insert","data":[]}"#,
        ] {
            let (r, c) = no_url(line);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        for (line, err) in [
            (
                r#"{"data":{"id":1,"amount_str":"1","price_str":"-1","type":0,"microtimestamp":"1641343721269000"},"channel":"live_trades_ethusd","event":"trade"}"#,
                "bitstamp trade: `price_str` negative number",
            ),
            (
                r#"{"data":{"id":1,"price_str":"1","type":0,"microtimestamp":"1641343721269000"},"channel":"live_trades_ethusd","event":"trade"}"#,
                "bitstamp trade: `amount` is missing",
            ),
            (
                r#"{"data":{"id":1,"amount_str":"1","price_str":"1","type":0,"microtimestamp":"soon"},"channel":"live_trades_ethusd","event":"trade"}"#,
                "bitstamp trade: `microtimestamp` not a timestamp",
            ),
            (
                r#"{"data":{"amount_str":"1","price_str":"1","type":0,"microtimestamp":"1641343721269000"},"channel":"live_trades_ethusd","event":"trade"}"#,
                "bitstamp trade: `id` is missing",
            ),
            (
                r#"{"data":{"id":"ab1","amount_str":"1","price_str":"1","type":0,"microtimestamp":"1641343721269000"},"channel":"live_trades_ethusd","event":"trade"}"#,
                "bitstamp trade: `id` is not an integer id",
            ),
            (
                r#"{"channel":"live_trades_ethusd","event":"trade"}"#,
                "bitstamp trade: `data` is missing",
            ),
        ] {
            let (r, _) = no_url(line);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
