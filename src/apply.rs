//! Apply: carries out one change at a time for the scheduler — resolves what was unknown at
//! plan time, calls the provider, and saves the state after every operation, with the
//! operation recorded in the journal before the AWS call and cleared after it.

use crate::addr::InstanceAddr;
use crate::config::{Config, Mode};
use crate::diag::Diagnostic;
use crate::eval::walk::{self, Hooks, InstanceConfig, WalkOptions};
use crate::exec::{OpError, Operation};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::aws::attempts;
use crate::provider::{Aws, Ctx, ProviderError, ProviderSettings, ResourceType};
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
    pub aws: Arc<Aws>,
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
    fn ctx(&self, change: &ResourceChange) -> Ctx {
        Ctx {
            aws: self.aws.clone(),
            settings: ProviderSettings::from(&change.provider),
        }
    }

    /// The change's planned object with every plan-time unknown resolved: the configuration
    /// is evaluated again with the objects applied so far.
    fn resolve(&self, change: &ResourceChange) -> Result<Value, String> {
        let after = change.after.clone().unwrap_or(Value::Null);
        if change.config.as_ref().is_some_and(Value::is_wholly_known) {
            // Only attributes AWS computes are unknown: `after` is what to send.
            return Ok(after);
        }
        let config = self.resolve_config(change)?;
        if !config.is_wholly_known() {
            return Err(
                "some arguments are still unknown after their dependencies were applied".into(),
            );
        }
        let rt = crate::provider::resource_type(&change.addr.resource.type_)
            .ok_or_else(|| format!("unsupported type {}", change.addr.resource.type_))?;
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
        let attrs = value.map(|v| to_state_attributes(&addr.resource.type_, addr.resource.mode, v));
        let region = change.provider.region.clone();
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
            Some(v) => current.insert(addr.clone(), v.clone()),
            None => current.remove(addr),
        };
        Ok(())
    }
}

/// How long a retried create waits for the object AWS says exists to show in a describe.
const SETTLE_VISIBLE_TIMEOUT: Duration = Duration::from_secs(120);

/// How long after its attempt a journaled create that AWS does not show is still taken for
/// one AWS may not show yet (eventual consistency, or a request still on its way when the run
/// died) rather than for one that never happened. Before that, only a create sent again with
/// the recorded identifier, and answered, proves that nothing was made.
pub const SETTLE_GRACE: Duration = Duration::from_secs(10 * 60);

/// A journal entry recorded for an operation about to call AWS.
struct Journaled {
    /// The entry's id: the operation id its create call tags the object with.
    id: String,
    /// The entry was recorded by an earlier run, whose attempt under the same identifier has
    /// an unknown outcome.
    earlier_attempt: bool,
}

/// Why a create refused as "already exists" after a lost answer was not settled.
enum Unsettled {
    /// The object found is not what the lost attempt made: someone else's.
    NotOurs(ProviderError),
    /// It may be ours: the journal keeps the create for the next run to settle.
    Open(ProviderError),
}

/// What made an earlier attempt of a create possible, so that AWS's "already exists" may
/// describe that attempt's own success.
enum Earlier<'a> {
    /// The SDK sent the create call again after an attempt whose answer was lost.
    SdkRetry(&'a attempts::Call),
    /// An earlier run journaled the create under this identifier and did not see its outcome.
    Run,
}

