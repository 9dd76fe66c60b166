//! The funnel core: for one contact's activities, the deepest stage reached and the reach times
//! of the counted chain, exactly as docs/semantics.md defines them.
//!
//! Activities are sorted into the *activity order* — time, then activity id, then the first
//! stage the activity can fill, then its whole mask (then the `same` and `by` values, so nothing
//! depends on input order). Positions below are indices in that order.
//!
//! For each stage `k` and position `p`, `comp[k][p]` is the latest position `c` of the previous
//! stage's completing activity such that stage `k` can be completed *exactly* at `p` with
//! activities in `(c, p]` (or `NONE`). The condition is monotone in `c`, so that one number says
//! everything. Under `order strict` the run `(c, p]` must be exactly the stage's own activities,
//! so `c` is that number and nothing smaller ([`strict_runs`]).
//!
//! The searches:
//! - [`ordered`]: `order sequential` and `order strict` without exclusions — a dynamic programme
//!   keeping, for every (stage, completing position), the latest stage-1 start of any valid
//!   chain (a later start only ever helps the journey window), so it is exact with stage
//!   windows too, where choosing the earliest activity for each stage is not;
//! - [`exclusions`]: the same with exclusions, over Pareto sets of states;
//! - [`any`]: `order any`, a subset dynamic programme per entry.
//!
//! Optional stages are edges that skip them: a stage's possible predecessors are the stages
//! before it back to the nearest required one.

mod any;
mod exclusions;
mod ordered;
pub mod stream;

pub use super::program::{ByFrom, Cond, ExclusionProgram, Order, Program, StageProgram};

/// One activity of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Row {
    /// Microseconds since the epoch (UTC).
    pub time: i64,
    /// The activity id, or 0 where the data has none.
    pub tiebreak: i64,
    /// Bit `i` is set when the activity matches atom `i` (a distinct rule of the journey); 0
    /// for an activity matching none (only `order strict` needs those: they break chains).
    pub mask: u64,
    /// The rank of the activity's `same` value among the contact's values ([`NO_GROUP`] when it
    /// is NULL). Ignored unless the program holds a column constant.
    pub group: u32,
    /// The rank of the activity's `by` value among the contact's values (opaque to the engine,
    /// returned for each activity of the counted chain).
    pub label: u32,
}

/// `Row::group` of an activity whose `same` value is NULL: it can be in no chain.
pub const NO_GROUP: u32 = u32::MAX;

impl Row {
    /// The activity order: time, id, then the first atom (atoms are numbered in stage order,
    /// so this is "the first stage the activity can fill"), then the whole mask, then the
    /// value ranks (ranks follow the values' order, so this is deterministic too).
    fn key(&self) -> (i64, i64, u32, u64, u32, u32) {
        (
            self.time,
            self.tiebreak,
            self.mask.trailing_zeros(),
            self.mask,
            self.group,
            self.label,
        )
    }
}

/// What a contact reached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Per stage up to the contact's depth, the reach time on the counted chain (`None` for an
    /// optional stage the chain skips). Empty when the contact did not reach stage 1.
    pub reach: Vec<Option<i64>>,
    /// Per stage up to the contact's depth, `Row::label` of the activity that completed it on
    /// the counted chain (`None` where the chain skips the stage).
    pub labels: Vec<Option<u32>>,
}

impl Outcome {
    /// `Row::label` of the chain's activity the breakdown takes its value from (`by … from`):
    /// `None` when the contact did not reach that stage on its counted chain.
    pub fn label(&self, from: ByFrom) -> Option<u32> {
        let k = match from {
            ByFrom::Stage(k) => k,
            // The chain's deepest stage is never a skipped one.
            ByFrom::Last => self.labels.len().checked_sub(1)?,
        };
        self.labels.get(k).copied().flatten()
    }
}

pub(crate) const NONE: i64 = i64::MIN;

/// A chain found by a search: per stage up to its last, the completing position (or `None`).
struct Found {
    positions: Vec<Option<usize>>,
    /// The position at which the chain reaches its depth.
    end: usize,
    /// Reach times per stage; the searches for ordered chains report the positions' times.
    times: Vec<Option<i64>>,
}

/// Everything a search needs about one contact (and, with `same`, one of its values).
struct Ctx<'a> {
    program: &'a Program,
    rows: &'a [Row],
    /// Per stage, [`completions`] over the chain masks.
    comp: &'a Tables<i64>,
}

/// The search's tables, kept from one contact to the next. A run searches hundreds of thousands
/// of contacts per journey; allocating a dozen small tables for each was a quarter of the CPU
/// time of a 20-journey run (malloc and free in the profile).
#[derive(Default)]
pub struct Scratch {
    masks: Vec<u64>,
    comp: Tables<i64>,
    ordered: ordered::Scratch,
}

