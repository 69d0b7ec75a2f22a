//! Criterion micro-benchmarks of tapebar's pipeline stages, on `testdata/sample.jsonl`.
//!
//! Groups:
//! - `decode`: one message at a time, bytes/s of message text, three readers:
//!   `flat` (`Flat` + `binance::decode_flat`, the production fast path, falling back as
//!   `engine::decode_message` does), `tape` (`Tape::parse` + `venue::decode`) and `serde`
//!   (`json::parse_reference` + `venue::decode`, the reference backend).
//! - `merge`: `PartialBar::merge` of many partials, `PartialBar::add_trade`, `IdSet`
//!   insert / union / intersects.
//! - `rows`: CSV text of bars (`bar::write_row`) and fills (`bar::write_fill_row`),
//!   `Decimal::parse` of the sample's prices and sizes.
//! - `end_to_end`: `Engine` + `RowStore` on a 1-thread pool, then the rows copied out as
//!   `write_long` does (venue,symbol prefix per row), bytes/s of input. With
//!   `TAPEBAR_BENCH_CAPTURE=/path/to/capture.jsonl` a second case runs on that file
//!   (e.g. a 20 MB `gen_capture.py` capture), on a pool of `TAPEBAR_BENCH_THREADS`
//!   threads (default 1).
//!
//! Run: `cargo bench` (all), `cargo bench -- decode` (one group), `cargo bench -- --quick`.
//! Whole-process figures (release binary, large captures, peers) are
//! `scripts/bench_cli.sh`'s job.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use tapebar::bar::{write_fill_row, write_row, OrderKey, PartialBar};
use tapebar::capture::Input;
use tapebar::decimal::Decimal;
use tapebar::dedup::IdSet;
use tapebar::engine::{Engine, Settings};
use tapebar::flatjson::Flat;
use tapebar::json::{parse_reference, Tape};
use tapebar::output::{csv_field, RowStore};
use tapebar::time::{bucket_start, NS_PER_MS, NS_PER_S};
use tapebar::trade::{Side, Trade, TradeId};
use tapebar::venue::{self, Ctx, Decoded, Out};

// ----- inputs --------------------------------------------------------------------------

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample.jsonl")
}

