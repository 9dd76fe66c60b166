//! `journey_funnel(t, tiebreak, mask [, same] [, by])`: the funnel core as a DataFusion
//! aggregate. Per contact it gathers the activities (time, activity id, rule mask, and the
//! `same` and `by` values when the journey has them) and, at the end, runs
//! [`chain::evaluate`] on them. It returns a struct: `reach`, the reach time of each stage of the
//! counted chain (NULL for a skipped optional stage), and `by`, the breakdown value of its
//! stage-1 activity.
//!
//! Both the row-wise [`Accumulator`] and the [`GroupsAccumulator`] (used with GROUP BY) are
//! provided; partial states (one list per argument per contact) merge by concatenation, so the
//! result is the same whatever the partitioning.

use super::chain::{Outcome, Scratch};
use super::contact::{self, keeps_unmatched, to_lists, Contact, Layout, Reader, StateReader};
use super::program::Program;
use super::reach::ContactReach;
use super::streamed::ContactStream;
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Int64Builder, ListBuilder, StringBuilder, StructArray,
};
use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, Expr, GroupsAccumulator, Signature,
    Volatility,
};
use std::sync::Arc;

pub const NAME: &str = "journey_funnel";
/// Fields of the result struct.
pub const REACH: &str = "reach";
pub const BY: &str = "by";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunnelUdaf {
    program: Arc<Program>,
    /// Whether the call has a `by` argument (after `same`, when the program has that).
    by: bool,
    signature: Signature,
}

impl FunnelUdaf {
    pub fn new(program: Program, by: bool) -> Self {
        let mut args = vec![DataType::Int64; 3];
        args.extend(std::iter::repeat_n(
            DataType::Utf8,
            program.same as usize + by as usize,
        ));
        FunnelUdaf {
            program: Arc::new(program),
            by,
            signature: Signature::exact(args, Volatility::Immutable),
        }
    }

    pub fn udaf(&self) -> AggregateUDF {
        AggregateUDF::from(self.clone())
    }

    pub fn call(&self, args: Vec<Expr>) -> Expr {
        self.udaf().call(args)
    }

    /// The program the aggregate runs (what travels with a plan to a cluster's executors).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Whether the call has a `by` argument.
    pub fn has_by(&self) -> bool {
        self.by
    }

    fn layout(&self) -> Layout {
        Layout {
            same: self.program.same,
            by: self.by,
        }
    }

    /// Each contact's reach from activity columns sorted by contact: `args` as the aggregate's
    /// arguments, `contacts` one contact's rows each, `keep` the rows this journey sees. The same
    /// evaluation as the aggregate's, without grouping (the one-pass runner sorts instead).
    pub fn reaches_by_contact(
        &self,
        args: &[ArrayRef],
        keep: Option<&BooleanArray>,
        contacts: &[std::ops::Range<usize>],
    ) -> Result<Vec<ContactReach>> {
        contact::reaches(&self.program, self.layout(), args, keep, contacts)
    }

    /// A search for one contact whose activities arrive in time order a batch at a time, with
    /// the same arguments as [`Self::reaches_by_contact`]; `None` when the program needs a
    /// contact's activities all at once.
    pub fn stream(&self) -> Option<ContactStream> {
        ContactStream::new(&self.program, self.layout())
    }

    /// The row-wise accumulator DataFusion uses without GROUP BY (public for tests).
    pub fn row_accumulator(&self) -> Box<dyn Accumulator> {
        Box::new(FunnelAccumulator {
            program: self.program.clone(),
            layout: self.layout(),
            contact: Contact::default(),
        })
    }

