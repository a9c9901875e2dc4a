//! The evaluation walk: every module instance's blocks in dependency order, count and for_each
//! expanded into instances, module calls recursed into.
//!
//! The walk knows nothing about AWS or state. What a resource instance "is" for the references
//! that follow it is asked of a [`Hooks`] implementation: `validate` answers with the config
//! plus unknown computed attributes, `plan` with the planned new state.
#![allow(clippy::result_large_err)]

use super::body::{eval_expr, BodyEval};
use super::value::{Map, Value};
use crate::addr::{AbsResource, InstanceAddr, InstanceKey, ModuleInstance, ResourceAddr};
use crate::config::{Config, Expr, Mode, Module, Resource};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::graph::{ModuleGraph, Node};
use crate::provider::ProviderSettings;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
}

pub trait Hooks {
    /// A managed resource instance: returns the object that references to it see.
    fn managed(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic>;
    /// A data source instance: returns its read result (unknown when its config is unknown).
    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic>;
    /// A resource declared in config whose instances are now known (also when there are none).
    fn expanded(&mut self, _resource: &AbsResource, _keys: &[InstanceKey]) {}
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
    /// `validate`: variables without a value are unknown instead of an error.
    pub missing_vars_unknown: bool,
    pub cwd: PathBuf,
}

pub struct WalkResult {
    pub root_outputs: BTreeMap<String, OutputValue>,
    /// The root module's variables after conversion (sensitive ones marked).
    pub root_variables: BTreeMap<String, Value>,
    pub providers: Vec<ProviderSettings>,
    pub diags: Diagnostics,
    /// The root module's names (`var`, `local`, `path`, `terraform`, resources) after the walk:
    /// what root-only blocks such as `import` are evaluated in.
    pub root_scope: Map,
}

#[derive(Clone, Debug)]
pub struct OutputValue {
    pub value: Value,
    pub sensitive: bool,
    pub description: Option<String>,
}

/// Walks the whole configuration.
pub fn walk(config: &Config, options: &WalkOptions, hooks: &mut dyn Hooks) -> WalkResult {
    let mut w = Walker {
        options,
        hooks,
        diags: Diagnostics::default(),
        graphs: HashMap::new(),
        cycle_reported: BTreeSet::new(),
        root_dir: config.root.dir.clone(),
        providers_seen: Vec::new(),
        root_variables: BTreeMap::new(),
        root_scope: Map::new(),
    };
    let inputs = w.root_inputs(&config.root);
    let default_region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_default();
    let mut parent_providers = BTreeMap::new();
    parent_providers.insert(
        None,
        ProviderSettings {
            region: default_region,
            ..ProviderSettings::default()
        },
    );
    let out = w.module(
        &config.root,
        &ModuleInstance::root(),
        inputs,
        &BTreeSet::new(),
        parent_providers,
        true,
    );
    let mut diags = w.diags;
    dedup(&mut diags);
    let mut providers = w.providers_seen;
    providers.sort();
    providers.dedup();
    WalkResult {
        root_outputs: out.outputs,
        root_variables: w.root_variables,
        providers,
        diags,
        root_scope: w.root_scope,
    }
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

struct Walker<'a> {
    options: &'a WalkOptions,
    hooks: &'a mut dyn Hooks,
    diags: Diagnostics,
    graphs: HashMap<*const Module, Arc<ModuleGraph>>,
    /// Modules whose cycle diagnostics have been reported (a module called N times reports once).
    cycle_reported: BTreeSet<*const Module>,
    root_dir: PathBuf,
    providers_seen: Vec<ProviderSettings>,
    root_variables: BTreeMap<String, Value>,
    root_scope: Map,
}

/// One instance key with the name it binds (`count` or `each`) and that name's value.
type Expanded = (InstanceKey, Option<(String, Value)>);

struct ModuleOut {
    outputs: BTreeMap<String, OutputValue>,
    /// Resources each output depends on.
    output_deps: BTreeMap<String, BTreeSet<AbsResource>>,
}

/// A module instance's values while it is walked.
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

impl Walker<'_> {
    fn graph(&mut self, module: &Module) -> Arc<ModuleGraph> {
        let key = module as *const Module;
        if let Some(g) = self.graphs.get(&key) {
            return g.clone();
        }
        let (g, diags) = ModuleGraph::build(module);
        if self.cycle_reported.insert(key) {
            for d in diags {
                self.diags.push(d);
            }
        }
        let g = Arc::new(g);
        self.graphs.insert(key, g.clone());
        g
    }

