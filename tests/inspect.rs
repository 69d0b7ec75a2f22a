//! `tapebar inspect` on a capture built here, whose content is known by construction:
//! a cryptofeed recording of a Binance futures connection with trades of two symbols,
//! depth updates, one malformed line and one message of no known kind; plain and gzip.

mod common;

use std::io::Write;

use common::*;
use serde_json::Value;

const URL: &str = "wss://fstream.binance.com/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade";

fn capture() -> String {
    let mut s = format!("{URL} <-> 1718841600.000\n");
    let agg = |sym: &str, id: u64, t: i64| {
        format!(
            "{{\"stream\":\"x\",\"data\":{{\"e\":\"aggTrade\",\"E\":{t},\"s\":\"{sym}\",\"a\":{id},\"p\":\"1.5\",\"q\":\"2\",\"f\":1,\"l\":1,\"T\":{t},\"m\":true}}}}"
        )
    };
    // 3 BTCUSDT trades, 2 ETHUSDT trades, 4 depth updates, 1 malformed line, 1 unknown.
    let lines = [
        format!("1718841600.100: {}", agg("BTCUSDT", 1, 1718841600050)),
        "1718841600.200: {\"stream\":\"x\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}".to_string(),
        format!("1718841601.000: {}", agg("ETHUSDT", 7, 1718841600990)),
        "1718841601.500: {\"stream\":\"x\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"ETHUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}".to_string(),
        "1718841602.000: {not json".to_string(),
        format!("1718841603.000: {}", agg("BTCUSDT", 2, 1718841602900)),
        "1718841603.100: {\"stream\":\"x\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}".to_string(),
        "1718841603.200: {\"hello\":\"world\"}".to_string(),
        format!("1718841604.000: {}", agg("BTCUSDT", 2, 1718841602900)),
        format!("1718841605.000: {}", agg("ETHUSDT", 8, 1718841604000)),
        "1718841605.250: {\"stream\":\"x\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"ETHUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}".to_string(),
    ];
    for l in lines {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

fn inspect_json(path: &str) -> Value {
    let out = tapebar()
        .args(["inspect", "--format", "json", path])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check(i: &Value, compression: &str) {
    assert_eq!(i["compression"], compression);
    assert_eq!(i["lines"], 12);
    assert_eq!(i["messages"], 11);
    assert_eq!(i["recorder_lines"], 1);
    assert_eq!(i["envelopes"]["cryptofeed recording"], 11);
    // 5 trade messages, 4 depth updates, and the unknown message, which a connection to
    // a Binance URL makes a Binance message without trades (docs/bars.md).
    assert_eq!(i["venues"]["binance-futures"], 10);
    assert_eq!(i["trades"], 5);
    let syms = i["symbols"].as_array().unwrap();
    assert_eq!(syms.len(), 2);
    assert_eq!(syms[0]["symbol"], "BTCUSDT");
    assert_eq!(syms[0]["venue"], "binance-futures");
    assert_eq!(
        syms[0]["trades"], 3,
        "copies are counted: inspect does not deduplicate"
    );
    assert_eq!(syms[1]["symbol"], "ETHUSDT");
    assert_eq!(syms[1]["trades"], 2);
    let kinds: Vec<(String, u64)> = i["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kind"].as_str().unwrap().to_string(),
                k["messages"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("aggTrade".to_string(), 5),
            ("depthUpdate".to_string(), 4),
            ("event".to_string(), 1)
        ]
    );
    assert_eq!(i["unrecognised"], 0);
    assert_eq!(i["malformed"], 1);
    assert_eq!(i["malformed_reasons"][0]["first_line"], 6);
    assert_eq!(i["first_receive"], "2024-06-20T00:00:00.000Z");
    assert_eq!(i["last_receive"], "2024-06-20T00:00:05.250Z");
    assert_eq!(i["first_trade"], "2024-06-20T00:00:00.050Z");
    assert_eq!(i["last_trade"], "2024-06-20T00:00:04.000Z");
}

#[test]
fn inspect_reports_what_the_capture_holds() {
    let text = capture();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("cap.txt");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("cap.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();

    let j = inspect_json(plain.to_str().unwrap());
    check(&j["inputs"][0], "none");
    let j = inspect_json(gz.to_str().unwrap());
    check(&j["inputs"][0], "gzip");

    let out = tapebar()
        .args(["inspect", plain.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("compression    none"), "{table}");
    assert!(table.contains("binance-futures BTCUSDT"), "{table}");
    assert!(table.contains("malformed      1"), "{table}");

    let out = tapebar()
        .args(["inspect", "no/such/file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
