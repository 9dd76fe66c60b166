//! Funnel results: the numbers of docs/semantics.md, in the shape docs/results.md documents.

use crate::check::hir;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JourneyResult {
    pub journey: String,
    /// SHA-256 of the journey file, so a result can be traced to the exact source.
    pub source_sha256: String,
    pub data: Vec<String>,
    /// RFC 3339, UTC (from SOURCE_DATE_EPOCH when set, for reproducible files).
    pub computed_at: String,
    pub period: Option<PeriodOut>,
    pub window_seconds: Option<f64>,
    pub order: String,
    pub contacts_in_scope: u64,
    pub rows_in_scope: u64,
    /// Rows left out for having no usable time (only with `--on-bad-rows skip`).
    pub rows_skipped: u64,
    pub stages: Vec<StageResult>,
    /// Per segment label, the contacts whose furthest labelled stage carries it.
    pub segments: Vec<SegmentCount>,
    /// The funnel per period of stage-1 time, when a trend is asked for.
    pub trend: Option<TrendOut>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendOut {
    /// daily, weekly (weeks start on Monday) or monthly; UTC.
    pub unit: String,
    pub buckets: Vec<TrendBucket>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendBucket {
    /// First day of the period, YYYY-MM-DD.
    pub start: String,
    /// Contacts whose counted chain started in the period and reached each stage.
    pub reached: Vec<u64>,
    /// reached_k / reached_(k-1) within the period (null for stage 1 and on 0 / 0).
    pub conversion: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SegmentCount {
    pub segment: String,
    pub contacts: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PeriodOut {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageResult {
    pub number: usize,
    pub name: String,
    pub segment: Option<String>,
    pub kpi: Option<u64>,
    pub optional: bool,
    /// Contacts whose depth is at least this stage.
    pub reached: u64,
    /// reached / previous stage's reached (stage 1: / contacts in scope); null on 0 / 0.
    pub conversion: Option<f64>,
    /// reached / stage 1's reached.
    pub overall: Option<f64>,
    /// reached - next stage's reached; null for the last stage.
    pub dropped: Option<u64>,
    pub dropped_rate: Option<f64>,
    /// reached / kpi.
    pub kpi_progress: Option<f64>,
    pub time_to_convert: TimeToConvert,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct TimeToConvert {
    /// T_k - T_(k-1) over contacts that reached the stage; null for stage 1.
    pub from_previous: Option<Durations>,
    /// T_k - T_1 over contacts that reached the stage; null for stage 1.
    pub from_first: Option<Durations>,
}

/// Summary of durations, in seconds. Percentiles are nearest-rank (docs/semantics.md).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Durations {
    pub count: u64,
    pub median_seconds: f64,
    pub p90_seconds: f64,
    pub mean_seconds: f64,
    /// Contacts per duration bucket, in [`HISTOGRAM_BUCKETS`] order.
    pub histogram: Vec<Bucket>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bucket {
    /// Inclusive lower bound, seconds.
    pub from_seconds: u64,
    /// Exclusive upper bound, seconds; null for the last bucket.
    pub to_seconds: Option<u64>,
    pub contacts: u64,
}

/// Bucket bounds in seconds: under a minute, 10 minutes, an hour, 6 hours, a day, 3 days, a
/// week, two weeks, 30 days, and longer.
pub const HISTOGRAM_BUCKETS: [u64; 9] = [
    60, 600, 3600, 21_600, 86_400, 259_200, 604_800, 1_209_600, 2_592_000,
];

fn histogram(sorted_micros: &[i64]) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut from = 0u64;
    for to in HISTOGRAM_BUCKETS
        .iter()
        .map(Some)
        .chain(std::iter::once(None))
    {
        let (lo, hi) = (from as i64 * 1_000_000, to.map(|t| *t as i64 * 1_000_000));
        let contacts = sorted_micros
            .iter()
            .filter(|&&v| v >= lo && hi.is_none_or(|h| v < h))
            .count() as u64;
        out.push(Bucket {
            from_seconds: from,
            to_seconds: to.copied(),
            contacts,
        });
        if let Some(t) = to {
            from = *t;
        }
    }
    out
}

/// Nearest-rank percentile `p` (0 < p <= 1) of sorted values: the value at rank ⌈p·n⌉.
pub fn nearest_rank(sorted: &[i64], p: f64) -> i64 {
    let n = sorted.len();
    let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

fn durations(mut micros: Vec<i64>) -> Option<Durations> {
    if micros.is_empty() {
        return None;
    }
    micros.sort_unstable();
    let secs = |us: i64| us as f64 / 1e6;
    let sum: i128 = micros.iter().map(|&v| v as i128).sum();
    Some(Durations {
        count: micros.len() as u64,
        median_seconds: secs(nearest_rank(&micros, 0.5)),
        p90_seconds: secs(nearest_rank(&micros, 0.9)),
        mean_seconds: (sum as f64 / micros.len() as f64) / 1e6,
        histogram: histogram(&micros),
    })
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Stage metrics from each contact's reach times (one list per contact that reached stage 1
/// or had a stage-matching activity; the list's length is the contact's depth).
pub fn stage_metrics<'a>(
    j: &hir::Journey,
    contacts_in_scope: u64,
    reaches: impl Iterator<Item = &'a [i64]>,
) -> Vec<StageResult> {
    let k = j.stages.len();
    let mut reached = vec![0u64; k];
    let mut from_prev: Vec<Vec<i64>> = vec![Vec::new(); k];
    let mut from_first: Vec<Vec<i64>> = vec![Vec::new(); k];
    for times in reaches {
        for (i, &t) in times.iter().enumerate().take(k) {
            reached[i] += 1;
            if i > 0 {
                from_prev[i].push(t - times[i - 1]);
                from_first[i].push(t - times[0]);
            }
        }
    }
    (0..k)
        .map(|i| {
            let s = &j.stages[i];
            let base = if i == 0 {
                contacts_in_scope
            } else {
                reached[i - 1]
            };
            let dropped = (i + 1 < k).then(|| reached[i] - reached[i + 1]);
            StageResult {
                number: i + 1,
                name: s.name.clone(),
                segment: s.segment.map(|x| x.name().to_string()),
                kpi: s.kpi,
                optional: s.optional,
                reached: reached[i],
                conversion: ratio(reached[i], base),
                overall: ratio(reached[i], reached[0]),
                dropped,
                dropped_rate: dropped.and_then(|d| ratio(d, reached[i])),
                kpi_progress: s.kpi.and_then(|kpi| ratio(reached[i], kpi)),
                time_to_convert: TimeToConvert {
                    from_previous: durations(std::mem::take(&mut from_prev[i])),
                    from_first: durations(std::mem::take(&mut from_first[i])),
                },
            }
        })
        .collect()
}

/// Contacts per segment: a contact counts for the segment of the deepest labelled stage it
/// reached (stages without a label do not change it). Segments in funnel order of first use.
pub fn segment_counts(j: &hir::Journey, depths: impl Iterator<Item = usize>) -> Vec<SegmentCount> {
    // For each depth, the label of the deepest labelled stage at or above it.
    let mut label_at: Vec<Option<usize>> = Vec::with_capacity(j.stages.len() + 1);
    let mut names: Vec<&'static str> = Vec::new();
    let mut current = None;
    label_at.push(None);
    for s in &j.stages {
        if let Some(seg) = s.segment {
            let i = match names.iter().position(|n| *n == seg.name()) {
                Some(i) => i,
                None => {
                    names.push(seg.name());
                    names.len() - 1
                }
            };
            current = Some(i);
        }
        label_at.push(current);
    }
    let mut counts = vec![0u64; names.len()];
    for d in depths {
        if let Some(Some(i)) = label_at.get(d.min(j.stages.len())) {
            counts[*i] += 1;
        }
    }
    names
        .into_iter()
        .zip(counts)
        .map(|(n, c)| SegmentCount {
            segment: n.to_string(),
            contacts: c,
        })
        .collect()
}

/// The first day (UTC) of the trend period holding `micros`.
pub fn trend_start(unit: hir::Trend, micros: i64) -> chrono::NaiveDate {
    use chrono::Datelike;
    let date = chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.date_naive())
        .unwrap_or_default();
    match unit {
        hir::Trend::Daily => date,
        hir::Trend::Weekly => {
            date - chrono::Days::new(date.weekday().num_days_from_monday() as u64)
        }
        hir::Trend::Monthly => date.with_day(1).unwrap_or(date),
    }
}

/// The funnel per period of stage-1 time: contacts are bucketed by the start of their counted
/// chain (T_1), periods in time order, empty periods left out.
pub fn trend<'a>(
    stages: usize,
    unit: hir::Trend,
    reaches: impl Iterator<Item = &'a [i64]>,
) -> TrendOut {
    let mut buckets: std::collections::BTreeMap<chrono::NaiveDate, Vec<u64>> = Default::default();
    for r in reaches {
        let Some(&t1) = r.first() else { continue };
        let counts = buckets
            .entry(trend_start(unit, t1))
            .or_insert_with(|| vec![0; stages]);
        for c in counts.iter_mut().take(r.len().min(stages)) {
            *c += 1;
        }
    }
    TrendOut {
        unit: format!("{unit:?}").to_lowercase(),
        buckets: buckets
            .into_iter()
            .map(|(start, reached)| TrendBucket {
                start: start.format("%Y-%m-%d").to_string(),
                conversion: (0..reached.len())
                    .map(|k| {
                        if k == 0 {
                            None
                        } else {
                            ratio(reached[k], reached[k - 1])
                        }
                    })
                    .collect(),
                reached,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let hours: Vec<i64> = [1, 2, 3, 10].iter().map(|h| h * 3_600_000_000).collect();
        assert_eq!(nearest_rank(&hours, 0.5), 2 * 3_600_000_000);
        assert_eq!(nearest_rank(&hours, 0.9), 10 * 3_600_000_000);
        assert_eq!(nearest_rank(&[7], 0.9), 7);
        let d = durations(hours).unwrap();
        assert_eq!(d.mean_seconds, 4.0 * 3600.0);
    }

    #[test]
    fn histogram_buckets_hold_every_duration_once() {
        let s = 1_000_000i64;
        let values = vec![0, 59 * s, 60 * s, 3599 * s, 3600 * s, 40 * 86_400 * s];
        let h = histogram(&values);
        assert_eq!(h.len(), HISTOGRAM_BUCKETS.len() + 1);
        assert_eq!(
            h.iter().map(|b| b.contacts).sum::<u64>(),
            values.len() as u64
        );
        assert_eq!(
            (h[0].from_seconds, h[0].to_seconds, h[0].contacts),
            (0, Some(60), 2)
        );
        assert_eq!(h[1].contacts, 1, "60 s starts the second bucket");
        assert_eq!(h[2].contacts, 1);
        assert_eq!(h[3].contacts, 1, "an hour starts the fourth");
        assert_eq!((h[9].to_seconds, h[9].contacts), (None, 1));
    }

    #[test]
    fn furthest_segment() {
        let src = "journey \"J\" {\n  stage \"A\" {\n    segment prospect\n    when registered\n  }\n  stage \"B\" { when opened email }\n  stage \"C\" {\n    segment lead\n    when submitted form \"f\"\n  }\n}\n";
        let (_, checked) = crate::check::check_source(src);
        let j = &checked.journeys[0];
        let counts = segment_counts(j, [0, 1, 2, 2, 3].into_iter());
        let pairs: Vec<(&str, u64)> = counts
            .iter()
            .map(|c| (c.segment.as_str(), c.contacts))
            .collect();
        // Depth 0 has no segment; depth 2 stays "prospect" (stage B has no label).
        assert_eq!(pairs, vec![("prospect", 3), ("lead", 1)]);
    }
}
