//! Checking `test` blocks against the checked journeys of their file: the journey exists, every
//! activity is one a contact can have, every expectation names a contact of the test and a stage
//! of the journey (J1002/J1003, J1006, J1009, J6001–J6006, W0007).

use super::hir;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::Diagnostic;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{self, Expectation, Moment, RuleKind, TestItemKind};
use std::collections::{BTreeSet, HashMap};

/// The start of a test without `start` and of a journey without a period.
pub const DEFAULT_START: i64 = 1_735_689_600_000_000; // 2025-01-01T00:00:00Z

/// Columns an activity row has whatever the journey: a test writes them with `at` and the rule.
const RESERVED: &[&str] = &["contact", "time", "type", "activity_type", "activity_id"];

/// Check every test of `file`; `journeys` are the file's journeys that checked without error.
pub fn check(
    file: &ast::File,
    journeys: &[hir::Journey],
    ds: &mut Vec<Diagnostic>,
) -> Vec<hir::Test> {
    let mut out = Vec::new();
    let mut names: HashMap<&str, Span> = HashMap::new();
    for t in &file.tests {
        if let Some(first) = names.get(t.name.node.as_str()) {
            ds.push(
                Diagnostic::new(
                    "J6006",
                    format!("test \"{}\" is declared twice", t.name.node),
                )
                .primary(t.name.span, "declared again here")
                .secondary(*first, "first declared here")
                .help("give each test in a file its own name: failures are reported by name"),
            );
        } else {
            names.insert(&t.name.node, t.name.span);
        }
        super::check_name(&t.name, "test", ds);
        let Some(ast_journey) = file.journeys.iter().find(|j| j.name.node == t.journey.node) else {
            let mut d = Diagnostic::new(
                "J6001",
                format!(
                    "test \"{}\" is of journey \"{}\", which this file does not have",
                    t.name.node, t.journey.node
                ),
            )
            .primary(t.journey.span, "no journey of this name in this file");
            d = match did_you_mean(
                &t.journey.node,
                file.journeys.iter().map(|j| j.name.node.as_str()),
            ) {
                Some(s) => d.help(format!("did you mean \"{s}\"?")),
                None => d.help(
                    "a test sits in the file of its journey: write the journey's name exactly",
                ),
            };
            ds.push(d);
            continue;
        };
        // A journey with errors has been reported already; its tests cannot run.
        let Some(j) = journeys.iter().find(|j| j.name == ast_journey.name.node) else {
            continue;
        };
        let mut tds = Vec::new();
        let test = check_test(t, j, &mut tds);
        let ok = !tds.iter().any(|d| d.is_error());
        ds.extend(tds);
        if ok {
            out.push(test);
        }
    }
    out
}

