//! `syntaxd serve` as a standalone example binary (same arguments), for load tests before the
//! subcommand is wired into `src/main.rs`: `cargo run --release --example serve -- --listen ...`.

use clap::Parser;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    serve: syntaxd::server::cli::ServeArgs,
}

fn main() -> std::process::ExitCode {
    match syntaxd::server::cli::run_serve(Args::parse().serve) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("syntaxd: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
