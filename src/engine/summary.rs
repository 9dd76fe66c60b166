//! The metrics' arithmetic, mergeable: what docs/semantics.md's numbers need of a journey's
//! contacts ([`Summary`], built from each contact's reach and merged across partitions) and the
//! figures they come to ([`Figures`]: per stage the contacts reached and the time-to-convert
//! quantiles, per breakdown value, per trend period, per segment). A local run and a cluster
//! run (the `journey_metrics` aggregate, [`super::metrics_udaf`]) both go through it, so they
//! give the same numbers; the runner adds the names, KPIs and ratios.
//!
//! Exact quantiles need every duration, so a summary holds them (8 bytes per reached stage of a
//! contact); the figures hold none.

use super::program::ByFrom;
use super::reach::ContactReach;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bucket bounds in seconds: under a minute, 10 minutes, an hour, 6 hours, a day, 3 days, a
/// week, two weeks, 30 days, and longer.
pub const HISTOGRAM_BUCKETS: [u64; 9] = [
    60, 600, 3600, 21_600, 86_400, 259_200, 604_800, 1_209_600, 2_592_000,
];

/// A trend's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrendUnit {
    Daily,
    Weekly,
    Monthly,
}

/// What a journey's metrics are asked for: all a summary needs to know (plain data, so it can
/// travel with a plan).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MetricsProgram {
    pub stages: usize,
    /// Whether contacts are broken down by their `by` value.
    pub by: bool,
    /// Which activity of the counted chain gives that value.
    #[serde(default)]
    pub by_from: ByFrom,
    /// With a breakdown, how many values are shown before "other".
    pub top: usize,
    pub trend: Option<TrendUnit>,
    /// Per stage, the index of its segment label among the journey's labels.
    pub segment_of: Vec<Option<usize>>,
    pub segments: usize,
}

/// One group of contacts (all, or one breakdown value): per stage, the contacts that reached
/// it and their durations from the previous stage on the chain and from stage 1 (µs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    reached: Vec<u64>,
    from_previous: Vec<Vec<i64>>,
    from_first: Vec<Vec<i64>>,
}

impl Group {
    fn new(stages: usize) -> Group {
        Group {
            reached: vec![0; stages],
            from_previous: vec![Vec::new(); stages],
            from_first: vec![Vec::new(); stages],
        }
    }

    fn add(&mut self, c: &ContactReach) {
        // The previous stage on the contact's chain (skipped optional stages are not on it).
        let mut previous: Option<i64> = None;
        for (i, t) in c.reach.iter().enumerate().take(self.reached.len()) {
            let Some(t) = *t else { continue };
            self.reached[i] += 1;
            if let (Some(p), Some(Some(first))) = (previous, c.reach.first()) {
                self.from_previous[i].push(t - p);
                self.from_first[i].push(t - first);
            }
            previous = Some(t);
        }
    }

    fn merge(&mut self, o: Group) {
        for (k, (n, (p, f))) in o
            .reached
            .into_iter()
            .zip(o.from_previous.into_iter().zip(o.from_first))
            .enumerate()
        {
            self.reached[k] += n;
            self.from_previous[k].extend(p);
            self.from_first[k].extend(f);
        }
    }

    fn figures(self) -> Vec<StageFigures> {
        self.reached
            .into_iter()
            .zip(self.from_previous.into_iter().zip(self.from_first))
            .map(|(reached, (p, f))| StageFigures {
                reached,
                from_previous: durations(p),
                from_first: durations(f),
            })
            .collect()
    }
}

/// A contact's breakdown group. The order is the one ties are shown in: values, then NULL, then
/// the contacts that did not reach the stage the value comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum GroupKey {
    Value(String),
    /// NULL on the activity (and the one group of a journey without a breakdown).
    Null,
    /// `by … from stage N`: the counted chain does not hold stage N.
    NotReached,
}

/// A journey's contacts, as the metrics need them; merged across partitions in any order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    program: MetricsProgram,
    /// Contacts that reached stage 1, by breakdown group (one group, `Null`, without one).
    #[serde(with = "pairs")]
    groups: BTreeMap<GroupKey, Group>,
    /// Per period (its first day, days from the common era), contacts reaching each stage.
    trend: BTreeMap<i32, Vec<u64>>,
    segments: Vec<u64>,
}

