//! Invariance: the bars do not depend on how the same trades are delivered — thread count,
//! compression (gzip, multi-member gzip, zstd, multi-frame zstd, stdin), line order, every
//! line twice, the same file twice, a directory instead of its files.

mod common;

use std::ffi::OsString;
use std::path::Path;

use common::*;

/// Every fixture and the sample: (path relative to the root, extra arguments).
fn inputs() -> Vec<String> {
    let mut v = all_fixtures();
    v.push("testdata/sample.jsonl".to_string());
    v
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn with_path(args: &[&str], p: &Path) -> Vec<OsString> {
    let mut v = os(args);
    v.push(p.as_os_str().to_os_string());
    v
}

#[test]
fn threads_1_and_2_give_identical_bytes_on_every_fixture() {
    for input in inputs() {
        let one = long_csv(&["-j", "1", &input]);
        let two = long_csv(&["-j", "2", &input]);
        assert_same(&format!("{input}: -j 1 vs -j 2"), &one, &two);
    }
}

/// A capture many chunks long (the sample 40 times over, ~12 MB): the copies are all
/// duplicates, found across chunks and merged on several threads. The bars are the sample's,
/// byte for byte, with 1 or 2 threads, plain or compressed.
#[test]
fn multi_chunk_capture_of_repeats_is_deduplicated_the_same_on_any_thread_count() {
    let sample = read("testdata/sample.jsonl");
    let mut big = Vec::with_capacity(sample.len() * 40);
    for _ in 0..40 {
        big.extend_from_slice(&sample);
    }
    let tmp = tempfile::tempdir().unwrap();
    let plain = write_temp(tmp.path(), "big.jsonl", &big);
    let want = read_golden("sample");
    for j in ["1", "2"] {
        let got = long_csv(&with_path(&["-j", j], &plain));
        assert_same(&format!("40 x sample, -j {j}"), &want, &got);
    }
    let gz = write_temp(
        tmp.path(),
        "big.jsonl.gz",
        &gzip_members(&big, &[big.len() / 3, big.len() / 2 + 17]),
    );
    let got = long_csv(&with_path(&["-j", "2"], &gz));
    assert_same("40 x sample, multi-member gzip, -j 2", &want, &got);
}

/// The summary of the same 40-fold capture counts every copy after the first as duplicates
/// (the bars above are right either way; this checks the counting across chunks).
#[test]
fn multi_chunk_capture_of_repeats_counts_every_repeat_as_a_duplicate() {
    let sample = read("testdata/sample.jsonl");
    let mut big = Vec::with_capacity(sample.len() * 40);
    for _ in 0..40 {
        big.extend_from_slice(&sample);
    }
    let tmp = tempfile::tempdir().unwrap();
    let plain = write_temp(tmp.path(), "big.jsonl", &big);
    let lines = sample.iter().filter(|&&b| b == b'\n').count();
    for j in ["1", "2"] {
        let out = aggregate(&with_path(&["-o", "-", "-j", j], &plain));
        let err = text(&out.stderr);
        let want = format!(
            "{} messages, 1,753 trades, {} duplicates",
            thousands(lines * 40),
            thousands(lines * 40 - 1753)
        );
        assert!(
            err.contains(&want),
            "-j {j}: summary of 40 x sample should say `{want}`: {err}"
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

/// The sample's lines `copies` times over, copy `k` shifted by `k` minutes and its trade
/// ids by `k` million, so every copy holds distinct trades of the same symbols.
fn shifted_sample(copies: i64) -> Vec<Vec<u8>> {
    let sample = read("testdata/sample.jsonl");
    let mut out = Vec::new();
    for k in 0..copies {
        for line in lines_of(&sample) {
            let mut v: serde_json::Value = serde_json::from_slice(line).unwrap();
            let d = v.get_mut("data").unwrap();
            let shift =
                |x: &serde_json::Value, by: i64| serde_json::json!(x.as_i64().unwrap() + by);
            d["T"] = shift(&d["T"], k * 60_000);
            d["E"] = shift(&d["E"], k * 60_000);
            d["t"] = shift(&d["t"], k * 1_000_000);
            out.push(serde_json::to_string(&v).unwrap().into_bytes());
        }
    }
    out
}

/// A different multi-chunk capture: the sample shifted by whole minutes 25 times, with new
/// trade ids, so chunks hold distinct trades of the same symbols; -j 1 and -j 2 agree, and
/// so do plain, gzip and zstd.
#[test]
fn multi_chunk_capture_of_distinct_trades_same_on_any_thread_count() {
    let mut big = Vec::new();
    for line in shifted_sample(25) {
        big.extend_from_slice(&line);
        big.push(b'\n');
    }
    assert!(big.len() > 3 << 20, "several chunks");
    let tmp = tempfile::tempdir().unwrap();
    let plain = write_temp(tmp.path(), "shifted.jsonl", &big);
    let one = long_csv(&with_path(&["-j", "1"], &plain));
    let two = long_csv(&with_path(&["-j", "2"], &plain));
    assert_same("shifted sample: -j 1 vs -j 2", &one, &two);
    let zst = write_temp(
        tmp.path(),
        "shifted.zst",
        &zstd_frames(&big, &[big.len() / 4, big.len() / 2]),
    );
    assert_same(
        "shifted sample: plain vs zstd",
        &one,
        &long_csv(&with_path(&["-j", "2"], &zst)),
    );
    // Streams hand a batch's chunks over while the first are decoded: the same batches
    // and bars whatever the thread count, from a file or from stdin.
    let gz = write_temp(tmp.path(), "shifted.gz", &gzip(&big));
    for j in ["1", "2"] {
        assert_same(
            &format!("shifted sample: plain vs gzip, -j {j}"),
            &one,
            &long_csv(&with_path(&["-j", j], &gz)),
        );
        assert_same(
            &format!("shifted sample: plain vs stdin, -j {j}"),
            &one,
            &long_csv_stdin(&["-j", j], big.clone()),
        );
    }
    // The first copy's bars are the sample's bars.
    let want = read_golden("sample");
    for row in want.lines().skip(1) {
        assert!(
            one.contains(&format!("{row}\n")),
            "row of the first copy missing: {row}"
        );
    }
}

#[test]
fn plain_gzip_multi_member_gzip_zstd_and_stdin_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    for input in inputs() {
        let data = read(&input);
        let want = long_csv(&[&input]);
        let n = data.len();
        // Member / frame boundaries at a third (likely mid-line) and just after a newline.
        let nl = data.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        let cuts = [nl, n / 3, 2 * n / 3 + 1];
        let name = Path::new(&input)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let variants: Vec<(&str, Vec<u8>)> = vec![
            ("gzip", gzip(&data)),
            ("multi-member gzip", gzip_members(&data, &cuts)),
            ("zstd", zstd(&data)),
            ("multi-frame zstd", zstd_frames(&data, &cuts)),
        ];
        for (what, bytes) in variants {
            // A misleading extension: compression is recognised by content.
            let p = write_temp(tmp.path(), &format!("{what}/{name}.txt"), &bytes);
            let got = long_csv(&[p.as_os_str()]);
            assert_same(&format!("{input}: plain vs {what}"), &want, &got);
            let got = long_csv_stdin::<&str>(&[], bytes);
            assert_same(&format!("{input}: plain vs {what} on stdin"), &want, &got);
        }
        let got = long_csv_stdin::<&str>(&[], data);
        assert_same(&format!("{input}: file vs stdin"), &want, &got);
    }
}

/// Raw JSON lines carry no receive time, so any order of the lines is the same capture.
#[test]
fn shuffled_raw_lines_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<String> = RAW_FIXTURES.iter().map(|f| fixture(f)).collect();
    files.push("testdata/sample.jsonl".into());
    for input in files {
        let data = read(&input);
        let want = long_csv(&[&input]);
        for seed in [1u64, 2, 3] {
            let mut lines = lines_of(&data);
            Rng::new(seed).shuffle(&mut lines);
            let p = write_temp(tmp.path(), "shuffled.jsonl", &join_lines(&lines));
            let got = long_csv(&[p.as_os_str()]);
            assert_same(&format!("{input} shuffled (seed {seed})"), &want, &got);
        }
    }
}

/// cryptofeed recordings: the connection line fixes the recording's start, so the received
/// lines after it may come in any order (blank lines, which would be disconnects, dropped).
#[test]
fn shuffled_cryptofeed_lines_after_the_header_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "futures_x.ws",
        "pre_capture.ws",
        "envelope_cryptofeed.ws",
        "venue_us.ws",
    ] {
        let input = fixture(name);
        let data = read(&input);
        let want = long_csv(&[&input]);
        let all = lines_of(&data);
        assert!(all[0].starts_with(b"wss://") && all[0].windows(5).any(|w| w == b" <-> "));
        for seed in [11u64, 12, 13] {
            let mut body: Vec<&[u8]> = all[1..].iter().copied().filter(|l| !l.is_empty()).collect();
            Rng::new(seed).shuffle(&mut body);
            let mut lines = vec![all[0]];
            lines.extend(body);
            let p = write_temp(tmp.path(), name, &join_lines(&lines));
            let got = long_csv(&[p.as_os_str()]);
            assert_same(&format!("{input} body shuffled (seed {seed})"), &want, &got);
        }
    }
}

