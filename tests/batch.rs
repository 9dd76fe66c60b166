//! Nightly batches: `journey run JOURNEYS --output-dir DIR` writes one result per journey and a
//! summary, from one scan, and a journey that fails does not stop the others; progress is shown
//! only where asked.

use crate::support;

use std::process::Command;

#[test]
fn a_batch_writes_every_journey_and_reports_the_failures() {
    let root = support::Scratch::new("batch", "run");
    let journeys = root.join("journeys");
    std::fs::create_dir_all(&journeys).unwrap();
    for f in ["small-business-loan.journey", "loan-variants.journey"] {
        std::fs::copy(support::root().join("journeys").join(f), journeys.join(f)).unwrap();
    }
    // A file with a syntax error, and a journey the data cannot run (no column `amount`).
    std::fs::write(
        journeys.join("broken.journey"),
        "journey \"Broken\" { stage \"x\" { when nothing } }\n",
    )
    .unwrap();
    std::fs::write(
        journeys.join("amount.journey"),
        "journey \"Needs an amount\" {\n  stage \"A\" { when submitted form \"small-business-loan\" where amount >= 1 }\n}\n",
    )
    .unwrap();
    let out_dir = root.join("results");
    let out = Command::new(env!("CARGO_BIN_EXE_journey"))
        .arg("run")
        .arg(&journeys)
        .arg("--data")
        .arg(support::root().join("journeys/data"))
        .arg("--output-dir")
        .arg(&out_dir)
        .args(["--error-format", "plain"])
        .env("SOURCE_DATE_EPOCH", "0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("broken.journey:1:37: error[J0003]"), "{err}");
    assert!(
        err.contains("amount.journey") && err.contains("[J4001]"),
        "{err}"
    );
    assert!(
        err.contains("wrote the results of 8 journeys to")
            && err.contains("failed (above): 1 journey, 1 journey file"),
        "{err}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 8 * 2 + 2, "{names:?}");
    assert!(names.contains(&"small-business-loan--small-business-loan-demo.json".to_string()));
    assert!(
        names.contains(&"summary.csv".to_string())
            && names.contains(&"summary.parquet".to_string())
    );
    assert!(!names.iter().any(|n| n.contains(".tmp")), "{names:?}");
    // Each result is what a run of its journey alone gives.
    let alone = Command::new(env!("CARGO_BIN_EXE_journey"))
        .arg("run")
        .arg(journeys.join("small-business-loan.journey"))
        .arg("--data")
        .arg(support::root().join("journeys/data"))
        .args(["--format", "json"])
        .env("SOURCE_DATE_EPOCH", "0")
        .output()
        .unwrap();
    let file =
        std::fs::read(out_dir.join("small-business-loan--small-business-loan-demo.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&file),
        String::from_utf8_lossy(&alone.stdout)
    );
    // The summary: a row per journey and stage.
    let summary = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    let journeys_in_summary: std::collections::BTreeSet<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(journeys_in_summary.len(), 8, "{summary}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn progress_only_where_asked() {
    let run = |progress: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_journey"))
            .arg("run")
            .arg(support::root().join("journeys/small-business-loan.journey"))
            .args(["--format", "csv", "--progress", progress])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Not a terminal here: `auto` draws nothing; `always` writes plain lines, the last one the
    // whole sample (its Parquet footer gives the total).
    assert_eq!(run("auto"), "");
    assert_eq!(run("never"), "");
    let lines = run("always");
    let last = lines.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("progress: 150,000 of 150,000 rows read (100%)"),
        "{lines}"
    );
}
