//! journey: a compiler and runtime for customer journeys written as code.
//!
//! The pipeline, one module per stage, each a public function from one representation to the
//! next, so the command line, the tests and `journey explain` can stop after any of them
//! (`docs/architecture.md` has the same table, and what each folder may import):
//!
//! | stage | module | function | from → to |
//! |---|---|---|---|
//! | parse | [`syntax`] | [`syntax::parse`] | `.journey` text → AST ([`syntax::ast`]) and comments |
//! | format | [`fmt`] | [`fmt::format`] | AST + comments → canonical text |
//! | check | [`check`] | [`check::check`] | AST → checked journeys ([`check::hir`]), rules numbered |
//! | review | [`diff`] | [`diff::diff`] | two files' checked journeys → changes in meaning |
//! | data | [`data`] | [`data::DataSet::open`] | the files `--data` names ([`io::listing`]) → one table |
//! | lower | [`lower`] | [`lower::lower`] | checked journey + data → engine program ([`engine::program`]) + DataFusion plans |
//! | run | [`run`] | [`run::run`] | plans + data → per-contact reach ([`engine`]) → results ([`run::results`]) |
//! | report | [`report`] | [`report::render`] | results → table, JSON, CSV, Parquet, HTML |
//! | test | [`testing`] | [`testing::run_test`] | a file's `test` blocks → their contacts run as data → expected against actual |
//!
//! Below them: [`engine`] (the funnel's program, chain search and aggregate, which knows no
//! language), [`io`] (formats, listing, text, atomic writes), [`config`] (`journey.toml`),
//! [`diagnostics`] (one type with a stable code for every stage) and [`span`]. Above them:
//! [`cli`], one file per subcommand, [`lsp`], the language server, and [`sample`], the sample
//! export.

// A `Diagnostic` is large (labels, help, a location) and travels only on the way out of a
// failing stage, so boxing it buys nothing.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod data;
pub mod diagnostics;
pub mod diff;
pub mod engine;
pub mod fmt;
pub mod io;
pub mod lower;
pub mod lsp;
pub mod report;
pub mod run;
pub mod sample;
pub mod span;
pub mod syntax;
pub mod testing;
