//! bitFlyer Lightning realtime API (`wss://ws.lightstream.bitflyer.com/json-rpc`): the
//! `lightning_executions_<CODE>` channel.
//!
//! - Messages are JSON-RPC 2.0 notifications `{"jsonrpc":"2.0","method":"channelMessage",
//!   "params":{"channel":"lightning_executions_FX_BTC_JPY","message":[{"id":2284079807,
//!   "side":"BUY","price":5860832.0,"size":0.01,"exec_date":"2021-12-12T23:05:29.9692063Z",
//!   "buy_child_order_acceptance_id":"…","sell_child_order_acceptance_id":"…"}]}}`. Claimed by
//!   `method:"channelMessage"` with a `params.channel` string starting `lightning_` (HitBTC's
//!   JSON-RPC methods are different), or on a bitflyer.com connection.
//! - The symbol is the channel's `<CODE>` part, as is (`FX_BTC_JPY`, `BTCJPY24DEC2021`).
//! - `exec_date` is ISO with 7 fraction digits (6 also observed: trailing zero dropped),
//!   read to 100 ns; `price`/`size` are JSON numbers read from their exact text.
//! - `side` is the taker's side, `BUY`/`SELL`; anything else (empty during itayose auctions)
//!   is unknown, as in tardis-node.
//! - `id` (integer) is the trade id; in BITFLYER.ws.1.0 ids increase with `exec_date` per
//!   symbol, so ids are ordered.
//! - Not trades ([`Decoded::Other`]): the other `lightning_` channels (`kind` =
//!   `lightning_board_snapshot`, `lightning_board`, `lightning_ticker`, or `channelMessage`),
//!   and on a bitFlyer connection any other JSON-RPC message (`kind` = its method, or
//!   `response`).

use std::borrow::Cow;

use super::{need, positive_decimal, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::parse_iso;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "bitflyer";
const TRADE: &str = "bitflyer execution";
const EXECUTIONS: &str = "lightning_executions_";

fn url_is_bitflyer(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("bitflyer.com"))
}

/// The part of `s` after `prefix`, keeping a borrow when there is one.
fn after<'a>(s: &Cow<'a, str>, prefix: usize) -> Cow<'a, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(&b[prefix..]),
        Cow::Owned(o) => Cow::Owned(o[prefix..].to_string()),
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
    let [method, params, jsonrpc] = msg.fields(["method", "params", "jsonrpc"]);
    let url = url_is_bitflyer(ctx.url);
    let method = method.and_then(|m| m.str());
    let channel = params
        .filter(|p| p.kind() == Kind::Object)
        .and_then(|p| p.get("channel"))
        .and_then(|c| c.str());
    match (method.as_deref(), channel) {
        (Some("channelMessage"), Some(channel)) if channel.starts_with("lightning_") || url => {
            if let Some(code) = channel.strip_prefix(EXECUTIONS) {
                if code.is_empty() {
                    return Err(DecodeError::new(TRADE, "channel", "has no product code"));
                }
                let symbol = after(&channel, EXECUTIONS.len());
                let rows = need(params.and_then(|p| p.get("message")), TRADE, "message")?;
                if rows.kind() != Kind::Array {
                    return Err(DecodeError::new(TRADE, "message", "is not an array"));
                }
                for row in rows.elements() {
                    if row.kind() != Kind::Object {
                        return Err(DecodeError::new(TRADE, "message", "holds a non-object"));
                    }
                    execution(row, symbol.clone(), out)?;
                }
                return Ok(Decoded::Trades { venue: VENUE });
            }
            let kind = [
                "lightning_board_snapshot",
                "lightning_board",
                "lightning_ticker",
            ]
            .into_iter()
            .find(|k| channel.strip_prefix(k).is_some_and(|r| r.starts_with('_')))
            .unwrap_or("channelMessage");
            Ok(Decoded::Other {
                venue: VENUE,
                kind: Cow::Borrowed(kind),
            })
        }
        _ if url && (jsonrpc.is_some() || method.is_some()) => Ok(Decoded::Other {
            venue: VENUE,
            kind: method.unwrap_or(Cow::Borrowed("response")),
        }),
        _ => Ok(Decoded::NotMine),
    }
}

