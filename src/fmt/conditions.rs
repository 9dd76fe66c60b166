//! Printing conditions and `where` filters, with the fewest parentheses that keep the tree the
//! parser would build from the text (so `fmt` never changes meaning).

use super::{indent, quote, WIDTH};
use crate::syntax::ast::{
    CompareValue, Condition, ConditionKind, Filter, FilterKind, Literal, Rule, RuleKind,
};

/// Binding strength; a child binding looser than its context gets parentheses.
const OR: u8 = 1;
const AND: u8 = 2;
const UNARY: u8 = 3;
const ATOM: u8 = 4;

/// The condition on one line (groups as `any of { a, b }`): a canonical text, equal for two
/// conditions exactly when they were written the same way up to layout and comments.
pub fn condition_text(c: &Condition) -> String {
    render(c, 0, false)
}

/// A condition after `when` / `exclude when` on a line at indent `level`, `extra` characters of
/// keywords around it: one line if it fits, else broken at its top-level `and` / `or`.
pub(super) fn statement(c: &Condition, level: usize, extra: usize) -> String {
    let flat = render(c, level, true);
    let fits = !flat.contains('\n') && indent(level).len() + extra + flat.len() <= WIDTH;
    let (parts, word, prec) = match &c.kind {
        ConditionKind::And(parts) => (parts, "and", AND),
        ConditionKind::Or(parts) => (parts, "or", OR),
        _ => return flat,
    };
    if fits {
        return flat;
    }
    let mut out = child(&parts[0], level, prec, true);
    for p in &parts[1..] {
        out.push('\n');
        out.push_str(&indent(level + 1));
        out.push_str(word);
        out.push(' ');
        out.push_str(&child(p, level + 1, prec, true));
    }
    out
}

fn prec(c: &Condition) -> u8 {
    match c.kind {
        ConditionKind::Or(_) => OR,
        ConditionKind::And(_) => AND,
        ConditionKind::Not(_) | ConditionKind::AtLeast { .. } => UNARY,
        ConditionKind::AllOf(_) | ConditionKind::AnyOf(_) | ConditionKind::Rule(_) => ATOM,
    }
}

/// A child of an operator of strength `parent`: parenthesised unless it binds more tightly
/// (so `(a or b) or c` keeps its parentheses and its tree).
fn child(c: &Condition, level: usize, parent: u8, multiline: bool) -> String {
    let text = render(c, level, multiline);
    if prec(c) <= parent && prec(c) < UNARY {
        format!("({text})")
    } else {
        text
    }
}

fn render(c: &Condition, level: usize, multiline: bool) -> String {
    match &c.kind {
        ConditionKind::Or(parts) => join(parts, " or ", level, OR, multiline),
        ConditionKind::And(parts) => join(parts, " and ", level, AND, multiline),
        ConditionKind::Not(inner) => format!("not {}", child(inner, level, UNARY - 1, multiline)),
        ConditionKind::AtLeast { times, counted } => {
            let word = if times.node == 1 { "time" } else { "times" };
            let inner = render(counted, level, multiline);
            let inner = if prec(counted) < ATOM {
                format!("({inner})")
            } else {
                inner
            };
            format!("at least {} {word}: {inner}", times.node)
        }
        ConditionKind::AllOf(members) => block("all of", members, level, multiline),
        ConditionKind::AnyOf(members) => block("any of", members, level, multiline),
        ConditionKind::Rule(r) => rule_text(r),
    }
}

fn join(parts: &[Condition], sep: &str, level: usize, p: u8, multiline: bool) -> String {
    parts
        .iter()
        .map(|c| child(c, level, p, multiline))
        .collect::<Vec<_>>()
        .join(sep)
}

fn block(head: &str, members: &[Condition], level: usize, multiline: bool) -> String {
    if !multiline {
        let inner: Vec<String> = members.iter().map(|m| render(m, 0, false)).collect();
        return format!("{head} {{ {} }}", inner.join(", "));
    }
    let mut out = format!("{head} {{\n");
    for m in members {
        out.push_str(&indent(level + 1));
        out.push_str(&render(m, level + 1, true));
        out.push('\n');
    }
    out.push_str(&indent(level));
    out.push('}');
    out
}

pub fn rule_text(r: &Rule) -> String {
    let channel = |c: &Option<crate::span::Spanned<String>>| match c {
        Some(c) => format!(" on channel {}", quote(&c.node)),
        None => String::new(),
    };
    let opt = |s: &Option<crate::span::Spanned<String>>| match s {
        Some(s) => format!(" {}", quote(&s.node)),
        None => String::new(),
    };
    let like = |like: &bool| if *like { "like " } else { "" };
    let mut out = match &r.kind {
        RuleKind::VisitedPage {
            page,
            like: l,
            channel: c,
        } => format!(
            "visited page {}{}{}",
            like(l),
            quote(&page.node),
            channel(c)
        ),
        RuleKind::LandedOnPage {
            page,
            like: l,
            channel: c,
        } => format!(
            "landed on page {}{}{}",
            like(l),
            quote(&page.node),
            channel(c)
        ),
        RuleKind::SubmittedForm { form } => format!("submitted form {}", quote(&form.node)),
        RuleKind::ClickedEmailLink { email } => format!("clicked link in email{}", opt(email)),
        RuleKind::OpenedEmail { email } => format!("opened email{}", opt(email)),
        RuleKind::CustomActivity { kind } => format!("custom activity {}", quote(&kind.node)),
        RuleKind::Registered => "registered".to_string(),
        RuleKind::Activity { kind } => format!("activity {}", quote(&kind.node)),
        RuleKind::AnyActivity => "any activity".to_string(),
    };
    if let Some(f) = &r.filter {
        out.push_str(" where ");
        out.push_str(&filter_text(f, 0));
    }
    out
}

fn filter_prec(f: &Filter) -> u8 {
    match f.kind {
        FilterKind::Or(_) => OR,
        FilterKind::And(_) => AND,
        FilterKind::Compare(_) => ATOM,
    }
}

pub fn filter_text(f: &Filter, parent: u8) -> String {
    let text = match &f.kind {
        FilterKind::Or(parts) => parts
            .iter()
            .map(|p| filter_text(p, OR))
            .collect::<Vec<_>>()
            .join(" or "),
        FilterKind::And(parts) => parts
            .iter()
            .map(|p| filter_text(p, AND))
            .collect::<Vec<_>>()
            .join(" and "),
        FilterKind::Compare(cmp) => {
            let value = match &cmp.value {
                CompareValue::None => String::new(),
                CompareValue::One(l) => format!(" {}", literal_text(&l.node)),
                CompareValue::List(list) => format!(
                    " [{}]",
                    list.node
                        .iter()
                        .map(|l| literal_text(&l.node))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            format!("{} {}{value}", cmp.column.node, cmp.op.node.text())
        }
    };
    if parent > 0 && filter_prec(f) <= parent {
        format!("({text})")
    } else {
        text
    }
}

pub fn literal_text(l: &Literal) -> String {
    match l {
        Literal::String(s) => quote(s),
        Literal::Integer(i) => i.to_string(),
        // Always with a decimal point, so it reads back as a number with a fraction.
        Literal::Float(f) if f.fract() == 0.0 && f.is_finite() => format!("{f:.1}"),
        Literal::Float(f) => f.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Time(t) => t.text.clone(),
    }
}
