//! Warnings: journeys that are valid but probably not what was meant.

use super::hir;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, ItemKind};

pub fn check(j: &hir::Journey, ast_stages: &[&ast::Stage], ds: &mut Vec<Diagnostic>) {
    kpi_widens(ast_stages, ds);
    window_without_effect(j, ds);
    repeated_condition(ast_stages, ds);
    segments_backwards(j, ast_stages, ds);
    for s in ast_stages {
        for i in &s.items {
            if let ItemKind::When(c) = &i.kind {
                rules_of(c, &mut |r| {
                    page_looks_like_a_pattern(r, ds);
                    filter_contradicts_rule(r, ds);
                });
            }
        }
    }
}

/// Every rule of a condition, in order.
fn rules_of<'a>(c: &'a ast::Condition, f: &mut dyn FnMut(&'a ast::Rule)) {
    use ast::ConditionKind as K;
    match &c.kind {
        K::And(cs) | K::Or(cs) | K::AllOf(cs) | K::AnyOf(cs) => {
            cs.iter().for_each(|c| rules_of(c, f))
        }
        K::Not(c) => rules_of(c, f),
        K::AtLeast { counted, .. } => rules_of(counted, f),
        K::Rule(r) => f(r),
    }
}

/// W0005: a page is compared whole, so a `*` in it is a literal star, not "any text".
fn page_looks_like_a_pattern(r: &ast::Rule, ds: &mut Vec<Diagnostic>) {
    let page = match &r.kind {
        ast::RuleKind::VisitedPage {
            page, like: false, ..
        }
        | ast::RuleKind::LandedOnPage {
            page, like: false, ..
        } => page,
        _ => return,
    };
    if !page.node.contains('*') {
        return;
    }
    ds.push(
        Diagnostic::new("W0005", format!("page \"{}\" is matched exactly, `*` included", page.node))
            .primary(page.span, "`*` is not a wildcard here")
            .help(format!(
                "a page must equal the URL exactly; for every page the pattern stands for, write `like` before it: `page like {}`",
                crate::fmt::quote(&page.node)
            )),
    );
}

/// W0006: a `where` comparison on a column the rule itself fixes (`url` for a page, `channel`,
/// `form`, `email`, `type` for an activity type) that the fixed value fails: the rule can never
/// match.
fn filter_contradicts_rule(r: &ast::Rule, ds: &mut Vec<Diagnostic>) {
    let Some(filter) = &r.filter else { return };
    use ast::RuleKind as K;
    let mut fixed: Vec<(&str, &crate::span::Spanned<String>)> = Vec::new();
    match &r.kind {
        K::VisitedPage {
            page,
            like,
            channel,
        }
        | K::LandedOnPage {
            page,
            like,
            channel,
        } => {
            // A pattern fixes no one URL to test the filter on.
            if !like {
                fixed.push(("url", page));
            }
            fixed.extend(channel.iter().map(|c| ("channel", c)));
        }
        K::SubmittedForm { form } => fixed.push(("form", form)),
        K::ClickedEmailLink { email } | K::OpenedEmail { email } => {
            fixed.extend(email.iter().map(|e| ("email", e)))
        }
        K::CustomActivity { kind } | K::Activity { kind } => fixed.push(("type", kind)),
        K::Registered | K::AnyActivity => {}
    }
    if fixed.is_empty() {
        return;
    }
    let mut failing = Vec::new();
    if !can_hold(filter, &fixed, &mut failing) {
        let Some((cmp, value)) = failing.first() else {
            return;
        };
        ds.push(
            Diagnostic::new("W0006", "this rule can never match: its `where` contradicts it")
                .primary(*cmp, format!("false for every activity the rule matches"))
                .secondary(value.span, format!("the rule already requires {}", crate::fmt::quote(&value.node)))
                .help("the rule fixes this column to one value; drop the comparison, or use another rule (`activity \"pagevisit\" where url starts with …` for every page under a path)"),
        );
    }
}

/// Whether a filter can be true on a row with the rule's fixed values (comparisons on other
/// columns can be). Comparisons found false are collected, with the fixed value they fail.
fn can_hold<'a>(
    f: &'a ast::Filter,
    fixed: &[(&str, &'a crate::span::Spanned<String>)],
    failing: &mut Vec<(crate::span::Span, &'a crate::span::Spanned<String>)>,
) -> bool {
    match &f.kind {
        ast::FilterKind::And(fs) => fs
            .iter()
            .fold(true, |ok, f| can_hold(f, fixed, failing) && ok),
        ast::FilterKind::Or(fs) => fs
            .iter()
            .fold(false, |ok, f| can_hold(f, fixed, failing) || ok),
        ast::FilterKind::Compare(c) => {
            let Some((_, value)) = fixed.iter().find(|(col, _)| *col == c.column.node) else {
                return true;
            };
            let holds = compare(&value.node, c.op.node, &c.value);
            if !holds {
                failing.push((f.span, value));
            }
            holds
        }
    }
}

/// A comparison of a known text value; `true` where it cannot tell.
fn compare(v: &str, op: ast::CompareOp, with: &ast::CompareValue) -> bool {
    use ast::{CompareOp as O, CompareValue as V, Literal as L};
    let text = |l: &L| match l {
        L::String(s) => Some(s.clone()),
        _ => None,
    };
    match (op, with) {
        (O::IsNull, _) => false,
        (O::IsNotNull, _) => true,
        (O::In, V::List(items)) => {
            let texts: Option<Vec<String>> = items.node.iter().map(|i| text(&i.node)).collect();
            texts.is_none_or(|t| t.iter().any(|t| t == v))
        }
        (_, V::One(l)) => {
            let Some(w) = text(&l.node) else { return true };
            match op {
                O::Eq => v == w,
                O::Ne => v != w,
                O::Lt => v < w.as_str(),
                O::Le => v <= w.as_str(),
                O::Gt => v > w.as_str(),
                O::Ge => v >= w.as_str(),
                O::Contains => v.contains(&w),
                O::StartsWith => v.starts_with(&w),
                O::EndsWith => v.ends_with(&w),
                O::Matches => regex::Regex::new(&w).map_or(true, |re| re.is_match(v)),
                O::Like => super::pattern::matches(&w, v),
                _ => true,
            }
        }
        _ => true,
    }
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
