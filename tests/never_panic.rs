//! Decoders never panic, and every reader agrees with the serde_json reference, on hostile
//! messages: arbitrary bytes; real messages of every venue (the test captures, and the real
//! recordings when `../shared` is there) with any one value replaced by a hostile one
//! (`1e400`, `-5`, `"NaN"`, 40-digit numbers, empty strings, timestamps 0, negative and in
//! the year 3000, ids past 64 bits, wrong types, symbols with `/`, `..`, control
//! characters, 10 KB long); and such messages cut or edited byte by byte.
//!
//! The checks are in `tests/common/agree.rs`, shared with the fuzz targets (`fuzz/`).

#[path = "common/agree.rs"]
mod agree;
mod common;

use std::sync::OnceLock;

use agree::{check_chunk, check_each_venue, check_message, url_of, URLS};
use proptest::prelude::*;
use serde_json::Value;
use tapebar::capture::envelope::{self, Line};

/// Values that break decoders that trust their input, as JSON text.
const HOSTILE: &[&str] = &[
    "null",
    "true",
    "[]",
    "{}",
    "[1,2]",
    r#""""#,
    "0",
    r#""0""#,
    "-5",
    r#""-5""#,
    "-0",
    "1e400",
    r#""1e400""#,
    "8169965e3553",
    "1E3",
    "1e+3",
    "1e-3",
    "1.0",
    "0.1e-5",
    r#""0.1e-5""#,
    r#""NaN""#,
    r#""Infinity""#,
    "1234567890123456789012345678901234567890",
    r#""1234567890123456789012345678901234567890""#,
    r#""0.0000000000000000000000000000000000000001""#,
    "18446744073709551616",
    r#""18446744073709551616""#,
    "-1718841600121",
    "32503680000000",
    "32503680000000000",
    r#""3000-01-01T00:00:00.000Z""#,
    r#""1969-12-31T23:59:59Z""#,
    "9223372036854775807",
    r#""1.""#,
    r#""5e""#,
    r#"" 1""#,
    r#""a/b""#,
    r#""..""#,
    r#""..\\..\\x""#,
    r#""\u0000\u0001\n""#,
    r#""é€😀""#,
    r#""\ud83d\ude00""#,
];

type Lines = Vec<(Option<String>, Vec<u8>)>;

/// Capture lines of the repository's test captures and, when present, of the real
/// recordings (their first 100 lines each), with the connection URL each is under.
fn capture_lines() -> &'static Lines {
    static LINES: OnceLock<Lines> = OnceLock::new();
    LINES.get_or_init(|| {
        let mut files = repo_files();
        match std::fs::read_dir(common::captures_dir()) {
            Ok(rd) => files.extend(rd.map(|e| e.unwrap().path())),
            Err(_) => println!("skipped: real recordings (../shared/captures) not found"),
        }
        lines_of(&files)
    })
}

fn repo_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in ["testdata/venues", "testdata/binance"] {
        for e in std::fs::read_dir(common::root().join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    files
}

fn lines_of(files: &[std::path::PathBuf]) -> Lines {
    let mut out = Vec::new();
    for f in files {
        let data = std::fs::read(f).unwrap();
        let mut url: Option<String> = None;
        for line in data.split(|&b| b == b'\n').take(100) {
            if let Ok(Line::Connect { url: u, .. }) = envelope::parse_line(line) {
                url = Some(u.to_string());
            }
            out.push((url.clone(), line.to_vec()));
        }
    }
    out
}

/// The received messages of all capture lines.
fn messages() -> &'static Lines {
    static MESSAGES: OnceLock<Lines> = OnceLock::new();
    MESSAGES.get_or_init(|| messages_of(capture_lines()))
}

/// The received messages of the repository's test captures.
fn repo_messages() -> &'static Lines {
    static MESSAGES: OnceLock<Lines> = OnceLock::new();
    MESSAGES.get_or_init(|| messages_of(&lines_of(&repo_files())))
}