fn execution<'a, J: JsonView<'a>>(
    t: J,
    symbol: Cow<'a, str>,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    let [id, side, price, size, exec_date] = t.fields(["id", "side", "price", "size", "exec_date"]);
    let date = need(exec_date, TRADE, "exec_date")?
        .str()
        .ok_or_else(|| DecodeError::new(TRADE, "exec_date", "is not a string"))?;
    let time = parse_iso(&date).map_err(|e| DecodeError::new(TRADE, "exec_date", e.to_string()))?;
    let price = positive_decimal(price, TRADE, "price")?;
    let size = positive_decimal(size, TRADE, "size")?;
    let side = match side.and_then(|s| s.str()).as_deref() {
        Some("BUY") => Side::Buy,
        Some("SELL") => Side::Sell,
        _ => Side::Unknown,
    };
    let id = need(id, TRADE, "id")?;
    let id = match id.kind() {
        Kind::Number => id.number_text(),
        _ => None,
    }
    .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
    .ok_or_else(|| DecodeError::new(TRADE, "id", "is not an integer id"))?;
    out.trade(Trade {
        venue: VENUE,
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

    const URL: Option<&str> = Some("wss://ws.lightstream.bitflyer.com/json-rpc");

    #[test]
    fn execution_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_FX_BTC_JPY","message":[{"id":2284079807,"side":"BUY","price":5860832.0,"size":0.01,"exec_date":"2021-12-12T23:05:29.9692063Z","buy_child_order_acceptance_id":"JRF20211212-230529-223057","sell_child_order_acceptance_id":"JRF20211212-230529-081757"},{"id":2284079808,"side":"SELL","price":5860831.5,"size":1.5e-2,"exec_date":"2021-12-12T23:05:30.589596Z","buy_child_order_acceptance_id":"a","sell_child_order_acceptance_id":"b"},{"id":2284079809,"side":"","price":95.96,"size":918.992246,"exec_date":"2021-12-12T23:05:31Z"}]}}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "bitflyer" }));
            assert_eq!(c.trades.len(), 3);
            assert!(c.skips.is_empty());
            let t = &c.trades[0];
            assert_eq!(t.venue, "bitflyer");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "FX_BTC_JPY");
            assert_eq!(t.time, 1_639_350_329_969_206_300);
            assert_eq!(t.price, dec("5860832.0"));
            assert_eq!(t.size, dec("0.01"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::Num(2_284_079_807));
            assert!(t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(t.symbol, "FX_BTC_JPY");
            assert_eq!(t.time, 1_639_350_330_589_596_000);
            assert_eq!(t.price, dec("5860831.5"));
            assert_eq!(t.size, dec("0.015"));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::Num(2_284_079_808));
            assert!(t.id_ordered && !t.history);
            let t = &c.trades[2];
            assert_eq!(t.time, 1_639_350_331_000_000_000);
            assert_eq!((t.price, t.size), (dec("95.96"), dec("918.992246")));
            assert_eq!(t.side, Side::Unknown);
            assert_eq!(t.id, TradeId::Num(2_284_079_809));
        }
        let (_, c) = both(
            r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_BTCJPY24DEC2021","message":[{"id":1,"side":"ITAYOSE","price":1,"size":2,"exec_date":"2021-12-12T23:05:29.9692063Z"}]}}"#,
            None,
        );
        assert_eq!(c.trades[0].symbol, "BTCJPY24DEC2021");
        assert_eq!(c.trades[0].side, Side::Unknown);
        let (r, c) = both(
            r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_BTC_JPY","message":[]}}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bitflyer" }));
        assert!(c.trades.is_empty());
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_board_FX_BTC_JPY","message":{"mid_price":96.02,"bids":[{"price":95.96,"size":19638.237973}],"asks":[]}}}"#,
                None,
                "lightning_board",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_board_snapshot_XRP_JPY","message":{"mid_price":96.02,"bids":[],"asks":[]}}}"#,
                None,
                "lightning_board_snapshot",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_ticker_BTC_USD","message":{"product_code":"BTC_USD","best_bid":1}}}"#,
                None,
                "lightning_ticker",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"child_order_events","message":[]}}"#,
                URL,
                "channelMessage",
            ),
            (r#"{"jsonrpc":"2.0","id":1,"result":true}"#, URL, "response"),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "bitflyer",
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
            r#"{"jsonrpc":"2.0","method":"updateTrades","params":{"data":[{"id":1307176266,"price":"0.00011574","quantity":"1.57","side":"sell","timestamp":"2021-07-03T00:56:18.293Z"}],"symbol":"EOSBTC"}}"#,
            r#"{"jsonrpc":"2.0","result":true,"id":1}"#,
            r#"{"method":"subscribe","params":{"channel":"lightning_executions_XLM_JPY"}}"#,
            r#"{"method":"channelMessage","params":{"channel":"trades","message":[]}}"#,
            r#"[1,2]"#,
        ] {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_executions_are_errors_naming_the_field() {
        let msg = |row: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","method":"channelMessage","params":{{"channel":"lightning_executions_BTC_JPY","message":[{row}]}}}}"#
            )
        };
        for (line, err) in [
            (
                msg(r#"{"id":1,"side":"BUY","size":1,"exec_date":"2021-12-12T23:05:29.9692063Z"}"#),
                "bitflyer execution: `price` is missing",
            ),
            (
                msg(r#"{"id":1,"side":"BUY","price":1,"size":0,"exec_date":"2021-12-12T23:05:29.9692063Z"}"#),
                "bitflyer execution: `size` is zero",
            ),
            (
                msg(r#"{"id":1,"side":"BUY","price":1,"size":1,"exec_date":1639350329}"#),
                "bitflyer execution: `exec_date` is not a string",
            ),
            (
                msg(r#"{"id":1,"side":"BUY","price":1,"size":1}"#),
                "bitflyer execution: `exec_date` is missing",
            ),
            (
                msg(r#"{"id":"1","side":"BUY","price":1,"size":1,"exec_date":"2021-12-12T23:05:29Z"}"#),
                "bitflyer execution: `id` is not an integer id",
            ),
            (
                msg(r#"{"side":"BUY","price":1,"size":1,"exec_date":"2021-12-12T23:05:29Z"}"#),
                "bitflyer execution: `id` is missing",
            ),
            (msg("1"), "bitflyer execution: `message` holds a non-object"),
            (
                r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_BTC_JPY","message":{}}}"#.to_string(),
                "bitflyer execution: `message` is not an array",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_","message":[]}}"#.to_string(),
                "bitflyer execution: `channel` has no product code",
            ),
        ] {
            let (r, _) = both(&line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
        let (r, _) = both(
            &msg(r#"{"id":1,"side":"BUY","price":1,"size":1,"exec_date":"2021-12-12 x"}"#),
            URL,
        );
        assert!(r
            .unwrap_err()
            .to_string()
            .starts_with("bitflyer execution: `exec_date` "));
    }
}
