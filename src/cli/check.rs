//! `journey check`: parse and check journey files, report every diagnostic.

use crate::diagnostics::render::{render, ErrorFormat};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check journey files for errors and warnings.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey check journeys/\n  journey check --deny-warnings journeys/loan.journey\n  journey check --error-format json journeys/ > diagnostics.jsonl\n  journey check journeys/ --data exports/ --deny-warnings\n\nWith --data, the journeys are also checked against the data, without running the funnel: every\ncolumn they read must be in it, no row may be unusable, and a stage, rule or exclusion that\nmatches no activity is a warning, with the closest values the data has.\n\nExit status: 0 when clean (warnings allowed), 1 on any error, or on warnings with --deny-warnings."
)]
pub struct Args {
    /// Journey files, or folders searched for *.journey files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// How to print diagnostics (json goes to standard output, one object per line).
    #[arg(long, value_enum, default_value_t = super::default_error_format())]
    error_format: ErrorFormat,
    /// Also check the journeys against this activity data (file, folder or glob).
    #[arg(long)]
    data: Option<String>,
    /// The project file mapping columns and activity types (default: journey.toml beside the
    /// first journey).
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let files = super::files::journey_files(&args.paths)?;
    if files.is_empty() {
        return Err("no .journey files found".into());
    }
    let color = super::stderr_color();
    let (mut errors, mut warnings, mut journeys, mut tests) = (0, 0, 0, 0);
    let emit = |text: String| {
        if args.error_format == ErrorFormat::Json {
            super::out::stdout(&text);
        } else {
            eprint!("{text}");
        }
    };
    let mut checked_files = Vec::new();
    for path in &files {
        let name = path.display().to_string();
        let source = match super::files::read_journey(path) {
            Ok(s) => s,
            Err(d) => {
                let text = render(std::slice::from_ref(&d), "", "", args.error_format, color);
                if args.error_format == ErrorFormat::Json {
                    super::out::stdout(&text);
                } else {
                    eprint!("{text}");
                }
                errors += 1;
                continue;
            }
        };
        let (parsed, checked) = crate::check::check_source(&source);
        let diags = &checked.diagnostics;
        journeys += parsed.file.journeys.len();
        tests += parsed.file.tests.len();
        errors += diags.iter().filter(|d| d.is_error()).count();
        warnings += diags.iter().filter(|d| !d.is_error()).count();
        emit(render(diags, &name, &source, args.error_format, color));
        checked_files.push((path.clone(), source, checked.journeys));
    }
    if let Some(data) = &args.data {
        if errors == 0 {
            let (e, w) = check_data(&args, data, &checked_files, &emit, color)?;
            errors += e;
            warnings += w;
        }
    }
    if args.error_format != ErrorFormat::Json {
        // Tests are named only where there are some.
        let tests = match tests {
            0 => String::new(),
            n => format!("{n} {}, ", plural(n, "test", "tests")),
        };
        eprintln!(
            "checked {} {}: {} {}, {tests}{}, {}",
            files.len(),
            plural(files.len(), "file", "files"),
            journeys,
            plural(journeys, "journey", "journeys"),
            count(errors, "error", "errors"),
            count(warnings, "warning", "warnings"),
        );
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The journeys against the data: (errors, warnings) printed.
fn check_data(
    args: &Args,
    data: &str,
    files: &[(PathBuf, String, Vec<crate::check::hir::Journey>)],
    emit: &dyn Fn(String),
    color: bool,
) -> Result<(usize, usize), String> {
    use crate::run::{RunOptions, Source};
    let format = args.error_format;
    let show = |d: &crate::diagnostics::Diagnostic, file: Option<usize>| {
        let (name, text) = match file {
            Some(f) if !d.labels.is_empty() => {
                (files[f].0.display().to_string(), files[f].1.as_str())
            }
            _ => (String::new(), ""),
        };
        emit(render(std::slice::from_ref(d), &name, text, format, color));
    };
    let Some(first) = files.first() else {
        return Ok((0, 0));
    };
    let config = match crate::config::Config::find(args.config.as_deref(), &first.0) {
        Ok((c, _)) => c,
        Err(d) => {
            show(&d, None);
            return Ok((1, 0));
        }
    };
    let listing = match super::journeys::list_data(data, &config) {
        Ok(l) => l,
        Err(d) => {
            show(&d, None);
            return Ok((1, 0));
        }
    };
    let mut sources = Vec::new();
    let mut file_of = Vec::new();
    for (f, (_, text, journeys)) in files.iter().enumerate() {
        for j in journeys {
            sources.push(Source { journey: j, text });
            file_of.push(f);
        }
    }
    let options = RunOptions {
        target_partitions: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        ..RunOptions::of(listing)
    };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let result =
        super::guard_any(|| runtime.block_on(crate::run::check_data(&options, &config, &sources)));
    match result {
        Ok(per_journey) => {
            let mut warnings = 0;
            for (i, ws) in per_journey.iter().enumerate() {
                for w in ws {
                    show(w, Some(file_of[i]));
                    warnings += 1;
                }
            }
            Ok((0, warnings))
        }
        Err(f) => {
            show(&f.diagnostic, f.journey.map(|i| file_of[i]));
            Ok((1, 0))
        }
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        _ => format!("{n} {}", plural(n, one, many)),
    }
}
