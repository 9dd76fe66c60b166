//! Review: the semantic diff of two journey files. It compares checked journeys (HIR), so only
//! meaning counts: layout, comments, `all of { }` against `and`, the order of `and`/`or`
//! operands, `2 weeks` against `14 days` and stage references by number or by name are all
//! "no change". Stages are matched by name, then (renamed) by an equal condition, then by a
//! similar name (one holds the other, or few characters differ); what is left was added or removed.

pub mod canon;
mod render;
pub mod tests;

use crate::check::hir::{ByFrom, Journey, Stage};
use serde::Serialize;
use std::collections::BTreeSet;

pub use render::text;

/// Every change in meaning between two files' journeys.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diff {
    /// True when the two files mean the same (exit code 0).
    pub equal: bool,
    /// One entry per journey of either file: the new file's in order, then removed ones.
    pub journeys: Vec<JourneyDiff>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JourneyDiff {
    /// The journey's name in the new file (the old file's name when it was removed).
    pub name: String,
    pub status: Status,
    pub changes: Vec<Change>,
    /// Changes to the journey's tests ([`tests::add`]): shown beside the journey's changes, not
    /// counted among the changes in meaning.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<tests::TestChange>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Unchanged,
    Changed,
    Added,
    Removed,
}

/// One change. `before`/`after` are canonical texts in the language's syntax (absent when the
/// thing did not exist on that side).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub kind: Kind,
    /// The stage concerned: its number and name in the new file (the old file's when removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<StageAt>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageAt {
    pub number: usize,
    pub name: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    JourneyAdded,
    JourneyRemoved,
    JourneyRenamed,
    Description,
    Period,
    Window,
    Order,
    Ties,
    By,
    Same,
    Trend,
    ExclusionAdded,
    ExclusionRemoved,
    StageAdded,
    StageRemoved,
    StageRenamed,
    StageMoved,
    StageDescription,
    Kpi,
    Segment,
    Optional,
    StageWindow,
    StageGap,
    CountBy,
    Condition,
}

/// Compare the journeys of two files.
pub fn diff(old: &[Journey], new: &[Journey]) -> Diff {
    let mut journeys = Vec::new();
    let (pairs, removed) = match_journeys(old, new);
    for (j, n) in new.iter().enumerate() {
        let entry = match pairs[j] {
            Some(o) => {
                let changes = journey_changes(&old[o], n);
                JourneyDiff {
                    name: n.name.clone(),
                    status: if changes.is_empty() {
                        Status::Unchanged
                    } else {
                        Status::Changed
                    },
                    changes,
                    tests: Vec::new(),
                }
            }
            None => JourneyDiff {
                name: n.name.clone(),
                status: Status::Added,
                changes: vec![change(Kind::JourneyAdded, None, None, Some(summary(n)))],
                tests: Vec::new(),
            },
        };
        journeys.push(entry);
    }
    for o in removed {
        journeys.push(JourneyDiff {
            name: old[o].name.clone(),
            status: Status::Removed,
            changes: vec![change(
                Kind::JourneyRemoved,
                None,
                Some(summary(&old[o])),
                None,
            )],
            tests: Vec::new(),
        });
    }
    Diff {
        equal: journeys.iter().all(|j| j.status == Status::Unchanged),
        journeys,
    }
}

fn change(
    kind: Kind,
    stage: Option<StageAt>,
    before: Option<String>,
    after: Option<String>,
) -> Change {
    Change {
        kind,
        stage,
        before,
        after,
    }
}

fn summary(j: &Journey) -> String {
    match j.stages.len() {
        1 => "1 stage".into(),
        n => format!("{n} stages"),
    }
}

/// For each new journey the old one it is, and the old journeys with no counterpart. Names match
/// first; a single journey left on each side was renamed.
fn match_journeys(old: &[Journey], new: &[Journey]) -> (Vec<Option<usize>>, Vec<usize>) {
    let mut used = vec![false; old.len()];
    let mut pairs: Vec<Option<usize>> = new
        .iter()
        .map(|n| {
            let o = (0..old.len()).find(|&o| !used[o] && old[o].name == n.name)?;
            used[o] = true;
            Some(o)
        })
        .collect();
    let left_old: Vec<usize> = (0..old.len()).filter(|&o| !used[o]).collect();
    let left_new: Vec<usize> = (0..new.len()).filter(|&j| pairs[j].is_none()).collect();
    if left_old.len() == 1 && left_new.len() == 1 {
        pairs[left_new[0]] = Some(left_old[0]);
        return (pairs, Vec::new());
    }
    (pairs, left_old)
}

