//! `journey test` end to end: the project's own journeys pass their tests; breaking one in a
//! copy (a renamed form, a shorter window) fails them with an expected/actual report, restoring
//! it passes again; `--update` rewrites only the failed expectations (comments kept) and round
//! trips; exit codes 0/1/2; JSON lines; and the checker's codes for mistakes in tests.

use crate::support;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn journey_test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journey"))
        .arg("test")
        .args(args)
        .current_dir(support::root())
        .output()
        .expect("journey runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh copy of journeys/*.journey (no data: tests bring their own contacts).
fn copy_of_journeys(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-tests-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in support::journey_files(&support::root().join("journeys")) {
        std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
    }
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_projects_journeys_pass_their_tests() {
    let o = journey_test(&["journeys/"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("4 tests: 4 passed, 0 failed"), "{err}");
}

#[test]
fn breaking_a_journey_fails_its_tests_and_restoring_it_passes() {
    let dir = copy_of_journeys("break");
    let loan = dir.join("small-business-loan.journey");
    let original = std::fs::read_to_string(&loan).unwrap();
    let run = || journey_test(&[dir.to_str().unwrap()]);
    assert_eq!(run().status.code(), Some(0), "{}", stderr(&run()));

    // A form renamed by mistake: nobody gets past stage 1.
    edit(
        &loan,
        "when submitted form \"loan-for-small-businesses\"",
        "when submitted form \"loan-for-smb\"",
    );
    let o = run();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let at = format!("{}:", loan.display());
    assert!(err.contains(&format!("FAILED {at}")), "{err}");
    assert!(
        err.contains("contact \"on-the-edge\"\n    expected: stage 6 \"Requested small business loan\" at +30 days\n    actual:   stage 1 \"Visited SMB loan campaign page\" at +0 days"),
        "{err}"
    );
    assert!(err.contains("expected 2, actual 0"), "{err}");
    std::fs::write(&loan, &original).unwrap();
    assert_eq!(run().status.code(), Some(0));

    // A shorter window: the contact on the 30-day edge stops at stage 5.
    edit(&loan, "within 30 days", "within 29 days");
    let o = run();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("actual:   stage 5 \"Visited download page\" at +4 days"),
        "{err}"
    );
    assert!(err.contains("4 tests: 3 passed, 1 failed"), "{err}");
    std::fs::write(&loan, &original).unwrap();
    assert_eq!(run().status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn update_rewrites_only_the_failed_expectations_and_round_trips() {
    let dir = copy_of_journeys("update");
    let loan = dir.join("small-business-loan.journey");
    edit(&loan, "within 30 days", "within 29 days");
    let before = std::fs::read_to_string(&loan).unwrap();
    let path = loan.to_str().unwrap();
    let o = journey_test(&["--update", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("updated 2 expectations in"),
        "{}",
        stderr(&o)
    );
    let after = std::fs::read_to_string(&loan).unwrap();
    // Line for line the same file, comments included, but the two rewritten expectations.
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len());
    let changed: Vec<(&str, &str)> = b
        .iter()
        .zip(&a)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    assert_eq!(
        changed,
        [
            (
                "  expect \"on-the-edge\" reaches stage 6 at +30 days",
                "  expect \"on-the-edge\" reaches stage 5 at +4 days"
            ),
            (
                "  expect counts 2, 2, 2, 2, 2, 1",
                "  expect counts 2, 2, 2, 2, 2, 0"
            ),
        ]
    );
    assert!(after.contains("# exactly 30 days after stage 1: inside"));
    // Now they pass, and a second update changes nothing.
    assert_eq!(journey_test(&[path]).status.code(), Some(0));
    assert_eq!(journey_test(&["--update", path]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&loan).unwrap(), after);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A one-file project in a temporary folder.
fn project(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-tests-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.journey");
    std::fs::write(&file, source).unwrap();
    file
}

const DEMO: &str = r#"journey "Demo" {
  stage "Visited" { when visited page "/a" }
  stage "Scored" { when activity "score" where points >= 10 }
}
"#;

#[test]
fn exit_codes_say_pass_fail_or_cannot_run() {
    let pass = project(
        "pass",
        &format!(
            "{DEMO}\ntest \"t\" of \"Demo\" {{\n  contact \"a\" {{\n    at +0 days visited page \"/a\"\n    at +1 day activity \"score\" with points 12\n  }}\n  expect \"a\" reaches stage 2 at +1 day\n}}\n"
        ),
    );
    let o = journey_test(&[pass.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A number compared as a number: 9 points is not enough.
    let fail = project(
        "fail",
        &std::fs::read_to_string(&pass)
            .unwrap()
            .replace("points 12", "points 9"),
    );
    let o = journey_test(&["--error-format", "json", fail.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["test"], "t");
    assert_eq!(lines[0]["passed"], false);
    assert_eq!(lines[0]["failures"][0]["contact"], "a");
    assert_eq!(lines[0]["failures"][0]["line"], 11);
    assert_eq!(
        lines[0]["failures"][0]["actual"],
        "stage 1 \"Visited\" at +0 days"
    );
    assert_eq!(
        lines[0]["failures"][0]["replacement"],
        "expect \"a\" reaches stage 1 at +0 days"
    );
    assert_eq!(lines[1]["summary"]["failed"], 1);
    // A syntax error, and a file without tests: 2.
    let broken = project(
        "broken",
        &format!("{DEMO}\ntest \"t\" of \"Demo\" {{ contact }}\n"),
    );
    assert_eq!(
        journey_test(&[broken.to_str().unwrap()]).status.code(),
        Some(2)
    );
    let none = project("none", DEMO);
    let o = journey_test(&[none.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no tests in 1 file"), "{}", stderr(&o));
    for f in [pass, fail, broken, none] {
        let _ = std::fs::remove_dir_all(f.parent().unwrap());
    }
}

#[test]
fn mistakes_in_tests_are_coded() {
    let cases: &[(&str, &str)] = &[
        ("test \"t\" of \"Dem\" { contact \"a\" { at +0 days registered } expect \"a\" reaches no stage }", "J6001"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days registered } expect \"b\" reaches no stage }", "J6002"),
        ("test \"t\" of \"Demo\" { contact \"a\" { } contact \"a\" { } expect \"a\" reaches no stage }", "J6002"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days any activity } expect \"a\" reaches no stage }", "J6003"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days visited page \"/a\" with url \"/b\" } expect \"a\" reaches no stage }", "J6003"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +-1 days registered } expect \"a\" reaches no stage }", "J6003"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days registered } }", "J6004"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days registered } expect counts 1 }", "J6005"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days registered } expect \"a\" reaches no stage at +1 day }", "J6005"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days registered } expect \"a\" reaches stage 3 }", "J1003"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days registered } expect \"a\" reaches stage \"Scord\" }", "J1002"),
        ("test \"t\" of \"Demo\" { start 2025-01-01 start 2025-02-01 contact \"a\" { at +0 days registered } expect \"a\" reaches no stage }", "J1006"),
        ("test \"t\" of \"Demo\" { contact \"a\" { at +0 days registered with pints 3 } expect \"a\" reaches no stage }", "W0007"),
    ];
    for (test, code) in cases {
        let source = format!("{DEMO}\n{test}\n");
        let codes: Vec<String> = support::diagnostics(&source)
            .into_iter()
            .map(|d| d.code.to_string())
            .collect();
        assert!(
            codes.contains(&code.to_string()),
            "{test}: {codes:?}, not {code}"
        );
    }
    // A clean test checks clean, and formats to itself after one pass.
    let clean = format!("{DEMO}\ntest \"t\" of \"Demo\" {{ contact \"a\" {{ at +0 days activity \"score\" with points 3 }} expect \"a\" reaches no stage }}\n");
    assert!(
        support::diagnostics(&clean).is_empty(),
        "{:?}",
        support::diagnostics(&clean)
    );
    let once = journey::fmt::format_source(&clean).unwrap();
    assert_eq!(journey::fmt::format_source(&once).unwrap(), once);
    assert!(once.contains("  contact \"a\" {\n    at +0 days activity \"score\" with points 3\n  }\n\n  expect \"a\" reaches no stage\n"), "{once}");
}

/// The property's journey: every rule kind a test can write, a `where` on a number column, a
/// window, so what a test's contacts mean depends on every part of the runner's rows.
const PROPERTY: &str = r#"journey "P" {
  within WINDOW hours

  stage "A" { when visited page "/a" on channel "web" }
  stage "B" { when submitted form "f" or custom activity "c" where value contains "x" }
  stage "C" { when activity "score" where points >= 5 }
  stage "D" { when clicked link in email "e" where url contains "d" }
}
"#;

