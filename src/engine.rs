//! The aggregation pipeline: inputs → chunks → (parallel) partial bars → merged buckets →
//! closed, forward-filled rows.
//!
//! - Inputs are read interleaved by their capture clock (receive time, else trade time), a
//!   batch of chunks at a time, so overlapping recordings of the same period are merged
//!   while both are open, with memory bounded by the batch, not by the inputs.
//! - Each chunk of a batch is decoded on the rayon pool into partial bars per
//!   (venue, stream, symbol, bucket) with the trade ids seen (deduplicated inside the chunk).
//! - Chunk results are merged in input order. A chunk bucket whose ids overlap the ids
//!   already merged for that bucket (a duplicate across chunks) is re-read line by line, so
//!   every duplicate is dropped exactly once and the result does not depend on where chunks
//!   were cut or how many threads ran.
//! - After each batch, buckets that end more than `max_delay` before the slowest open
//!   input's clock are closed: written out as rows (with forward fill) and their id sets
//!   dropped. A trade that arrives later for a closed bucket is counted, never mis-assigned.
//!
//! Batches and chunk boundaries depend only on the input bytes, never on the thread count,
//! so the output is byte-identical for any `--threads`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::bar::{capture_order, OrderKey, PartialBar};
use crate::capture::envelope::{self, Line};
use crate::capture::{self, Chunk, Compression, Input, Opened};
use crate::decimal::Decimal;
use crate::dedup::{ContentCounts, ContentKey, IdSet};
use crate::flatjson::{read_message, AnyVal, Flat};
use crate::fxhash::FxHasher;
use crate::json::Tape;
use crate::observe::{BucketObs, BucketOf, Fate, NoObserver, Observer, WorkerObs};
use crate::report::Counts;
use crate::time::{bucket_start, NS_PER_S};
use crate::trade::{Trade, TradeId};
use crate::venue::binance::FlatTrade;
use crate::venue::{self, Channel, Channels, Ctx, Decoded, Out};

/// How far before the start of its recording a trade may be and still count as observed
/// live (exchange and recorder clocks differ by a few hundred ms at most).
pub const PRE_CAPTURE_SLACK: i64 = 5 * NS_PER_S;
/// Chunks per batch. A constant, so results never depend on the thread count.
pub const BATCH_CHUNKS: usize = 32;
/// A batch ends early once its chunks hold this many bytes (see `take_batch`).
pub const BATCH_BYTES: usize = BATCH_CHUNKS * capture::CHUNK_BYTES;
/// Chunks in the first batch of an input; later batches double up to [`BATCH_CHUNKS`].
pub const FIRST_BATCH_CHUNKS: usize = 4;
/// Memory a batch's decoded groups may take: a chunk of a capture of 10,000 symbols holds
/// about 9,000 (venue, stream, symbol, bucket) groups of some 400 bytes each until it is
/// merged, so 32 such chunks would hold 120 MiB. Batches of such inputs are kept smaller.
pub const BATCH_GROUP_BYTES: usize = 24 << 20;

pub const SKIP_PRE_CAPTURE: &str =
    "pre-capture (older than its recording's start by more than 5 s)";
pub const SKIP_HISTORY: &str = "history (labelled snapshot of past trades)";
pub const SKIP_LATE: &str = "late (arrived after its bucket was closed; see --max-delay)";
pub const SKIP_OVERFLOW: &str = "exact sum would exceed 256 bits";
pub const SKIP_WINDOW: &str = "outside --from/--to";

/// What the pipeline needs to know.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Bucket width, ns.
    pub interval: i64,
    /// Reordering tolerated before a bucket is closed, ns.
    pub max_delay: i64,
    pub keep_pre_capture: bool,
    pub strict: bool,
    pub venue_override: Option<&'static str>,
    /// Only trades with trade times in `[from, to)` are taken (`--from`/`--to`).
    pub window: (i64, i64),
}

/// Connection state of a recording at some line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conn {
    pub url: Option<Arc<str>>,
    /// When the recording (connection) started, if the capture has receive times.
    pub start: Option<i64>,
    /// The next receive time starts a recording (file start, after a disconnect marker).
    pub pending_start: bool,
    /// Channels the venue announced on this connection (Bitfinex names only a channel
    /// number in its trade messages).
    pub channels: Option<Arc<Channels>>,
}

impl Conn {
    fn new_input() -> Conn {
        Conn {
            url: None,
            start: None,
            pending_start: true,
            channels: None,
        }
    }

    /// What the decoders know of the connection.
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            url: self.url.as_deref(),
            channels: self.channels.as_deref(),
        }
    }

    /// Note a channel the venue opened (or closed, `None`) on this connection; whether
    /// that changed anything. The map is connection state like the URL: workers decode a
    /// chunk assuming the map as of the batch start, and `merge_chunk` decodes a chunk
    /// again when an earlier chunk of the batch changed it. Subscriptions come right after
    /// a connection opens, so this rarely costs anything.
    fn set_channel(&mut self, id: u64, channel: Option<Channel>) -> bool {
        let current = self.channels.as_ref().and_then(|m| m.get(&id));
        if current == channel.as_ref() {
            return false;
        }
        let map = Arc::make_mut(self.channels.get_or_insert_with(Default::default));
        match channel {
            Some(c) => {
                map.insert(id, c);
            }
            None => {
                map.remove(&id);
            }
        }
        if map.is_empty() {
            self.channels = None;
        }
        true
    }
}

/// A message that announced a channel updates the connection state (a new segment).
fn note_channel(
    decoded: &Result<Decoded, venue::DecodeError>,
    conn: &mut Conn,
    segments: &mut Vec<(u32, Conn)>,
    off: usize,
) {
    if let Ok(Decoded::Channel { id, channel, .. }) = decoded {
        if conn.set_channel(*id, channel.clone()) {
            segments.push((off as u32, conn.clone()));
        }
    }
}

/// A decoded trade, checked against the rules that leave trades out.
fn admit(t: &Trade, conn: &Conn, frontier: i64, s: &Settings) -> Result<(), &'static str> {
    if !s.keep_pre_capture {
        if t.history {
            return Err(SKIP_HISTORY);
        }
        if let Some(start) = conn.start {
            if t.time < start - PRE_CAPTURE_SLACK {
                return Err(SKIP_PRE_CAPTURE);
            }
        }
    }
    if t.time < s.window.0 || t.time >= s.window.1 {
        return Err(SKIP_WINDOW);
    }
    if t.time < frontier {
        return Err(SKIP_LATE);
    }
    Ok(())
}

#[inline]
fn order_key(t: &Trade, input: u32, offset: u64, index: u32) -> OrderKey {
    OrderKey {
        time: t.time,
        id: match (&t.id, t.id_ordered) {
            (TradeId::Num(v), true) => *v,
            _ => 0,
        },
        capture: capture_order(input, offset, index),
    }
}

/// Trades and skips of one message, committed only when the whole message decoded.
#[derive(Default)]
struct MessageBuf<'a> {
    trades: Vec<Trade<'a>>,
    skips: Vec<&'static str>,
}

impl<'a> MessageBuf<'a> {
    /// An empty buffer for the next message, reusing this one's allocations (the trades of
    /// one message borrow from its parsed tape, so the buffer cannot outlive it).
    fn recycle<'b>(self) -> MessageBuf<'b> {
        fn empty<T, U>(mut v: Vec<T>) -> Vec<U> {
            v.clear();
            // In-place collection keeps the allocation (same size and alignment).
            v.into_iter().filter_map(|_| None).collect()
        }
        MessageBuf {
            trades: empty(self.trades),
            skips: self.skips.into_iter().filter(|_| false).collect(),
        }
    }
}

impl<'a> Out<'a> for MessageBuf<'a> {
    fn trade(&mut self, t: Trade<'a>) {
        self.trades.push(t);
    }
    fn skip(&mut self, reason: &'static str) {
        self.skips.push(reason);
    }
}

/// Partial bar of one (venue, stream, symbol, bucket) within a chunk.
struct Group<B> {
    venue: &'static str,
    stream: u8,
    symbol: Box<str>,
    bucket: i64,
    bar: PartialBar,
    ids: IdSet,
    /// Chunk offsets of the lines that contributed trades, for re-reading on a conflict.
    lines: Vec<u32>,
    /// Duplicates dropped inside the chunk.
    dups: u64,
    /// Trades without ids, counted by content (see [`ContentCounts`]).
    content: Option<FxMap<ContentKey, u32>>,
    /// A trade of the group is not in the chunk's [`Taken`] log (its id is not an integer
    /// below 2^64, or its sums overflowed): a conflict is resolved by `reread_group` only.
    unindexed: bool,
    /// The group's first and last entries in the chunk's [`Taken`] log (`u32::MAX`: none).
    first_taken: u32,
    last_taken: u32,
    /// What the observer keeps of the bar's trades.
    obs: B,
}

/// A trade taken into a chunk group's bar, in the chunk's log of them: what
/// [`Engine::drop_copies`] needs to find the trades a group shares with the merged bucket.
/// The entries of a group are chained in line order from [`Group::first_taken`].
#[derive(Clone, Copy, Debug)]
struct Taken {
    id: u64,
    /// Chunk offset of its line.
    off: u32,
    /// The group's next entry (`u32::MAX`: none).
    next: u32,
}

