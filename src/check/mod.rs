//! Stage 2: AST → checked journeys (HIR). [`check`] resolves stage references, validates every
//! option and condition, and collects *all* errors and warnings of a file. A journey with an
//! error is left out of the result, so what comes out can be trusted as it is.

mod conditions;
pub mod hir;
mod options;
pub mod pattern;
pub mod rules;
pub mod tests;
mod warnings;

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::Diagnostic;
use crate::engine::limits::{MAX_ANY_STAGES, MAX_STAGES};
use crate::engine::program::ByFrom;
use crate::span::Spanned;
use crate::syntax::ast;
use std::collections::HashMap;

pub struct Checked {
    /// The journeys that checked without error.
    pub journeys: Vec<hir::Journey>,
    /// The tests that checked without error, of those journeys.
    pub tests: Vec<hir::Test>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Parse and check a source text: the checked journeys and every diagnostic, sorted by
/// position. A journey with a syntax error is not checked (its placeholders would only produce
/// follow-on errors).
pub fn check_source(source: &str) -> (crate::syntax::Parsed, Checked) {
    let parsed = crate::syntax::parse(source);
    let clean = |span: crate::span::Span| {
        !parsed
            .diagnostics
            .iter()
            .filter_map(|d| d.primary_span())
            .any(|s| s.start >= span.start && s.start < span.end.max(span.start + 1))
    };
    let journeys: Vec<ast::Journey> = (parsed.file.journeys.iter())
        .filter(|j| clean(j.span))
        .cloned()
        .collect();
    // A test of a journey with a syntax error cannot be checked (nor called "of an unknown journey").
    let broken: Vec<&str> = (parsed.file.journeys.iter())
        .filter(|j| !clean(j.span))
        .map(|j| j.name.node.as_str())
        .collect();
    let tests: Vec<ast::Test> = (parsed.file.tests.iter())
        .filter(|t| clean(t.span) && !broken.contains(&t.journey.node.as_str()))
        .cloned()
        .collect();
    let mut checked = check(&ast::File { journeys, tests });
    checked
        .diagnostics
        .extend(parsed.diagnostics.iter().cloned());
    crate::diagnostics::sort(&mut checked.diagnostics);
    (parsed, checked)
}

pub fn check(file: &ast::File) -> Checked {
    let mut diagnostics = Vec::new();
    let mut journeys = Vec::new();
    let mut seen: HashMap<&str, &ast::Journey> = HashMap::new();
    for j in &file.journeys {
        if let Some(first) = seen.get(j.name.node.as_str()) {
            diagnostics.push(
                Diagnostic::new(
                    "J1004",
                    format!("journey \"{}\" is declared twice", j.name.node),
                )
                .primary(j.name.span, "declared again here")
                .secondary(first.name.span, "first declared here")
                .help("give each journey in a file its own name"),
            );
        } else {
            seen.insert(&j.name.node, j);
        }
        let mut ds = Vec::new();
        let checked = check_journey(j, &mut ds);
        let ok = !ds.iter().any(|d| d.is_error());
        diagnostics.extend(ds);
        if ok {
            journeys.extend(checked);
        }
    }
    let tests = tests::check(file, &journeys, &mut diagnostics);
    crate::diagnostics::sort(&mut diagnostics);
    Checked {
        journeys,
        tests,
        diagnostics,
    }
}

fn check_journey(j: &ast::Journey, ds: &mut Vec<Diagnostic>) -> Option<hir::Journey> {
    check_name(&j.name, "journey", ds);
    let opts = options::journey_options(j, ds);

    // Stages: names first, so references and exclusions can resolve.
    let mut stage_index: HashMap<&str, usize> = HashMap::new();
    for (i, s) in opts.stages.iter().enumerate() {
        check_name(&s.name, "stage", ds);
        if let Some(&first) = stage_index.get(s.name.node.as_str()) {
            ds.push(
                Diagnostic::new(
                    "J1001",
                    format!("stage \"{}\" is declared twice", s.name.node),
                )
                .primary(s.name.span, "declared again here")
                .secondary(opts.stages[first].name.span, "first declared here")
                .help("stage names must be unique within a journey: rename one of them"),
            );
        } else {
            stage_index.insert(&s.name.node, i);
        }
    }
    if opts.stages.is_empty() {
        ds.push(
            Diagnostic::new(
                "J1008",
                format!("journey \"{}\" has no stages", j.name.node),
            )
            .primary(j.name.span, "this journey has no `stage`")
            .help("add at least one `stage \"name\" { when … }`"),
        );
    }
    if opts.stages.len() > MAX_STAGES {
        let extra = &opts.stages[MAX_STAGES];
        ds.push(
            Diagnostic::new(
                "J3007",
                format!(
                    "journey \"{}\" has {} stages",
                    j.name.node,
                    opts.stages.len()
                ),
            )
            .primary(
                extra.name.span,
                format!("stage {} is one too many", MAX_STAGES + 1),
            )
            .help(format!(
                "a journey has at most {MAX_STAGES} stages; split it into several journeys"
            )),
        );
    }

    let order = opts.order.map(|o| o.node).unwrap_or(ast::Order::Sequential);
    if let (ast::Order::Any, Some(extra)) = (order, opts.stages.get(MAX_ANY_STAGES)) {
        // The engine tries every subset of the stages after the first (docs/semantics.md).
        ds.push(
            Diagnostic::new(
                "J3012",
                format!("`order any` takes at most {MAX_ANY_STAGES} stages"),
            )
            .primary(
                extra.name.span,
                format!("stage {} is one too many", MAX_ANY_STAGES + 1),
            )
            .help("split the journey, or use `order sequential` with `optional` stages"),
        );
    }
    let mut stages = Vec::new();
    for (i, s) in opts.stages.iter().enumerate() {
        if let Some(stage) = check_stage(s, i, order, ds) {
            stages.push(stage);
        }
    }

    let names: Vec<&str> = opts.stages.iter().map(|s| s.name.node.as_str()).collect();
    let by_from = match opts.by.and_then(|(_, from)| from) {
        None => Some(ByFrom::Stage(0)),
        Some(ast::BySource::Last(_)) => Some(ByFrom::Last),
        Some(ast::BySource::Stage(r)) => resolve(r, &names, ds).map(ByFrom::Stage),
    };
    let mut exclusions = Vec::new();
    for ex in &opts.exclusions {
        let from = resolve(ex.from, &names, ds);
        let to = resolve(ex.to, &names, ds);
        let predicate = conditions::exclusion_predicate(ex.condition, ds);
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                ds.push(
                    Diagnostic::new(
                        "J3006",
                        "an exclusion must run from an earlier stage to a later one",
                    )
                    .primary(
                        ex.from.span.to(ex.to.span),
                        format!("stage {} does not come before stage {}", f + 1, t + 1),
                    )
                    .help("write `between stage i and stage j` with stage i before stage j"),
                );
            } else if order == ast::Order::Any && f != 0 {
                ds.push(
                    Diagnostic::new(
                        "J3013",
                        "with `order any` an exclusion must start at stage 1",
                    )
                    .primary(ex.from.span, format!("stage {} has no fixed place in time", f + 1))
                    .help("with `order any` only stage 1 comes first; write `between stage 1 and stage j`, or use `order sequential`"),
                );
            } else if let Some(predicate) = predicate {
                exclusions.push(hir::Exclusion {
                    predicate,
                    from: f,
                    to: t,
                    span: ex.span,
                });
            }
        }
    }

    let window = opts
        .window
        .and_then(|w| options::duration_micros(w, options::Limit::Window, ds));
    let period = opts.period.and_then(|(from, to, span)| {
        if from.node.micros >= to.node.micros {
            ds.push(
                Diagnostic::new("J3003", "the period ends before it starts")
                    .primary(span, format!("{} is not before {}", from.node.text, to.node.text))
                    .help("write `period FROM .. TO` with FROM earlier than TO; TO itself is not included"),
            );
            None
        } else {
            Some(hir::Period {
                from: from.node.micros,
                to: to.node.micros,
                span,
            })
        }
    });

    if let Some(w) = &window {
        for s in &stages {
            if let Some(g) = s.min_gap.as_ref().filter(|g| g.node > w.node) {
                ds.push(
                    Diagnostic::new("J3014", "the minimum gap is longer than the journey window")
                        .primary(g.span, "the stage must wait at least this long")
                        .secondary(w.span, "but every stage must come within this of stage 1")
                        .help("no contact can meet both: shorten the gap or lengthen the journey window"),
                );
            }
        }
    }
    if ds.iter().any(|d| d.is_error()) || stages.len() != opts.stages.len() {
        return None;
    }
    let mut journey = hir::Journey {
        name: j.name.node.clone(),
        name_span: j.name.span,
        span: j.span,
        description: opts.description.map(|d| d.node.clone()),
        period,
        window,
        order,
        ties: opts.ties.map(|t| t.node).unwrap_or(ast::Ties::Allowed),
        exclusions,
        by: opts.by.map(|(column, _)| column.clone()),
        by_from: by_from.unwrap_or_default(),
        count_by: opts.count_by.cloned(),
        same: opts.same.into_iter().cloned().collect(),
        trend: opts.trend.map(|t| t.node),
        stages,
        rules: rules::Rules::default(),
    };
    match rules::number(&journey) {
        Ok(r) => journey.rules = r,
        Err(d) => {
            // More distinct rules than the engine's row mask holds (J3011).
            ds.push(d);
            return None;
        }
    }
    warnings::check(&journey, &opts.stages, ds);
    Some(journey)
}