/// Every line twice: adjacent copies, and the whole file twice in a row.
#[test]
fn every_line_twice_gives_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    for input in inputs() {
        let data = read(&input);
        let want = long_csv(&[&input]);
        let mut twice = Vec::new();
        for l in lines_of(&data) {
            twice.push(l);
            twice.push(l);
        }
        let p = write_temp(tmp.path(), "adjacent", &join_lines(&twice));
        assert_same(
            &format!("{input} every line twice"),
            &want,
            &long_csv(&[p.as_os_str()]),
        );

        let mut doubled = data.clone();
        if !doubled.ends_with(b"\n") {
            doubled.push(b'\n');
        }
        doubled.extend_from_slice(&data);
        let p = write_temp(tmp.path(), "doubled", &doubled);
        assert_same(
            &format!("{input} file content twice"),
            &want,
            &long_csv(&[p.as_os_str()]),
        );
    }
}

/// The same file given twice as two inputs: the second one's trades are all duplicates.
#[test]
fn same_file_twice_as_two_inputs_gives_identical_bytes() {
    for input in inputs() {
        let want = long_csv(&[&input]);
        let got = long_csv(&[&input, &input]);
        assert_same(&format!("{input} given twice"), &want, &got);
        // Also a compressed copy next to the plain one.
        let tmp = tempfile::tempdir().unwrap();
        let gz = write_temp(tmp.path(), "copy.gz", &gzip(&read(&input)));
        let got = long_csv(&[OsString::from(&input), gz.into_os_string()]);
        assert_same(&format!("{input} plain + gzip copy"), &want, &got);
    }
}

