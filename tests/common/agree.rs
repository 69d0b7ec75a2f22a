//! Every way tapebar can read one message must give one answer, and none may panic.
//!
//! Shared by the never-panic property tests (`tests/never_panic.rs`) and the fuzz targets
//! (`fuzz/`, which include this file by path): the production readers (the tape, the flat
//! reader, Binance's flat fast path) against the serde_json reference, through
//! `venue::decode` and through each venue's decoder on its own.
#![allow(dead_code)] // each user calls a different subset

use std::borrow::Cow;

use tapebar::flatjson::Flat;
use tapebar::json::{parse_reference, Tape};
use tapebar::trade::Trade;
use tapebar::venue::{self, binance, Channel, Channels, Ctx, DecodeError, Decoded, Out};

/// The trades and skips a decoder put out, owned.
#[derive(Default, Debug, PartialEq)]
pub struct Collect {
    pub trades: Vec<Trade<'static>>,
    pub skips: Vec<&'static str>,
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

/// A decoder's answer, owned: the outcome (as text) and what it put out.
pub type Outcome = (Result<String, DecodeError>, Collect);

pub fn owned(r: Result<Decoded<'_>, DecodeError>, c: Collect) -> Outcome {
    (r.map(|d| format!("{d:?}")), c)
}

/// Connection URLs that change how decoders name venues and read fields; fuzz inputs pick
/// one with their first byte.
pub const URLS: [Option<&str>; 17] = [
    None,
    Some("wss://stream.binance.com:9443/stream?streams=btcusdt@trade"),
    Some("wss://fstream.binance.com/stream?streams=btcusdt@trade"),
    Some("wss://dstream.binance.com/stream?streams=btcusd_perp@aggTrade"),
    Some("wss://stream.binance.us:9443/ws"),
    Some("wss://fstream.binance.com/stream?streams=btcusdt@trade&timeUnit=MICROSECOND"),
    Some("wss://stream.bybit.com/v5/public/inverse"),
    Some("wss://api.hbdm.com/swap-ws"),
    Some("wss://api.huobi.pro/ws"),
    Some("wss://ws.okx.com:8443/ws/v5/public"),
    Some("wss://api.hitbtc.com/api/3/ws/public"),
    Some("wss://fstream.binance.com/ws/btcusdt@trade"),
    Some("wss://api.bitfinex.com/ws/2"),
    Some("wss://spot-ws.bit.com"),
    Some("wss://phemex.com/ws"),
    Some("wss://pubwss.bithumb.com/pub/ws"),
    Some("wss://api.probit.com/api/exchange/v1/ws"),
];

/// Channels a connection has announced (Bitfinex names only a channel number in its data
/// messages): given to decoders whenever the connection URL is known.
pub fn channels() -> &'static Channels {
    static CHANNELS: std::sync::OnceLock<Channels> = std::sync::OnceLock::new();
    CHANNELS.get_or_init(|| {
        let mut m = Channels::new();
        for (id, name, symbol) in [
            (1, "trades", "tBTCUSD"),
            (2, "trades", "fUSD"),
            (3, "book", "tBTCUSD"),
            (17, "trades", "tETHUSD"),
        ] {
            m.insert(
                id,
                Channel {
                    name: name.into(),
                    symbol: symbol.into(),
                },
            );
        }
        m
    })
}

/// The decoder context of a connection with this URL.
pub fn ctx(url: Option<&str>) -> Ctx<'_> {
    Ctx {
        url,
        channels: url.map(|_| channels()),
    }
}

/// The URL chosen by a byte.
pub fn url_of(b: u8) -> Option<&'static str> {
    URLS[b as usize % URLS.len()]
}

