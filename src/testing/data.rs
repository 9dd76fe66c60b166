//! A test's example contacts as an activity table: one row per activity, in the columns
//! `journey.toml` maps (the same names a real export has), written to a Parquet file that
//! `journey run`'s own reader then reads.

use crate::check::hir;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, Literal, RuleKind};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a column holds, from the literals written for it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Integer,
    Float,
    Bool,
    Time,
}

impl Kind {
    fn of(l: &Literal) -> Kind {
        match l {
            Literal::String(_) => Kind::Text,
            Literal::Integer(_) => Kind::Integer,
            Literal::Float(_) => Kind::Float,
            Literal::Bool(_) => Kind::Bool,
            Literal::Time(_) => Kind::Time,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Kind::Text => DataType::Utf8,
            Kind::Integer => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Integer | Kind::Float => "a number",
            Kind::Bool => "true/false",
            Kind::Time => "a date",
        }
    }
}

/// One row: the activity's type code and its values by (mapped) column.
struct Row<'a> {
    contact: &'a str,
    time: i64,
    kind: String,
    values: BTreeMap<String, Literal>,
}

/// The rule an activity is written as, as the row it describes: its type code and fields.
fn row<'a>(
    contact: &'a str,
    a: &hir::TestActivity,
    config: &Config,
) -> Result<Row<'a>, Diagnostic> {
    let t = &config.activity_types;
    let c = &config.columns;
    let mut values = BTreeMap::new();
    let mut set = |column: &str, v: &Option<crate::span::Spanned<String>>| {
        if let Some(v) = v {
            values.insert(column.to_string(), Literal::String(v.node.clone()));
        }
    };
    let kind = match &a.kind {
        RuleKind::VisitedPage { page, channel, .. }
        | RuleKind::LandedOnPage { page, channel, .. } => {
            set(&c.url, &Some(page.clone()));
            set(&c.channel, channel);
            if matches!(a.kind, RuleKind::VisitedPage { .. }) {
                t.page_visit.clone()
            } else {
                t.landing_page.clone()
            }
        }
        RuleKind::SubmittedForm { form } => {
            set(&c.form, &Some(form.clone()));
            t.form_submission.clone()
        }
        RuleKind::ClickedEmailLink { email } => {
            set(&c.email, email);
            t.email_click.clone()
        }
        RuleKind::OpenedEmail { email } => {
            set(&c.email, email);
            t.email_open.clone()
        }
        RuleKind::CustomActivity { kind } | RuleKind::Activity { kind } => kind.node.clone(),
        RuleKind::Registered => t.registration.clone(),
        // The checker refuses `any activity` in a test.
        RuleKind::AnyActivity => {
            return Err(Diagnostic::internal("an example activity without a type"))
        }
    };
    let own = [&c.contact, &c.activity_id, &c.time, &c.activity_type];
    for (name, value) in &a.fields {
        let (column, _) = c.resolve(name);
        if own.contains(&&column.to_string()) || values.contains_key(column) {
            return Err(Diagnostic::new(
                "J6003",
                format!("the activity already sets `{name}` (column `{column}`)"),
            )
            .primary(a.span, "this activity")
            .help("the time comes from `at`, the type and the rule's page, form, email and channel from the rule"));
        }
        values.insert(column.to_string(), value.clone());
    }
    Ok(Row {
        contact,
        time: a.time,
        kind,
        values,
    })
}

