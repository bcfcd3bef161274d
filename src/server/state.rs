//! The shared state of the daemon: configuration, the analysis pipeline, the query engine,
//! live documents, readiness, the global concurrency limit and the in-flight count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

use crate::cache::{Cache, CacheError};
use crate::config::Config;
use crate::parse::{
    EngineConfig, InputPolicy, ParseEngine, PoolConfig, Quarantine, WatchdogConfig, cores,
};
use crate::pipeline::Analyzer;
use crate::query::QueryEngine;
use crate::workspace::{WorkspaceSettings, Workspaces};

use super::documents::Documents;

/// Cheap to clone: everything is behind one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    analyzer: Arc<Analyzer>,
    queries: Arc<QueryEngine>,
    documents: Arc<Documents>,
    workspaces: Arc<Workspaces>,
    readiness: Readiness,
    limiter: Arc<Semaphore>,
    in_flight: InFlight,
}

impl AppState {
    /// Opens the cache and builds the engines. Blocking (disk I/O): call
    /// it before the runtime serves, or from `spawn_blocking`.
    ///
    /// # Errors
    /// The cache directory cannot be opened (locked by another process, unwritable).
    pub fn open(config: Config) -> Result<AppState, CacheError> {
        let (cache, report) = Cache::open(config.cache_config(), prometheus::default_registry())?;
        tracing::info!(dir = %config.cache_dir().display(), report = ?report, "cache opened");
        Ok(Self::with_cache(config, Some(Arc::new(cache))))
    }

    /// Builds the state around an opened cache (or none: every request parses). With a cache,
    /// the parse quarantine lives in the cache directory (it survives restarts and quarantines
    /// what a crashed process was parsing); without, it is kept in memory.
    pub fn with_cache(config: Config, cache: Option<Arc<Cache>>) -> AppState {
        crate::telemetry::register_process_metrics();
        std::sync::LazyLock::force(&super::handlers::BLOCKING_JOBS);
        let max_parsers = match config.parse.max_parsers {
            0 => cores(),
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let engine = ParseEngine::new(EngineConfig {
            pool: PoolConfig {
                max_parsers,
                checkout_timeout: Duration::from_millis(config.parse.pool_wait_ms),
            },
            input: InputPolicy::default(),
            watchdog: WatchdogConfig {
                margin: Duration::from_millis(config.parse.watchdog_margin_ms),
                ..WatchdogConfig::default()
            },
            max_abandoned_threads: usize::try_from(config.parse.max_abandoned_threads)
                .unwrap_or(usize::MAX),
        })
        .with_quarantine(match &cache {
            Some(_) => Quarantine::open(&config.cache_dir()),
            None => Quarantine::in_memory(),
        });
        let analyzer = Analyzer::new(
            engine,
            cache,
            usize::try_from(config.parse.max_source_bytes).unwrap_or(usize::MAX),
            Duration::from_millis(config.parse.timeout_ms),
        )
        .with_tree_cache(config.query.tree_cache_bytes);
        // Registry queries compile lazily, per language and kind, on first use (see
        // `Language::query`); failures surface in `/readyz`'s body and the metrics.
        let permits = usize::try_from(config.server.max_concurrent_requests)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        let documents = Documents::new(
            usize::try_from(config.documents.max_documents).unwrap_or(usize::MAX),
            usize::try_from(config.documents.max_total_bytes).unwrap_or(usize::MAX),
        );
        let analyzer = Arc::new(analyzer);
        let workspaces = Workspaces::new(
            WorkspaceSettings::from_config(&config),
            Arc::clone(&analyzer),
        );
        AppState {
            inner: Arc::new(Inner {
                analyzer,
                queries: Arc::new(
                    QueryEngine::new(
                        config.query.compiled_cache_bytes,
                        config.query.result_cache_bytes,
                    )
                    .with_compile_check(config.query.compile_check()),
                ),
                documents: Arc::new(documents),
                workspaces: Arc::new(workspaces),
                readiness: Readiness::default(),
                limiter: Arc::new(Semaphore::new(permits)),
                in_flight: InFlight::default(),
                config,
            }),
        }
    }

    /// The effective configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The analysis pipeline (blocking).
    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.inner.analyzer
    }

    /// The query engine (blocking).
    pub fn queries(&self) -> &Arc<QueryEngine> {
        &self.inner.queries
    }

    /// Open documents.
    pub fn documents(&self) -> &Arc<Documents> {
        &self.inner.documents
    }

    /// Open workspaces.
    pub fn workspaces(&self) -> &Arc<Workspaces> {
        &self.inner.workspaces
    }

    /// Readiness latch.
    pub fn readiness(&self) -> &Readiness {
        &self.inner.readiness
    }

    /// The global concurrency limit.
    pub fn limiter(&self) -> &Arc<Semaphore> {
        &self.inner.limiter
    }

    /// Requests being served.
    pub fn in_flight(&self) -> &InFlight {
        &self.inner.in_flight
    }
}

/// Where the daemon is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not serving yet.
    Starting,
    /// Serving.
    Ready,
    /// Shutting down: finishing in-flight requests, refusing new ones.
    Draining,
}

/// A latch: starts `Starting`, becomes `Ready` when serving, `Draining` at the first signal
/// (and never goes back).
#[derive(Debug, Default)]
pub struct Readiness(AtomicU8);

impl Readiness {
    /// The current phase.
    pub fn phase(&self) -> Phase {
        match self.0.load(Ordering::Acquire) {
            0 => Phase::Starting,
            1 => Phase::Ready,
            _ => Phase::Draining,
        }
    }

    /// Marks the daemon ready (no effect once draining).
    pub fn set_ready(&self) {
        let _ = self
            .0
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Marks the daemon draining.
    pub fn set_draining(&self) {
        self.0.store(2, Ordering::Release);
    }
}

/// Count of requests admitted and not yet answered, with a wake-up when it reaches zero.
#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

impl InFlight {
    /// Counts one request until the guard drops.
    pub fn enter(&self) -> InFlightGuard<'_> {
        self.count.fetch_add(1, Ordering::AcqRel);
        InFlightGuard(self)
    }

    /// Requests in flight now.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Resolves when no request is in flight.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Decrements [`InFlight`] on drop.
pub struct InFlightGuard<'a>(&'a InFlight);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}