fn check_test(t: &ast::Test, j: &hir::Journey, ds: &mut Vec<Diagnostic>) -> hir::Test {
    let mut start: Option<&ast::TestItem> = None;
    for item in &t.items {
        if let TestItemKind::Start(_) = item.kind {
            match start {
                None => start = Some(item),
                Some(first) => ds.push(
                    Diagnostic::new("J1006", "`start` is given twice")
                        .primary(item.span, "given again here")
                        .secondary(first.span, "first given here")
                        .help("keep one `start`: every `+D` of the test counts from it"),
                ),
            }
        }
    }
    let start = match start.map(|i| &i.kind) {
        Some(TestItemKind::Start(s)) => s.node.micros,
        _ => j.period.map(|p| p.from).unwrap_or(DEFAULT_START),
    };
    let read = columns_read(j);
    let mut contacts: Vec<hir::TestContact> = Vec::new();
    let mut contact_spans: HashMap<&str, Span> = HashMap::new();
    for item in &t.items {
        let TestItemKind::Contact(c) = &item.kind else {
            continue;
        };
        super::check_name(&c.id, "contact", ds);
        if let Some(first) = contact_spans.get(c.id.node.as_str()) {
            ds.push(
                Diagnostic::new("J6002", format!("contact \"{}\" is given twice", c.id.node))
                    .primary(c.id.span, "given again here")
                    .secondary(*first, "first given here")
                    .help("write all of a contact's activities in one `contact` block"),
            );
            continue;
        }
        contact_spans.insert(&c.id.node, c.id.span);
        let activities = c
            .activities
            .iter()
            .filter_map(|a| activity(a, start, &read, ds))
            .collect();
        contacts.push(hir::TestContact {
            id: c.id.node.clone(),
            span: item.span,
            activities,
        });
    }
    // Under `count by C` the funnel counts C's values: an expectation names a unit, one of the
    // values the activities give C.
    let units: Option<Vec<String>> = j.count_by.as_ref().map(|c| units_of(t, &c.node));
    let known: Vec<&str> = match &units {
        Some(u) => u.iter().map(String::as_str).collect(),
        None => contact_spans.keys().copied().collect(),
    };
    let mut expectations = Vec::new();
    let mut expected_contacts: HashMap<&str, Span> = HashMap::new();
    let stage_names: Vec<&str> = j.stages.iter().map(|s| s.name.as_str()).collect();
    for item in &t.items {
        let TestItemKind::Expect(e) = &item.kind else {
            continue;
        };
        let checked = match e {
            Expectation::Counts(counts) => counts_of(counts, item.span, j, ds)
                .map(|c| (hir::Expected::Counts(c), false, false)),
            Expectation::Reaches { contact, stage, at } => {
                if !known.contains(&contact.node.as_str()) {
                    let (what, label) = match &j.count_by {
                        Some(c) => (
                            format!(
                                "no activity of the test has `{}` \"{}\"",
                                c.node, contact.node
                            ),
                            format!("under `count by {}`, a unit: one of its values", c.node),
                        ),
                        None => (
                            format!("the test has no contact \"{}\"", contact.node),
                            "no `contact` block of this id".to_string(),
                        ),
                    };
                    let mut d = Diagnostic::new("J6002", what).primary(contact.span, label);
                    d = match did_you_mean(&contact.node, known.iter().copied()) {
                        Some(s) => d.help(format!("did you mean \"{s}\"?")),
                        None => d.help("expect something of a contact the test writes with `contact \"id\" { … }` (under `count by`, of a value its activities give the column)"),
                    };
                    ds.push(d);
                    None
                } else if let Some(first) = expected_contacts.get(contact.node.as_str()) {
                    ds.push(
                        Diagnostic::new(
                            "J6002",
                            format!("contact \"{}\" is expected twice", contact.node),
                        )
                        .primary(contact.span, "expected again here")
                        .secondary(*first, "first expected here")
                        .help("a contact reaches one deepest stage: keep one `expect` for it"),
                    );
                    None
                } else {
                    expected_contacts.insert(&contact.node, contact.span);
                    reaches(
                        contact,
                        stage.as_ref(),
                        at.as_ref(),
                        start,
                        &stage_names,
                        ds,
                    )
                }
            }
        };
        if let Some((expected, stage_by_name, at_relative)) = checked {
            expectations.push(hir::TestExpectation {
                expected,
                span: item.span,
                stage_by_name,
                at_relative,
            });
        }
    }
    if contacts.is_empty() || (expectations.is_empty() && !ds.iter().any(|d| d.is_error())) {
        let what = if contacts.is_empty() {
            "no contact"
        } else {
            "no expectation"
        };
        ds.push(
            Diagnostic::new("J6004", format!("test \"{}\" has {what}", t.name.node))
                .primary(t.name.span, format!("this test has {what}"))
                .help("a test needs at least one `contact \"id\" { … }` and one `expect …`"),
        );
    }
    hir::Test {
        name: t.name.node.clone(),
        name_span: t.name.span,
        span: t.span,
        journey: j.name.clone(),
        start,
        contacts,
        expectations,
    }
}

fn moment_micros(m: &Spanned<Moment>, start: i64, ds: &mut Vec<Diagnostic>) -> Option<i64> {
    match &m.node {
        Moment::At(t) => Some(t.micros),
        Moment::After(d) => {
            let micros = d.micros().and_then(|d| start.checked_add(d));
            if d.amount < 0 {
                ds.push(
                    Diagnostic::new("J6003", "a time in a test cannot be before its start")
                        .primary(m.span, "a negative time after the start")
                        .help("write `+0 days` or more, or move the test's `start` earlier"),
                );
                return None;
            }
            if micros.is_none() {
                ds.push(
                    Diagnostic::new("J3008", "this time is too far after the start")
                        .primary(m.span, "does not fit in a timestamp")
                        .help("write a time within a few thousand years of the start"),
                );
            }
            micros
        }
    }
}

