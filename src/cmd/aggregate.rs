//! `tapebar aggregate`: captures in, CSV bars out.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{Pass, PassArgs};
use crate::bar::PartialBar;
use crate::capture;
use crate::cli::{AggregateArgs, Fill};
use crate::decimal::Decimal;
use crate::engine::{Engine, Outcome, RowSink};
use crate::output::{self, RowStore};
use crate::progress::Progress;
use crate::report;
use crate::select::{Candidate, VolumeTracker};
use crate::venue;

/// Run the subcommand; returns the process exit code.
pub fn run(args: AggregateArgs) -> Result<i32> {
    if let Err(e) = args.select.check() {
        crate::say!("tapebar: error: {e}");
        return Ok(2);
    }
    let to_stdout = args.output.as_os_str() == "-";
    if !to_stdout {
        // Fail before reading anything (which may take long) if bars cannot be written.
        output::check_writable(&args.output).map_err(|e| {
            anyhow::anyhow!(
                "cannot write bars under `{}`: {}",
                args.output.display(),
                capture::io_message(&e)
            )
        })?;
        if !args.force {
            refuse_existing_outputs(&args.output)?;
        }
        for p in output::remove_stale_temps(&args.output) {
            if !args.quiet {
                crate::say!(
                    "tapebar: removed `{}`, left by an interrupted run",
                    p.display()
                );
            }
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
    let spill_dir = if to_stdout {
        std::env::temp_dir()
    } else {
        args.output.clone()
    };
    let mut store = RowStore::new(spill_dir);
    let progress = Progress::new(total_bytes, args.quiet);
    // Quote volumes are tracked only when the selection needs them.
    let selection = args.select.selection();
    let by_volume = selection.top.is_some() || selection.min_quote_volume_24h.is_some();
    let mut sink = VolumeSink {
        store: &mut store,
        volumes: Vec::new(),
    };
    let fill = args.fill == Fill::Forward;
    let engine = if by_volume {
        Engine::new(settings, fill, inputs, &mut sink)
    } else {
        Engine::new(settings, fill, inputs, sink.store)
    };
    let outcome = engine
        .run(&pool, &|b| progress.set(b))
        .map_err(|f| anyhow::anyhow!(f.0))?;
    let volumes = std::mem::take(&mut sink.volumes);
    progress.finish();
    if let Some(e) = store.take_error() {
        bail!(
            "cannot keep bar rows in a temporary file: {}",
            capture::io_message(&e)
        );
    }

    let Outcome {
        series,
        inputs: mut reports,
        ..
    } = outcome;

    // One stream per (venue, symbol): the preferred one (Binance: trade over aggTrade).
    let mut chosen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (si, s) in series.iter().enumerate() {
        let key = (s.venue, s.symbol.as_ref());
        match chosen.get(&key) {
            Some(&cur) if series[cur].stream <= s.stream => {}
            _ => {
                chosen.insert(key, si);
            }
        }
    }
    for (si, s) in series.iter().enumerate() {
        if chosen.get(&(s.venue, s.symbol.as_ref())) == Some(&si) {
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

    // --symbols, --venues, --top, --min-quote-volume-24h: which rows are written.
    let mut unmatched = Vec::new();
    if !selection.is_all() {
        let rows: Vec<((&str, &str), usize)> = chosen.iter().map(|(&k, &si)| (k, si)).collect();
        let cands: Vec<Candidate> = rows
            .iter()
            .map(|&((venue, symbol), si)| {
                let v = volumes.get(si).cloned().unwrap_or_default();
                Candidate {
                    venue,
                    symbol,
                    quote_volume: v.total(),
                    best_24h: v.best(),
                }
            })
            .collect();
        let keep = selection.keep(&cands);
        unmatched = selection.unmatched(&cands);
        for (((k, _), _), keep) in rows.iter().zip(&cands).zip(keep) {
            if !keep {
                chosen.remove(k);
            }
        }
    }

    let write_result = if to_stdout {
        write_long(&series, &chosen, &store)
    } else {
        write_files(&pool, &args.output, args.force, &series, &chosen, &store)
    };
    match write_result {
        Ok(ok) => failed |= !ok,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(0),
        Err(e) => return Err(e).context("cannot write bars to stdout"),
    }

    for r in &reports {
        if let Some(e) = &r.error {
            crate::say!("tapebar: error: `{}`: {e}", r.display);
            failed = true;
        }
        if let Some(w) = &r.warning {
            crate::say!("tapebar: warning: `{}`: {w}", r.display);
        }
        if !args.quiet
            && r.error
                .as_deref()
                .is_none_or(|e| !e.starts_with("cannot open"))
        {
            crate::say!("tapebar: {}", report::summary_line(&r.display, &r.counts));
        }
    }
    crate::select::warn_unmatched(&unmatched);
    Ok(if failed { 1 } else { 0 })
}

/// The row store, plus each series' quote volume for the selection by volume.
struct VolumeSink<'a> {
    store: &'a mut RowStore,
    volumes: Vec<VolumeTracker>,
}

impl RowSink for VolumeSink<'_> {
    fn bar(&mut self, si: usize, bucket: i64, bar: &PartialBar) {
        if si >= self.volumes.len() {
            self.volumes.resize_with(si + 1, VolumeTracker::default);
        }
        self.volumes[si].add(bucket, bar.quote_volume);
        self.store.bar(si, bucket, bar);
    }

    fn fill(&mut self, si: usize, bucket: i64, close: Decimal) {
        self.store.fill(si, bucket, close);
    }
}

/// Without --force, stop before any work if the directory already holds bar files.
fn refuse_existing_outputs(dir: &Path) -> Result<()> {
    let Ok(venues) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for v in venues.flatten() {
        let Ok(files) = std::fs::read_dir(v.path()) else {
            continue;
        };
        for f in files.flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "csv") {
                bail!(
                    "`{}` already holds bars (e.g. `{}`); use --force to replace them or -o for another directory",
                    dir.display(),
                    p.display()
                );
            }
        }
    }
    Ok(())
}

