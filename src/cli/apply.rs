//! `strata apply` and `strata destroy`: plan (or a saved plan), confirm, run, report.

use super::common::blocks_apply;
use super::common::confirm;
use super::common::fail_on_errors;
use super::common::guardrails_refuse;
use super::common::load;
use super::common::load_provider;
use super::common::lock_state;
use super::common::overridden;
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
use super::{CmdResult, Env, Exit, Failure};
use crate::apply::run::RunInputs;
use crate::config::Mode;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::exec::Reporter;
use crate::plan::render::render_plan;
use crate::plan::{Action, Plan};
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
    if !std::io::stdin().is_terminal() || !env.ui.input {
        let names: Vec<&str> = at_risk.iter().map(|f| f.address.as_str()).collect();
        return Err(Diagnostic::error("This plan destroys or replaces stored data")
            .detail(format!("at risk: {}", names.join(", ")))
            .help("apply again with --allow-destroy-of-data once you are sure, or change the configuration so the data is kept")
            .into());
    }
    for f in &at_risk {
        out!(
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

/// Flags that `plan` takes but that mean nothing to an apply, or to the apply of a saved
/// plan: refused, never silently ignored.
fn refuse_flags(flags: &ApplyFlags, destroy: bool) -> Result<(), Failure> {
    let command = if destroy { "destroy" } else { "apply" };
    let p = &flags.plan;
    let refuse = |flag: &str, help: &str| -> Result<(), Failure> {
        Err(
            Diagnostic::error(format!("{flag} is not a flag of `strata {command}`"))
                .help(help.to_string())
                .into(),
        )
    };
    if p.out.is_some() {
        return refuse("--out", "save a plan with `strata plan --out FILE`, then `strata apply FILE` applies exactly it");
    }
    if p.markdown {
        return refuse("--markdown", "the comment is made from a plan: `strata plan --markdown`, or `strata show --markdown FILE` for a saved one");
    }
    if p.detailed_exitcode {
        return refuse(
            "--detailed-exitcode",
            "use it with `strata plan`; apply exits 0 when it succeeds",
        );
    }
    if p.json_stream {
        return refuse(
            "--json-stream",
            "use --json: apply prints Terraform's machine-readable events with it",
        );
    }
    if p.soft_fail && destroy {
        return refuse(
            "--soft-fail",
            "destroy runs no guardrails: there is nothing to override",
        );
    }
    if p.soft_fail && flags.planfile.is_some() {
        return refuse(
            "--soft-fail with a plan file",
            "a saved plan made with `strata plan --soft-fail` records the errors it overrode and applies without the flag; one made without it cannot be overridden later: make it again with --soft-fail",
        );
    }
    if p.generate_config_out.is_some() {
        return refuse(
            "--generate-config-out",
            "run `strata plan --generate-config-out=FILE`, review the file, then apply",
        );
    }
    // Variables may be given with a plan file: ephemeral ones must be (the plan keeps no
    // value of theirs); others only as the plan has them (`saved_plan_inputs`).
    let planning =
        !p.targets.is_empty() || !p.replace.is_empty() || p.destroy || p.refresh_only || !p.refresh;
    if flags.planfile.is_some() && (planning || destroy) {
        return Err(Diagnostic::error(
            "A saved plan is applied as it was made: planning flags cannot change it",
        )
        .detail("--target, --replace, --destroy, --refresh-only and --refresh were given with a plan file (or `strata destroy` was)")
        .help("make a new plan with those flags: `strata plan --out FILE ...`, then `strata apply FILE`")
        .into());
    }
    if p.json && !flags.auto_approve && flags.planfile.is_none() {
        return Err(Diagnostic::error(format!(
            "`strata {command} --json` cannot ask for approval"
        ))
        .help("pass --auto-approve, or apply a saved plan file")
        .into());
    }
    Ok(())
}

pub fn apply(env: &Env, flags: &ApplyFlags, destroy: bool) -> CmdResult {
    refuse_flags(flags, destroy)?;
    if flags.plan.json {
        super::events::version();
    }
    let (config, mut diags) = load(env)?;
    let rt = runtime()?;
    let provider = load_provider(&rt);
    let (plan, options, backend, lock, prior) = if let Some(file) = &flags.planfile {
        let mut options = walk_options(env, &config, &flags.plan.vars, &mut diags);
        fail_on_errors(&diags, &config.sources)?;
        let setup = super::backend::setup(&config, &options)?;
        let plan = read_plan(&env.dir.join(file), setup.encryption.as_deref())?;
        let given = std::mem::take(&mut options.inputs);
        options.inputs = crate::plan::build::saved_plan_inputs(&config, &plan, given)?;
        options.workspace = plan.workspace.clone();
        let digest = crate::plan::build::config_digest(&config, &plan.inputs);
        if digest != plan.config_digest {
            return Err(Diagnostic::error("Saved plan is stale")
                .detail(format!("the configuration changed since {file} was made (or it was made for another configuration)"))
                .help("make a new plan with `strata plan --out FILE` and review it")
                .into());
        }
        let backend = setup.backend(env, &options.workspace)?;
        let lock = lock_state(&*backend, "apply", &flags.plan.lock)?;
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
        if !plan.destroy && !plan.refresh_only {
            // The reviewer saw these errors overridden in the plan; a plan saved without
            // --soft-fail never holds any (plan refuses to save it), unless an older strata
            // made it: then they stop the apply as they would a fresh one.
            let soft_failed = !plan.overridden.is_empty();
            if blocks_apply(&run_checks(env, &config, &options, soft_failed)) && !soft_failed {
                return Err(guardrails_refuse(false).into());
            }
        }
        guard_data(env, &plan, flags.allow_destroy_of_data)?;
        let mut providers: Vec<crate::provider::ProviderSettings> = Vec::new();
        for c in &plan.changes {
            let p = c.provider.clone();
            if !providers.contains(&p) {
                providers.push(p);
            }
        }
        rt.block_on(provider.preflight(&providers))
            .map_err(Failure::from)?;
        (plan, options, backend, lock, prior)
    } else {
        let options = walk_options(env, &config, &flags.plan.vars, &mut diags);
        fail_on_errors(&diags, &config.sources)?;
        let soft_fail = flags.plan.soft_fail;
        let report = (!destroy).then(|| run_checks(env, &config, &options, soft_fail));
        let judged = report.as_ref().filter(|_| !flags.plan.refresh_only);
        if !soft_fail && judged.is_some_and(blocks_apply) {
            return Err(guardrails_refuse(false).into());
        }
        let backend = super::backend::setup(&config, &options)?.backend(env, &options.workspace)?;
        let lock = lock_state(
            &*backend,
            if destroy { "destroy" } else { "apply" },
            &flags.plan.lock,
        )?;
        let prior = backend.read().map_err(state_failure)?;
        let prior = settle_journal(
            env, &*backend, prior, &config, &options, &rt, &*provider, true,
        )?;
        let mut pf = flags.plan.clone();
        pf.destroy = destroy || pf.destroy;
        let (mut plan, warnings) = plan_with(
            env,
            &config,
            options.clone(),
            prior.as_ref(),
            &pf,
            mode_of(&pf),
            &rt,
            provider.clone(),
        )?;
        if let Some(r) = judged {
            plan.overridden = overridden(r, soft_fail);
        }
        // The configuration's warnings (loading, inputs) with the plan's.
        diags.extend(warnings);
        env.ui.print_diags(&diags, &config.sources);
        if flags.plan.json {
            super::events::plan(&plan, "plan");
        } else {
            out!("{}", render_plan(&plan, &style(env)));
        }
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
                outln!("\nApply cancelled.");
                return Ok(Exit::Error);
            }
        }
        (plan, options, backend, lock, prior)
    };
    let _lock = lock;
    if flags.planfile.is_some() && flags.plan.json {
        super::events::plan(&plan, "plan");
    }
    let inputs = RunInputs {
        config,
        options,
        plan,
        backend,
        prior,
        provider,
    };
    run_plan(env, inputs, &rt, flags.parallelism, flags.plan.json)
}

