//! Stage 4: run lowered plans over activity data and compute the funnel.
//!
//! [`run`] registers the data, lowers each journey against the table's schema, executes one
//! pass over the data for all of them ([`pass`]), and turns each contact's reach times into the
//! stage metrics.

mod locate;
pub mod pass;
pub mod results;
pub mod timings;
mod unmatched;

use crate::check::hir;
use crate::config::{Config, MissingColumns};
use crate::data::{DataSet, TABLE};
use crate::diagnostics::Diagnostic;
use crate::engine::reach::ContactReach;
use crate::io::listing::{Listing, Skipped};
use crate::lower::{self, Binding, Lowered};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use results::{JourneyResult, PeriodOut, RunWarning, SkippedPath, SkippedRows};
use std::path::PathBuf;

/// How to run: the data and the engine's parallelism.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The data files, as `io::listing` found them (or as a program names them).
    pub files: Vec<PathBuf>,
    /// What the listing left out, and why (reported in the results).
    pub skipped: Vec<Skipped>,
    /// DataFusion target partitions (threads); results never depend on it.
    pub target_partitions: usize,
    /// Leave out rows that cannot count (no contact, no usable time; counted in
    /// `rows_skipped`) instead of failing.
    pub skip_bad_rows: bool,
    /// A column some files lack: `--missing-columns`, else journey.toml's `[data]`.
    pub missing_columns: Option<MissingColumns>,
    /// A trend for every journey (`--trend`), else the journey's own `trend`.
    pub trend: Option<hir::Trend>,
    /// A breakdown column for every journey (`--by`), else the journey's own `by`.
    pub by: Option<String>,
    /// How many breakdown values to show before "other" (`--top`; 0 means the default, 10).
    pub top: usize,
    /// Measure the phases (`--timings`).
    pub timings: bool,
}

impl RunOptions {
    /// Options over the files a listing found.
    pub fn of(listing: Listing) -> RunOptions {
        RunOptions {
            files: listing.files.into_iter().map(|f| f.path).collect(),
            skipped: listing.skipped,
            ..RunOptions::default()
        }
    }
}

/// Breakdown values shown before "other" unless `--top` says otherwise.
pub const DEFAULT_TOP: usize = 10;

/// A journey with where it came from.
pub struct Source<'a> {
    pub journey: &'a hir::Journey,
    /// The whole journey file, for the source hash.
    pub text: &'a str,
}

pub fn session(target_partitions: usize) -> SessionContext {
    let config = SessionConfig::new()
        .with_target_partitions(target_partitions.max(1))
        .with_information_schema(false);
    let ctx = SessionContext::new_with_config(config);
    ctx.register_udf(crate::data::time::udf());
    ctx
}

/// A context with the data registered.
pub async fn open(
    options: &RunOptions,
    config: &Config,
) -> Result<(SessionContext, DataSet), Diagnostic> {
    let ctx = session(options.target_partitions);
    let mut listing = Listing::of_files(&options.files)?;
    listing.skipped.extend(options.skipped.iter().cloned());
    let data = DataSet::open(&ctx, listing, config).await?;
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
        .map_err(|e| internal(format!("the data's table is not registered: {e}")))?;
    let binding = Binding::new(
        config,
        data,
        options.skip_bad_rows,
        options.by.as_deref(),
        options
            .missing_columns
            .unwrap_or(config.data.missing_columns),
    );
    lower::lower(j, &binding, df.logical_plan().clone())
}

/// A failure of journey itself, not of its input: said so, with a request to report it.
pub fn internal(what: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new("J5005", format!("internal error: {what}"))
        .help("this is a bug in journey, not a problem with the journey or the data; please report it with the command you ran")
}