fn check_stage(
    s: &ast::Stage,
    index: usize,
    order: ast::Order,
    ds: &mut Vec<Diagnostic>,
) -> Option<hir::Stage> {
    let opts = options::stage_options(s, ds);
    let kpi = opts.kpi.and_then(|k| {
        if k.node <= 0 {
            ds.push(
                Diagnostic::new("J3001", format!("KPI {} is not a positive number", k.node))
                    .primary(k.span, "a KPI is a target number of contacts, at least 1")
                    .help("write the number of contacts this stage should reach, e.g. `kpi 100`; leave `kpi` out for no target"),
            );
            None
        } else {
            Some(k.node as u64)
        }
    });
    let segment = opts
        .segment
        .and_then(|seg| match hir::Segment::parse(&seg.node) {
            Some(s) => Some(s),
            None => {
                let names = hir::Segment::ALL.map(|s| s.name());
                let mut d = Diagnostic::new("J1005", format!("unknown segment `{}`", seg.node))
                    .primary(seg.span, "not a segment");
                d = match did_you_mean(&seg.node, names) {
                    Some(n) => d.help(format!("did you mean `{n}`?")),
                    None => d.help(format!("segments are {}", names.join(", "))),
                };
                ds.push(d);
                None
            }
        });
    let window = opts
        .window
        .and_then(|w| after_previous(w, options::Limit::Window, index, order, ds));
    let min_gap = opts
        .min_gap
        .and_then(|g| after_previous(g, options::Limit::Gap, index, order, ds));
    if let (Some(w), Some(g)) = (&window, &min_gap) {
        if g.node > w.node {
            ds.push(
                Diagnostic::new("J3014", "the minimum gap is longer than the stage window")
                    .primary(g.span, "the stage must wait at least this long")
                    .secondary(
                        w.span,
                        "but may come at most this long after the previous stage",
                    )
                    .help("no contact can meet both: shorten the gap or lengthen the window"),
            );
        }
    }
    if let (Some(opt), 0) = (opts.optional, index) {
        ds.push(
            Diagnostic::new("J3010", "the first stage cannot be optional")
                .primary(opt, "stage 1 is where contacts enter the journey")
                .help("remove `optional`, or make another stage the first"),
        );
    }
    let condition = match opts.when {
        Some(c) => conditions::stage_condition(c, ds),
        None => {
            ds.push(
                Diagnostic::new("J1007", format!("stage \"{}\" has no condition", s.name.node))
                    .primary(s.name.span, "this stage has no `when`")
                    .help("say what a contact must do to reach the stage, e.g. `when submitted form \"contact-us\"`"),
            );
            None
        }
    };
    Some(hir::Stage {
        name: s.name.node.clone(),
        name_span: s.name.span,
        span: s.span,
        description: opts.description.map(|d| d.node.clone()),
        segment,
        kpi,
        optional: opts.optional.is_some(),
        window,
        min_gap,
        condition: condition?,
    })
}

