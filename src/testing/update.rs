//! `journey test --update`: each failed expectation's line rewritten to what the journey now
//! does, and nothing else of the file touched (layout, comments, the passing expectations).

use super::Failure;

/// `source` with every failure's `expect …` replaced by its replacement.
pub fn update<'a>(source: &str, failures: impl IntoIterator<Item = &'a Failure>) -> String {
    let mut edits: Vec<&Failure> = failures.into_iter().collect();
    edits.sort_by_key(|f| f.span.start);
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for f in edits {
        if f.span.start < at || f.span.end > source.len() {
            continue; // one failure per `expect`: edits never overlap
        }
        out.push_str(&source[at..f.span.start]);
        out.push_str(&f.replacement);
        at = f.span.end;
    }
    out.push_str(&source[at..]);
    out
}
