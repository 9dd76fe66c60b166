//! Exports in an object store, for real: each test starts an S3-protocol server (s3s-fs, over a
//! folder of its own) on a free port of 127.0.0.1, uploads an export through the S3 protocol, and
//! runs `journey run --data s3://…` against it — the numbers must be exactly those of the same
//! files read locally. The server stops when the test ends, passed or failed.

use crate::support;
use crate::support::s3::{KEY, S3, SECRET};

use serde_json::Value;
use std::process::{Command, Output};

/// `journey` with the server's address and credentials in the standard AWS variables, and no
/// other AWS variable from the machine running the tests.
fn journey(s3: &S3, args: &[&str], creds: Option<(&str, &str)>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_journey"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.env("AWS_ENDPOINT_URL", s3.endpoint())
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1");
    if let Some((key, secret)) = creds {
        c.env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret);
    }
    c.current_dir(support::root()).args(args).output().unwrap()
}

fn local(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journey"))
        .current_dir(support::root())
        .args(args)
        .output()
        .unwrap()
}

/// A result without what names where the data was: the file list, the fingerprint (of file
/// contents locally, of object versions in a store), the time it was computed.
fn numbers(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = match &mut v {
        Value::Array(a) => a.iter_mut().collect::<Vec<_>>(),
        one => vec![one],
    };
    for r in results {
        let o = r.as_object_mut().unwrap();
        for k in ["data", "data_fingerprint", "computed_at", "data_skipped"] {
            o.remove(k);
        }
    }
    v
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn creds() -> Option<(&'static str, &'static str)> {
    Some((KEY, SECRET))
}

#[test]
fn s3_gives_the_local_numbers() {
    let s3 = S3::start("same", true, &["exports"]);
    s3.upload(&support::root().join("journeys/data"), "exports", "kbank/");
    let journey_file = "journeys/small-business-loan.journey";
    let remote = journey(
        &s3,
        &[
            "run",
            journey_file,
            "--data",
            "s3://exports/kbank/",
            "--format",
            "json",
        ],
        creds(),
    );
    let here = local(&[
        "run",
        journey_file,
        "--data",
        "journeys/data",
        "--format",
        "json",
    ]);
    assert_eq!(numbers(&remote), numbers(&here));
    // The result names the objects read.
    let v: Value = serde_json::from_slice(&remote.stdout).unwrap();
    assert_eq!(
        v["data"],
        serde_json::json!(["s3://exports/kbank/sample.parquet"])
    );
    // One object by its URL, and a glob, read the same.
    for spec in [
        "s3://exports/kbank/sample.parquet",
        "s3://exports/kbank/*.parquet",
    ] {
        let one = journey(
            &s3,
            &["run", journey_file, "--data", spec, "--format", "json"],
            creds(),
        );
        assert_eq!(numbers(&one), numbers(&here), "{spec}");
    }
    // The table output too, byte for byte.
    let table = journey(
        &s3,
        &["run", journey_file, "--data", "s3://exports/kbank/"],
        creds(),
    );
    let local_table = local(&["run", journey_file, "--data", "journeys/data"]);
    assert!(table.status.success(), "{}", stderr(&table));
    assert_eq!(
        String::from_utf8_lossy(&table.stdout).replace(
            "s3://exports/kbank/sample.parquet",
            "journeys/data/sample.parquet"
        ),
        String::from_utf8_lossy(&local_table.stdout)
    );
}

#[test]
fn s3_reads_a_real_export_as_a_folder_does() {
    // Hive folders with _SUCCESS and .DS_Store, and compressed CSV of every kind, monthly names.
    let s3 = S3::start("export", true, &["lake"]);
    let exports = support::root().join("tests/data/exports");
    s3.upload(&exports.join("hive"), "lake", "hive/");
    s3.upload(&exports.join("compressed"), "lake", "compressed/");
    s3.upload(&exports.join("monthly"), "lake", "monthly/");
    let by_month = "tests/data/exports/loan-by-month.journey";
    let loan = "tests/data/exports/loan.journey";
    let any_amount = "tests/data/exports/loan-any-amount.journey";
    for (journey_file, remote, here) in [
        (by_month, "s3://lake/hive/", "tests/data/exports/hive"),
        (loan, "s3://lake/hive/", "tests/data/exports/hive"),
        (
            any_amount,
            "s3://lake/compressed/",
            "tests/data/exports/compressed",
        ),
        (loan, "s3://lake/monthly/", "tests/data/exports/monthly"),
        (
            loan,
            "s3://lake/monthly/*.2025-1?.csv",
            "tests/data/exports/monthly/*.2025-1?.csv",
        ),
    ] {
        let r = journey(
            &s3,
            &["run", journey_file, "--data", remote, "--format", "json"],
            creds(),
        );
        let l = local(&["run", journey_file, "--data", here, "--format", "json"]);
        assert_eq!(numbers(&r), numbers(&l), "{journey_file} over {remote}");
        // The same files read, and the same left out, by the same names under the prefix.
        let names = |out: &Output, key: &str| -> Vec<String> {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v[key]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|f| {
                    let p = f
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| f["path"].as_str().unwrap().to_string());
                    p.rsplit(['/']).take(2).collect::<Vec<_>>().join("<")
                })
                .collect()
        };
        assert_eq!(names(&r, "data"), names(&l, "data"), "{remote}");
        assert_eq!(
            names(&r, "data_skipped"),
            names(&l, "data_skipped"),
            "{remote}"
        );
    }
}

