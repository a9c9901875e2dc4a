//! Fault tests: strata killed with SIGKILL at many points of an apply, several applies racing
//! for one local state, the AWS endpoint dying mid-apply, and hostile state and plan files.
//! Every outcome is checked through describe calls against the emulator, never through
//! strata's own word: "never lose track of a resource" means no object of ours exists that
//! the state does not know.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::{Credentials, Region};
use strata::state::{Backend, LocalBackend};

use crate::emulator::DEFAULT_REGION as REGION;
use crate::support::{Run, Workdir};

// ---- what exists, through describe calls -------------------------------------------------

/// Clients of one account on one endpoint.
pub(crate) struct Clients {
    pub(crate) ec2: aws_sdk_ec2::Client,
    pub(crate) rds: aws_sdk_rds::Client,
    elasticache: aws_sdk_elasticache::Client,
}

impl Clients {
    async fn of(w: &Workdir) -> Clients {
        Clients {
            ec2: w.account.ec2(REGION).await,
            rds: w.account.rds(REGION).await,
            elasticache: w.account.elasticache(REGION).await,
        }
    }

    pub(crate) async fn at(endpoint: &str, creds: Credentials) -> Clients {
        let conf = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(endpoint)
            .credentials_provider(creds)
            .load()
            .await;
        Clients {
            ec2: aws_sdk_ec2::Client::new(&conf),
            rds: aws_sdk_rds::Client::new(&conf),
            elasticache: aws_sdk_elasticache::Client::new(&conf),
        }
    }

    /// Every object of ours in the account, as `kind id` (see `objects`).
    async fn ours(&self) -> BTreeSet<(&'static str, String)> {
        self.objects()
            .await
            .into_iter()
            .map(|o| (o.kind, o.id))
            .collect()
    }

    /// Every object of the kinds strata makes in the account, AWS's own defaults left out:
    /// security groups, DB instances, clusters, subnet and parameter groups, manual snapshots,
    /// replication groups, cache subnet and parameter groups.
    pub(crate) async fn objects(&self) -> Vec<Found> {
        let mut out = Vec::new();
        let mut add = |kind, type_, id: Option<String>, name: Option<String>| {
            let (id, name) = (id.unwrap_or_default(), name.unwrap_or_default());
            if name != "default" && !name.starts_with("default.") {
                out.push(Found {
                    kind,
                    type_,
                    id,
                    name,
                });
            }
        };
        let sgs = self.ec2.describe_security_groups().send().await.unwrap();
        for g in sgs.security_groups.unwrap_or_default() {
            add(
                "security group",
                "aws_security_group",
                g.group_id,
                g.group_name,
            );
        }
        let dbs = self.rds.describe_db_instances().send().await.unwrap();
        for d in dbs.db_instances.unwrap_or_default() {
            let id = d.db_instance_identifier;
            add("DB instance", "aws_db_instance", id.clone(), id);
        }
        let clusters = self.rds.describe_db_clusters().send().await.unwrap();
        for c in clusters.db_clusters.unwrap_or_default() {
            let id = c.db_cluster_identifier;
            add("DB cluster", "aws_rds_cluster", id.clone(), id);
        }
        let groups = self.rds.describe_db_subnet_groups().send().await.unwrap();
        for g in groups.db_subnet_groups.unwrap_or_default() {
            let name = g.db_subnet_group_name;
            add("DB subnet group", "aws_db_subnet_group", name.clone(), name);
        }
        let pgs = self
            .rds
            .describe_db_parameter_groups()
            .send()
            .await
            .unwrap();
        for g in pgs.db_parameter_groups.unwrap_or_default() {
            let name = g.db_parameter_group_name;
            add(
                "DB parameter group",
                "aws_db_parameter_group",
                name.clone(),
                name,
            );
        }
        let snaps = self
            .rds
            .describe_db_snapshots()
            .snapshot_type("manual")
            .send()
            .await
            .unwrap();
        for s in snaps.db_snapshots.unwrap_or_default() {
            let id = s.db_snapshot_identifier;
            add("DB snapshot", "aws_db_snapshot", id.clone(), id);
        }
        let caches = self
            .elasticache
            .describe_replication_groups()
            .send()
            .await
            .unwrap();
        for g in caches.replication_groups.unwrap_or_default() {
            let id = g.replication_group_id;
            add(
                "replication group",
                "aws_elasticache_replication_group",
                id.clone(),
                id,
            );
        }
        let cache_groups = self
            .elasticache
            .describe_cache_subnet_groups()
            .send()
            .await
            .unwrap();
        for g in cache_groups.cache_subnet_groups.unwrap_or_default() {
            let name = g.cache_subnet_group_name;
            add(
                "cache subnet group",
                "aws_elasticache_subnet_group",
                name.clone(),
                name,
            );
        }
        let cache_params = self
            .elasticache
            .describe_cache_parameter_groups()
            .send()
            .await
            .unwrap();
        for g in cache_params.cache_parameter_groups.unwrap_or_default() {
            let name = g.cache_parameter_group_name;
            add(
                "cache parameter group",
                "aws_elasticache_parameter_group",
                name.clone(),
                name,
            );
        }
        out
    }
}

/// One object in the account: how reports name its kind, its resource type, id and name.
pub(crate) struct Found {
    pub(crate) kind: &'static str,
    type_: &'static str,
    id: String,
    pub(crate) name: String,
}

/// Every string of the state file (ids, names, identifiers), or none when there is no state.
fn state_strings(state_path: &Path) -> BTreeSet<String> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::String(s) => {
                out.insert(s.clone());
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    if let Ok(bytes) = std::fs::read(state_path) {
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        walk(&json["resources"], &mut out);
    }
    out
}

/// Objects that exist but that the state does not know: must always be empty.
async fn orphans(clients: &Clients, state_path: &Path) -> Vec<(&'static str, String)> {
    let known = state_strings(state_path);
    clients
        .ours()
        .await
        .into_iter()
        .filter(|(_, id)| !known.contains(id))
        .collect()
}

/// The state through strata's own reader: it must always parse (or be absent).
fn read_state(w: &Workdir) -> Option<strata::state::State> {
    let backend = LocalBackend::new(&w.dir(), "default").unwrap();
    backend
        .read()
        .unwrap_or_else(|e| panic!("the state does not parse: {e}"))
}

fn assert_no_panic(run: &Run, what: &str) {
    for needle in ["panicked", "RUST_BACKTRACE"] {
        assert!(
            !run.both().contains(needle),
            "{what}: {needle:?} in the output:\n{}",
            run.both()
        );
    }
}

// ---- 1. SIGKILL at many points -----------------------------------------------------------

const KILL_POINTS: usize = 24;
const DESTROY_KILL_POINTS: usize = 10;
const WORKERS: usize = 4;

#[derive(Debug, Default)]
struct KillReport {
    destroy: bool,
    delay_ms: u64,
    finished_before_kill: bool,
    journal_left: usize,
    instances_left: usize,
    orphans_after_kill: usize,
}

/// One point: apply (or destroy), SIGKILL after `delay`, then the state parses, every object
/// is in the state or in its journal, a second run converges, a plan is empty, and nothing
/// exists that the state does not know.
fn kill_at(delay: Duration, destroy: bool, rt: &tokio::runtime::Runtime) -> KillReport {
    let w = Workdir::webapp();
    let command: &[&str] = if destroy {
        w.expect(0, &["apply", "--auto-approve"]);
        &["destroy", "--auto-approve"]
    } else {
        &["apply", "--auto-approve"]
    };
    let mut child = w
        .command(command)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let finished_before_kill = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    child.wait().unwrap();

    let mut report = KillReport {
        destroy,
        delay_ms: delay.as_millis() as u64,
        finished_before_kill,
        ..Default::default()
    };
    if let Some(state) = read_state(&w) {
        report.journal_left = state.journal.len();
        report.instances_left = state.instances().count();
    }
    let clients = rt.block_on(Clients::of(&w));
    // Objects created but not yet recorded are in the journal; count them, the next run must
    // adopt them.
    report.orphans_after_kill = rt.block_on(orphans(&clients, &w.state_path())).len();
    assert!(
        report.orphans_after_kill <= report.journal_left,
        "killed at {delay:?}: objects neither in state nor in the journal: {report:?}"
    );

    let run = w.strata(command);
    assert_no_panic(&run, "a run after a kill");
    assert_eq!(
        run.code,
        0,
        "{command:?} after a kill at {delay:?} failed:\n{}",
        run.both()
    );
    let plan: &[&str] = if destroy {
        &["plan", "--destroy", "--detailed-exitcode"]
    } else {
        &["plan", "--detailed-exitcode"]
    };
    let plan = w.strata(plan);
    assert_eq!(
        plan.code,
        0,
        "plan after a kill at {delay:?} and a second {command:?} is not empty:\n{}",
        plan.both()
    );
    let state = read_state(&w).expect("a state after the second run");
    assert!(state.journal.is_empty(), "{:?}", state.journal);
    let left = rt.block_on(orphans(&clients, &w.state_path()));
    assert!(
        left.is_empty(),
        "after a kill at {delay:?} and a converging {command:?}, objects the state does not know: {left:?}"
    );
    let exist = rt.block_on(clients.ours());
    if destroy {
        assert!(exist.is_empty(), "destroy left {exist:?}");
        let managed: Vec<String> = state
            .instances()
            .filter(|(a, _, _)| a.resource.mode == strata::config::Mode::Managed)
            .map(|(a, _, _)| a.to_string())
            .collect();
        assert!(managed.is_empty(), "destroy left {managed:?} in state");
    } else {
        assert!(!exist.is_empty(), "the apply created nothing?");
    }
    w.assert_no_secret_leaked();
    report
}

