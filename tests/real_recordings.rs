//! Real cryptofeed recordings (../shared/captures/cryptofeed, read-only, not in the
//! repository): the expected bars are computed here, independently of tapebar's code —
//! serde_json for the messages, scaled i128 integers parsed from the decimal strings for
//! the arithmetic — and compared value by value with `tapebar aggregate -o -`.
//!
//! - BINANCE.ws.1.0: spot (stream.binance.com), 2 aggTrades among depth, kline and
//!   bookTicker messages: venue `binance`.
//! - BINANCE_FUTURES.ws.1.0: USD-M (fstream.binance.com), 91 aggTrades: venue
//!   `binance-futures`.
//! - BINANCE_TR.ws.1.0: Binance TR (stream-cloud.trbinance.com), subscribed to aggTrade,
//!   kline, depth and bookTicker streams, but no aggTrade arrived: every message is read as
//!   a `binance-tr` message without trades.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::*;

/// Prices and sizes as integers of 1e-8 (Binance sends at most 8 decimals); products at 1e-16.
const SCALE: u32 = 8;

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
    let frac_trim = frac.trim_end_matches('0');
    assert!(
        frac_trim.len() as u32 <= scale,
        "{text} has more than {scale} decimals"
    );
    let mut v: i128 = whole.parse().unwrap();
    for i in 0..scale as usize {
        v = v * 10
            + frac_trim
                .as_bytes()
                .get(i)
                .map_or(0, |b| (b - b'0') as i128);
    }
    v
}

/// Plain decimal text of `v` / 10^scale, trailing zeros stripped.
fn plain(v: i128, scale: u32) -> String {
    let p = 10i128.pow(scale);
    let (w, f) = (v / p, v % p);
    if f == 0 {
        return w.to_string();
    }
    let frac = format!("{:0width$}", f, width = scale as usize);
    format!("{w}.{}", frac.trim_end_matches('0'))
}

#[derive(Clone, Debug)]
struct Agg {
    symbol: String,
    time_ms: i64,
    id: i64,
    price: i128,
    size: i128,
    buyer_maker: bool,
}

