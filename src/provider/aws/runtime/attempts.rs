//! Which AWS calls of one operation the SDK sent more than once, and whether an earlier
//! attempt may have been carried out by AWS without strata seeing the answer.
//!
//! The SDK retries a failed attempt by itself (adaptive mode, up to 6 attempts). When an
//! attempt reached AWS and was carried out but its answer was lost (the connection dropped, a
//! timeout, a 5xx written after the work was done), the retry is answered as if someone else
//! had done the work: `InvalidGroup.Duplicate`, `DBInstanceAlreadyExists`,
//! `InvalidPermission.Duplicate` for an authorize, `InvalidPermission.NotFound` for a revoke.
//! Only a call with such an attempt before its final answer may take that answer for its own
//! doing; on a first attempt (or after throttling only) it is someone else's object.
//!
//! [`Watch`] is an interceptor on every client (`Aws::client`). After each failed attempt it
//! runs the client's own retry classifiers, as the SDK's retry strategy does: a throttling
//! error was not carried out (AWS throttles before acting), nor was a request whose
//! connection was refused (it never left this machine); any other retryable failure leaves
//! it open ("unseen"). After a call that took more than one attempt it records the
//! call in the [`observe`] scope of the running task, if there is one. A task-local scope
//! rather than a per-request interceptor: the applier must see the calls of any resource
//! type's create without each type threading something through every call. Tasks spawned
//! inside a scope (the batched waits' poller) are outside it; they only describe.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryReason,
};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_smithy_types::retry::ErrorKind;
use std::cell::RefCell;
use std::future::Future;

/// One AWS call the SDK sent more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `Service.Operation`, e.g. `EC2.CreateSecurityGroup`.
    pub operation: String,
    pub attempts: u32,
    /// Attempts before the last that failed without telling whether AWS carried them out.
    pub unseen: u32,
    /// The call's final answer was an error.
    pub failed: bool,
}

impl Call {
    /// The operation without its service: `CreateSecurityGroup`.
    pub fn action(&self) -> &str {
        self.operation
            .rsplit_once('.')
            .map_or(self.operation.as_str(), |(_, a)| a)
    }
}

/// The calls of one [`observe`] scope that the SDK sent more than once, in completion order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls(pub Vec<Call>);

impl Calls {
    /// A call whose final answer was an error that came after an attempt AWS may have carried
    /// out unseen: that error may describe the call's own lost success.
    pub fn failed_after_unseen(&self) -> Option<&Call> {
        self.0.iter().find(|c| c.failed && c.unseen > 0)
    }
}

tokio::task_local! {
    static CALLS: RefCell<Vec<Call>>;
}

/// Runs `fut` and returns what it returned with the calls the SDK sent more than once while
/// it ran. Scopes nest: an inner scope's calls are also passed on to the enclosing one.
pub async fn observe<F: Future>(fut: F) -> (F::Output, Calls) {
    let (out, calls) = CALLS
        .scope(RefCell::new(Vec::new()), async move {
            let out = fut.await;
            (out, CALLS.with(|c| std::mem::take(&mut *c.borrow_mut())))
        })
        .await;
    let _ = CALLS.try_with(|outer| outer.borrow_mut().extend(calls.iter().cloned()));
    (out, Calls(calls))
}

/// The attempts of one call (by number) that failed without telling whether AWS acted.
#[derive(Debug, Clone, Default)]
struct Unseen(Vec<u32>);

impl Storable for Unseen {
    type Storer = StoreReplace<Self>;
}

/// The interceptor every client carries (see the module documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct Watch;

impl Intercept for Watch {
    fn name(&self) -> &'static str {
        "strata-retry-watch"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !matches!(context.output_or_error(), Some(Err(_))) {
            return Ok(());
        }
        if !may_have_acted(&classify(context.inner(), runtime_components))
            || never_sent(context.inner())
        {
            return Ok(());
        }
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let mut unseen = cfg.load::<Unseen>().cloned().unwrap_or_default();
        unseen.0.push(attempt);
        cfg.interceptor_state().store_put(unseen);
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempts = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        if attempts < 2 {
            return Ok(());
        }
        let call = Call {
            operation: cfg
                .load::<Metadata>()
                .map(|m| format!("{}.{}", m.service(), m.name()))
                .unwrap_or_else(|| "unknown".into()),
            attempts,
            unseen: cfg
                .load::<Unseen>()
                .map_or(0, |u| u.0.iter().filter(|a| **a < attempts).count() as u32),
            failed: matches!(context.output_or_error(), Some(Err(_))),
        };
        let _ = CALLS.try_with(|c| c.borrow_mut().push(call));
        Ok(())
    }
}

