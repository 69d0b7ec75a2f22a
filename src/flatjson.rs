//! The fast path for flat event messages: an object whose keys are single ASCII characters
//! and whose values are strings, integers or literals, written without white space, bare or
//! in a `{"stream":"...","data":{...}}` wrapper. That is how Binance sends every event (and the
//! bulk of a Binance capture), and reading it needs no tape: one pass fills a table indexed
//! by key character.
//!
//! It accepts a strict subset of JSON and gives up (`None`) at the first byte outside it
//! (white space, an escape, a non-ASCII byte, a fraction or exponent, a nested value, a
//! repeated key, a longer key). The caller then uses the general [`crate::json::Tape`], so
//! nothing is lost; what it does accept reads exactly as the tape reads it (checked by a
//! differential test against the tape and serde_json).

use std::borrow::Cow;

use crate::json::{JsonView, Kind};

#[derive(Clone, Copy, Default)]
pub(crate) struct Slot {
    pub(crate) start: u32,
    pub(crate) end: u32,
    kind: u8,
    /// Numbers: the value of a non-negative integer of at most 19 digits, read during the
    /// scan (`NO_INT` otherwise), so decoders need not read the digits again.
    pub(crate) int: u64,
}

pub(crate) const NO_INT: u64 = u64::MAX;

const K_NONE: u8 = 0;
const K_STR: u8 = 1;
const K_NUM: u8 = 2;
const K_TRUE: u8 = 3;
const K_FALSE: u8 = 4;
const K_NULL: u8 = 5;

/// A reusable buffer for reading flat messages (its table is cleared key by key, so a
/// message costs only what it holds).
pub struct Flat {
    wrapped: bool,
    stream: Slot,
    /// Value of each single-character key (index: the key byte).
    slots: [Slot; 128],
    /// Keys in message order, for `members`.
    order: [u8; 32],
    n: u8,
}

impl Default for Flat {
    fn default() -> Flat {
        Flat {
            wrapped: false,
            stream: Slot::default(),
            slots: [Slot::default(); 128],
            order: [0; 32],
            n: 0,
        }
    }
}

/// One value of a message read by [`Flat`].
#[derive(Clone, Copy)]
pub struct FlatVal<'a> {
    flat: &'a Flat,
    src: &'a [u8],
    at: At,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Root,
    Event,
    Stream,
    Key(u8),
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Scanner over the bytes; every method returns None when the bytes leave the subset.
pub(crate) struct Scan<'a> {
    pub(crate) s: &'a [u8],
    pub(crate) p: usize,
}

impl Scan<'_> {
    #[inline(always)]
    pub(crate) fn eat<const N: usize>(&mut self, lit: &[u8; N]) -> Option<()> {
        // A fixed-size comparison: a few word compares, no call to `bcmp`.
        let got: &[u8; N] = self.s.get(self.p..self.p + N)?.try_into().ok()?;
        if got == lit {
            self.p += N;
            Some(())
        } else {
            None
        }
    }

    /// A string of printable ASCII without backslashes (anything else: None, for the tape);
    /// the opening quote is already consumed. Returns its content span. Eight bytes at a
    /// time: find the closing quote and check the bytes before it.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Option<Slot> {
        let start = self.p;
        let s = self.s;
        let mut p = start;
        let end = loop {
            if p + 8 > s.len() {
                // The tail, byte by byte.
                loop {
                    let &b = s.get(p)?;
                    if b == b'"' {
                        break;
                    }
                    if !(0x20..0x80).contains(&b) || b == b'\\' {
                        return None;
                    }
                    p += 1;
                }
                break p;
            }
            let w = u64::from_le_bytes(s[p..p + 8].try_into().ok()?);
            let q = w ^ (LO * b'"' as u64);
            let quote = q.wrapping_sub(LO) & !q & HI;
            let b = w ^ (LO * b'\\' as u64);
            // Flags can only be wrong above a true flag (borrows run upwards), so the
            // lowest quote flag is a quote and a flag below it is a bad byte.
            let bad = (w.wrapping_sub(LO * 0x20) & !w | b.wrapping_sub(LO) & !b | w) & HI;
            if quote != 0 {
                let k = quote.trailing_zeros();
                if bad & ((1u64 << k) - 1) != 0 {
                    return None;
                }
                break p + (k / 8) as usize;
            }
            if bad != 0 {
                return None;
            }
            p += 8;
        };
        self.p = end + 1;
        Some(Slot {
            start: start as u32,
            end: end as u32,
            kind: K_STR,
            int: NO_INT,
        })
    }

    /// An integer: `-?(0|[1-9][0-9]*)`, not followed by a fraction or exponent.
    #[inline(always)]
    pub(crate) fn integer(&mut self) -> Option<Slot> {
        let s = self.s;
        let start = self.p;
        let mut p = start;
        let negative = s.get(p) == Some(&b'-');
        if negative {
            p += 1;
        }
        let digits = p;
        let mut v: u64 = 0;
        if let Some(v8) = s.get(p..p + 8).and_then(crate::decimal::eight_digits) {
            v = v8;
            p += 8;
        }
        while let Some(&c) = s.get(p) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v.wrapping_mul(10).wrapping_add(d as u64);
            p += 1;
        }
        let n = p - digits;
        // JSON: at least one digit, no leading zero, no fraction or exponent here.
        if n == 0 || (n > 1 && s[digits] == b'0') || matches!(s.get(p), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.p = p;
        Some(Slot {
            start: start as u32,
            end: p as u32,
            kind: K_NUM,
            int: if negative || n > 19 { NO_INT } else { v },
        })
    }

    #[inline(always)]
    fn value(&mut self) -> Option<Slot> {
        match *self.s.get(self.p)? {
            b'"' => {
                self.p += 1;
                self.string()
            }
            b'-' | b'0'..=b'9' => self.integer(),
            b't' => self.literal(b"true", K_TRUE),
            b'f' => self.literal(b"false", K_FALSE),
            b'n' => self.literal(b"null", K_NULL),
            _ => None,
        }
    }

    #[inline(always)]
    fn literal<const N: usize>(&mut self, word: &[u8; N], kind: u8) -> Option<Slot> {
        let start = self.p;
        self.eat(word)?;
        Some(Slot {
            start: start as u32,
            end: self.p as u32,
            kind,
            int: NO_INT,
        })
    }
}

