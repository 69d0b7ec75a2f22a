//! AscendEX pro API streams (`wss://ascendex.com:443/api/pro/v2/stream`): `trades` messages.
//!
//! - Trades: `{"m":"trades","symbol":"APE-PERP","data":[{"p":"19.152","q":"79",
//!   "ts":1650929774384,"bm":false,"seqnum":288230377097259426}]}`, one or more rows. Claimed
//!   by `m:"trades"` with `symbol` and `data`, or by another AscendEX `m` (below).
//! - **Venue**: `ascendex-futures` for futures contracts (symbols ending `-PERP`, such as
//!   every symbol of ASCENDEX_FUTURES.ws.1.0) or on a connection whose URL says `futures`;
//!   else `ascendex` (spot symbols are `BASE/QUOTE`). The URL alone does not tell: the same
//!   `/api/pro/v2/stream` serves both.
//! - `ts` epoch ms (number); `p`, `q` decimal strings, exact.
//! - `bm` true means the buyer is the maker, so the taker sold: `bm:true` ⇒ sell,
//!   `bm:false` ⇒ buy, missing or not a boolean ⇒ unknown.
//! - `seqnum` (integer, observed 2.8e10 to 2.9e17) is the trade id; it increases with time
//!   per symbol (also among the rows of one message with equal `ts`), so ids are ordered.
//! - Not trades ([`Decoded::Other`], `kind` = `m`): `connected`, `sub`, `unsub`, `ping`,
//!   `pong`, `depth`, `depth-snapshot`, `depth-realtime`, `bbo`, `bar`, `summary`, `error`,
//!   and any other `m` on an AscendEX connection.

use std::borrow::Cow;

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "ascendex";
pub const VENUE_FUTURES: &str = "ascendex-futures";
const TRADE: &str = "ascendex trade";

const OTHER: [&str; 12] = [
    "connected",
    "sub",
    "unsub",
    "ping",
    "pong",
    "depth",
    "depth-snapshot",
    "depth-realtime",
    "bbo",
    "bar",
    "summary",
    "error",
];

