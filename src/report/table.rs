//! The terminal table: the funnel a marketer reads, fitting 80 columns.

use crate::run::results::{JourneyResult, StageResult};
use comfy_table::{
    presets, CellAlignment, ColumnConstraint, ContentArrangement, Table, TableComponent, Width,
};

/// "12.5%"
/// A rate as a percentage with one decimal, the one way every output writes it.
pub(super) fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn pct(v: Option<f64>) -> String {
    v.map(percent).unwrap_or_else(|| "–".into())
}

/// 1234567 → "1,234,567"
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in the largest unit that keeps it readable: "45 s", "12 min", "3.5 h", "2.1 d".
pub fn human_duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else if seconds < 3600.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 86_400.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} d", seconds / 86_400.0)
    }
}

/// A window or period length: whole days as days, else hours.
pub fn span_text(seconds: f64) -> String {
    if seconds >= 86_400.0 && seconds % 86_400.0 == 0.0 {
        let d = seconds / 86_400.0;
        format!("{d:.0} day{}", if d == 1.0 { "" } else { "s" })
    } else {
        human_duration(seconds)
    }
}

/// The frame every terminal table shares: no borders, a rule under the header, wrapped to
/// `width`.
pub(super) fn frame<T: ToString>(header: Vec<T>, width: u16) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_style(TableComponent::HeaderLines, '─')
        .set_style(TableComponent::MiddleHeaderIntersections, '─')
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    t
}

/// Every column at least as wide as its longest word: a table too wide for the width wraps its
/// cells at spaces, and grows past the width rather than break a word.
pub(super) fn keep_words_whole(t: &mut Table) {
    let mut longest: Vec<u16> = Vec::new();
    let rows = t.header().into_iter().chain(t.row_iter());
    for row in rows {
        for (i, cell) in row.cell_iter().enumerate() {
            let word = cell
                .content()
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            if longest.len() <= i {
                longest.resize(i + 1, 0);
            }
            longest[i] = longest[i].max(word.min(u16::MAX as usize) as u16);
        }
    }
    // A fixed width counts the column's padding too.
    for (c, w) in t.column_iter_mut().zip(longest) {
        let padded = w.saturating_add(c.padding_width());
        c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(padded)));
    }
}

/// The width tables are laid out for: the terminal's when standard output is one, else 80.
pub fn output_width() -> u16 {
    Table::new().width().unwrap_or(80)
}

/// "16.9% of 1,000", or empty for a stage without a KPI.
pub(super) fn kpi_text(s: &StageResult) -> String {
    match (s.kpi, s.kpi_progress) {
        (Some(k), Some(p)) => format!("{} of {}", percent(p), thousands(k)),
        _ => String::new(),
    }
}

/// The median time from the previous stage, or empty.
pub(super) fn median_text(s: &StageResult) -> String {
    s.time_to_convert
        .from_previous
        .as_ref()
        .map(|d| human_duration(d.median_seconds))
        .unwrap_or_default()
}

