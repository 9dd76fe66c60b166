//! journey: a compiler and runtime for customer journeys written as code.
//!
//! The pipeline, one module per stage (see `docs/architecture.md`):
//!
//! | stage | module | function | from → to |
//! |---|---|---|---|
//! | parse | [`syntax`] | [`syntax::parse`] | `.journey` text → AST |
//! | check | [`check`] | [`check::check`] | AST → checked journeys (HIR) |
//! | format | [`fmt`] | [`fmt::format`] | AST + comments → canonical text |
//!
//! Diagnostics from every stage share one type with a stable code ([`diagnostics`]).

// A `Diagnostic` is large (labels, help, a location) and travels only on the way out of a
// failing stage, so boxing it buys nothing.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod cli;
pub mod config;
pub mod data;
pub mod diagnostics;
pub mod diff;
pub mod engine;
pub mod fmt;
pub mod io;
pub mod lower;
pub mod report;
pub mod run;
pub mod sample;
pub mod span;
pub mod syntax;
