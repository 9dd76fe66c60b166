//! The results model: every number of docs/semantics.md for a journey, in the shape
//! docs/results.md documents. The JSON results are this model serialized, and `journey compare`
//! reads them back into it; every other output is built from it (by `report/`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JourneyResult {
    pub journey: String,
    /// SHA-256 of the journey file, so a result can be traced to the exact source.
    pub source_sha256: String,
    pub data: Vec<String>,
    /// SHA-256 over the data files' names, sizes and ends (see `run::data::fingerprint`): equal
    /// for two runs over the same export. Empty in results written before it existed.
    #[serde(default)]
    pub data_fingerprint: String,
    /// RFC 3339, UTC (from SOURCE_DATE_EPOCH when set, for reproducible files).
    pub computed_at: String,
    pub period: Option<PeriodOut>,
    pub window_seconds: Option<f64>,
    pub order: String,
    /// `count by`: the column whose values are the funnel's units; every contact count
    /// (`contacts_in_scope`, `reached`, …) then counts those values (absent: contacts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_by: Option<String>,
    pub contacts_in_scope: u64,
    pub rows_in_scope: u64,
    /// Rows left out because they cannot count (only with `--on-bad-rows skip`): the sum of
    /// `skipped_rows`.
    pub rows_skipped: u64,
    /// The skipped rows by reason (absent when none were skipped).
    #[serde(default, skip_serializing_if = "SkippedRows::is_empty")]
    pub skipped_rows: SkippedRows,
    /// Files and folders under `--data` that were not read, and why (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_skipped: Vec<SkippedPath>,
    pub stages: Vec<StageResult>,
    /// Per segment label, the contacts whose furthest labelled stage carries it.
    pub segments: Vec<SegmentCount>,
    /// The funnel per period of stage-1 time, when a trend is asked for.
    pub trend: Option<TrendOut>,
    /// The funnel per value of a column on the stage-1 activity, when a breakdown is asked for.
    pub breakdown: Option<BreakdownOut>,
    /// What the run found worth a warning: stages, rules and exclusions that matched no
    /// activity, columns read as NULL (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<RunWarning>,
    /// The journey's source text (for the HTML report); not part of the data results.
    #[serde(skip)]
    pub source: String,
    /// Where the time went (`--timings`); not part of the results.
    #[serde(skip)]
    pub timings: Option<super::timings::Timings>,
}

/// Rows that cannot count, by reason (docs/semantics.md, "Rows that cannot count").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct SkippedRows {
    /// No contact id.
    pub no_contact: u64,
    /// A contact id (or unit value), but no usable time.
    pub no_time: u64,
    /// `count by`: no value of the unit's column (always skipped, never an error).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub no_unit: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SkippedRows {
    pub fn total(&self) -> u64 {
        self.no_contact + self.no_time + self.no_unit
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// As journey `j` counts them: under `count by` a row "without a contact" is one without a
    /// unit value, skipped and counted, never an error (docs/semantics.md).
    pub fn under(self, j: &crate::check::hir::Journey) -> SkippedRows {
        match j.count_by {
            Some(_) => SkippedRows {
                no_contact: 0,
                no_unit: self.no_unit + self.no_contact,
                ..self
            },
            None => self,
        }
    }

    /// Rows that stop the run unless `--on-bad-rows skip`: every reason but `no_unit`.
    pub fn must_fail(&self) -> bool {
        self.no_contact + self.no_time > 0
    }

    pub fn plus(self, o: SkippedRows) -> SkippedRows {
        SkippedRows {
            no_contact: self.no_contact + o.no_contact,
            no_time: self.no_time + o.no_time,
            no_unit: self.no_unit + o.no_unit,
        }
    }
}

/// A path under `--data` that was not read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SkippedPath {
    pub path: String,
    pub reason: String,
}

