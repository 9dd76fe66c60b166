//! `journey paths` (docs/semantics.md, "What they did next") against its definition computed
//! naively from the rows: for each contact at stage N or beyond, its first activity strictly
//! after the time it reached stage N (earliest, then lowest activity id), by type and detail,
//! split by whether its deepest stage is beyond N. Random histories with ties in time.

use crate::support::Scratch;
use journey::config::Config;
use journey::run::RunOptions;
use proptest::prelude::*;
use std::collections::BTreeMap;

const JOURNEY: &str = r#"journey "P" {
  within 3 days

  stage "Pricing" { when visited page "/pricing" }
  stage "Form" { when submitted form "demo" }
  stage "Email" { when clicked link in email "e" }
}
"#;

/// (type, url, form, email) of each kind of activity; the detail the definition names it by.
const KINDS: &[(&str, &str, &str, &str, Option<&str>)] = &[
    ("pagevisit", "/pricing", "", "", Some("/pricing")),
    ("pagevisit", "/blog", "", "", Some("/blog")),
    ("bizformsubmit", "", "demo", "", Some("demo")),
    ("bizformsubmit", "", "other", "", Some("other")),
    ("emailclick", "/x", "", "e", Some("e")),
    ("emailopen", "", "", "e", Some("e")),
    ("download", "/file", "", "", None),
];

/// (contact, hour, kind)
type Row = (u8, i64, usize);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    // Few hours, so ties in time (broken by activity id) are common.
    proptest::collection::vec((0u8..6, 0i64..12, 0..KINDS.len()), 1..50)
}

type Key = (bool, Option<String>, Option<String>);

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn next_activities_follow_their_definition(rows in rows(), stage in 1usize..3) {
        let dir = Scratch::new("paths", "prop");
        let file = dir.path().join("export.csv");
        let mut csv = String::from("activity_id,contact_id,activity_created,activity_type,url,form,email\n");
        for (id, (c, h, k)) in rows.iter().enumerate() {
            let (t, url, form, email, _) = KINDS[*k];
            let time = chrono::DateTime::from_timestamp(1_759_309_200 + h * 3600, 0).unwrap();
            csv.push_str(&format!("{},{c},{},{t},{url},{form},{email}\n", id + 1, time.format("%Y-%m-%dT%H:%M:%SZ")));
        }
        std::fs::write(&file, csv).unwrap();
        let (_, checked) = journey::check::check_source(JOURNEY);
        let j = &checked.journeys[0];
        let options = RunOptions { files: vec![file], ..RunOptions::default() };
        let rt = tokio::runtime::Runtime::new().unwrap();
        let config = Config::default();
        let got = rt
            .block_on(journey::run::paths::next_activities(&options, &config, j, stage, 100))
            .unwrap();
        // The definition, from the rows and the engine's reach times.
        let reaches = rt.block_on(journey::run::contact_reaches(&options, &config, j)).unwrap();
        let mut want: BTreeMap<Key, u64> = BTreeMap::new();
        let (mut on, mut dropped, mut none) = (0u64, 0u64, [0u64; 2]);
        for (contact, r) in &reaches {
            let Some(Some(t)) = r.reach.get(stage - 1) else { continue };
            let went_on = r.reach.len() > stage;
            if went_on { on += 1 } else { dropped += 1 }
            let next = rows
                .iter()
                .enumerate()
                .filter(|(_, (c, h, _))| c.to_string() == *contact && (1_759_309_200 + h * 3600) * 1_000_000 > *t)
                .min_by_key(|(id, (_, h, _))| (*h, *id));
            match next {
                Some((_, (_, _, k))) => {
                    let (kind, _, _, _, detail) = KINDS[*k];
                    *want.entry((went_on, Some(kind.to_string()), detail.map(str::to_string))).or_default() += 1;
                }
                None => none[went_on as usize] += 1,
            }
        }
        prop_assert_eq!(got.went_on.contacts, on);
        prop_assert_eq!(got.dropped.contacts, dropped);
        prop_assert_eq!(got.went_on.no_later_activity, none[1]);
        prop_assert_eq!(got.dropped.no_later_activity, none[0]);
        prop_assert_eq!(got.went_on.other + got.dropped.other, 0, "100 is more than the kinds");
        let mut seen: BTreeMap<Key, u64> = BTreeMap::new();
        for (went_on, g) in [(true, &got.went_on), (false, &got.dropped)] {
            for n in &g.top {
                seen.insert((went_on, n.activity_type.clone(), n.detail.clone()), n.contacts);
                prop_assert_eq!(n.share, n.contacts as f64 / g.contacts as f64);
            }
            // Most contacts first.
            prop_assert!(g.top.windows(2).all(|w| w[0].contacts >= w[1].contacts));
        }
        prop_assert_eq!(seen, want);
    }
}

/// `journey paths` of the sample journey after stage 2, top 2, as JSON, with `extra` arguments.
fn paths_json(extra: &[&str]) -> serde_json::Value {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_journey"))
        .args([
            "paths",
            "journeys/small-business-loan.journey",
            "--after-stage",
            "2",
            "--top",
            "2",
            "--format",
            "json",
        ])
        .args(extra)
        .current_dir(crate::support::root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn top_keeps_the_most_common_and_counts_the_rest() {
    let p = paths_json(&[]);
    for g in ["went_on", "dropped"] {
        let g = &p[g];
        let listed: u64 = g["top"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["contacts"].as_u64().unwrap())
            .sum();
        assert_eq!(g["top"].as_array().unwrap().len(), 2);
        assert_eq!(
            listed + g["other"].as_u64().unwrap() + g["no_later_activity"].as_u64().unwrap(),
            g["contacts"].as_u64().unwrap()
        );
    }
    // --dropped: that group alone, the same as in the whole answer.
    let dropped = paths_json(&["--dropped"]);
    assert_eq!(dropped["dropped"], p["dropped"]);
    assert!(dropped.get("went_on").is_none());
    // The stage-2 contacts of the sample: those who went on and those who dropped off.
    assert_eq!(
        p["went_on"]["contacts"].as_u64().unwrap() + p["dropped"]["contacts"].as_u64().unwrap(),
        335
    );
}

/// A folder of several journey files is refused, naming it, not one of them taken.
#[test]
fn a_folder_of_journeys_is_refused() {
    for command in ["paths", "contacts", "explain"] {
        let mut args = vec![command, "journeys"];
        if command != "explain" {
            args.extend(["--data", "journeys/data/sample.parquet"]);
        }
        match command {
            "paths" => args.extend(["--after-stage", "2"]),
            "contacts" => args.extend(["--stage", "2"]),
            _ => {}
        }
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_journey"))
            .args(&args)
            .current_dir(crate::support::root())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{command}: {err}");
        assert!(
            err.contains("journeys holds") && err.contains(".journey files: name one"),
            "{command}: {err}"
        );
    }
}
