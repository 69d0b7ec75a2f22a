//! Capture inputs: find them (files, directories, stdin), open them (plain files are
//! memory-mapped, gzip and zstd recognised by their magic bytes and streamed), and cut them
//! into line-aligned chunks that workers decode in parallel.

pub mod envelope;
pub mod mapped;

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use memmap2::Mmap;

pub use mapped::Mapped;

/// Target size of one chunk of input handed to a worker.
pub const CHUNK_BYTES: usize = 1 << 20;
/// Chunks a stream may read ahead of the decoders (one batch).
pub const BATCH_AHEAD: usize = 32;
/// Chunks of a stream that can be alive at once: a batch being decoded, one being merged
/// and the channel's.
const IN_FLIGHT: usize = 3 * BATCH_AHEAD;
/// A line of more bytes than this (without its newline) is skipped and counted as
/// malformed, in mapped files and streams alike, so no input can make a chunk, a read
/// buffer or the pages it touches grow past it (docs/reliability.md, memory bound).
pub const MAX_LINE_BYTES: usize = 16 << 20;
/// The malformed-line reason of a line over [`MAX_LINE_BYTES`].
pub const OVERLONG_LINE: &str = "line longer than 16 MiB";

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// How the input is named in messages.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// An input that could not be listed or opened.
#[derive(Debug)]
pub struct InputError {
    pub input: String,
    pub error: String,
}

/// Expand the command-line inputs: `-` is stdin, directories are walked recursively in
/// sorted order (hidden entries skipped, symlink loops detected), files are taken as given.
pub fn expand_inputs(args: &[PathBuf]) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => {
                let mut seen = HashSet::new();
                walk(arg, &mut seen, &mut inputs, &mut errors);
            }
            Ok(_) => inputs.push(Input::File(arg.clone())),
            Err(e) => errors.push(InputError {
                input: arg.display().to_string(),
                error: io_message(&e),
            }),
        }
    }
    (inputs, errors)
}

fn walk(
    dir: &Path,
    seen: &mut HashSet<(u64, u64)>,
    out: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
) {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(dir) {
        Ok(m) => {
            if !seen.insert((m.dev(), m.ino())) {
                errors.push(InputError {
                    input: dir.display().to_string(),
                    error: "directory loop (a symlink points back to a parent); skipped".into(),
                });
                return;
            }
        }
        Err(e) => {
            errors.push(InputError {
                input: dir.display().to_string(),
                error: io_message(&e),
            });
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(InputError {
                input: dir.display().to_string(),
                error: io_message(&e),
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    paths.sort();
    for p in paths {
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => walk(&p, seen, out, errors),
            Ok(m) if m.is_file() => out.push(Input::File(p)),
            Ok(_) => {}
            Err(e) => errors.push(InputError {
                input: p.display().to_string(),
                error: io_message(&e),
            }),
        }
    }
}

/// An io::Error as users read it: `No such file or directory`, without `(os error 2)`.
pub fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// File-level compression, recognised by magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A reader that counts the (compressed) bytes it has read, for the progress bar.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input.
pub enum Opened {
    /// A plain regular file, mapped (and guarded against truncation).
    Mapped(Arc<Mapped>),
    /// Decompressed or piped bytes.
    Stream(Box<dyn Read + Send>),
}

/// Open an input and recognise its compression. `read_bytes` counts compressed bytes read.
pub fn open(input: &Input, read_bytes: Arc<AtomicU64>) -> io::Result<(Compression, Opened)> {
    let (head, rest): (Vec<u8>, Box<dyn Read + Send>) = match input {
        Input::Stdin => {
            let mut head = vec![0u8; 4];
            let n = read_full(&mut io::stdin(), &mut head)?;
            head.truncate(n);
            (head, Box::new(io::stdin()))
        }
        Input::File(path) => {
            let mut file = File::open(path)?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                return Err(io::Error::other("is a directory"));
            }
            let mut head = vec![0u8; 4];
            let n = read_full(&mut file, &mut head)?;
            head.truncate(n);
            let comp = Compression::sniff(&head);
            if comp == Compression::None && meta.is_file() {
                if meta.len() == 0 {
                    return Ok((Compression::None, Opened::Stream(Box::new(io::empty()))));
                }
                // Mapped unless it cannot be guarded against truncation (mapped.rs); then
                // it is read like a stream, from its start.
                let reopened = file.try_clone()?;
                if let Some(map) = Mapped::new(reopened)? {
                    let _ = map.advise(memmap2::Advice::Sequential);
                    return Ok((Compression::None, Opened::Mapped(Arc::new(map))));
                }
            }
            (head, Box::new(file))
        }
    };
    let comp = Compression::sniff(&head);
    let raw: Box<dyn Read + Send> = Box::new(Counting {
        inner: io::Cursor::new(head).chain(rest),
        count: read_bytes,
    });
    let reader: Box<dyn Read + Send> = match comp {
        Compression::None => raw,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 16, raw),
        )),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(raw)?),
    };
    Ok((comp, Opened::Stream(reader)))
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The bytes of one chunk.
pub enum ChunkBytes {
    Mapped(Arc<Mapped>, Range<usize>),
    Owned(Vec<u8>),
    Pooled(Pooled),
}

