//! Exact decimals: prices and sizes parsed from their text into fixed-point integers, and
//! exact sums (volume, quote volume) that cannot overflow on any real capture.
//!
//! A [`Decimal`] is `mantissa / 10^scale` with a `u128` mantissa (38 significant digits) and
//! the scale the venue wrote (`"66578.50000000"` keeps scale 8). Sums are [`Sum`]s: a 256-bit
//! unsigned integer at the largest scale seen, so a bar's quote volume (price × size, scales
//! added) stays exact. Output is plain decimal text without exponent and without trailing
//! zeros, so the same value prints the same bytes whichever way the venue wrote it.

use std::cmp::Ordering;
use std::fmt;

/// Largest number of fraction digits accepted in an input value.
pub const MAX_SCALE: u8 = 30;
/// Largest number of significant digits accepted in an input value.
pub const MAX_DIGITS: usize = 38;

/// Why a text is not an acceptable decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    Empty,
    Syntax,
    Negative,
    TooManyDigits,
    OutOfRange,
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecimalError::Empty => "empty number",
            DecimalError::Syntax => "not a decimal number",
            DecimalError::Negative => "negative number",
            DecimalError::TooManyDigits => "more than 38 significant digits",
            DecimalError::OutOfRange => "number out of range",
        })
    }
}

