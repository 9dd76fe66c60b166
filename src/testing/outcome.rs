//! Holding what the engine made of a test's contacts against what the test expects: a failure
//! per expectation not met, saying expected against actual per contact and stage, with the text
//! that would make the expectation true (for `--update`).

use crate::check::hir::{self, Expected};
use crate::check::tests::written;
use crate::engine::reach::ContactReach;
use crate::fmt::moment_of;
use crate::span::Span;
use serde::Serialize;
use std::collections::HashMap;

/// A test's result: passed when `failures` is empty.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub test: String,
    pub failures: Vec<Failure>,
}

/// One expectation not met.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The `expect …` line.
    #[serde(skip)]
    pub span: Span,
    /// The contact expected of (`None` for `expect counts`).
    pub contact: Option<String>,
    pub expected: String,
    pub actual: String,
    /// Per stage where expected and actual differ (counts), or the path the contact took.
    pub details: Vec<String>,
    /// The `expect …` line that the actual result satisfies.
    pub replacement: String,
}

pub fn compare(
    test: &hir::Test,
    journey: &hir::Journey,
    reaches: &HashMap<String, ContactReach>,
    counts: &[u64],
) -> Outcome {
    let mut failures = Vec::new();
    for e in &test.expectations {
        match &e.expected {
            Expected::Reaches { contact, stage, at } => {
                let reach = reaches.get(contact);
                let depth = reach.map_or(0, |r| r.reach.len());
                let actual_stage = depth.checked_sub(1);
                let actual_at = actual_stage.and_then(|k| reach.and_then(|r| r.reach[k]));
                let at_ok = at.is_none() || *at == actual_at;
                if *stage == actual_stage && at_ok {
                    continue;
                }
                let show_at = at.is_some();
                let described = |s: Option<usize>, t: Option<i64>| {
                    let mut text = stage_words(journey, s);
                    if let (true, Some(t)) = (show_at, t) {
                        text.push_str(" at ");
                        text.push_str(&crate::fmt::moment_text(&moment_of(
                            t,
                            test.start,
                            e.at_relative,
                        )));
                    }
                    text
                };
                // The path the contact took, always in the test's own terms (after its start).
                let path: Vec<String> = reach
                    .map(|r| {
                        (r.reach.iter().enumerate())
                            .map(|(k, t)| match t {
                                Some(t) => format!(
                                    "stage {} at {}",
                                    k + 1,
                                    crate::fmt::moment_text(&moment_of(*t, test.start, true))
                                ),
                                None => format!("stage {} skipped (optional)", k + 1),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let details = if path.is_empty() {
                    Vec::new()
                } else {
                    vec![format!("path: {}", path.join(", "))]
                };
                let actual = Expected::Reaches {
                    contact: contact.clone(),
                    stage: actual_stage,
                    at: actual_at.filter(|_| show_at),
                };
                let replacement =
                    written(&actual, journey, test.start, e.stage_by_name, e.at_relative);
                failures.push(Failure {
                    span: e.span,
                    contact: Some(contact.clone()),
                    expected: described(*stage, *at),
                    actual: described(actual_stage, actual_at),
                    details,
                    replacement,
                });
            }
            Expected::Counts(expected) => {
                if expected.as_slice() == counts {
                    continue;
                }
                let join = |c: &[u64]| c.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
                let details = (0..journey.stages.len())
                    .filter(|&k| expected.get(k) != counts.get(k))
                    .map(|k| {
                        format!(
                            "stage {} \"{}\": expected {}, actual {}",
                            k + 1,
                            journey.stages[k].name,
                            expected[k],
                            counts.get(k).copied().unwrap_or(0)
                        )
                    })
                    .collect();
                let replacement = written(
                    &Expected::Counts(counts.to_vec()),
                    journey,
                    test.start,
                    false,
                    false,
                );
                failures.push(Failure {
                    span: e.span,
                    contact: None,
                    expected: join(expected),
                    actual: join(counts),
                    details,
                    replacement,
                });
            }
        }
    }
    Outcome {
        test: test.name.clone(),
        failures,
    }
}

/// `stage 2 "Requested case study"`, or `no stage`.
fn stage_words(j: &hir::Journey, stage: Option<usize>) -> String {
    match stage {
        Some(k) => format!("stage {} \"{}\"", k + 1, j.stages[k].name),
        None => "no stage".to_string(),
    }
}
