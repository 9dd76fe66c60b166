//! Warnings for what matched nothing: a stage (W1001), a rule (W1002) or an exclusion (W1003)
//! that no activity in scope matches gives a silent zero, most often because the journey names
//! a form by its display name where the export has codes, or the activity types are not mapped.
//! Each says what the data has instead, closest first ("did you mean
//! `loan-for-small-businesses`?"); a journey none of whose activity types occur says so (W1004).
//!
//! The counts come from the run's own scan (each kept row's rule mask); only when something
//! matched nothing does journey look at the data again, for the values to suggest.

use crate::check::hir;
use crate::config::Config;
use crate::data::TABLE;
use crate::diagnostics::Diagnostic;
use crate::engine::program::Cond;
use crate::lower::{rule_parts, Lowered, RuleParts};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{cast, lit, Expr};
use datafusion::prelude::{ident, SessionContext};
use std::collections::BTreeMap;

/// Distinct values shown at most, and looked at at most, per column.
const SHOWN: usize = 3;
const LOOKED_AT: usize = 100_000;

pub(super) async fn warnings(
    ctx: &SessionContext,
    config: &Config,
    j: &hir::Journey,
    lowered: &Lowered,
    counts: &[u64],
) -> Result<Vec<Diagnostic>, Diagnostic> {
    if counts.iter().all(|&c| c > 0) {
        return Ok(Vec::new());
    }
    let parts: Vec<RuleParts> = lowered
        .rules
        .iter()
        .map(|r| rule_parts(r, config))
        .collect();
    let seen = Seen::gather(ctx, lowered, config, &parts, counts).await?;
    let zero = |b: usize| counts[b] == 0;
    let bits = |m: u64| (0..counts.len()).filter(move |b| m & (1 << b) != 0);

    // No activity type of the journey occurs at all: the mapping is missing.
    let all_codes: Vec<&String> = parts.iter().flat_map(|p| p.codes.iter()).collect();
    if counts.iter().all(|&c| c == 0)
        && !all_codes.is_empty()
        && all_codes.iter().all(|c| !seen.types.contains_key(*c))
    {
        let mut codes: Vec<&str> = all_codes.iter().map(|c| c.as_str()).collect();
        codes.sort();
        codes.dedup();
        // A ready mapping: each built-in type the journey uses, to the data's closest type.
        let mut mapping: Vec<String> = Vec::new();
        for p in &parts {
            let (Some(key), Some(code)) = (p.mapping, p.codes.first()) else {
                continue;
            };
            let key = key.trim_start_matches("activity_types.");
            if let Some((best, _)) = ranked(std::iter::once(code.as_str()), &seen.types).first() {
                let line = format!("{key} = \"{best}\"");
                if !mapping.contains(&line) {
                    mapping.push(line);
                }
            }
        }
        let help = if seen.types.is_empty() {
            "the data has no activities in scope".to_string()
        } else if mapping.is_empty() {
            format!(
                "the data's activity types are: {}; map the built-in ones under [activity_types] in journey.toml (e.g. form_submission = \"…\"), and name custom ones as the data does",
                most_frequent(&seen.types, 10)
            )
        } else {
            format!(
                "the data's activity types are: {}; perhaps, in journey.toml: [activity_types] {}",
                most_frequent(&seen.types, 10),
                mapping.join(", ")
            )
        };
        return Ok(vec![Diagnostic::new(
            "W1004",
            format!(
                "none of the journey's activity types occur in the data in scope ({})",
                codes.join(", ")
            ),
        )
        .primary(j.name_span, "every stage of this journey counts 0")
        .help(help)]);
    }

    let mut out = Vec::new();
    let mut reported = vec![false; counts.len()];
    for (k, stage) in j.stages.iter().enumerate() {
        let cond = &lowered.program.stages[k].cond;
        let positive: Vec<usize> = bits(cond.positive_mask()).collect();
        if !positive.is_empty() && positive.iter().all(|&b| zero(b)) {
            let why: Vec<String> = positive
                .iter()
                .map(|&b| seen.explain(&lowered.rules[b], &parts[b]))
                .collect();
            out.push(
                Diagnostic::new(
                    "W1001",
                    format!(
                        "stage {} \"{}\" matched no activity in scope: no contact can reach it",
                        k + 1,
                        stage.name
                    ),
                )
                .primary(stage.name_span, "matches no activity")
                .help(why.join("; ")),
            );
            positive.iter().for_each(|&b| reported[b] = true);
        }
        for b in positive.iter().copied().chain(absent_bits(cond)) {
            if zero(b) && !reported[b] {
                reported[b] = true;
                let in_not = absent_bits(cond).any(|a| a == b);
                out.push(rule_warning(&lowered.rules[b], &parts[b], &seen, in_not));
            }
        }
    }
    for (e, ex) in j.exclusions.iter().enumerate() {
        let mask = lowered.program.exclusions[e].mask;
        if bits(mask).all(zero) {
            let why: Vec<String> = bits(mask)
                .map(|b| seen.explain(&lowered.rules[b], &parts[b]))
                .collect();
            out.push(
                Diagnostic::new(
                    "W1003",
                    "this exclusion matched no activity in scope: it excludes no one",
                )
                .primary(ex.span, "matches no activity")
                .help(why.join("; ")),
            );
            bits(mask).for_each(|b| reported[b] = true);
        }
    }
    Ok(out)
}

