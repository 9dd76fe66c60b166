//! The pest parser generated from `grammar/journey.pest`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/journey.pest"]
pub struct JourneyParser;
