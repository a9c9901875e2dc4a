//! Planning without state: every computed attribute unknown. Used by validate, graph, and
//! as the first pass of plan, which learns the provider configurations from it.
#![allow(clippy::result_large_err)]

use crate::addr::{AbsResource, InstanceAddr};
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::walk::{Hooks, InstanceConfig};
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Hooks that know no state: every computed attribute is unknown. Used by validate, graph,
/// and as the first pass of plan (to learn the provider configurations).
#[derive(Default)]
pub struct ConfigOnly {
    pub instances: BTreeMap<InstanceAddr, BTreeSet<AbsResource>>,
    pub diags: Diagnostics,
}

pub fn with_unknown_computed(config: &Value, schema: &crate::provider::Schema) -> Value {
    let mut out = match config {
        Value::Map(m) => m.clone(),
        _ => Default::default(),
    };
    for a in &schema.attributes {
        let v = out.entry(a.name.to_string()).or_insert(Value::Null);
        if v.is_null() && a.computed {
            *v = Value::Unknown;
        }
    }
    // A computed block left out (a group's `ingress` without inline rules) is AWS's to
    // tell too: null would fail `length(aws_security_group.x.ingress)`.
    for b in &schema.blocks {
        let v = out.entry(b.name.to_string()).or_insert(Value::Null);
        if v.is_null() && b.computed {
            *v = Value::Unknown;
        }
    }
    Value::Map(out)
}

/// Diagnostics for a resource type's own validation rules, placed at the argument's span.
pub fn config_problems(
    inst: &InstanceConfig,
    problems: Vec<crate::provider::ConfigProblem>,
) -> Vec<Diagnostic> {
    problems
        .into_iter()
        .map(|p| {
            let body = &inst.resource.body;
            let span = p
                .attribute
                .and_then(|a| match body.attrs.get(a) {
                    Some(attr) => Some(attr.expr.span()),
                    // A problem inside a nested block: at its argument, else at the block.
                    None => body.blocks_of(a).next().map(|b| {
                        p.inner
                            .and_then(|i| b.body.attr(i))
                            .map_or(b.span, |i| i.expr.span())
                    }),
                })
                .unwrap_or(inst.resource.span);
            Diagnostic::error(format!("Invalid configuration for {}", inst.addr))
                .at(span)
                .detail(p.message)
                .help(p.help)
        })
        .collect()
}

/// A resource type's own validation rules, and the tag key strata reserves (`ownership`).
pub(super) fn resource_problems(
    rt: &dyn crate::provider::ResourceType,
    inst: &InstanceConfig,
) -> Vec<crate::provider::ConfigProblem> {
    let mut problems = rt.schema().problems(&inst.config);
    problems.extend(rt.validate(&inst.config));
    if !inst.validate_only {
        problems.extend(rt.plan_checks(&inst.config));
    }
    if rt.schema().attributes.iter().any(|a| a.name == "tags") {
        problems.extend(crate::provider::aws::ownership::reserved_tag_problems(
            &inst.config,
            &inst.provider.default_tags,
        ));
    }
    problems
}

impl Hooks for ConfigOnly {
    fn catalog(&self) -> &'static dyn crate::eval::walk::Catalog {
        crate::provider::catalog()
    }

    fn managed(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        self.instances.insert(inst.addr.clone(), inst.deps.clone());
        let Some(rt) = crate::provider::resource_type(&inst.addr.resource.type_) else {
            return Ok(Value::Unknown);
        };
        for d in config_problems(inst, resource_problems(rt, inst)) {
            self.diags.push(d);
        }
        Ok(with_unknown_computed(&inst.config, rt.schema()))
    }

    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        self.instances.insert(inst.addr.clone(), inst.deps.clone());
        let Some(ds) = crate::provider::data_source_type(&inst.addr.resource.type_) else {
            return Ok(Value::Unknown);
        };
        for d in config_problems(inst, ds.schema().problems(&inst.config)) {
            self.diags.push(d);
        }
        Ok(with_unknown_computed(&inst.config, ds.schema()))
    }
}
