//! The object stores of a cluster's scheduler and executors. A plan names its files by URL
//! (`s3://bucket/…`) but carries no store: each process opens the store of a URL the first time
//! it meets it, from its own environment (each cloud's variables, as `io::store` reads them for
//! a local run), and keeps it.

use crate::io::store;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::object_store::ObjectStore;
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

/// Local files as DataFusion has them; every store URL opened on demand.
#[derive(Debug, Default)]
pub struct Stores(DefaultObjectStoreRegistry);

impl ObjectStoreRegistry for Stores {
    fn register_store(&self, url: &Url, s: Arc<dyn ObjectStore>) -> Option<Arc<dyn ObjectStore>> {
        self.0.register_store(url, s)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.0.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        if let Ok(s) = self.0.get_store(url) {
            return Ok(s);
        }
        if url.scheme() == "file" {
            return self.0.get_store(url);
        }
        let opened = store::from_environment(url.as_str()).and_then(|remote| remote.open());
        let s = opened.map_err(|d| {
            DataFusionError::Execution(format!(
                "{}: {}{}",
                d.code,
                d.message,
                d.help.map(|h| format!(" ({h})")).unwrap_or_default()
            ))
        })?;
        self.0.register_store(url, s.clone());
        Ok(s)
    }
}

/// A runtime whose stores open on demand, writing temporary files (spills) to `temp`.
pub fn runtime(temp: Option<PathBuf>) -> Result<Arc<RuntimeEnv>> {
    let mut b = RuntimeEnvBuilder::new().with_object_store_registry(Arc::new(Stores::default()));
    if let Some(t) = temp {
        b = b.with_temp_file_path(t);
    }
    b.build_arc()
}
