//! `strata state journal`: the operations earlier runs left unfinished, and deciding one by
//! hand when no run can settle it (its object cannot be looked up, or nothing proves whose it
//! is). A decision is recorded in the state's history.

use super::common::confirm;
use super::common::parse_addr;
use super::common::state_failure;
use super::{CmdResult, Env, Exit, Failure, VarFlags};
use crate::diag::Diagnostic;
use crate::provider::aws::ownership;
use crate::state::{HistoryRecord, JournalEntry, State};
use std::io::IsTerminal;

#[derive(clap::Subcommand, Debug)]
pub enum JournalCommand {
    /// Settle one open operation by hand: take its object into state, or forget the entry.
    Resolve {
        /// The address the operation is about.
        addr: String,
        /// Take the object with this id (as `strata import` takes it) into state at ADDR.
        #[arg(
            long,
            value_name = "ID",
            conflicts_with = "forget",
            required_unless_present = "forget"
        )]
        adopt: Option<String>,
        /// Drop the entry: strata stops tracking whatever the operation may have made.
        #[arg(long)]
        forget: bool,
        /// Which entry, when ADDR has several (the ENTRY column of `strata state journal`).
        #[arg(long, value_name = "ENTRY")]
        entry: Option<String>,
        /// Skip the interactive approval.
        #[arg(long)]
        auto_approve: bool,
        #[command(flatten)]
        vars: VarFlags,
    },
}

/// `strata state journal [resolve ...]`.
pub fn run(env: &Env, command: Option<&JournalCommand>, json: bool) -> CmdResult {
    let workspace = super::common::current_workspace(env);
    match command {
        None => list(env, &workspace, json),
        Some(JournalCommand::Resolve {
            addr,
            adopt,
            forget: _,
            entry,
            auto_approve,
            vars,
        }) => resolve(
            env,
            &workspace,
            addr,
            adopt.as_deref(),
            entry.as_deref(),
            *auto_approve,
            vars,
        ),
    }
}

/// Why an entry is open, for the listing.
fn why(entry: &JournalEntry) -> String {
    entry.unsettled.clone().unwrap_or_else(|| {
        "not looked at yet: the run that started it stopped before recording its result; the \
         next `strata plan` or `strata apply` settles it"
            .to_string()
    })
}

fn age(entry: &JournalEntry) -> String {
    entry
        .age()
        .map(|a| format!("{} ago", super::progress::elapsed(a)))
        .unwrap_or_else(|| format!("at {}", entry.started_at))
}

/// The short id the listing shows and `--entry` takes.
fn short(entry: &JournalEntry) -> &str {
    entry.id.get(..8).unwrap_or(&entry.id)
}

fn list(env: &Env, workspace: &str, json: bool) -> CmdResult {
    let state = super::backend::backend(env, workspace)?
        .read()
        .map_err(state_failure)?
        .unwrap_or_else(State::new);
    if json {
        let entries: Vec<serde_json::Value> = state
            .journal
            .iter()
            .map(|e| {
                serde_json::json!({
                    "id": e.id,
                    "address": e.addr,
                    "operation": e.action,
                    "type": e.type_,
                    "identifier": e.natural_id,
                    "started_at": e.started_at,
                    "age_seconds": e.age().map(|a| a.as_secs()),
                    "unsettled": why(e),
                })
            })
            .collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(&entries).unwrap_or_default()
        );
        return Ok(Exit::Ok);
    }
    if state.journal.is_empty() {
        outln!("No operations are left unfinished.");
        return Ok(Exit::Ok);
    }
    outln!(
        "{} operation(s) left unfinished by earlier runs:\n",
        state.journal.len()
    );
    for e in &state.journal {
        outln!(
            "{}  {}  {}  started {}  (entry {})\n  why: {}\n",
            e.addr,
            e.action,
            e.natural_id.as_deref().unwrap_or("(no identifier)"),
            age(e),
            short(e),
            why(e)
        );
    }
    outln!(
        "`strata plan` and `strata apply` settle them when they can. To decide one by hand once \
         you have checked AWS: `strata state journal resolve ADDR --adopt ID` takes the object \
         into state, `--forget` drops the entry."
    );
    Ok(Exit::Ok)
}

