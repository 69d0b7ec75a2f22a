//! The hot path of a Binance capture: one pass over a `trade` or `aggTrade` event, straight
//! into a [`Trade`].
//!
//! [`crate::flatjson`] first fills a table of every key and [`super::read_flat`] then looks the
//! fields up and parses the two decimals from their text; profiles put that at about
//! 1,800 instructions per 175-byte line (60 % of the whole run). This reader does the same job
//! as it goes: each one-character key is dispatched to the reader of its value (prices and
//! sizes are parsed while they are scanned, ids and times read eight digits at a time),
//! so nothing is stored or looked up twice.
//!
//! A `trade` event with its keys in the order Binance sends them is read straight through
//! first (`trade_in_order`: literal key sequence, no dispatch); any other order takes the
//! keyed loop from the start, through the same value readers.
//!
//! It accepts only the keys Binance trade events carry (`e E s t a p q T m M X f l`), each at
//! most once, with the value types Binance sends, and returns None at the first byte outside
//! that (another event, an unknown key, a number where a string was expected, a futures `X`
//! other than `MARKET`, more than 19 digits, ...). The caller then takes the line through
//! [`crate::flatjson::Flat`] and [`super::read_flat`] (and the general decoder), so nothing is
//! lost; where this reader answers, those would answer the same: the same string and integer
//! scanners check every byte, and the tests below compare both on every test line and on
//! random variations of them.

use std::borrow::Cow;

use crate::decimal::{leading_digits, Decimal};
use crate::flatjson::{Scan, Slot, NO_INT};
use crate::time::{epoch_from_int, Unit};
use crate::trade::{Side, Trade, TradeId};

// One bit per key this reader knows.
const E_TYPE: u16 = 1;
const E_TIME: u16 = 1 << 1;
const SYMBOL: u16 = 1 << 2;
const TRADE_ID: u16 = 1 << 3;
const AGG_ID: u16 = 1 << 4;
const PRICE: u16 = 1 << 5;
const SIZE: u16 = 1 << 6;
const TIME: u16 = 1 << 7;
const MAKER: u16 = 1 << 8;
const BEST: u16 = 1 << 9;
const STATUS: u16 = 1 << 10;
const FIRST: u16 = 1 << 11;
const LAST: u16 = 1 << 12;

#[inline(always)]
fn key_bit(key: u8) -> u16 {
    match key {
        b'e' => E_TYPE,
        b'E' => E_TIME,
        b's' => SYMBOL,
        b't' => TRADE_ID,
        b'a' => AGG_ID,
        b'p' => PRICE,
        b'q' => SIZE,
        b'T' => TIME,
        b'm' => MAKER,
        b'M' => BEST,
        b'X' => STATUS,
        b'f' => FIRST,
        b'l' => LAST,
        _ => 0,
    }
}

/// `true` or `false`.
#[inline(always)]
fn boolean(sc: &mut Scan) -> Option<bool> {
    if sc.eat(b"true").is_some() {
        Some(true)
    } else if sc.eat(b"false").is_some() {
        Some(false)
    } else {
        None
    }
}

/// A decimal in a string: parsed as it is scanned; zero is not a price or a size.
#[inline(always)]
fn decimal(sc: &mut Scan) -> Option<Decimal> {
    sc.eat(b"\"")?;
    let (d, quote) = Decimal::parse_quoted(sc.s, sc.p)?;
    sc.p = quote + 1;
    (!d.is_zero()).then_some(d)
}

/// A non-negative JSON integer of at most 19 digits, and its digit count.
#[inline(always)]
fn unsigned(sc: &mut Scan) -> Option<(u64, u32)> {
    let slot = sc.integer()?;
    (slot.int != NO_INT).then_some((slot.int, slot.end - slot.start))
}

