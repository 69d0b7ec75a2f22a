//! A strict, zero-copy JSON reader for one message, and the [`JsonView`] trait that venue
//! decoders read messages through.
//!
//! Venue decoders are written once against [`JsonView`]; besides the flat fast reader
//! ([`crate::flatjson`]) two backends implement it:
//! - [`Tape`]: the production path. One pass over the bytes validates the whole message
//!   (the grammar of RFC 8259, UTF-8, escapes, a nesting limit) and records a flat list of
//!   nodes that point back into the input; nothing is copied or allocated per message
//!   (the node buffer is reused). Numbers keep their exact text.
//! - `&serde_json::Value` (with serde_json's `arbitrary_precision`, so numbers keep their text
//!   too): the reference path, used by the differential tests to check that
//!   the tape accepts, rejects and reads exactly what serde_json does.

use std::borrow::Cow;
use std::fmt;

/// serde_json refuses to nest deeper than this (its `remaining_depth` starts at 128 and a
/// message fails when it reaches 0, so 127 levels are accepted); the tape does the same.
pub const MAX_DEPTH: u32 = 127;

/// The tape refuses a message of more values than this (serde_json has no such limit; the
/// differential tests stay far below it). One value costs 16 bytes of tape, so a hostile
/// line of 16 MiB of `1,1,1,…` would otherwise take 128 MiB; the cap keeps a worker's tape
/// under 16 MiB. Real messages are far smaller (a 5,000-level order book snapshot is about
/// 30,000 values).
pub const MAX_VALUES: usize = 1 << 20;

/// What a JSON value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// Read access to one JSON value, whatever parsed it.
///
/// Object lookups return the *last* value of a repeated key, as serde_json's map does.
pub trait JsonView<'a>: Copy + Sized {
    fn kind(self) -> Kind;
    /// The value of `key` if this is an object holding it.
    fn get(self, key: &str) -> Option<Self>;
    /// Several keys in one pass: `out[i]` is the value of `keys[i]`.
    fn fields<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        keys.map(|k| self.get(k))
    }
    /// The elements of an array (empty for anything else).
    fn elements(self) -> Vec<Self>;
    /// Number of elements of an array, or of distinct keys of an object (a repeated key
    /// counts once, as in serde_json's map).
    fn len(self) -> usize;
    /// No elements or members.
    fn is_empty(self) -> bool {
        self.len() == 0
    }
    /// Element `i` of an array.
    fn at(self, i: usize) -> Option<Self>;
    /// The members of an object in message order (empty for anything else). The tape lists
    /// a repeated key each time it occurs; serde_json's tree keeps it once, last value.
    fn members(self) -> Vec<(Cow<'a, str>, Self)>;
    /// A string's value, unescaped.
    fn str(self) -> Option<Cow<'a, str>>;
    /// A number's exact text as it stands in the message.
    fn number_text(self) -> Option<Cow<'a, str>>;
    fn bool(self) -> Option<bool>;
    fn is_null(self) -> bool {
        self.kind() == Kind::Null
    }
    /// A number's text, or a string's value: the form venues send decimals and ids in.
    fn text(self) -> Option<Cow<'a, str>> {
        match self.kind() {
            Kind::Number => self.number_text(),
            Kind::String => self.str(),
            _ => None,
        }
    }
}

/// Why a message is not valid JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    Empty,
    InvalidUtf8,
    UnexpectedByte,
    UnexpectedEnd,
    TrailingCharacters,
    BadNumber,
    BadEscape,
    ControlCharacterInString,
    TooDeep,
    TooLarge,
    TooManyValues,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonError::Empty => "empty message",
            JsonError::InvalidUtf8 => "invalid UTF-8",
            JsonError::UnexpectedByte => "invalid JSON",
            JsonError::UnexpectedEnd => "JSON cut short",
            JsonError::TrailingCharacters => "text after the JSON value",
            JsonError::BadNumber => "invalid JSON number",
            JsonError::BadEscape => "invalid escape in JSON string",
            JsonError::ControlCharacterInString => "control character in JSON string",
            JsonError::TooDeep => "JSON nested too deep",
            JsonError::TooLarge => "JSON message larger than 4 GiB",
            JsonError::TooManyValues => "JSON message of more than 1,048,576 values",
        })
    }
}

