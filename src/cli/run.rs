//! `journey run`: run journeys over an activity export and print or write the funnel.

use super::journeys::{self, Loaded};
use crate::config::Config;
use crate::diagnostics::render::ErrorFormat;
use crate::report::{self, Format};
use crate::run::{self, RunOptions, Source};
use std::path::PathBuf;
use std::process::ExitCode;

/// Run journeys over activity data and show the funnel.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey run journeys/small-business-loan.journey                 # the bundled sample data\n  journey run journeys/ --data exports/activities.parquet\n  journey run loan.journey --data 'exports/2025-*.csv' --format json --output loan.json\n  journey run loan.journey --by utm_source --top 5\n  journey run loan.journey --compare baseline.json --fail-over 10\n  journey run loan.journey --compare-period previous    # the period before the journey's own\n\nData: a Parquet, CSV, NDJSON or Arrow IPC file, a folder of them, or a glob. Without --data,\nthe data/ folder beside the journey is used. Columns are mapped by the nearest journey.toml (from\nthe journey's folder up to the repository root, or --config); see docs/data.md."
)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write one result per journey (JSON and Parquet) and a summary (CSV and Parquet) into
    /// this folder, from one scan; a journey that fails does not stop the others.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["compare", "output"])]
    output_dir: Option<PathBuf>,
    /// Compare with a baseline (`--format json` results of an earlier run): standard output
    /// shows the per-stage deltas; --output still receives the results.
    #[arg(long, value_name = "BASELINE.json")]
    compare: Option<PathBuf>,
    /// Compare with the same journeys over the period of equal length just before their own
    /// `period` (standard output shows the per-stage deltas, as with --compare).
    #[arg(long, value_enum, value_name = "WHICH", conflicts_with_all = ["compare", "output_dir"])]
    compare_period: Option<PeriodArg>,
    #[command(flatten)]
    compare_options: super::compare::CompareOptions,
    /// Exit 1 (after printing the results) when a stage with a KPI reached fewer contacts than
    /// its KPI, naming the stages on standard error: for scheduled checks.
    #[arg(long)]
    fail_under_kpi: bool,
}

/// What `journey run` and `journey report` share: the journeys, the data and how to run.
#[derive(clap::Args)]
pub struct Common {
    /// Journey files or folders.
    #[arg(required = true)]
    pub(super) journeys: Vec<PathBuf>,
    /// Activity data: file, folder or glob.
    #[arg(long)]
    pub(super) data: Option<String>,
    /// The project file mapping columns and activity types (default: the nearest journey.toml,
    /// from the journey's folder up to the repository root).
    #[arg(long)]
    pub(super) config: Option<PathBuf>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub(super) output: Option<PathBuf>,
    /// Worker threads / partitions, 1 to 256 (results never depend on it) [default: the
    /// machine's available parallelism].
    #[arg(long, default_value_t = default_partitions(), hide_default_value = true, value_parser = clap::value_parser!(u16).range(1..=MAX_PARTITIONS))]
    pub(super) partitions: u16,
    /// The funnel per day, week or month of stage-1 time (overrides the journey's `trend`).
    #[arg(long, value_enum)]
    trend: Option<TrendArg>,
    /// Break every journey down by this column's value on the stage-1 activity (overrides the
    /// journey's `by`).
    #[arg(long, value_name = "COLUMN")]
    pub(super) by: Option<String>,
    /// With `--by`: take the value from the activity that completed stage N instead of stage 1
    /// (contacts that did not reach it are "(not reached)"), or from the deepest stage reached
    /// (`last`).
    #[arg(long, value_name = "N|last", requires = "by", value_parser = parse_by_from)]
    pub(super) by_from: Option<crate::check::hir::ByFrom>,
    /// With a breakdown: how many values to show; the rest are merged into "other".
    #[arg(long, value_name = "N", default_value_t = run::DEFAULT_TOP as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub(super) top: u64,
    /// Print the time of each phase and the rows scanned and matched, on standard error.
    #[arg(long)]
    pub(super) timings: bool,
    /// Rows that cannot count (no contact id, or a missing or unreadable time): fail (the
    /// default), or skip them and report how many were skipped, by reason.
    #[arg(long, value_enum, default_value_t = BadRows::Fail)]
    on_bad_rows: BadRows,
    /// A column a journey needs that some files lack: fail (the default), or read it as NULL
    /// there and say how many files and rows (overrides journey.toml's `[data]
    /// missing_columns`).
    #[arg(long, value_enum, value_name = "error|null")]
    pub(super) missing_columns: Option<crate::config::MissingColumns>,
    /// Bound the memory the run holds (256MiB, 2GiB, …): what does not fit is sorted to disk
    /// and read back, and a contact with many activities is searched as they stream by; where a
    /// journey must hold a contact's activities at once and they do not fit, J5006 (overrides
    /// journey.toml's `[run] memory_limit`) [default: no limit].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(super) memory_limit: Option<u64>,
    /// Run on the Apache Ballista cluster whose scheduler is at df://HOST:PORT (see
    /// docs/cluster.md); the data must be where every executor can read it.
    #[arg(long, value_name = "df://HOST:PORT", conflicts_with_all = ["memory_limit", "timings"])]
    pub(super) cluster: Option<String>,
    /// A progress bar on standard error: on a terminal only (auto), always, or never.
    #[arg(long, value_enum, default_value_t = super::progress::When::Auto)]
    pub(super) progress: super::progress::When,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub(super) error_format: ErrorFormat,
}