/// A non-negative JSON integer whose value is not needed: only checked (digits, no leading
/// zero, no fraction or exponent after it), eight bytes at a time.
#[inline(always)]
fn skip_unsigned(sc: &mut Scan) -> Option<()> {
    let s = sc.s;
    let start = sc.p;
    let mut p = start;
    while let Some(w) = s.get(p..p + 8) {
        let k = leading_digits(u64::from_le_bytes(w.try_into().ok()?));
        p += k as usize;
        if k < 8 {
            break;
        }
    }
    if s.get(p..p + 8).is_none() {
        while s.get(p).is_some_and(u8::is_ascii_digit) {
            p += 1;
        }
    }
    let n = p - start;
    if n == 0 || (n > 1 && s[start] == b'0') || matches!(s.get(p), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    sc.p = p;
    Some(())
}

/// Read a Binance `trade` or `aggTrade` event (bare or in the combined-stream wrapper) at
/// the start of `src`, which may go on past it. Returns the trade and the number of bytes
/// the message takes, or None (see the module documentation).
#[inline]
pub fn read_trade<'a>(src: &'a [u8], venue: &'static str) -> Option<(Trade<'a>, usize)> {
    if src.len() >= u32::MAX as usize || src.first() != Some(&b'{') {
        return None;
    }
    let mut sc = Scan { s: src, p: 1 };
    let wrapped = src.get(1..11) == Some(b"\"stream\":\"");
    if wrapped {
        sc.p = 11;
        sc.string()?;
        sc.eat(b",\"data\":{")?;
    }
    let body = sc.p;
    if let Some(fields) = trade_in_order(&mut sc) {
        if !wrapped || sc.eat(b"}").is_some() {
            return make(src, venue, fields, sc.p);
        }
    }
    sc.p = body;
    let mut seen = 0u16;
    let mut agg = false;
    let (mut symbol, mut price, mut size) = (None, Decimal::default(), Decimal::default());
    let (mut trade_id, mut agg_id, mut time) = (0u64, 0u64, (0u64, 0u32));
    let mut side = Side::Unknown;
    loop {
        // `"k":` with a key of the set above.
        let head = u32::from_le_bytes(src.get(sc.p..sc.p + 4)?.try_into().ok()?);
        if head & 0xFFFF_00FF != 0x3A22_0022 {
            return None;
        }
        let key = (head >> 8) as u8;
        let bit = key_bit(key);
        if bit == 0 || seen & bit != 0 {
            return None;
        }
        seen |= bit;
        sc.p += 4;
        match bit {
            E_TYPE => {
                if sc.eat(b"\"trade\"").is_none() {
                    sc.eat(b"\"aggTrade\"")?;
                    agg = true;
                }
            }
            SYMBOL => {
                sc.eat(b"\"")?;
                let s = sc.string()?;
                if s.start == s.end {
                    return None;
                }
                symbol = Some(s);
            }
            TRADE_ID => trade_id = unsigned(&mut sc)?.0,
            AGG_ID => agg_id = unsigned(&mut sc)?.0,
            PRICE => price = decimal(&mut sc)?,
            SIZE => size = decimal(&mut sc)?,
            TIME => time = unsigned(&mut sc)?,
            MAKER => {
                side = if boolean(&mut sc)? {
                    Side::Sell
                } else {
                    Side::Buy
                }
            }
            BEST => {
                boolean(&mut sc)?;
            }
            // Futures fills other than order-book ones are skipped by `read_flat`.
            STATUS => sc.eat(b"\"MARKET\"")?,
            _ => skip_unsigned(&mut sc)?, // E, f, l: integers nobody reads.
        }
        match *src.get(sc.p)? {
            b',' => sc.p += 1,
            b'}' => {
                sc.p += 1;
                break;
            }
            _ => return None,
        }
    }
    if wrapped {
        sc.eat(b"}")?;
    }
    let id_bit = if agg { AGG_ID } else { TRADE_ID };
    let needed = E_TYPE | SYMBOL | PRICE | SIZE | TIME | id_bit;
    if seen & needed != needed {
        return None;
    }
    let fields = Fields {
        agg,
        symbol: symbol?,
        id: if agg { agg_id } else { trade_id },
        price,
        size,
        time,
        side,
    };
    make(src, venue, fields, sc.p)
}

/// What a trade event gives, before it becomes a [`Trade`].
struct Fields {
    agg: bool,
    symbol: Slot,
    id: u64,
    price: Decimal,
    size: Decimal,
    /// The time's value and its digit count (which tells ms from µs).
    time: (u64, u32),
    side: Side,
}

