//! The parser pool: `tree_sitter::Parser`s reused per language, checked out through an RAII
//! guard, bounded globally, with a typed `Busy` error after a bounded wait.
//!
//! Following tree-sitter's own `tags`/`highlight` crates, the thread-shared part (the pool and
//! its configuration) is kept apart from the per-use context (the checked-out parser).
//!
//! Invariants:
//! - at most `max_parsers` parsers exist (idle + checked out), not counting abandoned ones; an
//!   idle parser of another language is re-targeted with `set_language` rather than
//!   allocating past the bound;
//! - a checked-out parser whose parse never returns (see the watchdog) can be *abandoned*
//!   through its [`AbandonHandle`]: its slot is freed for a new parser and the thread holding
//!   it is counted in `syntaxd_parse_abandoned_threads` until it returns (if ever), when the
//!   parser is destroyed instead of returned. At most `max_abandoned` threads are abandoned at
//!   once; past that a stuck slot stays stuck (and `/healthz` fails);
//! - every parser is `reset()` and its included ranges cleared when it returns to the pool, so
//!   an aborted (cancelled, timed-out) parse never leaks into the next document.

use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tree_sitter::{Language, Parser};

use super::ParseError;
use super::budget::ParseLimits;
use super::metrics::{METRICS, count_error};

/// Default time a checkout waits for a free parser before `Busy`.
pub const DEFAULT_CHECKOUT_TIMEOUT: Duration = crate::limits::PARSE_POOL_WAIT;

/// Default bound on abandoned parse threads (`parse.max_abandoned_threads`).
pub const DEFAULT_MAX_ABANDONED_THREADS: usize =
    crate::limits::PARSE_MAX_ABANDONED_THREADS as usize;

/// Pool configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// Upper bound on parsers alive at once (idle + checked out); at least 1.
    pub max_parsers: usize,
    /// How long [`ParserPool::checkout`] waits for a free parser before `Busy`.
    pub checkout_timeout: Duration,
}

impl Default for PoolConfig {
    /// `max_parsers` from [`ParseLimits::default`] (the available cores, reduced if the default
    /// memory budget requires it), `checkout_timeout` = [`DEFAULT_CHECKOUT_TIMEOUT`].
    fn default() -> Self {
        Self {
            max_parsers: ParseLimits::default().max_parsers,
            checkout_timeout: DEFAULT_CHECKOUT_TIMEOUT,
        }
    }
}

/// A bounded pool of parsers keyed by language id. Cheap to clone (an `Arc`); clones share the
/// same parsers.
#[derive(Clone)]
pub struct ParserPool {
    inner: Arc<PoolInner>,
}

/// A parser checked out of a [`ParserPool`]; returned (reset) to the pool on drop, unless it
/// was abandoned meanwhile.
pub struct PooledParser {
    parser: Option<Parser>,
    language_id: &'static str,
    pool: Arc<PoolInner>,
    slot: Arc<AtomicU8>,
}

/// Gives up on one checked-out parser from another thread (the watchdog's): see
/// [`AbandonHandle::abandon`].
pub struct AbandonHandle {
    pool: Arc<PoolInner>,
    slot: Arc<AtomicU8>,
}

/// A checked-out slot: its parser is in use.
const SLOT_IN_USE: u8 = 0;
/// The slot was abandoned: freed for a new parser while its thread still runs.
const SLOT_ABANDONED: u8 = 1;
/// The parser came back to the pool.
const SLOT_RETURNED: u8 = 2;

/// Counts of the pool's parsers at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    /// Parsers checked out.
    pub in_use: usize,
    /// Parsers idle in the pool.
    pub idle: usize,
    /// The configured bound.
    pub max_parsers: usize,
    /// Threads abandoned with their parser and not returned.
    pub abandoned: usize,
    /// The bound on `abandoned`.
    pub max_abandoned: usize,
}

impl ParserPool {
    /// An empty pool; parsers are created on demand up to `config.max_parsers`; at most
    /// [`DEFAULT_MAX_ABANDONED_THREADS`] threads abandoned at once.
    pub fn new(config: PoolConfig) -> Self {
        Self::with_abandon_cap(config, DEFAULT_MAX_ABANDONED_THREADS)
    }

    /// [`new`](Self::new) with at most `max_abandoned` threads abandoned at once.
    pub fn with_abandon_cap(config: PoolConfig, max_abandoned: usize) -> Self {
        let config = PoolConfig {
            max_parsers: config.max_parsers.max(1),
            ..config
        };
        Self {
            inner: Arc::new(PoolInner {
                config,
                max_abandoned,
                state: Mutex::new(PoolState::default()),
                freed: Condvar::new(),
            }),
        }
    }

