//! Apply: carries out one change at a time for the scheduler — resolves what was unknown at
//! plan time, calls the provider, and saves the state after every operation, with the
//! operation recorded in the journal before the AWS call and cleared after it.

mod create;
mod journal;
pub mod run;

use create::Journaled;
pub use create::SETTLE_GRACE;
pub use journal::{reconcile_journal, Reconciled};

use crate::addr::InstanceAddr;
use crate::config::{Config, Mode};
use crate::diag::Diagnostic;
use crate::eval::walk::{self, Hooks, InstanceConfig, WalkOptions};
use crate::exec::{OpError, Operation};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::{Provider, ProviderError, ProviderSettings, ResourceType};
use crate::state::{Backend, InstanceState, JournalEntry, State};
use crate::value::Value;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The state of a run, shared by every operation; written through the backend after each.
///
/// Saves are group commits: an operation's change is applied in memory, then the caller
/// waits until a write that includes it has finished — its own, or one another operation
/// started after the change was made. 150 operations finishing together cost a handful of
/// writes instead of 150 serialized ones (each a full serialization, a backup and four
/// fsyncs), and no caller proceeds before its change is on disk.
pub struct Ledger {
    pub state: Mutex<State>,
    pub backend: Arc<dyn Backend>,
    /// Objects as they are now: refreshed prior values, then each applied result.
    pub current: Mutex<BTreeMap<InstanceAddr, Value>>,
    /// Changes made to `state` so far, and the number of them known to be written.
    changes: std::sync::atomic::AtomicU64,
    written: std::sync::atomic::AtomicU64,
    /// One write at a time; waiting for it is waiting for the next group commit.
    writer: tokio::sync::Mutex<()>,
}

impl Ledger {
    pub fn new(
        state: State,
        backend: Arc<dyn Backend>,
        current: BTreeMap<InstanceAddr, Value>,
    ) -> Ledger {
        Ledger {
            state: Mutex::new(state),
            backend,
            current: Mutex::new(current),
            changes: Default::default(),
            written: Default::default(),
            writer: tokio::sync::Mutex::new(()),
        }
    }

    /// Applies `f` to the state and returns once the change is written.
    pub async fn update(&self, f: impl FnOnce(&mut State)) -> Result<(), String> {
        use std::sync::atomic::Ordering::SeqCst;
        let mine = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut state);
            // One serial per change, as when every change was its own write: the serial
            // says how many changes a state has seen, whatever the grouping of the writes.
            state.serial += 1;
            self.changes.fetch_add(1, SeqCst) + 1
        };
        let _writer = self.writer.lock().await;
        if self.written.load(SeqCst) >= mine {
            return Ok(());
        }
        let (snapshot, upto) = {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            (state.clone(), self.changes.load(SeqCst))
        };
        let backend = self.backend.clone();
        let written = tokio::task::spawn_blocking(move || {
            backend.write(&snapshot).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        match written {
            Ok(()) => {
                self.written.store(upto, SeqCst);
                Ok(())
            }
            Err(e) => Err(format!(
                "saving state failed: {e} (the operation itself succeeded; the journal lets the next run adopt it)"
            )),
        }
    }
}

/// Prepares an object for state: marks dropped, secrets AWS never returns stored as a salted
/// hash so a change is still detected but the value is not kept.
pub fn to_state_attributes(type_: &str, mode: Mode, value: &Value) -> serde_json::Value {
    let (mut plain, _) = value.clone().deep_unmark();
    let schema = match mode {
        Mode::Managed => crate::provider::resource_type(type_).map(|t| t.schema()),
        Mode::Data => crate::provider::data_source_type(type_).map(|t| t.schema()),
    };
    if let Some(schema) = schema {
        // Whatever a provider answered, a write-only value is never stored.
        plain = schema.without_write_only(plain);
    }
    if let (Some(schema), Value::Map(m)) = (schema, &mut plain) {
        for a in &schema.attributes {
            if a.is_hashed_secret() {
                if let Some(Value::String(s)) = m.get(a.name) {
                    if !crate::state::secret::is_hashed(s) {
                        let hashed = crate::state::secret::hash_secret(s);
                        m.insert(a.name.to_string(), Value::String(hashed));
                    }
                }
            }
        }
    }
    plain.to_json()
}

