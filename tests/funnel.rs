//! The funnel core against the naive reference (tests/support/reference.rs), on random
//! histories: ties, repeated stages, stage-1 revisits, windows exactly at the boundary, one
//! activity matching several stages, activities matching none, several `same` values, and
//! unsorted input — for every order, with and without stage windows, minimum gaps, exclusions,
//! optional stages, `ties forbidden` and `same`.

use crate::support::reference;
use journey::engine::chain::stream::Stream;
use journey::engine::chain::{
    evaluate, evaluate_with, Cond, ExclusionProgram, Order, Outcome, Program, Row, Scratch,
    StageProgram, NO_GROUP,
};
use proptest::prelude::*;

const ATOMS: u32 = 4;

fn mask() -> impl Strategy<Value = u64> {
    // Sometimes an activity matching no rule (it matters to `order strict`).
    // Mostly one rule, as real activities match one stage's rule; sometimes several.
    prop_oneof![
        6 => (0..ATOMS).prop_map(|a| 1u64 << a),
        3 => 1u64..(1 << ATOMS),
        1 => Just(0u64),
    ]
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
        8 => atom_mask().prop_map(Cond::Match),
        1 => ((2u32..4), atom_mask()).prop_map(|(n, m)| Cond::AtLeast(n, m)),
    ];
    let composite = leaf.clone().prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::All(vec![a, b])),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::Any(vec![a, b])),
            (inner, atom_mask()).prop_map(|(a, m)| Cond::All(vec![a, Cond::Absent(m)])),
        ]
    });
    // Mostly plain matches, so that chains often go deep and the choice between several
    // activities for one stage (which the counted chain's rules decide) comes up.
    prop_oneof![3 => leaf, 1 => composite]
}

/// Which options a generated program may use.
#[derive(Clone, Copy, Debug)]
struct Options {
    orders: &'static [Order],
    exclusions: bool,
}