/// The value of eight ASCII digits, read in one go (SWAR), or None if any byte is not a digit.
#[inline(always)]
pub fn eight_digits(b: &[u8]) -> Option<u64> {
    let x = u64::from_le_bytes(b.try_into().ok()?);
    let v = x.wrapping_sub(0x3030_3030_3030_3030);
    // Every byte must be 0..=9: no borrow into the high bit, and no byte above 9.
    if (v | v.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    let v = v.wrapping_mul(10).wrapping_add(v >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = v.wrapping_mul(100).wrapping_add(v >> 16) & 0x0000_FFFF_0000_FFFF;
    Some(v.wrapping_mul(10_000).wrapping_add(v >> 32) & 0xFFFF_FFFF)
}

/// How many ASCII digits the eight bytes of `x` (first byte lowest) start with. A byte below
/// `0` borrows from the bytes above it, but only above the first non-digit, which is always
/// flagged.
#[inline(always)]
pub fn leading_digits(x: u64) -> u32 {
    let v = x.wrapping_sub(0x3030_3030_3030_3030);
    let bad = (v | v.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
    bad.trailing_zeros() / 8
}

/// A non-negative exact decimal: `mant / 10^scale`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decimal {
    pub mant: u128,
    pub scale: u8,
}

const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

#[inline]
pub fn pow10(n: u8) -> u128 {
    POW10[n as usize]
}

impl Decimal {
    pub const ZERO: Decimal = Decimal { mant: 0, scale: 0 };

    pub fn new(mant: u128, scale: u8) -> Decimal {
        Decimal { mant, scale }
    }

    pub fn is_zero(self) -> bool {
        self.mant == 0
    }

    /// Parse JSON-number syntax (`12`, `0.5`, `1.5e-7`, `9.2E-7`), as venues write values in
    /// strings or numbers. A leading `-` is refused: prices and sizes are magnitudes (venues
    /// that sign sizes to give the side strip the sign before calling this).
    #[inline]
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let s = text.as_bytes();
        if s.is_empty() {
            return Err(DecimalError::Empty);
        }
        if s[0] == b'-' {
            // Still a syntax error if the rest is not a number.
            return match Decimal::parse(&text[1..]) {
                Ok(d) if d.is_zero() => Ok(d),
                Ok(_) => Err(DecimalError::Negative),
                Err(e) => Err(e),
            };
        }
        // Fast path: plain digits with an optional fraction, at most 19 digits in all
        // (accumulated with wrapping arithmetic; the digit count decides if it was exact).
        let mut mant: u64 = 0;
        let mut i = 0;
        while i < s.len() {
            let d = s[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            mant = mant.wrapping_mul(10).wrapping_add(d as u64);
            i += 1;
        }
        if i == 0 {
            return Err(DecimalError::Syntax);
        }
        let int_end = i;
        let mut frac = 0usize;
        if i < s.len() && s[i] == b'.' {
            i += 1;
            let start = i;
            while i + 8 <= s.len() {
                match eight_digits(&s[i..i + 8]) {
                    Some(v) => {
                        mant = mant.wrapping_mul(100_000_000).wrapping_add(v);
                        i += 8;
                    }
                    None => break,
                }
            }
            while i < s.len() {
                let d = s[i].wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                mant = mant.wrapping_mul(10).wrapping_add(d as u64);
                i += 1;
            }
            frac = i - start;
            if frac == 0 {
                return Err(DecimalError::Syntax);
            }
        }
        if i == s.len() && int_end + frac <= 19 && frac <= MAX_SCALE as usize {
            return Ok(Decimal {
                mant: mant as u128,
                scale: frac as u8,
            });
        }
        Decimal::parse_slow(s, int_end)
    }

    /// The fast path of [`Decimal::parse`] on the content of a JSON string that starts at
    /// `s[i]`: plain digits with an optional fraction, at most 19 digits in all, followed by
    /// the closing quote. Returns the value and the position of that quote, or None for
    /// anything else (the caller then reads the string and calls [`Decimal::parse`], which
    /// gives the same value wherever this one answers).
    #[inline(always)]
    pub fn parse_quoted(s: &[u8], start: usize) -> Option<(Decimal, usize)> {
        let mut i = start;
        let mut mant: u64 = 0;
        while let Some(&c) = s.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            mant = mant.wrapping_mul(10).wrapping_add(d as u64);
            i += 1;
        }
        let int_digits = i - start;
        if int_digits == 0 {
            return None;
        }
        let mut frac = 0usize;
        if s.get(i) == Some(&b'.') {
            i += 1;
            let f = i;
            while let Some(v) = s.get(i..i + 8).and_then(eight_digits) {
                mant = mant.wrapping_mul(100_000_000).wrapping_add(v);
                i += 8;
            }
            while let Some(&c) = s.get(i) {
                let d = c.wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                mant = mant.wrapping_mul(10).wrapping_add(d as u64);
                i += 1;
            }
            frac = i - f;
            if frac == 0 {
                return None;
            }
        }
        if s.get(i) != Some(&b'"') || int_digits + frac > 19 || frac > MAX_SCALE as usize {
            return None;
        }
        Some((
            Decimal {
                mant: mant as u128,
                scale: frac as u8,
            },
            i,
        ))
    }

    /// Any length, exponents, leading zeros: still exact or refused.
    fn parse_slow(s: &[u8], int_end: usize) -> Result<Decimal, DecimalError> {
        // Collect all digits of the mantissa, and the count of fraction digits.
        let mut i = int_end;
        let mut frac_digits: i64 = 0;
        let mut digit_bytes: Vec<u8> = s[..int_end].to_vec();
        if i < s.len() && s[i] == b'.' {
            i += 1;
            let start = i;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return Err(DecimalError::Syntax);
            }
            digit_bytes.extend_from_slice(&s[start..i]);
            frac_digits = (i - start) as i64;
        }
        let mut exp: i64 = 0;
        if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
            i += 1;
            let neg = match s.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while i < s.len() && s[i].is_ascii_digit() {
                // Saturate: anything this large is out of range anyway.
                exp = (exp * 10 + (s[i] - b'0') as i64).min(1 << 40);
                i += 1;
            }
            if i == start {
                return Err(DecimalError::Syntax);
            }
            if neg {
                exp = -exp;
            }
        }
        if i != s.len() {
            return Err(DecimalError::Syntax);
        }
        // Significant digits: drop leading zeros; trailing zeros of the fraction can be
        // folded into the scale without changing the value.
        let first = digit_bytes.iter().position(|&b| b != b'0');
        let Some(first) = first else {
            return Ok(Decimal::ZERO);
        };
        let mut sig = &digit_bytes[first..];
        let mut scale = frac_digits - exp;
        while sig.len() > 1 && sig[sig.len() - 1] == b'0' && scale > 0 {
            sig = &sig[..sig.len() - 1];
            scale -= 1;
        }
        if sig.len() > MAX_DIGITS {
            return Err(DecimalError::TooManyDigits);
        }
        let mut mant: u128 = 0;
        for &b in sig {
            mant = mant * 10 + (b - b'0') as u128;
        }
        if scale < 0 {
            let up = (-scale) as u64;
            if up > 38 {
                return Err(DecimalError::OutOfRange);
            }
            mant = mant
                .checked_mul(pow10(up as u8))
                .ok_or(DecimalError::OutOfRange)?;
            scale = 0;
        }
        if scale > MAX_SCALE as i64 {
            return Err(DecimalError::OutOfRange);
        }
        Ok(Decimal {
            mant,
            scale: scale as u8,
        })
    }

    /// The mantissa at a larger scale, if it fits.
    #[inline]
    pub fn mant_at(self, scale: u8) -> Option<u128> {
        debug_assert!(scale >= self.scale);
        self.mant.checked_mul(pow10(scale - self.scale))
    }

    /// Canonical form: trailing zeros of the fraction removed.
    pub fn normalized(self) -> Decimal {
        let mut d = self;
        while d.scale > 0 && d.mant % 10 == 0 {
            d.mant /= 10;
            d.scale -= 1;
        }
        if d.mant == 0 {
            d.scale = 0;
        }
        d
    }

    /// Exact `self × other` as a 256-bit sum term.
    #[inline]
    pub fn product(self, other: Decimal) -> Sum {
        Sum {
            value: U256::mul_u128(self.mant, other.mant),
            scale: self.scale + other.scale,
        }
    }

    pub fn to_sum(self) -> Sum {
        Sum {
            value: U256::from(self.mant),
            scale: self.scale,
        }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Decimal {}
impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Decimal {
    #[inline]
    fn cmp(&self, other: &Decimal) -> Ordering {
        if self.scale == other.scale {
            return self.mant.cmp(&other.mant);
        }
        self.cmp_rescaled(other)
    }
}

impl Decimal {
    /// Compare at the common scale in 256 bits: no overflow possible. Out of line: one
    /// symbol's prices share a scale, so this is rare.
    #[cold]
    #[inline(never)]
    fn cmp_rescaled(&self, other: &Decimal) -> Ordering {
        let s = self.scale.max(other.scale);
        let a = U256::mul_u128(self.mant, pow10(s - self.scale));
        let b = U256::mul_u128(other.mant, pow10(s - other.scale));
        a.cmp(&b)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = Vec::with_capacity(48);
        write_plain(&mut buf, &self.mant.to_string(), self.scale as usize);
        f.write_str(std::str::from_utf8(&buf).unwrap_or("?"))
    }
}

/// Write `digits / 10^scale` as plain decimal text, without trailing fraction zeros.
pub fn write_plain(out: &mut Vec<u8>, digits: &str, scale: usize) {
    let d = digits.as_bytes();
    if d.len() > scale {
        let (int, frac) = d.split_at(d.len() - scale);
        out.extend_from_slice(int);
        let frac_end = frac.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
        if frac_end > 0 {
            out.push(b'.');
            out.extend_from_slice(&frac[..frac_end]);
        }
    } else {
        let frac_end = d.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
        out.push(b'0');
        if frac_end > 0 {
            out.push(b'.');
            out.extend(std::iter::repeat_n(b'0', scale - d.len()));
            out.extend_from_slice(&d[..frac_end]);
        }
    }
}

/// The decimal digits of `v` in `buf`, without allocating; returns the text.
#[inline]
fn u128_digits(mut v: u128, buf: &mut [u8; 40]) -> &str {
    let mut i = buf.len();
    // 128-bit division is a library call: use 64-bit steps when the value fits.
    if let Ok(mut w) = u64::try_from(v) {
        loop {
            i -= 1;
            buf[i] = b'0' + (w % 10) as u8;
            w /= 10;
            if w == 0 {
                break;
            }
        }
        // SAFETY: ASCII digits only.
        return unsafe { std::str::from_utf8_unchecked(&buf[i..]) };
    }
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // SAFETY: ASCII digits only.
    unsafe { std::str::from_utf8_unchecked(&buf[i..]) }
}

/// An unsigned 256-bit integer: just what exact sums need.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct U256 {
    pub hi: u128,
    pub lo: u128,
}

