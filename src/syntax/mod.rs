//! Stage 1: text → AST. [`parse`] never fails and never panics: it returns the journeys it could
//! read and a diagnostic for every problem it found. After a syntax error it resumes at the next
//! `stage`, `journey` or `test` that starts a line, so one run reports the errors of the whole file.

pub mod ast;
mod build;
mod build_test;
pub mod expected;
pub mod lexer;
pub mod next;
pub mod parser;

pub use build::parse_time_point;

use crate::diagnostics::Diagnostic;
use lexer::Comment;
use parser::{JourneyParser, Rule};
use pest::Parser as _;

/// Stop after this many syntax errors: later ones are mostly echoes of earlier ones.
const MAX_SYNTAX_ERRORS: usize = 20;

#[derive(Debug)]
pub struct Parsed {
    pub file: ast::File,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

pub fn parse(source: &str) -> Parsed {
    let scan = lexer::scan(source);
    let mut file = ast::File {
        journeys: Vec::new(),
        tests: Vec::new(),
    };
    if !scan.diagnostics.is_empty() {
        // An unterminated string or runaway nesting would only produce confusing parse errors.
        return Parsed {
            file,
            comments: scan.comments,
            diagnostics: scan.diagnostics,
        };
    }

    let mut diagnostics = Vec::new();
    let mut offset = 0;
    let mut entry = Rule::file;
    loop {
        let chunk = &source[offset..];
        match JourneyParser::parse(entry, chunk) {
            Ok(mut pairs) => {
                let root = pairs.next().expect("entry rule");
                let mut b = build::Builder::new(offset);
                let (journeys, tests) = b.blocks(root);
                file.journeys.extend(journeys);
                file.tests.extend(tests);
                diagnostics.extend(b.diagnostics);
                break;
            }
            Err(e) => {
                let at = offset
                    + match e.location {
                        pest::error::InputLocation::Pos(p) => p,
                        pest::error::InputLocation::Span((s, _)) => s,
                    };
                let positives = match &e.variant {
                    pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
                    pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
                };
                diagnostics.push(expected::diagnose(source, offset, at, &positives));
                if diagnostics.len() >= MAX_SYNTAX_ERRORS {
                    break;
                }
                let inside_journey = lexer::brace_depth(source, offset, at) > 0;
                match resume_point(source, at, inside_journey) {
                    Some((next, rule)) => {
                        offset = next;
                        entry = rule;
                    }
                    None => break,
                }
            }
        }
    }
    if file.journeys.is_empty() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::new("J0009", "this file contains no journey")
                .primary(crate::span::Span::new(0, 0), "expected `journey \"name\" { … }`")
                .help("a journey file holds one or more `journey \"name\" { … }` blocks; see `journey explain-error J0009`"),
        );
    }
    Parsed {
        file,
        comments: scan.comments,
        diagnostics,
    }
}

/// The start of the first line after `at` that begins with `journey` or `test` (resume with
/// whole blocks) or, inside a journey, `stage` (resume with the rest of that journey's body).
fn resume_point(source: &str, at: usize, inside_journey: bool) -> Option<(usize, Rule)> {
    let mut line_start = source[at..].find('\n')? + at + 1;
    loop {
        let line = &source[line_start..];
        let trimmed = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - trimmed.len();
        let starts = |kw: &str| {
            trimmed.starts_with(kw)
                && !trimmed[kw.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        };
        if starts("journey") || starts("test") {
            return Some((line_start + indent, Rule::file));
        }
        if inside_journey && starts("stage") {
            return Some((line_start + indent, Rule::journey_tail));
        }
        line_start += line.find('\n')? + 1;
    }
}
