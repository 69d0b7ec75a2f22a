//! Gate.io v4 (`wss://api.gateio.ws/ws/v4/`): the spot `spot.trades` channel.
//!
//! - Every v4 message is `{"time":…,"channel":"spot.…","event":…,"result":…}`. A message is
//!   Gate's when its `channel` is a string starting with `spot.`, `futures.`, `delivery.` or
//!   `options.` and it has an `event` string, or when the connection URL is on `gateio.ws` /
//!   `gate.io` / `gate.com`. Only `channel:"spot.trades"` with `event:"update"` carries
//!   trades; everything else (`subscribe`/`unsubscribe` acks, `spot.order_book_update`,
//!   `spot.tickers`, `spot.candlesticks`, `futures.*`, errors) is [`Decoded::Other`] named
//!   `<channel> <event>`.
//! - `result` is one trade object (observed) or an array of them (accepted):
//!   `{"id":816995772,"create_time":1619093543,"create_time_ms":"1619093543708.2642",
//!   "side":"sell","currency_pair":"DIS_USDT","amount":"0.2010000000","price":"121.58…"}`.
//! - Time: `create_time_ms`, epoch ms **with a fraction** (sub-ms digits), in a string (a JSON
//!   number is accepted). It is read exactly (integer ms plus up to 6 fraction digits →
//!   ns, no f64); more than 6 non-zero fraction digits is an error. `create_time` (whole
//!   seconds) is not used.
//! - `price`, `amount` decimal strings (base currency); `currency_pair` is the symbol.
//! - `side` is the taker side (`buy`/`sell`, as tardis-node reads it); anything else is
//!   [`Side::Unknown`].
//! - `id` an integer that increases per pair: exact id, `id_ordered`.
//! - No replay on subscribe observed; no history label.
//! - Not decoded: the futures channel `futures.trades` (array `result`, signed `size` giving
//!   the side, per tardis-node) is not in any capture here; it is reported as
//!   [`Decoded::Other`] `futures.trades update`, so its trades are not counted.

use std::borrow::Cow;

use super::{id_text, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::NS_PER_MS;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "gateio";
const TRADE: &str = "gateio trade";

fn url_is_gate(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    ["gateio.ws", "gate.io", "gate.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

const PREFIXES: &[&str] = &["spot.", "futures.", "delivery.", "options."];

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [channel, event, result] = msg.fields(["channel", "event", "result"]);
    let (Some(channel), Some(event)) = (channel.and_then(|c| c.str()), event.and_then(|e| e.str()))
    else {
        return Ok(Decoded::NotMine);
    };
    if !(PREFIXES.iter().any(|p| channel.starts_with(p)) || url_is_gate(ctx.url)) {
        return Ok(Decoded::NotMine);
    }
    if channel != "spot.trades" || event != "update" {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: Cow::Owned(format!("{channel} {event}")),
        });
    }
    let result = need(result, TRADE, "result")?;
    let rows = match result.kind() {
        Kind::Object => vec![result],
        Kind::Array => result.elements(),
        _ => return Err(DecodeError::new(TRADE, "result", "is not an object")),
    };
    for row in rows {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(TRADE, "result", "holds a non-object"));
        }
        let [id, time, side, pair, amount, price] = row.fields([
            "id",
            "create_time_ms",
            "side",
            "currency_pair",
            "amount",
            "price",
        ]);
        let symbol = string(pair, TRADE, "currency_pair")?;
        let time = need(time, TRADE, "create_time_ms")?
            .text()
            .ok_or_else(|| DecodeError::new(TRADE, "create_time_ms", "is not a timestamp"))?;
        let time = fractional_ms(&time)
            .ok_or_else(|| DecodeError::new(TRADE, "create_time_ms", "is not a timestamp"))?;
        let price = positive_decimal(price, TRADE, "price")?;
        let size = positive_decimal(amount, TRADE, "amount")?;
        let side = match side.and_then(|s| s.str()).as_deref() {
            Some("buy") => Side::Buy,
            Some("sell") => Side::Sell,
            _ => Side::Unknown,
        };
        let id = need(id, TRADE, "id")?;
        let id = match (id.kind(), id_text(id)) {
            (Kind::Number | Kind::String, Some(t)) if !t.is_empty() => TradeId::from_text(t),
            _ => return Err(DecodeError::new(TRADE, "id", "is not an id")),
        };
        let id_ordered = matches!(id, TradeId::Num(_));
        out.trade(Trade {
            venue: VENUE,
            stream: 0,
            symbol,
            time,
            price,
            size,
            side,
            id,
            id_ordered,
            history: false,
        });
    }
    Ok(Decoded::Trades { venue: VENUE })
}

