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

use super::chain::{self, Outcome, Program, Row, Scratch, NO_GROUP};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, Int64Builder, ListArray, ListBuilder,
    StringArray, StringBuilder, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
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

    fn layout(&self) -> Layout {
        Layout {
            same: self.program.same,
            by: self.by,
        }
    }

    /// Each contact's reach from activity columns sorted by contact: `args` as the aggregate's
    /// arguments, `ranges` one contact's rows each, `keep` the rows this journey sees. The same
    /// evaluation as the aggregate's, without grouping (the one-pass runner sorts instead).
    pub fn reach_of_runs(
        &self,
        args: &[ArrayRef],
        keep: Option<&BooleanArray>,
        ranges: &[std::ops::Range<usize>],
    ) -> Result<Vec<super::results::ContactReach>> {
        let reader = Reader::new(self.layout(), args)?;
        let unmatched = keeps_unmatched(&self.program);
        let mut out = Vec::new();
        // One contact's buffers, reused: no allocation per contact on the way in.
        let mut contact = Contact::default();
        let mut scratch = Scratch::default();
        for r in ranges {
            contact.rows.clear();
            contact.texts.clear();
            for i in r.clone() {
                if keep.is_some_and(|k| !k.is_valid(i) || !k.value(i)) {
                    continue;
                }
                reader.push_row(&mut contact, i, unmatched);
            }
            if contact.rows.is_empty() {
                continue;
            }
            let (outcome, by) = contact.evaluate(&self.program, &mut scratch);
            if outcome.reach.is_empty() {
                // Did not reach stage 1: counts in no number.
                continue;
            }
            out.push(super::results::ContactReach {
                reach: outcome.reach,
                by,
            });
        }
        Ok(out)
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
#[derive(Debug, Clone, Copy)]
struct Layout {
    same: bool,
    by: bool,
}

impl Layout {
    fn arity(self) -> usize {
        3 + self.same as usize + self.by as usize
    }
}

/// One contact's activities; `Row::group` and `Row::label` index `texts` (NO_GROUP for NULL,
/// or where the call has no such argument) until [`Contact::evaluate`] turns them into ranks.
#[derive(Debug, Default)]
struct Contact {
    rows: Vec<Row>,
    texts: Vec<String>,
}

impl Contact {
    fn intern(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else {
            return NO_GROUP;
        };
        match self.texts.iter().position(|t| t == text) {
            Some(i) => i as u32,
            None => {
                self.texts.push(text.to_string());
                (self.texts.len() - 1) as u32
            }
        }
    }

    fn text(&self, i: u32) -> Option<&str> {
        (i != NO_GROUP).then(|| self.texts[i as usize].as_str())
    }

    /// Run the core. Value indices become ranks in the values' order first, so the activity
    /// order (which uses them last) never depends on the order rows arrived in.
    fn evaluate(&mut self, program: &Program, scratch: &mut Scratch) -> (Outcome, Option<String>) {
        let mut order: Vec<u32> = (0..self.texts.len() as u32).collect();
        order.sort_by(|&a, &b| self.texts[a as usize].cmp(&self.texts[b as usize]));
        let mut rank = vec![0u32; self.texts.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let to_rank = |i: u32| {
            if i == NO_GROUP {
                NO_GROUP
            } else {
                rank[i as usize]
            }
        };
        for row in &mut self.rows {
            row.group = to_rank(row.group);
            row.label = to_rank(row.label);
        }
        let outcome = chain::evaluate_with(program, &mut self.rows, scratch);
        let label = outcome
            .label
            .filter(|&l| l != NO_GROUP)
            .map(|l| self.texts[order[l as usize] as usize].clone());
        (outcome, label)
    }

    fn size(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.texts.iter().map(|t| t.capacity() + 24).sum::<usize>()
    }
}

/// Reads update arguments and partial states into contacts.
struct Reader<'a> {
    layout: Layout,
    args: &'a [ArrayRef],
}

impl<'a> Reader<'a> {
    fn new(layout: Layout, args: &'a [ArrayRef]) -> Result<Self> {
        if args.len() != layout.arity() {
            return Err(DataFusionError::Internal(format!(
                "{NAME} takes {} arguments, got {}",
                layout.arity(),
                args.len()
            )));
        }
        Ok(Reader { layout, args })
    }

    /// Update argument row `i` into `contact`. Rows without a time have no place in a chain;
    /// rows matching no rule are kept only where `order strict` needs them.
    fn push_row(&self, contact: &mut Contact, i: usize, keep_unmatched: bool) {
        let t = self.args[0].as_primitive::<Int64Type>();
        let id = self.args[1].as_primitive::<Int64Type>();
        let mask = self.args[2].as_primitive::<Int64Type>();
        if !t.is_valid(i) {
            return;
        }
        let m = if mask.is_valid(i) {
            mask.value(i) as u64
        } else {
            0
        };
        if m == 0 && !keep_unmatched {
            return;
        }
        let text = |k: usize| {
            let a = self.args[k].as_string::<i32>();
            a.is_valid(i).then(|| a.value(i))
        };
        let group = if self.layout.same {
            contact.intern(text(3))
        } else {
            NO_GROUP
        };
        let label = if self.layout.by {
            contact.intern(text(3 + self.layout.same as usize))
        } else {
            NO_GROUP
        };
        contact.rows.push(Row {
            time: t.value(i),
            tiebreak: if id.is_valid(i) { id.value(i) } else { 0 },
            mask: m,
            group,
            label,
        });
    }
}

/// Reads partial states (one list per argument per contact) without slicing each list: the
/// offsets and flat value arrays are taken once per batch, as merging runs once per contact.
struct StateReader<'a> {
    layout: Layout,
    /// Per state column: offsets, and the flat values.
    offsets: Vec<&'a [i32]>,
    ints: [&'a Int64Array; 3],
    texts: Vec<&'a StringArray>,
}

impl<'a> StateReader<'a> {
    fn new(layout: Layout, states: &'a [ArrayRef]) -> Result<Self> {
        Reader::new(layout, states)?;
        let lists: Vec<&ListArray> = states.iter().map(|a| a.as_list::<i32>()).collect();
        let int = |k: usize| lists[k].values().as_primitive::<Int64Type>();
        Ok(StateReader {
            layout,
            offsets: lists.iter().map(|l| l.value_offsets()).collect(),
            ints: [int(0), int(1), int(2)],
            texts: lists[3..]
                .iter()
                .map(|l| l.values().as_string::<i32>())
                .collect(),
        })
    }

    /// Partial state `i` into `contact`.
    fn push(&self, contact: &mut Contact, i: usize) {
        let (from, to) = (self.offsets[0][i] as usize, self.offsets[0][i + 1] as usize);
        let text = |k: usize, j: usize| -> Option<&str> {
            let a = self.texts[k];
            let at = self.offsets[3 + k][i] as usize + (j - from);
            a.is_valid(at).then(|| a.value(at))
        };
        let [t, id, mask] = self.ints;
        let (o1, o2) = (self.offsets[1][i] as usize, self.offsets[2][i] as usize);
        contact.rows.reserve(to - from);
        for j in from..to {
            let group = if self.layout.same {
                contact.intern(text(0, j))
            } else {
                NO_GROUP
            };
            let label = if self.layout.by {
                contact.intern(text(self.layout.same as usize, j))
            } else {
                NO_GROUP
            };
            contact.rows.push(Row {
                time: t.value(j),
                tiebreak: id.value(o1 + j - from),
                mask: mask.value(o2 + j - from) as u64,
                group,
                label,
            });
        }
    }
}

fn to_lists<'a>(layout: Layout, contacts: impl Iterator<Item = &'a Contact>) -> Vec<ArrayRef> {
    let mut ints: Vec<ListBuilder<Int64Builder>> = (0..3)
        .map(|_| ListBuilder::new(Int64Builder::new()))
        .collect();
    let mut texts: Vec<ListBuilder<StringBuilder>> = (0..layout.arity() - 3)
        .map(|_| ListBuilder::new(StringBuilder::new()))
        .collect();
    for c in contacts {
        for r in &c.rows {
            ints[0].values().append_value(r.time);
            ints[1].values().append_value(r.tiebreak);
            ints[2].values().append_value(r.mask as i64);
            let mut k = 0;
            if layout.same {
                texts[k].values().append_option(c.text(r.group));
                k += 1;
            }
            if layout.by {
                texts[k].values().append_option(c.text(r.label));
            }
        }
        ints.iter_mut().for_each(|b| b.append(true));
        texts.iter_mut().for_each(|b| b.append(true));
    }
    ints.into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef)
        .chain(
            texts
                .into_iter()
                .map(|mut b| Arc::new(b.finish()) as ArrayRef),
        )
        .collect()
}

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

fn keeps_unmatched(program: &Program) -> bool {
    program.order == chain::Order::Strict
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
