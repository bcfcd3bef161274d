//! Compiling a query text in a child process before compiling it in ours.
//!
//! tree-sitter's query compiler is C: on some malformed texts it fails an assertion and aborts
//! the whole process (the `http` fuzz target found one; `shape.rs` refuses that construct, but
//! the compiler has many more assertions). The daemon therefore compiles each query text it
//! has not seen before once in a child (`syntaxd query-check --language ID`, the text on
//! standard input): a crash costs the child, and the text is refused with
//! [`QueryError::Unsupported`] and remembered; a child that runs past the compile timeout is
//! killed and the text refused with [`QueryError::CompileTimeout`]. Only a text that compiled
//! (or failed with an ordinary syntax error) in the child is compiled here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::QueryError;

/// What a compile in the child process showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The child exited normally: the text compiles, or fails with an ordinary error that the
    /// in-process compile reports. Safe to compile here.
    Safe,
    /// The child was killed by a signal (tree-sitter aborted or crashed on the text).
    Crashed(String),
    /// The child was still compiling after the timeout and was killed.
    TimedOut(Duration),
    /// The child could not be run (the program is missing, or spawning failed).
    Unavailable(String),
}

/// Runs the compile of a query text in a child process: `PROGRAM query-check --language ID`.
#[derive(Debug, Clone)]
pub struct CompileCheck {
    program: PathBuf,
}

/// How often a running child is polled for its exit.
const POLL: Duration = Duration::from_millis(1);

impl CompileCheck {
    /// A check that runs `program` (a `syntaxd` binary).
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
        }
    }

    /// The program run for each check.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Compiles `text` for `language_id` in a child, waiting at most `timeout`.
    pub fn check(&self, language_id: &str, text: &str, timeout: Duration) -> CheckOutcome {
        let started = Instant::now();
        let child = Command::new(&self.program)
            .args(["query-check", "--language", language_id])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(e) => {
                return CheckOutcome::Unavailable(format!(
                    "cannot run {}: {e}",
                    self.program.display()
                ));
            }
        };
        // A child that dies before reading all of its input closes the pipe (EPIPE): its exit
        // status below tells what happened.
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    if status.code().is_some() {
                        return CheckOutcome::Safe;
                    }
                    return CheckOutcome::Crashed(describe_signal(&status));
                }
                Ok(None) if started.elapsed() >= timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return CheckOutcome::TimedOut(started.elapsed());
                }
                Ok(None) => std::thread::sleep(POLL),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return CheckOutcome::Unavailable(format!("waiting for the check: {e}"));
                }
            }
        }
    }
}

#[cfg(unix)]
fn describe_signal(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(signal) => format!("the compiler was killed by signal {signal}"),
        None => format!("the compiler ended without an exit code ({status})"),
    }
}

#[cfg(not(unix))]
fn describe_signal(status: &std::process::ExitStatus) -> String {
    format!("the compiler ended without an exit code ({status})")
}

/// The error for a text whose compile crashed the child.
pub(crate) fn crashed() -> QueryError {
    QueryError::Unsupported {
        construct: "text that crashes tree-sitter's query compiler",
    }
}
