//! Differential tests: the fast readers against the full serde_json path.
//!
//! For arbitrary edits of real-shaped Binance lines (and arbitrary bytes), every reader that
//! accepts a message must produce exactly the trades, skips and outcome that decoding the
//! serde_json tree produces, and a reader may only reject what serde_json rejects or what
//! the general path reports as an error. Nothing may panic.

use std::borrow::Cow;

use proptest::prelude::*;
use tapebar::flatjson::Flat;
use tapebar::json::{parse_reference, Tape};
use tapebar::trade::Trade;
use tapebar::venue::{self, binance, Ctx, DecodeError, Decoded, Out};

#[derive(Default, Debug, PartialEq)]
struct Collect {
    trades: Vec<Trade<'static>>,
    skips: Vec<&'static str>,
}

impl<'a> Out<'a> for Collect {
    fn trade(&mut self, t: Trade<'a>) {
        self.trades.push(Trade {
            symbol: Cow::Owned(t.symbol.into_owned()),
            id: t.id.into_owned(),
            ..t
        });
    }
    fn skip(&mut self, reason: &'static str) {
        self.skips.push(reason);
    }
}

type Outcome = (Result<String, DecodeError>, Collect);

fn owned(r: Result<Decoded<'_>, DecodeError>, c: Collect) -> Outcome {
    (r.map(|d| format!("{d:?}")), c)
}

/// Decode `line` every way there is; panics (fails the test) if two ways disagree.
fn check(line: &[u8], url: Option<&str>) {
    let ctx = Ctx {
        url,
        channels: None,
    };
    let reference: Option<Outcome> = parse_reference(line).ok().map(|v| {
        let mut c = Collect::default();
        let r = venue::decode(&v, &ctx, &mut c);
        owned(r, c)
    });
    let mut tape = Tape::new();
    let tape_result: Option<Outcome> = tape.parse(line).ok().map(|v| {
        let mut c = Collect::default();
        let r = venue::decode(v, &ctx, &mut c);
        owned(r, c)
    });
    // The tape accepts exactly what serde_json accepts, and reads it the same.
    assert_eq!(
        reference.is_some(),
        tape_result.is_some(),
        "tape and serde_json disagree on validity: {}",
        String::from_utf8_lossy(line)
    );
    if let (Some(a), Some(b)) = (&reference, &tape_result) {
        assert_eq!(
            a,
            b,
            "tape and serde_json: {}",
            String::from_utf8_lossy(line)
        );
    }
    let mut flat = Flat::new();
    if let Some(v) = flat.parse(line) {
        let reference = reference.as_ref().unwrap_or_else(|| {
            panic!(
                "flat reader accepted invalid JSON: {}",
                String::from_utf8_lossy(line)
            )
        });
        let mut c = Collect::default();
        let r = venue::decode(v, &ctx, &mut c);
        assert_eq!(
            &owned(r, c),
            reference,
            "flat view: {}",
            String::from_utf8_lossy(line)
        );
        let mut c = Collect::default();
        if let Some(d) = binance::decode_flat(v, &ctx, &mut c) {
            assert_eq!(
                &(Ok(format!("{d:?}")), c),
                reference,
                "flat fast path: {}",
                String::from_utf8_lossy(line)
            );
        }
    }
}

const LINES: [&str; 6] = [
    r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":true}}"#,
    r#"{"stream":"bchusd_perp@aggTrade","data":{"e":"aggTrade","E":1626916404006,"a":11285749,"s":"BCHUSD_PERP","p":"427.91","q":"3","f":16034449,"l":16034449,"T":1626916403852,"m":false}}"#,
    r#"{"e":"trade","E":1,"T":1626992741012,"s":"BTCUSDT","t":5,"p":"30000.1","q":"0.5","X":"INSURANCE_FUND","m":true}"#,
    r#"{"e":"trade","E":1,"T":1626992741012,"s":"BTCUSDT","t":5,"p":"30000.1","q":"0.5","X":"MARKET","m":false}"#,
    r#"{"stream":"nknusdt@bookTicker","data":{"u":499869768,"s":"NKNUSDT","b":"0.35210000","B":"672.00000000","a":"0.35260000","A":"3199.00000000"}}"#,
    r#"{"e":"trade","E":1718841600123456,"s":"X","t":1,"p":"1","q":"1","T":1718841600121456,"m":false}"#,
];

const URLS: [Option<&str>; 3] = [
    None,
    Some("wss://fstream.binance.com/stream?streams=btcusdt@trade"),
    Some("wss://stream.binance.us:9443/ws"),
];

/// Bytes that make edits interesting for a JSON reader.
const SPECIAL: &[u8] = b"\"\\{}[],:0123456789.-eE +tfnul \t\r\n\x00\x1f\x7f\xc3\xa9\xff";

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn edited_binance_lines_read_the_same_every_way(
        which in 0..LINES.len(),
        url in 0..URLS.len(),
        edits in proptest::collection::vec((any::<usize>(), 0u8..3, any::<usize>()), 0..4),
    ) {
        let mut line = LINES[which].as_bytes().to_vec();
        for (pos, kind, b) in edits {
            let pos = pos % (line.len() + 1);
            let byte = SPECIAL[b % SPECIAL.len()];
            match kind {
                0 if pos < line.len() => line[pos] = byte,
                1 => line.insert(pos, byte),
                _ if pos < line.len() => {
                    line.remove(pos);
                }
                _ => {}
            }
        }
        check(&line, URLS[url]);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_agree(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check(&bytes, None);
    }
}

#[test]
fn the_unedited_lines_agree() {
    for line in LINES {
        for url in URLS {
            check(line.as_bytes(), url);
        }
    }
}
