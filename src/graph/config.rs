//! The static graph of a whole configuration, modules flattened into one graph as Terraform
//! builds it: one node per block per module *path* (variables, locals, outputs, resources and
//! data sources, module calls, provider configurations), one edge per reference.
//!
//! A module input depends only on what its expression refers to, and a reference to
//! `module.m.out` only on that output (and on the call's expansion), so two module calls may
//! pass each other's outputs without a cycle; a cycle is reported only when one exists between
//! objects, with every edge located. References to undeclared objects are found here, in every
//! expression whether or not it is ever evaluated (bodies of resources without instances,
//! `try()`, both branches of a conditional).

use super::{cycle_diagnostics, EdgeRef, Node};
use crate::config::refs::{references, Reference, Subject};
use crate::config::{Config, Expr, Module, ModuleCall};
use crate::diag::{did_you_mean, Diagnostic, Span};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Index of a module path in [`ConfigGraph::modules`]; the root is 0.
pub type ModuleId = usize;

/// One module as placed in the configuration: the same directory called twice is two paths.
pub struct StaticModule<'c> {
    /// Call names from the root (`["db", "sg"]` for `module.db.module.sg`).
    pub path: Vec<String>,
    pub module: &'c Module,
    pub parent: Option<ModuleId>,
    /// The call (in the parent) that creates this module.
    pub call: Option<&'c ModuleCall>,
    pub children: BTreeMap<String, ModuleId>,
}

impl StaticModule<'_> {
    /// `module.db.module.sg.` (empty for the root): how nodes of this module are named.
    pub fn prefix(&self) -> String {
        self.path.iter().map(|c| format!("module.{c}.")).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GNode {
    pub module: ModuleId,
    pub node: Node,
}

/// Where a (module, provider alias) gets its configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProviderTarget {
    /// A `provider "aws"` block: the module that declares it and its alias.
    Block(ModuleId, Option<String>),
    /// No block: an empty configuration, as Terraform gives a root module that configures no
    /// default provider (or one it only declares in `configuration_aliases`): the region
    /// comes from the environment.
    Implicit(Option<String>),
}

pub struct ConfigGraph<'c> {
    pub modules: Vec<StaticModule<'c>>,
    pub graph: DiGraph<GNode, EdgeRef>,
    pub index: HashMap<GNode, NodeIndex>,
    /// Evaluation order, dependencies first. Nodes on a cycle, and everything that depends on
    /// one, are left out (the cycle is reported).
    pub order: Vec<NodeIndex>,
    /// References to undeclared objects, each with the span of the whole reference (root to
    /// name): an evaluation error inside one is the same problem.
    pub undeclared: Vec<(Diagnostic, Span)>,
}

impl<'c> ConfigGraph<'c> {
    pub fn build(config: &'c Config) -> (ConfigGraph<'c>, Vec<Diagnostic>) {
        let mut g = ConfigGraph {
            modules: Vec::new(),
            graph: DiGraph::new(),
            index: HashMap::new(),
            order: Vec::new(),
            undeclared: Vec::new(),
        };
        g.add_module(&config.root, Vec::new(), None, None);
        let mut diags = Vec::new();
        for m in 0..g.modules.len() {
            g.add_nodes(m);
        }
        for m in 0..g.modules.len() {
            g.add_edges(m, &mut diags);
            g.check_providers(m, &mut diags);
        }
        g.order = g.evaluation_order(&mut diags);
        (g, diags)
    }

    fn add_module(
        &mut self,
        module: &'c Module,
        path: Vec<String>,
        parent: Option<ModuleId>,
        call: Option<&'c ModuleCall>,
    ) -> ModuleId {
        let id = self.modules.len();
        self.modules.push(StaticModule {
            path: path.clone(),
            module,
            parent,
            call,
            children: BTreeMap::new(),
        });
        for (name, call) in &module.module_calls {
            let mut child_path = path.clone();
            child_path.push(name.clone());
            let child = self.add_module(&call.module, child_path, Some(id), Some(call));
            self.modules[id].children.insert(name.clone(), child);
        }
        id
    }

