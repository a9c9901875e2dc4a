//! Dependency graphs.
//!
//! - [`config::ConfigGraph`]: the static graph of every block of every module (variables,
//!   locals, resources, data sources, module calls, outputs, providers), modules flattened into
//!   one graph, built from references before anything is evaluated. It orders evaluation and
//!   rejects cycles, printing each edge of the cycle with the span of the reference that made
//!   it.
//! - [`InstanceGraph`]: the expanded graph of resource instances that plan and apply walk.
//!   Dependencies are per resource (like Terraform), so each resource gets one node that all
//!   its instances feed into: edges stay linear in the config size, not quadratic.

pub mod config;
mod ephemeral;

use crate::addr::{AbsResource, InstanceAddr};
use crate::config::refs::{references, Reference, Subject};
use crate::config::Module;
use crate::diag::{Diagnostic, Span};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Variable(String),
    Local(String),
    Output(String),
    /// `Resource::key()`: `aws_x.name` or `data.aws_x.name`.
    Resource(String),
    ModuleCall(String),
    /// A provider configuration, by alias (`None` for the default one).
    Provider(Option<String>),
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Variable(n) => write!(f, "var.{n}"),
            Node::Local(n) => write!(f, "local.{n}"),
            Node::Output(n) => write!(f, "output.{n}"),
            Node::Resource(k) => f.write_str(k),
            Node::ModuleCall(n) => write!(f, "module.{n}"),
            Node::Provider(None) => f.write_str("provider.aws"),
            Node::Provider(Some(a)) => write!(f, "provider.aws.{a}"),
        }
    }
}

/// An edge's reason: the reference (in the dependent) that names the dependency.
#[derive(Clone, Debug)]
pub struct EdgeRef {
    pub span: Span,
    pub text: String,
}

fn body_references(body: &crate::config::Body, bound: &[String], out: &mut Vec<Reference>) {
    attr_references(body, bound, &mut |_, refs| out.extend(refs));
}

/// The references of every argument of a body, nested blocks included, each with the name of
/// the argument it is written in (a `dynamic` block's `for_each` is named `for_each`).
fn attr_references(
    body: &crate::config::Body,
    bound: &[String],
    f: &mut dyn FnMut(&str, Vec<Reference>),
) {
    for (name, attr) in &body.attrs {
        f(name, references(&attr.expr, bound));
    }
    for block in &body.blocks {
        if block.kind == "dynamic" {
            // The iterator (default: the block's label) is bound inside `content`.
            let iterator = block
                .body
                .attr("iterator")
                .and_then(|a| crate::config::refs::static_path(&a.expr.expr))
                .or_else(|| block.labels.first().cloned())
                .unwrap_or_default();
            let mut inner = bound.to_vec();
            inner.push(iterator);
            if let Some(fe) = block.body.attr("for_each") {
                f("for_each", references(&fe.expr, bound));
            }
            for content in block.body.blocks_of("content") {
                attr_references(&content.body, &inner, f);
            }
        } else {
            attr_references(&block.body, bound, f);
        }
    }
}

/// Every reference inside a body (used by `strata check` and the plan to find dependencies).
pub fn references_in_body(body: &crate::config::Body) -> Vec<Reference> {
    let mut out = Vec::new();
    body_references(body, &[], &mut out);
    out
}

/// One diagnostic per cycle, listing each edge with the span of the reference that made it.
fn cycle_diagnostics<N>(
    graph: &DiGraph<N, EdgeRef>,
    name: impl Fn(NodeIndex) -> String,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for scc in petgraph::algo::tarjan_scc(graph) {
        if scc.len() < 2 {
            continue;
        }
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        // Walk a cycle inside the component, starting from its smallest node for stable output.
        let start = *members.iter().min_by_key(|i| name(**i)).unwrap_or(&scc[0]);
        let mut path = vec![start];
        let mut seen = BTreeSet::from([start]);
        let mut current = start;
        loop {
            let next = graph
                .neighbors_directed(current, petgraph::Direction::Outgoing)
                .filter(|n| members.contains(n))
                .min_by_key(|n| (usize::from(*n != start), name(*n)));
            let Some(next) = next else { break };
            if next == start || seen.contains(&next) {
                path.push(next);
                break;
            }
            seen.insert(next);
            path.push(next);
            current = next;
        }
        let names: Vec<String> = path.iter().map(|i| name(*i)).collect();
        let mut d = Diagnostic::error(format!("Dependency cycle: {}", names.join(" → ")))
            .help("break the cycle: remove one of these references, or move the shared value into a variable or local that does not depend on the others");
        for pair in path.windows(2) {
            // Edge pair[0] → pair[1] means pair[1] refers to pair[0].
            if let Some(e) = graph.find_edge(pair[0], pair[1]) {
                let edge = &graph[e];
                d = d.label(
                    edge.span,
                    format!("{} refers to {}", name(pair[1]), name(pair[0])),
                );
            }
        }
        if let Some(first) = d.labels.first().map(|l| l.span) {
            d.span = Some(first);
            d.labels.remove(0);
            d.detail = Some(format!(
                "{} refers to {}",
                names.get(1).cloned().unwrap_or_default(),
                names[0]
            ));
        }
        out.push(d);
    }
    out
}

