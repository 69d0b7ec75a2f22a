//! The bad-input corpus (testdata/hostile/, README.md there) and the reliability guarantees
//! of docs/reliability.md, each asserted on the built binary: exit status, the skip or
//! malformed reason counted with its first line, the bars of what is good, bounded peak
//! memory (the child's `ru_maxrss`), no panic, no hang, nothing written outside the output
//! directory, no partial or stray file after a kill, a full disk or a truncated input.
//!
//! Expected bars come from the construction of each input (the trades each test writes),
//! never from a run of tapebar.

mod common;

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::root;

/// The memory bound of docs/reliability.md: peak RSS of one run, whatever the input.
const RSS_BOUND_KIB: u64 = 256 * 1024;
/// 2024-06-20T00:00:00Z in ms: a 10 s bucket start.
const T0: i64 = 1_718_841_600_000;

// ----- running tapebar -------------------------------------------------------------------

/// How to run the child.
#[derive(Default)]
struct Opts {
    stdin: Option<PathBuf>,
    /// Where stdout goes (default: a file read back as `Run::stdout`).
    stdout: Option<PathBuf>,
    /// Where stderr goes (default: a file read back as `Run::stderr`).
    stderr: Option<PathBuf>,
    env: Vec<(&'static str, OsString)>,
    /// Drop root privileges (uid/gid 65534), so file permissions apply to the child.
    as_nobody: bool,
    /// RLIMIT_FSIZE: writes past this many bytes fail with EFBIG, like a full disk.
    file_size_limit: Option<u64>,
    /// The subcommand (default `aggregate`).
    subcommand: Option<&'static str>,
}

/// What a finished run did.
struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    peak_rss_kib: u64,
}

impl Run {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    /// The summary line of `input` (`tapebar: INPUT: ...`).
    fn summary(&self, input: &str) -> &str {
        let prefix = format!("tapebar: {input}: ");
        self.stderr
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no summary for {input} in:\n{}", self.stderr))
    }
    fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            (self.code, self.signal),
            (Some(code), None),
            "exit status; stderr:\n{}",
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "a panic:\n{}",
            self.stderr
        );
        self
    }
    fn expect_rss_within_bound(&self, what: &str) -> &Run {
        println!("{what}: peak RSS {} MiB", self.peak_rss_kib / 1024);
        assert!(
            self.peak_rss_kib <= RSS_BOUND_KIB,
            "{what}: peak RSS {} MiB over the bound of {} MiB",
            self.peak_rss_kib / 1024,
            RSS_BOUND_KIB / 1024
        );
        self
    }
}

