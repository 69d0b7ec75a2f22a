//! Bar rows and their CSV outputs.
//!
//! Closed buckets arrive as rows in bucket order per series and are kept as CSV text; past
//! [`SPILL_BYTES`] in memory, all rows held are appended to an unnamed temporary file (gone
//! when the process ends, however it ends), so memory does not grow with the capture.
//! At the end the rows are written either as one file per symbol (`DIR/<venue>/<SYMBOL>.csv`,
//! each written to a temporary name in its directory and renamed when complete) or as one
//! long CSV on stdout.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::bar::{write_fill_row, write_row, PartialBar, COLUMNS};
use crate::decimal::Decimal;
use crate::engine::RowSink;
use crate::time::NS_PER_MS;

/// Rows held in memory before they are moved to the spill file.
pub const SPILL_BYTES: usize = 4 << 20;

#[derive(Default)]
struct SeriesRows {
    mem: Vec<u8>,
    /// (offset, length) ranges of the spill file, in order.
    spilled: Vec<(u64, u64)>,
    rows: u64,
}

/// Rows of every series, in memory or spilled.
pub struct RowStore {
    series: Vec<SeriesRows>,
    mem_total: usize,
    spill: Option<File>,
    spill_len: u64,
    spill_dir: PathBuf,
    error: Option<io::Error>,
}

impl RowStore {
    /// `spill_dir`: where the temporary spill file goes if it is needed.
    pub fn new(spill_dir: PathBuf) -> RowStore {
        RowStore {
            series: Vec::new(),
            mem_total: 0,
            spill: None,
            spill_len: 0,
            spill_dir,
            error: None,
        }
    }

    fn rows_mut(&mut self, si: usize) -> &mut SeriesRows {
        if si >= self.series.len() {
            self.series.resize_with(si + 1, SeriesRows::default);
        }
        &mut self.series[si]
    }

    fn after_write(&mut self, added: usize) {
        self.mem_total += added;
        if self.mem_total >= SPILL_BYTES {
            if let Err(e) = self.spill_all() {
                self.error.get_or_insert(e);
            }
        }
    }

    fn spill_all(&mut self) -> io::Result<()> {
        if self.spill.is_none() {
            std::fs::create_dir_all(&self.spill_dir)?;
            self.spill = Some(tempfile::tempfile_in(&self.spill_dir)?);
        }
        let file = self.spill.as_mut().expect("just created");
        for s in &mut self.series {
            if s.mem.is_empty() {
                continue;
            }
            file.write_all(&s.mem)?;
            s.spilled.push((self.spill_len, s.mem.len() as u64));
            self.spill_len += s.mem.len() as u64;
            s.mem = Vec::new();
        }
        self.mem_total = 0;
        Ok(())
    }

    /// Number of rows of a series.
    pub fn rows(&self, si: usize) -> u64 {
        self.series.get(si).map_or(0, |s| s.rows)
    }

    /// An error met while spilling, if any (reported at the end of the run).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Call `f` with the rows of a series, in pieces that end at row boundaries.
    pub fn for_each_piece(
        &self,
        si: usize,
        mut f: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let Some(s) = self.series.get(si) else {
            return Ok(());
        };
        let mut buf = Vec::new();
        for &(off, len) in &s.spilled {
            let file = self
                .spill
                .as_ref()
                .expect("spilled rows imply a spill file");
            let mut done = 0u64;
            while done < len {
                let n = (len - done).min(8 << 20) as usize;
                buf.resize(n, 0);
                file.read_exact_at(&mut buf, off + done)?;
                // Cut at the last row end so pieces hold whole rows.
                let cut = memchr::memrchr(b'\n', &buf).map_or(n, |i| i + 1);
                f(&buf[..cut])?;
                done += cut as u64;
            }
        }
        f(&s.mem)
    }
}

impl RowSink for RowStore {
    fn bar(&mut self, si: usize, bucket: i64, bar: &PartialBar) {
        let rows = self.rows_mut(si);
        let before = rows.mem.len();
        write_row(&mut rows.mem, bucket / NS_PER_MS, bar);
        rows.rows += 1;
        let added = rows.mem.len() - before;
        self.after_write(added);
    }

