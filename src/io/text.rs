//! Reading a journey file as text: UTF-8 (a byte-order mark at the start is dropped, as editors
//! on Windows write one), or a coded error pointing at the first byte that is not.

use crate::diagnostics::Diagnostic;
use std::path::Path;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of `bytes` read from `path`.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let bytes = match bytes.strip_prefix(BOM) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count() as u64
            + 1;
        Diagnostic::new(
            "J0011",
            format!(
                "{} is not UTF-8 text: byte {at} (0x{:02x}) is not valid UTF-8",
                path.display(),
                e.as_bytes()[at]
            ),
        )
        .in_data(path, None)
        .at_line(line, Some(column))
        .help("save the file as UTF-8 (most editors offer it under \"Save with encoding\")")
    })
}

/// Read `path` as text.
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::new("J0012", format!("cannot read {}: {e}", path.display()))
            .in_data(path, None)
            .help("check that the file exists and is readable")
    })?;
    decode(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_dropped_invalid_bytes_located() {
        let p = Path::new("x.journey");
        assert_eq!(
            decode(p, b"\xEF\xBB\xBFjourney".to_vec()).unwrap(),
            "journey"
        );
        let d = decode(p, b"ab\ncd\xffe".to_vec()).unwrap_err();
        assert_eq!(d.code, "J0011");
        let l = d.location.unwrap();
        assert_eq!((l.line, l.column), (Some(2), Some(3)));
    }
}