/// What a worker makes of one chunk.
pub struct ChunkOut<W: WorkerObs> {
    groups: Vec<Group<W::Bucket>>,
    taken: Vec<Taken>,
    counts: Counts,
    /// Connection state at the chunk's start (assumed) and at each change inside it.
    segments: Vec<(u32, Conn)>,
    /// Event times (receive time, else trade time) sampled for the clock.
    clock: Option<i64>,
    /// With --strict: the first malformed line (chunk-relative line number, reason).
    fatal: Option<(u64, String)>,
    obs: W::Chunk,
}

impl<W: WorkerObs> ChunkOut<W> {
    fn end_conn(&self) -> &Conn {
        &self.segments.last().expect("segment 0 always exists").1
    }
}

/// Chunks of one input decoded together; their results are merged in order.
struct Batch<W: WorkerObs> {
    input: usize,
    chunks: Vec<Chunk>,
    outs: Vec<ChunkOut<W>>,
    /// The frontier the workers dropped late trades by (re-reads use the same).
    frontier: i64,
    /// The connection state the workers assumed at the batch start.
    assumed: Conn,
}

impl<W: WorkerObs> Batch<W> {
    fn decode(mut self, settings: &Settings, worker: &W) -> Batch<W> {
        let job = self.job();
        self.outs = self
            .chunks
            .par_iter()
            .map(|c| decode_at(c, &job, settings, worker))
            .collect();
        self
    }

    /// What the batch's workers are told (the offset is each chunk's).
    fn job(&self) -> Job {
        Job {
            input: self.input as u32,
            offset: 0,
            frontier: self.frontier,
            assumed: self.assumed.clone(),
        }
    }
}

/// Chunk `c` of the batch of `job`, decoded.
fn decode_at<W: WorkerObs>(c: &Chunk, job: &Job, settings: &Settings, worker: &W) -> ChunkOut<W> {
    let job = Job {
        offset: c.offset,
        ..job.clone()
    };
    let out = decode_chunk(c.bytes.as_slice(), &job, settings, worker);
    capture::release_decoded(c);
    out
}

/// Everything a worker needs besides the bytes.
#[derive(Clone)]
struct Job {
    input: u32,
    offset: u64,
    frontier: i64,
    assumed: Conn,
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// What reading chunk lines again (for [`Engine::drop_copies`] and
/// [`Engine::reread_group`]) reuses from line to line.
#[derive(Default)]
struct LineReader {
    tape: Tape,
    flat: Flat,
    frame_buf: Vec<u8>,
}

impl LineReader {
    /// The trades of the chunk line at `off` as the worker read them (the one-pass Binance
    /// reader where it answers, as in [`decode_chunk`], else the general path; `--venue`
    /// applied), into `buf`, and the connection state at the line; None when the line holds
    /// no trades.
    fn trades<'a, W: WorkerObs>(
        &'a mut self,
        bytes: &'a [u8],
        off: usize,
        out: &'a ChunkOut<W>,
        venue_override: Option<&'static str>,
        buf: &mut MessageBuf<'a>,
    ) -> Option<&'a Conn> {
        let end = memchr::memchr(b'\n', &bytes[off..]).map_or(bytes.len(), |k| off + k);
        let conn = &out.segments[out.segments.partition_point(|(o, _)| *o as usize <= off) - 1].1;
        let line = &bytes[off..end];
        let venue = venue::binance::venue_for_url(conn.url.as_deref());
        match venue::binance::scan::read_trade(line, venue) {
            Some((t, n)) if line_after(line, n).is_some() => buf.trades.push(t),
            _ => {
                let (flat, tape, frame) = (&mut self.flat, &mut self.tape, &mut self.frame_buf);
                if !decode_line(line, conn, flat, tape, frame, buf) {
                    return None;
                }
            }
        }
        if let Some(v) = venue_override {
            for t in &mut buf.trades {
                t.venue = v;
            }
        }
        Some(conn)
    }
}

/// Whether a trade read again belongs to chunk group `g` (as the worker assigned it).
fn in_group<B>(t: &Trade, g: &Group<B>, conn: &Conn, frontier: i64, s: &Settings) -> bool {
    t.venue == g.venue
        && t.stream == g.stream
        && t.symbol.as_ref() == g.symbol.as_ref()
        && bucket_start(t.time, s.interval) == g.bucket
        && admit(t, conn, frontier, s).is_ok()
}

/// Iterate `(offset, line)` over a chunk (lines without their `\n`).
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    // One searcher over the whole chunk: no set-up cost per line.
    let mut newlines = memchr::memchr_iter(b'\n', bytes);
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let end = newlines.next().unwrap_or(bytes.len());
        pos = end + 1;
        Some((start, &bytes[start..end]))
    })
}

/// Decode a message with the venue decoders; flat messages take the fast paths.
#[inline]
fn decode_message<'a>(
    msg: AnyVal<'a>,
    ctx: &Ctx,
    buf: &mut MessageBuf<'a>,
) -> Result<Decoded<'a>, venue::DecodeError> {
    // Monomorphic calls: the flat path pays no dispatch per field access.
    match msg {
        AnyVal::Flat(v) => match venue::binance::decode_flat(v, ctx, buf) {
            Some(d) => Ok(d),
            None => venue::decode(v, ctx, buf),
        },
        AnyVal::Tape(v) => venue::decode(v, ctx, buf),
    }
}

/// What a worker accumulates over one chunk.
struct ChunkState<'j, W: WorkerObs> {
    job: &'j Job,
    s: &'j Settings,
    worker: &'j W,
    obs: W::Chunk,
    /// Receive time of the message being decoded.
    recv: Option<i64>,
    counts: Counts,
    groups: Vec<Group<W::Bucket>>,
    taken: Vec<Taken>,
    /// symbol -> indices of its groups in this chunk
    index: FxMap<Box<str>, Vec<u32>>,
    cache: GroupCache,
    /// Event times for the chunk's clock: every 16th is enough for a median.
    times: Vec<i64>,
    events: u32,
    fatal: Option<(u64, String)>,
    last_bucket: i64,
}

impl<W: WorkerObs> ChunkState<'_, W> {
    fn malformed(&mut self, line_no: u64, reason: String) {
        if self.s.strict && self.fatal.is_none() {
            self.fatal = Some((line_no, reason.clone()));
        }
        self.counts.malformed.add(Cow::Owned(reason), 1, line_no);
    }

    #[inline]
    fn sample_time(&mut self, t: i64) {
        if self.events % 16 == 0 {
            self.times.push(t);
        }
        self.events = self.events.wrapping_add(1);
    }

    /// The outcome of the single-trade fast path.
    #[inline]
    fn take_one(
        &mut self,
        one: FlatTrade,
        conn: &Conn,
        recv_known: bool,
        off: usize,
        line_no: u64,
    ) {
        match one {
            FlatTrade::Skipped { reason, .. } => {
                self.counts.skipped.add(Cow::Borrowed(reason), 1, line_no);
            }
            FlatTrade::Trade(mut t) => {
                if let Some(v) = self.s.venue_override {
                    t.venue = v;
                }
                self.accept(&t, conn, recv_known, off, 0, line_no);
            }
        }
    }

    /// The outcome of the general decoders for one message.
    fn take_decoded(
        &mut self,
        decoded: Result<Decoded, venue::DecodeError>,
        buf: &mut MessageBuf,
        conn: &Conn,
        recv_known: bool,
        off: usize,
        line_no: u64,
    ) {
        match decoded {
            Err(e) => self.malformed(line_no, e.to_string()),
            Ok(Decoded::NotMine) => {
                self.counts.unrecognised.add(
                    Cow::Borrowed("message of no known venue"),
                    1,
                    line_no,
                );
            }
            Ok(Decoded::Other { .. } | Decoded::Channel { .. }) => self.counts.non_trade += 1,
            Ok(Decoded::Trades { .. }) => {
                for reason in buf.skips.drain(..) {
                    self.counts.skipped.add(Cow::Borrowed(reason), 1, line_no);
                }
                for (i, t) in buf.trades.iter_mut().enumerate() {
                    if let Some(v) = self.s.venue_override {
                        t.venue = v;
                    }
                    self.accept(t, conn, recv_known, off, i, line_no);
                }
            }
        }
    }

    /// One decoded trade: admit it, deduplicate it, add it to its bucket's partial bar.
    #[inline]
    fn accept(
        &mut self,
        t: &Trade,
        conn: &Conn,
        recv_known: bool,
        off: usize,
        i: usize,
        line_no: u64,
    ) {
        let s = self.s;
        if !recv_known {
            self.sample_time(t.time);
        }
        if let Err(reason) = admit(t, conn, self.job.frontier, s) {
            self.worker.skipped(&mut self.obs, t, reason);
            self.counts.skipped.add(Cow::Borrowed(reason), 1, line_no);
            return;
        }
        // Trades of all symbols advance together: the last bucket usually holds.
        let bucket =
            if t.time >= self.last_bucket && t.time < self.last_bucket.saturating_add(s.interval) {
                self.last_bucket
            } else {
                self.last_bucket = bucket_start(t.time, s.interval);
                self.last_bucket
            };
        let gi = self
            .cache
            .find(&mut self.groups, &mut self.index, t, bucket);
        let g = &mut self.groups[gi];
        let new = g.ids.insert(&t.id);
        self.worker.admitted(
            &mut self.obs,
            gi as u32,
            t,
            self.recv,
            if new { Fate::Taken } else { Fate::Duplicate },
        );
        if !new {
            g.dups += 1;
            self.counts.duplicates += 1;
            // Re-reads must see this line too, to count the duplicate again.
            if g.lines.last() != Some(&(off as u32)) {
                g.lines.push(off as u32);
            }
            return;
        }
        let key = order_key(t, self.job.input, self.job.offset + off as u64, i as u32);
        if g.bar.trades == 0 {
            g.bar = PartialBar::of_trade_with(key, t.price, t.size, t.side, W::FULL_BARS);
        } else if g
            .bar
            .add_trade_with(key, t.price, t.size, t.side, W::FULL_BARS)
            .is_err()
        {
            g.unindexed = true;
            self.counts
                .skipped
                .add(Cow::Borrowed(SKIP_OVERFLOW), 1, line_no);
            return;
        }
        match t.id {
            TradeId::Num(v) if v <= u64::MAX as u128 => {
                let n = self.taken.len() as u32;
                match self.taken.get_mut(g.last_taken as usize) {
                    Some(last) => last.next = n,
                    None => g.first_taken = n,
                }
                g.last_taken = n;
                self.taken.push(Taken {
                    id: v as u64,
                    off: off as u32,
                    next: u32::MAX,
                });
            }
            _ => g.unindexed = true,
        }
        self.worker.taken(&mut self.obs, gi as u32, &mut g.obs, t);
        if g.lines.last() != Some(&(off as u32)) {
            g.lines.push(off as u32);
        }
        if t.id == TradeId::None {
            let key = ContentKey::new(t.time, t.price, t.size, t.side);
            *g.content
                .get_or_insert_with(FxMap::default)
                .entry(key)
                .or_insert(0) += 1;
        }
        self.counts.trades += 1;
    }
}

