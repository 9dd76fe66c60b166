//! `journey serve`: the HTML report of every journey on 127.0.0.1, re-made whenever a journey
//! file or `journey.toml` changes. The page asks the server for the report's version twice a
//! second and reloads itself when it changes; while a file has errors the page shows them.

use super::run::{self as run_cli, Common};
use crate::diagnostics::render::{render, ErrorFormat};
use crate::report::{self, Format};
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// Serve the HTML report of journeys on this machine, re-run as their files change.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey serve journeys/                        # http://127.0.0.1:8640/, the bundled sample data\n  journey serve loan.journey --data exports/ --bind 127.0.0.1:9000\n\nEdit a journey (or journey.toml) and save: the journeys run again and the open page reloads\nitself; while a file has errors the page shows them. The data is read again on each run.\nCtrl-C stops the server."
)]
pub struct Args {
    /// Journey files or folders.
    #[arg(required = true)]
    journeys: Vec<PathBuf>,
    /// Activity data: file, folder or glob (default: the data/ folder beside the first journey).
    #[arg(long)]
    data: Option<String>,
    /// The project file mapping columns and activity types (default: the nearest journey.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The address to listen on; port 0 takes a free port (the address is printed).
    #[arg(long, default_value = "127.0.0.1:8640")]
    bind: SocketAddr,
    /// Break every journey down by this column's value on the stage-1 activity.
    #[arg(long, value_name = "COLUMN")]
    by: Option<String>,
    /// Worker threads / partitions [default: the machine's available parallelism].
    #[arg(long, default_value_t = run_cli::default_partitions(), hide_default_value = true)]
    partitions: u16,
}

/// The page now and its version (bumped on every rebuild).
struct Page {
    html: String,
    version: u64,
}

type Shared = Arc<RwLock<Page>>;

pub fn run(args: Args) -> Result<ExitCode, String> {
    let common = Common::serving(
        args.journeys.clone(),
        args.data.clone(),
        args.config.clone(),
        args.partitions.max(1),
        args.by.clone(),
    );
    let page: Shared = Arc::new(RwLock::new(Page {
        html: build(&common),
        version: 1,
    }));
    // The runs make runtimes of their own, so they happen on a plain thread, not in the server's.
    let watched = page.clone();
    std::thread::spawn(move || watch(&common, &watched));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        eprintln!("journey serve: http://{addr}/ (Ctrl-C stops)");
        let app = Router::new()
            .route("/", get(index))
            .route("/version", get(version))
            .with_state(page);
        axum::serve(listener, app)
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn index(State(page): State<Shared>) -> impl IntoResponse {
    let (html, version) = match page.read() {
        Ok(p) => (p.html.clone(), p.version),
        Err(_) => (failure_page("the page could not be read"), 0),
    };
    let reload = RELOAD.replace("VERSION", &version.to_string());
    let html = match html.rfind("</body>") {
        Some(at) => format!("{}{reload}{}", &html[..at], &html[at..]),
        None => html + &reload,
    };
    ([(header::CACHE_CONTROL, "no-store")], Html(html))
}

async fn version(State(page): State<Shared>) -> impl IntoResponse {
    let v = page.read().map(|p| p.version).unwrap_or(0);
    ([(header::CACHE_CONTROL, "no-store")], v.to_string())
}

/// Added to every page served: poll the version, reload when it changes.
const RELOAD: &str = "<script>\n(function () {\n  const shown = 'VERSION';\n  async function poll() {\n    try {\n      const r = await fetch('/version', { cache: 'no-store' });\n      if ((await r.text()) !== shown) { location.reload(); return; }\n    } catch (e) {}\n    setTimeout(poll, 500);\n  }\n  setTimeout(poll, 500);\n})();\n</script>\n";

/// Rebuild the page whenever a journey file or journey.toml changes (checked four times a
/// second: modification times and sizes, so an editor's save in place or by rename both count).
fn watch(common: &Common, page: &Shared) {
    let mut seen = stamp(common);
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let now = stamp(common);
        if now == seen {
            continue;
        }
        seen = now;
        let html = build(common);
        if let Ok(mut p) = page.write() {
            p.html = html;
            p.version += 1;
        }
        eprintln!("journey serve: re-ran after a change");
    }
}