pub struct Applier {
    pub ledger: Arc<Ledger>,
    pub provider: Arc<dyn Provider>,
    pub config: Arc<Config>,
    pub options: WalkOptions,
    pub plan: Arc<Plan>,
    /// What the run settled on its own (a retried create adopted), for the summary: printed
    /// as it happened, it would tear the live view.
    pub settled: Mutex<Vec<Settled>>,
    /// Objects replaced create-before-destroy, deleted once everything else is applied
    /// (`delete_deposed`): what used them has moved to their replacements by then.
    pub deposed: Mutex<Vec<Deposed>>,
}

/// The old half of a create-before-destroy replacement, journaled for deletion.
#[derive(Debug, Clone)]
pub struct Deposed {
    pub change: ResourceChange,
    pub prior: Value,
    pub journal_id: String,
}

/// A create whose answer was lost and which the applier settled by adopting its object.
#[derive(Debug, Clone)]
pub struct Settled {
    pub addr: InstanceAddr,
    /// The earlier attempt, in words: how the call came to be sent again.
    pub attempt: String,
    pub natural_id: String,
    pub proof: Proof,
}

/// Why an object AWS said exists was taken for the one an earlier attempt created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// It carries the journal operation's tag (`ownership`).
    Tagged,
    /// It carries no operation tag and matches the configuration.
    Matches,
}

impl Applier {
    /// The provider configuration a change runs in.
    fn settings(change: &ResourceChange) -> ProviderSettings {
        change.provider.clone()
    }

    /// The change's planned object with every plan-time unknown resolved: the configuration
    /// is evaluated again with the objects applied so far.
    /// Write-only arguments the configuration sets are taken from it, evaluated again (with
    /// the plan's inputs when it was saved): no plan holds them.
    fn resolve(&self, change: &ResourceChange) -> Result<Value, String> {
        let rt = crate::provider::resource_type(&change.addr.resource.type_)
            .ok_or_else(|| format!("unsupported type {}", change.addr.resource.type_))?;
        let write_only = self.writes_write_only(rt, &change.addr);
        if !write_only && change.config.as_ref().is_some_and(Value::is_wholly_known) {
            // Only attributes AWS computes are unknown: `after` is what to send.
            return Ok(change.after.clone().unwrap_or(Value::Null));
        }
        let config = self.resolve_config(change)?;
        let planned = self.resolve_planned(rt, change, &config)?;
        Ok(rt.schema().with_write_only_from(planned, &config))
    }

    /// Whether the instance's resource block writes a write-only argument of its type.
    fn writes_write_only(&self, rt: &dyn ResourceType, addr: &InstanceAddr) -> bool {
        let Some(resource) = self.config.resource_of(addr) else {
            return false;
        };
        rt.schema()
            .write_only_names()
            .any(|name| resource.body.attr(name).is_some())
    }

    /// The planned object: `after` when the plan knew every argument, else the diff of the
    /// configuration evaluated now.
    fn resolve_planned(
        &self,
        rt: &dyn ResourceType,
        change: &ResourceChange,
        config: &Value,
    ) -> Result<Value, String> {
        let after = change.after.clone().unwrap_or(Value::Null);
        if change.config.as_ref().is_some_and(Value::is_wholly_known) {
            return Ok(after);
        }
        let config = config.clone();
        if !config.is_wholly_known() {
            let unknown: Vec<&str> = config
                .as_map()
                .into_iter()
                .flatten()
                .filter(|(_, v)| !v.is_wholly_known())
                .map(|(k, _)| k.as_str())
                .collect();
            return Err(format!(
                "{} still unknown after the resource's dependencies were applied",
                match unknown.as_slice() {
                    [one] => format!("argument {one} is"),
                    many => format!("arguments {} are", many.join(", ")),
                }
            ));
        }
        let lifecycle = config_lifecycle(&self.config, &change.addr);
        let prior = match change.action {
            Action::Update => change.before.as_ref(),
            _ => None,
        };
        let mut planned = crate::plan::diff::diff(rt, prior, &config, &lifecycle).planned;
        // A name generated from a prefix is generated again by the diff: keep the plan's, which
        // the plan showed and a journaled attempt may have recorded.
        if let Some(natural) = change.after.as_ref().and_then(|a| rt.natural_id(a)) {
            crate::provider::aws::naming::reuse_recorded_name(rt, &mut planned, &config, &natural);
        }
        Ok(planned)
    }

