//! ProBit (`wss://api.probit.com/api/exchange/v1/ws`): `recent_trades` in the `marketdata`
//! channel, `{"channel":"marketdata","market_id":"ETN-KRW","status":"ok","lag":0,
//! "order_books":[…],"recent_trades":[{"id":"ETN-KRW:58413","price":"36.231",
//! "quantity":"6749.557","time":"2021-04-17T16:52:33.922Z","side":"buy",
//! "tick_direction":"down"}]}`.
//!
//! - Claimed by `channel:"marketdata"` with a `market_id`, or on a ProBit connection (URL host
//!   on `probit.com`). One message carries every filter subscribed (`order_books`,
//!   `recent_trades`, `ticker`); a message whose `recent_trades` is absent or empty carries no
//!   trades ([`Decoded::Other`], `kind` `marketdata`).
//! - The first message per market after subscribing has **`reset: true`** and carries the
//!   last 100 trades (oldest first, days old: 11 days observed): labelled **history**. Later
//!   messages (no `reset`) carry the live trades.
//! - The symbol is the message's `market_id`, as sent. `time` is ISO 8601 UTC with ms;
//!   `price` and `quantity` are decimal strings, exact.
//! - `side` is the **taker's** `buy`/`sell` (anything else is unknown): the one live trade of
//!   PROBIT.ws.66.0, a `buy` of 6749.557 at 36.231, takes the whole `sell` order of that size
//!   and price that entered the book in the message before it.
//! - `id` is `<market_id>:<sequence>`; the sequence increases with time per market, so such
//!   ids are kept as the exact integer and ordered. An id of another form is kept as text,
//!   exact, without order.
//! - Not trades ([`Decoded::Other`]): `marketdata` without trades, and on a ProBit connection
//!   any other message (`kind` = its `channel` or `type`, e.g. `authorization`).

use std::borrow::Cow;

use super::{positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::parse_iso;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "probit";
const TRADE: &str = "probit recent_trades";

fn url_is_probit(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    host == "probit.com" || host.ends_with(".probit.com")
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [channel, market_id, recent, reset, typ] =
        msg.fields(["channel", "market_id", "recent_trades", "reset", "type"]);
    let probit_url = url_is_probit(ctx.url);
    let channel = channel.and_then(|c| c.str());
    if channel.as_deref() != Some("marketdata") || !(market_id.is_some() || probit_url) {
        if !probit_url {
            return Ok(Decoded::NotMine);
        }
        let kind = channel
            .or_else(|| typ.and_then(|t| t.str()))
            .unwrap_or(Cow::Borrowed("message"));
        return Ok(Decoded::Other { venue: VENUE, kind });
    }
    let rows = match recent {
        Some(r) if r.kind() == Kind::Array && !r.is_empty() => r,
        Some(r) if r.kind() != Kind::Array => {
            return Err(DecodeError::new(TRADE, "recent_trades", "is not an array"))
        }
        _ => {
            return Ok(Decoded::Other {
                venue: VENUE,
                kind: Cow::Borrowed("marketdata"),
            })
        }
    };
    let market = string(market_id, TRADE, "market_id")?;
    let history = reset.and_then(|r| r.bool()) == Some(true);
    for row in rows.elements() {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(
                TRADE,
                "recent_trades",
                "holds a non-object",
            ));
        }
        trade(row, market.clone(), history, out)?;
    }
    Ok(Decoded::Trades { venue: VENUE })
}