#[test]
fn s3_errors_are_coded_and_name_the_url() {
    let s3 = S3::start("errors", true, &["exports"]);
    s3.upload(&support::root().join("journeys/data"), "exports", "kbank/");
    let j = "journeys/small-business-loan.journey";
    let cases: [(&str, Option<(&str, &str)>, &str, &str); 4] = [
        // No bucket of that name.
        (
            "s3://nothere/kbank/",
            creds(),
            "J4010",
            "no bucket at `s3://nothere/kbank/`",
        ),
        // The wrong secret.
        (
            "s3://exports/kbank/",
            Some((KEY, "wrong")),
            "J4010",
            "s3://exports/kbank/",
        ),
        // No credentials at all: refused before any request.
        (
            "s3://exports/kbank/",
            None,
            "J4009",
            "no credentials for s3://exports/",
        ),
        // Nothing under the prefix.
        (
            "s3://exports/empty/",
            creds(),
            "J4003",
            "no data files at `s3://exports/empty/`",
        ),
    ];
    for (spec, c, code, says) in cases {
        let out = journey(&s3, &["run", j, "--data", spec], c);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{spec}: {err}");
        assert!(err.contains(&format!("error[{code}]")), "{spec}: {err}");
        assert!(err.replace("\n  │ ", " ").contains(says), "{spec}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // The same in JSON, for tools.
    let out = journey(
        &s3,
        &[
            "run",
            j,
            "--data",
            "s3://nothere/kbank/",
            "--error-format",
            "json",
        ],
        creds(),
    );
    let err = stderr(&out);
    assert!(err.contains("\"J4010\""), "{err}");
}

#[test]
fn journey_toml_names_variables_never_secrets() {
    let s3 = S3::start("toml", true, &["exports"]);
    s3.upload(&support::root().join("journeys/data"), "exports", "kbank/");
    let dir = std::env::temp_dir().join(format!("journey-s3-toml-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let j = support::root().join("journeys/small-business-loan.journey");
    let toml = dir.join("journey.toml");
    // The endpoint as a value, the credentials by the names of the variables holding them.
    std::fs::write(
        &toml,
        format!(
            "[store.options]\nendpoint = \"{}\"\nallow_http = \"true\"\nregion = \"us-east-1\"\n\n[store.env]\naccess_key_id = \"KBANK_S3_KEY\"\nsecret_access_key = \"KBANK_S3_SECRET\"\n",
            s3.endpoint()
        ),
    )
    .unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_journey"));
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                c.env_remove(k);
            }
        }
        c.envs(vars.iter().copied())
            .arg("run")
            .arg(&j)
            .args([
                "--data",
                "s3://exports/kbank/",
                "--format",
                "json",
                "--config",
            ])
            .arg(&toml)
            .output()
            .unwrap()
    };
    let ok = run(&[("KBANK_S3_KEY", KEY), ("KBANK_S3_SECRET", SECRET)]);
    let here = local(&[
        "run",
        "journeys/small-business-loan.journey",
        "--data",
        "journeys/data",
        "--format",
        "json",
    ]);
    assert_eq!(numbers(&ok), numbers(&here));
    // A named variable that is not set.
    let unset = run(&[("KBANK_S3_KEY", KEY)]);
    let err = stderr(&unset);
    assert!(
        err.contains("error[J4009]") && err.contains("KBANK_S3_SECRET"),
        "{err}"
    );
    // A secret written into journey.toml is refused, whatever else is set.
    std::fs::write(&toml, "[store.options]\nsecret_access_key = \"abc\"\n").unwrap();
    let secret = run(&[("KBANK_S3_KEY", KEY), ("KBANK_S3_SECRET", SECRET)]);
    let err = stderr(&secret);
    assert!(
        err.contains("error[J4009]") && err.contains("holds a secret"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn https_reads_one_file() {
    // s3s without authentication serves objects to plain GET and HEAD requests, with ranges:
    // an HTTP file server.
    let s3 = S3::start("http", false, &["public"]);
    // Without authentication s3s takes no upload: the file goes straight into the bucket's folder.
    std::fs::copy(
        support::root().join("journeys/data/sample.parquet"),
        s3.root.join("public/sample.parquet"),
    )
    .unwrap();
    let j = "journeys/small-business-loan.journey";
    let url = format!("{}/public/sample.parquet", s3.endpoint());
    let out = journey(&s3, &["run", j, "--data", &url, "--format", "json"], None);
    let here = local(&["run", j, "--data", "journeys/data", "--format", "json"]);
    assert_eq!(numbers(&out), numbers(&here));
    // A file that is not there.
    let missing = format!("{}/public/none.parquet", s3.endpoint());
    let out = journey(&s3, &["run", j, "--data", &missing], None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[J4003]") || err.contains("error[J4010]"),
        "{err}"
    );
}

#[test]
fn every_cloud_without_credentials_is_refused_before_any_request() {
    // No request is made (so no address outside this machine is ever tried): the run stops with
    // J4009 and says which variables to set.
    let home = std::env::temp_dir().join(format!("journey-s3-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    for (spec, says) in [
        ("s3://exports/kbank/", "AWS_ACCESS_KEY_ID"),
        ("gs://exports/kbank/", "GOOGLE_SERVICE_ACCOUNT"),
        ("az://exports/kbank/", "AZURE_STORAGE_ACCOUNT_KEY"),
        (
            "abfss://exports@kbank.dfs.core.windows.net/kbank/",
            "AZURE_STORAGE_ACCOUNT_KEY",
        ),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_journey"));
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.starts_with("GOOGLE_") || k.starts_with("AZURE_") {
                c.env_remove(k);
            }
        }
        let out = c
            .env("HOME", &home)
            .current_dir(support::root())
            .args([
                "run",
                "journeys/small-business-loan.journey",
                "--data",
                spec,
            ])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{spec}: {err}");
        assert!(
            err.contains("error[J4009]: no credentials for"),
            "{spec}: {err}"
        );
        assert!(
            err.replace("\n        ", " ").contains(says),
            "{spec}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}