    /// The instance's configuration evaluated with the objects applied so far.
    fn resolve_config(&self, change: &ResourceChange) -> Result<Value, String> {
        let current = self
            .ledger
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let planned: BTreeMap<InstanceAddr, Value> = self
            .plan
            .changes
            .iter()
            .filter_map(|c| c.after.clone().map(|a| (c.addr.clone(), a)))
            .collect();
        let mut hooks = Resolve {
            target: &change.addr,
            current: &current,
            planned: &planned,
            found: None,
        };
        let result = walk::walk(&self.config, &self.options, &mut hooks);
        if result.diags.has_errors() {
            let first = result.diags.0.into_iter().find(Diagnostic::is_error);
            return Err(first
                .map(|d| {
                    format!(
                        "{}{}",
                        d.summary,
                        d.detail.map(|x| format!(": {x}")).unwrap_or_default()
                    )
                })
                .unwrap_or_else(|| "evaluating the configuration failed".into()));
        }
        hooks
            .found
            .ok_or_else(|| format!("{} is no longer in the configuration", change.addr))
    }

    async fn journal(
        &self,
        change: &ResourceChange,
        action: &str,
        value: Option<&Value>,
    ) -> Result<String, String> {
        Ok(self.journal_op(change, action, value).await?.id)
    }

    /// Records an operation before its AWS call. A create under the identifier an open create
    /// entry of the same address recorded (an earlier run's attempt whose outcome is unknown:
    /// the plan gave it that identifier again) continues that entry, with its operation id, so
    /// the object carries the same proof of ownership whichever attempt made it.
    async fn journal_op(
        &self,
        change: &ResourceChange,
        action: &str,
        value: Option<&Value>,
    ) -> Result<Journaled, String> {
        let addr = change.addr.to_string();
        let natural_id = value.and_then(|v| {
            crate::provider::resource_type(&change.addr.resource.type_)
                .and_then(|rt| rt.natural_id(v))
        });
        let mut journaled = None;
        self.ledger
            .update(|s| {
                let earlier = s.journal.iter_mut().find(|e| {
                    action == "create"
                        && e.action == "create"
                        && e.addr == addr
                        && e.natural_id.is_some()
                        && e.natural_id == natural_id
                });
                if let Some(e) = earlier {
                    e.started_at = crate::state::now_rfc3339();
                    e.retried = false;
                    e.unsettled = None;
                    journaled = Some(Journaled {
                        id: e.id.clone(),
                        earlier_attempt: true,
                    });
                    return;
                }
                let entry = JournalEntry::new(
                    &change.addr,
                    action,
                    natural_id,
                    &change.provider.region,
                    &change.provider.address(),
                );
                journaled = Some(Journaled {
                    id: entry.id.clone(),
                    earlier_attempt: false,
                });
                s.journal.push(entry);
            })
            .await?;
        journaled.ok_or_else(|| "the journal entry was not recorded".to_string())
    }

