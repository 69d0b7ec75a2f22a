//! Kraken Futures (`src/venue/kraken_futures.rs`): the fixture
//! `testdata/venues/kraken_futures.jsonl` with hand-checked rows, and the real recording
//! KRAKEN_FUTURES.ws.1.0 checked against an independent serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/kraken_futures.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The `trade_snapshot` (one trade within 5 s of the start, still labelled) is left out; the
/// repeated uid e2429e31 counts once; `side` is the taker's; 1626994930000 and 1626994940000
/// are fill rows.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken-futures,PI_ETHUSD,1626994930000,2005.2,2005.2,2005.2,2005.2,40,1,80208,40",
            "kraken-futures,PI_LTCUSD,1626994920000,119.44,119.44,119.43,119.43,420,2,50163.8,320",
            "kraken-futures,PI_LTCUSD,1626994930000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994940000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994950000,119.5,119.5,119.5,119.5,5,1,597.5,0",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the snapshot (newest first in the message; ordered by time in
/// the bars): the 119.3 sell opens the 1626994920000 bar.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kraken-futures,PI_ETHUSD,1626994930000,2005.2,2005.2,2005.2,2005.2,40,1,80208,40",
            "kraken-futures,PI_LTCUSD,1626994880000,119.2,119.2,119.2,119.2,50,1,5960,50",
            "kraken-futures,PI_LTCUSD,1626994890000,119.2,119.2,119.2,119.2,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994900000,119.2,119.2,119.2,119.2,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994910000,119.2,119.2,119.2,119.2,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994920000,119.3,119.44,119.3,119.43,430,3,51356.8,320",
            "kraken-futures,PI_LTCUSD,1626994930000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994940000,119.43,119.43,119.43,119.43,0,0,0,0",
            "kraken-futures,PI_LTCUSD,1626994950000,119.5,119.5,119.5,119.5,5,1,597.5,0",
            "",
        ]
        .join("\n")
    );
}

/// KRAKEN_FUTURES.ws.1.0: top-level `feed:"trade"` messages read with serde_json (snapshots
/// skipped, nothing before the connection time − 5 s, dedup by uid) give the per-symbol trade
/// counts, and the bars of every symbol value by value.
#[test]
fn real_recording_kraken_futures_ws_1() {
    let path = common::captures_dir().join("KRAKEN_FUTURES.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    let mut snapshot_rows = 0;
    for m in &msgs {
        if m["feed"] == "trade_snapshot" {
            snapshot_rows += m["trades"].as_array().unwrap().len();
        }
        if m["feed"] != "trade" || m.get("event").is_some() {
            continue;
        }
        let time = m["time"].as_i64().unwrap() * 1_000_000;
        if time < start - 5_000_000_000 || !seen.insert(m["uid"].as_str().unwrap().to_string()) {
            continue;
        }
        trades.push(T {
            symbol: m["product_id"].as_str().unwrap().to_string(),
            time,
            id: 0,
            price: scaled(&num_text(&m["price"]), SCALE),
            size: scaled(&num_text(&m["qty"]), SCALE),
            buy: m["side"] == "buy",
        });
    }
    assert!(snapshot_rows > 900, "snapshots in the recording");
    assert_eq!(trades.len(), 3);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "kraken-futures"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "kraken-futures", sym, &bars);
    }
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