/// One activity: (hours after the start, what it is); `what` indexes the line and the CSV row.
type Act = (i64, usize);

/// (as a test writes it, CSV: type, url, channel, form, email, value, points)
const ACTS: &[(&str, [&str; 7])] = &[
    (
        "visited page \"/a\" on channel \"web\"",
        ["pagevisit", "/a", "web", "", "", "", ""],
    ),
    (
        "visited page \"/a\" on channel \"app\"",
        ["pagevisit", "/a", "app", "", "", "", ""],
    ),
    (
        "submitted form \"f\"",
        ["bizformsubmit", "", "", "f", "", "", ""],
    ),
    (
        "submitted form \"g\"",
        ["bizformsubmit", "", "", "g", "", "", ""],
    ),
    (
        "custom activity \"c\" with value \"x1\"",
        ["c", "", "", "", "", "x1", ""],
    ),
    (
        "custom activity \"c\" with value \"y\"",
        ["c", "", "", "", "", "y", ""],
    ),
    (
        "activity \"score\" with points 7",
        ["score", "", "", "", "", "", "7"],
    ),
    (
        "activity \"score\" with points 3",
        ["score", "", "", "", "", "", "3"],
    ),
    (
        "clicked link in email \"e\" with url \"/d1\"",
        ["emailclick", "/d1", "", "", "e", "", ""],
    ),
    (
        "clicked link in email \"e\" with url \"/z\"",
        ["emailclick", "/z", "", "", "e", "", ""],
    ),
];

