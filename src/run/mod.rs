//! Stage 4: run lowered plans over activity data and compute the funnel.
//!
//! [`run`] registers the data, lowers each journey against the table's schema, executes one
//! pass over the data for all of them ([`pass`]), and turns each contact's reach times into the
//! stage metrics.

pub mod chain;
pub mod data;
pub mod pass;
pub mod results;
pub mod timings;
pub mod udaf;

use crate::check::hir;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::lower::{self, Binding, Lowered};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use results::{ContactReach, JourneyResult, PeriodOut};
use std::path::PathBuf;

/// How to run: the data and the engine's parallelism.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub files: Vec<PathBuf>,
    /// DataFusion target partitions (threads); results never depend on it.
    pub target_partitions: usize,
    /// Leave out rows without a usable time (counted in `rows_skipped`) instead of failing.
    pub skip_bad_rows: bool,
    /// A trend for every journey (`--trend`), else the journey's own `trend`.
    pub trend: Option<hir::Trend>,
    /// A breakdown column for every journey (`--by`), else the journey's own `by`.
    pub by: Option<String>,
    /// How many breakdown values to show before "other" (`--top`; 0 means the default, 10).
    pub top: usize,
    /// Measure the phases (`--timings`).
    pub timings: bool,
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
    SessionContext::new_with_config(config)
}

/// A context with the data registered, and its description for messages.
pub async fn open(options: &RunOptions) -> Result<(SessionContext, String), Diagnostic> {
    let ctx = session(options.target_partitions);
    data::register(&ctx, &options.files).await?;
    Ok((ctx, data::describe(&options.files)))
}

/// Lower a journey against the registered table.
pub async fn plan(
    ctx: &SessionContext,
    label: &str,
    config: &Config,
    j: &hir::Journey,
    options: &RunOptions,
) -> Result<Lowered, Diagnostic> {
    let df = ctx
        .table(data::TABLE)
        .await
        .map_err(|e| Diagnostic::new("J5001", format!("cannot read the data ({label}): {e}")))?;
    let schema = df.schema().as_arrow().clone();
    let binding = Binding {
        config,
        schema: &schema,
        data_label: label,
        lenient_time: options.skip_bad_rows,
        by: options.by.as_deref(),
    };
    lower::lower(j, &binding, df.logical_plan().clone())
}

