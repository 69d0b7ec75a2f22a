//! What users see besides the bars: the stderr summary, exit statuses, --strict, missing
//! inputs, usage errors, refusing to overwrite bars, a closed stdout pipe.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;

/// The summary line of `input` on stderr (`tapebar: PATH: ...`).
fn summary<'a>(stderr: &'a str, input: &str) -> &'a str {
    let prefix = format!("tapebar: {input}: ");
    stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no summary line for {input} in:\n{stderr}"))
}

fn run_ok(args: &[&str]) -> String {
    let out = aggregate(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stderr)
}

#[test]
fn summary_counts_duplicates() {
    let f = fixture("duplicates.jsonl");
    let err = run_ok(&["-o", "-", &f]);
    // 11 messages (10 trades + 1 depth update), 7 distinct trades, 3 duplicates.
    assert!(
        summary(&err, &f).starts_with(&format!(
            "tapebar: {f}: 11 messages, 7 trades, 3 duplicates, 0 skipped, 0 malformed"
        )),
        "{err}"
    );
}

#[test]
fn summary_counts_futures_fills_that_are_not_market_trades() {
    let f = fixture("futures_x.ws");
    let err = run_ok(&["-o", "-", &f]);
    let s = summary(&err, &f);
    // 11 received messages: ack, 7 trades, 2 aggTrades, markPriceUpdate; 6 trades in
    // bars; INSURANCE_FUND, ADL and NA skipped.
    assert!(
        s.contains(": 11 messages, 6 trades, 0 duplicates, 3 skipped"),
        "{s}"
    );
    assert!(
        s.contains("MARKET") && s.contains(": 3"),
        "the reason is named: {s}"
    );
}

#[test]
fn summary_counts_aggtrades_left_out_for_the_trade_stream() {
    let f = fixture("trade_and_aggtrade.jsonl");
    let err = run_ok(&["-o", "-", &f]);
    let s = summary(&err, &f);
    // AVAXUSDT: 4 trades used, its 3 aggTrades skipped; DOTUSDT: 3 aggTrades used, 1 duplicate.
    assert!(
        s.contains(": 11 messages, 7 trades, 1 duplicates, 3 skipped"),
        "{s}"
    );
    assert!(s.contains("aggTrade"), "the reason names aggTrade: {s}");
}

#[test]
fn summary_counts_pre_capture_trades() {
    let f = fixture("pre_capture.ws");
    let err = run_ok(&["-o", "-", &f]);
    let s = summary(&err, &f);
    assert!(
        s.contains(": 6 messages, 4 trades, 0 duplicates, 1 skipped"),
        "{s}"
    );
    assert!(s.contains("pre-capture"), "{s}");
    assert!(
        s.contains(&format!("{f}:4")),
        "first stale trade is line 4: {s}"
    );
    // Kept with --keep-pre-capture.
    let err = run_ok(&["-o", "-", "--keep-pre-capture", &f]);
    assert!(
        summary(&err, &f).contains(": 6 messages, 5 trades, 0 duplicates, 0 skipped"),
        "{err}"
    );

    // tardis.dev: after the disconnect the replayed B and E are pre-capture; with
    // --keep-pre-capture, B is a duplicate and E is kept.
    let f = fixture("envelope_tardis.txt");
    let err = run_ok(&["-o", "-", &f]);
    let s = summary(&err, &f);
    assert!(
        s.contains(": 6 messages, 4 trades, 0 duplicates, 2 skipped"),
        "{s}"
    );
    assert!(
        s.contains("pre-capture") && s.contains(&format!("{f}:5")),
        "{s}"
    );
    let err = run_ok(&["-o", "-", "--keep-pre-capture", &f]);
    assert!(
        summary(&err, &f).contains(": 6 messages, 5 trades, 1 duplicates, 0 skipped"),
        "{err}"
    );
}

#[test]
fn summary_counts_malformed_lines_and_names_the_first() {
    let f = fixture("malformed.jsonl");
    let err = run_ok(&["-o", "-", &f]);
    let s = summary(&err, &f);
    assert!(
        s.contains(" 6 trades, 0 duplicates, 0 skipped, 3 malformed"),
        "{s}"
    );
    for line in [3, 5, 7] {
        assert!(s.contains(&format!("{f}:{line}")), "line {line} named: {s}");
    }
}

