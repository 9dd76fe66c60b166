//! The metrics of docs/semantics.md, from each contact's reach times: per stage (reached,
//! conversion, drop-off, KPI progress, time to convert), segments, breakdowns and trends.

use super::results::{computed_at, rfc3339, JourneyResult, PeriodOut, SkippedPath, SkippedRows};
use super::results::{
    BreakdownGroup, BreakdownOut, Bucket, Durations, SegmentCount, StageResult, TimeToConvert,
    TrendBucket, TrendOut, VsRest,
};
use super::{RunOptions, Source, DEFAULT_TOP};
use crate::check::hir;
use crate::data::DataSet;
use crate::engine::program::ByFrom;
use crate::engine::reach::ContactReach;
use crate::engine::summary::{
    DurationFigures, Figures, MetricsProgram, StageFigures, Summary, TrendPeriod, TrendUnit,
};
use crate::io::fingerprint::sha256_hex;

pub use crate::engine::summary::{nearest_rank, HISTOGRAM_BUCKETS};

/// What a journey's metrics are asked for, for [`Summary`]: its stages, the breakdown (`--by`
/// or the journey's `by`), the trend (`--trend` or the journey's), its segment labels.
pub fn program(options: &RunOptions, j: &hir::Journey) -> MetricsProgram {
    let names = segment_names(j);
    let segment_of = j
        .stages
        .iter()
        .map(|s| {
            s.segment
                .and_then(|seg| names.iter().position(|n| *n == seg.name()))
        })
        .collect();
    MetricsProgram {
        stages: j.stages.len(),
        by: breakdown_column(options, j).is_some(),
        by_from: by_from(options, j),
        top: if options.top == 0 {
            DEFAULT_TOP
        } else {
            options.top
        },
        trend: options.trend.or(j.trend).map(|t| match t {
            hir::Trend::Daily => TrendUnit::Daily,
            hir::Trend::Weekly => TrendUnit::Weekly,
            hir::Trend::Monthly => TrendUnit::Monthly,
        }),
        segment_of,
        segments: names.len(),
    }
}

/// The journey's segment labels in funnel order of first use (as [`program`] numbers them).
fn segment_names(j: &hir::Journey) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for seg in j.stages.iter().filter_map(|s| s.segment) {
        if !names.contains(&seg.name()) {
            names.push(seg.name());
        }
    }
    names
}

/// Which activity of the counted chain gives the breakdown value: `--by`'s `--by-from` (stage
/// 1 without it), else the journey's `by … from`. Lowering checked the stage exists.
fn by_from(options: &RunOptions, j: &hir::Journey) -> ByFrom {
    match options.by {
        Some(_) => options.by_from.unwrap_or_default(),
        None => j.by_from,
    }
}

fn breakdown_column<'a>(options: &'a RunOptions, j: &'a hir::Journey) -> Option<&'a str> {
    options
        .by
        .as_deref()
        .or(j.by.as_ref().map(|b| b.node.as_str()))
}

/// The figures of `reaches` (a local run's; a cluster computes them with `journey_metrics`).
pub fn figures(program: MetricsProgram, reaches: &[ContactReach]) -> Figures {
    let mut summary = Summary::new(program);
    for c in reaches {
        summary.add(c);
    }
    summary.figures()
}

