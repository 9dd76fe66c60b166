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
        .map(|s| format!("{s:#}"))
        .map_err(|e| Diagnostic::internal(format!("cannot show the plan as SQL: {e}")))
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