impl From<u128> for U256 {
    fn from(lo: u128) -> U256 {
        U256 { hi: 0, lo }
    }
}

impl U256 {
    pub const ZERO: U256 = U256 { hi: 0, lo: 0 };

    /// Full 128 × 128 → 256-bit product.
    #[inline]
    pub fn mul_u128(a: u128, b: u128) -> U256 {
        if (a >> 64) == 0 && (b >> 64) == 0 {
            return U256::from(a * b);
        }
        let (a1, a0) = (a >> 64, a & u64::MAX as u128);
        let (b1, b0) = (b >> 64, b & u64::MAX as u128);
        let p00 = a0 * b0;
        let p01 = a0 * b1;
        let p10 = a1 * b0;
        let p11 = a1 * b1;
        let mid = (p00 >> 64) + (p01 & u64::MAX as u128) + (p10 & u64::MAX as u128);
        let lo = (p00 & u64::MAX as u128) | (mid << 64);
        let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
        U256 { hi, lo }
    }

    #[inline]
    pub fn checked_add(self, o: U256) -> Option<U256> {
        let (lo, carry) = self.lo.overflowing_add(o.lo);
        let hi = self.hi.checked_add(o.hi)?.checked_add(carry as u128)?;
        Some(U256 { hi, lo })
    }

