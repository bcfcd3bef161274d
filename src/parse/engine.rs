//! The parse engine: one budgeted parse (size cap, deadline, cancellation, input checks) through
//! the parser pool, watched by the watchdog, with metrics.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use tree_sitter::{Language, ParseOptions, ParseState, Tree};

use super::ParseError;
use super::budget::ParseBudget;
use super::metrics::{METRICS, count_error};
use super::pool::{DEFAULT_MAX_ABANDONED_THREADS, ParserPool, PoolConfig, millis};
use super::quarantine::{Quarantine, QuarantineReason};
use super::watchdog::{OnStuck, StuckParse, Watchdog, WatchdogConfig};

/// What input the engine accepts before parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputPolicy {
    /// Refuse sources containing a NUL byte as `Binary` (source code never contains one;
    /// images, archives and object files nearly always do).
    pub reject_nul: bool,
    /// Refuse sources that are not UTF-8 as `InvalidUtf8` (every consumer of the tree — symbols,
    /// JSON answers, documents — needs text).
    pub require_utf8: bool,
}

impl Default for InputPolicy {
    /// Both checks on.
    fn default() -> Self {
        Self {
            reject_nul: true,
            require_utf8: true,
        }
    }
}

/// Engine configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// The parser pool.
    pub pool: PoolConfig,
    /// Input checks.
    pub input: InputPolicy,
    /// The watchdog.
    pub watchdog: WatchdogConfig,
    /// Most parse threads abandoned at once (their parser slot replaced); past it the engine
    /// reports itself unhealthy ([`EngineHealth::over_cap`]).
    pub max_abandoned_threads: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            pool: PoolConfig::default(),
            input: InputPolicy::default(),
            watchdog: WatchdogConfig::default(),
            max_abandoned_threads: DEFAULT_MAX_ABANDONED_THREADS,
        }
    }
}

/// The engine's own view of its health, for the probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineHealth {
    /// Parses running past their deadline plus the watchdog margin (abandoned ones included).
    pub stuck_parses: usize,
    /// Threads abandoned with their parser and not returned.
    pub abandoned_threads: usize,
    /// The bound on abandoned threads.
    pub max_abandoned_threads: usize,
}

impl EngineHealth {
    /// More parses are stuck than the pool may abandon: a parser slot stays taken for good and
    /// only a restart frees it (`/healthz` fails).
    pub fn over_cap(&self) -> bool {
        self.stuck_parses > self.max_abandoned_threads
    }

    /// Stuck parses whose slot was not (yet) replaced: the pool serves with fewer parsers.
    pub fn unreplaced(&self) -> usize {
        self.stuck_parses.saturating_sub(self.abandoned_threads)
    }
}

/// A successful parse.
#[derive(Debug)]
pub struct ParseOutcome {
    /// The syntax tree (it may contain ERROR / MISSING nodes: see `has_errors`).
    pub tree: Tree,
    /// Language id the parse ran for.
    pub language_id: &'static str,
    /// Source length.
    pub source_bytes: usize,
    /// xxh3-64 of the source.
    pub content_hash: u64,
    /// Whether the tree contains syntax errors.
    pub has_errors: bool,
    /// Wall-clock time from the call to the end of the parse (pool wait included).
    pub elapsed: Duration,
}

/// The parse engine: a parser pool, a watchdog and an input policy. Cheap to clone; clones
/// share the pool and watchdog.
#[derive(Clone, Debug)]
pub struct ParseEngine {
    pool: ParserPool,
    watchdog: Watchdog,
    input: InputPolicy,
    quarantine: Quarantine,
}

impl ParseEngine {
    /// An engine with its own pool, a running watchdog thread and an in-memory quarantine.
    pub fn new(config: EngineConfig) -> Self {
        Self {
            pool: ParserPool::with_abandon_cap(config.pool, config.max_abandoned_threads),
            watchdog: Watchdog::start(config.watchdog),
            input: config.input,
            quarantine: Quarantine::in_memory(),
        }
    }

    /// The same engine with `quarantine` (e.g. [`Quarantine::open`] on the cache directory,
    /// so that it survives restarts and records parses in flight).
    pub fn with_quarantine(mut self, quarantine: Quarantine) -> Self {
        self.quarantine = quarantine;
        self
    }

