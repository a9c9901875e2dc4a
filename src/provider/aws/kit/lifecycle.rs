//! The steps of an object's life that several types share: a create that waits until the
//! object is ready, an update that sends its modify call only when something changed and
//! waits for it, a delete that takes a final snapshot (or is told to skip it) and lifts
//! deletion protection turned on outside strata, and the check that refuses, at plan time, a
//! delete that could not succeed.

use super::client::Ctx;
use super::errors::{unless, Code};
use super::tags::{self, Service};
use super::wait::Waiter;
use crate::provider::{obj, ConfigProblem, ProviderResult, ResourceType, Written};
use crate::value::Value;

/// What a create that waits does after its call, and so what settling a retried one does:
/// waits until `waiter` finds object `id` ready (the `create` timeout of `planned`), then
/// reads it back (`state_after_write`).
pub async fn ready_after_create<T: ResourceType + ?Sized>(
    rt: &T,
    waiter: &Waiter,
    ctx: &Ctx,
    id: &str,
    planned: &Value,
) -> ProviderResult<Value> {
    let timeout = rt.schema().timeout(planned, "create");
    waiter.ready(ctx, id, timeout).await?;
    let written = Written {
        id,
        prior: None,
        planned,
    };
    rt.state_after_write(ctx, written).await
}

/// A create that waits: sends `call` (the SDK builder that names object `id`) with the
/// create-time tags and the arguments of the create `table` set from `planned`, then
/// `ready_after_create` with `waiter`. `what` names the object in the error ("DB cluster").
macro_rules! create_then_ready {
    ($rt:expr, $ctx:expr, $planned:expr, $call:expr, $table:expr, $waiter:expr, $id:expr, $what:literal) => {{
        use $crate::provider::aws::kit::{errors::During, lifecycle, modify, tags};
        let (ctx, planned, id) = ($ctx, $planned, $id);
        let call = $call.set_tags(tags::for_create(ctx, planned));
        let (call, _) = modify::set($table, planned, call);
        let what = format!(concat!("creating ", $what, " {}"), id);
        call.send().await.during(&what)?;
        lifecycle::ready_after_create($rt, $waiter, ctx, id, planned).await
    }};
}
pub(crate) use create_then_ready;

/// An in-place update of object `id` once its modify call is built (`modified`: the builder and whether any
/// argument changed, as `modify::changed` answers): the call sent only when one did, then a
/// wait until `waiter` finds the object ready again (with `settled`, its changes applied too)
/// within the `update` timeout; then `tags_then_read_back`. `what` names the object in the
/// error ("DB cluster").
macro_rules! modify_then_settle {
    ($rt:expr, $ctx:expr, $service:expr, $id:expr, $prior:expr, $planned:expr, $modified:expr, $waiter:expr, $settled:expr, $what:literal) => {{
        use $crate::provider::aws::kit::{errors::During, lifecycle};
        let (rt, ctx, id, prior, planned) = ($rt, $ctx, $id, $prior, $planned);
        if let (call, true) = $modified {
            let what = format!(concat!("modifying ", $what, " {}"), id);
            call.send().await.during(&what)?;
            let timeout = rt.schema().timeout(planned, "update");
            $waiter.until_ready(ctx, id, timeout, $settled).await?;
        }
        lifecycle::tags_then_read_back(rt, ctx, $service, id, prior, planned).await
    }};
}
pub(crate) use modify_then_settle;

