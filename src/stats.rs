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
use crate::sigset::SigSet;
use crate::time::NS_PER_MS;
use crate::trade::Trade;

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

/// A chunk group's signature list, at its first trade: room for 1.5 times as many as the
/// series' previous group took. Out of line, as it runs once per group.
#[cold]
#[inline(never)]
fn make_room(e: &mut ChunkSeries, b: &mut SigSet) {
    if e.taken > 0 {
        e.hint = e.taken;
    }
    e.taken = 0;
    b.reserve(e.hint as usize + e.hint as usize / 2);
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
        if b.room() == 0 {
            make_room(e, b);
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
}