fn program(o: Options) -> impl Strategy<Value = Program> {
    (
        proptest::collection::vec(
            (
                positive_cond(),
                proptest::option::of(0i64..6),
                proptest::option::weighted(0.3, 1i64..5),
                proptest::bool::weighted(0.3),
            ),
            1..5,
        ),
        proptest::option::of(0i64..12),
        proptest::collection::vec((atom_mask(), 0usize..64, 0usize..64), 0..5),
        any::<bool>(),
        proptest::sample::select(o.orders),
        any::<bool>(),
    )
        .prop_map(
            move |(stages, window, exclusions, ties_forbidden, order, same)| {
                let n = stages.len();
                let stages: Vec<StageProgram> = stages
                    .into_iter()
                    .enumerate()
                    .map(|(i, (cond, w, gap, optional))| StageProgram {
                        cond,
                        // The checker refuses stage windows and gaps on stage 1 (J3005) and
                        // with `order any` (J3009); it allows a gap longer than a window only
                        // as an error (J3014), but the engine must still find no chain.
                        window: if i == 0 || order == Order::Any {
                            None
                        } else {
                            w
                        },
                        min_gap: if i == 0 || order == Order::Any {
                            None
                        } else {
                            gap
                        },
                        optional: i > 0 && optional,
                    })
                    .collect();
                let exclusions = if o.exclusions {
                    exclusions
                        .into_iter()
                        .filter_map(|(mask, a, b)| {
                            // Any from < to < n; with `order any` from stage 1 only (J3013).
                            if n < 2 {
                                return None;
                            }
                            let from = if order == Order::Any { 0 } else { a % (n - 1) };
                            let to = from + 1 + b % (n - 1 - from);
                            Some(ExclusionProgram { mask, from, to })
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
                    order,
                    same,
                    // Which label a breakdown reads changes no chain: every stage's is checked.
                    ..Program::default()
                }
            },
        )
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    let with_ids = any::<bool>();
    (
        with_ids,
        proptest::collection::vec(
            (
                0i64..16,
                0i64..4,
                mask(),
                prop_oneof![5 => 0u32..3, 1 => Just(NO_GROUP)],
                0u32..3,
            ),
            0..12,
        ),
    )
        .prop_map(|(ids, raw)| {
            raw.into_iter()
                .map(|(time, id, mask, group, label)| Row {
                    time,
                    tiebreak: if ids { id } else { 0 },
                    mask,
                    group,
                    label,
                })
                .collect()
        })
}

/// Compare the engine with the reference on one history. `exact`: the whole reach vector must
/// be the reference's counted chain; otherwise (where several chains tie) it must be one of the
/// valid chains of the same depth, end and start.
fn compare(program: &Program, input: &[Row], exact: bool) {
    thread_local! {
        // One scratch for every case, as a run keeps it from contact to contact: whatever the
        // previous case (another program, more rows) left in it must not change this one.
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
    }
    let mut shuffled = input.to_vec();
    let got = SCRATCH.with(|s| evaluate_with(program, &mut shuffled, &mut s.borrow_mut()));
    let rows = reference::sorted(input);
    let want = reference::expected(program, &rows);
    let ctx = || format!("{program:?}\n{rows:?}\ngot {got:?}\nwant {:?}", want.reach);
    assert_eq!(got.reach.len(), want.depth, "depth: {}", ctx());
    if want.depth == 0 {
        assert!(got.labels.is_empty());
        return;
    }
    let end = |r: &[Option<i64>]| r.last().copied().flatten();
    // The counted chain reaches the depth earliest and starts latest...
    assert_eq!(end(&got.reach), end(&want.reach), "end time: {}", ctx());
    assert_eq!(got.reach[0], want.reach[0], "start time: {}", ctx());
    assert_eq!(
        got.labels[0],
        Some(rows[want.chain[0].1].label),
        "the stage-1 activity's label: {}",
        ctx()
    );
    // ...and is a real chain.
    assert!(
        want.possible.contains(&got.reach),
        "reported reach is not a valid chain: {}",
        ctx()
    );
    if exact {
        assert_eq!(got.reach, want.reach, "reach times: {}", ctx());
        // The very activities of the counted chain, not only their times: a breakdown `from
        // stage N` takes its value from stage N's (labels tell activities at one time apart).
        let labels: Vec<Option<u32>> = (0..want.depth)
            .map(|k| {
                want.chain
                    .iter()
                    .find(|l| l.0 == k)
                    .map(|l| rows[l.1].label)
            })
            .collect();
        assert_eq!(
            got.labels,
            labels,
            "the chain's activities: {}\nwant chain {:?}",
            ctx(),
            want.chain
        );
    }
}

const ORDERED: &[Order] = &[Order::Sequential, Order::Strict];

/// `program` with every stage condition the streaming search cannot follow replaced by a plain
/// match of its rules (and `at least` kept under `order strict` only).
fn streamable(mut program: Program) -> Program {
    fn plain(c: &Cond, strict: bool) -> bool {
        match c {
            Cond::Match(_) => true,
            Cond::AtLeast(n, _) => strict || *n <= 1,
            Cond::Any(parts) => parts.iter().all(|p| {
                matches!(p, Cond::Match(_) | Cond::AtLeast(1, _) | Cond::Any(_)) && plain(p, false)
            }),
            _ => false,
        }
    }
    let strict = program.order == Order::Strict;
    for s in &mut program.stages {
        if !plain(&s.cond, strict) {
            s.cond = Cond::Match(s.cond.positive_mask().max(1));
        }
    }
    program
}

/// The streaming search given `rows` one at a time in the activity order.
fn streamed(program: &Program, rows: &[Row]) -> Outcome {
    let mut stream = Stream::new(program).expect("a program the stream takes");
    for r in reference::sorted(rows) {
        stream.push(r).unwrap();
    }
    stream.finish()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Sequential and strict, windows, optional stages, ties, `same`: the exact counted chain.
    #[test]
    fn ordered_matches_reference(
        program in program(Options { orders: ORDERED, exclusions: false }),
        rows in rows(),
    ) {
        compare(&program, &rows, true);
    }

    /// The same with exclusions.
    #[test]
    fn ordered_with_exclusions_matches_reference(
        program in program(Options { orders: ORDERED, exclusions: true }),
        rows in rows(),
    ) {
        compare(&program, &rows, true);
    }

    /// `order any`, with optional stages, exclusions from stage 1, ties and `same`; the
    /// stages the counted chain includes are exact too.
    #[test]
    fn any_order_matches_reference(
        program in program(Options { orders: &[Order::Any], exclusions: true }),
        rows in rows(),
    ) {
        compare(&program, &rows, true);
        let got = evaluate(&program, &mut rows.clone());
        let want = reference::expected(&program, &reference::sorted(&rows));
        let pattern = |r: &[Option<i64>]| r.iter().map(Option::is_some).collect::<Vec<_>>();
        prop_assert_eq!(pattern(&got.reach), pattern(&want.reach));
    }

    /// The streaming search (for contacts too large to hold) finds exactly the counted chain
    /// the search over all of a contact's activities finds.
    #[test]
    fn the_streamed_search_finds_the_same_chain(
        program in program(Options { orders: ORDERED, exclusions: false }).prop_map(streamable),
        parts in proptest::collection::vec(rows(), 1..6),
    ) {
        // Longer histories than one `rows()`: overlapping pieces, so that predecessors pile up
        // and windows drop them.
        let rows: Vec<Row> = parts
            .iter()
            .enumerate()
            .flat_map(|(k, part)| part.iter().map(move |r| Row { time: r.time + 6 * k as i64, ..*r }))
            .collect();
        prop_assert_eq!(streamed(&program, &rows), evaluate(&program, &mut rows.clone()));
    }

    /// A run keeps one scratch for all its contacts: each still gets a fresh search's outcome.
    #[test]
    fn a_reused_scratch_changes_nothing(
        program in program(Options {
            orders: &[Order::Sequential, Order::Strict, Order::Any],
            exclusions: true,
        }),
        contacts in proptest::collection::vec(rows(), 1..6),
    ) {
        let mut scratch = Scratch::default();
        for rows in contacts {
            let reused = evaluate_with(&program, &mut rows.clone(), &mut scratch);
            prop_assert_eq!(reused, evaluate(&program, &mut rows.clone()));
        }
    }

    #[test]
    fn row_order_never_matters(
        program in program(Options {
            orders: &[Order::Sequential, Order::Strict, Order::Any],
            exclusions: true,
        }),
        rows in rows(),
        seed in any::<u64>(),
    ) {
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

// ------------------------------------------------------------------ worked examples

fn stage(cond: Cond) -> StageProgram {
    StageProgram {
        cond,
        window: None,
        min_gap: None,
        optional: false,
    }
}

fn stages(conds: &[Cond]) -> Program {
    Program {
        stages: conds.iter().cloned().map(stage).collect(),
        ..Program::default()
    }
}

/// Rows at (time, mask), ids in input order.
fn at(list: &[(i64, u64)]) -> Vec<Row> {
    list.iter()
        .enumerate()
        .map(|(i, &(time, mask))| Row {
            time,
            tiebreak: i as i64,
            mask,
            ..Row::default()
        })
        .collect()
}

fn reach(program: &Program, rows: &[(i64, u64)]) -> Vec<Option<i64>> {
    evaluate(program, &mut at(rows)).reach
}

const A: u64 = 1;
const B: u64 = 2;
const C: u64 = 4;
const X: u64 = 8;

#[test]
fn window_is_inclusive_to_the_microsecond() {
    let program = Program {
        window: Some(1_000_000),
        ..stages(&[Cond::Match(A), Cond::Match(B)])
    };
    assert_eq!(
        reach(&program, &[(0, A), (1_000_000, B)]).len(),
        2,
        "exactly W is inside"
    );
    assert_eq!(
        reach(&program, &[(0, A), (1_000_001, B)]).len(),
        1,
        "W + 1µs is outside"
    );
}

#[test]
fn greedy_earliest_is_not_enough_with_stage_windows() {
    // Stage 2 at 1 and 10, stage 3 at 12 within 5 of stage 2: only the later stage 2 works.
    let mut program = stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)]);
    program.stages[2].window = Some(5);
    assert_eq!(
        reach(&program, &[(0, A), (1, B), (10, B), (12, C)]),
        vec![Some(0), Some(10), Some(12)]
    );
}

#[test]
fn a_minimum_gap_is_inclusive_and_picks_an_earlier_previous_stage() {
    // Stage 2 at least 5 after stage 1: exactly 5 is enough, 4 is not.
    let mut program = stages(&[Cond::Match(A), Cond::Match(B)]);
    program.stages[1].min_gap = Some(5);
    assert_eq!(reach(&program, &[(0, A), (5, B)]), vec![Some(0), Some(5)]);
    assert_eq!(reach(&program, &[(1, A), (5, B)]), vec![Some(1)]);
    // The latest stage 1 is too close; an earlier one is far enough back.
    assert_eq!(
        reach(&program, &[(0, A), (4, A), (6, B)]),
        vec![Some(0), Some(6)]
    );
    // With a window it is a band: between 5 and 7 after.
    program.stages[1].window = Some(7);
    assert_eq!(reach(&program, &[(0, A), (8, B)]), vec![Some(0)]);
    assert_eq!(reach(&program, &[(0, A), (7, B)]), vec![Some(0), Some(7)]);
}

#[test]
fn one_activity_fills_one_stage() {
    let program = stages(&[Cond::Match(A), Cond::Match(A)]);
    assert_eq!(reach(&program, &[(5, A)]).len(), 1);
    assert_eq!(
        reach(&program, &[(5, A), (5, A)]),
        vec![Some(5), Some(5)],
        "equal times are allowed"
    );
}

#[test]
fn ties_forbidden_needs_strictly_later_stages() {
    let mut program = stages(&[Cond::Match(A), Cond::Match(B)]);
    assert_eq!(
        reach(&program, &[(5, A), (5, B)]).len(),
        2,
        "ties allowed by default"
    );
    program.ties_forbidden = true;
    assert_eq!(reach(&program, &[(5, A), (5, B)]).len(), 1);
}

#[test]
fn strict_order_breaks_on_any_activity_in_between() {
    let program = Program {
        order: Order::Strict,
        ..stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)])
    };
    // A X B C: the X breaks the first attempt; there is no second.
    assert_eq!(reach(&program, &[(1, A), (2, X), (3, B), (4, C)]).len(), 1);
    // A A B C: the second A starts a fresh attempt.
    assert_eq!(
        reach(&program, &[(1, A), (2, A), (3, B), (4, C)]),
        vec![Some(2), Some(3), Some(4)]
    );
    // An activity matching no rule at all breaks it too (with 0 as its mask).
    assert_eq!(reach(&program, &[(1, A), (2, 0), (3, B), (4, C)]).len(), 1);
    // Sequential order does not mind.
    let sequential = Program {
        order: Order::Sequential,
        ..program.clone()
    };
    assert_eq!(
        reach(&sequential, &[(1, A), (2, X), (3, B), (4, C)]).len(),
        3
    );
}

