//! `journey.toml`: how the activity export's columns and type codes map onto the logical fields
//! the language talks about. Every key is optional; the defaults follow a Kentico-style export.
//!
//! ```toml
//! [columns]
//! contact = "ContactID"
//! time = "ActivityCreated"
//!
//! [activity_types]
//! form_submission = "formsubmit"
//!
//! [types]
//! Amount = "float"
//!
//! [time]
//! format = "%d.%m.%Y %H:%M:%S"
//!
//! [data]
//! missing_columns = "null"
//!
//! [store.options]
//! region = "eu-central-1"
//!
//! [store.env]
//! secret_access_key = "KBANK_S3_SECRET"
//! ```

use crate::diagnostics::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub columns: Columns,
    #[serde(default)]
    pub activity_types: ActivityTypes,
    /// Declared column types, by the export's column name: no type of these is guessed.
    #[serde(default)]
    pub types: BTreeMap<String, ColumnType>,
    #[serde(default)]
    pub time: TimeOptions,
    #[serde(default)]
    pub data: DataOptions,
    #[serde(default)]
    pub store: StoreOptions,
    #[serde(default)]
    pub run: RunSettings,
    /// Where the config came from, for messages (not part of what it says).
    #[serde(skip)]
    pub origin: Origin,
}

/// Where a config came from: a file, or the defaults and where journey looked for a file.
#[derive(Debug, Clone, Default)]
pub struct Origin(pub String);

/// Two configs that say the same are equal, wherever they came from.
impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

/// A column type a user can declare.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    #[serde(alias = "string")]
    Text,
    #[serde(alias = "integer")]
    Int,
    #[serde(alias = "double", alias = "number")]
    Float,
    #[serde(alias = "boolean")]
    Bool,
    Timestamp,
    Date,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TimeOptions {
    /// How a text time is written, in strftime notation (`%d.%m.%Y %H:%M:%S`); none: ISO-8601.
    pub format: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DataOptions {
    /// A column a journey needs that some files lack: an error (the default), or read as NULL
    /// there, with a warning saying how many files and rows.
    pub missing_columns: MissingColumns,
    /// The Hive partition key whose folders hold the rows of one date (`day=2025-09-01`,
    /// `month=2025-09`, `year=2025`): folders outside every journey's period are not read.
    pub date_partition: Option<String>,
}

/// How runs go.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RunSettings {
    /// The memory a run may hold, as `--memory-limit` takes it (`"2GiB"`).
    pub memory_limit: Option<String>,
}

/// A size: bytes, or a number with KB, MB, GB (powers of 1000) or KiB, MiB, GiB (of 1024);
/// at least 16 MiB, below which no run can work.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a size: write it as 512MiB, 2GiB or a number of bytes")
    })?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0f64.powi(4),
        other => {
            return Err(format!(
                "`{other}` is not a unit of size: use KB, MB, GB, KiB, MiB or GiB"
            ))
        }
    };
    let bytes = (number * scale) as u64;
    if bytes < 16 << 20 {
        return Err(format!(
            "`{text}` is too little memory for a run: give at least 16MiB"
        ));
    }
    Ok(bytes)
}

/// How to reach an object store (`--data s3://…`): values of the store's options that are not
/// secret, and for secrets the names of the environment variables holding them (journey.toml is
/// kept in git). The cloud's own variables (`AWS_*`, …) are read first; these win over them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreOptions {
    /// Option → value: `region = "eu-central-1"`, `endpoint = "https://minio.internal:9000"`.
    pub options: BTreeMap<String, String>,
    /// Option → environment variable: `secret_access_key = "KBANK_S3_SECRET"`.
    pub env: BTreeMap<String, String>,
    /// Ask the cloud instance's metadata service for credentials when none are set (inside the
    /// cloud only: elsewhere that address does not answer).
    pub instance_credentials: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MissingColumns {
    #[default]
    Error,
    Null,
}

