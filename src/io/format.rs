//! The one table of data file formats: which names journey reads, as what, and how they are
//! compressed. Listing, registration and the sample writer all ask it, so a name means the same
//! everywhere.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Parquet,
    Csv,
    /// Newline-delimited JSON: one object per line.
    Json,
    /// Arrow IPC file.
    Arrow,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Parquet => "Parquet",
            Format::Csv => "CSV",
            Format::Json => "NDJSON",
            Format::Arrow => "Arrow IPC",
        })
    }
}

/// Whole-file compression of a CSV or NDJSON file (Parquet and Arrow compress inside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// Format extensions, lowercase, without the dot.
const FORMATS: &[(&str, Format)] = &[
    ("parquet", Format::Parquet),
    ("pq", Format::Parquet),
    ("csv", Format::Csv),
    ("json", Format::Json),
    ("ndjson", Format::Json),
    ("jsonl", Format::Json),
    ("arrow", Format::Arrow),
    ("ipc", Format::Arrow),
    ("feather", Format::Arrow),
];

const COMPRESSIONS: &[(&str, Compression)] = &[
    ("gz", Compression::Gzip),
    ("gzip", Compression::Gzip),
    ("bz2", Compression::Bzip2),
    ("xz", Compression::Xz),
    ("zst", Compression::Zstd),
    ("zstd", Compression::Zstd),
];

/// What a file name says about its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Data(Format, Compression),
    /// A name journey does not read as data, with the reason.
    Unknown(String),
}

/// The kind of a file from its name: the last extension (any case) names the format, after an
/// optional compression extension. Dots before them are part of the name
/// (`activities.2025-09.csv.gz` is gzip-compressed CSV).
pub fn kind(name: &str) -> Kind {
    let lower = name.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.rsplitn(3, '.').collect();
    // parts: [last, second-to-last, rest]
    if parts.len() < 2 {
        return Kind::Unknown("it has no extension".into());
    }
    let compression = COMPRESSIONS
        .iter()
        .find(|(e, _)| *e == parts[0])
        .map(|&(_, c)| c);
    if compression.is_some() {
        parts.remove(0);
        if parts.len() < 2 {
            return Kind::Unknown("it has no format extension before the compression one".into());
        }
    }
    let Some(&(_, format)) = FORMATS.iter().find(|(e, _)| *e == parts[0]) else {
        return Kind::Unknown(format!(
            "`.{}` is not a data format journey reads",
            parts[0]
        ));
    };
    let compression = compression.unwrap_or(Compression::None);
    if compression != Compression::None && matches!(format, Format::Parquet | Format::Arrow) {
        return Kind::Unknown(format!(
            "{format} files compress inside; a whole-file `.{}` around one is not read",
            lower.rsplit('.').next().unwrap_or_default()
        ));
    }
    Kind::Data(format, compression)
}

/// For help texts.
pub const KNOWN: &str = ".parquet, .csv, .json/.ndjson/.jsonl or .arrow (CSV and NDJSON also compressed: .gz, .bz2, .xz, .zst)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_dots_case_and_compression() {
        let data = |f, c| Kind::Data(f, c);
        assert_eq!(
            kind("activities.2025-09.csv"),
            data(Format::Csv, Compression::None)
        );
        assert_eq!(kind("A.CSV"), data(Format::Csv, Compression::None));
        assert_eq!(kind("b.csv.gz"), data(Format::Csv, Compression::Gzip));
        assert_eq!(
            kind("x.2025.ndjson.ZST"),
            data(Format::Json, Compression::Zstd)
        );
        assert_eq!(
            kind("part-0.parquet"),
            data(Format::Parquet, Compression::None)
        );
        assert!(matches!(kind("notes.txt"), Kind::Unknown(_)));
        assert!(matches!(kind("README"), Kind::Unknown(_)));
        assert!(matches!(kind("x.gz"), Kind::Unknown(_)));
        assert!(matches!(kind("x.parquet.gz"), Kind::Unknown(_)));
    }
}
