//! The typed syntax tree of a `.journey` file. It mirrors what was written (option order,
//! `all of` vs `and`, units as written) so the formatter can print it back; every node has a span.
//! Meaning (which options are allowed where, what a stage reference points at) is the checker's.

use crate::span::{Span, Spanned};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct File {
    pub journeys: Vec<Journey>,
    /// `test "…" of "…" { … }` blocks, in the order written.
    pub tests: Vec<Test>,
}

/// A `test "name" of "journey" { … }` block: example contacts and what the journey of the same
/// file must make of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Test {
    pub name: Spanned<String>,
    pub journey: Spanned<String>,
    pub items: Vec<TestItem>,
    /// From the keyword to the closing brace.
    pub span: Span,
    pub keyword: Span,
    pub close_brace: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestItem {
    pub kind: TestItemKind,
    pub span: Span,
    pub keyword: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TestItemKind {
    /// `start T`: what `+D` times count from.
    Start(Spanned<TimePoint>),
    Contact(TestContact),
    Expect(Expectation),
}

/// `contact "id" { at … rule … }`: one example contact's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestContact {
    pub id: Spanned<String>,
    pub activities: Vec<TestActivity>,
    pub close_brace: Span,
}

/// `at MOMENT RULE [with column value, …]`: one activity, written as the rule it would match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestActivity {
    pub at: Spanned<Moment>,
    pub rule: Rule,
    pub fields: Vec<(Spanned<String>, Spanned<Literal>)>,
    pub span: Span,
}

/// A time in a test: an instant, or `+D` after the test's start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Moment {
    After(Duration),
    At(TimePoint),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expectation {
    /// `expect "id" reaches stage N [at MOMENT]` (`stage: None`: `reaches no stage`).
    Reaches {
        contact: Spanned<String>,
        stage: Option<StageRef>,
        at: Option<Spanned<Moment>>,
    },
    /// `expect counts a, b, …`: the number reaching each stage, in stage order.
    Counts(Vec<Spanned<i64>>),
}

/// A `journey "…" { … }` or `stage "…" { … }` block: a name and its options. The two have one
/// shape, as the grammar accepts every option in both and the checker sorts them out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    pub name: Spanned<String>,
    pub items: Vec<Item>,
    /// From the keyword to the closing brace.
    pub span: Span,
    /// The `journey` or `stage` keyword, for "first declared here" labels.
    pub keyword: Span,
    pub close_brace: Span,
}

pub type Journey = Block;
pub type Stage = Block;

/// One option of a journey or stage body. The grammar accepts every option in both places; the
/// checker reports one in the wrong place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
    /// The option's leading keyword (`kpi`, `within`, …).
    pub keyword: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ItemKind {
    Stage(Stage),
    Description(Spanned<String>),
    Period {
        from: Spanned<TimePoint>,
        to: Spanned<TimePoint>,
    },
    /// `within D` (journey window) or `within D of previous stage` (stage window).
    Within {
        duration: Spanned<Duration>,
        of_previous_stage: bool,
    },
    /// `at least D after previous stage` (a stage's minimum gap).
    MinGap(Spanned<Duration>),
    Order(Spanned<Order>),
    Ties(Spanned<Ties>),
    Exclude {
        condition: Condition,
        from: StageRef,
        to: StageRef,
    },
    /// `by COLUMN`, and where the value comes from (`from stage N`, `from last stage`).
    By {
        column: Spanned<String>,
        from: Option<BySource>,
    },
    /// `count by COLUMN`: the funnel's unit is the column's value, not the contact.
    CountBy(Spanned<String>),
    Same(Spanned<String>),
    Trend(Spanned<Trend>),
    Segment(Spanned<String>),
    Kpi(Spanned<i64>),
    Optional,
    When(Condition),
}

impl ItemKind {
    /// The option's keyword as written, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Stage(_) => "stage",
            ItemKind::Description(_) => "description",
            ItemKind::Period { .. } => "period",
            ItemKind::Within {
                of_previous_stage: false,
                ..
            } => "within",
            ItemKind::Within {
                of_previous_stage: true,
                ..
            } => "within … of previous stage",
            ItemKind::MinGap(_) => "at least … after previous stage",
            ItemKind::Order(_) => "order",
            ItemKind::Ties(_) => "ties",
            ItemKind::Exclude { .. } => "exclude",
            ItemKind::By { .. } => "by",
            ItemKind::CountBy(_) => "count by",
            ItemKind::Same(_) => "same",
            ItemKind::Trend(_) => "trend",
            ItemKind::Segment(_) => "segment",
            ItemKind::Kpi(_) => "kpi",
            ItemKind::Optional => "optional",
            ItemKind::When(_) => "when",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Sequential,
    Strict,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    Allowed,
    Forbidden,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Daily,
    Weekly,
    Monthly,
}