fn rule_warning(r: &hir::RuleMatch, parts: &RuleParts, seen: &Seen, in_not: bool) -> Diagnostic {
    let text = rule_text(r);
    let message = if in_not {
        format!("`not {text}` matches no activity in scope: it leaves out no contact")
    } else {
        format!("rule `{text}` matched no activity in scope")
    };
    Diagnostic::new("W1002", message)
        .primary(r.span, "matches no activity")
        .help(seen.explain(r, parts))
}

fn rule_text(r: &hir::RuleMatch) -> String {
    crate::fmt::rule_text(&crate::syntax::ast::Rule {
        kind: r.kind.clone(),
        filter: r.filter.clone(),
        span: r.span,
    })
}

/// The rules a condition needs absent (`not …`).
fn absent_bits(c: &Cond) -> impl Iterator<Item = usize> {
    fn walk(c: &Cond, out: &mut u64) {
        match c {
            Cond::Absent(m) => *out |= m,
            Cond::All(parts) | Cond::Any(parts) => parts.iter().for_each(|p| walk(p, out)),
            _ => {}
        }
    }
    let mut m = 0;
    walk(c, &mut m);
    (0..64).filter(move |b| m & (1u64 << b) != 0)
}

/// What the data in scope has: activities per type, and per (type, column) the values.
struct Seen {
    types: BTreeMap<String, u64>,
    /// (column, type) → value → activities.
    values: BTreeMap<(String, String), BTreeMap<String, u64>>,
}

impl Seen {
    async fn gather(
        ctx: &SessionContext,
        lowered: &Lowered,
        config: &Config,
        parts: &[RuleParts],
        counts: &[u64],
    ) -> Result<Seen, Diagnostic> {
        let ty = cast(ident(&config.columns.activity_type), DataType::Utf8);
        let scope = lowered.in_scope();
        let types = grouped(ctx, scope.clone(), vec![ty.clone()])
            .await?
            .into_iter()
            .map(|(mut k, n)| (k.remove(0), n))
            .collect();
        // The columns the unmatched rules compare, and the types whose values matter.
        let mut wanted: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (b, p) in parts.iter().enumerate() {
            if counts[b] > 0 {
                continue;
            }
            for (column, _) in p.args.iter().chain(&p.patterns) {
                let codes = wanted.entry(column.clone()).or_default();
                codes.extend(p.codes.iter().cloned());
            }
        }
        let mut values: BTreeMap<(String, String), BTreeMap<String, u64>> = BTreeMap::new();
        for (column, codes) in wanted {
            let of_types = ty
                .clone()
                .in_list(codes.iter().map(|c| lit(c.clone())).collect(), false);
            let col = cast(ident(&column), DataType::Utf8);
            for (key, n) in grouped(ctx, scope.clone().and(of_types), vec![ty.clone(), col]).await?
            {
                let [t, v]: [String; 2] = key.try_into().expect("two keys");
                values.entry((column.clone(), t)).or_default().insert(v, n);
            }
        }
        Ok(Seen { types, values })
    }