    #[inline]
    pub fn checked_sub(self, o: U256) -> Option<U256> {
        let (lo, borrow) = self.lo.overflowing_sub(o.lo);
        let hi = self.hi.checked_sub(o.hi)?.checked_sub(borrow as u128)?;
        Some(U256 { hi, lo })
    }

    /// `self × m` for a small multiplier (a power of ten).
    pub fn checked_mul_u128(self, m: u128) -> Option<U256> {
        let lo = U256::mul_u128(self.lo, m);
        let hi = U256::mul_u128(self.hi, m);
        if hi.hi != 0 {
            return None;
        }
        U256 { hi: 0, lo: 0 }
            .checked_add(lo)?
            .checked_add(U256 { hi: hi.lo, lo: 0 })
    }

    pub fn is_zero(self) -> bool {
        self.hi == 0 && self.lo == 0
    }

    /// Divide by a u64, returning (quotient, remainder).
    fn div_rem_u64(self, d: u64) -> (U256, u64) {
        let limbs = [
            (self.hi >> 64) as u64,
            self.hi as u64,
            (self.lo >> 64) as u64,
            self.lo as u64,
        ];
        let mut q = [0u64; 4];
        let mut rem: u128 = 0;
        for (i, &l) in limbs.iter().enumerate() {
            let cur = (rem << 64) | l as u128;
            q[i] = (cur / d as u128) as u64;
            rem = cur % d as u128;
        }
        (
            U256 {
                hi: ((q[0] as u128) << 64) | q[1] as u128,
                lo: ((q[2] as u128) << 64) | q[3] as u128,
            },
            rem as u64,
        )
    }

    pub fn to_decimal_string(self) -> String {
        if self.hi == 0 {
            return self.lo.to_string();
        }
        let mut parts = Vec::new();
        let mut v = self;
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
        while !v.is_zero() {
            let (q, r) = v.div_rem_u64(CHUNK);
            parts.push(r);
            v = q;
        }
        let mut s = parts.pop().map(|p| p.to_string()).unwrap_or_default();
        while let Some(p) = parts.pop() {
            s.push_str(&format!("{p:019}"));
        }
        s
    }
}

