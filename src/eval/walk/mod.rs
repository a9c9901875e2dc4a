//! The evaluation walk: every block of every module instance, in the order of the flattened
//! configuration graph ([`ConfigGraph`]), count and for_each expanded into instances, module
//! calls expanded into module instances.
//!
//! The walk knows nothing about AWS or state. What a resource instance "is" for the references
//! that follow it is asked of a [`Hooks`] implementation: `validate` answers with the config
//! plus unknown computed attributes, `plan` with the planned new state.
#![allow(clippy::result_large_err)]

mod blocks;
mod expand;

use super::body::eval_expr;
use crate::addr::{AbsResource, InstanceAddr, InstanceKey, ModuleInstance, ResourceAddr};
use crate::config::{Config, Expr, Resource};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::eval::ProviderSettings;
use crate::graph::config::{ConfigGraph, ModuleId};
use crate::graph::Node;
use crate::schema::Schema;
use crate::value::{Map, Value};
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// One evaluated resource or data instance, handed to the hooks.
pub struct InstanceConfig<'a> {
    pub addr: InstanceAddr,
    pub resource: &'a Resource,
    /// The evaluated body: every settable attribute (null when unset) and every block.
    pub config: Value,
    /// Resources this instance depends on (through references, locals, variables, depends_on).
    pub deps: BTreeSet<AbsResource>,
    pub provider: &'a ProviderSettings,
    pub module_dir: &'a Path,
    /// The validate walk: this instance stands for all of the resource's instances (none,
    /// perhaps), and unknown values stand for what they could be.
    pub validate_only: bool,
}

/// What the walk needs to know of the resource types, answered by the provider layer above
/// (the walk knows no provider).
pub trait Catalog: Sync {
    /// The schema of a resource or data source type; `None` when it is not supported.
    fn schema(&self, mode: crate::addr::Mode, type_: &str) -> Option<&'static Schema>;
    /// Every supported type of that mode, sorted.
    fn type_names(&self, mode: crate::addr::Mode) -> Vec<&'static str>;
    /// The arguments and blocks a `provider` block takes.
    fn provider_schema(&self) -> &'static Schema;
    /// `None` for a region name the provider knows, else the nearest names it does know.
    fn region_problem(&self, region: &str) -> Option<Vec<&'static str>>;
}

pub trait Hooks {
    /// The resource types the walk checks bodies against.
    fn catalog(&self) -> &'static dyn Catalog;
    /// A managed resource instance: returns the object that references to it see.
    fn managed(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic>;
    /// A data source instance: returns its read result (unknown when its config is unknown).
    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic>;
    /// A resource declared in config whose instances are now known (also when there are none).
    fn expanded(&mut self, _resource: &AbsResource, _keys: &[InstanceKey]) {}
    /// Whether every provider configuration an instance uses must be known now: a plan is
    /// about to call AWS with it, so an unknown or missing region is an error, not a guess.
    fn needs_known_providers(&self) -> bool {
        false
    }
}

/// A root variable value as given by the user, before conversion to its declared type.
#[derive(Clone, Debug)]
pub enum RawInput {
    /// From a `.tfvars` file: an expression.
    Expr(Expr),
    /// From `--var` or the environment: text, read as a string unless the variable's type
    /// says otherwise (then it is parsed as an expression, like Terraform).
    Text { text: String, source: String },
}

#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    pub workspace: String,
    pub inputs: BTreeMap<String, RawInput>,
    /// `check`, `graph`: variables without a value are unknown instead of an error.
    pub missing_vars_unknown: bool,
    /// `validate` (also run before every plan), as Terraform's validate walk: every variable
    /// of every module is unknown (whatever its default or given value), and resources and
    /// module calls are not expanded: each body is checked once, with `count.index` and `each`
    /// unknown, whatever its count or for_each — so what has no instances is checked too.
    pub validate: bool,
    /// Plan's validate pass: an unsupported resource type is judged by the pass with values,
    /// which knows whether it has instances (none: a warning; some: an error).
    pub defer_unsupported_types: bool,
    /// Plan's first pass, which reads no data source: a resource or module whose count or
    /// for_each is not known yet is left unknown as a whole (its body unevaluated), and judged
    /// by the pass that reads the data sources (`count = length(data.aws_availability_zones.x
    /// .names)` is known there).
    pub defer_unknown_expansion: bool,
    /// `path.cwd`: the directory strata runs in (after `-C`).
    pub cwd: PathBuf,
}

