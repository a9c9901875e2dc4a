//! Client-side request rate limiting, one limiter per (service, region).
//!
//! Shape: AWS's token buckets. "Request throttling for the Amazon EC2 API"
//! (<https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>) documents, per
//! account and Region, a bucket per action with, by default, 100 tokens refilled at 20/s for
//! non-mutating actions (Describe*/List*/Get*) and 200 tokens refilled at 5/s for mutating
//! ones. We keep the same: per (service, region), one bucket per action, sized by the
//! action's class.
//! "Request throttling for the Amazon RDS API"
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html>)
//! documents one limit per account and Region for the whole RDS API: a burst of 300 requests
//! and a sustained 12 per second. RDS gets that, one bucket for every action. ElastiCache
//! publishes no figures; it gets RDS's, the nearest documented sibling (a guess, labelled as
//! such). KMS and the others get the EC2 shape.
//!
//! Design: the limiter wraps the HTTP client of each SDK client, not an interceptor. The
//! interceptor hooks are synchronous, so waiting there would block a runtime thread; the HTTP
//! connector's `call` returns a future, so the wait is a `tokio::time::sleep` before each
//! attempt (retries included), with no change to any call site. The action is read from the
//! request itself: `Action=` in a query-protocol body (EC2, RDS, ElastiCache) or the JSON
//! protocol's `X-Amz-Target` header (KMS). A burst within the bucket never waits.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A token bucket that lends ahead: taking a token from an empty bucket reserves the next
/// refill and says how long to wait for it, so waiters are served in arrival order.
#[derive(Debug)]
pub struct TokenBucket {
    capacity: f64,
    refill_per_sec: f64,
    /// May go negative: tokens already promised to waiters.
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(capacity: u32, refill_per_sec: f64, now: Instant) -> TokenBucket {
        TokenBucket {
            capacity: capacity as f64,
            refill_per_sec,
            tokens: capacity as f64,
            last: now,
        }
    }

    /// Takes one token at `now`; returns how long the caller must wait before sending.
    pub fn take(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.refill_per_sec).min(self.capacity);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.refill_per_sec)
        }
    }
}

/// Bucket sizes and refill rates for one service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub non_mutating: (u32, f64),
    pub mutating: (u32, f64),
    /// One bucket for every action (RDS's account-wide limit) instead of one per action.
    pub shared: bool,
}

impl Limits {
    pub fn for_service(service: &str) -> Limits {
        match service {
            // RDS's documented limit; ElastiCache borrows it (see the module comment).
            "rds" | "elasticache" => Limits {
                non_mutating: (300, 12.0),
                mutating: (300, 12.0),
                shared: true,
            },
            // EC2's documented defaults (see the module comment).
            _ => Limits {
                non_mutating: (100, 20.0),
                mutating: (200, 5.0),
                shared: false,
            },
        }
    }
}

/// The buckets of one (service, region): one per action, made on first use.
#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    buckets: Mutex<HashMap<String, TokenBucket>>,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// How long a call of `action` must wait, its token taken.
    pub fn reserve(&self, action: &str, now: Instant) -> Duration {
        let action = if self.limits.shared { "*" } else { action };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = buckets.get_mut(action) {
            return b.take(now);
        }
        let (size, refill) = if is_mutating_action(action) {
            self.limits.mutating
        } else {
            self.limits.non_mutating
        };
        buckets
            .entry(action.to_string())
            .or_insert_with(|| TokenBucket::new(size, refill, now))
            .take(now)
    }

    pub async fn acquire(&self, action: &str) {
        let wait = self.reserve(action, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Whether an action changes anything: everything but Describe*, List*, Get*.
pub fn is_mutating_action(action: &str) -> bool {
    !(action.starts_with("Describe") || action.starts_with("List") || action.starts_with("Get"))
}

/// The action a request calls: `X-Amz-Target: Service.Action` or `Action=` in a form body.
pub fn request_action(request: &HttpRequest) -> Option<String> {
    if let Some(target) = request.headers().get("x-amz-target") {
        return target.rsplit('.').next().map(str::to_string);
    }
    let body = std::str::from_utf8(request.body().bytes()?).ok()?;
    body.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(str::to_string)
}

/// Wraps an HTTP client so every attempt first takes a token from `limiter`.
#[derive(Debug, Clone)]
pub struct RateLimitedClient {
    pub inner: SharedHttpClient,
    pub limiter: Arc<RateLimiter>,
}

impl HttpClient for RateLimitedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RateLimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limiter: self.limiter.clone(),
        })
    }
}

