//! The semantic diff as text for a terminal or a pull-request comment: one line per change,
//! `+` added, `-` removed, `~` changed; a changed condition as a before/after pair.

use super::tests::{TestChange, TestKind};
use super::{Change, Diff, Kind, Status};
use crate::fmt::quote;
use std::fmt::Write;

/// The diff of `old` and `new` (labels for the header) as text.
pub fn text(diff: &Diff, old: &str, new: &str) -> String {
    let mut out = format!("{old} → {new}\n");
    let mut changes = 0;
    for j in &diff.journeys {
        let name = quote(&j.name);
        match j.status {
            Status::Unchanged => {
                let _ = writeln!(out, "journey {name}: no change in meaning");
            }
            Status::Added => {
                changes += 1;
                let stages = j.changes[0].after.as_deref().unwrap_or_default();
                let _ = writeln!(out, "+ journey {name} ({stages})");
            }
            Status::Removed => {
                changes += 1;
                let stages = j.changes[0].before.as_deref().unwrap_or_default();
                let _ = writeln!(out, "- journey {name} ({stages})");
            }
            Status::Changed => {
                changes += j.changes.len();
                let n = j.changes.len();
                let word = if n == 1 { "change" } else { "changes" };
                let _ = writeln!(out, "journey {name}: {n} {word} in meaning");
                for c in &j.changes {
                    line(&mut out, c);
                }
            }
        }
        for t in &j.tests {
            test_line(&mut out, t);
        }
    }
    match changes {
        0 => out.push_str("no change in meaning\n"),
        1 => out.push_str("1 change in meaning\n"),
        n => {
            let _ = writeln!(out, "{n} changes in meaning");
        }
    }
    out
}

fn line(out: &mut String, c: &Change) {
    let none = || "(none)".to_string();
    let before = c.before.clone().unwrap_or_else(none);
    let after = c.after.clone().unwrap_or_else(none);
    let stage = c
        .stage
        .as_ref()
        .map(|s| format!("stage {} {}", s.number, quote(&s.name)))
        .unwrap_or_default();
    let text = match c.kind {
        Kind::JourneyRenamed => format!("~ renamed from {}", quote(&before)),
        Kind::ExclusionAdded => format!("+ {after}"),
        Kind::ExclusionRemoved => format!("- {before}"),
        Kind::StageAdded => format!("+ {stage}: {after}"),
        Kind::StageRemoved => format!("- {stage}: {before}"),
        Kind::StageRenamed => format!("~ {stage}: renamed from {}", quote(&before)),
        Kind::StageMoved => format!("~ {stage}: moved from position {before}"),
        Kind::Condition => {
            format!("~ {stage}: condition\n      before: {before}\n      after:  {after}")
        }
        Kind::StageDescription => format!("~ {stage}: description changed"),
        Kind::Description => "~ description changed".to_string(),
        Kind::Kpi | Kind::Segment | Kind::Optional | Kind::StageWindow | Kind::StageGap => {
            format!("~ {stage}: {} {before} → {after}", field(c.kind))
        }
        _ => format!("~ {}: {before} → {after}", field(c.kind)),
    };
    let _ = writeln!(out, "  {text}");
}

/// A test's change, under its journey: `~ test "name": …`.
fn test_line(out: &mut String, c: &TestChange) {
    let test = format!("test {}", quote(&c.test));
    let contact = c.contact.as_deref().map(quote).unwrap_or_default();
    let text = match c.kind {
        TestKind::TestAdded => format!("+ {test} ({})", c.after.as_deref().unwrap_or_default()),
        TestKind::TestRemoved => format!("- {test} ({})", c.before.as_deref().unwrap_or_default()),
        TestKind::ContactAdded => format!("~ {test}: + contact {contact}"),
        TestKind::ContactRemoved => format!("~ {test}: - contact {contact}"),
        TestKind::HistoryChanged => format!("~ {test}: contact {contact}'s activities changed"),
        TestKind::Expectation => match (&c.before, &c.after) {
            (Some(b), Some(a)) => format!("~ {test}: {b}\n      now: {a}"),
            (None, Some(a)) => format!("~ {test}: + {a}"),
            (Some(b), None) => format!("~ {test}: - {b}"),
            (None, None) => format!("~ {test}"),
        },
    };
    let _ = writeln!(out, "  {text}");
}

fn field(kind: Kind) -> &'static str {
    match kind {
        Kind::Period => "period",
        Kind::Window => "window",
        Kind::Order => "order",
        Kind::Ties => "ties",
        Kind::By => "by",
        Kind::CountBy => "count by",
        Kind::Same => "same",
        Kind::Trend => "trend",
        Kind::Kpi => "kpi",
        Kind::Segment => "segment",
        Kind::Optional => "optional",
        Kind::StageWindow => "window from previous stage",
        Kind::StageGap => "minimum gap after previous stage",
        _ => "",
    }
}
