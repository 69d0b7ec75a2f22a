//! Duplicate detection with compact state.
//!
//! A duplicate of a trade has the same trade time, so it falls in the same bucket: the ids
//! seen are kept per (series, bucket) and dropped when the bucket is closed. Integer ids
//! (Binance, Coinbase, ...) increase per symbol, so a bucket's ids are stored as sorted
//! ranges: usually one range per bucket, whatever the number of trades. Other ids (UUIDs,
//! text) are kept in a set.

use std::collections::HashSet;

use crate::decimal::Decimal;
use crate::trade::{Side, TradeId};

/// What identifies a trade of a venue that sends no ids: its time, price, size and side.
/// Two such trades in one recording are two trades; across recordings of the same feed, a
/// content counts as many times as the recording that holds it most often.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContentKey {
    pub time: i64,
    /// Normalised (trailing zeros removed), so `1.10` and `1.1` are one price.
    pub price: (u128, u8),
    pub size: (u128, u8),
    pub side: Side,
}

impl ContentKey {
    pub fn new(time: i64, price: Decimal, size: Decimal, side: Side) -> ContentKey {
        let (p, q) = (price.normalized(), size.normalized());
        ContentKey {
            time,
            price: (p.mant, p.scale),
            size: (q.mant, q.scale),
            side,
        }
    }
}

/// How often each content was seen per input, in one bucket.
#[derive(Clone, Debug, Default)]
pub struct ContentCounts {
    map: std::collections::HashMap<ContentKey, Vec<(u32, u32)>>,
}

impl ContentCounts {
    /// Record `n` more copies of `key` from `input`; returns how many of them are beyond the
    /// largest count any input had before (the copies the bars keep).
    pub fn add(&mut self, key: ContentKey, input: u32, n: u32) -> u32 {
        let per = self.map.entry(key).or_default();
        let max_before = per.iter().map(|&(_, c)| c).max().unwrap_or(0);
        let mine = match per.iter_mut().find(|(i, _)| *i == input) {
            Some((_, c)) => {
                *c += n;
                *c
            }
            None => {
                per.push((input, n));
                n
            }
        };
        mine.saturating_sub(max_before).min(n)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The ids seen in one bucket.
#[derive(Clone, Debug, Default)]
pub struct IdSet {
    /// Sorted, disjoint, non-adjacent inclusive ranges.
    ranges: Vec<(u128, u128)>,
    text: Option<HashSet<Box<str>>>,
}

impl IdSet {
    pub fn new() -> IdSet {
        IdSet::default()
    }

    /// Record an id; false when it was already there (a duplicate). Trades without ids are
    /// never duplicates here.
    #[inline]
    pub fn insert(&mut self, id: &TradeId) -> bool {
        match id {
            TradeId::None => true,
            TradeId::Num(v) => self.insert_num(*v),
            TradeId::Text(t) => self
                .text
                .get_or_insert_with(Default::default)
                .insert(Box::from(t.as_ref())),
        }
    }

    #[inline]
    pub fn insert_num(&mut self, v: u128) -> bool {
        // Fast path: the next id of the last range, or a new last range.
        if let Some(last) = self.ranges.last_mut() {
            if v > last.1 {
                if v == last.1 + 1 {
                    last.1 = v;
                } else {
                    self.ranges.push((v, v));
                }
                return true;
            }
        } else {
            self.ranges.push((v, v));
            return true;
        }
        // First range whose end is >= v.
        let i = self.ranges.partition_point(|r| r.1 < v);
        let r = self.ranges[i];
        if r.0 <= v {
            return false;
        }
        let joins_prev = i > 0 && self.ranges[i - 1].1 + 1 == v;
        let joins_next = v + 1 == r.0;
        match (joins_prev, joins_next) {
            (true, true) => {
                self.ranges[i - 1].1 = r.1;
                self.ranges.remove(i);
            }
            (true, false) => self.ranges[i - 1].1 = v,
            (false, true) => self.ranges[i].0 = v,
            (false, false) => self.ranges.insert(i, (v, v)),
        }
        true
    }

    pub fn contains(&self, id: &TradeId) -> bool {
        match id {
            TradeId::None => false,
            TradeId::Num(v) => {
                let i = self.ranges.partition_point(|r| r.1 < *v);
                i < self.ranges.len() && self.ranges[i].0 <= *v
            }
            TradeId::Text(t) => self.text.as_ref().is_some_and(|s| s.contains(t.as_ref())),
        }
    }

    /// Whether the two sets share an id.
    pub fn intersects(&self, other: &IdSet) -> bool {
        let (a, b) = (&self.ranges, &other.ranges);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i].1 < b[j].0 {
                i += 1;
            } else if b[j].1 < a[i].0 {
                j += 1;
            } else {
                return true;
            }
        }
        match (&self.text, &other.text) {
            (Some(x), Some(y)) => {
                let (small, large) = if x.len() < y.len() { (x, y) } else { (y, x) };
                small.iter().any(|t| large.contains(t))
            }
            _ => false,
        }
    }

