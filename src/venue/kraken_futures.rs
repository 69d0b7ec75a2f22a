//! Kraken Futures (`wss://futures.kraken.com/ws/v1`): the `trade` feed.
//!
//! - `{"feed":"trade_snapshot","product_id":…,"trades":[…]}` is sent on subscribing and holds
//!   the last 100 trades, newest first, hours old: labelled history. Each live trade is a flat
//!   `{"feed":"trade","product_id":…,"uid":…,"side":…,"type":"fill","seq":…,"time":…,
//!   "qty":…,"price":…}`.
//! - `time` is epoch ms (number); `price`/`qty` JSON numbers (exact text; `qty` in contracts).
//! - `side` is the **taker's** side: Kraken's docs call it "the classification of the taker
//!   side", and the recording agrees: the PI_LTCUSD `buy` at 119.44 (1626994929946) comes
//!   with the book message that empties the 119.44 *ask* level at the same timestamp, i.e.
//!   a buyer took the offer.
//! - `uid` (UUID) is the id; `seq` is per product but the snapshot and live trades share it,
//!   so `uid` is kept exact and ids are not treated as ordered.
//! - `type` is `fill` in the recording; the docs also list `liquidation`, `termination`,
//!   `block`; all are kept as trades (as tardis-node does).
//! - Not trades: `book`, `book_snapshot`, `ticker`, `ticker_lite`, `heartbeat`, … feeds and
//!   `event` messages (`info`, `subscribed`, `alert`, `error`).

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "kraken-futures";
const TRADE: &str = "kraken-futures trade";

/// Feed names of the Kraken Futures v1 API.
const FEEDS: [&str; 14] = [
    "trade",
    "trade_snapshot",
    "book",
    "book_snapshot",
    "ticker",
    "ticker_lite",
    "heartbeat",
    "open_orders",
    "open_orders_snapshot",
    "open_orders_verbose",
    "fills",
    "fills_snapshot",
    "account_log",
    "account_log_snapshot",
];

