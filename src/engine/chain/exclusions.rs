//! `order sequential` and `order strict` with exclusions.
//!
//! An exclusion `between stage i and stage j` holds on a chain when no excluded activity lies
//! strictly between `T_i` and `T_j`: when `T_j` is no later than the first excluded time after
//! `T_i`, the exclusion's *deadline*. So the state of a chain whose stage `k` completes at
//! position `p` is its start and, per exclusion, a deadline: [`FREE`] when the exclusion cannot
//! constrain the chain (its first stage is not reached yet, or was skipped, or its last stage is
//! behind), [`DIRTY`] when an excluded activity already lies after `T_i` (the chain may go on,
//! but never include stage `j`), or the first excluded time after `T_i`. States are kept as
//! Pareto sets: a later start and later deadlines are better.
//!
//! Two facts make this near-linear in a contact's activities (the scan over every earlier
//! position was quadratic: 40,000 activities took 16 s):
//! - at a position of time `t`, a clean deadline is the first excluded time at or after `t`
//!   (class [`AT_OR_AFTER`]) or, when `T_i` is `t` itself, the first one strictly after `t`
//!   ([`AFTER`]); so a stage's states fall into a few classes (one category per exclusion), and
//!   within a class the state is its start alone;
//! - whether a clean exclusion stays clean when a chain steps from position `c` to `p` is a
//!   threshold on `c`.
//!
//! So each step is, per class of the predecessor stage, a few range-maximum queries over the
//! predecessors' starts, split at those thresholds.
//!
//! The counted chain (docs/semantics.md: reaches the depth earliest, starts latest, then the
//! latest links from the last one backwards) is rebuilt backwards: each link is the latest
//! (position, then stage) whose stored states include one with the chain's start that meets
//! every exclusion the links chosen after it impose.

use super::{first_at_or_after, last_gap_before, times_of, Ctx, Found, Order, NONE};
use std::collections::HashMap;

/// The exclusion does not constrain the chain.
const FREE: i64 = i64::MAX;
/// An excluded activity lies after the exclusion's first stage: the chain can never include
/// its last stage.
const DIRTY: i64 = i64::MIN;

/// Categories of a state's deadline, relative to the time `t` of its position.
const FREE_CLASS: u8 = 0;
const DIRTY_CLASS: u8 = 1;
/// The first excluded time at or after `t`.
const AT_OR_AFTER: u8 = 2;
/// The first excluded time strictly after `t` (the exclusion opened at time `t`).
const AFTER: u8 = 3;

/// The program's exclusions, merged by range (`X between 1 and 3` and `Y between 1 and 3`
/// constrain a chain exactly as `X or Y between 1 and 3`), with their activities' times.
struct Exclusion {
    from: usize,
    to: usize,
    /// Sorted, distinct.
    times: Vec<i64>,
}

impl Exclusion {
    fn at_or_after(&self, t: i64) -> i64 {
        let i = self.times.partition_point(|&x| x < t);
        self.times.get(i).copied().unwrap_or(FREE)
    }

    fn after(&self, t: i64) -> i64 {
        let i = self.times.partition_point(|&x| x <= t);
        self.times.get(i).copied().unwrap_or(FREE)
    }

    fn last_before(&self, t: i64) -> Option<i64> {
        let i = self.times.partition_point(|&x| x < t);
        i.checked_sub(1).map(|i| self.times[i])
    }

    /// Is the exclusion open at stage `k` (a chain there may have included its first stage and
    /// still has its last ahead)?
    fn spans(&self, k: usize) -> bool {
        self.from <= k && k < self.to
    }
}

fn merged(ctx: &Ctx) -> Vec<Exclusion> {
    let mut out: Vec<(usize, usize, u64)> = Vec::new();
    for e in &ctx.program.exclusions {
        match out.iter_mut().find(|x| x.0 == e.from && x.1 == e.to) {
            Some(x) => x.2 |= e.mask,
            None => out.push((e.from, e.to, e.mask)),
        }
    }
    out.into_iter()
        .map(|(from, to, mask)| {
            // Every activity of the contact counts, whatever its `same` value.
            let mut times: Vec<i64> = ctx
                .rows
                .iter()
                .filter(|r| r.mask & mask != 0)
                .map(|r| r.time)
                .collect();
            times.dedup();
            Exclusion { from, to, times }
        })
        .collect()
}