/// The trades of one recorded line through the general path (envelope, binary frame, flat
/// table or tape, every decoder), for re-reads; false when it holds no trades.
fn decode_line<'a>(
    line: &'a [u8],
    conn: &Conn,
    flat: &'a mut Flat,
    tape: &'a mut Tape,
    frame_buf: &'a mut Vec<u8>,
    buf: &mut MessageBuf<'a>,
) -> bool {
    let Ok(Line::Message { payload, .. }) = envelope::parse_line(line) else {
        return false;
    };
    let payload = if envelope::is_binary_frame(payload) {
        match envelope::read_binary_frame(payload, frame_buf) {
            Ok(()) => &frame_buf[..],
            Err(_) => return false,
        }
    } else {
        payload
    };
    let Ok(root) = read_message(payload, flat, tape) else {
        return false;
    };
    let msg = match root {
        AnyVal::Tape(_) => envelope::unwrap_json(root).map_or(root, |(m, _)| m),
        AnyVal::Flat(_) => root,
    };
    let ctx = conn.ctx();
    matches!(decode_message(msg, &ctx, buf), Ok(Decoded::Trades { .. }))
}

/// A message read by the one-pass Binance reader, or by the general readers.
enum Msg<'a> {
    Trade(Trade<'a>),
    Any(AnyVal<'a>),
}

/// Where the next line starts if a message ending at `end` ends its line.
#[inline(always)]
fn line_after(bytes: &[u8], end: usize) -> Option<usize> {
    match bytes.get(end) {
        None => Some(end),
        Some(b'\n') => Some(end + 1),
        Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => Some(end + 2),
        _ => None,
    }
}

/// Decode one chunk into partial bars.
fn decode_chunk<W: WorkerObs>(bytes: &[u8], job: &Job, s: &Settings, worker: &W) -> ChunkOut<W> {
    let mut tape = Tape::new();
    let mut flat_buf = Flat::new();
    let mut spare: MessageBuf<'static> = MessageBuf::default();
    let mut st = ChunkState {
        job,
        s,
        worker,
        obs: worker.chunk_state(),
        recv: None,
        counts: Counts::default(),
        // About 250 chunk buckets in a dense 1 MiB chunk: no regrowth of the groups there.
        groups: Vec::with_capacity(bytes.len() / 4096 + 8),
        // About one trade per 150 bytes in dense captures.
        taken: Vec::with_capacity(bytes.len() / 128),
        index: FxMap::default(),
        cache: GroupCache::default(),
        times: Vec::with_capacity(bytes.len() / 2048 + 16),
        events: 0,
        fatal: None,
        last_bucket: i64::MIN,
    };
    let mut conn = job.assumed.clone();
    // What a Binance trade on this connection is named (from its URL).
    let mut binance_venue = venue::binance::venue_for_url(conn.url.as_deref());
    let mut segments = vec![(0u32, conn.clone())];
    let mut line_no: u64 = 0;
    let mut frame_buf: Vec<u8> = Vec::new();

    let mut pos = 0usize;
    while pos < bytes.len() {
        let off = pos;
        line_no += 1;
        // A raw flat message (every line of a raw Binance capture) is read straight from
        // the chunk: the reader finds where it ends, so the line needs no separate search
        // for its newline.
        if bytes[pos] == b'{' {
            // First the one-pass reader of Binance trades, then the table of any flat event.
            if let Some((t, n)) = venue::binance::scan::read_trade(&bytes[pos..], binance_venue) {
                if let Some(next) = line_after(bytes, pos + n) {
                    pos = next;
                    st.counts.messages += 1;
                    st.recv = None;
                    st.take_one(FlatTrade::Trade(t), &conn, false, off, line_no);
                    continue;
                }
            }
            if let Some((v, n)) = flat_buf.parse_prefix(&bytes[pos..]) {
                if let Some(next) = line_after(bytes, pos + n) {
                    pos = next;
                    st.counts.messages += 1;
                    let ctx = conn.ctx();
                    st.recv = None;
                    if let Some(one) = venue::binance::read_flat(v, &ctx) {
                        st.take_one(one, &conn, false, off, line_no);
                    } else {
                        let mut buf = std::mem::take(&mut spare).recycle();
                        let decoded = venue::decode(v, &ctx, &mut buf);
                        note_channel(&decoded, &mut conn, &mut segments, off);
                        st.take_decoded(decoded, &mut buf, &conn, false, off, line_no);
                        spare = buf.recycle();
                    }
                    continue;
                }
            }
        }
        let line_end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let line = &bytes[pos..line_end];
        pos = line_end + 1;
        let (recv, payload) = match envelope::parse_line(line) {
            Err(e) => {
                st.malformed(line_no, e.to_string());
                continue;
            }
            Ok(Line::Blank) => {
                // A disconnect: the next recording starts afresh, and so do its channels.
                if conn.start.is_some() || !conn.pending_start || conn.channels.is_some() {
                    conn.start = None;
                    conn.pending_start = true;
                    conn.channels = None;
                    segments.push((off as u32, conn.clone()));
                }
                continue;
            }
            Ok(Line::Connect { url, time }) => {
                conn = Conn {
                    url: Some(Arc::from(url)),
                    start: Some(time),
                    pending_start: false,
                    channels: None,
                };
                binance_venue = venue::binance::venue_for_url(conn.url.as_deref());
                segments.push((off as u32, conn.clone()));
                st.counts.recorder_lines += 1;
                continue;
            }
            Ok(Line::Ignored) => {
                st.counts.recorder_lines += 1;
                continue;
            }
            Ok(Line::Message { recv, payload, .. }) => (recv, payload),
        };
        st.counts.messages += 1;
        // A binary frame (Huobi's gzip, Upbit's JSON) recorded as a Python bytes literal.
        let payload = if envelope::is_binary_frame(payload) {
            match envelope::read_binary_frame(payload, &mut frame_buf) {
                Ok(()) => &frame_buf[..],
                Err(e) => {
                    st.malformed(line_no, e.to_string());
                    continue;
                }
            }
        } else {
            payload
        };
        // A Binance trade takes the one-pass reader (it is never a JSON wrapper), other flat
        // event messages the flat reader, anything else the tape.
        let (msg, recv) = match venue::binance::scan::read_trade(payload, binance_venue) {
            Some((t, n)) if n == payload.len() => (Msg::Trade(t), recv),
            _ => {
                let root = match read_message(payload, &mut flat_buf, &mut tape) {
                    Ok(r) => r,
                    Err(e) => {
                        st.malformed(line_no, e.to_string());
                        continue;
                    }
                };
                // A flat message has no nested object, so it cannot be a JSON wrapper.
                let wrapped = match root {
                    AnyVal::Tape(_) => envelope::unwrap_json(root),
                    AnyVal::Flat(_) => None,
                };
                match wrapped {
                    Some((inner, r)) => (Msg::Any(inner), r.or(recv)),
                    None => (Msg::Any(root), recv),
                }
            }
        };
        st.recv = recv;
        if let Some(r) = recv {
            st.worker.received(&mut st.obs, r);
            st.sample_time(r);
            if conn.pending_start {
                conn.start = Some(r);
                conn.pending_start = false;
                segments.push((off as u32, conn.clone()));
            }
        }
        let msg = match msg {
            Msg::Trade(t) => {
                st.take_one(FlatTrade::Trade(t), &conn, recv.is_some(), off, line_no);
                continue;
            }
            Msg::Any(m) => m,
        };
        let ctx = conn.ctx();
        // The fast path: one Binance trade, without buffering.
        if let AnyVal::Flat(v) = msg {
            if let Some(one) = venue::binance::read_flat(v, &ctx) {
                st.take_one(one, &conn, recv.is_some(), off, line_no);
                continue;
            }
        }
        let mut buf = std::mem::take(&mut spare).recycle();
        let decoded = decode_message(msg, &ctx, &mut buf);
        note_channel(&decoded, &mut conn, &mut segments, off);
        st.take_decoded(decoded, &mut buf, &conn, recv.is_some(), off, line_no);
        spare = buf.recycle();
    }
    st.counts.lines = line_no;
    let clock = if st.times.is_empty() {
        None
    } else {
        let mid = st.times.len() / 2;
        Some(*st.times.select_nth_unstable(mid).1)
    };
    worker.end_chunk(&mut st.obs);
    ChunkOut {
        groups: st.groups,
        taken: st.taken,
        counts: st.counts,
        segments,
        clock,
        fatal: st.fatal,
        obs: st.obs,
    }
}

/// What [`decode_bytes`] found in one chunk.
#[derive(Debug)]
pub struct ChunkSummary {
    pub counts: Counts,
    /// Trades in the chunk's partial bars (must equal `counts.trades`).
    pub bar_trades: u64,
    /// Every partial bar has low <= open, close <= high.
    pub bars_ordered: bool,
}

/// Decode `bytes` as one chunk at the start of a capture, exactly as a worker does, with
/// the default settings (10 s buckets, no venue override). No I/O: for the never-panic
/// property tests and the fuzz targets, which feed it arbitrary bytes.
pub fn decode_bytes(bytes: &[u8], strict: bool) -> ChunkSummary {
    let settings = Settings {
        interval: 10 * NS_PER_S,
        max_delay: 600 * NS_PER_S,
        keep_pre_capture: false,
        strict,
        venue_override: None,
        window: (i64::MIN, i64::MAX),
    };
    let job = Job {
        input: 0,
        offset: 0,
        frontier: i64::MIN,
        assumed: Conn::new_input(),
    };
    let out = decode_chunk(bytes, &job, &settings, &crate::observe::NoObserver);
    ChunkSummary {
        bar_trades: out.groups.iter().map(|g| g.bar.trades).sum(),
        bars_ordered: out.groups.iter().all(|g| {
            let b = &g.bar;
            b.low <= b.open && b.open <= b.high && b.low <= b.close && b.close <= b.high
        }),
        counts: out.counts,
    }
}

/// A small direct-mapped cache in front of [`group_for`]: most trades hit the group of a
/// symbol's current bucket, found here without hashing the symbol.
struct GroupCache {
    slots: [((u64, u64, u8), i64, u32); 64],
}

impl Default for GroupCache {
    fn default() -> Self {
        GroupCache {
            slots: [((0, 0, 0), i64::MIN, 0); 64],
        }
    }
}

impl GroupCache {
    /// A symbol of 1 to 16 bytes as a key equal only for equal symbols (`(0, 0, 0)`: not
    /// cacheable): its first and last eight bytes (or four, or its first, middle and last
    /// byte), which between them hold all of it, and its length. Fixed-size loads only: a
    /// copy of the symbol into a buffer called `memcpy` for every trade.
    #[inline(always)]
    fn pack(s: &str) -> (u64, u64, u8) {
        let b = s.as_bytes();
        let n = b.len();
        let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
        let half =
            |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4])) as u64;
        match n {
            8..=16 => (word(0), word(n - 8), n as u8),
            4..=7 => (half(0) | half(n - 4) << 32, 0, n as u8),
            1..=3 => (
                b[0] as u64 | (b[n / 2] as u64) << 8 | (b[n - 1] as u64) << 16,
                0,
                n as u8,
            ),
            _ => (0, 0, 0),
        }
    }

    #[inline]
    fn find<B: BucketObs>(
        &mut self,
        groups: &mut Vec<Group<B>>,
        index: &mut FxMap<Box<str>, Vec<u32>>,
        t: &Trade,
        bucket: i64,
    ) -> usize {
        let key = GroupCache::pack(&t.symbol);
        let h = ((key.0 ^ key.1.rotate_left(17) ^ key.2 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> 58) as usize;
        if key.2 != 0 {
            let (k, b, gi) = self.slots[h];
            if k == key && b == bucket {
                let g = &groups[gi as usize];
                if g.stream == t.stream && std::ptr::eq(g.venue, t.venue) {
                    return gi as usize;
                }
            }
        }
        let gi = group_for(groups, index, t, bucket);
        if key.2 != 0 {
            self.slots[h] = (key, bucket, gi as u32);
        }
        gi
    }
}

