//! KuCoin spot (`wss://ws-api-spot.kucoin.com`, formerly `push*.kucoin.com/endpoint`): the
//! `/market/match:` topic.
//!
//! - Data messages are `{"type":"message","topic":…,"subject":…,"data":{…}}`. A trade is
//!   `topic` `/market/match:<SYMBOLS>` (subject `trade.l3match`) with one fill in `data`:
//!   `{"symbol":"DAPPT-BTC","sequence":"1612701563869","side":"buy","size":"81.8814",
//!   "price":"0.0000001117","takerOrderId":…,"time":"1619378327739050725","type":"match",
//!   "makerOrderId":…,"tradeId":"6085c09769bc506996295e36"}` (observed in KUCOIN.ws.1.0).
//!   The symbol is `data.symbol` (a topic may list several symbols).
//! - `time` is epoch **nanoseconds as a string**, read exactly; `price`/`size` decimal
//!   strings, exact.
//! - `side` is the **taker's** side (KuCoin docs: "buy or sell, taker side"; tardis-node maps
//!   it as the trade side); anything else is unknown.
//! - `tradeId` is a 24-hex-digit string (an object id): exact text id, not ordered;
//!   `sequence` is not used. Duplicates are dropped by (symbol, tradeId).
//! - No replay on subscribe (none observed): no trade is history.
//! - Not trades ([`Decoded::Other`]): other topics, `kind` = the topic before `:`
//!   (`/market/level2`, `/market/ticker`, `/market/candles`, `/market/snapshot`, …); control
//!   frames `{"id":…,"type":"welcome"|"ack"|"pong"}` and `error`, `kind` = the type.

use std::borrow::Cow;

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "kucoin";
const TRADE: &str = "kucoin trade";

