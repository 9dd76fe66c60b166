//! The parser, checker and formatter never panic: random bytes and random mutations of the
//! example journeys give diagnostics with valid spans, never a panic; whatever parses formats
//! idempotently and without changing its meaning.

use crate::support;

use journey::diagnostics::render::{render, ErrorFormat};
use proptest::prelude::*;

fn examples() -> Vec<String> {
    support::journey_files(&support::root().join("journeys"))
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Parse + check + render, asserting the diagnostics are usable.
fn exercise(source: &str) {
    let (parsed, checked) = journey::check::check_source(source);
    for d in &checked.diagnostics {
        for l in &d.labels {
            assert!(
                l.span.start <= l.span.end && l.span.end <= source.len(),
                "{d:?}"
            );
            assert!(
                source.is_char_boundary(l.span.start) && source.is_char_boundary(l.span.end),
                "{d:?}"
            );
        }
    }
    let _ = render(
        &checked.diagnostics,
        "fuzz.journey",
        source,
        ErrorFormat::Human,
        false,
    );
    let _ = render(
        &checked.diagnostics,
        "fuzz.journey",
        source,
        ErrorFormat::Json,
        false,
    );
    if !parsed.has_errors() {
        let once = journey::fmt::format(&parsed.file, &parsed.comments, source);
        let again = journey::fmt::format_source(&once).expect("formatted text parses");
        assert_eq!(once, again, "fmt is not idempotent on:\n{source}");
        let reparsed = journey::syntax::parse(&once);
        assert_eq!(
            without_spans(&parsed.file),
            without_spans(&reparsed.file),
            "fmt changed the meaning of:\n{source}"
        );
        assert_eq!(
            comment_texts(&parsed.comments),
            comment_texts(&reparsed.comments),
            "fmt lost a comment"
        );
    }
}

fn comment_texts(c: &[journey::syntax::lexer::Comment]) -> Vec<String> {
    c.iter().map(|c| c.text.clone()).collect()
}

/// The AST as JSON with every span removed.
fn without_spans(file: &journey::syntax::ast::File) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.retain(|k, _| !matches!(k.as_str(), "span" | "keyword" | "close_brace"));
                // Spanned<T> becomes T.
                if m.len() == 1 && m.contains_key("node") {
                    *v = m.remove("node").unwrap();
                    strip(v);
                    return;
                }
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(file).unwrap();
    strip(&mut v);
    v
}

const TOKENS: &[&str] = &[
    "journey",
    "stage",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\"x\"",
    "when",
    "and",
    "or",
    "not",
    "kpi",
    "-1",
    "0",
    "99999999999999999999",
    "within",
    "7 days",
    "of previous stage",
    "at least 2 days after previous stage",
    "after",
    "count by account",
    "any of",
    "all of",
    "at least 2 times:",
    "where",
    "url",
    "contains",
    "matches",
    "like",
    "\"/blog/*\"",
    "\"(\"",
    "in",
    "is null",
    "#",
    "\n",
    "exclude when",
    "between stage 1 and stage 2",
    "period",
    "2025-02-30",
    "..",
    "optional",
    "segment",
    "lead",
    "é",
    "\\",
    "\"\\q\"",
    ",",
    ":",
    "order any",
    "ties forbidden",
    "by device",
    "from stage 2",
    "from last stage",
    "from stage 99",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, token: usize },
    Duplicate { at: usize, len: usize },
    Swap { a: usize, b: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<usize>(), 1usize..120).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap { a, b }),
    ]
}

fn boundary(s: &str, at: usize) -> usize {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(s: &str, m: &Mutation) -> String {
    match *m {
        Mutation::Delete { at, len } => {
            let a = boundary(s, at);
            let b = boundary(s, (a + len).min(s.len()));
            format!("{}{}", &s[..a], &s[b..])
        }
        Mutation::Insert { at, token } => {
            let a = boundary(s, at);
            format!("{} {} {}", &s[..a], TOKENS[token], &s[a..])
        }
        Mutation::Duplicate { at, len } => {
            let a = boundary(s, at);
            let b = boundary(s, (a + len).min(s.len()));
            format!("{}{}{}", &s[..b], &s[a..b], &s[b..])
        }
        Mutation::Swap { a, b } => {
            let (a, b) = (boundary(s, a), boundary(s, b));
            let (a, b) = (a.min(b), a.max(b));
            let ca = s[a..].chars().next();
            let cb = s[b..].chars().next();
            match (ca, cb) {
                (Some(ca), Some(cb)) if a + ca.len_utf8() <= b => format!(
                    "{}{}{}{}{}",
                    &s[..a],
                    cb,
                    &s[a + ca.len_utf8()..b],
                    ca,
                    &s[b + cb.len_utf8()..]
                ),
                _ => s.to_string(),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_soup_never_panics(tokens in proptest::collection::vec(0..TOKENS.len(), 0..80)) {
        let s: Vec<&str> = tokens.iter().map(|i| TOKENS[*i]).collect();
        exercise(&s.join(" "));
    }

    #[test]
    fn mutated_examples_never_panic(which in 0usize..2, ms in proptest::collection::vec(mutation(), 1..6)) {
        let ex = examples();
        let mut s = ex[which % ex.len()].clone();
        for m in &ms {
            s = apply(&s, m);
        }
        exercise(&s);
    }
}

#[test]
fn pathological_inputs() {
    exercise(&"(".repeat(100_000));
    exercise(&"{".repeat(100_000));
    exercise(&format!(
        "journey \"x\" {{ stage \"a\" {{ when {} registered }} }}",
        "not ".repeat(50_000)
    ));
    exercise(&"\"".repeat(10_001));
    exercise("journey \"x\" { stage \"a\" { when registered } } \u{0}");
    exercise("\u{feff}journey \"é\" { stage \"ü\" { when visited page \"日本\" } }");
}
