//! The table over the files: one listing table per group of files read alike, each projected
//! onto the table's schema, unioned.

use super::dictionary::{self, DictionaryTable};
use super::schema::{options, url, Unified};
use super::{ColumnInfo, PASS_TABLE, TABLE};
use crate::diagnostics::Diagnostic;
use crate::io::format::{Compression, Format};
use crate::io::listing::Listing;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::datasource::listing::{ListingTable, ListingTableConfig};
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::logical_expr::{cast, lit, Expr, LogicalPlanBuilder};
use datafusion::prelude::{ident, SessionContext};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Files read alike: one format, compression and reader schema.
#[derive(Debug, Clone)]
pub(super) struct Group {
    format: Format,
    compression: Compression,
    /// The schema the reader is given: for CSV the file's columns in its own order (a CSV
    /// reader reads by position), with the table's types; for NDJSON the same by name; for
    /// Parquet and Arrow the file's own, cast afterwards.
    schema: SchemaRef,
    /// Indices into `Listing::files`.
    files: Vec<usize>,
    /// The Hive partition values of its files (one set per group).
    partitions: Vec<(String, Option<String>)>,
}

/// The name group `k` is registered under (also when it alone is the table).
fn part(k: usize) -> String {
    format!("__journey_part_{k}")
}

pub(super) fn groups(listing: &Listing, files: &[SchemaRef], unified: &Unified) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for (i, f) in listing.files.iter().enumerate() {
        let schema = reader_schema(f.format, &files[i], unified);
        let partitions = partition_values(f, &files[i]);
        match out.iter_mut().find(|g| {
            g.format == f.format
                && g.compression == f.compression
                && g.schema == schema
                && g.partitions == partitions
        }) {
            Some(g) => g.files.push(i),
            None => out.push(Group {
                format: f.format,
                compression: f.compression,
                schema,
                files: vec![i],
                partitions,
            }),
        }
    }
    out
}

/// A file's partition values, by key, innermost folder winning, without the keys its own
/// columns have.
fn partition_values(
    f: &crate::io::listing::DataFile,
    schema: &SchemaRef,
) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for (k, v) in &f.partitions {
        if schema.field_with_name(k).is_ok() {
            continue;
        }
        match out.iter_mut().find(|(o, _)| o == k) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

fn reader_schema(format: Format, file: &SchemaRef, unified: &Unified) -> SchemaRef {
    match format {
        Format::Parquet | Format::Arrow => file.clone(),
        Format::Csv | Format::Json => {
            let fields: Vec<Field> = file
                .fields()
                .iter()
                .filter_map(|f| {
                    let conflict = unified.columns[f.name()].conflict.is_some();
                    let ty = unified
                        .schema
                        .field_with_name(f.name())
                        .map(|u| u.data_type().clone())
                        .unwrap_or(DataType::Utf8);
                    match (format, conflict) {
                        // NDJSON is read by name: a column no journey may read is left out.
                        (Format::Json, true) => None,
                        // CSV by position: every column keeps its place, as text.
                        (_, true) => Some(Field::new(f.name(), DataType::Utf8, true)),
                        _ => Some(Field::new(f.name(), ty, true)),
                    }
                })
                .collect();
            Arc::new(Schema::new(fields))
        }
    }
}

fn table(
    ctx: &SessionContext,
    listing: &Listing,
    g: &Group,
) -> Result<Arc<ListingTable>, Diagnostic> {
    table_as(ctx, listing, g, g.schema.clone())
}

/// The listing table over group `g`'s files, with `schema` as the table's.
fn table_as(
    ctx: &SessionContext,
    listing: &Listing,
    g: &Group,
    schema: SchemaRef,
) -> Result<Arc<ListingTable>, Diagnostic> {
    // Building a listing table reads nothing: a failure here is journey's own.
    let fail = |e: datafusion::error::DataFusionError| {
        Diagnostic::internal(format!(
            "cannot register the data ({}): {}",
            listing.describe(),
            crate::diagnostics::one_line(&e.to_string())
        ))
    };
    let urls = g
        .files
        .iter()
        .map(|&i| url(&listing.files[i]))
        .collect::<Result<Vec<_>, _>>()?;
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options(ctx, g.format, g.compression, 0))
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config).map_err(fail)?))
}

