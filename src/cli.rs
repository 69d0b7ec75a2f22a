//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Exit status: 0 ok (a closed stdout pipe is ok), 1 an error (an input could not be read,
an output could not be written, --strict found a malformed line), 2 a usage error.

Docs: docs/bars.md (bar semantics), docs/architecture.md, docs/aggregate.md.";

/// Exact, deduplicated OHLCV bars from recorded crypto exchange WebSocket feeds.
#[derive(Parser, Debug)]
#[command(name = "tapebar", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Aggregate the trades of captures into OHLCV bars, written as CSV.
    #[command(after_help = AGGREGATE_HELP)]
    Aggregate(AggregateArgs),
}

const AGGREGATE_HELP: &str = "\
Examples:
  tapebar aggregate capture.jsonl                  bars/<venue>/<SYMBOL>.csv
  tapebar aggregate -o - captures/ | head          one long CSV on stdout
  tapebar aggregate --interval 1m --fill none a.jsonl.zst b.jsonl.gz
  zstd -dc cap.zst | tapebar aggregate -o - -      read stdin

Inputs are files (plain, gzip or zstd, recognised by content), directories (walked in
sorted order, hidden entries skipped) or - for stdin. Lines may be bare JSON messages,
cryptofeed recordings, tardis.dev lines or JSON wrappers with a receive time.

Bars: buckets [start, start + interval) on the UTC epoch grid by exchange trade time;
ts = bucket start in epoch ms; open/close by (trade time, trade id, capture order);
duplicates of (venue, symbol, trade id) dropped; empty intervals between a symbol's first
and last trade forward-filled from the previous close (volume 0, trades 0).
Columns: ts,open,high,low,close,volume,trades,quote_volume,buy_volume (the long form
starts with venue,symbol). See docs/bars.md.

Exit status: 0 ok, 1 error, 2 usage error.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Fill {
    /// Empty intervals between trades get the previous close, volume 0.
    Forward,
    /// Only intervals with trades are written.
    None,
}

#[derive(Args, Debug)]
pub struct AggregateArgs {
    /// Capture files, directories, or - for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output directory (DIR/<venue>/<SYMBOL>.csv), or - for one long CSV on stdout.
    #[arg(short, long, value_name = "DIR", default_value = "bars")]
    pub output: PathBuf,

    /// Bar width: 1s, 10s, 1m, 5m, 1h, 1d, 250ms, ...
    #[arg(short, long, value_name = "DURATION", default_value = "10s", value_parser = crate::time::parse_interval)]
    pub interval: i64,

    /// What to write for intervals without trades.
    #[arg(long, value_enum, default_value_t = Fill::Forward)]
    pub fill: Fill,

    /// Keep trades from before each recording started (replayed history, labelled
    /// snapshots); they are still deduplicated against live trades.
    #[arg(long)]
    pub keep_pre_capture: bool,

    /// How late a trade may arrive (by capture clock) and still join its bar. Buckets
    /// older than this are closed to bound memory; later trades are counted as late.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::time::parse_duration)]
    pub max_delay: i64,

    /// Name every trade's venue NAME (overrides detection).
    #[arg(long, value_name = "NAME")]
    pub venue: Option<String>,

    /// Stop at the first malformed line (exit 1) instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,

    /// Replace existing output files.
    #[arg(short, long)]
    pub force: bool,

    /// Worker threads (default: all cores). Output is identical for any number.
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,

    /// No progress bar and no summary on stderr (errors are still reported).
    #[arg(short, long)]
    pub quiet: bool,
}
