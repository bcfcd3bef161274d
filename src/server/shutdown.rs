//! Shutdown signals: the first SIGTERM or SIGINT (on Windows: Ctrl-C, Ctrl-Break, closing the
//! console, or system shutdown) starts draining; a second one exits at once.

/// Exit status after a second signal (128 + SIGINT, as shells report an interrupted process).
pub const EXIT_SECOND_SIGNAL: i32 = 130;

/// Resolves at the first SIGTERM or SIGINT, and arms a handler that exits the process
/// immediately on the next one.
pub async fn signal() {
    wait_for_signal().await;
    tracing::info!("shutdown signal received: draining (send it again to exit at once)");
    tokio::spawn(async {
        wait_for_signal().await;
        tracing::warn!("second signal: exiting now");
        std::process::exit(EXIT_SECOND_SIGNAL);
    });
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            tracing::error!("cannot install signal handlers; falling back to ctrl-c");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(windows)]
async fn wait_for_signal() {
    use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_shutdown};
    match (ctrl_c(), ctrl_break(), ctrl_close(), ctrl_shutdown()) {
        (Ok(mut c), Ok(mut brk), Ok(mut close), Ok(mut shutdown)) => {
            // Windows gives a console-close handler about 5 s before it ends the process:
            // draining starts at once and the grace period should be configured below that.
            tokio::select! {
                _ = c.recv() => {}
                _ = brk.recv() => {}
                _ = close.recv() => {}
                _ = shutdown.recv() => {}
            }
        }
        _ => {
            tracing::error!("cannot install console handlers; falling back to ctrl-c");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(any(unix, windows)))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
