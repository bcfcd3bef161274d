//! The HTTP daemon (`syntaxd serve`): an axum router served by hyper connections accepted in
//! a loop we own, so that slow clients meet a header-read timeout and shutdown has a hard
//! deadline (axum's graceful shutdown alone waits forever on a half-sent request).
//!
//! Shutdown: the first signal flips `/readyz` to 503 and `/v1` to 503 `draining`; requests
//! in flight get `server.shutdown_grace_ms` to finish; then connections are closed, the cache
//! is flushed, and [`run`] returns.

pub mod documents;
pub mod error;
pub mod handlers;
pub mod middleware;
pub mod openapi;
pub mod rejection;
pub mod router;
pub mod shutdown;
pub mod state;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::Instant;

pub use handlers::languages::LanguageRow;
pub use router::router;
pub use state::AppState;

use crate::telemetry::HTTP;

/// Time left for connections to close after the in-flight requests are done (or the grace
/// period is over) before they are dropped.
const CLOSE_CONNECTIONS_MS: u64 = 500;

/// Serves `state` on `listener` until `shutdown` resolves, then drains (see the module docs).
///
/// # Errors
/// Only failures of the final cache flush are logged; accept errors are logged and retried.
pub async fn run(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()>) {
    let app = router(state.clone());
    let header_timeout = Duration::from_millis(state.config().server.header_read_timeout_ms);
    let grace = Duration::from_millis(state.config().server.shutdown_grace_ms);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(
        usize::try_from(state.config().server.max_connections)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS),
    ));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS_IN_PROGRESS));
    let serve = |stream: tokio::net::TcpStream| {
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            refuse_connection(stream, &refusals);
            return;
        };
        let _ = stream.set_nodelay(true);
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let watched = graceful.watch(conn);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = watched.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    };
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving");
        if !addr.ip().is_loopback() && state.config().server.auth_token.is_empty() {
            tracing::warn!(%addr, "serving /v1 without a token off loopback (server.allow_unauthenticated = true)");
        }
    }
    state.readiness().set_ready();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => serve(stream),
                Err(e) => accept_error(e).await,
            },
            () = &mut shutdown => break,
        }
    }

    // Draining: keep answering (503 for new work) until the in-flight requests are done or
    // the grace period ends.
    state.readiness().set_draining();
    let deadline = Instant::now() + grace;
    tracing::info!(
        in_flight = state.in_flight().count(),
        grace_ms = grace.as_millis() as u64,
        "draining"
    );
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => serve(stream),
                Err(e) => accept_error(e).await,
            },
            () = state.in_flight().wait_idle() => break,
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!(in_flight = state.in_flight().count(), "grace period over; dropping requests still in flight");
                break;
            }
        }
    }
    drop(listener);
    let close = Duration::from_millis(CLOSE_CONNECTIONS_MS);
    if tokio::time::timeout(close, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("connections still open after the close period; dropping them");
    }
    flush_cache(&state).await;
    // Workspaces write their snapshots (when changed) and stop their threads.
    let workspaces = Arc::clone(state.workspaces());
    if let Err(e) = tokio::task::spawn_blocking(move || workspaces.shutdown()).await {
        tracing::error!(error = %e, "workspace shutdown task failed");
    }
    // A clean stop: parses still running did not crash the process; the next start must not
    // quarantine them.
    state.analyzer().engine().quarantine().close();
}

/// Flushes the cache to the cold tier on the blocking pool.
pub async fn flush_cache(state: &AppState) {
    let Some(cache) = state.analyzer().cache().cloned() else {
        return;
    };
    match tokio::task::spawn_blocking(move || cache.flush()).await {
        Ok(Ok(n)) => tracing::info!(entries = n, "cache flushed"),
        Ok(Err(e)) => tracing::error!(error = %e, "cache flush failed"),
        Err(e) => tracing::error!(error = %e, "cache flush task failed"),
    }
}

/// Connections being answered `too_many_connections` at once at most; past it they are
/// closed without an answer.
const MAX_REFUSALS_IN_PROGRESS: usize = 64;

/// The answer to a connection over `server.max_connections`.
const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 114\r\n\r\n{\"error\":{\"code\":\"too_many_connections\",\"message\":\"more than server.max_connections connections are open; retry\"}}";

/// Answers a connection over the cap with 503 `too_many_connections` and closes it: reads the
/// request head (at most 8 KiB, 0.5 s) before answering, then discards what follows, within
/// two seconds in all, so the answer is neither ahead of the request nor lost to a reset. Bounded: at most [`MAX_REFUSALS_IN_PROGRESS`] at once, the rest are just closed.
fn refuse_connection(stream: tokio::net::TcpStream, refusals: &Arc<Semaphore>) {
    HTTP.rejected_total
        .with_label_values(&["too_many_connections"])
        .inc();
    let Ok(permit) = Arc::clone(refusals).try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let mut stream = stream;
        let answer = async {
            // Read the request head first (bounded in bytes and time): a client that sends its
            // request and then reads gets this answer to it, not one that raced its request.
            let mut head = Vec::with_capacity(1024);
            let mut buf = [0u8; 1024];
            let _ = tokio::time::timeout(Duration::from_millis(500), async {
                while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    head.extend_from_slice(&buf[..n]);
                }
                std::io::Result::Ok(())
            })
            .await;
            stream.write_all(TOO_MANY_CONNECTIONS).await?;
            stream.shutdown().await?;
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await? > 0 {}
            std::io::Result::Ok(())
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), answer).await;
    });
}

async fn accept_error(e: std::io::Error) {
    // Out of file descriptors and similar: back off instead of spinning.
    tracing::warn!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