pub struct WalkResult {
    pub root_outputs: BTreeMap<String, OutputValue>,
    /// The root module's variables after conversion (sensitive ones marked).
    pub root_variables: BTreeMap<String, Value>,
    /// Every provider configuration evaluated or used, each once.
    pub providers: Vec<ProviderSettings>,
    /// The provider configuration each resource of each module instance uses.
    pub resource_providers: BTreeMap<AbsResource, ProviderSettings>,
    pub diags: Diagnostics,
    /// The root module's names (`var`, `local`, `path`, `terraform`, resources) after the walk:
    /// what root-only blocks such as `import` are evaluated in.
    pub root_scope: Map,
}

impl WalkResult {
    /// The root module's configuration `aws[.alias]`, as an `import` block names it; an
    /// unconfigured one has the environment's region.
    pub fn root_provider(&self, alias: &Option<String>) -> ProviderSettings {
        self.providers
            .iter()
            .find(|p| p.module.is_empty() && &p.alias == alias)
            .cloned()
            .unwrap_or_else(|| ProviderSettings::unconfigured(alias.clone()))
    }

    /// The configuration a resource of a module instance uses; without one (not in the
    /// configuration, or without instances), the root module's default.
    pub fn provider_of(&self, resource: &AbsResource) -> ProviderSettings {
        self.resource_providers
            .get(resource)
            .cloned()
            .unwrap_or_else(|| self.root_provider(&None))
    }
}

#[derive(Clone, Debug)]
pub struct OutputValue {
    pub value: Value,
    pub sensitive: bool,
    pub description: Option<String>,
}

/// Walks the whole configuration.
pub fn walk(config: &Config, options: &WalkOptions, hooks: &mut dyn Hooks) -> WalkResult {
    let (graph, mut graph_diags) = ConfigGraph::build(config);
    let catalog = hooks.catalog();
    graph_diags.extend(graph.ephemeral_misuse(&|mode, type_, name| {
        catalog
            .schema(mode, type_)
            .and_then(|s| s.attribute(name))
            .is_some_and(|a| a.write_only)
    }));
    let mut w = Walker {
        options,
        hooks,
        g: &graph,
        diags: Diagnostics::default(),
        root_dir: config.root.dir.clone(),
        insts: Vec::new(),
        by_module: vec![Vec::new(); graph.modules.len()],
        provider_values: HashMap::new(),
        unknown_regions: HashMap::new(),
        provider_reported: HashSet::new(),
        providers_seen: Vec::new(),
        resource_providers: BTreeMap::new(),
        root_variables: BTreeMap::new(),
        root_outputs: BTreeMap::new(),
    };
    w.new_instance(0, ModuleInstance::root(), None, None, Slot::Root);
    let mut root_inputs = if options.validate {
        BTreeMap::new()
    } else {
        w.root_inputs(&config.root)
    };
    for &ix in &graph.order {
        let module = graph.graph[ix].module;
        for i in w.by_module[module].clone() {
            w.visit(ix, i, &mut root_inputs);
        }
    }
    let root_scope = std::mem::take(&mut w.insts[0].scope.roots);
    let mut diags = Diagnostics(graph_diags);
    diags
        .0
        .extend(merge_undeclared(w.diags.0, &graph.undeclared));
    dedup(&mut diags);
    let mut providers = w.providers_seen;
    providers.sort();
    providers.dedup();
    WalkResult {
        root_outputs: w.root_outputs,
        root_variables: w.root_variables,
        providers,
        resource_providers: w.resource_providers,
        diags,
        root_scope,
    }
}

/// The evaluation's diagnostics with the graph's undeclared references merged in: an
/// evaluation error inside an undeclared reference is that same problem, said in its place by
/// the graph's diagnostic; references never evaluated (no instances, `try()`, the branch not
/// taken) are reported after the rest.
fn merge_undeclared(
    evaluated: Vec<Diagnostic>,
    undeclared: &[(Diagnostic, Span)],
) -> Vec<Diagnostic> {
    let within = |d: &Diagnostic, r: &Span| {
        d.span
            .is_some_and(|s| s.file == r.file && r.start <= s.start && s.end <= r.end)
    };
    let mut out: Vec<Diagnostic> = Vec::with_capacity(evaluated.len());
    let mut placed = vec![false; undeclared.len()];
    for d in evaluated {
        match undeclared.iter().position(|(_, r)| within(&d, r)) {
            Some(k) if !placed[k] => {
                placed[k] = true;
                out.push(undeclared[k].0.clone());
            }
            Some(_) => {}
            None => out.push(d),
        }
    }
    for (k, (d, _)) in undeclared.iter().enumerate() {
        if !placed[k] {
            out.push(d.clone());
        }
    }
    out
}

