//! The state document: what strata believes exists, written as JSON close to Terraform's v4 state
//! so people can read it.

use super::StateError;
use crate::addr::Mode;
use crate::addr::{InstanceAddr, InstanceKey, ModuleInstance, ResourceAddr};
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
    /// Changes made to the state by hand that AWS does not witness (`strata state journal
    /// resolve`), oldest first, so whoever reads the state later can tell what was decided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryRecord>,
}

/// One decision recorded in [`State::history`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// RFC 3339.
    pub at: String,
    /// `user@host`, as a lock records it.
    pub who: String,
    /// The command that made it: `state journal resolve`.
    pub command: String,
    pub addr: String,
    /// What was decided, in words: `adopted sg-0abc…`, `forgot the entry`.
    pub decision: String,
    /// The journal entry the decision settled, as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<JournalEntry>,
}

impl HistoryRecord {
    pub fn new(command: &str, addr: &str, decision: String, entry: Option<JournalEntry>) -> Self {
        HistoryRecord {
            at: super::now_rfc3339(),
            who: super::who(),
            command: command.to_string(),
            addr: addr.to_string(),
            decision,
            entry,
        }
    }
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
    /// RFC 3339: when the AWS call was last attempted (a create sent again with the recorded
    /// identifier starts it anew).
    pub started_at: String,
    /// A create sent again with the recorded identifier that AWS answered without creating
    /// anything: from then on, a look-up that finds nothing proves the operation never happened
    /// (before, it may only mean AWS does not show the object yet).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retried: bool,
    /// Why the last run that looked at this entry left it open (`strata state journal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsettled: Option<String>,
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
            retried: false,
            unsettled: None,
        }
    }

    /// How long ago the AWS call was last attempted; `None` for an unreadable timestamp.
    pub fn age(&self) -> Option<std::time::Duration> {
        let started = time::OffsetDateTime::parse(
            &self.started_at,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()?;
        let age = time::OffsetDateTime::now_utc() - started;
        Some(age.try_into().unwrap_or(std::time::Duration::ZERO))
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
            history: Vec::new(),
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
    pub fn instances(
        &self,
    ) -> impl Iterator<Item = (InstanceAddr, &ResourceState, &InstanceState)> {
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
    pub fn move_instance(
        &mut self,
        from: &InstanceAddr,
        to: &InstanceAddr,
    ) -> Result<(), StateError> {
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
                        inst.index_key
                            .as_ref()
                            .map_or("null".into(), |k| k.to_string())
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
            resource_order(
                a,
                (b.module.as_str(), b.mode, b.type_.as_str(), b.name.as_str()),
            )
        });
        if let Some(w) = self.resources.windows(2).find(|w| {
            resource_order(
                &w[0],
                (
                    w[1].module.as_str(),
                    w[1].mode,
                    w[1].type_.as_str(),
                    w[1].name.as_str(),
                ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn addr(s: &str) -> InstanceAddr {
        s.parse().unwrap()
    }

    fn inst(id: &str) -> InstanceState {
        InstanceState::new(json!({ "id": id }), "eu-west-1")
    }

    const AWS: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";

    #[test]
    fn new_state_has_a_lineage_and_serial_zero() {
        let a = State::new();
        let b = State::new();
        assert_eq!(a.version, STATE_VERSION);
        assert_eq!(a.serial, 0);
        assert_eq!(a.strata_version, env!("CARGO_PKG_VERSION"));
        assert!(uuid::Uuid::parse_str(&a.lineage).is_ok());
        assert_ne!(a.lineage, b.lineage);
    }

    #[test]
    fn instances_are_addressed_by_module_path_and_key() {
        let mut s = State::new();
        let addrs = [
            "module.db[\"primary\"].aws_db_instance.main",
            "module.db[\"replica\"].aws_db_instance.main",
            "aws_security_group.web[1]",
            "aws_security_group.web[0]",
            "aws_security_group.web[\"x\"]",
            "module.a.module.b[2].data.aws_vpc.default",
            "aws_db_instance.main",
        ];
        for a in addrs {
            s.set_instance(&addr(a), AWS, inst(a));
        }
        for a in addrs {
            assert_eq!(s.instance(&addr(a)).unwrap().attributes["id"], a);
        }
        assert!(s.instance(&addr("aws_security_group.web[2]")).is_none());
        assert!(s.instance(&addr("aws_security_group.web")).is_none());
        assert!(s
            .instance(&addr("module.db.aws_db_instance.main"))
            .is_none());
        assert!(s.instance(&addr("aws_db_instance.main[0]")).is_none());

        // Keys are stored like Terraform's index_key.
        let web0 = s.instance(&addr("aws_security_group.web[0]")).unwrap();
        assert_eq!(web0.index_key, Some(json!(0)));
        let x = s.instance(&addr("aws_security_group.web[\"x\"]")).unwrap();
        assert_eq!(x.index_key, Some(json!("x")));
        assert_eq!(
            s.instance(&addr("aws_db_instance.main")).unwrap().index_key,
            None
        );

        // Sorted by (module, mode, type, name), then key; every address comes back.
        let listed: Vec<String> = s.instances().map(|(a, _, _)| a.to_string()).collect();
        assert_eq!(
            listed,
            [
                "aws_db_instance.main",
                "aws_security_group.web[0]",
                "aws_security_group.web[1]",
                "aws_security_group.web[\"x\"]",
                "module.a.module.b[2].data.aws_vpc.default",
                "module.db[\"primary\"].aws_db_instance.main",
                "module.db[\"replica\"].aws_db_instance.main",
            ]
        );
        for (a, res, i) in s.instances() {
            assert_eq!(i.attributes["id"], a.to_string());
            assert_eq!(res.provider, AWS);
        }
        let modules: Vec<&str> = s.resources.iter().map(|r| r.module.as_str()).collect();
        assert_eq!(
            modules,
            [
                "",
                "",
                "module.a.module.b[2]",
                "module.db[\"primary\"]",
                "module.db[\"replica\"]"
            ]
        );
        assert_eq!(s.resources[2].mode, Mode::Data);
    }

    #[test]
    fn set_replaces_and_remove_drops_empty_resources() {
        let mut s = State::new();
        let a0 = addr("aws_security_group.web[0]");
        let a1 = addr("aws_security_group.web[1]");
        s.set_instance(&a0, AWS, inst("old"));
        s.set_instance(&a1, AWS, inst("one"));
        s.set_instance(&a0, "provider[\"x/aws\"]", inst("new"));
        assert_eq!(s.resources.len(), 1);
        assert_eq!(s.resources[0].instances.len(), 2);
        assert_eq!(s.instance(&a0).unwrap().attributes["id"], "new");
        assert_eq!(s.resources[0].provider, "provider[\"x/aws\"]");

        assert_eq!(s.remove_instance(&a0).unwrap().attributes["id"], "new");
        assert!(s.remove_instance(&a0).is_none());
        assert_eq!(s.resources.len(), 1);
        assert!(s.remove_instance(&a1).is_some());
        assert!(s.resources.is_empty());
        assert!(s.remove_instance(&a1).is_none());
    }

    #[test]
    fn instance_mut_and_taint() {
        let mut s = State::new();
        let a = addr("aws_db_instance.main");
        s.set_instance(&a, AWS, inst("db"));
        assert!(!s.instance(&a).unwrap().is_tainted());
        s.instance_mut(&a).unwrap().status = Some("tainted".into());
        assert!(s.instance(&a).unwrap().is_tainted());
    }

    #[test]
    fn move_instance_between_keys_names_and_modules() {
        let mut s = State::new();
        let from = addr("aws_db_instance.main");
        let to = addr("module.db[\"primary\"].aws_db_instance.this[0]");
        s.set_instance(&from, AWS, inst("db-1"));
        s.move_instance(&from, &to).unwrap();
        assert!(s.instance(&from).is_none());
        let moved = s.instance(&to).unwrap();
        assert_eq!(moved.attributes["id"], "db-1");
        assert_eq!(moved.index_key, Some(json!(0)));
        assert_eq!(s.resource(&to).unwrap().provider, AWS);
        assert_eq!(s.resources.len(), 1);
        assert_eq!(s.resources[0].module, "module.db[\"primary\"]");

        // Same address: nothing to do.
        s.move_instance(&to, &to).unwrap();
        assert!(s.instance(&to).is_some());

        // Missing source.
        let err = s
            .move_instance(&from, &addr("aws_db_instance.other"))
            .unwrap_err();
        assert!(matches!(err, StateError::NoSuchInstance { .. }), "{err}");
        assert!(err.to_string().contains("aws_db_instance.main"));

        // Occupied destination.
        let other = addr("aws_db_instance.other");
        s.set_instance(&other, AWS, inst("db-2"));
        let err = s.move_instance(&other, &to).unwrap_err();
        assert!(matches!(err, StateError::InstanceExists { .. }), "{err}");
        assert!(err.to_string().contains("strata state rm"));
        assert_eq!(s.instance(&other).unwrap().attributes["id"], "db-2");

        // Different type or mode.
        let err = s
            .move_instance(&other, &addr("aws_rds_cluster.other"))
            .unwrap_err();
        assert!(matches!(err, StateError::InvalidMove { .. }), "{err}");
        let err = s
            .move_instance(&other, &addr("data.aws_db_instance.other"))
            .unwrap_err();
        assert!(matches!(err, StateError::InvalidMove { .. }), "{err}");
        assert!(s.instance(&other).is_some());
    }

    #[test]
    fn journal_begin_and_end() {
        let mut s = State::new();
        let a = addr("module.db.aws_db_instance.main");
        let e = JournalEntry::new(&a, "create", Some("app-db".into()), "eu-west-1", AWS);
        assert_eq!(e.type_, "aws_db_instance");
        assert_eq!(e.addr, "module.db.aws_db_instance.main");
        assert!(time::OffsetDateTime::parse(
            &e.started_at,
            &time::format_description::well_known::Rfc3339
        )
        .is_ok());
        let id = e.id.clone();
        s.journal_begin(e);
        assert_eq!(s.journal.len(), 1);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["journal"][0]["type"], "aws_db_instance");
        assert_eq!(json["journal"][0]["natural_id"], "app-db");
        assert!(s.journal_end("nope").is_none());
        // What a run did not need stays out of the file.
        assert!(json["journal"][0].get("retried").is_none());
        assert!(json["journal"][0].get("unsettled").is_none());
        assert!(json.get("history").is_none());
        assert!(s.journal[0].age().unwrap() < std::time::Duration::from_secs(60));
        let mut old = s.journal[0].clone();
        old.started_at = "2026-01-01T00:00:00Z".into();
        assert!(old.age().unwrap() > std::time::Duration::from_secs(3600));
        old.started_at = "yesterday".into();
        assert!(old.age().is_none());
        assert_eq!(s.journal_end(&id).unwrap().action, "create");
        assert!(s.journal.is_empty());
    }

    #[test]
    fn history_records_who_decided_what() {
        let mut s = State::new();
        let a = addr("aws_security_group.web");
        let e = JournalEntry::new(&a, "create", Some("web".into()), "eu-west-1", AWS);
        s.history.push(HistoryRecord::new(
            "state journal resolve",
            "aws_security_group.web",
            "forgot the entry".into(),
            Some(e.clone()),
        ));
        let json = serde_json::to_value(&s).unwrap();
        let h = &json["history"][0];
        assert_eq!(h["command"], "state journal resolve");
        assert_eq!(h["decision"], "forgot the entry");
        assert_eq!(h["entry"]["id"], e.id.as_str());
        assert!(h["who"].as_str().is_some_and(|w| !w.is_empty()));
        let back: State = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn json_shape_is_close_to_terraform() {
        let mut s = State::new();
        s.set_instance(
            &addr("module.db[\"a\"].aws_db_instance.main[\"k\"]"),
            AWS,
            inst("x"),
        );
        s.set_instance(&addr("aws_vpc.main"), AWS, inst("vpc"));
        s.outputs.insert(
            "endpoint".into(),
            OutputState {
                value: json!("db.example"),
                sensitive: false,
            },
        );
        let j = serde_json::to_value(&s).unwrap();
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "version",
                "strata_version",
                "serial",
                "lineage",
                "outputs",
                "resources",
                "journal"
            ]
        );
        let root = &j["resources"][0];
        assert!(
            root.get("module").is_none(),
            "root module is omitted like Terraform"
        );
        assert_eq!(root["mode"], "managed");
        assert_eq!(root["type"], "aws_vpc");
        assert!(root["instances"][0].get("index_key").is_none());
        let r = &j["resources"][1];
        assert_eq!(r["module"], "module.db[\"a\"]");
        assert_eq!(r["instances"][0]["index_key"], "k");
        assert_eq!(r["instances"][0]["region"], "eu-west-1");
        assert_eq!(j["outputs"]["endpoint"]["value"], "db.example");
        let back: State = serde_json::from_value(j).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn validate_rejects_bad_keys_modules_and_duplicates_and_restores_order() {
        let mut s = State::new();
        s.set_instance(&addr("aws_vpc.b"), AWS, inst("b"));
        s.set_instance(&addr("aws_vpc.a[1]"), AWS, inst("a1"));
        s.set_instance(&addr("aws_vpc.a[0]"), AWS, inst("a0"));
        let mut shuffled = s.clone();
        shuffled.resources.reverse();
        shuffled.resources[1].instances.reverse();
        shuffled.validate().unwrap();
        assert_eq!(shuffled, s);

        let mut bad = s.clone();
        bad.resources[0].instances[0].index_key = Some(json!(true));
        assert!(bad.validate().unwrap_err().contains("index_key"));

        let mut bad = s.clone();
        bad.resources[0].module = "modul.x".into();
        assert!(bad.validate().unwrap_err().contains("module"));

        let mut bad = s.clone();
        bad.resources[0].instances[1].index_key = Some(json!(0));
        assert!(bad
            .validate()
            .unwrap_err()
            .contains("aws_vpc.a[0] appears twice"));

        let mut bad = s.clone();
        let dup = bad.resources[1].clone();
        bad.resources.push(dup);
        assert!(bad.validate().unwrap_err().contains("appears twice"));
    }

    #[test]
    fn key_json_conversions() {
        assert_eq!(key_from_json(None), Some(InstanceKey::None));
        assert_eq!(key_from_json(Some(&json!(3))), Some(InstanceKey::Int(3)));
        assert_eq!(key_from_json(Some(&json!(3.0))), Some(InstanceKey::Int(3)));
        assert_eq!(key_from_json(Some(&json!(3.5))), None);
        assert_eq!(
            key_from_json(Some(&json!("a"))),
            Some(InstanceKey::Str("a".into()))
        );
        assert_eq!(key_from_json(Some(&json!([1]))), None);
        for k in [
            InstanceKey::None,
            InstanceKey::Int(-2),
            InstanceKey::Str("x".into()),
        ] {
            assert_eq!(key_from_json(key_to_json(&k).as_ref()), Some(k));
        }
    }
}