    /// The quarantine.
    pub fn quarantine(&self) -> &Quarantine {
        &self.quarantine
    }

    /// Stuck parses and abandoned threads now.
    pub fn health(&self) -> EngineHealth {
        let stats = self.pool.stats();
        EngineHealth {
            stuck_parses: self.watchdog.stuck_parses().len(),
            abandoned_threads: stats.abandoned,
            max_abandoned_threads: stats.max_abandoned,
        }
    }

    /// The parser pool.
    pub fn pool(&self) -> &ParserPool {
        &self.pool
    }

    /// The watchdog (for `/readyz`: [`Watchdog::is_healthy`], [`Watchdog::stuck_parses`]).
    pub fn watchdog(&self) -> &Watchdog {
        &self.watchdog
    }

    /// Parse `source` from scratch under `budget`.
    ///
    /// Runs on the calling thread; call it from a thread with at least
    /// [`PARSE_THREAD_STACK_BYTES`](super::PARSE_THREAD_STACK_BYTES) of stack (see
    /// [`run_on_parse_thread`](super::run_on_parse_thread)), never on an async executor.
    ///
    /// # Errors
    /// `TooLarge`, `Binary`, `InvalidUtf8`, `Quarantined` before any work; `Busy` when no
    /// parser frees up;
    /// `Cancelled` / `Timeout` when the budget stops the parse (the parser is reset before
    /// reuse); `IncompatibleLanguage` for a grammar the linked tree-sitter cannot load.
    pub fn parse(
        &self,
        language_id: &'static str,
        language: &Language,
        source: &[u8],
        budget: &ParseBudget,
    ) -> Result<ParseOutcome, ParseError> {
        self.parse_inner(language_id, language, source, None, budget)
    }

    /// Reparse `source` incrementally from `old_tree`, which must already have been
    /// [`Tree::edit`]ed to match `source`. Errors as [`parse`](Self::parse).
    pub fn reparse(
        &self,
        language_id: &'static str,
        language: &Language,
        source: &[u8],
        old_tree: &Tree,
        budget: &ParseBudget,
    ) -> Result<ParseOutcome, ParseError> {
        self.parse_inner(language_id, language, source, Some(old_tree), budget)
    }

    fn parse_inner(
        &self,
        language_id: &'static str,
        language: &Language,
        source: &[u8],
        old_tree: Option<&Tree>,
        budget: &ParseBudget,
    ) -> Result<ParseOutcome, ParseError> {
        let started = Instant::now();
        let result = self.parse_checked(language_id, language, source, old_tree, budget, started);
        match &result {
            Ok(outcome) => {
                METRICS
                    .parse_duration_seconds
                    .with_label_values(&[language_id])
                    .observe(outcome.elapsed.as_secs_f64());
                METRICS
                    .parse_bytes_total
                    .with_label_values(&[language_id])
                    .inc_by(source.len() as u64);
            }
            // The pool counts its own errors (it is also used directly).
            Err(ParseError::Busy { .. } | ParseError::IncompatibleLanguage { .. }) => {}
            Err(err) => count_error(language_id, err.reason()),
        }
        result
    }

