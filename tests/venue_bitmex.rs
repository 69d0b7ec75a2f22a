//! BitMEX (`src/venue/bitmex.rs`): the fixture `testdata/venues/bitmex.jsonl` with
//! hand-checked rows, and the real recording BITMEX.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/bitmex.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// Live trades only: the two `partial` trades (XBTUSD 22:34:40, UNIUSDT 22:36:05, the latter
/// within 5 s of the start but labelled) are left out; the repeated trdMatchID 19f88444 is
/// counted once; the trade without `side` is in `volume` but not `buy_volume`; 22:36:20 is a
/// fill row.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "bitmex,UNIUSDT,1626993370000,17.297,17.297,17.297,17.297,52,1,899.444,52",
            "bitmex,XBTUSD,1626993370000,32180.5,32180.5,32180,32180,1000,2,32180050,100",
            "bitmex,XBTUSD,1626993380000,32180,32180,32180,32180,0,0,0,0",
            "bitmex,XBTUSD,1626993390000,32184,32187,32184,32187,3300,2,106216200,300",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the partials: XBTUSD starts at 22:34:40 (forward filled up to
/// the live trades), UNIUSDT gains the 22:36:05 sell.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        "bitmex,UNIUSDT,1626993360000,17.29,17.29,17.29,17.29,10,1,172.9,0".into(),
        "bitmex,UNIUSDT,1626993370000,17.297,17.297,17.297,17.297,52,1,899.444,52".into(),
        "bitmex,XBTUSD,1626993280000,32100.5,32100.5,32100.5,32100.5,219,1,7030009.5,219".into(),
    ];
    for ts in (1626993290000i64..=1626993360000).step_by(10_000) {
        want.push(format!(
            "bitmex,XBTUSD,{ts},32100.5,32100.5,32100.5,32100.5,0,0,0,0"
        ));
    }
    want.extend([
        "bitmex,XBTUSD,1626993370000,32180.5,32180.5,32180,32180,1000,2,32180050,100".into(),
        "bitmex,XBTUSD,1626993380000,32180,32180,32180,32180,0,0,0,0".into(),
        "bitmex,XBTUSD,1626993390000,32184,32187,32184,32187,3300,2,106216200,300".into(),
        String::new(),
    ]);
    assert_eq!(csv, want.join("\n"));
}

/// BITMEX.ws.1.0: `insert` trades read with serde_json (partials skipped, nothing before the
/// connection time − 5 s, dedup by trdMatchID) give the per-symbol trade counts, and the
/// XBTUSD bars value by value.
#[test]
fn real_recording_bitmex_ws_1() {
    let path = common::captures_dir().join("BITMEX.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    let mut partial_rows = 0;
    for m in &msgs {
        if m["table"] != "trade" {
            continue;
        }
        let rows = m["data"].as_array().unwrap();
        if m["action"] == "partial" {
            partial_rows += rows.len();
            continue;
        }
        assert_eq!(m["action"], "insert");
        for r in rows {
            let time = iso_ns(r["timestamp"].as_str().unwrap());
            if time < start - 5_000_000_000
                || !seen.insert(r["trdMatchID"].as_str().unwrap().to_string())
            {
                continue;
            }
            trades.push(T {
                symbol: r["symbol"].as_str().unwrap().to_string(),
                time,
                id: 0,
                price: scaled(&num_text(&r["price"]), SCALE),
                size: scaled(&num_text(&r["size"]), SCALE),
                buy: r["side"] == "Buy",
            });
        }
    }
    assert_eq!(partial_rows, 10, "one partial trade per subscribed symbol");
    assert!(trades.len() >= 7, "live trades in the recording");
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "bitmex"), want);
    let bars = expected_bars(&trades);
    compare_symbol(&csv, "bitmex", "XBTUSD", &bars);
    compare_symbol(&csv, "bitmex", "UNIUSDT", &bars);
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
