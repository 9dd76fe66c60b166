//! Checking conditions: `and`/`all of` and `or`/`any of` flattened, `not` kept to where it has a
//! meaning (a contact-level "never did" next to a positive part), `at least` and exclusions
//! limited to single-activity predicates, and every `where` filter's values and regexes valid.

use super::hir::{Predicate, RuleMatch, StageCondition};
use crate::diagnostics::Diagnostic;
use crate::engine::limits::{MAX_TIMES, REGEX_SIZE_LIMIT};
use crate::syntax::ast::{
    CompareOp, CompareValue, Condition, ConditionKind, Filter, FilterKind, Literal,
};

/// A stage's `when` condition, or `None` after reporting why it is invalid.
pub fn stage_condition(c: &Condition, ds: &mut Vec<Diagnostic>) -> Option<StageCondition> {
    let before = ds.len();
    let sc = convert(c, ds)?;
    if ds.len() > before {
        return None;
    }
    // Every way of meeting the stage must come with a time.
    if !positive(&sc) {
        ds.push(
            Diagnostic::new("J2001", "this condition has no positive rule")
                .primary(c.span, "only says what the contact must not have done")
                .help("a stage is reached at the time of an activity: add what the contact must do, e.g. `visited page \"/pricing\" and not submitted form \"unsubscribe\"`"),
        );
        return None;
    }
    Some(sc)
}

/// An exclusion's condition: something a single activity matches.
pub fn exclusion_predicate(c: &Condition, ds: &mut Vec<Diagnostic>) -> Option<Predicate> {
    let before = ds.len();
    match predicate(c, ds) {
        Ok(p) if ds.len() == before => Some(p),
        Ok(_) => None,
        Err(part) => {
            ds.push(
                Diagnostic::new("J2007", "an exclusion must match single activities")
                    .primary(part.span, format!("{} cannot be matched by one activity", describe(part)))
                    .help("exclude with rules joined by `or` or `any of { … }`; to require several conditions, use `where` on one rule"),
            );
            None
        }
    }
}

