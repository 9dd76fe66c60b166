//! Writes N varied, valid journeys (about 1 KB each) to standard output, for the `journey
//! check` benchmark (bench/check.sh). Deterministic: the same N gives the same file.
//!
//! cargo run --release --example gen_journeys -- 1000 > big.journey

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let rules = [
        r#"visited page "/campaign/{i}" on channel "web""#,
        r#"submitted form "form-{i}""#,
        r#"clicked link in email "mail-{i}" where url contains "offer""#,
        r#"custom activity "download-{i}" where value starts with "asset""#,
        r#"at least 3 times: visited page "/blog" where url matches "^/blog/[a-z0-9-]+$""#,
        r#"registered and not submitted form "unsubscribe""#,
        r#"activity "purchase" where amount >= 100 and currency in ["EUR", "USD"]"#,
        r#"opened email "newsletter-{i}" or landed on page "/landing/{i}""#,
    ];
    let segments = ["target-group", "prospect", "lead", "mql", "sql", "customer"];
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "# Generated journey {i}\njourney \"Journey {i}\" {{\n"
        ));
        out.push_str(&format!("  description \"Benchmark journey number {i}\"\n"));
        out.push_str("  period 2025-01-01 .. 2026-01-01\n  within 30 days\n");
        let stages = 4 + i % 3;
        for s in 0..stages {
            out.push_str(&format!("\n  stage \"Stage {s} of journey {i}\" {{\n"));
            out.push_str(&format!("    segment {}\n", segments[s]));
            out.push_str(&format!("    kpi {}\n", 10_000 / (s + 1)));
            if s > 0 && s % 2 == 0 {
                out.push_str("    within 7 days of previous stage\n");
            }
            let rule = rules[(i + s) % rules.len()].replace("{i}", &i.to_string());
            out.push_str(&format!("    when {rule}\n  }}\n"));
        }
        out.push_str(
            "\n  exclude when submitted form \"unsubscribe\" between stage 1 and stage 3\n}\n\n",
        );
    }
    print!("{}", out.trim_end());
    println!();
}