/// Decode `line` with `venue::decode` every way there is; panics if two ways disagree.
/// The tape accepts exactly what serde_json accepts and reads it the same; what the flat
/// reader accepts is valid JSON and reads the same; Binance's flat fast path and one-pass
/// reader, where they answer, answer the same.
pub fn check_message(line: &[u8], url: Option<&str>) {
    let ctx = ctx(url);
    let show = || String::from_utf8_lossy(line).into_owned();
    let reference: Option<Outcome> = parse_reference(line).ok().map(|v| {
        let mut c = Collect::default();
        let r = venue::decode(&v, &ctx, &mut c);
        owned(r, c)
    });
    let mut tape = Tape::new();
    let tape_result: Option<Outcome> = match tape.parse(line) {
        Ok(v) => {
            let mut c = Collect::default();
            let r = venue::decode(v, &ctx, &mut c);
            Some(owned(r, c))
        }
        // A deliberate limit serde_json does not have (docs/reliability.md).
        Err(tapebar::json::JsonError::TooManyValues) => return,
        Err(_) => None,
    };
    assert_eq!(
        reference.is_some(),
        tape_result.is_some(),
        "tape and serde_json disagree on validity: {}",
        show()
    );
    if let (Some(a), Some(b)) = (&reference, &tape_result) {
        assert_eq!(a, b, "tape and serde_json: {}", show());
    }
    let mut flat = Flat::new();
    if let Some(v) = flat.parse(line) {
        let reference = reference
            .as_ref()
            .unwrap_or_else(|| panic!("flat reader accepted invalid JSON: {}", show()));
        let mut c = Collect::default();
        let r = venue::decode(v, &ctx, &mut c);
        assert_eq!(&owned(r, c), reference, "flat view: {}", show());
        let mut c = Collect::default();
        if let Some(d) = binance::decode_flat(v, &ctx, &mut c) {
            assert_eq!(
                &(Ok(format!("{d:?}")), c),
                reference,
                "flat fast path: {}",
                show()
            );
        }
    }
    // The engine's one-pass Binance reader, where it takes the whole line.
    let name = binance::venue_for_url(url);
    if let Some((t, n)) = binance::scan::read_trade(line, name) {
        if n == line.len() {
            let reference = reference
                .as_ref()
                .unwrap_or_else(|| panic!("one-pass reader accepted invalid JSON: {}", show()));
            let mut c = Collect::default();
            c.trade(t);
            let d = Decoded::Trades { venue: name };
            assert_eq!(
                &(Ok(format!("{d:?}")), c),
                reference,
                "one-pass reader: {}",
                show()
            );
        }
    }
}

/// The venues, by module name.
pub const VENUES: [&str; 26] = [
    "ascendex",
    "binance",
    "bitcom",
    "bitfinex",
    "bitflyer",
    "bitget",
    "bithumb",
    "bitmex",
    "bitstamp",
    "bybit",
    "coinbase",
    "deribit",
    "dydx",
    "gateio",
    "gemini",
    "hitbtc",
    "huobi",
    "hyperliquid",
    "kraken",
    "kraken_futures",
    "kucoin",
    "okx",
    "phemex",
    "poloniex",
    "probit",
    "upbit",
];

/// Decode `line` with one venue's decoder (`venue::<name>::decode`, `name` from [`VENUES`])
/// on the tape and on serde_json's tree; panics if they disagree. Each decoder sees every
/// message here, also those an earlier venue would claim in `venue::decode`.
pub fn check_venue(name: &str, line: &[u8], url: Option<&str>) {
    let ctx = ctx(url);
    let mut tape = Tape::new();
    let (Ok(t), Ok(s)) = (tape.parse(line), parse_reference(line)) else {
        return;
    };
    macro_rules! venues {
        ($($v:ident),*) => {
            match name {
                $(stringify!($v) => {
                    let mut a = Collect::default();
                    let ra = venue::$v::decode(t, &ctx, &mut a);
                    let mut b = Collect::default();
                    let rb = venue::$v::decode(&s, &ctx, &mut b);
                    (owned(ra, a), owned(rb, b))
                })*
                _ => panic!("no venue {name}"),
            }
        };
    }
    let (a, b) = venues!(
        ascendex,
        binance,
        bitcom,
        bitfinex,
        bitflyer,
        bitget,
        bithumb,
        bitmex,
        bitstamp,
        bybit,
        coinbase,
        deribit,
        dydx,
        gateio,
        gemini,
        hitbtc,
        huobi,
        hyperliquid,
        kraken,
        kraken_futures,
        kucoin,
        okx,
        phemex,
        poloniex,
        probit,
        upbit
    );
    assert_eq!(
        a,
        b,
        "{name}: tape and serde_json: {}",
        String::from_utf8_lossy(line)
    );
}

/// [`check_venue`] for every venue.
pub fn check_each_venue(line: &[u8], url: Option<&str>) {
    for name in VENUES {
        check_venue(name, line, url);
    }
}

/// Decode `bytes` as a chunk of a capture, as a worker does (envelopes, binary frames,
/// JSON wrappers, the readers, the decoders, grouping by bucket), and check what can be
/// checked without a reference: the counts add up and every bar is ordered.
pub fn check_chunk(bytes: &[u8]) {
    for strict in [false, true] {
        let s = tapebar::engine::decode_bytes(bytes, strict);
        let lines = bytes.split(|&b| b == b'\n').count() as u64
            - u64::from(bytes.is_empty() || bytes.ends_with(b"\n"));
        assert_eq!(s.counts.lines, lines, "lines of {:?}", show_bytes(bytes));
        assert_eq!(
            s.counts.trades,
            s.bar_trades,
            "trades counted and trades in bars, {:?}",
            show_bytes(bytes)
        );
        assert!(
            s.bars_ordered,
            "a bar with open or close outside [low, high]"
        );
        assert!(s.counts.messages <= lines);
    }
}

fn show_bytes(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(2000)]).into_owned()
}
