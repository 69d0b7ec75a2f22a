//! Kraken spot (`src/venue/kraken.rs`): the v1 fixture `testdata/venues/kraken.jsonl` and
//! the v2 fixture `testdata/venues/kraken_v2.jsonl` with hand-checked rows, and the real
//! recordings KRAKEN.ws.48.0 (v1 trades) and KRAKEN.ws.50.0 (books only) checked against an
//! independent serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/kraken.jsonl";
const FIXTURE_V2: &str = "testdata/venues/kraken_v2.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// v1: the XMR/USD trade of 1618678120 (more than 5 s before the connection) is left out;
/// v1 has no ids, so the repeated row 353.81 × 1.71754604 counts twice (volume 0.28245396 +
/// 2 × 1.71754604); `b`/`s` is the taker side; the book array with 5 elements, events and
/// heartbeats give no trades; 1618678150000 (SC/EUR) and 1618678160000 (XMR/USD) are fill rows.
/// XMR/USD 1618678140000: 354.11 × 0.89594024 + 354.55 × 1.25690315 = 762.8964102189.
#[test]
fn fixture_v1_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,SC/EUR,1618678140000,0.04299,0.04299,0.04299,0.04299,15979.71727919,1,686.9680458323781,0",
            "kraken,SC/EUR,1618678150000,0.04299,0.04299,0.04299,0.04299,0,0,0,0",
            "kraken,SC/EUR,1618678160000,0.04298,0.04298,0.04298,0.04298,8500,1,365.33,8500",
            "kraken,XMR/USD,1618678140000,354.11,354.55,354.11,354.55,2.15284339,2,762.8964102189,1.25690315",
            "kraken,XMR/USD,1618678150000,354.04,354.04,353.81,353.81,3.71754604,3,1315.3699288232,0",
            "kraken,XMR/USD,1618678160000,353.81,353.81,353.81,353.81,0,0,0,0",
            "kraken,XMR/USD,1618678170000,354.2,354.2,354.2,354.2,0.5,1,177.1,0.5",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the stale v1 trade (350 × 2, a taker buy) and fills 1618678130000.
#[test]
fn fixture_v1_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,SC/EUR,1618678140000,0.04299,0.04299,0.04299,0.04299,15979.71727919,1,686.9680458323781,0",
            "kraken,SC/EUR,1618678150000,0.04299,0.04299,0.04299,0.04299,0,0,0,0",
            "kraken,SC/EUR,1618678160000,0.04298,0.04298,0.04298,0.04298,8500,1,365.33,8500",
            "kraken,XMR/USD,1618678120000,350,350,350,350,2,1,700,2",
            "kraken,XMR/USD,1618678130000,350,350,350,350,0,0,0,0",
            "kraken,XMR/USD,1618678140000,354.11,354.55,354.11,354.55,2.15284339,2,762.8964102189,1.25690315",
            "kraken,XMR/USD,1618678150000,354.04,354.04,353.81,353.81,3.71754604,3,1315.3699288232,0",
            "kraken,XMR/USD,1618678160000,353.81,353.81,353.81,353.81,0,0,0,0",
            "kraken,XMR/USD,1618678170000,354.2,354.2,354.2,354.2,0.5,1,177.1,0.5",
            "",
        ]
        .join("\n")
    );
}

/// v2: the `snapshot` (trade 101 is only 2 s before the start, still labelled) is left out;
/// the repeated trade_id 102 counts once; 103 and 104 share a timestamp and arrive as 104, 103:
/// ordered ids put 104 (26499.9) last, so it closes the bar.
/// 26500.5 × 0.01 + 26501 × 0.02 + 26499.9 × 0.5 = 14044.975; buys 0.01 + 0.5.
#[test]
fn fixture_v2_live_trades() {
    let csv = run(&[FIXTURE_V2]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,BTC/USD,1695628110000,26500.5,26501,26499.9,26499.9,0.53,3,14044.975,0.51",
            "kraken,BTC/USD,1695628120000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628130000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628140000,26510,26510,26510,26510,0.1,1,2651,0",
            "kraken,ETH/USD,1695628130000,1590.12,1590.12,1590.12,1590.12,1.5,1,2385.18,0",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the v2 snapshot (newest first in the message).
#[test]
fn fixture_v2_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE_V2]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,BTC/USD,1695628080000,26480.5,26480.5,26480.5,26480.5,0.1,1,2648.05,0.1",
            "kraken,BTC/USD,1695628090000,26480.5,26480.5,26480.5,26480.5,0,0,0,0",
            "kraken,BTC/USD,1695628100000,26490,26490,26490,26490,0.25,1,6622.5,0",
            "kraken,BTC/USD,1695628110000,26500.5,26501,26499.9,26499.9,0.53,3,14044.975,0.51",
            "kraken,BTC/USD,1695628120000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628130000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628140000,26510,26510,26510,26510,0.1,1,2651,0",
            "kraken,ETH/USD,1695628130000,1590.12,1590.12,1590.12,1590.12,1.5,1,2385.18,0",
            "",
        ]
        .join("\n")
    );
}

/// KRAKEN.ws.48.0: v1 arrays whose `[-2]` is `trade`, read with serde_json (nothing before
/// the connection time − 5 s; no ids, so no dedup) give the per-symbol trade counts, and the
/// bars of every symbol value by value.
#[test]
fn real_recording_kraken_ws_48() {
    let path = common::captures_dir().join("KRAKEN.ws.48.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut trades = Vec::new();
    for m in &msgs {
        let Some(a) = m.as_array() else { continue };
        if a.len() < 4 || a[a.len() - 2] != "trade" {
            continue;
        }
        let symbol = a[a.len() - 1].as_str().unwrap().to_string();
        for row in a[1].as_array().unwrap() {
            let time = scaled(row[2].as_str().unwrap(), 9) as i64;
            if time < start - 5_000_000_000 {
                continue;
            }
            trades.push(T {
                symbol: symbol.clone(),
                time,
                id: 0,
                price: scaled(row[0].as_str().unwrap(), SCALE),
                size: scaled(row[1].as_str().unwrap(), SCALE),
                buy: row[3] == "b",
            });
        }
    }
    assert_eq!(trades.len(), 10);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "kraken"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "kraken", sym, &bars);
    }
}

/// KRAKEN.ws.50.0 holds only `book-1000` arrays (4 and 5 elements) and events: no trades, no
/// malformed or unrecognised messages.
#[test]
fn real_recording_kraken_ws_50_has_no_trades() {
    let path = common::captures_dir().join("KRAKEN.ws.50.0");
    if !path.exists() {
        eprintln!("skipped: {} not found", path.display());
        return;
    }
    let out = common::aggregate(&["-o", "-", path.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(common::text(&out.stdout), format!("{HEADER}\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(" 0 trades, ")
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
