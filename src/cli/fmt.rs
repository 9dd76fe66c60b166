//! `journey fmt`: rewrite journey files in the canonical layout, or check that they are.

use crate::diagnostics::render::render;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Format journey files in the one canonical layout (comments are kept).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey fmt journeys/\n  journey fmt --check journeys/      # in CI: exit 1 and show the diff if a file is not formatted\n  cat loan.journey | journey fmt -   # format standard input to standard output"
)]
pub struct Args {
    /// Journey files or folders; `-` reads standard input and writes standard output.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing: show the diff and exit 1 if any file is not formatted.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let color = super::stderr_color();
    let mut failed = false;
    if args.paths.len() == 1 && args.paths[0].as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let source =
            crate::io::text::decode(std::path::Path::new("<stdin>"), bytes).map_err(|d| {
                render(
                    std::slice::from_ref(&d),
                    "",
                    "",
                    crate::diagnostics::render::ErrorFormat::Plain,
                    false,
                )
                .trim_end()
                .to_string()
            })?;
        return match crate::fmt::format_source(&source) {
            Ok(out) if args.check => {
                if out != source {
                    super::out::stdout(diff("<stdin>", &source, &out));
                    Ok(ExitCode::FAILURE)
                } else {
                    Ok(ExitCode::SUCCESS)
                }
            }
            Ok(out) => {
                super::out::stdout(&out);
                Ok(ExitCode::SUCCESS)
            }
            Err(diags) => {
                eprint!(
                    "{}",
                    render(
                        &diags,
                        "<stdin>",
                        &source,
                        super::default_error_format(),
                        color
                    )
                );
                Ok(ExitCode::FAILURE)
            }
        };
    }
    let files = super::files::journey_files(&args.paths)?;
    let mut changed = 0;
    for path in &files {
        let name = path.display().to_string();
        let source = super::files::read_text(path)?;
        match crate::fmt::format_source(&source) {
            Ok(out) if out == source => {}
            Ok(out) => {
                changed += 1;
                if args.check {
                    super::out::stdout(diff(&name, &source, &out));
                    failed = true;
                } else {
                    crate::io::atomic::write_atomic(path, out.as_bytes())?;
                }
            }
            Err(diags) => {
                eprint!(
                    "{}",
                    render(&diags, &name, &source, super::default_error_format(), color)
                );
                failed = true;
            }
        }
    }
    if args.check && changed > 0 {
        eprintln!(
            "{changed} of {} files are not formatted; run `journey fmt` on them",
            files.len()
        );
    } else if !args.check && changed > 0 {
        eprintln!("formatted {changed} of {} files", files.len());
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}
