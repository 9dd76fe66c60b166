//! The funnel core against the naive reference (tests/support/reference.rs), on random
//! histories: ties, repeated stages, stage-1 revisits, windows exactly at the boundary, one
//! activity matching several stages, and unsorted input.

mod support;

use journey::run::chain::{evaluate, Cond, ExclusionProgram, Program, Row, StageProgram};
use proptest::prelude::*;
use support::reference;

const ATOMS: u32 = 5;

fn mask() -> impl Strategy<Value = u64> {
    (1u64..(1 << ATOMS)).prop_map(|m| m)
}

fn atom_mask() -> impl Strategy<Value = u64> {
    // Mostly one atom, sometimes an `or` of two.
    prop_oneof![
        4 => (0..ATOMS).prop_map(|a| 1u64 << a),
        1 => ((0..ATOMS), (0..ATOMS)).prop_map(|(a, b)| (1u64 << a) | (1u64 << b)),
    ]
}

fn positive_cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        4 => atom_mask().prop_map(Cond::Match),
        1 => ((2u32..4), atom_mask()).prop_map(|(n, m)| Cond::AtLeast(n, m)),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::All(vec![a, b])),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::Any(vec![a, b])),
            (inner, atom_mask()).prop_map(|(a, m)| Cond::All(vec![a, Cond::Absent(m)])),
        ]
    })
}