#[test]
fn same_file_twice_counts_the_second_as_duplicates() {
    let f = fixture("multi_symbol.jsonl");
    let out = aggregate(&["-o", "-", &f, &f]);
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{f}: 8 messages, 8 trades, 0 duplicates")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{f}: 8 messages, 0 trades, 8 duplicates")),
        "{err}"
    );
}

/// A directory (walked recursively, sorted, hidden entries skipped) gives the bars of its
/// files listed on the command line.
#[test]
fn directory_equals_its_files_listed() {
    let listed = long_csv(&all_fixtures());
    let dir = long_csv(&["testdata/binance"]);
    assert_same("testdata/binance vs its files", &listed, &dir);

    // Nested copy with a hidden file that would change the bars if it were read.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("captures");
    for (i, f) in all_fixtures().iter().enumerate() {
        let name = Path::new(f)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let sub = if i % 2 == 0 { "a" } else { "b/c" };
        write_temp(&d, &format!("{sub}/{name}"), &read(f));
    }
    let hidden = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600001,"s":"BTCUSDT","t":1,"p":"1.00000000","q":"1.00000000","T":1718841600000,"m":false,"M":true}}"#;
    write_temp(&d, ".hidden.jsonl", format!("{hidden}\n").as_bytes());
    write_temp(&d, ".git/x.jsonl", format!("{hidden}\n").as_bytes());
    let got = long_csv(&[d.as_os_str()]);
    assert_same("nested directory vs files", &listed, &got);
}

/// CRLF line endings and a missing final newline change nothing.
#[test]
fn crlf_line_endings_and_a_missing_final_newline_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    for input in inputs() {
        let data = read(&input);
        let want = long_csv(&[&input]);
        let lines = lines_of(&data);
        let mut crlf = Vec::new();
        for l in &lines {
            crlf.extend_from_slice(l);
            crlf.extend_from_slice(b"\r\n");
        }
        let p = write_temp(tmp.path(), "crlf", &crlf);
        assert_same(
            &format!("{input} with CRLF"),
            &want,
            &long_csv(&[p.as_os_str()]),
        );
        let gz = write_temp(tmp.path(), "crlf.gz", &gzip(&crlf));
        assert_same(
            &format!("{input} with CRLF, gzip"),
            &want,
            &long_csv(&[gz.as_os_str()]),
        );

        let mut trimmed = data.clone();
        while trimmed.last() == Some(&b'\n') {
            trimmed.pop();
        }
        let p = write_temp(tmp.path(), "no-final-newline", &trimmed);
        assert_same(
            &format!("{input} without final newline"),
            &want,
            &long_csv(&[p.as_os_str()]),
        );
        let z = write_temp(tmp.path(), "no-final-newline.zst", &zstd(&trimmed));
        assert_same(
            &format!("{input} without final newline, zstd"),
            &want,
            &long_csv(&[z.as_os_str()]),
        );
    }
}

