//! One module per subcommand: arguments in, work done, exit code out.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::capture::{self, Input};
use crate::cli::SelectArgs;
use crate::engine::Settings;

pub mod aggregate;
pub mod inspect;
pub mod stats;

/// The options `aggregate` and `stats` share for their pass over the inputs.
pub(crate) struct PassArgs<'a> {
    pub threads: Option<u64>,
    pub inputs: &'a [PathBuf],
    pub interval: i64,
    pub max_delay: i64,
    pub keep_pre_capture: bool,
    pub strict: bool,
    pub venue: &'a Option<String>,
    pub select: &'a SelectArgs,
}

/// What `aggregate` and `stats` set up alike before their pass.
pub(crate) struct Pass {
    pub pool: rayon::ThreadPool,
    pub inputs: Vec<Input>,
    /// An input named on the command line could not be listed (already reported).
    pub failed: bool,
    pub settings: Settings,
    /// Bytes of the files among the inputs, for the progress bar.
    pub total_bytes: u64,
}

impl Pass {
    pub fn new(a: PassArgs) -> Result<Pass> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(a.threads.unwrap_or(0) as usize)
            .build()
            .context("cannot start worker threads")?;
        let (inputs, input_errors) = capture::expand_inputs(a.inputs);
        let mut failed = false;
        for e in &input_errors {
            crate::say!("tapebar: error: `{}`: {}", e.input, e.error);
            failed = true;
        }
        if inputs.is_empty() {
            bail!("no input to read");
        }
        let settings = Settings {
            interval: a.interval,
            max_delay: a.max_delay,
            keep_pre_capture: a.keep_pre_capture,
            strict: a.strict,
            venue_override: a
                .venue
                .as_ref()
                .map(|v| &*Box::leak(v.to_lowercase().into_boxed_str())),
            window: a.select.window(),
        };
        let total_bytes: u64 = inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
                Input::Stdin => 0,
            })
            .sum();
        Ok(Pass {
            pool,
            inputs,
            failed,
            settings,
            total_bytes,
        })
    }
}
