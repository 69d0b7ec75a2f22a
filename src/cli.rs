//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Exit status: 0 ok (a closed stdout pipe is ok), 1 an error (an input could not be read,
an output could not be written, --strict found a malformed line), 2 a usage error,
3 a quality gate failed (stats --fail-on).

Docs: docs/bars.md (bar semantics), docs/architecture.md, docs/aggregate.md,
docs/stats.md, docs/inspect.md, docs/reliability.md (bad input, outputs, exit status).";

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
    /// Report the quality of captures: gaps, zero-volume intervals, duplicates, latency.
    #[command(after_help = STATS_HELP)]
    Stats(StatsArgs),
    /// Say what captures hold: envelope, venues, symbols, message kinds, time range.
    #[command(after_help = INSPECT_HELP)]
    Inspect(InspectArgs),
}

const STATS_HELP: &str = "\
Examples:
  tapebar stats capture.jsonl                      aligned table on stdout
  tapebar stats --format json captures/ | jq '.total.zero_volume_pct'
  tapebar stats --format csv --top 20 day1.jsonl.zst day2.jsonl.zst
  tapebar stats --fail-on 'zero_volume_pct>50' --fail-on 'duplicates>0' cap.jsonl

Same pass as aggregate (grid, dedup, pre-capture rule, --interval, --max-delay): the
figures agree with the bars aggregate writes. Per (venue, symbol) and a total row:
trades, duplicates, skipped trades, span, zero-volume intervals (and those inside
recorder outages), zero-interval trades, zero-range intervals, signature collisions,
out-of-order arrivals, receive latency; per input: outages, malformed lines, messages
without trades. Every figure is defined in docs/stats.md.

--fail-on KEY OP NUMBER (OP one of > >= < <= == !=) names a figure of the JSON output;
any symbol that breaks a gate is listed on stderr and the exit status is 3.

Exit status: 0 ok, 1 error, 2 usage error, 3 a quality gate failed.";

const INSPECT_HELP: &str = "\
Examples:
  tapebar inspect capture.jsonl
  tapebar inspect --format json captures/

Per input: compression, envelope (recorder format), venues, symbols with trade counts,
message kinds with counts, first and last receive and trade times, malformed lines.
Trades are counted as decoded (no deduplication, no pre-capture rule). See docs/inspect.md.

Exit status: 0 ok, 1 error, 2 usage error.";

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
    // The angle brackets are for `--help`, which shows this text as it is.
    #[allow(rustdoc::invalid_html_tags)]
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

    #[command(flatten)]
    pub select: SelectArgs,
}

/// Which symbols and which time to keep (aggregate and stats).
#[derive(Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// Only these symbols (comma-separated, ASCII case ignored).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub symbols: Vec<String>,

    /// Only these venues (comma-separated names as written, e.g. binance,binance-futures).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub venues: Vec<String>,

    /// Only trades at or after this time (ISO 8601 or epoch ms).
    #[arg(long, value_name = "TIME", value_parser = crate::select::parse_time)]
    pub from: Option<i64>,

    /// Only trades before this time (ISO 8601 or epoch ms).
    #[arg(long, value_name = "TIME", value_parser = crate::select::parse_time)]
    pub to: Option<i64>,

    /// Only the N symbols of largest quote volume (after the other filters).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Only symbols whose quote volume over some trailing 24 h window reaches V.
    #[arg(long, value_name = "V", value_parser = crate::select::parse_volume)]
    pub min_quote_volume_24h: Option<crate::decimal::Decimal>,
}

impl SelectArgs {
    pub fn selection(&self) -> crate::select::Selection {
        crate::select::Selection {
            symbols: crate::select::parse_list(&self.symbols.join(",")),
            venues: crate::select::parse_list(&self.venues.join(",")),
            top: self.top,
            min_quote_volume_24h: self.min_quote_volume_24h,
        }
    }

    /// A usage error in the selection flags, if any.
    pub fn check(&self) -> Result<(), String> {
        match (self.from, self.to) {
            (Some(f), Some(t)) if f >= t => Err("--from must be before --to".into()),
            _ => Ok(()),
        }
    }

    /// `[from, to)` in ns.
    pub fn window(&self) -> (i64, i64) {
        (self.from.unwrap_or(i64::MIN), self.to.unwrap_or(i64::MAX))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table.
    Table,
    /// One JSON object.
    Json,
    /// CSV, one row per symbol.
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// An aligned table.
    Table,
    /// One JSON object.
    Json,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Capture files, directories, or - for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Interval width: 1s, 10s, 1m, 5m, 1h, 1d, 250ms, ... (as aggregate).
    #[arg(short, long, value_name = "DURATION", default_value = "10s", value_parser = crate::time::parse_interval)]
    pub interval: i64,

    /// A silence between received messages longer than this is a recorder outage.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::time::parse_duration)]
    pub gap: i64,

    /// Quality gate KEY OP NUMBER, e.g. 'zero_volume_pct>50' (repeatable): exit 3 when a
    /// symbol breaks one.
    #[arg(long, value_name = "EXPR", value_parser = crate::gate::Gate::parse)]
    pub fail_on: Vec<crate::gate::Gate>,

    /// Keep trades from before each recording started (as aggregate).
    #[arg(long)]
    pub keep_pre_capture: bool,

    /// How late a trade may arrive and still join its interval (as aggregate).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::time::parse_duration)]
    pub max_delay: i64,

    /// Name every trade's venue NAME (overrides detection, as aggregate).
    #[arg(long, value_name = "NAME")]
    pub venue: Option<String>,

    /// Stop at the first malformed line (exit 1) instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,

    /// Worker threads (default: all cores). Figures are identical for any number.
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,

    /// No progress bar on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub select: SelectArgs,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Capture files, directories, or - for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Table)]
    pub format: InspectFormat,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
}
