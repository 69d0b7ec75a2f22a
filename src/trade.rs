//! The domain trade every venue decoder hands out.

use std::borrow::Cow;

use crate::decimal::Decimal;

/// The aggressor's (taker's) side, normalised per venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
    Unknown,
}

/// A trade id exactly as the venue gives it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TradeId<'a> {
    /// The venue sends no id: duplicates across inputs are recognised by content (time,
    /// price, size, side); within one input every copy counts (see docs/bars.md).
    None,
    /// An integer id (or a digit string without leading zeros) of up to 38 digits.
    Num(u128),
    /// Anything else (UUIDs, longer digit strings, text), compared byte for byte.
    Text(Cow<'a, str>),
}

impl<'a> TradeId<'a> {
    /// An id from its text: digits become [`TradeId::Num`] when that is exact.
    pub fn from_text(text: Cow<'a, str>) -> TradeId<'a> {
        let b = text.as_bytes();
        let plain_digits = !b.is_empty()
            && b.len() <= 38
            && b.iter().all(u8::is_ascii_digit)
            && (b.len() == 1 || b[0] != b'0');
        if plain_digits {
            if b.len() <= 19 {
                let v = b.iter().fold(0u64, |acc, &c| acc * 10 + (c - b'0') as u64);
                return TradeId::Num(v as u128);
            }
            if let Ok(v) = text.parse::<u128>() {
                return TradeId::Num(v);
            }
        }
        TradeId::Text(text)
    }

    pub fn into_owned(self) -> TradeId<'static> {
        match self {
            TradeId::None => TradeId::None,
            TradeId::Num(v) => TradeId::Num(v),
            TradeId::Text(t) => TradeId::Text(Cow::Owned(t.into_owned())),
        }
    }
}

/// One public trade, as decoded from a venue message.
#[derive(Clone, Debug, PartialEq)]
pub struct Trade<'a> {
    /// Lowercase venue name (`binance`, `binance-futures`, ...).
    pub venue: &'static str,
    /// Which of the venue's trade streams carried it: streams of one symbol that report the
    /// same fills differently (Binance `trade` and `aggTrade`) are kept apart, and the bars
    /// use the preferred one (lowest rank). 0 is the preferred stream.
    pub stream: u8,
    pub symbol: Cow<'a, str>,
    /// Exchange trade time, ns since the epoch.
    pub time: i64,
    pub price: Decimal,
    pub size: Decimal,
    pub side: Side,
    pub id: TradeId<'a>,
    /// The venue's ids increase with time per symbol, so they order trades of one instant.
    pub id_ordered: bool,
    /// The venue labels this trade as history (a snapshot replayed on subscribe).
    pub history: bool,
}
