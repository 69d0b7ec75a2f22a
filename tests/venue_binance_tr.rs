//! Binance TR (`stream-cloud.trbinance.com`, decoded by `src/venue/binance.rs`): the fixture
//! `testdata/venues/binance_tr.jsonl` with hand-checked rows. The real recording
//! BINANCE_TR.ws.1.0 is checked in tests/real_recordings.rs.

mod common;

const FIXTURE: &str = "testdata/venues/binance_tr.jsonl";
const HEADER: &str = "venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume";

/// The venue is `binance-tr` from the connection URL's host; `aggTrade` `m: true` is a taker
/// sell; the repeated aggregate trade 1758816 counts once; bookTicker, kline and depth
/// messages carry no trades; 1681154050000 is an LTCBRL fill row.
/// LTCBRL 1681154040000: 473.1 × 0.267 + 473.3 × 0.1 = 173.6477.
#[test]
fn fixture_binance_tr() {
    let out = common::aggregate(&["-o", "-", FIXTURE]);
    assert!(out.status.success());
    assert_eq!(
        common::text(&out.stdout),
        [
            HEADER,
            "binance-tr,LTCBRL,1681154040000,473.1,473.3,473.1,473.3,0.367,2,173.6477,0.1",
            "binance-tr,LTCBRL,1681154050000,473.3,473.3,473.3,473.3,0,0,0,0",
            "binance-tr,LTCBRL,1681154060000,473,473,473,473,1.5,1,709.5,0",
            "binance-tr,XEMUSDT,1681154050000,0.0411,0.0411,0.0411,0.0411,243,1,9.9873,243",
            "",
        ]
        .join("\n")
    );
    let err = common::text(&out.stderr);
    assert!(
        err.contains(" 8 messages, 4 trades, 1 duplicates, 0 skipped, 0 malformed")
            && !err.contains("unrecognised"),
        "{err}"
    );
}
