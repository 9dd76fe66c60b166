//! The HTML report in a real browser: headless Chromium lays the page out, a measuring script
//! (added to a copy of the page, never to the product) reads what is on screen, and the test
//! checks that the funnel chart shows the right stages, counts, bar lengths and KPI marks, that
//! nothing overflows a phone's width, that it prints, and saves screenshots.
//!
//! Chromium is Debian's `chromium` package. When it is missing the test installs it with
//! apt-get (as root, or through passwordless sudo); only where that is impossible does it skip,
//! saying so on standard error.

use journey::report::thousands;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn journey(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .expect("journey runs");
    assert!(
        out.status.success(),
        "journey {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn find_chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Install Debian's chromium when it is missing; `Err` says why it cannot be. One test at a time
/// (the report's and the live preview's run in parallel): two apt-gets at once would fight over
/// dpkg's lock.
pub(crate) fn chromium() -> Result<PathBuf, String> {
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = find_chromium() {
        return Ok(p);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        c.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    eprintln!("browser test: installing Debian's chromium package");
    if !apt(&["install", "-y", "-q", "chromium"]) {
        apt(&["update", "-q"]);
        apt(&["install", "-y", "-q", "chromium"]);
    }
    find_chromium().ok_or_else(|| {
        "chromium is not installed and `apt-get install chromium` failed (not root, no passwordless sudo, or no package source)".into()
    })
}

/// Chromium with the flags that work on a closed network as root.
fn headless(chromium: &Path, profile: &Path, width: u32, height: u32) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--window-size={width},{height}"));
    c
}

/// What the browser laid out: the page with a script appended that measures the charts and
/// writes the measurements into the DOM, dumped after layout.
const MEASURE: &str = r#"<script>
(function () {
  const box = e => e.getBoundingClientRect();
  const stages = [...document.querySelectorAll('#journey-1 .funnel .stage')].map(s => {
    const track = box(s.querySelector('.track'));
    const bar = s.querySelector('.bar');
    const kpi = s.querySelector('.kpi');
    return {
      number: Number(s.dataset.stage),
      name: s.querySelector('.name').innerText,
      count: s.querySelector('.count').innerText,
      visible: box(bar).height > 0 && getComputedStyle(bar).visibility === 'visible',
      bar: box(bar).width / track.width,
      bar_left: box(bar).left - track.left,
      kpi: kpi ? (box(kpi).left - track.left) / track.width : null,
    };
  });
  const drops = [...document.querySelectorAll('#journey-1 .funnel .drop')].map(d => d.innerText);
  const scrolls = [...document.querySelectorAll('.scroll')].map(s => ({
    table: s.querySelector('table').className,
    overflow: s.scrollWidth - s.clientWidth,
  }));
  const breakdown_align = [...document.querySelectorAll('table.breakdown tbody tr')]
    .flatMap(r => [...r.cells].slice(1).map(c => getComputedStyle(c).textAlign));
  const kpi_chart = [...document.querySelectorAll('#journey-1 .funnel .meta .met, #journey-1 .funnel .meta .short')]
    .map(e => e.innerText.replace(/^KPI /, ''));
  const kpi_table = [...document.querySelectorAll('#journey-1 table.stages tbody tr')]
    .map(r => r.cells[6].innerText).filter(t => t !== '');
  const nav = document.querySelector('nav');
  const out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify({
    stages, drops, scrolls, breakdown_align, kpi_chart, kpi_table,
    nav_background: nav ? getComputedStyle(nav).backgroundColor : null,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    title: document.title,
  });
  document.body.appendChild(out);
})();
</script>
"#;

fn measure(chromium: &Path, dir: &Path, html: &str, width: u32) -> Value {
    let page = dir.join(format!("measure-{width}.html"));
    std::fs::write(&page, html.replace("</body>", &format!("{MEASURE}</body>"))).unwrap();
    let out = headless(chromium, &dir.join(format!("profile-m{width}")), width, 900)
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"measured\">").unwrap_or_else(|| {
        panic!(
            "no measurements in the dumped page: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    }) + "<pre id=\"measured\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// Chromium writes `file` (a PDF or a screenshot, by `flags`) of `page`; its bytes.
fn capture(chromium: &Path, page: &Path, file: &Path, width: u32, flags: &[String]) -> Vec<u8> {
    let profile = file.with_extension("profile");
    let out = headless(chromium, &profile, width, 1500)
        .args(flags)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    std::fs::read(file).unwrap_or_else(|_| {
        panic!(
            "chromium wrote no {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn the_report_shows_the_funnel_in_a_real_browser() {
    let chromium = match chromium() {
        Ok(c) => c,
        Err(why) => {
            eprintln!("SKIPPED the browser test: {why}");
            return;
        }
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let journey_file = "journeys/small-business-loan.journey";
    let report = dir.join("report.html");
    journey(&["report", journey_file, "--output", report.to_str().unwrap()]);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("<link"),
        "the report fetches nothing"
    );
    let results: Value =
        serde_json::from_slice(&journey(&["run", journey_file, "--format", "json"])).unwrap();
    let expected = results["stages"].as_array().unwrap();

    let seen = measure(&chromium, &dir, &html, 1000);
    assert_eq!(seen["title"], "Small business loan - demo · journey report");
    let stages = seen["stages"].as_array().unwrap();
    assert_eq!(stages.len(), expected.len(), "one bar per stage");
    let scale = expected
        .iter()
        .flat_map(|s| {
            [
                s["reached"].as_u64().unwrap(),
                s["kpi"].as_u64().unwrap_or(0),
            ]
        })
        .max()
        .unwrap() as f64;
    for (s, e) in stages.iter().zip(expected) {
        let reached = e["reached"].as_u64().unwrap();
        assert_eq!(s["number"], e["number"]);
        assert_eq!(
            s["name"].as_str().unwrap(),
            format!("{}. {}", e["number"], e["name"].as_str().unwrap())
        );
        assert_eq!(s["count"].as_str().unwrap(), thousands(reached));
        assert!(
            s["visible"].as_bool().unwrap(),
            "stage {} bar is drawn",
            e["number"]
        );
        assert_eq!(
            s["bar_left"].as_f64().unwrap(),
            0.0,
            "bars start at the axis"
        );
        // Bar length ∝ contacts on the chart's scale (bars have a 2 px minimum, 1% slack).
        let want = reached as f64 / scale;
        let got = s["bar"].as_f64().unwrap();
        assert!(
            (got - want).abs() < 0.01 || (want < 0.005 && got < 0.01),
            "stage {}: bar {got:.4} of the track, want {want:.4}",
            e["number"]
        );
        if let Some(kpi) = e["kpi"].as_u64() {
            let at = s["kpi"].as_f64().expect("a KPI mark");
            assert!(
                (at - kpi as f64 / scale).abs() < 0.01,
                "stage {}: KPI mark at {at:.4}",
                e["number"]
            );
        }
    }
    // Bars shrink down the funnel, as the counts do.
    for w in stages.windows(2) {
        assert!(w[0]["bar"].as_f64() >= w[1]["bar"].as_f64());
    }
    let drops = seen["drops"].as_array().unwrap();
    assert_eq!(drops.len(), expected.len() - 1, "a drop-off between stages");
    for (d, e) in drops.iter().zip(expected) {
        let dropped = e["dropped"].as_u64().unwrap();
        let rate = e["dropped_rate"].as_f64().unwrap() * 100.0;
        assert_eq!(
            d.as_str().unwrap(),
            format!("↓ {rate:.1}% dropped off ({})", thousands(dropped))
        );
    }

    // A phone: nothing wider than the screen.
    let phone = measure(&chromium, &dir, &html, 390);
    assert!(
        phone["overflow"].as_f64().unwrap() <= 0.0,
        "the page overflows a 390 px screen by {} px",
        phone["overflow"]
    );

    // The KPI reads the same in the chart and in the table.
    assert!(!seen["kpi_chart"].as_array().unwrap().is_empty());
    assert_eq!(
        seen["kpi_chart"], seen["kpi_table"],
        "KPI texts of the chart and the table"
    );

    // Several journeys with a breakdown on a 1,200 px screen: the list of journeys is styled,
    // no table needs scrolling, and every count of the breakdown is right-aligned.
    let batch = dir.join("batch.html");
    journey(&[
        "report",
        "journeys/",
        "--by",
        "utm_source",
        "--output",
        batch.to_str().unwrap(),
    ]);
    let wide = measure(
        &chromium,
        &dir,
        &std::fs::read_to_string(&batch).unwrap(),
        1200,
    );
    assert_eq!(
        wide["nav_background"], "rgb(255, 255, 255)",
        "the list of journeys is a card"
    );
    let scrolls = wide["scrolls"].as_array().unwrap();
    assert!(
        scrolls.iter().any(|s| s["table"] == "breakdown"),
        "{scrolls:?}"
    );
    for s in scrolls {
        assert!(
            s["overflow"].as_f64().unwrap() <= 0.0,
            "a table scrolls at 1,200 px: {s}"
        );
    }
    let aligned = wide["breakdown_align"].as_array().unwrap();
    assert!(!aligned.is_empty());
    assert!(
        aligned.iter().all(|a| a == "right"),
        "breakdown counts: {aligned:?}"
    );

    // Printed: a PDF with the bars (print-color-adjust keeps their colour).
    let pdf = dir.join("report.pdf");
    let flags = [
        "--no-pdf-header-footer".to_string(),
        format!("--print-to-pdf={}", pdf.display()),
    ];
    let bytes = capture(&chromium, &report, &pdf, 1000, &flags);
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 10_000,
        "the report prints"
    );

    for (name, width) in [("report.png", 1000), ("report-phone.png", 390)] {
        let shot = dir.join(name);
        let png = capture(
            &chromium,
            &report,
            &shot,
            width,
            &[format!("--screenshot={}", shot.display())],
        );
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{name} is a picture"
        );
        eprintln!("browser test: screenshot saved to {}", shot.display());
        // JOURNEY_UPDATE_SCREENSHOT=1 refreshes the picture the README shows.
        if name == "report.png" && std::env::var_os("JOURNEY_UPDATE_SCREENSHOT").is_some() {
            std::fs::copy(&shot, "docs/report.png").unwrap();
        }
    }
}
