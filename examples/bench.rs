//! Runs `syntaxd bench` without the CLI: the same arguments, the same output.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo run --release --no-default-features \
//!     --features core-langs --example bench -- --json --baseline [--corpus DIR]
//! ```

use std::process::ExitCode;

use clap::Parser;
use syntaxd::bench::{BenchArgs, render, run_bench};

/// `syntaxd bench` as a standalone example.
#[derive(Parser)]
#[command(
    name = "bench",
    about = "Measure parse, bytecode and incremental figures on a corpus"
)]
struct Cli {
    #[command(flatten)]
    bench: BenchArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run_bench(&cli.bench) {
        Ok(report) => {
            if cli.bench.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("bench: cannot serialise the report: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", render(&report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
