//! A naive reference for the funnel core, written for clarity, not speed: it enumerates every
//! chain and checks each rule of docs/semantics.md directly.
//!
//! A chain is a list of links (stage, position in the activity order). For `order sequential`
//! and `order strict` the stages increase and only optional stages are left out; for
//! `order any` the first link is stage 1 and the others are distinct stages in any order.

use journey::engine::chain::{Cond, Order, Program, Row, NO_GROUP};

/// Activity order, as docs/semantics.md defines it.
pub fn sorted(rows: &[Row]) -> Vec<Row> {
    let mut rows = rows.to_vec();
    rows.sort_by_key(|r| {
        (
            r.time,
            r.tiebreak,
            r.mask.trailing_zeros(),
            r.mask,
            r.group,
            r.label,
        )
    });
    rows
}

/// One contact's activities as one search sees them: `masks` are the masks usable in a chain
/// (zero for activities of another `same` value), `rows` every activity.
struct View<'a> {
    program: &'a Program,
    rows: &'a [Row],
    masks: Vec<u64>,
}

type Link = (usize, usize);

impl View<'_> {
    fn time(&self, p: usize) -> i64 {
        self.rows[p].time
    }

    /// Can `cond` be completed exactly at `p` using activities at positions in (lo, p]?
    fn completes_at(&self, cond: &Cond, lo: i64, p: usize) -> bool {
        let in_range = |q: usize| (q as i64) > lo && q <= p;
        if !in_range(p) {
            return false;
        }
        match cond {
            Cond::Match(m) => self.masks[p] & m != 0,
            Cond::AtLeast(n, m) => {
                self.masks[p] & m != 0
                    && (0..self.rows.len())
                        .filter(|&q| in_range(q) && self.masks[q] & m != 0)
                        .count()
                        >= *n as usize
            }
            Cond::Any(parts) => parts.iter().any(|c| self.completes_at(c, lo, p)),
            Cond::All(parts) => {
                // `not` is contact-level: every activity of the contact counts.
                let absent_ok = parts.iter().all(|c| match c {
                    Cond::Absent(m) => self.rows.iter().all(|r| r.mask & m == 0),
                    _ => true,
                });
                let positive: Vec<&Cond> = parts
                    .iter()
                    .filter(|c| !matches!(c, Cond::Absent(_)))
                    .collect();
                absent_ok
                    && positive.iter().any(|c| self.completes_at(c, lo, p))
                    && positive
                        .iter()
                        .all(|c| (0..=p).any(|q| in_range(q) && self.completes_at(c, lo, q)))
            }
            Cond::Absent(_) => false,
        }
    }

    /// `order strict`: (c, p] is exactly the stage's run — it completes the stage at p, needs
    /// the activity right after c, does not complete it before p, and holds only activities
    /// matching the stage's rules.
    fn strict_run(&self, cond: &Cond, c: i64, p: usize) -> bool {
        self.completes_at(cond, c, p)
            && !self.completes_at(cond, c + 1, p)
            && ((c + 1) as usize..p).all(|q| !self.completes_at(cond, c, q))
            && ((c + 1) as usize..=p).all(|q| self.masks[q] & cond.positive_mask() != 0)
    }

    /// Can stage `k` complete at `p` after the previous link's position `prev`?
    fn stage_at(&self, k: usize, prev: Option<usize>, p: usize) -> bool {
        let cond = &self.program.stages[k].cond;
        let lo = prev.map_or(-1, |c| c as i64);
        if self.program.order != Order::Strict {
            return self.completes_at(cond, lo, p);
        }
        match prev {
            Some(c) => self.strict_run(cond, c as i64, p),
            None => (-1..p as i64).any(|c| self.strict_run(cond, c, p)),
        }
    }

    /// The rules of docs/semantics.md on a whole chain.
    fn valid(&self, chain: &[Link]) -> bool {
        let program = self.program;
        let Some(&(first, start)) = chain.first() else {
            return false;
        };
        if first != 0 {
            return false;
        }
        for (i, &(k, p)) in chain.iter().enumerate() {
            let prev = (i > 0).then(|| chain[i - 1]);
            if let Some((j, c)) = prev {
                if p <= c {
                    return false;
                }
                match program.order {
                    Order::Any => {
                        if k == 0 || chain[..i].iter().any(|&(s, _)| s == k) {
                            return false;
                        }
                    }
                    _ => {
                        // Stages in order; only optional ones left out.
                        if k <= j || (j + 1..k).any(|s| !program.stages[s].optional) {
                            return false;
                        }
                    }
                }
                if program.ties_forbidden && self.time(p) <= self.time(c) {
                    return false;
                }
                if let Some(d) = program.stages[k].window {
                    if self.time(p) - self.time(c) > d {
                        return false;
                    }
                }
                if let Some(g) = program.stages[k].min_gap {
                    if self.time(p) - self.time(c) < g {
                        return false;
                    }
                }
            }
            if !self.stage_at(k, prev.map(|l| l.1), p) {
                return false;
            }
            if let Some(w) = program.window {
                if self.time(p) - self.time(start) > w {
                    return false;
                }
            }
        }
        for ex in &program.exclusions {
            let at = |s: usize| chain.iter().find(|l| l.0 == s).map(|l| self.time(l.1));
            if let (Some(a), Some(b)) = (at(ex.from), at(ex.to)) {
                if self
                    .rows
                    .iter()
                    .any(|r| r.mask & ex.mask != 0 && a < r.time && r.time < b)
                {
                    return false;
                }
            }
        }
        true
    }

    /// Every valid chain.
    fn all_chains(&self) -> Vec<Vec<Link>> {
        let mut out = Vec::new();
        self.extend(&mut Vec::new(), &mut out);
        out
    }

    fn extend(&self, chain: &mut Vec<Link>, out: &mut Vec<Vec<Link>>) {
        let from = chain.last().map_or(0, |l| l.1 + 1);
        for p in from..self.rows.len() {
            for k in 0..self.program.stages.len() {
                chain.push((k, p));
                // Every rule holds for a prefix of a valid chain, so invalid prefixes are
                // never extended.
                if self.valid(chain) {
                    out.push(chain.clone());
                    self.extend(chain, out);
                }
                chain.pop();
            }
        }
    }

    /// The deepest stage a chain reaches: its last stage in order; `order any` counts a stage
    /// only with every required stage before it.
    fn depth(&self, chain: &[Link]) -> Option<usize> {
        let top = chain.iter().map(|l| l.0).max()?;
        let has = |s: usize| chain.iter().any(|l| l.0 == s);
        let complete = (1..top).all(|s| self.program.stages[s].optional || has(s));
        complete.then_some(top + 1)
    }

    /// Reach time per stage up to the depth (None where the chain skips a stage): for ordered
    /// chains the link's time; for `order any` the time by which stages 1..k were all met.
    pub fn reach(&self, chain: &[Link], depth: usize) -> Vec<Option<i64>> {
        let mut latest = i64::MIN;
        (0..depth)
            .map(|k| {
                let t = chain.iter().find(|l| l.0 == k).map(|l| self.time(l.1))?;
                if self.program.order == Order::Any {
                    latest = latest.max(t);
                    Some(latest)
                } else {
                    Some(t)
                }
            })
            .collect()
    }
}

