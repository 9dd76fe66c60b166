//! The outline (journeys and their stages) and the folding ranges (every block over more than
//! one line, and runs of comment lines).

use super::document::Document;
use super::navigate::stages;
use crate::syntax::ast::Block;
use lsp_types::{DocumentSymbol, FoldingRange, FoldingRangeKind, SymbolKind};

pub fn symbols(doc: &Document) -> Vec<DocumentSymbol> {
    doc.parsed
        .file
        .journeys
        .iter()
        .map(|j| {
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
        })
        .collect()
}

#[allow(deprecated)] // `deprecated` is a field the protocol still requires.
fn symbol(
    doc: &Document,
    b: &Block,
    kind: SymbolKind,
    detail: Option<String>,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name: if b.name.node.is_empty() {
            "(no name)".into()
        } else {
            b.name.node.clone()
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.lines.range(&doc.text, b.span),
        selection_range: doc.lines.range(&doc.text, b.name.span),
        children,
    }
}

pub fn folding(doc: &Document) -> Vec<FoldingRange> {
    let mut out = Vec::new();
    let line = |offset: usize| doc.lines.position(&doc.text, offset).line;
    let block = |b: &Block, out: &mut Vec<FoldingRange>| {
        let (start, end) = (line(b.span.start), line(b.close_brace.start));
        if end > start {
            out.push(FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(FoldingRangeKind::Region),
                ..FoldingRange::default()
            });
        }
    };
    for j in &doc.parsed.file.journeys {
        block(j, &mut out);
        for s in stages(j) {
            block(s, &mut out);
        }
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