fn convert(c: &Condition, ds: &mut Vec<Diagnostic>) -> Option<StageCondition> {
    match &c.kind {
        ConditionKind::Rule(r) => Some(StageCondition::Match(Predicate::Rule(rule(r, ds)?))),
        ConditionKind::And(parts) | ConditionKind::AllOf(parts) => {
            if parts.is_empty() {
                ds.push(empty_group(c, "all of"));
                return None;
            }
            let mut out = Vec::new();
            let mut ok = true;
            // Convert every part, so one run reports the errors of all of them.
            for p in parts {
                match convert(p, ds) {
                    Some(StageCondition::All(inner)) => out.extend(inner),
                    Some(other) => out.push(other),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            Some(if out.len() == 1 {
                out.pop()?
            } else {
                StageCondition::All(out)
            })
        }
        ConditionKind::Or(parts) | ConditionKind::AnyOf(parts) => {
            if parts.is_empty() {
                ds.push(empty_group(c, "any of"));
                return None;
            }
            let mut out = Vec::new();
            let mut ok = true;
            for p in parts {
                let Some(sc) = convert(p, ds) else {
                    ok = false;
                    continue;
                };
                if contains_absent(&sc) && !positive(&sc) {
                    ds.push(
                        Diagnostic::new("J2003", "`not` cannot be an alternative")
                            .primary(p.span, "this alternative says only what the contact did not do")
                            .help("an `or` / `any of` alternative must be something the contact does; put `not` next to a positive rule with `and`"),
                    );
                    ok = false;
                    continue;
                }
                match sc {
                    StageCondition::Any(inner) => out.extend(inner),
                    other => out.push(other),
                }
            }
            if !ok {
                return None;
            }
            Some(if out.len() == 1 {
                out.pop()?
            } else {
                StageCondition::Any(out)
            })
        }
        ConditionKind::Not(inner) => match predicate(inner, ds) {
            Ok(p) => Some(StageCondition::Absent(p)),
            Err(part) => {
                ds.push(
                    Diagnostic::new("J2003", "`not` applies only to rules")
                        .primary(part.span, format!("`not` cannot apply to {}", describe(part)))
                        .help("`not X` means the contact has no activity matching X; X must be rules joined by `or`"),
                );
                None
            }
        },
        ConditionKind::AtLeast { times, counted } => {
            if times.node < 1 || times.node > MAX_TIMES {
                ds.push(
                    Diagnostic::new("J3004", format!("`at least {} times` cannot be met as intended", times.node))
                        .primary(times.span, format!("must be between 1 and {MAX_TIMES}"))
                        .help("count at least 1 activity; for \"never\" write `not …` next to a positive rule"),
                );
                return None;
            }
            match predicate(counted, ds) {
                Ok(p) => Some(StageCondition::AtLeast {
                    times: times.node as u32,
                    predicate: p,
                }),
                Err(part) => {
                    ds.push(
                        Diagnostic::new("J2005", "`at least` counts single activities")
                            .primary(part.span, format!("{} is not something one activity matches", describe(part)))
                            .help("count one rule, or rules joined by `or` / `any of { … }`; narrow it with `where`"),
                    );
                    None
                }
            }
        }
    }
}

/// A condition that a single activity row matches: rules joined by `or` / `any of`.
/// On failure, the part that is not such a predicate.
fn predicate<'a>(c: &'a Condition, ds: &mut Vec<Diagnostic>) -> Result<Predicate, &'a Condition> {
    match &c.kind {
        ConditionKind::Rule(r) => Ok(rule(r, ds)
            .map(Predicate::Rule)
            .unwrap_or(Predicate::Any(Vec::new()))),
        ConditionKind::Or(parts) | ConditionKind::AnyOf(parts) => {
            if parts.is_empty() {
                ds.push(empty_group(c, "any of"));
                return Ok(Predicate::Any(Vec::new()));
            }
            let mut out = Vec::new();
            for p in parts {
                match predicate(p, ds)? {
                    Predicate::Any(inner) => out.extend(inner),
                    other => out.push(other),
                }
            }
            Ok(Predicate::Any(out))
        }
        _ => Err(c),
    }
}

fn describe(c: &Condition) -> &'static str {
    match &c.kind {
        ConditionKind::And(_) => "an `and`",
        ConditionKind::AllOf(_) => "an `all of` group",
        ConditionKind::Not(_) => "a `not`",
        ConditionKind::AtLeast { .. } => "an `at least`",
        ConditionKind::Or(_) => "an `or`",
        ConditionKind::AnyOf(_) => "an `any of` group",
        ConditionKind::Rule(_) => "a rule",
    }
}

fn empty_group(c: &Condition, which: &str) -> Diagnostic {
    Diagnostic::new("J2006", format!("`{which} {{ }}` is empty"))
        .primary(c.span, "this group has no members")
        .help(format!(
            "put at least one condition inside `{which} {{ … }}`, or remove it"
        ))
}

/// Can the condition be met at a time? `Absent` alone cannot.
fn positive(c: &StageCondition) -> bool {
    match c {
        StageCondition::Match(_) | StageCondition::AtLeast { .. } => true,
        StageCondition::All(parts) => parts.iter().any(positive),
        StageCondition::Any(parts) => parts.iter().all(positive),
        StageCondition::Absent(_) => false,
    }
}

fn contains_absent(c: &StageCondition) -> bool {
    match c {
        StageCondition::Absent(_) => true,
        StageCondition::All(parts) | StageCondition::Any(parts) => {
            parts.iter().any(contains_absent)
        }
        _ => false,
    }
}

fn rule(r: &crate::syntax::ast::Rule, ds: &mut Vec<Diagnostic>) -> Option<RuleMatch> {
    let before = ds.len();
    if let Some(f) = &r.filter {
        filter(f, ds);
    }
    (ds.len() == before).then(|| RuleMatch {
        kind: r.kind.clone(),
        filter: r.filter.clone(),
        span: r.span,
    })
}

