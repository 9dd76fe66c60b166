//! `journey run --compare-period previous`: the same journeys over the period of equal length
//! just before their own, as the baseline of a comparison.

use super::journeys::{self, Loaded};
use super::run::Common;
use crate::run::results::JourneyResult;

/// Every journey's results over its previous period; `None` when a diagnostic was reported.
pub fn previous(args: &Common) -> Result<Option<Vec<JourneyResult>>, String> {
    let Some(files) = journeys::load(&args.journeys, args.error_format)? else {
        return Ok(None);
    };
    let mut shifted = Vec::new();
    for f in &files {
        let mut journeys = Vec::new();
        for j in &f.journeys {
            let Some(period) = j.period else {
                return Err(format!(
                    "--compare-period previous needs a `period`: journey \"{}\" ({}) has none; add `period FROM .. TO`, or compare with a baseline file (--compare)",
                    j.name,
                    f.path.display()
                ));
            };
            let mut j = j.clone();
            j.period = Some(period.previous());
            journeys.push(j);
        }
        shifted.push(Loaded {
            path: f.path.clone(),
            text: f.text.clone(),
            journeys,
        });
    }
    let (config, options) = match super::run::setup(args, &shifted[0].path) {
        Ok(x) => x,
        Err(d) => {
            journeys::report(&d, None, args.error_format);
            return Ok(None);
        }
    };
    let runtime = super::run::runtime(args)?;
    let (sources, file_of) = super::run::sources(&shifted);
    match super::guard_any(|| runtime.block_on(crate::run::run(&options, &config, &sources))) {
        Ok(r) => Ok(Some(r)),
        Err(f) => {
            journeys::report(
                &f.diagnostic,
                f.journey.map(|i| file_of[i]),
                args.error_format,
            );
            Ok(None)
        }
    }
}
