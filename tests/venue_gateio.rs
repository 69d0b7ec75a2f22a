//! Gate.io v4 (`src/venue/gateio.rs`): the fixture `testdata/venues/gateio.jsonl` with
//! hand-checked rows, and the real recording GATEIO.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/gateio.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The NEO_BTC trade of 16:45:00.0005 is more than 5 s before the connection (16:45:31.89)
/// and left out; id 816995982 is repeated and counted once; 16:45:50 is a fill row; the two
/// trades of 16:46:00.801 arrive in reverse order and are ordered by their sub-millisecond
/// times (.34 opens, .582 closes). DIS_USDT: 0.201 × 121.58 = 24.43758. NEO_BTC 16:45:40:
/// 0.5 × 0.0018735 + 1.07 × 0.0018753 = 0.00093675 + 0.002006571.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "gateio,DIS_USDT,1619093540000,121.58,121.58,121.58,121.58,0.201,1,24.43758,0",
            "gateio,NEO_BTC,1619093540000,0.0018735,0.0018753,0.0018735,0.0018753,1.57,2,0.002943321,0.5",
            "gateio,NEO_BTC,1619093550000,0.0018753,0.0018753,0.0018753,0.0018753,0,0,0,0",
            "gateio,NEO_BTC,1619093560000,0.0018716,0.0018716,0.0018697,0.0018697,1,2,0.00187065,0",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the old NEO_BTC buy (3 × 0.0018) at 16:45:00, forward filled
/// up to the live trades.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        "gateio,DIS_USDT,1619093540000,121.58,121.58,121.58,121.58,0.201,1,24.43758,0".into(),
        "gateio,NEO_BTC,1619093500000,0.0018,0.0018,0.0018,0.0018,3,1,0.0054,3".into(),
    ];
    for ts in [1619093510000i64, 1619093520000, 1619093530000] {
        want.push(format!(
            "gateio,NEO_BTC,{ts},0.0018,0.0018,0.0018,0.0018,0,0,0,0"
        ));
    }
    want.extend([
        "gateio,NEO_BTC,1619093540000,0.0018735,0.0018753,0.0018735,0.0018753,1.57,2,0.002943321,0.5"
            .into(),
        "gateio,NEO_BTC,1619093550000,0.0018753,0.0018753,0.0018753,0.0018753,0,0,0,0".into(),
        "gateio,NEO_BTC,1619093560000,0.0018716,0.0018716,0.0018697,0.0018697,1,2,0.00187065,0"
            .into(),
        String::new(),
    ]);
    assert_eq!(csv, want.join("\n"));
}

/// GATEIO.ws.1.0: `spot.trades` updates read with serde_json (nothing before the connection
/// time − 5 s, dedup by id) give the per-symbol trade counts, and the NEO_BTC bars value by
/// value.
#[test]
fn real_recording_gateio_ws_1() {
    let path = common::captures_dir().join("GATEIO.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["channel"] != "spot.trades" || m["event"] != "update" {
            continue;
        }
        let r = &m["result"];
        // create_time_ms: ms with a fraction → ns.
        let time = scaled(r["create_time_ms"].as_str().unwrap(), 6) as i64;
        let id = r["id"].as_u64().unwrap() as u128;
        if time < start - 5_000_000_000 || !seen.insert(id) {
            continue;
        }
        trades.push(T {
            symbol: r["currency_pair"].as_str().unwrap().to_string(),
            time,
            id,
            price: scaled(&num_text(&r["price"]), SCALE),
            size: scaled(&num_text(&r["amount"]), SCALE),
            buy: r["side"] == "buy",
        });
    }
    assert!(trades.len() >= 9, "live trades in the recording");
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "gateio"), want);
    let bars = expected_bars(&trades);
    compare_symbol(&csv, "gateio", "NEO_BTC", &bars);
    compare_symbol(&csv, "gateio", "DIS_USDT", &bars);
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
