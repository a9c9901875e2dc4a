//! AWS clients and the per-type resource files.
//!
//! Clients come from aws-config's default chain (environment, profiles, SSO, instance
//! metadata), one per (service, region), built once per run. `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` are honoured by aws-config itself; a provider block's
//! `endpoints {}` wins over both.

pub mod attempts;
mod db_instance;
mod db_option_group;
mod db_parameter_group;
mod db_snapshot;
mod db_subnet_group;
mod elasticache_cluster;
mod elasticache_common;
mod elasticache_parameter_group;
mod elasticache_replication_group;
mod elasticache_subnet_group;
pub mod errors;
pub mod memo;
pub mod naming;
pub mod ownership;
pub mod poller;
pub mod ratelimit;
mod rds_cluster;
mod rds_cluster_instance;
mod rds_tags;
mod tagging;

pub use db_instance::DbInstance;
pub use db_option_group::DbOptionGroup;
pub use db_parameter_group::ParameterGroup;
pub use db_snapshot::{
    Snapshot, DB_CLUSTER_SNAPSHOT, DB_CLUSTER_SNAPSHOT_COPY, DB_SNAPSHOT, DB_SNAPSHOT_COPY,
};
pub use db_subnet_group::DbSubnetGroup;
pub use elasticache_cluster::ElastiCacheCluster;
pub use elasticache_parameter_group::ElastiCacheParameterGroup;
pub use elasticache_replication_group::ElastiCacheReplicationGroup;
pub use elasticache_subnet_group::ElastiCacheSubnetGroup;
pub use rds_cluster::RdsCluster;
pub use rds_cluster_instance::RdsClusterInstance;

use super::{DataSourceType, ResourceType};
use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_types::region::Region;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod kms_data;
mod rds_data;
mod security_group;
mod security_group_rule;
mod vpc_data;

/// How many per-resource reads a batch keeps in flight when the API has no multi-resource
/// form (DescribeDBParameters; ListTagsForResource right after a write, or when GetResources
/// is refused): enough to hide round-trip latency, a small share of RDS's burst of 300
/// (`ratelimit`) so a refresh does not drain it for the writes that follow.
pub const READ_CONCURRENCY: usize = 16;