fn group_for<B: BucketObs>(
    groups: &mut Vec<Group<B>>,
    index: &mut FxMap<Box<str>, Vec<u32>>,
    t: &Trade,
    bucket: i64,
) -> usize {
    let list = match index.get_mut(t.symbol.as_ref()) {
        Some(l) => l,
        None => index.entry(Box::from(t.symbol.as_ref())).or_default(),
    };
    for &gi in list.iter().rev() {
        let g = &groups[gi as usize];
        if g.bucket == bucket && g.stream == t.stream && std::ptr::eq(g.venue, t.venue) {
            return gi as usize;
        }
    }
    for &gi in list.iter().rev() {
        let g = &groups[gi as usize];
        if g.bucket == bucket && g.stream == t.stream && g.venue == t.venue {
            return gi as usize;
        }
    }
    let gi = groups.len();
    groups.push(Group {
        venue: t.venue,
        stream: t.stream,
        symbol: Box::from(t.symbol.as_ref()),
        bucket,
        bar: PartialBar {
            open_key: OrderKey::default(),
            open: Decimal::ZERO,
            close_key: OrderKey::default(),
            close: Decimal::ZERO,
            high: Decimal::ZERO,
            low: Decimal::ZERO,
            volume: Default::default(),
            quote_volume: Default::default(),
            buy_volume: Default::default(),
            trades: 0,
        },
        ids: IdSet::new(),
        lines: Vec::new(),
        dups: 0,
        content: None,
        unindexed: false,
        first_taken: u32::MAX,
        last_taken: u32::MAX,
        obs: B::default(),
    });
    list.push(gi as u32);
    gi
}

// ----- merged state ---------------------------------------------------------------------

/// A bucket still open for trades.
struct OpenBucket<B> {
    bar: PartialBar,
    ids: IdSet,
    /// Trades without ids: how often each content was seen per input.
    content: ContentCounts,
    obs: B,
}

/// One stream of trades of one symbol at one venue: the unit bars are built for.
pub struct Series<B = ()> {
    pub venue: &'static str,
    pub stream: u8,
    pub symbol: Box<str>,
    /// Boxed: a bucket's state is some 600 bytes, which the tree's node splits and merges
    /// moved (2-3 % of `stats`' samples went to those copies).
    open: BTreeMap<i64, Box<OpenBucket<B>>>,
    /// Last bucket written and its close, for forward fill.
    last: Option<(i64, Decimal)>,
    /// Trades in the series, per input (input index, count), for the summary.
    pub trades_by_input: Vec<(u32, u64)>,
    /// Duplicates dropped from the series.
    pub duplicates: u64,
}

/// Where closed buckets go, in bucket order per series.
pub trait RowSink {
    /// A bucket with trades.
    fn bar(&mut self, series: usize, bucket: i64, bar: &PartialBar);
    /// An empty interval between two traded ones (only called with forward fill on).
    fn fill(&mut self, series: usize, bucket: i64, close: Decimal);
}

/// Per-input state.
struct InputState {
    input: Input,
    display: String,
    counts: Counts,
    conn: Conn,
    clock: i64,
    compression: Compression,
    source: Source,
    error: Option<String>,
    /// Bytes of (decompressed) data received so far, for error messages.
    read_upto: u64,
    /// A mapped input's file, to tell whether it changed while it was read.
    watch: Option<capture::mapped::Watch>,
    /// Chunks in its next batch (see `finish_batch`).
    batch_chunks: usize,
    warning: Option<String>,
}

impl InputState {
    /// The stream back from the batch that received through `pull`, or its end.
    fn take_back(&mut self, pull: Pull) {
        self.read_upto = pull.read_upto;
        self.source = match pull.end {
            None => Source::Stream(pull.rx),
            Some(Ok(())) => Source::Done,
            Some(Err(e)) => {
                self.error = Some(read_error(self.read_upto, &e));
                Source::Done
            }
        };
    }

    /// Read the input from `map` (its file, or the temporary file a compressed input was
    /// decompressed into), from the start, watching it for truncation.
    fn read_mapped(&mut self, map: Arc<capture::Mapped>) {
        self.watch = Some(map.watch());
        self.source = Source::Mapped { map, pos: 0 };
    }
}