fn url_is_ascendex(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("ascendex"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [m, symbol, data] = msg.fields(["m", "symbol", "data"]);
    let Some(m) = m.and_then(|m| m.str()) else {
        return Ok(Decoded::NotMine);
    };
    let url = url_is_ascendex(ctx.url);
    if m == "trades" && (url || (symbol.is_some() && data.is_some())) {
        let symbol = string(symbol, TRADE, "symbol")?;
        let futures = symbol.ends_with("-PERP") || ctx.url.is_some_and(|u| u.contains("futures"));
        let venue = if futures { VENUE_FUTURES } else { VENUE };
        let rows = need(data, TRADE, "data")?;
        if rows.kind() != Kind::Array {
            return Err(DecodeError::new(TRADE, "data", "is not an array"));
        }
        for row in rows.elements() {
            if row.kind() != Kind::Object {
                return Err(DecodeError::new(TRADE, "data", "holds a non-object"));
            }
            trade(row, venue, symbol.clone(), out)?;
        }
        return Ok(Decoded::Trades { venue });
    }
    if url || OTHER.contains(&m.as_ref()) {
        let venue = if symbol
            .and_then(|s| s.str())
            .is_some_and(|s| s.ends_with("-PERP"))
            || ctx.url.is_some_and(|u| u.contains("futures"))
        {
            VENUE_FUTURES
        } else {
            VENUE
        };
        return Ok(Decoded::Other { venue, kind: m });
    }
    Ok(Decoded::NotMine)
}

fn trade<'a, J: JsonView<'a>>(
    t: J,
    venue: &'static str,
    symbol: Cow<'a, str>,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    let [p, q, ts, bm, seqnum] = t.fields(["p", "q", "ts", "bm", "seqnum"]);
    let time = epoch(ts, Unit::Millis, TRADE, "ts")?;
    let price = positive_decimal(p, TRADE, "p")?;
    let size = positive_decimal(q, TRADE, "q")?;
    let side = match bm.and_then(|b| b.bool()) {
        Some(true) => Side::Sell,
        Some(false) => Side::Buy,
        None => Side::Unknown,
    };
    let id = need(seqnum, TRADE, "seqnum")?;
    let id = match id.kind() {
        Kind::Number => id.number_text(),
        _ => None,
    }
    .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
    .ok_or_else(|| DecodeError::new(TRADE, "seqnum", "is not an integer id"))?;
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

    const URL: Option<&str> = Some("wss://ascendex.com:443/api/pro/v2/stream");

    #[test]
    fn trades_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"m":"trades","symbol":"APE-PERP","data":[{"p":"19.152","q":"79","ts":1650929774384,"bm":false,"seqnum":288230377097259426},{"p":"19.156","q":"0.5","ts":1650929774385,"bm":true,"seqnum":288230377097259428}]}"#,
                url,
            );
            assert_eq!(
                r,
                Ok(Decoded::Trades {
                    venue: "ascendex-futures"
                })
            );
            assert_eq!(c.trades.len(), 2);
            assert!(c.skips.is_empty());
            let t = &c.trades[0];
            assert_eq!(t.venue, "ascendex-futures");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "APE-PERP");
            assert_eq!(t.time, 1_650_929_774_384_000_000);
            assert_eq!(t.price, dec("19.152"));
            assert_eq!(t.size, dec("79"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::Num(288_230_377_097_259_426));
            assert!(t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(t.venue, "ascendex-futures");
            assert_eq!(t.symbol, "APE-PERP");
            assert_eq!(t.time, 1_650_929_774_385_000_000);
            assert_eq!((t.price, t.size), (dec("19.156"), dec("0.5")));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::Num(288_230_377_097_259_428));
            assert!(t.id_ordered && !t.history);
        }
        let (r, c) = both(
            r#"{"m":"trades","symbol":"BTC/USDT","data":[{"p":"40491","q":"0.0001","ts":1650929776955,"seqnum":28000000000}]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "ascendex" }));
        let t = &c.trades[0];
        assert_eq!((t.venue, t.symbol.as_ref()), ("ascendex", "BTC/USDT"));
        assert_eq!(t.side, Side::Unknown);
        assert_eq!(t.id, TradeId::Num(28_000_000_000));
        let (r, _) = both(
            r#"{"m":"trades","symbol":"BTC/USDT","data":[]}"#,
            Some("wss://example.ascendex.com/api/pro/v2/futures/stream"),
        );
        assert_eq!(
            r,
            Ok(Decoded::Trades {
                venue: "ascendex-futures"
            })
        );
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, venue, kind) in [
            (
                r#"{"m":"connected","type":"unauth"}"#,
                None,
                "ascendex",
                "connected",
            ),
            (
                r#"{"m":"sub","ch":"depth:LINK-PERP","code":0}"#,
                None,
                "ascendex",
                "sub",
            ),
            (r#"{"m":"ping","hp":3}"#, None, "ascendex", "ping"),
            (
                r#"{"m":"depth","symbol":"BTC-PERP","data":{"ts":1650929748859,"seqnum":7794290671,"asks":[["1.072","210"]],"bids":[]}}"#,
                None,
                "ascendex-futures",
                "depth",
            ),
            (
                r#"{"m":"depth-snapshot","symbol":"AKT-PERP", "data":{"ts":1650929748859,"seqnum":7794290671,"asks":[],"bids":[]}}"#,
                None,
                "ascendex-futures",
                "depth-snapshot",
            ),
            (
                r#"{"m":"futures-pricing-data","con":[]}"#,
                URL,
                "ascendex",
                "futures-pricing-data",
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
            r#"{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.5","q":"0.001","T":1718841600121,"m":true,"M":true}"#,
            r#"{"type":"match","trade_id":1568268,"maker_order_id":"a","taker_order_id":"b","side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","sequence":201390075,"time":"2021-04-17T16:43:37.121358Z"}"#,
            r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":100,"price":32180.5,"trdMatchID":"x"}]}"#,
            r#"{"jsonrpc":"2.0","method":"updateTrades","params":{"data":[{"id":1307176266,"price":"0.00011574","quantity":"1.57","side":"sell","timestamp":"2021-07-03T00:56:18.293Z"}],"symbol":"EOSBTC"}}"#,
            r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_BTC_JPY","message":[]}}"#,
            r#"{"m":"trades","data":[]}"#,
            r#"{"m":"something"}"#,
            r#"[1,2]"#,
        ] {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let msg = |row: &str| format!(r#"{{"m":"trades","symbol":"BTC-PERP","data":[{row}]}}"#);
        for (line, err) in [
            (
                msg(r#"{"q":"1","ts":1650929776955,"bm":true,"seqnum":1}"#),
                "ascendex trade: `p` is missing",
            ),
            (
                msg(r#"{"p":"1","q":"0","ts":1650929776955,"bm":true,"seqnum":1}"#),
                "ascendex trade: `q` is zero",
            ),
            (
                msg(r#"{"p":"1","q":"1","ts":"x","bm":true,"seqnum":1}"#),
                "ascendex trade: `ts` not a timestamp",
            ),
            (
                msg(r#"{"p":"1","q":"1","ts":1650929776955,"bm":true}"#),
                "ascendex trade: `seqnum` is missing",
            ),
            (
                msg(r#"{"p":"1","q":"1","ts":1650929776955,"bm":true,"seqnum":"7"}"#),
                "ascendex trade: `seqnum` is not an integer id",
            ),
            (msg("1"), "ascendex trade: `data` holds a non-object"),
            (
                r#"{"m":"trades","symbol":"BTC-PERP","data":{}}"#.to_string(),
                "ascendex trade: `data` is not an array",
            ),
            (
                r#"{"m":"trades","symbol":"","data":[]}"#.to_string(),
                "ascendex trade: `symbol` is empty",
            ),
            (
                r#"{"m":"trades","data":[]}"#.to_string(),
                "ascendex trade: `symbol` is missing",
            ),
        ] {
            let (r, _) = both(&line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
