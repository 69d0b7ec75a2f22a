//! Binance spot, Binance.US, Binance TR (`stream-cloud.trbinance.com`), USD-M futures
//! (`fstream`) and COIN-M (`dstream`): `trade` and `aggTrade`, bare (`/ws/` raw streams) or
//! in the combined-stream wrapper
//! `{"stream":"btcusdt@trade","data":{...}}`.
//!
//! - Trade time `T` is epoch ms (us when the connection asked for `timeUnit=MICROSECOND`;
//!   like tardis-node, a value above 10^15 is read as us).
//! - `m: true` means the buyer was the maker, so the taker **sold**.
//! - `trade` ids `t` and `aggTrade` ids `a` increase per symbol. Both streams report the same
//!   fills, so they are separate streams of a symbol and the bars use `trade` when a capture
//!   has both (see docs/bars.md).
//! - Futures `trade` carries `X`; only `MARKET` fills are trades of the order book (tardis-node
//!   drops `INSURANCE_FUND`, `ADL`, `NA`); the others are skipped and counted.

use std::borrow::Cow;

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::decimal::Decimal;
use crate::flatjson::FlatVal;
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub mod scan;

/// Venue name from the connection URL's host.
pub fn venue_for_url(url: Option<&str>) -> &'static str {
    let Some(url) = url else { return "binance" };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    if host.ends_with("binance.us") {
        "binance-us"
    } else if host.ends_with("trbinance.com") {
        "binance-tr"
    } else if host.starts_with("fstream") {
        "binance-futures"
    } else if host.starts_with("dstream") {
        "binance-delivery"
    } else {
        "binance"
    }
}

fn url_is_binance(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("binance."))
}

const TRADE: &str = "binance trade";
const AGG_TRADE: &str = "binance aggTrade";

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    // Combined stream wrapper, or a bare event.
    let [stream, data] = msg.fields(["stream", "data"]);
    let (event, wrapped) = match (stream, data) {
        (Some(s), Some(d)) if s.kind() == Kind::String && d.kind() == Kind::Object => (d, true),
        _ => (msg, false),
    };
    let venue = venue_for_url(ctx.url);
    let [e, s, t, a, p, q, tt, m, x] = event.fields(["e", "s", "t", "a", "p", "q", "T", "m", "X"]);
    let kind = e.and_then(|e| e.str());
    let (what, id_field, id) = match kind.as_deref() {
        Some("trade") => (TRADE, "t", t),
        Some("aggTrade") => (AGG_TRADE, "a", a),
        Some(_) if wrapped || (s.is_some() && event.get("E").is_some()) => {
            return Ok(Decoded::Other {
                venue,
                kind: kind.unwrap_or(Cow::Borrowed("event")),
            });
        }
        None if wrapped => {
            // Spot bookTicker events carry no `e`; name them by their stream suffix.
            let name = stream
                .and_then(|s| s.str())
                .and_then(|s| s.split_once('@').map(|(_, k)| k.to_string()))
                .unwrap_or_else(|| "event".to_string());
            return Ok(Decoded::Other {
                venue,
                kind: Cow::Owned(name),
            });
        }
        None if url_is_binance(ctx.url) => {
            return Ok(Decoded::Other {
                venue,
                kind: Cow::Borrowed(if msg.get("result").is_some() {
                    "response"
                } else {
                    "event"
                }),
            });
        }
        _ => return Ok(Decoded::NotMine),
    };
    // A bare object with `e: trade` is Binance only if it has Binance's trade fields.
    if !wrapped && (s.is_none() || p.is_none() || tt.is_none()) && !url_is_binance(ctx.url) {
        return Ok(Decoded::NotMine);
    }

    let symbol = string(s, what, "s")?;
    let price = positive_decimal(p, what, "p")?;
    let size = positive_decimal(q, what, "q")?;
    // More than 15 digits (above 10^15 ms, year 33658): the connection used
    // timeUnit=MICROSECOND.
    let unit = match tt.and_then(|v| v.text()) {
        Some(text) if text.len() > 15 => Unit::Micros,
        _ => Unit::Millis,
    };
    let time = epoch(tt, unit, what, "T")?;
    let id_val = need(id, what, id_field)?;
    let id = match id_val.kind() {
        Kind::Number | Kind::String => TradeId::from_text(id_val.text().unwrap_or_default()),
        _ => return Err(DecodeError::new(what, id_field, "is not an id")),
    };
    if !matches!(id, TradeId::Num(_)) {
        return Err(DecodeError::new(what, id_field, "is not an integer id"));
    }
    let side = match m {
        Some(m) => match m.bool() {
            Some(true) => Side::Sell,
            Some(false) => Side::Buy,
            None => return Err(DecodeError::new(what, "m", "is not a boolean")),
        },
        None => Side::Unknown,
    };
    if what == TRADE {
        if let Some(x) = x {
            if x.str().as_deref() != Some("MARKET") {
                out.skip("binance futures trade with X other than MARKET");
                return Ok(Decoded::Trades { venue });
            }
        }
    }
    out.trade(Trade {
        venue,
        stream: if what == TRADE { 0 } else { 1 },
        symbol,
        time,
        price,
        size,
        side,
        id,
        id_ordered: true,
        history: false,
    });
    Ok(Decoded::Trades { venue })
}

