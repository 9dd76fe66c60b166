//! The plan `journey run` executes: one pass over the activity table for every journey of the
//! run, counting the contacts in scope and keeping the stage-matching rows in the same scan.
//!
//! ```text
//! Projection: contact, t, tiebreak, keep, scope_0 [, scope_1 …], <columns the rules read>
//!   TableScan: activities          (projection pushdown: only those columns are decoded)
//! ```
//!
//! DataFusion decodes the columns and evaluates the per-row expressions every row needs: the
//! contact, the time, `keep` (the row can fill a stage of some journey) and `scope_k` (the row
//! is in scope `k`). The runner (`run::pass`) then counts the distinct contacts of each scope
//! and, on the kept rows only (about 2% in the benchmark), evaluates each journey's expressions
//! ([`PassJourney`]) before the chain search. These are a journey's funnel plan (whose SQL
//! `journey explain` shows) and its scope plan, fused, and shared by every journey of the run,
//! so the data is read once.

use super::{keep_rows, Pieces, RowExprs};
use crate::engine::{mask, per_value};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Column;
use datafusion::error::Result;
use datafusion::logical_expr::utils::disjunction;
use datafusion::logical_expr::{lit, Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::prelude::ident;
use std::collections::BTreeSet;

/// Names of the pass's own columns; the prefix keeps them apart from the data's columns, which
/// the projection passes through under their own names.
pub const CONTACT: &str = "__journey_contact";
pub const TIME: &str = "__journey_t";
pub const TIEBREAK: &str = "__journey_tiebreak";
pub const KEEP: &str = "__journey_keep";

pub fn scope_column(k: usize) -> String {
    format!("__journey_scope_{k}")
}

/// Rows without a contact that scope `k`'s journeys skip.
pub fn unplaced_column(k: usize) -> String {
    format!("__journey_unplaced_{k}")
}

/// One journey in the pass: its row expressions, evaluated on the kept rows, and which of them
/// it sees.
#[derive(Clone)]
pub struct PassJourney {
    pub row: RowExprs,
    /// The rows this journey's aggregate sees among the kept ones (`None`: all of them).
    pub keep: Option<Expr>,
}

pub struct PassPlan {
    pub plan: LogicalPlan,
    /// Per journey, its expressions.
    pub journeys: Vec<PassJourney>,
    /// Per journey, the index of its scope (`scope_column(k)`).
    pub scope_of: Vec<usize>,
    pub scopes: usize,
}

/// A row is kept when some journey needs it. Per distinct period, each distinct rule is tested
/// once however many journeys read it (OR-ing the journeys' whole filters tested the rules they
/// share again for every journey with another set of rules).
fn keep_any(journeys: &[&Pieces]) -> Expr {
    /// The journeys of one period: its filter, and their rules (`None`: every row).
    struct Period {
        period: Option<(i64, i64)>,
        filter: Option<Expr>,
        rules: Option<Vec<Expr>>,
    }
    let mut periods: Vec<Period> = Vec::new();
    for p in journeys {
        let at = match periods.iter().position(|x| x.period == p.period) {
            Some(at) => at,
            None => {
                periods.push(Period {
                    period: p.period,
                    filter: p.period_filter.clone(),
                    rules: Some(Vec::new()),
                });
                periods.len() - 1
            }
        };
        let rules = &mut periods[at].rules;
        match (rules.as_mut(), &p.rules) {
            (Some(all), Some(mine)) => {
                for r in mine {
                    if !all.contains(r) {
                        all.push(r.clone());
                    }
                }
            }
            // A journey needing every row of the period (`order strict`).
            _ => *rules = None,
        }
    }
    let mut any = Vec::new();
    for Period { filter, rules, .. } in periods {
        match keep_rows(filter, rules) {
            Some(keep) => any.push(keep),
            None => return lit(true),
        }
    }
    disjunction(any).unwrap_or(lit(false))
}

/// The scan's text columns read as dictionaries (`data::dictionary`), and their values' type.
fn dictionaries(scan: &LogicalPlan) -> (BTreeSet<String>, DataType) {
    let mut names = BTreeSet::new();
    let mut values = DataType::Utf8;
    for f in scan.schema().fields() {
        if let DataType::Dictionary(_, v) = f.data_type() {
            names.insert(f.name().clone());
            values = v.as_ref().clone();
        }
    }
    (names, values)
}

/// Whether the journeys' rules test text by pattern (`contains`, `starts with`, `ends with`,
/// `matches`): only then does reading text columns as dictionaries pay. An equality or `in` on
/// a decoded string is a length check and a short compare, as cheap as mapping a key to a
/// per-value answer (docs/performance.md measured it slower on the sample shape).
pub fn tests_patterns(journeys: &[&Pieces]) -> bool {
    journeys.iter().any(|p| {
        let masks = std::iter::once(&p.row.mask).chain(p.rules.iter().flatten());
        masks.into_iter().any(per_value::tests_patterns)
    })
}

/// Build the pass over `scan` for the journeys.
pub fn pass(journeys: &[&Pieces], scan: LogicalPlan) -> Result<PassPlan> {
    let first = journeys[0];
    // Tests on a dictionary column alone run once per distinct value (`engine::per_value`).
    let (names, values) = dictionaries(&scan);
    let per_value = |e: Expr| per_value::wrap(e, &names, &values);
    let keep = per_value(keep_any(journeys))?;
    let mut columns = vec![
        first.contact.clone().alias(CONTACT),
        first.time.clone().alias(TIME),
        first.tiebreak.clone().alias(TIEBREAK),
        keep.alias(KEEP),
    ];
    let mut periods: Vec<Option<(i64, i64)>> = Vec::new();
    let mut scope_of = Vec::new();
    for p in journeys {
        let k = match periods.iter().position(|x| *x == p.period) {
            Some(k) => k,
            None => {
                periods.push(p.period);
                let k = periods.len() - 1;
                columns.push(per_value(p.in_scope.clone())?.alias(scope_column(k)));
                columns.push(per_value(p.unplaced.clone())?.alias(unplaced_column(k)));
                periods.len() - 1
            }
        };
        scope_of.push(k);
    }
    let exprs: Vec<PassJourney> = journeys
        .iter()
        .map(|p| {
            let mut row = p.row.clone();
            // The same mask as the plans' `CASE` chain, built in one step (`engine::mask`).
            let rules = row.rules.iter().cloned().map(per_value);
            row.mask = mask::mask(rules.collect::<Result<_>>()?);
            Ok(PassJourney {
                row,
                // One journey keeps exactly its own rows: no second test.
                keep: match journeys.len() {
                    1 => None,
                    _ => p.keep().map(per_value).transpose()?,
                },
            })
        })
        .collect::<Result<_>>()?;
    // The data columns the journeys' expressions read, passed through for the kept rows.
    let mut raw: BTreeSet<Column> = BTreeSet::new();
    for j in &exprs {
        for e in [
            Some(&j.row.mask),
            j.keep.as_ref(),
            j.row.same.as_ref(),
            j.row.by.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            raw.extend(e.column_refs().into_iter().cloned());
        }
    }
    for c in raw {
        columns.push(ident(c.name));
    }
    // When every journey has a period on a timestamp column, rows outside all of them matter to
    // none: a filter the scan can answer from row-group statistics skips them unread.
    let ranges: Option<Vec<Expr>> = journeys.iter().map(|p| p.scan_range.clone()).collect();
    let scan = match ranges {
        Some(mut r) if !r.is_empty() => {
            r.dedup();
            LogicalPlanBuilder::from(scan)
                .filter(disjunction(r).expect("at least one"))?
                .build()?
        }
        _ => scan,
    };
    let plan = LogicalPlanBuilder::from(scan).project(columns)?.build()?;
    Ok(PassPlan {
        plan,
        journeys: exprs,
        scope_of,
        scopes: periods.len(),
    })
}
