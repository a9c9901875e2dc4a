//! The evaluation walk's hooks during plan: each instance's configuration diffed against
//! its refreshed object into a change; data sources read now or deferred to apply.
#![allow(clippy::result_large_err)]

use super::build::PlanMode;
use super::diff::{diff, diff_tainted};
use super::refresh::mark_object;
use super::validate::{config_problems, resource_problems, with_unknown_computed};
use super::{Action, ResourceChange};
use crate::addr::{AbsResource, InstanceAddr, InstanceKey};
use crate::config::Mode;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::walk::{Hooks, InstanceConfig};
use crate::provider::Provider;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub(super) struct PlanHooks<'a> {
    pub(super) objects: &'a BTreeMap<InstanceAddr, Value>,
    pub(super) changes: Vec<ResourceChange>,
    pub(super) visited: BTreeSet<InstanceAddr>,
    pub(super) expanded: BTreeMap<AbsResource, Vec<InstanceKey>>,
    pub(super) diags: Diagnostics,
    pub(super) provider: Arc<dyn Provider>,
    pub(super) runtime: &'a tokio::runtime::Runtime,
    pub(super) mode: PlanMode,
    /// Resources with a pending change: data sources depending on them are read during apply.
    pub(super) pending: BTreeSet<AbsResource>,
    pub(super) prior_deps: &'a BTreeMap<InstanceAddr, Vec<AbsResource>>,
    /// Objects the state marks tainted: created, but never usable; each is replaced.
    pub(super) tainted: &'a BTreeSet<InstanceAddr>,
    /// Instances `--replace` asks to replace.
    pub(super) replace: &'a BTreeSet<InstanceAddr>,
    /// Objects adopted by `import` blocks: address → (id, object as AWS reports it).
    pub(super) imports: &'a BTreeMap<InstanceAddr, (String, Value)>,
    /// Creates the journal keeps open: address → the identifier the attempt was sent with.
    /// Planned again, the create is sent under that identifier (`naming::reuse_recorded_name`).
    pub(super) open_creates: &'a BTreeMap<InstanceAddr, String>,
}

/// An adopted object (imported, or tainted after a journal adoption) with the arguments AWS
/// never returns (virtual ones) taken from the configuration, so adopting an object does not
/// plan a change of, say, skip_final_snapshot.
pub fn with_virtual_from_config(
    schema: &crate::provider::Schema,
    object: &Value,
    config: &Value,
) -> Value {
    let mut m = match object {
        Value::Map(m) => m.clone(),
        other => return other.clone(),
    };
    for a in &schema.attributes {
        if a.virtual_ {
            let v = config
                .get(a.name)
                .filter(|v| !v.is_null())
                .cloned()
                .or_else(|| a.default.clone())
                .unwrap_or(Value::Null);
            m.insert(a.name.to_string(), v);
        }
    }
    for name in schema.virtual_blocks() {
        let v = config.get(name).cloned().unwrap_or(Value::Null);
        m.insert(name.to_string(), v);
    }
    Value::Map(m)
}

