//! Huobi / HTX spot (`wss://api.huobi.pro/ws`) and coin-margined swaps
//! (`wss://api.hbdm.com/swap-ws`): the `market.<symbol>.trade.detail` channel.
//!
//! - Frames are gzip-compressed binary; cryptofeed records them as Python bytes literals,
//!   which the capture layer decompresses before decoders see them.
//! - A trade message is `{"ch":"market.btcusdt.trade.detail","ts":…,"tick":{"id":…,"ts":…,
//!   "data":[{"id":…,"ts":…,"tradeId":…,"amount":…,"price":…,"direction":"buy"}]}}`.
//!   The symbol is the middle of `ch`, kept as sent (`trioeth` on spot, `ATOM-USD` on swaps).
//! - Venue `huobi-swap` on an `hbdm.com` connection whose path ends in `swap-ws`,
//!   `huobi-linear-swap` for `linear-swap-ws`, `huobi-futures` for other `hbdm.com` paths,
//!   else `huobi`.
//! - `price` and `amount` are JSON numbers, sometimes in exponent form (`9.2E-7`) and with up
//!   to 45 significant digits on swaps (`quantity`, which is not used): read exactly from
//!   their text. On swaps `amount` is in contracts (kept as sent).
//! - `direction` is the taker's side.
//! - Ids: spot has `tradeId` (an integer that increases per symbol) besides `id` (up to
//!   10^26, beyond 64 bits); swaps have only `id`. The id is `tradeId` when present, else
//!   `id`, kept exact; both increase with time, so they order trades of one instant (spot
//!   lists a message's trades newest first: the order key puts them right).
//! - The first message after subscribing is the latest trade, possibly old and unlabelled:
//!   the engine's pre-capture rule leaves it out.
//! - Not trades: subscription acks `{"id":…,"status":"ok","subbed":…}`, `{"ping":…}`, other
//!   `market.*` channels (depth, kline, bbo, detail).

use std::borrow::Cow;

use super::{epoch, id_text, need, positive_decimal, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

const TRADE: &str = "huobi trade";

/// Venue name from the connection URL.
pub fn venue_for_url(url: Option<&str>) -> &'static str {
    let Some(url) = url else { return "huobi" };
    let rest = url.split("://").nth(1).unwrap_or(url);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.split(':').next().unwrap_or(host);
    if host.ends_with("hbdm.com") || host.ends_with("hbdm.vn") {
        if path.ends_with("linear-swap-ws") {
            "huobi-linear-swap"
        } else if path.ends_with("swap-ws") {
            "huobi-swap"
        } else {
            "huobi-futures"
        }
    } else {
        "huobi"
    }
}

