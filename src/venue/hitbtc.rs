//! HitBTC and its white labels: HitBTC/Bequant API v2 (JSON-RPC `snapshotTrades` /
//! `updateTrades`) and API v3 as used by FMFW (`{"ch":"trades","snapshot"|"update":…}`).
//!
//! - **Venue** from the connection URL's host: `bequant` on `bequant.io`, `fmfw` on
//!   `fmfw.io`, else `hitbtc` (also without a URL, whichever API version).
//! - **v2** (`wss://api.hitbtc.com/api/2/ws`, `wss://api.bequant.io/api/2/ws/public`):
//!   `{"jsonrpc":"2.0","method":"updateTrades","params":{"data":[{"id":1307176266,
//!   "price":"0.00011574","quantity":"1.57","side":"sell","timestamp":"2021-07-03T00:56:18.293Z"}],
//!   "symbol":"EOSBTC"}}`. A `jsonrpc` message is claimed when its `method` is one of the v2
//!   market-data notifications (`snapshotTrades`, `updateTrades`, `ticker`,
//!   `snapshotOrderbook`, `updateOrderbook`, `snapshotCandles`, `updateCandles`); responses
//!   (`{"jsonrpc":"2.0","result":true,"id":…}`, errors) only on a HitBTC/Bequant/FMFW URL,
//!   since bitFlyer also speaks JSON-RPC 2.0. Non-trade methods are [`Decoded::Other`] named
//!   by the method, responses `response`.
//! - `snapshotTrades` is sent on subscribing and holds the last 100 trades, up to 41 days old
//!   (formats.md): labelled **history**. `updateTrades` holds live trades.
//! - v2 fields: `timestamp` ISO ms; `price`, `quantity` decimal strings; `side` the taker side
//!   (`buy`/`sell`, anything else unknown); `id` an integer increasing per symbol
//!   (`id_ordered`). The symbol is `params.symbol`.
//! - **v3** (`wss://api.fmfw.io/api/3/ws/public`, HitBTC v3): `{"ch":"trades","update":
//!   {"NEOBTC":[{"t":1633806855208,"i":1633806855208,"p":"0.0008788","q":"0.20","s":"sell"}]}}`:
//!   the object's keys are the symbols. `snapshot` instead of `update` is labelled
//!   **history** (none was observed in the FMFW capture). `t` epoch ms (number), `p`, `q`
//!   decimal strings, `s` taker side, `i` the integer trade id (`id_ordered`). In the FMFW
//!   capture every `i` equals its `t`; the id is still taken as the venue documents it, so
//!   two different trades of one symbol with the same `i` would be deduplicated.
//! - v3 non-trade messages: other `ch` channels (`ticker/1s`, `orderbook/full`,
//!   `candles/M1`, …, with `data`/`snapshot`/`update`) are [`Decoded::Other`] named by the
//!   channel; subscription results `{"result":{"ch":…,"subscriptions":[…]},"id":…}` are
//!   `subscription`.

use std::borrow::Cow;

use super::{epoch, id_text, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::{parse_iso, Unit};
use crate::trade::{Side, Trade, TradeId};

const V2_TRADE: &str = "hitbtc trade";
const V3_TRADE: &str = "hitbtc v3 trade";

fn host(url: Option<&str>) -> Option<&str> {
    let url = url?;
    url.split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
}

fn on(h: &str, d: &str) -> bool {
    h == d || h.ends_with(&format!(".{d}"))
}

/// Venue name from the connection URL's host (`hitbtc` when unknown).
pub fn venue_for_url(url: Option<&str>) -> &'static str {
    match host(url) {
        Some(h) if on(h, "bequant.io") => "bequant",
        Some(h) if on(h, "fmfw.io") => "fmfw",
        _ => "hitbtc",
    }
}

fn url_is_hitbtc(url: Option<&str>) -> bool {
    host(url).is_some_and(|h| {
        ["hitbtc.com", "bequant.io", "fmfw.io"]
            .iter()
            .any(|d| on(h, d))
    })
}

