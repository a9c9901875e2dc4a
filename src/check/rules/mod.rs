//! The rules. Each is keyed by terraform-provider-aws type and argument names, so a rule
//! applies to a type as soon as strata supports it.
//!
//! Rules read evaluated values (`Instance::config`), and the expressions where the syntax is
//! the point (a literal password) or where values are unknown before apply (security group ids:
//! `aws_security_group.web.id` is resolved statically to the group it names).
//!
//! `catalog.rs` names and documents them; each family of rules has its own file.

mod catalog;
mod data_loss;
mod disaster_recovery;
mod network;
mod public_subnet;
mod resource;
mod secrets;

pub use catalog::*;
pub use data_loss::plan_findings;
pub use secrets::is_literal_string;

use super::{Finding, Instance};
use crate::config::refs::{references, Subject};
use crate::config::Expr;
use crate::value::Value;
use network::Network;
use resource::{
    cache_encryption, production, publicly_accessible, snapshot_copy_key, storage_encryption,
};
use secrets::literal_secrets;
use std::collections::BTreeSet;

/// Runs every configuration rule.
pub fn run(instances: &[Instance]) -> Vec<Finding> {
    let mut out = Vec::new();
    let net = Network::build(instances);
    net.open_ports(&mut out);
    net.reachable_databases(&mut out);
    disaster_recovery::copies(instances, &mut out);
    public_subnet::databases(instances, &mut out);
    for inst in instances {
        publicly_accessible(inst, &mut out);
        storage_encryption(inst, &mut out);
        cache_encryption(inst, &mut out);
        snapshot_copy_key(inst, &mut out);
        production(inst, &mut out);
        literal_secrets(inst, &mut out);
    }
    out
}

/// The resources of `type_` an expression names, statically: `aws_db_snapshot.a.arn`
/// directly, or through locals of the same module (names, in order, once each).
pub(super) fn resource_refs(inst: &Instance, expr: &Expr, type_: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![expr.clone()];
    let mut seen_locals = BTreeSet::new();
    while let Some(e) = pending.pop() {
        for r in references(&e, &[]) {
            match r.subject {
                Subject::Resource(t, n) if t == type_ && !out.contains(&n) => out.push(n),
                Subject::Local(l) if seen_locals.insert(l.clone()) => {
                    if let Some(local) = inst.modules.last().and_then(|m| m.locals.get(&l)) {
                        pending.push(local.expr.clone());
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The resources of `type_` that argument `attr` of `body` (a block of `inst`'s resource)
/// names, statically (see [`resource_refs`]).
pub(super) fn body_refs(
    inst: &Instance,
    body: &crate::config::Body,
    attr: &str,
    type_: &str,
) -> Vec<String> {
    match body.attr(attr) {
        Some(a) => resource_refs(inst, &a.expr, type_),
        None => Vec::new(),
    }
}

/// The resources of `type_` that `inst`'s argument `attr` names.
pub(super) fn attr_refs(inst: &Instance, attr: &str, type_: &str) -> Vec<String> {
    body_refs(inst, &inst.resource.body, attr, type_)
}

/// A scope with no names: for evaluating what is written as a literal.
pub(crate) struct NoScope;

impl crate::eval::Scope for NoScope {
    fn root(&self, _name: &str) -> Option<&Value> {
        None
    }
}
