//! OKX v5 and OKCoin v5 (same format): the `trades` and `trades-all` channels,
//! `{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId","tradeId","px","sz","side","ts"}]}`.
//!
//! - Venue `okcoin` when the connection URL's host is on `okcoin.com`, else `okx` (also
//!   without a URL, and for the old `okex.com` hosts).
//! - A message with an `event` key (`subscribe`, `unsubscribe`, `error`, `login` acks) is
//!   never a trade message, even though it carries `arg`: it is [`Decoded::Other`], as are the
//!   other channels (`tickers`, `books*`, `candle*`, `mark-price`, `funding-rate`, ...).
//!   Without an OKX/OKCoin URL only channel names OKX alone uses are claimed, since Bitget
//!   sends the same `{"arg":{"channel":…},"data":…}` envelope (with `trade`, `books`, ...).
//! - `side` is the taker side (`buy`/`sell`; anything else is [`Side::Unknown`]); `ts` is
//!   epoch ms in a string; `px` and `sz` are decimal strings, `sz` in contracts for SWAP,
//!   FUTURES and OPTION instruments (kept as sent).
//! - `tradeId` is a digit string that increases per instrument, so ids order trades of one
//!   instant (`id_ordered`). On `trades` it is the last id of an aggregated taker order.
//! - Streams: `trades-all` pushes every fill, `trades` aggregates fills of one taker order;
//!   both report the same fills, so a capture holding both would double count. They are kept
//!   apart as streams and the bars use **`trades-all` (rank 0) over `trades` (rank 1)**,
//!   because `trades-all` is the complete, unaggregated one.
//! - After subscribing, OKX and OKCoin push the latest trade even if old, unlabelled: the
//!   engine's pre-capture rule leaves it out, nothing is done here.

use super::{epoch, id_text, need, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

/// Venue name from the connection URL's host.
pub fn venue_for_url(url: Option<&str>) -> &'static str {
    match host(url) {
        Some(h) if h == "okcoin.com" || h.ends_with(".okcoin.com") => "okcoin",
        _ => "okx",
    }
}

fn host(url: Option<&str>) -> Option<&str> {
    let url = url?;
    url.split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
}

/// Is the connection an OKX / OKCoin one?
fn url_is_okx(url: Option<&str>) -> bool {
    host(url).is_some_and(|h| {
        ["okx.com", "okex.com", "okcoin.com"]
            .iter()
            .any(|d| h == *d || h.ends_with(&format!(".{d}")))
    })
}

/// Channels only OKX/OKCoin name this way (Bitget, which shares the envelope, does not).
const OKX_ONLY_CHANNELS: &[&str] = &[
    "tickers",
    "bbo-tbt",
    "books-l2-tbt",
    "books50-l2-tbt",
    "mark-price",
    "funding-rate",
    "open-interest",
    "price-limit",
    "index-tickers",
    "liquidation-orders",
    "opt-summary",
    "estimated-price",
    "instruments",
];

const OKX_TRADES: &str = "okx trades";
const OKX_TRADES_ALL: &str = "okx trades-all";
const OKCOIN_TRADES: &str = "okcoin trades";
const OKCOIN_TRADES_ALL: &str = "okcoin trades-all";

