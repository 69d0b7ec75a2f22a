//! ProBit (`src/venue/probit.rs`): the fixture `testdata/venues/probit.jsonl` with
//! hand-checked rows, and the real recording PROBIT.ws.66.0 checked against an independent
//! serde_json reading.

mod common;

const FIXTURE: &str = "testdata/venues/probit.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

const ETN_LIVE: [&str; 4] = [
    "probit,ETN-KRW,1618678350000,36.231,36.231,36.231,36.231,6749.557,1,244543.199667,6749.557",
    "probit,ETN-KRW,1618678360000,36.231,36.231,36.231,36.231,0,0,0,0",
    "probit,ETN-KRW,1618678370000,36.231,36.231,36.231,36.231,0,0,0,0",
    "probit,ETN-KRW,1618678380000,36.2,36.2,36.2,36.2,10,1,362,0",
];
const XEM_LIVE: &str = "probit,XEM-USDT,1618678360000,0.4693,0.4693,0.469,0.469,150,2,70.365,50";

/// The `reset: true` messages (one trade only 1.8 s before the connection, still labelled)
/// are history and left out; the repeated ETN-KRW:58413 counts once; XEM-USDT:496760 and
/// :496759 share a millisecond and arrive in that order: ordered ids make 0.4693 (…759) the
/// open and 0.469 the close; order-book-only messages carry no trades; 1618678360000 and
/// 1618678370000 are ETN-KRW fill rows. 6749.557 × 36.231 = 244543.199667;
/// XEM-USDT: 0.4693 × 50 + 0.469 × 100 = 70.365.
#[test]
fn fixture_live_trades() {
    let out = common::aggregate(&["-o", "-", FIXTURE]);
    assert!(out.status.success());
    let mut want = vec![HEADER];
    want.extend(ETN_LIVE);
    want.extend([XEM_LIVE, ""]);
    assert_eq!(common::text(&out.stdout), want.join("\n"));
    let err = common::text(&out.stderr);
    assert!(
        err.contains(" 8 messages, 4 trades, 1 duplicates, 3 skipped (history (labelled snapshot of past trades): 3, first at testdata/venues/probit.jsonl:4)")
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}

/// `--keep-pre-capture` keeps the three history trades.
/// 36.276 × 4089.385 = 148346.53026; 0.468 × 777.81 = 364.01508.
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    let mut want = vec![
        HEADER.to_string(),
        "probit,ETN-KRW,1618678250000,36.276,36.276,36.276,36.276,4089.385,1,148346.53026,4089.385"
            .to_string(),
    ];
    for ts in (1618678260000u64..=1618678340000).step_by(10_000) {
        want.push(format!(
            "probit,ETN-KRW,{ts},36.276,36.276,36.276,36.276,0,0,0,0"
        ));
    }
    want.extend(ETN_LIVE.map(str::to_string));
    want.push(
        "probit,XEM-USDT,1618678310000,0.468,0.468,0.468,0.468,777.81,1,364.01508,777.81".into(),
    );
    want.push("probit,XEM-USDT,1618678320000,0.4679,0.4679,0.4679,0.4679,20,1,9.358,0".into());
    for ts in (1618678330000u64..=1618678350000).step_by(10_000) {
        want.push(format!(
            "probit,XEM-USDT,{ts},0.4679,0.4679,0.4679,0.4679,0,0,0,0"
        ));
    }
    want.push(XEM_LIVE.to_string());
    want.push(String::new());
    assert_eq!(csv, want.join("\n"));
}

/// PROBIT.ws.66.0: `recent_trades` of `marketdata` messages read with serde_json (`reset`
/// messages counted as history, dedup by id) give the per-symbol trade counts and the bars
/// of every symbol value by value; the history rows are the skipped count, and with
/// `--keep-pre-capture` they give the per-symbol counts and the bars of the two symbols with
/// the shortest history.
#[test]
fn real_recording_probit_ws_66() {
    let path = common::captures_dir().join("PROBIT.ws.66.0");
    let Some((start, msgs)) = cryptofeed(&path) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let (mut live, mut all) = (Vec::new(), Vec::new());
    let mut history = 0;
    for m in &msgs {
        if m["channel"] != "marketdata" {
            continue;
        }
        let Some(rows) = m["recent_trades"].as_array() else {
            continue;
        };
        let market = m["market_id"].as_str().unwrap();
        let reset = m["reset"] == true;
        for row in rows {
            let id = row["id"].as_str().unwrap();
            let (prefix, seq) = id.split_once(':').unwrap();
            assert_eq!(prefix, market);
            if !seen.insert(id.to_string()) {
                continue;
            }
            let t = T {
                symbol: market.to_string(),
                time: iso_ns(row["time"].as_str().unwrap()),
                id: seq.parse().unwrap(),
                price: scaled(row["price"].as_str().unwrap(), SCALE),
                size: scaled(row["quantity"].as_str().unwrap(), SCALE),
                buy: row["side"] == "buy",
            };
            if reset {
                history += 1;
            } else if t.time >= start - 5_000_000_000 {
                live.push(t.clone());
            }
            all.push(t);
        }
    }
    assert_eq!(live.len(), 1);
    assert!(history >= 900, "{history} history trades");
    let p = path.to_str().unwrap();
    for (args, trades) in [(vec![p], &live), (vec!["--keep-pre-capture", p], &all)] {
        let out = common::aggregate(&[&["-o", "-"], &args[..]].concat());
        assert!(out.status.success());
        let csv = common::text(&out.stdout);
        common::check_long_form(&csv);
        let mut want = std::collections::BTreeMap::new();
        for t in trades.iter() {
            *want.entry(t.symbol.clone()).or_insert(0i64) += 1;
        }
        assert_eq!(trade_counts(&csv, "probit"), want, "{args:?}");
        // With the history (days of forward fill), only the two symbols whose trades span
        // the shortest time are checked bar by bar.
        let mut by_span: Vec<(i64, &String)> = want
            .keys()
            .map(|s| {
                let times = trades.iter().filter(|t| &t.symbol == s).map(|t| t.time);
                (times.clone().max().unwrap() - times.min().unwrap(), s)
            })
            .collect();
        by_span.sort();
        let checked = if args.len() == 1 { by_span.len() } else { 2 };
        for (_, sym) in &by_span[..checked] {
            let mine: Vec<T> = trades
                .iter()
                .filter(|t| &t.symbol == *sym)
                .cloned()
                .collect();
            compare_symbol(&csv, "probit", sym, &expected_bars(&mine));
        }
        if args.len() == 1 {
            let err = common::text(&out.stderr);
            assert!(
                err.contains(&format!(
                    " 1 trades, 0 duplicates, {} skipped (history (labelled snapshot of past trades): {},",
                    common::thousands(history),
                    common::thousands(history)
                )) && err.contains(" 0 malformed")
                    && !err.contains("unrecognised"),
                "{err}"
            );
        }
    }
}

// ----- the independent reference: tests/common/reference.rs ------------------------------

/// Prices, sizes at 1e-SCALE; quote volumes at 1e-(2*SCALE).
const SCALE: u32 = 8;
#[path = "common/reference.rs"]
mod reference;
use reference::*;
