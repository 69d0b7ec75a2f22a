//! Shared by the Huobi and Upbit tests: an independent reader of cryptofeed's binary frames
//! (Python bytes literals), exact decimals as scaled integers, and the check of a recording's
//! bars against the live trades each test reads itself.
#![allow(dead_code)] // each test uses a different subset

use std::collections::BTreeMap;
use std::path::PathBuf;

use assert_cmd::Command;

pub fn recording(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/captures/cryptofeed"
    ))
    .join(name);
    if p.exists() {
        Some(p)
    } else {
        println!("skipped: {} not found", p.display());
        None
    }
}

/// Python's repr of bytes, read back.
pub fn unrepr(lit: &str) -> Vec<u8> {
    let b = lit.as_bytes();
    assert!(b[0] == b'b' && (b[1] == b'\'' || b[1] == b'"'));
    let body = &b[2..b.len() - 1];
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            let e = body[i + 1];
            i += 2;
            out.push(match e {
                b'x' => {
                    let v = u8::from_str_radix(std::str::from_utf8(&body[i..i + 2]).unwrap(), 16)
                        .unwrap();
                    i += 2;
                    v
                }
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                other => other,
            });
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// A decimal's text (with an optional exponent) as (mantissa, scale), exactly.
pub fn dec(text: &str) -> (i128, u32) {
    let (m, e) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap()),
        None => (text, 0),
    };
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    let mant: i128 = format!("{int}{frac}").parse().unwrap();
    let scale = frac.len() as i32 - e;
    if scale >= 0 {
        (mant, scale as u32)
    } else {
        (mant * 10i128.pow((-scale) as u32), 0)
    }
}

pub fn at_scale((m, s): (i128, u32), scale: u32) -> i128 {
    m * 10i128.pow(scale - s)
}

pub fn plain(v: i128, scale: u32) -> String {
    let s = format!("{:0>width$}", v, width = scale as usize + 1);
    let (i, f) = s.split_at(s.len() - scale as usize);
    let f = f.trim_end_matches('0');
    if f.is_empty() {
        i.to_string()
    } else {
        format!("{i}.{f}")
    }
}

pub struct Live {
    pub symbol: String,
    pub ts: i64,
    pub id: u128,
    pub price: String,
    pub amount: String,
}

pub fn tapebar_rows(path: &PathBuf) -> Vec<Vec<String>> {
    let out = Command::cargo_bin("tapebar")
        .unwrap()
        .args(["aggregate", "-o", "-", "-q"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Check a recording: `live_trades` reads its live trades independently; tapebar must give
/// the same trades per symbol and every traded bar value by value.
pub fn check_recording(name: &str, venue: &str, live_trades: fn(&PathBuf) -> Vec<Live>) {
    let Some(path) = recording(name) else { return };
    let trades = live_trades(&path);
    assert!(!trades.is_empty());
    let rows = tapebar_rows(&path);
    // Trades per symbol.
    let mut want: BTreeMap<&str, u64> = BTreeMap::new();
    for t in &trades {
        *want.entry(&t.symbol).or_default() += 1;
    }
    let mut got: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r[0], venue);
        *got.entry(&r[1]).or_default() += r[8].parse::<u64>().unwrap();
    }
    assert_eq!(got, want, "{name}: trades per symbol");
    // Every traded bar, value by value.
    let mut bars: BTreeMap<(String, i64), Vec<&Live>> = BTreeMap::new();
    for t in &trades {
        bars.entry((t.symbol.clone(), t.ts / 10_000 * 10_000))
            .or_default()
            .push(t);
    }
    const S: u32 = 30;
    for ((sym, ts), mut ts_trades) in bars {
        ts_trades.sort_by_key(|t| (t.ts, t.id));
        let row = rows
            .iter()
            .find(|r| r[1] == sym && r[2] == ts.to_string())
            .unwrap_or_else(|| panic!("{name}: no row for {sym} {ts}"));
        let prices: Vec<i128> = ts_trades
            .iter()
            .map(|t| at_scale(dec(&t.price), S))
            .collect();
        let volume: i128 = ts_trades.iter().map(|t| at_scale(dec(&t.amount), S)).sum();
        let expect = [
            plain(prices[0], S),
            plain(*prices.iter().max().unwrap(), S),
            plain(*prices.iter().min().unwrap(), S),
            plain(*prices.last().unwrap(), S),
            plain(volume, S),
            ts_trades.len().to_string(),
        ];
        assert_eq!(&row[3..9], &expect[..], "{name}: {sym} {ts}");
    }
}
