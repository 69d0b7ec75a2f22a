//! Bybit legacy `trade.*` (linear and inverse): small fixtures with hand-checked bars, and
//! the real recording BYBIT.ws.25.0 (../shared/captures/cryptofeed, read-only) whose bars are
//! computed here independently: serde_json for the messages, scaled i128 integers parsed
//! from the decimal text for the arithmetic.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

fn run(file: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("tapebar")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["aggregate", "-q", "-o", "-", file])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tapebar failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

#[test]
fn fixture_linear_bars_hand_checked() {
    // Left out: the response, the order book delta, the XTZUSDT trade pushed on subscribe
    // 42 s before the recording start (pre-capture), and the repeated first message (two
    // duplicates). The two fills of 1618677791000 keep capture order (UUID ids do not order).
    let csv = run("testdata/venues/bybit.jsonl");
    let want = [
        HEADER,
        "bybit,BCHUSDT,1618677780000,1053.9,1054.45,1053.9,1054.45,0.96,2,1012.195,0.14",
        "bybit,BCHUSDT,1618677790000,1054.1,1054.2,1054.1,1054.2,2,2,2108.25,1.5",
        "bybit,BCHUSDT,1618677800000,1054.2,1054.2,1054.2,1054.2,0,0,0,0",
        "bybit,BCHUSDT,1618677810000,1050,1050,1050,1050,2,1,2100,2",
    ];
    assert_eq!(csv.lines().collect::<Vec<_>>(), want);
}

#[test]
fn fixture_inverse_numbers_hand_checked() {
    // `/realtime` is the inverse endpoint; price and size are JSON numbers, size in contracts.
    let csv = run("testdata/venues/bybit_inverse.jsonl");
    let want = [
        HEADER,
        "bybit-inverse,BTCUSD,1618677780000,60621.5,60622,60621.5,60622,14,2,848706,10",
    ];
    assert_eq!(csv.lines().collect::<Vec<_>>(), want);
}

#[test]
fn fixture_summary_counts_what_was_left_out() {
    let out = assert_cmd::Command::cargo_bin("tapebar")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["aggregate", "-o", "-", "testdata/venues/bybit.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("7 messages, 5 trades, 2 duplicates, 1 skipped"),
        "{err}"
    );
    assert!(err.contains(", 0 malformed"), "{err}");
    assert!(!err.contains("unrecognised"), "{err}");
}

// ----- independent computation for the real recording -----------------------------------

const SCALE: u32 = 12;
const INTERVAL_NS: i64 = 10_000_000_000;

fn scaled(text: &str, scale: u32) -> i128 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()),
        "not a plain decimal: {text}"
    );
    assert!(
        frac.bytes().all(|b| b.is_ascii_digit()),
        "not a plain decimal: {text}"
    );
    let frac = frac.trim_end_matches('0');
    assert!(frac.len() as u32 <= scale, "{text}: too many decimals");
    let mut v: i128 = whole.parse().unwrap();
    for i in 0..scale as usize {
        v = v * 10 + frac.as_bytes().get(i).map_or(0, |b| (b - b'0') as i128);
    }
    v
}

fn plain(v: i128, scale: u32) -> String {
    let p = 10i128.pow(scale);
    let (w, f) = (v / p, v % p);
    if f == 0 {
        return w.to_string();
    }
    let frac = format!("{:0width$}", f, width = scale as usize);
    format!("{w}.{}", frac.trim_end_matches('0'))
}

struct T {
    symbol: String,
    time: i64,
    /// Capture order (Bybit's UUID ids do not order trades).
    id: u128,
    price: i128,
    size: i128,
    taker_buy: bool,
}

