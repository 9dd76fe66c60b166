//! `journey run --timings`: where the time goes — per phase, and the rows the scan read and
//! kept.

use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    /// Putting the journeys' plan together.
    pub plan: Duration,
    /// The one pass over the data: decoding, the stage filter, the contacts in scope, and the
    /// journeys' expressions on the kept rows.
    pub scan: Duration,
    /// Sorting the kept rows by contact and searching each contact's chain.
    pub chains: Duration,
    /// Turning reach times into metrics.
    pub metrics: Duration,
    /// Rows the scan produced, and rows that matched a stage (reached the chain search).
    pub rows_scanned: u64,
    pub rows_matched: u64,
    /// Data files read, and not read (outside every period, hidden, empty, …).
    pub files_read: u64,
    pub files_skipped: u64,
    /// The text columns the scan read as dictionaries, their rules tested once per distinct
    /// value (`data::dictionary`).
    pub dictionaries: Vec<String>,
    /// Parquet row groups read, and skipped by their statistics.
    pub row_groups_read: u64,
    pub row_groups_skipped: u64,
    /// Under `--memory-limit`: the kept rows' sort's spills to disk (files, bytes).
    pub spills: Option<(u64, u64)>,
    /// Under `--memory-limit`: contacts searched as their rows streamed by, and the largest's
    /// kept rows.
    pub streamed: (u64, u64),
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
    let row_groups = if t.row_groups_read + t.row_groups_skipped > 0 {
        format!(
            "  row groups read {}, skipped by statistics {}\n",
            t.row_groups_read, t.row_groups_skipped
        )
    } else {
        String::new()
    };
    let dictionaries = match t.dictionaries.as_slice() {
        [] => String::new(),
        names => format!("  read as dictionaries {}\n", names.join(", ")),
    };
    let spills = match t.spills {
        Some((files, bytes)) => format!(
            "  kept rows spilled to disk {files} times, {} MiB\n",
            bytes >> 20
        ),
        None => String::new(),
    };
    let streamed = match t.streamed {
        (0, _) => String::new(),
        (n, largest) => format!(
            "  contacts searched as their rows streamed by {n} (the largest with {largest} kept rows)\n"
        ),
    };
    format!(
        "timings for {journey}:\n  parse and check  {}\n  plan             {}\n  scan and filter  {}\n  chain search     {}\n  metrics          {}\n  report           {}\n  files read {}, not read {}\n{row_groups}{dictionaries}  rows scanned {}, matched a stage {}{share}\n{spills}{streamed}",
        ms(parse),
        ms(t.plan),
        ms(t.scan),
        ms(t.chains),
        ms(t.metrics),
        ms(report),
        t.files_read,
        t.files_skipped,
        t.rows_scanned,
        t.rows_matched,
    )
}
