//! Mapped input files that survive being truncated by another process.
//!
//! Reading a page of a mapping that lies past the end of its file raises SIGBUS, whose
//! default action kills the process: a recorder that rotates or truncates a capture
//! while tapebar reads it would take tapebar down with no message. Copying every input
//! with `read()` instead would cost the zero-copy reading that the throughput depends on
//! (docs/performance.md), so mapped inputs are guarded instead:
//!
//! - Each mapping is registered (address and length) in a fixed table that a SIGBUS
//!   handler reads without locks or allocation.
//! - On SIGBUS at an address inside a registered mapping, the handler maps anonymous zero
//!   pages over the rest of that mapping (`MAP_FIXED`), marks it faulted and returns: the
//!   read that faulted runs again and sees zeros. Any other SIGBUS goes to the handler that
//!   was there before (Rust's own, or the default action), as if there were no guard.
//! - The engine checks the mark after every batch and, when the input is done, compares
//!   the file's size with the size it was mapped at. A truncated input is reported as an
//!   error (exit status 1), its bars up to the cut are kept; a file that grew is read up to
//!   the size it had when it was opened, and the growth is reported as a warning.
//!
//! Zeros read after the cut are never taken for data: they are not JSON, and the input is
//! reported as truncated whatever they decoded to. If the table is full (1,024 inputs
//! mapped at once), further inputs are read with `read()` instead of being mapped.

use std::fs::File;
use std::io;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use memmap2::Mmap;

const SLOTS: usize = 1024;

/// Registered mappings: start address and length (0: free). Written by registration and
/// release only; read by the signal handler.
static STARTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static LENS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static FAULTED: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];
/// Slots handed out (a slot is claimed here before its address is written).
static USED: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];

static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// The SIGBUS action that was installed before ours.
static mut PREVIOUS: std::mem::MaybeUninit<libc::sigaction> = std::mem::MaybeUninit::zeroed();

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // Only async-signal-safe work here: atomics, mmap, sigaction.
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    for i in 0..SLOTS {
        let len = LENS[i].load(Ordering::Acquire);
        if len == 0 {
            continue;
        }
        let start = STARTS[i].load(Ordering::Acquire);
        if addr < start || addr - start >= len {
            continue;
        }
        let page = page_size();
        let from = addr & !(page - 1);
        let end = (start + len).div_ceil(page) * page;
        // SAFETY: [from, end) lies inside a mapping this process made and still holds (it is
        // registered until just before it is unmapped); replacing its pages with anonymous
        // zero pages is what MAP_FIXED is for. The faulting read then reads zeros.
        let r = unsafe {
            libc::mmap(
                from as *mut libc::c_void,
                end - from,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if r != libc::MAP_FAILED {
            FAULTED[i].store(true, Ordering::Release);
            return;
        }
        break;
    }
    // Not a guarded mapping: put the previous action back and return, so the faulting
    // instruction runs again and the signal takes its course as if we were not here.
    // SAFETY: PREVIOUS was written before the handler was installed and never after.
    unsafe {
        libc::sigaction(
            sig,
            std::ptr::addr_of!(PREVIOUS).cast::<libc::sigaction>(),
            std::ptr::null_mut(),
        );
    }
}

fn install() -> bool {
    INSTALL.call_once(|| {
        // SAFETY: a zeroed sigaction is valid; the handler has the SA_SIGINFO signature and
        // PREVIOUS is written here, once, before the handler can run.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut sa.sa_mask);
            let prev = std::ptr::addr_of_mut!(PREVIOUS).cast::<libc::sigaction>();
            if libc::sigaction(libc::SIGBUS, &sa, prev) == 0 {
                INSTALLED.store(true, Ordering::Release);
            }
        }
    });
    INSTALLED.load(Ordering::Acquire)
}

/// A registration in the table, released (before the unmap) when dropped.
struct Slot(usize);

impl Slot {
    fn claim(start: usize, len: usize) -> Option<Slot> {
        if len == 0 || !install() {
            return None;
        }
        for i in 0..SLOTS {
            if USED[i]
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                FAULTED[i].store(false, Ordering::Relaxed);
                STARTS[i].store(start, Ordering::Release);
                LENS[i].store(len, Ordering::Release);
                return Some(Slot(i));
            }
        }
        None
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        LENS[self.0].store(0, Ordering::Release);
        STARTS[self.0].store(0, Ordering::Release);
        USED[self.0].store(false, Ordering::Release);
    }
}

/// What is left to check about a mapped input once its map is gone.
#[derive(Clone, Debug)]
pub struct Watch {
    file: Arc<File>,
    /// The file's size when it was mapped (the map's length).
    pub mapped_len: u64,
    faulted: Arc<AtomicBool>,
}

/// How a mapped input's file changed while it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Truncated: pages past the cut were read as zeros. `now` is the size now, if known.
    Truncated { now: Option<u64> },
    /// Grew to `now` bytes; only the first `mapped_len` were read.
    Grew { now: u64 },
}

impl Watch {
    /// The map was found faulted (by [`Mapped::faulted`]).
    pub fn faulted(&self) -> bool {
        self.faulted.load(Ordering::Acquire)
    }

