//! The cluster (`journey run --cluster`): the same numbers as a local run, byte for byte — in
//! Ballista's standalone mode inside this process, and on a real cluster of separate processes
//! (`journey cluster scheduler` and executors on free ports of 127.0.0.1, waited for with
//! deadlines, always stopped), with one executor and then two, several partitions.

use crate::support;
use crate::support::s3::{KEY, S3, SECRET};
use journey::config::Config;
use journey::run::results::JourneyResult;
use journey::run::{self, RunOptions, Source};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[test]
fn standalone_in_process_gives_the_local_numbers() {
    let text = support::example_journeys();
    let (_, checked) = journey::check::check_source(&text);
    assert!(!checked.has_errors());
    let sources: Vec<Source> = checked
        .journeys
        .iter()
        .map(|j| Source {
            journey: j,
            text: &text,
        })
        .collect();
    let options = RunOptions {
        files: vec![support::root().join("journeys/data/sample.parquet")],
        target_partitions: 3,
        ..RunOptions::default()
    };
    let config = Config::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let clear = |mut r: JourneyResult| {
        r.computed_at.clear();
        r
    };
    let local: Vec<JourneyResult> = rt
        .block_on(run::run(&options, &config, &sources))
        .unwrap()
        .into_iter()
        .map(clear)
        .collect();
    let on_cluster: Vec<JourneyResult> = rt.block_on(async {
        let ctx = journey::cluster::standalone(3, 2).await.unwrap();
        let batch = run::cluster::run_each_in(ctx, "standalone", &options, &config, &sources)
            .await
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostic));
        assert!(batch.failures.is_empty());
        batch
            .results
            .into_iter()
            .map(|r| clear(r.unwrap()))
            .collect()
    });
    assert_eq!(on_cluster.len(), checked.journeys.len());
    for (c, l) in on_cluster.iter().zip(&local) {
        assert_eq!(c, l, "journey \"{}\"", l.journey);
    }
}