    /// Why a rule matches nothing, and what the data has instead.
    fn explain(&self, r: &hir::RuleMatch, p: &RuleParts) -> String {
        let text = rule_text(r);
        if p.codes.is_empty() {
            return format!("`{text}`: the data has no activity in scope");
        }
        let present: Vec<&String> = p
            .codes
            .iter()
            .filter(|c| self.types.contains_key(*c))
            .collect();
        if present.is_empty() {
            let wanted = p.codes.join("` or `");
            let close = closest(p.codes.iter().map(String::as_str), &self.types);
            let mapping = p
                .mapping
                .map(|k| format!(" (map it with `{k} = \"…\"` in journey.toml)"))
                .unwrap_or_default();
            return match close {
                Some(c) => format!(
                    "`{text}`: no activity in scope has type `{wanted}`; did you mean {c}?{mapping}"
                ),
                None if self.types.is_empty() => {
                    format!("`{text}`: the data has no activities in scope")
                }
                None => format!(
                    "`{text}`: no activity in scope has type `{wanted}`{mapping}; the data's types are: {}",
                    most_frequent(&self.types, 10)
                ),
            };
        }
        let kinds = present
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let of_types = |column: &String| {
            let mut of_types: BTreeMap<String, u64> = BTreeMap::new();
            for c in &present {
                if let Some(vs) = self.values.get(&(column.clone(), (*c).clone())) {
                    for (v, n) in vs {
                        *of_types.entry(v.clone()).or_default() += n;
                    }
                }
            }
            of_types
        };
        for (column, pattern) in &p.patterns {
            let of_types = of_types(column);
            if of_types
                .keys()
                .any(|v| crate::check::pattern::matches(pattern, v))
            {
                continue;
            }
            return match of_types.is_empty() {
                true => format!(
                    "`{text}`: no {kinds} activity in scope has a value in column `{column}`"
                ),
                false => format!(
                    "`{text}`: no {kinds} activity in scope has a {column} like `{pattern}`; the most frequent: {}",
                    most_frequent(&of_types, SHOWN)
                ),
            };
        }
        for (column, value) in &p.args {
            let of_types = of_types(column);
            if of_types.contains_key(value) {
                continue;
            }
            return match closest(std::iter::once(value.as_str()), &of_types) {
                Some(c) => format!(
                    "`{text}`: no {kinds} activity in scope has {column} `{value}`; did you mean {c}?"
                ),
                None if of_types.is_empty() => format!(
                    "`{text}`: no {kinds} activity in scope has a value in column `{column}`"
                ),
                None => format!(
                    "`{text}`: no {kinds} activity in scope has {column} `{value}`; the most frequent: {}",
                    most_frequent(&of_types, SHOWN)
                ),
            };
        }
        if p.filtered {
            format!("`{text}`: activities of its type and values exist in scope, but its `where` filter excludes every one")
        } else {
            format!("`{text}`: activities with each of its values exist in scope, but none with all of them")
        }
    }
}

