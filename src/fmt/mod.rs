//! `journey fmt`: prints the AST back in one canonical layout, keeping every comment.
//!
//! Layout: two-space indent; journey options first as written, one per line; a blank line
//! before each stage, before the first option after a stage, and between journeys; conditions on
//! one line unless longer than [`WIDTH`], then one `and`/`or` operand per line; `all of`/`any of`
//! always as blocks. Comments stay on their own line or at the end of their line; a comment
//! inside a one-line condition moves to the line after it. Formatting is idempotent.

mod conditions;
mod tests;

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, ItemKind, StageTarget};
use crate::syntax::lexer::Comment;
use crate::syntax::{self};

pub use conditions::{condition_text, filter_text, literal_text, rule_text};
pub use tests::{activity_text, expectation_text, moment_of, moment_text};

/// Conditions longer than this are broken at their top-level `and` / `or`.
pub const WIDTH: usize = 100;

/// Format a whole source text, or return its syntax errors.
pub fn format_source(source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = syntax::parse(source);
    if parsed.has_errors() {
        return Err(parsed.diagnostics);
    }
    Ok(format(&parsed.file, &parsed.comments, source))
}

/// Print `file` canonically; `comments` and `source` are those it was parsed from.
pub fn format(file: &ast::File, comments: &[Comment], source: &str) -> String {
    let mut p = Printer {
        out: String::new(),
        source,
        comments,
        next: 0,
    };
    // Journeys and tests in the order written.
    let mut blocks: Vec<(usize, Result<&ast::Journey, &ast::Test>)> = Vec::new();
    blocks.extend(file.journeys.iter().map(|j| (j.span.start, Ok(j))));
    blocks.extend(file.tests.iter().map(|t| (t.span.start, Err(t))));
    blocks.sort_by_key(|b| b.0);
    for (i, (start, block)) in blocks.into_iter().enumerate() {
        if i > 0 {
            p.blank();
        }
        p.leading(start, 0);
        match block {
            Ok(j) => p.journey(j),
            Err(t) => p.test(t),
        }
    }
    p.leading(usize::MAX, 0);
    p.out
}

struct Printer<'a> {
    out: String,
    source: &'a str,
    comments: &'a [Comment],
    /// Index of the first comment not printed yet; comments are printed in source order.
    next: usize,
}

fn indent(level: usize) -> String {
    "  ".repeat(level)
}

pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Printer<'_> {
    fn line(&mut self, level: usize, text: &str) {
        for (i, l) in text.lines().enumerate() {
            // Continuation lines of a multi-line text already carry their own indent.
            if i == 0 {
                self.out.push_str(&indent(level));
            }
            self.out.push_str(l);
            self.out.push('\n');
        }
    }

    /// Ensure the output ends with exactly one empty line (none at the start of the file).
    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && !self.out.ends_with("{\n") {
            self.out.push('\n');
        }
    }

    /// Print, on their own lines, all comments that start before `before`.
    fn leading(&mut self, before: usize, level: usize) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= before {
                break;
            }
            self.out.push_str(&indent(level));
            self.out.push('#');
            self.out.push_str(&c.text);
            self.out.push('\n');
            self.next += 1;
        }
    }

    /// Append to the last line a comment that sits on the same source line after `after`.
    fn trailing(&mut self, after: usize) {
        let Some(c) = self.comments.get(self.next) else {
            return;
        };
        // Only whitespace (or the block's opening brace) may lie between: otherwise the comment
        // belongs to a later item on the same source line.
        if c.span.start < after
            || !self.source[after..c.span.start]
                .chars()
                .all(|ch| ch == '{' || (ch.is_whitespace() && ch != '\n'))
        {
            return;
        }
        if self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out.push_str(" #");
        self.out.push_str(&c.text);
        self.out.push('\n');
        self.next += 1;
    }

    fn journey(&mut self, j: &ast::Journey) {
        self.line(0, &format!("journey {} {{", quote(&j.name.node)));
        self.trailing(j.name.span.end);
        self.items(&j.items, 1);
        self.leading(j.close_brace.start, 1);
        self.line(0, "}");
        self.trailing(j.close_brace.end);
    }

    fn stage(&mut self, s: &ast::Stage, level: usize) {
        self.line(level, &format!("stage {} {{", quote(&s.name.node)));
        self.trailing(s.name.span.end);
        self.items(&s.items, level + 1);
        self.leading(s.close_brace.start, level + 1);
        self.line(level, "}");
        self.trailing(s.close_brace.end);
    }

    /// A stage whose only option is a `when` that fits on one line, with no comment inside, is
    /// printed on one line: `stage "Signed up" { when registered }`.
    fn one_line_stage(&self, s: &ast::Stage, level: usize) -> Option<String> {
        let [item] = s.items.as_slice() else {
            return None;
        };
        let ItemKind::When(c) = &item.kind else {
            return None;
        };
        let has_comment = self.comments[self.next..]
            .iter()
            .any(|c| c.span.start > s.span.start && c.span.start < s.span.end);
        let text = format!(
            "stage {} {{ when {} }}",
            quote(&s.name.node),
            condition_text(c)
        );
        let block = matches!(
            c.kind,
            ast::ConditionKind::AllOf(_) | ast::ConditionKind::AnyOf(_)
        ) || text.contains(" of { ");
        (!has_comment && !block && indent(level).len() + text.len() <= WIDTH).then_some(text)
    }

    fn items(&mut self, items: &[ast::Item], level: usize) {
        let mut after_stage = false;
        let mut after_one_line_stage = false;
        for item in items {
            let one_line = match &item.kind {
                ItemKind::Stage(s) => self.one_line_stage(s, level),
                _ => None,
            };
            let is_stage = matches!(item.kind, ItemKind::Stage(_));
            // Blank lines set stages apart, except between one-line stages.
            if (is_stage || after_stage) && !(one_line.is_some() && after_one_line_stage) {
                self.blank();
            }
            after_stage = is_stage;
            after_one_line_stage = one_line.is_some();
            self.leading(item.span.start, level);
            match &item.kind {
                ItemKind::Stage(s) => match one_line {
                    Some(text) => {
                        self.line(level, &text);
                        self.trailing(s.close_brace.end);
                    }
                    None => self.stage(s, level),
                },
                other => {
                    let text = item_text(other, level);
                    self.line(level, &text);
                    self.trailing(item.span.end);
                }
            }
        }
    }
}