#[test]
fn strict_order_needs_a_stages_activities_consecutively() {
    // Stage 2 is `A and B`: A, B right after stage 1 (in either order), nothing else.
    let program = Program {
        order: Order::Strict,
        ..stages(&[
            Cond::Match(C),
            Cond::All(vec![Cond::Match(A), Cond::Match(B)]),
            Cond::Match(X),
        ])
    };
    assert_eq!(reach(&program, &[(1, C), (2, B), (3, A), (4, X)]).len(), 3);
    assert_eq!(
        reach(&program, &[(1, C), (2, A), (3, C), (4, B), (5, X)]).len(),
        1
    );
    // C A B B X: stage 2 is met at the first B; the second one breaks the way to stage 3.
    assert_eq!(
        reach(&program, &[(1, C), (2, A), (3, B), (4, B), (5, X)]).len(),
        2
    );
}

#[test]
fn optional_stages_may_be_skipped() {
    let mut program = stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)]);
    program.stages[1].optional = true;
    // Skipped: stage 2 is not counted as reached.
    assert_eq!(
        reach(&program, &[(1, A), (3, C)]),
        vec![Some(1), None, Some(3)]
    );
    // Taken when the earliest chain to the depth takes it.
    assert_eq!(
        reach(&program, &[(1, A), (2, B), (3, C)]),
        vec![Some(1), Some(2), Some(3)]
    );
    // The counted chain reaches the depth earliest, even if a later one goes through stage 2.
    assert_eq!(
        reach(&program, &[(1, A), (2, C), (3, B), (4, C)]),
        vec![Some(1), None, Some(2)]
    );
    // An optional last stage counts only when reached.
    let mut tail = stages(&[Cond::Match(A), Cond::Match(B)]);
    tail.stages[1].optional = true;
    assert_eq!(reach(&tail, &[(1, A)]), vec![Some(1)]);
    assert_eq!(reach(&tail, &[(1, A), (2, B)]), vec![Some(1), Some(2)]);
}

