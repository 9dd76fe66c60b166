//! `journey check`'s diagnostics as the protocol's: the same ranges, the secondary labels as
//! related locations, the help in the message, and the code linking to its explanation.

use super::document::Document;
use crate::diagnostics::{codes, Diagnostic, Severity};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Url,
};
use std::path::PathBuf;

pub fn diagnostics(doc: &Document) -> Vec<lsp_types::Diagnostic> {
    doc.diagnostics.iter().map(|d| convert(doc, d)).collect()
}

fn convert(doc: &Document, d: &Diagnostic) -> lsp_types::Diagnostic {
    let span = d.primary_span().unwrap_or_default();
    let primary = d.labels.iter().find(|l| l.primary).or(d.labels.first());
    let mut message = d.message.clone();
    if let Some(l) = primary.filter(|l| !l.message.is_empty()) {
        message.push('\n');
        message.push_str(&l.message);
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| primary.is_none_or(|p| !std::ptr::eq(*l, p)))
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(doc.uri.clone(), doc.lines.range(&doc.text, l.span)),
            message: l.message.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: doc.lines.range(&doc.text, span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: explanation(d.code).map(|href| CodeDescription { href }),
        source: Some("journey".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The explanation of a code (`journey explain-error CODE`) as a file the editor can open: the
/// binary carries the pages, so they are written out once per version, where they match the
/// server that links them.
pub fn explanation(code: &str) -> Option<Url> {
    let info = codes::lookup(code)?;
    let path = explanations_dir().join(format!("{}.md", info.code));
    if !path.exists() {
        std::fs::create_dir_all(explanations_dir()).ok()?;
        crate::io::atomic::write_atomic(&path, info.doc.as_bytes()).ok()?;
    }
    Url::from_file_path(&path).ok()
}

fn explanations_dir() -> PathBuf {
    std::env::temp_dir()
        .join(format!("journey-{}", env!("CARGO_PKG_VERSION")))
        .join("errors")
}
