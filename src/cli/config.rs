//! `syntaxd config check|show`: validate a configuration file or print the effective one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use syntaxd::config::{Config, Overrides};

/// `syntaxd config ...`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file (with the environment applied); exit 1 naming the key.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
    /// Print the effective configuration (defaults < file < environment) as TOML.
    Show {
        /// The TOML file (also `SYNTAXD_CONFIG`).
        #[arg(long, value_name = "FILE", env = "SYNTAXD_CONFIG")]
        config: Option<PathBuf>,
    },
}

/// Runs `syntaxd config check|show`.
///
/// # Errors
/// An invalid configuration (the message names the key and the file).
pub fn run(command: ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Check { file } => {
            load(Some(&file))?;
            println!("{}: ok", file.display());
        }
        ConfigCommand::Show { config } => print!("{}", load(config.as_deref())?.to_toml()),
    }
    Ok(ExitCode::SUCCESS)
}

fn load(file: Option<&Path>) -> anyhow::Result<Config> {
    Ok(Config::load(file, std::env::vars(), &Overrides::default())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_files_pass_config_check() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let file = root.join("config/syntaxd.toml");
        assert!(Config::load(Some(&file), Vec::new(), &Overrides::default()).is_ok());
        assert_eq!(
            run(ConfigCommand::Check { file }).expect("valid"),
            ExitCode::SUCCESS
        );
        // The container's config reads its token from a secret file: valid with the secret
        // mounted (here moved by the environment), refused without it.
        let file = root.join("config/container.toml");
        assert!(Config::load(Some(&file), Vec::new(), &Overrides::default()).is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("token");
        std::fs::write(&secret, "s3cret\n").expect("write secret");
        let env = vec![(
            "SYNTAXD_SERVER_AUTH_TOKEN_FILE".to_string(),
            secret.display().to_string(),
        )];
        let config = Config::load(Some(&file), env, &Overrides::default()).expect("valid");
        assert_eq!(config.server.auth_token, "s3cret");
    }
}