/// One expected row: (venue, symbol, ts) -> values as (column name, value, scale).
type Row = Vec<(&'static str, i128, u32)>;

/// The aggTrades of a cryptofeed recording, read with serde_json; the recording's start
/// (connection line) for the pre-capture rule.
fn read_recording(path: &std::path::Path) -> (String, i64, Vec<Agg>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (url, ts) = header
        .split_once(" <-> ")
        .expect("cryptofeed connection line");
    let start_ns = (scaled(ts.trim(), 9)) as i64;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in lines {
        if line.is_empty() || line.starts_with("wss://") {
            continue;
        }
        let (_recv, payload) = line.split_once(": ").expect("`ts: json` line");
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        let d = &v["data"];
        if d["e"] != "aggTrade" {
            continue;
        }
        let a = Agg {
            symbol: d["s"].as_str().unwrap().to_string(),
            time_ms: d["T"].as_i64().unwrap(),
            id: d["a"].as_i64().unwrap(),
            price: scaled(d["p"].as_str().unwrap(), SCALE),
            size: scaled(d["q"].as_str().unwrap(), SCALE),
            buyer_maker: d["m"].as_bool().unwrap(),
        };
        // Pre-capture: more than 5 s before the connection opened.
        if (a.time_ms as i128) * 1_000_000 < start_ns as i128 - 5_000_000_000 {
            continue;
        }
        if seen.insert((a.symbol.clone(), a.id)) {
            out.push(a);
        }
    }
    (url.to_string(), start_ns, out)
}

/// 10 s bars with forward fill, independently.
fn expected_bars(venue: &str, trades: &[Agg]) -> BTreeMap<(String, String, i64), Row> {
    let mut by: BTreeMap<(String, i64), Vec<Agg>> = BTreeMap::new();
    for t in trades {
        by.entry((t.symbol.clone(), t.time_ms / 10_000 * 10_000))
            .or_default()
            .push(t.clone());
    }
    let mut rows = BTreeMap::new();
    let symbols: Vec<String> = by
        .keys()
        .map(|(s, _)| s.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for sym in symbols {
        let buckets: Vec<i64> = by
            .keys()
            .filter(|(s, _)| *s == sym)
            .map(|(_, b)| *b)
            .collect();
        let (first, last) = (buckets[0], *buckets.last().unwrap());
        let mut prev_close = 0i128;
        let mut b = first;
        while b <= last {
            let row: Row = match by.get_mut(&(sym.clone(), b)) {
                Some(ts) => {
                    ts.sort_by_key(|t| (t.time_ms, t.id));
                    let open = ts[0].price;
                    let close = ts.last().unwrap().price;
                    let high = ts.iter().map(|t| t.price).max().unwrap();
                    let low = ts.iter().map(|t| t.price).min().unwrap();
                    let volume: i128 = ts.iter().map(|t| t.size).sum();
                    let quote: i128 = ts.iter().map(|t| t.price * t.size).sum();
                    let buy: i128 = ts.iter().filter(|t| !t.buyer_maker).map(|t| t.size).sum();
                    prev_close = close;
                    vec![
                        ("open", open, SCALE),
                        ("high", high, SCALE),
                        ("low", low, SCALE),
                        ("close", close, SCALE),
                        ("volume", volume, SCALE),
                        ("trades", ts.len() as i128, 0),
                        ("quote_volume", quote, 2 * SCALE),
                        ("buy_volume", buy, SCALE),
                    ]
                }
                None => vec![
                    ("open", prev_close, SCALE),
                    ("high", prev_close, SCALE),
                    ("low", prev_close, SCALE),
                    ("close", prev_close, SCALE),
                    ("volume", 0, SCALE),
                    ("trades", 0, 0),
                    ("quote_volume", 0, 2 * SCALE),
                    ("buy_volume", 0, SCALE),
                ],
            };
            rows.insert((venue.to_string(), sym.clone(), b), row);
            b += 10_000;
        }
    }
    rows
}

/// Compare tapebar's long CSV with the expected rows, value by value.
fn compare(csv: &str, expected: &BTreeMap<(String, String, i64), Row>) {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume")
    );
    let mut got_keys = Vec::new();
    for line in lines {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols.len(), 11, "{line}");
        let key = (
            cols[0].to_string(),
            cols[1].to_string(),
            cols[2].parse::<i64>().unwrap(),
        );
        got_keys.push(key.clone());
        let want = expected
            .get(&key)
            .unwrap_or_else(|| panic!("unexpected row {line}"));
        for (i, (name, value, scale)) in want.iter().enumerate() {
            let text = cols[3 + i];
            let got = scaled(text, *scale);
            assert_eq!(
                got,
                *value,
                "{key:?} {name}: tapebar says {text}, expected {}",
                plain(*value, *scale)
            );
            assert_eq!(text, plain(*value, *scale), "{key:?} {name}: formatting");
        }
    }
    let want_keys: Vec<_> = expected.keys().cloned().collect();
    assert_eq!(
        got_keys, want_keys,
        "rows (and their order: venue, symbol, ts)"
    );
}

fn recording(name: &str) -> Option<std::path::PathBuf> {
    let p = captures_dir().join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipped: {} not found", p.display());
        None
    }
}

