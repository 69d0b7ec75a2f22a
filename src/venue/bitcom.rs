//! bit.com (spot `wss://spot-ws.bit.com`, derivatives `wss://ws.bit.com`): the `trade` channel,
//! `{"channel":"trade","timestamp":1704643986080,"data":[{"created_at":1704643986034,
//! "trade_id":"229061540","pair":"YFI-USDT","price":"7611.690000000000",
//! "qty":"0.003070000000","side":"sell","display_name":"YFI-USDT"}],"module":"spot"}`.
//!
//! - Claimed by `channel:"trade"` whose first row has `trade_id` and `pair` or
//!   `instrument_id`, or on a bit.com connection (URL host on `bit.com`).
//! - Venue `bitcom-spot` for rows with `pair` (the spot API, `spot-ws.bit.com`), `bitcom` for
//!   rows with `instrument_id` (futures and options, `ws.bit.com`: `BTC-PERPETUAL`).
//! - `created_at` is the trade time, epoch ms (the message `timestamp` is when it was sent);
//!   `price` and `qty` are decimal strings (12 fraction digits), exact.
//! - `side` is the **taker's**: in BIT.COM.ws.1.0 each of the 6 trades removes the opposite
//!   book level at its price (a `buy` at 0.697 the `sell` level 0.697, a `sell` at 7611.69
//!   the `buy` level) in the `depth` update just before it. Other values are unknown.
//! - `trade_id` is a digit string, exact; bit.com's ids increase with time (one numbering
//!   across pairs in the recording), so ids are ordered.
//! - No history is replayed on subscribing (none observed).
//! - Not trades ([`Decoded::Other`], `kind` = the channel): `subscription` replies, `depth`,
//!   `ticker` and the other channels, claimed on a bit.com connection or when they carry
//!   bit.com's `module` with a `timestamp` (spot) or are `subscription` replies with a `code`.

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE_SPOT: &str = "bitcom-spot";
pub const VENUE_DERIVATIVES: &str = "bitcom";
const TRADE: &str = "bitcom trade";

fn url_is_bitcom(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    host == "bit.com" || host.ends_with(".bit.com")
}

/// The venue of a connection or message, for messages without trade rows.
fn venue_of(url: Option<&str>, module: Option<&str>) -> &'static str {
    let spot_host = url.is_some_and(|u| u.contains("spot-ws."));
    if spot_host || module == Some("spot") {
        VENUE_SPOT
    } else {
        VENUE_DERIVATIVES
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
    let [channel, data, timestamp, module] = msg.fields(["channel", "data", "timestamp", "module"]);
    let Some(channel) = channel.and_then(|c| c.str()) else {
        return Ok(Decoded::NotMine);
    };
    let bitcom_url = url_is_bitcom(ctx.url);
    if channel == "trade" {
        let rows = data.filter(|d| d.kind() == Kind::Array);
        let shaped = rows.and_then(|d| d.at(0)).is_some_and(|r| {
            r.kind() == Kind::Object
                && r.get("trade_id").is_some()
                && (r.get("pair").is_some() || r.get("instrument_id").is_some())
        });
        if !(shaped || bitcom_url) {
            return Ok(Decoded::NotMine);
        }
        let rows = rows.ok_or_else(|| DecodeError::new(TRADE, "data", "is not an array"))?;
        let mut venue = venue_of(ctx.url, module.and_then(|m| m.str()).as_deref());
        for row in rows.elements() {
            if row.kind() != Kind::Object {
                return Err(DecodeError::new(TRADE, "data", "holds a non-object"));
            }
            venue = trade(row, out)?;
        }
        return Ok(Decoded::Trades { venue });
    }
    let module = module.and_then(|m| m.str());
    let ours = bitcom_url
        || (module.is_some() && timestamp.is_some_and(|t| t.kind() == Kind::Number))
        || (channel == "subscription"
            && data.is_some_and(|d| d.kind() == Kind::Object && d.get("code").is_some()));
    if !ours {
        return Ok(Decoded::NotMine);
    }
    Ok(Decoded::Other {
        venue: venue_of(ctx.url, module.as_deref()),
        kind: channel,
    })
}

