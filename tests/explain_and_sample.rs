//! `journey explain` shows the three views of a journey's plan, and `journey sample` is
//! deterministic: the committed sample is exactly what the documented command writes.

use crate::support;

use std::process::Command;

fn journey_bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_journey"));
    c.current_dir(support::root()).env("NO_COLOR", "1");
    c
}

#[test]
fn explain_shows_sql_logical_and_physical_plans() {
    let out = journey_bin()
        .args(["explain", "journeys/small-business-loan.journey"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let sql = text.find("SQL:").expect("an SQL section");
    let logical = text
        .find("Optimized logical plan:")
        .expect("a logical plan");
    let physical = text.find("Physical plan:").expect("a physical plan");
    assert!(sql < logical && logical < physical);
    // One aggregate pass, fed by a filtered scan reading only the columns the journey uses.
    assert!(text.matches("journey_funnel(").count() >= 3, "{text}");
    assert!(text[physical..].contains("AggregateExec"), "{text}");
    assert!(text[physical..].contains("DataSourceExec"), "{text}");
    assert!(
        !text[logical..physical].contains("utm_source"),
        "unused columns are not read:\n{text}"
    );
}

#[test]
fn the_committed_sample_is_reproducible() {
    let dir = crate::support::Scratch::new("sample", "write");
    let out = dir.join("sample.parquet");
    let status = journey_bin()
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
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let fresh = std::fs::read(&out).unwrap();
    let committed = std::fs::read(support::root().join("journeys/data/sample.parquet")).unwrap();
    assert!(
        committed.len() <= 5 * 1024 * 1024,
        "the bundled sample stays under 5 MB"
    );
    assert!(
        fresh == committed,
        "journeys/data/sample.parquet differs from `journey sample` output"
    );
}
