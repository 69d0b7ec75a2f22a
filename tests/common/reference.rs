//! The independent reference the venue tests compare tapebar with: trades read by each test
//! with serde_json, decimals as integers scaled by `10^SCALE` (the including test's
//! `SCALE`), and the 10 s bars recomputed from them with forward fill.
//!
//! Included by each venue test with `#[path = "common/reference.rs"] mod reference;` next
//! to its `const SCALE` and `mod common;`.
#![allow(dead_code)] // each venue test uses a different subset

use super::SCALE;

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
    assert!(
        frac.len() as u32 <= scale,
        "{text} has more than {scale} decimals"
    );
    let mut v: i128 = whole.parse().unwrap();
    for i in 0..scale as usize {
        v = v * 10 + frac.as_bytes().get(i).map_or(0, |b| (b - b'0') as i128);
    }
    v
}

/// A JSON number or string as its exact text (serde_json keeps number text).
pub fn num_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        other => panic!("not a number: {other}"),
    }
}

/// Days since 1970-01-01 (civil calendar).
pub fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
}

/// `YYYY-MM-DDTHH:MM:SS[.f]Z` as ns.
pub fn iso_ns(s: &str) -> i64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    assert!(s.ends_with('Z'), "{s}");
    let secs =
        days(n(0, 4), n(5, 7), n(8, 10)) * 86400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    let frac = s[19..s.len() - 1].trim_start_matches('.');
    secs * 1_000_000_000 + scaled(&format!("0.{frac}"), 9) as i64
}

/// One live trade as the test reads it.
#[derive(Clone, Debug)]
pub struct T {
    pub symbol: String,
    pub time: i64,
    /// Only for venues whose ids increase (open/close order after time).
    pub id: u128,
    pub price: i128,
    pub size: i128,
    pub buy: bool,
}

/// (symbol, ts) -> [open, high, low, close, volume, trades, quote_volume, buy_volume], each
/// as (value, scale); forward fill between a symbol's first and last bar; 10 s bars.
pub type Bars = std::collections::BTreeMap<(String, i64), Vec<(i128, u32)>>;

pub fn expected_bars(trades: &[T]) -> Bars {
    const BAR: i64 = 10_000_000_000;
    let mut by: std::collections::BTreeMap<(String, i64), Vec<T>> = Default::default();
    for t in trades {
        by.entry((t.symbol.clone(), t.time.div_euclid(BAR) * BAR))
            .or_default()
            .push(t.clone());
    }
    let mut bars = Bars::new();
    let mut last: Option<(String, i64, i128)> = None;
    for ((sym, start), mut ts) in by {
        // Stable: equal (time, id) keep capture order.
        ts.sort_by_key(|t| (t.time, t.id));
        if let Some((ls, lstart, close)) = &last {
            if *ls == sym {
                let mut s = lstart + BAR;
                while s < start {
                    let v = vec![
                        (*close, SCALE),
                        (*close, SCALE),
                        (*close, SCALE),
                        (*close, SCALE),
                    ];
                    let mut v = v;
                    v.extend([(0, SCALE), (0, 0), (0, 2 * SCALE), (0, SCALE)]);
                    bars.insert((sym.clone(), s / 1_000_000), v);
                    s += BAR;
                }
            }
        }
        let open = ts[0].price;
        let close = ts[ts.len() - 1].price;
        let high = ts.iter().map(|t| t.price).max().unwrap();
        let low = ts.iter().map(|t| t.price).min().unwrap();
        let vol: i128 = ts.iter().map(|t| t.size).sum();
        let qv: i128 = ts.iter().map(|t| t.size * t.price).sum();
        let buy: i128 = ts.iter().filter(|t| t.buy).map(|t| t.size).sum();
        bars.insert(
            (sym.clone(), start / 1_000_000),
            vec![
                (open, SCALE),
                (high, SCALE),
                (low, SCALE),
                (close, SCALE),
                (vol, SCALE),
                (ts.len() as i128, 0),
                (qv, 2 * SCALE),
                (buy, SCALE),
            ],
        );
        last = Some((sym, start, close));
    }
    bars
}

/// The rows of `venue` in tapebar's long CSV as (symbol, ts) -> the 8 value columns.
pub fn csv_rows(csv: &str, venue: &str) -> std::collections::BTreeMap<(String, i64), Vec<String>> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f[0] == venue)
        .map(|f| ((f[1].clone(), f[2].parse().unwrap()), f[3..].to_vec()))
        .collect()
}

/// Every expected bar of `symbol` equals tapebar's, value by value, and there are no others.
pub fn compare_symbol(csv: &str, venue: &str, symbol: &str, want: &Bars) {
    let got: Vec<_> = csv_rows(csv, venue)
        .into_iter()
        .filter(|((s, _), _)| s == symbol)
        .collect();
    let want: Vec<_> = want.iter().filter(|((s, _), _)| s == symbol).collect();
    assert!(!want.is_empty(), "no expected bars for {symbol}");
    assert_eq!(got.len(), want.len(), "number of bars of {symbol}");
    for ((gk, gv), (wk, wv)) in got.iter().zip(want) {
        assert_eq!(gk, wk);
        for (g, (w, scale)) in gv.iter().zip(wv.iter()) {
            assert_eq!(scaled(g, *scale), *w, "{symbol} bar {} : {g}", gk.1);
        }
    }
}

/// Per-symbol sum of the `trades` column.
pub fn trade_counts(csv: &str, venue: &str) -> std::collections::BTreeMap<String, i64> {
    let mut m = std::collections::BTreeMap::new();
    for ((sym, _), v) in csv_rows(csv, venue) {
        *m.entry(sym).or_insert(0) += v[5].parse::<i64>().unwrap();
    }
    m
}

/// A cryptofeed recording: the connection start (ns) and the received payloads in order.
pub fn cryptofeed(path: &std::path::Path) -> Option<(i64, Vec<serde_json::Value>)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipped: {} not found", path.display());
        return None;
    };
    let mut lines = text.lines();
    let (_, ts) = lines
        .next()
        .unwrap()
        .split_once(" <-> ")
        .expect("connection line");
    let start = scaled(ts.trim(), 9) as i64;
    let msgs = lines
        .filter(|l| !l.is_empty() && !l.contains(" <- "))
        .map(|l| serde_json::from_str(l.split_once(": ").unwrap().1).unwrap())
        .collect();
    Some((start, msgs))
}

/// Run `tapebar aggregate -o - ARGS` and return stdout (must succeed).
pub fn run(args: &[&str]) -> String {
    let out = super::common::aggregate(&[&["-o", "-"], args].concat());
    assert!(
        out.status.success(),
        "tapebar failed: {}",
        super::common::text(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    super::common::check_long_form(&csv);
    csv
}