/// A warning about a run, in the results (and printed with them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunWarning {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The stage it is about (1-based), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<usize>,
    /// Where in the journey file (1-based), if it points there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl RunWarning {
    /// A warning diagnostic about journey `text`, for the results.
    pub fn of(d: &crate::diagnostics::Diagnostic, text: &str, stage: Option<usize>) -> RunWarning {
        let at = d
            .primary_span()
            .filter(|_| !text.is_empty())
            .map(|s| crate::span::line_col(text, s.start));
        RunWarning {
            code: d.code.to_string(),
            message: d.message.clone(),
            help: d.help.clone(),
            stage,
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BreakdownOut {
    pub column: String,
    /// Where the value comes from when not the stage-1 activity: `stage N` (the activity that
    /// completed stage N) or `last stage` (the deepest stage each contact reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The top values by contacts reaching stage 1 (then by value), then "other".
    pub groups: Vec<BreakdownGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BreakdownGroup {
    /// The value (null where the activity has none; null with `other_values` > 0 for "other").
    pub value: Option<String>,
    /// How many values this group merges (0 for a single value).
    pub other_values: u64,
    /// The contacts whose counted chain does not hold the stage the value comes from (`by …
    /// from stage N`): "(not reached)".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_reached: bool,
    /// Every stage metric for these contacts (stage 1's conversion is null: contacts in scope
    /// have no breakdown value until they reach stage 1).
    pub stages: Vec<StageResult>,
    /// Per stage, the group's conversion against the other groups' together (null for stage 1,
    /// which has no conversion within a group).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vs_rest: Vec<Option<VsRest>>,
}

/// A conversion compared with another (docs/semantics.md, "Significance").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct VsRest {
    /// The two-sided p-value of the difference, and the test that gave it.
    pub p_value: f64,
    pub test: crate::engine::significance::Test,
    /// p < 0.05 with 30 units or more on each side (marked `*`).
    pub significant: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrendOut {
    /// daily, weekly (weeks start on Monday) or monthly; UTC.
    pub unit: String,
    pub buckets: Vec<TrendBucket>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrendBucket {
    /// First day of the period, YYYY-MM-DD.
    pub start: String,
    /// Contacts whose counted chain started in the period and reached each stage.
    pub reached: Vec<u64>,
    /// reached_k / reached_(k-1) within the period (null for stage 1 and on 0 / 0).
    pub conversion: Vec<Option<f64>>,
}

impl BreakdownGroup {
    /// How the group is named in tables and CSV: its value, "(none)" for NULL, "(other)", "(not
    /// reached)".
    pub fn label(&self) -> String {
        match (&self.value, self.other_values) {
            _ if self.not_reached => "(not reached)".to_string(),
            (_, n) if n > 0 => "(other)".to_string(),
            (Some(v), _) => v.clone(),
            (None, _) => "(none)".to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentCount {
    pub segment: String,
    pub contacts: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeriodOut {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TimeToConvert {
    /// T_k - T_(k-1) over contacts that reached the stage; null for stage 1.
    pub from_previous: Option<Durations>,
    /// T_k - T_1 over contacts that reached the stage; null for stage 1.
    pub from_first: Option<Durations>,
}

/// Summary of durations, in seconds. Percentiles are nearest-rank (docs/semantics.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Durations {
    pub count: u64,
    pub median_seconds: f64,
    pub p90_seconds: f64,
    pub mean_seconds: f64,
    /// The 25th, 75th, 95th and 99th percentiles: absent only in results written before they
    /// were (a baseline read back by `journey compare`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p25_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p75_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_seconds: Option<f64>,
    /// Contacts per duration bucket, in [`super::metrics::HISTOGRAM_BUCKETS`] order.
    pub histogram: Vec<Bucket>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bucket {
    /// Inclusive lower bound, seconds.
    pub from_seconds: u64,
    /// Exclusive upper bound, seconds; null for the last bucket.
    pub to_seconds: Option<u64>,
    pub contacts: u64,
}

/// An instant (microseconds since the epoch) as RFC 3339, UTC.
pub fn rfc3339(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| micros.to_string())
}

/// Now, or SOURCE_DATE_EPOCH (seconds) when set, so files can be reproduced byte for byte.
pub fn computed_at() -> String {
    let micros = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(|s| s * 1_000_000)
        .unwrap_or_else(|| chrono::Utc::now().timestamp_micros());
    let secs = micros.div_euclid(1_000_000) * 1_000_000;
    rfc3339(secs)
}
