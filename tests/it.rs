//! All integration tests, as modules of one test binary.
//!
//! Every file under `tests/` used to be its own binary, and each linked all of DataFusion: twenty
//! links of over a gigabyte each filled the CI machine's disk and most of its time. One binary
//! links once; `cargo test --test it <module>` still runs one file's tests.

mod support;

mod bad_data;
mod bad_messages;
mod batch;
mod browser;
mod by_from;
mod cli;
mod cluster;
mod completions;
mod count_by;
mod diagnostics;
mod dictionary;
mod diff;
mod docs;
mod editors;
mod examples;
mod explain_and_sample;
mod exports;
mod features;
mod funnel;
mod fuzz;
mod grammar;
mod layers;
mod lsp;
mod memory;
mod partitions;
mod paths;
mod patterns;
mod registry;
mod review;
mod run;
mod serve;
mod store;
mod testing;
mod udaf;