pub async fn run(
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Vec<JourneyResult>, Diagnostic> {
    let (ctx, label) = open(options).await?;
    let mut lowered = Vec::new();
    for s in sources {
        lowered.push(plan(&ctx, &label, config, s.journey, options).await?);
    }
    run_planned(&ctx, &label, options, config, sources, &lowered).await
}

/// Run one journey over data already registered by [`open`].
pub async fn run_one(
    ctx: &SessionContext,
    label: &str,
    options: &RunOptions,
    config: &Config,
    s: &Source<'_>,
) -> Result<JourneyResult, Diagnostic> {
    let lowered = plan(ctx, label, config, s.journey, options).await?;
    let mut r = run_planned(
        ctx,
        label,
        options,
        config,
        std::slice::from_ref(s),
        std::slice::from_ref(&lowered),
    )
    .await?;
    Ok(r.remove(0))
}

/// Run planned journeys together over data registered by [`open`]: one scan for all of them
/// ([`pass`]), whatever their number (docs/performance.md).
pub async fn run_planned(
    ctx: &SessionContext,
    label: &str,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
    lowered: &[Lowered],
) -> Result<Vec<JourneyResult>, Diagnostic> {
    let mut t = timings::Timings::default();
    let clock = std::time::Instant::now();
    let scan = ctx
        .table(data::TABLE)
        .await
        .map_err(|e| execution_error(e, label, config))?
        .logical_plan()
        .clone();
    let pieces: Vec<&lower::Pieces> = lowered.iter().map(|l| &l.pieces).collect();
    let planned = lower::pass::pass(&pieces, scan).map_err(|e| {
        Diagnostic::new("J5001", format!("cannot plan the journeys: {e}")).help(
            "this is a bug in journey; please report it with the journey and the data's columns",
        )
    })?;
    t.plan = clock.elapsed();
    let (done, kept) = pass::execute(ctx, &planned, options.target_partitions.max(1))
        .await
        .map_err(|e| execution_error(e, label, config))?;
    t.scan = done.scan;
    t.rows_scanned = done.rows_scanned;
    t.rows_matched = done.rows_matched;
    let clock = std::time::Instant::now();
    let fingerprint = data::fingerprint(&options.files)?;
    let mut out = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let (contacts, rows) = done.scopes[planned.scope_of[i]];
        let counts = scope_check(
            (contacts, rows, done.bad_rows),
            label,
            options,
            config,
            s.journey,
        )?;
        // One journey's reaches at a time, so a run of many journeys holds one set of them.
        let search = std::time::Instant::now();
        let reaches = kept
            .reaches(&planned, i)
            .map_err(|e| execution_error(e, label, config))?;
        t.chains += search.elapsed();
        out.push(result_of(options, s, counts, &reaches, &fingerprint));
    }
    t.metrics = clock.elapsed().saturating_sub(t.chains);
    if options.timings {
        for r in &mut out {
            r.timings = Some(t.clone());
        }
    }
    Ok(out)
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
        let (Some(lists), Some(by)) = (s.column_by_name(udaf::REACH), s.column_by_name(udaf::BY))
        else {
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
    s: &Source<'_>,
    (contacts, rows, bad): (u64, u64, u64),
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
        data: options
            .files
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
        rows_skipped: bad,
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

/// Contacts in scope, rows in scope and rows without a usable time from a one-journey scope
/// plan's output.
fn scope_counts(scope: &[RecordBatch]) -> (u64, u64, u64) {
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
    (count("contacts"), count("rows"), count("bad_rows"))
}

/// Checks the scope counts (contacts, rows, rows without a usable time): fails on rows without
/// a time unless `--on-bad-rows skip`, and on an empty dataset.
fn scope_check(
    (contacts, rows, bad): (u64, u64, u64),
    label: &str,
    options: &RunOptions,
    config: &Config,
    j: &hir::Journey,
) -> Result<(u64, u64, u64), Diagnostic> {
    if bad > 0 && !options.skip_bad_rows {
        return Err(Diagnostic::new(
            "J5002",
            format!("{bad} rows have no usable time in column `{}` ({label})", config.columns.time),
        )
        .help("fix the export, or pass --on-bad-rows skip to leave those rows out (they are counted in the result)"));
    }
    if rows == 0 && j.period.is_none() {
        return Err(
            Diagnostic::new("J4003", format!("the data has no rows ({label})"))
                .help("point --data at a non-empty export"),
        );
    }
    Ok((contacts, rows, bad))
}

/// Each contact with a stage-matching activity, as text, with its reach times; sorted by contact
/// (numerically when every id is a number).
pub async fn contact_reaches(
    options: &RunOptions,
    config: &Config,
    j: &hir::Journey,
) -> Result<Vec<(String, ContactReach)>, Diagnostic> {
    let (ctx, label) = open(options).await?;
    let lowered = plan(&ctx, &label, config, j, options).await?;
    let scope = collect(&ctx, &lowered.scope, &label, config).await?;
    scope_check(scope_counts(&scope), &label, options, config, j)?;
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
        .map_err(|e| Diagnostic::new("J5001", format!("cannot read contact ids: {e}")))?;
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
    let text = e.to_string();
    if text.contains("timestamp")
        && (text.contains("parsing") || text.contains("Parser") || text.contains("Cast"))
    {
        return Diagnostic::new(
            "J5002",
            format!("a value of column `{}` is not a timestamp ({label})", config.columns.time),
        )
        .help(format!(
            "times must be ISO-8601 (2025-09-01T10:30:00Z), timestamps or epoch numbers; the reader said: {}",
            one_line(&text)
        ));
    }
    Diagnostic::new(
        "J5001",
        format!("cannot read the data ({label}): {}", one_line(&text)),
    )
    .help("check that the files are complete and of the format their extension says")
}

/// An error's text on one line (readers put details on later lines).
pub(crate) fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
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