impl ChunkBytes {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            ChunkBytes::Mapped(m, r) => &m[r.clone()],
            ChunkBytes::Owned(v) => v,
            ChunkBytes::Pooled(p) => &p.buf,
        }
    }
}

/// A line-aligned piece of one input.
pub struct Chunk {
    /// Byte offset of the chunk in the (decompressed) input.
    pub offset: u64,
    pub bytes: ChunkBytes,
    /// A line longer than [`MAX_LINE_BYTES`] follows the chunk and was dropped (0 or 1).
    pub overlong_lines: u64,
    /// Bytes dropped after the chunk: the overlong line and its newline. The next chunk
    /// starts at `offset + bytes.len() + skipped`.
    pub skipped: u64,
}

impl Chunk {
    /// Where the next chunk of the input starts.
    pub fn next_offset(&self) -> u64 {
        self.offset + self.bytes.as_slice().len() as u64 + self.skipped
    }
}

/// Cut a mapped file into chunks of about [`CHUNK_BYTES`], each ending after a newline (or at
/// the end of the file). A line of more than [`MAX_LINE_BYTES`] ends the chunk before it and
/// is skipped (see [`Chunk::skipped`]).
pub fn next_mapped_chunk(map: &Arc<Mapped>, pos: usize) -> Option<Chunk> {
    next_mapped_chunk_sized(map, pos, CHUNK_BYTES, MAX_LINE_BYTES)
}

fn next_mapped_chunk_sized(
    map: &Arc<Mapped>,
    pos: usize,
    chunk_bytes: usize,
    max_line: usize,
) -> Option<Chunk> {
    let len = map.len();
    if pos >= len {
        return None;
    }
    let target = (pos + chunk_bytes).min(len);
    let chunk = |end: usize, skipped: usize| Chunk {
        offset: pos as u64,
        bytes: ChunkBytes::Mapped(map.clone(), pos..end),
        overlong_lines: u64::from(skipped > 0),
        skipped: skipped as u64,
    };
    if target == len {
        // At most `chunk_bytes` (<= max_line) left: no line in it can be overlong.
        return Some(chunk(len, 0));
    }
    // The line that crosses `target` starts after the last newline before it, and may
    // run to `line_start + max_line` before it is too long.
    let line_start = find_newline(map, pos, target, true).map_or(pos, |i| i + 1);
    let window_end = (line_start + max_line + 1).min(len);
    match find_newline(map, target, window_end, false) {
        Some(i) => Some(chunk(i + 1, 0)),
        // The last line, without a newline, and not too long.
        None if len - line_start <= max_line => Some(chunk(len, 0)),
        None => {
            // Overlong: end the chunk before it and skip to its newline, releasing the
            // pages scanned as we go, so a gigabyte without a newline costs no memory.
            let mut at = window_end;
            let end = loop {
                let to = (at + (8 << 20)).min(len);
                let found = memchr::memchr(b'\n', &map[at..to]).map(|i| at + i + 1);
                release_pages(map, line_start, to);
                match found {
                    Some(e) => break e,
                    None if to == len => break len,
                    None => at = to,
                }
            };
            Some(chunk(line_start, end - line_start))
        }
    }
}

/// Where the chunks are cut is read through the file ([`Mapped::read_exact_at`]), not the
/// map, a few KiB around each cut: cutting a batch happens before its chunks are decoded,
/// and reading the map there mapped the pages around every cut ahead of the decoding. Where
/// the kernel caches the file in 2 MB folios and maps them whole, that was most of the next
/// batch: the capture's resident mapped pages through a 4 GB run, sampled every 2 ms, had
/// a median of 22.5 MB, 4.1 MB with the cuts read (docs/performance.md, ninth round). A
/// read that fails or comes short (the file truncated under the map) falls back to the
/// map, whose faults past the cut are handled.
const CUT_READ: usize = 4 << 10;

