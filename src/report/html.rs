//! The HTML report: one self-contained file (inline CSS, no script, no network) a marketer opens
//! on a laptop or a phone, or prints. Charts are plain HTML boxes sized in percent, so text stays
//! readable at any width and printers keep the bars (`print-color-adjust`). Each chart's numbers
//! are repeated in the table under it, and every bar carries `data-` attributes naming what it
//! shows, for scripts and for the browser test.

use super::table::{human_duration, kpi_text, median_text, span_text, thousands};
use crate::run::results::{Durations, JourneyResult, StageResult};
use std::fmt::Write;

const CSS: &str = include_str!("report.css");

/// The whole page for one or more journeys' results.
pub fn page(results: &[JourneyResult]) -> String {
    let title = match results {
        [one] => one.journey.clone(),
        many => format!("{} journeys", many.len()),
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"journey {}\">\n<title>{} · journey report</title>\n\
         <style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    );
    if results.len() > 1 {
        out.push_str(
            "<nav aria-label=\"Journeys in this report\"><h2>Journeys in this report</h2><ol>\n",
        );
        for (i, r) in results.iter().enumerate() {
            let _ = writeln!(
                out,
                "<li><a href=\"#journey-{}\">{}</a></li>",
                i + 1,
                esc(&r.journey)
            );
        }
        out.push_str("</ol></nav>\n");
    }
    for (i, r) in results.iter().enumerate() {
        journey(&mut out, i + 1, r);
    }
    let _ = write!(
        out,
        "<footer>Made by journey {} · every number is defined in docs/semantics.md</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn journey(out: &mut String, id: usize, r: &JourneyResult) {
    let _ = writeln!(
        out,
        "<section class=\"journey\" id=\"journey-{id}\">\n<h1>{}</h1>",
        esc(&r.journey)
    );
    let mut facts = vec![match &r.count_by {
        Some(unit) => format!(
            "<b>{}</b> units in scope (count by {})",
            thousands(r.contacts_in_scope),
            esc(unit)
        ),
        None => format!(
            "<b>{}</b> contacts in scope",
            thousands(r.contacts_in_scope)
        ),
    }];
    if let Some(w) = r.window_seconds {
        facts.push(format!("window {}", span_text(w)));
    }
    facts.push(format!("order {}", esc(&r.order)));
    if let Some(p) = &r.period {
        facts.push(format!("period {} to {}", esc(&p.from), esc(&p.to)));
    }
    let _ = writeln!(out, "<p class=\"facts\">{}</p>", facts.join(" · "));
    warnings(out, r);
    funnel(out, r);
    stage_table(out, &r.stages);
    time_to_convert(out, &r.stages);
    if let Some(b) = &r.breakdown {
        breakdown(out, b);
    }
    if let Some(t) = &r.trend {
        trend(out, t, &r.stages);
    }
    if !r.segments.is_empty() {
        out.push_str("<h2>Segments</h2>\n<p class=\"note\">Contacts whose furthest labelled stage carries the segment.</p>\n<ul class=\"segments\">\n");
        for s in &r.segments {
            let _ = writeln!(
                out,
                "<li><span>{}</span> <b>{}</b></li>",
                esc(&s.segment),
                thousands(s.contacts)
            );
        }
        out.push_str("</ul>\n");
    }
    if !r.source.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Journey source</h2>\n<pre class=\"source\"><code>{}</code></pre>",
            esc(&r.source)
        );
    }
    let files = r
        .data
        .iter()
        .map(|f| format!("<code>{}</code>", esc(f)))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "<dl class=\"provenance\">\n<dt>Computed at</dt><dd>{}</dd>\n<dt>Data</dt><dd>{files}</dd>\n\
         <dt>Data fingerprint</dt><dd><code>{}</code></dd>\n<dt>Journey file SHA-256</dt><dd><code>{}</code></dd>\n\
         <dt>Rows in scope</dt><dd>{}{}</dd>\n</dl>\n</section>",
        esc(&r.computed_at),
        esc(&r.data_fingerprint),
        esc(&r.source_sha256),
        thousands(r.rows_in_scope),
        if r.rows_skipped > 0 {
            format!(" ({} skipped)", crate::report::skipped_rows_text(&r.skipped_rows))
        } else {
            String::new()
        }
    );
    if !r.data_skipped.is_empty() {
        let items: String = r
            .data_skipped
            .iter()
            .map(|s| format!("<li><code>{}</code>: {}</li>", esc(&s.path), esc(&s.reason)))
            .collect();
        let _ = writeln!(out, "<h2>Not read</h2>\n<ul class=\"skipped\">{items}</ul>");
    }
}

