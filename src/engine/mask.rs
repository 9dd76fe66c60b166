//! A row's rule mask from its rules' answers, in one step.
//!
//! The lowering writes a journey's mask as `CASE WHEN rule_0 THEN 1 ELSE 0 END | CASE WHEN
//! rule_1 THEN 2 ELSE 0 END | …`, which is what `journey explain` shows and the plans run.
//! DataFusion evaluates each `CASE` by filtering the batch to the rows its condition selects
//! and scattering the result back, once per rule: on the benchmark's kept rows that was a tenth
//! of a run. `journey_mask(rule_0, rule_1, …)` gives the same Int64 — bit `i` set exactly where
//! rule `i` is true, a NULL answer being no match, as `CASE` takes it — from the answers'
//! bits directly; the one-pass run (`lower::pass`) uses it for the kept rows.

use datafusion::arrow::array::{Array, AsArray, Int64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    lit, ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

pub const NAME: &str = "journey_mask";

/// The mask of `rules` (bit `i` for `rules[i]`, at most 64), as one call.
pub fn mask(rules: Vec<Expr>) -> Expr {
    match rules.is_empty() {
        true => lit(0i64),
        false => ScalarUDF::new_from_impl(Mask {
            signature: Signature::variadic_any(Volatility::Immutable),
        })
        .call(rules),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Mask {
    signature: Signature,
}

impl ScalarUDFImpl for Mask {
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
        if args.args.len() > 64 {
            return exec_err!("{NAME} takes at most 64 rules");
        }
        let n = args.number_rows;
        let mut out = vec![0i64; n];
        for (i, arg) in args.args.iter().enumerate() {
            let answers = arg.to_array(n)?;
            let Some(answers) = answers.as_boolean_opt() else {
                return exec_err!("{NAME}: rule {i} is not true or false");
            };
            // Only the rows where the rule is true, NULL being no match.
            let yes = match answers.nulls() {
                Some(valid) => answers.values() & valid.inner(),
                None => answers.values().clone(),
            };
            let bit = (1u64 << i) as i64;
            for row in yes.set_indices() {
                out[row] |= bit;
            }
        }
        Ok(ColumnarValue::Array(std::sync::Arc::new(Int64Array::from(
            out,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, BooleanArray, RecordBatch};
    use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer};
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::logical_expr::{binary_expr, when, Operator};
    use datafusion::prelude::{col, SessionContext};
    use std::sync::Arc;

    /// Equal to the lowering's `CASE` chain, with true, false and NULL answers and a literal.
    #[tokio::test]
    async fn equals_the_case_chain() -> Result<()> {
        let column = |v: Vec<Option<bool>>| Arc::new(BooleanArray::from(v)) as ArrayRef;
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Boolean, true),
            Field::new("b", DataType::Boolean, true),
            Field::new("c", DataType::Boolean, true),
        ]));
        let rows = 130;
        let a = column(
            (0..rows)
                .map(|i| (i % 5 != 0).then_some(i % 3 == 0))
                .collect(),
        );
        let b = column(
            (0..rows)
                .map(|i| (i % 7 != 1).then_some(i % 2 == 0))
                .collect(),
        );
        // NULLs over set bits: a NULL answer is no match whatever its slot holds.
        let c = Arc::new(BooleanArray::new(
            BooleanBuffer::new_set(rows),
            Some(NullBuffer::from(
                (0..rows).map(|i| i % 4 != 2).collect::<Vec<_>>(),
            )),
        )) as ArrayRef;
        let ctx = SessionContext::new();
        ctx.register_batch("t", RecordBatch::try_new(schema, vec![a, b, c])?)?;
        let rules = vec![
            col("a"),
            col("b"),
            lit(true),
            col("a").and(col("b")),
            col("c"),
        ];
        let mut chain: Option<Expr> = None;
        for (i, r) in rules.iter().enumerate() {
            let e = when(r.clone(), lit((1u64 << i) as i64)).otherwise(lit(0i64))?;
            chain = Some(match chain {
                None => e,
                Some(acc) => binary_expr(acc, Operator::BitwiseOr, e),
            });
        }
        let run = |e: Expr| {
            let ctx = ctx.clone();
            async move {
                let out = ctx
                    .table("t")
                    .await?
                    .select(vec![e.alias("m")])?
                    .collect()
                    .await?;
                Ok::<_, datafusion::error::DataFusionError>(out[0].column(0).clone())
            }
        };
        let expected = run(chain.expect("rules")).await?;
        assert_eq!(run(mask(rules)).await?.as_ref(), expected.as_ref());
        assert_eq!(mask(vec![]), lit(0i64));
        Ok(())
    }
}
