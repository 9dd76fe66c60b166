//! Execute [`lower::pass`](crate::lower::pass): one scan for every journey of a run.
//!
//! Each partition of the DataFusion plan is consumed by its own task, which
//! - counts the rows that cannot count (no contact, no usable time), and per scope the rows and
//!   distinct contacts ([`super::distinct`]);
//! - keeps the stage-matching rows (the plan's `keep` column) and evaluates each journey's
//!   mask, filter and `same`/`by` values on those rows only.
//!
//! Then the kept rows of all partitions are sorted by contact ([`super::kept`]) and each
//! contact's rows go through the same chain search as the `journey_funnel` aggregate, in
//! parallel over contacts.

use super::distinct::Contacts;
use super::kept::{sorted, Kept, Slots};
use super::progress::Progress;
use super::results::SkippedRows;
use super::spill::Sorter;
use crate::lower::pass::{self, PassPlan};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::{self, filter, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::MemoryLimit;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::{execute_stream_partitioned, PhysicalExpr};
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

impl PassOutput {
    /// The rows scope `k`'s journeys skip.
    pub fn skipped(&self, k: usize) -> SkippedRows {
        SkippedRows {
            no_contact: self.no_contact.get(k).copied().unwrap_or(0),
            no_time: self.no_time,
            no_unit: 0,
        }
    }
}

/// What the pass found.
#[derive(Debug, Default)]
pub struct PassOutput {
    /// Per scope: distinct contacts, rows.
    pub scopes: Vec<(u64, u64)>,
    /// Per scope: rows without a contact that its journeys skip.
    pub no_contact: Vec<u64>,
    /// Rows with a contact and no usable time (every journey skips them).
    pub no_time: u64,
    pub rows_scanned: u64,
    pub rows_matched: u64,
    /// Parquet row groups read, and skipped by their statistics (a period's filter).
    pub row_groups_read: u64,
    pub row_groups_skipped: u64,
    /// Wall time of the scan (with the filter and the scope counts) and the sort by contact.
    pub scan: Duration,
    /// Under a memory limit: the kept rows' spills to disk (files, bytes).
    pub spills: Option<(u64, u64)>,
    /// Under a memory limit: contacts searched as their rows streamed by, and the largest's rows.
    pub streamed: (u64, u64),
}

/// Where the pass's own columns are in its output.
#[derive(Clone)]
struct Layout {
    contact: usize,
    time: usize,
    tiebreak: usize,
    keep: usize,
    scopes: Vec<usize>,
    /// Per scope, its `unplaced_column`.
    unplaced: Vec<usize>,
    /// Contacts as integers (counted in a set of i64), else as text.
    integer_contacts: bool,
}

/// One partition's share.
struct Partition {
    contacts: Vec<Contacts>,
    rows: Vec<u64>,
    no_contact: Vec<u64>,
    no_time: u64,
    scanned: u64,
    /// Kept rows: contact, time, tiebreak, then each distinct journey expression.
    kept: Vec<Vec<ArrayRef>>,
}

impl Partition {
    fn new(layout: &Layout) -> Self {
        Partition {
            contacts: layout
                .scopes
                .iter()
                .map(|_| Contacts::new(layout.integer_contacts))
                .collect(),
            rows: vec![0; layout.scopes.len()],
            no_contact: vec![0; layout.scopes.len()],
            no_time: 0,
            scanned: 0,
            kept: Vec::new(),
        }
    }

    fn add(
        &mut self,
        batch: &RecordBatch,
        layout: &Layout,
        exprs: &[Arc<dyn PhysicalExpr>],
    ) -> Result<()> {
        self.scanned += batch.num_rows() as u64;
        let contact = normalize(batch.column(layout.contact), layout.integer_contacts)?;
        let time = batch.column(layout.time);
        self.no_time += match (contact.logical_nulls(), time.logical_nulls()) {
            (_, None) => 0,
            (None, Some(t)) => t.null_count() as u64,
            // Rows with a contact and no time (a row without either counts as no contact).
            (Some(c), Some(t)) => c
                .iter()
                .zip(t.iter())
                .filter(|&(has_contact, has_time)| has_contact && !has_time)
                .count() as u64,
        };
        for (k, &c) in layout.scopes.iter().enumerate() {
            let in_scope = batch.column(c).as_boolean();
            self.rows[k] += in_scope.true_count() as u64;
            self.contacts[k].insert(&contact, in_scope);
            self.no_contact[k] += batch.column(layout.unplaced[k]).as_boolean().true_count() as u64;
        }
        let keep = batch.column(layout.keep).as_boolean();
        if keep.true_count() == 0 {
            return Ok(());
        }
        let kept = filter_record_batch(batch, keep)?;
        let n = kept.num_rows();
        let mut columns = vec![
            filter(&contact, keep)?,
            kept.column(layout.time).clone(),
            kept.column(layout.tiebreak).clone(),
        ];
        for e in exprs {
            columns.push(e.evaluate(&kept)?.into_array(n)?);
        }
        self.kept.push(columns);
        Ok(())
    }
}

/// Row groups the plan's Parquet scans read and skipped by statistics, from their metrics.
fn row_groups(plan: &dyn datafusion::physical_plan::ExecutionPlan) -> (u64, u64) {
    use datafusion::physical_plan::metrics::MetricValue;
    let (mut read, mut skipped) = (0u64, 0u64);
    if let Some(m) = plan.metrics() {
        for metric in m.iter() {
            if let MetricValue::PruningMetrics {
                name,
                pruning_metrics,
            } = metric.value()
            {
                if name == "row_groups_pruned_statistics" {
                    read += pruning_metrics.matched() as u64;
                    skipped += pruning_metrics.pruned() as u64;
                }
            }
        }
    }
    for child in plan.children() {
        let (r, s) = row_groups(child.as_ref());
        read += r;
        skipped += s;
    }
    (read, skipped)
}

/// The kept columns' names in the sorter's schema: the contact first (it sorts by it).
fn kept_name(k: usize) -> String {
    match k {
        0 => "contact".into(),
        1 => "t".into(),
        2 => "tiebreak".into(),
        k => format!("e{}", k - 3),
    }
}

/// Contacts as Int64 or Utf8, whatever the data's type, so that sets and sorting see one type.
fn normalize(contact: &ArrayRef, integer: bool) -> Result<ArrayRef> {
    let to = if integer {
        DataType::Int64
    } else {
        DataType::Utf8
    };
    if contact.data_type() == &to {
        return Ok(contact.clone());
    }
    Ok(compute::cast(contact, &to)?)
}

/// Run the pass's scan: the counts, and the kept rows sorted for [`Kept::reaches`] (with
/// `threads` threads).
pub async fn execute(
    ctx: &SessionContext,
    p: &PassPlan,
    threads: usize,
) -> Result<(PassOutput, Kept)> {
    execute_with(ctx, p, threads, None).await
}

/// [`execute`], counting the rows read into `progress` as batches arrive.
pub async fn execute_with(
    ctx: &SessionContext,
    p: &PassPlan,
    threads: usize,
    progress: Option<Arc<Progress>>,
) -> Result<(PassOutput, Kept)> {
    let clock = Instant::now();
    let state = ctx.state();
    let physical = state.create_physical_plan(&p.plan).await?;
    let schema = p.plan.schema();
    let index = |name: &str| -> Result<usize> {
        physical
            .schema()
            .index_of(name)
            .map_err(|e| DataFusionError::Internal(format!("the pass plan lost {name}: {e}")))
    };
    let layout = Layout {
        contact: index(pass::CONTACT)?,
        time: index(pass::TIME)?,
        tiebreak: index(pass::TIEBREAK)?,
        keep: index(pass::KEEP)?,
        scopes: (0..p.scopes)
            .map(|k| index(&pass::scope_column(k)))
            .collect::<Result<_>>()?,
        unplaced: (0..p.scopes)
            .map(|k| index(&pass::unplaced_column(k)))
            .collect::<Result<_>>()?,
        integer_contacts: physical
            .schema()
            .field(index(pass::CONTACT)?)
            .data_type()
            .is_integer(),
    };
    // Journeys mostly share their rules: each distinct expression is evaluated once.
    let mut distinct: Vec<Expr> = Vec::new();
    let mut slot = |e: &Expr| -> usize {
        3 + distinct.iter().position(|d| d == e).unwrap_or_else(|| {
            distinct.push(e.clone());
            distinct.len() - 1
        })
    };
    let mut slots = Vec::new();
    for j in &p.journeys {
        slots.push(Slots {
            mask: slot(&j.row.mask),
            keep: j.keep.as_ref().map(&mut slot),
            same: j.row.same.as_ref().map(&mut slot),
            by: j.row.by.as_ref().map(&mut slot),
        });
    }
    let exprs: Vec<Arc<dyn PhysicalExpr>> = distinct
        .iter()
        .map(|e| state.create_physical_expr(e.clone(), schema))
        .collect::<Result<_>>()?;
    // Under a memory limit the kept rows go to a sorter that spills (`spill.rs`), searched as
    // they come back sorted; else they are held, and sorted once (the fastest way).
    let limited = matches!(
        ctx.runtime_env().memory_pool.memory_limit(),
        MemoryLimit::Finite(_)
    );
    let sorter = if limited {
        let physical_schema = physical.schema();
        let mut fields = vec![
            Field::new(
                "contact",
                if layout.integer_contacts {
                    DataType::Int64
                } else {
                    DataType::Utf8
                },
                true,
            ),
            Field::new(
                "t",
                physical_schema.field(layout.time).data_type().clone(),
                true,
            ),
            Field::new(
                "tiebreak",
                physical_schema.field(layout.tiebreak).data_type().clone(),
                true,
            ),
        ];
        for (k, e) in exprs.iter().enumerate() {
            fields.push(Field::new(
                format!("e{k}"),
                e.data_type(&physical_schema)?,
                true,
            ));
        }
        Some(Sorter::new(Arc::new(Schema::new(fields)), ctx.task_ctx())?)
    } else {
        None
    };
    let exprs = Arc::new(exprs);

    let mut tasks = tokio::task::JoinSet::new();
    for mut stream in execute_stream_partitioned(physical.clone(), ctx.task_ctx())? {
        let (layout, exprs) = (layout.clone(), exprs.clone());
        let progress = progress.clone();
        let tx = sorter.as_ref().and_then(Sorter::sender);
        tasks.spawn(async move {
            let mut part = Partition::new(&layout);
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                part.add(&batch, &layout, &exprs)?;
                if let Some(tx) = &tx {
                    for columns in part.kept.drain(..) {
                        let fields: Vec<Field> = columns
                            .iter()
                            .enumerate()
                            .map(|(k, c)| Field::new(kept_name(k), c.data_type().clone(), true))
                            .collect();
                        let b = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
                        tx.send(b).await.map_err(|_| {
                            DataFusionError::Internal("the kept rows' sorter stopped".into())
                        })?;
                    }
                }
                if let Some(p) = &progress {
                    p.read(batch.num_rows() as u64);
                }
            }
            Ok::<_, DataFusionError>(part)
        });
    }
    let searched = match sorter {
        Some(s) => Some(s.search(p, &slots, threads).await?),
        None => None,
    };
    let mut parts = Vec::new();
    while let Some(done) = tasks.join_next().await {
        parts.push(done.map_err(|e| DataFusionError::External(Box::new(e)))??);
    }

    let (row_groups_read, row_groups_skipped) = row_groups(physical.as_ref());
    let mut out = PassOutput {
        row_groups_read,
        row_groups_skipped,
        no_time: parts.iter().map(|p| p.no_time).sum(),
        no_contact: (0..p.scopes)
            .map(|k| parts.iter().map(|part| part.no_contact[k]).sum())
            .collect(),
        rows_scanned: parts.iter().map(|p| p.scanned).sum(),
        ..Default::default()
    };
    let mut kept = Vec::new();
    let mut contacts: Vec<Option<Contacts>> = (0..p.scopes).map(|_| None).collect();
    let mut rows = vec![0u64; p.scopes];
    for part in parts {
        for (k, set) in part.contacts.into_iter().enumerate() {
            rows[k] += part.rows[k];
            contacts[k] = Some(match contacts[k].take() {
                None => set,
                Some(acc) => acc.merge(set),
            });
        }
        kept.extend(part.kept);
    }
    out.scopes = contacts
        .into_iter()
        .zip(rows)
        .map(|(c, r)| (c.map_or(0, |c| c.len() as u64), r))
        .collect();
    out.rows_matched = kept.iter().map(|c| c[0].len() as u64).sum();
    let kept = match searched {
        Some(s) => {
            out.rows_matched = s.rows;
            out.spills = Some(s.spills);
            out.streamed = s.streamed;
            Kept::searched(s, slots)
        }
        None => sorted(kept, slots, threads)?,
    };
    out.scan = clock.elapsed();
    Ok((out, kept))
}
