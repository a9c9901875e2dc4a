//! Running a plan: the state brought to the plan's starting point, the changes handed to the
//! scheduler with an applier, objects replaced create-before-destroy deleted at the end, the
//! outputs evaluated from what exists now and the state saved. Interrupts (Ctrl-C, SIGTERM)
//! start nothing new. How the run is shown is the caller's (a `Reporter`, `on_interrupt`).

#![allow(clippy::result_large_err)]

use super::{Applier, Deposed, Ledger, Settled};
use crate::addr::InstanceAddr;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::eval::walk::{Hooks, InstanceConfig, WalkOptions};
use crate::exec::{self, Reporter};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::{ApiCounter, Provider};
use crate::state::{Backend, State, StateError};
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a run applies: the plan and the configuration and options it was made from, the state
/// it starts from, where state is written, and the provider that carries the changes out.
pub struct RunInputs {
    pub config: Config,
    pub options: WalkOptions,
    pub plan: Plan,
    pub backend: Arc<dyn Backend>,
    pub prior: Option<State>,
    pub provider: Arc<dyn Provider>,
}

/// A run: its inputs, and how it runs and reports.
pub struct RunRequest<'a> {
    pub inputs: RunInputs,
    pub runtime: &'a tokio::runtime::Runtime,
    pub parallelism: usize,
    /// How long between "Still creating..." ticks.
    pub still_interval: Duration,
    pub reporter: Arc<dyn Reporter>,
    /// Called when the first interrupt arrives; a second one exits the process at once with
    /// `interrupted_exit_code` (the journal lets the next run converge).
    pub on_interrupt: Box<dyn Fn() + Send + Sync>,
    /// Called just before that exit (to clear a live view off the screen).
    pub on_abort: Box<dyn Fn() + Send + Sync>,
    pub interrupted_exit_code: i32,
}

/// What a run did.
pub struct RunOutcome {
    pub config: Arc<Config>,
    pub plan: Arc<Plan>,
    pub executed: exec::Outcome,
    /// Objects replaced create-before-destroy that AWS refused to delete.
    pub deposed_failed: Vec<(Deposed, String)>,
    /// Objects replaced create-before-destroy left for the next run (it stopped early).
    pub deposed_left: usize,
    /// Creates settled after a retry, for the summary.
    pub settled: Vec<Settled>,
    pub interrupted: bool,
    /// The root module's outputs, known ones only, with their sensitivity.
    pub outputs: Vec<(String, (Value, bool))>,
    pub elapsed: Duration,
    pub api_calls: ApiCounter,
}

#[derive(Debug)]
pub enum RunError {
    State(StateError),
    /// The plan cannot be run as it is (its changes form a cycle).
    Plan(Diagnostic),
}

impl From<StateError> for RunError {
    fn from(e: StateError) -> RunError {
        RunError::State(e)
    }
}

/// The state a plan starts from: what the state says (renamed by `moved` blocks), overlaid
/// with what the refresh saw and with data read at plan time.
fn starting_point(
    state: &mut State,
    plan: &Plan,
) -> Result<BTreeMap<InstanceAddr, Value>, StateError> {
    let mut current = BTreeMap::new();
    let mut renamed = state.clone();
    for (from, to) in &plan.moves {
        let _ = renamed.move_instance(from, to);
    }
    for (addr, rs, inst) in renamed.instances() {
        current.insert(
            addr,
            crate::plan::build::mark_object(&rs.type_, rs.mode, Value::from_json(&inst.attributes)),
        );
    }
    for d in &plan.drift {
        match &d.after {
            Some(after) => current.insert(d.addr.clone(), after.clone()),
            None => current.remove(&d.addr),
        };
    }
    for c in &plan.changes {
        if let Some(b) = &c.before {
            current.insert(c.addr.clone(), b.clone());
        }
        if c.action == Action::Read {
            if let Some(a) = c.after.as_ref().filter(|a| a.is_wholly_known()) {
                current.insert(c.addr.clone(), a.clone());
            }
        }
    }
    // Renames from `moved` blocks first: every change below uses the new addresses.
    for (from, to) in &plan.moves {
        state.move_instance(from, to)?;
    }
    // Objects deleted outside strata leave the state now.
    for d in &plan.drift {
        if d.after.is_none() {
            state.remove_instance(&d.addr);
        }
    }
    if plan.refresh_only {
        for d in &plan.drift {
            let (Some(after), Some(mut inst)) = (&d.after, state.instance(&d.addr).cloned()) else {
                continue;
            };
            inst.attributes =
                super::to_state_attributes(&d.addr.resource.type_, d.addr.resource.mode, after);
            let provider = state
                .instances()
                .find(|(a, _, _)| a == &d.addr)
                .map(|(_, rs, _)| rs.provider.clone())
                .unwrap_or_default();
            state.set_instance(&d.addr, &provider, inst);
        }
    }
    Ok(current)
}

