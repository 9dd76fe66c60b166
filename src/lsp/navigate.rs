//! Stage references: go to the stage a `stage 2` / `stage "Name"` points at, find every
//! reference to a stage, rename a stage with its references.

use super::document::Document;
use crate::span::Span;
use crate::syntax::ast::{Block, BySource, ItemKind, Journey, StageRef, StageTarget};
use lsp_types::{Location, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

/// A journey's stages in order.
pub fn stages(j: &Journey) -> Vec<&Block> {
    j.items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Stage(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Every stage reference written in a journey (its own options' and its stages').
fn references_in(j: &Journey) -> Vec<&StageRef> {
    fn walk<'a>(b: &'a Block, out: &mut Vec<&'a StageRef>) {
        for i in &b.items {
            match &i.kind {
                ItemKind::Exclude { from, to, .. } => out.extend([from, to]),
                ItemKind::By {
                    from: Some(BySource::Stage(r)),
                    ..
                } => out.push(r),
                ItemKind::Stage(s) => walk(s, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(j, &mut out);
    out
}

/// The stage (index into [`stages`]) a reference points at, as the checker resolves it.
pub fn resolve(stages: &[&Block], r: &StageRef) -> Option<usize> {
    match &r.target {
        StageTarget::Number(n) => usize::try_from(*n)
            .ok()
            .filter(|&n| (1..=stages.len()).contains(&n))
            .map(|n| n - 1),
        StageTarget::Name(name) => stages.iter().position(|s| &s.name.node == name),
    }
}

fn covers(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

/// The stage under the cursor: its name where it is declared, or a reference to it.
pub struct Target<'a> {
    pub journey: &'a Journey,
    pub stage: usize,
    /// The reference the cursor is on, if it is on one.
    pub reference: Option<&'a StageRef>,
}

pub fn target_at(doc: &Document, offset: usize) -> Option<Target<'_>> {
    let j = doc
        .parsed
        .file
        .journeys
        .iter()
        .find(|j| covers(j.span, offset))?;
    let stages = stages(j);
    if let Some(i) = stages.iter().position(|s| covers(s.name.span, offset)) {
        return Some(Target {
            journey: j,
            stage: i,
            reference: None,
        });
    }
    let r = references_in(j)
        .into_iter()
        .find(|r| covers(r.span, offset))?;
    Some(Target {
        journey: j,
        stage: resolve(&stages, r)?,
        reference: Some(r),
    })
}

pub fn definition(doc: &Document, offset: usize) -> Option<Location> {
    let t = target_at(doc, offset)?;
    let stage = stages(t.journey)[t.stage];
    Some(location(doc, stage.name.span))
}

pub fn references(doc: &Document, offset: usize, declaration: bool) -> Vec<Location> {
    let Some(t) = target_at(doc, offset) else {
        return Vec::new();
    };
    let stages = stages(t.journey);
    let mut out = Vec::new();
    if declaration {
        out.push(location(doc, stages[t.stage].name.span));
    }
    for r in references_in(t.journey) {
        if resolve(&stages, r) == Some(t.stage) {
            out.push(location(doc, r.span));
        }
    }
    out
}

/// The name's span, for the editor to show what a rename will change; `None` off a stage.
pub fn prepare_rename(doc: &Document, offset: usize) -> Option<Span> {
    let t = target_at(doc, offset)?;
    Some(match t.reference {
        Some(r) => name_in(doc, r).unwrap_or(r.span),
        None => stages(t.journey)[t.stage].name.span,
    })
}

/// Rename the stage under the cursor: its declaration and every reference by name (a reference
/// by number still points at the same stage).
pub fn rename(doc: &Document, offset: usize, new_name: &str) -> Option<WorkspaceEdit> {
    let t = target_at(doc, offset)?;
    let stages = stages(t.journey);
    let text = crate::fmt::quote(new_name);
    let mut edits = vec![TextEdit::new(
        doc.lines.range(&doc.text, stages[t.stage].name.span),
        text.clone(),
    )];
    for r in references_in(t.journey) {
        if matches!(r.target, StageTarget::Name(_)) && resolve(&stages, r) == Some(t.stage) {
            if let Some(span) = name_in(doc, r) {
                edits.push(TextEdit::new(
                    doc.lines.range(&doc.text, span),
                    text.clone(),
                ));
            }
        }
    }
    let mut changes = HashMap::new();
    changes.insert(doc.uri.clone(), edits);
    Some(WorkspaceEdit::new(changes))
}

/// The quoted name of a by-name reference (`stage "Name"`: from the quote on).
fn name_in(doc: &Document, r: &StageRef) -> Option<Span> {
    let written = doc.text.get(r.span.start..r.span.end)?;
    let quote = written.find('"')?;
    Some(Span::new(r.span.start + quote, r.span.end))
}

fn location(doc: &Document, span: Span) -> Location {
    Location::new(doc.uri.clone(), doc.lines.range(&doc.text, span))
}
