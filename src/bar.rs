//! Bars: a partial bar that merges associatively, and the CSV row of a finished one.
//!
//! A [`PartialBar`] summarises any set of trades of one (series, bucket): open and close keep
//! the [`OrderKey`] of the trade they came from, so two partials merge into the partial of
//! the union whatever the order they are merged in (checked by property tests). That is what
//! lets chunks of a capture be decoded in parallel and merged in any grouping.

use crate::decimal::{write_decimal, Decimal, Overflow, Sum, U256};
use crate::trade::Side;

/// The order of trades inside a bucket: trade time, then the trade id where the venue's
/// ids increase (0 otherwise), then capture order (input, byte offset, index in message).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey {
    pub time: i64,
    pub id: u128,
    pub capture: u128,
}

/// Capture order packed into one integer: input rank, byte offset, index in the message.
#[inline]
pub fn capture_order(input: u32, offset: u64, index: u32) -> u128 {
    ((input as u128) << 96) | ((offset as u128) << 32) | index as u128
}

/// Open, high, low, close, volumes and count of some trades of one bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartialBar {
    pub open_key: OrderKey,
    pub open: Decimal,
    pub close_key: OrderKey,
    pub close: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub volume: Sum,
    pub quote_volume: Sum,
    pub buy_volume: Sum,
    pub trades: u64,
}

impl PartialBar {
    /// The bar of a single trade.
    #[inline]
    pub fn of_trade(key: OrderKey, price: Decimal, size: Decimal, side: Side) -> PartialBar {
        PartialBar::of_trade_with(key, price, size, side, true)
    }

    /// [`PartialBar::of_trade`]; without `full` the base and buy volumes stay zero, in
    /// this and in [`PartialBar::add_trade_with`] and [`PartialBar::remove_copies_with`],
    /// and open and close stay those of the trade the bar was made of (later trades do not
    /// move them): for passes that count and write no bars (`stats`, see
    /// `WorkerObs::FULL_BARS`), which read only the count, high, low and quote volume.
    #[inline(always)]
    pub fn of_trade_with(
        key: OrderKey,
        price: Decimal,
        size: Decimal,
        side: Side,
        full: bool,
    ) -> PartialBar {
        let base = if full { size.to_sum() } else { Sum::ZERO };
        PartialBar {
            open_key: key,
            open: price,
            close_key: key,
            close: price,
            high: price,
            low: price,
            volume: base,
            quote_volume: price.product(size),
            buy_volume: if side == Side::Buy { base } else { Sum::ZERO },
            trades: 1,
        }
    }

    /// Add one trade. On overflow of an exact sum the bar is left unchanged.
    #[inline]
    pub fn add_trade(
        &mut self,
        key: OrderKey,
        price: Decimal,
        size: Decimal,
        side: Side,
    ) -> Result<(), Overflow> {
        self.add_trade_with(key, price, size, side, true)
    }

    /// [`PartialBar::add_trade`], with the base and buy volumes, open and close only if
    /// `full`.
    #[inline(always)]
    pub fn add_trade_with(
        &mut self,
        key: OrderKey,
        price: Decimal,
        size: Decimal,
        side: Side,
        full: bool,
    ) -> Result<(), Overflow> {
        let quote = price.product(size);
        let buy = side == Side::Buy;
        if !full {
            if self.quote_volume.scale == quote.scale {
                self.quote_volume.value = self
                    .quote_volume
                    .value
                    .checked_add(quote.value)
                    .ok_or(Overflow)?;
            } else {
                self.quote_volume = self.quote_volume.checked_add(quote)?;
            }
        } else if self.volume.scale == size.scale
            && self.quote_volume.scale == quote.scale
            && (!buy || self.buy_volume.scale == size.scale)
        {
            // The usual case: each sum has the scale of what is added to it already, so
            // the sums are added to in place (no rescaling, no copies of whole sums).
            let s = U256::from(size.mant);
            let volume = self.volume.value.checked_add(s).ok_or(Overflow)?;
            let quote_volume = self
                .quote_volume
                .value
                .checked_add(quote.value)
                .ok_or(Overflow)?;
            if buy {
                self.buy_volume.value = self.buy_volume.value.checked_add(s).ok_or(Overflow)?;
            }
            self.volume.value = volume;
            self.quote_volume.value = quote_volume;
        } else {
            let volume = self.volume.checked_add(size.to_sum())?;
            let quote_volume = self.quote_volume.checked_add(quote)?;
            if buy {
                self.buy_volume = self.buy_volume.checked_add(size.to_sum())?;
            }
            self.volume = volume;
            self.quote_volume = quote_volume;
        }
        if full {
            if key < self.open_key {
                self.open_key = key;
                self.open = price;
            }
            if key > self.close_key {
                self.close_key = key;
                self.close = price;
            }
        }
        if price > self.high {
            self.high = price;
        }
        if price < self.low {
            self.low = price;
        }
        self.trades += 1;
        Ok(())
    }

