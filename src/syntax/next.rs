//! What the grammar accepts at a point of a file, for an editor's completion: the rules pest
//! tried where the text before the point ends.

use super::parser::{JourneyParser, Rule};
use crate::span::floor_char_boundary;
use pest::Parser as _;

/// The grammar rules that could start at `offset`, judging by the text before it alone (what
/// follows is being typed). Empty when that text has a syntax error before `offset` that no
/// restart point (a line starting `journey`, or `stage` inside a journey) gets past.
pub fn expected_at(source: &str, offset: usize) -> Vec<Rule> {
    let prefix = &source[..floor_char_boundary(source, offset.min(source.len()))];
    for (start, entry) in starts(prefix) {
        match JourneyParser::parse(entry, &prefix[start..]) {
            // A whole file: only another journey can follow.
            Ok(_) => return vec![Rule::journey],
            Err(e) => {
                let at = start
                    + match e.location {
                        pest::error::InputLocation::Pos(p) => p,
                        pest::error::InputLocation::Span((s, _)) => s,
                    };
                if at == prefix.len() {
                    return match e.variant {
                        pest::error::ErrorVariant::ParsingError { positives, .. } => positives,
                        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
                    };
                }
            }
        }
    }
    Vec::new()
}

/// Where to parse from, nearest-to-whole first: the file's start, the last line that starts a
/// journey, the last line that starts a stage (read as the rest of a journey body).
fn starts(prefix: &str) -> Vec<(usize, Rule)> {
    let mut out = vec![(0, Rule::file)];
    let mut journey = None;
    let mut stage = None;
    let mut line_start = 0;
    for line in prefix.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '\t']);
        let at = line_start + (line.len() - trimmed.len());
        if starts_word(trimmed, "journey") {
            journey = Some(at);
            stage = None;
        } else if starts_word(trimmed, "stage") && journey.is_some() {
            stage = Some(at);
        }
        line_start += line.len();
    }
    if let Some(j) = journey.filter(|&j| j > 0) {
        out.push((j, Rule::file));
    }
    if let Some(s) = stage {
        out.push((s, Rule::journey_tail));
    }
    out
}

fn starts_word(text: &str, word: &str) -> bool {
    text.starts_with(word)
        && !text[word.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}
