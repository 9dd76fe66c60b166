//! `order sequential` and `order strict` with exclusions. A state also records, per exclusion,
//! whether the chain has opened it (it includes the exclusion's first stage and has not passed
//! its last), whether every stage since that first stage happened at that stage's very time
//! (then an excluded activity at that time does not lie strictly between), and whether it is
//! still clean. States are kept as Pareto sets.

use super::{times_of, Ctx, Found, Order, NONE};

#[derive(Clone, Copy, Debug)]
struct State {
    start: i64,
    /// Bit e: exclusion e is open on this chain.
    open: u32,
    /// Bit e: exclusion e's anchor time equals the time of the current stage.
    same_time: u32,
    /// Bit e: no activity of exclusion e lies inside its range so far. A chain without it may
    /// go on, but never include the exclusion's last stage.
    clean: u32,
    /// The predecessor: stage, position, index in that list.
    pred: (usize, usize, usize),
}

impl State {
    /// How much exclusion `e` still constrains the chain: not open < open with the anchor at
    /// this time < open < open and already hit.
    fn level(&self, e: usize) -> u8 {
        let bit = 1u32 << e;
        match (
            self.open & bit != 0,
            self.clean & bit != 0,
            self.same_time & bit != 0,
        ) {
            (false, _, _) => 0,
            (true, true, true) => 1,
            (true, true, false) => 2,
            (true, false, _) => 3,
        }
    }
}

struct Search<'a> {
    ctx: &'a Ctx<'a>,
    /// Per exclusion, the sorted times of matching activities (any activity of the contact).
    excluded: Vec<Vec<i64>>,
}

pub(super) fn search(ctx: &Ctx) -> Option<Found> {
    let excluded = ctx
        .program
        .exclusions
        .iter()
        .map(|e| {
            ctx.rows
                .iter()
                .filter(|r| r.mask & e.mask != 0)
                .map(|r| r.time)
                .collect()
        })
        .collect();
    Search { ctx, excluded }.run()
}

impl Search<'_> {
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

    fn run(&self) -> Option<Found> {
        let (program, rows) = (self.ctx.program, self.ctx.rows);
        let n = rows.len();
        let stages = program.stages.len();
        let count = program.exclusions.len();
        // states[k][p]: Pareto set of states of chains whose stage k completes at p.
        let mut states: Vec<Vec<Vec<State>>> = Vec::with_capacity(stages);
        let opened_first = (0..count)
            .filter(|&e| program.exclusions[e].from == 0)
            .fold(0u32, |m, e| m | 1 << e);
        states.push(
            (0..n)
                .map(|p| {
                    if self.ctx.comp[0][p] == NONE {
                        return Vec::new();
                    }
                    vec![State {
                        start: p as i64,
                        open: opened_first,
                        same_time: opened_first,
                        clean: u32::MAX,
                        pred: (0, 0, 0),
                    }]
                })
                .collect(),
        );
        for k in 1..stages {
            let preds: Vec<usize> = program.predecessors(k).collect();
            let mut next: Vec<Vec<State>> = vec![Vec::new(); n];
            if preds
                .iter()
                .all(|&j| states[j].iter().all(|s| s.is_empty()))
            {
                states.push(next);
                continue;
            }
            for (p, slot) in next.iter_mut().enumerate() {
                let hi = self.ctx.comp[k][p];
                if hi < 0 {
                    continue;
                }
                let t = rows[p].time;
                let lo_time = program.stages[k].window.map(|d| t.saturating_sub(d));
                // Strict: the predecessor is exactly at `hi`; otherwise anywhere up to it,
                // latest first.
                let lowest = if program.order == Order::Strict {
                    hi as usize
                } else {
                    0
                };
                let mut found: Vec<State> = Vec::new();
                for c in (lowest..=hi as usize).rev() {
                    let tc = rows[c].time;
                    if lo_time.is_some_and(|lo| tc < lo) {
                        break;
                    }
                    if program.ties_forbidden && tc >= t {
                        continue;
                    }
                    for &j in &preds {
                        for (si, s) in states[j][c].iter().enumerate() {
                            if program
                                .window
                                .is_some_and(|w| t - rows[s.start as usize].time > w)
                            {
                                continue;
                            }
                            if let Some(mut cand) = self.step(j, k, s, tc, t) {
                                cand.pred = (j, c, si);
                                insert_pareto(&mut found, cand, count);
                            }
                        }
                    }
                }
                *slot = found;
            }
            states.push(next);
        }
        let (depth, end) = states
            .iter()
            .enumerate()
            .rev()
            .find_map(|(k, ss)| ss.iter().position(|s| !s.is_empty()).map(|p| (k, p)))?;
        // Latest start, then the latest predecessors (states are kept in that preference).
        let mut positions = vec![None; depth + 1];
        let (mut k, mut p, mut si) = (depth, end, best_state(&states[depth][end]));
        loop {
            positions[k] = Some(p);
            if k == 0 {
                break;
            }
            (k, p, si) = states[k][p][si].pred;
        }
        Some(Found {
            end,
            times: times_of(rows, &positions),
            positions,
        })
    }

    /// Extend a chain from stage `a` (completed at time `ta`, state `s`) to stage `b` at time
    /// `tb` (stages in between are skipped optional ones): the new state, or `None` if an
    /// exclusion forbids it.
    fn step(&self, a: usize, b: usize, s: &State, ta: i64, tb: i64) -> Option<State> {
        let mut out = State {
            start: s.start,
            open: 0,
            same_time: 0,
            clean: u32::MAX,
            pred: (0, 0, 0),
        };
        for (e, ex) in self.ctx.program.exclusions.iter().enumerate() {
            let bit = 1u32 << e;
            if ex.from == b {
                // Opens here: the anchor is this stage's time.
                out.open |= bit;
                out.same_time |= bit;
                continue;
            }
            // Not opened (its first stage skipped or not reached yet), or passed already; and
            // a chain that skips the last stage is not constrained by it.
            if s.open & bit == 0 || b > ex.to {
                continue;
            }
            debug_assert!(ex.from <= a && a < ex.to);
            let anchored_here = s.same_time & bit != 0;
            let hit = self.any_between(e, ta, !anchored_here, tb);
            if b == ex.to {
                if hit || s.clean & bit == 0 {
                    return None;
                }
                continue; // closed
            }
            out.open |= bit;
            if hit || s.clean & bit == 0 {
                out.clean &= !bit;
            } else if anchored_here && tb == ta {
                out.same_time |= bit;
            }
        }
        Some(out)
    }
}

/// Keep only states not dominated: a later start with every exclusion at most as constraining
/// wins. Among equals the first inserted (the latest predecessor, as predecessors are visited
/// from the latest) stays.
fn insert_pareto(set: &mut Vec<State>, cand: State, exclusions: usize) {
    let dominates = |a: &State, b: &State| {
        a.start >= b.start && (0..exclusions).all(|e| a.level(e) <= b.level(e))
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