#[derive(Clone, Debug)]
struct State {
    /// Position of the stage-1 activity.
    start: i64,
    /// Per exclusion, the deadline ([`FREE`], [`DIRTY`] or a time).
    deadlines: Vec<i64>,
}

/// The states of one stage: per position, a Pareto set.
struct Layer {
    /// `offsets[p]..offsets[p + 1]` index `states`.
    offsets: Vec<usize>,
    states: Vec<State>,
}

impl Layer {
    fn at(&self, p: usize) -> &[State] {
        &self.states[self.offsets[p]..self.offsets[p + 1]]
    }
}

/// One class of a stage's states: their positions (increasing) and starts.
struct Class {
    positions: Vec<usize>,
    tree: SegMax,
}

/// Maximum over a range of a fixed array, ties to the later index, in `2n` entries (a sparse
/// table needs `n log n`, too much for a contact with millions of activities).
struct SegMax {
    n: usize,
    t: Vec<(i64, usize)>,
}

impl SegMax {
    fn new(values: &[i64]) -> Self {
        let n = values.len();
        let mut t = vec![(NONE, 0); 2 * n];
        for (i, &v) in values.iter().enumerate() {
            t[n + i] = (v, i);
        }
        for i in (1..n).rev() {
            t[i] = t[2 * i].max(t[2 * i + 1]);
        }
        SegMax { n, t }
    }

    /// Max over `lo..=hi`: (value, index).
    fn query(&self, lo: usize, hi: usize) -> (i64, usize) {
        let mut best = (NONE, 0);
        let (mut l, mut r) = (lo + self.n, hi + self.n + 1);
        while l < r {
            if l & 1 == 1 {
                best = best.max(self.t[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                best = best.max(self.t[r]);
            }
            l >>= 1;
            r >>= 1;
        }
        best
    }
}

struct Search<'a> {
    ctx: &'a Ctx<'a>,
    ex: Vec<Exclusion>,
}

pub(super) fn search(ctx: &Ctx) -> Option<Found> {
    let ex = merged(ctx);
    Search { ctx, ex }.run()
}

impl Search<'_> {
    /// The predecessor positions a completion of stage `k` at `p` may follow (a chain's
    /// previous stage completes in `lo..=hi`), or `None`.
    fn range(&self, k: usize, p: usize) -> Option<(usize, usize)> {
        let (program, rows) = (self.ctx.program, self.ctx.rows);
        let hi = self.ctx.comp[k][p];
        if hi < 0 {
            return None;
        }
        let t = rows[p].time;
        let window = program.stages[k].window;
        if program.order == Order::Strict {
            // The run before p is fixed: its predecessor is exactly at `hi`.
            let c = hi as usize;
            let tc = rows[c].time;
            if t - tc < program.gap(k) || window.is_some_and(|d| t - tc > d) {
                return None;
            }
            return Some((c, c));
        }
        let hi = last_gap_before(rows, t, program.gap(k), hi);
        let lo = window.map_or(0, |d| first_at_or_after(rows, t.saturating_sub(d)));
        if hi < 0 || lo as i64 > hi {
            return None;
        }
        Some((lo, hi as usize))
    }

    /// The class of a state of stage `j` at position `c`.
    fn class_of(&self, j: usize, c: usize, s: &State) -> Vec<u8> {
        let t = self.ctx.rows[c].time;
        self.ex
            .iter()
            .zip(&s.deadlines)
            .map(|(x, &d)| match d {
                FREE => FREE_CLASS,
                DIRTY => DIRTY_CLASS,
                _ if !x.spans(j) => FREE_CLASS,
                d if d == x.at_or_after(t) => AT_OR_AFTER,
                _ => AFTER,
            })
            .collect()
    }

    /// From which predecessor position on a clean exclusion of class `class` (at a stage it
    /// spans) is still clean at time `t`.
    fn clean_from(&self, x: &Exclusion, class: u8, t: i64) -> usize {
        let rows = self.ctx.rows;
        match (class, x.last_before(t)) {
            (_, None) => 0,
            // Deadline: the first excluded time at or after t_c; clean while it is >= t, i.e.
            // no excluded time in [t_c, t): t_c after the last one before t.
            (AT_OR_AFTER, Some(l)) => first_at_or_after(rows, l + 1),
            // The first one strictly after t_c: no excluded time in (t_c, t).
            (_, Some(l)) => first_at_or_after(rows, l),
        }
    }

