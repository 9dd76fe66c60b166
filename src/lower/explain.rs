//! `journey explain`: the funnel plan as SQL (DataFusion's unparser), optimized logical plan and
//! physical plan.

use super::Lowered;
use crate::diagnostics::Diagnostic;
use datafusion::physical_plan::displayable;
use datafusion::prelude::SessionContext;

/// The SQL a reviewer reads: DataFusion's unparser applied to the funnel plan, laid out over
/// lines and indented (sqlparser's pretty printing) rather than as one line of a few thousand
/// characters.
pub fn sql(lowered: &Lowered) -> Result<String, Diagnostic> {
    datafusion::sql::unparser::plan_to_sql(&lowered.funnel)
        .map(|s| break_long_lines(&format!("{s:#}")))
        .map_err(|e| Diagnostic::internal(format!("cannot show the plan as SQL: {e}")))
}

/// Past this width a line of the SQL is broken before each `|` and `OR`.
const WIDE: usize = 100;

/// sqlparser lays out clauses, not expressions: the stage mask and the stage filter stay one line
/// each, a thousand characters for six stages. Broken before each `|` (one rule's bit) and each
/// `OR` (one rule), outside quotes, they read one rule per line.
fn break_long_lines(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + sql.len() / 8);
    for line in sql.lines() {
        if line.len() > WIDE {
            let indent = line.len() - line.trim_start().len() + 2;
            let mut quote: Option<char> = None;
            for (i, c) in line.char_indices() {
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '\'' || c == '"' => quote = Some(c),
                    None if c == ' '
                        && (line[i..].starts_with(" | ") || line[i..].starts_with(" OR ")) =>
                    {
                        out.push('\n');
                        out.extend(std::iter::repeat_n(' ', indent));
                        continue;
                    }
                    None => {}
                }
                out.push(c);
            }
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

pub async fn explain(
    ctx: &SessionContext,
    lowered: &Lowered,
    sql_only: bool,
) -> Result<String, Diagnostic> {
    let err =
        |e: datafusion::error::DataFusionError| Diagnostic::internal(format!("cannot plan: {e}"));
    let sql = sql(lowered)?;
    if sql_only {
        return Ok(format!("{sql}\n"));
    }
    let state = ctx.state();
    let optimized = state.optimize(&lowered.funnel).map_err(err)?;
    let physical = state
        .create_physical_plan(&lowered.funnel)
        .await
        .map_err(err)?;
    Ok(format!(
        "SQL:\n{sql}\n\nOptimized logical plan:\n{}\n\nPhysical plan:\n{}\n",
        optimized.display_indent(),
        displayable(physical.as_ref()).indent(false)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_break_before_each_bit_and_rule_but_never_in_a_quote() {
        let line = format!("  SELECT {} AS mask", ["(a = 'x | y')"; 12].join(" | "));
        let broken = break_long_lines(&format!("SELECT\n{line}\nFROM t"));
        let lines: Vec<&str> = broken.lines().collect();
        assert_eq!(lines.len(), 14, "{broken}");
        assert!(lines[2].starts_with("    | (a = 'x | y')"), "{broken}");
        assert_eq!(
            broken.split_whitespace().collect::<String>(),
            format!("SELECT\n{line}\nFROM t")
                .split_whitespace()
                .collect::<String>()
        );
        assert_eq!(break_long_lines("SELECT 1"), "SELECT 1");
    }
}