fn journey_changes(o: &Journey, n: &Journey) -> Vec<Change> {
    let mut out = Vec::new();
    let mut option = |kind, before: Option<String>, after: Option<String>| {
        if before != after {
            out.push(change(kind, None, before, after));
        }
    };
    if o.name != n.name {
        option(
            Kind::JourneyRenamed,
            Some(o.name.clone()),
            Some(n.name.clone()),
        );
    }
    option(
        Kind::Description,
        o.description.clone(),
        n.description.clone(),
    );
    let period = |j: &Journey| {
        j.period
            .map(|p| format!("{} .. {}", canon::instant(p.from), canon::instant(p.to)))
    };
    option(Kind::Period, period(o), period(n));
    let window = |j: &Journey| j.window.as_ref().map(|w| canon::duration(w.node));
    option(Kind::Window, window(o), window(n));
    let order = |j: &Journey| Some(format!("{:?}", j.order).to_lowercase());
    option(Kind::Order, order(o), order(n));
    let ties = |j: &Journey| Some(format!("{:?}", j.ties).to_lowercase());
    option(Kind::Ties, ties(o), ties(n));
    // Where the value comes from, by the stage's name (renumbering stages is no change).
    let by = |j: &Journey| {
        j.by.as_ref().map(|b| match j.by_from {
            ByFrom::Stage(0) => b.node.clone(),
            ByFrom::Stage(k) => format!("{} from stage \"{}\"", b.node, j.stages[k].name),
            ByFrom::Last => format!("{} from last stage", b.node),
        })
    };
    option(Kind::By, by(o), by(n));
    let unit = |j: &Journey| j.count_by.as_ref().map(|b| b.node.clone());
    option(Kind::CountBy, unit(o), unit(n));
    let same = |j: &Journey| {
        let set: BTreeSet<&str> = j.same.iter().map(|s| s.node.as_str()).collect();
        (!set.is_empty()).then(|| set.into_iter().collect::<Vec<_>>().join(", "))
    };
    option(Kind::Same, same(o), same(n));
    let trend = |j: &Journey| j.trend.map(|t| format!("{t:?}").to_lowercase());
    option(Kind::Trend, trend(o), trend(n));

    let matched = match_stages(&o.stages, &n.stages);
    // Exclusions name their stages by the new file's names, so renaming or moving a stage does
    // not read as a changed exclusion.
    let new_name = |i: usize| match matched[i] {
        Some(j) => n.stages[j].name.clone(),
        None => o.stages[i].name.clone(),
    };
    let exclusions = |j: &Journey, name: &dyn Fn(usize) -> String| -> BTreeSet<String> {
        j.exclusions
            .iter()
            .map(|e| {
                format!(
                    "exclude when {} between stage {} and stage {}",
                    canon::predicate(&e.predicate),
                    crate::fmt::quote(&name(e.from)),
                    crate::fmt::quote(&name(e.to)),
                )
            })
            .collect()
    };
    let before = exclusions(o, &new_name);
    let after = exclusions(n, &|i| n.stages[i].name.clone());
    for e in before.difference(&after) {
        out.push(change(Kind::ExclusionRemoved, None, Some(e.clone()), None));
    }
    for e in after.difference(&before) {
        out.push(change(Kind::ExclusionAdded, None, None, Some(e.clone())));
    }

    for (i, s) in o.stages.iter().enumerate() {
        if matched[i].is_none() {
            out.push(change(
                Kind::StageRemoved,
                Some(at(i, s)),
                Some(stage_summary(s)),
                None,
            ));
        }
    }
    let moved = moved(&matched);
    let mut old_of = vec![None; n.stages.len()];
    for (i, m) in matched.iter().enumerate() {
        if let Some(j) = m {
            old_of[*j] = Some(i);
        }
    }
    for (j, s) in n.stages.iter().enumerate() {
        let Some(i) = old_of[j] else {
            out.push(change(
                Kind::StageAdded,
                Some(at(j, s)),
                None,
                Some(stage_summary(s)),
            ));
            continue;
        };
        let was = &o.stages[i];
        let mut field = |kind, before: Option<String>, after: Option<String>| {
            if before != after {
                out.push(change(kind, Some(at(j, s)), before, after));
            }
        };
        field(
            Kind::StageRenamed,
            Some(was.name.clone()),
            Some(s.name.clone()),
        );
        if moved.contains(&i) {
            field(
                Kind::StageMoved,
                Some((i + 1).to_string()),
                Some((j + 1).to_string()),
            );
        }
        field(
            Kind::StageDescription,
            was.description.clone(),
            s.description.clone(),
        );
        field(
            Kind::Kpi,
            was.kpi.map(|k| k.to_string()),
            s.kpi.map(|k| k.to_string()),
        );
        field(
            Kind::Segment,
            was.segment.map(|x| x.name().to_string()),
            s.segment.map(|x| x.name().to_string()),
        );
        let yes_no = |b: bool| Some(if b { "yes" } else { "no" }.to_string());
        field(Kind::Optional, yes_no(was.optional), yes_no(s.optional));
        let window = |s: &Stage| s.window.as_ref().map(|w| canon::duration(w.node));
        field(Kind::StageWindow, window(was), window(s));
        let gap = |s: &Stage| s.min_gap.as_ref().map(|g| canon::duration(g.node));
        field(Kind::StageGap, gap(was), gap(s));
        field(
            Kind::Condition,
            Some(canon::condition(&was.condition)),
            Some(canon::condition(&s.condition)),
        );
    }
    out
}

