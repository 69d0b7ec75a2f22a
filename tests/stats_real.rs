//! On the real recordings (../shared/captures/cryptofeed, read-only; skipped when absent),
//! `stats` agrees with the bars `aggregate` writes from the same inputs: per (venue,
//! symbol), the forward-filled rows are the zero-volume intervals, the rows are the
//! intervals of the span, the bar trade counts add up to the trades, the bars with
//! high = low are the zero-range intervals; per input, the duplicates and messages agree
//! with aggregate's summary line.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

#[derive(Default, Debug)]
struct FromBars {
    rows: u64,
    filled: u64,
    traded: u64,
    trades: u64,
    zero_range: u64,
    first: Option<i64>,
    last: Option<i64>,
}

/// `N duplicates` and `M messages` of a summary line.
fn summary_figure(line: &str, what: &str) -> u64 {
    let i = line.find(&format!(" {what}")).expect(what);
    let start = line[..i].rfind(' ').unwrap() + 1;
    line[start..i].replace(',', "").parse().unwrap()
}

#[test]
fn stats_agree_with_aggregate_on_real_recordings() {
    let dir = captures_dir();
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let dir = dir.to_str().unwrap();
    let agg = aggregate(&["-o", "-", dir]);
    assert!(
        agg.status.success(),
        "{}",
        String::from_utf8_lossy(&agg.stderr)
    );
    let stats = tapebar()
        .args(["stats", "--format", "json", dir])
        .output()
        .unwrap();
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    let json: Value = serde_json::from_slice(&stats.stdout).unwrap();

    let mut bars: BTreeMap<(String, String), FromBars> = BTreeMap::new();
    let mut rdr = csv::Reader::from_reader(&agg.stdout[..]);
    for rec in rdr.records() {
        let r = rec.unwrap();
        let e = bars
            .entry((r[0].to_string(), r[1].to_string()))
            .or_default();
        let ts: i64 = r[2].parse().unwrap();
        let trades: u64 = r[8].parse().unwrap();
        e.rows += 1;
        e.trades += trades;
        if trades == 0 {
            e.filled += 1;
        } else {
            e.traded += 1;
            if r[4] == r[5] {
                e.zero_range += 1;
            }
        }
        e.first.get_or_insert(ts);
        e.last = Some(ts);
    }
    assert!(bars.len() > 20, "the recordings hold many symbols");

    let mut seen = 0;
    for s in json["symbols"].as_array().unwrap() {
        let key = (
            s["venue"].as_str().unwrap().to_string(),
            s["symbol"].as_str().unwrap().to_string(),
        );
        let Some(b) = bars.get(&key) else {
            assert_eq!(s["trades"], 0, "{key:?} has trades but no bars");
            continue;
        };
        seen += 1;
        let ctx = format!("{key:?}");
        assert_eq!(s["trades"], b.trades, "{ctx}");
        assert_eq!(s["intervals"], b.rows, "{ctx}");
        assert_eq!(s["traded_intervals"], b.traded, "{ctx}");
        assert_eq!(s["zero_volume_intervals"], b.filled, "{ctx}");
        assert_eq!(s["zero_range_intervals"], b.zero_range, "{ctx}");
        assert_eq!(s["first_interval_ms"], b.first.unwrap(), "{ctx}");
        assert_eq!(s["last_interval_ms"], b.last.unwrap(), "{ctx}");
    }
    assert_eq!(seen, bars.len(), "every aggregated symbol has a stats row");
    let total_trades: u64 = bars.values().map(|b| b.trades).sum();
    assert_eq!(json["total"]["trades"], total_trades);

    let stderr = String::from_utf8(agg.stderr).unwrap();
    let summaries: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" messages, "))
        .collect();
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(summaries.len(), inputs.len());
    let mut dups = 0;
    for (line, i) in summaries.iter().zip(inputs) {
        assert!(line.contains(i["input"].as_str().unwrap()), "{line}");
        assert_eq!(i["messages"], summary_figure(line, "messages"), "{line}");
        assert_eq!(i["trades"], summary_figure(line, "trades"), "{line}");
        assert_eq!(
            i["duplicates"],
            summary_figure(line, "duplicates"),
            "{line}"
        );
        dups += summary_figure(line, "duplicates");
    }
    assert_eq!(json["total"]["duplicates"], dups);
}
