//! How far a run has got, for a progress bar: rows read of the total (when the files say it:
//! Parquet footers do), updated by the pass as batches arrive. The library only counts; the
//! command line draws.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Progress {
    rows: AtomicU64,
    /// 0 until known.
    total: AtomicU64,
    done: AtomicBool,
}

impl Progress {
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// The rows the data holds, if every file says.
    pub fn total(&self) -> Option<u64> {
        match self.total.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n),
        }
    }

    /// The scan is over.
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Relaxed)
    }

    pub(super) fn read(&self, rows: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
    }

    pub(super) fn set_total(&self, rows: Option<u64>) {
        self.total.store(rows.unwrap_or(0), Ordering::Relaxed);
    }

    pub(super) fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
    }
}
