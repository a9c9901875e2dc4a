//! The plan as JSON in Terraform's `show -json` format (format_version 1.2), so consumers
//! written for Terraform's JSON plan (policy tools, PR bots) read strata's.
//!
//! One deliberate difference: Terraform prints sensitive values in `before`/`after` and only
//! flags them in `*_sensitive`; strata replaces them with `null` and flags them, so a JSON plan
//! can be posted anywhere.

use super::{Action, Plan, ResourceChange};
use crate::addr::InstanceAddr;
use crate::config::{Config, Mode, Module};
use crate::eval::ProviderKind;
use crate::value::Value;
use serde_json::{json, Map as JsonMap, Value as Json};
use std::collections::BTreeMap;

/// A value with sensitive parts replaced by null.
pub fn redacted_json(v: &Value) -> Json {
    match v {
        Value::Sensitive(_) => Json::Null,
        Value::Unknown => Json::Null,
        Value::List(items) => Json::Array(items.iter().map(redacted_json).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), redacted_json(v)))
                .collect(),
        ),
        other => other.to_json(),
    }
}

/// Mirror of a value: `true` where `pred` holds, collections mirrored, `false` elided.
fn mirror(v: &Value, pred: &dyn Fn(&Value) -> bool) -> Json {
    if pred(v) {
        return Json::Bool(true);
    }
    match v.unmarked() {
        Value::List(items) => Json::Array(items.iter().map(|i| mirror_or_false(i, pred)).collect()),
        Value::Map(m) => {
            let mut out = JsonMap::new();
            for (k, x) in m {
                let j = mirror(x, pred);
                if j != Json::Bool(false) && j != json!({}) {
                    out.insert(k.clone(), j);
                }
            }
            Json::Object(out)
        }
        _ => Json::Bool(false),
    }
}

fn mirror_or_false(v: &Value, pred: &dyn Fn(&Value) -> bool) -> Json {
    match mirror(v, pred) {
        Json::Object(m) if m.is_empty() => Json::Bool(false),
        other => other,
    }
}

fn top_mirror(v: Option<&Value>, pred: &dyn Fn(&Value) -> bool) -> Json {
    match v {
        None => Json::Bool(false),
        Some(v) => match mirror(v, pred) {
            Json::Bool(false) => json!({}),
            other => other,
        },
    }
}

fn is_unknown(v: &Value) -> bool {
    matches!(v.unmarked(), Value::Unknown)
}

fn is_sensitive(v: &Value) -> bool {
    v.is_sensitive()
}

fn index_json(addr: &InstanceAddr) -> Option<Json> {
    addr.key.to_json()
}

fn module_address(addr: &InstanceAddr) -> Option<String> {
    (!addr.module.is_root()).then(|| addr.module.to_string())
}

/// The source address of the provider a type belongs to.
fn provider_name(type_: &str) -> &'static str {
    ProviderKind::of_type(type_).source()
}

fn change_json(c: &ResourceChange, drift: bool) -> Json {
    let mut out = JsonMap::new();
    out.insert("address".into(), json!(c.addr.to_string()));
    if let Some(m) = module_address(&c.addr) {
        out.insert("module_address".into(), json!(m));
    }
    out.insert(
        "mode".into(),
        json!(if c.addr.resource.mode == Mode::Data {
            "data"
        } else {
            "managed"
        }),
    );
    out.insert("type".into(), json!(c.addr.resource.type_));
    out.insert("name".into(), json!(c.addr.resource.name));
    if let Some(i) = index_json(&c.addr) {
        out.insert("index".into(), i);
    }
    out.insert(
        "provider_name".into(),
        json!(provider_name(&c.addr.resource.type_)),
    );
    let mut change = JsonMap::new();
    change.insert("actions".into(), json!(c.action.json_actions()));
    change.insert(
        "before".into(),
        c.before.as_ref().map(redacted_json).unwrap_or(Json::Null),
    );
    change.insert(
        "after".into(),
        c.after.as_ref().map(redacted_json).unwrap_or(Json::Null),
    );
    change.insert(
        "after_unknown".into(),
        top_mirror(c.after.as_ref(), &is_unknown),
    );
    change.insert(
        "before_sensitive".into(),
        top_mirror(c.before.as_ref(), &is_sensitive),
    );
    change.insert(
        "after_sensitive".into(),
        top_mirror(c.after.as_ref(), &is_sensitive),
    );
    if !c.replace_paths.is_empty() {
        change.insert(
            "replace_paths".into(),
            Json::Array(c.replace_paths.iter().map(|p| json!([p])).collect()),
        );
    }
    if let Some(id) = &c.importing {
        change.insert("importing".into(), json!({ "id": id }));
    }
    out.insert("change".into(), Json::Object(change));
    if let Some(r) = &c.reason {
        if !drift {
            out.insert("action_reason".into(), json!(r));
        }
    }
    Json::Object(out)
}