    /// Take `n` copies of a trade out of the sums and the count. Only for copies of a trade
    /// that stays in the bar at least once (so high, low, open and close keep their prices).
    pub fn remove_copies(
        &mut self,
        price: Decimal,
        size: Decimal,
        side: Side,
        n: u64,
    ) -> Result<(), Overflow> {
        self.remove_copies_with(price, size, side, n, true)
    }

    /// [`PartialBar::remove_copies`], with the base and buy volumes only if `full`.
    pub fn remove_copies_with(
        &mut self,
        price: Decimal,
        size: Decimal,
        side: Side,
        n: u64,
        full: bool,
    ) -> Result<(), Overflow> {
        for _ in 0..n {
            if full {
                self.volume = self.volume.checked_sub(size.to_sum())?;
            }
            self.quote_volume = self.quote_volume.checked_sub(price.product(size))?;
            if full && side == Side::Buy {
                self.buy_volume = self.buy_volume.checked_sub(size.to_sum())?;
            }
        }
        self.trades = self.trades.checked_sub(n).ok_or(Overflow)?;
        Ok(())
    }

    /// The partial of the union of two disjoint sets of trades.
    pub fn merge(&mut self, o: &PartialBar) -> Result<(), Overflow> {
        let volume = self.volume.checked_add(o.volume)?;
        let quote_volume = self.quote_volume.checked_add(o.quote_volume)?;
        let buy_volume = self.buy_volume.checked_add(o.buy_volume)?;
        if o.open_key < self.open_key {
            self.open_key = o.open_key;
            self.open = o.open;
        }
        if o.close_key > self.close_key {
            self.close_key = o.close_key;
            self.close = o.close;
        }
        if o.high > self.high {
            self.high = o.high;
        }
        if o.low < self.low {
            self.low = o.low;
        }
        self.volume = volume;
        self.quote_volume = quote_volume;
        self.buy_volume = buy_volume;
        self.trades += o.trades;
        Ok(())
    }
}

/// Column names of a bar row (after `venue,symbol` in the long form).
pub const COLUMNS: [&str; 9] = [
    "ts",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "trades",
    "quote_volume",
    "buy_volume",
];

/// Append the CSV row of a bar starting at `ts_ms`.
pub fn write_row(out: &mut Vec<u8>, ts_ms: i64, bar: &PartialBar) {
    use std::io::Write;
    let _ = write!(out, "{ts_ms},");
    write_decimal(out, bar.open);
    out.push(b',');
    write_decimal(out, bar.high);
    out.push(b',');
    write_decimal(out, bar.low);
    out.push(b',');
    write_decimal(out, bar.close);
    out.push(b',');
    bar.volume.write(out);
    let _ = write!(out, ",{},", bar.trades);
    bar.quote_volume.write(out);
    out.push(b',');
    bar.buy_volume.write(out);
    out.push(b'\n');
}