    fn run(&self) -> Option<Found> {
        let (program, rows) = (self.ctx.program, self.ctx.rows);
        let n = rows.len();
        let stages = program.stages.len();
        let mut layers: Vec<Layer> = Vec::with_capacity(stages);
        let mut classes: Vec<HashMap<Vec<u8>, Class>> = Vec::with_capacity(stages);
        let mut live = vec![false; stages];

        let mut first = Layer {
            offsets: vec![0],
            states: Vec::new(),
        };
        for (p, row) in rows.iter().enumerate() {
            if self.ctx.comp[0][p] != NONE {
                let t = row.time;
                first.states.push(State {
                    start: p as i64,
                    deadlines: self
                        .ex
                        .iter()
                        .map(|x| if x.from == 0 { x.after(t) } else { FREE })
                        .collect(),
                });
                live[0] = true;
            }
            first.offsets.push(first.states.len());
        }
        classes.push(self.classes(0, &first));
        layers.push(first);

        for k in 1..stages {
            let mut layer = Layer {
                offsets: vec![0],
                states: Vec::new(),
            };
            let preds: Vec<usize> = program.predecessors(k).filter(|&j| live[j]).collect();
            for p in 0..n {
                if !preds.is_empty() {
                    if let Some((lo, hi)) = self.range(k, p) {
                        let mut found: Vec<State> = Vec::new();
                        for &j in &preds {
                            for (class, cls) in &classes[j] {
                                self.step(j, k, p, (lo, hi), class, cls, &mut found);
                            }
                        }
                        live[k] |= !found.is_empty();
                        layer.states.extend(found);
                    }
                }
                layer.offsets.push(layer.states.len());
            }
            classes.push(self.classes(k, &layer));
            layers.push(layer);
        }

        let depth = live.iter().rposition(|&l| l)?;
        let end = (0..n).find(|&p| !layers[depth].at(p).is_empty())?;
        let start = layers[depth].at(end).iter().map(|s| s.start).max()?;
        let positions = self.rebuild(&layers, depth, end, start);
        Some(Found {
            end,
            times: times_of(rows, &positions),
            positions,
        })
    }

    /// Stage `j`'s states by class.
    fn classes(&self, j: usize, layer: &Layer) -> HashMap<Vec<u8>, Class> {
        let mut by: HashMap<Vec<u8>, (Vec<usize>, Vec<i64>)> = HashMap::new();
        for p in 0..layer.offsets.len() - 1 {
            for s in layer.at(p) {
                // One state per (position, class): within a class the deadlines follow from
                // the position, so of two states the later start dominates.
                let e = by.entry(self.class_of(j, p, s)).or_default();
                e.0.push(p);
                e.1.push(s.start);
            }
        }
        by.into_iter()
            .map(|(k, (positions, starts))| {
                let tree = SegMax::new(&starts);
                (k, Class { positions, tree })
            })
            .collect()
    }

