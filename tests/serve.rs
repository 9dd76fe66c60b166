//! `journey serve` in a real browser: Debian's Chromium, driven by playwright-core from npm
//! (`tests/browser/serve.js`, installed with `npm ci` when missing), opens the served report;
//! the test edits the journey file and the open page changes by itself — a new name, the
//! diagnostics of a broken file, the report again once it is fixed. The server runs on a free
//! port of 127.0.0.1 and is killed when the test ends, passed or failed.

use crate::support::{self, Scratch};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_served_page_follows_the_journey_file() {
    let chromium = match crate::browser::chromium() {
        Ok(c) => c,
        Err(why) => {
            eprintln!("SKIPPED the live preview test: {why}");
            return;
        }
    };
    let root = support::root();
    let tools = root.join("tests/browser");
    support::npm_ci(&tools, "node_modules/playwright-core");
    let scratch = Scratch::new("serve", "page");
    let file = scratch.join("loan.journey");
    // The journey without its tests: the browser script renames the journey, which would leave
    // its tests naming a journey the file no longer has (J6001).
    let source =
        std::fs::read_to_string(root.join("journeys/small-business-loan.journey")).unwrap();
    let parsed = journey::syntax::parse(&source);
    let mut journey_only = source.clone();
    for t in parsed.file.tests.iter().rev() {
        journey_only.replace_range(t.span.start..t.span.end, "");
    }
    std::fs::write(&file, journey_only).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_journey"))
        .arg("serve")
        .arg(&file)
        .arg("--data")
        .arg(root.join("journeys/data"))
        .args(["--bind", "127.0.0.1:0", "--partitions", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("journey serve starts");
    let stderr = child.stderr.take().unwrap();
    let _server = Server(child);
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            if let Some(url) = line
                .strip_prefix("journey serve: ")
                .and_then(|l| l.split(' ').next())
            {
                if url.starts_with("http://") {
                    let _ = tx.send(url.to_string());
                }
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("journey serve says where it listens within 60 s");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let shot = scratch.join("served-diagnostic.png");
    let out = support::succeeds(
        "the browser script",
        Command::new("node")
            .arg(tools.join("serve.js"))
            .arg(&url)
            .arg(&file)
            .arg(&shot)
            .env("CHROMIUM", &chromium)
            .current_dir(&tools),
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = |k: &str| seen[k].as_str().unwrap().to_string();
    assert!(
        text("first").contains("Small business loan - demo"),
        "{}",
        text("first")
    );
    assert!(text("first").contains("Requested small business loan"));
    assert!(
        text("renamed").contains("Edited in place"),
        "{}",
        text("renamed")
    );
    let broken = text("broken");
    assert!(
        broken.contains("J0003") && broken.contains("did you mean `kpi`?"),
        "{broken}"
    );
    assert!(
        broken.contains("loan.journey:"),
        "the diagnostics name the file: {broken}"
    );
    assert!(text("fixed").contains("Small business loan - demo"));
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG"),
        "a screenshot of the broken file's page"
    );
    // JOURNEY_UPDATE_SCREENSHOT=1 refreshes the picture docs/editors.md shows.
    if std::env::var_os("JOURNEY_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(&shot, root.join("docs/served-diagnostic.png")).unwrap();
    }
}
