//! Commands that talk to AWS or state: plan, apply, destroy, show, output, import, state,
//! force-unlock.

use super::commands::{load, walk_options};
use super::{CmdResult, Env, Exit, Failure, VarFlags};
use crate::addr::InstanceAddr;
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::eval::walk::WalkOptions;
use crate::exec::Reporter;
use crate::plan::build::{make_plan, PlanMode, PlanRequest};
use crate::plan::render::{render_plan, Style};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::Aws;
use crate::state::{Backend, State};
use crate::value::Value;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct PlanFlags {
    #[command(flatten)]
    pub vars: VarFlags,
    /// Write the plan to FILE, to apply exactly it later.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// Exit 0 for no changes, 1 for errors, 2 for changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Read what exists before planning (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub refresh: bool,
    /// Only report changes made outside strata.
    #[arg(long)]
    pub refresh_only: bool,
    /// Limit the plan to these resources and what they depend on (repeatable).
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Plan to destroy everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Print the plan as JSON in Terraform's `show -json` format (sensitive values removed).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the plan as Markdown for a pull-request comment.
    #[arg(long)]
    pub markdown: bool,
    /// Write resource blocks for import targets that have none to this new .tf file, then
    /// plan with them (plan only).
    #[arg(long, value_name = "FILE")]
    pub generate_config_out: Option<String>,
}

/// With `STRATA_API_STATS=1`, prints the AWS API calls of the run by action on stderr (for
/// benchmarks and for checking that refresh is batched).
pub fn report_api_calls(aws: &Aws) {
    if std::env::var_os("STRATA_API_STATS").is_none() {
        return;
    }
    for (action, n) in aws.api_calls.snapshot() {
        eprintln!("api-calls {action} {n}");
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Diagnostic::error(format!("Cannot start the async runtime: {e}"))
                .help("check system limits")
                .into()
        })
}

/// The configured backend, for commands that do not load the configuration themselves.
pub fn backend(env: &Env, workspace: &str) -> Result<Arc<dyn Backend>, Failure> {
    super::backend::setup_from_dir(env)?.backend(env, workspace)
}

pub(super) fn state_failure(e: crate::state::StateError) -> Failure {
    Diagnostic::error(e.to_string()).into()
}

fn style(env: &Env) -> Style {
    Style {
        color: env.ui.color_out,
    }
}

/// Loads config and inputs, reads state, and makes a plan (with the lock held by the caller).
#[allow(clippy::too_many_arguments)]
fn plan_with(
    env: &Env,
    config: &Config,
    options: WalkOptions,
    prior: Option<&State>,
    flags: &PlanFlags,
    mode: PlanMode,
    rt: &tokio::runtime::Runtime,
    aws: Arc<Aws>,
) -> Result<(Plan, Diagnostics), Failure> {
    let _ = env;
    make_plan(PlanRequest {
        config,
        options,
        prior,
        aws,
        mode,
        refresh: flags.refresh,
        targets: flags.targets.clone(),
        runtime: rt,
    })
    .map_err(|diags| Failure {
        diags,
        sources: config.sources.clone(),
    })
}

fn mode_of(flags: &PlanFlags) -> PlanMode {
    if flags.destroy {
        PlanMode::Destroy
    } else if flags.refresh_only {
        PlanMode::RefreshOnly
    } else {
        PlanMode::Normal
    }
}

