//! `count by COLUMN` (docs/semantics.md, "Units and scope"): a journey counting accounts gives
//! exactly what the same journey counting contacts gives over the data with each row's contact
//! replaced by its account and the rows without an account left out — which are counted as
//! skipped. Random histories: several contacts per account, contacts across accounts, rows
//! without an account, windows, `by` and `same`.

use crate::support::Scratch;
use datafusion::arrow::array::{
    ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use journey::run::RunOptions;
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;

const BODY: &str = r#"
  within 2 days
  by utm

  stage "Pricing" { when visited page "/pricing" }
  stage "Form" { when submitted form "demo" }
  stage "Again" { when visited page "/pricing" where utm is not null }
"#;

const STRICT_BODY: &str = r#"
  order strict
  same utm

  stage "Pricing" { when visited page "/pricing" }
  stage "Form" { when submitted form "demo" }
"#;

const TYPES: &[&str] = &["pagevisit", "bizformsubmit"];
const UTMS: &[&str] = &["google", "mail"];

/// (contact, account, seconds, type, utm)
type Row = (i64, Option<i64>, i64, usize, Option<usize>);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    proptest::collection::vec(
        (
            0i64..8,
            proptest::option::weighted(0.8, 0i64..4),
            0i64..(5 * 86_400),
            0..TYPES.len(),
            proptest::option::weighted(0.7, 0..UTMS.len()),
        ),
        1..60,
    )
}

/// The rows as an export; `as_contacts`: the account written as the contact, rows without one
/// left out.
fn write(rows: &[Row], path: &Path, as_contacts: bool) {
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| !as_contacts || r.1.is_some())
        .collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("activity_id", DataType::Int64, false),
        Field::new("contact_id", DataType::Int64, false),
        Field::new("account", DataType::Utf8, true),
        Field::new(
            "activity_created",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("activity_type", DataType::Utf8, false),
        Field::new("url", DataType::Utf8, true),
        Field::new("form", DataType::Utf8, true),
        Field::new("utm", DataType::Utf8, true),
    ]));
    let account = |a: &Option<i64>| a.map(|a| format!("account-{a}"));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(0..rows.len() as i64)),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| {
            if as_contacts {
                r.1.unwrap()
            } else {
                r.0
            }
        }))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| account(&r.1)))),
        Arc::new(TimestampMicrosecondArray::from_iter_values(
            rows.iter().map(|r| 1_750_000_000_000_000 + r.2 * 1_000_000),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| TYPES[r.3]),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| (r.3 == 0).then_some("/pricing")),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| (r.3 == 1).then_some("demo")),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| r.4.map(|u| UTMS[u])),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Every journey's results over `file`, without what names the file, the moment or the unit.
fn results(source: &str, file: &Path, skip_bad_rows: bool) -> Vec<serde_json::Value> {
    let options = RunOptions {
        files: vec![file.to_path_buf()],
        skip_bad_rows,
        ..RunOptions::default()
    };
    let out = crate::support::run_in_process(source, options);
    out.into_iter()
        .map(|r| {
            let mut v = serde_json::to_value(&r).unwrap();
            for k in [
                "data",
                "data_fingerprint",
                "computed_at",
                "source_sha256",
                "count_by",
                "rows_skipped",
                "skipped_rows",
            ] {
                v.as_object_mut().unwrap().remove(k);
            }
            // A warning's line is where its journey sits in the source, which differs here.
            if let Some(ws) = v.get_mut("warnings").and_then(|w| w.as_array_mut()) {
                for w in ws {
                    w.as_object_mut().unwrap().remove("line");
                }
            }
            v
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn counting_accounts_is_counting_contacts_named_by_their_account(rows in rows()) {
        // The account-level data needs at least one row with an account.
        prop_assume!(rows.iter().any(|r| r.1.is_some()));
        let dir = Scratch::new("count-by", "prop");
        let (raw, named) = (dir.path().join("raw.parquet"), dir.path().join("named.parquet"));
        write(&rows, &raw, false);
        write(&rows, &named, true);
        let journeys = |unit: &str| {
            format!(
                "journey \"Funnel\" {{ {unit} {BODY} }}\njourney \"Strict\" {{ {unit} {STRICT_BODY} }}\n"
            )
        };
        // Two units in one run: each journey counts its own.
        let mixed = format!(
            "{}journey \"Contacts\" {{ {BODY} }}\n",
            journeys("count by account")
        );
        let by_account = results(&mixed, &raw, false);
        let as_contacts = results(&journeys(""), &named, false);
        prop_assert_eq!(&by_account[..2], &as_contacts[..]);
        let by_contact = results(&format!("journey \"Contacts\" {{ {BODY} }}\n"), &raw, false);
        prop_assert_eq!(&by_account[2], &by_contact[0]);
    }
}

#[test]
fn rows_without_a_unit_value_are_skipped_and_counted() {
    let dir = Scratch::new("count-by", "skipped");
    let file = dir.path().join("raw.parquet");
    let rows: Vec<Row> = vec![
        (1, Some(0), 0, 0, None),
        (2, None, 10, 1, None),
        (3, None, 20, 0, Some(1)),
    ];
    write(&rows, &file, false);
    let source = format!("journey \"Funnel\" {{ count by account {BODY} }}\n");
    let options = RunOptions {
        files: vec![file],
        ..RunOptions::default()
    };
    let r = crate::support::run_in_process(&source, options);
    assert_eq!(r[0].contacts_in_scope, 1);
    assert_eq!(r[0].rows_in_scope, 1);
    assert_eq!(r[0].rows_skipped, 2);
    assert_eq!(r[0].skipped_rows.no_unit, 2);
    assert_eq!(r[0].count_by.as_deref(), Some("account"));
}
