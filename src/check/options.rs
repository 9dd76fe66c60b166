//! Sorting a journey's or stage's options: each option in its place (J1010) and given at most
//! once (J1006), and durations turned into microseconds (J3002, J3008).

use crate::diagnostics::Diagnostic;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{self, BySource, Condition, Duration, ItemKind, StageRef, TimePoint};
use std::collections::HashMap;

pub struct ExclusionItem<'a> {
    pub condition: &'a Condition,
    pub from: &'a StageRef,
    pub to: &'a StageRef,
    pub span: Span,
}

#[derive(Default)]
pub struct JourneyOptions<'a> {
    pub description: Option<&'a Spanned<String>>,
    pub period: Option<(&'a Spanned<TimePoint>, &'a Spanned<TimePoint>, Span)>,
    pub window: Option<&'a Spanned<Duration>>,
    pub order: Option<&'a Spanned<ast::Order>>,
    pub ties: Option<&'a Spanned<ast::Ties>>,
    pub exclusions: Vec<ExclusionItem<'a>>,
    /// `by COLUMN`, with its `from …` if written.
    pub by: Option<(&'a Spanned<String>, Option<&'a BySource>)>,
    pub count_by: Option<&'a Spanned<String>>,
    pub same: Vec<&'a Spanned<String>>,
    pub trend: Option<&'a Spanned<ast::Trend>>,
    pub stages: Vec<&'a ast::Stage>,
}

#[derive(Default)]
pub struct StageOptions<'a> {
    pub description: Option<&'a Spanned<String>>,
    pub segment: Option<&'a Spanned<String>>,
    pub kpi: Option<&'a Spanned<i64>>,
    pub optional: Option<Span>,
    pub window: Option<&'a Spanned<Duration>>,
    pub min_gap: Option<&'a Spanned<Duration>>,
    pub when: Option<&'a Condition>,
}

/// Remembers where each single-valued option was first given.
struct Once {
    first: HashMap<&'static str, Span>,
}

impl Once {
    fn new() -> Self {
        Once {
            first: HashMap::new(),
        }
    }

    /// True the first time `kw` is seen; afterwards reports J1006 and returns false.
    fn first(&mut self, item: &ast::Item, ds: &mut Vec<Diagnostic>) -> bool {
        let kw = item.kind.keyword();
        match self.first.get(kw) {
            None => {
                self.first.insert(kw, item.span);
                true
            }
            Some(first) => {
                ds.push(
                    Diagnostic::new("J1006", format!("`{kw}` is given twice"))
                        .primary(item.span, "given again here")
                        .secondary(*first, "first given here")
                        .help(format!("keep one `{kw}`; when there are several, which one applies is not clear")),
                );
                false
            }
        }
    }
}

pub fn journey_options<'a>(j: &'a ast::Journey, ds: &mut Vec<Diagnostic>) -> JourneyOptions<'a> {
    let mut o = JourneyOptions::default();
    let mut once = Once::new();
    for item in &j.items {
        match &item.kind {
            ItemKind::Stage(s) => o.stages.push(s),
            ItemKind::Exclude {
                condition,
                from,
                to,
            } => o.exclusions.push(ExclusionItem {
                condition,
                from,
                to,
                span: item.span,
            }),
            ItemKind::Same(c) => o.same.push(c),
            ItemKind::Description(d) if once.first(item, ds) => o.description = Some(d),
            ItemKind::Period { from, to } if once.first(item, ds) => o.period = Some((from, to, item.span)),
            ItemKind::Within {
                duration,
                of_previous_stage: false,
            } if once.first(item, ds) => o.window = Some(duration),
            ItemKind::Order(x) if once.first(item, ds) => o.order = Some(x),
            ItemKind::Ties(x) if once.first(item, ds) => o.ties = Some(x),
            ItemKind::By { column, from } if once.first(item, ds) => {
                o.by = Some((column, from.as_ref()))
            }
            ItemKind::CountBy(x) if once.first(item, ds) => o.count_by = Some(x),
            ItemKind::Trend(x) if once.first(item, ds) => o.trend = Some(x),
            ItemKind::Description(_)
            | ItemKind::Period { .. }
            | ItemKind::Within {
                of_previous_stage: false,
                ..
            }
            | ItemKind::Order(_)
            | ItemKind::Ties(_)
            | ItemKind::By { .. }
            | ItemKind::CountBy(_)
            | ItemKind::Trend(_) => {} // duplicate, reported
            ItemKind::Within {
                of_previous_stage: true,
                ..
            } => ds.push(
                Diagnostic::new("J1010", "`within … of previous stage` belongs in a stage")
                    .primary(item.span, "a stage window, in the journey")
                    .help("move it into the stage it limits, or write `within 30 days` for the whole journey"),
            ),
            ItemKind::MinGap(_) => ds.push(
                Diagnostic::new("J1010", "`at least … after previous stage` belongs in a stage")
                    .primary(item.span, "a stage's minimum gap, in the journey")
                    .help("move it into the stage that must wait, after its `when`"),
            ),
            ItemKind::Segment(_) | ItemKind::Kpi(_) | ItemKind::Optional | ItemKind::When(_) => {
                let kw = item.kind.keyword();
                ds.push(
                    Diagnostic::new("J1010", format!("`{kw}` belongs in a stage"))
                        .primary(item.keyword, format!("`{kw}` is a stage option, not a journey option"))
                        .help(format!("move `{kw}` into a `stage \"name\" {{ … }}` block")),
                );
            }
        }
    }
    o
}

