//! Atoms: the distinct rules of a journey, numbered in stage order. Every activity row gets a
//! mask with bit `i` set when it matches atom `i`, so the engine never re-evaluates a rule; stage
//! conditions compile to conditions over those masks ([`Cond`]).

use crate::check::hir::{self, Predicate, RuleMatch, StageCondition};
use crate::diagnostics::Diagnostic;
use crate::engine::program::{Cond, ExclusionProgram, Order, Program, StageProgram};

use crate::engine::limits::MAX_RULES as MAX_ATOMS;

pub struct Atoms {
    /// One rule per bit, in the order of their first use.
    pub rules: Vec<RuleMatch>,
    /// Canonical text of each rule, to share a bit between identical rules.
    texts: Vec<String>,
}

impl Atoms {
    fn new() -> Self {
        Atoms {
            rules: Vec::new(),
            texts: Vec::new(),
        }
    }

    fn atom(&mut self, r: &RuleMatch) -> Result<u64, Diagnostic> {
        let text = rule_key(r);
        if let Some(i) = self.texts.iter().position(|t| *t == text) {
            return Ok(1 << i);
        }
        if self.rules.len() == MAX_ATOMS {
            return Err(Diagnostic::new("J3011", "this journey has more than 64 distinct rules")
                .primary(r.span, "rule 65")
                .help("the engine gives every distinct rule one bit of a 64-bit mask; split the journey, or merge rules with `where … in [ … ]`"));
        }
        self.texts.push(text);
        self.rules.push(r.clone());
        Ok(1 << (self.rules.len() - 1))
    }

    fn predicate(&mut self, p: &Predicate) -> Result<u64, Diagnostic> {
        match p {
            Predicate::Rule(r) => self.atom(r),
            Predicate::Any(ps) => ps.iter().try_fold(0u64, |m, p| Ok(m | self.predicate(p)?)),
        }
    }

    fn cond(&mut self, c: &StageCondition) -> Result<Cond, Diagnostic> {
        Ok(match c {
            StageCondition::Match(p) => Cond::Match(self.predicate(p)?),
            StageCondition::AtLeast { times, predicate } => {
                Cond::AtLeast(*times, self.predicate(predicate)?)
            }
            StageCondition::All(parts) => Cond::All(
                parts
                    .iter()
                    .map(|p| self.cond(p))
                    .collect::<Result<_, _>>()?,
            ),
            StageCondition::Any(parts) => Cond::Any(
                parts
                    .iter()
                    .map(|p| self.cond(p))
                    .collect::<Result<_, _>>()?,
            ),
            StageCondition::Absent(p) => Cond::Absent(self.predicate(p)?),
        })
    }
}

/// Identity of a rule: its canonical text (kind, arguments and filter).
fn rule_key(r: &RuleMatch) -> String {
    let rule = crate::syntax::ast::Rule {
        kind: r.kind.clone(),
        filter: r.filter.clone(),
        span: r.span,
    };
    crate::fmt::rule_text(&rule)
}

/// The engine program of a journey and its atoms.
pub fn compile(j: &hir::Journey) -> Result<(Program, Atoms), Diagnostic> {
    let mut atoms = Atoms::new();
    let mut stages = Vec::new();
    for s in &j.stages {
        stages.push(StageProgram {
            cond: atoms.cond(&s.condition)?,
            window: s.window.as_ref().map(|w| w.node),
            optional: s.optional,
        });
    }
    let mut exclusions = Vec::new();
    for e in &j.exclusions {
        exclusions.push(ExclusionProgram {
            mask: atoms.predicate(&e.predicate)?,
            from: e.from,
            to: e.to,
        });
    }
    let program = Program {
        stages,
        window: j.window.as_ref().map(|w| w.node),
        exclusions,
        ties_forbidden: j.ties == hir::Ties::Forbidden,
        order: match j.order {
            hir::Order::Sequential => Order::Sequential,
            hir::Order::Strict => Order::Strict,
            hir::Order::Any => Order::Any,
        },
        same: !j.same.is_empty(),
    };
    Ok((program, atoms))
}