pub(crate) fn stage_ref(r: &ast::StageRef) -> String {
    match &r.target {
        StageTarget::Number(n) => format!("stage {n}"),
        StageTarget::Name(s) => format!("stage {}", quote(s)),
    }
}

pub(crate) fn duration_text(d: &ast::Duration) -> String {
    format!("{} {}", d.amount, d.unit.name(d.amount))
}

/// One option, possibly over several lines (continuation lines carry their indent).
fn item_text(kind: &ItemKind, level: usize) -> String {
    match kind {
        ItemKind::Stage(_) => unreachable!("stages are printed as blocks"),
        ItemKind::Description(d) => format!("description {}", quote(&d.node)),
        ItemKind::Period { from, to } => format!("period {} .. {}", from.node.text, to.node.text),
        ItemKind::Within {
            duration,
            of_previous_stage,
        } => {
            let suffix = if *of_previous_stage {
                " of previous stage"
            } else {
                ""
            };
            format!("within {}{suffix}", duration_text(&duration.node))
        }
        ItemKind::MinGap(d) => format!("at least {} after previous stage", duration_text(&d.node)),
        ItemKind::Order(o) => format!(
            "order {}",
            match o.node {
                ast::Order::Sequential => "sequential",
                ast::Order::Strict => "strict",
                ast::Order::Any => "any",
            }
        ),
        ItemKind::Ties(t) => format!(
            "ties {}",
            match t.node {
                ast::Ties::Allowed => "allowed",
                ast::Ties::Forbidden => "forbidden",
            }
        ),
        ItemKind::Exclude {
            condition,
            from,
            to,
        } => {
            let head = "exclude when ";
            let tail = format!(" between {} and {}", stage_ref(from), stage_ref(to));
            format!(
                "{head}{}{tail}",
                conditions::statement(condition, level, head.len() + tail.len())
            )
        }
        ItemKind::By { column, from } => match from {
            None => format!("by {}", column.node),
            Some(ast::BySource::Stage(r)) => format!("by {} from {}", column.node, stage_ref(r)),
            Some(ast::BySource::Last(_)) => format!("by {} from last stage", column.node),
        },
        ItemKind::CountBy(c) => format!("count by {}", c.node),
        ItemKind::Same(c) => format!("same {}", c.node),
        ItemKind::Trend(t) => format!(
            "trend {}",
            match t.node {
                ast::Trend::Daily => "daily",
                ast::Trend::Weekly => "weekly",
                ast::Trend::Monthly => "monthly",
            }
        ),
        ItemKind::Segment(s) => format!("segment {}", s.node),
        ItemKind::Kpi(k) => format!("kpi {}", k.node),
        ItemKind::Optional => "optional".to_string(),
        ItemKind::When(c) => format!("when {}", conditions::statement(c, level, 5)),
    }
}
