//! Grammar rules consume exactly their whole input (and refuse near misses), so each rule does
//! what its name says independently of the rules around it.

use journey::syntax::parser::{JourneyParser, Rule};
use pest::Parser;

fn consumes(rule: Rule, input: &str) -> bool {
    match JourneyParser::parse(rule, input) {
        Ok(mut pairs) => pairs
            .next()
            .is_some_and(|p| p.as_span().end() == input.len()),
        Err(_) => false,
    }
}

#[test]
fn tokens() {
    for (rule, ok, bad) in [
        (
            Rule::string,
            vec![r#""""#, r#""a b""#, r#""say \"hi\"""#, r#""日本""#],
            vec!["\"open", "bare"],
        ),
        (
            Rule::integer,
            vec!["0", "1000", "1_000", "-5"],
            vec!["1.5", "x"],
        ),
        (Rule::float, vec!["1.5", "-0.25"], vec!["1", "1."]),
        (
            Rule::time_point,
            vec![
                "2025-09-01",
                "2025-09-01T10:30",
                "2025-09-01T10:30:00Z",
                "2025-09-01T10:30:00.250+02:00",
            ],
            vec!["2025-9-1", "2025-09-01T10"],
        ),
        (
            Rule::duration,
            vec!["30 days", "1 day", "90 minutes", "45 s", "2 weeks", "12h"],
            vec!["days", "30"],
        ),
        (
            Rule::column,
            vec!["url", "utm_source", "_x1"],
            vec!["1x", "a-b"],
        ),
        (Rule::word, vec!["target-group", "mql"], vec!["-x"]),
        (Rule::kw_kpi, vec!["kpi"], vec!["kpis", "kp"]),
        (Rule::kw_times, vec!["times", "time"], vec!["timesx"]),
    ] {
        for input in ok {
            assert!(consumes(rule, input), "{rule:?} should consume {input:?}");
        }
        for input in bad {
            assert!(
                !consumes(rule, input),
                "{rule:?} should not consume {input:?}"
            );
        }
    }
}

#[test]
fn rules_and_conditions() {
    for input in [
        r#"visited page "/a""#,
        r#"visited page "/a" on channel "web""#,
        r#"landed on page "/a""#,
        r#"visited page like "/blog/*""#,
        r#"landed on page like "/p?ge" on channel "web""#,
        r#"any activity where url like "*utm_source=*""#,
        r#"submitted form "f""#,
        r#"clicked link in email"#,
        r#"clicked link in email "e" where url contains "x""#,
        r#"opened email "e""#,
        r#"custom activity "t" where value contains "v""#,
        r#"registered"#,
        r#"activity "purchase" where amount >= 100 and currency in ["EUR", "USD"]"#,
        r#"any activity where utm_source is not null"#,
        r#"any activity where a = 1 or (b != 2 and c starts with "x")"#,
        r#"any activity where title ends with "!" and url matches "^/p/[0-9]+$""#,
        r#"any activity where at < 2025-01-01 and flag = true and ratio > 0.5"#,
    ] {
        assert!(
            consumes(Rule::activity_rule, input),
            "activity_rule should consume {input:?}"
        );
        assert!(
            consumes(Rule::condition, input),
            "condition should consume {input:?}"
        );
    }
    for input in [
        r#"visited page "/a" and not submitted form "b""#,
        r#"registered or (visited page "/a" and visited page "/b")"#,
        r#"at least 3 times: visited page "/pricing""#,
        r#"at least 2 times: (visited page "/a" or visited page "/b")"#,
        r#"at least 1 time: any of { registered, opened email }"#,
        r#"all of { registered  any of { opened email "e" submitted form "f" } }"#,
        r#"not not registered"#,
    ] {
        assert!(
            consumes(Rule::condition, input),
            "condition should consume {input:?}"
        );
    }
    for input in [
        r#"visited "/a""#,
        r#"at least 2 times visited page "/a""#,
        "any of registered",
    ] {
        assert!(
            !consumes(Rule::condition, input),
            "condition should refuse {input:?}"
        );
    }
}

#[test]
fn options_and_blocks() {
    for (rule, input) in [
        (Rule::period, "period 2025-09-01 .. 2025-12-01"),
        (Rule::within, "within 30 days"),
        (Rule::within, "within 7 days of previous stage"),
        (Rule::min_gap, "at least 1 day after previous stage"),
        (Rule::min_gap, "at least 36 hours after previous stage"),
        (Rule::order, "order strict"),
        (Rule::ties, "ties forbidden"),
        (
            Rule::exclude,
            r#"exclude when submitted form "u" between stage 2 and stage "Four""#,
        ),
        (Rule::breakdown, "by utm_source"),
        (Rule::breakdown, "by device from stage 3"),
        (Rule::breakdown, r#"by device from stage "Downloaded""#),
        (Rule::breakdown, "by device from last stage"),
        (Rule::count_by, "count by account_id"),
        (Rule::same, "same product_id"),
        (Rule::trend, "trend weekly"),
        (Rule::segment, "segment target-group"),
        (Rule::kpi, "kpi 1_000"),
        (
            Rule::stage,
            r#"stage "A" { kpi 5 optional when registered }"#,
        ),
        (
            Rule::journey,
            "journey \"J\" {\n  # comment\n  stage \"A\" { when registered }\n}",
        ),
        (Rule::file, "# only a comment\n"),
        (Rule::file, "journey \"a\" { } journey \"b\" { }"),
    ] {
        assert!(consumes(rule, input), "{rule:?} should consume {input:?}");
    }
}

#[test]
fn keyword_list_matches_the_grammar() {
    // Every listed keyword is matched by the grammar's keyword rules: parse it where only
    // keywords can appear would be fragile, so check the grammar text itself.
    let grammar =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/grammar/journey.pest"))
            .unwrap();
    for kw in journey::syntax::expected::ALL_KEYWORDS {
        assert!(
            grammar.contains(&format!("\"{kw}\"")),
            "{kw} is not in the grammar"
        );
    }
    let in_grammar = grammar.lines().filter(|l| l.starts_with("kw_")).count();
    // `times` and `time` share one rule.
    assert_eq!(
        in_grammar + 1,
        journey::syntax::expected::ALL_KEYWORDS.len()
    );
}
