//! The `journey` command line: one subcommand per file in this folder, each a thin layer over
//! the library's pipeline stages.

mod batch;
mod check;
mod cluster;
mod compare;
mod completions;
mod contacts;
mod diff;
mod explain;
mod explain_error;
pub mod files;
mod fmt;
mod journeys;
mod lsp;
mod out;
mod paths;
mod period;
mod progress;
mod report;
mod run;
mod sample;
mod serve;
mod test;

use crate::diagnostics::render::ErrorFormat;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "journey",
    version,
    about = "Customer journeys as code: check, format, diff, run, test, report on and explain .journey files",
    after_help = "Examples:\n  journey run journeys/small-business-loan.journey\n  journey check journeys/\n  journey fmt --check journeys/\n  journey diff main:journeys/loan.journey journeys/loan.journey\n  journey explain journeys/small-business-loan.journey\n  journey test journeys/\n  journey explain-error J1002"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Fmt(fmt::Args),
    Diff(diff::Args),
    Compare(compare::Args),
    Run(run::Args),
    Report(report::Args),
    Explain(explain::Args),
    Contacts(contacts::Args),
    Paths(paths::Args),
    Test(test::Args),
    Sample(sample::Args),
    Cluster(cluster::Args),
    Serve(serve::Args),
    Completions(completions::Args),
    Lsp(lsp::Args),
    ExplainError(explain_error::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Run(a) => run::run(a),
        Command::Report(a) => report::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Contacts(a) => contacts::run(a),
        Command::Paths(a) => paths::run(a),
        Command::Test(a) => test::run(a),
        Command::Sample(a) => sample::run(a),
        Command::Cluster(a) => cluster::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Lsp(a) => lsp::run(a),
        Command::ExplainError(a) => explain_error::run(a),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Colour for human output: only on a terminal, and never with NO_COLOR set.
pub(crate) fn stderr_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

pub(crate) fn default_error_format() -> ErrorFormat {
    ErrorFormat::Human
}

/// Run `f`, turning a panic (a bug, in journey or in a dependency reading damaged data) into a
/// coded internal error instead of a crash with a backtrace.
pub(crate) fn guard<T>(
    f: impl FnOnce() -> Result<T, crate::diagnostics::Diagnostic>,
) -> Result<T, crate::diagnostics::Diagnostic> {
    guard_any(f)
}

/// [`guard`] for any error type that a diagnostic converts into.
pub(crate) fn guard_any<T, E: From<crate::diagnostics::Diagnostic>>(
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        Err(crate::diagnostics::Diagnostic::internal(format!("a panic: {what}"))
            .help("this is a bug in journey (or in a reader of the data); please report it with the command and, if you can, the data file")
            .into())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_is_an_internal_error_not_a_backtrace() {
        let r: Result<(), _> = super::guard(|| panic!("reader fell over"));
        let d = r.unwrap_err();
        assert_eq!(d.code, "J5005");
        assert!(d.message.contains("reader fell over"), "{}", d.message);
        assert!(d.help.unwrap().contains("please report"));
    }
}
