//! Bithumb (`wss://pubwss.bithumb.com/pub/ws`): the `transaction` channel,
//! `{"type":"transaction","content":{"list":[{"buySellGb":"2","contPrice":"3.908",
//! "contQty":"12365.191","contAmt":"48323.166","contDtm":"2021-06-02 08:43:34.555058",
//! "updn":"dn","symbol":"CON_KRW"}]}}`.
//!
//! - Claimed by `type:"transaction"` with `content.list`, or on a Bithumb connection (URL host
//!   on `bithumb.com`).
//! - **`contDtm` is Korea Standard Time without a zone**: `YYYY-MM-DD HH:MM:SS.ffffff`, read
//!   exactly (µs) and converted to UTC by subtracting 9 hours (KST is UTC+9 all year: Korea
//!   has no daylight saving time since 1988). In BITHUMB.ws.1.0 the first trade's
//!   `08:43:34.555058` KST is 23:43:34.555 UTC, 0.54 s before the recorder received it. A
//!   time with a zone suffix is malformed (the rule above would misread it).
//! - `contPrice` and `contQty` are decimal strings, exact; `contAmt` (their product, rounded)
//!   and `updn` (price direction) are not used.
//! - `buySellGb` is the **taker** side: `"1"` sell, `"2"` buy (formats.md; Bithumb's docs:
//!   1 = sell fill, 2 = buy fill); anything else unknown. In BITHUMB.ws.1.0 four `"2"` fills of
//!   GOM2_KRW within 2 ms climb 7.523, 7.524, 7.525, 7.525: one taker order sweeping up the
//!   asks, a buy.
//! - Trades carry **no trade id** ([`TradeId::None`]): duplicates only by content across
//!   inputs (docs/bars.md); identical fills within one recording all count.
//! - No history is replayed on subscribing (none observed).
//! - Not trades ([`Decoded::Other`]): the status replies `{"status":"0000","resmsg":…}`
//!   (`kind` `status`) and the `ticker`, `orderbookdepth` and `orderbooksnapshot` types
//!   (`kind` = the type).

use super::{need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::{parse_iso, NS_PER_S};
use crate::trade::{Side, Trade, TradeId};
use std::borrow::Cow;

pub const VENUE: &str = "bithumb";
const TRADE: &str = "bithumb transaction";

/// Korea Standard Time is UTC+9.
const KST_OFFSET: i64 = 9 * 3600 * NS_PER_S;

fn url_is_bithumb(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    host == "bithumb.com" || host.ends_with(".bithumb.com")
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [typ, content, status, resmsg] = msg.fields(["type", "content", "status", "resmsg"]);
    let bithumb_url = url_is_bithumb(ctx.url);
    let Some(typ) = typ.and_then(|t| t.str()) else {
        if bithumb_url || (status.is_some() && resmsg.is_some()) {
            return Ok(Decoded::Other {
                venue: VENUE,
                kind: Cow::Borrowed("status"),
            });
        }
        return Ok(Decoded::NotMine);
    };
    let content = content.filter(|c| c.kind() == Kind::Object);
    let list = content.and_then(|c| c.get("list"));
    match typ.as_ref() {
        "transaction" if bithumb_url || list.is_some() => {
            let list = need(list, TRADE, "list")?;
            if list.kind() != Kind::Array {
                return Err(DecodeError::new(TRADE, "list", "is not an array"));
            }
            for row in list.elements() {
                if row.kind() != Kind::Object {
                    return Err(DecodeError::new(TRADE, "list", "holds a non-object"));
                }
                trade(row, out)?;
            }
            Ok(Decoded::Trades { venue: VENUE })
        }
        "ticker" | "orderbookdepth" | "orderbooksnapshot" if bithumb_url || content.is_some() => {
            Ok(Decoded::Other {
                venue: VENUE,
                kind: typ,
            })
        }
        _ if bithumb_url => Ok(Decoded::Other {
            venue: VENUE,
            kind: typ,
        }),
        _ => Ok(Decoded::NotMine),
    }
}

fn trade<'a, J: JsonView<'a>>(row: J, out: &mut dyn Out<'a>) -> Result<(), DecodeError> {
    let [symbol, side, price, qty, time] =
        row.fields(["symbol", "buySellGb", "contPrice", "contQty", "contDtm"]);
    let symbol = string(symbol, TRADE, "symbol")?;
    let text = string(time, TRADE, "contDtm")?;
    let time = korea_time(&text).ok_or_else(|| {
        DecodeError::new(TRADE, "contDtm", "is not YYYY-MM-DD HH:MM:SS[.f] (KST)")
    })?;
    let price = positive_decimal(price, TRADE, "contPrice")?;
    let size = positive_decimal(qty, TRADE, "contQty")?;
    let side = match side.and_then(|s| s.text()).as_deref() {
        Some("1") => Side::Sell,
        Some("2") => Side::Buy,
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
        id: TradeId::None,
        id_ordered: false,
        history: false,
    });
    Ok(())
}