/// A stage's window or minimum gap: both are measured from the previous stage on the chain, so
/// the first stage (J3005) and `order any` (J3009) have none.
fn after_previous(
    d: &Spanned<ast::Duration>,
    limit: options::Limit,
    index: usize,
    order: ast::Order,
    ds: &mut Vec<Diagnostic>,
) -> Option<Spanned<i64>> {
    let (what, needs) = match limit {
        options::Limit::Window => ("stage windows", "a stage window needs a previous stage"),
        options::Limit::Gap => ("minimum gaps", "a minimum gap needs a previous stage"),
    };
    if index == 0 {
        ds.push(
            Diagnostic::new("J3005", "the first stage has no previous stage")
                .primary(d.span, needs)
                .help(match limit {
                    options::Limit::Window => "move the window to the journey (`within 30 days`) to limit the whole journey",
                    options::Limit::Gap => "remove it: stage 1 is where contacts enter, nothing comes before it",
                }),
        );
        return None;
    }
    if order == ast::Order::Any {
        ds.push(
            Diagnostic::new("J3009", format!("{what} do not apply to `order any`"))
                .primary(d.span, "with `order any` stages have no previous stage")
                .help("use the journey window (`within 30 days`), or `order sequential`"),
        );
        return None;
    }
    options::duration_micros(d, limit, ds)
}

