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