fn activity(
    a: &ast::TestActivity,
    start: i64,
    read: &BTreeSet<String>,
    ds: &mut Vec<Diagnostic>,
) -> Option<hir::TestActivity> {
    let time = moment_micros(&a.at, start, ds);
    let implied = implied_columns(&a.rule.kind);
    let mut ok = time.is_some();
    match &a.rule.kind {
        RuleKind::VisitedPage { like: true, .. } | RuleKind::LandedOnPage { like: true, .. } => {
            ds.push(
                Diagnostic::new(
                    "J6003",
                    "an example activity visits one page, not a pattern",
                )
                .primary(a.rule.span, "`like` makes this a pattern")
                .help("drop `like` and write the page the contact visited"),
            );
            ok = false;
        }
        RuleKind::AnyActivity => {
            ds.push(
                Diagnostic::new("J6003", "an example activity needs a type")
                    .primary(a.rule.span, "`any activity` has no type")
                    .help("write the activity as a rule (`submitted form \"f\"`) or `activity \"type\"`"),
            );
            ok = false;
        }
        _ => {}
    }
    let mut seen: HashMap<String, Span> = HashMap::new();
    for (column, _) in &a.fields {
        let lower = column.node.to_ascii_lowercase();
        if RESERVED.contains(&lower.as_str()) || implied.contains(&lower.as_str()) {
            ds.push(
                Diagnostic::new("J6003", format!("the activity already sets `{}`", column.node))
                    .primary(column.span, "set by `at` or by the rule")
                    .help("the time comes from `at`, the type and the rule's page, form, email and channel from the rule"),
            );
            ok = false;
        } else if let Some(first) = seen.get(&lower) {
            ds.push(
                Diagnostic::new("J6003", format!("`{}` is given twice", column.node))
                    .primary(column.span, "given again here")
                    .secondary(*first, "first given here")
                    .help("give each field of an activity once"),
            );
            ok = false;
        } else {
            seen.insert(lower.clone(), column.span);
            if !read.contains(&lower) {
                ds.push(
                    Diagnostic::new("W0007", format!("the journey never reads `{}`", column.node))
                        .primary(column.span, "no rule, `where`, `by` or `same` of the journey reads this")
                        .help("the field cannot change what the journey counts: drop it, or check its spelling"),
                );
            }
        }
    }
    (ok).then(|| hir::TestActivity {
        time: time.unwrap_or_default(),
        kind: a.rule.kind.clone(),
        fields: a
            .fields
            .iter()
            .map(|(c, v)| (c.node.clone(), v.node.clone()))
            .collect(),
        span: a.span,
    })
}

fn reaches(
    contact: &Spanned<String>,
    stage: Option<&ast::StageRef>,
    at: Option<&Spanned<Moment>>,
    start: i64,
    names: &[&str],
    ds: &mut Vec<Diagnostic>,
) -> Option<(hir::Expected, bool, bool)> {
    let index = match stage {
        Some(r) => Some(super::resolve(r, names, ds)?),
        None => None,
    };
    if let (None, Some(m)) = (index, at) {
        ds.push(
            Diagnostic::new(
                "J6005",
                "a contact that reaches no stage reaches it at no time",
            )
            .primary(m.span, "this time belongs to no stage")
            .help("drop the time, or expect the stage the contact reaches"),
        );
        return None;
    }
    let micros = match at {
        Some(m) => Some(moment_micros(m, start, ds)?),
        None => None,
    };
    Some((
        hir::Expected::Reaches {
            contact: contact.node.clone(),
            stage: index,
            at: micros,
        },
        matches!(stage.map(|r| &r.target), Some(ast::StageTarget::Name(_))),
        matches!(at.map(|m| &m.node), Some(Moment::After(_))),
    ))
}

