//! `journey explain-error CODE`: the documentation page of a diagnostic code.

use crate::diagnostics::codes::{lookup, CODES};
use crate::diagnostics::suggest::did_you_mean;
use std::process::ExitCode;

/// Explain a diagnostic code (like `rustc --explain`); without a code, list them all.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey explain-error J1002\n  journey explain-error          # list every code"
)]
pub struct Args {
    /// A code such as J1002 or W0001.
    code: Option<String>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let Some(code) = args.code else {
        for c in CODES {
            super::out::stdout(format!("{}  {}", c.code, c.title) + "\n");
        }
        return Ok(ExitCode::SUCCESS);
    };
    match lookup(&code) {
        Some(info) => {
            super::out::stdout(info.doc);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let hint = match did_you_mean(&code.to_ascii_uppercase(), CODES.iter().map(|c| c.code))
            {
                Some(c) => format!("; did you mean {c}?"),
                None => String::new(),
            };
            Err(format!(
                "unknown code `{code}`{hint} Run `journey explain-error` for the list."
            ))
        }
    }
}