/// The index of the last newline in `map[from..to]` (`last`), or of the first: read in
/// blocks of [`CUT_READ`] from that end, the map searched instead if a read fails.
fn find_newline(map: &Mapped, from: usize, to: usize, last: bool) -> Option<usize> {
    let search = |b: &[u8]| {
        if last {
            memchr::memrchr(b'\n', b)
        } else {
            memchr::memchr(b'\n', b)
        }
    };
    let mut buf = [0u8; CUT_READ];
    let (mut lo, mut hi) = (from, to);
    while lo < hi {
        let (a, z) = if last {
            (hi.saturating_sub(CUT_READ).max(lo), hi)
        } else {
            (lo, (lo + CUT_READ).min(hi))
        };
        let b = &mut buf[..z - a];
        if map.read_exact_at(b, a as u64).is_err() {
            return search(&map[lo..hi]).map(|i| lo + i);
        }
        if let Some(i) = search(b) {
            return Some(a + i);
        }
        if last {
            hi = a;
        } else {
            lo = z;
        }
    }
    None
}

/// Let the kernel drop the pages of a mapped chunk once it is decoded, all but
/// `FAULT_AROUND_BYTES` at each end; those, and pages a merge reads again (a re-read of
/// a cross-chunk duplicate, a channel map that changed), go when the engine releases the
/// merged chunks ([`release_merged`]), as all pages did before. Resident mapped
/// pages are then about the chunks being decoded, not the two batches in flight: peak RSS
/// on the 1 GB benchmark capture 63 -> 36 MiB with two threads, 101 -> 47 MiB with one
/// (docs/performance.md, eighth round). Chunks of streams are buffers of their own.
pub fn release_decoded(c: &Chunk) {
    if let ChunkBytes::Mapped(m, r) = &c.bytes {
        release_pages(
            m,
            r.start + FAULT_AROUND_BYTES,
            r.end.saturating_sub(FAULT_AROUND_BYTES),
        );
    }
}

/// Let the kernel drop a merged chunk's pages: from the page it shares with the chunk
/// before (merged already, chunks merge in order) to its end, the bytes of an overlong line
/// skipped after it included; the page it shares with the next chunk goes with that one.
/// Each chunk holds its map, so this needs no state of the input's: the engine once kept
/// how far it had released in the input's state, which is gone once the last batch is cut,
/// and that batch's pages stayed mapped until the map was dropped (35-48 MB of a 4 GB
/// capture cached in 2 MB folios, at the very end of the run, the run's peak; 10 MB now).
pub fn release_merged(c: &Chunk) {
    if let ChunkBytes::Mapped(m, r) = &c.bytes {
        const PAGE: usize = 4096;
        let end = (c.next_offset() as usize).min(m.len());
        release_pages(m, r.start / PAGE * PAGE, end);
    }
}

/// Linux maps up to this many bytes of cached file pages around a faulting address
/// (`fault_around_bytes`, 64 KiB by default), so a neighbour chunk's reads can map the
/// edges of this one again. With whole chunks released by the workers, resident mapped
/// pages grew through a 4 GB run (sampled: 6 -> 48 MB); with the edges left to the
/// merge's release they stayed at 7-10 MB.
const FAULT_AROUND_BYTES: usize = 64 << 10;

/// Tell the kernel the whole pages of `map[from..to]` will not be needed again.
fn release_pages(map: &Mmap, from: usize, to: usize) {
    const PAGE: usize = 4096;
    let start = from.div_ceil(PAGE) * PAGE;
    let end = to / PAGE * PAGE;
    if end > start {
        // SAFETY: the range lies inside the read-only map; a dropped page is read back
        // from the page cache if its bytes are read again.
        unsafe {
            let _ =
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start);
        }
    }
}

/// Lower the calling thread's priority (nice +5), for worker threads once an input is
/// read on a reader thread (`Engine::run` broadcasts it when it opens a stream).
/// Decompression cannot be split (a zstd frame is one chain), so the reader is the pacing
/// thread; at equal priority the scheduler gives the reader and two workers two thirds of a
/// core each, and the reader, not the cores, set the time: a 1 GB zstd capture took 1.71 s, 1.50 s with the workers at nice 5 (nice 2:
/// 1.71, nice 10: 1.54; 7 alternating runs). Under autogroup scheduling (the Linux default
/// for sessions) nice weighs threads of the same session only, so other programs lose
/// nothing by it. Without permission (or off Unix) it does nothing.
pub fn yield_to_readers() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with the calling thread's id changes only that thread's nice
    // value; an error is returned, not raised.
    unsafe {
        let _ = libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 5);
    }
}

/// Read a stream into chunks on a background thread, cut exactly where a mapped file of
/// the same bytes is cut (after the first newline at or past [`CHUNK_BYTES`]), so plain and
/// compressed copies of a capture give the same chunks. The channel holds at most
/// [`BATCH_AHEAD`] chunks, so memory stays bounded whatever the input size; chunk buffers
/// come back through a pool when the engine drops them. An `Err` item ends the stream.
pub fn stream_chunks(reader: Box<dyn Read + Send>) -> ChunkStream {
    stream_chunks_sized(reader, CHUNK_BYTES, MAX_LINE_BYTES)
}

