//! The VS Code extension's TextMate grammar (`editors/vscode/`): every kind of token gets its
//! scope, checked by `vscode-tmgrammar-test` from npm on the extension's own test file, and
//! every keyword of the language is highlighted.
//!
//! The test installs the extension's locked npm packages (`npm ci`) when they are missing.

use crate::support;
use std::collections::BTreeSet;
use std::process::Command;

fn extension() -> std::path::PathBuf {
    support::root().join("editors/vscode")
}

#[test]
fn the_grammar_gives_every_kind_of_token_its_scope() {
    let dir = extension();
    support::npm_ci(&dir, "node_modules/.bin/vscode-tmgrammar-test");
    support::succeeds(
        "the grammar test",
        Command::new(dir.join("node_modules/.bin/vscode-tmgrammar-test"))
            .args(["-g", "syntaxes/journey.tmLanguage.json", "tests/*.journey"])
            .current_dir(&dir),
    );
}

#[test]
fn every_keyword_of_the_language_is_highlighted() {
    let text =
        std::fs::read_to_string(extension().join("syntaxes/journey.tmLanguage.json")).unwrap();
    let grammar: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut words = BTreeSet::new();
    let mut stack = vec![&grammar];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(re)) = m.get("match") {
                    if let Some(inner) =
                        re.strip_prefix("\\b(").and_then(|r| r.strip_suffix(")\\b"))
                    {
                        words.extend(inner.split('|').map(str::to_string));
                    }
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    let missing: Vec<&str> = journey::syntax::expected::ALL_KEYWORDS
        .iter()
        .copied()
        .filter(|k| !words.contains(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "keywords the grammar does not highlight: {missing:?}"
    );
}