impl std::error::Error for JsonError {}

#[derive(Clone, Copy, Debug)]
struct Node {
    kind: Kind,
    /// Strings: the content holds a backslash escape.
    escaped: bool,
    /// Strings: content between the quotes; numbers: the token; containers: brackets included.
    start: u32,
    end: u32,
    /// Index of the node after this value and everything inside it.
    next: u32,
}

/// A parsed message: nodes in document order, pointing into the input.
#[derive(Default)]
pub struct Tape {
    nodes: Vec<Node>,
}

/// One value of a parsed message.
#[derive(Clone, Copy)]
pub struct Val<'a> {
    nodes: &'a [Node],
    src: &'a [u8],
    idx: u32,
}

impl Tape {
    pub fn new() -> Tape {
        Tape::default()
    }

    /// Parse `src` as exactly one JSON value (surrounding white space allowed).
    pub fn parse<'a>(&'a mut self, src: &'a [u8]) -> Result<Val<'a>, JsonError> {
        self.nodes.clear();
        if src.len() >= u32::MAX as usize {
            return Err(JsonError::TooLarge);
        }
        // ASCII (nearly every message) is valid UTF-8; `is_ascii` checks a word at a time.
        if !src.is_ascii() && std::str::from_utf8(src).is_err() {
            return Err(JsonError::InvalidUtf8);
        }
        let mut p = Parser {
            src,
            pos: 0,
            nodes: &mut self.nodes,
        };
        p.skip_ws();
        if p.pos == src.len() {
            return Err(JsonError::Empty);
        }
        p.value(0)?;
        p.skip_ws();
        if p.pos != src.len() {
            return Err(JsonError::TrailingCharacters);
        }
        Ok(Val {
            nodes: &self.nodes,
            src,
            idx: 0,
        })
    }
}

struct Parser<'a, 'n> {
    src: &'a [u8],
    pos: usize,
    nodes: &'n mut Vec<Node>,
}

/// Bytes that end the fast scan of a string: quote, backslash, control characters.
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

impl Parser<'_, '_> {
    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.src.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn push(&mut self, kind: Kind, start: usize, end: usize, escaped: bool) -> usize {
        let i = self.nodes.len();
        self.nodes.push(Node {
            kind,
            escaped,
            start: start as u32,
            end: end as u32,
            next: i as u32 + 1,
        });
        i
    }

