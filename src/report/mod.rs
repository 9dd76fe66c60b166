//! Stage 5: funnel results → a terminal table, JSON, CSV or Parquet.

pub mod compare;
pub mod contacts;
pub mod html;
pub mod kpi;
pub mod paths;
mod table;

use crate::diagnostics::Diagnostic;
use crate::run::results::{Durations, JourneyResult};
use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{Field, Schema};
use std::sync::Arc;

pub use table::{output_width, table, thousands};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Parquet,
    /// A self-contained HTML page with charts (see `journey report`).
    Html,
}

/// Render results in a format (Parquet is binary).
pub fn render(
    results: &[JourneyResult],
    format: Format,
    width: u16,
) -> Result<Vec<u8>, Diagnostic> {
    Ok(match format {
        Format::Table => results
            .iter()
            .map(|r| table(r, width))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
        Format::Json => {
            let value = if results.len() == 1 {
                serde_json::to_string_pretty(&results[0])
            } else {
                serde_json::to_string_pretty(results)
            };
            let mut v = value
                .map_err(|e| Diagnostic::new("J5003", format!("cannot encode results: {e}")))?;
            v.push('\n');
            v.into_bytes()
        }
        Format::Csv => csv(results).into_bytes(),
        Format::Parquet => parquet(results)?,
        Format::Html => html::page(results).into_bytes(),
    })
}

/// One row of the CSV and Parquet results: a journey's stage, of the whole funnel or of one
/// breakdown group. Typed, so each output writes the values themselves (a Parquet ratio is the
/// ratio, not its six-decimal text read back).
struct StageRow<'a> {
    journey: &'a str,
    /// `COLUMN=VALUE` of a breakdown group; none for the whole funnel.
    breakdown: Option<String>,
    stage: u64,
    name: &'a str,
    segment: Option<&'a str>,
    reached: u64,
    conversion: Option<f64>,
    overall: Option<f64>,
    dropped: Option<u64>,
    dropped_rate: Option<f64>,
    kpi: Option<u64>,
    kpi_progress: Option<f64>,
    /// Median, p90, mean, p25, p75, p95 and p99 seconds from the previous stage, then the same
    /// from the first.
    ttc: [Option<f64>; 14],
}

fn rows(results: &[JourneyResult]) -> Vec<StageRow<'_>> {
    let d = |v: &Option<Durations>, pick: fn(&Durations) -> f64| v.as_ref().map(pick);
    let e = |v: &Option<Durations>, pick: fn(&Durations) -> Option<f64>| v.as_ref().and_then(pick);
    let mut out = Vec::new();
    for r in results {
        // The whole funnel, then each breakdown group (named by its value).
        let mut parts: Vec<(Option<String>, &[crate::run::results::StageResult])> =
            vec![(None, &r.stages)];
        if let Some(b) = &r.breakdown {
            for g in &b.groups {
                parts.push((Some(format!("{}={}", b.column, g.label())), &g.stages));
            }
        }
        for (group, stages) in parts {
            for s in stages {
                let t = &s.time_to_convert;
                out.push(StageRow {
                    journey: &r.journey,
                    breakdown: group.clone(),
                    stage: s.number as u64,
                    name: &s.name,
                    segment: s.segment.as_deref(),
                    reached: s.reached,
                    conversion: s.conversion,
                    overall: s.overall,
                    dropped: s.dropped,
                    dropped_rate: s.dropped_rate,
                    kpi: s.kpi,
                    kpi_progress: s.kpi_progress,
                    ttc: [
                        d(&t.from_previous, |x| x.median_seconds),
                        d(&t.from_previous, |x| x.p90_seconds),
                        d(&t.from_previous, |x| x.mean_seconds),
                        e(&t.from_previous, |x| x.p25_seconds),
                        e(&t.from_previous, |x| x.p75_seconds),
                        e(&t.from_previous, |x| x.p95_seconds),
                        e(&t.from_previous, |x| x.p99_seconds),
                        d(&t.from_first, |x| x.median_seconds),
                        d(&t.from_first, |x| x.p90_seconds),
                        d(&t.from_first, |x| x.mean_seconds),
                        e(&t.from_first, |x| x.p25_seconds),
                        e(&t.from_first, |x| x.p75_seconds),
                        e(&t.from_first, |x| x.p95_seconds),
                        e(&t.from_first, |x| x.p99_seconds),
                    ],
                });
            }
        }
    }
    out
}

