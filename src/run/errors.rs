//! What can go wrong running journeys over data, as types: each kind of failure has its code, and
//! a failure of journey itself (`Diagnostic::internal`, J5005) is never confused with bad data.
//!
//! A DataFusion error is sorted by its variants (Arrow's parse, cast and CSV errors, journey's own
//! time error, I/O), never by searching its text for words. Arrow's errors carry their details
//! only as text, so the value, column and line of a CSV parse error are read from it once the
//! kind is known.

use crate::config::Config;
use crate::data::time::TimeError;
use crate::diagnostics::{one_line, Diagnostic};
use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;

/// A failure, with the journey (index into the sources) it is about, when it is about one.
#[derive(Debug)]
pub struct Failure {
    pub journey: Option<usize>,
    pub diagnostic: Diagnostic,
}

impl From<Diagnostic> for Failure {
    fn from(diagnostic: Diagnostic) -> Self {
        Failure {
            journey: None,
            diagnostic,
        }
    }
}

/// A failure is its diagnostic, plus where it belongs.
impl std::ops::Deref for Failure {
    type Target = Diagnostic;
    fn deref(&self) -> &Diagnostic {
        &self.diagnostic
    }
}

/// A CSV value that does not parse as its column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvValue {
    pub value: String,
    pub ty: String,
    /// The column's index in the file.
    pub column: usize,
    /// The data row, from 1 (the CSV reader's "line", which does not count the header).
    pub row: u64,
}

/// What failed while executing a plan over the data.
#[derive(Debug)]
pub enum ExecError {
    /// A time in the declared format that does not match it (J5002).
    TimeFormat(TimeError),
    /// A time value that is not a timestamp (J5002).
    Timestamp,
    /// A CSV value that does not parse as its column's type (J4002).
    CsvValue(CsvValue),
    /// A text value the journey compares as a number that is none (J4002).
    NotANumber(String),
    /// The data cannot be read: damaged, not of its format, an I/O failure (J5001).
    Read,
    /// The run needs more memory than its limit (J5006).
    Memory,
    /// journey itself failed (J5005).
    Internal,
}

impl ExecError {
    /// The kind of a DataFusion error.
    pub fn of(e: &DataFusionError) -> ExecError {
        match e {
            DataFusionError::External(inner) => match inner.downcast_ref::<TimeError>() {
                Some(t) => ExecError::TimeFormat(t.clone()),
                None => match inner.downcast_ref::<DataFusionError>() {
                    Some(d) => ExecError::of(d),
                    None => ExecError::Read,
                },
            },
            DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
                ExecError::of(inner)
            }
            DataFusionError::Shared(inner) => ExecError::of(inner),
            DataFusionError::ArrowError(inner, _) => ExecError::of_arrow(inner),
            DataFusionError::Internal(_) => ExecError::Internal,
            DataFusionError::ResourcesExhausted(_) => ExecError::Memory,
            _ => ExecError::Read,
        }
    }

    fn of_arrow(e: &ArrowError) -> ExecError {
        match e {
            ArrowError::ExternalError(x) => match x.downcast_ref::<TimeError>() {
                Some(t) => ExecError::TimeFormat(t.clone()),
                None => match x.downcast_ref::<DataFusionError>() {
                    Some(d) => ExecError::of(d),
                    None => ExecError::Read,
                },
            },
            ArrowError::ParseError(m) => match csv_value(m) {
                Some(v) => ExecError::CsvValue(v),
                // The one column journey parses as a time.
                None if m.starts_with("Error parsing timestamp") => ExecError::Timestamp,
                None => ExecError::Read,
            },
            ArrowError::CastError(m) if m.contains("Timestamp") => ExecError::Timestamp,
            ArrowError::CastError(m) => match m.strip_prefix("Cannot cast string '") {
                // The one other text journey casts: a column compared with a number.
                Some(rest) => {
                    ExecError::NotANumber(rest.chars().take_while(|&c| c != '\'').collect())
                }
                None => ExecError::Read,
            },
            _ => ExecError::Read,
        }
    }

    /// The coded diagnostic, naming the data (`label`) and the fix; `e` is the error itself, for
    /// what the reader said.
    pub fn diagnostic(&self, e: &DataFusionError, label: &str, config: &Config) -> Diagnostic {
        let said = one_line(&e.to_string());
        let time = &config.columns.time;
        match self {
            ExecError::TimeFormat(t) => Diagnostic::new(
                "J5002",
                format!("a value of column `{time}` is not a time ({label}): {t}"),
            )
            .help("fix the value, or the [time] format in journey.toml; --on-bad-rows skip leaves such rows out (counted in the result)"),
            ExecError::Timestamp => Diagnostic::new(
                "J5002",
                format!("a value of column `{time}` is not a timestamp ({label})"),
            )
            .help(format!(
                "times must be ISO-8601 (2025-09-01T10:30:00Z), timestamps or epoch numbers, or declare their format in journey.toml ([time] format = \"%d.%m.%Y %H:%M:%S\"); the reader said: {said}"
            )),
            ExecError::CsvValue(v) => Diagnostic::new(
                "J4002",
                format!(
                    "value `{}` of column #{} in {label} is not of the column's type, {}",
                    v.value,
                    v.column + 1,
                    v.ty
                ),
            )
            .help("journey took the type from the file's first rows; declare it in journey.toml ([types]), or fix the value"),
            ExecError::NotANumber(value) => Diagnostic::new(
                "J4002",
                format!("a value the journey compares as a number is not a number ({label}): `{value}`"),
            )
            .help("fix the value in the export, declare the column's type in journey.toml ([types]), or compare it as text (`= \"…\"`)"),
            ExecError::Read => Diagnostic::new(
                "J5001",
                format!("cannot read the data ({label}): {said}"),
            )
            .help("check that the files are complete and of the format their extension says"),
            ExecError::Memory => memory(label, None, &said),
            ExecError::Internal => Diagnostic::internal(said),
        }
    }
}

/// J5006: the run does not fit in `limit` bytes (when known).
pub fn memory(label: &str, limit: Option<u64>, said: &str) -> Diagnostic {
    let limit = match limit {
        Some(n) => format!("its memory limit, {}", size(n)),
        None => "its memory limit".to_string(),
    };
    Diagnostic::new(
        "J5006",
        format!("the run over {label} does not fit in {limit}: {said}"),
    )
    .help("raise --memory-limit (or [run] memory_limit in journey.toml): what does not fit is sorted on disk, but one contact's activities must fit at once")
}

/// 268435456 → "256 MiB".
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Turn an execution error into a coded diagnostic naming the data and the fix.
pub fn execution_error(e: DataFusionError, label: &str, config: &Config) -> Diagnostic {
    ExecError::of(&e).diagnostic(&e, label, config)
}

/// The details of the CSV reader's "Error while parsing value 'C-1200' as type 'Int64' for
/// column 1 at line 1200" (its line counts data rows).
fn csv_value(message: &str) -> Option<CsvValue> {
    let rest = &message[message.find("Error while parsing value '")? + 27..];
    let (value, rest) = rest.split_once("' as type '")?;
    let (ty, rest) = rest.split_once("' for column ")?;
    let (column, rest) = rest.split_once(" at line ")?;
    let row: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some(CsvValue {
        value: value.to_string(),
        ty: ty.to_string(),
        column: column.trim().parse().ok()?,
        row: row.parse().ok()?,
    })
}
