//! The daemon's commands: `syntaxd serve`, `syntaxd health` (the container's HEALTHCHECK,
//! std only) and `syntaxd config check|show`. `src/main.rs` wires them into its clap enum.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::config::{Config, Overrides};
use crate::parse::PARSE_THREAD_STACK_BYTES;

/// `syntaxd serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on (`server.listen`, default 127.0.0.1:7878).
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Cache directory (`cache.dir`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Configuration file (TOML; also `SYNTAXD_CONFIG`).
    #[arg(long, value_name = "FILE", env = "SYNTAXD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format: `pretty` or `json` (`log.format`).
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

/// `syntaxd health`.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthArgs {
    /// URL to probe (plain http only).
    #[arg(long, default_value = "http://127.0.0.1:7878/healthz")]
    pub url: String,
    /// Timeout of the whole probe, in milliseconds.
    #[arg(long, default_value_t = 3000)]
    pub timeout_ms: u64,
}

/// `syntaxd config ...`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file (with the environment applied); exit 1 naming the key.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
    /// Print the effective configuration (defaults < file < environment) as TOML.
    Show {
        /// The TOML file (also `SYNTAXD_CONFIG`).
        #[arg(long, value_name = "FILE", env = "SYNTAXD_CONFIG")]
        config: Option<PathBuf>,
    },
}

/// Runs the daemon until SIGTERM/SIGINT. A bad configuration fails before any port is bound.
///
/// # Errors
/// Invalid configuration, an unopenable cache, an unbindable address.
pub fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        listen: args.listen,
        cache_dir: args.cache_dir,
        log_format: args.log_format,
    };
    let config = Config::load(args.config.as_deref(), std::env::vars(), &overrides)?;
    crate::telemetry::init_tracing(&config.log.format, &config.log.level)?;
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
        let state = tokio::task::spawn_blocking(move || super::AppState::open(config))
            .await
            .context("startup task failed")?
            .context("cannot open the cache")?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (server.listen)"))?;
        let local = listener.local_addr()?;
        // One line on stdout for scripts and tests that start on port 0.
        println!("syntaxd listening on http://{local}");
        let _ = std::io::stdout().flush();
        super::run(listener, state, super::shutdown::signal()).await;
        anyhow::Ok(())
    });
    // Parses that overran the grace period must not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Probes `args.url` with a raw HTTP/1.1 GET; success when the status is 2xx.
///
/// # Errors
/// A malformed URL, a connection failure, a timeout or a non-2xx status.
pub fn run_health(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let status = probe(&args.url, Duration::from_millis(args.timeout_ms))?;
    if (200..300).contains(&status) {
        println!("ok ({status})");
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("{} answered {status}", args.url)
    }
}

/// Runs `syntaxd config check|show`.
///
/// # Errors
/// An invalid configuration (the message names the key and the file).
pub fn run_config(command: ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Check { file } => {
            load(Some(&file))?;
            println!("{}: ok", file.display());
        }
        ConfigCommand::Show { config } => print!("{}", load(config.as_deref())?.to_toml()),
    }
    Ok(ExitCode::SUCCESS)
}

fn load(file: Option<&Path>) -> anyhow::Result<Config> {
    Ok(Config::load(file, std::env::vars(), &Overrides::default())?)
}

/// The status code of `GET url`, std only.
fn probe(url: &str, timeout: Duration) -> anyhow::Result<u16> {
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("`{url}` is not an http:// URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let with_port = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve `{authority}`"))?
        .next()
        .with_context(|| format!("`{authority}` resolves to no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nUser-Agent: syntaxd-health\r\n\r\n"
    )?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf).context("no answer")?;
        if n == 0 || head.len() > 8192 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .with_context(|| format!("not an HTTP answer from {addr}"))?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_files_pass_config_check() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let file = root.join("config/syntaxd.toml");
        assert!(Config::load(Some(&file), Vec::new(), &Overrides::default()).is_ok());
        assert_eq!(
            run_config(ConfigCommand::Check { file }).expect("valid"),
            ExitCode::SUCCESS
        );
        // The container's config reads its token from a secret file: valid with the secret
        // mounted (here moved by the environment), refused without it.
        let file = root.join("config/container.toml");
        assert!(Config::load(Some(&file), Vec::new(), &Overrides::default()).is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("token");
        std::fs::write(&secret, "s3cret\n").expect("write secret");
        let env = vec![(
            "SYNTAXD_SERVER_AUTH_TOKEN_FILE".to_string(),
            secret.display().to_string(),
        )];
        let config = Config::load(Some(&file), env, &Overrides::default()).expect("valid");
        assert_eq!(config.server.auth_token, "s3cret");
    }

    #[test]
    fn health_probe_rejects_non_http_urls() {
        let err = run_health(HealthArgs {
            url: "https://127.0.0.1:1/healthz".to_string(),
            timeout_ms: 100,
        })
        .expect_err("https is not supported");
        assert!(err.to_string().contains("http://"), "{err}");
    }
}
