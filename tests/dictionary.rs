//! Rules on dictionary-encoded columns (`data::dictionary`, `engine::per_value`) give exactly
//! the results of the same rules on the decoded rows: random activity tables are written twice
//! as Parquet, once with dictionaries (read as dictionaries, each rule tested per distinct
//! value) and once plain (read row by row), and every journey's results must be equal —
//! NULLs, `is null`, `!=`, `contains`, `starts with`, `matches`, `in`, `by` and `same` on
//! dictionary columns included.

use crate::support::Scratch;
use datafusion::arrow::array::{
    ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use journey::config::Config;
use journey::run::RunOptions;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const JOURNEYS: &str = r#"
journey "Pages and forms" {
  within 3 days
  by utm

  stage "Campaign" { when visited page "/campaign" or visited page "/campaign?utm=mail" }
  stage "Pricing" { when activity "pagevisit" where url contains "utm" or landed on page "/pricing" }
  stage "Form" { when submitted form "contact" where channel != "web" }
  stage "Any text" { when activity "emailclick" where url starts with "/c" and utm is null }
}

journey "Patterns, one device" {
  same utm

  stage "Matched" { when visited page "/pricing" where url matches "^/p[a-z]+$" }
  stage "Listed" { when activity "bizformsubmit" where form in ["contact", "demo"] or channel is not null }
}
"#;

const TYPES: &[&str] = &["pagevisit", "landingpage", "bizformsubmit", "emailclick"];
const URLS: &[&str] = &[
    "/campaign",
    "/campaign?utm=mail",
    "/pricing",
    "/pricing?utm=x",
    "/c",
];
const FORMS: &[&str] = &["contact", "demo", "other"];
const CHANNELS: &[&str] = &["web", "mail"];
const UTMS: &[&str] = &["google", "bing"];

type Row = (
    i64,
    i64,
    usize,
    Option<usize>,
    Option<usize>,
    Option<usize>,
    Option<usize>,
);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    let text = |n: usize| proptest::option::weighted(0.8, 0..n);
    proptest::collection::vec(
        (
            0i64..12,
            0i64..(6 * 86_400),
            0..TYPES.len(),
            text(URLS.len()),
            text(FORMS.len()),
            text(CHANNELS.len()),
            text(UTMS.len()),
        ),
        1..120,
    )
}

fn write(rows: &[Row], path: &Path, dictionary: bool) {
    let pick = |list: &'static [&'static str], i: &Option<usize>| i.map(|i| list[i]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("activity_id", DataType::Int64, false),
        Field::new("contact_id", DataType::Int64, false),
        Field::new(
            "activity_created",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("activity_type", DataType::Utf8, false),
        Field::new("url", DataType::Utf8, true),
        Field::new("form", DataType::Utf8, true),
        Field::new("channel", DataType::Utf8, true),
        Field::new("utm", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(0..rows.len() as i64)),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(TimestampMicrosecondArray::from_iter_values(
            rows.iter().map(|r| 1_750_000_000_000_000 + r.1 * 1_000_000),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| TYPES[r.2]),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| pick(URLS, &r.3)),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| pick(FORMS, &r.4)),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| pick(CHANNELS, &r.5)),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| pick(UTMS, &r.6)),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    // Small row groups, so that one file holds several dictionaries.
    let props = WriterProperties::builder()
        .set_dictionary_enabled(dictionary)
        .set_max_row_group_row_count(Some(32))
        .set_write_batch_size(8)
        .build();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Every journey's results over `file`, without what names the file or the moment.
fn results(file: PathBuf, partitions: usize) -> Vec<serde_json::Value> {
    let options = RunOptions {
        files: vec![file],
        target_partitions: partitions,
        ..RunOptions::default()
    };
    let out = crate::support::run_in_process(JOURNEYS, options);
    out.into_iter()
        .map(|r| {
            let mut v = serde_json::to_value(&r).unwrap();
            for k in ["data", "data_fingerprint", "computed_at", "timings"] {
                v.as_object_mut().unwrap().remove(k);
            }
            v
        })
        .collect()
}

/// The dictionary columns the pass reads the file with.
fn read_as_dictionaries(file: &Path) -> bool {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ctx = datafusion::prelude::SessionContext::new();
        let listing = journey::io::listing::Listing::of_files(&[file.to_path_buf()]).unwrap();
        let data = journey::data::DataSet::open(&ctx, listing, &Config::default())
            .await
            .unwrap();
        data.pass_table == journey::data::PASS_TABLE
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rules_on_dictionaries_answer_as_on_decoded_rows(rows in rows(), partitions in 1usize..3) {
        let dir = Scratch::new("dictionary", "prop");
        let (dict, plain) = (dir.path().join("dict.parquet"), dir.path().join("plain.parquet"));
        write(&rows, &dict, true);
        write(&rows, &plain, false);
        prop_assert!(read_as_dictionaries(&dict));
        prop_assert!(!read_as_dictionaries(&plain));
        prop_assert_eq!(results(dict, partitions), results(plain, partitions));
    }
}
