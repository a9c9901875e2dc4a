//! `strata plan`: a plan from the configuration and the state, shown, saved or both.

use super::common::blocks_apply;
use super::common::fail_on_errors;
use super::common::guardrails_refuse;
use super::common::load;
use super::common::load_provider;
use super::common::lock_state;
use super::common::overridden;
use super::common::report_api_calls;
use super::common::run_checks;
use super::common::runtime;
use super::common::settle_journal;
use super::common::state_failure;
use super::common::style;
use super::common::walk_options;
use super::{CmdResult, Env, Exit, Failure, VarFlags};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::eval::walk::WalkOptions;
use crate::plan::build::{make_plan, PlanMode, PlanRequest};
use crate::plan::render::render_plan;
use crate::plan::Plan;
use crate::provider::Provider;
use crate::state::State;
use std::io::Write;
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
    /// Replace this instance even though nothing forces it (repeatable).
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
    /// Plan to destroy everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Print the plan as JSON in Terraform's `show -json` format (sensitive values removed).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the plan as Markdown for a pull-request comment.
    #[arg(long, conflicts_with = "json_stream")]
    pub markdown: bool,
    /// Print Terraform's machine-readable UI: one JSON event per line (`plan -json` in
    /// Terraform's spelling). Implies --input=false.
    #[arg(long, conflicts_with = "json")]
    pub json_stream: bool,
    #[command(flatten)]
    pub lock: super::LockFlags,
    /// Write resource blocks for import targets that have none to this new .tf file, then
    /// plan with them (plan only).
    #[arg(long, value_name = "FILE")]
    pub generate_config_out: Option<String>,
    /// Report unwaived guardrail errors but let the run go on (checkov's name); the plan
    /// records them as overridden.
    #[arg(long)]
    pub soft_fail: bool,
}

/// Loads config and inputs, reads state, and makes a plan (with the lock held by the caller).
#[allow(clippy::too_many_arguments)]
pub(super) fn plan_with(
    env: &Env,
    config: &Config,
    options: WalkOptions,
    prior: Option<&State>,
    flags: &PlanFlags,
    mode: PlanMode,
    rt: &tokio::runtime::Runtime,
    provider: Arc<dyn Provider>,
) -> Result<(Plan, Diagnostics), Failure> {
    let _ = env;
    make_plan(PlanRequest {
        config,
        options,
        prior,
        provider,
        mode,
        refresh: flags.refresh,
        targets: flags.targets.clone(),
        replace: flags
            .replace
            .iter()
            .map(|a| super::common::parse_addr(a))
            .collect::<Result<_, _>>()?,
        runtime: rt,
    })
    .map_err(|diags| Failure {
        diags,
        sources: config.sources.clone(),
    })
}

pub(super) fn mode_of(flags: &PlanFlags) -> PlanMode {
    if flags.destroy {
        PlanMode::Destroy
    } else if flags.refresh_only {
        PlanMode::RefreshOnly
    } else {
        PlanMode::Normal
    }
}

