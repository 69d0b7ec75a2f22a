//! Agreement with the peer benchmark kit (../shared/bench): on a ~2 MB synthetic capture
//! from `gen_capture.py --seed 7`, the spec-literal Python reference `ref_python.py` and
//! `tapebar aggregate -o -` (without the columns the peers lack) have the same values by
//! `compare.py`. Skipped with a message when the kit, python3 or numpy is missing.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn kit_ready() -> bool {
    let bench = bench_dir();
    for f in ["gen_capture.py", "ref_python.py", "compare.py"] {
        if !bench.join(f).is_file() {
            eprintln!("skipped: {} not found", bench.join(f).display());
            return false;
        }
    }
    if !python_with(Some("numpy")) {
        eprintln!("skipped: python3 with numpy not available (gen_capture.py needs it)");
        return false;
    }
    true
}

fn python(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = Command::new("python3")
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python3 {args:?} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// tapebar's long CSV without venue, quote_volume and buy_volume: the peers' columns.
fn peer_columns(long: &str) -> String {
    let mut out = String::from("symbol,ts,open,high,low,close,volume,trades\n");
    let mut lines = long.lines();
    assert_eq!(
        lines.next(),
        Some("venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume")
    );
    for line in lines {
        let c: Vec<&str> = line.split(',').collect();
        assert_eq!(c.len(), 11, "{line}");
        assert_eq!(c[0], "binance");
        out.push_str(&c[1..9].join(","));
        out.push('\n');
    }
    out
}

fn agree_with_ref_python(capture: &Path, work: &Path) {
    let bench = bench_dir();
    let reference = work.join("ref.csv");
    python(&[
        bench.join("ref_python.py").as_os_str(),
        capture.as_os_str(),
        reference.as_os_str(),
    ]);
    let long = long_csv(&[capture.as_os_str()]);
    let ours = work.join("tapebar.csv");
    std::fs::write(&ours, peer_columns(&long)).unwrap();
    let out = python(&[
        bench.join("compare.py").as_os_str(),
        reference.as_os_str(),
        ours.as_os_str(),
    ]);
    let report = text(&out.stdout);
    assert!(report.contains("SAME VALUES"), "{report}");
    eprintln!("{report}");
}

#[test]
fn tapebar_agrees_with_ref_python_on_a_2mb_capture() {
    if !kit_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let capture = tmp.path().join("cap.jsonl");
    python(&[
        bench_dir().join("gen_capture.py").as_os_str(),
        "--seed".as_ref(),
        "7".as_ref(),
        "--target-mb".as_ref(),
        "2".as_ref(),
        "-o".as_ref(),
        capture.as_os_str(),
        "--quiet".as_ref(),
    ]);
    let size = std::fs::metadata(&capture).unwrap().len();
    assert!(size > 1_900_000, "a ~2 MB capture ({size} bytes)");
    agree_with_ref_python(&capture, tmp.path());
}

/// The committed sample agrees with ref_python.py too, and is what gen_capture.py writes
/// for `--seed 7 --target-mb 0.3`.
#[test]
fn sample_agrees_with_ref_python_and_is_reproducible() {
    if !kit_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let sample = root().join("testdata/sample.jsonl");
    agree_with_ref_python(&sample, tmp.path());
    let again = tmp.path().join("sample.jsonl");
    python(&[
        bench_dir().join("gen_capture.py").as_os_str(),
        "--seed".as_ref(),
        "7".as_ref(),
        "--target-mb".as_ref(),
        "0.3".as_ref(),
        "-o".as_ref(),
        again.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert!(
        std::fs::read(&again).unwrap() == std::fs::read(&sample).unwrap(),
        "testdata/sample.jsonl is not what gen_capture.py --seed 7 --target-mb 0.3 writes"
    );
}