/// The column holding each logical field.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    pub contact: String,
    pub activity_id: String,
    pub time: String,
    #[serde(rename = "type")]
    pub activity_type: String,
    pub url: String,
    pub channel: String,
    pub form: String,
    pub email: String,
    pub value: String,
    pub title: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            contact: "contact_id".into(),
            activity_id: "activity_id".into(),
            time: "activity_created".into(),
            activity_type: "activity_type".into(),
            url: "url".into(),
            channel: "channel".into(),
            form: "form".into(),
            email: "email".into(),
            value: "value".into(),
            title: "title".into(),
        }
    }
}

impl Columns {
    /// The column for a name used in a journey: a logical field's mapped column (with its
    /// `journey.toml` key, for messages), or the name itself for any other column.
    pub fn resolve<'a>(&'a self, name: &'a str) -> (&'a str, Option<&'static str>) {
        match name {
            "contact" => (&self.contact, Some("columns.contact")),
            "activity_id" => (&self.activity_id, Some("columns.activity_id")),
            "time" => (&self.time, Some("columns.time")),
            "type" => (&self.activity_type, Some("columns.type")),
            "url" => (&self.url, Some("columns.url")),
            "channel" => (&self.channel, Some("columns.channel")),
            "form" => (&self.form, Some("columns.form")),
            "email" => (&self.email, Some("columns.email")),
            "value" => (&self.value, Some("columns.value")),
            "title" => (&self.title, Some("columns.title")),
            other => (other, None),
        }
    }
}

/// The export's code for each built-in activity type. Custom activities use their own names.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ActivityTypes {
    pub page_visit: String,
    pub landing_page: String,
    pub form_submission: String,
    pub email_click: String,
    pub email_open: String,
    pub registration: String,
}

impl Default for ActivityTypes {
    fn default() -> Self {
        ActivityTypes {
            page_visit: "pagevisit".into(),
            landing_page: "landingpage".into(),
            form_submission: "bizformsubmit".into(),
            email_click: "emailclick".into(),
            email_open: "emailopen".into(),
            registration: "memberregistration".into(),
        }
    }
}

impl Config {
    /// `explicit` if given, else the nearest `journey.toml` from the folder of the first
    /// journey up to the repository root (the first folder holding `.git`), else the defaults.
    /// Returns the config and the file it came from.
    pub fn find(
        explicit: Option<&Path>,
        journey: &Path,
    ) -> Result<(Config, Option<PathBuf>), Diagnostic> {
        let dir = journey
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let (candidate, looked) = match explicit {
            Some(p) => (Some(p.to_path_buf()), Vec::new()),
            None => nearest(dir),
        };
        match candidate {
            None => {
                let origin = match (looked.first(), looked.last()) {
                    (Some(first), Some(last)) if first != last => format!(
                        "default names: no journey.toml in {} or its parents up to {}",
                        first.display(),
                        last.display()
                    ),
                    (Some(first), _) => {
                        format!("default names: no journey.toml in {}", first.display())
                    }
                    _ => "default names".to_string(),
                };
                Ok((
                    Config {
                        origin: Origin(origin),
                        ..Config::default()
                    },
                    None,
                ))
            }
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Diagnostic::new("J4005", format!("cannot read {}: {e}", path.display()))
                        .help("pass an existing file to --config, or remove the option to use the defaults")
                })?;
                let mut cfg = Config::parse(&text).map_err(|e| {
                    Diagnostic::new(
                        "J4005",
                        format!("{} is not a valid journey.toml: {e}", path.display()),
                    )
                    .help("see docs/data.md for the keys of [columns] and [activity_types]")
                })?;
                cfg.origin = Origin(format!("mapped by {}", path.display()));
                Ok((cfg, Some(path)))
            }
        }
    }

    /// `[run] memory_limit`, in bytes.
    pub fn memory_limit(&self) -> Result<Option<u64>, Diagnostic> {
        self.run
            .memory_limit
            .as_deref()
            .map(|t| {
                parse_size(t).map_err(|e| {
                    Diagnostic::new(
                        "J4005",
                        format!("{}: [run] memory_limit: {e}", self.origin.0),
                    )
                    .help("write it as memory_limit = \"2GiB\"")
                })
            })
            .transpose()
    }

    /// What journey tells a user about the mapping in force ("mapped by journeys/journey.toml",
    /// or where it looked for one).
    pub fn origin(&self) -> &str {
        if self.origin.0.is_empty() {
            "default names"
        } else {
            &self.origin.0
        }
    }

    /// Parse a journey.toml; errors say where ("line 3: unknown field `colour`, …").
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            match line {
                Some(l) => format!("line {l}: {}", e.message()),
                None => e.message().to_string(),
            }
        })?;
        if let Some(f) = &config.time.format {
            check_time_format(f)?;
        }
        Ok(config)
    }
}

