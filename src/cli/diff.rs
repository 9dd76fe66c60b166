//! `journey diff OLD NEW`: what changed in meaning between two journey files or git revisions.

use crate::diagnostics::render::render;
use std::path::Path;
use std::process::{Command, ExitCode};

/// Show what changed in meaning between two journey files or git revisions.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey diff old.journey new.journey\n  journey diff main:journeys/loan.journey journeys/loan.journey   # a git revision against the working tree\n  journey diff --format json origin/main:journeys/loan.journey journeys/loan.journey\n\nA side that is not a file is read as REVISION:PATH with `git show` (PATH from the repository\nroot, or ./PATH from the current folder).\n\nExit status: 0 when the two mean the same, 1 when they differ, 2 when a side cannot be read or\nhas errors."
)]
pub struct Args {
    /// The old journey file, or REVISION:PATH.
    old: String,
    /// The new journey file, or REVISION:PATH.
    new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Json,
}

const TROUBLE: u8 = 2;

pub fn run(args: Args) -> Result<ExitCode, String> {
    let mut sides = Vec::new();
    for arg in [&args.old, &args.new] {
        let source = match read(arg) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(TROUBLE));
            }
        };
        let (_, checked) = crate::check::check_source(&source);
        if checked.has_errors() {
            let errors: Vec<_> = checked
                .diagnostics
                .into_iter()
                .filter(|d| d.is_error())
                .collect();
            eprint!(
                "{}",
                render(
                    &errors,
                    arg,
                    &source,
                    super::default_error_format(),
                    super::stderr_color()
                )
            );
            eprintln!("error: {arg} has errors; fix them before comparing meanings");
            return Ok(ExitCode::from(TROUBLE));
        }
        sides.push((checked.journeys, checked.tests));
    }
    let mut diff = crate::diff::diff(&sides[0].0, &sides[1].0);
    crate::diff::tests::add(
        &mut diff,
        (&sides[0].0, &sides[0].1),
        (&sides[1].0, &sides[1].1),
    );
    match args.format {
        DiffFormat::Text => super::out::stdout(crate::diff::text(&diff, &args.old, &args.new)),
        DiffFormat::Json => {
            #[derive(serde::Serialize)]
            struct Out<'a> {
                old: &'a str,
                new: &'a str,
                #[serde(flatten)]
                diff: &'a crate::diff::Diff,
            }
            let json = Out {
                old: &args.old,
                new: &args.new,
                diff: &diff,
            };
            super::out::stdout(
                serde_json::to_string_pretty(&json).map_err(|e| e.to_string())? + "\n",
            );
        }
    }
    Ok(if diff.equal {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A file's text, or, when there is no such file, `REVISION:PATH` through `git show`.
fn read(arg: &str) -> Result<String, String> {
    let path = Path::new(arg);
    if path.exists() {
        return super::files::read_text(path);
    }
    let Some((rev, file)) = arg.split_once(':').filter(|(rev, _)| !rev.is_empty()) else {
        return Err(format!("{arg}: no such file"));
    };
    let output = Command::new("git")
        .args(["show", &format!("{rev}:{file}")])
        .output()
        .map_err(|e| format!("{arg}: no such file, and git could not be started: {e}"))?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "{arg}: no such file, and git cannot read it as REVISION:PATH: {}",
            why.trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("{arg}: not UTF-8 text"))
}
