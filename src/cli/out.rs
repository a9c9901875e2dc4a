//! Standard output that never panics: a reader that goes away (`strata apply | head -1`)
//! must not stop an apply half-way. Once stdout is closed, what would have been printed is
//! dropped and the command carries on to the end, saving the state as it goes.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout as is, and flushes.
pub fn text(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Writes `text` and a newline to stdout.
pub fn line(text: &str) {
    let mut s = String::with_capacity(text.len() + 1);
    s.push_str(text);
    s.push('\n');
    self::text(&s);
}

/// Whether a write to stdout has failed (the reader is gone).
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}
