//! The bottom floor for files: the table of data formats, listing `--data` (a path, or an object
//! store's URL), reading journey text, writing outputs atomically, and the data fingerprint. Nothing here knows the language.

pub mod atomic;
pub mod fingerprint;
pub mod format;
pub mod listing;
pub mod store;
pub mod text;
