//! The generic, schema-driven differ: prior state + evaluated config → planned object and
//! action. Resource files only add what their API needs (`customize_plan`).
//!
//! Equality follows terraform-provider-aws (SDKv2) semantics: an unset argument and its zero
//! value (`""`, `0`, `false`, `[]`, `{}`) are the same; sets compare without order; a
//! sensitive argument that AWS never returns is compared against the salted hash in state.

use super::Action;
use crate::config::{IgnoreChanges, Lifecycle};
use crate::provider::ResourceType;
use crate::schema::{AttrType, Nesting, Schema};
use crate::value::{Map, Value};

#[derive(Debug, Clone)]
pub struct Diff {
    pub action: Action,
    pub planned: Value,
    /// Arguments whose change forces a replacement.
    pub replace_paths: Vec<String>,
    /// Every argument that changes.
    pub changed: Vec<String>,
}

/// Plans one managed instance.
pub fn diff(
    rt: &dyn ResourceType,
    prior: Option<&Value>,
    config: &Value,
    lifecycle: &Lifecycle,
) -> Diff {
    let schema = rt.schema();
    let mut planned = proposed(schema, prior, config, lifecycle);
    schema.modify_plan(prior, config, &mut planned);
    rt.customize_plan(prior, &mut planned);
    let Some(prior) = prior else {
        return Diff {
            action: Action::Create,
            planned: mark_sensitive(schema, planned),
            replace_paths: Vec::new(),
            changed: Vec::new(),
        };
    };
    let mut changed = Vec::new();
    let mut replace_paths = Vec::new();
    for a in &schema.attributes {
        if !a.is_settable() {
            continue;
        }
        let p = planned.get(a.name).unwrap_or(&Value::Null);
        let o = prior.get(a.name).unwrap_or(&Value::Null);
        if !attr_equal(&a.ty, p, o, a.is_hashed_secret()) {
            changed.push(a.name.to_string());
            if a.replaces(o, p) {
                replace_paths.push(a.name.to_string());
            }
        }
    }
    for b in &schema.blocks {
        let p = planned.get(b.name).unwrap_or(&Value::Null);
        let o = prior.get(b.name).unwrap_or(&Value::Null);
        if !blocks_equal(&b.schema, b.nesting, p, o) {
            changed.push(b.name.to_string());
            if b.force_new {
                replace_paths.push(b.name.to_string());
            }
        }
    }
    let action = if !replace_paths.is_empty() {
        replacement(rt, config, lifecycle, &mut planned)
    } else if !changed.is_empty() {
        Action::Update
    } else {
        Action::NoOp
    };
    Diff {
        action,
        planned: mark_sensitive(schema, planned),
        replace_paths,
        changed,
    }
}

/// Plans a replacement whatever changed: the prior object is tainted (it never became
/// usable), so a new one takes its place.
pub fn diff_tainted(
    rt: &dyn ResourceType,
    prior: &Value,
    config: &Value,
    lifecycle: &Lifecycle,
) -> Diff {
    let mut d = diff(rt, Some(prior), config, lifecycle);
    if !d.action.is_replace() {
        d.action = replacement(rt, config, lifecycle, &mut d.planned);
        d.planned = mark_sensitive(rt.schema(), std::mem::take(&mut d.planned));
    }
    d
}

/// Turns `planned` into a new object's plan: everything AWS computes and the configuration
/// does not set is unknown again.
fn replacement(
    rt: &dyn ResourceType,
    config: &Value,
    lifecycle: &Lifecycle,
    planned: &mut Value,
) -> Action {
    if let Value::Map(m) = planned {
        for a in &rt.schema().attributes {
            let configured = config.get(a.name).is_some_and(|v| !v.is_null());
            if a.computed && !configured {
                m.insert(a.name.to_string(), Value::Unknown);
            }
        }
    }
    rt.schema().modify_plan(None, config, planned);
    rt.customize_plan(None, planned);
    if lifecycle.create_before_destroy {
        Action::CreateThenDelete
    } else {
        Action::DeleteThenCreate
    }
}

