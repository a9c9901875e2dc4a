//! AWS clients: one per (service, region, endpoint), built once per run from aws-config's
//! default chain (environment, profiles, SSO, instance metadata). `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` are honoured by aws-config itself; a provider block's
//! `endpoints {}` wins over both.

use super::super::runtime::{attempts, memo, poller, ratelimit};
use super::super::ProviderSettings;
use crate::provider::{ProviderError, ProviderResult};
use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_types::region::Region;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts every HTTP request sent to AWS (retries included), by `Service.Operation`, for the
/// summary line and the benchmarks.
#[derive(Debug, Default, Clone)]
pub struct ApiCounter {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl ApiCounter {
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for ApiCounter {
    fn name(&self) -> &'static str {
        "strata-api-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let name = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map(|m| format!("{}.{}", m.service(), m.name()))
            .unwrap_or_else(|| "unknown".into());
        *self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name)
            .or_default() += 1;
        Ok(())
    }
}

/// What every client of a run is built with, whatever its service.
pub struct ClientParts {
    region: Region,
    http: SharedHttpClient,
    stall: StalledStreamProtectionConfig,
    counter: ApiCounter,
    endpoint: Option<String>,
}

/// An SDK client strata builds: its service key (terraform-provider-aws's endpoint name)
/// and how to build it from the run's parts.
pub trait SdkClient: Clone + Send + Sync + 'static {
    const SERVICE: &'static str;
    fn build(base: &aws_config::SdkConfig, parts: ClientParts) -> Self;
}

/// One `SdkClient` impl per service crate. `watch`: the client carries `attempts::Watch`,
/// which tells a call retried after an attempt AWS may have carried out unseen, so the
/// applier can settle a create whose first answer was lost (read-only services need not).
macro_rules! sdk_clients {
    ($($krate:ident => $service:expr, watch: $watch:expr;)*) => {$(
        impl SdkClient for $krate::Client {
            const SERVICE: &'static str = $service;
            fn build(base: &aws_config::SdkConfig, p: ClientParts) -> Self {
                let mut b = $krate::config::Builder::from(base)
                    .region(p.region)
                    .http_client(p.http)
                    .stalled_stream_protection(p.stall)
                    .interceptor(p.counter);
                if $watch {
                    b = b.interceptor(attempts::Watch);
                }
                if let Some(e) = p.endpoint {
                    b = b.endpoint_url(e);
                }
                $krate::Client::from_conf(b.build())
            }
        }
    )*};
}

