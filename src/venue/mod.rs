//! Venue decoders: recognise a venue's messages and turn its trade messages into [`Trade`]s.
//!
//! Each venue is one file with one public function,
//! `decode(msg, ctx, out) -> Result<Decoded, DecodeError>`, written against [`JsonView`] so
//! the same code runs on the fast tape and on the serde_json reference. It returns
//! [`Decoded::NotMine`] for messages of other venues, pushes trades (and counted skips) into
//! `out`, and reports a recognised trade message it cannot read exactly as a [`DecodeError`].
//! Adding a venue: write `venue/<name>.rs` and add it to the list in [`decode`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use crate::decimal::Decimal;
use crate::json::{JsonView, Kind};
use crate::time::{self, Unit};
use crate::trade::Trade;

#[cfg(test)]
mod testkit;

// One module per venue (keep sorted).
pub mod ascendex;
pub mod binance;
pub mod bitcom;
pub mod bitfinex;
pub mod bitflyer;
pub mod bitget;
pub mod bithumb;
pub mod bitmex;
pub mod bitstamp;
pub mod bybit;
pub mod coinbase;
pub mod deribit;
pub mod dydx;
pub mod gateio;
pub mod gemini;
pub mod hitbtc;
pub mod huobi;
pub mod hyperliquid;
pub mod kraken;
pub mod kraken_futures;
pub mod kucoin;
pub mod okx;
pub mod phemex;
pub mod poloniex;
pub mod probit;
pub mod upbit;

/// What a decoder knows besides the message itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ctx<'c> {
    /// The URL of the recording's connection (cryptofeed's header line), if known.
    pub url: Option<&'c str>,
    /// The channels announced so far on this connection ([`Decoded::Channel`]), if any.
    pub channels: Option<&'c Channels>,
}

/// A channel of one connection, as the venue announced it. Bitfinex numbers its channels
/// per connection and names only the number in its data messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    /// The venue's channel name (`trades`, `book`, ...).
    pub name: Box<str>,
    /// The symbol (or key) the channel carries.
    pub symbol: Box<str>,
}

/// Channel number -> channel, for one connection. The engine keeps it as connection state
/// (like the URL) and hands it to decoders in [`Ctx::channels`].
pub type Channels = BTreeMap<u64, Channel>;

/// Where a decoder puts what it finds in one message.
pub trait Out<'a> {
    fn trade(&mut self, trade: Trade<'a>);
    /// A trade deliberately left out, with the reason users see in the summary.
    fn skip(&mut self, reason: &'static str);
}

/// What a message was.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded<'a> {
    /// Not a message of any venue tried.
    NotMine,
    /// A trade message; its trades went to `out`.
    Trades { venue: &'static str },
    /// A message of the venue that carries no trades (book, ticker, acks, ...).
    Other {
        venue: &'static str,
        kind: Cow<'a, str>,
    },
    /// A message without trades that opens (`channel: Some`) or closes (`None`) channel `id`
    /// of the connection: later messages of the connection are decoded with it.
    Channel {
        venue: &'static str,
        id: u64,
        channel: Option<Channel>,
    },
}

/// A recognised trade message that cannot be read exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// `binance trade`
    pub message: &'static str,
    /// The wire field, e.g. `p`.
    pub field: &'static str,
    pub problem: Cow<'static, str>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}` {}", self.message, self.field, self.problem)
    }
}

impl DecodeError {
    pub fn new(
        message: &'static str,
        field: &'static str,
        problem: impl Into<Cow<'static, str>>,
    ) -> Self {
        DecodeError {
            message,
            field,
            problem: problem.into(),
        }
    }
}

