//! `tapebar stats` on synthetic captures built here, with every expected figure computed
//! side by side by a plain reference (lists of trades, sorted and counted; nothing of
//! tapebar's code): a hand-made capture whose numbers are also asserted literally, and
//! seeded random captures with duplicates, bursts of one millisecond, signature
//! collisions, late arrivals, pre-capture replays, latency both ways and recorder outages.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

use common::*;
use serde_json::Value;

const T0: i64 = 1_718_841_600_000; // ms, on the 10 s grid
const INTERVAL: i64 = 10_000;
const GAP: i64 = 10_000;

/// One received trade message.
#[derive(Clone, Debug)]
struct Msg {
    recv: i64, // ms
    symbol: &'static str,
    id: u64,
    time: i64, // ms
    price: String,
    qty: String,
}

/// A capture: trade messages and heartbeats (non-trade messages), in arrival order.
#[derive(Default)]
struct Capture {
    lines: Vec<(i64, Option<Msg>)>,
}

impl Capture {
    fn trade(
        &mut self,
        recv: i64,
        symbol: &'static str,
        id: u64,
        time: i64,
        price: &str,
        qty: &str,
    ) {
        self.lines.push((
            recv,
            Some(Msg {
                recv,
                symbol,
                id,
                time,
                price: price.into(),
                qty: qty.into(),
            }),
        ));
    }

    fn heartbeat(&mut self, recv: i64) {
        self.lines.push((recv, None));
    }

    /// cryptofeed `ts: payload` lines (receive time in decimal seconds).
    fn text(&self) -> String {
        let mut s = String::new();
        for (recv, m) in &self.lines {
            let ts = format!("{}.{:03}", recv.div_euclid(1000), recv.rem_euclid(1000));
            match m {
                Some(m) => s.push_str(&format!(
                    "{ts}: {{\"e\":\"trade\",\"E\":{},\"s\":\"{}\",\"t\":{},\"p\":\"{}\",\"q\":\"{}\",\"T\":{},\"m\":false}}\n",
                    m.time, m.symbol, m.id, m.price, m.qty, m.time
                )),
                None => s.push_str(&format!(
                    "{ts}: {{\"e\":\"depthUpdate\",\"E\":{recv},\"s\":\"ZZZ\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}\n"
                )),
            }
        }
        s
    }
}

/// A decimal string as (mantissa, scale) with trailing zeros removed.
fn norm(s: &str) -> (u128, u32) {
    let (w, f) = s.split_once('.').unwrap_or((s, ""));
    let f = f.trim_end_matches('0');
    ((w.to_string() + f).parse().unwrap(), f.len() as u32)
}

fn cmp_dec(a: &str, b: &str) -> std::cmp::Ordering {
    let ((ma, sa), (mb, sb)) = (norm(a), norm(b));
    let s = sa.max(sb);
    (ma * 10u128.pow(s - sa)).cmp(&(mb * 10u128.pow(s - sb)))
}

/// Nearest rank: the value of rank ceil(p·n/100) in the sorted values.
fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// (trade time, price, size), decimals normalised.
type Signature = (i64, (u128, u32), (u128, u32));

/// Expected figures of one symbol, computed the plain way.
#[derive(Debug, Default)]
struct Expect {
    trades: u64,
    duplicates: u64,
    pre_capture: u64,
    intervals: u64,
    traded: u64,
    zero_volume: u64,
    zero_volume_outage: u64,
    runs: Vec<i64>,
    longest: i64,
    longest_start: Option<i64>,
    zero_interval: u64,
    zero_range: u64,
    collisions: u64,
    out_of_order: u64,
    max_lateness: i64,
    latencies: Vec<i64>, // ms (whole ms in these captures)
}

