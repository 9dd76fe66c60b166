//! Turns pest's "expected rule_x, rule_y" into words a marketer understands, and spots the
//! misspelled keyword behind a parse error ("unknown keyword `kpl`: did you mean `kpi`?").

use super::lexer;
use super::parser::Rule as R;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::Diagnostic;
use crate::span::{floor_char_boundary, Span};

/// The words for a rule in "expected …"; `None` for rules never worth naming.
pub fn describe(rule: R) -> Option<&'static str> {
    use R::*;
    Some(match rule {
        journey | kw_journey => "`journey`",
        stage | kw_stage => "`stage`",
        name => "a quoted name",
        string | string_inner => "a quoted string",
        description | kw_description => "`description`",
        period | kw_period => "`period`",
        within | kw_within => "`within`",
        of_previous_stage | kw_of => "`of`",
        kw_previous => "`previous`",
        kw_after => "`after`",
        order | kw_order => "`order`",
        order_kind => "`sequential`, `strict` or `any`",
        kw_sequential => "`sequential`",
        kw_strict => "`strict`",
        ties | kw_ties => "`ties`",
        ties_kind => "`allowed` or `forbidden`",
        kw_allowed => "`allowed`",
        kw_forbidden => "`forbidden`",
        exclude | kw_exclude => "`exclude`",
        kw_when | when => "`when`",
        kw_between => "`between`",
        stage_ref => "`stage` and a stage number or name",
        breakdown | kw_by => "`by`",
        by_source | kw_from => "`from`",
        last_stage | kw_last => "`last stage`",
        count_by | kw_count => "`count by`",
        same | kw_same => "`same`",
        trend | kw_trend => "`trend`",
        trend_kind => "`daily`, `weekly` or `monthly`",
        kw_daily => "`daily`",
        kw_weekly => "`weekly`",
        kw_monthly => "`monthly`",
        segment | kw_segment => "`segment`",
        kpi | kw_kpi => "`kpi`",
        optional | kw_optional => "`optional`",
        condition | or_expr | and_expr | unary | unary_counted | primary => "a condition",
        not_op | kw_not => "`not`",
        paren | lparen => "`(`",
        rparen => "`)`",
        all_of | kw_all => "`all of`",
        any_of => "`any of`",
        kw_any => "`any`",
        counted | kw_at | min_gap => "`at least`",
        kw_least => "`least`",
        kw_times => "`times`",
        activity_rule | rule_kind => "a rule such as `visited page`",
        visited_page | kw_visited => "`visited`",
        landed_on_page | kw_landed => "`landed`",
        on_channel | kw_on => "`on`",
        kw_channel => "`channel`",
        kw_page => "`page`",
        submitted_form | kw_submitted => "`submitted`",
        kw_form => "`form`",
        clicked_email | kw_clicked => "`clicked`",
        kw_link => "`link`",
        kw_in | in_list => "`in`",
        kw_email => "`email`",
        opened_email | kw_opened => "`opened`",
        custom_activity | kw_custom => "`custom`",
        kw_activity | activity_type | any_activity => "`activity`",
        registered | kw_registered => "`registered`",
        where_clause | kw_where => "`where`",
        where_or | where_and | where_atom | comparison | where_paren => {
            "a comparison such as `url contains \"x\"`"
        }
        null_test | kw_is => "`is`",
        kw_null => "`null`",
        compare_op | op_ne | op_le | op_ge | op_lt | op_gt | op_eq => {
            "an operator (`=`, `!=`, `<`, `contains`, `starts with`, `matches`, `like`, …)"
        }
        kw_contains => "`contains`",
        kw_like => "`like`",
        starts_with | kw_starts => "`starts with`",
        ends_with | kw_ends => "`ends with`",
        kw_matches => "`matches`",
        kw_and => "`and`",
        kw_or => "`or`",
        list | lbracket => "`[`",
        rbracket => "`]`",
        literal => "a value (a quoted string, a number, a date, true or false)",
        boolean | kw_true | kw_false => "`true` or `false`",
        integer => "a whole number",
        float => "a number",
        time_point => "a date such as 2025-09-01",
        duration => "a duration such as `30 days`",
        duration_unit => "a time unit (s, minutes, hours, days, weeks)",
        column => "a column name",
        word => "a segment name",
        lbrace => "`{`",
        rbrace => "`}`",
        comma => "`,`",
        colon => "`:`",
        dotdot => "`..`",
        test | kw_test => "`test`",
        test_start | kw_start => "`start`",
        test_contact | kw_contact => "`contact`",
        test_activity => "an activity such as `at +1 day submitted form \"f\"`",
        moment => "a time: `+2 days` (after the test's start) or a date",
        offset => "a time after the test's start, such as `+2 days`",
        fields | kw_with => "`with`",
        field => "a column and its value, such as `value \"x\"`",
        expect | kw_expect => "`expect`",
        expect_reach => "a contact's id in quotes",
        kw_reaches => "`reaches`",
        no_stage | kw_no => "`no stage`",
        expect_counts | kw_counts => "`counts`",
        EOI => "end of file",
        _ => return None,
    })
}

