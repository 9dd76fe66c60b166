//! An open journey file: its text as the editor has it, and what the parser and checker make of
//! that text, recomputed on every change (both are synchronous and take well under a
//! millisecond per hundred lines).

use super::position::Lines;
use crate::diagnostics::Diagnostic;
use crate::syntax::{ast, Parsed};
use lsp_types::Url;

pub struct Document {
    pub uri: Url,
    pub text: String,
    pub lines: Lines,
    pub parsed: Parsed,
    /// Every diagnostic `journey check` gives for this text, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The journeys of the last version that had any: while a string is left open the parser
    /// stops at the lexer and has none, and completion still wants the stage names.
    pub last_journeys: Vec<ast::Journey>,
}

impl Document {
    pub fn new(uri: Url, text: String) -> Document {
        let (parsed, checked) = crate::check::check_source(&text);
        Document {
            uri,
            lines: Lines::new(&text),
            last_journeys: parsed.file.journeys.clone(),
            diagnostics: checked.diagnostics,
            parsed,
            text,
        }
    }

    /// The document after an edit that replaced its whole text.
    pub fn changed(self, text: String) -> Document {
        let mut next = Document::new(self.uri, text);
        if next.last_journeys.is_empty() {
            next.last_journeys = self.last_journeys;
        }
        next
    }

    /// The journey around `offset` (or the last one before it), from this text or, when it
    /// parses into none, the last that did.
    pub fn journey_at(&self, offset: usize) -> Option<&ast::Journey> {
        let journeys = if self.parsed.file.journeys.is_empty() {
            &self.last_journeys
        } else {
            &self.parsed.file.journeys
        };
        journeys
            .iter()
            .rev()
            .find(|j| j.span.start <= offset)
            .or(journeys.first())
    }
}
