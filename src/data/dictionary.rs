//! Text columns read as the file stores them: as dictionaries.
//!
//! A Parquet export keeps most text columns (activity type, URL, form, email) dictionary-encoded:
//! each distinct value once per row group, and per row a small key. DataFusion's scan decodes
//! them into one string per row; given a reader schema that asks for `Dictionary(Int32, Utf8)`,
//! the Parquet reader hands over the keys and the row group's values instead, undecoded. The
//! pass over the data (`lower::pass`) reads such a table, and its rules on those columns are
//! tested once per distinct value (`engine::per_value`).
//!
//! Only for a data set of Parquet files read as the table is (one group, no partition values, no
//! casts), and only for the text columns that every row group of its first files stores as a
//! dictionary: a column that is not would be decoded and then re-encoded. The contact, time and
//! activity id are never among them (they are read per row anyway). The pass reads this table
//! only when some rule tests text by a pattern (`lower::pass::tests_patterns`); everything else
//! reads the table `activities` as before.

use crate::io::format::Format;
use crate::io::listing::DataFile;
use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{ScanArgs, ScanResult, Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, Statistics};
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::TableType;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The type dictionary columns are read as.
pub fn dictionary_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The type of a dictionary column's values.
pub fn value_type() -> DataType {
    DataType::Utf8
}

/// Files whose footers are consulted: enough to see how the export is written, few enough to
/// cost nothing beside the scan.
const SAMPLED: usize = 4;

/// The text columns of `schema` stored as dictionaries in every row group of the first files,
/// but for `never`. Empty when a footer cannot be read here (the scan will say why).
pub fn columns(files: &[&DataFile], schema: &Schema, never: &[&str]) -> BTreeSet<String> {
    use datafusion::parquet::basic::Encoding;
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
    let mut out: Option<BTreeSet<String>> = None;
    for f in files.iter().take(SAMPLED) {
        // Remote objects are not sampled: their footers would cost a request each here.
        if f.format != Format::Parquet || f.object.is_some() {
            return BTreeSet::new();
        }
        let Ok(file) = std::fs::File::open(&f.path) else {
            return BTreeSet::new();
        };
        let Ok(reader) = SerializedFileReader::new(file) else {
            return BTreeSet::new();
        };
        let meta = reader.metadata();
        let descr = meta.file_metadata().schema_descr();
        let mut here = BTreeSet::new();
        for field in schema.fields() {
            let text = matches!(
                field.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            );
            if !text || never.contains(&field.name().as_str()) {
                continue;
            }
            let Some(leaf) = (0..descr.num_columns()).find(|&i| {
                let path = descr.column(i).path().parts().to_vec();
                path.len() == 1 && &path[0] == field.name()
            }) else {
                continue;
            };
            let every = meta.row_groups().iter().all(|rg| {
                let c = rg.column(leaf);
                let dictionary = |e: Encoding| {
                    matches!(e, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY)
                };
                c.dictionary_page_offset().is_some()
                    && match c.page_encoding_stats_mask() {
                        // Every data page in the dictionary (none fell back to plain).
                        Some(mask) => mask.encodings().all(dictionary),
                        None => c.encodings().any(dictionary),
                    }
            });
            if every && meta.num_row_groups() > 0 {
                here.insert(field.name().clone());
            }
        }
        out = Some(match out {
            None => here,
            Some(all) => all.intersection(&here).cloned().collect(),
        });
    }
    out.unwrap_or_default()
}

/// `schema` with `columns` as dictionaries.
pub fn with_dictionaries(schema: &Schema, columns: &BTreeSet<String>) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match columns.contains(f.name()) {
            true => f.as_ref().clone().with_data_type(dictionary_type()),
            false => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// A listing table whose dictionary columns the Parquet reader keeps as dictionaries: each file
/// is scanned with `reader` as its schema (DataFusion's per-file reader schema), the listing
/// table's own schema having the same dictionary columns, so nothing casts them back.
#[derive(Debug)]
pub struct DictionaryTable {
    pub inner: Arc<ListingTable>,
    pub reader: SchemaRef,
}

impl DictionaryTable {
    fn per_file_schema(&self, plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_down(|node| {
            let Some(exec) = node.downcast_ref::<DataSourceExec>() else {
                return Ok(Transformed::no(node));
            };
            let Some(config) = exec.data_source().downcast_ref::<FileScanConfig>() else {
                return Ok(Transformed::no(node));
            };
            let mut config = config.clone();
            config.file_groups = config
                .file_groups
                .into_iter()
                .map(|mut g| {
                    let statistics = g.statistics_mut().map(|s| s.clone());
                    let files = g
                        .into_inner()
                        .into_iter()
                        .map(|f| f.with_arrow_schema(self.reader.clone()))
                        .collect();
                    let group = FileGroup::new(files);
                    match statistics {
                        Some(s) => group.with_statistics(Arc::new(s)),
                        None => group,
                    }
                })
                .collect();
            let rebuilt: Arc<dyn ExecutionPlan> = DataSourceExec::from_data_source(config);
            Ok(Transformed::yes(rebuilt))
        })
        .map(|t| t.data)
    }
}

#[async_trait]
impl TableProvider for DictionaryTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let args = ScanArgs::default()
            .with_projection(projection.map(|p| p.as_slice()))
            .with_filters(Some(filters))
            .with_limit(limit);
        Ok(self.scan_with_args(state, args).await?.into_inner())
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let plan = self.inner.scan_with_args(state, args).await?.into_inner();
        Ok(self.per_file_schema(plan)?.into())
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }
}
