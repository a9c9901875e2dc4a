//! `strata apply` and `strata destroy`: plan (or a saved plan), confirm, run, report.

use super::common::blocks_apply;
use super::common::confirm;
use super::common::fail_on_errors;
use super::common::load;
use super::common::print_outputs;
use super::common::run_checks;
use super::common::runtime;
use super::common::settle_journal;
use super::common::state_failure;
use super::common::style;
use super::common::walk_options;
use super::plan::mode_of;
use super::plan::plan_with;
use super::plan::read_plan;
use super::plan::PlanFlags;
use super::progress::elapsed;
use super::{CmdResult, Env, Exit, Failure, VarFlags};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::eval::walk::WalkOptions;
use crate::exec::Reporter;
use crate::plan::render::render_plan;
use crate::plan::{Action, Plan};
use crate::provider::Aws;
use crate::state::{Backend, State};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ApplyFlags {
    /// A plan file written by `strata plan --out`.
    pub planfile: Option<String>,
    /// Skip the interactive approval.
    #[arg(long)]
    pub auto_approve: bool,
    /// At most N operations at once.
    #[arg(long, default_value_t = 256)]
    pub parallelism: usize,
    /// Allow a plan that destroys or replaces a database, cluster, cache or snapshot
    /// (otherwise apply asks to type each address, or refuses without a terminal).
    #[arg(long)]
    pub allow_destroy_of_data: bool,
    #[command(flatten)]
    pub plan: PlanFlags,
}

/// Data a plan would destroy: asks to type each address on a terminal, refuses otherwise,
/// unless `--allow-destroy-of-data`.
pub(super) fn guard_data(env: &Env, plan: &Plan, allow: bool) -> Result<(), Failure> {
    if plan.destroy {
        // `strata destroy` is the explicit request, confirmed by its own question.
        return Ok(());
    }
    let at_risk = crate::check::plan_findings(plan);
    if at_risk.is_empty() || allow {
        return Ok(());
    }
    let sources = SourceMap::default();
    for f in &at_risk {
        eprint!("{}", f.render(&sources, env.ui.color_err));
    }
    if !std::io::stdin().is_terminal() {
        let names: Vec<&str> = at_risk.iter().map(|f| f.address.as_str()).collect();
        return Err(Diagnostic::error("This plan destroys or replaces stored data")
            .detail(format!("at risk: {}", names.join(", ")))
            .help("apply again with --allow-destroy-of-data once you are sure, or change the configuration so the data is kept")
            .into());
    }
    for f in &at_risk {
        print!(
            "\nType the address {} to confirm its data may be destroyed: ",
            f.address
        );
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok();
        if line.trim() != f.address {
            return Err(
                Diagnostic::error("Apply cancelled: the address was not confirmed")
                    .help("type the address exactly, or pass --allow-destroy-of-data")
                    .into(),
            );
        }
    }
    Ok(())
}

