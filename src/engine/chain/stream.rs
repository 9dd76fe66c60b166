//! One contact's chain search in a single pass over its activities in the activity order,
//! holding only what a later activity can still use: for a contact too large to hold (a bot, a
//! test account, a shared kiosk with millions of activities) within a memory limit.
//!
//! It is [`super::ordered`]'s dynamic programme turned around. There, `best[k][p]` (the latest
//! stage-1 start of a valid chain whose stage `k` completes at `p`) is computed from a range
//! maximum over every earlier position. Here the positions come one at a time, and each stage
//! keeps only the earlier positions that can still be the best predecessor of a later one:
//!
//! - `order sequential` with plain matches: a later position may use any earlier one in its
//!   window, so a predecessor is useless once a later one has a start at least as late (ties go
//!   to the later position, as in the range maximum) — a queue of decreasing starts, whose front
//!   is the answer, and which the stage window empties from the front. With a minimum gap (or
//!   `ties forbidden`, a gap of one microsecond), the predecessors wait until they are the gap
//!   behind the current time.
//! - `order strict`: the predecessor is exactly the position before the stage's run (`n`
//!   positions back for `at least n times`), so the last `n + 1` positions are enough.
//!
//! The chains themselves are shared linked lists of reach times, so a state costs a few words
//! whatever its depth. [`Stream::new`] takes the programs it finds exactly what
//! [`super::evaluate`] finds for (the property tests compare them); for the others (`order any`,
//! exclusions, `all of` and `not`, `at least` under `order sequential`) it returns `None`.

use super::{Cond, Order, Outcome, Program, Row, NO_GROUP};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// A stage's condition as the stream follows it: one activity matching `mask`, or under
/// `order strict` a run of `times` of them.
#[derive(Debug, Clone, Copy)]
struct StageCond {
    mask: u64,
    /// `at least n times` (1 for a plain match).
    times: usize,
}

/// A chain's reach times and labels, shared by the chains that extend it.
struct Link {
    stage: usize,
    time: i64,
    /// `Row::label` of the activity completing the stage.
    label: u32,
    parent: Option<Arc<Link>>,
}

/// A valid chain ending at some position: the search's `best[k][p]`, with its chain.
#[derive(Clone)]
struct State {
    /// The position of the chain's stage-1 activity: the value the search maximises.
    start: usize,
    start_time: i64,
    chain: Arc<Link>,
}

/// A possible predecessor for a stage: the best chain reaching a previous stage at `pos`.
#[derive(Clone)]
struct Candidate {
    pos: usize,
    time: i64,
    state: State,
}

/// Per stage, the positions later activities may still complete it from.
#[derive(Default)]
struct Stage {
    /// `order sequential`: starts strictly decreasing from the front.
    ready: VecDeque<Candidate>,
    /// A minimum gap or `ties forbidden`: the candidates less than the stage's gap before the
    /// current time, not usable yet (in position order, so their times never decrease).
    waiting: VecDeque<Candidate>,
    /// `order strict`: the candidates of the last `times` positions.
    recent: VecDeque<Candidate>,
    /// `order strict`: the first position of the current run of activities matching the stage.
    run_from: Option<usize>,
}

impl Stage {
    fn offer(&mut self, c: Candidate) {
        while self
            .ready
            .back()
            .is_some_and(|b| b.state.start <= c.state.start)
        {
            self.ready.pop_back();
        }
        self.ready.push_back(c);
    }

    fn held(&self) -> usize {
        self.ready.len() + self.waiting.len() + self.recent.len()
    }
}

/// The search for one `same` value (or the whole contact).
struct Search {
    stages: Vec<Stage>,
    /// The last position this search was given.
    last: Option<usize>,
    /// Per stage, the first position a chain reaches it at, and that chain.
    first: Vec<Option<(usize, State)>>,
}

impl Search {
    fn new(stages: usize) -> Search {
        Search {
            stages: (0..stages).map(|_| Stage::default()).collect(),
            last: None,
            first: vec![None; stages],
        }
    }