/// A reference to a stage of the same journey: `stage 2` or `stage "Requested case study"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageRef {
    pub target: StageTarget,
    pub span: Span,
}

/// Where a breakdown's value comes from: `from stage N` (or a name), or `from last stage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum BySource {
    Stage(StageRef),
    Last(Span),
}

impl BySource {
    pub fn span(&self) -> Span {
        match self {
            BySource::Stage(r) => r.span,
            BySource::Last(s) => *s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StageTarget {
    Number(i64),
    Name(String),
}

/// An instant as written (`2025-09-01` or an RFC 3339 timestamp), with its value in
/// microseconds since the Unix epoch (UTC; a date means its midnight UTC).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimePoint {
    pub text: String,
    pub micros: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl TimeUnit {
    pub fn micros(self) -> i64 {
        const S: i64 = 1_000_000;
        match self {
            TimeUnit::Seconds => S,
            TimeUnit::Minutes => 60 * S,
            TimeUnit::Hours => 3600 * S,
            TimeUnit::Days => 86_400 * S,
            TimeUnit::Weeks => 7 * 86_400 * S,
        }
    }

    /// Canonical spelling (plural unless the amount is 1), used by the formatter.
    pub fn name(self, amount: i64) -> &'static str {
        let one = amount == 1;
        match self {
            TimeUnit::Seconds if one => "second",
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes if one => "minute",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours if one => "hour",
            TimeUnit::Hours => "hours",
            TimeUnit::Days if one => "day",
            TimeUnit::Days => "days",
            TimeUnit::Weeks if one => "week",
            TimeUnit::Weeks => "weeks",
        }
    }
}

/// A length of time as written: amount and unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Duration {
    pub amount: i64,
    pub unit: TimeUnit,
}

impl Duration {
    /// Microseconds, or `None` if that overflows.
    pub fn micros(&self) -> Option<i64> {
        self.amount.checked_mul(self.unit.micros())
    }
}

/// A stage condition (or an exclusion's condition) as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ConditionKind {
    /// `a and b and c`
    And(Vec<Condition>),
    /// `a or b or c`
    Or(Vec<Condition>),
    /// `not a`
    Not(Box<Condition>),
    /// `all of { a  b }`
    AllOf(Vec<Condition>),
    /// `any of { a  b }`
    AnyOf(Vec<Condition>),
    /// `at least N times: a`
    AtLeast {
        times: Spanned<i64>,
        counted: Box<Condition>,
    },
    Rule(Rule),
}

/// A built-in rule, matching single activity rows, with its optional `where` filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub kind: RuleKind,
    pub filter: Option<Filter>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RuleKind {
    /// `like`: `page` is a pattern (check::pattern), not the exact URL.
    VisitedPage {
        page: Spanned<String>,
        like: bool,
        channel: Option<Spanned<String>>,
    },
    LandedOnPage {
        page: Spanned<String>,
        like: bool,
        channel: Option<Spanned<String>>,
    },
    SubmittedForm {
        form: Spanned<String>,
    },
    ClickedEmailLink {
        email: Option<Spanned<String>>,
    },
    OpenedEmail {
        email: Option<Spanned<String>>,
    },
    CustomActivity {
        kind: Spanned<String>,
    },
    Registered,
    /// `activity "type"`: the escape hatch, any activity type code.
    Activity {
        kind: Spanned<String>,
    },
    AnyActivity,
}

/// A `where` filter over columns of the same activity row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filter {
    pub kind: FilterKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FilterKind {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Compare(Comparison),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub column: Spanned<String>,
    pub op: Spanned<CompareOp>,
    pub value: CompareValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    /// A `*`/`?` pattern (check::pattern).
    Like,
    In,
    IsNull,
    IsNotNull,
}

impl CompareOp {
    pub fn text(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Contains => "contains",
            CompareOp::StartsWith => "starts with",
            CompareOp::EndsWith => "ends with",
            CompareOp::Matches => "matches",
            CompareOp::Like => "like",
            CompareOp::In => "in",
            CompareOp::IsNull => "is null",
            CompareOp::IsNotNull => "is not null",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CompareValue {
    /// `is null` / `is not null`
    None,
    One(Spanned<Literal>),
    List(Spanned<Vec<Spanned<Literal>>>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Time(TimePoint),
}

impl Literal {
    /// What kind of value this is, in words, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Literal::String(_) => "a string",
            Literal::Integer(_) => "a whole number",
            Literal::Float(_) => "a number",
            Literal::Bool(_) => "true/false",
            Literal::Time(_) => "a date",
        }
    }
}