    fn value(&mut self, depth: u32) -> Result<(), JsonError> {
        let Some(&b) = self.src.get(self.pos) else {
            return Err(JsonError::UnexpectedEnd);
        };
        // Every value but an object key passes here, so the tape holds at most
        // MAX_VALUES + 1 nodes.
        if self.nodes.len() >= MAX_VALUES {
            return Err(JsonError::TooManyValues);
        }
        match b {
            b'"' => self.string().map(|_| ()),
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true", Kind::Bool),
            b'f' => self.literal(b"false", Kind::Bool),
            b'n' => self.literal(b"null", Kind::Null),
            _ => Err(JsonError::UnexpectedByte),
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<(), JsonError> {
        let end = self.pos + word.len();
        match self.src.get(self.pos..end) {
            Some(w) if w == word => {
                self.push(kind, self.pos, end, false);
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(JsonError::UnexpectedByte),
            None if word.starts_with(&self.src[self.pos..]) => Err(JsonError::UnexpectedEnd),
            None => Err(JsonError::UnexpectedByte),
        }
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let s = self.src;
        let start = self.pos;
        let mut p = start;
        if s.get(p) == Some(&b'-') {
            p += 1;
        }
        match s.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                p += 1;
                while matches!(s.get(p), Some(b'0'..=b'9')) {
                    p += 1;
                }
            }
            None => return Err(JsonError::UnexpectedEnd),
            _ => return Err(JsonError::BadNumber),
        }
        if s.get(p) == Some(&b'.') {
            p += 1;
            let digits = p;
            while matches!(s.get(p), Some(b'0'..=b'9')) {
                p += 1;
            }
            if p == digits {
                return Err(if p == s.len() {
                    JsonError::UnexpectedEnd
                } else {
                    JsonError::BadNumber
                });
            }
        }
        if matches!(s.get(p), Some(b'e' | b'E')) {
            p += 1;
            if matches!(s.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            let digits = p;
            while matches!(s.get(p), Some(b'0'..=b'9')) {
                p += 1;
            }
            if p == digits {
                return Err(if p == s.len() {
                    JsonError::UnexpectedEnd
                } else {
                    JsonError::BadNumber
                });
            }
        }
        self.push(Kind::Number, start, p, false);
        self.pos = p;
        Ok(())
    }

    /// Scan a string starting at its opening quote; returns the node index.
    fn string(&mut self) -> Result<usize, JsonError> {
        let s = self.src;
        let start = self.pos + 1;
        let mut p = start;
        let mut escaped = false;
        loop {
            // Fast scan over ordinary bytes.
            while p < s.len() && !STRING_STOP[s[p] as usize] {
                p += 1;
            }
            match s.get(p) {
                None => return Err(JsonError::UnexpectedEnd),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    p = escape_end(s, p)?;
                }
                Some(_) => return Err(JsonError::ControlCharacterInString),
            }
        }
        let i = self.push(Kind::String, start, p, escaped);
        self.pos = p + 1;
        Ok(i)
    }

    fn object(&mut self, depth: u32) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        let me = self.push(Kind::Object, self.pos, self.pos, false);
        self.pos += 1;
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                match self.src.get(self.pos) {
                    Some(b'"') => {
                        self.string()?;
                    }
                    None => return Err(JsonError::UnexpectedEnd),
                    _ => return Err(JsonError::UnexpectedByte),
                }
                self.skip_ws();
                match self.src.get(self.pos) {
                    Some(b':') => self.pos += 1,
                    None => return Err(JsonError::UnexpectedEnd),
                    _ => return Err(JsonError::UnexpectedByte),
                }
                self.skip_ws();
                self.value(depth)?;
                self.skip_ws();
                match self.src.get(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    None => return Err(JsonError::UnexpectedEnd),
                    _ => return Err(JsonError::UnexpectedByte),
                }
            }
        }
        let n = self.nodes.len() as u32;
        let node = &mut self.nodes[me];
        node.end = self.pos as u32;
        node.next = n;
        Ok(())
    }

    fn array(&mut self, depth: u32) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        let me = self.push(Kind::Array, self.pos, self.pos, false);
        self.pos += 1;
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                self.value(depth)?;
                self.skip_ws();
                match self.src.get(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                    }
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    None => return Err(JsonError::UnexpectedEnd),
                    _ => return Err(JsonError::UnexpectedByte),
                }
            }
        }
        let n = self.nodes.len() as u32;
        let node = &mut self.nodes[me];
        node.end = self.pos as u32;
        node.next = n;
        Ok(())
    }
}

fn hex4(s: &[u8], p: usize) -> Result<u32, JsonError> {
    let Some(h) = s.get(p..p + 4) else {
        return Err(JsonError::UnexpectedEnd);
    };
    let mut v = 0u32;
    for &c in h {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(JsonError::BadEscape),
        };
        v = v * 16 + d as u32;
    }
    Ok(v)
}

/// Validate the escape at `s[p] == b'\\'`; return the index just after it.
fn escape_end(s: &[u8], p: usize) -> Result<usize, JsonError> {
    match s.get(p + 1) {
        None => Err(JsonError::UnexpectedEnd),
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(p + 2),
        Some(b'u') => {
            let c = hex4(s, p + 2)?;
            match c {
                0xD800..=0xDBFF => {
                    // A leading surrogate must be followed by an escaped trailing one.
                    match s.get(p + 6..p + 8) {
                        Some(b"\\u") => {}
                        Some(_) => return Err(JsonError::BadEscape),
                        None => return Err(JsonError::UnexpectedEnd),
                    }
                    let lo = hex4(s, p + 8)?;
                    if !(0xDC00..=0xDFFF).contains(&lo) {
                        return Err(JsonError::BadEscape);
                    }
                    Ok(p + 12)
                }
                0xDC00..=0xDFFF => Err(JsonError::BadEscape),
                _ => Ok(p + 6),
            }
        }
        Some(_) => Err(JsonError::BadEscape),
    }
}

/// Equality of short byte strings (JSON keys) without a call to `memcmp`.
#[inline(always)]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        return true;
    }
    a == b
}

