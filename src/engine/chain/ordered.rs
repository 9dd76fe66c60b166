//! `order sequential` and `order strict` without exclusions: per (stage, completing position),
//! the latest stage-1 start of any valid chain, and the predecessor it came from.

use super::{
    first_at_or_after, last_gap_before, times_of, Ctx, Found, Order, RangeMax, Tables, NONE,
};

/// The search's tables, kept from one contact to the next (see [`super::Scratch`]).
#[derive(Default)]
pub(super) struct Scratch {
    /// `best[k][p]`: latest start of a valid chain whose stage k completes at p (NONE if none).
    best: Tables<i64>,
    /// `pred[k][p]`: the (stage, position) before it on that chain.
    pred: Tables<(usize, usize)>,
    /// Per stage: does any chain reach it? (Most contacts stop early; later stages are skipped.)
    live: Vec<bool>,
    start: Vec<i64>,
    stage_of: Vec<usize>,
    table: RangeMax<i64>,
}

pub(super) fn search(ctx: &Ctx, scratch: &mut Scratch) -> Option<Found> {
    let (program, rows) = (ctx.program, ctx.rows);
    let n = rows.len();
    let stages = program.stages.len();
    let strict = program.order == Order::Strict;
    let Scratch {
        best,
        pred,
        live,
        start,
        stage_of,
        table,
    } = scratch;
    best.reset(stages, n, NONE);
    pred.reset(stages, n, (0, 0));
    live.clear();
    live.resize(stages, false);
    for (p, b) in best[0].iter_mut().enumerate() {
        if ctx.comp[0][p] != NONE {
            *b = p as i64;
            live[0] = true;
        }
    }
    if !live[0] {
        return None;
    }
    for k in 1..stages {
        if program.predecessors(k).all(|j| !live[j]) {
            continue;
        }
        // Over the possible predecessor stages, per position: the latest start, and the
        // nearest stage giving it.
        start.clear();
        start.resize(n, NONE);
        stage_of.clear();
        stage_of.resize(n, 0);
        for j in program.predecessors(k) {
            if !live[j] {
                continue;
            }
            for c in 0..n {
                if best[j][c] > start[c] {
                    start[c] = best[j][c];
                    stage_of[c] = j;
                }
            }
        }
        if start.iter().any(|&s| s != NONE) {
            if !strict {
                table.build(start);
            }
            let window = program.stages[k].window;
            for p in 0..n {
                let t = rows[p].time;
                let hi = ctx.comp[k][p];
                if hi < 0 {
                    continue;
                }
                let (s, c) = if strict {
                    // The run before p is fixed: its predecessor is exactly at `hi`.
                    let c = hi as usize;
                    let tc = rows[c].time;
                    if t - tc < program.gap(k) || window.is_some_and(|d| t - tc > d) {
                        continue;
                    }
                    (start[c], c)
                } else {
                    // The previous stage at least the stage's gap earlier (strictly earlier
                    // with `ties forbidden`).
                    let hi = last_gap_before(rows, t, program.gap(k), hi);
                    let lo = window.map_or(0, |d| first_at_or_after(rows, t.saturating_sub(d)));
                    if hi < 0 || lo as i64 > hi {
                        continue;
                    }
                    table.query(lo, hi as usize)
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
                best[k][p] = s;
                pred[k][p] = (stage_of[c], c);
                live[k] = true;
            }
        }
    }
    // The deepest stage reached, and the chain reaching it earliest.
    let depth = live.iter().rposition(|&l| l)?;
    let end = best[depth].iter().position(|&s| s != NONE)?;
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
