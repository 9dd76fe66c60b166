//! One diagnostic type for every stage: a stable code, a message in plain words, a primary label
//! and any number of secondary labels ("first declared here"), and help. Codes are listed with
//! their documentation in [`codes`]; [`render`] turns diagnostics into human, plain or JSON text.

pub mod codes;
pub mod render;
pub mod suggest;

use crate::span::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

/// Where a diagnostic without labels in a journey points: a file (a data file, or a journey
/// file that cannot be read as text), and the row (from 1, data rows only: a CSV header is not
/// a row), line and column where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code: J0xxx syntax, J1xxx names and references, J2xxx conditions, J3xxx numbers,
    /// J4xxx data binding, J5xxx execution, W0xxx warnings.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// For a data problem: the data file (and row) it is about. Rendered in place of a position
    /// in the journey when the diagnostic has no labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Diagnostic {
    /// A new diagnostic; warnings are the codes starting with `W`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        debug_assert!(codes::lookup(code).is_some(), "unregistered code {code}");
        let severity = if code.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        };
        Diagnostic {
            code,
            severity,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            location: None,
        }
    }

    /// A failure of journey itself, not of its input (J5005): said so, with a request to report
    /// it, so that a bug is never mistaken for bad data.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Diagnostic::new("J5005", format!("internal error: {what}"))
            .help("this is a bug in journey, not a problem with the journey or the data; please report it with the command you ran")
    }

    /// Point at a data file (and a row of it, counted from 1 without the header).
    pub fn in_data(mut self, path: &std::path::Path, row: Option<u64>) -> Self {
        self.location = Some(Location {
            path: path.display().to_string(),
            row,
            line: None,
            column: None,
        });
        self
    }

    /// Point at a line (and column) of the file of [`Diagnostic::in_data`], counted from 1.
    pub fn at_line(mut self, line: u64, column: Option<u64>) -> Self {
        if let Some(l) = &mut self.location {
            l.line = Some(line);
            l.column = column;
        }
        self
    }

    /// The label that says what is wrong, under the offending text.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// A label pointing at related text ("first declared here").
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Where the diagnostic points: its primary label, else its first label.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| l.span)
    }
}

/// Sort diagnostics by position, so output follows the file from top to bottom.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| (d.primary_span().map(|s| s.start).unwrap_or(0), d.code));
}

/// An error's text on one line (readers put details on later lines).
pub fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}
