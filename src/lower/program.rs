//! A checked journey as the engine's program: every stage condition over the row masks of its
//! numbered rules (`check::rules`: rule `i` is bit `i`), with the windows, exclusions, order and
//! `same` the engine needs.

use crate::check::hir::{self, Predicate, StageCondition};
use crate::check::rules::Rules;
use crate::engine::program::{Cond, ExclusionProgram, Order, Program, StageProgram};

fn predicate(rules: &Rules, p: &Predicate) -> u64 {
    match p {
        Predicate::Rule(r) => 1 << rules.number(r),
        Predicate::Any(ps) => ps.iter().fold(0, |m, p| m | predicate(rules, p)),
    }
}

fn condition(rules: &Rules, c: &StageCondition) -> Cond {
    match c {
        StageCondition::Match(p) => Cond::Match(predicate(rules, p)),
        StageCondition::AtLeast {
            times,
            predicate: p,
        } => Cond::AtLeast(*times, predicate(rules, p)),
        StageCondition::All(parts) => {
            Cond::All(parts.iter().map(|p| condition(rules, p)).collect())
        }
        StageCondition::Any(parts) => {
            Cond::Any(parts.iter().map(|p| condition(rules, p)).collect())
        }
        StageCondition::Absent(p) => Cond::Absent(predicate(rules, p)),
    }
}

/// The engine program of a checked journey.
pub fn program(j: &hir::Journey) -> Program {
    let rules = &j.rules;
    Program {
        stages: j
            .stages
            .iter()
            .map(|s| StageProgram {
                cond: condition(rules, &s.condition),
                window: s.window.as_ref().map(|w| w.node),
                min_gap: s.min_gap.as_ref().map(|g| g.node),
                optional: s.optional,
            })
            .collect(),
        window: j.window.as_ref().map(|w| w.node),
        exclusions: j
            .exclusions
            .iter()
            .map(|e| ExclusionProgram {
                mask: predicate(rules, &e.predicate),
                from: e.from,
                to: e.to,
            })
            .collect(),
        ties_forbidden: j.ties == hir::Ties::Forbidden,
        order: match j.order {
            hir::Order::Sequential => Order::Sequential,
            hir::Order::Strict => Order::Strict,
            hir::Order::Any => Order::Any,
        },
        same: !j.same.is_empty(),
        by_from: j.by_from,
    }
}
