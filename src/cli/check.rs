//! `journey check`: parse and check journey files, report every diagnostic.

use crate::diagnostics::render::{render, ErrorFormat};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check journey files for errors and warnings.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey check journeys/\n  journey check --deny-warnings journeys/loan.journey\n  journey check --error-format json journeys/ > diagnostics.jsonl\n\nExit status: 0 when clean (warnings allowed), 1 on any error, or on warnings with --deny-warnings."
)]
pub struct Args {
    /// Journey files, or folders searched for *.journey files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// How to print diagnostics (json goes to standard output, one object per line).
    #[arg(long, value_enum, default_value_t = super::default_error_format())]
    error_format: ErrorFormat,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let files = super::files::journey_files(&args.paths)?;
    if files.is_empty() {
        return Err("no .journey files found".into());
    }
    let color = super::stderr_color();
    let (mut errors, mut warnings, mut journeys) = (0, 0, 0);
    for path in &files {
        let name = path.display().to_string();
        let source = match super::files::read_text(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                errors += 1;
                continue;
            }
        };
        let (parsed, checked) = crate::check::check_source(&source);
        let diags = checked.diagnostics;
        journeys += parsed.file.journeys.len();
        errors += diags.iter().filter(|d| d.is_error()).count();
        warnings += diags.iter().filter(|d| !d.is_error()).count();
        let text = render(&diags, &name, &source, args.error_format, color);
        if args.error_format == ErrorFormat::Json {
            print!("{text}");
        } else {
            eprint!("{text}");
        }
    }
    if args.error_format != ErrorFormat::Json {
        eprintln!(
            "checked {} {}: {} {}, {}, {}",
            files.len(),
            plural(files.len(), "file", "files"),
            journeys,
            plural(journeys, "journey", "journeys"),
            count(errors, "error", "errors"),
            count(warnings, "warning", "warnings"),
        );
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        _ => format!("{n} {}", plural(n, one, many)),
    }
}
