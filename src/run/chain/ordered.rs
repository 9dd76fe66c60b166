//! `order sequential` and `order strict` without exclusions: per (stage, completing position),
//! the latest stage-1 start of any valid chain, and the predecessor it came from.

use super::{first_at_or_after, times_of, Ctx, Found, Order, RangeMax, NONE};

pub(super) fn search(ctx: &Ctx) -> Option<Found> {
    let (program, rows) = (ctx.program, ctx.rows);
    let n = rows.len();
    let stages = program.stages.len();
    let strict = program.order == Order::Strict;
    // best[k][p]: latest start of a valid chain whose stage k completes at p (NONE if none);
    // pred[k][p]: the (stage, position) before it on that chain.
    let mut best: Vec<Vec<i64>> = Vec::with_capacity(stages);
    let mut pred: Vec<Vec<(usize, usize)>> = Vec::with_capacity(stages);
    best.push(
        (0..n)
            .map(|p| {
                if ctx.comp[0][p] != NONE {
                    p as i64
                } else {
                    NONE
                }
            })
            .collect(),
    );
    if best[0].iter().all(|&s| s == NONE) {
        return None;
    }
    pred.push(Vec::new());
    for k in 1..stages {
        // A stage no chain reaches has empty tables: most contacts stop early, and their later
        // stages then cost no allocation (the search runs once per contact and journey).
        if program.predecessors(k).all(|j| best[j].is_empty()) {
            best.push(Vec::new());
            pred.push(Vec::new());
            continue;
        }
        // Over the possible predecessor stages, per position: the latest start, and the
        // nearest stage giving it.
        let mut start = vec![NONE; n];
        let mut stage_of = vec![0usize; n];
        for j in program.predecessors(k) {
            if best[j].is_empty() {
                continue;
            }
            for c in 0..n {
                if best[j][c] > start[c] {
                    start[c] = best[j][c];
                    stage_of[c] = j;
                }
            }
        }
        let mut b = vec![NONE; n];
        let mut pr = vec![(0, 0); n];
        if start.iter().any(|&s| s != NONE) {
            let table = (!strict).then(|| RangeMax::new(&start));
            let window = program.stages[k].window;
            for p in 0..n {
                let t = rows[p].time;
                let hi = ctx.comp[k][p];
                if hi < 0 {
                    continue;
                }
                let (s, c) = match &table {
                    // The run before p is fixed: its predecessor is exactly at `hi`.
                    None => {
                        let c = hi as usize;
                        let tc = rows[c].time;
                        if (program.ties_forbidden && tc >= t) || window.is_some_and(|d| t - tc > d)
                        {
                            continue;
                        }
                        (start[c], c)
                    }
                    Some(table) => {
                        let mut hi = hi;
                        if program.ties_forbidden {
                            // The previous stage strictly earlier in time.
                            hi = hi.min(first_at_or_after(rows, t) as i64 - 1);
                        }
                        let lo = window.map_or(0, |d| first_at_or_after(rows, t.saturating_sub(d)));
                        if hi < 0 || lo as i64 > hi {
                            continue;
                        }
                        table.query(lo, hi as usize)
                    }
                };
                if s == NONE {
                    continue;
                }
                if program
                    .window
                    .is_some_and(|w| t - rows[s as usize].time > w)
                {
                    continue;
                }
                b[p] = s;
                pr[p] = (stage_of[c], c);
            }
        }
        if b.iter().all(|&s| s == NONE) {
            (b, pr) = (Vec::new(), Vec::new());
        }
        best.push(b);
        pred.push(pr);
    }
    // The deepest stage reached, and the chain reaching it earliest.
    let (depth, end) = best
        .iter()
        .enumerate()
        .rev()
        .find_map(|(k, b)| b.iter().position(|&s| s != NONE).map(|p| (k, p)))?;
    let mut positions = vec![None; depth + 1];
    let (mut k, mut p) = (depth, end);
    loop {
        positions[k] = Some(p);
        if k == 0 {
            break;
        }
        (k, p) = pred[k][p];
    }
    Some(Found {
        end,
        times: times_of(rows, &positions),
        positions,
    })
}
