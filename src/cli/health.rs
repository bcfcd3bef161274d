//! `syntaxd health`: probe a running daemon's `/healthz` with a raw HTTP/1.1 GET (std only), for
//! container health checks. Exit 0 when the answer is 2xx.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};

/// Arguments of `syntaxd health`.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthArgs {
    /// URL to probe (plain http only).
    #[arg(long, default_value = "http://127.0.0.1:7878/healthz")]
    url: String,
    /// Timeout of the whole probe, in milliseconds.
    #[arg(long, default_value_t = 3000)]
    timeout_ms: u64,
}

/// Probes `args.url`; success when the status is 2xx.
///
/// # Errors
/// A malformed URL, a connection failure, a timeout or a non-2xx status.
pub fn run(args: &HealthArgs) -> anyhow::Result<ExitCode> {
    let status = probe(&args.url, Duration::from_millis(args.timeout_ms))?;
    if (200..300).contains(&status) {
        println!("ok ({status})");
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("{} answered {status}", args.url)
    }
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
    fn health_probe_rejects_non_http_urls() {
        let err = run(&HealthArgs {
            url: "https://127.0.0.1:1/healthz".to_string(),
            timeout_ms: 100,
        })
        .expect_err("https is not supported");
        assert!(err.to_string().contains("http://"), "{err}");
    }
}
