//! Which files a `--data` argument names: a file, a folder (searched recursively) or a glob.
//!
//! Every file found is either read exactly once, listed as skipped with its reason, or the
//! listing fails with a coded error naming it — nothing is left out silently:
//! - names starting with `.` or `_` (`.DS_Store`, Spark's `_SUCCESS`, `_temporary/`) are skipped,
//!   as every data-lake tool skips them, and listed;
//! - symbolic links are followed; a folder reached twice (a link back to an ancestor, or two
//!   links to one folder) is read once, and so is a file;
//! - a file journey cannot read as data (an unknown extension), a folder or file it may not
//!   read, a broken link: an error naming the path;
//! - files of several formats: an error naming one of each.

use super::format::{self, Compression, Format, Kind};
use super::store::{self, Remote, Settings};
use crate::diagnostics::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A data file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: PathBuf,
    pub format: Format,
    pub compression: Compression,
    pub size: u64,
    /// Hive partitions: the `key=value` folders between `--data` and the file, outermost first
    /// (`None` for Hive's `__HIVE_DEFAULT_PARTITION__`, a NULL).
    pub partitions: Vec<(String, Option<String>)>,
    /// For an object in a store (`path` is then its URL): its key and version.
    pub object: Option<Object>,
}

/// An object in a store, as the listing saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The object's path in the store (object_store's form).
    pub key: String,
    /// Its ETag, or else its last-modified time: what the data's fingerprint is made of.
    pub version: String,
}

/// A file or folder under `--data` that is not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Sorted by path.
    pub files: Vec<DataFile>,
    pub skipped: Vec<Skipped>,
    /// The object store the files are in; `None` for local files.
    pub remote: Option<Remote>,
}

impl Listing {
    /// "journeys/data/sample.parquet" or "3 files in exports/", for messages.
    pub fn describe(&self) -> String {
        describe(
            &self
                .files
                .iter()
                .map(|f| f.path.clone())
                .collect::<Vec<_>>(),
        )
    }
}

/// "journeys/data/sample.parquet" or "3 files in exports/".
pub fn describe(files: &[PathBuf]) -> String {
    match files {
        [one] => one.display().to_string(),
        many => {
            let dir = common_dir(many);
            format!("{} files in {}", many.len(), dir)
        }
    }
}

fn common_dir(files: &[PathBuf]) -> String {
    let Some(first) = files.first() else {
        return String::new();
    };
    if store::is_url(&first.to_string_lossy()) {
        // URLs, compared as text: a path would fold `s3://` into `s3:/`.
        let texts: Vec<String> = files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect();
        let mut common = texts[0].as_str();
        for t in &texts[1..] {
            while !t.starts_with(common) {
                common = &common[..common.len() - 1];
            }
        }
        return match common.rfind('/') {
            Some(i) => common[..=i].to_string(),
            None => common.to_string(),
        };
    }
    let mut dir = first.parent().map(Path::to_path_buf).unwrap_or_default();
    while !files.iter().all(|f| f.starts_with(&dir)) && dir.pop() {}
    let text = dir.display().to_string();
    if text.is_empty() {
        "./".into()
    } else if text.ends_with('/') {
        text
    } else {
        format!("{text}/")
    }
}

pub(super) fn is_glob(spec: &str) -> bool {
    spec.contains(['*', '?', '['])
}

impl Listing {
    /// Exactly these files (as a program names them), with the same checks as [`list`].
    pub fn of_files(paths: &[PathBuf]) -> Result<Listing, Diagnostic> {
        let mut walk = Walk::default();
        for p in paths {
            let meta = std::fs::metadata(p).map_err(|e| unreadable(p, &e.to_string()))?;
            walk.file(p, meta.len(), &[])?;
        }
        finish("the given files", walk.listing)
    }
}