pub async fn run(
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Vec<JourneyResult>, Diagnostic> {
    let (ctx, data) = open(options, config).await?;
    let mut lowered = Vec::new();
    for s in sources {
        lowered.push(plan(&ctx, &data, config, s.journey, options).await?);
    }
    run_planned(&ctx, &data, options, config, sources, &lowered).await
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
) -> Result<(pass::PassOutput, pass::Kept, lower::pass::PassPlan), Diagnostic> {
    let clock = std::time::Instant::now();
    let label = data.describe();
    let scan = ctx
        .table(TABLE)
        .await
        .map_err(|e| internal(format!("the data's table is not registered: {e}")))?
        .logical_plan()
        .clone();
    let pieces: Vec<&lower::Pieces> = lowered.iter().map(|l| &l.pieces).collect();
    let planned = lower::pass::pass(&pieces, scan)
        .map_err(|e| internal(format!("cannot plan the journeys: {e}")))?;
    t.plan = clock.elapsed();
    let (done, kept) = match pass::execute(ctx, &planned, options.target_partitions.max(1)).await {
        Ok(x) => x,
        Err(e) => {
            let d = execution_error(e, &label, config);
            return Err(locate::failure(d, data, options, config, sources).await);
        }
    };
    t.scan = done.scan;
    t.rows_scanned = done.rows_scanned;
    t.rows_matched = done.rows_matched;
    bad_rows(&done.skipped, data, options, config, sources, &label).await?;
    Ok((done, kept, planned))
}

/// Run planned journeys together over data registered by [`open`]: one scan for all of them
/// ([`pass`]), whatever their number (docs/performance.md).
pub async fn run_planned(
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
    let fingerprint = crate::io::fingerprint::fingerprint(&data.paths())?;
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
        let mut r = result_of(
            options,
            data,
            s,
            (contacts, rows, done.skipped),
            &reaches,
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

fn no_rows(label: &str) -> Diagnostic {
    Diagnostic::new("J4003", format!("no data: {label} has no rows"))
        .help("point --data at an export with activities")
}

/// A journey's warnings about the data: what matched nothing, columns read as NULL.
#[allow(clippy::too_many_arguments)]
async fn journey_warnings(
    ctx: &SessionContext,
    data: &DataSet,
    config: &Config,
    s: &Source<'_>,
    lowered: &Lowered,
    kept: &pass::Kept,
    planned: &lower::pass::PassPlan,
    i: usize,
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let counts = kept
        .rule_counts(planned, i, lowered.rules.len())
        .map_err(|e| execution_error(e, &data.describe(), config))?;
    let mut warnings = unmatched::warnings(ctx, config, s.journey, lowered, &counts).await?;
    for column in &lowered.null_columns {
        warnings.push(null_column_warning(ctx, data, column).await?);
    }
    Ok(warnings)
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
    let (ctx, data) = open(options, config).await?;
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
    let mut t = timings::Timings::default();
    let (done, kept, planned) =
        scan(&ctx, &data, options, config, sources, &lowered, &mut t).await?;
    let mut out = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let (_, rows) = done.scopes[planned.scope_of[i]];
        if rows == 0 && s.journey.period.is_none() {
            return Err(no_rows(&data.describe()).into());
        }
        out.push(journey_warnings(&ctx, &data, config, s, &lowered[i], &kept, &planned, i).await?);
    }
    Ok(out)
}

/// A failure, with the journey (index into the sources) it is about, when it is about one.
#[derive(Debug)]
pub struct Failure {
    pub journey: Option<usize>,
    pub diagnostic: Diagnostic,
}

impl From<Diagnostic> for Failure {
    fn from(diagnostic: Diagnostic) -> Self {
        Failure {
            journey: None,
            diagnostic,
        }
    }
}

/// The stage a warning points into (1-based), if any.
fn stage_of(j: &hir::Journey, d: &Diagnostic) -> Option<usize> {
    let at = d.primary_span()?.start;
    j.stages
        .iter()
        .position(|s| s.span.start <= at && at < s.span.end)
        .map(|k| k + 1)
}

/// W1005: a column read as NULL where files lack it (`missing_columns = "null"`).
async fn null_column_warning(
    ctx: &SessionContext,
    data: &DataSet,
    column: &str,
) -> Result<Diagnostic, Diagnostic> {
    let absent = &data.columns[column].absent_in;
    let rows = data.rows_in(ctx, absent).await?;
    let names: Vec<String> = absent
        .iter()
        .take(5)
        .map(|&i| data.files()[i].path.display().to_string())
        .collect();
    let more = if absent.len() > 5 {
        format!(" and {} more", absent.len() - 5)
    } else {
        String::new()
    };
    Ok(Diagnostic::new(
        "W1005",
        format!(
            "column `{column}` is missing from {} of {} data files ({} rows), read there as NULL: {}{more}",
            absent.len(),
            data.files().len(),
            rows,
            names.join(", ")
        ),
    )
    .help("this is what missing_columns = \"null\" asks for; export every file with the column to count those rows fully"))
}

/// Rows that cannot count fail the run unless `--on-bad-rows skip` (J5004 without a contact,
/// J5002 without a usable time), naming the first file and row.
async fn bad_rows(
    skipped: &SkippedRows,
    data: &DataSet,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
    label: &str,
) -> Result<(), Diagnostic> {
    if options.skip_bad_rows || skipped.is_empty() {
        return Ok(());
    }
    let fix = "fix the export, or pass --on-bad-rows skip to leave those rows out (they are counted in the result)";
    let (d, what) = if skipped.no_contact > 0 {
        (
            Diagnostic::new(
                "J5004",
                format!(
                    "{} rows have no contact id in column `{}` ({label})",
                    skipped.no_contact, config.columns.contact
                ),
            )
            .help(fix),
            locate::Bad::NoContact,
        )
    } else {
        (
            Diagnostic::new(
                "J5002",
                format!(
                    "{} rows have no usable time in column `{}` ({label})",
                    skipped.no_time, config.columns.time
                ),
            )
            .help(fix),
            locate::Bad::NoTime,
        )
    };
    Err(locate::bad_row(d, what, data, options, config, sources).await)
}

async fn collect(
    ctx: &SessionContext,
    plan: &LogicalPlan,
    label: &str,
    config: &Config,
) -> Result<Vec<RecordBatch>, Diagnostic> {
    let df = ctx
        .execute_logical_plan(plan.clone())
        .await
        .map_err(|e| execution_error(e, label, config))?;
    df.collect()
        .await
        .map_err(|e| execution_error(e, label, config))
}

/// Each contact's reach times and breakdown value from a one-journey funnel plan's output.
pub fn reaches(batches: &[RecordBatch]) -> Vec<ContactReach> {
    reaches_in(batches, lower::FUNNEL)
}

/// The same from the aggregate column `column`.
pub fn reaches_in(batches: &[RecordBatch], column: &str) -> Vec<ContactReach> {
    let mut out = Vec::new();
    for b in batches {
        let Some(col) = b.column_by_name(column) else {
            continue;
        };
        let s = col.as_struct();
        let (Some(lists), Some(by)) = (
            s.column_by_name(crate::engine::udaf::REACH),
            s.column_by_name(crate::engine::udaf::BY),
        ) else {
            continue;
        };
        let (lists, by) = (lists.as_list::<i32>(), by.as_string::<i32>());
        for i in 0..s.len() {
            if s.is_null(i) || lists.is_null(i) {
                out.push(ContactReach::default());
                continue;
            }
            let v = lists.value(i);
            let v = v.as_primitive::<Int64Type>();
            out.push(ContactReach {
                reach: (0..v.len())
                    .map(|k| v.is_valid(k).then(|| v.value(k)))
                    .collect(),
                by: by.is_valid(i).then(|| by.value(i).to_string()),
            });
        }
    }
    out
}

/// A journey's results from its scope counts and each contact's reach.
fn result_of(
    options: &RunOptions,
    data: &DataSet,
    s: &Source<'_>,
    (contacts, rows, skipped): (u64, u64, SkippedRows),
    reaches: &[ContactReach],
    fingerprint: &str,
) -> JourneyResult {
    let j = s.journey;
    let stages = results::stage_metrics(j, Some(contacts), reaches.iter());
    let segments = results::segment_counts(j, reaches.iter());
    let trend = options
        .trend
        .or(j.trend)
        .map(|unit| results::trend(j, unit, reaches.iter()));
    let by = options
        .by
        .as_deref()
        .or(j.by.as_ref().map(|b| b.node.as_str()));
    let top = if options.top == 0 {
        DEFAULT_TOP
    } else {
        options.top
    };
    let breakdown = by.map(|column| results::breakdown(j, column, top, reaches));
    JourneyResult {
        journey: j.name.clone(),
        source_sha256: sha256_hex(s.text.as_bytes()),
        data: data
            .paths()
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        data_fingerprint: fingerprint.to_string(),
        computed_at: computed_at(),
        period: j.period.map(|p| PeriodOut {
            from: rfc3339(p.from),
            to: rfc3339(p.to),
        }),
        window_seconds: j.window.as_ref().map(|w| w.node as f64 / 1e6),
        order: format!("{:?}", j.order).to_lowercase(),
        contacts_in_scope: contacts,
        rows_in_scope: rows,
        rows_skipped: skipped.total(),
        skipped_rows: skipped,
        data_skipped: data
            .listing
            .skipped
            .iter()
            .map(|s| SkippedPath {
                path: s.path.display().to_string(),
                reason: s.reason.clone(),
            })
            .collect(),
        warnings: Vec::new(),
        stages,
        segments,
        trend,
        breakdown,
        source: s
            .text
            .get(j.span.start..j.span.end)
            .unwrap_or(s.text)
            .to_string(),
        timings: None,
    }
}

/// Contacts in scope, rows in scope and rows that cannot count from a one-journey scope
/// plan's output.
fn scope_counts(scope: &[RecordBatch]) -> (u64, u64, SkippedRows) {
    let count = |name: &str| -> u64 {
        scope
            .first()
            .and_then(|b| b.column_by_name(name))
            .and_then(|c| {
                datafusion::arrow::compute::cast(c, &datafusion::arrow::datatypes::DataType::Int64)
                    .ok()
            })
            .map(|c| {
                let a = c.as_primitive::<Int64Type>();
                if a.is_null(0) {
                    0
                } else {
                    a.value(0).max(0) as u64
                }
            })
            .unwrap_or(0)
    };
    (
        count("contacts"),
        count("rows"),
        SkippedRows {
            no_contact: count("no_contact"),
            no_time: count("no_time"),
        },
    )
}

/// Each contact with a stage-matching activity, as text, with its reach times; sorted by contact
/// (numerically when every id is a number).
pub async fn contact_reaches(
    options: &RunOptions,
    config: &Config,
    j: &hir::Journey,
) -> Result<Vec<(String, ContactReach)>, Diagnostic> {
    let (ctx, data) = open(options, config).await?;
    let label = data.describe();
    let lowered = plan(&ctx, &data, config, j, options).await?;
    let scope = collect(&ctx, &lowered.scope, &label, config).await?;
    let (_, rows, skipped) = scope_counts(&scope);
    let source = Source {
        journey: j,
        text: "",
    };
    bad_rows(
        &skipped,
        &data,
        options,
        config,
        std::slice::from_ref(&source),
        &label,
    )
    .await?;
    if rows == 0 && j.period.is_none() {
        return Err(no_rows(&label));
    }
    let funnel = collect(&ctx, &lowered.funnel, &label, config).await?;
    let mut out = Vec::new();
    for b in &funnel {
        let (Some(contact), Some(_)) = (
            b.column_by_name(lower::CONTACT),
            b.column_by_name(lower::FUNNEL),
        ) else {
            continue;
        };
        let text = datafusion::arrow::compute::cast(
            contact,
            &datafusion::arrow::datatypes::DataType::Utf8,
        )
        .map_err(|e| internal(format!("cannot read contact ids: {e}")))?;
        let text = text.as_string::<i32>();
        let reach = reaches(std::slice::from_ref(b));
        for (i, r) in reach.into_iter().enumerate() {
            out.push((text.value(i).to_string(), r));
        }
    }
    let numeric = out.iter().all(|(c, _)| c.parse::<i64>().is_ok());
    if numeric {
        out.sort_by_key(|(c, _)| c.parse::<i64>().unwrap_or(0));
    } else {
        out.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(out)
}

/// Turn an execution error into a coded diagnostic naming the data and the fix.
pub fn execution_error(e: DataFusionError, label: &str, config: &Config) -> Diagnostic {
    if let Some(t) = time_error(&e) {
        return Diagnostic::new(
            "J5002",
            format!(
                "a value of column `{}` is not a time ({label}): {t}",
                config.columns.time
            ),
        )
        .help("fix the value, or the [time] format in journey.toml; --on-bad-rows skip leaves such rows out (counted in the result)");
    }
    let text = e.to_string();
    if text.contains("timestamp")
        && (text.contains("parsing") || text.contains("Parser") || text.contains("Cast"))
    {
        return Diagnostic::new(
            "J5002",
            format!("a value of column `{}` is not a timestamp ({label})", config.columns.time),
        )
        .help(format!(
            "times must be ISO-8601 (2025-09-01T10:30:00Z), timestamps or epoch numbers, or declare their format in journey.toml ([time] format = \"%d.%m.%Y %H:%M:%S\"); the reader said: {}",
            one_line(&text)
        ));
    }
    // Arrow's cast errors are text only; this one is a value of a column the journey compares
    // with a number (`where Amount >= 99` on a column exported as text).
    if let Some(at) = text.find("Cannot cast string '") {
        let value: String = text[at + 20..].chars().take_while(|&c| c != '\'').collect();
        return Diagnostic::new(
            "J4002",
            format!("a value the journey compares as a number is not a number ({label}): `{value}`"),
        )
        .help("fix the value in the export, declare the column's type in journey.toml ([types]), or compare it as text (`= \"…\"`)");
    }
    Diagnostic::new(
        "J5001",
        format!("cannot read the data ({label}): {}", one_line(&text)),
    )
    .help("check that the files are complete and of the format their extension says")
}

/// A declared-format time that did not parse, wherever DataFusion wrapped it.
fn time_error(e: &DataFusionError) -> Option<&crate::data::time::TimeError> {
    match e {
        DataFusionError::External(inner) => inner.downcast_ref(),
        DataFusionError::Context(_, inner) => time_error(inner),
        DataFusionError::Shared(inner) => time_error(inner),
        DataFusionError::ArrowError(inner, _) => match inner.as_ref() {
            datafusion::arrow::error::ArrowError::ExternalError(x) => x
                .downcast_ref::<DataFusionError>()
                .and_then(time_error)
                .or_else(|| x.downcast_ref()),
            _ => None,
        },
        _ => None,
    }
}

/// An error's text on one line (readers put details on later lines).
pub(crate) fn one_line(s: &str) -> String {
    crate::diagnostics::one_line(s)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn rfc3339(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| micros.to_string())
}

/// Now, or SOURCE_DATE_EPOCH (seconds) when set, so files can be reproduced byte for byte.
fn computed_at() -> String {
    let micros = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(|s| s * 1_000_000)
        .unwrap_or_else(|| chrono::Utc::now().timestamp_micros());
    let secs = micros.div_euclid(1_000_000) * 1_000_000;
    rfc3339(secs)
}