sdk_clients! {
    aws_sdk_ec2 => "ec2", watch: true;
    aws_sdk_rds => "rds", watch: true;
    aws_sdk_elasticache => "elasticache", watch: true;
    aws_sdk_kms => "kms", watch: true;
    aws_sdk_iam => "iam", watch: true;
    aws_sdk_cloudwatchlogs => "logs", watch: true;
    aws_sdk_secretsmanager => "secretsmanager", watch: true;
    aws_sdk_redshift => "redshift", watch: true;
    aws_sdk_sts => "sts", watch: false;
    aws_sdk_resourcegroupstagging => super::tagging::ENDPOINT_KEY, watch: false;
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ClientKey {
    service: &'static str,
    region: String,
    endpoint: Option<String>,
}

/// The AWS side of one run: shared base configuration and a client cache.
pub struct Aws {
    base: aws_config::SdkConfig,
    pub api_calls: ApiCounter,
    clients: Mutex<BTreeMap<ClientKey, Box<dyn Any + Send + Sync>>>,
    /// The HTTP client under every SDK client, each wrapped in its (service, region) limiter.
    http: SharedHttpClient,
    limiters: Mutex<BTreeMap<(&'static str, String), Arc<ratelimit::RateLimiter>>>,
    /// Batched waits (`Ctx::wait_for`).
    pub(in crate::provider::aws) pollers: poller::Pollers,
    /// Raised by the first Ctrl-C / SIGTERM: waits for AWS to finish provisioning end early.
    pub interrupt: poller::Interrupt,
    /// Look-ups made once per run (`memo`).
    pub memo: memo::Memo,
    /// Client-side rate limiting on (`STRATA_RATE_LIMIT=0` turns it off, e.g. for benchmarks
    /// against an emulator).
    pub rate_limit: bool,
    /// How often waits poll; short against an emulator, AWS-friendly otherwise.
    pub poll_interval: Duration,
}

impl Aws {
    pub async fn load() -> Aws {
        // Adaptive retries absorb throttling; the backoff cap and the connect timeout keep a
        // dead endpoint from stalling a run for minutes (it fails in about 20 s instead).
        let base = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(
                RetryConfig::adaptive()
                    .with_max_attempts(6)
                    .with_max_backoff(Duration::from_secs(8)),
            )
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            )
            .load()
            .await;
        let poll_interval = std::env::var("STRATA_POLL_INTERVAL_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(5));
        let mut aws = Aws::from_config(base, poll_interval);
        aws.rate_limit = !matches!(
            std::env::var("STRATA_RATE_LIMIT").as_deref(),
            Ok("0" | "off" | "false")
        );
        aws
    }

    /// An `Aws` over a ready configuration (tests build one per emulator account).
    pub fn from_config(base: aws_config::SdkConfig, poll_interval: Duration) -> Aws {
        Aws {
            api_calls: ApiCounter::default(),
            http: base
                .http_client()
                .unwrap_or_else(ratelimit::default_http_client),
            base,
            limiters: Mutex::new(BTreeMap::new()),
            pollers: poller::Pollers::default(),
            interrupt: poller::Interrupt::default(),
            memo: memo::Memo::default(),
            rate_limit: true,
            clients: Mutex::new(BTreeMap::new()),
            poll_interval,
        }
    }

    /// The base configuration every client is built from (its credential chain, for the
    /// checks made before planning: `provider::preflight`).
    pub fn sdk_config(&self) -> &aws_config::SdkConfig {
        &self.base
    }

    /// The client of service `C` for a provider configuration, built on first use.
    pub fn client<C: SdkClient>(&self, settings: &ProviderSettings) -> C {
        let key = ClientKey {
            service: C::SERVICE,
            region: settings.region.clone(),
            endpoint: settings.endpoints.get(C::SERVICE).cloned(),
        };
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&key).and_then(|c| c.downcast_ref::<C>()) {
            return c.clone();
        }
        let limiter = self
            .limiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((C::SERVICE, settings.region.clone()))
            .or_insert_with(|| {
                Arc::new(ratelimit::RateLimiter::new(ratelimit::Limits::for_service(
                    C::SERVICE,
                )))
            })
            .clone();
        let http = if self.rate_limit {
            SharedHttpClient::new(ratelimit::RateLimitedClient {
                inner: self.http.clone(),
                limiter,
            })
        } else {
            self.http.clone()
        };
        // A call waiting for its token has not sent its body yet: the SDK's upload stall
        // protection would take the wait for a stalled upload (bodies here are small and in
        // memory, so it protects nothing). Download stall protection stays on.
        let stall = StalledStreamProtectionConfig::enabled()
            .upload_enabled(!self.rate_limit)
            .build();
        let client = C::build(
            &self.base,
            ClientParts {
                region: Region::new(settings.region.clone()),
                http,
                stall,
                counter: self.api_calls.clone(),
                endpoint: key.endpoint.clone(),
            },
        );
        clients.insert(key, Box::new(client.clone()));
        client
    }
}

/// What a resource operation gets: the clients for its provider configuration.
#[derive(Clone)]
pub struct Ctx {
    pub aws: Arc<Aws>,
    pub settings: ProviderSettings,
}

impl Ctx {
    pub fn client<C: SdkClient>(&self) -> C {
        self.aws.client(&self.settings)
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        self.client()
    }

    pub fn rds(&self) -> aws_sdk_rds::Client {
        self.client()
    }

    pub fn elasticache(&self) -> aws_sdk_elasticache::Client {
        self.client()
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        self.client()
    }

    /// IAM, a global service: the SDK resolves its one endpoint (per partition) from the
    /// provider's region, so every provider configuration of an account sees the same roles.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        self.client()
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        self.client()
    }

    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        self.client()
    }

    pub fn redshift(&self) -> aws_sdk_redshift::Client {
        self.client()
    }

    /// The Resource Groups Tagging API (tags of many resources in one call).
    pub fn tagging(&self) -> aws_sdk_resourcegroupstagging::Client {
        self.client()
    }

    pub fn region(&self) -> &str {
        &self.settings.region
    }

    /// The same provider configuration (credentials, endpoints) in another region: a
    /// cross-region copy looks at its source there.
    pub fn in_region(&self, region: &str) -> Ctx {
        Ctx {
            aws: self.aws.clone(),
            settings: ProviderSettings {
                region: region.to_string(),
                ..self.settings.clone()
            },
        }
    }

    /// Who strata runs as in this provider configuration (`account_id`, `arn`, `user_id`): STS
    /// GetCallerIdentity, once per provider configuration and run (as terraform-provider-aws
    /// looks it up once per provider), shared by every resource and data source that needs it.
    pub async fn caller_identity(&self) -> ProviderResult<crate::value::Value> {
        let key = format!(
            "caller/{}/{}/{:?}",
            self.settings.address(),
            self.region(),
            self.settings.endpoints.get("sts")
        );
        self.aws
            .memo
            .get_or_look_up(key, || async {
                let out = self
                    .client::<aws_sdk_sts::Client>()
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| {
                        ProviderError::sdk("looking up the account (STS GetCallerIdentity)", e)
                    })?;
                let field = crate::provider::obj::opt_str;
                Ok(crate::value::Value::object(&[
                    ("account_id", field(out.account())),
                    ("arn", field(out.arn())),
                    ("user_id", field(out.user_id())),
                ]))
            })
            .await
    }

    /// The account strata runs as in this provider configuration (`caller_identity`).
    pub async fn account_id(&self) -> ProviderResult<String> {
        let found = self.caller_identity().await?;
        found
            .get("account_id")
            .and_then(crate::value::Value::as_str)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                ProviderError::new("STS GetCallerIdentity answered without an account id")
            })
    }

    /// The partition of the region (`aws`, `aws-cn`, ...), for ARNs built by hand.
    pub fn partition(&self) -> &'static str {
        crate::provider::regions::partition(self.region()).id
    }

    pub fn poll_interval(&self) -> Duration {
        self.aws.poll_interval
    }

    /// Polls `check` until it says done, sleeping the poll interval between tries; an
    /// interrupt of the run ends the wait with an `interrupted` error.
    pub async fn wait_until<F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: F,
    ) -> ProviderResult<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ProviderResult<bool>>,
    {
        let start = std::time::Instant::now();
        loop {
            if self.aws.interrupt.is_raised() {
                return Err(ProviderError::interrupted(format!(
                    "interrupted while waiting for {what}"
                )));
            }
            if check().await? {
                return Ok(());
            }
            if start.elapsed() > timeout {
                return Err(ProviderError::new(format!(
                    "timed out after {}s waiting for {what}",
                    timeout.as_secs()
                )));
            }
            self.pause(what).await?;
        }
    }

    /// Sends `call` again, a poll interval apart, while AWS refuses it as `busy` says (a group
    /// still in use, changes still pending) and `retry_for` has not passed; its answer
    /// otherwise, so a refusal that lasts is told as AWS phrased it.
    pub async fn retry_while<T, F, Fut>(
        &self,
        what: &str,
        retry_for: Duration,
        busy: impl Fn(&ProviderError) -> bool,
        mut call: F,
    ) -> ProviderResult<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ProviderResult<T>>,
    {
        let start = std::time::Instant::now();
        loop {
            match call().await {
                Err(e) if busy(&e) && start.elapsed() < retry_for => self.pause(what).await?,
                done => return done,
            }
        }
    }
}
