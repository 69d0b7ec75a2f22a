//! Signatures of the trades of a bar, for `stats`' signature collisions and zero-interval
//! trades: which distinct (time, price, size) and which distinct trade times a bucket's
//! trades have, counted exactly however its trades arrive and merge.

use crate::decimal::Decimal;
use crate::observe::BucketObs;
use crate::trade::Trade;

/// A trade's (time, price, size) in 24 bytes: price and size each packed as
/// `scale << 56 | mantissa`, which holds every mantissa below 2^56 (about 7.2e16: any of
/// up to 16 digits; a trade with a larger one is kept apart, see [`SigSet`]). Prices and sizes
/// compare by value (`1.10` equals `1.1`, through [`Decimal`]'s order), so nothing is
/// normalised per trade. Under a third of the size of three plain fields ([`WideSig`], 80
/// bytes): the lists of signatures are most of what `stats` keeps beyond `aggregate`, and
/// keeping them is most of its extra time (docs/stats-performance.md, "Signatures, part by
/// part").
#[derive(Clone, Copy, Debug)]
struct Sig {
    time: i64,
    price: u64,
    size: u64,
}

/// Bits of a packed decimal's mantissa; the scale is above them.
const MANT_BITS: u32 = 56;

#[inline(always)]
fn pack(d: Decimal) -> Option<u64> {
    if d.mant >> MANT_BITS == 0 {
        Some(((d.scale as u64) << MANT_BITS) | d.mant as u64)
    } else {
        None
    }
}

#[inline(always)]
fn unpack(x: u64) -> Decimal {
    Decimal::new((x & ((1 << MANT_BITS) - 1)) as u128, (x >> MANT_BITS) as u8)
}

impl Sig {
    /// None when a mantissa does not fit.
    #[inline(always)]
    fn of(t: &Trade) -> Option<Sig> {
        Some(Sig {
            time: t.time,
            price: pack(t.price)?,
            size: pack(t.size)?,
        })
    }

    #[inline]
    fn price(&self) -> Decimal {
        unpack(self.price)
    }

    #[inline]
    fn size(&self) -> Decimal {
        unpack(self.size)
    }

    /// The scales of the price and the size: of one pair, equal values have equal bits.
    #[inline(always)]
    fn scales(&self) -> u16 {
        ((self.price >> MANT_BITS) << 8 | self.size >> MANT_BITS) as u16
    }