    /// The counted chain: the deepest stage, reached earliest. (depth, end, chain).
    fn found(&self) -> Option<(usize, usize, &State)> {
        let depth = self.first.iter().rposition(Option::is_some)?;
        let (end, state) = self.first[depth].as_ref()?;
        Some((depth, *end, state))
    }

    fn held(&self) -> usize {
        self.stages.iter().map(Stage::held).sum::<usize>() + self.first.len()
    }
}

/// The streaming search over one contact's activities (see the module's comment).
pub struct Stream {
    program: Program,
    conds: Vec<StageCond>,
    /// One search, or one per `same` value.
    searches: HashMap<u32, Search>,
    next: usize,
    /// The last activity's place in the activity order (time, id, first rule, mask), to refuse
    /// one out of order.
    last_key: Option<(i64, i64, u32, u64)>,
}

impl Stream {
    /// A stream for `program`, or `None` when it is one only [`super::evaluate`] can search.
    pub fn new(program: &Program) -> Option<Stream> {
        if !program.exclusions.is_empty() || program.order == Order::Any {
            return None;
        }
        let strict = program.order == Order::Strict;
        let conds = program
            .stages
            .iter()
            .map(|s| stage_cond(&s.cond, strict))
            .collect::<Option<Vec<_>>>()?;
        Some(Stream {
            program: program.clone(),
            conds,
            searches: HashMap::new(),
            next: 0,
            last_key: None,
        })
    }

    /// The next activity, in the activity order (time, id, first rule, mask, then the `same`
    /// and `by` values' order); one out of that order is an error, as its outcome would be.
    pub fn push(&mut self, row: Row) -> Result<(), String> {
        let (time, id, first, mask, ..) = row.key();
        let key = (time, id, first, mask);
        if self.last_key.is_some_and(|k| k > key) {
            return Err(format!(
                "activity at {} came after one at {} in the streamed search",
                row.time,
                self.last_key.map_or(0, |k| k.0)
            ));
        }
        self.last_key = Some(key);
        let p = self.next;
        self.next += 1;
        if row.mask == 0 || self.program.stages.is_empty() {
            // It completes no stage; under `order strict` the gap it leaves breaks runs.
            return Ok(());
        }
        let group = if self.program.same {
            if row.group == NO_GROUP {
                return Ok(());
            }
            row.group
        } else {
            0
        };
        let stages = self.program.stages.len();
        let search = self
            .searches
            .entry(group)
            .or_insert_with(|| Search::new(stages));
        step(&self.program, &self.conds, search, p, &row);
        Ok(())
    }

    /// How many predecessors and chains the stream holds: what it costs beyond its input.
    pub fn held(&self) -> usize {
        self.searches.values().map(Search::held).sum()
    }

    /// The counted chain, as [`super::evaluate`] reports it.
    pub fn finish(&self) -> Outcome {
        // Over the `same` values: deepest, then reaching it earliest, then starting latest
        // (positions belong to one value each, so nothing ties).
        let best = self
            .searches
            .values()
            .filter_map(Search::found)
            .max_by_key(|(depth, end, s)| (*depth, std::cmp::Reverse(*end), s.start));
        let Some((depth, _, state)) = best else {
            return Outcome::default();
        };
        let mut reach = vec![None; depth + 1];
        let mut labels = vec![None; depth + 1];
        let mut link = Some(&state.chain);
        while let Some(l) = link {
            reach[l.stage] = Some(l.time);
            labels[l.stage] = Some(l.label);
            link = l.parent.as_ref();
        }
        Outcome { reach, labels }
    }
}

/// A stage condition the stream can follow: a plain match (an `or` of matches is one), or
/// under `order strict` `at least n times` too.
fn stage_cond(cond: &Cond, strict: bool) -> Option<StageCond> {
    match cond {
        Cond::Match(m) => Some(StageCond { mask: *m, times: 1 }),
        Cond::AtLeast(n, m) if *n <= 1 => Some(StageCond { mask: *m, times: 1 }),
        Cond::AtLeast(n, m) if strict => Some(StageCond {
            mask: *m,
            times: *n as usize,
        }),
        Cond::Any(parts) => {
            let mut mask = 0;
            for p in parts {
                match stage_cond(p, strict)? {
                    StageCond { mask: m, times: 1 } => mask |= m,
                    _ => return None,
                }
            }
            Some(StageCond { mask, times: 1 })
        }
        _ => None,
    }
}

