//! Gemini (`src/venue/gemini.rs`): the fixture `testdata/venues/gemini.jsonl` with
//! hand-checked rows, and the real recording GEMINI.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/gemini.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The trades embedded in the first `l2_updates` (one of them only 2.4 s before the start,
/// still labelled) are history and left out; the repeated event_id 45465842999 counts once;
/// `side` is the taker's; 1624493690000 is a fill row.
/// FILUSD 1624493680000: 58.4998 × (15.4053 + 0.000077) + 58.5129 × 56.000023 = 4177.9352192213.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "gemini,ANKRUSD,1624493670000,0.07946,0.07946,0.07946,0.07946,1020.482111,1,81.08750854006,1020.482111",
            "gemini,FILUSD,1624493680000,58.4998,58.5129,58.4998,58.5129,71.4054,3,4177.9352192213,15.405377",
            "gemini,FILUSD,1624493690000,58.5129,58.5129,58.5129,58.5129,0,0,0,0",
            "gemini,FILUSD,1624493700000,58.5397,58.5397,58.5397,58.5397,11.8638,1,694.50329286,11.8638",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the two embedded history trades (newest first in the message).
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        "gemini,ANKRUSD,1624493670000,0.07946,0.07946,0.07946,0.07946,1020.482111,1,81.08750854006,1020.482111".to_string(),
        "gemini,FILUSD,1624493600000,58.1,58.1,58.1,58.1,1,1,58.1,1".to_string(),
    ];
    for ts in (1624493610000u64..=1624493650000).step_by(10_000) {
        want.push(format!("gemini,FILUSD,{ts},58.1,58.1,58.1,58.1,0,0,0,0"));
    }
    want.extend(
        [
            "gemini,FILUSD,1624493660000,58.3,58.3,58.3,58.3,2,1,116.6,0",
            "gemini,FILUSD,1624493670000,58.3,58.3,58.3,58.3,0,0,0,0",
            "gemini,FILUSD,1624493680000,58.4998,58.5129,58.4998,58.5129,71.4054,3,4177.9352192213,15.405377",
            "gemini,FILUSD,1624493690000,58.5129,58.5129,58.5129,58.5129,0,0,0,0",
            "gemini,FILUSD,1624493700000,58.5397,58.5397,58.5397,58.5397,11.8638,1,694.50329286,11.8638",
            "",
        ]
        .map(str::to_string),
    );
    assert_eq!(csv, want.join("\n"));
}

/// GEMINI.ws.1.0: top-level `type:"trade"` messages read with serde_json (the `trades` of
/// `l2_updates` skipped as history, nothing before the connection time − 5 s, dedup by
/// event_id) give the per-symbol trade counts, and the bars of every symbol value by value.
#[test]
fn real_recording_gemini_ws_1() {
    let path = common::captures_dir().join("GEMINI.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    let mut history = 0;
    for m in &msgs {
        if m["type"] == "l2_updates" {
            history += m
                .get("trades")
                .and_then(|t| t.as_array())
                .map_or(0, |t| t.len());
        }
        if m["type"] != "trade" {
            continue;
        }
        let time = m["timestamp"].as_i64().unwrap() * 1_000_000;
        let id = m["event_id"].as_u64().unwrap() as u128;
        if time < start - 5_000_000_000 || !seen.insert(id) {
            continue;
        }
        trades.push(T {
            symbol: m["symbol"].as_str().unwrap().to_string(),
            time,
            id,
            price: scaled(m["price"].as_str().unwrap(), SCALE),
            size: scaled(m["quantity"].as_str().unwrap(), SCALE),
            buy: m["side"] == "buy",
        });
    }
    assert!(history >= 400, "history trades in the recording: {history}");
    assert_eq!(trades.len(), 16);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "gemini"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "gemini", sym, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
