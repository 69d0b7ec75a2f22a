//! Capture inputs: find them (files, directories, stdin), open them (plain files are
//! memory-mapped, gzip and zstd recognised by their magic bytes and streamed), and cut them
//! into line-aligned chunks that workers decode in parallel.

pub mod envelope;

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use memmap2::Mmap;

/// Target size of one chunk of input handed to a worker.
pub const CHUNK_BYTES: usize = 1 << 20;
/// A line longer than this is skipped as malformed when streaming (compressed or stdin
/// input), so a file without newlines cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 256 << 20;

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

fn walk(dir: &Path, seen: &mut HashSet<(u64, u64)>, out: &mut Vec<Input>, errors: &mut Vec<InputError>) {
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
    /// A plain regular file, mapped.
    Mapped(Arc<Mmap>),
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
                // SAFETY: the map is read-only; a file truncated by another process while
                // mapped is a documented limitation (docs/reliability.md).
                let map = unsafe { Mmap::map(&file)? };
                #[cfg(unix)]
                let _ = map.advise(memmap2::Advice::Sequential);
                read_bytes.fetch_add(0, Ordering::Relaxed);
                return Ok((Compression::None, Opened::Mapped(Arc::new(map))));
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
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(
            1 << 16,
            raw,
        ))),
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
    Mapped(Arc<Mmap>, Range<usize>),
    Owned(Vec<u8>),
}

impl ChunkBytes {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            ChunkBytes::Mapped(m, r) => &m[r.clone()],
            ChunkBytes::Owned(v) => v,
        }
    }
}

/// A line-aligned piece of one input.
pub struct Chunk {
    /// Byte offset of the chunk in the (decompressed) input.
    pub offset: u64,
    pub bytes: ChunkBytes,
    /// Lines longer than [`MAX_LINE_BYTES`] dropped just before this chunk.
    pub overlong_lines: u64,
}

/// Cut a mapped file into chunks of about [`CHUNK_BYTES`], each ending after a newline (or at
/// the end of the file).
pub fn next_mapped_chunk(map: &Arc<Mmap>, pos: usize) -> Option<Chunk> {
    let len = map.len();
    if pos >= len {
        return None;
    }
    let target = (pos + CHUNK_BYTES).min(len);
    let end = if target == len {
        len
    } else {
        match memchr::memchr(b'\n', &map[target..]) {
            Some(i) => target + i + 1,
            None => len,
        }
    };
    Some(Chunk {
        offset: pos as u64,
        bytes: ChunkBytes::Mapped(map.clone(), pos..end),
        overlong_lines: 0,
    })
}

/// Read a stream into chunks on a background thread. The channel holds at most two chunks,
/// so memory stays bounded whatever the input size. An `Err` item ends the stream.
pub fn stream_chunks(mut reader: Box<dyn Read + Send>) -> Receiver<io::Result<Chunk>> {
    let (tx, rx) = sync_channel(2);
    std::thread::spawn(move || {
        let mut carry: Vec<u8> = Vec::new();
        let mut offset: u64 = 0;
        let mut overlong: u64 = 0;
        let mut skipping = false;
        loop {
            let mut buf = std::mem::take(&mut carry);
            // Double the buffer while a line is longer than it (no quadratic rescans).
            let want = CHUNK_BYTES.max(buf.len() * 2);
            buf.reserve(want.saturating_sub(buf.len()));
            let mut eof = false;
            while buf.len() < want {
                let start = buf.len();
                buf.resize(want, 0);
                match reader.read(&mut buf[start..]) {
                    Ok(0) => {
                        buf.truncate(start);
                        eof = true;
                        break;
                    }
                    Ok(n) => buf.truncate(start + n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(start),
                    Err(e) => {
                        buf.truncate(start);
                        // Hand over what was read before the error, then the error.
                        if !skipping && !buf.is_empty() {
                            let _ = tx.send(Ok(Chunk {
                                offset,
                                bytes: ChunkBytes::Owned(buf),
                                overlong_lines: std::mem::take(&mut overlong),
                            }));
                        }
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
            if skipping {
                // Inside an overlong line: drop bytes up to its newline.
                match memchr::memchr(b'\n', &buf) {
                    Some(i) => {
                        offset += (i + 1) as u64;
                        buf.drain(..=i);
                        skipping = false;
                    }
                    None => {
                        offset += buf.len() as u64;
                        if eof {
                            break;
                        }
                        continue;
                    }
                }
            }
            let cut = if eof {
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf) {
                    Some(i) => i + 1,
                    None if buf.len() >= MAX_LINE_BYTES => {
                        overlong += 1;
                        skipping = true;
                        offset += buf.len() as u64;
                        continue;
                    }
                    None => {
                        // A long line: read more before cutting.
                        carry = buf;
                        continue;
                    }
                }
            };
            carry = buf.split_off(cut);
            if !buf.is_empty() || overlong > 0 {
                let n = buf.len();
                if tx
                    .send(Ok(Chunk {
                        offset,
                        bytes: ChunkBytes::Owned(buf),
                        overlong_lines: std::mem::take(&mut overlong),
                    }))
                    .is_err()
                {
                    return;
                }
                offset += n as u64;
            }
            if eof {
                break;
            }
        }
    });
    rx
}