/// A table per stage, of one value per position, in one buffer.
#[derive(Default)]
struct Tables<T> {
    data: Vec<T>,
    n: usize,
}

impl<T: Copy> Tables<T> {
    /// `stages` tables of `n` positions, each `fill`.
    fn reset(&mut self, stages: usize, n: usize, fill: T) {
        self.data.clear();
        self.data.resize(stages * n, fill);
        self.n = n;
    }
}

impl<T> std::ops::Index<usize> for Tables<T> {
    type Output = [T];
    fn index(&self, k: usize) -> &[T] {
        &self.data[k * self.n..(k + 1) * self.n]
    }
}

impl<T> std::ops::IndexMut<usize> for Tables<T> {
    fn index_mut(&mut self, k: usize) -> &mut [T] {
        &mut self.data[k * self.n..(k + 1) * self.n]
    }
}

/// Sort the rows into the activity order and find the counted chain.
pub fn evaluate(program: &Program, rows: &mut [Row]) -> Outcome {
    evaluate_with(program, rows, &mut Scratch::default())
}

/// [`evaluate`] with tables kept from earlier contacts.
pub fn evaluate_with(program: &Program, rows: &mut [Row], scratch: &mut Scratch) -> Outcome {
    rows.sort_unstable_by_key(Row::key);
    let rows = &*rows;
    if rows.is_empty() || program.stages.is_empty() {
        return Outcome::default();
    }
    if let [row] = rows {
        // Most contacts have one matching activity: it can fill stage 1 and nothing more (one
        // activity fills one stage), so no search is needed.
        let usable = !program.same || row.group != NO_GROUP;
        return if usable && completes_alone(&program.stages[0].cond, row.mask) {
            Outcome {
                reach: vec![Some(row.time)],
                labels: vec![Some(row.label)],
            }
        } else {
            Outcome::default()
        };
    }
    let found = if program.same {
        let mut groups: Vec<u32> = rows
            .iter()
            .map(|r| r.group)
            .filter(|&g| g != NO_GROUP)
            .collect();
        groups.sort_unstable();
        groups.dedup();
        // The counted chain over all values: deepest, then reaching it earliest, then starting
        // latest, then the smallest value.
        let mut best: Option<Found> = None;
        for g in groups {
            let Some(f) = search(program, rows, Some(g), scratch) else {
                continue;
            };
            if best.as_ref().is_none_or(|b| better(&f, b)) {
                best = Some(f);
            }
        }
        best
    } else {
        search(program, rows, None, scratch)
    };
    match found {
        None => Outcome::default(),
        Some(f) => Outcome {
            labels: f
                .positions
                .iter()
                .map(|p| p.map(|p| rows[p].label))
                .collect(),
            reach: f.times,
        },
    }
}

/// Is `a` a better counted chain than `b` (found for different `same` values)?
fn better(a: &Found, b: &Found) -> bool {
    let key = |f: &Found| (f.positions.len(), std::cmp::Reverse(f.end), f.positions[0]);
    key(a) > key(b)
}

fn search(
    program: &Program,
    rows: &[Row],
    group: Option<u32>,
    scratch: &mut Scratch,
) -> Option<Found> {
    let Scratch {
        masks,
        comp,
        ordered: tables,
    } = scratch;
    // Activities of other values stay in place (they break strict runs, and exclusions and
    // `not` see every activity) but fill no stage.
    masks.clear();
    masks.extend(rows.iter().map(|r| match group {
        Some(g) if r.group != g => 0,
        _ => r.mask,
    }));
    let any_mask = rows.iter().fold(0u64, |m, r| m | r.mask);
    comp.reset(program.stages.len(), rows.len(), NONE);
    for (k, s) in program.stages.iter().enumerate() {
        completions_into(&s.cond, masks, any_mask, &mut comp[k]);
        if program.order == Order::Strict {
            strict_runs(&mut comp[k], masks, s.cond.positive_mask());
        }
    }
    let ctx = Ctx {
        program,
        rows,
        comp,
    };
    match program.order {
        Order::Any => any::search(&ctx),
        _ if program.exclusions.is_empty() => ordered::search(&ctx, tables),
        _ => exclusions::search(&ctx),
    }
}

// ------------------------------------------------------------------ completions

