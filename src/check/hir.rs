//! The checked journey (HIR): what the lowering and the engine consume. Everything here has been
//! validated — names resolved to indices, numbers positive, durations in microseconds, regexes
//! valid and within the size limit (kept as text: DataFusion compiles them), `not` only where it
//! means something, rules numbered — so later stages never re-check.

pub use crate::engine::program::ByFrom;
use crate::span::{Span, Spanned};
use crate::syntax::ast;
use serde::Serialize;

pub use crate::syntax::ast::{Order, Ties, Trend};

#[derive(Debug, Clone, Serialize)]
pub struct Journey {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub description: Option<String>,
    pub period: Option<Period>,
    /// Conversion window from stage 1, in microseconds (inclusive).
    pub window: Option<Spanned<i64>>,
    pub order: Order,
    pub ties: Ties,
    pub exclusions: Vec<Exclusion>,
    /// Breakdown column (`by`).
    pub by: Option<Spanned<String>>,
    /// Which activity of the counted chain gives the breakdown value (`by … from …`).
    pub by_from: ByFrom,
    /// `count by`: the column whose value is the funnel's unit (the contact when `None`).
    pub count_by: Option<Spanned<String>>,
    /// Hold-constant columns (`same`).
    pub same: Vec<Spanned<String>>,
    pub trend: Option<Trend>,
    pub stages: Vec<Stage>,
    /// The journey's distinct rules, numbered (bit `i` of a row's mask is rule `i`).
    #[serde(skip)]
    pub rules: super::rules::Rules,
}

/// Only activities with `from <= time < to` are in scope (microseconds since the epoch, UTC).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Period {
    pub from: i64,
    pub to: i64,
    pub span: Span,
}

impl Period {
    /// The period of equal length just before this one (`--compare-period previous`): it ends
    /// where this one starts.
    pub fn previous(self) -> Period {
        Period {
            from: self.from - (self.to - self.from),
            to: self.from,
            span: self.span,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub description: Option<String>,
    pub segment: Option<Segment>,
    pub kpi: Option<u64>,
    pub optional: bool,
    /// `within D of previous stage`, in microseconds (inclusive).
    pub window: Option<Spanned<i64>>,
    /// `at least D after previous stage`, in microseconds (inclusive).
    pub min_gap: Option<Spanned<i64>>,
    pub condition: StageCondition,
}

/// What a stage needs. Every variant but `Absent` is met at a time (see docs/semantics.md).
#[derive(Debug, Clone, Serialize)]
pub enum StageCondition {
    /// One activity matching the predicate.
    Match(Predicate),
    /// The `times`-th activity matching the predicate.
    AtLeast { times: u32, predicate: Predicate },
    /// Every part; met when the last part is met. Holds at least one positive part.
    All(Vec<StageCondition>),
    /// Any part; met when the first part is met. Every part is positive.
    Any(Vec<StageCondition>),
    /// Contact-level: no activity in scope matches. Only ever a member of `All`.
    Absent(Predicate),
}

/// A test on a single activity row.
#[derive(Debug, Clone, Serialize)]
#[allow(clippy::large_enum_variant)] // built once per journey, never in a hot loop
pub enum Predicate {
    Rule(RuleMatch),
    /// Matches when any member matches.
    Any(Vec<Predicate>),
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleMatch {
    pub kind: ast::RuleKind,
    pub filter: Option<ast::Filter>,
    pub span: Span,
}

/// `exclude when <predicate> between stage from and stage to` (0-based stage indices, from < to).
#[derive(Debug, Clone, Serialize)]
pub struct Exclusion {
    pub predicate: Predicate,
    pub from: usize,
    pub to: usize,
    pub span: Span,
}

/// Kentico's contact segments, and the See-Think-Do-Care stages, each in funnel order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Segment {
    TargetGroup,
    Prospect,
    Lead,
    Mql,
    Sql,
    Customer,
    See,
    Think,
    Do,
    Care,
}

impl Segment {
    pub const ALL: [Segment; 10] = [
        Segment::TargetGroup,
        Segment::Prospect,
        Segment::Lead,
        Segment::Mql,
        Segment::Sql,
        Segment::Customer,
        Segment::See,
        Segment::Think,
        Segment::Do,
        Segment::Care,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Segment::TargetGroup => "target-group",
            Segment::Prospect => "prospect",
            Segment::Lead => "lead",
            Segment::Mql => "mql",
            Segment::Sql => "sql",
            Segment::Customer => "customer",
            Segment::See => "see",
            Segment::Think => "think",
            Segment::Do => "do",
            Segment::Care => "care",
        }
    }

    pub fn parse(s: &str) -> Option<Segment> {
        Segment::ALL
            .into_iter()
            .find(|seg| seg.name().eq_ignore_ascii_case(s))
    }

    /// (family, rank): segments of one family are ordered by rank along a funnel.
    pub fn family_rank(self) -> (u8, u8) {
        match self {
            Segment::TargetGroup => (0, 0),
            Segment::Prospect => (0, 1),
            Segment::Lead => (0, 2),
            Segment::Mql => (0, 3),
            Segment::Sql => (0, 4),
            Segment::Customer => (0, 5),
            Segment::See => (1, 0),
            Segment::Think => (1, 1),
            Segment::Do => (1, 2),
            Segment::Care => (1, 3),
        }
    }
}

/// A checked `test` block, of a journey of the same file that checked without error.
#[derive(Debug, Clone, Serialize)]
pub struct Test {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub journey: String,
    /// What `+D` counts from (microseconds since the epoch, UTC).
    pub start: i64,
    pub contacts: Vec<TestContact>,
    pub expectations: Vec<TestExpectation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestContact {
    pub id: String,
    pub span: Span,
    pub activities: Vec<TestActivity>,
}

/// One example activity: the rule it is written as (never a pattern, never `any activity`) and
/// its other fields by the name written (a column or a `journey.toml` logical name).
#[derive(Debug, Clone, Serialize)]
pub struct TestActivity {
    pub time: i64,
    pub kind: ast::RuleKind,
    pub fields: Vec<(String, ast::Literal)>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestExpectation {
    pub expected: Expected,
    /// The whole `expect …` line, which `journey test --update` rewrites.
    pub span: Span,
    /// How it was written, so an update keeps the author's style: the stage by name (else by
    /// number), the time relative to the start (else as an instant).
    pub stage_by_name: bool,
    pub at_relative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expected {
    /// The deepest stage the contact reaches (0-based; `None`: no stage), and when it reached it.
    Reaches {
        contact: String,
        stage: Option<usize>,
        at: Option<i64>,
    },
    /// The number reaching each stage, as `journey run` counts them.
    Counts(Vec<u64>),
}