/// Epoch ms with an optional fraction (`1619093543708.2642`) as ns, exactly: at most 6
/// significant fraction digits, no sign, no exponent.
pub fn fractional_ms(text: &str) -> Option<i64> {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) if !f.is_empty() => (i, f),
        Some(_) => return None,
        None => (text, ""),
    };
    if int.is_empty() || int.len() > 13 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 6 {
        return None;
    }
    let ms: i64 = int.parse().ok()?;
    let mut sub = 0i64;
    for i in 0..6 {
        sub = sub * 10 + frac.as_bytes().get(i).map_or(0, |b| (b - b'0') as i64);
    }
    let t = ms.checked_mul(NS_PER_MS)?.checked_add(sub)?;
    (t > 0).then_some(t)
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

    fn other(venue: &'static str, kind: &str) -> Result<Decoded<'static>, DecodeError> {
        Ok(Decoded::Other {
            venue,
            kind: Cow::Owned(kind.to_string()),
        })
    }

    /// Lines of the venues decoded before this one (Binance, Coinbase, OKX, BitMEX, Bybit).
    const OTHER_VENUES: &[&str] = &[
        r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":true}}"#,
        r#"{"type":"match","trade_id":10,"maker_order_id":"a","taker_order_id":"b","side":"sell","size":"0.1","price":"100.5","product_id":"BTC-USD","sequence":5,"time":"2021-04-17T16:43:05.123456Z"}"#,
        r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897"}]}"#,
        r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["1","2","0","1"]],"bids":[],"ts":"1630048897897"}]}"#,
        r#"{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"}}"#,
        r#"{"table":"trade","action":"insert","data":[{"timestamp":"2021-07-22T22:36:11.685Z","symbol":"XBTUSD","side":"Buy","size":100,"price":32180.5,"trdMatchID":"x"}]}"#,
        r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false}]}"#,
        r#"{"success":true,"ret_msg":"","conn_id":"x","request":{"op":"subscribe","args":["trade.BTCUSD"]}}"#,
        r#"[993,[["354.04000000","0.28245396","1618678150.826417","s","m",""]],"trade","XMR/USD"]"#,
        r#"{"event":"info","version":1}"#,
    ];

    #[test]
    fn other_venues_are_not_mine() {
        for line in OTHER_VENUES {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    const URL: Option<&str> = Some("wss://api.gateio.ws/ws/v4/");

    #[test]
    fn spot_trade_every_field() {
        let (r, c) = both(
            r#"{"time":1619093543,"channel":"spot.trades","event":"update","result":{"id":816995772,"create_time":1619093543,"create_time_ms":"1619093543708.2642","side":"sell","currency_pair":"DIS_USDT","amount":"0.2010000000","price":"121.5800000000"}}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "gateio" }));
        assert_eq!(c.trades.len(), 1);
        let t = &c.trades[0];
        assert_eq!(t.venue, "gateio");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "DIS_USDT");
        assert_eq!(t.time, 1_619_093_543_708_264_200);
        assert_eq!(t.price, dec("121.58"));
        assert_eq!(t.size, dec("0.201"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(816995772));
        assert!(t.id_ordered);
        assert!(!t.history);
        assert!(c.skips.is_empty());
        // An array `result`, a buy, a number time, an unknown side.
        let (r, c) = both(
            r#"{"time":1619093546,"channel":"spot.trades","event":"update","result":[{"id":816995970,"create_time":1619093546,"create_time_ms":"1619093546958.116","side":"buy","currency_pair":"NEO_BTC","amount":"0.5000000000","price":"0.0018735000"},{"id":"816995971","create_time_ms":1619093546959,"side":"x","currency_pair":"NEO_BTC","amount":"1","price":"2"}]}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "gateio" }));
        let t = &c.trades[0];
        assert_eq!(t.symbol, "NEO_BTC");
        assert_eq!(t.time, 1_619_093_546_958_116_000);
        assert_eq!(
            (t.side, t.price, t.size),
            (Side::Buy, dec("0.0018735"), dec("0.5"))
        );
        assert_eq!(t.id, TradeId::Num(816995970));
        let t = &c.trades[1];
        assert_eq!(t.time, 1_619_093_546_959_000_000);
        assert_eq!(t.side, Side::Unknown);
        assert_eq!(t.id, TradeId::Num(816995971));
    }

    #[test]
    fn fractional_ms_is_exact() {
        assert_eq!(
            fractional_ms("1619093543708.2642"),
            Some(1_619_093_543_708_264_200)
        );
        assert_eq!(
            fractional_ms("1619093560801.34"),
            Some(1_619_093_560_801_340_000)
        );
        assert_eq!(
            fractional_ms("1619093560801.123456000"),
            Some(1_619_093_560_801_123_456)
        );
        assert_eq!(
            fractional_ms("1619093560801"),
            Some(1_619_093_560_801_000_000)
        );
        for bad in [
            "1619093560801.1234567",
            "",
            ".5",
            "1.",
            "-1",
            "1e3",
            "0",
            "1.2.3",
        ] {
            assert_eq!(fractional_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"time":1619093532,"channel":"spot.trades","event":"subscribe","result":{"status":"success"}}"#,
                None,
                "spot.trades subscribe",
            ),
            (
                r#"{"time":1619093533,"channel":"spot.tickers","event":"update","result":{"currency_pair":"NEO_BTC","last":"0.0018716","lowest_ask":"0.0018734","highest_bid":"0.0018697"}}"#,
                None,
                "spot.tickers update",
            ),
            (
                r#"{"time":1619093534,"channel":"spot.candlesticks","event":"update","result":{"t":"1619093520","v":"0","c":"120.92","h":"120.92","l":"120.92","o":"120.92","n":"1m_DIS_USDT"}}"#,
                None,
                "spot.candlesticks update",
            ),
            (
                r#"{"time":1619093532,"channel":"spot.order_book_update","event":"update","result":{"t":1619093532978,"e":"depthUpdate","E":1619093532,"s":"HAI_ETH","U":2691446,"u":2691446,"b":[["0.00010322","5360.209"]],"a":[]}}"#,
                None,
                "spot.order_book_update update",
            ),
            (
                r#"{"time":1619093532,"channel":"futures.trades","event":"update","result":[{"size":-1,"id":1,"create_time":1,"create_time_ms":1,"price":"1","contract":"BTC_USD"}]}"#,
                None,
                "futures.trades update",
            ),
            (
                r#"{"time":1,"channel":"ping","event":"pong"}"#,
                URL,
                "ping pong",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(r, other("gateio", kind), "{line}");
            assert!(c.trades.is_empty());
        }
        // Poloniex's `{"event":"subscribe","channel":"trades"}` is not Gate's.
        let (r, _) = both(
            r#"{"event":"subscribe","channel":"trades","symbols":["BTC_USDT"]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::NotMine));
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let good = r#"{"id":1,"create_time_ms":"1619093543708.2642","side":"sell","currency_pair":"DIS_USDT","amount":"0.2","price":"121.58"}"#;
        let msg = |row: &str| {
            format!(r#"{{"time":1,"channel":"spot.trades","event":"update","result":{row}}}"#)
        };
        assert!(both(&msg(good), None).0.is_ok());
        for (row, err) in [
            (
                good.replace(r#","price":"121.58""#, ""),
                "gateio trade: `price` is missing",
            ),
            (
                good.replace(r#""amount":"0.2""#, r#""amount":"0""#),
                "gateio trade: `amount` is zero",
            ),
            (
                good.replace("1619093543708.2642", "1619093543708.26421234"),
                "gateio trade: `create_time_ms` is not a timestamp",
            ),
            (
                good.replace(r#""id":1,"#, ""),
                "gateio trade: `id` is missing",
            ),
            (
                good.replace(r#""id":1,"#, r#""id":null,"#),
                "gateio trade: `id` is not an id",
            ),
            (
                good.replace(r#","currency_pair":"DIS_USDT""#, ""),
                "gateio trade: `currency_pair` is missing",
            ),
            ("7".to_string(), "gateio trade: `result` is not an object"),
        ] {
            let (r, _) = both(&msg(&row), None);
            assert_eq!(r.unwrap_err().to_string(), err, "{row}");
        }
    }
}
