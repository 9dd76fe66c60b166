//! Builds the typed AST from pest's parse tree. The grammar has already guaranteed the shape, so
//! this only reads tokens into values; what can still be wrong in a token that matched (a date
//! like 2025-13-40, an unknown time unit, an escape like `\q`, a number too large) is collected
//! as a diagnostic, and a placeholder value keeps the tree whole.

use super::ast::*;
use super::parser::Rule as R;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::Diagnostic;
use crate::span::{Span, Spanned};
use pest::iterators::Pair;

pub struct Builder {
    /// Added to every span: the parser may have been started part-way into the file.
    offset: usize,
    pub diagnostics: Vec<Diagnostic>,
}

type P<'i> = Pair<'i, R>;

impl Builder {
    pub fn new(offset: usize) -> Self {
        Builder {
            offset,
            diagnostics: Vec::new(),
        }
    }

    /// The pair's span, ending at its last token: pest's span of a rule that ends in an
    /// optional or repeated part also covers the whitespace and comments skipped before it.
    pub(super) fn span(&self, p: &P) -> Span {
        Span::new(p.as_span().start(), tight_end(p)).shifted(self.offset)
    }

    /// Journeys and tests among the children of a `file` or `journey_tail` pair.
    pub fn blocks(&mut self, root: P) -> (Vec<Journey>, Vec<Test>) {
        let (mut journeys, mut tests) = (Vec::new(), Vec::new());
        for p in root.into_inner() {
            match p.as_rule() {
                R::journey => journeys.push(self.journey(p)),
                R::test => tests.push(self.test(p)),
                _ => {}
            }
        }
        (journeys, tests)
    }

    fn journey(&mut self, p: P) -> Journey {
        self.block(p)
    }

    fn stage(&mut self, p: P) -> Stage {
        self.block(p)
    }

    /// `keyword "name" { item* }`, the shape of journeys and stages.
    fn block(&mut self, p: P) -> Block {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let keyword = self.span(&inner.next().expect("keyword"));
        let name = self.name(inner.next().expect("name"));
        let mut items = Vec::new();
        let mut close_brace = span;
        for c in inner {
            match c.as_rule() {
                R::lbrace => {}
                R::rbrace => close_brace = self.span(&c),
                _ => items.push(self.item(c)),
            }
        }
        Block {
            name,
            items,
            span,
            keyword,
            close_brace,
        }
    }

    pub(super) fn name(&mut self, p: P) -> Spanned<String> {
        let s = p.into_inner().next().expect("string");
        self.string(s)
    }

