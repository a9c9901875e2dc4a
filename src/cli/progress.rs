//! Apply progress: a live view on a terminal, plain timestamped lines in CI logs.

use crate::exec::Reporter;
use crate::plan::{Action, ResourceChange};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

fn verb(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Create => ("Creating...", "Still creating...", "Creation complete"),
        Action::Update => (
            "Modifying...",
            "Still modifying...",
            "Modifications complete",
        ),
        Action::Delete => (
            "Destroying...",
            "Still destroying...",
            "Destruction complete",
        ),
        Action::DeleteThenCreate | Action::CreateThenDelete => {
            ("Replacing...", "Still replacing...", "Replacement complete")
        }
        Action::Read => ("Reading...", "Still reading...", "Read complete"),
        Action::NoOp => ("Importing...", "Still importing...", "Import complete"),
    }
}

pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// One line per start, finish and steady "Still ..." tick, each stamped with the time of day
/// when `timestamps` is set (logs without their own timestamps).
pub struct LineReporter {
    pub timestamps: bool,
    lock: Mutex<()>,
}

impl LineReporter {
    pub fn new(timestamps: bool) -> LineReporter {
        LineReporter {
            timestamps,
            lock: Mutex::new(()),
        }
    }

    fn line(&self, text: String) {
        let _g = self.lock.lock();
        if self.timestamps {
            let now = time::OffsetDateTime::now_utc();
            println!(
                "{:02}:{:02}:{:02} {text}",
                now.hour(),
                now.minute(),
                now.second()
            );
        } else {
            println!("{text}");
        }
    }
}

impl Reporter for LineReporter {
    fn started(&self, c: &ResourceChange) {
        self.line(format!("{}: {}", c.addr, verb(c.action).0));
    }

    fn still_running(&self, c: &ResourceChange, e: Duration) {
        self.line(format!(
            "{}: {} [{} elapsed]",
            c.addr,
            verb(c.action).1,
            elapsed(e)
        ));
    }

    fn finished(&self, c: &ResourceChange, e: Duration) {
        self.line(format!(
            "{}: {} after {}",
            c.addr,
            verb(c.action).2,
            elapsed(e)
        ));
    }

    fn failed(&self, c: &ResourceChange, e: Duration, _error: &str) {
        self.line(format!("{}: failed after {}", c.addr, elapsed(e)));
    }

    fn stopped_waiting(&self, c: &ResourceChange, e: Duration) {
        self.line(format!(
            "{}: interrupted, stopped waiting after {}",
            c.addr,
            elapsed(e)
        ));
    }
}

/// A live view: one spinner per resource in flight with its elapsed time, and a done/total
/// counter. Finished resources are printed above it as ordinary lines.
pub struct LiveReporter {
    multi: indicatif::MultiProgress,
    total: indicatif::ProgressBar,
    bars: Mutex<BTreeMap<String, indicatif::ProgressBar>>,
}

impl LiveReporter {
    pub fn new(total: usize) -> LiveReporter {
        let multi = indicatif::MultiProgress::new();
        let bar = multi.add(indicatif::ProgressBar::new(total as u64));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} done",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        LiveReporter {
            multi,
            total: bar,
            bars: Mutex::new(BTreeMap::new()),
        }
    }

    fn done(&self, c: &ResourceChange, text: String) {
        if let Some(bar) = self
            .bars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&c.addr.to_string())
        {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        let _ = self.multi.println(text);
        self.total.inc(1);
    }

    pub fn finish(&self) {
        self.total.finish_and_clear();
    }

    /// A message on stderr with the view lifted around it, so the two do not tear each other.
    pub fn eprint(&self, text: &str) {
        self.multi.suspend(|| eprintln!("{text}"));
    }
}

impl Reporter for LiveReporter {
    fn started(&self, c: &ResourceChange) {
        let bar = self
            .multi
            .insert_before(&self.total, indicatif::ProgressBar::new_spinner());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("{}: {}", c.addr, verb(c.action).0));
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(c.addr.to_string(), bar);
    }

    fn still_running(&self, _c: &ResourceChange, _e: Duration) {}

    fn finished(&self, c: &ResourceChange, e: Duration) {
        self.done(
            c,
            format!("{}: {} after {}", c.addr, verb(c.action).2, elapsed(e)),
        );
    }

    fn failed(&self, c: &ResourceChange, e: Duration, _error: &str) {
        self.done(c, format!("{}: failed after {}", c.addr, elapsed(e)));
    }

    fn stopped_waiting(&self, c: &ResourceChange, e: Duration) {
        self.done(
            c,
            format!(
                "{}: interrupted, stopped waiting after {}",
                c.addr,
                elapsed(e)
            ),
        );
    }
}