const V2_METHODS: &[&str] = &[
    "snapshotTrades",
    "updateTrades",
    "ticker",
    "snapshotOrderbook",
    "updateOrderbook",
    "snapshotCandles",
    "updateCandles",
];

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let venue = venue_for_url(ctx.url);
    let [jsonrpc, method, params, ch, result] =
        msg.fields(["jsonrpc", "method", "params", "ch", "result"]);
    if let Some(rpc) = jsonrpc.and_then(|j| j.str()) {
        if rpc != "2.0" {
            return Ok(Decoded::NotMine);
        }
        let Some(method) = method.and_then(|m| m.str()) else {
            return Ok(if url_is_hitbtc(ctx.url) {
                Decoded::Other {
                    venue,
                    kind: Cow::Borrowed("response"),
                }
            } else {
                Decoded::NotMine
            });
        };
        if !V2_METHODS.contains(&method.as_ref()) {
            return Ok(if url_is_hitbtc(ctx.url) {
                Decoded::Other {
                    venue,
                    kind: method,
                }
            } else {
                Decoded::NotMine
            });
        }
        let history = match method.as_ref() {
            "snapshotTrades" => true,
            "updateTrades" => false,
            _ => {
                return Ok(Decoded::Other {
                    venue,
                    kind: method,
                })
            }
        };
        return v2_trades(need(params, V2_TRADE, "params")?, venue, history, out);
    }
    if let Some(ch) = ch.and_then(|c| c.str()) {
        let [update, snapshot, data, m, tick] =
            msg.fields(["update", "snapshot", "data", "m", "tick"]);
        let body = [update, snapshot, data]
            .into_iter()
            .flatten()
            .find(|b| b.kind() == Kind::Object);
        if m.is_some() || tick.is_some() || body.is_none() {
            return Ok(Decoded::NotMine);
        }
        if ch != "trades" {
            return Ok(Decoded::Other { venue, kind: ch });
        }
        let (body, history) = match (update, snapshot) {
            (Some(u), None) => (u, false),
            (None, Some(s)) => (s, true),
            _ => {
                return Err(DecodeError::new(
                    V3_TRADE,
                    "update",
                    "is missing (or comes with snapshot)",
                ))
            }
        };
        return v3_trades(body, venue, history, out);
    }
    // v3 subscription result: {"result":{"ch":"trades","subscriptions":[…]},"id":…}
    if let Some(r) = result.filter(|r| r.kind() == Kind::Object) {
        let [rch, subs] = r.fields(["ch", "subscriptions"]);
        if rch.and_then(|c| c.str()).is_some() && subs.is_some() {
            return Ok(Decoded::Other {
                venue,
                kind: Cow::Borrowed("subscription"),
            });
        }
    }
    Ok(Decoded::NotMine)
}

fn side_of<'a, J: JsonView<'a>>(v: Option<J>) -> Side {
    match v.and_then(|s| s.str()).as_deref() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => Side::Unknown,
    }
}

fn id_of<'a, J: JsonView<'a>>(
    v: Option<J>,
    what: &'static str,
    field: &'static str,
) -> Result<TradeId<'a>, DecodeError> {
    let v = need(v, what, field)?;
    match (v.kind(), id_text(v)) {
        (Kind::Number | Kind::String, Some(t)) if !t.is_empty() => Ok(TradeId::from_text(t)),
        _ => Err(DecodeError::new(what, field, "is not an id")),
    }
}

fn v2_trades<'a, J: JsonView<'a>>(
    params: J,
    venue: &'static str,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    let [data, symbol] = params.fields(["data", "symbol"]);
    let data = need(data, V2_TRADE, "data")?;
    if data.kind() != Kind::Array {
        return Err(DecodeError::new(V2_TRADE, "data", "is not an array"));
    }
    for row in data.elements() {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(V2_TRADE, "data", "holds a non-object"));
        }
        let [id, price, quantity, side, ts] =
            row.fields(["id", "price", "quantity", "side", "timestamp"]);
        let symbol = string(symbol, V2_TRADE, "symbol")?;
        let ts = string(ts, V2_TRADE, "timestamp")?;
        let time =
            parse_iso(&ts).map_err(|e| DecodeError::new(V2_TRADE, "timestamp", e.to_string()))?;
        let price = positive_decimal(price, V2_TRADE, "price")?;
        let size = positive_decimal(quantity, V2_TRADE, "quantity")?;
        let id = id_of(id, V2_TRADE, "id")?;
        let id_ordered = matches!(id, TradeId::Num(_));
        out.trade(Trade {
            venue,
            stream: 0,
            symbol,
            time,
            price,
            size,
            side: side_of(side),
            id,
            id_ordered,
            history,
        });
    }
    Ok(Decoded::Trades { venue })
}