/// Decode one message with every known venue, the first that recognises it wins.
pub fn decode<'a, J: JsonView<'a>>(
    msg: J,
    ctx: &Ctx,
    out: &mut dyn Out<'a>,
) -> Result<Decoded<'a>, DecodeError> {
    // The list of venues, one line each. Order matters only where shapes could overlap;
    // each decoder checks distinctive keys before claiming a message.
    let decoders: &[Decoder<'a, J>] = &[
        binance::decode, // keep first: the bulk of most captures
        bybit::decode,
        okx::decode,
        coinbase::decode,
        bitmex::decode,
        bitstamp::decode,
        kraken_futures::decode,
        huobi::decode,
        upbit::decode,
        kraken::decode,
        gateio::decode,
        deribit::decode,
        hyperliquid::decode,
        hitbtc::decode,
        gemini::decode,
        poloniex::decode,
        kucoin::decode,
        bitflyer::decode,
        bitget::decode,
        ascendex::decode,
        dydx::decode,
        bitfinex::decode,
        bitcom::decode,
        bithumb::decode,
        probit::decode,
        phemex::decode,
    ];
    for decoder in decoders {
        let d = decoder(msg, ctx, out)?;
        if d != Decoded::NotMine {
            return Ok(d);
        }
    }
    Ok(Decoded::NotMine)
}

/// The signature every venue's `decode` has.
pub type Decoder<'a, J> = fn(J, &Ctx, &mut dyn Out<'a>) -> Result<Decoded<'a>, DecodeError>;

// ----- helpers shared by decoders -------------------------------------------------------

/// A field that must be present.
pub fn need<'a, J: JsonView<'a>>(
    v: Option<J>,
    message: &'static str,
    field: &'static str,
) -> Result<J, DecodeError> {
    v.ok_or_else(|| DecodeError::new(message, field, "is missing"))
}

/// A price or size: decimal text in a string or a JSON number, strictly positive.
pub fn positive_decimal<'a, J: JsonView<'a>>(
    v: Option<J>,
    message: &'static str,
    field: &'static str,
) -> Result<Decimal, DecodeError> {
    let v = need(v, message, field)?;
    let text = v
        .text()
        .ok_or_else(|| DecodeError::new(message, field, "is not a number or a string"))?;
    let d = Decimal::parse(&text).map_err(|e| DecodeError::new(message, field, e.to_string()))?;
    if d.is_zero() {
        return Err(DecodeError::new(message, field, "is zero"));
    }
    Ok(d)
}

/// An integer epoch time in a string or number.
pub fn epoch<'a, J: JsonView<'a>>(
    v: Option<J>,
    unit: Unit,
    message: &'static str,
    field: &'static str,
) -> Result<i64, DecodeError> {
    let v = need(v, message, field)?;
    let text = match v.kind() {
        Kind::Number => v.number_text(),
        Kind::String => v.str(),
        _ => None,
    }
    .ok_or_else(|| DecodeError::new(message, field, "is not a timestamp"))?;
    time::parse_epoch(&text, unit).map_err(|e| DecodeError::new(message, field, e.to_string()))
}

/// The text of a trade id: a string's value, or the text of a JSON number without an
/// exponent. A number such as `8169965e3553` is not an id a venue sends, and its text is not
/// kept alike by every reader (serde_json writes `8169965e+3553`), so copies of one trade
/// could read as two ids: it is refused (found by the `venue_gateio` fuzz target).
pub fn id_text<'a, J: JsonView<'a>>(v: J) -> Option<Cow<'a, str>> {
    match v.kind() {
        Kind::String => v.str(),
        Kind::Number => v.number_text().filter(|t| !t.contains(['e', 'E'])),
        _ => None,
    }
}

/// A string field.
pub fn string<'a, J: JsonView<'a>>(
    v: Option<J>,
    message: &'static str,
    field: &'static str,
) -> Result<Cow<'a, str>, DecodeError> {
    let v = need(v, message, field)?;
    let s = v
        .str()
        .ok_or_else(|| DecodeError::new(message, field, "is not a string"))?;
    if s.is_empty() {
        return Err(DecodeError::new(message, field, "is empty"));
    }
    Ok(s)
}

/// The name of a secondary trade stream, for the summary of what was left out.
pub fn stream_label(venue: &str, stream: u8) -> &'static str {
    if venue.starts_with("binance") {
        binance::stream_name(stream)
    } else if stream == 0 {
        "trade"
    } else {
        "secondary trade stream"
    }
}
