//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod reference;
pub mod s3;

use journey::diagnostics::Diagnostic;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every journey of the bundled examples (`journeys/`), in one text.
pub fn example_journeys() -> String {
    let mut text = String::new();
    for name in [
        "small-business-loan.journey",
        "see-think-do-care.journey",
        "loan-variants.journey",
    ] {
        text += &std::fs::read_to_string(root().join("journeys").join(name)).unwrap();
        text.push('\n');
    }
    text
}

/// Fenced code blocks of a Markdown file: (info string, body, 1-based line of the fence).
pub fn code_blocks(markdown: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let info = info.trim().to_string();
        let mut body = String::new();
        for (_, l) in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        out.push((info, body, n + 1));
    }
    out
}

/// The code a `journey,error=J1001` / `journey,warning=W0001` block expects, if any.
pub fn expected_code(info: &str) -> Option<String> {
    info.split(',')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == "error" || *k == "warning")
        .map(|(_, v)| v.trim().to_string())
}

/// All diagnostics of a source text (syntax and checker).
pub fn diagnostics(source: &str) -> Vec<Diagnostic> {
    journey::check::check_source(source).1.diagnostics
}

pub fn journey_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "journey"))
        .collect();
    files.sort();
    files
}

/// Check a documentation block: clean, or raising exactly the code its tag names.
pub fn check_block(info: &str, body: &str, origin: &str) {
    let diags = diagnostics(body);
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    match expected_code(info) {
        Some(code) => assert!(
            codes.contains(&code.as_str()),
            "{origin}: expected {code}, got {codes:?}\n{body}"
        ),
        None => assert!(
            diags.is_empty(),
            "{origin}: expected no diagnostics, got {codes:?}\n{body}"
        ),
    }
}

/// A folder of the temporary directory for one test, removed when the test ends, passed or
/// failed (on drop): tests leave nothing behind.
pub struct Scratch(PathBuf);

impl Scratch {
    /// `journey-<what>-<pid>-<name>`, empty.
    pub fn new(what: &str, name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("journey-{what}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Install a folder's locked npm packages (`npm ci`) unless `installed` (a path inside it) is
/// there already: the tests that drive Node.js tools set them up themselves.
pub fn npm_ci(dir: &Path, installed: &str) {
    if dir.join(installed).exists() {
        return;
    }
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm runs (Node.js and npm are on the machine)");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

/// A command's output, which must be a success: otherwise the test fails with what it printed.
pub fn succeeds(what: &str, command: &mut std::process::Command) -> std::process::Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every journey of `source` run in process with `options` (its files, partitions, …) and the
/// default mapping: their results, or a panic naming the source and the failure.
pub fn run_in_process(
    source: &str,
    options: journey::run::RunOptions,
) -> Vec<journey::run::results::JourneyResult> {
    let (_, checked) = journey::check::check_source(source);
    assert!(!checked.has_errors(), "{source}\n{:?}", checked.diagnostics);
    let sources: Vec<journey::run::Source> = checked
        .journeys
        .iter()
        .map(|j| journey::run::Source {
            journey: j,
            text: source,
        })
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(journey::run::run(
        &options,
        &journey::config::Config::default(),
        &sources,
    ))
    .unwrap_or_else(|d| panic!("{source}\n{d:?}"))
}