/// A strftime time format must parse and name at least the date.
fn check_time_format(f: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    let items: Vec<Item> = StrftimeItems::new(f).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(format!(
            "[time] format `{f}` is not a valid strftime format (e.g. \"%d.%m.%Y %H:%M:%S\")"
        ));
    }
    Ok(())
}

/// The nearest `journey.toml` from `dir` up to the repository root, and the folders looked in.
fn nearest(dir: &Path) -> (Option<PathBuf>, Vec<PathBuf>) {
    let mut looked = Vec::new();
    let Ok(abs) = std::path::absolute(dir) else {
        return (None, looked);
    };
    let cwd = std::env::current_dir().ok();
    // Shown as given where possible: relative to the current folder.
    let shown = |p: &Path| -> PathBuf {
        match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
            Some(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
            Some(rel) => rel.to_path_buf(),
            None => p.to_path_buf(),
        }
    };
    for folder in abs.ancestors() {
        let candidate = folder.join("journey.toml");
        looked.push(shown(folder));
        if candidate.is_file() {
            return (Some(shown(&candidate)), looked);
        }
        if folder.join(".git").exists() {
            break;
        }
    }
    (None, looked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_journey_toml_beside_the_journey_and_prefers_an_explicit_one() {
        let dir = std::env::temp_dir().join(format!("journey-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let journey = dir.join("loan.journey");
        // None beside it: the defaults.
        let (cfg, from) = Config::find(None, &journey).unwrap();
        assert_eq!((cfg, from), (Config::default(), None));
        std::fs::write(
            dir.join("journey.toml"),
            "[columns]\ncontact = \"ContactID\"\n",
        )
        .unwrap();
        let (cfg, from) = Config::find(None, &journey).unwrap();
        assert_eq!(cfg.columns.contact, "ContactID");
        assert_eq!(
            cfg.columns.time, "activity_created",
            "unset keys keep their defaults"
        );
        assert_eq!(from, Some(dir.join("journey.toml")));
        let other = dir.join("other.toml");
        std::fs::write(
            &other,
            "[activity_types]\nform_submission = \"formsubmit\"\n",
        )
        .unwrap();
        let (cfg, _) = Config::find(Some(&other), &journey).unwrap();
        assert_eq!(cfg.columns.contact, "contact_id");
        assert_eq!(cfg.activity_types.form_submission, "formsubmit");
        let bad = Config::find(Some(&dir.join("missing.toml")), &journey).unwrap_err();
        assert_eq!(bad.code, "J4005");
        // From a folder below, the nearest journey.toml above is found, and said.
        let below = dir.join("journeys/more");
        std::fs::create_dir_all(&below).unwrap();
        let (cfg, from) = Config::find(None, &below.join("x.journey")).unwrap();
        assert_eq!(cfg.columns.contact, "ContactID");
        assert_eq!(from, Some(dir.join("journey.toml")));
        assert!(cfg.origin().contains("journey.toml"), "{}", cfg.origin());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
