//! HitBTC v2 / Bequant / FMFW (`src/venue/hitbtc.rs`): the fixtures
//! `testdata/venues/hitbtc_bequant.jsonl` (v2) and `testdata/venues/hitbtc_fmfw.jsonl` (v3)
//! with hand-checked rows, and the real recordings BEQUANT.ws.{1,2,3,4}.0 and FMFW.ws.1.0
//! checked against an independent serde_json reading.

mod common;

const BEQUANT: &str = "testdata/venues/hitbtc_bequant.jsonl";
const FMFW: &str = "testdata/venues/hitbtc_fmfw.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// v2 on a Bequant URL: the two `snapshotTrades` trades are history and left out; id
/// 1307176266 is repeated and counted once. EOSBTC 00:56:20: 33.76 × 0.00011575 +
/// 419.37 × 0.00011574 = 0.00390772 + 0.0485378838; the buy is 419.37.
#[test]
fn bequant_fixture_live_trades() {
    let csv = run(&[BEQUANT]);
    assert_eq!(
        csv,
        [
            HEADER,
            "bequant,BTCTUSD,1625273790000,33517.54,33517.54,33517.54,33517.54,0.01,1,335.1754,0.01",
            "bequant,EOSBTC,1625273770000,0.00011574,0.00011574,0.00011574,0.00011574,1.57,1,0.0001817118,0",
            "bequant,EOSBTC,1625273780000,0.00011575,0.00011575,0.00011574,0.00011574,453.13,2,0.0524456038,419.37",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the snapshot: the 00:55:50 buy (10 × 0.0001157), a fill row,
/// and the 00:56:15 sell (2 × 0.0001158) opening the 00:56:10 bar.
#[test]
fn bequant_fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", BEQUANT]);
    assert_eq!(
        csv,
        [
            HEADER,
            "bequant,BTCTUSD,1625273790000,33517.54,33517.54,33517.54,33517.54,0.01,1,335.1754,0.01",
            "bequant,EOSBTC,1625273750000,0.0001157,0.0001157,0.0001157,0.0001157,10,1,0.001157,10",
            "bequant,EOSBTC,1625273760000,0.0001157,0.0001157,0.0001157,0.0001157,0,0,0,0",
            "bequant,EOSBTC,1625273770000,0.0001158,0.0001158,0.00011574,0.00011574,3.57,2,0.0004133118,0",
            "bequant,EOSBTC,1625273780000,0.00011575,0.00011575,0.00011574,0.00011574,453.13,2,0.0524456038,419.37",
            "",
        ]
        .join("\n")
    );
}

/// v3 on an FMFW URL: the `snapshot` trade is history, the repeated `i` counted once.
#[test]
fn fmfw_fixture_live_trades() {
    let csv = run(&[FMFW]);
    assert_eq!(
        csv,
        [
            HEADER,
            "fmfw,NEOBTC,1633806850000,0.0008788,0.0008788,0.0008788,0.0008788,0.2,1,0.00017576,0",
            "fmfw,NEOBTC,1633806860000,0.0008786,0.0008786,0.0008786,0.0008786,0.41,1,0.000360226,0.41",
            "fmfw,NEOBTC,1633806870000,0.0008785,0.0008785,0.0008785,0.0008785,0.56,1,0.00049196,0.56",
            "",
        ]
        .join("\n")
    );
    let csv = run(&["--keep-pre-capture", FMFW]);
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "fmfw,NEOBTC,1633806840000,0.00087,0.00087,0.00087,0.00087,5,1,0.00435,5"
    );
    assert_eq!(csv.lines().count(), 5);
}

/// Live v2 trades of one Bequant recording read with serde_json.
fn bequant_reference(
    start: i64,
    msgs: &[serde_json::Value],
    seen: &mut std::collections::HashSet<(String, u128)>,
) -> (Vec<T>, usize) {
    let mut trades = Vec::new();
    let mut snapshot_rows = 0;
    for m in msgs {
        let method = m["method"].as_str().unwrap_or("");
        if method == "snapshotTrades" {
            snapshot_rows += m["params"]["data"].as_array().unwrap().len();
            continue;
        }
        if method != "updateTrades" {
            continue;
        }
        let symbol = m["params"]["symbol"].as_str().unwrap().to_string();
        for r in m["params"]["data"].as_array().unwrap() {
            let time = iso_ns(r["timestamp"].as_str().unwrap());
            let id = r["id"].as_u64().unwrap() as u128;
            if time < start - 5_000_000_000 || !seen.insert((symbol.clone(), id)) {
                continue;
            }
            trades.push(T {
                symbol: symbol.clone(),
                time,
                id,
                price: scaled(&num_text(&r["price"]), SCALE),
                size: scaled(&num_text(&r["quantity"]), SCALE),
                buy: r["side"] == "buy",
            });
        }
    }
    (trades, snapshot_rows)
}

/// BEQUANT.ws.1.0: `updateTrades` read with serde_json (snapshots skipped, nothing before
/// the connection − 5 s, dedup by id) give the per-symbol counts and EOSBTC's bars; the four
/// recorders of the same feed together give exactly the bars of one (duplicates dropped).
#[test]
fn real_recordings_bequant() {
    let dir = common::captures_dir();
    let paths: Vec<_> = (1..=4)
        .map(|n| dir.join(format!("BEQUANT.ws.{n}.0")))
        .collect();
    let Some((start, msgs)) = cryptofeed(&paths[0]) else {
        return;
    };
    let (trades, snapshot_rows) = bequant_reference(start, &msgs, &mut Default::default());
    assert!(snapshot_rows >= 100, "snapshotTrades rows: {snapshot_rows}");
    assert!(trades.len() >= 10, "live trades in the recording");
    let one = run(&[paths[0].to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&one, "bequant"), want);
    let bars = expected_bars(&trades);
    compare_symbol(&one, "bequant", "EOSBTC", &bars);

    // All four files: the reference over all of them (one id set) equals the one-file one,
    // and so does tapebar's output.
    let mut seen = Default::default();
    let mut all = Vec::new();
    for p in &paths {
        let Some((start, msgs)) = cryptofeed(p) else {
            return;
        };
        all.extend(bequant_reference(start, &msgs, &mut seen).0);
    }
    assert_eq!(all.len(), trades.len());
    let strs: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    assert_eq!(run(&strs), one);
    assert_eq!(
        run(&[&["--keep-pre-capture"], &strs[..]].concat()),
        run(&["--keep-pre-capture", strs[0]])
    );
}

/// FMFW.ws.1.0: v3 `update` trades read with serde_json give the counts and NEOBTC's bars.
#[test]
fn real_recording_fmfw_ws_1() {
    let path = common::captures_dir().join("FMFW.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["ch"] != "trades" || m.get("update").is_none() {
            continue;
        }
        for (symbol, rows) in m["update"].as_object().unwrap() {
            for r in rows.as_array().unwrap() {
                let time = r["t"].as_i64().unwrap() * 1_000_000;
                let id = r["i"].as_u64().unwrap() as u128;
                if time < start - 5_000_000_000 || !seen.insert((symbol.clone(), id)) {
                    continue;
                }
                trades.push(T {
                    symbol: symbol.clone(),
                    time,
                    id,
                    price: scaled(&num_text(&r["p"]), SCALE),
                    size: scaled(&num_text(&r["q"]), SCALE),
                    buy: r["s"] == "buy",
                });
            }
        }
    }
    assert!(trades.len() >= 4, "live trades in the recording");
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "fmfw"), want);
    compare_symbol(&csv, "fmfw", "NEOBTC", &expected_bars(&trades));
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
