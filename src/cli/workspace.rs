//! `strata workspace ...`: named states of one configuration.

use super::backend::backend;
use super::common::state_failure;
use super::{CmdResult, Env, Exit, Failure};
use crate::diag::Diagnostic;
use crate::state::State;

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

pub(super) fn workspaces(env: &Env) -> Vec<String> {
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

pub(super) fn select_workspace(env: &Env, name: &str) -> Result<(), Failure> {
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
    let current = super::common::current_workspace(env);
    match cmd {
        WorkspaceCommand::List => {
            for w in workspaces(env) {
                let mark = if w == current { "*" } else { " " };
                outln!("{mark} {w}");
            }
        }
        WorkspaceCommand::Show => outln!("{current}"),
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
            outln!("Created and switched to workspace \"{name}\".\n\nIt has an empty state: `strata apply` builds the whole environment.");
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
            outln!("Switched to workspace \"{name}\".");
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
            outln!("Deleted workspace \"{name}\".");
        }
    }
    Ok(Exit::Ok)
}
