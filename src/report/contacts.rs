//! Contact lists: the contacts that reached a stage (or dropped off after it), with the reach
//! time of every stage they reached — the list a marketer exports to act on.

use super::{csv_field, Format};
use crate::diagnostics::Diagnostic;
use crate::engine::reach::ContactReach;
use crate::run::results::rfc3339;
use datafusion::arrow::array::{
    ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

/// One contact of a list: its id and reach times (stage 1 first).
pub type Entry = (String, ContactReach);

/// The contacts of `all` that reached `stage` (1-based); with `dropped`, only those that did
/// not reach the next required stage (`optional[k]` says which stages are optional).
pub fn select(all: Vec<Entry>, stage: usize, dropped: bool, optional: &[bool]) -> Vec<Entry> {
    let k = stage - 1;
    let next = (k + 1..optional.len()).find(|&n| !optional[n]);
    all.into_iter()
        .filter(|(_, r)| r.reached(k) && (!dropped || !next.is_some_and(|n| r.reached(n))))
        .collect()
}

/// Render a list with one reach-time column per stage up to `stages`.
pub fn render(
    list: &[Entry],
    stage_names: &[String],
    format: Format,
) -> Result<Vec<u8>, Diagnostic> {
    let stages = list
        .iter()
        .map(|(_, r)| r.reach.len())
        .max()
        .unwrap_or(0)
        .min(stage_names.len());
    let column = |k: usize| format!("stage_{}_at", k + 1);
    Ok(match format {
        Format::Html => {
            return Err(Diagnostic::new(
                "J5003",
                "contact lists have no HTML form; use --format csv, json or parquet",
            ))
        }
        Format::Csv | Format::Table => {
            let mut out = String::from("contact,depth");
            for k in 0..stages {
                out.push(',');
                out.push_str(&column(k));
            }
            out.push('\n');
            for (c, r) in list {
                out.push_str(&csv_field(c));
                out.push_str(&format!(",{}", r.reach.len()));
                for k in 0..stages {
                    out.push(',');
                    if let Some(Some(t)) = r.reach.get(k) {
                        out.push_str(&rfc3339(*t));
                    }
                }
                out.push('\n');
            }
            out.into_bytes()
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = list
                .iter()
                .map(|(c, r)| {
                    let reached: Vec<serde_json::Value> = r
                        .reach
                        .iter()
                        .take(stages)
                        .enumerate()
                        .filter_map(|(k, t)| t.map(|t| serde_json::json!({"stage": k + 1, "name": stage_names[k], "at": rfc3339(t)})))
                        .collect();
                    serde_json::json!({"contact": c, "depth": r.reach.len(), "reached": reached})
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&rows)
                .map_err(|e| Diagnostic::new("J5003", format!("cannot encode the list: {e}")))?;
            text.push('\n');
            text.into_bytes()
        }
        Format::Parquet => parquet(list, stages)?,
    })
}

fn parquet(list: &[Entry], stages: usize) -> Result<Vec<u8>, Diagnostic> {
    let err =
        |e: String| Diagnostic::new("J5003", format!("cannot encode the list as Parquet: {e}"));
    let mut fields = vec![
        Field::new("contact", DataType::Utf8, false),
        Field::new("depth", DataType::UInt32, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            list.iter().map(|(c, _)| c.as_str()),
        )),
        Arc::new(UInt32Array::from_iter_values(
            list.iter().map(|(_, r)| r.reach.len() as u32),
        )),
    ];
    for k in 0..stages {
        fields.push(Field::new(
            format!("stage_{}_at", k + 1),
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ));
        columns.push(Arc::new(
            TimestampMicrosecondArray::from_iter(
                list.iter().map(|(_, r)| r.reach.get(k).copied().flatten()),
            )
            .with_timezone("UTC"),
        ));
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| err(e.to_string()))?;
    super::parquet_bytes(&batch)
}
