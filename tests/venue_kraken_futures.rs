//! Kraken Futures (`src/venue/kraken_futures.rs`): the fixture
//! `testdata/venues/kraken_futures.jsonl` with hand-checked rows, and the real recording
//! KRAKEN_FUTURES.ws.1.0 checked against an independent serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/kraken_futures.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The `trade_snapshot` (one trade within 5 s of the start, still labelled) is left out; the
/// repeated uid e2429e31 counts once; `side` is the taker's; 1626994930000 and 1626994940000
/// are fill rows.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken-futures,PI_ETHUSD,1626994930000,2005.2,2005.2,2005.2,2005.2,40,1,80208,40",
            "kraken-futures,PI_LTCUSD,1626994920000,119.44,119.44,119.43,119.43,420,2,50163.8,320",
            "kraken-futures,PI_LTCUSD,1626994930000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994940000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994950000,119.5,119.5,119.5,119.5,5,1,597.5,0",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the snapshot (newest first in the message; ordered by time in
/// the bars): the 119.3 sell opens the 1626994920000 bar.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken-futures,PI_ETHUSD,1626994930000,2005.2,2005.2,2005.2,2005.2,40,1,80208,40",
            "kraken-futures,PI_LTCUSD,1626994880000,119.2,119.2,119.2,119.2,50,1,5960,50",
            "kraken-futures,PI_LTCUSD,1626994890000,119.2,119.2,119.2,119.2,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994900000,119.2,119.2,119.2,119.2,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994910000,119.2,119.2,119.2,119.2,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994920000,119.3,119.44,119.3,119.43,430,3,51356.8,320",
            "kraken-futures,PI_LTCUSD,1626994930000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994940000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994950000,119.5,119.5,119.5,119.5,5,1,597.5,0",
            "",
        ]
        .join("\n")
    );
}

/// KRAKEN_FUTURES.ws.1.0: top-level `feed:"trade"` messages read with serde_json (snapshots
/// skipped, nothing before the connection time − 5 s, dedup by uid) give the per-symbol trade
/// counts, and the bars of every symbol value by value.
#[test]
fn real_recording_kraken_futures_ws_1() {
    let path = common::captures_dir().join("KRAKEN_FUTURES.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    let mut snapshot_rows = 0;
    for m in &msgs {
        if m["feed"] == "trade_snapshot" {
            snapshot_rows += m["trades"].as_array().unwrap().len();
        }
        if m["feed"] != "trade" || m.get("event").is_some() {
            continue;
        }
        let time = m["time"].as_i64().unwrap() * 1_000_000;
        if time < start - 5_000_000_000 || !seen.insert(m["uid"].as_str().unwrap().to_string()) {
            continue;
        }
        trades.push(T {
            symbol: m["product_id"].as_str().unwrap().to_string(),
            time,
            id: 0,
            price: scaled(&num_text(&m["price"]), SCALE),
            size: scaled(&num_text(&m["qty"]), SCALE),
            buy: m["side"] == "buy",
        });
    }
    assert!(snapshot_rows > 900, "snapshots in the recording");
    assert_eq!(trades.len(), 3);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "kraken-futures"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "kraken-futures", sym, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
