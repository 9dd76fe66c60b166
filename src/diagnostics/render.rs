//! Rendering diagnostics: `human` (miette's graphical report, with colour on a terminal),
//! `plain` (one `file:line:col: error[CODE]: message` line plus help, for logs and grep) and
//! `json` (one object per line, for editors and bots).

use super::{Diagnostic, Severity};
use crate::span::line_col;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ErrorFormat {
    /// Source snippets with arrows (colour on a terminal).
    Human,
    /// One line per diagnostic, then its help.
    Plain,
    /// One JSON object per line.
    Json,
}

/// Render `diags` of one file. `color` applies to `human` only.
pub fn render(
    diags: &[Diagnostic],
    path: &str,
    source: &str,
    format: ErrorFormat,
    color: bool,
) -> String {
    let mut out = String::new();
    for d in diags {
        match format {
            ErrorFormat::Human => out.push_str(&human(d, path, source, color)),
            ErrorFormat::Plain => out.push_str(&plain(d, path, source)),
            ErrorFormat::Json => {
                out.push_str(&serde_json::to_string(&json(d, path, source)).unwrap_or_default());
                out.push('\n');
            }
        }
    }
    out
}

pub fn human(d: &Diagnostic, path: &str, source: &str, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let report = Report {
        d,
        source: NamedSource::new(path, source.to_string()),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        return plain(d, path, source);
    }
    out
}

/// Where a diagnostic is, as `file:line:col`, `file:line`, `file` or nothing: its primary label
/// in the journey, else its data location.
fn position(d: &Diagnostic, path: &str, source: &str) -> Option<String> {
    if let Some(s) = d.primary_span() {
        let (line, col) = line_col(source, s.start);
        return Some(format!("{path}:{line}:{col}"));
    }
    let l = d.location.as_ref()?;
    Some(match (l.line, l.column) {
        (Some(line), Some(col)) => format!("{}:{line}:{col}", l.path),
        (Some(line), None) => format!("{}:{line}", l.path),
        _ => l.path.clone(),
    })
}

pub fn plain(d: &Diagnostic, path: &str, source: &str) -> String {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = match position(d, path, source) {
        Some(at) => format!("{at}: {sev}[{}]: {}\n", d.code, d.message),
        None => format!("{sev}[{}]: {}\n", d.code, d.message),
    };
    for l in &d.labels {
        let (line, col) = line_col(source, l.span.start);
        let what = if l.primary { "here" } else { "see" };
        if !l.message.is_empty() {
            out.push_str(&format!("  {what} {path}:{line}:{col}: {}\n", l.message));
        }
    }
    if let Some(row) = d.location.as_ref().and_then(|l| l.row) {
        out.push_str(&format!("  at row {row}\n"));
    }
    if let Some(h) = &d.help {
        out.push_str(&format!("  help: {h}\n"));
    }
    out
}

#[derive(Serialize)]
struct JsonLabel {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start: usize,
    end: usize,
    message: String,
    primary: bool,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    /// The journey file, or for a data problem the data file; null when neither applies.
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    /// For a data problem: the data row (from 1, without a CSV header), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<u64>,
    labels: Vec<JsonLabel>,
    help: Option<&'a str>,
}

fn json<'a>(d: &'a Diagnostic, path: &'a str, source: &str) -> JsonDiagnostic<'a> {
    let (file, line, column) = match (d.primary_span(), &d.location) {
        (Some(s), _) => {
            let (line, column) = line_col(source, s.start);
            (Some(path), Some(line), Some(column))
        }
        (None, Some(l)) => (
            Some(l.path.as_str()),
            l.line.map(|l| l as usize),
            l.column.map(|c| c as usize),
        ),
        (None, None) => (None, None, None),
    };
    JsonDiagnostic {
        code: d.code,
        severity: d.severity,
        message: &d.message,
        file,
        line,
        column,
        row: d.location.as_ref().and_then(|l| l.row),
        labels: d
            .labels
            .iter()
            .map(|l| {
                let (line, column) = line_col(source, l.span.start);
                let (end_line, end_column) = line_col(source, l.span.end);
                JsonLabel {
                    line,
                    column,
                    end_line,
                    end_column,
                    start: l.span.start,
                    end: l.span.end,
                    message: l.message.clone(),
                    primary: l.primary,
                }
            })
            .collect(),
        help: d.help.as_deref(),
    }
}

/// Adapter giving miette a diagnostic with its source.
struct Report<'a> {
    d: &'a Diagnostic,
    source: NamedSource<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.d)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}[{}]: {}", self.d.code, self.d.message)?;
        // The message names the file; the line or row is what it cannot say.
        if self.d.labels.is_empty() {
            if let Some(l) = self
                .d
                .location
                .as_ref()
                .filter(|l| l.line.is_some() || l.row.is_some())
            {
                write!(f, "\n  at {}", l.path)?;
                if let Some(line) = l.line {
                    write!(f, ":{line}")?;
                }
                if let Some(col) = l.column {
                    write!(f, ":{col}")?;
                }
                if let Some(row) = l.row {
                    write!(f, ", row {row}")?;
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        if self.d.labels.is_empty() {
            None
        } else {
            Some(&self.source)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.d.labels.iter().map(|l| {
            let text = (!l.message.is_empty()).then(|| l.message.clone());
            if l.primary {
                LabeledSpan::new_primary_with_span(text, l.span)
            } else {
                LabeledSpan::new_with_span(text, l.span)
            }
        });
        Some(Box::new(labels))
    }
}