#[test]
fn summary_has_one_line_per_input() {
    let a = fixture("fill.jsonl");
    let b = fixture("multi_symbol.jsonl");
    let err = run_ok(&["-o", "-", &a, &b]);
    assert!(
        summary(&err, &a).contains(": 10 messages, 10 trades, 0 duplicates"),
        "{err}"
    );
    assert!(
        summary(&err, &b).contains(": 8 messages, 8 trades, 0 duplicates"),
        "{err}"
    );
}

#[test]
fn quiet_prints_nothing_on_stderr() {
    let out = aggregate(&["-q", "-o", "-", &fixture("malformed.jsonl")]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert!(!out.stdout.is_empty());
}

/// A trade repeated inside a chunk that also repeats a trade of an earlier chunk: every
/// copy after the first is a duplicate. 4 MiB of non-trade padding between the first copy
/// and the other two puts them in different chunks (chunks are at most a few MiB).
#[test]
fn duplicates_are_counted_when_a_later_chunk_repeats_a_trade_twice() {
    let trade = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600002,"s":"BTCUSDT","t":1001,"p":"66000.10000000","q":"0.50000000","T":1718841600000,"m":false,"M":true}}"#;
    let pad = r#"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1718841600100,"s":"BTCUSDT","U":1,"u":2,"b":[["1.00000000","2.00000000"]],"a":[]}}"#;
    let mut data = format!("{trade}\n");
    let mut pads = 0;
    while data.len() < (4 << 20) + 1000 {
        data.push_str(pad);
        data.push('\n');
        pads += 1;
    }
    data.push_str(&format!("{trade}\n{trade}\n"));
    let tmp = tempfile::tempdir().unwrap();
    let p = write_temp(tmp.path(), "repeats.jsonl", data.as_bytes());
    let p = p.to_string_lossy().into_owned();
    let out = aggregate(&["-o", "-", &p]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n\
         binance,BTCUSDT,1718841600000,66000.1,66000.1,66000.1,66000.1,0.5,1,33000.05,0.5\n"
    );
    let err = text(&out.stderr);
    let want = format!(": {} messages, 1 trades, 2 duplicates", thousands(pads + 3));
    assert!(
        summary(&err, &p).contains(&want),
        "expected `{want}` in: {err}"
    );
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

