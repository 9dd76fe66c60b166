//! `like` patterns (docs/semantics.md, "Matching") against a naive reference written from the
//! definition: the matcher the checker and reports use, and the engine's lowering (equality,
//! prefix, suffix, substring or regular expression, on decoded rows and per dictionary value)
//! on random values and patterns — wildcards next to each other, at the ends, `?` on a
//! two-byte character, and the characters SQL `LIKE` and regular expressions treat specially.

use crate::support::Scratch;
use datafusion::arrow::array::{
    ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use journey::run::RunOptions;
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// The definition, literally: P matches V when V splits into one piece per character of P.
fn reference(p: &[char], v: &[char]) -> bool {
    match p.split_first() {
        None => v.is_empty(),
        Some(('*', rest)) => (0..=v.len()).any(|k| reference(rest, &v[k..])),
        Some(('?', rest)) => !v.is_empty() && reference(rest, &v[1..]),
        Some((c, rest)) => v.first() == Some(c) && reference(rest, &v[1..]),
    }
}

fn matches_reference(p: &str, v: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (p.chars().collect(), v.chars().collect());
    reference(&p, &v)
}

const ALPHABET: &[char] = &['a', 'b', '/', '.', '%', '_', '\\', 'é', '(', '+'];

fn value() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(ALPHABET), 0..7)
        .prop_map(|cs| cs.into_iter().collect())
}

fn pattern() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => proptest::sample::select(ALPHABET),
        2 => Just('*'),
        1 => Just('?'),
    ];
    proptest::collection::vec(c, 0..6).prop_map(|cs| cs.into_iter().collect())
}

/// A journey string literal.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One page visit per contact, contact `i` on `values[i]`.
fn write(values: &[String], path: &Path, dictionary: bool) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("contact_id", DataType::Int64, false),
        Field::new(
            "activity_created",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("activity_type", DataType::Utf8, false),
        Field::new("url", DataType::Utf8, true),
    ]));
    let n = values.len() as i64;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(0..n)),
        Arc::new(TimestampMicrosecondArray::from_iter_values(
            (0..n).map(|i| 1_750_000_000_000_000 + i),
        )),
        Arc::new(StringArray::from_iter_values(
            values.iter().map(|_| "pagevisit"),
        )),
        Arc::new(StringArray::from_iter_values(values)),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let props = WriterProperties::builder()
        .set_dictionary_enabled(dictionary)
        .build();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Contacts reaching stage 1 of each journey over `file`.
fn reached(source: &str, file: &Path) -> Vec<u64> {
    let options = RunOptions {
        files: vec![file.to_path_buf()],
        ..RunOptions::default()
    };
    let out = crate::support::run_in_process(source, options);
    out.iter().map(|r| r.stages[0].reached).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn the_matcher_is_the_definition(p in pattern(), v in value()) {
        prop_assert_eq!(journey::check::pattern::matches(&p, &v), matches_reference(&p, &v));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_counts_what_the_definition_matches(
        values in proptest::collection::vec(value(), 1..40),
        p in pattern(),
        dictionary in any::<bool>(),
    ) {
        let dir = Scratch::new("patterns", "prop");
        let file = dir.path().join("visits.parquet");
        write(&values, &file, dictionary);
        let q = quoted(&p);
        let source = format!(
            "journey \"Page\" {{ stage \"A\" {{ when visited page like {q} }} }}\n\
             journey \"Where\" {{ stage \"A\" {{ when any activity where url like {q} or url = \"-\" }} }}\n"
        );
        let want = values.iter().filter(|v| matches_reference(&p, v)).count() as u64;
        prop_assert_eq!(reached(&source, &file), vec![want, want], "pattern {:?} over {:?}", p, values);
    }
}
