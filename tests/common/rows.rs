//! Shared by the Bybit, OKX and Coinbase tests: running tapebar, exact decimals as scaled
//! integers, and the expected CSV rows of a real recording recomputed from its live trades.
#![allow(dead_code)] // each test uses a different subset

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Prices and sizes at 1e-SCALE.
pub const SCALE: u32 = 12;
pub const INTERVAL_NS: i64 = 10_000_000_000;

pub fn run(file: &str) -> String {
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
pub fn scaled(text: &str, scale: u32) -> i128 {
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
pub fn plain(v: i128, scale: u32) -> String {
    let p = 10i128.pow(scale);
    let (w, f) = (v / p, v % p);
    if f == 0 {
        return w.to_string();
    }
    let frac = format!("{:0width$}", f, width = scale as usize);
    format!("{w}.{}", frac.trim_end_matches('0'))
}
pub struct T {
    pub symbol: String,
    pub time: i64,
    pub id: u128,
    pub price: i128,
    pub size: i128,
    pub taker_buy: bool,
}
/// Expected long-form rows (with forward fill) of one venue.
pub fn expected_rows(venue: &str, trades: &mut [T]) -> Vec<String> {
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
pub fn recording(name: &str) -> Option<PathBuf> {
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