impl Summary {
    pub fn new(program: MetricsProgram) -> Summary {
        Summary {
            segments: vec![0; program.segments],
            program,
            groups: BTreeMap::new(),
            trend: BTreeMap::new(),
        }
    }

    pub fn program(&self) -> &MetricsProgram {
        &self.program
    }

    /// One contact's reach (a contact that did not reach stage 1 counts in no number).
    pub fn add(&mut self, c: &ContactReach) {
        let Some(Some(t1)) = c.reach.first() else {
            return;
        };
        let stages = self.program.stages;
        let key = match (self.program.by, self.program.by_from) {
            (false, _) => GroupKey::Null,
            (true, ByFrom::Stage(k)) if !c.reached(k) => GroupKey::NotReached,
            (true, _) => c.by.clone().map_or(GroupKey::Null, GroupKey::Value),
        };
        self.groups
            .entry(key)
            .or_insert_with(|| Group::new(stages))
            .add(c);
        if let Some(unit) = self.program.trend {
            let counts = self
                .trend
                .entry(period_start(unit, *t1))
                .or_insert_with(|| vec![0; stages]);
            for (k, n) in counts.iter_mut().enumerate() {
                if c.reached(k) {
                    *n += 1;
                }
            }
        }
        // The segment of the deepest labelled stage on the chain.
        let labels = &self.program.segment_of;
        let deepest = (0..c.reach.len().min(labels.len())).rev().find_map(|k| {
            if c.reached(k) {
                labels[k]
            } else {
                None
            }
        });
        if let Some(s) = deepest.and_then(|i| self.segments.get_mut(i)) {
            *s += 1;
        }
    }

    /// How many durations it holds (what its size is mostly made of).
    pub fn durations(&self) -> usize {
        self.groups
            .values()
            .map(|g| {
                g.from_previous
                    .iter()
                    .chain(&g.from_first)
                    .map(Vec::len)
                    .sum::<usize>()
            })
            .sum()
    }

    /// Another partition's summary of the same journey.
    pub fn merge(&mut self, o: Summary) {
        let stages = self.program.stages;
        for (key, g) in o.groups {
            self.groups
                .entry(key)
                .or_insert_with(|| Group::new(stages))
                .merge(g);
        }
        for (day, counts) in o.trend {
            let mine = self.trend.entry(day).or_insert_with(|| vec![0; stages]);
            for (m, n) in mine.iter_mut().zip(counts) {
                *m += n;
            }
        }
        for (m, n) in self.segments.iter_mut().zip(o.segments) {
            *m += n;
        }
    }

    /// The figures: the whole funnel, the breakdown (the `top` values with the most contacts
    /// reaching stage 1, ties by value, NULL last, the rest merged into one "other" group, then
    /// the contacts that did not reach the value's stage, never merged), the trend in time order
    /// and the segments.
    pub fn figures(mut self) -> Figures {
        let stages = self.program.stages;
        let mut all = Group::new(stages);
        let breakdown = if self.program.by {
            let not_reached = self.groups.remove(&GroupKey::NotReached);
            let mut values: Vec<(GroupKey, Group)> = self.groups.into_iter().collect();
            values.sort_by(|a, b| {
                b.1.reached[0]
                    .cmp(&a.1.reached[0])
                    .then_with(|| a.0.cmp(&b.0))
            });
            let rest = values.split_off(self.program.top.min(values.len()));
            let mut out = Vec::new();
            for (key, g) in values {
                all.merge(g.clone());
                out.push(GroupFigures {
                    value: match key {
                        GroupKey::Value(v) => Some(v),
                        _ => None,
                    },
                    other_values: 0,
                    not_reached: false,
                    stages: g.figures(),
                });
            }
            if !rest.is_empty() {
                let mut other = Group::new(stages);
                let n = rest.len() as u64;
                for (_, g) in rest {
                    all.merge(g.clone());
                    other.merge(g);
                }
                out.push(GroupFigures {
                    value: None,
                    other_values: n,
                    not_reached: false,
                    stages: other.figures(),
                });
            }
            if let Some(g) = not_reached {
                all.merge(g.clone());
                out.push(GroupFigures {
                    value: None,
                    other_values: 0,
                    not_reached: true,
                    stages: g.figures(),
                });
            }
            Some(out)
        } else {
            for (_, g) in self.groups {
                all.merge(g);
            }
            None
        };
        Figures {
            stages: all.figures(),
            breakdown,
            trend: self
                .program
                .trend
                .map(|unit| (unit, self.trend.into_iter().collect())),
            segments: self.segments,
        }
    }
}