/// One trade row; its venue (spot or derivatives).
fn trade<'a, J: JsonView<'a>>(row: J, out: &mut dyn Out<'a>) -> Result<&'static str, DecodeError> {
    let [pair, instrument, trade_id, created_at, price, qty, side] = row.fields([
        "pair",
        "instrument_id",
        "trade_id",
        "created_at",
        "price",
        "qty",
        "side",
    ]);
    let (venue, symbol) = match (pair, instrument) {
        (Some(p), _) => (VENUE_SPOT, string(Some(p), TRADE, "pair")?),
        (None, i) => (VENUE_DERIVATIVES, string(i, TRADE, "instrument_id")?),
    };
    let time = epoch(created_at, Unit::Millis, TRADE, "created_at")?;
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
    .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
    .ok_or_else(|| DecodeError::new(TRADE, "trade_id", "is not an integer id"))?;
    out.trade(Trade {
        venue,
        stream: 0,
        symbol,
        time,
        price,
        size,
        side,
        id: TradeId::from_text(id),
        id_ordered: true,
        history: false,
    });
    Ok(venue)
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

    const SPOT: Option<&str> = Some("wss://spot-ws.bit.com");
    const DERIVATIVES: Option<&str> = Some("wss://ws.bit.com");

    #[test]
    fn spot_trade_every_field() {
        for url in [SPOT, None] {
            let (r, c) = both(
                r#"{"channel":"trade","timestamp":1704643986080,"data":[{"created_at":1704643986034,"trade_id":"229061540","pair":"YFI-USDT","price":"7611.690000000000","qty":"0.003070000000","side":"sell","display_name":"YFI-USDT"}],"module":"spot"}"#,
                url,
            );
            assert_eq!(
                r,
                Ok(Decoded::Trades {
                    venue: "bitcom-spot"
                })
            );
            assert_eq!(c.trades.len(), 1);
            let t = &c.trades[0];
            assert_eq!(t.venue, "bitcom-spot");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "YFI-USDT");
            assert_eq!(t.time, 1_704_643_986_034_000_000);
            assert_eq!(t.price, dec("7611.69"));
            assert_eq!(t.size, dec("0.00307"));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::Num(229_061_540));
            assert!(t.id_ordered);
            assert!(!t.history);
        }
        let (_, c) = both(
            r#"{"channel":"trade","timestamp":1704643988562,"data":[{"created_at":1704643988540,"trade_id":"229061558","pair":"OMG-USDT","price":"0.697000000000","qty":"276.500000000000","side":"buy","display_name":"OMG-USDT"}],"module":"spot"}"#,
            SPOT,
        );
        assert_eq!(c.trades[0].side, Side::Buy);
    }

    #[test]
    fn derivatives_trade_every_field() {
        for url in [DERIVATIVES, None] {
            let (r, c) = both(
                r#"{"channel":"trade","timestamp":1639080717242,"data":[{"trade_id":"7016884324","instrument_id":"BTC-PERPETUAL","price":"47482.50000000","qty":"6000.00000000","side":"sell","sigma":"0.00000000","is_block_trade":false,"created_at":1639080717195},{"trade_id":"7016884325","instrument_id":"BTC-PERPETUAL","price":"47483.00000000","qty":"1.5","side":"buy","sigma":"0.00000000","is_block_trade":false,"created_at":1639080717195}]}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "bitcom" }));
            assert_eq!(c.trades.len(), 2);
            let t = &c.trades[0];
            assert_eq!(t.venue, "bitcom");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "BTC-PERPETUAL");
            assert_eq!(t.time, 1_639_080_717_195_000_000);
            assert_eq!(t.price, dec("47482.5"));
            assert_eq!(t.size, dec("6000"));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::Num(7_016_884_324));
            assert!(t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(
                (t.price, t.size, t.side, &t.id),
                (
                    dec("47483"),
                    dec("1.5"),
                    Side::Buy,
                    &TradeId::Num(7_016_884_325)
                )
            );
        }
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, venue, kind) in [
            (
                r#"{"channel":"subscription","timestamp":1704643983955,"data":{"code":0,"subscription":["depth"]}}"#,
                None,
                "bitcom",
                "subscription",
            ),
            (
                r#"{"channel":"depth","timestamp":1704643983956,"data":{"type":"snapshot","pair":"ORDI-USDT","sequence":1703662193420498,"bids":[],"asks":[]},"module":"spot"}"#,
                None,
                "bitcom-spot",
                "depth",
            ),
            (
                r#"{"channel":"ticker","timestamp":1704643200851,"data":{"time":1704643200851,"pair":"COMP-USD","best_bid":"","best_ask":"","last_price":"","open24h":"37.910000000000"},"module":"spot"}"#,
                SPOT,
                "bitcom-spot",
                "ticker",
            ),
            (
                r#"{"channel":"depth","timestamp":1639083660401,"data":{"type":"update","instrument_id":"BTC-PERPETUAL","sequence":1639042602148589842,"prev_sequence":1639042602148589841,"changes":[["sell","47874.00000000","0.00000000"]]}}"#,
                DERIVATIVES,
                "bitcom",
                "depth",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue,
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
            r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":26500.5,"qty":0.01,"ord_type":"market","trade_id":102,"timestamp":"2023-09-25T07:48:31.000000Z"}]}"#,
            r#"{"channel":"trades","data":[{"symbol":"BTC_USDT","amount":"70.2","takerSide":"buy","quantity":"0.0021","createTime":1648042510000,"price":"33428.72","id":"60014999","ts":1648042510049}]}"#,
            r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"60000.5","sz":"0.1","time":1700000000000,"hash":"0x1","tid":1}]}"#,
            r#"{"channel":"ticker","data":{"pair":"X"}}"#,
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
                r#"{"channel":"trade","data":[{"created_at":1704643986034,"trade_id":"1","pair":"YFI-USDT","qty":"1","side":"sell"}],"module":"spot"}"#,
                "bitcom trade: `price` is missing",
            ),
            (
                r#"{"channel":"trade","data":[{"created_at":1704643986034,"trade_id":"1","pair":"YFI-USDT","price":"1","qty":"0.000","side":"sell"}],"module":"spot"}"#,
                "bitcom trade: `qty` is zero",
            ),
            (
                r#"{"channel":"trade","data":[{"created_at":"soon","trade_id":"1","pair":"YFI-USDT","price":"1","qty":"1","side":"sell"}],"module":"spot"}"#,
                "bitcom trade: `created_at` not a timestamp",
            ),
            (
                r#"{"channel":"trade","data":[{"created_at":1704643986034,"trade_id":"x1","pair":"YFI-USDT","price":"1","qty":"1","side":"sell"}],"module":"spot"}"#,
                "bitcom trade: `trade_id` is not an integer id",
            ),
            (
                r#"{"channel":"trade","data":[{"created_at":1704643986034,"trade_id":"1","pair":"","price":"1","qty":"1","side":"sell"}],"module":"spot"}"#,
                "bitcom trade: `pair` is empty",
            ),
            (
                r#"{"channel":"trade","data":{"trade_id":"1"}}"#,
                "bitcom trade: `data` is not an array",
            ),
        ] {
            let (r, _) = both(line, SPOT);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