pub fn stage_options<'a>(s: &'a ast::Stage, ds: &mut Vec<Diagnostic>) -> StageOptions<'a> {
    let mut o = StageOptions::default();
    let mut once = Once::new();
    for item in &s.items {
        match &item.kind {
            ItemKind::Description(d) if once.first(item, ds) => o.description = Some(d),
            ItemKind::Segment(x) if once.first(item, ds) => o.segment = Some(x),
            ItemKind::Kpi(x) if once.first(item, ds) => o.kpi = Some(x),
            ItemKind::Optional if once.first(item, ds) => o.optional = Some(item.span),
            ItemKind::Within {
                duration,
                of_previous_stage: true,
            } if once.first(item, ds) => o.window = Some(duration),
            ItemKind::MinGap(d) if once.first(item, ds) => o.min_gap = Some(d),
            ItemKind::When(c) if once.first(item, ds) => o.when = Some(c),
            ItemKind::Description(_)
            | ItemKind::Segment(_)
            | ItemKind::Kpi(_)
            | ItemKind::Optional
            | ItemKind::Within {
                of_previous_stage: true,
                ..
            }
            | ItemKind::MinGap(_)
            | ItemKind::When(_) => {} // duplicate, reported
            ItemKind::Within {
                duration,
                of_previous_stage: false,
            } => ds.push(
                Diagnostic::new("J1010", "a window in a stage is measured from the previous stage")
                    .primary(item.span, "missing `of previous stage`")
                    .help(format!(
                        "write `within {} {} of previous stage`, or move `within` to the journey to limit the whole journey",
                        duration.node.amount,
                        duration.node.unit.name(duration.node.amount)
                    )),
            ),
            ItemKind::Stage(inner) => ds.push(
                Diagnostic::new("J1010", "stages cannot be nested")
                    .primary(inner.keyword, "a stage inside a stage")
                    .help("close the enclosing stage with `}` before starting the next one"),
            ),
            ItemKind::Period { .. }
            | ItemKind::Order(_)
            | ItemKind::Ties(_)
            | ItemKind::Exclude { .. }
            | ItemKind::By { .. }
            | ItemKind::CountBy(_)
            | ItemKind::Same(_)
            | ItemKind::Trend(_) => {
                let kw = item.kind.keyword();
                ds.push(
                    Diagnostic::new("J1010", format!("`{kw}` belongs to the journey, not to a stage"))
                        .primary(item.keyword, format!("`{kw}` is a journey option"))
                        .help(format!("move `{kw}` out of the stage, into the journey block")),
                );
            }
        }
    }
    o
}

/// What a duration limits, for J3002 and J3008's words.
#[derive(Clone, Copy)]
pub enum Limit {
    Window,
    Gap,
}

/// A duration in microseconds: positive (J3002) and not absurdly long (J3008).
pub fn duration_micros(
    d: &Spanned<Duration>,
    limit: Limit,
    ds: &mut Vec<Diagnostic>,
) -> Option<Spanned<i64>> {
    let (noun, example) = match limit {
        Limit::Window => ("window", "`within 30 days`"),
        Limit::Gap => ("minimum gap", "`at least 1 day after previous stage`"),
    };
    if d.node.amount <= 0 {
        ds.push(
            Diagnostic::new("J3002", format!("a {noun} must be longer than zero"))
                .primary(d.span, "not a positive duration")
                .help(format!(
                    "write a positive amount, e.g. {example}; leave the {noun} out for no limit"
                )),
        );
        return None;
    }
    // A century is far beyond any journey, and keeps all arithmetic on times far from overflow.
    const CENTURY: i64 = 100 * 366 * 86_400 * 1_000_000;
    match d.node.micros() {
        Some(us) if us <= CENTURY => Some(Spanned::new(us, d.span)),
        _ => {
            ds.push(
                Diagnostic::new("J3008", format!("this {noun} is longer than a century"))
                    .primary(d.span, "too long")
                    .help(format!(
                        "a {noun} is at most 100 years; leave it out for no limit"
                    )),
            );
            None
        }
    }
}