/// The client's retry classifiers on an attempt's outcome, combined as the SDK's retry
/// strategy combines them (`aws_smithy_runtime`'s `run_classifiers_on_ctx`).
fn classify(ctx: &InterceptorContext, runtime_components: &RuntimeComponents) -> RetryAction {
    let mut result = RetryAction::NoActionIndicated;
    for classifier in runtime_components.retry_classifiers() {
        let next = classifier.classify_retry_v2(ctx, &result);
        if next == RetryAction::NoActionIndicated {
            continue;
        }
        result = next;
        if result == RetryAction::RetryForbidden {
            break;
        }
    }
    result
}

/// A connection the endpoint refused: the request never left this machine, so AWS cannot
/// have carried it out (unlike a connection reset or a timeout, which may come after).
fn never_sent(ctx: &InterceptorContext) -> bool {
    let Some(Err(err)) = ctx.output_or_error() else {
        return false;
    };
    err.as_connector_error()
        .is_some_and(|e| refused(e as &(dyn std::error::Error + 'static)))
}

/// Whether `err` or an error it wraps is an OS "connection refused".
fn refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return true;
        }
        next = e.source();
    }
    false
}

/// A retryable failure other than throttling: a dropped connection, a timeout, a 5xx. AWS
/// may have carried the request out before it failed.
fn may_have_acted(action: &RetryAction) -> bool {
    matches!(
        action,
        RetryAction::RetryIndicated(RetryReason::RetryableError { kind, .. })
            if *kind != ErrorKind::ThrottlingError
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(failed: bool, unseen: u32) -> Call {
        Call {
            operation: "EC2.CreateSecurityGroup".into(),
            attempts: 2,
            unseen,
            failed,
        }
    }

    #[test]
    fn only_a_failure_after_an_unseen_attempt_counts() {
        assert_eq!(
            Calls(vec![call(false, 1), call(true, 0)]).failed_after_unseen(),
            None
        );
        assert_eq!(
            Calls(vec![call(true, 0), call(true, 1)]).failed_after_unseen(),
            Some(&call(true, 1))
        );
        assert_eq!(call(true, 1).action(), "CreateSecurityGroup");
    }

    #[test]
    fn throttling_is_never_carried_out() {
        assert!(!may_have_acted(&RetryAction::throttling_error()));
        assert!(may_have_acted(&RetryAction::transient_error()));
        assert!(may_have_acted(&RetryAction::server_error()));
        assert!(!may_have_acted(&RetryAction::NoActionIndicated));
    }

    /// The calls of one CreateSecurityGroup sent to `endpoint` with two attempts.
    async fn create_against(endpoint: &str) -> Calls {
        let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(2)
                    .with_initial_backoff(std::time::Duration::from_millis(1)),
            )
            .load()
            .await;
        let ctx = crate::provider::Ctx {
            aws: std::sync::Arc::new(crate::provider::Aws::from_config(
                base,
                std::time::Duration::from_millis(100),
            )),
            settings: crate::provider::ProviderSettings {
                region: "us-east-1".into(),
                ..Default::default()
            },
        };
        let (result, calls) = observe(
            ctx.ec2()
                .create_security_group()
                .group_name("g")
                .description("d")
                .send(),
        )
        .await;
        assert!(result.is_err());
        calls
    }

    /// Regression: a refused connection counted as an attempt AWS may have carried out, so
    /// an "already exists" after it would have been taken for the call's own lost success.
    #[tokio::test]
    async fn a_refused_connection_was_never_sent_but_a_dropped_one_may_have_been() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let refusing = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let calls = create_against(&refusing).await;
        assert_eq!(calls.0.len(), 1, "{calls:?}");
        assert_eq!((calls.0[0].attempts, calls.0[0].unseen), (2, 0));

        // Accepts, reads the request, closes without answering: it may have been carried out.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dropping = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            while let Ok((mut conn, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
            }
        });
        let calls = create_against(&dropping).await;
        assert_eq!(calls.0.len(), 1, "{calls:?}");
        assert_eq!((calls.0[0].attempts, calls.0[0].unseen), (2, 1));
    }

    #[tokio::test]
    async fn scopes_nest_and_pass_their_calls_on() {
        let (inner, outer) = observe(async {
            let ((), inner) = observe(async {
                CALLS.with(|c| c.borrow_mut().push(call(true, 1)));
            })
            .await;
            CALLS.with(|c| c.borrow_mut().push(call(false, 0)));
            inner
        })
        .await;
        assert_eq!(inner.0, vec![call(true, 1)]);
        assert_eq!(outer.0, vec![call(true, 1), call(false, 0)]);
        // Outside every scope, nothing is recorded and nothing fails.
        assert!(CALLS.try_with(|_| ()).is_err());
    }
}