fn url_is_kraken_futures(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("futures.kraken.com"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [feed, event, product_id, product_ids, trades] =
        msg.fields(["feed", "event", "product_id", "product_ids", "trades"]);
    let feed_name = feed.and_then(|f| f.str());
    if let Some(event) = event.and_then(|e| e.str()) {
        // Acks name a Kraken Futures feed; `info` and alerts only the connection tells.
        let ours = feed_name.as_deref().is_some_and(|f| FEEDS.contains(&f))
            && (product_ids.is_some() || product_id.is_some())
            || url_is_kraken_futures(ctx.url);
        return Ok(if ours {
            Decoded::Other {
                venue: VENUE,
                kind: event,
            }
        } else {
            Decoded::NotMine
        });
    }
    let Some(feed_name) = feed_name else {
        return Ok(Decoded::NotMine);
    };
    // Data messages carry the product.
    if product_id.is_none() && !url_is_kraken_futures(ctx.url) {
        return Ok(Decoded::NotMine);
    }
    match feed_name.as_ref() {
        "trade" => {
            trade(msg, false, out)?;
            Ok(Decoded::Trades { venue: VENUE })
        }
        "trade_snapshot" => {
            let trades = need(trades, TRADE, "trades")?;
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
        f if FEEDS.contains(&f) || url_is_kraken_futures(ctx.url) => Ok(Decoded::Other {
            venue: VENUE,
            kind: feed_name,
        }),
        _ => Ok(Decoded::NotMine),
    }
}

fn trade<'a, J: JsonView<'a>>(
    t: J,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    let [product_id, uid, side, time, qty, price] =
        t.fields(["product_id", "uid", "side", "time", "qty", "price"]);
    let symbol = string(product_id, TRADE, "product_id")?;
    let id = string(uid, TRADE, "uid")?;
    let time = epoch(time, Unit::Millis, TRADE, "time")?;
    let price = positive_decimal(price, TRADE, "price")?;
    let size = positive_decimal(qty, TRADE, "qty")?;
    let side = match side.and_then(|s| s.str()).as_deref() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => Side::Unknown,
    };
    out.trade(Trade {
        venue: VENUE,
        stream: 0,
        symbol,
        time,
        price,
        size,
        side,
        id: TradeId::from_text(id),
        id_ordered: false,
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

    const URL: Option<&str> = Some("wss://futures.kraken.com/ws/v1");

    #[test]
    fn live_trade_every_field() {
        let (r, c) = both(
            r#"{"feed":"trade","product_id":"PI_LTCUSD","uid":"e2429e31-8b9d-4195-900e-fd42be2dec89","side":"buy","type":"fill","seq":5956,"time":1626994929946,"qty":320.0,"price":119.44}"#,
            None,
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "kraken-futures"
            })
        );
        assert_eq!(c.trades.len(), 1);
        let t = &c.trades[0];
        assert_eq!(t.venue, "kraken-futures");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "PI_LTCUSD");
        assert_eq!(t.time, 1_626_994_929_946_000_000);
        assert_eq!(t.price, dec("119.44"));
        assert_eq!(t.size, dec("320"));
        assert_eq!(t.side, Side::Buy);
        assert_eq!(
            t.id,
            TradeId::Text(Cow::Borrowed("e2429e31-8b9d-4195-900e-fd42be2dec89"))
        );
        assert!(!t.id_ordered);
        assert!(!t.history);
    }

    #[test]
    fn snapshot_is_history() {
        let (r, c) = both(
            r#"{"feed":"trade_snapshot","product_id":"FI_BCHUSD_210730","trades":[{"feed":"trade","product_id":"FI_BCHUSD_210730","uid":"8b3e7e72-950c-4c4e-8ab8-24aebcab80d2","side":"buy","type":"fill","seq":1487,"time":1626994887094,"qty":50.0,"price":439.2},{"feed":"trade","product_id":"FI_BCHUSD_210730","uid":"088686e3-bfdb-412f-8866-773f286d892e","side":"sell","type":"fill","seq":1486,"time":1626994880995,"qty":25760.0,"price":438.9}]}"#,
            URL,
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "kraken-futures"
            })
        );
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[1];
        assert_eq!(t.venue, "kraken-futures");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "FI_BCHUSD_210730");
        assert_eq!(t.time, 1_626_994_880_995_000_000);
        assert_eq!(t.price, dec("438.9"));
        assert_eq!(t.size, dec("25760"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(
            t.id,
            TradeId::Text(Cow::Borrowed("088686e3-bfdb-412f-8866-773f286d892e"))
        );
        assert!(!t.id_ordered);
        assert!(t.history);
        assert!(c.trades[0].history);
        assert_eq!(c.trades[0].side, Side::Buy);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"feed":"book","product_id":"PI_ETHUSD","side":"sell","seq":26660860,"price":2004.85,"qty":4787.0,"timestamp":1626994927744}"#,
                None,
                "book",
            ),
            (
                r#"{"feed":"ticker_lite","product_id":"FI_BCHUSD_210730","bid":439.3,"ask":439.6,"change":2.64,"premium":0.3,"volume":3413476.0,"tag":"month","pair":"BCH:USD","dtm":7,"maturityTime":1627657200000}"#,
                None,
                "ticker_lite",
            ),
            (
                r#"{"event":"subscribed","feed":"trade","product_ids":["PI_XRPUSD"]}"#,
                None,
                "subscribed",
            ),
            (r#"{"event":"info","version":1}"#, URL, "info"),
            (
                r#"{"feed":"heartbeat","time":1626994929946}"#,
                URL,
                "heartbeat",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "kraken-futures",
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
            r#"{"event":"info","version":1}"#,
            r#"{"event":"heartbeat"}"#,
            r#"{"event":"subscriptionStatus","channelName":"trade","pair":"XBT/USD","status":"subscribed"}"#,
            r#"{"channel":"trade","type":"update","data":[]}"#,
            r#"{"table":"trade","action":"insert","data":[]}"#,
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
                r#"{"feed":"trade","product_id":"PI_LTCUSD","uid":"u","side":"buy","time":1626994929946,"qty":0.0,"price":119.44}"#,
                "kraken-futures trade: `qty` is zero",
            ),
            (
                r#"{"feed":"trade","product_id":"PI_LTCUSD","uid":"u","side":"buy","qty":1,"price":119.44}"#,
                "kraken-futures trade: `time` is missing",
            ),
            (
                r#"{"feed":"trade","product_id":"PI_LTCUSD","side":"buy","time":1626994929946,"qty":1,"price":119.44}"#,
                "kraken-futures trade: `uid` is missing",
            ),
            (
                r#"{"feed":"trade","product_id":"PI_LTCUSD","uid":"u","side":"buy","time":1626994929946,"qty":1,"price":"x"}"#,
                "kraken-futures trade: `price` not a decimal number",
            ),
            (
                r#"{"feed":"trade_snapshot","product_id":"PI_LTCUSD","trades":[{"uid":"u","side":"buy","time":1626994929946,"qty":1,"price":1}]}"#,
                "kraken-futures trade: `product_id` is missing",
            ),
        ] {
            let (r, _) = both(line, None);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
