//! Coinbase Exchange (ex-"Pro", `ws-feed.pro.coinbase.com` / `ws-feed.exchange.coinbase.com`):
//! the `matches` channel's `match` and `last_match` messages (`match` also comes on the
//! `full` channel, same shape). Venue name `coinbase`.
//!
//! - Recognised by `type` = `match` / `last_match` together with `product_id`,
//!   `maker_order_id` and `taker_order_id` (every real match carries all three), or by the
//!   `type` alone on a Coinbase connection URL; without the URL a `match` lacking the order
//!   ids is not claimed ([`Decoded::NotMine`]). Other Coinbase types (`ticker`, `l2update`, `snapshot`,
//!   `subscriptions`, `heartbeat`, the `full` channel's order messages, ...) are
//!   [`Decoded::Other`]. `ticker` repeats each match, so it is never counted as a trade.
//! - `side` is the **maker's** side: `side: "sell"` means the taker bought. A missing or
//!   unknown side is [`Side::Unknown`].
//! - `time` is ISO 8601 with 6 fraction digits; `price` and `size` are decimal strings.
//! - `trade_id` is an integer that increases per product, so ids order trades of one instant.
//! - `last_match` is sent once per product on subscribing and describes the last trade
//!   *before* the subscription: it is history (left out unless `--keep-pre-capture`).

