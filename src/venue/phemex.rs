//! Phemex (`wss://phemex.com/ws`, also `vapi.phemex.com`): the trade channels, `trades`
//! `{"sequence":175932842,"symbol":"sGRTUSDT","trades":[[1625342244579310618,"Buy",67522000,
//! 64000000000]],"type":"incremental"}` and, for USDT perpetuals, `trades_p`
//! `{"sequence":77663551,"symbol":"BTCUSDT","trades_p":[[1666856062351916300,"Sell",
//! "20703.6","0.669"]],"type":"snapshot"}`.
//!
//! - Claimed by a `symbol` with a `trades` or `trades_p` array and `type` `snapshot` or
//!   `incremental`, or on a Phemex connection (URL host on `phemex.com`).
//! - Rows are `[time, side, price, size]`. `time` is epoch **ns** (integer), kept whole.
//!   `side` `Buy`/`Sell` is the **taker's**: each of the 25 live trades of PHEMEX.ws.1.0
//!   takes from the book side opposite to it at its price (a `Buy` reduces the ask, a `Sell`
//!   the bid) in the book update just before it. Anything else is unknown.
//! - **Scaled integers** (`trades`): `priceEp` is the price times 10^priceScale and the
//!   size is scaled too, with scales given per product only by Phemex's products metadata
//!   (`/exchange/public/cfg/v2/products`), not by the message. What can be known:
//!   - spot symbols (prefix `s`, `sBTCUSDT`): Phemex's spot API docs give one price scale
//!     for every spot symbol, 10^8, and sizes in the base currency's value scale, 10^8 for
//!     each currency they list. Checked on the recordings: for the sGRTUSDT, sBCHUSDT and
//!     sLINKUSDT minutes fully covered by PHEMEX.ws.1.0's trades, the 1-minute klines of
//!     PHEMEX.ws.2.0 have exactly Σ size as volumeEv and Σ priceEp × size / 10^8 as turnoverEv
//!     (USDT at 10^8). Spot trades are decoded exactly with both scales 10^8.
//!   - contracts (no `s`: `BTCUSD`, `XMRUSD`): the price scale is a property of each product
//!     (10^4 for the contracts listed in Phemex's contract API docs, but not stated for any
//!     other) and the size is a number of contracts. Their trades are **skipped and
//!     counted** (`phemex contract trade (priceEp scale …)`) rather than guessed.
//! - `trades_p` (USDT perpetuals, "hedged" API) sends real values as decimal strings: price
//!   and size are read exactly.
//! - `type:"snapshot"` (sent on subscribing: the last 1000 trades, newest first, hours old)
//!   is labelled **history**; `incremental` is live.
//! - Trades carry **no trade id** ([`TradeId::None`]): duplicates only by content across
//!   inputs; identical rows within one recording all count (formats.md: 6 identical rows
//!   observed in one snapshot).
//! - Not trades ([`Decoded::Other`]): `book`, `orderbook_p`, `kline`, `kline_p`, `tick`,
//!   `market24h` and the other data keys (`kind` = the key), and the replies
//!   `{"error":null,"id":1,"result":{"status":"success"}}` (`kind` `response`).

use std::borrow::Cow;

use super::{epoch, positive_decimal, string, Ctx, DecodeError, Decoded, Out};
use crate::decimal::Decimal;
use crate::json::{JsonView, Kind};
use crate::time::Unit;
use crate::trade::{Side, Trade, TradeId};

pub const VENUE: &str = "phemex";
const TRADE: &str = "phemex trade";

pub const SKIP_CONTRACT: &str =
    "phemex contract trade (priceEp scale is product metadata, not in the message)";

/// Spot symbols (`s…`) scale prices and base sizes by 10^8.
const SPOT_SCALE: u8 = 8;

/// Data keys of Phemex's other channels.
const OTHER_KEYS: [&str; 10] = [
    "book",
    "orderbook_p",
    "kline",
    "kline_p",
    "tick",
    "tick_p",
    "market24h",
    "market24h_p",
    "spot_market24h",
    "perp_market24h_pack_p",
];