/// A `trade` event with its keys in the order Binance sends them
/// (`"e":"trade","E":…,"s":…,"t":…,"p":…,"q":…,"T":…,"m":…,"M":…}`), read straight
/// through: no key dispatch and no bookkeeping of the keys seen. Anything else (another
/// order, a missing or extra key) is None, and [`read_trade`] reads the message with the
/// keyed loop from the start; the values go through the same readers either way.
#[inline(always)]
fn trade_in_order(sc: &mut Scan) -> Option<Fields> {
    sc.eat(b"\"e\":\"trade\",\"E\":")?;
    skip_unsigned(sc)?;
    sc.eat(b",\"s\":\"")?;
    let symbol = sc.string()?;
    if symbol.start == symbol.end {
        return None;
    }
    sc.eat(b",\"t\":")?;
    let id = unsigned(sc)?.0;
    sc.eat(b",\"p\":")?;
    let price = decimal(sc)?;
    sc.eat(b",\"q\":")?;
    let size = decimal(sc)?;
    sc.eat(b",\"T\":")?;
    let time = unsigned(sc)?;
    sc.eat(b",\"m\":")?;
    let side = if boolean(sc)? { Side::Sell } else { Side::Buy };
    sc.eat(b",\"M\":")?;
    boolean(sc)?;
    sc.eat(b"}")?;
    Some(Fields {
        agg: false,
        symbol,
        id,
        price,
        size,
        time,
        side,
    })
}

