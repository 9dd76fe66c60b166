//! `journey report`: run journeys and write the self-contained HTML report.

use crate::report::Format;
use std::process::ExitCode;

/// Run journeys and write a self-contained HTML report with charts.
///
/// The page holds the funnel chart, the table, time to convert, breakdown and trend charts, the
/// journey source and where the data came from.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey report journeys/small-business-loan.journey --output report.html\n  journey report journeys/ --data exports/activities.parquet --output funnels.html\n\nThe page needs no network: open it in any browser, send it, or print it."
)]
pub struct Args {
    #[command(flatten)]
    common: super::run::Common,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    Ok(
        match super::run::execute(&args.common, Format::Html, false)? {
            Some(_) => ExitCode::SUCCESS,
            None => ExitCode::FAILURE,
        },
    )
}