    fn item(&mut self, p: P) -> Item {
        let span = self.span(&p);
        let rule = p.as_rule();
        if rule == R::stage {
            let stage = self.stage(p);
            let keyword = stage.keyword;
            return Item {
                kind: ItemKind::Stage(stage),
                span,
                keyword,
            };
        }
        let mut inner = p.into_inner();
        let kw = inner.next().expect("keyword");
        let keyword = self.span(&kw);
        let kind = match rule {
            R::description => ItemKind::Description(self.string(inner.next().expect("string"))),
            R::period => {
                let from = self.time_point(inner.next().expect("from"));
                let _dotdot = inner.next();
                let to = self.time_point(inner.next().expect("to"));
                ItemKind::Period { from, to }
            }
            R::within => {
                let duration = self.duration(inner.next().expect("duration"));
                ItemKind::Within {
                    duration,
                    of_previous_stage: inner.next().is_some(),
                }
            }
            R::min_gap => {
                let _least = inner.next();
                ItemKind::MinGap(self.duration(inner.next().expect("duration")))
            }
            R::order => {
                let k = inner.next().expect("order_kind");
                let order = match k.as_str() {
                    "strict" => Order::Strict,
                    "any" => Order::Any,
                    _ => Order::Sequential,
                };
                ItemKind::Order(Spanned::new(order, self.span(&k)))
            }
            R::ties => {
                let k = inner.next().expect("ties_kind");
                let ties = if k.as_str() == "forbidden" {
                    Ties::Forbidden
                } else {
                    Ties::Allowed
                };
                ItemKind::Ties(Spanned::new(ties, self.span(&k)))
            }
            R::exclude => {
                let _when = inner.next();
                let condition = self.condition(inner.next().expect("condition"));
                let _between = inner.next();
                let from = self.stage_ref(inner.next().expect("stage_ref"));
                let _and = inner.next();
                let to = self.stage_ref(inner.next().expect("stage_ref"));
                ItemKind::Exclude {
                    condition,
                    from,
                    to,
                }
            }
            R::breakdown => {
                let column = self.text(inner.next().expect("column"));
                let from = inner.next().map(|source| {
                    // After the `from` keyword.
                    let target = source.into_inner().nth(1).expect("by source");
                    match target.as_rule() {
                        R::last_stage => BySource::Last(self.span(&target)),
                        _ => BySource::Stage(self.stage_ref(target)),
                    }
                });
                ItemKind::By { column, from }
            }
            R::count_by => {
                let _by = inner.next();
                ItemKind::CountBy(self.text(inner.next().expect("column")))
            }
            R::same => ItemKind::Same(self.text(inner.next().expect("column"))),
            R::trend => {
                let k = inner.next().expect("trend_kind");
                let trend = match k.as_str() {
                    "daily" => Trend::Daily,
                    "weekly" => Trend::Weekly,
                    _ => Trend::Monthly,
                };
                ItemKind::Trend(Spanned::new(trend, self.span(&k)))
            }
            R::segment => ItemKind::Segment(self.text(inner.next().expect("word"))),
            R::kpi => ItemKind::Kpi(self.integer(inner.next().expect("integer"))),
            R::optional => ItemKind::Optional,
            R::when => ItemKind::When(self.condition(inner.next().expect("condition"))),
            other => unreachable!("item rule {other:?}"),
        };
        Item {
            kind,
            span,
            keyword,
        }
    }

    pub(super) fn stage_ref(&mut self, p: P) -> StageRef {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let _kw = inner.next();
        let t = inner.next().expect("stage target");
        let target = match t.as_rule() {
            R::integer => StageTarget::Number(self.integer(t).node),
            _ => StageTarget::Name(self.string(t).node),
        };
        StageRef { target, span }
    }

    // ------------------------------------------------------------ conditions

    fn condition(&mut self, p: P) -> Condition {
        // condition -> or_expr
        let or = p.into_inner().next().expect("or_expr");
        self.or_expr(or)
    }

    fn or_expr(&mut self, p: P) -> Condition {
        let span = self.span(&p);
        let parts: Vec<Condition> = p
            .into_inner()
            .filter(|c| c.as_rule() == R::and_expr)
            .map(|c| self.and_expr(c))
            .collect();
        collapse(parts, span, ConditionKind::Or)
    }

    fn and_expr(&mut self, p: P) -> Condition {
        let span = self.span(&p);
        let parts: Vec<Condition> = p
            .into_inner()
            .filter(|c| c.as_rule() == R::unary)
            .map(|c| self.unary(c))
            .collect();
        collapse(parts, span, ConditionKind::And)
    }

    fn unary(&mut self, p: P) -> Condition {
        let mut nots = Vec::new();
        let mut primary = None;
        for c in p.into_inner() {
            if c.as_rule() == R::not_op {
                nots.push(self.span(&c).start);
            } else {
                primary = Some(self.primary(c));
            }
        }
        let mut cond = primary.expect("primary");
        if nots.len() > 1 {
            // Reported here, not built: a long run of `not` would make an arbitrarily deep tree.
            let second = nots[1];
            self.diagnostics.push(
                Diagnostic::new("J2003", "`not not` is not allowed")
                    .primary(Span::new(second, second + 3), "a second `not`")
                    .help("`not` applies to rules only; remove both to require the activity, or keep one"),
            );
            nots.truncate(1);
        }
        for start in nots.into_iter().rev() {
            let span = Span::new(start, cond.span.end);
            cond = Condition {
                kind: ConditionKind::Not(Box::new(cond)),
                span,
            };
        }
        cond
    }