impl Applier {
    /// Creates the object, tagged with the journal operation (`ownership`). AWS refusing the
    /// create because the object exists, when an earlier attempt under the same identifier may
    /// have been carried out unseen (a call the SDK sent again, `aws::attempts`; or an earlier
    /// run's journaled create, sent again under its recorded identifier), means that attempt
    /// may have made it: the object is settled here, for every type alike. An "already exists"
    /// without such an attempt is someone else's object: the error stands, as in Terraform,
    /// and the journal entry goes, or the next run would adopt that object as one an
    /// interrupted run created.
    async fn create(
        &self,
        rt: &dyn ResourceType,
        ctx: &Ctx,
        change: &ResourceChange,
        planned: &Value,
        journaled: &Journaled,
    ) -> Result<Value, ProviderError> {
        let (result, calls) = attempts::observe(crate::provider::aws::ownership::creating(
            &journaled.id,
            rt.create(ctx, planned),
        ))
        .await;
        let err = match result {
            Ok(created) => return Ok(created),
            Err(e) => e,
        };
        let journal_id = journaled.id.as_str();
        let not_ours = |err: ProviderError| async {
            self.ledger
                .update(|s| s.journal.retain(|e| e.id != journal_id))
                .await
                .map_err(ProviderError::new)?;
            Err(err)
        };
        let earlier = match (calls.failed_after_unseen(), journaled.earlier_attempt) {
            (Some(call), _) => Some(Earlier::SdkRetry(call)),
            (None, true) => Some(Earlier::Run),
            (None, false) => None,
        };
        if !err.already_exists {
            if journaled.earlier_attempt
                && !err.interrupted
                && calls.failed_after_unseen().is_none()
            {
                // AWS answered the create sent again under the recorded identifier without
                // making anything: a look-up that finds nothing from now on is proof.
                self.ledger
                    .update(|s| {
                        if let Some(e) = s.journal.iter_mut().find(|e| e.id == journal_id) {
                            e.retried = true;
                        }
                    })
                    .await
                    .map_err(ProviderError::new)?;
            }
            return Err(err);
        }
        let Some(earlier) = earlier else {
            return not_ours(err).await;
        };
        match self
            .settle_existing(rt, ctx, change, planned, journal_id, &earlier, &err)
            .await
        {
            Ok(settled) => Ok(settled),
            Err(Unsettled::NotOurs(e)) => not_ours(e).await,
            Err(Unsettled::Open(e)) => Err(e),
        }
    }