/// The object the config asks for, with what config leaves unset taken from the prior state
/// (computed arguments) or the schema's default.
pub fn proposed(
    schema: &Schema,
    prior: Option<&Value>,
    config: &Value,
    lifecycle: &Lifecycle,
) -> Value {
    let mut out = Map::new();
    for a in &schema.attributes {
        let cfg = config.get(a.name).cloned().unwrap_or(Value::Null);
        let old = prior.and_then(|p| p.get(a.name)).cloned();
        let ignored = match &lifecycle.ignore_changes {
            IgnoreChanges::All => true,
            IgnoreChanges::Paths(paths) => paths
                .iter()
                .any(|(p, _)| p == a.name || p.starts_with(&format!("{}.", a.name))),
            IgnoreChanges::None => false,
        };
        let v = if a.write_only {
            // Never planned: apply takes it from the configuration.
            Value::Null
        } else if !a.is_settable() {
            old.unwrap_or(Value::Unknown)
        } else if ignored && old.is_some() && a.name != "tags_all" {
            old.unwrap_or(Value::Null)
        } else if !cfg.is_null() {
            cfg
        } else if a.computed {
            // Left to AWS: keep what it chose (even "nothing"); unknown only for a new object.
            match (prior, old) {
                (Some(_), Some(v)) => v,
                _ => a.default.clone().unwrap_or(Value::Unknown),
            }
        } else {
            a.default.clone().unwrap_or(Value::Null)
        };
        let prior_value = prior.and_then(|p| p.get(a.name));
        let v = keep_equal_prior(v, prior_value, |v, o| {
            a.is_settable() && !a.is_hashed_secret() && attr_equal(&a.ty, v, o, false)
        });
        out.insert(a.name.to_string(), v);
    }
    for b in &schema.blocks {
        let cfg = config.get(b.name).cloned().unwrap_or(Value::Null);
        let old = prior.and_then(|p| p.get(b.name)).cloned();
        let ignored = match &lifecycle.ignore_changes {
            IgnoreChanges::All => true,
            IgnoreChanges::Paths(paths) => paths.iter().any(|(p, _)| p == b.name),
            IgnoreChanges::None => false,
        };
        let v = if ignored && old.is_some() {
            old.unwrap_or(Value::Null)
        } else if b.computed && cfg.is_null() {
            // Not written: keep what exists; for a new object AWS (or the create) decides.
            match (prior, old) {
                (Some(_), Some(v)) => v,
                _ => Value::Unknown,
            }
        } else {
            let filled = fill_block_defaults(&b.schema, b.nesting, cfg);
            computed_from_prior(&b.schema, b.nesting, filled, old.as_ref())
        };
        let prior_value = prior.and_then(|p| p.get(b.name));
        let v = keep_equal_prior(v, prior_value, |v, o| {
            blocks_equal(&b.schema, b.nesting, v, o)
        });
        out.insert(b.name.to_string(), v);
    }
    Value::Map(out)
}

/// The prior value instead of `planned` when the two are equal under SDKv2 semantics: an
/// Optional argument left unset whose prior value is AWS's zero (`snapshot_retention_limit =
/// 0`), a set written in another order. What exists is what is planned, so the plan shows
/// no line for it and an update sends nothing for it. A sensitive mark the configuration
/// gave the value stays on it.
fn keep_equal_prior(
    planned: Value,
    prior: Option<&Value>,
    equal: impl Fn(&Value, &Value) -> bool,
) -> Value {
    match prior {
        Some(old) if equal(&planned, old) => old.clone().mark_if(planned.contains_sensitive()),
        _ => planned,
    }
}

/// A written block's computed attributes left unset keep what the prior block at the same
/// position has (SDKv2's Optional+Computed nested attributes: `dns_options { }` without a
/// `dns_record_ip_type` keeps the one AWS chose). Items of a set block have no position.
fn computed_from_prior(
    schema: &Schema,
    nesting: Nesting,
    v: Value,
    prior: Option<&Value>,
) -> Value {
    let keep = |item: Value, old: Option<&Value>| match (item, old) {
        (Value::Map(mut m), Some(old)) => {
            for a in schema.attributes.iter().filter(|a| a.computed) {
                let unset = m.get(a.name).is_none_or(Value::is_null);
                if let (true, Some(o)) = (unset, old.get(a.name).filter(|o| !o.is_null())) {
                    m.insert(a.name.to_string(), o.clone());
                }
            }
            Value::Map(m)
        }
        (item, _) => item,
    };
    match (nesting, v) {
        (Nesting::Single, v) => keep(v, prior),
        (Nesting::List, Value::List(items)) => {
            let olds = prior.and_then(Value::as_list);
            let at = |i: usize| olds.and_then(|o| o.get(i));
            Value::List(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| keep(item, at(i)))
                    .collect(),
            )
        }
        (_, v) => v,
    }
}

fn fill_block_defaults(schema: &Schema, nesting: Nesting, v: Value) -> Value {
    let fill = |item: Value| -> Value {
        match item {
            Value::Map(m) => {
                let mut out = m;
                for a in &schema.attributes {
                    let e = out.entry(a.name.to_string()).or_insert(Value::Null);
                    if e.is_null() {
                        if let Some(d) = &a.default {
                            *e = d.clone();
                        }
                    }
                }
                for b in &schema.blocks {
                    let inner = out.remove(b.name).unwrap_or(Value::Null);
                    out.insert(
                        b.name.to_string(),
                        fill_block_defaults(&b.schema, b.nesting, inner),
                    );
                }
                Value::Map(out)
            }
            other => other,
        }
    };
    match (nesting, v) {
        (Nesting::Single, v) => fill(v),
        (_, Value::List(items)) => {
            let items: Vec<Value> = items.into_iter().map(fill).collect();
            if nesting == Nesting::Set {
                crate::eval::expr::normalize_set(Value::List(items))
            } else {
                Value::List(items)
            }
        }
        (_, Value::Null) => Value::List(Vec::new()),
        (_, other) => other,
    }
}

