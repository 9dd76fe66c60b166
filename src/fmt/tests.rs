//! Printing `test` blocks: `start` first as written, a blank line before each contact and before
//! the expectations after them; one activity or expectation per line.

use super::{duration_text, literal_text, quote, rule_text, stage_ref, Printer};
use crate::syntax::ast::{self, Expectation, Moment, TestItemKind};

/// `+3 days` or an instant, as written in a test.
pub fn moment_text(m: &Moment) -> String {
    match m {
        Moment::After(d) => format!("+{}", duration_text(d)),
        Moment::At(t) => t.text.clone(),
    }
}

/// One `expect …` line without its indent: what `journey test --update` writes.
pub fn expectation_text(e: &Expectation) -> String {
    match e {
        Expectation::Counts(counts) => {
            let numbers: Vec<String> = counts.iter().map(|c| c.node.to_string()).collect();
            format!("expect counts {}", numbers.join(", "))
        }
        Expectation::Reaches { contact, stage, at } => {
            let stage = match stage {
                Some(r) => stage_ref(r),
                None => "no stage".to_string(),
            };
            let at = match at {
                Some(m) => format!(" at {}", moment_text(&m.node)),
                None => String::new(),
            };
            format!("expect {} reaches {stage}{at}", quote(&contact.node))
        }
    }
}

/// `at +1 day submitted form "f" with value "v", score 3`
pub fn activity_text(a: &ast::TestActivity) -> String {
    let mut out = format!("at {} {}", moment_text(&a.at.node), rule_text(&a.rule));
    for (i, (column, value)) in a.fields.iter().enumerate() {
        out.push_str(if i == 0 { " with " } else { ", " });
        out.push_str(&column.node);
        out.push(' ');
        out.push_str(&literal_text(&value.node));
    }
    out
}

impl Printer<'_> {
    pub(super) fn test(&mut self, t: &ast::Test) {
        self.line(
            0,
            &format!(
                "test {} of {} {{",
                quote(&t.name.node),
                quote(&t.journey.node)
            ),
        );
        self.trailing(t.journey.span.end);
        let mut after_contact = false;
        for item in &t.items {
            let contact = matches!(item.kind, TestItemKind::Contact(_));
            if contact || after_contact {
                self.blank();
            }
            after_contact = contact;
            self.leading(item.span.start, 1);
            match &item.kind {
                TestItemKind::Start(s) => {
                    self.line(1, &format!("start {}", s.node.text));
                    self.trailing(item.span.end);
                }
                TestItemKind::Expect(e) => {
                    self.line(1, &expectation_text(e));
                    self.trailing(item.span.end);
                }
                TestItemKind::Contact(c) => {
                    self.line(1, &format!("contact {} {{", quote(&c.id.node)));
                    self.trailing(c.id.span.end);
                    for a in &c.activities {
                        self.leading(a.span.start, 2);
                        self.line(2, &activity_text(a));
                        self.trailing(a.span.end);
                    }
                    self.leading(c.close_brace.start, 2);
                    self.line(1, "}");
                    self.trailing(c.close_brace.end);
                }
            }
        }
        self.leading(t.close_brace.start, 1);
        self.line(0, "}");
        self.trailing(t.close_brace.end);
    }
}

/// `t` as a test writes it: `+D` after the start in the largest whole unit (days, hours,
/// minutes, seconds) when `relative` and it is a whole number of seconds at or after the start,
/// else the instant (UTC).
pub fn moment_of(t: i64, start: i64, relative: bool) -> Moment {
    const S: i64 = 1_000_000;
    let delta = t - start;
    if relative && delta >= 0 && delta % S == 0 {
        let unit = [
            ast::TimeUnit::Days,
            ast::TimeUnit::Hours,
            ast::TimeUnit::Minutes,
        ]
        .into_iter()
        .find(|u| delta % u.micros() == 0)
        .unwrap_or(ast::TimeUnit::Seconds);
        return Moment::After(ast::Duration {
            amount: delta / unit.micros(),
            unit,
        });
    }
    let text = chrono::DateTime::from_timestamp_micros(t)
        .map(|d| {
            if t % S == 0 {
                d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            } else {
                d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            }
        })
        .unwrap_or_else(|| t.to_string());
    Moment::At(ast::TimePoint { text, micros: t })
}