const CONDITION_WORDS: &[&str] = &[
    "visited",
    "landed",
    "submitted",
    "clicked",
    "opened",
    "custom",
    "registered",
    "activity",
    "any",
    "all",
    "at",
    "not",
];
const ITEM_WORDS: &[&str] = &[
    "stage",
    "description",
    "period",
    "within",
    "order",
    "ties",
    "exclude",
    "by",
    "count",
    "same",
    "trend",
    "segment",
    "kpi",
    "optional",
    "at",
    "when",
];

/// Every keyword of the language (a word that is one is misplaced, not misspelled).
pub const ALL_KEYWORDS: &[&str] = &[
    "journey",
    "stage",
    "description",
    "period",
    "within",
    "of",
    "previous",
    "after",
    "order",
    "sequential",
    "strict",
    "any",
    "ties",
    "allowed",
    "forbidden",
    "exclude",
    "when",
    "between",
    "from",
    "last",
    "and",
    "or",
    "not",
    "by",
    "count",
    "same",
    "trend",
    "daily",
    "weekly",
    "monthly",
    "segment",
    "kpi",
    "optional",
    "all",
    "at",
    "least",
    "times",
    "time",
    "visited",
    "page",
    "landed",
    "on",
    "channel",
    "submitted",
    "form",
    "clicked",
    "link",
    "in",
    "email",
    "opened",
    "custom",
    "activity",
    "registered",
    "where",
    "is",
    "null",
    "contains",
    "starts",
    "ends",
    "with",
    "matches",
    "like",
    "true",
    "false",
    "test",
    "start",
    "contact",
    "expect",
    "reaches",
    "no",
    "counts",
];

fn is_keyword(word: &str) -> bool {
    ALL_KEYWORDS.contains(&word)
}

/// The keywords a rule can start with, for did-you-mean.
fn keywords_of(r: R) -> Vec<&'static str> {
    use R::*;
    if format!("{r:?}").starts_with("kw_") {
        // A keyword rule: its description is the keyword in backticks.
        let kw = describe(r)
            .map(|d| d.trim_matches('`'))
            .filter(|w| !w.contains(' '));
        return kw.into_iter().collect();
    }
    let words: &'static [&'static str] = match r {
        condition | or_expr | and_expr | unary | primary | unary_counted | activity_rule
        | rule_kind => CONDITION_WORDS,
        stage | description | period | within | order | ties | exclude | breakdown | same
        | trend | segment | kpi | optional | min_gap | count_by | when => ITEM_WORDS,
        journey | kw_journey => &["journey"],
        test | kw_test => &["test"],
        test_item | test_start | test_contact | expect => &["start", "contact", "expect"],
        test_activity => &["at"],
        kw_reaches => &["reaches"],
        kw_counts | expect_counts => &["counts"],
        kw_stage | stage_ref => &["stage"],
        order_kind => &["sequential", "strict", "any"],
        ties_kind => &["allowed", "forbidden"],
        trend_kind => &["daily", "weekly", "monthly"],
        compare_op => &["contains", "starts", "ends", "matches", "like"],
        kw_like => &["like"],
        null_test | kw_is => &["is"],
        in_list | kw_in => &["in"],
        of_previous_stage | kw_of => &["of"],
        kw_previous => &["previous"],
        kw_after => &["after"],
        where_clause | kw_where => &["where"],
        on_channel | kw_on => &["on"],
        kw_channel => &["channel"],
        kw_page => &["page"],
        kw_form => &["form"],
        kw_link => &["link"],
        kw_email => &["email"],
        kw_activity => &["activity"],
        kw_least => &["least"],
        kw_times => &["times"],
        kw_between => &["between"],
        kw_when => &["when"],
        kw_and => &["and"],
        kw_or => &["or"],
        kw_null => &["null"],
        kw_with => &["with"],
        kw_not | not_op => &["not"],
        _ => &[],
    };
    words.to_vec()
}

/// A word-like token starting at `offset`, if any.
fn word_at(source: &str, offset: usize) -> Option<(&str, Span)> {
    let rest = &source[floor_char_boundary(source, offset)..];
    let len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let w = &rest[..len];
    if w.is_empty() || !w.chars().next().is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    Some((w, Span::new(offset, offset + len)))
}

