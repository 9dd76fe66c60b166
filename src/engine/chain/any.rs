//! `order any`: stage 1 enters; the other stages follow in any order. A chain is stage 1 and
//! then the stages it includes, each met after the previous one completes, in some order — so
//! each stage has its own activities. For each entry (a completion of stage 1) a dynamic
//! programme over subsets of the other stages keeps the earliest position at which the subset
//! can be complete: completing earlier never hurts the windows or what can follow.

use super::{Ctx, Found, NONE};

use crate::engine::limits::MAX_ANY_STAGES as MAX_STAGES;

pub(super) fn search(ctx: &Ctx) -> Option<Found> {
    let (program, rows) = (ctx.program, ctx.rows);
    let n = rows.len();
    let m = program.stages.len() - 1;
    debug_assert!(m < MAX_STAGES);
    let required: u32 = (0..m)
        .filter(|&i| !program.stages[i + 1].optional)
        .fold(0, |r, i| r | 1 << i);
    let excluded: Vec<(usize, Vec<i64>)> = program
        .exclusions
        .iter()
        .filter(|e| e.from == 0)
        .map(|e| {
            let times = rows
                .iter()
                .filter(|r| r.mask & e.mask != 0)
                .map(|r| r.time)
                .collect();
            (e.to, times)
        })
        .collect();
    let mut f = vec![NONE; 1 << m];
    let mut last = vec![0u8; 1 << m];
    // (depth, earliest end, latest start, most stages, largest set), and the entry.
    type Key = (usize, std::cmp::Reverse<i64>, i64, u32, u32);
    let mut best: Option<(Key, usize)> = None;
    for e in 0..n {
        if ctx.comp[0][e] == NONE {
            continue;
        }
        subsets(ctx, &excluded, e, &mut f, &mut last);
        for (s, &end) in f.iter().enumerate() {
            if end == NONE {
                continue;
            }
            let s32 = s as u32;
            let depth = 32 - s32.leading_zeros() as usize;
            let below = if depth == 0 {
                0
            } else {
                (1u32 << (depth - 1)) - 1
            };
            if required & below & !s32 != 0 {
                continue; // a required stage before the deepest one is missing
            }
            let key = (
                depth,
                std::cmp::Reverse(end),
                e as i64,
                s32.count_ones(),
                s32,
            );
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, e));
            }
        }
    }
    let ((depth, _, _, _, set), e) = best?;
    subsets(ctx, &excluded, e, &mut f, &mut last);
    // Each included stage's completing position, from the last one back.
    let mut positions = vec![None; depth + 1];
    positions[0] = Some(e);
    let mut s = set as usize;
    while s != 0 {
        let j = last[s] as usize;
        positions[j + 1] = Some(f[s] as usize);
        s &= !(1 << j);
    }
    // Stage k is reached when stages 1..k (those the chain includes) have all been met.
    let mut latest = rows[e].time;
    let times = positions
        .iter()
        .map(|p| {
            p.map(|p| {
                latest = latest.max(rows[p].time);
                latest
            })
        })
        .collect();
    Some(Found {
        end: f[set as usize] as usize,
        positions,
        times,
    })
}

/// `f[s]`: the earliest position at which the stages of set `s` (bit j: stage j + 1) can all be
/// complete after entry `e`, or `NONE`; `last[s]`: the stage completed last on the way.
fn subsets(ctx: &Ctx, excluded: &[(usize, Vec<i64>)], e: usize, f: &mut [i64], last: &mut [u8]) {
    let (program, rows) = (ctx.program, ctx.rows);
    let n = rows.len();
    let m = program.stages.len() - 1;
    let t1 = rows[e].time;
    // The earliest position after `c` completing stage k, if it is allowed there.
    let next = |k: usize, c: usize| -> Option<usize> {
        let tc = rows[c].time;
        let p = (c + 1..n).find(|&p| {
            ctx.comp[k][p] >= c as i64 && !(program.ties_forbidden && rows[p].time <= tc)
        })?;
        // Later positions are no better for the window or the exclusions.
        let t = rows[p].time;
        if program.window.is_some_and(|w| t - t1 > w) {
            return None;
        }
        // `exclude … between stage 1 and stage k`: nothing strictly between entry and here.
        let hit = excluded
            .iter()
            .any(|(to, times)| *to == k && times.iter().any(|&x| t1 < x && x < t));
        (!hit).then_some(p)
    };
    f.fill(NONE);
    f[0] = e as i64;
    // A set's subsets are smaller numbers, so they are final when it is reached.
    for s in 0..(1usize << m) {
        if f[s] == NONE {
            continue;
        }
        for j in 0..m {
            if s & 1 << j != 0 {
                continue;
            }
            let Some(p) = next(j + 1, f[s] as usize) else {
                continue;
            };
            let t = s | 1 << j;
            if f[t] == NONE || (p as i64) < f[t] {
                f[t] = p as i64;
                last[t] = j as u8;
            }
        }
    }
}
