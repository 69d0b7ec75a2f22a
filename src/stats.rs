//! Capture quality figures, gathered from the same pass `aggregate` makes.
//!
//! [`StatsObserver`] watches the engine (see [`crate::observe`]): every bucket it closes,
//! the trades that went into each bar (after deduplication), every admitted or skipped
//! trade in arrival order and every receive time. From these it keeps, per series, counters
//! and small histograms, never a list that grows with the capture (the exceptions are one
//! record per recorder outage and the zero-volume runs not yet past every input's clock).
//! [`StatsObserver::finish`] turns them into [`Figures`] per series. docs/stats.md defines
//! every figure.

use std::collections::BTreeMap;

use crate::bar::PartialBar;
use crate::decimal::{Decimal, Sum};
use crate::engine::{SKIP_HISTORY, SKIP_LATE, SKIP_PRE_CAPTURE};
use crate::observe::{BucketObs, Fate, Observer, WorkerObs};
use crate::select::VolumeTracker;
use crate::time::NS_PER_MS;
use crate::trade::Trade;

/// A trade's (time, price, size) in 24 bytes: price and size each packed as
/// `scale << 56 | mantissa`, which holds every mantissa below 2^56 (about 7.2e16: any of
/// up to 16 digits; a trade with a larger one is kept apart, see [`SigSet`]). Prices and sizes
/// compare by value (`1.10` equals `1.1`, through [`Decimal`]'s order), so nothing is
/// normalised per trade. Half the size of three plain fields: the lists of signatures are
/// most of what `stats` keeps beyond `aggregate`, and their memory most of its extra time.
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
/// trade out of time order (or in a run of more than [`RUN_SCAN`] equal times), or a list
/// that overlaps in time, goes to `late`, which is checked against the tidy list only when
/// the bucket closes. A trade whose signature does not pack goes to `wide`; a bucket that
/// has any is counted from all its signatures in plain form when it closes.
#[derive(Debug, Default)]
pub struct SigSet {
    /// Earlier pieces of the tidy list, as the chunks made them and as a full list was set
    /// aside for a new one (kept, not appended to `tidy`: copies were most of the merge's
    /// work, and of a growing list's); each ends before the next starts. A set with pieces
    /// has a tidy list.
    pieces: Vec<Vec<Sig>>,
    /// The last piece of the tidy list.
    tidy: Vec<Sig>,
    /// Distinct trade times in `tidy`, and how many signatures share the last one.
    times: u64,
    run: usize,
    /// A filter of that run, to spare most searches of it; made when the run gets its
    /// second signature (so stale while `run` is 1).
    filter: RunFilter,
    /// Signatures not yet checked against `tidy` (in any order, copies allowed).
    late: Vec<Sig>,
    wide: Vec<WideSig>,
}

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
    /// The tidy signatures of trade time `t`: all in one piece, since each piece ends
    /// before the next starts.
    fn at_time(&self, t: i64) -> &[Sig] {
        let k = self.pieces.partition_point(|p| p[p.len() - 1].time < t);
        let piece = self.pieces.get(k).unwrap_or(&self.tidy);
        let lo = piece.partition_point(|s| s.time < t);
        let n = piece[lo..].iter().take_while(|s| s.time == t).count();
        &piece[lo..lo + n]
    }

    /// The full tidy list becomes a piece, and a new one of twice its room takes the next
    /// signature, which starts a new trade time: no copy, as growing the list would make.
    #[cold]
    fn split(&mut self) {
        let room = 2 * self.tidy.capacity();
        self.pieces
            .push(std::mem::replace(&mut self.tidy, Vec::with_capacity(room)));
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
            self.pieces.push(full);
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
    fn distinct(mut self) -> (u64, u64) {
        if !self.wide.is_empty() {
            return self.distinct_wide();
        }
        let tidy: u64 = self.pieces.iter().map(|p| p.len() as u64).sum();
        let (mut sigs, mut times) = (tidy + self.tidy.len() as u64, self.times);
        if self.late.is_empty() {
            return (sigs, times);
        }
        // The late signatures in order, without copies; each new one counts, and so does
        // its time when the tidy list does not have it.
        let mut late = std::mem::take(&mut self.late);
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
    fn distinct_wide(self) -> (u64, u64) {
        let mut all = self.wide;
        all.extend(self.pieces.iter().flatten().map(Sig::wide));
        all.extend(self.tidy.iter().chain(&self.late).map(Sig::wide));
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
            self.wide.push((t.time, t.price, t.size));
            return;
        };
        match self.tidy.last() {
            None => {
                self.tidy.reserve(8);
                self.times = 1;
                self.run = 1;
            }
            Some(last) if s.time > last.time => {
                self.times += 1;
                self.run = 1;
                if self.tidy.len() == self.tidy.capacity() {
                    self.split();
                }
            }
            Some(last) if s.time == last.time && self.run < RUN_SCAN => {
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
                self.late.push(s);
                return;
            }
        }
        self.tidy.push(s);
    }

    fn merge(&mut self, mut other: SigSet) {
        append(&mut self.wide, std::mem::take(&mut other.wide));
        append(&mut self.late, std::mem::take(&mut other.late));
        if other.tidy.is_empty() {
            // (A set with pieces has a tidy list too.)
            return;
        }
        if self.tidy.is_empty() {
            let (wide, late) = (
                std::mem::take(&mut self.wide),
                std::mem::take(&mut self.late),
            );
            *self = other;
            (self.wide, self.late) = (wide, late);
            return;
        }
        let end = self.tidy[self.tidy.len() - 1].time;
        let first = other.pieces.first().unwrap_or(&other.tidy);
        let start = first[0].time;
        if end < start {
            // Pieces of their own: no copy (they are searched by time, see `at_time`).
            self.pieces.push(std::mem::take(&mut self.tidy));
            self.pieces.append(&mut other.pieces);
            self.tidy = other.tidy;
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
            let whole = other.pieces.is_empty() && head == other.tidy.len();
            if !other.pieces.is_empty() {
                // Its first piece went into `tidy` above; the rest follow as they are.
                self.pieces.push(std::mem::take(&mut self.tidy));
                self.pieces.extend(other.pieces.into_iter().skip(1));
                self.tidy = other.tidy;
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
            self.late.extend_from_slice(&first[..cut]);
            let moved = first[..cut].chunk_by(|a, b| a.time == b.time).count() as u64;
            let mut rest = if other.pieces.is_empty() {
                std::mem::take(&mut other.tidy)
            } else {
                other.pieces.remove(0)
            };
            rest.drain(..cut);
            self.pieces.push(std::mem::take(&mut self.tidy));
            if other.pieces.is_empty() && other.tidy.is_empty() {
                self.tidy = rest;
            } else {
                self.pieces.push(rest);
                self.pieces.append(&mut other.pieces);
                self.tidy = other.tidy;
            }
            // The last run is in what stays tidy, as it comes after `end`.
            self.times += other.times - moved;
            self.run = other.run;
            self.filter = other.filter;
            return;
        }
        for p in &other.pieces {
            self.late.extend_from_slice(p);
        }
        self.late.extend_from_slice(&other.tidy);
    }

    /// The list of pieces (read to count and free them) and the first late signatures.
    fn prefetch(&self) {
        use crate::engine::prefetch_bytes;
        prefetch_bytes(
            self.pieces.as_ptr() as *const u8,
            size_of_val(&self.pieces[..]),
        );
        if !self.late.is_empty() {
            prefetch_bytes(self.late.as_ptr() as *const u8, 64);
        }
    }

    /// Whether `t`'s signature is in the set already (the distinct counts then stay as they
    /// are if it is added again).
    fn covers(&self, t: &Trade) -> bool {
        let Some(s) = Sig::of(t) else {
            return false;
        };
        self.at_time(s.time).contains(&s)
            || (self.late.len() <= COVERS_SCAN && self.late.contains(&s))
    }
}

/// Whether `run` holds the signature of these fields. Taking the fields, not a reference
/// (as `contains` would), keeps the caller's signature in registers: through the stack,
/// the push that follows read it back whole right after it was stored in two halves, and
/// stalled on that (the costliest instruction of `stats` in a profile, docs/stats.md).
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

/// Worker-side settings.
#[derive(Clone, Debug)]
pub struct StatsWorker {
    /// A silence between received messages longer than this is an outage, ns.
    gap: i64,
    /// Arrivals logged per series entry of a chunk (see [`ChunkSeries::from`]).
    log_cap: u32,
}

/// The arrivals a worker logs per series and chunk. The merge needs those of a chunk's
/// first arrivals that are older than the earlier chunks' latest trade: on the 1 GB
/// benchmark capture at most two (in 50,000 series entries). An entry that needs more
/// than were logged has its chunk decoded again with no cap (`Observer::chunk`'s `redo`).
const LOG_CAP: u32 = 8;

/// Arrivals of one series in one chunk (admitted and late trades, in arrival order), as
/// far as the worker can tell without the trades of earlier chunks.
struct ChunkSeries {
    venue: &'static str,
    stream: u8,
    symbol: Box<str>,
    /// A group of the chunk in this series (`u32::MAX`: none, the series only has skips).
    group: u32,
    /// The largest trade time so far (`i64::MIN`: no arrival).
    max: i64,
    /// Trades whose time is less than that of an earlier trade of the chunk.
    out_of_order: u64,
    /// The largest such difference, and the smallest time of such a trade.
    lateness: i64,
    min_late: i64,
    /// The other trades (each at least as late as every earlier one) are in `log`, from
    /// this index on (the length of `log` when the entry was made): the first
    /// `StatsChunk::log_cap` of them. When more came (`unlogged`), the time of the last
    /// one logged is `last_logged`.
    from: u32,
    logged: u32,
    unlogged: bool,
    last_logged: i64,
    skips: Skips,
    latency_negative: u64,
    latency_max: Option<i64>,
    /// Trades taken into the bars since the series' last new bucket, and as many for the
    /// bucket before: the room a new bucket's signature list starts with.
    taken: u32,
    hint: u32,
    /// The entry made before this one with the same symbol hash (`u32::MAX`: none).
    next: u32,
}

/// What a worker gathers over one chunk.
#[derive(Default)]
pub struct StatsChunk {
    first_recv: Option<i64>,
    max_recv: i64,
    /// Silences longer than the gap inside the chunk: (running maximum before, next).
    gaps: Vec<(i64, i64)>,
    series: Vec<ChunkSeries>,
    /// Hash of a symbol -> the last entry made in `series` with that hash; earlier ones
    /// follow through [`ChunkSeries::next`]. Keyed by the hash, so that no symbol is copied
    /// for the key and no list allocated per symbol.
    index: FxMap<u64, u32>,
    /// The entry in `series` of each chunk group.
    group_series: Vec<u32>,
    /// The entry of the trade last admitted: the one `taken` is called for next.
    current: u32,
    /// (series entry, trade time) of the trades not out of order in the chunk, in order,
    /// up to `log_cap` per entry.
    log: Vec<(u32, i64)>,
    log_cap: u32,
    /// (series entry, receive − trade time) of admitted trades whose message has a receive
    /// time; after `end_chunk`, (series entry, floor ms, count) in `latency_ms`.
    latencies: Vec<(u32, i64)>,
    latency_ms: Vec<(u32, i64, u64)>,
}

type FxMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<crate::fxhash::FxHasher>>;

impl StatsChunk {
    /// The entry of (venue, stream, symbol), made when new.
    fn entry(&mut self, venue: &'static str, stream: u8, symbol: &str) -> u32 {
        let h = {
            use std::hash::Hasher as _;
            let mut h = crate::fxhash::FxHasher::default();
            h.write(symbol.as_bytes());
            h.finish()
        };
        let head = self.index.get(&h).copied().unwrap_or(u32::MAX);
        let mut k = head;
        while k != u32::MAX {
            let e = &self.series[k as usize];
            if e.stream == stream && std::ptr::eq(e.venue, venue) && *e.symbol == *symbol {
                return k;
            }
            k = e.next;
        }
        let k = self.series.len() as u32;
        self.series.push(ChunkSeries {
            venue,
            stream,
            symbol: Box::from(symbol),
            group: u32::MAX,
            max: i64::MIN,
            out_of_order: 0,
            lateness: 0,
            min_late: i64::MAX,
            from: self.log.len() as u32,
            logged: 0,
            unlogged: false,
            last_logged: i64::MIN,
            skips: Skips::default(),
            latency_negative: 0,
            latency_max: None,
            taken: 0,
            hint: 16,
            next: head,
        });
        self.index.insert(h, k);
        k
    }

    /// The entry of chunk group `group` (its first trade is `t`).
    #[cold]
    fn group_entry(&mut self, group: u32, t: &Trade) -> u32 {
        let k = self.entry(t.venue, t.stream, &t.symbol);
        let e = &mut self.series[k as usize];
        if e.group == u32::MAX {
            e.group = group;
        }
        if self.group_series.len() <= group as usize {
            self.group_series.resize(group as usize + 1, u32::MAX);
        }
        self.group_series[group as usize] = k;
        k
    }

    #[inline]
    fn arrive(&mut self, k: u32, time: i64) {
        let e = &mut self.series[k as usize];
        if time < e.max {
            e.out_of_order += 1;
            e.lateness = e.lateness.max(e.max - time);
            e.min_late = e.min_late.min(time);
        } else {
            e.max = time;
            if e.logged < self.log_cap {
                e.logged += 1;
                e.last_logged = time;
                self.log.push((k, time));
            } else {
                e.unlogged = true;
            }
        }
    }
}

/// Trades left out by the engine's rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skips {
    pub pre_capture: u64,
    pub history: u64,
    pub late: u64,
}