    /// One of 64 bits, from the price and size bits: equal for signatures equal with
    /// the same scales.
    #[inline(always)]
    fn bit(&self) -> u64 {
        let h = (self.price ^ self.size.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        1 << (h >> 58)
    }

    /// The plain form, whose order and equality are by value too.
    fn wide(&self) -> WideSig {
        (self.time, self.price(), self.size())
    }
}

/// A signature with a mantissa too large to pack.
type WideSig = (i64, Decimal, Decimal);

impl Ord for Sig {
    #[inline]
    fn cmp(&self, o: &Sig) -> std::cmp::Ordering {
        self.time
            .cmp(&o.time)
            .then_with(|| self.price().cmp(&o.price()))
            .then_with(|| self.size().cmp(&o.size()))
    }
}

impl PartialOrd for Sig {
    #[inline]
    fn partial_cmp(&self, o: &Sig) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Sig {
    #[inline]
    fn eq(&self, o: &Sig) -> bool {
        // Of one scale (the usual case: a venue sends one symbol's prices and sizes with
        // one scale), equal values have equal mantissas.
        if (self.price ^ o.price) >> MANT_BITS == 0 && (self.size ^ o.size) >> MANT_BITS == 0 {
            self.time == o.time && self.price == o.price && self.size == o.size
        } else {
            self.cmp(o).is_eq()
        }
    }
}

impl Eq for Sig {}

/// The distinct signatures of a bar's trades. Trades mostly come in time order, and then
/// they go to a *tidy* list: in time order and without copies (a copy is found among the
/// few signatures of the last trade time), so its counts are known at any time, and two
/// tidy lists of which one ends before (or where) the other starts join as they are. A
/// trade out of time order (or in a run of more than `RUN_SCAN` equal times), or a list
/// that overlaps in time, goes to `late`, which is checked against the tidy list only when
/// the bucket closes. A trade whose signature does not pack goes to `wide`; a bucket that
/// has any is counted from all its signatures in plain form when it closes. What most
/// sets never need is in `Extra`, so that a set is small: one is in every chunk group of
/// the engine.
#[derive(Debug, Default)]
pub struct SigSet {
    /// The last piece of the tidy list.
    tidy: Vec<Sig>,
    /// The time of its last signature, here to spare a read of the list per trade.
    last: i64,
    /// Distinct trade times in `tidy`, and how many signatures share the last one.
    times: u64,
    run: usize,
    /// A filter of that run, to spare most searches of it; made when the run gets its
    /// second signature (so stale while `run` is 1).
    filter: RunFilter,
    extra: Option<Box<Extra>>,
}

/// The parts of a [`SigSet`] that most never need.
#[derive(Debug, Default)]
struct Extra {
    /// Earlier pieces of the tidy list, as the chunks made them and as a full list was set
    /// aside for a new one (kept, not appended to `tidy`: copies were most of the merge's
    /// work, and of a growing list's); each ends before the next starts. A set with pieces
    /// has a tidy list.
    pieces: Vec<Vec<Sig>>,
    /// Signatures not yet checked against `tidy` (in any order, copies allowed).
    late: Vec<Sig>,
    wide: Vec<WideSig>,
}

/// Nothing, for the parts of a set it does not have.
static NO_EXTRA: Extra = Extra {
    pieces: Vec::new(),
    late: Vec::new(),
    wide: Vec::new(),
};

/// The longest run of equal trade times searched for a copy as trades come.
const RUN_SCAN: usize = 32;

/// The signatures of a run of one trade time, in brief: the scales they share ([`MIXED`]
/// when they differ) and their [`Sig::bit`]s. A signature of those scales whose bit is not
/// set is not among them.
#[derive(Clone, Copy, Debug, Default)]
struct RunFilter {
    scales: u16,
    bits: u64,
}

/// `RunFilter::scales` of signatures of different scales (scales are at most 38).
const MIXED: u16 = u16::MAX;

impl RunFilter {
    fn of(s: &Sig) -> RunFilter {
        RunFilter {
            scales: s.scales(),
            bits: s.bit(),
        }
    }

    /// Add `s`; false when it is surely not among the signatures added before.
    #[inline(always)]
    fn add(&mut self, s: &Sig) -> bool {
        if s.scales() != self.scales {
            self.scales = MIXED;
        }
        let bit = s.bit();
        let maybe = self.scales == MIXED || self.bits & bit != 0;
        self.bits |= bit;
        maybe
    }
}

impl SigSet {
    /// The parts of the set most never need (empty ones when it has none).
    fn extra(&self) -> &Extra {
        self.extra.as_deref().unwrap_or(&NO_EXTRA)
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_default()
    }

    /// Room for signatures in the tidy list (0 until the first is added or room reserved).
    pub(crate) fn room(&self) -> usize {
        self.tidy.capacity()
    }

    /// Room for `n` more signatures in the tidy list.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.tidy.reserve(n);
    }

    /// The tidy signatures of trade time `t`: all in one piece, since each piece ends
    /// before the next starts.
    fn at_time(&self, t: i64) -> &[Sig] {
        let pieces = &self.extra().pieces;
        let k = pieces.partition_point(|p| p[p.len() - 1].time < t);
        let piece = pieces.get(k).unwrap_or(&self.tidy);
        let lo = piece.partition_point(|s| s.time < t);
        let n = piece[lo..].iter().take_while(|s| s.time == t).count();
        &piece[lo..lo + n]
    }

    // The rare paths of `add`, out of line: the loop that decodes and takes trades keeps
    // to fewer instruction cache lines.

    /// The first signature of the set is coming.
    #[cold]
    #[inline(never)]
    fn start(&mut self) {
        self.tidy.reserve(8);
        self.times = 1;
        self.run = 1;
    }