    fn primary(&mut self, p: P) -> Condition {
        let span = self.span(&p);
        match p.as_rule() {
            R::paren => {
                let inner = p
                    .into_inner()
                    .find(|c| c.as_rule() == R::condition)
                    .expect("condition");
                let mut c = self.condition(inner);
                // The parentheses belong to the node, so labels underline them too.
                c.span = span;
                c
            }
            R::all_of | R::any_of => {
                let all = p.as_rule() == R::all_of;
                let members = p
                    .into_inner()
                    .filter(|c| c.as_rule() == R::condition)
                    .map(|c| self.condition(c))
                    .collect();
                let kind = if all {
                    ConditionKind::AllOf(members)
                } else {
                    ConditionKind::AnyOf(members)
                };
                Condition { kind, span }
            }
            R::counted => {
                let mut inner = p.into_inner();
                let _at = inner.next();
                let _least = inner.next();
                let times = self.integer(inner.next().expect("integer"));
                let _times_kw = inner.next();
                let _colon = inner.next();
                let counted = self.primary(inner.next().expect("counted"));
                Condition {
                    kind: ConditionKind::AtLeast {
                        times,
                        counted: Box::new(counted),
                    },
                    span,
                }
            }
            R::activity_rule => Condition {
                kind: ConditionKind::Rule(self.rule(p)),
                span,
            },
            other => unreachable!("primary rule {other:?}"),
        }
    }

    fn rule(&mut self, p: P) -> Rule {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let k = inner.next().expect("rule kind");
        let filter = inner.next().map(|w| {
            let or = w
                .into_inner()
                .find(|c| c.as_rule() == R::where_or)
                .expect("where_or");
            self.where_or(or)
        });
        let kind = self.rule_kind(k);
        Rule { kind, filter, span }
    }

    /// A `rule_kind` pair (`visited page "…" on channel "…"`, …) without its `where`.
    pub(super) fn rule_kind(&mut self, k: P) -> RuleKind {
        let rule = k.as_rule();
        let like = k.clone().into_inner().any(|c| c.as_rule() == R::kw_like);
        let strings: Vec<Spanned<String>> = k
            .into_inner()
            .filter_map(|c| match c.as_rule() {
                R::string => Some(self.string(c)),
                R::on_channel => c
                    .into_inner()
                    .find(|s| s.as_rule() == R::string)
                    .map(|s| self.string(s)),
                _ => None,
            })
            .collect();
        let mut strings = strings.into_iter();
        match rule {
            R::visited_page => RuleKind::VisitedPage {
                page: strings.next().expect("page"),
                like,
                channel: strings.next(),
            },
            R::landed_on_page => RuleKind::LandedOnPage {
                page: strings.next().expect("page"),
                like,
                channel: strings.next(),
            },
            R::submitted_form => RuleKind::SubmittedForm {
                form: strings.next().expect("form"),
            },
            R::clicked_email => RuleKind::ClickedEmailLink {
                email: strings.next(),
            },
            R::opened_email => RuleKind::OpenedEmail {
                email: strings.next(),
            },
            R::custom_activity => RuleKind::CustomActivity {
                kind: strings.next().expect("type"),
            },
            R::registered => RuleKind::Registered,
            R::activity_type => RuleKind::Activity {
                kind: strings.next().expect("type"),
            },
            R::any_activity => RuleKind::AnyActivity,
            other => unreachable!("rule kind {other:?}"),
        }
    }

    fn where_or(&mut self, p: P) -> Filter {
        let span = self.span(&p);
        let parts: Vec<Filter> = p
            .into_inner()
            .filter(|c| c.as_rule() == R::where_and)
            .map(|c| self.where_and(c))
            .collect();
        collapse_filter(parts, span, FilterKind::Or)
    }

    fn where_and(&mut self, p: P) -> Filter {
        let span = self.span(&p);
        let parts: Vec<Filter> = p
            .into_inner()
            .filter(|c| matches!(c.as_rule(), R::where_paren | R::comparison))
            .map(|c| self.where_atom(c))
            .collect();
        collapse_filter(parts, span, FilterKind::And)
    }

