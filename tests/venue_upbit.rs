//! Upbit: JSON binary frames in cryptofeed bytes literals, checked on the real recording
//! against an independent reading of the file (its own bytes-literal parser, serde_json,
//! exact decimals as scaled integers).

use std::collections::HashSet;
use std::path::PathBuf;

#[path = "common/frames.rs"]
mod frames;
use frames::*;

/// The live trades of a recording: not older than its start by more than 5 s, deduplicated.
fn live_trades(path: &PathBuf) -> Vec<Live> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut start_ms = 0i64;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some((_, ts)) = line.split_once(" <-> ") {
            start_ms = (ts.parse::<f64>().unwrap() * 1000.0) as i64;
            continue;
        }
        let Some((_, payload)) = line.split_once(": ") else {
            continue;
        };
        if !payload.starts_with("b'") && !payload.starts_with("b\"") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&unrepr(payload)).unwrap();
        if v["ty"] != "trade" || v["st"] == "SNAPSHOT" {
            continue;
        }
        let ts = v["ttms"].as_i64().unwrap();
        if ts < start_ms - 5000 {
            continue;
        }
        let sym = v["cd"].as_str().unwrap().to_string();
        let id: u128 = v["sid"].to_string().parse().unwrap();
        if !seen.insert((sym.clone(), id)) {
            continue;
        }
        out.push(Live {
            symbol: sym,
            ts,
            id,
            price: v["tp"].to_string(),
            amount: v["tv"].to_string(),
        });
    }
    out
}

#[test]
fn real_recording_upbit() {
    check_recording("UPBIT.ws.62.0", "upbit", live_trades);
}
