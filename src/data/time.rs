//! Times written in a declared format (`[time] format = "%d.%m.%Y %H:%M:%S"` in journey.toml):
//! the function `journey_parse_time(text, format, lenient)`, microseconds since the epoch.
//!
//! A value with a zone in the format (`%z`) is that instant; without one it is UTC, as
//! everywhere in journey; a format with no time of day gives midnight. A value that does not
//! match is an error naming it ([`TimeError`]), or NULL when `lenient` (`--on-bad-rows skip`),
//! then counted as a row without a usable time.

use datafusion::arrow::array::{Array, AsArray, Int64Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    cast, lit, ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use std::sync::Arc;

pub const NAME: &str = "journey_parse_time";

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseTime {
    signature: Signature,
}

impl Default for ParseTime {
    fn default() -> Self {
        ParseTime {
            signature: Signature::exact(
                vec![DataType::Utf8, DataType::Utf8, DataType::Boolean],
                Volatility::Immutable,
            ),
        }
    }
}

/// A time value that does not match the declared format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError {
    pub value: String,
    pub format: String,
}

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` does not match the time format `{}`",
            self.value, self.format
        )
    }
}

impl std::error::Error for TimeError {}

/// The function, for a session (so the SQL `journey explain` shows runs).
pub fn udf() -> ScalarUDF {
    ScalarUDF::from(ParseTime::default())
}

/// `text` (any string column) in `format`, as microseconds.
pub fn parse(text: Expr, format: &str, lenient: bool) -> Expr {
    udf().call(vec![cast(text, DataType::Utf8), lit(format), lit(lenient)])
}

/// One value in microseconds, if it matches.
pub fn micros(value: &str, format: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_str(value, format) {
        return Some(t.timestamp_micros());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(value, format) {
        return Some(t.and_utc().timestamp_micros());
    }
    NaiveDate::parse_from_str(value, format)
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_micros())
}

impl ScalarUDFImpl for ParseTime {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (format, lenient) = match (&args.args[1], &args.args[2]) {
            (
                ColumnarValue::Scalar(ScalarValue::Utf8(Some(f))),
                ColumnarValue::Scalar(ScalarValue::Boolean(Some(l))),
            ) => (f.clone(), *l),
            _ => return exec_err!("{NAME} takes a constant format and flag"),
        };
        let one = |v: Option<&str>| -> Result<Option<i64>> {
            let Some(v) = v else { return Ok(None) };
            match micros(v, &format) {
                Some(m) => Ok(Some(m)),
                None if lenient => Ok(None),
                None => Err(DataFusionError::External(Box::new(TimeError {
                    value: v.to_string(),
                    format: format.clone(),
                }))),
            }
        };
        match &args.args[0] {
            ColumnarValue::Scalar(s) => {
                let v = match s {
                    ScalarValue::Utf8(v) => v.as_deref(),
                    _ => None,
                };
                Ok(ColumnarValue::Scalar(ScalarValue::Int64(one(v)?)))
            }
            ColumnarValue::Array(a) => {
                let texts = a.as_string::<i32>();
                let mut out = Int64Builder::with_capacity(texts.len());
                for i in 0..texts.len() {
                    out.append_option(one(texts.is_valid(i).then(|| texts.value(i)))?);
                }
                Ok(ColumnarValue::Array(Arc::new(out.finish())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::micros;

    #[test]
    fn declared_formats() {
        assert_eq!(
            micros("28.10.2025 19:26:17", "%d.%m.%Y %H:%M:%S"),
            Some(1_761_679_577_000_000)
        );
        assert_eq!(
            micros("28.10.2025 21:26:17 +0200", "%d.%m.%Y %H:%M:%S %z"),
            Some(1_761_679_577_000_000)
        );
        assert_eq!(
            micros("28.10.2025", "%d.%m.%Y"),
            Some(1_761_609_600_000_000)
        );
        assert_eq!(micros("2025-10-28", "%d.%m.%Y"), None);
    }
}