/// Runs the plan through the library's runner and reports what happened.
pub(super) fn run_plan(
    env: &Env,
    inputs: RunInputs,
    rt: &tokio::runtime::Runtime,
    parallelism: usize,
    json: bool,
) -> CmdResult {
    let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let live = !json && terminal && std::env::var("TERM").map_or(true, |t| t != "dumb");
    // Resources, not data sources; a create-before-destroy replacement's old object is
    // deleted at the end, on its own.
    let managed = |c: &&crate::plan::ResourceChange| c.addr.resource.mode == Mode::Managed;
    let plan = &inputs.plan;
    let to_run = plan
        .changes
        .iter()
        .filter(managed)
        .filter(|c| !c.is_noop())
        .count()
        + plan
            .changes
            .iter()
            .filter(|c| c.action == Action::CreateThenDelete)
            .count();
    let live_reporter = live.then(|| Arc::new(super::progress::LiveReporter::new(to_run)));
    let json_reporter = json.then(|| Arc::new(super::progress::JsonReporter::default()));
    let line_reporter = (!live && !json).then(|| {
        Arc::new(super::progress::LineReporter::new(
            !std::io::stdout().is_terminal(),
        ))
    });
    let (reporter, timings): (Arc<dyn Reporter>, &super::progress::Timings) =
        match (&live_reporter, &json_reporter, &line_reporter) {
            (Some(r), _, _) => (r.clone(), &r.timings),
            (_, Some(r), _) => (r.clone(), &r.timings),
            (_, _, Some(r)) => (r.clone(), &r.timings),
            _ => unreachable!("one reporter is always chosen"),
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
        inputs,
        runtime: rt,
        parallelism,
        still_interval: std::env::var("STRATA_PROGRESS_INTERVAL_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(10)),
        reporter,
        on_interrupt: Box::new(on_interrupt),
        on_abort: Box::new({
            let live = live_reporter.clone();
            move || {
                if let Some(view) = &live {
                    view.clear();
                }
            }
        }),
        interrupted_exit_code: Exit::Interrupted as i32,
    });
    if let Some(r) = &live_reporter {
        r.clear();
    }
    let ran = match ran {
        Ok(ran) => ran,
        Err(crate::apply::run::RunError::State(e)) => return Err(state_failure(e)),
        Err(crate::apply::run::RunError::Plan(d)) => return Err(d.into()),
    };
    if !json {
        let slowest = timings.summary();
        if !slowest.is_empty() {
            out!("\n{slowest}");
        }
    }
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
    if json {
        let operation = if ran.plan.destroy { "destroy" } else { "apply" };
        super::events::summary(&ran.plan, operation);
        super::events::outputs(&ran.outputs);
        return Ok(Exit::Ok);
    }
    let summary = ran.plan.summary();
    if ran.plan.destroy {
        outln!(
            "\nDestroy complete! Resources: {} destroyed. ({} elapsed, {calls} AWS API calls)",
            summary.destroy,
            elapsed(ran.elapsed)
        );
    } else {
        outln!(
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
        if let Some(note) = overridden_note(&ran.plan.overridden) {
            outln!("{note}");
        }
        if !ran.outputs.is_empty() {
            outln!("\nOutputs:\n");
            print_outputs(&ran.outputs);
        }
    }
    Ok(Exit::Ok)
}

/// The line after "Apply complete!" naming the guardrail errors `--soft-fail` let through.
fn overridden_note(overridden: &[crate::plan::Finding]) -> Option<String> {
    if overridden.is_empty() {
        return None;
    }
    let which: Vec<String> = overridden
        .iter()
        .map(|f| format!("{} on {}", f.rule, f.address))
        .collect();
    Some(format!(
        "{} overridden by --soft-fail: {}",
        crate::check::plural(overridden.len(), "guardrail error"),
        which.join(", ")
    ))
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
        // At the block it comes from, so the message says which file and line to look at.
        let span = ran.config.resource_of(addr).map(|r| r.span);
        errors.push(Diagnostic::error(format!("{addr}: {e}")).at_opt(span).help(
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
