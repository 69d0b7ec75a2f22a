//! Deribit (`wss://www.deribit.com/ws/api/v2`): the public `trades.*` channels.
//!
//! - Every message is JSON-RPC 2.0. Channel data arrive as notifications
//!   `{"jsonrpc":"2.0","method":"subscription","params":{"channel":…,"data":…}}`; a trade
//!   message is one whose `params.channel` starts with `trades.`:
//!   `trades.{instrument_name}.{interval}` or `trades.{kind}.{currency}.{interval}` (interval
//!   `raw`, `100ms`, `agg2`). `data` is an array of trades; a kind/currency channel mixes
//!   instruments, so the symbol is each trade's `instrument_name` (kept as sent, e.g.
//!   `BTC-PERPETUAL`, `BTC-24JUN22-40000-C`).
//! - Trade fields: `timestamp` epoch ms (JSON number), `price` and `amount` JSON numbers read
//!   from their exact text. `amount` is as sent: USD contracts on perpetuals/futures (for
//!   BTC 1 contract = 10 USD), the base currency on options; `volume` is in those units.
//! - `direction` `buy`/`sell` is the **taker's** side (Deribit docs: "direction of the
//!   taker"; tardis-node maps it as the trade side); anything else is unknown.
//! - `trade_id` is a string (`"95365830"`, `"ETH-119016545"`): the id, exact (digit strings
//!   become integers), not treated as ordered since its form differs per currency; `trade_seq`
//!   (per instrument) is not used. Optional `liquidation`, `block_trade_id`, `iv`, `mark_price`,
//!   `index_price`, `tick_direction` are ignored: liquidations and block trades are kept as
//!   trades (as tardis-node does).
//! - No replay is documented or labelled on subscribe: no trade is history (the engine's
//!   pre-capture rule still applies to recordings with receive times).
//! - Not trades ([`Decoded::Other`], `kind` = the channel's first part): `book.*`, `ticker.*`,
//!   `incremental_ticker.*`, `chart.trades.*` (candles despite the name), `perpetual.*`,
//!   `deribit_price_index.*`, `user.trades.*` (private fills), `block_rfq.trades.*`, …;
//!   `method:"heartbeat"` notifications (`kind` `heartbeat`) and RPC results/errors, which
//!   carry Deribit's `usIn`/`usOut` (`kind` `response`).

use super::{epoch, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};
use std::borrow::Cow;

pub const VENUE: &str = "deribit";
const TRADE: &str = "deribit trade";

/// First parts of Deribit's public and private subscription channels.
const CHANNELS: [&str; 18] = [
    "trades",
    "book",
    "ticker",
    "incremental_ticker",
    "chart",
    "perpetual",
    "quote",
    "deribit_price_index",
    "deribit_price_ranking",
    "deribit_price_statistics",
    "deribit_volatility_index",
    "estimated_expiration_price",
    "markprice",
    "instrument",
    "platform_state",
    "announcements",
    "block_rfq",
    "user",
];