    fn add_nodes(&mut self, m: ModuleId) {
        let module = self.modules[m].module;
        let nodes = module
            .variables
            .keys()
            .map(|n| Node::Variable(n.clone()))
            .chain(module.locals.keys().map(|n| Node::Local(n.clone())))
            .chain(module.resources.keys().map(|k| Node::Resource(k.clone())))
            .chain(
                module
                    .module_calls
                    .keys()
                    .map(|n| Node::ModuleCall(n.clone())),
            )
            .chain(module.outputs.keys().map(|n| Node::Output(n.clone())))
            .chain(
                module
                    .providers
                    .iter()
                    .map(|p| Node::Provider(p.alias.clone())),
            );
        for node in nodes.collect::<Vec<_>>() {
            let gn = GNode { module: m, node };
            let ix = self.graph.add_node(gn.clone());
            self.index.insert(gn, ix);
        }
    }

    /// The node's name as a user reads it: `module.db.aws_db_instance.main`.
    pub fn name(&self, ix: NodeIndex) -> String {
        let gn = &self.graph[ix];
        format!("{}{}", self.modules[gn.module].prefix(), gn.node)
    }

    pub(super) fn node(&self, module: ModuleId, node: Node) -> Option<NodeIndex> {
        self.index.get(&GNode { module, node }).copied()
    }

    fn edge(&mut self, from: NodeIndex, to: NodeIndex, span: Span, text: String) {
        if from != to && self.graph.find_edge(from, to).is_none() {
            self.graph.add_edge(from, to, EdgeRef { span, text });
        }
    }

    fn add_edges(&mut self, m: ModuleId, diags: &mut Vec<Diagnostic>) {
        let module = self.modules[m].module;
        // (dependent, references, references that are depends_on entries)
        let mut edges: Vec<(Node, Vec<Reference>, Vec<Reference>)> = Vec::new();
        for v in module.variables.values() {
            let mut refs = Vec::new();
            for val in &v.validations {
                refs.extend(references(&val.condition, &[]));
                refs.extend(references(&val.error_message, &[]));
            }
            edges.push((Node::Variable(v.name.clone()), refs, Vec::new()));
        }
        for l in module.locals.values() {
            edges.push((
                Node::Local(l.name.clone()),
                references(&l.expr, &[]),
                Vec::new(),
            ));
        }
        for o in module.outputs.values() {
            edges.push((
                Node::Output(o.name.clone()),
                references(&o.value, &[]),
                refs_of(&o.depends_on),
            ));
        }
        for (key, r) in &module.resources {
            let mut refs = Vec::new();
            for e in r.count.iter().chain(&r.for_each) {
                refs.extend(references(e, &[]));
            }
            for e in &r.lifecycle.replace_triggered_by {
                refs.extend(references(e, &[]));
            }
            super::body_references(&r.body, &[], &mut refs);
            edges.push((Node::Resource(key.clone()), refs, refs_of(&r.depends_on)));
            let alias = r.provider.as_ref().and_then(|p| p.alias.clone());
            if let Some(ProviderTarget::Block(pm, pa)) = self.provider_target(m, &alias) {
                let from = self.node(pm, Node::Provider(pa));
                let to = self.node(m, Node::Resource(key.clone()));
                if let (Some(from), Some(to)) = (from, to) {
                    let (span, text) = match &r.provider {
                        Some(p) => (p.span, p.to_string()),
                        None => (r.span, "provider aws".to_string()),
                    };
                    self.edge(from, to, span, text);
                }
            }
        }
        for (name, call) in &module.module_calls {
            let mut refs = Vec::new();
            for e in call.count.iter().chain(&call.for_each) {
                refs.extend(references(e, &[]));
            }
            edges.push((
                Node::ModuleCall(name.clone()),
                refs,
                refs_of(&call.depends_on),
            ));
        }
        for p in &module.providers {
            let mut refs = Vec::new();
            super::body_references(&p.body, &[], &mut refs);
            edges.push((Node::Provider(p.alias.clone()), refs, Vec::new()));
        }
        // A module's variables are its call's inputs, evaluated in the parent; everything in
        // the module waits for the call's expansion (its instance keys, its depends_on).
        if let (Some(parent), Some(call)) = (self.modules[m].parent, self.modules[m].call) {
            for (name, attr) in &call.inputs {
                if !module.variables.contains_key(name) {
                    continue;
                }
                let refs = references(&attr.expr, &[]);
                self.check_references(parent, &refs);
                if let Some(to) = self.node(m, Node::Variable(name.clone())) {
                    self.reference_edges(parent, to, &refs, false);
                }
            }
            if let Some(expansion) = self.node(parent, Node::ModuleCall(call.name.clone())) {
                let own: Vec<NodeIndex> = self
                    .index
                    .iter()
                    .filter(|(gn, _)| gn.module == m)
                    .map(|(_, ix)| *ix)
                    .collect();
                for to in own {
                    self.edge(expansion, to, call.span, format!("module.{}", call.name));
                }
            }
        }
        for (node, refs, depends_on) in edges {
            let Some(to) = self.node(m, node.clone()) else {
                continue;
            };
            self.check_references(m, &refs);
            self.check_references(m, &depends_on);
            for r in refs.iter().chain(&depends_on) {
                if self.targets(m, &r.subject).contains(&to) && !matches!(node, Node::Variable(_)) {
                    diags.push(
                        Diagnostic::error(format!("Self-referential block: {node} refers to itself"))
                            .at(r.span)
                            .help("a block cannot use its own attributes; use `self` inside provisioners only, or split the value into a local"),
                    );
                }
            }
            self.reference_edges(m, to, &refs, false);
            self.reference_edges(m, to, &depends_on, true);
        }
    }

