//! Apply progress: a live view on a terminal, plain timestamped lines in CI logs, Terraform's
//! JSON events with `--json`; and, after any of them, the slowest operations.
//!
//! Every line goes through `out`, so a reader that goes away never stops the apply.

use crate::config::Mode;
use crate::exec::Reporter;
use crate::plan::{Action, ResourceChange};
use std::collections::{BTreeMap, BTreeSet};
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

/// What an operation did, for the timing summary.
fn operation(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "destroy",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Read => "read",
        Action::NoOp => "import",
    }
}

/// A data source read while planning is run again only to be recorded: no progress of its own.
fn quiet(c: &ResourceChange) -> bool {
    crate::plan::view::is_plan_time_read(c)
}

pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// A duration with tenths below a minute (`0.4s`, `12.0s`, `3m05s`): operations against an
/// emulator take well under a second.
fn precise(d: Duration) -> String {
    if d.as_secs() >= 60 {
        elapsed(d)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// `addr: Creation complete after 3s [id=sg-0abc]`.
fn completion(c: &ResourceChange, e: Duration, id: Option<&str>) -> String {
    let id = id.map(|id| format!(" [id={id}]")).unwrap_or_default();
    format!("{}: {} after {}{id}", c.addr, verb(c.action).2, elapsed(e))
}

/// How long each operation took, for the summary printed after the run.
#[derive(Default)]
pub struct Timings {
    done: Mutex<Vec<(String, &'static str, Duration, bool)>>,
}

/// How many operations the summary names.
const SLOWEST: usize = 5;

impl Timings {
    fn record(&self, c: &ResourceChange, e: Duration, failed: bool) {
        if c.addr.resource.mode == Mode::Data {
            return;
        }
        self.done.lock().unwrap_or_else(|e| e.into_inner()).push((
            c.addr.to_string(),
            operation(c.action),
            e,
            failed,
        ));
    }

    /// `Slowest operations:` and the few that took longest, or nothing for a run of one.
    pub fn summary(&self) -> String {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if done.len() < 2 {
            return String::new();
        }
        done.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        done.truncate(SLOWEST);
        let width = done.iter().map(|d| d.0.len()).max().unwrap_or(0);
        let mut out = String::from("Slowest operations:\n");
        for (addr, op, took, failed) in done {
            let failed = if failed { " (failed)" } else { "" };
            out.push_str(&format!(
                "  {addr:width$}  {op:<7}  {}{failed}\n",
                precise(took)
            ));
        }
        out
    }
}

/// One line per start, finish and steady "Still ..." tick, each stamped with the time of day
/// when `timestamps` is set (logs without their own timestamps).
pub struct LineReporter {
    pub timestamps: bool,
    pub timings: Timings,
    lock: Mutex<()>,
}

impl LineReporter {
    pub fn new(timestamps: bool) -> LineReporter {
        LineReporter {
            timestamps,
            timings: Timings::default(),
            lock: Mutex::new(()),
        }
    }

    fn line(&self, text: String) {
        let _g = self.lock.lock();
        if self.timestamps {
            let now = time::OffsetDateTime::now_utc();
            outln!(
                "{:02}:{:02}:{:02} {text}",
                now.hour(),
                now.minute(),
                now.second()
            );
        } else {
            outln!("{text}");
        }
    }
}

impl Reporter for LineReporter {
    fn started(&self, c: &ResourceChange) {
        if quiet(c) {
            return;
        }
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

    fn finished(&self, c: &ResourceChange, e: Duration, id: Option<&str>) {
        if quiet(c) {
            return;
        }
        self.timings.record(c, e, false);
        self.line(completion(c, e, id));
    }

    fn failed(&self, c: &ResourceChange, e: Duration, _error: &str) {
        self.timings.record(c, e, true);
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

/// Terraform's machine-readable UI (`apply -json`): one JSON event per start, tick and end.
#[derive(Default)]
pub struct JsonReporter {
    pub timings: Timings,
}

impl Reporter for JsonReporter {
    fn started(&self, c: &ResourceChange) {
        if quiet(c) {
            return;
        }
        super::events::hook(
            "apply_start",
            "info",
            format!("{}: {}", c.addr, verb(c.action).0),
            c,
            None,
            None,
        );
    }

    fn still_running(&self, c: &ResourceChange, e: Duration) {
        super::events::hook(
            "apply_progress",
            "info",
            format!("{}: {} [{} elapsed]", c.addr, verb(c.action).1, elapsed(e)),
            c,
            Some(e),
            None,
        );
    }

    fn finished(&self, c: &ResourceChange, e: Duration, id: Option<&str>) {
        if quiet(c) {
            return;
        }
        self.timings.record(c, e, false);
        super::events::hook(
            "apply_complete",
            "info",
            completion(c, e, id),
            c,
            Some(e),
            id,
        );
    }

    fn failed(&self, c: &ResourceChange, e: Duration, _error: &str) {
        self.timings.record(c, e, true);
        super::events::hook(
            "apply_errored",
            "error",
            format!(
                "{}: {} errored after {}",
                c.addr,
                operation(c.action),
                elapsed(e)
            ),
            c,
            Some(e),
            None,
        );
    }

    fn stopped_waiting(&self, c: &ResourceChange, e: Duration) {
        super::events::hook(
            "apply_errored",
            "warn",
            format!(
                "{}: interrupted, stopped waiting after {}",
                c.addr,
                elapsed(e)
            ),
            c,
            Some(e),
            None,
        );
    }
}

/// While the live view is up, the terminal does not echo `^C` when Ctrl-C is pressed: the echo
/// moves the cursor behind the view's back, and the line it then fails to clear stays on the
/// screen. Restored when dropped.
struct QuietControlKeys {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl QuietControlKeys {
    fn new() -> QuietControlKeys {
        #[cfg(unix)]
        {
            // SAFETY: tcgetattr/tcsetattr on stdin with a termios value they fill in; failure
            // (stdin not a terminal) leaves everything as it was.
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(libc::STDIN_FILENO, &mut t) != 0 {
                    return QuietControlKeys { saved: None };
                }
                let saved = t;
                t.c_lflag &= !libc::ECHOCTL;
                if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) != 0 {
                    return QuietControlKeys { saved: None };
                }
                QuietControlKeys { saved: Some(saved) }
            }
        }
        #[cfg(not(unix))]
        QuietControlKeys {}
    }

    fn restore(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            // SAFETY: puts back the settings read in `new`.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &saved);
            }
        }
    }
}

impl Drop for QuietControlKeys {
    fn drop(&mut self) {
        self.restore();
    }
}

/// How many waiting resources the live view lists by name.
const WAITING_SHOWN: usize = 6;

/// The live view's knowledge of the run: what runs, what waits for what, and its lines.
#[derive(Default)]
struct Board {
    /// The addresses of the changes that run.
    changes: Vec<String>,
    deps: Vec<Vec<usize>>,
    started: Vec<bool>,
    done: Vec<bool>,
    index: BTreeMap<String, usize>,
    running: BTreeMap<String, indicatif::ProgressBar>,
    waiting_bars: Vec<indicatif::ProgressBar>,
}

impl Board {
    /// `addr: waiting for a, b` for each change that has not started, those waiting on
    /// others first.
    fn waiting(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, addr) in self.changes.iter().enumerate() {
            if self.started[i] || self.done[i] {
                continue;
            }
            let on: Vec<&str> = self.deps[i]
                .iter()
                .filter(|&&d| !self.done[d])
                .map(|&d| self.changes[d].as_str())
                .collect();
            out.push(if on.is_empty() {
                format!("{addr}: queued")
            } else {
                format!("{addr}: waiting for {}", on.join(", "))
            });
        }
        out
    }
}

/// A live view: one spinner per resource in flight with its elapsed time, the resources
/// waiting and what for, and at the bottom a ticking overall timer with a done/total count of
/// resources (not data sources). Finished resources are printed above it as ordinary lines;
/// nothing of it stays on the screen after the run, or after an interrupt. The bottom line is
/// never as wide as the terminal: the `^C` a terminal echoes there must not wrap to a line
/// the view does not know it has to clear.
pub struct LiveReporter {
    multi: indicatif::MultiProgress,
    total: indicatif::ProgressBar,
    board: Mutex<Board>,
    pub timings: Timings,
    keys: Mutex<QuietControlKeys>,
}

impl LiveReporter {
    pub fn new(total: usize) -> LiveReporter {
        let multi = indicatif::MultiProgress::with_draw_target(
            indicatif::ProgressDrawTarget::stderr_with_hz(10),
        );
        let bar = multi.add(indicatif::ProgressBar::new(total as u64));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} resources done {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        // The overall timer ticks even while nothing finishes.
        bar.enable_steady_tick(Duration::from_secs(1));
        LiveReporter {
            multi,
            total: bar,
            board: Mutex::new(Board::default()),
            timings: Timings::default(),
            keys: Mutex::new(QuietControlKeys::new()),
        }
    }

    fn board(&self) -> std::sync::MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Redraws the waiting lines and the counts.
    fn refresh(&self, board: &mut Board) {
        let waiting = board.waiting();
        let mut lines: Vec<String> = waiting
            .iter()
            .take(WAITING_SHOWN)
            .map(|w| format!("  · {w}"))
            .collect();
        if waiting.len() > WAITING_SHOWN {
            lines.push(format!(
                "  · and {} more waiting",
                waiting.len() - WAITING_SHOWN
            ));
        }
        while board.waiting_bars.len() > lines.len() {
            if let Some(bar) = board.waiting_bars.pop() {
                bar.finish_and_clear();
                self.multi.remove(&bar);
            }
        }
        while board.waiting_bars.len() < lines.len() {
            let bar = self
                .multi
                .insert_before(&self.total, indicatif::ProgressBar::new_spinner());
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            board.waiting_bars.push(bar);
        }
        for (bar, line) in board.waiting_bars.iter().zip(lines) {
            bar.set_message(line);
        }
        self.total.set_message(format!(
            "· {} running · {} waiting",
            board.running.len(),
            waiting.len()
        ));
    }

    fn done(&self, c: &ResourceChange, text: String) {
        let mut board = self.board();
        let key = c.addr.to_string();
        if let Some(bar) = board.running.remove(&key) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        if let Some(&i) = board.index.get(&key) {
            board.done[i] = true;
        }
        let _ = self.multi.println(text);
        if c.addr.resource.mode == Mode::Managed {
            self.total.inc(1);
        }
        self.refresh(&mut board);
    }

    /// Takes the whole view off the screen.
    pub fn clear(&self) {
        let board = self.board();
        for bar in board.running.values().chain(&board.waiting_bars) {
            bar.finish_and_clear();
        }
        self.total.finish_and_clear();
        let _ = self.multi.clear();
        self.keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .restore();
    }

    /// A message on stderr with the view lifted around it, so the two do not tear each other.
    pub fn eprint(&self, text: &str) {
        self.multi.suspend(|| eprintln!("{text}"));
    }
}

impl Reporter for LiveReporter {
    fn scheduled(&self, changes: &[ResourceChange], deps: &[BTreeSet<usize>]) {
        let mut board = self.board();
        // Only what runs: no-ops neither wait nor are waited for.
        let runs: Vec<usize> = (0..changes.len())
            .filter(|&i| !changes[i].is_noop() && !quiet(&changes[i]))
            .collect();
        let position: BTreeMap<usize, usize> =
            runs.iter().enumerate().map(|(p, &i)| (i, p)).collect();
        board.changes = runs.iter().map(|&i| changes[i].addr.to_string()).collect();
        board.deps = runs
            .iter()
            .map(|&i| {
                deps[i]
                    .iter()
                    .filter_map(|d| position.get(d).copied())
                    .collect()
            })
            .collect();
        board.started = vec![false; runs.len()];
        board.done = vec![false; runs.len()];
        board.index = board
            .changes
            .iter()
            .enumerate()
            .map(|(p, a)| (a.clone(), p))
            .collect();
        self.refresh(&mut board);
    }

    fn started(&self, c: &ResourceChange) {
        if quiet(c) {
            return;
        }
        let mut board = self.board();
        // Above the waiting lines, which are above the counts.
        let above = board.waiting_bars.first().unwrap_or(&self.total);
        let bar = self
            .multi
            .insert_before(above, indicatif::ProgressBar::new_spinner());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("{}: {}", c.addr, verb(c.action).0));
        bar.enable_steady_tick(Duration::from_millis(120));
        let key = c.addr.to_string();
        if let Some(&i) = board.index.get(&key) {
            board.started[i] = true;
        }
        board.running.insert(key, bar);
        self.refresh(&mut board);
    }

    fn still_running(&self, _c: &ResourceChange, _e: Duration) {}

    fn finished(&self, c: &ResourceChange, e: Duration, id: Option<&str>) {
        if quiet(c) {
            return;
        }
        self.timings.record(c, e, false);
        self.done(c, completion(c, e, id));
    }

    fn failed(&self, c: &ResourceChange, e: Duration, _error: &str) {
        self.timings.record(c, e, true);
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
