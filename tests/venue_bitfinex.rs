//! Bitfinex (`src/venue/bitfinex.rs`): the fixture `testdata/venues/bitfinex.jsonl` with
//! hand-checked rows, a generated capture of several chunks whose channel numbers change
//! meaning between two connections, and the real recording BITFINEX.ws.11.0 checked against
//! an independent serde_json reading.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

const FIXTURE: &str = "testdata/venues/bitfinex.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";
const URL: &str = "wss://api.bitfinex.com/ws/2";

const LIVE: [&str; 5] = [
    "bitfinex,tDOGUSD,1618677550000,282800,282800,282750,282750,0.51,2,144203,0.01",
    "bitfinex,tDOGUSD,1618677560000,282900,282900,282890,282890,2,2,565792.5,1.25",
    "bitfinex,tDOGUSD,1618677570000,282890,282890,282890,282890,0,0,0,0",
    "bitfinex,tDOGUSD,1618677580000,282850,282850,282850,282850,0.2,1,56570,0",
    "bitfinex,tIOTETH,1618677550000,0.0010245,0.0010245,0.0010245,0.0010245,100,1,0.10245,0",
];

/// Symbols come from the `subscribed` events; positive AMOUNT = taker buy, size |AMOUNT|;
/// every `tu` repeats its `te` (same ID) and counts once; trades 670086216 and 670086215 share
/// a millisecond and arrive in that order: the ordered ids make 670086215 (282900) the open.
/// Left out and counted: the snapshots (history), the funding channel `fUSD` (a snapshot row
/// and an `fte`), a `te` on channel 99999 (never subscribed) and one on 205046 after its
/// `unsubscribed`. Book and heartbeat messages carry no trades; 1618677570000 is a fill row.
/// tDOGUSD 1618677550000: 0.01 × 282800 + 0.5 × 282750 = 144203;
/// 1618677560000: 1.25 × 282900 + 0.75 × 282890 = 565792.5.
#[test]
fn fixture_live_trades() {
    let out = common::aggregate(&["-o", "-", FIXTURE]);
    assert!(out.status.success());
    let mut want = vec![HEADER];
    want.extend(LIVE);
    want.push("");
    assert_eq!(common::text(&out.stdout), want.join("\n"));
    let err = common::text(&out.stderr);
    for part in [
        " 6 trades, 3 duplicates, 7 skipped (",
        "history (labelled snapshot of past trades): 3, first at testdata/venues/bitfinex.jsonl:10;",
        "bitfinex funding trade (a loan at a rate, not a price): 2, first at testdata/venues/bitfinex.jsonl:14;",
        "bitfinex trade on a channel not subscribed on its connection (symbol unknown): 2, first at testdata/venues/bitfinex.jsonl:28)",
        " 0 malformed",
    ] {
        assert!(err.contains(part), "{part} in {err}");
    }
    assert!(!err.contains("unrecognised"), "{err}");
}

/// `--keep-pre-capture` keeps the three snapshot trades (sent newest first); the funding
/// rows stay out. tIOTETH 1618677520000: 11.24375978 × 0.0010245 = 0.01151923189461.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER,
        "bitfinex,tDOGUSD,1618677530000,281000,281000,281000,281000,0.001998,1,561.438,0.001998",
        "bitfinex,tDOGUSD,1618677540000,282780,282780,282780,282780,0.018485,1,5227.1883,0.018485",
    ];
    want.extend(&LIVE[..4]);
    want.extend([
        "bitfinex,tIOTETH,1618677520000,0.0010245,0.0010245,0.0010245,0.0010245,11.24375978,1,0.01151923189461,0",
        "bitfinex,tIOTETH,1618677530000,0.0010245,0.0010245,0.0010245,0.0010245,0,0,0,0",
        "bitfinex,tIOTETH,1618677540000,0.0010245,0.0010245,0.0010245,0.0010245,0,0,0,0",
        LIVE[4],
        "",
    ]);
    assert_eq!(csv, want.join("\n"));
}

