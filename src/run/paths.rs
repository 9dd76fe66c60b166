//! `journey paths`: what contacts did next after a stage. For each contact whose deepest stage
//! is N (it dropped off) or beyond (it went on), its first activity in scope strictly after the
//! time it reached stage N, by type and page, form or email, counted (docs/semantics.md, "What
//! they did next").

use super::errors::execution_error;
use super::RunOptions;
use crate::check::hir;
use crate::config::Config;
use crate::data::TABLE;
use crate::diagnostics::Diagnostic;
use crate::lower::Binding;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::common::JoinType;
use datafusion::datasource::MemTable;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{cast, lit, when, ExprFunctionExt, SortExpr};
use datafusion::prelude::{col, ident};
use serde::Serialize;
use std::sync::Arc;

/// The next activities after one stage, for those who went on and those who dropped off.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Paths {
    pub journey: String,
    /// The stage, from 1.
    pub after_stage: usize,
    pub stage_name: String,
    pub went_on: NextActivities,
    pub dropped: NextActivities,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NextActivities {
    /// Contacts in this group.
    pub contacts: u64,
    /// The most common next activities, most contacts first (then by type and detail).
    pub top: Vec<Next>,
    /// Contacts whose next activity is not in `top`.
    pub other: u64,
    /// Contacts with no activity in scope after reaching the stage.
    pub no_later_activity: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Next {
    /// The activity type code.
    pub activity_type: Option<String>,
    /// The page (visits), form (submissions) or email (clicks and opens); null otherwise.
    pub detail: Option<String>,
    pub contacts: u64,
    /// contacts / the group's contacts.
    pub share: f64,
}

/// The next activities after stage `stage` (1-based) of `j`, the `top` most common per group.
pub async fn next_activities(
    options: &RunOptions,
    config: &Config,
    j: &hir::Journey,
    stage: usize,
    top: usize,
) -> Result<Paths, Diagnostic> {
    // One opening of the data for both: the reach times, then the activities after them.
    let opened = super::open_one(options, config, j).await?;
    let reaches = super::reaches_in(&opened, options, config, j).await?;
    let k = stage - 1;
    // (contact, time it reached stage N, went on)
    let mut ids = Vec::new();
    let mut times = Vec::new();
    let mut went_on = Vec::new();
    for (contact, r) in &reaches {
        if let Some(Some(t)) = r.reach.get(k) {
            ids.push(contact.clone());
            times.push(*t);
            went_on.push(r.reach.len() > stage);
        }
    }
    let contacts_in = |on: bool| went_on.iter().filter(|&&w| w == on).count() as u64;
    let (on_total, dropped_total) = (contacts_in(true), contacts_in(false));

    let (ctx, data, lowered, label) = (&opened.ctx, &opened.data, &opened.lowered, &opened.label);
    let binding = Binding::new(
        config,
        data,
        options.skip_bad_rows,
        None,
        options
            .missing_columns
            .unwrap_or(config.data.missing_columns),
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("r_contact", DataType::Utf8, false),
        Field::new("r_time", DataType::Int64, false),
        Field::new("r_went_on", DataType::Boolean, false),
    ]));
    let reached = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(ids)) as ArrayRef,
            Arc::new(Int64Array::from(times)),
            Arc::new(BooleanArray::from(went_on)),
        ],
    )
    .map_err(|e| Diagnostic::internal(format!("cannot build the reached contacts: {e}")))?;
    let table = MemTable::try_new(schema, vec![vec![reached]])
        .map_err(|e| Diagnostic::internal(format!("cannot register the reached contacts: {e}")))?;

    // A column the data lacks reads as NULL here: the next activity is then named by type only.
    let present = |name: &str| {
        let (column, _) = config.columns.resolve(name);
        binding.column_type(name).map(|_| ident(column))
    };
    let text = |name: &str| {
        present(name)
            .map(|e| cast(e, DataType::Utf8))
            .unwrap_or(lit(datafusion::scalar::ScalarValue::Utf8(None)))
    };
    let kind = text("type");
    let t = &config.activity_types;
    let detail = when(
        kind.clone().in_list(
            vec![lit(t.page_visit.clone()), lit(t.landing_page.clone())],
            false,
        ),
        text("url"),
    )
    .when(
        kind.clone().eq(lit(t.form_submission.clone())),
        text("form"),
    )
    .when(
        kind.clone().in_list(
            vec![lit(t.email_click.clone()), lit(t.email_open.clone())],
            false,
        ),
        text("email"),
    )
    .otherwise(lit(datafusion::scalar::ScalarValue::Utf8(None)))
    .map_err(|e| Diagnostic::internal(format!("cannot name the next activity: {e}")))?;
    let activities = ctx
        .table(TABLE)
        .await
        .map_err(|e| execution_error(e, label, config))?
        .filter(lowered.in_scope())
        .and_then(|df| {
            df.select(vec![
                cast(lowered.contact(), DataType::Utf8).alias("a_contact"),
                lowered.time().alias("a_time"),
                binding.tiebreak().alias("a_id"),
                kind.alias("a_type"),
                detail.alias("a_detail"),
            ])
        })
        .map_err(|e| execution_error(e, label, config))?;
    let df = ctx
        .read_table(Arc::new(table))
        .map_err(|e| execution_error(e, label, config))?;
    // The first activity strictly after the stage's time: earliest, then lowest activity id.
    let order = vec![
        SortExpr::new(col("a_time"), true, false),
        SortExpr::new(col("a_id"), true, false),
    ];
    let first = row_number()
        .partition_by(vec![col("r_contact")])
        .order_by(order)
        .build()
        .map_err(|e| Diagnostic::internal(format!("cannot order the next activities: {e}")))?;
    let next = df
        .join_on(
            activities,
            JoinType::Inner,
            vec![
                col("r_contact").eq(col("a_contact")),
                col("a_time").gt(col("r_time")),
            ],
        )
        .and_then(|df| df.window(vec![first.alias("n")]))
        .and_then(|df| df.filter(col("n").eq(lit(1u64))))
        .and_then(|df| {
            df.aggregate(
                vec![col("r_went_on"), col("a_type"), col("a_detail")],
                vec![count(lit(1)).alias("contacts")],
            )
        })
        .map_err(|e| execution_error(e, label, config))?
        .collect()
        .await
        .map_err(|e| execution_error(e, label, config))?;
    let mut rows: Vec<(bool, Option<String>, Option<String>, u64)> = Vec::new();
    for b in &next {
        let on = b.column(0).as_boolean();
        let kind = b.column(1).as_string::<i32>();
        let detail = b.column(2).as_string::<i32>();
        let n = cast_i64(b.column(3))?;
        for i in 0..b.num_rows() {
            let s = |a: &StringArray| a.is_valid(i).then(|| a.value(i).to_string());
            rows.push((on.value(i), s(kind), s(detail), n.value(i).max(0) as u64));
        }
    }
    let group = |on: bool, total: u64| {
        let mut mine: Vec<&(bool, Option<String>, Option<String>, u64)> =
            rows.iter().filter(|r| r.0 == on).collect();
        mine.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| (&a.1, &a.2).cmp(&(&b.1, &b.2))));
        let with_next: u64 = mine.iter().map(|r| r.3).sum();
        let shown: Vec<Next> = mine
            .iter()
            .take(top)
            .map(|r| Next {
                activity_type: r.1.clone(),
                detail: r.2.clone(),
                contacts: r.3,
                share: r.3 as f64 / total.max(1) as f64,
            })
            .collect();
        let in_top: u64 = shown.iter().map(|n| n.contacts).sum();
        NextActivities {
            contacts: total,
            top: shown,
            other: with_next - in_top,
            no_later_activity: total - with_next,
        }
    };
    Ok(Paths {
        journey: j.name.clone(),
        after_stage: stage,
        stage_name: j.stages[k].name.clone(),
        went_on: group(true, on_total),
        dropped: group(false, dropped_total),
    })
}

fn cast_i64(a: &ArrayRef) -> Result<Int64Array, Diagnostic> {
    let c = datafusion::arrow::compute::cast(a, &DataType::Int64)
        .map_err(|e| Diagnostic::internal(format!("cannot read the counts: {e}")))?;
    Ok(c.as_primitive::<Int64Type>().clone())
}
