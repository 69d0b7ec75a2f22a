//! Recorder envelopes: what a capture line is, and the exchange message inside it.
//!
//! Recognised per line, so files that mix forms still read:
//! - a bare JSON message (`{...}` or `[...]`);
//! - cryptofeed recordings: `URL <-> ts` (connection opened), `URL <- ts: json` (sent by
//!   the client, ignored), `URL -> ts: body` (REST, ignored), `configuration: {...}`
//!   (ignored) and `ts: payload` (received, `ts` in decimal Unix seconds);
//! - tardis.dev lines: `2019-07-01T00:00:00.1234567Z json` (local receive time); an empty
//!   line marks a disconnect;
//! - JSON wrappers carrying a receive time and the raw message, such as Hyperliquid's node
//!   archive `{"time":"2025-01-01T00:00:02.238437296","ver_num":1,"raw":{...}}` and
//!   tardis-node's `{"localTimestamp":"...","message":{...}}` (see [`unwrap_json`]).

use std::fmt;

use crate::json::{JsonView, Kind};
use crate::time;

/// The recorder format a line is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Envelope {
    Raw,
    Cryptofeed,
    Tardis,
    JsonWrapper,
}

impl Envelope {
    pub fn name(self) -> &'static str {
        match self {
            Envelope::Raw => "raw JSON lines",
            Envelope::Cryptofeed => "cryptofeed recording",
            Envelope::Tardis => "tardis.dev lines",
            Envelope::JsonWrapper => "JSON wrapper with receive time",
        }
    }
}

/// One capture line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// Empty or white space: a disconnect marker in tardis.dev files.
    Blank,
    /// cryptofeed: a connection was opened to `url` at `time` (ns).
    Connect { url: &'a str, time: i64 },
    /// cryptofeed lines that carry nothing received (client frames, REST, configuration).
    Ignored,
    /// A received message, with its local receive time (ns) when the recorder wrote one.
    Message {
        recv: Option<i64>,
        payload: &'a [u8],
        envelope: Envelope,
    },
}

/// Why a line is not a capture line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    Unrecognised,
    BadReceiveTime,
    BadConnectionLine,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineError::Unrecognised => "not a JSON message or a known recorder line",
            LineError::BadReceiveTime => "recorder receive time is not a valid timestamp",
            LineError::BadConnectionLine => "cryptofeed connection line without a valid time",
        })
    }
}

fn is_url_start(line: &[u8]) -> bool {
    line.starts_with(b"wss://")
        || line.starts_with(b"ws://")
        || line.starts_with(b"https://")
        || line.starts_with(b"http://")
}

/// Classify one line (without its `\n`; a trailing `\r` is ignored).
#[inline]
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, LineError> {
    let line = match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    };
    let Some(&first) = line.first() else {
        return Ok(Line::Blank);
    };
    match first {
        b'{' | b'[' => Ok(Line::Message {
            recv: None,
            payload: line,
            envelope: Envelope::Raw,
        }),
        b'0'..=b'9' => {
            // tardis.dev: ISO time, one space, the message.
            if line.len() > 20 && line[4] == b'-' && line[10] == b'T' {
                let sp = memchr::memchr(b' ', line).ok_or(LineError::Unrecognised)?;
                let ts = std::str::from_utf8(&line[..sp]).map_err(|_| LineError::BadReceiveTime)?;
                let recv = time::parse_iso(ts).map_err(|_| LineError::BadReceiveTime)?;
                return Ok(Line::Message {
                    recv: Some(recv),
                    payload: &line[sp + 1..],
                    envelope: Envelope::Tardis,
                });
            }
            // cryptofeed: `ts: payload`.
            let colon = memchr::memchr(b':', line).ok_or(LineError::Unrecognised)?;
            if line.get(colon + 1) != Some(&b' ') {
                return Err(LineError::Unrecognised);
            }
            let ts = std::str::from_utf8(&line[..colon]).map_err(|_| LineError::BadReceiveTime)?;
            let recv = time::parse_decimal_seconds(ts).map_err(|_| LineError::BadReceiveTime)?;
            Ok(Line::Message {
                recv: Some(recv),
                payload: &line[colon + 2..],
                envelope: Envelope::Cryptofeed,
            })
        }
        _ if is_url_start(line) => {
            let sp = memchr::memchr(b' ', line).ok_or(LineError::Unrecognised)?;
            let url = std::str::from_utf8(&line[..sp]).map_err(|_| LineError::Unrecognised)?;
            let rest = &line[sp + 1..];
            if let Some(ts) = rest.strip_prefix(b"<-> ") {
                let ts = std::str::from_utf8(ts).map_err(|_| LineError::BadConnectionLine)?;
                let time = time::parse_decimal_seconds(ts.trim())
                    .map_err(|_| LineError::BadConnectionLine)?;
                Ok(Line::Connect { url, time })
            } else if rest.starts_with(b"<- ") || rest.starts_with(b"-> ") {
                Ok(Line::Ignored)
            } else {
                Err(LineError::Unrecognised)
            }
        }
        _ if line.starts_with(b"configuration: ") => Ok(Line::Ignored),
        b' ' | b'\t' if line.iter().all(|b| b.is_ascii_whitespace()) => Ok(Line::Blank),
        _ => Err(LineError::Unrecognised),
    }
}

