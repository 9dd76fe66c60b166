//! A contact too large to hold, searched as its activities stream by: the aggregate's argument
//! columns, arriving in time order a batch at a time, go to [`chain::stream::Stream`] one
//! activity at a time. Activities at one time wait until the time moves on, so that they enter
//! in the activity order (id, first rule, mask, then the `same` and `by` values' order) however
//! they arrived.

use super::chain::stream::Stream;
use super::chain::{Row, NO_GROUP};
use super::contact::{keeps_unmatched, Layout};
use super::program::{ByFrom, Program};
use super::reach::ContactReach;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::common::{DataFusionError, Result};
use std::collections::HashMap;

/// What one held predecessor or waiting activity costs, about: a candidate, its chain link, the
/// queue's slot.
const BYTES_PER_HELD: usize = 128;

/// One contact's streamed search (see the module's comment).
pub struct ContactStream {
    stream: Stream,
    layout: Layout,
    unmatched: bool,
    by_from: ByFrom,
    /// The activities at the latest time, with their `same` and `by` values.
    pending: Vec<(Row, Option<String>, Option<String>)>,
    /// The `same` and `by` values seen, numbered.
    ids: HashMap<String, u32>,
    values: Vec<String>,
}

impl ContactStream {
    /// A stream for `program`'s arguments laid out as `layout`, or `None` when the program needs
    /// a contact's activities all at once (see [`Stream::new`]).
    pub(super) fn new(program: &Program, layout: Layout) -> Option<ContactStream> {
        Some(ContactStream {
            stream: Stream::new(program)?,
            layout,
            unmatched: keeps_unmatched(program),
            by_from: program.by_from,
            pending: Vec::new(),
            ids: HashMap::new(),
            values: Vec::new(),
        })
    }

    /// The next rows of the contact (`args` as the aggregate's arguments, sorted by time; `keep`
    /// the rows this journey sees).
    pub fn push(&mut self, args: &[ArrayRef], keep: Option<&BooleanArray>) -> Result<()> {
        if args.len() != self.layout.arity() {
            return Err(DataFusionError::Internal(format!(
                "the streamed search takes {} arguments, got {}",
                self.layout.arity(),
                args.len()
            )));
        }
        let t = args[0].as_primitive::<Int64Type>();
        let id = args[1].as_primitive::<Int64Type>();
        let mask = args[2].as_primitive::<Int64Type>();
        let text = |k: usize, i: usize| {
            let a = args[k].as_string::<i32>();
            a.is_valid(i).then(|| a.value(i).to_string())
        };
        for i in 0..t.len() {
            if !t.is_valid(i) || keep.is_some_and(|k| !k.is_valid(i) || !k.value(i)) {
                continue;
            }
            let m = if mask.is_valid(i) {
                mask.value(i) as u64
            } else {
                0
            };
            // As the search over a held contact: rows matching no rule count only where
            // `order strict` needs them.
            if m == 0 && !self.unmatched {
                continue;
            }
            let time = t.value(i);
            match self.pending.first() {
                Some((r, ..)) if r.time < time => self.flush()?,
                Some((r, ..)) if r.time > time => {
                    return Err(DataFusionError::Internal(format!(
                        "the streamed search got an activity at {time} after one at {}",
                        r.time
                    )))
                }
                _ => {}
            }
            let group = if self.layout.same { text(3, i) } else { None };
            let label = if self.layout.by {
                text(3 + self.layout.same as usize, i)
            } else {
                None
            };
            let row = Row {
                time,
                tiebreak: if id.is_valid(i) { id.value(i) } else { 0 },
                mask: m,
                group: NO_GROUP,
                label: NO_GROUP,
            };
            self.pending.push((row, group, label));
        }
        Ok(())
    }

    /// The activities at one time into the search, in the activity order.
    fn flush(&mut self) -> Result<()> {
        let mut pending = std::mem::take(&mut self.pending);
        // A value's place among the contact's values is its place in text order, NULL last:
        // comparing the texts orders them as the held search's ranks do.
        let last = |v: &Option<String>| (v.is_none(), v.clone());
        pending.sort_by(|a, b| {
            (a.0.tiebreak, a.0.mask.trailing_zeros(), a.0.mask)
                .cmp(&(b.0.tiebreak, b.0.mask.trailing_zeros(), b.0.mask))
                .then_with(|| last(&a.1).cmp(&last(&b.1)))
                .then_with(|| last(&a.2).cmp(&last(&b.2)))
        });
        for (mut row, group, label) in pending.drain(..) {
            row.group = self.id(group);
            row.label = self.id(label);
            self.stream.push(row).map_err(DataFusionError::Internal)?;
        }
        self.pending = pending;
        Ok(())
    }

    fn id(&mut self, value: Option<String>) -> u32 {
        let Some(v) = value else {
            return NO_GROUP;
        };
        if let Some(&i) = self.ids.get(&v) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(v.clone());
        self.ids.insert(v, i);
        i
    }

    /// About how many bytes the search holds beyond the rows given to it.
    pub fn held_bytes(&self) -> usize {
        (self.stream.held() + self.pending.len()) * BYTES_PER_HELD
            + self.values.iter().map(|v| 2 * v.len() + 64).sum::<usize>()
    }

    /// The contact's reach, or `None` when it did not reach stage 1.
    pub fn finish(mut self) -> Result<Option<ContactReach>> {
        self.flush()?;
        let outcome = self.stream.finish();
        if outcome.reach.is_empty() {
            return Ok(None);
        }
        let by = outcome
            .label(self.by_from)
            .filter(|&l| l != NO_GROUP)
            .map(|l| self.values[l as usize].clone());
        Ok(Some(ContactReach {
            reach: outcome.reach,
            by,
        }))
    }
}
