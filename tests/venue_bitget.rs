//! Bitget v1 (`src/venue/bitget.rs`): the fixture `testdata/venues/bitget.jsonl` with
//! hand-checked rows, and the real recording BITGET.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/bitget.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const AVAX: &str =
    "bitget,AVAXUSDT,1649290070000,83.1253,83.1253,83.1253,83.1253,0.0603,1,5.01245559,0";
const LIVE_EOS: [&str; 4] = [
    "bitget,EOSUSDT,1649290080000,2.4421,2.443,2.4421,2.443,3.0702,2,7.49863542,2.0702",
    "bitget,EOSUSDT,1649290090000,2.44,2.44,2.44,2.44,1,2,2.44,0",
    "bitget,EOSUSDT,1649290100000,2.44,2.44,2.44,2.44,0,0,0,0",
    "bitget,EOSUSDT,1649290110000,2.45,2.45,2.449,2.449,4,2,9.799,3",
];

/// Symbols from `arg.instId`; rows `[ts ms, price, size, side]`, `buy` = taker buy; the two
/// identical rows at 1649290091500 are two trades (no ids, nothing deduplicated); the two
/// trades at 1649290115000 keep capture order (open 2.45, close 2.449); the `snapshot` rows
/// (one of them only 2.5 s before the connection, inside the pre-capture slack) are left out
/// as history; books, ticker, candle and acks carry no trades.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    let mut want = vec![HEADER, AVAX];
    want.extend(LIVE_EOS);
    want.push("");
    assert_eq!(csv, want.join("\n"));
}

/// `--keep-pre-capture` keeps the snapshot rows (sent newest first, bars in time order).
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER,
        AVAX,
        "bitget,EOSUSDT,1649290060000,2.4376,2.4376,2.4376,2.4376,2.0513,1,5.00024888,0",
        "bitget,EOSUSDT,1649290070000,2.439,2.439,2.439,2.439,0.25,1,0.60975,0.25",
    ];
    want.extend(LIVE_EOS);
    want.push("");
    assert_eq!(csv, want.join("\n"));
}

/// BITGET.ws.1.0: `action:"update"` rows of the `trade` channel read with serde_json
/// (nothing before the connection time − 5 s; no ids, so identical rows all count) give the
/// per-symbol trade counts and every symbol's bars value by value.
#[test]
fn real_recording_bitget_ws_1() {
    let path = common::captures_dir().join("BITGET.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut trades = Vec::new();
    let mut snapshot_rows = 0;
    for m in &msgs {
        if m["arg"]["channel"] != "trade" || m.get("event").is_some() {
            continue;
        }
        let rows = m["data"].as_array().unwrap();
        if m["action"] == "snapshot" {
            snapshot_rows += rows.len();
            continue;
        }
        assert_eq!(m["action"], "update");
        for r in rows {
            let time = r[0].as_str().unwrap().parse::<i64>().unwrap() * 1_000_000;
            if time < start - 5_000_000_000 {
                continue;
            }
            trades.push(T {
                symbol: m["arg"]["instId"].as_str().unwrap().to_string(),
                time,
                id: 0,
                price: scaled(r[1].as_str().unwrap(), SCALE),
                size: scaled(r[2].as_str().unwrap(), SCALE),
                buy: r[3] == "buy",
            });
        }
    }
    assert_eq!(snapshot_rows, 400);
    assert_eq!(trades.len(), 30);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "bitget"), want);
    let bars = expected_bars(&trades);
    for symbol in want.keys() {
        compare_symbol(&csv, "bitget", symbol, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
