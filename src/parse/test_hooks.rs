//! Fault injection for tests, compiled only with the `test-hooks` feature (enabled for
//! `cargo test` by the crate's dev-dependency on itself, never in a normal or release build).
//!
//! A source whose first line is a hook marker misbehaves inside the engine, after the parse has
//! checked out a parser, registered with the watchdog and recorded itself as in flight — where
//! a grammar's external scanner would misbehave:
//!
//! - `# syntaxd-test-hook:block:<key>` blocks (as a spinning scanner would, never reaching the
//!   progress callback) until [`release`]`(key)`;
//! - `# syntaxd-test-hook:sleep:<ms>` sleeps that long, then parses normally (a slow parse
//!   that holds its request in flight; usable across processes);
//! - `# syntaxd-test-hook:abort` aborts the process (a crash inside grammar C code);
//! - `# syntaxd-test-hook:panic` panics on the parsing (blocking) thread.
//!
//! The first line is a comment in Python, so the rest of the source parses normally.
//!
//! Other faults are armed by name with [`arm`] and fire once, where the code calls [`take`]:
//! `symbol_config_panic:<language>` (a panic while compiling the tags query),
//! `symbols_deadline:<language>` (the next symbol extraction runs with a zero deadline, so its
//! list is cut by the deadline), `symbols_error:<language>` (the next extraction fails: it runs
//! with invalid limits), `workspace_watcher_error:<root>` (the inotify reader of the workspace
//! at `<root>` fails on its next wake-up, as a failing poll would) and
//! `workspace_watcher_start:<root>` (the next watcher started for that workspace fails to
//! start).

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard};

/// Every marker starts with this.
pub const MARKER_PREFIX: &str = "# syntaxd-test-hook:";

/// A source starting with this blocks until [`release`] of the key that follows (up to the end
/// of the line).
pub const BLOCK_MARKER: &str = "# syntaxd-test-hook:block:";

/// A source starting with this sleeps for the number of milliseconds that follows (up to the
/// end of the line), then parses normally.
pub const SLEEP_MARKER: &str = "# syntaxd-test-hook:sleep:";

/// A source starting with this aborts the process mid-parse.
pub const ABORT_MARKER: &str = "# syntaxd-test-hook:abort";

/// A source starting with this panics mid-parse.
pub const PANIC_MARKER: &str = "# syntaxd-test-hook:panic";

/// Request header: a request carrying `x-syntaxd-test-hook: panic` panics in async code
/// (middleware), before any handler runs.
pub const PANIC_HEADER: &str = "x-syntaxd-test-hook";

/// Lets every parse blocked on `key` (and every later one) continue.
pub fn release(key: &str) {
    let mut gates = lock();
    gates.released.insert(key.to_owned());
    GATES.1.notify_all();
}

/// Parses blocked on `key` right now.
pub fn blocked(key: &str) -> usize {
    lock().waiting.get(key).copied().unwrap_or(0)
}

/// Arms the fault `point` to fire once.
pub fn arm(point: &str) {
    lock().armed.insert(point.to_owned());
}

/// Whether `point` was armed; disarms it.
pub fn take(point: &str) -> bool {
    lock().armed.remove(point)
}

/// Called by the engine right before tree-sitter parses `source`.
pub(crate) fn before_parse(source: &[u8]) {
    if !source.starts_with(MARKER_PREFIX.as_bytes()) {
        return;
    }
    let line = source.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    if let Some(key) = line.strip_prefix(BLOCK_MARKER) {
        block(key.trim());
    } else if let Some(ms) = line.strip_prefix(SLEEP_MARKER) {
        let ms = ms.trim().parse().unwrap_or(0);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    } else if line.starts_with(ABORT_MARKER) {
        std::process::abort();
    } else if line.starts_with(PANIC_MARKER) {
        panic!("test hook: panic mid-parse");
    }
}

fn block(key: &str) {
    let mut gates = lock();
    *gates.waiting.entry(key.to_owned()).or_default() += 1;
    while !gates.released.contains(key) {
        gates = GATES
            .1
            .wait(gates)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
    }
    if let Some(n) = gates.waiting.get_mut(key) {
        *n -= 1;
    }
}

#[derive(Default)]
struct Gates {
    armed: HashSet<String>,
    released: HashSet<String>,
    waiting: HashMap<String, usize>,
}

static GATES: LazyLock<(Mutex<Gates>, Condvar)> = LazyLock::new(Default::default);

fn lock() -> MutexGuard<'static, Gates> {
    GATES
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
