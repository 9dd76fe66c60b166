//! `journey cluster scheduler` and `journey cluster executor`: Ballista's scheduler and executor
//! processes, with journey's codecs, so that a plan holding `journey_funnel` calls can be
//! decoded and run anywhere on the cluster.

use super::codec::{LogicalCodec, PhysicalCodec};
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Run a scheduler listening on `bind` until the process is stopped.
pub async fn scheduler(bind: SocketAddr) -> Result<(), String> {
    let config = SchedulerConfig {
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

/// Where an executor listens and what it offers.
pub struct Executor {
    pub scheduler: SocketAddr,
    /// The Arrow Flight port (shuffle data); the gRPC port is the next one.
    pub bind: SocketAddr,
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
    let config = ExecutorProcessConfig {
        bind_host: e.bind.ip().to_string(),
        external_host: Some(e.bind.ip().to_string()),
        port: e.bind.port(),
        grpc_port,
        scheduler_host: e.scheduler.ip().to_string(),
        scheduler_port: e.scheduler.port(),
        scheduler_connect_timeout_seconds: 30,
        vcores: e.slots.max(1),
        work_dir: e.work_dir.map(|d| d.display().to_string()),
        print_thread_info: false,
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| format!("the executor stopped: {e}"))
}