/// Register the table; and, when its text columns can be read as dictionaries, the pass's table
/// reading them so (`dictionary.rs`), whose name it returns (else [`TABLE`]'s). `never`: the
/// columns never read as dictionaries (contact, time, activity id).
pub(super) fn register(
    ctx: &SessionContext,
    listing: &Listing,
    groups: &[Group],
    unified: &Unified,
    never: &[&str],
) -> Result<&'static str, Diagnostic> {
    let plain = register_groups(ctx, listing, groups, &unified.schema, &unified.columns)?;
    let [g] = groups else {
        return Ok(TABLE);
    };
    if !plain || g.format != Format::Parquet {
        return Ok(TABLE);
    }
    let files: Vec<_> = g.files.iter().map(|&i| &listing.files[i]).collect();
    let columns = dictionary::columns(&files, &g.schema, never);
    if columns.is_empty() {
        return Ok(TABLE);
    }
    let schema = dictionary::with_dictionaries(&g.schema, &columns);
    let inner = table_as(ctx, listing, g, schema.clone())?;
    let t = DictionaryTable {
        inner,
        reader: schema,
    };
    ctx.register_table(PASS_TABLE, Arc::new(t)).map_err(|e| {
        Diagnostic::internal(format!(
            "cannot register the data ({}): {}",
            listing.describe(),
            crate::diagnostics::one_line(&e.to_string())
        ))
    })?;
    Ok(PASS_TABLE)
}

/// Register the table over file `only` alone, read exactly as in the whole data set (its
/// group's reader schema, the whole set's table schema): to find which file a failure comes
/// from, and where in it.
pub(super) fn register_one(
    ctx: &SessionContext,
    listing: &Listing,
    groups: &[Group],
    schema: &SchemaRef,
    columns: &BTreeMap<String, ColumnInfo>,
    only: usize,
) -> Result<(), Diagnostic> {
    let g = groups
        .iter()
        .find(|g| g.files.contains(&only))
        .expect("every file is in a group");
    let alone = Group {
        files: vec![only],
        ..g.clone()
    };
    // Always through the projection, so that even a single-group set is read the same way.
    register_union(ctx, listing, std::slice::from_ref(&alone), schema, columns)
}

/// Register the table over the groups; true when it is one group read as the table is.
fn register_groups(
    ctx: &SessionContext,
    listing: &Listing,
    groups: &[Group],
    schema: &SchemaRef,
    columns: &BTreeMap<String, ColumnInfo>,
) -> Result<bool, Diagnostic> {
    let fail = |e: datafusion::error::DataFusionError| {
        Diagnostic::internal(format!(
            "cannot register the data ({}): {}",
            listing.describe(),
            crate::diagnostics::one_line(&e.to_string())
        ))
    };
    let conflicts = columns.values().any(|c| c.conflict.is_some());
    if let [g] = groups {
        if !conflicts && g.partitions.is_empty() && same_fields(&g.schema, schema) {
            // One group read as the table is: no projection in between (the common case, and
            // the benchmark's).
            let t = table(ctx, listing, g)?;
            ctx.register_table(part(0).as_str(), t.clone())
                .map_err(fail)?;
            ctx.register_table(TABLE, t).map_err(fail)?;
            return Ok(true);
        }
    }
    register_union(ctx, listing, groups, schema, columns)?;
    Ok(false)
}