/// Append the row of an empty interval, forward-filled from the previous close.
pub fn write_fill_row(out: &mut Vec<u8>, ts_ms: i64, close: Decimal) {
    use std::io::Write;
    let _ = write!(out, "{ts_ms},");
    for _ in 0..4 {
        write_decimal(out, close);
        out.push(b',');
    }
    out.extend_from_slice(b"0,0,0,0\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::cmp_sums;
    use proptest::prelude::*;

    fn key(time: i64, id: u128) -> OrderKey {
        OrderKey {
            time,
            id,
            capture: 0,
        }
    }

    fn bar_of(trades: &[(i64, u128, u64, u64, bool)]) -> Option<PartialBar> {
        let mut bar: Option<PartialBar> = None;
        for &(t, id, p, q, buy) in trades {
            let side = if buy { Side::Buy } else { Side::Sell };
            let (p, q) = (Decimal::new(p as u128, 2), Decimal::new(q as u128, 3));
            match &mut bar {
                None => bar = Some(PartialBar::of_trade(key(t, id), p, q, side)),
                Some(b) => b.add_trade(key(t, id), p, q, side).unwrap(),
            }
        }
        bar
    }

    proptest! {
        #[test]
        fn merge_is_order_independent(
            trades in proptest::collection::vec((0i64..50, 0u128..1000, 1u64..100_000, 1u64..100_000, any::<bool>()), 2..40),
            split in 1usize..39,
        ) {
            // Distinct keys, as after dedup.
            let mut trades = trades;
            for (i, t) in trades.iter_mut().enumerate() { t.1 = t.1 * 100 + i as u128; }
            let split = split.min(trades.len() - 1);
            let whole = bar_of(&trades).unwrap();
            let mut a = bar_of(&trades[..split]).unwrap();
            let b = bar_of(&trades[split..]).unwrap();
            let mut b2 = b;
            a.merge(&b).unwrap();
            b2.merge(&bar_of(&trades[..split]).unwrap()).unwrap();
            prop_assert_eq!(a, whole);
            prop_assert_eq!(b2, whole);
            prop_assert!(whole.low <= whole.open && whole.open <= whole.high);
            prop_assert!(whole.low <= whole.close && whole.close <= whole.high);
            prop_assert_eq!(whole.trades as usize, trades.len());
        }
    }

    proptest! {
        #[test]
        fn sums_are_exact_whatever_the_scales(
            trades in proptest::collection::vec(
                (1u64..100_000, 0u8..4, 1u64..100_000, 0u8..4, any::<bool>()), 1..30),
        ) {
            // In place (scales agree) or rescaled, the sums are what `Sum::checked_add`
            // makes of the trades one by one; a light bar (not `full`) has the same count,
            // high, low and quote volume.
            let (mut full, mut light): (Option<PartialBar>, Option<PartialBar>) = (None, None);
            let (mut v, mut qv, mut bv) = (Sum::ZERO, Sum::ZERO, Sum::ZERO);
            let mut last = None;
            for (i, &(p, ps, q, qs, buy)) in trades.iter().enumerate() {
                let side = if buy { Side::Buy } else { Side::Sell };
                let (p, q) = (Decimal::new(p as u128, ps), Decimal::new(q as u128, qs));
                let k = key(i as i64, i as u128);
                v = v.checked_add(q.to_sum()).unwrap();
                qv = qv.checked_add(p.product(q)).unwrap();
                if buy {
                    bv = bv.checked_add(q.to_sum()).unwrap();
                }
                for (bar, all) in [(&mut full, true), (&mut light, false)] {
                    match bar {
                        None => *bar = Some(PartialBar::of_trade_with(k, p, q, side, all)),
                        Some(b) => b.add_trade_with(k, p, q, side, all).unwrap(),
                    }
                }
                last = Some((p, q, side));
            }
            let (mut full, mut light) = (full.unwrap(), light.unwrap());
            prop_assert_eq!((full.volume, full.quote_volume, full.buy_volume), (v, qv, bv));
            prop_assert_eq!((light.volume, light.buy_volume), (Sum::ZERO, Sum::ZERO));
            let rest = |b: &PartialBar| (b.high, b.low, b.quote_volume, b.trades);
            prop_assert_eq!(rest(&light), rest(&full));
            // A copy of the last trade taken out again.
            let (p, q, side) = last.unwrap();
            let k = key(trades.len() as i64, 0);
            full.add_trade(k, p, q, side).unwrap();
            light.add_trade_with(k, p, q, side, false).unwrap();
            full.remove_copies(p, q, side, 1).unwrap();
            light.remove_copies_with(p, q, side, 1, false).unwrap();
            prop_assert_eq!(cmp_sums(full.volume, v), std::cmp::Ordering::Equal);
            prop_assert_eq!(cmp_sums(full.quote_volume, qv), std::cmp::Ordering::Equal);
            prop_assert_eq!(cmp_sums(light.quote_volume, qv), std::cmp::Ordering::Equal);
            prop_assert_eq!((light.volume, light.buy_volume), (Sum::ZERO, Sum::ZERO));
        }
    }

    #[test]
    fn rows_print_plain_decimals() {
        let mut b = PartialBar::of_trade(
            key(1, 1),
            Decimal::parse("0.00000090").unwrap(),
            Decimal::parse("1000.00000000").unwrap(),
            Side::Buy,
        );
        b.add_trade(
            key(2, 2),
            Decimal::parse("0.00000091").unwrap(),
            Decimal::parse("0.1").unwrap(),
            Side::Sell,
        )
        .unwrap();
        let mut out = Vec::new();
        write_row(&mut out, 1_718_841_600_000, &b);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1718841600000,0.0000009,0.00000091,0.0000009,0.00000091,1000.1,2,0.000900091,1000\n"
        );
        let mut out = Vec::new();
        write_fill_row(&mut out, 10_000, Decimal::parse("66578.50").unwrap());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "10000,66578.5,66578.5,66578.5,66578.5,0,0,0,0\n"
        );
    }
}