/// Rows in scope grouped by `keys` (as text; NULL as "(none)"), with their counts.
async fn grouped(
    ctx: &SessionContext,
    filter: Expr,
    keys: Vec<Expr>,
) -> Result<Vec<(Vec<String>, u64)>, Diagnostic> {
    let fail = |e: datafusion::error::DataFusionError| {
        Diagnostic::new(
            "J5001",
            format!(
                "cannot look up the data's values: {}",
                crate::diagnostics::one_line(&e.to_string())
            ),
        )
        .help("check that the files are complete and of the format their names say")
    };
    let n = keys.len();
    let names: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
    let keys: Vec<Expr> = keys
        .into_iter()
        .zip(&names)
        .map(|(k, name)| k.alias(name.as_str()))
        .collect();
    let batches = ctx
        .table(TABLE)
        .await
        .map_err(fail)?
        .filter(filter)
        .map_err(fail)?
        .aggregate(keys, vec![count(lit(1)).alias("n")])
        .map_err(fail)?
        .limit(0, Some(LOOKED_AT))
        .map_err(fail)?
        .collect()
        .await
        .map_err(fail)?;
    let mut out = Vec::new();
    for b in batches {
        let counts =
            datafusion::arrow::compute::cast(b.column(n), &DataType::Int64).map_err(|e| {
                fail(datafusion::error::DataFusionError::ArrowError(
                    Box::new(e),
                    None,
                ))
            })?;
        let counts = counts.as_primitive::<Int64Type>();
        let texts: Vec<_> = (0..n)
            .map(|i| b.column(i).as_string::<i32>().clone())
            .collect();
        for r in 0..b.num_rows() {
            let key = texts
                .iter()
                .map(|t| {
                    if t.is_valid(r) {
                        t.value(r).to_string()
                    } else {
                        "(none)".to_string()
                    }
                })
                .collect();
            out.push((key, counts.value(r).max(0) as u64));
        }
    }
    Ok(out)
}

/// "a (12), b (3), c (1)".
fn most_frequent(values: &BTreeMap<String, u64>, n: usize) -> String {
    let mut v: Vec<(&String, &u64)> = values.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut shown: Vec<String> = v
        .iter()
        .take(n)
        .map(|(k, c)| format!("`{k}` ({c})"))
        .collect();
    if v.len() > n {
        shown.push(format!("and {} more", v.len() - n));
    }
    shown.join(", ")
}

/// The values closest to any of `wanted` (case, spaces and punctuation aside, then by edit
/// distance), best first, with their activities.
fn ranked<'a, 'v>(
    wanted: impl Iterator<Item = &'a str>,
    values: &'v BTreeMap<String, u64>,
) -> Vec<(&'v String, u64)> {
    let wanted: Vec<String> = wanted.map(normalize).collect();
    let mut scored: Vec<(f64, u64, &String)> = values
        .iter()
        .map(|(v, &n)| {
            let nv = normalize(v);
            let score = wanted
                .iter()
                .map(|w| {
                    if *w == nv {
                        1.0
                    } else if !w.is_empty()
                        && !nv.is_empty()
                        && (nv.contains(w.as_str()) || w.contains(nv.as_str()))
                    {
                        0.8
                    } else {
                        strsim::normalized_levenshtein(w, &nv)
                    }
                })
                .fold(0.0, f64::max);
            (score, n, v)
        })
        .filter(|(s, _, _)| *s >= 0.6)
        .collect();
    scored.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(b.2))
    });
    scored.into_iter().map(|(_, n, v)| (v, n)).collect()
}

/// [`ranked`] as text: "`loan-for-small-businesses` (120 activities)".
fn closest<'a>(
    wanted: impl Iterator<Item = &'a str>,
    values: &BTreeMap<String, u64>,
) -> Option<String> {
    let shown: Vec<String> = ranked(wanted, values)
        .into_iter()
        .take(SHOWN)
        .map(|(v, n)| {
            let what = if n == 1 { "activity" } else { "activities" };
            format!("`{v}` ({n} {what})")
        })
        .collect();
    (!shown.is_empty()).then(|| shown.join(" or "))
}

/// Lowercase, letters and digits kept, every run of anything else one `-`.
fn normalize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_find_their_codes() {
        let values: BTreeMap<String, u64> = [
            ("loan-for-small-businesses".to_string(), 120),
            ("small-business-loan".to_string(), 40),
            ("newsletter".to_string(), 900),
        ]
        .into_iter()
        .collect();
        let c = closest(std::iter::once("Loan for small businesses"), &values).unwrap();
        assert!(
            c.starts_with("`loan-for-small-businesses` (120 activities)"),
            "{c}"
        );
        assert_eq!(closest(std::iter::once("zzz"), &values), None);
        assert_eq!(normalize("  Loan -- for_Small "), "loan-for-small");
    }
}