    fn reference_edges(&mut self, m: ModuleId, to: NodeIndex, refs: &[Reference], whole: bool) {
        for r in refs {
            let mut from = self.targets(m, &r.subject);
            // `depends_on = [module.m]` waits for every object inside the module.
            if let (true, Subject::Module(name, _)) = (whole, &r.subject) {
                if let Some(&child) = self.modules[m].children.get(name) {
                    from.extend(self.subtree_resources(child));
                }
            }
            for f in from {
                self.edge(f, to, r.span, r.subject.to_string());
            }
        }
    }

    /// The nodes a reference in module `m` names.
    pub(super) fn targets(&self, m: ModuleId, subject: &Subject) -> Vec<NodeIndex> {
        let nodes = match subject {
            Subject::Var(n) => vec![(m, Node::Variable(n.clone()))],
            Subject::Local(n) => vec![(m, Node::Local(n.clone()))],
            Subject::Resource(t, n) => vec![(m, Node::Resource(format!("{t}.{n}")))],
            Subject::Data(t, n) => vec![(m, Node::Resource(format!("data.{t}.{n}")))],
            Subject::Module(name, output) => {
                let mut out = vec![(m, Node::ModuleCall(name.clone()))];
                if let Some(&child) = self.modules[m].children.get(name) {
                    let outputs = &self.modules[child].module.outputs;
                    match output {
                        Some(o) => out.push((child, Node::Output(o.clone()))),
                        None => {
                            out.extend(outputs.keys().map(|o| (child, Node::Output(o.clone()))))
                        }
                    }
                }
                out
            }
            _ => Vec::new(),
        };
        nodes
            .into_iter()
            .filter_map(|(m, n)| self.node(m, n))
            .collect()
    }

    fn subtree_resources(&self, m: ModuleId) -> Vec<NodeIndex> {
        let mut out: Vec<NodeIndex> = self.modules[m]
            .module
            .resources
            .keys()
            .filter_map(|k| self.node(m, Node::Resource(k.clone())))
            .collect();
        for &child in self.modules[m].children.values() {
            out.extend(self.subtree_resources(child));
        }
        out
    }