/// The sample's lines, without their newlines (empty lines dropped).
fn sample_lines() -> Vec<Vec<u8>> {
    let path = sample_path();
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn total_bytes(lines: &[Vec<u8>]) -> u64 {
    lines.iter().map(|l| l.len() as u64).sum()
}

/// Counts what decoders hand out (and keeps the trade alive for the optimiser).
#[derive(Default)]
struct Count {
    trades: u64,
    skips: u64,
}

impl<'a> Out<'a> for Count {
    fn trade(&mut self, t: Trade<'a>) {
        black_box(&t);
        self.trades += 1;
    }
    fn skip(&mut self, reason: &'static str) {
        black_box(reason);
        self.skips += 1;
    }
}

/// A decoded trade with owned fields, for the merge and row benchmarks.
struct OwnedTrade {
    symbol: String,
    time: i64,
    price: Decimal,
    size: Decimal,
    side: Side,
    id: u128,
}

struct Collect(Vec<OwnedTrade>);

impl<'a> Out<'a> for Collect {
    fn trade(&mut self, t: Trade<'a>) {
        let id = match t.id {
            TradeId::Num(v) => v,
            _ => 0,
        };
        self.0.push(OwnedTrade {
            symbol: t.symbol.into_owned(),
            time: t.time,
            price: t.price,
            size: t.size,
            side: t.side,
            id,
        });
    }
    fn skip(&mut self, _: &'static str) {}
}

fn sample_trades(lines: &[Vec<u8>]) -> Vec<OwnedTrade> {
    let mut tape = Tape::new();
    let mut out = Collect(Vec::new());
    for line in lines {
        let v = tape.parse(line).expect("sample lines are JSON");
        venue::decode(v, &Ctx::default(), &mut out).expect("sample lines decode");
    }
    assert!(!out.0.is_empty(), "no trades in the sample");
    out.0
}

fn key(t: &OwnedTrade, index: u64) -> OrderKey {
    OrderKey {
        time: t.time,
        id: t.id,
        capture: index as u128,
    }
}

/// The sample's bars per (symbol, 10 s bucket), in key order.
fn sample_bars(trades: &[OwnedTrade]) -> Vec<(i64, PartialBar)> {
    let mut bars: BTreeMap<(&str, i64), PartialBar> = BTreeMap::new();
    for (i, t) in trades.iter().enumerate() {
        let bucket = bucket_start(t.time, 10 * NS_PER_S);
        let k = key(t, i as u64);
        bars.entry((t.symbol.as_str(), bucket))
            .and_modify(|b| b.add_trade(k, t.price, t.size, t.side).unwrap())
            .or_insert_with(|| PartialBar::of_trade(k, t.price, t.size, t.side));
    }
    bars.into_iter()
        .map(|((_, bucket), b)| (bucket / NS_PER_MS, b))
        .collect()
}

// ----- decode ----------------------------------------------------------------------------

/// The production path: flat reader and flat decoder, with the engine's fallbacks.
fn decode_flat_all(lines: &[Vec<u8>], flat: &mut Flat, tape: &mut Tape, out: &mut Count) {
    let ctx = Ctx::default();
    for line in lines {
        match flat.parse(line) {
            Some(v) => {
                if venue::binance::decode_flat(v, &ctx, out).is_none() {
                    venue::decode(v, &ctx, out).expect("decodes");
                }
            }
            None => {
                let v = tape.parse(line).expect("JSON");
                venue::decode(v, &ctx, out).expect("decodes");
            }
        }
    }
}

/// What the engine does: the one-pass Binance reader, else the flat reader path above.
fn decode_one_pass_all(lines: &[Vec<u8>], flat: &mut Flat, tape: &mut Tape, out: &mut Count) {
    for line in lines {
        match venue::binance::scan::read_trade(line, "binance") {
            Some((t, n)) if n == line.len() => out.trade(t),
            _ => decode_flat_all(std::slice::from_ref(line), flat, tape, out),
        }
    }
}

fn decode_tape_all(lines: &[Vec<u8>], tape: &mut Tape, out: &mut Count) {
    let ctx = Ctx::default();
    for line in lines {
        let v = tape.parse(line).expect("JSON");
        let d = venue::decode(v, &ctx, out).expect("decodes");
        black_box(&d);
    }
}

fn decode_serde_all(lines: &[Vec<u8>], out: &mut Count) {
    let ctx = Ctx::default();
    for line in lines {
        let v = parse_reference(line).expect("JSON");
        let d: Decoded = venue::decode(&v, &ctx, out).expect("decodes");
        black_box(&d);
    }
}

fn bench_decode(c: &mut Criterion) {
    let lines = sample_lines();
    let (mut flat, mut tape) = (Flat::new(), Tape::new());

    // The three readers must agree on the sample, or the comparison means nothing.
    let (mut a, mut b, mut s) = (Count::default(), Count::default(), Count::default());
    let mut flat_hits = 0usize;
    for line in &lines {
        flat_hits += usize::from(flat.parse(line).is_some());
    }
    let mut o = Count::default();
    decode_one_pass_all(&lines, &mut flat, &mut tape, &mut o);
    decode_flat_all(&lines, &mut flat, &mut tape, &mut a);
    decode_tape_all(&lines, &mut tape, &mut b);
    decode_serde_all(&lines, &mut s);
    assert_eq!((o.trades, o.skips), (a.trades, a.skips), "one pass vs flat");
    assert_eq!((a.trades, a.skips), (b.trades, b.skips), "flat vs tape");
    assert_eq!((a.trades, a.skips), (s.trades, s.skips), "flat vs serde");
    eprintln!(
        "decode: {} lines, {} bytes, {} trades; {} lines take the flat reader",
        lines.len(),
        total_bytes(&lines),
        a.trades,
        flat_hits
    );

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(total_bytes(&lines)));
    g.bench_function("one_pass", |bch| {
        bch.iter(|| {
            let mut out = Count::default();
            decode_one_pass_all(&lines, &mut flat, &mut tape, &mut out);
            out.trades
        })
    });
    g.bench_function("flat", |bch| {
        bch.iter(|| {
            let mut out = Count::default();
            decode_flat_all(&lines, &mut flat, &mut tape, &mut out);
            out.trades
        })
    });
    g.bench_function("tape", |bch| {
        bch.iter(|| {
            let mut out = Count::default();
            decode_tape_all(&lines, &mut tape, &mut out);
            out.trades
        })
    });
    g.bench_function("serde", |bch| {
        bch.iter(|| {
            let mut out = Count::default();
            decode_serde_all(&lines, &mut out);
            out.trades
        })
    });
    g.finish();
}

// ----- merge -----------------------------------------------------------------------------

fn bench_merge(c: &mut Criterion) {
    let trades = sample_trades(&sample_lines());
    let mut g = c.benchmark_group("merge");

    // One partial per trade, merged into one bar (the worst case of chunk merging).
    let partials: Vec<PartialBar> = trades
        .iter()
        .enumerate()
        .map(|(i, t)| PartialBar::of_trade(key(t, i as u64), t.price, t.size, t.side))
        .collect();
    g.throughput(Throughput::Elements(partials.len() as u64));
    g.bench_function("partialbar_merge", |bch| {
        bch.iter(|| {
            let mut acc = partials[0];
            for p in &partials[1..] {
                acc.merge(black_box(p)).unwrap();
            }
            acc
        })
    });

    g.throughput(Throughput::Elements(trades.len() as u64));
    g.bench_function("partialbar_add_trade", |bch| {
        bch.iter(|| {
            let t0 = &trades[0];
            let mut acc = PartialBar::of_trade(key(t0, 0), t0.price, t0.size, t0.side);
            for (i, t) in trades.iter().enumerate().skip(1) {
                acc.add_trade(key(t, i as u64), black_box(t.price), t.size, t.side)
                    .unwrap();
            }
            acc
        })
    });

    const N: u128 = 100_000;
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("idset_insert_consecutive", |bch| {
        bch.iter(|| {
            let mut s = IdSet::new();
            for v in 0..N {
                s.insert(&TradeId::Num(black_box(3_650_000_000 + v)));
            }
            s.ranges()
        })
    });
    // Every other id: one range per id (a trade stream with gaps, or an interleaved split).
    g.bench_function("idset_insert_gaps", |bch| {
        bch.iter(|| {
            let mut s = IdSet::new();
            for v in 0..N {
                s.insert_num(black_box(3_650_000_000 + 2 * v));
            }
            s.ranges()
        })
    });
    // Ids out of order: blocks of 16 inserted back to front (a late message's trades).
    g.bench_function("idset_insert_reordered", |bch| {
        bch.iter(|| {
            let mut s = IdSet::new();
            for blk in 0..N / 16 {
                for j in (0..16).rev() {
                    s.insert_num(black_box(blk * 16 + j));
                }
            }
            s.ranges()
        })
    });

    // Two interleaved sets of 1000 ranges each: no shared id, so intersects scans them all.
    let mut even = IdSet::new();
    let mut odd = IdSet::new();
    for k in 0..1000u128 {
        for j in 0..5 {
            even.insert_num(k * 20 + j);
            odd.insert_num(k * 20 + 10 + j);
        }
    }
    assert_eq!((even.ranges(), odd.ranges()), (1000, 1000));
    assert!(!even.intersects(&odd));
    g.throughput(Throughput::Elements(2000));
    g.bench_function("idset_intersects_disjoint_1000_ranges", |bch| {
        bch.iter(|| black_box(&even).intersects(black_box(&odd)))
    });
    g.bench_function("idset_union_1000_ranges", |bch| {
        bch.iter_batched(
            || (even.clone(), odd.clone()),
            |(mut a, b)| {
                a.union(b);
                a
            },
            BatchSize::SmallInput,
        )
    });
    // The common case: one range each, the second continuing the first.
    let (mut first, mut next) = (IdSet::new(), IdSet::new());
    for v in 0..1000u128 {
        first.insert_num(v);
        next.insert_num(1000 + v);
    }
    g.throughput(Throughput::Elements(1));
    g.bench_function("idset_union_adjacent_single_ranges", |bch| {
        bch.iter_batched(
            || (first.clone(), next.clone()),
            |(mut a, b)| {
                let hit = a.intersects(&b);
                a.union(b);
                (hit, a)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

// ----- rows ------------------------------------------------------------------------------

fn bench_rows(c: &mut Criterion) {
    let lines = sample_lines();
    let trades = sample_trades(&lines);
    let bars = sample_bars(&trades);
    let mut g = c.benchmark_group("rows");

    let mut buf = Vec::with_capacity(1 << 20);
    g.throughput(Throughput::Elements(bars.len() as u64));
    g.bench_function("write_row", |bch| {
        bch.iter(|| {
            buf.clear();
            for (ts, bar) in &bars {
                write_row(&mut buf, *ts, bar);
            }
            buf.len()
        })
    });
    g.bench_function("write_fill_row", |bch| {
        bch.iter(|| {
            buf.clear();
            for (ts, bar) in &bars {
                write_fill_row(&mut buf, *ts, bar.close);
            }
            buf.len()
        })
    });

    // The price and size texts of the sample, as the wire has them ("66578.50000000").
    let mut texts: Vec<String> = Vec::new();
    for line in &lines {
        let v = parse_reference(line).expect("JSON");
        let data = v.get("data").unwrap_or(&v);
        for k in ["p", "q"] {
            if let Some(s) = data.get(k).and_then(|x| x.as_str()) {
                texts.push(s.to_string());
            }
        }
    }
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("decimal_parse", |bch| {
        bch.iter(|| {
            let mut acc = 0u128;
            for t in &texts {
                acc ^= Decimal::parse(black_box(t)).unwrap().mant;
            }
            acc
        })
    });
    g.finish();
}

// ----- end to end ----------------------------------------------------------------------

/// The whole library pipeline on one file, the rows copied out like `tapebar aggregate -o -`
/// (minus the stdout write). Returns the CSV's length and the trades counted.
fn run_engine(path: &Path, pool: &rayon::ThreadPool, csv: &mut Vec<u8>) -> (usize, u64) {
    let settings = Settings {
        interval: 10 * NS_PER_S,
        max_delay: 600 * NS_PER_S,
        keep_pre_capture: false,
        strict: false,
        venue_override: None,
        window: (i64::MIN, i64::MAX),
    };
    let mut store = RowStore::new(std::env::temp_dir());
    let engine = Engine::new(
        settings,
        true,
        vec![Input::File(path.to_path_buf())],
        &mut store,
    );
    let outcome = engine.run(pool, &|_| {}).expect("engine runs");
    assert!(store.take_error().is_none(), "spill error");
    csv.clear();
    // As cmd/aggregate.rs write_long: every series in (venue, symbol) order.
    let mut order: Vec<(&str, &str, usize)> = outcome
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.venue, s.symbol.as_ref(), i))
        .collect();
    order.sort_unstable();
    for (venue, symbol, si) in order {
        let mut prefix = csv_field(venue);
        prefix.push(b',');
        prefix.extend_from_slice(&csv_field(symbol));
        prefix.push(b',');
        store
            .for_each_piece(si, |piece| {
                for row in piece.split_inclusive(|&b| b == b'\n') {
                    csv.extend_from_slice(&prefix);
                    csv.extend_from_slice(row);
                }
                Ok(())
            })
            .expect("rows read back");
    }
    let trades = outcome.inputs.iter().map(|r| r.counts.trades).sum();
    (csv.len(), trades)
}

fn bench_end_to_end(c: &mut Criterion) {
    let mut cases: Vec<(String, PathBuf, usize)> =
        vec![("sample_1thread".to_string(), sample_path(), 1)];
    if let Some(p) = std::env::var_os("TAPEBAR_BENCH_CAPTURE") {
        let threads = std::env::var("TAPEBAR_BENCH_THREADS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(1);
        cases.push((
            format!("capture_{threads}thread"),
            PathBuf::from(p),
            threads,
        ));
    }
    let mut g = c.benchmark_group("end_to_end");
    for (name, path, threads) in cases {
        let size = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
            .len();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let mut csv = Vec::new();
        let (len, trades) = run_engine(&path, &pool, &mut csv);
        assert!(trades > 0, "{}: no trades", path.display());
        eprintln!(
            "end_to_end/{name}: {} ({size} bytes): {trades} trades, {len} bytes of CSV",
            path.display()
        );
        g.throughput(Throughput::Bytes(size));
        g.bench_function(name.as_str(), |bch| {
            bch.iter(|| run_engine(&path, &pool, &mut csv))
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_decode, bench_merge, bench_rows, bench_end_to_end
}
criterion_main!(benches);