fn at(index: usize, s: &Stage) -> StageAt {
    StageAt {
        number: index + 1,
        name: s.name.clone(),
    }
}

/// A stage in one line: its condition and options.
fn stage_summary(s: &Stage) -> String {
    let mut out = format!("when {}", canon::condition(&s.condition));
    if let Some(k) = s.kpi {
        out.push_str(&format!("; kpi {k}"));
    }
    if let Some(seg) = s.segment {
        out.push_str(&format!("; segment {}", seg.name()));
    }
    if s.optional {
        out.push_str("; optional");
    }
    if let Some(w) = &s.window {
        out.push_str(&format!(
            "; within {} of previous stage",
            canon::duration(w.node)
        ));
    }
    if let Some(g) = &s.min_gap {
        out.push_str(&format!(
            "; at least {} after previous stage",
            canon::duration(g.node)
        ));
    }
    out
}

/// For each old stage, the new stage it became.
fn match_stages(old: &[Stage], new: &[Stage]) -> Vec<Option<usize>> {
    let mut matched: Vec<Option<usize>> = vec![None; old.len()];
    let mut taken = vec![false; new.len()];
    let mut pass = |same: &dyn Fn(&Stage, &Stage) -> bool, matched: &mut Vec<Option<usize>>| {
        for (i, o) in old.iter().enumerate() {
            if matched[i].is_some() {
                continue;
            }
            if let Some(j) = (0..new.len()).find(|&j| !taken[j] && same(o, &new[j])) {
                matched[i] = Some(j);
                taken[j] = true;
            }
        }
    };
    pass(&|o, n| o.name == n.name, &mut matched);
    pass(
        &|o, n| canon::condition(&o.condition) == canon::condition(&n.condition),
        &mut matched,
    );
    pass(&|o, n| similar_names(&o.name, &n.name), &mut matched);
    matched
}

/// A renamed stage: one name holds the other ("Clicked" → "Clicked the email"), or they differ
/// in under 40% of their characters.
fn similar_names(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    a.contains(&b) || b.contains(&a) || strsim::normalized_levenshtein(&a, &b) >= 0.6
}

/// The old stages that changed place relative to the others: those outside a longest run of
/// matched stages whose order is kept (inserting or removing a stage moves nothing).
fn moved(matched: &[Option<usize>]) -> BTreeSet<usize> {
    let pairs: Vec<(usize, usize)> = matched
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.map(|j| (i, j)))
        .collect();
    // Longest increasing subsequence of new positions, O(n²): journeys have at most 32 stages.
    let n = pairs.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for b in 0..n {
        for a in 0..b {
            if pairs[a].1 < pairs[b].1 && len[a] + 1 > len[b] {
                len[b] = len[a] + 1;
                prev[b] = a;
            }
        }
    }
    let mut keep = BTreeSet::new();
    let mut k = (0..n).max_by_key(|&b| (len[b], std::cmp::Reverse(b)));
    while let Some(b) = k {
        keep.insert(pairs[b].0);
        k = (prev[b] != usize::MAX).then_some(prev[b]);
    }
    pairs
        .iter()
        .map(|p| p.0)
        .filter(|i| !keep.contains(i))
        .collect()
}
