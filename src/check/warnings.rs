//! Warnings: journeys that are valid but probably not what was meant.

use super::hir;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, ItemKind};

pub fn check(j: &hir::Journey, ast_stages: &[&ast::Stage], ds: &mut Vec<Diagnostic>) {
    kpi_widens(ast_stages, ds);
    window_without_effect(j, ds);
    repeated_condition(ast_stages, ds);
    segments_backwards(j, ast_stages, ds);
}

fn item<'a, T>(s: &'a ast::Stage, pick: impl Fn(&'a ItemKind) -> Option<T>) -> Option<T> {
    s.items.iter().find_map(|i| pick(&i.kind))
}

/// W0001: a funnel cannot widen, so a KPI above the previous stage's can never be met once the
/// previous one is only just met.
fn kpi_widens(stages: &[&ast::Stage], ds: &mut Vec<Diagnostic>) {
    let kpi = |s: &&ast::Stage| {
        item(s, |k| match k {
            ItemKind::Kpi(n) => Some(n.clone()),
            _ => None,
        })
    };
    for pair in stages.windows(2) {
        if let (Some(prev), Some(next)) = (kpi(&pair[0]), kpi(&pair[1])) {
            if next.node > prev.node && prev.node > 0 {
                ds.push(
                    Diagnostic::new("W0001", format!("KPI {} is larger than the previous stage's KPI {}", next.node, prev.node))
                        .primary(next.span, "larger than the previous stage's target")
                        .secondary(prev.span, "previous stage's target")
                        .help("every contact who reaches this stage has reached the previous one, so counts never grow down the funnel"),
                );
            }
        }
    }
}

/// W0002: a stage window at least as long as the journey window never limits anything, since
/// `T_k - T_(k-1) <= T_k - T_1 <= W` already.
fn window_without_effect(j: &hir::Journey, ds: &mut Vec<Diagnostic>) {
    let Some(w) = &j.window else { return };
    for s in &j.stages {
        if let Some(d) = &s.window {
            if d.node >= w.node {
                ds.push(
                    Diagnostic::new(
                        "W0002",
                        format!("the window of stage \"{}\" has no effect", s.name),
                    )
                    .primary(d.span, "not shorter than the journey window")
                    .secondary(w.span, "the journey window already limits every stage")
                    .help("shorten the stage window, or remove it"),
                );
            }
        }
    }
}

/// W0003: two consecutive stages with the same condition need two matching activities, which
/// is rarely what was meant.
fn repeated_condition(stages: &[&ast::Stage], ds: &mut Vec<Diagnostic>) {
    fn when(s: &ast::Stage) -> Option<&ast::Condition> {
        s.items.iter().find_map(|i| match &i.kind {
            ItemKind::When(c) => Some(c),
            _ => None,
        })
    }
    for pair in stages.windows(2) {
        if let (Some(a), Some(b)) = (when(pair[0]), when(pair[1])) {
            if crate::fmt::condition_text(a) == crate::fmt::condition_text(b) {
                ds.push(
                    Diagnostic::new("W0003", "two consecutive stages have the same condition")
                        .primary(b.span, "same condition as the previous stage")
                        .secondary(a.span, "previous stage's condition")
                        .help("one activity fills at most one stage, so this stage needs a second matching activity; if that is meant, say so with `at least 2 times:` in one stage"),
                );
            }
        }
    }
}

/// W0004: segments of one family (prospect → lead → …, or see → think → do → care) should not
/// go backwards down the funnel.
fn segments_backwards(j: &hir::Journey, ast_stages: &[&ast::Stage], ds: &mut Vec<Diagnostic>) {
    let mut last: Option<(hir::Segment, usize)> = None;
    for (i, s) in j.stages.iter().enumerate() {
        let Some(seg) = s.segment else { continue };
        if let Some((prev, pi)) = last {
            let (pf, pr) = prev.family_rank();
            let (f, r) = seg.family_rank();
            if pf == f && r < pr {
                let span_of = |k: usize| {
                    item(ast_stages[k], |x| match x {
                        ItemKind::Segment(s) => Some(s.span),
                        _ => None,
                    })
                    .unwrap_or(ast_stages[k].name.span)
                };
                ds.push(
                    Diagnostic::new("W0004", format!("segment `{}` comes after `{}`", seg.name(), prev.name()))
                        .primary(span_of(i), format!("`{}` is an earlier segment than `{}`", seg.name(), prev.name()))
                        .secondary(span_of(pi), "later segment on an earlier stage")
                        .help("order segments along the funnel: target-group, prospect, lead, mql, sql, customer (or see, think, do, care)"),
                );
            }
        }
        last = Some((seg, i));
    }
}
