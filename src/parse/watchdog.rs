//! The parse watchdog: a background thread that notices parses running past their deadline by a
//! margin (a grammar's external scanner can spin without ever reaching tree-sitter's progress
//! callback, so the deadline alone cannot stop it), counts and logs them, and reports the
//! engine unhealthy while any is still running.
//!
//! A stuck parse cannot be killed from outside (tree-sitter runs on the caller's thread and
//! exposes no other interrupt). What the watchdog does instead: it runs the parse's
//! `on_stuck` action once (the engine quarantines the input and has the pool replace the
//! parser slot, abandoning the thread), counts and logs the overrun, and reports it through
//! [`Watchdog::stuck_parses`] for the probes. Logs carry the language, size and content
//! hash — never source text.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::metrics::METRICS;

/// Watchdog configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchdogConfig {
    /// A parse is an overrun once it runs this long past its deadline.
    pub margin: Duration,
    /// How often the background thread scans running parses.
    pub tick: Duration,
}

impl Default for WatchdogConfig {
    /// Margin 2 s, tick 250 ms.
    fn default() -> Self {
        Self {
            margin: crate::limits::PARSE_WATCHDOG_MARGIN,
            tick: Duration::from_millis(250),
        }
    }
}

/// One parse that is past its deadline plus margin and still running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StuckParse {
    /// Language id.
    pub language: &'static str,
    /// xxh3-64 of the source (to find the input in a cache or a bug report; never the text).
    pub content_hash: u64,
    /// Source length.
    pub source_bytes: usize,
    /// Time since the parse started.
    pub running_for: Duration,
    /// Time past its deadline.
    pub overrun_by: Duration,
}

/// What to do, once, about a parse found stuck.
pub type OnStuck = Box<dyn FnOnce(&StuckParse) + Send>;

/// Handle to the watchdog; cheap to clone. The background thread ends once every handle is
/// dropped (at its next tick).
#[derive(Clone)]
pub struct Watchdog {
    inner: Arc<WatchdogInner>,
}

/// Registration of one running parse; dropping it (when the parse returns) unregisters it.
#[must_use = "the parse is unregistered as soon as the ticket is dropped"]
pub struct WatchTicket {
    id: u64,
    inner: Arc<WatchdogInner>,
}

impl Watchdog {
    /// Start a watchdog and its background thread (named `syntaxd-parse-watchdog`).
    /// If the thread cannot be spawned, the watchdog still answers [`is_healthy`] and
    /// [`stuck_parses`] exactly (they are computed on demand); only the counting and logging
    /// of overruns is lost, and that failure is logged.
    ///
    /// [`is_healthy`]: Self::is_healthy
    /// [`stuck_parses`]: Self::stuck_parses
    pub fn start(config: WatchdogConfig) -> Self {
        let watchdog = Self::without_thread(config);
        let weak: Weak<WatchdogInner> = Arc::downgrade(&watchdog.inner);
        let tick = config.tick.max(Duration::from_millis(1));
        let spawned = std::thread::Builder::new()
            .name("syntaxd-parse-watchdog".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(tick);
                    let Some(inner) = weak.upgrade() else { return };
                    inner.scan(Instant::now());
                }
            });
        if let Err(err) = spawned {
            tracing::error!(error = %err, "parse watchdog thread could not be started");
        }
        watchdog
    }

    /// A watchdog without a background thread; [`scan`](Self::scan) runs the checks.
    pub fn without_thread(config: WatchdogConfig) -> Self {
        Self {
            inner: Arc::new(WatchdogInner {
                config,
                state: Mutex::new(WatchState::default()),
            }),
        }
    }

    /// Register a parse that should finish by `deadline`.
    pub fn watch(
        &self,
        language: &'static str,
        content_hash: u64,
        source_bytes: usize,
        deadline: Instant,
    ) -> WatchTicket {
        self.watch_with(language, content_hash, source_bytes, deadline, None)
    }

    /// [`watch`](Self::watch), running `on_stuck` once (on the watchdog's thread, from
    /// [`scan`](Self::scan)) when the parse is still running past its deadline plus margin.
    pub fn watch_with(
        &self,
        language: &'static str,
        content_hash: u64,
        source_bytes: usize,
        deadline: Instant,
        on_stuck: Option<OnStuck>,
    ) -> WatchTicket {
        let mut state = self.inner.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.active.insert(
            id,
            ActiveParse {
                language,
                content_hash,
                source_bytes,
                started: Instant::now(),
                deadline,
                reported: false,
                on_stuck,
            },
        );
        WatchTicket {
            id,
            inner: Arc::clone(&self.inner),
        }
    }

    /// `false` while any registered parse is past its deadline plus margin.
    pub fn is_healthy(&self) -> bool {
        self.stuck_parses().is_empty()
    }

    /// Parses past their deadline plus margin, longest overrun first.
    pub fn stuck_parses(&self) -> Vec<StuckParse> {
        let now = Instant::now();
        let margin = self.inner.config.margin;
        let state = self.inner.lock();
        let mut stuck: Vec<StuckParse> = state
            .active
            .values()
            .filter(|p| now >= p.deadline + margin)
            .map(|p| p.describe(now))
            .collect();
        stuck.sort_by_key(|p| std::cmp::Reverse(p.overrun_by));
        stuck
    }

    /// Number of parses currently registered.
    pub fn running(&self) -> usize {
        self.inner.lock().active.len()
    }

    /// Run one scan now: count and log each new overrun once. The background thread calls
    /// this every tick.
    pub fn scan(&self) {
        self.inner.scan(Instant::now());
    }
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog")
            .field("config", &self.inner.config)
            .field("running", &self.running())
            .finish()
    }
}