fn reference(cap: &Capture) -> BTreeMap<&'static str, Expect> {
    let start = cap.lines.first().map(|l| l.0).unwrap();
    // Outages: silences longer than the gap between consecutive receive times.
    let recvs: Vec<i64> = cap.lines.iter().map(|l| l.0).collect();
    let outages: Vec<(i64, i64)> = recvs
        .windows(2)
        .filter(|w| w[1] - w[0] > GAP)
        .map(|w| (w[0], w[1]))
        .collect();
    let mut out: BTreeMap<&'static str, Expect> = BTreeMap::new();
    let mut seen: HashSet<(&str, u64)> = HashSet::new();
    let mut kept: HashMap<&str, Vec<Msg>> = HashMap::new();
    let mut arrival_max: HashMap<&str, i64> = HashMap::new();
    for (_, m) in &cap.lines {
        let Some(m) = m else { continue };
        let e = out.entry(m.symbol).or_default();
        if m.time < start - 5000 {
            e.pre_capture += 1;
            continue;
        }
        e.latencies.push(m.recv - m.time);
        match arrival_max.get_mut(m.symbol) {
            Some(mx) if m.time < *mx => {
                e.out_of_order += 1;
                e.max_lateness = e.max_lateness.max(*mx - m.time);
            }
            Some(mx) => *mx = m.time,
            None => {
                arrival_max.insert(m.symbol, m.time);
            }
        }
        if !seen.insert((m.symbol, m.id)) {
            e.duplicates += 1;
            continue;
        }
        kept.entry(m.symbol).or_default().push(m.clone());
    }
    for (sym, e) in out.iter_mut() {
        e.latencies.sort();
        let Some(trades) = kept.get_mut(sym) else {
            continue;
        };
        e.trades = trades.len() as u64;
        trades.sort_by_key(|m| m.time);
        e.zero_interval = trades.windows(2).filter(|w| w[0].time == w[1].time).count() as u64;
        let mut sigs: HashMap<Signature, u64> = HashMap::new();
        for m in trades.iter() {
            *sigs
                .entry((m.time, norm(&m.price), norm(&m.qty)))
                .or_default() += 1;
        }
        e.collisions = sigs.values().map(|n| n - 1).sum();
        let mut buckets: BTreeMap<i64, Vec<&Msg>> = BTreeMap::new();
        for m in trades.iter() {
            buckets
                .entry(m.time.div_euclid(INTERVAL) * INTERVAL)
                .or_default()
                .push(m);
        }
        let first = *buckets.keys().next().unwrap();
        let last = *buckets.keys().next_back().unwrap();
        e.intervals = ((last - first) / INTERVAL + 1) as u64;
        e.traded = buckets.len() as u64;
        for ms in buckets.values() {
            let hi = ms
                .iter()
                .map(|m| m.price.as_str())
                .max_by(|a, b| cmp_dec(a, b))
                .unwrap();
            let lo = ms
                .iter()
                .map(|m| m.price.as_str())
                .min_by(|a, b| cmp_dec(a, b))
                .unwrap();
            if cmp_dec(hi, lo).is_eq() {
                e.zero_range += 1;
            }
        }
        let mut b = first;
        let mut run = 0;
        while b <= last {
            if buckets.contains_key(&b) {
                if run > 0 {
                    e.runs.push(run);
                    if run > e.longest {
                        e.longest = run;
                        e.longest_start = Some(b - run * INTERVAL);
                    }
                }
                run = 0;
            } else {
                run += 1;
                e.zero_volume += 1;
                if outages.iter().any(|&(a, z)| a < b + INTERVAL && z > b) {
                    e.zero_volume_outage += 1;
                }
            }
            b += INTERVAL;
        }
        e.runs.sort();
    }
    out
}

fn pct(a: u64, b: u64) -> Value {
    if b == 0 {
        return Value::Null;
    }
    let v = (a as f64 * 1_000_000.0 / b as f64).round() / 10_000.0;
    serde_json::json!(v)
}

fn write_capture(cap: &Capture) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(cap.text().as_bytes()).unwrap();
    f.flush().unwrap();
    f
}

fn stats_json(args: &[&str]) -> Value {
    let out = tapebar().arg("stats").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "stats failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stats --format json is JSON")
}