/// The files `spec` names: a path, a glob, or an object store URL (`s3://…`, read with
/// `settings`, journey.toml's `[store]`).
pub fn list(spec: &str, settings: &Settings) -> Result<Listing, Diagnostic> {
    if let Some(local) = spec.strip_prefix("file://") {
        return list(local, settings);
    }
    if store::is_url(spec) {
        return store::list(spec, settings);
    }
    let mut walk = Walk::default();
    let path = Path::new(spec);
    if is_glob(spec) {
        let pattern = glob::Pattern::new(spec).map_err(|e| {
            Diagnostic::new("J4003", format!("`{spec}` is not a valid glob: {e}"))
                .help("use * for any characters of a name, ** for any folders, ? for one character")
        })?;
        let base = glob_base(spec);
        if !base.is_dir() {
            return Err(no_data(spec, &walk.listing));
        }
        walk.dir(&base, Some(&pattern), &[])?;
    } else {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk.dir(path, None, &[])?,
            Ok(m) if m.is_file() => walk.file(path, m.len(), &[])?,
            Ok(_) => return Err(unreadable(path, "it is not a regular file or folder")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(broken_link(path));
                }
                return Err(Diagnostic::new("J4003", format!("no data at `{spec}`")).help(
                    "give --data a Parquet, CSV, NDJSON or Arrow file, a folder of them, or a glob such as 'exports/*.parquet'",
                ));
            }
            Err(e) => return Err(unreadable(path, &e.to_string())),
        }
    }
    finish(spec, walk.listing)
}

pub(super) fn finish(spec: &str, mut listing: Listing) -> Result<Listing, Diagnostic> {
    if listing.files.is_empty() {
        return Err(no_data(spec, &listing));
    }
    listing.files.sort_by(|a, b| a.path.cmp(&b.path));
    listing.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let first = &listing.files[0];
    if let Some(other) = listing.files.iter().find(|f| f.format != first.format) {
        return Err(Diagnostic::new(
            "J4004",
            format!(
                "mixed data formats: {} is {} and {} is {}",
                first.path.display(),
                first.format,
                other.path.display(),
                other.format
            ),
        )
        .help("put files of one format in the folder, or select them with a glob such as 'exports/*.parquet'"));
    }
    Ok(listing)
}

/// The folder a glob is searched from: its components before the first with a wildcard.
fn glob_base(spec: &str) -> PathBuf {
    let mut base = PathBuf::new();
    for c in Path::new(spec).components() {
        if is_glob(&c.as_os_str().to_string_lossy()) {
            break;
        }
        base.push(c);
    }
    if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    }
}

fn no_data(spec: &str, listing: &Listing) -> Diagnostic {
    let mut d = Diagnostic::new("J4003", format!("no data files at `{spec}`"));
    d = match listing.skipped.as_slice() {
        [] => d.help(format!("data files end in {}", format::KNOWN)),
        skipped => d.help(format!(
            "skipped: {}; data files end in {}",
            skipped
                .iter()
                .map(|s| format!("{} ({})", s.path.display(), s.reason))
                .collect::<Vec<_>>()
                .join(", "),
            format::KNOWN
        )),
    };
    d
}

/// A file journey cannot read as data (its name says no format journey knows).
pub(super) fn not_data(path: &Path, why: &str) -> Diagnostic {
    Diagnostic::new(
        "J4004",
        format!("cannot read {} as data: {why}", path.display()),
    )
    .in_data(path, None)
    .help(format!(
        "data files end in {}; move other files out of the export, or select the data files with a glob such as 'exports/*.csv'",
        format::KNOWN
    ))
}

fn unreadable(path: &Path, why: &str) -> Diagnostic {
    Diagnostic::new("J4006", format!("cannot read {}: {why}", path.display()))
        .in_data(path, None)
        .help("make it readable by the user running journey, or leave it out of --data (select the files with a glob)")
}

fn broken_link(path: &Path) -> Diagnostic {
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_default();
    Diagnostic::new(
        "J4006",
        format!(
            "{} is a symbolic link to {target}, which does not exist",
            path.display()
        ),
    )
    .in_data(path, None)
    .help("fix or remove the link")
}

#[derive(Default)]
struct Walk {
    listing: Listing,
    /// Folders read, by their real path, and the path they were first reached by.
    dirs: HashMap<PathBuf, PathBuf>,
    /// Files read, by their real path.
    files: HashMap<PathBuf, PathBuf>,
    /// Real paths of the folders being walked (ancestors of the current one).
    ancestors: HashSet<PathBuf>,
}

