//! `syntaxd inventory`: regenerate (or print) LANGUAGE_INVENTORY.md and NOTICES from the
//! registry. A development command: run it from the repository root.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use syntaxd::language::{self, registry};

/// Arguments of `syntaxd inventory`.
#[derive(clap::Args)]
pub struct InventoryArgs {
    /// Write the files into this directory (default: print the inventory to stdout).
    #[arg(long)]
    write: Option<PathBuf>,
}

/// Prints the inventory, or writes it and NOTICES into `--write DIR`.
pub fn run(args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    let reg = registry();
    let manifest_dir = Path::new(".");
    let licenses = language::inventory::crate_licenses(manifest_dir, reg)?;
    let inventory = language::inventory::inventory_markdown(reg, &licenses);
    match &args.write {
        Some(dir) => {
            std::fs::write(dir.join("LANGUAGE_INVENTORY.md"), &inventory)?;
            std::fs::write(dir.join("NOTICES"), language::inventory::notices(&licenses))?;
            eprintln!(
                "wrote LANGUAGE_INVENTORY.md and NOTICES to {}",
                dir.display()
            );
        }
        None => print!("{inventory}"),
    }
    Ok(ExitCode::SUCCESS)
}
