//! A naive reference for the funnel core, written for clarity, not speed: it enumerates every
//! chain of completing activities and checks each rule of docs/semantics.md directly.

use journey::run::chain::{Cond, Program, Row};

/// Activity order, as docs/semantics.md defines it.
pub fn sorted(rows: &[Row]) -> Vec<Row> {
    let mut rows = rows.to_vec();
    rows.sort_by_key(|r| (r.time, r.tiebreak, r.mask.trailing_zeros(), r.mask));
    rows
}

/// Can `cond` be completed exactly at position `p` using activities at positions in (lo, p]?
fn completes_at(cond: &Cond, rows: &[Row], lo: i64, p: usize) -> bool {
    let in_range = |q: usize| (q as i64) > lo && q <= p;
    match cond {
        Cond::Match(m) => rows[p].mask & m != 0,
        Cond::AtLeast(n, m) => {
            rows[p].mask & m != 0
                && (0..rows.len())
                    .filter(|&q| in_range(q) && rows[q].mask & m != 0)
                    .count()
                    >= *n as usize
        }
        Cond::Any(parts) => parts.iter().any(|c| completes_at(c, rows, lo, p)),
        Cond::All(parts) => {
            let absent_ok = parts.iter().all(|c| match c {
                Cond::Absent(m) => rows.iter().all(|r| r.mask & m == 0),
                _ => true,
            });
            let positive: Vec<&Cond> = parts
                .iter()
                .filter(|c| !matches!(c, Cond::Absent(_)))
                .collect();
            absent_ok
                && positive.iter().any(|c| completes_at(c, rows, lo, p))
                && positive
                    .iter()
                    .all(|c| (0..=p).any(|q| in_range(q) && completes_at(c, rows, lo, q)))
        }
        Cond::Absent(_) => false,
    }
}

/// Is the chain of completing positions valid for the program?
pub fn valid(program: &Program, rows: &[Row], chain: &[usize]) -> bool {
    for (k, &p) in chain.iter().enumerate() {
        let lo = if k == 0 { -1 } else { chain[k - 1] as i64 };
        if k > 0 && p <= chain[k - 1] {
            return false;
        }
        if !completes_at(&program.stages[k].cond, rows, lo, p) {
            return false;
        }
        if let Some(w) = program.window {
            if rows[p].time - rows[chain[0]].time > w {
                return false;
            }
        }
        if k > 0 && program.ties_forbidden && rows[p].time <= rows[chain[k - 1]].time {
            return false;
        }
        if k > 0 {
            if let Some(d) = program.stages[k].window {
                if rows[p].time - rows[chain[k - 1]].time > d {
                    return false;
                }
            }
        }
    }
    for ex in &program.exclusions {
        if ex.to < chain.len() {
            let (a, b) = (rows[chain[ex.from]].time, rows[chain[ex.to]].time);
            if rows
                .iter()
                .any(|r| r.mask & ex.mask != 0 && a < r.time && r.time < b)
            {
                return false;
            }
        }
    }
    true
}

/// Every valid chain (as positions), of every length from 1.
pub fn all_chains(program: &Program, rows: &[Row]) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut chain = Vec::new();
    extend(program, rows, &mut chain, &mut out);
    out
}

fn extend(program: &Program, rows: &[Row], chain: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if chain.len() == program.stages.len() {
        return;
    }
    let from = chain.last().map(|&c| c + 1).unwrap_or(0);
    for p in from..rows.len() {
        chain.push(p);
        // Exclusions are checked on whole prefixes, so an invalid prefix is never extended
        // (validity of a prefix is necessary for validity of any extension).
        if valid(program, rows, chain) {
            out.push(chain.clone());
            extend(program, rows, chain, out);
        }
        chain.pop();
    }
}

pub struct Expected {
    pub depth: usize,
    /// The counted chain: reaches the depth earliest, then starts latest, then (going backwards)
    /// has the latest stages.
    pub chain: Vec<usize>,
}

pub fn expected(program: &Program, rows: &[Row]) -> Expected {
    let chains = all_chains(program, rows);
    let depth = chains.iter().map(|c| c.len()).max().unwrap_or(0);
    let best = chains
        .into_iter()
        .filter(|c| c.len() == depth)
        .max_by_key(|c| {
            let mut key = vec![-(c[c.len() - 1] as i64), c[0] as i64];
            key.extend(c[..c.len() - 1].iter().rev().map(|&p| p as i64));
            key
        })
        .unwrap_or_default();
    Expected { depth, chain: best }
}