/// Format an epoch time in ns as tardis.dev's local timestamp (7 fraction digits, Z).
fn tardis_time(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000) / 100;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[test]
fn tardis_time_format() {
    assert_eq!(
        tardis_time(1_718_841_601_006_234_500),
        "2024-06-20T00:00:01.0062345Z"
    );
    assert_eq!(
        tardis_time(1_561_939_200_123_456_700),
        "2019-07-01T00:00:00.1234567Z"
    );
}

/// A long tardis.dev capture (several chunks) with disconnects: after each one, the
/// recorder replays an 8 s old trade (pre-capture, skipped) and a 3 s old one (a duplicate
/// of a live trade). The bars are those of the same trades as raw JSON lines, on any
/// thread count — so the connection state (recording start) is carried across chunks.
#[test]
fn tardis_capture_with_disconnects_across_chunks_equals_the_raw_capture() {
    let sample = read("testdata/sample.jsonl");
    let mut raw = Vec::new();
    for k in 0..12i64 {
        for line in lines_of(&sample) {
            let mut v: serde_json::Value = serde_json::from_slice(line).unwrap();
            let d = v.get_mut("data").unwrap();
            let shift =
                |x: &serde_json::Value, by: i64| serde_json::json!(x.as_i64().unwrap() + by);
            d["T"] = shift(&d["T"], k * 30_000);
            d["E"] = shift(&d["E"], k * 30_000);
            d["t"] = shift(&d["t"], k * 1_000_000);
            raw.push(serde_json::to_string(&v).unwrap());
        }
    }
    let mut tardis = String::new();
    let mut recv: i64 = 0;
    let mut history: Vec<(i64, &str)> = Vec::new();
    let mut stale = 0;
    for (i, line) in raw.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = v["data"]["T"].as_i64().unwrap();
        recv = recv.max(t * 1_000_000 + 5_123_400);
        if i > 0 && i % 997 == 0 {
            tardis.push('\n'); // disconnect
            tardis.push_str(&format!("{} {line}\n", tardis_time(recv)));
            // Replays, received right after the reconnect.
            for (age_ms, expect_skip) in [(8_000i64, true), (3_000, false)] {
                let target = t - age_ms;
                if let Some(&(_, old)) = history.iter().rev().find(|(ht, _)| *ht <= target) {
                    tardis.push_str(&format!("{} {old}\n", tardis_time(recv + 1_000)));
                    stale += usize::from(expect_skip);
                }
            }
        } else {
            tardis.push_str(&format!("{} {line}\n", tardis_time(recv)));
        }
        history.push((t, line.as_str()));
    }
    assert!(stale >= 10, "replays injected: {stale}");
    assert!(
        tardis.len() > 3 << 20,
        "several chunks: {} bytes",
        tardis.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let raw_path = write_temp(tmp.path(), "raw.jsonl", (raw.join("\n") + "\n").as_bytes());
    let td_path = write_temp(tmp.path(), "tardis.txt", tardis.as_bytes());
    let want = long_csv(&[raw_path.as_os_str()]);
    for j in ["1", "2"] {
        let got = long_csv(&with_path(&["-j", j], &td_path));
        assert_same(&format!("tardis with disconnects, -j {j}"), &want, &got);
    }
    let zst = write_temp(
        tmp.path(),
        "tardis.zst",
        &zstd_frames(tardis.as_bytes(), &[tardis.len() / 2]),
    );
    assert_same(
        "tardis with disconnects, zstd",
        &want,
        &long_csv(&[zst.as_os_str()]),
    );
    // With --keep-pre-capture the 8 s old replays are kept, but they are copies of earlier
    // live trades whose buckets are still open: duplicates, so the bars stay the same.
    let keep = long_csv(&with_path(&["--keep-pre-capture"], &td_path));
    assert_same("tardis with disconnects, --keep-pre-capture", &want, &keep);
    let out = aggregate(&with_path(&["-o", "-"], &td_path));
    assert!(
        text(&out.stderr).contains("pre-capture"),
        "{}",
        text(&out.stderr)
    );
}