    /// The grouped accumulator DataFusion uses with GROUP BY (public for tests).
    pub fn groups_accumulator(&self) -> Box<dyn GroupsAccumulator> {
        Box::new(FunnelGroups {
            program: self.program.clone(),
            layout: self.layout(),
            groups: Vec::new(),
        })
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

fn result_fields() -> Fields {
    Fields::from(vec![
        Field::new(REACH, list_of(DataType::Int64), true),
        Field::new(BY, DataType::Utf8, true),
    ])
}

impl AggregateUDFImpl for FunnelUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(self.row_accumulator())
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let layout = self.layout();
        let mut fields = vec![
            Field::new("times", list_of(DataType::Int64), true),
            Field::new("tiebreaks", list_of(DataType::Int64), true),
            Field::new("masks", list_of(DataType::Int64), true),
        ];
        if layout.same {
            fields.push(Field::new("sames", list_of(DataType::Utf8), true));
        }
        if layout.by {
            fields.push(Field::new("bys", list_of(DataType::Utf8), true));
        }
        Ok(fields.into_iter().map(Arc::new).collect())
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

/// Which optional arguments the call has.
fn results(outcomes: impl Iterator<Item = (Outcome, Option<String>)>) -> StructArray {
    let mut reach = ListBuilder::new(Int64Builder::new());
    let mut by = StringBuilder::new();
    for (o, label) in outcomes {
        for t in &o.reach {
            reach.values().append_option(*t);
        }
        reach.append(true);
        by.append_option(label);
    }
    StructArray::new(
        result_fields(),
        vec![Arc::new(reach.finish()), Arc::new(by.finish())],
        None,
    )
}

#[derive(Debug)]
struct FunnelAccumulator {
    program: Arc<Program>,
    layout: Layout,
    contact: Contact,
}

impl Accumulator for FunnelAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let reader = Reader::new(self.layout, values)?;
        let keep = keeps_unmatched(&self.program);
        for i in 0..values[0].len() {
            reader.push_row(&mut self.contact, i, keep);
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let reader = StateReader::new(self.layout, states)?;
        for i in 0..states[0].len() {
            reader.push(&mut self.contact, i);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        to_lists(self.layout, std::iter::once(&self.contact))
            .into_iter()
            .map(|a| ScalarValue::try_from_array(&a, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let outcome = self
            .contact
            .evaluate(&self.program, &mut Scratch::default());
        ScalarValue::try_from_array(
            &(Arc::new(results(std::iter::once(outcome))) as ArrayRef),
            0,
        )
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.contact.size()
    }
}

struct FunnelGroups {
    program: Arc<Program>,
    layout: Layout,
    groups: Vec<Contact>,
}

impl GroupsAccumulator for FunnelGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, Contact::default);
        let reader = Reader::new(self.layout, values)?;
        let keep = keeps_unmatched(&self.program);
        for (i, &g) in group_indices.iter().enumerate() {
            if opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i)) {
                continue;
            }
            reader.push_row(&mut self.groups[g], i, keep);
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, Contact::default);
        let reader = StateReader::new(self.layout, values)?;
        for (i, &g) in group_indices.iter().enumerate() {
            reader.push(&mut self.groups[g], i);
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = emit_to.take_needed(&mut self.groups);
        let program = &self.program;
        let mut scratch = Scratch::default();
        Ok(Arc::new(results(
            groups
                .into_iter()
                .map(|mut c| c.evaluate(program, &mut scratch)),
        )))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let groups = emit_to.take_needed(&mut self.groups);
        Ok(to_lists(self.layout, groups.iter()))
    }

    /// Each input row as its own partial state (a one-row list; empty when filtered out).
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let reader = Reader::new(self.layout, values)?;
        let keep = keeps_unmatched(&self.program);
        let contacts: Vec<Contact> = (0..values[0].len())
            .map(|i| {
                let mut c = Contact::default();
                if !opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i)) {
                    reader.push_row(&mut c, i, keep);
                }
                c
            })
            .collect();
        Ok(to_lists(self.layout, contacts.iter()))
    }

    fn size(&self) -> usize {
        self.groups.capacity() * std::mem::size_of::<Contact>()
            + self.groups.iter().map(Contact::size).sum::<usize>()
    }
}

/// The name the funnel plans give the aggregate's result column.
pub const FUNNEL: &str = "funnel";

/// Each contact's reach times and breakdown value from a one-journey funnel plan's output.
pub fn reaches(batches: &[RecordBatch]) -> Vec<ContactReach> {
    reaches_in(batches, FUNNEL)
}

/// The same from the aggregate column `column`.
pub fn reaches_in(batches: &[RecordBatch], column: &str) -> Vec<ContactReach> {
    let mut out = Vec::new();
    for b in batches {
        let Some(col) = b.column_by_name(column) else {
            continue;
        };
        let s = col.as_struct();
        let (Some(lists), Some(by)) = (
            s.column_by_name(crate::engine::udaf::REACH),
            s.column_by_name(crate::engine::udaf::BY),
        ) else {
            continue;
        };
        let (lists, by) = (lists.as_list::<i32>(), by.as_string::<i32>());
        for i in 0..s.len() {
            if s.is_null(i) || lists.is_null(i) {
                out.push(ContactReach::default());
                continue;
            }
            let v = lists.value(i);
            let v = v.as_primitive::<Int64Type>();
            out.push(ContactReach {
                reach: (0..v.len())
                    .map(|k| v.is_valid(k).then(|| v.value(k)))
                    .collect(),
                by: by.is_valid(i).then(|| by.value(i).to_string()),
            });
        }
    }
    out
}
