//! The funnel's program: what the lowering makes of a checked journey, and all the engine needs
//! to know of it — stage conditions over rule masks, windows, exclusions, the order, `same`.
//! It is plain data (serde), so it can travel with a plan.

use serde::{Deserialize, Serialize};

/// A stage condition over atom masks (compiled from `check::hir::StageCondition`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cond {
    /// One activity matching any atom of the mask.
    Match(u64),
    /// The n-th activity matching any atom of the mask.
    AtLeast(u32, u64),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    /// The contact has no activity matching any atom of the mask (contact-level).
    Absent(u64),
}

impl Cond {
    /// The atoms an activity must match to take part in meeting the condition.
    pub fn positive_mask(&self) -> u64 {
        match self {
            Cond::Match(m) | Cond::AtLeast(_, m) => *m,
            Cond::All(parts) | Cond::Any(parts) => {
                parts.iter().fold(0, |m, p| m | p.positive_mask())
            }
            Cond::Absent(_) => 0,
        }
    }
}

/// The stage order of a journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Order {
    #[default]
    Sequential,
    Strict,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StageProgram {
    pub cond: Cond,
    /// `within D of previous stage`, microseconds, inclusive.
    pub window: Option<i64>,
    /// `at least D after previous stage`, microseconds, inclusive.
    #[serde(default)]
    pub min_gap: Option<i64>,
    /// `optional`: a chain may skip the stage (never the first).
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExclusionProgram {
    pub mask: u64,
    /// 0-based stages, from < to.
    pub from: usize,
    pub to: usize,
}

/// Which activity of the counted chain gives a contact its breakdown value (`by C from …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ByFrom {
    /// The activity that completed stage `k` (0-based): `from stage k+1`; 0, the stage-1
    /// activity, when the journey says nothing.
    Stage(usize),
    /// The activity that completed the deepest stage the contact reached.
    Last,
}

impl Default for ByFrom {
    fn default() -> ByFrom {
        ByFrom::Stage(0)
    }
}

/// Everything the engine needs to know about a journey.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Program {
    pub stages: Vec<StageProgram>,
    /// Journey window from stage 1, microseconds, inclusive.
    pub window: Option<i64>,
    pub exclusions: Vec<ExclusionProgram>,
    /// `ties forbidden`: each stage strictly after the previous one in time.
    #[serde(default)]
    pub ties_forbidden: bool,
    #[serde(default)]
    pub order: Order,
    /// `same …`: every activity of a chain has the same `Row::group`.
    #[serde(default)]
    pub same: bool,
    /// Where the breakdown value comes from (`by C from …`).
    #[serde(default)]
    pub by_from: ByFrom,
}

impl Program {
    /// The least time, in microseconds, from the previous link of a chain to stage `k`: its
    /// minimum gap, and with `ties forbidden` at least one microsecond (strictly later).
    pub fn gap(&self, k: usize) -> i64 {
        self.stages[k]
            .min_gap
            .unwrap_or(0)
            .max(i64::from(self.ties_forbidden))
    }

    /// The stages a chain may have filled just before stage `k` (k > 0): `k - 1`, and further
    /// back over optional stages, nearest first.
    pub fn predecessors(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        let mut j = k;
        let mut done = false;
        std::iter::from_fn(move || {
            if done || j == 0 {
                return None;
            }
            j -= 1;
            done = !self.stages[j].optional;
            Some(j)
        })
    }
}
