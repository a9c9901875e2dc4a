//! Plans: what will change, and why.
//!
//! A plan is a plain value: prior state, the changes, the inputs it was made from. Apply is
//! driven only by the plan's changes; renderers only read it.

pub mod build;
pub mod diff;
mod hooks;
pub mod imports;
mod inputs;
pub mod json;
pub mod markdown;
mod refresh;
pub mod relevance;
pub mod render;
mod validate;
pub mod view;

use crate::addr::{AbsResource, InstanceAddr};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    DeleteThenCreate,
    CreateThenDelete,
    Delete,
}

impl Action {
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The marker Terraform prints before a resource.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
        }
    }

    /// Terraform's JSON `actions` array.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
        }
    }
}

/// The provider configuration a change runs against, as a saved plan records it.
pub type ProviderRef = crate::provider::ProviderSettings;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    pub addr: InstanceAddr,
    pub action: Action,
    /// The object before (refreshed prior state); `None` on create.
    pub before: Option<Value>,
    /// The planned object, with unknowns; `None` on delete.
    pub after: Option<Value>,
    /// Terraform's action_reason (`replace_because_cannot_update`, `delete_because_no_resource_config`, ...).
    pub reason: Option<String>,
    /// Attributes whose change forces the replacement.
    pub replace_paths: Vec<String>,
    pub provider: ProviderRef,
    /// Resources this instance depends on in the configuration (for ordering creates/updates).
    pub depends_on: Vec<AbsResource>,
    /// Resources the existing object depended on when it was last applied (for ordering deletes).
    pub prior_depends_on: Vec<AbsResource>,
    /// The evaluated configuration the change was planned from. When it is wholly known, apply
    /// uses `after` as is; otherwise it evaluates the configuration again once the
    /// dependencies are applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
    /// Set when the change adopts an existing object (`import` blocks): its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<String>,
}

impl ResourceChange {
    /// A change of `addr` from `before` to `after`, nothing else known yet (no reason,
    /// dependencies or configuration; the default provider).
    pub fn new(
        addr: InstanceAddr,
        action: Action,
        before: Option<Value>,
        after: Option<Value>,
    ) -> ResourceChange {
        ResourceChange {
            addr,
            action,
            before,
            after,
            reason: None,
            replace_paths: Vec::new(),
            provider: ProviderRef::default(),
            depends_on: Vec::new(),
            prior_depends_on: Vec::new(),
            config: None,
            importing: None,
        }
    }

    pub fn is_noop(&self) -> bool {
        self.action == Action::NoOp && self.importing.is_none()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutputChange {
    pub before: Option<Value>,
    pub after: Value,
    pub sensitive: bool,
}

/// An object changed outside strata since the last apply.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Drift {
    pub addr: InstanceAddr,
    pub before: Value,
    /// `None` when the object was deleted outside strata.
    pub after: Option<Value>,
    /// The changed attributes that may have contributed to the planned changes (`relevance`):
    /// the only ones a normal plan reports.
    #[serde(default)]
    pub relevant: Vec<String>,
}

impl Drift {
    /// Reported by a plan: deleted, or with relevant changes — or any drift at all in a
    /// refresh-only plan.
    pub fn is_reported(&self, refresh_only: bool) -> bool {
        refresh_only || self.after.is_none() || !self.relevant.is_empty()
    }

    /// `after` as the report shows it: attributes that are not relevant keep their value
    /// from `before` (unless every change is shown).
    pub fn shown_after(&self, refresh_only: bool) -> Option<Value> {
        let after = self.after.as_ref()?;
        if refresh_only {
            return Some(after.clone());
        }
        let (Value::Map(b), Value::Map(a)) = (&self.before, after) else {
            return Some(after.clone());
        };
        let mut shown = b.clone();
        for k in &self.relevant {
            match a.get(k) {
                Some(v) => shown.insert(k.clone(), v.clone()),
                None => shown.remove(k),
            };
        }
        Some(Value::Map(shown))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub strata_version: String,
    pub changes: Vec<ResourceChange>,
    pub outputs: BTreeMap<String, OutputChange>,
    pub drift: Vec<Drift>,
    /// Digest of every config file and variable value the plan was made from.
    pub config_digest: String,
    /// `None` when planned against no state at all.
    pub state_lineage: Option<String>,
    pub state_serial: Option<u64>,
    pub workspace: String,
    pub destroy: bool,
    pub refresh_only: bool,
    /// Root variable inputs, so a saved plan applies with exactly the inputs it was made with.
    pub inputs: BTreeMap<String, SavedInput>,
    /// The ephemeral root variables the plan was made with, by name only: applying the plan
    /// needs them given again.
    #[serde(default)]
    pub apply_time_variables: Vec<String>,
    /// State instances renamed by `moved` blocks, applied to the state before the changes.
    #[serde(default)]
    pub moves: Vec<(InstanceAddr, InstanceAddr)>,
    /// Root variables as evaluated (sensitive ones marked), for the JSON plan.
    #[serde(default)]
    pub variables: BTreeMap<String, Value>,
    /// The configuration in Terraform's JSON-plan shape (expressions, references), for policy
    /// tools; sensitive arguments carry no value.
    #[serde(default)]
    pub configuration: serde_json::Value,
    /// The unwaived guardrail errors `--soft-fail` let through when the plan was made: kept
    /// with the plan so its JSON and its pull-request comment say so, and so applying the
    /// saved plan knows the reviewer saw them overridden.
    #[serde(default)]
    pub overridden: Vec<Finding>,
}

/// A guardrail finding as plans carry and render it (`strata check` and the plan's own
/// checks; the caller turns them into this plain form, so the plan needs no checker).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub rule: String,
    /// `error` or `warning`.
    pub severity: String,
    pub address: String,
    /// `file:line:col` of the offending argument, when there is one.
    pub location: Option<String>,
    pub message: String,
    /// The reason given for waiving it, when waived.
    pub waived: Option<String>,
}

/// A root variable input as the user gave it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum SavedInput {
    /// `--var` or environment text.
    Text(String),
    /// HCL source text from a .tfvars file.
    Hcl(String),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub import: usize,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    /// A plan of these changes and nothing else, for tests of what reads plans.
    #[cfg(test)]
    pub fn of_changes(changes: Vec<ResourceChange>) -> Plan {
        Plan {
            format_version: 1,
            strata_version: "test".into(),
            changes,
            outputs: Default::default(),
            drift: vec![],
            config_digest: String::new(),
            state_lineage: None,
            state_serial: None,
            workspace: "default".into(),
            destroy: false,
            refresh_only: false,
            inputs: Default::default(),
            apply_time_variables: Vec::new(),
            moves: vec![],
            variables: Default::default(),
            configuration: serde_json::Value::Null,
            overridden: vec![],
        }
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            if c.importing.is_some() {
                s.import += 1;
            }
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        s
    }

    /// The drift a report shows (`Drift::is_reported`).
    pub fn reported_drift(&self) -> Vec<&Drift> {
        self.drift
            .iter()
            .filter(|d| d.is_reported(self.refresh_only))
            .collect()
    }

    /// True when applying would change anything (resources or outputs).
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| !c.is_noop() && c.action != Action::Read)
            || self
                .outputs
                .values()
                .any(|o| o.before.as_ref() != Some(&o.after))
            || (self.refresh_only && !self.drift.is_empty())
            || !self.moves.is_empty()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.import > 0 {
            write!(f, "Plan: {} to import, ", self.import)?;
        } else {
            f.write_str("Plan: ")?;
        }
        write!(
            f,
            "{} to add, {} to change, {} to destroy.",
            self.add, self.change, self.destroy
        )
    }
}
