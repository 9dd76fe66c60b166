//! Under a memory limit, a contact with many kept activities is not held: its rows, coming back
//! from the sort in time order, go through each journey's streamed search
//! ([`crate::engine::streamed`]) a batch at a time and are dropped. What the searches hold is
//! reserved in the pool, so even a pathological contact stops with "resources exhausted"
//! (J5006), not the machine.

use super::kept::Slots;
use super::spill::Searched;
use crate::engine::streamed::ContactStream;
use crate::lower::pass::PassPlan;
use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, Scalar};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::MemoryReservation;

/// One contact's rows streaming through every journey's search.
pub(super) struct Streamed {
    /// The contact, as a one-row array.
    contact: ArrayRef,
    journeys: Vec<ContactStream>,
    rows: usize,
}

/// Whether every journey of the pass can search a contact as it streams by.
pub(super) fn possible(p: &PassPlan) -> bool {
    p.journeys.iter().all(|j| j.row.udaf.stream().is_some())
}

impl Streamed {
    /// Streams for the contact of `first`'s first row.
    pub(super) fn start(p: &PassPlan, first: &RecordBatch) -> Result<Streamed> {
        let journeys = p
            .journeys
            .iter()
            .map(|j| j.row.udaf.stream())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                DataFusionError::Internal("a journey cannot be searched as it streams".into())
            })?;
        Ok(Streamed {
            contact: first.column(0).slice(0, 1),
            journeys,
            rows: 0,
        })
    }

    /// How many of `batch`'s first rows are this contact's (the rows are sorted by contact).
    pub(super) fn leading(&self, batch: &RecordBatch) -> Result<usize> {
        let same = eq(batch.column(0), &Scalar::new(self.contact.clone()))?;
        Ok((0..same.len())
            .position(|r| !same.is_valid(r) || !same.value(r))
            .unwrap_or(same.len()))
    }

    /// The next of the contact's rows, into every journey's search and rule counts; what the
    /// searches hold is kept in `reservation`.
    pub(super) fn feed(
        &mut self,
        batch: &RecordBatch,
        slots: &[Slots],
        rule_counts: &mut [[u64; 64]],
        reservation: &mut MemoryReservation,
    ) -> Result<()> {
        let columns = batch.columns();
        for ((stream, s), counts) in self.journeys.iter_mut().zip(slots).zip(rule_counts) {
            let (args, keep) = s.args(columns);
            stream.push(&args, keep)?;
            s.count_rules(columns, counts)?;
        }
        self.rows += batch.num_rows();
        let held: usize = self.journeys.iter().map(ContactStream::held_bytes).sum();
        if reservation.try_resize(held).is_err() {
            return Err(DataFusionError::ResourcesExhausted(format!(
                "the search over one contact's {} kept activities holds {} MiB",
                self.rows,
                held >> 20
            )));
        }
        Ok(())
    }

    /// The contact's reach per journey, after the contacts before it.
    pub(super) fn finish(self, out: &mut Searched) -> Result<()> {
        for (stream, reaches) in self.journeys.into_iter().zip(&mut out.reaches) {
            if let (Some(found), Some(reaches)) = (stream.finish()?, reaches) {
                reaches.push(found);
            }
        }
        out.streamed.0 += 1;
        out.streamed.1 = out.streamed.1.max(self.rows as u64);
        Ok(())
    }
}
