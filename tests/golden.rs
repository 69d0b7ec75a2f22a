//! Golden tests: `tapebar aggregate` on every fixture against `testdata/golden/*.csv`,
//! in the long form (`-o -`) and in the per-file form (`-o DIR`).
//!
//! The goldens are correct by construction (hand-checked, see testdata/README.md, and
//! recomputed by the independent `testdata/ref_bars.py`; the test
//! `goldens_agree_with_the_python_reference` keeps the two in step). With `TAPEBAR_BLESS=1`
//! the tests rewrite the goldens from the tool's output instead of comparing.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// (golden name, arguments after `aggregate -q -o -`). Keep in step with GOLDENS in
/// testdata/ref_bars.py.
const CASES: &[(&str, &[&str])] = &[
    ("sample", &["testdata/sample.jsonl"]),
    ("duplicates", &["testdata/binance/duplicates.jsonl"]),
    ("out_of_order", &["testdata/binance/out_of_order.jsonl"]),
    (
        "same_millisecond",
        &["testdata/binance/same_millisecond.jsonl"],
    ),
    ("fill", &["testdata/binance/fill.jsonl"]),
    (
        "fill_none",
        &["--fill", "none", "testdata/binance/fill.jsonl"],
    ),
    (
        "fill_1m",
        &["--interval", "1m", "testdata/binance/fill.jsonl"],
    ),
    (
        "fill_2500ms",
        &["--interval", "2500ms", "testdata/binance/fill.jsonl"],
    ),
    ("multi_symbol", &["testdata/binance/multi_symbol.jsonl"]),
    (
        "trade_and_aggtrade",
        &["testdata/binance/trade_and_aggtrade.jsonl"],
    ),
    ("futures_x", &["testdata/binance/futures_x.ws"]),
    ("envelope_raw", &["testdata/binance/envelope_raw.jsonl"]),
    (
        "envelope_cryptofeed",
        &["testdata/binance/envelope_cryptofeed.ws"],
    ),
    ("envelope_tardis", &["testdata/binance/envelope_tardis.txt"]),
    (
        "envelope_tardis_keep",
        &["--keep-pre-capture", "testdata/binance/envelope_tardis.txt"],
    ),
    (
        "envelope_wrapper",
        &["testdata/binance/envelope_wrapper.jsonl"],
    ),
    ("malformed", &["testdata/binance/malformed.jsonl"]),
    ("pre_capture", &["testdata/binance/pre_capture.ws"]),
    (
        "pre_capture_keep",
        &["--keep-pre-capture", "testdata/binance/pre_capture.ws"],
    ),
    ("venue_us", &["testdata/binance/venue_us.ws"]),
    ("venue_delivery", &["testdata/binance/venue_delivery.ws"]),
    ("exact_sums", &["testdata/binance/exact_sums.jsonl"]),
    ("all_binance", &["testdata/binance"]),
];

fn case(name: &str) -> &'static [&'static str] {
    CASES
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no case {name}"))
        .1
}

fn golden_case(name: &str) {
    let got = long_csv(case(name));
    check_golden(name, &got);
}

#[test]
fn every_golden_has_a_case_and_every_case_a_golden() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("testdata/golden"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .map(|n| n.trim_end_matches(".csv").to_string())
        .collect();
    files.sort();
    let mut cases: Vec<String> = CASES.iter().map(|(n, _)| n.to_string()).collect();
    cases.sort();
    assert_eq!(files, cases);
}

// One test per case, so a failure names the fixture.
#[test]
fn golden_sample() {
    golden_case("sample");
}
#[test]
fn golden_duplicates() {
    golden_case("duplicates");
}
#[test]
fn golden_out_of_order() {
    golden_case("out_of_order");
}
#[test]
fn golden_same_millisecond() {
    golden_case("same_millisecond");
}
#[test]
fn golden_fill() {
    golden_case("fill");
}
#[test]
fn golden_fill_none() {
    golden_case("fill_none");
}
#[test]
fn golden_fill_1m() {
    golden_case("fill_1m");
}
#[test]
fn golden_fill_2500ms() {
    golden_case("fill_2500ms");
}
#[test]
fn golden_multi_symbol() {
    golden_case("multi_symbol");
}
#[test]
fn golden_trade_and_aggtrade() {
    golden_case("trade_and_aggtrade");
}
#[test]
fn golden_futures_x() {
    golden_case("futures_x");
}
#[test]
fn golden_envelope_raw() {
    golden_case("envelope_raw");
}
#[test]
fn golden_envelope_cryptofeed() {
    golden_case("envelope_cryptofeed");
}
#[test]
fn golden_envelope_tardis() {
    golden_case("envelope_tardis");
}
#[test]
fn golden_envelope_tardis_keep() {
    golden_case("envelope_tardis_keep");
}
#[test]
fn golden_envelope_wrapper() {
    golden_case("envelope_wrapper");
}
#[test]
fn golden_malformed() {
    golden_case("malformed");
}
#[test]
fn golden_pre_capture() {
    golden_case("pre_capture");
}
#[test]
fn golden_pre_capture_keep() {
    golden_case("pre_capture_keep");
}
#[test]
fn golden_venue_us() {
    golden_case("venue_us");
}
#[test]
fn golden_venue_delivery() {
    golden_case("venue_delivery");
}
#[test]
fn golden_exact_sums() {
    golden_case("exact_sums");
}
#[test]
fn golden_all_binance_directory() {
    golden_case("all_binance");
}

