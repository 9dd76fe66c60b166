//! The funnel engine: the program the lowering produces ([`program`]), the chain search over one
//! contact's activities ([`chain`]), a contact's activities as the search takes them from
//! argument columns ([`contact`]), the `journey_funnel` DataFusion aggregate ([`udaf`]), what
//! the search finds per contact ([`reach`]), a contact too large to hold searched as its
//! activities stream by ([`streamed`]), and every limit ([`limits`]).
//!
//! It sits below the lowering, which produces its programs, and the runner, which executes
//! them: nothing here knows the journey language, the data's columns or the command line.

pub mod chain;
pub mod contact;
pub mod limits;
pub mod mask;
pub mod metrics_udaf;
pub mod per_value;
pub mod program;
pub mod reach;
pub mod significance;
pub mod streamed;
pub mod summary;
pub mod udaf;