pub fn plan(env: &Env, flags: &PlanFlags) -> CmdResult {
    let (mut config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, &flags.vars, &mut diags);
    fail_on_errors(&diags, &config.sources)?;
    let setup = super::backend::setup(&config, &options)?;
    let backend = setup.backend(env, &options.workspace)?;
    let _lock = backend.lock("plan").map_err(state_failure)?;
    // Test-only: keep the lock a while so tests can start concurrent processes against it.
    if let Some(ms) = std::env::var("STRATA_DEBUG_HOLD_LOCK_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
    let prior = backend.read().map_err(state_failure)?;
    let rt = runtime()?;
    let aws = Arc::new(rt.block_on(Aws::load()));
    let prior = settle_journal(env, &*backend, prior, &config, &options, &rt, &aws, false)?;
    if let Some(out) = &flags.generate_config_out {
        let inputs =
            super::adopt::generate_config(env, &config, &options, prior.as_ref(), &rt, &aws, out)?;
        // Plan as if the generated file had always been there.
        let (c, mut d) = load(env)?;
        options = walk_options(env, &c, &flags.vars, &mut d);
        for (name, value) in inputs {
            options.inputs.insert(
                name,
                crate::eval::walk::RawInput::Text {
                    text: value,
                    source: "the imported object".into(),
                },
            );
        }
        fail_on_errors(&d, &c.sources)?;
        config = c;
    }
    let options_for_checks = options.clone();
    let (plan, warnings) = plan_with(
        env,
        &config,
        options,
        prior.as_ref(),
        flags,
        mode_of(flags),
        &rt,
        aws.clone(),
    )?;
    env.ui.print_diags(&warnings, &config.sources);
    report_api_calls(&aws);
    if !flags.destroy {
        run_checks(env, &config, &options_for_checks);
    }
    for f in crate::check::plan_findings(&plan) {
        eprint!("{}", f.render(&SourceMap::default(), env.ui.color_err));
    }
    print_plan(env, &plan, flags.json, flags.markdown);
    if let Some(out) = &flags.out {
        save_plan(&env.dir.join(out), &plan, setup.encryption.as_deref())?;
        if !flags.json && !flags.markdown {
            println!("\nSaved the plan to: {out}\n\nTo apply exactly this plan, run:\n    strata apply {out}");
        }
    }
    if flags.detailed_exitcode && plan.has_changes() {
        return Ok(Exit::Changes);
    }
    Ok(Exit::Ok)
}

fn print_plan(env: &Env, plan: &Plan, json: bool, markdown: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string(&crate::plan::json::render(plan)).unwrap_or_default()
        );
    } else if markdown {
        print!(
            "{}",
            crate::plan::markdown::render(plan, crate::plan::markdown::COMMENT_LIMIT)
        );
    } else {
        print!("{}", render_plan(plan, &style(env)));
    }
}

pub(super) fn fail_on_errors(diags: &Diagnostics, sources: &SourceMap) -> Result<(), Failure> {
    if diags.has_errors() {
        return Err(Failure {
            diags: diags.clone(),
            sources: sources.clone(),
        });
    }
    Ok(())
}

fn save_plan(
    path: &Path,
    plan: &Plan,
    encryption: Option<&crate::state::Encryption>,
) -> Result<(), Failure> {
    let json = serde_json::to_vec(plan).map_err(|e| {
        Failure::from(
            Diagnostic::error(format!("Cannot encode the plan: {e}")).help("this is a bug"),
        )
    })?;
    let json = crate::state::encryption::seal(encryption, json).map_err(state_failure)?;
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(&json)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        Diagnostic::error(format!("Cannot write the plan to {}: {e}", path.display()))
            .help("check the directory exists and is writable")
            .into()
    })
}

fn read_plan(path: &Path, encryption: Option<&crate::state::Encryption>) -> Result<Plan, Failure> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::from(
            Diagnostic::error(format!("Cannot read the plan file {}: {e}", path.display()))
                .help("pass the file written by `strata plan --out FILE`"),
        )
    })?;
    let what = format!("the plan file {}", path.display());
    let bytes = crate::state::encryption::open(encryption, bytes, &what).map_err(state_failure)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Diagnostic::error(format!("{} is not a strata plan file", path.display()))
            .detail(e.to_string())
            .help("make a new plan with `strata plan --out FILE`")
            .into()
    })
}

use super::progress::elapsed;

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

/// `strata check` on the configuration, shown above the plan. Returns whether an unwaived
/// error was found.
fn run_checks(env: &Env, config: &Config, options: &WalkOptions) -> bool {
    let report = crate::check::check_config(config, options);
    if !report.findings.is_empty() {
        eprint!(
            "{}",
            crate::check::render_text(&report, false, env.ui.color_err)
        );
        eprintln!();
    }
    report.findings.iter().any(|f| f.fails(false))
}

