//! `journey cluster scheduler` and `journey cluster executor`: the processes of an Apache
//! Ballista cluster that runs journeys (`journey run --cluster`), from this binary.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Start a process of a Ballista cluster that runs journeys.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey cluster scheduler --bind 127.0.0.1:50050\n  journey cluster executor --scheduler 127.0.0.1:50050 --bind 127.0.0.1:50051 --slots 2\n  journey run journeys/ --data /shared/activities/ --cluster df://127.0.0.1:50050\n\nEach process runs until it is stopped. The data must be where every executor can read it: a\nshared path or an object store. See docs/cluster.md."
)]
pub struct Args {
    #[command(subcommand)]
    process: Process,
}

#[derive(clap::Subcommand)]
enum Process {
    /// The scheduler: plans the jobs and hands their tasks to the executors.
    Scheduler {
        /// Where it listens for clients and executors.
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
    },
    /// An executor: runs tasks (scan, filter, the funnel per contact) and serves its shuffle
    /// output to the others.
    Executor {
        /// The scheduler to register with (a host name or an address).
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050", value_parser = host_port)]
        scheduler: (String, u16),
        /// Where it serves its shuffle output (Arrow Flight); its gRPC port is the next one.
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:50051")]
        bind: SocketAddr,
        /// The host name the scheduler and the other executors reach it at [default: the
        /// --bind address; give one when binding 0.0.0.0].
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// Tasks it runs at once [default: the machine's available parallelism].
        #[arg(long, value_name = "N")]
        slots: Option<usize>,
        /// Where it writes shuffle files [default: a temporary folder].
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
    },
}

/// `HOST:PORT`, the host a name or an address.
fn host_port(text: &str) -> Result<(String, u16), String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("`{text}` is not HOST:PORT"))?;
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("`{port}` is not a port"))?;
    if host.is_empty() {
        return Err(format!("`{text}` has no host"));
    }
    Ok((host.to_string(), port))
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let done = match args.process {
        Process::Scheduler { bind } => runtime.block_on(crate::cluster::process::scheduler(bind)),
        Process::Executor {
            scheduler,
            bind,
            external_host,
            slots,
            work_dir,
        } => runtime.block_on(crate::cluster::process::executor(
            crate::cluster::process::Executor {
                scheduler,
                bind,
                external_host,
                slots: slots
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                work_dir,
            },
        )),
    };
    done.map(|()| ExitCode::SUCCESS)
}
