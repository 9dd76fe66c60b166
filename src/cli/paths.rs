//! `journey paths`: what contacts did next after a stage, for those who went on and those who
//! dropped off.

use super::journeys;
use crate::diagnostics::render::ErrorFormat;
use crate::diagnostics::Diagnostic;
use crate::run::{self, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// The most common next activities after a stage.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey paths journeys/small-business-loan.journey --after-stage 2\n  journey paths loan.journey --after-stage \"Requested case study\" --dropped --top 5\n  journey paths loan.journey --after-stage 2 --format json\n\nA contact's next activity is its first activity in scope strictly after the time it reached\nthe stage (the earliest, then the lowest activity id), named by its type and its page, form or\nemail. A contact went on when its deepest stage is beyond the stage, and dropped off when the\nstage is its deepest."
)]
pub struct Args {
    /// A journey file.
    journey: PathBuf,
    /// The stage: its number (1 is the first) or its name.
    #[arg(long, value_name = "N|NAME")]
    after_stage: String,
    /// Only the contacts that dropped off after the stage.
    #[arg(long)]
    dropped: bool,
    /// How many next activities to list per group; the rest are counted as "(other)".
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Which journey of the file (needed when it holds several).
    #[arg(long = "journey", value_name = "NAME")]
    name: Option<String>,
    /// Activity data: file, folder, glob or store URL [default: the data/ folder beside the
    /// journey].
    #[arg(long)]
    data: Option<String>,
    /// The project file mapping columns and activity types (default: the nearest journey.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PathsFormat::Table)]
    format: PathsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PathsFormat {
    Table,
    Json,
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
    let stage = super::contacts::stage_number(&args.after_stage, j)
        .map_err(|e| e.replace("--stage", "--after-stage"))?;
    if args.top == 0 {
        return Err("--top must be at least 1".into());
    }
    let (config, data) =
        match journeys::config_and_data(args.config.as_deref(), args.data.as_deref(), &f.path) {
            Ok(x) => x,
            Err(d) => return fail(d),
        };
    let options = RunOptions {
        target_partitions: super::run::default_partitions() as usize,
        ..RunOptions::of(data)
    };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let paths = match super::guard(|| {
        runtime.block_on(run::paths::next_activities(
            &options, &config, j, stage, args.top,
        ))
    }) {
        Ok(p) => p,
        Err(d) => return fail(d),
    };
    match args.format {
        PathsFormat::Table => super::out::stdout(crate::report::paths::text(
            &paths,
            args.dropped,
            crate::report::output_width(),
        )),
        PathsFormat::Json => {
            let value = if args.dropped {
                serde_json::json!({
                    "journey": paths.journey, "after_stage": paths.after_stage,
                    "stage_name": paths.stage_name, "dropped": paths.dropped,
                })
            } else {
                serde_json::to_value(&paths).map_err(|e| e.to_string())?
            };
            super::out::stdout(
                serde_json::to_string_pretty(&value).map_err(|e| e.to_string())? + "\n",
            )
        }
    }
    Ok(ExitCode::SUCCESS)
}
