//! The cluster: Apache Ballista with journey's functions. [`codec`] carries each journey's
//! program inside the plans, [`process`] starts the scheduler and the executors (`journey
//! cluster`), and [`session`] is a client session on a cluster (`journey run --cluster`).
//!
//! It sits beside the data layer, below the runner: it knows the engine's aggregate and the
//! data's time function, nothing of journeys, results or the command line.

pub mod codec;
pub mod process;
pub mod stores;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use codec::{LogicalCodec, PhysicalCodec};
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// How long to wait for the scheduler to accept a connection before saying it cannot be reached.
const CONNECT: Duration = Duration::from_secs(5);

/// `df://HOST:PORT` → the scheduler's address (the port is Ballista's 50050 when left out).
pub fn scheduler_address(url: &str) -> Result<SocketAddr, String> {
    let rest = url
        .strip_prefix("df://")
        .ok_or_else(|| format!("`{url}` is not a cluster URL: write df://HOST:PORT"))?;
    let rest = rest.trim_end_matches('/');
    let with_port = if rest
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        rest.to_string()
    } else {
        format!("{rest}:50050")
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve the scheduler `{with_port}`: {e}"))?
        .next()
        .ok_or_else(|| format!("`{with_port}` resolves to no address"))
}

/// A session whose plans run on the cluster at `url` (`df://HOST:PORT`), with journey's codecs
/// and functions, planning `partitions` partitions per stage. The scheduler must answer first:
/// a cluster that is not there is said at once, not at the first query.
pub async fn session(url: &str, partitions: usize) -> Result<SessionContext, String> {
    let addr = scheduler_address(url)?;
    TcpStream::connect_timeout(&addr, CONNECT)
        .map_err(|e| format!("no Ballista scheduler answers at {addr}: {e}"))?;
    let url = format!("df://{}:{}", addr.ip(), addr.port());
    let ctx = SessionContext::remote_with_state(&url, state(partitions))
        .await
        .map_err(|e| e.to_string())?;
    ctx.register_udf(crate::data::time::udf());
    Ok(ctx)
}

/// A session on a cluster of this process (Ballista's standalone mode: a scheduler and an
/// executor with `slots` task slots, in process), with journey's codecs: what the tests use.
pub async fn standalone(partitions: usize, slots: usize) -> Result<SessionContext, String> {
    let config = state(partitions)
        .config()
        .clone()
        .with_ballista_standalone_parallelism(slots.max(1));
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    let ctx = SessionContext::standalone_with_state(state)
        .await
        .map_err(|e| e.to_string())?;
    ctx.register_udf(crate::data::time::udf());
    Ok(ctx)
}

/// The client's session state: Ballista's, with journey's codecs.
fn state(partitions: usize) -> SessionState {
    let config = SessionConfig::new_with_ballista()
        .with_target_partitions(partitions.max(1))
        .with_information_schema(false)
        .with_ballista_logical_extension_codec(Arc::new(LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(PhysicalCodec::default()));
    SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build()
}