fn url_is_phemex(url: Option<&str>) -> bool {
    let Some(url) = url else { return false };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    host == "phemex.com" || host.ends_with(".phemex.com")
}

pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    if msg.kind() != Kind::Object {
        return Ok(Decoded::NotMine);
    }
    let [symbol, trades, trades_p, typ, sequence, id, result, error] = msg.fields([
        "symbol", "trades", "trades_p", "type", "sequence", "id", "result", "error",
    ]);
    let phemex_url = url_is_phemex(ctx.url);
    let typ_str = typ.and_then(|t| t.str());
    let typed = matches!(typ_str.as_deref(), Some("snapshot" | "incremental"));
    let rows_of = |v: Option<J>| {
        v.filter(|r| r.kind() == Kind::Array && r.at(0).is_none_or(|row| row.kind() == Kind::Array))
    };
    let scaled_rows = rows_of(trades);
    let real_rows = rows_of(trades_p);
    let shaped = typed && symbol.is_some_and(|s| s.kind() == Kind::String);
    if let Some((rows, real)) = scaled_rows
        .map(|r| (r, false))
        .or(real_rows.map(|r| (r, true)))
        .filter(|_| shaped || phemex_url)
    {
        let symbol = string(symbol, TRADE, "symbol")?;
        let history = match typ_str.as_deref() {
            Some("snapshot") => true,
            Some("incremental") => false,
            _ => {
                return Err(DecodeError::new(
                    TRADE,
                    "type",
                    "is not snapshot or incremental",
                ))
            }
        };
        for row in rows.elements() {
            if row.kind() != Kind::Array || row.len() < 4 {
                return Err(DecodeError::new(
                    TRADE,
                    if real { "trades_p" } else { "trades" },
                    "holds a row that is not [time, side, price, size]",
                ));
            }
            if !real && !symbol.starts_with('s') {
                out.skip(SKIP_CONTRACT);
                continue;
            }
            trade(row, &symbol, real, history, out)?;
        }
        return Ok(Decoded::Trades { venue: VENUE });
    }
    // Replies to requests.
    if id.is_some() && result.is_some() && error.is_some() && (phemex_url || msg.len() == 3) {
        return Ok(Decoded::Other {
            venue: VENUE,
            kind: Cow::Borrowed("response"),
        });
    }
    let key = OTHER_KEYS.iter().find(|k| msg.get(k).is_some());
    match key {
        Some(k) if phemex_url || sequence.is_some() || symbol.is_some() => Ok(Decoded::Other {
            venue: VENUE,
            kind: Cow::Borrowed(k),
        }),
        _ if phemex_url => Ok(Decoded::Other {
            venue: VENUE,
            kind: Cow::Borrowed("message"),
        }),
        _ => Ok(Decoded::NotMine),
    }
}

/// One row `[time, side, price, size]`: scaled integers (`trades`, spot) or decimal
/// strings (`trades_p`).
fn trade<'a, J: JsonView<'a>>(
    row: J,
    symbol: &str,
    real: bool,
    history: bool,
    out: &mut dyn Out<'a>,
) -> Result<(), DecodeError> {
    let time = epoch(row.at(0), Unit::Nanos, TRADE, "time")?;
    let side = match row.at(1).and_then(|s| s.str()).as_deref() {
        Some("Buy") => Side::Buy,
        Some("Sell") => Side::Sell,
        _ => Side::Unknown,
    };
    let (price, size) = if real {
        (
            positive_decimal(row.at(2), TRADE, "priceRp")?,
            positive_decimal(row.at(3), TRADE, "sizeRq")?,
        )
    } else {
        (scaled(row.at(2), "priceEp")?, scaled(row.at(3), "size")?)
    };
    out.trade(Trade {
        venue: VENUE,
        stream: 0,
        symbol: Cow::Owned(symbol.to_string()),
        time,
        price,
        size,
        side,
        id: TradeId::None,
        id_ordered: false,
        history,
    });
    Ok(())
}