fn histories() -> impl proptest::strategy::Strategy<Value = Vec<Vec<Act>>> {
    // Few distinct hours, so ties at one instant are common.
    let act = (0i64..8, 0..ACTS.len());
    proptest::collection::vec(proptest::collection::vec(act, 0..7), 1..5)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 32, ..Default::default() })]

    /// A test's contacts mean what the same rows mean in an export: expectations taken from
    /// `journey run`'s own path over a CSV of the rows (written in the test's order, so activity
    /// ids agree) hold in `journey test`, stage and time, and so do the counts.
    #[test]
    fn a_tests_contacts_mean_what_the_same_export_means(
        histories in histories(),
        window in 1i64..10,
    ) {
        let dir = support::Scratch::new("testing", "prop");
        let start = 1_759_309_200_000_000i64; // 2025-10-01T09:00:00Z
        let journey_text = PROPERTY.replace("WINDOW", &window.to_string());
        let mut csv = String::from("activity_id,contact_id,activity_created,activity_type,url,channel,form,email,value,points\n");
        let mut contacts = String::new();
        let mut id = 0;
        for (c, acts) in histories.iter().enumerate() {
            // Written in time order (ties in the generated order), as a history reads.
            let mut acts = acts.clone();
            acts.sort_by_key(|a| a.0);
            contacts.push_str(&format!("  contact \"c{c}\" {{\n"));
            for (hours, what) in &acts {
                id += 1;
                let (line, row) = ACTS[*what];
                contacts.push_str(&format!("    at +{hours} hours {line}\n"));
                let time = chrono::DateTime::from_timestamp_micros(start + hours * 3_600_000_000).unwrap();
                csv.push_str(&format!("{id},c{c},{},{}\n", time.format("%Y-%m-%dT%H:%M:%SZ"), row.join(",")));
            }
            contacts.push_str("  }\n");
        }
        let export = dir.path().join("export.csv");
        std::fs::write(&export, &csv).unwrap();
        let (_, checked) = journey::check::check_source(&journey_text);
        let j = &checked.journeys[0];
        let rt = tokio::runtime::Runtime::new().unwrap();
        let options = journey::run::RunOptions {
            files: vec![export.clone()],
            ..Default::default()
        };
        let config = journey::config::Config::default();
        let reaches: std::collections::HashMap<String, _> = if id == 0 {
            Default::default()
        } else {
            rt.block_on(journey::run::contact_reaches(&options, &config, j)).unwrap().into_iter().collect()
        };
        let mut expects = String::new();
        let mut counts = [0u64; 4];
        for c in 0..histories.len() {
            let reach = reaches.get(&format!("c{c}")).map(|r| r.reach.clone()).unwrap_or_default();
            for (k, n) in counts.iter_mut().enumerate() {
                if reach.len() > k {
                    *n += 1;
                }
            }
            match reach.last() {
                None => expects.push_str(&format!("  expect \"c{c}\" reaches no stage\n")),
                Some(t) => {
                    let hours = (t.unwrap() - start) / 3_600_000_000;
                    expects.push_str(&format!("  expect \"c{c}\" reaches stage {} at +{hours} hours\n", reach.len()));
                }
            }
        }
        let counts: Vec<String> = counts.iter().map(u64::to_string).collect();
        let source = format!(
            "{journey_text}\ntest \"p\" of \"P\" {{\n  start 2025-10-01T09:00:00Z\n\n{contacts}\n{expects}  expect counts {}\n}}\n",
            counts.join(", ")
        );
        let (_, checked) = journey::check::check_source(&source);
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
        proptest::prop_assert!(errors.is_empty(), "{errors:?}\n{source}");
        let outcome = rt
            .block_on(journey::testing::run_test(&checked.tests[0], &checked.journeys[0], &config))
            .unwrap();
        proptest::prop_assert!(outcome.failures.is_empty(), "{:?}\n{source}", outcome.failures);
    }
}

#[test]
fn under_count_by_an_expectation_names_a_unit() {
    let journey =
        std::fs::read_to_string(support::root().join("tests/data/accounts.journey")).unwrap();
    let test = |expect: &str| {
        format!(
            "{journey}\ntest \"two people, one account\" of \"Accounts to a demo\" {{\n  contact \"ann\" {{\n    at +0 days visited page \"/pricing\" with account \"acme\"\n  }}\n  contact \"bob\" {{\n    at +1 day submitted form \"demo\" with account \"acme\"\n  }}\n{expect}}}\n"
        )
    };
    let good = project(
        "count-by",
        &test("  expect \"acme\" reaches stage 2 at +1 day\n  expect counts 1, 1\n"),
    );
    let o = journey_test(&[good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let codes: Vec<String> = support::diagnostics(&test("  expect \"ann\" reaches stage 1\n"))
        .into_iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert_eq!(
        codes,
        ["J6002: no activity of the test has `account` \"ann\""]
    );
    let _ = std::fs::remove_dir_all(good.parent().unwrap());
}
