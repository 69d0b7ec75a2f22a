//! bit.com (`src/venue/bitcom.rs`): the fixture `testdata/venues/bitcom.jsonl` with
//! hand-checked rows, and the real recording BIT.COM.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/bitcom.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const PERPETUAL: &str =
    "bitcom,BTC-PERPETUAL,1639080710000,47482.5,47483,47482.5,47483,6001.5,2,284966224.5,1.5";
const SPOT: [&str; 6] = [
    "bitcom-spot,OMG-USDT,1704643980000,0.697,0.698,0.696,0.696,290,3,202.1365,286.5",
    "bitcom-spot,OMG-USDT,1704643990000,0.696,0.696,0.696,0.696,0,0,0,0",
    "bitcom-spot,OMG-USDT,1704644000000,0.698,0.698,0.698,0.698,8.1,1,5.6538,8.1",
    "bitcom-spot,YFI-USDT,1704643980000,7611.69,7611.69,7611.69,7611.69,0.00307,1,23.3678883,0",
    "bitcom-spot,YFI-USDT,1704643990000,7611.69,7611.69,7611.69,7611.69,0,0,0,0",
    "bitcom-spot,YFI-USDT,1704644000000,7603.44,7603.44,7603.44,7603.44,0.00227,1,17.2598088,0",
];

/// Spot rows (`pair`, second connection) are `bitcom-spot`, derivatives rows
/// (`instrument_id`, first connection) `bitcom`; `created_at` is the trade time; the repeated trade_id 229061558
/// counts once; trades 229061561 and 229061560 share a millisecond and arrive in that order:
/// ordered ids make 0.696 (…561) the close; the BTC-PERPETUAL trade of 1639080600000 (100 s
/// before its connection) is left out as pre-capture; depth, ticker and subscription replies
/// carry no trades; 1704643990000 are fill rows.
/// OMG-USDT 1704643980000: 0.697 × 276.5 + 0.698 × 10 + 0.696 × 3.5 = 202.1365.
/// BTC-PERPETUAL: 47482.5 × 6000 + 47483 × 1.5 = 284966224.5.
#[test]
fn fixture_live_trades() {
    let out = common::aggregate(&["-o", "-", FIXTURE]);
    assert!(out.status.success());
    let mut want = vec![HEADER, PERPETUAL];
    want.extend(SPOT);
    want.push("");
    assert_eq!(common::text(&out.stdout), want.join("\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(" 14 messages, 8 trades, 1 duplicates, 1 skipped (pre-capture (older than its recording's start by more than 5 s): 1, first at testdata/venues/bitcom.jsonl:4)")
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}

/// `--keep-pre-capture` keeps the stale BTC-PERPETUAL trade and fills up to the live ones.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want =
        vec!["bitcom,BTC-PERPETUAL,1639080600000,47000,47000,47000,47000,2,1,94000,2".to_string()];
    for ts in (1639080610000u64..=1639080700000).step_by(10_000) {
        want.push(format!(
            "bitcom,BTC-PERPETUAL,{ts},47000,47000,47000,47000,0,0,0,0"
        ));
    }
    want.push(PERPETUAL.to_string());
    want.extend(SPOT.map(str::to_string));
    want.insert(0, HEADER.to_string());
    want.push(String::new());
    assert_eq!(csv, want.join("\n"));
}

/// BIT.COM.ws.1.0 (spot): `channel:"trade"` rows read with serde_json (nothing before the
/// connection time − 5 s, dedup by trade_id) give the per-symbol trade counts, and the bars
/// of every symbol value by value.
#[test]
fn real_recording_bitcom_ws_1() {
    let path = common::captures_dir().join("BIT.COM.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["channel"] != "trade" {
            continue;
        }
        for row in m["data"].as_array().unwrap() {
            let time = row["created_at"].as_i64().unwrap() * 1_000_000;
            let id: u128 = row["trade_id"].as_str().unwrap().parse().unwrap();
            if time < start - 5_000_000_000 || !seen.insert(id) {
                continue;
            }
            trades.push(T {
                symbol: row["pair"].as_str().unwrap().to_string(),
                time,
                id,
                price: scaled(row["price"].as_str().unwrap(), SCALE),
                size: scaled(row["qty"].as_str().unwrap(), SCALE),
                buy: row["side"] == "buy",
            });
        }
    }
    assert_eq!(trades.len(), 6);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "bitcom-spot"), want);
    assert!(csv.lines().skip(1).all(|l| l.starts_with("bitcom-spot,")));
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "bitcom-spot", sym, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 12;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