enum Source {
    Pending,
    Mapped {
        map: Arc<capture::Mapped>,
        pos: usize,
    },
    Stream(capture::ChunkStream),
    /// The stream is with a batch that receives its chunks while decoding them
    /// ([`Pull`]); it comes back when the batch is decoded.
    Lent,
    Done,
}

/// The rest of a stream's batch, received while its first chunks are decoded: the
/// decompressor sets the pace of a compressed input, and waiting for a whole batch before
/// decoding any of it left a core idle. The batch is cut by the same rule (`take_batch`)
/// and the stream's end is known before buckets are closed, as if it had been received
/// first: the same batches, frontiers and output.
struct Pull {
    rx: capture::ChunkStream,
    /// Chunks and bytes of the batch so far, and the most it may take.
    chunks: usize,
    bytes: usize,
    max_chunks: usize,
    read_upto: u64,
    /// None: more may come; `Some(Ok)`: the input ended; `Some(Err)`: a read error ended it.
    end: Option<std::io::Result<()>>,
}

impl Pull {
    fn new(rx: capture::ChunkStream, max_chunks: usize, read_upto: u64) -> Pull {
        Pull {
            rx,
            chunks: 0,
            bytes: 0,
            max_chunks,
            read_upto,
            end: None,
        }
    }

    fn full(&self) -> bool {
        batch_full(self.chunks, self.bytes, self.max_chunks)
    }

    /// The batch's next chunk; None once it is full or the stream has ended.
    fn next(&mut self) -> Option<Chunk> {
        if self.end.is_some() || self.full() {
            return None;
        }
        match self.rx.recv() {
            Some(Ok(c)) => {
                self.read_upto = c.next_offset();
                self.chunks += 1;
                self.bytes += c.bytes.as_slice().len();
                Some(c)
            }
            Some(Err(e)) => {
                self.end = Some(Err(e));
                None
            }
            None => {
                self.end = Some(Ok(()));
                None
            }
        }
    }
}

/// Whether a batch of `n` chunks and `bytes` bytes is complete (see `take_batch`).
fn batch_full(n: usize, bytes: usize, max_chunks: usize) -> bool {
    n >= max_chunks || bytes >= BATCH_BYTES
}

/// The result of a run.
pub struct Outcome<O: Observer = NoObserver> {
    pub series: Vec<Series<BucketOf<O>>>,
    pub inputs: Vec<InputReport>,
    pub observer: O,
}

pub struct InputReport {
    pub display: String,
    pub compression: Compression,
    pub counts: Counts,
    /// The input could not be opened or read to its end.
    pub error: Option<String>,
    /// Something users should know that is not an error (a file that grew while read).
    pub warning: Option<String>,
}

/// A `--strict` stop, or another fatal error: one line naming where.
#[derive(Debug)]
pub struct Fatal(pub String);

/// Progress callback: bytes of input consumed so far.
pub type Progress<'p> = &'p (dyn Fn(u64) + Sync);

pub struct Engine<'s, O: Observer = NoObserver> {
    settings: Settings,
    fill: bool,
    inputs: Vec<InputState>,
    series: Vec<Series<BucketOf<O>>>,
    /// symbol -> its series (one per venue and stream).
    series_index: FxMap<Box<str>, Vec<usize>>,
    /// Trades older than this are late (given to batches as they are dispatched).
    frontier: i64,
    /// Buckets starting before this are closed and written.
    closed: i64,
    sink: &'s mut (dyn RowSink + Send),
    read_bytes: Arc<AtomicU64>,
    mapped_done: u64,
    /// An input is read through a reader thread (opened as a stream); the workers have
    /// been told to give way to such threads once it is true (see `run`).
    streaming: bool,
    observer: O,
    worker: O::Worker,
}

impl<'s> Engine<'s> {
    pub fn new(
        settings: Settings,
        fill: bool,
        inputs: Vec<Input>,
        sink: &'s mut (dyn RowSink + Send),
    ) -> Self {
        Engine::with_observer(settings, fill, inputs, sink, NoObserver)
    }
}

impl<'s, O: Observer> Engine<'s, O> {
    /// Whether the bars keep base and buy volumes, open and close (see
    /// [`WorkerObs::FULL_BARS`]).
    const FULL_BARS: bool = <O::Worker as WorkerObs>::FULL_BARS;

    /// An engine whose pass is also watched by `observer` (see [`crate::observe`]).
    pub fn with_observer(
        settings: Settings,
        fill: bool,
        inputs: Vec<Input>,
        sink: &'s mut (dyn RowSink + Send),
        observer: O,
    ) -> Self {
        let read_bytes = Arc::new(AtomicU64::new(0));
        let inputs = inputs
            .into_iter()
            .map(|input| {
                let display = input.display();
                InputState {
                    clock: i64::MIN,
                    input,
                    display,
                    counts: Counts::default(),
                    conn: Conn::new_input(),
                    compression: Compression::None,
                    source: Source::Pending,
                    error: None,
                    read_upto: 0,
                    watch: None,
                    warning: None,
                    batch_chunks: FIRST_BATCH_CHUNKS,
                }
            })
            .collect();
        Engine {
            settings,
            fill,
            inputs,
            series: Vec::new(),
            series_index: FxMap::default(),
            frontier: i64::MIN,
            closed: i64::MIN,
            sink,
            read_bytes,
            mapped_done: 0,
            streaming: false,
            worker: observer.worker(),
            observer,
        }
    }

    /// Run to the end of all inputs.
    pub fn run(
        mut self,
        pool: &rayon::ThreadPool,
        progress: Progress,
    ) -> Result<Outcome<O>, Fatal> {
        self.peek_clocks();
        let settings = self.settings.clone();
        let worker = self.worker.clone();
        // Two batches in flight: while one is decoded on the pool, the one before it is
        // merged. The next batch is chosen (and given its frontier) before the previous
        // one is merged, the same way whatever the thread count.
        let mut pending: Option<Batch<O::Worker>> = None;
        let mut yielded = false;
        loop {
            let (next, pull) = match self.next_batch() {
                Some((b, p)) => (Some(b), p),
                None => (None, None),
            };
            if self.streaming && !yielded {
                // The reader thread sets the pace (see `capture::yield_to_readers`).
                pool.broadcast(|_| capture::yield_to_readers());
                yielded = true;
            }
            if next.is_none() && pending.is_none() {
                break;
            }
            // Buckets may close only below the frontier of the batch being decoded, whose
            // workers admit trades down to it.
            let cap = next.as_ref().map_or(i64::MAX, |b| b.frontier);
            let next = match (next, pull) {
                (Some(batch), Some(pull)) => {
                    // As the join below, with the stream's end known before closing.
                    let (i, had_pending) = (batch.input, pending.is_some());
                    let (decoded, pull, merged) = self.pull_batch(
                        pool,
                        batch,
                        pull,
                        pending.take(),
                        (&settings, &worker),
                        progress,
                    );
                    self.inputs[i].take_back(pull);
                    merged?;
                    if had_pending {
                        self.close_buckets(false, cap);
                    }
                    pending = Some(decoded);
                    continue;
                }
                (next, _) => next,
            };
            let (decoded, merged) = pool.install(|| {
                rayon::join(
                    || next.map(|b| b.decode(&settings, &worker)),
                    || match pending.take() {
                        Some(b) => {
                            self.finish_batch(b, progress)?;
                            self.close_buckets(false, cap);
                            Ok(())
                        }
                        None => Ok(()),
                    },
                )
            });
            merged?;
            pending = decoded;
        }
        self.close_buckets(true, i64::MAX);
        for st in &mut self.inputs {
            check_watch(st);
        }
        Ok(Outcome {
            series: self.series,
            inputs: self
                .inputs
                .into_iter()
                .map(|s| InputReport {
                    display: s.display,
                    compression: s.compression,
                    counts: s.counts,
                    error: s.error,
                    warning: s.warning,
                })
                .collect(),
            observer: self.observer,
        })
    }

    /// The next batch of chunks to decode, from the input with the earliest clock; for a
    /// stream, with the [`Pull`] that receives the rest of it.
    fn next_batch(&mut self) -> Option<(Batch<O::Worker>, Option<Pull>)> {
        while let Some(i) = self.next_input() {
            let (chunks, pull) = self.take_batch(i);
            if chunks.is_empty() {
                continue;
            }
            let batch = Batch {
                input: i,
                chunks,
                outs: Vec::new(),
                frontier: self.frontier,
                assumed: self.inputs[i].conn.clone(),
            };
            return Some((batch, pull));
        }
        None
    }