/// The entry of `addr` to resolve (`entry` picks one when there are several).
fn pick<'a>(
    state: &'a State,
    addr: &str,
    entry: Option<&str>,
) -> Result<&'a JournalEntry, Failure> {
    let at: Vec<&JournalEntry> = state
        .journal
        .iter()
        .filter(|e| e.addr == addr)
        .filter(|e| entry.is_none_or(|id| e.id.starts_with(id)))
        .collect();
    match at.as_slice() {
        [one] => Ok(one),
        [] => Err(Diagnostic::error(format!(
            "No unfinished operation{} at {addr}",
            entry.map(|e| format!(" {e}")).unwrap_or_default()
        ))
        .help("run `strata state journal` to list them")
        .into()),
        many => Err(
            Diagnostic::error(format!("{} unfinished operations at {addr}", many.len()))
                .detail(
                    many.iter()
                        .map(|e| {
                            format!(
                                "entry {}: {} of {}",
                                short(e),
                                e.action,
                                e.natural_id.as_deref().unwrap_or("(no identifier)")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
                .help("pick one with --entry ENTRY")
                .into(),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn resolve(
    env: &Env,
    workspace: &str,
    addr: &str,
    adopt: Option<&str>,
    entry_id: Option<&str>,
    auto_approve: bool,
    vars: &VarFlags,
) -> CmdResult {
    let target = parse_addr(addr)?;
    let addr = target.to_string();
    let backend = super::backend::backend(env, workspace)?;
    let _lock = backend
        .lock("state journal resolve")
        .map_err(state_failure)?;
    let mut state = backend
        .read()
        .map_err(state_failure)?
        .unwrap_or_else(State::new);
    let entry = pick(&state, &addr, entry_id)?.clone();
    let operation = format!(
        "the {} of {} (entry {}, started {})",
        entry.action,
        entry
            .natural_id
            .as_deref()
            .unwrap_or("an object without identifier"),
        short(&entry),
        age(&entry)
    );
    let (question, decision, adopted) = match adopt {
        Some(id) => {
            let (obj, proof) = look_up(env, &entry, id, vars)?;
            let held = state
                .instance(&target)
                .and_then(|i| i.attributes.get("id").and_then(|v| v.as_str()))
                .map(str::to_string);
            let found_id = crate::apply::to_state_attributes(
                &entry.type_,
                crate::config::Mode::Managed,
                &obj,
            )
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_string);
            if let Some(held) = held.filter(|h| Some(h) != found_id.as_ref()) {
                return Err(Diagnostic::error(format!(
                    "{addr} already holds {held}, another object"
                ))
                .detail(format!(
                    "adopting {id} there would leave {held} untracked in AWS"
                ))
                .help(format!("decide about {held} first (`strata state rm {addr}` forgets it), or resolve this entry with --forget"))
                .into());
            }
            (
                format!("Take {id} into state at {addr}, settling {operation}? {proof}"),
                format!("adopted {id}"),
                Some(obj),
            )
        }
        None => (
            format!(
                "Forget {operation} at {addr}? Whatever it may have made in AWS is no longer tracked by strata."
            ),
            "forgot the entry".to_string(),
            None,
        ),
    };
    if !auto_approve {
        if !std::io::stdin().is_terminal() {
            return Err(Diagnostic::error(
                "Refusing to ask for approval: standard input is not a terminal",
            )
            .help("check AWS, then pass --auto-approve")
            .into());
        }
        if !confirm(env, &question)? {
            outln!("\nNothing changed.");
            return Ok(Exit::Error);
        }
    }
    if let Some(obj) = adopted {
        let region = if entry.region.is_empty() {
            std::env::var("AWS_REGION").unwrap_or_default()
        } else {
            entry.region.clone()
        };
        let deps = state
            .instance(&target)
            .map(|i| i.dependencies.clone())
            .unwrap_or_default();
        state.set_instance(
            &target,
            &entry.provider,
            crate::state::InstanceState {
                index_key: target.key.to_json(),
                status: None,
                attributes: crate::apply::to_state_attributes(
                    &entry.type_,
                    crate::config::Mode::Managed,
                    &obj,
                ),
                dependencies: deps,
                region,
            },
        );
    }
    state.journal.retain(|e| e.id != entry.id);
    state.history.push(HistoryRecord::new(
        "state journal resolve",
        &addr,
        decision.clone(),
        Some(entry),
    ));
    state.serial += 1;
    backend.write(&state).map_err(state_failure)?;
    outln!("{addr}: {decision}; the operation is settled (recorded in the state's history).");
    Ok(Exit::Ok)
}

/// The object `id` as `strata import` reads it, through the provider the entry names, and
/// what its operation tag says about it.
fn look_up(
    env: &Env,
    entry: &JournalEntry,
    id: &str,
    vars: &VarFlags,
) -> Result<(crate::eval::Value, String), Failure> {
    let rt_type = crate::provider::resource_type(&entry.type_).ok_or_else(|| {
        Failure::from(
            Diagnostic::error(format!("Unsupported resource type \"{}\"", entry.type_))
                .help("resolve this entry with --forget"),
        )
    })?;
    // The provider configuration (endpoints, default tags) from the configuration, when there
    // is one; the entry's region in any case.
    let providers = super::common::configured_providers(env, vars);
    let settings =
        crate::plan::build::provider_for_state(&providers, &entry.provider, &entry.region);
    let rt = super::common::runtime()?;
    let provider = super::common::load_provider(&rt);
    let found = rt
        .block_on(provider.import(&settings, rt_type.type_name(), id))
        .map_err(|e| {
            Failure::from(
                Diagnostic::error(format!("Looking up {id} failed"))
                    .detail(e.message)
                    .help("check the id, the region and AWS access"),
            )
        })?;
    let Some(obj) = found else {
        return Err(
            Diagnostic::error(format!("No {} with id \"{id}\"", entry.type_))
                .detail(format!("nothing to adopt in {}", settings.region))
                .help("check the id; if the operation made nothing, resolve it with --forget")
                .into(),
        );
    };
    let tag = ownership::OPERATION_TAG;
    let proof = match rt.block_on(provider.operation_of(&settings, &obj)) {
        Ok(Some(op)) if op == entry.id => {
            format!("It carries this operation's {tag} tag: the operation made it.")
        }
        Ok(Some(op)) => format!(
            "Careful: it carries {tag}={op}, another operation's: this one did not make it."
        ),
        Ok(None) => format!("It carries no {tag} tag: nothing proves the operation made it."),
        Err(e) => format!("Its tags could not be read ({}).", e.message),
    };
    Ok((obj, proof))
}