pub fn apply(env: &Env, flags: &ApplyFlags, destroy: bool) -> CmdResult {
    let (config, mut diags) = load(env)?;
    let rt = runtime()?;
    let aws = Arc::new(rt.block_on(Aws::load()));
    let (plan, options, backend, lock, prior) = if let Some(file) = &flags.planfile {
        let mut options = walk_options(env, &config, &VarFlags::default(), &mut diags);
        let setup = super::backend::setup(&config, &options)?;
        let plan = read_plan(&env.dir.join(file), setup.encryption.as_deref())?;
        options.inputs = crate::plan::build::restore_inputs(&plan.inputs, &config.sources);
        options.workspace = plan.workspace.clone();
        let digest = crate::plan::build::config_digest(&config, &plan.inputs);
        if digest != plan.config_digest {
            return Err(Diagnostic::error("Saved plan is stale")
                .detail(format!("the configuration changed since {file} was made (or it was made for another configuration)"))
                .help("make a new plan with `strata plan --out FILE` and review it")
                .into());
        }
        let backend = setup.backend(env, &options.workspace)?;
        let lock = backend.lock("apply").map_err(state_failure)?;
        let prior = backend.read().map_err(state_failure)?;
        let stale = match (&prior, &plan.state_lineage) {
            (None, None) => false,
            (Some(s), Some(l)) => &s.lineage != l || Some(s.serial) != plan.state_serial,
            _ => true,
        };
        if stale {
            return Err(Diagnostic::error("Saved plan is stale")
                .detail(format!("the state changed since {file} was made (another apply ran, or the plan was made against a different state)"))
                .help("make a new plan with `strata plan --out FILE` and review it")
                .into());
        }
        guard_data(env, &plan, flags.allow_destroy_of_data)?;
        (plan, options, backend, lock, prior)
    } else {
        if flags.plan.generate_config_out.is_some() {
            return Err(Diagnostic::error("--generate-config-out is a plan option")
                .help("run `strata plan --generate-config-out=FILE`, review the file, then apply")
                .into());
        }
        let options = walk_options(env, &config, &flags.plan.vars, &mut diags);
        fail_on_errors(&diags, &config.sources)?;
        if !destroy && blocks_apply(&run_checks(env, &config, &options)) {
            return Err(Diagnostic::error("strata check found errors in the configuration")
                .help("fix them, or waive one on purpose with check_ignore = [\"RULE\"] and a # reason comment")
                .into());
        }
        let backend = super::backend::setup(&config, &options)?.backend(env, &options.workspace)?;
        let lock = backend
            .lock(if destroy { "destroy" } else { "apply" })
            .map_err(state_failure)?;
        let prior = backend.read().map_err(state_failure)?;
        let prior = settle_journal(env, &*backend, prior, &config, &options, &rt, &aws, true)?;
        let mut pf = flags.plan.clone();
        pf.destroy = destroy || pf.destroy;
        let (plan, warnings) = plan_with(
            env,
            &config,
            options.clone(),
            prior.as_ref(),
            &pf,
            mode_of(&pf),
            &rt,
            aws.clone(),
        )?;
        env.ui.print_diags(&warnings, &config.sources);
        print!("{}", render_plan(&plan, &style(env)));
        if !plan.has_changes() {
            return Ok(Exit::Ok);
        }
        guard_data(env, &plan, flags.allow_destroy_of_data)?;
        if !flags.auto_approve {
            let q = if plan.destroy {
                "Do you really want to destroy all resources?"
            } else {
                "Do you want to perform these actions?"
            };
            if !confirm(env, q)? {
                println!("\nApply cancelled.");
                return Ok(Exit::Error);
            }
        }
        (plan, options, backend, lock, prior)
    };
    let _lock = lock;
    run_plan(
        env,
        config,
        options,
        plan,
        backend,
        prior,
        aws,
        &rt,
        flags.parallelism,
    )
}

