//! Contact lists: the contacts that reached a stage (or dropped off after it), with the reach
//! time of every stage they reached — the list a marketer exports to act on.

use super::csv_field;
use crate::diagnostics::Diagnostic;
use crate::engine::reach::ContactReach;
use crate::run::results::rfc3339;
use datafusion::arrow::array::{
    ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

/// The forms of a contact list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns, for a terminal.
    Table,
    Csv,
    Json,
    Parquet,
}

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
    format: ListFormat,
) -> Result<Vec<u8>, Diagnostic> {
    let stages = list
        .iter()
        .map(|(_, r)| r.reach.len())
        .max()
        .unwrap_or(0)
        .min(stage_names.len());
    let column = |k: usize| format!("stage_{}_at", k + 1);
    Ok(match format {
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::NOTHING);
            let mut header = vec!["Contact".to_string(), "Depth".to_string()];
            header.extend((0..stages).map(|k| format!("Stage {} at", k + 1)));
            table.set_header(header);
            for (c, r) in list {
                let mut row = vec![c.clone(), r.reach.len().to_string()];
                row.extend((0..stages).map(|k| match r.reach.get(k) {
                    Some(Some(t)) => rfc3339(*t),
                    _ => String::new(),
                }));
                table.add_row(row);
            }
            let mut out = String::new();
            for line in table.to_string().lines() {
                out.push_str(line.trim_end());
                out.push('\n');
            }
            out.push_str(&format!("{} contacts\n", list.len()));
            out.into_bytes()
        }
        ListFormat::Csv => {
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
        ListFormat::Json => {
            // Ids are numbers when every one is (the list is then sorted numerically too).
            let numeric = list.iter().all(|(c, _)| c.parse::<i64>().is_ok());
            let id = |c: &str| match c.parse::<i64>() {
                Ok(n) if numeric => serde_json::json!(n),
                _ => serde_json::json!(c),
            };
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
                    serde_json::json!({"contact": id(c), "depth": r.reach.len(), "reached": reached})
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&rows)
                .map_err(|e| Diagnostic::new("J5003", format!("cannot encode the list: {e}")))?;
            text.push('\n');
            text.into_bytes()
        }
        ListFormat::Parquet => parquet(list, stages)?,
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