    fn fill(&mut self, si: usize, bucket: i64, close: Decimal) {
        let rows = self.rows_mut(si);
        let before = rows.mem.len();
        write_fill_row(&mut rows.mem, bucket / NS_PER_MS, close);
        rows.rows += 1;
        let added = rows.mem.len() - before;
        self.after_write(added);
    }
}

/// A file name that is safe on any file system and cannot leave its directory: letters,
/// digits, `-`, `_` and inner `.` stay; every other byte is written `%XX` (so `XBT/USD`
/// becomes `XBT%2FUSD` and `..` becomes `%2E.`); the mapping is one-to-one. Very long
/// names are cut and given a hash of the whole name.
pub fn safe_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, &b) in name.as_bytes().iter().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('%');
    }
    const MAX: usize = 200;
    if out.len() > MAX {
        use std::hash::Hasher;
        let mut h = crate::fxhash::FxHasher::default();
        h.write(name.as_bytes());
        let mut cut = 180;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(&format!("~{:016x}", h.finish()));
    }
    out
}

/// The path of a symbol's CSV under `dir`.
pub fn bar_path(dir: &Path, venue: &str, symbol: &str) -> PathBuf {
    dir.join(safe_file_name(venue))
        .join(format!("{}.csv", safe_file_name(symbol)))
}

/// Header of a per-symbol file.
pub fn file_header() -> String {
    COLUMNS.join(",") + "\n"
}

/// Header of the long form.
pub fn long_header() -> String {
    format!("venue,symbol,{}\n", COLUMNS.join(","))
}

/// A CSV field, quoted when it has to be.
pub fn csv_field(s: &str) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record([s]);
    let mut v = w.into_inner().unwrap_or_default();
    v.pop(); // the record terminator
    v
}

/// Prefix of the temporary names outputs are written under: `.tapebar-<pid>-<random>.tmp`.
/// The pid lets a later run tell a file left by a killed run from one still being written.
const TEMP_PREFIX: &str = ".tapebar-";
const TEMP_SUFFIX: &str = ".tmp";

fn temp_builder(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix).suffix(TEMP_SUFFIX);
    b
}

/// Write one complete file atomically: nobody ever sees it half-written, and a run that is
/// interrupted (Ctrl-C, a kill, a full disk) leaves the old file, if any, as it was.
/// Without `force`, an existing file is never replaced.
///
/// On Linux the bytes go to an unnamed file in the target directory (`O_TMPFILE`), which
/// vanishes with the process however it ends, and which is linked to its name when
/// complete (with `force`: linked to a temporary name and renamed over the old file). Where
/// that is not available, a named temporary file in the directory is renamed instead; if
/// the process is killed, [`remove_stale_temps`] removes it on the next run.
pub fn write_atomic(
    path: &Path,
    force: bool,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let exists = || {
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists already (use --force to replace it)",
        )
    };
    #[cfg(target_os = "linux")]
    if let Some(mut file) = unnamed::create(dir).filter(|_| !crate::hook::off("tmpfile")) {
        {
            let mut w = io::BufWriter::with_capacity(1 << 16, &mut file);
            write(&mut w)?;
            w.flush()?;
        }
        crate::hook::pause("write");
        if !force {
            return unnamed::link(&file, path).map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    exists()
                } else {
                    e
                }
            });
        }
        // Link under a temporary name, then rename over the old file: rename replaces
        // atomically, link does not.
        let pid = std::process::id();
        for _ in 0..8 {
            let tmp = dir.join(format!(
                "{TEMP_PREFIX}{pid}-{:016x}{TEMP_SUFFIX}",
                unnamed::random()
            ));
            match unnamed::link(&file, &tmp) {
                Ok(()) => {
                    return std::fs::rename(&tmp, path).inspect_err(|_| {
                        let _ = std::fs::remove_file(&tmp);
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        return Err(io::Error::other("no free temporary name"));
    }
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut tmp = temp_builder(&prefix).tempfile_in(dir)?;
    {
        let mut w = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    crate::hook::pause("write");
    if force {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                exists()
            } else {
                e.error
            }
        })?;
    }
    Ok(())
}

/// Unnamed files linked into place (Linux).
#[cfg(target_os = "linux")]
mod unnamed {
    use std::ffi::CString;
    use std::fs::File;
    use std::io;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    use std::path::Path;
    use std::sync::OnceLock;

    /// An unnamed file in `dir`, or None where the file system or kernel has no
    /// `O_TMPFILE`, or `/proc` (needed to link it) is missing.
    pub fn create(dir: &Path) -> Option<File> {
        static PROC: OnceLock<bool> = OnceLock::new();
        if !*PROC.get_or_init(|| Path::new("/proc/self/fd").is_dir()) {
            return None;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .mode(0o666)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
            .ok()
    }

    /// Give the unnamed `file` the name `path`; fails with `AlreadyExists` if it is taken.
    pub fn link(file: &File, path: &Path) -> io::Result<()> {
        let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
        let to = CString::new(path.as_os_str().as_bytes())?;
        // SAFETY: two valid NUL-terminated paths; linkat does not keep them.
        let r = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// A number for a temporary name (unique enough with the pid beside it).
    pub fn random() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    }
}

/// Remove the temporary files (`.tapebar-<pid>-*.tmp`) that runs killed while writing left
/// in `dir` and its venue directories, if their process is gone. Returns their paths.
/// Files of a live process (another run writing to the same directory) are left alone.
pub fn remove_stale_temps(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    if let Ok(rd) = std::fs::read_dir(dir) {
        dirs.extend(
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path()),
        );
    }
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(pid) = stale_temp_pid(&name.to_string_lossy()) else {
                continue;
            };
            if !process_alive(pid) && std::fs::remove_file(e.path()).is_ok() {
                removed.push(e.path());
            }
        }
    }
    removed
}