    /// The pool's configuration.
    pub fn config(&self) -> PoolConfig {
        self.inner.config
    }

    /// Check out a parser for `language`, waiting up to the configured checkout timeout.
    ///
    /// # Errors
    /// `Busy` when no parser frees up in time; `IncompatibleLanguage` when the grammar's ABI
    /// version is not supported by the linked tree-sitter.
    pub fn checkout(
        &self,
        language_id: &'static str,
        language: &Language,
    ) -> Result<PooledParser, ParseError> {
        self.checkout_within(language_id, language, self.inner.config.checkout_timeout)
    }

    /// [`checkout`](Self::checkout) with an explicit wait bound (the engine passes the smaller
    /// of the checkout timeout and what is left of the parse deadline).
    pub fn checkout_within(
        &self,
        language_id: &'static str,
        language: &Language,
        wait: Duration,
    ) -> Result<PooledParser, ParseError> {
        let started = Instant::now();
        let result = self.checkout_inner(language_id, language, started, wait);
        METRICS
            .pool_wait_seconds
            .observe(started.elapsed().as_secs_f64());
        if let Err(err) = &result {
            count_error(language_id, err.reason());
        }
        result
    }

    /// Current counts.
    pub fn stats(&self) -> PoolStats {
        let state = self.inner.lock();
        PoolStats {
            in_use: state.in_use,
            idle: state.idle_count(),
            max_parsers: self.inner.config.max_parsers,
            abandoned: state.abandoned,
            max_abandoned: self.inner.max_abandoned,
        }
    }

