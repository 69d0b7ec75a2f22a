//! `tapebar stats`: the capture quality report, from the same pass `aggregate` makes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::{Pass, PassArgs};
use crate::cli::{Format, StatsArgs};
use crate::decimal::{Decimal, Sum};
use crate::engine::{Engine, Outcome, RowSink};
use crate::progress::Progress;
use crate::select::Candidate;
use crate::stats::{ms_text, pct, secs_text, Figures, Reception, StatsObserver};
use crate::time::{format_iso, NS_PER_MS};
use crate::venue;

/// Rows go nowhere: stats reads the closed buckets through its observer.
struct NoRows;

impl RowSink for NoRows {
    fn bar(&mut self, _: usize, _: i64, _: &crate::bar::PartialBar) {}
    fn fill(&mut self, _: usize, _: i64, _: Decimal) {}
}

/// Figures whose values `--fail-on` can test: the numeric keys of a symbol entry.
pub const GATE_KEYS: &[&str] = &[
    "trades",
    "duplicates",
    "skipped_pre_capture",
    "skipped_history",
    "skipped_late",
    "intervals",
    "traded_intervals",
    "zero_volume_intervals",
    "zero_volume_pct",
    "zero_volume_runs",
    "zero_volume_longest_run",
    "zero_volume_longest_run_s",
    "zero_volume_run_p50",
    "zero_volume_run_p99",
    "zero_volume_outage_intervals",
    "zero_volume_quiet_intervals",
    "zero_interval_trades",
    "zero_interval_pct",
    "zero_range_intervals",
    "zero_range_pct",
    "signature_collisions",
    "out_of_order",
    "out_of_order_max_lateness_ms",
    "latency_trades",
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "latency_negative",
    "quote_volume",
];