/// The text at `offset` for "unexpected …": a word, a quoted string or one character.
fn token_at(source: &str, offset: usize) -> (String, Span) {
    if let Some((w, span)) = word_at(source, offset) {
        return (format!("`{w}`"), span);
    }
    let rest = &source[floor_char_boundary(source, offset)..];
    match rest.chars().next() {
        None => ("end of file".into(), Span::new(offset, offset)),
        Some('"') => {
            let end = rest[1..].find('"').map(|i| i + 2).unwrap_or(1);
            ("a quoted string".into(), Span::new(offset, offset + end))
        }
        Some(c) if c.is_ascii_digit() => {
            let len = rest
                .find(|c: char| {
                    !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' || c == ':')
                })
                .unwrap_or(rest.len());
            (
                format!("`{}`", &rest[..len]),
                Span::new(offset, offset + len),
            )
        }
        Some(c) => (format!("`{c}`"), Span::new(offset, offset + c.len_utf8())),
    }
}

/// "a, b or c"
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Describe a pest error at `offset` (absolute) in `source` as a coded diagnostic.
/// `chunk_start` is where the parser started, to find the block an early end of file left open.
pub fn diagnose(source: &str, chunk_start: usize, offset: usize, positives: &[R]) -> Diagnostic {
    let mut expected: Vec<&str> = Vec::new();
    for r in positives {
        if let Some(d) = describe(*r) {
            if !expected.contains(&d) {
                expected.push(d);
            }
        }
    }
    let mut keywords: Vec<&str> = Vec::new();
    for r in positives {
        for k in keywords_of(*r) {
            if !keywords.contains(&k) {
                keywords.push(k);
            }
        }
    }
    let at_end = source[floor_char_boundary(source, offset)..]
        .trim()
        .is_empty();

    if at_end && positives.contains(&R::rbrace) {
        let mut d = Diagnostic::new("J0007", "unexpected end of file: a block is not closed")
            .primary(last_char(source), "the file ends here, inside a block");
        if let Some(open) = lexer::unclosed_brace(source, chunk_start) {
            d = d.secondary(Span::new(open, open + 1), "this block is never closed");
        }
        return d.help("add the missing `}`; every `{` needs a matching `}`");
    }

    // `within 30` and a new line: the unit is missing after the number, not wrong on the next
    // line (whose first word is left for the message it deserves on its own).
    if positives.contains(&R::duration_unit) {
        let before = source[..offset].trim_end_matches([' ', '\t']);
        let digits = before.len()
            - before
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '_')
                .len();
        let number = Span::new(before.len() - digits, before.len());
        return Diagnostic::new("J0006", "a duration needs a time unit")
            .primary(number, "no unit after this number")
            .help("write the unit after the number, on the same line, e.g. `30 days`; units are s, minutes, hours, days and weeks");
    }

    if let Some((word, span)) = word_at(source, offset) {
        if keywords.contains(&"when") && CONDITION_WORDS.contains(&word) && word != "not" {
            return Diagnostic::new("J0001", "a condition needs `when` before it".to_string())
                .primary(span, "a condition where an option was expected")
                .help(format!("write `when {word} …`"));
        }
        if !keywords.is_empty() && !keywords.contains(&word) && !is_keyword(word) {
            let mut d = Diagnostic::new("J0003", format!("unknown keyword `{word}`"))
                .primary(span, format!("expected {}", shorten(&expected)));
            d = match did_you_mean(word, keywords.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("expected {}", join_or(&expected))),
            };
            return d;
        }
    }

    let (found, span) = token_at(source, offset);
    let help = match word_at(source, offset) {
        Some((w, _)) if expected == ["a quoted string"] || expected == ["a quoted name"] => {
            format!("names and values are written in double quotes: \"{w}\"")
        }
        _ => help_for(&expected),
    };
    Diagnostic::new("J0001", format!("unexpected {found}"))
        .primary(span, format!("expected {}", shorten(&expected)))
        .help(help)
}

/// A label stays short; the full list goes into the help.
fn shorten(expected: &[&str]) -> String {
    if expected.len() <= 4 {
        join_or(expected)
    } else {
        format!("{}, …", expected[..3].join(", "))
    }
}

fn help_for(expected: &[&str]) -> String {
    if expected.is_empty() {
        "see docs/language.md for the shape of a journey".into()
    } else {
        format!("expected {}", join_or(expected))
    }
}

/// The last non-blank character of the file (where "the file ends" is visible).
fn last_char(source: &str) -> Span {
    let trimmed = source.trim_end();
    match trimmed.char_indices().last() {
        Some((i, c)) => Span::new(i, i + c.len_utf8()),
        None => Span::new(0, 0),
    }
}