/// The test's contacts as one batch: the mapped standard columns always (NULL where no activity
/// sets them), every other column an activity sets or the journey reads, typed by its values.
pub fn batch(
    test: &hir::Test,
    journey: &hir::Journey,
    config: &Config,
) -> Result<RecordBatch, Diagnostic> {
    let mut rows = Vec::new();
    for contact in &test.contacts {
        for a in &contact.activities {
            rows.push((row(&contact.id, a, config)?, a.span));
        }
    }
    let c = &config.columns;
    let mut kinds: BTreeMap<String, Kind> = BTreeMap::new();
    for column in [&c.url, &c.channel, &c.form, &c.email, &c.value, &c.title] {
        kinds.insert(column.clone(), Kind::Text);
    }
    // A column the journey compares but no activity sets still exists, of the compared kind.
    for (name, kind) in compared_kinds(journey) {
        kinds.entry(c.resolve(&name).0.to_string()).or_insert(kind);
    }
    let mut given: BTreeMap<String, Kind> = BTreeMap::new();
    for (r, span) in &rows {
        for (column, v) in &r.values {
            let k = Kind::of(v);
            match given.get(column).copied() {
                None => {
                    given.insert(column.clone(), k);
                }
                Some(prev) if prev == k => {}
                Some(Kind::Integer) if k == Kind::Float => {
                    given.insert(column.clone(), Kind::Float);
                }
                Some(Kind::Float) if k == Kind::Integer => {}
                Some(prev) => {
                    return Err(Diagnostic::new(
                        "J6003",
                        format!(
                            "column `{column}` holds {} here and {} before",
                            k.words(),
                            prev.words()
                        ),
                    )
                    .primary(*span, "this activity")
                    .help(
                        "a column holds one kind of value: write every value of it the same way",
                    ))
                }
            }
        }
    }
    kinds.extend(given);
    for own in [&c.contact, &c.activity_id, &c.time, &c.activity_type] {
        kinds.remove(own.as_str());
    }

    let mut fields = vec![
        Field::new(&c.activity_id, DataType::Int64, false),
        Field::new(&c.contact, DataType::Utf8, false),
        Field::new(&c.time, Kind::Time.data_type(), false),
        Field::new(&c.activity_type, DataType::Utf8, false),
    ];
    let mut ids = Int64Builder::new();
    let mut contacts = StringBuilder::new();
    let mut times = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut types = StringBuilder::new();
    for (i, (r, _)) in rows.iter().enumerate() {
        ids.append_value(i as i64 + 1);
        contacts.append_value(r.contact);
        times.append_value(r.time);
        types.append_value(&r.kind);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(contacts.finish()),
        Arc::new(times.finish()),
        Arc::new(types.finish()),
    ];
    for (name, kind) in &kinds {
        fields.push(Field::new(name, kind.data_type(), true));
        columns.push(column(rows.iter().map(|(r, _)| r.values.get(name)), *kind));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| Diagnostic::internal(format!("cannot build the test's activities: {e}")))
}

fn column<'a>(values: impl Iterator<Item = Option<&'a Literal>>, kind: Kind) -> ArrayRef {
    match kind {
        Kind::Text => {
            let mut b = StringBuilder::new();
            for v in values {
                match v {
                    Some(Literal::String(s)) => b.append_value(s),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Integer => {
            let mut b = Int64Builder::new();
            for v in values {
                match v {
                    Some(Literal::Integer(n)) => b.append_value(*n),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Float => {
            let mut b = Float64Builder::new();
            for v in values {
                match v {
                    Some(Literal::Float(x)) => b.append_value(*x),
                    Some(Literal::Integer(n)) => b.append_value(*n as f64),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Bool => {
            let mut b = BooleanBuilder::new();
            for v in values {
                match v {
                    Some(Literal::Bool(x)) => b.append_value(*x),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Time => {
            let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
            for v in values {
                match v {
                    Some(Literal::Time(t)) => b.append_value(t.micros),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
    }
}

/// Columns the journey's `where`s compare, with the kind of the first value compared.
fn compared_kinds(j: &hir::Journey) -> Vec<(String, Kind)> {
    fn walk(f: &ast::Filter, out: &mut Vec<(String, Kind)>) {
        match &f.kind {
            ast::FilterKind::And(fs) | ast::FilterKind::Or(fs) => {
                fs.iter().for_each(|f| walk(f, out))
            }
            ast::FilterKind::Compare(c) => {
                let kind = match &c.value {
                    ast::CompareValue::One(l) => Kind::of(&l.node),
                    ast::CompareValue::List(l) => {
                        l.node.first().map_or(Kind::Text, |l| Kind::of(&l.node))
                    }
                    ast::CompareValue::None => Kind::Text,
                };
                out.push((c.column.node.clone(), kind));
            }
        }
    }
    let mut out = Vec::new();
    for r in &j.rules.rules {
        if let Some(f) = &r.filter {
            walk(f, &mut out);
        }
    }
    for c in j.by.iter().chain(&j.count_by).chain(&j.same) {
        out.push((c.node.clone(), Kind::Text));
    }
    out
}

/// A folder of its own under the system's temporary folder, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Result<Scratch, Diagnostic> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "journey-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| {
            Diagnostic::new("J5003", format!("cannot create {}: {e}", dir.display()))
                .help("journey test writes each test's activities to the temporary folder (TMPDIR)")
        })?;
        Ok(Scratch(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Write `batch` as `activities.parquet` in `dir`.
pub fn write(batch: &RecordBatch, dir: &Path) -> Result<PathBuf, Diagnostic> {
    let path = dir.join("activities.parquet");
    let fail = |e: String| {
        Diagnostic::new("J5003", format!("cannot write {}: {e}", path.display()))
            .help("journey test writes each test's activities to the temporary folder (TMPDIR)")
    };
    let file = std::fs::File::create(&path).map_err(|e| fail(e.to_string()))?;
    let mut w = datafusion::parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None)
        .map_err(|e| fail(e.to_string()))?;
    w.write(batch).map_err(|e| fail(e.to_string()))?;
    w.close().map_err(|e| fail(e.to_string()))?;
    Ok(path)
}