/// A generated capture of 3.5 to 5 MiB (several 1 MiB chunks decoded in parallel) in which
/// channel 10 changes meaning far into the file: first tAAA, then, after a trade on it that
/// arrives before it is subscribed again (skipped: its symbol is unknown), tBBB. As a
/// cryptofeed recording the change is a second connection; as plain JSON lines (no
/// connection state besides the channels) it is an `unsubscribed` event. Each `te` is
/// followed by its `tu`. The bars equal the ones computed here from the generated trades,
/// with 1 and 3 threads alike.
#[test]
fn channels_across_chunks_and_connections() {
    for cryptofeed in [true, false] {
        let (text, trades, tus) = generate(cryptofeed);
        assert!(text.len() > 3 << 20, "{} bytes", text.len());
        let dir = tempfile::tempdir().unwrap();
        let path = common::write_temp(dir.path(), "bitfinex.gen", text.as_bytes());
        let path = path.to_str().unwrap();
        let bars = expected_bars(&trades);
        let mut csvs = Vec::new();
        for threads in ["1", "3"] {
            let out = common::aggregate(&["-o", "-", "-j", threads, path]);
            assert!(out.status.success());
            let csv = common::text(&out.stdout);
            for sym in ["tAAA", "tBBB"] {
                compare_symbol(&csv, "bitfinex", sym, &bars);
            }
            let want_counts: BTreeMap<String, i64> = ["tAAA", "tBBB"]
                .map(|s| {
                    (
                        s.to_string(),
                        trades.iter().filter(|t| t.symbol == s).count() as i64,
                    )
                })
                .into();
            assert_eq!(trade_counts(&csv, "bitfinex"), want_counts);
            let err = common::text(&out.stderr);
            assert!(
                err.contains(&format!(
                    " {} trades, {} duplicates, 1 skipped (bitfinex trade on a channel not subscribed on its connection (symbol unknown): 1,",
                    common::thousands(trades.len()),
                    common::thousands(tus)
                )) && err.contains(" 0 malformed"),
                "{err}"
            );
            csvs.push(csv);
        }
        assert_eq!(csvs[0], csvs[1], "1 and 3 threads");
    }
}

