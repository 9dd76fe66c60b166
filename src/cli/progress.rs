//! The progress bar of a run, on standard error: rows read of the total (when the files say it),
//! elapsed time and an estimate. Drawn from the run's counters (`run::progress`) by a thread of
//! its own; on a terminal only, unless `--progress always` (then, off a terminal, a plain line a
//! second and one at the end, which a log keeps readable).

use crate::run::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    /// On a terminal only.
    Auto,
    Always,
    Never,
}

/// A drawing thread; dropping it stops the drawing.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The counters to give the run, and the bar drawing them; `None` when no bar is wanted.
pub fn start(when: When) -> Option<(Arc<Progress>, Bar)> {
    let terminal = std::io::stderr().is_terminal();
    let plain = match (when, terminal) {
        (When::Never, _) | (When::Auto, false) => return None,
        (_, true) => false,
        (When::Always, false) => true,
    };
    let progress = Arc::new(Progress::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (p, s) = (progress.clone(), stop.clone());
    let thread = std::thread::spawn(move || if plain { lines(&p, &s) } else { bar(&p, &s) });
    Some((
        progress,
        Bar {
            stop,
            thread: Some(thread),
        },
    ))
}

fn over(p: &Progress, stop: &AtomicBool) -> bool {
    p.is_done() || stop.load(Ordering::Relaxed)
}

fn bar(p: &Progress, stop: &AtomicBool) {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
    let known = ProgressStyle::with_template(
        "{spinner} {human_pos}/{human_len} rows read {wide_bar} {elapsed} (about {eta} left)",
    )
    .expect("a valid template");
    let unknown = ProgressStyle::with_template("{spinner} {human_pos} rows read {elapsed}")
        .expect("a valid template");
    bar.set_style(unknown.clone());
    let mut styled = false;
    while !over(p, stop) {
        if let (Some(total), false) = (p.total(), styled) {
            bar.set_length(total);
            bar.set_style(known.clone());
            styled = true;
        }
        bar.set_position(p.rows());
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

fn lines(p: &Progress, stop: &AtomicBool) {
    let start = Instant::now();
    let say = |p: &Progress| {
        let rows = crate::report::thousands(p.rows());
        let secs = start.elapsed().as_secs_f64();
        match p.total() {
            Some(t) => eprintln!(
                "progress: {rows} of {} rows read ({:.0}%), {secs:.1} s",
                crate::report::thousands(t),
                100.0 * p.rows() as f64 / t.max(1) as f64
            ),
            None => eprintln!("progress: {rows} rows read, {secs:.1} s"),
        }
    };
    let mut last = Instant::now();
    while !over(p, stop) {
        std::thread::sleep(Duration::from_millis(50));
        if last.elapsed() >= Duration::from_secs(1) {
            say(p);
            last = Instant::now();
        }
    }
    if p.is_done() {
        say(p);
    }
}