/// The received messages of capture lines (binary frames read), with their connection.
fn messages_of(lines: &Lines) -> Lines {
    let mut out = Vec::new();
    for (url, line) in lines {
        let Ok(Line::Message { payload, .. }) = envelope::parse_line(line) else {
            continue;
        };
        let mut frame = Vec::new();
        let msg = if envelope::is_binary_frame(payload) {
            if envelope::read_binary_frame(payload, &mut frame).is_err() {
                continue;
            }
            frame
        } else {
            payload.to_vec()
        };
        if msg.len() < 16 << 10 {
            out.push((url.clone(), msg));
        }
    }
    assert!(out.len() > 200, "only {} messages", out.len());
    out
}

/// Every leaf of a JSON value, as a path of object keys and array indices.
fn leaf_paths(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(Step::Key(k.clone()));
                leaf_paths(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Step::Index(i));
                leaf_paths(x, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at_mut<'v>(v: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => v.get_mut(k.as_str()).unwrap(),
        Step::Index(i) => v.get_mut(*i).unwrap(),
    })
}

/// `msg` with the leaf at `path` replaced by `hostile` (JSON text).
/// The hostile text goes in as written: serde_json would respell it (`1e3` as `1e+3`).
fn substitute(msg: &Value, path: &[Step], hostile: &str) -> Vec<u8> {
    const MARK: &str = "\u{1}HOSTILE\u{1}";
    let mut v = msg.clone();
    *at_mut(&mut v, path) = Value::String(MARK.into());
    let text = serde_json::to_string(&v).unwrap();
    let quoted = serde_json::to_string(MARK).unwrap();
    assert_eq!(text.matches(&quoted).count(), 1);
    text.replacen(&quoted, hostile, 1).into_bytes()
}

