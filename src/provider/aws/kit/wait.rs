//! Waiters: a type says which statuses mean "still working" and which "ready", and how to
//! read the statuses of many objects in one call; every wait of every object of the type
//! then shares one describe per poll interval (the batched poller, `runtime::poller`).

use super::client::Ctx;
use crate::provider::{ProviderError, ProviderResult};
use crate::value::Value;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use super::super::runtime::poller::{pending, status, status_value};

/// The statuses of the objects found among `ids` (`status_value`), in one call.
pub type Statuses =
    fn(Ctx, Vec<String>) -> BoxFuture<'static, ProviderResult<BTreeMap<String, Value>>>;

/// How to wait for one resource type's objects.
pub struct Waiter {
    /// What the objects are called in messages ("DB instance").
    pub noun: &'static str,
    /// The poller the waits share (one per type and kind of read).
    pub key: &'static str,
    pub statuses: Statuses,
    /// Statuses a wait for "ready" waits through; any other but `ready` fails it.
    pub pending: &'static [&'static str],
    pub ready: &'static [&'static str],
}

impl Waiter {
    /// Waits until the object is in a ready status.
    pub async fn ready(&self, ctx: &Ctx, id: &str, timeout: Duration) -> ProviderResult<()> {
        self.until_ready(ctx, id, timeout, false).await
    }

    /// Waits until the object is ready with no modification pending (`status_value`'s flag):
    /// changes asked to apply now are applied.
    pub async fn settled(&self, ctx: &Ctx, id: &str, timeout: Duration) -> ProviderResult<()> {
        self.until_ready(ctx, id, timeout, true).await
    }

    /// `settled` when `settled`, else `ready`.
    pub async fn until_ready(
        &self,
        ctx: &Ctx,
        id: &str,
        timeout: Duration,
        settled: bool,
    ) -> ProviderResult<()> {
        let (noun, owned) = (self.noun, id.to_string());
        let (pending_statuses, ready) = (self.pending, self.ready);
        ctx.wait_for_fetch(
            self.key,
            Arc::new(self.statuses),
            id,
            &format!("{noun} {id} to become available"),
            timeout,
            Box::new(move |found| {
                let Some(found) = found else {
                    return Err(ProviderError::not_found(format!("{noun} {owned} not found")));
                };
                let s = status(found);
                if ready.contains(&s) {
                    Ok(!(settled && pending(found)))
                } else if pending_statuses.contains(&s) {
                    Ok(false)
                } else {
                    Err(ProviderError::new(format!(
                        "{noun} {owned} is in unexpected status \"{s}\" while waiting for it to become available"
                    )))
                }
            }),
        )
        .await
    }

    /// After a delete call: waits until the object is gone when the call was `taken` (else
    /// it was gone already).
    pub async fn gone_after(
        &self,
        taken: bool,
        ctx: &Ctx,
        id: &str,
        timeout: Duration,
    ) -> ProviderResult<()> {
        match taken {
            true => self.gone(ctx, id, timeout).await,
            false => Ok(()),
        }
    }

    /// After a delete call answered `sent`: done when AWS answered one of `gone_codes` (it
    /// was gone already), else waits until the object is gone.
    pub async fn gone_after_sent<T>(
        &self,
        sent: ProviderResult<T>,
        gone_codes: &[&str],
        ctx: &Ctx,
        id: &str,
        timeout: Duration,
    ) -> ProviderResult<()> {
        let taken = super::errors::unless(sent, gone_codes)?.is_some();
        self.gone_after(taken, ctx, id, timeout).await
    }

    /// Waits until the object is gone.
    pub async fn gone(&self, ctx: &Ctx, id: &str, timeout: Duration) -> ProviderResult<()> {
        ctx.wait_for_fetch(
            self.key,
            Arc::new(self.statuses),
            id,
            &format!("{} {id} to be deleted", self.noun),
            timeout,
            Box::new(|found| Ok(found.is_none())),
        )
        .await
    }
}
