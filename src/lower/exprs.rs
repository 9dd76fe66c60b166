//! DataFusion expressions for rules, `where` filters, times and masks. Built with `Expr`
//! constructors only — never SQL text — so no journey string can change a query's shape.

use super::atoms::Atoms;
use super::Binding;
use crate::check::hir::RuleMatch;
use crate::diagnostics::Diagnostic;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{CompareOp, CompareValue, Filter, FilterKind, Literal, RuleKind};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn::{concat, contains, ends_with, regexp_like, starts_with};
use datafusion::logical_expr::{cast, lit, when, BinaryExpr, Expr, Operator, TryCast};
use datafusion::prelude::ident;

impl Binding<'_> {
    /// A column of the data for a name used in the journey, or a diagnostic at `span`.
    pub fn column(&self, name: &str, span: Option<Span>) -> Result<Expr, Diagnostic> {
        let (column, key) = self.config.columns.resolve(name);
        if self.schema.field_with_name(column).is_ok() {
            return Ok(ident(column));
        }
        let mut d = Diagnostic::new(
            "J4001",
            format!("column `{column}` is not in the data ({})", self.data_label),
        );
        if let Some(s) = span {
            d = d.primary(s, format!("needs column `{column}`"));
        }
        let available: Vec<&str> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        let suggestion =
            crate::diagnostics::suggest::did_you_mean(column, available.iter().copied())
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
        let help = match key {
            Some(k) => format!(
                "{suggestion}map the logical field to the export's column with `{k} = \"…\"` in journey.toml; the data has: {}",
                available.join(", ")
            ),
            None => format!("{suggestion}the data has: {}", available.join(", ")),
        };
        Err(d.help(help))
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
                        .map_err(|e| {
                            Diagnostic::new("J5001", format!("cannot plan `same`: {e}"))
                        })?,
                )
            }
        })
    }

    /// The data type of a mapped column (which must exist).
    pub fn column_type(&self, name: &str) -> Option<DataType> {
        let (column, _) = self.config.columns.resolve(name);
        self.schema
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

    /// A rule: its activity type(s), arguments and `where` filter.
    pub fn rule(&self, r: &RuleMatch) -> Result<Expr, Diagnostic> {
        let t = &self.config.activity_types;
        let s = r.span;
        let mut parts: Vec<Expr> = Vec::new();
        match &r.kind {
            RuleKind::VisitedPage { page, channel } | RuleKind::LandedOnPage { page, channel } => {
                let codes: Vec<&str> = if matches!(r.kind, RuleKind::VisitedPage { .. }) {
                    vec![&t.page_visit, &t.landing_page]
                } else {
                    vec![&t.landing_page]
                };
                parts.push(self.type_is(&codes, s)?);
                parts.push(self.equals("url", &page.node, page.span)?);
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
                let col = self.column(&c.column.node, Some(c.column.span))?;
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
        let ty = self.column_type("time").unwrap_or(DataType::Null);
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
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => from_nanos(col),
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
                        Diagnostic::new("J5001", format!("cannot plan the time column: {e}"))
                    })?
            }
            DataType::Null => {
                let (column, _) = self.config.columns.resolve("time");
                return Err(Diagnostic::new(
                    "J4003",
                    format!(
                        "column `{column}` has no values ({}): the data looks empty",
                        self.data_label
                    ),
                )
                .help("point --data at an export with activities"));
            }
            other => {
                let (column, _) = self.config.columns.resolve("time");
                return Err(Diagnostic::new(
                    "J4002",
                    format!("column `{column}` ({}) has type {other}, not a time", self.data_label),
                )
                .help("the time column must be a timestamp, a date, an ISO-8601 string or epoch seconds/milliseconds; map another column with `columns.time` in journey.toml"));
            }
        })
    }

    /// The activity id used to break ties, or 0 where the data has none (or it is not a
    /// number: string ids do not take part in tie-breaking).
    pub fn tiebreak(&self) -> Expr {
        match self.column_type("activity_id") {
            Some(t) if t.is_integer() => cast(
                self.column("activity_id", None).unwrap_or(lit(0i64)),
                DataType::Int64,
            ),
            _ => lit(0i64),
        }
    }

    /// Bit `i` set when the row matches atom `i`.
    pub fn mask(&self, atoms: &Atoms) -> Result<Expr, Diagnostic> {
        let mut out: Option<Expr> = None;
        for (i, r) in atoms.rules.iter().enumerate() {
            let bit = (1u64 << i) as i64;
            let e = when(self.rule(r)?, lit(bit))
                .otherwise(lit(0i64))
                .map_err(|e| Diagnostic::new("J5001", format!("cannot plan a rule: {e}")))?;
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
