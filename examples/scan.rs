//! The scan limit for bench/run.py: a plain DataFusion scan of what the benchmark journey reads —
//! the contact, time and id of every row matching a stage — with nothing else on top.
//!
//! cargo run --release --example scan -- DATA.parquet PARTITIONS

use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

const QUERY: &str = "SELECT count(contact_id), max(activity_created), max(activity_id) \
FROM activities WHERE \
(activity_type IN ('pagevisit', 'landingpage') AND url = '/campaign-pages/smb-loan-campaign') \
OR (activity_type = 'bizformsubmit' AND form = 'loan-for-small-businesses') \
OR (activity_type = 'emailclick' AND email = 'smb-kbank-jumpstart-loan') \
OR (activity_type = 'sample-file-download') \
OR (activity_type IN ('pagevisit', 'landingpage') AND url = '/campaign-assets/downloadables/download-smb-case-study') \
OR (activity_type = 'bizformsubmit' AND form = 'small-business-loan')";

fn main() -> datafusion::error::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: scan DATA.parquet [PARTITIONS]");
    let partitions: usize = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(2);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        // DATAFUSION_* variables tune the scan (e.g. DATAFUSION_EXECUTION_PARQUET_PUSHDOWN_FILTERS).
        let config = SessionConfig::from_env()?.with_target_partitions(partitions);
        let ctx = SessionContext::new_with_config(config);
        ctx.register_parquet("activities", path, ParquetReadOptions::default())
            .await?;
        // SCAN_QUERY replaces the benchmark's query, to time other reads of the same table.
        let query = std::env::var("SCAN_QUERY").unwrap_or_else(|_| QUERY.to_string());
        ctx.sql(&query).await?.show().await
    })
}
