//! Parse threads: the stack size parsing and tree handling need, and a helper that runs work
//! on a thread with that stack.
//!
//! # Measurement (tree-sitter 0.27.1, x86-64 Linux, release and dev profiles)
//!
//! tree-sitter 0.27's parser, `Tree` drop (`ts_subtree_release`), `Tree::edit`,
//! `changed_ranges` and `Node::to_sexp` all use explicit heap stacks, not recursion. Measured by
//! running parse + `to_sexp` + `changed_ranges` + drop of 100 000 nested brackets on threads of
//! decreasing stack size (`benches/parse.rs`, `stack` group; numbers in `docs/parsing.md`), the
//! work fits in 64 KiB for Python, C, JavaScript, JSON and Rust. Our own walks use `TreeCursor`
//! loops. The margin is for grammars' external scanners (C code we do not control, some of
//! which recurse) and for consumers that walk trees: [`PARSE_THREAD_STACK_BYTES`] is 8 MiB,
//! 128× the measured need and 4× Rust's default thread stack. The HTTP server's blocking pool
//! should use it too (`tokio::runtime::Builder::thread_stack_size`).

use std::any::Any;

use super::ParseError;

/// Stack size for threads that parse, edit, walk or drop syntax trees.
pub const PARSE_THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Run `work` on a fresh scoped thread named `syntaxd-parse` with [`PARSE_THREAD_STACK_BYTES`]
/// of stack, and return its result. `work` may borrow from the caller.
///
/// # Errors
/// `Internal` (with `language`) when the thread cannot be spawned or `work` panics; the panic
/// does not propagate.
pub fn run_on_parse_thread<R, F>(language: &'static str, work: F) -> Result<R, ParseError>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("syntaxd-parse".into())
            .stack_size(PARSE_THREAD_STACK_BYTES)
            .spawn_scoped(scope, work)
            .map_err(|_| ParseError::Internal {
                language,
                reason: "parse thread could not be spawned",
            })?;
        handle.join().map_err(|panic| {
            tracing::error!(
                language,
                panic = panic_message(&panic),
                "parse thread panicked"
            );
            ParseError::Internal {
                language,
                reason: "parse thread panicked",
            }
        })
    })
}

fn panic_message(panic: &Box<dyn Any + Send>) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_with_borrowed_data_and_returns_its_result() {
        let data = [1, 2, 3];
        let sum = run_on_parse_thread("test", || data.iter().sum::<i32>()).unwrap();
        assert_eq!(sum, 6);
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let err = run_on_parse_thread("test", || -> u8 { panic!("boom") }).unwrap_err();
        assert!(matches!(
            err,
            ParseError::Internal {
                language: "test",
                ..
            }
        ));
    }
}
