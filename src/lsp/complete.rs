//! Completion: what the grammar accepts at the cursor ([`crate::syntax::next`]), as keywords,
//! rule names, operators, segments, time units, column names (`journey.toml`'s fields and
//! declared columns) and, inside a stage reference, the journey's stage names.

use super::document::Document;
use super::navigate::stages;
use crate::check::hir::Segment;
use crate::config::Config;
use crate::syntax::parser::Rule as R;
use lsp_types::{CompletionItem, CompletionItemKind};

const CONDITION_STARTS: &[&str] = &[
    "visited page",
    "landed on page",
    "submitted form",
    "clicked link in email",
    "opened email",
    "custom activity",
    "registered",
    "activity",
    "any activity",
    "all of",
    "any of",
    "at least",
    "not",
];
const OPERATORS: &[&str] = &[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "starts with",
    "ends with",
    "matches",
    "like",
    "in",
    "is null",
    "is not null",
];
const UNITS: &[&str] = &["seconds", "minutes", "hours", "days", "weeks"];

/// The words a grammar rule expected at the cursor stands for.
fn words(rule: R) -> &'static [&'static str] {
    use R::*;
    match rule {
        journey | kw_journey => &["journey"],
        stage | kw_stage | stage_ref => &["stage"],
        description | kw_description => &["description"],
        period | kw_period => &["period"],
        within | kw_within => &["within"],
        of_previous_stage | kw_of => &["of previous stage"],
        kw_previous => &["previous stage"],
        min_gap => &["at least"],
        kw_after => &["after previous stage"],
        order | kw_order => &["order"],
        order_kind => &["sequential", "strict", "any"],
        kw_sequential => &["sequential"],
        kw_strict => &["strict"],
        ties | kw_ties => &["ties"],
        ties_kind => &["allowed", "forbidden"],
        kw_allowed => &["allowed"],
        kw_forbidden => &["forbidden"],
        exclude | kw_exclude => &["exclude"],
        when | kw_when => &["when"],
        kw_between => &["between"],
        breakdown | kw_by => &["by"],
        by_source | kw_from => &["from stage", "from last stage"],
        last_stage | kw_last => &["last stage"],
        count_by | kw_count => &["count by"],
        same | kw_same => &["same"],
        trend | kw_trend => &["trend"],
        trend_kind => &["daily", "weekly", "monthly"],
        segment | kw_segment => &["segment"],
        kpi | kw_kpi => &["kpi"],
        optional | kw_optional => &["optional"],
        condition | or_expr | and_expr | unary | unary_counted | activity_rule => CONDITION_STARTS,
        not_op | kw_not => &["not"],
        all_of | kw_all => &["all of"],
        any_of => &["any of"],
        kw_any => &["any"],
        counted | kw_at => &["at least"],
        kw_least => &["least"],
        kw_times => &["times"],
        visited_page | kw_visited => &["visited page"],
        landed_on_page | kw_landed => &["landed on page"],
        on_channel => &["on channel"],
        kw_on => &["on"],
        kw_channel => &["channel"],
        kw_page => &["page"],
        submitted_form | kw_submitted => &["submitted form"],
        kw_form => &["form"],
        clicked_email | kw_clicked => &["clicked link in email"],
        kw_link => &["link in email"],
        kw_in => &["in"],
        kw_email => &["email"],
        opened_email | kw_opened => &["opened email"],
        custom_activity | kw_custom => &["custom activity"],
        kw_activity | activity_type => &["activity"],
        any_activity => &["any activity"],
        registered | kw_registered => &["registered"],
        where_clause | kw_where => &["where"],
        null_test | kw_is => &["is null", "is not null"],
        kw_null => &["null"],
        in_list => &["in"],
        compare_op => OPERATORS,
        kw_contains => &["contains"],
        starts_with | kw_starts => &["starts with"],
        ends_with | kw_ends => &["ends with"],
        kw_with => &["with"],
        kw_matches => &["matches"],
        kw_like => &["like"],
        kw_and => &["and"],
        kw_or => &["or"],
        boolean => &["true", "false"],
        kw_true => &["true"],
        kw_false => &["false"],
        _ => &[],
    }
}

