//! dYdX v3 (`src/venue/dydx.rs`): the fixture `testdata/venues/dydx.jsonl` with hand-checked
//! rows, and the real recording DYDX.ws.1.0 checked against an independent serde_json
//! reading.

mod common;

const FIXTURE: &str = "testdata/venues/dydx.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const BTC: &str = "dydx,BTC-USD,1635444230000,60000.5,60000.5,60000.5,60000.5,0.01,1,600.005,0";
const LIVE_ETH: [&str; 4] = [
    "dydx,ETH-USD,1635444230000,4215.6,4215.6,4215.6,4215.6,0.1,1,421.56,0.1",
    "dydx,ETH-USD,1635444240000,4215.9,4215.9,4215.9,4215.9,19.666,2,82909.8894,0",
    "dydx,ETH-USD,1635444250000,4215.9,4215.9,4215.9,4215.9,0,0,0,0",
    "dydx,ETH-USD,1635444260000,4216,4216,4215,4215,3,2,12646,1",
];

/// Symbols from the message `id`; `createdAt` ISO ms; `BUY` = taker buy; the two identical
/// fills of 18:04:07.526 are two trades (no ids, nothing deduplicated); the two trades of
/// 18:04:25.000 keep capture order (open 4216, close 4215); the `subscribed` trades (one
/// only 1.6 s before the connection, inside the pre-capture slack) are left out as history;
/// order book messages and `connected` carry no trades.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    let mut want = vec![HEADER, BTC];
    want.extend(LIVE_ETH);
    want.push("");
    assert_eq!(csv, want.join("\n"));
}

/// `--keep-pre-capture` keeps the `subscribed` trades (sent newest first) and fills from the
/// 17:50:00 one up to the live ones.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        BTC.to_string(),
        "dydx,ETH-USD,1635443400000,4200,4200,4200,4200,1,1,4200,0".into(),
    ];
    for ts in (1635443410000i64..=1635444210000).step_by(10_000) {
        want.push(format!("dydx,ETH-USD,{ts},4200,4200,4200,4200,0,0,0,0"));
    }
    want.push("dydx,ETH-USD,1635444220000,4215,4215,4215,4215,0.5,1,2107.5,0.5".into());
    want.extend(LIVE_ETH.iter().map(|s| s.to_string()));
    want.push(String::new());
    assert_eq!(csv, want.join("\n"));
}

/// DYDX.ws.1.0: `channel_data` messages of `v3_trades` read with serde_json (nothing before
/// the connection time − 5 s; no ids, so identical fills all count) give the per-symbol
/// trade counts and every symbol's bars value by value.
#[test]
fn real_recording_dydx_ws_1() {
    let path = common::captures_dir().join("DYDX.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut trades = Vec::new();
    let mut subscribed = 0;
    for m in &msgs {
        if m["channel"] != "v3_trades" {
            continue;
        }
        let rows = m["contents"]["trades"].as_array().unwrap();
        if m["type"] == "subscribed" {
            subscribed += rows.len();
            continue;
        }
        assert_eq!(m["type"], "channel_data");
        for r in rows {
            let time = iso_ns(r["createdAt"].as_str().unwrap());
            if time < start - 5_000_000_000 {
                continue;
            }
            trades.push(T {
                symbol: m["id"].as_str().unwrap().to_string(),
                time,
                id: 0,
                price: scaled(r["price"].as_str().unwrap(), SCALE),
                size: scaled(r["size"].as_str().unwrap(), SCALE),
                buy: r["side"] == "BUY",
            });
        }
    }
    assert_eq!(subscribed, 1000);
    assert_eq!(trades.len(), 26);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "dydx"), want);
    let bars = expected_bars(&trades);
    for symbol in want.keys() {
        compare_symbol(&csv, "dydx", symbol, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
