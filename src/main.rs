//! The `syntaxd` binary: glue between the command line (`src/cli/`, one module per command) and
//! the library. See `syntaxd --help`.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
