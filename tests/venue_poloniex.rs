//! Poloniex (`src/venue/poloniex.rs`): the fixture `testdata/venues/poloniex.jsonl` with
//! hand-checked rows, and the real recording POLONIEX.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/poloniex.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The 22:58:20 BTC_USDT trade is more than 5 s before the connection (22:58:37.1) and left
/// out; id 60184114 is repeated and counted once. BTC_USDT 22:58:40: 0.01149 × 21614.59 +
/// 0.006021 × 21615.95 = 248.3516391 + 130.14963495; 22:58:50 is a fill row.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "poloniex,BCH_USDT,1661123520000,120.17,120.17,120.17,120.17,0.270684,1,32.52809628,0",
            "poloniex,BTC_USDT,1661123520000,21614.59,21615.95,21614.59,21615.95,0.017511,2,378.50127405,0.006021",
            "poloniex,BTC_USDT,1661123530000,21615.95,21615.95,21615.95,21615.95,0,0,0,0",
            "poloniex,BTC_USDT,1661123540000,21600,21600,21600,21600,0.001,1,21.6,0.001",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the old sell (0.1 × 21600.5) and fills up to the live trades.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "poloniex,BCH_USDT,1661123520000,120.17,120.17,120.17,120.17,0.270684,1,32.52809628,0",
            "poloniex,BTC_USDT,1661123500000,21600.5,21600.5,21600.5,21600.5,0.1,1,2160.05,0",
            "poloniex,BTC_USDT,1661123510000,21600.5,21600.5,21600.5,21600.5,0,0,0,0",
            "poloniex,BTC_USDT,1661123520000,21614.59,21615.95,21614.59,21615.95,0.017511,2,378.50127405,0.006021",
            "poloniex,BTC_USDT,1661123530000,21615.95,21615.95,21615.95,21615.95,0,0,0,0",
            "poloniex,BTC_USDT,1661123540000,21600,21600,21600,21600,0.001,1,21.6,0.001",
            "",
        ]
        .join("\n")
    );
}

/// POLONIEX.ws.1.0: `trades` read with serde_json (nothing before the connection − 5 s,
/// dedup by id) give the per-symbol counts and the BTC_USDT bars value by value.
#[test]
fn real_recording_poloniex_ws_1() {
    let path = common::captures_dir().join("POLONIEX.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["channel"] != "trades" || m.get("data").is_none() {
            continue;
        }
        for r in m["data"].as_array().unwrap() {
            let symbol = r["symbol"].as_str().unwrap().to_string();
            let time = r["createTime"].as_i64().unwrap() * 1_000_000;
            let id: u128 = r["id"].as_str().unwrap().parse().unwrap();
            if time < start - 5_000_000_000 || !seen.insert((symbol.clone(), id)) {
                continue;
            }
            trades.push(T {
                symbol,
                time,
                id,
                price: scaled(&num_text(&r["price"]), SCALE),
                size: scaled(&num_text(&r["quantity"]), SCALE),
                buy: r["takerSide"] == "buy",
            });
        }
    }
    assert!(trades.len() >= 6, "live trades in the recording");
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "poloniex"), want);
    compare_symbol(&csv, "poloniex", "BTC_USDT", &expected_bars(&trades));
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