fn check_name(name: &Spanned<String>, what: &str, ds: &mut Vec<Diagnostic>) {
    if name.node.trim().is_empty() {
        ds.push(
            Diagnostic::new("J1009", format!("a {what} needs a name"))
                .primary(name.span, "this name is empty")
                .help(format!("write the {what}'s name between the quotes")),
        );
    }
}

/// A stage reference's 0-based index among the stages named `names`, or a diagnostic.
fn resolve(r: &ast::StageRef, names: &[&str], ds: &mut Vec<Diagnostic>) -> Option<usize> {
    match &r.target {
        ast::StageTarget::Number(n) => {
            if *n >= 1 && (*n as usize) <= names.len() {
                Some(*n as usize - 1)
            } else {
                ds.push(
                    Diagnostic::new("J1003", format!("there is no stage {n}"))
                        .primary(
                            r.span,
                            format!("this journey has {} stages, numbered from 1", names.len()),
                        )
                        .help(
                            "refer to a stage by its number (1 is the first) or by its quoted name",
                        ),
                );
                None
            }
        }
        ast::StageTarget::Name(name) => match names.iter().position(|s| s == name) {
            Some(i) => Some(i),
            None => {
                let mut d = Diagnostic::new("J1002", format!("there is no stage named \"{name}\""))
                    .primary(r.span, "unknown stage");
                d = match did_you_mean(name, names.iter().copied()) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help("refer to a stage by its exact quoted name or by its number"),
                };
                ds.push(d);
                None
            }
        },
    }
}
