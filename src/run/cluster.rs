//! `journey run --cluster df://HOST:PORT`: the journeys' own plans on an Apache Ballista cluster
//! (`crate::cluster`). Per journey, three plans run on the executors — the funnel (scan, the
//! stage filter, a shuffle by contact, `journey_funnel` per contact), the scope counts and the
//! rule counts — and the client turns the contacts' reaches into the metrics with the same code
//! as a local run, so the numbers are the same (tests/cluster.rs compares them).
//!
//! Not yet reduced on the cluster: the metrics. The client receives one row per contact that
//! reached stage 1 (its reach times and breakdown value), not only the figures.

use super::contact_list::{collect, scope_counts};
use super::locate::bad_rows;
use super::results::{JourneyResult, RunWarning};
use super::warnings::{stage_of, warnings_of};
use super::{metrics, no_rows, open_for_in, plan, Batch, Failure, RunOptions, Source};
use crate::config::Config;
use crate::data::TABLE;
use crate::diagnostics::Diagnostic;
use crate::engine::udaf::reaches;
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
    run_each_in(ctx, options, config, sources).await
}

/// [`run_each`] in a session on a cluster (`crate::cluster::session`, or `standalone`).
pub async fn run_each_in(
    ctx: datafusion::prelude::SessionContext,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Result<Batch, Failure> {
    let (ctx, data) = open_for_in(ctx, options, config, sources).await?;
    let label = data.describe();
    let fingerprint = crate::io::fingerprint::fingerprint(data.files())?;
    let scan = ctx
        .table(TABLE)
        .await
        .map_err(|e| Diagnostic::internal(format!("the data's table is not registered: {e}")))?
        .logical_plan()
        .clone();
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
        let scope = collect(&ctx, &lowered.scope, &label, config).await?;
        let (contacts, rows, skipped) = scope_counts(&scope)?;
        bad_rows(&skipped, &data, options, config, s, &label).await?;
        if rows == 0 && s.journey.period.is_none() {
            return Err(no_rows(&label).into());
        }
        let funnel = collect(&ctx, &lowered.funnel, &label, config).await?;
        let reached: Vec<_> = reaches(&funnel)
            .into_iter()
            .filter(|r| r.reached(0))
            .collect();
        let counts = rule_counts(
            &collect(&ctx, &lowered.rule_counts(scan.clone())?, &label, config).await?,
            lowered.rules.len(),
        )?;
        let warnings = warnings_of(&ctx, &data, config, s, &lowered, &counts).await?;
        let mut r = metrics::result(
            options,
            &data,
            s,
            (contacts, rows, skipped),
            metrics::figures(metrics::program(options, s.journey), &reached),
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
