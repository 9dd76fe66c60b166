//! Execute [`lower::pass`](crate::lower::pass): one scan for every journey of a run.
//!
//! Each partition of the DataFusion plan is consumed by its own task, which
//! - counts the rows without a usable time, and per scope the rows and distinct contacts;
//! - keeps the stage-matching rows (the plan's `keep` column) and evaluates each journey's
//!   mask, filter and `same`/`by` values on those rows only.
//!
//! Then the kept rows of all partitions are sorted by contact and each contact's run goes
//! through the same chain search as the `journey_funnel` aggregate, in parallel over contacts.

use super::results::SkippedRows;
use crate::engine::reach::ContactReach;
use crate::lower::pass::{self, PassPlan};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{self, filter, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::HashSet;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::{execute_stream_partitioned, PhysicalExpr};
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the pass found.
#[derive(Debug, Default)]
pub struct PassOutput {
    /// Per scope: distinct contacts, rows.
    pub scopes: Vec<(u64, u64)>,
    /// Rows that cannot count.
    pub skipped: SkippedRows,
    pub rows_scanned: u64,
    pub rows_matched: u64,
    /// Wall time of the scan (with the filter and the scope counts) and the sort by contact.
    pub scan: Duration,
}

/// Where the pass's own columns are in its output.
#[derive(Clone)]
struct Layout {
    contact: usize,
    time: usize,
    tiebreak: usize,
    keep: usize,
    scopes: Vec<usize>,
    /// Contacts as integers (counted in a set of i64), else as text.
    integer_contacts: bool,
}

/// Distinct contacts.
enum Contacts {
    /// Integer ids, one bit each over the span seen so far (`base` is a multiple of 64): CRM
    /// contact ids are mostly dense, and a bit set stays in cache where a hash set of a million
    /// ids does not (the hash set was the largest cost of the pass).
    Bits {
        base: i64,
        words: Vec<u64>,
    },
    /// Integer ids too spread out for bits.
    Ints(HashSet<i64>),
    Texts(HashSet<Box<str>>),
}

/// The widest span of ids kept as bits: 2^27 bits, 16 MiB per partition.
const MAX_BITS: i128 = 1 << 27;

impl Contacts {
    fn new(integer: bool) -> Self {
        if integer {
            Contacts::Bits {
                base: 0,
                words: Vec::new(),
            }
        } else {
            Contacts::Texts(HashSet::default())
        }
    }

    fn len(&self) -> usize {
        match self {
            Contacts::Bits { words, .. } => words.iter().map(|w| w.count_ones() as usize).sum(),
            Contacts::Ints(s) => s.len(),
            Contacts::Texts(s) => s.len(),
        }
    }

    /// The ids as a hash set (from bits, when the span grows too wide).
    fn into_ints(self) -> HashSet<i64> {
        match self {
            Contacts::Bits { base, words } => {
                let mut set = HashSet::default();
                for (w, &word) in words.iter().enumerate() {
                    let mut bits = word;
                    while bits != 0 {
                        let b = bits.trailing_zeros() as i64;
                        set.insert(base + w as i64 * 64 + b);
                        bits &= bits - 1;
                    }
                }
                set
            }
            Contacts::Ints(s) => s,
            Contacts::Texts(_) => HashSet::default(),
        }
    }

    /// Make room for ids `lo..=hi` as bits, or turn into a hash set when the span is too wide.
    fn cover(&mut self, lo: i64, hi: i64) {
        let Contacts::Bits { base, words } = self else {
            return;
        };
        let (old_lo, old_hi) = if words.is_empty() {
            (lo, hi)
        } else {
            (*base, *base + words.len() as i64 * 64 - 1)
        };
        let (new_lo, new_hi) = (old_lo.min(lo), old_hi.max(hi));
        let new_base = new_lo.div_euclid(64) * 64;
        if new_hi as i128 - new_base as i128 + 1 > MAX_BITS {
            let bits = std::mem::replace(self, Contacts::Ints(HashSet::default()));
            *self = Contacts::Ints(bits.into_ints());
            return;
        }
        let len = ((new_hi - new_base) / 64 + 1) as usize;
        if words.is_empty() {
            *base = new_base;
            words.resize(len, 0);
            return;
        }
        let front = ((*base - new_base) / 64) as usize;
        if front > 0 {
            words.splice(0..0, std::iter::repeat_n(0, front));
            *base = new_base;
        }
        words.resize(len, 0);
    }

    /// The non-null contacts of the rows where `rows` is true (`contacts` is normalized).
    fn insert(&mut self, contacts: &ArrayRef, rows: &BooleanArray) {
        let all = rows.null_count() == 0 && rows.true_count() == rows.len();
        let take = |i: usize| all || (rows.is_valid(i) && rows.value(i));
        if let Contacts::Bits { .. } = self {
            let a = contacts.as_primitive::<Int64Type>();
            if let (Some(lo), Some(hi)) = (compute::min(a), compute::max(a)) {
                self.cover(lo, hi);
            }
        }
        match self {
            Contacts::Bits { base, words } => {
                let a = contacts.as_primitive::<Int64Type>();
                let base = *base;
                let mut set = |v: i64| {
                    let at = (v - base) as usize;
                    words[at / 64] |= 1 << (at % 64);
                };
                if all && a.null_count() == 0 {
                    a.values().iter().for_each(|&v| set(v));
                    return;
                }
                for i in 0..a.len() {
                    if take(i) && a.is_valid(i) {
                        set(a.value(i));
                    }
                }
            }
            Contacts::Ints(s) => {
                let a = contacts.as_primitive::<Int64Type>();
                if all && a.null_count() == 0 {
                    s.extend(a.values().iter().copied());
                    return;
                }
                for i in 0..a.len() {
                    if take(i) && a.is_valid(i) {
                        s.insert(a.value(i));
                    }
                }
            }
            Contacts::Texts(s) => {
                let a = contacts.as_string::<i32>();
                for i in 0..a.len() {
                    if take(i) && a.is_valid(i) && !s.contains(a.value(i)) {
                        s.insert(a.value(i).into());
                    }
                }
            }
        }
    }

    fn merge(mut self, other: Contacts) -> Contacts {
        match (&mut self, other) {
            (Contacts::Bits { .. }, Contacts::Bits { base, words }) => {
                if words.is_empty() {
                    return self;
                }
                self.cover(base, base + words.len() as i64 * 64 - 1);
                if let Contacts::Bits { base: b, words: w } = &mut self {
                    let at = ((base - *b) / 64) as usize;
                    for (i, word) in words.into_iter().enumerate() {
                        w[at + i] |= word;
                    }
                    return self;
                }
                let mut set = self.into_ints();
                set.extend(Contacts::Bits { base, words }.into_ints());
                Contacts::Ints(set)
            }
            (Contacts::Texts(a), Contacts::Texts(b)) => {
                let (mut big, small) = if a.len() >= b.len() {
                    (std::mem::take(a), b)
                } else {
                    (b, std::mem::take(a))
                };
                big.extend(small);
                Contacts::Texts(big)
            }
            (Contacts::Texts(_), _) => self,
            (_, other) => {
                let (a, b) = (self.into_ints(), other.into_ints());
                let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                big.extend(small);
                Contacts::Ints(big)
            }
        }
    }
}

/// One partition's share.
struct Partition {
    contacts: Vec<Contacts>,
    rows: Vec<u64>,
    skipped: SkippedRows,
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
            skipped: SkippedRows::default(),
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
        self.skipped.no_contact += contact.null_count() as u64;
        self.skipped.no_time += match (contact.logical_nulls(), time.logical_nulls()) {
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

/// Where a journey's arguments are among the kept columns.
struct Slots {
    mask: usize,
    keep: Option<usize>,
    same: Option<usize>,
    by: Option<usize>,
}

/// The kept rows of all partitions, sorted by contact, ready for the chain search.
pub struct Kept {
    columns: Vec<ArrayRef>,
    /// One contact's rows each.
    ranges: Vec<std::ops::Range<usize>>,
    slots: Vec<Slots>,
    threads: usize,
}

impl Kept {
    /// Journey `i`'s contacts that reached stage 1 (no other contact counts in any number),
    /// searched on `threads` threads over slices of contacts.
    pub fn reaches(&self, p: &PassPlan, i: usize) -> Result<Vec<ContactReach>> {
        if self.ranges.is_empty() {
            return Ok(Vec::new());
        }
        let s = &self.slots[i];
        let mut args = vec![
            self.columns[1].clone(),
            self.columns[2].clone(),
            self.columns[s.mask].clone(),
        ];
        args.extend(
            [s.same, s.by]
                .into_iter()
                .flatten()
                .map(|k| self.columns[k].clone()),
        );
        let keep = s.keep.map(|k| self.columns[k].as_boolean());
        let udaf = &p.journeys[i].udaf;
        let chunk = self.ranges.len().div_ceil(self.threads).max(1);
        let parts: Vec<Result<Vec<ContactReach>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .ranges
                .chunks(chunk)
                .map(|rs| {
                    let args = &args;
                    scope.spawn(move || udaf.reaches_by_contact(args, keep, rs))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(DataFusionError::Internal(
                            "the chain search panicked".into(),
                        ))
                    })
                })
                .collect()
        });
        let mut out = Vec::new();
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }
}

