//! The journey's distinct rules, numbered: rule `i` is bit `i` of every activity row's mask, so
//! the engine tests each rule once per row however many stages use it. Rules are numbered in
//! the order they first appear — the stages top to bottom, each condition left to right, then the
//! exclusions (docs/semantics.md, "The activity order", uses this numbering); identical rules
//! (the same canonical text) share a number. More than the mask holds is J3011.

use super::hir::{self, Predicate, RuleMatch, StageCondition};
use crate::diagnostics::Diagnostic;
use crate::engine::limits::MAX_RULES;

/// A journey's rules, by number.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub rules: Vec<RuleMatch>,
    /// Each rule's canonical text, its identity.
    keys: Vec<String>,
}

impl Rules {
    /// The number of a rule of the journey.
    pub fn number(&self, r: &RuleMatch) -> usize {
        let key = key(r);
        self.keys
            .iter()
            .position(|k| *k == key)
            .expect("every rule of a checked journey is numbered")
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn add(&mut self, r: &RuleMatch) -> Result<(), Diagnostic> {
        let key = key(r);
        if self.keys.contains(&key) {
            return Ok(());
        }
        if self.rules.len() == MAX_RULES {
            return Err(Diagnostic::new(
                "J3011",
                format!("this journey has more than {MAX_RULES} distinct rules"),
            )
            .primary(r.span, format!("rule {}", MAX_RULES + 1))
            .help(format!("the engine gives every distinct rule one bit of a {MAX_RULES}-bit mask; split the journey, or merge rules with `where … in [ … ]`")));
        }
        self.keys.push(key);
        self.rules.push(r.clone());
        Ok(())
    }

    fn predicate(&mut self, p: &Predicate) -> Result<(), Diagnostic> {
        match p {
            Predicate::Rule(r) => self.add(r),
            Predicate::Any(ps) => ps.iter().try_for_each(|p| self.predicate(p)),
        }
    }

    fn condition(&mut self, c: &StageCondition) -> Result<(), Diagnostic> {
        match c {
            StageCondition::Match(p)
            | StageCondition::AtLeast { predicate: p, .. }
            | StageCondition::Absent(p) => self.predicate(p),
            StageCondition::All(parts) | StageCondition::Any(parts) => {
                parts.iter().try_for_each(|p| self.condition(p))
            }
        }
    }
}

/// Number the rules of a checked journey.
pub fn number(j: &hir::Journey) -> Result<Rules, Diagnostic> {
    let mut rules = Rules::default();
    for s in &j.stages {
        rules.condition(&s.condition)?;
    }
    for e in &j.exclusions {
        rules.predicate(&e.predicate)?;
    }
    Ok(rules)
}

/// Identity of a rule: its canonical text (kind, arguments and filter).
fn key(r: &RuleMatch) -> String {
    let rule = crate::syntax::ast::Rule {
        kind: r.kind.clone(),
        filter: r.filter.clone(),
        span: r.span,
    };
    crate::fmt::rule_text(&rule)
}
