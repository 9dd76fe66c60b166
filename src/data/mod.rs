//! The activity data as one DataFusion table, whatever the files: every file's own schema, one
//! schema for all of them, and the table `activities` registered over them.
//!
//! Each file's schema is read from the file itself (a Parquet or Arrow footer; for CSV and
//! NDJSON, inferred from its own rows, and from all of them when the first rows leave a column
//! without a type). The table's schema is their union ([`schema`]): a column absent or empty in
//! some files takes its type from the others; two types that do not meet (a number and a text)
//! are a conflict, an error if a journey reads the column; a type declared in `journey.toml`
//! wins over what the files suggest.
//!
//! Files are read in groups of one format, compression and schema (`register.rs`), each group
//! projected onto the table's schema (NULL where it lacks a column), the groups unioned: a CSV
//! file is never read with another file's column order, and a missing column is known, per
//! file, to the lowering, which refuses it unless `missing_columns = "null"`.

pub mod dictionary;
pub mod period;
mod register;
pub mod schema;
pub mod time;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::io::listing::{DataFile, Listing};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Make the listing's object store (if its files are in one) known to `ctx`, by its root URL.
fn register_store(ctx: &SessionContext, listing: &Listing) -> Result<(), Diagnostic> {
    if let Some(remote) = &listing.remote {
        ctx.register_object_store(&remote.root, remote.open()?);
    }
    Ok(())
}

/// The table journeys read.
pub const TABLE: &str = "activities";

/// The same rows with text columns read as dictionaries, for the pass (`dictionary.rs`).
pub const PASS_TABLE: &str = "__journey_pass";

/// The registered data: the files read, the table's schema, and what is known about each
/// column across the files.
#[derive(Debug, Clone)]
pub struct DataSet {
    pub listing: Listing,
    /// The table's schema.
    pub schema: SchemaRef,
    /// Per column of the table.
    pub columns: BTreeMap<String, ColumnInfo>,
    /// How the files are read: groups of one format, compression and schema.
    groups: Vec<register::Group>,
    /// The table the pass reads: [`PASS_TABLE`] when it could be registered, else [`TABLE`].
    pub pass_table: &'static str,
}

/// A column across the files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnInfo {
    /// Indices into `listing.files` of the files without the column.
    pub absent_in: Vec<usize>,
    /// Two files with types that do not meet: (file, type) each.
    pub conflict: Option<[(usize, DataType); 2]>,
}

impl DataSet {
    /// Read every file's schema, unify them and register the table in `ctx`.
    pub async fn open(
        ctx: &SessionContext,
        listing: Listing,
        config: &Config,
    ) -> Result<DataSet, Diagnostic> {
        DataSet::open_for(ctx, listing, config, None).await
    }

    /// [`DataSet::open`] for journeys that all have a period (`periods`, microseconds): with a
    /// date partition in journey.toml, the folders outside every period are not read.
    pub async fn open_for(
        ctx: &SessionContext,
        mut listing: Listing,
        config: &Config,
        periods: Option<&[(i64, i64)]>,
    ) -> Result<DataSet, Diagnostic> {
        register_store(ctx, &listing)?;
        if let (Some(key), Some(periods)) = (&config.data.date_partition, periods) {
            period::prune(&mut listing, key, periods);
        }
        let (listing, files) = schema::infer(ctx, listing, config).await?;
        let unified = schema::unify(&listing, &files, config)?;
        let groups = register::groups(&listing, &files, &unified);
        let c = &config.columns;
        let never = [
            c.resolve("contact").0,
            c.resolve("time").0,
            c.resolve("activity_id").0,
        ];
        let pass_table = register::register(ctx, &listing, &groups, &unified, &never)?;
        Ok(DataSet {
            listing,
            schema: unified.schema,
            columns: unified.columns,
            groups,
            pass_table,
        })
    }

    /// Register, in another context, the table over file `i` (of `files()`) alone, read as it
    /// is in the whole set: to find where a failure of the whole comes from.
    pub fn register_only(&self, ctx: &SessionContext, i: usize) -> Result<(), Diagnostic> {
        register_store(ctx, &self.listing)?;
        register::register_one(
            ctx,
            &self.listing,
            &self.groups,
            &self.schema,
            &self.columns,
            i,
        )
    }

    /// The columns of file `i` as it is read (a CSV file's in its own order).
    pub fn reader_columns(&self, i: usize) -> Vec<String> {
        register::reader_columns(&self.groups, i)
    }

    /// The rows of all files, when every file's footer says (Parquet): for a progress bar.
    pub fn total_rows(&self) -> Option<u64> {
        self.listing
            .files
            .iter()
            .map(schema::footer_rows)
            .sum::<Option<u64>>()
    }

    /// "journeys/data/sample.parquet" or "3 files in exports/", for messages.
    pub fn describe(&self) -> String {
        self.listing.describe()
    }

    pub fn files(&self) -> &[DataFile] {
        &self.listing.files
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        self.listing.files.iter().map(|f| f.path.clone()).collect()
    }

    /// The number of rows of the files at `files` (indices into `listing.files`), counted by
    /// reading them (Parquet answers from its footers).
    pub async fn rows_in(&self, ctx: &SessionContext, files: &[usize]) -> Result<u64, Diagnostic> {
        register::rows_in(ctx, &self.listing, &self.groups, files).await
    }
}
