//! DataFusion expressions for rules, `where` filters, times and masks. Built with `Expr`
//! constructors only — never SQL text — so no journey string can change a query's shape.

use super::Binding;
use crate::check::hir::RuleMatch;
use crate::config::MissingColumns;
use crate::data::schema;
use crate::diagnostics::Diagnostic;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{CompareOp, CompareValue, Filter, FilterKind, Literal, RuleKind};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn::{concat, contains, ends_with, regexp_like, starts_with};
use datafusion::logical_expr::{cast, lit, when, BinaryExpr, Expr, Operator, TryCast};
use datafusion::prelude::ident;

/// Text, or a dictionary of text (the pass's reading of a Parquet column).
fn is_text(ty: &DataType) -> bool {
    match ty {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// A `like` pattern as the cheapest exact test (check::pattern): equality, a prefix, a suffix
/// or a substring where the wildcards allow, an anchored regular expression otherwise.
fn pattern(col: Expr, p: &str) -> Expr {
    use crate::check::pattern::{shape, Shape};
    match shape(p) {
        Shape::Exact(s) => col.eq(lit(s)),
        Shape::Prefix(s) => starts_with(col, lit(s)),
        Shape::Suffix(s) => ends_with(col, lit(s)),
        Shape::Contains(s) => contains(col, lit(s)),
        Shape::Regex(re) => regexp_like(col, lit(re), None),
    }
}

impl Binding<'_> {
    /// A column of the data for a name used in the journey. A column the data lacks, has in
    /// some files only, or has with conflicting types is recorded (all of them are reported
    /// together by [`Binding::finish`]) and stands in as NULL meanwhile.
    pub fn column(&self, name: &str, span: Option<Span>) -> Result<Expr, Diagnostic> {
        let (column, key) = self.config.columns.resolve(name);
        let mut p = self.problems.borrow_mut();
        let Some(info) = self.data.columns.get(column) else {
            let entry = (column.to_string(), key, span);
            if !p.missing.contains(&entry) {
                p.missing.push(entry);
            }
            return Ok(lit(ScalarValue::Null));
        };
        let entry = (column.to_string(), span);
        if info.conflict.is_some() {
            if !p.conflicts.contains(&entry) {
                p.conflicts.push(entry);
            }
        } else if !info.absent_in.is_empty() {
            match self.missing_columns {
                MissingColumns::Error if !p.partial.contains(&entry) => p.partial.push(entry),
                MissingColumns::Error => {}
                MissingColumns::Null => {
                    if !p.nulls.iter().any(|c| c == column) {
                        p.nulls.push(column.to_string());
                    }
                }
            }
        }
        Ok(ident(column))
    }

    /// The problems [`Binding::column`] recorded, as one diagnostic (every missing column at
    /// once: J4001, then conflicting types: J4007, then columns some files lack: J4008); else
    /// the columns read as NULL where files lack them (`missing_columns = "null"`).
    pub fn finish(&self) -> Result<Vec<String>, Diagnostic> {
        let p = self.problems.borrow();
        if !p.missing.is_empty() {
            return Err(self.missing_error(&p.missing));
        }
        if !p.conflicts.is_empty() {
            return Err(self.conflict_error(&p.conflicts));
        }
        if !p.partial.is_empty() {
            return Err(self.partial_error(&p.partial));
        }
        Ok(p.nulls.clone())
    }

    fn label(&self) -> String {
        self.data.describe()
    }

    fn missing_error(
        &self,
        missing: &[(String, Option<&'static str>, Option<Span>)],
    ) -> Diagnostic {
        let mut names: Vec<&str> = Vec::new();
        for (c, _, _) in missing {
            if !names.contains(&c.as_str()) {
                names.push(c);
            }
        }
        let message = match names.as_slice() {
            [one] => format!("column `{one}` is not in the data ({})", self.label()),
            many => format!(
                "columns {} are not in the data ({})",
                many.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.label()
            ),
        };
        let mut d = Diagnostic::new("J4001", message);
        let mut first = true;
        for (c, _, span) in missing {
            if let Some(s) = span {
                let text = format!("needs column `{c}`");
                d = if first {
                    d.primary(*s, text)
                } else {
                    d.secondary(*s, text)
                };
                first = false;
            }
        }
        let available: Vec<&str> = self
            .data
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        let mut fixes = Vec::new();
        let mut keys = Vec::new();
        for name in &names {
            let key = missing.iter().find(|(c, _, _)| c == name).and_then(|m| m.1);
            let suggestion =
                crate::diagnostics::suggest::did_you_mean(name, available.iter().copied());
            match (suggestion, key) {
                (Some(s), _) if names.len() == 1 => fixes.push(format!("did you mean `{s}`?")),
                (Some(s), _) => fixes.push(format!("for `{name}`, did you mean `{s}`?")),
                _ => {}
            }
            if let Some(k) = key {
                keys.push(format!("`{k} = \"…\"`"));
            }
        }
        let mut help = fixes.join(" ");
        if !help.is_empty() {
            help.push(' ');
        }
        match keys.as_slice() {
            [] => {}
            [one] => help.push_str(&format!(
                "map the logical field to the export's column with {one} in journey.toml; "
            )),
            many => help.push_str(&format!(
                "map the logical fields to the export's columns with {} in journey.toml; ",
                many.join(", ")
            )),
        }
        help.push_str(&format!(
            "the data has: {} ({})",
            available.join(", "),
            self.config.origin()
        ));
        d.help(help)
    }

    fn files_named(&self, files: &[usize]) -> String {
        let paths: Vec<String> = files
            .iter()
            .take(5)
            .map(|&i| self.data.files()[i].path.display().to_string())
            .collect();
        match files.len() {
            n if n > 5 => format!("{} and {} more", paths.join(", "), n - 5),
            _ => paths.join(", "),
        }
    }

    fn conflict_error(&self, conflicts: &[(String, Option<Span>)]) -> Diagnostic {
        let (column, span) = &conflicts[0];
        let info = &self.data.columns[column];
        let [(a, ta), (b, tb)] = info.conflict.clone().expect("a conflict");
        let path = |i: usize| self.data.files()[i].path.display().to_string();
        let mut d = Diagnostic::new(
            "J4007",
            format!(
                "column `{column}` has types that do not meet: {} in {} and {} in {}",
                schema::type_name(&ta),
                path(a),
                schema::type_name(&tb),
                path(b)
            ),
        );
        if let Some(s) = span {
            d = d.primary(*s, format!("reads column `{column}`"));
        }
        let others: Vec<String> = conflicts[1..]
            .iter()
            .map(|(c, _)| format!("`{c}`"))
            .filter(|c| *c != format!("`{column}`"))
            .collect();
        let also = if others.is_empty() {
            String::new()
        } else {
            format!(" (so do {})", others.join(", "))
        };
        d.help(format!(
            "declare the column's type in journey.toml (`[types]` then `{column} = \"{}\"`), or export the files alike{also}",
            schema::declared_word(&tb)
        ))
    }

    fn partial_error(&self, partial: &[(String, Option<Span>)]) -> Diagnostic {
        let (column, span) = &partial[0];
        let info = &self.data.columns[column];
        let mut d = Diagnostic::new(
            "J4008",
            format!(
                "column `{column}` is missing from {} of {} data files: {}",
                info.absent_in.len(),
                self.data.files().len(),
                self.files_named(&info.absent_in)
            ),
        );
        if let Some(s) = span {
            d = d.primary(*s, format!("needs column `{column}`"));
        }
        d.help("export every file with the column, leave those files out of --data, or read the column as NULL there: `missing_columns = \"null\"` under `[data]` in journey.toml, or --missing-columns null")
    }

    /// A column as text (for `by` and `same` values, compared and shown as strings).
    pub fn text(&self, name: &str, span: Option<Span>) -> Result<Expr, Diagnostic> {
        Ok(cast(self.column(name, span)?, DataType::Utf8))
    }

    /// The `same` columns as one text key, NULL when any of them is NULL (such an activity can
    /// be in no chain); `None` without `same`.
    pub fn same_key(&self, columns: &[Spanned<String>]) -> Result<Option<Expr>, Diagnostic> {
        let parts = columns
            .iter()
            .map(|c| self.text(&c.node, Some(c.span)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match parts.len() {
            0 => None,
            1 => parts.into_iter().next(),
            _ => {
                // Unit separator between values: it never occurs in ordinary text, so two
                // different tuples never give the same key.
                let any_null = parts
                    .iter()
                    .map(|p| p.clone().is_null())
                    .reduce(Expr::or)
                    .unwrap_or(lit(false));
                let mut joined = Vec::new();
                for (i, p) in parts.into_iter().enumerate() {
                    if i > 0 {
                        joined.push(lit("\u{1f}"));
                    }
                    joined.push(p);
                }
                Some(
                    when(any_null, lit(ScalarValue::Utf8(None)))
                        .otherwise(concat(joined))
                        .map_err(|e| Diagnostic::internal(format!("cannot plan `same`: {e}")))?,
                )
            }
        })
    }

    /// The data type of a mapped column (which must exist).
    pub fn column_type(&self, name: &str) -> Option<DataType> {
        let (column, _) = self.config.columns.resolve(name);
        self.data
            .schema
            .field_with_name(column)
            .ok()
            .map(|f| f.data_type().clone())
    }

    fn type_is(&self, codes: &[&str], span: Span) -> Result<Expr, Diagnostic> {
        let ty = self.column("type", Some(span))?;
        Ok(match codes {
            [one] => ty.eq(lit(*one)),
            many => ty.in_list(many.iter().map(|c| lit(*c)).collect(), false),
        })
    }

    fn equals(&self, name: &str, value: &str, span: Span) -> Result<Expr, Diagnostic> {
        Ok(self.column(name, Some(span))?.eq(lit(value)))
    }

    /// A text operator (`contains`, `like`, …) needs a text column: on a number, a time or
    /// true/false it has no meaning (J4002), and DataFusion would refuse to plan it.
    fn text_column(&self, name: &str, op: CompareOp, span: Span) -> Result<Expr, Diagnostic> {
        let col = self.column(name, Some(span))?;
        match self.column_type(name) {
            Some(ty) if !is_text(&ty) => {
                let (column, _) = self.config.columns.resolve(name);
                Err(Diagnostic::new(
                    "J4002",
                    format!(
                        "column `{column}` ({}) has type {ty}, and `{}` compares text",
                        self.label(),
                        op.text()
                    ),
                )
                .primary(span, format!("`{column}` is not text in the data"))
                .help("compare numbers with `=`, `<`, `>=`, `in [...]`; or match another column"))
            }
            _ => Ok(col),
        }
    }

    /// A rule: its activity type(s), arguments and `where` filter.
    pub fn rule(&self, r: &RuleMatch) -> Result<Expr, Diagnostic> {
        let t = &self.config.activity_types;
        let s = r.span;
        let mut parts: Vec<Expr> = Vec::new();
        match &r.kind {
            RuleKind::VisitedPage {
                page,
                like,
                channel,
            }
            | RuleKind::LandedOnPage {
                page,
                like,
                channel,
            } => {
                let codes: Vec<&str> = if matches!(r.kind, RuleKind::VisitedPage { .. }) {
                    vec![&t.page_visit, &t.landing_page]
                } else {
                    vec![&t.landing_page]
                };
                parts.push(self.type_is(&codes, s)?);
                parts.push(if *like {
                    let url = self.text_column("url", CompareOp::Like, page.span)?;
                    pattern(url, &page.node)
                } else {
                    self.equals("url", &page.node, page.span)?
                });
                if let Some(c) = channel {
                    parts.push(self.equals("channel", &c.node, c.span)?);
                }
            }
            RuleKind::SubmittedForm { form } => {
                parts.push(self.type_is(&[&t.form_submission], s)?);
                parts.push(self.equals("form", &form.node, form.span)?);
            }
            RuleKind::ClickedEmailLink { email } | RuleKind::OpenedEmail { email } => {
                let code = if matches!(r.kind, RuleKind::ClickedEmailLink { .. }) {
                    &t.email_click
                } else {
                    &t.email_open
                };
                parts.push(self.type_is(&[code], s)?);
                if let Some(e) = email {
                    parts.push(self.equals("email", &e.node, e.span)?);
                }
            }
            RuleKind::CustomActivity { kind } | RuleKind::Activity { kind } => {
                parts.push(self.type_is(&[&kind.node], kind.span)?);
            }
            RuleKind::Registered => parts.push(self.type_is(&[&t.registration], s)?),
            RuleKind::AnyActivity => {}
        }
        if let Some(f) = &r.filter {
            parts.push(self.filter(f)?);
        }
        Ok(parts.into_iter().reduce(Expr::and).unwrap_or(lit(true)))
    }

    fn filter(&self, f: &Filter) -> Result<Expr, Diagnostic> {
        match &f.kind {
            FilterKind::And(parts) => {
                let es = parts
                    .iter()
                    .map(|p| self.filter(p))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(es.into_iter().reduce(Expr::and).unwrap_or(lit(true)))
            }
            FilterKind::Or(parts) => {
                let es = parts
                    .iter()
                    .map(|p| self.filter(p))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(es.into_iter().reduce(Expr::or).unwrap_or(lit(false)))
            }
            FilterKind::Compare(c) => {
                let text_op = matches!(
                    c.op.node,
                    CompareOp::Contains
                        | CompareOp::StartsWith
                        | CompareOp::EndsWith
                        | CompareOp::Matches
                        | CompareOp::Like
                );
                let mut col = if text_op {
                    self.text_column(&c.column.node, c.op.node, c.column.span)?
                } else {
                    self.column(&c.column.node, Some(c.column.span))?
                };
                let numeric = |l: &Literal| matches!(l, Literal::Integer(_) | Literal::Float(_));
                let compares_numbers = match &c.value {
                    CompareValue::One(l) => numeric(&l.node),
                    CompareValue::List(l) => l.node.iter().any(|v| numeric(&v.node)),
                    _ => false,
                };
                let text = matches!(
                    self.column_type(&c.column.node),
                    Some(DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
                );
                if compares_numbers && text {
                    // A number column exported as text (CSV `Amount`): compare numbers, not
                    // texts ("100" < "99"); a value that is no number is an error, not false.
                    col = cast(col, DataType::Float64);
                }
                let one = || match &c.value {
                    CompareValue::One(l) => literal(&l.node),
                    _ => lit(ScalarValue::Null),
                };
                Ok(match c.op.node {
                    CompareOp::Eq => col.eq(one()),
                    // NULL differs from every value (docs/semantics.md).
                    CompareOp::Ne => col.clone().is_null().or(col.not_eq(one())),
                    CompareOp::Lt => col.lt(one()),
                    CompareOp::Le => col.lt_eq(one()),
                    CompareOp::Gt => col.gt(one()),
                    CompareOp::Ge => col.gt_eq(one()),
                    CompareOp::Contains => contains(col, one()),
                    CompareOp::StartsWith => starts_with(col, one()),
                    CompareOp::EndsWith => ends_with(col, one()),
                    CompareOp::Matches => regexp_like(col, one(), None),
                    CompareOp::Like => match &c.value {
                        CompareValue::One(Spanned {
                            node: Literal::String(p),
                            ..
                        }) => pattern(col, p),
                        _ => lit(false),
                    },
                    CompareOp::In => match &c.value {
                        CompareValue::List(l) => {
                            col.in_list(l.node.iter().map(|v| literal(&v.node)).collect(), false)
                        }
                        _ => lit(false),
                    },
                    CompareOp::IsNull => col.is_null(),
                    CompareOp::IsNotNull => col.is_not_null(),
                })
            }
        }
    }

    /// The time column as microseconds since the epoch (Int64).
    pub fn time_micros(&self) -> Result<Expr, Diagnostic> {
        let col = self.column("time", None)?;
        let Some(ty) = self.column_type("time") else {
            // Missing: recorded by `column`, reported by `finish`.
            return Ok(lit(ScalarValue::Int64(None)));
        };
        // Every form goes through plain integers, so the SQL shown by `journey explain` (where
        // TIMESTAMP means nanoseconds) computes exactly what the plan computes.
        let nanos = DataType::Timestamp(TimeUnit::Nanosecond, None);
        let lenient = self.lenient_time;
        let from_nanos = |e: Expr| {
            let ts = if lenient {
                // Unreadable values become NULL, and are counted as skipped rows.
                Expr::TryCast(TryCast::new(Box::new(e), nanos.clone()))
            } else {
                cast(e, nanos.clone())
            };
            cast(ts, DataType::Int64) / lit(1_000i64)
        };
        Ok(match ty {
            // The stored value is the UTC instant in the column's unit, whatever its zone.
            DataType::Timestamp(unit, _) => {
                let raw = cast(col, DataType::Int64);
                match unit {
                    TimeUnit::Second => raw * lit(1_000_000i64),
                    TimeUnit::Millisecond => raw * lit(1_000i64),
                    TimeUnit::Microsecond => raw,
                    TimeUnit::Nanosecond => raw / lit(1_000i64),
                }
            }
            DataType::Date32 | DataType::Date64 => from_nanos(col),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                match &self.config.time.format {
                    // A declared format: parsed by journey (data::time), never guessed.
                    Some(f) => crate::data::time::parse(col, f, lenient),
                    None => from_nanos(col),
                }
            }
            DataType::Int64 | DataType::Int32 | DataType::UInt32 | DataType::UInt64 => {
                // Epoch numbers: seconds, milliseconds or microseconds, told apart by size
                // (1e11 seconds is the year 5138; 1e14 milliseconds the year 5138 too).
                let v = cast(col, DataType::Int64);
                when(v.clone().gt_eq(lit(100_000_000_000_000i64)), v.clone())
                    .when(
                        v.clone().gt_eq(lit(100_000_000_000i64)),
                        v.clone() * lit(1_000i64),
                    )
                    .otherwise(v * lit(1_000_000i64))
                    .map_err(|e| {
                        Diagnostic::internal(format!("cannot plan the time column: {e}"))
                    })?
            }
            other => {
                let (column, _) = self.config.columns.resolve("time");
                return Err(Diagnostic::new(
                    "J4002",
                    format!("column `{column}` ({}) has type {other}, not a time", self.label()),
                )
                .help("the time column must be a timestamp, a date, an ISO-8601 string or epoch seconds/milliseconds; map another column with `columns.time` in journey.toml"));
            }
        })
    }

    /// The rows of `[from, to)` (microseconds) tested on the time column itself, or NULL there,
    /// when it is a timestamp: a filter a Parquet reader can test against its row groups'
    /// statistics, skipping those wholly outside (the time in microseconds is an expression over
    /// the column, which statistics cannot answer). It keeps exactly the rows whose time
    /// `time_micros` places in the range, and those without a time.
    pub fn time_range(&self, from: i64, to: i64) -> Option<Expr> {
        let (column, _) = self.config.columns.resolve("time");
        let DataType::Timestamp(unit, zone) = self.column_type("time")? else {
            return None;
        };
        // time_micros of a raw value r: seconds r·1e6, millis r·1e3, micros r, nanos ⌊r/1e3⌋;
        // so r ≥ from and r < to at the unit, rounding up.
        let at = |micros: i64| -> Option<ScalarValue> {
            let up = |d: i64| micros.div_euclid(d) + (micros.rem_euclid(d) != 0) as i64;
            Some(match unit {
                TimeUnit::Second => ScalarValue::TimestampSecond(Some(up(1_000_000)), zone.clone()),
                TimeUnit::Millisecond => {
                    ScalarValue::TimestampMillisecond(Some(up(1_000)), zone.clone())
                }
                TimeUnit::Microsecond => {
                    ScalarValue::TimestampMicrosecond(Some(micros), zone.clone())
                }
                TimeUnit::Nanosecond => {
                    ScalarValue::TimestampNanosecond(Some(micros.checked_mul(1_000)?), zone.clone())
                }
            })
        };
        let col = ident(column);
        Some(
            col.clone()
                .gt_eq(lit(at(from)?))
                .and(col.clone().lt(lit(at(to)?)))
                .or(col.is_null()),
        )
    }

    /// The activity id used to break ties, or 0 where the data has none (or it is not a
    /// number: string ids do not take part in tie-breaking).
    ///
    /// The id is optional: a file without the column is not an error, its rows just have no
    /// id to break ties with (docs/semantics.md).
    pub fn tiebreak(&self) -> Expr {
        let (column, _) = self.config.columns.resolve("activity_id");
        match self.column_type("activity_id") {
            Some(t) if t.is_integer() => cast(ident(column), DataType::Int64),
            _ => lit(0i64),
        }
    }

    /// Bit `i` set when the row matches atom `i`.
    pub fn mask(&self, rules: &[RuleMatch]) -> Result<Expr, Diagnostic> {
        let mut out: Option<Expr> = None;
        for (i, r) in rules.iter().enumerate() {
            let bit = (1u64 << i) as i64;
            let e = when(self.rule(r)?, lit(bit))
                .otherwise(lit(0i64))
                .map_err(|e| Diagnostic::internal(format!("cannot plan a rule: {e}")))?;
            out = Some(match out {
                None => e,
                Some(acc) => Expr::BinaryExpr(BinaryExpr::new(
                    Box::new(acc),
                    Operator::BitwiseOr,
                    Box::new(e),
                )),
            });
        }
        Ok(out.unwrap_or(lit(0i64)))
    }
}

fn literal(l: &Literal) -> Expr {
    match l {
        Literal::String(s) => lit(s.as_str()),
        Literal::Integer(i) => lit(*i),
        Literal::Float(f) => lit(*f),
        Literal::Bool(b) => lit(*b),
        Literal::Time(t) => lit(ScalarValue::TimestampMicrosecond(
            Some(t.micros),
            Some("UTC".into()),
        )),
    }
}

/// What a rule tests, in the data's terms: the activity type codes it accepts, the journey.toml
/// key mapping them (for built-in rules), the columns it compares with a value, and whether a
/// `where` filter narrows it. For the warnings about rules that match nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleParts {
    /// Empty for `any activity`.
    pub codes: Vec<String>,
    pub mapping: Option<&'static str>,
    /// (column, value) pairs the rule needs equal.
    pub args: Vec<(String, String)>,
    /// (column, pattern) pairs the rule needs `like` (check::pattern).
    pub patterns: Vec<(String, String)>,
    pub filtered: bool,
}

pub fn rule_parts(r: &RuleMatch, config: &crate::config::Config) -> RuleParts {
    let t = &config.activity_types;
    let column = |name: &str| config.columns.resolve(name).0.to_string();
    let mut patterns = Vec::new();
    let (codes, mapping, args): (Vec<&str>, Option<&'static str>, Vec<(String, String)>) = match &r
        .kind
    {
        RuleKind::VisitedPage {
            page,
            like,
            channel,
        }
        | RuleKind::LandedOnPage {
            page,
            like,
            channel,
        } => {
            if *like {
                patterns.push((column("url"), page.node.clone()));
            }
            let (codes, key): (Vec<&str>, _) = if matches!(r.kind, RuleKind::VisitedPage { .. }) {
                (
                    vec![&t.page_visit, &t.landing_page],
                    "activity_types.page_visit",
                )
            } else {
                (vec![&t.landing_page], "activity_types.landing_page")
            };
            let mut args = Vec::new();
            if !like {
                args.push((column("url"), page.node.clone()));
            }
            if let Some(c) = channel {
                args.push((column("channel"), c.node.clone()));
            }
            (codes, Some(key), args)
        }
        RuleKind::SubmittedForm { form } => (
            vec![&t.form_submission],
            Some("activity_types.form_submission"),
            vec![(column("form"), form.node.clone())],
        ),
        RuleKind::ClickedEmailLink { email } | RuleKind::OpenedEmail { email } => {
            let (code, key) = if matches!(r.kind, RuleKind::ClickedEmailLink { .. }) {
                (&t.email_click, "activity_types.email_click")
            } else {
                (&t.email_open, "activity_types.email_open")
            };
            let args = email
                .iter()
                .map(|e| (column("email"), e.node.clone()))
                .collect();
            (vec![code], Some(key), args)
        }
        RuleKind::CustomActivity { kind } | RuleKind::Activity { kind } => {
            (vec![kind.node.as_str()], None, Vec::new())
        }
        RuleKind::Registered => (
            vec![&t.registration],
            Some("activity_types.registration"),
            Vec::new(),
        ),
        RuleKind::AnyActivity => (Vec::new(), None, Vec::new()),
    };
    RuleParts {
        codes: codes.into_iter().map(str::to_string).collect(),
        mapping,
        args,
        patterns,
        filtered: r.filter.is_some(),
    }
}
