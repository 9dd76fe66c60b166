//! Damaged data never panics: truncated and corrupted Parquet files, malformed CSV and JSON all
//! end in a coded error (J4xxx/J5xxx) and exit status 1, and `--output` leaves no file behind.

use crate::support;

use std::path::Path;
use std::process::Command;

fn journey_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_journey"))
}

fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::Scratch::new("bad-data", name)
}

/// Run the small journey over one data file: must fail with a coded error, never panic.
fn assert_coded_failure(data: &Path) {
    let out_file = data.with_extension("out.json");
    let out = journey_bin()
        .arg("run")
        .arg(support::root().join("tests/data/journeys/visit.journey"))
        .arg("--data")
        .arg(data)
        .args(["--format", "json", "--output"])
        .arg(&out_file)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}: {stderr}", data.display());
    assert!(
        stderr.contains("error[J4") || stderr.contains("error[J5"),
        "{}: {stderr}",
        data.display()
    );
    assert!(!stderr.contains("panicked"), "{}: {stderr}", data.display());
    assert!(
        !out_file.exists(),
        "a failed run left {}",
        out_file.display()
    );
}

#[test]
fn damaged_parquet_files() {
    let dir = scratch("parquet");
    let src = std::fs::read(support::root().join("journeys/data/sample.parquet")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("half", src[..src.len() / 2].to_vec()),
        ("no-head", src[4..].to_vec()),
        (
            "garbage",
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
        ("corrupt-pages", {
            // Keep the footer, scribble over the data pages.
            let mut v = src.clone();
            let end = v.len() / 2;
            for b in &mut v[64..end] {
                *b = b.wrapping_mul(31).wrapping_add(7);
            }
            v
        }),
    ];
    for (name, bytes) in cases {
        let f = dir.join(format!("{name}.parquet"));
        std::fs::write(&f, bytes).unwrap();
        assert_coded_failure(&f);
    }
}

#[test]
fn malformed_text_files() {
    let dir = scratch("text");
    let header = "activity_id,contact_id,activity_created,activity_type,url,channel,form\n";
    let cases = [
        ("ragged.csv", format!("{header}1,1,2025-09-01T10:00:00Z,pagevisit,/pricing,web,\n2,2,2025-09-01\n")),
        ("empty.csv", header.to_string()),
        ("binary.csv", "\u{0}\u{1}\u{2}PK\u{3}\u{4}".repeat(50)),
        ("broken.json", "{\"activity_id\": 1, \"contact_id\": \n".to_string()),
        ("bad-time.json", "{\"activity_id\":1,\"contact_id\":1,\"activity_created\":\"yesterday\",\"activity_type\":\"pagevisit\",\"url\":\"/pricing\",\"channel\":\"web\",\"form\":null}\n".to_string()),
    ];
    for (name, text) in cases {
        let f = dir.join(name);
        std::fs::write(&f, text).unwrap();
        assert_coded_failure(&f);
    }
}
