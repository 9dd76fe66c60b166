//! Every file's schema, and one schema for all of them.

use super::ColumnInfo;
use crate::config::{ColumnType, Config};
use crate::diagnostics::Diagnostic;
use crate::io::format::{Compression, Format};
use crate::io::listing::{DataFile, Listing, Skipped};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::options::{
    ArrowReadOptions, CsvReadOptions, JsonReadOptions, ParquetReadOptions, ReadOptions,
};
use datafusion::datasource::listing::{ListingOptions, ListingTableUrl};
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Rows a CSV or NDJSON file's types are first inferred from; a column they leave without a
/// type (empty in all of them) makes journey read the whole file for it.
const SAMPLE_ROWS: usize = 1000;

/// How DataFusion reads files of one format and compression (every name accepted: the files
/// were chosen by the listing).
pub(super) fn options(
    ctx: &SessionContext,
    format: Format,
    compression: Compression,
    infer_rows: usize,
) -> ListingOptions {
    let (config, table_options) = (ctx.copied_config(), ctx.copied_table_options());
    let compression = match compression {
        Compression::None => FileCompressionType::UNCOMPRESSED,
        Compression::Gzip => FileCompressionType::GZIP,
        Compression::Bzip2 => FileCompressionType::BZIP2,
        Compression::Xz => FileCompressionType::XZ,
        Compression::Zstd => FileCompressionType::ZSTD,
    };
    match format {
        Format::Parquet => ParquetReadOptions::default()
            .file_extension("")
            .to_listing_options(&config, table_options),
        Format::Csv => CsvReadOptions::new()
            .has_header(true)
            .file_extension("")
            .file_compression_type(compression)
            .schema_infer_max_records(infer_rows)
            .to_listing_options(&config, table_options),
        Format::Json => JsonReadOptions::default()
            .file_extension("")
            .file_compression_type(compression)
            .schema_infer_max_records(infer_rows)
            .to_listing_options(&config, table_options),
        Format::Arrow => ArrowReadOptions {
            file_extension: "",
            ..Default::default()
        }
        .to_listing_options(&config, table_options),
    }
}

/// The URL of one file, taken literally (a `[` in its name is not a glob): a local file's
/// `file://` URL, or an object's own.
pub(super) fn url(f: &DataFile) -> Result<ListingTableUrl, Diagnostic> {
    let path = f.path.as_path();
    if f.object.is_some() {
        let text = path.to_string_lossy();
        let parsed = url::Url::parse(&text).map_err(|e| {
            Diagnostic::internal(format!("an object's URL does not parse: {text}: {e}"))
        })?;
        return ListingTableUrl::try_new(parsed, None)
            .map_err(|e| Diagnostic::internal(format!("an object's URL: {text}: {e}")));
    }
    let fail = |why: String| {
        Diagnostic::new("J4006", format!("cannot read {}: {why}", path.display()))
            .in_data(path, None)
            .help("check the path")
    };
    let abs = std::path::absolute(path).map_err(|e| fail(e.to_string()))?;
    let url = url::Url::from_file_path(&abs).map_err(|_| fail("not a valid file path".into()))?;
    ListingTableUrl::try_new(url, None).map_err(|e| fail(e.to_string()))
}

/// Each file's own schema (`Listing::files` order). Empty files (0 bytes) hold no rows and no
/// columns: they move to the skipped list, said so.
pub(super) async fn infer(
    ctx: &SessionContext,
    mut listing: Listing,
    config: &Config,
) -> Result<(Listing, Vec<SchemaRef>), Diagnostic> {
    let (empty, files): (Vec<DataFile>, Vec<DataFile>) =
        listing.files.drain(..).partition(|f| f.size == 0);
    listing.skipped.extend(empty.into_iter().map(|f| Skipped {
        path: f.path,
        reason: "empty: 0 bytes".into(),
    }));
    listing.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    listing.files = files;
    if listing.files.is_empty() {
        return Err(
            Diagnostic::new("J4003", "no data: every data file is empty (0 bytes)")
                .help("point --data at an export with activities"),
        );
    }
    // A few files at a time: listing thousands of footers one by one is slow on a network disk.
    let schemas: Vec<SchemaRef> = futures::stream::iter(listing.files.iter())
        .map(|f| one(ctx, f, config, SAMPLE_ROWS))
        .buffered(8)
        .try_collect()
        .await?;
    // CSV and NDJSON: a column the sample left without a type, or (NDJSON) did not see at all
    // while other files have it, is read from the whole file.
    let all: std::collections::HashSet<&str> = schemas
        .iter()
        .flat_map(|s| s.fields().iter().map(|f| f.name().as_str()))
        .collect();
    let mut out = schemas.clone();
    for (i, f) in listing.files.iter().enumerate() {
        if !matches!(f.format, Format::Csv | Format::Json) {
            continue;
        }
        let s = &schemas[i];
        let untyped = s.fields().iter().any(|c| c.data_type() == &DataType::Null);
        let unseen =
            f.format == Format::Json && all.iter().any(|name| s.field_with_name(name).is_err());
        if untyped || unseen {
            out[i] = one(ctx, f, config, usize::MAX).await?;
        }
    }
    Ok((listing, out))
}

