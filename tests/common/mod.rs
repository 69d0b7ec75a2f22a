//! Helpers shared by the integration tests: where things are, running `tapebar`, goldens
//! (with `TAPEBAR_BLESS=1`), compression and line shuffling of fixtures.
#![allow(dead_code)] // each test crate uses a different subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// The repository root (tests run `tapebar` from here, with relative input paths, so the
/// names in messages are stable).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `testdata/binance/<name>` relative to the root.
pub fn fixture(name: &str) -> String {
    format!("testdata/binance/{name}")
}

/// Every file of `testdata/binance`, sorted, relative to the root.
pub fn all_fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("testdata/binance"))
        .expect("testdata/binance")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .map(|n| fixture(&n))
        .collect();
    v.sort();
    v
}

/// Raw JSON-lines fixtures: no receive times, so any line order means the same trades.
pub const RAW_FIXTURES: [&str; 9] = [
    "exact_sums.jsonl",
    "duplicates.jsonl",
    "out_of_order.jsonl",
    "same_millisecond.jsonl",
    "fill.jsonl",
    "multi_symbol.jsonl",
    "trade_and_aggtrade.jsonl",
    "malformed.jsonl",
    "envelope_raw.jsonl",
];

/// The real cryptofeed recordings (read-only, outside the repository).
pub fn captures_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/captures/cryptofeed"
    ))
}

/// The peer benchmark kit (outside the repository).
pub fn bench_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench"))
}

/// A `tapebar` command run from the repository root, with a timeout.
pub fn tapebar() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tapebar"));
    c.current_dir(root()).timeout(Duration::from_secs(300));
    c
}

/// Run `tapebar aggregate ARGS...` and return the output (whatever the exit status).
pub fn aggregate<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    tapebar()
        .arg("aggregate")
        .args(args)
        .output()
        .expect("run tapebar")
}

/// Run `tapebar aggregate ARGS...` feeding `stdin`.
pub fn aggregate_stdin<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Vec<u8>) -> Output {
    tapebar()
        .arg("aggregate")
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("run tapebar")
}

/// `n` with thousands separators, as the summary line writes counts (`2,433`).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Run `tapebar aggregate -q -o - ARGS...`, require exit 0, return stdout.
pub fn long_csv<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    let mut full: Vec<std::ffi::OsString> = vec!["-q".into(), "-o".into(), "-".into()];
    full.extend(args.iter().map(|a| a.as_ref().to_os_string()));
    let out = aggregate(&full);
    assert!(
        out.status.success(),
        "tapebar aggregate {:?} failed ({:?}):\n{}",
        full,
        out.status,
        text(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    check_long_form(&csv);
    csv
}

/// Every long CSV: the header, then rows with 11 fields, strictly increasing by (venue,
/// symbol, ts) — so no bar is written twice and none out of order.
pub fn check_long_form(csv: &str) {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume"),
        "long-form header"
    );
    let mut prev: Option<(String, String, i64)> = None;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 11, "row with 11 fields: {line}");
        let key = (
            f[0].to_string(),
            f[1].to_string(),
            f[2].parse::<i64>().expect("integer ts"),
        );
        if let Some(p) = &prev {
            assert!(
                (p.0.as_bytes(), p.1.as_bytes(), p.2) < (key.0.as_bytes(), key.1.as_bytes(), key.2),
                "rows not strictly increasing by (venue, symbol, ts): {p:?} then {key:?}"
            );
        }
        prev = Some(key);
    }
}

/// Same with bytes on stdin (`-` is added as the input).
pub fn long_csv_stdin<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Vec<u8>) -> String {
    let mut full: Vec<std::ffi::OsString> = vec!["-q".into(), "-o".into(), "-".into()];
    full.extend(args.iter().map(|a| a.as_ref().to_os_string()));
    full.push("-".into());
    let out = aggregate_stdin(&full, stdin);
    assert!(
        out.status.success(),
        "tapebar aggregate {:?} (stdin) failed ({:?}):\n{}",
        full,
        out.status,
        text(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    check_long_form(&csv);
    csv
}

pub fn blessing() -> bool {
    std::env::var_os("TAPEBAR_BLESS").is_some_and(|v| v == "1")
}

pub fn golden_path(name: &str) -> PathBuf {
    root().join("testdata/golden").join(format!("{name}.csv"))
}

pub fn read_golden(name: &str) -> String {
    let p = golden_path(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Compare `got` with `testdata/golden/<name>.csv`, or rewrite the golden when
/// `TAPEBAR_BLESS=1` (review the diff, and run `python3 testdata/ref_bars.py --check-goldens`).
pub fn check_golden(name: &str, got: &str) {
    let p = golden_path(name);
    if blessing() {
        std::fs::write(&p, got).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        eprintln!("blessed {}", p.display());
        return;
    }
    let want = read_golden(name);
    if want != got {
        panic!(
            "output differs from testdata/golden/{name}.csv\n{}\n(TAPEBAR_BLESS=1 rewrites goldens after a reviewed change)",
            first_difference(&want, got)
        );
    }
}

/// A readable description of where two texts first differ, line by line.
pub fn first_difference(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b {
            return format!(
                "first difference at line {}:\n  expected: {}\n  got:      {}\n({} expected lines, {} got)",
                i + 1,
                a.copied().unwrap_or("<none>"),
                b.copied().unwrap_or("<none>"),
                w.len(),
                g.len()
            );
        }
    }
    format!(
        "same lines, different bytes (line endings or final newline): {} vs {} bytes",
        want.len(),
        got.len()
    )
}

/// Assert two outputs are byte-identical, with a line diff on failure.
pub fn assert_same(what: &str, want: &str, got: &str) {
    if want != got {
        panic!("{what}: outputs differ\n{}", first_difference(want, got));
    }
}

pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// gzip of `data` as one member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// gzip of `data` as several concatenated members, cut at the given byte offsets (which may
/// fall inside a line).
pub fn gzip_members(data: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = 0;
    for &c in cuts.iter().chain(std::iter::once(&data.len())) {
        let c = c.clamp(prev, data.len());
        out.extend(gzip(&data[prev..c]));
        prev = c;
    }
    out
}

/// zstd of `data` as one frame.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// zstd of `data` as several frames (as tardis.dev's `zstd-multiframe`).
pub fn zstd_frames(data: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = 0;
    for &c in cuts.iter().chain(std::iter::once(&data.len())) {
        let c = c.clamp(prev, data.len());
        out.extend(zstd(&data[prev..c]));
        prev = c;
    }
    out
}

/// A small deterministic PRNG (xorshift64*), so shuffles are the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// The lines of a file without their newlines (a final newline does not make an empty line).
pub fn lines_of(data: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

pub fn join_lines(lines: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// Write `data` to `dir/name` and return the path.
pub fn write_temp(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, data).unwrap();
    p
}

/// Is `python3` runnable (and, if `module` is given, can it import it)?
pub fn python_with(module: Option<&str>) -> bool {
    let code = match module {
        Some(m) => format!("import {m}"),
        None => "pass".to_string(),
    };
    std::process::Command::new("python3")
        .args(["-c", &code])
        .output()
        .is_ok_and(|o| o.status.success())
}
