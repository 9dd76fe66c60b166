//! Hover: the explanation of a diagnostic under the cursor, the stage a reference points at,
//! and what a keyword means, in the words of the language reference (`docs/language.md`'s
//! tables, which the binary carries, so the two never disagree).

use super::document::Document;
use super::navigate::{stages, target_at};
use crate::diagnostics::codes;
use crate::syntax::ast::ItemKind;
use crate::syntax::expected::ALL_KEYWORDS;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

const REFERENCE: &str = include_str!("../../docs/language.md");

pub fn hover(doc: &Document, offset: usize) -> Option<Hover> {
    let mut parts = Vec::new();
    for d in &doc.diagnostics {
        let Some(span) = d.primary_span() else {
            continue;
        };
        if span.start <= offset && offset <= span.end.max(span.start + 1) {
            if let Some(info) = codes::lookup(d.code) {
                parts.push(format!(
                    "**{}**: {}\n\n{}",
                    info.code,
                    d.message,
                    info.doc.trim()
                ));
            }
        }
    }
    if let Some(t) = target_at(doc, offset) {
        let all = stages(t.journey);
        let stage = all[t.stage];
        let mut text = format!(
            "stage {} of journey {}: **{}**",
            t.stage + 1,
            crate::fmt::quote(&t.journey.name.node),
            stage.name.node
        );
        if let Some(when) = stage
            .items
            .iter()
            .find(|i| matches!(i.kind, ItemKind::When(_)))
        {
            text.push_str(&format!(
                "\n\n```journey\n{}\n```",
                &doc.text[when.span.start..when.span.end]
            ));
        }
        parts.push(text);
    } else if let Some(word) =
        word_at(&doc.text, offset).filter(|_| !in_string_or_comment(doc, offset))
    {
        parts.extend(meaning(word));
    }
    if parts.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: None,
    })
}

/// The word (letters, digits, `_`, `-`) around `offset`.
pub fn word_at(text: &str, offset: usize) -> Option<&str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let offset = crate::span::floor_char_boundary(text, offset.min(text.len()));
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(text.len(), |(i, _)| offset + i);
    (end > start).then(|| &text[start..end])
}

fn in_string_or_comment(doc: &Document, offset: usize) -> bool {
    if doc
        .parsed
        .comments
        .iter()
        .any(|c| c.span.start <= offset && offset <= c.span.end)
    {
        return true;
    }
    let line_start = doc.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    doc.text[line_start..offset].matches('"').count() % 2 == 1
}

/// What a word means: the reference's table rows whose syntax starts with it (else mention it),
/// the segments' paragraph for a segment name.
fn meaning(word: &str) -> Vec<String> {
    if crate::check::hir::Segment::parse(word).is_some() || word == "segment" {
        let para = REFERENCE
            .split("\n\n")
            .find(|p| p.starts_with("**Segments**"))
            .unwrap_or_default();
        let mut out = Vec::new();
        if word == "segment" {
            out.extend(rows(word));
        }
        out.push(para.replace('\n', " "));
        return out;
    }
    if !ALL_KEYWORDS.contains(&word) {
        return Vec::new();
    }
    rows(word)
}

fn rows(word: &str) -> Vec<String> {
    let table_rows: Vec<(&str, &str)> = REFERENCE
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let mut cells = l.trim_matches('|').split(" | ");
            Some((cells.next()?.trim(), cells.next()?.trim()))
        })
        .collect();
    let words = |syntax: &str| -> Vec<String> {
        syntax
            .split('`')
            .skip(1)
            .step_by(2)
            .flat_map(|code| code.split(|c: char| !c.is_ascii_alphanumeric() && c != '_'))
            .map(str::to_string)
            .collect()
    };
    let starting: Vec<String> = table_rows
        .iter()
        .filter(|(syntax, _)| words(syntax).first().is_some_and(|w| w == word))
        .map(|(s, m)| format!("{s}: {m}"))
        .collect();
    if !starting.is_empty() {
        return starting;
    }
    table_rows
        .iter()
        .filter(|(syntax, _)| words(syntax).iter().any(|w| w == word))
        .take(6)
        .map(|(s, m)| format!("{s}: {m}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyword_means_what_the_reference_says() {
        let within = rows("within").join("\n");
        assert!(within.contains("`within D`: conversion window"), "{within}");
        assert!(within.contains("of previous stage"), "{within}");
        assert!(rows("kpi").join("").contains("target number of contacts"));
        assert!(meaning("lead")
            .join("")
            .contains("Kentico's contact lifecycle"));
        assert!(meaning("utm_source").is_empty());
    }

    #[test]
    fn the_word_around_a_point() {
        assert_eq!(word_at("  kpi 50", 3), Some("kpi"));
        assert_eq!(word_at("  kpi 50", 5), Some("kpi"));
        assert_eq!(word_at("segment target-group", 12), Some("target-group"));
        assert_eq!(word_at("a { }", 3), None);
    }
}
