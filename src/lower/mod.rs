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
//!
//! `journey explain` shows these plans and `journey contacts` runs them; `journey run` runs
//! them fused into one scan ([`pass`]).

pub mod atoms;
pub mod explain;
mod exprs;
pub mod pass;

use crate::check::hir;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::run::chain::{Order, Program};
use crate::run::udaf::FunnelUdaf;
use datafusion::arrow::datatypes::Schema;
use datafusion::functions_aggregate::expr_fn::{count_distinct, sum};
use datafusion::logical_expr::utils::disjunction;
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
    /// The expressions the plans are built from, to build plans shared with other journeys.
    pub pieces: Pieces,
}

/// A journey's expressions over the activity table, before they are put in a plan.
#[derive(Clone)]
pub struct Pieces {
    contact: Expr,
    time: Expr,
    tiebreak: Expr,
    /// The rows the journey's aggregate needs ([`Pieces::keep`]), in parts so that journeys
    /// sharing rules test each once: the period's filter, and the rules a row must match one of
    /// (`None` under `order strict`, where any activity in between breaks a chain, so every row
    /// of the period is needed).
    period_filter: Option<Expr>,
    rules: Option<Vec<Expr>>,
    mask: Expr,
    same: Option<Expr>,
    by: Option<Expr>,
    udaf: FunnelUdaf,
    /// Rows in scope (a usable time, in the period).
    in_scope: Expr,
    /// The period, so journeys with the same scope share its count.
    period: Option<(i64, i64)>,
}

impl Pieces {
    /// The rows the journey's aggregate needs (`None`: every row): only rows that can fill a
    /// stage, in the period.
    fn keep(&self) -> Option<Expr> {
        keep_rows(self.period_filter.clone(), self.rules.clone())
    }
}

/// Rows passing `period` (`None`: all time) and matching one of `rules` (`None`: any row).
fn keep_rows(period: Option<Expr>, rules: Option<Vec<Expr>>) -> Option<Expr> {
    let rules = rules.map(|r| disjunction(r).unwrap_or(lit(false)));
    match (period, rules) {
        (None, None) => None,
        (Some(p), None) => Some(p),
        (None, Some(r)) => Some(r),
        (Some(p), Some(r)) => Some(p.and(r)),
    }
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
    let period = j.period.as_ref().map(|p| {
        time.clone()
            .gt_eq(lit(p.from))
            .and(time.clone().lt(lit(p.to)))
    });
    let rules = atoms
        .rules
        .iter()
        .map(|r| binding.rule(r))
        .collect::<Result<Vec<_>, _>>()?;
    let by = match (binding.by, &j.by) {
        (Some(name), _) => Some(binding.text(name, None)?),
        (None, Some(b)) => Some(binding.text(&b.node, Some(b.span))?),
        (None, None) => None,
    };
    let udaf = FunnelUdaf::new(program.clone(), by.is_some());
    let has_time = time.clone().is_not_null();
    let pieces = Pieces {
        contact,
        tiebreak: binding.tiebreak(),
        period_filter: period.clone(),
        rules: (program.order != Order::Strict).then_some(rules),
        mask: binding.mask(&atoms)?,
        same: binding.same_key(&j.same)?,
        by,
        udaf: udaf.clone(),
        in_scope: match period {
            Some(p) => has_time.and(p),
            None => has_time,
        },
        period: j.period.map(|p| (p.from, p.to)),
        time,
    };
    let (funnel, scope) = plans(&pieces, scan).map_err(|e| {
        Diagnostic::new("J5001", format!("cannot plan journey \"{}\": {e}", j.name)).help(
            "this is a bug in journey if the data's columns are as documented; please report it",
        )
    })?;
    Ok(Lowered {
        program,
        funnel,
        scope,
        udaf,
        pieces,
    })
}

/// One journey's funnel plan and scope plan: the plans `journey explain` shows and `journey
/// contacts` runs (`journey run` runs them fused, [`pass`]).
fn plans(
    p: &Pieces,
    scan: LogicalPlan,
) -> Result<(LogicalPlan, LogicalPlan), datafusion::error::DataFusionError> {
    let mut columns = vec![
        p.contact.clone().alias(CONTACT),
        p.time.clone().alias("t"),
        p.tiebreak.clone().alias("tiebreak"),
        p.mask.clone().alias("mask"),
    ];
    let mut args = vec![col("t"), col("tiebreak"), col("mask")];
    for (name, e) in [("same", &p.same), ("by", &p.by)] {
        if let Some(e) = e {
            columns.push(e.clone().alias(name));
            args.push(col(name));
        }
    }
    let scanned = LogicalPlanBuilder::from(scan.clone());
    let filtered = match p.keep() {
        Some(k) => scanned.filter(k)?,
        None => scanned,
    };
    let funnel = filtered
        .project(columns)?
        .aggregate(vec![col(CONTACT)], vec![p.udaf.call(args).alias(FUNNEL)])?
        .build()?;

    // The contacts and rows in scope, and the rows without a usable time (missing, or
    // unreadable with --on-bad-rows skip), which no chain can place.
    let one_if = |c: Expr| when(c, lit(1i64)).otherwise(lit(0i64));
    let contact_in = when(p.in_scope.clone(), p.contact.clone()).end()?;
    let scope = LogicalPlanBuilder::from(scan)
        .aggregate(
            Vec::<Expr>::new(),
            vec![
                count_distinct(contact_in).alias("contacts"),
                sum(one_if(p.in_scope.clone())?).alias("rows"),
                sum(one_if(p.time.clone().is_null())?).alias("bad_rows"),
            ],
        )?
        .build()?;
    Ok((funnel, scope))
}
