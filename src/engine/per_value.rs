//! Rules on dictionary-encoded columns, tested once per distinct value.
//!
//! A Parquet export stores a text column such as the page URL as a dictionary (each distinct
//! value once per row group) and, per row, a small integer key into it. When the scan keeps
//! that form (`data::dictionary`), a test over that one column — `url = "…"`, `url contains
//! "…"`, `type in (…)`, a `CASE` over them — needs evaluating only on the dictionary's values;
//! each row then takes its key's answer, an array index with no hashing. The function
//! `journey_per_value(column)` does that for one such test ([`wrap`] puts it in place); the
//! answers for a dictionary are kept while its rows stream by, so a row group's thousands of
//! URLs are tested once, not once per batch.
//!
//! The answer is exactly the test's on the decoded rows: the test is evaluated by DataFusion on
//! the dictionary's values plus one NULL (the answer for rows without a value), and only tests
//! that cannot fail on a value no row of the batch holds are wrapped (comparisons, `IN`, the
//! string tests; no casts to numbers), so no error appears that the decoded rows would not
//! raise.

use datafusion::arrow::array::{
    new_null_array, Array, ArrayData, ArrayRef, AsArray, BooleanArray, Int32Array, RecordBatch,
};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer};
use datafusion::arrow::compute::{cast, concat, take};
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{exec_err, DFSchema, Result};
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::{
    ColumnarValue, Expr, Operator, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::physical_plan::PhysicalExpr;
use std::collections::{BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

pub const NAME: &str = "journey_per_value";

/// Dictionaries whose answers are kept: one per partition reading a row group at a time, with
/// room to spare.
const KEPT: usize = 16;

/// The string functions whose answers depend on the value alone and never fail on one.
const PURE_FUNCTIONS: &[&str] = &["contains", "starts_with", "ends_with", "regexp_like"];

/// Every maximal part of `e` that tests one of the `dictionaries` columns alone, in
/// `journey_per_value`; the rest unchanged. `value_type` is the type of a dictionary's values.
pub fn wrap(e: Expr, dictionaries: &BTreeSet<String>, value_type: &DataType) -> Result<Expr> {
    if dictionaries.is_empty() {
        return Ok(e);
    }
    // One planning context for the tests' evaluation on values (it coerces their types).
    let state = SessionStateBuilder::new().with_default_features().build();
    e.transform_down(|node| {
        let refs = node.column_refs();
        let [column] = refs.into_iter().collect::<Vec<_>>()[..] else {
            return Ok(Transformed::no(node));
        };
        if matches!(node, Expr::Column(_)) || !dictionaries.contains(&column.name) || !pure(&node) {
            return Ok(Transformed::no(node));
        }
        let name = column.name.clone();
        let schema = Arc::new(Schema::new(vec![Field::new(
            &name,
            value_type.clone(),
            true,
        )]));
        let Ok(physical) = DFSchema::try_from(schema.clone())
            .and_then(|df| state.create_physical_expr(node.clone(), &df))
        else {
            // Not plannable over the values alone: evaluated row by row, as before.
            return Ok(Transformed::no(node));
        };
        let output = physical.data_type(&schema)?;
        let udf = PerValue {
            signature: Signature::any(1, Volatility::Immutable),
            test: node,
            output,
            schema,
            physical,
            kept: Mutex::new(VecDeque::new()),
        };
        let call = ScalarUDF::new_from_impl(udf).call(vec![datafusion::prelude::ident(name)]);
        Ok(Transformed::new(call, true, TreeNodeRecursion::Jump))
    })
    .map(|t| t.data)
}

/// Whether `e` tests text by pattern (`contains`, `starts with`, `ends with`, `matches`): the
/// tests whose cost grows with the text, so that testing each distinct value once pays.
pub fn tests_patterns(e: &Expr) -> bool {
    let mut found = false;
    let _ = e.apply(|n| {
        found |= matches!(n, Expr::ScalarFunction(f) if PURE_FUNCTIONS.contains(&f.name()));
        Ok(match found {
            true => TreeNodeRecursion::Stop,
            false => TreeNodeRecursion::Continue,
        })
    });
    found
}

/// Only parts that give every value an answer without failing.
fn pure(e: &Expr) -> bool {
    let mut ok = true;
    let _ = e.apply(|n| {
        ok &= match n {
            Expr::Column(_) | Expr::Literal(..) | Expr::Not(_) | Expr::IsNull(_) => true,
            Expr::IsNotNull(_) | Expr::IsTrue(_) | Expr::IsFalse(_) | Expr::IsNotTrue(_) => true,
            Expr::IsNotFalse(_) | Expr::InList(_) | Expr::Case(_) => true,
            Expr::Alias(_) => true,
            Expr::BinaryExpr(b) => matches!(
                b.op,
                Operator::Eq
                    | Operator::NotEq
                    | Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
                    | Operator::And
                    | Operator::Or
                    | Operator::BitwiseOr
                    | Operator::IsDistinctFrom
                    | Operator::IsNotDistinctFrom
            ),
            Expr::ScalarFunction(f) => PURE_FUNCTIONS.contains(&f.name()),
            // A cast to text never fails; to a number it may, on a value no row here holds.
            Expr::Cast(c) => matches!(
                c.field.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ),
            _ => false,
        };
        Ok(if ok {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    });
    ok
}

/// `journey_per_value(column)`: `test` over the column, evaluated per distinct value.
#[derive(Debug)]
struct PerValue {
    signature: Signature,
    /// The test, over the column alone (for equality, display and the plan's identity).
    test: Expr,
    output: DataType,
    /// The values' schema: the column alone, as the dictionary's value type.
    schema: SchemaRef,
    physical: Arc<dyn PhysicalExpr>,
    /// Recent dictionaries (values plus the trailing NULL's answer) and their answers. Holding a
    /// dictionary's values keeps its buffers alive, so no other dictionary can reuse their
    /// addresses while it is here.
    kept: Mutex<VecDeque<(ArrayData, ArrayRef)>>,
}

impl PartialEq for PerValue {
    fn eq(&self, other: &Self) -> bool {
        self.test == other.test && self.output == other.output
    }
}

impl Eq for PerValue {}

impl Hash for PerValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.test.hash(state);
    }
}

impl PerValue {
    /// The test's answer for each of `values`, then for NULL (at index `values.len()`).
    fn answers(&self, values: &ArrayRef) -> Result<ArrayRef> {
        let data = values.to_data();
        if let Some((_, a)) = self
            .kept
            .lock()
            .unwrap()
            .iter()
            .find(|(d, _)| d.ptr_eq(&data))
        {
            return Ok(a.clone());
        }
        let ty = self.schema.field(0).data_type();
        let with_null = concat(&[self.own(values)?.as_ref(), new_null_array(ty, 1).as_ref()])?;
        let n = with_null.len();
        let batch = RecordBatch::try_new(self.schema.clone(), vec![with_null])?;
        let answers = self.physical.evaluate(&batch)?.into_array(n)?;
        let mut kept = self.kept.lock().unwrap();
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back((data, answers.clone()));
        Ok(answers)
    }

    /// `values` as the type the test was planned for.
    fn own(&self, values: &ArrayRef) -> Result<ArrayRef> {
        let ty = self.schema.field(0).data_type();
        Ok(match values.data_type() == ty {
            true => values.clone(),
            false => cast(values, ty)?,
        })
    }

    /// The test on plain (not dictionary) values, row by row.
    fn direct(&self, values: &ArrayRef) -> Result<ArrayRef> {
        let own = self.own(values)?;
        let n = own.len();
        let batch = RecordBatch::try_new(self.schema.clone(), vec![own])?;
        self.physical.evaluate(&batch)?.into_array(n)
    }
}

impl ScalarUDFImpl for PerValue {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(self.output.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = &args.args[..] else {
            return exec_err!("{NAME} takes one column");
        };
        let column = arg.to_array(args.number_rows)?;
        let Some(dict) = column.as_any_dictionary_opt() else {
            return Ok(ColumnarValue::Array(self.direct(&column)?));
        };
        let answers = self.answers(dict.values())?;
        let null_at = answers.len() - 1;
        if let (Some(d), Some(yes_no)) = (
            column.as_dictionary_opt::<Int32Type>(),
            answers.as_boolean_opt(),
        ) {
            return Ok(ColumnarValue::Array(Arc::new(by_key(yes_no, d.keys()))));
        }
        let null_at = null_at as i32;
        let keys: Int32Array = match column.as_dictionary_opt::<Int32Type>() {
            // A row without a value takes NULL's answer (the last).
            Some(d) if d.keys().null_count() == 0 => d.keys().clone(),
            Some(d) => d
                .keys()
                .iter()
                .map(|k| Some(k.unwrap_or(null_at)))
                .collect(),
            None => {
                let valid = column.logical_nulls();
                dict.normalized_keys()
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| match &valid {
                        Some(v) if v.is_null(i) => Some(null_at),
                        _ => Some(k as i32),
                    })
                    .collect()
            }
        };
        Ok(ColumnarValue::Array(take(answers.as_ref(), &keys, None)?))
    }
}

/// Each row's answer by its key, for a yes/no test: `answers` holds one per dictionary value
/// and then NULL's, which a row without a key takes. Bits are packed straight from a table of
/// the answers, 64 rows at a time with no branch per row (`take` gathers bits and nulls row by
/// row, which was a fifth of a scan's time); rows without a key are then set to NULL's answer
/// with whole-word operations. A key outside the dictionary, which a valid array cannot hold,
/// would take NULL's answer too.
fn by_key(answers: &BooleanArray, keys: &Int32Array) -> BooleanArray {
    let null_at = answers.len() - 1;
    let raw = keys.values();
    let lookup = |table: &[bool]| {
        let looked_up = BooleanBuffer::collect_bool(raw.len(), |i| {
            table[(raw[i] as u32 as usize).min(null_at)]
        });
        match (keys.nulls(), table[null_at]) {
            (None, _) => looked_up,
            (Some(has_key), false) => &looked_up & has_key.inner(),
            (Some(has_key), true) => &looked_up | &!has_key.inner(),
        }
    };
    let yes: Vec<bool> = (0..answers.len())
        .map(|i| answers.is_valid(i) && answers.value(i))
        .collect();
    let values = lookup(&yes);
    let nulls = (answers.null_count() > 0).then(|| {
        let valid: Vec<bool> = (0..answers.len()).map(|i| answers.is_valid(i)).collect();
        NullBuffer::new(lookup(&valid))
    });
    BooleanArray::new(values, nulls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{DictionaryArray, StringArray};
    use datafusion::functions::expr_fn::contains;
    use datafusion::logical_expr::{lit, when};
    use datafusion::prelude::{col, SessionContext};

    /// The wrapped test answers as the test on the decoded rows, NULLs and a test that is true
    /// for NULL included.
    #[tokio::test]
    async fn answers_as_the_decoded_rows() -> Result<()> {
        let values = StringArray::from(vec![Some("/a?utm=x"), Some("/b"), None, Some("/c")]);
        let keys = Int32Array::from(vec![
            Some(0),
            Some(1),
            None,
            Some(2),
            Some(3),
            Some(0),
            None,
        ]);
        let dict = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values))?;
        let decoded = cast(&dict, &DataType::Utf8)?;
        let dict_type = dict.data_type().clone();
        let names: BTreeSet<String> = ["url".to_string()].into();
        let tests = [
            contains(col("url"), lit("utm")),
            col("url").eq(lit("/b")),
            col("url").is_null(),
            col("url").in_list(vec![lit("/c"), lit("/b")], false),
            when(col("url").eq(lit("/a?utm=x")), lit(4i64)).otherwise(lit(0i64))?,
        ];
        for t in tests {
            let run = |ty: DataType, array: ArrayRef, e: Expr| async move {
                let schema = Arc::new(Schema::new(vec![Field::new("url", ty, true)]));
                let ctx = SessionContext::new();
                ctx.register_batch("t", RecordBatch::try_new(schema, vec![array])?)?;
                let out = ctx
                    .table("t")
                    .await?
                    .select(vec![e.alias("x")])?
                    .collect()
                    .await?;
                Ok::<_, datafusion::error::DataFusionError>(out[0].column(0).clone())
            };
            let plain = run(DataType::Utf8, decoded.clone(), t.clone()).await?;
            let wrapped = wrap(t.clone(), &names, &DataType::Utf8)?;
            assert!(wrapped.to_string().contains(NAME), "{wrapped}");
            let per_value = run(dict_type.clone(), Arc::new(dict.clone()), wrapped).await?;
            assert_eq!(plain.as_ref(), per_value.as_ref(), "{t}");
        }
        Ok(())
    }

    /// The packed lookup answers as `take` does: every mix of true, false and NULL answers,
    /// NULL's answer either way, keys with and without NULLs, and a slice of them.
    #[test]
    fn by_key_answers_as_take() -> Result<()> {
        let answer_sets: [Vec<Option<bool>>; 4] = [
            vec![Some(true), Some(false), None, Some(false)],
            vec![Some(false), Some(true), Some(true), Some(true)],
            vec![Some(true), None, Some(false), None],
            vec![Some(false), Some(false), Some(false), Some(false)],
        ];
        // 150 rows: more than two 64-row words, so packing crosses word edges.
        let keys: Vec<Option<i32>> = (0..150)
            .map(|i| (i % 7 != 3).then_some(i * 5 % 3))
            .collect();
        for answers in answer_sets {
            let answers = BooleanArray::from(answers);
            for keys in [
                Int32Array::from(keys.clone()),
                Int32Array::from(
                    keys.iter()
                        .map(|k| Some(k.unwrap_or(1)))
                        .collect::<Vec<_>>(),
                ),
                Int32Array::from(keys.clone()).slice(5, 100),
            ] {
                let null_at = (answers.len() - 1) as i32;
                let filled: Int32Array = keys.iter().map(|k| Some(k.unwrap_or(null_at))).collect();
                let expected = take(&answers, &filled, None)?;
                assert_eq!(&by_key(&answers, &keys) as &dyn Array, expected.as_ref());
            }
        }
        Ok(())
    }

    /// A cast to a number may fail on a value no row holds: left row by row.
    #[test]
    fn leaves_fallible_tests_alone() -> Result<()> {
        let names: BTreeSet<String> = ["amount".to_string()].into();
        let t = datafusion::logical_expr::cast(col("amount"), DataType::Float64).gt(lit(5.0));
        assert_eq!(wrap(t.clone(), &names, &DataType::Utf8)?, t);
        Ok(())
    }
}