/// The run's warnings, above the funnel: a zero that is a mistake must be seen first.
fn warnings(out: &mut String, r: &JourneyResult) {
    if r.warnings.is_empty() {
        return;
    }
    out.push_str("<ul class=\"warnings\" role=\"note\">\n");
    for w in &r.warnings {
        let place = w.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        let help = w
            .help
            .as_ref()
            .map(|h| format!("<br><span class=\"help\">{}</span>", esc(h)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<li data-code=\"{}\"><strong>warning[{}]</strong>{place}: {}{help}</li>",
            esc(&w.code),
            esc(&w.code),
            esc(&w.message)
        );
    }
    out.push_str("</ul>\n");
}

/// The funnel: a bar per stage (width ∝ contacts), the KPI target as a mark on the same scale,
/// and the drop-off between stages.
fn funnel(out: &mut String, r: &JourneyResult) {
    let scale = r
        .stages
        .iter()
        .flat_map(|s| [s.reached, s.kpi.unwrap_or(0)])
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    out.push_str("<h2>Funnel</h2>\n<figure class=\"funnel\" aria-label=\"Funnel chart\">\n");
    for s in &r.stages {
        let mut tags = Vec::new();
        if s.optional {
            tags.push("optional".to_string());
        }
        if let Some(seg) = &s.segment {
            tags.push(esc(seg));
        }
        let tags: String = tags
            .iter()
            .map(|t| format!(" <span class=\"tag\">{t}</span>"))
            .collect();
        let _ = writeln!(
            out,
            "<div class=\"stage{}\" data-stage=\"{}\">\n<div class=\"label\"><span class=\"name\">{}. {}</span>{tags}<span class=\"count\">{}</span></div>",
            if s.optional { " optional" } else { "" },
            s.number,
            s.number,
            esc(&s.name),
            thousands(s.reached)
        );
        let _ = write!(
            out,
            "<div class=\"track\"><div class=\"bar\" data-stage=\"{}\" data-reached=\"{}\" style=\"width:{:.3}%\"></div>",
            s.number,
            s.reached,
            100.0 * s.reached as f64 / scale
        );
        if let Some(k) = s.kpi {
            let _ = write!(
                out,
                "<div class=\"kpi\" data-kpi=\"{k}\" style=\"left:{:.3}%\" title=\"KPI target {}\"></div>",
                100.0 * k as f64 / scale,
                thousands(k)
            );
        }
        out.push_str("</div>\n<div class=\"meta\">");
        let mut meta = Vec::new();
        match s.conversion {
            Some(c) if s.number == 1 => meta.push(format!("{} of contacts in scope", pct(c))),
            Some(c) => meta.push(format!("{} conversion", pct(c))),
            None => {}
        }
        if let (Some(k), Some(p)) = (s.kpi, s.kpi_progress) {
            let class = if p >= 1.0 { "met" } else { "short" };
            meta.push(format!(
                "<span class=\"{class}\">KPI {} of {}</span>",
                pct(p),
                thousands(k)
            ));
        }
        out.push_str(&meta.join(" · "));
        out.push_str("</div>\n</div>\n");
        if let (Some(d), Some(rate)) = (s.dropped, s.dropped_rate) {
            let _ = writeln!(
                out,
                "<div class=\"drop\" data-dropped=\"{d}\">↓ {} dropped off ({})</div>",
                pct(rate),
                thousands(d)
            );
        }
    }
    out.push_str("</figure>\n");
}

fn stage_table(out: &mut String, stages: &[StageResult]) {
    out.push_str(
        "<div class=\"scroll\"><table class=\"stages\">\n<thead><tr><th>#</th><th>Stage</th><th>Contacts</th><th>Conv.</th>\
         <th>Overall</th><th>Drop-off</th><th>KPI</th><th>Median time</th></tr></thead>\n<tbody>\n",
    );
    for s in stages {
        let kpi = kpi_text(s);
        let median = median_text(s);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{kpi}</td><td>{median}</td></tr>",
            s.number,
            esc(&s.name),
            thousands(s.reached),
            opt_pct(s.conversion),
            opt_pct(s.overall),
            opt_pct(s.dropped_rate),
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// Median time from the previous stage, one bar per stage, with the spread in the tooltip.
fn time_to_convert(out: &mut String, stages: &[StageResult]) {
    let rows: Vec<(&StageResult, &Durations)> = stages
        .iter()
        .filter_map(|s| s.time_to_convert.from_previous.as_ref().map(|d| (s, d)))
        .filter(|(_, d)| d.count > 0)
        .collect();
    if rows.is_empty() {
        return;
    }
    let scale = rows
        .iter()
        .map(|(_, d)| d.median_seconds)
        .fold(0.0, f64::max)
        .max(1.0);
    out.push_str("<h2>Time to convert</h2>\n<p class=\"note\">Median time from the previous stage (mean in the tooltip); below, its percentiles.</p>\n<figure class=\"bars\" aria-label=\"Time to convert chart\">\n");
    for (s, d) in rows {
        let _ = writeln!(
            out,
            "<div class=\"row\"><span class=\"name\">{}. {}</span><div class=\"track\"><div class=\"bar time\" data-stage=\"{}\" style=\"width:{:.3}%\" title=\"mean {} over {} contacts\"></div></div><span class=\"value\">{}</span></div>",
            s.number,
            esc(&s.name),
            s.number,
            100.0 * d.median_seconds / scale,
            human_duration(d.mean_seconds),
            thousands(d.count),
            human_duration(d.median_seconds)
        );
    }
    out.push_str("</figure>\n");
    spread(out, stages);
}

/// The percentiles of the time from the previous stage, per stage.
fn spread(out: &mut String, stages: &[StageResult]) {
    out.push_str(
        "<div class=\"scroll\"><table class=\"spread\">\n<thead><tr><th>#</th><th>Stage</th><th>25th</th><th>Median</th>\
         <th>75th</th><th>90th</th><th>95th</th><th>99th</th><th>Mean</th></tr></thead>\n<tbody>\n",
    );
    for s in stages {
        let Some(d) = s
            .time_to_convert
            .from_previous
            .as_ref()
            .filter(|d| d.count > 0)
        else {
            continue;
        };
        let t = |v: Option<f64>| v.map(human_duration).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.number,
            esc(&s.name),
            t(d.p25_seconds),
            human_duration(d.median_seconds),
            t(d.p75_seconds),
            human_duration(d.p90_seconds),
            t(d.p95_seconds),
            t(d.p99_seconds),
            human_duration(d.mean_seconds),
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// Per group: contacts at stage 1 (outer bar) and at the last stage (inner bar).
fn breakdown(out: &mut String, b: &crate::run::results::BreakdownOut) {
    let scale = b
        .groups
        .iter()
        .filter_map(|g| g.stages.first().map(|s| s.reached))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let _ = writeln!(
        out,
        "<h2>By {}</h2>\n<p class=\"note\">Value on {}: contacts at stage 1 (light) and at the last stage (dark).</p>\n<figure class=\"bars\" aria-label=\"Breakdown chart\">",
        esc(&b.column),
        esc(&super::table::from_text(b.from.as_deref()))
    );
    for g in &b.groups {
        let (Some(first), Some(last)) = (g.stages.first(), g.stages.last()) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<div class=\"row\"><span class=\"name\">{}</span><div class=\"track\"><div class=\"bar\" data-group=\"{}\" data-reached=\"{}\" style=\"width:{:.3}%\"><div class=\"inner\" style=\"width:{:.3}%\"></div></div></div><span class=\"value\">{} → {} ({})</span></div>",
            esc(&g.label()),
            esc(&g.label()),
            first.reached,
            100.0 * first.reached as f64 / scale,
            if first.reached > 0 { 100.0 * last.reached as f64 / first.reached as f64 } else { 0.0 },
            thousands(first.reached),
            thousands(last.reached),
            opt_pct(last.overall),
        );
    }
    out.push_str("</figure>\n<div class=\"scroll\"><table class=\"breakdown\">\n<thead><tr><th>");
    out.push_str(&esc(&b.column));
    out.push_str("</th>");
    if let Some(g) = b.groups.first() {
        for s in &g.stages {
            let _ = write!(out, "<th>{}. {}</th>", s.number, esc(&s.name));
        }
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for g in &b.groups {
        let _ = write!(out, "<tr><td>{}</td>", esc(&g.label()));
        for (k, s) in g.stages.iter().enumerate() {
            match g.vs_rest.get(k) {
                Some(Some(v)) if v.significant => {
                    let _ = write!(
                        out,
                        "<td>{} <abbr class=\"sig\" title=\"conversion differs from the other groups' (p = {:.4})\">*</abbr></td>",
                        thousands(s.reached),
                        v.p_value
                    );
                }
                _ => {
                    let _ = write!(out, "<td>{}</td>", thousands(s.reached));
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    if (b.groups.iter()).any(|g| (0..g.stages.len()).any(|k| super::table::marked(g, k))) {
        out.push_str("<p class=\"note\">* the group's conversion into the stage differs from the other groups' together: p &lt; 0.05 (two-proportion z-test, or Fisher's exact test for small counts), 30 contacts or more on each side.</p>\n");
    }
}

/// Per period: contacts starting the journey (bar height) and reaching the last stage (inner).
fn trend(out: &mut String, t: &crate::run::results::TrendOut, stages: &[StageResult]) {
    let scale = t
        .buckets
        .iter()
        .filter_map(|b| b.reached.first().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let last = stages.last().map(|s| s.name.as_str()).unwrap_or("");
    let _ = writeln!(
        out,
        "<h2>Trend ({})</h2>\n<p class=\"note\">Per period of stage-1 time: contacts entering (light) and reaching “{}” (dark).</p>\n<figure class=\"columns\" aria-label=\"Trend chart\">",
        esc(&t.unit),
        esc(last)
    );
    for b in &t.buckets {
        let first = b.reached.first().copied().unwrap_or(0);
        let end = b.reached.last().copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "<div class=\"column\" title=\"{}: {} entered, {} reached the last stage\"><div class=\"bar\" data-period=\"{}\" data-reached=\"{first}\" style=\"height:{:.3}%\"><div class=\"inner\" style=\"height:{:.3}%\"></div></div><span>{}</span></div>",
            esc(&b.start),
            thousands(first),
            thousands(end),
            esc(&b.start),
            100.0 * first as f64 / scale,
            if first > 0 { 100.0 * end as f64 / first as f64 } else { 0.0 },
            esc(&b.start),
        );
    }
    out.push_str("</figure>\n");
}

fn pct(v: f64) -> String {
    super::table::percent(v)
}

fn opt_pct(v: Option<f64>) -> String {
    v.map(pct).unwrap_or_else(|| "–".into())
}

/// Text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
