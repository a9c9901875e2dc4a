//! Making a plan: refresh (batched provider reads) → evaluation walk with the refreshed state →
//! diff per instance → orphans → plan-time safety checks.
#![allow(clippy::result_large_err)]

pub use super::hooks::with_virtual_from_config;
use super::hooks::PlanHooks;
pub use super::inputs::{
    apply_time_variables, config_digest, restore_inputs, saved_inputs, saved_plan_inputs,
};
pub use super::refresh::{
    mark_object, provider_for_state, refresh, state_object, with_region, Refreshed,
};
pub use super::validate::{config_problems, with_unknown_computed, ConfigOnly};
use super::{Action, OutputChange, Plan, ResourceChange};
use crate::addr::{AbsResource, InstanceAddr, InstanceKey};
use crate::config::{Config, Mode};
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::walk::{self, WalkOptions};
use crate::eval::ProviderKind;
use crate::provider::Provider;
use crate::state::State;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanMode {
    Normal,
    Destroy,
    RefreshOnly,
}

pub struct PlanRequest<'a> {
    pub config: &'a Config,
    pub options: WalkOptions,
    pub prior: Option<&'a State>,
    pub provider: Arc<dyn Provider>,
    pub mode: PlanMode,
    pub refresh: bool,
    /// `--target` addresses; empty means everything.
    pub targets: Vec<String>,
    /// `--replace` addresses: instances replaced even though nothing forces it.
    pub replace: Vec<InstanceAddr>,
    pub runtime: &'a tokio::runtime::Runtime,
}
/// Makes a plan. Errors are diagnostics; warnings come back with the plan.
pub fn make_plan(req: PlanRequest) -> Result<(Plan, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::default();
    // Pass 0, as Terraform validates before it plans: every block checked against its schema
    // with unknown variables, whether it has instances or not.
    let mut checked = ConfigOnly::default();
    let validate = WalkOptions {
        validate: true,
        defer_unsupported_types: true,
        inputs: BTreeMap::new(),
        ..req.options.clone()
    };
    let pass0 = walk::walk(req.config, &validate, &mut checked);
    diags.extend(pass0.diags);
    diags.extend(checked.diags);
    if diags.has_errors() {
        return Err(diags);
    }
    // Warnings come again from the passes with values.
    diags = Diagnostics::default();
    // Pass 1: the configuration with its values — errors early, and the provider
    // configurations the refresh and the imports use.
    let mut first = ConfigOnly::default();
    let mut options = req.options.clone();
    options.missing_vars_unknown = false;
    options.validate = false;
    options.defer_unknown_expansion = true;
    let mut pass1 = walk::walk(req.config, &options, &mut first);
    diags.extend(std::mem::take(&mut pass1.diags));
    let mut mixed = Vec::new();
    crate::graph::mixed_rule_diagnostics(&req.config.root, &mut mixed);
    diags.0.extend(mixed);
    diags.extend(first.diags);
    if diags.has_errors() {
        return Err(diags);
    }
    // Once, before anything asks AWS (regions were checked by the walk): endpoints that
    // answer, credentials AWS accepts (only when the plan needs AWS at all).
    let needs_aws =
        !first.instances.is_empty() || req.prior.is_some_and(|s| s.instances().next().is_some());
    if needs_aws {
        if let Err(d) = req
            .runtime
            .block_on(req.provider.preflight(&pass1.providers))
        {
            diags.push(d);
            return Err(diags);
        }
    }
    let root_scope = std::mem::take(&mut pass1.root_scope);
    let empty = State::new();
    // `moved` blocks rename objects in (a copy of) the state before anything is compared, so a
    // renamed resource is planned as the same object, not destroyed and created.
    let (moves, moved_state) = match req.prior {
        Some(state) => {
            let (moves, moved, move_diags) = apply_moves(req.config, state);
            diags.extend(move_diags);
            (moves, Some(moved))
        }
        None => (Vec::new(), None),
    };
    let prior_state = moved_state.as_ref().unwrap_or(&empty);
    let refreshed = if req.refresh {
        refresh(prior_state, &pass1.providers, &req.provider, req.runtime)?
    } else {
        Refreshed {
            objects: prior_state
                .instances()
                .filter(|(_, rs, _)| rs.mode == Mode::Managed)
                .map(|(addr, rs, inst)| (addr, state_object(&rs.type_, rs.mode, inst)))
                .collect(),
            drift: Vec::new(),
        }
    };
    let prior_deps: BTreeMap<InstanceAddr, Vec<AbsResource>> = prior_state
        .instances()
        .map(|(addr, _, inst)| {
            let deps = inst
                .dependencies
                .iter()
                .filter_map(|d| d.parse::<InstanceAddr>().ok().map(|a| a.abs_resource()))
                .collect();
            (addr, deps)
        })
        .collect();
    let tainted: BTreeSet<InstanceAddr> = prior_state
        .instances()
        .filter(|(_, _, inst)| inst.is_tainted())
        .map(|(addr, _, _)| addr)
        .collect();
    let replace: BTreeSet<InstanceAddr> = req.replace.iter().cloned().collect();
    for addr in &replace {
        if prior_state.instance(addr).is_none() {
            diags.push(
                Diagnostic::error(format!("Cannot replace {addr}: it is not in the state"))
                    .help("--replace takes an existing instance: `strata state list` shows them; a new one is created anyway"),
            );
        }
    }
    let import_targets = if req.mode == PlanMode::Normal {
        crate::plan::imports::evaluate(req.config, &root_scope, &mut diags)
    } else {
        Vec::new()
    };
    if diags.has_errors() {
        return Err(diags);
    }
    let imports = read_imports(
        req.config,
        prior_state,
        &import_targets,
        &pass1,
        &req.provider,
        req.runtime,
    )?;
    let open_creates: BTreeMap<InstanceAddr, String> = req
        .prior
        .map(|s| s.journal.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|e| e.action == "create")
        .filter_map(|e| Some((e.addr.parse().ok()?, e.natural_id.clone()?)))
        .collect();
    let mut hooks = PlanHooks {
        open_creates: &open_creates,
        imports: &imports,
        objects: &refreshed.objects,
        changes: Vec::new(),
        visited: BTreeSet::new(),
        expanded: BTreeMap::new(),
        diags: Diagnostics::default(),
        provider: req.provider.clone(),
        runtime: req.runtime,
        mode: req.mode,
        pending: BTreeSet::new(),
        prior_deps: &prior_deps,
        tainted: &tainted,
        replace: &replace,
    };
    options.defer_unknown_expansion = false;
    let result = walk::walk(req.config, &options, &mut hooks);
    diags.extend(result.diags);
    diags.extend(std::mem::take(&mut hooks.diags));
    for t in &import_targets {
        if imports.contains_key(&t.addr) && !hooks.visited.contains(&t.addr) {
            diags.push(
                Diagnostic::error("Configuration for import target does not exist")
                    .at(t.span)
                    .detail(format!(
                        "the configuration has no instance {} to import \"{}\" into",
                        t.addr, t.id
                    ))
                    .help("check the instance key against the resource's count or for_each"),
            );
        }
    }
    let mut changes = hooks.changes;
    // Instances in state that the configuration no longer has, or every one on destroy.
    for (addr, rs, inst) in prior_state.instances() {
        if rs.mode != Mode::Managed {
            continue;
        }
        let in_config = hooks.visited.contains(&addr);
        if req.mode == PlanMode::Normal && in_config {
            continue;
        }
        if req.mode == PlanMode::RefreshOnly {
            continue;
        }
        let Some(before) = refreshed.objects.get(&addr) else {
            // Already gone outside strata: nothing to delete; the state entry is dropped on apply.
            continue;
        };
        let reason = if req.mode == PlanMode::Destroy {
            None
        } else if !hooks.expanded.contains_key(&addr.abs_resource()) {
            let module_exists =
                addr.module.is_root() || hooks.expanded.keys().any(|r| r.module == addr.module);
            Some(if module_exists {
                "delete_because_no_resource_config"
            } else {
                "delete_because_no_module"
            })
        } else {
            Some(match addr.key {
                InstanceKey::Int(_) => "delete_because_count_index",
                InstanceKey::Str(_) => "delete_because_each_key",
                InstanceKey::None => "delete_because_no_resource_config",
            })
        };
        if let Some(rt) = crate::provider::resource_type(&rs.type_) {
            if let Err(p) = rt.check_delete(before) {
                diags.push(
                    Diagnostic::error(format!("{addr} cannot be destroyed as planned"))
                        .at_opt(config_span(req.config, &addr))
                        .detail(p.message)
                        .help(p.help),
                );
            }
        }
        if let Some(r) = req.config.resource_of(&addr) {
            if r.lifecycle.prevent_destroy {
                diags.push(
                    Diagnostic::error(format!("Instance cannot be destroyed: {addr}"))
                        .at(r.span)
                        .detail("lifecycle.prevent_destroy is set, and this plan would destroy it")
                        .help("remove prevent_destroy on purpose before destroying this object"),
                );
            }
        }
        changes.push(ResourceChange {
            reason: reason.map(str::to_string),
            provider: provider_for_state(&pass1.providers, &rs.provider, &inst.region),
            prior_depends_on: prior_deps.get(&addr).cloned().unwrap_or_default(),
            ..ResourceChange::new(addr.clone(), Action::Delete, Some(before.clone()), None)
        });
    }
    match req.mode {
        PlanMode::RefreshOnly => changes.clear(),
        // Destroying reads nothing: only the deletes remain.
        PlanMode::Destroy => changes.retain(|c| c.action == Action::Delete),
        PlanMode::Normal => {}
    }
    if !req.targets.is_empty() {
        changes = apply_targets(changes, &req.targets, &mut diags);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    let mut outputs = BTreeMap::new();
    if req.mode != PlanMode::Destroy {
        for (name, o) in result.root_outputs {
            let before = prior_state
                .outputs
                .get(&name)
                .map(|p| Value::from_json(&p.value));
            let after = if o.sensitive {
                o.value.sensitive()
            } else {
                o.value
            };
            outputs.insert(
                name,
                OutputChange {
                    before: before.map(|b| if o.sensitive { b.sensitive() } else { b }),
                    after,
                    sensitive: o.sensitive,
                },
            );
        }
    }
    let inputs = saved_inputs(req.config, &options);
    let mut drift = refreshed.drift;
    super::relevance::annotate(req.config, &mut drift, &changes, &outputs);
    let plan = Plan {
        format_version: 1,
        strata_version: env!("CARGO_PKG_VERSION").to_string(),
        changes,
        outputs,
        drift,
        config_digest: config_digest(req.config, &inputs),
        state_lineage: req.prior.map(|s| s.lineage.clone()),
        state_serial: req.prior.map(|s| s.serial),
        workspace: options.workspace.clone(),
        destroy: req.mode == PlanMode::Destroy,
        refresh_only: req.mode == PlanMode::RefreshOnly,
        inputs,
        apply_time_variables: apply_time_variables(req.config, &options),
        moves,
        // An ephemeral variable's value is in no plan.
        variables: result
            .root_variables
            .into_iter()
            .filter(|(name, _)| !super::inputs::is_ephemeral(req.config, name))
            .collect(),
        configuration: super::json::configuration(req.config),
        // The CLI records what --soft-fail overrides once the guardrails have run.
        overridden: vec![],
    };
    Ok((plan, diags))
}

/// Reads the objects `import` blocks adopt: targets already in state are skipped (same id) or
/// refused (another id); every other target is read by id, all concurrently.
fn read_imports(
    config: &Config,
    state: &State,
    targets: &[crate::plan::imports::ImportTarget],
    configured: &walk::WalkResult,
    provider: &Arc<dyn Provider>,
    runtime: &tokio::runtime::Runtime,
) -> Result<BTreeMap<InstanceAddr, (String, Value)>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut todo = Vec::new();
    for t in targets {
        if let Some(inst) = state.instance(&t.addr) {
            let id = inst
                .attributes
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            // A local type's import id is not its id (`PREFIX,B64` for a random_id, the value
            // itself for a random_password): like Terraform, an import into an address state
            // holds is then simply done.
            let local = ProviderKind::of_type(&t.addr.resource.type_).is_local();
            if !local && id != t.id && format!("{id}@{}", inst.region) != t.id {
                diags.push(
                    Diagnostic::error(format!("{} is already managed by strata", t.addr))
                        .at(t.span)
                        .detail(format!(
                            "the state holds the object \"{id}\" at this address; the import block names \"{}\"",
                            t.id
                        ))
                        .help(format!(
                            "remove the import block, or run `strata state rm {}` to adopt the other object",
                            t.addr
                        )),
                );
            }
            continue;
        }
        if config.resource_of(&t.addr).is_none() {
            diags.push(
                Diagnostic::error("Configuration for import target does not exist")
                    .at(t.span)
                    .detail(format!(
                        "the configuration has no resource block for {}",
                        t.addr.abs_resource()
                    ))
                    .help(format!(
                        "add resource \"{}\" \"{}\" {{ ... }}, or let strata write it: strata plan --generate-config-out=generated.tf",
                        t.addr.resource.type_, t.addr.resource.name
                    )),
            );
            continue;
        };
        // The import block's own `provider`, else the one the target resource uses.
        let mut settings = match &t.provider_alias {
            Some(alias) => configured.root_provider(alias),
            None => configured.provider_of(&t.addr.abs_resource()),
        };
        // AWS provider 6's `ID@REGION`: the object is read (and then managed) in that region.
        let (id, region) = crate::provider::import_id_region(&t.addr.resource.type_, &t.id);
        if let Some(region) = region {
            settings.region = region.to_string();
        }
        todo.push((t, id.to_string(), settings));
    }
    let reads = todo.into_iter().map(|(t, id, settings)| async move {
        let type_ = &t.addr.resource.type_;
        let result = match crate::provider::resource_type(type_) {
            Some(_) => provider.import(&settings, type_, &id).await,
            None => Ok(None),
        };
        (t, id, settings, result)
    });
    let mut out = BTreeMap::new();
    for (t, id, settings, result) in runtime.block_on(futures::future::join_all(reads)) {
        match result {
            Ok(Some(obj)) => {
                let type_ = &t.addr.resource.type_;
                let obj = with_region(type_, Mode::Managed, &settings.region, obj);
                out.insert(t.addr.clone(), (id, obj));
            }
            Ok(None) => diags.push(
                Diagnostic::error(format!(
                    "Cannot import non-existent remote object: {}",
                    t.id
                ))
                .at(t.span)
                .detail(format!(
                    "no {} with id \"{id}\" in {}",
                    t.addr.resource.type_, settings.region
                ))
                .help("check the id and the provider's region"),
            ),
            Err(e) => diags.push(
                Diagnostic::error(format!("Importing {} failed", t.addr))
                    .at(t.span)
                    .detail(e.message)
                    .help("check the id, the region and your AWS credentials"),
            ),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

fn config_span(config: &Config, addr: &InstanceAddr) -> Option<crate::diag::Span> {
    config.resource_of(addr).map(|r| r.span)
}

/// Keeps the targeted changes and everything they depend on.
fn apply_targets(
    changes: Vec<ResourceChange>,
    targets: &[String],
    diags: &mut Diagnostics,
) -> Vec<ResourceChange> {
    let matches = |addr: &InstanceAddr, t: &str| -> bool {
        let full = addr.to_string();
        let res = addr.abs_resource().to_string();
        full == t
            || res == t
            || full.starts_with(&format!("{t}."))
            || res.starts_with(&format!("{t}."))
    };
    let mut keep: BTreeSet<InstanceAddr> = BTreeSet::new();
    for t in targets {
        let before = keep.len();
        for c in &changes {
            if matches(&c.addr, t) {
                keep.insert(c.addr.clone());
            }
        }
        if keep.len() == before && !changes.iter().any(|c| matches(&c.addr, t)) {
            diags.push(
                Diagnostic::warning(format!("--target {t} matches nothing that changes"))
                    .help("check the address with `strata state list`"),
            );
        }
    }
    // Dependencies of targets, transitively.
    loop {
        let deps: BTreeSet<AbsResource> = changes
            .iter()
            .filter(|c| keep.contains(&c.addr))
            .flat_map(|c| c.depends_on.iter().cloned())
            .collect();
        let before = keep.len();
        for c in &changes {
            if deps.contains(&c.addr.abs_resource()) {
                keep.insert(c.addr.clone());
            }
        }
        if keep.len() == before {
            break;
        }
    }
    if !targets.is_empty() {
        diags.push(
            Diagnostic::warning("Resource targeting is in effect")
                .detail("the plan may not cover every change the configuration needs")
                .help("use --target for exceptional situations; run a full plan afterwards"),
        );
    }
    changes
        .into_iter()
        .filter(|c| keep.contains(&c.addr))
        .collect()
}

/// The state instances that root-module `moved` blocks rename, and the state with the renames
/// applied. `from`/`to` are resource addresses (every instance moves, keys kept), instance
/// addresses, or module calls (`module.a` → `module.b`).
pub fn apply_moves(
    config: &Config,
    state: &State,
) -> (Vec<(InstanceAddr, InstanceAddr)>, State, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut moved = state.clone();
    let mut moves = Vec::new();
    for m in &config.root.moved {
        let from = m.from.expr.to_string().trim().to_string();
        let to = m.to.expr.to_string().trim().to_string();
        let pairs: Vec<(InstanceAddr, InstanceAddr)> = if let (Some(f), Some(t)) =
            (from.strip_prefix("module."), to.strip_prefix("module."))
        {
            if f.contains('.') || t.contains('.') {
                diags.push(
                    Diagnostic::error("Unsupported moved block")
                        .at(m.span)
                        .help("move a resource (TYPE.NAME), an instance (TYPE.NAME[KEY]) or a whole module call (module.NAME)"),
                );
                continue;
            }
            moved
                .instances()
                .filter(|(a, _, _)| a.module.0.first().is_some_and(|(n, _)| n == f))
                .map(|(a, _, _)| {
                    let mut b = a.clone();
                    b.module.0[0].0 = t.to_string();
                    (a, b)
                })
                .collect()
        } else {
            let (Ok(f), Ok(t)) = (from.parse::<InstanceAddr>(), to.parse::<InstanceAddr>()) else {
                diags.push(
                    Diagnostic::error("Invalid moved block")
                        .at(m.span)
                        .detail(format!("cannot read \"{from}\" → \"{to}\" as addresses"))
                        .help(
                            "write moved { from = aws_db_instance.old  to = aws_db_instance.new }",
                        ),
                );
                continue;
            };
            let whole_resource = !from.ends_with(']');
            moved
                .instances()
                .filter(|(a, _, _)| {
                    if whole_resource {
                        a.abs_resource() == f.abs_resource()
                    } else {
                        a == &f
                    }
                })
                .map(|(a, _, _)| {
                    let mut b = t.clone();
                    if whole_resource {
                        b.key = a.key.clone();
                    }
                    (a, b)
                })
                .collect()
        };
        for (a, b) in pairs {
            if moved.instance(&b).is_some() {
                // Already moved by an earlier apply: the block stays as documentation.
                continue;
            }
            match moved.move_instance(&a, &b) {
                Ok(()) => moves.push((a, b)),
                Err(e) => diags.push(
                    Diagnostic::error(format!("Cannot move {a} to {b}"))
                        .at(m.span)
                        .detail(e.to_string())
                        .help("fix the moved block's addresses"),
                ),
            }
        }
    }
    (moves, moved, diags)
}
