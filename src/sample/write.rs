//! Writing activity tables as Parquet (ZSTD), CSV or NDJSON, chosen by the file's extension,
//! atomically: a temporary file, then a rename.

use crate::diagnostics::Diagnostic;
use crate::io::format::{self, Compression, Format, Kind};
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression as ParquetCompression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use std::path::Path;

pub fn write(path: &Path, batch: &RecordBatch) -> Result<(), Diagnostic> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let err = |e: String| Diagnostic::new("J5003", format!("cannot write {}: {e}", path.display()));
    let mut buf: Vec<u8> = Vec::new();
    // The names journey reads are the names it writes (io::format).
    match format::kind(&name) {
        Kind::Data(Format::Parquet, Compression::None) => {
            let props = WriterProperties::builder()
                .set_compression(ParquetCompression::ZSTD(
                    ZstdLevel::try_new(9).map_err(|e| err(e.to_string()))?,
                ))
                .set_max_row_group_row_count(Some(64 * 1024))
                .build();
            let mut w = ArrowWriter::try_new(&mut buf, batch.schema(), Some(props))
                .map_err(|e| err(e.to_string()))?;
            w.write(batch).map_err(|e| err(e.to_string()))?;
            w.close().map_err(|e| err(e.to_string()))?;
        }
        Kind::Data(Format::Csv, Compression::None) => {
            let mut w = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut buf);
            w.write(batch).map_err(|e| err(e.to_string()))?;
        }
        Kind::Data(Format::Json, Compression::None) => {
            let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut buf);
            w.write(batch).map_err(|e| err(e.to_string()))?;
            w.finish().map_err(|e| err(e.to_string()))?;
        }
        Kind::Data(Format::Arrow, Compression::None) => {
            let mut w =
                datafusion::arrow::ipc::writer::FileWriter::try_new(&mut buf, &batch.schema())
                    .map_err(|e| err(e.to_string()))?;
            w.write(batch).map_err(|e| err(e.to_string()))?;
            w.finish().map_err(|e| err(e.to_string()))?;
        }
        _ => {
            return Err(Diagnostic::new(
                "J4004",
                format!("cannot tell the format of {}", path.display()),
            )
            .help("end the file name in .parquet, .csv, .json or .arrow (uncompressed)"))
        }
    }
    crate::io::atomic::write_atomic(path, &buf).map_err(|e| Diagnostic::new("J5003", e))
}
