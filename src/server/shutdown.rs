//! Shutdown signals: the first SIGTERM or SIGINT starts draining; a second one exits at once.

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

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