/// Run the subcommand; returns the process exit code.
pub fn run(args: StatsArgs) -> Result<i32> {
    if let Err(e) = args.select.check() {
        crate::say!("tapebar: error: {e}");
        return Ok(2);
    }
    for g in &args.fail_on {
        if !GATE_KEYS.contains(&g.key.as_str()) {
            crate::say!(
                "tapebar: error: --fail-on `{g}`: no figure `{}` (one of: {})",
                g.key,
                GATE_KEYS.join(", ")
            );
            return Ok(2);
        }
    }
    let Pass {
        pool,
        inputs,
        mut failed,
        settings,
        total_bytes,
    } = Pass::new(PassArgs {
        threads: args.threads,
        inputs: &args.inputs,
        interval: args.interval,
        max_delay: args.max_delay,
        keep_pre_capture: args.keep_pre_capture,
        strict: args.strict,
        venue: &args.venue,
        select: &args.select,
    })?;
    let progress = Progress::new(total_bytes, args.quiet);
    let mut rows = NoRows;
    // The best 24 h window is only read by --min-quote-volume-24h.
    let best_window = args.select.min_quote_volume_24h.is_some();
    let observer = StatsObserver::new(args.interval, args.gap, best_window);
    let engine = Engine::with_observer(settings, false, inputs, &mut rows, observer);
    let outcome = engine
        .run(&pool, &|b| progress.set(b))
        .map_err(|f| anyhow::anyhow!(f.0))?;
    progress.finish();
    let Outcome {
        series,
        inputs: mut reports,
        observer,
    } = outcome;
    let (mut figures, receptions) = observer.finish(series.len());
    for (f, s) in figures.iter_mut().zip(&series) {
        f.duplicates = s.duplicates;
    }

    // One stream per (venue, symbol), as aggregate chooses it: the preferred stream among
    // those that made bars; a symbol whose every trade was skipped keeps its first stream.
    let mut chosen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (si, s) in series.iter().enumerate() {
        let key = (s.venue, s.symbol.as_ref());
        let better = match chosen.get(&key) {
            None => true,
            Some(&cur) => {
                let (a, b) = (&figures[cur], &figures[si]);
                (b.in_bars && !a.in_bars)
                    || (b.in_bars == a.in_bars && s.stream < series[cur].stream)
            }
        };
        if better {
            chosen.insert(key, si);
        }
    }
    for (si, s) in series.iter().enumerate() {
        if chosen.get(&(s.venue, s.symbol.as_ref())) == Some(&si) || !figures[si].in_bars {
            continue;
        }
        let reason = format!(
            "{} (the capture also has the symbol's trade stream)",
            venue::stream_label(s.venue, s.stream)
        );
        for &(input, n) in &s.trades_by_input {
            let c = &mut reports[input as usize].counts;
            c.trades -= n;
            c.skipped.add(Cow::Owned(reason.clone()), n, 0);
        }
    }

    let rows: Vec<(&str, &str, usize)> = chosen.iter().map(|(&(v, s), &si)| (v, s, si)).collect();
    let cands: Vec<Candidate> = rows
        .iter()
        .map(|&(venue, symbol, si)| Candidate {
            venue,
            symbol,
            quote_volume: figures[si].quote_volume,
            best_24h: figures[si].best_window_quote_volume,
        })
        .collect();
    let selection = args.select.selection();
    let keep = selection.keep(&cands);
    let unmatched = selection.unmatched(&cands);
    let kept: Vec<(&str, &str, usize)> = rows
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(r, _)| *r)
        .collect();

    let mut symbols = Vec::new();
    for &(venue, symbol, si) in &kept {
        let mut m = Map::new();
        m.insert("venue".into(), venue.into());
        m.insert("symbol".into(), symbol.into());
        m.insert(
            "stream".into(),
            venue::stream_label(venue, series[si].stream).into(),
        );
        figures_into(&mut m, &figures[si]);
        symbols.push(m);
    }
    let total = Figures::total(kept.iter().map(|&(_, _, si)| &figures[si]), args.interval);
    let mut total_m = Map::new();
    total_m.insert("venue".into(), "*".into());
    total_m.insert("symbol".into(), "*".into());
    total_m.insert("stream".into(), "*".into());
    total_m.insert("symbols".into(), kept.len().into());
    figures_into(&mut total_m, &total);

    let mut input_list = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        input_list.push(input_entry(r, receptions.get(i), args.gap));
    }

    let out = io::stdout();
    let mut w = io::BufWriter::new(out.lock());
    let res = match args.format {
        Format::Json => {
            let mut root = Map::new();
            root.insert(
                "symbols".into(),
                Value::Array(symbols.iter().cloned().map(Value::Object).collect()),
            );
            root.insert("total".into(), Value::Object(total_m.clone()));
            root.insert(
                "inputs".into(),
                Value::Array(input_list.into_iter().map(Value::Object).collect()),
            );
            // `io::Error::from` keeps the kind of a write error (a closed pipe is quiet).
            serde_json::to_writer_pretty(&mut w, &Value::Object(root))
                .map_err(io::Error::from)
                .and_then(|_| writeln!(w))
        }
        Format::Csv => write_csv(&mut w, &symbols),
        Format::Table => write_table(&mut w, &symbols, &total_m, &input_list),
    }
    .and_then(|_| w.flush());
    match res {
        // A reader that stopped early (`| head`) is not an error, but the gates and the
        // inputs' errors below still decide the exit status.
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e).context("cannot write the report to stdout"),
    }

    for r in &reports {
        if let Some(e) = &r.error {
            crate::say!("tapebar: error: `{}`: {e}", r.display);
            failed = true;
        }
        if let Some(w) = &r.warning {
            crate::say!("tapebar: warning: `{}`: {w}", r.display);
        }
    }
    crate::select::warn_unmatched(&unmatched);
    if failed {
        return Ok(1);
    }
    let mut broken = 0;
    for m in &symbols {
        for g in &args.fail_on {
            let v = m.get(&g.key).and_then(Value::as_f64);
            if g.broken_by(v) {
                broken += 1;
                crate::say!(
                    "tapebar: gate failed: {} {}: {} = {} (--fail-on '{g}')",
                    m["venue"].as_str().unwrap_or(""),
                    m["symbol"].as_str().unwrap_or(""),
                    g.key,
                    m[&g.key]
                );
            }
        }
    }
    Ok(if broken > 0 { 3 } else { 0 })
}