/// Decode the content of a validated string.
fn unescape(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            // Copy the run up to the next backslash (valid UTF-8: checked by the parser).
            let end = memchr::memchr(b'\\', &raw[i..]).map_or(raw.len(), |k| i + k);
            out.push_str(std::str::from_utf8(&raw[i..end]).unwrap_or_default());
            i = end;
            continue;
        }
        let c = raw[i + 1];
        i += 2;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            _ => {
                let hi = hex4(raw, i).unwrap_or(0xFFFD);
                i += 4;
                let code = if (0xD800..=0xDBFF).contains(&hi) {
                    let lo = hex4(raw, i + 2).unwrap_or(0xDC00);
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
        };
        out.push(ch);
    }
    out
}

impl<'a> Val<'a> {
    #[inline]
    fn node(self) -> &'a Node {
        &self.nodes[self.idx as usize]
    }

    #[inline]
    fn at_index(self, idx: u32) -> Val<'a> {
        Val { idx, ..self }
    }

    /// The raw bytes of this value (strings without their quotes).
    pub fn raw(self) -> &'a [u8] {
        let n = self.node();
        &self.src[n.start as usize..n.end as usize]
    }

    #[inline]
    fn key_is(self, key: &str) -> bool {
        let n = self.node();
        let raw = &self.src[n.start as usize..n.end as usize];
        if n.escaped {
            unescape(raw) == key
        } else {
            bytes_eq(raw, key.as_bytes())
        }
    }

    /// Iterate (key node, value node) indices of an object.
    #[inline]
    fn member_indices(self) -> impl Iterator<Item = (u32, u32)> + 'a {
        let n = *self.node();
        let nodes = self.nodes;
        let end = if n.kind == Kind::Object {
            n.next
        } else {
            self.idx + 1
        };
        let mut k = self.idx + 1;
        std::iter::from_fn(move || {
            if k >= end {
                return None;
            }
            let v = k + 1;
            let next = nodes[v as usize].next;
            let item = (k, v);
            k = next;
            Some(item)
        })
    }

    fn element_indices(self) -> impl Iterator<Item = u32> + 'a {
        let n = *self.node();
        let nodes = self.nodes;
        let end = if n.kind == Kind::Array {
            n.next
        } else {
            self.idx + 1
        };
        let mut k = self.idx + 1;
        std::iter::from_fn(move || {
            if k >= end {
                return None;
            }
            let item = k;
            k = nodes[k as usize].next;
            Some(item)
        })
    }
}

impl<'a> JsonView<'a> for Val<'a> {
    #[inline]
    fn kind(self) -> Kind {
        self.node().kind
    }

    #[inline]
    fn get(self, key: &str) -> Option<Self> {
        let mut found = None;
        for (k, v) in self.member_indices() {
            if self.at_index(k).key_is(key) {
                found = Some(v);
            }
        }
        found.map(|v| self.at_index(v))
    }

    #[inline]
    fn fields<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        let mut out = [None; N];
        for (k, v) in self.member_indices() {
            let n = &self.nodes[k as usize];
            let raw = &self.src[n.start as usize..n.end as usize];
            if n.escaped {
                let key = unescape(raw);
                for (i, want) in keys.iter().enumerate() {
                    if key == *want {
                        out[i] = Some(self.at_index(v));
                    }
                }
                continue;
            }
            for (i, want) in keys.iter().enumerate() {
                if bytes_eq(raw, want.as_bytes()) {
                    out[i] = Some(self.at_index(v));
                }
            }
        }
        out
    }

    fn elements(self) -> Vec<Self> {
        self.element_indices().map(|i| self.at_index(i)).collect()
    }

    fn len(self) -> usize {
        match self.kind() {
            Kind::Array => self.element_indices().count(),
            // Distinct keys, as serde_json's map counts them: `{"type":1,"type":2}` has one
            // (a difference found by the `venue_kucoin` fuzz target).
            Kind::Object => {
                let mut keys = std::collections::HashSet::new();
                self.member_indices()
                    .filter(|&(k, _)| keys.insert(self.at_index(k).str().unwrap_or_default()))
                    .count()
            }
            _ => 0,
        }
    }

    fn at(self, i: usize) -> Option<Self> {
        self.element_indices().nth(i).map(|k| self.at_index(k))
    }

    fn members(self) -> Vec<(Cow<'a, str>, Self)> {
        self.member_indices()
            .map(|(k, v)| {
                let key = self.at_index(k).str().unwrap_or_default();
                (key, self.at_index(v))
            })
            .collect()
    }

    #[inline]
    fn str(self) -> Option<Cow<'a, str>> {
        let n = self.node();
        if n.kind != Kind::String {
            return None;
        }
        let raw = &self.src[n.start as usize..n.end as usize];
        if n.escaped {
            Some(Cow::Owned(unescape(raw)))
        } else {
            // SAFETY: the whole message was checked to be UTF-8 before parsing, and a
            // string's content lies between two ASCII quotes, so on char boundaries.
            Some(Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(raw) }))
        }
    }

    #[inline]
    fn number_text(self) -> Option<Cow<'a, str>> {
        let n = self.node();
        if n.kind != Kind::Number {
            return None;
        }
        // SAFETY: number tokens are ASCII.
        Some(Cow::Borrowed(unsafe {
            std::str::from_utf8_unchecked(&self.src[n.start as usize..n.end as usize])
        }))
    }

    #[inline]
    fn bool(self) -> Option<bool> {
        let n = self.node();
        (n.kind == Kind::Bool).then(|| self.src[n.start as usize] == b't')
    }
}

