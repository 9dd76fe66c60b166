//! Rendered diagnostics, pinned as snapshots (no colour), and their structure asserted: code,
//! the text under the primary label, and help.

use crate::support;

use journey::diagnostics::render::{render, ErrorFormat};
use journey::diagnostics::Diagnostic;

fn case(name: &str) -> (String, Vec<Diagnostic>) {
    let path = support::root()
        .join("tests/cases/errors")
        .join(format!("{name}.journey"));
    let source = std::fs::read_to_string(path).unwrap();
    let diags = support::diagnostics(&source);
    (source, diags)
}

fn rendered(name: &str) -> String {
    let (source, diags) = case(name);
    render(
        &diags,
        &format!("{name}.journey"),
        &source,
        ErrorFormat::Human,
        false,
    )
}

/// (code, underlined text, help contains)
fn structure(name: &str) -> Vec<(&'static str, String, Option<String>)> {
    let (source, diags) = case(name);
    diags
        .iter()
        .map(|d| {
            let s = d.primary_span().unwrap();
            (d.code, source[s.start..s.end].to_string(), d.help.clone())
        })
        .collect()
}

#[test]
fn syntax_errors_in_every_journey_of_a_file() {
    insta::assert_snapshot!(rendered("syntax"));
    let s = structure("syntax");
    let codes: Vec<_> = s.iter().map(|(c, t, _)| (*c, t.as_str())).collect();
    assert_eq!(
        codes,
        vec![
            ("J0003", "kpl"),
            ("J0003", "visted"),
            ("J0003", "sequentail"),
            ("J0001", "/"),
            ("J0003", "contans"),
        ]
    );
    assert_eq!(s[0].2.as_deref(), Some("did you mean `kpi`?"));
    assert_eq!(s[1].2.as_deref(), Some("did you mean `visited`?"));
    assert_eq!(s[2].2.as_deref(), Some("did you mean `sequential`?"));
    assert_eq!(s[4].2.as_deref(), Some("did you mean `contains`?"));
}

#[test]
fn all_checker_errors_of_a_journey_in_one_run() {
    insta::assert_snapshot!(rendered("checker"));
    let codes: Vec<&str> = structure("checker").iter().map(|(c, _, _)| *c).collect();
    for code in [
        "J1010", "J1006", "J3001", "J2004", "J1001", "J1005", "J2001", "J2002", "J3004", "J2003",
        "J2005", "J1007", "J2007", "J1002", "J1003", "J3006",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

#[test]
fn warnings() {
    insta::assert_snapshot!(rendered("warnings"));
    let s = structure("warnings");
    let codes: Vec<_> = s.iter().map(|(c, t, _)| (*c, t.as_str())).collect();
    assert_eq!(
        codes,
        vec![
            ("W0004", "prospect"),
            ("W0001", "500"),
            ("W0002", "14 days"),
            ("W0003", "visited page \"/pricing\""),
        ]
    );
}

#[test]
fn unclosed_block_points_at_the_open_brace() {
    insta::assert_snapshot!(rendered("unclosed"));
    let (source, diags) = case("unclosed");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, "J0007");
    let open = diags[0].labels.iter().find(|l| !l.primary).unwrap().span;
    // The block left open is the first stage's, on line 2.
    assert_eq!(journey::span::line_col(&source, open.start), (2, 19));
}

#[test]
fn unterminated_string() {
    insta::assert_snapshot!(rendered("unterminated"));
    let s = structure("unterminated");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, "J0002");
    assert_eq!(s[0].1, "\"oops");
}

#[test]
fn plain_and_json_formats() {
    let (source, diags) = case("warnings");
    let plain = render(
        &diags,
        "warnings.journey",
        &source,
        ErrorFormat::Plain,
        false,
    );
    insta::assert_snapshot!(plain);
    let json = render(
        &diags,
        "warnings.journey",
        &source,
        ErrorFormat::Json,
        false,
    );
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "W0004");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["file"], "warnings.journey");
    assert_eq!(first["line"], 9);
    assert_eq!(first["column"], 13);
    assert_eq!(first["labels"][0]["primary"], true);
    assert_eq!(json.lines().count(), diags.len());
}

#[test]
fn diagnostics_never_name_grammar_rules() {
    for name in ["syntax", "checker", "warnings", "unclosed", "unterminated"] {
        let text = rendered(name);
        for word in [
            "kw_",
            "_expr",
            "rule_kind",
            "stage_ref",
            "EOI",
            "where_or",
            "compare_op",
        ] {
            assert!(
                !text.contains(word),
                "{name}: rendered text mentions `{word}`:\n{text}"
            );
        }
    }
}