pub fn plan(env: &Env, flags: &PlanFlags) -> CmdResult {
    if flags.json_stream {
        super::events::version();
    }
    let (mut config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, &flags.vars, &mut diags);
    fail_on_errors(&diags, &config.sources)?;
    let setup = super::backend::setup(&config, &options)?;
    let backend = setup.backend(env, &options.workspace)?;
    let _lock = lock_state(&*backend, "plan", &flags.lock)?;
    // Test-only: keep the lock a while so tests can start concurrent processes against it.
    if let Some(ms) = std::env::var("STRATA_DEBUG_HOLD_LOCK_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
    let prior = backend.read().map_err(state_failure)?;
    let rt = runtime()?;
    let provider = load_provider(&rt);
    let prior = settle_journal(
        env, &*backend, prior, &config, &options, &rt, &*provider, false,
    )?;
    if let Some(out) = &flags.generate_config_out {
        let inputs = super::adopt::generate_config(
            env,
            &config,
            &options,
            prior.as_ref(),
            &rt,
            &*provider,
            out,
        )?;
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
        diags = d;
    }
    let options_for_checks = options.clone();
    let (mut plan, warnings) = plan_with(
        env,
        &config,
        options,
        prior.as_ref(),
        flags,
        mode_of(flags),
        &rt,
        provider.clone(),
    )?;
    // The configuration's warnings (loading, inputs) with the plan's.
    diags.extend(warnings);
    env.ui.print_diags(&diags, &config.sources);
    report_api_calls(&*provider);
    let report =
        (!flags.destroy).then(|| run_checks(env, &config, &options_for_checks, flags.soft_fail));
    // A refresh-only plan changes nothing the guardrails judge: its findings are only shown.
    let judged = report.as_ref().filter(|_| !flags.refresh_only);
    if let Some(r) = judged {
        plan.overridden = overridden(r, flags.soft_fail);
    }
    let refused = !flags.soft_fail && judged.is_some_and(blocks_apply);
    for f in crate::check::plan_findings(&plan) {
        eprint!("{}", f.render(&SourceMap::default(), env.ui.color_err));
    }
    if flags.json_stream {
        super::events::plan(&plan, "plan");
    } else {
        print_plan(env, &plan, flags.json, flags.markdown, report.as_ref());
    }
    if refused {
        // The plan is shown (a reviewer sees what the findings are about) but not saved.
        return Err(guardrails_refuse(flags.out.is_some()).into());
    }
    if let Some(out) = &flags.out {
        save_plan(&env.dir.join(out), &plan, setup.encryption.as_deref())?;
        if !flags.json && !flags.markdown && !flags.json_stream {
            outln!("\nSaved the plan to: {out}\n\nTo apply exactly this plan, run:\n    strata apply {out}");
        }
    }
    if flags.detailed_exitcode && plan.has_changes() {
        return Ok(Exit::Changes);
    }
    Ok(Exit::Ok)
}

/// Prints the plan in the form asked for; the Markdown comment also lists the guardrail
/// findings of `report` (the configuration's) and of the plan itself.
pub(super) fn print_plan(
    env: &Env,
    plan: &Plan,
    json: bool,
    markdown: bool,
    report: Option<&crate::check::Report>,
) {
    if json {
        outln!(
            "{}",
            serde_json::to_string(&crate::plan::json::render(plan)).unwrap_or_default()
        );
    } else if markdown {
        let context = comment_context(env, plan, report);
        out!(
            "{}",
            crate::plan::markdown::render(plan, &context, crate::plan::markdown::COMMENT_LIMIT)
        );
    } else {
        out!("{}", render_plan(plan, &style(env)));
    }
}

/// Where the plan was made and what the guardrails found, for the Markdown comment.
fn comment_context(
    env: &Env,
    plan: &Plan,
    report: Option<&crate::check::Report>,
) -> crate::plan::markdown::Context {
    let convert = |f: &crate::check::Finding, sources: &SourceMap| f.plain(sources);
    let mut findings: Vec<_> = report
        .map(|r| r.findings.iter().map(|f| convert(f, &r.sources)).collect())
        .unwrap_or_default();
    let none = SourceMap::default();
    findings.extend(
        crate::check::plan_findings(plan)
            .iter()
            .map(|f| convert(f, &none)),
    );
    crate::plan::markdown::Context {
        directory: repository_path(&env.dir),
        findings,
    }
}

/// The directory as a reviewer finds it in the repository: relative to the enclosing git
/// work tree, else as given.
fn repository_path(dir: &Path) -> String {
    let Ok(full) = dir.canonicalize() else {
        return dir.display().to_string();
    };
    for root in full.ancestors() {
        if root.join(".git").exists() {
            let rel = full.strip_prefix(root).unwrap_or(&full);
            return if rel.as_os_str().is_empty() {
                ".".into()
            } else {
                rel.display().to_string()
            };
        }
    }
    dir.display().to_string()
}

pub(super) fn save_plan(
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

pub(super) fn read_plan(
    path: &Path,
    encryption: Option<&crate::state::Encryption>,
) -> Result<Plan, Failure> {
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
