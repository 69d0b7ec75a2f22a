//! The `tapebar` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

/// jemalloc rather than the system allocator. Chunk partials are made on the workers and
/// freed on the merging thread; glibc serialises such frees on the arena lock of the thread
/// that allocated, and `stats`, which keeps more per chunk, spent about 40 % of its time in
/// the allocator and on that lock (docs/architecture.md has the figures).
#[cfg(unix)]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts (jemalloc's `malloc_conf`, under the prefix this
/// build of jemalloc gives its symbols; the environment variable `_RJEM_MALLOC_CONF` still
/// overrides them). Freed pages go back to the system after 200 ms instead of 10 s: with
/// the default, peak RSS grew from about 92 MiB on a 1 GB capture to 108-124 MiB on 4 GB;
/// with 200 ms it stays within 83-100 MiB. Allocations of 1 MiB and more (chunk buffers,
/// made by reader threads and freed by the engine) come from jemalloc's arena for large
/// allocations, which keeps no freed pages: eight gzip inputs read together peaked at
/// 316 MiB without it, 147 MiB with it (glibc 145 MiB).
#[cfg(unix)]
#[export_name = "_rjem_malloc_conf"]
#[allow(non_upper_case_globals)]
pub static malloc_conf: &[u8; 63] =
    b"dirty_decay_ms:200,muzzy_decay_ms:0,oversize_threshold:1048576\0";

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