/// Does `cond` complete at a contact's only activity (`mask`)? The same answer as
/// [`completions`] on one row, without building its tables.
fn completes_alone(cond: &Cond, mask: u64) -> bool {
    match cond {
        Cond::Match(m) => mask & m != 0,
        Cond::AtLeast(n, m) => *n <= 1 && mask & m != 0,
        Cond::Any(parts) => parts.iter().any(|p| completes_alone(p, mask)),
        Cond::All(parts) => {
            parts.iter().any(|p| !matches!(p, Cond::Absent(_)))
                && parts.iter().all(|p| match p {
                    Cond::Absent(m) => mask & m == 0,
                    p => completes_alone(p, mask),
                })
        }
        Cond::Absent(_) => false,
    }
}

/// [`completions`] into `out`, without allocating for the common plain match.
fn completions_into(cond: &Cond, masks: &[u64], any_mask: u64, out: &mut [i64]) {
    match cond {
        Cond::Match(m) => {
            for (p, (o, mask)) in out.iter_mut().zip(masks).enumerate() {
                *o = if mask & m != 0 { p as i64 - 1 } else { NONE };
            }
        }
        _ => out.copy_from_slice(&completions(cond, masks, any_mask)),
    }
}

/// `comp[p]`: the latest `c` such that the condition completes exactly at `p` within `(c, p]`.
fn completions(cond: &Cond, masks: &[u64], any_mask: u64) -> Vec<i64> {
    let n = masks.len();
    match cond {
        Cond::Match(m) => (0..n)
            .map(|p| {
                if masks[p] & m != 0 {
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
                if masks[p] & m != 0 {
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
                for (o, c) in out.iter_mut().zip(completions(part, masks, any_mask)) {
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
            let comps: Vec<Vec<i64>> = parts
                .iter()
                .filter(|p| !matches!(p, Cond::Absent(_)))
                .map(|p| completions(p, masks, any_mask))
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

/// `order strict`: stage `k` completes at `p` after the previous stage's activity at `c` only
/// when `(c, p]` is exactly the stage's run — the shortest one (`c = comp[p]`), every activity
/// in it matching one of the stage's rules, and the stage not already met before `p` inside it.
/// `comp[p]` is left as that one `c`, or `NONE`.
fn strict_runs(comp: &mut [i64], masks: &[u64], positive: u64) {
    let original = comp.to_vec();
    for p in 0..comp.len() {
        let c = original[p];
        if c == NONE {
            continue;
        }
        let run = (c + 1) as usize..=p;
        let all_match = run.clone().all(|q| masks[q] & positive != 0);
        let met_before = ((c + 1) as usize..p).any(|q| original[q] >= c);
        if !all_match || met_before {
            comp[p] = NONE;
        }
    }
}

// ------------------------------------------------------------------ helpers

/// First position whose time is at least `t`.
fn first_at_or_after(rows: &[Row], t: i64) -> usize {
    rows.partition_point(|r| r.time < t)
}

/// The last position a stage completing at time `t` may follow when it needs `gap` after its
/// predecessor (every position up to `hi` when the gap is 0); negative when there is none.
fn last_gap_before(rows: &[Row], t: i64, gap: i64, hi: i64) -> i64 {
    if gap == 0 {
        return hi;
    }
    // Predecessor times at most t - gap, i.e. before t - gap + 1.
    hi.min(first_at_or_after(rows, t.saturating_sub(gap) + 1) as i64 - 1)
}

/// Range maximum over a fixed array, ties to the later position. Rebuilt in place for each
/// array, so its levels are allocated once per run, not once per contact.
#[derive(Default)]
struct RangeMax<T: Copy + Ord> {
    levels: Vec<Vec<(T, usize)>>,
}

impl<T: Copy + Ord> RangeMax<T> {
    fn build(&mut self, values: &[T]) {
        let mut used = 0;
        let mut width = 1;
        loop {
            if self.levels.len() == used {
                self.levels.push(Vec::new());
            }
            let (done, rest) = self.levels.split_at_mut(used);
            let level = &mut rest[0];
            level.clear();
            match done.last() {
                None => level.extend(values.iter().enumerate().map(|(i, &v)| (v, i))),
                Some(last) => {
                    level.extend(
                        (0..=values.len() - width * 2).map(|i| last[i].max(last[i + width])),
                    );
                    width *= 2;
                }
            }
            used += 1;
            if width * 2 > values.len() {
                break;
            }
        }
    }

    /// Max over `lo..=hi`: (value, position).
    fn query(&self, lo: usize, hi: usize) -> (T, usize) {
        let len = hi - lo + 1;
        let level = (usize::BITS - 1 - len.leading_zeros()) as usize;
        let width = 1 << level;
        self.levels[level][lo].max(self.levels[level][hi + 1 - width])
    }
}

/// Reach times of an ordered chain: each included stage's completing time.
fn times_of(rows: &[Row], positions: &[Option<usize>]) -> Vec<Option<i64>> {
    positions.iter().map(|p| p.map(|p| rows[p].time)).collect()
}