/// The four envelope fixtures hold the same live trades: the same bars whatever the recorder.
#[test]
fn envelopes_give_the_same_bars() {
    let raw = read_golden("envelope_raw");
    for name in ["envelope_cryptofeed", "envelope_tardis", "envelope_wrapper"] {
        assert_same(&format!("{name} vs envelope_raw"), &raw, &read_golden(name));
    }
    // And every golden is in the long form with the documented header.
    for (name, _) in CASES {
        let g = read_golden(name);
        assert!(
            g.starts_with(
                "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n"
            ),
            "{name}.csv header"
        );
    }
}

/// The goldens are not just what the tool printed: the independent Python reference
/// (testdata/ref_bars.py, json + decimal, no shared code) computes the same CSV text.
#[test]
fn goldens_agree_with_the_python_reference() {
    if !python_with(None) {
        eprintln!("skipped: python3 not found (goldens are still compared with the tool)");
        return;
    }
    let out = std::process::Command::new("python3")
        .arg(root().join("testdata/ref_bars.py"))
        .arg("--check-goldens")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "testdata/ref_bars.py --check-goldens:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The committed fixtures are what testdata/make_fixtures.py writes.
#[test]
fn fixtures_match_their_generator() {
    if !python_with(None) {
        eprintln!("skipped: python3 not found");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("python3")
        .arg(root().join("testdata/make_fixtures.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut generated: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    generated.sort();
    let committed: Vec<String> = all_fixtures()
        .iter()
        .map(|p| p.trim_start_matches("testdata/binance/").to_string())
        .collect();
    assert_eq!(generated, committed, "fixture file names");
    for name in generated {
        let a = std::fs::read(dir.path().join(&name)).unwrap();
        let b = read(&fixture(&name));
        assert!(
            a == b,
            "testdata/binance/{name} differs from what make_fixtures.py writes"
        );
    }
}

/// The per-file form of the long golden: (venue, symbol) -> file text with the short header.
fn split_long(long: &str) -> BTreeMap<(String, String), String> {
    let mut files: BTreeMap<(String, String), String> = BTreeMap::new();
    for line in long.lines().skip(1) {
        let mut parts = line.splitn(3, ',');
        let venue = parts.next().unwrap().to_string();
        let symbol = parts.next().unwrap().to_string();
        let rest = parts.next().unwrap();
        files
            .entry((venue, symbol))
            .or_insert_with(|| {
                "ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n".to_string()
            })
            .push_str(&format!("{rest}\n"));
    }
    files
}

/// Every file under `dir`, hidden ones included, relative to it.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn check_dir_output(dir: &Path, golden: &str) {
    let want = split_long(&read_golden(golden));
    let mut expected_files: Vec<String> =
        want.keys().map(|(v, s)| format!("{v}/{s}.csv")).collect();
    expected_files.sort();
    assert_eq!(walk(dir), expected_files, "files under -o DIR for {golden}");
    for ((venue, symbol), text) in &want {
        let p = dir.join(venue).join(format!("{symbol}.csv"));
        let got = std::fs::read_to_string(&p).unwrap();
        assert_same(&format!("{}", p.display()), text, &got);
    }
}

/// `-o DIR` writes DIR/<venue>/<SYMBOL>.csv with the short header and the same rows as the
/// long form, and nothing else (no temporary files left behind).
#[test]
fn per_file_output_layout_all_fixtures() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = aggregate(&[
        "-q".as_ref(),
        "-o".as_ref(),
        out_dir.as_os_str(),
        "testdata/binance".as_ref(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "nothing on stdout with -o DIR");
    check_dir_output(&out_dir, "all_binance");
    // Venue directories as documented.
    for v in [
        "binance",
        "binance-futures",
        "binance-delivery",
        "binance-us",
    ] {
        assert!(out_dir.join(v).is_dir(), "{v}/");
    }
}

#[test]
fn per_file_output_with_options() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("bars-none");
    let out = aggregate(&[
        "-q".as_ref(),
        "--fill".as_ref(),
        "none".as_ref(),
        "-o".as_ref(),
        out_dir.as_os_str(),
        "testdata/binance/fill.jsonl".as_ref(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    check_dir_output(&out_dir, "fill_none");
}

/// Without -o the bars go to ./bars.
#[test]
fn default_output_directory_is_bars() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("testdata/binance/futures_x.ws");
    let out = tapebar()
        .current_dir(tmp.path())
        .args(["aggregate".as_ref(), "-q".as_ref(), input.as_os_str()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    check_dir_output(&tmp.path().join("bars"), "futures_x");
}

/// `--venue NAME` names every trade's venue.
#[test]
fn venue_override() {
    let got = long_csv(&["--venue", "myvenue", "testdata/binance/futures_x.ws"]);
    let want = read_golden("futures_x").replace("\nbinance-futures,", "\nmyvenue,");
    assert_same("--venue myvenue", &want, &got);
}
