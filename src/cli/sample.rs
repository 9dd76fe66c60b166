//! `journey sample`: write a deterministic Kentico-like activity export.

use crate::sample::{write_sample, Options};
use std::path::PathBuf;
use std::process::ExitCode;

/// Generate sample activity data in which the example journeys are meaningful.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey sample --rows 150000 --contacts 15000 --out journeys/data/sample.parquet\n  journey sample --rows 10000000 --contacts 1000000 --seed 7 --out bench/data/10m.parquet\n\nThe same options always write the same rows. The format follows the extension: .parquet, .csv, .json."
)]
pub struct Args {
    #[arg(long, default_value_t = 150_000)]
    rows: usize,
    #[arg(long, default_value_t = 15_000)]
    contacts: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let options = Options {
        rows: args.rows,
        contacts: args.contacts,
        seed: args.seed,
    };
    match write_sample(&options, &args.out) {
        Ok(rows) => {
            eprintln!(
                "wrote {} activities of {} contacts to {}",
                rows,
                args.contacts,
                args.out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(d) => {
            super::journeys::report(&d, None, crate::diagnostics::render::ErrorFormat::Human);
            Ok(ExitCode::FAILURE)
        }
    }
}
