//! Stage 3: checked journey → DataFusion logical plans.
//!
//! The funnel plan reads only the columns the journey uses, keeps the rows in the period that
//! match some rule (so only those reach the aggregate), gives each a mask of the rules it
//! matches, and aggregates per contact with the `journey_funnel` UDAF:
//!
//! ```text
//! Aggregate: group by contact, journey_funnel(t, tiebreak, mask [, same] [, by]) AS funnel
//!   Projection: contact, t, tiebreak, mask [, same] [, by]
//!     Filter: period AND (rule_0 OR rule_1 OR …)
//!       TableScan: activities
//! ```
//!
//! Every feature (orders, windows, exclusions, optional stages, `same`, `by`, trends) is
//! evaluated inside that one aggregate; `order strict` only drops the rule filter, since an
//! activity matching no stage still breaks a strict chain.
//!
//! The scope plan counts the contacts with any activity in the period (the base of stage 1's
//! conversion) and the rows in scope.

pub mod atoms;
pub mod explain;
mod exprs;

use crate::check::hir;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::run::chain::{Order, Program};
use crate::run::udaf::FunnelUdaf;
use datafusion::arrow::datatypes::Schema;
use datafusion::functions_aggregate::expr_fn::{count_distinct, sum};
use datafusion::logical_expr::{lit, when, Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::prelude::col;

/// What a journey needs of the data: the mapping and the table's schema.
pub struct Binding<'a> {
    pub config: &'a Config,
    pub schema: &'a Schema,
    /// Where the data came from, for messages ("journeys/data/sample.parquet").
    pub data_label: &'a str,
    /// Read unreadable times as missing (`--on-bad-rows skip`) instead of failing.
    pub lenient_time: bool,
    /// A breakdown column from the command line (`--by`), instead of the journey's `by`.
    pub by: Option<&'a str>,
}

pub struct Lowered {
    pub program: Program,
    /// Contact, reach (list of stage reach times) per contact with a stage-matching activity.
    pub funnel: LogicalPlan,
    /// One row: contacts in scope, rows in scope, rows without a usable time.
    pub scope: LogicalPlan,
    pub udaf: FunnelUdaf,
}

/// Column names of the plans' outputs.
pub const CONTACT: &str = "contact";
/// The aggregate's output: a struct of the reach times and the breakdown value.
pub const FUNNEL: &str = "funnel";

/// Lower a checked journey over `scan` (a plan reading the activity table).
pub fn lower(
    j: &hir::Journey,
    binding: &Binding,
    scan: LogicalPlan,
) -> Result<Lowered, Diagnostic> {
    let (program, atoms) = atoms::compile(j)?;
    let contact = binding.column("contact", None)?;
    let time = binding.time_micros()?;
    let time_for_scope = time.clone();
    let period = j.period.as_ref().map(|p| {
        time.clone()
            .gt_eq(lit(p.from))
            .and(time.clone().lt(lit(p.to)))
    });
    let any_rule = atoms
        .rules
        .iter()
        .map(|r| binding.rule(r))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .reduce(Expr::or)
        .unwrap_or(lit(false));
    let mask = binding.mask(&atoms)?;
    let same = binding.same_key(&j.same)?;
    let by = match (binding.by, &j.by) {
        (Some(name), _) => Some(binding.text(name, None)?),
        (None, Some(b)) => Some(binding.text(&b.node, Some(b.span))?),
        (None, None) => None,
    };
    let udaf = FunnelUdaf::new(program.clone(), by.is_some());

    let plan_err = |e: datafusion::error::DataFusionError| {
        Diagnostic::new("J5001", format!("cannot plan journey \"{}\": {e}", j.name)).help(
            "this is a bug in journey if the data's columns are as documented; please report it",
        )
    };
    // Only rows that can fill a stage reach the aggregate — except under `order strict`,
    // where any activity in between breaks a chain, so every row in scope is needed.
    let in_funnel = match (&period, program.order == Order::Strict) {
        (Some(p), false) => Some(p.clone().and(any_rule)),
        (None, false) => Some(any_rule),
        (Some(p), true) => Some(p.clone()),
        (None, true) => None,
    };
    let mut columns = vec![
        contact.clone().alias(CONTACT),
        time.alias("t"),
        binding.tiebreak().alias("tiebreak"),
        mask.alias("mask"),
    ];
    let mut args = vec![col("t"), col("tiebreak"), col("mask")];
    for (name, e) in [("same", same), ("by", by)] {
        if let Some(e) = e {
            columns.push(e.alias(name));
            args.push(col(name));
        }
    }
    let scanned = LogicalPlanBuilder::from(scan.clone());
    let filtered = match in_funnel {
        Some(f) => scanned.filter(f),
        None => Ok(scanned),
    };
    let funnel = filtered
        .and_then(|b| b.project(columns))
        .and_then(|b| b.aggregate(vec![col(CONTACT)], vec![udaf.call(args).alias(FUNNEL)]))
        .and_then(|b| b.build())
        .map_err(plan_err)?;
    // One pass counts the contacts and rows in scope, and the rows without a usable time
    // (missing, or unreadable with --on-bad-rows skip), which no chain can place.
    let has_time = time_for_scope.clone().is_not_null();
    let in_scope = match period {
        Some(p) => has_time.clone().and(p),
        None => has_time.clone(),
    };
    let when_err = |e: datafusion::error::DataFusionError| plan_err(e);
    let one_if = |c: Expr| when(c, lit(1i64)).otherwise(lit(0i64));
    let rows_in = one_if(in_scope.clone()).map_err(when_err)?;
    let bad = one_if(time_for_scope.is_null()).map_err(when_err)?;
    let contact_in = when(in_scope, contact).end().map_err(when_err)?;
    let scope = LogicalPlanBuilder::from(scan)
        .aggregate(
            Vec::<Expr>::new(),
            vec![
                count_distinct(contact_in).alias("contacts"),
                sum(rows_in).alias("rows"),
                sum(bad).alias("bad_rows"),
            ],
        )
        .and_then(|b| b.build())
        .map_err(plan_err)?;
    Ok(Lowered {
        program,
        funnel,
        scope,
        udaf,
    })
}
