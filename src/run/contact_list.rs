//! `journey contacts`: each contact with a stage-matching activity and its reach times, from the
//! one-journey plans `journey explain` shows (the aggregate per contact, and the scope count).

use super::errors::execution_error;
use super::locate::bad_rows;
use super::results::SkippedRows;
use super::{no_rows, open_for, plan, RunOptions, Source};
use crate::check::hir;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::engine::reach::ContactReach;
use crate::engine::udaf::reaches;
use crate::lower;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;

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

/// Contacts in scope, rows in scope and rows that cannot count from a one-journey scope
/// plan's output.
pub(super) fn scope_counts(scope: &[RecordBatch]) -> Result<(u64, u64, SkippedRows), Diagnostic> {
    let row = scope
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| Diagnostic::internal("the scope counts came back empty"))?;
    let count = |name: &str| -> Result<u64, Diagnostic> {
        let c = row
            .column_by_name(name)
            .ok_or_else(|| Diagnostic::internal(format!("the scope counts lost {name}")))?;
        let c = datafusion::arrow::compute::cast(c, &datafusion::arrow::datatypes::DataType::Int64)
            .map_err(|e| Diagnostic::internal(format!("cannot read {name}: {e}")))?;
        let a = c.as_primitive::<Int64Type>();
        // A sum over no rows is NULL: none.
        Ok(if a.is_null(0) {
            0
        } else {
            a.value(0).max(0) as u64
        })
    };
    Ok((
        count("contacts")?,
        count("rows")?,
        SkippedRows {
            no_contact: count("no_contact")?,
            no_time: count("no_time")?,
            no_unit: 0,
        },
    ))
}

/// Each contact with a stage-matching activity, as text, with its reach times; sorted by contact
/// (numerically when every id is a number).
pub async fn contact_reaches(
    options: &RunOptions,
    config: &Config,
    j: &hir::Journey,
) -> Result<Vec<(String, ContactReach)>, Diagnostic> {
    let opened = open_one(options, config, j).await?;
    reaches_in(&opened, options, config, j).await
}

/// One journey's data registered and its plans lowered, for the commands that look at its
/// contacts (`journey contacts`, `journey test`, `journey paths`).
pub(super) struct Opened {
    pub ctx: SessionContext,
    pub data: crate::data::DataSet,
    pub lowered: lower::Lowered,
    /// The data, in words, for messages.
    pub label: String,
}

pub(super) async fn open_one(
    options: &RunOptions,
    config: &Config,
    j: &hir::Journey,
) -> Result<Opened, Diagnostic> {
    let only = [Source {
        journey: j,
        text: "",
    }];
    let (ctx, data) = open_for(options, config, &only).await?;
    let label = data.describe();
    let lowered = plan(&ctx, &data, config, j, options).await?;
    Ok(Opened {
        ctx,
        data,
        lowered,
        label,
    })
}

/// [`contact_reaches`] over data already opened.
pub(super) async fn reaches_in(
    o: &Opened,
    options: &RunOptions,
    config: &Config,
    j: &hir::Journey,
) -> Result<Vec<(String, ContactReach)>, Diagnostic> {
    let (ctx, data, lowered, label) = (&o.ctx, &o.data, &o.lowered, o.label.as_str());
    let scope = collect(ctx, &lowered.scope, label, config).await?;
    let (_, rows, skipped) = scope_counts(&scope)?;
    let skipped = skipped.under(j);
    let source = Source {
        journey: j,
        text: "",
    };
    bad_rows(&skipped, data, options, config, &source, label).await?;
    if rows == 0 && j.period.is_none() {
        return Err(no_rows(label));
    }
    let funnel = collect(ctx, &lowered.funnel, label, config).await?;
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
        .map_err(|e| Diagnostic::internal(format!("cannot read contact ids: {e}")))?;
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
