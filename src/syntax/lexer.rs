//! A quick character scan that runs before the parser. It finds what pest cannot report well or
//! that the AST does not keep: unterminated strings (J0002), nesting deep enough to endanger the
//! stack (J0008), and the comments, which the formatter puts back.

use crate::diagnostics::Diagnostic;
use crate::span::Span;

/// Deeper nesting of `(`, `[` and `{` than any journey needs; it bounds the parser's recursion.
pub const MAX_DEPTH: usize = 48;

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// From `#` to the end of the line (newline excluded).
    pub span: Span,
    /// The text after `#`, trailing whitespace removed.
    pub text: String,
}

pub struct Scan {
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn scan(source: &str) -> Scan {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let mut diagnostics = Vec::new();
    let mut openers: Vec<usize> = Vec::new();
    let mut too_deep = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                let end = source[i..]
                    .find('\n')
                    .map(|n| i + n)
                    .unwrap_or(source.len());
                comments.push(Comment {
                    span: Span::new(i, end),
                    text: source[i + 1..end].trim_end().to_string(),
                });
                i = end;
            }
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => {
                            let end = if i > start + 1 && bytes.get(i - 1) == Some(&b'\r') {
                                i - 1
                            } else {
                                i
                            };
                            diagnostics.push(
                                Diagnostic::new("J0002", "unterminated string")
                                    .primary(Span::new(start, end), "this string has no closing `\"`")
                                    .help("close the string with `\"` on the same line; write `\\\"` for a quote inside it"),
                            );
                            break;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if bytes.get(i + 1).is_some_and(|b| *b != b'\n') => i += 2,
                        Some(_) => i += 1,
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                openers.push(i);
                if openers.len() > MAX_DEPTH && !too_deep {
                    too_deep = true;
                    diagnostics.push(
                        Diagnostic::new("J0008", "nesting too deep")
                            .primary(Span::new(i, i + 1), format!("more than {MAX_DEPTH} levels of brackets"))
                            .help("flatten the condition: `any of { … }` and `all of { … }` take many members"),
                    );
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                openers.pop();
                i += 1;
            }
            _ => i += 1,
        }
    }
    Scan {
        comments,
        diagnostics,
    }
}

/// Positions and bytes of the `{` and `}` in `from..to`, outside strings and comments.
fn braces(source: &str, from: usize, to: usize) -> Vec<(usize, u8)> {
    let bytes = source.as_bytes();
    let to = to.min(bytes.len());
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        match bytes[i] {
            b'#' => {
                i = source[i..]
                    .find('\n')
                    .map(|n| i + n)
                    .unwrap_or(source.len());
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b @ (b'{' | b'}') => out.push((i, b)),
            _ => {}
        }
        i += 1;
    }
    out
}

/// Depth of unclosed `{` at `offset`, counting from `from` (strings and comments skipped).
pub fn brace_depth(source: &str, from: usize, offset: usize) -> usize {
    braces(source, from, offset)
        .iter()
        .fold(0usize, |depth, &(_, b)| {
            if b == b'{' {
                depth + 1
            } else {
                depth.saturating_sub(1)
            }
        })
}

/// The `{` most likely left unclosed when the file ends inside a block: the first one whose
/// matching `}` sits at a different indentation (the `}` meant for an outer block), else the
/// innermost one still open.
pub fn unclosed_brace(source: &str, from: usize) -> Option<usize> {
    let indent_at = |offset: usize| {
        let line_start = source[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
        source[line_start..].len() - source[line_start..].trim_start_matches([' ', '\t']).len()
    };
    let mut open: Vec<usize> = Vec::new();
    let mut suspect = None;
    for (i, b) in braces(source, from, source.len()) {
        if b == b'{' {
            open.push(i);
        } else if let Some(o) = open.pop() {
            let own_line = source[..i]
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim().is_empty());
            if suspect.is_none() && own_line && indent_at(o) != indent_at(i) {
                suspect = Some(o);
            }
        }
    }
    suspect.or(open.pop())
}
