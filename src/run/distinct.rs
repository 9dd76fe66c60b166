//! Counting distinct contacts, the base of stage 1's conversion: integer ids as a bit set over
//! their span (CRM ids are mostly dense), a hash set for ids too spread out or for text.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::compute;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::common::HashSet;

/// Distinct contacts.
pub(super) enum Contacts {
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
    pub(super) fn new(integer: bool) -> Self {
        if integer {
            Contacts::Bits {
                base: 0,
                words: Vec::new(),
            }
        } else {
            Contacts::Texts(HashSet::default())
        }
    }

    pub(super) fn len(&self) -> usize {
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
    pub(super) fn insert(&mut self, contacts: &ArrayRef, rows: &BooleanArray) {
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

    pub(super) fn merge(mut self, other: Contacts) -> Contacts {
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

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};
    use std::collections::BTreeSet;
    use std::sync::Arc;

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