/// The capture of `channels_across_chunks_and_connections`: its text, the live trades (each
/// counted once) and the number of `tu` copies.
fn generate(cryptofeed: bool) -> (String, Vec<T>, usize) {
    fn line(text: &mut String, cryptofeed: bool, recv_ms: i64, payload: &str) {
        if cryptofeed {
            write!(text, "{}.{:03}: ", recv_ms / 1000, recv_ms % 1000).unwrap();
        }
        writeln!(text, "{payload}").unwrap();
    }
    let mut text = String::new();
    let mut trades = Vec::new();
    let mut tus = 0;
    let mut id = 1_000_000u64;
    let mut recv_ms = 1_700_000_000_000i64;
    for (part, symbol, books) in [(0, "tAAA", 80_000), (1, "tBBB", 40_000)] {
        if cryptofeed {
            writeln!(text, "{URL} <-> {}.{:03}", recv_ms / 1000, recv_ms % 1000).unwrap();
        } else if part == 1 {
            line(
                &mut text,
                cryptofeed,
                recv_ms,
                r#"{"event":"unsubscribed","status":"OK","chanId":10}"#,
            );
        }
        if part == 1 {
            // Channel 10 before it is subscribed again: symbol unknown.
            let row = format!(r#"[10,"te",[999,{recv_ms},1,1],1]"#);
            line(&mut text, cryptofeed, recv_ms, &row);
        }
        let pair = &symbol[1..];
        line(
            &mut text,
            cryptofeed,
            recv_ms,
            &format!(
                r#"{{"event":"subscribed","channel":"trades","chanId":10,"symbol":"{symbol}","pair":"{pair}"}}"#
            ),
        );
        if part == 0 {
            line(
                &mut text,
                cryptofeed,
                recv_ms,
                &format!(
                    r#"{{"event":"subscribed","channel":"book","chanId":11,"symbol":"{symbol}","prec":"P0","freq":"F0","len":"25","pair":"{pair}"}}"#
                ),
            );
        }
        for i in 0..books {
            recv_ms += 7;
            let book = format!("[11,[{}.5,{},{}.25],{i}]", 30_000 + i % 50, i % 4, i % 9);
            line(&mut text, cryptofeed, recv_ms, &book);
            if i % 37 == 0 {
                id += 1;
                let price = format!("{}.{}", 30_000 + i % 101, i % 10);
                let size = format!("0.{:03}", 1 + i % 997);
                let buy = i % 3 != 0;
                let amount = if buy {
                    size.clone()
                } else {
                    format!("-{size}")
                };
                let row = format!("[{id},{},{amount},{price}]", recv_ms - 2);
                line(
                    &mut text,
                    cryptofeed,
                    recv_ms,
                    &format!(r#"[10,"te",{row},{i}]"#),
                );
                line(
                    &mut text,
                    cryptofeed,
                    recv_ms + 1,
                    &format!(r#"[10,"tu",{row},{i}]"#),
                );
                tus += 1;
                trades.push(T {
                    symbol: symbol.to_string(),
                    time: (recv_ms - 2) * 1_000_000,
                    id: id as u128,
                    price: scaled(&price, SCALE),
                    size: scaled(&size, SCALE),
                    buy,
                });
            }
        }
        recv_ms += 60_000;
    }
    (text, trades, tus)
}

/// BITFINEX.ws.11.0 holds only the snapshots sent on subscribing (labelled history), book
/// and ticker data and heartbeats with sequence numbers (flags 65536): no live trade. Read
/// here with serde_json (channel numbers mapped from the `subscribed` events, rows deduplicated
/// by ID), the snapshot rows give the number of history trades left out, and with
/// `--keep-pre-capture` the per-symbol counts and the bars of every symbol value by value.
#[test]
fn real_recording_bitfinex_ws_11() {
    let path = common::captures_dir().join("BITFINEX.ws.11.0");
    let Some((_, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut channels: HashMap<u64, (String, String)> = HashMap::new();
    let mut seen = HashSet::new();
    let mut trades = Vec::new();
    let mut live = 0;
    for m in &msgs {
        if m["event"] == "subscribed" {
            channels.insert(
                m["chanId"].as_u64().unwrap(),
                (
                    m["channel"].as_str().unwrap().to_string(),
                    m["symbol"].as_str().unwrap().to_string(),
                ),
            );
            continue;
        }
        let Some(a) = m.as_array() else { continue };
        let Some((name, symbol)) = channels.get(&a[0].as_u64().unwrap()) else {
            continue;
        };
        if name != "trades" {
            continue;
        }
        if a[1] == "te" || a[1] == "tu" {
            live += 1;
        }
        let Some(rows) = a[1].as_array() else {
            continue;
        };
        for row in rows {
            let id = row[0].as_u64().unwrap() as u128;
            let amount = num_text(&row[2]);
            if !seen.insert(id) {
                continue;
            }
            trades.push(T {
                symbol: symbol.clone(),
                time: row[1].as_i64().unwrap() * 1_000_000,
                id,
                price: scaled(&num_text(&row[3]), SCALE),
                size: scaled(amount.trim_start_matches('-'), SCALE),
                buy: !amount.starts_with('-'),
            });
        }
    }
    assert_eq!(live, 0, "no live trade in the recording");
    assert_eq!(channels.values().filter(|c| c.0 == "trades").count(), 7);
    assert!(trades.len() >= 200, "{} snapshot trades", trades.len());
    let p = path.to_str().unwrap();
    let out = common::aggregate(&["-o", "-", p]);
    assert!(out.status.success());
    assert_eq!(common::text(&out.stdout), format!("{HEADER}\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(&format!(
            " 0 trades, 0 duplicates, {n} skipped (history (labelled snapshot of past trades): {n}, first at",
            n = trades.len()
        )) && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
    let csv = run(&["--keep-pre-capture", p]);
    let mut want = BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(want.len(), 7);
    assert_eq!(trade_counts(&csv, "bitfinex"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "bitfinex", sym, &bars);
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
