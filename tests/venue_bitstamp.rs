//! Bitstamp (`src/venue/bitstamp.rs`): the fixture `testdata/venues/bitstamp.jsonl` with
//! hand-checked rows, and the real recording BITSTAMP.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/bitstamp.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const LIVE: [&str; 5] = [
    "bitstamp,ETHUSD,1641343690000,3805.44,3805.44,3805.44,3805.44,0.0792,1,301.390848,0.0792",
    "bitstamp,ETHUSD,1641343700000,3802.93,3802.93,3802.89,3802.89,4.1704864,2,15859.938265696,0",
    "bitstamp,ETHUSD,1641343710000,3802.89,3802.89,3802.89,3802.89,0,0,0,0",
    "bitstamp,ETHUSD,1641343720000,3800.75,3800.75,3800.74,3800.74,8.16178113,2,31020.8140120362,0",
    "bitstamp,XRPEUR,1641343700000,0.73,0.73,0.73,0.73,100.5,1,73.365,100.5",
];

/// Symbols from the channel, upper-cased; `price_str`/`amount_str` and `microtimestamp`;
/// `type` 0 = buy; id 216000485 repeated is counted once; ids 216000501 then 216000500 at the
/// same microsecond: open is 500's price (ids order trades of one instant); the trade of
/// 1641343600 (90 s before the connection) is left out as pre-capture.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    let mut want = vec![HEADER];
    want.extend(LIVE);
    want.push("");
    assert_eq!(csv, want.join("\n"));
}

/// `--keep-pre-capture` keeps the 1641343600 trade and fills up to the live ones.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        "bitstamp,ETHUSD,1641343600000,3810.1,3810.1,3810.1,3810.1,1.5,1,5715.15,1.5".into(),
    ];
    for ts in (1641343610000i64..=1641343680000).step_by(10_000) {
        want.push(format!(
            "bitstamp,ETHUSD,{ts},3810.1,3810.1,3810.1,3810.1,0,0,0,0"
        ));
    }
    want.extend(LIVE.iter().map(|s| s.to_string()));
    want.push(String::new());
    assert_eq!(csv, want.join("\n"));
}

/// BITSTAMP.ws.1.0: `event:"trade"` messages read with serde_json (nothing before the
/// connection time − 5 s, dedup by id) give the per-symbol trade counts, and the ETHUSD bars
/// value by value.
#[test]
fn real_recording_bitstamp_ws_1() {
    let path = common::captures_dir().join("BITSTAMP.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["event"] != "trade" {
            continue;
        }
        let pair = m["channel"]
            .as_str()
            .unwrap()
            .strip_prefix("live_trades_")
            .unwrap();
        let d = &m["data"];
        let time = d["microtimestamp"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            * 1000;
        let id = d["id"].as_u64().unwrap() as u128;
        if time < start - 5_000_000_000 || !seen.insert(id) {
            continue;
        }
        trades.push(T {
            symbol: pair.to_ascii_uppercase(),
            time,
            id,
            price: scaled(d["price_str"].as_str().unwrap(), SCALE),
            size: scaled(d["amount_str"].as_str().unwrap(), SCALE),
            buy: d["type"] == 0,
        });
    }
    assert_eq!(trades.len(), 10);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "bitstamp"), want);
    compare_symbol(&csv, "bitstamp", "ETHUSD", &expected_bars(&trades));
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