/// A JSON number from exact decimal text.
fn num_text(text: &str) -> Value {
    serde_json::from_str::<serde_json::Number>(text).map_or(Value::Null, Value::Number)
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

fn sum_value(s: Sum) -> Value {
    num_text(&s.to_string())
}

fn figures_into(m: &mut Map<String, Value>, f: &Figures) {
    let ms = |ns: i64| ns / NS_PER_MS;
    m.insert("trades".into(), f.trades.into());
    m.insert("duplicates".into(), f.duplicates.into());
    m.insert("skipped_pre_capture".into(), f.skips.pre_capture.into());
    m.insert("skipped_history".into(), f.skips.history.into());
    m.insert("skipped_late".into(), f.skips.late.into());
    m.insert("first_interval_ms".into(), opt(f.first.map(ms)));
    m.insert("last_interval_ms".into(), opt(f.last.map(ms)));
    m.insert("intervals".into(), f.intervals.into());
    m.insert("traded_intervals".into(), f.traded_intervals.into());
    m.insert("zero_volume_intervals".into(), f.zero_volume.into());
    m.insert(
        "zero_volume_pct".into(),
        opt(pct(f.zero_volume, f.intervals)),
    );
    m.insert("zero_volume_runs".into(), f.runs.len().into());
    let longest = f.longest.map_or(0, |(l, _)| l);
    m.insert("zero_volume_longest_run".into(), longest.into());
    m.insert(
        "zero_volume_longest_run_s".into(),
        num_text(&secs_text((longest as i64).saturating_mul(f.interval))),
    );
    m.insert(
        "zero_volume_longest_run_start_ms".into(),
        opt(f.longest.map(|(_, s)| ms(s))),
    );
    m.insert("zero_volume_run_p50".into(), opt(f.runs.percentile(50)));
    m.insert("zero_volume_run_p99".into(), opt(f.runs.percentile(99)));
    m.insert(
        "zero_volume_outage_intervals".into(),
        opt(f.zero_volume_outage),
    );
    m.insert(
        "zero_volume_quiet_intervals".into(),
        f.zero_volume_outage
            .map_or(f.zero_volume, |o| f.zero_volume - o)
            .into(),
    );
    m.insert("zero_interval_trades".into(), f.zero_interval.into());
    m.insert(
        "zero_interval_pct".into(),
        opt(pct(f.zero_interval, f.trades)),
    );
    m.insert("zero_range_intervals".into(), f.zero_range.into());
    m.insert(
        "zero_range_pct".into(),
        opt(pct(f.zero_range, f.traded_intervals)),
    );
    m.insert("signature_collisions".into(), f.collisions.into());
    m.insert("out_of_order".into(), f.out_of_order.into());
    m.insert(
        "out_of_order_max_lateness_ms".into(),
        num_text(&ms_text(f.max_lateness)),
    );
    m.insert("latency_trades".into(), f.latency_ms.len().into());
    m.insert("latency_p50_ms".into(), opt(f.latency_ms.percentile(50)));
    m.insert("latency_p99_ms".into(), opt(f.latency_ms.percentile(99)));
    m.insert(
        "latency_max_ms".into(),
        f.latency_max.map_or(Value::Null, |v| num_text(&ms_text(v))),
    );
    m.insert("latency_negative".into(), f.latency_negative.into());
    m.insert("quote_volume".into(), sum_value(f.quote_volume));
}

fn input_entry(
    r: &crate::engine::InputReport,
    rec: Option<&Reception>,
    gap: i64,
) -> Map<String, Value> {
    let c = &r.counts;
    let mut m = Map::new();
    m.insert("input".into(), r.display.clone().into());
    m.insert("compression".into(), r.compression.name().into());
    m.insert("lines".into(), c.lines.into());
    m.insert("messages".into(), c.messages.into());
    m.insert("trades".into(), c.trades.into());
    m.insert("duplicates".into(), c.duplicates.into());
    m.insert("non_trade_messages".into(), c.non_trade.into());
    m.insert("recorder_lines".into(), c.recorder_lines.into());
    m.insert("skipped".into(), c.skipped.total().into());
    m.insert("malformed".into(), c.malformed.total().into());
    m.insert("unrecognised".into(), c.unrecognised.total().into());
    let reasons = |rs: &crate::report::Reasons| {
        Value::Array(
            rs.0.iter()
                .map(|r| {
                    let mut o = Map::new();
                    o.insert("reason".into(), r.text.to_string().into());
                    o.insert("count".into(), r.count.into());
                    o.insert(
                        "first_line".into(),
                        if r.first_line > 0 {
                            r.first_line.into()
                        } else {
                            Value::Null
                        },
                    );
                    Value::Object(o)
                })
                .collect(),
        )
    };
    m.insert("skipped_reasons".into(), reasons(&c.skipped));
    m.insert("malformed_reasons".into(), reasons(&c.malformed));
    m.insert("unrecognised_reasons".into(), reasons(&c.unrecognised));
    let rec = rec.filter(|r| r.first.is_some());
    m.insert(
        "first_receive".into(),
        opt(rec.and_then(|r| r.first).map(format_iso)),
    );
    m.insert("last_receive".into(), opt(rec.map(|r| format_iso(r.max))));
    m.insert("gap_s".into(), num_text(&secs_text(gap)));
    match rec {
        None => {
            m.insert("outages".into(), Value::Null);
            m.insert("outage_s".into(), Value::Null);
            m.insert("longest_outage_s".into(), Value::Null);
            m.insert("longest_outage_start".into(), Value::Null);
        }
        Some(r) => {
            let total: i64 = r.outages.iter().map(|(a, b)| b - a).sum();
            let longest = r
                .outages
                .iter()
                .fold(None::<(i64, i64)>, |best, &(a, b)| match best {
                    Some((ba, bb)) if bb - ba >= b - a => Some((ba, bb)),
                    _ => Some((a, b)),
                });
            m.insert("outages".into(), r.outages.len().into());
            m.insert("outage_s".into(), num_text(&secs_text(total)));
            m.insert(
                "longest_outage_s".into(),
                longest.map_or(Value::Null, |(a, b)| num_text(&secs_text(b - a))),
            );
            m.insert(
                "longest_outage_start".into(),
                opt(longest.map(|(a, _)| format_iso(a))),
            );
        }
    }
    m
}

/// A value as CSV / table text (null is empty).
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_csv(w: &mut dyn Write, symbols: &[Map<String, Value>]) -> io::Result<()> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w);
    let keys: Vec<String> = match symbols.first() {
        Some(m) => m.keys().cloned().collect(),
        None => {
            // The header alone, from an empty figure set.
            let mut m = Map::new();
            m.insert("venue".into(), Value::Null);
            m.insert("symbol".into(), Value::Null);
            m.insert("stream".into(), Value::Null);
            figures_into(&mut m, &Figures::total([], 1));
            m.keys().cloned().collect()
        }
    };
    out.write_record(&keys).map_err(csv_io)?;
    for m in symbols {
        out.write_record(keys.iter().map(|k| text(&m[k])))
            .map_err(csv_io)?;
    }
    out.flush()
}

