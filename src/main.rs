//! The `syntaxd` binary: glue between the command line (`src/cli/`, one module per command) and
//! the library. See `syntaxd --help`.

#![forbid(unsafe_code)]

mod cli;

/// On Linux the process uses mimalloc: for Rust allocations here, and for the C code's `malloc`
/// through the crate's `override` feature (see Cargo.toml). It returns freed memory to the
/// system where glibc's per-thread arenas kept it.
#[cfg(target_os = "linux")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
