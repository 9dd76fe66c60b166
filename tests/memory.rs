//! `--memory-limit`: the kept rows sorted within DataFusion's memory pool, spilled to disk when
//! they do not fit — the same numbers as without a limit —, a contact too large to hold searched
//! as its rows stream by, and a contact a journey must hold but cannot a coded error (J5006),
//! never an out-of-memory kill.

use crate::support;

use serde_json::Value;
use std::process::{Command, Output};

fn journey(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journey"))
        .current_dir(support::root())
        .env("SOURCE_DATE_EPOCH", "0")
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_limit_changes_no_number() {
    for (journeys, data) in [
        ("journeys/", "journeys/data"),
        ("tests/data/journeys/every-row.journey", "journeys/data"),
        (
            "tests/data/exports/loan.journey",
            "tests/data/exports/monthly",
        ),
        (
            "tests/data/exports/loan-by-month.journey",
            "tests/data/exports/hive",
        ),
    ] {
        let free = journey(&["run", journeys, "--data", data, "--format", "json"]);
        for limit in ["16MiB", "64MiB"] {
            let bounded = journey(&[
                "run",
                journeys,
                "--data",
                data,
                "--format",
                "json",
                "--memory-limit",
                limit,
            ]);
            assert_eq!(
                json(&bounded),
                json(&free),
                "{journeys} over {data} within {limit}"
            );
        }
    }
}

#[test]
fn what_does_not_fit_is_spilled_to_disk() {
    // Every one of the sample's 150,000 activities is kept: more than 16 MiB of the pool's
    // fair share for the sort.
    let out = journey(&[
        "run",
        "tests/data/journeys/every-row.journey",
        "--data",
        "journeys/data",
        "--memory-limit",
        "16MiB",
        "--timings",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let spilled = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("kept rows spilled to disk "))
        .unwrap_or_else(|| panic!("no spill line: {err}"));
    let times: u64 = spilled.split(' ').next().unwrap().parse().unwrap();
    assert!(times >= 1, "{err}");
    // Without a limit nothing is spilled, and nothing says so.
    let free = journey(&[
        "run",
        "tests/data/journeys/every-row.journey",
        "--data",
        "journeys/data",
        "--timings",
    ]);
    assert!(!String::from_utf8_lossy(&free.stderr).contains("spilled"));
}

#[test]
fn a_contact_larger_than_the_limit_streams_through_the_search() {
    // 300,000 visits of one contact, every one kept: held, they and the search's tables would
    // need far more than 16 MiB.
    let args = [
        "run",
        "tests/data/journeys/every-row.journey",
        "--data",
        "tests/data/one-contact.parquet",
        "--format",
        "json",
    ];
    let free = json(&journey(&args));
    assert_eq!(free["contacts_in_scope"], 1);
    assert_eq!(free["stages"][1]["reached"], 1);
    let mut bounded = args.to_vec();
    bounded.extend(["--memory-limit", "16MiB", "--timings"]);
    let out = journey(&bounded);
    assert_eq!(json(&out), free);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "contacts searched as their rows streamed by 1 (the largest with 300000 kept rows)"
        ),
        "{err}"
    );
}

/// `journey sample`'s rows of `contacts` contacts folded into `into` contacts (contact id
/// modulo `into`): few contacts, each with a realistic mix of many activities.
fn folded(dir: &std::path::Path, rows: u64, contacts: u64, into: u64) -> String {
    let sample = dir.join("sample.parquet");
    let (rows, contacts) = (rows.to_string(), contacts.to_string());
    let out = journey(&[
        "sample",
        "--rows",
        &rows,
        "--contacts",
        &contacts,
        "--out",
        sample.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folded = dir.join("folded.parquet");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use datafusion::prelude::*;
        let ctx = SessionContext::new();
        ctx.register_parquet("t", sample.to_str().unwrap(), ParquetReadOptions::default())
            .await
            .unwrap();
        let schema = ctx.table("t").await.unwrap().schema().clone();
        let columns: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                "contact_id" => format!("contact_id % {into} AS contact_id"),
                n => format!("\"{n}\""),
            })
            .collect();
        let df = ctx
            .sql(&format!("SELECT {} FROM t", columns.join(", ")))
            .await
            .unwrap();
        df.write_parquet(
            folded.to_str().unwrap(),
            datafusion::dataframe::DataFrameWriteOptions::new().with_single_file_output(true),
            None,
        )
        .await
        .unwrap();
    });
    folded.to_string_lossy().into_owned()
}

#[test]
fn streamed_contacts_give_the_numbers_held_ones_do() {
    let dir = support::Scratch::new("memory", "streamed");
    let data = folded(&dir, 400_000, 40_000, 2);
    for journeys in [
        "tests/data/journeys/streamed.journey",
        "tests/data/journeys/every-row.journey",
    ] {
        let args = ["run", journeys, "--data", data.as_str(), "--format", "json"];
        let free = journey(&args);
        let mut bounded = args.to_vec();
        bounded.extend(["--memory-limit", "16MiB", "--timings"]);
        let out = journey(&bounded);
        assert_eq!(json(&out), json(&free), "{journeys}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("contacts searched as their rows streamed by 2 "),
            "{journeys}: {err}"
        );
    }
}

#[test]
fn a_contact_a_journey_must_hold_larger_than_the_limit_is_j5006() {
    // `order any` searches a contact's activities together: they must fit.
    let args = [
        "run",
        "tests/data/journeys/every-row-any-order.journey",
        "--data",
        "tests/data/one-contact.parquet",
    ];
    let mut with = args.to_vec();
    with.extend(["--memory-limit", "16MiB", "--error-format", "json"]);
    let out = journey(&with);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("\"J5006\"") && err.contains("16 MiB"), "{err}");
    assert!(out.stdout.is_empty());
    // Enough memory, and it runs: the 300,000 visits are one contact's.
    let mut enough = args.to_vec();
    enough.extend(["--memory-limit", "512MiB", "--format", "json"]);
    let r = json(&journey(&enough));
    assert_eq!(r["contacts_in_scope"], 1);
    assert_eq!(r["stages"][1]["reached"], 1);
}

#[test]
fn journey_toml_sets_the_limit_and_the_flag_wins() {
    let dir = support::Scratch::new("memory", "toml");
    let toml = dir.join("journey.toml");
    std::fs::write(&toml, "[run]\nmemory_limit = \"16MiB\"\n").unwrap();
    let toml = toml.to_string_lossy().into_owned();
    let base = [
        "run",
        "tests/data/journeys/every-row-any-order.journey",
        "--data",
        "tests/data/one-contact.parquet",
        "--config",
        toml.as_str(),
    ];
    let out = journey(&base);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[J5006]"));
    let mut flag = base.to_vec();
    flag.extend(["--memory-limit", "512MiB"]);
    assert!(journey(&flag).status.success());
    // A size that is none is the config's error.
    std::fs::write(dir.join("journey.toml"), "[run]\nmemory_limit = \"lots\"\n").unwrap();
    let out = journey(&base);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error[J4005]") && err.contains("memory_limit"),
        "{err}"
    );
}

#[test]
fn a_bad_size_is_a_usage_error() {
    for bad in ["lots", "12 parsecs", "1MiB"] {
        let out = journey(&[
            "run",
            "journeys/small-business-loan.journey",
            "--memory-limit",
            bad,
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--memory-limit"),
            "{bad}"
        );
    }
}