/// The pid in a temporary output name, if `name` is one.
fn stale_temp_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Check, before any input is read, that outputs can be written under `dir`: a file can be
/// created in it, or, if it does not exist yet, in its nearest existing ancestor (where it
/// will be created). The probe is an unnamed temporary file, gone at once.
pub fn check_writable(dir: &Path) -> io::Result<()> {
    let mut at = dir;
    loop {
        match std::fs::metadata(at) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!("`{}` is not a directory", at.display()),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match at.parent() {
                Some(p) if !p.as_os_str().is_empty() => at = p,
                _ => {
                    at = Path::new(".");
                    break;
                }
            },
            Err(e) => return Err(e),
        }
    }
    tempfile::tempfile_in(at).map(drop).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot create files in `{}`: {}",
                at.display(),
                crate::capture::io_message(&e)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_inside() {
        assert_eq!(safe_file_name("BTCUSDT"), "BTCUSDT");
        assert_eq!(safe_file_name("XBT/USD"), "XBT%2FUSD");
        assert_eq!(safe_file_name(".."), "%2E.");
        assert_eq!(safe_file_name("a\\b"), "a%5Cb");
        assert_eq!(safe_file_name("a\nb"), "a%0Ab");
        assert_eq!(safe_file_name("BTC-PERP.x"), "BTC-PERP.x");
        assert_eq!(safe_file_name("é"), "%C3%A9");
        assert_eq!(safe_file_name("%"), "%25");
        let long = "A".repeat(10_000);
        let f = safe_file_name(&long);
        assert!(f.len() < 255 && f.starts_with("AAAA"));
        assert_ne!(f, safe_file_name(&"A".repeat(9_999)));
        let p = bar_path(Path::new("out"), "binance", "../../etc/passwd");
        // One path component: no `/` survives, and it cannot be `.` or `..`.
        assert_eq!(p, Path::new("out/binance/%2E.%2F..%2Fetc%2Fpasswd.csv"));
        assert_eq!(p.components().count(), 3);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("BTCUSDT"), b"BTCUSDT");
        assert_eq!(csv_field("a,b"), b"\"a,b\"");
        assert_eq!(csv_field("a\"b"), b"\"a\"\"b\"");
    }

    #[test]
    fn spilled_rows_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = RowStore::new(dir.path().to_path_buf());
        store.fill(1, 10 * NS_PER_MS, Decimal::parse("1.5").unwrap());
        store.spill_all().unwrap();
        store.fill(0, 20 * NS_PER_MS, Decimal::parse("2").unwrap());
        store.fill(1, 30 * NS_PER_MS, Decimal::parse("3").unwrap());
        let mut got = Vec::new();
        store
            .for_each_piece(1, |p| {
                got.extend_from_slice(p);
                Ok(())
            })
            .unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "10,1.5,1.5,1.5,1.5,0,0,0,0\n30,3,3,3,3,0,0,0,0\n"
        );
        assert_eq!(store.rows(1), 2);
    }
}