/// The whole fixture folder given twice (and three times, mixed with compressed copies):
/// inputs whose clocks lie years apart (2021 and 2024), each one's trades all duplicates of
/// an earlier input's. The bars are those of the folder once.
#[test]
fn the_whole_folder_twice_gives_identical_bytes() {
    let want = read_golden("all_binance");
    let got = long_csv(&["testdata/binance", "testdata/binance"]);
    assert_same("testdata/binance twice", &want, &got);

    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<OsString> = vec!["testdata/binance".into()];
    for f in all_fixtures() {
        let name = Path::new(&f)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        args.push(write_temp(tmp.path(), &format!("{name}.gz"), &gzip(&read(&f))).into_os_string());
        args.push(f.into());
    }
    for j in ["1", "2"] {
        let mut a = os(&["-j", j]);
        a.extend(args.iter().cloned());
        assert_same(
            &format!("testdata/binance three times, -j {j}"),
            &want,
            &long_csv(&a),
        );
    }
}

/// Replayed copies across chunks: a capture of distinct trades (the sample shifted, as
/// above, about 3.5 MB) with copies of 3 % of its lines inserted up to 4,000 lines later,
/// so most land in a later chunk than their original. Most copies are byte-identical or
/// have another size (the merge drops them without reading the chunk again); some carry a
/// price far above or below the rest, so the copy is its chunk bucket's high or low and the merge must read
/// the bucket's lines again. Either way the first line of an id wins: the bars equal those
/// of the capture without the copies, every copy is a duplicate, and `stats` agrees too.
#[test]
fn replayed_copies_across_chunks_leave_the_bars_of_the_capture_without_them() {
    let clean = shifted_sample(12);
    // Copies, each to be inserted before line `at` of the clean capture.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        seed >> 33
    };
    let mut copies: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut extremes = 0;
    for (i, line) in clean.iter().enumerate() {
        if next() % 100 >= 3 {
            continue;
        }
        let at = (i + 1 + (next() % 4000) as usize).min(clean.len());
        let copy = match next() % 5 {
            0 | 1 => {
                extremes += 1;
                let mut v: serde_json::Value = serde_json::from_slice(line).unwrap();
                let p = if next() % 2 == 0 {
                    "99999999.5"
                } else {
                    "0.00000001"
                };
                v["data"]["p"] = serde_json::json!(p);
                serde_json::to_string(&v).unwrap().into_bytes()
            }
            2 => {
                // Another size: not an extreme, so the merge drops it as it stands, less
                // its own size (not its original's).
                let mut v: serde_json::Value = serde_json::from_slice(line).unwrap();
                v["data"]["q"] = serde_json::json!("7.25");
                serde_json::to_string(&v).unwrap().into_bytes()
            }
            _ => line.clone(),
        };
        copies.push((at, copy));
    }
    copies.sort_by_key(|(at, _)| *at);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    let mut c = 0;
    for (i, line) in clean.iter().enumerate() {
        while c < copies.len() && copies[c].0 == i {
            with.extend_from_slice(&copies[c].1);
            with.push(b'\n');
            c += 1;
        }
        for out in [&mut with, &mut without] {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    for (_, copy) in &copies[c..] {
        with.extend_from_slice(copy);
        with.push(b'\n');
    }
    assert!(with.len() > 3 << 20, "several chunks");
    assert!(
        copies.len() > 500 && extremes > 100,
        "{} copies",
        copies.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let with = write_temp(tmp.path(), "with.jsonl", &with);
    let without = write_temp(tmp.path(), "without.jsonl", &without);
    let want = long_csv(&with_path(&["-j", "2"], &without));
    for j in ["1", "2"] {
        let got = long_csv(&with_path(&["-j", j], &with));
        assert_same(&format!("replayed copies, -j {j}"), &want, &got);
    }
    let stats = |p: &Path| -> serde_json::Value {
        let out = tapebar()
            .args(["stats", "--format", "json"])
            .arg(p)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (a, b) = (
        stats(&with)["total"].clone(),
        stats(&without)["total"].clone(),
    );
    for key in [
        "trades",
        "signature_collisions",
        "zero_interval_trades",
        "zero_range_intervals",
        "zero_volume_intervals",
    ] {
        assert_eq!(a[key], b[key], "stats {key}");
    }
    assert_eq!(
        a["duplicates"].as_u64().unwrap() - b["duplicates"].as_u64().unwrap(),
        copies.len() as u64,
        "every copy is a duplicate"
    );
}
