//! `journey run --timings`: where the time goes — per phase, and the rows the funnel scan read
//! and kept — from wall clocks and the executed physical plan's metrics.

use datafusion::physical_plan::ExecutionPlan;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    /// Putting the journeys' plans together.
    pub plan: Duration,
    /// The scope plan: contacts and rows in scope (its own scan).
    pub scope: Duration,
    /// The funnel plan, scan to aggregate output.
    pub funnel: Duration,
    /// Of which: CPU time inside the aggregate (summed over partitions).
    pub aggregate_cpu: Duration,
    /// Turning reach times into metrics.
    pub metrics: Duration,
    /// Rows the funnel scan produced, and rows that matched a stage (reached the aggregate).
    pub rows_scanned: u64,
    pub rows_matched: u64,
}

/// Rows out of the scan, rows into the aggregate, and the aggregate's CPU time, from an executed
/// plan's metrics.
pub fn from_plan(plan: &dyn ExecutionPlan, t: &mut Timings) {
    let name = plan.name();
    let metrics = plan.metrics();
    let rows = metrics.as_ref().and_then(|m| m.output_rows()).unwrap_or(0) as u64;
    if name == "DataSourceExec" {
        t.rows_scanned += rows;
    }
    if name == "FilterExec" {
        t.rows_matched += rows;
    }
    if name == "AggregateExec" {
        let nanos = metrics
            .as_ref()
            .and_then(|m| m.elapsed_compute())
            .unwrap_or(0);
        t.aggregate_cpu += Duration::from_nanos(nanos as u64);
    }
    for child in plan.children() {
        from_plan(child.as_ref(), t);
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The report on standard error.
pub fn render(journey: &str, parse: Duration, t: &Timings, report: Duration) -> String {
    let share = if t.rows_scanned > 0 {
        format!(
            " ({:.2}%)",
            t.rows_matched as f64 * 100.0 / t.rows_scanned as f64
        )
    } else {
        String::new()
    };
    format!(
        "timings for {journey}:\n  parse and check  {}\n  plan             {}\n  scope scan       {}\n  funnel scan+filter+aggregate {} (aggregate CPU {})\n  metrics          {}\n  report           {}\n  rows scanned {}, matched a stage {}{share}\n",
        ms(parse),
        ms(t.plan),
        ms(t.scope),
        ms(t.funnel),
        ms(t.aggregate_cpu),
        ms(t.metrics),
        ms(report),
        t.rows_scanned,
        t.rows_matched,
    )
}
