//! Stage 4: run lowered plans over activity data and compute the funnel.
//!
//! [`run`] registers the data, lowers each journey against the table's schema, executes one
//! pass over the data for all of them ([`pass`]), and turns each contact's reach times into the
//! stage metrics.

pub mod cluster;
mod contact_list;
mod distinct;
pub mod errors;
pub mod kept;
mod locate;
pub mod metrics;
pub mod pass;
pub mod paths;
pub mod progress;
pub mod results;
mod spill;
mod streamed;
pub mod timings;
mod unmatched;
mod warnings;

pub use contact_list::contact_reaches;
use contact_list::{open_one, reaches_in};
pub use errors::{execution_error, Failure};

use crate::check::hir;
use crate::config::{Config, MissingColumns};
use crate::data::{DataSet, TABLE};
use crate::diagnostics::Diagnostic;
use crate::io::listing::Listing;
use crate::lower::{self, Binding, Lowered};
use datafusion::prelude::{SessionConfig, SessionContext};
use locate::bad_rows;
use results::{JourneyResult, RunWarning};
use std::path::PathBuf;
use std::sync::Arc;
use warnings::{journey_warnings, stage_of};

/// How to run: the data and the engine's parallelism.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The data, as `io::listing` found it (with what it left out and the files' Hive
    /// partitions); or, when `None`, exactly the files of `files` (as a program names them).
    pub listing: Option<Listing>,
    pub files: Vec<PathBuf>,
    /// DataFusion target partitions (threads); results never depend on it.
    pub target_partitions: usize,
    /// The memory pool's size in bytes (`--memory-limit`); `None`: no limit.
    pub memory_limit: Option<u64>,
    /// Leave out rows that cannot count (no contact, no usable time; counted in
    /// `rows_skipped`) instead of failing.
    pub skip_bad_rows: bool,
    /// A column some files lack: `--missing-columns`, else journey.toml's `[data]`.
    pub missing_columns: Option<MissingColumns>,
    /// A trend for every journey (`--trend`), else the journey's own `trend`.
    pub trend: Option<hir::Trend>,
    /// A breakdown column for every journey (`--by`), else the journey's own `by`.
    pub by: Option<String>,
    /// With `--by`, the activity its value comes from (`--by-from`; stage 1 when `None`).
    pub by_from: Option<hir::ByFrom>,
    /// How many breakdown values to show before "other" (`--top`; 0 means the default, 10).
    pub top: usize,
    /// Measure the phases (`--timings`).
    pub timings: bool,
    /// Count the rows read, for a progress bar.
    pub progress: Option<std::sync::Arc<progress::Progress>>,
    /// Run on the Ballista cluster at this `df://HOST:PORT` instead of here ([`cluster`]).
    pub cluster: Option<String>,
}

impl RunOptions {
    /// Options over the files a listing found.
    pub fn of(listing: Listing) -> RunOptions {
        RunOptions {
            listing: Some(listing),
            ..RunOptions::default()
        }
    }
}

/// Breakdown values shown before "other" unless `--top` says otherwise.
pub const DEFAULT_TOP: usize = 10;

/// A journey with where it came from.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub journey: &'a hir::Journey,
    /// The whole journey file, for the source hash.
    pub text: &'a str,
}

pub fn session(target_partitions: usize) -> SessionContext {
    session_within(target_partitions, None)
}

/// A session whose memory pool holds at most `memory_limit` bytes (DataFusion's fair spilling
/// pool: a sort that does not fit spills to the operating system's temporary folder).
pub fn session_within(target_partitions: usize, memory_limit: Option<u64>) -> SessionContext {
    use datafusion::execution::memory_pool::FairSpillPool;
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    let config = SessionConfig::new()
        .with_target_partitions(target_partitions.max(1))
        .with_information_schema(false);
    let runtime = memory_limit.and_then(|limit| {
        RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(limit as usize)))
            .build_arc()
            .ok()
    });
    let ctx = match runtime {
        Some(rt) => SessionContext::new_with_config_rt(config, rt),
        None => SessionContext::new_with_config(config),
    };
    ctx.register_udf(crate::data::time::udf());
    ctx
}

