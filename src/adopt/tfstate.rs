//! Taking over a Terraform state (format version 4): every instance of a supported type is
//! read again through the provider under the same address and id; everything else is reported
//! as left behind.

use crate::addr::{InstanceAddr, ModuleInstance, ResourceAddr};
use crate::config::Mode;
use crate::plan::build::provider_for_state;
use crate::provider::{Provider, ProviderSettings};
use crate::state::{InstanceState, OutputState, State};
use crate::value::Value;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct TfState {
    pub version: u32,
    #[serde(default)]
    pub terraform_version: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, TfOutput>,
    #[serde(default)]
    pub resources: Vec<TfResource>,
}

#[derive(Deserialize)]
pub struct TfOutput {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Deserialize)]
pub struct TfResource {
    #[serde(default)]
    pub module: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub instances: Vec<TfInstance>,
}

#[derive(Deserialize)]
pub struct TfInstance {
    #[serde(default)]
    pub index_key: Option<serde_json::Value>,
    #[serde(default)]
    pub attributes: serde_json::Value,
    #[serde(default)]
    pub dependencies: Vec<String>,
}

/// What the migration did with one Terraform instance.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub addr: String,
    pub id: String,
    /// `None` when taken over; otherwise why it was left.
    pub left: Option<String>,
}

pub fn parse(text: &str) -> Result<TfState, String> {
    let st: TfState =
        serde_json::from_str(text).map_err(|e| format!("not a Terraform state: {e}"))?;
    if st.version != 4 {
        return Err(format!(
            "state format version {} is not supported (Terraform ≥ 0.12 writes version 4)",
            st.version
        ));
    }
    Ok(st)
}

/// The id strata knows an object by, from Terraform's attributes. Terraform ≥ 5 stores an RDS
/// instance's DbiResourceId (`db-…`) as `id` and the identifier in `identifier`.
pub fn strata_id(type_: &str, attrs: &serde_json::Value) -> Option<String> {
    let get = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match type_ {
        "aws_db_instance" => get("identifier").or_else(|| get("id")),
        _ => get("id"),
    }
}

