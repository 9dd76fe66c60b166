//! `journey contacts`: the contacts that reached a stage, or dropped off after it.

use super::journeys;
use crate::diagnostics::render::ErrorFormat;
use crate::diagnostics::Diagnostic;
use crate::report::contacts::{self, ListFormat};
use crate::run::{self, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// List the contacts that reached a stage (or dropped off after it), with their reach times.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey contacts journeys/small-business-loan.journey --stage 6\n  journey contacts loan.journey --stage 2 --dropped --format json --output follow-up.json\n\nA contact dropped off after stage N when it reached N and not N+1. The list is sorted by\ncontact; the columns are the contact, its depth and the time it reached each stage (UTC)."
)]
pub struct Args {
    /// A journey file.
    journey: PathBuf,
    /// The stage: its number (1 is the first) or its name.
    #[arg(long, value_name = "N|NAME")]
    stage: String,
    /// Only the contacts that reached the stage and not the next one.
    #[arg(long)]
    dropped: bool,
    /// Which journey of the file (needed when it holds several).
    #[arg(long = "journey", value_name = "NAME")]
    name: Option<String>,
    /// Activity data: file, folder, glob or store URL [default: the data/ folder beside the
    /// journey].
    #[arg(long)]
    data: Option<String>,
    /// The project file mapping columns and activity types (default: the nearest journey.toml,
    /// from the journey's folder up to the repository root).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Csv)]
    format: ListFormat,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// `--stage`: a number from 1, or a stage's name (as written, or in any case).
pub(super) fn stage_number(text: &str, j: &crate::check::hir::Journey) -> Result<usize, String> {
    let last = j.stages.len();
    if let Ok(n) = text.trim().parse::<usize>() {
        return if (1..=last).contains(&n) {
            Ok(n)
        } else {
            Err(format!("--stage must be between 1 and {last}"))
        };
    }
    let found = j.stages.iter().position(|s| s.name == text).or_else(|| {
        j.stages
            .iter()
            .position(|s| s.name.to_lowercase() == text.to_lowercase())
    });
    found.map(|k| k + 1).ok_or_else(|| {
        let names: Vec<String> = j
            .stages
            .iter()
            .enumerate()
            .map(|(k, s)| format!("{} \"{}\"", k + 1, s.name))
            .collect();
        format!(
            "no stage is named \"{text}\"; the stages are: {}",
            names.join(", ")
        )
    })
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let format = ErrorFormat::Human;
    let Some(loaded) = journeys::load_one(&args.journey, format)? else {
        return Ok(ExitCode::FAILURE);
    };
    let f = &loaded;
    let fail = |d: Diagnostic| {
        journeys::report(&d, Some(f), format);
        Ok(ExitCode::FAILURE)
    };
    let j = journeys::pick(f, args.name.as_deref())?;
    let last = j.stages.len();
    let stage = stage_number(&args.stage, j)?;
    if args.dropped && stage == last {
        return Err(format!(
            "stage {last} is the last: no contact drops off after it"
        ));
    }
    if args.format == ListFormat::Parquet && args.output.is_none() {
        return Err("--format parquet needs --output FILE".into());
    }
    let (config, data) =
        match journeys::config_and_data(args.config.as_deref(), args.data.as_deref(), &f.path) {
            Ok(x) => x,
            Err(d) => return fail(d),
        };
    let options = RunOptions {
        target_partitions: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        ..RunOptions::of(data)
    };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let all = match super::guard(|| runtime.block_on(run::contact_reaches(&options, &config, j))) {
        Ok(a) => a,
        Err(d) => return fail(d),
    };
    let optional: Vec<bool> = j.stages.iter().map(|s| s.optional).collect();
    let list = contacts::select(all, stage, args.dropped, &optional);
    let names: Vec<String> = j.stages.iter().map(|s| s.name.clone()).collect();
    let bytes = match contacts::render(&list, &names, args.format) {
        Ok(b) => b,
        Err(d) => return fail(d),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = crate::io::atomic::write_atomic(path, &bytes) {
                return fail(
                    Diagnostic::new("J5003", e).help("write to an existing, writable folder"),
                );
            }
            eprintln!("wrote {} contacts to {}", list.len(), path.display());
        }
        None => {
            super::out::stdout(&bytes);
        }
    }
    Ok(ExitCode::SUCCESS)
}