/// A context with the data registered.
pub async fn open(
    options: &RunOptions,
    config: &Config,
) -> Result<(SessionContext, DataSet), Diagnostic> {
    let ctx = session_within(options.target_partitions, options.memory_limit);
    let listing = match &options.listing {
        Some(l) => l.clone(),
        None => Listing::of_files(&options.files)?,
    };
    let data = DataSet::open(&ctx, listing, config).await?;
    Ok((ctx, data))
}

/// [`open`] for these journeys: when each has a period, the data outside all of them need not
/// be read (date partitions, `data::period`).
pub async fn open_for(
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<(SessionContext, DataSet), Diagnostic> {
    let ctx = session_within(options.target_partitions, options.memory_limit);
    open_for_in(ctx, options, config, sources).await
}

/// [`open_for`] in a given session (a cluster's, `run::cluster`).
pub async fn open_for_in(
    ctx: SessionContext,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<(SessionContext, DataSet), Diagnostic> {
    let listing = match &options.listing {
        Some(l) => l.clone(),
        None => Listing::of_files(&options.files)?,
    };
    let periods: Option<Vec<(i64, i64)>> = sources
        .iter()
        .map(|s| s.journey.period.map(|p| (p.from, p.to)))
        .collect();
    let data = DataSet::open_for(&ctx, listing, config, periods.as_deref()).await?;
    Ok((ctx, data))
}

/// Lower a journey against the registered table.
pub async fn plan(
    ctx: &SessionContext,
    data: &DataSet,
    config: &Config,
    j: &hir::Journey,
    options: &RunOptions,
) -> Result<Lowered, Diagnostic> {
    let df = ctx
        .table(TABLE)
        .await
        .map_err(|e| Diagnostic::internal(format!("the data's table is not registered: {e}")))?;
    let binding = Binding::new(
        config,
        data,
        options.skip_bad_rows,
        options.by.as_deref().map(|c| (c, options.by_from)),
        options
            .missing_columns
            .unwrap_or(config.data.missing_columns),
    );
    lower::lower(j, &binding, df.logical_plan().clone())
}

/// Run journeys over activity data: the one way the command line, the report and the tests run
/// them. The data is registered (and every file's schema read) once; every journey is lowered
/// (a journey's mistake comes back with its index); then all run together, in one scan.
pub async fn run(
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Vec<JourneyResult>, Failure> {
    let batch = run_each(options, config, sources).await?;
    if let Some(f) = batch.failures.into_iter().next() {
        return Err(f);
    }
    Ok(batch.results.into_iter().flatten().collect())
}

/// What a batch of journeys gave: per journey its results, or its failure.
pub struct Batch {
    /// In the order of the sources; `None` for a journey that failed.
    pub results: Vec<Option<JourneyResult>>,
    /// The journeys that could not run (each with its index), e.g. a column they need is
    /// missing.
    pub failures: Vec<Failure>,
}

/// [`run`], where a journey that cannot run does not stop the others (`--output-dir`): it is
/// left out of the scan and reported. A failure of the data itself still fails them all.
pub async fn run_each(
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Batch, Failure> {
    if let Some(url) = &options.cluster {
        return cluster::run_each(url, options, config, sources).await;
    }
    let (ctx, data) = open_for(options, config, sources).await?;
    let mut runnable = Vec::new();
    let mut lowered = Vec::new();
    let mut failures = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        match plan(&ctx, &data, config, s.journey, options).await {
            Ok(l) => {
                runnable.push(i);
                lowered.push(l);
            }
            Err(diagnostic) => failures.push(Failure {
                journey: Some(i),
                diagnostic,
            }),
        }
    }
    let mut results: Vec<Option<JourneyResult>> = sources.iter().map(|_| None).collect();
    let mut lowered: Vec<Option<Lowered>> = lowered.into_iter().map(Some).collect();
    // One pass per counting unit: a pass sorts its rows by one unit.
    for group in by_unit(runnable.iter().map(|&i| sources[i].journey)) {
        let chosen: Vec<Source> = group.iter().map(|&k| sources[runnable[k]]).collect();
        let planned: Vec<Lowered> = group
            .iter()
            .map(|&k| lowered[k].take().expect("each journey planned once"))
            .collect();
        let done = run_planned(&ctx, &data, options, config, &chosen, &planned).await?;
        for (&k, r) in group.iter().zip(done) {
            results[runnable[k]] = Some(r);
        }
    }
    Ok(Batch { results, failures })
}

/// The journeys' indices grouped by counting unit (`count by`, or the contact), each group in
/// the journeys' order, the groups in the order of their first journey.
fn by_unit<'a>(journeys: impl Iterator<Item = &'a hir::Journey>) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    for (i, j) in journeys.enumerate() {
        let unit = j.count_by.as_ref().map(|c| c.node.as_str());
        match groups.iter_mut().find(|g| g.0 == unit) {
            Some(g) => g.1.push(i),
            None => groups.push((unit, vec![i])),
        }
    }
    groups.into_iter().map(|g| g.1).collect()
}

/// The one pass over the data for planned journeys: counts, kept rows and the plan.
async fn scan(
    ctx: &SessionContext,
    data: &DataSet,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
    lowered: &[Lowered],
    t: &mut timings::Timings,
) -> Result<(pass::PassOutput, kept::Kept, lower::pass::PassPlan), Diagnostic> {
    let clock = std::time::Instant::now();
    let label = data.describe();
    let pieces: Vec<&lower::Pieces> = lowered.iter().map(|l| &l.pieces).collect();
    let table = match lower::pass::tests_patterns(&pieces) {
        true => data.pass_table,
        false => TABLE,
    };
    let scan = table_scan(ctx, table).await?;
    t.dictionaries = scan
        .schema()
        .fields()
        .iter()
        .filter(|f| {
            matches!(
                f.data_type(),
                datafusion::arrow::datatypes::DataType::Dictionary(..)
            )
        })
        .map(|f| f.name().clone())
        .collect();
    let planned = lower::pass::pass(&pieces, scan)
        .map_err(|e| Diagnostic::internal(format!("cannot plan the journeys: {e}")))?;
    t.plan = clock.elapsed();
    if let Some(p) = &options.progress {
        p.set_total(data.total_rows());
    }
    let scanned = pass::execute_with(
        ctx,
        &planned,
        options.target_partitions.max(1),
        options.progress.clone(),
    )
    .await;
    if let Some(p) = &options.progress {
        p.finish();
    }
    let (done, kept) = match scanned {
        Ok(x) => x,
        Err(e) => {
            if matches!(errors::ExecError::of(&e), errors::ExecError::Memory) {
                let said = crate::diagnostics::one_line(&e.to_string());
                return Err(errors::memory(&label, options.memory_limit, &said));
            }
            let d = execution_error(e, &label, config);
            return Err(locate::failure(d, data, options, config, sources).await);
        }
    };
    t.scan = done.scan;
    t.rows_scanned = done.rows_scanned;
    t.rows_matched = done.rows_matched;
    t.row_groups_read = done.row_groups_read;
    t.row_groups_skipped = done.row_groups_skipped;
    t.spills = done.spills;
    t.streamed = done.streamed;
    t.files_read = data.files().len() as u64;
    t.files_skipped = data.listing.skipped.len() as u64;
    // The first journey with rows that cannot count fails the run (unless they are skipped).
    let skipped = |i: usize| done.skipped(planned.scope_of[i]).under(sources[i].journey);
    if let Some(i) = (0..sources.len()).find(|&i| skipped(i).must_fail()) {
        let skipped = skipped(i);
        bad_rows(&skipped, data, options, config, &sources[i], &label).await?;
    }
    Ok((done, kept, planned))
}

/// The plan reading the registered activity table `name`.
async fn table_scan(
    ctx: &SessionContext,
    name: &str,
) -> Result<datafusion::logical_expr::LogicalPlan, Diagnostic> {
    Ok(ctx
        .table(name)
        .await
        .map_err(|e| Diagnostic::internal(format!("the data's table is not registered: {e}")))?
        .logical_plan()
        .clone())
}

/// Run planned journeys together over data registered by [`open`]: one scan for all of them
/// ([`pass`]), whatever their number (docs/performance.md).
async fn run_planned(
    ctx: &SessionContext,
    data: &DataSet,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
    lowered: &[Lowered],
) -> Result<Vec<JourneyResult>, Diagnostic> {
    let mut t = timings::Timings::default();
    let label = data.describe();
    let (done, kept, planned) = scan(ctx, data, options, config, sources, lowered, &mut t).await?;
    let clock = std::time::Instant::now();
    let fingerprint = crate::io::fingerprint::fingerprint(data.files())?;
    let mut out = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let (contacts, rows) = done.scopes[planned.scope_of[i]];
        if rows == 0 && s.journey.period.is_none() {
            return Err(no_rows(&label));
        }
        // One journey's reaches at a time, so a run of many journeys holds one set of them.
        let search = std::time::Instant::now();
        let reaches = kept
            .reaches(&planned, i)
            .map_err(|e| execution_error(e, &label, config))?;
        t.chains += search.elapsed();
        let warnings =
            journey_warnings(ctx, data, config, s, &lowered[i], &kept, &planned, i).await?;
        let mut r = metrics::result(
            options,
            data,
            s,
            (
                contacts,
                rows,
                done.skipped(planned.scope_of[i]).under(s.journey),
            ),
            metrics::figures(metrics::program(options, s.journey), &reaches),
            &fingerprint,
        );
        r.warnings = warnings
            .iter()
            .map(|d| RunWarning::of(d, s.text, stage_of(s.journey, d)))
            .collect();
        out.push(r);
    }
    t.metrics = clock.elapsed().saturating_sub(t.chains);
    if options.timings {
        for r in &mut out {
            r.timings = Some(t.clone());
        }
    }
    Ok(out)
}