    /// Receive the rest of stream batch `b` through `pull` and decode each chunk as it
    /// comes, while `pending` is merged: the receiving waits on the decompressor on this
    /// thread, the pool decodes and merges.
    fn pull_batch(
        &mut self,
        pool: &rayon::ThreadPool,
        mut b: Batch<O::Worker>,
        mut pull: Pull,
        pending: Option<Batch<O::Worker>>,
        (settings, worker): (&Settings, &O::Worker),
        progress: Progress,
    ) -> (Batch<O::Worker>, Pull, Result<(), Fatal>) {
        let done = std::sync::Mutex::new(Vec::with_capacity(pull.max_chunks));
        let mut merged = Ok(());
        let job = b.job();
        let first = std::mem::take(&mut b.chunks);
        pool.in_place_scope(|s| {
            let merged = &mut merged;
            if let Some(p) = pending {
                s.spawn(move |_| *merged = self.finish_batch(p, progress));
            }
            let (done, job) = (&done, &job);
            let decode = |k: usize, c: Chunk| {
                s.spawn(move |_| {
                    let out = decode_at(&c, job, settings, worker);
                    done.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((k, c, out));
                });
            };
            let mut k = 0;
            for c in first {
                decode(k, c);
                k += 1;
            }
            while let Some(c) = pull.next() {
                decode(k, c);
                k += 1;
            }
        });
        let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
        done.sort_unstable_by_key(|d| d.0);
        for (_, c, out) in done {
            b.chunks.push(c);
            b.outs.push(out);
        }
        (b, pull, merged)
    }

    /// Merge a decoded batch, release its input bytes, close what can be closed.
    fn finish_batch(&mut self, b: Batch<O::Worker>, progress: Progress) -> Result<(), Fatal> {
        let Batch {
            input: i,
            chunks,
            outs,
            frontier,
            ..
        } = b;
        // A batch decoded after its input was found truncated holds only the zeros read
        // past the cut: nothing to merge.
        let truncated = self.inputs[i].watch.as_ref().is_some_and(|w| w.faulted());
        // The size of the input's next batch but one (the next was taken already): double
        // the last, up to BATCH_CHUNKS, but no more chunks than leave the groups they decode
        // to within BATCH_GROUP_BYTES. Only the bytes decided it, so batches are the same for
        // any thread count.
        let groups: usize = outs.iter().map(|o| o.groups.len()).sum();
        let per_chunk = groups.div_ceil(outs.len().max(1)).max(1);
        let group_cost = std::mem::size_of::<Group<<O::Worker as WorkerObs>::Bucket>>() + 128;
        let affordable = (BATCH_GROUP_BYTES / (per_chunk * group_cost)).max(1);
        self.inputs[i].batch_chunks = (2 * chunks.len()).clamp(1, BATCH_CHUNKS).min(affordable);
        for (chunk, out) in chunks.iter().zip(outs) {
            if !truncated {
                self.merge_chunk(i, chunk, out, frontier)?;
            }
            // The workers released most of each chunk's pages once decoded
            // (`capture::release_decoded`); this releases the rest: its 64 KiB edges, the
            // page it shares with the chunk before, and pages the merge read again.
            capture::release_merged(chunk);
        }
        drop(chunks);
        if let Source::Mapped { map, .. } = &self.inputs[i].source {
            if map.faulted() {
                // Truncated under the map: what follows the cut read as zeros. Stop here
                // and report it (check_watch words the error).
                self.inputs[i].source = Source::Done;
                check_watch(&mut self.inputs[i]);
            }
        }
        progress(self.mapped_done + self.read_bytes.load(Ordering::Relaxed));
        Ok(())
    }

    /// The capture clock each input starts at, read from its first lines, so inputs are
    /// opened in time order and an input not yet opened does not hold buckets open.
    fn peek_clocks(&mut self) {
        for st in &mut self.inputs {
            if st.input == Input::Stdin {
                continue;
            }
            st.clock = peek_start(&st.input).unwrap_or(i64::MIN);
        }
    }

    /// The unfinished input with the earliest clock (ties: command-line order).
    fn next_input(&self) -> Option<usize> {
        self.inputs
            .iter()
            .enumerate()
            .filter(|(_, s)| !matches!(s.source, Source::Done))
            .min_by_key(|(i, s)| (s.clock, *i))
            .map(|(i, _)| i)
    }

    fn take_batch(&mut self, i: usize) -> (Vec<Chunk>, Option<Pull>) {
        let st = &mut self.inputs[i];
        if matches!(st.source, Source::Pending) {
            match capture::open(&st.input, self.read_bytes.clone()) {
                Ok((comp, Opened::Mapped(map))) => {
                    crate::hook::pause("mapped");
                    st.compression = comp;
                    st.read_mapped(map);
                }
                Ok((comp, Opened::Stream(r)))
                    if comp != Compression::None && capture::should_spill() =>
                {
                    // Too many compressed inputs read at once (capture::MAX_OPEN_STREAMS).
                    st.compression = comp;
                    match capture::spill(r) {
                        Ok(spilled) => {
                            if let Some((at, e)) = spilled.error {
                                st.error = Some(read_error(at, &e));
                            }
                            let Some(map) = spilled.map else {
                                st.source = Source::Done;
                                return (Vec::new(), None);
                            };
                            st.read_mapped(map);
                        }
                        Err(e) => {
                            st.error = Some(format!(
                                "cannot decompress it into a temporary file (more than {} compressed inputs overlap): {}",
                                capture::MAX_OPEN_STREAMS,
                                capture::io_message(&e)
                            ));
                            st.source = Source::Done;
                            return (Vec::new(), None);
                        }
                    }
                }
                Ok((comp, Opened::Stream(r))) => {
                    st.compression = comp;
                    st.source = Source::Stream(capture::stream_chunks(r));
                    self.streaming = true;
                }
                Err(e) => {
                    st.error = Some(format!("cannot open: {}", capture::io_message(&e)));
                    st.source = Source::Done;
                    return (Vec::new(), None);
                }
            }
        }
        let mut chunks = Vec::with_capacity(BATCH_CHUNKS);
        // A batch is `batch_chunks` chunks (see finish_batch), or fewer if they hold
        // BATCH_BYTES (long lines make big chunks): the bytes of the batches in flight stay
        // bounded. Ordinary chunks (1 MiB and a bit) never reach it before the count does.
        // Bytes only decide it, so batches are the same for any thread count.
        let mut bytes = 0usize;
        let max_chunks = st.batch_chunks;
        let full = |n: usize, bytes: usize| batch_full(n, bytes, max_chunks);
        match &mut st.source {
            Source::Mapped { map, pos, .. } => {
                let mut end = false;
                while !full(chunks.len(), bytes) {
                    match capture::next_mapped_chunk(map, *pos) {
                        Some(c) => {
                            *pos = c.next_offset() as usize;
                            // A spilled compressed input's bytes were counted as read.
                            if st.compression == Compression::None {
                                self.mapped_done += c.next_offset() - c.offset;
                            }
                            bytes += c.bytes.as_slice().len();
                            chunks.push(c);
                        }
                        None => {
                            end = true;
                            break;
                        }
                    }
                }
                if end || *pos >= map.len() {
                    // Reached the end: keep the map until the batch is merged (chunks
                    // hold it), then the input is done.
                    st.source = Source::Done;
                }
            }
            Source::Stream(_) => {
                // The first chunk here (an input at its end gives no batch); the rest as
                // they come, while the first are decoded (`Pull`).
                if let Source::Stream(rx) = std::mem::replace(&mut st.source, Source::Lent) {
                    let mut pull = Pull::new(rx, max_chunks, st.read_upto);
                    chunks.extend(pull.next());
                    if chunks.is_empty() || pull.full() {
                        st.take_back(pull);
                    } else {
                        return (chunks, Some(pull));
                    }
                }
            }
            Source::Pending | Source::Lent | Source::Done => {}
        }
        (chunks, None)
    }

    fn intern(&mut self, venue: &'static str, stream: u8, symbol: &str) -> usize {
        intern_series(
            &mut self.series,
            &mut self.series_index,
            venue,
            stream,
            symbol,
        )
    }

