//! `journey_metrics(funnel)`: a journey's figures ([`super::summary`]) as a DataFusion
//! aggregate over the `journey_funnel` results of its contacts. Its partial state is a summary
//! (JSON), merged in any order; its result is the figures (JSON): on a cluster the contacts'
//! reaches are reduced where they are, and only the figures reach the client.

use super::reach::ContactReach;
use super::summary::{MetricsProgram, Summary};
use super::udaf::{BY, REACH};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use std::sync::Arc;

pub const NAME: &str = "journey_metrics";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricsUdaf {
    program: MetricsProgram,
    signature: Signature,
}

impl MetricsUdaf {
    pub fn new(program: MetricsProgram) -> Self {
        MetricsUdaf {
            program,
            signature: Signature::any(1, Volatility::Immutable),
        }
    }

    /// What the figures are asked for (what travels with a plan to a cluster's executors).
    pub fn program(&self) -> &MetricsProgram {
        &self.program
    }

    pub fn udaf(&self) -> AggregateUDF {
        AggregateUDF::from(self.clone())
    }

    pub fn call(&self, funnel: Expr) -> Expr {
        self.udaf().call(vec![funnel])
    }
}

/// The reaches in a column of `journey_funnel` results (a NULL result reached nothing).
pub fn reaches_of(column: &ArrayRef) -> Result<Vec<ContactReach>> {
    let wrong = || DataFusionError::Internal(format!("{NAME} takes journey_funnel's results"));
    let s = column.as_struct_opt().ok_or_else(wrong)?;
    let lists = s.column_by_name(REACH).ok_or_else(wrong)?;
    let by = s.column_by_name(BY).ok_or_else(wrong)?;
    let (lists, by) = (
        lists.as_list_opt::<i32>().ok_or_else(wrong)?,
        by.as_string_opt::<i32>().ok_or_else(wrong)?,
    );
    let mut out = Vec::with_capacity(s.len());
    for i in 0..s.len() {
        if s.is_null(i) || lists.is_null(i) {
            out.push(ContactReach::default());
            continue;
        }
        let v = lists.value(i);
        let v = v.as_primitive_opt::<Int64Type>().ok_or_else(wrong)?;
        out.push(ContactReach {
            reach: (0..v.len())
                .map(|k| v.is_valid(k).then(|| v.value(k)))
                .collect(),
            by: by.is_valid(i).then(|| by.value(i).to_string()),
        });
    }
    Ok(out)
}

fn json_error(what: &str, e: serde_json::Error) -> DataFusionError {
    DataFusionError::Internal(format!("{NAME}: cannot {what}: {e}"))
}

impl AggregateUDFImpl for MetricsUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(MetricsAccumulator(Summary::new(
            self.program.clone(),
        ))))
    }

    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new("summary", DataType::Utf8, true))])
    }
}

#[derive(Debug)]
struct MetricsAccumulator(Summary);

impl Accumulator for MetricsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let column = values
            .first()
            .ok_or_else(|| DataFusionError::Internal(format!("{NAME} takes one argument")))?;
        for c in reaches_of(column)? {
            self.0.add(&c);
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let column = states
            .first()
            .ok_or_else(|| DataFusionError::Internal(format!("{NAME} has one state")))?;
        let texts = column
            .as_string_opt::<i32>()
            .ok_or_else(|| DataFusionError::Internal(format!("{NAME}'s state is text")))?;
        for i in 0..texts.len() {
            if texts.is_valid(i) {
                let s: Summary = serde_json::from_str(texts.value(i))
                    .map_err(|e| json_error("read a partial summary", e))?;
                self.0.merge(s);
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let text = serde_json::to_string(&self.0).map_err(|e| json_error("write a summary", e))?;
        Ok(vec![ScalarValue::Utf8(Some(text))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        // Evaluated once, at the end: the summary is given up rather than copied.
        let empty = Summary::new(self.0.program().clone());
        let figures = std::mem::replace(&mut self.0, empty).figures();
        let text =
            serde_json::to_string(&figures).map_err(|e| json_error("write the figures", e))?;
        Ok(ScalarValue::Utf8(Some(text)))
    }

    fn size(&self) -> usize {
        // The durations dominate: 8 bytes each.
        std::mem::size_of_val(self) + self.0.durations() * 8
    }
}