#[test]
fn a_skipped_optional_stage_disables_its_exclusions() {
    let mut program = stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)]);
    program.stages[1].optional = true;
    program.exclusions = vec![ExclusionProgram {
        mask: X,
        from: 1,
        to: 2,
    }];
    // A B X C: through stage 2 the exclusion forbids C; skipping stage 2 it does not apply.
    assert_eq!(
        reach(&program, &[(1, A), (2, B), (3, X), (4, C)]),
        vec![Some(1), None, Some(4)]
    );
}

#[test]
fn any_order_counts_stages_in_whatever_order_they_happen() {
    let program = Program {
        order: Order::Any,
        window: Some(10),
        ..stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)])
    };
    // Entry at 1, then C before B: stage 3 is met at 3, stages 1..3 all met at 5.
    assert_eq!(
        reach(&program, &[(1, A), (3, C), (5, B)]),
        vec![Some(1), Some(5), Some(5)]
    );
    // Nothing before entry counts.
    assert_eq!(
        reach(&program, &[(0, C), (1, A), (5, B)]),
        vec![Some(1), Some(5)]
    );
    // The window is from entry.
    assert_eq!(reach(&program, &[(1, A), (3, C), (12, B)]).len(), 1);
}

#[test]
fn same_holds_a_value_constant_along_the_chain() {
    let program = Program {
        same: true,
        ..stages(&[Cond::Match(A), Cond::Match(B)])
    };
    let rows = |groups: [u32; 2]| {
        let mut r = at(&[(1, A), (2, B)]);
        r[0].group = groups[0];
        r[1].group = groups[1];
        r
    };
    assert_eq!(evaluate(&program, &mut rows([0, 0])).reach.len(), 2);
    assert_eq!(evaluate(&program, &mut rows([0, 1])).reach.len(), 1);
    assert_eq!(
        evaluate(&program, &mut rows([NO_GROUP, NO_GROUP])),
        Outcome::default(),
        "a NULL value is in no chain"
    );
}