pub fn table(r: &JourneyResult, width: u16) -> String {
    // Under `count by` every count is of the column's values.
    let unit = if r.count_by.is_some() {
        "Units"
    } else {
        "Contacts"
    };
    let mut t = frame(
        vec!["#", "Stage", unit, "Conv.", "Drop-off", "KPI", "Median"],
        width,
    );
    for s in &r.stages {
        let kpi = kpi_text(s);
        let median = median_text(s);
        let mut notes: Vec<&str> = Vec::new();
        if s.optional {
            notes.push("optional");
        }
        if let Some(seg) = &s.segment {
            notes.push(seg);
        }
        let name = if notes.is_empty() {
            s.name.clone()
        } else {
            format!("{}\n  {}", s.name, notes.join(", "))
        };
        t.add_row(vec![
            s.number.to_string(),
            name,
            thousands(s.reached),
            pct(s.conversion),
            if s.dropped.is_some() {
                pct(s.dropped_rate)
            } else {
                String::new()
            },
            kpi,
            median,
        ]);
    }
    for (i, c) in t.column_iter_mut().enumerate() {
        c.set_padding((0, 2));
        if i != 1 {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut facts = vec![match &r.count_by {
        Some(unit) => format!(
            "{} units in scope (count by {unit})",
            thousands(r.contacts_in_scope)
        ),
        None => format!("{} contacts in scope", thousands(r.contacts_in_scope)),
    }];
    if let Some(w) = r.window_seconds {
        facts.push(format!("window {}", span_text(w)));
    }
    if r.order != "sequential" {
        facts.push(format!("order {}", r.order));
    }
    if r.rows_skipped > 0 {
        facts.push(format!("{} rows skipped", thousands(r.rows_skipped)));
    }
    if !r.data_skipped.is_empty() {
        facts.push(format!(
            "{} {} not read",
            r.data_skipped.len(),
            if r.data_skipped.len() == 1 {
                "path"
            } else {
                "paths"
            }
        ));
    }
    if let Some(p) = &r.period {
        facts.push(format!("period {} .. {}", p.from, p.to));
    }
    keep_words_whole(&mut t);
    let table = t
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let segments = if r.segments.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = r
            .segments
            .iter()
            .map(|s| format!("{} {}", s.segment, thousands(s.contacts)))
            .collect();
        format!("\nFurthest segment reached: {}.\n", parts.join(", "))
    };
    let trend = r
        .trend
        .as_ref()
        .map(|t| trend_table(t, width))
        .unwrap_or_default();
    let trend = trend
        + &r.breakdown
            .as_ref()
            .map(|b| breakdown_table(b, width))
            .unwrap_or_default();
    format!(
        "{}\n{}\n\n{table}\n{segments}{trend}\nConv.: share of the previous stage (stage 1: of {} in scope).\nMedian: time from the previous stage.\n{}",
        r.journey,
        facts.join(" · "),
        unit.to_lowercase(),
        warnings(r, width)
    )
}

/// The run's warnings, each with its code, place and help, wrapped to the width.
fn warnings(r: &JourneyResult, width: u16) -> String {
    if r.warnings.is_empty() {
        return String::new();
    }
    let width = (width as usize).max(40);
    let mut out = String::from("\nWarnings:\n");
    for w in &r.warnings {
        let place = match w.line {
            Some(l) => format!(" (line {l})"),
            None => String::new(),
        };
        let head = format!("warning[{}]{place}: {}", w.code, w.message);
        let first = textwrap::Options::new(width).subsequent_indent("  ");
        out.push_str(&textwrap::fill(&head, first));
        out.push('\n');
        if let Some(h) = &w.help {
            let help = textwrap::Options::new(width)
                .initial_indent("  help: ")
                .subsequent_indent("        ");
            out.push_str(&textwrap::fill(h, help));
            out.push('\n');
        }
    }
    out
}

/// A table of counts: a first text column, then right-aligned numbers; lines trimmed.
fn count_table(header: Vec<String>, rows: Vec<Vec<String>>, width: u16) -> String {
    let mut table = frame(header, width);
    for row in rows {
        table.add_row(row);
    }
    for (i, c) in table.column_iter_mut().enumerate() {
        c.set_padding((0, 2));
        if i > 0 {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    keep_words_whole(&mut table);
    table
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Contacts reaching each stage, per breakdown value.
fn breakdown_table(b: &crate::run::results::BreakdownOut, width: u16) -> String {
    let stages = b.groups.first().map(|g| g.stages.len()).unwrap_or(0);
    let mut header = vec![b.column.clone()];
    header.extend((1..=stages).map(|k| format!("Stage {k}")));
    header.push("Overall".into());
    let rows = b
        .groups
        .iter()
        .map(|g| {
            let mut row = vec![g.label()];
            row.extend(g.stages.iter().enumerate().map(|(k, s)| {
                let star = if marked(g, k) { " *" } else { "" };
                format!("{}{star}", thousands(s.reached))
            }));
            row.push(pct(g.stages.last().and_then(|s| s.overall)));
            row
        })
        .collect();
    let text = count_table(header, rows, width);
    let stars = b
        .groups
        .iter()
        .any(|g| (0..g.stages.len()).any(|k| marked(g, k)));
    let stars = match stars {
        true => "* the group's conversion into the stage differs from the other groups' together:\n  p < 0.05 (two-proportion z-test, or Fisher's exact test for small counts), 30\n  contacts or more on each side.\n",
        false => "",
    };
    let other = b
        .groups
        .iter()
        .find(|g| g.other_values > 0)
        .map(|g| format!("(other): the {} further values together.\n", g.other_values))
        .unwrap_or_default();
    let not_reached = match (&b.from, b.groups.iter().any(|g| g.not_reached)) {
        (Some(from), true) => {
            format!("(not reached): contacts whose chain does not reach {from}.\n")
        }
        _ => String::new(),
    };
    format!(
        "\nContacts by `{}` of {}:\n\n{text}\n{other}{not_reached}{stars}",
        b.column,
        from_text(b.from.as_deref())
    )
}

/// Which activity a breakdown's value is read on, in words.
pub(super) fn from_text(from: Option<&str>) -> String {
    match from {
        None => "the activity that entered stage 1".to_string(),
        Some("last stage") => "the activity that completed the deepest stage reached".to_string(),
        Some(stage) => format!("the activity that completed {stage}"),
    }
}

/// The group's conversion into stage `k` differs significantly from the rest's.
pub(super) fn marked(g: &crate::run::results::BreakdownGroup, k: usize) -> bool {
    matches!(g.vs_rest.get(k), Some(Some(v)) if v.significant)
}

/// Contacts reaching each stage, per period of stage-1 time.
fn trend_table(t: &crate::run::results::TrendOut, width: u16) -> String {
    let stages = t.buckets.first().map(|b| b.reached.len()).unwrap_or(0);
    let first = match t.unit.as_str() {
        "daily" => "Day",
        "weekly" => "Week of",
        _ => "Month of",
    };
    let mut header = vec![first.to_string()];
    header.extend((1..=stages).map(|k| format!("Stage {k}")));
    let rows = t
        .buckets
        .iter()
        .map(|b| {
            let mut row = vec![b.start.clone()];
            row.extend(b.reached.iter().map(|n| thousands(*n)));
            row
        })
        .collect();
    let text = count_table(header, rows, width);
    format!(
        "\nContacts by the {} their chain started (UTC):\n\n{text}\n",
        period_word(&t.unit)
    )
}

fn period_word(unit: &str) -> &'static str {
    match unit {
        "daily" => "day",
        "weekly" => "week",
        _ => "month",
    }
}
