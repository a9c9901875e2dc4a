//! The state document: what strata believes exists, written as JSON close to Terraform's v4 state
//! so people can read it.

use super::StateError;
use crate::addr::{InstanceAddr, InstanceKey, ModuleInstance, ResourceAddr};
use crate::config::Mode;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// strata's state format version; a file with a higher version was written by a newer strata.
pub const STATE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// strata's format version (`STATE_VERSION`).
    pub version: u32,
    /// The strata release that last wrote this state.
    pub strata_version: String,
    /// Bumped by the caller every time it persists a changed state.
    pub serial: u64,
    /// A uuid v4 set when a state is first created; it never changes after that.
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Sorted by (module, mode, type, name); instances inside by key.
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    /// Operations in flight: recorded before the AWS call, removed after its result is saved.
    #[serde(default)]
    pub journal: Vec<JournalEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// `""` for the root module, else `module.a["x"]`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub module: String,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
    pub provider: String,
    #[serde(default)]
    pub instances: Vec<InstanceState>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// Absent without `count`/`for_each`; a number or a string like Terraform's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<serde_json::Value>,
    /// `Some("tainted")` for an object that must be replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub attributes: serde_json::Value,
    /// Resource addresses (without instance keys) this object depended on when it was created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    pub region: String,
}

impl InstanceState {
    pub fn new(attributes: serde_json::Value, region: impl Into<String>) -> InstanceState {
        InstanceState {
            index_key: None,
            status: None,
            attributes,
            dependencies: Vec::new(),
            region: region.into(),
        }
    }

    pub fn is_tainted(&self) -> bool {
        self.status.as_deref() == Some("tainted")
    }
}

/// One operation strata started against AWS and has not yet recorded the result of. After a
/// crash, the next run uses it to find (by `natural_id`) what may have been created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: String,
    pub addr: String,
    /// `create`, `update`, `delete` or `replace`.
    pub action: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub natural_id: Option<String>,
    pub region: String,
    pub provider: String,
    /// RFC 3339.
    pub started_at: String,
}

impl JournalEntry {
    /// A new entry with a fresh id, started now.
    pub fn new(
        addr: &InstanceAddr,
        action: &str,
        natural_id: Option<String>,
        region: &str,
        provider: &str,
    ) -> JournalEntry {
        JournalEntry {
            id: uuid::Uuid::new_v4().to_string(),
            addr: addr.to_string(),
            action: action.to_string(),
            type_: addr.resource.type_.clone(),
            natural_id,
            region: region.to_string(),
            provider: provider.to_string(),
            started_at: super::now_rfc3339(),
        }
    }
}

/// The JSON form of an instance key: absent, a number, or a string.
pub fn key_to_json(key: &InstanceKey) -> Option<serde_json::Value> {
    match key {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(serde_json::Value::from(*i)),
        InstanceKey::Str(s) => Some(serde_json::Value::String(s.clone())),
    }
}

/// The instance key an `index_key` denotes; `None` when it is neither an integer nor a string.
pub fn key_from_json(key: Option<&serde_json::Value>) -> Option<InstanceKey> {
    match key {
        None | Some(serde_json::Value::Null) => Some(InstanceKey::None),
        Some(serde_json::Value::String(s)) => Some(InstanceKey::Str(s.clone())),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => Some(InstanceKey::Int(i)),
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| InstanceKey::Int(f as i64)),
        },
        Some(_) => None,
    }
}

fn resource_order(a: &ResourceState, b: (&str, Mode, &str, &str)) -> Ordering {
    (a.module.as_str(), a.mode, a.type_.as_str(), a.name.as_str()).cmp(&b)
}

fn resource_key(addr: &InstanceAddr) -> (String, Mode, &str, &str) {
    (
        addr.module.to_string(),
        addr.resource.mode,
        addr.resource.type_.as_str(),
        addr.resource.name.as_str(),
    )
}

