//! Real exports, read as a new user would give them: every row read exactly once, or a coded
//! error naming the file. Over the fixture exports of tests/data/exports/ (README.md there):
//! monthly files with dotted names, mixed case and compression, a pandas hive folder, schema
//! drift, conflicting types, links and loops, rows without a contact, other time formats, and
//! journeys whose stages match nothing.

use crate::support;

use serde_json::Value;
use std::process::{Command, Output, Stdio};

fn journey_bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_journey"));
    c.current_dir(support::root()).env("NO_COLOR", "1");
    c
}

fn run(args: &[&str]) -> Output {
    journey_bin().args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const LOAN: &str = "tests/data/exports/loan.journey";
const ANY_AMOUNT: &str = "tests/data/exports/loan-any-amount.journey";

fn exports(p: &str) -> String {
    format!("tests/data/exports/{p}")
}

/// The results of a successful `run --format json`.
fn results(journey: &str, data: &str, extra: &[&str]) -> Value {
    let mut args = vec!["run", journey, "--data", data, "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{data}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The numbers of a result, without what says where they came from.
fn numbers(mut r: Value) -> Value {
    for k in [
        "data",
        "data_fingerprint",
        "computed_at",
        "data_skipped",
        "warnings",
    ] {
        r.as_object_mut().unwrap().remove(k);
    }
    r
}

fn reached(r: &Value) -> Vec<u64> {
    r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reached"].as_u64().unwrap())
        .collect()
}

fn data_list(r: &Value) -> Vec<String> {
    r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

/// A failed run: its exit code is 1, its stderr holds the code, and nothing panicked.
fn fails(args: &[&str], code: &str) -> String {
    let out = run(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(
        err.contains(&format!("[{code}]")) || err.contains(&format!("\"code\":\"{code}\"")),
        "{args:?}: want {code}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn every_file_is_read_whatever_its_name() {
    // Three monthly files with dots in their names: one read only September (680 of 2,000
    // rows) when the listing took the extension after the first dot.
    let one = results(LOAN, &exports("monthly-all.csv"), &[]);
    assert_eq!(one["rows_in_scope"], 1576);
    for data in [
        exports("monthly"),
        exports("monthly/"),
        exports("monthly/activities.*.csv"),
        exports("**/activities.2025-*.csv"),
    ] {
        let r = results(LOAN, &data, &[]);
        assert_eq!(numbers(r.clone()), numbers(one.clone()), "{data}");
        assert_eq!(
            data_list(&r),
            [9, 10, 11]
                .map(|m| exports(&format!("monthly/activities.2025-{m:02}.csv")))
                .to_vec(),
            "{data}: the data list is exactly the files read"
        );
    }
    assert_eq!(reached(&one), vec![200, 111, 68, 13]);
}

#[test]
fn compressed_files_and_any_case_of_extension() {
    let one = results(ANY_AMOUNT, &exports("six-columns.csv"), &[]);
    for (dir, files) in [("compressed", 5), ("ndjson", 3)] {
        let r = results(ANY_AMOUNT, &exports(dir), &[]);
        assert_eq!(numbers(r.clone()), numbers(one.clone()), "{dir}");
        assert_eq!(data_list(&r).len(), files, "{dir}");
    }
}

#[test]
fn a_column_empty_in_the_first_file_takes_its_type_from_the_others() {
    // `Amount` is empty all September, the first file: read as empty everywhere, `where
    // Amount >= 99` counted 0 and `Amount is null` matched every row.
    let r = results(LOAN, &exports("monthly"), &[]);
    assert_eq!(reached(&r)[3], 13);
    let dir = scratch("amount-null");
    let j = dir.join("null.journey");
    std::fs::write(
        &j,
        "journey \"Null amounts\" {\n  stage \"Loan\" { when submitted form \"small-business-loan\" where Amount is null }\n}\n",
    )
    .unwrap();
    let folder = results(j.to_str().unwrap(), &exports("monthly"), &[]);
    let file = results(j.to_str().unwrap(), &exports("monthly-all.csv"), &[]);
    assert_eq!(reached(&folder), reached(&file));
    assert!(reached(&folder)[0] < 200, "{:?}", reached(&folder));
}

#[test]
fn a_pandas_hive_folder_with_an_all_none_column() {
    // pandas writes an all-None column as Arrow `null`: the folder failed with "check that the
    // files are complete". Spark's _SUCCESS markers and .DS_Store are skipped, and listed.
    let r = results(LOAN, &exports("hive"), &[]);
    let csv = results(LOAN, &exports("monthly-all.csv"), &[]);
    assert_eq!(reached(&r), reached(&csv));
    assert_eq!(r["rows_in_scope"], 1576);
    let skipped: Vec<&str> = r["data_skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(
        skipped.contains(&"tests/data/exports/hive/_SUCCESS"),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&"tests/data/exports/hive/.DS_Store"),
        "{skipped:?}"
    );
    assert_eq!(skipped.len(), 5, "{skipped:?}");
}

#[test]
fn a_column_missing_from_some_files_is_an_error_unless_read_as_null() {
    // A Parquet file without the form column was read as NULL, silently.
    let err = fails(
        &[
            "run",
            ANY_AMOUNT,
            "--data",
            &exports("drift"),
            "--error-format",
            "plain",
        ],
        "J4008",
    );
    assert!(
        err.contains("tests/data/exports/drift/2025-11.parquet"),
        "{err}"
    );
    assert!(err.contains("missing_columns"), "{err}");
    let r = results(
        ANY_AMOUNT,
        &exports("drift"),
        &["--missing-columns", "null"],
    );
    let w = &r["warnings"][0];
    assert_eq!(w["code"], "W1005", "{r}");
    let message = w["message"].as_str().unwrap();
    assert!(
        message.contains("1 of 2 data files (492 rows)"),
        "{message}"
    );
    assert!(message.contains("2025-11.parquet"), "{message}");
    // The same from journey.toml.
    let dir = scratch("missing-null");
    std::fs::write(
        dir.join("journey.toml"),
        "[data]\nmissing_columns = \"null\"\n",
    )
    .unwrap();
    let config = dir.join("journey.toml");
    let via_toml = results(
        ANY_AMOUNT,
        &exports("drift"),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(numbers(via_toml), numbers(r.clone()));
    // November's forms read as NULL: fewer contacts than with every file complete.
    assert!(reached(&r)[1] < 111, "{:?}", reached(&r));
}

#[test]
fn conflicting_types_name_both_files() {
    let err = fails(&["run", LOAN, "--data", &exports("conflict")], "J4007");
    assert!(
        err.contains("conflict/a.csv") && err.contains("conflict/b.csv"),
        "{err}"
    );
    // A journey that does not read the column is not concerned.
    results(ANY_AMOUNT, &exports("conflict"), &[]);
    // Declared as text, the value that is no number is named, with its file.
    let dir = scratch("text-amount");
    std::fs::write(dir.join("journey.toml"), "[types]\nAmount = \"text\"\n").unwrap();
    let config = dir.join("journey.toml");
    let err = fails(
        &[
            "run",
            LOAN,
            "--data",
            &exports("conflict"),
            "--config",
            config.to_str().unwrap(),
            "--error-format",
            "plain",
        ],
        "J4002",
    );
    assert!(
        err.starts_with("tests/data/exports/conflict/b.csv"),
        "{err}"
    );
    assert!(err.contains("`n/a`"), "{err}");
}

#[test]
fn links_are_followed_and_loops_read_once() {
    // A symbolic link back to its folder read the same file 41 times.
    let r = results(ANY_AMOUNT, &exports("loop"), &[]);
    assert_eq!(data_list(&r), vec![exports("loop/data.csv")]);
    let alone = results(ANY_AMOUNT, &exports("loop/data.csv"), &[]);
    assert_eq!(numbers(r.clone()), numbers(alone));
    let reasons: Vec<String> = r["data_skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}: {}", s["path"], s["reason"]))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].contains("inner/back") && reasons[0].contains("loop"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("same file as"), "{reasons:?}");
}

fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::Scratch::new("exports", name)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| text(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn what_cannot_be_read_is_an_error_naming_it() {
    // A broken link.
    let root = scratch("unreadable");
    let dir = root.join("data");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(
        support::root().join(exports("loop/data.csv")),
        dir.join("a.csv"),
    )
    .unwrap();
    std::os::unix::fs::symlink("gone.csv", dir.join("b.csv")).unwrap();
    let d = dir.to_str().unwrap();
    let err = fails(&["run", ANY_AMOUNT, "--data", d], "J4006");
    assert!(err.contains("b.csv") && err.contains("gone.csv"), "{err}");
    std::fs::remove_file(dir.join("b.csv")).unwrap();
    // A file of a format journey does not read.
    std::fs::write(dir.join("notes.txt"), "export notes").unwrap();
    let err = fails(&["run", ANY_AMOUNT, "--data", d], "J4004");
    assert!(err.contains("notes.txt"), "{err}");
    std::fs::remove_file(dir.join("notes.txt")).unwrap();
    // A folder journey may not read: skipped without a word before. As root every folder is
    // readable, so the run goes through a user that is not.
    let sub = dir.join("2025-10");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(dir.join("a.csv"), sub.join("b.csv")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let journey = support::root().join(ANY_AMOUNT);
    let out = if is_root() {
        // The journey file and the binary must be reachable by that user too, wherever the
        // checkout is: both are copied beside the data folder.
        let copy = root.join("loan.journey");
        std::fs::copy(&journey, &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
        let bin = root.join("journey");
        std::fs::copy(env!("CARGO_BIN_EXE_journey"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&bin)
            .args(["run"])
            .arg(&copy)
            .args(["--data", d, "--error-format", "plain"])
            .current_dir(&root)
            .output()
            .unwrap()
    } else {
        journey_bin()
            .arg("run")
            .arg(&journey)
            .args(["--data", d, "--error-format", "plain"])
            .output()
            .unwrap()
    };
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("[J4006]") && err.contains("2025-10"), "{err}");
    assert!(err.contains("ermission denied"), "{err}");
    assert!(!err.contains("export the file again"), "{err}");
}

#[test]
fn rows_without_a_contact_are_counted_or_fail() {
    let data = exports("rows/null-contact.csv");
    // Dropped without being counted before.
    let err = fails(
        &[
            "run",
            ANY_AMOUNT,
            "--data",
            &data,
            "--error-format",
            "plain",
        ],
        "J5004",
    );
    assert!(
        err.starts_with(&format!(
            "{data}:8: error[J5004]: 2 rows have no contact id"
        )),
        "{err}"
    );
    assert!(err.contains("at row 7"), "{err}");
    let json = fails(
        &["run", ANY_AMOUNT, "--data", &data, "--error-format", "json"],
        "J5004",
    );
    let d: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(
        (d["file"].as_str(), d["row"].as_u64()),
        (Some(data.as_str()), Some(7))
    );
    let r = results(ANY_AMOUNT, &data, &["--on-bad-rows", "skip"]);
    assert_eq!(r["rows_skipped"], 2);
    assert_eq!(r["skipped_rows"]["no_contact"], 2);
    assert_eq!(r["rows_in_scope"], 48);
}

#[test]
fn a_time_in_a_declared_format() {
    let german = exports("rows/german-times.csv");
    let err = fails(
        &[
            "run",
            ANY_AMOUNT,
            "--data",
            &german,
            "--error-format",
            "plain",
        ],
        "J5002",
    );
    assert!(err.contains("at row 1"), "{err}");
    let r = results(
        ANY_AMOUNT,
        &german,
        &["--config", &exports("rows/german.toml")],
    );
    let iso = results(ANY_AMOUNT, &exports("rows/iso-times.csv"), &[]);
    assert_eq!(numbers(r), numbers(iso));
}

#[test]
fn empty_data_is_no_data() {
    for f in ["rows/empty.csv", "rows/header-only.csv"] {
        let err = fails(&["run", ANY_AMOUNT, "--data", &exports(f)], "J4003");
        assert!(err.contains("no data"), "{f}: {err}");
    }
}

#[test]
fn a_value_past_the_rows_types_are_taken_from_is_named() {
    // A CSV file's types come from its first rows; a later value of another type is named,
    // with its file and line, among several files.
    let dir = scratch("late");
    std::fs::copy(
        support::root().join(exports("six-columns.csv")),
        dir.join("a.csv"),
    )
    .unwrap();
    std::fs::copy(
        support::root().join(exports("rows/late-text-id.csv")),
        dir.join("b.csv"),
    )
    .unwrap();
    let err = fails(
        &[
            "run",
            ANY_AMOUNT,
            "--data",
            dir.to_str().unwrap(),
            "--error-format",
            "plain",
        ],
        "J4002",
    );
    let b = dir.join("b.csv");
    assert!(
        err.starts_with(&format!("{}:1201: error[J4002]", b.display())),
        "{err}"
    );
    assert!(
        err.contains("`C-1200`") && err.contains("contact_id"),
        "{err}"
    );
}

#[test]
fn every_missing_column_in_one_error() {
    let dir = scratch("columns");
    let j = dir.join("columns.journey");
    std::fs::write(
        &j,
        "journey \"Columns\" {\n  stage \"A\" { when visited page \"/campaign\" where device = \"mobile\" }\n  stage \"B\" { when clicked link in email \"news\" where campaign = \"x\" }\n}\n",
    )
    .unwrap();
    let err = fails(
        &[
            "run",
            j.to_str().unwrap(),
            "--data",
            &exports("six-columns.csv"),
        ],
        "J4001",
    );
    assert!(err.contains("`device`, `email`, `campaign`"), "{err}");
    assert_eq!(err.matches("[J4001]").count(), 1, "{err}");
}

#[test]
fn any_number_of_exclusions() {
    // Exclusion 33 shared a state bit with exclusion 1.
    let mut many = String::from("journey \"Many exclusions\" {\n  stage \"A\" { when visited page \"/campaign\" }\n  stage \"B\" { when submitted form \"loan-for-small-businesses\" }\n  stage \"C\" { when clicked link in email }\n");
    for i in 0..32 {
        many.push_str(&format!(
            "  exclude when custom activity \"never-{i}\" between stage 1 and stage 3\n"
        ));
    }
    many.push_str("  exclude when visited page \"/about\" between stage 2 and stage 3\n}\n");
    let one = "journey \"Many exclusions\" {\n  stage \"A\" { when visited page \"/campaign\" }\n  stage \"B\" { when submitted form \"loan-for-small-businesses\" }\n  stage \"C\" { when clicked link in email }\n  exclude when visited page \"/about\" between stage 2 and stage 3\n}\n";
    let dir = scratch("exclusions");
    std::fs::write(dir.join("many.journey"), &many).unwrap();
    std::fs::write(dir.join("one.journey"), one).unwrap();
    let data = exports("six-columns.csv");
    let a = results(dir.join("many.journey").to_str().unwrap(), &data, &[]);
    let b = results(dir.join("one.journey").to_str().unwrap(), &data, &[]);
    assert_eq!(reached(&a), reached(&b));
    let without = results(ANY_AMOUNT, &data, &[]);
    assert!(
        reached(&a)[2] < reached(&without)[2],
        "the exclusion excludes someone"
    );
    // The 32 that match nothing are each worth a warning.
    assert_eq!(a["warnings"].as_array().unwrap().len(), 32);
}

#[test]
fn stages_that_match_nothing_say_what_the_data_has() {
    let data = exports("six-columns.csv");
    let journey = "tests/data/exports/display-names.journey";
    let r = results(journey, &data, &[]);
    let warnings = r["warnings"].as_array().unwrap();
    let codes: Vec<&str> = warnings
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["W1001", "W1002", "W1003"]);
    assert_eq!(warnings[0]["stage"], 2);
    assert_eq!(warnings[0]["line"], 7);
    let help = warnings[0]["help"].as_str().unwrap();
    assert!(
        help.contains("did you mean `loan-for-small-businesses`"),
        "{help}"
    );
    // The table shows them.
    let table = text(&run(&["run", journey, "--data", &data]).stdout);
    assert!(table.contains("warning[W1001] (line 7)"), "{table}");
    assert!(table.contains("loan-for-small-businesses"), "{table}");
    // So does the report.
    let html = text(&run(&["run", journey, "--data", &data, "--format", "html"]).stdout);
    assert!(
        html.contains("class=\"warnings\"") && html.contains("warning[W1001]"),
        "{html}"
    );
    // And `check --data`, without running the funnel.
    let out = run(&["check", journey, "--data", &data, "--error-format", "plain"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("display-names.journey:7:9: warning[W1001]"),
        "{err}"
    );
    assert!(err.contains("3 warnings"), "{err}");
    let out = run(&["check", journey, "--data", &data, "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
    // A site whose activity types are not mapped: every stage 0, and the mapping to write.
    let out = run(&[
        "check",
        ANY_AMOUNT,
        "--data",
        &exports("unmapped"),
        "--error-format",
        "plain",
    ]);
    let err = text(&out.stderr);
    assert!(err.contains("warning[W1004]"), "{err}");
    assert!(
        err.contains("page_visit = \"PageVisit\", form_submission = \"FormSubmit\", email_click = \"EmailClick\""),
        "{err}"
    );
}

#[test]
fn partitions_are_validated() {
    for n in ["0", "20000"] {
        let out = run(&[
            "run",
            ANY_AMOUNT,
            "--data",
            &exports("six-columns.csv"),
            "--partitions",
            n,
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{n}: {err}");
        assert!(err.contains("--partitions"), "{err}");
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // `journey explain-error | head -1` panicked with a backtrace about half the time.
    let baseline = support::root().join("tests/cases/review/baseline.json");
    let proposed = support::root().join("tests/cases/review/proposed.json");
    for _ in 0..10 {
        for args in [
            vec!["explain-error".to_string()],
            vec![
                "compare".into(),
                baseline.display().to_string(),
                proposed.display().to_string(),
                "--format".into(),
                "json".into(),
            ],
        ] {
            let mut child = journey_bin()
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take()); // the reader goes away at once
            let out = child.wait_with_output().unwrap();
            let err = text(&out.stderr);
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            assert!(err.is_empty(), "{args:?}: {err}");
        }
    }
}

#[test]
fn slow_regular_expressions_are_refused_at_check() {
    let dir = scratch("regex");
    let j = dir.join("regex.journey");
    std::fs::write(
        &j,
        "journey \"R\" {\n  stage \"A\" { when visited page \"/a\" where url matches \"a{100}{100}\" }\n}\n",
    )
    .unwrap();
    let out = run(&["check", j.to_str().unwrap(), "--error-format", "plain"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[J2002]: regular expression too large"),
        "{err}"
    );
}

#[test]
fn journey_files_are_utf8_with_or_without_a_bom() {
    let dir = scratch("utf8");
    let bad = dir.join("bad.journey");
    std::fs::write(
        &bad,
        b"journey \"A\" {\n  stage \"S\xff\" { when registered }\n}\n",
    )
    .unwrap();
    for (format, want) in [
        ("plain", format!("{}:2:11: error[J0011]", bad.display())),
        ("human", "error[J0011]".to_string()),
        ("json", "\"code\":\"J0011\"".to_string()),
    ] {
        let out = run(&["check", bad.to_str().unwrap(), "--error-format", format]);
        let all = text(&out.stdout) + &text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains(&want), "{format}: {all}");
    }
    let bom = dir.join("bom.journey");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(support::root().join(ANY_AMOUNT)).unwrap());
    std::fs::write(&bom, bytes).unwrap();
    let out = run(&["check", bom.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let with_bom = results(bom.to_str().unwrap(), &exports("six-columns.csv"), &[]);
    let without = results(ANY_AMOUNT, &exports("six-columns.csv"), &[]);
    assert_eq!(reached(&with_bom), reached(&without));
}

#[test]
fn data_errors_point_at_the_data() {
    // Every data error was located at `journey:1:1`.
    let data = "tests/data/bad-time.csv";
    let err = fails(
        &[
            "run",
            "tests/data/journeys/visit.journey",
            "--data",
            data,
            "--error-format",
            "plain",
        ],
        "J5002",
    );
    assert!(err.starts_with(&format!("{data}:3: error[J5002]")), "{err}");
    assert!(err.contains("at row 2"), "{err}");
    let json = fails(
        &[
            "run",
            "tests/data/journeys/visit.journey",
            "--data",
            data,
            "--error-format",
            "json",
        ],
        "J5002",
    );
    let d: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(d["file"], data);
    assert_eq!(d["row"], 2);
    // No data at all is about no file.
    let json = fails(
        &[
            "run",
            ANY_AMOUNT,
            "--data",
            "tests/data/nothing-here",
            "--error-format",
            "json",
        ],
        "J4003",
    );
    let d: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert!(d["file"].is_null() && d["line"].is_null(), "{d}");
}

#[test]
fn a_row_without_a_contact_outside_the_period_is_not_skipped() {
    let dir = scratch("period-null");
    let j = dir.join("later.journey");
    std::fs::write(
        &j,
        "journey \"Later\" {\n  period 2026-01-01 .. 2026-02-01\n  stage \"A\" { when visited page \"/campaign\" }\n}\n",
    )
    .unwrap();
    let r = results(j.to_str().unwrap(), &exports("rows/null-contact.csv"), &[]);
    assert_eq!(r["rows_skipped"], 0, "{r}");
    assert_eq!(r["rows_in_scope"], 0, "{r}");
}
