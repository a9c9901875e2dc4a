//! Batched waiting: one poller per (resource type, provider settings).
//!
//! `Ctx::wait_for` registers a waiter (an id and a predicate over what `read` returns for it,
//! `None` when absent). One background task per key calls the type's batched `read` once per
//! poll interval for every pending id at once and wakes the waiters whose predicate holds (or
//! fails). The task ends when no waiter is left; the next waiter starts a new one. Twenty
//! instances waiting for "available" thus cost one describe per interval, not twenty.

use super::{Ctx, ProviderSettings};
use crate::eval::Value;
use crate::provider::{ProviderError, ProviderResult, ResourceType};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Decides, from the object as `read` returns it (`None`: absent), whether the wait is over
/// (`Ok(true)`), goes on (`Ok(false)`) or failed.
pub type Predicate = Box<dyn Fn(Option<&Value>) -> ProviderResult<bool> + Send + Sync>;

/// A batched look-up: the objects found among `ids`, by id.
pub type Fetch = Arc<
    dyn Fn(Ctx, Vec<String>) -> BoxFuture<'static, ProviderResult<BTreeMap<String, Value>>>
        + Send
        + Sync,
>;

struct Waiter {
    id: String,
    done: Predicate,
    wake: oneshot::Sender<ProviderResult<()>>,
}

#[derive(Default)]
struct Pending {
    waiters: Vec<Waiter>,
    running: bool,
}

type Key = (&'static str, ProviderSettings);

/// The pollers of one run, kept in `Aws`.
#[derive(Default)]
pub struct Pollers {
    by_key: Mutex<BTreeMap<Key, Arc<Mutex<Pending>>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Ctx {
    /// Waits until `done` holds for `id` as `rt.read` sees it, polling in batches with every
    /// other waiter of the same type and provider settings.
    pub async fn wait_for(
        &self,
        rt: &'static dyn ResourceType,
        id: &str,
        what: &str,
        timeout: Duration,
        done: Predicate,
    ) -> ProviderResult<()> {
        let fetch: Fetch = Arc::new(move |ctx: Ctx, ids: Vec<String>| {
            Box::pin(async move { rt.read(&ctx, &ids).await })
        });
        self.wait_for_fetch(rt.type_name(), fetch, id, what, timeout, done)
            .await
    }

    /// `wait_for` over another batched look-up than `read` (one that sees what `read` does
    /// not keep, such as a status). `key` names the look-up; waiters under one key share it.
    pub async fn wait_for_fetch(
        &self,
        key: &'static str,
        fetch: Fetch,
        id: &str,
        what: &str,
        timeout: Duration,
        done: Predicate,
    ) -> ProviderResult<()> {
        let (wake, woken) = oneshot::channel();
        let key = (key, self.settings.clone());
        let pending = lock(&self.aws.pollers.by_key)
            .entry(key)
            .or_default()
            .clone();
        let start = {
            let mut p = lock(&pending);
            p.waiters.push(Waiter {
                id: id.to_string(),
                done,
                wake,
            });
            !std::mem::replace(&mut p.running, true)
        };
        if start {
            tokio::spawn(poll(fetch, self.clone(), pending));
        }
        match tokio::time::timeout(timeout, woken).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ProviderError::new(format!(
                "the poller stopped while waiting for {what}"
            ))),
            Err(_) => Err(ProviderError::new(format!(
                "timed out after {}s waiting for {what}",
                timeout.as_secs()
            ))),
        }
    }
}

/// The background task of one key: read all pending ids, wake whoever is done, sleep.
async fn poll(fetch: Fetch, ctx: Ctx, pending: Arc<Mutex<Pending>>) {
    // Should a look-up panic, its waiters are told (their senders dropped) and the next
    // waiter starts a new task.
    struct OnPanic(Arc<Mutex<Pending>>);
    impl Drop for OnPanic {
        fn drop(&mut self) {
            if std::thread::panicking() {
                let mut p = lock(&self.0);
                p.waiters.clear();
                p.running = false;
            }
        }
    }
    let _guard = OnPanic(pending.clone());
    loop {
        let ids: Vec<String> = {
            let mut p = lock(&pending);
            // Waiters that gave up (timed out, cancelled) are dropped here.
            p.waiters.retain(|w| !w.wake.is_closed());
            if p.waiters.is_empty() {
                p.running = false;
                return;
            }
            let mut ids: Vec<String> = p.waiters.iter().map(|w| w.id.clone()).collect();
            ids.sort();
            ids.dedup();
            ids
        };
        let read = fetch(ctx.clone(), ids.clone()).await;
        {
            let mut p = lock(&pending);
            let waiters = std::mem::take(&mut p.waiters);
            for w in waiters {
                if !ids.contains(&w.id) {
                    // Registered during the read: it joins the next one.
                    p.waiters.push(w);
                    continue;
                }
                let outcome = match &read {
                    Ok(found) => (w.done)(found.get(&w.id)),
                    Err(e) => Err(e.clone()),
                };
                match outcome {
                    Ok(false) => p.waiters.push(w),
                    Ok(true) => {
                        let _ = w.wake.send(Ok(()));
                    }
                    Err(e) => {
                        let _ = w.wake.send(Err(e));
                    }
                }
            }
        }
        tokio::time::sleep(ctx.poll_interval()).await;
    }
}