    #[cold]
    #[inline(never)]
    fn add_late(&mut self, s: Sig) {
        self.extra_mut().late.push(s);
    }

    #[cold]
    #[inline(never)]
    fn add_wide(&mut self, t: &Trade) {
        self.extra_mut().wide.push((t.time, t.price, t.size));
    }

    /// The full tidy list becomes a piece, and a new one of twice its room takes the next
    /// signature, which starts a new trade time: no copy, as growing the list would make.
    #[cold]
    fn split(&mut self) {
        let room = 2 * self.tidy.capacity();
        let full = std::mem::replace(&mut self.tidy, Vec::with_capacity(room));
        self.extra_mut().pieces.push(full);
    }

    /// [`SigSet::split`] in a run of one trade time: the run moves to the new list (a
    /// time stays in one piece), the rest of the full one becomes a piece. Growing the
    /// list instead copied all of it, to memory not read for long.
    #[cold]
    fn split_run(&mut self) {
        let from = self.tidy.len() - self.run;
        let mut next = Vec::with_capacity(2 * self.tidy.capacity());
        next.extend_from_slice(&self.tidy[from..]);
        self.tidy.truncate(from);
        let full = std::mem::replace(&mut self.tidy, next);
        if !full.is_empty() {
            self.extra_mut().pieces.push(full);
        }
    }

    /// The filter of the last run, made again from its signatures.
    fn refilter(&mut self) {
        let run = &self.tidy[self.tidy.len() - self.run..];
        if let Some((first, rest)) = run.split_first() {
            self.filter = RunFilter::of(first);
            for s in rest {
                self.filter.add(s);
            }
        }
    }

    /// Distinct signatures and distinct trade times.
    pub(crate) fn distinct(mut self) -> (u64, u64) {
        let Some(extra) = self.extra.as_mut() else {
            return (self.tidy.len() as u64, self.times);
        };
        if !extra.wide.is_empty() {
            return self.distinct_wide();
        }
        let tidy: u64 = extra.pieces.iter().map(|p| p.len() as u64).sum();
        let (mut sigs, mut times) = (tidy + self.tidy.len() as u64, self.times);
        // The late signatures in order, without copies; each new one counts, and so does
        // its time when the tidy list does not have it.
        let mut late = std::mem::take(&mut extra.late);
        late.sort_unstable_by_key(|s| s.time);
        let mut i = 0;
        while i < late.len() {
            let t = late[i].time;
            let mut j = i + 1;
            while j < late.len() && late[j].time == t {
                j += 1;
            }
            let run = &mut late[i..j];
            run.sort_unstable();
            let known = self.at_time(t);
            if known.is_empty() {
                times += 1;
            }
            for (k, s) in run.iter().enumerate() {
                if (k == 0 || run[k - 1] != *s) && !known.contains(s) {
                    sigs += 1;
                }
            }
            i = j;
        }
        (sigs, times)
    }

    /// [`SigSet::distinct`] of a set with signatures that do not pack: all of them in
    /// plain form, sorted.
    #[cold]
    fn distinct_wide(mut self) -> (u64, u64) {
        let extra = *self.extra.take().unwrap_or_default();
        let mut all = extra.wide;
        all.extend(extra.pieces.iter().flatten().map(Sig::wide));
        all.extend(self.tidy.iter().chain(&extra.late).map(Sig::wide));
        all.sort_unstable();
        let sigs = 1 + all.windows(2).filter(|w| w[0] != w[1]).count() as u64;
        let times = 1 + all.windows(2).filter(|w| w[0].0 != w[1].0).count() as u64;
        (sigs, times)
    }
}

impl BucketObs for SigSet {
    #[inline(always)]
    fn add(&mut self, t: &Trade) {
        let Some(s) = Sig::of(t) else {
            self.add_wide(t);
            return;
        };
        let last = (!self.tidy.is_empty()).then_some(self.last);
        match last {
            None => self.start(),
            Some(last) if s.time > last => {
                self.times += 1;
                self.run = 1;
                if self.tidy.len() == self.tidy.capacity() {
                    self.split();
                }
            }
            Some(last) if s.time == last && self.run < RUN_SCAN => {
                let run = &self.tidy[self.tidy.len() - self.run..];
                // The filter is made when a run gets its second signature.
                if self.run == 1 {
                    self.filter = RunFilter::of(&run[0]);
                }
                if self.filter.add(&s) && run_has(run, s.time, s.price, s.size) {
                    return;
                }
                if self.tidy.len() == self.tidy.capacity() {
                    self.split_run();
                }
                self.run += 1;
            }
            Some(_) => {
                self.add_late(s);
                return;
            }
        }
        self.last = s.time;
        self.tidy.push(s);
    }

