//! Upbit (`wss://api.upbit.com/websocket/v1`): the `trade` type, in the SIMPLE format
//! (`{"ty":"trade","cd":"KRW-LAMB","ttms":…,"tp":…,"tv":…,"ab":"BID","sid":…,"st":"REALTIME"}`)
//! or the DEFAULT one (`type`, `code`, `trade_timestamp`, `trade_price`, `trade_volume`,
//! `ask_bid`, `sequential_id`, `stream_type`).
//!
//! - Upbit sends binary frames; cryptofeed records them as Python bytes literals, which the
//!   capture layer reads before decoders see them.
//! - `ttms` / `trade_timestamp` is the trade time in epoch ms (whole seconds in the 2021
//!   recording); `tms` / `timestamp` is the message time and is not used.
//! - `tp`/`tv` are JSON numbers, read exactly from their text.
//! - `ab`: `BID` = the taker bought, `ASK` = the taker sold; anything else is unknown.
//! - `sid` / `sequential_id` is an integer id (kept exact; Upbit documents it as unique per
//!   trade, increasing): ordered.
//! - `st` / `stream_type` `SNAPSHOT` is history (left out unless `--keep-pre-capture`);
//!   `REALTIME` is live. Live trades may arrive out of order (observed): the bars do not
//!   depend on arrival order.
//! - Not trades: `orderbook` and `ticker` types, and the `{"status":"UP"}` keep-alive.

use std::borrow::Cow;

use super::{epoch, id_text, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

const TRADE: &str = "upbit trade";
const VENUE: &str = "upbit";

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [ty, cd, ty_long, code] = msg.fields(["ty", "cd", "type", "code"]);
    let simple = ty.and_then(|t| t.str()).is_some() && cd.is_some();
    let on_upbit = ctx.url.is_some_and(|u| u.contains("upbit."));
    let kind = if simple {
        ty.and_then(|t| t.str())
    } else if code.is_some() && on_upbit {
        ty_long.and_then(|t| t.str())
    } else {
        if on_upbit && msg.get("status").is_some() {
            return Ok(Decoded::Other {
                venue: VENUE,
                kind: Cow::Borrowed("status"),
            });
        }
        return Ok(Decoded::NotMine);
    };
    let Some(kind) = kind else {
        return Ok(Decoded::NotMine);
    };
    if kind != "trade" {
        return Ok(Decoded::Other { venue: VENUE, kind });
    }
    let names: [&'static str; 7] = if simple {
        ["cd", "ttms", "tp", "tv", "ab", "sid", "st"]
    } else {
        [
            "code",
            "trade_timestamp",
            "trade_price",
            "trade_volume",
            "ask_bid",
            "sequential_id",
            "stream_type",
        ]
    };
    let [sym, ttms, tp, tv, ab, sid, st] = msg.fields(names);
    let symbol = string(sym, TRADE, names[0])?;
    let time = epoch(ttms, Unit::Millis, TRADE, names[1])?;
    let price = positive_decimal(tp, TRADE, names[2])?;
    let size = positive_decimal(tv, TRADE, names[3])?;
    let side = match ab.and_then(|a| a.str()).as_deref() {
        Some("BID") => Side::Buy,
        Some("ASK") => Side::Sell,
        _ => Side::Unknown,
    };
    let idv = need(sid, TRADE, names[5])?;
    let id = match idv.kind() {
        Kind::Number | Kind::String => match id_text(idv) {
            Some(t) if !t.is_empty() => TradeId::from_text(t),
            _ => return Err(DecodeError::new(TRADE, names[5], "is not an id")),
        },
        _ => return Err(DecodeError::new(TRADE, names[5], "is not an id")),
    };
    let history = st.and_then(|s| s.str()).as_deref() == Some("SNAPSHOT");
    out.trade(Trade {
        venue: VENUE,
        stream: 0,
        symbol,
        time,
        price,
        size,
        side,
        id_ordered: matches!(id, TradeId::Num(_)),
        id,
        history,
    });
    Ok(Decoded::Trades { venue: VENUE })
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

    const URL: Option<&str> = Some("wss://api.upbit.com/websocket/v1");

    #[test]
    fn simple_trade_every_field() {
        let (r, t) = both(
            r#"{"ty":"trade","cd":"KRW-LAMB","tms":1618678262712,"td":"2021-04-17","ttm":"16:51:02","ttms":1618678262000,"tp":127.0,"tv":46.48838371,"ab":"BID","pcp":123.00000000,"c":"RISE","cp":4.00000000,"sid":1618678262000003,"st":"REALTIME"}"#,
            URL,
        );
        assert_eq!(r.unwrap(), r#"Trades { venue: "upbit" }"#);
        let a = &t[0];
        assert_eq!(
            (a.venue, a.stream, a.symbol.as_ref()),
            ("upbit", 0, "KRW-LAMB")
        );
        assert_eq!(a.time, 1_618_678_262_000_000_000);
        assert_eq!(a.price, Decimal::parse("127").unwrap());
        assert_eq!(a.size, Decimal::parse("46.48838371").unwrap());
        assert_eq!(a.side, Side::Buy);
        assert_eq!(a.id, TradeId::Num(1618678262000003));
        assert!(a.id_ordered && !a.history);
    }

    #[test]
    fn default_format_and_snapshot_history() {
        let (r, t) = both(
            r#"{"type":"trade","code":"KRW-BTC","timestamp":1,"trade_timestamp":1618678262123,"trade_price":70000000,"trade_volume":0.0001,"ask_bid":"ASK","sequential_id":1618678262000004,"stream_type":"SNAPSHOT"}"#,
            URL,
        );
        assert_eq!(r.unwrap(), r#"Trades { venue: "upbit" }"#);
        assert_eq!((t[0].side, t[0].history), (Side::Sell, true));
        assert_eq!(t[0].time, 1_618_678_262_123_000_000);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for line in [
            r#"{"ty":"orderbook","cd":"KRW-LAMB","tms":1618678262640,"obu":[]}"#,
            r#"{"ty":"ticker","cd":"KRW-LAMB","tp":1}"#,
        ] {
            assert!(both(line, URL).0.unwrap().starts_with("Other"), "{line}");
        }
        assert!(both(r#"{"status":"UP"}"#, URL)
            .0
            .unwrap()
            .starts_with("Other"));
    }

    #[test]
    fn other_venues_are_not_mine() {
        for line in [
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}}"#,
            r#"{"status":"UP"}"#,
            r#"{"type":"match","product_id":"BTC-USD","price":"1"}"#,
        ] {
            assert_eq!(both(line, None).0.unwrap(), "NotMine", "{line}");
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let (r, _) = both(
            r#"{"ty":"trade","cd":"KRW-X","ttms":1618678262000,"tp":0,"tv":1,"ab":"BID","sid":1}"#,
            URL,
        );
        assert_eq!(r.unwrap_err().to_string(), "upbit trade: `tp` is zero");
        let (r, _) = both(
            r#"{"ty":"trade","cd":"KRW-X","tp":1,"tv":1,"ab":"BID","sid":1}"#,
            URL,
        );
        assert_eq!(r.unwrap_err().to_string(), "upbit trade: `ttms` is missing");
    }
}
