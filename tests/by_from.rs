//! `by COLUMN from stage N` / `from last stage` and `--by-from` (docs/semantics.md, "Where the
//! value comes from"), end to end on `tests/data/by-from.csv`, whose five contacts are worked
//! out by hand below: which activity of each counted chain gives the value, and who lands in
//! "(not reached)". (The engine's choice of those activities is checked against the reference
//! on random histories in tests/funnel.rs.)

use crate::support;
use journey::run::results::JourneyResult;
use journey::run::RunOptions;

const BODY: &str = r#"
  within 7 days

  stage "A" { when visited page "/a" }
  stage "B" { when visited page "/b" }
  stage "C" { when submitted form "f" }
}
"#;

/// (group, contacts per stage) of the one journey's breakdown.
fn groups(
    by: &str,
    cli: Option<(&str, Option<journey::check::hir::ByFrom>)>,
) -> Vec<(String, Vec<u64>)> {
    let source = format!("journey \"J\" {{\n  {by}\n{BODY}");
    let options = RunOptions {
        files: vec![support::root().join("tests/data/by-from.csv")],
        by: cli.map(|(c, _)| c.to_string()),
        by_from: cli.and_then(|(_, f)| f),
        ..RunOptions::default()
    };
    let results: Vec<JourneyResult> = support::run_in_process(&source, options);
    let b = results[0].breakdown.as_ref().expect("a breakdown");
    // The JSON says where the value came from (nothing for stage 1, the default).
    let from = serde_json::to_value(b).unwrap()["from"].clone();
    let want = match (by, cli) {
        (_, Some((_, Some(journey::check::hir::ByFrom::Last)))) => "last stage".into(),
        (_, Some((_, Some(journey::check::hir::ByFrom::Stage(k))))) => format!("stage {}", k + 1),
        (_, Some((_, None))) => String::new(),
        (by, None) => match by.split_once(" from ") {
            Some((_, "last stage")) => "last stage".into(),
            Some((_, "stage \"B\"")) => "stage 2".into(),
            Some((_, "stage 1")) | None => String::new(),
            Some((_, stage)) => stage.to_string(),
        },
    };
    assert_eq!(from.as_str().unwrap_or_default(), want, "{by} {cli:?}");
    let groups: Vec<(String, Vec<u64>)> = b
        .groups
        .iter()
        .map(|g| (g.label(), g.stages.iter().map(|s| s.reached).collect()))
        .collect();
    // The groups add up to the whole funnel.
    for (k, s) in results[0].stages.iter().enumerate() {
        assert_eq!(groups.iter().map(|g| g.1[k]).sum::<u64>(), s.reached);
    }
    groups
}

fn g(label: &str, reached: [u64; 3]) -> (String, Vec<u64>) {
    (label.to_string(), reached.to_vec())
}

#[test]
fn the_value_comes_from_the_stage_the_journey_names() {
    use journey::check::hir::ByFrom;
    // Stage 1 (the default): contacts 1, 2 and 4 entered from `x`, 3 and 5 from `y`.
    let from_1 = vec![g("x", [3, 3, 2]), g("y", [2, 1, 0])];
    assert_eq!(groups("by utm", None), from_1);
    assert_eq!(groups("by utm from stage 1", None), from_1);
    // Stage 2: contact 1's chain takes its later /b visit (`v`, the latest link), contact 4's
    // the second of two visits at one time (`u`, activity id 32); contact 3 never reached it.
    let from_2 = vec![
        g("u", [2, 2, 1]),
        g("v", [1, 1, 1]),
        g("w", [1, 1, 0]),
        g("(not reached)", [1, 0, 0]),
    ];
    assert_eq!(groups("by utm from stage 2", None), from_2);
    assert_eq!(groups("by utm from stage \"B\"", None), from_2);
    // Stage 3: the form carries no utm.
    let from_3 = vec![g("(none)", [2, 2, 2]), g("(not reached)", [3, 2, 0])];
    assert_eq!(groups("by utm from stage 3", None), from_3);
    // The deepest stage each reached: the form (1, 4), the /b visit (2, 5), the /a visit (3).
    let last = vec![
        g("(none)", [2, 2, 2]),
        g("u", [1, 1, 0]),
        g("w", [1, 1, 0]),
        g("y", [1, 0, 0]),
    ];
    assert_eq!(groups("by utm from last stage", None), last);
    // `--by` with `--by-from` replaces the journey's breakdown, `from` and all; `--by` alone
    // reads stage 1.
    assert_eq!(
        groups(
            "by form from stage 3",
            Some(("utm", Some(ByFrom::Stage(1))))
        ),
        from_2
    );
    assert_eq!(
        groups("by form from stage 3", Some(("utm", Some(ByFrom::Last)))),
        last
    );
    assert_eq!(groups("by utm from stage 3", Some(("utm", None))), from_1);
}
