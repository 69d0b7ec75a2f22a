//! Huobi: gzip binary frames in cryptofeed bytes literals, checked on the real recordings
//! against an independent reading of the file (its own bytes-literal parser, flate2,
//! serde_json, exact decimals as scaled integers).

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::path::PathBuf;

use assert_cmd::Command;

fn recording(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/captures/cryptofeed"
    ))
    .join(name);
    if p.exists() {
        Some(p)
    } else {
        println!("skipped: {} not found", p.display());
        None
    }
}

/// Python's repr of bytes, read back.
fn unrepr(lit: &str) -> Vec<u8> {
    let b = lit.as_bytes();
    assert!(b[0] == b'b' && (b[1] == b'\'' || b[1] == b'"'));
    let body = &b[2..b.len() - 1];
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            let e = body[i + 1];
            i += 2;
            out.push(match e {
                b'x' => {
                    let v = u8::from_str_radix(std::str::from_utf8(&body[i..i + 2]).unwrap(), 16)
                        .unwrap();
                    i += 2;
                    v
                }
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                other => other,
            });
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// A decimal's text (with an optional exponent) as (mantissa, scale), exactly.
fn dec(text: &str) -> (i128, u32) {
    let (m, e) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap()),
        None => (text, 0),
    };
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    let mant: i128 = format!("{int}{frac}").parse().unwrap();
    let scale = frac.len() as i32 - e;
    if scale >= 0 {
        (mant, scale as u32)
    } else {
        (mant * 10i128.pow((-scale) as u32), 0)
    }
}

fn at_scale((m, s): (i128, u32), scale: u32) -> i128 {
    m * 10i128.pow(scale - s)
}

fn plain(v: i128, scale: u32) -> String {
    let s = format!("{:0>width$}", v, width = scale as usize + 1);
    let (i, f) = s.split_at(s.len() - scale as usize);
    let f = f.trim_end_matches('0');
    if f.is_empty() {
        i.to_string()
    } else {
        format!("{i}.{f}")
    }
}

struct Live {
    symbol: String,
    ts: i64,
    id: u128,
    price: String,
    amount: String,
}

/// The live trades of a recording: not older than its start by more than 5 s, deduplicated.
fn live_trades(path: &PathBuf) -> Vec<Live> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut start_ms = 0i64;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some((_, ts)) = line.split_once(" <-> ") {
            start_ms = (ts.parse::<f64>().unwrap() * 1000.0) as i64;
            continue;
        }
        let Some((_, payload)) = line.split_once(": ") else {
            continue;
        };
        if !payload.starts_with("b'") && !payload.starts_with("b\"") {
            continue;
        }
        let mut raw = unrepr(payload);
        if raw.starts_with(&[0x1f, 0x8b]) {
            let mut s = Vec::new();
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut s)
                .unwrap();
            raw = s;
        }
        let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        let Some(ch) = v["ch"].as_str() else { continue };
        let Some(sym) = ch
            .strip_prefix("market.")
            .and_then(|c| c.strip_suffix(".trade.detail"))
        else {
            continue;
        };
        for row in v["tick"]["data"].as_array().unwrap() {
            let ts = row["ts"].as_i64().unwrap();
            // The recorder's start is known to the microsecond; 5 s of slack either way of a ms.
            if ts < start_ms - 5000 {
                continue;
            }
            let id: u128 = row
                .get("tradeId")
                .unwrap_or(&row["id"])
                .to_string()
                .parse()
                .unwrap();
            if !seen.insert((sym.to_string(), id)) {
                continue;
            }
            out.push(Live {
                symbol: sym.to_string(),
                ts,
                id,
                price: row["price"].to_string(),
                amount: row["amount"].to_string(),
            });
        }
    }
    out
}