    /// Finds the object AWS says exists by the name recorded in the journal before the call
    /// and decides whether the earlier attempt made it: it carries this operation's tag (no
    /// further doubt), or, carrying no operation tag at all, it is what the configuration asks
    /// for (an object the plan would replace is not what the call made: someone else's). An
    /// object tagged by another operation is someone else's. Adopts it and runs the rest of
    /// the create (`ResourceType::settle_retried_create`).
    #[allow(clippy::too_many_arguments)]
    async fn settle_existing(
        &self,
        rt: &dyn ResourceType,
        ctx: &Ctx,
        change: &ResourceChange,
        planned: &Value,
        journal_id: &str,
        earlier: &Earlier<'_>,
        err: &ProviderError,
    ) -> Result<Value, Unsettled> {
        let attempt = match earlier {
            Earlier::SdkRetry(call) => format!(
                "{} was sent again after an attempt whose answer was lost",
                call.action()
            ),
            Earlier::Run => {
                "the create of an interrupted run was sent again under the identifier it recorded"
                    .to_string()
            }
        };
        let why = |why: String| ProviderError {
            message: format!("{} ({attempt}; {why})", err.message),
            ..err.clone()
        };
        let Some(natural) = rt.natural_id(planned) else {
            return Err(Unsettled::Open(why(
                "the object has no name to look it up by".into(),
            )));
        };
        // The retry was told it exists; a describe may lag behind (eventual consistency).
        let found = Mutex::new(None);
        let look = ctx
            .wait_until(
                &format!("{natural} to be visible"),
                SETTLE_VISIBLE_TIMEOUT,
                || async {
                    let f = rt.find_by_natural_id(ctx, &natural).await?;
                    let done = f.is_some();
                    *found.lock().unwrap_or_else(|e| e.into_inner()) = f;
                    Ok(done)
                },
            )
            .await;
        let found = match (look, found.into_inner().unwrap_or_else(|e| e.into_inner())) {
            (_, Some(found)) => found,
            (Err(e), None) => {
                return Err(Unsettled::Open(why(format!(
                    "looking {natural} up failed: {}",
                    e.message
                ))))
            }
            (Ok(()), None) => {
                return Err(Unsettled::Open(why(format!("{natural} cannot be found"))))
            }
        };
        let tag = crate::provider::aws::ownership::OPERATION_TAG;
        let proof = match crate::provider::aws::ownership::operation_of(ctx, &found).await {
            Err(e) => {
                return Err(Unsettled::Open(why(format!(
                    "reading {natural}'s tags failed: {}",
                    e.message
                ))))
            }
            Ok(Some(op)) if op == journal_id => Proof::Tagged,
            Ok(Some(other)) => {
                return Err(Unsettled::NotOurs(why(format!(
                    "{natural} carries {tag}={other}: another strata operation created it, not this one; not adopted"
                ))))
            }
            Ok(None) => {
                self.check_matches(rt, change, planned, &found, &natural)
                    .map_err(|e| match e {
                        Unsettled::NotOurs(e) => Unsettled::NotOurs(why(e.message)),
                        open => open,
                    })?;
                Proof::Matches
            }
        };
        let settled = rt
            .settle_retried_create(ctx, &found, planned)
            .await
            .map_err(|e| {
                Unsettled::Open(ProviderError {
                    message: format!(
                        "{natural}, created by an earlier attempt whose answer was lost ({attempt}), was adopted but could not be finished: {}",
                        e.message
                    ),
                    ..e
                })
            })?;
        self.settled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Settled {
                addr: change.addr.clone(),
                attempt,
                natural_id: natural.clone(),
                proof,
            });
        Ok(settled)
    }

    /// An object without an operation tag under the recorded name is adopted only if it is
    /// what the configuration asks for: an object the plan would replace is not what the call
    /// made.
    fn check_matches(
        &self,
        rt: &dyn ResourceType,
        change: &ResourceChange,
        planned: &Value,
        found: &Value,
        natural: &str,
    ) -> Result<(), Unsettled> {
        let config = match &change.config {
            Some(c) if c.is_wholly_known() => c.clone(),
            _ => self
                .resolve_config(change)
                .map_err(|e| Unsettled::Open(ProviderError::new(e)))?,
        };
        let lifecycle = config_lifecycle(&self.config, &change.addr);
        // What AWS never returns (copy_tags of a snapshot copy, ...) is absent from `found`;
        // the lost call sent the planned value, so only what AWS does return can tell.
        let mut compared = found.clone();
        if let (Value::Map(f), Some(p)) = (&mut compared, planned.as_map()) {
            for (k, v) in p {
                let sent = !matches!(v, Value::Null | Value::Unknown);
                if sent && f.get(k).is_none_or(Value::is_null) {
                    f.insert(k.clone(), v.clone());
                }
            }
        }
        let marked =
            crate::plan::build::mark_object(&change.addr.resource.type_, Mode::Managed, compared);
        let replace = crate::plan::diff::diff(rt, Some(&marked), &config, &lifecycle).replace_paths;
        if !replace.is_empty() {
            return Err(Unsettled::NotOurs(ProviderError::new(format!(
                "{natural} carries no {} tag and differs from the configuration in {}, so it is not what that attempt created: not adopted",
                crate::provider::aws::ownership::OPERATION_TAG,
                replace.join(", ")
            ))));
        }
        Ok(())
    }
}

fn config_lifecycle(config: &Config, addr: &InstanceAddr) -> crate::config::Lifecycle {
    let mut module = &config.root;
    for (name, _) in &addr.module.0 {
        match module.module_calls.get(name) {
            Some(c) => module = &c.module,
            None => return Default::default(),
        }
    }
    module
        .resource(
            addr.resource.mode,
            &addr.resource.type_,
            &addr.resource.name,
        )
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
                let rt = crate::provider::resource_type(&d.change.addr.resource.type_)
                    .ok_or_else(|| format!("unsupported type {}", d.change.addr.resource.type_))?;
                rt.delete(&self.ctx(&d.change), &d.prior)
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
}