#[derive(Debug)]
struct RateLimitedConnector {
    inner: SharedHttpConnector,
    limiter: Arc<RateLimiter>,
}

impl HttpConnector for RateLimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        // Unknown action (not expected for these protocols): a mutating-class bucket of its own.
        let action = request_action(&request).unwrap_or_else(|| "unknown".into());
        let inner = self.inner.clone();
        let limiter = self.limiter.clone();
        HttpConnectorFuture::new(async move {
            limiter.acquire(&action).await;
            inner.call(request).await
        })
    }
}

/// The HTTP client the SDK would use by default (hyper 1 with rustls/aws-lc).
pub fn default_http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_within_the_bucket_never_waits() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(100, 20.0, t0);
        for _ in 0..100 {
            assert_eq!(b.take(t0), Duration::ZERO);
        }
        // The 101st waits one refill interval (1/20 s), the 102nd two.
        assert_eq!(b.take(t0), Duration::from_millis(50));
        assert_eq!(b.take(t0), Duration::from_millis(100));
    }

    #[test]
    fn the_bucket_refills_at_its_rate_up_to_capacity() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(200, 5.0, t0);
        for _ in 0..200 {
            assert_eq!(b.take(t0), Duration::ZERO);
        }
        // One second later five tokens are back.
        let t1 = t0 + Duration::from_secs(1);
        for _ in 0..5 {
            assert_eq!(b.take(t1), Duration::ZERO);
        }
        assert_eq!(b.take(t1), Duration::from_millis(200));
        // An hour idle: full again, never more than the capacity.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..200 {
            assert_eq!(b.take(t2), Duration::ZERO);
        }
        assert!(b.take(t2) > Duration::ZERO);
    }

    #[test]
    fn each_action_has_its_own_bucket_sized_by_its_class() {
        let l = RateLimiter::new(Limits::for_service("ec2"));
        let t = Instant::now();
        for _ in 0..100 {
            assert_eq!(l.reserve("DescribeSecurityGroups", t), Duration::ZERO);
        }
        assert!(l.reserve("DescribeSecurityGroups", t) > Duration::ZERO);
        assert_eq!(l.reserve("DescribeVpcs", t), Duration::ZERO);
        for _ in 0..200 {
            assert_eq!(l.reserve("CreateSecurityGroup", t), Duration::ZERO);
        }
        assert_eq!(
            l.reserve("CreateSecurityGroup", t),
            Duration::from_millis(200)
        );
        assert_eq!(l.reserve("RevokeSecurityGroupEgress", t), Duration::ZERO);
    }

    #[test]
    fn rds_has_one_bucket_for_every_action_as_aws_documents() {
        let l = RateLimiter::new(Limits::for_service("rds"));
        let t = Instant::now();
        for i in 0..300 {
            let action = if i % 2 == 0 {
                "DescribeDBParameters"
            } else {
                "CreateDBSubnetGroup"
            };
            assert_eq!(l.reserve(action, t), Duration::ZERO);
        }
        // The burst is spent whatever the action: the next waits 1/12 s.
        let wait = l.reserve("DescribeDBInstances", t);
        assert!(
            wait > Duration::from_millis(80) && wait < Duration::from_millis(90),
            "{wait:?}"
        );
    }

    #[test]
    fn actions_are_classified() {
        assert!(!is_mutating_action("DescribeDBInstances"));
        assert!(!is_mutating_action("ListTagsForResource"));
        assert!(!is_mutating_action("GetKeyPolicy"));
        assert!(is_mutating_action("CreateDBInstance"));
        assert!(is_mutating_action("AuthorizeSecurityGroupIngress"));
        let req = HttpRequest::new(aws_smithy_types::body::SdkBody::from(
            "Action=DescribeDBInstances&Version=2014-10-31",
        ));
        assert_eq!(request_action(&req).as_deref(), Some("DescribeDBInstances"));
    }
}