/// A map with keys JSON cannot have (NULL among the values) as a list of pairs.
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// The first day of the period holding `micros` (UTC), in days from the common era.
fn period_start(unit: TrendUnit, micros: i64) -> i32 {
    use chrono::Datelike;
    let date = chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.date_naive())
        .unwrap_or_default();
    let start = match unit {
        TrendUnit::Daily => date,
        TrendUnit::Weekly => date - chrono::Days::new(date.weekday().num_days_from_monday() as u64),
        TrendUnit::Monthly => date.with_day(1).unwrap_or(date),
    };
    start.num_days_from_ce()
}

/// A trend period's first day (days from the common era) and its contacts reaching each stage.
pub type TrendPeriod = (i32, Vec<u64>);

/// What a journey's contacts come to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub stages: Vec<StageFigures>,
    pub breakdown: Option<Vec<GroupFigures>>,
    /// Per period with a contact (its first day, days from the common era), contacts reaching
    /// each stage.
    pub trend: Option<(TrendUnit, Vec<TrendPeriod>)>,
    pub segments: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFigures {
    /// The breakdown value (`None`: NULL, or "other" when `other_values` > 0, or "not
    /// reached").
    pub value: Option<String>,
    pub other_values: u64,
    /// The contacts whose counted chain does not hold the stage the value comes from.
    #[serde(default)]
    pub not_reached: bool,
    pub stages: Vec<StageFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageFigures {
    pub reached: u64,
    pub from_previous: Option<DurationFigures>,
    pub from_first: Option<DurationFigures>,
}

/// Durations' nearest-rank percentiles (25th, median, 75th, 90th, 95th, 99th), their sum (for
/// the mean) and histogram, in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DurationFigures {
    pub count: u64,
    pub p25: i64,
    pub median: i64,
    pub p75: i64,
    pub p90: i64,
    pub p95: i64,
    pub p99: i64,
    pub sum: i128,
    /// Per bucket of [`HISTOGRAM_BUCKETS`] (and one for longer).
    pub histogram: Vec<u64>,
}

/// Nearest-rank percentile `p` (0 < p <= 1) of sorted values: the value at rank ⌈p·n⌉.
pub fn nearest_rank(sorted: &[i64], p: f64) -> i64 {
    let n = sorted.len();
    let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

fn durations(mut micros: Vec<i64>) -> Option<DurationFigures> {
    if micros.is_empty() {
        return None;
    }
    micros.sort_unstable();
    let sum: i128 = micros.iter().map(|&v| v as i128).sum();
    let mut histogram = vec![0u64; HISTOGRAM_BUCKETS.len() + 1];
    // A negative duration (`order any` can reach a stage before the one listed before it)
    // falls in no bucket: the first starts at 0.
    for &v in micros.iter().filter(|&&v| v >= 0) {
        let bucket = HISTOGRAM_BUCKETS
            .iter()
            .position(|&to| v < to as i64 * 1_000_000)
            .unwrap_or(HISTOGRAM_BUCKETS.len());
        histogram[bucket] += 1;
    }
    Some(DurationFigures {
        count: micros.len() as u64,
        p25: nearest_rank(&micros, 0.25),
        median: nearest_rank(&micros, 0.5),
        p75: nearest_rank(&micros, 0.75),
        p90: nearest_rank(&micros, 0.9),
        p95: nearest_rank(&micros, 0.95),
        p99: nearest_rank(&micros, 0.99),
        sum,
        histogram,
    })
}