    fn checkout_inner(
        &self,
        language_id: &'static str,
        language: &Language,
        started: Instant,
        wait: Duration,
    ) -> Result<PooledParser, ParseError> {
        let max = self.inner.config.max_parsers;
        let mut state = self.inner.lock();
        loop {
            // 1. An idle parser already set to this language.
            if let Some(parser) = state.idle.get_mut(language_id).and_then(Vec::pop) {
                state.in_use += 1;
                METRICS.pool_idle.dec();
                METRICS.pool_in_use.inc();
                drop(state);
                return Ok(self.guard(parser, language_id));
            }
            // 2. Room to create one (outside the lock).
            if state.total < max {
                state.total += 1;
                state.in_use += 1;
                METRICS.pool_in_use.inc();
                drop(state);
                let mut parser = Parser::new();
                return match parser.set_language(language) {
                    Ok(()) => Ok(self.guard(parser, language_id)),
                    Err(_) => {
                        self.inner.forget(1);
                        Err(incompatible(language_id, language))
                    }
                };
            }
            // 3. Re-target an idle parser of another language.
            if let Some(mut parser) = state.take_any_idle() {
                state.in_use += 1;
                METRICS.pool_idle.dec();
                METRICS.pool_in_use.inc();
                drop(state);
                return match parser.set_language(language) {
                    Ok(()) => Ok(self.guard(parser, language_id)),
                    Err(_) => {
                        self.inner.forget(1);
                        Err(incompatible(language_id, language))
                    }
                };
            }
            // 4. Wait for a return.
            let waited = started.elapsed();
            let Some(left) = wait.checked_sub(waited).filter(|d| !d.is_zero()) else {
                return Err(ParseError::Busy {
                    language: language_id,
                    waited_ms: millis(waited),
                    max_parsers: max,
                });
            };
            state = match self.inner.freed.wait_timeout(state, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn guard(&self, parser: Parser, language_id: &'static str) -> PooledParser {
        PooledParser {
            parser: Some(parser),
            language_id,
            pool: Arc::clone(&self.inner),
            slot: Arc::new(AtomicU8::new(SLOT_IN_USE)),
        }
    }
}

impl fmt::Debug for ParserPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParserPool")
            .field("config", &self.inner.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for ParserPool {
    fn default() -> Self {
        Self::new(PoolConfig::default())
    }
}

impl PooledParser {
    /// The language id this parser was checked out for.
    pub fn language_id(&self) -> &'static str {
        self.language_id
    }

    /// A handle another thread can use to abandon this parser's slot.
    pub fn abandon_handle(&self) -> AbandonHandle {
        AbandonHandle {
            pool: Arc::clone(&self.pool),
            slot: Arc::clone(&self.slot),
        }
    }
}

impl AbandonHandle {
    /// Frees the slot of a parser whose parse does not return, so the pool can create another,
    /// and counts its thread as abandoned until the parse returns (the parser is then
    /// destroyed). Returns false when the parser already came back, was already abandoned, or
    /// the pool already has its maximum of abandoned threads (the slot then stays taken).
    pub fn abandon(&self) -> bool {
        let mut state = self.pool.lock();
        if state.abandoned >= self.pool.max_abandoned {
            return false;
        }
        if self
            .slot
            .compare_exchange(
                SLOT_IN_USE,
                SLOT_ABANDONED,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            return false;
        }
        state.in_use -= 1;
        state.total -= 1;
        state.abandoned += 1;
        drop(state);
        METRICS.pool_in_use.dec();
        METRICS.abandoned_threads.inc();
        METRICS.abandoned_threads_total.inc();
        self.pool.freed.notify_one();
        true
    }
}

impl fmt::Debug for PooledParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledParser")
            .field("language_id", &self.language_id)
            .finish()
    }
}

impl Deref for PooledParser {
    type Target = Parser;
    fn deref(&self) -> &Parser {
        self.parser
            .as_ref()
            .expect("the parser is only taken out in Drop")
    }
}

impl DerefMut for PooledParser {
    fn deref_mut(&mut self) -> &mut Parser {
        self.parser
            .as_mut()
            .expect("the parser is only taken out in Drop")
    }
}

impl Drop for PooledParser {
    fn drop(&mut self) {
        let Some(mut parser) = self.parser.take() else {
            return;
        };
        let returned = self.slot.compare_exchange(
            SLOT_IN_USE,
            SLOT_RETURNED,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if returned.is_err() {
            // Abandoned while it ran: its slot was already given to a new parser.
            self.pool.lock().abandoned -= 1;
            METRICS.abandoned_threads.dec();
            tracing::warn!(
                language = self.language_id,
                "an abandoned parse returned; its parser is dropped"
            );
            return;
        }
        // Hygiene before reuse: an aborted parse would otherwise resume on the next call, and
        // included ranges or a logger set by this user would leak to the next one.
        parser.reset();
        // Clearing included ranges (empty = whole document) cannot fail.
        let _ = parser.set_included_ranges(&[]);
        parser.set_logger(None);
        let mut state = self.pool.lock();
        state.in_use -= 1;
        state.idle.entry(self.language_id).or_default().push(parser);
        drop(state);
        METRICS.pool_in_use.dec();
        METRICS.pool_idle.inc();
        self.pool.freed.notify_one();
    }
}

struct PoolInner {
    config: PoolConfig,
    max_abandoned: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // The state stays consistent under panic: every update is a few integer writes done
        // without calls that can panic in between.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A checked-out slot whose parser was destroyed (language rejected).
    fn forget(&self, n: usize) {
        let mut state = self.lock();
        state.in_use -= n;
        state.total -= n;
        drop(state);
        METRICS.pool_in_use.sub(n as i64);
        self.freed.notify_one();
    }
}

#[derive(Default)]
struct PoolState {
    idle: HashMap<&'static str, Vec<Parser>>,
    in_use: usize,
    total: usize,
    abandoned: usize,
}

impl PoolState {
    fn idle_count(&self) -> usize {
        self.idle.values().map(Vec::len).sum()
    }

