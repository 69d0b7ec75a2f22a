//! Deribit (`src/venue/deribit.rs`): the fixture `testdata/venues/deribit.jsonl` (written from
//! Deribit's documented shapes; no recording with Deribit trades exists) with hand-checked rows.

mod common;

const FIXTURE: &str = "testdata/venues/deribit.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The BTC-PERPETUAL trade of 1672531190000 (10 s before the connection, unlabelled) is left
/// out; the repeated trade_id 250000011 counts once; `direction` is the taker side; the
/// option and future channels give their instruments' own series; 1672531210000 is a fill row.
/// BTC-PERPETUAL 1672531200000: 16545.5 × 2500 + 16546 × 10 = 41529210 (amounts in contracts).
#[test]
fn fixture_live_trades() {
    let csv = run(&[FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "deribit,BTC-27JAN23-17000-C,1672531200000,0.0445,0.0445,0.0445,0.0445,1.5,1,0.06675,1.5",
            "deribit,BTC-PERPETUAL,1672531200000,16545.5,16546,16545.5,16546,2510,2,41529210,10",
            "deribit,BTC-PERPETUAL,1672531210000,16546,16546,16546,16546,0,0,0,0",
            "deribit,BTC-PERPETUAL,1672531220000,16550,16550,16550,16550,20,1,331000,20",
            "deribit,ETH-PERPETUAL,1672531200000,1196.55,1196.55,1196.55,1196.55,3,1,3589.65,0",
            "",
        ]
        .join("\n")
    );
}

/// `--keep-pre-capture` keeps the stale trade (16540 × 100, a taker buy).
#[test]
fn fixture_keep_pre_capture() {
    let csv = run(&["--keep-pre-capture", FIXTURE]);
    assert_eq!(
        csv,
        [
            HEADER,
            "deribit,BTC-27JAN23-17000-C,1672531200000,0.0445,0.0445,0.0445,0.0445,1.5,1,0.06675,1.5",
            "deribit,BTC-PERPETUAL,1672531190000,16540,16540,16540,16540,100,1,1654000,100",
            "deribit,BTC-PERPETUAL,1672531200000,16545.5,16546,16545.5,16546,2510,2,41529210,10",
            "deribit,BTC-PERPETUAL,1672531210000,16546,16546,16546,16546,0,0,0,0",
            "deribit,BTC-PERPETUAL,1672531220000,16550,16550,16550,16550,20,1,331000,20",
            "deribit,ETH-PERPETUAL,1672531200000,1196.55,1196.55,1196.55,1196.55,3,1,3589.65,0",
            "",
        ]
        .join("\n")
    );
}

/// Every message of the fixture is recognised: the summary counts one duplicate, one
/// pre-capture skip and nothing malformed or unrecognised.
#[test]
fn fixture_summary() {
    let out = common::aggregate(&["-o", "-", FIXTURE]);
    assert!(out.status.success());
    let err = common::text(&out.stderr);
    assert!(
        err.contains("10 messages, 5 trades, 1 duplicates, 1 skipped")
            && err.contains(" 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
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