    /// Undeclared variables, locals, modules, module outputs and resources, wherever they are
    /// referred to: Terraform checks references statically, evaluated or not.
    fn check_references(&mut self, m: ModuleId, refs: &[Reference]) {
        let sm = &self.modules[m];
        let module = sm.module;
        let mut reported = Vec::new();
        for r in refs {
            let d = match &r.subject {
                Subject::Var(n) if !module.variables.contains_key(n) => undeclared(
                    format!("Reference to undeclared input variable \"{n}\""),
                    "declare it with a variable block".into(),
                    n,
                    module.variables.keys(),
                ),
                Subject::Local(n) if !module.locals.contains_key(n) => undeclared(
                    format!("Reference to undeclared local value \"{n}\""),
                    "define it in a locals block".into(),
                    n,
                    module.locals.keys(),
                ),
                Subject::Module(n, _) if !module.module_calls.contains_key(n) => undeclared(
                    format!("Reference to undeclared module \"{n}\""),
                    "declare it with a module block".into(),
                    n,
                    module.module_calls.keys(),
                ),
                Subject::Module(n, Some(o)) => {
                    let child = sm.children[n];
                    let outputs = &self.modules[child].module.outputs;
                    if outputs.contains_key(o) {
                        continue;
                    }
                    undeclared(
                        format!("Unsupported attribute \"{o}\""),
                        format!("module.{n} has no output named \"{o}\": declare it with an output block in the module"),
                        o,
                        outputs.keys(),
                    )
                }
                Subject::Resource(t, n) | Subject::Data(t, n) => {
                    let data = matches!(r.subject, Subject::Data(..));
                    let key = if data {
                        format!("data.{t}.{n}")
                    } else {
                        format!("{t}.{n}")
                    };
                    if module.resources.contains_key(&key) {
                        continue;
                    }
                    let same_type = module
                        .resources
                        .values()
                        .filter(|x| x.type_ == *t && (x.mode == crate::config::Mode::Data) == data)
                        .map(|x| &x.name);
                    undeclared(
                        format!("Reference to undeclared resource \"{key}\""),
                        if data {
                            format!("declare it with data \"{t}\" \"{n}\" {{ ... }}")
                        } else {
                            format!("declare it with resource \"{t}\" \"{n}\" {{ ... }}")
                        },
                        n,
                        same_type,
                    )
                }
                _ => continue,
            };
            reported.push((d.at(r.name_span), r.span));
        }
        self.undeclared.extend(reported);
    }

    /// Where the provider configuration `aws[.alias]` of module `m` comes from, following
    /// Terraform: a block in the module itself; else what the module call passes in
    /// `providers = {}`; else, for the default configuration, the parent's (inherited even
    /// when `providers` maps only aliases, as Terraform's graph does); at the root, an empty
    /// configuration for the default one and for `configuration_aliases`. `None`: not present.
    pub fn provider_target(&self, m: ModuleId, alias: &Option<String>) -> Option<ProviderTarget> {
        let sm = &self.modules[m];
        if sm.module.providers.iter().any(|p| &p.alias == alias) {
            return Some(ProviderTarget::Block(m, alias.clone()));
        }
        match (sm.parent, sm.call) {
            (Some(parent), Some(call)) => {
                let key = local_name(alias);
                if let Some((_, passed)) = call.providers.iter().find(|(k, _)| *k == key) {
                    return self.provider_target(parent, &passed.alias);
                }
                if alias.is_none() {
                    return self.provider_target(parent, &None);
                }
                None
            }
            _ => {
                let declared = sm
                    .module
                    .terraform
                    .configuration_aliases
                    .iter()
                    .any(|(a, _)| Some(a) == alias.as_ref());
                (alias.is_none() || declared).then(|| ProviderTarget::Implicit(alias.clone()))
            }
        }
    }

