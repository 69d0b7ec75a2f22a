//! Kraken spot (`src/venue/kraken.rs`): the v1 fixture `testdata/venues/kraken.jsonl` and
//! the v2 fixture `testdata/venues/kraken_v2.jsonl` with hand-checked rows, and the real
//! recordings KRAKEN.ws.48.0 (v1 trades) and KRAKEN.ws.50.0 (books only) checked against an
//! independent serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/kraken.jsonl";
const FIXTURE_V2: &str = "testdata/venues/kraken_v2.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// v1: the XMR/USD trade of 1618678120 (more than 5 s before the connection) is left out;
/// v1 has no ids, so the repeated row 353.81 × 1.71754604 counts twice (volume 0.28245396 +
/// 2 × 1.71754604); `b`/`s` is the taker side; the book array with 5 elements, events and
/// heartbeats give no trades; 1618678150000 (SC/EUR) and 1618678160000 (XMR/USD) are fill rows.
/// XMR/USD 1618678140000: 354.11 × 0.89594024 + 354.55 × 1.25690315 = 762.8964102189.
#[test]
fn fixture_v1_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,SC/EUR,1618678140000,0.04299,0.04299,0.04299,0.04299,15979.71727919,1,686.9680458323781,0",
            "kraken,SC/EUR,1618678150000,0.04299,0.04299,0.04299,0.04299,0,0,0,0",
            "kraken,SC/EUR,1618678160000,0.04298,0.04298,0.04298,0.04298,8500,1,365.33,8500",
            "kraken,XMR/USD,1618678140000,354.11,354.55,354.11,354.55,2.15284339,2,762.8964102189,1.25690315",
            "kraken,XMR/USD,1618678150000,354.04,354.04,353.81,353.81,3.71754604,3,1315.3699288232,0",
            "kraken,XMR/USD,1618678160000,353.81,353.81,353.81,353.81,0,0,0,0",
            "kraken,XMR/USD,1618678170000,354.2,354.2,354.2,354.2,0.5,1,177.1,0.5",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the stale v1 trade (350 × 2, a taker buy) and fills 1618678130000.
#[test]
fn fixture_v1_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,SC/EUR,1618678140000,0.04299,0.04299,0.04299,0.04299,15979.71727919,1,686.9680458323781,0",
            "kraken,SC/EUR,1618678150000,0.04299,0.04299,0.04299,0.04299,0,0,0,0",
            "kraken,SC/EUR,1618678160000,0.04298,0.04298,0.04298,0.04298,8500,1,365.33,8500",
            "kraken,XMR/USD,1618678120000,350,350,350,350,2,1,700,2",
            "kraken,XMR/USD,1618678130000,350,350,350,350,0,0,0,0",
            "kraken,XMR/USD,1618678140000,354.11,354.55,354.11,354.55,2.15284339,2,762.8964102189,1.25690315",
            "kraken,XMR/USD,1618678150000,354.04,354.04,353.81,353.81,3.71754604,3,1315.3699288232,0",
            "kraken,XMR/USD,1618678160000,353.81,353.81,353.81,353.81,0,0,0,0",
            "kraken,XMR/USD,1618678170000,354.2,354.2,354.2,354.2,0.5,1,177.1,0.5",
            "",
        ]
        .join("\n")
    );
}

/// v2: the `snapshot` (trade 101 is only 2 s before the start, still labelled) is left out;
/// the repeated trade_id 102 counts once; 103 and 104 share a timestamp and arrive as 104, 103:
/// ordered ids put 104 (26499.9) last, so it closes the bar.
/// 26500.5 × 0.01 + 26501 × 0.02 + 26499.9 × 0.5 = 14044.975; buys 0.01 + 0.5.
#[test]
fn fixture_v2_live_trades() {
    let csv = run(&[FIXTURE_V2]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,BTC/USD,1695628110000,26500.5,26501,26499.9,26499.9,0.53,3,14044.975,0.51",
            "kraken,BTC/USD,1695628120000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628130000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628140000,26510,26510,26510,26510,0.1,1,2651,0",
            "kraken,ETH/USD,1695628130000,1590.12,1590.12,1590.12,1590.12,1.5,1,2385.18,0",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the v2 snapshot (newest first in the message).
#[test]
fn fixture_v2_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE_V2]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken,BTC/USD,1695628080000,26480.5,26480.5,26480.5,26480.5,0.1,1,2648.05,0.1",
            "kraken,BTC/USD,1695628090000,26480.5,26480.5,26480.5,26480.5,0,0,0,0",
            "kraken,BTC/USD,1695628100000,26490,26490,26490,26490,0.25,1,6622.5,0",
            "kraken,BTC/USD,1695628110000,26500.5,26501,26499.9,26499.9,0.53,3,14044.975,0.51",
            "kraken,BTC/USD,1695628120000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628130000,26499.9,26499.9,26499.9,26499.9,0,0,0,0",
            "kraken,BTC/USD,1695628140000,26510,26510,26510,26510,0.1,1,2651,0",
            "kraken,ETH/USD,1695628130000,1590.12,1590.12,1590.12,1590.12,1.5,1,2385.18,0",
            "",
        ]
        .join("\n")
    );
}

