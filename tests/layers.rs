//! The floors of the house (docs/architecture.md, "Layout"): no module imports one above it,
//! and no two import each other. Read from the `crate::…` paths of the code itself, so a new
//! import that climbs a floor fails here, not in review.

use crate::support;
use std::collections::{BTreeMap, BTreeSet};

/// What each top-level module may import (besides itself). `cli` is the top: anything.
const ALLOWED: &[(&str, &[&str])] = &[
    ("span", &[]),
    ("diagnostics", &["span"]),
    ("config", &["diagnostics"]),
    ("io", &["diagnostics", "span"]),
    ("engine", &[]),
    ("syntax", &["diagnostics", "span"]),
    ("fmt", &["syntax", "diagnostics", "span"]),
    ("check", &["syntax", "fmt", "engine", "diagnostics", "span"]),
    ("diff", &["check", "fmt", "syntax", "diagnostics", "span"]),
    ("data", &["io", "config", "diagnostics", "span"]),
    ("cluster", &["engine", "data", "io"]),
    (
        "lower",
        &[
            "check",
            "data",
            "engine",
            "syntax",
            "fmt",
            "config",
            "diagnostics",
            "span",
        ],
    ),
    (
        "run",
        &[
            "cluster",
            "lower",
            "data",
            "engine",
            "check",
            "syntax",
            "fmt",
            "config",
            "io",
            "diagnostics",
            "span",
        ],
    ),
    (
        "report",
        &[
            "run",
            "engine",
            "check",
            "syntax",
            "io",
            "diagnostics",
            "span",
        ],
    ),
    (
        "testing",
        &[
            "run",
            "engine",
            "check",
            "syntax",
            "fmt",
            "config",
            "diagnostics",
            "span",
        ],
    ),
    ("sample", &["io", "diagnostics"]),
    (
        "lsp",
        &[
            "check",
            "syntax",
            "fmt",
            "config",
            "io",
            "diagnostics",
            "span",
        ],
    ),
];

/// The `crate::x` modules the code (not the comments) of `module` names.
fn imports(module: &str) -> BTreeSet<String> {
    let root = support::root().join("src");
    let mut files = Vec::new();
    let dir = root.join(module);
    if dir.is_dir() {
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
    } else {
        files.push(root.join(format!("{module}.rs")));
    }
    let mut out = BTreeSet::new();
    for f in files {
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + 7..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != module {
                    out.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn no_import_climbs_a_floor() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (module, may) in &allowed {
        for i in imports(module) {
            if !may.contains(&i.as_str()) {
                wrong.push(format!("{module} imports {i}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that climb a floor: {wrong:?}");
    // And the table itself has no cycle: every allowed import is of a module listed before.
    let order: Vec<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    for (k, (module, may)) in ALLOWED.iter().enumerate() {
        for m in *may {
            let at = order.iter().position(|o| o == m).unwrap();
            assert!(at < k, "{module} may import {m}, which is not below it");
        }
    }
}
