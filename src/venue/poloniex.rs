//! Poloniex, the 2022 spot API (`wss://ws.poloniex.com/ws/public`): the `trades` channel.
//!
//! - A trade message is `{"channel":"trades","data":[{"symbol":"BTC_USDT","amount":"248.35…",
//!   "quantity":"0.01149","takerSide":"sell","createTime":1661123520381,"price":"21614.59",
//!   "id":"60184114","ts":1661123520386}]}`. Hyperliquid also sends `channel:"trades"` (rows
//!   with `coin`/`tid`), so without a Poloniex URL a `trades` message is claimed only when its
//!   first row has `takerSide` or `createTime`.
//! - Other messages: channels with `data` (`book_lv2`, `book`, `ticker`, `candles_*`, …) are
//!   [`Decoded::Other`] named by the channel when they carry an `action` or a Poloniex URL;
//!   events (`{"event":"subscribe","channel":"trades","symbols":[…]}`, `pong`, `error`) are
//!   `Other` named by the event when they carry `symbols` or a Poloniex URL.
//! - `createTime` is the trade time, epoch ms (number); `ts` (the push time) is not used.
//! - `price`, `quantity` (base currency) decimal strings; `amount` (quote) is not used.
//! - `takerSide` `buy`/`sell` is the taker side; anything else is unknown.
//! - `id` a digit string, increasing per symbol in the capture: exact id, `id_ordered` when
//!   it is an integer.
//! - No replay on subscribe observed; no history label.

use super::{epoch, id_text, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "poloniex";
const TRADE: &str = "poloniex trade";

fn url_is_poloniex(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("poloniex.com"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let known = url_is_poloniex(ctx.url);
    let [channel, data, event, action, symbols] =
        msg.fields(["channel", "data", "event", "action", "symbols"]);
    if let Some(event) = event.and_then(|e| e.str()) {
        if known || symbols.is_some_and(|s| s.kind() == Kind::Array) {
            return Ok(Decoded::Other {
                venue: VENUE,
                kind: event,
            });
        }
        return Ok(Decoded::NotMine);
    }
    let Some(channel) = channel.and_then(|c| c.str()) else {
        return Ok(Decoded::NotMine);
    };
    let Some(data) = data.filter(|d| d.kind() == Kind::Array) else {
        return Ok(Decoded::NotMine);
    };
    if channel != "trades" {
        if known || action.is_some() {
            return Ok(Decoded::Other {
                venue: VENUE,
                kind: channel,
            });
        }
        return Ok(Decoded::NotMine);
    }
    let shaped = data.at(0).is_some_and(|r| {
        r.kind() == Kind::Object && (r.get("takerSide").is_some() || r.get("createTime").is_some())
    });
    if !(known || shaped) {
        return Ok(Decoded::NotMine);
    }
    for row in data.elements() {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(TRADE, "data", "holds a non-object"));
        }
        let [symbol, quantity, side, time, price, id] = row.fields([
            "symbol",
            "quantity",
            "takerSide",
            "createTime",
            "price",
            "id",
        ]);
        let symbol = string(symbol, TRADE, "symbol")?;
        let time = epoch(time, Unit::Millis, TRADE, "createTime")?;
        let price = positive_decimal(price, TRADE, "price")?;
        let size = positive_decimal(quantity, TRADE, "quantity")?;
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

    const URL: Option<&str> = Some("wss://ws.poloniex.com/ws/public");

    #[test]
    fn trades_every_field() {
        let (r, c) = both(
            r#"{"channel":"trades","data":[{"symbol":"BTC_USDT","amount":"248.3516391","quantity":"0.01149","takerSide":"sell","createTime":1661123520381,"price":"21614.59","id":"60184114","ts":1661123520386},{"symbol":"BTC_USDT","amount":"1","quantity":"2","takerSide":"buy","createTime":1661123520382,"price":"0.5","id":"60184115","ts":1661123520386},{"symbol":"BTC_USDT","quantity":"2","takerSide":"","createTime":"1661123520383","price":"0.5","id":"x1"}]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "poloniex" }));
        assert_eq!(c.trades.len(), 3);
        let t = &c.trades[0];
        assert_eq!(t.venue, "poloniex");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "BTC_USDT");
        assert_eq!(t.time, 1_661_123_520_381_000_000);
        assert_eq!(t.price, dec("21614.59"));
        assert_eq!(t.size, dec("0.01149"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(60184114));
        assert!(t.id_ordered);
        assert!(!t.history);
        let t = &c.trades[1];
        assert_eq!(
            (t.time, t.price, t.size, t.side, t.id.clone()),
            (
                1_661_123_520_382_000_000,
                dec("0.5"),
                dec("2"),
                Side::Buy,
                TradeId::Num(60184115)
            )
        );
        let t = &c.trades[2];
        assert_eq!(t.side, Side::Unknown);
        assert_eq!(t.id, TradeId::Text(Cow::Borrowed("x1")));
        assert!(!t.id_ordered);
        // An empty trades message on a Poloniex URL.
        let (r, c) = both(r#"{"channel":"trades","data":[]}"#, URL);
        assert_eq!(r, Ok(Decoded::Trades { venue: "poloniex" }));
        assert!(c.trades.is_empty());
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"event":"subscribe","channel":"trades","symbols":["BCH_USDT","BTC_USDT"]}"#,
                None,
                "subscribe",
            ),
            (
                r#"{"channel":"book_lv2","data":[{"symbol":"USDJ_USDT","createTime":1661123485852,"asks":[["0.9998","264.0257"]],"bids":[],"lastId":1,"id":2,"ts":1}],"action":"snapshot"}"#,
                None,
                "book_lv2",
            ),
            (r#"{"event":"pong"}"#, URL, "pong"),
            (
                r#"{"channel":"ticker","data":[{"symbol":"BTC_USDT"}]}"#,
                URL,
                "ticker",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(r, other("poloniex", kind), "{line}");
            assert!(c.trades.is_empty());
        }
        // Hyperliquid's trades are not Poloniex's.
        let (r, _) = both(
            r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"72581.0","sz":"0.1","time":1,"hash":"0x0","tid":5}]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::NotMine));
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let good = r#"{"symbol":"BTC_USDT","quantity":"0.01149","takerSide":"sell","createTime":1661123520381,"price":"21614.59","id":"60184114"}"#;
        let msg = |row: &str| format!(r#"{{"channel":"trades","data":[{row}]}}"#);
        assert!(both(&msg(good), None).0.is_ok());
        for (row, err) in [
            (
                good.replace(r#","price":"21614.59""#, ""),
                "poloniex trade: `price` is missing",
            ),
            (good.replace("0.01149", "-1"), "poloniex trade: `quantity` "),
            (
                good.replace("1661123520381", "\"soon\""),
                "poloniex trade: `createTime` ",
            ),
            (
                good.replace(r#","id":"60184114""#, ""),
                "poloniex trade: `id` is missing",
            ),
            (
                good.replace(r#""symbol":"BTC_USDT","#, ""),
                "poloniex trade: `symbol` is missing",
            ),
        ] {
            let (r, _) = both(&msg(&row), None);
            let e = r.unwrap_err().to_string();
            assert!(e.starts_with(err), "{e} for {row}");
        }
    }
}
