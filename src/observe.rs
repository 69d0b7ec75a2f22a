//! What a pass over the trades can watch besides the bars: the hooks `stats` uses to see
//! exactly the trades, duplicates, skips and buckets that `aggregate` sees.
//!
//! The engine is generic over an [`Observer`]; `aggregate` runs it with [`NoObserver`],
//! whose hooks are empty and whose state types are zero-sized, so they compile away and
//! the aggregate hot path pays nothing.
//!
//! The hooks come in three places, as the engine's work does:
//! - **workers** (parallel, per chunk): [`WorkerObs`] sees every received message time and
//!   every decoded trade with its fate, into per-chunk state ([`WorkerObs::Chunk`]), and
//!   the state once the chunk is done ([`WorkerObs::end_chunk`]);
//! - **buckets**: [`BucketObs`] is kept beside each partial bar and each open bucket and
//!   sees every trade that is added to a bar (after deduplication); it merges like the bar;
//! - **merge** (sequential, in input order): [`Observer::chunk`] takes each chunk's state
//!   in order, [`Observer::closed`] each closed bucket with its bar, [`Observer::watermark`]
//!   how far every input has been read.

use crate::bar::PartialBar;
use crate::trade::Trade;

/// What happened to a decoded trade in a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Admitted and new in its chunk bucket: added to the bar (unless a copy in an earlier
    /// chunk turns up at the merge).
    Taken,
    /// Admitted, but a copy was already taken in the same chunk bucket.
    Duplicate,
}

/// Hooks that run on the worker threads.
pub trait WorkerObs: Send + Sync {
    /// What a worker gathers over one chunk, handed to [`Observer::chunk`].
    type Chunk: Default + Send;
    /// What is kept per (series, bucket) beside the partial bar.
    type Bucket: BucketObs;
    /// Whether the bars need their base and buy volumes, open and close. False for passes
    /// that count and write no bars (`stats`): those two sums then stay zero, open and
    /// close are the first trade's, and adding a trade costs less (see
    /// [`crate::bar::PartialBar::add_trade_with`]).
    const FULL_BARS: bool = true;

    /// The state for a new chunk.
    #[inline(always)]
    fn chunk_state(&self) -> Self::Chunk {
        Self::Chunk::default()
    }

    /// A received message with the recorder's receive time (ns).
    #[inline(always)]
    fn received(&self, _c: &mut Self::Chunk, _recv: i64) {}

    /// A decoded, admitted trade of chunk group `group` (pre-dedup), with the receive
    /// time of its message if the capture has one.
    #[inline(always)]
    fn admitted(
        &self,
        _c: &mut Self::Chunk,
        _group: u32,
        _t: &Trade,
        _recv: Option<i64>,
        _fate: Fate,
    ) {
    }

    /// Trade `t` of chunk group `group` was added to the group's bar: `b` is what is kept
    /// beside that bar. Called right after [`WorkerObs::admitted`] for the same trade.
    #[inline(always)]
    fn taken(&self, _c: &mut Self::Chunk, _group: u32, b: &mut Self::Bucket, t: &Trade) {
        b.add(t);
    }

    /// A decoded trade left out by a rule (`reason` is one of the engine's `SKIP_*`).
    #[inline(always)]
    fn skipped(&self, _c: &mut Self::Chunk, _t: &Trade, _reason: &'static str) {}

    /// The chunk is decoded: a last look at its state, still on the worker thread, so
    /// that the merge has less to do.
    #[inline(always)]
    fn end_chunk(&self, _c: &mut Self::Chunk) {}
}

/// Per-bucket state: sees the trades a bar is made of.
pub trait BucketObs: Default + Send {
    /// A trade added to the bar.
    fn add(&mut self, t: &Trade);
    /// The state of the union of two disjoint sets of trades of one bucket.
    fn merge(&mut self, other: Self);
    /// Whether adding `t` again would leave the state as it is (false when unsure): a
    /// merge may then keep a copy of a trade already added (see `Engine::drop_copies`).
    fn covers(&self, t: &Trade) -> bool;
    /// Ask for the memory that closing the bucket will read (see `crate::engine::prefetch`),
    /// when the bucket is about to be closed.
    #[inline(always)]
    fn prefetch(&self) {}
}

/// Hooks that run where chunks are merged and buckets closed (one thread, input order).
pub trait Observer: Send {
    type Worker: WorkerObs + Clone;
    /// False for [`NoObserver`]: the engine skips the bookkeeping the hooks would need.
    const ACTIVE: bool = true;

    /// The worker-side hooks (cloned into the workers).
    fn worker(&self) -> Self::Worker;

    /// The state a worker gathered over one chunk of input `input`, in input order.
    /// `series_of[g]` is the series of the chunk's group `g`; `intern` gives the series of
    /// a (venue, stream, symbol) that has no group in the chunk (skipped trades). `redo`
    /// decodes the chunk again with another worker and gives that worker's state, for
    /// when what a worker gathered turns out not to be enough (the engine's own state is
    /// left as it is).
    fn chunk(
        &mut self,
        input: usize,
        chunk: ChunkOf<Self>,
        series_of: &[usize],
        intern: &mut dyn FnMut(&'static str, u8, &str) -> usize,
        redo: &mut dyn FnMut(&Self::Worker) -> ChunkOf<Self>,
    );

    /// A bucket with trades was closed (buckets of one series come in increasing order).
    fn closed(&mut self, series: usize, bucket: i64, bar: &PartialBar, obs: BucketOf<Self>);

    /// Every input still being read has read past this capture time (i64::MAX: all done).
    fn watermark(&mut self, _time: i64) {}
}

pub type ChunkOf<O> = <<O as Observer>::Worker as WorkerObs>::Chunk;
pub type BucketOf<O> = <<O as Observer>::Worker as WorkerObs>::Bucket;

/// The observer of `aggregate`: watches nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl BucketObs for () {
    #[inline(always)]
    fn add(&mut self, _t: &Trade) {}
    #[inline(always)]
    fn merge(&mut self, _other: Self) {}
    #[inline(always)]
    fn covers(&self, _t: &Trade) -> bool {
        true
    }
}

impl WorkerObs for NoObserver {
    type Chunk = ();
    type Bucket = ();
}

impl Observer for NoObserver {
    type Worker = NoObserver;
    const ACTIVE: bool = false;

    fn worker(&self) -> NoObserver {
        NoObserver
    }

    #[inline(always)]
    fn chunk(
        &mut self,
        _input: usize,
        _chunk: (),
        _series_of: &[usize],
        _intern: &mut dyn FnMut(&'static str, u8, &str) -> usize,
        _redo: &mut dyn FnMut(&NoObserver),
    ) {
    }

    #[inline(always)]
    fn closed(&mut self, _series: usize, _bucket: i64, _bar: &PartialBar, _obs: ()) {}
}
