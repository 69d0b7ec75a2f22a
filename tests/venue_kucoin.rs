//! KuCoin (`src/venue/kucoin.rs`): the fixture `testdata/venues/kucoin.jsonl` with
//! hand-checked rows, and the real recording KUCOIN.ws.1.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/kucoin.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The DAPPT-BTC match of 1619378310 (15 s before the connection, unlabelled) is left out;
/// the repeated tradeId …5e37 counts once; the two matches of one taker order share the ns
/// time and keep capture order; `side` is the taker's; 1619378330000 is a fill row.
/// 0.0000001117 × 81.8814 + 0.0000001119 × 0.0267 = 0.00000914914011.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kucoin,DAPPT-BTC,1619378320000,0.0000001117,0.0000001119,0.0000001117,0.0000001119,81.9081,2,0.00000914914011,81.9081",
            "kucoin,DAPPT-BTC,1619378330000,0.0000001119,0.0000001119,0.0000001119,0.0000001119,0,0,0,0",
            "kucoin,DAPPT-BTC,1619378340000,0.000000112,0.000000112,0.000000112,0.000000112,5,1,0.00000056,0",
            "kucoin,FET-BTC,1619378330000,0.00000701,0.00000701,0.00000701,0.00000701,12,1,0.00008412,0",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the stale match (0.000000111 × 100, a sell).
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "kucoin,DAPPT-BTC,1619378310000,0.000000111,0.000000111,0.000000111,0.000000111,100,1,0.0000111,0",
            "kucoin,DAPPT-BTC,1619378320000,0.0000001117,0.0000001119,0.0000001117,0.0000001119,81.9081,2,0.00000914914011,81.9081",
            "kucoin,DAPPT-BTC,1619378330000,0.0000001119,0.0000001119,0.0000001119,0.0000001119,0,0,0,0",
            "kucoin,DAPPT-BTC,1619378340000,0.000000112,0.000000112,0.000000112,0.000000112,5,1,0.00000056,0",
            "kucoin,FET-BTC,1619378330000,0.00000701,0.00000701,0.00000701,0.00000701,12,1,0.00008412,0",
            "",
        ]
        .join("\n")
    );
}

/// KUCOIN.ws.1.0: `/market/match:` messages read with serde_json (nothing before the
/// connection time − 5 s, dedup by tradeId) give the per-symbol trade counts, and the bars of
/// every symbol value by value.
#[test]
fn real_recording_kucoin_ws_1() {
    let path = common::captures_dir().join("KUCOIN.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        let topic = m["topic"].as_str().unwrap_or("");
        if m["type"] != "message" || !topic.starts_with("/market/match:") {
            continue;
        }
        let d = &m["data"];
        let time = d["time"].as_str().unwrap().parse::<i64>().unwrap();
        if time < start - 5_000_000_000 || !seen.insert(d["tradeId"].as_str().unwrap().to_string())
        {
            continue;
        }
        trades.push(T {
            symbol: d["symbol"].as_str().unwrap().to_string(),
            time,
            id: 0,
            price: scaled(d["price"].as_str().unwrap(), SCALE),
            size: scaled(d["size"].as_str().unwrap(), SCALE),
            buy: d["side"] == "buy",
        });
    }
    assert_eq!(trades.len(), 18);
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "kucoin"), want);
    let bars = expected_bars(&trades);
    for sym in want.keys() {
        compare_symbol(&csv, "kucoin", sym, &bars);
    }
}

// ----- independent reference (serde_json + scaled integers), shared text in each venue test --

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 10;

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