/// The trade read, `end` the bytes the message takes.
#[inline(always)]
fn make<'a>(
    src: &'a [u8],
    venue: &'static str,
    f: Fields,
    end: usize,
) -> Option<(Trade<'a>, usize)> {
    let unit = if f.time.1 > 15 {
        Unit::Micros
    } else {
        Unit::Millis
    };
    let time = epoch_from_int(f.time.0, unit).ok()?;
    let (start, stop) = (f.symbol.start as usize, f.symbol.end as usize);
    // SAFETY: `Scan::string` accepted only printable ASCII bytes between these bounds.
    let symbol = unsafe { std::str::from_utf8_unchecked(&src[start..stop]) };
    Some((
        Trade {
            venue,
            stream: f.agg as u8,
            symbol: Cow::Borrowed(symbol),
            time,
            price: f.price,
            size: f.size,
            side: f.side,
            id: TradeId::Num(f.id as u128),
            id_ordered: true,
            history: false,
        },
        end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flatjson::Flat;
    use crate::venue::binance::{read_flat, FlatTrade};
    use crate::venue::Ctx;

    /// What the table reader and `read_flat` make of `src`: the trade (every field, through
    /// its debug form) and the bytes taken.
    fn reference(src: &[u8]) -> Option<(String, usize)> {
        let mut flat = Flat::new();
        let (v, n) = flat.parse_prefix(src)?;
        match read_flat(v, &Ctx::default())? {
            FlatTrade::Trade(t) => Some((format!("{t:?}"), n)),
            FlatTrade::Skipped { .. } => None,
        }
    }

    fn fast(src: &[u8]) -> Option<(String, usize)> {
        read_trade(src, "binance").map(|(t, n)| (format!("{t:?}"), n))
    }

    const LINES: &[&str] = &[
        r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600049,"s":"BTCUSDT","t":3650000001,"p":"65999.88000000","q":"0.00604000","T":1718841600049,"m":false,"M":true}}"#,
        r#"{"e":"trade","E":1718841600049,"s":"BTCUSDT","t":3650000001,"p":"65999.88","q":"1","T":1718841600049,"m":true,"M":true}"#,
        r#"{"e":"trade","E":1718841600049,"T":1718841600048,"s":"BTCUSDT","t":5,"p":"100.5","q":"0.001","X":"MARKET","m":true}"#,
        r#"{"stream":"ethusdt@aggTrade","data":{"e":"aggTrade","E":1718841600049,"s":"ETHUSDT","a":77,"p":"3500.10","q":"2.5","f":100,"l":105,"T":1718841600049,"m":false,"M":true}}"#,
        r#"{"e":"aggTrade","E":1,"a":77,"s":"ETHUSDT","p":"3500.10","q":"2.5","f":100,"l":105,"T":1718841600049123,"m":false}"#,
        r#"{"e":"trade","s":"X","t":1,"p":"1","q":"1","T":1718841600049}"#,
        r#"{"p":"0.00000001","q":"9999999999.999999999","T":1718841600049,"t":9999999999999999999,"s":"A","e":"trade"}"#,
    ];

    #[test]
    fn reads_what_the_table_reader_reads() {
        for line in LINES {
            let got = fast(line.as_bytes());
            let want = reference(line.as_bytes());
            assert!(got.is_some(), "not read: {line}");
            assert_eq!(got, want, "{line}");
            // Whatever follows the message is left to the caller.
            let longer = format!("{line}\n{{\"e\":");
            let got = fast(longer.as_bytes());
            assert_eq!(got, want, "{line} followed by more");
        }
    }

    /// Binance's own key order takes the straight path; the same event in another order
    /// reads the same through the keyed loop.
    #[test]
    fn key_order_path_and_keyed_loop_agree() {
        let line = LINES[1];
        let body = &line.as_bytes()[1..];
        let mut sc = Scan { s: body, p: 0 };
        assert!(trade_in_order(&mut sc).is_some());
        let reordered = r#"{"s":"BTCUSDT","e":"trade","t":3650000001,"E":1718841600049,"q":"1","p":"65999.88","m":true,"T":1718841600049,"M":true}"#;
        let mut sc = Scan {
            s: &reordered.as_bytes()[1..],
            p: 0,
        };
        assert!(trade_in_order(&mut sc).is_none());
        let (a, b) = (
            fast(line.as_bytes()).unwrap(),
            fast(reordered.as_bytes()).unwrap(),
        );
        assert_eq!(a.0, b.0);
        assert_eq!(a, reference(line.as_bytes()).unwrap());
    }

    #[test]
    fn leaves_everything_else_to_the_table_reader() {
        for line in [
            // Other events, other keys, other value types.
            r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}"#,
            r#"{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":100.5,"q":"1","T":1718841600049}"#,
            r#"{"e":"trade","E":1,"s":"BTCUSDT","t":"1","p":"100.5","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"100.5","q":"1","T":1718841600049,"Z":1}"#,
            r#"{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"100.5","q":"1","T":1718841600049,"X":"ADL"}"#,
            // Zero, negative, too many digits, exponent, missing fields, repeated keys.
            r#"{"e":"trade","s":"BTCUSDT","t":1,"p":"0.000","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"BTCUSDT","t":1,"p":"-1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"BTCUSDT","t":1,"p":"12345678901234567890","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"BTCUSDT","t":1,"p":"1e5","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"BTCUSDT","t":1,"p":"1.","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"BTCUSDT","t":-1,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"BTCUSDT","p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"aggTrade","s":"BTCUSDT","t":1,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"","t":1,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"A","s":"B","t":1,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"A","t":1,"p":"1","q":"1","T":0}"#,
            r#"{"e":"trade","s":"A","t":01,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"A","t":1,"p":"1","q":"1","T":1718841600049.5}"#,
            r#"{"e":"trade", "s":"A","t":1,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"A\u0042","t":1,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"stream":"a","data":{"e":"trade","s":"A","t":1,"p":"1","q":"1","T":1718841600049}"#,
            r#"{"e":"trade","s":"A","t":1,"p":"1","q":"1","T":1718841600049"#,
            r#"{"e":"trade","s":"A","t":1,"p":"1","q":"1","T":1718841600049,"m":1}"#,
        ] {
            assert!(read_trade(line.as_bytes(), "binance").is_none(), "{line}");
        }
    }

    /// Every prefix and every one-byte change of the test lines: where this reader answers,
    /// the table reader answers the same.
    #[test]
    fn never_disagrees_on_variations() {
        let bytes: &[u8] = b"\"{}:,.-0159eEaTtpqsmMXfltruefalse \\\n\x00\xff";
        let mut answered = 0;
        for line in LINES {
            let line = line.as_bytes();
            let mut cases: Vec<Vec<u8>> = (0..line.len()).map(|n| line[..n].to_vec()).collect();
            for i in 0..line.len() {
                for &b in bytes {
                    let mut v = line.to_vec();
                    v[i] = b;
                    cases.push(v.clone());
                    v.insert(i, b);
                    cases.push(v.clone());
                    v.remove(i);
                    v.remove(i);
                    cases.push(v);
                }
            }
            for case in &cases {
                if let Some(got) = fast(case) {
                    answered += 1;
                    assert_eq!(
                        Some(got),
                        reference(case),
                        "{}",
                        String::from_utf8_lossy(case)
                    );
                }
            }
        }
        assert!(answered > 1000, "only {answered} variations read");
    }
}