    /// Root variable inputs, converted later against each variable's type.
    fn root_inputs(
        &mut self,
        root: &Module,
    ) -> BTreeMap<String, (Value, Option<Span>, BTreeSet<AbsResource>)> {
        let mut out = BTreeMap::new();
        let empty = Scope { roots: Map::new() };
        for (name, raw) in &self.options.inputs {
            let Some(var) = root.variables.get(name) else {
                continue;
            };
            let value = match raw {
                RawInput::Expr(expr) => match eval_expr(&empty, expr, &root.dir, &[]) {
                    Ok(v) => (v, Some(expr.span())),
                    Err(d) => {
                        self.diags.push(d);
                        continue;
                    }
                },
                RawInput::Text { text, source } => {
                    let is_string = var.type_.as_ref().is_none_or(|t| t.is_string());
                    if is_string {
                        (Value::String(text.clone()), None)
                    } else {
                        match crate::config::parse_expression(text) {
                            Ok(expr) => {
                                let expr = Expr {
                                    file: crate::diag::FileId(u32::MAX),
                                    expr,
                                };
                                match eval_expr(&empty, &expr, &root.dir, &[]) {
                                    Ok(v) => (v, None),
                                    Err(d) => {
                                        self.diags.push(
                                            Diagnostic::error(format!("Invalid value for variable \"{name}\" from {source}"))
                                                .detail(d.summary)
                                                .help("give a literal value, like [\"a\", \"b\"] or { key = \"value\" }"),
                                        );
                                        continue;
                                    }
                                }
                            }
                            Err(msg) => {
                                self.diags.push(
                                    Diagnostic::error(format!("Invalid value for variable \"{name}\" from {source}"))
                                        .detail(msg)
                                        .help(format!(
                                            "variable \"{name}\" has type {}: write the value in HCL syntax",
                                            var.type_.as_ref().map(|t| t.to_string()).unwrap_or_default()
                                        )),
                                );
                                continue;
                            }
                        }
                    }
                }
            };
            out.insert(name.clone(), (value.0, value.1, BTreeSet::new()));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn module(
        &mut self,
        module: &Module,
        path: &ModuleInstance,
        inputs: BTreeMap<String, (Value, Option<Span>, BTreeSet<AbsResource>)>,
        inherited: &BTreeSet<AbsResource>,
        providers: BTreeMap<Option<String>, ProviderSettings>,
        is_root: bool,
    ) -> ModuleOut {
        let graph = self.graph(module);
        let mut scope = Scope { roots: Map::new() };
        let module_path = display_dir(&module.dir, &self.root_dir);
        scope.roots.insert(
            "path".into(),
            Value::Map(Map::from([
                ("module".to_string(), Value::String(module_path)),
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
        // is walked). A reference to an undeclared name makes no graph edge, so its node may be
        // walked before the declared ones: without these placeholders the error would call a
        // declared resource type an undeclared name and miss the "did you mean" for a typo.
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
            self.insert_resource_value(&mut scope, r, Value::Unknown);
        }
        let mut providers = providers;
        let mut deps: HashMap<petgraph::graph::NodeIndex, BTreeSet<AbsResource>> = HashMap::new();
        let mut out = ModuleOut {
            outputs: BTreeMap::new(),
            output_deps: BTreeMap::new(),
        };
        let mut inputs = inputs;
        let mut module_output_deps: HashMap<String, BTreeSet<AbsResource>> = HashMap::new();
        if graph.order.is_empty() && graph.graph.node_count() > 0 {
            // A cycle: already reported; nothing here can be evaluated in order.
            return out;
        }
        for &ix in &graph.order {
            let node = graph.graph[ix].clone();
            // Resources this node depends on, through the nodes it refers to.
            let mut node_deps: BTreeSet<AbsResource> = inherited.clone();
            for dep in graph.dependencies(ix) {
                match &graph.graph[dep] {
                    Node::Resource(key) => {
                        if let Some(r) = module.resources.get(key) {
                            node_deps.insert(AbsResource {
                                module: path.clone(),
                                resource: ResourceAddr {
                                    mode: r.mode,
                                    type_: r.type_.clone(),
                                    name: r.name.clone(),
                                },
                            });
                        }
                    }
                    Node::ModuleCall(name) => {
                        if let Some(d) = module_output_deps.get(name) {
                            node_deps.extend(d.iter().cloned());
                        }
                    }
                    _ => {
                        if let Some(d) = deps.get(&dep) {
                            node_deps.extend(d.iter().cloned());
                        }
                    }
                }
            }
            match &node {
                Node::Variable(name) => {
                    let var = &module.variables[name];
                    let input = inputs.remove(name);
                    if let Some((_, _, d)) = &input {
                        node_deps.extend(d.iter().cloned());
                    }
                    let value =
                        self.variable(var, input.map(|(v, s, _)| (v, s)), &scope, module, is_root);
                    if is_root {
                        self.root_variables.insert(name.clone(), value.clone());
                    }
                    map_mut(&mut scope.roots, "var").insert(name.clone(), value);
                }
                Node::Local(name) => {
                    let local = &module.locals[name];
                    let value = match eval_expr(&scope, &local.expr, &module.dir, &[]) {
                        Ok(v) => v,
                        Err(d) => {
                            self.diags.push(d);
                            Value::Unknown
                        }
                    };
                    map_mut(&mut scope.roots, "local").insert(name.clone(), value);
                }
                Node::Provider(alias) => {
                    if let Some(p) = module.providers.iter().find(|p| &p.alias == alias) {
                        let settings = self.provider(p, &scope, module);
                        self.providers_seen.push(settings.clone());
                        providers.insert(alias.clone(), settings);
                    }
                }
                Node::Resource(key) => {
                    let r = &module.resources[key];
                    self.resource(r, module, path, &mut scope, &node_deps, &providers);
                }
                Node::ModuleCall(name) => {
                    let call = &module.module_calls[name];
                    let d =
                        self.module_call(call, module, path, &mut scope, &node_deps, &providers);
                    module_output_deps.insert(name.clone(), d);
                }
                Node::Output(name) => {
                    let o = &module.outputs[name];
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
                    if value.contains_sensitive() && !o.sensitive && is_root {
                        self.diags.push(
                            Diagnostic::error("Output refers to sensitive values")
                                .at(o.value.span())
                                .detail(format!("output \"{name}\" would show a sensitive value"))
                                .help("add `sensitive = true` to the output, or wrap the value in nonsensitive() if you are sure it is safe"),
                        );
                    }
                    let value = if o.sensitive {
                        value.sensitive()
                    } else {
                        value
                    };
                    out.output_deps.insert(name.clone(), node_deps.clone());
                    out.outputs.insert(
                        name.clone(),
                        OutputValue {
                            value,
                            sensitive: o.sensitive,
                            description: o.description.clone(),
                        },
                    );
                }
            }
            deps.insert(ix, node_deps);
        }
        if is_root {
            self.root_scope = scope.roots;
        }
        out
    }

    fn variable(
        &mut self,
        var: &crate::config::Variable,
        input: Option<(Value, Option<Span>)>,
        scope: &Scope,
        module: &Module,
        is_root: bool,
    ) -> Value {
        let empty = Scope { roots: Map::new() };
        let (value, span) = match input {
            Some((v, s)) => (v, s),
            None => match &var.default {
                Some(d) => match eval_expr(&empty, d, &module.dir, &[]) {
                    Ok(v) => (v, Some(d.span())),
                    Err(e) => {
                        self.diags.push(e);
                        (Value::Unknown, None)
                    }
                },
                None => {
                    if is_root && self.options.missing_vars_unknown {
                        (Value::Unknown, None)
                    } else if is_root {
                        self.diags.push(
                            Diagnostic::error(format!("No value for required variable \"{}\"", var.name))
                                .at(var.span)
                                .help(format!(
                                    "set it with --var {}=VALUE, in terraform.tfvars, or with the environment variable STRATA_VAR_{}",
                                    var.name, var.name
                                )),
                        );
                        (Value::Unknown, None)
                    } else {
                        // A missing module input is reported at the module call.
                        (Value::Unknown, None)
                    }
                }
            },
        };
        let value = if value.is_null() && !var.nullable {
            match &var.default {
                Some(d) => eval_expr(&empty, d, &module.dir, &[]).unwrap_or(Value::Null),
                None => {
                    self.diags.push(
                        Diagnostic::error(format!("Variable \"{}\" must not be null", var.name))
                            .at_opt(span.or(Some(var.span)))
                            .help(
                                "give it a value; the variable is declared with nullable = false",
                            ),
                    );
                    Value::Unknown
                }
            }
        } else {
            value
        };
        let value = match &var.type_ {
            Some(t) => match t.convert(value) {
                Ok(v) => v,
                Err(msg) => {
                    self.diags.push(
                        Diagnostic::error(format!("Invalid value for variable \"{}\"", var.name))
                            .at_opt(span.or(Some(var.span)))
                            .detail(msg)
                            .help(format!("the variable's type is {t}")),
                    );
                    Value::Unknown
                }
            },
            None => value,
        };
        let value = if var.sensitive {
            value.sensitive()
        } else {
            value
        };
        // Validation conditions see only this variable.
        let mut roots = scope.roots.clone();
        map_mut(&mut roots, "var").insert(var.name.clone(), value.clone());
        let vscope = Scope { roots };
        for v in &var.validations {
            match eval_expr(&vscope, &v.condition, &module.dir, &[]) {
                Ok(c) => match c.unmarked() {
                    Value::Bool(true) | Value::Unknown => {}
                    Value::Bool(false) => {
                        let message = eval_expr(&vscope, &v.error_message, &module.dir, &[])
                            .ok()
                            .and_then(|m| {
                                if m.is_sensitive() {
                                    Some(
                                        "(the error message refers to a sensitive value)"
                                            .to_string(),
                                    )
                                } else {
                                    m.as_str().map(str::to_string)
                                }
                            })
                            .unwrap_or_else(|| "validation failed".into());
                        self.diags.push(
                            Diagnostic::error(format!(
                                "Invalid value for variable \"{}\"",
                                var.name
                            ))
                            .at_opt(span.or(Some(v.condition.span())))
                            .detail(message)
                            .label(v.condition.span(), "this validation rule failed")
                            .help("change the value so the condition holds"),
                        );
                    }
                    other => self.diags.push(
                        Diagnostic::error("Invalid validation condition")
                            .at(v.condition.span())
                            .detail(format!(
                                "the condition must be a bool, got {}",
                                other.type_name()
                            ))
                            .help("write a condition that yields true or false"),
                    ),
                },
                Err(d) => self.diags.push(d),
            }
        }
        value
    }

    fn provider(
        &mut self,
        p: &crate::config::ProviderConfig,
        scope: &Scope,
        module: &Module,
    ) -> ProviderSettings {
        const KNOWN_IGNORED: &[&str] = &[
            "access_key",
            "secret_key",
            "token",
            "profile",
            "shared_config_files",
            "shared_credentials_files",
            "skip_credentials_validation",
            "skip_metadata_api_check",
            "skip_region_validation",
            "skip_requesting_account_id",
            "max_retries",
            "retry_mode",
            "s3_use_path_style",
            "allowed_account_ids",
            "forbidden_account_ids",
            "version",
        ];
        let mut settings = ProviderSettings {
            alias: p.alias.clone(),
            region: std::env::var("AWS_REGION")
                .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                .unwrap_or_default(),
            ..ProviderSettings::default()
        };
        for attr in p.body.attrs.values() {
            match attr.name.as_str() {
                "alias" => {}
                "region" => match eval_expr(scope, &attr.expr, &module.dir, &[]) {
                    Ok(v) => match v.as_str() {
                        Some(s) => settings.region = s.to_string(),
                        None if !v.is_known() => {}
                        None => self.diags.push(
                            Diagnostic::error("The provider's region must be a string")
                                .at(attr.expr.span())
                                .help("write region = \"us-east-1\""),
                        ),
                    },
                    Err(d) => self.diags.push(d),
                },
                name if KNOWN_IGNORED.contains(&name) => {}
                name => {
                    let mut names = vec!["region", "alias"];
                    names.extend(KNOWN_IGNORED);
                    let mut d =
                        Diagnostic::error(format!("Unsupported provider argument \"{name}\""))
                            .at(attr.name_span);
                    d = match did_you_mean(name, names.iter().copied()) {
                        Some(s) => d.help(format!("did you mean \"{s}\"?")),
                        None => d.help("strata's aws provider takes region, alias, default_tags {} and endpoints {}"),
                    };
                    self.diags.push(d);
                }
            }
        }
        for block in &p.body.blocks {
            match block.kind.as_str() {
                "default_tags" => {
                    if let Some(tags) = block.body.attr("tags") {
                        match eval_expr(scope, &tags.expr, &module.dir, &[]) {
                            Ok(v) => {
                                if let Some(m) = v.as_map() {
                                    for (k, v) in m {
                                        if let Some(s) = v.to_template_string() {
                                            settings.default_tags.insert(k.clone(), s);
                                        }
                                    }
                                }
                            }
                            Err(d) => self.diags.push(d),
                        }
                    }
                }
                "endpoints" => {
                    for attr in block.body.attrs.values() {
                        match eval_expr(scope, &attr.expr, &module.dir, &[]) {
                            Ok(v) => {
                                if let Some(s) = v.as_str() {
                                    settings.endpoints.insert(attr.name.clone(), s.to_string());
                                }
                            }
                            Err(d) => self.diags.push(d),
                        }
                    }
                }
                "assume_role" | "ignore_tags" => {}
                other => self.diags.push(
                    Diagnostic::error(format!("Unsupported block \"{other}\" in the aws provider"))
                        .at(block.span)
                        .help("strata's aws provider takes default_tags {} and endpoints {}"),
                ),
            }
        }
        settings
    }

    fn check_depends_on(&mut self, expr: &Expr) {
        let ok = match &expr.expr {
            hcl_edit::expr::Expression::Traversal(_) => {
                crate::config::refs::static_path(&expr.expr).is_some()
            }
            _ => false,
        };
        if !ok {
            self.diags.push(
                Diagnostic::error("Invalid depends_on reference")
                    .at(expr.span())
                    .help("depends_on takes references to resources or modules, like aws_security_group.web or module.db"),
            );
        }
    }

    /// Evaluates count / for_each into instance keys with their `count`/`each` bindings.
    #[allow(clippy::type_complexity)]
    fn expansion(
        &mut self,
        count: Option<&Expr>,
        for_each: Option<&Expr>,
        scope: &Scope,
        dir: &Path,
    ) -> Option<Vec<Expanded>> {
        if let Some(count) = count {
            let v = match eval_expr(scope, count, dir, &[]) {
                Ok(v) => v,
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            };
            if !v.is_known() && self.options.missing_vars_unknown {
                // validate: check the body once for an unknown number of instances.
                let bind = Value::Map(Map::from([("index".to_string(), Value::Unknown)]));
                return Some(vec![(InstanceKey::None, Some(("count".to_string(), bind)))]);
            }
            if !v.is_known() {
                self.diags.push(
                    Diagnostic::error("Invalid count argument")
                        .at(count.span())
                        .detail("the count value depends on values known only after apply")
                        .help("base count on variables or locals, not on attributes of resources yet to be created"),
                );
                return None;
            }
            let n = match v.unmarked() {
                Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= 100_000.0 => *n as i64,
                Value::Null => 0,
                other => {
                    self.diags.push(
                        Diagnostic::error("Invalid count argument")
                            .at(count.span())
                            .detail(format!(
                                "count must be a whole number between 0 and 100000, got {other}"
                            ))
                            .help("give count a non-negative whole number"),
                    );
                    return None;
                }
            };
            return Some(
                (0..n)
                    .map(|i| {
                        let bind =
                            Value::Map(Map::from([("index".to_string(), Value::Number(i as f64))]));
                        (InstanceKey::Int(i), Some(("count".to_string(), bind)))
                    })
                    .collect(),
            );
        }
        if let Some(for_each) = for_each {
            // A tuple (`["a", "b"]`, `[for ...]`) is not a set: Terraform rejects it, and
            // silently deduplicating it would hide a mistake. Values do not record whether a
            // list is a set, so catch the literal forms here.
            let tuple = match &for_each.expr {
                hcl_edit::expr::Expression::Array(_) => true,
                hcl_edit::expr::Expression::ForExpr(f) => f.key_expr.is_none(),
                _ => false,
            };
            if tuple {
                self.diags.push(
                    Diagnostic::error("Invalid for_each argument")
                        .at(for_each.span())
                        .detail("for_each needs a map or a set of strings, and this is a tuple")
                        .help("convert it with toset([...]), or build a map with { for ... : k => v }"),
                );
                return None;
            }
            let v = match eval_expr(scope, for_each, dir, &[]) {
                Ok(v) => v,
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            };
            if v.is_sensitive() {
                self.diags.push(
                    Diagnostic::error("Invalid for_each argument")
                        .at(for_each.span())
                        .detail("sensitive values cannot be used as for_each arguments: the instance keys would reveal them")
                        .help("use nonsensitive() on keys you know are safe, or iterate over non-sensitive keys"),
                );
                return None;
            }
            if !v.is_wholly_known() && self.options.missing_vars_unknown {
                let bind = Value::Map(Map::from([
                    ("key".to_string(), Value::Unknown),
                    ("value".to_string(), Value::Unknown),
                ]));
                return Some(vec![(InstanceKey::None, Some(("each".to_string(), bind)))]);
            }
            let pairs: Vec<(String, Value)> = match v {
                Value::Unknown => {
                    self.diags.push(
                        Diagnostic::error("Invalid for_each argument")
                            .at(for_each.span())
                            .detail("the for_each value depends on values known only after apply")
                            .help("base for_each on variables or locals whose keys are known at plan time"),
                    );
                    return None;
                }
                Value::Map(map) => map.into_iter().collect(),
                Value::List(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        match item.unmarked() {
                            Value::String(s) => out.push((s.clone(), item.clone())),
                            Value::Unknown => {
                                self.diags.push(
                                    Diagnostic::error("Invalid for_each argument")
                                        .at(for_each.span())
                                        .detail("the set contains values known only after apply")
                                        .help("for_each keys must be known at plan time"),
                                );
                                return None;
                            }
                            other => {
                                self.diags.push(
                                    Diagnostic::error("Invalid for_each argument")
                                        .at(for_each.span())
                                        .detail(format!(
                                            "a set of strings is required, but an element is {}",
                                            other.type_name()
                                        ))
                                        .help("use a map, or a set of strings (toset([...]))"),
                                );
                                return None;
                            }
                        }
                    }
                    out.sort_by(|a, b| a.0.cmp(&b.0));
                    out.dedup_by(|a, b| a.0 == b.0);
                    out
                }
                Value::Null => {
                    self.diags.push(
                        Diagnostic::error("Invalid for_each argument")
                            .at(for_each.span())
                            .detail("for_each is null")
                            .help("give for_each a map or a set of strings (an empty one for no instances)"),
                    );
                    return None;
                }
                other => {
                    self.diags.push(
                        Diagnostic::error("Invalid for_each argument")
                            .at(for_each.span())
                            .detail(format!(
                                "a map or a set of strings is required, got {}",
                                other.type_name()
                            ))
                            .help("use a map, or a set of strings (toset([...]))"),
                    );
                    return None;
                }
            };
            return Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let bind = Value::Map(Map::from([
                            ("key".to_string(), Value::String(k.clone())),
                            ("value".to_string(), v),
                        ]));
                        (InstanceKey::Str(k), Some(("each".to_string(), bind)))
                    })
                    .collect(),
            );
        }
        Some(vec![(InstanceKey::None, None)])
    }

    fn resource(
        &mut self,
        r: &Resource,
        module: &Module,
        path: &ModuleInstance,
        scope: &mut Scope,
        deps: &BTreeSet<AbsResource>,
        providers: &BTreeMap<Option<String>, ProviderSettings>,
    ) {
        for d in &r.depends_on {
            self.check_depends_on(d);
        }
        let abs = AbsResource {
            module: path.clone(),
            resource: ResourceAddr {
                mode: r.mode,
                type_: r.type_.clone(),
                name: r.name.clone(),
            },
        };
        let schema = match r.mode {
            Mode::Managed => crate::provider::resource_type(&r.type_).map(|t| t.schema()),
            Mode::Data => crate::provider::data_source_type(&r.type_).map(|t| t.schema()),
        };
        let Some(schema) = schema else {
            let mut names: Vec<&str> = match r.mode {
                Mode::Managed => crate::provider::resource_types()
                    .iter()
                    .map(|t| t.type_name())
                    .collect(),
                Mode::Data => crate::provider::data_source_types()
                    .iter()
                    .map(|t| t.type_name())
                    .collect(),
            };
            names.sort_unstable();
            let kind = if r.mode == Mode::Managed {
                "resource"
            } else {
                "data source"
            };
            let mut d = Diagnostic::error(format!("Unsupported {kind} type \"{}\"", r.type_))
                .at(r.type_span)
                .detail(format!(
                    "strata supports these {kind} types: {}",
                    names.join(", ")
                ));
            if let Some(s) = did_you_mean(&r.type_, names.iter().copied()) {
                d = d.help(format!("did you mean \"{s}\"?"));
            } else {
                d = d.help("remove this block or manage it with another tool; strata covers the AWS data tier");
            }
            self.diags.push(d);
            self.insert_resource_value(scope, r, Value::Unknown);
            return;
        };
        let Some(keys) = self.expansion(r.count.as_ref(), r.for_each.as_ref(), scope, &module.dir)
        else {
            self.insert_resource_value(scope, r, Value::Unknown);
            return;
        };
        let provider_alias = r.provider.as_ref().and_then(|p| p.alias.clone());
        // A resource with no instances needs no provider (a module's optional DR copy whose
        // caller passes no DR provider).
        let fallback = ProviderSettings::default();
        let settings = match providers.get(&provider_alias) {
            Some(s) => s,
            None if keys.is_empty() => &fallback,
            None => {
                let p = r.provider.as_ref();
                self.diags.push(
                Diagnostic::error(format!(
                    "Provider configuration not present: {}",
                    p.map(|p| p.to_string()).unwrap_or_else(|| "aws".into())
                ))
                .at_opt(p.map(|p| p.span))
                .help(match &provider_alias {
                    Some(a) => format!("declare provider \"aws\" {{ alias = \"{a}\" }} in the root module and pass it to modules with providers = {{ aws.{a} = aws.{a} }}"),
                    None => "declare provider \"aws\" { region = \"...\" }".to_string(),
                }),
            );
                self.insert_resource_value(scope, r, Value::Unknown);
                return;
            }
        };
        let instance_keys: Vec<InstanceKey> = keys.iter().map(|(k, _)| k.clone()).collect();
        self.hooks.expanded(&abs, &instance_keys);
        let what = format!(
            "{} \"{}\"",
            if r.mode == Mode::Managed {
                "resource"
            } else {
                "data"
            },
            r.type_
        );
        let mut list = Vec::new();
        let mut map = Map::new();
        let mut single = Value::Unknown;
        for (key, bind) in keys {
            let mut diags = Diagnostics::default();
            let bound: Vec<(&str, &Value)> = bind
                .as_ref()
                .map(|(n, v)| vec![(n.as_str(), v)])
                .unwrap_or_default();
            let config = BodyEval {
                scope: &*scope,
                dir: &module.dir,
                what: &what,
            }
            .eval(&r.body, schema, &bound, &mut diags);
            let failed = diags.has_errors();
            self.diags.extend(diags);
            let inst = InstanceConfig {
                addr: abs.instance(key.clone()),
                resource: r,
                config,
                deps: deps.clone(),
                provider: settings,
                module_dir: &module.dir,
            };
            let value = if failed {
                schema.unknown_object()
            } else {
                let result = match r.mode {
                    Mode::Managed => self.hooks.managed(&inst),
                    Mode::Data => self.hooks.data(&inst),
                };
                match result {
                    Ok(v) => v,
                    Err(d) => {
                        self.diags.push(d);
                        schema.unknown_object()
                    }
                }
            };
            match key {
                InstanceKey::None => single = value,
                InstanceKey::Int(_) => list.push(value),
                InstanceKey::Str(k) => {
                    map.insert(k, value);
                }
            }
        }
        let expanded =
            (r.count.is_some() || r.for_each.is_some()) && instance_keys != [InstanceKey::None];
        let value = if !expanded && (r.count.is_some() || r.for_each.is_some()) {
            Value::Unknown
        } else if r.count.is_some() {
            Value::List(list)
        } else if r.for_each.is_some() {
            Value::Map(map)
        } else {
            single
        };
        self.insert_resource_value(scope, r, value);
    }

    fn insert_resource_value(&mut self, scope: &mut Scope, r: &Resource, value: Value) {
        match r.mode {
            Mode::Managed => {
                map_mut(&mut scope.roots, &r.type_).insert(r.name.clone(), value);
            }
            Mode::Data => {
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

    fn module_call(
        &mut self,
        call: &crate::config::ModuleCall,
        module: &Module,
        path: &ModuleInstance,
        scope: &mut Scope,
        deps: &BTreeSet<AbsResource>,
        providers: &BTreeMap<Option<String>, ProviderSettings>,
    ) -> BTreeSet<AbsResource> {
        let child = &call.module;
        // Inputs the child does not declare, and required ones that are missing.
        for (name, attr) in &call.inputs {
            if !child.variables.contains_key(name) {
                let mut d = Diagnostic::error(format!("Unsupported argument \"{name}\""))
                    .at(attr.name_span)
                    .detail(format!(
                        "module \"{}\" has no variable named \"{name}\"",
                        call.name
                    ));
                d = match did_you_mean(name, child.variables.keys().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help(format!("declare variable \"{name}\" in {}", call.source)),
                };
                self.diags.push(d);
            }
        }
        for (name, var) in &child.variables {
            if var.default.is_none() && !call.inputs.contains_key(name) {
                self.diags.push(
                    Diagnostic::error(format!("Missing required argument \"{name}\""))
                        .at(call.span)
                        .detail(format!(
                            "module \"{}\" needs a value for variable \"{name}\"",
                            call.name
                        ))
                        .help(format!("add {name} = ... to the module block")),
                );
            }
        }
        // Providers the child sees: the default one is inherited unless mapped.
        let mut child_providers = BTreeMap::new();
        if let Some(default) = providers.get(&None) {
            child_providers.insert(None, default.clone());
        }
        for (child_name, parent) in &call.providers {
            let child_alias = child_name.strip_prefix("aws.").map(str::to_string);
            match providers.get(&parent.alias) {
                Some(s) => {
                    child_providers.insert(child_alias, s.clone());
                }
                None => self.diags.push(
                    Diagnostic::error(format!("Provider configuration not present: {parent}"))
                        .at(parent.span)
                        .help("declare it in this module with provider \"aws\" { alias = ... }"),
                ),
            }
        }
        let Some(keys) = self.expansion(
            call.count.as_ref(),
            call.for_each.as_ref(),
            scope,
            &module.dir,
        ) else {
            map_mut(&mut scope.roots, "module").insert(call.name.clone(), Value::Unknown);
            return BTreeSet::new();
        };
        let mut inherited = deps.clone();
        let mut all_output_deps = BTreeSet::new();
        for d in &call.depends_on {
            self.check_depends_on(d);
        }
        let mut list = Vec::new();
        let mut map = Map::new();
        let mut single = Value::Unknown;
        // depends_on on a module call makes everything inside wait.
        inherited.extend(deps.iter().cloned());
        for (key, bind) in keys {
            let bound: Vec<(&str, &Value)> = bind
                .as_ref()
                .map(|(n, v)| vec![(n.as_str(), v)])
                .unwrap_or_default();
            let mut inputs = BTreeMap::new();
            for (name, attr) in &call.inputs {
                if !child.variables.contains_key(name) {
                    continue;
                }
                match eval_expr(&*scope, &attr.expr, &module.dir, &bound) {
                    Ok(v) => {
                        inputs.insert(name.clone(), (v, Some(attr.expr.span()), deps.clone()));
                    }
                    Err(d) => {
                        self.diags.push(d);
                        inputs.insert(name.clone(), (Value::Unknown, None, deps.clone()));
                    }
                }
            }
            let child_path = path.child(&call.name, key.clone());
            let out = self.module(
                child,
                &child_path,
                inputs,
                &inherited,
                child_providers.clone(),
                false,
            );
            for d in out.output_deps.values() {
                all_output_deps.extend(d.iter().cloned());
            }
            let outputs = Value::Map(out.outputs.into_iter().map(|(k, o)| (k, o.value)).collect());
            match key {
                InstanceKey::None => single = outputs,
                InstanceKey::Int(_) => list.push(outputs),
                InstanceKey::Str(k) => {
                    map.insert(k, outputs);
                }
            }
        }
        let unknown_expansion = (call.count.is_some() || call.for_each.is_some())
            && list.is_empty()
            && map.is_empty()
            && single != Value::Unknown;
        let value = if unknown_expansion {
            Value::Unknown
        } else if call.count.is_some() {
            Value::List(list)
        } else if call.for_each.is_some() {
            Value::Map(map)
        } else {
            single
        };
        map_mut(&mut scope.roots, "module").insert(call.name.clone(), value);
        all_output_deps
    }
}

fn display_dir(dir: &Path, root: &Path) -> String {
    match dir.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.to_string_lossy().to_string(),
        Err(_) => dir.to_string_lossy().to_string(),
    }
}
