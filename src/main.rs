//! The `tapebar` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

/// jemalloc rather than the system allocator. Chunk partials are made on the workers and
/// freed on the merging thread; glibc takes the arena lock of the thread that allocated for
/// each such free, and `stats`, which keeps more per chunk, spent about 18 % of its samples
/// in malloc and free and 5 % waiting on those locks. With jemalloc it ran 1.90 -> 1.04 s on
/// the 1 GB benchmark capture, `aggregate` 1.11 -> 0.88 s (docs/architecture.md).
#[cfg(unix)]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts (jemalloc's `malloc_conf`, under the prefix this
/// build of jemalloc gives its symbols; the environment variable `_RJEM_MALLOC_CONF` still
/// overrides them). Freed pages go back to the system after 200 ms instead of 10 s: with
/// the default, peak RSS was 89-98 MiB on a 1 GB capture and 108-124 MiB on 4 GB; with
/// 200 ms 83-98 and 97-100 MiB. Allocations of 1 MiB and more (chunk buffers,
/// made by reader threads and freed by the engine) come from jemalloc's arena for large
/// allocations, which keeps no freed pages: eight gzip inputs read together peaked at
/// 316 MiB without it, 147 MiB with it (glibc 145 MiB).
#[cfg(unix)]
#[export_name = "_rjem_malloc_conf"]
#[allow(non_upper_case_globals)]
pub static malloc_conf: &[u8; 63] =
    b"dirty_decay_ms:200,muzzy_decay_ms:0,oversize_threshold:1048576\0";

/// Let jemalloc keep freed pages for `ms` before giving them back, in the arenas made so
/// far and those made later. `stats` keeps more per chunk than `aggregate` (signature lists,
/// arrival logs), freed by the merge a batch or two later: with 200 ms it made 52,000 page
/// faults on the 1 GB benchmark capture against 29,000 for `aggregate`, with 1 s 44,000,
/// and ran 0.99 -> 0.90 s (9 alternating runs). `aggregate` keeps 200 ms, which holds its
/// peak RSS flat from 1 GB to 4 GB (with 1 s: 70 -> 86-96 MiB). Best effort: an arena not
/// made yet refuses, and that is all right.
#[cfg(unix)]
fn keep_freed_pages(ms: isize) {
    use std::ffi::{c_void, CString};
    use std::ptr::null_mut;
    let set = |name: &str| {
        let name = CString::new(name).expect("no NUL in a mallctl name");
        let mut v: libc::ssize_t = ms;
        // SAFETY: a writable mallctl of type ssize_t, given a pointer to one and its size.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                name.as_ptr(),
                null_mut(),
                null_mut(),
                (&mut v as *mut libc::ssize_t).cast::<c_void>(),
                std::mem::size_of::<libc::ssize_t>(),
            )
        }
    };
    set("arenas.dirty_decay_ms");
    let mut n: u32 = 0;
    let mut len = std::mem::size_of::<u32>();
    // SAFETY: a readable mallctl of type unsigned, given a pointer to one and its size.
    let r = unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arenas.narenas".as_ptr(),
            (&mut n as *mut u32).cast::<c_void>(),
            &mut len,
            null_mut(),
            0,
        )
    };
    if r == 0 {
        for i in 0..n {
            set(&format!("arena.{i}.dirty_decay_ms"));
        }
    }
}

fn main() {
    let cli = tapebar::cli::Cli::parse();
    #[cfg(unix)]
    if matches!(cli.command, tapebar::cli::Command::Stats(_)) {
        keep_freed_pages(1000);
    }
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