pub(super) fn no_rows(label: &str) -> Diagnostic {
    Diagnostic::new("J4003", format!("no data: {label} has no rows"))
        .help("point --data at an export with activities")
}

/// `journey check --data`: what a run would find wrong with the data for these journeys — a
/// column missing, rows that cannot count, stages and rules that match nothing — without the
/// funnel. Per journey, its warnings; the first error, with the index of the journey it is
/// about when it is about one.
pub async fn check_data(
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Vec<Vec<Diagnostic>>, Failure> {
    let (ctx, data) = open_for(options, config, sources).await?;
    let mut lowered = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        lowered.push(
            plan(&ctx, &data, config, s.journey, options)
                .await
                .map_err(|diagnostic| Failure {
                    journey: Some(i),
                    diagnostic,
                })?,
        );
    }
    let mut out: Vec<Vec<Diagnostic>> = sources.iter().map(|_| Vec::new()).collect();
    let mut lowered: Vec<Option<Lowered>> = lowered.into_iter().map(Some).collect();
    for group in by_unit(sources.iter().map(|s| s.journey)) {
        let chosen: Vec<Source> = group.iter().map(|&k| sources[k]).collect();
        let planned_group: Vec<Lowered> = group
            .iter()
            .map(|&k| lowered[k].take().expect("each journey planned once"))
            .collect();
        let mut t = timings::Timings::default();
        let (done, kept, planned) = scan(
            &ctx,
            &data,
            options,
            config,
            &chosen,
            &planned_group,
            &mut t,
        )
        .await?;
        for (i, s) in chosen.iter().enumerate() {
            let (_, rows) = done.scopes[planned.scope_of[i]];
            if rows == 0 && s.journey.period.is_none() {
                return Err(no_rows(&data.describe()).into());
            }
            out[group[i]] = journey_warnings(
                &ctx,
                &data,
                config,
                s,
                &planned_group[i],
                &kept,
                &planned,
                i,
            )
            .await?;
        }
    }
    Ok(out)
}
