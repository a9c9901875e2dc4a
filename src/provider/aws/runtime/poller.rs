//! Batched waiting: one poller per (resource type, provider settings, kind of read).
//!
//! `Ctx::wait_for` registers a waiter (an id and a predicate over what `read` returns for it,
//! `None` when absent). One background task per key calls the type's batched `read` for every
//! waiter that is due, all in one call, and wakes the waiters whose predicate holds (or
//! fails). A new waiter is due at once: it joins the read in flight's successor, not the next
//! poll interval, so reads right after a write batch up without adding a delay; a waiter
//! whose predicate does not hold yet is due again one poll interval later. The task ends when
//! no waiter is left; the next waiter starts a new one. Twenty instances waiting for
//! "available" thus cost one describe per interval, not twenty, and 150 security groups read
//! back after their creation cost a handful of describes, not 150.
//!
//! Waits for AWS to finish provisioning (`wait_for`, `wait_for_fetch`) end early when the run
//! is interrupted (`Aws::interrupt`): the AWS call that started the work was made, and the
//! journal lets the next run pick the object up. Reads that only wait for AWS's eventual
//! consistency (`read_visible`, `read_back`) take seconds at most and are never cut short:
//! what follows them (a security group's default egress revoke) must not be skipped. They
//! have pollers of their own, whose reads see tags written a moment ago (`tagging::current`);
//! waits read tags as a refresh does.

use super::super::{Ctx, ProviderSettings};
use crate::provider::{ProviderError, ProviderResult, ResourceType};
use crate::value::Value;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;

/// How long a read right after a write waits for the object: AWS's eventual consistency
/// takes seconds, but the batched read itself may take longer (200 parameter groups' values
/// are 200 calls, paced by the rate limiter at 12 a second once RDS's burst is spent). Only an
/// object deleted by someone else between the write and the read waits this long.
const READ_BACK_TIMEOUT: Duration = Duration::from_secs(300);

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
    wake: oneshot::Sender<ProviderResult<Option<Value>>>,
    /// When this waiter next wants a read.
    due: Instant,
    /// Part of the read in flight (a waiter that registered during a read waits for the next).
    in_flight: bool,
}

#[derive(Default)]
struct Pending {
    waiters: Vec<Waiter>,
    running: bool,
}

/// One key's waiters and the doorbell a new waiter rings to wake a sleeping poll task.
#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    arrived: Notify,
}