/// How an update of an object with tags ends: its tags brought to the plan's, then the object
/// read back (`state_after_write`).
pub async fn tags_then_read_back<T: ResourceType + ?Sized>(
    rt: &T,
    ctx: &Ctx,
    service: Service,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> ProviderResult<Value> {
    tags::update(ctx, service, prior, planned).await?;
    let written = Written {
        id,
        prior: Some(prior),
        planned,
    };
    rt.state_after_write(ctx, written).await
}

/// Sends a delete `call`, again a poll interval apart while AWS answers `busy` (the object
/// still in use, changes pending) for up to `retry_for` (`waiting_for` says what for); `false`
/// when AWS answered one of `gone` (the object was gone already), `true` when it took the
/// delete.
pub async fn delete<F, Fut>(
    ctx: &Ctx,
    waiting_for: &str,
    retry_for: std::time::Duration,
    busy: impl Fn(&crate::provider::ProviderError) -> bool,
    gone: &[&str],
    call: F,
) -> ProviderResult<bool>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ProviderResult<()>>,
{
    Ok(unless(
        ctx.retry_while(waiting_for, retry_for, busy, call).await,
        gone,
    )?
    .is_some())
}

/// What a delete does about the final snapshot, from the prior object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalSnapshot {
    pub skip: bool,
    pub identifier: Option<String>,
    pub delete_automated_backups: bool,
}

impl FinalSnapshot {
    pub fn of(prior: &Value) -> FinalSnapshot {
        let skip = obj::bool(prior, "skip_final_snapshot") == Some(true);
        FinalSnapshot {
            skip,
            identifier: (!skip)
                .then(|| obj::string(prior, "final_snapshot_identifier"))
                .flatten(),
            delete_automated_backups: obj::bool(prior, "delete_automated_backups").unwrap_or(true),
        }
    }
}

/// Refuses a delete that AWS would refuse for want of a final-snapshot choice, before any
/// change of the run is made (`ResourceType::check_delete`).
pub fn check_final_snapshot(prior: &Value, noun: &str) -> Result<(), ConfigProblem> {
    if obj::bool(prior, "skip_final_snapshot") == Some(true)
        || obj::str(prior, "final_snapshot_identifier").is_some()
    {
        return Ok(());
    }
    let id = obj::str(prior, "id").unwrap_or("it");
    Err(ConfigProblem::new(
        Some("skip_final_snapshot"),
        format!(
            "{noun} {id} cannot be deleted: neither skip_final_snapshot = true nor a final_snapshot_identifier is set"
        ),
        format!(
            "set skip_final_snapshot = true, or final_snapshot_identifier = \"{id}-final\" to keep a snapshot, and apply before destroying"
        ),
    ))
}

/// How a type's delete call answers.
pub struct Deletion {
    /// The object is gone already.
    pub gone: &'static [&'static str],
    /// The code AWS answers a delete of an object in the wrong state with (one already being
    /// deleted among them).
    pub invalid_state: &'static str,
}

/// Sends `delete` with the prior object's final-snapshot choice. An object already being
/// deleted counts as deleted; one protected from deletion outside strata (the prior object
/// does not ask for protection) is `unprotect`ed first when the plan applies immediately.
/// `Ok(false)`: the object was gone already, nothing to wait for.
pub async fn delete_with_final_snapshot<D, DF, U, UF>(
    prior: &Value,
    how: &Deletion,
    delete: D,
    unprotect: U,
) -> ProviderResult<bool>
where
    D: Fn(FinalSnapshot) -> DF,
    DF: std::future::Future<Output = ProviderResult<()>>,
    U: FnOnce() -> UF,
    UF: std::future::Future<Output = ProviderResult<()>>,
{
    let fs = FinalSnapshot::of(prior);
    let mut unprotect = Some(unprotect);
    loop {
        let err = match delete(fs.clone()).await {
            Ok(()) => return Ok(true),
            Err(e) => e,
        };
        if err.is(how.gone) {
            return Ok(false);
        }
        if err.says(how.invalid_state, "is already being deleted") {
            return Ok(true);
        }
        let lift = err.message.contains("deletion protection")
            && obj::bool(prior, "deletion_protection") != Some(true)
            && obj::bool(prior, "apply_immediately") == Some(true);
        match unprotect.take() {
            Some(u) if lift => u().await?,
            _ => return Err(err),
        }
    }
}