    /// How the file changed since it was mapped, if it did.
    pub fn change(&self) -> Option<Change> {
        let now = self.file.metadata().map(|m| m.len()).ok();
        if self.faulted.load(Ordering::Acquire) || now.is_some_and(|n| n < self.mapped_len) {
            return Some(Change::Truncated { now });
        }
        match now {
            Some(n) if n > self.mapped_len => Some(Change::Grew { now: n }),
            _ => None,
        }
    }
}

/// A read-only map of a whole file, guarded against truncation (module documentation).
pub struct Mapped {
    // Field order is drop order: the registration goes before the map is unmapped.
    slot: Slot,
    map: Mmap,
    watch: Watch,
}

impl Mapped {
    /// Map `file` (of `len` bytes, > 0). None if it cannot be guarded (the table is full or
    /// the handler could not be installed): read it as a stream then.
    pub fn new(file: File) -> io::Result<Option<Mapped>> {
        // SAFETY: the map is read-only and private to tapebar. Another process may still
        // change or truncate the file: truncation is caught (module documentation); bytes
        // changed in place are read as they are found, like any other input.
        let map = unsafe { Mmap::map(&file)? };
        let Some(slot) = Slot::claim(map.as_ptr() as usize, map.len()) else {
            return Ok(None);
        };
        let mapped_len = map.len() as u64;
        Ok(Some(Mapped {
            slot,
            map,
            watch: Watch {
                file: Arc::new(file),
                mapped_len,
                faulted: Arc::new(AtomicBool::new(false)),
            },
        }))
    }

    /// A page past the end of the file was read: the file was truncated while mapped.
    pub fn faulted(&self) -> bool {
        let f = FAULTED[self.slot.0].load(Ordering::Acquire);
        if f {
            self.watch.faulted.store(true, Ordering::Release);
        }
        f
    }

    /// What to check once the map is gone.
    pub fn watch(&self) -> Watch {
        self.watch.clone()
    }

    /// Read the file's bytes at `offset` into `buf` through the file, not the map: nothing
    /// gets mapped into the process. Fills `buf` or fails (also when the file is shorter
    /// now, truncated under the map).
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.watch.file.read_exact_at(buf, offset)
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // Keep the mark past the release of the slot.
        self.faulted();
    }
}

impl Deref for Mapped {
    type Target = Mmap;
    fn deref(&self) -> &Mmap {
        &self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A mapped file truncated under the map reads as zeros past the cut instead of
    /// killing the process, and the truncation is reported.
    #[test]
    fn a_truncated_mapping_reads_zeros_and_is_reported() {
        let page = page_size();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&vec![b'x'; page * 4]).unwrap();
        f.flush().unwrap();
        let m = Mapped::new(File::open(f.path()).unwrap()).unwrap().unwrap();
        assert_eq!(m[0], b'x');
        assert!(!m.faulted());
        assert_eq!(m.watch().change(), None);
        f.as_file().set_len(page as u64).unwrap();
        // Page 2 is past the end of the file now: without the guard this read is SIGBUS.
        let past = std::hint::black_box(&m[..])[page * 2];
        assert_eq!(past, 0);
        assert!(m.faulted());
        assert_eq!(m[0], b'x', "pages before the cut are untouched");
        let w = m.watch();
        drop(m);
        assert_eq!(
            w.change(),
            Some(Change::Truncated {
                now: Some(page as u64)
            })
        );
    }

    #[test]
    fn a_file_that_grew_is_reported() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(b"abc\n").unwrap();
        f.flush().unwrap();
        let m = Mapped::new(File::open(f.path()).unwrap()).unwrap().unwrap();
        f.write_all(b"def\n").unwrap();
        f.flush().unwrap();
        assert_eq!(&m[..], b"abc\n");
        assert_eq!(m.watch().change(), Some(Change::Grew { now: 8 }));
    }

    /// A SIGBUS outside any guarded mapping is not swallowed: it kills the process as it
    /// would without the guard. Runs the check in a child process (this test binary,
    /// filtered to `sigbus_child`), which must die of SIGBUS.
    #[test]
    fn other_sigbus_still_kills() {
        if std::env::var_os("TAPEBAR_SIGBUS_CHILD").is_some() {
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "capture::mapped::tests::sigbus_child",
                "--nocapture",
            ])
            .env("TAPEBAR_SIGBUS_CHILD", "1")
            .output()
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGBUS),
            "{:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn sigbus_child() {
        if std::env::var_os("TAPEBAR_SIGBUS_CHILD").is_none() {
            return;
        }
        // Install the guard, then fault on a truncated mapping it does not know.
        let page = page_size();
        let mut g = tempfile::NamedTempFile::new().unwrap();
        g.write_all(&vec![b'y'; page * 2]).unwrap();
        let guarded = Mapped::new(File::open(g.path()).unwrap()).unwrap().unwrap();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&vec![b'x'; page * 4]).unwrap();
        // SAFETY: deliberately truncated below to raise SIGBUS.
        let raw = unsafe { Mmap::map(f.as_file()).unwrap() };
        f.as_file().set_len(0).unwrap();
        let b = std::hint::black_box(&raw[..])[page * 3];
        println!("read {b} {}", guarded[0]);
    }
}