impl WorkerObs for StatsWorker {
    type Chunk = StatsChunk;
    type Bucket = SigSet;
    /// The figures use the trade count, high, low and quote volume of the bars only.
    const FULL_BARS: bool = false;

    fn chunk_state(&self) -> StatsChunk {
        // Room for the series of a chunk of a busy capture (the 1 GB benchmark has 59
        // symbols, about 200 groups per chunk) from the start: grown from empty, these
        // were reallocated and rehashed five or six times per chunk.
        const SERIES: usize = 64;
        StatsChunk {
            series: Vec::with_capacity(SERIES),
            index: FxMap::with_capacity_and_hasher(SERIES, Default::default()),
            group_series: Vec::with_capacity(4 * SERIES),
            log: Vec::with_capacity(SERIES * LOG_CAP as usize),
            log_cap: self.log_cap,
            ..StatsChunk::default()
        }
    }

    #[inline]
    fn received(&self, c: &mut StatsChunk, recv: i64) {
        match c.first_recv {
            None => {
                c.first_recv = Some(recv);
                c.max_recv = recv;
            }
            Some(_) => {
                if recv > c.max_recv {
                    if recv - c.max_recv > self.gap {
                        c.gaps.push((c.max_recv, recv));
                    }
                    c.max_recv = recv;
                }
            }
        }
    }