    fn parse_checked(
        &self,
        language_id: &'static str,
        language: &Language,
        source: &[u8],
        old_tree: Option<&Tree>,
        budget: &ParseBudget,
        started: Instant,
    ) -> Result<ParseOutcome, ParseError> {
        if source.len() > budget.max_source_bytes {
            return Err(ParseError::TooLarge {
                language: language_id,
                bytes: source.len(),
                limit: budget.max_source_bytes,
            });
        }
        if budget.cancel.is_cancelled() {
            return Err(ParseError::Cancelled {
                language: language_id,
            });
        }
        self.check_input(language_id, source)?;
        let deadline = started + budget.deadline;
        let timeout = || ParseError::Timeout {
            language: language_id,
            elapsed_ms: millis(started.elapsed()),
            limit_ms: millis(budget.deadline),
        };

        let content_hash = xxhash_rust::xxh3::xxh3_64(source);
        if let Some(reason) = self.quarantine.reason_for(language_id, content_hash) {
            return Err(ParseError::Quarantined {
                language: language_id,
                content_hash,
                reason,
            });
        }

        let wait = self
            .pool
            .config()
            .checkout_timeout
            .min(deadline.saturating_duration_since(Instant::now()));
        let mut parser = self.pool.checkout_within(language_id, language, wait)?;

        // Recorded before the parse starts, so that a crash inside the grammar quarantines
        // this input at the next start.
        let _in_flight = self.quarantine.begin(language_id, content_hash);
        let abandon = parser.abandon_handle();
        let quarantine = self.quarantine.clone();
        let on_stuck: OnStuck = Box::new(move |stuck: &StuckParse| {
            quarantine.add(
                stuck.language,
                stuck.content_hash,
                QuarantineReason::Overrun,
            );
            if !abandon.abandon() {
                tracing::error!(
                    language = stuck.language,
                    "stuck parse not replaced: the cap of abandoned parse threads is reached"
                );
            }
        });
        let _ticket = self.watchdog.watch_with(
            language_id,
            content_hash,
            source.len(),
            deadline,
            Some(on_stuck),
        );

        #[cfg(feature = "test-hooks")]
        super::test_hooks::before_parse(source);

        let cancel = &budget.cancel;
        let mut stop = |_: &ParseState| {
            if cancel.is_cancelled() || Instant::now() >= deadline {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let tree = parser.parse_with_options(
            &mut |offset, _| source.get(offset..).unwrap_or_default(),
            old_tree,
            Some(ParseOptions::new().progress_callback(&mut stop)),
        );
        // The guard resets the parser on return, so an aborted parse never resumes.
        drop(parser);
        // A parse the watchdog judged stuck (and quarantined) meanwhile is not served or
        // stored even if it returned in the end: the same content is refused from now on.
        if let Some(reason) = self.quarantine.reason_for(language_id, content_hash) {
            return Err(ParseError::Quarantined {
                language: language_id,
                content_hash,
                reason,
            });
        }
        let Some(tree) = tree else {
            return Err(if cancel.is_cancelled() {
                ParseError::Cancelled {
                    language: language_id,
                }
            } else if Instant::now() >= deadline {
                timeout()
            } else {
                ParseError::Internal {
                    language: language_id,
                    reason: "tree-sitter returned no tree",
                }
            });
        };
        let has_errors = tree.root_node().has_error();
        Ok(ParseOutcome {
            tree,
            language_id,
            source_bytes: source.len(),
            content_hash,
            has_errors,
            elapsed: started.elapsed(),
        })
    }

    /// The content checks of this engine's [`InputPolicy`] that every parse makes first (a NUL
    /// byte, invalid UTF-8), without parsing: a caller can refuse such input before costlier
    /// work of its own (compiling a query). Cheap: one pass over `source`.
    ///
    /// # Errors
    /// `Binary` or `InvalidUtf8`, as [`parse`](Self::parse) would answer.
    pub fn check_input(&self, language_id: &'static str, source: &[u8]) -> Result<(), ParseError> {
        if self.input.reject_nul
            && let Some(offset) = source.iter().position(|&b| b == 0)
        {
            return Err(ParseError::Binary {
                language: language_id,
                offset,
            });
        }
        if self.input.require_utf8
            && let Err(err) = std::str::from_utf8(source)
        {
            return Err(ParseError::InvalidUtf8 {
                language: language_id,
                valid_up_to: err.valid_up_to(),
            });
        }
        Ok(())
    }
}

impl Default for ParseEngine {
    fn default() -> Self {
        Self::new(EngineConfig::default())
    }
}

#[cfg(all(test, feature = "tree-sitter-python"))]
mod tests {
    use super::*;
    use crate::parse::CancelHandle;

    fn python() -> Language {
        tree_sitter_python::LANGUAGE.into()
    }

    fn engine(max_parsers: usize) -> ParseEngine {
        ParseEngine::new(EngineConfig {
            pool: PoolConfig {
                max_parsers,
                checkout_timeout: Duration::from_millis(50),
            },
            ..EngineConfig::default()
        })
    }

    fn big_python() -> String {
        "def f(a, b):\n    return [a + b for _ in range(10)]\n".repeat(40_000)
    }

    #[test]
    fn a_parse_within_budget_returns_the_tree_and_facts() {
        let e = engine(1);
        let src = b"def f(x):\n    return x\n";
        let out = e
            .parse("python", &python(), src, &ParseBudget::default())
            .unwrap();
        assert_eq!(out.tree.root_node().kind(), "module");
        assert!(!out.has_errors);
        assert_eq!(out.source_bytes, src.len());
        assert_eq!(out.content_hash, xxhash_rust::xxh3::xxh3_64(src));
    }

    #[test]
    fn a_source_over_the_cap_is_refused_before_parsing() {
        let e = engine(1);
        let budget = ParseBudget::new(10, Duration::from_secs(1));
        let err = e
            .parse("python", &python(), b"x = 12345678\n", &budget)
            .unwrap_err();
        assert!(matches!(
            err,
            ParseError::TooLarge {
                language: "python",
                bytes: 13,
                limit: 10
            }
        ));
    }

    #[test]
    fn a_parse_past_its_deadline_times_out_and_the_parser_is_reusable() {
        let e = engine(1);
        let src = big_python();
        let budget = ParseBudget::new(usize::MAX, Duration::from_millis(1));
        let err = e
            .parse("python", &python(), src.as_bytes(), &budget)
            .unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::Timeout {
                    language: "python",
                    limit_ms: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        let out = e
            .parse("python", &python(), b"y = 2\n", &ParseBudget::default())
            .unwrap();
        assert_eq!(out.tree.root_node().end_byte(), 6);
        assert_eq!(e.pool().stats().idle, 1);
    }

    #[test]
    fn cancelling_from_another_thread_stops_the_parse() {
        let e = engine(1);
        let src = big_python().repeat(4);
        let cancel = CancelHandle::new();
        let budget =
            ParseBudget::new(usize::MAX, Duration::from_secs(60)).with_cancel(cancel.clone());
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            cancel.cancel();
        });
        let result = e.parse("python", &python(), src.as_bytes(), &budget);
        canceller.join().unwrap();
        assert!(
            matches!(result, Err(ParseError::Cancelled { language: "python" })),
            "{result:?}"
        );
    }

    #[test]
    fn an_already_cancelled_budget_does_no_work() {
        let e = engine(1);
        let budget = ParseBudget::default();
        budget.cancel.cancel();
        let err = e.parse("python", &python(), b"x\n", &budget).unwrap_err();
        assert!(matches!(err, ParseError::Cancelled { .. }));
    }

    #[test]
    fn binary_and_invalid_utf8_inputs_are_refused_with_the_offset() {
        let e = engine(1);
        let b = ParseBudget::default();
        let err = e.parse("python", &python(), b"x = 1\0\n", &b).unwrap_err();
        assert!(
            matches!(err, ParseError::Binary { offset: 5, .. }),
            "{err:?}"
        );
        let err = e
            .parse("python", &python(), b"s = '\xff'\n", &b)
            .unwrap_err();
        assert!(
            matches!(err, ParseError::InvalidUtf8 { valid_up_to: 5, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn with_checks_off_nul_and_invalid_utf8_still_parse() {
        let e = ParseEngine::new(EngineConfig {
            input: InputPolicy {
                reject_nul: false,
                require_utf8: false,
            },
            ..EngineConfig::default()
        });
        let out = e
            .parse(
                "python",
                &python(),
                b"x = '\0\xff\xfe'\n\0\0",
                &ParseBudget::default(),
            )
            .unwrap();
        assert!(out.tree.root_node().end_byte() <= 12);
    }

    #[test]
    fn empty_input_parses_to_an_empty_tree() {
        let e = engine(1);
        let out = e
            .parse("python", &python(), b"", &ParseBudget::default())
            .unwrap();
        assert_eq!(out.tree.root_node().kind(), "module");
        assert_eq!(out.tree.root_node().child_count(), 0);
        assert!(!out.has_errors);
    }

    #[test]
    fn the_parse_is_registered_with_the_watchdog_while_it_runs() {
        let e = engine(1);
        assert_eq!(e.watchdog().running(), 0);
        e.parse("python", &python(), b"x\n", &ParseBudget::default())
            .unwrap();
        assert_eq!(e.watchdog().running(), 0);
        assert!(e.watchdog().is_healthy());
    }
}
