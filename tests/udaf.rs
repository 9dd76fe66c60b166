//! The `Accumulator` and `GroupsAccumulator` paths of the funnel UDAF agree with each other and
//! with the core, however the rows are split into batches and partial states.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::EmitTo;
use journey::run::chain::{evaluate, Cond, Program, Row, StageProgram};
use journey::run::udaf::FunnelUdaf;
use proptest::prelude::*;
use std::sync::Arc;

fn program() -> Program {
    let stage = |cond, window| StageProgram { cond, window };
    Program {
        stages: vec![
            stage(Cond::Match(1), None),
            stage(Cond::All(vec![Cond::Match(2), Cond::Match(4)]), Some(5)),
            stage(Cond::AtLeast(2, 8), None),
        ],
        window: Some(12),
        exclusions: vec![],
        ties_forbidden: false,
    }
}

fn columns(rows: &[(usize, Row)]) -> Vec<ArrayRef> {
    vec![
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(_, r)| r.time),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(_, r)| r.tiebreak),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(_, r)| r.mask as i64),
        )),
    ]
}

fn list_values(a: &dyn Array, i: usize) -> Vec<i64> {
    a.as_list::<i32>()
        .value(i)
        .as_primitive::<Int64Type>()
        .values()
        .to_vec()
}

proptest! {
    #[test]
    fn accumulators_agree(
        raw in proptest::collection::vec((0usize..4, 0i64..20, 0i64..3, 1u64..16), 0..40),
        split in 1usize..5,
    ) {
        let groups = 4;
        let rows: Vec<(usize, Row)> = raw
            .iter()
            .map(|&(g, time, tiebreak, mask)| (g, Row { time, tiebreak, mask }))
            .collect();
        let udaf = FunnelUdaf::new(program());
        // Expected: the core on each group's rows.
        let expected: Vec<Vec<i64>> = (0..groups)
            .map(|g| {
                let mut mine: Vec<Row> = rows.iter().filter(|(x, _)| *x == g).map(|(_, r)| *r).collect();
                evaluate(&program(), &mut mine)
            })
            .collect();

        // GroupsAccumulator: rows in `split` partial accumulators, merged through their states.
        let mut final_acc = udaf.groups_accumulator();
        let chunk = rows.len().div_ceil(split).max(1);
        for part in rows.chunks(chunk) {
            let mut partial = udaf.groups_accumulator();
            let idx: Vec<usize> = part.iter().map(|(g, _)| *g).collect();
            partial.update_batch(&columns(part), &idx, None, groups).unwrap();
            let state = partial.state(EmitTo::All).unwrap();
            let n = state[0].len();
            final_acc.merge_batch(&state, &(0..n).collect::<Vec<_>>(), groups).unwrap();
        }
        final_acc.merge_batch(&udaf.groups_accumulator().state(EmitTo::All).unwrap(), &[], groups).unwrap();
        let out = final_acc.evaluate(EmitTo::All).unwrap();
        for (g, want) in expected.iter().enumerate() {
            prop_assert_eq!(&list_values(out.as_ref(), g), want);
        }

        // Accumulator: one per group, also through a partial state.
        for (g, want) in expected.iter().enumerate() {
            let mine: Vec<(usize, Row)> = rows.iter().filter(|(x, _)| *x == g).cloned().collect();
            let mut partial = udaf.row_accumulator();
            partial.update_batch(&columns(&mine)).unwrap();
            let state: Vec<ArrayRef> = partial
                .state()
                .unwrap()
                .into_iter()
                .map(|s: ScalarValue| s.to_array().unwrap())
                .collect();
            let mut acc = udaf.row_accumulator();
            acc.merge_batch(&state).unwrap();
            let v = acc.evaluate().unwrap().to_array().unwrap();
            prop_assert_eq!(&list_values(v.as_ref(), 0), want);
        }
    }
}