#[async_trait]
impl Operation for Applier {
    async fn run(&self, change: &ResourceChange) -> Result<(), OpError> {
        let ctx = self.ctx(change);
        let addr = &change.addr;
        if addr.resource.mode == Mode::Data {
            let ds = crate::provider::data_source_type(&addr.resource.type_)
                .ok_or_else(|| format!("unsupported data source {}", addr.resource.type_))?;
            if let Some(after) = change.after.as_ref().filter(|a| a.is_wholly_known()) {
                // Read at plan time already: keep that answer.
                return Ok(self.record(change, "", Some(after)).await?);
            }
            let config = match &change.config {
                Some(c) if c.is_wholly_known() => c.clone(),
                _ => self.resolve_config(change)?,
            };
            let v = ds
                .read(&ctx, &config.deep_unmark().0)
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
                let planned = self.resolve(change)?;
                let plain = planned.clone().deep_unmark().0;
                let j = self.journal_op(change, "create", Some(&plain)).await?;
                let created = self
                    .create(rt, &ctx, change, &plain, &j)
                    .await
                    .map_err(OpError::from)?;
                let created = crate::plan::diff::mark_sensitive(rt.schema(), created);
                Ok(self.record(change, &j.id, Some(&created)).await?)
            }
            Action::Update => {
                let planned = self.resolve(change)?.deep_unmark().0;
                let prior = change.before.clone().unwrap_or(Value::Null).deep_unmark().0;
                let j = self.journal(change, "update", Some(&planned)).await?;
                let updated = rt
                    .update(&ctx, &prior, &planned)
                    .await
                    .map_err(OpError::from)?;
                let updated = crate::plan::diff::mark_sensitive(rt.schema(), updated);
                Ok(self.record(change, &j, Some(&updated)).await?)
            }
            Action::Delete => {
                let prior = change.before.clone().unwrap_or(Value::Null).deep_unmark().0;
                let j = self.journal(change, "delete", Some(&prior)).await?;
                rt.delete(&ctx, &prior).await.map_err(OpError::from)?;
                Ok(self.record(change, &j, None).await?)
            }
            Action::DeleteThenCreate => {
                let prior = change.before.clone().unwrap_or(Value::Null).deep_unmark().0;
                let j = self.journal(change, "delete", Some(&prior)).await?;
                rt.delete(&ctx, &prior).await.map_err(OpError::from)?;
                self.record(change, &j, None).await?;
                let planned = self.resolve(change)?.deep_unmark().0;
                let j = self.journal_op(change, "create", Some(&planned)).await?;
                let created = self
                    .create(rt, &ctx, change, &planned, &j)
                    .await
                    .map_err(OpError::from)?;
                let created = crate::plan::diff::mark_sensitive(rt.schema(), created);
                Ok(self.record(change, &j.id, Some(&created)).await?)
            }
            Action::CreateThenDelete => {
                let prior = change.before.clone().unwrap_or(Value::Null).deep_unmark().0;
                let planned = self.resolve(change)?.deep_unmark().0;
                let j = self.journal_op(change, "create", Some(&planned)).await?;
                let created = self
                    .create(rt, &ctx, change, &planned, &j)
                    .await
                    .map_err(OpError::from)?;
                let created = crate::plan::diff::mark_sensitive(rt.schema(), created);
                self.record(change, &j.id, Some(&created)).await?;
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

    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
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
}

/// What settling the journal did, for the user.
#[derive(Debug, Default)]
pub struct Reconciled {
    /// Operations settled (objects adopted, deletes finished, entries dropped), in words.
    pub settled: Vec<String>,
    /// Entries kept open, with why (also recorded on each entry, for `strata state journal`).
    pub open: Vec<String>,
    /// Entries that could not be settled because a look-up or a wait failed: kept, with why;
    /// the caller stops, as planning without knowing what exists could lose track of them.
    pub failed: Vec<String>,
}

/// Settles operations a previous run left in the journal (it was killed, interrupted while
/// it waited for AWS, or lost its connection, between recording an operation and recording
/// its result): each object is looked up by the identifier recorded before the AWS call.
///
/// A create's object is adopted only with proof that the interrupted operation made it: the
/// operation's tag (`ownership`). One under the recorded name without any operation tag stays
/// open for the apply, which sends the create again under that identifier and adopts the
/// object only if it matches the configuration; one tagged by another operation is not ours.
/// A look-up that finds nothing is no proof that a create never happened (AWS may not show the
/// object yet, the request may still have been on its way): the entry stays open, and the
/// plan creates the object under the recorded identifier, until such a create was answered
/// (`JournalEntry::retried`) or [`SETTLE_GRACE`] has passed since the attempt.
///
/// With `finish` (apply) an adopted object is also waited for until usable — what depends on
/// it is about to be applied; a new one that never becomes usable is kept tainted, for the
/// plan to replace — and the deposed object of an interrupted replacement is deleted; without
/// (plan changes nothing in AWS and waits for nothing) the object is adopted as found and its
/// entry, like a deletion's, stays in the journal for apply to finish.
pub async fn reconcile_journal(
    state: &mut State,
    aws: &Arc<Aws>,
    providers: &[ProviderSettings],
    finish: bool,
) -> Reconciled {
    let mut out = Reconciled::default();
    let mut kept = Vec::new();
    let entries = std::mem::take(&mut state.journal);
    for entry in entries {
        let Ok(addr) = entry.addr.parse::<InstanceAddr>() else {
            out.settled.push(format!(
                "dropped an unreadable journal entry for {}",
                entry.addr
            ));
            continue;
        };
        let Some(rt) = crate::provider::resource_type(&entry.type_) else {
            out.settled.push(format!(
                "dropped a journal entry for unsupported type {}",
                entry.type_
            ));
            continue;
        };
        let settings =
            crate::plan::build::provider_for_state(providers, &entry.provider, &entry.region);
        let ctx = Ctx {
            aws: aws.clone(),
            settings,
        };
        let Some(natural) = entry.natural_id.clone() else {
            out.settled.push(format!("{addr}: an interrupted {} left no identifier to look up; check AWS for a stray object", entry.action));
            continue;
        };
        let settled = settle_entry(
            state, &entry, &addr, &natural, rt, &ctx, finish, &mut out, &mut kept,
        )
        .await;
        if let Err(why) = settled {
            out.failed
                .push(format!("{addr} ({} of {natural}): {why}", entry.action));
            let mut failed = entry.clone();
            failed.unsettled = Some(why);
            kept.push(failed);
        }
    }
    state.journal = kept;
    out
}

/// Keeps `entry` open, saying why.
fn keep(out: &mut Reconciled, kept: &mut Vec<JournalEntry>, entry: &JournalEntry, why: String) {
    out.open.push(format!("{}: {why}", entry.addr));
    let mut open = entry.clone();
    open.unsettled = Some(why);
    kept.push(open);
}

/// Settles one entry of [`reconcile_journal`]: pushes what it did to `out`, and to `kept`
/// what the journal keeps. An error means the entry could not be looked at; nothing was
/// pushed to `kept` for it then.
#[allow(clippy::too_many_arguments)]
async fn settle_entry(
    state: &mut State,
    entry: &JournalEntry,
    addr: &InstanceAddr,
    natural: &str,
    rt: &dyn ResourceType,
    ctx: &Ctx,
    finish: bool,
    out: &mut Reconciled,
    kept: &mut Vec<JournalEntry>,
) -> Result<(), String> {
    let settings = &ctx.settings;
    let found = rt
        .find_by_natural_id(ctx, natural)
        .await
        .map_err(|e| format!("looking {natural} up failed: {}", e.message))?;
    let tag = crate::provider::aws::ownership::OPERATION_TAG;
    // Whose the object found under a create's recorded name is.
    let owner = match (&found, entry.action.as_str()) {
        (Some(obj), "create") => crate::provider::aws::ownership::operation_of(ctx, obj)
            .await
            .map_err(|e| format!("reading the tags of {natural} failed: {}", e.message))?
            .map(|op| op == entry.id),
        _ => None,
    };
    match (entry.action.as_str(), found, owner) {
        ("create", None, _) => {
            let gone_for = entry.age().filter(|a| *a >= SETTLE_GRACE);
            if entry.retried {
                out.settled.push(format!(
                    "{addr}: the interrupted create of {natural} never happened (a create sent again under that identifier was answered, and AWS shows no such object); nothing to adopt"
                ));
            } else if let Some(age) = gone_for {
                out.settled.push(format!(
                    "{addr}: the interrupted create of {natural} never happened (AWS shows no such object {} min after the attempt); nothing to adopt",
                    age.as_secs() / 60
                ));
            } else {
                keep(
                    out,
                    kept,
                    entry,
                    format!("{natural} is not found yet: AWS may not show an object right after its create, and the request may still have been on its way when the run stopped; the next `strata apply` creates it under this identifier and adopts what AWS then says exists only if it is ours"),
                );
            }
        }
        ("create", Some(_), Some(false)) => out.settled.push(format!(
            "{addr}: {natural} exists but carries another strata operation's {tag} tag: the interrupted create did not make it (names are unique); not adopted, and the entry is dropped"
        )),
        ("create", Some(_), None) => keep(
            out,
            kept,
            entry,
            format!("{natural} exists but carries no {tag} tag, so nothing proves the interrupted run created it; the next `strata apply` creates it under this identifier and adopts it only if it matches the configuration, or decide with `strata state journal resolve {addr}`"),
        ),
        ("create" | "update" | "replace", Some(mut obj), _) => {
            // An interrupted create-before-destroy: the state still holds the object the
            // new one replaces. Adopting the new one must not drop the old one from view.
            let found_id = to_state_attributes(&entry.type_, Mode::Managed, &obj)
                .get("id")
                .cloned();
            let displaced = state
                .instance(addr)
                .filter(|i| found_id.is_some() && i.attributes.get("id") != found_id.as_ref())
                .map(|i| i.attributes.clone());
            if displaced.is_some() && !finish {
                keep(
                    out,
                    kept,
                    entry,
                    format!("{natural} was created by an interrupted replacement; the next `strata apply` finishes it"),
                );
                return Ok(());
            }
            let mut tainted = false;
            if finish {
                match rt.wait_usable(ctx, &obj).await {
                    Ok(()) => {}
                    Err(e) if e.interrupted || e.not_found => {
                        // Interrupted: the journal keeps the entry for the next run. Gone
                        // meanwhile: the next run finds nothing and drops it.
                        return Err(format!(
                            "waiting for {addr} ({natural}), left provisioning by an interrupted run: {}",
                            e.message
                        ));
                    }
                    Err(e) if entry.action == "update" => {
                        // An existing object an update left unusable: adopted as it is
                        // (Terraform does not taint a failed update); the plan shows what
                        // still differs.
                        out.settled.push(format!(
                            "{addr}: {natural}, left mid-update by an interrupted run, did not become usable again ({}); check it in AWS",
                            e.message
                        ));
                    }
                    Err(e) => {
                        // A new object that will not become usable (an RDS instance
                        // `failed`, say): kept in state as tainted, as Terraform keeps a
                        // failed create, so this plan replaces it instead of every apply
                        // stopping here.
                        tainted = true;
                        out.settled.push(format!(
                            "{addr}: {natural}, created by an interrupted run, did not become usable ({}); it is kept as tainted and this plan replaces it",
                            e.message
                        ));
                    }
                }
                if let Some(now) = rt.find_by_natural_id(ctx, natural).await.map_err(|e| {
                    format!("looking up {addr} ({natural}) again: {}", e.message)
                })? {
                    obj = now;
                }
            }
            if let Some(old) = displaced {
                let old_id = old
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                if tainted {
                    // The object in use stays; the journal keeps tracking the failed one.
                    keep(
                        out,
                        kept,
                        entry,
                        format!("{natural}, created by an interrupted replacement of {old_id}, did not become usable; {old_id} stays in use, and {natural} stays in the journal until it is deleted in AWS"),
                    );
                    return Ok(());
                }
                // The replacement is usable: finish it as the interrupted run would have,
                // deleting the old object the way its state says (final snapshot, ...).
                let old = Value::from_json(&old);
                match rt.delete(ctx, &old).await {
                    Ok(()) => out.settled.push(format!(
                        "{addr}: finished the interrupted replacement of {old_id}: {natural} is in use and {old_id} is deleted"
                    )),
                    Err(e) => {
                        // Still in use by what this apply is about to move to the new
                        // object, say: tracked by the journal, tried again next apply.
                        out.settled.push(format!(
                            "{addr}: {natural} replaces {old_id}, which could not be deleted yet ({}); the journal keeps it and the next `strata apply` tries again",
                            e.message
                        ));
                        kept.push(JournalEntry::new(
                            addr,
                            "delete",
                            rt.natural_id(&old),
                            &entry.region,
                            &entry.provider,
                        ));
                    }
                }
            }
            let known = state.instance(addr).is_some();
            let deps = state
                .instance(addr)
                .map(|i| i.dependencies.clone())
                .unwrap_or_default();
            state.set_instance(
                addr,
                &settings.address(),
                InstanceState {
                    index_key: addr.key.to_json(),
                    status: tainted.then(|| "tainted".to_string()),
                    attributes: to_state_attributes(&entry.type_, Mode::Managed, &obj),
                    dependencies: deps,
                    region: settings.region.clone(),
                },
            );
            if !known {
                out.settled.push(format!(
                    "{addr}: adopted {natural}, created by an interrupted run"
                ));
            }
            if !finish {
                // Plan adopts without waiting: the entry stays for apply to wait until the
                // object is usable (or to keep it tainted), before what depends on it.
                let mut open = entry.clone();
                open.unsettled = Some(format!(
                    "{natural} is adopted; the next `strata apply` waits until it is usable"
                ));
                kept.push(open);
            }
        }
        ("delete", None, _) => {
            // Only if the state's object is the one deleted: after an interrupted
            // create-before-destroy it is the new object, which stays.
            let deleted_is_current = state.instance(addr).is_some_and(|i| {
                rt.natural_id(&Value::from_json(&i.attributes)).as_deref()
                    == Some(natural)
            });
            let removed = deleted_is_current && state.remove_instance(addr).is_some();
            if removed {
                out.settled.push(format!(
                    "{addr}: {natural} was deleted by an interrupted run; removed from state"
                ));
            }
        }
        ("delete", Some(obj), _) => {
            let found_id = to_state_attributes(&entry.type_, Mode::Managed, &obj)
                .get("id")
                .cloned();
            let managed = found_id.is_some()
                && state
                    .instance(addr)
                    .is_some_and(|i| i.attributes.get("id") == found_id.as_ref());
            if managed {
                out.settled.push(format!(
                    "{addr}: the interrupted delete of {natural} did not finish; it is still managed"
                ));
            } else if !finish {
                keep(
                    out,
                    kept,
                    entry,
                    format!("{natural}, replaced by an interrupted run, is still to be deleted; the next `strata apply` deletes it"),
                );
            } else {
                // Not the object the state holds: the deposed half of a create-before-
                // destroy replacement (the new object is recorded already). Only the
                // journal knows it: finish the delete, or it would be left untracked.
                // How to delete it (a final snapshot or not) AWS does not say, and the
                // look-up takes it as an import does: the new object's state, from the
                // same configuration, says.
                let deposed = match state.instance(addr) {
                    Some(current) => crate::plan::build::with_virtual_from_config(
                        rt.schema(),
                        &obj.deep_unmark().0,
                        &Value::from_json(&current.attributes),
                    ),
                    None => obj.deep_unmark().0,
                };
                match rt.delete(ctx, &deposed).await {
                    Ok(()) => out.settled.push(format!(
                        "{addr}: finished the interrupted delete of {natural}, which an interrupted run had replaced"
                    )),
                    Err(e) => {
                        // Not fatal: what still uses it may be about to move to the new
                        // object in this apply; the entry keeps it tracked.
                        keep(
                            out,
                            kept,
                            entry,
                            format!("{natural}, replaced by an interrupted run, could not be deleted yet ({}); the journal keeps it and the next `strata apply` tries again", e.message),
                        );
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}