fn dedup(diags: &mut Diagnostics) {
    let mut seen = BTreeSet::new();
    diags.0.retain(|d| {
        let key = (
            d.summary.clone(),
            d.span.map(|s| (s.file, s.start, s.end)),
            d.detail.clone(),
        );
        seen.insert(key)
    });
}

/// Where a module instance's outputs go in its caller's `module.NAME` value.
#[derive(Clone, Debug)]
enum Slot {
    Root,
    /// `module.NAME.out` (no count or for_each).
    Single,
    /// `module.NAME[i].out`.
    Index(usize),
    /// `module.NAME["k"].out`.
    Key(String),
    /// The caller sees `module.NAME` as unknown (validate: instances not expanded).
    Hidden,
}

/// One module instance while it is walked.
struct Inst {
    path: ModuleInstance,
    module: ModuleId,
    parent: Option<usize>,
    /// The `count`/`each` binding of this instance, for its call's input expressions.
    bind: Option<(String, Value)>,
    slot: Slot,
    scope: Scope,
    /// Resources each evaluated node of this instance depends on.
    deps: HashMap<NodeIndex, BTreeSet<AbsResource>>,
}

/// A module instance's values while it is walked.
#[derive(Default)]
struct Scope {
    roots: Map,
}

impl super::expr::Scope for Scope {
    fn root(&self, name: &str) -> Option<&Value> {
        self.roots.get(name)
    }
}

fn map_mut<'m>(roots: &'m mut Map, key: &str) -> &'m mut Map {
    let entry = roots
        .entry(key.to_string())
        .or_insert_with(|| Value::Map(Map::new()));
    if !matches!(entry, Value::Map(_)) {
        *entry = Value::Map(Map::new());
    }
    match entry {
        Value::Map(m) => m,
        _ => unreachable!("just replaced by a map"),
    }
}

/// One instance key with the name it binds (`count` or `each`) and that name's value.
type Expanded = (InstanceKey, Option<(String, Value)>);

/// A root input: its value and where it was written.
type RootInput = (Value, Option<Span>);

struct Walker<'a, 'c> {
    options: &'a WalkOptions,
    hooks: &'a mut dyn Hooks,
    g: &'a ConfigGraph<'c>,
    diags: Diagnostics,
    root_dir: PathBuf,
    insts: Vec<Inst>,
    /// Instances of each module path, in creation order.
    by_module: Vec<Vec<usize>>,
    /// Evaluated provider blocks by (module, alias).
    provider_values: HashMap<(ModuleId, Option<String>), ProviderSettings>,
    /// Provider blocks whose region is not known yet: where the region is written.
    unknown_regions: HashMap<(ModuleId, Option<String>), Span>,
    /// Provider configurations already reported as unusable (reported once, not per use).
    provider_reported: HashSet<String>,
    providers_seen: Vec<ProviderSettings>,
    resource_providers: BTreeMap<AbsResource, ProviderSettings>,
    root_variables: BTreeMap<String, Value>,
    root_outputs: BTreeMap<String, OutputValue>,
}

impl Walker<'_, '_> {
    fn new_instance(
        &mut self,
        module: ModuleId,
        path: ModuleInstance,
        parent: Option<usize>,
        bind: Option<(String, Value)>,
        slot: Slot,
    ) -> usize {
        let scope = self.initial_scope(module);
        let i = self.insts.len();
        self.insts.push(Inst {
            path,
            module,
            parent,
            bind,
            slot,
            scope,
            deps: HashMap::new(),
        });
        self.by_module[module].push(i);
        i
    }

    fn initial_scope(&self, m: ModuleId) -> Scope {
        let module = self.g.modules[m].module;
        let mut scope = Scope::default();
        scope.roots.insert(
            "path".into(),
            Value::Map(Map::from([
                (
                    "module".to_string(),
                    Value::String(display_dir(&module.dir, &self.root_dir)),
                ),
                ("root".to_string(), Value::String(".".into())),
                (
                    "cwd".to_string(),
                    Value::String(self.options.cwd.to_string_lossy().to_string()),
                ),
            ])),
        );
        scope.roots.insert(
            "terraform".into(),
            Value::Map(Map::from([(
                "workspace".to_string(),
                Value::String(self.options.workspace.clone()),
            )])),
        );
        for key in ["var", "local", "module", "data"] {
            scope.roots.insert(key.into(), Value::Map(Map::new()));
        }
        // Every declared name is in scope from the start (replaced by its value when its node
        // is walked), so an error names a declared object as such.
        for name in module.variables.keys() {
            map_mut(&mut scope.roots, "var").insert(name.clone(), Value::Unknown);
        }
        for name in module.locals.keys() {
            map_mut(&mut scope.roots, "local").insert(name.clone(), Value::Unknown);
        }
        for name in module.module_calls.keys() {
            map_mut(&mut scope.roots, "module").insert(name.clone(), Value::Unknown);
        }
        for r in module.resources.values() {
            insert_resource_value(&mut scope, r, Value::Unknown);
        }
        scope
    }