fn v3_trades<'a, J: JsonView<'a>>(
    body: J,
    venue: &'static str,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if body.kind() != Kind::Object {
        return Err(DecodeError::new(V3_TRADE, "update", "is not an object"));
    }
    for (symbol, rows) in body.members() {
        if symbol.is_empty() {
            return Err(DecodeError::new(V3_TRADE, "symbol", "is empty"));
        }
        if rows.kind() != Kind::Array {
            return Err(DecodeError::new(V3_TRADE, "update", "is not an array"));
        }
        for row in rows.elements() {
            if row.kind() != Kind::Object {
                return Err(DecodeError::new(V3_TRADE, "update", "holds a non-object"));
            }
            let [t, i, p, q, s] = row.fields(["t", "i", "p", "q", "s"]);
            let time = epoch(t, Unit::Millis, V3_TRADE, "t")?;
            let price = positive_decimal(p, V3_TRADE, "p")?;
            let size = positive_decimal(q, V3_TRADE, "q")?;
            let id = id_of(i, V3_TRADE, "i")?;
            let id_ordered = matches!(id, TradeId::Num(_));
            out.trade(Trade {
                venue,
                stream: 0,
                symbol: symbol.clone(),
                time,
                price,
                size,
                side: side_of(s),
                id,
                id_ordered,
                history,
            });
        }
    }
    Ok(Decoded::Trades { venue })
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

    const BEQUANT: Option<&str> = Some("wss://api.bequant.io/api/2/ws/public");
    const FMFW: Option<&str> = Some("wss://api.fmfw.io/api/3/ws/public");

    #[test]
    fn v2_update_trades_every_field() {
        let line = r#"{"jsonrpc":"2.0","method":"updateTrades","params":{"data":[{"id":1307176266,"price":"0.00011574","quantity":"1.57","side":"sell","timestamp":"2021-07-03T00:56:18.293Z"},{"id":1307176267,"price":"0.00011575","quantity":"2","side":"buy","timestamp":"2021-07-03T00:56:18.294Z"}],"symbol":"EOSBTC"}}"#;
        let (r, c) = both(line, BEQUANT);
        assert_eq!(r, Ok(Decoded::Trades { venue: "bequant" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[0];
        assert_eq!(t.venue, "bequant");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "EOSBTC");
        assert_eq!(t.time, 1_625_273_778_293_000_000);
        assert_eq!(t.price, dec("0.00011574"));
        assert_eq!(t.size, dec("1.57"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(1307176266));
        assert!(t.id_ordered);
        assert!(!t.history);
        let t = &c.trades[1];
        assert_eq!(
            (t.time, t.side, t.price, t.size, t.id.clone()),
            (
                1_625_273_778_294_000_000,
                Side::Buy,
                dec("0.00011575"),
                dec("2"),
                TradeId::Num(1307176267)
            )
        );
        // Without a URL, and on hitbtc.com: hitbtc.
        let (r, c) = both(line, None);
        assert_eq!(r, Ok(Decoded::Trades { venue: "hitbtc" }));
        assert_eq!(c.trades[0].venue, "hitbtc");
        let (r, _) = both(line, Some("wss://api.hitbtc.com/api/2/ws"));
        assert_eq!(r, Ok(Decoded::Trades { venue: "hitbtc" }));
    }

    #[test]
    fn v2_snapshot_is_history() {
        let (r, c) = both(
            r#"{"jsonrpc":"2.0","method":"snapshotTrades","params":{"data":[{"id":1307123911,"price":"33707.94","quantity":"0.00678","side":"buy","timestamp":"2021-07-02T23:40:45.254Z"},{"id":1307124294,"price":"33704.92","quantity":"0.17028","side":"x","timestamp":"2021-07-02T23:41:22.280Z"}],"symbol":"BTCTUSD"}}"#,
            BEQUANT,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "bequant" }));
        let t = &c.trades[0];
        assert_eq!(t.symbol, "BTCTUSD");
        assert_eq!(t.time, 1_625_269_245_254_000_000);
        assert_eq!((t.price, t.size), (dec("33707.94"), dec("0.00678")));
        assert_eq!(t.side, Side::Buy);
        assert_eq!(t.id, TradeId::Num(1307123911));
        assert!(t.id_ordered);
        assert!(t.history);
        assert_eq!(c.trades[1].side, Side::Unknown);
        assert!(c.trades[1].history);
    }

    #[test]
    fn v3_update_and_snapshot_every_field() {
        let (r, c) = both(
            r#"{"ch":"trades","update":{"HTBTC":[{"t":1633806855209,"i":77,"p":"0.00014177","q":"3","s":"buy"}],"NEOBTC":[{"t":1633806855208,"i":1633806855208,"p":"0.0008788","q":"0.20","s":"sell"}]}}"#,
            FMFW,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "fmfw" }));
        // Symbols in key order (serde_json's map sorts keys, so the test keeps them sorted).
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[1];
        assert_eq!(t.venue, "fmfw");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "NEOBTC");
        assert_eq!(t.time, 1_633_806_855_208_000_000);
        assert_eq!(t.price, dec("0.0008788"));
        assert_eq!(t.size, dec("0.2"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(1633806855208));
        assert!(t.id_ordered);
        assert!(!t.history);
        let t = &c.trades[0];
        assert_eq!(t.symbol, "HTBTC");
        assert_eq!((t.side, t.id.clone()), (Side::Buy, TradeId::Num(77)));
        let (r, c) = both(
            r#"{"ch":"trades","snapshot":{"NEOBTC":[{"t":1633806800000,"i":5,"p":"0.0008","q":"1","s":"buy"}]}}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "hitbtc" }));
        assert!(c.trades[0].history);
        assert_eq!(c.trades[0].time, 1_633_806_800_000_000_000);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, venue, kind) in [
            (
                r#"{"jsonrpc":"2.0","method":"ticker","params":{"ask":"33518.51","bid":"33511.44","last":"33517.54","timestamp":"2021-07-03T00:56:17.659Z","symbol":"BTCTUSD"}}"#,
                None,
                "hitbtc",
                "ticker",
            ),
            (
                r#"{"jsonrpc":"2.0","method":"updateOrderbook","params":{"ask":[],"bid":[{"price":"33539.52","size":"0"}],"sequence":12626587,"timestamp":"2021-07-03T00:56:17.658Z","symbol":"BTCUSDB"}}"#,
                BEQUANT,
                "bequant",
                "updateOrderbook",
            ),
            (
                r#"{"jsonrpc":"2.0","result":true,"id":"BEQUANT.ws.1"}"#,
                BEQUANT,
                "bequant",
                "response",
            ),
            (
                r#"{"ch":"ticker/1s","data":{"NEOBTC":{"t":1633806854642,"a":"0.0008790","b":"0.0008785"}}}"#,
                FMFW,
                "fmfw",
                "ticker/1s",
            ),
            (
                r#"{"ch":"orderbook/full","update":{"NEOBTC":{"t":1633806854817,"s":1498337,"a":[["0.0008842","94.00"]],"b":[]}}}"#,
                None,
                "hitbtc",
                "orderbook/full",
            ),
            (
                r#"{"result":{"ch":"trades","subscriptions":["NEOBTC","EOSUSDT"]},"id":1234}"#,
                FMFW,
                "fmfw",
                "subscription",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(r, other(venue, kind), "{line}");
            assert!(c.trades.is_empty());
        }
        // bitFlyer's JSON-RPC, Huobi's `ch`, AscendEX's `ch` ack: not HitBTC's.
        for line in [
            r#"{"jsonrpc":"2.0","method":"channelMessage","params":{"channel":"lightning_executions_FX_BTC_JPY","message":[]}}"#,
            r#"{"jsonrpc":"2.0","result":true,"id":1}"#,
            r#"{"ch":"market.btcusdt.trade.detail","ts":1,"tick":{"id":1,"ts":1,"data":[]}}"#,
            r#"{"m":"sub","ch":"trades:BTC-PERP","code":0}"#,
        ] {
            let (r, _) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let v2 = |row: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","method":"updateTrades","params":{{"data":[{row}],"symbol":"EOSBTC"}}}}"#
            )
        };
        let v3 = |row: &str| format!(r#"{{"ch":"trades","update":{{"NEOBTC":[{row}]}}}}"#);
        let good2 = r#"{"id":1,"price":"1","quantity":"1.57","side":"sell","timestamp":"2021-07-03T00:56:18.293Z"}"#;
        let good3 = r#"{"t":1633806855208,"i":1,"p":"0.0008788","q":"0.20","s":"sell"}"#;
        assert!(both(&v2(good2), None).0.is_ok());
        assert!(both(&v3(good3), None).0.is_ok());
        for (line, err) in [
            (
                v2(&good2.replace(r#""price":"1","#, "")),
                "hitbtc trade: `price` is missing",
            ),
            (
                v2(&good2.replace("1.57", "0")),
                "hitbtc trade: `quantity` is zero",
            ),
            (
                v2(&good2.replace("2021-07-03T00:56:18.293Z", "soon")),
                "hitbtc trade: `timestamp` not a timestamp",
            ),
            (
                v2(&good2.replace(r#""id":1,"#, "")),
                "hitbtc trade: `id` is missing",
            ),
            (
                v2(good2).replace(r#","symbol":"EOSBTC""#, ""),
                "hitbtc trade: `symbol` is missing",
            ),
            (
                v3(&good3.replace(r#","p":"0.0008788""#, "")),
                "hitbtc v3 trade: `p` is missing",
            ),
            (
                v3(&good3.replace(r#""t":1633806855208"#, r#""t":"x""#)),
                "hitbtc v3 trade: `t` not a timestamp",
            ),
            (
                v3(&good3.replace(r#""i":1,"#, r#""i":[],"#)),
                "hitbtc v3 trade: `i` is not an id",
            ),
        ] {
            let (r, _) = both(&line, None);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
