//! Every funnel feature end to end on the bundled sample (journeys/data/sample.parquet), through
//! the whole pipeline, checked by invariants that hold whatever the data: strict order never
//! counts more than sequential, `order any` never less; an optional stage changes no required
//! stage's count; `same` never counts more; a breakdown's groups add up to the funnel; and
//! every journey is one aggregate over one scan.

use crate::support;

use journey::config::Config;
use journey::run::results::JourneyResult;
use journey::run::{self, RunOptions, Source};

fn sample() -> std::path::PathBuf {
    support::root().join("journeys/data/sample.parquet")
}

/// Run every journey of `text` over the sample.
fn run_all(text: &str, options: RunOptions) -> Vec<JourneyResult> {
    let (_, checked) = journey::check::check_source(text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let sources: Vec<Source> = checked
        .journeys
        .iter()
        .map(|j| Source { journey: j, text })
        .collect();
    let options = RunOptions {
        files: vec![sample()],
        target_partitions: 2,
        ..options
    };
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run::run(&options, &Config::default(), &sources))
        .unwrap_or_else(|d| panic!("{d:?}"))
}

fn reached(r: &JourneyResult) -> Vec<u64> {
    r.stages.iter().map(|s| s.reached).collect()
}

const STAGES: &str = r#"
  stage "Visited SMB loan campaign page" { when visited page "/campaign-pages/smb-loan-campaign" }
  stage "Requested case study" { when submitted form "loan-for-small-businesses" }
  stage "Clicked link in case study email" { when clicked link in email "smb-kbank-jumpstart-loan" }
  stage "Downloaded the case study" { when custom activity "sample-file-download" }
"#;

fn with_order(order: &str) -> String {
    format!("journey \"{order}\" {{\n  within 30 days\n  order {order}\n{STAGES}}}\n")
}

#[test]
fn strict_counts_at_most_sequential_and_any_at_least() {
    let text = ["sequential", "strict", "any"].map(with_order).join("\n");
    let r = run_all(&text, RunOptions::default());
    let (seq, strict, any) = (reached(&r[0]), reached(&r[1]), reached(&r[2]));
    assert_eq!(seq[0], strict[0]);
    assert_eq!(seq[0], any[0]);
    for k in 1..4 {
        assert!(
            strict[k] <= seq[k],
            "stage {}: {strict:?} vs {seq:?}",
            k + 1
        );
        assert!(any[k] >= seq[k], "stage {}: {any:?} vs {seq:?}", k + 1);
    }
    // On this sample strict order really differs (so the comparison above means something).
    assert!(strict[1] < seq[1], "{strict:?} vs {seq:?}");
    assert_eq!(r[1].order, "strict");
}

#[test]
fn any_order_finds_stages_listed_out_of_their_order() {
    // Lifecycle contacts use the calculator before they click the offer email.
    let stages = r#"
  stage "Read" { when visited page "/business/loans" }
  stage "Clicked the offer" { when clicked link in email where url contains "/business/loans/offer" }
  stage "Used the calculator" { when custom activity "loan-calculator" }
"#;
    let text = ["sequential", "any"]
        .map(|o| format!("journey \"{o}\" {{\n  order {o}\n{stages}}}\n"))
        .join("\n");
    let r = run_all(&text, RunOptions::default());
    let (seq, any) = (reached(&r[0]), reached(&r[1]));
    assert_eq!(seq[..2], any[..2]);
    assert!(any[2] > seq[2] * 2, "{any:?} vs {seq:?}");
}

#[test]
fn an_optional_stage_changes_no_required_stage() {
    let text = r#"
journey "With" {
  within 60 days
  stage "Read" { when visited page "/business/loans" or visited page "/campaign-pages/smb-loan-campaign" }
  stage "Calculator" {
    optional
    when custom activity "loan-calculator"
  }
  stage "Requested" { when submitted form "small-business-loan" }
}
journey "Without" {
  within 60 days
  stage "Read" { when visited page "/business/loans" or visited page "/campaign-pages/smb-loan-campaign" }
  stage "Requested" { when submitted form "small-business-loan" }
}
journey "Required" {
  within 60 days
  stage "Read" { when visited page "/business/loans" or visited page "/campaign-pages/smb-loan-campaign" }
  stage "Calculator" { when custom activity "loan-calculator" }
  stage "Requested" { when submitted form "small-business-loan" }
}
"#;
    let r = run_all(text, RunOptions::default());
    let (with, without, required) = (reached(&r[0]), reached(&r[1]), reached(&r[2]));
    assert_eq!(with[0], without[0]);
    assert_eq!(with[2], without[1], "skipping is always allowed");
    // Counted chains that include the optional stage: at most those that could.
    assert!(
        with[1] > 0 && with[1] <= required[1],
        "{with:?} vs {required:?}"
    );
    assert!(required[2] <= with[2]);
    let s = &r[0].stages;
    assert!(s[1].optional && s[1].dropped.is_none());
    assert_eq!(
        s[0].dropped,
        Some(with[0] - with[2]),
        "drop-off to the next required stage"
    );
    assert_eq!(s[2].conversion, Some(with[2] as f64 / with[0] as f64));
}