    fn merge(&mut self, other: SigSet) {
        self.merge_lists(other);
        if let Some(s) = self.tidy.last() {
            self.last = s.time;
        }
        if self.extra.as_ref().is_some_and(|e| e.is_empty()) {
            self.extra = None;
        }
    }

    /// The parts read when the bucket closes, if any.
    fn prefetch(&self) {
        use crate::engine::prefetch_bytes;
        if let Some(e) = &self.extra {
            prefetch_bytes(e.pieces.as_ptr() as *const u8, size_of_val(&e.pieces[..]));
            if !e.late.is_empty() {
                prefetch_bytes(e.late.as_ptr() as *const u8, 64);
            }
        }
    }

    /// Whether `t`'s signature is in the set already (the distinct counts then stay as they
    /// are if it is added again).
    fn covers(&self, t: &Trade) -> bool {
        let Some(s) = Sig::of(t) else {
            return false;
        };
        let late = &self.extra().late;
        self.at_time(s.time).contains(&s) || (late.len() <= COVERS_SCAN && late.contains(&s))
    }
}

impl Extra {
    fn is_empty(&self) -> bool {
        self.pieces.is_empty() && self.late.is_empty() && self.wide.is_empty()
    }
}

impl SigSet {
    /// [`BucketObs::merge`] but for `last` and an empty `extra`.
    fn merge_lists(&mut self, mut other: SigSet) {
        let mut theirs = other.extra.take().map(|b| *b).unwrap_or_default();
        if !theirs.wide.is_empty() || !theirs.late.is_empty() {
            let mine = self.extra_mut();
            append(&mut mine.wide, std::mem::take(&mut theirs.wide));
            append(&mut mine.late, std::mem::take(&mut theirs.late));
        }
        if other.tidy.is_empty() {
            // (A set with pieces has a tidy list too.)
            return;
        }
        if self.tidy.is_empty() {
            let mine = self.extra.take();
            if !theirs.is_empty() {
                other.extra = Some(Box::new(theirs));
            }
            *self = other;
            if let Some(e) = mine {
                let x = self.extra_mut();
                (x.wide, x.late) = (e.wide, e.late);
            }
            return;
        }
        let end = self.tidy[self.tidy.len() - 1].time;
        let first = theirs.pieces.first().unwrap_or(&other.tidy);
        let start = first[0].time;
        if end < start {
            // Pieces of their own: no copy (they are searched by time, see `at_time`).
            let full = std::mem::replace(&mut self.tidy, other.tidy);
            let pieces = &mut self.extra_mut().pieces;
            pieces.push(full);
            pieces.append(&mut theirs.pieces);
            self.times += other.times;
            self.run = other.run;
            self.filter = other.filter;
            return;
        }
        // The other list starts with `head` signatures of the last time here (all in its
        // first piece, since each piece ends before the next starts).
        let head = first.iter().take_while(|s| s.time == end).count();
        if end == start && self.run + head <= RUN_SCAN {
            let from = self.tidy.len() - self.run;
            let last = self.tidy.len();
            for s in &first[..head] {
                if !self.tidy[from..last].contains(s) {
                    self.tidy.push(*s);
                }
            }
            self.tidy.extend_from_slice(&first[head..]);
            self.times += other.times - 1;
            let whole = theirs.pieces.is_empty() && head == other.tidy.len();
            if !theirs.pieces.is_empty() {
                // Its first piece went into `tidy` above; the rest follow as they are.
                let full = std::mem::replace(&mut self.tidy, other.tidy);
                let pieces = &mut self.extra_mut().pieces;
                pieces.push(full);
                pieces.extend(theirs.pieces.into_iter().skip(1));
            }
            if whole {
                self.run = self.tidy.len() - from;
                self.refilter();
            } else {
                self.run = other.run;
                self.filter = other.filter;
            }
            return;
        }
        // The other list overlaps this one in time. Its signatures up to the last time here
        // go to `late`; those after it, as they are most of the list, stay tidy (checked
        // at close, each late one is a search of cold memory).
        let cut = first.partition_point(|s| s.time <= end);
        if cut < first.len() {
            let moved = first[..cut].chunk_by(|a, b| a.time == b.time).count() as u64;
            let mut rest = if theirs.pieces.is_empty() {
                std::mem::take(&mut other.tidy)
            } else {
                theirs.pieces.remove(0)
            };
            let full = std::mem::take(&mut self.tidy);
            let mine = self.extra_mut();
            mine.late.extend(rest.drain(..cut));
            mine.pieces.push(full);
            if theirs.pieces.is_empty() && other.tidy.is_empty() {
                self.tidy = rest;
            } else {
                mine.pieces.push(rest);
                mine.pieces.append(&mut theirs.pieces);
                self.tidy = other.tidy;
            }
            // The last run is in what stays tidy, as it comes after `end`.
            self.times += other.times - moved;
            self.run = other.run;
            self.filter = other.filter;
            return;
        }
        let late = &mut self.extra_mut().late;
        for p in &theirs.pieces {
            late.extend_from_slice(p);
        }
        late.extend_from_slice(&other.tidy);
    }
}

/// Whether `run` holds the signature of these fields. Taking the fields, not a reference
/// (as `contains` would), keeps the caller's signature in registers: through the stack,
/// the push that follows read it back whole right after it was stored in two halves, and
/// stalled on that (the costliest instruction of `stats` in a profile,
/// docs/stats-performance.md).
#[inline(never)]
fn run_has(run: &[Sig], time: i64, price: u64, size: u64) -> bool {
    let s = Sig { time, price, size };
    run.contains(&s)
}

/// Late signatures searched through by [`SigSet::covers`]; past this it answers false.
const COVERS_SCAN: usize = 256;

/// `from` added to the end of `to` (taken over as it is when `to` is empty).
fn append<T: Copy>(to: &mut Vec<T>, from: Vec<T>) {
    if to.is_empty() {
        *to = from;
    } else {
        to.extend_from_slice(&from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trade of symbol S at `time`, price `p` and size `q` given as decimal text.
    fn trade(time: i64, p: &str, q: &str) -> Trade<'static> {
        Trade {
            venue: "x",
            stream: 0,
            symbol: "S".into(),
            time,
            price: Decimal::parse(p).unwrap(),
            size: Decimal::parse(q).unwrap(),
            side: crate::trade::Side::Buy,
            id: crate::trade::TradeId::None,
            id_ordered: false,
            history: false,
        }
    }

    #[test]
    fn sig_sets_count_as_a_plain_set_does() {
        // Trades in mostly rising time with copies, ties, stragglers, long runs of one time
        // and a few signatures too wide to pack, split into parts merged in order; counted
        // against a BTreeSet of values.
        let d = |s: String| Decimal::parse(&s).unwrap();
        let mut rng = crate::testrng::Lcg(7);
        let mut next = |m: u64| rng.below(m);
        let mut split_parts = 0;
        for case in 0..300 {
            let n = 1 + next(120) as usize;
            let spread = 1 + next(6);
            let mut time = 0i64;
            let mut trades = Vec::new();
            for _ in 0..n {
                match next(10) {
                    0 => time -= next(3) as i64,
                    1..=4 => time += next(spread) as i64,
                    _ => {}
                }
                // Now and then a price whose mantissa does not pack (2^56 is about 7.2e16):
                // 1.0 written with 17 or 18 zeros equals 1.0 written with 1-3.
                let zeros = if next(25) == 0 {
                    17 + next(2)
                } else {
                    1 + next(3)
                };
                let price = format!("{}.{}", 1 + next(2), "0".repeat(zeros as usize));
                let size = format!("{}", next(3));
                trades.push((time, price, size));
            }
            let want: std::collections::BTreeSet<(i64, Decimal, Decimal)> = trades
                .iter()
                .map(|(t, p, q)| (*t, d(p.clone()), d(q.clone())))
                .collect();
            let times: std::collections::BTreeSet<i64> = trades.iter().map(|t| t.0).collect();
            // Parts merged as they end; now and then trades go straight to the merged set
            // (whose filter of its last run must then hold after a merge).
            let mut all = SigSet::default();
            let mut part: Option<SigSet> = None;
            for (t, p, q) in &trades {
                match next(12) {
                    0 => all.merge(part.replace(SigSet::default()).unwrap_or_default()),
                    1 => all.merge(part.take().unwrap_or_default()),
                    _ => {}
                }
                match &mut part {
                    Some(set) => {
                        set.add(&trade(*t, p, q));
                        split_parts += !set.extra().pieces.is_empty() as u32;
                    }
                    None => all.add(&trade(*t, p, q)),
                }
            }
            all.merge(part.unwrap_or_default());
            // `covers` only answers true for a signature that is there.
            for k in 0..20 {
                let (t, p, q) = (next(1 + time.max(0) as u64) as i64, 1 + next(2), next(3));
                let (p, q) = (format!("{p}.0"), format!("{q}"));
                if all.covers(&trade(t, &p, &q)) {
                    assert!(
                        want.contains(&(t, d(p.clone()), d(q.clone()))),
                        "case {case} {k}"
                    );
                }
            }
            assert_eq!(
                all.distinct(),
                (want.len() as u64, times.len() as u64),
                "case {case}"
            );
        }
        // Parts that set a full list aside as a piece (`SigSet::split`) were merged too.
        assert!(split_parts > 0);
    }

    #[test]
    fn a_run_joined_by_a_merge_still_finds_its_copies() {
        // The filter of the last run covers the signatures a merge added to it.
        for copy in [("1.0", "2"), ("1.0", "1"), ("2.0", "3")] {
            let mut a = SigSet::default();
            a.add(&trade(5, "1.0", "1"));
            let mut b = SigSet::default();
            b.add(&trade(5, "1.0", "2"));
            b.add(&trade(5, "2.0", "3"));
            a.merge(b);
            a.add(&trade(5, copy.0, copy.1));
            assert_eq!(a.distinct(), (3, 1), "{copy:?}");
        }
    }

    #[test]
    fn sig_sets_merge_as_unions() {
        let mut a = SigSet::default();
        a.add(&trade(5, "1.10", "2"));
        a.add(&trade(3, "1", "2"));
        a.add(&trade(5, "1.1", "2.000"));
        let mut b = SigSet::default();
        b.add(&trade(5, "1.1", "2"));
        b.add(&trade(4, "1", "2"));
        b.add(&trade(5, "1.2", "2"));
        a.merge(b);
        // Signatures (3, 1, 2), (4, 1, 2), (5, 1.1, 2), (5, 1.2, 2); times 3, 4, 5.
        assert_eq!(a.distinct(), (4, 3));
    }

    #[test]
    fn signatures_that_do_not_pack_count_by_value() {
        let d = |s: &str| Decimal::parse(s).unwrap();
        // 19 digits: parsed as written, mantissa 2e18.
        let wide = format!("2.{}", "0".repeat(18));
        assert!(pack(d(&wide)).is_none() && pack(d("2.0")).is_some());
        assert!(pack(d("72057594037927935")).is_some()); // 2^56 - 1
        assert!(pack(d("72057594037927936")).is_none());
        let mut a = SigSet::default();
        a.add(&trade(1, "2", "1"));
        a.add(&trade(2, "3", "1"));
        let mut b = SigSet::default();
        b.add(&trade(1, &wide, "1.0")); // the value of the first: a collision
        b.add(&trade(3, "72057594037927936", "1"));
        a.merge(b);
        // Signatures (1, 2, 1), (2, 3, 1), (3, 2^56, 1); times 1, 2, 3.
        assert_eq!(a.distinct(), (3, 3));
    }
}