/// A CSV error as an I/O error of the same kind where it is one (`csv`'s own conversion
/// makes every error `Other`, so a closed pipe read as a failure).
fn csv_io(e: csv::Error) -> io::Error {
    match e.kind() {
        csv::ErrorKind::Io(io) => io::Error::new(io.kind(), e),
        _ => io::Error::other(e),
    }
}

/// Columns of the table: (header, key).
const TABLE: &[(&str, &str)] = &[
    ("venue", "venue"),
    ("symbol", "symbol"),
    ("trades", "trades"),
    ("dups", "duplicates"),
    ("skipped", "skipped"),
    ("intervals", "intervals"),
    ("zero-vol", "zero_volume_intervals"),
    ("%", "zero_volume_pct"),
    ("outage", "zero_volume_outage_intervals"),
    ("longest", "zero_volume_longest_run"),
    ("run p50", "zero_volume_run_p50"),
    ("run p99", "zero_volume_run_p99"),
    ("zero-int", "zero_interval_trades"),
    ("%", "zero_interval_pct"),
    ("zero-range", "zero_range_intervals"),
    ("%", "zero_range_pct"),
    ("collisions", "signature_collisions"),
    ("out-of-order", "out_of_order"),
    ("lat p50 ms", "latency_p50_ms"),
    ("lat p99 ms", "latency_p99_ms"),
    ("lat max ms", "latency_max_ms"),
    ("lat<0", "latency_negative"),
];