async fn one(
    ctx: &SessionContext,
    f: &DataFile,
    config: &Config,
    rows: usize,
) -> Result<SchemaRef, Diagnostic> {
    let url = url(f)?;
    if f.format == Format::Parquet {
        match &f.object {
            None => check_parquet_footer(&f.path)?,
            Some(_) => check_remote_parquet_footer(ctx, f, &url).await?,
        }
    }
    let options = options(ctx, f.format, f.compression, rows);
    let schema = options
        .infer_schema(&ctx.state(), &url)
        .await
        .map_err(|e| {
            Diagnostic::new(
                "J5001",
                format!(
                    "cannot read {} as {}: {}",
                    f.path.display(),
                    describe_format(f),
                    crate::diagnostics::one_line(&e.to_string())
                ),
            )
            .in_data(&f.path, None)
            .help(damaged_help(f))
        })?;
    Ok(declared(schema, f, config))
}

/// The file's schema with the types declared in journey.toml (CSV and NDJSON are read with
/// them; Parquet and Arrow keep theirs and are cast).
fn declared(schema: SchemaRef, f: &DataFile, config: &Config) -> SchemaRef {
    if !matches!(f.format, Format::Csv | Format::Json) {
        return schema;
    }
    let time = &config.columns.time;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| {
            let ty = match config.types.get(field.name()) {
                Some(t) => arrow_type(*t),
                // A time in a declared format is parsed by journey, from the text.
                None if field.name() == time && config.time.format.is_some() => DataType::Utf8,
                None => field.data_type().clone(),
            };
            Field::new(field.name(), ty, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

pub fn arrow_type(t: ColumnType) -> DataType {
    match t {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Int => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        ColumnType::Date => DataType::Date32,
    }
}

pub(super) fn describe_format(f: &DataFile) -> String {
    match f.compression {
        Compression::None => f.format.to_string(),
        c => format!("{} compressed with {}", f.format, c.name()),
    }
}

pub(super) fn damaged_help(f: &DataFile) -> String {
    match f.compression {
        Compression::None => format!(
            "check that the file is complete and is {} (as its name says); export it again if it is damaged",
            f.format
        ),
        _ => format!(
            "check that the file is complete and is {} (as its name says); a file whose name ends in a compression extension must be compressed",
            describe_format(f)
        ),
    }
}

/// The rows a file holds, where its footer says (Parquet): for progress, not for any number.
pub(super) fn footer_rows(f: &DataFile) -> Option<u64> {
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
    if f.format != Format::Parquet || f.object.is_some() {
        return None;
    }
    let file = std::fs::File::open(&f.path).ok()?;
    let reader = SerializedFileReader::new(file).ok()?;
    u64::try_from(reader.metadata().file_metadata().num_rows()).ok()
}

/// A Parquet file ends in its metadata length and `PAR1`; readers trust that length, so check
/// it first and call a damaged file damaged instead of letting a reader fail on it.
fn check_parquet_footer(path: &Path) -> Result<(), Diagnostic> {
    use std::io::{Read, Seek, SeekFrom};
    let damaged = |why: &str| {
        Diagnostic::new(
            "J5001",
            format!("{} is not a readable Parquet file: {why}", path.display()),
        )
        .in_data(path, None)
        .help("export the file again; a Parquet file ends with its metadata and the bytes PAR1")
    };
    let mut f = std::fs::File::open(path).map_err(|e| damaged(&e.to_string()))?;
    let len = f.metadata().map_err(|e| damaged(&e.to_string()))?.len();
    if len < 12 {
        return Err(damaged("too short"));
    }
    let mut head = [0u8; 4];
    let mut tail = [0u8; 8];
    f.read_exact(&mut head)
        .map_err(|e| damaged(&e.to_string()))?;
    f.seek(SeekFrom::End(-8))
        .map_err(|e| damaged(&e.to_string()))?;
    f.read_exact(&mut tail)
        .map_err(|e| damaged(&e.to_string()))?;
    footer_says(&head, &tail, len).map_err(damaged)
}

/// What a Parquet file's first four and last eight bytes say of a file of `len` bytes.
fn footer_says(head: &[u8], tail: &[u8], len: u64) -> Result<(), &'static str> {
    if head != b"PAR1" || &tail[4..] != b"PAR1" {
        return Err("it does not start and end with PAR1");
    }
    let meta = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as u64;
    if meta + 12 > len {
        return Err("its footer says its metadata is longer than the file (truncated?)");
    }
    Ok(())
}

/// [`check_parquet_footer`] for an object in a store: its first four and last eight bytes, by
/// range requests.
async fn check_remote_parquet_footer(
    ctx: &SessionContext,
    f: &DataFile,
    url: &ListingTableUrl,
) -> Result<(), Diagnostic> {
    use datafusion::object_store::{path::Path as ObjectPath, ObjectStoreExt};
    let damaged = |why: &str| {
        Diagnostic::new(
            "J5001",
            format!("{} is not a readable Parquet file: {why}", f.path.display()),
        )
        .in_data(&f.path, None)
        .help("export the file again; a Parquet file ends with its metadata and the bytes PAR1")
    };
    let store = ctx
        .runtime_env()
        .object_store(url)
        .map_err(|e| Diagnostic::internal(format!("the store is not registered: {e}")))?;
    let key = ObjectPath::from(
        f.object
            .as_ref()
            .map(|o| o.key.as_str())
            .unwrap_or_default(),
    );
    let len = f.size;
    if len < 12 {
        return Err(damaged("too short"));
    }
    let read = |e: datafusion::object_store::Error| {
        Diagnostic::new(
            "J4010",
            format!(
                "cannot read {}: {}",
                f.path.display(),
                crate::diagnostics::one_line(&e.to_string())
            ),
        )
        .in_data(&f.path, None)
        .help("check that the object still exists and that the credentials may read it")
    };
    let head = store.get_range(&key, 0..4).await.map_err(read)?;
    let tail = store.get_range(&key, len - 8..len).await.map_err(read)?;
    footer_says(&head, &tail, len).map_err(damaged)
}

/// The table's schema and what is known of each column.
pub(super) struct Unified {
    pub schema: SchemaRef,
    pub columns: BTreeMap<String, ColumnInfo>,
}

/// One schema for all files: columns in order of first appearance; each column's type the one
/// its files meet in (or the declared one).
pub(super) fn unify(
    listing: &Listing,
    files: &[SchemaRef],
    config: &Config,
) -> Result<Unified, Diagnostic> {
    let mut order: Vec<String> = Vec::new();
    let mut types: BTreeMap<String, Vec<(usize, DataType)>> = BTreeMap::new();
    for (i, s) in files.iter().enumerate() {
        for f in s.fields() {
            let seen = types.entry(f.name().clone()).or_default();
            if seen.is_empty() {
                order.push(f.name().clone());
            }
            seen.push((i, f.data_type().clone()));
        }
    }
    // Hive partition columns, after the files' own: a key's values are integers when they all
    // are, else text; a file's own column of the name wins over its folder.
    let mut keys: Vec<String> = Vec::new();
    for f in &listing.files {
        for (k, _) in &f.partitions {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    for key in keys {
        let ty = partition_type(listing, &key);
        for (i, f) in listing.files.iter().enumerate() {
            let Some((_, value)) = f.partitions.iter().rev().find(|(k, _)| *k == key) else {
                continue;
            };
            if files[i].field_with_name(&key).is_ok() {
                continue;
            }
            let seen = types.entry(key.clone()).or_default();
            if seen.is_empty() {
                order.push(key.clone());
            }
            seen.push((
                i,
                if value.is_some() {
                    ty.clone()
                } else {
                    DataType::Null
                },
            ));
        }
    }
    if order.is_empty() {
        return Err(Diagnostic::new(
            "J4003",
            format!("no data: {} has no columns", listing.describe()),
        )
        .help("point --data at an export with a header row (CSV) and activities"));
    }
    let mut fields = Vec::new();
    let mut columns = BTreeMap::new();
    for name in order {
        let seen = &types[&name];
        let mut info = ColumnInfo {
            absent_in: (0..files.len())
                .filter(|i| !seen.iter().any(|(j, _)| j == i))
                .collect(),
            conflict: None,
        };
        let ty = match config.types.get(&name) {
            Some(t) => arrow_type(*t),
            None => {
                let mut acc: Option<(usize, DataType)> = None;
                for (i, t) in seen {
                    let next = match &acc {
                        None => Some((*i, t.clone())),
                        Some((j, a)) => match meet(a, t) {
                            Some(m) => {
                                // The file named for the type: the first that has it.
                                let first = if m == *t && m != *a { *i } else { *j };
                                Some((first, m))
                            }
                            None => {
                                info.conflict = Some([(*j, a.clone()), (*i, t.clone())]);
                                None
                            }
                        },
                    };
                    match next {
                        Some(n) => acc = Some(n),
                        None => break,
                    }
                }
                match (&info.conflict, acc) {
                    // Never read: a journey reading it gets J4007 instead.
                    (Some(_), _) => DataType::Utf8,
                    (None, Some((_, DataType::Null))) | (None, None) => DataType::Utf8,
                    (None, Some((_, t))) => t,
                }
            }
        };
        fields.push(Field::new(&name, ty, true));
        columns.insert(name, info);
    }
    Ok(Unified {
        schema: Arc::new(Schema::new(fields)),
        columns,
    })
}

/// The type of a partition key: Int64 when every value is an integer, else text.
pub(super) fn partition_type(listing: &Listing, key: &str) -> DataType {
    let values = listing
        .files
        .iter()
        .flat_map(|f| f.partitions.iter())
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.as_deref());
    if values.clone().next().is_some() && values.into_iter().all(|v| v.parse::<i64>().is_ok()) {
        DataType::Int64
    } else {
        DataType::Utf8
    }
}

/// The type two files' types of one column meet in, if they do: NULL (an empty column) meets
/// anything; integers of any width meet as Int64, with decimals as Float64; texts and
/// dictionary-encoded texts as text; timestamps at the finer unit (in UTC when their zones
/// differ), dates with timestamps as timestamps.
pub fn meet(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if a == b {
        return Some(a.clone());
    }
    let a = plain(a);
    let b = plain(b);
    if a == b {
        return Some(a);
    }
    Some(match (&a, &b) {
        (Null, t) | (t, Null) => t.clone(),
        (x, y) if x.is_integer() && y.is_integer() => Int64,
        (x, y) if x.is_numeric() && y.is_numeric() => Float64,
        (x, y) if is_text(x) && is_text(y) => Utf8,
        (Timestamp(u1, z1), Timestamp(u2, z2)) => {
            let unit = finer(*u1, *u2);
            let zone = if z1 == z2 {
                z1.clone()
            } else {
                Some("UTC".into())
            };
            Timestamp(unit, zone)
        }
        (Date32 | Date64, Timestamp(u, z)) | (Timestamp(u, z), Date32 | Date64) => {
            Timestamp(*u, z.clone())
        }
        (Date32, Date64) | (Date64, Date32) => Date64,
        _ => return None,
    })
}

/// A dictionary's value type.
fn plain(t: &DataType) -> DataType {
    match t {
        DataType::Dictionary(_, v) => plain(v),
        t => t.clone(),
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn finer(a: TimeUnit, b: TimeUnit) -> TimeUnit {
    let rank = |u: TimeUnit| match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// A type in words, for messages: "integer (Int64)".
pub fn type_name(t: &DataType) -> String {
    let words = match plain(t) {
        x if x.is_integer() => "integer",
        x if x.is_floating()
            || matches!(x, DataType::Decimal128(..) | DataType::Decimal256(..)) =>
        {
            "number"
        }
        x if is_text(&x) => "text",
        DataType::Boolean => "true/false",
        DataType::Timestamp(..) => "timestamp",
        DataType::Date32 | DataType::Date64 => "date",
        DataType::Null => "empty",
        _ => "",
    };
    if words.is_empty() {
        t.to_string()
    } else {
        format!("{words} ({t})")
    }
}

/// The journey.toml word for a type, for help texts.
pub fn declared_word(t: &DataType) -> &'static str {
    match plain(t) {
        x if x.is_integer() => "int",
        x if x.is_numeric() => "float",
        DataType::Boolean => "bool",
        DataType::Timestamp(..) => "timestamp",
        DataType::Date32 | DataType::Date64 => "date",
        _ => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_meet() {
        use DataType::*;
        assert_eq!(meet(&Null, &Float64), Some(Float64));
        assert_eq!(meet(&Int32, &Int64), Some(Int64));
        assert_eq!(meet(&Int64, &Float64), Some(Float64));
        assert_eq!(meet(&Utf8View, &Utf8), Some(Utf8));
        assert_eq!(
            meet(&Dictionary(Box::new(Int32), Box::new(Utf8)), &Utf8),
            Some(Utf8)
        );
        assert_eq!(
            meet(
                &Timestamp(TimeUnit::Millisecond, None),
                &Timestamp(TimeUnit::Microsecond, Some("+02:00".into()))
            ),
            Some(Timestamp(TimeUnit::Microsecond, Some("UTC".into())))
        );
        assert_eq!(meet(&Int64, &Utf8), None);
        assert_eq!(meet(&Boolean, &Int64), None);
    }
}