/// Reads every supported instance of `tf` through the provider and puts it into `state`.
pub async fn migrate(
    tf: &TfState,
    state: &mut State,
    providers: &[ProviderSettings],
    provider: &dyn Provider,
) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::new();
    type Item = (InstanceAddr, String, String, serde_json::Value, Vec<String>);
    let mut groups: BTreeMap<(String, ProviderSettings), Vec<Item>> = BTreeMap::new();
    for r in &tf.resources {
        let module: ModuleInstance = if r.module.is_empty() {
            ModuleInstance::root()
        } else {
            r.module
                .parse()
                .map_err(|_| format!("invalid module address {:?} in the state", r.module))?
        };
        let mode = if r.mode == "data" {
            Mode::Data
        } else {
            Mode::Managed
        };
        for inst in &r.instances {
            let key = crate::state::model::key_from_json(inst.index_key.as_ref())
                .ok_or_else(|| format!("invalid index_key in {}.{}", r.type_, r.name))?;
            let addr = InstanceAddr {
                module: module.clone(),
                resource: ResourceAddr {
                    mode,
                    type_: r.type_.clone(),
                    name: r.name.clone(),
                },
                key,
            };
            let id = strata_id(&r.type_, &inst.attributes).unwrap_or_default();
            let left = if mode == Mode::Data {
                Some("data source: read again on every plan".to_string())
            } else if crate::provider::resource_type(&r.type_).is_none() {
                Some("resource type not supported by strata".to_string())
            } else if id.is_empty() {
                Some("no id in the state".to_string())
            } else {
                None
            };
            if let Some(why) = left {
                outcomes.push(Outcome {
                    addr: addr.to_string(),
                    id,
                    left: Some(why),
                });
                continue;
            }
            let region = inst
                .attributes
                .get("region")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let mut settings = provider_for_state(providers, &r.provider, region);
            if settings.region.is_empty() {
                settings.region = crate::provider::ProviderSettings::unconfigured(None).region;
            }
            groups
                .entry((r.type_.clone(), settings))
                .or_default()
                .push((
                    addr,
                    id,
                    r.provider.clone(),
                    inst.attributes.clone(),
                    inst.dependencies.clone(),
                ));
        }
    }
    let reads = groups.into_iter().map(|((type_, settings), items)| {
        async move {
            let rt = crate::provider::resource_type(&type_).expect("checked above");
            // Terraform's attributes say what to look for (a classic rule's id is a hash).
            let prior: Vec<Value> = items
                .iter()
                .map(|i| {
                    let mut v = Value::from_json(&i.3);
                    if let Value::Map(m) = &mut v {
                        m.insert("id".into(), Value::from(i.1.as_str()));
                    }
                    v
                })
                .collect();
            let found = provider.read_prior(&settings, &type_, &prior).await;
            (rt, settings, items, found)
        }
    });
    for (rt, settings, items, found) in futures::future::join_all(reads).await {
        let mut found = found.map_err(|e| format!("reading {}: {}", rt.type_name(), e.message))?;
        for (addr, id, _tf_provider, attrs, deps) in items {
            let Some(read) = found.remove(&id) else {
                outcomes.push(Outcome {
                    addr: addr.to_string(),
                    id: id.clone(),
                    left: Some(format!("{id} no longer exists in {}", settings.region)),
                });
                continue;
            };
            // What AWS never returns (passwords, skip_final_snapshot) comes from Terraform's state.
            let tf = Value::from_json(&attrs);
            let mut obj = match read {
                Value::Map(m) => m,
                _ => continue,
            };
            for a in &rt.schema().attributes {
                if a.virtual_ {
                    let v = tf.get(a.name).cloned().unwrap_or(Value::Null);
                    let v = if v.is_null() {
                        a.default.clone().unwrap_or(Value::Null)
                    } else {
                        v
                    };
                    obj.insert(a.name.to_string(), v);
                }
            }
            for name in rt.schema().virtual_blocks() {
                let v = tf.get(name).cloned().unwrap_or(Value::Null);
                obj.insert(name.to_string(), v);
            }
            let obj = Value::Map(obj);
            state.set_instance(
                &addr,
                &settings.address(),
                InstanceState {
                    index_key: addr.key.to_json(),
                    status: None,
                    attributes: crate::apply::to_state_attributes(
                        &addr.resource.type_,
                        Mode::Managed,
                        &obj,
                    ),
                    dependencies: deps,
                    region: settings.region.clone(),
                },
            );
            outcomes.push(Outcome {
                addr: addr.to_string(),
                id,
                left: None,
            });
        }
    }
    for (name, o) in &tf.outputs {
        state.outputs.insert(
            name.clone(),
            OutputState {
                value: o.value.clone(),
                sensitive: o.sensitive,
            },
        );
    }
    outcomes.sort_by(|a, b| a.addr.cmp(&b.addr));
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_instances_are_known_by_their_identifier_not_terraforms_resource_id() {
        let attrs = serde_json::json!({ "id": "db-ABCDEFGHIJKL", "identifier": "main-db" });
        assert_eq!(
            strata_id("aws_db_instance", &attrs).as_deref(),
            Some("main-db")
        );
        let old = serde_json::json!({ "id": "main-db" });
        assert_eq!(
            strata_id("aws_db_instance", &old).as_deref(),
            Some("main-db")
        );
        assert_eq!(
            strata_id("aws_security_group", &serde_json::json!({ "id": "sg-1" })).as_deref(),
            Some("sg-1")
        );
    }

    #[test]
    fn only_version_4_is_accepted() {
        assert!(parse(r#"{"version": 3, "resources": []}"#).is_err());
        assert!(parse(r#"{"version": 4, "resources": []}"#).is_ok());
    }
}