/// Runs the plan through the library's runner and reports what happened.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_plan(
    env: &Env,
    config: Config,
    options: WalkOptions,
    plan: Plan,
    backend: Arc<dyn Backend>,
    prior: Option<State>,
    aws: Arc<Aws>,
    rt: &tokio::runtime::Runtime,
    parallelism: usize,
) -> CmdResult {
    let live = env.ui.color_out && std::io::stdout().is_terminal();
    // A create-before-destroy replacement's old object is deleted at the end, on its own.
    let to_run = plan.changes.iter().filter(|c| !c.is_noop()).count()
        + plan
            .changes
            .iter()
            .filter(|c| c.action == Action::CreateThenDelete)
            .count();
    let live_reporter = live.then(|| Arc::new(super::progress::LiveReporter::new(to_run)));
    let reporter: Arc<dyn Reporter> = match &live_reporter {
        Some(r) => r.clone(),
        None => Arc::new(super::progress::LineReporter::new(
            !std::io::stdout().is_terminal(),
        )),
    };
    let on_interrupt = {
        let live = live_reporter.clone();
        move || {
            let message = "\nInterrupt received: starting nothing new, letting AWS calls in flight return, no longer waiting for objects to become available. Press Ctrl-C again to exit at once (the journal lets the next run converge).";
            match &live {
                Some(view) => view.eprint(message),
                None => eprintln!("{message}"),
            }
        }
    };
    let ran = crate::apply::run::run(crate::apply::run::RunRequest {
        config,
        options,
        plan,
        backend,
        prior,
        aws,
        runtime: rt,
        parallelism,
        still_interval: std::env::var("STRATA_PROGRESS_INTERVAL_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(10)),
        reporter,
        on_interrupt: Box::new(on_interrupt),
        interrupted_exit_code: Exit::Interrupted as i32,
    });
    if let Some(r) = &live_reporter {
        r.finish();
    }
    let ran = match ran {
        Ok(ran) => ran,
        Err(crate::apply::run::RunError::State(e)) => return Err(state_failure(e)),
        Err(crate::apply::run::RunError::Plan(d)) => return Err(d.into()),
    };
    let errors = run_diagnostics(&ran);
    if !errors.is_empty() {
        eprintln!();
        env.ui.print_diags(&errors, &ran.config.sources);
    }
    if !ran.executed.failed.is_empty() {
        return Ok(Exit::Error);
    }
    // An interrupt during the deletion of replaced objects is still an interrupt (130).
    if ran.interrupted {
        return Ok(Exit::Interrupted);
    }
    if !ran.deposed_failed.is_empty() {
        return Ok(Exit::Error);
    }
    let calls = ran.api_calls.total();
    if std::env::var_os("STRATA_API_STATS").is_some() {
        for (action, n) in ran.api_calls.snapshot() {
            eprintln!("api-calls {action} {n}");
        }
    }
    let summary = ran.plan.summary();
    if ran.plan.destroy {
        println!(
            "\nDestroy complete! Resources: {} destroyed. ({} elapsed, {calls} AWS API calls)",
            summary.destroy,
            elapsed(ran.elapsed)
        );
    } else {
        println!(
            "\nApply complete! Resources: {}{} added, {} changed, {} destroyed. ({} elapsed, {calls} AWS API calls)",
            if summary.import > 0 {
                format!("{} imported, ", summary.import)
            } else {
                String::new()
            },
            summary.add,
            summary.change,
            summary.destroy,
            elapsed(ran.elapsed)
        );
        if !ran.outputs.is_empty() {
            println!("\nOutputs:\n");
            print_outputs(&ran.outputs);
        }
    }
    Ok(Exit::Ok)
}

/// What the user must know after a run: creates settled after a retry, replaced objects not
/// deleted, failures, what was skipped, and what an interrupt left.
pub(super) fn run_diagnostics(ran: &crate::apply::run::RunOutcome) -> Diagnostics {
    let mut errors = Diagnostics::default();
    for s in &ran.settled {
        let proof = match s.proof {
            crate::apply::Proof::Tagged => format!(
                "it carries this operation's {} tag",
                crate::provider::aws::ownership::OPERATION_TAG
            ),
            crate::apply::Proof::Matches => {
                "it carries no operation tag and matches the configuration".to_string()
            }
        };
        errors.push(
            Diagnostic::warning(format!("{}: settled a retried create", s.addr))
                .detail(format!(
                    "{}, and was told {} exists; adopted it ({proof}: the earlier attempt created it) and finished creating it",
                    s.attempt, s.natural_id
                ))
                .help("nothing to do: strata made one object, as planned"),
        );
    }
    for (d, e) in &ran.deposed_failed {
        let id = crate::provider::obj::str(&d.prior, "id").unwrap_or("the old object");
        errors.push(
            Diagnostic::error(format!(
                "{}: {id}, replaced by its new object, could not be deleted: {e}",
                d.change.addr
            ))
            .help("the state's journal keeps it: the next apply deletes it"),
        );
    }
    if ran.deposed_left > 0 {
        errors.push(
            Diagnostic::warning(format!(
                "{} object(s) replaced create-before-destroy were not deleted yet",
                ran.deposed_left
            ))
            .detail("the run stopped before the end; what uses them may not have moved to their replacements")
            .help("the state's journal keeps them: the next apply deletes them"),
        );
    }
    let outcome = &ran.executed;
    for (addr, e) in &outcome.failed {
        errors.push(Diagnostic::error(format!("{addr}: {e}")).help(
            "fix the cause and run apply again; everything that succeeded is saved in state",
        ));
    }
    for (addr, cause) in &outcome.skipped {
        errors.push(
            Diagnostic::warning(format!("{addr} was not applied because {cause} failed"))
                .help("it will be applied by the next run once the failure is fixed"),
        );
    }
    if ran.interrupted && (!outcome.not_started.is_empty() || !outcome.interrupted.is_empty()) {
        let mut detail = Vec::new();
        for (addr, why) in &outcome.interrupted {
            detail.push(format!(
                "left mid-way: {addr}: the AWS call was made; {why} (the journal in the state keeps it)"
            ));
        }
        if !outcome.not_started.is_empty() {
            let names: Vec<String> = outcome.not_started.iter().map(|a| a.to_string()).collect();
            detail.push(format!("not started: {}", names.join(", ")));
        }
        errors.push(
            Diagnostic::warning("Apply interrupted")
                .detail(detail.join("\n"))
                .help("run apply again to finish: it picks up what was left mid-way, waits for it, then applies the rest"),
        );
    }
    errors
}