/// The fast path for the flat form Binance sends (see [`crate::flatjson`]): reads the
/// table of one-character keys directly. It handles only well-formed `trade`/`aggTrade`
/// events and returns None for anything else, which [`decode`] then reads; where it
/// answers, it answers exactly as [`decode`] does (a differential test checks this).
/// What the flat fast path makes of a message it handles.
pub enum FlatTrade<'a> {
    Trade(Trade<'a>),
    Skipped {
        venue: &'static str,
        reason: &'static str,
    },
}

/// [`read_flat`] through the [`Out`] interface of the other decoders.
#[inline]
pub fn decode_flat<'a>(msg: FlatVal<'a>, ctx: &Ctx, out: &mut dyn Out<'a>) -> Option<Decoded<'a>> {
    match read_flat(msg, ctx)? {
        FlatTrade::Trade(t) => {
            let venue = t.venue;
            out.trade(t);
            Some(Decoded::Trades { venue })
        }
        FlatTrade::Skipped { venue, reason } => {
            out.skip(reason);
            Some(Decoded::Trades { venue })
        }
    }
}

/// The trade of a flat Binance event, returned by value (no buffer, no dynamic call): the
/// engine's hot path. Same answers as [`decode`] where it answers (see [`decode_flat`]).
#[inline]
pub fn read_flat<'a>(msg: FlatVal<'a>, ctx: &Ctx) -> Option<FlatTrade<'a>> {
    let text = |k: u8| msg.event_field(k);
    let (e, Kind::String) = text(b'e')? else {
        return None;
    };
    let (what, id_key) = match e {
        "trade" => (TRADE, b't'),
        "aggTrade" => (AGG_TRADE, b'a'),
        _ => return None,
    };
    let (symbol, Kind::String) = text(b's')? else {
        return None;
    };
    if symbol.is_empty() {
        return None;
    }
    let number = |k: u8| match text(k)? {
        (t, Kind::String | Kind::Number) => Some(t),
        _ => None,
    };
    let price = Decimal::parse(number(b'p')?)
        .ok()
        .filter(|d| !d.is_zero())?;
    let size = Decimal::parse(number(b'q')?)
        .ok()
        .filter(|d| !d.is_zero())?;
    let time = match msg.event_int(b'T') {
        Some((v, digits)) => {
            let unit = if digits > 15 {
                Unit::Micros
            } else {
                Unit::Millis
            };
            crate::time::epoch_from_int(v, unit).ok()?
        }
        None => {
            let tt = number(b'T')?;
            let unit = if tt.len() > 15 {
                Unit::Micros
            } else {
                Unit::Millis
            };
            crate::time::parse_epoch(tt, unit).ok()?
        }
    };
    let id = match msg.event_int(id_key) {
        Some((v, _)) => TradeId::Num(v as u128),
        None => TradeId::from_text(Cow::Borrowed(number(id_key)?)),
    };
    if !matches!(id, TradeId::Num(_)) {
        return None;
    }
    let side = match text(b'm') {
        None => Side::Unknown,
        Some(("true", Kind::Bool)) => Side::Sell,
        Some(("false", Kind::Bool)) => Side::Buy,
        Some(_) => return None,
    };
    let venue = venue_for_url(ctx.url);
    if what == TRADE {
        if let Some(x) = text(b'X') {
            if x != ("MARKET", Kind::String) {
                return Some(FlatTrade::Skipped {
                    venue,
                    reason: "binance futures trade with X other than MARKET",
                });
            }
        }
    }
    Some(FlatTrade::Trade(Trade {
        venue,
        stream: if what == TRADE { 0 } else { 1 },
        symbol: Cow::Borrowed(symbol),
        time,
        price,
        size,
        side,
        id,
        id_ordered: true,
        history: false,
    }))
}

