//! HitBTC v2 / Bequant / FMFW (`src/venue/hitbtc.rs`): the fixtures
//! `testdata/venues/hitbtc_bequant.jsonl` (v2) and `testdata/venues/hitbtc_fmfw.jsonl` (v3)
//! with hand-checked rows, and the real recordings BEQUANT.ws.{1,2,3,4}.0 and FMFW.ws.1.0
//! checked against an independent serde_json reading.

mod common;

const BEQUANT: &str = "testdata/venues/hitbtc_bequant.jsonl";
const FMFW: &str = "testdata/venues/hitbtc_fmfw.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// v2 on a Bequant URL: the two `snapshotTrades` trades are history and left out; id
/// 1307176266 is repeated and counted once. EOSBTC 00:56:20: 33.76 × 0.00011575 +
/// 419.37 × 0.00011574 = 0.00390772 + 0.0485378838; the buy is 419.37.
#[test]
fn bequant_fixture_live_trades() {
    let csv = run(&[BEQUANT]);
    assert_eq!(
        csv,
        [
            HEADER,
            "bequant,BTCTUSD,1625273790000,33517.54,33517.54,33517.54,33517.54,0.01,1,335.1754,0.01",
            "bequant,EOSBTC,1625273770000,0.00011574,0.00011574,0.00011574,0.00011574,1.57,1,0.0001817118,0",
            "bequant,EOSBTC,1625273780000,0.00011575,0.00011575,0.00011574,0.00011574,453.13,2,0.0524456038,419.37",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the snapshot: the 00:55:50 buy (10 × 0.0001157), a fill row,
/// and the 00:56:15 sell (2 × 0.0001158) opening the 00:56:10 bar.
#[test]
fn bequant_fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", BEQUANT]);
    assert_eq!(
        csv,
        [
            HEADER,
            "bequant,BTCTUSD,1625273790000,33517.54,33517.54,33517.54,33517.54,0.01,1,335.1754,0.01",
            "bequant,EOSBTC,1625273750000,0.0001157,0.0001157,0.0001157,0.0001157,10,1,0.001157,10",
            "bequant,EOSBTC,1625273760000,0.0001157,0.0001157,0.0001157,0.0001157,0,0,0,0",
            "bequant,EOSBTC,1625273770000,0.0001158,0.0001158,0.00011574,0.00011574,3.57,2,0.0004133118,0",
            "bequant,EOSBTC,1625273780000,0.00011575,0.00011575,0.00011574,0.00011574,453.13,2,0.0524456038,419.37",
            "",
        ]
        .join("\n")
    );
}

/// v3 on an FMFW URL: the `snapshot` trade is history, the repeated `i` counted once.
#[test]
fn fmfw_fixture_live_trades() {
    let csv = run(&[FMFW]);
    assert_eq!(
        csv,
        [
            HEADER,
            "fmfw,NEOBTC,1633806850000,0.0008788,0.0008788,0.0008788,0.0008788,0.2,1,0.00017576,0",
            "fmfw,NEOBTC,1633806860000,0.0008786,0.0008786,0.0008786,0.0008786,0.41,1,0.000360226,0.41",
            "fmfw,NEOBTC,1633806870000,0.0008785,0.0008785,0.0008785,0.0008785,0.56,1,0.00049196,0.56",
            "",
        ]
        .join("\n")
    );
    let csv = run(&["--keep-pre-capture", FMFW]);
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "fmfw,NEOBTC,1633806840000,0.00087,0.00087,0.00087,0.00087,5,1,0.00435,5"
    );
    assert_eq!(csv.lines().count(), 5);
}

/// Live v2 trades of one Bequant recording read with serde_json.
fn bequant_reference(
    start: i64,
    msgs: &[serde_json::Value],
    seen: &mut std::collections::HashSet<(String, u128)>,
) -> (Vec<T>, usize) {
    let mut trades = Vec::new();
    let mut snapshot_rows = 0;
    for m in msgs {
        let method = m["method"].as_str().unwrap_or("");
        if method == "snapshotTrades" {
            snapshot_rows += m["params"]["data"].as_array().unwrap().len();
            continue;
        }
        if method != "updateTrades" {
            continue;
        }
        let symbol = m["params"]["symbol"].as_str().unwrap().to_string();
        for r in m["params"]["data"].as_array().unwrap() {
            let time = iso_ns(r["timestamp"].as_str().unwrap());
            let id = r["id"].as_u64().unwrap() as u128;
            if time < start - 5_000_000_000 || !seen.insert((symbol.clone(), id)) {
                continue;
            }
            trades.push(T {
                symbol: symbol.clone(),
                time,
                id,
                price: scaled(&num_text(&r["price"]), SCALE),
                size: scaled(&num_text(&r["quantity"]), SCALE),
                buy: r["side"] == "buy",
            });
        }
    }
    (trades, snapshot_rows)
}

/// BEQUANT.ws.1.0: `updateTrades` read with serde_json (snapshots skipped, nothing before
/// the connection − 5 s, dedup by id) give the per-symbol counts and EOSBTC's bars; the four
/// recorders of the same feed together give exactly the bars of one (duplicates dropped).
#[test]
fn real_recordings_bequant() {
    let dir = common::captures_dir();
    let paths: Vec<_> = (1..=4)
        .map(|n| dir.join(format!("BEQUANT.ws.{n}.0")))
        .collect();
    let Some((start, msgs)) = cryptofeed(&paths[0]) else {
        return;
    };
    let (trades, snapshot_rows) = bequant_reference(start, &msgs, &mut Default::default());
    assert!(snapshot_rows >= 100, "snapshotTrades rows: {snapshot_rows}");
    assert!(trades.len() >= 10, "live trades in the recording");
    let one = run(&[paths[0].to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&one, "bequant"), want);
    let bars = expected_bars(&trades);
    compare_symbol(&one, "bequant", "EOSBTC", &bars);

    // All four files: the reference over all of them (one id set) equals the one-file one,
    // and so does tapebar's output.
    let mut seen = Default::default();
    let mut all = Vec::new();
    for p in &paths {
        let Some((start, msgs)) = cryptofeed(p) else {
            return;
        };
        all.extend(bequant_reference(start, &msgs, &mut seen).0);
    }
    assert_eq!(all.len(), trades.len());
    let strs: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    assert_eq!(run(&strs), one);
    assert_eq!(
        run(&[&["--keep-pre-capture"], &strs[..]].concat()),
        run(&["--keep-pre-capture", strs[0]])
    );
}

/// FMFW.ws.1.0: v3 `update` trades read with serde_json give the counts and NEOBTC's bars.
#[test]
fn real_recording_fmfw_ws_1() {
    let path = common::captures_dir().join("FMFW.ws.1.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut trades = Vec::new();
    for m in &msgs {
        if m["ch"] != "trades" || m.get("update").is_none() {
            continue;
        }
        for (symbol, rows) in m["update"].as_object().unwrap() {
            for r in rows.as_array().unwrap() {
                let time = r["t"].as_i64().unwrap() * 1_000_000;
                let id = r["i"].as_u64().unwrap() as u128;
                if time < start - 5_000_000_000 || !seen.insert((symbol.clone(), id)) {
                    continue;
                }
                trades.push(T {
                    symbol: symbol.clone(),
                    time,
                    id,
                    price: scaled(&num_text(&r["p"]), SCALE),
                    size: scaled(&num_text(&r["q"]), SCALE),
                    buy: r["s"] == "buy",
                });
            }
        }
    }
    assert!(trades.len() >= 4, "live trades in the recording");
    let csv = run(&[path.to_str().unwrap()]);
    let mut want = std::collections::BTreeMap::new();
    for t in &trades {
        *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
    }
    assert_eq!(trade_counts(&csv, "fmfw"), want);
    compare_symbol(&csv, "fmfw", "NEOBTC", &expected_bars(&trades));
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
