//! bitFlyer (`src/venue/bitflyer.rs`): the fixture `testdata/venues/bitflyer.jsonl` with
//! hand-checked rows, and the real recording BITFLYER.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/bitflyer.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const LIVE: [&str; 5] = [
    "bitflyer,ETH_JPY,1639350340000,471800,471800,471800,471800,0.02,1,9436,0",
    "bitflyer,FX_BTC_JPY,1639350320000,5860832,5860832,5860832,5860832,0.01,1,58608.32,0.01",
    "bitflyer,FX_BTC_JPY,1639350330000,5860100.5,5860100.5,5860000,5860000,0.75,2,4395025.125,0.25",
    "bitflyer,FX_BTC_JPY,1639350340000,5860000,5860000,5860000,5860000,0,0,0,0",
    "bitflyer,FX_BTC_JPY,1639350350000,5859999.5,5859999.5,5859999.5,5859999.5,0.0015,1,8789.99925,0",
];

/// Symbols from the channel (`FX_BTC_JPY`, `ETH_JPY`); `exec_date` with 7 fraction digits
/// (23:05:29.9692063 lands in the 1639350320 bar); `price`/`size` JSON numbers exact;
/// ids 102 then 101 in one message at the same instant: open is 101's price (ids order
/// trades of one instant); id 102 repeated is counted once; the empty (itayose) side of the
/// ETH_JPY trade is unknown, so no buy volume; board and ticker messages carry no trades;
/// the trade of 23:04:00 (89 s before the connection) is left out as pre-capture.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    let mut want = vec![HEADER];
    want.extend(LIVE);
    want.push("");
    assert_eq!(csv, want.join("\n"));
}

/// `--keep-pre-capture` keeps the 23:04:00 trade and fills up to the live ones.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        LIVE[0].to_string(),
        "bitflyer,FX_BTC_JPY,1639350240000,5870000,5870000,5870000,5870000,0.2,1,1174000,0.2"
            .into(),
    ];
    for ts in (1639350250000i64..=1639350310000).step_by(10_000) {
        want.push(format!(
            "bitflyer,FX_BTC_JPY,{ts},5870000,5870000,5870000,5870000,0,0,0,0"
        ));
    }
    want.extend(LIVE[1..].iter().map(|s| s.to_string()));
    want.push(String::new());
    assert_eq!(csv, want.join("\n"));
}

/// BITFLYER.ws.1.0: `channelMessage`s of `lightning_executions_<CODE>` read with serde_json
/// (nothing before the connection time − 5 s, dedup by id) give the per-symbol trade counts,
/// and every symbol's bars value by value.
#[test]
fn real_recording_bitflyer_ws_1() {
    let path = common::captures_dir().join("BITFLYER.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["method"] != "channelMessage" {
            continue;
        }
        let Some(code) = m["params"]["channel"]
            .as_str()
            .unwrap()
            .strip_prefix("lightning_executions_")
        else {
            continue;
        };
        for e in m["params"]["message"].as_array().unwrap() {
            let time = iso_ns(e["exec_date"].as_str().unwrap());
            let id = e["id"].as_u64().unwrap() as u128;
            if time < start - 5_000_000_000 || !seen.insert(id) {
                continue;
            }
            trades.push(T {
                symbol: code.to_string(),
                time,
                id,
                price: scaled(&num_text(&e["price"]), SCALE),
                size: scaled(&num_text(&e["size"]), SCALE),
                buy: e["side"] == "BUY",
            });
        }
    }
    assert_eq!(trades.len(), 162);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(want.len(), 4);
    assert_eq!(trade_counts(&csv, "bitflyer"), want);
    let bars = expected_bars(&trades);
    for symbol in want.keys() {
        compare_symbol(&csv, "bitflyer", symbol, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
