//! Shared helpers of the server tests: an in-process daemon on 127.0.0.1:0 with its own
//! cache directory, and small HTTP helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use syntaxd::config::{Config, Overrides};
use syntaxd::parse::PARSE_THREAD_STACK_BYTES;
use syntaxd::server::{AppState, run};

/// A daemon running in this process.
pub struct Server {
    pub addr: SocketAddr,
    pub client: reqwest::blocking::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub dir: tempfile::TempDir,
}

/// The defaults, with `edit` applied, on an ephemeral loopback port.
pub fn config(edit: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::load(None, Vec::new(), &Overrides::default()).expect("defaults load");
    c.server.listen = "127.0.0.1:0".to_string();
    c.log.level = "warn".to_string();
    // New query texts are compiled in a child of the real binary first, as under `serve`.
    c.query.compile_check_program = env!("CARGO_BIN_EXE_syntaxd").to_string();
    edit(&mut c);
    c
}

impl Server {
    /// Starts a daemon with `config` (its cache in a fresh temporary directory).
    pub fn start(config: Config) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::start_in(config, dir)
    }

    /// Starts a daemon whose cache lives in `dir`.
    pub fn start_in(mut config: Config, dir: tempfile::TempDir) -> Server {
        config.cache.dir = dir.path().join("cache").display().to_string();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .thread_stack_size(PARSE_THREAD_STACK_BYTES)
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let state = AppState::open(config).expect("cache opens");
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                run(listener, state, async {
                    let _ = shutdown_rx.await;
                })
                .await;
            });
            runtime.shutdown_timeout(Duration::from_millis(100));
        });
        let addr = addr_rx.recv().expect("server starts");
        Server {
            addr,
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.client.get(self.url(path)).send().expect("GET")
    }

    pub fn post(&self, path: &str, body: serde_json::Value) -> reqwest::blocking::Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .expect("POST")
    }

    pub fn post_json(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        json_of(self.post(path, body))
    }

    /// Starts shutdown (as a signal would).
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Shuts down and waits for `run` to return; returns the cache directory.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.begin_shutdown();
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.dir, dir)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.begin_shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Status and JSON body.
pub fn json_of(r: reqwest::blocking::Response) -> (u16, serde_json::Value) {
    let status = r.status().as_u16();
    let text = r.text().expect("body");
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, value)
}

/// The `error.code` of an error body.
pub fn code(v: &serde_json::Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// A parse request held in flight inside the daemon: its content makes the parse sleep
/// (`syntaxd::parse::test_hooks::SLEEP_MARKER`, compiled into test builds of the library and
/// the binary), so it holds an admission permit and a parser for about `millis` ms. The whole
/// request is sent at once: a body that is still arriving holds no permit (it is read before
/// admission).
pub struct SlowRequest {
    stream: TcpStream,
}

impl SlowRequest {
    pub fn start(addr: SocketAddr, millis: u64) -> SlowRequest {
        let content = format!(
            "{}{millis}\ndef f():\n    pass\n",
            syntaxd::parse::test_hooks::SLEEP_MARKER
        );
        let body = serde_json::to_vec(&serde_json::json!({
            "content": content,
            "language": "python",
        }))
        .expect("serialise");
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        write!(
            stream,
            "POST /v1/parse HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .expect("write head");
        stream.write_all(&body).expect("write body");
        stream.flush().expect("flush");
        // Admitted and running once the daemon counts its blocking work (the body is read
        // before admission, so a request sent right after this one could otherwise be
        // admitted first).
        let metrics = format!("http://{addr}/metrics");
        let running = || {
            reqwest::blocking::get(&metrics)
                .and_then(|r| r.text())
                .is_ok_and(|text| {
                    text.lines().any(|l| {
                        l.strip_prefix("syntaxd_http_blocking_jobs ")
                            .and_then(|v| v.trim().parse::<f64>().ok())
                            .is_some_and(|v| v >= 1.0)
                    })
                })
        };
        assert!(eventually(running), "the slow request never started");
        SlowRequest { stream }
    }

    /// Waits for the answer and returns (status, body).
    pub fn finish(mut self) -> (u16, String) {
        let mut out = String::new();
        let _ = self.stream.read_to_string(&mut out);
        let status = out
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
        (status, body)
    }
}

/// Waits until `f` holds (the daemon's state changes asynchronously), at most 10 s.
pub fn eventually(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// About 1 000 lines of Python with functions and classes.
pub fn python_source(functions: usize) -> String {
    let mut s = String::from("import os\n\n");
    for i in 0..functions {
        s.push_str(&format!(
            "class C{i}:\n    def method_{i}(self, x):\n        return x + {i}\n\n\ndef func_{i}(a, b):\n    total = a * b\n    for k in range(10):\n        total += k\n    return total\n\n"
        ));
    }
    s
}

/// The base URL (`http://127.0.0.1:PORT`) a spawned `syntaxd serve` printed on its stdout; the
/// rest of its stdout is drained in the background so the child never blocks on a full pipe.
pub fn listening_url(child: &mut std::process::Child) -> String {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("daemon printed its address")
            .expect("read");
        if let Some((_, url)) = line.split_once("syntaxd listening on ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    url
}

/// The value of the sample `name` (with its labels, e.g. `m{k="v"}`) on `/metrics`.
pub fn gauge(s: &Server, name: &str) -> Option<f64> {
    let text = s.get("/metrics").text().expect("metrics");
    text.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}