/// Time keys and message keys of the JSON wrappers recognised.
const WRAPPERS: [(&str, &str); 2] = [("time", "raw"), ("localTimestamp", "message")];

/// If `msg` is a JSON wrapper (an object with exactly a receive-time key and a message key,
/// plus optional metadata), the inner message and the receive time.
pub fn unwrap_json<'a, J: JsonView<'a>>(msg: J) -> Option<(J, Option<i64>)> {
    if msg.kind() != Kind::Object {
        return None;
    }
    for (time_key, msg_key) in WRAPPERS {
        let [t, m] = msg.fields([time_key, msg_key]);
        let (Some(t), Some(m)) = (t, m) else { continue };
        if !matches!(m.kind(), Kind::Object | Kind::Array) {
            continue;
        }
        let recv = match t.kind() {
            Kind::String => t.str().and_then(|s| time::parse_iso(&s).ok()),
            Kind::Number => t
                .number_text()
                .and_then(|s| time::parse_epoch(&s, time::Unit::Millis).ok()),
            _ => None,
        };
        return Some((m, recv));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Tape;

    #[test]
    fn cryptofeed_lines() {
        assert_eq!(
            parse_line(
                b"wss://stream.binance.com:9443/stream?streams=a@trade <-> 1633998511.159679"
            ),
            Ok(Line::Connect {
                url: "wss://stream.binance.com:9443/stream?streams=a@trade",
                time: 1_633_998_511_159_679_000
            })
        );
        assert_eq!(
            parse_line(b"wss://api.hbdm.com/swap-ws <- 1645289384.69035: {\"sub\":\"x\"}"),
            Ok(Line::Ignored)
        );
        assert_eq!(
            parse_line(b"1633998512.0633569: {\"a\":1}"),
            Ok(Line::Message {
                recv: Some(1_633_998_512_063_356_900),
                payload: b"{\"a\":1}",
                envelope: Envelope::Cryptofeed
            })
        );
        assert_eq!(parse_line(b"configuration: {}"), Ok(Line::Ignored));
        assert_eq!(parse_line(b""), Ok(Line::Blank));
        assert_eq!(parse_line(b"\r"), Ok(Line::Blank));
    }

    #[test]
    fn tardis_lines() {
        assert_eq!(
            parse_line(b"2019-07-01T00:00:00.1234567Z {\"a\":1}"),
            Ok(Line::Message {
                recv: Some(1_561_939_200_123_456_700),
                payload: b"{\"a\":1}",
                envelope: Envelope::Tardis
            })
        );
        assert_eq!(
            parse_line(b"2019-07-01T00:00:00.1234567 {}"),
            Ok(Line::Message {
                recv: Some(1_561_939_200_123_456_700),
                payload: b"{}",
                envelope: Envelope::Tardis
            })
        );
        assert_eq!(
            parse_line(b"2019-07-01T00:00:00.12x4567Z {}"),
            Err(LineError::BadReceiveTime)
        );
    }

    #[test]
    fn junk_lines() {
        assert_eq!(parse_line(b"hello"), Err(LineError::Unrecognised));
        assert_eq!(parse_line(b"12345"), Err(LineError::Unrecognised));
        assert_eq!(parse_line(b"12x45: {}"), Err(LineError::BadReceiveTime));
    }

    #[test]
    fn json_wrappers() {
        let mut t = Tape::new();
        let v = t
            .parse(br#"{"time":"2025-01-01T00:00:02.238437296","ver_num":1,"raw":{"channel":"trades"}}"#)
            .unwrap();
        let (inner, recv) = unwrap_json(v).unwrap();
        assert_eq!(inner.get("channel").unwrap().str().unwrap(), "trades");
        assert_eq!(recv, Some(1_735_689_602_238_437_296));
        let mut t = Tape::new();
        let v = t
            .parse(br#"{"type":"match","time":"2021-04-17T16:43:37.121358Z"}"#)
            .unwrap();
        assert!(unwrap_json(v).is_none());
    }
}

/// Largest decompressed size of one binary frame: a bound against gzip bombs.
pub const MAX_FRAME_BYTES: usize = 16 << 20;

/// Why a binary frame could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    BadLiteral,
    BadGzip,
    TooLarge,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrameError::BadLiteral => "binary frame: not a valid bytes literal",
            FrameError::BadGzip => "binary frame: corrupt gzip data",
            FrameError::TooLarge => "binary frame: larger than 16 MiB when decompressed",
        })
    }
}

