//! How the chain search scales with one contact's activities (docs/performance.md): a contact
//! with N activities — stage visits, form submissions and excluded unsubscribes interleaved —
//! through a journey with exclusions, an optional stage and a stage window, for growing N.
//!
//! cargo run --release --example one_contact -- [N ...]

use journey::engine::chain::{
    evaluate, ByFrom, Cond, ExclusionProgram, Order, Program, Row, StageProgram,
};
use std::time::Instant;

fn program(order: Order) -> Program {
    let stage = |cond: Cond, optional: bool, window: Option<i64>| StageProgram {
        cond,
        window,
        min_gap: None,
        optional,
    };
    Program {
        stages: vec![
            stage(Cond::Match(1), false, None),
            stage(Cond::Match(2), true, None),
            stage(
                Cond::All(vec![Cond::Match(2), Cond::Match(4)]),
                false,
                Some(3_600_000_000),
            ),
            stage(Cond::Match(8), false, None),
        ],
        window: Some(30 * 86_400_000_000),
        exclusions: vec![
            ExclusionProgram {
                mask: 16,
                from: 0,
                to: 2,
            },
            ExclusionProgram {
                mask: 32,
                from: 1,
                to: 3,
            },
        ],
        ties_forbidden: false,
        order,
        same: false,
        by_from: ByFrom::Stage(0),
    }
}

/// `n` activities a minute apart; a deterministic mix of the six kinds.
fn rows(n: usize) -> Vec<Row> {
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            Row {
                time: i as i64 * 60_000_000,
                tiebreak: i as i64,
                mask: 1 << (s % 6),
                group: 0,
                label: 0,
            }
        })
        .collect()
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 40_000, 160_000, 1_000_000]
    } else {
        sizes
    };
    println!("activities,order,seconds,depth");
    for n in sizes {
        for order in [Order::Sequential, Order::Strict] {
            let p = program(order);
            let mut r = rows(n);
            let clock = Instant::now();
            let out = evaluate(&p, &mut r);
            println!(
                "{n},{order:?},{:.3},{}",
                clock.elapsed().as_secs_f64(),
                out.reach.len()
            );
        }
    }
}