pub fn complete(doc: &Document, offset: usize, config: &Config) -> Vec<CompletionItem> {
    let text = &doc.text;
    let offset = crate::span::floor_char_boundary(text, offset.min(text.len()));
    if doc
        .parsed
        .comments
        .iter()
        .any(|c| c.span.start < offset && offset <= c.span.end)
    {
        return Vec::new();
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    if before.matches('"').count() % 2 == 1 {
        // Inside a string: only a stage reference's name can be completed.
        let quote = line_start + before.rfind('"').expect("an odd count has one");
        return if is_stage_reference(text, quote) {
            stage_names(doc, offset, false)
        } else {
            Vec::new()
        };
    }
    let word_start = offset
        - before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .map(char::len_utf8)
            .sum::<usize>();
    let expected = crate::syntax::next::expected_at(text, word_start);
    let mut out: Vec<CompletionItem> = Vec::new();
    let mut push = |item: CompletionItem| {
        if !out.iter().any(|o| o.label == item.label) {
            out.push(item);
        }
    };
    for &rule in &expected {
        match rule {
            R::column | R::comparison | R::where_or | R::where_and => {
                for item in columns(config) {
                    push(item);
                }
            }
            R::word => {
                for s in Segment::ALL {
                    push(item(s.name(), CompletionItemKind::ENUM_MEMBER, "segment"));
                }
            }
            R::duration_unit => {
                for u in UNITS {
                    push(item(u, CompletionItemKind::UNIT, "time unit"));
                }
            }
            R::string if is_stage_reference(text, word_start) => {
                for i in stage_names(doc, offset, true) {
                    push(i);
                }
            }
            _ => {
                for w in words(rule) {
                    push(item(w, CompletionItemKind::KEYWORD, "keyword"));
                }
            }
        }
    }
    out
}

/// Whether the string starting at `quote` (or about to) follows `between stage` / `and stage`
/// / `from stage`.
fn is_stage_reference(text: &str, quote: usize) -> bool {
    let mut words = text[..quote].split_whitespace().rev();
    words.next() == Some("stage") && matches!(words.next(), Some("between" | "and" | "from"))
}

/// The names of the journey's stages, quoted unless the cursor is already in the quotes.
fn stage_names(doc: &Document, offset: usize, quoted: bool) -> Vec<CompletionItem> {
    let Some(j) = doc.journey_at(offset) else {
        return Vec::new();
    };
    stages(j)
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let quoted_name = crate::fmt::quote(&s.name.node);
            let mut it = item(
                &s.name.node,
                CompletionItemKind::REFERENCE,
                &format!("stage {}", i + 1),
            );
            it.insert_text = Some(if quoted {
                quoted_name
            } else {
                quoted_name[1..quoted_name.len() - 1].to_string()
            });
            it
        })
        .collect()
}

fn columns(config: &Config) -> Vec<CompletionItem> {
    let c = &config.columns;
    let fields = [
        ("contact", &c.contact),
        ("activity_id", &c.activity_id),
        ("time", &c.time),
        ("type", &c.activity_type),
        ("url", &c.url),
        ("channel", &c.channel),
        ("form", &c.form),
        ("email", &c.email),
        ("value", &c.value),
        ("title", &c.title),
    ];
    let mut out: Vec<CompletionItem> = fields
        .iter()
        .map(|(name, column)| {
            item(
                name,
                CompletionItemKind::FIELD,
                &format!("field, the data's column `{column}`"),
            )
        })
        .collect();
    for (name, ty) in &config.types {
        if !out.iter().any(|i| &i.label == name) {
            out.push(item(
                name,
                CompletionItemKind::FIELD,
                &format!("column declared {ty:?} in journey.toml").to_lowercase(),
            ));
        }
    }
    out
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}