/// (look-up, right after a write, provider settings).
type Key = (&'static str, bool, ProviderSettings);

/// The pollers of one run, kept in `Aws`.
#[derive(Default)]
pub struct Pollers {
    by_key: Mutex<BTreeMap<Key, Arc<Shared>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The run's "stop waiting" signal, raised by the first Ctrl-C or SIGTERM.
pub struct Interrupt(tokio::sync::watch::Sender<bool>);

impl Default for Interrupt {
    fn default() -> Interrupt {
        Interrupt(tokio::sync::watch::Sender::new(false))
    }
}

impl Interrupt {
    pub fn raise(&self) {
        self.0.send_replace(true);
    }

    pub fn is_raised(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the signal is raised (at once if it was already).
    pub async fn raised(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`: the wait can only end by the signal.
        let _ = rx.wait_for(|raised| *raised).await;
    }
}

fn interrupted(what: &str) -> ProviderError {
    ProviderError::interrupted(format!("interrupted while waiting for {what}"))
}

fn fetch_read(rt: &'static dyn ResourceType) -> Fetch {
    Arc::new(move |ctx: Ctx, ids: Vec<String>| Box::pin(async move { rt.read(&ctx, &ids).await }))
}

/// `read` that sees tags written a moment ago, for reads right after a write.
fn fetch_read_after_write(rt: &'static dyn ResourceType) -> Fetch {
    Arc::new(move |ctx: Ctx, ids: Vec<String>| {
        Box::pin(async move { super::super::kit::tagging::current(rt.read(&ctx, &ids)).await })
    })
}

impl Ctx {
    /// Waits until `done` holds for `id` as `rt.read` sees it, polling in batches with every
    /// other waiter of the same type and provider settings. Ends early, with an
    /// `interrupted` error, when the run is interrupted.
    pub async fn wait_for(
        &self,
        rt: &'static dyn ResourceType,
        id: &str,
        what: &str,
        timeout: Duration,
        done: Predicate,
    ) -> ProviderResult<()> {
        self.join(
            rt.type_name(),
            fetch_read(rt),
            id,
            what,
            timeout,
            done,
            false,
        )
        .await
        .map(drop)
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
        self.join(key, fetch, id, what, timeout, done, false)
            .await
            .map(drop)
    }

    /// The object as `rt.read` returns it, once AWS shows it (right after a create, AWS's
    /// eventual consistency may hide it for a moment). Batched with every other read and wait
    /// of the type; not cut short by an interrupt (see the module notes).
    pub async fn read_visible(
        &self,
        rt: &'static dyn ResourceType,
        id: &str,
        what: &str,
        timeout: Duration,
    ) -> ProviderResult<Value> {
        let found = self
            .join(
                rt.type_name(),
                fetch_read_after_write(rt),
                id,
                what,
                timeout,
                Box::new(|v| Ok(v.is_some())),
                true,
            )
            .await?;
        found.ok_or_else(|| ProviderError::not_found(format!("{what}: not found")))
    }

    /// The object as `rt.read` returns it right after strata wrote it, read in one batched
    /// describe with every other object of the type read back at the same time: 200 subnet
    /// groups created at once are read back in a few calls, not 200 (each call counts
    /// against the account's API rate limit).
    pub async fn read_back(
        &self,
        rt: &'static dyn ResourceType,
        id: &str,
    ) -> ProviderResult<Value> {
        let what = format!("{} {id} after writing it", rt.type_name());
        self.read_visible(rt, id, &what, READ_BACK_TIMEOUT).await
    }

    /// Registers a waiter under `key` and waits for its outcome: the object it ended on.
    #[allow(clippy::too_many_arguments)]
    async fn join(
        &self,
        key: &'static str,
        fetch: Fetch,
        id: &str,
        what: &str,
        timeout: Duration,
        done: Predicate,
        after_write: bool,
    ) -> ProviderResult<Option<Value>> {
        // A read right after a write is never cut short (see the module notes).
        let interruptible = !after_write;
        if interruptible && self.aws.interrupt.is_raised() {
            return Err(interrupted(what));
        }
        let (wake, woken) = oneshot::channel();
        let key = (key, after_write, self.settings.clone());
        let shared = lock(&self.aws.pollers.by_key)
            .entry(key)
            .or_default()
            .clone();
        let start = {
            let mut p = lock(&shared.pending);
            p.waiters.push(Waiter {
                id: id.to_string(),
                done,
                wake,
                due: Instant::now(),
                in_flight: false,
            });
            !std::mem::replace(&mut p.running, true)
        };
        if start {
            tokio::spawn(poll(fetch, self.clone(), shared.clone()));
        } else {
            shared.arrived.notify_one();
        }
        let outcome = async {
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
        };
        if !interruptible {
            return outcome.await;
        }
        // Dropping the receiver withdraws the waiter: the poll task forgets it.
        tokio::select! {
            r = outcome => r,
            _ = self.aws.interrupt.raised() => Err(interrupted(what)),
        }
    }

    /// Sleeps one poll interval before retrying a call AWS refused for now (a group still in
    /// use, changes still pending); an interrupt ends the pause with an `interrupted` error.
    pub async fn pause(&self, what: &str) -> ProviderResult<()> {
        tokio::select! {
            _ = tokio::time::sleep(self.poll_interval()) => Ok(()),
            _ = self.aws.interrupt.raised() => Err(interrupted(what)),
        }
    }
}

/// The background task of one key: read every due waiter's id at once, wake whoever is done,
/// sleep until the next waiter is due or a new one arrives.
async fn poll(fetch: Fetch, ctx: Ctx, shared: Arc<Shared>) {
    // Should a look-up panic, its waiters are told (their senders dropped) and the next
    // waiter starts a new task.
    struct OnPanic(Arc<Shared>);
    impl Drop for OnPanic {
        fn drop(&mut self) {
            if std::thread::panicking() {
                let mut p = lock(&self.0.pending);
                p.waiters.clear();
                p.running = false;
            }
        }
    }
    let _guard = OnPanic(shared.clone());
    loop {
        let now = Instant::now();
        let (ids, next_due) = {
            let mut p = lock(&shared.pending);
            // Waiters that gave up (timed out, interrupted) are dropped here.
            p.waiters.retain(|w| !w.wake.is_closed());
            if p.waiters.is_empty() {
                p.running = false;
                return;
            }
            let mut ids = Vec::new();
            for w in p.waiters.iter_mut().filter(|w| w.due <= now) {
                w.in_flight = true;
                ids.push(w.id.clone());
            }
            ids.sort();
            ids.dedup();
            let next_due = p.waiters.iter().map(|w| w.due).min();
            (ids, next_due)
        };
        if ids.is_empty() {
            let next_due = next_due.unwrap_or(now + ctx.poll_interval());
            tokio::select! {
                _ = tokio::time::sleep_until(next_due) => {}
                _ = shared.arrived.notified() => {}
            }
            continue;
        }
        let read = fetch(ctx.clone(), ids).await;
        let next_due = Instant::now() + ctx.poll_interval();
        let mut p = lock(&shared.pending);
        let waiters = std::mem::take(&mut p.waiters);
        for mut w in waiters {
            if !std::mem::replace(&mut w.in_flight, false) {
                p.waiters.push(w);
                continue;
            }
            let found = match &read {
                Ok(found) => Ok(found.get(&w.id)),
                Err(e) => Err(e.clone()),
            };
            match found.and_then(|v| (w.done)(v).map(|done| (done, v))) {
                Ok((false, _)) => {
                    w.due = next_due;
                    p.waiters.push(w);
                }
                Ok((true, v)) => {
                    let _ = w.wake.send(Ok(v.cloned()));
                }
                Err(e) => {
                    let _ = w.wake.send(Err(e));
                }
            }
        }
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
    let mut m = crate::value::Map::new();
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
        let ctx = test_ctx(Duration::from_millis(20));
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
        let ctx = test_ctx(Duration::from_millis(10));
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

    /// A fetch that counts its calls: `answer(call number, id)` is the object (`None`:
    /// absent).
    fn counted(answer: fn(usize, &str) -> Option<Value>) -> (Fetch, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let fetch: Fetch = Arc::new(move |_ctx, ids: Vec<String>| {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let found = ids
                .iter()
                .filter_map(|id| Some((id.clone(), answer(n, id)?)));
            let found: BTreeMap<String, Value> = found.collect();
            Box::pin(async move { Ok(found) })
        });
        (fetch, calls)
    }

    fn test_ctx(poll: Duration) -> Ctx {
        Ctx {
            aws: Arc::new(Aws::from_config(
                aws_config::SdkConfig::builder().build(),
                poll,
            )),
            settings: ProviderSettings::default(),
        }
    }

    /// Regression: a waiter that registered while a read was in flight slept a whole poll
    /// interval (5 s against AWS) before its first read, so 150 security groups read back
    /// right after their creation waited 5 s each — or took one describe each.
    #[tokio::test]
    async fn a_waiter_arriving_during_a_read_is_read_right_after_it() {
        let ctx = test_ctx(Duration::from_secs(30));
        let fetches = Arc::new(AtomicUsize::new(0));
        let f = fetches.clone();
        let fetch: Fetch = Arc::new(move |_ctx, ids: Vec<String>| {
            f.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(ids
                    .iter()
                    .map(|id| (id.clone(), status_value(Some("available"), false)))
                    .collect())
            })
        });
        let wait = |id: &'static str, delay: u64| {
            let (ctx, fetch) = (ctx.clone(), fetch.clone());
            async move {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                ctx.wait_for_fetch(
                    "test/late",
                    fetch,
                    id,
                    id,
                    Duration::from_secs(60),
                    Box::new(|v| Ok(v.is_some())),
                )
                .await
            }
        };
        let started = std::time::Instant::now();
        let (a, b, c) = tokio::join!(wait("a", 0), wait("b", 10), wait("c", 20));
        a.unwrap();
        b.unwrap();
        c.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "late waiters waited for the poll interval: {:?}",
            started.elapsed()
        );
        // One read for the first waiter, one for the two that arrived during it.
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn read_visible_returns_the_object_once_it_shows() {
        let ctx = test_ctx(Duration::from_millis(10));
        // Hidden for the first two reads, as AWS's eventual consistency may do.
        let (fetch, fetches) =
            counted(|n, id| (n >= 2).then(|| Value::from(format!("object {id}"))));
        let found = ctx
            .join(
                "test/visible",
                fetch,
                "x",
                "x",
                Duration::from_secs(5),
                Box::new(|v| Ok(v.is_some())),
                true,
            )
            .await
            .unwrap();
        assert_eq!(found, Some(Value::from("object x")));
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    /// The first Ctrl-C ends waits for provisioning at once (a DB instance may take 40
    /// minutes), but never a read that only waits for AWS's consistency: what follows it
    /// must run.
    #[tokio::test]
    async fn an_interrupt_ends_a_provisioning_wait_but_not_a_visibility_read() {
        let ctx = test_ctx(Duration::from_millis(10));
        let (fetch, fetches) = counted(|n, id| {
            (id != "late" || n >= 20).then(|| status_value(Some("creating"), false))
        });
        let provisioning = ctx.join(
            "test/interrupt",
            fetch.clone(),
            "db",
            "db to become available",
            Duration::from_secs(60),
            Box::new(|v| Ok(v.is_some_and(|v| status(v) == "available"))),
            false,
        );
        let visibility = ctx.join(
            "test/interrupt",
            fetch,
            "late",
            "late to show",
            Duration::from_secs(60),
            Box::new(|v| Ok(v.is_some())),
            true,
        );
        let raise = async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            ctx.aws.interrupt.raise();
        };
        let started = std::time::Instant::now();
        let (provisioning, visibility, ()) = tokio::join!(provisioning, visibility, raise);
        let cut = provisioning.unwrap_err();
        assert!(cut.interrupted, "{}", cut.message);
        assert!(
            cut.message.contains("db to become available"),
            "{}",
            cut.message
        );
        assert!(visibility.unwrap().is_some());
        assert!(started.elapsed() < Duration::from_secs(5));
        // After the interrupt a new provisioning wait ends at once, without a read.
        let before = fetches.load(Ordering::SeqCst);
        let fetch: Fetch = Arc::new(|_ctx, _ids| Box::pin(async { Ok(BTreeMap::new()) }));
        let again = ctx
            .wait_for_fetch(
                "test/interrupt",
                fetch,
                "db2",
                "db2",
                Duration::from_secs(60),
                Box::new(|_| Ok(false)),
            )
            .await
            .unwrap_err();
        assert!(again.interrupted);
        assert_eq!(fetches.load(Ordering::SeqCst), before);
        assert!(ctx.pause("anything").await.unwrap_err().interrupted);
    }
}
