//! Activity data in: a Parquet, CSV, NDJSON or Arrow IPC file, a folder of them, or a glob,
//! registered as one DataFusion table.

use super::one_line as first_line;
use crate::diagnostics::Diagnostic;
use datafusion::datasource::file_format::options::{ArrowReadOptions, ReadOptions};
use datafusion::datasource::listing::{ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::prelude::{CsvReadOptions, JsonReadOptions, ParquetReadOptions, SessionContext};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const TABLE: &str = "activities";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    Json,
    Arrow,
}

impl Format {
    fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.trim_end_matches(".gz").trim_end_matches(".zst");
        if name.ends_with(".parquet") || name.ends_with(".pq") {
            Some(Format::Parquet)
        } else if name.ends_with(".csv") {
            Some(Format::Csv)
        } else if name.ends_with(".json") || name.ends_with(".ndjson") || name.ends_with(".jsonl") {
            Some(Format::Json)
        } else if name.ends_with(".arrow") || name.ends_with(".ipc") || name.ends_with(".feather") {
            Some(Format::Arrow)
        } else {
            None
        }
    }

    fn extension(self, path: &Path) -> String {
        // The extension as the files have it, so a folder of `.jsonl` files is read as such.
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        match name.find('.') {
            Some(i) => name[i..].to_string(),
            None => match self {
                Format::Parquet => ".parquet".into(),
                Format::Csv => ".csv".into(),
                Format::Json => ".json".into(),
                Format::Arrow => ".arrow".into(),
            },
        }
    }
}

/// The data files a `--data` argument names (a file, a folder or a glob), sorted.
pub fn files(spec: &str) -> Result<Vec<PathBuf>, Diagnostic> {
    let path = Path::new(spec);
    let found: Vec<PathBuf> = if spec.contains(['*', '?', '[']) {
        glob_files(spec)
    } else if path.is_dir() {
        let mut v = Vec::new();
        walk(path, &mut v);
        v
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        return Err(Diagnostic::new("J4003", format!("no data at `{spec}`"))
            .help("give --data a Parquet, CSV, NDJSON or Arrow file, a folder of them, or a glob such as 'exports/*.parquet'"));
    };
    let mut found: Vec<PathBuf> = found
        .into_iter()
        .filter(|p| Format::of(p).is_some())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(
            Diagnostic::new("J4003", format!("no data files at `{spec}`"))
                .help("data files end in .parquet, .csv, .json/.ndjson/.jsonl or .arrow"),
        );
    }
    Ok(found)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// Files matching a glob with `*` and `?` in its last component (and `**/` for any depth).
fn glob_files(spec: &str) -> Vec<PathBuf> {
    let path = Path::new(spec);
    let pattern = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let recursive = base.ends_with("**");
    if recursive {
        base.pop();
    }
    if base.as_os_str().is_empty() {
        base = PathBuf::from(".");
    }
    let mut candidates = Vec::new();
    if recursive {
        walk(&base, &mut candidates);
    } else if let Ok(entries) = std::fs::read_dir(&base) {
        candidates.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    candidates
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| wildcard(&pattern, &n.to_string_lossy()))
        })
        .collect()
}

fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Classic two-pointer match with backtracking on `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

/// Register the files as the table [`TABLE`]. All files must have one format.
pub async fn register(ctx: &SessionContext, files: &[PathBuf]) -> Result<(), Diagnostic> {
    let format = Format::of(&files[0]).expect("filtered by format");
    if let Some(other) = files.iter().find(|f| Format::of(f) != Some(format)) {
        return Err(Diagnostic::new(
            "J4004",
            format!("mixed data formats: {} and {}", files[0].display(), other.display()),
        )
        .help("put files of one format in the folder, or select them with a glob such as 'exports/*.parquet'"));
    }
    if format == Format::Parquet {
        for f in files {
            check_parquet_footer(f)?;
        }
    }
    let ext = format.extension(&files[0]);
    let read_err = |e: datafusion::error::DataFusionError| {
        Diagnostic::new(
            "J5001",
            format!(
                "cannot read the data ({}): {}",
                describe(files),
                first_line(&e.to_string())
            ),
        )
        .help("check that the files are complete and of the format their extension says")
    };
    let (config, table_options) = (ctx.copied_config(), ctx.copied_table_options());
    let options = match format {
        Format::Parquet => ParquetReadOptions::default()
            .file_extension(&ext)
            .to_listing_options(&config, table_options),
        Format::Csv => CsvReadOptions::new()
            .has_header(true)
            .file_extension(&ext)
            .to_listing_options(&config, table_options),
        Format::Json => JsonReadOptions::default()
            .file_extension(&ext)
            .to_listing_options(&config, table_options),
        Format::Arrow => ArrowReadOptions {
            file_extension: &ext,
            ..Default::default()
        }
        .to_listing_options(&config, table_options),
    };
    let urls = files
        .iter()
        .map(|f| ListingTableUrl::parse(f.to_string_lossy()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err)?;
    let table_config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .infer_schema(&ctx.state())
        .await
        .map_err(read_err)?;
    let table = ListingTable::try_new(table_config).map_err(read_err)?;
    ctx.register_table(TABLE, Arc::new(table))
        .map_err(read_err)?;
    Ok(())
}

/// A Parquet file ends in its metadata length and `PAR1`; readers trust that length, so check
/// it first and call a damaged file damaged instead of letting a reader fail on it.
fn check_parquet_footer(path: &Path) -> Result<(), Diagnostic> {
    use std::io::{Read, Seek, SeekFrom};
    let damaged = |why: &str| {
        Diagnostic::new(
            "J5001",
            format!("{} is not a readable Parquet file: {why}", path.display()),
        )
        .help("export the file again; a Parquet file ends with its metadata and the bytes PAR1")
    };
    let mut f = std::fs::File::open(path).map_err(|e| damaged(&e.to_string()))?;
    let len = f.metadata().map_err(|e| damaged(&e.to_string()))?.len();
    if len < 12 {
        return Err(damaged("too short"));
    }
    let mut head = [0u8; 4];
    let mut tail = [0u8; 8];
    f.read_exact(&mut head)
        .map_err(|e| damaged(&e.to_string()))?;
    f.seek(SeekFrom::End(-8))
        .map_err(|e| damaged(&e.to_string()))?;
    f.read_exact(&mut tail)
        .map_err(|e| damaged(&e.to_string()))?;
    if &head != b"PAR1" || &tail[4..] != b"PAR1" {
        return Err(damaged("it does not start and end with PAR1"));
    }
    let meta = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as u64;
    if meta + 12 > len {
        return Err(damaged(
            "its footer says its metadata is longer than the file (truncated?)",
        ));
    }
    Ok(())
}

/// "journeys/data/sample.parquet" or "3 files in exports/".
pub fn describe(files: &[PathBuf]) -> String {
    match files {
        [one] => one.display().to_string(),
        many => {
            let dir = many[0]
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            format!("{} files in {}/", many.len(), dir)
        }
    }
}

/// How much of each end of a file the fingerprint reads.
const FINGERPRINT_EDGE: u64 = 64 << 10;

/// A quick fingerprint of the data, so two results can be told apart as "over the same export"
/// or not: SHA-256 over each file's name, size, first and last 64 KiB (a Parquet file ends with
/// its footer: row counts and column chunk statistics). It reads at most 128 KiB per file, so it
/// costs nothing next to the scan, even over thousands of files; it is an identity check, not a
/// proof that no byte in the middle of a large file changed.
pub fn fingerprint(files: &[PathBuf]) -> Result<String, Diagnostic> {
    use sha2::{Digest, Sha256};
    use std::io::{Read, Seek, SeekFrom};
    let mut hash = Sha256::new();
    for path in files {
        let fail = |e: std::io::Error| {
            Diagnostic::new("J5001", format!("cannot read {}: {e}", path.display()))
                .help("check that the file exists and is readable")
        };
        let mut file = std::fs::File::open(path).map_err(fail)?;
        let len = file.metadata().map_err(fail)?.len();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(len.to_le_bytes());
        let mut head = Vec::new();
        (&mut file)
            .take(FINGERPRINT_EDGE)
            .read_to_end(&mut head)
            .map_err(fail)?;
        hash.update(&head);
        if len > FINGERPRINT_EDGE {
            let from = len.saturating_sub(FINGERPRINT_EDGE).max(FINGERPRINT_EDGE);
            file.seek(SeekFrom::Start(from)).map_err(fail)?;
            let mut tail = Vec::new();
            file.take(FINGERPRINT_EDGE)
                .read_to_end(&mut tail)
                .map_err(fail)?;
            hash.update(&tail);
        }
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
