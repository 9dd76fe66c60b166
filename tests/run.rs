//! `journey run` end to end on data small enough to work out by hand (tests/data/visits.csv,
//! explained contact by contact in tests/data/journeys/visit.journey's comments and below), and
//! the engine's invariants: same results with 1, 2 and 8 partitions, with the data split across
//! files and formats, and through the printed SQL.

use crate::support;

use journey::config::Config;
use journey::run::results::JourneyResult;
use journey::run::{self, RunOptions, Source};
use std::path::PathBuf;

fn journey(name: &str) -> (String, journey::check::hir::Journey) {
    let path = support::root().join("tests/data/journeys").join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let (_, checked) = journey::check::check_source(&text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let j = checked.journeys.into_iter().next().unwrap();
    (text, j)
}

/// Run the (first) journey of `journey_text` over `files`.
fn run_with(
    journey_text: &str,
    files: Vec<PathBuf>,
    partitions: usize,
    config: &Config,
) -> JourneyResult {
    let options = RunOptions {
        files,
        target_partitions: partitions,
        ..RunOptions::default()
    };
    run_options(journey_text, &options, config)
}

/// Run the (first) journey of `journey_text` with `options`.
fn run_options(journey_text: &str, options: &RunOptions, config: &Config) -> JourneyResult {
    let (_, checked) = journey::check::check_source(journey_text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let source = Source {
        journey: &checked.journeys[0],
        text: journey_text,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut r = rt
        .block_on(run::run(options, config, &[source]))
        .unwrap_or_else(|d| panic!("{d:?}"));
    r.remove(0)
}

fn run_on(files: Vec<PathBuf>, partitions: usize) -> JourneyResult {
    let (text, _) = journey("visit.journey");
    run_with(&text, files, partitions, &Config::default())
}

fn data(name: &str) -> PathBuf {
    support::root().join("tests/data").join(name)
}

#[test]
fn hand_computed_funnel() {
    // Contacts: 1 full funnel; 2 pricing (landing page) + form; 3 pricing; 4 form *before*
    // pricing; 5 form 8 days after pricing (outside the 7-day window) but again 2 days after a
    // second pricing visit; 6 sign-up 2 days after the form (outside the 1-day stage window);
    // 7 another page only.
    let r = run_on(vec![data("visits.csv")], 2);
    assert_eq!(r.contacts_in_scope, 7);
    assert_eq!(r.rows_in_scope, 16);
    let reached: Vec<u64> = r.stages.iter().map(|s| s.reached).collect();
    assert_eq!(reached, vec![6, 4, 1]);
    let conv: Vec<f64> = r.stages.iter().map(|s| s.conversion.unwrap()).collect();
    assert_eq!(conv, vec![6.0 / 7.0, 4.0 / 6.0, 1.0 / 4.0]);
    assert_eq!(r.stages[0].dropped, Some(2));
    assert_eq!(r.stages[1].dropped, Some(3));
    assert_eq!(r.stages[2].dropped, None);
    assert_eq!(r.stages[0].kpi_progress, Some(1.5));
    assert_eq!(r.stages[1].kpi_progress, Some(2.0));
    // Stage 2 from stage 1: 1 h (contact 1), 24 h (2), 48 h (5, from its second visit), 2 h (6).
    let t = r.stages[1].time_to_convert.from_previous.as_ref().unwrap();
    assert_eq!(t.count, 4);
    assert_eq!(
        t.median_seconds, 7200.0,
        "nearest rank 2 of [1, 2, 24, 48] hours"
    );
    assert_eq!(t.p90_seconds, 172_800.0);
    assert_eq!(t.mean_seconds, 67_500.0);
    let t3 = r.stages[2].time_to_convert.from_first.as_ref().unwrap();
    assert_eq!(t3.median_seconds, 7200.0);
    assert!(r.stages[0].time_to_convert.from_previous.is_none());
}

#[test]
fn partitions_files_and_formats_do_not_change_results() {
    let base = run_on(vec![data("visits.csv")], 1);
    let strip = |mut r: JourneyResult| {
        r.computed_at.clear();
        r.data.clear();
        r.data_fingerprint.clear();
        r
    };
    let base = strip(base);
    for p in [2, 8] {
        assert_eq!(
            strip(run_on(vec![data("visits.csv")], p)),
            base,
            "{p} partitions"
        );
    }
    // The same rows split over several files, in a shuffled order, and as Parquet and NDJSON.
    let dir = tempdir();
    let text = std::fs::read_to_string(data("visits.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let mut files = Vec::new();
    for (i, chunk) in lines.chunks(3).enumerate() {
        let f = dir.join(format!("part-{i}.csv"));
        std::fs::write(&f, format!("{header}\n{}\n", chunk.join("\n"))).unwrap();
        files.push(f);
    }
    assert_eq!(strip(run_on(files.clone(), 2)), base, "split CSV files");
    let ctx = journey::run::session(1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let batches = rt.block_on(async {
        ctx.read_csv(data("visits.csv").to_str().unwrap(), Default::default())
            .await
            .unwrap()
            .collect()
            .await
            .unwrap()
    });
    let batch = datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    for ext in ["parquet", "json", "arrow"] {
        let f = dir.join(format!("visits.{ext}"));
        journey::sample::write(&f, &batch).unwrap();
        assert_eq!(strip(run_on(vec![f], 2)), base, "{ext}");
    }
}

#[test]
fn the_printed_sql_gives_the_same_results_as_the_plan() {
    let (_, j) = journey("visit.journey");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let options = RunOptions {
            files: vec![data("visits.csv")],
            target_partitions: 2,
            ..RunOptions::default()
        };
        let (ctx, data) = run::open(&options, &Config::default()).await.unwrap();
        let lowered = run::plan(&ctx, &data, &Config::default(), &j, &options)
            .await
            .unwrap();
        let sql = journey::lower::explain::sql(&lowered).unwrap();
        assert!(sql.contains("journey_funnel("), "{sql}");
        let from_plan = ctx
            .execute_logical_plan(lowered.funnel.clone())
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        ctx.register_udaf(lowered.udaf.udaf());
        let from_sql = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        let mut a = journey::engine::udaf::reaches(&from_plan);
        let mut b = journey::engine::udaf::reaches(&from_sql);
        a.sort_by(|x, y| x.reach.cmp(&y.reach));
        b.sort_by(|x, y| x.reach.cmp(&y.reach));
        assert_eq!(a, b);
        assert_eq!(a.len(), 6);
    });
}

fn tempdir() -> crate::support::Scratch {
    crate::support::Scratch::new("test", &rand_suffix().to_string())
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Run a journey given as text over a CSV given as text.
fn run_text(journey_text: &str, csv: &str) -> JourneyResult {
    let dir = tempdir();
    let f = dir.join("data.csv");
    std::fs::write(&f, csv).unwrap();
    run_with(journey_text, vec![f], 2, &Config::default())
}

#[test]
fn epoch_times_and_string_contact_ids_give_the_same_funnel() {
    let base = run_on(vec![data("visits.csv")], 2);
    let text = std::fs::read_to_string(data("visits.csv")).unwrap();
    let journey_text =
        std::fs::read_to_string(support::root().join("tests/data/journeys/visit.journey")).unwrap();
    for (unit, scale) in [("seconds", 1), ("millis", 1_000)] {
        let mut csv = String::new();
        for (i, line) in text.lines().enumerate() {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            if i > 0 {
                let t = journey::syntax::parse_time_point(cells[2].trim_end_matches('Z')).unwrap()
                    / 1_000_000;
                cells[2] = (t * scale).to_string();
                cells[1] = format!("contact-{}", cells[1]);
            }
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        let r = run_text(&journey_text, &csv);
        assert_eq!(r.contacts_in_scope, base.contacts_in_scope, "{unit}");
        for (a, b) in r.stages.iter().zip(&base.stages) {
            assert_eq!(
                (a.reached, &a.time_to_convert),
                (b.reached, &b.time_to_convert),
                "{unit}"
            );
        }
    }
}

#[test]
fn null_values_match_only_not_equal_and_is_null() {
    let csv = "activity_id,contact_id,activity_created,activity_type,url,channel\n\
               1,1,2025-09-01T10:00:00Z,pagevisit,/a,web\n\
               2,2,2025-09-01T10:00:00Z,pagevisit,/a,\n\
               3,3,2025-09-01T10:00:00Z,pagevisit,/a,app\n";
    let count = |cond: &str| {
        let j = format!(
            "journey \"J\" {{\n  stage \"A\" {{ when visited page \"/a\" where {cond} }}\n}}\n"
        );
        run_text(&j, csv).stages[0].reached
    };
    assert_eq!(count("channel = \"web\""), 1);
    assert_eq!(
        count("channel != \"web\""),
        2,
        "NULL differs from every value"
    );
    assert_eq!(count("channel is null"), 1);
    assert_eq!(count("channel is not null"), 2);
    assert_eq!(count("channel in [\"web\", \"app\"]"), 2);
    assert_eq!(count("channel contains \"e\""), 1);
    assert_eq!(
        count("channel starts with \"a\" or channel ends with \"b\""),
        2
    );
    assert_eq!(count("channel matches \"^(web|app)$\""), 2);
}

#[test]
fn period_limits_scope_and_activities() {
    let csv = "activity_id,contact_id,activity_created,activity_type,url\n\
               1,1,2025-08-31T23:59:59Z,pagevisit,/a\n\
               2,1,2025-09-01T00:00:00Z,pagevisit,/b\n\
               3,2,2025-09-30T23:59:59Z,pagevisit,/a\n\
               4,3,2025-10-01T00:00:00Z,pagevisit,/a\n";
    let j = "journey \"J\" {\n  period 2025-09-01 .. 2025-10-01\n\n  stage \"A\" { when visited page \"/a\" }\n}\n";
    let r = run_text(j, csv);
    // from <= time < to: contact 1's /a is before, contact 3's at `to` is outside.
    assert_eq!(r.contacts_in_scope, 2);
    assert_eq!(r.rows_in_scope, 2);
    assert_eq!(r.stages[0].reached, 1);
}

#[test]
fn parquet_output_round_trips_and_is_written_atomically() {
    let dir = tempdir();
    let out = dir.join("result.parquet");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_journey"))
        .args([
            "run",
            "tests/data/journeys/visit.journey",
            "--data",
            "tests/data/visits.csv",
            "--format",
            "parquet",
            "--output",
        ])
        .arg(&out)
        .current_dir(support::root())
        .status()
        .unwrap();
    assert!(status.success());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the result, no temporary file: {leftovers:?}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let batches = rt.block_on(async {
        let ctx = journey::run::session(1);
        ctx.read_parquet(out.to_str().unwrap(), Default::default())
            .await
            .unwrap()
            .collect()
            .await
            .unwrap()
    });
    use datafusion::arrow::array::AsArray;
    let reached: Vec<u64> = batches
        .iter()
        .flat_map(|b| {
            b.column_by_name("reached")
                .unwrap()
                .as_primitive::<datafusion::arrow::datatypes::UInt64Type>()
                .values()
                .to_vec()
        })
        .collect();
    assert_eq!(reached, vec![6, 4, 1]);
}

#[test]
fn contact_lists_agree_with_the_funnel() {
    let (text, j) = journey("visit.journey");
    let options = RunOptions {
        files: vec![data("visits.csv")],
        target_partitions: 2,
        ..RunOptions::default()
    };
    let result = run_options(&text, &options, &Config::default());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let all = rt
        .block_on(run::contact_reaches(&options, &Config::default(), &j))
        .unwrap();
    use journey::report::contacts::select;
    for s in &result.stages {
        let reached = select(all.clone(), s.number, false, &[false; 3]);
        assert_eq!(reached.len() as u64, s.reached, "stage {}", s.number);
        if let Some(d) = s.dropped {
            assert_eq!(
                select(all.clone(), s.number, true, &[false; 3]).len() as u64,
                d,
                "dropped after {}",
                s.number
            );
        }
    }
    let dropped = select(all, 2, true, &[false; 3]);
    let ids: Vec<&str> = dropped.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(ids, vec!["2", "5", "6"]);
}

#[test]
fn weekly_trend_buckets_by_the_chain_start() {
    let text =
        std::fs::read_to_string(support::root().join("tests/data/journeys/visit.journey")).unwrap();
    let weekly = text.replace("  within 7 days\n", "  within 7 days\n  trend weekly\n");
    let csv = std::fs::read_to_string(data("visits.csv")).unwrap();
    let r = run_text(&weekly, &csv);
    let t = r.trend.expect("a trend");
    assert_eq!(t.unit, "weekly");
    let rows: Vec<(&str, Vec<u64>)> = t
        .buckets
        .iter()
        .map(|b| (b.start.as_str(), b.reached.clone()))
        .collect();
    // Chains start 1, 2, 2, 1, 10 and 5 September (contacts 1-6); weeks start on Monday 1 and 8.
    assert_eq!(
        rows,
        vec![("2025-09-01", vec![5, 3, 1]), ("2025-09-08", vec![1, 1, 0])]
    );
    assert_eq!(
        t.buckets[0].conversion,
        vec![None, Some(3.0 / 5.0), Some(1.0 / 3.0)]
    );
}

#[test]
fn journey_toml_maps_columns_and_activity_codes() {
    // The same activities as visits.csv, exported with other column names and type codes.
    let text = std::fs::read_to_string(data("visits.csv")).unwrap();
    let renamed = text
        .replacen(
            "activity_id,contact_id,activity_created,activity_type,url,channel,form",
            "ActivityID,ContactID,ActivityCreated,ActivityType,ActivityURL,Channel,FormName",
            1,
        )
        .replace(",pagevisit,", ",page_view,")
        .replace(",bizformsubmit,", ",form_submit,")
        .replace(",memberregistration,", ",signup,");
    let config = Config::parse(
        "[columns]\ncontact = \"ContactID\"\nactivity_id = \"ActivityID\"\ntime = \"ActivityCreated\"\n\
         type = \"ActivityType\"\nurl = \"ActivityURL\"\nchannel = \"Channel\"\nform = \"FormName\"\n\n\
         [activity_types]\npage_visit = \"page_view\"\nform_submission = \"form_submit\"\nregistration = \"signup\"\n",
    )
    .unwrap();
    let dir = tempdir();
    let f = dir.join("export.csv");
    std::fs::write(&f, renamed).unwrap();
    let (journey_text, _) = journey("visit.journey");
    let mapped = run_with(&journey_text, vec![f.clone()], 2, &config);
    let base = run_on(vec![data("visits.csv")], 2);
    assert_eq!(mapped.contacts_in_scope, base.contacts_in_scope);
    assert_eq!(mapped.stages, base.stages);
    // Without the mapping the export does not fit: the missing column is named.
    let (_, checked) = journey::check::check_source(&journey_text);
    let options = RunOptions {
        files: vec![f],
        target_partitions: 1,
        ..RunOptions::default()
    };
    let source = Source {
        journey: &checked.journeys[0],
        text: &journey_text,
    };
    let err = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run::run(&options, &Config::default(), &[source]))
        .unwrap_err();
    assert_eq!(err.code, "J4001");
    assert!(err.message.contains("contact_id"), "{}", err.message);
}

/// Every journey of journeys/ and tests/data/journeys/ (by, optional stages, any and strict
/// order, `same`, a period, stage windows, exclusions), checked.
fn all_journeys() -> Vec<journey::check::hir::Journey> {
    let mut out = Vec::new();
    for dir in ["journeys", "tests/data/journeys"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(support::root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "journey"))
            .collect();
        files.sort();
        for f in files {
            let (_, checked) = journey::check::check_source(&std::fs::read_to_string(f).unwrap());
            assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
            out.extend(checked.journeys);
        }
    }
    assert!(out.len() >= 9);
    out
}

/// Contacts with a reach, sorted (contacts without one count in no number).
fn reached(
    mut r: Vec<journey::engine::reach::ContactReach>,
) -> Vec<(Vec<Option<i64>>, Option<String>)> {
    r.retain(|c| !c.reach.is_empty());
    let mut v: Vec<_> = r.into_iter().map(|c| (c.reach, c.by)).collect();
    v.sort();
    v
}

#[test]
fn the_one_pass_run_equals_the_aggregate_plans() {
    // `journey run` reads the data once for all its journeys (lower::pass, run::pass); the plans
    // `journey explain` shows run the journey_funnel aggregate and a separate scope count. Both
    // must give every contact the same reach, and the same contacts and rows in scope, alone
    // and with all the journeys in one pass.
    let journeys = all_journeys();
    let options = RunOptions {
        files: vec![support::root().join("journeys/data/sample.parquet")],
        target_partitions: 2,
        ..RunOptions::default()
    };
    let config = Config::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (ctx, data) = run::open(&options, &Config::default()).await.unwrap();
        let mut lowered = Vec::new();
        for j in &journeys {
            lowered.push(run::plan(&ctx, &data, &config, j, &options).await.unwrap());
        }
        let scan = ctx
            .table(journey::data::TABLE)
            .await
            .unwrap()
            .logical_plan()
            .clone();
        let pieces: Vec<&journey::lower::Pieces> = lowered.iter().map(|l| &l.pieces).collect();
        let together = journey::lower::pass::pass(&pieces, scan.clone()).unwrap();
        let plan = together;
        let (together, kept) = run::pass::execute(&ctx, &plan, 2).await.unwrap();
        assert_eq!(together.rows_scanned, 150_000);
        let mut nonempty = 0;
        for (i, l) in lowered.iter().enumerate() {
            let name = &journeys[i].name;
            let collect = |plan: datafusion::logical_expr::LogicalPlan| {
                let ctx = ctx.clone();
                async move {
                    ctx.execute_logical_plan(plan)
                        .await
                        .unwrap()
                        .collect()
                        .await
                        .unwrap()
                }
            };
            let want = reached(journey::engine::udaf::reaches(
                &collect(l.funnel.clone()).await,
            ));
            nonempty += !want.is_empty() as usize;
            let scope = collect(l.scope.clone()).await;
            let count = |c: &str| {
                let a = datafusion::arrow::compute::cast(
                    scope[0].column_by_name(c).unwrap(),
                    &datafusion::arrow::datatypes::DataType::Int64,
                )
                .unwrap();
                a.as_any()
                    .downcast_ref::<datafusion::arrow::array::Int64Array>()
                    .unwrap()
                    .value(0) as u64
            };
            let one = journey::lower::pass::pass(&[&l.pieces], scan.clone()).unwrap();
            let (alone, alone_kept) = run::pass::execute(&ctx, &one, 3).await.unwrap();
            assert_eq!(
                alone.scopes,
                vec![(count("contacts"), count("rows"))],
                "{name}"
            );
            assert_eq!(alone.skipped(0).no_contact, count("no_contact"), "{name}");
            assert_eq!(alone.skipped(0).no_time, count("no_time"), "{name}");
            let reaches = alone_kept.reaches(&one, 0).unwrap();
            assert!(reaches.iter().all(|c| !c.reach.is_empty()));
            assert_eq!(reached(reaches), want, "{name} alone");
            let (k, scopes) = (plan.scope_of[i], &together.scopes);
            assert_eq!(scopes[k], alone.scopes[0], "{name} together");
            assert_eq!(
                reached(kept.reaches(&plan, i).unwrap()),
                want,
                "{name} together"
            );
        }
        // The test journeys made for other data reach nothing here; the others must.
        assert!(nonempty >= 6, "{nonempty} journeys reach something");
    });
}

#[test]
fn timings_count_the_rows_scanned_and_kept() {
    let (text, _) = journey("visit.journey");
    let options = RunOptions {
        files: vec![data("visits.csv")],
        target_partitions: 2,
        timings: true,
        ..RunOptions::default()
    };
    let r = run_options(&text, &options, &Config::default());
    let t = r.timings.expect("--timings asked for");
    let rows = std::fs::read_to_string(data("visits.csv"))
        .unwrap()
        .lines()
        .count() as u64
        - 1;
    assert_eq!(t.rows_scanned, rows);
    assert_eq!(r.rows_in_scope, rows);
    // Some activities of this file match no stage: they are scanned, not kept.
    assert!(t.rows_matched > 0 && t.rows_matched < rows, "{t:?}");
    let shown = run::timings::render(
        "\"Pricing to signup\"",
        std::time::Duration::ZERO,
        &t,
        std::time::Duration::ZERO,
    );
    for phase in ["scan and filter", "chain search", "metrics", "rows scanned"] {
        assert!(shown.contains(phase), "{shown}");
    }
}

#[test]
fn parquet_results_hold_the_numbers_themselves() {
    // The Parquet results were the CSV's text read back: ratios rounded to six decimals.
    use datafusion::arrow::array::{AsArray, RecordBatch};
    use datafusion::arrow::datatypes::Float64Type;
    let dir = std::env::temp_dir().join(format!("journey-parquet-results-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("r.parquet");
    let journey = support::root().join("journeys/small-business-loan.journey");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_journey"))
            .arg("run")
            .arg(&journey)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    run(&["--format", "parquet", "--output", out.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&run(&["--format", "json"])).unwrap();
    let file = std::fs::File::open(&out).unwrap();
    let batches: Vec<RecordBatch> =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let b = &batches[0];
    let conversion = b
        .column_by_name("conversion")
        .unwrap()
        .as_primitive::<Float64Type>();
    let stages = json["stages"].as_array().unwrap();
    assert_eq!(conversion.len(), stages.len());
    for (k, s) in stages.iter().enumerate() {
        // serde_json reads floats to within an ulp or so; the file holds the ratio itself.
        let want = s["conversion"].as_f64().unwrap();
        assert!((conversion.value(k) - want).abs() < 1e-15, "stage {k}");
    }
    // Not six decimals: stage 1's conversion is 1,693 / 14,999.
    assert_eq!(conversion.value(0), 1693.0 / 14999.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_narrow_table_wraps_at_spaces_and_never_breaks_a_word() {
    let text = r#"journey "Narrow" {
  stage "Visited the extraordinarily long pricing page" { when visited page "/pricing" }
  stage "Submitted the contact form afterwards" { kpi 3 when submitted form "contact" }
}
"#;
    let files = vec![support::root().join("tests/data/visits.csv")];
    let r = run_with(text, files, 1, &Config::default());
    let words: Vec<&str> = r.stages.iter().flat_map(|s| s.name.split(' ')).collect();
    for width in [40u16, 60, 80, 120] {
        let table = journey::report::table(&r, width);
        let cells: Vec<&str> = table.split_whitespace().collect();
        for w in &words {
            assert!(
                cells.contains(w),
                "`{w}` broken in a {width}-column table:\n{table}"
            );
        }
        if width >= 80 {
            let widest = table.lines().map(|l| l.chars().count()).max().unwrap();
            assert!(widest <= width as usize, "wider than {width}:\n{table}");
        }
    }
}