/// A port that is free, with the next one free too (an executor takes both).
fn free_ports() -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// Start `journey ARGS…` (given a free port, with the next one free too) and wait until it
/// listens there; a process that exits first (the port was taken in between) is started again
/// on other ports, three times at most. Stopped if it never listens.
fn listening(
    env: &[(String, String)],
    what: &str,
    args: impl Fn(u16) -> Vec<String>,
) -> (u16, Child) {
    for _ in 0..3 {
        let port = free_ports();
        let mut child = Command::new(env!("CARGO_BIN_EXE_journey"))
            .envs(env.iter().cloned())
            .args(args(port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (port, child);
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the {what} did not listen on {port} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("the {what} exited before listening, three times");
}

/// The cluster's processes, stopped however the test ends.
struct Cluster {
    scheduler: u16,
    processes: Vec<Child>,
    work: support::Scratch,
    /// The processes' environment (an object store's settings).
    env: Vec<(String, String)>,
}

impl Cluster {
    fn start(env: &[(&str, String)]) -> Cluster {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let (scheduler, child) = listening(&env, "scheduler", |port| {
            vec![
                "cluster".into(),
                "scheduler".into(),
                "--bind".into(),
                format!("127.0.0.1:{port}"),
            ]
        });
        Cluster {
            scheduler,
            processes: vec![child],
            work: support::Scratch::new("cluster", &scheduler.to_string()),
            env,
        }
    }

    fn add_executor(&mut self) {
        let work = self.work.to_path_buf();
        let scheduler = self.scheduler;
        let (_, child) = listening(&self.env, "executor", |port| {
            let dir = work.join(port.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            vec![
                "cluster".into(),
                "executor".into(),
                "--slots".into(),
                "2".into(),
                "--scheduler".into(),
                format!("127.0.0.1:{scheduler}"),
                "--bind".into(),
                format!("127.0.0.1:{port}"),
                "--work-dir".into(),
                dir.display().to_string(),
            ]
        });
        self.processes.push(child);
    }

    fn url(&self) -> String {
        format!("df://127.0.0.1:{}", self.scheduler)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.processes {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

/// `journey ARGS`, stopped (and failed) after two minutes. The output is read as it comes
/// (a pipe left unread would stop the child once full).
fn journey(args: &[&str]) -> Output {
    journey_with(args, &[])
}

/// [`journey`] with these environment variables.
fn journey_with(args: &[&str], env: &[(&str, String)]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_journey"))
        .current_dir(support::root())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("SOURCE_DATE_EPOCH", "0")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("journey {args:?} did not finish within 120 s");
        }
    }
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn a_cluster_of_processes_gives_the_local_numbers() {
    let dir = support::Scratch::new("cluster", "data");
    let export = dir.join("export.parquet");
    let export = export.to_str().unwrap();
    stdout(&journey(&[
        "sample",
        "--rows",
        "400000",
        "--contacts",
        "40000",
        "--seed",
        "5",
        "--out",
        export,
    ]));
    let mut cluster = Cluster::start(&[]);
    cluster.add_executor();
    let url = cluster.url();
    for executors in [1, 2] {
        if executors == 2 {
            cluster.add_executor();
        }
        // The bundled sample as it is, and the larger export with a trend and a breakdown for
        // every journey (an "other" group too).
        for (data, extra) in [
            ("journeys/data", &[][..]),
            (
                export,
                &["--trend", "weekly", "--by", "utm_source", "--top", "2"][..],
            ),
        ] {
            let mut args = vec!["run", "journeys/", "--data", data, "--format", "json"];
            args.extend(["--partitions", "3"]);
            args.extend(extra);
            let local = stdout(&journey(&args));
            let mut remote = args.clone();
            remote.extend(["--cluster", url.as_str()]);
            let on_cluster = stdout(&journey(&remote));
            assert_eq!(on_cluster, local, "{data} on {executors} executor(s)");
        }
    }
    // A nightly batch (--output-dir) writes the same files on the cluster as here.
    let (here, there) = (dir.join("here"), dir.join("there"));
    for (out, cluster) in [(&here, None), (&there, Some(url.as_str()))] {
        let mut args = vec!["run", "journeys/", "--output-dir", out.to_str().unwrap()];
        args.extend(cluster.map(|u| ["--cluster", u]).into_iter().flatten());
        stdout(&journey(&args));
    }
    let mut names: Vec<_> = std::fs::read_dir(&here)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() > 2, "{names:?}");
    for name in names {
        assert_eq!(
            std::fs::read(here.join(&name)).unwrap(),
            std::fs::read(there.join(&name)).unwrap(),
            "{name:?}"
        );
    }
    // A job the cluster cannot finish (a time no format reads) is J5007 with the cluster's
    // message, and no output.
    let out = journey(&[
        "run",
        "tests/data/journeys/visit.journey",
        "--data",
        "tests/data/bad-time.csv",
        "--cluster",
        url.as_str(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("J5007") && err.contains("failed"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn no_scheduler_is_j5007() {
    let port = free_ports();
    let url = format!("df://127.0.0.1:{port}");
    let out = journey(&[
        "run",
        "journeys/small-business-loan.journey",
        "--cluster",
        &url,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("J5007") && err.contains(&url), "{err}");
}

#[test]
fn a_cluster_reads_an_object_store_from_its_environment() {
    // The export in an S3-protocol server; the scheduler and the executor open the store from
    // the standard AWS variables of their own environment.
    let s3 = S3::start("cluster", true, &["exports"]);
    s3.upload(&support::root().join("journeys/data"), "exports", "kbank/");
    let env = [
        ("AWS_ENDPOINT_URL", s3.endpoint()),
        ("AWS_ALLOW_HTTP", "true".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", SECRET.to_string()),
    ];
    let mut cluster = Cluster::start(&env);
    cluster.add_executor();
    let url = cluster.url();
    let args = [
        "run",
        "journeys/",
        "--data",
        "s3://exports/kbank/",
        "--format",
        "json",
    ];
    let here = stdout(&journey_with(&args, &env));
    let mut remote = args.to_vec();
    remote.extend(["--cluster", url.as_str()]);
    assert_eq!(stdout(&journey_with(&remote, &env)), here);
}