fn program(with_exclusions: bool) -> impl Strategy<Value = Program> {
    (
        proptest::collection::vec((positive_cond(), proptest::option::of(0i64..6)), 1..5),
        proptest::option::of(0i64..12),
        proptest::collection::vec((atom_mask(), 0usize..4, 1usize..4), 0..3),
        any::<bool>(),
    )
        .prop_map(move |(stages, window, exclusions, ties_forbidden)| {
            let n = stages.len();
            let stages: Vec<StageProgram> = stages
                .into_iter()
                .enumerate()
                .map(|(i, (cond, w))| StageProgram {
                    cond,
                    window: if i == 0 { None } else { w },
                })
                .collect();
            let exclusions = if with_exclusions {
                exclusions
                    .into_iter()
                    .filter_map(|(mask, from, len)| {
                        let to = from + len;
                        (to < n).then_some(ExclusionProgram { mask, from, to })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Program {
                stages,
                window,
                exclusions,
                ties_forbidden,
            }
        })
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    let with_ids = any::<bool>();
    (
        with_ids,
        proptest::collection::vec((0i64..16, 0i64..4, mask()), 0..9),
    )
        .prop_map(|(ids, raw)| {
            raw.into_iter()
                .map(|(time, id, mask)| Row {
                    time,
                    tiebreak: if ids { id } else { 0 },
                    mask,
                })
                .collect()
        })
}

/// Compare the engine with the reference on one history.
fn compare(program: &Program, input: &[Row]) {
    let mut shuffled = input.to_vec();
    let got = evaluate(program, &mut shuffled);
    let rows = reference::sorted(input);
    let want = reference::expected(program, &rows);
    assert_eq!(got.len(), want.depth, "depth: {program:?}\n{rows:?}");
    if want.depth == 0 {
        return;
    }
    let want_times: Vec<i64> = want.chain.iter().map(|&p| rows[p].time).collect();
    // The counted chain reaches the depth earliest and starts latest...
    assert_eq!(
        got.last(),
        want_times.last(),
        "end time: {program:?}\n{rows:?}"
    );
    assert_eq!(
        got.first(),
        want_times.first(),
        "start time: {program:?}\n{rows:?}"
    );
    // ...and is a real chain.
    let realizable = reference::all_chains(program, &rows)
        .iter()
        .any(|c| c.len() == got.len() && c.iter().zip(&got).all(|(&p, &t)| rows[p].time == t));
    assert!(
        realizable,
        "reported times {got:?} are not a valid chain: {program:?}\n{rows:?}"
    );
    if program.exclusions.is_empty() {
        // Without exclusions the intermediate stages are exactly the latest possible.
        assert_eq!(got, want_times, "reach times: {program:?}\n{rows:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_reference(program in program(false), rows in rows()) {
        compare(&program, &rows);
    }

    #[test]
    fn engine_matches_reference_with_exclusions(program in program(true), rows in rows()) {
        compare(&program, &rows);
    }

    #[test]
    fn row_order_never_matters(program in program(true), rows in rows(), seed in any::<u64>()) {
        let mut a = rows.clone();
        let mut b = rows;
        // A deterministic shuffle.
        let mut s = seed | 1;
        for i in (1..b.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            b.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(evaluate(&program, &mut a), evaluate(&program, &mut b));
    }
}

fn stage(cond: Cond) -> StageProgram {
    StageProgram { cond, window: None }
}

#[test]
fn window_is_inclusive_to_the_microsecond() {
    let program = Program {
        stages: vec![stage(Cond::Match(1)), stage(Cond::Match(2))],
        window: Some(1_000_000),
        exclusions: vec![],
        ties_forbidden: false,
    };
    let at = |t| {
        vec![
            Row {
                time: 0,
                tiebreak: 0,
                mask: 1,
            },
            Row {
                time: t,
                tiebreak: 0,
                mask: 2,
            },
        ]
    };
    assert_eq!(
        evaluate(&program, &mut at(1_000_000)).len(),
        2,
        "exactly W is inside"
    );
    assert_eq!(
        evaluate(&program, &mut at(1_000_001)).len(),
        1,
        "W + 1µs is outside"
    );
}

#[test]
fn greedy_earliest_is_not_enough_with_stage_windows() {
    // Stage 2 at 1 and 10, stage 3 at 12 within 5 of stage 2: only the later stage 2 works.
    let program = Program {
        stages: vec![
            stage(Cond::Match(1)),
            stage(Cond::Match(2)),
            StageProgram {
                cond: Cond::Match(4),
                window: Some(5),
            },
        ],
        window: None,
        exclusions: vec![],
        ties_forbidden: false,
    };
    let mut rows = vec![
        Row {
            time: 0,
            tiebreak: 0,
            mask: 1,
        },
        Row {
            time: 1,
            tiebreak: 0,
            mask: 2,
        },
        Row {
            time: 10,
            tiebreak: 0,
            mask: 2,
        },
        Row {
            time: 12,
            tiebreak: 0,
            mask: 4,
        },
    ];
    assert_eq!(evaluate(&program, &mut rows), vec![0, 10, 12]);
}

#[test]
fn one_activity_fills_one_stage() {
    let program = Program {
        stages: vec![stage(Cond::Match(1)), stage(Cond::Match(1))],
        window: None,
        exclusions: vec![],
        ties_forbidden: false,
    };
    assert_eq!(
        evaluate(
            &program,
            &mut [Row {
                time: 5,
                tiebreak: 0,
                mask: 1
            }]
        )
        .len(),
        1
    );
    let mut two = vec![
        Row {
            time: 5,
            tiebreak: 1,
            mask: 1,
        },
        Row {
            time: 5,
            tiebreak: 2,
            mask: 1,
        },
    ];
    assert_eq!(
        evaluate(&program, &mut two),
        vec![5, 5],
        "equal times are allowed"
    );
}

#[test]
fn ties_forbidden_needs_strictly_later_stages() {
    let mut program = Program {
        stages: vec![stage(Cond::Match(1)), stage(Cond::Match(2))],
        window: None,
        exclusions: vec![],
        ties_forbidden: false,
    };
    let rows = vec![
        Row {
            time: 5,
            tiebreak: 1,
            mask: 1,
        },
        Row {
            time: 5,
            tiebreak: 2,
            mask: 2,
        },
    ];
    assert_eq!(
        evaluate(&program, &mut rows.clone()).len(),
        2,
        "ties allowed by default"
    );
    program.ties_forbidden = true;
    assert_eq!(evaluate(&program, &mut rows.clone()).len(), 1);
}