/// The instance-level graph plan and apply walk.
#[derive(Default)]
pub struct InstanceGraph {
    pub graph: DiGraph<GraphNode, ()>,
    pub instances: BTreeMap<InstanceAddr, NodeIndex>,
    pub resources: BTreeMap<AbsResource, NodeIndex>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphNode {
    Instance(InstanceAddr),
    /// Joins all instances of a resource: dependents wait on this one node.
    Resource(AbsResource),
}

impl std::fmt::Display for GraphNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GraphNode::Instance(a) => write!(f, "{a}"),
            GraphNode::Resource(r) => write!(f, "{r}"),
        }
    }
}

impl InstanceGraph {
    /// Builds the graph from each instance and the resources it depends on.
    pub fn build<'a>(
        instances: impl IntoIterator<Item = (&'a InstanceAddr, &'a BTreeSet<AbsResource>)>,
    ) -> InstanceGraph {
        let mut g = InstanceGraph::default();
        let items: Vec<_> = instances.into_iter().collect();
        for (addr, _) in &items {
            let i = g.graph.add_node(GraphNode::Instance((*addr).clone()));
            g.instances.insert((*addr).clone(), i);
            let res = addr.abs_resource();
            let r = match g.resources.get(&res) {
                Some(r) => *r,
                None => {
                    let r = g.graph.add_node(GraphNode::Resource(res.clone()));
                    g.resources.insert(res, r);
                    r
                }
            };
            g.graph.add_edge(i, r, ());
        }
        for (addr, deps) in &items {
            let i = g.instances[*addr];
            for dep in deps.iter() {
                if let Some(&r) = g.resources.get(dep) {
                    if r != g.resources[&addr.abs_resource()] {
                        g.graph.add_edge(r, i, ());
                    }
                }
            }
        }
        g
    }

    /// Instances that must finish before `addr` starts (through resource join nodes).
    pub fn instance_dependencies(&self, addr: &InstanceAddr) -> Vec<InstanceAddr> {
        let Some(&i) = self.instances.get(addr) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in self
            .graph
            .neighbors_directed(i, petgraph::Direction::Incoming)
        {
            for inst in self
                .graph
                .neighbors_directed(r, petgraph::Direction::Incoming)
            {
                if let GraphNode::Instance(a) = &self.graph[inst] {
                    out.push(a.clone());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The nodes and edges to draw. An instance depending on a resource with several
    /// instances points at one `TYPE.NAME[*]` node standing for all of them, so the drawing
    /// stays linear in the size of the configuration (10,000 × 10,000 edges otherwise).
    fn drawing(&self) -> (Vec<String>, Vec<(String, String)>) {
        let mut nodes: Vec<String> = self.instances.keys().map(|a| a.to_string()).collect();
        let mut edges = Vec::new();
        let mut joined = std::collections::BTreeSet::new();
        for (addr, &i) in &self.instances {
            let own = self.resources.get(&addr.abs_resource()).copied();
            for r in self
                .graph
                .neighbors_directed(i, petgraph::Direction::Incoming)
            {
                if Some(r) == own {
                    continue;
                }
                let members: Vec<&InstanceAddr> = self
                    .graph
                    .neighbors_directed(r, petgraph::Direction::Incoming)
                    .filter_map(|n| match &self.graph[n] {
                        GraphNode::Instance(a) => Some(a),
                        GraphNode::Resource(_) => None,
                    })
                    .collect();
                match members.as_slice() {
                    [] => {}
                    [one] => edges.push((addr.to_string(), one.to_string())),
                    many => {
                        let GraphNode::Resource(res) = &self.graph[r] else {
                            continue;
                        };
                        let all = format!("{res}[*]");
                        if joined.insert(all.clone()) {
                            nodes.push(all.clone());
                            for m in many {
                                edges.push((all.clone(), m.to_string()));
                            }
                        }
                        edges.push((addr.to_string(), all));
                    }
                }
            }
        }
        edges.sort();
        edges.dedup();
        (nodes, edges)
    }

    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph strata {\n  rankdir = \"RL\";\n  node [shape = rect];\n");
        let (nodes, edges) = self.drawing();
        for n in &nodes {
            out.push_str(&format!("  {};\n", dot_quote(n)));
        }
        for (a, b) in &edges {
            out.push_str(&format!("  {} -> {};\n", dot_quote(a), dot_quote(b)));
        }
        out.push_str("}\n");
        out
    }

    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart RL\n");
        let (nodes, edges) = self.drawing();
        let ids: BTreeMap<&String, String> = nodes
            .iter()
            .enumerate()
            .map(|(i, a)| (a, format!("n{i}")))
            .collect();
        for (label, id) in &ids {
            out.push_str(&format!("  {id}[\"{}\"]\n", mermaid_escape(label)));
        }
        for (a, b) in &edges {
            if let (Some(x), Some(y)) = (ids.get(a), ids.get(b)) {
                out.push_str(&format!("  {x} --> {y}\n"));
            }
        }
        out
    }
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Mermaid labels cannot hold raw quotes; it reads `#quot;` as one.
pub fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}

/// Standalone rules (`aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`,
/// `aws_vpc_security_group_egress_rule`) attached to a group that also declares inline
/// `ingress`/`egress` blocks: each side would remove the other's rules on every apply, so the
/// plan would never settle (the classic Terraform flip-flop). Found statically, per module.
pub fn mixed_rule_diagnostics(module: &Module, out: &mut Vec<Diagnostic>) {
    const RULE_TYPES: &[&str] = &[
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
    ];
    for rule in module.resources.values() {
        if !RULE_TYPES.contains(&rule.type_.as_str()) {
            continue;
        }
        let Some(attr) = rule.body.attr("security_group_id") else {
            continue;
        };
        for r in references(&attr.expr, &[]) {
            let Subject::Resource(t, n) = &r.subject else {
                continue;
            };
            if t != "aws_security_group" {
                continue;
            }
            let Some(group) = module.resources.get(&format!("{t}.{n}")) else {
                continue;
            };
            let inline = group.body.blocks.iter().find(|b| {
                matches!(b.kind.as_str(), "ingress" | "egress")
                    || (b.kind == "dynamic"
                        && matches!(
                            b.labels.first().map(String::as_str),
                            Some("ingress" | "egress")
                        ))
            });
            let inline_attr = ["ingress", "egress"]
                .iter()
                .find_map(|k| group.body.attr(k).map(|a| a.name_span));
            let Some(inline_span) = inline.map(|b| b.span).or(inline_attr) else {
                continue;
            };
            out.push(
                Diagnostic::error(format!(
                    "{} adds a rule to {t}.{n}, which also declares inline rules",
                    rule.key()
                ))
                .at(attr.expr.span())
                .detail("inline ingress/egress blocks and standalone rule resources both manage the group's rules: each apply removes the other's rules, so the plan never settles")
                .label(inline_span, "inline rules declared here")
                .help(format!(
                    "move every rule of {t}.{n} into inline blocks, or every rule into standalone rule resources"
                )),
            );
        }
    }
    for call in module.module_calls.values() {
        mixed_rule_diagnostics(&call.module, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(src: &str) -> std::sync::Arc<Module> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), src).unwrap();
        let sources = crate::diag::SourceMap::default();
        let (config, diags) = crate::config::load(dir.path(), &sources);
        assert!(!diags.has_errors());
        config.unwrap().root
    }

    #[test]
    fn standalone_rules_on_a_group_with_inline_rules_are_refused() {
        let m = module(
            r#"
resource "aws_security_group" "db" {
  ingress {
    from_port = 3306
    to_port   = 3306
    protocol  = "tcp"
  }
}
resource "aws_vpc_security_group_ingress_rule" "extra" {
  security_group_id = aws_security_group.db.id
  ip_protocol       = "tcp"
}
"#,
        );
        let mut out = Vec::new();
        mixed_rule_diagnostics(&m, &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].summary.contains("also declares inline rules"));
    }

    #[test]
    fn standalone_rules_alone_are_fine() {
        let m = module(
            r#"
resource "aws_security_group" "db" {
  name = "db"
}
resource "aws_security_group_rule" "a" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
}
"#,
        );
        let mut out = Vec::new();
        mixed_rule_diagnostics(&m, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_cycle_names_every_edge() {
        let m = module(
            r#"
locals {
  a = local.b
  b = local.c
  c = local.a
}
"#,
        );
        let config = crate::config::Config {
            sources: crate::diag::SourceMap::default(),
            root: m,
        };
        let (_, diags) = config::ConfigGraph::build(&config);
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].summary.starts_with("Dependency cycle: local."),
            "{}",
            diags[0].summary
        );
        assert_eq!(diags[0].labels.len() + 1, 3, "one label per edge");
    }
}
