//! The ledger of diagnostics known to be poorer than they should be: each test pins today's
//! message and says what a better one would be. When a message improves, its test fails: move it
//! to tests/diagnostics.rs.

use crate::support;

fn codes(source: &str) -> Vec<&'static str> {
    support::diagnostics(source)
        .iter()
        .map(|d| d.code)
        .collect()
}

/// Better: also report J1005 for `leed`. After a syntax error the rest of that journey is only
/// scanned for more syntax errors, not checked, so its checker errors appear after the fix.
#[test]
fn checker_errors_hidden_by_a_syntax_error_in_the_same_journey() {
    let src = "journey \"J\" {\n  stage \"A\" { when visited page \"/a\" where url contans \"x\" }\n  stage \"B\" {\n    segment leed\n    when registered\n  }\n}\n";
    assert_eq!(codes(src), vec!["J0003"]);
}

/// Better: point at the stage whose `}` is missing when indentation is not a clue either.
#[test]
fn unclosed_block_without_indentation() {
    let src =
        "journey \"J\" {\nstage \"A\" {\nwhen registered\nstage \"B\" { when registered }\n}\n";
    let d = support::diagnostics(src);
    assert_eq!(d[0].code, "J0007");
    let open = d[0].labels.iter().find(|l| !l.primary).unwrap().span.start;
    assert_eq!(
        open,
        src.find('{').unwrap(),
        "points at the journey's brace, not stage A's"
    );
}
