//! The `tapebar` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = tapebar::cli::Cli::parse();
    let result = match cli.command {
        tapebar::cli::Command::Aggregate(args) => tapebar::cmd::aggregate::run(args),
        tapebar::cli::Command::Stats(args) => tapebar::cmd::stats::run(args),
        tapebar::cli::Command::Inspect(args) => tapebar::cmd::inspect::run(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            tapebar::say!("tapebar: error: {}", tapebar::error_chain(&e));
            1
        }
    };
    std::process::exit(code);
}