/// Error when an exact sum would exceed 256 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

/// An exact non-negative sum of decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sum {
    pub value: U256,
    pub scale: u8,
}

impl Sum {
    pub const ZERO: Sum = Sum {
        value: U256::ZERO,
        scale: 0,
    };

    fn rescaled(self, scale: u8) -> Result<Sum, Overflow> {
        if scale == self.scale {
            return Ok(self);
        }
        let mut v = self.value;
        let mut up = scale - self.scale;
        while up > 0 {
            let step = up.min(38);
            v = v.checked_mul_u128(pow10(step)).ok_or(Overflow)?;
            up -= step;
        }
        Ok(Sum { value: v, scale })
    }

    /// `self + other`, exactly, at the larger of the two scales.
    #[inline]
    pub fn checked_add(self, other: Sum) -> Result<Sum, Overflow> {
        if self.scale == other.scale {
            return Ok(Sum {
                value: self.value.checked_add(other.value).ok_or(Overflow)?,
                scale: self.scale,
            });
        }
        if self.value.is_zero() {
            return Ok(other);
        }
        let s = self.scale.max(other.scale);
        let a = self.rescaled(s)?;
        let b = other.rescaled(s)?;
        Ok(Sum {
            value: a.value.checked_add(b.value).ok_or(Overflow)?,
            scale: s,
        })
    }

    /// `self - other`, exactly; an error if the result would be negative or out of range.
    pub fn checked_sub(self, other: Sum) -> Result<Sum, Overflow> {
        let s = self.scale.max(other.scale);
        let a = self.rescaled(s)?;
        let b = other.rescaled(s)?;
        Ok(Sum {
            value: a.value.checked_sub(b.value).ok_or(Overflow)?,
            scale: s,
        })
    }

    #[inline]
    pub fn add_decimal(&mut self, d: Decimal) -> Result<(), Overflow> {
        *self = self.checked_add(d.to_sum())?;
        Ok(())
    }

    pub fn is_zero(self) -> bool {
        self.value.is_zero()
    }

    /// Plain decimal text, no exponent, no trailing zeros (`0` for zero).
    pub fn write(self, out: &mut Vec<u8>) {
        if self.value.hi == 0 {
            let mut buf = [0u8; 40];
            write_plain(
                out,
                u128_digits(self.value.lo, &mut buf),
                self.scale as usize,
            );
        } else {
            write_plain(out, &self.value.to_decimal_string(), self.scale as usize);
        }
    }
}

impl fmt::Display for Sum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = Vec::new();
        self.write(&mut buf);
        f.write_str(std::str::from_utf8(&buf).unwrap_or("?"))
    }
}