#[test]
fn intermediate_stages_are_the_latest_possible_with_exclusions_too() {
    let mut program = stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)]);
    assert_eq!(
        reach(&program, &[(0, A), (1, B), (2, B), (3, C)]),
        vec![Some(0), Some(2), Some(3)]
    );
    program.exclusions = vec![ExclusionProgram {
        mask: X,
        from: 0,
        to: 1,
    }];
    assert_eq!(
        reach(&program, &[(0, A), (1, B), (2, B), (3, C)]),
        vec![Some(0), Some(2), Some(3)]
    );
    // An excluded activity between the two Bs: only the first B is clean.
    assert_eq!(
        reach(&program, &[(0, A), (1, B), (2, X), (3, B), (4, C)]),
        vec![Some(0), Some(1), Some(4)]
    );
}

#[test]
fn any_number_of_exclusions_counts() {
    // 40 exclusions of one rule each over stages 1..2, and one at index 32 that is hit: an
    // engine with 32 state bits shared exclusion 32's with exclusion 0's.
    let mut program = stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)]);
    program.exclusions = (0..40)
        .map(|e| ExclusionProgram {
            mask: if e == 32 { X } else { 1 << 20 },
            from: if e == 0 { 1 } else { 0 },
            to: if e == 0 { 2 } else { 1 },
        })
        .collect();
    let rows = at(&[(1, A), (2, X), (3, B), (4, C)]);
    let want = reference::expected(&program, &reference::sorted(&rows));
    assert_eq!(want.depth, 1, "the X between A and B excludes B");
    assert_eq!(evaluate(&program, &mut rows.clone()).reach, want.reach);
    // Without the hit, every exclusion is clean.
    let rows = at(&[(1, A), (3, B), (4, C)]);
    assert_eq!(
        evaluate(&program, &mut rows.clone()).reach,
        vec![Some(1), Some(3), Some(4)]
    );
}

#[test]
fn any_order_takes_the_earliest_links_sequential_the_latest() {
    // docs/semantics.md, "The counted chain": A at 1, B at 2, B at 3, C at 4.
    let rows = [(1, A), (2, B), (3, B), (4, C)];
    let any = Program {
        order: Order::Any,
        ..stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)])
    };
    assert_eq!(reach(&any, &rows), vec![Some(1), Some(2), Some(4)]);
    let sequential = stages(&[Cond::Match(A), Cond::Match(B), Cond::Match(C)]);
    assert_eq!(reach(&sequential, &rows), vec![Some(1), Some(3), Some(4)]);
}

#[test]
fn the_counted_chain_starts_latest_in_the_activity_order_not_only_in_time() {
    // Two stage-1 activities at one time, ids 1 and 2: the chain starts at id 2 (its label).
    let program = stages(&[Cond::Match(A), Cond::Match(B)]);
    let mut rows = at(&[(10, A), (10, A), (20, B)]);
    rows[0].label = 7;
    rows[1].label = 8;
    assert_eq!(evaluate(&program, &mut rows).labels[0], Some(8));
}
