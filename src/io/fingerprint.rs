//! Hashes: a quick fingerprint of the data files, to tell two results apart as "over the same
//! export" or not, and SHA-256 of a journey file.

use super::listing::DataFile;
use crate::diagnostics::Diagnostic;

/// How much of each end of a file the fingerprint reads.
const FINGERPRINT_EDGE: u64 = 64 << 10;

/// A quick fingerprint of the data, so two results can be told apart as "over the same export"
/// or not: SHA-256 over each file's name, size, first and last 64 KiB (a Parquet file ends with
/// its footer: row counts and column chunk statistics). It reads at most 128 KiB per file, so it
/// costs nothing next to the scan, even over thousands of files; it is an identity check, not a
/// proof that no byte in the middle of a large file changed. An object in a store is not read:
/// its version (ETag, which changes with any byte) stands for its contents.
pub fn fingerprint(files: &[DataFile]) -> Result<String, Diagnostic> {
    use sha2::{Digest, Sha256};
    use std::io::{Read, Seek, SeekFrom};
    let mut hash = Sha256::new();
    for f in files {
        let path = &f.path;
        if let Some(object) = &f.object {
            hash.update(object.key.as_bytes());
            hash.update([0]);
            hash.update(f.size.to_le_bytes());
            hash.update(object.version.as_bytes());
            hash.update([0]);
            continue;
        }
        let fail = |e: std::io::Error| {
            Diagnostic::new("J4006", format!("cannot read {}: {e}", path.display()))
                .in_data(path, None)
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

/// SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