    fn visit(&mut self, ix: NodeIndex, i: usize, root_inputs: &mut BTreeMap<String, RootInput>) {
        let m = self.insts[i].module;
        let module = self.g.modules[m].module;
        let deps = self.deps_for(ix, i);
        let mut scope = std::mem::take(&mut self.insts[i].scope);
        match self.g.graph[ix].node.clone() {
            Node::Variable(name) => {
                let var = &module.variables[&name];
                let input = if m == 0 {
                    root_inputs.remove(&name)
                } else {
                    self.module_input(i, &name)
                };
                let value = self.variable(var, input, &scope, module, m == 0);
                if m == 0 {
                    self.root_variables.insert(name.clone(), value.clone());
                }
                map_mut(&mut scope.roots, "var").insert(name, value);
            }
            Node::Local(name) => {
                let local = &module.locals[&name];
                let value = match eval_expr(&scope, &local.expr, &module.dir, &[]) {
                    Ok(v) => v,
                    Err(d) => {
                        self.diags.push(d);
                        Value::Unknown
                    }
                };
                map_mut(&mut scope.roots, "local").insert(name, value);
            }
            Node::Provider(alias) => {
                if let Some(p) = module.providers.iter().find(|p| p.alias == alias) {
                    let module_path = self.insts[i].path.to_string();
                    let (settings, unknown_region) = self.provider(p, &scope, module, module_path);
                    if let Some(span) = unknown_region {
                        self.unknown_regions.insert((m, alias.clone()), span);
                    }
                    self.providers_seen.push(settings.clone());
                    self.provider_values.insert((m, alias), settings);
                }
            }
            Node::Resource(key) => {
                let r = &module.resources[&key];
                self.resource(r, m, i, &mut scope, &deps);
            }
            Node::ModuleCall(name) => {
                let call = &module.module_calls[&name];
                self.module_call(call, m, i, &mut scope);
            }
            Node::Output(name) => {
                let o = &module.outputs[&name];
                for d in &o.depends_on {
                    self.check_depends_on(d);
                }
                let value = match eval_expr(&scope, &o.value, &module.dir, &[]) {
                    Ok(v) => v,
                    Err(d) => {
                        self.diags.push(d);
                        Value::Unknown
                    }
                };
                if m == 0 && value.contains_sensitive() && !o.sensitive {
                    self.diags.push(
                        Diagnostic::error("Output refers to sensitive values")
                            .at(o.value.span())
                            .detail(format!("output \"{name}\" would show a sensitive value"))
                            .help("add `sensitive = true` to the output, or wrap the value in nonsensitive() if you are sure it is safe"),
                    );
                }
                let value = value.mark_if(o.sensitive);
                if m == 0 {
                    self.root_outputs.insert(
                        name,
                        OutputValue {
                            value,
                            sensitive: o.sensitive,
                            description: o.description.clone(),
                        },
                    );
                } else {
                    self.write_output(i, &name, value);
                }
            }
        }
        self.insts[i].scope = scope;
        self.insts[i].deps.insert(ix, deps);
    }

    /// The resources node `ix` of instance `i` depends on: a resource it refers to, or what
    /// the variable, local, output, provider or module call it refers to depends on — in this
    /// module instance, in the caller (module inputs) or in the instances of a called module
    /// (its outputs, or all of it for `depends_on`).
    fn deps_for(&self, ix: NodeIndex, i: usize) -> BTreeSet<AbsResource> {
        let mut out = BTreeSet::new();
        for dep in self.g.dependencies(ix) {
            let dn = &self.g.graph[dep];
            for j in self.related(i, dn.module) {
                match &dn.node {
                    Node::Resource(key) => {
                        if let Some(r) = self.g.modules[dn.module].module.resources.get(key) {
                            out.insert(AbsResource {
                                module: self.insts[j].path.clone(),
                                resource: ResourceAddr {
                                    mode: r.mode,
                                    type_: r.type_.clone(),
                                    name: r.name.clone(),
                                },
                            });
                        }
                    }
                    _ => {
                        if let Some(d) = self.insts[j].deps.get(&dep) {
                            out.extend(d.iter().cloned());
                        }
                    }
                }
            }
        }
        out
    }