/// A positive integer scaled by 10^8 (spot): the exact decimal it stands for.
fn scaled<'a, J: JsonView<'a>>(v: Option<J>, field: &'static str) -> Result<Decimal, DecodeError> {
    let text = v
        .filter(|v| v.kind() == Kind::Number)
        .and_then(|v| v.number_text())
        .ok_or_else(|| DecodeError::new(TRADE, field, "is not an integer"))?;
    if text.is_empty() || text.len() > 38 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::new(
            TRADE,
            field,
            "is not a non-negative integer",
        ));
    }
    let mant: u128 = text
        .parse()
        .map_err(|_| DecodeError::new(TRADE, field, "is not an integer"))?;
    if mant == 0 {
        return Err(DecodeError::new(TRADE, field, "is zero"));
    }
    Ok(Decimal::new(mant, SPOT_SCALE))
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::venue::testkit::decoder_test_kit!();

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    const URL: Option<&str> = Some("wss://phemex.com/ws");

    #[test]
    fn spot_trade_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"sequence":175932842,"symbol":"sGRTUSDT","trades":[[1625342244579310618,"Buy",67522000,64000000000]],"type":"incremental"}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "phemex" }));
            assert!(c.skips.is_empty());
            assert_eq!(c.trades.len(), 1);
            let t = &c.trades[0];
            assert_eq!(t.venue, "phemex");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "sGRTUSDT");
            assert_eq!(t.time, 1_625_342_244_579_310_618);
            assert_eq!(t.price, dec("0.67522"));
            assert_eq!(t.size, dec("640"));
            assert_eq!(t.side, Side::Buy);
            assert_eq!(t.id, TradeId::None);
            assert!(!t.id_ordered);
            assert!(!t.history);
        }
        let (_, c) = both(
            r#"{"sequence":175932929,"symbol":"sGRTUSDT","trades":[[1625342248051974866,"Sell",67269000,25500000000]],"type":"incremental"}"#,
            URL,
        );
        assert_eq!(
            (c.trades[0].side, c.trades[0].price, c.trades[0].size),
            (Side::Sell, dec("0.67269"), dec("255"))
        );
    }

    #[test]
    fn snapshot_is_history() {
        let (r, c) = both(
            r#"{"sequence":14211102426,"symbol":"sBCHUSDT","trades":[[1625342240858612158,"Buy",50819000000,3425000],[1625342179959044593,"Sell",50632000000,10836000]],"type":"snapshot"}"#,
            URL,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "phemex" }));
        assert_eq!(c.trades.len(), 2);
        let t = &c.trades[1];
        assert_eq!(t.venue, "phemex");
        assert_eq!(t.stream, 0);
        assert_eq!(t.symbol, "sBCHUSDT");
        assert_eq!(t.time, 1_625_342_179_959_044_593);
        assert_eq!(t.price, dec("506.32"));
        assert_eq!(t.size, dec("0.10836"));
        assert_eq!(t.side, Side::Sell);
        assert_eq!(t.id, TradeId::None);
        assert!(!t.id_ordered);
        assert!(t.history && c.trades[0].history);
    }

    #[test]
    fn perpetual_trades_p_every_field() {
        for url in [URL, None] {
            let (r, c) = both(
                r#"{"sequence":77663551,"symbol":"BTCUSDT","trades_p":[[1666856062351916300,"Sell","20703.6","0.669"],[1666854025545354000,"Buy","20699","0.001"]],"type":"snapshot"}"#,
                url,
            );
            assert_eq!(r, Ok(Decoded::Trades { venue: "phemex" }));
            assert_eq!(c.trades.len(), 2);
            let t = &c.trades[0];
            assert_eq!(t.venue, "phemex");
            assert_eq!(t.stream, 0);
            assert_eq!(t.symbol, "BTCUSDT");
            assert_eq!(t.time, 1_666_856_062_351_916_300);
            assert_eq!(t.price, dec("20703.6"));
            assert_eq!(t.size, dec("0.669"));
            assert_eq!(t.side, Side::Sell);
            assert_eq!(t.id, TradeId::None);
            assert!(!t.id_ordered);
            assert!(t.history);
            assert_eq!(c.trades[1].side, Side::Buy);
        }
    }

    #[test]
    fn contract_trades_are_counted_skips() {
        let (r, c) = both(
            r#"{"sequence":4899656369,"symbol":"XTZUSD","trades":[[1625342248626993976,"Sell",30070,38],[1625342248626993976,"Sell",30060,2]],"type":"incremental"}"#,
            None,
        );
        assert_eq!(r, Ok(Decoded::Trades { venue: "phemex" }));
        assert!(c.trades.is_empty());
        assert_eq!(c.skips, vec![SKIP_CONTRACT, SKIP_CONTRACT]);
    }

    #[test]
    fn non_trade_messages_are_other() {
        for (line, url, kind) in [
            (
                r#"{"error":null,"id":1,"result":{"status":"success"}}"#,
                None,
                "response",
            ),
            (
                r#"{"error":{"code":6001,"message":"invalid argument"},"id":1,"result":null}"#,
                URL,
                "response",
            ),
            (
                r#"{"book":{"asks":[[769100000,13404600000]],"bids":[]},"depth":30,"sequence":146074874,"symbol":"sSUSHIUSDT","timestamp":1625342244127000000,"type":"incremental"}"#,
                None,
                "book",
            ),
            (
                r#"{"kline":[[1625342220,60,329365000,329915000,329915000,329915000,329915000,133,4387869]],"sequence":17652788205,"symbol":"YFIUSD","type":"snapshot"}"#,
                None,
                "kline",
            ),
            (
                r#"{"tick":{"last":2152300,"scale":4,"symbol":".XMR","timestamp":1625342240000000000}}"#,
                URL,
                "tick",
            ),
        ] {
            let (r, c) = both(line, url);
            assert_eq!(
                r,
                Ok(Decoded::Other {
                    venue: "phemex",
                    kind: Cow::Owned(kind.to_string())
                }),
                "{line}"
            );
            assert!(c.trades.is_empty() && c.skips.is_empty());
        }
    }

    #[test]
    fn other_venues_are_not_mine() {
        for line in [
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":true}}"#,
            r#"{"result":null,"id":1}"#,
            r#"{"action":"snapshot","arg":{"instType":"sp","channel":"trade","instId":"EOSUSDT"},"data":[["1649290080013","2.4421","1","buy"]]}"#,
            r#"{"type":"snapshot","trades":[{"id":1}],"symbol":"X"}"#,
            r#"{"tick":{"last":1}}"#,
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
                r#"{"symbol":"sGRTUSDT","trades":[[1625342244579310618,"Buy",0,64000000000]],"type":"incremental"}"#,
                "phemex trade: `priceEp` is zero",
            ),
            (
                r#"{"symbol":"sGRTUSDT","trades":[[1625342244579310618,"Buy",675.22,64000000000]],"type":"incremental"}"#,
                "phemex trade: `priceEp` is not a non-negative integer",
            ),
            (
                r#"{"symbol":"sGRTUSDT","trades":[[1625342244579310618,"Buy",67522000,"640"]],"type":"incremental"}"#,
                "phemex trade: `size` is not an integer",
            ),
            (
                r#"{"symbol":"sGRTUSDT","trades":[["soon","Buy",67522000,64000000000]],"type":"incremental"}"#,
                "phemex trade: `time` not a timestamp",
            ),
            (
                r#"{"symbol":"sGRTUSDT","trades":[[1625342244579310618,"Buy",67522000]],"type":"incremental"}"#,
                "phemex trade: `trades` holds a row that is not [time, side, price, size]",
            ),
            (
                r#"{"symbol":"BTCUSDT","trades_p":[[1666856062351916300,"Sell","-20703.6","0.669"]],"type":"incremental"}"#,
                "phemex trade: `priceRp` negative number",
            ),
            (
                r#"{"symbol":"sGRTUSDT","trades":[[1625342244579310618,"Buy",67522000,64000000000]],"type":"full"}"#,
                "phemex trade: `type` is not snapshot or incremental",
            ),
        ] {
            let (r, _) = both(line, URL);
            assert_eq!(r.unwrap_err().to_string(), err, "{line}");
        }
    }
}