/// The reference backend: serde_json's own tree.
impl<'a> JsonView<'a> for &'a serde_json::Value {
    fn kind(self) -> Kind {
        use serde_json::Value as V;
        match self {
            V::Null => Kind::Null,
            V::Bool(_) => Kind::Bool,
            V::Number(_) => Kind::Number,
            V::String(_) => Kind::String,
            V::Array(_) => Kind::Array,
            V::Object(_) => Kind::Object,
        }
    }
    fn get(self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }
    fn elements(self) -> Vec<Self> {
        self.as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }
    fn len(self) -> usize {
        match self {
            serde_json::Value::Array(a) => a.len(),
            serde_json::Value::Object(o) => o.len(),
            _ => 0,
        }
    }
    fn at(self, i: usize) -> Option<Self> {
        self.as_array()?.get(i)
    }
    fn members(self) -> Vec<(Cow<'a, str>, Self)> {
        self.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), v))
                    .collect()
            })
            .unwrap_or_default()
    }
    fn str(self) -> Option<Cow<'a, str>> {
        self.as_str().map(Cow::Borrowed)
    }
    fn number_text(self) -> Option<Cow<'a, str>> {
        match self {
            serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }
    fn bool(self) -> Option<bool> {
        self.as_bool()
    }
}

/// Parse with the reference backend (serde_json), for differential checks.
pub fn parse_reference(src: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_slice(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(s: &str) -> bool {
        let mut t = Tape::new();
        t.parse(s.as_bytes()).is_ok()
    }

    #[test]
    fn reads_nested_objects_and_keeps_number_text() {
        let mut t = Tape::new();
        let src = br#"{"stream":"btcusdt@trade","data":{"e":"trade","t":12,"p":"1.50","T":1700000000000,"m":true,"x":[1,{"a":null}],"n":-0.0e+5}}"#;
        let v = t.parse(src).unwrap();
        let d = v.get("data").unwrap();
        assert_eq!(d.get("e").unwrap().str().unwrap(), "trade");
        assert_eq!(d.get("t").unwrap().number_text().unwrap(), "12");
        assert_eq!(d.get("p").unwrap().text().unwrap(), "1.50");
        assert_eq!(d.get("m").unwrap().bool(), Some(true));
        assert_eq!(d.get("n").unwrap().number_text().unwrap(), "-0.0e+5");
        assert_eq!(d.get("x").unwrap().len(), 2);
        assert!(d
            .get("x")
            .unwrap()
            .at(1)
            .unwrap()
            .get("a")
            .unwrap()
            .is_null());
        assert!(d.get("missing").is_none());
        let [e, p, q] = d.fields(["e", "p", "q"]);
        assert_eq!(e.unwrap().str().unwrap(), "trade");
        assert_eq!(p.unwrap().str().unwrap(), "1.50");
        assert!(q.is_none());
    }

    #[test]
    fn last_repeated_key_wins_like_serde() {
        let src = br#"{"p":"1","p":"2"}"#;
        let mut t = Tape::new();
        let v = t.parse(src).unwrap();
        assert_eq!(v.get("p").unwrap().str().unwrap(), "2");
        let r = parse_reference(src).unwrap();
        assert_eq!(r.get("p").unwrap().str().unwrap(), "2");
    }

    #[test]
    fn unescapes_strings_and_keys() {
        let src = br#"{"s":"XBT\/USD\u00e9\ud83d\ude00","\u0070":"7"}"#;
        let mut t = Tape::new();
        let v = t.parse(src).unwrap();
        assert_eq!(v.get("s").unwrap().str().unwrap(), "XBT/USDé😀");
        assert_eq!(v.get("p").unwrap().str().unwrap(), "7");
    }

    #[test]
    fn rejects_what_serde_rejects() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "NaN",
            "tru",
            "\"a",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "{\"a\" 1}",
            "[1 2]",
            "{} {}",
            "\"\t\"",
            "nulll",
            "[",
            "{\"a\":}",
        ] {
            assert!(!accepts(bad), "tape accepted {bad:?}");
            assert!(
                parse_reference(bad.as_bytes()).is_err(),
                "serde accepted {bad:?}"
            );
        }
        for good in [
            "0",
            "-0",
            "1e400",
            "[]",
            "{}",
            " [1 , 2 ] ",
            "\"\\ud83d\\ude00\"",
            "null",
        ] {
            assert!(accepts(good), "tape rejected {good:?}");
            assert!(
                parse_reference(good.as_bytes()).is_ok(),
                "serde rejected {good:?}"
            );
        }
    }

    #[test]
    fn nesting_limit_matches_serde() {
        for depth in [126usize, 127, 128, 129] {
            let s = "[".repeat(depth) + &"]".repeat(depth);
            assert_eq!(
                accepts(&s),
                parse_reference(s.as_bytes()).is_ok(),
                "depth {depth}"
            );
        }
        let deep = "[".repeat(100_000);
        assert!(!accepts(&deep));
    }

    /// An object's length counts a repeated key once, as serde_json's map does.
    #[test]
    fn object_length_counts_distinct_keys() {
        use crate::json::JsonView as _;
        for (text, n) in [
            (r#"{"a":1,"b":2}"#, 2),
            (r#"{"type":"x","type":"welcome"}"#, 1),
            (r#"{"a":1,"\u0061":2,"b":[1,2,3]}"#, 2),
            ("{}", 0),
        ] {
            let mut t = Tape::new();
            assert_eq!(t.parse(text.as_bytes()).unwrap().len(), n, "{text}");
            assert_eq!(
                (&parse_reference(text.as_bytes()).unwrap()).len(),
                n,
                "{text}"
            );
        }
    }

    /// A tape holds at most MAX_VALUES values (plus one key): a hostile message of millions
    /// of tiny values is refused instead of taking 16 bytes of tape per value.
    #[test]
    fn too_many_values_are_refused() {
        let mut t = Tape::new();
        // An array and MAX_VALUES - 1 numbers: MAX_VALUES values.
        let most = format!("[{}1]", "1,".repeat(MAX_VALUES - 2));
        assert!(t.parse(most.as_bytes()).is_ok());
        let over = format!("[{}1]", "1,".repeat(MAX_VALUES - 1));
        assert!(matches!(
            t.parse(over.as_bytes()),
            Err(JsonError::TooManyValues)
        ));
        // Keys do not count, but the values of an object do.
        let obj = format!("{{{}\"k\":1}}", "\"k\":1,".repeat(MAX_VALUES));
        assert!(matches!(
            t.parse(obj.as_bytes()),
            Err(JsonError::TooManyValues)
        ));
    }

    #[test]
    fn serde_keeps_number_values() {
        // arbitrary_precision keeps the digits; exponents are re-spelled (`1E400` -> `1e+400`),
        // which reads as the same decimal.
        let r =
            parse_reference(br#"{"p":0.10,"q":1E400,"i":123456789012345678901234567890}"#).unwrap();
        assert_eq!(r.get("p").unwrap().number_text().unwrap(), "0.10");
        assert_eq!(r.get("q").unwrap().number_text().unwrap(), "1e+400");
        assert_eq!(
            r.get("i").unwrap().number_text().unwrap(),
            "123456789012345678901234567890"
        );
    }
}