fn durations(d: Option<DurationFigures>) -> Option<Durations> {
    let d = d?;
    let secs = |us: i64| us as f64 / 1e6;
    let sum = d.sum as f64;
    let mut from = 0u64;
    let histogram = d
        .histogram
        .iter()
        .zip(
            HISTOGRAM_BUCKETS
                .iter()
                .map(Some)
                .chain(std::iter::once(None)),
        )
        .map(|(&contacts, to)| {
            let b = Bucket {
                from_seconds: from,
                to_seconds: to.copied(),
                contacts,
            };
            if let Some(t) = to {
                from = *t;
            }
            b
        })
        .collect();
    Some(Durations {
        count: d.count,
        median_seconds: secs(d.median),
        p90_seconds: secs(d.p90),
        mean_seconds: (sum / d.count as f64) / 1e6,
        p25_seconds: Some(secs(d.p25)),
        p75_seconds: Some(secs(d.p75)),
        p95_seconds: Some(secs(d.p95)),
        p99_seconds: Some(secs(d.p99)),
        histogram,
    })
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The required stage before stage `k`, if any (the base of its conversion).
fn previous_required(j: &hir::Journey, k: usize) -> Option<usize> {
    (0..k).rev().find(|&i| !j.stages[i].optional)
}

/// Stage metrics from the stages' figures. Stage 1's conversion is over `contacts_in_scope`
/// when given.
pub fn stage_metrics(
    j: &hir::Journey,
    contacts_in_scope: Option<u64>,
    figures: Vec<StageFigures>,
) -> Vec<StageResult> {
    let k = j.stages.len();
    let reached: Vec<u64> = figures.iter().map(|f| f.reached).collect();
    figures
        .into_iter()
        .enumerate()
        .take(k)
        .map(|(i, f)| {
            let s = &j.stages[i];
            let base = match previous_required(j, i) {
                None => contacts_in_scope,
                Some(p) => Some(reached[p]),
            };
            // Drop-off is to the next required stage; an optional stage is a side branch.
            let next = (i + 1..k).find(|&n| !j.stages[n].optional);
            let dropped = match (s.optional, next) {
                (false, Some(n)) => Some(reached[i] - reached[n].min(reached[i])),
                _ => None,
            };
            StageResult {
                number: i + 1,
                name: s.name.clone(),
                segment: s.segment.map(|x| x.name().to_string()),
                kpi: s.kpi,
                optional: s.optional,
                reached: reached[i],
                conversion: base.and_then(|b| ratio(reached[i], b)),
                overall: ratio(reached[i], reached[0]),
                dropped,
                dropped_rate: dropped.and_then(|d| ratio(d, reached[i])),
                kpi_progress: s.kpi.and_then(|kpi| ratio(reached[i], kpi)),
                time_to_convert: TimeToConvert {
                    from_previous: durations(f.from_previous),
                    from_first: durations(f.from_first),
                },
            }
        })
        .collect()
}

/// The funnel per period of stage-1 time, periods in time order, empty periods left out.
fn trend(j: &hir::Journey, unit: TrendUnit, buckets: Vec<TrendPeriod>) -> TrendOut {
    TrendOut {
        unit: format!("{unit:?}").to_lowercase(),
        buckets: buckets
            .into_iter()
            .map(|(day, reached)| TrendBucket {
                start: chrono::NaiveDate::from_num_days_from_ce_opt(day)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                conversion: (0..reached.len())
                    .map(|k| previous_required(j, k).and_then(|p| ratio(reached[k], reached[p])))
                    .collect(),
                reached,
            })
            .collect(),
    }
}

/// Per stage, a group's conversion against the rest's: the group's contacts at the stage out of
/// those at the previous required stage, against the same for every other contact (the whole
/// funnel's counts less the group's).
fn vs_rest(
    j: &hir::Journey,
    group: &[StageResult],
    whole: &[u64],
    from: usize,
) -> Vec<Option<VsRest>> {
    use crate::engine::significance;
    (0..group.len())
        .map(|k| {
            if k < from {
                return None;
            }
            let p = previous_required(j, k)?;
            let (x, n) = (group[k].reached, group[p].reached);
            let (rest_x, rest_n) = (whole[k].checked_sub(x)?, whole[p].checked_sub(n)?);
            let (p_value, test) = significance::p_value(x, n, rest_x, rest_n)?;
            Some(VsRest {
                p_value,
                test,
                significant: significance::significant(p_value, n, rest_n),
            })
        })
        .collect()
}

/// A journey's results from its scope counts and its figures.
pub(super) fn result(
    options: &RunOptions,
    data: &DataSet,
    s: &Source<'_>,
    (contacts, rows, skipped): (u64, u64, SkippedRows),
    figures: Figures,
    fingerprint: &str,
) -> JourneyResult {
    let j = s.journey;
    let segments = segment_names(j)
        .into_iter()
        .zip(figures.segments)
        .map(|(n, c)| SegmentCount {
            segment: n.to_string(),
            contacts: c,
        })
        .collect();
    let trend = figures.trend.map(|(unit, buckets)| trend(j, unit, buckets));
    let stages = stage_metrics(j, Some(contacts), figures.stages);
    let whole: Vec<u64> = stages.iter().map(|s| s.reached).collect();
    let breakdown = match (breakdown_column(options, j), figures.breakdown) {
        (Some(column), Some(groups)) => {
            // A value read on stage N's activity says nothing of how contacts got to N: only the
            // conversions after it are compared, among the groups of values; a value from the
            // deepest stage depends on how far each contact went, so nothing is.
            let compared_from = match by_from(options, j) {
                ByFrom::Stage(k) => k + 1,
                ByFrom::Last => usize::MAX,
            };
            let mut pool = whole.clone();
            for g in groups.iter().filter(|g| g.not_reached) {
                for (p, s) in pool.iter_mut().zip(&g.stages) {
                    *p -= s.reached;
                }
            }
            Some(BreakdownOut {
                column: column.to_string(),
                from: match by_from(options, j) {
                    ByFrom::Stage(0) => None,
                    ByFrom::Stage(k) => Some(format!("stage {}", k + 1)),
                    ByFrom::Last => Some("last stage".to_string()),
                },
                groups: groups
                    .into_iter()
                    .map(|g| {
                        let group = stage_metrics(j, None, g.stages);
                        BreakdownGroup {
                            value: g.value,
                            other_values: g.other_values,
                            not_reached: g.not_reached,
                            vs_rest: match g.not_reached {
                                true => Vec::new(),
                                false => vs_rest(j, &group, &pool, compared_from),
                            },
                            stages: group,
                        }
                    })
                    .collect(),
            })
        }
        _ => None,
    };
    JourneyResult {
        journey: j.name.clone(),
        source_sha256: sha256_hex(s.text.as_bytes()),
        data: data
            .paths()
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        data_fingerprint: fingerprint.to_string(),
        computed_at: computed_at(),
        period: j.period.map(|p| PeriodOut {
            from: rfc3339(p.from),
            to: rfc3339(p.to),
        }),
        window_seconds: j.window.as_ref().map(|w| w.node as f64 / 1e6),
        order: format!("{:?}", j.order).to_lowercase(),
        count_by: j.count_by.as_ref().map(|c| c.node.clone()),
        contacts_in_scope: contacts,
        rows_in_scope: rows,
        rows_skipped: skipped.total(),
        skipped_rows: skipped,
        data_skipped: data
            .listing
            .skipped
            .iter()
            .map(|s| SkippedPath {
                path: s.path.display().to_string(),
                reason: s.reason.clone(),
            })
            .collect(),
        warnings: Vec::new(),
        stages,
        segments,
        trend,
        breakdown,
        source: s
            .text
            .get(j.span.start..j.span.end)
            .unwrap_or(s.text)
            .to_string(),
        timings: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures_of(j: &hir::Journey, contacts: &[ContactReach]) -> Figures {
        figures(program(&RunOptions::default(), j), contacts)
    }

    /// The durations from stage 1 to stage 2 of contacts reaching stage 2 after `micros`.
    fn second_stage(micros: &[i64]) -> Durations {
        let src = "journey \"J\" {\n  stage \"A\" { when registered }\n  stage \"B\" { when opened email }\n}\n";
        let (_, checked) = crate::check::check_source(src);
        let j = &checked.journeys[0];
        let contacts: Vec<ContactReach> = micros
            .iter()
            .map(|&v| ContactReach {
                reach: vec![Some(0), Some(v)],
                by: None,
            })
            .collect();
        let stages = stage_metrics(j, None, figures_of(j, &contacts).stages);
        stages[1].time_to_convert.from_previous.clone().unwrap()
    }

    #[test]
    fn nearest_rank_percentiles_and_the_mean() {
        let hours: Vec<i64> = [1, 2, 3, 10].iter().map(|h| h * 3_600_000_000).collect();
        assert_eq!(nearest_rank(&hours, 0.5), 2 * 3_600_000_000);
        assert_eq!(nearest_rank(&hours, 0.9), 10 * 3_600_000_000);
        assert_eq!(nearest_rank(&[7], 0.9), 7);
        let d = second_stage(&hours);
        assert_eq!(d.mean_seconds, 4.0 * 3600.0);
        assert_eq!(d.median_seconds, 2.0 * 3600.0);
        // docs/semantics.md's example: ranks 1, 3, 4 and 4.
        let h = |n: f64| Some(n * 3600.0);
        let got = [d.p25_seconds, d.p75_seconds, d.p95_seconds, d.p99_seconds];
        assert_eq!(got, [h(1.0), h(3.0), h(10.0), h(10.0)]);
    }

    #[test]
    fn histogram_buckets_hold_every_duration_once() {
        let s = 1_000_000i64;
        let values = [0, 59 * s, 60 * s, 3599 * s, 3600 * s, 40 * 86_400 * s];
        let h = second_stage(&values).histogram;
        assert_eq!(h.len(), HISTOGRAM_BUCKETS.len() + 1);
        assert_eq!(
            h.iter().map(|b| b.contacts).sum::<u64>(),
            values.len() as u64
        );
        assert_eq!(
            (h[0].from_seconds, h[0].to_seconds, h[0].contacts),
            (0, Some(60), 2)
        );
        assert_eq!(h[1].contacts, 1, "60 s starts the second bucket");
        assert_eq!(h[2].contacts, 1);
        assert_eq!(h[3].contacts, 1, "an hour starts the fourth");
        assert_eq!((h[9].to_seconds, h[9].contacts), (None, 1));
    }

    #[test]
    fn furthest_segment() {
        let src = "journey \"J\" {\n  stage \"A\" {\n    segment prospect\n    when registered\n  }\n  stage \"B\" { when opened email }\n  stage \"C\" {\n    segment lead\n    when submitted form \"f\"\n  }\n}\n";
        let (_, checked) = crate::check::check_source(src);
        let j = &checked.journeys[0];
        let reach = |depth: usize| ContactReach {
            reach: vec![Some(0); depth],
            by: None,
        };
        let contacts: Vec<ContactReach> = [0, 1, 2, 2, 3].into_iter().map(reach).collect();
        let counts = figures_of(j, &contacts).segments;
        // Depth 0 has no segment; depth 2 stays "prospect" (stage B has no label).
        assert_eq!(segment_names(j), vec!["prospect", "lead"]);
        assert_eq!(counts, vec![3, 1]);
    }

    #[test]
    fn summaries_merge_in_any_order_to_the_same_figures() {
        let src = "journey \"J\" {\n  by channel\n  trend weekly\n  stage \"A\" {\n    segment prospect\n    when registered\n  }\n  stage \"B\" { when opened email }\n}\n";
        let (_, checked) = crate::check::check_source(src);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let j = &checked.journeys[0];
        let day = 86_400_000_000i64;
        let contacts: Vec<ContactReach> = (0..40)
            .map(|i| ContactReach {
                reach: if i % 3 == 0 {
                    vec![Some(i * day)]
                } else {
                    vec![Some(i * day), Some(i * day + i * 1_000_000)]
                },
                by: (i % 4 != 0).then(|| format!("v{}", i % 5)),
            })
            .collect();
        let p = program(
            &RunOptions {
                top: 2,
                ..RunOptions::default()
            },
            j,
        );
        let whole = figures(p.clone(), &contacts);
        let mut parts: Vec<Summary> = contacts
            .chunks(7)
            .map(|cs| {
                let mut s = Summary::new(p.clone());
                cs.iter().for_each(|c| s.add(c));
                s
            })
            .collect();
        parts.reverse();
        let mut merged = Summary::new(p);
        for part in parts {
            // As a cluster passes them: JSON.
            let text = serde_json::to_string(&part).unwrap();
            merged.merge(serde_json::from_str(&text).unwrap());
        }
        assert_eq!(merged.figures(), whole);
        // The figures come back from JSON as they were (a cluster sends them so), sums past
        // 2^64 included.
        let text = serde_json::to_string(&whole).unwrap();
        assert_eq!(serde_json::from_str::<Figures>(&text).unwrap(), whole);
        let mut big = whole.clone();
        if let Some(d) = big.stages[1].from_previous.as_mut() {
            d.sum = i128::from(i64::MAX) * 1000;
        }
        let text = serde_json::to_string(&big).unwrap();
        assert_eq!(serde_json::from_str::<Figures>(&text).unwrap(), big);
        assert_eq!(
            whole.breakdown.as_ref().map(Vec::len),
            Some(3),
            "two values and other"
        );
    }

    #[test]
    fn a_value_from_stage_n_puts_contacts_without_it_in_not_reached() {
        // docs/semantics.md, "Where the value comes from".
        let src = "journey \"J\" {\n  by device from stage 2\n  stage \"A\" { when registered }\n  stage \"B\" { when opened email }\n  stage \"C\" { when clicked link in email }\n}\n";
        let (_, checked) = crate::check::check_source(src);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let j = &checked.journeys[0];
        assert_eq!(j.by_from, ByFrom::Stage(1));
        let c = |depth: usize, by: Option<&str>| ContactReach {
            reach: vec![Some(0); depth],
            by: by.map(str::to_string),
        };
        // Three contacts stopped at stage 1 (the engine gives them no value from stage 2),
        // three reached stage 2 or 3 on desktop or with no device.
        let contacts = [
            c(1, None),
            c(1, None),
            c(1, None),
            c(2, Some("desktop")),
            c(3, Some("desktop")),
            c(3, None),
        ];
        let p = program(
            &RunOptions {
                top: 1,
                ..RunOptions::default()
            },
            j,
        );
        let f = figures(p, &contacts);
        let groups = f.breakdown.expect("a breakdown");
        let shown: Vec<(Option<&str>, u64, bool, Vec<u64>)> = groups
            .iter()
            .map(|g| {
                let reached = g.stages.iter().map(|s| s.reached).collect();
                (g.value.as_deref(), g.other_values, g.not_reached, reached)
            })
            .collect();
        // `--top 1` keeps one value; "(none)" goes to "other"; "(not reached)" is never merged,
        // though it is the largest group.
        assert_eq!(
            shown,
            vec![
                (Some("desktop"), 0, false, vec![2, 2, 1]),
                (None, 1, false, vec![1, 1, 1]),
                (None, 0, true, vec![3, 0, 0]),
            ]
        );
        assert_eq!(
            f.stages.iter().map(|s| s.reached).collect::<Vec<_>>(),
            vec![6, 3, 2]
        );
        // `from last stage`: every contact has a value from its deepest stage.
        let last = program(
            &RunOptions {
                by: Some("device".into()),
                by_from: Some(ByFrom::Last),
                ..RunOptions::default()
            },
            j,
        );
        let groups = figures(last, &contacts).breakdown.expect("a breakdown");
        assert!(groups.iter().all(|g| !g.not_reached));
    }
}
