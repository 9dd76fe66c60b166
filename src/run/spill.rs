//! The kept rows within a memory limit (`--memory-limit`): instead of holding every kept row
//! and sorting them at the end, the scan's tasks send their kept rows to DataFusion's `SortExec`
//! (through a channel), which sorts by contact within the session's memory pool and spills
//! sorted runs to disk when the pool is full, then merges them. The sorted rows come back as a
//! stream, are cut into chunks of whole contacts, and each chunk is searched at once, so no more
//! than a chunk of rows is held outside the pool. A contact with many rows goes through the
//! streamed search instead ([`super::streamed`]), where every journey allows it; where one does
//! not, a contact whose rows alone do not fit stops the run with DataFusion's "resources
//! exhausted", which journey reports as J5006.

use super::kept::{Kept, Slots};
use super::streamed::{self, Streamed};
use crate::engine::reach::ContactReach;
use crate::lower::pass::PassPlan;
use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, Scalar};
use datafusion::arrow::compute;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::col;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use futures::StreamExt;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// A chunk is searched once it holds this many rows (or the pool refuses more).
const CHUNK_ROWS: usize = 1 << 20;

/// A contact with this many kept rows is searched as they stream by, when the journeys allow
/// it: a held contact needs [`SEARCH_BYTES_PER_ROW`] per row, a streamed one next to nothing.
const STREAM_ROWS: usize = 1 << 16;

/// What the chain search holds per activity of the contact it searches, beyond the kept
/// columns: the contact's rows (32 bytes), the rule masks, and the per-stage tables (measured
/// on a 5M-activity contact of a two-stage `order strict` journey: about 100 bytes).
const SEARCH_BYTES_PER_ROW: usize = 128;

/// The sending side, one clone per scan task.
pub(super) type Sender = mpsc::Sender<RecordBatch>;

/// The channel as the one partition of a streaming source, executed once.
struct Channel {
    schema: SchemaRef,
    rx: Mutex<Option<mpsc::Receiver<RecordBatch>>>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("kept rows")
    }
}

impl PartitionStream for Channel {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        // Executed once: a second reader would see no rows, so it gets an error instead.
        let rx = self.rx.lock().ok().and_then(|mut r| r.take());
        let first: Option<Result<RecordBatch>> = rx.is_none().then(|| {
            Err(DataFusionError::Internal(
                "the kept rows' channel was read twice".into(),
            ))
        });
        let failed = futures::stream::iter(first);
        let stream = futures::stream::unfold(rx, |rx| async move {
            let mut rx = rx?;
            let batch = rx.recv().await?;
            Some((Ok(batch), Some(rx)))
        });
        let stream = failed.chain(stream);
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

/// The kept rows' sorter: send batches with `sender()`, then drop every sender and call
/// [`Sorter::search`].
pub(super) struct Sorter {
    tx: Option<Sender>,
    sorted: SendableRecordBatchStream,
    reservation: MemoryReservation,
    /// The chain search's own buffers, estimated per chunk.
    search: MemoryReservation,
    /// For its metrics: how much it spilled.
    sort: Arc<SortExec>,
}

impl Sorter {
    /// A sorter of batches of `schema` (column 0 the contact) in `ctx`'s memory pool.
    pub(super) fn new(schema: SchemaRef, ctx: Arc<TaskContext>) -> Result<Sorter> {
        let (tx, rx) = mpsc::channel(4);
        let source = Channel {
            schema: schema.clone(),
            rx: Mutex::new(Some(rx)),
        };
        let input = StreamingTableExec::try_new(
            schema.clone(),
            vec![Arc::new(source)],
            None,
            Vec::<LexOrdering>::new(),
            false,
            None,
        )?;
        // By contact, then time: a contact streamed through the search comes in time order.
        let ordering = LexOrdering::new(vec![
            PhysicalSortExpr::new_default(col(schema.field(0).name(), &schema)?),
            PhysicalSortExpr::new_default(col(schema.field(1).name(), &schema)?),
        ])
        .ok_or_else(|| DataFusionError::Internal("an empty sort order".into()))?;
        let sort = Arc::new(SortExec::new(ordering, Arc::new(input)));
        let sorted = sort.execute(0, ctx.clone())?;
        let reservation =
            MemoryConsumer::new("journey: kept rows of whole contacts").register(ctx.memory_pool());
        let search = MemoryConsumer::new("journey: chain search").register(ctx.memory_pool());
        Ok(Sorter {
            tx: Some(tx),
            sorted,
            reservation,
            search,
            sort,
        })
    }