    fn where_atom(&mut self, p: P) -> Filter {
        let span = self.span(&p);
        if p.as_rule() == R::where_paren {
            let or = p
                .into_inner()
                .find(|c| c.as_rule() == R::where_or)
                .expect("where_or");
            let mut f = self.where_or(or);
            f.span = span;
            return f;
        }
        let mut inner = p.into_inner();
        let column = self.text(inner.next().expect("column"));
        let next = inner.next().expect("operator");
        let (op, value) = match next.as_rule() {
            R::null_test => {
                let negated = next.clone().into_inner().any(|c| c.as_rule() == R::not_op);
                let op = if negated {
                    CompareOp::IsNotNull
                } else {
                    CompareOp::IsNull
                };
                (Spanned::new(op, self.span(&next)), CompareValue::None)
            }
            R::in_list => {
                let mut parts = next.into_inner();
                let kw = self.span(&parts.next().expect("kw_in"));
                let list = parts.next().expect("list");
                let list_span = self.span(&list);
                let values = list
                    .into_inner()
                    .filter(|c| c.as_rule() == R::literal)
                    .map(|c| self.literal(c))
                    .collect();
                (
                    Spanned::new(CompareOp::In, kw),
                    CompareValue::List(Spanned::new(values, list_span)),
                )
            }
            _ => {
                let op_span = self.span(&next);
                let op_pair = next.into_inner().next().expect("op");
                let op = match op_pair.as_rule() {
                    R::op_eq => CompareOp::Eq,
                    R::op_ne => CompareOp::Ne,
                    R::op_lt => CompareOp::Lt,
                    R::op_le => CompareOp::Le,
                    R::op_gt => CompareOp::Gt,
                    R::op_ge => CompareOp::Ge,
                    R::kw_contains => CompareOp::Contains,
                    R::starts_with => CompareOp::StartsWith,
                    R::ends_with => CompareOp::EndsWith,
                    R::kw_like => CompareOp::Like,
                    _ => CompareOp::Matches,
                };
                let lit = self.literal(inner.next().expect("literal"));
                (Spanned::new(op, op_span), CompareValue::One(lit))
            }
        };
        Filter {
            kind: FilterKind::Compare(Comparison { column, op, value }),
            span,
        }
    }

    pub(super) fn literal(&mut self, p: P) -> Spanned<Literal> {
        let span = self.span(&p);
        let v = p.into_inner().next().expect("literal value");
        let lit = match v.as_rule() {
            R::string => Literal::String(self.string(v).node),
            R::time_point => Literal::Time(self.time_point(v).node),
            R::integer => Literal::Integer(self.integer(v).node),
            R::float => Literal::Float(v.as_str().parse().unwrap_or(0.0)),
            _ => Literal::Bool(v.as_str() == "true"),
        };
        Spanned::new(lit, span)
    }

    // ------------------------------------------------------------ tokens

    pub(super) fn text(&mut self, p: P) -> Spanned<String> {
        Spanned::new(p.as_str().to_string(), self.span(&p))
    }

