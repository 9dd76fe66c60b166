//! A contact's activities as the chain search takes them: read from the aggregate's argument
//! columns (time, activity id, rule mask, and the `same` and `by` values when the journey has
//! them) or from its partial states, with the `same` and `by` texts interned and ranked so the
//! outcome never depends on the order rows arrived in.

use super::chain::{self, Outcome, Row, Scratch, NO_GROUP};
use super::program::{Order, Program};
use super::reach::ContactReach;
use super::udaf::NAME;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, Int64Builder, ListArray, ListBuilder,
    StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::common::{DataFusionError, Result};
use std::sync::Arc;

/// Each contact's reach from activity columns sorted by contact (see
/// `FunnelUdaf::reaches_by_contact`). Contacts that did not reach stage 1 count in no number
/// and are left out.
pub(super) fn reaches(
    program: &Program,
    layout: Layout,
    args: &[ArrayRef],
    keep: Option<&BooleanArray>,
    contacts: &[std::ops::Range<usize>],
) -> Result<Vec<ContactReach>> {
    let reader = Reader::new(layout, args)?;
    let unmatched = keeps_unmatched(program);
    let mut out = Vec::new();
    // One contact's buffers, reused: no allocation per contact on the way in.
    let mut contact = Contact::default();
    let mut scratch = Scratch::default();
    for r in contacts {
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
        let (outcome, by) = contact.evaluate(program, &mut scratch);
        if outcome.reach.is_empty() {
            continue;
        }
        out.push(ContactReach {
            reach: outcome.reach,
            by,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub(super) same: bool,
    pub(super) by: bool,
}

impl Layout {
    pub(super) fn arity(self) -> usize {
        3 + self.same as usize + self.by as usize
    }
}

/// One contact's activities; `Row::group` and `Row::label` index `texts` (NO_GROUP for NULL,
/// or where the call has no such argument) until [`Contact::evaluate`] turns them into ranks.
#[derive(Debug, Default)]
pub(super) struct Contact {
    pub(super) rows: Vec<Row>,
    pub(super) texts: Vec<String>,
}

impl Contact {
    pub(super) fn intern(&mut self, text: Option<&str>) -> u32 {
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

    pub(super) fn text(&self, i: u32) -> Option<&str> {
        (i != NO_GROUP).then(|| self.texts[i as usize].as_str())
    }

    /// Run the core. Value indices become ranks in the values' order first, so the activity
    /// order (which uses them last) never depends on the order rows arrived in.
    pub(super) fn evaluate(
        &mut self,
        program: &Program,
        scratch: &mut Scratch,
    ) -> (Outcome, Option<String>) {
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
            .label(program.by_from)
            .filter(|&l| l != NO_GROUP)
            .map(|l| self.texts[order[l as usize] as usize].clone());
        (outcome, label)
    }

    pub(super) fn size(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.texts.iter().map(|t| t.capacity() + 24).sum::<usize>()
    }
}

fn check_arity(layout: Layout, got: usize) -> Result<()> {
    match got == layout.arity() {
        true => Ok(()),
        false => Err(DataFusionError::Internal(format!(
            "{NAME} takes {} arguments, got {got}",
            layout.arity()
        ))),
    }
}

/// Reads update arguments into contacts.
pub(super) struct Reader<'a> {
    pub(super) layout: Layout,
    /// Time, activity id and mask, and the `same` and `by` texts, typed once per batch (a
    /// downcast per row and argument was a tenth of a many-journey search).
    ints: [&'a Int64Array; 3],
    texts: Vec<&'a StringArray>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(layout: Layout, args: &'a [ArrayRef]) -> Result<Self> {
        check_arity(layout, args.len())?;
        let int = |k: usize| {
            args[k].as_primitive_opt::<Int64Type>().ok_or_else(|| {
                DataFusionError::Internal(format!("{NAME}: argument {k} is not Int64"))
            })
        };
        let texts = args[3..]
            .iter()
            .map(|a| {
                a.as_string_opt::<i32>().ok_or_else(|| {
                    DataFusionError::Internal(format!("{NAME}: a text argument is not Utf8"))
                })
            })
            .collect::<Result<_>>()?;
        Ok(Reader {
            layout,
            ints: [int(0)?, int(1)?, int(2)?],
            texts,
        })
    }

    /// Update argument row `i` into `contact`. Rows without a time have no place in a chain;
    /// rows matching no rule are kept only where `order strict` needs them.
    pub(super) fn push_row(&self, contact: &mut Contact, i: usize, keep_unmatched: bool) {
        let [t, id, mask] = self.ints;
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
            let a = self.texts[k - 3];
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
pub(super) struct StateReader<'a> {
    pub(super) layout: Layout,
    /// Per state column: offsets, and the flat values.
    pub(super) offsets: Vec<&'a [i32]>,
    pub(super) ints: [&'a Int64Array; 3],
    pub(super) texts: Vec<&'a StringArray>,
}

impl<'a> StateReader<'a> {
    pub(super) fn new(layout: Layout, states: &'a [ArrayRef]) -> Result<Self> {
        check_arity(layout, states.len())?;
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
    pub(super) fn push(&self, contact: &mut Contact, i: usize) {
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

pub(super) fn to_lists<'a>(
    layout: Layout,
    contacts: impl Iterator<Item = &'a Contact>,
) -> Vec<ArrayRef> {
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

/// `order strict` needs the activities matching no rule: they break chains.
pub(super) fn keeps_unmatched(program: &Program) -> bool {
    program.order == Order::Strict
}
