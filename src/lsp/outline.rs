//! The outline (journeys and their stages, then the tests) and the folding ranges (every block
//! over more than one line, and runs of comment lines).

use super::document::Document;
use super::navigate::stages;
use crate::syntax::ast::Block;
use lsp_types::{DocumentSymbol, FoldingRange, FoldingRangeKind, SymbolKind};

pub fn symbols(doc: &Document) -> Vec<DocumentSymbol> {
    let tests = doc.parsed.file.tests.iter().map(|t| {
        named(
            doc,
            (&t.name.node, t.span, t.name.span),
            SymbolKind::METHOD,
            Some(format!("test of \"{}\"", t.journey.node)),
            None,
        )
    });
    let journeys = doc.parsed.file.journeys.iter().map(|j| {
        let children = stages(j)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                symbol(
                    doc,
                    s,
                    SymbolKind::EVENT,
                    Some(format!("stage {}", i + 1)),
                    None,
                )
            })
            .collect();
        symbol(
            doc,
            j,
            SymbolKind::MODULE,
            Some("journey".into()),
            Some(children),
        )
    });
    journeys.chain(tests).collect()
}

fn symbol(
    doc: &Document,
    b: &Block,
    kind: SymbolKind,
    detail: Option<String>,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    named(
        doc,
        (&b.name.node, b.span, b.name.span),
        kind,
        detail,
        children,
    )
}

/// A symbol of a name, the whole block's span and the name's span.
#[allow(deprecated)] // `deprecated` is a field the protocol still requires.
fn named(
    doc: &Document,
    (name, span, name_span): (&str, crate::span::Span, crate::span::Span),
    kind: SymbolKind,
    detail: Option<String>,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name: if name.is_empty() {
            "(no name)".into()
        } else {
            name.to_string()
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.lines.range(&doc.text, span),
        selection_range: doc.lines.range(&doc.text, name_span),
        children,
    }
}

pub fn folding(doc: &Document) -> Vec<FoldingRange> {
    let mut out = Vec::new();
    let line = |offset: usize| doc.lines.position(&doc.text, offset).line;
    // From a block's first line to its closing brace's.
    let region = |from: usize, close: usize, out: &mut Vec<FoldingRange>| {
        let (start, end) = (line(from), line(close));
        if end > start {
            out.push(FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(FoldingRangeKind::Region),
                ..FoldingRange::default()
            });
        }
    };
    let block =
        |b: &Block, out: &mut Vec<FoldingRange>| region(b.span.start, b.close_brace.start, out);
    for j in &doc.parsed.file.journeys {
        block(j, &mut out);
        for s in stages(j) {
            block(s, &mut out);
        }
    }
    for t in &doc.parsed.file.tests {
        region(t.span.start, t.close_brace.start, &mut out);
    }
    // Consecutive whole-line comments fold as one.
    let mut run: Option<(u32, u32)> = None;
    for c in &doc.parsed.comments {
        let l = line(c.span.start);
        let whole_line = doc.text[..c.span.start]
            .rsplit('\n')
            .next()
            .is_some_and(|before| before.trim().is_empty());
        match run {
            Some((first, last)) if whole_line && l == last + 1 => run = Some((first, l)),
            _ => {
                if let Some((first, last)) = run.take().filter(|(f, l)| l > f) {
                    out.push(comment_fold(first, last));
                }
                run = whole_line.then_some((l, l));
            }
        }
    }
    if let Some((first, last)) = run.filter(|(f, l)| l > f) {
        out.push(comment_fold(first, last));
    }
    out
}

fn comment_fold(first: u32, last: u32) -> FoldingRange {
    FoldingRange {
        start_line: first,
        end_line: last,
        kind: Some(FoldingRangeKind::Comment),
        ..FoldingRange::default()
    }
}
