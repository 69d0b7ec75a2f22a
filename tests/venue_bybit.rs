//! Bybit legacy `trade.*` (linear and inverse): small fixtures with hand-checked bars, and
//! the real recording BYBIT.ws.25.0 (../shared/captures/cryptofeed, read-only) whose bars are
//! computed here independently: serde_json for the messages, scaled i128 integers parsed
//! from the decimal text for the arithmetic.

use std::collections::{BTreeMap, HashSet};

#[path = "common/rows.rs"]
mod rows;
use rows::*;

const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

#[test]
fn fixture_linear_bars_hand_checked() {
    // Left out: the response, the order book delta, the XTZUSDT trade pushed on subscribe
    // 42 s before the recording start (pre-capture), and the repeated first message (two
    // duplicates). The two fills of 1618677791000 keep capture order (UUID ids do not order).
    let csv = run("testdata/venues/bybit.jsonl");
    let want = [
        HEADER,
        "bybit,BCHUSDT,1618677780000,1053.9,1054.45,1053.9,1054.45,0.96,2,1012.195,0.14",
        "bybit,BCHUSDT,1618677790000,1054.1,1054.2,1054.1,1054.2,2,2,2108.25,1.5",
        "bybit,BCHUSDT,1618677800000,1054.2,1054.2,1054.2,1054.2,0,0,0,0",
        "bybit,BCHUSDT,1618677810000,1050,1050,1050,1050,2,1,2100,2",
    ];
    assert_eq!(csv.lines().collect::<Vec<_>>(), want);
}

#[test]
fn fixture_inverse_numbers_hand_checked() {
    // `/realtime` is the inverse endpoint; price and size are JSON numbers, size in contracts.
    let csv = run("testdata/venues/bybit_inverse.jsonl");
    let want = [
        HEADER,
        "bybit-inverse,BTCUSD,1618677780000,60621.5,60622,60621.5,60622,14,2,848706,10",
    ];
    assert_eq!(csv.lines().collect::<Vec<_>>(), want);
}

#[test]
fn fixture_summary_counts_what_was_left_out() {
    let out = assert_cmd::Command::cargo_bin("tapebar")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["aggregate", "-o", "-", "testdata/venues/bybit.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("7 messages, 5 trades, 2 duplicates, 1 skipped"),
        "{err}"
    );
    assert!(err.contains(", 0 malformed"), "{err}");
    assert!(!err.contains("unrecognised"), "{err}");
}

// ----- independent computation for the real recording -----------------------------------

/// The live trades of the recording: `trade.*` rows not older than the connection time
/// minus 5 s, first copy of each (symbol, trade_id).
fn read_recording(path: &std::path::Path) -> Vec<T> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let (_, ts) = lines.next().unwrap().split_once(" <-> ").unwrap();
    let start = scaled(ts.trim(), 9) as i64;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut seq = 0u128;
    for line in lines {
        if line.is_empty() || line.contains(" <- ") {
            continue;
        }
        let (_, payload) = line.split_once(": ").unwrap();
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        if !v["topic"].as_str().is_some_and(|t| t.starts_with("trade.")) {
            continue;
        }
        for r in v["data"].as_array().unwrap() {
            seq += 1;
            // Exact number text (serde_json is built with arbitrary_precision).
            let num = |k: &str| match &r[k] {
                serde_json::Value::String(s) => s.clone(),
                n => n.to_string(),
            };
            let t = T {
                symbol: r["symbol"].as_str().unwrap().to_string(),
                time: num("trade_time_ms").parse::<i64>().unwrap() * 1_000_000,
                id: seq,
                price: scaled(&num("price"), SCALE),
                size: scaled(&num("size"), SCALE),
                taker_buy: r["side"] == "Buy",
            };
            let key = (
                t.symbol.clone(),
                r["trade_id"].as_str().unwrap().to_string(),
            );
            if t.time < start - 5_000_000_000 || !seen.insert(key) {
                continue;
            }
            out.push(t);
        }
    }
    out
}

#[test]
fn real_recording_bybit_ws_25() {
    let Some(path) = recording("BYBIT.ws.25.0") else {
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
        assert_eq!(f[0], "bybit", "{row}");
        *got_counts.entry(f[1].to_string()).or_default() += f[8].parse::<usize>().unwrap();
    }
    assert_eq!(got_counts, want_counts);
    // Every bar, value by value.
    let want = expected_rows("bybit", &mut trades);
    assert_eq!(rows, want);
}