/// Write a decimal as plain text into `out`.
pub fn write_decimal(out: &mut Vec<u8>, d: Decimal) {
    let mut buf = [0u8; 40];
    write_plain(out, u128_digits(d.mant, &mut buf), d.scale as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn leading_digits_counts_the_digit_run() {
        let bytes = b"0123456789/:\x00 .\"\xff-a";
        let mut rng = crate::testrng::Lcg(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let x = rng.next_u64();
            let word: Vec<u8> = (0..8)
                .map(|i| {
                    let r = (x >> (i * 7)) as usize;
                    // Mostly digits, so long runs are common.
                    if r % 4 != 0 {
                        b'0' + (r % 10) as u8
                    } else {
                        bytes[r % bytes.len()]
                    }
                })
                .collect();
            let want = word.iter().take_while(|b| b.is_ascii_digit()).count() as u32;
            let got = leading_digits(u64::from_le_bytes(word[..].try_into().unwrap()));
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&word));
        }
    }

    #[test]
    fn digits_of_every_width() {
        let mut buf = [0u8; 40];
        let mut values = vec![
            0u128,
            1,
            9,
            10,
            u64::MAX as u128,
            u64::MAX as u128 + 1,
            u128::MAX,
        ];
        for k in 0..=38u32 {
            let p = 10u128.pow(k);
            values.extend([p, p - 1, p + 1, p * 3 + 7]);
        }
        values.push(10_000_000_000_000_000_000u128 * 10_000_000_000_000_000_000u128 + 5);
        for v in values {
            assert_eq!(u128_digits(v, &mut buf), v.to_string());
        }
    }

    /// `parse_quoted` answers only where `parse` answers, with the same mantissa and scale.
    #[test]
    fn parse_quoted_agrees_with_parse() {
        let mut texts: Vec<String> = Vec::new();
        for int in [
            "",
            "0",
            "00",
            "7",
            "65999",
            "1234567890123456789",
            "12345678901234567890",
        ] {
            for frac in [
                None,
                Some(""),
                Some("0"),
                Some("5"),
                Some("00604000"),
                Some("123456789"),
                Some("1234567890123456"),
                Some("0000000000000000000000000000001"),
            ] {
                texts.push(match frac {
                    None => int.to_string(),
                    Some(f) => format!("{int}.{f}"),
                });
            }
        }
        texts.extend(
            ["-1", "1e5", "1.5e3", " 1", "1 ", "+1", ".5", "1..5", "0x10"].map(String::from),
        );
        let mut answered = 0;
        for t in &texts {
            for tail in ["\"", "\",", "", "\"}"] {
                let line = format!("{t}{tail}");
                let Some((d, quote)) = Decimal::parse_quoted(line.as_bytes(), 0) else {
                    continue;
                };
                answered += 1;
                assert_eq!(quote, t.len(), "{line}");
                let want = Decimal::parse(t).unwrap();
                assert_eq!((d.mant, d.scale), (want.mant, want.scale), "{line}");
            }
        }
        assert!(answered >= 30, "{answered}");
        // Zero and one-past-the-limit shapes are left to `parse`.
        assert!(Decimal::parse_quoted(b"12345678901234567890\"", 0).is_none());
        assert!(Decimal::parse_quoted(b"1.\"", 0).is_none());
        assert!(Decimal::parse_quoted(b"1.5", 0).is_none());
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(
            (p("66578.50000000").mant, p("66578.50000000").scale),
            (6657850000000, 8)
        );
        assert_eq!(p("0.1e-5"), p("0.000001"));
        assert_eq!(p("9.2E-7").to_string(), "0.00000092");
        assert_eq!(p("1E3").to_string(), "1000");
        assert_eq!(p("0").to_string(), "0");
        assert_eq!(p("-0").to_string(), "0");
        assert_eq!(p("0.00000000").to_string(), "0");
        assert_eq!(p("007.50").to_string(), "7.5");
        assert_eq!(
            p("12345678901234567890123456789012345678").to_string(),
            "12345678901234567890123456789012345678"
        );
        // 45 significant digits of which the last are zeros in the fraction: still exact.
        assert_eq!(
            p("1.000000000000000000000000000000000000000000000").to_string(),
            "1"
        );
    }

    #[test]
    fn eight_digits_at_once() {
        assert_eq!(eight_digits(b"12345678"), Some(12_345_678));
        assert_eq!(eight_digits(b"00000000"), Some(0));
        assert_eq!(eight_digits(b"99999999"), Some(99_999_999));
        for bad in [
            b"1234567a",
            b"/2345678",
            b"12:45678",
            b"1234 678",
            b"\xff2345678",
        ] {
            assert_eq!(eight_digits(bad), None, "{bad:?}");
        }
        for n in [0u64, 7, 10, 123, 4_567_890, 10_000_001, 98_765_432] {
            assert_eq!(eight_digits(format!("{n:08}").as_bytes()), Some(n));
        }
    }

    #[test]
    fn fast_and_slow_paths_agree() {
        for t in [
            "0.1",
            "123.45678901",
            "1234567890123456789",
            "12345678901234567890",
            "1.123456789012345678",
            "0.00000000000000000001",
            "66578.50000000",
        ] {
            let fast = Decimal::parse(t).unwrap();
            let slow = Decimal::parse_slow(t.as_bytes(), t.find('.').unwrap_or(t.len())).unwrap();
            assert_eq!(fast, slow, "{t}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_hold_exactly() {
        assert_eq!(Decimal::parse(""), Err(DecimalError::Empty));
        assert_eq!(Decimal::parse("-5"), Err(DecimalError::Negative));
        assert_eq!(Decimal::parse("NaN"), Err(DecimalError::Syntax));
        assert_eq!(Decimal::parse("1."), Err(DecimalError::Syntax));
        assert_eq!(Decimal::parse(".5"), Err(DecimalError::Syntax));
        assert_eq!(Decimal::parse("1e400"), Err(DecimalError::OutOfRange));
        assert_eq!(Decimal::parse("1e-400"), Err(DecimalError::OutOfRange));
        assert_eq!(
            Decimal::parse("1234567890123456789012345678901234567890"),
            Err(DecimalError::TooManyDigits)
        );
        assert_eq!(Decimal::parse(" 1"), Err(DecimalError::Syntax));
        assert_eq!(Decimal::parse("1 "), Err(DecimalError::Syntax));
    }

    #[test]
    fn prints_plain_text() {
        for (mant, scale, text) in [
            (0u128, 0u8, "0"),
            (0, 8, "0"),
            (5, 0, "5"),
            (50, 1, "5"),
            (5, 1, "0.5"),
            (5, 8, "0.00000005"),
            (90, 8, "0.0000009"),
            (6657850000000, 8, "66578.5"),
            (u128::MAX, 0, "340282366920938463463374607431768211455"),
            (u128::MAX, 38, "3.40282366920938463463374607431768211455"),
        ] {
            let mut out = Vec::new();
            write_decimal(&mut out, Decimal::new(mant, scale));
            assert_eq!(String::from_utf8(out).unwrap(), text);
            let mut out = Vec::new();
            Decimal::new(mant, scale).to_sum().write(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }

    #[test]
    fn compares_across_scales() {
        assert_eq!(p("1.10"), p("1.1"));
        assert!(p("1.09") < p("1.1"));
        assert!(p("100") > p("99.99999999"));
    }

    #[test]
    fn sums_are_exact() {
        let mut s = Sum::ZERO;
        for _ in 0..3 {
            s.add_decimal(p("0.1")).unwrap();
        }
        assert_eq!(s.to_string(), "0.3");
        s.add_decimal(p("0.00000001")).unwrap();
        assert_eq!(s.to_string(), "0.30000001");
        let q = p("66578.5").product(p("0.00123"));
        assert_eq!(q.to_string(), "81.891555");
        assert_eq!(Sum::ZERO.to_string(), "0");
    }

    #[test]
    fn wide_products_and_sums() {
        let big = p("99999999999999999999999999999999999999");
        let sq = big.product(big);
        assert_eq!(
            sq.to_string(),
            "9999999999999999999999999999999999999800000000000000000000000000000000000001"
        );
        assert!(sq.checked_add(sq).is_ok());
        let mut acc = sq;
        let mut overflowed = false;
        for _ in 0..100 {
            match acc.checked_add(sq) {
                Ok(v) => acc = v,
                Err(Overflow) => {
                    overflowed = true;
                    break;
                }
            }
        }
        assert!(overflowed, "a 256-bit sum must report overflow, not wrap");
        let x = p("10.5").to_sum();
        assert_eq!(
            x.checked_sub(p("0.25").to_sum()).unwrap().to_string(),
            "10.25"
        );
        assert!(p("1").to_sum().checked_sub(p("1.5").to_sum()).is_err());
        let wide = sq.checked_add(sq).unwrap();
        assert_eq!(wide.checked_sub(sq).unwrap(), sq);
    }
}
