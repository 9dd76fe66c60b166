//! Arbitrary bytes through parse → check → fmt → parse → check: never a panic, diagnostics with
//! valid spans, `fmt` idempotent, and formatting changes no diagnostic (docs/architecture.md,
//! "Fuzzing").

#![no_main]

use journey::diagnostics::Diagnostic;
use libfuzzer_sys::fuzz_target;

/// What a diagnostic says, without where: formatting moves text, never meaning.
fn said(ds: &[Diagnostic]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ds
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    v.sort();
    v
}

fn spans_valid(source: &str, ds: &[Diagnostic]) {
    for d in ds {
        for l in &d.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= source.len(), "{d:?}");
            assert!(
                source.is_char_boundary(l.span.start) && source.is_char_boundary(l.span.end),
                "{d:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Bytes that are not UTF-8 are J0011 before any parsing.
    let Ok(source) = journey::io::text::decode(std::path::Path::new("fuzz.journey"), data.to_vec())
    else {
        return;
    };
    let (parsed, checked) = journey::check::check_source(&source);
    spans_valid(&source, &checked.diagnostics);
    let _ = journey::diagnostics::render::render(
        &checked.diagnostics,
        "fuzz.journey",
        &source,
        journey::diagnostics::render::ErrorFormat::Human,
        false,
    );
    if parsed.has_errors() {
        return;
    }
    let once = journey::fmt::format(&parsed.file, &parsed.comments, &source);
    let again = journey::fmt::format_source(&once).expect("formatted text parses");
    assert_eq!(once, again, "fmt is not idempotent");
    let (_, rechecked) = journey::check::check_source(&once);
    spans_valid(&once, &rechecked.diagnostics);
    assert_eq!(
        said(&checked.diagnostics),
        said(&rechecked.diagnostics),
        "formatting changed the diagnostics"
    );
});
