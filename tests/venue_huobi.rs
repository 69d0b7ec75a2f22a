//! Huobi: gzip binary frames in cryptofeed bytes literals, checked on the real recordings
//! against an independent reading of the file (its own bytes-literal parser, flate2,
//! serde_json, exact decimals as scaled integers).

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::PathBuf;

use assert_cmd::Command;

#[path = "common/frames.rs"]
mod frames;
use frames::*;

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

#[test]
fn real_recording_huobi_spot() {
    check_recording("HUOBI.ws.44.0", "huobi", live_trades);
}

#[test]
fn real_recording_huobi_swap() {
    check_recording("HUOBI_SWAP.ws.1.0", "huobi-swap", live_trades);
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