impl Kept {
    /// Journey `i`'s kept rows matching each of its `rules` rules (bit `b` of its mask): a
    /// rule no row in scope matches is worth a warning.
    pub fn rule_counts(&self, _p: &PassPlan, i: usize, rules: usize) -> Result<Vec<u64>> {
        let mut counts = vec![0u64; rules];
        if self.columns.is_empty() {
            return Ok(counts);
        }
        let s = &self.slots[i];
        let mask = datafusion::arrow::compute::cast(&self.columns[s.mask], &DataType::Int64)?;
        let mask = mask.as_primitive::<Int64Type>();
        let keep = s.keep.map(|k| self.columns[k].as_boolean());
        for r in 0..mask.len() {
            if !mask.is_valid(r) || keep.is_some_and(|k| !k.is_valid(r) || !k.value(r)) {
                continue;
            }
            let mut m = mask.value(r) as u64;
            while m != 0 {
                let b = m.trailing_zeros() as usize;
                if b < rules {
                    counts[b] += 1;
                }
                m &= m - 1;
            }
        }
        Ok(counts)
    }
}

/// Run the pass's scan: the counts, and the kept rows sorted for [`Kept::reaches`] (with
/// `threads` threads).
pub async fn execute(
    ctx: &SessionContext,
    p: &PassPlan,
    threads: usize,
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
            mask: slot(&j.mask),
            keep: j.keep.as_ref().map(&mut slot),
            same: j.same.as_ref().map(&mut slot),
            by: j.by.as_ref().map(&mut slot),
        });
    }
    let exprs: Vec<Arc<dyn PhysicalExpr>> = distinct
        .iter()
        .map(|e| state.create_physical_expr(e.clone(), schema))
        .collect::<Result<_>>()?;
    let exprs = Arc::new(exprs);

    let mut tasks = tokio::task::JoinSet::new();
    for mut stream in execute_stream_partitioned(physical, ctx.task_ctx())? {
        let (layout, exprs) = (layout.clone(), exprs.clone());
        tasks.spawn(async move {
            let mut part = Partition::new(&layout);
            while let Some(batch) = stream.next().await {
                part.add(&batch?, &layout, &exprs)?;
            }
            Ok::<_, DataFusionError>(part)
        });
    }
    let mut parts = Vec::new();
    while let Some(done) = tasks.join_next().await {
        parts.push(done.map_err(|e| DataFusionError::External(Box::new(e)))??);
    }

    let mut out = PassOutput {
        skipped: parts
            .iter()
            .fold(SkippedRows::default(), |a, p| a.plus(p.skipped)),
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
    let kept = sorted(kept, slots, threads)?;
    out.scan = clock.elapsed();
    Ok((out, kept))
}