/// The receiving end of [`stream_chunks`]: chunks in input order; an `Err` ends the stream.
pub struct ChunkStream {
    rx: Receiver<io::Result<Chunk>>,
    budget: Arc<Budget>,
}

impl ChunkStream {
    /// The next chunk, or None at the end.
    pub fn recv(&self) -> Option<io::Result<Chunk>> {
        let item = self.rx.recv().ok()?;
        if let Ok(c) = &item {
            self.budget.release(c.bytes.as_slice().len());
        }
        Some(item)
    }
}

impl Iterator for ChunkStream {
    type Item = io::Result<Chunk>;
    fn next(&mut self) -> Option<Self::Item> {
        self.recv()
    }
}

impl Drop for ChunkStream {
    fn drop(&mut self) {
        self.budget.close();
        OPEN_STREAMS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Streams open now (compressed inputs and stdin whose chunks are still being read). Read
/// ahead and idle buffers are shared out between them, so that many compressed inputs
/// open at once (inputs of the same period are read together) cost about what one does.
static OPEN_STREAMS: AtomicUsize = AtomicUsize::new(0);

fn open_streams() -> usize {
    OPEN_STREAMS.load(Ordering::Relaxed).max(1)
}

/// Compressed inputs read as streams at once, at most. Each open stream holds about 4 MiB
/// (the buffer being filled, one chunk handed over, one idle buffer, the decompressor), so
/// 80 overlapping gzip captures took 300 MiB. A compressed input opened while this many
/// streams are open is decompressed into a temporary file first and mapped (see
/// [`spill`]): memory stays within the bound whatever the number of inputs, at the cost of
/// disk space in the temporary directory and of writing and reading back its bytes.
pub const MAX_OPEN_STREAMS: usize = 16;

/// Whether a compressed input opened now goes through a temporary file ([`spill`]).
pub fn should_spill() -> bool {
    OPEN_STREAMS.load(Ordering::Relaxed) >= MAX_OPEN_STREAMS
}

/// What [`spill`] made of a compressed input.
pub struct Spilled {
    /// The decompressed bytes, mapped; None when there were none.
    pub map: Option<Arc<Mapped>>,
    /// A read error that ended the input early (a truncated file): the bytes before it
    /// are in `map`, as a stream would have handed them over, with the bytes read.
    pub error: Option<(u64, io::Error)>,
}

/// Decompress `reader` into an unnamed temporary file (in `$TMPDIR`, removed when closed,
/// even if tapebar is killed) and map it. The file is cut into chunks exactly as the
/// stream would have been (see [`stream_chunks`]). An error of the temporary file is the
/// error; a read error of the input ends it, as in a stream.
pub fn spill(mut reader: Box<dyn Read + Send>) -> io::Result<Spilled> {
    use std::io::Write;
    let mut file = tempfile::tempfile()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    let mut error = None;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some((len, e));
                break;
            }
        };
        file.write_all(&buf[..n])?;
        len += n as u64;
    }
    if len == 0 {
        return Ok(Spilled { map: None, error });
    }
    match Mapped::new(file)? {
        Some(map) => {
            let _ = map.advise(memmap2::Advice::Sequential);
            Ok(Spilled {
                map: Some(Arc::new(map)),
                error,
            })
        }
        // Every map goes through the truncation guard, and its table is full.
        None => Err(io::Error::other(
            "cannot map the temporary file it was decompressed into",
        )),
    }
}

/// Bytes of chunks sent and not yet received. The channel holds at most [`BATCH_AHEAD`]
/// chunks and, unless it is empty, at most `limit` bytes divided among the open streams:
/// chunks made big by long lines cannot fill it with gigabytes, nor can many streams.
struct Budget {
    state: std::sync::Mutex<(usize, bool)>,
    freed: std::sync::Condvar,
    limit: usize,
}

impl Budget {
    /// Wait for room for `n` bytes; false if the receiver is gone. A stream whose channel
    /// is empty may always send one chunk, so the engine never waits on a stream that
    /// waits on the budget.
    fn acquire(&self, n: usize) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while st.0 > 0 && st.0 + n > self.limit / open_streams() && !st.1 {
            st = self.freed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.0 += n;
        !st.1
    }
    fn release(&self, n: usize) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.0 = st.0.saturating_sub(n);
        self.freed.notify_all();
    }
    fn close(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.1 = true;
        self.freed.notify_all();
    }
}

