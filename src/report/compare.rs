//! Comparing two runs' results (a baseline and the current run): per-stage deltas in contacts,
//! conversion and KPI progress, with the stages whose count moved by more than a threshold
//! flagged, so a reviewer sees what a journey change does to the funnel on the same data.

use super::table::thousands;
use crate::engine::significance::{self, Test};
use crate::run::results::{JourneyResult, PeriodOut, StageResult};
use comfy_table::CellAlignment;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    /// `--fail-over`: the largest allowed move of a stage's count, in percent.
    pub threshold_percent: Option<f64>,
    pub journeys: Vec<JourneyComparison>,
    /// Stages flagged over the threshold, in all journeys.
    pub flagged: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JourneyComparison {
    pub journey: String,
    /// False when only one side has the journey (its stages are all added or removed).
    pub in_both: bool,
    /// False when the two results were computed over different data (see `data_fingerprint`):
    /// the deltas then mix a data change with a journey change.
    pub same_data: bool,
    pub contacts_in_scope: Side<u64>,
    /// Each side's `period`, when either has one (`--compare-period previous`: the period before).
    #[serde(skip_serializing_if = "Side::is_empty")]
    pub period: Side<PeriodOut>,
    pub stages: Vec<StageDelta>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Side<T> {
    pub before: Option<T>,
    pub after: Option<T>,
}

impl<T> Side<T> {
    fn is_empty(&self) -> bool {
        self.before.is_none() && self.after.is_none()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageDelta {
    /// The stage's number in the current results (the baseline's when it was removed).
    pub number: usize,
    pub name: String,
    pub reached: Side<u64>,
    /// after − before, in contacts.
    pub reached_delta: Option<i64>,
    /// The count's move in percent of the baseline; `None` when the baseline had no contacts
    /// or one side lacks the stage.
    pub reached_change_percent: Option<f64>,
    /// Conversion from the previous required stage, in percentage points.
    pub conversion_points: Option<f64>,
    /// KPI progress, in percentage points of the KPI target.
    pub kpi_progress_points: Option<f64>,
    /// The two-sided p-value of the conversion's change (its base: the previous required
    /// stage's contacts, or the contacts in scope for stage 1), and the test that gave it.
    pub conversion_p_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion_test: Option<Test>,
    /// p < 0.05 with 30 units or more on each side: marked `*` in the table.
    pub significant: bool,
    /// Moved by more than the threshold (or added, removed, or up from zero).
    pub flagged: bool,
}

/// Compare `after` with the `before` baseline; journeys and stages are matched by name.
pub fn compare(
    before: &[JourneyResult],
    after: &[JourneyResult],
    threshold_percent: Option<f64>,
) -> Comparison {
    let mut journeys = Vec::new();
    for a in after {
        let b = before.iter().find(|b| b.journey == a.journey);
        journeys.push(journey(b, Some(a), threshold_percent));
    }
    for b in before {
        if !after.iter().any(|a| a.journey == b.journey) {
            journeys.push(journey(Some(b), None, threshold_percent));
        }
    }
    let flagged = journeys
        .iter()
        .flat_map(|j| &j.stages)
        .filter(|s| s.flagged)
        .count();
    Comparison {
        threshold_percent,
        journeys,
        flagged,
    }
}

fn journey(
    before: Option<&JourneyResult>,
    after: Option<&JourneyResult>,
    threshold: Option<f64>,
) -> JourneyComparison {
    let name = after
        .or(before)
        .map(|r| r.journey.clone())
        .unwrap_or_default();
    let empty = Vec::new();
    let before_stages = before.map_or(&empty, |r| &r.stages);
    let after_stages = after.map_or(&empty, |r| &r.stages);
    let mut stages = Vec::new();
    for s in after_stages {
        let old = before_stages.iter().find(|o| o.name == s.name);
        let mut d = stage(old, Some(s), threshold);
        if let (Some(b), Some(a), Some(old)) = (before, after, old) {
            let (n1, n2) = (base(b, old), base(a, s));
            if let Some((p, test)) = significance::p_value(old.reached, n1, s.reached, n2) {
                d.conversion_p_value = Some(p);
                d.conversion_test = Some(test);
                d.significant = significance::significant(p, n1, n2);
            }
        }
        stages.push(d);
    }
    for (i, o) in before_stages.iter().enumerate() {
        if !after_stages.iter().any(|s| s.name == o.name) {
            // A removed stage is listed where it stood in the baseline.
            let at = stages
                .iter()
                .position(|d: &StageDelta| d.reached.after.is_some() && d.number > i)
                .unwrap_or(stages.len());
            stages.insert(at, stage(Some(o), None, threshold));
        }
    }
    JourneyComparison {
        journey: name,
        in_both: after.is_some() && before.is_some(),
        same_data: match (after, before) {
            // An empty fingerprint (an older results file) cannot tell: no warning.
            (Some(after), Some(before)) => {
                after.data_fingerprint == before.data_fingerprint
                    || after.data_fingerprint.is_empty()
                    || before.data_fingerprint.is_empty()
            }
            _ => true,
        },
        contacts_in_scope: Side {
            before: before.map(|r| r.contacts_in_scope),
            after: after.map(|r| r.contacts_in_scope),
        },
        period: Side {
            before: before.and_then(|r| r.period.clone()),
            after: after.and_then(|r| r.period.clone()),
        },
        stages,
    }
}

fn stage(
    before: Option<&StageResult>,
    after: Option<&StageResult>,
    threshold: Option<f64>,
) -> StageDelta {
    let either = after.or(before).expect("a stage on at least one side");
    let points =
        |pick: fn(&StageResult) -> Option<f64>| match (before.and_then(pick), after.and_then(pick))
        {
            (Some(x), Some(y)) => Some((y - x) * 100.0),
            _ => None,
        };
    let delta = match (before, after) {
        (Some(before), Some(after)) => Some(after.reached as i64 - before.reached as i64),
        _ => None,
    };
    let change = match (before, delta) {
        (Some(before), Some(d)) if before.reached > 0 => {
            Some(d as f64 * 100.0 / before.reached as f64)
        }
        _ => None,
    };
    let flagged = match threshold {
        None => false,
        Some(t) => match (before, after, change) {
            (Some(_), Some(_), Some(c)) => c.abs() > t,
            // Up from zero is an unbounded move.
            (Some(_), Some(after), None) => after.reached > 0,
            _ => true,
        },
    };
    StageDelta {
        number: either.number,
        name: either.name.clone(),
        reached: Side {
            before: before.map(|s| s.reached),
            after: after.map(|s| s.reached),
        },
        reached_delta: delta,
        reached_change_percent: change,
        conversion_points: points(|s| s.conversion),
        kpi_progress_points: points(|s| s.kpi_progress),
        conversion_p_value: None,
        conversion_test: None,
        significant: false,
        flagged,
    }
}

/// The contacts a stage's conversion is a share of: the previous required stage's, or the
/// contacts in scope for the first (docs/semantics.md, "Metrics per stage").
fn base(r: &JourneyResult, s: &StageResult) -> u64 {
    let at = r.stages.iter().position(|x| x.name == s.name).unwrap_or(0);
    r.stages[..at]
        .iter()
        .rev()
        .find(|x| !x.optional)
        .map_or(r.contacts_in_scope, |x| x.reached)
}

/// The comparison as tables, one per journey, then the verdict on the threshold.
pub fn text(c: &Comparison, width: u16) -> String {
    let mut out = String::new();
    for (i, j) in c.journeys.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let side = |v: Option<u64>| v.map(thousands).unwrap_or_else(|| "–".into());
        let _ = writeln!(out, "{}", j.journey);
        let _ = writeln!(
            out,
            "contacts in scope {} → {}{}",
            side(j.contacts_in_scope.before),
            side(j.contacts_in_scope.after),
            match (j.contacts_in_scope.before, j.contacts_in_scope.after) {
                (None, _) => " · not in the baseline",
                (_, None) => " · not in the current results",
                _ if !j.same_data =>
                    " · different data: deltas mix a data change with the journey change",
                _ => "",
            }
        );
        if j.period.before != j.period.after {
            let period = |p: &Option<PeriodOut>| {
                p.as_ref()
                    .map(|p| format!("{} .. {}", p.from, p.to))
                    .unwrap_or_else(|| "(none)".into())
            };
            let _ = writeln!(
                out,
                "period {} → {}",
                period(&j.period.before),
                period(&j.period.after)
            );
        }
        out.push('\n');
        let mut t = super::table::frame(
            vec!["#", "Stage", "Before", "After", "Change", "Conv.", "KPI"],
            width,
        );
        for s in &j.stages {
            let change = match (s.reached.before, s.reached.after, s.reached_change_percent) {
                (None, _, _) => "added".to_string(),
                (_, None, _) => "removed".to_string(),
                (_, _, Some(p)) => signed(p, "%"),
                (_, Some(a), None) if a > 0 => "new".to_string(),
                _ => "0.0%".to_string(),
            };
            let flag = if s.flagged { " !" } else { "" };
            let pp = |v: Option<f64>| v.map(|x| signed(x, " pp")).unwrap_or_default();
            let star = if s.significant { " *" } else { "" };
            t.add_row(vec![
                s.number.to_string(),
                s.name.clone(),
                side(s.reached.before),
                side(s.reached.after),
                format!("{change}{flag}"),
                format!("{}{star}", pp(s.conversion_points)),
                pp(s.kpi_progress_points),
            ]);
        }
        for col in 2..7 {
            if let Some(c) = t.column_mut(col) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        super::table::keep_words_whole(&mut t);
        for l in t.to_string().lines() {
            let _ = writeln!(out, "{}", l.trim_end());
        }
        if j.stages.iter().any(|s| s.significant) {
            let _ = writeln!(
                out,
                "* the conversion's change is significant: p < 0.05 (two-proportion z-test, or\n  Fisher's exact test for small counts), 30 contacts or more on each side"
            );
        }
    }
    if let Some(t) = c.threshold_percent {
        out.push('\n');
        match c.flagged {
            0 => {
                let _ = writeln!(out, "no stage moved by more than {t}%");
            }
            1 => {
                let _ = writeln!(out, "1 stage moved by more than {t}% (marked !)");
            }
            n => {
                let _ = writeln!(out, "{n} stages moved by more than {t}% (marked !)");
            }
        }
    }
    out
}

/// "+12.5%", "-3.0 pp", and "0.0%" for what rounds to zero (never "-0.0").
fn signed(v: f64, unit: &str) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        format!("0.0{unit}")
    } else {
        format!("{r:+.1}{unit}")
    }
}

/// Results read back from `journey run --format json` (one journey's object or an array).
pub fn read_results(text: &str) -> Result<Vec<JourneyResult>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let value = match value {
        serde_json::Value::Array(_) => value,
        one => serde_json::Value::Array(vec![one]),
    };
    serde_json::from_value(value).map_err(|e| {
        format!("not the JSON of `journey run --format json` ({e}); write a baseline with `journey run … --format json --output FILE`")
    })
}