#[test]
fn common_slips_get_specific_messages() {
    let first = |src: &str| support::diagnostics(src).into_iter().next().unwrap();
    let d = first("journey \"J\" { stage \"A\" { within 30 of previous stage when registered } }");
    assert_eq!(
        (d.code, d.message.as_str()),
        ("J0006", "a duration needs a time unit")
    );
    assert!(d.labels[0].message.contains("no unit after this number"));
    let d = first("journey \"J\" { stage \"A\" { visited page \"/a\" } }");
    assert_eq!(
        (d.code, d.message.as_str()),
        ("J0001", "a condition needs `when` before it")
    );
    assert_eq!(d.help.as_deref(), Some("write `when visited …`"));
    let d = first("journey J { stage \"A\" { when registered } }");
    assert_eq!(
        d.help.as_deref(),
        Some("names and values are written in double quotes: \"J\"")
    );
    let d = first("journey \"J\" { stage \"A\" { when at least 3 visited page \"/a\" } }");
    assert_eq!(
        (d.code, d.message.as_str()),
        ("J0001", "unexpected `visited`")
    );
    assert_eq!(d.labels[0].message, "expected `times`");
}

#[test]
fn a_duration_without_its_unit_is_reported_at_the_number() {
    let src = "journey \"J\" {\n  within 30\n  stage \"A\" { when registered }\n  stage \"B\" {\n    kpl 5\n    when registered\n  }\n}\n";
    let d = support::diagnostics(src);
    let first = &d[0];
    assert_eq!(first.code, "J0006", "{d:?}");
    assert_eq!(first.message, "a duration needs a time unit");
    let s = first.primary_span().unwrap();
    assert_eq!(
        &src[s.start..s.end],
        "30",
        "points at the number, not the next line"
    );
    assert!(first.help.as_deref().unwrap().contains("30 days"));
    // The misspelled keyword further down keeps its own diagnostic and did-you-mean.
    let kpl = d.iter().find(|d| d.code == "J0003").expect("kpl reported");
    assert_eq!(kpl.help.as_deref(), Some("did you mean `kpi`?"));
}

#[test]
fn a_month_is_not_a_unit_and_the_help_says_what_to_write() {
    for (written, days) in [
        ("1 month", "30 days"),
        ("2 months", "60 days"),
        ("1 year", "365 days"),
    ] {
        let src = format!(
            "journey \"J\" {{\n  within {written}\n  stage \"A\" {{ when registered }}\n}}\n"
        );
        let d = support::diagnostics(&src);
        assert_eq!(d[0].code, "J0006", "{d:?}");
        let help = d[0].help.as_deref().unwrap();
        assert!(help.contains(&format!("`{days}`")), "{written}: {help}");
    }
}

#[test]
fn a_page_with_a_star_and_a_filter_that_contradicts_its_rule_are_warnings() {
    let src = r#"journey "J" {
  stage "Blog" { when visited page "/blog/*" }
  stage "Never" { when visited page "/x" where url starts with "/blog/" }
  stage "Form" { when submitted form "a" where form in ["b", "c"] or channel = "web" }
  stage "Never either" { when custom activity "t" where type != "t" }
  stage "Fine" { when visited page "/blog/a" where url contains "blog" and device = "phone" }
}
"#;
    let d = support::diagnostics(src);
    let found: Vec<(&str, &str)> = d
        .iter()
        .map(|d| {
            let s = d.primary_span().unwrap();
            (d.code, &src[s.start..s.end])
        })
        .collect();
    assert_eq!(
        found,
        [
            ("W0005", "\"/blog/*\""),
            ("W0006", "url starts with \"/blog/\""),
            ("W0006", "type != \"t\""),
        ]
    );
    assert!(d[0]
        .help
        .as_deref()
        .unwrap()
        .contains("write `like` before it: `page like \"/blog/*\"`"));
}

#[test]
fn a_breakdown_from_a_stage_the_journey_lacks_is_an_error() {
    let journey = |from: &str| {
        format!(
            "journey \"J\" {{\n  by device {from}\n  stage \"A\" {{ when registered }}\n  stage \"B\" {{ when opened email }}\n}}\n"
        )
    };
    let codes = |from: &str| -> Vec<(&'static str, String)> {
        let source = journey(from);
        support::diagnostics(&source)
            .iter()
            .map(|d| {
                let s = d.primary_span().unwrap();
                (d.code, source[s.start..s.end].to_string())
            })
            .collect()
    };
    assert_eq!(
        codes("from stage 9"),
        vec![("J1003", "stage 9".to_string())]
    );
    assert_eq!(
        codes("from stage 0"),
        vec![("J1003", "stage 0".to_string())]
    );
    assert_eq!(
        codes("from stage \"C\""),
        vec![("J1002", "stage \"C\"".to_string())]
    );
    assert!(codes("from stage 2").is_empty());
    assert!(codes("from stage \"B\"").is_empty());
    assert!(codes("from last stage").is_empty());
    // A `from` with nothing after it is a syntax error, not a breakdown from stage 1.
    assert_eq!(codes("from").first().map(|c| c.0), Some("J0001"));
}