/// The activity at position `p` (matching some rule) for one search.
fn step(program: &Program, conds: &[StageCond], search: &mut Search, p: usize, row: &Row) {
    let strict = program.order == Order::Strict;
    let t = row.time;
    // Under `order strict` a position this search was not given broke every run.
    let follows = search.last.is_some_and(|q| q + 1 == p);
    search.last = Some(p);
    let mut best: Vec<Option<State>> = vec![None; conds.len()];
    for (k, cond) in conds.iter().enumerate() {
        let stage = &mut search.stages[k];
        if k > 0 {
            // Predecessors at least the stage's gap before `t` may be used from now on.
            let gap = program.gap(k);
            while stage.waiting.front().is_some_and(|c| t - c.time >= gap) {
                let c = stage.waiting.pop_front().expect("a front");
                stage.offer(c);
            }
        }
        let matched = row.mask & cond.mask != 0;
        if strict {
            stage.run_from = match (matched, stage.run_from) {
                (false, _) => None,
                (true, Some(from)) if follows => Some(from),
                (true, _) => Some(p),
            };
        }
        if !matched {
            continue;
        }
        if strict {
            let from = stage.run_from.unwrap_or(p);
            if p + 1 - from < cond.times {
                continue;
            }
        }
        if k == 0 {
            best[0] = Some(State {
                start: p,
                start_time: t,
                chain: Arc::new(Link {
                    stage: 0,
                    time: t,
                    label: row.label,
                    parent: None,
                }),
            });
            continue;
        }
        let window = program.stages[k].window;
        let before = if strict {
            // The run is exactly the stage's `times` activities: the predecessor completes just
            // before it.
            let Some(c) = p.checked_sub(cond.times) else {
                continue;
            };
            match stage.recent.iter().find(|r| r.pos == c) {
                Some(r)
                    if t - r.time >= program.gap(k) && window.is_none_or(|d| t - r.time <= d) =>
                {
                    &r.state
                }
                _ => continue,
            }
        } else {
            if let Some(d) = window {
                while stage.ready.front().is_some_and(|c| t - c.time > d) {
                    stage.ready.pop_front();
                }
            }
            match stage.ready.front() {
                Some(c) => &c.state,
                None => continue,
            }
        };
        if program.window.is_some_and(|w| t - before.start_time > w) {
            continue;
        }
        best[k] = Some(State {
            start: before.start,
            start_time: before.start_time,
            chain: Arc::new(Link {
                stage: k,
                time: t,
                label: row.label,
                parent: Some(before.chain.clone()),
            }),
        });
    }
    for (k, b) in best.iter().enumerate() {
        if let (Some(b), None) = (b, &search.first[k]) {
            search.first[k] = Some((p, b.clone()));
        }
    }
    // The candidates at `p` for the later stages: over the possible predecessors, the latest
    // start, ties to the nearest stage.
    for (k, cond) in conds.iter().enumerate().skip(1) {
        let mut pick: Option<&State> = None;
        for j in program.predecessors(k) {
            if let Some(b) = &best[j] {
                if pick.is_none_or(|x| b.start > x.start) {
                    pick = Some(b);
                }
            }
        }
        let stage = &mut search.stages[k];
        if strict {
            // Only a position `times` back from a later one is ever asked for.
            while stage
                .recent
                .front()
                .is_some_and(|r| r.pos + cond.times <= p)
            {
                stage.recent.pop_front();
            }
        }
        let Some(state) = pick else {
            continue;
        };
        let c = Candidate {
            pos: p,
            time: t,
            state: state.clone(),
        };
        if strict {
            stage.recent.push_back(c);
        } else if program.gap(k) > 0 {
            stage.waiting.push_back(c);
        } else {
            stage.offer(c);
        }
    }
}
