//! The scheduler: walks a plan's changes as a DAG, starting each the moment its last
//! dependency finishes (a ready queue and a semaphore, not level-by-level waves).
//!
//! Like turborepo's engine: cycles are rejected before walking; on a failure nothing that
//! depends on it starts, work in flight is never cancelled, every failure is collected.

use crate::addr::InstanceAddr;
use crate::plan::{Action, ResourceChange};
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Carries out one change (the provider call and the state save). Implemented by `apply`.
#[async_trait]
pub trait Operation: Send + Sync {
    async fn run(&self, change: &ResourceChange) -> Result<(), OpError>;

    /// The id of the object a completed change left (for `[id=...]` in progress lines).
    fn result_id(&self, _change: &ResourceChange) -> Option<String> {
        None
    }
}

/// Why a change did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    Failed(String),
    /// The run was interrupted while the change waited for AWS: its AWS call was made, and
    /// the journal keeps it for the next run to pick up.
    Interrupted(String),
}

impl OpError {
    pub fn message(&self) -> &str {
        match self {
            OpError::Failed(m) | OpError::Interrupted(m) => m,
        }
    }
}

impl From<String> for OpError {
    fn from(message: String) -> OpError {
        OpError::Failed(message)
    }
}

impl From<crate::provider::ProviderError> for OpError {
    fn from(e: crate::provider::ProviderError) -> OpError {
        if e.interrupted {
            OpError::Interrupted(e.message)
        } else {
            OpError::Failed(e.message)
        }
    }
}

/// Progress events, printed by the caller's reporter.
pub trait Reporter: Send + Sync {
    /// Before anything starts: every change of the run, and for each the indices of the
    /// changes it waits for (`dependencies`).
    fn scheduled(&self, _changes: &[ResourceChange], _deps: &[BTreeSet<usize>]) {}
    fn started(&self, change: &ResourceChange);
    fn still_running(&self, change: &ResourceChange, elapsed: Duration);
    /// Done; `id` is the id of the object it left, when there is one.
    fn finished(&self, change: &ResourceChange, elapsed: Duration, id: Option<&str>);
    fn failed(&self, change: &ResourceChange, elapsed: Duration, error: &str);
    /// Interrupted while waiting for AWS (the call itself was made).
    fn stopped_waiting(&self, change: &ResourceChange, elapsed: Duration);
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub completed: Vec<InstanceAddr>,
    pub failed: Vec<(InstanceAddr, String)>,
    /// Left mid-way by an interrupt: the AWS call was made, the wait for its outcome cut.
    pub interrupted: Vec<(InstanceAddr, String)>,
    /// Not started because something they depend on failed (or an interrupt arrived).
    pub skipped: Vec<(InstanceAddr, InstanceAddr)>,
    pub not_started: Vec<InstanceAddr>,
}

/// Edges between changes: `deps[i]` are the indices that must finish before change `i`.
pub fn dependencies(changes: &[ResourceChange]) -> Vec<BTreeSet<usize>> {
    let mut by_resource: BTreeMap<crate::addr::AbsResource, Vec<usize>> = BTreeMap::new();
    for (i, c) in changes.iter().enumerate() {
        by_resource
            .entry(c.addr.abs_resource())
            .or_default()
            .push(i);
    }
    let mut deps = vec![BTreeSet::new(); changes.len()];
    for (b, cb) in changes.iter().enumerate() {
        let creates = !matches!(cb.action, Action::Delete);
        if creates {
            for r in &cb.depends_on {
                for &a in by_resource.get(r).into_iter().flatten() {
                    if a != b && changes[a].action != Action::Delete {
                        deps[b].insert(a);
                    }
                }
            }
        }
        if matches!(cb.action, Action::Delete | Action::DeleteThenCreate) {
            // Whatever depended on this object is deleted (or updated away from it) first.
            let me = cb.addr.abs_resource();
            for (a, ca) in changes.iter().enumerate() {
                if a == b || !ca.prior_depends_on.contains(&me) {
                    continue;
                }
                let first = match cb.action {
                    Action::Delete => matches!(
                        ca.action,
                        Action::Delete | Action::Update | Action::DeleteThenCreate
                    ),
                    _ => matches!(ca.action, Action::Delete),
                };
                if first {
                    deps[b].insert(a);
                }
            }
        }
    }
    deps
}

/// Finds a cycle among the dependencies, returning the addresses on it.
pub fn find_cycle(
    changes: &[ResourceChange],
    deps: &[BTreeSet<usize>],
) -> Option<Vec<InstanceAddr>> {
    let mut g = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..changes.len()).map(|i| g.add_node(i)).collect();
    for (b, ds) in deps.iter().enumerate() {
        for &a in ds {
            g.add_edge(nodes[a], nodes[b], ());
        }
    }
    petgraph::algo::tarjan_scc(&g)
        .into_iter()
        .find(|scc| scc.len() > 1)
        .map(|scc| {
            scc.into_iter()
                .map(|n| changes[g[n]].addr.clone())
                .collect()
        })
}