fn url_is_huobi(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("huobi.") || u.contains("hbdm.") || u.contains("htx."))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let venue = venue_for_url(ctx.url);
    let [ch, tick, subbed, status, ping] = msg.fields(["ch", "tick", "subbed", "status", "ping"]);
    let Some(ch) = ch.and_then(|c| c.str()) else {
        if subbed.is_some() && status.is_some() {
            return Ok(Decoded::Other {
                venue,
                kind: Cow::Borrowed("subscription"),
            });
        }
        if ping.is_some() && url_is_huobi(ctx.url) {
            return Ok(Decoded::Other {
                venue,
                kind: Cow::Borrowed("ping"),
            });
        }
        return Ok(Decoded::NotMine);
    };
    let Some(inner) = ch.strip_prefix("market.") else {
        return Ok(Decoded::NotMine);
    };
    let Some(tick) = tick.filter(|t| t.kind() == Kind::Object) else {
        return Ok(Decoded::NotMine);
    };
    let Some(symbol) = inner.strip_suffix(".trade.detail") else {
        let kind = inner.split_once('.').map_or(inner, |(_, k)| k).to_string();
        return Ok(Decoded::Other {
            venue,
            kind: Cow::Owned(kind),
        });
    };
    if symbol.is_empty() || symbol.contains('.') {
        return Err(DecodeError::new(TRADE, "ch", "has no symbol"));
    }
    let data = need(tick.get("data"), TRADE, "tick.data")?;
    if data.kind() != Kind::Array {
        return Err(DecodeError::new(TRADE, "tick.data", "is not an array"));
    }
    let mut trades = Vec::new();
    for row in data.elements() {
        let [ts, price, amount, direction, trade_id, id] =
            row.fields(["ts", "price", "amount", "direction", "tradeId", "id"]);
        let time = epoch(ts, Unit::Millis, TRADE, "ts")?;
        let price = positive_decimal(price, TRADE, "price")?;
        let size = positive_decimal(amount, TRADE, "amount")?;
        let side = match direction.and_then(|d| d.str()).as_deref() {
            Some("buy") => Side::Buy,
            Some("sell") => Side::Sell,
            _ => Side::Unknown,
        };
        let (field, idv) = match trade_id {
            Some(v) => ("tradeId", v),
            None => ("id", need(id, TRADE, "id")?),
        };
        let id = match idv.kind() {
            Kind::Number | Kind::String => match id_text(idv) {
                Some(t) if !t.is_empty() => TradeId::from_text(t),
                _ => return Err(DecodeError::new(TRADE, field, "is not an id")),
            },
            _ => return Err(DecodeError::new(TRADE, field, "is not an id")),
        };
        trades.push(Trade {
            venue,
            stream: 0,
            symbol: Cow::Owned(symbol.to_string()),
            time,
            price,
            size,
            side,
            id_ordered: matches!(id, TradeId::Num(_)),
            id,
            history: false,
        });
    }
    for t in trades {
        out.trade(t);
    }
    Ok(Decoded::Trades { venue })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;
    use crate::json::{parse_reference, Tape};

    #[derive(Default)]
    struct Collect {
        trades: Vec<Trade<'static>>,
    }
    impl<'a> Out<'a> for Collect {
        fn trade(&mut self, t: Trade<'a>) {
            self.trades.push(Trade {
                symbol: Cow::Owned(t.symbol.into_owned()),
                id: t.id.into_owned(),
                ..t
            });
        }
        fn skip(&mut self, _reason: &'static str) {}
    }

    fn both(line: &str, url: Option<&str>) -> (Result<String, DecodeError>, Vec<Trade<'static>>) {
        let ctx = Ctx {
            url,
            channels: None,
        };
        let mut tape = Tape::new();
        let mut a = Collect::default();
        let r1 =
            decode(tape.parse(line.as_bytes()).unwrap(), &ctx, &mut a).map(|d| format!("{d:?}"));
        let v = parse_reference(line.as_bytes()).unwrap();
        let mut b = Collect::default();
        let r2 = decode(&v, &ctx, &mut b).map(|d| format!("{d:?}"));
        assert_eq!(r1, r2, "tape and serde_json disagree on {line}");
        assert_eq!(a.trades, b.trades);
        (r1, a.trades)
    }

    const SPOT: Option<&str> = Some("wss://api.huobi.pro/ws");
    const SWAP: Option<&str> = Some("wss://api.hbdm.com/swap-ws");

    #[test]
    fn spot_trade_every_field() {
        let (r, t) = both(
            r#"{"ch":"market.trioeth.trade.detail","ts":1618678027942,"tick":{"id":100182534526,"ts":1618678027940,"data":[{"id":100182534526255757567432481,"ts":1618678027940,"tradeId":100045088885,"amount":20995.88,"price":9.2E-7,"direction":"buy"},{"id":100182534526255757567432480,"ts":1618678027940,"tradeId":100045088884,"amount":1,"price":9.1E-7,"direction":"sell"}]}}"#,
            SPOT,
        );
        assert_eq!(r.unwrap(), r#"Trades { venue: "huobi" }"#);
        assert_eq!(t.len(), 2);
        let a = &t[0];
        assert_eq!(
            (a.venue, a.stream, a.symbol.as_ref()),
            ("huobi", 0, "trioeth")
        );
        assert_eq!(a.time, 1_618_678_027_940_000_000);
        assert_eq!(a.price, Decimal::parse("0.00000092").unwrap());
        assert_eq!(a.size, Decimal::parse("20995.88").unwrap());
        assert_eq!(a.side, Side::Buy);
        assert_eq!(a.id, TradeId::Num(100045088885));
        assert!(a.id_ordered && !a.history);
        assert_eq!(
            (t[1].side, t[1].id.clone()),
            (Side::Sell, TradeId::Num(100045088884))
        );
    }

    #[test]
    fn swap_trade_uses_id_and_contracts() {
        let (r, t) = both(
            r#"{"ch":"market.ATOM-USD.trade.detail","ts":1645289382234,"tick":{"id":74377471712,"ts":1645289382216,"data":[{"amount":6,"quantity":2.2569881997133624986364029626731768237,"ts":1645289382216,"id":743774717120000,"price":26.5841,"direction":"buy"}]}}"#,
            SWAP,
        );
        assert_eq!(r.unwrap(), r#"Trades { venue: "huobi-swap" }"#);
        let a = &t[0];
        assert_eq!(
            (a.symbol.as_ref(), a.id.clone()),
            ("ATOM-USD", TradeId::Num(743774717120000))
        );
        assert_eq!(a.size, Decimal::parse("6").unwrap());
        assert_eq!(a.price, Decimal::parse("26.5841").unwrap());
    }

    #[test]
    fn ids_beyond_64_bits_stay_exact() {
        let (_, t) = both(
            r#"{"ch":"market.btcusdt.trade.detail","tick":{"data":[{"id":100182534526255757567432481,"ts":1618678027940,"amount":1,"price":1,"direction":"sell"}]}}"#,
            SPOT,
        );
        assert_eq!(t[0].id, TradeId::Num(100182534526255757567432481));
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url) in [
            (
                r#"{"id":11,"status":"ok","subbed":"market.trioeth.trade.detail","ts":1618678070657}"#,
                SPOT,
            ),
            (r#"{"ping":1618678070657}"#, SPOT),
            (
                r#"{"ch":"market.btcusdt.depth.step0","ts":1,"tick":{"bids":[],"asks":[]}}"#,
                SWAP,
            ),
        ] {
            let (r, t) = both(line, url);
            assert!(r.unwrap().starts_with("Other"), "{line}");
            assert!(t.is_empty());
        }
    }

    #[test]
    fn other_venues_are_not_mine() {
        for line in [
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}}"#,
            r#"{"ping":1}"#,
            r#"{"table":"trade","action":"insert","data":[]}"#,
        ] {
            assert_eq!(both(line, None).0.unwrap(), "NotMine", "{line}");
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let (r, _) = both(
            r#"{"ch":"market.btcusdt.trade.detail","tick":{"data":[{"id":1,"ts":1618678027940,"amount":-1,"price":1,"direction":"sell"}]}}"#,
            SPOT,
        );
        assert_eq!(
            r.unwrap_err().to_string(),
            "huobi trade: `amount` negative number"
        );
        let (r, _) = both(
            r#"{"ch":"market.btcusdt.trade.detail","tick":{"data":[{"id":1,"amount":1,"price":1}]}}"#,
            SPOT,
        );
        assert_eq!(r.unwrap_err().to_string(), "huobi trade: `ts` is missing");
    }

    #[test]
    fn venue_names_from_urls() {
        assert_eq!(venue_for_url(SPOT), "huobi");
        assert_eq!(venue_for_url(SWAP), "huobi-swap");
        assert_eq!(
            venue_for_url(Some("wss://api.hbdm.com/linear-swap-ws")),
            "huobi-linear-swap"
        );
        assert_eq!(
            venue_for_url(Some("wss://api.hbdm.com/ws")),
            "huobi-futures"
        );
        assert_eq!(venue_for_url(None), "huobi");
    }
}