    fn merge_chunk(
        &mut self,
        i: usize,
        chunk: &Chunk,
        mut out: ChunkOut<O::Worker>,
        frontier: i64,
    ) -> Result<(), Fatal> {
        // The worker assumed the connection state the input had before the batch; if an
        // earlier chunk of this batch changed it (a new recording or a disconnect), decode
        // this chunk again with the right state.
        if out.segments[0].1 != self.inputs[i].conn {
            let job = Job {
                input: i as u32,
                offset: chunk.offset,
                frontier,
                assumed: self.inputs[i].conn.clone(),
            };
            out = decode_chunk(chunk.bytes.as_slice(), &job, &self.settings, &self.worker);
        }
        let line_base = self.inputs[i].counts.lines;
        if let (Some(_), capture::ChunkBytes::Mapped(map, _)) = (&out.fatal, &chunk.bytes) {
            if map.faulted() {
                // The malformed line is the zeros read past a cut: say what happened.
                check_watch(&mut self.inputs[i]);
                let e = self.inputs[i].error.clone().unwrap_or_default();
                return Err(Fatal(format!("`{}`: {e}", self.inputs[i].display)));
            }
        }
        if let Some((line, reason)) = &out.fatal {
            return Err(Fatal(format!(
                "{}:{}: {reason} (--strict)",
                self.inputs[i].display,
                line_base + line
            )));
        }
        self.inputs[i].counts.absorb(&out.counts, line_base);
        if chunk.overlong_lines > 0 {
            // The overlong line follows the chunk's lines: count it where it stands, so the
            // line numbers of later reasons stay right.
            let counts = &mut self.inputs[i].counts;
            let line = counts.lines + 1;
            if self.settings.strict {
                return Err(Fatal(format!(
                    "{}:{line}: {} (--strict)",
                    self.inputs[i].display,
                    capture::OVERLONG_LINE
                )));
            }
            counts.malformed.add(
                Cow::Borrowed(capture::OVERLONG_LINE),
                chunk.overlong_lines,
                line,
            );
            counts.lines += chunk.overlong_lines;
        }
        self.inputs[i].conn = out.end_conn().clone();
        if let Some(c) = out.clock {
            self.inputs[i].clock = self.inputs[i].clock.max(c);
        }
        // Groups are taken from in place, not moved out whole (some 700 bytes each).
        let mut groups = std::mem::take(&mut out.groups);
        let mut series_of = Vec::new();
        for g in groups.iter_mut() {
            let si = self.intern(g.venue, g.stream, &g.symbol);
            if O::ACTIVE {
                series_of.push(si);
            }
            let conflict = match self.series[si].open.get(&g.bucket) {
                Some(ob) => ob.ids.intersects(&g.ids),
                None => false,
            };
            if !conflict {
                let mut trades = g.bar.trades;
                let series = &mut self.series[si];
                series.duplicates += g.dups;
                let obs = std::mem::take(&mut g.obs);
                let ob = match series.open.entry(g.bucket) {
                    std::collections::btree_map::Entry::Occupied(e) => {
                        let ob = e.into_mut();
                        if ob.bar.merge(&g.bar).is_err() {
                            return Err(Fatal(format!(
                                "{}: exact sums of {} {} exceed 256 bits",
                                self.inputs[i].display, g.venue, g.symbol
                            )));
                        }
                        ob.ids.union(std::mem::take(&mut g.ids));
                        ob.obs.merge(obs);
                        ob
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(Box::new(OpenBucket {
                            bar: g.bar,
                            ids: std::mem::take(&mut g.ids),
                            content: ContentCounts::default(),
                            obs,
                        }))
                    }
                };
                // Id-less trades: across inputs, a content counts as often as the input that
                // holds it most often; copies beyond that are duplicates.
                if let Some(content) = g.content.take() {
                    let mut keys: Vec<(ContentKey, u32)> = content.into_iter().collect();
                    keys.sort_unstable_by_key(|(k, _)| (k.time, k.price, k.size, k.side as u8));
                    for (key, n) in keys {
                        let kept = ob.content.add(key, i as u32, n);
                        let excess = (n - kept) as u64;
                        if excess > 0 {
                            let price = Decimal::new(key.price.0, key.price.1);
                            let size = Decimal::new(key.size.0, key.size.1);
                            let v = Self::FULL_BARS;
                            if ob
                                .bar
                                .remove_copies_with(price, size, key.side, excess, v)
                                .is_ok()
                            {
                                trades -= excess;
                                let c = &mut self.inputs[i].counts;
                                c.trades -= excess;
                                c.duplicates += excess;
                                series.duplicates += excess;
                            }
                        }
                    }
                }
                add_input_trades(series, i as u32, trades);
            } else {
                if !self.drop_copies(i, chunk, &out, g, frontier, si) {
                    self.reread_group(i, chunk, &out, g, frontier, si);
                }
            }
        }
        let (series, index) = (&mut self.series, &mut self.series_index);
        let (settings, segments) = (&self.settings, &out.segments);
        self.observer.chunk(
            i,
            out.obs,
            &series_of,
            &mut |venue, stream, symbol| intern_series(series, index, venue, stream, symbol),
            &mut |worker| {
                // As the chunk was decoded: with the connection state it started with.
                let job = Job {
                    input: i as u32,
                    offset: chunk.offset,
                    frontier,
                    assumed: segments[0].1.clone(),
                };
                decode_chunk(chunk.bytes.as_slice(), &job, settings, worker).obs
            },
        );
        Ok(())
    }

    /// A chunk group that shares ids with the merged bucket, resolved without reading all
    /// its lines again. The shared trades (the copies: usually a few replayed ones) are
    /// found in the chunk's [`Taken`] log and read again from their lines; the merged bar
    /// is then the merge of both bars less the copies' sums and counts. That is exact when
    /// no copy is the group's high, low, open or close trade (each is then another trade's,
    /// which stays), or where one is, the merged bucket's own high, low, open or close
    /// wins over it anyway (a replayed copy is mostly the group's open, and its original,
    /// read earlier, opens before it). False, with nothing changed, when that cannot be
    /// shown (then [`Self::reread_group`]); docs/architecture.md has the details.
    #[allow(clippy::too_many_arguments)]
    fn drop_copies(
        &mut self,
        i: usize,
        chunk: &Chunk,
        out: &ChunkOut<O::Worker>,
        g: &mut Group<BucketOf<O>>,
        frontier: i64,
        si: usize,
    ) -> bool {
        if g.unindexed || g.content.is_some() {
            return false;
        }
        let ob = self.series[si]
            .open
            .get(&g.bucket)
            .expect("conflict implies an open bucket");
        let bytes = chunk.bytes.as_slice();
        let mut reader = LineReader::default();
        let mut spare: MessageBuf<'static> = MessageBuf::default();
        let mut bar = g.bar;
        let mut copies = 0u64;
        let mut logged = 0u64;
        let mut n = g.first_taken;
        while let Some(&taken) = out.taken.get(n as usize) {
            n = taken.next;
            logged += 1;
            let id = TradeId::Num(taken.id as u128);
            if !ob.ids.contains(&id) {
                continue;
            }
            let off = taken.off as usize;
            let mut buf = std::mem::take(&mut spare).recycle();
            let over = self.settings.venue_override;
            let Some(conn) = reader.trades(bytes, off, out, over, &mut buf) else {
                return false;
            };
            // The first trade of the group with this id in the line is the one taken.
            let s = &self.settings;
            let Some((k, t)) = buf
                .trades
                .iter()
                .enumerate()
                .find(|(_, t)| t.id == id && in_group(t, g, conn, frontier, s))
            else {
                return false;
            };
            let key = order_key(t, i as u32, chunk.offset + off as u64, k as u32);
            let b = &g.bar;
            let decides = (t.price == b.high && ob.bar.high < b.high)
                || (t.price == b.low && ob.bar.low > b.low)
                || (Self::FULL_BARS
                    && ((key == b.open_key && ob.bar.open_key >= key)
                        || (key == b.close_key && ob.bar.close_key <= key)));
            if decides
                || !ob.obs.covers(t)
                || bar
                    .remove_copies_with(t.price, t.size, t.side, 1, Self::FULL_BARS)
                    .is_err()
            {
                return false;
            }
            spare = buf.recycle();
            copies += 1;
        }
        let mut merged = ob.bar;
        if copies == 0 || logged != g.bar.trades || merged.merge(&bar).is_err() {
            return false;
        }
        let counts = &mut self.inputs[i].counts;
        counts.trades -= copies;
        counts.duplicates += copies;
        let series = &mut self.series[si];
        series.duplicates += g.dups + copies;
        let ob = series.open.get_mut(&g.bucket).expect("looked up above");
        ob.bar = merged;
        ob.ids.union(std::mem::take(&mut g.ids));
        ob.obs.merge(std::mem::take(&mut g.obs));
        add_input_trades(series, i as u32, bar.trades);
        true
    }

    /// A chunk bucket shares ids with the merged bucket, and [`Self::drop_copies`] could not
    /// settle it: take its lines again one by one against the merged ids.
    fn reread_group(
        &mut self,
        i: usize,
        chunk: &Chunk,
        out: &ChunkOut<O::Worker>,
        g: &Group<BucketOf<O>>,
        frontier: i64,
        si: usize,
    ) {
        let counts = &mut self.inputs[i].counts;
        counts.trades -= g.bar.trades;
        counts.duplicates -= g.dups;
        let bytes = chunk.bytes.as_slice();
        let mut reader = LineReader::default();
        let mut added = 0u64;
        let mut dups = 0u64;
        let mut overflowed = 0u64;
        let s = &self.settings;
        let series = &mut self.series[si];
        let ob = series
            .open
            .get_mut(&g.bucket)
            .expect("conflict implies an open bucket");
        // One allocation for all the lines (a buffer per line cost a malloc and a free per
        // line: 850,000 of them on the 1 GB benchmark capture).
        let mut spare: MessageBuf<'static> = MessageBuf::default();
        for &off in &g.lines {
            let off = off as usize;
            let mut buf = std::mem::take(&mut spare).recycle();
            let Some(conn) = reader.trades(bytes, off, out, s.venue_override, &mut buf) else {
                spare = buf.recycle();
                continue;
            };
            for (k, t) in buf.trades.drain(..).enumerate() {
                if !in_group(&t, g, conn, frontier, s) {
                    continue;
                }
                if !ob.ids.insert(&t.id) {
                    dups += 1;
                    continue;
                }
                if t.id == TradeId::None
                    && ob.content.add(
                        ContentKey::new(t.time, t.price, t.size, t.side),
                        i as u32,
                        1,
                    ) == 0
                {
                    dups += 1;
                    continue;
                }
                let key = order_key(&t, i as u32, chunk.offset + off as u64, k as u32);
                if ob
                    .bar
                    .add_trade_with(key, t.price, t.size, t.side, Self::FULL_BARS)
                    .is_ok()
                {
                    ob.obs.add(&t);
                    added += 1;
                } else {
                    overflowed += 1;
                }
            }
            spare = buf.recycle();
        }
        let counts = &mut self.inputs[i].counts;
        counts.trades += added;
        counts.duplicates += dups;
        series.duplicates += dups;
        counts
            .skipped
            .add(Cow::Borrowed(SKIP_OVERFLOW), overflowed, 0);
        add_input_trades(series, i as u32, added);
    }

