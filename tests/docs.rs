//! Documentation cannot rot: every `journey` code block in the README and docs/ checks clean or
//! raises the code its tag names, and every `console` example runs (through trycmd, in cli.rs).

use crate::support;

#[test]
fn journey_blocks_in_docs_check_as_tagged() {
    let root = support::root();
    let mut files = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    let mut blocks = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (info, body, line) in support::code_blocks(&text) {
            if info.split(',').next() == Some("journey") {
                support::check_block(&info, &body, &format!("{}:{line}", f.display()));
                blocks += 1;
            }
        }
    }
    assert!(
        blocks >= 12,
        "expected the language reference's examples, found {blocks}"
    );
}

#[test]
fn language_reference_blocks_are_formatted() {
    // The reference shows the canonical layout, so its clean examples are fmt's fixed points.
    let text = std::fs::read_to_string(support::root().join("docs/language.md")).unwrap();
    for (info, body, line) in support::code_blocks(&text) {
        if info == "journey" {
            let formatted = journey::fmt::format_source(&body).unwrap();
            assert_eq!(
                formatted, body,
                "docs/language.md:{line} is not in canonical layout"
            );
        }
    }
}

#[test]
fn the_review_guide_shows_diff_json_as_journey_prints_it() {
    // trycmd turns every backslash of a `console` example into a slash (its normalisation of
    // Windows paths), and JSON escapes the quotes of a condition: this example is checked here.
    let root = support::root();
    let text = std::fs::read_to_string(root.join("docs/review.md")).unwrap();
    let (_, block, line) = support::code_blocks(&text)
        .into_iter()
        .find(|(info, body, _)| info == "json" && body.contains("\"journeys\""))
        .expect("docs/review.md shows journey diff's JSON");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_journey"))
        .args([
            "diff",
            "--format",
            "json",
            "journeys/small-business-loan.journey",
            "tests/cases/review/small-business-loan.journey",
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "journey diff exits 1 when the files differ"
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        block,
        "docs/review.md:{line} differs from journey diff's output"
    );
    assert!(block.contains("\\\"smb-kbank-jumpstart-loan\\\""));
}
