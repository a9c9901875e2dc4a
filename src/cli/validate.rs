//! `strata validate`: the configuration checked as Terraform's validate checks it.

use super::common::current_workspace;
use super::common::load_installing;
use super::{CmdResult, Env, Exit, Failure};
use crate::config::Config;
use crate::diag::Diagnostics;
use crate::eval::walk::{self, WalkOptions, WalkResult};
pub use crate::plan::build::ConfigOnly;

pub(super) fn validate_walk(
    env: &Env,
) -> Result<(Config, WalkResult, ConfigOnly, Diagnostics), Failure> {
    let (config, mut diags, sources) = load_installing(env);
    let Some(config) = config else {
        return Err(Failure { diags, sources });
    };
    let options = WalkOptions {
        workspace: current_workspace(env),
        missing_vars_unknown: true,
        validate: true,
        cwd: env.cwd(),
        ..WalkOptions::default()
    };
    let mut hooks = ConfigOnly::default();
    let result = walk::walk(&config, &options, &mut hooks);
    diags.extend(result.diags.clone());
    diags.extend(std::mem::take(&mut hooks.diags));
    let mut mixed = Vec::new();
    crate::graph::mixed_rule_diagnostics(&config.root, &mut mixed);
    diags.0.extend(mixed);
    Ok((config, result, hooks, diags))
}

pub(super) fn validate(env: &Env, json: bool) -> CmdResult {
    let (sources, diags) = match validate_walk(env) {
        Ok((config, _, _, diags)) => (config.sources, diags),
        Err(f) => (f.sources, f.diags),
    };
    let errors = diags.0.iter().filter(|d| d.is_error()).count();
    let warnings = diags.0.len() - errors;
    if json {
        let out = serde_json::json!({
            "format_version": "1.0",
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": warnings,
            "diagnostics": diags.0.iter().map(|d| d.to_json(&sources)).collect::<Vec<_>>(),
        });
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(if errors == 0 { Exit::Ok } else { Exit::Error });
    }
    env.ui.print_diags(&diags, &sources);
    if errors > 0 {
        eprintln!(
            "strata validate: {errors} error{}, {warnings} warning{}.",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
        return Ok(Exit::Error);
    }
    outln!("Success! The configuration is valid.");
    Ok(Exit::Ok)
}