fn stream_chunks_sized(
    mut reader: Box<dyn Read + Send>,
    chunk_bytes: usize,
    max_line: usize,
) -> ChunkStream {
    // Room for a whole batch, so decompression runs on while the previous batch is decoded.
    let (tx, rx) = sync_channel(BATCH_AHEAD);
    let budget = Arc::new(Budget {
        state: std::sync::Mutex::new((0, false)),
        freed: std::sync::Condvar::new(),
        limit: BATCH_AHEAD * chunk_bytes,
    });
    OPEN_STREAMS.fetch_add(1, Ordering::Relaxed);
    let stream = ChunkStream {
        rx,
        budget: budget.clone(),
    };
    let send = move |item: io::Result<Chunk>| -> bool {
        if let Ok(c) = &item {
            if !budget.acquire(c.bytes.as_slice().len()) {
                return false;
            }
        }
        tx.send(item).is_ok()
    };
    let (pool_tx, pool_rx) = std::sync::mpsc::channel::<FillBuf>();
    let idle = Arc::new(AtomicUsize::new(0));
    let pool = Pool {
        home: pool_tx,
        idle: idle.clone(),
        keep_below: 2 * (chunk_bytes + (256 << 10)),
    };
    std::thread::spawn(move || {
        let fresh = |pool_rx: &std::sync::mpsc::Receiver<FillBuf>| {
            let mut v = match pool_rx.try_recv() {
                Ok(v) => {
                    idle.fetch_sub(1, Ordering::Relaxed);
                    v
                }
                Err(_) => FillBuf::with_room(chunk_bytes + (256 << 10)),
            };
            v.clear();
            v
        };
        let mut buf = fresh(&pool_rx);
        let mut offset: u64 = 0;
        // No newline in buf[chunk_bytes..search_from].
        let mut search_from = chunk_bytes;
        let mut eof = false;
        // The line that crosses `chunk_bytes` (the only one of a chunk that can be longer
        // than `max_line`) starts after the last newline before it.
        let crossing_start = |buf: &[u8]| {
            memchr::memrchr(b'\n', &buf[..chunk_bytes.min(buf.len())]).map_or(0, |i| i + 1)
        };
        loop {
            let found = if buf.len() > search_from {
                memchr::memchr(b'\n', &buf[search_from..]).map(|i| search_from + i + 1)
            } else {
                None
            };
            let end = match found {
                Some(c) => c,
                None if eof && buf.is_empty() => break,
                None if eof => buf.len(),
                None => {
                    search_from = search_from.max(buf.len());
                    // While the buffer is shorter than a chunk no line in it is too long,
                    // and 0 bounds the read below.
                    let line_start = if buf.len() > chunk_bytes {
                        crossing_start(&buf)
                    } else {
                        0
                    };
                    if buf.len() > line_start + max_line {
                        // A line too long to hold. Hand over the whole lines before it, then
                        // drop it up to its newline and count it.
                        let mut skipped = (buf.len() - line_start) as u64;
                        buf.truncate(line_start);
                        // Give back the memory the long line took, now.
                        buf.shrink_to_fit();
                        let mut rest = fresh(&pool_rx);
                        loop {
                            let mut tmp = [0u8; 1 << 16];
                            match reader.read(&mut tmp) {
                                Ok(0) => {
                                    eof = true;
                                    break;
                                }
                                Ok(n) => match memchr::memchr(b'\n', &tmp[..n]) {
                                    Some(i) => {
                                        skipped += (i + 1) as u64;
                                        rest.extend_from_slice(&tmp[i + 1..n]);
                                        break;
                                    }
                                    None => skipped += n as u64,
                                },
                                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                                Err(e) => {
                                    send(Err(e));
                                    return;
                                }
                            }
                        }
                        let head = std::mem::replace(&mut buf, rest);
                        let n = head.len() as u64;
                        let item = Chunk {
                            offset,
                            bytes: ChunkBytes::Owned(head.into_vec()),
                            overlong_lines: 1,
                            skipped,
                        };
                        if !send(Ok(item)) {
                            return;
                        }
                        offset += n + skipped;
                        search_from = chunk_bytes;
                        continue;
                    }
                    // Read more, never more than one byte past the longest line allowed (that
                    // byte tells it is too long): up to just past the chunk size first, so
                    // that little is left over to copy into the next chunk's buffer (the cut
                    // is at the first newline there); then in growing steps for a line that
                    // goes on.
                    let room = (line_start + max_line + 1).saturating_sub(buf.len());
                    let want = if buf.len() < chunk_bytes {
                        chunk_bytes - buf.len() + (16 << 10)
                    } else {
                        (64usize << 10).max(buf.len() - chunk_bytes)
                    };
                    let want = want.min(room).max(1);
                    match buf.read_from(&mut reader, want) {
                        Ok(0) => eof = true,
                        Ok(_) => {}
                        Err(e) => {
                            if !buf.is_empty() {
                                send(Ok(Chunk {
                                    offset,
                                    bytes: ChunkBytes::Owned(std::mem::take(&mut buf).into_vec()),
                                    overlong_lines: 0,
                                    skipped: 0,
                                }));
                            }
                            send(Err(e));
                            return;
                        }
                    }
                    continue;
                }
            };
            // The chunk is buf[..end]. A read may have brought in a whole line that is too
            // long (it then crosses `chunk_bytes`): drop it as above.
            let mut cut = end;
            let mut skipped = 0;
            if end > chunk_bytes {
                let line_start = crossing_start(&buf);
                let line_len = end - line_start - usize::from(buf[end - 1] == b'\n');
                if line_len > max_line {
                    cut = line_start;
                    skipped = end - line_start;
                }
            }
            let mut next = fresh(&pool_rx);
            next.extend_from_slice(&buf[end..]);
            buf.truncate(cut);
            let chunk = std::mem::replace(&mut buf, next);
            let n = chunk.len() as u64;
            let item = Chunk {
                offset,
                bytes: ChunkBytes::Pooled(Pooled {
                    buf: chunk,
                    pool: pool.clone(),
                }),
                overlong_lines: u64::from(skipped > 0),
                skipped: skipped as u64,
            };
            if !send(Ok(item)) {
                return;
            }
            offset += n + skipped as u64;
            search_from = chunk_bytes;
        }
    });
    stream
}

