//! Refresh: every managed instance in state read back from AWS in batched reads, one per
//! (type, provider configuration), all concurrently; drift is what changed outside strata.
#![allow(clippy::result_large_err)]

use super::diff::changed_attributes;
use super::Drift;
use crate::addr::InstanceAddr;
use crate::config::Mode;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::ProviderKind;
use crate::provider::{Provider, ProviderSettings};
use crate::state::State;
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The provider settings a state instance is read with: the configuration it was last applied
/// with (same address: module and alias) when the configuration still has it (endpoints,
/// default tags), else the root module's of the same alias; the region recorded in state (the
/// environment's when none is).
pub fn provider_for_state(
    providers: &[ProviderSettings],
    provider_addr: &str,
    region: &str,
) -> ProviderSettings {
    let kind = ProviderKind::of_address(provider_addr);
    if kind.is_local() {
        return ProviderSettings::local(kind);
    }
    let alias = provider_addr.rsplit_once("].").map(|(_, a)| a.to_string());
    let mut settings = providers
        .iter()
        .find(|p| p.address() == provider_addr)
        .or_else(|| {
            providers
                .iter()
                .find(|p| p.module.is_empty() && p.alias == alias)
        })
        .cloned()
        .unwrap_or_else(|| ProviderSettings {
            alias: alias.clone(),
            ..ProviderSettings::default()
        });
    if !region.is_empty() {
        settings.region = region.to_string();
    } else if settings.region.is_empty() {
        settings.region = ProviderSettings::unconfigured(None).region;
    }
    settings
}

/// Applies the schema's sensitive marks to an object read from state or AWS.
pub fn mark_object(type_: &str, mode: Mode, v: Value) -> Value {
    let schema = match mode {
        Mode::Managed => crate::provider::resource_type(type_).map(|t| t.schema()),
        Mode::Data => crate::provider::data_source_type(type_).map(|t| t.schema()),
    };
    match schema {
        Some(s) => super::diff::mark_sensitive(s, v),
        None => v,
    }
}

/// An object with the `region` it lives in (AWS provider 6's per-resource `region`), for a
/// regional type: AWS's answers never carry it, and state written before strata knew the
/// argument does not either, so it comes from where the object was read or recorded.
pub fn with_region(type_: &str, mode: Mode, region: &str, v: Value) -> Value {
    let regional = match mode {
        Mode::Managed => crate::provider::resource_type(type_).is_some_and(|t| t.schema().regional),
        Mode::Data => crate::provider::data_source_type(type_).is_some_and(|t| t.schema().regional),
    };
    match v {
        Value::Map(mut m) if regional && !region.is_empty() => {
            m.insert("region".into(), Value::from(region));
            Value::Map(m)
        }
        other => other,
    }
}

/// A state instance's object as values: sensitive marks applied, its region stamped.
pub fn state_object(type_: &str, mode: Mode, inst: &crate::state::InstanceState) -> Value {
    let v = mark_object(type_, mode, Value::from_json(&inst.attributes));
    with_region(type_, mode, &inst.region, v)
}

pub struct Refreshed {
    /// Every managed instance that still exists, as AWS reports it now.
    pub objects: BTreeMap<InstanceAddr, Value>,
    pub drift: Vec<Drift>,
}

/// Reads every managed instance in state: one batched read per (type, provider), all of them
/// concurrently.
pub fn refresh(
    state: &State,
    providers: &[ProviderSettings],
    provider: &Arc<dyn Provider>,
    runtime: &tokio::runtime::Runtime,
) -> Result<Refreshed, Diagnostics> {
    type Group = (String, ProviderSettings);
    let mut groups: BTreeMap<Group, Vec<(InstanceAddr, Value)>> = BTreeMap::new();
    for (addr, rs, inst) in state.instances() {
        if rs.mode != Mode::Managed {
            continue;
        }
        let settings = provider_for_state(providers, &rs.provider, &inst.region);
        let prior = state_object(&rs.type_, rs.mode, inst);
        groups
            .entry((rs.type_.clone(), settings))
            .or_default()
            .push((addr, prior));
    }
    let mut diags = Diagnostics::default();
    let reads = groups
        .into_iter()
        .map(|((type_, settings), items)| async move {
            if crate::provider::resource_type(&type_).is_none() {
                let message = format!(
                    "resource type {type_} in state is not supported by this version of strata"
                );
                return (type_, items, Err(message));
            }
            let prior: Vec<Value> = items.iter().map(|(_, v)| v.clone()).collect();
            let result = provider
                .read_prior(&settings, &type_, &prior)
                .await
                .map_err(|e| e.message);
            (type_, items, result)
        });
    let results = runtime.block_on(futures::future::join_all(reads));
    let mut out = Refreshed {
        objects: BTreeMap::new(),
        drift: Vec::new(),
    };
    for (type_, items, result) in results {
        match result {
            Err(message) => diags.push(
                Diagnostic::error(format!("Refreshing {type_} failed"))
                    .detail(message)
                    .help("check your AWS credentials, region and network; or plan with --refresh=false"),
            ),
            Ok(mut found) => {
                let Some(rt) = crate::provider::resource_type(&type_) else { continue };
                for (addr, prior) in items {
                    let id = crate::provider::obj::string(&prior, "id").unwrap_or_default();
                    match found.remove(&id) {
                        Some(read) => {
                            let read = rt.schema().with_virtual_from(read, &prior);
                            let read = rt.schema().with_equivalent_from(read, &prior);
                            // Read where the state recorded it: the prior's region is its region.
                            let region = prior.get("region").and_then(Value::as_str).unwrap_or_default();
                            let read = with_region(&type_, Mode::Managed, region, read);
                            let read = mark_object(&type_, Mode::Managed, read);
                            if !changed_attributes(rt.schema(), &prior, &read).is_empty() {
                                out.drift.push(Drift {
                                    addr: addr.clone(),
                                    before: prior.clone(),
                                    after: Some(read.clone()),
                                    relevant: Vec::new(),
                                });
                            }
                            out.objects.insert(addr, read);
                        }
                        None => out.drift.push(Drift {
                            addr,
                            before: prior,
                            after: None,
                            relevant: Vec::new(),
                        }),
                    }
                }
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}