/// KRAKEN.ws.48.0: v1 arrays whose `[-2]` is `trade`, read with serde_json (nothing before
/// the connection time − 5 s; no ids, so no dedup) give the per-symbol trade counts, and the
/// bars of every symbol value by value.
#[test]
fn real_recording_kraken_ws_48() {
    let path = common::captures_dir().join("KRAKEN.ws.48.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut trades = Vec::new();
    for m in &msgs {
        let Some(a) = m.as_array() else { continue };
        if a.len() < 4 || a[a.len() - 2] != "trade" {
            continue;
        }
        let symbol = a[a.len() - 1].as_str().unwrap().to_string();
        for row in a[1].as_array().unwrap() {
            let time = scaled(row[2].as_str().unwrap(), 9) as i64;
            if time < start - 5_000_000_000 {
                continue;
            }
            trades.push(T {
                symbol: symbol.clone(),
                time,
                id: 0,
                price: scaled(row[0].as_str().unwrap(), SCALE),
                size: scaled(row[1].as_str().unwrap(), SCALE),
                buy: row[3] == "b",
            });
        }
    }
    assert_eq!(trades.len(), 10);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "kraken"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "kraken", sym, &bars);
    }
}

/// KRAKEN.ws.50.0 holds only `book-1000` arrays (4 and 5 elements) and events: no trades, no
/// malformed or unrecognised messages.
#[test]
fn real_recording_kraken_ws_50_has_no_trades() {
    let path = common::captures_dir().join("KRAKEN.ws.50.0");
    if !path.exists() {
        eprintln!("skipped: {} not found", path.display());
        return;
    }
    let out = common::aggregate(&["-o", "-", path.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(common::text(&out.stdout), format!("{HEADER}\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(" 0 trades, ")
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}

// ----- independent reference (serde_json + scaled integers), shared text in each venue test --

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
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
#[allow(dead_code)]
fn num_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        other => panic!("not a number: {other}"),
    }
}

/// Days since 1970-01-01 (civil calendar).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
}

/// `YYYY-MM-DDTHH:MM:SS[.f]Z` as ns.
#[allow(dead_code)] // not every venue has ISO times
fn iso_ns(s: &str) -> i64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    assert!(s.ends_with('Z'), "{s}");
    let secs =
        days(n(0, 4), n(5, 7), n(8, 10)) * 86400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    let frac = s[19..s.len() - 1].trim_start_matches('.');
    secs * 1_000_000_000 + scaled(&format!("0.{frac}"), 9) as i64
}

/// One live trade as the test reads it.
#[derive(Clone, Debug)]
struct T {
    symbol: String,
    time: i64,
    /// Only for venues whose ids increase (open/close order after time).
    id: u128,
    price: i128,
    size: i128,
    buy: bool,
}

/// (symbol, ts) -> [open, high, low, close, volume, trades, quote_volume, buy_volume], each
/// as (value, scale); forward fill between a symbol's first and last bar; 10 s bars.
type Bars = std::collections::BTreeMap<(String, i64), Vec<(i128, u32)>>;

fn expected_bars(trades: &[T]) -> Bars {
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
fn csv_rows(csv: &str, venue: &str) -> std::collections::BTreeMap<(String, i64), Vec<String>> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f[0] == venue)
        .map(|f| ((f[1].clone(), f[2].parse().unwrap()), f[3..].to_vec()))
        .collect()
}

/// Every expected bar of `symbol` equals tapebar's, value by value, and there are no others.
fn compare_symbol(csv: &str, venue: &str, symbol: &str, want: &Bars) {
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
fn trade_counts(csv: &str, venue: &str) -> std::collections::BTreeMap<String, i64> {
    let mut m = std::collections::BTreeMap::new();
    for ((sym, _), v) in csv_rows(csv, venue) {
        *m.entry(sym).or_insert(0) += v[5].parse::<i64>().unwrap();
    }
    m
}

/// A cryptofeed recording: the connection start (ns) and the received payloads in order.
fn cryptofeed(path: &std::path::Path) -> Option<(i64, Vec<serde_json::Value>)> {
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
fn run(args: &[&str]) -> String {
    let out = common::aggregate(&[&["-o", "-"], args].concat());
    assert!(
        out.status.success(),
        "tapebar failed: {}",
        common::text(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    common::check_long_form(&csv);
    csv
}