/// Resources grouped into Terraform's nested module shape for planned_values / prior_state.
fn module_tree(resources: Vec<(InstanceAddr, Json)>) -> Json {
    let mut by_module: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for (addr, r) in resources {
        by_module
            .entry(addr.module.to_string())
            .or_default()
            .push(r);
    }
    let mut root = JsonMap::new();
    root.insert(
        "resources".into(),
        Json::Array(by_module.remove("").unwrap_or_default()),
    );
    let children: Vec<Json> = by_module
        .into_iter()
        .map(|(address, resources)| json!({ "address": address, "resources": resources }))
        .collect();
    if !children.is_empty() {
        root.insert("child_modules".into(), Json::Array(children));
    }
    Json::Object(root)
}

fn resource_value_json(addr: &InstanceAddr, v: &Value) -> Json {
    let mut out = JsonMap::new();
    out.insert("address".into(), json!(addr.to_string()));
    out.insert(
        "mode".into(),
        json!(if addr.resource.mode == Mode::Data {
            "data"
        } else {
            "managed"
        }),
    );
    out.insert("type".into(), json!(addr.resource.type_));
    out.insert("name".into(), json!(addr.resource.name));
    if let Some(i) = index_json(addr) {
        out.insert("index".into(), i);
    }
    out.insert(
        "provider_name".into(),
        json!(provider_name(&addr.resource.type_)),
    );
    out.insert("schema_version".into(), json!(0));
    out.insert("values".into(), redacted_json(v));
    out.insert(
        "sensitive_values".into(),
        top_mirror(Some(v), &is_sensitive),
    );
    Json::Object(out)
}

fn outputs_json(outputs: impl Iterator<Item = (String, Value, bool)>) -> Json {
    Json::Object(
        outputs
            .map(|(k, v, sensitive)| {
                let value = if sensitive {
                    Json::Null
                } else {
                    redacted_json(&v)
                };
                (k, json!({ "sensitive": sensitive, "value": value }))
            })
            .collect(),
    )
}

