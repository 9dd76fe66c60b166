//! The diagnostic code registry: codes unique, each documented, each documented example raising
//! its code, and every page in docs/errors registered.

use crate::support;

use journey::diagnostics::codes::CODES;
use std::collections::HashSet;

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for c in CODES {
        assert!(seen.insert(c.code), "{} registered twice", c.code);
        assert!(
            c.code.len() == 5 && (c.code.starts_with('J') || c.code.starts_with('W')),
            "{} is not J0000/W0000",
            c.code
        );
        assert!(
            c.code[1..].chars().all(|d| d.is_ascii_digit()),
            "{}",
            c.code
        );
        assert!(!c.title.is_empty());
    }
}

/// Codes about files, data and runs: their examples need files, so they are console sessions
/// (which tests/cli.rs runs), not journey blocks for the checker.
fn needs_a_console_example(code: &str) -> bool {
    code.starts_with("J4")
        || code.starts_with("J5")
        || code.starts_with("W1")
        || code == "J0011"
        || code == "J0012"
}

/// Codes no input may raise: an internal error reports a bug (a unit test in src/cli/mod.rs
/// checks that a panic becomes it).
const NO_EXAMPLE: &[&str] = &["J5005"];

#[test]
fn every_code_has_a_page_with_an_example_that_raises_it() {
    for c in CODES {
        assert!(
            c.doc.starts_with(&format!("# {}: ", c.code)),
            "docs/errors/{}.md must start with its code and title",
            c.code
        );
        let blocks: Vec<_> = support::code_blocks(c.doc)
            .into_iter()
            .filter(|(info, _, _)| info.starts_with("journey"))
            .collect();
        if NO_EXAMPLE.contains(&c.code) {
            continue;
        }
        if needs_a_console_example(c.code) {
            // Data and execution errors need data: their example is a console session, which
            // tests/cli.rs runs (so it must show the code).
            let console = support::code_blocks(c.doc)
                .into_iter()
                .find(|(i, _, _)| i == "console");
            let (_, body, _) = console
                .unwrap_or_else(|| panic!("docs/errors/{}.md has no console example", c.code));
            assert!(
                body.contains(&format!("[{}]", c.code)),
                "docs/errors/{}.md: the example must show {}",
                c.code,
                c.code
            );
            continue;
        }
        assert!(
            !blocks.is_empty(),
            "docs/errors/{}.md has no example",
            c.code
        );
        for (info, body, line) in blocks {
            assert_eq!(
                support::expected_code(&info).as_deref(),
                Some(c.code),
                "docs/errors/{}.md:{line}: the example must be tagged with its own code",
                c.code
            );
            support::check_block(&info, &body, &format!("docs/errors/{}.md:{line}", c.code));
        }
    }
}

#[test]
fn every_page_is_registered() {
    let registered: HashSet<&str> = CODES.iter().map(|c| c.code).collect();
    for entry in std::fs::read_dir(support::root().join("docs/errors")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            registered.contains(stem.as_str()),
            "{} is not in the registry",
            path.display()
        );
    }
}

#[test]
fn severity_follows_the_code() {
    for c in CODES
        .iter()
        .filter(|c| !needs_a_console_example(c.code) && !NO_EXAMPLE.contains(&c.code))
    {
        let blocks = support::code_blocks(c.doc);
        let (_, body, _) = blocks
            .iter()
            .find(|(i, _, _)| i.starts_with("journey"))
            .unwrap();
        let d = support::diagnostics(body)
            .into_iter()
            .find(|d| d.code == c.code)
            .unwrap();
        assert_eq!(d.is_error(), c.code.starts_with('J'), "{}", c.code);
        assert!(d.primary_span().is_some(), "{} has no label", c.code);
        assert!(d.help.is_some(), "{} has no help", c.code);
    }
}
