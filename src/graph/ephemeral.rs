//! Where ephemeral values may flow, as Terraform 1.10 allows: into write-only arguments,
//! provider configurations, locals, ephemeral variables of a module call and ephemeral outputs
//! of a child module — never where the value would be stored (a resource's or data source's
//! other arguments, `count`/`for_each`, a non-ephemeral output) nor out of the root module.
//!
//! Found statically from references, like undeclared names: ephemeral is a property of
//! declarations (`ephemeral = true` on a variable or output) that spreads through locals, so
//! which references carry one is known before any value is, and a misuse is reported by
//! `validate`, in bodies without instances too. Terraform marks values instead; an operation on
//! an ephemeral value carries the mark to its result (conditions and function arguments
//! included), which a reference anywhere in the expression models exactly.

use super::config::ConfigGraph;
use super::{attr_references, Node};
use crate::config::refs::{references, Reference};
use crate::config::{Expr, Mode};
use crate::diag::Diagnostic;
use petgraph::graph::NodeIndex;
use std::collections::HashSet;

/// Whether an argument of a resource (or data source) type is write-only: the catalog knows,
/// the graph knows no schema.
pub type WriteOnly<'a> = &'a dyn Fn(Mode, &str, &str) -> bool;

impl ConfigGraph<'_> {
    /// Every use of an ephemeral value where Terraform refuses one, located at the reference.
    pub fn ephemeral_misuse(&self, write_only: WriteOnly) -> Vec<Diagnostic> {
        let ephemeral = self.ephemeral_nodes();
        let mut diags = Vec::new();
        for m in 0..self.modules.len() {
            let module = self.modules[m].module;
            let first = |refs: Vec<Reference>| {
                refs.into_iter().find(|r| {
                    self.targets(m, &r.subject)
                        .iter()
                        .any(|t| ephemeral.contains(t))
                })
            };
            for o in module.outputs.values() {
                if o.ephemeral && m == 0 {
                    diags.push(
                        Diagnostic::error("Ephemeral output not allowed")
                            .at(o.span)
                            .detail("Ephemeral outputs are not allowed in context of a root module")
                            .help("root outputs are stored in the state: remove `ephemeral = true`, and give the output no ephemeral value"),
                    );
                } else if let (false, Some(r)) = (o.ephemeral, first(references(&o.value, &[]))) {
                    diags.push(
                        Diagnostic::error("Ephemeral value not allowed")
                            .at(r.span)
                            .detail("This output value is not declared as returning an ephemeral value, so it cannot be set to a result derived from an ephemeral value.")
                            .help(if m == 0 {
                                "a root output is stored in the state: give it a value that is not ephemeral"
                            } else {
                                "declare the output `ephemeral = true`, or give it a value that is not ephemeral"
                            }),
                    );
                }
            }
            for r in module.resources.values() {
                expansion(
                    &first,
                    r.count.as_ref(),
                    r.for_each.as_ref(),
                    "a resource",
                    &mut diags,
                );
                attr_references(&r.body, &[], &mut |name, refs| {
                    if write_only(r.mode, &r.type_, name) {
                        return;
                    }
                    if let Some(at) = first(refs) {
                        diags.push(
                            Diagnostic::error("Invalid use of ephemeral value")
                                .at(at.span)
                                .detail(format!("Ephemeral values are not valid for \"{name}\", because it is not a write-only attribute and must be persisted to state."))
                                .help("only write-only arguments (such as password_wo) take ephemeral values"),
                        );
                    }
                });
            }
            for (name, call) in &module.module_calls {
                expansion(
                    &first,
                    call.count.as_ref(),
                    call.for_each.as_ref(),
                    "a module",
                    &mut diags,
                );
                let child = self.modules[self.modules[m].children[name]].module;
                for (input, attr) in &call.inputs {
                    let Some(var) = child.variables.get(input) else {
                        continue;
                    };
                    if let (false, Some(r)) = (var.ephemeral, first(references(&attr.expr, &[]))) {
                        diags.push(
                            Diagnostic::error("Ephemeral value not allowed")
                                .at(r.span)
                                .detail(format!("The input variable \"{input}\" does not accept ephemeral values."))
                                .label(var.span, "declared here without `ephemeral = true`")
                                .help("declare the variable `ephemeral = true` in the module, or pass a value that is not ephemeral"),
                        );
                    }
                }
            }
        }
        diags
    }

    /// The nodes whose value is ephemeral: variables and outputs declared so, and locals that
    /// refer to one (in dependency order, so a local sees the locals it reads).
    fn ephemeral_nodes(&self) -> HashSet<NodeIndex> {
        let mut out = HashSet::new();
        for &ix in &self.order {
            let gn = &self.graph[ix];
            let module = self.modules[gn.module].module;
            let ephemeral = match &gn.node {
                Node::Variable(n) => module.variables[n].ephemeral,
                Node::Output(n) => module.outputs[n].ephemeral,
                Node::Local(n) => references(&module.locals[n].expr, &[]).iter().any(|r| {
                    self.targets(gn.module, &r.subject)
                        .iter()
                        .any(|t| out.contains(t))
                }),
                _ => false,
            };
            if ephemeral {
                out.insert(ix);
            }
        }
        out
    }
}

/// `count` and `for_each` decide instance keys, which are stored: never ephemeral.
fn expansion(
    first: &dyn Fn(Vec<Reference>) -> Option<Reference>,
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(r) = count.and_then(|e| first(references(e, &[]))) {
        diags.push(
            Diagnostic::error("Invalid count argument")
                .at(r.span)
                .detail("The given \"count\" value is derived from an ephemeral value, which means that Terraform cannot persist it between plan/apply rounds. Use only non-ephemeral values here.")
                .help(format!("the instances of {what} are stored: count them from values that are not ephemeral")),
        );
    }
    if let Some(r) = for_each.and_then(|e| first(references(e, &[]))) {
        diags.push(
            Diagnostic::error("Invalid for_each argument")
                .at(r.span)
                .detail(format!("The given \"for_each\" value is derived from an ephemeral value, which means that Terraform cannot persist it between plan/apply rounds. Use only non-ephemeral values to specify {what}'s instance keys."))
                .help("key the instances by values that are not ephemeral"),
        );
    }
}