/// `YYYY-MM-DD HH:MM:SS[.fraction]` in Korea Standard Time, as ns since the epoch (UTC).
fn korea_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    // No zone: after the seconds only a fraction may follow.
    let zoneless = b.len() >= 19
        && b[10] == b' '
        && (b.len() == 19 || (b[19] == b'.' && b[20..].iter().all(u8::is_ascii_digit)));
    if !zoneless {
        return None;
    }
    parse_iso(text).ok()?.checked_sub(KST_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://pubwss.bithumb.com/pub/ws");

    #[test]
    fn transaction_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"type":"transaction","content":{"list":[{"buySellGb":"2","contPrice":"3.908","contQty":"12365.191","contAmt":"48323.166","contDtm":"2021-06-02 08:43:34.555058","updn":"dn","symbol":"CON_KRW"},{"buySellGb":"1","contPrice":"7.524","contQty":"626","contAmt":"4710.024","contDtm":"2021-06-02 08:43:41.416901","updn":"up","symbol":"GOM2_KRW"}]}}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "bithumb" }));
            assert_eq!(c.trades.len(), 2);
            let t = &c.trades[0];
            assert_eq!(t.venue, "bithumb");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "CON_KRW");
            // 2021-06-02 08:43:34.555058 KST = 2021-06-01T23:43:34.555058Z.
            assert_eq!(t.time, 1_622_591_014_555_058_000);
            assert_eq!(t.price, dec("3.908"));
            assert_eq!(t.size, dec("12365.191"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::None);
            assert!(!t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(
                (t.symbol.as_ref(), t.time, t.price, t.size, t.side),
                (
                    "GOM2_KRW",
                    1_622_591_021_416_901_000,
                    dec("7.524"),
                    dec("626"),
                    Side::Sell
                )
            );
        }
        // Around midnight KST the UTC date is the day before; a time without a fraction.
        let (_, c) = both(
            r#"{"type":"transaction","content":{"list":[{"buySellGb":"3","contPrice":"1","contQty":"1","contDtm":"2021-01-01 00:00:00","symbol":"BTC_KRW"}]}}"#,
            None,
        );
        // 2020-12-31T15:00:00Z.
        assert_eq!(c.trades[0].time, 1_609_426_800_000_000_000);
        assert_eq!(c.trades[0].side, Side::Unknown);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"status":"0000","resmsg":"Connected Successfully"}"#,
                None,
                "status",
            ),
            (
                r#"{"status":"0000","resmsg":"Filter Registered Successfully"}"#,
                URL,
                "status",
            ),
            (
                r#"{"type":"ticker","content":{"symbol":"BTC_KRW","tickType":"24H","date":"20210602","time":"084334","openPrice":"44000000","closePrice":"44100000"}}"#,
                None,
                "ticker",
            ),
            (
                r#"{"type":"orderbookdepth","content":{"list":[{"symbol":"BTC_KRW","orderType":"ask","price":"44100000","quantity":"0.5","total":"1"}],"datetime":"1622591014555058"}}"#,
                None,
                "orderbookdepth",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "bithumb",
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
            r#"{"type":"ticker","code":"KRW-BTC","trade_price":1}"#,
            r#"{"type":"trade","code":"KRW-BTC","trade_price":1,"trade_volume":1,"ask_bid":"BID","trade_timestamp":1,"sequential_id":1}"#,
            r#"{"type":"transaction","data":[]}"#,
            r#"{"status":"ok"}"#,
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
                r#"{"type":"transaction","content":{"list":[{"buySellGb":"2","contQty":"1","contDtm":"2021-06-02 08:43:34.555058","symbol":"CON_KRW"}]}}"#,
                "bithumb transaction: `contPrice` is missing",
            ),
            (
                r#"{"type":"transaction","content":{"list":[{"buySellGb":"2","contPrice":"1","contQty":"-1","contDtm":"2021-06-02 08:43:34.555058","symbol":"CON_KRW"}]}}"#,
                "bithumb transaction: `contQty` negative number",
            ),
            (
                r#"{"type":"transaction","content":{"list":[{"buySellGb":"2","contPrice":"1","contQty":"1","contDtm":"2021-06-02T08:43:34.555058+09:00","symbol":"CON_KRW"}]}}"#,
                "bithumb transaction: `contDtm` is not YYYY-MM-DD HH:MM:SS[.f] (KST)",
            ),
            (
                r#"{"type":"transaction","content":{"list":[{"buySellGb":"2","contPrice":"1","contQty":"1","contDtm":"2021-06-02 08:43:34.555058Z","symbol":"CON_KRW"}]}}"#,
                "bithumb transaction: `contDtm` is not YYYY-MM-DD HH:MM:SS[.f] (KST)",
            ),
            (
                r#"{"type":"transaction","content":{"list":[{"buySellGb":"2","contPrice":"1","contQty":"1","contDtm":"2021-06-02 08:43:34.555058","symbol":""}]}}"#,
                "bithumb transaction: `symbol` is empty",
            ),
            (
                r#"{"type":"transaction","content":{"list":{"a":1}}}"#,
                "bithumb transaction: `list` is not an array",
            ),
            (
                r#"{"type":"transaction","content":{}}"#,
                "bithumb transaction: `list` is missing",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
