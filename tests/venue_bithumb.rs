//! Bithumb (`src/venue/bithumb.rs`): the fixture `testdata/venues/bithumb.jsonl` with
//! hand-checked rows, and the real recording BITHUMB.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/bithumb.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const LIVE: [&str; 4] = [
    "bithumb,CON_KRW,1622591010000,3.908,3.908,3.908,3.908,12365.191,1,48323.166428,12365.191",
    "bithumb,CON_KRW,1622591020000,3.908,3.908,3.908,3.908,0,0,0,0",
    "bithumb,CON_KRW,1622591030000,3.9,3.9,3.9,3.9,100,1,390,0",
    "bithumb,GOM2_KRW,1622591020000,7.524,7.525,7.524,7.525,2311,5,17389.549,1685",
];

/// `contDtm` is Korea time: 2021-06-02 08:43:34.555058 KST is 1622591014.555058 UTC (bucket
/// 1622591010000); `buySellGb` "2" is a taker buy, "1" a sell; the two identical GOM2_KRW
/// fills of 08:43:42.241810 are two trades (no ids); the CON_KRW trade of 08:40:00 KST (201 s
/// before the connection) is left out as pre-capture; status, ticker and orderbookdepth
/// messages carry no trades. GOM2_KRW: 7.524 × (626 + 100) + 7.525 × (537 + 2 × 524) =
/// 17389.549, buys 100 + 537 + 2 × 524 = 1685.
#[test]
fn fixture_live_trades() {
    let out = common::aggregate(&["-o", "-", FIXTURE]);
    assert!(out.status.success());
    let mut want = vec![HEADER];
    want.extend(LIVE);
    want.push("");
    assert_eq!(common::text(&out.stdout), want.join("\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(" 9 messages, 7 trades, 0 duplicates, 1 skipped (pre-capture (older than its recording's start by more than 5 s): 1, first at testdata/venues/bithumb.jsonl:6)")
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}

/// Two copies of the recording: without ids, a content counts as often as the input that
/// holds it most often, so the bars are the same and the second copy is all duplicates.
#[test]
fn fixture_twice_counts_once() {
    let out = common::aggregate(&["-o", "-", FIXTURE, FIXTURE]);
    assert!(out.status.success());
    let mut want = vec![HEADER];
    want.extend(LIVE);
    want.push("");
    assert_eq!(common::text(&out.stdout), want.join("\n"));
    let err = common::text(&out.stderr);
    assert!(err.contains(" 0 trades, 7 duplicates, "), "{err}");
}

/// `--keep-pre-capture` keeps the stale CON_KRW trade and fills up to the live ones.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        "bithumb,CON_KRW,1622590800000,3.95,3.95,3.95,3.95,40,1,158,0".to_string(),
    ];
    for ts in (1622590810000u64..=1622591000000).step_by(10_000) {
        want.push(format!("bithumb,CON_KRW,{ts},3.95,3.95,3.95,3.95,0,0,0,0"));
    }
    want.extend(LIVE.map(str::to_string));
    want.push(String::new());
    assert_eq!(csv, want.join("\n"));
}

/// BITHUMB.ws.1.0: `transaction` rows read with serde_json (`contDtm` taken as UTC+9,
/// nothing before the connection time − 5 s, no ids so no dedup) give the per-symbol trade
/// counts, and the bars of every symbol value by value.
#[test]
fn real_recording_bithumb_ws_1() {
    let path = common::captures_dir().join("BITHUMB.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut trades = Vec::new();
    for m in &msgs {
        if m["type"] != "transaction" {
            continue;
        }
        for row in m["content"]["list"].as_array().unwrap() {
            let local = row["contDtm"].as_str().unwrap().replace(' ', "T") + "Z";
            let time = iso_ns(&local) - 9 * 3_600_000_000_000;
            if time < start - 5_000_000_000 {
                continue;
            }
            trades.push(T {
                symbol: row["symbol"].as_str().unwrap().to_string(),
                time,
                id: 0,
                price: scaled(row["contPrice"].as_str().unwrap(), SCALE),
                size: scaled(row["contQty"].as_str().unwrap(), SCALE),
                buy: row["buySellGb"] == "2",
            });
        }
    }
    assert_eq!(trades.len(), 7);
    // Korea time, converted: every trade falls in the minute after the connection opened
    // (read as UTC they would be 9 hours off).
    assert!(trades
        .iter()
        .all(|t| t.time > start && t.time < start + 60_000_000_000));
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "bithumb"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "bithumb", sym, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
