//! What the fuzz targets run; the checks themselves are shared with the never-panic
//! property tests (`tests/common/agree.rs`).

#[path = "../../tests/common/agree.rs"]
pub mod agree;

pub use libfuzzer_sys;

/// Split a fuzz input into the connection URL (chosen by the first byte) and the message.
fn url_and_message(data: &[u8]) -> (Option<&'static str>, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (agree::url_of(b), rest),
        None => (None, data),
    }
}

/// The envelope target: the bytes as a capture chunk, and each line on its own.
pub fn envelope(data: &[u8]) {
    agree::check_chunk(data);
    for line in data.split(|&b| b == b'\n') {
        let _ = tapebar::capture::envelope::parse_line(line);
    }
}

/// The differential target.
pub fn differential(data: &[u8]) {
    let (url, msg) = url_and_message(data);
    agree::check_message(msg, url);
}

/// One venue's target.
pub fn venue(data: &[u8], name: &str) {
    let (url, msg) = url_and_message(data);
    agree::check_venue(name, msg, url);
}

/// A fuzz target for one venue's decoder.
#[macro_export]
macro_rules! venue_target {
    ($name:literal) => {
        $crate::libfuzzer_sys::fuzz_target!(|data: &[u8]| {
            $crate::venue(data, $name);
        });
    };
}