/// The `status` attribute of a read object, empty when absent.
pub fn status(v: &Value) -> &str {
    match v {
        Value::Map(m) => match m.get("status") {
            Some(Value::String(s)) => s,
            _ => "",
        },
        _ => "",
    }
}

/// `{status, pending}` for a status fetch: what waits look at.
pub fn status_value(status: Option<&str>, pending: bool) -> Value {
    let mut m = crate::eval::Map::new();
    m.insert(
        "status".into(),
        Value::String(status.unwrap_or_default().to_string()),
    );
    m.insert("pending".into(), Value::Bool(pending));
    Value::Map(m)
}

/// The `pending` flag of a `status_value`.
pub fn pending(v: &Value) -> bool {
    matches!(v, Value::Map(m) if matches!(m.get("pending"), Some(Value::Bool(true))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::Aws;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn twenty_waiters_share_one_fetch_per_poll() {
        let ctx = Ctx {
            aws: Arc::new(Aws::from_config(
                aws_config::SdkConfig::builder().build(),
                Duration::from_millis(20),
            )),
            settings: ProviderSettings::default(),
        };
        let polls = Arc::new(AtomicUsize::new(0));
        let largest = Arc::new(AtomicUsize::new(0));
        let (p, l) = (polls.clone(), largest.clone());
        // Object i is "available" from poll i % 5 + 1 on, until then "creating".
        let fetch: Fetch = Arc::new(move |_ctx, ids: Vec<String>| {
            let n = p.fetch_add(1, Ordering::SeqCst) + 1;
            l.fetch_max(ids.len(), Ordering::SeqCst);
            Box::pin(async move {
                Ok(ids
                    .iter()
                    .map(|id| {
                        let i: usize = id.parse().unwrap();
                        let s = if n > i % 5 { "available" } else { "creating" };
                        (id.clone(), status_value(Some(s), false))
                    })
                    .collect())
            })
        });
        let waits = (0..20).map(|i| {
            let (ctx, fetch) = (ctx.clone(), fetch.clone());
            async move {
                ctx.wait_for_fetch(
                    "test/status",
                    fetch,
                    &i.to_string(),
                    "test",
                    Duration::from_secs(10),
                    Box::new(|v| Ok(v.is_some_and(|v| status(v) == "available"))),
                )
                .await
            }
        });
        for r in futures::future::join_all(waits).await {
            r.unwrap();
        }
        // Unbatched: 20 waiters × up to 5 polls = 60 fetches. Batched: about one per poll.
        let polls = polls.load(Ordering::SeqCst);
        assert!(polls <= 7, "{polls} fetches");
        assert_eq!(largest.load(Ordering::SeqCst), 20);
    }

    #[tokio::test]
    async fn a_wait_times_out_and_a_failing_predicate_fails_it() {
        let ctx = Ctx {
            aws: Arc::new(Aws::from_config(
                aws_config::SdkConfig::builder().build(),
                Duration::from_millis(10),
            )),
            settings: ProviderSettings::default(),
        };
        let fetch: Fetch = Arc::new(|_ctx, _ids| Box::pin(async { Ok(BTreeMap::new()) }));
        let never = ctx
            .wait_for_fetch(
                "test/absent",
                fetch.clone(),
                "x",
                "x to appear",
                Duration::from_millis(100),
                Box::new(|v| Ok(v.is_some())),
            )
            .await
            .unwrap_err();
        assert!(never.message.contains("timed out"), "{}", never.message);
        let failed = ctx
            .wait_for_fetch(
                "test/absent",
                fetch,
                "y",
                "y",
                Duration::from_secs(5),
                Box::new(|_| Err(ProviderError::not_found("y not found"))),
            )
            .await
            .unwrap_err();
        assert!(failed.not_found);
    }
}
