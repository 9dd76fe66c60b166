//! The funnel core: for one contact's stage-matching activities, the deepest stage reached and
//! the reach times of the counted chain, exactly as docs/semantics.md defines them.
//!
//! Activities are sorted into the *activity order* — time, then activity id, then the first
//! stage the activity can fill, then its whole mask — so that ties never depend on input order.
//! Positions below are indices in that order.
//!
//! For each stage `k` and position `p`, `maxc[k][p]` is the latest position `c` of the previous
//! stage's completing activity such that stage `k` can be completed *exactly* at `p` with
//! activities in `(c, p]` (or `NONE`). The condition is monotone in `c`, so that one number says
//! everything. A dynamic programme over the stages then keeps, for every (stage, completing
//! position), the latest stage-1 start of any valid chain — a later start only ever helps the
//! journey window — so it is exact with stage windows too, where choosing the earliest activity
//! for each stage is not.

use serde::{Deserialize, Serialize};

/// One stage-matching activity of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Microseconds since the epoch (UTC).
    pub time: i64,
    /// The activity id, or 0 where the data has none.
    pub tiebreak: i64,
    /// Bit `i` is set when the activity matches atom `i` (a distinct rule of the journey).
    pub mask: u64,
}

impl Row {
    /// The activity order: time, id, then the first atom (atoms are numbered in stage order,
    /// so this is "the first stage the activity can fill"), then the whole mask.
    fn key(&self) -> (i64, i64, u32, u64) {
        (
            self.time,
            self.tiebreak,
            self.mask.trailing_zeros(),
            self.mask,
        )
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StageProgram {
    pub cond: Cond,
    /// `within D of previous stage`, microseconds, inclusive.
    pub window: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExclusionProgram {
    pub mask: u64,
    /// 0-based stages, from < to.
    pub from: usize,
    pub to: usize,
}

/// Everything the engine needs to know about a journey.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Program {
    pub stages: Vec<StageProgram>,
    /// Journey window from stage 1, microseconds, inclusive.
    pub window: Option<i64>,
    pub exclusions: Vec<ExclusionProgram>,
    /// `ties forbidden`: each stage strictly after the previous one in time.
    #[serde(default)]
    pub ties_forbidden: bool,
}

/// What a contact reached: the reach time of each stage of the counted chain (its length is
/// the contact's depth; empty when the contact did not reach stage 1).
pub type Reach = Vec<i64>;

const NONE: i64 = i64::MIN;

/// Sort the rows into the activity order and find the counted chain.
pub fn evaluate(program: &Program, rows: &mut [Row]) -> Reach {
    rows.sort_unstable_by_key(Row::key);
    evaluate_sorted(program, rows)
}

fn evaluate_sorted(program: &Program, rows: &[Row]) -> Reach {
    let n = rows.len();
    if n == 0 || program.stages.is_empty() {
        return Vec::new();
    }
    let any_mask = rows.iter().fold(0u64, |m, r| m | r.mask);
    let maxc: Vec<Vec<i64>> = program
        .stages
        .iter()
        .map(|s| completions(&s.cond, rows, any_mask))
        .collect();
    if program.exclusions.is_empty() {
        Simple::new(program, rows, &maxc).run()
    } else {
        WithExclusions::new(program, rows, &maxc).run()
    }
}

// ------------------------------------------------------------------ completions

/// `comp[p]`: the latest `c` such that the condition completes exactly at `p` within `(c, p]`.
fn completions(cond: &Cond, rows: &[Row], any_mask: u64) -> Vec<i64> {
    let n = rows.len();
    match cond {
        Cond::Match(m) => (0..n)
            .map(|p| {
                if rows[p].mask & m != 0 {
                    p as i64 - 1
                } else {
                    NONE
                }
            })
            .collect(),
        Cond::AtLeast(times, m) => {
            let times = *times as usize;
            let mut out = vec![NONE; n];
            let mut seen: Vec<usize> = Vec::new();
            for (p, slot) in out.iter_mut().enumerate() {
                if rows[p].mask & m != 0 {
                    seen.push(p);
                    if seen.len() >= times {
                        *slot = seen[seen.len() - times] as i64 - 1;
                    }
                }
            }
            out
        }
        Cond::Any(parts) => {
            let mut out = vec![NONE; n];
            for part in parts {
                for (o, c) in out.iter_mut().zip(completions(part, rows, any_mask)) {
                    *o = (*o).max(c);
                }
            }
            out
        }
        Cond::All(parts) => {
            // A negative part holds or fails for the whole contact.
            if parts
                .iter()
                .any(|p| matches!(p, Cond::Absent(m) if any_mask & m != 0))
            {
                return vec![NONE; n];
            }
            let positive: Vec<&Cond> = parts
                .iter()
                .filter(|p| !matches!(p, Cond::Absent(_)))
                .collect();
            let comps: Vec<Vec<i64>> = positive
                .iter()
                .map(|p| completions(p, rows, any_mask))
                .collect();
            // by[i][p]: part i can complete at or before p, from any c <= by[i][p].
            let by: Vec<Vec<i64>> = comps
                .iter()
                .map(|c| {
                    let mut best = NONE;
                    c.iter()
                        .map(|&v| {
                            best = best.max(v);
                            best
                        })
                        .collect()
                })
                .collect();
            (0..n)
                .map(|p| {
                    let mut out = NONE;
                    for (i, comp) in comps.iter().enumerate() {
                        if comp[p] == NONE {
                            continue;
                        }
                        // Part i completes at p; every other part by then.
                        let mut lim = comp[p];
                        for (j, b) in by.iter().enumerate() {
                            if j != i {
                                lim = lim.min(b[p]);
                            }
                        }
                        out = out.max(lim);
                    }
                    out
                })
                .collect()
        }
        // Only ever inside `All` (the checker guarantees it); alone it is never met at a time.
        Cond::Absent(_) => vec![NONE; n],
    }
}

// ------------------------------------------------------------------ the chain search

/// The chain search without exclusions: per (stage, position), the latest start.
struct Simple<'a> {
    program: &'a Program,
    rows: &'a [Row],
    maxc: &'a [Vec<i64>],
}

impl<'a> Simple<'a> {
    fn new(program: &'a Program, rows: &'a [Row], maxc: &'a [Vec<i64>]) -> Self {
        Simple {
            program,
            rows,
            maxc,
        }
    }

