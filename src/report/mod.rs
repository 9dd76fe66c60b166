//! Stage 5: funnel results → a terminal table, JSON, CSV or Parquet.

pub mod compare;
pub mod contacts;
pub mod html;
mod table;

use crate::diagnostics::Diagnostic;
use crate::run::results::{Durations, JourneyResult};
use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use std::sync::Arc;

pub use table::{table, thousands};

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

/// One row per journey and stage.
fn rows(results: &[JourneyResult]) -> Vec<Vec<String>> {
    let f = |v: Option<f64>| v.map(|x| format!("{x:.6}")).unwrap_or_default();
    let d = |v: &Option<Durations>, pick: fn(&Durations) -> f64| {
        v.as_ref()
            .map(|x| format!("{}", pick(x)))
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for r in results {
        // The whole funnel, then each breakdown group (named by its value).
        let mut parts: Vec<(String, &[crate::run::results::StageResult])> =
            vec![(String::new(), &r.stages)];
        if let Some(b) = &r.breakdown {
            for g in &b.groups {
                parts.push((format!("{}={}", b.column, g.label()), &g.stages));
            }
        }
        for (group, stages) in parts {
            for s in stages {
                let t = &s.time_to_convert;
                out.push(vec![
                    r.journey.clone(),
                    group.clone(),
                    s.number.to_string(),
                    s.name.clone(),
                    s.segment.clone().unwrap_or_default(),
                    s.reached.to_string(),
                    f(s.conversion),
                    f(s.overall),
                    s.dropped.map(|x| x.to_string()).unwrap_or_default(),
                    f(s.dropped_rate),
                    s.kpi.map(|x| x.to_string()).unwrap_or_default(),
                    f(s.kpi_progress),
                    d(&t.from_previous, |x| x.median_seconds),
                    d(&t.from_previous, |x| x.p90_seconds),
                    d(&t.from_previous, |x| x.mean_seconds),
                    d(&t.from_first, |x| x.median_seconds),
                    d(&t.from_first, |x| x.p90_seconds),
                    d(&t.from_first, |x| x.mean_seconds),
                ]);
            }
        }
    }
    out
}

const COLUMNS: [&str; 18] = [
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
    "ttc_first_median_s",
    "ttc_first_p90_s",
    "ttc_first_mean_s",
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
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for row in rows(results) {
        out.push_str(
            &row.iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

fn parquet(results: &[JourneyResult]) -> Result<Vec<u8>, Diagnostic> {
    let rows = rows(results);
    let numeric = |i: usize| !matches!(COLUMNS[i], "journey" | "breakdown" | "name" | "segment");
    let counts = |i: usize| matches!(COLUMNS[i], "stage" | "reached" | "dropped" | "kpi");
    let fields: Vec<Field> = (0..COLUMNS.len())
        .map(|i| {
            let t = if !numeric(i) {
                DataType::Utf8
            } else if counts(i) {
                DataType::UInt64
            } else {
                DataType::Float64
            };
            Field::new(COLUMNS[i], t, true)
        })
        .collect();
    let columns: Vec<ArrayRef> = (0..COLUMNS.len())
        .map(|i| -> ArrayRef {
            let cells = rows.iter().map(|r| r[i].as_str());
            if !numeric(i) {
                Arc::new(StringArray::from_iter(
                    cells.map(|c| (!c.is_empty() || i == 0).then_some(c)),
                ))
            } else if counts(i) {
                Arc::new(UInt64Array::from_iter(cells.map(|c| c.parse::<u64>().ok())))
            } else {
                Arc::new(Float64Array::from_iter(
                    cells.map(|c| c.parse::<f64>().ok()),
                ))
            }
        })
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
    match (s.no_contact, s.no_time) {
        (0, t) => format!("{} rows without a usable time", thousands(t)),
        (c, 0) => format!("{} rows without a contact id", thousands(c)),
        (c, t) => format!(
            "{} rows ({} without a contact id, {} without a usable time)",
            thousands(c + t),
            thousands(c),
            thousands(t)
        ),
    }
}
