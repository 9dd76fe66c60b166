//! Folders outside the period: with `date_partition = "day"` in journey.toml, a Hive partition
//! folder `day=2025-08-31` holds that day's rows, so a run whose every journey has a period
//! does not read the folders outside all of them. They are listed as not read, with the reason.
//! A file without the key, or with a value that is no date, is always read.

use crate::io::listing::{Listing, Skipped};
use chrono::{Datelike, NaiveDate};

/// The instants `[from, to)` (microseconds, UTC) a partition value's rows lie in: a day
/// (`2025-09-01`, `20250901`), a month (`2025-09`) or a year (`2025`).
pub fn range(value: &str) -> Option<(i64, i64)> {
    let micros = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros())
    };
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y%m%d"))
        .ok();
    if let Some(d) = day {
        return Some((micros(d)?, micros(d.succ_opt()?)?));
    }
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d") {
        let next = if d.month() == 12 {
            NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)?
        };
        return Some((micros(d)?, micros(next)?));
    }
    if value.len() == 4 {
        let y: i32 = value.parse().ok()?;
        return Some((
            micros(NaiveDate::from_ymd_opt(y, 1, 1)?)?,
            micros(NaiveDate::from_ymd_opt(y + 1, 1, 1)?)?,
        ));
    }
    None
}

/// Leave out the files whose `key` folder lies outside every period. When that would leave no
/// file, nothing is left out (an empty table has no schema; the periods then count nothing).
pub fn prune(listing: &mut Listing, key: &str, periods: &[(i64, i64)]) {
    let outside = |f: &crate::io::listing::DataFile| {
        let value = f
            .partitions
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref());
        match value.and_then(range) {
            Some((lo, hi)) => !periods.iter().any(|&(from, to)| lo < to && from < hi),
            None => false,
        }
    };
    if listing.files.iter().all(outside) {
        return;
    }
    let (gone, kept): (Vec<_>, Vec<_>) = listing.files.drain(..).partition(|f| outside(f));
    listing.files = kept;
    listing.skipped.extend(gone.into_iter().map(|f| {
        let value = f
            .partitions
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.clone())
            .unwrap_or_default();
        Skipped {
            path: f.path,
            reason: format!("outside every journey's period ({key}={value})"),
        }
    }));
    listing.skipped.sort_by(|a, b| a.path.cmp(&b.path));
}

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn partition_dates() {
        let day = 86_400_000_000;
        let sep1 = 1_756_684_800_000_000;
        assert_eq!(range("2025-09-01"), Some((sep1, sep1 + day)));
        assert_eq!(range("20250901"), Some((sep1, sep1 + day)));
        assert_eq!(range("2025-09"), Some((sep1, sep1 + 30 * day)));
        assert_eq!(range("2025-12").map(|(a, b)| (b - a) / day), Some(31));
        assert_eq!(range("2025").map(|(a, b)| (b - a) / day), Some(365));
        assert_eq!(range("north"), None);
    }
}
