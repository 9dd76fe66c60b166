//! `journey diff`: every kind of change is found and named, and only changes in meaning count.

use journey::diff::{diff, Change, Diff, Kind, Status};

fn checked(source: &str) -> Vec<journey::check::hir::Journey> {
    let (_, checked) = journey::check::check_source(source);
    assert!(
        !checked.has_errors(),
        "test journey has errors: {:?}",
        checked.diagnostics
    );
    checked.journeys
}

fn compare(old: &str, new: &str) -> Diff {
    diff(&checked(old), &checked(new))
}

/// The changes of the one journey in both files.
fn changes(old: &str, new: &str) -> Vec<Change> {
    let d = compare(old, new);
    assert_eq!(d.journeys.len(), 1);
    d.journeys[0].changes.clone()
}

/// One change of this kind, and no other.
fn only(old: &str, new: &str, kind: Kind) -> Change {
    let cs = changes(old, new);
    assert_eq!(cs.len(), 1, "expected only {kind:?}, got {cs:#?}");
    assert_eq!(cs[0].kind, kind);
    cs[0].clone()
}

const BASE: &str = r#"
journey "Loan" {
  within 30 days
  stage "Visited" {
    segment prospect
    kpi 100
    when visited page "/a" and submitted form "f"
  }
  stage "Requested" { when submitted form "x" or submitted form "y" }
  stage "Clicked" { when clicked link in email "e" }
  stage "Bought" {
    when custom activity "buy" where value in ["b", "a"] and amount > 3
  }
  exclude when submitted form "unsub" between stage 1 and stage "Clicked"
}
"#;

#[test]
fn reformatting_and_reordering_operands_change_nothing() {
    let same = r#"# a comment, and another layout entirely
journey "Loan" { within 720 hours
  stage "Visited" { kpi 100  segment prospect
    when all of { submitted form "f"  visited page "/a" } }
  stage "Requested" { when submitted form "y" or submitted form "x" }
  stage "Clicked" {
    when clicked link in email "e" # trailing comment
  }
  stage "Bought" { when custom activity "buy" where amount > 3 and value in ["a", "b"] }
  exclude when submitted form "unsub" between stage "Visited" and stage 3
}"#;
    let d = compare(BASE, same);
    assert!(d.equal, "{d:#?}");
    assert_eq!(d.journeys[0].status, Status::Unchanged);
    let text = journey::diff::text(&d, "old", "new");
    assert!(text.ends_with("no change in meaning\n"), "{text}");
    // And the formatter's own output means the same as what it formatted.
    let formatted = journey::fmt::format_source(BASE).unwrap();
    assert!(compare(BASE, &formatted).equal);
}

