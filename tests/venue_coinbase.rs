//! Coinbase `match` / `last_match`: a small fixture with hand-checked bars, and the real
//! recording COINBASE.ws.28.0 (../shared/captures/cryptofeed, read-only) whose bars are
//! computed here independently: serde_json for the messages, scaled i128 integers parsed
//! from the decimal strings for the arithmetic.

use std::collections::{BTreeMap, HashSet};

#[path = "common/rows.rs"]
mod rows;
use rows::*;

const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

#[test]
fn fixture_bars_hand_checked() {
    // last_match (history), a match 16.8 s before the recording start (pre-capture), the
    // ticker repeating trade 100 and the second copy of trade 100 are all left out; maker
    // side `sell` is a taker buy.
    let csv = run("testdata/venues/coinbase.jsonl");
    let want = [
        HEADER,
        "coinbase,SKL-BTC,1618677810000,0.00001305,0.00001305,0.00001305,0.00001305,985,1,0.01285425,0",
        "coinbase,SKL-USD,1618677810000,0.791,0.791,0.79,0.79,460,2,363.85,450",
        "coinbase,SKL-USD,1618677820000,0.79,0.79,0.79,0.79,0,0,0,0",
        "coinbase,SKL-USD,1618677830000,0.79,0.79,0.79,0.79,0,0,0,0",
        "coinbase,SKL-USD,1618677840000,0.8,0.8,0.8,0.8,2.5,1,2,2.5",
    ];
    assert_eq!(csv.lines().collect::<Vec<_>>(), want);
}

#[test]
fn fixture_keep_pre_capture_counts_history() {
    let out = assert_cmd::Command::cargo_bin("tapebar")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "aggregate",
            "-q",
            "--keep-pre-capture",
            "-o",
            "-",
            "testdata/venues/coinbase.jsonl",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    // The pre-capture match (16:43:20, 0.6) and the last_match (16:43:30, 0.7) now count.
    assert!(
        csv.lines()
            .any(|l| l == "coinbase,SKL-USD,1618677800000,0.6,0.6,0.6,0.6,8,1,4.8,8"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l == "coinbase,SKL-USD,1618677810000,0.7,0.791,0.7,0.79,467,3,368.75,457"),
        "{csv}"
    );
}

// ----- independent computation for the real recording -----------------------------------

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// `2021-04-17T16:43:37.121358Z` in ns.
fn iso_ns(s: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    assert!(s.ends_with('Z') && &s[19..20] == ".", "{s}");
    let days = days_from_civil(n(0..4), n(5..7), n(8..10));
    let secs = days * 86400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19);
    let frac = &s[20..s.len() - 1];
    secs * 1_000_000_000 + scaled(&format!("0.{frac}"), 9) as i64
}

/// The live trades of the recording: `match` only, not older than the connection time
/// minus 5 s, first copy of each (product, trade_id).
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
        if v["type"] != "match" {
            continue;
        }
        let t = T {
            symbol: v["product_id"].as_str().unwrap().to_string(),
            time: iso_ns(v["time"].as_str().unwrap()),
            id: v["trade_id"].to_string().parse().unwrap(),
            price: scaled(v["price"].as_str().unwrap(), SCALE),
            size: scaled(v["size"].as_str().unwrap(), SCALE),
            taker_buy: v["side"] == "sell",
        };
        if t.time < start - 5_000_000_000 || !seen.insert((t.symbol.clone(), t.id)) {
            continue;
        }
        out.push(t);
    }
    out
}

#[test]
fn real_recording_coinbase_ws_28() {
    let Some(path) = recording("COINBASE.ws.28.0") else {
        return;
    };
    let mut trades = read_recording(&path);
    // Trade counts per product, summed from tapebar's `trades` column.
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
        assert_eq!(f[0], "coinbase", "{row}");
        *got_counts.entry(f[1].to_string()).or_default() += f[8].parse::<usize>().unwrap();
    }
    assert_eq!(got_counts, want_counts);
    // Every bar, value by value.
    let want = expected_rows("coinbase", &mut trades);
    assert_eq!(rows, want);
}
