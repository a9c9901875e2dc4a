//! What the commands share: loading the configuration (installing modules first), walk options
//! from flags, the runtime, confirmations, state errors, journal settlement before a plan.

use super::vars::{self, VarArg};
use super::{Env, Failure, VarFlags};
use crate::addr::InstanceAddr;
use crate::config::install::{self, PendingReason};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::eval::walk::{self, WalkOptions};
use crate::plan::render::Style;
use crate::provider::{Provider, ProviderSettings};
use crate::state::{Backend, State};
use crate::value::Value;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

/// With `STRATA_API_STATS=1`, prints the AWS API calls of the run by action on stderr (for
/// benchmarks and for checking that refresh is batched).
pub fn report_api_calls(provider: &dyn Provider) {
    if std::env::var_os("STRATA_API_STATS").is_none() {
        return;
    }
    for (action, n) in provider.api_calls().snapshot() {
        eprintln!("api-calls {action} {n}");
    }
}

/// The provider a command runs against: AWS, configured from the environment.
pub fn load_provider(rt: &tokio::runtime::Runtime) -> Arc<dyn Provider> {
    let aws = rt.block_on(crate::provider::Aws::load());
    crate::provider::aws::AwsProvider::shared(Arc::new(aws))
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

/// Takes the state lock as `--lock` and `--lock-timeout` ask: not at all, at once, or waiting
/// for a lock another process holds (saying so once, on stderr).
pub(super) fn lock_state(
    backend: &dyn Backend,
    operation: &str,
    flags: &super::LockFlags,
) -> Result<Option<Box<dyn crate::state::LockGuard>>, Failure> {
    if !flags.lock {
        return Ok(None);
    }
    let deadline = std::time::Instant::now() + flags.lock_timeout;
    let mut told = false;
    let mut pause = std::time::Duration::from_millis(100);
    loop {
        match backend.lock(operation) {
            Ok(guard) => return Ok(Some(guard)),
            Err(e @ crate::state::StateError::Locked { .. })
                if std::time::Instant::now() < deadline =>
            {
                if !told {
                    eprintln!(
                        "Acquiring the state lock: {e} Waiting up to {} for it (--lock-timeout).",
                        super::progress::elapsed(flags.lock_timeout)
                    );
                    told = true;
                }
                std::thread::sleep(pause.min(deadline - std::time::Instant::now()));
                pause = (pause * 2).min(std::time::Duration::from_secs(2));
            }
            Err(e @ crate::state::StateError::Locked { .. }) if told => {
                return Err(Diagnostic::error(format!(
                    "Gave up waiting for the state lock after {}: {e}",
                    super::progress::elapsed(flags.lock_timeout)
                ))
                .help("wait longer with --lock-timeout, or check the process holding it")
                .into())
            }
            Err(e) => return Err(state_failure(e)),
        }
    }
}

pub(super) fn state_failure(e: crate::state::StateError) -> Failure {
    Diagnostic::error(e.to_string()).into()
}

pub(super) fn style(env: &Env) -> Style {
    Style {
        color: env.ui.color_out,
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

pub(super) fn confirm(env: &Env, question: &str) -> Result<bool, Failure> {
    if !env.ui.input {
        return Err(
            Diagnostic::error("Refusing to ask for approval: --input=false")
                .help("review the plan and pass --auto-approve, or apply a saved plan file")
                .into(),
        );
    }
    if !std::io::stdin().is_terminal() {
        return Err(Diagnostic::error(
            "Refusing to ask for approval: standard input is not a terminal",
        )
        .help("review the plan and pass --auto-approve, or apply a saved plan file")
        .into());
    }
    out!("\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok();
    Ok(line.trim() == "yes")
}

pub(super) fn print_outputs(outputs: &[(String, (Value, bool))]) {
    let width = outputs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, (v, sensitive)) in outputs {
        if *sensitive || v.contains_sensitive() {
            outln!("{k:width$} = <sensitive>");
        } else {
            outln!("{k:width$} = {v}");
        }
    }
}

/// The outputs a state holds, as `print_outputs` shows them.
pub(super) fn print_state_outputs(state: &State) {
    let outs: Vec<(String, (Value, bool))> = state
        .outputs
        .iter()
        .map(|(k, o)| (k.clone(), (Value::from_json(&o.value), o.sensitive)))
        .collect();
    print_outputs(&outs);
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

/// Settles what an interrupted run left in the journal before planning (the library's
/// `apply::run::settle_journal`), telling the user what was adopted or is still open.
#[allow(clippy::too_many_arguments)]
pub(super) fn settle_journal(
    env: &Env,
    backend: &dyn Backend,
    prior: Option<State>,
    config: &Config,
    options: &WalkOptions,
    rt: &tokio::runtime::Runtime,
    provider: &dyn Provider,
    finish: bool,
) -> Result<Option<State>, Failure> {
    let (state, done) =
        crate::apply::run::settle_journal(backend, prior, config, options, rt, provider, finish)
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

/// Loads the configuration, failing with every load diagnostic. Remote modules that are not
/// installed (or whose source or version changed) are installed first, with a note.
pub fn load(env: &Env) -> Result<(Config, Diagnostics), Failure> {
    let (config, diags, sources) = load_installing(env);
    match config {
        Some(c) if !diags.has_errors() => Ok((c, diags)),
        _ => Err(Failure { diags, sources }),
    }
}

/// The configuration for commands that read only the root module's settings (state, output,
/// show): nothing is installed, and a remote module that is not installed is left out.
pub fn load_root_settings(env: &Env) -> Result<(Config, Diagnostics), Failure> {
    let sources = redacting_sources();
    let installed =
        install::Installed::read(&env.dir).unwrap_or_else(|_| install::Installed::empty(&env.dir));
    let loaded = crate::config::load_with(&env.dir, &sources, &installed);
    if let Some(c) = &loaded.config {
        crate::redact::register(c);
    }
    super::logging::sources(&sources);
    match loaded.config {
        Some(c) if !loaded.diags.has_errors() => Ok((c, loaded.diags)),
        _ => Err(Failure {
            diags: loaded.diags,
            sources,
        }),
    }
}

/// A source map that keeps sensitive arguments' literals out of every excerpt (`redact`),
/// registered by name before anything is parsed.
pub(super) fn redacting_sources() -> SourceMap {
    let sources = SourceMap::default();
    crate::redact::register_names(&sources);
    sources
}

/// The configuration as loaded, installing missing modules as `strata init` would, with
/// every sensitive literal registered so that no excerpt shows it (`redact`).
pub(super) fn load_installing(env: &Env) -> (Option<Config>, Diagnostics, SourceMap) {
    let outcome = install::load_or_install(&env.dir, &redacting_sources, &mut |pending| {
        let what: Vec<String> = pending
            .iter()
            .map(|p| {
                let why = match p.reason {
                    PendingReason::NotInstalled => "not installed",
                    PendingReason::SourceChanged { .. } => "source changed",
                    PendingReason::VersionChanged { .. } => "version constraint changed",
                };
                format!("{} ({why})", p.key)
            })
            .collect();
        // stderr: stdout may be JSON a script reads.
        eprintln!(
            "Note: installing modules first, as `strata init` does: {}",
            what.join(", ")
        );
    });
    if let Some(c) = &outcome.config {
        crate::redact::register(c);
    }
    super::logging::sources(&outcome.sources);
    (outcome.config, outcome.diags, outcome.sources)
}

/// The `--var` and `--var-file` arguments in command-line order, when the command has them.
pub fn var_args(env: &Env, flags: &VarFlags) -> Vec<VarArg> {
    if flags.vars.is_empty() && flags.var_files.is_empty() {
        return Vec::new();
    }
    env.var_order.clone()
}

pub fn walk_options(
    env: &Env,
    config: &Config,
    flags: &VarFlags,
    diags: &mut Diagnostics,
) -> WalkOptions {
    let declared: Vec<String> = config.root.variables.keys().cloned().collect();
    let inputs = vars::collect(
        &env.dir,
        &var_args(env, flags),
        &config.sources,
        &declared,
        diags,
    );
    // A secret variable's value in a .tfvars file is a sensitive literal too.
    let secret = crate::redact::sensitive_root_variables(config);
    for (name, raw) in &inputs {
        match (secret.contains(name), raw) {
            (true, walk::RawInput::Expr(e)) => crate::redact::redact_expr(&config.sources, e),
            (true, walk::RawInput::Text { text, .. }) => super::logging::secret(text),
            _ => {}
        }
    }
    WalkOptions {
        workspace: current_workspace(env),
        inputs,
        missing_vars_unknown: false,
        validate: false,
        defer_unsupported_types: false,
        defer_unknown_expansion: false,
        cwd: env.cwd(),
    }
}

pub fn current_workspace(env: &Env) -> String {
    if let Ok(ws) = std::env::var("STRATA_WORKSPACE").or_else(|_| std::env::var("TF_WORKSPACE")) {
        return ws;
    }
    std::fs::read_to_string(env.dir.join(".strata").join("environment"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}

/// `strata check` on the configuration, shown above the plan (on stderr); with `soft_fail`
/// its summary says which errors were overridden.
pub(super) fn run_checks(
    env: &Env,
    config: &Config,
    options: &WalkOptions,
    soft_fail: bool,
) -> crate::check::Report {
    let report = crate::check::check_config(config, options);
    if !report.findings.is_empty() {
        eprint!(
            "{}",
            crate::check::render_text(&report, false, soft_fail, env.ui.color_err)
        );
        eprintln!();
    }
    report
}

/// An unwaived error among the findings: an apply stops (unless `--soft-fail`).
pub(super) fn blocks_apply(report: &crate::check::Report) -> bool {
    report.findings.iter().any(|f| f.fails(false))
}

/// The errors `--soft-fail` lets through, as the plan records them; none without it.
pub(super) fn overridden(
    report: &crate::check::Report,
    soft_fail: bool,
) -> Vec<crate::plan::Finding> {
    if !soft_fail {
        return Vec::new();
    }
    report
        .failing(false)
        .map(|f| f.plain(&report.sources))
        .collect()
}

/// The error of a plan or apply that unwaived guardrail errors stop.
pub(super) fn guardrails_refuse(saving: bool) -> Diagnostic {
    let d = Diagnostic::error("strata check found errors in the configuration")
        .help("fix them, waive one on purpose with check_ignore = [\"RULE\"] and a # reason comment, or override them all with --soft-fail");
    if saving {
        d.detail("the plan was not saved")
    } else {
        d
    }
}

/// The provider configurations (endpoints, default tags) of the configuration in `env`, when
/// there is one that loads; none otherwise. For commands that act on the state (its recorded
/// regions) rather than plan: journal resolution, drills.
pub(super) fn configured_providers(env: &Env, vars: &VarFlags) -> Vec<ProviderSettings> {
    match load(env) {
        Ok((config, mut diags)) => {
            let mut options = walk_options(env, &config, vars, &mut diags);
            options.missing_vars_unknown = true;
            let mut hooks = crate::plan::build::ConfigOnly::default();
            walk::walk(&config, &options, &mut hooks).providers
        }
        Err(_) => Vec::new(),
    }
}