/// Marks every sensitive attribute's value so no renderer shows it.
pub fn mark_sensitive(schema: &Schema, v: Value) -> Value {
    match v {
        Value::Map(mut m) => {
            for a in &schema.attributes {
                if a.sensitive {
                    if let Some(x) = m.remove(a.name) {
                        let x = if x.is_null() { x } else { x.sensitive() };
                        m.insert(a.name.to_string(), x);
                    }
                }
            }
            Value::Map(m)
        }
        other => other,
    }
}

/// Equality of one attribute under SDKv2 semantics.
pub fn attr_equal(ty: &AttrType, planned: &Value, prior: &Value, hashed_secret: bool) -> bool {
    let (p, o) = (planned.unmarked(), prior.unmarked());
    if matches!(p, Value::Unknown) || matches!(o, Value::Unknown) {
        return false;
    }
    if hashed_secret {
        if let (Value::String(plain), Value::String(stored)) = (p, o) {
            if crate::state::secret::is_hashed(stored) {
                return crate::state::secret::secret_matches(stored, plain);
            }
        }
    }
    if p.is_zero() && o.is_zero() {
        return true;
    }
    match (ty, p, o) {
        (AttrType::Set(e), Value::List(a), Value::List(b)) => {
            let mut a = a.clone();
            let mut b = b.clone();
            crate::value::sort_dedup(&mut a);
            crate::value::sort_dedup(&mut b);
            a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| attr_equal(e, x, y, false))
        }
        (AttrType::List(e), Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| attr_equal(e, x, y, false))
        }
        (AttrType::Map(e), Value::Map(a), Value::Map(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().all(|k| {
                attr_equal(
                    e,
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    false,
                )
            })
        }
        _ => crate::eval::expr::values_equal(p, o),
    }
}

/// Equality of a nested block value (list, set or single object).
pub fn blocks_equal(schema: &Schema, nesting: Nesting, planned: &Value, prior: &Value) -> bool {
    let (p, o) = (planned.unmarked(), prior.unmarked());
    if matches!(p, Value::Unknown) || matches!(o, Value::Unknown) {
        return false;
    }
    if p.is_zero() && o.is_zero() {
        return true;
    }
    let obj_equal = |a: &Value, b: &Value| -> bool {
        schema.attributes.iter().all(|attr| {
            attr_equal(
                &attr.ty,
                a.get(attr.name).unwrap_or(&Value::Null),
                b.get(attr.name).unwrap_or(&Value::Null),
                false,
            )
        }) && schema.blocks.iter().all(|bt| {
            blocks_equal(
                &bt.schema,
                bt.nesting,
                a.get(bt.name).unwrap_or(&Value::Null),
                b.get(bt.name).unwrap_or(&Value::Null),
            )
        })
    };
    match (nesting, p, o) {
        (Nesting::Single, a, b) => obj_equal(a, b),
        (Nesting::List, Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| obj_equal(x, y))
        }
        (Nesting::Set, Value::List(a), Value::List(b)) => {
            // Every element must have an equal partner, both ways.
            a.len() == b.len()
                && a.iter().all(|x| b.iter().any(|y| obj_equal(x, y)))
                && b.iter().all(|y| a.iter().any(|x| obj_equal(x, y)))
        }
        _ => false,
    }
}