fn trade<'a, J: JsonView<'a>>(
    row: J,
    market: Cow<'a, str>,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    let [id, price, quantity, time, side] = row.fields(["id", "price", "quantity", "time", "side"]);
    let id = string(id, TRADE, "id")?;
    let text = string(time, TRADE, "time")?;
    let time = parse_iso(&text).map_err(|e| DecodeError::new(TRADE, "time", e.to_string()))?;
    let price = positive_decimal(price, TRADE, "price")?;
    let size = positive_decimal(quantity, TRADE, "quantity")?;
    let side = match side.and_then(|s| s.str()).as_deref() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => Side::Unknown,
    };
    // `<market_id>:<sequence>`: the sequence alone identifies the trade within the series.
    let sequence = id
        .strip_prefix(&*market)
        .and_then(|rest| rest.strip_prefix(':'))
        .map(|digits| TradeId::from_text(Cow::Owned(digits.to_string())))
        .filter(|id| matches!(id, TradeId::Num(_)));
    let (id, id_ordered) = match sequence {
        Some(n) => (n, true),
        None => (TradeId::Text(id), false),
    };
    out.trade(Trade {
        venue: VENUE,
        stream: 0,
        symbol: market,
        time,
        price,
        size,
        side,
        id,
        id_ordered,
        history,
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

    const URL: Option<&str> = Some("wss://api.probit.com/api/exchange/v1/ws");

    #[test]
    fn recent_trades_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"channel":"marketdata","market_id":"ETN-KRW","status":"ok","lag":0,"order_books":[{"side":"buy","price":"36.231","quantity":"0"},{"side":"sell","price":"36.231","quantity":"0"}],"recent_trades":[{"id":"ETN-KRW:58413","price":"36.231","quantity":"6749.557","time":"2021-04-17T16:52:33.922Z","side":"buy","tick_direction":"down"}]}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "probit" }));
            assert_eq!(c.trades.len(), 1);
            let t = &c.trades[0];
            assert_eq!(t.venue, "probit");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "ETN-KRW");
            assert_eq!(t.time, 1_618_678_353_922_000_000);
            assert_eq!(t.price, dec("36.231"));
            assert_eq!(t.size, dec("6749.557"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::Num(58413));
            assert!(t.id_ordered);
            assert!(!t.history);
        }
    }

    #[test]
    fn reset_message_is_history() {
        let (r, c) = both(
            r#"{"channel":"marketdata","market_id":"RM-USDT","status":"ok","lag":0,"order_books":[{"side":"sell","price":"1","quantity":"3185.0099"}],"recent_trades":[{"id":"RM-USDT:146418","price":"0.0027","quantity":"35159.3686","time":"2021-04-10T15:28:03.354Z","side":"sell","tick_direction":"down"},{"id":"RM-USDT:146419","price":"0.0025","quantity":"2537.1287","time":"2021-04-10T15:29:38.984Z","side":"buy","tick_direction":"down"}],"reset":true}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "probit" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[1];
        assert_eq!(t.venue, "probit");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "RM-USDT");
        assert_eq!(t.time, 1_618_068_578_984_000_000);
        assert_eq!(t.price, dec("0.0025"));
        assert_eq!(t.size, dec("2537.1287"));
        assert_eq!(t.side, Side::Buy);
        assert_eq!(t.id, TradeId::Num(146_419));
        assert!(t.id_ordered);
        assert!(t.history && c.trades[0].history);
        assert_eq!(c.trades[0].side, Side::Sell);
    }

    #[test]
    fn ids_of_another_form_stay_text() {
        let (_, c) = both(
            r#"{"channel":"marketdata","market_id":"ETN-KRW","recent_trades":[{"id":"XEM-USDT:7","price":"1","quantity":"1","time":"2021-04-17T16:52:33.922Z","side":"sell"},{"id":"ETN-KRW:0012","price":"1","quantity":"1","time":"2021-04-17T16:52:33.922Z","side":"x"}]}"#,
            None,
        );
        assert_eq!(c.trades[0].id, TradeId::Text("XEM-USDT:7".into()));
        assert!(!c.trades[0].id_ordered);
        assert_eq!(c.trades[1].id, TradeId::Text("ETN-KRW:0012".into()));
        assert_eq!(c.trades[1].side, Side::Unknown);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"channel":"marketdata","market_id":"XEM-USDT","status":"ok","lag":0,"order_books":[{"side":"sell","price":"0.4705","quantity":"0"}],"recent_trades":[]}"#,
                None,
                "marketdata",
            ),
            (
                r#"{"channel":"marketdata","market_id":"XEM-USDT","status":"ok","lag":0,"ticker":{"time":"2021-04-17T16:52:33.000Z","last":"0.47","low":"0.44","high":"0.49","change":"0.01","base_volume":"1","quote_volume":"0.47"}}"#,
                None,
                "marketdata",
            ),
            (
                r#"{"type":"authorization","result":"ok"}"#,
                URL,
                "authorization",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "probit",
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
            r#"{"channel":"trades","data":[{"symbol":"BTC_USDT","amount":"70.2","takerSide":"buy","quantity":"0.0021","createTime":1648042510000,"price":"33428.72","id":"60014999","ts":1648042510049}]}"#,
            r#"{"channel":"marketdata","recent_trades":[]}"#,
            r#"{"type":"authorization","result":"ok"}"#,
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
                r#"{"channel":"marketdata","market_id":"ETN-KRW","recent_trades":[{"id":"ETN-KRW:1","quantity":"1","time":"2021-04-17T16:52:33.922Z","side":"buy"}]}"#,
                "probit recent_trades: `price` is missing",
            ),
            (
                r#"{"channel":"marketdata","market_id":"ETN-KRW","recent_trades":[{"id":"ETN-KRW:1","price":"1","quantity":"0","time":"2021-04-17T16:52:33.922Z","side":"buy"}]}"#,
                "probit recent_trades: `quantity` is zero",
            ),
            (
                r#"{"channel":"marketdata","market_id":"ETN-KRW","recent_trades":[{"id":"ETN-KRW:1","price":"1","quantity":"1","time":"yesterday","side":"buy"}]}"#,
                "probit recent_trades: `time` not a timestamp",
            ),
            (
                r#"{"channel":"marketdata","market_id":"ETN-KRW","recent_trades":[{"id":7,"price":"1","quantity":"1","time":"2021-04-17T16:52:33.922Z","side":"buy"}]}"#,
                "probit recent_trades: `id` is not a string",
            ),
            (
                r#"{"channel":"marketdata","market_id":"ETN-KRW","recent_trades":{"id":"x"}}"#,
                "probit recent_trades: `recent_trades` is not an array",
            ),
            (
                r#"{"channel":"marketdata","market_id":"ETN-KRW","recent_trades":[[1]]}"#,
                "probit recent_trades: `recent_trades` holds a non-object",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