#[test]
fn spot_recording_binance_ws_1() {
    let Some(p) = recording("BINANCE.ws.1.0") else {
        return;
    };
    let (url, _, trades) = read_recording(&p);
    assert!(url.starts_with("wss://stream.binance.com"));
    assert_eq!(trades.len(), 2, "the recording holds 2 aggTrades");
    let expected = expected_bars("binance", &trades);
    let out = aggregate(&["-o".as_ref(), "-".as_ref(), p.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    compare(&text(&out.stdout), &expected);
    let err = text(&out.stderr);
    assert!(
        err.contains(" 2 trades, 0 duplicates, 0 skipped, 0 malformed"),
        "{err}"
    );
}

#[test]
fn futures_recording_binance_futures_ws_1() {
    let Some(p) = recording("BINANCE_FUTURES.ws.1.0") else {
        return;
    };
    let (url, _, trades) = read_recording(&p);
    assert!(url.starts_with("wss://fstream.binance.com"));
    assert_eq!(trades.len(), 91, "the recording holds 91 aggTrades");
    let expected = expected_bars("binance-futures", &trades);
    let out = aggregate(&["-o".as_ref(), "-".as_ref(), p.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    compare(&text(&out.stdout), &expected);
    let err = text(&out.stderr);
    assert!(
        err.contains(" 91 trades, 0 duplicates, 0 skipped, 0 malformed"),
        "{err}"
    );
}

#[test]
fn binance_tr_recording_ws_1() {
    let Some(p) = recording("BINANCE_TR.ws.1.0") else {
        return;
    };
    let (url, _, trades) = read_recording(&p);
    assert!(url.starts_with("wss://stream-cloud.trbinance.com"));
    assert!(url.contains("@aggTrade"), "aggTrade was subscribed");
    assert_eq!(trades.len(), 0, "the recording holds no aggTrade");
    // Every received line is a combined-stream message of a subscribed stream.
    let raw = std::fs::read_to_string(&p).unwrap();
    let received: Vec<&str> = raw
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("wss://"))
        .collect();
    for line in &received {
        let v: serde_json::Value = serde_json::from_str(line.split_once(": ").unwrap().1).unwrap();
        let stream = v["stream"].as_str().unwrap();
        assert!(url.contains(stream), "{stream} was subscribed");
    }
    let out = aggregate(&["-o".as_ref(), "-".as_ref(), p.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n"
    );
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            " {} messages, 0 trades, 0 duplicates, 0 skipped, 0 malformed",
            received.len()
        )) && !err.contains("unrecognised"),
        "{err}"
    );
    // And its messages are named binance-tr: with an aggTrade line appended, the bar is.
    let dir = tempfile::tempdir().unwrap();
    let mut with_trade = raw.trim_end().to_string();
    with_trade.push_str("\n1681154099.5: {\"stream\":\"belbtc@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":1681154099400,\"s\":\"BELBTC\",\"a\":7,\"p\":\"0.00003\",\"q\":\"2\",\"f\":7,\"l\":7,\"T\":1681154099390,\"m\":true}}\n");
    let q = write_temp(dir.path(), "tr.txt", with_trade.as_bytes());
    let csv = long_csv(&[q.as_os_str()]);
    assert_eq!(
        csv.lines().nth(1),
        Some("binance-tr,BELBTC,1681154090000,0.00003,0.00003,0.00003,0.00003,2,1,0.00006,0")
    );
}

/// Both recordings in one run, and each twice: the venues stay apart, the copies are
/// duplicates, and 1 s bars (with forward fill over the many empty seconds) are right too.
#[test]
fn both_recordings_together_and_repeated() {
    let (Some(spot), Some(fut)) = (
        recording("BINANCE.ws.1.0"),
        recording("BINANCE_FUTURES.ws.1.0"),
    ) else {
        return;
    };
    let (_, _, st) = read_recording(&spot);
    let (_, _, ft) = read_recording(&fut);
    let mut expected = expected_bars("binance", &st);
    expected.extend(expected_bars("binance-futures", &ft));
    let csv = long_csv(&[
        fut.as_os_str(),
        spot.as_os_str(),
        fut.as_os_str(),
        spot.as_os_str(),
    ]);
    compare(&csv, &expected);
}

/// The same comparison at 1 s, to exercise many forward-filled rows on real data.
#[test]
fn futures_recording_one_second_bars() {
    let Some(p) = recording("BINANCE_FUTURES.ws.1.0") else {
        return;
    };
    let (_, _, trades) = read_recording(&p);
    // Re-bucket at 1 s by scaling times: bars at 1 s of t are bars at 10 s of 10 t.
    let scaled_trades: Vec<Agg> = trades
        .iter()
        .map(|t| Agg {
            time_ms: t.time_ms * 10,
            ..t.clone()
        })
        .collect();
    let tenfold = expected_bars("binance-futures", &scaled_trades);
    let expected: BTreeMap<_, _> = tenfold
        .into_iter()
        .map(|((v, s, ts), row)| ((v, s, ts / 10), row))
        .collect();
    let fills = expected.values().filter(|r| r[5].1 == 0).count();
    assert!(
        fills > 10,
        "the 1 s bars have forward-filled rows ({fills})"
    );
    let csv = long_csv(&["--interval".as_ref(), "1s".as_ref(), p.as_os_str()]);
    compare(&csv, &expected);
}
