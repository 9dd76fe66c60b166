//! `journey sample` in bounded memory: generate a chunk, sort it, spill it to a temporary Arrow
//! file; then merge the chunks into the output. The rows, their order and their ids are those
//! of [`super::generate`] (a test compares them): a chunk is sorted by (time, contact) stably,
//! as the whole is, and the merge breaks ties by generation order, which the spilled rows carry
//! in their `activity_id` column until the output numbers them.

use super::write::{Writer, ROW_GROUP};
use super::{batch, schema, Activity, Gen, Options, Rng};
use crate::diagnostics::Diagnostic;
use datafusion::arrow::array::{
    Array, AsArray, Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{Int64Type, TimestampMicrosecondType};
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Spilled chunks, removed however the run ends.
struct Spill {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(super) fn write(o: &Options, path: &Path, chunk: usize) -> Result<usize, Diagnostic> {
    let fail =
        |e: String| Diagnostic::new("J5003", format!("cannot write {}: {e}", path.display()));
    let dir = std::env::temp_dir().join(format!(
        "journey-sample-spill-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| fail(format!("a temporary folder: {e}")))?;
    let mut spill = Spill {
        dir,
        files: Vec::new(),
    };
    let mut g = Gen {
        rng: Rng(o.seed ^ 0x006A_6F75_726E_6579),
        out: Vec::with_capacity(chunk.min(1 << 24) + 64),
        flushed: 0,
        chunk,
    };
    let mut to_disk = |rows: &mut Vec<Activity>, first: usize| -> Result<(), String> {
        let file = spill.dir.join(format!("chunk-{}.arrow", spill.files.len()));
        spill_chunk(rows, first, &file)?;
        spill.files.push(file);
        Ok(())
    };
    g.run(o, &mut to_disk).map_err(fail)?;
    // The last rows, as a chunk of their own.
    g.out.truncate(o.rows.saturating_sub(g.flushed));
    let first = g.flushed;
    to_disk(&mut g.out, first).map_err(fail)?;
    let spilled = g.flushed + g.out.len();
    drop(g);
    let written = merge(&spill.files, path)?;
    if written != spilled {
        return Err(Diagnostic::internal(format!(
            "the sample generated {spilled} activities and wrote {written}"
        )));
    }
    Ok(written)
}

/// Sort one chunk as the whole is sorted and write it; `activity_id` holds each row's place in
/// generation order (from 1), to break ties in the merge.
fn spill_chunk(rows: &mut [Activity], first: usize, file: &Path) -> Result<(), String> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_by_key(|&i| (rows[i as usize].time, rows[i as usize].contact));
    let sorted: Vec<Activity> = order
        .iter()
        .map(|&i| std::mem::take(&mut rows[i as usize]))
        .collect();
    let f = File::create(file).map_err(|e| e.to_string())?;
    let mut w =
        FileWriter::try_new(BufWriter::new(f), &Arc::new(schema())).map_err(|e| e.to_string())?;
    for (k, part) in sorted.chunks(ROW_GROUP).enumerate() {
        let start = k * ROW_GROUP;
        let mut b = batch(part, 0);
        // Generation order: the row's place before sorting.
        let seq: Vec<i64> = order[start..start + part.len()]
            .iter()
            .map(|&i| (first + i as usize + 1) as i64)
            .collect();
        let mut columns = b.columns().to_vec();
        columns[0] = Arc::new(datafusion::arrow::array::Int64Array::from(seq));
        b = RecordBatch::try_new(b.schema(), columns).map_err(|e| e.to_string())?;
        w.write(&b).map_err(|e| e.to_string())?;
    }
    w.finish().map_err(|e| e.to_string())
}

/// One chunk being read: its current batch and row.
struct Cursor {
    reader: FileReader<BufReader<File>>,
    batch: RecordBatch,
    row: usize,
}

impl Cursor {
    fn key(&self) -> (i64, i64, i64) {
        let b = &self.batch;
        (
            b.column(2)
                .as_primitive::<TimestampMicrosecondType>()
                .value(self.row),
            b.column(1).as_primitive::<Int64Type>().value(self.row),
            b.column(0).as_primitive::<Int64Type>().value(self.row),
        )
    }

    /// Move to the next row; false at the chunk's end.
    fn advance(&mut self) -> Result<bool, String> {
        self.row += 1;
        while self.row >= self.batch.num_rows() {
            match self.reader.next() {
                Some(b) => {
                    self.batch = b.map_err(|e| e.to_string())?;
                    self.row = 0;
                }
                None => return Ok(false),
            }
        }
        Ok(true)
    }
}

/// The output's columns being built, a row group at a time.
struct Out {
    id: Int64Builder,
    contact: Int64Builder,
    time: TimestampMicrosecondBuilder,
    text: Vec<StringBuilder>,
    rows: usize,
}

impl Out {
    fn new() -> Out {
        Out {
            id: Int64Builder::with_capacity(ROW_GROUP),
            contact: Int64Builder::with_capacity(ROW_GROUP),
            time: TimestampMicrosecondBuilder::with_capacity(ROW_GROUP).with_timezone("UTC"),
            text: (0..9).map(|_| StringBuilder::new()).collect(),
            rows: 0,
        }
    }

    fn push(&mut self, b: &RecordBatch, row: usize, id: i64) {
        self.id.append_value(id);
        self.contact
            .append_value(b.column(1).as_primitive::<Int64Type>().value(row));
        self.time.append_value(
            b.column(2)
                .as_primitive::<TimestampMicrosecondType>()
                .value(row),
        );
        for (k, t) in self.text.iter_mut().enumerate() {
            let c = b.column(3 + k).as_string::<i32>();
            if c.is_null(row) {
                t.append_null();
            } else {
                t.append_value(c.value(row));
            }
        }
        self.rows += 1;
    }

    fn take(&mut self) -> Result<RecordBatch, String> {
        let mut columns: Vec<Arc<dyn Array>> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.contact.finish()),
            Arc::new(self.time.finish().with_timezone("UTC")),
        ];
        for t in &mut self.text {
            columns.push(Arc::new(t.finish()));
        }
        self.rows = 0;
        RecordBatch::try_new(Arc::new(schema()), columns).map_err(|e| e.to_string())
    }
}

fn merge(files: &[PathBuf], path: &Path) -> Result<usize, Diagnostic> {
    let fail =
        |e: String| Diagnostic::new("J5003", format!("cannot write {}: {e}", path.display()));
    let mut cursors = Vec::new();
    for f in files {
        let file = File::open(f).map_err(|e| fail(e.to_string()))?;
        let mut reader =
            FileReader::try_new(BufReader::new(file), None).map_err(|e| fail(e.to_string()))?;
        // The chunk's first non-empty batch (a chunk without rows has none).
        while let Some(b) = reader.next() {
            let batch = b.map_err(|e| fail(e.to_string()))?;
            if batch.num_rows() > 0 {
                cursors.push(Cursor {
                    reader,
                    batch,
                    row: 0,
                });
                break;
            }
        }
    }
    let mut heap: BinaryHeap<Reverse<((i64, i64, i64), usize)>> = cursors
        .iter()
        .enumerate()
        .map(|(i, c)| Reverse((c.key(), i)))
        .collect();
    let mut w = Writer::create(path, Arc::new(schema()))?;
    let mut out = Out::new();
    let mut written = 0usize;
    while let Some(Reverse((_, i))) = heap.pop() {
        let c = &mut cursors[i];
        written += 1;
        out.push(&c.batch, c.row, written as i64);
        if c.advance().map_err(fail)? {
            heap.push(Reverse((c.key(), i)));
        }
        if out.rows == ROW_GROUP {
            w.write(&out.take().map_err(fail)?)?;
        }
    }
    if out.rows > 0 {
        w.write(&out.take().map_err(fail)?)?;
    }
    w.finish()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::super::{generate, write as write_batch, Options};

    #[test]
    fn streamed_in_chunks_is_byte_for_byte_the_sample_written_at_once() {
        let dir =
            std::env::temp_dir().join(format!("journey-sample-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (rows, contacts, chunk) in [
            (20_000, 2_000, 1_000),
            (5_000, 50, 777),
            (3_000, 300, 1 << 19),
        ] {
            let o = Options {
                rows,
                contacts,
                seed: 3,
            };
            for ext in ["parquet", "csv"] {
                let whole = dir.join(format!("whole.{ext}"));
                let streamed = dir.join(format!("streamed.{ext}"));
                write_batch(&whole, &generate(&o)).unwrap();
                assert_eq!(super::write(&o, &streamed, chunk).unwrap(), rows);
                assert!(
                    std::fs::read(&whole).unwrap() == std::fs::read(&streamed).unwrap(),
                    "{rows} rows in chunks of {chunk}, {ext}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
