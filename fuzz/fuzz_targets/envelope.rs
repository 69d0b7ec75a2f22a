//! Arbitrary bytes as a chunk of a capture: recorder envelopes, binary frames, JSON
//! wrappers, both readers, every decoder, grouping into bars. No panic; counts add up.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tapebar_fuzz::envelope(data);
});