/// Stream rank of a trade channel: `trades-all` (every fill) is preferred.
pub fn stream_rank(channel: &str) -> u8 {
    if channel == "trades-all" {
        0
    } else {
        1
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
    let [arg, event, data] = msg.fields(["arg", "event", "data"]);
    let known_url = url_is_okx(ctx.url);
    let channel = arg
        .filter(|a| a.kind() == Kind::Object)
        .and_then(|a| a.get("channel"))
        .and_then(|c| c.str());
    let venue = venue_for_url(ctx.url);
    let Some(channel) = channel else {
        // Acks and errors without `arg` (`{"event":"error","code":"60012","msg":…}`).
        if known_url {
            if let Some(e) = event.and_then(|e| e.str()) {
                return Ok(Decoded::Other { venue, kind: e });
            }
        }
        return Ok(Decoded::NotMine);
    };
    let is_trades = channel == "trades" || channel == "trades-all";
    let okx_channel = is_trades
        || OKX_ONLY_CHANNELS.contains(&channel.as_ref())
        || channel.starts_with("mark-price-candle")
        || channel.starts_with("index-candle");
    if !known_url && !okx_channel {
        return Ok(Decoded::NotMine);
    }
    if let Some(e) = event {
        // An ack: `{"event":"subscribe","arg":{...}}`.
        return Ok(Decoded::Other {
            venue,
            kind: e.str().unwrap_or(channel),
        });
    }
    if !is_trades {
        return Ok(Decoded::Other {
            venue,
            kind: channel,
        });
    }
    let all = channel == "trades-all";
    let what = match (venue, all) {
        ("okcoin", false) => OKCOIN_TRADES,
        ("okcoin", true) => OKCOIN_TRADES_ALL,
        (_, false) => OKX_TRADES,
        (_, true) => OKX_TRADES_ALL,
    };
    let stream = stream_rank(&channel);
    let data = need(data, what, "data")?;
    if data.kind() != Kind::Array {
        return Err(DecodeError::new(what, "data", "is not an array"));
    }
    let arg_inst = arg.and_then(|a| a.get("instId"));
    for row in data.elements() {
        if row.kind() != Kind::Object {
            return Err(DecodeError::new(what, "data", "holds a non-object"));
        }
        let [inst, trade_id, px, sz, side, ts] =
            row.fields(["instId", "tradeId", "px", "sz", "side", "ts"]);
        let symbol = string(inst.or(arg_inst), what, "instId")?;
        let price = positive_decimal(px, what, "px")?;
        let size = positive_decimal(sz, what, "sz")?;
        let time = epoch(ts, Unit::Millis, what, "ts")?;
        let id_val = need(trade_id, what, "tradeId")?;
        let id = match id_val.kind() {
            Kind::Number | Kind::String => TradeId::from_text(
                id_text(id_val).ok_or_else(|| DecodeError::new(what, "tradeId", "is not an id"))?,
            ),
            _ => return Err(DecodeError::new(what, "tradeId", "is not an id")),
        };
        if id == TradeId::Text("".into()) {
            return Err(DecodeError::new(what, "tradeId", "is empty"));
        }
        let side = match side.and_then(|s| s.str()).as_deref() {
            Some("buy") => Side::Buy,
            Some("sell") => Side::Sell,
            _ => Side::Unknown,
        };
        let id_ordered = matches!(id, TradeId::Num(_));
        out.trade(Trade {
            venue,
            stream,
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
    Ok(Decoded::Trades { venue })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::Decimal;
    use std::borrow::Cow;

    crate::venue::testkit::decoder_test_kit!();

    const URL: Option<&str> = Some("wss://ws.okx.com:8443/ws/v5/public");
    const OKCOIN_URL: Option<&str> = Some("wss://real.okcoin.com:8443/ws/v5/public");

    #[test]
    fn trades_every_field() {
        // From OKX.ws.1.0.
        let (r, c) = both(
            r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476308","px":"30243.5","sz":"0.001","side":"buy","ts":"1652459226050"}]}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "okx" }));
        assert_eq!(c.trades.len(), 1);
        let t = &c.trades[0];
        assert_eq!(t.venue, "okx");
        assert_eq!(t.stream, 1);
        assert_eq!(t.symbol, "BTC-USDT");
        assert_eq!(t.time, 1_652_459_226_050_000_000);
        assert_eq!(t.price, Decimal::parse("30243.5").unwrap());
        assert_eq!(t.size, Decimal::parse("0.001").unwrap());
        assert_eq!(t.side, Side::Buy);
        assert_eq!(t.id, TradeId::Num(338476308));
        assert!(t.id_ordered);
        assert!(!t.history);
        assert!(c.skips.is_empty());
    }

    #[test]
    fn trades_all_okcoin_swap_contracts_several_rows() {
        let (r, c) = both(
            r#"{"arg":{"channel":"trades-all","instId":"UNI-USD-SWAP"},"data":[{"instId":"UNI-USD-SWAP","tradeId":"12883020","px":"5.123","sz":"100","side":"sell","ts":"1652459215150","count":"1","source":"0","seqId":7},{"instId":"UNI-USD-SWAP","tradeId":"12883021","px":"5.1229","sz":"3","side":"?","ts":"1652459215151"}]}"#,
            OKCOIN_URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "okcoin" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[0];
        assert_eq!(t.venue, "okcoin");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "UNI-USD-SWAP");
        assert_eq!(t.time, 1_652_459_215_150_000_000);
        assert_eq!(t.price, Decimal::parse("5.123").unwrap());
        assert_eq!(t.size, Decimal::parse("100").unwrap());
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::Num(12883020));
        assert!(t.id_ordered);
        assert!(!t.history);
        let t = &c.trades[1];
        assert_eq!(
            (t.side, t.id.clone(), t.time),
            (
                Side::Unknown,
                TradeId::Num(12883021),
                1_652_459_215_151_000_000
            )
        );
        assert_eq!(t.price, Decimal::parse("5.1229").unwrap());
    }

    #[test]
    fn venue_names_from_urls() {
        assert_eq!(venue_for_url(URL), "okx");
        assert_eq!(venue_for_url(OKCOIN_URL), "okcoin");
        assert_eq!(
            venue_for_url(Some("wss://ws.okex.com:8443/ws/v5/public")),
            "okx"
        );
        assert_eq!(venue_for_url(None), "okx");
        // Without a URL a trades message is still OKX's.
        let (r, _) = both(
            r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1652459226050"}]}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "okx" }));
    }

    #[test]
    fn acks_and_other_channels_are_other() {
        for (line, url, kind) in [
            (
                r#"{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USD-220527"}}"#,
                None,
                "subscribe",
            ),
            (
                r#"{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USD-220527"}}"#,
                URL,
                "subscribe",
            ),
            (
                r#"{"event":"error","code":"60012","msg":"Invalid request"}"#,
                URL,
                "error",
            ),
            (
                r#"{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"30236","lastSz":"0.0002","ts":"1652459225504"}]}"#,
                None,
                "tickers",
            ),
            (
                r#"{"arg":{"channel":"books","instId":"BTC-USD-220527"},"action":"snapshot","data":[{"asks":[["30238.8","2","0","1"]],"bids":[],"ts":"1652459225504"}]}"#,
                URL,
                "books",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "okx",
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
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600121,"m":true}}"#,
            r#"{"type":"match","trade_id":7,"side":"sell","size":"450","price":"0.791","product_id":"SKL-USD","time":"2021-04-17T16:43:37.121358Z"}"#,
            // Bitget shares the envelope.
            r#"{"action":"snapshot","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"},"data":[{"ts":"1695709835822","price":"26293.4","size":"0.0013","side":"buy","tradeId":"1"}]}"#,
            r#"{"action":"snapshot","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[]}"#,
            r#"{"event":"error","code":"60012","msg":"Invalid request"}"#,
            r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]}"#,
        ] {
            let (r, c) = both(line, None);
            assert_eq!(r, Ok(Decoded::NotMine), "{line}");
            assert!(c.trades.is_empty());
        }
    }

    #[test]
    fn broken_trades_are_errors_naming_the_field() {
        let good = r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476308","px":"30243.5","sz":"0.001","side":"buy","ts":"1652459226050"}]}"#;
        for (from, to, url, msg) in [
            (
                r#""px":"30243.5""#,
                r#""px":"-1""#,
                URL,
                "okx trades: `px` negative number",
            ),
            (
                r#""px":"30243.5""#,
                r#""px":"0""#,
                URL,
                "okx trades: `px` is zero",
            ),
            (r#""sz":"0.001","#, "", URL, "okx trades: `sz` is missing"),
            (
                r#""ts":"1652459226050""#,
                r#""ts":"x""#,
                OKCOIN_URL,
                "okcoin trades: `ts` ",
            ),
            (
                r#","tradeId":"338476308""#,
                "",
                URL,
                "okx trades: `tradeId` is missing",
            ),
            (
                r#""tradeId":"338476308""#,
                r#""tradeId":"""#,
                URL,
                "okx trades: `tradeId` is empty",
            ),
            (
                r#""data":["#,
                r#""data":[1,"#,
                URL,
                "okx trades: `data` holds a non-object",
            ),
            (
                r#""channel":"trades""#,
                r#""channel":"trades-all""#,
                None,
                "",
            ),
        ] {
            let line = good.replace(from, to);
            assert_ne!(line, good);
            let (r, c) = both(&line, url);
            if msg.is_empty() {
                assert!(r.is_ok());
                continue;
            }
            let e = r.unwrap_err().to_string();
            assert!(e.starts_with(msg), "{e} for {line}");
            assert!(c.trades.is_empty());
        }
        // No instId in the row: the one of `arg` is used; in neither: an error.
        let (_, c) = both(&good.replace(r#"{"instId":"BTC-USDT","#, "{"), URL);
        assert_eq!(c.trades[0].symbol, "BTC-USDT");
        let (r, _) = both(
            &good
                .replace(r#"{"instId":"BTC-USDT","#, "{")
                .replace(r#","instId":"BTC-USDT"}"#, "}"),
            URL,
        );
        assert_eq!(
            r.unwrap_err().to_string(),
            "okx trades: `instId` is missing"
        );
        let (r, _) = both(
            r#"{"arg":{"channel":"trades-all","instId":"BTC-USDT"}}"#,
            URL,
        );
        assert_eq!(
            r.unwrap_err().to_string(),
            "okx trades-all: `data` is missing"
        );
    }
}