fn register_union(
    ctx: &SessionContext,
    listing: &Listing,
    groups: &[Group],
    schema: &SchemaRef,
    columns: &BTreeMap<String, ColumnInfo>,
) -> Result<(), Diagnostic> {
    let fail = |e: datafusion::error::DataFusionError| {
        Diagnostic::internal(format!(
            "cannot register the data ({}): {}",
            listing.describe(),
            crate::diagnostics::one_line(&e.to_string())
        ))
    };
    let mut union: Option<LogicalPlanBuilder> = None;
    for (k, g) in groups.iter().enumerate() {
        let name = part(k);
        let t = table(ctx, listing, g)?;
        ctx.register_table(name.as_str(), t.clone()).map_err(fail)?;
        let projection = schema
            .fields()
            .iter()
            .map(|u| column(g, u, columns[u.name()].conflict.is_some()))
            .collect::<Result<Vec<Expr>, _>>()
            .map_err(fail)?;
        let branch = LogicalPlanBuilder::scan(name, provider_as_source(t), None)
            .and_then(|b| b.project(projection))
            .map_err(fail)?;
        union = Some(match union {
            None => branch,
            Some(u) => u.union(branch.build().map_err(fail)?).map_err(fail)?,
        });
    }
    let plan = union.expect("a listing has files").build().map_err(fail)?;
    ctx.register_table(TABLE, Arc::new(ViewTable::new(plan, None)))
        .map_err(fail)?;
    Ok(())
}

/// A table column in one group: its own, cast where its type differs; NULL where it has none
/// (or where the column's types conflict across files: no journey may read it).
fn column(g: &Group, u: &Field, conflict: bool) -> datafusion::error::Result<Expr> {
    let name = u.name();
    let null = || -> datafusion::error::Result<Expr> {
        Ok(lit(ScalarValue::try_from(u.data_type())?).alias(name))
    };
    if conflict {
        return null();
    }
    match g.schema.field_with_name(name) {
        Ok(f) if f.data_type() == u.data_type() => Ok(ident(name)),
        Ok(_) => Ok(cast(ident(name), u.data_type().clone()).alias(name)),
        // A Hive partition: the folder's value, for every row of the group.
        Err(_) => match g.partitions.iter().find(|(k, _)| k == name) {
            Some((_, Some(v))) => {
                let text = ScalarValue::Utf8(Some(v.clone()));
                Ok(lit(text.cast_to(u.data_type())?).alias(name))
            }
            _ => null(),
        },
    }
}

fn same_fields(a: &Schema, b: &Schema) -> bool {
    a.fields().len() == b.fields().len()
        && a.fields()
            .iter()
            .zip(b.fields())
            .all(|(x, y)| x.name() == y.name() && x.data_type() == y.data_type())
}

/// Rows of the groups holding `files`.
pub(super) async fn rows_in(
    ctx: &SessionContext,
    listing: &Listing,
    groups: &[Group],
    files: &[usize],
) -> Result<u64, Diagnostic> {
    let mut rows = 0u64;
    for (k, g) in groups.iter().enumerate() {
        if !g.files.iter().any(|i| files.contains(i)) {
            continue;
        }
        let name = part(k);
        let count = ctx
            .table(name.as_str())
            .await
            .map_err(|e| count_error(listing, e))?
            .count()
            .await
            .map_err(|e| count_error(listing, e))?;
        rows += count as u64;
    }
    Ok(rows)
}

fn count_error(listing: &Listing, e: datafusion::error::DataFusionError) -> Diagnostic {
    Diagnostic::new(
        "J5001",
        format!(
            "cannot count the rows of {}: {}",
            listing.describe(),
            crate::diagnostics::one_line(&e.to_string())
        ),
    )
    .help("check that the files are complete and of the format their names say")
}

/// The columns file `i` is read with.
pub(super) fn reader_columns(groups: &[Group], i: usize) -> Vec<String> {
    groups
        .iter()
        .find(|g| g.files.contains(&i))
        .map(|g| g.schema.fields().iter().map(|f| f.name().clone()).collect())
        .unwrap_or_default()
}
