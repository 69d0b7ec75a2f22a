//! Hyperliquid (`src/venue/hyperliquid.rs`): the cryptofeed-form fixture
//! `testdata/venues/hyperliquid.jsonl` and the node-archive fixture
//! `testdata/venues/hyperliquid_archive.jsonl` (`{"time":…,"ver_num":1,"raw":{…}}`), written
//! from Hyperliquid's documented shapes (no recording exists), with hand-checked rows.

mod common;

const FIXTURE: &str = "testdata/venues/hyperliquid.jsonl";
const ARCHIVE: &str = "testdata/venues/hyperliquid_archive.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// Two ETH trades in the same millisecond: `tid` is a hash, not ordered, so capture order
/// decides and the 3340.0 sell (tid 12459, second in the message) closes the bar although
/// its tid is smaller. 3340.1 × 1.2 + 3340 × 0.3 = 5010.12; `B` is a buy.
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "hyperliquid,ETH,1735689600000,3340.1,3340.1,3340,3340,1.5,2,5010.12,1.2",
            "hyperliquid,ETH,1735689610000,3341.7,3341.7,3341.7,3341.7,0.5,1,1670.85,0",
            "",
        ]
        .join("\n")
    );
}

/// The archive wrapper's `time` is the receive time: the recording starts at
/// 2025-01-01T00:00:02.238437296, so the BTC trade of 1735689590000 (12 s earlier, in the
/// first, unlabelled trades message) is pre-capture; the one of 1735689602100 (0.14 s earlier)
/// is kept. The repeated (BTC, tid 540000000000001) counts once; tid 77 on `@107` and on
/// `xyz:XYZ100` are different trades (the key is coin + tid). Coins are kept as sent.
/// BTC 1735689600000: 93510.5 × 0.002 + 93505 × 0.1 = 9537.521; 1735689610000 is a fill row.
#[test]
fn archive_live_trades() {
    let csv = run(&[ARCHIVE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "hyperliquid,@107,1735689600000,25.1,25.1,25.1,25.1,3,1,75.3,3",
            "hyperliquid,BTC,1735689600000,93510.5,93510.5,93505,93505,0.102,2,9537.521,0.002",
            "hyperliquid,BTC,1735689610000,93505,93505,93505,93505,0,0,0,0",
            "hyperliquid,BTC,1735689620000,93600,93600,93600,93600,0.05,1,4680,0.05",
            "hyperliquid,kPEPE,1735689600000,0.019216,0.019216,0.019216,0.019216,150000,1,2882.4,150000",
            "hyperliquid,xyz:XYZ100,1735689600000,1,1,1,1,1,1,1,0",
            "",
        ]
        .join("\n")
    );
    let out = common::aggregate(&["-o", "-", ARCHIVE]);
    let err = common::text(&out.stderr);
    assert!(
        err.contains("8 messages, 6 trades, 1 duplicates, 1 skipped")
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}

/// `--keep-pre-capture` keeps the stale BTC trade (93500 × 0.01, a sell).
#[test]
fn archive_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", ARCHIVE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "hyperliquid,@107,1735689600000,25.1,25.1,25.1,25.1,3,1,75.3,3",
            "hyperliquid,BTC,1735689590000,93500,93500,93500,93500,0.01,1,935,0",
            "hyperliquid,BTC,1735689600000,93510.5,93510.5,93505,93505,0.102,2,9537.521,0.002",
            "hyperliquid,BTC,1735689610000,93505,93505,93505,93505,0,0,0,0",
            "hyperliquid,BTC,1735689620000,93600,93600,93600,93600,0.05,1,4680,0.05",
            "hyperliquid,kPEPE,1735689600000,0.019216,0.019216,0.019216,0.019216,150000,1,2882.4,150000",
            "hyperliquid,xyz:XYZ100,1735689600000,1,1,1,1,1,1,1,0",
            "",
        ]
        .join("\n")
    );
}

/// Run `tapebar aggregate -o - ARGS` and return stdout (must succeed).
fn run(args: &[&str]) -> String {
    let out = common::aggregate(&[&["-o", "-"], args].concat());
    assert!(
        out.status.success(),
        "tapebar failed: {}",
        common::text(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    common::check_long_form(&csv);
    csv
}