impl Common {
    /// The run `journey serve` makes of its own arguments, everything else as `journey run`'s
    /// defaults.
    pub(super) fn serving(
        journeys: Vec<PathBuf>,
        data: Option<String>,
        config: Option<PathBuf>,
        partitions: u16,
        by: Option<String>,
    ) -> Common {
        Common {
            journeys,
            data,
            config,
            output: None,
            partitions,
            trend: None,
            by,
            by_from: None,
            top: run::DEFAULT_TOP as u64,
            timings: false,
            on_bad_rows: BadRows::Fail,
            missing_columns: None,
            memory_limit: None,
            cluster: None,
            progress: super::progress::When::Never,
            error_format: ErrorFormat::Plain,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PeriodArg {
    /// The period of equal length just before the journey's.
    Previous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TrendArg {
    Daily,
    Weekly,
    Monthly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BadRows {
    Fail,
    Skip,
}

use crate::engine::limits::MAX_PARTITIONS;

fn parse_size(text: &str) -> Result<u64, String> {
    crate::config::parse_size(text)
}

pub(super) fn default_partitions() -> u16 {
    std::thread::available_parallelism()
        .map(|n| n.get().min(MAX_PARTITIONS as usize) as u16)
        .unwrap_or(1)
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    if let Some(dir) = &args.output_dir {
        return super::batch::run(&args.common, dir, args.fail_under_kpi);
    }
    let baseline = match (&args.compare, args.compare_period) {
        (Some(path), _) => Some(super::compare::baseline(path)?),
        (None, Some(PeriodArg::Previous)) => match super::period::previous(&args.common)? {
            Some(results) => Some(results),
            None => return Ok(ExitCode::FAILURE),
        },
        (None, None) if args.compare_options.fail_over.is_some() => {
            return Err(
                "--fail-over needs --compare BASELINE.json or --compare-period previous".into(),
            )
        }
        (None, None) => None,
    };
    let Some(results) = execute(&args.common, args.format, baseline.is_some())? else {
        return Ok(ExitCode::FAILURE);
    };
    let code = match baseline {
        Some(b) => {
            let c = crate::report::compare::compare(&b, &results, args.compare_options.fail_over);
            super::compare::show(&c, super::compare::CompareFormat::Text)?
        }
        None => ExitCode::SUCCESS,
    };
    Ok(match args.fail_under_kpi {
        true => kpi_gate(&results).unwrap_or(code),
        false => code,
    })
}

/// `--fail-under-kpi`: exit 1, naming the stages, when any misses its KPI.
pub(super) fn kpi_gate(results: &[crate::run::results::JourneyResult]) -> Option<ExitCode> {
    let text = report::kpi::report(&report::kpi::misses(results))?;
    eprint!("{text}");
    Some(ExitCode::FAILURE)
}

/// The mapping and the run options the arguments ask for, with the data listed.
pub(super) fn setup(
    args: &Common,
    first: &std::path::Path,
) -> Result<(Config, RunOptions), crate::diagnostics::Diagnostic> {
    let (config, _) = Config::find(args.config.as_deref(), first)?;
    let data = journeys::data_path(args.data.as_deref(), first)?;
    let listing = journeys::list_data(&data, &config)?;
    let options = RunOptions {
        target_partitions: args.partitions as usize,
        memory_limit: match args.memory_limit {
            Some(n) => Some(n),
            None => config.memory_limit()?,
        },
        skip_bad_rows: args.on_bad_rows == BadRows::Skip,
        missing_columns: args.missing_columns,
        trend: args.trend.map(|t| match t {
            TrendArg::Daily => crate::check::hir::Trend::Daily,
            TrendArg::Weekly => crate::check::hir::Trend::Weekly,
            TrendArg::Monthly => crate::check::hir::Trend::Monthly,
        }),
        by: args.by.clone(),
        by_from: args.by_from,
        top: args.top as usize,
        timings: args.timings,
        cluster: args.cluster.clone(),
        ..RunOptions::of(listing)
    };
    Ok((config, options))
}

/// `--by-from`: a stage number from 1, or `last`.
fn parse_by_from(s: &str) -> Result<crate::check::hir::ByFrom, String> {
    use crate::check::hir::ByFrom;
    match s {
        "last" => Ok(ByFrom::Last),
        _ => match s.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(ByFrom::Stage(n - 1)),
            _ => Err("a stage number (1 is the first) or `last`".to_string()),
        },
    }
}

/// The async runtime of a run: one worker thread per partition.
/// Every journey of the files, in order, with the file each comes from.
pub(super) fn sources(files: &[Loaded]) -> (Vec<Source<'_>>, Vec<&Loaded>) {
    let mut sources = Vec::new();
    let mut file_of = Vec::new();
    for f in files {
        for j in &f.journeys {
            sources.push(Source {
                journey: j,
                text: &f.text,
            });
            file_of.push(f);
        }
    }
    (sources, file_of)
}

pub(super) fn runtime(args: &Common) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.partitions.max(1) as usize)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

/// Run the journeys and write the results in `format` (to --output, or to standard output
/// unless `quiet`). `None` when a diagnostic was reported.
pub fn execute(
    args: &Common,
    format: Format,
    quiet: bool,
) -> Result<Option<Vec<crate::run::results::JourneyResult>>, String> {
    let started = std::time::Instant::now();
    let Some(files) = journeys::load(&args.journeys, args.error_format)? else {
        return Ok(None);
    };
    let parsed = started.elapsed();
    if format == Format::Parquet && args.output.is_none() && !quiet {
        return Err("--format parquet needs --output FILE".into());
    }
    let fail = |d: crate::diagnostics::Diagnostic, f: Option<&Loaded>| {
        journeys::report(&d, f, args.error_format);
        Ok(None)
    };
    let (config, options) = match setup(args, &files[0].path) {
        Ok(x) => x,
        Err(d) => return fail(d, None),
    };
    let runtime = runtime(args)?;
    let (progress, bar) = super::progress::start(args.progress).unzip();
    let options = RunOptions {
        progress,
        ..options
    };
    let (sources, file_of) = sources(&files);
    let all = run::run(&options, &config, &sources);
    let results = match super::guard_any(|| runtime.block_on(all)) {
        Ok(r) => r,
        // A journey's mistake is reported with its file.
        Err(f) => {
            drop(bar);
            return fail(f.diagnostic, f.journey.map(|i| file_of[i]));
        }
    };
    drop(bar);
    for r in results.iter().filter(|r| r.rows_skipped > 0) {
        // Rows without a unit value are always skipped under `count by`; the others only
        // because they were asked to be.
        let why = match r.skipped_rows.must_fail() {
            true => "--on-bad-rows skip",
            false => "count by",
        };
        eprintln!(
            "warning: skipped {} for journey \"{}\" ({why})",
            crate::report::skipped_rows_text(&r.skipped_rows),
            r.journey
        );
    }
    // The table shows the run's warnings itself; every other output gets them on stderr,
    // where a terminal or a CI log shows them.
    if format != Format::Table || args.output.is_some() || quiet {
        let paths: Vec<&std::path::Path> = files
            .iter()
            .flat_map(|f| f.journeys.iter().map(|_| f.path.as_path()))
            .collect();
        for (r, path) in results.iter().zip(paths) {
            for w in &r.warnings {
                let at = match (w.line, w.column) {
                    (Some(l), Some(c)) => format!("{}:{l}:{c}: ", path.display()),
                    _ => String::new(),
                };
                eprintln!("{at}warning[{}]: {}", w.code, w.message);
                if let Some(h) = &w.help {
                    eprintln!("  help: {h}");
                }
            }
        }
    }
    let clock = std::time::Instant::now();
    // A table for the terminal fits the terminal; one for a file or a pipe is 80 columns wide.
    let width = match args.output {
        Some(_) => 80,
        None => report::output_width(),
    };
    let bytes = match report::render(&results, format, width) {
        Ok(b) => b,
        Err(d) => return fail(d, None),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = crate::io::atomic::write_atomic(path, &bytes) {
                return fail(
                    crate::diagnostics::Diagnostic::new("J5003", e)
                        .help("write to an existing, writable folder"),
                    None,
                );
            }
        }
        None if quiet => {}
        None => {
            super::out::stdout(&bytes);
        }
    }
    let report_time = clock.elapsed();
    if let Some(t) = results.first().and_then(|r| r.timings.as_ref()) {
        let what = match results.len() {
            1 => format!("\"{}\"", results[0].journey),
            n => format!("{n} journeys, run together"),
        };
        eprint!("{}", run::timings::render(&what, parsed, t, report_time));
    }
    Ok(Some(results))
}
