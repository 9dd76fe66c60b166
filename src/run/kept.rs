//! The kept rows of a pass: every partition's stage-matching rows in one set of columns, sorted
//! by contact, and each journey's search over them.

use super::spill::Searched;
use crate::engine::reach::ContactReach;
use crate::lower::pass::PassPlan;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::compute;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::error::{DataFusionError, Result};

/// Where a journey's arguments are among the kept columns.
#[derive(Clone)]
pub(super) struct Slots {
    pub(super) mask: usize,
    pub(super) keep: Option<usize>,
    pub(super) same: Option<usize>,
    pub(super) by: Option<usize>,
}

impl Slots {
    /// A journey's aggregate arguments among kept `columns` (time, activity id, mask, then the
    /// `same` and `by` values), and the rows it sees.
    pub(super) fn args<'a>(
        &self,
        columns: &'a [ArrayRef],
    ) -> (Vec<ArrayRef>, Option<&'a BooleanArray>) {
        let mut args = vec![
            columns[1].clone(),
            columns[2].clone(),
            columns[self.mask].clone(),
        ];
        args.extend(
            [self.same, self.by]
                .into_iter()
                .flatten()
                .map(|k| columns[k].clone()),
        );
        (args, self.keep.map(|k| columns[k].as_boolean()))
    }

    /// Add the kept rows (of `columns`) this journey sees to the counts of the rules (bits) they
    /// match.
    pub(super) fn count_rules(&self, columns: &[ArrayRef], counts: &mut [u64]) -> Result<()> {
        let mask = compute::cast(&columns[self.mask], &DataType::Int64)?;
        let mask = mask.as_primitive::<Int64Type>();
        let keep = self.keep.map(|k| columns[k].as_boolean());
        for r in 0..mask.len() {
            if !mask.is_valid(r) || keep.is_some_and(|k| !k.is_valid(r) || !k.value(r)) {
                continue;
            }
            let mut m = mask.value(r) as u64;
            while m != 0 {
                let b = m.trailing_zeros() as usize;
                if let Some(c) = counts.get_mut(b) {
                    *c += 1;
                }
                m &= m - 1;
            }
        }
        Ok(())
    }
}

/// The kept rows of all partitions, sorted by contact, ready for the chain search.
pub struct Kept {
    columns: Vec<ArrayRef>,
    /// One contact's rows each.
    ranges: Vec<std::ops::Range<usize>>,
    slots: Vec<Slots>,
    threads: usize,
    /// Under a memory limit, the search is done chunk by chunk during the pass
    /// ([`super::spill`]): its results, each journey's taken once.
    searched: Option<std::sync::Mutex<Searched>>,
}

impl Kept {
    /// The results of a pass that searched as it went (under a memory limit).
    pub(super) fn searched(s: Searched, slots: Vec<Slots>) -> Kept {
        Kept {
            columns: Vec::new(),
            ranges: Vec::new(),
            slots,
            threads: 1,
            searched: Some(std::sync::Mutex::new(s)),
        }
    }

    /// Kept rows already sorted by contact (column 0).
    pub(super) fn of_sorted(
        columns: Vec<ArrayRef>,
        slots: Vec<Slots>,
        threads: usize,
    ) -> Result<Kept> {
        let ranges = if columns.is_empty() {
            Vec::new()
        } else {
            compute::partition(&columns[..1])?.ranges()
        };
        Ok(Kept {
            columns,
            ranges,
            slots,
            threads: threads.max(1),
            searched: None,
        })
    }

    /// The rows of the largest contact, and the number of contacts.
    pub(super) fn contacts(&self) -> (usize, usize) {
        let largest = self.ranges.iter().map(|r| r.len()).max().unwrap_or(0);
        (largest, self.ranges.len())
    }

    /// Journey `i`'s contacts that reached stage 1 (no other contact counts in any number),
    /// searched on `threads` threads over slices of contacts.
    pub fn reaches(&self, p: &PassPlan, i: usize) -> Result<Vec<ContactReach>> {
        if let Some(s) = &self.searched {
            let mut s = s
                .lock()
                .map_err(|_| DataFusionError::Internal("the search results are poisoned".into()))?;
            return s.reaches.get_mut(i).and_then(Option::take).ok_or_else(|| {
                DataFusionError::Internal(format!("journey {i}'s reaches were taken twice"))
            });
        }
        if self.ranges.is_empty() {
            return Ok(Vec::new());
        }
        let (args, keep) = self.slots[i].args(&self.columns);
        let udaf = &p.journeys[i].row.udaf;
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
        if let Some(s) = &self.searched {
            let s = s
                .lock()
                .map_err(|_| DataFusionError::Internal("the search results are poisoned".into()))?;
            return Ok(s.rule_counts[i].iter().take(rules).copied().collect());
        }
        let mut counts = vec![0u64; rules];
        if !self.columns.is_empty() {
            self.slots[i].count_rules(&self.columns, &mut counts)?;
        }
        Ok(counts)
    }
}

/// The kept rows of all partitions in one set of columns, sorted by contact.
pub(super) fn sorted(kept: Vec<Vec<ArrayRef>>, slots: Vec<Slots>, threads: usize) -> Result<Kept> {
    let Some(first) = kept.first() else {
        return Ok(Kept {
            columns: Vec::new(),
            ranges: Vec::new(),
            slots,
            threads,
            searched: None,
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
    Kept::of_sorted(columns, slots, threads)
}