    /// Close buckets that can no longer receive trades (all of them at the end), never at
    /// or past `cap`. Later batches drop trades older than the new frontier as late.
    fn close_buckets(&mut self, all: bool, cap: i64) {
        let mut read_upto = i64::MAX;
        let limit = if all {
            i64::MAX
        } else {
            let w = self
                .inputs
                .iter()
                .filter(|s| !matches!(s.source, Source::Done))
                .map(|s| s.clock)
                .min()
                .unwrap_or(i64::MAX);
            if w == i64::MIN || w == i64::MAX {
                return;
            }
            read_upto = w;
            bucket_start(
                w.saturating_sub(self.settings.max_delay),
                self.settings.interval,
            )
        };
        if limit > self.frontier {
            self.frontier = limit;
        }
        let limit = limit.min(cap);
        if limit > self.closed {
            self.close_below(limit);
        }
        self.observer.watermark(read_upto);
    }

    /// Close (write) every open bucket that starts before `limit`.
    fn close_below(&mut self, limit: i64) {
        self.closed = limit;
        let interval = self.settings.interval;
        // The buckets to close are taken out first, and their memory asked for ahead
        // (`prefetch`): each was last touched when its last chunk was merged, so reading
        // them one after the other waited on memory for each, several times (the bar, the
        // observer's state, what that points to).
        let mut closing = Vec::new();
        for (si, series) in self.series.iter_mut().enumerate() {
            while let Some(entry) = series.open.first_entry() {
                if *entry.key() >= limit {
                    break;
                }
                let (bucket, ob) = entry.remove_entry();
                closing.push((si, bucket, ob));
            }
        }
        // A few buckets ahead of the one closed, not all at once: the CPU keeps only so
        // many reads of memory in flight, and a prefetch waits for a free one.
        const AHEAD: usize = 8;
        for (_, _, ob) in closing.iter().take(AHEAD) {
            prefetch(&**ob);
        }
        for k in 0..closing.len() {
            if let Some((_, _, ob)) = closing.get(k + AHEAD) {
                prefetch(&**ob);
            }
            if let Some((_, _, ob)) = closing.get(k + AHEAD / 2) {
                ob.obs.prefetch();
            }
            let (si, bucket, ob) = &mut closing[k];
            let (si, bucket) = (*si, *bucket);
            let series = &mut self.series[si];
            if self.fill {
                if let Some((last, close)) = series.last {
                    let mut b = last + interval;
                    while b < bucket {
                        self.sink.fill(si, b, close);
                        b += interval;
                    }
                }
            }
            self.sink.bar(si, bucket, &ob.bar);
            // Read in its box: moved out whole (with its id set and the observer's state)
            // it was 2 % of `stats`' samples, in `memcpy` of cold memory.
            let obs = std::mem::take(&mut ob.obs);
            self.observer.closed(si, bucket, &ob.bar, obs);
            series.last = Some((bucket, ob.bar.close));
        }
    }
}

/// Ask for the memory of `*v` ahead of reading it (a hint: nothing happens where the CPU
/// has no such instruction).
#[inline(always)]
pub fn prefetch<T>(v: &T) {
    prefetch_bytes(v as *const T as *const u8, std::mem::size_of::<T>());
}

/// [`prefetch`] of `len` bytes from `p` (which need not be valid: a prefetch never faults).
#[inline(always)]
pub fn prefetch_bytes(p: *const u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let mut at = 0;
        while at < len {
            // SAFETY: `_mm_prefetch` only hints the cache; it reads nothing and cannot
            // fault, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(at) as *const i8) };
            at += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, len);
}

fn intern_series<B>(
    series: &mut Vec<Series<B>>,
    index: &mut FxMap<Box<str>, Vec<usize>>,
    venue: &'static str,
    stream: u8,
    symbol: &str,
) -> usize {
    if let Some(list) = index.get(symbol) {
        for &i in list {
            let s = &series[i];
            if s.stream == stream && s.venue == venue {
                return i;
            }
        }
    }
    let i = series.len();
    series.push(Series {
        venue,
        stream,
        symbol: Box::from(symbol),
        open: BTreeMap::new(),
        last: None,
        trades_by_input: Vec::new(),
        duplicates: 0,
    });
    index.entry(Box::from(symbol)).or_default().push(i);
    i
}

/// How an input that failed after `at` bytes of its (decompressed) data is reported, the
/// same whether it was streamed or spilled into a temporary file.
fn read_error(at: u64, e: &std::io::Error) -> String {
    format!(
        "read error after {at} bytes of its data: {}",
        capture::io_message(e)
    )
}

/// Report how a mapped input's file changed while it was read, if it did: truncated is an
/// error (bars stop at the cut), grown a warning (bars cover the size it had when opened).
fn check_watch(st: &mut InputState) {
    use capture::mapped::Change;
    let Some(w) = &st.watch else { return };
    match w.change() {
        Some(Change::Truncated { now }) => {
            let now = now.map_or(String::new(), |n| format!(" to {n} bytes"));
            st.error.get_or_insert_with(|| {
                format!(
                    "truncated{now} by another process while being read (it had {} bytes); \
                     its bars stop where it was cut",
                    w.mapped_len
                )
            });
        }
        Some(Change::Grew { now }) => {
            st.warning.get_or_insert_with(|| {
                format!(
                    "grew from {} to {now} bytes while being read; its first {} bytes were read",
                    w.mapped_len, w.mapped_len
                )
            });
        }
        None => {}
    }
}

fn add_input_trades<B>(series: &mut Series<B>, input: u32, n: u64) {
    if n == 0 {
        return;
    }
    match series.trades_by_input.last_mut() {
        Some((i, c)) if *i == input => *c += n,
        _ => {
            if let Some(e) = series.trades_by_input.iter_mut().find(|(i, _)| *i == input) {
                e.1 += n;
            } else {
                series.trades_by_input.push((input, n));
            }
        }
    }
}

/// The first capture time in an input's first 256 KiB: a receive time or connection time
/// where the recorder wrote one, else the first trade's time.
pub fn peek_start(input: &Input) -> Option<i64> {
    use std::io::Read as _;
    let (_, opened) = capture::open(input, Arc::new(AtomicU64::new(0))).ok()?;
    let head: Vec<u8> = match opened {
        Opened::Mapped(m) => m[..m.len().min(256 << 10)].to_vec(),
        Opened::Stream(mut r) => {
            let mut v = vec![0u8; 256 << 10];
            let mut n = 0;
            while n < v.len() {
                match r.read(&mut v[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(_) => break,
                }
            }
            v.truncate(n);
            v
        }
    };
    let mut tape = Tape::new();
    for (_, line) in lines(&head) {
        match envelope::parse_line(line) {
            Ok(Line::Connect { time, .. }) => return Some(time),
            Ok(Line::Message { recv: Some(r), .. }) => return Some(r),
            Ok(Line::Message {
                recv: None,
                payload,
                ..
            }) => {
                let Ok(root) = tape.parse(payload) else {
                    continue;
                };
                if let Some((_, Some(r))) = envelope::unwrap_json(root) {
                    return Some(r);
                }
                let mut buf = MessageBuf::default();
                if let Ok(Decoded::Trades { .. }) = venue::decode(root, &Ctx::default(), &mut buf) {
                    if let Some(t) = buf.trades.iter().map(|t| t.time).min() {
                        return Some(t);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::GroupCache;

    /// Two symbols get the same cache key only when they are the same symbol.
    #[test]
    fn group_cache_keys_tell_symbols_apart() {
        let mut rng = crate::testrng::Lcg(5);
        let mut next = |m: u64| rng.below(m);
        // Every string over a 3-letter alphabet up to 6 bytes, and random ones up to 18
        // bytes over 4 letters (many share their first and last eight bytes).
        let mut all: Vec<String> = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..6 {
            level = level
                .iter()
                .flat_map(|s| ["A", "B", "C"].map(|c| format!("{s}{c}")))
                .collect();
            all.extend(level.iter().cloned());
        }
        for _ in 0..20_000 {
            let n = next(19) as usize;
            all.push((0..n).map(|_| b"ABCD"[next(4) as usize] as char).collect());
        }
        all.sort();
        all.dedup();
        let mut seen = std::collections::HashMap::new();
        for s in &all {
            let k = GroupCache::pack(s);
            if s.is_empty() || s.len() > 16 {
                assert_eq!(k, (0, 0, 0), "{s:?} is not cacheable");
                continue;
            }
            assert_ne!(k.2, 0, "{s:?}");
            if let Some(other) = seen.insert(k, s.clone()) {
                panic!("{s:?} and {other:?} share a key");
            }
        }
        assert!(seen.len() > 10_000);
    }
}
