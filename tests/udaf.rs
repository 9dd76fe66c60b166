//! The `Accumulator` and `GroupsAccumulator` paths of the funnel UDAF agree with each other
//! and with the core, however the rows are split into batches and partial states — with and
//! without the `same` and `by` arguments, in every order.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::EmitTo;
use journey::engine::chain::{evaluate, Cond, Order, Program, Row, StageProgram};
use journey::engine::udaf::FunnelUdaf;
use proptest::prelude::*;
use std::sync::Arc;

fn program(order: Order, same: bool) -> Program {
    let stage = |cond, window, optional| StageProgram {
        cond,
        window,
        min_gap: None,
        optional,
    };
    let window = |w| if order == Order::Any { None } else { Some(w) };
    Program {
        stages: vec![
            stage(Cond::Match(1), None, false),
            stage(
                Cond::All(vec![Cond::Match(2), Cond::Match(4)]),
                window(5),
                true,
            ),
            stage(Cond::AtLeast(2, 8), None, false),
        ],
        window: Some(12),
        order,
        same,
        ..Program::default()
    }
}

/// An input row: contact, activity, `same` value, `by` value.
type Input = (usize, Row, Option<&'static str>, Option<&'static str>);

fn columns(rows: &[Input], same: bool, by: bool) -> Vec<ArrayRef> {
    let mut out: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1.time))),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| r.1.tiebreak),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| r.1.mask as i64),
        )),
    ];
    if same {
        out.push(Arc::new(StringArray::from_iter(rows.iter().map(|r| r.2))));
    }
    if by {
        out.push(Arc::new(StringArray::from_iter(rows.iter().map(|r| r.3))));
    }
    out
}

/// (reach, by) of result `i`.
type Result1 = (Vec<Option<i64>>, Option<String>);

fn result(a: &dyn Array, i: usize) -> Result1 {
    let s = a.as_struct();
    let reach = s.column(0).as_list::<i32>().value(i);
    let reach = reach.as_primitive::<Int64Type>();
    let by = s.column(1).as_string::<i32>();
    (
        (0..reach.len())
            .map(|k| reach.is_valid(k).then(|| reach.value(k)))
            .collect(),
        by.is_valid(i).then(|| by.value(i).to_string()),
    )
}

fn value() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        3 => proptest::sample::select(&["north", "south", "west"][..]).prop_map(Some),
        1 => Just(None),
    ]
}

proptest! {
    #[test]
    fn accumulators_agree(
        raw in proptest::collection::vec(
            (0usize..4, 0i64..20, 0i64..3, 0u64..16, value(), value()),
            0..40,
        ),
        split in 1usize..5,
        order in proptest::sample::select(&[Order::Sequential, Order::Strict, Order::Any][..]),
        same in any::<bool>(),
        by in any::<bool>(),
    ) {
        let groups = 4;
        let rows: Vec<Input> = raw
            .iter()
            .map(|&(g, time, tiebreak, mask, s, b)| {
                (g, Row { time, tiebreak, mask, ..Row::default() }, s, b)
            })
            .collect();
        let program = program(order, same);
        let udaf = FunnelUdaf::new(program.clone(), by);
        let mine = |g: usize| -> Vec<Input> { rows.iter().filter(|r| r.0 == g).cloned().collect() };

        // Expected: one accumulator per contact, all rows in one batch.
        let expected: Vec<Result1> = (0..groups)
            .map(|g| {
                let mut acc = udaf.row_accumulator();
                acc.update_batch(&columns(&mine(g), same, by)).unwrap();
                result(acc.evaluate().unwrap().to_array().unwrap().as_ref(), 0)
            })
            .collect();
        for (g, (reach, label)) in expected.iter().enumerate() {
            // Without `same`, the core on the rows directly (NULL-free by construction).
            if !same {
                let keep = |r: &&Input| r.1.mask != 0 || order == Order::Strict;
                let mut core: Vec<Row> = mine(g).iter().filter(keep).map(|r| r.1).collect();
                prop_assert_eq!(&evaluate(&program, &mut core).reach, reach);
            }
            // The breakdown value is that of a stage-1 activity at the reported time.
            match (by, reach.first()) {
                (true, Some(Some(t1))) => {
                    let found = mine(g).iter().any(|r| {
                        r.1.time == *t1 && r.1.mask & 1 != 0 && r.3.map(str::to_string) == *label
                    });
                    prop_assert!(found, "no stage-1 activity at {} with {:?}", t1, label);
                }
                _ => prop_assert_eq!(label, &None),
            }
        }

        // GroupsAccumulator: rows in `split` partial accumulators, merged through their states.
        let mut final_acc = udaf.groups_accumulator();
        let chunk = rows.len().div_ceil(split).max(1);
        for part in rows.chunks(chunk) {
            let mut partial = udaf.groups_accumulator();
            let idx: Vec<usize> = part.iter().map(|r| r.0).collect();
            partial.update_batch(&columns(part, same, by), &idx, None, groups).unwrap();
            let state = partial.state(EmitTo::All).unwrap();
            let n = state[0].len();
            final_acc.merge_batch(&state, &(0..n).collect::<Vec<_>>(), groups).unwrap();
        }
        // Groups without rows still get a result.
        let empty = udaf.groups_accumulator().state(EmitTo::All).unwrap();
        final_acc.merge_batch(&empty, &[], groups).unwrap();
        // Rows converted one by one into states merge to the same.
        let mut converted = udaf.groups_accumulator();
        let state = udaf
            .groups_accumulator()
            .convert_to_state(&columns(&rows, same, by), None)
            .unwrap();
        let idx: Vec<usize> = rows.iter().map(|r| r.0).collect();
        converted.merge_batch(&state, &idx, groups).unwrap();
        let out = final_acc.evaluate(EmitTo::All).unwrap();
        let out2 = converted.evaluate(EmitTo::All).unwrap();
        for (g, want) in expected.iter().enumerate() {
            prop_assert_eq!(&result(out.as_ref(), g), want);
            prop_assert_eq!(&result(out2.as_ref(), g), want);
        }

        // Accumulator: rows in reverse, through a partial state.
        for (g, want) in expected.iter().enumerate() {
            let mut reversed = mine(g);
            reversed.reverse();
            let mut partial = udaf.row_accumulator();
            partial.update_batch(&columns(&reversed, same, by)).unwrap();
            let state: Vec<ArrayRef> = partial
                .state()
                .unwrap()
                .into_iter()
                .map(|s: ScalarValue| s.to_array().unwrap())
                .collect();
            let mut acc = udaf.row_accumulator();
            acc.merge_batch(&state).unwrap();
            let v = acc.evaluate().unwrap().to_array().unwrap();
            prop_assert_eq!(&result(v.as_ref(), 0), want);
        }
    }
}