fn url_is_kucoin(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("kucoin.com"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [typ, topic, data, id] = msg.fields(["type", "topic", "data", "id"]);
    let Some(typ) = typ.and_then(|t| t.str()) else {
        return Ok(Decoded::NotMine);
    };
    let kucoin_url = url_is_kucoin(ctx.url);
    if typ != "message" {
        let control = matches!(typ.as_ref(), "welcome" | "ack" | "pong" | "error")
            && id.is_some_and(|i| i.kind() == Kind::String)
            && (msg.len() == 2 || kucoin_url);
        return Ok(if control || (kucoin_url && topic.is_some()) {
            Decoded::Other {
                venue: VENUE,
                kind: typ,
            }
        } else {
            Decoded::NotMine
        });
    }
    let Some(topic) = topic.and_then(|t| t.str()) else {
        return Ok(Decoded::NotMine);
    };
    let data = data.filter(|d| d.kind() == Kind::Object);
    let known = [
        "/market/",
        "/spotMarket/",
        "/contractMarket/",
        "/indicator/",
        "/margin/",
    ]
    .iter()
    .any(|p| topic.starts_with(p));
    if (data.is_none() || !known) && !kucoin_url {
        return Ok(Decoded::NotMine);
    }
    if !topic.starts_with("/market/match:") {
        let kind: Cow<'a, str> = match topic {
            Cow::Borrowed(t) => Cow::Borrowed(t.split(':').next().unwrap_or(t)),
            Cow::Owned(t) => Cow::Owned(t.split(':').next().unwrap_or("").to_string()),
        };
        return Ok(Decoded::Other { venue: VENUE, kind });
    }
    let data = need(data, TRADE, "data")?;
    let [symbol, side, size, price, time, trade_id] =
        data.fields(["symbol", "side", "size", "price", "time", "tradeId"]);
    let symbol = string(symbol, TRADE, "symbol")?;
    let time = epoch(time, Unit::Nanos, TRADE, "time")?;
    let price = positive_decimal(price, TRADE, "price")?;
    let size = positive_decimal(size, TRADE, "size")?;
    let side = match side.and_then(|s| s.str()).as_deref() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => Side::Unknown,
    };
    let id = string(trade_id, TRADE, "tradeId")?;
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

    const URL: Option<&str> = Some("wss://push-private.kucoin.com/endpoint?token=TOKEN");

    #[test]
    fn match_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"data":{"symbol":"DAPPT-BTC","sequence":"1612701563869","side":"buy","size":"81.8814","price":"0.0000001117","takerOrderId":"6085c097587c2000060cde57","time":"1619378327739050725","type":"match","makerOrderId":"6085c06144b3790006512a4d","tradeId":"6085c09769bc506996295e36"},"subject":"trade.l3match","topic":"/market/match:DAPPT-BTC","type":"message"}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "kucoin" }));
            assert_eq!(c.trades.len(), 1);
            let t = &c.trades[0];
            assert_eq!(t.venue, "kucoin");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "DAPPT-BTC");
            assert_eq!(t.time, 1_619_378_327_739_050_725);
            assert_eq!(t.price, dec("0.0000001117"));
            assert_eq!(t.size, dec("81.8814"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(
                t.id,
                TradeId::Text(Cow::Borrowed("6085c09769bc506996295e36"))
            );
            assert!(!t.id_ordered);
            assert!(!t.history);
        }
        let (_, c) = both(
            r#"{"data":{"symbol":"FET-BTC","sequence":"1612712745710","side":"sell","size":"12","price":"0.00000701","time":"1619378330000000001","type":"match","tradeId":"6085c09a69bc506996295e40"},"subject":"trade.l3match","topic":"/market/match:EQZ-BTC,FET-BTC","type":"message"}"#,
            URL,
        );
        let t = &c.trades[0];
        assert_eq!(
            (t.symbol.as_ref(), t.side, t.time),
            ("FET-BTC", Side::Sell, 1_619_378_330_000_000_001)
        );
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"data":{"sequenceStart":1613277183874,"symbol":"BCHSV-USDT","changes":{"asks":[["0","0","1613277183874"]],"bids":[]},"sequenceEnd":1613277183874},"subject":"trade.l2update","topic":"/market/level2:BCHSV-USDT","type":"message"}"#,
                None,
                "/market/level2",
            ),
            (
                r#"{"data":{"sequence":"1612844051653","bestAsk":"0.00028717","size":"0.01745248","bestBidSize":"3.70422021","price":"0.00028676","time":1619378326323,"bestAskSize":"14.04274325","bestBid":"0.00028678"},"subject":"trade.ticker","topic":"/market/ticker:SNX-BTC","type":"message"}"#,
                None,
                "/market/ticker",
            ),
            (r#"{"id":"NSkIrWGB1s","type":"welcome"}"#, None, "welcome"),
            (r#"{"id":"1","type":"ack"}"#, None, "ack"),
            (r#"{"id":"1545910590801","type":"pong"}"#, URL, "pong"),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "kucoin",
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
            r#"{"type":"message","topic":"chat","data":{}}"#,
            r#"{"type":"trade","symbol":"FILUSD","event_id":1,"timestamp":1,"price":"1","quantity":"1","side":"buy"}"#,
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
                r#"{"data":{"symbol":"X-BTC","side":"buy","size":"1","time":"1619378327739050725","tradeId":"a"},"topic":"/market/match:X-BTC","type":"message"}"#,
                "kucoin trade: `price` is missing",
            ),
            (
                r#"{"data":{"symbol":"X-BTC","side":"buy","size":"0","price":"1","time":"1619378327739050725","tradeId":"a"},"topic":"/market/match:X-BTC","type":"message"}"#,
                "kucoin trade: `size` is zero",
            ),
            (
                r#"{"data":{"symbol":"X-BTC","side":"buy","size":"1","price":"1","time":"1619378327.739","tradeId":"a"},"topic":"/market/match:X-BTC","type":"message"}"#,
                "kucoin trade: `time` not a timestamp",
            ),
            (
                r#"{"data":{"symbol":"X-BTC","side":"buy","size":"1","price":"1","time":"1619378327739050725"},"topic":"/market/match:X-BTC","type":"message"}"#,
                "kucoin trade: `tradeId` is missing",
            ),
            (
                r#"{"topic":"/market/match:X-BTC","type":"message"}"#,
                "kucoin trade: `data` is missing",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
