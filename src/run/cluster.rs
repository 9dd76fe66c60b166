//! `journey run --cluster df://HOST:PORT`: the journeys' own plans on an Apache Ballista cluster
//! (`crate::cluster`). Per journey, three plans run on the executors — the metrics (scan, the
//! stage filter, a shuffle by contact, `journey_funnel` per contact, then `journey_metrics` over
//! the contacts: partial summaries where the contacts are, merged into the figures), the scope
//! counts and the rule counts — and the client receives one row of each: never a row per
//! contact. The figures are the same arithmetic as a local run's (`engine::summary`), so the
//! numbers are the same (tests/cluster.rs compares them).

use super::contact_list::scope_counts;
use super::locate::bad_rows;
use super::results::{JourneyResult, RunWarning};
use super::warnings::{stage_of, warnings_of};
use super::{metrics, no_rows, open_for_in, plan, table_scan, Batch, Failure, RunOptions, Source};
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::engine::summary::Figures;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};

/// J5007: the cluster cannot be reached, or cannot run the plan.
pub fn cluster_error(url: &str, said: &str) -> Diagnostic {
    Diagnostic::new(
        "J5007",
        format!("the cluster at {url} cannot run the journeys: {said}"),
    )
    .help("start a scheduler and executors (`journey cluster scheduler`, `journey cluster executor`, docs/cluster.md) and put the data where every executor can read it")
}

/// [`super::run_each`] on the cluster at `url`.
pub async fn run_each(
    url: &str,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Batch, Failure> {
    let ctx = crate::cluster::session(url, options.target_partitions)
        .await
        .map_err(|e| cluster_error(url, &e))?;
    run_each_in(ctx, url, options, config, sources).await
}

/// [`run_each`] in a session on a cluster (`crate::cluster::session`, or `standalone`).
pub async fn run_each_in(
    ctx: datafusion::prelude::SessionContext,
    url: &str,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Batch, Failure> {
    let (ctx, data) = open_for_in(ctx, options, config, sources).await?;
    let label = data.describe();
    let fingerprint = crate::io::fingerprint::fingerprint(data.files())?;
    let scan = table_scan(&ctx, crate::data::TABLE).await?;
    let mut results: Vec<Option<JourneyResult>> = sources.iter().map(|_| None).collect();
    let mut failures = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let lowered = match plan(&ctx, &data, config, s.journey, options).await {
            Ok(l) => l,
            Err(diagnostic) => {
                failures.push(Failure {
                    journey: Some(i),
                    diagnostic,
                });
                continue;
            }
        };
        let scope = on_cluster(&ctx, &lowered.scope, url).await?;
        let (contacts, rows, skipped) = scope_counts(&scope)?;
        let skipped = skipped.under(s.journey);
        bad_rows(&skipped, &data, options, config, s, &label).await?;
        if rows == 0 && s.journey.period.is_none() {
            return Err(no_rows(&label).into());
        }
        let program = metrics::program(options, s.journey);
        let figures = figures(&on_cluster(&ctx, &lowered.metrics(program)?, url).await?)?;
        let counts = rule_counts(
            &on_cluster(&ctx, &lowered.rule_counts(scan.clone())?, url).await?,
            lowered.rules.len(),
        )?;
        let warnings = warnings_of(&ctx, &data, config, s, &lowered, &counts).await?;
        let mut r = metrics::result(
            options,
            &data,
            s,
            (contacts, rows, skipped),
            figures,
            &fingerprint,
        );
        r.warnings = warnings
            .iter()
            .map(|d| RunWarning::of(d, s.text, stage_of(s.journey, d)))
            .collect();
        results[i] = Some(r);
    }
    Ok(Batch { results, failures })
}

/// A plan's rows from the cluster. A job that fails there comes back as the cluster's message
/// (a task's error crosses the wire as text), J5007 with it.
async fn on_cluster(
    ctx: &datafusion::prelude::SessionContext,
    plan: &datafusion::logical_expr::LogicalPlan,
    url: &str,
) -> Result<Vec<datafusion::arrow::array::RecordBatch>, Diagnostic> {
    let failed = |e: datafusion::error::DataFusionError| {
        cluster_error(url, &crate::diagnostics::one_line(&e.to_string()))
    };
    ctx.execute_logical_plan(plan.clone())
        .await
        .map_err(failed)?
        .collect()
        .await
        .map_err(failed)
}

/// The figures of [`crate::lower::Lowered::metrics`]'s one row.
fn figures(batches: &[datafusion::arrow::array::RecordBatch]) -> Result<Figures, Diagnostic> {
    let row = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| Diagnostic::internal("the metrics came back empty"))?;
    let text = row
        .column_by_name(crate::lower::FIGURES)
        .and_then(|c| c.as_string_opt::<i32>())
        .filter(|t| t.is_valid(0))
        .ok_or_else(|| Diagnostic::internal("the metrics came back without figures"))?;
    serde_json::from_str(text.value(0))
        .map_err(|e| Diagnostic::internal(format!("cannot read the figures: {e}")))
}

/// The counts of [`crate::lower::Lowered::rule_counts`]'s one row.
fn rule_counts(
    batches: &[datafusion::arrow::array::RecordBatch],
    rules: usize,
) -> Result<Vec<u64>, Diagnostic> {
    let row = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| Diagnostic::internal("the rule counts came back empty"))?;
    (0..rules)
        .map(|b| {
            let name = format!("rule_{b}");
            let column = row
                .column_by_name(&name)
                .ok_or_else(|| Diagnostic::internal(format!("the rule counts lost {name}")))?;
            let column = cast(column, &DataType::Int64)
                .map_err(|e| Diagnostic::internal(format!("cannot read {name}: {e}")))?;
            let values = column.as_primitive::<Int64Type>();
            // SUM over no rows is NULL: no row matched.
            Ok(if values.is_null(0) {
                0
            } else {
                values.value(0).max(0) as u64
            })
        })
        .collect()
}
