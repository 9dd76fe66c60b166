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

pub mod explain;
mod exprs;
pub mod program;
pub use exprs::{rule_parts, RuleParts};
pub mod pass;

use crate::check::hir;
use crate::config::{Config, MissingColumns};
use crate::data::DataSet;
use crate::diagnostics::Diagnostic;
use crate::engine::metrics_udaf::MetricsUdaf;
use crate::engine::program::{ByFrom, Order, Program};
use crate::engine::summary::MetricsProgram;
use crate::engine::udaf::FunnelUdaf;
use crate::span::Span;
use datafusion::functions_aggregate::expr_fn::{count_distinct, sum};
use datafusion::logical_expr::utils::disjunction;
use datafusion::logical_expr::{lit, when, Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::prelude::col;
use std::cell::RefCell;

/// What a journey needs of the data: the mapping, and the data's table and files.
pub struct Binding<'a> {
    pub config: &'a Config,
    pub data: &'a DataSet,
    /// Read unreadable times as missing (`--on-bad-rows skip`) instead of failing.
    pub lenient_time: bool,
    /// A breakdown from the command line (`--by`, and `--by-from`, stage 1 when `None`),
    /// instead of the journey's `by`.
    pub by: Option<(&'a str, Option<ByFrom>)>,
    /// A column some files lack: an error, or NULL there.
    pub missing_columns: MissingColumns,
    /// What [`Binding::column`] found wrong, reported together by [`Binding::finish`].
    problems: RefCell<Problems>,
}

impl<'a> Binding<'a> {
    pub fn new(
        config: &'a Config,
        data: &'a DataSet,
        lenient_time: bool,
        by: Option<(&'a str, Option<ByFrom>)>,
        missing_columns: MissingColumns,
    ) -> Self {
        Binding {
            config,
            data,
            lenient_time,
            by,
            missing_columns,
            problems: RefCell::default(),
        }
    }
}

/// Columns a journey reads that the data cannot give as asked.
#[derive(Default)]
struct Problems {
    /// In no file: (column, its journey.toml key, where the journey reads it).
    missing: Vec<(String, Option<&'static str>, Option<Span>)>,
    /// With types that do not meet across files.
    conflicts: Vec<(String, Option<Span>)>,
    /// In some files only.
    partial: Vec<(String, Option<Span>)>,
    /// In some files only, read as NULL elsewhere (`missing_columns = "null"`).
    nulls: Vec<String>,
}

pub struct Lowered {
    pub program: Program,
    /// The journey's distinct rules, by bit of the row mask (`check::rules`).
    pub rules: Vec<hir::RuleMatch>,
    /// Columns some files lack, read as NULL there (`missing_columns = "null"`): the run
    /// warns with their files and rows.
    pub null_columns: Vec<String>,
    /// Contact, reach (list of stage reach times) per contact with a stage-matching activity.
    pub funnel: LogicalPlan,
    /// One row: contacts in scope, rows in scope, rows without a contact, rows with a contact
    /// and without a usable time.
    pub scope: LogicalPlan,
    pub udaf: FunnelUdaf,
    /// The expressions the plans are built from, to build plans shared with other journeys.
    pub pieces: Pieces,
}

impl Lowered {
    /// Rows in scope (a contact, a usable time, in the period).
    pub fn in_scope(&self) -> Expr {
        self.pieces.in_scope.clone()
    }

    /// Rows without a contact the journey skips (in its period, or with no usable time).
    pub fn unplaced(&self) -> Expr {
        self.pieces.unplaced.clone()
    }

    /// The contact, as the journey reads it.
    pub fn contact(&self) -> Expr {
        self.pieces.contact.clone()
    }

    /// The time in microseconds, as the journey reads it (NULL where unusable).
    pub fn time(&self) -> Expr {
        self.pieces.time.clone()
    }
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
    /// What the aggregate takes of each row.
    row: RowExprs,
    /// Rows in scope (a contact, a usable time, in the period).
    in_scope: Expr,
    /// Rows without a contact that the journey skips (docs/semantics.md).
    unplaced: Expr,
    /// With a period, the rows that can matter to the journey, tested on the time column itself
    /// (`Binding::time_range`), for the scan to skip row groups outside the period.
    scan_range: Option<Expr>,
    /// The period, so journeys with the same scope share its count.
    period: Option<(i64, i64)>,
}

/// A journey's expressions over one activity row, as its aggregate takes them: the rule mask,
/// the `same` and `by` values, and the aggregate itself.
#[derive(Clone)]
pub struct RowExprs {
    pub mask: Expr,
    /// The rules the mask is built from, by bit (the one-pass run builds the same mask from
    /// them in one step: `engine::mask`).
    pub rules: Vec<Expr>,
    pub same: Option<Expr>,
    pub by: Option<Expr>,
    pub udaf: FunnelUdaf,
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

/// The metrics plan's one column (JSON of `engine::summary::Figures`).
pub const FIGURES: &str = "figures";

/// Column names of the plans' outputs.
pub const CONTACT: &str = "contact";
/// The aggregate's output: a struct of the reach times and the breakdown value.
pub const FUNNEL: &str = crate::engine::udaf::FUNNEL;

/// Where `--by`'s value comes from in `j`: `--by-from`'s stage, which `j` must have, or stage 1.
fn by_from(j: &hir::Journey, from: Option<ByFrom>) -> Result<ByFrom, Diagnostic> {
    match from.unwrap_or_default() {
        ByFrom::Stage(k) if k >= j.stages.len() => Err(Diagnostic::new(
            "J1003",
            format!("there is no stage {} (`--by-from {}`)", k + 1, k + 1),
        )
        .help(format!(
            "journey \"{}\" has {} stages, numbered from 1; give `--by-from` one of them, or `last`",
            j.name,
            j.stages.len()
        ))),
        from => Ok(from),
    }
}

/// Lower a checked journey over `scan` (a plan reading the activity table).
pub fn lower(
    j: &hir::Journey,
    binding: &Binding,
    scan: LogicalPlan,
) -> Result<Lowered, Diagnostic> {
    let mut program = program::program(j);
    if let Some((_, from)) = binding.by {
        program.by_from = by_from(j, from)?;
    }
    // The funnel's unit: the contact, or the `count by` column's value.
    let contact = match &j.count_by {
        Some(unit) => binding.column(&unit.node, Some(unit.span))?,
        None => binding.column("contact", None)?,
    };
    let time = binding.time_micros()?;
    let period = j.period.as_ref().map(|p| {
        time.clone()
            .gt_eq(lit(p.from))
            .and(time.clone().lt(lit(p.to)))
    });
    let rules = j
        .rules
        .rules
        .iter()
        .map(|r| binding.rule(r))
        .collect::<Result<Vec<_>, _>>()?;
    let by = match (binding.by, &j.by) {
        (Some((name, _)), _) => Some(binding.text(name, None)?),
        (None, Some(b)) => Some(binding.text(&b.node, Some(b.span))?),
        (None, None) => None,
    };
    let mask = binding.mask(&j.rules.rules)?;
    let by_bit = rules.clone();
    let same = binding.same_key(&j.same)?;
    let tiebreak = binding.tiebreak();
    let null_columns = binding.finish()?;
    let udaf = FunnelUdaf::new(program.clone(), by.is_some());
    // A row counts only with a contact and a usable time (docs/semantics.md); the others are
    // counted as skipped.
    let usable = contact
        .clone()
        .is_not_null()
        .and(time.clone().is_not_null());
    // A row without a contact is skipped where it could have counted: in the period, or with
    // no usable time (which no period can place).
    let unplaced = match &period {
        Some(p) => contact
            .clone()
            .is_null()
            .and(time.clone().is_null().or(p.clone())),
        None => contact.clone().is_null(),
    };
    let period = match period {
        Some(p) => Some(usable.clone().and(p)),
        None => Some(usable.clone()),
    };
    let pieces = Pieces {
        contact,
        tiebreak,
        period_filter: period.clone(),
        rules: (program.order != Order::Strict).then_some(rules),
        row: RowExprs {
            mask,
            rules: by_bit,
            same,
            by,
            udaf: udaf.clone(),
        },
        in_scope: period.unwrap_or(usable),
        unplaced,
        scan_range: j.period.and_then(|p| binding.time_range(p.from, p.to)),
        period: j.period.map(|p| (p.from, p.to)),
        time,
    };
    let (funnel, scope) = plans(&pieces, scan)
        .map_err(|e| Diagnostic::internal(format!("cannot plan journey \"{}\": {e}", j.name)))?;
    Ok(Lowered {
        program,
        rules: j.rules.rules.clone(),
        null_columns,
        funnel,
        scope,
        udaf,
        pieces,
    })
}

impl Lowered {
    /// One row, `figures`: the journey's figures (`engine::summary`, as JSON) over the funnel
    /// plan's contacts — the metrics reduced where the plan runs.
    pub fn metrics(&self, program: MetricsProgram) -> Result<LogicalPlan, Diagnostic> {
        LogicalPlanBuilder::from(self.funnel.clone())
            .aggregate(
                Vec::<Expr>::new(),
                vec![MetricsUdaf::new(program).call(col(FUNNEL)).alias(FIGURES)],
            )
            .and_then(|b| b.build())
            .map_err(|e| Diagnostic::internal(format!("cannot plan the metrics: {e}")))
    }

    /// One row: per rule (bit `b` of the mask), the rows the journey's aggregate takes that
    /// match it, as `rule_b` (a rule no row matches is worth a warning). For runs that cannot
    /// count them on the way (a cluster's).
    pub fn rule_counts(&self, scan: LogicalPlan) -> Result<LogicalPlan, Diagnostic> {
        use datafusion::logical_expr::{binary_expr, cast, Operator};
        let p = &self.pieces;
        let mask = cast(
            p.row.mask.clone(),
            datafusion::arrow::datatypes::DataType::Int64,
        );
        let counts = (0..self.rules.len())
            .map(|b| {
                let bit = binary_expr(mask.clone(), Operator::BitwiseAnd, lit(1i64 << b));
                Ok(
                    sum(when(bit.not_eq(lit(0i64)), lit(1i64)).otherwise(lit(0i64))?)
                        .alias(format!("rule_{b}")),
                )
            })
            .collect::<Result<Vec<Expr>, datafusion::error::DataFusionError>>();
        let plan = counts.and_then(|counts| {
            let scanned = LogicalPlanBuilder::from(scan);
            let filtered = match p.keep() {
                Some(k) => scanned.filter(k)?,
                None => scanned,
            };
            filtered.aggregate(Vec::<Expr>::new(), counts)?.build()
        });
        plan.map_err(|e| Diagnostic::internal(format!("cannot plan the rule counts: {e}")))
    }
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
        p.row.mask.clone().alias("mask"),
    ];
    let mut args = vec![col("t"), col("tiebreak"), col("mask")];
    for (name, e) in [("same", &p.row.same), ("by", &p.row.by)] {
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
        .aggregate(
            vec![col(CONTACT)],
            vec![p.row.udaf.call(args).alias(FUNNEL)],
        )?
        .build()?;

    // The contacts and rows in scope, and the rows that cannot count: without a contact, or
    // (with one) without a usable time (missing, or unreadable with --on-bad-rows skip).
    let one_if = |c: Expr| when(c, lit(1i64)).otherwise(lit(0i64));
    let contact_in = when(p.in_scope.clone(), p.contact.clone()).end()?;
    let scope = LogicalPlanBuilder::from(scan)
        .aggregate(
            Vec::<Expr>::new(),
            vec![
                count_distinct(contact_in).alias("contacts"),
                sum(one_if(p.in_scope.clone())?).alias("rows"),
                sum(one_if(p.unplaced.clone())?).alias("no_contact"),
                sum(one_if(
                    p.contact
                        .clone()
                        .is_not_null()
                        .and(p.time.clone().is_null()),
                )?)
                .alias("no_time"),
            ],
        )?
        .build()?;
    Ok((funnel, scope))
}