    async fn record(
        &self,
        change: &ResourceChange,
        journal_id: &str,
        value: Option<&Value>,
    ) -> Result<(), String> {
        let addr = &change.addr;
        let provider = change.provider.address();
        let deps: Vec<String> = change.depends_on.iter().map(|d| d.to_string()).collect();
        let region = change.provider.region.clone();
        // Stamped with its region as a refresh stamps it, so outputs and references see the
        // same object now as in the next plan.
        let (type_, mode) = (&addr.resource.type_, addr.resource.mode);
        let value = value.map(|v| crate::plan::build::with_region(type_, mode, &region, v.clone()));
        let attrs = value.as_ref().map(|v| to_state_attributes(type_, mode, v));
        self.ledger
            .update(|s| {
                s.journal.retain(|j| j.id != journal_id);
                match attrs {
                    Some(attributes) => s.set_instance(
                        addr,
                        &provider,
                        InstanceState {
                            index_key: addr.key.to_json(),
                            status: None,
                            attributes,
                            dependencies: deps,
                            region,
                        },
                    ),
                    None => {
                        s.remove_instance(addr);
                    }
                }
            })
            .await?;
        let mut current = self
            .ledger
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match value {
            Some(v) => current.insert(addr.clone(), v),
            None => current.remove(addr),
        };
        Ok(())
    }
}

fn config_lifecycle(config: &Config, addr: &InstanceAddr) -> crate::config::Lifecycle {
    config
        .resource_of(addr)
        .map(|r| r.lifecycle.clone())
        .unwrap_or_default()
}

impl Applier {
    /// Deletes the objects create-before-destroy replacements deposed during the run, all
    /// at once, clearing each one's journal entry. One that fails stays in the journal for
    /// the next run. Returns each one's outcome and how long it took.
    pub async fn delete_deposed(&self) -> Vec<(Deposed, Result<Duration, String>)> {
        let deposed = std::mem::take(&mut *self.deposed.lock().unwrap_or_else(|e| e.into_inner()));
        let deletes = deposed.into_iter().map(|d| async move {
            let started = std::time::Instant::now();
            let result = async {
                let type_ = &d.change.addr.resource.type_;
                crate::provider::resource_type(type_)
                    .ok_or_else(|| format!("unsupported type {type_}"))?;
                self.provider
                    .delete(&Self::settings(&d.change), type_, &d.prior)
                    .await
                    .map_err(|e| e.message)?;
                let id = d.journal_id.clone();
                self.ledger
                    .update(|s| s.journal.retain(|e| e.id != id))
                    .await
            }
            .await;
            (d, result.map(|()| started.elapsed()))
        });
        futures::future::join_all(deletes).await
    }

    /// Journals a create, sends it, and records what AWS made (sensitive marks applied).
    async fn create_recorded(
        &self,
        rt: &dyn ResourceType,
        settings: &ProviderSettings,
        change: &ResourceChange,
        planned: &Value,
    ) -> Result<(), OpError> {
        let j = self.journal_op(change, "create", Some(planned)).await?;
        let created = self
            .create(rt, settings, change, planned, &j)
            .await
            .map_err(OpError::from)?;
        let created = crate::plan::diff::mark_sensitive(rt.schema(), created);
        Ok(self.record(change, &j.id, Some(&created)).await?)
    }

    /// Journals the delete of the change's prior object, sends it, and drops it from state.
    async fn delete_recorded(
        &self,
        settings: &ProviderSettings,
        change: &ResourceChange,
    ) -> Result<(), OpError> {
        let prior = change.before.clone().unwrap_or(Value::Null).deep_unmark().0;
        let j = self.journal(change, "delete", Some(&prior)).await?;
        let type_ = change.addr.resource.type_.as_str();
        self.provider
            .delete(settings, type_, &prior)
            .await
            .map_err(OpError::from)?;
        Ok(self.record(change, &j, None).await?)
    }
}

#[async_trait]
impl Operation for Applier {
    fn result_id(&self, change: &ResourceChange) -> Option<String> {
        if change.action == Action::Delete {
            return None;
        }
        let current = self
            .ledger
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        crate::provider::obj::str(current.get(&change.addr)?, "id").map(str::to_string)
    }