fn filter(f: &Filter, ds: &mut Vec<Diagnostic>) {
    match &f.kind {
        FilterKind::And(parts) | FilterKind::Or(parts) => parts.iter().for_each(|p| filter(p, ds)),
        FilterKind::Compare(cmp) => {
            let op = cmp.op.node;
            match &cmp.value {
                CompareValue::None => {}
                CompareValue::One(lit) => {
                    let text_op = matches!(
                        op,
                        CompareOp::Contains
                            | CompareOp::StartsWith
                            | CompareOp::EndsWith
                            | CompareOp::Matches
                            | CompareOp::Like
                    );
                    let ordering = matches!(
                        op,
                        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
                    );
                    if text_op && !matches!(lit.node, Literal::String(_)) {
                        ds.push(
                            Diagnostic::new("J2004", format!("`{}` compares text", op.text()))
                                .primary(
                                    lit.span,
                                    format!(
                                        "{} where a quoted string is needed",
                                        lit.node.kind_name()
                                    ),
                                )
                                .secondary(cmp.op.span, "this operator works on text")
                                .help("quote the value, e.g. `contains \"42\"`"),
                        );
                    } else if ordering && matches!(lit.node, Literal::Bool(_)) {
                        ds.push(
                            Diagnostic::new(
                                "J2004",
                                format!("`{}` cannot order true/false", op.text()),
                            )
                            .primary(lit.span, "true/false has no order")
                            .help("compare true/false with `=` or `!=`"),
                        );
                    } else if let (CompareOp::Matches, Literal::String(re)) = (op, &lit.node) {
                        match regex::RegexBuilder::new(re).size_limit(REGEX_SIZE_LIMIT).build() {
                            Ok(_) => {}
                            Err(regex::Error::CompiledTooBig(_)) => ds.push(
                                Diagnostic::new("J2002", "regular expression too large")
                                    .primary(lit.span, format!("compiles to more than {} KiB", REGEX_SIZE_LIMIT >> 10))
                                    .help("a pattern this large can take seconds per activity (every repetition is a state to track); repeat less (`a{100}{100}` is 10,000 states), or use ASCII classes such as [a-z0-9_] instead of \\w and \\d, which stand for every Unicode letter and digit"),
                            ),
                            Err(e) => {
                                let reason = e.to_string();
                                let last = reason.lines().last().unwrap_or("invalid").trim();
                                let last = last.strip_prefix("error: ").unwrap_or(last).to_string();
                                ds.push(
                                    Diagnostic::new("J2002", "invalid regular expression")
                                        .primary(lit.span, last)
                                        .help("`matches` takes a regular expression in Rust regex syntax; escape a literal `.`, `(` or `[` with `\\\\`"),
                                );
                            }
                        }
                    }
                }
                CompareValue::List(list) => {
                    if list.node.is_empty() {
                        ds.push(
                            Diagnostic::new("J2008", "`in []` never matches")
                                .primary(list.span, "this list is empty")
                                .help("list at least one value, e.g. `in [\"a\", \"b\"]`"),
                        );
                        return;
                    }
                    let kind = |l: &Literal| match l {
                        Literal::Integer(_) | Literal::Float(_) => "a number",
                        other => other.kind_name(),
                    };
                    let first = &list.node[0];
                    if let Some(odd) = list
                        .node
                        .iter()
                        .find(|l| kind(&l.node) != kind(&first.node))
                    {
                        ds.push(
                            Diagnostic::new("J2004", "a list mixes kinds of values")
                                .primary(odd.span, format!("{} here", kind(&odd.node)))
                                .secondary(first.span, format!("{} here", kind(&first.node)))
                                .help("the values of an `in [ … ]` list must all be of one kind"),
                        );
                    }
                }
            }
        }
    }
}