fn tapebar_rows(path: &PathBuf) -> Vec<Vec<String>> {
    let out = Command::cargo_bin("tapebar")
        .unwrap()
        .args(["aggregate", "-o", "-", "-q"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn check_recording(name: &str, venue: &str) {
    let Some(path) = recording(name) else { return };
    let trades = live_trades(&path);
    assert!(!trades.is_empty());
    let rows = tapebar_rows(&path);
    // Trades per symbol.
    let mut want: BTreeMap<&str, u64> = BTreeMap::new();
    for t in &trades {
        *want.entry(&t.symbol).or_default() += 1;
    }
    let mut got: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r[0], venue);
        *got.entry(&r[1]).or_default() += r[8].parse::<u64>().unwrap();
    }
    assert_eq!(got, want, "{name}: trades per symbol");
    // Every traded bar, value by value.
    let mut bars: BTreeMap<(String, i64), Vec<&Live>> = BTreeMap::new();
    for t in &trades {
        bars.entry((t.symbol.clone(), t.ts / 10_000 * 10_000))
            .or_default()
            .push(t);
    }
    const S: u32 = 30;
    for ((sym, ts), mut ts_trades) in bars {
        ts_trades.sort_by_key(|t| (t.ts, t.id));
        let row = rows
            .iter()
            .find(|r| r[1] == sym && r[2] == ts.to_string())
            .unwrap_or_else(|| panic!("{name}: no row for {sym} {ts}"));
        let prices: Vec<i128> = ts_trades
            .iter()
            .map(|t| at_scale(dec(&t.price), S))
            .collect();
        let volume: i128 = ts_trades.iter().map(|t| at_scale(dec(&t.amount), S)).sum();
        let expect = [
            plain(prices[0], S),
            plain(*prices.iter().max().unwrap(), S),
            plain(*prices.iter().min().unwrap(), S),
            plain(*prices.last().unwrap(), S),
            plain(volume, S),
            ts_trades.len().to_string(),
        ];
        assert_eq!(&row[3..9], &expect[..], "{name}: {sym} {ts}");
    }
}

#[test]
fn real_recording_huobi_spot() {
    check_recording("HUOBI.ws.44.0", "huobi");
}

#[test]
fn real_recording_huobi_swap() {
    check_recording("HUOBI_SWAP.ws.1.0", "huobi-swap");
}

/// A gzip frame written the way cryptofeed writes binary frames.
fn frame(json: &str) -> String {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(json.as_bytes()).unwrap();
    let mut s = String::from("b'");
    for b in enc.finish().unwrap() {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('\'');
    s
}

#[test]
fn gzip_frames_in_a_recording_become_bars() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("HUOBI.ws.1.0");
    let lines = [
        "wss://api.huobi.pro/ws <-> 1618678000.5".to_string(),
        format!(
            "1618678001.0: {}",
            frame(
                r#"{"id":1,"status":"ok","subbed":"market.btcusdt.trade.detail","ts":1618678001000}"#
            )
        ),
        format!(
            "1618678002.0: {}",
            frame(
                r#"{"ch":"market.btcusdt.trade.detail","ts":1618678002000,"tick":{"id":1,"ts":1618678002000,"data":[{"id":9,"ts":1618678001500,"tradeId":101,"amount":0.5,"price":9.2E-1,"direction":"sell"},{"id":8,"ts":1618678001500,"tradeId":100,"amount":2,"price":0.91,"direction":"buy"}]}}"#
            )
        ),
        format!(
            "1618678003.0: {}",
            frame(
                r#"{"ch":"market.btcusdt.trade.detail","ts":1618678003000,"tick":{"id":2,"ts":1618678003000,"data":[{"id":9,"ts":1618678001500,"tradeId":101,"amount":0.5,"price":0.92,"direction":"sell"}]}}"#
            )
        ),
        "1618678004.0: b'not gzip and not json'".to_string(),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = Command::cargo_bin("tapebar")
        .unwrap()
        .args(["aggregate", "-o", "-"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n\
         huobi,btcusdt,1618678000000,0.91,0.92,0.91,0.92,2.5,2,2.28,2\n"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("2 trades, 1 duplicates"), "{err}");
    assert!(err.contains("1 malformed"), "{err}");
}