#[test]
fn sigkill_at_many_points_never_loses_a_resource() {
    let started = Instant::now();
    // A normal apply's duration sets the spread of the kill points.
    // A normal apply's and destroy's duration, WORKERS at once as the kill points run, set
    // the spread of the kill points.
    // The emulator's first requests of each service are slow (moto loads its models): warm
    // it up first.
    Workdir::webapp().expect(0, &["apply", "--auto-approve"]);
    let mut timings: Vec<(Duration, Duration)> = (0..WORKERS)
        .map(|_| {
            std::thread::spawn(|| {
                let w = Workdir::webapp();
                let t0 = Instant::now();
                w.expect(0, &["apply", "--auto-approve"]);
                let t = t0.elapsed();
                let t0 = Instant::now();
                w.expect(0, &["destroy", "--auto-approve"]);
                (t, t0.elapsed())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    timings.sort();
    let t = timings[WORKERS / 2].0;
    timings.sort_by_key(|x| x.1);
    let td = timings[WORKERS / 2].1;
    // Points from 10 % to 100 % of a run: from before the first AWS call to the last ones. A
    // point that finds the run already over is tried again earlier (at most three times), so the
    // points land during the run even when the machine is faster than measured.
    let mut delays: Vec<(Duration, bool, u32)> = (0..KILL_POINTS)
        .map(|i| {
            let d = t.mul_f64(0.1 + 0.9 * i as f64 / (KILL_POINTS - 1) as f64);
            (d, false, 0)
        })
        .collect();
    delays.extend((0..DESTROY_KILL_POINTS).map(|i| {
        let d = td.mul_f64(0.1 + 0.9 * i as f64 / (DESTROY_KILL_POINTS - 1) as f64);
        (d, true, 0)
    }));
    let queue = Arc::new(Mutex::new(delays));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let queue = queue.clone();
            let reports = reports.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                loop {
                    let Some((d, destroy, tries)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let r = kill_at(d, destroy, &rt);
                    if r.finished_before_kill && tries < 3 {
                        queue
                            .lock()
                            .unwrap()
                            .insert(0, (d.mul_f64(0.5), destroy, tries + 1));
                    }
                    reports.lock().unwrap().push(r);
                }
            })
        })
        .collect();
    let mut failures = Vec::new();
    for h in workers {
        if let Err(e) = h.join() {
            failures.push(e);
        }
    }
    if let Some(e) = failures.pop() {
        std::panic::resume_unwind(e);
    }
    let mut reports = std::mem::take(&mut *reports.lock().unwrap());
    reports.sort_by_key(|r| (r.destroy, r.delay_ms));
    let mid = reports
        .iter()
        .filter(|r| !r.destroy && r.journal_left > 0)
        .count();
    let mid_destroy = reports
        .iter()
        .filter(|r| r.destroy && r.journal_left > 0)
        .count();
    let finished = reports.iter().filter(|r| r.finished_before_kill).count();
    let adopted: usize = reports.iter().map(|r| r.orphans_after_kill).sum();
    eprintln!(
        "faults: normal apply {t:?}, destroy {td:?}; {} kill points; {mid} apply and {mid_destroy} destroy kills \
         landed mid-operation (journal non-empty); {finished} after the apply finished; {adopted} objects known only to the \
         journal were adopted; 0 orphans after convergence; {:?}",
        reports.len(),
        started.elapsed()
    );
    for r in &reports {
        eprintln!("  {r:?}");
    }
    let during_apply = reports
        .iter()
        .filter(|r| !r.destroy && !r.finished_before_kill)
        .count();
    assert!(
        during_apply >= 20,
        "only {during_apply} kills landed during the apply"
    );
    let during_destroy = reports
        .iter()
        .filter(|r| r.destroy && !r.finished_before_kill)
        .count();
    assert!(
        during_destroy >= DESTROY_KILL_POINTS / 2,
        "only {during_destroy} kills landed during the destroy"
    );
}

// ---- 2. several applies at once on one local state ----------------------------------------

#[test]
fn concurrent_applies_one_wins_the_others_fail_fast_naming_the_holder() {
    // The serial a single apply produces, in a directory of its own.
    let single = {
        let w = Workdir::webapp();
        w.expect(0, &["apply", "--auto-approve"]);
        read_state(&w).unwrap().serial
    };

    let w = Workdir::webapp();
    let t0 = Instant::now();
    let children: Vec<Child> = (0..4)
        .map(|_| {
            w.command(&["apply", "--auto-approve"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let pids: Vec<u32> = children.iter().map(Child::id).collect();
    let outcomes: Vec<_> = children
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                let out = c.wait_with_output().unwrap();
                (
                    out.status.code().unwrap_or(-1),
                    t0.elapsed(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let winners: Vec<usize> = (0..4).filter(|&i| outcomes[i].0 == 0).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one apply must win: {outcomes:#?}"
    );
    let winner = pids[winners[0]];
    for (i, (code, took, stderr)) in outcomes.iter().enumerate() {
        if i == winners[0] {
            continue;
        }
        assert_eq!(*code, 1, "a losing apply: {stderr}");
        assert!(
            *took < Duration::from_secs(5),
            "a losing apply waited {took:?}: {stderr}"
        );
        assert!(
            stderr.contains("locked") && stderr.contains(&format!("pid {winner}")),
            "a losing apply does not name the holder (pid {winner}):\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let state = read_state(&w).unwrap();
    assert_eq!(
        state.serial, single,
        "the state's serial is not that of exactly one apply"
    );
    assert!(state.journal.is_empty());
    w.expect(0, &["plan", "--detailed-exitcode"]);
    eprintln!(
        "faults: 4 applies at once: 1 exit 0 (pid {winner}), 3 exit 1 in {:?}; serial {} = single apply's",
        outcomes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != winners[0])
            .map(|(_, o)| o.1)
            .max()
            .unwrap(),
        state.serial
    );
}

// ---- 3. the AWS endpoint dies mid-apply ---------------------------------------------------

/// A moto server of this test's own, which it may kill.
pub(crate) struct PrivateMoto {
    pub(crate) endpoint: String,
    child: Child,
    _stdin: ChildStdin,
}

/// Starts a helper process of ours (launcher, proxy) that prints `READY host:port` once it
/// answers; returns it, its stdin (closing it stops the helper) and that address.
fn spawn_until_ready(command: &mut Command, what: &str) -> (Child, ChildStdin, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("READY ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{what} is not ready"));
    (child, stdin, addr)
}

impl PrivateMoto {
    fn start() -> PrivateMoto {
        PrivateMoto::start_with(&[])
    }

    /// A private server with launcher options (`--db-create-seconds N`).
    pub(crate) fn start_with(options: &[&str]) -> PrivateMoto {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut command = Command::new(manifest.join(".venv/bin/python"));
        command
            .arg(manifest.join("tests/emulator/launcher.py"))
            .args(["--port", "0"])
            .args(options)
            .stderr(Stdio::null())
            .env_remove("MOTO_ACCOUNT_ID");
        let (child, stdin, addr) = spawn_until_ready(&mut command, "a private emulator");
        PrivateMoto {
            endpoint: format!("http://{addr}"),
            child,
            _stdin: stdin,
        }
    }

    pub(crate) fn point(&self, w: &mut Workdir) {
        w.env
            .retain(|(k, _)| k != "AWS_ENDPOINT_URL" && k != "AWS_SESSION_TOKEN");
        w.env
            .push(("AWS_ENDPOINT_URL".into(), self.endpoint.clone()));
    }

    /// Points `w` at this server with the server's own account (run it with
    /// `private_command`: the shared emulator's session token is not this account's).
    pub(crate) fn use_own_account(&self, w: &mut Workdir) {
        self.point(w);
        w.env
            .push(("AWS_ACCESS_KEY_ID".into(), "AKIASTRATAFAULTS0001".into()));
        w.env.push((
            "AWS_SECRET_ACCESS_KEY".into(),
            "strata-faults-secret".into(),
        ));
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `w`'s command without the shared emulator's session token (see `use_own_account`).
pub(crate) fn private_command(w: &Workdir, args: &[&str]) -> Command {
    let mut cmd = w.command(args);
    cmd.env_remove("AWS_SESSION_TOKEN");
    cmd
}

pub(crate) fn private_creds() -> Credentials {
    Credentials::new(
        "AKIASTRATAFAULTS0001",
        "strata-faults-secret",
        None,
        None,
        "strata-faults",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn emulator_dies_mid_apply_then_a_fresh_one_converges() {
    let first = PrivateMoto::start();
    let mut w = Workdir::webapp();
    first.use_own_account(&mut w);
    // Remove the session token of the shared emulator's account.
    let mut cmd = private_command(&w, &["apply", "--auto-approve"]);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the server as soon as the apply has recorded its first object.
    let t0 = Instant::now();
    loop {
        let recorded = std::fs::read(w.state_path())
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|s| s["resources"].as_array().is_some_and(|r| r.len() >= 3));
        if recorded || child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "apply made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the apply finished before the server could be killed"
    );
    first.kill();
    let killed = Instant::now();
    // Retries with capped backoff end in about 20 s; the margin is for a loaded CI machine.
    let deadline = Instant::now() + Duration::from_secs(150);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "strata hangs after its endpoint died"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!(
        "faults: endpoint killed {:?} into the apply; strata exited {} after {:?}:\n{}",
        killed - t0,
        run.code,
        killed.elapsed(),
        run.stderr
    );
    assert_no_panic(&run, "apply whose endpoint died");
    assert_eq!(run.code, 1, "{}", run.both());
    assert!(
        run.stderr.contains("Error"),
        "no clear error:\n{}",
        run.stderr
    );
    let stale = read_state(&w).expect("the objects created before the server died are in state");
    assert!(stale.instances().count() >= 1);

    // A fresh, empty server: the next apply drops what is gone and creates it all again.
    let second = PrivateMoto::start();
    second.point(&mut w);
    let mut cmd = private_command(&w, &["apply", "--auto-approve"]);
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_panic(&run, "apply against a fresh server");
    assert_eq!(run.code, 0, "{}", run.both());
    let mut cmd = private_command(&w, &["plan", "--detailed-exitcode"]);
    let plan = cmd.output().unwrap();
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stdout)
    );

    // The state names exactly what exists on the new server.
    let clients = Clients::at(&second.endpoint, private_creds()).await;
    let ours = clients.ours().await;
    let left = orphans(&clients, &w.state_path()).await;
    assert!(left.is_empty(), "objects the state does not know: {left:?}");
    let state = read_state(&w).unwrap();
    let sg_ids: BTreeSet<String> = ours
        .iter()
        .filter(|(k, _)| *k == "security group")
        .map(|(_, id)| id.clone())
        .collect();
    for (addr, _, inst) in state.instances() {
        if addr.resource.type_ == "aws_security_group" {
            let id = inst.attributes["id"].as_str().unwrap().to_string();
            assert!(sg_ids.contains(&id), "{addr} = {id} does not exist");
        }
    }
    assert!(sg_ids.len() >= 2, "{ours:?}");
}

// ---- 4. hostile state and plan files -----------------------------------------------------

fn assert_refused(w: &Workdir, args: &[&str], needles: &[&str], files: &[(&Path, &[u8])]) {
    let run = w.strata(args);
    assert_no_panic(&run, &format!("strata {args:?}"));
    assert_eq!(run.code, 1, "strata {args:?}:\n{}", run.both());
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "strata {args:?}: {n:?} not in:\n{}",
            run.stderr
        );
    }
    for (path, bytes) in files {
        assert_eq!(
            std::fs::read(path).ok().as_deref(),
            Some(*bytes),
            "strata {args:?} changed {}",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_state_and_plan_files_are_refused_unchanged() {
    let w = Workdir::webapp();
    w.expect(0, &["apply", "--auto-approve"]);
    let clients = Clients::of(&w).await;
    let before = clients.ours().await;
    let state_path = w.state_path();
    let good = std::fs::read(&state_path).unwrap();
    let backup_path = w.dir().join("strata.tfstate.backup");
    let backup = std::fs::read(&backup_path).ok();

    let text = String::from_utf8(good.clone()).unwrap();
    let mut hostile: Vec<(String, Vec<u8>, &[&str])> = Vec::new();
    let corrupt: &[&str] = &["strata.tfstate", "corrupt", "inspect or repair"];
    for cut in [
        0,
        1,
        good.len() / 4,
        good.len() / 2,
        good.len() * 3 / 4,
        good.len() - 2,
    ] {
        hostile.push((format!("truncated at {cut}"), good[..cut].to_vec(), corrupt));
    }
    hostile.push((
        "a stray comma".into(),
        text.replacen("\"serial\"", ",\"serial\"", 1).into_bytes(),
        corrupt,
    ));
    hostile.push((
        "a missing quote".into(),
        text.replacen("\"lineage\"", "lineage\"", 1).into_bytes(),
        corrupt,
    ));
    hostile.push((
        "binary garbage".into(),
        vec![0xff, 0xfe, 0x00, 0x7b, 0x22],
        corrupt,
    ));
    let mut newer: serde_json::Value = serde_json::from_slice(&good).unwrap();
    newer["version"] = serde_json::json!(99);
    hostile.push((
        "a newer format version".into(),
        serde_json::to_vec_pretty(&newer).unwrap(),
        &["strata.tfstate", "version 99", "Upgrade strata"],
    ));

    let mut tried = 0;
    for (what, bytes, needles) in &hostile {
        std::fs::write(&state_path, bytes).unwrap();
        let mut files: Vec<(&Path, &[u8])> = vec![(state_path.as_path(), bytes.as_slice())];
        if let Some(b) = &backup {
            files.push((backup_path.as_path(), b.as_slice()));
        }
        for args in [
            &["plan"][..],
            &["apply", "--auto-approve"],
            &["destroy", "--auto-approve"],
            &["state", "list"],
            &["output"],
        ] {
            let run = w.strata(args);
            assert_no_panic(&run, &format!("{what}: strata {args:?}"));
            assert_eq!(run.code, 1, "{what}: strata {args:?}:\n{}", run.both());
            for n in *needles {
                assert!(
                    run.stderr.contains(n),
                    "{what}: strata {args:?}: {n:?} not in:\n{}",
                    run.stderr
                );
            }
            for (path, b) in &files {
                assert_eq!(
                    std::fs::read(path).unwrap(),
                    *b,
                    "{what}: strata {args:?} changed {}",
                    path.display()
                );
            }
            tried += 1;
        }
    }
    assert_eq!(clients.ours().await, before, "a hostile state changed AWS");

    // Plan files: one made for another configuration, a truncated one, garbage.
    std::fs::write(&state_path, &good).unwrap();
    let other = Workdir::example("webapp-postgres");
    other.expect(0, &["plan", "--out", "other.plan"]);
    let other_plan = std::fs::read(other.dir().join("other.plan")).unwrap();
    let plan_path = w.dir().join("other.plan");
    std::fs::write(&plan_path, &other_plan).unwrap();
    assert_refused(
        &w,
        &["apply", "other.plan"],
        &["other.plan", "stale", "strata plan --out"],
        &[(&plan_path, &other_plan), (&state_path, &good)],
    );
    let cut = &other_plan[..other_plan.len() / 2];
    std::fs::write(&plan_path, cut).unwrap();
    assert_refused(
        &w,
        &["apply", "other.plan"],
        &["other.plan", "not a strata plan", "strata plan --out"],
        &[(&plan_path, cut), (&state_path, &good)],
    );
    let garbage = b"\x00\x01not json at all";
    std::fs::write(&plan_path, garbage).unwrap();
    assert_refused(
        &w,
        &["apply", "other.plan"],
        &["other.plan", "not a strata plan", "strata plan --out"],
        &[(&plan_path, garbage), (&state_path, &good)],
    );
    tried += 3;
    assert_eq!(clients.ours().await, before, "a hostile plan changed AWS");
    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.assert_no_secret_leaked();
    eprintln!(
        "faults: {} hostile state files, {tried} refused commands, 0 panics, files unchanged",
        hostile.len()
    );
}

// ---- 5. a replacement killed before its deposed object was deleted -----------------------

const CBD_CONFIG: &str = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "web" {
  name_prefix = "faults-"
  description = "create before destroy"
  vpc_id      = data.aws_vpc.default.id

  lifecycle {
    create_before_destroy = true
  }
}
"#;

const CBD_DB_CONFIG: &str = r#"
provider "aws" {
  region = "us-east-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "db" {
  identifier_prefix   = "faults-"
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  password            = var.db_password

  # Replaced or destroyed, it keeps a final snapshot.
  final_snapshot_identifier = "faults-final"

  lifecycle {
    create_before_destroy = true
  }
}
"#;

/// What an interrupted create-before-destroy replacement leaves, built for real: `old` applied
/// `config` (its state holds the old object), `new` applied it again in the same account (its
/// state holds the replacement).
fn killed_replacement(config: &str) -> (Workdir, Workdir) {
    let old = Workdir::webapp();
    std::fs::write(old.dir().join("main.tf"), config).unwrap();
    old.expect(0, &["apply", "--auto-approve"]);
    let mut new = Workdir::webapp();
    new.account = old.account.clone();
    std::fs::write(new.dir().join("main.tf"), config).unwrap();
    new.expect(0, &["apply", "--auto-approve"]);
    (old, new)
}

/// An attribute of the only object of `type_` in `w`'s state.
fn state_attr(w: &Workdir, type_: &str, key: &str) -> String {
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.state_path()).unwrap()).unwrap();
    s["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == type_)
        .unwrap()["instances"][0]["attributes"][key]
        .as_str()
        .unwrap()
        .to_string()
}

/// The id of a journal entry made up by a test (not the operation of any object).
const MADE_UP_ENTRY: &str = "5b1c6c1e-0000-4000-8000-000000000001";

/// Writes `objects_from`'s state with one journal entry into `w`: what a run killed mid-
/// operation leaves. A create's entry must have the id of the operation that made the object
/// (its `strata:operation` tag); other entries may have any.
fn leave_journal(
    w: &Workdir,
    objects_from: &Workdir,
    addr: &str,
    action: &str,
    natural: &str,
    id: &str,
) {
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(objects_from.state_path()).unwrap()).unwrap();
    state["journal"] = serde_json::json!([{
        "id": id,
        "addr": addr,
        "action": action,
        "type": addr.split('.').next().unwrap(),
        "natural_id": natural,
        "region": "us-east-1",
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "started_at": "2026-01-01T00:00:00Z",
    }]);
    std::fs::write(w.state_path(), serde_json::to_vec_pretty(&state).unwrap()).unwrap();
}

/// A create-before-destroy replacement records the new object, journals the delete of the
/// old (now deposed) one, then deletes it. Killed between the two, the state knows only the
/// new object: the journal entry is all that is left of the old one, and the next run must
/// finish the delete rather than leave the old object behind untracked.
#[tokio::test(flavor = "multi_thread")]
async fn a_deposed_object_left_by_a_killed_replacement_is_deleted() {
    let (old, new) = killed_replacement(CBD_CONFIG);
    let sg = |w: &Workdir, k: &str| state_attr(w, "aws_security_group", k);
    let (old_id, old_natural) = (
        sg(&old, "id"),
        format!("{}/{}", sg(&old, "vpc_id"), sg(&old, "name")),
    );
    let new_id = sg(&new, "id");
    assert_ne!(old_id, new_id);
    // The old directory now holds what the killed run left.
    leave_journal(
        &old,
        &new,
        "aws_security_group.web",
        "delete",
        &old_natural,
        MADE_UP_ENTRY,
    );

    let clients = Clients::of(&old).await;
    // A plan changes nothing in AWS: it says what the next apply deletes, and keeps the entry.
    let plan = old.expect(0, &["plan"]);
    assert!(
        plan.stderr.contains(&old_natural) && plan.stderr.contains("next `strata apply` deletes"),
        "{}",
        plan.both()
    );
    assert!(clients
        .ours()
        .await
        .contains(&("security group", old_id.clone())));
    assert_eq!(read_state(&old).unwrap().journal.len(), 1);
    let run = old.expect(0, &["apply", "--auto-approve"]);
    assert!(
        run.stderr.contains("finished the interrupted delete"),
        "{}",
        run.both()
    );
    assert_no_panic(&run, "apply after a killed replacement");
    old.expect(0, &["plan", "--detailed-exitcode"]);
    let left = orphans(&clients, &old.state_path()).await;
    assert!(
        left.is_empty(),
        "the deposed {old_id} is left behind, untracked: {left:?}\n{}",
        run.both()
    );
    let exist = clients.ours().await;
    assert!(
        exist.contains(&("security group", new_id.clone())),
        "{exist:?}"
    );
}

/// As above, for a database whose configuration keeps a final snapshot. AWS does not say how
/// the deposed instance is to be deleted, and the journal's look-up takes it as an import
/// does (skip the final snapshot): the database went without the snapshot its configuration
/// asks for. The new instance's state, from the same configuration, says.
#[tokio::test(flavor = "multi_thread")]
async fn a_deposed_database_is_deleted_as_its_configuration_says() {
    let (old, new) = killed_replacement(CBD_DB_CONFIG);
    let old_id = state_attr(&old, "aws_db_instance", "id");
    let new_id = state_attr(&new, "aws_db_instance", "id");
    assert_ne!(old_id, new_id);
    leave_journal(
        &old,
        &new,
        "aws_db_instance.db",
        "delete",
        &old_id,
        MADE_UP_ENTRY,
    );

    let run = old.expect(0, &["apply", "--auto-approve"]);
    assert_no_panic(&run, "apply after a killed database replacement");
    assert!(!run.both().contains(crate::support::PASSWORD));
    let clients = Clients::of(&old).await;
    let dbs: Vec<String> = clients
        .rds
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances
        .unwrap_or_default()
        .into_iter()
        .filter_map(|db| db.db_instance_identifier)
        .collect();
    assert_eq!(dbs, vec![new_id.clone()], "{}", run.both());
    let finals: Vec<(String, String)> = clients
        .rds
        .describe_db_snapshots()
        .snapshot_type("manual")
        .send()
        .await
        .unwrap()
        .db_snapshots
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            (
                s.db_snapshot_identifier.unwrap_or_default(),
                s.db_instance_identifier.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        finals,
        vec![("faults-final".to_string(), old_id.clone())],
        "{}",
        run.both()
    );
    old.expect(0, &["plan", "--detailed-exitcode"]);
}

/// A deposed object AWS refuses to delete (still in use, protected) used to stop every apply
/// at "Cannot settle the operations an earlier run left unfinished", although what still used
/// it might have been about to move to the new object in that very apply. Now the apply goes
/// on, the journal keeps the old object tracked, and a later apply deletes it once AWS lets it.
#[tokio::test(flavor = "multi_thread")]
async fn a_deposed_object_aws_refuses_to_delete_yet_does_not_block_apply() {
    let (old, new) = killed_replacement(CBD_DB_CONFIG);
    let old_id = state_attr(&old, "aws_db_instance", "id");
    leave_journal(
        &old,
        &new,
        "aws_db_instance.db",
        "delete",
        &old_id,
        MADE_UP_ENTRY,
    );
    let clients = Clients::of(&old).await;
    let protect = |on: bool| {
        clients
            .rds
            .modify_db_instance()
            .db_instance_identifier(&old_id)
            .deletion_protection(on)
            .apply_immediately(true)
            .send()
    };
    protect(true).await.unwrap();

    let run = old.expect(0, &["apply", "--auto-approve"]);
    assert_no_panic(&run, "apply with a protected deposed database");
    assert!(
        run.stderr.contains("could not be deleted yet"),
        "{}",
        run.both()
    );
    let journal = read_state(&old).unwrap().journal;
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(journal[0].natural_id.as_deref(), Some(old_id.as_str()));

    protect(false).await.unwrap();
    let run = old.expect(0, &["apply", "--auto-approve"]);
    assert!(
        run.stderr.contains("finished the interrupted delete"),
        "{}",
        run.both()
    );
    assert!(read_state(&old).unwrap().journal.is_empty());
    let dbs = clients.rds.describe_db_instances().send().await.unwrap();
    assert!(
        dbs.db_instances()
            .iter()
            .all(|db| db.db_instance_identifier() != Some(old_id.as_str())),
        "{}",
        run.both()
    );
}

/// The delete of the deposed object went through but the run was killed before it cleared
/// its journal entry: the next run found nothing under that name and removed the address
/// from state, which by then held the new object, leaving that one untracked.
#[tokio::test(flavor = "multi_thread")]
async fn a_finished_deposed_delete_leaves_the_new_object_in_state() {
    let (old, new) = killed_replacement(CBD_CONFIG);
    let sg = |w: &Workdir, k: &str| state_attr(w, "aws_security_group", k);
    let (old_id, old_natural) = (
        sg(&old, "id"),
        format!("{}/{}", sg(&old, "vpc_id"), sg(&old, "name")),
    );
    let new_id = sg(&new, "id");
    let clients = Clients::of(&old).await;
    clients
        .ec2
        .delete_security_group()
        .group_id(&old_id)
        .send()
        .await
        .unwrap();
    leave_journal(
        &old,
        &new,
        "aws_security_group.web",
        "delete",
        &old_natural,
        MADE_UP_ENTRY,
    );

    let run = old.expect(0, &["apply", "--auto-approve"]);
    assert_no_panic(&run, "apply after a finished deposed delete");
    assert_eq!(sg(&old, "id"), new_id, "{}", run.both());
    old.expect(0, &["plan", "--detailed-exitcode"]);
    let left = orphans(&clients, &old.state_path()).await;
    assert!(left.is_empty(), "untracked: {left:?}\n{}", run.both());
}

/// A create-before-destroy replacement killed after its create call, before the new object
/// was recorded: the state still holds the old object, the journal the new one. The next run
/// used to adopt the new object over the old one, which was then known to nothing: left in
/// AWS untracked. Now a plan leaves both for apply, and apply finishes the replacement:
/// the new object in state, the old one deleted.
#[tokio::test(flavor = "multi_thread")]
async fn a_replacement_killed_before_recording_its_new_object_is_finished() {
    let (old, new) = killed_replacement(CBD_CONFIG);
    let sg = |w: &Workdir, k: &str| state_attr(w, "aws_security_group", k);
    let old_id = sg(&old, "id");
    let (new_id, new_natural) = (
        sg(&new, "id"),
        format!("{}/{}", sg(&new, "vpc_id"), sg(&new, "name")),
    );
    // The killed run's operation is the one whose tag the new group carries.
    let clients = Clients::of(&old).await;
    let operation = clients
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .values(&new_id)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .find(|t| t.key() == Some(strata::provider::aws::ownership::OPERATION_TAG))
        .and_then(|t| t.value().map(str::to_string))
        .expect("the new group carries its operation's tag");
    leave_journal(
        &old,
        &old,
        "aws_security_group.web",
        "create",
        &new_natural,
        &operation,
    );

    let clients = Clients::of(&old).await;
    let plan = old.expect(0, &["plan"]);
    assert!(
        plan.stderr.contains("interrupted replacement"),
        "{}",
        plan.both()
    );
    assert_eq!(sg(&old, "id"), old_id, "a plan swapped the objects");
    assert_eq!(read_state(&old).unwrap().journal.len(), 1);

    let run = old.expect(0, &["apply", "--auto-approve"]);
    assert_no_panic(&run, "apply after a replacement killed before recording");
    assert!(
        run.stderr.contains("finished the interrupted replacement"),
        "{}",
        run.both()
    );
    assert_eq!(sg(&old, "id"), new_id);
    old.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(read_state(&old).unwrap().journal.is_empty());
    let exist = clients.ours().await;
    assert!(
        !exist.contains(&("security group", old_id.clone())),
        "the replaced {old_id} is still there: {exist:?}"
    );
    assert!(exist.contains(&("security group", new_id.clone())));
    // `new`'s own state also claims the new group; only `old`'s counts here.
    let left = orphans(&clients, &old.state_path()).await;
    assert!(left.is_empty(), "untracked: {left:?}\n{}", run.both());
}

// ---- 6. an interrupt (Ctrl-C, or SIGTERM from a CI runner) mid-apply ---------------------

/// Sends `signal` to a process.
pub(crate) fn send(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

/// One interrupt mid-apply: strata starts nothing new, lets the AWS calls in flight return
/// and records their result (or, for one interrupted while waiting for AWS, keeps its journal
/// entry and says so), and exits 130; nothing is untracked, and the next apply converges.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupt_mid_apply_finishes_what_is_in_flight() {
    let mut report = Vec::new();
    for (signal, after) in [("INT", 1), ("TERM", 1), ("INT", 3), ("TERM", 3)] {
        let w = Workdir::webapp();
        let mut child = w
            .command(&["apply", "--auto-approve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Once the apply has recorded `after` objects (it is executing, not planning).
        let t0 = Instant::now();
        let raced = loop {
            let recorded = std::fs::read(w.state_path())
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .map_or(0, |s| {
                    s["resources"]
                        .as_array()
                        .map_or(0, |r| r.iter().filter(|r| r["mode"] == "managed").count())
                });
            if recorded >= after {
                break false;
            }
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            assert!(t0.elapsed() < Duration::from_secs(30), "no progress");
            std::thread::sleep(Duration::from_millis(2));
        };
        let delay_ms = t0.elapsed().as_millis();
        send(signal, child.id());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code();
        assert!(!stderr.contains("panicked"), "{stderr}");
        if !raced && code != Some(0) {
            assert_eq!(
                code,
                Some(130),
                "SIGTERM/SIGINT ({signal}) must stop the apply gracefully:\n{stderr}"
            );
            assert!(stderr.contains("Interrupt received"), "{stderr}");
        }
        // Operations in flight were recorded, or — interrupted while waiting for AWS — are
        // named as left mid-way and kept in the journal.
        let state = read_state(&w);
        let journal = state.as_ref().map_or(Vec::new(), |s| s.journal.clone());
        for entry in &journal {
            assert!(
                stderr.contains(&format!("left mid-way: {}", entry.addr)),
                "SIG{signal}: {} is in the journal but not reported as left mid-way:\n{stderr}",
                entry.addr
            );
        }
        let clients = Clients::of(&w).await;
        let left: Vec<_> = orphans(&clients, &w.state_path())
            .await
            .into_iter()
            .filter(|(_, id)| !journal.iter().any(|j| j.natural_id.as_ref() == Some(id)))
            .collect();
        assert!(
            left.is_empty(),
            "SIG{signal} at {delay_ms} ms: untracked {left:?}"
        );
        w.expect(0, &["apply", "--auto-approve"]);
        w.expect(0, &["plan", "--detailed-exitcode"]);
        report.push((signal, delay_ms, code));
    }
    eprintln!("faults: interrupts {report:?}");
}

/// Issue #6: the first Ctrl-C stops waiting for long waits. Against AWS a DB instance is
/// `creating` for minutes; strata used to sit out the whole wait after an interrupt. Here the
/// instance stays `creating` for DB_CREATING seconds: an interrupt during its wait ends strata
/// within seconds with 130, naming what was left mid-way; the instance is in the state's
/// journal (nothing untracked); the next apply adopts it, waits until it is available, and
/// converges to an empty plan.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupt_cuts_a_long_wait_short_and_the_next_apply_picks_the_object_up() {
    const DB_CREATING: u64 = 15;
    let moto = PrivateMoto::start_with(&["--db-create-seconds", &DB_CREATING.to_string()]);
    let mut w = Workdir::webapp();
    moto.use_own_account(&mut w);
    let mut child = private_command(&w, &["apply", "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Until the DB instance's create is in the journal: its call is made or about to be.
    let journal_db = |state: &Option<strata::state::State>| {
        state.as_ref().and_then(|s| {
            s.journal
                .iter()
                .find(|j| j.type_ == "aws_db_instance" && j.action == "create")
                .cloned()
        })
    };
    let t0 = Instant::now();
    let entry = loop {
        if let Some(e) = journal_db(&read_state(&w)) {
            break e;
        }
        assert!(child.try_wait().unwrap().is_none(), "apply ended early");
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no DB create started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let db_id = entry
        .natural_id
        .clone()
        .expect("the identifier is journaled");
    // Well into the wait, far from its end.
    std::thread::sleep(Duration::from_secs(2));
    send("INT", child.id());
    let signalled = Instant::now();
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        took < Duration::from_secs(DB_CREATING / 2),
        "strata sat out the DB wait after the interrupt: exited {took:?} after it\n{stderr}"
    );
    assert!(
        stderr.contains("left mid-way") && stderr.contains("aws_db_instance"),
        "{stderr}"
    );
    assert!(!stderr.contains(crate::support::PASSWORD), "{stderr}");

    // Through describe calls: the instance exists, still creating, and only the journal
    // knows it; everything else is in the state.
    let clients = Clients::at(&moto.endpoint, private_creds()).await;
    let status = || async {
        clients
            .rds
            .describe_db_instances()
            .db_instance_identifier(&db_id)
            .send()
            .await
            .unwrap()
            .db_instances
            .unwrap_or_default()
            .pop()
            .and_then(|db| db.db_instance_status)
    };
    assert_eq!(status().await.as_deref(), Some("creating"));
    let state = read_state(&w).expect("a state");
    assert_eq!(
        journal_db(&Some(state.clone())).map(|e| e.id),
        Some(entry.id)
    );
    assert!(
        !state
            .instances()
            .any(|(a, _, _)| a.resource.type_ == "aws_db_instance"),
        "the instance's wait was cut: only the journal may know it"
    );
    let untracked: Vec<_> = orphans(&clients, &w.state_path())
        .await
        .into_iter()
        .filter(|(_, id)| id != &db_id)
        .collect();
    assert!(untracked.is_empty(), "{untracked:?}");

    // The next apply adopts it, waits for it, applies the rest.
    let again = private_command(&w, &["apply", "--auto-approve"])
        .output()
        .unwrap();
    let again_err = String::from_utf8_lossy(&again.stderr).into_owned();
    assert_eq!(again.status.code(), Some(0), "{again_err}");
    assert!(
        again_err.contains(&db_id),
        "adoption not reported:\n{again_err}"
    );
    assert_eq!(status().await.as_deref(), Some("available"));
    let plan = private_command(&w, &["plan", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stdout)
    );
    let state = read_state(&w).unwrap();
    assert!(state.journal.is_empty(), "{:?}", state.journal);
    assert!(orphans(&clients, &w.state_path()).await.is_empty());
    let dbs = clients.rds.describe_db_instances().send().await.unwrap();
    assert_eq!(
        dbs.db_instances().len(),
        1,
        "a second DB instance was created"
    );
    eprintln!(
        "faults: interrupt during a {DB_CREATING} s DB wait: strata exited 130 after {took:?}:\n{stderr}"
    );
}

/// Issue #6: a create that never becomes usable must not block every later apply. The
/// first DB instance ends `failed` (AWS: "the instance has failed and Amazon RDS can't
/// recover it"); the apply that created it fails, its journal entry kept. Each later apply
/// used to wait for that instance again and stop with "Cannot settle the operations an
/// earlier run left unfinished". Now the next apply (a plan before it changes nothing) adopts
/// it as tainted, as Terraform keeps a failed create, and replaces it (a database: only with --allow-destroy-of-data); then the
/// plan is empty and no instance is left untracked.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_never_becomes_usable_is_kept_tainted_and_replaced() {
    let moto = PrivateMoto::start_with(&[
        "--db-create-seconds",
        "1",
        "--db-first-create-ends",
        "failed",
    ]);
    let mut w = Workdir::webapp();
    moto.use_own_account(&mut w);
    let run = |args: &[&str]| {
        let mut cmd = private_command(&w, args);
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stdout.contains(crate::support::PASSWORD), "{stdout}");
        assert!(!stderr.contains(crate::support::PASSWORD), "{stderr}");
        (out.status.code(), stdout, stderr)
    };
    let clients = Clients::at(&moto.endpoint, private_creds()).await;
    let instances = || async {
        clients
            .rds
            .describe_db_instances()
            .send()
            .await
            .unwrap()
            .db_instances
            .unwrap_or_default()
            .into_iter()
            .map(|db| {
                (
                    db.db_instance_identifier.unwrap_or_default(),
                    db.db_instance_status.unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    };

    let (code, _, stderr) = run(&["apply", "--auto-approve"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("\"failed\""), "{stderr}");
    let failed = instances().await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].1, "failed");
    let db_id = failed[0].0.clone();
    let state = read_state(&w).expect("a state");
    assert!(
        state
            .journal
            .iter()
            .any(|j| j.action == "create" && j.natural_id.as_deref() == Some(db_id.as_str())),
        "the failed create is not in the journal: {:?}",
        state.journal
    );

    // A plan adopts the instance as found (it waits for nothing) and leaves the entry for
    // apply to finish: a plan run first used to drop it, so no apply ever saw the failure.
    let (code, _, stderr) = run(&["plan"]);
    assert_eq!(code, Some(0), "{stderr}");
    let state = read_state(&w).expect("a state");
    assert!(
        state
            .instances()
            .any(|(a, _, _)| a.resource.type_ == "aws_db_instance"),
        "the plan did not adopt the instance"
    );
    assert_eq!(state.journal.len(), 1, "{:?}", state.journal);

    // Replacing a database needs consent: without it the apply stops, the instance kept as
    // tainted in state.
    let (code, _, stderr) = run(&["apply", "--auto-approve"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("destroys or replaces stored data"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tainted") && stderr.contains(&db_id),
        "the adoption as tainted is not reported:\n{stderr}"
    );
    let (code, stdout, _) = run(&["show"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("aws_db_instance.db[0]: (tainted)"),
        "{stdout}"
    );

    let (code, stdout, stderr) = run(&["apply", "--auto-approve", "--allow-destroy-of-data"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("is tainted, so must be replaced"),
        "{stdout}"
    );
    assert_eq!(
        instances().await,
        vec![(db_id.clone(), "available".to_string())]
    );

    let (code, stdout, _) = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{stdout}");
    let state = read_state(&w).unwrap();
    assert!(state.journal.is_empty(), "{:?}", state.journal);
    assert!(
        state.instances().all(|(_, _, i)| !i.is_tainted()),
        "the replacement is still tainted"
    );
    assert!(orphans(&clients, &w.state_path()).await.is_empty());
}

/// Issue #17: a `timeouts { create = ... }` block bounds the wait for the new instance. The
/// instance stays `creating` for DB_CREATING seconds; with `create = "1s"` the apply fails
/// after about a second with an error naming the limit, the instance kept by the journal
/// (as after any failed wait); without the block, the next apply adopts it, waits with the
/// provider's default limit and converges.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_timeout_ends_the_wait_and_the_journal_keeps_the_instance() {
    const DB_CREATING: u64 = 8;
    let moto = PrivateMoto::start_with(&["--db-create-seconds", &DB_CREATING.to_string()]);
    let mut w = Workdir::webapp();
    moto.use_own_account(&mut w);
    let main = w.module_dir().join("main.tf");
    let limited = "  tags = local.tags\n\n  timeouts {\n    create = \"1s\"\n  }\n}\n\n# Aurora";
    w.edit(&main, "  tags = local.tags\n}\n\n# Aurora", limited);
    let run = |args: &[&str]| {
        let mut cmd = private_command(&w, args);
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains(crate::support::PASSWORD), "{stderr}");
        (out.status.code(), stderr)
    };
    let t0 = Instant::now();
    let (code, stderr) = run(&["apply", "--auto-approve"]);
    let took = t0.elapsed();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("timed out after 1s waiting for DB instance webapp-db to become available"),
        "{stderr}"
    );
    assert!(
        took < Duration::from_secs(DB_CREATING),
        "the wait outlived its 1s limit: {took:?}"
    );
    let clients = Clients::at(&moto.endpoint, private_creds()).await;
    let state = read_state(&w).expect("a state");
    assert!(
        state
            .journal
            .iter()
            .any(|j| j.action == "create" && j.natural_id.as_deref() == Some("webapp-db")),
        "the instance is neither in state nor in the journal: {:?}",
        state.journal
    );
    let untracked: Vec<_> = orphans(&clients, &w.state_path())
        .await
        .into_iter()
        .filter(|(_, id)| id != "webapp-db")
        .collect();
    assert!(untracked.is_empty(), "{untracked:?}");

    // The provider's default limit: the next apply waits it out and converges.
    w.edit(&main, limited, "  tags = local.tags\n}\n\n# Aurora");
    let (code, stderr) = run(&["apply", "--auto-approve"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{stderr}");
    let state = read_state(&w).unwrap();
    assert!(state.journal.is_empty(), "{:?}", state.journal);
    assert!(orphans(&clients, &w.state_path()).await.is_empty());
    let dbs = clients.rds.describe_db_instances().send().await.unwrap();
    assert_eq!(
        dbs.db_instances().len(),
        1,
        "a second DB instance was created"
    );
}

// ---- 7. a proxy resetting connections, answering 500s and throttling ----------------------

/// `tests/emulator/proxy.py` in front of the shared emulator, injecting faults.
pub(crate) struct FaultProxy {
    pub(crate) endpoint: String,
    addr: std::net::SocketAddr,
    child: Child,
    _stdin: ChildStdin,
}

impl FaultProxy {
    pub(crate) fn start(args: &[&str]) -> FaultProxy {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let upstream = crate::emulator::Emulator::shared()
            .endpoint
            .trim_start_matches("http://")
            .to_string();
        let mut command = Command::new(crate::emulator::python_path());
        command
            .arg(manifest.join("tests/emulator/proxy.py"))
            .args(["--upstream", &upstream, "--watch-stdin"])
            .args(args)
            .stderr(Stdio::inherit());
        let (child, stdin, addr) = spawn_until_ready(&mut command, "the fault proxy");
        FaultProxy {
            endpoint: format!("http://{addr}"),
            addr: addr.parse().unwrap(),
            child,
            _stdin: stdin,
        }
    }

    /// Sends `w`'s strata runs through the proxy (verification clients stay direct).
    pub(crate) fn point(&self, w: &mut Workdir) {
        w.env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
        w.env
            .push(("AWS_ENDPOINT_URL".into(), self.endpoint.clone()));
    }

    /// `GET /__faults`: what was injected, by kind and by action.
    fn faults(&self) -> serde_json::Value {
        self.get("/__faults")
    }

    /// `GET /__counts`: requests received by action, answered or not.
    pub(crate) fn counts(&self) -> serde_json::Value {
        self.get("/__counts")
    }

    /// `GET /__params`: the values of the parameters `--record-param ACTION.PARAM` named.
    pub(crate) fn params(&self, action_param: &str) -> Vec<String> {
        let all = self.get("/__params");
        all[action_param]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Create calls received so far (each then waits out the proxy's latency).
    fn creates_received(&self) -> u64 {
        let counts = self.counts();
        counts
            .as_object()
            .unwrap()
            .iter()
            .filter(|(action, _)| action.starts_with("Create"))
            .map(|(_, n)| n.as_u64().unwrap_or(0))
            .sum()
    }

    /// Requests received and not answered yet.
    fn in_flight(&self) -> u64 {
        self.get("/__inflight")["in_flight"].as_u64().unwrap()
    }

    /// Waits until every request received has been carried out and answered: a request of a
    /// killed run still waiting in the proxy reaches AWS afterwards, as it would in AWS.
    fn wait_idle(&self) {
        let t0 = Instant::now();
        while self.in_flight() > 0 {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "the proxy never went idle"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn get(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(self.addr).unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Many objects of the types whose creates can be refused as duplicates, with inline and
/// stand-alone rules, so that a share of faults lands on every kind of call.
const MANY_CONFIG: &str = include_str!("../fixtures/faults/many/main.tf");

/// Faults every run must see on its first call of each action, whatever the draws: a lost
/// answer on a create of each type that refuses duplicates, on rule changes and on deletes.
const SCRIPTED: &[(&str, &str)] = &[
    ("CreateSecurityGroup", "reset-after"),
    ("CreateDBSubnetGroup", "500-after"),
    ("CreateDBParameterGroup", "reset-after"),
    ("CreateDBInstance", "reset-after"),
    ("CreateCacheParameterGroup", "500-after"),
    ("CreateCacheSubnetGroup", "reset-after"),
    ("AuthorizeSecurityGroupIngress", "reset-after"),
    ("AuthorizeSecurityGroupEgress", "500-after"),
    ("RevokeSecurityGroupEgress", "reset-after"),
    ("RevokeSecurityGroupIngress", "500-after"),
    ("DeleteSecurityGroup", "reset-after"),
    ("DeleteDBSubnetGroup", "500-after"),
    ("DeleteDBInstance", "reset-after"),
    ("DeleteDBParameterGroup", "reset-after"),
    ("DeleteCacheParameterGroup", "500-after"),
    ("DeleteCacheSubnetGroup", "reset-after"),
];

const SETTLED: &str = "settled a retried create";

/// Runs `args` until it exits 0, at most `tries` times. A call whose six attempts all fail
/// (0.2⁶ per call: a few in a thousand runs of a few hundred calls) fails its run with a
/// clear error; the journal lets the next run settle it. Returns the runs.
fn converge(w: &Workdir, args: &[&str], tries: usize) -> Vec<Run> {
    let mut runs = Vec::new();
    for _ in 0..tries {
        let run = w.strata(args);
        assert_no_panic(&run, &format!("strata {args:?} under faults"));
        // Only exhausted retries may fail a run: an answer about strata's own lost attempt
        // ("exists", "duplicate", "not found") must have been settled — unless the settling
        // itself ran out of retries (its look-up failed: the journal keeps the entry and the
        // next run settles it).
        for own in ["AlreadyExists", ".Duplicate", "NotFound"] {
            let unsettled = run.stderr.lines().any(|l| {
                l.contains(own) && !l.contains(" up failed: ") && !l.contains("tags failed: ")
            });
            assert!(
                run.code == 0 || !unsettled,
                "strata {args:?} failed on {own}:\n{}",
                run.stderr
            );
        }
        let done = run.code == 0;
        runs.push(run);
        if done {
            return runs;
        }
    }
    let last = runs.last().unwrap();
    panic!(
        "strata {args:?} did not converge in {tries} runs under faults:\n{}",
        last.both()
    );
}

/// A run of `w`'s configuration straight against the emulator, no proxy.
fn direct(w: &Workdir, args: &[&str]) -> Run {
    let mut cmd = w.command(args);
    cmd.env(
        "AWS_ENDPOINT_URL",
        &crate::emulator::Emulator::shared().endpoint,
    );
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.both().contains(crate::support::PASSWORD),
        "the password was printed"
    );
    run
}

/// Name → how many objects of that kind carry it, for every named kind the configurations
/// use (AWS's own defaults left out).
async fn named_objects(c: &Clients) -> BTreeSet<(&'static str, String, usize)> {
    let mut counts: std::collections::BTreeMap<(&'static str, String), usize> = Default::default();
    for o in c.objects().await {
        *counts.entry((o.type_, o.name)).or_default() += 1;
    }
    counts.into_iter().map(|((k, n), c)| (k, n, c)).collect()
}

/// What the state says exists, as (type, name): one of each expected in AWS.
fn state_names(w: &Workdir) -> BTreeSet<(&'static str, String, usize)> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.state_path()).unwrap()).unwrap();
    let kinds: &[(&'static str, &str)] = &[
        ("aws_security_group", "name"),
        ("aws_db_instance", "identifier"),
        ("aws_db_subnet_group", "name"),
        ("aws_db_parameter_group", "name"),
        ("aws_elasticache_parameter_group", "name"),
        ("aws_elasticache_subnet_group", "name"),
    ];
    let mut out = BTreeSet::new();
    for r in json["resources"].as_array().into_iter().flatten() {
        let Some((kind, attr)) = kinds.iter().find(|(k, _)| r["type"] == *k) else {
            continue;
        };
        if r["mode"] != "managed" {
            continue;
        }
        for i in r["instances"].as_array().into_iter().flatten() {
            let name = i["attributes"][attr]
                .as_str()
                .unwrap_or_default()
                .to_string();
            out.insert((*kind, name, 1));
        }
    }
    out
}

/// Applies under faults, checks convergence through describe calls against the emulator,
/// destroys under faults. Returns (apply runs, destroy runs, settled creates).
fn apply_and_destroy_under_faults(
    w: &Workdir,
    rt: &tokio::runtime::Runtime,
) -> (usize, usize, usize) {
    let applies = converge(w, &["apply", "--auto-approve"], 3);
    let settled: usize = applies
        .iter()
        .map(|r| r.stderr.matches(SETTLED).count())
        .sum();
    let plan = direct(w, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.code,
        0,
        "the plan after applying under faults is not empty:\n{}\n--- the applies:\n{}",
        plan.both(),
        applies.iter().map(Run::both).collect::<Vec<_>>().join("\n")
    );
    let state = read_state(w).expect("a state after the apply");
    assert!(state.journal.is_empty(), "{:?}", state.journal);
    let clients = rt.block_on(Clients::of(w));
    let exist = rt.block_on(named_objects(&clients));
    let expected = state_names(w);
    assert!(expected.len() >= 4, "{expected:?}");
    assert_eq!(
        exist, expected,
        "AWS does not hold exactly one object per name the state knows"
    );
    let left = rt.block_on(orphans(&clients, &w.state_path()));
    assert!(left.is_empty(), "objects the state does not know: {left:?}");

    let destroys = converge(w, &["destroy", "--auto-approve"], 3);
    let exist = rt.block_on(named_objects(&clients));
    assert!(exist.is_empty(), "destroy under faults left {exist:?}");
    assert!(rt.block_on(clients.ours()).is_empty());
    let state = read_state(w).expect("a state after the destroy");
    assert!(state.journal.is_empty(), "{:?}", state.journal);
    assert_eq!(
        state
            .instances()
            .filter(|(a, _, _)| a.resource.mode == strata::config::Mode::Managed)
            .count(),
        0
    );
    w.assert_no_secret_leaked();
    (applies.len(), destroys.len(), settled)
}

/// The SDK retries a failed attempt by itself; when the failed attempt had been carried out
/// (its answer lost), the retry is told the object exists. Under a proxy that resets
/// connections before and after the emulator acts, answers 500s before and after, and
/// throttles, on a fifth of all requests, the example and a config of 52 objects apply, plan
/// empty with exactly one object per name and nothing untracked, and destroy to nothing.
#[test]
fn faults_injected_by_a_proxy_converge_without_duplicates() {
    let t0 = Instant::now();
    let mut args: Vec<String> = [
        "--fault-rate",
        "0.2",
        "--fault-actions",
        "all",
        "--seed",
        "20260601",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (action, kind) in SCRIPTED {
        args.push("--fault-first".into());
        args.push(format!("{action}={kind}"));
    }
    let proxy = FaultProxy::start(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut webapp = Workdir::webapp();
    proxy.point(&mut webapp);
    let mut many = Workdir::webapp();
    std::fs::write(many.dir().join("main.tf"), MANY_CONFIG).unwrap();
    proxy.point(&mut many);

    let outcomes: Vec<(usize, usize, usize)> = std::thread::scope(|s| {
        let runs: Vec<_> = [&webapp, &many]
            .into_iter()
            .map(|w| {
                s.spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    apply_and_destroy_under_faults(w, &rt)
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let faults = proxy.faults();
    let by_kind = &faults["by_kind"];
    for kind in [
        "reset-before",
        "reset-after",
        "500-before",
        "500-after",
        "throttle",
    ] {
        assert!(
            by_kind[kind].as_u64().unwrap_or(0) > 0,
            "no {kind} was injected: {faults}"
        );
    }
    let by_action = faults["by_action"].as_object().unwrap();
    let lost_creates: u64 = by_action
        .iter()
        .filter(|(a, _)| a.starts_with("Create"))
        .map(|(_, k)| k["reset-after"].as_u64().unwrap_or(0) + k["500-after"].as_u64().unwrap_or(0))
        .sum();
    assert!(lost_creates >= 6, "{faults}");
    let settled: usize = outcomes.iter().map(|o| o.2).sum();
    // Each scripted lost create answer is one settled create; random ones add more.
    assert!(settled >= 6, "only {settled} retried creates were settled");
    eprintln!(
        "faults: {} requests, {} faults {by_kind}; lost answers to creates {lost_creates}, retried creates settled {settled}; \
         (apply runs, destroy runs, settled) webapp {:?}, 52 objects {:?}; upstream 5xx {} ; {:?}",
        faults["requests"],
        by_kind.as_object().unwrap().values().filter_map(|v| v.as_u64()).sum::<u64>(),
        outcomes[0],
        outcomes[1],
        faults["upstream_5xx"],
        t0.elapsed()
    );
}

const TAKEN_CONFIG: &str = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "taken" {
  name        = "taken"
  description = "the same as theirs"
  vpc_id      = data.aws_vpc.default.id
}
"#;

/// A name someone else holds is refused with AWS's error and adopted by neither this run
/// nor the next, whether the create's first attempt was told so or a retry after throttled
/// attempts was (AWS throttles before acting). Only a retry after an attempt whose answer was
/// lost may adopt. Their group is the configured one to the letter, so only the attempts
/// tell it apart; adopting it would have revoked its default egress rule.
#[tokio::test(flavor = "multi_thread")]
async fn a_name_taken_by_someone_else_is_refused_not_adopted() {
    let proxy = FaultProxy::start(&["--fault-first", "CreateSecurityGroup=throttle+throttle"]);
    let mut outcomes = Vec::new();
    for through_proxy in [false, true] {
        let mut w = Workdir::webapp();
        std::fs::write(w.dir().join("main.tf"), TAKEN_CONFIG).unwrap();
        if through_proxy {
            proxy.point(&mut w);
        }
        let ec2 = w.account.ec2(REGION).await;
        let theirs = ec2
            .create_security_group()
            .group_name("taken")
            .description("the same as theirs")
            .send()
            .await
            .unwrap()
            .group_id
            .unwrap();
        let egress = |ec2: aws_sdk_ec2::Client| {
            let theirs = theirs.clone();
            async move {
                ec2.describe_security_groups()
                    .group_ids(theirs)
                    .send()
                    .await
                    .unwrap()
                    .security_groups
                    .unwrap()
                    .remove(0)
                    .ip_permissions_egress
                    .unwrap_or_default()
                    .len()
            }
        };
        let before = egress(ec2.clone()).await;
        assert!(before > 0);

        let run = w.strata(&["apply", "--auto-approve"]);
        assert_no_panic(&run, "apply of a taken name");
        assert_eq!(run.code, 1, "{}", run.both());
        assert!(
            run.stderr.contains("InvalidGroup.Duplicate"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains(SETTLED), "{}", run.stderr);
        // The next run must not adopt it from the journal either.
        let plan = w.strata(&["plan"]);
        assert_eq!(plan.code, 0, "{}", plan.both());
        assert!(
            !plan.stderr.contains("adopted") && plan.stdout.contains("1 to add"),
            "{}",
            plan.both()
        );
        let state = read_state(&w).expect("a state");
        assert!(state.journal.is_empty(), "{:?}", state.journal);
        assert_eq!(
            state
                .instances()
                .filter(|(a, _, _)| a.resource.type_ == "aws_security_group")
                .count(),
            0
        );
        assert_eq!(egress(ec2).await, before, "their group was changed");
        outcomes.push((
            through_proxy,
            run.stderr
                .lines()
                .find(|l| l.contains("Duplicate"))
                .unwrap_or_default()
                .trim()
                .to_string(),
        ));
    }
    let faults = proxy.faults();
    assert_eq!(faults["by_kind"]["throttle"], 2, "{faults}");
    eprintln!("faults: a taken name, refused and not adopted: {outcomes:?}");
}

/// The create call of every type whose create the SDK may retry into "already exists".
const CREATE_ACTIONS: &[&str] = &[
    "CreateSecurityGroup",
    "CreateDBSubnetGroup",
    "CreateDBParameterGroup",
    "CreateDBClusterParameterGroup",
    "CreateOptionGroup",
    "CreateDBInstance",
    "CreateDBCluster",
    "CreateDBSnapshot",
    "CopyDBSnapshot",
    "CreateDBClusterSnapshot",
    "CopyDBClusterSnapshot",
    "CreateCacheSubnetGroup",
    "CreateCacheParameterGroup",
    "CreateCacheCluster",
    "CreateReplicationGroup",
];

/// The rule and delete calls whose retry is told "duplicate" or "not found" when the
/// first attempt was carried out.
const RULE_AND_DELETE_ACTIONS: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "DeleteSecurityGroup",
    "DeleteDBSubnetGroup",
    "DeleteDBParameterGroup",
    "DeleteDBClusterParameterGroup",
    "DeleteOptionGroup",
    "DeleteDBInstance",
    "DeleteDBCluster",
    "DeleteDBSnapshot",
    "DeleteDBClusterSnapshot",
    "DeleteCacheSubnetGroup",
    "DeleteCacheParameterGroup",
    "DeleteCacheCluster",
    "DeleteReplicationGroup",
];

/// Every example through a proxy that loses the answer to the first call of each action that
/// creates, authorizes, revokes or deletes (the emulator carries it out, the connection is
/// reset): the apply settles every create in the same run, whatever the type does after its
/// create call (waits for an Aurora cluster, its instances, a replication group, snapshots
/// and their cross-region copies), the next plan is empty, and the destroy succeeds at once.
#[test]
fn a_lost_answer_to_each_kind_of_call_is_settled() {
    let t0 = Instant::now();
    // The examples, and for the types none of them creates, a fixture.
    let examples: &[(&str, &[(&str, &str)])] = &[
        ("webapp-aurora", &[]),
        (
            "webapp-cache",
            &[("STRATA_VAR_cache_auth_token", "cache-auth-token-0123456789")],
        ),
        ("dr-copy", &[]),
        ("tests/fixtures/faults/rest", &[]),
    ];
    let report: Vec<(String, Vec<String>, Vec<String>)> = std::thread::scope(|s| {
        let runs: Vec<_> = examples
            .iter()
            .map(|(example, env)| {
                s.spawn(move || {
                    let mut args = Vec::new();
                    for action in CREATE_ACTIONS.iter().chain(RULE_AND_DELETE_ACTIONS) {
                        args.push("--fault-first".to_string());
                        args.push(format!("{action}=reset-after"));
                    }
                    let proxy =
                        FaultProxy::start(&args.iter().map(String::as_str).collect::<Vec<_>>());
                    let mut w = match example.strip_prefix("tests/fixtures/") {
                        Some(_) => {
                            let w = Workdir::webapp();
                            let config = Path::new(env!("CARGO_MANIFEST_DIR"))
                                .join(example)
                                .join("main.tf");
                            std::fs::copy(config, w.dir().join("main.tf")).unwrap();
                            w
                        }
                        None => Workdir::example(example),
                    };
                    w.env = env
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    proxy.point(&mut w);
                    let run = w.expect(0, &["apply", "--auto-approve"]);
                    let settled = run.stderr.matches(SETTLED).count();
                    let faults = proxy.faults();
                    let lost: Vec<String> = faults["by_action"]
                        .as_object()
                        .unwrap()
                        .keys()
                        .filter(|a| CREATE_ACTIONS.contains(&a.as_str()))
                        .cloned()
                        .collect();
                    assert_eq!(
                        settled,
                        lost.len(),
                        "{example}: lost answers to {lost:?}, settled:\n{}",
                        run.stderr
                    );
                    let plan = direct(&w, &["plan", "--detailed-exitcode"]);
                    assert_eq!(plan.code, 0, "{example}: {}", plan.both());
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    let clients = rt.block_on(Clients::of(&w));
                    let left = rt.block_on(orphans(&clients, &w.state_path()));
                    assert!(left.is_empty(), "{example}: untracked {left:?}");
                    assert!(read_state(&w).unwrap().journal.is_empty());
                    w.expect(0, &["destroy", "--auto-approve"]);
                    assert!(rt.block_on(clients.ours()).is_empty());
                    w.assert_no_secret_leaked();
                    let others: Vec<String> = proxy.faults()["by_action"]
                        .as_object()
                        .unwrap()
                        .keys()
                        .filter(|a| !CREATE_ACTIONS.contains(&a.as_str()))
                        .cloned()
                        .collect();
                    (example.to_string(), lost, others)
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    eprintln!(
        "faults: a lost answer to the first call of each action, settled (example, creates, rules and deletes): {report:?}; {:?}",
        t0.elapsed()
    );
}

// ---- 8. killed while creates are on their way to AWS -------------------------------------

/// Named groups, name_prefix groups and DB instances, named and identifier_prefix.
const IN_FLIGHT_CONFIG: &str = include_str!("../fixtures/faults/in-flight/main.tf");

/// The create calls of IN_FLIGHT_CONFIG: 4 security groups and 4 DB instances.
const IN_FLIGHT_CREATES: u64 = 8;

const IN_FLIGHT_POINTS: usize = 24;

/// What one kill point of the in-flight test saw.
#[derive(Debug, Default)]
struct InFlightKill {
    point: usize,
    /// Killed once the proxy had received this many create calls, plus `delay_ms`.
    after_creates: u64,
    delay_ms: u64,
    /// The apply was still running when it was killed.
    landed: bool,
    /// Requests received by the proxy and not yet carried out when strata died.
    in_flight_at_kill: u64,
    journal_left: usize,
    reapply_failed: Option<String>,
    plan_not_empty: Option<String>,
    orphans: Vec<(&'static str, String)>,
    objects: usize,
}

/// One kill point: an apply of IN_FLIGHT_CONFIG through a proxy adding 0.3–2 s to every
/// mutating call, SIGKILLed once `after` create calls have reached the proxy (and `delay`
/// more), so that creates are still on their way to AWS when strata dies and land after it;
/// then another apply through the same proxy, a plan, and describe calls.
fn kill_in_flight(point: usize, rt: &tokio::runtime::Runtime) -> InFlightKill {
    let seed = (20261500 + point).to_string();
    let proxy = FaultProxy::start(&["--latency", "0.3", "--latency-max", "2", "--seed", &seed]);
    let mut w = Workdir::webapp();
    std::fs::write(w.dir().join("main.tf"), IN_FLIGHT_CONFIG).unwrap();
    proxy.point(&mut w);
    let after = 1 + point as u64 * IN_FLIGHT_CREATES / IN_FLIGHT_POINTS as u64;
    let delay = Duration::from_millis([0, 250, 700, 1400][point % 4]);
    let mut report = InFlightKill {
        point,
        after_creates: after,
        delay_ms: delay.as_millis() as u64,
        ..Default::default()
    };
    let mut child = w
        .command(&["apply", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let reached = loop {
        if proxy.creates_received() >= after {
            break true;
        }
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "point {point}: no progress"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    if reached {
        std::thread::sleep(delay);
    }
    report.landed = child.try_wait().unwrap().is_none();
    report.in_flight_at_kill = proxy.in_flight();
    let _ = child.kill();
    child.wait().unwrap();
    report.journal_left = read_state(&w).map_or(0, |s| s.journal.len());

    let again = w.strata(&["apply", "--auto-approve"]);
    assert_no_panic(&again, "an apply after a kill with creates in flight");
    if again.code != 0 {
        report.reapply_failed = Some(again.both());
    }
    // Whatever of the killed run was still on its way has reached AWS by now.
    proxy.wait_idle();
    let plan = direct(&w, &["plan", "--detailed-exitcode"]);
    if plan.code != 0 {
        report.plan_not_empty = Some(plan.both());
    }
    let clients = rt.block_on(Clients::of(&w));
    report.orphans = rt.block_on(orphans(&clients, &w.state_path()));
    report.objects = rt.block_on(clients.ours()).len();
    w.assert_no_secret_leaked();
    report
}

/// Issue #15: in kill -9 trials through a proxy adding latency, a create was still on its way
/// to AWS when strata died; the next apply looked the object up at once, did not find it, wrote
/// "the interrupted create … never happened", and created another: name_prefix groups were
/// orphaned, and DB instances failed every later apply with `DBInstanceAlreadyExists`. Now the
/// entry stays until a create under the recorded identifier settles it, and the object carries
/// its operation's tag. At 24 kill points across an apply of named groups, name_prefix groups
/// and DB instances, each followed by another apply: no orphan, no failed re-apply, empty plans.
#[test]
fn creates_in_flight_at_a_kill_are_never_judged_never_happened() {
    const WORKERS: usize = 4;
    let started = Instant::now();
    let queue = Arc::new(Mutex::new((0..IN_FLIGHT_POINTS).collect::<Vec<_>>()));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (queue, reports) = (queue.clone(), reports.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                loop {
                    let Some(point) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let r = kill_in_flight(point, &rt);
                    reports.lock().unwrap().push(r);
                }
            })
        })
        .collect();
    for h in workers {
        if let Err(e) = h.join() {
            std::panic::resume_unwind(e);
        }
    }
    let mut reports = std::mem::take(&mut *reports.lock().unwrap());
    reports.sort_by_key(|r| r.point);
    let landed = reports.iter().filter(|r| r.landed).count();
    let in_flight: u64 = reports.iter().map(|r| r.in_flight_at_kill).sum();
    let journaled = reports.iter().filter(|r| r.journal_left > 0).count();
    let orphans: usize = reports.iter().map(|r| r.orphans.len()).sum();
    let failed = reports
        .iter()
        .filter(|r| r.reapply_failed.is_some())
        .count();
    let not_empty = reports
        .iter()
        .filter(|r| r.plan_not_empty.is_some())
        .count();
    eprintln!(
        "faults: kills with creates in flight (proxy latency 0.3-2 s): {} points, {landed} landed mid-apply, \
         {journaled} left journal entries, {in_flight} requests in flight at the kills; {orphans} orphans, \
         {failed} failed re-applies, {not_empty} non-empty plans; {:?}",
        reports.len(),
        started.elapsed()
    );
    for r in &reports {
        eprintln!(
            "  point {} (after {} creates + {} ms): landed {}, in flight {}, journal {}, objects {}, orphans {:?}",
            r.point, r.after_creates, r.delay_ms, r.landed, r.in_flight_at_kill, r.journal_left, r.objects, r.orphans
        );
    }
    for r in &reports {
        assert!(
            r.reapply_failed.is_none(),
            "point {}: the apply after the kill failed:\n{}",
            r.point,
            r.reapply_failed.as_deref().unwrap_or_default()
        );
        assert!(
            r.plan_not_empty.is_none(),
            "point {}: the plan after the re-apply is not empty:\n{}",
            r.point,
            r.plan_not_empty.as_deref().unwrap_or_default()
        );
        assert!(
            r.orphans.is_empty(),
            "point {}: objects the state does not know: {:?}",
            r.point,
            r.orphans
        );
        assert_eq!(r.objects, 8, "point {}: {r:?}", r.point);
    }
    assert!(landed >= 20, "only {landed} kills landed mid-apply");
    assert!(
        in_flight > 0,
        "no kill left a request on its way to AWS: the test does not test what it says"
    );
}

/// A name_prefix group and an identifier_prefix DB instance.
const IN_FLIGHT_ONE_CONFIG: &str = r#"
provider "aws" {
  region = "us-east-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_security_group" "web" {
  name_prefix = "faults-web-"
  description = "in flight"
}

resource "aws_db_instance" "db" {
  identifier_prefix   = "faults-db-"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password            = var.db_password
  skip_final_snapshot = true
}
"#;

/// Kills `w`'s apply once both create calls have reached `proxy` (where they wait out its
/// latency). Returns the journal the killed run left, by type.
fn kill_with_both_creates_in_flight(
    w: &Workdir,
    proxy: &FaultProxy,
) -> std::collections::BTreeMap<String, strata::state::JournalEntry> {
    let mut child = w
        .command(&["apply", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while proxy.creates_received() < 2 {
        assert!(child.try_wait().unwrap().is_none(), "the apply ended early");
        assert!(t0.elapsed() < Duration::from_secs(60), "no create started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    child.wait().unwrap();
    assert!(
        proxy.in_flight() >= 2,
        "both creates are still on their way"
    );
    read_state(w)
        .expect("the journal was written before the calls")
        .journal
        .into_iter()
        .map(|e| (e.type_.clone(), e))
        .collect()
}

/// The names of `w`'s groups and DB instances in AWS, with the operation tag each carries.
async fn named_with_operation(w: &Workdir) -> BTreeSet<(String, Option<String>)> {
    let tag = strata::provider::aws::ownership::OPERATION_TAG;
    let ec2 = w.account.ec2(REGION).await;
    let rds = w.account.rds(REGION).await;
    let mut out = BTreeSet::new();
    for g in ec2
        .describe_security_groups()
        .send()
        .await
        .unwrap()
        .security_groups()
    {
        if g.group_name() != Some("default") {
            let op = g
                .tags()
                .iter()
                .find(|t| t.key() == Some(tag))
                .and_then(|t| t.value().map(str::to_string));
            out.insert((g.group_name().unwrap_or_default().to_string(), op));
        }
    }
    for db in rds
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances()
    {
        let op = db
            .tag_list()
            .iter()
            .find(|t| t.key() == Some(tag))
            .and_then(|t| t.value().map(str::to_string));
        out.insert((
            db.db_instance_identifier().unwrap_or_default().to_string(),
            op,
        ));
    }
    out
}

/// The bug of issue #15 at its smallest. A run killed while its creates (a name_prefix group
/// and an identifier_prefix DB instance) wait on their way to AWS: a plan right after it finds
/// neither object, and must not take that for "never happened". It keeps both entries and
/// plans both creates under the names the journal recorded; once the requests land, the
/// objects carry the operation's tag from their creation on. Then either the next apply adopts
/// them by that tag, or — still on their way when it retries — it sends the creates again under
/// the recorded names, is told they exist, and adopts them by the tag. One object each.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_not_found_right_after_a_kill_is_retried_under_its_recorded_name() {
    let mut outcomes = Vec::new();
    for (latency, retry_while_in_flight) in [("3", false), ("1.5", true)] {
        let proxy = FaultProxy::start(&["--latency", latency]);
        let mut w = Workdir::webapp();
        std::fs::write(w.dir().join("main.tf"), IN_FLIGHT_ONE_CONFIG).unwrap();
        proxy.point(&mut w);
        let journal = kill_with_both_creates_in_flight(&w, &proxy);
        let recorded: Vec<(String, String)> = ["aws_security_group", "aws_db_instance"]
            .iter()
            .map(|t| {
                let e = &journal[*t];
                let natural = e.natural_id.clone().expect("an identifier is recorded");
                let name = natural.rsplit('/').next().unwrap().to_string();
                (name, e.id.clone())
            })
            .collect();

        let run = if retry_while_in_flight {
            // Sent again through the same latency, after the killed run's requests: AWS is
            // told to create what it has just created.
            let run = w.strata(&["apply", "--auto-approve"]);
            assert_eq!(run.code, 0, "{}", run.both());
            assert_eq!(
                run.stderr.matches(SETTLED).count(),
                2,
                "both creates are settled by their tag:\n{}",
                run.stderr
            );
            assert!(
                run.stderr
                    .contains("carries this operation's strata:operation tag"),
                "{}",
                run.stderr
            );
            proxy.wait_idle();
            run
        } else {
            let plan = direct(&w, &["plan"]);
            assert_eq!(plan.code, 0, "{}", plan.both());
            assert!(
                !plan.stderr.contains("never happened"),
                "a plan took a create still on its way for one that never happened:\n{}",
                plan.stderr
            );
            assert!(plan.stderr.contains("not found yet"), "{}", plan.stderr);
            for (name, _) in &recorded {
                assert!(
                    plan.stdout.contains(name.as_str()),
                    "the create is not planned under its recorded name {name}:\n{}",
                    plan.stdout
                );
            }
            assert_eq!(read_state(&w).unwrap().journal.len(), 2);
            let listed = w.expect(0, &["state", "journal"]);
            assert!(
                listed.stdout.contains("aws_db_instance.db")
                    && listed.stdout.contains("not found yet"),
                "{}",
                listed.stdout
            );
            proxy.wait_idle();
            // Tagged at creation: the requests of the dead run made them, tagged.
            let exist = named_with_operation(&w).await;
            for (name, op) in &recorded {
                assert!(
                    exist.contains(&(name.clone(), Some(op.clone()))),
                    "{name} does not carry its operation {op}: {exist:?}"
                );
            }
            let run = direct(&w, &["apply", "--auto-approve"]);
            assert_eq!(run.code, 0, "{}", run.both());
            assert!(
                run.stderr.matches("created by an interrupted run").count() == 2,
                "{}",
                run.stderr
            );
            run
        };
        assert_no_panic(&run, "the apply after the kill");
        let exist = named_with_operation(&w).await;
        let expected: BTreeSet<(String, Option<String>)> = recorded
            .iter()
            .map(|(n, op)| (n.clone(), Some(op.clone())))
            .collect();
        assert_eq!(exist, expected, "one object each, under the recorded names");
        let plan = direct(&w, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.both());
        let state = read_state(&w).unwrap();
        assert!(state.journal.is_empty(), "{:?}", state.journal);
        // The operation tag is bookkeeping: not in state.
        assert!(
            !std::fs::read_to_string(w.state_path())
                .unwrap()
                .contains("strata:operation"),
            "the operation tag leaked into the state"
        );
        let clients = Clients::of(&w).await;
        assert!(orphans(&clients, &w.state_path()).await.is_empty());
        w.assert_no_secret_leaked();
        outcomes.push((latency, retry_while_in_flight, recorded));
    }
    eprintln!(
        "faults: creates in flight at a kill, settled under their recorded names: {outcomes:?}"
    );
}