fn table_cell(m: &Map<String, Value>, key: &str) -> String {
    if key == "skipped" {
        let n: u64 = ["skipped_pre_capture", "skipped_history", "skipped_late"]
            .iter()
            .filter_map(|k| m.get(*k).and_then(Value::as_u64))
            .sum();
        return n.to_string();
    }
    match m.get(key) {
        None | Some(Value::Null) => "-".into(),
        // Percentages with two decimals in the table (JSON and CSV keep four).
        Some(Value::Number(n)) if key.ends_with("_pct") => {
            format!("{:.2}", n.as_f64().unwrap_or(0.0))
        }
        Some(v) => text(v),
    }
}

fn aligned(w: &mut dyn Write, rows: &[Vec<String>], left: usize) -> io::Result<()> {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = widths[c] - cell.chars().count();
            if c < left {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

fn write_table(
    w: &mut dyn Write,
    symbols: &[Map<String, Value>],
    total: &Map<String, Value>,
    inputs: &[Map<String, Value>],
) -> io::Result<()> {
    let mut rows = vec![TABLE.iter().map(|(h, _)| h.to_string()).collect::<Vec<_>>()];
    for m in symbols {
        rows.push(TABLE.iter().map(|(_, k)| table_cell(m, k)).collect());
    }
    let mut t: Vec<String> = TABLE.iter().map(|(_, k)| table_cell(total, k)).collect();
    t[0] = "total".into();
    t[1] = format!("{} symbols", symbols.len());
    rows.push(t);
    aligned(w, &rows, 2)?;
    writeln!(w)?;
    let cols: &[(&str, &str)] = &[
        ("input", "input"),
        ("messages", "messages"),
        ("trades", "trades"),
        ("dups", "duplicates"),
        ("non-trade", "non_trade_messages"),
        ("skipped", "skipped"),
        ("malformed", "malformed"),
        ("unrecognised", "unrecognised"),
        ("first receive", "first_receive"),
        ("last receive", "last_receive"),
        ("outages", "outages"),
        ("outage s", "outage_s"),
        ("longest s", "longest_outage_s"),
        ("longest at", "longest_outage_start"),
    ];
    let mut rows = vec![cols.iter().map(|(h, _)| h.to_string()).collect::<Vec<_>>()];
    for m in inputs {
        rows.push(
            cols.iter()
                .map(|(_, k)| match m.get(*k) {
                    None | Some(Value::Null) => "-".into(),
                    Some(v) => text(v),
                })
                .collect(),
        );
    }
    aligned(w, &rows, 1)
}