    /// The states stage `k` gets at `p` from the class `class` of stage `j`, predecessors in
    /// `lo..=hi`, into the Pareto set `found`.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        j: usize,
        k: usize,
        p: usize,
        (lo, hi): (usize, usize),
        class: &[u8],
        cls: &Class,
        found: &mut Vec<State>,
    ) {
        let (program, rows) = (self.ctx.program, self.ctx.rows);
        let t = rows[p].time;
        let a = cls.positions.partition_point(|&c| c < lo);
        let b = cls.positions.partition_point(|&c| c <= hi);
        if a >= b {
            return;
        }
        // Predecessors at t itself keep their class's deadline; earlier ones have the first
        // excluded time at or after t.
        let same_time = first_at_or_after(rows, t);
        let clean_from: Vec<usize> = self
            .ex
            .iter()
            .zip(class)
            .map(|(x, &c)| {
                if x.spans(j) && x.to >= k && (c == AT_OR_AFTER || c == AFTER) {
                    self.clean_from(x, c, t)
                } else {
                    0
                }
            })
            .collect();
        let mut cuts: Vec<usize> = clean_from
            .iter()
            .copied()
            .chain([same_time])
            .filter(|&c| c > lo && c <= hi)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut from = lo;
        for upto in cuts.into_iter().chain([hi + 1]) {
            let (u, v) = (from, upto - 1);
            from = upto;
            let ia = cls.positions.partition_point(|&c| c < u);
            let ib = cls.positions.partition_point(|&c| c <= v);
            if ia >= ib {
                continue;
            }
            let (start, _) = cls.tree.query(ia, ib - 1);
            if program
                .window
                .is_some_and(|w| t - rows[start as usize].time > w)
            {
                continue;
            }
            let mut deadlines = Vec::with_capacity(self.ex.len());
            let mut valid = true;
            for (e, x) in self.ex.iter().enumerate() {
                let d = if x.from == k {
                    x.after(t)
                } else if x.spans(j) && x.to >= k {
                    match class[e] {
                        FREE_CLASS => FREE,
                        DIRTY_CLASS if x.to == k => {
                            valid = false;
                            break;
                        }
                        DIRTY_CLASS => DIRTY,
                        AT_OR_AFTER | AFTER if u < clean_from[e] => {
                            if x.to == k {
                                valid = false;
                                break;
                            }
                            DIRTY
                        }
                        // Closed clean.
                        _ if x.to == k => FREE,
                        AFTER if u >= same_time => x.after(t),
                        _ => x.at_or_after(t),
                    }
                } else {
                    // Not opened yet, its first stage skipped (then it never applies), its last
                    // stage skipped, or behind.
                    FREE
                };
                deadlines.push(d);
            }
            if valid {
                insert_pareto(found, State { start, deadlines });
            }
        }
    }

    /// The counted chain ending at (`depth`, `end`) with stage-1 position `start`: backwards,
    /// each link the latest position (then the latest stage) that a valid chain with that start
    /// can have there, given the links after it.
    fn rebuild(
        &self,
        layers: &[Layer],
        depth: usize,
        end: usize,
        start: i64,
    ) -> Vec<Option<usize>> {
        let (program, rows) = (self.ctx.program, self.ctx.rows);
        let mut positions = vec![None; depth + 1];
        // Per exclusion whose last stage is on the links chosen so far and whose first stage
        // is not: that last stage's time, which the first stage's deadline must reach.
        let mut bound: Vec<Option<i64>> = vec![None; self.ex.len()];
        let (mut k, mut p) = (depth, end);
        loop {
            positions[k] = Some(p);
            if k == 0 {
                debug_assert_eq!(p as i64, start);
                break;
            }
            let t = rows[p].time;
            for (e, x) in self.ex.iter().enumerate() {
                if x.to == k {
                    bound[e] = Some(t);
                }
                if x.from == k {
                    bound[e] = None; // met: checked when this link was chosen
                }
            }
            let fits =
                |j: usize, s: &State| {
                    s.start == start
                        && self.ex.iter().zip(&bound).zip(&s.deadlines).all(
                            |((x, b), &d)| match b {
                                Some(b) if x.spans(j) => d >= *b,
                                _ => true,
                            },
                        )
                };
            let (lo, hi) = self
                .range(k, p)
                .expect("a link of a found chain has predecessors");
            let chosen = (lo..=hi).rev().find_map(|c| {
                program
                    .predecessors(k)
                    .find(|&j| layers[j].at(c).iter().any(|s| fits(j, s)))
                    .map(|j| (j, c))
            });
            let (j, c) = chosen.expect("the forward search found this chain");
            for (e, x) in self.ex.iter().enumerate() {
                if x.from > j {
                    bound[e] = None; // its first stage is skipped: it does not apply
                }
            }
            (k, p) = (j, c);
        }
        positions
    }
}

/// Keep only states not dominated: a later start with every deadline at least as late wins.
fn insert_pareto(set: &mut Vec<State>, cand: State) {
    let dominates = |a: &State, b: &State| {
        a.start >= b.start && a.deadlines.iter().zip(&b.deadlines).all(|(x, y)| x >= y)
    };
    if set.iter().any(|s| dominates(s, &cand)) {
        return;
    }
    set.retain(|s| !dominates(&cand, s));
    set.push(cand);
}