use super::{need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "coinbase";

const MATCH: &str = "coinbase match";
const LAST_MATCH: &str = "coinbase last_match";

/// Message types of the Coinbase Exchange feed that carry no trade.
const NON_TRADE: &[&str] = &[
    "ticker",
    "l2update",
    "snapshot",
    "subscriptions",
    "heartbeat",
    "status",
    "received",
    "open",
    "done",
    "change",
    "activate",
    "auction",
    "error",
];

fn url_is_coinbase(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    host.ends_with("coinbase.com")
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [ty, product, trade_id, side, size, price, t, channels, maker, taker] = msg.fields([
        "type",
        "product_id",
        "trade_id",
        "side",
        "size",
        "price",
        "time",
        "channels",
        "maker_order_id",
        "taker_order_id",
    ]);
    let Some(kind) = ty.and_then(|v| v.str()) else {
        return Ok(Decoded::NotMine);
    };
    let coinbase_url = url_is_coinbase(ctx.url);
    let ours = product.is_some() || coinbase_url;
    let match_ours = coinbase_url || (product.is_some() && maker.is_some() && taker.is_some());
    let (what, history) = match kind.as_ref() {
        "match" if match_ours => (MATCH, false),
        "last_match" if match_ours => (LAST_MATCH, true),
        k if NON_TRADE.contains(&k)
            && (ours
                || (k == "subscriptions" && channels.is_some_and(|c| c.kind() == Kind::Array))) =>
        {
            return Ok(Decoded::Other { venue: VENUE, kind });
        }
        _ => return Ok(Decoded::NotMine),
    };

    let symbol = string(product, what, "product_id")?;
    let price = positive_decimal(price, what, "price")?;
    let size = positive_decimal(size, what, "size")?;
    let time_text = string(t, what, "time")?;
    let time =
        time::parse_iso(&time_text).map_err(|e| DecodeError::new(what, "time", e.to_string()))?;
    let id_val = need(trade_id, what, "trade_id")?;
    let id = match id_val.kind() {
        Kind::Number | Kind::String => TradeId::from_text(id_val.text().unwrap_or_default()),
        _ => return Err(DecodeError::new(what, "trade_id", "is not an id")),
    };
    if !matches!(id, TradeId::Num(_)) {
        return Err(DecodeError::new(what, "trade_id", "is not an integer id"));
    }
    // The maker's side: the taker took the other one.
    let side = match side.and_then(|s| s.str()).as_deref() {
        Some("buy") => Side::Sell,
        Some("sell") => Side::Buy,
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
        id,
        id_ordered: true,
        history,
    });
    Ok(Decoded::Trades { venue: VENUE })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;
    use std::borrow::Cow;

    crate::venue::testkit::decoder_test_kit!();

    const URL: Option<&str> = Some("wss://ws-feed.pro.coinbase.com");

    #[test]
    fn match_every_field() {
        // From COINBASE.ws.28.0.
        let (r, c) = both(
            r#"{"type":"match","trade_id":1568268,"maker_order_id":"cac01d6d-8009-4c33-8e0d-f7f853d7c1bc","taker_order_id":"3dec64e4-f6ad-4ca8-ad3f-e5b1a0eb0d06","side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","sequence":201390075,"time":"2021-04-17T16:43:37.121358Z"}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "coinbase" }));
        assert_eq!(c.trades.len(), 1);
        let t = &c.trades[0];
        assert_eq!(t.venue, "coinbase");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "SKL-USD");
        assert_eq!(t.time, 1_618_677_817_121_358_000);
        assert_eq!(t.price, Decimal::parse("0.791").unwrap());
        assert_eq!(t.size, Decimal::parse("450").unwrap());
        // Maker sold: the taker bought.
        assert_eq!(t.side, Side::Buy);
        assert_eq!(t.id, TradeId::Num(1568268));
        assert!(t.id_ordered);
        assert!(!t.history);
        assert!(c.skips.is_empty());
    }

    #[test]
    fn maker_buy_is_taker_sell_and_unknown_side() {
        let line = r#"{"type":"match","trade_id":280232,"maker_order_id":"a","taker_order_id":"b","side":"buy","size":"985","price":"0.00001305","product_id":"SKL-BTC","time":"2021-04-17T16:43:37.089723Z"}"#;
        let (_, c) = both(line, None);
        assert_eq!(c.trades[0].side, Side::Sell);
        assert_eq!(c.trades[0].price, Decimal::parse("0.00001305").unwrap());
        let (_, c) = both(&line.replace(r#""side":"buy","#, ""), None);
        assert_eq!(c.trades[0].side, Side::Unknown);
        let (_, c) = both(&line.replace(r#""side":"buy""#, r#""side":"x""#), None);
        assert_eq!(c.trades[0].side, Side::Unknown);
    }

    #[test]
    fn last_match_is_history() {
        let (r, c) = both(
            r#"{"type":"last_match","trade_id":881613,"maker_order_id":"27fff20b-af29-4f45-8744-56dd1ef57dc0","taker_order_id":"1da6ce16-c8da-4732-9f71-6049f4c6aaf8","side":"sell","size":"0.04","price":"14.7775","product_id":"BAND-GBP","sequence":333938798,"time":"2021-04-17T16:43:30.244075Z"}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "coinbase" }));
        let t = &c.trades[0];
        assert_eq!(t.venue, "coinbase");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "BAND-GBP");
        assert_eq!(t.time, 1_618_677_810_244_075_000);
        assert_eq!(t.price, Decimal::parse("14.7775").unwrap());
        assert_eq!(t.size, Decimal::parse("0.04").unwrap());
        assert_eq!(t.side, Side::Buy);
        assert_eq!(t.id, TradeId::Num(881613));
        assert!(t.id_ordered);
        assert!(t.history);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, kind) in [
            (
                r#"{"type":"ticker","sequence":201390075,"product_id":"SKL-USD","price":"0.791","open_24h":"0.7412","volume_24h":"1","low_24h":"0.7","high_24h":"0.8","volume_30d":"1","best_bid":"0.7899","best_ask":"0.791","side":"buy","time":"2021-04-17T16:43:37.121358Z","trade_id":1568268,"last_size":"450"}"#,
                "ticker",
            ),
            (
                r#"{"type":"l2update","product_id":"SKL-BTC","changes":[["sell","0.00001306","660.5"]],"time":"2021-04-17T16:43:37.075687Z"}"#,
                "l2update",
            ),
            (
                r#"{"type":"snapshot","product_id":"SKL-BTC","asks":[["0.00001306","660.5"]],"bids":[]}"#,
                "snapshot",
            ),
            (
                r#"{"type":"subscriptions","channels":[{"name":"level2","product_ids":["BAND-GBP"]}]}"#,
                "subscriptions",
            ),
            (
                r#"{"type":"heartbeat","last_trade_id":1,"product_id":"SKL-USD","sequence":2,"time":"2021-04-17T16:43:37.121358Z"}"#,
                "heartbeat",
            ),
        ] {
            let (r, c) = both(line, None);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "coinbase",
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
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}}"#,
            r#"{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}"#,
            r#"{"channel":"trade","type":"snapshot","data":[{"symbol":"BTC/USD","price":1,"qty":1}]}"#,
            r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]}"#,
            r#"{"type":"match","price":"1"}"#,
            // Without the order ids (and no Coinbase URL) a match is not clearly Coinbase's.
            r#"{"type":"match","trade_id":1568268,"side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","time":"2021-04-17T16:43:37.121358Z"}"#,
            r#"[1,2]"#,
        ] {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_matches_are_errors_naming_the_field() {
        let good = r#"{"type":"match","trade_id":7,"maker_order_id":"a","taker_order_id":"b","side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","time":"2021-04-17T16:43:37.121358Z"}"#;
        for (from, to, msg) in [
            (
                r#""price":"0.791""#,
                r#""price":"-1""#,
                "coinbase match: `price` negative number",
            ),
            (r#""size":"450","#, "", "coinbase match: `size` is missing"),
            (
                r#""trade_id":7"#,
                r#""trade_id":"ab""#,
                "coinbase match: `trade_id` is not an integer id",
            ),
            (
                r#""trade_id":7,"#,
                "",
                "coinbase match: `trade_id` is missing",
            ),
            (
                r#""time":"2021-04-17T16:43:37.121358Z""#,
                r#""time":1"#,
                "coinbase match: `time` is not a string",
            ),
        ] {
            let line = good.replace(from, to);
            assert_ne!(line, good);
            let (r, c) = both(&line, None);
            assert_eq!(r.unwrap_err().to_string(), msg, "{line}");
            assert!(c.trades.is_empty());
        }
        let (r, _) = both(&good.replace("2021-04-17T", "2021-04-17X"), None);
        assert!(r
            .unwrap_err()
            .to_string()
            .starts_with("coinbase match: `time` "));
        // With a Coinbase URL, a match without product_id is ours and broken.
        let (r, _) = both(r#"{"type":"match","price":"1"}"#, URL);
        assert_eq!(
            r.unwrap_err().to_string(),
            "coinbase match: `product_id` is missing"
        );
    }
}
