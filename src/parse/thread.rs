//! Parse threads: the stack size parsing and tree handling need, and a helper that runs work
//! on a thread with that stack.
//!
//! # Measurement (tree-sitter 0.27.1, x86-64 Linux, release profile)
//!
//! tree-sitter 0.27's parser, `Tree` drop (`ts_subtree_release`), `Tree::edit`,
//! `changed_ranges` and `Node::to_sexp` all use explicit heap stacks, not recursion. The stack
//! probe of `benches/parse.rs` runs parse, `Tree::edit`, incremental reparse, `changed_ranges`,
//! `to_sexp` and drop of 100 000 nested brackets in a child process on threads of 16 KiB,
//! 32 KiB, … and reports the smallest that does not overflow: **16 KiB** (the smallest stack a
//! Linux thread can have) for Python, C, JavaScript, JSON and Rust. Its control — a naive
//! recursive walk of the same Python tree — needs **16 MiB**, which is why every walk here is a
//! `TreeCursor` loop. [`PARSE_THREAD_STACK_BYTES`] is 8 MiB: 512× the measured need, left for
//! grammars' external scanners (C code we do not control, some of which recurse) and for
//! consumers that walk trees. `tests/engine/parse_hostile.rs` re-checks 100k nesting on a 256 KiB
//! thread. The HTTP server's blocking pool should use this size too
//! (`tokio::runtime::Builder::thread_stack_size`).

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