/// A stream's read buffer: the bytes read so far (`len` of them) at the start of an
/// allocation whose every byte is initialised, so that reads go straight into its spare
/// room. (`Read::read_to_end` into a `Vec` zeroes the spare room before every read: 3.7 %
/// of all samples of a zstd run, all of them on the reader thread, which sets the pace.)
#[derive(Default)]
pub struct FillBuf {
    /// Initialised throughout; `data[..len]` holds the bytes.
    data: Vec<u8>,
    len: usize,
}

impl FillBuf {
    fn with_room(n: usize) -> FillBuf {
        FillBuf {
            // Zeroed pages from the allocator (calloc): nothing is written here.
            data: vec![0; n],
            len: 0,
        }
    }

    fn capacity(&self) -> usize {
        self.data.len()
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n);
    }

    /// Make room for `n` more bytes (zeroing only what is new).
    fn reserve(&mut self, n: usize) {
        let need = self.len + n;
        if need > self.data.len() {
            self.data.resize(need.max(2 * self.data.len()), 0);
        }
    }

    fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.data[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Free the room past the bytes.
    fn shrink_to_fit(&mut self) {
        self.data.truncate(self.len);
        self.data.shrink_to_fit();
    }

    /// Read up to `want` bytes onto the end, stopping early only at the end of the stream
    /// (as `take(want).read_to_end` does); the bytes read before an error are kept.
    fn read_from(&mut self, reader: &mut dyn Read, want: usize) -> io::Result<usize> {
        self.reserve(want);
        let mut got = 0;
        while got < want {
            let at = self.len;
            match reader.read(&mut self.data[at..at + want - got]) {
                Ok(0) => break,
                Ok(n) => {
                    self.len += n;
                    got += n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }

    fn into_vec(mut self) -> Vec<u8> {
        self.data.truncate(self.len);
        self.data
    }
}

impl std::ops::Deref for FillBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

/// Where a stream's chunk buffers go back to, to be filled again.
#[derive(Clone)]
pub struct Pool {
    home: std::sync::mpsc::Sender<FillBuf>,
    /// Buffers waiting in the pool.
    idle: Arc<AtomicUsize>,
    /// A buffer a long line grew past this is freed, not pooled: a pool of buffers grown
    /// to 16 MiB each would hold that memory for the rest of the run.
    keep_below: usize,
}

/// A chunk buffer that goes back to its reader's pool when dropped.
pub struct Pooled {
    buf: FillBuf,
    pool: Pool,
}

impl Drop for Pooled {
    fn drop(&mut self) {
        // A stream read alone keeps as many idle buffers as can be in flight (the batch
        // being decoded, the one being merged, and the channel's): with a batch's worth,
        // each merged batch freed some that the reader then made afresh, first-touch page
        // faults on the pacing thread (13,000 of 66,000 at 1 GB of zstd). Streams read
        // together share a batch's worth, as before: with the larger share, 8 gzip inputs
        // read together peaked at 207 MiB instead of 145 MiB.
        let p = &self.pool;
        let keep = match open_streams() {
            1 => IN_FLIGHT,
            n => (BATCH_AHEAD / n).max(1),
        };
        if self.buf.capacity() < p.keep_below && p.idle.load(Ordering::Relaxed) < keep {
            p.idle.fetch_add(1, Ordering::Relaxed);
            if p.home.send(std::mem::take(&mut self.buf)).is_err() {
                p.idle.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks_of(data: &[u8], chunk: usize, max_line: usize) -> (Vec<(u64, Vec<u8>, u64)>, bool) {
        let rx = stream_chunks_sized(Box::new(io::Cursor::new(data.to_vec())), chunk, max_line);
        let mut out = Vec::new();
        let mut failed = false;
        for item in rx {
            match item {
                Ok(c) => out.push((c.offset, c.bytes.as_slice().to_vec(), c.overlong_lines)),
                Err(_) => failed = true,
            }
        }
        (out, failed)
    }

    /// A reader that hands out at most `step` bytes a read and is interrupted every third
    /// read, as pipes and decompressors may be.
    struct Trickle {
        data: Vec<u8>,
        pos: usize,
        step: usize,
        reads: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            if self.reads % 3 == 0 {
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            let n = buf.len().min(self.step).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn short_and_interrupted_reads_give_the_same_chunks() {
        let data: Vec<u8> = (0..5000u32)
            .flat_map(|i| format!("line {i} {}\n", "x".repeat((i % 37) as usize)).into_bytes())
            .collect();
        let (whole, failed) = chunks_of(&data, 4096, 1 << 20);
        assert!(!failed);
        for step in [1, 7, 4096, 70_000] {
            let reader = Trickle {
                data: data.clone(),
                pos: 0,
                step,
                reads: 0,
            };
            let trickled: Vec<_> = stream_chunks_sized(Box::new(reader), 4096, 1 << 20)
                .map(|c| {
                    let c = c.expect("no error");
                    (c.offset, c.bytes.as_slice().to_vec(), c.overlong_lines)
                })
                .collect();
            assert_eq!(trickled, whole, "reads of at most {step} bytes");
        }
    }

    #[test]
    fn stream_chunks_cut_like_mapped_files() {
        let data = b"aaaa\nbbbbbbbbbbbbbbbbbbbb\ncc\ndddd\neeeeeeeeeeeeeeee\nf";
        let (chunks, failed) = chunks_of(data, 8, 1000);
        assert!(!failed);
        let joined: Vec<u8> = chunks.iter().flat_map(|c| c.1.clone()).collect();
        assert_eq!(joined, data);
        let mut pos = 0u64;
        for (off, bytes, _) in &chunks {
            assert_eq!(*off, pos);
            // Each chunk ends at the first newline at or past 8 bytes, or at the end.
            let end = pos as usize + bytes.len();
            if end < data.len() {
                let nl = pos as usize
                    + 8
                    + data[pos as usize + 8..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .unwrap()
                    + 1;
                assert_eq!(end, nl);
            }
            pos += bytes.len() as u64;
        }
    }

    /// The cuts of a mapped file are found by reading the file a few KiB at a time
    /// (`find_newline`, both ways): lines longer than those reads, on either side
    /// of a cut, kept or overlong, cut as the stream reader cuts.
    #[test]
    fn cuts_across_several_reads_match_the_stream_reader() {
        let mut data = Vec::new();
        for (i, n) in [
            9_000usize, 30, 17_000, 4_095, 4_096, 4_097, 25_000, 1, 12_345,
        ]
        .into_iter()
        .cycle()
        .take(40)
        .enumerate()
        {
            data.extend((0..n).map(|k| b'a' + ((i + k) % 26) as u8));
            data.push(b'\n');
        }
        data.extend_from_slice(b"tail without newline");
        // With lines of up to 20,000 bytes kept, the 25,000-byte ones are overlong: where a
        // cut finds the start of the line it falls in decides what is skipped.
        for (chunk, max_line) in [3 * CUT_READ + 7, 12_000, 20_000]
            .into_iter()
            .flat_map(|c| [(c, 1 << 20), (c, 20_000)])
        {
            let mapped = mapped_chunks_of(&data, chunk, max_line);
            let streamed = streamed_chunks_of(&data, chunk, max_line);
            assert!(mapped.len() > 10, "{} chunks", mapped.len());
            assert_eq!(mapped, streamed, "chunk {chunk}, max_line {max_line}");
        }
    }

    /// A file truncated under the map after it was opened: the cut's read through the file
    /// comes short, and the cut falls back to the map, which reads zeros past the end and
    /// marks the map as faulted (the engine then reports the truncation).
    #[test]
    fn a_cut_past_a_truncation_falls_back_to_the_map() {
        let line = [vec![b'x'; 99], vec![b'\n']].concat();
        let data: Vec<u8> = line.iter().copied().cycle().take(100 * 1000).collect();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, &data).unwrap();
        let map = Arc::new(Mapped::new(File::open(f.path()).unwrap()).unwrap().unwrap());
        f.as_file().set_len(50_000).unwrap();
        // The first cut, 60,000 bytes in, is past the new end: both searches read zeros
        // from the map there and find no newline, so the chunk runs to the map's end.
        let c = next_mapped_chunk_sized(&map, 0, 60_000, 1 << 20).unwrap();
        assert!(map.faulted());
        let bytes = c.bytes.as_slice();
        assert_eq!(bytes.len(), data.len());
        assert_eq!(&bytes[..50_000], &data[..50_000]);
        assert!(bytes[50_000..].iter().all(|&b| b == 0));
    }

    /// [`mapped_chunks_of`] for the stream reader.
    fn streamed_chunks_of(
        data: &[u8],
        chunk: usize,
        max_line: usize,
    ) -> Vec<(u64, Vec<u8>, u64, u64)> {
        let rx = stream_chunks_sized(Box::new(io::Cursor::new(data.to_vec())), chunk, max_line);
        rx.into_iter()
            .map(|c| {
                let c = c.unwrap();
                (
                    c.offset,
                    c.bytes.as_slice().to_vec(),
                    c.overlong_lines,
                    c.skipped,
                )
            })
            .collect()
    }

    /// (offset, bytes, overlong lines, skipped bytes) of each chunk of a mapped file.
    fn mapped_chunks_of(
        data: &[u8],
        chunk: usize,
        max_line: usize,
    ) -> Vec<(u64, Vec<u8>, u64, u64)> {
        if data.is_empty() {
            return Vec::new();
        }
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, data).unwrap();
        let map = Arc::new(Mapped::new(f).unwrap().unwrap());
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(c) = next_mapped_chunk_sized(&map, pos, chunk, max_line) {
            pos = c.next_offset() as usize;
            out.push((
                c.offset,
                c.bytes.as_slice().to_vec(),
                c.overlong_lines,
                c.skipped,
            ));
        }
        out
    }

    proptest::proptest! {
        /// Lines of more than `max_line` bytes are dropped and counted, the same way in
        /// mapped files and streams (same chunks, same offsets), whatever the line lengths
        /// around the limit and whether the last line ends with a newline.
        #[test]
        fn overlong_lines_are_dropped_alike_in_maps_and_streams(
            lens in proptest::collection::vec(
                proptest::prop_oneof![0usize..20, 14usize..19, 30usize..200], 1..12),
            last_newline in proptest::bool::ANY,
        ) {
            let (chunk, max_line) = (8, 16);
            let mut data = Vec::new();
            let mut kept = Vec::new();
            let mut overlong = 0;
            for (i, &n) in lens.iter().enumerate() {
                let mut line: Vec<u8> = (0..n).map(|k| b'a' + ((i + k) % 26) as u8).collect();
                if i + 1 < lens.len() || last_newline {
                    line.push(b'\n');
                }
                if n > max_line {
                    overlong += 1;
                } else {
                    kept.extend_from_slice(&line);
                }
                data.extend_from_slice(&line);
            }
            let mapped = mapped_chunks_of(&data, chunk, max_line);
            let streamed = streamed_chunks_of(&data, chunk, max_line);
            // Empty chunks carry nothing but a skipped line; compare the rest exactly.
            let useful = |v: &[(u64, Vec<u8>, u64, u64)]| -> Vec<(u64, Vec<u8>, u64, u64)> {
                v.iter().filter(|c| !c.1.is_empty() || c.2 > 0).cloned().collect()
            };
            proptest::prop_assert_eq!(useful(&mapped), useful(&streamed));
            let joined: Vec<u8> = mapped.iter().flat_map(|c| c.1.clone()).collect();
            proptest::prop_assert_eq!(joined, kept);
            proptest::prop_assert_eq!(mapped.iter().map(|c| c.2).sum::<u64>(), overlong);
            // Each chunk's bytes are where its offset says, and the chunks tile the input.
            let mut pos = 0u64;
            for c in &mapped {
                proptest::prop_assert_eq!(c.0, pos);
                proptest::prop_assert_eq!(&data[c.0 as usize..c.0 as usize + c.1.len()], &c.1[..]);
                pos = c.0 + c.1.len() as u64 + c.3;
            }
            proptest::prop_assert_eq!(pos, data.len() as u64);
        }
    }

    #[test]
    fn overlong_lines_are_dropped_and_counted() {
        let mut data = b"ok1\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 500));
        data.extend_from_slice(b"\nok2\nok3\n");
        let (chunks, failed) = chunks_of(&data, 8, 64);
        assert!(!failed);
        let joined: Vec<u8> = chunks.iter().flat_map(|c| c.1.clone()).collect();
        assert_eq!(joined, b"ok1\nok2\nok3\n");
        assert_eq!(chunks.iter().map(|c| c.2).sum::<u64>(), 1);
        // Offsets still point into the original bytes.
        let last = chunks.last().unwrap();
        assert_eq!(
            &data[last.0 as usize..last.0 as usize + last.1.len()],
            &last.1[..]
        );
    }
}
