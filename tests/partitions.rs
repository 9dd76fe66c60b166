//! Hive-partitioned exports: `key=value` folders are columns, a date partition lets a period
//! skip the folders outside it, and the scan skips row groups outside the period by their
//! statistics — without changing a number.

use crate::support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::Scratch::new("partitions", name)
}

fn run(journey: &Path, data: &Path, extra: &[&str]) -> (Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journey"))
        .arg("run")
        .arg(journey)
        .arg("--data")
        .arg(data)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    (serde_json::from_slice(&out.stdout).unwrap(), err)
}

fn reached(r: &Value) -> Vec<u64> {
    r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reached"].as_u64().unwrap())
        .collect()
}

fn hive() -> PathBuf {
    support::root().join("tests/data/exports/hive")
}

#[test]
fn partition_folders_are_columns() {
    let dir = scratch("columns");
    let by = dir.join("by-month.journey");
    std::fs::write(
        &by,
        "journey \"By month\" {\n  by month\n  stage \"Campaign page\" { when visited page \"/campaign\" }\n}\n",
    )
    .unwrap();
    let (r, _) = run(&by, &hive(), &[]);
    let groups = r["breakdown"]["groups"].as_array().unwrap();
    let mut values: Vec<&str> = groups
        .iter()
        .map(|g| g["value"].as_str().unwrap())
        .collect();
    values.sort();
    assert_eq!(values, ["2025-09", "2025-10", "2025-11"]);
    let sum: u64 = groups
        .iter()
        .map(|g| g["stages"][0]["reached"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 200);
    // `where` on the partition: the October visits, as reading October's folder alone gives.
    let october = dir.join("october.journey");
    std::fs::write(
        &october,
        "journey \"October\" {\n  stage \"Campaign page\" { when visited page \"/campaign\" where month = \"2025-10\" }\n}\n",
    )
    .unwrap();
    let any = dir.join("any.journey");
    std::fs::write(
        &any,
        "journey \"October\" {\n  stage \"Campaign page\" { when visited page \"/campaign\" }\n}\n",
    )
    .unwrap();
    let (filtered, _) = run(&october, &hive(), &[]);
    let (alone, _) = run(&any, &hive().join("month=2025-10"), &[]);
    assert_eq!(reached(&filtered), reached(&alone));
    assert!(reached(&alone)[0] > 0);
}

#[test]
fn a_period_reads_only_the_folders_of_its_dates() {
    let dir = scratch("period");
    let journey = dir.join("october.journey");
    std::fs::write(
        &journey,
        "journey \"October\" {\n  period 2025-10-01 .. 2025-11-01\n  stage \"Campaign page\" { when visited page \"/campaign\" }\n  stage \"Case study\" { when submitted form \"loan-for-small-businesses\" }\n}\n",
    )
    .unwrap();
    // Without a date partition: every folder is read.
    let (all, _) = run(&journey, &hive(), &[]);
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    // With one (journey.toml beside the journey): only October's.
    std::fs::write(
        dir.join("journey.toml"),
        "[data]\ndate_partition = \"month\"\n",
    )
    .unwrap();
    let (pruned, err) = run(&journey, &hive(), &["--timings"]);
    let data: Vec<&str> = pruned["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(data.len(), 1, "{data:?}");
    assert!(data[0].contains("month=2025-10"), "{data:?}");
    let skipped: Vec<String> = pruned["data_skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap().to_string())
        .collect();
    assert!(
        skipped.contains(&"outside every journey's period (month=2025-09)".to_string()),
        "{skipped:?}"
    );
    assert!(err.contains("files read 1"), "{err}");
    // The same numbers.
    assert_eq!(reached(&pruned), reached(&all));
    assert_eq!(pruned["contacts_in_scope"], all["contacts_in_scope"]);
    assert_eq!(pruned["rows_in_scope"], all["rows_in_scope"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn row_groups_outside_the_period_are_skipped() {
    // The sample is written in time order, 65,536 rows a row group: September is in the first.
    let dir = scratch("row-groups");
    let journey = dir.join("september.journey");
    let text = "journey \"September\" {\n  PERIOD\n  stage \"Campaign page\" { when visited page \"/campaign-pages/smb-loan-campaign\" }\n  stage \"Case study\" { when submitted form \"loan-for-small-businesses\" }\n}\n";
    std::fs::write(
        &journey,
        text.replace("PERIOD", "period 2025-09-01 .. 2025-10-01"),
    )
    .unwrap();
    let sample = support::root().join("journeys/data/sample.parquet");
    let (r, err) = run(&journey, &sample, &["--timings"]);
    assert!(
        err.contains("row groups read 1, skipped by statistics 2"),
        "{err}"
    );
    // The same rows as CSV, where no statistics skip anything: the same numbers.
    let csv = dir.join("sample.csv");
    let made = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args([
            "sample",
            "--rows",
            "150000",
            "--contacts",
            "15000",
            "--seed",
            "1",
            "--out",
        ])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (from_csv, err_csv) = run(&journey, &csv, &["--timings"]);
    assert!(!err_csv.contains("row groups"), "{err_csv}");
    assert_eq!(reached(&r), reached(&from_csv));
    assert_eq!(r["contacts_in_scope"], from_csv["contacts_in_scope"]);
    assert!(reached(&r)[0] > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