impl Flat {
    pub fn new() -> Flat {
        Flat::default()
    }

    /// Read `src` if it is a flat message; None otherwise (use the general reader).
    #[inline]
    pub fn parse<'a>(&'a mut self, src: &'a [u8]) -> Option<FlatVal<'a>> {
        match self.parse_prefix(src) {
            Some((v, n)) if n == src.len() => Some(v),
            _ => None,
        }
    }

    /// Read a flat message at the start of `src` (which may go on past it); returns it and
    /// the number of bytes it takes. The caller checks what follows.
    #[inline]
    pub fn parse_prefix<'a>(&'a mut self, src: &'a [u8]) -> Option<(FlatVal<'a>, usize)> {
        // Strings are checked as they are scanned (printable ASCII, no backslash), and every
        // other byte must be exact JSON structure, so an accepted message is ASCII.
        if src.len() >= u32::MAX as usize || src.first() != Some(&b'{') {
            return None;
        }
        let f = self;
        for i in 0..f.n as usize {
            f.slots[f.order[i] as usize] = Slot::default();
        }
        f.n = 0;
        f.wrapped = false;
        let mut sc = Scan { s: src, p: 0 };
        sc.eat(b"{")?;
        if src.get(1..11) == Some(b"\"stream\":\"") {
            sc.p = 11;
            f.stream = sc.string()?;
            sc.eat(b",\"data\":{")?;
            f.wrapped = true;
        }
        if sc.s.get(sc.p) == Some(&b'}') {
            sc.p += 1;
        } else {
            loop {
                // `"k":` with a one-character key (printable ASCII, no backslash: checked).
                let head = u32::from_le_bytes(src.get(sc.p..sc.p + 4)?.try_into().ok()?);
                let key = (head >> 8) as u8;
                if head & 0xFFFF_00FF != 0x3A22_0022
                    || !(0x20..0x80).contains(&key)
                    || key == b'"'
                    || key == b'\\'
                {
                    return None;
                }
                sc.p += 4;
                let v = sc.value()?;
                let slot = &mut f.slots[key as usize];
                if slot.kind != K_NONE || f.n as usize >= f.order.len() {
                    return None; // a repeated key, or too many keys
                }
                *slot = v;
                f.order[f.n as usize] = key;
                f.n += 1;
                match src.get(sc.p)? {
                    b',' => sc.p += 1,
                    b'}' => {
                        sc.p += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        if f.wrapped {
            sc.eat(b"}")?;
        }
        Some((
            FlatVal {
                flat: f,
                src,
                at: At::Root,
            },
            sc.p,
        ))
    }
}

impl<'a> FlatVal<'a> {
    #[inline]
    fn slot(self) -> Option<Slot> {
        match self.at {
            At::Stream => Some(self.flat.stream),
            At::Key(k) => Some(self.flat.slots[k as usize]),
            _ => None,
        }
    }

    /// Whether the message was in the `{"stream":"...","data":{...}}` wrapper.
    pub fn wrapped(self) -> bool {
        self.flat.wrapped
    }

    /// The value of a one-character key of the event that is a non-negative integer of at
    /// most 19 digits, and its number of digits.
    #[inline]
    pub fn event_int(self, key: u8) -> Option<(u64, usize)> {
        let s = self.flat.slots[(key & 0x7f) as usize];
        (s.kind == K_NUM && s.int != NO_INT).then(|| (s.int, (s.end - s.start) as usize))
    }

    /// The text and kind of a one-character key of the event (the object inside the
    /// wrapper, or the message itself), without building a view.
    #[inline]
    pub fn event_field(self, key: u8) -> Option<(&'a str, Kind)> {
        let s = self.flat.slots[(key & 0x7f) as usize];
        let kind = match s.kind {
            K_NONE => return None,
            K_STR => Kind::String,
            K_NUM => Kind::Number,
            K_TRUE | K_FALSE => Kind::Bool,
            _ => Kind::Null,
        };
        Some((self.text_of(s), kind))
    }

    #[inline]
    fn is_event(self) -> bool {
        self.at == At::Event || (self.at == At::Root && !self.flat.wrapped)
    }

    #[inline]
    fn text_of(self, s: Slot) -> &'a str {
        // SAFETY: only ASCII bytes are accepted in strings and numbers.
        unsafe { std::str::from_utf8_unchecked(&self.src[s.start as usize..s.end as usize]) }
    }

    fn member_keys(self) -> Vec<Cow<'a, str>> {
        if self.at == At::Root && self.flat.wrapped {
            return vec![Cow::Borrowed("stream"), Cow::Borrowed("data")];
        }
        if !self.is_event() {
            return Vec::new();
        }
        self.flat.order[..self.flat.n as usize]
            .iter()
            .map(|&k| Cow::Owned((k as char).to_string()))
            .collect()
    }
}

impl<'a> JsonView<'a> for FlatVal<'a> {
    #[inline]
    fn kind(self) -> Kind {
        match self.slot() {
            None => Kind::Object,
            Some(s) => match s.kind {
                K_STR => Kind::String,
                K_NUM => Kind::Number,
                K_TRUE | K_FALSE => Kind::Bool,
                _ => Kind::Null,
            },
        }
    }

    #[inline]
    fn get(self, key: &str) -> Option<Self> {
        if self.at == At::Root && self.flat.wrapped {
            return match key {
                "stream" => Some(FlatVal {
                    at: At::Stream,
                    ..self
                }),
                "data" => Some(FlatVal {
                    at: At::Event,
                    ..self
                }),
                _ => None,
            };
        }
        if !self.is_event() {
            return None;
        }
        let &[k] = key.as_bytes() else { return None };
        if k >= 0x80 || self.flat.slots[k as usize].kind == K_NONE {
            return None;
        }
        Some(FlatVal {
            at: At::Key(k),
            ..self
        })
    }

    #[inline]
    fn fields<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        if !self.is_event() {
            return keys.map(|k| self.get(k));
        }
        let slots = &self.flat.slots;
        let mut out = [None; N];
        for (o, key) in out.iter_mut().zip(keys) {
            if let &[k] = key.as_bytes() {
                if k < 0x80 && slots[k as usize].kind != K_NONE {
                    *o = Some(FlatVal {
                        at: At::Key(k),
                        ..self
                    });
                }
            }
        }
        out
    }

    fn elements(self) -> Vec<Self> {
        Vec::new()
    }

    fn len(self) -> usize {
        self.member_keys().len()
    }

    fn at(self, _i: usize) -> Option<Self> {
        None
    }

    fn members(self) -> Vec<(Cow<'a, str>, Self)> {
        self.member_keys()
            .into_iter()
            .filter_map(|k| {
                let v = self.get(&k)?;
                Some((k, v))
            })
            .collect()
    }

    #[inline]
    fn str(self) -> Option<Cow<'a, str>> {
        let s = self.slot()?;
        (s.kind == K_STR).then(|| Cow::Borrowed(self.text_of(s)))
    }

    #[inline]
    fn number_text(self) -> Option<Cow<'a, str>> {
        let s = self.slot()?;
        (s.kind == K_NUM).then(|| Cow::Borrowed(self.text_of(s)))
    }

    #[inline]
    fn bool(self) -> Option<bool> {
        match self.slot()?.kind {
            K_TRUE => Some(true),
            K_FALSE => Some(false),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Tape;

    #[test]
    fn reads_binance_events() {
        let src = br#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600123,"s":"BTCUSDT","t":3650000001,"p":"66578.50000000","q":"0.00123000","T":1718841600121,"m":true,"M":false}}"#;
        let mut f = Flat::new();
        let root = f.parse(src).unwrap();
        let [s, d] = root.fields(["stream", "data"]);
        assert_eq!(s.unwrap().str().unwrap(), "btcusdt@trade");
        let d = d.unwrap();
        assert_eq!(d.kind(), Kind::Object);
        assert_eq!(d.get("p").unwrap().text().unwrap(), "66578.50000000");
        assert_eq!(d.get("t").unwrap().number_text().unwrap(), "3650000001");
        assert_eq!(d.get("m").unwrap().bool(), Some(true));
        assert_eq!(d.get("M").unwrap().bool(), Some(false));
        assert!(d.get("X").is_none());
        assert_eq!(d.len(), 9);
        let bare =
            br#"{"e":"aggTrade","a":1,"p":"1","q":"2","T":1626916403852,"m":false,"x":null}"#;
        let mut f = Flat::new();
        let root = f.parse(bare).unwrap();
        assert_eq!(root.get("e").unwrap().str().unwrap(), "aggTrade");
        assert!(root.get("x").unwrap().is_null());
        // The buffer is reused: keys of the previous message are gone.
        let root = f.parse(br#"{"z":1}"#).unwrap();
        assert!(root.get("e").is_none());
        assert_eq!(root.len(), 1);
    }

    #[test]
    fn strings_are_checked_byte_by_byte() {
        // Every position of a bad byte, inside and after the first eight bytes of a string.
        for bad in [0x00u8, 0x1f, b'\\', 0x80, 0xff] {
            for pos in 0..20 {
                let mut v = br#"{"e":""#.to_vec();
                let mut content = vec![b'a'; 20];
                content[pos] = bad;
                v.extend_from_slice(&content);
                v.extend_from_slice(br#""}"#);
                assert!(Flat::new().parse(&v).is_none(), "byte {bad:#x} at {pos}");
            }
        }
        for len in 0..20 {
            let v = format!("{{\"e\":\"{}\",\"f\":1}}", "b".repeat(len));
            let mut f = Flat::new();
            let root = f.parse(v.as_bytes()).unwrap();
            assert_eq!(root.get("e").unwrap().str().unwrap().len(), len);
            assert_eq!(root.get("f").unwrap().number_text().unwrap(), "1");
        }
        // A bad key byte.
        assert!(Flat::new().parse(b"{\"\x01\":1}").is_none());
        assert!(Flat::new().parse("{\"é\":1}".as_bytes()).is_none());
    }

    #[test]
    fn integers_of_every_length() {
        for len in 1..=22 {
            let digits: String = (0..len).map(|i| char::from(b'1' + (i % 9) as u8)).collect();
            let v = format!("{{\"t\":{digits}}}");
            let mut f = Flat::new();
            let root = f.parse(v.as_bytes()).unwrap();
            assert_eq!(root.get("t").unwrap().number_text().unwrap(), digits);
            let want = (len <= 19).then(|| (digits.parse::<u64>().unwrap(), len as usize));
            assert_eq!(root.event_int(b't'), want, "{digits}");
        }
        assert!(Flat::new().parse(b"{\"t\":0123456789}").is_none());
        assert!(Flat::new().parse(b"{\"t\":12345678.5}").is_none());
    }

    #[test]
    fn leaves_everything_else_to_the_tape() {
        for s in [
            r#"{"e":"trade", "s":"X"}"#,
            r#"{"e":"tr\"ade"}"#,
            r#"{"e":1.5}"#,
            r#"{"e":1e5}"#,
            r#"{"e":01}"#,
            r#"{"e":[1]}"#,
            r#"{"e":{"a":1}}"#,
            r#"{"e":1,"e":2}"#,
            r#"{"ee":1}"#,
            r#"{"e":"é"}"#,
            r#"{"e":1}x"#,
            r#"{"e":1} "#,
            r#"{"e":1"#,
            r#"{"stream":"a","data":{"e":1}"#,
            r#"{"stream":"a","data":{"e":1},"x":1}"#,
            r#"[1]"#,
            r#"{"e":tru}"#,
            r#"{"e":-}"#,
            "{\"e\":\"a\tb\"}",
            "{\"e\":\"\u{7f}\"}x",
        ] {
            assert!(Flat::new().parse(s.as_bytes()).is_none(), "accepted {s}");
        }
    }

    #[test]
    fn what_it_accepts_is_valid_json_read_the_same() {
        for s in [
            r#"{}"#,
            r#"{"stream":"x","data":{}}"#,
            r#"{"a":-0,"b":"","c":true,"d":false,"e":null,"f":123}"#,
            r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","a":5,"s":"B","p":"1.0","q":"2","f":1,"l":1,"T":1,"m":true}}"#,
        ] {
            let mut f = Flat::new();
            let fv = f.parse(s.as_bytes()).unwrap();
            let mut tape = Tape::new();
            let t = tape.parse(s.as_bytes()).unwrap();
            let (fe, te) = match (fv.get("data"), t.get("data")) {
                (Some(a), Some(b)) => (a, b),
                _ => (fv, t),
            };
            assert_eq!(fe.len(), te.len());
            for (k, v) in te.members() {
                let w = fe.get(&k).unwrap();
                assert_eq!(v.kind(), w.kind());
                assert_eq!(v.text(), w.text());
                assert_eq!(v.bool(), w.bool());
            }
        }
    }
}

/// A message read by either reader.
#[derive(Clone, Copy)]
pub enum AnyVal<'a> {
    Flat(FlatVal<'a>),
    Tape(crate::json::Val<'a>),
}

/// Read a message with the fast reader when it is flat, else with the tape.
#[inline]
pub fn read_message<'a>(
    src: &'a [u8],
    flat: &'a mut Flat,
    tape: &'a mut crate::json::Tape,
) -> Result<AnyVal<'a>, crate::json::JsonError> {
    match flat.parse(src) {
        Some(v) => Ok(AnyVal::Flat(v)),
        None => tape.parse(src).map(AnyVal::Tape),
    }
}

macro_rules! delegate {
    ($self:ident, $v:ident => $e:expr) => {
        match $self {
            AnyVal::Flat($v) => $e,
            AnyVal::Tape($v) => $e,
        }
    };
}

impl<'a> JsonView<'a> for AnyVal<'a> {
    #[inline]
    fn kind(self) -> Kind {
        delegate!(self, v => v.kind())
    }
    #[inline]
    fn get(self, key: &str) -> Option<Self> {
        match self {
            AnyVal::Flat(v) => v.get(key).map(AnyVal::Flat),
            AnyVal::Tape(v) => v.get(key).map(AnyVal::Tape),
        }
    }
    #[inline]
    fn fields<const N: usize>(self, keys: [&str; N]) -> [Option<Self>; N] {
        match self {
            AnyVal::Flat(v) => v.fields(keys).map(|o| o.map(AnyVal::Flat)),
            AnyVal::Tape(v) => v.fields(keys).map(|o| o.map(AnyVal::Tape)),
        }
    }
    fn elements(self) -> Vec<Self> {
        match self {
            AnyVal::Flat(v) => v.elements().into_iter().map(AnyVal::Flat).collect(),
            AnyVal::Tape(v) => v.elements().into_iter().map(AnyVal::Tape).collect(),
        }
    }
    fn len(self) -> usize {
        delegate!(self, v => v.len())
    }
    fn at(self, i: usize) -> Option<Self> {
        match self {
            AnyVal::Flat(v) => v.at(i).map(AnyVal::Flat),
            AnyVal::Tape(v) => v.at(i).map(AnyVal::Tape),
        }
    }
    fn members(self) -> Vec<(Cow<'a, str>, Self)> {
        match self {
            AnyVal::Flat(v) => v
                .members()
                .into_iter()
                .map(|(k, x)| (k, AnyVal::Flat(x)))
                .collect(),
            AnyVal::Tape(v) => v
                .members()
                .into_iter()
                .map(|(k, x)| (k, AnyVal::Tape(x)))
                .collect(),
        }
    }
    #[inline]
    fn str(self) -> Option<Cow<'a, str>> {
        delegate!(self, v => v.str())
    }
    #[inline]
    fn number_text(self) -> Option<Cow<'a, str>> {
        delegate!(self, v => v.number_text())
    }
    #[inline]
    fn bool(self) -> Option<bool> {
        delegate!(self, v => v.bool())
    }
}
