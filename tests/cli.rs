//! The command line, end to end: trycmd runs every `console` example of tests/cmd/, the README
//! and docs/, comparing the output with what is written there.

#[test]
fn cli_examples() {
    trycmd::TestCases::new()
        .case("tests/cmd/*.md")
        .case("tests/cmd/*.toml")
        .case("README.md")
        .case("docs/*.md")
        .case("docs/errors/*.md");
}
