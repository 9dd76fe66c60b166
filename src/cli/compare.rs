//! `journey compare BASELINE.json CURRENT.json`: per-stage deltas between two runs' results.

use crate::report::compare::{self, Comparison};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Show per-stage deltas between two results files (`journey run --format json`).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey compare baseline.json current.json\n  journey compare baseline.json current.json --fail-over 10   # in CI: exit 1 if a stage moved more than 10%\n  journey run journeys/loan.journey --compare baseline.json    # run, then compare with a baseline\n\nExit status: 0, or 1 when --fail-over is given and a stage's count moved by more than PCT\npercent (or a stage was added or removed); 2 when a file cannot be read."
)]
pub struct Args {
    /// The baseline results (`journey run --format json --output FILE`).
    baseline: PathBuf,
    /// The results to compare with the baseline.
    current: PathBuf,
    #[command(flatten)]
    options: CompareOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    format: CompareFormat,
}

#[derive(clap::Args, Clone)]
pub struct CompareOptions {
    /// Fail (exit 1) when a stage's contact count moved by more than PCT percent.
    #[arg(long, value_name = "PCT", value_parser = percent)]
    pub fail_over: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    Text,
    Json,
}

fn percent(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{s}` is not a number of percent"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("`{s}` must be 0 or more"))
    }
}

const TROUBLE: u8 = 2;

pub fn run(args: Args) -> Result<ExitCode, String> {
    let read = |p: &Path| -> Result<_, String> {
        let text = super::files::read_text(p)?;
        compare::read_results(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let (baseline, current) = match (read(&args.baseline), read(&args.current)) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(TROUBLE));
        }
    };
    let c = compare::compare(&baseline, &current, args.options.fail_over);
    show(&c, args.format)
}

/// Print a comparison and turn it into the exit code.
pub fn show(c: &Comparison, format: CompareFormat) -> Result<ExitCode, String> {
    match format {
        CompareFormat::Text => super::out::stdout(compare::text(c, 80)),
        CompareFormat::Json => {
            super::out::stdout(serde_json::to_string_pretty(c).map_err(|e| e.to_string())? + "\n")
        }
    }
    Ok(if c.flagged > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The baseline of `journey run --compare`.
pub fn baseline(path: &Path) -> Result<Vec<crate::run::results::JourneyResult>, String> {
    let text = super::files::read_text(path)?;
    compare::read_results(&text).map_err(|e| format!("{}: {e}", path.display()))
}
