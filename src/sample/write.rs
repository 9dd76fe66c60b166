//! Writing activity tables as Parquet (ZSTD), CSV or NDJSON, chosen by the file's extension,
//! atomically: a temporary file, then a rename.

use crate::diagnostics::Diagnostic;
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use std::path::Path;

pub fn write(path: &Path, batch: &RecordBatch) -> Result<(), Diagnostic> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let err = |e: String| Diagnostic::new("J5003", format!("cannot write {}: {e}", path.display()));
    let mut buf: Vec<u8> = Vec::new();
    if name.ends_with(".parquet") {
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(9).map_err(|e| err(e.to_string()))?,
            ))
            .set_max_row_group_row_count(Some(64 * 1024))
            .build();
        let mut w = ArrowWriter::try_new(&mut buf, batch.schema(), Some(props))
            .map_err(|e| err(e.to_string()))?;
        w.write(batch).map_err(|e| err(e.to_string()))?;
        w.close().map_err(|e| err(e.to_string()))?;
    } else if name.ends_with(".csv") {
        let mut w = datafusion::arrow::csv::WriterBuilder::new()
            .with_header(true)
            .build(&mut buf);
        w.write(batch).map_err(|e| err(e.to_string()))?;
    } else if name.ends_with(".json") || name.ends_with(".ndjson") || name.ends_with(".jsonl") {
        let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut buf);
        w.write(batch).map_err(|e| err(e.to_string()))?;
        w.finish().map_err(|e| err(e.to_string()))?;
    } else if name.ends_with(".arrow") || name.ends_with(".ipc") {
        let mut w = datafusion::arrow::ipc::writer::FileWriter::try_new(&mut buf, &batch.schema())
            .map_err(|e| err(e.to_string()))?;
        w.write(batch).map_err(|e| err(e.to_string()))?;
        w.finish().map_err(|e| err(e.to_string()))?;
    } else {
        return Err(Diagnostic::new(
            "J4004",
            format!("cannot tell the format of {}", path.display()),
        )
        .help("end the file name in .parquet, .csv, .json or .arrow"));
    }
    crate::io::atomic::write_atomic(path, &buf).map_err(|e| Diagnostic::new("J5003", e))
}
