//! `journey_funnel(t, tiebreak, mask)`: the funnel core as a DataFusion aggregate. Per contact
//! it gathers the stage-matching activities (time, activity id, rule mask) and, at the end, runs
//! [`chain::evaluate`] on them, returning the reach time of each stage of the counted chain.
//!
//! Both the row-wise [`Accumulator`] and the [`GroupsAccumulator`] (used with GROUP BY) are
//! provided; partial states (three lists per contact) merge by concatenation, so the result is
//! the same whatever the partitioning.

use super::chain::{self, Program, Row};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Builder, ListArray, ListBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, Expr, GroupsAccumulator, Signature,
    Volatility,
};
use std::sync::Arc;

pub const NAME: &str = "journey_funnel";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunnelUdaf {
    program: Arc<Program>,
    signature: Signature,
}

impl FunnelUdaf {
    pub fn new(program: Program) -> Self {
        FunnelUdaf {
            program: Arc::new(program),
            signature: Signature::exact(vec![DataType::Int64; 3], Volatility::Immutable),
        }
    }

    pub fn udaf(&self) -> AggregateUDF {
        AggregateUDF::from(self.clone())
    }

    pub fn call(&self, args: Vec<Expr>) -> Expr {
        self.udaf().call(args)
    }

    /// The row-wise accumulator DataFusion uses without GROUP BY (public for tests).
    pub fn row_accumulator(&self) -> Box<dyn Accumulator> {
        Box::new(FunnelAccumulator {
            program: self.program.clone(),
            rows: Vec::new(),
        })
    }

    /// The grouped accumulator DataFusion uses with GROUP BY (public for tests).
    pub fn groups_accumulator(&self) -> Box<dyn GroupsAccumulator> {
        Box::new(FunnelGroups {
            program: self.program.clone(),
            groups: Vec::new(),
        })
    }
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
}

impl AggregateUDFImpl for FunnelUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(list_type())
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(self.row_accumulator())
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(["times", "tiebreaks", "masks"]
            .into_iter()
            .map(|n| Arc::new(Field::new(n, list_type(), true)))
            .collect())
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(self.groups_accumulator())
    }
}

/// Rows of the update arguments (NULL times are skipped: such a row has no place in a chain).
fn rows_of(values: &[ArrayRef]) -> Result<(Vec<Option<Row>>, usize)> {
    let [t, id, mask] = values else {
        return Err(DataFusionError::Internal(format!(
            "{NAME} takes 3 arguments"
        )));
    };
    let (t, id, mask) = (
        t.as_primitive::<Int64Type>(),
        id.as_primitive::<Int64Type>(),
        mask.as_primitive::<Int64Type>(),
    );
    let rows = (0..t.len())
        .map(|i| {
            (t.is_valid(i) && mask.is_valid(i) && mask.value(i) != 0).then(|| Row {
                time: t.value(i),
                tiebreak: if id.is_valid(i) { id.value(i) } else { 0 },
                mask: mask.value(i) as u64,
            })
        })
        .collect();
    Ok((rows, t.len()))
}

/// The rows held in the `i`-th entry of the three state lists.
fn rows_of_state(states: &[ArrayRef], i: usize) -> Result<Vec<Row>> {
    let [t, id, mask] = states else {
        return Err(DataFusionError::Internal(format!(
            "{NAME} state has 3 fields"
        )));
    };
    let get = |a: &ArrayRef| -> ArrayRef { a.as_list::<i32>().value(i) };
    let (t, id, mask) = (get(t), get(id), get(mask));
    let (t, id, mask) = (
        t.as_primitive::<Int64Type>(),
        id.as_primitive::<Int64Type>(),
        mask.as_primitive::<Int64Type>(),
    );
    Ok((0..t.len())
        .map(|j| Row {
            time: t.value(j),
            tiebreak: id.value(j),
            mask: mask.value(j) as u64,
        })
        .collect())
}

fn to_lists(groups: &[Vec<Row>]) -> Vec<ArrayRef> {
    let mut builders: Vec<ListBuilder<Int64Builder>> = (0..3)
        .map(|_| ListBuilder::new(Int64Builder::new()))
        .collect();
    for rows in groups {
        for r in rows {
            builders[0].values().append_value(r.time);
            builders[1].values().append_value(r.tiebreak);
            builders[2].values().append_value(r.mask as i64);
        }
        builders.iter_mut().for_each(|b| b.append(true));
    }
    builders
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef)
        .collect()
}

fn reach_list(reaches: impl Iterator<Item = Vec<i64>>) -> ListArray {
    let mut b = ListBuilder::new(Int64Builder::new());
    for r in reaches {
        b.values().append_slice(&r);
        b.append(true);
    }
    b.finish()
}

#[derive(Debug)]
struct FunnelAccumulator {
    program: Arc<Program>,
    rows: Vec<Row>,
}

impl Accumulator for FunnelAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (rows, _) = rows_of(values)?;
        self.rows.extend(rows.into_iter().flatten());
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for i in 0..states.first().map(|s| s.len()).unwrap_or(0) {
            self.rows.extend(rows_of_state(states, i)?);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        to_lists(std::slice::from_ref(&self.rows))
            .into_iter()
            .map(|a| ScalarValue::try_from_array(&a, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let reach = chain::evaluate(&self.program, &mut self.rows);
        ScalarValue::try_from_array(
            &(Arc::new(reach_list(std::iter::once(reach))) as ArrayRef),
            0,
        )
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.rows.capacity() * std::mem::size_of::<Row>()
    }
}

struct FunnelGroups {
    program: Arc<Program>,
    groups: Vec<Vec<Row>>,
}

impl GroupsAccumulator for FunnelGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, Vec::new);
        let (rows, _) = rows_of(values)?;
        for (i, (row, &g)) in rows.into_iter().zip(group_indices).enumerate() {
            if opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i)) {
                continue;
            }
            if let Some(r) = row {
                self.groups[g].push(r);
            }
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, Vec::new);
        for (i, &g) in group_indices.iter().enumerate() {
            let rows = rows_of_state(values, i)?;
            self.groups[g].extend(rows);
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = emit_to.take_needed(&mut self.groups);
        let program = &self.program;
        Ok(Arc::new(reach_list(
            groups
                .into_iter()
                .map(|mut rows| chain::evaluate(program, &mut rows)),
        )))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let groups = emit_to.take_needed(&mut self.groups);
        Ok(to_lists(&groups))
    }

    /// Each input row as its own partial state (a one-row list; empty when filtered out).
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let (rows, _) = rows_of(values)?;
        let groups: Vec<Vec<Row>> = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| match r {
                Some(r) if !opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i)) => vec![r],
                _ => Vec::new(),
            })
            .collect();
        Ok(to_lists(&groups))
    }

    fn size(&self) -> usize {
        self.groups.capacity() * std::mem::size_of::<Vec<Row>>()
            + self
                .groups
                .iter()
                .map(|g| g.capacity() * std::mem::size_of::<Row>())
                .sum::<usize>()
    }
}