    /// A quoted string with its escapes resolved; the span includes the quotes.
    pub(super) fn string(&mut self, p: P) -> Spanned<String> {
        let span = self.span(&p);
        let raw = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, other)) => {
                    let at = span.start + 1 + i;
                    self.diagnostics.push(
                        Diagnostic::new("J0004", format!("unknown escape `\\{other}` in a string"))
                            .primary(Span::new(at, at + 1 + other.len_utf8()), "not an escape")
                            .help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`; write `\\\\` for a backslash"),
                    );
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        Spanned::new(out, span)
    }

    pub(super) fn integer(&mut self, p: P) -> Spanned<i64> {
        let span = self.span(&p);
        let digits: String = p.as_str().chars().filter(|c| *c != '_').collect();
        let value = digits.parse::<i64>().unwrap_or_else(|_| {
            self.diagnostics.push(
                Diagnostic::new("J0010", "number too large")
                    .primary(span, "does not fit in 64 bits")
                    .help("numbers range from -9223372036854775808 to 9223372036854775807"),
            );
            0
        });
        Spanned::new(value, span)
    }

    pub(super) fn duration(&mut self, p: P) -> Spanned<Duration> {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let amount = self.integer(inner.next().expect("integer")).node;
        let unit_pair = inner.next().expect("unit");
        let unit_span = self.span(&unit_pair);
        let word = unit_pair.as_str();
        let unit = match word {
            "s" | "sec" | "secs" | "second" | "seconds" => TimeUnit::Seconds,
            "min" | "mins" | "minute" | "minutes" => TimeUnit::Minutes,
            "h" | "hour" | "hours" => TimeUnit::Hours,
            "d" | "day" | "days" => TimeUnit::Days,
            "w" | "week" | "weeks" => TimeUnit::Weeks,
            _ => {
                let units = ["seconds", "minutes", "hours", "days", "weeks"];
                let mut d = Diagnostic::new("J0006", format!("unknown time unit `{word}`"))
                    .primary(unit_span, "not a time unit");
                // Months and years have no fixed length: say what to write instead.
                let days = match word.to_ascii_lowercase().as_str() {
                    "mo" | "mon" | "month" | "months" => Some(30),
                    "y" | "yr" | "yrs" | "year" | "years" => Some(365),
                    _ => None,
                };
                d = match (days, did_you_mean(word, units)) {
                    (Some(per), _) => d.help(format!(
                        "a {} has no fixed length: write `{} days`; units are s, minutes, hours, days and weeks",
                        if per == 30 { "month" } else { "year" },
                        amount.saturating_mul(per)
                    )),
                    (None, Some(s)) => d.help(format!(
                        "did you mean `{s}`? Units are s, minutes, hours, days and weeks"
                    )),
                    (None, None) => d.help("units are s (seconds), minutes, hours, days and weeks"),
                };
                self.diagnostics.push(d);
                TimeUnit::Days
            }
        };
        Spanned::new(Duration { amount, unit }, span)
    }

    pub(super) fn time_point(&mut self, p: P) -> Spanned<TimePoint> {
        let span = self.span(&p);
        let text = p.as_str().to_string();
        let micros = parse_time_point(&text).unwrap_or_else(|| {
            self.diagnostics.push(
                Diagnostic::new("J0005", format!("`{text}` is not a valid date or timestamp"))
                    .primary(span, "no such date or time")
                    .help("write a date as YYYY-MM-DD (2025-09-01) or a timestamp as 2025-09-01T10:30:00Z"),
            );
            0
        });
        Spanned::new(TimePoint { text, micros }, span)
    }
}

fn tight_end(p: &P) -> usize {
    if p.as_rule() == R::string {
        return p.as_span().end();
    }
    match p.clone().into_inner().last() {
        Some(last) => tight_end(&last),
        None => p.as_span().end(),
    }
}

/// Microseconds since the epoch of a date (midnight UTC) or an RFC 3339-like timestamp without
/// or with zone (no zone means UTC).
pub fn parse_time_point(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if text.len() == 10 {
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_micros());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    // With a zone but without seconds: 2025-09-01T10:30Z / +02:00.
    let (head, zone) = if let Some(h) = text.strip_suffix('Z') {
        (h, "+00:00")
    } else if text.len() > 6 {
        text.split_at(text.len() - 6)
    } else {
        return None;
    };
    DateTime::parse_from_rfc3339(&format!("{head}:00{zone}"))
        .ok()
        .map(|dt| dt.timestamp_micros())
}

fn collapse(
    mut parts: Vec<Condition>,
    span: Span,
    make: fn(Vec<Condition>) -> ConditionKind,
) -> Condition {
    if parts.len() == 1 {
        return parts.pop().expect("one part");
    }
    Condition {
        kind: make(parts),
        span,
    }
}

fn collapse_filter(
    mut parts: Vec<Filter>,
    span: Span,
    make: fn(Vec<Filter>) -> FilterKind,
) -> Filter {
    if parts.len() == 1 {
        return parts.pop().expect("one part");
    }
    Filter {
        kind: make(parts),
        span,
    }
}