/// Each message of the test captures (every venue) with each of its first 24 leaves
/// replaced by each hostile value, read every way through `venue::decode`.
#[test]
fn every_leaf_of_every_test_message_replaced_by_hostile_values() {
    let mut checked = 0u64;
    for (url, msg) in repo_messages() {
        let Ok(v) = serde_json::from_slice::<Value>(msg) else {
            continue;
        };
        let mut paths = Vec::new();
        leaf_paths(&v, &mut Vec::new(), &mut paths);
        for path in paths.iter().take(24) {
            for h in HOSTILE {
                let line = substitute(&v, path, h);
                check_message(&line, url.as_deref());
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "only {checked} messages checked");
}

/// The hostile values themselves, and a 10 KB symbol, in a Binance trade: every reader
/// agrees, and the chunk path (which adds the flat fast path and the bars) holds up.
#[test]
fn hostile_values_in_every_field_of_a_binance_trade() {
    let base: Value = serde_json::from_str(
        r#"{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":true}"#,
    )
    .unwrap();
    let long = format!("\"{}\"", "S".repeat(10_000));
    for key in ["e", "E", "s", "t", "p", "q", "T", "m", "M"] {
        for h in HOSTILE.iter().copied().chain([long.as_str()]) {
            let line = substitute(&base, &[Step::Key(key.into())], h);
            for url in URLS {
                check_message(&line, url);
            }
            check_chunk(&line);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary bytes: as a message for every reader and every venue's decoder, and as a
    /// chunk of a capture.
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300), u in any::<u8>()) {
        check_message(&bytes, url_of(u));
        check_each_venue(&bytes, url_of(u));
        check_chunk(&bytes);
    }

    /// Real messages with one leaf replaced, decoded by every venue's decoder on its own
    /// (not only the venue that would claim them).
    #[test]
    fn each_venue_decoder_on_hostile_real_messages(
        m in any::<prop::sample::Index>(),
        leaf in any::<prop::sample::Index>(),
        h in any::<prop::sample::Index>(),
        u in any::<u8>(),
    ) {
        let (_, msg) = m.get(messages());
        if let Ok(v) = serde_json::from_slice::<Value>(msg) {
            let mut paths = Vec::new();
            leaf_paths(&v, &mut Vec::new(), &mut paths);
            if !paths.is_empty() {
                let line = substitute(&v, &leaf.get(&paths)[..], HOSTILE[h.index(HOSTILE.len())]);
                check_each_venue(&line, url_of(u));
            }
        }
    }

    /// Real messages cut short or edited byte by byte (the damage a dropped connection or
    /// a bad disk does): every reader agrees with serde_json, every decoder holds up.
    #[test]
    fn real_messages_cut_and_edited(
        m in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        u in any::<u8>(),
    ) {
        let (url, msg) = m.get(messages());
        let mut line = msg[..cut.index(msg.len() + 1)].to_vec();
        for (pos, b) in edits {
            if !line.is_empty() {
                let i = pos.index(line.len());
                line[i] = b;
            }
        }
        check_message(&line, url.as_deref());
        check_message(&line, url_of(u));
        check_each_venue(&line, url_of(u));
    }

    /// Real messages with one of their keys repeated (with another value, before or after
    /// the original): every reader agrees with serde_json's reading, which keeps the last.
    #[test]
    fn real_messages_with_a_repeated_key(
        m in any::<prop::sample::Index>(),
        which in any::<prop::sample::Index>(),
        h in any::<prop::sample::Index>(),
        before in any::<bool>(),
        u in any::<u8>(),
    ) {
        let (url, msg) = m.get(messages());
        let text = String::from_utf8_lossy(msg);
        if let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(&text) {
            if !obj.is_empty() {
                let key = obj.keys().nth(which.index(obj.len())).unwrap().clone();
                let extra = format!("{}:{}", Value::String(key), HOSTILE[h.index(HOSTILE.len())]);
                let body = text.trim().strip_prefix('{').unwrap();
                let line = if before {
                    format!("{{{extra},{body}")
                } else {
                    let body = body.strip_suffix('}').unwrap();
                    format!("{{{body},{extra}}}")
                };
                check_message(line.as_bytes(), url.as_deref());
                check_each_venue(line.as_bytes(), url_of(u));
            }
        }
    }

    /// Runs of real capture lines (recorder envelopes, connection headers, binary frames)
    /// with some lines cut, dropped or garbled, as one chunk.
    #[test]
    fn damaged_capture_chunks(
        start in any::<prop::sample::Index>(),
        n in 1usize..40,
        damage in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 0..4),
    ) {
        let lines = capture_lines();
        let s = start.index(lines.len());
        let mut chunk: Vec<u8> = Vec::new();
        for (_, l) in &lines[s..(s + n).min(lines.len())] {
            chunk.extend_from_slice(l);
            chunk.push(b'\n');
        }
        for (pos, kind, b) in damage {
            if chunk.is_empty() {
                break;
            }
            let i = pos.index(chunk.len());
            match kind {
                0 => chunk[i] = b,
                1 => chunk.truncate(i),
                _ => {
                    chunk.remove(i);
                }
            }
        }
        check_chunk(&chunk);
    }
}

/// Inputs the fuzz targets once failed on (testdata/hostile/fuzz/TARGET/*), replayed through
/// the same checks as the target.
#[test]
fn fuzz_findings_replay() {
    let dir = common::root().join("testdata/hostile/fuzz");
    let Ok(targets) = std::fs::read_dir(&dir) else {
        println!("no fuzz findings in {}", dir.display());
        return;
    };
    for t in targets {
        let t = t.unwrap();
        let target = t.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(t.path()).unwrap() {
            let data = std::fs::read(f.unwrap().path()).unwrap();
            let (url, msg) = match data.split_first() {
                Some((&b, rest)) => (url_of(b), rest),
                None => (None, &data[..]),
            };
            match target.as_str() {
                "envelope" => check_chunk(&data),
                "differential" => check_message(msg, url),
                v => agree::check_venue(v.strip_prefix("venue_").unwrap(), msg, url),
            }
        }
    }
}