/// Runs the plan's changes (with the lock held by the caller).
pub fn run(req: RunRequest) -> Result<RunOutcome, RunError> {
    let RunRequest {
        inputs,
        runtime,
        parallelism,
        still_interval,
        reporter,
        on_interrupt,
        on_abort,
        interrupted_exit_code,
    } = req;
    let RunInputs {
        config,
        options,
        plan,
        backend,
        prior,
        provider,
    } = inputs;
    let api_calls = provider.api_calls();
    let mut state = prior.unwrap_or_default();
    let current = starting_point(&mut state, &plan)?;
    let ledger = Arc::new(Ledger::new(state, backend.clone(), current));
    let config = Arc::new(config);
    let plan = Arc::new(plan);
    let interrupted = provider.clone();
    let applier = Arc::new(Applier {
        ledger: ledger.clone(),
        provider,
        config: config.clone(),
        options: options.clone(),
        plan: plan.clone(),
        settled: Default::default(),
        deposed: Default::default(),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let exec_options = exec::Options {
        parallelism,
        still_interval,
        stop: stop.clone(),
    };
    let changes: Vec<ResourceChange> = plan.changes.clone();
    let deps = exec::dependencies(&changes);
    if let Some(cycle) = exec::find_cycle(&changes, &deps) {
        let names: Vec<String> = cycle.iter().map(|a| a.to_string()).collect();
        return Err(RunError::Plan(
            Diagnostic::error("The plan's changes form a cycle")
                .detail(names.join(" → "))
                .help("apply the change in two steps, e.g. first with --target"),
        ));
    }
    let started = Instant::now();
    let on_interrupt: Arc<dyn Fn() + Send + Sync> = Arc::from(on_interrupt);
    let (executed, deposed_failed) = runtime.block_on(async {
        let interrupt = {
            let stop = stop.clone();
            tokio::spawn(async move {
                if interrupt_signal().await {
                    stop.store(true, Ordering::SeqCst);
                    interrupted.interrupt();
                    on_interrupt();
                    if interrupt_signal().await {
                        on_abort();
                        std::process::exit(interrupted_exit_code);
                    }
                }
            })
        };
        let executed = exec::execute(
            Arc::new(changes),
            applier.clone(),
            reporter.clone(),
            &exec_options,
        )
        .await;
        // Objects replaced create-before-destroy go once everything else is applied. After an
        // interrupt or a failure (what still uses them may not have moved) the journal keeps
        // them for the next apply.
        let mut deposed_failed = Vec::new();
        let as_delete = |d: &Deposed| ResourceChange {
            action: Action::Delete,
            ..d.change.clone()
        };
        if !stop.load(Ordering::SeqCst) && executed.failed.is_empty() {
            for d in applier
                .deposed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
            {
                reporter.started(&as_delete(d));
            }
            for (d, result) in applier.delete_deposed().await {
                let shown = as_delete(&d);
                match result {
                    Ok(took) => reporter.finished(&shown, took, None),
                    Err(e) => {
                        reporter.failed(&shown, Duration::ZERO, &e);
                        deposed_failed.push((d, e));
                    }
                }
            }
        }
        interrupt.abort();
        (executed, deposed_failed)
    });
    // Outputs, from the objects as they are now.
    let current = ledger
        .current
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let outputs = final_outputs(&config, &options, &current);
    {
        let mut state = ledger.state.lock().unwrap_or_else(|e| e.into_inner());
        if plan.destroy {
            state.outputs.clear();
        } else if executed.failed.is_empty() {
            state.outputs = outputs
                .iter()
                .map(|(k, (v, s))| {
                    (
                        k.clone(),
                        crate::state::OutputState {
                            value: v.clone().deep_unmark().0.to_json(),
                            sensitive: *s,
                        },
                    )
                })
                .collect();
        }
        state.serial += 1;
        backend.write(&state)?;
    }
    let settled = std::mem::take(&mut *applier.settled.lock().unwrap_or_else(|e| e.into_inner()));
    let deposed_left = applier
        .deposed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .len();
    Ok(RunOutcome {
        config,
        plan,
        executed,
        deposed_failed,
        deposed_left,
        settled,
        interrupted: stop.load(Ordering::SeqCst),
        outputs,
        elapsed: started.elapsed(),
        api_calls,
    })
}

/// Walk hooks that know these objects and nothing else: a resource or data source not among
/// them is unknown.
pub struct Known<'a>(pub &'a BTreeMap<InstanceAddr, Value>);

impl Hooks for Known<'_> {
    fn catalog(&self) -> &'static dyn crate::eval::walk::Catalog {
        crate::provider::catalog()
    }

    fn managed(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        Ok(self.0.get(&inst.addr).cloned().unwrap_or(Value::Unknown))
    }

    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        Ok(self.0.get(&inst.addr).cloned().unwrap_or(Value::Unknown))
    }
}