impl Hooks for PlanHooks<'_> {
    fn catalog(&self) -> &'static dyn crate::eval::walk::Catalog {
        crate::provider::catalog()
    }

    fn needs_known_providers(&self) -> bool {
        true
    }

    fn managed(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        self.visited.insert(inst.addr.clone());
        let Some(rt) = crate::provider::resource_type(&inst.addr.resource.type_) else {
            return Ok(Value::Unknown);
        };
        for d in config_problems(inst, resource_problems(rt, inst)) {
            self.diags.push(d);
        }
        let mut prior = self.objects.get(&inst.addr);
        let imported = match (prior, self.imports.get(&inst.addr)) {
            (None, Some((id, obj))) if self.mode == PlanMode::Normal => Some((
                id.clone(),
                mark_object(
                    &inst.addr.resource.type_,
                    Mode::Managed,
                    with_virtual_from_config(rt.schema(), obj, &inst.config),
                ),
            )),
            _ => None,
        };
        if let Some((_, obj)) = &imported {
            prior = Some(obj);
        }
        if self.mode != PlanMode::Normal {
            return Ok(prior
                .cloned()
                .unwrap_or_else(|| with_unknown_computed(&inst.config, rt.schema())));
        }
        // A tainted object was adopted from the journal of a run that never saw it become
        // usable: the arguments AWS never returns (skip_final_snapshot, ...) come from the
        // configuration it was created from.
        let tainted_prior = prior
            .filter(|_| self.tainted.contains(&inst.addr))
            .map(|p| {
                mark_object(
                    &inst.addr.resource.type_,
                    Mode::Managed,
                    with_virtual_from_config(rt.schema(), p, &inst.config),
                )
            });
        let requested = prior.filter(|_| self.replace.contains(&inst.addr));
        let (d, reason) = match (&tainted_prior, requested) {
            (None, Some(p)) => (
                diff_tainted(rt, p, &inst.config, &inst.resource.lifecycle),
                Some("replace_by_request".to_string()),
            ),
            (Some(p), _) => {
                prior = Some(p);
                (
                    diff_tainted(rt, p, &inst.config, &inst.resource.lifecycle),
                    Some("replace_because_tainted".to_string()),
                )
            }
            (None, None) => {
                let mut d = diff(rt, prior, &inst.config, &inst.resource.lifecycle);
                if let (Some(natural), true) = (
                    self.open_creates.get(&inst.addr),
                    d.action == Action::Create || d.action.is_replace(),
                ) {
                    crate::provider::aws::naming::reuse_recorded_name(
                        rt,
                        &mut d.planned,
                        &inst.config,
                        natural,
                    );
                }
                let reason = d
                    .action
                    .is_replace()
                    .then(|| "replace_because_cannot_update".to_string());
                (d, reason)
            }
        };
        if let Some(p) = prior.filter(|_| d.action == Action::Update || d.action == Action::NoOp) {
            for name in rt.schema().create_only_changes(p, &inst.config) {
                self.diags.push(create_only_note(inst, name));
            }
        }
        if d.action.is_replace() {
            self.check_destroy(inst, prior, rt);
        }
        if d.action != Action::NoOp {
            self.pending.insert(inst.addr.abs_resource());
        }
        self.changes.push(ResourceChange {
            addr: inst.addr.clone(),
            action: d.action,
            before: prior.cloned(),
            after: Some(d.planned.clone()),
            reason,
            replace_paths: d.replace_paths,
            provider: inst.provider.clone(),
            depends_on: inst.deps.iter().cloned().collect(),
            prior_depends_on: self.prior_deps.get(&inst.addr).cloned().unwrap_or_default(),
            importing: imported.as_ref().map(|(id, _)| id.clone()),
            // Write-only values never reach a plan: apply evaluates them again.
            config: Some(rt.schema().without_write_only(inst.config.clone())),
        });
        // Unchanged, it is what exists: references and outputs see the object as the last
        // apply recorded it (and refresh read it), not the plan's rebuilding of it.
        Ok(match (d.action, prior) {
            (Action::NoOp, Some(p)) => p.clone(),
            _ => d.planned,
        })
    }

    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        self.visited.insert(inst.addr.clone());
        let Some(ds) = crate::provider::data_source_type(&inst.addr.resource.type_) else {
            return Ok(Value::Unknown);
        };
        let deferred = inst.deps.iter().any(|d| self.pending.contains(d));
        if !inst.config.is_wholly_known() || deferred {
            let after = with_unknown_computed(&inst.config, ds.schema());
            self.changes.push(ResourceChange {
                reason: Some(if deferred {
                    "read_because_dependency_pending".into()
                } else {
                    "read_because_config_unknown".into()
                }),
                config: Some(inst.config.clone()),
                ..read_change(inst, after.clone())
            });
            return Ok(after);
        }
        let config = inst.config.clone().deep_unmark().0;
        let type_ = &inst.addr.resource.type_;
        match self
            .runtime
            .block_on(self.provider.read_data(inst.provider, type_, &config))
        {
            Ok(v) => {
                let type_ = &inst.addr.resource.type_;
                let v = mark_object(type_, Mode::Data, v);
                let v = super::refresh::with_region(type_, Mode::Data, &inst.provider.region, v);
                self.changes.push(read_change(inst, v.clone()));
                Ok(v)
            }
            Err(e) => Err(crate::provider::preflight::explain(&e).unwrap_or_else(|| {
                Diagnostic::error(format!("Reading {} failed", inst.addr))
                    .at(inst.resource.span)
                    .detail(e.message)
                    .help("check the data source's arguments match something that exists")
            })),
        }
    }

    fn expanded(&mut self, resource: &AbsResource, keys: &[InstanceKey]) {
        self.expanded.insert(resource.clone(), keys.to_vec());
    }
}

impl PlanHooks<'_> {
    fn check_destroy(
        &mut self,
        inst: &InstanceConfig,
        prior: Option<&Value>,
        rt: &dyn crate::provider::ResourceType,
    ) {
        if inst.resource.lifecycle.prevent_destroy {
            self.diags.push(
                Diagnostic::error(format!("Instance cannot be destroyed: {}", inst.addr))
                    .at(inst.resource.span)
                    .detail("lifecycle.prevent_destroy is set, and this plan would destroy it (a replacement destroys the old object)")
                    .help("change the plan so it does not destroy the object, or remove prevent_destroy on purpose"),
            );
        }
        if let Some(prior) = prior {
            if let Err(p) = rt.check_delete(prior) {
                self.diags.push(
                    Diagnostic::error(format!("{} cannot be destroyed as planned", inst.addr))
                        .at(inst.resource.span)
                        .detail(p.message)
                        .help(p.help),
                );
            }
        }
    }
}

/// A data source's read of `after`, in its provider configuration after its dependencies.
fn read_change(inst: &InstanceConfig, after: Value) -> ResourceChange {
    ResourceChange {
        provider: inst.provider.clone(),
        depends_on: inst.deps.iter().cloned().collect(),
        ..ResourceChange::new(inst.addr.clone(), Action::Read, None, Some(after))
    }
}

/// A create-only argument (`snapshot_identifier`) configured with another value than the
/// object was created with: nothing happens, and the plan says why and how to restore.
fn create_only_note(inst: &InstanceConfig, name: &str) -> Diagnostic {
    let body = &inst.resource.body;
    let span = body
        .attrs
        .get(name)
        .map(|a| a.expr.span())
        .or_else(|| body.blocks_of(name).next().map(|b| b.span))
        .unwrap_or(inst.resource.span);
    Diagnostic::warning(format!("{}: {name} is read only at create", inst.addr))
        .at(span)
        .detail(format!(
            "{name} says what the object is created from; the existing one stays as it is, neither changed nor replaced (terraform-provider-aws would replace it, and the data with it)"
        ))
        .help(format!(
            "to create it again from the new value, run `strata apply --replace={}`",
            inst.addr
        ))
}
