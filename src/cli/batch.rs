//! `journey run JOURNEYS --output-dir DIR`: a nightly batch. One result per journey, as JSON and
//! Parquet, named by its file and journey (`FILE--JOURNEY.json`), and a summary of every
//! journey and stage (`summary.csv`, `summary.parquet`), each file written atomically, all from
//! one scan. A journey file with errors, or a journey the data cannot run, does not stop the
//! others: it is reported, and the exit status says something failed.

use super::journeys::{self, Loaded};
use crate::report::{self, Format};
use crate::run;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

/// With `fail_under_kpi`, exit 1 when a stage of a journey written misses its KPI.
pub fn run(
    args: &super::run::Common,
    dir: &Path,
    fail_under_kpi: bool,
) -> Result<ExitCode, String> {
    let (files, failed_files) = journeys::load_each(&args.journeys, args.error_format)?;
    let fail = |d: crate::diagnostics::Diagnostic, f: Option<&Loaded>| {
        journeys::report(&d, f, args.error_format);
        Ok(ExitCode::FAILURE)
    };
    let Some(first) = files.first() else {
        eprintln!("error: no journey file checked clean; nothing to run");
        return Ok(ExitCode::FAILURE);
    };
    let (config, options) = match super::run::setup(args, &first.path) {
        Ok(x) => x,
        Err(d) => return fail(d, None),
    };
    let runtime = super::run::runtime(args)?;
    let (progress, bar) = super::progress::start(args.progress).unzip();
    let options = crate::run::RunOptions {
        progress,
        ..options
    };
    let (sources, file_of) = super::run::sources(&files);
    let batch =
        match super::guard_any(|| runtime.block_on(run::run_each(&options, &config, &sources))) {
            Ok(b) => b,
            Err(f) => {
                drop(bar);
                return fail(f.diagnostic, f.journey.map(|i| file_of[i]));
            }
        };
    drop(bar);
    for f in &batch.failures {
        journeys::report(
            &f.diagnostic,
            f.journey.map(|i| file_of[i]),
            args.error_format,
        );
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        return fail(
            crate::diagnostics::Diagnostic::new(
                "J5003",
                format!("cannot create {}: {e}", dir.display()),
            )
            .help("write to a folder you can create"),
            None,
        );
    }
    let mut names = BTreeSet::new();
    let mut written = Vec::new();
    let mut all = Vec::new();
    for (i, r) in batch.results.into_iter().enumerate() {
        let Some(r) = r else { continue };
        let name = unique(&mut names, &stem(&file_of[i].path, &r.journey));
        for (format, ext) in [(Format::Json, "json"), (Format::Parquet, "parquet")] {
            let path = dir.join(format!("{name}.{ext}"));
            if let Err(d) = write(&path, std::slice::from_ref(&r), format) {
                return fail(d, None);
            }
            written.push(path);
        }
        all.push(r);
    }
    if !all.is_empty() {
        for (format, file) in [
            (Format::Csv, "summary.csv"),
            (Format::Parquet, "summary.parquet"),
        ] {
            let path = dir.join(file);
            if let Err(d) = write(&path, &all, format) {
                return fail(d, None);
            }
            written.push(path);
        }
    }
    let failed = failed_files + batch.failures.len();
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut failures = Vec::new();
    if !batch.failures.is_empty() {
        failures.push(count(batch.failures.len(), "journey", "journeys"));
    }
    if failed_files > 0 {
        failures.push(count(failed_files, "journey file", "journey files"));
    }
    eprintln!(
        "wrote the results of {} to {}{}",
        count(all.len(), "journey", "journeys"),
        dir.display(),
        if failures.is_empty() {
            String::new()
        } else {
            format!("; failed (above): {}", failures.join(", "))
        }
    );
    let missed = match fail_under_kpi {
        true => super::run::kpi_gate(&all),
        false => None,
    };
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        missed.unwrap_or(ExitCode::SUCCESS)
    })
}

fn write(
    path: &Path,
    results: &[crate::run::results::JourneyResult],
    format: Format,
) -> Result<(), crate::diagnostics::Diagnostic> {
    let bytes = report::render(results, format, 80)?;
    crate::io::atomic::write_atomic(path, &bytes).map_err(|e| {
        crate::diagnostics::Diagnostic::new("J5003", e)
            .help("write to an existing, writable folder")
    })
}

/// A result's file name: its journey file's stem and the journey's name, each as a slug.
fn stem(file: &Path, journey: &str) -> String {
    let file = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{}--{}", slug(&file), slug(journey))
}

/// Lowercase letters and digits, every run of anything else one `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "journey".into()
    } else {
        out
    }
}

/// `name`, or `name-2`, `name-3`… when taken.
fn unique(taken: &mut BTreeSet<String>, name: &str) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{name}-{n}");
    }
    taken.insert(candidate.clone());
    candidate
}