/// What a change is noticed by: every journey file found, and the journey.toml that applies.
fn stamp(common: &Common) -> Vec<(PathBuf, Option<(SystemTime, u64)>)> {
    let mut paths = super::files::journey_files(&common.journeys).unwrap_or_default();
    if let Some(first) = paths.first() {
        match &common.config {
            Some(c) => paths.push(c.clone()),
            None => {
                if let Ok((_, Some(found))) = crate::config::Config::find(None, first) {
                    paths.push(found);
                }
            }
        }
    }
    paths
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())));
            (p, meta)
        })
        .collect()
}

/// The report of every journey, or a page of the diagnostics that stop it.
fn build(common: &Common) -> String {
    let files = match super::files::journey_files(&common.journeys) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return failure_page("no .journey files found"),
        Err(e) => return failure_page(&e),
    };
    let mut loaded = Vec::new();
    let mut problems = String::new();
    for path in files {
        let text = match super::files::read_journey(&path) {
            Ok(t) => t,
            Err(d) => {
                problems.push_str(&render(
                    std::slice::from_ref(&d),
                    "",
                    "",
                    ErrorFormat::Human,
                    false,
                ));
                continue;
            }
        };
        let (_, checked) = crate::check::check_source(&text);
        if checked.has_errors() {
            let name = path.display().to_string();
            problems.push_str(&render(
                &checked.diagnostics,
                &name,
                &text,
                ErrorFormat::Human,
                false,
            ));
            continue;
        }
        loaded.push(super::journeys::Loaded {
            path,
            text,
            journeys: checked.journeys,
        });
    }
    if !problems.is_empty() {
        return failure_page(&problems);
    }
    match results(common, &loaded) {
        Ok(results) => match report::render(&results, Format::Html, 80) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(d) => failure_page(&render(
                std::slice::from_ref(&d),
                "",
                "",
                ErrorFormat::Human,
                false,
            )),
        },
        Err(text) => failure_page(&text),
    }
}

/// Run the loaded journeys; a failure as the diagnostic's text.
fn results(
    common: &Common,
    loaded: &[super::journeys::Loaded],
) -> Result<Vec<crate::run::results::JourneyResult>, String> {
    let plain = |d: &crate::diagnostics::Diagnostic, f: Option<&super::journeys::Loaded>| {
        let (name, text) = match f {
            Some(f) if !d.labels.is_empty() => (f.path.display().to_string(), f.text.as_str()),
            _ => (String::new(), ""),
        };
        render(
            std::slice::from_ref(d),
            &name,
            text,
            ErrorFormat::Human,
            false,
        )
    };
    let (config, options) = run_cli::setup(common, &loaded[0].path).map_err(|d| plain(&d, None))?;
    let runtime = run_cli::runtime(common)?;
    let (sources, file_of) = run_cli::sources(loaded);
    let all = crate::run::run(&options, &config, &sources);
    super::guard_any(|| runtime.block_on(all))
        .map_err(|f| plain(&f.diagnostic, f.journey.map(|i| file_of[i])))
}

/// A page saying why there is no report, until the files are fixed.
fn failure_page(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>journey serve: no report</title>\n<style>\nbody {{ margin: 0; font: 15px/1.45 system-ui, sans-serif; color: #1d2433; background: #f6f7fa; }}\nmain {{ max-width: 980px; margin: 0 auto; padding: 16px; }}\npre {{ background: #fff6f0; border-left: 4px solid #d2411f; padding: 12px; overflow-x: auto; white-space: pre-wrap; }}\n</style>\n</head>\n<body>\n<main>\n<h1>No report until this is fixed</h1>\n<p>The page reloads by itself when the files change.</p>\n<pre class=\"diagnostics\">{escaped}</pre>\n</main>\n</body>\n</html>\n"
    )
}
