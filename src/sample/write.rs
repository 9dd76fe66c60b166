//! Writing activity tables as Parquet (ZSTD), CSV or NDJSON, chosen by the file's extension,
//! atomically and streaming: batches go to a temporary file in the same folder, renamed over the
//! path when all are written; a failure, or a writer dropped unfinished, leaves no file.

use crate::diagnostics::Diagnostic;
use crate::io::format::{self, Compression, Format, Kind};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression as ParquetCompression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Rows per Parquet row group (and per batch written, so the row groups do not depend on how
/// the rows were cut into batches).
pub const ROW_GROUP: usize = 64 * 1024;

/// Write one batch: [`Writer`] for a single batch.
pub fn write(path: &Path, batch: &RecordBatch) -> Result<(), Diagnostic> {
    let mut w = Writer::create(path, batch.schema())?;
    for start in (0..batch.num_rows()).step_by(ROW_GROUP) {
        w.write(&batch.slice(start, ROW_GROUP.min(batch.num_rows() - start)))?;
    }
    w.finish()
}

enum Inner {
    Parquet(ArrowWriter<BufWriter<File>>),
    Csv(datafusion::arrow::csv::Writer<BufWriter<File>>),
    Json(datafusion::arrow::json::LineDelimitedWriter<BufWriter<File>>),
    Arrow(datafusion::arrow::ipc::writer::FileWriter<BufWriter<File>>),
}

/// A table being written to `path` through a temporary file.
pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    inner: Option<Inner>,
}

impl Writer {
    pub fn create(path: &Path, schema: SchemaRef) -> Result<Writer, Diagnostic> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = format::kind(&name);
        if !matches!(kind, Kind::Data(_, Compression::None)) {
            return Err(Diagnostic::new(
                "J4004",
                format!("cannot tell the format of {}", path.display()),
            )
            .help("end the file name in .parquet, .csv, .json or .arrow (uncompressed)"));
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| err(path, e.to_string()))?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let mut w = Writer {
            path: path.to_path_buf(),
            tmp,
            inner: None,
        };
        // The names journey reads are the names it writes (io::format).
        let inner = match kind {
            Kind::Data(Format::Parquet, _) => {
                let props = WriterProperties::builder()
                    .set_compression(ParquetCompression::ZSTD(
                        ZstdLevel::try_new(9).map_err(|e| err(path, e.to_string()))?,
                    ))
                    .set_max_row_group_row_count(Some(ROW_GROUP))
                    .build();
                Inner::Parquet(
                    ArrowWriter::try_new(out, schema, Some(props))
                        .map_err(|e| err(path, e.to_string()))?,
                )
            }
            Kind::Data(Format::Csv, _) => Inner::Csv(
                datafusion::arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out),
            ),
            Kind::Data(Format::Json, _) => {
                Inner::Json(datafusion::arrow::json::LineDelimitedWriter::new(out))
            }
            _ => Inner::Arrow(
                datafusion::arrow::ipc::writer::FileWriter::try_new(out, &schema)
                    .map_err(|e| err(path, e.to_string()))?,
            ),
        };
        w.inner = Some(inner);
        Ok(w)
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Diagnostic> {
        let result = match self.inner.as_mut() {
            Some(Inner::Parquet(w)) => w.write(batch).map_err(|e| e.to_string()),
            Some(Inner::Csv(w)) => w.write(batch).map_err(|e| e.to_string()),
            Some(Inner::Json(w)) => w.write(batch).map_err(|e| e.to_string()),
            Some(Inner::Arrow(w)) => w.write(batch).map_err(|e| e.to_string()),
            None => Ok(()),
        };
        result.map_err(|e| err(&self.path, e))
    }

    /// Close the file and put it in place.
    pub fn finish(mut self) -> Result<(), Diagnostic> {
        use std::io::Write;
        let path = self.path.clone();
        let out: Result<BufWriter<File>, String> = match self.inner.take() {
            Some(Inner::Parquet(w)) => w.into_inner().map_err(|e| e.to_string()),
            Some(Inner::Csv(w)) => Ok(w.into_inner()),
            Some(Inner::Json(mut w)) => w
                .finish()
                .map_err(|e| e.to_string())
                .map(|_| w.into_inner()),
            Some(Inner::Arrow(mut w)) => w
                .finish()
                .map_err(|e| e.to_string())
                .and_then(|_| w.into_inner().map_err(|e| e.to_string())),
            None => return Err(err(&path, "already finished".into())),
        };
        let done = out.and_then(|mut b| {
            b.flush().map_err(|e| e.to_string())?;
            let f = b.into_inner().map_err(|e| e.to_string())?;
            f.sync_all().map_err(|e| e.to_string())?;
            std::fs::rename(&self.tmp, &self.path).map_err(|e| e.to_string())
        });
        done.map_err(|e| err(&path, e))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Unfinished (an error on the way): no half-written file stays behind.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

fn err(path: &Path, e: String) -> Diagnostic {
    Diagnostic::new("J5003", format!("cannot write {}: {e}", path.display()))
}
