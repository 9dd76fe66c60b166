//! journey's logical and physical extension codecs: Ballista's, plus the functions of journey's
//! plans. Every `journey_funnel` call carries its own program (a plan of twenty journeys has
//! twenty of them under one name), and every `journey_metrics` call what its figures are asked
//! for, so they travel inside the plan, as JSON next to the function's name, and an executor
//! rebuilds the aggregates from them: it needs no journey file. `journey_parse_time` has no
//! state and is rebuilt by name.

use crate::data::time;
use crate::engine::metrics_udaf::{MetricsUdaf, NAME as METRICS};
use crate::engine::program::Program;
use crate::engine::summary::MetricsProgram;
use crate::engine::udaf::{FunnelUdaf, NAME as FUNNEL};
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What a `journey_funnel` call carries to the executors.
#[derive(Serialize, Deserialize)]
struct Funnel {
    program: Program,
    by: bool,
}

fn encode_udaf(node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
    if let Some(m) = node.inner().downcast_ref::<MetricsUdaf>() {
        return serde_json::to_writer(buf, m.program())
            .map_err(|e| DataFusionError::Internal(format!("cannot encode {METRICS}: {e}")));
    }
    if let Some(f) = node.inner().downcast_ref::<FunnelUdaf>() {
        let funnel = Funnel {
            program: f.program().clone(),
            by: f.has_by(),
        };
        serde_json::to_writer(buf, &funnel)
            .map_err(|e| DataFusionError::Internal(format!("cannot encode {FUNNEL}: {e}")))?;
    }
    Ok(())
}

fn decode_udaf(name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
    if name == METRICS {
        let p: MetricsProgram = serde_json::from_slice(buf).map_err(|e| {
            DataFusionError::Internal(format!("cannot decode {METRICS}'s program: {e}"))
        })?;
        return Ok(Arc::new(MetricsUdaf::new(p).udaf()));
    }
    if name != FUNNEL {
        return Err(DataFusionError::NotImplemented(format!(
            "journey's codec has no aggregate function {name}"
        )));
    }
    let f: Funnel = serde_json::from_slice(buf)
        .map_err(|e| DataFusionError::Internal(format!("cannot decode {FUNNEL}'s program: {e}")))?;
    Ok(Arc::new(FunnelUdaf::new(f.program, f.by).udaf()))
}

fn decode_udf(name: &str) -> Result<Arc<ScalarUDF>> {
    if name == time::NAME {
        return Ok(Arc::new(time::udf()));
    }
    Err(DataFusionError::NotImplemented(format!(
        "journey's codec has no scalar function {name}"
    )))
}

/// Ballista's logical codec, and journey's functions.
#[derive(Debug, Default)]
pub struct LogicalCodec(BallistaLogicalExtensionCodec);

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.0.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.0.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        self.0
            .try_decode_table_provider(buf, table_ref, schema, ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.0.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.0.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.0.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, _buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_udf(name)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_udaf(node, buf)
    }
}

/// Ballista's physical codec, and journey's functions.
#[derive(Debug, Default)]
pub struct PhysicalCodec(BallistaPhysicalExtensionCodec);

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.0.try_decode(buf, inputs, ctx, proto_converter)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        self.0.try_encode(node, buf, proto_converter)
    }

    fn try_decode_udf(&self, name: &str, _buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_udf(name)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_udaf(node, buf)
    }
}
