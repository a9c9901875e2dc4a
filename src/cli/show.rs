//! `strata show`: a saved plan, or the state, rendered.

use super::backend::backend;
use super::common::print_state_outputs;
use super::common::state_failure;
use super::common::{load, walk_options};
use super::plan::print_plan;
use super::plan::read_plan;
use super::{CmdResult, Env, Exit, Failure, VarFlags};
use crate::plan::Plan;
use crate::value::Value;

/// The guardrail findings of the configuration a saved plan was made from, with the plan's
/// own inputs, for the Markdown comment (printed nowhere else: stdout is the comment).
fn checks_of_saved_plan(env: &Env, plan: &Plan) -> Result<crate::check::Report, Failure> {
    let (config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, &VarFlags::default(), &mut diags);
    options.inputs = crate::plan::build::restore_inputs(&plan.inputs, &config.sources);
    options.workspace = plan.workspace.clone();
    Ok(crate::check::check_config(&config, &options))
}

pub fn show(env: &Env, planfile: Option<&str>, json: bool, markdown: bool) -> CmdResult {
    if let Some(file) = planfile {
        let setup = super::backend::setup_from_dir(env)?;
        let plan = read_plan(&env.dir.join(file), setup.encryption.as_deref())?;
        let report = if markdown && !plan.destroy {
            Some(checks_of_saved_plan(env, &plan)?)
        } else {
            None
        };
        print_plan(env, &plan, json, markdown, report.as_ref());
        return Ok(Exit::Ok);
    }
    let workspace = super::common::current_workspace(env);
    let state = backend(env, &workspace)?.read().map_err(state_failure)?;
    let Some(state) = state else {
        outln!("No state.");
        return Ok(Exit::Ok);
    };
    for (addr, rs, inst) in state.instances() {
        let v =
            crate::plan::build::mark_object(&rs.type_, rs.mode, Value::from_json(&inst.attributes));
        let tainted = if inst.is_tainted() { " (tainted)" } else { "" };
        outln!("# {addr}:{tainted}");
        let kind = if rs.mode == crate::config::Mode::Data {
            "data"
        } else {
            "resource"
        };
        outln!("{kind} \"{}\" \"{}\" {{", rs.type_, rs.name);
        if let Some(m) = v.as_map() {
            let width = m.keys().map(String::len).max().unwrap_or(0);
            for (k, val) in m {
                if val.is_null() {
                    continue;
                }
                outln!("    {k:width$} = {val}");
            }
        }
        outln!("}}\n");
    }
    if !state.outputs.is_empty() {
        outln!("Outputs:\n");
        print_state_outputs(&state);
    }
    Ok(Exit::Ok)
}