/// Display name of a Binance stream rank.
pub fn stream_name(rank: u8) -> &'static str {
    if rank == 0 {
        "trade"
    } else {
        "aggTrade"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse_reference, Tape};

    #[derive(Default)]
    struct Collect {
        trades: Vec<Trade<'static>>,
        skips: Vec<&'static str>,
    }
    impl<'a> Out<'a> for Collect {
        fn trade(&mut self, t: Trade<'a>) {
            self.trades.push(Trade {
                symbol: Cow::Owned(t.symbol.into_owned()),
                id: t.id.into_owned(),
                ..t
            });
        }
        fn skip(&mut self, reason: &'static str) {
            self.skips.push(reason);
        }
    }

    fn both(line: &str, url: Option<&str>) -> (Result<Decoded<'static>, DecodeError>, Collect) {
        let ctx = Ctx {
            url,
            channels: None,
        };
        let mut tape = Tape::new();
        let mut fast = Collect::default();
        let r1 = match tape.parse(line.as_bytes()) {
            Ok(v) => decode(v, &ctx, &mut fast).map(owned),
            Err(e) => panic!("bad test json {e}"),
        };
        let reference = parse_reference(line.as_bytes()).unwrap();
        let mut slow = Collect::default();
        let r2 = decode(&reference, &ctx, &mut slow).map(owned);
        assert_eq!(r1, r2, "tape and serde disagree on {line}");
        assert_eq!(fast.trades, slow.trades);
        assert_eq!(fast.skips, slow.skips);
        // The flat reader and the flat fast path, where they answer, answer the same.
        let mut flat = crate::flatjson::Flat::new();
        if let Some(v) = flat.parse(line.as_bytes()) {
            let mut c = Collect::default();
            assert_eq!(
                decode(v, &ctx, &mut c).map(owned),
                r1.clone(),
                "flat view on {line}"
            );
            assert_eq!(c.trades, fast.trades);
            let mut c = Collect::default();
            if let Some(d) = decode_flat(v, &ctx, &mut c) {
                assert_eq!(Ok(owned(d)), r1.clone(), "flat fast path on {line}");
                assert_eq!(c.trades, fast.trades);
                assert_eq!(c.skips, fast.skips);
            }
        }
        (r1, fast)
    }

    fn owned(d: Decoded<'_>) -> Decoded<'static> {
        match d {
            Decoded::NotMine => Decoded::NotMine,
            Decoded::Trades { venue } => Decoded::Trades { venue },
            Decoded::Other { venue, kind } => Decoded::Other {
                venue,
                kind: Cow::Owned(kind.into_owned()),
            },
            Decoded::Channel { venue, id, channel } => Decoded::Channel { venue, id, channel },
        }
    }

    #[test]
    fn spot_trade_every_field() {
        let (r, c) = both(
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":true}}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "binance" }));
        let t = &c.trades[0];
        assert_eq!(t.venue, "binance");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "BTCUSDT");
        assert_eq!(t.time, 1_718_841_600_121_000_000);
        assert_eq!(t.price, Decimal::parse("66578.5").unwrap());
        assert_eq!(t.size, Decimal::parse("0.00123").unwrap());
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(3650000001));
        assert!(t.id_ordered);
        assert!(!t.history);
    }

    #[test]
    fn coin_m_agg_trade_from_recording() {
        let (r, c) = both(
            r#"{"stream":"bchusd_perp@aggTrade","data":{"e":"aggTrade","E":1626916404006,"a":11285749,"s":"BCHUSD_PERP","p":"427.91","q":"3","f":16034449,"l":16034449,"T":1626916403852,"m":false}}"#,
            Some("wss://dstream.binance.com/stream?streams=bchusd_perp@aggTrade"),
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "binance-delivery"
            })
        );
        let t = &c.trades[0];
        assert_eq!(
            (t.stream, t.side, t.id.clone()),
            (1, Side::Buy, TradeId::Num(11285749))
        );
        assert_eq!(t.time, 1_626_916_403_852_000_000);
    }

    #[test]
    fn futures_non_market_fills_are_skipped() {
        let (r, c) = both(
            r#"{"e":"trade","E":1,"T":1626992741012,"s":"BTCUSDT","t":5,"p":"30000.1","q":"0.5","X":"INSURANCE_FUND","m":true}"#,
            Some("wss://fstream.binance.com/ws/btcusdt@trade"),
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "binance-futures"
            })
        );
        assert!(c.trades.is_empty());
        assert_eq!(c.skips.len(), 1);
        let (_, c) = both(
            r#"{"e":"trade","E":1,"T":1626992741012,"s":"BTCUSDT","t":5,"p":"30000.1","q":"0.5","X":"MARKET","m":false}"#,
            Some("wss://fstream.binance.com/ws/btcusdt@trade"),
        );
        assert_eq!(c.trades.len(), 1);
    }

    #[test]
    fn microsecond_trade_times() {
        let (_, c) = both(
            r#"{"e":"trade","E":1718841600123456,"s":"X","t":1,"p":"1","q":"1","T":1718841600121456,"m":false}"#,
            None,
        );
        assert_eq!(c.trades[0].time, 1_718_841_600_121_456_000);
    }

    #[test]
    fn non_trade_messages_are_recognised_and_ignored() {
        for (line, kind) in [
            (
                r#"{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512068,"s":"NKNUSDT","U":1,"u":2,"b":[],"a":[]}}"#,
                "depthUpdate",
            ),
            (
                r#"{"stream":"nknusdt@bookTicker","data":{"u":499869768,"s":"NKNUSDT","b":"0.35210000","B":"672.00000000","a":"0.35260000","A":"3199.00000000"}}"#,
                "bookTicker",
            ),
            (
                r#"{"stream":"x@kline_1m","data":{"e":"kline","E":1,"s":"X","k":{"t":1}}}"#,
                "kline",
            ),
        ] {
            let (r, c) = both(line, None);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "binance",
                    kind: Cow::Owned(kind.to_string())
                })
            );
            assert!(c.trades.is_empty());
        }
        let (r, _) = both(r#"{"result":null,"id":1}"#, None);
        assert_eq!(r, Ok(Decoded::NotMine));
        let (r, _) = both(
            r#"{"result":null,"id":1}"#,
            Some("wss://stream.binance.com:9443/stream"),
        );
        assert!(matches!(r, Ok(Decoded::Other { .. })));
        let (r, _) = both(r#"{"type":"match","price":"1"}"#, None);
        assert_eq!(r, Ok(Decoded::NotMine));
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let (r, _) = both(
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"-5","q":"1","T":1718841600121,"m":true}}"#,
            None,
        );
        assert_eq!(
            r.unwrap_err().to_string(),
            "binance trade: `p` negative number"
        );
        let (r, _) = both(
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"5","q":"1","m":true}}"#,
            None,
        );
        assert_eq!(r.unwrap_err().to_string(), "binance trade: `T` is missing");
    }

    #[test]
    fn venue_names_from_urls() {
        assert_eq!(
            venue_for_url(Some("wss://stream.binance.com:9443/stream?streams=a")),
            "binance"
        );
        assert_eq!(
            venue_for_url(Some("wss://stream.binance.us:9443/ws")),
            "binance-us"
        );
        assert_eq!(
            venue_for_url(Some("wss://fstream.binance.com/stream")),
            "binance-futures"
        );
        assert_eq!(
            venue_for_url(Some("wss://dstream.binance.com/stream")),
            "binance-delivery"
        );
        assert_eq!(
            venue_for_url(Some(
                "wss://stream-cloud.trbinance.com/stream?streams=belbtc@aggTrade"
            )),
            "binance-tr"
        );
        assert_eq!(venue_for_url(None), "binance");
    }
}
