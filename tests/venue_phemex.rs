//! Phemex (`src/venue/phemex.rs`): the fixture `testdata/venues/phemex.jsonl` with
//! hand-checked rows, and the real recordings PHEMEX.ws.1.0 (trades and books) and
//! PHEMEX.ws.2.0 (klines only) checked against an independent serde_json reading.

mod common;

use std::collections::BTreeMap;

const FIXTURE: &str = "testdata/venues/phemex.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";
const CONTRACT: &str =
    "phemex contract trade (priceEp scale is product metadata, not in the message)";

const BTC: &str =
    "phemex,BTCUSDT,1666856060000,20703.6,20703.7,20703.6,20703.7,0.681,2,14099.1528,0.012";
const GRT: [&str; 3] = [
    "phemex,sGRTUSDT,1625342240000,0.67522,0.67522,0.67269,0.67269,1150,3,775.2127,640",
    "phemex,sGRTUSDT,1625342250000,0.67269,0.67269,0.67269,0.67269,0,0,0,0",
    "phemex,sGRTUSDT,1625342260000,0.67501,0.67501,0.67501,0.67501,359.5,1,242.666095,359.5",
];

/// Spot `trades` are scaled by 10^8 (priceEp 67522000 = 0.67522, size 64000000000 = 640);
/// the two identical sGRTUSDT rows of one message are two trades (no ids); `trades_p`
/// (second connection) sends decimal strings; the snapshots are history; the XTZUSD contract
/// rows (two in a snapshot, one live) are skipped and counted, their scale being product
/// metadata; the book message and replies carry no trades; 1625342250000 is a fill row.
/// sGRTUSDT 1625342240000: 0.67522 × 640 + 2 × 0.67269 × 255 = 775.2127;
/// BTCUSDT: 20703.6 × 0.669 + 20703.7 × 0.012 = 14099.1528.
#[test]
fn fixture_live_trades() {
    let out = common::aggregate(&["-o", "-", FIXTURE]);
    assert!(out.status.success());
    let mut want = vec![HEADER, BTC];
    want.extend(GRT);
    want.push("");
    assert_eq!(common::text(&out.stdout), want.join("\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(&format!(" 11 messages, 6 trades, 0 duplicates, 6 skipped (history (labelled snapshot of past trades): 3, first at testdata/venues/phemex.jsonl:6; {CONTRACT}: 3, first at testdata/venues/phemex.jsonl:7)"))
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}

/// `--keep-pre-capture` keeps the snapshots' spot and perpetual trades; contract rows stay
/// out. 0.67349 × 741.35 = 499.2918115; 0.67562 × 1775 = 1199.2255.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER,
        "phemex,BTCUSDT,1666856040000,20699,20699,20699,20699,0.001,1,20.699,0.001",
        "phemex,BTCUSDT,1666856050000,20699,20699,20699,20699,0,0,0,0",
        BTC,
        "phemex,sGRTUSDT,1625342200000,0.67349,0.67349,0.67349,0.67349,741.35,1,499.2918115,0",
        "phemex,sGRTUSDT,1625342210000,0.67349,0.67349,0.67349,0.67349,0,0,0,0",
        "phemex,sGRTUSDT,1625342220000,0.67349,0.67349,0.67349,0.67349,0,0,0,0",
        "phemex,sGRTUSDT,1625342230000,0.67562,0.67562,0.67562,0.67562,1775,1,1199.2255,1775",
    ];
    want.extend(GRT);
    want.push("");
    assert_eq!(csv, want.join("\n"));
}

/// PHEMEX.ws.1.0: `trades` rows read with serde_json. Spot rows (`s…`) with their integers
/// taken at 10^-8 give the live trades (type `incremental`, no ids so no dedup) per symbol and
/// the bars of every symbol value by value; the spot snapshot rows are the history skipped
/// and the contract rows (every type) the contract skips. With `--keep-pre-capture` the
/// snapshot rows count too: per-symbol counts, and the bars of the two symbols whose trades
/// span the shortest time.
#[test]
fn real_recording_phemex_ws_1() {
    let path = common::captures_dir().join("PHEMEX.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let (mut live, mut all) = (Vec::new(), Vec::new());
    let (mut history, mut contract) = (0usize, 0usize);
    for m in &msgs {
        let Some(rows) = m["trades"].as_array() else {
            continue;
        };
        let symbol = m["symbol"].as_str().unwrap();
        let snapshot = match m["type"].as_str().unwrap() {
            "snapshot" => true,
            "incremental" => false,
            other => panic!("type {other}"),
        };
        for row in rows {
            if !symbol.starts_with('s') {
                contract += 1;
                continue;
            }
            let t = T {
                symbol: symbol.to_string(),
                time: row[0].as_i64().unwrap(),
                id: 0,
                // Scale 10^8: the integer is the value at SCALE = 8.
                price: row[2].as_u64().unwrap() as i128,
                size: row[3].as_u64().unwrap() as i128,
                buy: row[1] == "Buy",
            };
            if snapshot {
                history += 1;
            } else if t.time >= start - 5_000_000_000 {
                live.push(t.clone());
            }
            all.push(t);
        }
    }
    assert!(live.len() >= 15, "{} live spot trades", live.len());
    assert!(contract >= 1000, "{contract} contract rows");
    let p = path.to_str().unwrap();
    for (args, trades) in [(vec![p], &live), (vec!["--keep-pre-capture", p], &all)] {
        let out = common::aggregate(&[&["-o", "-"], &args[..]].concat());
        assert!(out.status.success());
        let csv = common::text(&out.stdout);
        common::check_long_form(&csv);
        let mut want = BTreeMap::new();
        for t in trades.iter() {
            *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
        }
        assert_eq!(trade_counts(&csv, "phemex"), want, "{args:?}");
        let mut by_span: Vec<(i64, &String)> = want
            .keys()
            .map(|s| {
                let times = trades.iter().filter(|t| &t.symbol == s).map(|t| t.time);
                (times.clone().max().unwrap() - times.min().unwrap(), s)
            })
            .collect();
        by_span.sort();
        let checked = if args.len() == 1 { by_span.len() } else { 2 };
        for (_, sym) in &by_span[..checked] {
            let mine: Vec<T> = trades
                .iter()
                .filter(|t| &t.symbol == *sym)
                .cloned()
                .collect();
            compare_symbol(&csv, "phemex", sym, &expected_bars(&mine));
        }
        let err = common::text(&out.stderr);
        let history_part = if args.len() == 1 {
            format!(
                "history (labelled snapshot of past trades): {}, first at",
                common::thousands(history)
            )
        } else {
            String::new()
        };
        assert!(
            err.contains(&history_part)
                && err.contains(&format!(
                    "{CONTRACT}: {}, first at",
                    common::thousands(contract)
                ))
                && err.contains(" 0 malformed")
                && !err.contains("unrecognised"),
            "{err}"
        );
    }
}

/// PHEMEX.ws.2.0 holds klines and replies only: no trades, nothing malformed or unrecognised.
#[test]
fn real_recording_phemex_ws_2_has_no_trades() {
    let path = common::captures_dir().join("PHEMEX.ws.2.0");
    if !path.exists() {
        eprintln!("skipped: {} not found", path.display());
        return;
    }
    let out = common::aggregate(&["-o", "-", path.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(common::text(&out.stdout), format!("{HEADER}\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(" 0 trades, 0 duplicates, 0 skipped, 0 malformed")
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
