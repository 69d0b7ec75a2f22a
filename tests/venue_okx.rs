//! OKX v5 `trades` / `trades-all`: a small fixture with hand-checked bars, and the real
//! recording OKX.ws.1.0 (../shared/captures/cryptofeed, read-only) whose bars are computed
//! here independently: serde_json for the messages, scaled i128 integers parsed from the
//! decimal strings for the arithmetic.

use std::collections::{BTreeMap, HashSet};

#[path = "common/rows.rs"]
mod rows;
use rows::*;

const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

#[test]
fn fixture_bars_hand_checked() {
    // Left out: the acks, tickers and books messages, the BTC-USD-220527 trade pushed on
    // subscribe 24.5 s before the recording start (pre-capture), the second copy of
    // 338476308, and ETH-USDT's `trades` message (the symbol also has `trades-all`, which
    // is preferred). UNI-USD-SWAP's two fills of one millisecond are ordered by id.
    let csv = run("testdata/venues/okx.jsonl");
    let want = [
        HEADER,
        "okx,BTC-USDT,1652459220000,30236,30243.5,30230.1,30230.1,0.5012,3,15151.3407,0.0012",
        "okx,BTC-USDT,1652459230000,30230.1,30230.1,30230.1,30230.1,0,0,0,0",
        "okx,BTC-USDT,1652459240000,30250,30250,30250,30250,0.25,1,7562.5,0.25",
        "okx,ETH-USDT,1652459220000,2000,2001,2000,2001,3,2,6002,3",
        "okx,UNI-USD-SWAP,1652459230000,5.123,5.125,5.123,5.125,103,2,527.675,3",
    ];
    assert_eq!(csv.lines().collect::<Vec<_>>(), want);
}

#[test]
fn fixture_summary_counts_what_was_left_out() {
    let out = assert_cmd::Command::cargo_bin("tapebar")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["aggregate", "-o", "-", "testdata/venues/okx.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("14 messages, 8 trades, 1 duplicates, 2 skipped"),
        "{err}"
    );
    assert!(err.contains(", 0 malformed"), "{err}");
    assert!(!err.contains("unrecognised"), "{err}");
}

// ----- independent computation for the real recording -----------------------------------

/// The live trades of the recording (`trades` channel only in this capture): not older than
/// the connection time minus 5 s, first copy of each (instId, tradeId).
fn read_recording(path: &std::path::Path) -> Vec<T> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let (_, ts) = lines.next().unwrap().split_once(" <-> ").unwrap();
    let start = scaled(ts.trim(), 9) as i64;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in lines {
        if line.is_empty() || line.contains(" <- ") {
            continue;
        }
        let (_, payload) = line.split_once(": ").unwrap();
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        if v.get("event").is_some() {
            continue;
        }
        let channel = v["arg"]["channel"].as_str().unwrap();
        assert_ne!(channel, "trades-all", "this test assumes one trade stream");
        if channel != "trades" {
            continue;
        }
        for r in v["data"].as_array().unwrap() {
            let t = T {
                symbol: r["instId"].as_str().unwrap().to_string(),
                time: r["ts"].as_str().unwrap().parse::<i64>().unwrap() * 1_000_000,
                id: r["tradeId"].as_str().unwrap().parse().unwrap(),
                price: scaled(r["px"].as_str().unwrap(), SCALE),
                size: scaled(r["sz"].as_str().unwrap(), SCALE),
                taker_buy: r["side"] == "buy",
            };
            if t.time < start - 5_000_000_000 || !seen.insert((t.symbol.clone(), t.id)) {
                continue;
            }
            out.push(t);
        }
    }
    out
}

#[test]
fn real_recording_okx_ws_1() {
    let Some(path) = recording("OKX.ws.1.0") else {
        return;
    };
    let mut trades = read_recording(&path);
    let mut want_counts: BTreeMap<String, usize> = BTreeMap::new();
    for t in &trades {
        *want_counts.entry(t.symbol.clone()).or_default() += 1;
    }
    assert!(want_counts.values().sum::<usize>() > 50, "{want_counts:?}");
    let csv = run(path.to_str().unwrap());
    let mut got_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<&str> = lines.collect();
    for row in &rows {
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(f[0], "okx", "{row}");
        *got_counts.entry(f[1].to_string()).or_default() += f[8].parse::<usize>().unwrap();
    }
    assert_eq!(got_counts, want_counts);
    // Every bar, value by value.
    let want = expected_rows("okx", &mut trades);
    assert_eq!(rows, want);
}