    #[inline(always)]
    fn admitted(&self, c: &mut StatsChunk, group: u32, t: &Trade, recv: Option<i64>, _fate: Fate) {
        let k = match c.group_series.get(group as usize) {
            Some(&k) if k != u32::MAX => k,
            _ => c.group_entry(group, t),
        };
        c.current = k;
        c.arrive(k, t.time);
        if let Some(r) = recv {
            c.latencies.push((k, r - t.time));
        }
    }

    #[inline(always)]
    fn taken(&self, c: &mut StatsChunk, group: u32, b: &mut SigSet, t: &Trade) {
        // The engine calls `taken` right after `admitted` for the same trade.
        debug_assert_eq!(c.current, c.group_series[group as usize]);
        let e = &mut c.series[c.current as usize];
        if b.tidy.capacity() == 0 {
            if e.taken > 0 {
                e.hint = e.taken;
            }
            e.taken = 0;
            b.tidy.reserve(e.hint as usize + e.hint as usize / 2);
        }
        e.taken += 1;
        b.add(t);
    }

    fn skipped(&self, c: &mut StatsChunk, t: &Trade, reason: &'static str) {
        let k = c.entry(t.venue, t.stream, &t.symbol);
        let sk = &mut c.series[k as usize].skips;
        if reason == SKIP_LATE {
            sk.late += 1;
            c.arrive(k, t.time);
        } else if reason == SKIP_PRE_CAPTURE {
            sk.pre_capture += 1;
        } else if reason == SKIP_HISTORY {
            sk.history += 1;
        }
    }

