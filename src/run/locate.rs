//! Where in the data a failure comes from. A run reads its files together, and DataFusion's
//! errors do not say which file a bad value was in; so after a failure, journey reads the files
//! one at a time, each exactly as in the whole run, until one fails the same way — then it
//! names that file, and the row (or line) where it can. Only failed runs pay for this.

use super::errors::ExecError;
use super::results::SkippedRows;
use super::{pass, plan, session, RunOptions, Source};
use crate::config::Config;
use crate::data::{DataSet, TABLE};
use crate::diagnostics::Diagnostic;
use crate::io::format::Format;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::logical_expr::Expr;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

/// Rows that cannot count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bad {
    NoContact,
    NoTime,
}

/// A context reading one file in order: one partition, no file split into ranges, so rows
/// arrive in the file's order and a reader's line numbers count from the file's start.
fn one_file(data: &DataSet, i: usize) -> Result<SessionContext, Diagnostic> {
    let ctx = session(1);
    ctx.state_ref()
        .write()
        .config_mut()
        .options_mut()
        .optimizer
        .repartition_file_scans = false;
    data.register_only(&ctx, i)?;
    Ok(ctx)
}

/// `d`, the failure of a whole run, pinned to the first file that fails alone.
pub(super) async fn failure(
    d: Diagnostic,
    data: &DataSet,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Diagnostic {
    if d.location.is_some() {
        return d;
    }
    for (i, f) in data.files().iter().enumerate() {
        let Ok(ctx) = one_file(data, i) else {
            continue;
        };
        let mut lowered = Vec::new();
        for s in sources {
            match plan(&ctx, data, config, s.journey, options).await {
                Ok(l) => lowered.push(l),
                Err(_) => return d,
            }
        }
        let scan = match ctx.table(TABLE).await {
            Ok(t) => t.logical_plan().clone(),
            Err(_) => return d,
        };
        let pieces: Vec<&crate::lower::Pieces> = lowered.iter().map(|l| &l.pieces).collect();
        let Ok(planned) = crate::lower::pass::pass(&pieces, scan) else {
            return d;
        };
        let Err(e) = pass::execute(&ctx, &planned, 1).await else {
            continue;
        };
        let kind = ExecError::of(&e);
        let mut one = kind
            .diagnostic(&e, &f.path.display().to_string(), config)
            .in_data(&f.path, None);
        if let ExecError::CsvValue(p) = &kind {
            // The CSV reader numbers data rows (its "line 1" is the row after the header).
            let column = data
                .reader_columns(i)
                .get(p.column)
                .cloned()
                .unwrap_or_else(|| format!("#{}", p.column + 1));
            one = Diagnostic::new(
                "J4002",
                format!(
                    "value `{}` of column `{column}` in {} is not of the column's type, {}",
                    p.value,
                    f.path.display(),
                    p.ty
                ),
            )
            .in_data(&f.path, Some(p.row))
            .at_line(p.row + 1, None)
            .help(format!(
                "journey took the type from the file's first rows; declare it in journey.toml (`[types]` then `{column} = \"text\"`, or the type it has), or fix the value"
            ));
        } else if let Some(line) = reader_line(&e.to_string()) {
            one = one.at_line(line, None);
        } else if one.code == "J5002" {
            // A time that does not read: find its row with the lenient reading.
            if let Some(row) = first_bad_row(data, i, Bad::NoTime, options, config, sources).await {
                one = at_row(one, f, row);
            }
        }
        return one;
    }
    d
}

/// The line a CSV reader's message names ("… at line 17 …").
fn reader_line(message: &str) -> Option<u64> {
    let at = message.find(" at line ")? + " at line ".len();
    let digits: String = message[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// `d` (rows that cannot count, found by the whole run) pinned to the first such row.
pub(super) async fn bad_row(
    d: Diagnostic,
    what: Bad,
    data: &DataSet,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Diagnostic {
    for i in 0..data.files().len() {
        if let Some(row) = first_bad_row(data, i, what, options, config, sources).await {
            return at_row(d, &data.files()[i], row);
        }
    }
    d
}

/// `d` pinned to row `row` of file `f`, and its line where rows are lines: one per row in CSV
/// (after its header) and NDJSON, as journey reads them.
fn at_row(d: Diagnostic, f: &crate::io::listing::DataFile, row: u64) -> Diagnostic {
    let d = d.in_data(&f.path, Some(row));
    match f.format {
        Format::Csv => d.at_line(row + 1, None),
        Format::Json => d.at_line(row, None),
        _ => d,
    }
}

/// The first row (from 1) of file `i` that cannot count for `what`.
async fn first_bad_row(
    data: &DataSet,
    i: usize,
    what: Bad,
    options: &RunOptions,
    config: &Config,
    sources: &[Source<'_>],
) -> Option<u64> {
    let source = sources.first()?;
    let ctx = one_file(data, i).ok()?;
    let lenient = RunOptions {
        skip_bad_rows: true,
        ..options.clone()
    };
    let lowered = plan(&ctx, data, config, source.journey, &lenient)
        .await
        .ok()?;
    let test: Expr = match what {
        Bad::NoContact => lowered.unplaced(),
        Bad::NoTime => lowered
            .contact()
            .is_not_null()
            .and(lowered.time().is_null()),
    };
    let df = ctx
        .table(TABLE)
        .await
        .ok()?
        .select(vec![test.alias("bad")])
        .ok()?;
    let mut stream = df.execute_stream().await.ok()?;
    let mut offset = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch.ok()?;
        let bad = batch.column(0).as_boolean();
        if let Some(k) = (0..bad.len()).find(|&k| bad.is_valid(k) && bad.value(k)) {
            return Some(offset + k as u64 + 1);
        }
        offset += batch.num_rows() as u64;
    }
    None
}

/// Rows that cannot count fail the run unless `--on-bad-rows skip` (J5004 without a contact,
/// J5002 without a usable time), naming the first file and row.
pub(super) async fn bad_rows(
    skipped: &SkippedRows,
    data: &DataSet,
    options: &RunOptions,
    config: &Config,
    source: &Source<'_>,
    label: &str,
) -> Result<(), Diagnostic> {
    if options.skip_bad_rows || !skipped.must_fail() {
        return Ok(());
    }
    let fix = "fix the export, or pass --on-bad-rows skip to leave those rows out (they are counted in the result)";
    let (d, what) = if skipped.no_contact > 0 {
        (
            Diagnostic::new(
                "J5004",
                format!(
                    "{} rows have no contact id in column `{}` ({label})",
                    skipped.no_contact, config.columns.contact
                ),
            )
            .help(fix),
            Bad::NoContact,
        )
    } else {
        (
            Diagnostic::new(
                "J5002",
                format!(
                    "{} rows have no usable time in column `{}` ({label})",
                    skipped.no_time, config.columns.time
                ),
            )
            .help(fix),
            Bad::NoTime,
        )
    };
    Err(bad_row(d, what, data, options, config, std::slice::from_ref(source)).await)
}