    fn run(&self) -> Reach {
        let n = self.rows.len();
        let stages = self.program.stages.len();
        // best[k][p] = latest start of a valid chain whose stage k completes at p (NONE if none);
        // pred[k][p] = the previous stage's position on that chain (latest among ties).
        let mut best: Vec<Vec<i64>> = Vec::with_capacity(stages);
        let mut pred: Vec<Vec<i64>> = Vec::with_capacity(stages);
        best.push(
            (0..n)
                .map(|p| {
                    if self.maxc[0][p] != NONE {
                        p as i64
                    } else {
                        NONE
                    }
                })
                .collect(),
        );
        pred.push(vec![NONE; n]);
        for k in 1..stages {
            let prev = &best[k - 1];
            if prev.iter().all(|&s| s == NONE) {
                break;
            }
            let table = RangeMax::new(prev);
            let mut b = vec![NONE; n];
            let mut pr = vec![NONE; n];
            for p in 0..n {
                let t = self.rows[p].time;
                let mut hi = self.maxc[k][p];
                if self.program.ties_forbidden {
                    // The previous stage strictly earlier in time.
                    hi = hi.min(first_at_or_after(self.rows, t) as i64 - 1);
                }
                if hi < 0 {
                    continue;
                }
                let lo = match self.program.stages[k].window {
                    Some(d) => first_at_or_after(self.rows, t.saturating_sub(d)),
                    None => 0,
                };
                if lo as i64 > hi {
                    continue;
                }
                let (start, c) = table.query(lo, hi as usize);
                if start == NONE {
                    continue;
                }
                if let Some(w) = self.program.window {
                    if t - self.rows[start as usize].time > w {
                        continue;
                    }
                }
                b[p] = start;
                pr[p] = c as i64;
            }
            best.push(b);
            pred.push(pr);
        }
        // The deepest stage reached, and the chain reaching it earliest.
        let Some((depth, end)) = best
            .iter()
            .enumerate()
            .rev()
            .find_map(|(k, b)| b.iter().position(|&s| s != NONE).map(|p| (k, p)))
        else {
            return Vec::new();
        };
        let mut times = vec![0; depth + 1];
        let mut p = end;
        for k in (0..=depth).rev() {
            times[k] = self.rows[p].time;
            if k > 0 {
                p = pred[k][p] as usize;
            }
        }
        times
    }
}

/// First position whose time is at least `t`.
fn first_at_or_after(rows: &[Row], t: i64) -> usize {
    rows.partition_point(|r| r.time < t)
}

/// Range maximum of (value, position) over a fixed array, ties to the later position.
struct RangeMax {
    levels: Vec<Vec<(i64, usize)>>,
}

impl RangeMax {
    fn new(values: &[i64]) -> Self {
        let mut levels = vec![values
            .iter()
            .enumerate()
            .map(|(i, &v)| (v, i))
            .collect::<Vec<_>>()];
        let mut width = 1;
        while width * 2 <= values.len() {
            let last = levels.last().expect("level 0");
            let next: Vec<(i64, usize)> = (0..=values.len() - width * 2)
                .map(|i| last[i].max(last[i + width]))
                .collect();
            levels.push(next);
            width *= 2;
        }
        RangeMax { levels }
    }