/// The kept rows of all partitions in one set of columns, sorted by contact.
fn sorted(kept: Vec<Vec<ArrayRef>>, slots: Vec<Slots>, threads: usize) -> Result<Kept> {
    let Some(first) = kept.first() else {
        return Ok(Kept {
            columns: Vec::new(),
            ranges: Vec::new(),
            slots,
            threads,
        });
    };
    let columns: Vec<ArrayRef> = (0..first.len())
        .map(|c| {
            let parts: Vec<&dyn Array> = kept.iter().map(|k| k[c].as_ref()).collect();
            compute::concat(&parts)
        })
        .collect::<std::result::Result<_, _>>()?;
    drop(kept);
    let order = compute::sort_to_indices(&columns[0], None, None)?;
    let columns: Vec<ArrayRef> = columns
        .iter()
        .map(|c| compute::take(c.as_ref(), &order, None))
        .collect::<std::result::Result<_, _>>()?;
    let ranges = compute::partition(&columns[..1])?.ranges();
    Ok(Kept {
        columns,
        ranges,
        slots,
        threads: threads.max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};
    use std::collections::BTreeSet;

    fn ints(set: &mut Contacts, ids: &[Option<i64>], rows: &[bool]) {
        let a: ArrayRef = Arc::new(Int64Array::from(ids.to_vec()));
        set.insert(&a, &BooleanArray::from(rows.to_vec()));
    }

    /// Every way of counting integer ids (bits, growing either way, spread ids turning the bits
    /// into a hash set, merges of each kind) against a BTreeSet.
    #[test]
    fn distinct_integer_contacts() {
        let batches: Vec<Vec<Option<i64>>> = vec![
            vec![Some(100), Some(5), Some(100), None, Some(63), Some(64)],
            vec![Some(-3), Some(200), Some(5)],
            vec![Some(i64::MAX), Some(7)],
            vec![Some(i64::MIN), Some(-3), Some(1_000_000)],
        ];
        for split in 0..=batches.len() {
            let mut parts = [Contacts::new(true), Contacts::new(true)];
            let mut want = BTreeSet::new();
            for (b, ids) in batches.iter().enumerate() {
                // Every third row out of scope.
                let rows: Vec<bool> = (0..ids.len()).map(|i| i % 3 != 2).collect();
                for (i, id) in ids.iter().enumerate() {
                    if rows[i] {
                        want.extend(*id);
                    }
                }
                ints(&mut parts[(b >= split) as usize], ids, &rows);
            }
            let [a, c] = parts;
            assert_eq!(a.merge(c).len(), want.len(), "split at {split}");
        }
        // Dense ids stay bits, even growing downwards; far ids do not.
        let mut s = Contacts::new(true);
        ints(&mut s, &[Some(1_000), Some(2_000)], &[true, true]);
        ints(&mut s, &[Some(10), Some(1_000)], &[true, true]);
        assert!(matches!(s, Contacts::Bits { .. }));
        assert_eq!(s.len(), 3);
        ints(&mut s, &[Some(1 << 40)], &[true]);
        assert!(matches!(s, Contacts::Ints(_)));
        assert_eq!(s.len(), 4);
        // Bits merged with bits of another span.
        let (mut a, mut b) = (Contacts::new(true), Contacts::new(true));
        ints(&mut a, &[Some(5), Some(70)], &[true, true]);
        ints(
            &mut b,
            &[Some(-500), Some(70), Some(9_000)],
            &[true, true, true],
        );
        let m = a.merge(b);
        assert!(matches!(m, Contacts::Bits { .. }));
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn distinct_text_contacts() {
        let (mut a, mut b) = (Contacts::new(false), Contacts::new(false));
        let batch = |v: &[Option<&str>]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
        a.insert(
            &batch(&[Some("x"), Some("y"), None, Some("x")]),
            &BooleanArray::from(vec![true, true, true, true]),
        );
        b.insert(
            &batch(&[Some("y"), Some("z"), Some("w")]),
            &BooleanArray::from(vec![true, true, false]),
        );
        assert_eq!(a.merge(b).len(), 3);
    }
}
