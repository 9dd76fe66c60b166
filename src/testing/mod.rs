//! `journey test`: a test's example contacts run through the same reader, lowering and engine as
//! `journey run`, and what came out held against what the test expects ([`run_test`]); an
//! accepted change written back over the expectations it changed ([`update`]).

mod data;
mod outcome;
mod update;

pub use outcome::{Failure, Outcome};
pub use update::update;

use crate::check::hir;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::engine::reach::ContactReach;
use crate::run::{self, RunOptions, Source};
use std::collections::HashMap;

/// Run one test of `journey` and compare: every expectation met, or a failure for each one that
/// is not. An error is a test that could not run (a column of two kinds, a data problem).
pub async fn run_test(
    test: &hir::Test,
    journey: &hir::Journey,
    config: &Config,
) -> Result<Outcome, Diagnostic> {
    // The rows carry real timestamps: a text time format of the export does not apply to them.
    let mut config = config.clone();
    config.time.format = None;
    let config = &config;
    let batch = data::batch(test, journey, config)?;
    let (reaches, counts) = if batch.num_rows() == 0 {
        // Nothing happened: no contact reaches a stage (the engine would call it "no data").
        (HashMap::new(), vec![0; journey.stages.len()])
    } else {
        let scratch = data::Scratch::new()?;
        let file = data::write(&batch, scratch.path())?;
        let options = RunOptions {
            listing: None,
            files: vec![file],
            target_partitions: 1,
            ..RunOptions::default()
        };
        let reaches: HashMap<String, ContactReach> =
            run::contact_reaches(&options, config, journey)
                .await?
                .into_iter()
                .collect();
        let counts = if test
            .expectations
            .iter()
            .any(|e| matches!(e.expected, hir::Expected::Counts(_)))
        {
            let source = Source { journey, text: "" };
            let results = run::run(&options, config, &[source])
                .await
                .map_err(|f| f.diagnostic)?;
            results
                .first()
                .map(|r| r.stages.iter().map(|s| s.reached).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        (reaches, counts)
    };
    Ok(outcome::compare(test, journey, &reaches, &counts))
}
