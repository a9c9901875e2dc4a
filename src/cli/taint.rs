//! `strata taint ADDR` and `strata untaint ADDR`: mark an instance so the next plan replaces
//! it, or clear the mark (Terraform's commands; `plan --replace=ADDR` does the same for one
//! plan without touching the state).

use super::backend::backend;
use super::common::{lock_state, parse_addr, state_failure};
use super::{CmdResult, Env, Exit, LockFlags};
use crate::diag::Diagnostic;

pub fn taint(env: &Env, addr: &str, lock: &LockFlags, taint: bool) -> CmdResult {
    let target = parse_addr(addr)?;
    if target.resource.mode == crate::config::Mode::Data {
        return Err(Diagnostic::error(format!("{target} is a data source"))
            .help(
                "only managed resources can be tainted: a data source is read again by every plan",
            )
            .into());
    }
    let workspace = super::common::current_workspace(env);
    let backend = backend(env, &workspace)?;
    let _lock = lock_state(&*backend, if taint { "taint" } else { "untaint" }, lock)?;
    let mut state = backend.read().map_err(state_failure)?.ok_or_else(|| {
        Diagnostic::error("There is no state yet")
            .help("apply the configuration first; taint marks an object that exists")
    })?;
    let Some(inst) = state.instance_mut(&target) else {
        let mut d = Diagnostic::error(format!("No instance {target} in state"));
        let known: Vec<String> = state.instances().map(|(a, _, _)| a.to_string()).collect();
        d = match crate::diag::did_you_mean(addr, known.iter().map(String::as_str)) {
            Some(s) => d.help(format!(
                "did you mean {s}? `strata state list` shows them all"
            )),
            None => d.help("run `strata state list` to see the instances"),
        };
        return Err(d.into());
    };
    if inst.is_tainted() == taint {
        let already = if taint {
            "already tainted"
        } else {
            "not tainted"
        };
        outln!("{target} is {already}: nothing to do.");
        return Ok(Exit::Ok);
    }
    inst.status = taint.then(|| "tainted".to_string());
    state.serial += 1;
    backend.write(&state).map_err(state_failure)?;
    if taint {
        outln!(
            "Resource instance {target} has been marked as tainted: the next apply replaces it."
        );
    } else {
        outln!("Resource instance {target} has been successfully untainted.");
    }
    Ok(Exit::Ok)
}