    fn take_any_idle(&mut self) -> Option<Parser> {
        self.idle.values_mut().find_map(Vec::pop)
    }
}

fn incompatible(language_id: &'static str, language: &Language) -> ParseError {
    ParseError::IncompatibleLanguage {
        language: language_id,
        abi_version: language.abi_version(),
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "tree-sitter-python")]
    fn python() -> Language {
        tree_sitter_python::LANGUAGE.into()
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn parsers_are_reused_not_recreated() {
        let pool = ParserPool::new(PoolConfig {
            max_parsers: 2,
            checkout_timeout: Duration::from_millis(10),
        });
        for _ in 0..10 {
            let mut p = pool.checkout("python", &python()).unwrap();
            assert!(p.parse("x = 1\n", None).is_some());
        }
        assert_eq!(
            pool.stats(),
            PoolStats {
                in_use: 0,
                idle: 1,
                max_parsers: 2,
                abandoned: 0,
                max_abandoned: DEFAULT_MAX_ABANDONED_THREADS,
            }
        );
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn an_abandoned_slot_is_replaced_up_to_the_cap_and_its_parser_dropped_on_return() {
        let pool = ParserPool::with_abandon_cap(
            PoolConfig {
                max_parsers: 1,
                checkout_timeout: Duration::from_millis(10),
            },
            1,
        );
        let stuck = pool.checkout("python", &python()).unwrap();
        assert!(pool.checkout("python", &python()).is_err(), "full");
        assert!(stuck.abandon_handle().abandon());
        assert!(!stuck.abandon_handle().abandon(), "only once");
        let second = pool.checkout("python", &python()).unwrap();
        assert!(!second.abandon_handle().abandon(), "the cap is 1");
        let stats = pool.stats();
        assert_eq!((stats.in_use, stats.abandoned), (1, 1));
        drop(second);
        drop(stuck);
        let stats = pool.stats();
        assert_eq!((stats.in_use, stats.idle, stats.abandoned), (0, 1, 0));
        let returned = pool.checkout("python", &python()).unwrap();
        drop(returned);
        assert_eq!(pool.stats().idle, 1);
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn a_full_pool_answers_busy_after_the_timeout() {
        let pool = ParserPool::new(PoolConfig {
            max_parsers: 1,
            checkout_timeout: Duration::from_millis(30),
        });
        let held = pool.checkout("python", &python()).unwrap();
        let err = pool.checkout("python", &python()).unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::Busy {
                    language: "python",
                    max_parsers: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        drop(held);
        assert!(pool.checkout("python", &python()).is_ok());
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn a_waiting_checkout_gets_the_parser_returned_meanwhile() {
        let pool = ParserPool::new(PoolConfig {
            max_parsers: 1,
            checkout_timeout: Duration::from_secs(10),
        });
        let held = pool.checkout("python", &python()).unwrap();
        let pool2 = pool.clone();
        let waiter = std::thread::spawn(move || pool2.checkout("python", &python()).is_ok());
        std::thread::sleep(Duration::from_millis(20));
        drop(held);
        assert!(waiter.join().unwrap());
    }

    #[cfg(all(feature = "tree-sitter-python", feature = "tree-sitter-json"))]
    #[test]
    fn an_idle_parser_is_retargeted_to_another_language_within_the_bound() {
        let pool = ParserPool::new(PoolConfig {
            max_parsers: 1,
            checkout_timeout: Duration::from_millis(10),
        });
        drop(pool.checkout("python", &python()).unwrap());
        let json: Language = tree_sitter_json::LANGUAGE.into();
        let mut p = pool.checkout("json", &json).unwrap();
        let tree = p.parse("{\"a\": [1, 2]}", None).unwrap();
        assert_eq!(tree.root_node().kind(), "document");
        drop(p);
        assert_eq!(pool.stats().idle, 1);
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn an_aborted_parse_does_not_leak_into_the_next_checkout() {
        use std::ops::ControlFlow;
        use tree_sitter::ParseOptions;

        let pool = ParserPool::new(PoolConfig {
            max_parsers: 1,
            checkout_timeout: Duration::from_millis(10),
        });
        let big = "def f(a, b):\n    return [a + b for _ in range(10)]\n".repeat(2_000);
        {
            let mut p = pool.checkout("python", &python()).unwrap();
            let bytes = big.as_bytes();
            let mut calls = 0;
            let mut stop = |_: &tree_sitter::ParseState| {
                calls += 1;
                if calls > 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            };
            let tree = p.parse_with_options(
                &mut |i, _| bytes.get(i..).unwrap_or_default(),
                None,
                Some(ParseOptions::new().progress_callback(&mut stop)),
            );
            assert!(tree.is_none(), "the parse must have been aborted");
        }
        let mut p = pool.checkout("python", &python()).unwrap();
        let small = "x = 1\n";
        let tree = p.parse(small, None).unwrap();
        // Had the parser resumed the aborted document, the tree would span the big text.
        assert_eq!(tree.root_node().end_byte(), small.len());
        assert_eq!(
            tree.root_node().to_sexp(),
            "(module (expression_statement (assignment left: (identifier) right: (integer))))"
        );
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn without_reset_an_aborted_parser_resumes_the_old_document() {
        // Documents why the pool resets: tree-sitter resumes an aborted parse by default.
        use std::ops::ControlFlow;
        use tree_sitter::ParseOptions;

        let mut parser = Parser::new();
        parser.set_language(&python()).unwrap();
        let big = "def f(a, b):\n    return a + b\n".repeat(2_000);
        let bytes = big.as_bytes();
        let mut stop = |_: &tree_sitter::ParseState| ControlFlow::Break(());
        let aborted = parser.parse_with_options(
            &mut |i, _| bytes.get(i..).unwrap_or_default(),
            None,
            Some(ParseOptions::new().progress_callback(&mut stop)),
        );
        assert!(aborted.is_none());
        let small = "x = 1\n";
        let resumed = parser.parse(small, None).unwrap();
        assert_ne!(resumed.root_node().end_byte(), small.len());
    }
}
