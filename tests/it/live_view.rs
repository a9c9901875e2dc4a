//! The live view of an apply, as a person sees it: driven in a real terminal by tmux, read
//! back with `capture-pane`. Its overall timer ticks while nothing finishes, resources waiting
//! for others are listed with what they wait for, finished ones carry `[id=...]`, and after
//! Ctrl-C nothing of the view stays on the screen. The emulator sits behind a proxy adding
//! 2 s to every mutating call, so the apply lasts long enough to be watched.

use crate::faults::FaultProxy;
use crate::support::Workdir;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(script: &Path) -> Tmux {
        let tmux = Tmux {
            socket: format!("strata-live-{}", std::process::id()),
        };
        let status = tmux
            .command(&[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "50",
            ])
            .arg(format!("bash {}", script.display()))
            .status()
            .unwrap_or_else(|e| panic!("tmux is needed for this test (apt-get install tmux): {e}"));
        assert!(status.success());
        tmux
    }

    /// `tmux -L SOCKET ARGS...`: every call goes to this test's own server.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-L").arg(&self.socket).args(args);
        cmd
    }

    fn screen(&self) -> String {
        let out = self.command(&["capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        self.command(&["send-keys", keys]).status().unwrap();
    }

    /// Polls the screen until `done` holds for it, keeping every screen seen.
    fn watch(&self, seen: &mut Vec<String>, done: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen();
            seen.push(s.clone());
            if done(&s) {
                return s;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(90),
                "the screen never got there:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command(&["kill-server"]).status();
    }
}

/// A shell script running `cmd` as `Command` would (its environment changes applied), in a
/// terminal: colours allowed, then the exit code printed and the pane kept open.
fn script_for(cmd: &Command, path: &Path) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut text = String::from("#!/bin/bash\n");
    for (k, v) in cmd.get_envs() {
        let k = k.to_string_lossy();
        match v {
            Some(v) if k != "NO_COLOR" => {
                text.push_str(&format!("export {k}={}\n", quote(&v.to_string_lossy())))
            }
            _ => text.push_str(&format!("unset {k}\n")),
        }
    }
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| quote(&a.to_string_lossy()))
        .collect();
    text.push_str(&format!(
        "{} {}\necho EXIT=$?\nsleep 600\n",
        quote(&cmd.get_program().to_string_lossy()),
        args.join(" ")
    ));
    std::fs::write(path, text).unwrap();
}

/// The `HH:MM:SS` of the overall timer and the `N/M resources done` of a screen.
fn timer_and_count(screen: &str) -> Option<(String, String)> {
    let re = regex::Regex::new(r"(\d\d:\d\d:\d\d) \[[=> ]*\] (\d+/\d+) resources done").unwrap();
    let c = re.captures(screen)?;
    Some((c[1].to_string(), c[2].to_string()))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_view_ticks_lists_waiting_resources_and_leaves_nothing_after_ctrl_c() {
    let mut w = Workdir::webapp();
    let proxy = FaultProxy::start(&["--latency", "2"]);
    w.env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    w.env
        .push(("AWS_ENDPOINT_URL".into(), proxy.endpoint.clone()));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("apply.sh");
    script_for(&w.command(&["apply", "--auto-approve"]), &script);
    let tmux = Tmux::start(&script);
    let mut seen = Vec::new();

    // The database group waits for the web group it admits; the database for both groups'
    // chain and its subnet group.
    let waiting = tmux.watch(&mut seen, |s| {
        s.contains(
            "module.stack.aws_security_group.db_group: waiting for module.stack.aws_security_group.webserver_group",
        )
    });
    assert!(
        waiting.contains("module.stack.aws_db_instance.db[0]: waiting for"),
        "{waiting}"
    );
    assert!(
        waiting.contains("/4 resources done"),
        "resources, not data sources: {waiting}"
    );
    // A finished resource carries its id. The subnet group, one call, finishes first; Ctrl-C
    // then, while the web group (two calls) is in flight and the database group still waits
    // for it, so the next run has two operations of its own to sum up.
    let finished = tmux.watch(&mut seen, |s| s.contains("Creation complete after"));
    tmux.keys("C-c");
    let id =
        regex::Regex::new(r"Creation complete after \d+s \[id=(sg-[0-9a-f]+|webapp-db)\]").unwrap();
    assert!(id.is_match(&finished), "{finished}");
    let end = tmux.watch(&mut seen, |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=130"), "{end}");
    assert!(end.contains("Interrupt received"), "{end}");
    assert!(
        end.contains("Slowest operations:\n  module.stack."),
        "{end}"
    );
    // The view's own lines, not the words of the messages printed after it.
    for stale in [
        "resources done",
        ": waiting for ",
        "  · ",
        ": Creating...",
        "^C",
    ] {
        assert!(
            !end.contains(stale),
            "`{stale}` stayed on the screen:\n{end}"
        );
    }

    // The timer ticked while the count stood still.
    let readings: Vec<(String, String)> = seen.iter().filter_map(|s| timer_and_count(s)).collect();
    let ticked = readings
        .windows(2)
        .any(|p| p[0].1 == p[1].1 && p[0].0 != p[1].0);
    assert!(
        ticked,
        "the timer never moved between two screens with the same count: {readings:?}"
    );
    drop(tmux);

    // What the interrupt left is finished by the next run; the summary names the slowest.
    let again = w.expect(0, &["apply", "--auto-approve"]);
    assert!(
        again
            .stdout
            .contains("Slowest operations:\n  module.stack."),
        "{}",
        again.stdout
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.assert_no_secret_leaked();
}