pub struct Options {
    pub parallelism: usize,
    pub still_interval: Duration,
    /// Set by the interrupt handler: start nothing new.
    pub stop: Arc<std::sync::atomic::AtomicBool>,
}

/// Runs every change that is not a no-op.
pub async fn execute(
    changes: Arc<Vec<ResourceChange>>,
    op: Arc<dyn Operation>,
    reporter: Arc<dyn Reporter>,
    options: &Options,
) -> Outcome {
    let deps = dependencies(&changes);
    reporter.scheduled(&changes, &deps);
    let mut outcome = Outcome::default();
    let n = changes.len();
    let mut remaining: Vec<usize> = deps.iter().map(BTreeSet::len).collect();
    let mut dependents = vec![Vec::new(); n];
    for (b, ds) in deps.iter().enumerate() {
        for &a in ds {
            dependents[a].push(b);
        }
    }
    let semaphore = Arc::new(Semaphore::new(options.parallelism.max(1)));
    let mut ready: Vec<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
    let mut blocked: BTreeMap<usize, usize> = BTreeMap::new(); // skipped → the failure that caused it
    let mut done = vec![false; n];
    let mut tasks = tokio::task::JoinSet::new();
    let mut running = 0usize;
    loop {
        while let Some(i) = ready.pop() {
            if blocked.contains_key(&i) {
                done[i] = true;
                continue;
            }
            if options.stop.load(std::sync::atomic::Ordering::SeqCst) {
                outcome.not_started.push(changes[i].addr.clone());
                done[i] = true;
                continue;
            }
            if changes[i].is_noop() {
                done[i] = true;
                for &d in &dependents[i] {
                    remaining[d] -= 1;
                    if remaining[d] == 0 {
                        ready.push(d);
                    }
                }
                continue;
            }
            let changes = changes.clone();
            let op = op.clone();
            let reporter = reporter.clone();
            let semaphore = semaphore.clone();
            let still = options.still_interval;
            running += 1;
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let change = &changes[i];
                let start = Instant::now();
                reporter.started(change);
                let work = op.run(change);
                tokio::pin!(work);
                let result = loop {
                    tokio::select! {
                        r = &mut work => break r,
                        _ = tokio::time::sleep(still) => reporter.still_running(change, start.elapsed()),
                    }
                };
                match &result {
                    Ok(()) => {
                        let id = op.result_id(change);
                        reporter.finished(change, start.elapsed(), id.as_deref())
                    }
                    Err(OpError::Interrupted(_)) => reporter.stopped_waiting(change, start.elapsed()),
                    Err(OpError::Failed(e)) => reporter.failed(change, start.elapsed(), e),
                }
                (i, result)
            });
        }
        if running == 0 {
            break;
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        running -= 1;
        let (i, result) = match joined {
            Ok(r) => r,
            Err(e) => {
                // A panicked task: treat as a failure of an unknown change; keep going.
                outcome.failed.push((
                    InstanceAddr {
                        module: Default::default(),
                        resource: crate::addr::ResourceAddr {
                            mode: crate::config::Mode::Managed,
                            type_: "internal".into(),
                            name: "error".into(),
                        },
                        key: Default::default(),
                    },
                    format!("internal error: {e}"),
                ));
                continue;
            }
        };
        done[i] = true;
        match result {
            Ok(()) => outcome.completed.push(changes[i].addr.clone()),
            Err(OpError::Interrupted(e)) => {
                // Nothing new starts after an interrupt: its dependents are "not started".
                outcome.interrupted.push((changes[i].addr.clone(), e));
            }
            Err(OpError::Failed(e)) => {
                outcome.failed.push((changes[i].addr.clone(), e));
                // Everything downstream is skipped, with a note naming this failure.
                let mut stack = dependents[i].clone();
                while let Some(d) = stack.pop() {
                    if blocked.insert(d, i).is_none() {
                        stack.extend(dependents[d].iter().copied());
                    }
                }
            }
        }
        for &d in &dependents[i] {
            remaining[d] -= 1;
            if remaining[d] == 0 {
                ready.push(d);
            }
        }
    }
    for (d, cause) in blocked {
        if !changes[d].is_noop() {
            outcome
                .skipped
                .push((changes[d].addr.clone(), changes[cause].addr.clone()));
        }
    }
    for (i, finished) in done.iter().enumerate() {
        if !finished
            && !changes[i].is_noop()
            && !outcome.skipped.iter().any(|(a, _)| a == &changes[i].addr)
        {
            outcome.not_started.push(changes[i].addr.clone());
        }
    }
    outcome
}
