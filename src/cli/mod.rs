//! The `journey` command line: one subcommand per file in this folder, each a thin layer over
//! the library's pipeline stages.

mod check;
mod explain_error;
pub mod files;
mod fmt;

use crate::diagnostics::render::ErrorFormat;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "journey",
    version,
    about = "Customer journeys as code: check, format and run .journey files",
    after_help = "Examples:\n  journey check journeys/\n  journey fmt --check journeys/\n  journey explain-error J1002"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Fmt(fmt::Args),
    ExplainError(explain_error::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::ExplainError(a) => explain_error::run(a),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Colour for human output: only on a terminal, and never with NO_COLOR set.
pub(crate) fn stderr_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

pub(crate) fn default_error_format() -> ErrorFormat {
    ErrorFormat::Human
}