    /// Max over `lo..=hi`.
    fn query(&self, lo: usize, hi: usize) -> (i64, usize) {
        let len = hi - lo + 1;
        let level = (usize::BITS - 1 - len.leading_zeros()) as usize;
        let width = 1 << level;
        self.levels[level][lo].max(self.levels[level][hi + 1 - width])
    }
}

/// The chain search with exclusions: a state also records, per exclusion still open, whether
/// every stage since its first stage happened at that stage's very time (then an excluded
/// activity at that time does not lie strictly between). States are kept as Pareto sets.
struct WithExclusions<'a> {
    program: &'a Program,
    rows: &'a [Row],
    maxc: &'a [Vec<i64>],
    /// Per exclusion, the sorted times of matching activities.
    excluded: Vec<Vec<i64>>,
}

#[derive(Clone, Copy, Debug)]
struct State {
    start: i64,
    /// Bit e: exclusion e's anchor time equals the time of the current stage.
    same_time: u32,
    /// Bit e: no activity of exclusion e lies inside its range so far. A chain without it can
    /// still count up to the stage before the exclusion's last stage, never reach that one.
    clean: u32,
    /// Index of the predecessor state (in the previous stage's list for `pred_pos`).
    pred_pos: i64,
    pred_state: usize,
}

impl<'a> WithExclusions<'a> {
    fn new(program: &'a Program, rows: &'a [Row], maxc: &'a [Vec<i64>]) -> Self {
        let excluded = program
            .exclusions
            .iter()
            .map(|e| {
                rows.iter()
                    .filter(|r| r.mask & e.mask != 0)
                    .map(|r| r.time)
                    .collect()
            })
            .collect();
        WithExclusions {
            program,
            rows,
            maxc,
            excluded,
        }
    }

    /// Is there an excluded activity of exclusion `e` with time in the range?
    fn any_between(&self, e: usize, lo: i64, lo_inclusive: bool, hi_exclusive: i64) -> bool {
        let times = &self.excluded[e];
        let from = if lo_inclusive {
            times.partition_point(|&t| t < lo)
        } else {
            times.partition_point(|&t| t <= lo)
        };
        from < times.len() && times[from] < hi_exclusive
    }