    pub(super) fn sender(&self) -> Option<Sender> {
        self.tx.clone()
    }

    /// Drain the sorted rows chunk by chunk of whole contacts, searching each journey on each
    /// chunk; a contact with [`STREAM_ROWS`] kept rows or more is searched as its rows stream
    /// by, when every journey can be ([`streamed::possible`]). The senders must all be dropped,
    /// or this waits for them.
    pub(super) async fn search(
        mut self,
        p: &PassPlan,
        slots: &[Slots],
        threads: usize,
    ) -> Result<Searched> {
        self.tx = None;
        let mut out = Searched {
            reaches: (0..p.journeys.len()).map(|_| Some(Vec::new())).collect(),
            rule_counts: vec![[0u64; 64]; p.journeys.len()],
            rows: 0,
            spills: (0, 0),
            streamed: (0, 0),
        };
        let can_stream = streamed::possible(p);
        let mut streaming: Option<Streamed> = None;
        let mut held: Vec<RecordBatch> = Vec::new();
        let mut held_rows = 0usize;
        // The rows of the last contact in `held`.
        let mut tail = 0usize;
        while let Some(batch) = self.sorted.next().await {
            let mut batch = batch?;
            if batch.num_rows() == 0 {
                continue;
            }
            out.rows += batch.num_rows() as u64;
            if let Some(s) = &mut streaming {
                let end = s.leading(&batch)?;
                if end > 0 {
                    s.feed(
                        &batch.slice(0, end),
                        slots,
                        &mut out.rule_counts,
                        &mut self.search,
                    )?;
                }
                if end == batch.num_rows() {
                    continue;
                }
                if let Some(done) = streaming.take() {
                    done.finish(&mut out)?;
                }
                self.search.free();
                batch = batch.slice(end, batch.num_rows() - end);
            }
            let size = batch.get_array_memory_size();
            let full = self.reservation.try_grow(size).is_err();
            tail = trailing(&held, &batch, tail)?;
            held_rows += batch.num_rows();
            held.push(batch);
            if can_stream && (tail >= STREAM_ROWS || (full && tail == held_rows)) {
                // The last contact is large: search the whole contacts before it, and stream it.
                let rest = split_last_contact(&mut held)?;
                if !held.is_empty() {
                    chunk(
                        std::mem::take(&mut held),
                        p,
                        slots,
                        threads,
                        &mut self.search,
                        &mut out,
                    )?;
                }
                let first = rest.first().ok_or_else(|| {
                    DataFusionError::Internal("the large contact's rows went missing".into())
                })?;
                let mut s = Streamed::start(p, first)?;
                for b in &rest {
                    s.feed(b, slots, &mut out.rule_counts, &mut self.search)?;
                }
                streaming = Some(s);
                (held_rows, tail) = (0, 0);
                self.reservation.free();
                continue;
            }
            if full || held_rows >= CHUNK_ROWS {
                if one_contact(&held)? {
                    // Sorted: first and last row of one contact means every row is.
                    if full {
                        return Err(DataFusionError::ResourcesExhausted(format!(
                            "one contact's {held_rows} kept activities do not fit in it"
                        )));
                    }
                    continue;
                }
                // Everything before the last contact is whole: search it, keep the rest.
                let rest = split_last_contact(&mut held)?;
                if held.is_empty() {
                    if full {
                        // One contact's rows alone do not fit.
                        return Err(DataFusionError::ResourcesExhausted(format!(
                            "one contact's {held_rows} kept rows do not fit in the memory limit"
                        )));
                    }
                    held = rest;
                    continue;
                }
                let whole = std::mem::replace(&mut held, rest);
                chunk(whole, p, slots, threads, &mut self.search, &mut out)?;
                held_rows = held.iter().map(|b| b.num_rows()).sum();
                self.reservation
                    .resize(held.iter().map(|b| b.get_array_memory_size()).sum());
            }
        }
        if let Some(done) = streaming.take() {
            done.finish(&mut out)?;
        }
        if !held.is_empty() {
            chunk(held, p, slots, threads, &mut self.search, &mut out)?;
        }
        self.reservation.free();
        self.search.free();
        if let Some(m) = self.sort.metrics() {
            out.spills = (
                m.spill_count().unwrap_or(0) as u64,
                m.spilled_bytes().unwrap_or(0) as u64,
            );
        }
        Ok(out)
    }
}

/// The rows of the last contact once `batch` follows `held` (whose last contact had `tail`).
fn trailing(held: &[RecordBatch], batch: &RecordBatch, tail: usize) -> Result<usize> {
    let contacts = batch.column(0);
    let last = Scalar::new(contacts.slice(contacts.len() - 1, 1));
    let same = compute::kernels::cmp::eq(contacts, &last)?;
    let own = (0..same.len())
        .rev()
        .position(|r| !same.is_valid(r) || !same.value(r))
        .unwrap_or(same.len());
    if own < batch.num_rows() {
        return Ok(own);
    }
    // The whole batch is one contact's: is it the one `held` ended with?
    let continues = match held.last() {
        Some(b) => {
            let c = b.column(0);
            let before = compute::kernels::cmp::eq(&c.slice(c.len() - 1, 1), &last)?;
            before.is_valid(0) && before.value(0)
        }
        None => false,
    };
    Ok(if continues { tail + own } else { own })
}

/// What a bounded pass found per journey.
pub(super) struct Searched {
    /// Per journey (taken by [`Kept::reaches`]).
    pub reaches: Vec<Option<Vec<ContactReach>>>,
    /// Kept rows matching each rule bit.
    pub rule_counts: Vec<[u64; 64]>,
    /// Kept rows.
    pub rows: u64,
    /// The sort's spills: files, bytes.
    pub spills: (u64, u64),
    /// Contacts searched as their rows streamed by, and the largest's kept rows.
    pub streamed: (u64, u64),
}

/// Whether the held rows (sorted by contact) are all one contact's.
fn one_contact(held: &[RecordBatch]) -> Result<bool> {
    use datafusion::common::ScalarValue;
    let (Some(first), Some(last)) = (held.first(), held.last()) else {
        return Ok(true);
    };
    let a = ScalarValue::try_from_array(first.column(0), 0)?;
    let b = ScalarValue::try_from_array(last.column(0), last.num_rows() - 1)?;
    Ok(a == b)
}

/// Take the last contact's rows off the end of `held` (sorted by contact), returned.
fn split_last_contact(held: &mut Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
    let Some(last) = held.last() else {
        return Ok(Vec::new());
    };
    let contacts = last.column(0);
    let key = contacts.slice(contacts.len() - 1, 1);
    let mut rest: Vec<RecordBatch> = Vec::new();
    while let Some(b) = held.pop() {
        let c = b.column(0);
        // The first row of `b` holding the last contact (rows of one contact are adjacent).
        let same =
            compute::kernels::cmp::eq(c, &datafusion::arrow::array::Scalar::new(key.clone()))?;
        let first = (0..b.num_rows())
            .find(|&r| same.value(r))
            .unwrap_or(b.num_rows());
        if first == b.num_rows() {
            held.push(b);
            break;
        }
        rest.insert(0, b.slice(first, b.num_rows() - first));
        if first > 0 {
            held.push(b.slice(0, first));
            break;
        }
    }
    Ok(rest)
}

/// Search every journey on one chunk of whole contacts (its batches dropped once joined, so
/// the rows are held once). The search's own buffers are reserved first: a contact too large
/// for the pool stops the run with "resources exhausted", not the machine.
fn chunk(
    held: Vec<RecordBatch>,
    p: &PassPlan,
    slots: &[Slots],
    threads: usize,
    search: &mut MemoryReservation,
    out: &mut Searched,
) -> Result<()> {
    let width = held[0].num_columns();
    let columns: Vec<ArrayRef> = (0..width)
        .map(|c| {
            let parts: Vec<&dyn datafusion::arrow::array::Array> =
                held.iter().map(|b| b.column(c).as_ref()).collect();
            compute::concat(&parts)
        })
        .collect::<std::result::Result<_, _>>()?;
    drop(held);
    let kept = Kept::of_sorted(columns, slots.to_vec(), threads)?;
    let (largest, contacts) = kept.contacts();
    let need = largest * SEARCH_BYTES_PER_ROW * threads.min(contacts).max(1);
    if search.try_resize(need).is_err() {
        return Err(DataFusionError::ResourcesExhausted(format!(
            "a contact with {largest} kept activities needs about {} MiB for its search",
            (largest * SEARCH_BYTES_PER_ROW) >> 20
        )));
    }
    for i in 0..p.journeys.len() {
        let found = kept.reaches(p, i)?;
        if let Some(r) = &mut out.reaches[i] {
            r.extend(found);
        }
        let counts = kept.rule_counts(p, i, 64)?;
        for (acc, c) in out.rule_counts[i].iter_mut().zip(counts) {
            *acc += c;
        }
    }
    Ok(())
}
