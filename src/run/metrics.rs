//! The metrics of docs/semantics.md, from each contact's reach times: per stage (reached,
//! conversion, drop-off, KPI progress, time to convert), segments, breakdowns and trends.

use super::results::{computed_at, rfc3339, JourneyResult, PeriodOut, SkippedPath, SkippedRows};
use super::results::{
    BreakdownGroup, BreakdownOut, Bucket, Durations, SegmentCount, StageResult, TimeToConvert,
    TrendBucket, TrendOut,
};
use super::{RunOptions, Source, DEFAULT_TOP};
use crate::check::hir;
use crate::data::DataSet;
use crate::engine::reach::ContactReach;
use crate::io::fingerprint::sha256_hex;

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

/// The required stage before stage `k`, if any (the base of its conversion).
fn previous_required(j: &hir::Journey, k: usize) -> Option<usize> {
    (0..k).rev().find(|&i| !j.stages[i].optional)
}

/// Stage metrics from each contact's reach times (contacts that reached no stage have an
/// empty reach). Stage 1's conversion is over `contacts_in_scope` when given.
pub fn stage_metrics<'a>(
    j: &hir::Journey,
    contacts_in_scope: Option<u64>,
    reaches: impl Iterator<Item = &'a ContactReach>,
) -> Vec<StageResult> {
    let k = j.stages.len();
    let mut reached = vec![0u64; k];
    let mut from_prev: Vec<Vec<i64>> = vec![Vec::new(); k];
    let mut from_first: Vec<Vec<i64>> = vec![Vec::new(); k];
    for c in reaches {
        // The previous stage on the contact's chain (skipped optional stages are not on it).
        let mut previous: Option<i64> = None;
        for (i, t) in c.reach.iter().enumerate().take(k) {
            let Some(t) = *t else { continue };
            reached[i] += 1;
            if let (Some(p), Some(Some(first))) = (previous, c.reach.first()) {
                from_prev[i].push(t - p);
                from_first[i].push(t - first);
            }
            previous = Some(t);
        }
    }
    (0..k)
        .map(|i| {
            let s = &j.stages[i];
            let base = match previous_required(j, i) {
                None => contacts_in_scope,
                Some(p) => Some(reached[p]),
            };
            // Drop-off is to the next required stage; an optional stage is a side branch.
            let next = (i + 1..k).find(|&n| !j.stages[n].optional);
            let dropped = match (s.optional, next) {
                (false, Some(n)) => Some(reached[i] - reached[n].min(reached[i])),
                _ => None,
            };
            StageResult {
                number: i + 1,
                name: s.name.clone(),
                segment: s.segment.map(|x| x.name().to_string()),
                kpi: s.kpi,
                optional: s.optional,
                reached: reached[i],
                conversion: base.and_then(|b| ratio(reached[i], b)),
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

/// The funnel per breakdown value: the `top` values with the most contacts reaching stage 1
/// (ties by value, NULL last), and the rest merged into one "other" group.
pub fn breakdown(
    j: &hir::Journey,
    column: &str,
    top: usize,
    reaches: &[ContactReach],
) -> BreakdownOut {
    let mut by_value: std::collections::BTreeMap<Option<&str>, Vec<&ContactReach>> =
        Default::default();
    for c in reaches.iter().filter(|c| c.reached(0)) {
        by_value.entry(c.by.as_deref()).or_default().push(c);
    }
    let mut values: Vec<(Option<&str>, Vec<&ContactReach>)> = by_value.into_iter().collect();
    // Most contacts first; then by value, NULL after every value.
    values.sort_by(|a, b| {
        b.1.len()
            .cmp(&a.1.len())
            .then_with(|| (a.0.is_none(), a.0).cmp(&(b.0.is_none(), b.0)))
    });
    let rest: Vec<(Option<&str>, Vec<&ContactReach>)> = values.split_off(top.min(values.len()));
    let mut groups: Vec<BreakdownGroup> = values
        .into_iter()
        .map(|(v, cs)| BreakdownGroup {
            value: v.map(str::to_string),
            other_values: 0,
            stages: stage_metrics(j, None, cs.into_iter()),
        })
        .collect();
    if !rest.is_empty() {
        groups.push(BreakdownGroup {
            value: None,
            other_values: rest.len() as u64,
            stages: stage_metrics(j, None, rest.iter().flat_map(|(_, cs)| cs.iter().copied())),
        });
    }
    BreakdownOut {
        column: column.to_string(),
        groups,
    }
}

/// Contacts per segment: a contact counts for the segment of the deepest labelled stage on its
/// counted chain (stages without a label, and skipped optional stages, do not change it).
/// Segments in funnel order of first use.
pub fn segment_counts<'a>(
    j: &hir::Journey,
    reaches: impl Iterator<Item = &'a ContactReach>,
) -> Vec<SegmentCount> {
    // Each stage's label as an index into `names`.
    let mut names: Vec<&'static str> = Vec::new();
    let label: Vec<Option<usize>> = j
        .stages
        .iter()
        .map(|s| {
            s.segment
                .map(|seg| match names.iter().position(|n| *n == seg.name()) {
                    Some(i) => i,
                    None => {
                        names.push(seg.name());
                        names.len() - 1
                    }
                })
        })
        .collect();
    let mut counts = vec![0u64; names.len()];
    for c in reaches {
        let deepest = (0..c.reach.len().min(label.len())).rev().find_map(|k| {
            if c.reached(k) {
                label[k]
            } else {
                None
            }
        });
        if let Some(i) = deepest {
            counts[i] += 1;
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
    j: &hir::Journey,
    unit: hir::Trend,
    reaches: impl Iterator<Item = &'a ContactReach>,
) -> TrendOut {
    let mut buckets: std::collections::BTreeMap<chrono::NaiveDate, Vec<u64>> = Default::default();
    for r in reaches {
        let Some(Some(t1)) = r.reach.first() else {
            continue;
        };
        let counts = buckets
            .entry(trend_start(unit, *t1))
            .or_insert_with(|| vec![0; j.stages.len()]);
        for (k, c) in counts.iter_mut().enumerate() {
            if r.reached(k) {
                *c += 1;
            }
        }
    }
    TrendOut {
        unit: format!("{unit:?}").to_lowercase(),
        buckets: buckets
            .into_iter()
            .map(|(start, reached)| TrendBucket {
                start: start.format("%Y-%m-%d").to_string(),
                conversion: (0..reached.len())
                    .map(|k| previous_required(j, k).and_then(|p| ratio(reached[k], reached[p])))
                    .collect(),
                reached,
            })
            .collect(),
    }
}

/// A journey's results from its scope counts and each contact's reach.
pub(super) fn result(
    options: &RunOptions,
    data: &DataSet,
    s: &Source<'_>,
    (contacts, rows, skipped): (u64, u64, SkippedRows),
    reaches: &[ContactReach],
    fingerprint: &str,
) -> JourneyResult {
    let j = s.journey;
    let stages = stage_metrics(j, Some(contacts), reaches.iter());
    let segments = segment_counts(j, reaches.iter());
    let trend = options
        .trend
        .or(j.trend)
        .map(|unit| trend(j, unit, reaches.iter()));
    let by = options
        .by
        .as_deref()
        .or(j.by.as_ref().map(|b| b.node.as_str()));
    let top = if options.top == 0 {
        DEFAULT_TOP
    } else {
        options.top
    };
    let breakdown = by.map(|column| breakdown(j, column, top, reaches));
    JourneyResult {
        journey: j.name.clone(),
        source_sha256: sha256_hex(s.text.as_bytes()),
        data: data
            .paths()
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        data_fingerprint: fingerprint.to_string(),
        computed_at: computed_at(),
        period: j.period.map(|p| PeriodOut {
            from: rfc3339(p.from),
            to: rfc3339(p.to),
        }),
        window_seconds: j.window.as_ref().map(|w| w.node as f64 / 1e6),
        order: format!("{:?}", j.order).to_lowercase(),
        contacts_in_scope: contacts,
        rows_in_scope: rows,
        rows_skipped: skipped.total(),
        skipped_rows: skipped,
        data_skipped: data
            .listing
            .skipped
            .iter()
            .map(|s| SkippedPath {
                path: s.path.display().to_string(),
                reason: s.reason.clone(),
            })
            .collect(),
        warnings: Vec::new(),
        stages,
        segments,
        trend,
        breakdown,
        source: s
            .text
            .get(j.span.start..j.span.end)
            .unwrap_or(s.text)
            .to_string(),
        timings: None,
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
        let reach = |depth: usize| ContactReach {
            reach: vec![Some(0); depth],
            by: None,
        };
        let contacts: Vec<ContactReach> = [0, 1, 2, 2, 3].into_iter().map(reach).collect();
        let counts = segment_counts(j, contacts.iter());
        let pairs: Vec<(&str, u64)> = counts
            .iter()
            .map(|c| (c.segment.as_str(), c.contacts))
            .collect();
        // Depth 0 has no segment; depth 2 stays "prospect" (stage B has no label).
        assert_eq!(pairs, vec![("prospect", 3), ("lead", 1)]);
    }
}