fn is_root() -> bool {
    // SAFETY: no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Start `tapebar aggregate ARGS` (or another subcommand) from the repository root; stdout
/// and stderr go to files in `io_dir`.
fn spawn(args: &[&str], opts: &Opts, io_dir: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tapebar"));
    cmd.arg(opts.subcommand.unwrap_or("aggregate"))
        .args(args)
        .current_dir(root());
    let out = opts.stdout.clone().unwrap_or_else(|| io_dir.join("stdout"));
    cmd.stdout(File::create(&out).unwrap());
    match &opts.stderr {
        Some(p) => cmd.stderr(File::options().write(true).open(p).unwrap()),
        None => cmd.stderr(File::create(io_dir.join("stderr")).unwrap()),
    };
    match &opts.stdin {
        Some(p) => cmd.stdin(File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    for (k, v) in &opts.env {
        cmd.env(k, v);
    }
    let nobody = opts.as_nobody && is_root();
    let limit = opts.file_size_limit;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(n) = limit {
                let r = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &r);
                // A write past the limit then fails with EFBIG instead of killing us.
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            }
            if nobody
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(65534) != 0
                    || libc::setuid(65534) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().expect("start tapebar")
}

/// Wait for the child (at most 5 minutes: longer is a hang) and collect what it did.
fn finish(child: Child, opts: &Opts, io_dir: &Path) -> Run {
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let mut status = 0;
    // SAFETY: zeroed rusage is valid; wait4 reaps our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > Duration::from_secs(300) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("tapebar hung (killed after 5 minutes)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::mem::forget(child); // reaped above
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else {
        (None, Some(libc::WTERMSIG(status)))
    };
    let stdout = match &opts.stdout {
        Some(_) => Vec::new(),
        None => std::fs::read(io_dir.join("stdout")).unwrap(),
    };
    Run {
        code,
        signal,
        stdout,
        stderr: match &opts.stderr {
            Some(_) => String::new(),
            None => std::fs::read_to_string(io_dir.join("stderr")).unwrap(),
        },
        peak_rss_kib: usage.ru_maxrss as u64,
    }
}

fn run_opts(args: &[&str], opts: &Opts) -> Run {
    let io = tempfile::tempdir().unwrap();
    let child = spawn(args, opts, io.path());
    finish(child, opts, io.path())
}

fn run(args: &[&str]) -> Run {
    run_opts(args, &Opts::default())
}

/// Wait until the child's stderr shows the test pause.
fn wait_for_pause(io_dir: &Path, point: &str) {
    let start = Instant::now();
    let marker = format!("tapebar: test pause at {point}");
    loop {
        let err = std::fs::read_to_string(io_dir.join("stderr")).unwrap_or_default();
        if err.contains(&marker) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no pause at {point}; stderr:\n{err}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

fn hostile(name: &str) -> String {
    format!("testdata/hostile/{name}")
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A Binance trade line. `m: true` means the buyer made the market: a taker sell.
fn trade(symbol: &str, id: u64, price: &str, qty: &str, time_ms: i64, taker_buy: bool) -> String {
    format!(
        r#"{{"e":"trade","E":{time_ms},"s":"{symbol}","t":{id},"p":"{price}","q":"{qty}","T":{time_ms},"m":{}}}"#,
        !taker_buy
    )
}

/// The one-row bar (long form, no header) of integer-priced trades `(price, qty, taker
/// buy)` of one symbol in the bucket starting at `bucket_ms`, in time order.
fn bar_row(symbol: &str, bucket_ms: i64, trades: &[(u64, u64, bool)]) -> String {
    let open = trades[0].0;
    let close = trades.last().unwrap().0;
    let high = trades.iter().map(|t| t.0).max().unwrap();
    let low = trades.iter().map(|t| t.0).min().unwrap();
    let volume: u64 = trades.iter().map(|t| t.1).sum();
    let quote: u64 = trades.iter().map(|t| t.0 * t.1).sum();
    let buy: u64 = trades.iter().filter(|t| t.2).map(|t| t.1).sum();
    format!(
        "binance,{symbol},{bucket_ms},{open},{high},{low},{close},{volume},{},{quote},{buy}",
        trades.len()
    )
}

const LONG_HEADER: &str =
    "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

// ----- the committed corpus --------------------------------------------------------------

/// The good trades of several corpus files: t=1 100.5 x 2 taker sell, t=2 101 x 1 taker
/// buy, in the first bucket.
fn two_good_trades() -> String {
    // 100.5 is not an integer: written out by hand from the two trades.
    // open 100.5, high 101, low 100.5, close 101, volume 3, trades 2,
    // quote 100.5*2 + 101*1 = 302, taker-buy volume 1.
    format!("binance,BTCUSDT,{T0},100.5,101,100.5,101,3,2,302,1")
}

#[test]
fn invalid_utf8_lines_are_counted_and_the_good_ones_kept() {
    let f = hostile("invalid_utf8.jsonl");
    let r = run(&["--fill", "none", "-o", "-", &f]);
    r.expect_code(0);
    assert_eq!(
        r.stdout_text(),
        format!("{LONG_HEADER}\n{}\n", two_good_trades())
    );
    assert_eq!(
        r.summary(&f),
        format!(
            "tapebar: {f}: 5 messages, 2 trades, 0 duplicates, 0 skipped, 4 malformed \
             (not a JSON message or a known recorder line: 1, first at {f}:2; \
             invalid UTF-8: 3, first at {f}:3)"
        )
    );
}

#[test]
fn nul_bytes_are_counted_and_the_good_lines_kept() {
    let f = hostile("nul_bytes.jsonl");
    let r = run(&["--fill", "none", "-o", "-", &f]);
    r.expect_code(0);
    assert_eq!(
        r.stdout_text(),
        format!("{LONG_HEADER}\n{}\n", two_good_trades())
    );
    let sum = r.summary(&f);
    for part in [
        "2 trades",
        "3 malformed",
        &format!("not a JSON message or a known recorder line: 1, first at {f}:2"),
        &format!("control character in JSON string: 1, first at {f}:3"),
        &format!("text after the JSON value: 1, first at {f}:4"),
    ] {
        assert!(sum.contains(part), "{part:?} not in {sum}");
    }
}

#[test]
fn a_last_line_without_newline_counts() {
    let f = hostile("last_line_no_newline.jsonl");
    assert!(!common::read(&f).ends_with(b"\n"));
    for args in [
        vec!["--fill", "none", "-o", "-", &f],
        vec!["--fill", "none", "-o", "-", "-"],
    ] {
        let opts = Opts {
            stdin: Some(root().join(&f)),
            ..Opts::default()
        };
        let r = run_opts(&args, &opts);
        r.expect_code(0);
        assert_eq!(
            r.stdout_text(),
            format!("{LONG_HEADER}\n{}\n", two_good_trades())
        );
    }
}

#[test]
fn a_last_line_cut_mid_json_is_malformed_and_fatal_with_strict() {
    let f = hostile("last_line_cut.jsonl");
    let r = run(&["--fill", "none", "-o", "-", &f]);
    r.expect_code(0);
    assert_eq!(
        r.stdout_text(),
        format!("{LONG_HEADER}\n{}\n", two_good_trades())
    );
    assert!(r
        .summary(&f)
        .ends_with(&format!("1 malformed (JSON cut short: 1, first at {f}:3)")));
    let r = run(&["--strict", "-o", "-", &f]);
    r.expect_code(1);
    assert!(
        r.stderr
            .contains(&format!("error: {f}:3: JSON cut short (--strict)")),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "--strict writes nothing");
}

#[test]
fn hostile_numbers_are_malformed_with_their_field_or_skipped_on_overflow() {
    let f = hostile("numbers.jsonl");
    let r = run(&["--fill", "none", "-o", "-", &f]);
    r.expect_code(0);
    // BTCUSDT: 0.000001 x 1,000,000 (taker sell) and 0.000001 x 2,000,000 (taker buy).
    // HUGE: eleven trades of (10^38 - 1) x (10^38 - 1); the twelfth would take the quote
    // volume past 2^256 (12 x ~10^76 > 1.16 x 10^77) and is skipped.
    let n = "9".repeat(38);
    let volume = "1099999999999999999999999999999999999989"; // 11 x (10^38 - 1)
                                                             // 11 x (10^38 - 1)^2 = 11 x 10^76 - 22 x 10^38 + 11
    let quote = format!("10{}78{}11", "9".repeat(36), "0".repeat(36));
    let want = format!(
        "{LONG_HEADER}\n\
         binance,BTCUSDT,{T0},0.000001,0.000001,0.000001,0.000001,3000000,2,3,2000000\n\
         binance,HUGE,{T0},{n},{n},{n},{n},{volume},11,{quote},0\n"
    );
    assert_eq!(r.stdout_text(), want);
    let sum = r.summary(&f);
    for part in [
        "25 messages, 13 trades".to_string(),
        format!("1 skipped (exact sum would exceed 256 bits: 1, first at {f}:25)"),
        format!("binance trade: `p` number out of range: 2, first at {f}:2"),
        format!("binance trade: `p` negative number: 2, first at {f}:4"),
        format!("binance trade: `p` not a decimal number: 1, first at {f}:6"),
        format!("invalid JSON: 1, first at {f}:7"),
        format!("binance trade: `p` more than 38 significant digits: 2, first at {f}:8"),
        format!("binance trade: `p` empty number: 1, first at {f}:10"),
        format!("binance trade: `q` empty number: 1, first at {f}:11"),
        format!("binance trade: `p` is zero: 1, first at {f}:12"),
    ] {
        assert!(sum.contains(&part), "{part:?} not in {sum}");
    }
}

#[test]
fn hostile_timestamps_are_malformed_and_mixed_units_agree() {
    let f = hostile("timestamps.jsonl");
    let r = run(&["--fill", "none", "-o", "-", &f]);
    r.expect_code(0);
    // Kept: 10 at T0+1 ms, 11 at T0+2 ms written in us, 12 at T0+3 ms as a string; all
    // taker sells of 1.
    assert_eq!(
        r.stdout_text(),
        format!(
            "{LONG_HEADER}\n{}\n",
            bar_row(
                "BTCUSDT",
                T0,
                &[(10, 1, false), (11, 1, false), (12, 1, false)]
            )
        )
    );
    let sum = r.summary(&f);
    for part in [
        "8 messages, 3 trades".to_string(),
        format!("binance trade: `T` timestamp out of range (zero, before 1970 or after 2261): 2, first at {f}:1"),
        format!("binance trade: `T` not a timestamp: 3, first at {f}:2"),
    ] {
        assert!(sum.contains(&part), "{part:?} not in {sum}");
    }
}

#[test]
fn ids_beyond_64_bits_stay_distinct_and_deduplicate() {
    let f = hostile("big_ids.jsonl");
    let r = run(&["--fill", "none", "-o", "-", &f]);
    r.expect_code(0);
    // Ids are integers of up to 128 bits, as numbers or strings: 2^64 (price 10), 2^64 + 1
    // (11) and "2^64 + 2" (14) are three trades; 2^64 again is a duplicate; a 40-digit id
    // (past 2^128) and -3 are not integer ids.
    assert_eq!(
        r.stdout_text(),
        format!(
            "{LONG_HEADER}\n{}\n",
            bar_row(
                "BTCUSDT",
                T0,
                &[(10, 1, false), (11, 1, false), (14, 1, false)]
            )
        )
    );
    assert!(
        r.summary(&f).contains(&format!(
            "6 messages, 3 trades, 1 duplicates, 0 skipped, 2 malformed (binance trade: `t` is not an integer id: 2, first at {f}:3)"
        )),
        "{}",
        r.summary(&f)
    );
}

/// The file name tapebar must give a venue or symbol, computed here independently from the
/// rule in docs/aggregate.md: ASCII letters, digits, `-`, `_` and `.` (not first) stay,
/// every other byte is `%XX`.
fn expected_name(name: &str) -> String {
    let mut out = String::new();
    for (i, &b) in name.as_bytes().iter().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn hostile_symbols_are_written_inside_the_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("deep/out");
    let f = hostile("symbols.jsonl");
    let r = run(&["--fill", "none", "-o", &s(&out), &f]);
    r.expect_code(0);
    // The symbols as JSON strings decode (make_corpus.py).
    let symbols = [
        "A/B",
        "..",
        "../../escape",
        "a\\b",
        "c\u{1}d",
        "line\nbreak",
        "é€😀",
        ".",
        "%2F",
        ".hidden",
        "CON",
        "nul\u{0}",
    ];
    let mut want: Vec<String> = symbols
        .iter()
        .map(|sym| format!("binance/{}.csv", expected_name(sym)))
        .collect();
    want.sort();
    // Nothing anywhere else under the temporary directory, nothing left over.
    let got: Vec<String> = files_under(tmp.path())
        .into_iter()
        .map(|p| p.strip_prefix("deep/out/").unwrap_or(&p).to_string())
        .collect();
    assert_eq!(got, want);
    for (i, sym) in symbols.iter().enumerate() {
        let p = out.join(format!("binance/{}.csv", expected_name(sym)));
        let k = i as u64 + 1;
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!(
                "ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n{T0},{k},{k},{k},{k},1,1,{k},0\n"
            ),
            "{sym:?}"
        );
    }
    // --venue is named the same way.
    let out2 = tmp.path().join("out2");
    run(&["--venue", "../../x", "-o", &s(&out2), &fixture_one()]).expect_code(0);
    assert_eq!(files_under(&out2), ["%2E.%2F..%2Fx/BTCUSDT.csv"]);
}

/// A small good capture.
fn fixture_one() -> String {
    hostile("last_line_no_newline.jsonl")
}

/// FxHash as tapebar's `fxhash.rs` computes it (rotate, xor, multiply per 8-byte word).
fn fx_word(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// Two 10 KB symbols whose file names are the same (the first 180 characters and a 64-bit
/// hash of the whole name, docs/aggregate.md): found by choosing their last two 8-byte
/// words so the hash collides. The second must not overwrite the first.
#[test]
fn long_symbols_that_collide_in_their_file_name_are_refused() {
    let prefix = "L".repeat(10_000); // a multiple of 8 bytes
    let mut h = 0u64;
    for w in prefix.as_bytes().chunks(8) {
        h = fx_word(h, u64::from_le_bytes(w.try_into().unwrap()));
    }
    let ok = |w: u64| {
        w.to_le_bytes()
            .iter()
            .all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    };
    let a1 = u64::from_le_bytes(*b"AAAAAAAA");
    let a2 = u64::from_le_bytes(*b"BBBBBBBB");
    let ha = fx_word(h, a1);
    let (b1, b2) = (0u64..)
        .map(|k| {
            let b1 = u64::from_le_bytes(*format!("{k:08}").as_bytes().first_chunk().unwrap());
            let hb = fx_word(h, b1);
            (b1, ha.rotate_left(5) ^ a2 ^ hb.rotate_left(5))
        })
        .find(|&(_, b2)| ok(b2))
        .unwrap();
    let name = |w1: u64, w2: u64| {
        let mut v = prefix.clone().into_bytes();
        v.extend_from_slice(&w1.to_le_bytes());
        v.extend_from_slice(&w2.to_le_bytes());
        String::from_utf8(v).unwrap()
    };
    let (a, b) = (name(a1, a2), name(b1, b2));
    assert_ne!(a, b);
    assert_eq!(
        tapebar::output::safe_file_name(&a),
        tapebar::output::safe_file_name(&b),
        "the crafted names no longer collide: update this test to tapebar's file-name hash"
    );
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("collide.jsonl");
    // `b` sorts before `a` (its 10,001st byte is a digit), so it is written first.
    assert!(b < a);
    std::fs::write(
        &input,
        format!(
            "{}\n{}\n",
            trade(&a, 1, "7", "1", T0 + 1, false),
            trade(&b, 1, "8", "1", T0 + 1, false)
        ),
    )
    .unwrap();
    for force in [false, true] {
        let out = tmp.path().join(format!("out{force}"));
        let mut args = vec!["-o".to_string(), s(&out), s(&input)];
        if force {
            args.push("--force".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args);
        r.expect_code(1);
        assert!(r.stderr.contains("has the same file name"), "{}", r.stderr);
        let files = files_under(&out);
        assert_eq!(files.len(), 1, "{files:?}");
        // The file holds b's bar (price 8), not a's.
        let text = std::fs::read_to_string(out.join(&files[0])).unwrap();
        assert!(
            text.ends_with(&format!("\n{T0},8,8,8,8,1,1,8,0\n")),
            "{text}"
        );
    }
}

#[test]
fn an_empty_file_gives_an_empty_result() {
    let f = hostile("empty.jsonl");
    let r = run(&["-o", "-", &f]);
    r.expect_code(0);
    assert_eq!(r.stdout_text(), format!("{LONG_HEADER}\n"));
    assert_eq!(
        r.summary(&f),
        format!("tapebar: {f}: 0 messages, 0 trades, 0 duplicates, 0 skipped, 0 malformed")
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&["-o", &s(&out), &f]).expect_code(0);
    assert!(files_under(&out).is_empty());
}

/// The complete lines a decompressor gives before the damage, read here independently.
fn lines_before_damage(mut r: impl std::io::Read) -> usize {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    data.iter().filter(|&&b| b == b'\n').count()
}

#[test]
fn truncated_gzip_and_zstd_are_errors_and_keep_what_came_before() {
    for (name, complete) in [
        (
            "truncated.jsonl.gz",
            lines_before_damage(flate2::read::MultiGzDecoder::new(
                File::open(root().join(hostile("truncated.jsonl.gz"))).unwrap(),
            )),
        ),
        (
            "truncated.jsonl.zst",
            lines_before_damage(
                zstd::stream::read::Decoder::new(
                    File::open(root().join(hostile("truncated.jsonl.zst"))).unwrap(),
                )
                .unwrap(),
            ),
        ),
    ] {
        let f = hostile(name);
        // Ids past 2^64: distinct from those of the damaged file.
        let good = hostile("big_ids.jsonl");
        let r = run(&["--fill", "none", "-o", "-", &f, &good]);
        r.expect_code(1);
        assert!(
            r.stderr
                .contains(&format!("error: `{f}`: read error after")),
            "{}",
            r.stderr
        );
        // Every complete line before the damage is a distinct trade; the cut one is
        // malformed.
        assert!(complete > 500, "{name}: {complete}");
        assert!(
            r.summary(&f)
                .contains(&format!("{} trades", thousands(complete))),
            "{name}: {complete} lines: {}",
            r.summary(&f)
        );
        // The other input is still aggregated.
        assert!(
            r.summary(&good).contains("3 trades"),
            "{}",
            r.summary(&good)
        );
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ----- generated at test time ------------------------------------------------------------

/// `{"pad":"xxx…"}` of exactly `len` bytes, and a newline.
fn write_pad_line(w: &mut impl Write, len: usize) {
    let head = br#"{"pad":""#;
    w.write_all(head).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut left = len - head.len() - 2;
    while left > 0 {
        let n = left.min(chunk.len());
        w.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    w.write_all(b"\"}\n").unwrap();
}

/// `path` gzipped beside it.
fn gzip_file(path: &Path) -> PathBuf {
    let gz = path.with_extension("jsonl.gz");
    let mut e =
        flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
    std::io::copy(&mut File::open(path).unwrap(), &mut e).unwrap();
    e.finish().unwrap();
    gz
}

/// `bytes` written to `path`, compressed as its extension says (`.gz` fast, `.zst` level 1).
fn write_compressed(path: &Path, bytes: &[u8]) {
    let file = File::create(path).unwrap();
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => {
            let mut e = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
            e.write_all(bytes).unwrap();
            e.finish().unwrap();
        }
        Some("zst") => {
            let mut e = zstd::stream::write::Encoder::new(file, 1).unwrap();
            e.write_all(bytes).unwrap();
            e.finish().unwrap();
        }
        other => panic!("no compression for {other:?}"),
    }
}

/// Between two good trades: a line of exactly 16 MiB (read: a valid message of no venue),
/// one of 16 MiB + 1 and one of 64 MiB (skipped as too long, with their line numbers), and
/// one of 8 million tiny JSON values (refused by the tape, which would need 128 MiB for
/// it). As a mapped file, as gzip (streamed) and on stdin; memory within the bound.
#[test]
fn long_lines() {
    const MAX: usize = 16 << 20;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("long.jsonl");
    {
        let mut w = std::io::BufWriter::new(File::create(&path).unwrap());
        writeln!(w, "{}", trade("BTCUSDT", 1, "100", "2", T0 + 1, false)).unwrap();
        write_pad_line(&mut w, MAX);
        write_pad_line(&mut w, MAX + 1);
        write_pad_line(&mut w, 64 << 20);
        w.write_all(br#"{"pad":["#).unwrap();
        w.write_all(&b"1,".repeat((MAX - 20) / 2)).unwrap();
        w.write_all(b"1]}\n").unwrap();
        writeln!(w, "{}", trade("BTCUSDT", 2, "101", "3", T0 + 2, true)).unwrap();
    }
    let gz = gzip_file(&path);
    let want = format!(
        "{LONG_HEADER}\n{}\n",
        bar_row("BTCUSDT", T0, &[(100, 2, false), (101, 3, true)])
    );
    for (input, stdin) in [
        (s(&path), None),
        (s(&gz), None),
        ("-".into(), Some(path.clone())),
    ] {
        let opts = Opts {
            stdin,
            ..Opts::default()
        };
        let r = run_opts(&["--fill", "none", "-o", "-", &input], &opts);
        r.expect_code(0).expect_rss_within_bound(&input);
        assert_eq!(r.stdout_text(), want, "{input}");
        let name = if input == "-" { "<stdin>" } else { &input };
        assert!(
            r.summary(name).ends_with(&format!(
                "4 messages, 2 trades, 0 duplicates, 0 skipped, 3 malformed (line longer than 16 MiB: 2, first at {name}:3; JSON message of more than 1,048,576 values: 1, first at {name}:5), 1 unrecognised (message of no known venue: 1, first at {name}:2)"
            )),
            "{}",
            r.summary(name)
        );
        let r = run_opts(&["--strict", "-o", "-", &input], &opts);
        r.expect_code(1);
        assert!(
            r.stderr
                .contains(&format!("{name}:3: line longer than 16 MiB (--strict)")),
            "{}",
            r.stderr
        );
    }
}

/// `tapebar inspect` steps over a line too long to read, mapped or streamed, and counts it
/// where it stands.
#[test]
fn inspect_steps_over_a_line_too_long() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("long.jsonl");
    {
        let mut w = std::io::BufWriter::new(File::create(&path).unwrap());
        writeln!(w, "{}", trade("BTCUSDT", 1, "100", "2", T0 + 1, false)).unwrap();
        write_pad_line(&mut w, (16 << 20) + 1);
        writeln!(w, "{}", trade("BTCUSDT", 2, "101", "3", T0 + 2, true)).unwrap();
    }
    let gz = gzip_file(&path);
    for input in [&path, &gz] {
        let out = Command::new(env!("CARGO_BIN_EXE_tapebar"))
            .args(["inspect", &s(input)])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("lines          3 (2 messages")
                && text.contains("line longer than 16 MiB: 1, first at line 2"),
            "{text}"
        );
    }
}

/// Twenty lines of 16 MiB, the longest allowed: chunks that big must not pile up in a
/// batch or in the read-ahead (32 of them would be 512 MiB). Memory within the bound.
#[test]
fn many_lines_of_the_longest_length() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("many_long.jsonl");
    {
        let mut w = std::io::BufWriter::new(File::create(&path).unwrap());
        writeln!(w, "{}", trade("BTCUSDT", 1, "100", "2", T0 + 1, false)).unwrap();
        for _ in 0..20 {
            write_pad_line(&mut w, 16 << 20);
        }
        writeln!(w, "{}", trade("BTCUSDT", 2, "101", "3", T0 + 2, true)).unwrap();
    }
    let gz = gzip_file(&path);
    for (input, stdin) in [
        (s(&path), None),
        (s(&gz), None),
        ("-".into(), Some(path.clone())),
    ] {
        let opts = Opts {
            stdin,
            ..Opts::default()
        };
        let r = run_opts(&["--fill", "none", "-o", "-", &input], &opts);
        r.expect_code(0).expect_rss_within_bound(&input);
        assert_eq!(
            r.stdout_text(),
            format!(
                "{LONG_HEADER}\n{}\n",
                bar_row("BTCUSDT", T0, &[(100, 2, false), (101, 3, true)])
            )
        );
        let name = if input == "-" { "<stdin>" } else { &input };
        assert!(r.summary(name).contains("22 messages, 2 trades"));
    }
}

/// JSON nested 100,000 deep (arrays, objects, unclosed): malformed, no stack overflow.
#[test]
fn json_nested_100000_deep() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("deep.jsonl");
    let n = 100_000;
    let lines = [
        trade("BTCUSDT", 1, "100", "2", T0 + 1, false),
        "[".repeat(n) + &"]".repeat(n),
        r#"{"a":"#.repeat(n) + "1" + &"}".repeat(n),
        "[".repeat(n),
        format!(r#"{{"stream":"x@trade","data":{}}}"#, "[".repeat(n)),
        trade("BTCUSDT", 2, "101", "3", T0 + 2, true),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let p = s(&path);
    let r = run(&["--fill", "none", "-o", "-", &p]);
    r.expect_code(0);
    assert_eq!(
        r.stdout_text(),
        format!(
            "{LONG_HEADER}\n{}\n",
            bar_row("BTCUSDT", T0, &[(100, 2, false), (101, 3, true)])
        )
    );
    assert!(r.summary(&p).ends_with(&format!(
        "6 messages, 2 trades, 0 duplicates, 0 skipped, 4 malformed (JSON nested too deep: 4, first at {p}:2)"
    )));
}

/// Compression bombs: a gzip file of about 1 MiB that holds 1 GiB of zeros (one line, far
/// too long) between two trades; a zstd file of a few hundred KiB that holds 2 GiB of zeros;
/// a zstd file of over 1,000:1 that holds one trade line repeated 150,000 times. Memory stays
/// within the bound, and the answer is still right.
#[test]
fn compression_bombs() {
    let tmp = tempfile::tempdir().unwrap();
    let first = trade("BTCUSDT", 1, "100", "2", T0 + 1, false) + "\n";
    let last = "\n".to_string() + &trade("BTCUSDT", 2, "101", "3", T0 + 2, true) + "\n";
    let zeros = vec![0u8; 1 << 20];
    let gz = tmp.path().join("zeros.gz");
    {
        let mut e =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::best());
        e.write_all(first.as_bytes()).unwrap();
        for _ in 0..1024 {
            e.write_all(&zeros).unwrap();
        }
        e.write_all(last.as_bytes()).unwrap();
        e.finish().unwrap();
    }
    let zst = tmp.path().join("zeros.zst");
    {
        let mut e = zstd::stream::write::Encoder::new(File::create(&zst).unwrap(), 1).unwrap();
        e.write_all(first.as_bytes()).unwrap();
        for _ in 0..2048 {
            e.write_all(&zeros).unwrap();
        }
        e.write_all(last.as_bytes()).unwrap();
        e.finish().unwrap();
    }
    let want = format!(
        "{LONG_HEADER}\n{}\n",
        bar_row("BTCUSDT", T0, &[(100, 2, false), (101, 3, true)])
    );
    for (bomb, min_ratio) in [(&gz, 500), (&zst, 1000)] {
        let size = std::fs::metadata(bomb).unwrap().len();
        let out_size: u64 = if bomb == &gz { 1 << 30 } else { 2 << 30 };
        assert!(
            out_size / size >= min_ratio,
            "{}: {size} bytes",
            bomb.display()
        );
        let p = s(bomb);
        let r = run(&["--fill", "none", "-o", "-", &p]);
        r.expect_code(0).expect_rss_within_bound(&p);
        assert_eq!(r.stdout_text(), want);
        assert!(r.summary(&p).ends_with(&format!(
            "2 messages, 2 trades, 0 duplicates, 0 skipped, 1 malformed (line longer than 16 MiB: 1, first at {p}:2)"
        )));
    }
    // One trade line repeated: every copy after the first is a duplicate.
    let n = 150_000;
    let line = trade("BTCUSDT", 7, "100", "2", T0 + 1, false) + "\n";
    let rep = tmp.path().join("repeated.zst");
    {
        let mut e = zstd::stream::write::Encoder::new(File::create(&rep).unwrap(), 3).unwrap();
        for _ in 0..n {
            e.write_all(line.as_bytes()).unwrap();
        }
        e.finish().unwrap();
    }
    let ratio = (n * line.len()) as u64 / std::fs::metadata(&rep).unwrap().len();
    assert!(ratio >= 1000, "ratio {ratio}");
    let p = s(&rep);
    let r = run(&["--fill", "none", "-o", "-", &p]);
    r.expect_code(0).expect_rss_within_bound(&p);
    assert_eq!(
        r.stdout_text(),
        format!(
            "{LONG_HEADER}\n{}\n",
            bar_row("BTCUSDT", T0, &[(100, 2, false)])
        )
    );
    assert!(r.summary(&p).contains(&format!(
        "150,000 messages, 1 trades, {} duplicates",
        thousands(n - 1)
    )));
}

/// A directory whose subdirectory links back to it: the loop is reported (exit 1), every
/// file is read once (no duplicates), and the bars are written.
#[test]
fn a_directory_with_a_symlink_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("caps");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(
        d.join("a.jsonl"),
        trade("BTCUSDT", 1, "100", "2", T0 + 1, false) + "\n",
    )
    .unwrap();
    std::fs::write(
        d.join("sub/b.jsonl"),
        trade("BTCUSDT", 2, "101", "3", T0 + 2, true) + "\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", d.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("../sub", d.join("sub/self")).unwrap();
    let r = run(&["--fill", "none", "-o", "-", &s(&d)]);
    r.expect_code(1);
    assert!(r.stderr.contains("directory loop"), "{}", r.stderr);
    assert_eq!(
        r.stdout_text(),
        format!(
            "{LONG_HEADER}\n{}\n",
            bar_row("BTCUSDT", T0, &[(100, 2, false), (101, 3, true)])
        )
    );
    assert!(!r.stderr.contains("1 duplicates"), "{}", r.stderr);
    let summaries = r
        .stderr
        .lines()
        .filter(|l| l.contains(" messages,"))
        .count();
    assert_eq!(summaries, 2, "each file once:\n{}", r.stderr);
}

/// Make a temporary tree usable by the unprivileged child (tests running as root drop to
/// uid 65534 so that permissions apply).
fn open_up(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
}

/// An unreadable file among good ones: the good ones still give their bars, the error
/// names the file, the exit status is 1.
#[test]
fn an_unreadable_file_among_good_ones() {
    let tmp = tempfile::tempdir().unwrap();
    open_up(tmp.path());
    let d = tmp.path().join("caps");
    std::fs::create_dir(&d).unwrap();
    open_up(&d);
    for (name, id, price) in [
        ("a.jsonl", 1, "100"),
        ("b.jsonl", 2, "101"),
        ("c.jsonl", 3, "102"),
    ] {
        let p = d.join(name);
        std::fs::write(
            &p,
            trade("BTCUSDT", id, price, "1", T0 + id as i64, false) + "\n",
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(d.join("b.jsonl"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = tmp.path().join("out");
    let opts = Opts {
        as_nobody: true,
        ..Opts::default()
    };
    // As a directory and as files named on the command line.
    for (args, outdir) in [
        (vec![s(&d)], out.join("dir")),
        (
            vec![
                s(&d.join("a.jsonl")),
                s(&d.join("b.jsonl")),
                s(&d.join("c.jsonl")),
            ],
            out.join("files"),
        ),
    ] {
        std::fs::create_dir_all(&outdir).unwrap();
        open_up(&out);
        open_up(&outdir);
        let mut full = vec!["--fill".to_string(), "none".into(), "-o".into(), s(&outdir)];
        full.extend(args);
        let full: Vec<&str> = full.iter().map(String::as_str).collect();
        let r = run_opts(&full, &opts);
        r.expect_code(1);
        assert!(
            r.stderr.contains(&format!(
                "error: `{}`: cannot open: Permission denied",
                s(&d.join("b.jsonl"))
            )),
            "{}",
            r.stderr
        );
        assert_eq!(
            std::fs::read_to_string(outdir.join("binance/BTCUSDT.csv")).unwrap(),
            format!(
                "ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n{T0},100,102,100,102,2,2,202,0\n"
            )
        );
    }
}

/// An output directory that cannot be written: an error before any input is read (exit
/// 1), nothing created. Also an output path that is a file.
#[test]
fn an_output_directory_that_is_not_writable() {
    let tmp = tempfile::tempdir().unwrap();
    open_up(tmp.path());
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let input = tmp.path().join("in.jsonl");
    std::fs::write(
        &input,
        trade("BTCUSDT", 1, "100", "1", T0 + 1, false) + "\n",
    )
    .unwrap();
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o644)).unwrap();
    let opts = Opts {
        as_nobody: true,
        ..Opts::default()
    };
    for out in [ro.clone(), ro.join("sub/dir")] {
        let r = run_opts(&["-o", &s(&out), &s(&input)], &opts);
        r.expect_code(1);
        assert!(
            r.stderr.contains(&format!(
                "tapebar: error: cannot write bars under `{}`: cannot create files in `{}`: Permission denied",
                s(&out),
                s(&ro)
            )),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains(" messages,"), "no input was read");
    }
    assert!(files_under(&ro).is_empty());
    let r = run(&["-o", &s(&input), &s(&input)]);
    r.expect_code(1);
    assert!(r.stderr.contains("is not a directory"), "{}", r.stderr);
}

/// A full disk: stdout on /dev/full is an error (exit 1); file outputs that cannot be
/// written (writes past RLIMIT_FSIZE fail like writes to a full disk) are errors, and
/// neither a partial CSV nor a temporary file is left.
#[test]
fn a_full_disk() {
    let input = hostile("last_line_no_newline.jsonl");
    let r = run_opts(
        &["-o", "-", &input],
        &Opts {
            stdout: Some("/dev/full".into()),
            ..Opts::default()
        },
    );
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("cannot write bars to stdout: No space left on device"),
        "{}",
        r.stderr
    );

    // 300 symbols: the file of each is about 2 KB, the limit 1 KB.
    let tmp = tempfile::tempdir().unwrap();
    let cap = tmp.path().join("many.jsonl");
    let mut data = String::new();
    for k in 0..300 {
        for i in 0..60 {
            data += &trade(
                &format!("S{k:03}"),
                i + 1,
                "100",
                "1",
                T0 + i as i64 * 10_000,
                false,
            );
            data.push('\n');
        }
    }
    std::fs::write(&cap, data).unwrap();
    let out = tmp.path().join("out");
    let r = run_opts(
        &["-o", &s(&out), &s(&cap)],
        &Opts {
            file_size_limit: Some(1000),
            ..Opts::default()
        },
    );
    r.expect_code(1);
    assert!(r.stderr.contains("File too large"), "{}", r.stderr);
    let left = files_under(&out);
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A stderr that cannot be written (on a full disk) loses the messages but is not a panic:
/// the exit status is still the one the run earned.
#[test]
fn a_stderr_on_a_full_disk_is_not_a_panic() {
    let full = Opts {
        stderr: Some("/dev/full".into()),
        ..Opts::default()
    };
    run_opts(&["-o", "-", &hostile("nul_bytes.jsonl")], &full).expect_code(0);
    run_opts(&["-o", "-", "testdata/hostile/no-such-file"], &full).expect_code(1);
    run_opts(&["--strict", "-o", "-", &hostile("nul_bytes.jsonl")], &full).expect_code(1);
}

/// The bars of `many_symbols` as files, from an uninterrupted run.
fn reference_files(cap: &Path, dir: &Path) -> Vec<(String, String)> {
    run(&["-q", "-o", &s(dir), &s(cap)]).expect_code(0);
    files_under(dir)
        .into_iter()
        .map(|f| {
            let t = std::fs::read_to_string(dir.join(&f)).unwrap();
            (f, t)
        })
        .collect()
}

fn many_symbols(dir: &Path, n: usize) -> PathBuf {
    let cap = dir.join("cap.jsonl");
    let mut data = String::new();
    for k in 0..n {
        data += &trade(&format!("S{k:03}"), 1, "100", "1", T0 + 1, false);
        data.push('\n');
    }
    std::fs::write(&cap, data).unwrap();
    cap
}

/// Killed (SIGINT, SIGKILL) while writing its third file: with one thread the two before
/// are complete, the third and later do not exist, no temporary file is left; with --force
/// over earlier bars, the file being written keeps its old content. With two threads the
/// files are written in parallel, so which ones were complete when the signal came is not
/// fixed, but every file there is whole (new or old).
#[test]
fn killed_mid_write_leaves_no_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cap = many_symbols(tmp.path(), 5);
    let reference = reference_files(&cap, &tmp.path().join("ref"));
    assert_eq!(reference.len(), 5);
    let cases = [
        (libc::SIGINT, false, false),
        (libc::SIGKILL, false, false),
        (libc::SIGKILL, true, false),
        // As on file systems without unnamed files: a named temporary file is left.
        (libc::SIGKILL, true, true),
    ];
    for (threads, (sig, force, named)) in ["1", "2"]
        .into_iter()
        .flat_map(|t| cases.into_iter().map(move |c| (t, c)))
    {
        let out = tmp
            .path()
            .join(format!("out-{threads}-{sig}-{force}-{named}"));
        let old = "ts,open,high,low,close,volume,trades,quote_volume,buy_volume\nold\n";
        if force {
            std::fs::create_dir_all(out.join("binance")).unwrap();
            std::fs::write(out.join("binance/S002.csv"), old).unwrap();
        }
        let io = tempfile::tempdir().unwrap();
        let mut opts = Opts {
            env: vec![("TAPEBAR_TEST_PAUSE", "write:3".into())],
            ..Opts::default()
        };
        if named {
            opts.env.push(("TAPEBAR_TEST_OFF", "tmpfile".into()));
        }
        let mut args = vec![
            "--threads".to_string(),
            threads.into(),
            "-o".into(),
            s(&out),
            s(&cap),
        ];
        if force {
            args.push("--force".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = spawn(&args, &opts, io.path());
        let child_pid = child.id();
        wait_for_pause(io.path(), "write");
        unsafe { libc::kill(child_pid as libc::pid_t, sig) };
        let r = finish(child, &opts, io.path());
        assert_eq!(r.signal, Some(sig), "{}", r.stderr);
        let mut want: Vec<(String, String)> = reference[..2].to_vec();
        if force {
            want.push(("binance/S002.csv".into(), old.into()));
        }
        // Where the file system has no unnamed files (O_TMPFILE), the killed run may leave
        // its own named temporary file: the next run removes it. Nothing else may be left.
        let (temps, csvs): (Vec<String>, Vec<String>) = files_under(&out)
            .into_iter()
            .partition(|f| f.rsplit('/').next().unwrap().starts_with(".tapebar-"));
        let own = format!("binance/.tapebar-{}-", child_pid);
        assert!(temps.iter().all(|t| t.starts_with(&own)), "{temps:?}");
        if named {
            // The paused file's, and with two threads perhaps one more being written.
            let most = if threads == "1" { 1 } else { 2 };
            assert!(
                (1..=most).contains(&temps.len()),
                "the killed run's temporary files: {temps:?}"
            );
        }
        let got: Vec<(String, String)> = csvs
            .into_iter()
            .map(|f| {
                let t = std::fs::read_to_string(out.join(&f)).unwrap();
                (f, t)
            })
            .collect();
        if threads == "1" {
            assert_eq!(got, want, "signal {sig}, force {force}");
        } else {
            for (f, t) in &got {
                let new = reference.iter().any(|(rf, rt)| rf == f && rt == t);
                let kept = force && f == "binance/S002.csv" && t == old;
                assert!(
                    new || kept,
                    "signal {sig}, force {force}: `{f}` holds {t:?}"
                );
            }
        }
        // The next run completes the job and leaves nothing else.
        let r = run(&["--force", "-o", &s(&out), &s(&cap)]);
        r.expect_code(0);
        for t in &temps {
            assert!(
                r.stderr.contains(&format!(
                    "removed `{}`, left by an interrupted run",
                    s(&out.join(t))
                )),
                "{}",
                r.stderr
            );
        }
        let after: Vec<String> = files_under(&out);
        let names: Vec<String> = reference.iter().map(|r| r.0.clone()).collect();
        assert_eq!(after, names);
    }
}

/// Temporary files left by a killed run (`.tapebar-<pid>-*.tmp`, which exist only where
/// unnamed files cannot be used) are removed by the next run; those of a live process are
/// not.
#[test]
fn stale_temporary_files_of_killed_runs_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let cap = many_symbols(tmp.path(), 2);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("binance")).unwrap();
    // A pid that is gone: a child that has exited and been reaped.
    let mut gone = Command::new("true").spawn().unwrap();
    let gone_pid = gone.id();
    gone.wait().unwrap();
    let stale = out.join(format!("binance/.tapebar-{gone_pid}-0123abcd.tmp"));
    let live = out.join(format!(
        "binance/.tapebar-{}-4567ef.tmp",
        std::process::id()
    ));
    let other = out.join("binance/.tapebar-notes.tmp");
    for f in [&stale, &live, &other] {
        std::fs::write(f, "partial").unwrap();
    }
    let r = run(&["-o", &s(&out), &s(&cap)]);
    r.expect_code(0);
    assert!(
        r.stderr.contains(&format!(
            "tapebar: removed `{}`, left by an interrupted run",
            s(&stale)
        )),
        "{}",
        r.stderr
    );
    assert!(!stale.exists());
    assert!(live.exists() && other.exists());
}

/// A capture truncated by another process while tapebar has it mapped: no crash (SIGBUS is
/// caught), the input is reported as truncated (exit 1), the bars of what was read before
/// the cut are written. A capture that grows is read as it was when opened (a warning).
#[test]
fn a_capture_truncated_or_extended_while_mapped() {
    let tmp = tempfile::tempdir().unwrap();
    let cap = tmp.path().join("cap.jsonl");
    // 100,000 trades, one per 100 ms, prices 100..=109: about 10 MB, many chunks.
    let line = |i: u64| {
        trade(
            "BTCUSDT",
            i + 1,
            &(100 + i % 10).to_string(),
            "1",
            T0 + i as i64 * 100,
            false,
        ) + "\n"
    };
    let data: String = (0..100_000).map(line).collect();
    let keep: usize = (0..30_000).map(|i| line(i).len()).sum();
    for grow in [false, true] {
        std::fs::write(&cap, &data).unwrap();
        let io = tempfile::tempdir().unwrap();
        let resume = io.path().join("resume");
        let opts = Opts {
            env: vec![
                ("TAPEBAR_TEST_PAUSE", "mapped".into()),
                ("TAPEBAR_TEST_RESUME", resume.clone().into()),
            ],
            ..Opts::default()
        };
        let p = s(&cap);
        let child = spawn(&["--fill", "none", "-o", "-", &p], &opts, io.path());
        wait_for_pause(io.path(), "mapped");
        if grow {
            let mut f = std::fs::OpenOptions::new().append(true).open(&cap).unwrap();
            f.write_all(line(100_000).as_bytes()).unwrap();
        } else {
            // Cut after the 30,000th line.
            File::options()
                .write(true)
                .open(&cap)
                .unwrap()
                .set_len(keep as u64)
                .unwrap();
        }
        File::create(&resume).unwrap();
        let r = finish(child, &opts, io.path());
        if grow {
            r.expect_code(0);
            assert!(
                r.stderr.contains(&format!(
                    "tapebar: warning: `{p}`: grew from {} to {} bytes while being read",
                    data.len(),
                    data.len() + line(100_000).len()
                )),
                "{}",
                r.stderr
            );
            assert!(r.summary(&p).contains("100,000 messages, 100,000 trades"));
        } else {
            r.expect_code(1);
            assert!(
                r.stderr.contains(&format!(
                    "tapebar: error: `{p}`: truncated to {keep} bytes by another process while being read (it had {} bytes)",
                    data.len()
                )),
                "{}",
                r.stderr
            );
            // All 30,000 trades before the cut are in the bars: 3,000 s of 10 s buckets,
            // each of 100 trades of 1.
            let csv = r.stdout_text();
            let rows: Vec<&str> = csv.lines().skip(1).collect();
            assert_eq!(rows.len(), 300, "{}", r.stderr);
            assert!(rows.iter().all(|r| r.split(',').nth(8) == Some("100")));
        }
    }
}

/// `--help` documents the exit statuses.
#[test]
fn exit_statuses_are_in_the_help() {
    for args in [vec!["--help"], vec!["aggregate", "--help"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_tapebar"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.contains("0 ok") && help.contains("1 ") && help.contains("2 "),
            "{args:?}:\n{help}"
        );
        if args == ["--help"] {
            assert!(help.contains("3 a quality gate failed"), "{help}");
            assert!(help.contains("docs/reliability.md"), "{help}");
        }
    }
    let r = run(&["--no-such-option", "x"]);
    r.expect_code(2);
}

// ----- load ------------------------------------------------------------------------------

/// `stats` and `inspect` read the corpus through the same readers as `aggregate`: each
/// file ends in a clear status (1 only for the truncated compressed ones, with the
/// reason), never a panic, and JSON that parses.
#[test]
fn stats_and_inspect_on_the_corpus() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("testdata/hostile"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl") || n.ends_with(".gz") || n.ends_with(".zst"))
        .collect();
    files.sort();
    assert!(files.len() >= 11, "{files:?}");
    for name in &files {
        let p = hostile(name);
        for sub in ["stats", "inspect"] {
            let r = run_opts(
                &["--format", "json", &p],
                &Opts {
                    subcommand: Some(sub),
                    ..Opts::default()
                },
            );
            let truncated = name.starts_with("truncated");
            r.expect_code(if truncated { 1 } else { 0 });
            if truncated {
                assert!(
                    r.stderr.contains(&format!("`{p}`: read error")),
                    "{sub} {p}: {}",
                    r.stderr
                );
            }
            let v: serde_json::Value = serde_json::from_slice(&r.stdout)
                .unwrap_or_else(|e| panic!("{sub} {p}: {e}: {}", r.stdout_text()));
            if sub == "stats" {
                assert!(
                    v["symbols"].is_array() && v["total"].is_object(),
                    "{sub} {p}"
                );
            } else {
                assert_eq!(v["inputs"][0]["input"], p.as_str(), "{sub} {p}");
            }
        }
    }
}

/// Eighty compressed captures of the same period, read together: more than
/// `capture::MAX_OPEN_STREAMS` streams would take some 4 MiB each (80 such inputs: over
/// 300 MiB before the fix); the inputs past that number go through temporary files. Every
/// bar is as written, and memory stays within the bound.
#[test]
fn many_overlapping_compressed_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    // Each input (10 MB) holds more than a first batch (4 chunks) and what its reader
    // thread reads ahead, so its stream stays open, buffers full, while the others open.
    let (n, k, per_bucket) = (80, 100_000, 250);
    let trade_of =
        |j: usize| -> (u64, u64, bool) { (100 + (j % 5) as u64, 1 + (j % 3) as u64, j % 2 == 0) };
    let mut inputs = Vec::new();
    for i in 0..n {
        let mut text = String::with_capacity(k * 110);
        for j in 0..k {
            let (p, q, buy) = trade_of(j);
            let line = trade(
                &format!("O{i:02}USDT"),
                j as u64 + 1,
                &p.to_string(),
                &q.to_string(),
                // 250 trades in each 10 s bucket.
                T0 + 1 + j as i64 * 40,
                buy,
            );
            text.push_str(&line);
            text.push('\n');
        }
        let ext = if i % 2 == 0 { "gz" } else { "zst" };
        let c = tmp.path().join(format!("o{i:02}.jsonl.{ext}"));
        write_compressed(&c, text.as_bytes());
        inputs.push(s(&c));
    }
    // The last one is cut in half, as by a recorder that died: read alone (a stream) or
    // past the limit (through a temporary file), it gives the same bars and error.
    let cut = inputs.last().unwrap().clone();
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let alone = run(&["-o", "-", &cut]);
    alone.expect_code(1);
    let error_line = |r: &Run| -> String {
        r.stderr
            .lines()
            .find(|l| l.starts_with(&format!("tapebar: error: `{cut}`")))
            .unwrap_or_else(|| panic!("no error for {cut}:\n{}", r.stderr))
            .to_string()
    };
    assert!(
        error_line(&alone).contains("read error after "),
        "{}",
        alone.stderr
    );
    let mut args = vec!["-o", "-"];
    args.extend(inputs.iter().map(String::as_str));
    let r = run(&args);
    r.expect_code(1)
        .expect_rss_within_bound("80 overlapping compressed inputs");
    assert_eq!(error_line(&r), error_line(&alone));
    let mut want: Vec<String> = alone
        .stdout_text()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert!(want.len() > 10, "{}", alone.stdout_text());
    for i in 0..n - 1 {
        for b in 0..k / per_bucket {
            let trades: Vec<_> = (b * per_bucket..(b + 1) * per_bucket)
                .map(trade_of)
                .collect();
            want.push(bar_row(
                &format!("O{i:02}USDT"),
                T0 + b as i64 * 10_000,
                &trades,
            ));
        }
    }
    want.sort();
    let text = r.stdout_text();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(LONG_HEADER));
    let mut got: Vec<String> = lines.map(str::to_string).collect();
    got.sort();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "bars differ from the trades written");
    for p in &inputs[..n - 1] {
        assert!(
            r.summary(p).contains("100,000 trades, 0 duplicates"),
            "{}",
            r.summary(p)
        );
    }
}

/// 10,000 symbols, 60 trades each, interleaved as in a real capture (every chunk holds
/// trades of some 9,000 symbols): 10,000 correct files, and memory within the bound (the
/// groups decoded from 32 such chunks alone would take over 100 MiB).
#[test]
fn ten_thousand_symbols() {
    let tmp = tempfile::tempdir().unwrap();
    let cap = tmp.path().join("cap.jsonl");
    let (n, k) = (10_000, 60);
    let trade_of = |sym: usize, j: usize| -> (u64, u64, bool) {
        (
            100 + (sym % 7) as u64 + (j % 5) as u64,
            1 + (j % 3) as u64,
            j % 2 == 0,
        )
    };
    {
        let mut w = std::io::BufWriter::new(File::create(&cap).unwrap());
        for j in 0..k {
            for sym in 0..n {
                let (p, q, buy) = trade_of(sym, j);
                writeln!(
                    w,
                    "{}",
                    trade(
                        &format!("S{sym:05}USDT"),
                        j as u64 + 1,
                        &p.to_string(),
                        &q.to_string(),
                        T0 + 1 + j as i64 * 100,
                        buy
                    )
                )
                .unwrap();
            }
        }
    }
    let out = tmp.path().join("out");
    let r = run(&["-o", &s(&out), &s(&cap)]);
    r.expect_code(0).expect_rss_within_bound("10,000 symbols");
    let files = files_under(&out);
    assert_eq!(files.len(), n);
    for sym in 0..n {
        let trades: Vec<(u64, u64, bool)> = (0..k).map(|j| trade_of(sym, j)).collect();
        let row = bar_row("X", T0, &trades);
        let row = row.strip_prefix("binance,X,").unwrap();
        let text = std::fs::read_to_string(out.join(format!("binance/S{sym:05}USDT.csv"))).unwrap();
        assert_eq!(
            text,
            format!("ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n{row}\n")
        );
    }
}