#[test]
fn a_reordered_and_is_no_change_but_a_changed_operand_is() {
    let swapped = BASE.replace(
        r#"visited page "/a" and submitted form "f""#,
        r#"submitted form "f" and visited page "/a""#,
    );
    assert!(compare(BASE, &swapped).equal);
    let changed = BASE.replace(
        r#"visited page "/a" and submitted form "f""#,
        r#"visited page "/b" and submitted form "f""#,
    );
    let c = only(BASE, &changed, Kind::Condition);
    assert_eq!(c.stage.as_ref().unwrap().name, "Visited");
    assert_eq!(
        c.before.as_deref(),
        Some(r#"submitted form "f" and visited page "/a""#)
    );
    assert_eq!(
        c.after.as_deref(),
        Some(r#"submitted form "f" and visited page "/b""#)
    );
    // `and` to `or` is a change, with parentheses where the text needs them.
    let or = BASE.replace(
        r#"visited page "/a" and submitted form "f""#,
        r#"(visited page "/a" or opened email) and submitted form "f""#,
    );
    let c = only(BASE, &or, Kind::Condition);
    assert_eq!(
        c.after.as_deref(),
        Some(r#"(opened email or visited page "/a") and submitted form "f""#)
    );
}

#[test]
fn journey_options_are_compared_by_meaning() {
    let c = only(
        BASE,
        &BASE.replace("within 30 days", "within 2 weeks"),
        Kind::Window,
    );
    assert_eq!(
        (c.before.as_deref(), c.after.as_deref()),
        (Some("30 days"), Some("14 days"))
    );
    assert!(
        compare(
            BASE,
            &BASE.replace("within 30 days", "within 43200 minutes")
        )
        .equal
    );
    let add = |line: &str| {
        BASE.replace(
            "  within 30 days\n",
            &format!("  within 30 days\n  {line}\n"),
        )
    };
    let c = only(BASE, &add("order strict"), Kind::Order);
    assert_eq!(
        (c.before.as_deref(), c.after.as_deref()),
        (Some("sequential"), Some("strict"))
    );
    assert!(
        compare(BASE, &add("order sequential")).equal,
        "the default, written out"
    );
    only(BASE, &add("ties forbidden"), Kind::Ties);
    let c = only(BASE, &add("by utm_source"), Kind::By);
    assert_eq!((c.before, c.after.as_deref()), (None, Some("utm_source")));
    let c = only(BASE, &add("same device\n  same channel"), Kind::Same);
    assert_eq!(c.after.as_deref(), Some("channel, device"));
    assert!(
        compare(
            &add("same device\n  same channel"),
            &add("same channel\n  same device")
        )
        .equal
    );
    only(BASE, &add("trend weekly"), Kind::Trend);
    let c = only(BASE, &add("count by account"), Kind::CountBy);
    assert_eq!(c.after.as_deref(), Some("account"));
    let c = only(BASE, &add("period 2025-09-01 .. 2025-10-01"), Kind::Period);
    assert_eq!(c.after.as_deref(), Some("2025-09-01 .. 2025-10-01"));
    only(
        BASE,
        &add("description \"Loan requests\""),
        Kind::Description,
    );
}

#[test]
fn stage_options_are_compared_one_by_one() {
    let c = only(BASE, &BASE.replace("kpi 100", "kpi 120"), Kind::Kpi);
    assert_eq!(
        (c.before.as_deref(), c.after.as_deref()),
        (Some("100"), Some("120"))
    );
    assert_eq!(c.stage.unwrap().number, 1);
    let c = only(
        BASE,
        &BASE.replace("segment prospect", "segment lead"),
        Kind::Segment,
    );
    assert_eq!(
        (c.before.as_deref(), c.after.as_deref()),
        (Some("prospect"), Some("lead"))
    );
    let optional = BASE.replace(r#"stage "Requested" {"#, r#"stage "Requested" { optional"#);
    let c = only(BASE, &optional, Kind::Optional);
    assert_eq!(c.stage.unwrap().name, "Requested");
    let window = BASE.replace(
        r#"stage "Clicked" {"#,
        r#"stage "Clicked" { within 2 days of previous stage"#,
    );
    let c = only(BASE, &window, Kind::StageWindow);
    assert_eq!((c.before, c.after.as_deref()), (None, Some("2 days")));
    let gap = BASE.replace(
        r#"stage "Clicked" {"#,
        r#"stage "Clicked" { at least 48 hours after previous stage"#,
    );
    let c = only(BASE, &gap, Kind::StageGap);
    assert_eq!((c.before, c.after.as_deref()), (None, Some("2 days")));
    let described = BASE.replace(
        r#"stage "Clicked" {"#,
        r#"stage "Clicked" { description "the email""#,
    );
    only(BASE, &described, Kind::StageDescription);
}

#[test]
fn stages_added_removed_renamed_and_moved() {
    let added = BASE.replace(
        r#"  stage "Bought""#,
        "  stage \"Called\" { kpi 5  when custom activity \"call\" }\n  stage \"Bought\"",
    );
    let c = only(BASE, &added, Kind::StageAdded);
    let at = c.stage.unwrap();
    assert_eq!((at.number, at.name.as_str()), (4, "Called"));
    assert_eq!(
        c.after.as_deref(),
        Some(r#"when custom activity "call"; kpi 5"#)
    );

    let c = only(&added, BASE, Kind::StageRemoved);
    assert_eq!(c.stage.unwrap().number, 4);

    // Renamed: same condition under a new name; exclusions that name it follow it.
    let renamed = BASE.replace("\"Clicked\"", "\"Clicked the email\"");
    let c = only(BASE, &renamed, Kind::StageRenamed);
    assert_eq!(
        (c.before.as_deref(), c.after.as_deref()),
        (Some("Clicked"), Some("Clicked the email"))
    );
    // Renamed and changed: a similar name pairs them.
    let both = renamed.replace(
        r#"clicked link in email "e""#,
        r#"clicked link in email "f""#,
    );
    let kinds: Vec<Kind> = changes(BASE, &both).iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [Kind::StageRenamed, Kind::Condition]);

    // Swapping two stages moves one of them; nothing else changes.
    let swapped = BASE.replace(
        "  stage \"Requested\" { when submitted form \"x\" or submitted form \"y\" }\n  stage \"Clicked\" { when clicked link in email \"e\" }\n",
        "  stage \"Clicked\" { when clicked link in email \"e\" }\n  stage \"Requested\" { when submitted form \"x\" or submitted form \"y\" }\n",
    );
    let kinds: Vec<Kind> = changes(BASE, &swapped).iter().map(|c| c.kind).collect();
    // The exclusion ends at "Clicked", now stage 2: its meaning is the same by name.
    assert_eq!(kinds, [Kind::StageMoved], "{:#?}", changes(BASE, &swapped));
}

#[test]
fn exclusions_added_and_removed() {
    let more = BASE.replace(
        "  exclude when",
        "  exclude when opened email between stage 2 and stage 4\n  exclude when",
    );
    let c = only(BASE, &more, Kind::ExclusionAdded);
    assert_eq!(
        c.after.as_deref(),
        Some(r#"exclude when opened email between stage "Requested" and stage "Bought""#)
    );
    only(&more, BASE, Kind::ExclusionRemoved);
    // Moving an exclusion's end is one removed and one added.
    let moved = BASE.replace("and stage \"Clicked\"", "and stage \"Bought\"");
    let kinds: Vec<Kind> = changes(BASE, &moved).iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [Kind::ExclusionRemoved, Kind::ExclusionAdded]);
}

#[test]
fn journeys_added_removed_and_renamed() {
    let two = format!("{BASE}\njourney \"Other\" {{ stage \"A\" {{ when registered }} }}\n");
    let d = compare(BASE, &two);
    assert!(!d.equal);
    assert_eq!(d.journeys[0].status, Status::Unchanged);
    assert_eq!(d.journeys[1].status, Status::Added);
    let d = compare(&two, BASE);
    assert_eq!(d.journeys[1].status, Status::Removed);
    assert_eq!(d.journeys[1].name, "Other");
    let c = only(
        BASE,
        &BASE.replace("\"Loan\"", "\"Loans\""),
        Kind::JourneyRenamed,
    );
    assert_eq!(c.before.as_deref(), Some("Loan"));
}

#[test]
fn the_text_reads_as_a_review() {
    let new = BASE
        .replace("kpi 100", "kpi 120")
        .replace(r#"submitted form "x" or"#, r#"submitted form "z" or"#);
    let text = journey::diff::text(&compare(BASE, &new), "main:loan.journey", "loan.journey");
    assert_eq!(
        text,
        r#"main:loan.journey → loan.journey
journey "Loan": 2 changes in meaning
  ~ stage 1 "Visited": kpi 100 → 120
  ~ stage 2 "Requested": condition
      before: submitted form "x" or submitted form "y"
      after:  submitted form "y" or submitted form "z"
2 changes in meaning
"#
    );
}

/// The test changes between two files (journeys and tests checked), under the one journey.
fn test_changes(old: &str, new: &str) -> (Diff, Vec<journey::diff::tests::TestChange>) {
    let side = |s: &str| {
        let (_, c) = journey::check::check_source(s);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        (c.journeys, c.tests)
    };
    let (o, n) = (side(old), side(new));
    let mut d = diff(&o.0, &n.0);
    journey::diff::tests::add(&mut d, (&o.0, &o.1), (&n.0, &n.1));
    let tests = d.journeys[0].tests.clone();
    (d, tests)
}

#[test]
fn test_changes_are_listed_under_their_journey_and_are_no_change_in_meaning() {
    use journey::diff::tests::TestKind;
    let journey = "journey \"J\" {\n  within 1 day\n\n  stage \"A\" { when visited page \"/a\" }\n  stage \"B\" { when registered }\n}\n";
    let test =
        |body: &str| format!("{journey}\ntest \"t\" of \"J\" {{\n  start 2025-10-01\n{body}}}\n");
    let old = test("  contact \"ann\" {\n    at +0 days visited page \"/a\"\n    at +1 day registered\n  }\n  expect \"ann\" reaches stage 2 at +1 day\n");
    // Reformatted, and the time written as an instant: the same test.
    let same = test("contact \"ann\" { at 2025-10-01 visited page \"/a\"   at 2025-10-02 registered }\nexpect \"ann\" reaches stage \"B\" at 2025-10-02\n");
    let (d, tests) = test_changes(&old, &same);
    assert!(d.equal && tests.is_empty(), "{tests:?}");
    // A later registration, its expectation updated, and a new contact.
    let new = test("  contact \"ann\" {\n    at +0 days visited page \"/a\"\n    at +2 days registered\n  }\n  contact \"bob\" {\n    at +0 days registered\n  }\n  expect \"ann\" reaches stage 1\n  expect \"bob\" reaches no stage\n");
    let (d, tests) = test_changes(&old, &new);
    assert!(d.equal, "tests do not change the journey's meaning");
    let kinds: Vec<(TestKind, Option<&str>)> = tests
        .iter()
        .map(|c| (c.kind, c.contact.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (TestKind::HistoryChanged, Some("ann")),
            (TestKind::ContactAdded, Some("bob")),
            (TestKind::Expectation, Some("ann")),
            (TestKind::Expectation, Some("bob")),
        ]
    );
    assert_eq!(
        tests[2].before.as_deref(),
        Some("expect \"ann\" reaches stage 2 at +1 day")
    );
    assert_eq!(
        tests[2].after.as_deref(),
        Some("expect \"ann\" reaches stage 1")
    );
    assert_eq!(tests[3].before, None);
    let text = journey::diff::text(&d, "old", "new");
    assert!(text.contains("journey \"J\": no change in meaning\n  ~ test \"t\": contact \"ann\"'s activities changed\n"), "{text}");
    assert!(text.contains("  ~ test \"t\": expect \"ann\" reaches stage 2 at +1 day\n      now: expect \"ann\" reaches stage 1\n"), "{text}");
    // A test removed, and one added.
    let renamed = old.replace("test \"t\"", "test \"u\"");
    let (_, tests) = test_changes(&old, &renamed);
    let kinds: Vec<TestKind> = tests.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [TestKind::TestAdded, TestKind::TestRemoved]);
    assert_eq!(tests[0].after.as_deref(), Some("1 contact, 1 expectation"));
    // The journey renamed and its test removed: the removal is listed under the renamed journey.
    let renamed_journey = journey.replace("\"J\"", "\"K\"");
    let (d, tests) = test_changes(&old, &renamed_journey);
    assert_eq!(d.journeys.len(), 1, "{d:?}");
    let kinds: Vec<TestKind> = tests.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [TestKind::TestRemoved]);
}
