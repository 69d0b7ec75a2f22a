//! tapebar turns recorded crypto exchange WebSocket captures into exact, deduplicated OHLCV
//! bars.
//!
//! Data flow: input bytes ([`capture`]: files mapped, gzip/zstd streamed, cut into
//! line-aligned chunks) → lines ([`capture::envelope`]: raw JSON, cryptofeed, tardis.dev,
//! JSON wrappers) → messages ([`json`]: a validating zero-copy tape) → trades ([`venue`]:
//! one decoder per venue, exact [`decimal`]s and [`time`]s) → partial bars per bucket
//! ([`bar`], deduplicated by [`dedup`]) decoded in parallel and merged by the [`engine`],
//! which closes buckets in time order → CSV rows ([`output`]) → files or stdout ([`cmd`]).
//!
//! Modules:
//! - [`cli`], [`cmd`]: command line and subcommands.
//! - [`capture`]: inputs, compression, chunks, recorder envelopes.
//! - [`json`]: the JSON reader and the view trait decoders use (with a serde reference).
//! - [`venue`]: venue decoders.
//! - [`trade`], [`decimal`], [`time`]: the domain values.
//! - [`bar`], [`dedup`], [`engine`]: aggregation.
//! - [`observe`], [`stats`], [`sigset`], [`gate`]: the quality report that watches the same
//!   pass.
//! - [`select`]: which symbols and times a run keeps.
//! - [`output`], [`report`], [`progress`]: what users see.
//! - [`hook`]: pauses for the integration tests (kill mid-write, truncate a mapped input).

pub mod bar;
pub mod capture;
pub mod cli;
pub mod cmd;
pub mod decimal;
pub mod dedup;
pub mod engine;
pub mod flatjson;
pub mod fxhash;
pub mod gate;
pub mod hook;
pub mod json;
pub mod observe;
pub mod output;
pub mod progress;
pub mod report;
pub mod select;
pub mod sigset;
pub mod stats;
#[cfg(test)]
mod testrng;
pub mod time;
pub mod trade;
pub mod venue;

/// Print a line on stderr, like `eprintln!`, except that a stderr that cannot be written
/// (a full disk, a closed pipe) is not a panic: the line is lost, the exit status still
/// tells what happened.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// An error and its causes on one line: `cannot write x: permission denied`.
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut s = e.to_string();
    for cause in e.chain().skip(1) {
        s.push_str(": ");
        s.push_str(&cause.to_string());
    }
    s
}
