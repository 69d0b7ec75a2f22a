//! The fast decoding path (flat reader, Binance's flat fast path, the tape) against the
//! full serde_json path on the same bytes: the same trades, skips and outcome, or both
//! reject. The first byte picks the connection URL.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tapebar_fuzz::differential(data);
});
