//! Settling the journal: operations an earlier run recorded before its AWS call and never
//! saw finish, each looked up by the identifier recorded then.

use super::*;

/// What settling the journal did, for the user.
#[derive(Debug, Default)]
pub struct Reconciled {
    /// Operations settled (objects adopted, deletes finished, entries dropped), in words.
    pub settled: Vec<String>,
    /// Entries kept open, with why (also recorded on each entry, for `strata state journal`).
    pub open: Vec<String>,
    /// Entries that could not be settled because a look-up or a wait failed: kept, with why;
    /// the caller stops, as planning without knowing what exists could lose track of them.
    pub failed: Vec<String>,
}

/// Settles operations a previous run left in the journal (it was killed, interrupted while
/// it waited for AWS, or lost its connection, between recording an operation and recording
/// its result): each object is looked up by the identifier recorded before the AWS call.
///
/// A create's object is adopted only with proof that the interrupted operation made it: the
/// operation's tag (`ownership`). One under the recorded name without any operation tag stays
/// open for the apply, which sends the create again under that identifier and adopts the
/// object only if it matches the configuration; one tagged by another operation is not ours.
/// A look-up that finds nothing is no proof that a create never happened (AWS may not show the
/// object yet, the request may still have been on its way): the entry stays open, and the
/// plan creates the object under the recorded identifier, until such a create was answered
/// (`JournalEntry::retried`) or [`SETTLE_GRACE`] has passed since the attempt.
///
/// With `finish` (apply) an adopted object is also waited for until usable — what depends on
/// it is about to be applied; a new one that never becomes usable is kept tainted, for the
/// plan to replace — and the deposed object of an interrupted replacement is deleted; without
/// (plan changes nothing in AWS and waits for nothing) the object is adopted as found and its
/// entry, like a deletion's, stays in the journal for apply to finish.
pub async fn reconcile_journal(
    state: &mut State,
    provider: &dyn Provider,
    providers: &[ProviderSettings],
    finish: bool,
) -> Reconciled {
    let mut out = Reconciled::default();
    let mut kept = Vec::new();
    let entries = std::mem::take(&mut state.journal);
    for entry in entries {
        let Ok(addr) = entry.addr.parse::<InstanceAddr>() else {
            out.settled.push(format!(
                "dropped an unreadable journal entry for {}",
                entry.addr
            ));
            continue;
        };
        let Some(rt) = crate::provider::resource_type(&entry.type_) else {
            out.settled.push(format!(
                "dropped a journal entry for unsupported type {}",
                entry.type_
            ));
            continue;
        };
        let settings =
            crate::plan::build::provider_for_state(providers, &entry.provider, &entry.region);
        let Some(natural) = entry.natural_id.clone() else {
            out.settled.push(format!("{addr}: an interrupted {} left no identifier to look up; check AWS for a stray object", entry.action));
            continue;
        };
        let settled = settle_entry(
            state, &entry, &addr, &natural, rt, provider, &settings, finish, &mut out, &mut kept,
        )
        .await;
        if let Err(why) = settled {
            out.failed
                .push(format!("{addr} ({} of {natural}): {why}", entry.action));
            let mut failed = entry.clone();
            failed.unsettled = Some(why);
            kept.push(failed);
        }
    }
    state.journal = kept;
    out
}

/// Keeps `entry` open, saying why.
fn keep(out: &mut Reconciled, kept: &mut Vec<JournalEntry>, entry: &JournalEntry, why: String) {
    out.open.push(format!("{}: {why}", entry.addr));
    let mut open = entry.clone();
    open.unsettled = Some(why);
    kept.push(open);
}