/// The root module's outputs evaluated from these objects (known ones only).
pub fn final_outputs(
    config: &Config,
    options: &WalkOptions,
    current: &BTreeMap<InstanceAddr, Value>,
) -> Vec<(String, (Value, bool))> {
    let result = crate::eval::walk::walk(config, options, &mut Known(current));
    result
        .root_outputs
        .into_iter()
        .filter(|(_, o)| o.value.is_wholly_known())
        .map(|(k, o)| (k, (o.value, o.sensitive)))
        .collect()
}

/// Settles what an interrupted run left in the journal before planning (see
/// [`super::reconcile_journal`]) and saves the state whatever happened: what was settled
/// stays settled, and why the rest is open is recorded on each entry.
#[allow(clippy::too_many_arguments)]
pub fn settle_journal(
    backend: &dyn Backend,
    prior: Option<State>,
    config: &Config,
    options: &WalkOptions,
    runtime: &tokio::runtime::Runtime,
    provider: &dyn Provider,
    finish: bool,
) -> Result<(Option<State>, super::Reconciled), StateError> {
    let Some(mut state) = prior else {
        return Ok((None, Default::default()));
    };
    if state.journal.is_empty() {
        return Ok((Some(state), Default::default()));
    }
    let mut hooks = crate::plan::build::ConfigOnly::default();
    let mut opts = options.clone();
    opts.missing_vars_unknown = true;
    let providers = crate::eval::walk::walk(config, &opts, &mut hooks).providers;
    let done = runtime.block_on(super::reconcile_journal(
        &mut state, provider, &providers, finish,
    ));
    state.serial += 1;
    backend.write(&state)?;
    Ok((Some(state), done))
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM — what CI runners and service managers
/// send to cancel a job; both stop an apply the same graceful way.
async fn interrupt_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                r = term.recv() => r.is_some(),
            };
        }
    }
    tokio::signal::ctrl_c().await.is_ok()
}
