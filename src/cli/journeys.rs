//! Loading journey files for the commands that run them: parse, check, report diagnostics.

use crate::check::hir;
use crate::diagnostics::render::{render, ErrorFormat};
use crate::diagnostics::Diagnostic;
use std::path::{Path, PathBuf};

pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    pub journeys: Vec<hir::Journey>,
}

/// Load and check every file; on any error print the diagnostics and return `None`.
pub fn load(paths: &[PathBuf], format: ErrorFormat) -> Result<Option<Vec<Loaded>>, String> {
    let (loaded, failed) = load_each(paths, format)?;
    Ok((failed == 0).then_some(loaded))
}

/// Load and check one journey file (`None`: it has errors, printed); a folder of several is
/// refused rather than one of them taken.
pub fn load_one(path: &Path, format: ErrorFormat) -> Result<Option<Loaded>, String> {
    let files = super::files::journey_files(&[path.to_path_buf()])?;
    if files.len() > 1 {
        return Err(format!(
            "{} holds {} .journey files: name one",
            path.display(),
            files.len()
        ));
    }
    let files = load(&files, format)?;
    Ok(files.and_then(|f| f.into_iter().next()))
}

/// Load and check every file, printing the diagnostics: the files without errors, and how many
/// had errors.
pub fn load_each(paths: &[PathBuf], format: ErrorFormat) -> Result<(Vec<Loaded>, usize), String> {
    let files = super::files::journey_files(paths)?;
    if files.is_empty() {
        return Err("no .journey files found".into());
    }
    let color = super::stderr_color();
    let mut out = Vec::new();
    let mut failed = 0;
    for path in files {
        let text = match super::files::read_journey(&path) {
            Ok(t) => t,
            Err(d) => {
                eprint!(
                    "{}",
                    render(std::slice::from_ref(&d), "", "", format, color)
                );
                failed += 1;
                continue;
            }
        };
        let (_, checked) = crate::check::check_source(&text);
        let name = path.display().to_string();
        if !checked.diagnostics.is_empty() {
            eprint!(
                "{}",
                render(&checked.diagnostics, &name, &text, format, color)
            );
        }
        if checked.has_errors() {
            failed += 1;
            continue;
        }
        out.push(Loaded {
            path,
            text,
            journeys: checked.journeys,
        });
    }
    Ok((out, failed))
}

/// The journey a one-journey command (`contacts`, `paths`) works on: the file's only one, or the
/// one named with `--journey`.
pub fn pick<'a>(f: &'a Loaded, name: Option<&str>) -> Result<&'a hir::Journey, String> {
    match (name, f.journeys.as_slice()) {
        (None, [one]) => Ok(one),
        (None, _) => Err("the file holds several journeys: choose one with --journey NAME".into()),
        (Some(n), all) => all
            .iter()
            .find(|j| j.name == n)
            .ok_or_else(|| format!("no journey named \"{n}\" in {}", f.path.display())),
    }
}

/// The mapping (`--config`, else the nearest journey.toml) and the data (`--data`, else the
/// data/ folder beside the journey) of a one-journey command.
pub fn config_and_data(
    config: Option<&Path>,
    data: Option<&str>,
    journey: &Path,
) -> Result<(crate::config::Config, crate::io::listing::Listing), Diagnostic> {
    let (config, _) = crate::config::Config::find(config, journey)?;
    let listing = list_data(&data_path(data, journey)?, &config)?;
    Ok((config, listing))
}

/// Print a diagnostic from running a journey (pointing into its file when it has labels).
pub fn report(d: &Diagnostic, file: Option<&Loaded>, format: ErrorFormat) {
    let color = super::stderr_color();
    let (name, text) = match file {
        Some(f) if !d.labels.is_empty() => (f.path.display().to_string(), f.text.as_str()),
        _ => (String::new(), ""),
    };
    eprint!(
        "{}",
        render(std::slice::from_ref(d), &name, text, format, color)
    );
}

/// `--data`, or the `data/` folder beside the first journey (the bundled sample).
/// The files `--data` names, with journey.toml's store settings for a URL.
pub fn list_data(
    spec: &str,
    config: &crate::config::Config,
) -> Result<crate::io::listing::Listing, Diagnostic> {
    let settings = crate::io::store::Settings {
        options: config.store.options.clone(),
        env: config.store.env.clone(),
        instance_credentials: config.store.instance_credentials,
        origin: config
            .origin
            .0
            .strip_prefix("mapped by ")
            .unwrap_or("journey.toml")
            .to_string(),
    };
    crate::io::listing::list(spec, &settings)
}

pub fn data_path(explicit: Option<&str>, first_journey: &Path) -> Result<String, Diagnostic> {
    if let Some(d) = explicit {
        return Ok(d.to_string());
    }
    let dir = first_journey
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let data = dir.join("data");
    if data.is_dir() {
        return Ok(data.display().to_string());
    }
    Err(Diagnostic::new(
        "J4003",
        "no data: --data is not given and there is no data/ folder beside the journey",
    )
    .help("pass --data with a Parquet, CSV, NDJSON or Arrow file, a folder of them, or a glob"))
}