fn num(v: &Value, key: &str) -> Value {
    v.get(key)
        .unwrap_or_else(|| panic!("no key {key} in {v}"))
        .clone()
}

/// Every figure of every symbol and the total row against the reference.
fn check(cap: &Capture, got: &Value) {
    let exp = reference(cap);
    let symbols = got["symbols"].as_array().unwrap();
    let names: Vec<&str> = symbols
        .iter()
        .map(|s| s["symbol"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = exp.keys().copied().collect();
    assert_eq!(names, want);
    let mut tot = Expect::default();
    let mut all_lat = Vec::new();
    let mut all_runs = Vec::new();
    for s in symbols {
        let sym = s["symbol"].as_str().unwrap();
        let e = &exp[sym];
        let ctx = format!("{sym}: {s}");
        assert_eq!(s["venue"], "binance", "{ctx}");
        assert_eq!(num(s, "trades"), e.trades, "{ctx}");
        assert_eq!(num(s, "duplicates"), e.duplicates, "{ctx}");
        assert_eq!(num(s, "skipped_pre_capture"), e.pre_capture, "{ctx}");
        assert_eq!(num(s, "intervals"), e.intervals, "{ctx}");
        assert_eq!(num(s, "traded_intervals"), e.traded, "{ctx}");
        assert_eq!(num(s, "zero_volume_intervals"), e.zero_volume, "{ctx}");
        assert_eq!(
            num(s, "zero_volume_pct"),
            pct(e.zero_volume, e.intervals),
            "{ctx}"
        );
        assert_eq!(num(s, "zero_volume_runs"), e.runs.len() as u64, "{ctx}");
        assert_eq!(num(s, "zero_volume_longest_run"), e.longest, "{ctx}");
        assert_eq!(
            num(s, "zero_volume_longest_run_start_ms"),
            serde_json::json!(e.longest_start),
            "{ctx}"
        );
        assert_eq!(
            num(s, "zero_volume_run_p50"),
            serde_json::json!(nearest_rank(&e.runs, 50)),
            "{ctx}"
        );
        assert_eq!(
            num(s, "zero_volume_run_p99"),
            serde_json::json!(nearest_rank(&e.runs, 99)),
            "{ctx}"
        );
        assert_eq!(
            num(s, "zero_volume_outage_intervals"),
            e.zero_volume_outage,
            "{ctx}"
        );
        assert_eq!(
            num(s, "zero_volume_quiet_intervals"),
            e.zero_volume - e.zero_volume_outage,
            "{ctx}"
        );
        assert_eq!(num(s, "zero_interval_trades"), e.zero_interval, "{ctx}");
        assert_eq!(
            num(s, "zero_interval_pct"),
            pct(e.zero_interval, e.trades),
            "{ctx}"
        );
        assert_eq!(num(s, "zero_range_intervals"), e.zero_range, "{ctx}");
        assert_eq!(
            num(s, "zero_range_pct"),
            pct(e.zero_range, e.traded),
            "{ctx}"
        );
        assert_eq!(num(s, "signature_collisions"), e.collisions, "{ctx}");
        assert_eq!(num(s, "out_of_order"), e.out_of_order, "{ctx}");
        assert_eq!(
            num(s, "out_of_order_max_lateness_ms"),
            e.max_lateness,
            "{ctx}"
        );
        assert_eq!(num(s, "latency_trades"), e.latencies.len() as u64, "{ctx}");
        assert_eq!(
            num(s, "latency_p50_ms"),
            serde_json::json!(nearest_rank(&e.latencies, 50)),
            "{ctx}"
        );
        assert_eq!(
            num(s, "latency_p99_ms"),
            serde_json::json!(nearest_rank(&e.latencies, 99)),
            "{ctx}"
        );
        assert_eq!(
            num(s, "latency_max_ms"),
            serde_json::json!(e.latencies.last().copied()),
            "{ctx}"
        );
        assert_eq!(
            num(s, "latency_negative"),
            e.latencies.iter().filter(|&&l| l < 0).count() as u64,
            "{ctx}"
        );
        tot.trades += e.trades;
        tot.duplicates += e.duplicates;
        tot.intervals += e.intervals;
        tot.traded += e.traded;
        tot.zero_volume += e.zero_volume;
        tot.zero_interval += e.zero_interval;
        tot.zero_range += e.zero_range;
        tot.collisions += e.collisions;
        tot.out_of_order += e.out_of_order;
        all_lat.extend_from_slice(&e.latencies);
        all_runs.extend_from_slice(&e.runs);
    }
    all_lat.sort();
    all_runs.sort();
    let t = &got["total"];
    assert_eq!(num(t, "trades"), tot.trades);
    assert_eq!(num(t, "duplicates"), tot.duplicates);
    assert_eq!(num(t, "intervals"), tot.intervals);
    assert_eq!(num(t, "zero_volume_intervals"), tot.zero_volume);
    assert_eq!(
        num(t, "zero_volume_pct"),
        pct(tot.zero_volume, tot.intervals)
    );
    assert_eq!(num(t, "zero_interval_trades"), tot.zero_interval);
    assert_eq!(
        num(t, "zero_interval_pct"),
        pct(tot.zero_interval, tot.trades)
    );
    assert_eq!(num(t, "zero_range_intervals"), tot.zero_range);
    assert_eq!(num(t, "zero_range_pct"), pct(tot.zero_range, tot.traded));
    assert_eq!(num(t, "signature_collisions"), tot.collisions);
    assert_eq!(num(t, "out_of_order"), tot.out_of_order);
    assert_eq!(
        num(t, "latency_p50_ms"),
        serde_json::json!(nearest_rank(&all_lat, 50))
    );
    assert_eq!(
        num(t, "latency_p99_ms"),
        serde_json::json!(nearest_rank(&all_lat, 99))
    );
    assert_eq!(
        num(t, "zero_volume_run_p99"),
        serde_json::json!(nearest_rank(&all_runs, 99))
    );
}

/// The hand-made capture: AAA trades in buckets 0, 1, 4 and 9 of ten; messages every
/// second except a silence from +52 s to +88 s (an outage over buckets 5 to 8).
fn hand_made() -> Capture {
    let mut c = Capture::default();
    let hb = |c: &mut Capture, from: i64, to: i64| {
        let mut t = from;
        while t < to {
            c.heartbeat(T0 + t);
            t += 1000;
        }
    };
    c.heartbeat(T0 + 500); // recording start: T0 + 0.5 s
                           // A replayed trade from 10 s before the recording: pre-capture.
    c.trade(T0 + 600, "AAA", 1, T0 - 10_000, "100", "1");
    // Bucket 0: three trades at +1.000 s (two share price and size: a collision), one at +2 s.
    c.trade(T0 + 1005, "AAA", 2, T0 + 1000, "100", "1");
    c.trade(T0 + 1007, "AAA", 3, T0 + 1000, "100", "1.0");
    c.trade(T0 + 1007, "AAA", 4, T0 + 1000, "101", "1");
    c.trade(T0 + 2002, "AAA", 5, T0 + 2000, "102", "2");
    // The same message again (a duplicate).
    c.trade(T0 + 2010, "AAA", 5, T0 + 2000, "102", "2");
    hb(&mut c, 3000, 15_000);
    // Bucket 1: a trade at +18 s, then one at +15 s arriving after it (3 s out of order).
    c.trade(T0 + 18_004, "AAA", 7, T0 + 18_000, "103", "1");
    c.trade(T0 + 18_010, "AAA", 6, T0 + 15_000, "104", "1");
    hb(&mut c, 19_000, 45_000);
    // Bucket 4: one trade (zero range); the exchange clock 2 ms ahead (negative latency).
    c.trade(T0 + 45_000, "AAA", 8, T0 + 45_002, "105", "1");
    hb(&mut c, 46_000, 53_000);
    // Silence until +88 s.
    hb(&mut c, 88_000, 95_000);
    // Bucket 9: two prices.
    c.trade(T0 + 95_003, "AAA", 9, T0 + 95_000, "105", "1");
    c.trade(T0 + 96_003, "AAA", 10, T0 + 96_000, "106", "1");
    hb(&mut c, 97_000, 100_000);
    c
}

#[test]
fn hand_made_capture_has_the_figures_built_into_it() {
    let cap = hand_made();
    let f = write_capture(&cap);
    let got = stats_json(&["--format", "json", f.path().to_str().unwrap()]);
    check(&cap, &got);
    // The same numbers, by hand.
    let s = &got["symbols"][0];
    assert_eq!(s["symbol"], "AAA");
    assert_eq!(s["trades"], 9);
    assert_eq!(s["duplicates"], 1);
    assert_eq!(s["skipped_pre_capture"], 1);
    assert_eq!(s["intervals"], 10);
    assert_eq!(s["zero_volume_intervals"], 6);
    assert_eq!(s["zero_volume_pct"], 60.0);
    assert_eq!(s["zero_volume_longest_run"], 4);
    assert_eq!(s["zero_volume_longest_run_s"], 40);
    assert_eq!(s["zero_volume_longest_run_start_ms"], T0 + 50_000);
    assert_eq!(s["zero_volume_run_p50"], 2);
    assert_eq!(s["zero_volume_run_p99"], 4);
    assert_eq!(s["zero_volume_outage_intervals"], 4);
    assert_eq!(s["zero_volume_quiet_intervals"], 2);
    assert_eq!(s["zero_interval_trades"], 2);
    assert_eq!(s["zero_interval_pct"], 22.2222);
    assert_eq!(s["signature_collisions"], 1);
    assert_eq!(s["zero_range_intervals"], 1);
    assert_eq!(s["out_of_order"], 1);
    assert_eq!(s["out_of_order_max_lateness_ms"], 3000);
    assert_eq!(s["latency_negative"], 1);
    assert_eq!(s["latency_max_ms"], 3010);
    let input = &got["inputs"][0];
    assert_eq!(input["outages"], 1);
    assert_eq!(input["longest_outage_s"], 36);
}

/// A small deterministic generator (64-bit LCG), so the test needs no crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_capture(seed: u64) -> Capture {
    let mut r = Lcg(seed);
    let syms: [&'static str; 3] = ["AAA", "BBB", "CCC"];
    let mut next_id = [1u64; 3];
    let mut c = Capture::default();
    let mut recv = T0 + 200;
    c.heartbeat(recv);
    let mut pending: Vec<Msg> = Vec::new();
    for _ in 0..600 {
        // Time passes; now and then a silence longer than the gap.
        recv += if r.below(40) == 0 {
            11_000 + r.below(30_000) as i64
        } else {
            r.below(900) as i64
        };
        match r.below(10) {
            0 => c.heartbeat(recv),
            _ => {
                let busy = r.below(4) == 0;
                let k = r.below(if busy { 1 } else { 3 }) as usize;
                let sym = syms[k];
                let lag = r.below(40) as i64 - 5; // receive − trade, a few negative
                let time = recv - lag;
                // A burst of fills in one millisecond, sometimes with equal price and size.
                let n = 1 + r.below(3);
                for _ in 0..n {
                    let price = format!(
                        "{}.{}",
                        100 + r.below(3),
                        ["5", "50", "0"][r.below(3) as usize]
                    );
                    let qty = ["1", "1.0", "2"][r.below(3) as usize].to_string();
                    let m = Msg {
                        recv,
                        symbol: sym,
                        id: next_id[k],
                        time,
                        price,
                        qty,
                    };
                    next_id[k] += 1;
                    if r.below(15) == 0 {
                        // Delivered late, after later trades.
                        pending.push(m);
                    } else {
                        c.lines.push((recv, Some(m.clone())));
                        if r.below(12) == 0 {
                            c.lines.push((recv, Some(m))); // a repeated message
                        }
                    }
                }
                if !pending.is_empty() && r.below(5) == 0 {
                    let mut m = pending.remove(0);
                    m.recv = recv;
                    c.lines.push((recv, Some(m)));
                }
            }
        }
    }
    c
}

#[test]
fn random_captures_match_the_reference() {
    for seed in 1..=6 {
        let cap = random_capture(seed);
        let f = write_capture(&cap);
        let got = stats_json(&["--format", "json", "-j", "2", f.path().to_str().unwrap()]);
        check(&cap, &got);
        // One thread: the same report.
        let one = stats_json(&["--format", "json", "-j", "1", f.path().to_str().unwrap()]);
        assert_eq!(got["symbols"], one["symbols"], "seed {seed}");
    }
}

/// A capture of several chunks (over 1 MiB each) in which AAA's trades come in two
/// interleaved streams, one 3 s behind the other, in blocks of 10 and 50 messages (as two
/// recorders merged into one file): a chunk that starts in a late block starts with dozens
/// of trades older than the earlier chunk's latest, more than a worker logs per series, so
/// the merge has the chunk decoded again to count them.
fn two_streams_capture() -> Capture {
    let mut c = Capture::default();
    let mut recv = T0 + 200;
    let mut r = Lcg(5);
    for line in 0..36_000u64 {
        recv += 50;
        let behind = line % 60 >= 10;
        let time = recv - if behind { 3_000 } else { 0 };
        let price = format!("{}.{}", 100 + r.below(3), r.below(10));
        if line % 7 == 3 {
            c.trade(recv, "BBB", line, recv - 5, &price, "1");
        }
        let qty = ["1", "2"][r.below(2) as usize];
        c.trade(recv, "AAA", line + 1, time, &price, qty);
    }
    c
}

#[test]
fn arrivals_older_than_an_earlier_chunk_count_past_the_log_cap() {
    let cap = two_streams_capture();
    let f = write_capture(&cap);
    assert!(
        f.as_file().metadata().unwrap().len() > 4 << 20,
        "several chunks"
    );
    let got = stats_json(&["--format", "json", "-j", "2", f.path().to_str().unwrap()]);
    check(&cap, &got);
    let aaa = &got["symbols"][0];
    assert_eq!(aaa["symbol"], "AAA");
    // Every message of a late block is older than the one before the block.
    assert!(aaa["out_of_order"].as_u64().unwrap() > 25_000, "{aaa}");
}

#[test]
fn gates_fail_with_exit_3_and_name_the_symbol() {
    let cap = hand_made();
    let f = write_capture(&cap);
    let p = f.path().to_str().unwrap();
    let out = tapebar()
        .args([
            "stats",
            "--fail-on",
            "zero_volume_pct>50",
            "--fail-on",
            "duplicates>5",
            p,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("binance AAA: zero_volume_pct = 60"), "{err}");
    assert!(!err.contains("duplicates ="), "{err}");
    let out = tapebar()
        .args([
            "stats",
            "--fail-on",
            "zero_volume_pct>60",
            "--fail-on",
            "duplicates>=2",
            p,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tapebar()
        .args(["stats", "--fail-on", "no_such_figure>1", p])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = tapebar()
        .args(["stats", "--fail-on", "trades", p])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn csv_and_table_carry_the_json_figures() {
    let cap = random_capture(11);
    let f = write_capture(&cap);
    let p = f.path().to_str().unwrap();
    let json = stats_json(&["--format", "json", p]);
    let out = tapebar()
        .args(["stats", "--format", "csv", p])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let symbols = json["symbols"].as_array().unwrap();
    assert_eq!(rows.len(), symbols.len());
    for (row, s) in rows.iter().zip(symbols) {
        let obj = s.as_object().unwrap();
        assert_eq!(header.len(), obj.len());
        for (k, cell) in header.iter().zip(row.iter()) {
            let want = match &obj[k] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            assert_eq!(cell, want, "{k}");
        }
    }
    let out = tapebar().args(["stats", p]).output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("venue") && lines[0].contains("zero-vol"));
    for s in symbols {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().nth(1) == s["symbol"].as_str())
            .expect("a row per symbol");
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[2], s["trades"].to_string());
        assert_eq!(cells[6], s["zero_volume_intervals"].to_string());
    }
    let total = lines
        .iter()
        .find(|l| l.starts_with("total"))
        .expect("a total row");
    assert!(total.contains(&json["total"]["trades"].to_string()));
}

#[test]
fn selection_keeps_symbols_and_recomputes_the_total() {
    let cap = random_capture(5);
    let f = write_capture(&cap);
    let p = f.path().to_str().unwrap();
    let all = stats_json(&["--format", "json", p]);
    let one = stats_json(&["--format", "json", "--symbols", "bbb", p]);
    let syms = one["symbols"].as_array().unwrap();
    assert_eq!(syms.len(), 1);
    assert_eq!(syms[0]["symbol"], "BBB");
    let bbb = all["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["symbol"] == "BBB")
        .unwrap();
    assert_eq!(&syms[0], bbb);
    assert_eq!(one["total"]["trades"], bbb["trades"]);
    // --top 1 by quote volume: the reference's largest sum of price × size.
    let top = stats_json(&["--format", "json", "--top", "1", p]);
    let best = all["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .max_by(|a, b| {
            let (x, y) = (
                a["quote_volume"].as_f64().unwrap(),
                b["quote_volume"].as_f64().unwrap(),
            );
            x.partial_cmp(&y).unwrap()
        })
        .unwrap();
    assert_eq!(top["symbols"].as_array().unwrap().len(), 1);
    assert_eq!(top["symbols"][0]["symbol"], best["symbol"]);
    // --from/--to leave trades outside out: every figure is of the window's trades.
    let from = (T0 + 60_000).to_string();
    let w = stats_json(&["--format", "json", "--from", &from, p]);
    for s in w["symbols"].as_array().unwrap() {
        assert!(s["first_interval_ms"]
            .as_i64()
            .is_none_or(|f| f >= T0 + 60_000));
    }
}

#[test]
fn aggregate_selects_the_same_symbols() {
    let cap = random_capture(5);
    let f = write_capture(&cap);
    let p = f.path().to_str().unwrap();
    let symbols_of = |args: &[&str]| -> Vec<String> {
        let out = aggregate(&[&["-o", "-", "-q"], args, &[p]].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(symbols_of(&["--symbols", "AAA,ccc"]), ["AAA", "CCC"]);
    assert!(symbols_of(&["--venues", "kraken"]).is_empty());
    let top = stats_json(&["--format", "json", "--top", "2", p]);
    let want: Vec<String> = top["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["symbol"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(symbols_of(&["--top", "2"]), want);
    // --min-quote-volume-24h: the whole capture lies in one day, so a symbol's best
    // window is its whole quote volume.
    let all = stats_json(&["--format", "json", p]);
    let mut qv: Vec<f64> = all["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["quote_volume"].as_f64().unwrap())
        .collect();
    qv.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let floor = format!("{}", qv[1].floor());
    assert_eq!(symbols_of(&["--min-quote-volume-24h", &floor]).len(), 2);
    let out = aggregate(&["-o", "-", "-q", "--from", "2024-06-20T00:01:00Z", p]);
    let text = String::from_utf8(out.stdout).unwrap();
    for l in text.lines().skip(1) {
        let ts: i64 = l.split(',').nth(2).unwrap().parse().unwrap();
        assert!(ts >= T0 + 60_000, "{l}");
    }
}

#[test]
fn an_empty_time_window_is_a_usage_error() {
    for cmd in ["stats", "aggregate"] {
        let out = tapebar()
            .args([
                cmd,
                "--from",
                "2024-06-20T00:01:00Z",
                "--to",
                "1718841600000",
            ])
            .arg("testdata/sample.jsonl")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--from must be before --to"));
    }
}