/// Data a plan would destroy: asks to type each address on a terminal, refuses otherwise,
/// unless `--allow-destroy-of-data`.
fn guard_data(env: &Env, plan: &Plan, allow: bool) -> Result<(), Failure> {
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

pub(super) fn confirm(env: &Env, question: &str) -> Result<bool, Failure> {
    let _ = env;
    if !std::io::stdin().is_terminal() {
        return Err(Diagnostic::error(
            "Refusing to ask for approval: standard input is not a terminal",
        )
        .help("review the plan and pass --auto-approve, or apply a saved plan file")
        .into());
    }
    print!("\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok();
    Ok(line.trim() == "yes")
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
        if !destroy && run_checks(env, &config, &options) {
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
fn run_plan(
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
fn run_diagnostics(ran: &crate::apply::run::RunOutcome) -> Diagnostics {
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

fn print_outputs(outputs: &[(String, (Value, bool))]) {
    let width = outputs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, (v, sensitive)) in outputs {
        if *sensitive || v.contains_sensitive() {
            println!("{k:width$} = <sensitive>");
        } else {
            println!("{k:width$} = {v}");
        }
    }
}

pub fn show(env: &Env, planfile: Option<&str>, json: bool, markdown: bool) -> CmdResult {
    if let Some(file) = planfile {
        let setup = super::backend::setup_from_dir(env)?;
        let plan = read_plan(&env.dir.join(file), setup.encryption.as_deref())?;
        print_plan(env, &plan, json, markdown);
        return Ok(Exit::Ok);
    }
    let workspace = super::commands::current_workspace(env);
    let state = backend(env, &workspace)?.read().map_err(state_failure)?;
    let Some(state) = state else {
        println!("No state.");
        return Ok(Exit::Ok);
    };
    for (addr, rs, inst) in state.instances() {
        let v =
            crate::plan::build::mark_object(&rs.type_, rs.mode, Value::from_json(&inst.attributes));
        let tainted = if inst.is_tainted() { " (tainted)" } else { "" };
        println!("# {addr}:{tainted}");
        let kind = if rs.mode == crate::config::Mode::Data {
            "data"
        } else {
            "resource"
        };
        println!("{kind} \"{}\" \"{}\" {{", rs.type_, rs.name);
        if let Some(m) = v.as_map() {
            let width = m.keys().map(String::len).max().unwrap_or(0);
            for (k, val) in m {
                if val.is_null() {
                    continue;
                }
                println!("    {k:width$} = {val}");
            }
        }
        println!("}}\n");
    }
    if !state.outputs.is_empty() {
        println!("Outputs:\n");
        let outs: Vec<(String, (Value, bool))> = state
            .outputs
            .iter()
            .map(|(k, o)| (k.clone(), (Value::from_json(&o.value), o.sensitive)))
            .collect();
        print_outputs(&outs);
    }
    Ok(Exit::Ok)
}

pub fn output(env: &Env, name: Option<&str>, json: bool, raw: bool) -> CmdResult {
    let workspace = super::commands::current_workspace(env);
    let state = backend(env, &workspace)?
        .read()
        .map_err(state_failure)?
        .unwrap_or_else(State::new);
    match name {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                let mut d = Diagnostic::error(format!("Output \"{name}\" not found"));
                d = match crate::diag::did_you_mean(name, state.outputs.keys().map(String::as_str))
                {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => {
                        d.help("run `strata output` to list them; outputs exist after an apply")
                    }
                };
                return Err(d.into());
            };
            let v = Value::from_json(&o.value);
            if raw {
                match v.to_template_string() {
                    Some(s) => print!("{s}"),
                    None => {
                        return Err(Diagnostic::error(format!(
                            "Output \"{name}\" is not a string, number or bool"
                        ))
                        .help("use --json for collections")
                        .into())
                    }
                }
            } else if json {
                if o.sensitive {
                    return Err(Diagnostic::error(format!("Output \"{name}\" is sensitive"))
                        .help("use --raw to print it on purpose")
                        .into());
                }
                println!(
                    "{}",
                    serde_json::to_string_pretty(&o.value).unwrap_or_default()
                );
            } else if o.sensitive {
                println!("<sensitive>");
            } else {
                println!("{v}");
            }
        }
        None => {
            if json {
                let out: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| {
                        let value = if o.sensitive {
                            serde_json::Value::Null
                        } else {
                            o.value.clone()
                        };
                        (
                            k.clone(),
                            serde_json::json!({"sensitive": o.sensitive, "value": value}),
                        )
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                let outs: Vec<(String, (Value, bool))> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), (Value::from_json(&o.value), o.sensitive)))
                    .collect();
                print_outputs(&outs);
            }
        }
    }
    Ok(Exit::Ok)
}

pub fn force_unlock(env: &Env, id: &str) -> CmdResult {
    let workspace = super::commands::current_workspace(env);
    backend(env, &workspace)?
        .force_unlock(id)
        .map_err(state_failure)?;
    println!("The state has been unlocked.");
    Ok(Exit::Ok)
}

pub fn import(env: &Env, addr: &str, id: &str, vars: &VarFlags) -> CmdResult {
    let target: InstanceAddr = addr.parse().map_err(|e: crate::addr::AddrParseError| {
        Failure::from(
            Diagnostic::error(format!("Invalid address \"{addr}\""))
                .detail(e.0)
                .help("write TYPE.NAME, e.g. aws_db_instance.main"),
        )
    })?;
    let (config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, vars, &mut diags);
    fail_on_errors(&diags, &config.sources)?;
    let Some(rt_type) = crate::provider::resource_type(&target.resource.type_) else {
        return Err(Diagnostic::error(format!(
            "Unsupported resource type \"{}\"",
            target.resource.type_
        ))
        .help("run `strata schema` for the supported types")
        .into());
    };
    let mut module = &config.root;
    for (name, _) in &target.module.0 {
        module = &module
            .module_calls
            .get(name)
            .ok_or_else(|| {
                Failure::from(
                    Diagnostic::error(format!("Module \"{name}\" is not in the configuration"))
                        .help("add the module block first"),
                )
            })?
            .module;
    }
    if module
        .resource(
            target.resource.mode,
            &target.resource.type_,
            &target.resource.name,
        )
        .is_none()
    {
        return Err(Diagnostic::error(format!(
            "{} is not in the configuration",
            target.abs_resource()
        ))
        .help(format!(
            "add resource \"{}\" \"{}\" {{}} before importing into it",
            target.resource.type_, target.resource.name
        ))
        .into());
    }
    // Provider settings: the resource's provider as the config evaluates it.
    let mut hooks = crate::plan::build::ConfigOnly::default();
    options.missing_vars_unknown = true;
    let walked = crate::eval::walk::walk(&config, &options, &mut hooks);
    let settings = walked.provider_of(&target.abs_resource());
    let backend = super::backend::setup(&config, &options)?.backend(env, &options.workspace)?;
    let _lock = backend.lock("import").map_err(state_failure)?;
    let mut state = backend
        .read()
        .map_err(state_failure)?
        .unwrap_or_else(State::new);
    if state.instance(&target).is_some() {
        return Err(
            Diagnostic::error(format!("{target} is already managed by strata"))
                .help(format!(
                    "run `strata state rm {target}` first to import a different object"
                ))
                .into(),
        );
    }
    let rt = runtime()?;
    let aws = Arc::new(rt.block_on(Aws::load()));
    let ctx = crate::provider::Ctx {
        aws,
        settings: settings.clone(),
    };
    let found = rt.block_on(rt_type.import(&ctx, id)).map_err(|e| {
        Failure::from(
            Diagnostic::error(format!("Importing {target} failed"))
                .detail(e.message)
                .help("check the id and the region"),
        )
    })?;
    let Some(obj) = found else {
        return Err(
            Diagnostic::error(format!("Cannot import non-existent remote object: {id}"))
                .detail(format!(
                    "no {} with id \"{id}\" in {}",
                    target.resource.type_, settings.region
                ))
                .help("check the id and the provider's region")
                .into(),
        );
    };
    state.set_instance(
        &target,
        &settings.address(),
        crate::state::InstanceState {
            index_key: target.key.to_json(),
            status: None,
            attributes: crate::apply::to_state_attributes(
                &target.resource.type_,
                target.resource.mode,
                &obj,
            ),
            dependencies: vec![],
            region: settings.region.clone(),
        },
    );
    state.serial += 1;
    backend.write(&state).map_err(state_failure)?;
    println!(
        "{target}: Import prepared!\n\nImport successful! The resource is now managed by strata."
    );
    Ok(Exit::Ok)
}

#[derive(clap::Subcommand, Debug)]
pub enum StateCommand {
    /// List the resource instances in state.
    List,
    /// Show one instance's attributes (sensitive values hidden).
    Show { addr: String },
    /// Forget an instance without destroying it.
    Rm { addrs: Vec<String> },
    /// Rename an instance in state.
    Mv { from: String, to: String },
    /// Print the state as JSON.
    Pull,
    /// Replace the state with a file (its lineage must match unless --force).
    Push {
        file: String,
        #[arg(long)]
        force: bool,
    },
    /// Copy the state between the local file and the configured S3 backend: `--to s3` after
    /// adding `backend "s3"`, `--to local` before removing it. Writes with the configured
    /// encryption; `--to local` without an S3 backend re-writes the local state in place.
    Migrate {
        #[arg(long, value_parser = ["local", "s3"])]
        to: String,
        /// Replace a state already at the destination.
        #[arg(long)]
        force: bool,
    },
    /// List the operations earlier runs left unfinished (address, operation, identifier,
    /// age, why each is open); `resolve` decides one by hand.
    Journal {
        #[command(subcommand)]
        command: Option<super::journal::JournalCommand>,
        /// Print the entries as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Take over the supported resources of a Terraform state (format version 4).
    MigrateFromTerraform {
        /// PATH/terraform.tfstate
        path: String,
        /// Merge into a strata state that already has resources.
        #[arg(long)]
        force: bool,
    },
}

fn migrate(env: &Env, to: &str, force: bool) -> CmdResult {
    use super::backend::Store;
    let setup = super::backend::setup_from_dir(env)?;
    let workspace = super::commands::current_workspace(env);
    let (from, dest) = match (to, &setup.store) {
        ("s3", Store::S3(_)) => (Store::Local, setup.store.clone()),
        ("s3", Store::Local) => {
            return Err(Diagnostic::error("No S3 backend is configured")
                .help("add terraform { backend \"s3\" { bucket = ..., key = ..., region = ... } } first, then run `strata state migrate --to s3`")
                .into())
        }
        (_, other) => (other.clone(), Store::Local),
    };
    let source = setup.backend_for(env, &from, &workspace)?;
    let _source_lock = source.lock("state migrate").map_err(state_failure)?;
    let state = source.read().map_err(state_failure)?.ok_or_else(|| {
        Failure::from(
            Diagnostic::error(format!(
                "There is no state to migrate in {}",
                source.describe()
            ))
            .help("nothing to do"),
        )
    })?;
    let in_place = from == dest;
    let target = if in_place {
        source.clone()
    } else {
        setup.backend_for(env, &dest, &workspace)?
    };
    let _target_lock = if in_place {
        None
    } else {
        Some(target.lock("state migrate").map_err(state_failure)?)
    };
    if let Some(existing) = target.read().map_err(state_failure)? {
        if !in_place && !force {
            return Err(Diagnostic::error(format!(
                "{} already holds a state (lineage {}, serial {})",
                target.describe(),
                existing.lineage,
                existing.serial
            ))
            .help("pass --force to replace it (a versioned bucket keeps the old version)")
            .into());
        }
    }
    target.write(&state).map_err(state_failure)?;
    let check = target.read().map_err(state_failure)?;
    if check.as_ref() != Some(&state) {
        return Err(Diagnostic::error(format!(
            "The state read back from {} differs from what was written",
            target.describe()
        ))
        .help("the source is unchanged; check the destination and retry")
        .into());
    }
    let encrypted = match &setup.encryption {
        Some(e) => format!(", encrypted ({})", e.method()),
        None => String::new(),
    };
    if in_place {
        println!("Re-wrote {}{encrypted}.", target.describe());
    } else {
        println!(
            "Copied {} resource instance(s) from {} to {}{encrypted}.\n\n{} is left as it was; \
             remove it once you have checked the new state{}.",
            state.instances().count(),
            source.describe(),
            target.describe(),
            source.describe(),
            if dest == Store::Local {
                " (and remove the backend \"s3\" block so strata uses the local state)"
            } else {
                ""
            }
        );
    }
    Ok(Exit::Ok)
}

pub(super) fn parse_addr(s: &str) -> Result<InstanceAddr, Failure> {
    s.parse().map_err(|e: crate::addr::AddrParseError| {
        Failure::from(
            Diagnostic::error(format!("Invalid address \"{s}\""))
                .detail(e.0)
                .help("write TYPE.NAME or module.NAME.TYPE.NAME[KEY]"),
        )
    })
}

pub fn state_cmd(env: &Env, cmd: &StateCommand) -> CmdResult {
    if let StateCommand::Migrate { to, force } = cmd {
        return migrate(env, to, *force);
    }
    if let StateCommand::MigrateFromTerraform { path, force } = cmd {
        return super::adopt::migrate_from_terraform(env, path, *force);
    }
    if let StateCommand::Journal { command, json } = cmd {
        return super::journal::run(env, command.as_ref(), *json);
    }
    let workspace = super::commands::current_workspace(env);
    let backend = backend(env, &workspace)?;
    match cmd {
        StateCommand::MigrateFromTerraform { .. } | StateCommand::Journal { .. } => {
            unreachable!("handled above")
        }
        StateCommand::List => {
            if let Some(state) = backend.read().map_err(state_failure)? {
                for (addr, _, _) in state.instances() {
                    println!("{addr}");
                }
            }
        }
        StateCommand::Show { addr } => {
            let target = parse_addr(addr)?;
            let state = backend
                .read()
                .map_err(state_failure)?
                .unwrap_or_else(State::new);
            let Some(inst) = state.instance(&target) else {
                return Err(Diagnostic::error(format!("No instance {target} in state"))
                    .help("run `strata state list`")
                    .into());
            };
            let v = crate::plan::build::mark_object(
                &target.resource.type_,
                target.resource.mode,
                Value::from_json(&inst.attributes),
            );
            println!("# {target}:");
            if let Some(m) = v.as_map() {
                let width = m.keys().map(String::len).max().unwrap_or(0);
                for (k, val) in m {
                    if !val.is_null() {
                        println!("    {k:width$} = {val}");
                    }
                }
            }
        }
        StateCommand::Rm { addrs } => {
            let _lock = backend.lock("state rm").map_err(state_failure)?;
            let mut state = backend
                .read()
                .map_err(state_failure)?
                .unwrap_or_else(State::new);
            for a in addrs {
                let target = parse_addr(a)?;
                if state.remove_instance(&target).is_none() {
                    return Err(Diagnostic::error(format!("No instance {target} in state"))
                        .help("run `strata state list`")
                        .into());
                }
                println!("Removed {target}");
            }
            state.serial += 1;
            backend.write(&state).map_err(state_failure)?;
        }
        StateCommand::Mv { from, to } => {
            let (from, to) = (parse_addr(from)?, parse_addr(to)?);
            let _lock = backend.lock("state mv").map_err(state_failure)?;
            let mut state = backend
                .read()
                .map_err(state_failure)?
                .unwrap_or_else(State::new);
            state.move_instance(&from, &to).map_err(state_failure)?;
            state.serial += 1;
            backend.write(&state).map_err(state_failure)?;
            println!("Moved {from} to {to}");
        }
        StateCommand::Pull => {
            let state = backend
                .read()
                .map_err(state_failure)?
                .unwrap_or_else(State::new);
            println!(
                "{}",
                serde_json::to_string_pretty(&state).unwrap_or_default()
            );
        }
        StateCommand::Push { file, force } => {
            let text = std::fs::read_to_string(env.dir.join(file)).map_err(|e| {
                Failure::from(
                    Diagnostic::error(format!("Cannot read {file}: {e}")).help("pass a state file"),
                )
            })?;
            let new: State = serde_json::from_str(&text).map_err(|e| {
                Failure::from(
                    Diagnostic::error(format!("{file} is not a strata state"))
                        .detail(e.to_string())
                        .help("pass a file written by `strata state pull`"),
                )
            })?;
            let _lock = backend.lock("state push").map_err(state_failure)?;
            if let Some(cur) = backend.read().map_err(state_failure)? {
                if !force && cur.lineage != new.lineage {
                    return Err(
                        Diagnostic::error("The pushed state has a different lineage")
                            .detail(format!(
                                "current lineage {}, pushed {}",
                                cur.lineage, new.lineage
                            ))
                            .help("pass --force if you are sure this state belongs here")
                            .into(),
                    );
                }
                if !force && new.serial < cur.serial {
                    return Err(Diagnostic::error(
                        "The pushed state is older than the current one",
                    )
                    .detail(format!(
                        "current serial {}, pushed {}",
                        cur.serial, new.serial
                    ))
                    .help("pull the current state first, or pass --force")
                    .into());
                }
            }
            backend.write(&new).map_err(state_failure)?;
        }
        StateCommand::Migrate { .. } => unreachable!("handled above"),
    }
    Ok(Exit::Ok)
}

#[derive(clap::Subcommand, Debug)]
pub enum WorkspaceCommand {
    /// List workspaces; the current one is marked with *.
    List,
    /// Print the current workspace.
    Show,
    /// Create a workspace and switch to it.
    New { name: String },
    /// Switch to a workspace.
    Select { name: String },
    /// Delete a workspace (its state must be empty unless --force).
    Delete {
        name: String,
        #[arg(long)]
        force: bool,
    },
}

fn workspaces(env: &Env) -> Vec<String> {
    let mut out = vec!["default".to_string()];
    if let Ok(rd) = std::fs::read_dir(env.dir.join("strata.tfstate.d")) {
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        out.extend(names);
    }
    out
}

fn select_workspace(env: &Env, name: &str) -> Result<(), Failure> {
    let dir = env.dir.join(".strata");
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(dir.join("environment"), name))
        .map_err(|e| {
            Diagnostic::error(format!("Cannot record the current workspace: {e}"))
                .help("check the directory is writable")
                .into()
        })
}

pub fn workspace(env: &Env, cmd: &WorkspaceCommand) -> CmdResult {
    let current = super::commands::current_workspace(env);
    match cmd {
        WorkspaceCommand::List => {
            for w in workspaces(env) {
                let mark = if w == current { "*" } else { " " };
                println!("{mark} {w}");
            }
        }
        WorkspaceCommand::Show => println!("{current}"),
        WorkspaceCommand::New { name } => {
            if workspaces(env).contains(name) {
                return Err(
                    Diagnostic::error(format!("Workspace \"{name}\" already exists"))
                        .help(format!(
                            "switch to it with `strata workspace select {name}`"
                        ))
                        .into(),
                );
            }
            // The backend validates the name and owns the directory layout.
            let backend = backend(env, name)?;
            let state = State::new();
            backend.write(&state).map_err(state_failure)?;
            select_workspace(env, name)?;
            println!("Created and switched to workspace \"{name}\".\n\nIt has an empty state: `strata apply` builds the whole environment.");
        }
        WorkspaceCommand::Select { name } => {
            if !workspaces(env).contains(name) {
                return Err(
                    Diagnostic::error(format!("Workspace \"{name}\" does not exist"))
                        .help(format!("create it with `strata workspace new {name}`"))
                        .into(),
                );
            }
            select_workspace(env, name)?;
            println!("Switched to workspace \"{name}\".");
        }
        WorkspaceCommand::Delete { name, force } => {
            if name == "default" {
                return Err(Diagnostic::error("The default workspace cannot be deleted")
                    .help("delete other workspaces only")
                    .into());
            }
            if name == &current {
                return Err(
                    Diagnostic::error(format!("Workspace \"{name}\" is the current one"))
                        .help("select another workspace first")
                        .into(),
                );
            }
            if !workspaces(env).contains(name) {
                return Err(
                    Diagnostic::error(format!("Workspace \"{name}\" does not exist"))
                        .help("run `strata workspace list`")
                        .into(),
                );
            }
            let backend = backend(env, name)?;
            let _lock = backend.lock("workspace delete").map_err(state_failure)?;
            let state = backend.read().map_err(state_failure)?;
            let managed = state.as_ref().map(|s| s.instances().count()).unwrap_or(0);
            if managed > 0 && !force {
                return Err(Diagnostic::error(format!("Workspace \"{name}\" still manages {managed} resource instance(s)"))
                    .help(format!("destroy them first (`strata workspace select {name} && strata destroy`), or pass --force to forget them"))
                    .into());
            }
            drop(_lock);
            std::fs::remove_dir_all(env.dir.join("strata.tfstate.d").join(name)).map_err(|e| {
                Failure::from(
                    Diagnostic::error(format!("Cannot delete workspace \"{name}\": {e}"))
                        .help("check permissions"),
                )
            })?;
            println!("Deleted workspace \"{name}\".");
        }
    }
    Ok(Exit::Ok)
}

/// Settles what an interrupted run left in the journal before planning (the library's
/// `apply::run::settle_journal`), telling the user what was adopted or is still open.
#[allow(clippy::too_many_arguments)]
fn settle_journal(
    env: &Env,
    backend: &dyn Backend,
    prior: Option<State>,
    config: &Config,
    options: &WalkOptions,
    rt: &tokio::runtime::Runtime,
    aws: &Arc<Aws>,
    finish: bool,
) -> Result<Option<State>, Failure> {
    let (state, done) =
        crate::apply::run::settle_journal(backend, prior, config, options, rt, aws, finish)
            .map_err(state_failure)?;
    let mut diags = Diagnostics::default();
    for n in done.settled {
        diags.push(
            Diagnostic::warning("Settled an operation left unfinished by an earlier run")
                .detail(n)
                .help("nothing to do: the state now matches AWS for this object"),
        );
    }
    for n in done.open {
        diags.push(
            Diagnostic::warning("An operation left unfinished by an earlier run is still open")
                .detail(n)
                .help("the journal keeps it until it is settled; `strata state journal` lists what is open"),
        );
    }
    env.ui.print_diags(&diags, &config.sources);
    if !done.failed.is_empty() {
        return Err(Failure::from(
            Diagnostic::error("Cannot settle the operations an earlier run left unfinished")
                .detail(done.failed.join("\n"))
                .help("check AWS access and run again; the journal is kept until it can be settled. `strata state journal` lists the open operations; once you have checked AWS, `strata state journal resolve ADDR --adopt ID` takes the object into state, or `--forget` drops the entry"),
        ));
    }
    Ok(state)
}

/// `strata graph --plan FILE`: the changes of a saved plan and how they depend on each other.
pub fn graph_of_plan(env: &Env, file: &str, format: super::GraphFormat) -> CmdResult {
    let setup = super::backend::setup_from_dir(env)?;
    let plan = read_plan(&env.dir.join(file), setup.encryption.as_deref())?;
    let changed: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| !c.is_noop() && c.action != Action::Read)
        .collect();
    let deps: std::collections::BTreeMap<
        InstanceAddr,
        std::collections::BTreeSet<crate::addr::AbsResource>,
    > = changed
        .iter()
        .map(|c| (c.addr.clone(), c.depends_on.iter().cloned().collect()))
        .collect();
    let g = crate::graph::InstanceGraph::build(deps.iter());
    match format {
        super::GraphFormat::Dot => print!("{}", g.to_dot()),
        super::GraphFormat::Mermaid => print!("{}", g.to_mermaid()),
    }
    Ok(Exit::Ok)
}
