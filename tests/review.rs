//! Reviewing changes end to end: `journey diff` exit codes and git revisions, results
//! comparison, and the HTML report's content (its drawing is checked in tests/browser.rs).

use journey::report::compare::{compare, read_results};
use std::path::Path;
use std::process::{Command, Output};

const EPOCH: &str = "1767225600";

fn journey(args: &[&str], dir: Option<&Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_journey"));
    c.args(args).env("SOURCE_DATE_EPOCH", EPOCH);
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.output().expect("journey runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_committed_results_files_are_what_journey_computes_today() {
    // docs/review.md compares these two files; they must not go stale.
    for (journey_file, committed) in [
        (
            "journeys/small-business-loan.journey",
            "tests/cases/review/baseline.json",
        ),
        (
            "tests/cases/review/small-business-loan.journey",
            "tests/cases/review/proposed.json",
        ),
    ] {
        let o = journey(
            &[
                "run",
                journey_file,
                "--data",
                "journeys/data/sample.parquet",
                "--format",
                "json",
            ],
            None,
        );
        assert!(o.status.success());
        assert_eq!(
            stdout(&o),
            std::fs::read_to_string(committed).unwrap(),
            "{committed} is stale: rewrite it with `journey run {journey_file} --data journeys/data/sample.parquet --format json --output {committed}` and SOURCE_DATE_EPOCH={EPOCH}"
        );
    }
}

#[test]
fn comparison_flags_moves_over_the_threshold_only() {
    let read = |p| read_results(&std::fs::read_to_string(p).unwrap()).unwrap();
    let base = read("tests/cases/review/baseline.json");
    let new = read("tests/cases/review/proposed.json");
    let c = compare(&base, &new, Some(10.0));
    let j = &c.journeys[0];
    assert!(j.in_both && j.same_data);
    let flagged: Vec<usize> = j
        .stages
        .iter()
        .filter(|s| s.flagged)
        .map(|s| s.number)
        .collect();
    assert_eq!(flagged, [5, 6]);
    assert_eq!(c.flagged, 2);
    for (s, (b, a)) in j
        .stages
        .iter()
        .zip(base[0].stages.iter().zip(&new[0].stages))
    {
        assert_eq!(s.reached.before, Some(b.reached));
        assert_eq!(s.reached.after, Some(a.reached));
        assert_eq!(s.reached_delta, Some(a.reached as i64 - b.reached as i64));
        let pct = (a.reached as f64 - b.reached as f64) * 100.0 / b.reached as f64;
        assert!((s.reached_change_percent.unwrap() - pct).abs() < 1e-9);
        let kpi = (a.kpi_progress.unwrap() - b.kpi_progress.unwrap()) * 100.0;
        assert!((s.kpi_progress_points.unwrap() - kpi).abs() < 1e-9);
    }
    // A higher threshold flags nothing; none given never flags.
    assert_eq!(compare(&base, &new, Some(70.0)).flagged, 0);
    assert_eq!(compare(&base, &new, None).flagged, 0);
    // Against itself: all zero.
    let same = compare(&base, &base, Some(0.0));
    assert_eq!(same.flagged, 0);
    assert!(same.journeys[0]
        .stages
        .iter()
        .all(|s| s.reached_delta == Some(0) && s.conversion_points == Some(0.0)));
}

#[test]
fn comparison_of_stages_on_one_side_only_and_of_other_data() {
    let read = |p| read_results(&std::fs::read_to_string(p).unwrap()).unwrap();
    let base = read("tests/cases/review/baseline.json");
    let mut fewer = base.clone();
    let removed = fewer[0].stages.remove(3);
    fewer[0].data_fingerprint = "another export".into();
    let c = compare(&base, &fewer, Some(50.0));
    let j = &c.journeys[0];
    assert!(!j.same_data);
    // The removed stage stays where it was, flagged; the others did not move.
    assert_eq!(j.stages.len(), base[0].stages.len());
    assert_eq!(j.stages[3].name, removed.name);
    assert_eq!(j.stages[3].reached.after, None);
    assert!(j.stages[3].flagged);
    assert_eq!(c.flagged, 1);
    let text = journey::report::compare::text(&c, 80);
    assert!(text.contains("different data"), "{text}");
    assert!(text.contains("removed !"), "{text}");
    // Up from zero is flagged at any threshold.
    let mut zero = base.clone();
    zero[0].stages[5].reached = 0;
    let c = compare(&zero, &base, Some(1000.0));
    assert_eq!(c.journeys[0].stages[5].reached_change_percent, None);
    assert!(c.journeys[0].stages[5].flagged);
    // A journey only in one file: all its stages flagged.
    let c = compare(&[], &base, Some(10.0));
    assert!(!c.journeys[0].in_both);
    assert_eq!(c.flagged, base[0].stages.len());
}

#[test]
fn compare_cli_exit_codes() {
    let base = "tests/cases/review/baseline.json";
    let new = "tests/cases/review/proposed.json";
    let o = journey(&["compare", base, new, "--fail-over", "10"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("2 stages moved by more than 10% (marked !)"));
    let o = journey(&["compare", base, new, "--fail-over", "70%"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = journey(&["compare", base, new, "--format", "json"], None);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["journeys"][0]["stages"][4]["reached"]["after"], 21);
    // Not results: exit 2 with the file named and the fix.
    let o = journey(
        &["compare", base, "journeys/small-business-loan.journey"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("journeys/small-business-loan.journey: not JSON"),
        "{err}"
    );
    let o = journey(&["compare", base, "tests/data/visits.csv.missing"], None);
    assert_eq!(o.status.code(), Some(2));
    // --fail-over alone is a mistake.
    let o = journey(
        &[
            "run",
            "journeys/small-business-loan.journey",
            "--fail-over",
            "5",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--fail-over needs --compare"));
}

#[test]
fn run_compare_still_writes_the_results() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review-run-compare");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("current.json");
    let o = journey(
        &[
            "run",
            "journeys/small-business-loan.journey",
            "--compare",
            "tests/cases/review/baseline.json",
            "--fail-over",
            "0",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "the same journey on the same data"
    );
    assert!(stdout(&o).contains("no stage moved by more than 0%"));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string("tests/cases/review/baseline.json").unwrap()
    );
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn diff_reads_git_revisions_and_exits_0_1_or_2() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review-git");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("journeys")).unwrap();
    let file = dir.join("journeys/loan.journey");
    let original = std::fs::read_to_string("journeys/small-business-loan.journey").unwrap();
    std::fs::write(&file, &original).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "first"]);

    // Reformatted only: no change in meaning, exit 0.
    let formatted = journey::fmt::format_source(&original.replace("\n  ", "\n      ")).unwrap();
    std::fs::write(&file, formatted).unwrap();
    let o = journey(
        &[
            "diff",
            "main:journeys/loan.journey",
            "journeys/loan.journey",
        ],
        Some(&dir),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).ends_with("no change in meaning\n"));
    // `./PATH` is relative to the current folder, as git reads it.
    let o = journey(
        &["diff", "HEAD:./loan.journey", "loan.journey"],
        Some(&dir.join("journeys")),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // A change in meaning: exit 1.
    std::fs::write(&file, original.replace("kpi 50", "kpi 60")).unwrap();
    let o = journey(
        &[
            "diff",
            "main:journeys/loan.journey",
            "journeys/loan.journey",
        ],
        Some(&dir),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("~ stage 6 \"Requested small business loan\": kpi 50 → 60"));
    let o = journey(
        &[
            "diff",
            "--format",
            "json",
            "main:journeys/loan.journey",
            "journeys/loan.journey",
        ],
        Some(&dir),
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["equal"], false);
    assert_eq!(v["journeys"][0]["changes"][0]["kind"], "kpi");

    // A side that cannot be read, or has errors: exit 2, with why.
    let o = journey(
        &[
            "diff",
            "main:journeys/nope.journey",
            "journeys/loan.journey",
        ],
        Some(&dir),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("main:journeys/nope.journey: no such file"));
    std::fs::write(&file, original.replace("kpi 50", "kpi fifty")).unwrap();
    let o = journey(
        &[
            "diff",
            "main:journeys/loan.journey",
            "journeys/loan.journey",
        ],
        Some(&dir),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("journeys/loan.journey has errors"), "{err}");
    assert!(err.contains("J0001"), "{err}");
}

#[test]
fn the_report_holds_every_part_and_escapes_text() {
    let o = journey(
        &[
            "run",
            "journeys/loan-variants.journey",
            "--format",
            "html",
            "--by",
            "utm_source",
            "--trend",
            "weekly",
        ],
        None,
    );
    assert!(o.status.success());
    let html = stdout(&o);
    assert!(html.starts_with("<!doctype html>"));
    assert_eq!(html.matches("<section class=\"journey\"").count(), 7);
    for part in [
        "<h2>Funnel</h2>",
        "<h2>Time to convert</h2>",
        "<h2>By utm_source</h2>",
        "<h2>Trend (weekly)</h2>",
        "<h2>Journey source</h2>",
        "Data fingerprint",
        "2026-01-01T00:00:00Z",
        "<nav aria-label=\"Journeys in this report\">",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    // Nothing from the network.
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
    // The journey source is shown escaped (its quotes and comments intact as text).
    assert!(html.contains("journey &quot;Loan requests, calculator optional&quot; {"));

    // journey report writes the same page as run --format html.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review-report");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.html");
    let args = [
        "journeys/small-business-loan.journey",
        "--output",
        file.to_str().unwrap(),
    ];
    let o = journey(&[&["report"], &args[..]].concat(), None);
    assert!(o.status.success());
    let o2 = journey(
        &[
            "run",
            "journeys/small-business-loan.journey",
            "--format",
            "html",
        ],
        None,
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout(&o2));
    // A contact list has no HTML form, and says so before running.
    let o = journey(
        &[
            "contacts",
            "journeys/small-business-loan.journey",
            "--stage",
            "1",
            "--format",
            "html",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("possible values: table, csv, json, parquet")
    );
}

#[test]
fn the_previous_period_is_the_same_journey_over_the_period_before() {
    // --compare-period previous is exactly `journey compare` of the journey with its period
    // written as the previous one against the journey as written.
    let dir = crate::support::Scratch::new("review", "previous-period");
    let october = std::fs::read_to_string("tests/data/journeys/october-loans.journey").unwrap();
    let september = october.replace(
        "period 2025-10-01 .. 2025-11-01",
        "period 2025-08-31 .. 2025-10-01",
    );
    assert_ne!(september, october);
    let before = dir.join("before.journey");
    std::fs::write(&before, &september).unwrap();
    let (b, a) = (dir.join("before.json"), dir.join("after.json"));
    for (journey_file, out) in [
        (before.to_str().unwrap(), &b),
        ("tests/data/journeys/october-loans.journey", &a),
    ] {
        let o = journey(
            &[
                "run",
                journey_file,
                "--data",
                "journeys/data",
                "--format",
                "json",
                "--output",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let compared = journey(&["compare", b.to_str().unwrap(), a.to_str().unwrap()], None);
    let period = journey(
        &[
            "run",
            "tests/data/journeys/october-loans.journey",
            "--data",
            "journeys/data",
            "--compare-period",
            "previous",
        ],
        None,
    );
    assert!(period.status.success());
    assert_eq!(stdout(&period), stdout(&compared));
    assert!(stdout(&period)
        .contains("period 2025-08-31T00:00:00Z .. 2025-10-01T00:00:00Z → 2025-10-01T00:00:00Z"));
    // A journey without a period cannot be compared with its previous one.
    let o = journey(
        &[
            "run",
            "journeys/small-business-loan.journey",
            "--compare-period",
            "previous",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("needs a `period`: journey \"Small business loan - demo\""));
}

#[test]
fn breakdown_groups_are_tested_against_the_rest_of_the_funnel() {
    let o = journey(
        &[
            "run",
            "journeys/small-business-loan.journey",
            "--by",
            "utm_source",
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success());
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let whole: Vec<u64> = (r["stages"].as_array().unwrap().iter())
        .map(|s| s["reached"].as_u64().unwrap())
        .collect();
    let mut marked = 0;
    for g in r["breakdown"]["groups"].as_array().unwrap() {
        let reached: Vec<u64> = (g["stages"].as_array().unwrap().iter())
            .map(|s| s["reached"].as_u64().unwrap())
            .collect();
        let vs = g["vs_rest"].as_array().unwrap();
        assert!(vs[0].is_null(), "stage 1 has no conversion within a group");
        for k in 1..reached.len() {
            // The journey has no optional stage: the base is the stage before.
            let (x, n) = (reached[k], reached[k - 1]);
            let (rx, rn) = (whole[k] - x, whole[k - 1] - n);
            let Some((p, test)) = journey::engine::significance::p_value(x, n, rx, rn) else {
                // An empty group at the previous stage: no conversion to test.
                assert!(vs[k].is_null(), "{g}");
                continue;
            };
            // Through JSON's decimal text: equal to the last bit or two.
            let written = vs[k]["p_value"].as_f64().unwrap();
            assert!(
                (written - p).abs() <= 1e-12 * p.max(1e-300),
                "{written} {p}"
            );
            assert_eq!(vs[k]["test"], serde_json::to_value(test).unwrap());
            let significant = p < 0.05 && n >= 30 && rn >= 30;
            assert_eq!(vs[k]["significant"], significant);
            marked += significant as usize;
        }
    }
    // The sample's contacts without a source never request the case study: every group differs.
    assert!(marked > 0);
}