/// The live trades of the recording: `trade.*` rows not older than the connection time
/// minus 5 s, first copy of each (symbol, trade_id).
fn read_recording(path: &std::path::Path) -> Vec<T> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let (_, ts) = lines.next().unwrap().split_once(" <-> ").unwrap();
    let start = scaled(ts.trim(), 9) as i64;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut seq = 0u128;
    for line in lines {
        if line.is_empty() || line.contains(" <- ") {
            continue;
        }
        let (_, payload) = line.split_once(": ").unwrap();
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        if !v["topic"].as_str().is_some_and(|t| t.starts_with("trade.")) {
            continue;
        }
        for r in v["data"].as_array().unwrap() {
            seq += 1;
            // Exact number text (serde_json is built with arbitrary_precision).
            let num = |k: &str| match &r[k] {
                serde_json::Value::String(s) => s.clone(),
                n => n.to_string(),
            };
            let t = T {
                symbol: r["symbol"].as_str().unwrap().to_string(),
                time: num("trade_time_ms").parse::<i64>().unwrap() * 1_000_000,
                id: seq,
                price: scaled(&num("price"), SCALE),
                size: scaled(&num("size"), SCALE),
                taker_buy: r["side"] == "Buy",
            };
            let key = (
                t.symbol.clone(),
                r["trade_id"].as_str().unwrap().to_string(),
            );
            if t.time < start - 5_000_000_000 || !seen.insert(key) {
                continue;
            }
            out.push(t);
        }
    }
    out
}

/// Expected long-form rows (with forward fill) of one venue.
fn expected_rows(venue: &str, trades: &mut [T]) -> Vec<String> {
    trades.sort_by(|a, b| (&a.symbol, a.time, a.id).cmp(&(&b.symbol, b.time, b.id)));
    let mut by_symbol: BTreeMap<&str, Vec<&T>> = BTreeMap::new();
    for t in trades.iter() {
        by_symbol.entry(&t.symbol).or_default().push(t);
    }
    let mut rows = Vec::new();
    for (symbol, ts) in by_symbol {
        let mut buckets: BTreeMap<i64, Vec<&T>> = BTreeMap::new();
        for t in ts {
            buckets
                .entry(t.time.div_euclid(INTERVAL_NS))
                .or_default()
                .push(t);
        }
        let (first, last) = (
            *buckets.keys().next().unwrap(),
            *buckets.keys().last().unwrap(),
        );
        let mut close = 0;
        for b in first..=last {
            let ms = b * INTERVAL_NS / 1_000_000;
            match buckets.get(&b) {
                None => {
                    let c = plain(close, SCALE);
                    rows.push(format!("{venue},{symbol},{ms},{c},{c},{c},{c},0,0,0,0"));
                }
                Some(v) => {
                    let open = v[0].price;
                    close = v[v.len() - 1].price;
                    let high = v.iter().map(|t| t.price).max().unwrap();
                    let low = v.iter().map(|t| t.price).min().unwrap();
                    let vol: i128 = v.iter().map(|t| t.size).sum();
                    let quote: i128 = v.iter().map(|t| t.size * t.price).sum();
                    let buy: i128 = v.iter().filter(|t| t.taker_buy).map(|t| t.size).sum();
                    rows.push(format!(
                        "{venue},{symbol},{ms},{},{},{},{},{},{},{},{}",
                        plain(open, SCALE),
                        plain(high, SCALE),
                        plain(low, SCALE),
                        plain(close, SCALE),
                        plain(vol, SCALE),
                        v.len(),
                        plain(quote, 2 * SCALE),
                        plain(buy, SCALE)
                    ));
                }
            }
        }
    }
    rows
}

fn recording(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/captures/cryptofeed"
    ))
    .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} not found", p.display());
        None
    }
}

#[test]
fn real_recording_bybit_ws_25() {
    let Some(path) = recording("BYBIT.ws.25.0") else {
        return;
    };
    let mut trades = read_recording(&path);
    let mut want_counts: BTreeMap<String, usize> = BTreeMap::new();
    for t in &trades {
        *want_counts.entry(t.symbol.clone()).or_default() += 1;
    }
    assert!(want_counts.values().sum::<usize>() > 50, "{want_counts:?}");
    let csv = run(path.to_str().unwrap());
    let mut got_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<&str> = lines.collect();
    for row in &rows {
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(f[0], "bybit", "{row}");
        *got_counts.entry(f[1].to_string()).or_default() += f[8].parse::<usize>().unwrap();
    }
    assert_eq!(got_counts, want_counts);
    // Every bar, value by value.
    let want = expected_rows("bybit", &mut trades);
    assert_eq!(rows, want);
}