    fn end_chunk(&self, c: &mut StatsChunk) {
        // Latencies counted per series entry and millisecond.
        let mut lat = std::mem::take(&mut c.latencies);
        lat.sort_unstable();
        let mut k = 0;
        while k < lat.len() {
            let slot = lat[k].0;
            let mut end = k;
            while end < lat.len() && lat[end].0 == slot {
                end += 1;
            }
            let run = &lat[k..end];
            let e = &mut c.series[slot as usize];
            e.latency_negative = run.iter().take_while(|(_, l)| *l < 0).count() as u64;
            e.latency_max = Some(run[run.len() - 1].1);
            let mut j = 0;
            while j < run.len() {
                let ms = run[j].1.div_euclid(NS_PER_MS);
                let mut n = 0;
                while j < run.len() && run[j].1.div_euclid(NS_PER_MS) == ms {
                    n += 1;
                    j += 1;
                }
                c.latency_ms.push((slot, ms, n));
            }
            k = end;
        }
    }
}

/// A histogram of integer values (exact nearest-rank percentiles).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: BTreeMap<i64, u64>,
    n: u64,
}

impl Histogram {
    pub fn add(&mut self, v: i64, count: u64) {
        if count > 0 {
            *self.counts.entry(v).or_insert(0) += count;
            self.n += count;
        }
    }

    pub fn absorb(&mut self, o: &Histogram) {
        for (&v, &c) in &o.counts {
            self.add(v, c);
        }
    }

    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The nearest-rank `p`-th percentile (`p` in 1..=100): the smallest value v such that
    /// at least p % of the values are <= v, i.e. the value of rank ceil(p × n / 100).
    pub fn percentile(&self, p: u64) -> Option<i64> {
        if self.n == 0 {
            return None;
        }
        let rank = (p * self.n).div_ceil(100).max(1);
        let mut seen = 0;
        for (&v, &c) in &self.counts {
            seen += c;
            if seen >= rank {
                return Some(v);
            }
        }
        self.counts.keys().next_back().copied()
    }

    pub fn max(&self) -> Option<i64> {
        self.counts.keys().next_back().copied()
    }
}

/// What is kept per series while the pass runs.
#[derive(Default)]
struct SeriesAcc {
    /// The series got trades into a bar-building group (aggregate knows it).
    in_bars: bool,
    trades: u64,
    skips: Skips,
    first: Option<i64>,
    last: Option<i64>,
    traded_intervals: u64,
    zero_range: u64,
    zero_interval: u64,
    collisions: u64,
    zero_volume: u64,
    zero_volume_outage: u64,
    runs: Histogram,
    /// (length, start) of the longest zero-volume run (the earliest of equal ones).
    longest: Option<(u64, i64)>,
    /// Running maximum trade time per input, for out-of-order arrival.
    arrival_max: Vec<(u32, i64)>,
    out_of_order: u64,
    max_lateness: i64,
    /// Latency in whole ms (floor), with the exact ns maximum and the negatives.
    latency_ms: Histogram,
    latency_max: Option<i64>,
    latency_negative: u64,
    volume: VolumeTracker,
}

