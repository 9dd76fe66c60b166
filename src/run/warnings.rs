//! A journey's warnings about the data, for its results: what matched nothing ([`super::unmatched`])
//! and columns read as NULL where files lack them (W1005).

use super::errors::execution_error;
use super::{kept, unmatched, Source};
use crate::check::hir;
use crate::config::Config;
use crate::data::DataSet;
use crate::diagnostics::Diagnostic;
use crate::lower::{self, Lowered};
use datafusion::prelude::SessionContext;

/// A journey's warnings about the data: what matched nothing, columns read as NULL.
#[allow(clippy::too_many_arguments)]
pub(super) async fn journey_warnings(
    ctx: &SessionContext,
    data: &DataSet,
    config: &Config,
    s: &Source<'_>,
    lowered: &Lowered,
    kept: &kept::Kept,
    planned: &lower::pass::PassPlan,
    i: usize,
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let counts = kept
        .rule_counts(planned, i, lowered.rules.len())
        .map_err(|e| execution_error(e, &data.describe(), config))?;
    warnings_of(ctx, data, config, s, lowered, &counts).await
}

/// [`journey_warnings`] from the kept rows matching each of the journey's rules.
pub(super) async fn warnings_of(
    ctx: &SessionContext,
    data: &DataSet,
    config: &Config,
    s: &Source<'_>,
    lowered: &Lowered,
    counts: &[u64],
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let mut warnings = unmatched::warnings(ctx, config, s.journey, lowered, counts).await?;
    for column in &lowered.null_columns {
        warnings.push(null_column_warning(ctx, data, column).await?);
    }
    Ok(warnings)
}

/// The stage a warning points into (1-based), if any.
pub(super) fn stage_of(j: &hir::Journey, d: &Diagnostic) -> Option<usize> {
    let at = d.primary_span()?.start;
    j.stages
        .iter()
        .position(|s| s.span.start <= at && at < s.span.end)
        .map(|k| k + 1)
}

/// W1005: a column read as NULL where files lack it (`missing_columns = "null"`).
async fn null_column_warning(
    ctx: &SessionContext,
    data: &DataSet,
    column: &str,
) -> Result<Diagnostic, Diagnostic> {
    let absent = &data.columns[column].absent_in;
    let rows = data.rows_in(ctx, absent).await?;
    let names: Vec<String> = absent
        .iter()
        .take(5)
        .map(|&i| data.files()[i].path.display().to_string())
        .collect();
    let more = if absent.len() > 5 {
        format!(" and {} more", absent.len() - 5)
    } else {
        String::new()
    };
    Ok(Diagnostic::new(
        "W1005",
        format!(
            "column `{column}` is missing from {} of {} data files ({} rows), read there as NULL: {}{more}",
            absent.len(),
            data.files().len(),
            rows,
            names.join(", ")
        ),
    )
    .help("this is what missing_columns = \"null\" asks for; export every file with the column to count those rows fully"))
}