/// Attribute names whose value differs between two objects (for drift reports).
pub fn changed_attributes(schema: &Schema, a: &Value, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for attr in &schema.attributes {
        if (attr.virtual_ && !attr.write_only_version) || attr.write_only {
            continue;
        }
        if !attr_equal(
            &attr.ty,
            a.get(attr.name).unwrap_or(&Value::Null),
            b.get(attr.name).unwrap_or(&Value::Null),
            false,
        ) {
            out.push(attr.name.to_string());
        }
    }
    for bt in schema.blocks.iter().filter(|b| !b.virtual_) {
        if !blocks_equal(
            &bt.schema,
            bt.nesting,
            a.get(bt.name).unwrap_or(&Value::Null),
            b.get(bt.name).unwrap_or(&Value::Null),
        ) {
            out.push(bt.name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs)
    }

    #[test]
    fn unset_and_empty_are_equal_like_sdkv2() {
        let t = AttrType::Map(Box::new(AttrType::String));
        assert!(attr_equal(&t, &Value::Null, &Value::Map(Map::new()), false));
        assert!(attr_equal(
            &AttrType::Bool,
            &Value::Null,
            &Value::Bool(false),
            false
        ));
        assert!(!attr_equal(
            &AttrType::Bool,
            &Value::Null,
            &Value::Bool(true),
            false
        ));
    }

    /// Regression: an Optional argument left unset whose prior value is AWS's zero was planned
    /// null: `snapshot_retention_limit = 0 -> null` in every plan that changed the object,
    /// and a ModifyCacheCluster setting it to 0 again.
    #[test]
    fn an_unset_argument_whose_prior_is_aws_zero_keeps_it() {
        let rt = crate::provider::resource_type("aws_elasticache_cluster").unwrap();
        let prior = obj(&[
            ("id", Value::from("cache")),
            ("cluster_id", Value::from("cache")),
            ("engine", Value::from("redis")),
            ("node_type", Value::from("cache.t3.micro")),
            ("num_cache_nodes", Value::from(1)),
            ("snapshot_retention_limit", Value::from(0)),
            (
                "security_group_ids",
                Value::List(vec!["sg-b".into(), "sg-a".into()]),
            ),
        ]);
        let config = obj(&[
            ("cluster_id", Value::from("cache")),
            ("engine", Value::from("redis")),
            ("node_type", Value::from("cache.t3.small")),
            ("num_cache_nodes", Value::from(1)),
            (
                "security_group_ids",
                Value::List(vec!["sg-a".into(), "sg-b".into()]),
            ),
        ]);
        let planned = proposed(rt.schema(), Some(&prior), &config, &Lifecycle::default());
        assert_eq!(
            planned.get("snapshot_retention_limit"),
            Some(&Value::from(0))
        );
        assert_eq!(
            planned.get("node_type"),
            Some(&Value::from("cache.t3.small"))
        );
        // A set written in another order is what exists, as it exists.
        assert_eq!(
            planned.get("security_group_ids"),
            prior.get("security_group_ids")
        );
    }

    #[test]
    fn a_write_only_value_is_never_planned_and_only_its_version_changes_an_object() {
        let rt = crate::provider::resource_type("aws_db_instance").unwrap();
        let base = [
            ("identifier", Value::from("db")),
            ("engine", Value::from("mysql")),
            ("instance_class", Value::from("db.t3.micro")),
            ("allocated_storage", Value::from(20)),
            ("username", Value::from("admin")),
        ];
        let config = |password: &str, version: i32| {
            let mut pairs = base.to_vec();
            pairs.push(("password_wo", Value::from(password).sensitive()));
            pairs.push(("password_wo_version", Value::from(version)));
            obj(&pairs)
        };
        let created = diff(rt, None, &config("first-secret", 1), &Lifecycle::default());
        assert_eq!(created.planned.get("password_wo"), Some(&Value::Null));
        // What state would hold after the create: the version, never the value.
        let Value::Map(mut prior) = created.planned.clone() else {
            panic!("an object")
        };
        for v in prior.values_mut().filter(|v| !v.is_known()) {
            *v = Value::Null;
        }
        let prior = Value::Map(prior);
        let same = diff(
            rt,
            Some(&prior),
            &config("other-secret", 1),
            &Lifecycle::default(),
        );
        assert_eq!(same.action, Action::NoOp, "{:?}", same.changed);
        let bumped = diff(
            rt,
            Some(&prior),
            &config("other-secret", 2),
            &Lifecycle::default(),
        );
        assert_eq!(bumped.action, Action::Update);
        assert_eq!(bumped.changed, ["password_wo_version"]);
        assert_eq!(bumped.planned.get("password_wo"), Some(&Value::Null));
        assert_eq!(
            changed_attributes(rt.schema(), &prior, &bumped.planned),
            ["password_wo_version"],
            "a version change alone is a reason for an AWS call"
        );
    }

    #[test]
    fn sets_compare_without_order() {
        let t = AttrType::Set(Box::new(AttrType::String));
        let a = Value::List(vec!["b".into(), "a".into()]);
        let b = Value::List(vec!["a".into(), "b".into()]);
        assert!(attr_equal(&t, &a, &b, false));
    }

    #[test]
    fn unknown_is_never_equal() {
        assert!(!attr_equal(
            &AttrType::String,
            &Value::Unknown,
            &Value::from("x"),
            false
        ));
    }

    #[test]
    fn a_secret_matches_its_hash_and_not_another_value() {
        let stored = crate::state::secret::hash_secret("hunter22");
        assert!(attr_equal(
            &AttrType::String,
            &Value::from("hunter22"),
            &Value::from(stored.as_str()),
            true
        ));
        assert!(!attr_equal(
            &AttrType::String,
            &Value::from("changed"),
            &Value::from(stored.as_str()),
            true
        ));
    }
}