/// Receive times of one input: first, running maximum, silences longer than the gap.
#[derive(Clone, Debug, Default)]
pub struct Reception {
    pub first: Option<i64>,
    pub max: i64,
    /// (last message before, next message), in time order.
    pub outages: Vec<(i64, i64)>,
}

impl Reception {
    /// Closed stretches `[from, to]` of this input during which messages arrived at most
    /// `gap` apart, that meet the open interval (lo, hi).
    fn covered_stretches(&self, lo: i64, hi: i64, out: &mut Vec<(i64, i64)>) {
        let Some(first) = self.first else { return };
        // Stretch k runs from the end of outage k-1 (or `first`) to the start of outage k
        // (or `max`).
        let n = self.outages.len();
        let start_k = self.outages.partition_point(|o| o.1 <= lo);
        for k in start_k..=n {
            let from = if k == 0 { first } else { self.outages[k - 1].1 };
            let to = if k == n { self.max } else { self.outages[k].0 };
            if from >= hi {
                break;
            }
            if to > lo {
                out.push((from, to));
            }
        }
    }
}

/// Do the inputs' received stretches cover all of (x, y)?
fn covered(inputs: &[Reception], x: i64, y: i64, s: &mut Vec<(i64, i64)>) -> bool {
    s.clear();
    for r in inputs {
        r.covered_stretches(x, y, s);
    }
    s.sort_unstable();
    let mut cur = x;
    for &(from, to) in s.iter() {
        if from > cur {
            return false;
        }
        cur = cur.max(to);
        if cur >= y {
            return true;
        }
    }
    false
}

/// The `stats` observer.
pub struct StatsObserver {
    interval: i64,
    gap: i64,
    best_window: bool,
    series: Vec<SeriesAcc>,
    inputs: Vec<Reception>,
    /// Zero-volume runs (series, start, length) waiting until every input has read past
    /// them, to be told apart as outage or quiet.
    pending: Vec<(usize, i64, u64)>,
    scratch: Vec<(i64, i64)>,
}