fn counts_of(
    counts: &[Spanned<i64>],
    span: Span,
    j: &hir::Journey,
    ds: &mut Vec<Diagnostic>,
) -> Option<Vec<u64>> {
    if counts.len() != j.stages.len() {
        ds.push(
            Diagnostic::new(
                "J6005",
                format!(
                    "`expect counts` gives {} numbers for a journey of {} stages",
                    counts.len(),
                    j.stages.len()
                ),
            )
            .primary(span, "one number per stage, in stage order")
            .help(format!(
                "write {} numbers: how many contacts reach each stage",
                j.stages.len()
            )),
        );
        return None;
    }
    let mut out = Vec::new();
    for c in counts {
        match u64::try_from(c.node) {
            Ok(n) => out.push(n),
            Err(_) => {
                ds.push(
                    Diagnostic::new("J6005", "a count cannot be negative")
                        .primary(c.span, "fewer than no contacts")
                        .help("write how many contacts reach the stage: 0 or more"),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// The values the test's activities give the `count by` column, as text (the units).
fn units_of(t: &ast::Test, column: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in &t.items {
        let TestItemKind::Contact(c) = &item.kind else {
            continue;
        };
        for a in &c.activities {
            for (k, v) in &a.fields {
                if k.node.eq_ignore_ascii_case(column) {
                    let text = match &v.node {
                        ast::Literal::String(s) => s.clone(),
                        other => crate::fmt::literal_text(other),
                    };
                    if !out.contains(&text) {
                        out.push(text);
                    }
                }
            }
        }
    }
    out
}

/// The fields a rule sets on the activity it describes (logical names).
fn implied_columns(kind: &RuleKind) -> Vec<&'static str> {
    match kind {
        RuleKind::VisitedPage { channel, .. } | RuleKind::LandedOnPage { channel, .. } => {
            let mut v = vec!["url"];
            if channel.is_some() {
                v.push("channel");
            }
            v
        }
        RuleKind::SubmittedForm { .. } => vec!["form"],
        RuleKind::ClickedEmailLink { email } | RuleKind::OpenedEmail { email } => {
            if email.is_some() {
                vec!["email"]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// Every column the journey reads, by the name written (lower case): the rules' own fields,
/// their `where` columns, `by`, `count by` and `same`.
pub fn columns_read(j: &hir::Journey) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in &j.rules.rules {
        match &r.kind {
            RuleKind::VisitedPage { .. } | RuleKind::LandedOnPage { .. } => {
                out.insert("url".to_string());
                out.insert("channel".to_string());
            }
            RuleKind::SubmittedForm { .. } => {
                out.insert("form".to_string());
            }
            RuleKind::ClickedEmailLink { .. } | RuleKind::OpenedEmail { .. } => {
                out.insert("email".to_string());
            }
            _ => {}
        }
        if let Some(f) = &r.filter {
            filter_columns(f, &mut out);
        }
    }
    for c in j.by.iter().chain(&j.count_by).chain(&j.same) {
        out.insert(c.node.to_ascii_lowercase());
    }
    out
}

fn filter_columns(f: &ast::Filter, out: &mut BTreeSet<String>) {
    match &f.kind {
        ast::FilterKind::And(fs) | ast::FilterKind::Or(fs) => {
            fs.iter().for_each(|f| filter_columns(f, out))
        }
        ast::FilterKind::Compare(c) => {
            out.insert(c.column.node.to_ascii_lowercase());
        }
    }
}

/// An expectation as a test writes it (`expect "ann" reaches stage 2 at +1 day`): the stage by
/// name or number and the time relative to `start` or as an instant, as asked.
pub fn written(
    e: &hir::Expected,
    j: &hir::Journey,
    start: i64,
    stage_by_name: bool,
    at_relative: bool,
) -> String {
    let none = Span::new(0, 0);
    let e = match e {
        hir::Expected::Counts(c) => {
            Expectation::Counts(c.iter().map(|&n| Spanned::new(n as i64, none)).collect())
        }
        hir::Expected::Reaches { contact, stage, at } => Expectation::Reaches {
            contact: Spanned::new(contact.clone(), none),
            stage: stage.map(|k| ast::StageRef {
                target: match j.stages.get(k) {
                    Some(s) if stage_by_name => ast::StageTarget::Name(s.name.clone()),
                    _ => ast::StageTarget::Number(k as i64 + 1),
                },
                span: none,
            }),
            at: at.map(|t| Spanned::new(crate::fmt::moment_of(t, start, at_relative), none)),
        },
    };
    crate::fmt::expectation_text(&e)
}