    /// The instances of module `q` that instance `i` sees: itself, its ancestor in `q`, its
    /// descendants in `q`, or (`q` beside it) the instances of `q` its callers see.
    fn related(&self, i: usize, q: ModuleId) -> Vec<usize> {
        let m = self.insts[i].module;
        if q == m {
            return vec![i];
        }
        if self.g.is_ancestor(q, m) {
            let mut j = i;
            while self.insts[j].module != q {
                match self.insts[j].parent {
                    Some(p) => j = p,
                    None => return Vec::new(),
                }
            }
            return vec![j];
        }
        if self.g.is_ancestor(m, q) {
            return self.descendants_in(q, i);
        }
        // A sibling or a cousin (a module input passes another call's output): the instances of
        // `q` under the nearest instance that holds both.
        let mut j = i;
        while let Some(p) = self.insts[j].parent {
            j = p;
            if self.g.is_ancestor(self.insts[j].module, q) {
                return self.descendants_in(q, j);
            }
        }
        Vec::new()
    }

    /// The instances of module `q` below instance `i`.
    fn descendants_in(&self, q: ModuleId, i: usize) -> Vec<usize> {
        self.by_module[q]
            .iter()
            .copied()
            .filter(|&j| self.descends_from(j, i))
            .collect()
    }

    fn descends_from(&self, mut j: usize, i: usize) -> bool {
        loop {
            if j == i {
                return true;
            }
            match self.insts[j].parent {
                Some(p) => j = p,
                None => return false,
            }
        }
    }

    /// A module variable's value: its call's argument, evaluated in the calling instance
    /// with that instance's `count`/`each`.
    fn module_input(&mut self, i: usize, name: &str) -> Option<RootInput> {
        let inst = &self.insts[i];
        let parent = inst.parent?;
        let call = self.g.modules[inst.module].call?;
        let attr = call.inputs.get(name)?;
        let caller_dir = &self.g.modules[self.insts[parent].module].module.dir;
        let bound: Vec<(&str, &Value)> = inst
            .bind
            .as_ref()
            .map(|(n, v)| vec![(n.as_str(), v)])
            .unwrap_or_default();
        let result = eval_expr(&self.insts[parent].scope, &attr.expr, caller_dir, &bound);
        Some(match result {
            Ok(v) => (v, Some(attr.expr.span())),
            Err(d) => {
                self.diags.push(d);
                (Value::Unknown, None)
            }
        })
    }

    /// Puts an output of instance `i` where its caller reads it.
    fn write_output(&mut self, i: usize, name: &str, value: Value) {
        let (Some(parent), Some((call, _))) = (self.insts[i].parent, self.insts[i].path.0.last())
        else {
            return;
        };
        let call = call.clone();
        let slot = self.insts[i].slot.clone();
        let module = map_mut(&mut self.insts[parent].scope.roots, "module");
        let Some(entry) = module.get_mut(&call) else {
            return;
        };
        let target = match (slot, entry) {
            (Slot::Single, Value::Map(m)) => m,
            (Slot::Index(k), Value::List(items)) => match items.get_mut(k) {
                Some(Value::Map(m)) => m,
                _ => return,
            },
            (Slot::Key(k), Value::Map(map)) => match map.get_mut(&k) {
                Some(Value::Map(m)) => m,
                _ => return,
            },
            _ => return,
        };
        target.insert(name.to_string(), value);
    }
}

fn insert_resource_value(scope: &mut Scope, r: &Resource, value: Value) {
    match r.mode {
        crate::config::Mode::Managed => {
            map_mut(&mut scope.roots, &r.type_).insert(r.name.clone(), value);
        }
        crate::config::Mode::Data => {
            let data = map_mut(&mut scope.roots, "data");
            let entry = data
                .entry(r.type_.clone())
                .or_insert_with(|| Value::Map(Map::new()));
            if let Value::Map(m) = entry {
                m.insert(r.name.clone(), value);
            }
        }
    }
}

fn display_dir(dir: &Path, root: &Path) -> String {
    match dir.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.to_string_lossy().to_string(),
        Err(_) => dir.to_string_lossy().to_string(),
    }
}