    /// Add all ids of a disjoint set.
    pub fn union(&mut self, other: IdSet) {
        if self.ranges.is_empty() {
            self.ranges = other.ranges;
        } else if !other.ranges.is_empty() {
            let mut all = std::mem::take(&mut self.ranges);
            all.extend(other.ranges);
            all.sort_unstable();
            let mut merged: Vec<(u128, u128)> = Vec::with_capacity(all.len());
            for r in all {
                match merged.last_mut() {
                    Some(last) if r.0 <= last.1.saturating_add(1) => last.1 = last.1.max(r.1),
                    _ => merged.push(r),
                }
            }
            self.ranges = merged;
        }
        if let Some(t) = other.text {
            match &mut self.text {
                Some(mine) => mine.extend(t),
                None => self.text = Some(t),
            }
        }
    }

    /// Number of integer ranges held (a measure of the state's size).
    pub fn ranges(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn increasing_ids_stay_one_range() {
        let mut s = IdSet::new();
        for v in 1000..2000u128 {
            assert!(s.insert_num(v));
        }
        assert_eq!(s.ranges(), 1);
        assert!(!s.insert_num(1500));
        assert!(s.insert_num(2001));
        assert_eq!(s.ranges(), 2);
        assert!(s.insert_num(2000));
        assert_eq!(s.ranges(), 1);
    }

    #[test]
    fn content_counts_take_the_largest_recording() {
        let k = ContentKey::new(
            1,
            Decimal::parse("1.10").unwrap(),
            Decimal::parse("2").unwrap(),
            Side::Buy,
        );
        let k2 = ContentKey::new(
            1,
            Decimal::parse("1.1").unwrap(),
            Decimal::parse("2.0").unwrap(),
            Side::Buy,
        );
        assert_eq!(k, k2);
        let mut c = ContentCounts::default();
        assert_eq!(c.add(k, 0, 2), 2); // two identical trades in one recording: both kept
        assert_eq!(c.add(k, 1, 1), 0); // another recording holding one copy: nothing new
        assert_eq!(c.add(k, 1, 2), 1); // it now holds three: one more than the largest (2)
        assert_eq!(c.add(k, 0, 1), 0); // back to a tie at three
    }

    #[test]
    fn text_ids() {
        let mut s = IdSet::new();
        let a = TradeId::Text("39744121-aaaa".into());
        assert!(s.insert(&a));
        assert!(!s.insert(&a));
        assert!(s.insert(&TradeId::None));
        assert!(s.insert(&TradeId::None));
    }

    proptest! {
        #[test]
        fn behaves_like_a_set(ids in proptest::collection::vec(0u128..200, 0..300), other in proptest::collection::vec(200u128..400, 0..50)) {
            let mut s = IdSet::new();
            let mut reference = std::collections::BTreeSet::new();
            for v in &ids {
                prop_assert_eq!(s.insert_num(*v), reference.insert(*v));
            }
            for v in 0..200u128 {
                prop_assert_eq!(s.contains(&TradeId::Num(v)), reference.contains(&v));
            }
            let mut o = IdSet::new();
            for v in &other { o.insert_num(*v); }
            prop_assert!(!s.intersects(&o));
            s.union(o);
            for v in &other { prop_assert!(s.contains(&TradeId::Num(*v))); }
            let mut overlap = IdSet::new();
            if let Some(v) = ids.first() {
                overlap.insert_num(*v);
                prop_assert!(s.intersects(&overlap));
            }
        }
    }
}