/// Settles one entry of [`reconcile_journal`]: pushes what it did to `out`, and to `kept`
/// what the journal keeps. An error means the entry could not be looked at; nothing was
/// pushed to `kept` for it then.
#[allow(clippy::too_many_arguments)]
async fn settle_entry(
    state: &mut State,
    entry: &JournalEntry,
    addr: &InstanceAddr,
    natural: &str,
    rt: &dyn ResourceType,
    provider: &dyn Provider,
    settings: &ProviderSettings,
    finish: bool,
    out: &mut Reconciled,
    kept: &mut Vec<JournalEntry>,
) -> Result<(), String> {
    let type_ = rt.type_name();
    let found = provider
        .find_by_natural_id(settings, type_, natural)
        .await
        .map_err(|e| format!("looking {natural} up failed: {}", e.message))?;
    let tag = crate::provider::aws::ownership::OPERATION_TAG;
    // Whose the object found under a create's recorded name is.
    let owner = match (&found, entry.action.as_str()) {
        (Some(obj), "create") => provider
            .operation_of(settings, obj)
            .await
            .map_err(|e| format!("reading the tags of {natural} failed: {}", e.message))?
            .map(|op| op == entry.id),
        _ => None,
    };
    match (entry.action.as_str(), found, owner) {
        ("create", None, _) => {
            let gone_for = entry.age().filter(|a| *a >= SETTLE_GRACE);
            if entry.retried {
                out.settled.push(format!(
                    "{addr}: the interrupted create of {natural} never happened (a create sent again under that identifier was answered, and AWS shows no such object); nothing to adopt"
                ));
            } else if let Some(age) = gone_for {
                out.settled.push(format!(
                    "{addr}: the interrupted create of {natural} never happened (AWS shows no such object {} min after the attempt); nothing to adopt",
                    age.as_secs() / 60
                ));
            } else {
                keep(
                    out,
                    kept,
                    entry,
                    format!("{natural} is not found yet: AWS may not show an object right after its create, and the request may still have been on its way when the run stopped; the next `strata apply` creates it under this identifier and adopts what AWS then says exists only if it is ours"),
                );
            }
        }
        ("create", Some(_), Some(false)) => out.settled.push(format!(
            "{addr}: {natural} exists but carries another strata operation's {tag} tag: the interrupted create did not make it (names are unique); not adopted, and the entry is dropped"
        )),
        ("create", Some(_), None) => keep(
            out,
            kept,
            entry,
            format!("{natural} exists but carries no {tag} tag, so nothing proves the interrupted run created it; the next `strata apply` creates it under this identifier and adopts it only if it matches the configuration, or decide with `strata state journal resolve {addr}`"),
        ),
        ("create" | "update" | "replace", Some(mut obj), _) => {
            // An interrupted create-before-destroy: the state still holds the object the
            // new one replaces. Adopting the new one must not drop the old one from view.
            let found_id = to_state_attributes(&entry.type_, Mode::Managed, &obj)
                .get("id")
                .cloned();
            let displaced = state
                .instance(addr)
                .filter(|i| found_id.is_some() && i.attributes.get("id") != found_id.as_ref())
                .map(|i| i.attributes.clone());
            if displaced.is_some() && !finish {
                keep(
                    out,
                    kept,
                    entry,
                    format!("{natural} was created by an interrupted replacement; the next `strata apply` finishes it"),
                );
                return Ok(());
            }
            let mut tainted = false;
            if finish {
                match provider.wait_usable(settings, type_, &obj).await {
                    Ok(()) => {}
                    Err(e) if e.interrupted || e.not_found => {
                        // Interrupted: the journal keeps the entry for the next run. Gone
                        // meanwhile: the next run finds nothing and drops it.
                        return Err(format!(
                            "waiting for {addr} ({natural}), left provisioning by an interrupted run: {}",
                            e.message
                        ));
                    }
                    Err(e) if entry.action == "update" => {
                        // An existing object an update left unusable: adopted as it is
                        // (Terraform does not taint a failed update); the plan shows what
                        // still differs.
                        out.settled.push(format!(
                            "{addr}: {natural}, left mid-update by an interrupted run, did not become usable again ({}); check it in AWS",
                            e.message
                        ));
                    }
                    Err(e) => {
                        // A new object that will not become usable (an RDS instance
                        // `failed`, say): kept in state as tainted, as Terraform keeps a
                        // failed create, so this plan replaces it instead of every apply
                        // stopping here.
                        tainted = true;
                        out.settled.push(format!(
                            "{addr}: {natural}, created by an interrupted run, did not become usable ({}); it is kept as tainted and this plan replaces it",
                            e.message
                        ));
                    }
                }
                if let Some(now) = provider.find_by_natural_id(settings, type_, natural).await.map_err(|e| {
                    format!("looking up {addr} ({natural}) again: {}", e.message)
                })? {
                    obj = now;
                }
            }
            if let Some(old) = displaced {
                let old_id = old
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                if tainted {
                    // The object in use stays; the journal keeps tracking the failed one.
                    keep(
                        out,
                        kept,
                        entry,
                        format!("{natural}, created by an interrupted replacement of {old_id}, did not become usable; {old_id} stays in use, and {natural} stays in the journal until it is deleted in AWS"),
                    );
                    return Ok(());
                }
                // The replacement is usable: finish it as the interrupted run would have,
                // deleting the old object the way its state says (final snapshot, ...).
                let old = Value::from_json(&old);
                match provider.delete(settings, type_, &old).await {
                    Ok(()) => out.settled.push(format!(
                        "{addr}: finished the interrupted replacement of {old_id}: {natural} is in use and {old_id} is deleted"
                    )),
                    Err(e) => {
                        // Still in use by what this apply is about to move to the new
                        // object, say: tracked by the journal, tried again next apply.
                        out.settled.push(format!(
                            "{addr}: {natural} replaces {old_id}, which could not be deleted yet ({}); the journal keeps it and the next `strata apply` tries again",
                            e.message
                        ));
                        kept.push(JournalEntry::new(
                            addr,
                            "delete",
                            rt.natural_id(&old),
                            &entry.region,
                            &entry.provider,
                        ));
                    }
                }
            }
            let known = state.instance(addr).is_some();
            let deps = state
                .instance(addr)
                .map(|i| i.dependencies.clone())
                .unwrap_or_default();
            state.set_instance(
                addr,
                &settings.address(),
                InstanceState {
                    index_key: addr.key.to_json(),
                    status: tainted.then(|| "tainted".to_string()),
                    attributes: to_state_attributes(&entry.type_, Mode::Managed, &obj),
                    dependencies: deps,
                    region: settings.region.clone(),
                },
            );
            if !known {
                out.settled.push(format!(
                    "{addr}: adopted {natural}, created by an interrupted run"
                ));
            }
            if !finish {
                // Plan adopts without waiting: the entry stays for apply to wait until the
                // object is usable (or to keep it tainted), before what depends on it.
                let mut open = entry.clone();
                open.unsettled = Some(format!(
                    "{natural} is adopted; the next `strata apply` waits until it is usable"
                ));
                kept.push(open);
            }
        }
        ("delete", None, _) => {
            // Only if the state's object is the one deleted: after an interrupted
            // create-before-destroy it is the new object, which stays.
            let deleted_is_current = state.instance(addr).is_some_and(|i| {
                rt.natural_id(&Value::from_json(&i.attributes)).as_deref()
                    == Some(natural)
            });
            let removed = deleted_is_current && state.remove_instance(addr).is_some();
            if removed {
                out.settled.push(format!(
                    "{addr}: {natural} was deleted by an interrupted run; removed from state"
                ));
            }
        }
        ("delete", Some(obj), _) => {
            let found_id = to_state_attributes(&entry.type_, Mode::Managed, &obj)
                .get("id")
                .cloned();
            let managed = found_id.is_some()
                && state
                    .instance(addr)
                    .is_some_and(|i| i.attributes.get("id") == found_id.as_ref());
            if managed {
                out.settled.push(format!(
                    "{addr}: the interrupted delete of {natural} did not finish; it is still managed"
                ));
            } else if !finish {
                keep(
                    out,
                    kept,
                    entry,
                    format!("{natural}, replaced by an interrupted run, is still to be deleted; the next `strata apply` deletes it"),
                );
            } else {
                // Not the object the state holds: the deposed half of a create-before-
                // destroy replacement (the new object is recorded already). Only the
                // journal knows it: finish the delete, or it would be left untracked.
                // How to delete it (a final snapshot or not) AWS does not say, and the
                // look-up takes it as an import does: the new object's state, from the
                // same configuration, says.
                let deposed = match state.instance(addr) {
                    Some(current) => crate::plan::build::with_virtual_from_config(
                        rt.schema(),
                        &obj.deep_unmark().0,
                        &Value::from_json(&current.attributes),
                    ),
                    None => obj.deep_unmark().0,
                };
                match provider.delete(settings, type_, &deposed).await {
                    Ok(()) => out.settled.push(format!(
                        "{addr}: finished the interrupted delete of {natural}, which an interrupted run had replaced"
                    )),
                    Err(e) => {
                        // Not fatal: what still uses it may be about to move to the new
                        // object in this apply; the entry keeps it tracked.
                        keep(
                            out,
                            kept,
                            entry,
                            format!("{natural}, replaced by an interrupted run, could not be deleted yet ({}); the journal keeps it and the next `strata apply` tries again", e.message),
                        );
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}