#[test]
fn strict_stops_at_the_first_malformed_line_naming_file_and_line() {
    let f = fixture("malformed.jsonl");
    let out = aggregate(&["--strict", "-o", "-", &f]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{f}:3")),
        "names file:line of the first bad line: {err}"
    );
    assert!(
        !err.contains(&format!("{f}:5")),
        "stops at the first: {err}"
    );

    // A clean file passes --strict.
    let out = aggregate(&["--strict", "-o", "-", &fixture("duplicates.jsonl")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn strict_names_a_bad_trade_field_and_counts_lines_of_compressed_input() {
    // Only the negative-price trade left: it is line 5 of this file.
    let data = read(&fixture("malformed.jsonl"));
    let lines: Vec<&[u8]> = lines_of(&data)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 2 && *i != 4)
        .map(|(_, l)| l)
        .collect();
    let data = join_lines(&lines);
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("bad.jsonl", data.clone()),
        ("bad.jsonl.gz", gzip(&data)),
        ("bad.jsonl.zst", zstd(&data)),
    ] {
        let p = write_temp(tmp.path(), name, &bytes);
        let p = p.to_string_lossy().into_owned();
        let out = aggregate(&["--strict", "-o", "-", &p]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = text(&out.stderr);
        assert!(err.contains(&format!("{p}:5")), "{name}: {err}");
        assert!(err.contains("`p`"), "{name}: names the field: {err}");
    }
}

#[test]
fn strict_on_stdin() {
    let out = aggregate_stdin(
        &["--strict", "-o", "-", "-"],
        read(&fixture("malformed.jsonl")),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(":3"), "{}", text(&out.stderr));
}

#[test]
fn missing_input_is_an_error_naming_the_path() {
    let out = aggregate(&["-o", "-", "testdata/binance/no-such-file.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("testdata/binance/no-such-file.jsonl"),
        "{}",
        text(&out.stderr)
    );

    // With another, readable input: still exit 1, the missing one named.
    let out = aggregate(&["-o", "-", "nope/missing.jsonl", &fixture("fill.jsonl")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nope/missing.jsonl"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    let f = fixture("fill.jsonl");
    for args in [
        vec!["--interval", "0s", f.as_str()],
        vec!["--interval", "10", f.as_str()],
        vec!["--interval", "-5s", f.as_str()],
        vec!["--interval", "tenseconds", f.as_str()],
        vec!["--fill", "sideways", f.as_str()],
        vec!["-j", "0", f.as_str()],
        vec!["--max-delay", "soon", f.as_str()],
        vec!["--no-such-option", f.as_str()],
        vec![],
    ] {
        let mut full = vec!["-o", "-"];
        full.extend(args.iter());
        let out = aggregate(&full);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{full:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{full:?}: no bars");
        assert!(!out.stderr.is_empty(), "{full:?}: says why");
    }
    let out = tapebar().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn other_interval_spellings_work() {
    let f = fixture("fill.jsonl");
    assert_same(
        "-i",
        &long_csv(&["--interval", "1m", &f]),
        &long_csv(&["-i", "1m", &f]),
    );
    for (a, b) in [
        ("10s", "10000ms"),
        ("1m", "60s"),
        ("1m", "60000ms"),
        ("1m", "1min"),
        ("10s", "10sec"),
    ] {
        assert_same(
            &format!("{a} vs {b}"),
            &long_csv(&["--interval", a, &f]),
            &long_csv(&["--interval", b, &f]),
        );
    }
}

#[test]
fn existing_bars_are_not_replaced_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bars");
    let dir_s = dir.to_string_lossy().into_owned();
    let f = fixture("fill.jsonl");
    let out = aggregate(&["-q", "-o", &dir_s, &f]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ada = dir.join("binance/ADAUSDT.csv");
    let first = std::fs::read_to_string(&ada).unwrap();
    assert_eq!(first.lines().count(), 9, "header + 8 rows (2 filled)");

    // Again, with other settings: refused, exit 1, nothing changed.
    let out = aggregate(&["-q", "--fill", "none", "-o", &dir_s, &f]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("--force"), "suggests --force: {err}");
    assert_eq!(std::fs::read_to_string(&ada).unwrap(), first);

    // With --force: replaced.
    let out = aggregate(&["-q", "--force", "--fill", "none", "-o", &dir_s, &f]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = std::fs::read_to_string(&ada).unwrap();
    assert_eq!(second.lines().count(), 7, "header + 6 traded rows");
    assert!(second.starts_with("ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n"));

    // Bars of another venue/symbol only in the directory also count as existing bars.
    let tmp2 = tempfile::tempdir().unwrap();
    let other = tmp2.path().join("o");
    write_temp(&other, "kraken/XBT%2FUSD.csv", b"ts\n");
    let out = aggregate(&["-q", "-o", &other.to_string_lossy(), &f]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn an_output_directory_without_bars_is_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("o");
    write_temp(&dir, "notes.txt", b"hello");
    write_temp(&dir, "binance/readme.md", b"hello");
    let out = aggregate(&["-q", "-o", &dir.to_string_lossy(), &fixture("fill.jsonl")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.join("binance/ADAUSDT.csv").is_file());
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"hello");
}

/// `tapebar aggregate -o - ... | head -1`: the reader goes away; exit 0, no error message.
#[test]
fn closed_stdout_pipe_exits_0_quietly() {
    // 10 ms bars of the sample: ~1.8 MB of CSV, far more than a pipe buffer.
    let args = [
        "aggregate",
        "--interval",
        "10ms",
        "-o",
        "-",
        "testdata/sample.jsonl",
    ];
    let (first, _) = first_line_then_close(&args, 0);
    assert_eq!(
        first,
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n"
    );
}

/// Runs tapebar with `args` (from the project root), reads the first line of its output,
/// closes the pipe, and checks that it exits with `code` and says nothing of an error.
/// Returns that line and what it wrote to stderr.
fn first_line_then_close(args: &[&str], code: i32) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tapebar"))
        .current_dir(root())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    // The reader is dropped here: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(
        !err.contains("error") && !err.to_lowercase().contains("broken pipe"),
        "{args:?}: {err}"
    );
    (first, err)
}

/// `stats` and `inspect` piped into `head` the same: exit 0 and nothing said, in every
/// format; a failed gate still exits 3. The capture has 2,000 symbols, so each report is
/// far more than a pipe buffer (64 KiB) and the write surely meets the closed pipe.
#[test]
fn reports_to_a_closed_stdout_pipe_are_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cap = String::new();
    for k in 0..2000u64 {
        cap.push_str(&format!(
            "{{\"e\":\"trade\",\"E\":1718841600000,\"s\":\"S{k}USDT\",\"t\":{k},\"p\":\"1.5\",\"q\":\"2\",\"T\":1718841600000,\"m\":true,\"M\":true}}\n"
        ));
    }
    let p = write_temp(tmp.path(), "many.jsonl", cap.as_bytes());
    let p = p.to_string_lossy();
    for args in [
        ["stats", "--format", "json"],
        ["stats", "--format", "csv"],
        ["stats", "--format", "table"],
        ["inspect", "--format", "json"],
        ["inspect", "--format", "table"],
    ] {
        let (first, _) = first_line_then_close(&[args[0], args[1], args[2], &p], 0);
        assert!(!first.is_empty(), "{args:?}");
    }
    // The closed pipe does not hide a failed gate: exit 3, and the gate is named.
    let gate = ["stats", "--format", "json", "--fail-on", "trades>0", &p];
    let (_, err) = first_line_then_close(&gate, 3);
    assert!(err.contains("gate failed: binance S0USDT"), "{err}");
}

/// A `--symbols` or `--venues` name that selects nothing is told on stderr, once, by both
/// commands; the names that do select something are not, and the run still succeeds.
#[test]
fn selection_names_that_match_nothing_are_warned_about() {
    let sample = "testdata/sample.jsonl";
    let sel = [
        "--symbols",
        "btcusdt,NOPEUSDT",
        "--venues",
        "binance,nowhere",
    ];
    let stats = tapebar()
        .args(["stats", "-q", "--format", "csv"])
        .args(sel)
        .arg(sample)
        .output()
        .unwrap();
    let agg = aggregate(&[&["-q", "-o", "-"][..], &sel[..], &[sample][..]].concat());
    for (what, out) in [("stats", stats), ("aggregate", agg)] {
        assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(
            lines,
            [
                "tapebar: warning: --venues `nowhere` matches no trades",
                "tapebar: warning: --symbols `NOPEUSDT` matches no trades",
            ],
            "{what}"
        );
        // The name that matches still selects its rows.
        let csv = text(&out.stdout);
        assert!(
            csv.lines().nth(1).unwrap().starts_with("binance,BTCUSDT,"),
            "{what}: {csv}"
        );
    }
}

#[test]
fn empty_input_gives_just_the_header() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write_temp(tmp.path(), "empty.jsonl", b"");
    let got = long_csv(&[p.as_os_str()]);
    assert_eq!(
        got,
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n"
    );
    let got = long_csv_stdin::<&str>(&[], Vec::new());
    assert_eq!(
        got,
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n"
    );
}

/// Numbers are plain decimals: no exponent, no trailing zeros, no leading `+`, `0` for zero.
#[test]
fn numbers_are_plain_decimals() {
    let got = long_csv(&["testdata/binance", "testdata/sample.jsonl"]);
    for line in got.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols.len(), 11, "{line}");
        for c in &cols[2..] {
            let ok = !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && c.matches('.').count() <= 1
                && !(c.contains('.') && (c.ends_with('0') || c.ends_with('.')))
                && !(c.len() > 1 && c.starts_with('0') && !c.starts_with("0."));
            assert!(ok, "`{c}` in {line}");
        }
    }
}

fn trade_line(symbol: &str, id: u64, price: &str, time_ms: i64) -> String {
    format!(
        r#"{{"stream":"{}@trade","data":{{"e":"trade","E":{},"s":"{symbol}","t":{id},"p":"{price}","q":"1.00000000","T":{time_ms},"m":false,"M":true}}}}"#,
        symbol.to_lowercase(),
        time_ms + 1
    )
}

/// `--max-delay`: inputs are read in capture-clock order; with `--max-delay 0`, once the
/// first input is merged, buckets before the second input's clock (T0+50 s) may be closed,
/// and then a trade of the second input for such a bucket is late: skipped and counted,
/// the written row unchanged, never put into another bucket. Closing is only checked
/// between batches, so a bucket may also stay open longer (docs/bars.md): then the trade
/// joins its own bar. Nothing else is allowed. With the default 10m it always joins.
#[test]
fn max_delay_zero_either_drops_an_old_trade_of_a_later_input_as_late_or_keeps_it() {
    const T0: i64 = 1_718_841_600_000;
    let tmp = tempfile::tempdir().unwrap();
    let a = write_temp(
        tmp.path(),
        "a.jsonl",
        format!(
            "{}\n{}\n",
            trade_line("BTCUSDT", 1, "100.00000000", T0 + 1_000),
            trade_line("BTCUSDT", 2, "101.00000000", T0 + 21_000)
        )
        .as_bytes(),
    );
    // b's clock starts at T0 + 50 s; its second line is a trade of bucket T0 + 20 s.
    let b = write_temp(
        tmp.path(),
        "b.jsonl",
        format!(
            "{}\n{}\n",
            trade_line("BTCUSDT", 5, "105.00000000", T0 + 50_000),
            trade_line("BTCUSDT", 3, "90.00000000", T0 + 22_000)
        )
        .as_bytes(),
    );
    let (a, b) = (
        a.to_string_lossy().into_owned(),
        b.to_string_lossy().into_owned(),
    );
    let header = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n";
    let late = format!(
        "{header}binance,BTCUSDT,1718841600000,100,100,100,100,1,1,100,1\n\
         binance,BTCUSDT,1718841610000,100,100,100,100,0,0,0,0\n\
         binance,BTCUSDT,1718841620000,101,101,101,101,1,1,101,1\n\
         binance,BTCUSDT,1718841630000,101,101,101,101,0,0,0,0\n\
         binance,BTCUSDT,1718841640000,101,101,101,101,0,0,0,0\n\
         binance,BTCUSDT,1718841650000,105,105,105,105,1,1,105,1\n"
    );
    let joined = format!(
        "{header}binance,BTCUSDT,1718841600000,100,100,100,100,1,1,100,1\n\
         binance,BTCUSDT,1718841610000,100,100,100,100,0,0,0,0\n\
         binance,BTCUSDT,1718841620000,101,101,90,90,2,2,191,2\n\
         binance,BTCUSDT,1718841630000,90,90,90,90,0,0,0,0\n\
         binance,BTCUSDT,1718841640000,90,90,90,90,0,0,0,0\n\
         binance,BTCUSDT,1718841650000,105,105,105,105,1,1,105,1\n"
    );

    let out = aggregate(&["-o", "-", "--max-delay", "0", &b, &a]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = text(&out.stdout);
    let err = text(&out.stderr);
    let s = summary(&err, &b);
    if got == late {
        assert!(
            s.contains(": 2 messages, 1 trades, 0 duplicates, 1 skipped"),
            "{s}"
        );
        assert!(s.contains("late"), "{s}");
    } else {
        assert_same(
            "--max-delay 0: the trade is late or joins its own bar",
            &joined,
            &got,
        );
        assert!(
            s.contains(": 2 messages, 2 trades, 0 duplicates, 0 skipped"),
            "{s}"
        );
    }
    // The same on any thread count.
    let again = aggregate(&["-o", "-", "-j", "1", "--max-delay", "0", &b, &a]);
    assert_same("--max-delay 0, -j 1", &got, &text(&again.stdout));

    let out = aggregate(&["-o", "-", &b, &a]);
    assert!(out.status.success());
    assert_same(
        "default --max-delay: the trade joins its bar",
        &joined,
        &text(&out.stdout),
    );
    assert!(
        summary(&text(&out.stderr), &b).contains(": 2 messages, 2 trades, 0 duplicates, 0 skipped")
    );
}

/// Three inputs read one after the other by clock, `--max-delay 0`: after the first is
/// merged, buckets before the third input's clock may be closed (written). The second
/// input then brings a trade for bucket 0. It must either be dropped as late (bucket 0
/// stays as written) or join bucket 0 if that was still open — a bar is never written
/// twice, and rows stay in order.
#[test]
fn a_late_trade_never_reopens_a_written_bar() {
    const T0: i64 = 1_718_841_600_000;
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        format!(
            "{}\n{}\n",
            trade_line("BTCUSDT", 1, "100", T0 + 1_000),
            trade_line("BTCUSDT", 2, "101", T0 + 21_000)
        ),
        format!(
            "{}\n{}\n",
            trade_line("BTCUSDT", 5, "105", T0 + 30_000),
            trade_line("BTCUSDT", 3, "90", T0 + 2_000)
        ),
        format!("{}\n", trade_line("BTCUSDT", 7, "107", T0 + 60_000)),
    ];
    let paths: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            write_temp(tmp.path(), &format!("x{i}.jsonl"), f.as_bytes())
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let header = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n";
    let tail = "binance,BTCUSDT,1718841620000,101,101,101,101,1,1,101,1\n\
                binance,BTCUSDT,1718841630000,105,105,105,105,1,1,105,1\n\
                binance,BTCUSDT,1718841640000,105,105,105,105,0,0,0,0\n\
                binance,BTCUSDT,1718841650000,105,105,105,105,0,0,0,0\n\
                binance,BTCUSDT,1718841660000,107,107,107,107,1,1,107,1\n";
    let late = format!(
        "{header}binance,BTCUSDT,1718841600000,100,100,100,100,1,1,100,1\n\
         binance,BTCUSDT,1718841610000,100,100,100,100,0,0,0,0\n{tail}"
    );
    let joined = format!(
        "{header}binance,BTCUSDT,1718841600000,100,100,90,90,2,2,190,2\n\
         binance,BTCUSDT,1718841610000,90,90,90,90,0,0,0,0\n{tail}"
    );
    for j in ["1", "2"] {
        let out = aggregate(&[
            "-o",
            "-",
            "-j",
            j,
            "--max-delay",
            "0",
            &paths[0],
            &paths[1],
            &paths[2],
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let got = text(&out.stdout);
        assert!(
            got == late || got == joined,
            "-j {j}: the old trade must be dropped as late or join bucket 0, never give a \
             second bucket-0 row or rows out of order; got:\n{got}\nstderr: {}",
            text(&out.stderr)
        );
    }
    // With the default --max-delay it joins bucket 0.
    assert_same("default --max-delay", &joined, &long_csv(&paths));
}

/// More rows than the in-memory limit (32 MiB): they are moved to a temporary file and
/// come back complete and in order, on stdout and in files, and nothing is left behind.
#[test]
fn rows_past_the_memory_limit_come_back_complete_and_in_order() {
    const T0: i64 = 1_718_841_600_000;
    // Two symbols, each with a trade at the start and one 600 s later: with 1 ms bars,
    // 600,001 rows each (all but two forward-filled), ~45 MB of rows.
    let span = 600_000i64;
    let data = format!(
        "{}\n{}\n{}\n{}\n",
        trade_line("AAAUSDT", 1, "1.50000000", T0),
        trade_line("BBBUSDT", 1, "2.00000000", T0 + 3),
        trade_line("AAAUSDT", 2, "1.25000000", T0 + span),
        trade_line("BBBUSDT", 2, "2.50000000", T0 + span + 3),
    );
    let tmp = tempfile::tempdir().unwrap();
    let input = write_temp(tmp.path(), "two.jsonl", data.as_bytes());
    let input = input.to_string_lossy().into_owned();

    let out = aggregate(&["-q", "--interval", "1ms", "-o", "-", &input]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume")
    );
    let mut a = lines
        .by_ref()
        .take((span + 1) as usize)
        .map(|l| l.strip_prefix("binance,AAAUSDT,").unwrap());
    check_series(&mut a, span, T0, "1.5", "1.25");
    let mut b = lines
        .by_ref()
        .map(|l| l.strip_prefix("binance,BBBUSDT,").unwrap());
    check_series(&mut b, span, T0 + 3, "2", "2.5");
    assert_eq!(b.next(), None);

    let dir = tmp.path().join("bars");
    let out = aggregate(&[
        "-q",
        "--interval",
        "1ms",
        "-o",
        &dir.to_string_lossy(),
        &input,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (sym, start, first, last) in [
        ("AAAUSDT", T0, "1.5", "1.25"),
        ("BBBUSDT", T0 + 3, "2", "2.5"),
    ] {
        let text = std::fs::read_to_string(dir.join(format!("binance/{sym}.csv"))).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("ts,open,high,low,close,volume,trades,quote_volume,buy_volume")
        );
        check_series(&mut lines, span, start, first, last);
        assert_eq!(lines.next(), None);
    }
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["binance"], "only the venue directory in DIR");
    let mut files: Vec<String> = std::fs::read_dir(dir.join("binance"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["AAAUSDT.csv", "BBBUSDT.csv"]);
}

/// `span + 1` rows of 1 ms bars from `start`: a traded row at each end, fill rows between.
fn check_series<'a>(
    rows: &mut impl Iterator<Item = &'a str>,
    span: i64,
    start: i64,
    first: &str,
    last: &str,
) {
    let mut n = 0i64;
    for row in rows.take((span + 1) as usize) {
        let ts = start + n;
        let want = if n == 0 {
            format!("{ts},{first},{first},{first},{first},1,1,{first},1")
        } else if n == span {
            format!("{ts},{last},{last},{last},{last},1,1,{last},1")
        } else {
            format!("{ts},{first},{first},{first},{first},0,0,0,0")
        };
        assert_eq!(row, want, "row {n} of the series starting at {start}");
        n += 1;
    }
    assert_eq!(n, span + 1);
}

fn trade_at(symbol: &str, id: u64, price: &str, time: i64) -> String {
    trade_line(symbol, id, price, time)
}

/// Buckets lie on the UTC epoch grid: a 1d bar is a UTC day; an 11m bar is counted from
/// 1970-01-01T00:00Z, not from midnight.
#[test]
fn buckets_are_on_the_utc_epoch_grid() {
    const MIDNIGHT: i64 = 1_718_841_600_000; // 2024-06-20T00:00:00Z
    let data = [
        trade_at("BTCUSDT", 1, "1.00000000", MIDNIGHT - 1),
        trade_at("BTCUSDT", 2, "2.00000000", MIDNIGHT),
        trade_at("BTCUSDT", 3, "3.00000000", MIDNIGHT + 86_400_000 - 1),
    ]
    .join("\n");
    let got = long_csv_stdin(&["--interval", "1d"], data.clone().into_bytes());
    assert_eq!(
        got,
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n\
         binance,BTCUSDT,1718755200000,1,1,1,1,1,1,1,1\n\
         binance,BTCUSDT,1718841600000,2,3,2,3,2,2,5,2\n"
    );
    // 11 minutes = 660000 ms; MIDNIGHT / 660000 = 2604305.45..., so midnight lies in the
    // bucket starting at 2604305 * 660000 = 1718841300000 (23:55 the day before), and
    // 23:59:59.999 (1718927999999 / 660000 = 2604436.36...) in 1718927760000 (23:56).
    let got = long_csv_stdin(&["--interval", "11m", "--fill", "none"], data.into_bytes());
    let ts: Vec<&str> = got
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(ts, ["1718841300000", "1718927760000"]);
}

/// Binance trade times above 10^15 are microseconds (`timeUnit=MICROSECOND`).
#[test]
fn microsecond_trade_times() {
    let data = [
        trade_at("BTCUSDT", 1, "1.00000000", 1_718_841_609_999_999),
        trade_at("BTCUSDT", 2, "2.00000000", 1_718_841_610_000_000),
        trade_at("BTCUSDT", 3, "3.00000000", 1_718_841_609_999_998),
    ]
    .join("\n");
    let got = long_csv_stdin(&["--interval", "1s"], data.into_bytes());
    assert_eq!(
        got,
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n\
         binance,BTCUSDT,1718841609000,3,3,1,1,2,2,4,2\n\
         binance,BTCUSDT,1718841610000,2,2,2,2,1,1,2,1\n"
    );
}

/// The same futures trades recorded with a connection URL and as plain JSON lines are two
/// venues; `--venue` names both one venue and they deduplicate.
#[test]
fn venue_override_merges_recordings_of_the_same_trades() {
    let f = fixture("futures_x.ws");
    let data = read(&f);
    let plain: Vec<&[u8]> = lines_of(&data)
        .into_iter()
        .filter_map(|l| {
            let s = std::str::from_utf8(l).unwrap();
            s.find(": {")
                .map(|i| &l[i + 2..])
                .filter(|_| !s.starts_with("wss://"))
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let p = write_temp(tmp.path(), "futures.jsonl", &join_lines(&plain));
    let p = p.to_string_lossy().into_owned();
    // Without --venue: the plain copy is `binance`.
    let got = long_csv(&[&p]);
    let as_spot = read_golden("futures_x").replace("\nbinance-futures,", "\nbinance,");
    assert_same("plain JSON lines of a futures capture", &as_spot, &got);
    // Both, named alike: one series, the copies are duplicates.
    let out = aggregate(&["-o", "-", "--venue", "binance-futures", &f, &p]);
    assert!(out.status.success());
    assert_same(
        "--venue merges",
        &read_golden("futures_x"),
        &text(&out.stdout),
    );
    let err = text(&out.stderr);
    assert!(
        summary(&err, &p).contains(" 0 trades, 6 duplicates, 3 skipped"),
        "{err}"
    );
}

/// A damaged compressed input is an error naming it (exit 1); the other inputs are still
/// aggregated and written.
#[test]
fn truncated_compressed_input_is_an_error_and_others_are_still_written() {
    let tmp = tempfile::tempdir().unwrap();
    let data = read(&fixture("multi_symbol.jsonl"));
    for (name, bytes) in [
        ("cut.jsonl.gz", gzip(&data)),
        ("cut.jsonl.zst", zstd(&data)),
    ] {
        let cut = &bytes[..bytes.len() * 2 / 3];
        let p = write_temp(tmp.path(), name, cut);
        let p = p.to_string_lossy().into_owned();
        let out = aggregate(&["-o", "-", &p, &fixture("fill.jsonl")]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.contains(&p) && err.contains("error"), "{name}: {err}");
        let got = text(&out.stdout);
        for row in read_golden("fill").lines().skip(1) {
            assert!(
                got.contains(&format!("{row}\n")),
                "{name}: missing {row} in\n{got}"
            );
        }
    }
}

/// Valid JSON of no known venue is counted as unrecognised, not malformed, and is not fatal
/// under --strict.
#[test]
fn messages_of_other_venues_are_unrecognised() {
    let data = format!(
        "{}\n{}\n",
        r#"{"exchange":"nowhere","kind":"fill","px":"0.791","qty":"450","at":"2021-04-17T16:43:37.121358Z"}"#,
        trade_at("BTCUSDT", 1, "1.00000000", 1_718_841_600_000)
    );
    let out = aggregate_stdin(&["--strict", "-o", "-", "-"], data.into_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("2 messages, 1 trades, 0 duplicates, 0 skipped, 0 malformed, 1 unrecognised"),
        "{err}"
    );
}

/// Inputs can mix stdin, files and directories.
#[test]
fn stdin_and_files_together() {
    let a = fixture("fill.jsonl");
    let b = fixture("multi_symbol.jsonl");
    let want = long_csv(&[&a, &b]);
    let got = long_csv_stdin(&[&b], read(&a));
    assert_same("stdin + file", &want, &got);
}

/// The binary's allocator options (`malloc_conf` in src/main.rs) reach jemalloc: a
/// misspelt symbol name would leave jemalloc's defaults in place without a word, and with
/// them resident memory that grows through a long run. `confirm_conf` makes jemalloc print
/// each option it sets.
#[cfg(unix)]
#[test]
fn the_allocator_options_are_applied() {
    let out = tapebar()
        .env("_RJEM_MALLOC_CONF", "confirm_conf:true")
        .args(["aggregate", "-o", "-", "-q", "testdata/sample.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    for option in [
        "dirty_decay_ms:200",
        "muzzy_decay_ms:0",
        "oversize_threshold:1048576",
    ] {
        assert!(
            err.contains(&format!("Set conf value: {option}")),
            "{option} not set:\n{err}"
        );
    }
}
