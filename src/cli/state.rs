//! `strata state ...` and `strata force-unlock`: read and edit the state itself.

use super::backend::backend;
use super::common::parse_addr;
use super::common::state_failure;
use super::{CmdResult, Env, Exit, Failure};
use crate::diag::Diagnostic;
use crate::state::State;
use crate::value::Value;

pub fn force_unlock(env: &Env, id: &str) -> CmdResult {
    let workspace = super::common::current_workspace(env);
    backend(env, &workspace)?
        .force_unlock(id)
        .map_err(state_failure)?;
    outln!("The state has been unlocked.");
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

pub(super) fn migrate(env: &Env, to: &str, force: bool) -> CmdResult {
    use super::backend::Store;
    let setup = super::backend::setup_from_dir(env)?;
    let workspace = super::common::current_workspace(env);
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
        outln!("Re-wrote {}{encrypted}.", target.describe());
    } else {
        outln!(
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
    let workspace = super::common::current_workspace(env);
    let backend = backend(env, &workspace)?;
    match cmd {
        StateCommand::MigrateFromTerraform { .. } | StateCommand::Journal { .. } => {
            unreachable!("handled above")
        }
        StateCommand::List => {
            if let Some(state) = backend.read().map_err(state_failure)? {
                for (addr, _, _) in state.instances() {
                    outln!("{addr}");
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
            outln!("# {target}:");
            if let Some(m) = v.as_map() {
                let width = m.keys().map(String::len).max().unwrap_or(0);
                for (k, val) in m {
                    if !val.is_null() {
                        outln!("    {k:width$} = {val}");
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
                outln!("Removed {target}");
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
            outln!("Moved {from} to {to}");
        }
        StateCommand::Pull => {
            let state = backend
                .read()
                .map_err(state_failure)?
                .unwrap_or_else(State::new);
            outln!(
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