    /// Provider wiring that is wrong whatever the values: a `providers = {}` entry naming a
    /// configuration the caller does not have, an alias the child requires but is not given,
    /// a provider block inside a module called with count, for_each or depends_on.
    fn check_providers(&self, m: ModuleId, diags: &mut Vec<Diagnostic>) {
        let sm = &self.modules[m];
        let (Some(parent), Some(call)) = (sm.parent, sm.call) else {
            return;
        };
        for (child_name, passed) in &call.providers {
            // A local provider has one configuration, which every module's types use.
            let local = child_name.split('.').next();
            if matches!(local, Some("random" | "null")) {
                continue;
            }
            if !(child_name == "aws" || child_name.starts_with("aws.")) {
                diags.push(
                    Diagnostic::error(format!("Unsupported provider \"{child_name}\""))
                        .at(passed.span)
                        .help("strata manages the AWS data tier: pass aws or aws.ALIAS"),
                );
                continue;
            }
            if self.provider_target(parent, &passed.alias).is_none() {
                diags.push(
                    Diagnostic::error(format!("Provider configuration not present: {passed}"))
                        .at(passed.span)
                        .detail(format!(
                            "module.{} is given {passed}, which is not configured here",
                            call.name
                        ))
                        .help(format!(
                            "declare provider \"aws\" {{ alias = \"{}\" }} in this module, or pass one it has",
                            passed.alias.clone().unwrap_or_default()
                        )),
                );
            }
        }
        for (alias, span) in &sm.module.terraform.configuration_aliases {
            let key = format!("aws.{alias}");
            if !call.providers.iter().any(|(k, _)| *k == key) {
                diags.push(
                    Diagnostic::error("Missing required provider configuration")
                        .at(call.span)
                        .detail(format!(
                            "module.{} requires the provider configuration {key}",
                            call.name
                        ))
                        .label(*span, "required here")
                        .help(format!("pass it: providers = {{ {key} = aws.SOME_ALIAS }}")),
                );
            }
        }
        if let Some(p) = sm.module.providers.first() {
            // The innermost call with count, for_each or depends_on above this module.
            let mut at = Some(m);
            while let Some(x) = at {
                let Some(c) = self.modules[x].call else { break };
                let meta = c
                    .count
                    .as_ref()
                    .or(c.for_each.as_ref())
                    .map(Expr::span)
                    .or(c.depends_on.first().map(Expr::span));
                if let Some(meta_span) = meta {
                    diags.push(
                        Diagnostic::error(format!(
                            "Module module.{} contains provider configuration",
                            self.modules[m].path.join(".module.")
                        ))
                        .at(meta_span)
                        .label(p.span, "provider configured here")
                        .detail("providers cannot be configured within modules using count, for_each or depends_on")
                        .help("remove the provider block from the module and pass a configuration with providers = { aws = aws.NAME }"),
                    );
                    break;
                }
                at = self.modules[x].parent;
            }
        }
    }

    fn evaluation_order(&self, diags: &mut Vec<Diagnostic>) -> Vec<NodeIndex> {
        let names = |ix: NodeIndex| self.name(ix);
        diags.extend(cycle_diagnostics(&self.graph, names));
        // Strongly connected components come in reverse topological order.
        let mut blocked = HashSet::new();
        let mut order = Vec::with_capacity(self.graph.node_count());
        for scc in petgraph::algo::tarjan_scc(&self.graph).iter().rev() {
            let cyclic = scc.len() > 1;
            for &ix in scc {
                let upstream = self
                    .graph
                    .neighbors_directed(ix, Direction::Incoming)
                    .any(|d| blocked.contains(&d));
                if cyclic || upstream {
                    blocked.insert(ix);
                } else {
                    order.push(ix);
                }
            }
        }
        order
    }

    /// Nodes that `ix` depends on directly.
    pub fn dependencies(&self, ix: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(ix, Direction::Incoming)
    }

    /// Whether `ancestor` is `m` or one of the modules above it.
    pub fn is_ancestor(&self, ancestor: ModuleId, mut m: ModuleId) -> bool {
        loop {
            if m == ancestor {
                return true;
            }
            match self.modules[m].parent {
                Some(p) => m = p,
                None => return false,
            }
        }
    }
}

/// `aws` or `aws.ALIAS`: how a module call's `providers` map names a child's configuration.
fn local_name(alias: &Option<String>) -> String {
    match alias {
        Some(a) => format!("aws.{a}"),
        None => "aws".to_string(),
    }
}

fn refs_of(exprs: &[Expr]) -> Vec<Reference> {
    exprs.iter().flat_map(|e| references(e, &[])).collect()
}

/// An undeclared-name diagnostic: the nearest declared name, or how to declare this one.
fn undeclared<'a>(
    summary: String,
    what: String,
    name: &str,
    declared: impl Iterator<Item = &'a String>,
) -> Diagnostic {
    let declared: Vec<&str> = declared.map(String::as_str).collect();
    match did_you_mean(name, declared.iter().copied()) {
        Some(s) => Diagnostic::error(summary)
            .detail(what)
            .help(format!("did you mean \"{s}\"?")),
        None => Diagnostic::error(summary).help(what),
    }
}
