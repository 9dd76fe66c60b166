//! `journey run --fail-under-kpi`: the stages that missed their KPI, for a scheduled check.

use crate::run::results::JourneyResult;

/// A stage with a KPI whose count of contacts reached is under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub journey: String,
    pub stage: usize,
    pub name: String,
    pub reached: u64,
    pub kpi: u64,
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\"{}\" stage {} \"{}\" reached {} of its KPI {} ({:.1}%)",
            self.journey,
            self.stage,
            self.name,
            self.reached,
            self.kpi,
            self.reached as f64 * 100.0 / self.kpi as f64
        )
    }
}

/// Every stage of `results` that misses its KPI (docs/semantics.md: reached < kpi), in order.
pub fn misses(results: &[JourneyResult]) -> Vec<Miss> {
    results
        .iter()
        .flat_map(|r| {
            r.stages.iter().filter_map(|s| match s.kpi {
                Some(kpi) if s.reached < kpi => Some(Miss {
                    journey: r.journey.clone(),
                    stage: s.number,
                    name: s.name.clone(),
                    reached: s.reached,
                    kpi,
                }),
                _ => None,
            })
        })
        .collect()
}

/// The message on standard error, one line per stage; `None` when every KPI is met.
pub fn report(misses: &[Miss]) -> Option<String> {
    if misses.is_empty() {
        return None;
    }
    let mut out = match misses.len() {
        1 => "error: 1 stage missed its KPI (--fail-under-kpi):\n".to_string(),
        n => format!("error: {n} stages missed their KPIs (--fail-under-kpi):\n"),
    };
    for m in misses {
        out.push_str(&format!("  {m}\n"));
    }
    Some(out)
}