/// `read(key)` for each of `keys`, [`READ_CONCURRENCY`] at a time, by key: for the reads the
/// API takes one resource at a time. Keys are owned all the way: futures that borrow their
/// item defeat the compiler's proof that the caller's future is Send (rust-lang/rust#102211).
pub async fn read_each<T, F, Fut>(
    keys: Vec<String>,
    read: F,
) -> crate::provider::ProviderResult<BTreeMap<String, T>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = crate::provider::ProviderResult<T>>,
{
    use futures::{StreamExt, TryStreamExt};
    futures::stream::iter(keys)
        .map(|key| {
            let value = read(key.clone());
            async move { Ok((key, value.await?)) }
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await
}

pub static DB_SUBNET_GROUP: DbSubnetGroup = DbSubnetGroup;
pub static DB_INSTANCE: DbInstance = DbInstance;
pub static ELASTICACHE_CLUSTER: ElastiCacheCluster = ElastiCacheCluster;
pub static ELASTICACHE_PARAMETER_GROUP: ElastiCacheParameterGroup = ElastiCacheParameterGroup;
pub static ELASTICACHE_REPLICATION_GROUP: ElastiCacheReplicationGroup = ElastiCacheReplicationGroup;
pub static ELASTICACHE_SUBNET_GROUP: ElastiCacheSubnetGroup = ElastiCacheSubnetGroup;
pub static RDS_CLUSTER: RdsCluster = RdsCluster;
pub static RDS_CLUSTER_INSTANCE: RdsClusterInstance = RdsClusterInstance;
pub static DB_PARAMETER_GROUP: ParameterGroup = ParameterGroup::DB;
pub static RDS_CLUSTER_PARAMETER_GROUP: ParameterGroup = ParameterGroup::CLUSTER;
pub static DB_OPTION_GROUP: DbOptionGroup = DbOptionGroup;

pub use kms_data::KmsKeyData;
pub use rds_data::{DbInstanceData, DbSnapshotData, RdsClusterData, SecurityGroupData};
pub use security_group::SecurityGroup;
pub use security_group_rule::{SecurityGroupRule, VpcRule, VPC_EGRESS_RULE, VPC_INGRESS_RULE};
pub use vpc_data::{SubnetsData, VpcData};

pub static SECURITY_GROUP: SecurityGroup = SecurityGroup;
pub static SECURITY_GROUP_RULE: SecurityGroupRule = SecurityGroupRule;
pub static VPC_DATA: VpcData = VpcData;
pub static SUBNETS_DATA: SubnetsData = SubnetsData;
pub static SECURITY_GROUP_DATA: SecurityGroupData = SecurityGroupData;
pub static DB_INSTANCE_DATA: DbInstanceData = DbInstanceData;
pub static RDS_CLUSTER_DATA: RdsClusterData = RdsClusterData;
pub static DB_SNAPSHOT_DATA: DbSnapshotData = DbSnapshotData;
pub static KMS_KEY_DATA: KmsKeyData = KmsKeyData;

pub static RESOURCES: &[&dyn ResourceType] = &[
    &DB_INSTANCE,
    &DB_SUBNET_GROUP,
    &ELASTICACHE_CLUSTER,
    &ELASTICACHE_PARAMETER_GROUP,
    &ELASTICACHE_REPLICATION_GROUP,
    &ELASTICACHE_SUBNET_GROUP,
    &SECURITY_GROUP,
    &DB_SNAPSHOT,
    &DB_SNAPSHOT_COPY,
    &DB_CLUSTER_SNAPSHOT,
    &DB_CLUSTER_SNAPSHOT_COPY,
    &SECURITY_GROUP_RULE,
    &VPC_INGRESS_RULE,
    &VPC_EGRESS_RULE,
    &DB_OPTION_GROUP,
    &DB_PARAMETER_GROUP,
    &RDS_CLUSTER,
    &RDS_CLUSTER_INSTANCE,
    &RDS_CLUSTER_PARAMETER_GROUP,
];

pub static DATA_SOURCES: &[&dyn DataSourceType] = &[
    &VPC_DATA,
    &SUBNETS_DATA,
    &SECURITY_GROUP_DATA,
    &DB_INSTANCE_DATA,
    &RDS_CLUSTER_DATA,
    &DB_SNAPSHOT_DATA,
    &KMS_KEY_DATA,
];

pub use crate::eval::ProviderSettings;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ClientKey {
    service: &'static str,
    region: String,
    endpoint: Option<String>,
}

#[derive(Clone)]
enum AnyClient {
    Ec2(aws_sdk_ec2::Client),
    Rds(aws_sdk_rds::Client),
    ElastiCache(aws_sdk_elasticache::Client),
    Kms(aws_sdk_kms::Client),
    Sts(aws_sdk_sts::Client),
    Tagging(aws_sdk_resourcegroupstagging::Client),
}

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

/// The AWS side of one run: shared base configuration and a client cache.
pub struct Aws {
    base: aws_config::SdkConfig,
    pub api_calls: ApiCounter,
    clients: Mutex<BTreeMap<ClientKey, AnyClient>>,
    /// The HTTP client under every SDK client, each wrapped in its (service, region) limiter.
    http: aws_smithy_runtime_api::client::http::SharedHttpClient,
    limiters: Mutex<BTreeMap<(&'static str, String), Arc<ratelimit::RateLimiter>>>,
    /// Batched waits (`Ctx::wait_for`).
    pollers: poller::Pollers,
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

    fn client(&self, service: &'static str, settings: &ProviderSettings) -> AnyClient {
        let key = ClientKey {
            service,
            region: settings.region.clone(),
            endpoint: settings.endpoints.get(service).cloned(),
        };
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&key) {
            return c.clone();
        }
        let region = Region::new(settings.region.clone());
        let limiter = self
            .limiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((service, settings.region.clone()))
            .or_insert_with(|| {
                Arc::new(ratelimit::RateLimiter::new(ratelimit::Limits::for_service(
                    service,
                )))
            })
            .clone();
        let http: aws_smithy_runtime_api::client::http::SharedHttpClient = if self.rate_limit {
            aws_smithy_runtime_api::client::http::SharedHttpClient::new(
                ratelimit::RateLimitedClient {
                    inner: self.http.clone(),
                    limiter,
                },
            )
        } else {
            self.http.clone()
        };
        // A call waiting for its token has not sent its body yet: the SDK's upload stall
        // protection would take the wait for a stalled upload (bodies here are small and in
        // memory, so it protects nothing). Download stall protection stays on.
        let stall = aws_smithy_runtime_api::client::stalled_stream_protection::StalledStreamProtectionConfig::enabled()
            .upload_enabled(!self.rate_limit)
            .build();
        // attempts::Watch tells a call retried after an attempt AWS may have carried out
        // unseen, so the applier can settle a create whose first answer was lost.
        let client = match service {
            "ec2" => {
                let mut b = aws_sdk_ec2::config::Builder::from(&self.base)
                    .region(region)
                    .http_client(http)
                    .stalled_stream_protection(stall.clone())
                    .interceptor(self.api_calls.clone())
                    .interceptor(attempts::Watch);
                if let Some(e) = &key.endpoint {
                    b = b.endpoint_url(e);
                }
                AnyClient::Ec2(aws_sdk_ec2::Client::from_conf(b.build()))
            }
            "rds" => {
                let mut b = aws_sdk_rds::config::Builder::from(&self.base)
                    .region(region)
                    .http_client(http)
                    .stalled_stream_protection(stall.clone())
                    .interceptor(self.api_calls.clone())
                    .interceptor(attempts::Watch);
                if let Some(e) = &key.endpoint {
                    b = b.endpoint_url(e);
                }
                AnyClient::Rds(aws_sdk_rds::Client::from_conf(b.build()))
            }
            "kms" => {
                let mut b = aws_sdk_kms::config::Builder::from(&self.base)
                    .region(region)
                    .http_client(http)
                    .stalled_stream_protection(stall.clone())
                    .interceptor(self.api_calls.clone())
                    .interceptor(attempts::Watch);
                if let Some(e) = &key.endpoint {
                    b = b.endpoint_url(e);
                }
                AnyClient::Kms(aws_sdk_kms::Client::from_conf(b.build()))
            }
            "sts" => {
                let mut b = aws_sdk_sts::config::Builder::from(&self.base)
                    .region(region)
                    .http_client(http)
                    .stalled_stream_protection(stall.clone())
                    .interceptor(self.api_calls.clone());
                if let Some(e) = &key.endpoint {
                    b = b.endpoint_url(e);
                }
                AnyClient::Sts(aws_sdk_sts::Client::from_conf(b.build()))
            }
            tagging::ENDPOINT_KEY => {
                let mut b = aws_sdk_resourcegroupstagging::config::Builder::from(&self.base)
                    .region(region)
                    .http_client(http)
                    .stalled_stream_protection(stall.clone())
                    .interceptor(self.api_calls.clone());
                if let Some(e) = &key.endpoint {
                    b = b.endpoint_url(e);
                }
                AnyClient::Tagging(aws_sdk_resourcegroupstagging::Client::from_conf(b.build()))
            }
            _ => {
                let mut b = aws_sdk_elasticache::config::Builder::from(&self.base)
                    .region(region)
                    .http_client(http)
                    .stalled_stream_protection(stall.clone())
                    .interceptor(self.api_calls.clone())
                    .interceptor(attempts::Watch);
                if let Some(e) = &key.endpoint {
                    b = b.endpoint_url(e);
                }
                AnyClient::ElastiCache(aws_sdk_elasticache::Client::from_conf(b.build()))
            }
        };
        clients.insert(key, client.clone());
        client
    }

    pub fn ec2(&self, settings: &ProviderSettings) -> aws_sdk_ec2::Client {
        match self.client("ec2", settings) {
            AnyClient::Ec2(c) => c,
            _ => unreachable!("the ec2 key always holds an ec2 client"),
        }
    }

    pub fn rds(&self, settings: &ProviderSettings) -> aws_sdk_rds::Client {
        match self.client("rds", settings) {
            AnyClient::Rds(c) => c,
            _ => unreachable!("the rds key always holds an rds client"),
        }
    }

    pub fn kms(&self, settings: &ProviderSettings) -> aws_sdk_kms::Client {
        match self.client("kms", settings) {
            AnyClient::Kms(c) => c,
            _ => unreachable!("the kms key always holds a kms client"),
        }
    }

    pub fn elasticache(&self, settings: &ProviderSettings) -> aws_sdk_elasticache::Client {
        match self.client("elasticache", settings) {
            AnyClient::ElastiCache(c) => c,
            _ => unreachable!("the elasticache key always holds an elasticache client"),
        }
    }

    pub fn sts(&self, settings: &ProviderSettings) -> aws_sdk_sts::Client {
        match self.client("sts", settings) {
            AnyClient::Sts(c) => c,
            _ => unreachable!("the sts key always holds an sts client"),
        }
    }

    pub fn tagging(&self, settings: &ProviderSettings) -> aws_sdk_resourcegroupstagging::Client {
        match self.client(tagging::ENDPOINT_KEY, settings) {
            AnyClient::Tagging(c) => c,
            _ => unreachable!("the tagging key always holds a tagging client"),
        }
    }
}

/// What a resource operation gets: the clients for its provider configuration.
#[derive(Clone)]
pub struct Ctx {
    pub aws: Arc<Aws>,
    pub settings: ProviderSettings,
}

impl Ctx {
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        self.aws.ec2(&self.settings)
    }

    pub fn rds(&self) -> aws_sdk_rds::Client {
        self.aws.rds(&self.settings)
    }

    pub fn elasticache(&self) -> aws_sdk_elasticache::Client {
        self.aws.elasticache(&self.settings)
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        self.aws.kms(&self.settings)
    }

    /// The Resource Groups Tagging API (tags of many resources in one call).
    pub fn tagging(&self) -> aws_sdk_resourcegroupstagging::Client {
        self.aws.tagging(&self.settings)
    }

    pub fn region(&self) -> &str {
        &self.settings.region
    }

    /// The account strata runs as in this provider configuration: STS GetCallerIdentity,
    /// once per provider configuration and run (as terraform-provider-aws looks it up once
    /// per provider), shared by every resource that needs it.
    pub async fn account_id(&self) -> super::ProviderResult<String> {
        let key = format!(
            "account/{}/{}/{:?}",
            self.settings.address(),
            self.region(),
            self.settings.endpoints.get("sts")
        );
        let found = self
            .aws
            .memo
            .get_or_look_up(key, || async {
                let out = self
                    .aws
                    .sts(&self.settings)
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| {
                        super::ProviderError::sdk(
                            "looking up the account (STS GetCallerIdentity)",
                            e,
                        )
                    })?;
                Ok(crate::provider::obj::opt_str(out.account()))
            })
            .await?;
        found
            .as_str()
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                super::ProviderError::new("STS GetCallerIdentity answered without an account id")
            })
    }

    pub fn poll_interval(&self) -> Duration {
        self.aws.poll_interval
    }

    /// Tags to send: the provider's default_tags overlaid by the resource's own.
    pub fn merged_tags(&self, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut all = self.settings.default_tags.clone();
        all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }

    /// Tags a create call sends for `planned`: its merged tags and, inside
    /// `ownership::creating`, the journal operation's tag (the proof strata made the object).
    pub fn creation_tags(&self, planned: &crate::eval::Value) -> BTreeMap<String, String> {
        ownership::at_creation(self.merged_tags(&crate::provider::obj::string_map(planned, "tags")))
    }

    /// Polls `check` until it says done, sleeping the poll interval between tries; an
    /// interrupt of the run ends the wait with an `interrupted` error.
    pub async fn wait_until<F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: F,
    ) -> super::ProviderResult<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = super::ProviderResult<bool>>,
    {
        let start = std::time::Instant::now();
        loop {
            if self.aws.interrupt.is_raised() {
                return Err(super::ProviderError::interrupted(format!(
                    "interrupted while waiting for {what}"
                )));
            }
            if check().await? {
                return Ok(());
            }
            if start.elapsed() > timeout {
                return Err(super::ProviderError::new(format!(
                    "timed out after {}s waiting for {what}",
                    timeout.as_secs()
                )));
            }
            self.pause(what).await?;
        }
    }
}
