//! AscendEX (`src/venue/ascendex.rs`): the fixture `testdata/venues/ascendex.jsonl` with
//! hand-checked rows, and the real recording ASCENDEX_FUTURES.ws.1.0 checked against an
//! independent serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/ascendex.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const LIVE: [&str; 4] = [
    "ascendex-futures,APE-PERP,1650929770000,19.152,19.159,19.152,19.159,133,3,2547.549,118",
    "ascendex-futures,BTC-PERP,1650929770000,40491,40491,40491,40491,0.0001,1,4.0491,0",
    "ascendex-futures,BTC-PERP,1650929780000,40491,40491,40491,40491,0,0,0,0",
    "ascendex-futures,BTC-PERP,1650929790000,40500.5,40500.5,40500.5,40500.5,0.0025,1,101.25125,0.0025",
];

/// `-PERP` symbols are `ascendex-futures`; `p`/`q` strings and `ts` ms; `bm:true` (buyer is
/// maker) is a taker sell, so the 15 APE-PERP at 19.156 and the BTC-PERP 0.0001 carry no buy
/// volume; the three APE-PERP rows of one instant listed as seqnum 426, 430, 428 close at
/// 430's 19.159 (ids order trades of one instant); seqnum 430 repeated is counted once;
/// connected/sub/depth/ping carry no trades; the BTC-PERP trade 48 s before the connection
/// is left out as pre-capture.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    let mut want = vec![HEADER];
    want.extend(LIVE);
    want.push("");
    assert_eq!(csv, want.join("\n"));
}

/// `--keep-pre-capture` keeps the pre-capture BTC-PERP trade and fills up to the live ones.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        LIVE[0].to_string(),
        "ascendex-futures,BTC-PERP,1650929700000,40400,40400,40400,40400,0.01,1,404,0.01".into(),
    ];
    for ts in (1650929710000i64..=1650929760000).step_by(10_000) {
        want.push(format!(
            "ascendex-futures,BTC-PERP,{ts},40400,40400,40400,40400,0,0,0,0"
        ));
    }
    want.extend(LIVE[1..].iter().map(|s| s.to_string()));
    want.push(String::new());
    assert_eq!(csv, want.join("\n"));
}

/// ASCENDEX_FUTURES.ws.1.0: `m:"trades"` messages read with serde_json (nothing before the
/// connection time − 5 s, dedup by seqnum) give the per-symbol trade counts, and every
/// symbol's bars value by value.
#[test]
fn real_recording_ascendex_futures_ws_1() {
    let path = common::captures_dir().join("ASCENDEX_FUTURES.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["m"] != "trades" {
            continue;
        }
        let symbol = m["symbol"].as_str().unwrap();
        for r in m["data"].as_array().unwrap() {
            let time = r["ts"].as_i64().unwrap() * 1_000_000;
            let id = r["seqnum"].as_u64().unwrap() as u128;
            if time < start - 5_000_000_000 || !seen.insert(id) {
                continue;
            }
            trades.push(T {
                symbol: symbol.to_string(),
                time,
                id,
                price: scaled(r["p"].as_str().unwrap(), SCALE),
                size: scaled(r["q"].as_str().unwrap(), SCALE),
                buy: r["bm"] == false,
            });
        }
    }
    assert_eq!(trades.len(), 12);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(want.len(), 10);
    assert_eq!(trade_counts(&csv, "ascendex-futures"), want);
    assert!(csv_rows(&csv, "ascendex").is_empty());
    let bars = expected_bars(&trades);
    for symbol in want.keys() {
        compare_symbol(&csv, "ascendex-futures", symbol, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