impl StatsObserver {
    /// `interval`: bucket width; `gap`: the silence that makes an outage (ns);
    /// `best_window`: keep the largest quote volume over a trailing 24 h window too
    /// (`--min-quote-volume-24h` needs it; otherwise only the total is kept).
    pub fn new(interval: i64, gap: i64, best_window: bool) -> StatsObserver {
        StatsObserver {
            interval,
            gap,
            best_window,
            series: Vec::new(),
            inputs: Vec::new(),
            pending: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn acc(&mut self, si: usize) -> &mut SeriesAcc {
        if si >= self.series.len() {
            self.series.resize_with(si + 1, SeriesAcc::default);
        }
        &mut self.series[si]
    }

    fn input(&mut self, i: usize) -> &mut Reception {
        if i >= self.inputs.len() {
            self.inputs.resize_with(i + 1, Reception::default);
        }
        &mut self.inputs[i]
    }

    /// Is some part of the interval [lo, hi) inside an outage of some input that no input
    /// covered with received messages?
    fn in_outage(&mut self, lo: i64, hi: i64) -> bool {
        let mut s = std::mem::take(&mut self.scratch);
        let found = self.inputs.iter().any(|input| {
            let k0 = input.outages.partition_point(|o| o.1 <= lo);
            input.outages[k0..]
                .iter()
                .take_while(|o| o.0 < hi)
                .any(|&(a, b)| {
                    // The silence (a, b) meets [lo, hi) in (max(a, lo), min(b, hi)).
                    let (x, y) = (a.max(lo), b.min(hi));
                    x < y && !covered(&self.inputs, x, y, &mut s)
                })
        });
        self.scratch = s;
        found
    }

    fn classify_pending(&mut self, upto: i64) {
        let interval = self.interval;
        let pending = std::mem::take(&mut self.pending);
        let mut keep = Vec::new();
        for (si, start, len) in pending {
            let end = start + len as i64 * interval;
            if end > upto {
                keep.push((si, start, len));
                continue;
            }
            let mut outage = 0;
            if self.in_outage(start, end) {
                for k in 0..len as i64 {
                    let lo = start + k * interval;
                    if self.in_outage(lo, lo + interval) {
                        outage += 1;
                    }
                }
            }
            self.series[si].zero_volume_outage += outage;
        }
        self.pending = keep;
    }

    /// Figures per series (indexes of the engine's series), and whether any input had
    /// receive times.
    pub fn finish(mut self, n_series: usize) -> (Vec<Figures>, Vec<Reception>) {
        self.classify_pending(i64::MAX);
        self.acc(n_series.saturating_sub(1));
        let interval = self.interval;
        let any_recv = self.inputs.iter().any(|r| r.first.is_some());
        let figures = self
            .series
            .into_iter()
            .map(|a| {
                let intervals = match (a.first, a.last) {
                    (Some(f), Some(l)) => ((l - f) / interval + 1) as u64,
                    _ => 0,
                };
                Figures {
                    in_bars: a.in_bars,
                    trades: a.trades,
                    duplicates: 0,
                    skips: a.skips,
                    first: a.first,
                    last: a.last,
                    interval,
                    intervals,
                    traded_intervals: a.traded_intervals,
                    zero_volume: a.zero_volume,
                    zero_volume_outage: any_recv.then_some(a.zero_volume_outage),
                    runs: a.runs,
                    longest: a.longest,
                    zero_interval: a.zero_interval,
                    zero_range: a.zero_range,
                    collisions: a.collisions,
                    out_of_order: a.out_of_order,
                    max_lateness: a.max_lateness,
                    latency_ms: a.latency_ms,
                    latency_max: a.latency_max,
                    latency_negative: a.latency_negative,
                    quote_volume: a.volume.total(),
                    best_window_quote_volume: a.volume.best(),
                }
            })
            .collect();
        (figures, self.inputs)
    }
}

impl Observer for StatsObserver {
    type Worker = StatsWorker;

    fn worker(&self) -> StatsWorker {
        StatsWorker {
            gap: self.gap,
            log_cap: LOG_CAP,
        }
    }

    fn chunk(
        &mut self,
        input: usize,
        mut c: StatsChunk,
        series_of: &[usize],
        intern: &mut dyn FnMut(&'static str, u8, &str) -> usize,
        redo: &mut dyn FnMut(&StatsWorker) -> StatsChunk,
    ) {
        let gap = self.gap;
        if let Some(first) = c.first_recv {
            let r = self.input(input);
            match r.first {
                None => {
                    r.first = Some(first);
                    r.max = first;
                }
                Some(_) => {
                    if first > r.max {
                        if first - r.max > gap {
                            r.outages.push((r.max, first));
                        }
                        r.max = first;
                    }
                }
            }
            for &(a, b) in &c.gaps {
                let a = a.max(r.max);
                if b - a > gap {
                    r.outages.push((a, b));
                }
                r.max = r.max.max(b);
            }
            r.max = r.max.max(c.max_recv);
        }
        for &si in series_of {
            self.acc(si).in_bars = true;
        }
        let input = input as u32;
        let series: Vec<usize> = c
            .series
            .iter()
            .map(|e| match e.group {
                u32::MAX => intern(e.venue, e.stream, &e.symbol),
                g => series_of[g as usize],
            })
            .collect();
        // An entry whose logged arrivals are all older than the earlier chunks' latest
        // trade, with more arrivals after them, needs the ones not logged: decode the chunk
        // again, logging all (the same trades come in the same order, so the same entries).
        let short = c.series.iter().zip(&series).any(|(e, &si)| {
            e.unlogged
                && self.series.get(si).is_some_and(|a| {
                    a.arrival_max
                        .iter()
                        .rev()
                        .find(|(i, _)| *i == input)
                        .is_some_and(|&(_, m0)| m0 > e.last_logged)
                })
        });
        if short {
            c = redo(&StatsWorker {
                gap,
                log_cap: u32::MAX,
            });
            debug_assert_eq!(c.series.len(), series.len());
        }
        for (ek, e) in c.series.iter().enumerate() {
            let si = series[ek];
            let a = self.acc(si);
            a.skips.pre_capture += e.skips.pre_capture;
            a.skips.history += e.skips.history;
            a.skips.late += e.skips.late;
            if let Some(m) = e.latency_max {
                a.latency_max = Some(a.latency_max.map_or(m, |x| x.max(m)));
                a.latency_negative += e.latency_negative;
            }
            if e.max == i64::MIN {
                continue;
            }
            // A trade is out of order when its time is less than the largest before it:
            // of the chunk (counted by the worker) or of the earlier chunks (`m0`), which
            // the worker's other trades, in non-decreasing order, meet in a prefix.
            match a.arrival_max.iter_mut().rev().find(|(i, _)| *i == input) {
                Some((_, m)) => {
                    let m0 = *m;
                    // The entry's first record is its smallest; usually it is the first
                    // one looked at, and not below m0.
                    let (mut below, mut min) = (0, e.min_late);
                    for &(k, t) in &c.log[e.from as usize..] {
                        if k as usize == ek {
                            min = min.min(t);
                            if t >= m0 {
                                break;
                            }
                            below += 1;
                        }
                    }
                    let mut lateness = e.lateness;
                    if m0 > min {
                        lateness = lateness.max(m0 - min);
                    }
                    *m = m0.max(e.max);
                    a.out_of_order += e.out_of_order + below;
                    a.max_lateness = a.max_lateness.max(lateness);
                }
                None => {
                    a.arrival_max.push((input, e.max));
                    a.out_of_order += e.out_of_order;
                    a.max_lateness = a.max_lateness.max(e.lateness);
                }
            }
        }
        for &(k, ms, n) in &c.latency_ms {
            self.acc(series[k as usize]).latency_ms.add(ms, n);
        }
    }

    fn closed(&mut self, si: usize, bucket: i64, bar: &PartialBar, sigs: SigSet) {
        let (interval, best_window) = (self.interval, self.best_window);
        let a = self.acc(si);
        a.trades += bar.trades;
        a.traded_intervals += 1;
        if bar.high == bar.low {
            a.zero_range += 1;
        }
        let (distinct, times) = sigs.distinct();
        a.zero_interval += bar.trades.saturating_sub(times);
        a.collisions += bar.trades.saturating_sub(distinct);
        if best_window {
            a.volume.add(bucket, bar.quote_volume);
        } else {
            a.volume.add_total(bar.quote_volume);
        }
        let mut run = None;
        if let Some(last) = a.last {
            let len = ((bucket - last) / interval - 1) as u64;
            if len > 0 {
                let start = last + interval;
                a.zero_volume += len;
                a.runs.add(len as i64, 1);
                if a.longest.is_none_or(|(l, _)| len > l) {
                    a.longest = Some((len, start));
                }
                run = Some((start, len));
            }
        }
        a.first.get_or_insert(bucket);
        a.last = Some(bucket);
        if let Some((start, len)) = run {
            self.pending.push((si, start, len));
        }
    }

    fn watermark(&mut self, time: i64) {
        if !self.pending.is_empty() {
            self.classify_pending(time);
        }
    }
}

/// The figures of one series (docs/stats.md).
#[derive(Clone, Debug)]
pub struct Figures {
    pub in_bars: bool,
    pub trades: u64,
    pub duplicates: u64,
    pub skips: Skips,
    /// First and last traded bucket (start, ns).
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub interval: i64,
    pub intervals: u64,
    pub traded_intervals: u64,
    pub zero_volume: u64,
    /// Zero-volume intervals that meet a recorder outage (None: no receive times).
    pub zero_volume_outage: Option<u64>,
    /// Lengths of the zero-volume runs (intervals).
    pub runs: Histogram,
    /// (length, start) of the longest run.
    pub longest: Option<(u64, i64)>,
    pub zero_interval: u64,
    pub zero_range: u64,
    pub collisions: u64,
    pub out_of_order: u64,
    /// ns
    pub max_lateness: i64,
    /// Receive − trade time, floor ms.
    pub latency_ms: Histogram,
    /// ns
    pub latency_max: Option<i64>,
    pub latency_negative: u64,
    pub quote_volume: Sum,
    /// The largest quote volume over a trailing 24 h window (zero unless the observer
    /// was made to keep it).
    pub best_window_quote_volume: Sum,
}

impl Figures {
    /// The figures of several series together (the total row): counts summed, the longest
    /// run the longest, histograms merged, the span from the first start to the last end.
    pub fn total<'a>(all: impl IntoIterator<Item = &'a Figures>, interval: i64) -> Figures {
        let mut t = Figures {
            in_bars: true,
            trades: 0,
            duplicates: 0,
            skips: Skips::default(),
            first: None,
            last: None,
            interval,
            intervals: 0,
            traded_intervals: 0,
            zero_volume: 0,
            zero_volume_outage: None,
            runs: Histogram::default(),
            longest: None,
            zero_interval: 0,
            zero_range: 0,
            collisions: 0,
            out_of_order: 0,
            max_lateness: 0,
            latency_ms: Histogram::default(),
            latency_max: None,
            latency_negative: 0,
            quote_volume: Sum::ZERO,
            best_window_quote_volume: Sum::ZERO,
        };
        for f in all {
            t.trades += f.trades;
            t.duplicates += f.duplicates;
            t.skips.pre_capture += f.skips.pre_capture;
            t.skips.history += f.skips.history;
            t.skips.late += f.skips.late;
            t.first = match (t.first, f.first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            t.last = t.last.max(f.last);
            t.intervals += f.intervals;
            t.traded_intervals += f.traded_intervals;
            t.zero_volume += f.zero_volume;
            if let Some(o) = f.zero_volume_outage {
                t.zero_volume_outage = Some(t.zero_volume_outage.unwrap_or(0) + o);
            }
            t.runs.absorb(&f.runs);
            if let Some((l, s)) = f.longest {
                let better = match t.longest {
                    None => true,
                    Some((tl, ts)) => l > tl || (l == tl && s < ts),
                };
                if better {
                    t.longest = Some((l, s));
                }
            }
            t.zero_interval += f.zero_interval;
            t.zero_range += f.zero_range;
            t.collisions += f.collisions;
            t.out_of_order += f.out_of_order;
            t.max_lateness = t.max_lateness.max(f.max_lateness);
            t.latency_ms.absorb(&f.latency_ms);
            t.latency_max = t.latency_max.max(f.latency_max);
            t.latency_negative += f.latency_negative;
            t.quote_volume = t
                .quote_volume
                .checked_add(f.quote_volume)
                .unwrap_or(t.quote_volume);
        }
        t
    }
}

/// `100 × a / b`, rounded to 4 decimals (None when b is 0).
pub fn pct(a: u64, b: u64) -> Option<f64> {
    if b == 0 {
        return None;
    }
    Some((a as f64 * 1_000_000.0 / b as f64).round() / 10_000.0)
}

/// A duration in ns as milliseconds, exactly (`1.5`, `-3`, `0.000001`).
pub fn ms_text(ns: i64) -> String {
    scaled_text(ns, 6)
}

/// A duration in ns as seconds, exactly (`10`, `0.25`).
pub fn secs_text(ns: i64) -> String {
    scaled_text(ns, 9)
}

fn scaled_text(ns: i64, scale: u8) -> String {
    let mut out = Vec::new();
    if ns < 0 {
        out.push(b'-');
    }
    let d = Decimal::new(ns.unsigned_abs() as u128, scale);
    crate::decimal::write_decimal(&mut out, d);
    String::from_utf8(out).unwrap_or_default()
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
    fn nearest_rank_percentiles() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile(50), None);
        for v in [5, 1, 3, 2, 4] {
            h.add(v, 1);
        }
        // n = 5: p50 is rank 3, p99 rank 5, p20 rank 1, p21 rank 2.
        assert_eq!(h.percentile(50), Some(3));
        assert_eq!(h.percentile(99), Some(5));
        assert_eq!(h.percentile(20), Some(1));
        assert_eq!(h.percentile(21), Some(2));
        let mut h = Histogram::default();
        h.add(7, 99);
        h.add(100, 1);
        // n = 100: p99 is rank 99 (7), p100 rank 100.
        assert_eq!(h.percentile(99), Some(7));
        assert_eq!(h.percentile(100), Some(100));
        assert_eq!(h.percentile(50), Some(7));
    }

    #[test]
    fn ms_text_is_exact() {
        assert_eq!(ms_text(1_500_000), "1.5");
        assert_eq!(ms_text(-3_000_000), "-3");
        assert_eq!(ms_text(1), "0.000001");
        assert_eq!(ms_text(0), "0");
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
                        split_parts += !set.pieces.is_empty() as u32;
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
    fn out_of_order_over_chunks_as_a_plain_replay() {
        // Two series on two inputs, trades (some late-skipped) cut into chunks at random
        // places; the worker/merge split must count what one pass in arrival order counts,
        // whatever the log's cap (a chunk is replayed when the merge asks for it again).
        let mut rng = crate::testrng::Lcg(11);
        let mut next = |m: u64| rng.below(m);
        let symbols = ["A", "B"];
        let mut redone = 0;
        for case in 0..300 {
            let worker = StatsWorker {
                gap: 10,
                log_cap: [1, 2, LOG_CAP, u32::MAX][case % 4],
            };
            let mut obs = StatsObserver::new(1000, 10, true);
            let mut want = [(0u64, 0i64); 2];
            let mut max = [[None::<i64>; 2]; 2];
            for (input, max) in max.iter_mut().enumerate() {
                let mut time = 1000i64;
                let n = next(80);
                // The chunk's trades: (series, trade, skipped late).
                let mut events: Vec<(usize, Trade, bool)> = Vec::new();
                for k in 0..n {
                    time += next(5) as i64;
                    // Now and then a stretch of older trades, in order among themselves.
                    let t_time = time - if next(4) == 0 { next(40) as i64 } else { 0 };
                    let si = next(2) as usize;
                    let trade = Trade {
                        venue: "x",
                        stream: 0,
                        symbol: symbols[si].into(),
                        time: t_time,
                        price: Decimal::new(1, 0),
                        size: Decimal::new(1, 0),
                        side: crate::trade::Side::Buy,
                        id: crate::trade::TradeId::None,
                        id_ordered: false,
                        history: false,
                    };
                    events.push((si, trade, next(8) == 0));
                    match max[si] {
                        Some(m) if t_time < m => {
                            want[si].0 += 1;
                            want[si].1 = want[si].1.max(m - t_time);
                        }
                        _ => max[si] = Some(t_time),
                    }
                    if next(10) == 0 || k + 1 == n {
                        let replay = |w: &StatsWorker| {
                            let mut c = w.chunk_state();
                            for (si, t, late) in &events {
                                if *late {
                                    w.skipped(&mut c, t, SKIP_LATE);
                                } else {
                                    w.admitted(&mut c, *si as u32, t, None, Fate::Taken);
                                }
                            }
                            w.end_chunk(&mut c);
                            c
                        };
                        obs.chunk(
                            input,
                            replay(&worker),
                            &[0, 1],
                            &mut |_, _, sym: &str| usize::from(sym == "B"),
                            &mut |w| {
                                redone += 1;
                                assert_eq!(w.log_cap, u32::MAX);
                                replay(w)
                            },
                        );
                        events.clear();
                    }
                }
            }
            let (figures, _) = obs.finish(2);
            for (si, want) in want.iter().enumerate() {
                let got = figures
                    .get(si)
                    .map_or((0, 0), |f| (f.out_of_order, f.max_lateness));
                assert_eq!(got, *want, "case {case}, series {si}");
            }
        }
        assert!(redone > 0, "no chunk was decoded again");
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
