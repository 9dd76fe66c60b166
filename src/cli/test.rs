//! `journey test`: run the `test` blocks of journey files and report expected against actual.

use crate::config::Config;
use crate::diagnostics::render::{render, ErrorFormat};
use crate::span::line_col;
use crate::testing::{self, Outcome};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Run the tests written beside journeys: example contacts and what the journey must make of them.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey test\n  journey test journeys/small-business-loan.journey\n  journey test --update journeys/\n  journey test --error-format json journeys/ > tests.jsonl\n\nEach test's contacts are written to a small Parquet file in the temporary folder and run through\nthe same reader, lowering and engine as `journey run`, with the nearest journey.toml.\n\nExit status: 0 when every test passes (or, with --update, once the expectations are rewritten),\n1 when any fails, 2 on a syntax or check error or when there is no test to run."
)]
pub struct Args {
    /// Journey files, or folders searched recursively for *.journey files [default: .].
    paths: Vec<PathBuf>,
    /// Rewrite each failing `expect` to what the journey does now (after a change you accept),
    /// keeping the rest of the file as it is.
    #[arg(long)]
    update: bool,
    /// The project file mapping columns and activity types (default: the nearest journey.toml,
    /// from each journey's folder up to the repository root).
    #[arg(long)]
    config: Option<PathBuf>,
    /// How to print results and diagnostics (json: one object per line on standard output).
    #[arg(long, value_enum, default_value_t = super::default_error_format())]
    error_format: ErrorFormat,
}

/// Exit status 2: a usage, syntax or check error.
fn usage_error() -> ExitCode {
    ExitCode::from(2)
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match super::files::journey_files(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(usage_error());
        }
    };
    let json = args.error_format == ErrorFormat::Json;
    let color = super::stderr_color();
    // Diagnostics as `journey check` prints them: JSON lines on stdout, else on stderr.
    let emit = |ds: &[crate::diagnostics::Diagnostic], name: &str, source: &str| {
        let text = render(ds, name, source, args.error_format, color);
        if json {
            super::out::stdout(&text);
        } else {
            eprint!("{text}");
        }
    };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let (mut broken, mut total, mut failed, mut errored, mut updated) = (0, 0, 0, 0, 0);
    for path in &files {
        let name = path.display().to_string();
        let source = match super::files::read_journey(path) {
            Ok(s) => s,
            Err(d) => {
                emit(std::slice::from_ref(&d), "", "");
                broken += 1;
                continue;
            }
        };
        let (_, checked) = crate::check::check_source(&source);
        if !checked.diagnostics.is_empty() {
            emit(&checked.diagnostics, &name, &source);
        }
        if checked.has_errors() {
            broken += 1;
            continue;
        }
        if checked.tests.is_empty() {
            continue;
        }
        let config = match Config::find(args.config.as_deref(), path) {
            Ok((c, _)) => c,
            Err(d) => {
                emit(std::slice::from_ref(&d), &name, &source);
                broken += 1;
                continue;
            }
        };
        let mut failures = Vec::new();
        for t in &checked.tests {
            total += 1;
            let journey = checked
                .journeys
                .iter()
                .find(|j| j.name == t.journey)
                .expect("a checked test's journey checked");
            let outcome = super::guard(|| runtime.block_on(testing::run_test(t, journey, &config)));
            let (line, column) = line_col(&source, t.span.start);
            match outcome {
                Ok(o) => {
                    if !o.failures.is_empty() {
                        failed += 1;
                    }
                    print_outcome(&o, path, &source, (line, column), &t.journey, json);
                    failures.extend(o.failures);
                }
                Err(d) => {
                    failed += 1;
                    errored += 1;
                    print_error(&t.name, path, (line, column), json);
                    emit(std::slice::from_ref(&d), &name, &source);
                }
            }
        }
        if args.update && !failures.is_empty() {
            let text = testing::update(&source, &failures);
            if let Err(e) = crate::io::atomic::write_atomic(path, text.as_bytes()) {
                eprintln!("error[J5003]: cannot write {name}: {e}");
                broken += 1;
                continue;
            }
            updated += failures.len();
            if !json {
                eprintln!(
                    "updated {} {} in {name}",
                    failures.len(),
                    if failures.len() == 1 {
                        "expectation"
                    } else {
                        "expectations"
                    }
                );
            }
        }
    }
    let passed = total - failed;
    if json {
        super::out::stdout(format!(
            "{}\n",
            json!({ "summary": { "tests": total, "passed": passed, "failed": failed, "updated": updated, "files_with_errors": broken } })
        ));
    } else if total > 0 || broken > 0 {
        let tests = if total == 1 { "test" } else { "tests" };
        if args.update && failed > errored {
            let rewritten = failed - errored;
            eprintln!("{total} {tests}: {passed} passed, {rewritten} updated, {errored} failed");
        } else {
            eprintln!("{total} {tests}: {passed} passed, {failed} failed");
        }
    }
    if broken > 0 {
        return Ok(usage_error());
    }
    if total == 0 {
        eprintln!(
            "error: no tests in {} {}: add `test \"name\" of \"journey\" {{ … }}` blocks (docs/testing.md)",
            files.len(),
            if files.len() == 1 { "file" } else { "files" }
        );
        return Ok(usage_error());
    }
    // After --update every failed expectation has been rewritten: only a test that could not run
    // still fails.
    let rewritten = args.update && errored == 0;
    Ok(if failed == 0 || rewritten {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_outcome(
    o: &Outcome,
    path: &Path,
    source: &str,
    at: (usize, usize),
    journey: &str,
    json: bool,
) {
    let file = path.display().to_string();
    if json {
        let failures: Vec<_> = o
            .failures
            .iter()
            .map(|f| {
                let (line, column) = line_col(source, f.span.start);
                json!({
                    "line": line, "column": column, "contact": f.contact,
                    "expected": f.expected, "actual": f.actual, "details": f.details,
                    "replacement": f.replacement,
                })
            })
            .collect();
        super::out::stdout(format!(
            "{}\n",
            json!({
                "file": file, "line": at.0, "column": at.1, "journey": journey, "test": o.test,
                "passed": o.failures.is_empty(), "failures": failures,
            })
        ));
        return;
    }
    if o.failures.is_empty() {
        eprintln!("ok     {file}:{}: \"{}\"", at.0, o.test);
        return;
    }
    eprintln!("FAILED {file}:{}: \"{}\"", at.0, o.test);
    for f in &o.failures {
        let (line, _) = line_col(source, f.span.start);
        match &f.contact {
            Some(c) => eprintln!("  {file}:{line}: contact \"{c}\""),
            None => eprintln!("  {file}:{line}: counts per stage"),
        }
        eprintln!("    expected: {}", f.expected);
        eprintln!("    actual:   {}", f.actual);
        for d in &f.details {
            eprintln!("      {d}");
        }
    }
}

fn print_error(test: &str, path: &Path, at: (usize, usize), json: bool) {
    let file = path.display().to_string();
    if json {
        super::out::stdout(format!(
            "{}\n",
            json!({ "file": file, "line": at.0, "column": at.1, "test": test, "passed": false, "error": true })
        ));
    } else {
        eprintln!("FAILED {file}:{}: \"{test}\" could not run:", at.0);
    }
}
