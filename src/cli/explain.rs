//! `journey explain`: how a journey runs — the SQL, the optimized logical plan, the physical plan.

use super::journeys;
use crate::config::Config;
use crate::diagnostics::render::ErrorFormat;
use crate::run::{self, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Show the SQL and the DataFusion plans a journey runs as.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey explain journeys/small-business-loan.journey\n  journey explain loan.journey --data exports/ --config journey.toml\n\nThe data is needed for its schema (column names and types), not read."
)]
pub struct Args {
    /// A journey file.
    journey: PathBuf,
    /// Activity data, for its schema (default: data/ beside the journey).
    #[arg(long)]
    data: Option<String>,
    #[arg(long)]
    config: Option<PathBuf>,
    /// Show only the SQL.
    #[arg(long)]
    sql: bool,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let format = ErrorFormat::Human;
    let Some(loaded) = journeys::load_one(&args.journey, format)? else {
        return Ok(ExitCode::FAILURE);
    };
    let f = &loaded;
    let fail = |d: crate::diagnostics::Diagnostic, with_file: bool| {
        journeys::report(&d, with_file.then_some(f), format);
        Ok(ExitCode::FAILURE)
    };
    let (config, _) = match Config::find(args.config.as_deref(), &f.path) {
        Ok(c) => c,
        Err(d) => return fail(d, false),
    };
    let data = match journeys::data_path(args.data.as_deref(), &f.path)
        .and_then(|d| journeys::list_data(&d, &config))
    {
        Ok(d) => d,
        Err(d) => return fail(d, false),
    };
    let options = RunOptions {
        target_partitions: 2,
        ..RunOptions::of(data)
    };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let mut out = String::new();
    for j in &f.journeys {
        let text = super::guard(|| {
            runtime.block_on(async {
                let (ctx, data) = run::open(&options, &config).await?;
                let lowered = run::plan(&ctx, &data, &config, j, &options).await?;
                crate::lower::explain::explain(&ctx, &lowered, args.sql).await
            })
        });
        match text {
            Ok(t) => {
                out.push_str(&format!("journey \"{}\"\n\n{t}", j.name));
            }
            Err(d) => return fail(d, true),
        }
    }
    super::out::stdout(&out);
    Ok(ExitCode::SUCCESS)
}