impl Drop for WatchTicket {
    fn drop(&mut self) {
        let finished = self.inner.lock().active.remove(&self.id);
        if let Some(p) = finished.filter(|p| p.reported) {
            tracing::warn!(
                language = p.language,
                content_hash = format_args!("{:016x}", p.content_hash),
                source_bytes = p.source_bytes,
                ran_ms = super::pool::millis(p.started.elapsed()),
                "overrunning parse finished"
            );
        }
    }
}

struct WatchdogInner {
    config: WatchdogConfig,
    state: Mutex<WatchState>,
}

impl WatchdogInner {
    fn lock(&self) -> MutexGuard<'_, WatchState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn scan(&self, now: Instant) {
        let margin = self.config.margin;
        let mut newly = Vec::new();
        {
            let mut state = self.lock();
            for p in state.active.values_mut() {
                if !p.reported && now >= p.deadline + margin {
                    p.reported = true;
                    newly.push((p.describe(now), p.on_stuck.take()));
                }
            }
        }
        for (p, on_stuck) in newly {
            METRICS
                .watchdog_overruns_total
                .with_label_values(&[p.language])
                .inc();
            tracing::error!(
                language = p.language,
                content_hash = format_args!("{:016x}", p.content_hash),
                source_bytes = p.source_bytes,
                running_ms = super::pool::millis(p.running_for),
                overrun_ms = super::pool::millis(p.overrun_by),
                "parse overran its deadline; the grammar may be stuck"
            );
            if let Some(action) = on_stuck {
                // The watchdog thread must outlive a faulty action.
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| action(&p)));
                if ran.is_err() {
                    tracing::error!(
                        language = p.language,
                        "watchdog action on a stuck parse panicked"
                    );
                }
            }
        }
    }
}

#[derive(Default)]
struct WatchState {
    next_id: u64,
    active: HashMap<u64, ActiveParse>,
}

struct ActiveParse {
    language: &'static str,
    content_hash: u64,
    source_bytes: usize,
    started: Instant,
    deadline: Instant,
    reported: bool,
    on_stuck: Option<OnStuck>,
}

impl ActiveParse {
    fn describe(&self, now: Instant) -> StuckParse {
        StuckParse {
            language: self.language,
            content_hash: self.content_hash,
            source_bytes: self.source_bytes,
            running_for: now.saturating_duration_since(self.started),
            overrun_by: now.saturating_duration_since(self.deadline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overruns(language: &str) -> u64 {
        METRICS
            .watchdog_overruns_total
            .with_label_values(&[language])
            .get()
    }

    #[test]
    fn a_parse_past_deadline_and_margin_makes_the_engine_unhealthy_until_it_ends() {
        let dog = Watchdog::without_thread(WatchdogConfig {
            margin: Duration::from_millis(10),
            tick: Duration::from_millis(5),
        });
        let past = Instant::now() - Duration::from_millis(50);
        let before = overruns("wd-test-a");
        let ticket = dog.watch("wd-test-a", 0xabcd, 42, past);
        let _fine = dog.watch("wd-test-a", 1, 1, Instant::now() + Duration::from_secs(60));
        assert!(!dog.is_healthy());
        let stuck = dog.stuck_parses();
        assert_eq!(stuck.len(), 1);
        assert_eq!(stuck[0].content_hash, 0xabcd);
        assert_eq!(stuck[0].source_bytes, 42);
        dog.scan();
        dog.scan();
        assert_eq!(overruns("wd-test-a"), before + 1, "counted once");
        drop(ticket);
        assert!(dog.is_healthy());
        assert_eq!(dog.running(), 1);
    }

    #[test]
    fn the_background_thread_counts_overruns() {
        let dog = Watchdog::start(WatchdogConfig {
            margin: Duration::from_millis(1),
            tick: Duration::from_millis(5),
        });
        let before = overruns("wd-test-b");
        let _ticket = dog.watch("wd-test-b", 7, 7, Instant::now());
        let give_up = Instant::now() + Duration::from_secs(10);
        while overruns("wd-test-b") == before && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(overruns("wd-test-b"), before + 1);
    }
}