/// Whether a received payload is a cryptofeed binary frame: Python's `repr` of bytes,
/// `b'…'` or `b"…"`.
#[inline]
pub fn is_binary_frame(payload: &[u8]) -> bool {
    payload.len() >= 3
        && payload[0] == b'b'
        && matches!(payload[1], b'\'' | b'"')
        && payload[payload.len() - 1] == payload[1]
}

/// The bytes of a binary frame (see [`is_binary_frame`]) in `out`: the literal's escapes
/// (`\\`, `\'`, `\"`, `\t`, `\n`, `\r`, `\xNN`) undone, and a gzip-compressed frame (Huobi
/// sends gzip) decompressed.
pub fn read_binary_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    let quote = payload[1];
    let body = &payload[2..payload.len() - 1];
    let mut raw = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == quote {
            return Err(FrameError::BadLiteral);
        }
        if c != b'\\' {
            raw.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = body.get(i + 1) else {
            return Err(FrameError::BadLiteral);
        };
        i += 2;
        raw.push(match e {
            b'\\' => b'\\',
            b'\'' => b'\'',
            b'"' => b'"',
            b't' => b'\t',
            b'n' => b'\n',
            b'r' => b'\r',
            b'x' => {
                let hex = body.get(i..i + 2).ok_or(FrameError::BadLiteral)?;
                let s = std::str::from_utf8(hex).map_err(|_| FrameError::BadLiteral)?;
                i += 2;
                u8::from_str_radix(s, 16).map_err(|_| FrameError::BadLiteral)?
            }
            _ => return Err(FrameError::BadLiteral),
        });
    }
    out.clear();
    if raw.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut d = flate2::read::MultiGzDecoder::new(&raw[..]).take(MAX_FRAME_BYTES as u64 + 1);
        d.read_to_end(out).map_err(|_| FrameError::BadGzip)?;
        if out.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge);
        }
    } else {
        *out = raw;
    }
    Ok(())
}

#[cfg(test)]
mod frame_tests {
    use super::*;

    #[test]
    fn python_bytes_literals() {
        let mut out = Vec::new();
        assert!(is_binary_frame(br#"b'{"a":1}'"#));
        assert!(!is_binary_frame(br#"{"a":1}"#));
        read_binary_frame(br#"b'{"ty":"trade","x":"a\'b\\c\n\x01"}'"#, &mut out).unwrap();
        assert_eq!(out, b"{\"ty\":\"trade\",\"x\":\"a'b\\c\n\x01\"}");
        assert_eq!(
            read_binary_frame(br#"b'\q'"#, &mut out),
            Err(FrameError::BadLiteral)
        );
        assert_eq!(
            read_binary_frame(br#"b'\x4'"#, &mut out),
            Err(FrameError::BadLiteral)
        );
        assert_eq!(
            read_binary_frame(br#"b'a'b'"#, &mut out),
            Err(FrameError::BadLiteral)
        );
    }

    #[test]
    fn gzip_frames_are_decompressed() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(br#"{"ch":"market.btcusdt.trade.detail"}"#)
            .unwrap();
        let gz = enc.finish().unwrap();
        let mut lit = b"b'".to_vec();
        for b in &gz {
            lit.extend_from_slice(format!("\\x{b:02x}").as_bytes());
        }
        lit.push(b'\'');
        let mut out = Vec::new();
        read_binary_frame(&lit, &mut out).unwrap();
        assert_eq!(out, br#"{"ch":"market.btcusdt.trade.detail"}"#);
        // Cut short: corrupt.
        let cut = [&lit[..lit.len() - 21], b"'"].concat();
        assert_eq!(read_binary_frame(&cut, &mut out), Err(FrameError::BadGzip));
    }
}
