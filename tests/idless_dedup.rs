//! Venues without trade ids (Kraken v1 here): two identical trades in one recording are two
//! trades; across recordings, an identical (time, price, size, side) counts as many times as
//! the recording that holds it most often.

use std::path::Path;

use assert_cmd::Command;

fn aggregate(files: &[&Path]) -> (String, String) {
    let out = Command::cargo_bin("tapebar")
        .unwrap()
        .args(["aggregate", "-o", "-"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A Kraken v1 recording holding these trade rows (price, volume, time, side), one message each.
fn recording(dir: &Path, name: &str, rows: &[(&str, &str, &str, &str)]) -> std::path::PathBuf {
    let mut text = String::from("wss://ws.kraken.com <-> 1618678132.368463\n");
    for (i, (p, v, t, s)) in rows.iter().enumerate() {
        text.push_str(&format!(
            "{}.5: [993,[[\"{p}\",\"{v}\",\"{t}\",\"{s}\",\"m\",\"\"]],\"trade\",\"XMR/USD\"]\n",
            1618678140 + i
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_same_recording_twice_counts_once() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/venues/kraken.jsonl");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("copy.jsonl");
    std::fs::copy(&f, &copy).unwrap();
    let (once, _) = aggregate(&[&f]);
    let (twice, err) = aggregate(&[&f, &copy]);
    assert_eq!(twice, once);
    assert!(err.contains("0 trades, 8 duplicates"), "{err}");
}

#[test]
fn overlapping_recordings_take_the_largest_count_of_each_trade() {
    let tmp = tempfile::tempdir().unwrap();
    let x = ("354.04", "1.5", "1618678150.826417", "s");
    let y = ("354.10", "0.5", "1618678151.000001", "b");
    // A holds x twice (two real fills), B holds x three times and y once.
    let a = recording(tmp.path(), "a.ws", &[x, x]);
    let b = recording(tmp.path(), "b.ws", &[x, y, x, x]);
    let (both, err) = aggregate(&[&a, &b]);
    // x three times, y once: volume 3 x 1.5 + 0.5 = 5, quote 3 x 531.06 + 177.05 = 1770.23,
    // buys: y only. Open/close: x at .826417, y at 151.000001.
    assert_eq!(
        both,
        "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume\n\
         kraken,XMR/USD,1618678150000,354.04,354.1,354.04,354.1,5,4,1770.23,0.5\n"
    );
    assert!(
        err.contains("a.ws: 2 messages, 2 trades, 0 duplicates"),
        "{err}"
    );
    assert!(
        err.contains("b.ws: 4 messages, 2 trades, 2 duplicates"),
        "{err}"
    );
    // Alone, each recording keeps every one of its rows.
    let (alone_b, _) = aggregate(&[&b]);
    assert!(alone_b.contains(",5,4,1770.23,0.5\n"), "{alone_b}");
    let (alone_a, _) = aggregate(&[&a]);
    assert!(
        alone_a.contains(",354.04,354.04,354.04,354.04,3,2,1062.12,0\n"),
        "{alone_a}"
    );
    // The order of the inputs does not matter.
    let (reversed, _) = aggregate(&[&b, &a]);
    assert_eq!(reversed, both);
}
