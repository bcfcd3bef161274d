//! `syntaxd serve`: run the daemon until SIGTERM/SIGINT (Ctrl-C / console close on Windows).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use syntaxd::config::{Config, Overrides};
use syntaxd::parse::PARSE_THREAD_STACK_BYTES;
use syntaxd::server::{self, AppState};

/// Arguments of `syntaxd serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on (`server.listen`, default 127.0.0.1:7878).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Cache directory (`cache.dir`).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Configuration file (TOML; also `SYNTAXD_CONFIG`).
    #[arg(long, value_name = "FILE", env = "SYNTAXD_CONFIG")]
    config: Option<PathBuf>,
    /// Log format: `pretty` or `json` (`log.format`).
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Open a workspace of DIR at start (repeatable); DIR is added to
    /// `workspace.allowed_roots`.
    #[arg(long, value_name = "DIR")]
    workspace: Vec<PathBuf>,
}

/// Runs the daemon until a shutdown signal. A bad configuration fails before any port is bound.
///
/// # Errors
/// Invalid configuration, an unopenable cache, an unbindable address.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        listen: args.listen,
        cache_dir: args.cache_dir,
        log_format: args.log_format,
    };
    let mut config = Config::load(args.config.as_deref(), std::env::vars(), &overrides)?;
    if config.query.compile_check_program.is_empty() {
        // New query texts are compiled in a child of this very binary first (`query-check`).
        if let Ok(exe) = std::env::current_exe() {
            config.query.compile_check_program = exe.to_string_lossy().into_owned();
        }
    }
    let mut workspaces = Vec::with_capacity(args.workspace.len());
    for dir in &args.workspace {
        let dir =
            std::path::absolute(dir).with_context(|| format!("--workspace {}", dir.display()))?;
        config
            .workspace
            .allowed_roots
            .push(dir.display().to_string());
        workspaces.push(dir);
    }
    syntaxd::telemetry::init_tracing(&config.log.format, &config.log.level)?;
    let addr = config.listen_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("syntaxd-worker")
        .max_blocking_threads(config.blocking_threads())
        // Blocking threads parse and walk trees: give them the parse stack.
        .thread_stack_size(PARSE_THREAD_STACK_BYTES)
        .build()
        .context("cannot start the tokio runtime")?;
    let result = runtime.block_on(async move {
        let state = tokio::task::spawn_blocking(move || -> anyhow::Result<AppState> {
            let state = AppState::open(config).context("cannot open the cache")?;
            for dir in &workspaces {
                state
                    .workspaces()
                    .open(dir)
                    .with_context(|| format!("--workspace {}", dir.display()))?;
            }
            Ok(state)
        })
        .await
        .context("startup task failed")??;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (server.listen)"))?;
        let local = listener.local_addr()?;
        // One line on stdout for scripts and tests that start on port 0.
        println!("syntaxd listening on http://{local}");
        let _ = std::io::stdout().flush();
        server::run(listener, state, server::shutdown::signal()).await;
        anyhow::Ok(())
    });
    // Parses that overran the grace period must not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result?;
    Ok(ExitCode::SUCCESS)
}