fn instance_key(inst: &InstanceState) -> InstanceKey {
    key_from_json(inst.index_key.as_ref()).unwrap_or_default()
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

impl State {
    /// An empty state with a fresh lineage and serial 0.
    pub fn new() -> State {
        State {
            version: STATE_VERSION,
            strata_version: env!("CARGO_PKG_VERSION").to_string(),
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            outputs: BTreeMap::new(),
            resources: Vec::new(),
            journal: Vec::new(),
        }
    }

    fn find_resource(&self, addr: &InstanceAddr) -> Result<usize, usize> {
        let (m, mode, t, n) = resource_key(addr);
        self.resources
            .binary_search_by(|r| resource_order(r, (m.as_str(), mode, t, n)))
    }

    pub fn resource(&self, addr: &InstanceAddr) -> Option<&ResourceState> {
        self.find_resource(addr).ok().map(|i| &self.resources[i])
    }

    pub fn instance(&self, addr: &InstanceAddr) -> Option<&InstanceState> {
        self.resource(addr)?
            .instances
            .iter()
            .find(|inst| key_from_json(inst.index_key.as_ref()).as_ref() == Some(&addr.key))
    }

    pub fn instance_mut(&mut self, addr: &InstanceAddr) -> Option<&mut InstanceState> {
        let i = self.find_resource(addr).ok()?;
        self.resources[i]
            .instances
            .iter_mut()
            .find(|inst| key_from_json(inst.index_key.as_ref()).as_ref() == Some(&addr.key))
    }

    /// Inserts or replaces the object at `addr`. `inst.index_key` is set from `addr.key`, and the
    /// resource's provider becomes `provider`.
    pub fn set_instance(&mut self, addr: &InstanceAddr, provider: &str, mut inst: InstanceState) {
        inst.index_key = key_to_json(&addr.key);
        let r = match self.find_resource(addr) {
            Ok(i) => i,
            Err(i) => {
                self.resources.insert(
                    i,
                    ResourceState {
                        module: addr.module.to_string(),
                        mode: addr.resource.mode,
                        type_: addr.resource.type_.clone(),
                        name: addr.resource.name.clone(),
                        provider: provider.to_string(),
                        instances: Vec::new(),
                    },
                );
                i
            }
        };
        let res = &mut self.resources[r];
        res.provider = provider.to_string();
        match res
            .instances
            .binary_search_by(|probe| instance_key(probe).cmp(&addr.key))
        {
            Ok(i) => res.instances[i] = inst,
            Err(i) => res.instances.insert(i, inst),
        }
    }

    /// Removes the object at `addr`, and its resource when that was the last instance.
    pub fn remove_instance(&mut self, addr: &InstanceAddr) -> Option<InstanceState> {
        let r = self.find_resource(addr).ok()?;
        let res = &mut self.resources[r];
        let i = res
            .instances
            .iter()
            .position(|inst| key_from_json(inst.index_key.as_ref()).as_ref() == Some(&addr.key))?;
        let inst = res.instances.remove(i);
        if res.instances.is_empty() {
            self.resources.remove(r);
        }
        Some(inst)
    }

    /// Every instance with its address, in state order. Instances whose module or key cannot be
    /// parsed are skipped; `validate` (run by every backend's `read`) rejects those.
    pub fn instances(&self) -> impl Iterator<Item = (InstanceAddr, &ResourceState, &InstanceState)> {
        self.resources.iter().flat_map(|res| {
            let module = res.module.parse::<ModuleInstance>().ok();
            res.instances.iter().filter_map(move |inst| {
                let key = key_from_json(inst.index_key.as_ref())?;
                let addr = InstanceAddr {
                    module: module.clone()?,
                    resource: ResourceAddr {
                        mode: res.mode,
                        type_: res.type_.clone(),
                        name: res.name.clone(),
                    },
                    key,
                };
                Some((addr, res, inst))
            })
        })
    }

    /// Moves one object to a new address (`strata state mv`, `moved` blocks). The provider comes
    /// along; `to` must be free and of the same mode and type.
    pub fn move_instance(&mut self, from: &InstanceAddr, to: &InstanceAddr) -> Result<(), StateError> {
        if from == to {
            return match self.instance(from) {
                Some(_) => Ok(()),
                None => Err(StateError::NoSuchInstance {
                    addr: from.to_string(),
                }),
            };
        }
        if from.resource.mode != to.resource.mode || from.resource.type_ != to.resource.type_ {
            return Err(StateError::InvalidMove {
                message: format!(
                    "cannot move {from} to {to}: an object can only move to an address of the \
                     same resource type ({}); to change the type, remove it from the state and \
                     import it at the new address",
                    from.resource.type_
                ),
            });
        }
        if self.instance(to).is_some() {
            return Err(StateError::InstanceExists {
                addr: to.to_string(),
            });
        }
        let provider = self
            .resource(from)
            .map(|r| r.provider.clone())
            .unwrap_or_default();
        let inst = self
            .remove_instance(from)
            .ok_or_else(|| StateError::NoSuchInstance {
                addr: from.to_string(),
            })?;
        self.set_instance(to, &provider, inst);
        Ok(())
    }

    /// Records an operation before its AWS call.
    pub fn journal_begin(&mut self, entry: JournalEntry) {
        self.journal.push(entry);
    }

    /// Forgets an operation once its result is in the state.
    pub fn journal_end(&mut self, id: &str) -> Option<JournalEntry> {
        let i = self.journal.iter().position(|e| e.id == id)?;
        Some(self.journal.remove(i))
    }

    /// Checks what serde cannot: module paths and keys parse, no address appears twice, and the
    /// orderings hold (restoring them when a hand-edited file broke them).
    pub fn validate(&mut self) -> Result<(), String> {
        for res in &mut self.resources {
            let module = res.module.parse::<ModuleInstance>().map_err(|e| {
                format!("resource {}.{}: bad module path: {e}", res.type_, res.name)
            })?;
            // Normalise `module.a[0]`-style spellings to the canonical one.
            res.module = module.to_string();
            for inst in &res.instances {
                if key_from_json(inst.index_key.as_ref()).is_none() {
                    return Err(format!(
                        "resource {}.{}: index_key {} is neither an integer nor a string",
                        res.type_,
                        res.name,
                        inst.index_key.as_ref().map_or("null".into(), |k| k.to_string())
                    ));
                }
            }
            res.instances.sort_by_key(instance_key);
            if let Some(w) = res
                .instances
                .windows(2)
                .find(|w| instance_key(&w[0]) == instance_key(&w[1]))
            {
                let addr = InstanceAddr {
                    module,
                    resource: ResourceAddr {
                        mode: res.mode,
                        type_: res.type_.clone(),
                        name: res.name.clone(),
                    },
                    key: instance_key(&w[0]),
                };
                return Err(format!("{addr} appears twice"));
            }
        }
        self.resources.sort_by(|a, b| {
            resource_order(a, (b.module.as_str(), b.mode, b.type_.as_str(), b.name.as_str()))
        });
        if let Some(w) = self.resources.windows(2).find(|w| {
            resource_order(
                &w[0],
                (w[1].module.as_str(), w[1].mode, w[1].type_.as_str(), w[1].name.as_str()),
            ) == Ordering::Equal
        }) {
            return Err(format!(
                "resource {}.{} in module \"{}\" appears twice",
                w[0].type_, w[0].name, w[0].module
            ));
        }
        Ok(())
    }
}
