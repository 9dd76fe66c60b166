//! Canonical texts of checked conditions, durations and instants: two things mean the same
//! exactly when their texts are equal. Operands of `and`, `or` and `in [...]` are sorted (their
//! order never changes what matches), nested groups of one kind are flattened, and `all of { }`
//! reads as `and`; what remains is printed in the language's own syntax, so a reviewer reads a
//! condition change as journey code.

use crate::check::hir::{Predicate, StageCondition};
use crate::fmt::rule_text;
use crate::syntax::ast::{CompareValue, Filter, FilterKind, Rule};

/// The canonical text of a stage condition.
pub fn condition(c: &StageCondition) -> String {
    match c {
        StageCondition::Match(p) => predicate(p),
        StageCondition::AtLeast {
            times,
            predicate: p,
        } => {
            let word = if *times == 1 { "time" } else { "times" };
            format!("at least {times} {word}: {}", atom(predicate(p), is_or(p)))
        }
        StageCondition::All(parts) => {
            let mut all = Vec::new();
            flatten_all(parts, &mut all);
            let mut texts: Vec<String> = all
                .iter()
                .map(|p| atom(condition(p), is_any_condition(p)))
                .collect();
            texts.sort();
            texts.join(" and ")
        }
        StageCondition::Any(_) => {
            let mut texts = Vec::new();
            disjuncts(c, &mut texts);
            texts.sort();
            texts.join(" or ")
        }
        StageCondition::Absent(p) => format!("not {}", atom(predicate(p), is_or(p))),
    }
}

/// The canonical text of a single-row predicate (an exclusion's condition).
pub fn predicate(p: &Predicate) -> String {
    match p {
        Predicate::Rule(r) => rule_text(&Rule {
            kind: r.kind.clone(),
            filter: r.filter.as_ref().map(filter),
            span: r.span,
        }),
        Predicate::Any(_) => {
            let mut texts = Vec::new();
            predicate_disjuncts(p, &mut texts);
            texts.sort();
            texts.join(" or ")
        }
    }
}

fn atom(text: String, needs_parens: bool) -> String {
    if needs_parens {
        format!("({text})")
    } else {
        text
    }
}

fn is_or(p: &Predicate) -> bool {
    matches!(p, Predicate::Any(members) if members.len() > 1)
}

/// True when the condition prints as an `or` (and so needs parentheses under `and`).
fn is_any_condition(c: &StageCondition) -> bool {
    match c {
        StageCondition::Any(parts) => parts.len() > 1,
        StageCondition::Match(p) => is_or(p),
        _ => false,
    }
}

fn flatten_all<'a>(parts: &'a [StageCondition], out: &mut Vec<&'a StageCondition>) {
    for p in parts {
        match p {
            StageCondition::All(inner) => flatten_all(inner, out),
            other => out.push(other),
        }
    }
}

fn disjuncts(c: &StageCondition, out: &mut Vec<String>) {
    match c {
        StageCondition::Any(parts) => parts.iter().for_each(|p| disjuncts(p, out)),
        StageCondition::Match(p) => predicate_disjuncts(p, out),
        // An `and` under `or` binds tighter: no parentheses needed.
        other => out.push(condition(other)),
    }
}

fn predicate_disjuncts(p: &Predicate, out: &mut Vec<String>) {
    match p {
        Predicate::Any(members) => members.iter().for_each(|m| predicate_disjuncts(m, out)),
        rule => out.push(predicate(rule)),
    }
}

/// A `where` filter with `and`/`or` flattened and sorted and `in` lists sorted.
fn filter(f: &Filter) -> Filter {
    let kind = match &f.kind {
        FilterKind::And(parts) => FilterKind::And(sorted(parts, |k| match k {
            FilterKind::And(inner) => Some(inner),
            _ => None,
        })),
        FilterKind::Or(parts) => FilterKind::Or(sorted(parts, |k| match k {
            FilterKind::Or(inner) => Some(inner),
            _ => None,
        })),
        FilterKind::Compare(cmp) => {
            let mut cmp = cmp.clone();
            if let CompareValue::List(list) = &mut cmp.value {
                list.node.sort_by_key(|l| crate::fmt::literal_text(&l.node));
                list.node
                    .dedup_by_key(|l| crate::fmt::literal_text(&l.node));
            }
            FilterKind::Compare(cmp)
        }
    };
    Filter { kind, span: f.span }
}

/// The operands of one `and`/`or`, canonical, nested operands of the same kind lifted up, in
/// text order.
fn sorted(parts: &[Filter], same: fn(&FilterKind) -> Option<&Vec<Filter>>) -> Vec<Filter> {
    let mut out = Vec::new();
    let mut stack: Vec<&Filter> = parts.iter().rev().collect();
    while let Some(p) = stack.pop() {
        match same(&p.kind) {
            Some(inner) => stack.extend(inner.iter().rev()),
            None => out.push(filter(p)),
        }
    }
    out.sort_by_key(|f| crate::fmt::filter_text(f, 0));
    out
}

/// A length of time in the largest unit that divides it (`14 days`, `36 hours`).
pub fn duration(micros: i64) -> String {
    use crate::syntax::ast::TimeUnit::*;
    for unit in [Days, Hours, Minutes, Seconds] {
        let size = unit.micros();
        if micros % size == 0 && micros != 0 {
            let n = micros / size;
            return format!("{n} {}", unit.name(n));
        }
    }
    format!("{} seconds", micros as f64 / 1e6)
}

/// An instant: the date alone at midnight UTC, else RFC 3339.
pub fn instant(micros: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(t) if micros % 86_400_000_000 == 0 => t.format("%Y-%m-%d").to_string(),
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        None => micros.to_string(),
    }
}