#[test]
fn same_never_counts_more_and_a_null_value_chains_nothing() {
    let text = r#"
journey "Any device" {
  within 30 days
  stage "Campaign" { when visited page "/campaign-pages/smb-loan-campaign" }
  stage "Download page" { when visited page "/campaign-assets/downloadables/download-smb-case-study" }
}
journey "One device" {
  within 30 days
  same device
  stage "Campaign" { when visited page "/campaign-pages/smb-loan-campaign" }
  stage "Download page" { when visited page "/campaign-assets/downloadables/download-smb-case-study" }
}
journey "One device, form" {
  same device
  stage "Campaign" { when visited page "/campaign-pages/smb-loan-campaign" }
  stage "Form" { when submitted form "loan-for-small-businesses" }
}
"#;
    let r = run_all(text, RunOptions::default());
    let (all, one) = (reached(&r[0]), reached(&r[1]));
    assert!(
        one[0] <= all[0] && one[1] < all[1] && one[1] > 0,
        "{one:?} vs {all:?}"
    );
    // Form submissions carry no device: no chain reaches them.
    assert_eq!(reached(&r[2])[1], 0);
}

#[test]
fn breakdown_groups_add_up_to_the_funnel() {
    let text =
        std::fs::read_to_string(support::root().join("journeys/loan-variants.journey")).unwrap();
    let r = run_all(&text, RunOptions::default());
    let b = r[0]
        .breakdown
        .as_ref()
        .expect("the journey has `by utm_source`");
    assert_eq!(b.column, "utm_source");
    let values: Vec<Option<&str>> = b.groups.iter().map(|g| g.value.as_deref()).collect();
    assert!(
        values.contains(&Some("linkedin")) && values.contains(&None),
        "{values:?}"
    );
    for k in 0..r[0].stages.len() {
        let sum: u64 = b.groups.iter().map(|g| g.stages[k].reached).sum();
        assert_eq!(sum, r[0].stages[k].reached, "stage {}", k + 1);
    }
    // CSV: the funnel's rows, then each group's, named COLUMN=VALUE.
    let csv = String::from_utf8(
        journey::report::render(&r[..1], journey::report::Format::Csv, 80).unwrap(),
    )
    .unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let stages = r[0].stages.len();
    assert_eq!(rows.len(), stages * (1 + b.groups.len()));
    assert!(rows[0].contains(",,1,"), "{}", rows[0]);
    assert!(
        rows.iter().any(|l| l.contains(",utm_source=google,")),
        "{csv}"
    );
    assert!(
        rows.iter().any(|l| l.contains(",utm_source=(none),")),
        "{csv}"
    );
    // Largest first.
    let firsts: Vec<u64> = b.groups.iter().map(|g| g.stages[0].reached).collect();
    assert!(firsts.windows(2).all(|w| w[0] >= w[1]), "{firsts:?}");

    // --by on the command line, with --top: the rest is one "other" group.
    let options = RunOptions {
        by: Some("device".into()),
        top: 2,
        ..RunOptions::default()
    };
    let kbank =
        std::fs::read_to_string(support::root().join("journeys/small-business-loan.journey"))
            .unwrap();
    let r = run_all(&kbank, options);
    let b = r[0].breakdown.as_ref().unwrap();
    assert_eq!(b.column, "device");
    assert_eq!(b.groups.len(), 3);
    assert!(b.groups[2].other_values >= 1);
    for k in 0..r[0].stages.len() {
        let sum: u64 = b.groups.iter().map(|g| g.stages[k].reached).sum();
        assert_eq!(sum, r[0].stages[k].reached, "stage {}", k + 1);
    }
}

#[test]
fn every_example_journey_is_one_aggregate_over_one_scan() {
    for name in [
        "small-business-loan.journey",
        "see-think-do-care.journey",
        "loan-variants.journey",
    ] {
        let text = std::fs::read_to_string(support::root().join("journeys").join(name)).unwrap();
        let (_, checked) = journey::check::check_source(&text);
        let rt = tokio::runtime::Runtime::new().unwrap();
        for j in &checked.journeys {
            let options = RunOptions {
                files: vec![sample()],
                target_partitions: 2,
                ..RunOptions::default()
            };
            let sql = rt.block_on(async {
                let (ctx, data) = run::open(&options, &Config::default()).await.unwrap();
                let lowered = run::plan(&ctx, &data, &Config::default(), j, &options)
                    .await
                    .unwrap();
                journey::lower::explain::sql(&lowered).unwrap()
            });
            // The SQL is laid out over lines: count its clauses in one line of it.
            let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(sql.matches("journey_funnel(").count(), 1, "{name}: {sql}");
            assert_eq!(sql.matches("FROM activities").count(), 1, "{name}: {sql}");
            assert_eq!(sql.matches("GROUP BY").count(), 1, "{name}: {sql}");
        }
    }
}

#[test]
fn journeys_run_together_give_what_each_gives_alone() {
    // Different orders, periods, windows, exclusions, optional stages, `same`, `by`, trends.
    let text = support::example_journeys();
    let clear = |mut r: JourneyResult| {
        r.computed_at.clear();
        r
    };
    let together: Vec<JourneyResult> = run_all(&text, RunOptions::default())
        .into_iter()
        .map(clear)
        .collect();
    let (_, checked) = journey::check::check_source(&text);
    assert_eq!(together.len(), checked.journeys.len());
    assert!(together.len() >= 6);
    for (j, want) in checked.journeys.iter().zip(&together) {
        let alone = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(run::run(
                &RunOptions {
                    files: vec![sample()],
                    target_partitions: 2,
                    ..RunOptions::default()
                },
                &Config::default(),
                &[Source {
                    journey: j,
                    text: &text,
                }],
            ))
            .unwrap()
            .remove(0);
        assert_eq!(&clear(alone), want, "journey \"{}\"", j.name);
    }
}