impl Walk {
    fn dir(
        &mut self,
        dir: &Path,
        pattern: Option<&glob::Pattern>,
        partitions: &[(String, Option<String>)],
    ) -> Result<(), Diagnostic> {
        let real = std::fs::canonicalize(dir).map_err(|e| unreadable(dir, &e.to_string()))?;
        if self.ancestors.contains(&real) {
            self.skip(
                dir,
                "a symbolic link back to a folder that contains it (a loop)",
            );
            return Ok(());
        }
        if let Some(first) = self.dirs.get(&real) {
            let reason = format!("the same folder as {}", first.display());
            self.skip(dir, &reason);
            return Ok(());
        }
        self.dirs.insert(real.clone(), dir.to_path_buf());
        let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
            .map_err(|e| unreadable(dir, &e.to_string()))?
            .map(|e| {
                e.map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                    .map_err(|e| unreadable(dir, &e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        entries.sort();
        self.ancestors.insert(real.clone());
        for (name, path) in entries {
            if name.starts_with('.') || name.starts_with('_') {
                // Under a glob, only what the glob would otherwise have named is listed.
                if pattern.is_none_or(|p| matches_hidden(p, &path)) {
                    self.skip(&path, "hidden: its name starts with . or _");
                }
                continue;
            }
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(_) if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) => {
                    return Err(broken_link(&path))
                }
                Err(e) => return Err(unreadable(&path, &e.to_string())),
            };
            let matched = pattern.is_none_or(|p| matches(p, &path));
            if meta.is_dir() {
                let mut inner = partitions.to_vec();
                inner.extend(partition(&name));
                // A folder the glob names is read whole.
                self.dir(&path, if matched { None } else { pattern }, &inner)?;
            } else if !matched {
                continue;
            } else if meta.is_file() {
                self.file(&path, meta.len(), partitions)?;
            } else {
                return Err(unreadable(&path, "it is not a regular file"));
            }
        }
        self.ancestors.remove(&real);
        Ok(())
    }

    fn file(
        &mut self,
        path: &Path,
        size: u64,
        partitions: &[(String, Option<String>)],
    ) -> Result<(), Diagnostic> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (format, compression) = match format::kind(&name) {
            Kind::Data(f, c) => (f, c),
            Kind::Unknown(why) => return Err(not_data(path, &why)),
        };
        let real = std::fs::canonicalize(path).map_err(|e| unreadable(path, &e.to_string()))?;
        if let Some(first) = self.files.get(&real) {
            let reason = format!("the same file as {}", first.display());
            self.skip(path, &reason);
            return Ok(());
        }
        // Open it now, so a file journey may not read fails here, named, before any work.
        std::fs::File::open(path).map_err(|e| unreadable(path, &e.to_string()))?;
        self.files.insert(real, path.to_path_buf());
        self.listing.files.push(DataFile {
            path: path.to_path_buf(),
            format,
            compression,
            size,
            partitions: partitions.to_vec(),
            object: None,
        });
        Ok(())
    }

    fn skip(&mut self, path: &Path, reason: &str) {
        self.listing.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        });
    }
}

/// `matches`, for an object's key.
pub(super) fn matches_text(pattern: &glob::Pattern, key: &str) -> bool {
    matches(pattern, Path::new(key))
}

fn matches(pattern: &glob::Pattern, path: &Path) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    pattern.matches_path_with(path, options)
}

fn matches_hidden(pattern: &glob::Pattern, path: &Path) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    pattern.matches_path_with(path, options)
}

/// A Hive partition folder's key and value (`month=2025-09`): the key a column name, the value
/// percent-decoded as Hive escapes it, `__HIVE_DEFAULT_PARTITION__` a NULL.
pub(super) fn partition(folder: &str) -> Option<(String, Option<String>)> {
    let (key, value) = folder.split_once('=')?;
    let mut chars = key.chars();
    let first = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_')
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    if value == "__HIVE_DEFAULT_PARTITION__" {
        return Some((key.to_string(), None));
    }
    Some((key.to_string(), Some(percent_decoded(value))))
}

fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::partition;

    #[test]
    fn hive_partition_folders() {
        assert_eq!(
            partition("month=2025-09"),
            Some(("month".into(), Some("2025-09".into())))
        );
        assert_eq!(
            partition("site=a%2Fb%3Dc"),
            Some(("site".into(), Some("a/b=c".into())))
        );
        assert_eq!(
            partition("day=__HIVE_DEFAULT_PARTITION__"),
            Some(("day".into(), None))
        );
        assert_eq!(partition("2025-09"), None);
        assert_eq!(partition("a b=1"), None);
    }
}
