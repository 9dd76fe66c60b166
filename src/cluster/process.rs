//! `journey cluster scheduler` and `journey cluster executor`: Ballista's scheduler and executor
//! processes, with journey's codecs, so that a plan holding `journey_funnel` calls can be
//! decoded and run anywhere on the cluster.

use super::codec::{LogicalCodec, PhysicalCodec};
use super::stores;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::prelude::SessionConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Run a scheduler listening on `bind` until the process is stopped.
pub async fn scheduler(bind: SocketAddr) -> Result<(), String> {
    let config = SchedulerConfig {
        override_session_builder: Some(Arc::new(session_builder)),
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        external_host: bind.ip().to_string(),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| format!("cannot start the scheduler: {e}"))?;
    start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(|e| format!("the scheduler on {bind} stopped: {e}"))
}

/// The scheduler's session for a job: Ballista's, with stores opened on demand (planning lists
/// a store's files).
fn session_builder(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    use ballista_core::extension::{
        ballista_aggregate_functions, ballista_scalar_functions, ballista_window_functions,
    };
    Ok(SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(stores::runtime(None)?)
        .with_optimizer_rules(ballista_core::optimizer::ballista_default_optimizer_rules())
        .with_scalar_functions(ballista_scalar_functions())
        .with_aggregate_functions(ballista_aggregate_functions())
        .with_window_functions(ballista_window_functions())
        .build())
}

/// Where an executor listens and what it offers.
pub struct Executor {
    /// The scheduler's host (a name or an address) and port.
    pub scheduler: (String, u16),
    /// The Arrow Flight port (shuffle data); the gRPC port is the next one.
    pub bind: SocketAddr,
    /// The host the scheduler and the other executors reach it at (default: `bind`'s address).
    pub external_host: Option<String>,
    /// Tasks run at once.
    pub slots: usize,
    /// Where shuffle files go.
    pub work_dir: Option<PathBuf>,
}

/// Run an executor registered with its scheduler until the process is stopped.
pub async fn executor(e: Executor) -> Result<(), String> {
    let grpc_port = e
        .bind
        .port()
        .checked_add(1)
        .ok_or_else(|| format!("no port after {} for the executor's gRPC", e.bind.port()))?;
    let temp = e.work_dir.clone();
    let config = ExecutorProcessConfig {
        bind_host: e.bind.ip().to_string(),
        external_host: Some(e.external_host.unwrap_or_else(|| e.bind.ip().to_string())),
        port: e.bind.port(),
        grpc_port,
        scheduler_host: e.scheduler.0,
        scheduler_port: e.scheduler.1,
        scheduler_connect_timeout_seconds: 30,
        vcores: e.slots.max(1),
        work_dir: e.work_dir.map(|d| d.display().to_string()),
        print_thread_info: false,
        override_runtime_producer: Some(Arc::new(move |_| stores::runtime(temp.clone()))),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| format!("the executor stopped: {e}"))
}