/// One long CSV on stdout, sorted by venue, symbol, ts.
fn write_long(
    series: &[crate::engine::Series],
    chosen: &BTreeMap<(&str, &str), usize>,
    store: &RowStore,
) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut w = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    w.write_all(output::long_header().as_bytes())?;
    for (&(venue, symbol), &si) in chosen {
        debug_assert_eq!(series[si].venue, venue);
        let mut prefix = output::csv_field(venue);
        prefix.push(b',');
        prefix.extend_from_slice(&output::csv_field(symbol));
        prefix.push(b',');
        store.for_each_piece(si, |piece| {
            for row in piece.split_inclusive(|&b| b == b'\n') {
                w.write_all(&prefix)?;
                w.write_all(row)?;
            }
            Ok(())
        })?;
    }
    w.flush()?;
    Ok(true)
}

/// One file per symbol under `dir`, written on the pool's threads: the files are
/// independent, and written one by one they were a serial tail of the run (59 files of a
/// 1 GB capture, two threads: 36 ms, 15 ms in parallel; docs/performance.md). Name
/// collisions are reported first, then write errors in symbol order. Returns false if any
/// file could not be written.
fn write_files(
    pool: &rayon::ThreadPool,
    dir: &Path,
    force: bool,
    series: &[crate::engine::Series],
    chosen: &BTreeMap<(&str, &str), usize>,
    store: &RowStore,
) -> io::Result<bool> {
    use rayon::prelude::*;
    let mut ok = true;
    let header = output::file_header();
    // Distinct names map to distinct files, except that very long names are cut and
    // hashed: two of those could collide, and one must not overwrite the other.
    let mut written: std::collections::HashMap<PathBuf, &str> = Default::default();
    let mut jobs: Vec<(PathBuf, usize)> = Vec::with_capacity(chosen.len());
    for (&(venue, symbol), &si) in chosen {
        let _ = &series[si];
        let path: PathBuf = output::bar_path(dir, venue, symbol);
        if let Some(other) = written.get(&path) {
            crate::say!(
                "tapebar: error: cannot write `{}` for symbol `{}`: symbol `{}` has the same file name",
                path.display(),
                symbol.escape_debug(),
                other.escape_debug()
            );
            ok = false;
            continue;
        }
        written.insert(path.clone(), symbol);
        jobs.push((path, si));
    }
    let results: Vec<io::Result<()>> = pool.install(|| {
        jobs.par_iter()
            .map(|(path, si)| {
                output::write_atomic(path, force, |w| {
                    w.write_all(header.as_bytes())?;
                    store.for_each_piece(*si, |piece| w.write_all(piece))
                })
            })
            .collect()
    });
    for ((path, _), res) in jobs.iter().zip(results) {
        if let Err(e) = res {
            crate::say!(
                "tapebar: error: cannot write `{}`: {}",
                path.display(),
                capture::io_message(&e)
            );
            ok = false;
        }
    }
    Ok(ok)
}