    async fn run(&self, change: &ResourceChange) -> Result<(), OpError> {
        let settings = Self::settings(change);
        let addr = &change.addr;
        let type_ = addr.resource.type_.as_str();
        if addr.resource.mode == Mode::Data {
            crate::provider::data_source_type(type_)
                .ok_or_else(|| format!("unsupported data source {type_}"))?;
            if let Some(after) = change.after.as_ref().filter(|a| a.is_wholly_known()) {
                // Read at plan time already: keep that answer.
                return Ok(self.record(change, "", Some(after)).await?);
            }
            let config = match &change.config {
                Some(c) if c.is_wholly_known() => c.clone(),
                _ => self.resolve_config(change)?,
            };
            let v = self
                .provider
                .read_data(&settings, type_, &config.deep_unmark().0)
                .await
                .map_err(OpError::from)?;
            let v = crate::plan::build::mark_object(&addr.resource.type_, Mode::Data, v);
            self.record(change, "", Some(&v)).await?;
            return Ok(());
        }
        let rt = crate::provider::resource_type(&addr.resource.type_)
            .ok_or_else(|| format!("unsupported resource type {}", addr.resource.type_))?;
        match change.action {
            Action::NoOp | Action::Read => {
                if let (Some(_), Some(before)) = (&change.importing, &change.before) {
                    self.record(change, "", Some(before)).await?;
                }
                Ok(())
            }
            Action::Create => {
                let planned = self.resolve(change)?.deep_unmark().0;
                self.create_recorded(rt, &settings, change, &planned).await
            }
            Action::Update => {
                let planned = self.resolve(change)?.deep_unmark().0;
                let prior = change.before.clone().unwrap_or(Value::Null).deep_unmark().0;
                let j = self.journal(change, "update", Some(&planned)).await?;
                let schema = rt.schema();
                let updated =
                    if crate::plan::diff::changed_attributes(schema, &prior, &planned).is_empty() {
                        // Only what steers strata changed (timeouts, skip_final_snapshot): state
                        // takes it, AWS is not asked anything.
                        schema.with_virtual_from(prior, &planned)
                    } else {
                        self.provider
                            .update(&settings, type_, &prior, &planned)
                            .await
                            .map_err(OpError::from)?
                    };
                let updated = crate::plan::diff::mark_sensitive(rt.schema(), updated);
                Ok(self.record(change, &j, Some(&updated)).await?)
            }
            Action::Delete => self.delete_recorded(&settings, change).await,
            Action::DeleteThenCreate => {
                self.delete_recorded(&settings, change).await?;
                let planned = self.resolve(change)?.deep_unmark().0;
                self.create_recorded(rt, &settings, change, &planned).await
            }
            Action::CreateThenDelete => {
                let prior = change.before.clone().unwrap_or(Value::Null).deep_unmark().0;
                let planned = self.resolve(change)?.deep_unmark().0;
                self.create_recorded(rt, &settings, change, &planned)
                    .await?;
                // The old object is now deposed: journaled for deletion, deleted after what
                // depends on it has moved to the new one (a security group still referenced
                // by another group's rule, or attached to a database, cannot be deleted).
                let journal_id = self.journal(change, "delete", Some(&prior)).await?;
                self.deposed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Deposed {
                        change: change.clone(),
                        prior,
                        journal_id,
                    });
                Ok(())
            }
        }
    }
}

/// Walk hooks for resolving one instance: applied objects are known, others are as planned.
struct Resolve<'a> {
    target: &'a InstanceAddr,
    current: &'a BTreeMap<InstanceAddr, Value>,
    planned: &'a BTreeMap<InstanceAddr, Value>,
    found: Option<Value>,
}

impl Hooks for Resolve<'_> {
    fn catalog(&self) -> &'static dyn crate::eval::walk::Catalog {
        crate::provider::catalog()
    }

    fn managed(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        if &inst.addr == self.target {
            self.found = Some(inst.config.clone());
        }
        Ok(self
            .current
            .get(&inst.addr)
            .or_else(|| self.planned.get(&inst.addr))
            .cloned()
            .unwrap_or(Value::Unknown))
    }

    /// A data source's instance is found and valued as a managed one is.
    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        self.managed(inst)
    }
}