/// Renders the whole plan.
pub fn render(plan: &Plan) -> Json {
    let mut out = JsonMap::new();
    out.insert("format_version".into(), json!("1.2"));
    out.insert(
        "terraform_version".into(),
        json!(format!("strata-{}", plan.strata_version)),
    );
    out.insert(
        "variables".into(),
        Json::Object(
            plan.variables
                .iter()
                .map(|(k, v)| (k.clone(), json!({ "value": redacted_json(v) })))
                .collect(),
        ),
    );
    // Planned values: every managed object as it will be after apply.
    let planned: Vec<(InstanceAddr, Json)> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete && c.addr.resource.mode == Mode::Managed)
        .filter_map(|c| {
            c.after
                .as_ref()
                .map(|a| (c.addr.clone(), resource_value_json(&c.addr, a)))
        })
        .collect();
    // strata's own key: the guardrail errors `--soft-fail` let through, so a policy tool or
    // reviewer reading the JSON sees them (absent when none were).
    if !plan.overridden.is_empty() {
        out.insert(
            "guardrail_errors_overridden".into(),
            serde_json::to_value(&plan.overridden).unwrap_or_default(),
        );
    }
    out.insert(
        "planned_values".into(),
        json!({
            "outputs": outputs_json(plan.outputs.iter().filter(|(_, o)| o.after.is_wholly_known()).map(|(k, o)| (k.clone(), o.after.clone(), o.sensitive))),
            "root_module": module_tree(planned),
        }),
    );
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|d| {
            let action = if d.after.is_some() {
                Action::Update
            } else {
                Action::Delete
            };
            let c = ResourceChange::new(
                d.addr.clone(),
                action,
                Some(d.before.clone()),
                d.after.clone(),
            );
            change_json(&c, true)
        })
        .collect();
    if !drift.is_empty() {
        out.insert("resource_drift".into(), Json::Array(drift));
    }
    // Terraform's shape: the drifted attributes that may have contributed to the changes.
    let relevant: Vec<Json> = plan
        .drift
        .iter()
        .flat_map(|d| {
            d.relevant
                .iter()
                .map(|a| json!({"resource": d.addr.to_string(), "attribute": [a]}))
        })
        .collect();
    if !relevant.is_empty() {
        out.insert("relevant_attributes".into(), Json::Array(relevant));
    }
    out.insert(
        "resource_changes".into(),
        // Terraform's: every managed instance (no-ops included) and the data reads that must
        // wait for apply; data read while planning is part of the prior state instead.
        Json::Array(
            plan.changes
                .iter()
                .filter(|c| !super::view::is_plan_time_read(c))
                .map(|c| change_json(c, false))
                .collect(),
        ),
    );
    let output_changes: JsonMap<String, Json> = plan
        .outputs
        .iter()
        .map(|(k, o)| {
            let actions: &[&str] = match &o.before {
                None => &["create"],
                Some(b) if b == &o.after => &["no-op"],
                Some(_) => &["update"],
            };
            let hide = |v: &Value| {
                if o.sensitive {
                    Json::Null
                } else {
                    redacted_json(v)
                }
            };
            (
                k.clone(),
                json!({
                    "actions": actions,
                    "before": o.before.as_ref().map(hide).unwrap_or(Json::Null),
                    "after": hide(&o.after),
                    "after_unknown": !o.after.is_wholly_known(),
                    "before_sensitive": o.sensitive,
                    "after_sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    out.insert("output_changes".into(), Json::Object(output_changes));
    let prior: Vec<(InstanceAddr, Json)> = plan
        .changes
        .iter()
        .filter_map(|c| {
            let value = if super::view::is_plan_time_read(c) {
                c.after.as_ref()
            } else if c.addr.resource.mode == Mode::Managed {
                c.before.as_ref()
            } else {
                None
            };
            value.map(|v| (c.addr.clone(), resource_value_json(&c.addr, v)))
        })
        .collect();
    out.insert(
        "prior_state".into(),
        json!({
            "format_version": "1.0",
            "terraform_version": format!("strata-{}", plan.strata_version),
            "values": {
                "outputs": outputs_json(plan.outputs.iter().filter_map(|(k, o)| o.before.clone().map(|b| (k.clone(), b, o.sensitive)))),
                "root_module": module_tree(prior),
            },
        }),
    );
    out.insert("configuration".into(), plan.configuration.clone());
    out.insert("applyable".into(), json!(plan.has_changes()));
    out.insert("complete".into(), json!(true));
    out.insert("errored".into(), json!(false));
    Json::Object(out)
}

/// The `configuration` section: every resource's expressions as constants or references,
/// enough for policy tools.
pub fn configuration(config: &Config) -> Json {
    let mut providers = JsonMap::new();
    for p in &config.root.providers {
        let key = match &p.alias {
            Some(a) => format!("aws.{a}"),
            None => "aws".into(),
        };
        providers.insert(
            key,
            json!({
                "name": "aws",
                "full_name": ProviderKind::default().source(),
                "alias": p.alias,
                "expressions": body_expressions(&p.body, None),
            }),
        );
    }
    json!({
        "provider_config": providers,
        "root_module": module_json(&config.root),
    })
}

fn module_json(module: &Module) -> Json {
    let resources: Vec<Json> = module
        .resources
        .values()
        .map(|r| {
            let local_name = ProviderKind::of_type(&r.type_).local_name();
            let provider_key = match r.provider.as_ref().and_then(|p| p.alias.clone()) {
                Some(a) => format!("{local_name}.{a}"),
                None => local_name.into(),
            };
            let mut j = json!({
                "address": r.key(),
                "mode": if r.mode == Mode::Data { "data" } else { "managed" },
                "type": r.type_,
                "name": r.name,
                "provider_config_key": provider_key,
                "expressions": body_expressions(&r.body, schema_of(r)),
                "schema_version": 0,
            });
            if let Some(c) = &r.count {
                j["count_expression"] = expression_json(c);
            }
            if let Some(f) = &r.for_each {
                j["for_each_expression"] = expression_json(f);
            }
            j
        })
        .collect();
    let calls: JsonMap<String, Json> = module
        .module_calls
        .iter()
        .map(|(name, call)| {
            let inputs: JsonMap<String, Json> = call
                .inputs
                .iter()
                .map(|(k, a)| (k.clone(), expression_json(&a.expr)))
                .collect();
            (
                name.clone(),
                json!({
                    "source": call.source,
                    "expressions": inputs,
                    "module": module_json(&call.module),
                }),
            )
        })
        .collect();
    let variables: JsonMap<String, Json> = module
        .variables
        .values()
        .map(|v| {
            let mut j = JsonMap::new();
            if let Some(d) = &v.default {
                if let Some(lit) = crate::config::types::literal(&d.expr) {
                    if !v.sensitive {
                        j.insert("default".into(), lit.to_json());
                    }
                }
            }
            if let Some(d) = &v.description {
                j.insert("description".into(), json!(d));
            }
            if v.sensitive {
                j.insert("sensitive".into(), json!(true));
            }
            (v.name.clone(), Json::Object(j))
        })
        .collect();
    let outputs: JsonMap<String, Json> = module
        .outputs
        .values()
        .map(|o| {
            (
                o.name.clone(),
                json!({ "expression": expression_json(&o.value), "sensitive": o.sensitive }),
            )
        })
        .collect();
    json!({
        "resources": resources,
        "module_calls": calls,
        "variables": variables,
        "outputs": outputs,
    })
}

fn schema_of(r: &crate::config::Resource) -> Option<&'static crate::provider::Schema> {
    match r.mode {
        Mode::Managed => crate::provider::resource_type(&r.type_).map(|t| t.schema()),
        Mode::Data => crate::provider::data_source_type(&r.type_).map(|t| t.schema()),
    }
}

/// Provider arguments that hold credentials.
const SECRET_PROVIDER_ARGS: &[&str] = &["access_key", "secret_key", "token"];

fn body_expressions(body: &crate::config::Body, schema: Option<&crate::provider::Schema>) -> Json {
    let mut out = JsonMap::new();
    for (k, a) in &body.attrs {
        let sensitive = match schema {
            Some(s) => s.attribute(k).is_some_and(|a| a.sensitive),
            None => SECRET_PROVIDER_ARGS.contains(&k.as_str()),
        };
        if sensitive {
            // Never the value, even a literal one: only that it is set and what it refers to.
            let mut j = expression_json(&a.expr);
            if let Some(m) = j.as_object_mut() {
                m.remove("constant_value");
                m.insert("sensitive".into(), json!(true));
            }
            out.insert(k.clone(), j);
            continue;
        }
        out.insert(k.clone(), expression_json(&a.expr));
    }
    let mut blocks: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for b in &body.blocks {
        let inner = schema
            .and_then(|s| s.block_type(&b.kind))
            .map(|bt| &bt.schema);
        blocks
            .entry(b.kind.clone())
            .or_default()
            .push(body_expressions(&b.body, inner));
    }
    for (k, v) in blocks {
        out.insert(k, Json::Array(v));
    }
    Json::Object(out)
}

fn expression_json(e: &crate::config::Expr) -> Json {
    if let Some(lit) = crate::config::types::literal(&e.expr) {
        return json!({ "constant_value": lit.to_json() });
    }
    let mut refs: Vec<String> = Vec::new();
    for r in crate::config::refs::references(e, &[]) {
        let s = r.subject.to_string();
        if !refs.contains(&s) {
            refs.push(s);
        }
    }
    json!({ "references": refs })
}