fn url_is_deribit(url: Option<&str>) -> bool {
    url.is_some_and(|u| u.contains("deribit.com"))
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [jsonrpc, method, params, us_in, result, error] =
        msg.fields(["jsonrpc", "method", "params", "usIn", "result", "error"]);
    if jsonrpc.and_then(|j| j.str()).as_deref() != Some("2.0") {
        return Ok(Decoded::NotMine);
    }
    let deribit_url = url_is_deribit(ctx.url);
    let other = |kind: &'static str| Decoded::Other {
        venue: VENUE,
        kind: Cow::Borrowed(kind),
    };
    let Some(method) = method.and_then(|m| m.str()) else {
        // An RPC reply.
        return Ok(
            if (result.is_some() || error.is_some()) && (us_in.is_some() || deribit_url) {
                other("response")
            } else {
                Decoded::NotMine
            },
        );
    };
    let params = params.filter(|p| p.kind() == Kind::Object);
    if method == "heartbeat" {
        let typ = params.and_then(|p| p.get("type")).and_then(|t| t.str());
        return Ok(
            if matches!(typ.as_deref(), Some("heartbeat" | "test_request")) || deribit_url {
                other("heartbeat")
            } else {
                Decoded::NotMine
            },
        );
    }
    if method != "subscription" {
        return Ok(Decoded::NotMine);
    }
    let Some(params) = params else {
        return Ok(Decoded::NotMine);
    };
    let [channel, data] = params.fields(["channel", "data"]);
    let Some(channel) = channel.and_then(|c| c.str()) else {
        return Ok(Decoded::NotMine);
    };
    let head = channel.split('.').next().unwrap_or("");
    if !(CHANNELS.contains(&head) || deribit_url) {
        return Ok(Decoded::NotMine);
    }
    if head != "trades" {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: match channel {
                Cow::Borrowed(c) => Cow::Borrowed(c.split('.').next().unwrap_or(c)),
                Cow::Owned(c) => Cow::Owned(c.split('.').next().unwrap_or("").to_string()),
            },
        });
    }
    let data = need(data, TRADE, "data")?;
    if data.kind() != Kind::Array {
        return Err(DecodeError::new(TRADE, "data", "is not an array"));
    }
    for t in data.elements() {
        if t.kind() != Kind::Object {
            return Err(DecodeError::new(TRADE, "data", "holds a non-object"));
        }
        let [instrument, timestamp, price, amount, direction, trade_id] = t.fields([
            "instrument_name",
            "timestamp",
            "price",
            "amount",
            "direction",
            "trade_id",
        ]);
        let symbol = string(instrument, TRADE, "instrument_name")?;
        let time = epoch(timestamp, Unit::Millis, TRADE, "timestamp")?;
        let price = positive_decimal(price, TRADE, "price")?;
        let size = positive_decimal(amount, TRADE, "amount")?;
        let side = match direction.and_then(|d| d.str()).as_deref() {
            Some("buy") => Side::Buy,
            Some("sell") => Side::Sell,
            _ => Side::Unknown,
        };
        let id = string(trade_id, TRADE, "trade_id")?;
        out.trade(Trade {
            venue: VENUE,
            stream: 0,
            symbol,
            time,
            price,
            size,
            side,
            id: TradeId::from_text(id),
            id_ordered: false,
            history: false,
        });
    }
    Ok(Decoded::Trades { venue: VENUE })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://www.deribit.com/ws/api/v2");

    #[test]
    fn trades_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw","data":[{"trade_seq":30289442,"trade_id":"48079269","timestamp":1590484156350,"tick_direction":2,"price":8950.0,"mark_price":8948.9,"instrument_name":"BTC-PERPETUAL","index_price":8955.88,"direction":"sell","amount":10.0},{"trade_seq":30289443,"trade_id":"48079270","timestamp":1590484156351,"tick_direction":0,"price":8950.5,"mark_price":8948.9,"instrument_name":"BTC-PERPETUAL","index_price":8955.88,"direction":"buy","amount":1500,"liquidation":"T"}]}}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "deribit" }));
            assert_eq!(c.trades.len(), 2);
            let t = &c.trades[0];
            assert_eq!(t.venue, "deribit");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "BTC-PERPETUAL");
            assert_eq!(t.time, 1_590_484_156_350_000_000);
            assert_eq!(t.price, dec("8950"));
            assert_eq!(t.size, dec("10"));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::Num(48_079_269));
            assert!(!t.id_ordered);
            assert!(!t.history);
            let t = &c.trades[1];
            assert_eq!(t.time, 1_590_484_156_351_000_000);
            assert_eq!(
                (t.price, t.size, t.side, &t.id),
                (
                    dec("8950.5"),
                    dec("1500"),
                    Side::Buy,
                    &TradeId::Num(48_079_270)
                )
            );
        }
        // A kind/currency channel mixes instruments; ETH ids carry a prefix.
        let (r, c) = both(
            r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.ETH.100ms","data":[{"trade_seq":1966031,"trade_id":"ETH-119016545","timestamp":1672531200123,"tick_direction":1,"price":1197.35,"mark_price":1197.4,"instrument_name":"ETH-PERPETUAL","index_price":1196.9,"direction":"buy","amount":2},{"trade_seq":7,"trade_id":"ETH-119016546","timestamp":1672531200124,"price":1198.1,"instrument_name":"ETH-27JAN23","direction":"zero","amount":1}]}}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "deribit" }));
        let t = &c.trades[0];
        assert_eq!(t.symbol, "ETH-PERPETUAL");
        assert_eq!(t.time, 1_672_531_200_123_000_000);
        assert_eq!(
            (t.price, t.size, t.side),
            (dec("1197.35"), dec("2"), Side::Buy)
        );
        assert_eq!(t.id, TradeId::Text(Cow::Borrowed("ETH-119016545")));
        assert!(!t.id_ordered && !t.history);
        let t = &c.trades[1];
        assert_eq!(t.symbol, "ETH-27JAN23");
        assert_eq!(t.side, Side::Unknown);
        assert_eq!(t.id, TradeId::Text(Cow::Borrowed("ETH-119016546")));
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.100ms","data":{"type":"change","timestamp":1590484156350,"instrument_name":"BTC-PERPETUAL","change_id":1,"bids":[],"asks":[]}}}"#,
                None,
                "book",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"chart.trades.BTC-PERPETUAL.1","data":{"volume":0.05,"tick":1554373860000,"open":4000,"low":4000,"high":4000,"cost":2,"close":4000}}}"#,
                None,
                "chart",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms","data":{"timestamp":1590484156350,"last_price":8950.0,"instrument_name":"BTC-PERPETUAL"}}}"#,
                None,
                "ticker",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"user.trades.BTC-PERPETUAL.raw","data":[{"trade_id":"1","price":1,"amount":1}]}}"#,
                None,
                "user",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}"#,
                None,
                "heartbeat",
            ),
            (
                r#"{"jsonrpc":"2.0","id":0,"result":["trades.BTC-PERPETUAL.raw"],"usIn":1590484156000000,"usOut":1590484156000100,"usDiff":100,"testnet":false}"#,
                None,
                "response",
            ),
            (
                r#"{"jsonrpc":"2.0","id":3,"error":{"message":"Invalid params","code":-32602}}"#,
                URL,
                "response",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "deribit",
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
            r#"{"jsonrpc":"2.0","method":"updateTrades","params":{"data":[{"id":1,"price":"1","quantity":"1","side":"buy","timestamp":"2021-04-17T16:43:37.121Z"}],"symbol":"BTCUSD"}}"#,
            r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_BTC_JPY","message":[]}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":true}"#,
            r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":1,"hash":"0x0","tid":1}]}"#,
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
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw","data":[{"trade_id":"1","timestamp":1590484156350,"instrument_name":"BTC-PERPETUAL","direction":"sell","amount":10}]}}"#,
                "deribit trade: `price` is missing",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw","data":[{"trade_id":"1","timestamp":1590484156350,"price":1,"instrument_name":"BTC-PERPETUAL","direction":"sell","amount":0}]}}"#,
                "deribit trade: `amount` is zero",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw","data":[{"trade_id":"1","timestamp":1590484156350.5,"price":1,"instrument_name":"BTC-PERPETUAL","direction":"sell","amount":1}]}}"#,
                "deribit trade: `timestamp` not a timestamp",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw","data":[{"trade_id":48079269,"timestamp":1590484156350,"price":1,"instrument_name":"BTC-PERPETUAL","direction":"sell","amount":1}]}}"#,
                "deribit trade: `trade_id` is not a string",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw","data":[{"trade_id":"1","timestamp":1590484156350,"price":1,"direction":"sell","amount":1}]}}"#,
                "deribit trade: `instrument_name` is missing",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw"}}"#,
                "deribit trade: `data` is missing",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
