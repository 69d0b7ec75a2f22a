//! Test hooks: let the integration tests stop tapebar at a chosen point, to kill it
//! mid-write or to truncate an input while it is mapped (tests/hostile.rs).
//!
//! `TAPEBAR_TEST_PAUSE=POINT` or `POINT:N` makes the N-th (default first) call of
//! [`pause`]`(POINT)` print `tapebar: test pause at POINT` on stderr and wait until the file
//! named by `TAPEBAR_TEST_RESUME` exists (forever if that is unset). Without the variable a
//! call costs one check of a value read once. `TAPEBAR_TEST_OFF=tmpfile` makes outputs use
//! the named temporary files of systems without `O_TMPFILE` ([`off`]). Not for users; not in
//! `--help`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

struct Plan {
    point: String,
    nth: u64,
    calls: AtomicU64,
    resume: Option<std::path::PathBuf>,
}

fn plan() -> Option<&'static Plan> {
    static PLAN: OnceLock<Option<Plan>> = OnceLock::new();
    PLAN.get_or_init(|| {
        let v = std::env::var("TAPEBAR_TEST_PAUSE").ok()?;
        let (point, nth) = match v.split_once(':') {
            Some((p, n)) => (p.to_string(), n.parse().ok()?),
            None => (v, 1),
        };
        Some(Plan {
            point,
            nth,
            calls: AtomicU64::new(0),
            resume: std::env::var_os("TAPEBAR_TEST_RESUME").map(Into::into),
        })
    })
    .as_ref()
}

/// Pause here if the test hook asks for `point` (see the module documentation).
pub fn pause(point: &str) {
    let Some(p) = plan() else { return };
    if p.point != point || p.calls.fetch_add(1, Ordering::Relaxed) + 1 != p.nth {
        return;
    }
    crate::say!("tapebar: test pause at {point}");
    loop {
        if p.resume.as_ref().is_some_and(|f| f.exists()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The test hook turns `feature` off (`TAPEBAR_TEST_OFF=FEATURE`).
pub fn off(feature: &str) -> bool {
    static OFF: OnceLock<Option<String>> = OnceLock::new();
    OFF.get_or_init(|| std::env::var("TAPEBAR_TEST_OFF").ok())
        .as_deref()
        == Some(feature)
}
