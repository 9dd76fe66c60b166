//! The tests' part of a review: per journey, the tests added or removed, the example contacts
//! whose history changed, and each expectation that changed, as the test writes it — so the
//! reviewer reads "which contacts this counts now" next to the change that made it so.

use super::Diff;
use crate::check::hir::{Expected, Journey, Test};
use crate::check::tests::written;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestChange {
    pub test: String,
    pub kind: TestKind,
    /// The contact concerned (a history or a `reaches` expectation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    TestAdded,
    TestRemoved,
    ContactAdded,
    ContactRemoved,
    HistoryChanged,
    Expectation,
}

/// Add to `diff` the changes between the old and new files' tests, under their journeys.
pub fn add(diff: &mut Diff, old: (&[Journey], &[Test]), new: (&[Journey], &[Test])) {
    let journey_of = |js: &[Journey], t: &Test| js.iter().find(|j| j.name == t.journey).cloned();
    let mut push = |journey: &str, old_side: bool, c: TestChange| {
        if let Some(i) = entry(diff, journey, old_side) {
            diff.journeys[i].tests.push(c);
        }
    };
    for n in new.1 {
        let Some(nj) = journey_of(new.0, n) else {
            continue;
        };
        let matched = old.1.iter().find(|o| o.name == n.name);
        let Some(o) = matched else {
            push(&n.journey, false, added(n, TestKind::TestAdded, true));
            continue;
        };
        let Some(oj) = journey_of(old.0, o) else {
            continue;
        };
        for c in changes(o, &oj, n, &nj) {
            push(&n.journey, false, c);
        }
    }
    for o in old
        .1
        .iter()
        .filter(|o| !new.1.iter().any(|n| n.name == o.name))
    {
        push(&o.journey, true, added(o, TestKind::TestRemoved, false));
    }
}

/// The entry of the diff a test of `journey` belongs under. A new file's test: the entry of that
/// name. An old file's: the entry renamed from it, else the one of its name that is not new
/// (changed, unchanged or removed). Every checked test's journey has one.
fn entry(diff: &Diff, journey: &str, old_side: bool) -> Option<usize> {
    use super::{Kind, Status};
    let js = &diff.journeys;
    if !old_side {
        return js
            .iter()
            .position(|j| j.name == journey && j.status != Status::Removed);
    }
    let renamed_from = |j: &super::JourneyDiff| {
        (j.changes.iter())
            .any(|c| c.kind == Kind::JourneyRenamed && c.before.as_deref() == Some(journey))
    };
    js.iter().position(renamed_from).or_else(|| {
        js.iter()
            .position(|j| j.name == journey && j.status != Status::Added)
    })
}

fn added(t: &Test, kind: TestKind, after: bool) -> TestChange {
    let what = format!(
        "{} {}, {} {}",
        t.contacts.len(),
        if t.contacts.len() == 1 {
            "contact"
        } else {
            "contacts"
        },
        t.expectations.len(),
        if t.expectations.len() == 1 {
            "expectation"
        } else {
            "expectations"
        }
    );
    TestChange {
        test: t.name.clone(),
        kind,
        contact: None,
        before: (!after).then(|| what.clone()),
        after: after.then_some(what),
    }
}

fn key(e: &Expected) -> Option<&str> {
    match e {
        Expected::Reaches { contact, .. } => Some(contact),
        Expected::Counts(_) => None,
    }
}

fn changes(o: &Test, oj: &Journey, n: &Test, nj: &Journey) -> Vec<TestChange> {
    let mut out = Vec::new();
    let change = |kind, contact: Option<&str>, before, after| TestChange {
        test: n.name.clone(),
        kind,
        contact: contact.map(str::to_string),
        before,
        after,
    };
    // Histories: a contact's activities as the rows they make (time, rule, fields), spans aside.
    let history = |t: &Test, id: &str| {
        t.contacts.iter().find(|c| c.id == id).map(|c| {
            (c.activities.iter())
                .map(|a| {
                    let rule = crate::syntax::ast::Rule {
                        kind: a.kind.clone(),
                        filter: None,
                        span: a.span,
                    };
                    let fields: Vec<String> = (a.fields.iter())
                        .map(|(k, v)| format!("{k} {}", crate::fmt::literal_text(v)))
                        .collect();
                    format!(
                        "{} {} {}",
                        a.time,
                        crate::fmt::rule_text(&rule),
                        fields.join(", ")
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    for c in &n.contacts {
        match (history(o, &c.id), history(n, &c.id)) {
            (None, _) => out.push(change(TestKind::ContactAdded, Some(&c.id), None, None)),
            (Some(before), Some(after)) if before != after => {
                out.push(change(TestKind::HistoryChanged, Some(&c.id), None, None))
            }
            _ => {}
        }
    }
    for c in o
        .contacts
        .iter()
        .filter(|c| !n.contacts.iter().any(|n| n.id == c.id))
    {
        out.push(change(TestKind::ContactRemoved, Some(&c.id), None, None));
    }
    // Expectations, keyed by contact (or `counts`), as written with relative times.
    let text = |t: &Test, j: &Journey, e: &Expected| written(e, j, t.start, false, true);
    for e in &n.expectations {
        let before = o
            .expectations
            .iter()
            .find(|x| key(&x.expected) == key(&e.expected))
            .map(|x| text(o, oj, &x.expected));
        let after = Some(text(n, nj, &e.expected));
        if before != after {
            out.push(change(
                TestKind::Expectation,
                key(&e.expected),
                before,
                after,
            ));
        }
    }
    for e in o.expectations.iter().filter(|x| {
        !n.expectations
            .iter()
            .any(|e| key(&e.expected) == key(&x.expected))
    }) {
        out.push(change(
            TestKind::Expectation,
            key(&e.expected),
            Some(text(o, oj, &e.expected)),
            None,
        ));
    }
    out
}
