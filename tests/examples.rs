//! Every journey in journeys/ checks clean, is already formatted, formats idempotently, and its
//! AST and checked form are pinned by snapshots.

use crate::support;

use journey::fmt::format_source;

#[test]
fn example_journeys_check_clean_and_are_formatted() {
    let files = support::journey_files(&support::root().join("journeys"));
    assert!(files.len() >= 2, "expected the example journeys");
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let diags = support::diagnostics(&source);
        assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
        let formatted = format_source(&source).unwrap();
        assert_eq!(
            formatted,
            source,
            "{} is not in canonical layout",
            path.display()
        );
        assert_eq!(
            format_source(&formatted).unwrap(),
            formatted,
            "fmt is not idempotent"
        );
    }
}

#[test]
fn example_journeys_snapshots() {
    for path in support::journey_files(&support::root().join("journeys")) {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&path).unwrap();
        let (parsed, checked) = journey::check::check_source(&source);
        insta::assert_yaml_snapshot!(format!("{name}.ast"), parsed.file);
        insta::assert_yaml_snapshot!(format!("{name}.hir"), checked.journeys);
    }
}