pub struct Expected {
    pub depth: usize,
    /// The counted chain: reaches the depth earliest, then starts latest, then (going backwards)
    /// has the latest links (position, then stage); with `order any`, then the most stages,
    /// then the largest set of stages read as a binary number, then (going backwards) the
    /// earliest links (position, then the highest stage).
    pub chain: Vec<(usize, usize)>,
    pub reach: Vec<Option<i64>>,
    /// Every reach vector a valid chain of the depth gives (to check a reported one is real).
    pub possible: Vec<Vec<Option<i64>>>,
    /// The `same` value of the counted chain.
    pub group: Option<u32>,
}

fn expected_in(program: &Program, rows: &[Row], group: Option<u32>) -> Option<Expected> {
    let masks = rows
        .iter()
        .map(|r| match group {
            Some(g) if r.group != g => 0,
            _ => r.mask,
        })
        .collect();
    let view = View {
        program,
        rows,
        masks,
    };
    let chains: Vec<(usize, Vec<Link>)> = view
        .all_chains()
        .into_iter()
        .filter_map(|c| view.depth(&c).map(|d| (d, c)))
        .collect();
    let depth = chains.iter().map(|c| c.0).max()?;
    let of_depth: Vec<&Vec<Link>> = chains
        .iter()
        .filter(|c| c.0 == depth)
        .map(|c| &c.1)
        .collect();
    let best = of_depth
        .iter()
        .max_by_key(|c| {
            let end = c.iter().map(|l| l.1).max().unwrap_or(0);
            let mut key = vec![-(end as i64), c[0].1 as i64];
            if program.order == Order::Any {
                let set: i64 = c.iter().map(|l| 1i64 << l.0).sum();
                key.extend([c.len() as i64, set]);
                // Then, from the last link backwards, the earliest position, then the highest
                // stage.
                for l in c.iter().rev() {
                    key.extend([-(l.1 as i64), l.0 as i64]);
                }
            } else {
                for l in c[..c.len() - 1].iter().rev() {
                    key.extend([l.1 as i64, l.0 as i64]);
                }
            }
            key
        })
        .map(|c| (*c).clone())?;
    Some(Expected {
        depth,
        reach: view.reach(&best, depth),
        possible: of_depth.iter().map(|c| view.reach(c, depth)).collect(),
        chain: best,
        group,
    })
}

/// The counted chain over the activity-ordered `rows`; with `same`, over each value, the
/// deepest, then reaching its depth earliest, then starting latest, then the smallest value.
pub fn expected(program: &Program, rows: &[Row]) -> Expected {
    let none = || Expected {
        depth: 0,
        chain: Vec::new(),
        reach: Vec::new(),
        possible: Vec::new(),
        group: None,
    };
    if !program.same {
        return expected_in(program, rows, None).unwrap_or_else(none);
    }
    let mut groups: Vec<u32> = rows
        .iter()
        .map(|r| r.group)
        .filter(|&g| g != NO_GROUP)
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let mut best: Option<Expected> = None;
    for g in groups {
        let Some(e) = expected_in(program, rows, Some(g)) else {
            continue;
        };
        let key = |e: &Expected| {
            let end = e.chain.iter().map(|l| l.1).max().unwrap_or(0);
            (e.depth, -(end as i64), e.chain[0].1 as i64)
        };
        if best.as_ref().is_none_or(|b| key(&e) > key(b)) {
            best = Some(e);
        }
    }
    best.unwrap_or_else(none)
}