const COLUMNS: [&str; 26] = [
    "journey",
    "breakdown",
    "stage",
    "name",
    "segment",
    "reached",
    "conversion",
    "overall",
    "dropped",
    "dropped_rate",
    "kpi",
    "kpi_progress",
    "ttc_prev_median_s",
    "ttc_prev_p90_s",
    "ttc_prev_mean_s",
    "ttc_prev_p25_s",
    "ttc_prev_p75_s",
    "ttc_prev_p95_s",
    "ttc_prev_p99_s",
    "ttc_first_median_s",
    "ttc_first_p90_s",
    "ttc_first_mean_s",
    "ttc_first_p25_s",
    "ttc_first_p75_s",
    "ttc_first_p95_s",
    "ttc_first_p99_s",
];

/// A CSV cell, quoted when it holds a comma, a quote or a newline.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(results: &[JourneyResult]) -> String {
    // Ratios with six decimals; counts and seconds as they are; empty for none.
    let ratio = |v: Option<f64>| v.map(|x| format!("{x:.6}")).unwrap_or_default();
    let count = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    let seconds = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in rows(results) {
        let mut cells = vec![
            csv_field(r.journey),
            csv_field(r.breakdown.as_deref().unwrap_or_default()),
            r.stage.to_string(),
            csv_field(r.name),
            csv_field(r.segment.unwrap_or_default()),
            r.reached.to_string(),
            ratio(r.conversion),
            ratio(r.overall),
            count(r.dropped),
            ratio(r.dropped_rate),
            count(r.kpi),
            ratio(r.kpi_progress),
        ];
        cells.extend(r.ttc.iter().map(|&t| seconds(t)));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn parquet(results: &[JourneyResult]) -> Result<Vec<u8>, Diagnostic> {
    let rows = rows(results);
    let text = |f: fn(&StageRow) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from_iter(rows.iter().map(f)))
    };
    let count = |f: fn(&StageRow) -> Option<u64>| -> ArrayRef {
        Arc::new(UInt64Array::from_iter(rows.iter().map(f)))
    };
    let number = |f: &dyn Fn(&StageRow) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from_iter(rows.iter().map(f)))
    };
    let mut columns: Vec<ArrayRef> = vec![
        text(|r| Some(r.journey.to_string())),
        text(|r| r.breakdown.clone()),
        count(|r| Some(r.stage)),
        text(|r| Some(r.name.to_string())),
        text(|r| r.segment.map(str::to_string)),
        count(|r| Some(r.reached)),
        number(&|r| r.conversion),
        number(&|r| r.overall),
        count(|r| r.dropped),
        number(&|r| r.dropped_rate),
        count(|r| r.kpi),
        number(&|r| r.kpi_progress),
    ];
    for k in 0..14 {
        columns.push(number(&|r| r.ttc[k]));
    }
    let fields: Vec<Field> = COLUMNS
        .iter()
        .zip(&columns)
        .map(|(name, c)| Field::new(*name, c.data_type().clone(), true))
        .collect();
    let err =
        |e: String| Diagnostic::new("J5003", format!("cannot encode results as Parquet: {e}"));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| err(e.to_string()))?;
    parquet_bytes(&batch)
}

/// A record batch as the bytes of a Parquet file.
pub(crate) fn parquet_bytes(batch: &RecordBatch) -> Result<Vec<u8>, Diagnostic> {
    let err = |e: String| Diagnostic::new("J5003", format!("cannot encode as Parquet: {e}"));
    let mut buf = Vec::new();
    let mut w = datafusion::parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None)
        .map_err(|e| err(e.to_string()))?;
    w.write(batch).map_err(|e| err(e.to_string()))?;
    w.close().map_err(|e| err(e.to_string()))?;
    Ok(buf)
}

/// "3 rows without a usable time", "2 rows without a contact id", or "5 rows (2 without a
/// contact id, 3 without a usable time)".
pub fn skipped_rows_text(s: &crate::run::results::SkippedRows) -> String {
    let reasons: Vec<String> = [
        (s.no_contact, "without a contact id"),
        (s.no_unit, "without a value of the `count by` column"),
        (s.no_time, "without a usable time"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| format!("{} {why}", thousands(*n)))
    .collect();
    match reasons.as_slice() {
        [] => "0 rows".to_string(),
        [one] => {
            let (n, why) = one.split_once(' ').expect("a count and a reason");
            format!("{n} rows {why}")
        }
        many => format!("{} rows ({})", thousands(s.total()), many.join(", ")),
    }
}