    fn run(&self) -> Reach {
        let n = self.rows.len();
        let stages = self.program.stages.len();
        // states[k][p]: Pareto set of states of chains whose stage k completes at p.
        let mut states: Vec<Vec<Vec<State>>> = Vec::with_capacity(stages);
        states.push(
            (0..n)
                .map(|p| {
                    if self.maxc[0][p] == NONE {
                        return Vec::new();
                    }
                    let mut same = 0u32;
                    for (e, ex) in self.program.exclusions.iter().enumerate() {
                        if ex.from == 0 {
                            same |= 1 << e;
                        }
                    }
                    vec![State {
                        start: p as i64,
                        same_time: same,
                        clean: u32::MAX,
                        pred_pos: NONE,
                        pred_state: 0,
                    }]
                })
                .collect(),
        );
        for k in 1..stages {
            if states[k - 1].iter().all(|s| s.is_empty()) {
                break;
            }
            let mut next: Vec<Vec<State>> = vec![Vec::new(); n];
            #[allow(clippy::needless_range_loop)] // p indexes rows, maxc and next alike
            for p in 0..n {
                let hi = self.maxc[k][p];
                if hi < 0 {
                    continue;
                }
                let t = self.rows[p].time;
                let lo_time = self.program.stages[k].window.map(|d| t.saturating_sub(d));
                let mut found: Vec<State> = Vec::new();
                for c in (0..=hi as usize).rev() {
                    let tc = self.rows[c].time;
                    if lo_time.is_some_and(|lo| tc < lo) {
                        break;
                    }
                    if self.program.ties_forbidden && tc == t {
                        continue;
                    }
                    for (si, s) in states[k - 1][c].iter().enumerate() {
                        if let Some(w) = self.program.window {
                            if t - self.rows[s.start as usize].time > w {
                                continue;
                            }
                        }
                        let Some((same, clean)) = self.step(k, s, tc, t) else {
                            continue;
                        };
                        let cand = State {
                            start: s.start,
                            same_time: same,
                            clean,
                            pred_pos: c as i64,
                            pred_state: si,
                        };
                        insert_pareto(&mut found, cand);
                    }
                }
                next[p] = found;
            }
            states.push(next);
        }
        let Some((depth, end)) = states
            .iter()
            .enumerate()
            .rev()
            .find_map(|(k, ss)| ss.iter().position(|s| !s.is_empty()).map(|p| (k, p)))
        else {
            return Vec::new();
        };
        // Latest start, then the latest predecessors (states are kept in that preference).
        let mut si = best_state(&states[depth][end]);
        let mut p = end;
        let mut times = vec![0; depth + 1];
        for k in (0..=depth).rev() {
            times[k] = self.rows[p].time;
            if k > 0 {
                let s = states[k][p][si];
                p = s.pred_pos as usize;
                si = s.pred_state;
            }
        }
        times
    }

    /// Extend a chain from stage k-1 (completed at time `tc`, state `s`) to stage k at time
    /// `t`: the new `same_time` and `clean` bits, or `None` if an exclusion forbids it.
    fn step(&self, k: usize, s: &State, tc: i64, t: i64) -> Option<(u32, u32)> {
        let mut same = 0u32;
        let mut clean = s.clean;
        for (e, ex) in self.program.exclusions.iter().enumerate() {
            let bit = 1u32 << e;
            if ex.from == k {
                same |= bit; // opens here: the anchor is this stage's time
                continue;
            }
            if k <= ex.from || k > ex.to || clean & bit == 0 {
                if k == ex.to && clean & bit == 0 {
                    return None;
                }
                continue;
            }
            // Open: nothing excluded strictly after the anchor, up to (not including) t.
            let anchored_here = s.same_time & bit != 0;
            if self.any_between(e, tc, !anchored_here, t) {
                if k == ex.to {
                    return None;
                }
                clean &= !bit;
                continue;
            }
            if anchored_here && t == tc {
                same |= bit;
            }
        }
        Some((same, clean))
    }
}

/// Keep only states not dominated: a later start with at least the same `same_time` bits wins.
/// Among equals the first inserted (the latest predecessor, as predecessors are visited from
/// the latest) stays.
fn insert_pareto(set: &mut Vec<State>, cand: State) {
    let dominates = |a: &State, b: &State| {
        a.start >= b.start
            && (a.same_time & b.same_time) == b.same_time
            && (a.clean & b.clean) == b.clean
    };
    if set.iter().any(|s| dominates(s, &cand)) {
        return;
    }
    set.retain(|s| !dominates(&cand, s));
    set.push(cand);
}

/// The state with the latest start (first among equals).
fn best_state(set: &[State]) -> usize {
    let mut best = 0;
    for (i, s) in set.iter().enumerate() {
        if s.start > set[best].start {
            best = i;
        }
    }
    best
}
