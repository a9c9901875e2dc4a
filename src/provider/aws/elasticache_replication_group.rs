//! `aws_elasticache_replication_group`: a Redis or Valkey replication group, either one
//! primary with replicas (`num_cache_clusters`) or sharded in cluster mode
//! (`num_node_groups` × `replicas_per_node_group`).
//!
//! **State id.** The replication group id, lower-cased as AWS stores it.
//!
//! **Where attributes come from.** The ReplicationGroup type carries no engine version,
//! subnet group, security groups, parameter group or maintenance window: like
//! terraform-provider-aws they are read from the group's first member cache cluster. A batch
//! read is therefore one DescribeReplicationGroups plus one DescribeCacheClusters for the
//! whole batch (see [`DIRECT_READ_MAX`]), plus the groups' tags through `tagging`.
//!
//! **Virtual arguments.** `auth_token`, `apply_immediately` and `final_snapshot_identifier`
//! are never returned by AWS; `auth_token` is set to null when AWS reports AuthTokenEnabled
//! false. The token never appears in an error message or a log line.
//!
//! **Engine versions.** `engine_version` is `major.minor` for Redis ≥ 6 and Valkey (`6.x`
//! is kept as configured); AWS runs and reports the full version (`7.1.0`), kept in
//! `engine_version_actual`, and `7.1` against `7.1.0` is no change.

use super::elasticache_common::{self as common, describe_clusters, DIRECT_READ_MAX, PAGE_SIZE};
use super::tagging::{self, Service};
use super::Ctx;
use crate::provider::{
    obj, Attribute, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_elasticache::types::{
    AuthTokenUpdateStrategyType, CacheCluster, ReplicationGroup as SdkGroup,
};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

pub struct ElastiCacheReplicationGroup;

const CREATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(45 * 60);

/// How long DeleteReplicationGroup is retried while the group is busy (a member creating or
/// a snapshot running).
const DELETE_RETRY: Duration = Duration::from_secs(10 * 60);

/// Arguments AWS never returns: copied from the plan into state.
const VIRTUAL: &[&str] = &[
    "auth_token",
    "apply_immediately",
    "final_snapshot_identifier",
];

/// Statuses the "available" waiter keeps waiting through.
const PENDING: &[&str] = &["creating", "modifying", "snapshotting"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An ElastiCache replication group (Redis or Valkey).")
        .attr(
            Attribute::string("id")
                .output()
                .describe("The replication group id."),
        )
        .attr(
            Attribute::string("replication_group_id")
                .required()
                .force_new()
                .describe("Replication group id (lower-cased, as AWS stores it)."),
        )
        .attr(
            Attribute::string("description")
                .required()
                .describe("Description of the group."),
        )
        .attr(
            Attribute::string("engine")
                .default("redis")
                .describe("redis or valkey; redis → valkey is an in-place upgrade."),
        )
        .attr(
            Attribute::string("engine_version")
                .computed()
                .describe("major.minor (e.g. 7.1), or 6.x; AWS runs the newest patch."),
        )
        .attr(
            Attribute::string("engine_version_actual")
                .output()
                .describe("The full engine version AWS runs."),
        )
        .attr(
            Attribute::string("node_type")
                .computed()
                .describe("Node type, e.g. cache.t4g.micro."),
        )
        .attr(
            Attribute::number("num_cache_clusters")
                .computed()
                .describe("Number of cache clusters (primary and replicas); not in cluster mode."),
        )
        .attr(
            Attribute::number("num_node_groups")
                .computed()
                .describe("Number of shards (cluster mode)."),
        )
        .attr(
            Attribute::number("replicas_per_node_group")
                .computed()
                .describe("Replicas in each shard (cluster mode)."),
        )
        .attr(
            Attribute::bool("automatic_failover_enabled")
                .default(false)
                .describe("Promote a replica when the primary fails."),
        )
        .attr(
            Attribute::bool("multi_az_enabled")
                .default(false)
                .describe("Multi-AZ; needs automatic_failover_enabled."),
        )
        .attr(
            Attribute::bool("at_rest_encryption_enabled")
                .computed()
                .force_new()
                .describe("Encrypt data at rest."),
        )
        .attr(
            Attribute::bool("transit_encryption_enabled")
                .computed()
                .describe("TLS between clients and nodes."),
        )
        .attr(
            Attribute::string("auth_token")
                .sensitive()
                .virtual_()
                .describe("Redis AUTH password (16-128 characters); needs transit encryption."),
        )
        .attr(
            Attribute::string("kms_key_id")
                .computed()
                .force_new()
                .describe("KMS key for at-rest encryption."),
        )
        .attr(
            Attribute::number("port")
                .default(6379)
                .force_new()
                .describe("Port the nodes listen on."),
        )
        .attr(
            Attribute::string_set("security_group_ids")
                .computed()
                .describe("VPC security groups."),
        )
        .attr(
            Attribute::string("subnet_group_name")
                .computed()
                .force_new()
                .describe("Cache subnet group."),
        )
        .attr(
            Attribute::string("parameter_group_name")
                .computed()
                .describe("Cache parameter group."),
        )
        .attr(
            Attribute::number("snapshot_retention_limit")
                .describe("Days to keep automatic snapshots (0-35; 0 disables them)."),
        )
        .attr(
            Attribute::string("snapshot_window")
                .computed()
                .describe("Daily snapshot window, hh24:mi-hh24:mi (UTC)."),
        )
        .attr(
            Attribute::string("maintenance_window")
                .computed()
                .describe("Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased)."),
        )
        .attr(
            Attribute::bool("apply_immediately")
                .virtual_()
                .default(false)
                .describe("Apply changes now instead of in the maintenance window."),
        )
        .attr(
            Attribute::bool("auto_minor_version_upgrade")
                .computed()
                .describe("Apply minor engine upgrades in the maintenance window."),
        )
        .attr(
            Attribute::string("final_snapshot_identifier")
                .virtual_()
                .describe("Name of the snapshot taken on delete."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("The group's ARN."),
        )
        .attr(
            Attribute::bool("cluster_enabled")
                .output()
                .describe("Whether the group is sharded (cluster mode)."),
        )
        .attr(
            Attribute::string("primary_endpoint_address")
                .output()
                .describe("Primary endpoint (not in cluster mode)."),
        )
        .attr(
            Attribute::string("reader_endpoint_address")
                .output()
                .describe("Reader endpoint (not in cluster mode)."),
        )
        .attr(
            Attribute::string("configuration_endpoint_address")
                .output()
                .describe("Configuration endpoint (cluster mode)."),
        )
        .attr(
            Attribute::string_set("member_clusters")
                .output()
                .describe("Ids of the member cache clusters."),
        )
        .tags()
});

// ----------------------------------------------------------------------------------------
// Pure rules (unit tested)
// ----------------------------------------------------------------------------------------

/// Redis ≤ 5 as `X.Y.Z`, Redis 6 as `6.x` or `6.N`, Redis/Valkey ≥ 6 as `M.N`.
static ENGINE_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([1-5]\.[0-9]+\.[0-9]+|6\.x|[6-9]\.[0-9]+)$").unwrap());

/// The `engine_version` state holds for AWS's full version: the full version for Redis < 6,
/// `major.minor` otherwise.
pub fn state_engine_version(actual: &str) -> String {
    let mut parts = actual.split('.');
    let major: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    match (major, parts.next()) {
        (m, Some(minor)) if m >= 6 => format!("{m}.{minor}"),
        _ => actual.to_string(),
    }
}

/// True when a configured version is what AWS runs: equal, a dotted prefix (`7.1` of
/// `7.1.0`), or `M.x` of the same major.
pub fn engine_version_matches(configured: &str, actual: &str) -> bool {
    if let Some(major) = configured.strip_suffix(".x") {
        return actual.split('.').next() == Some(major);
    }
    configured == actual
        || (actual.len() > configured.len()
            && actual.starts_with(configured)
            && actual.as_bytes()[configured.len()] == b'.')
}

/// Why an AUTH token is not acceptable (16-128 printable characters without `@`, `"`, `/`).
/// The message never contains the token.
fn auth_token_problem(token: &str) -> Option<&'static str> {
    let n = token.chars().count();
    if !(16..=128).contains(&n) {
        Some("must be 16 to 128 characters long")
    } else if token
        .chars()
        .any(|c| matches!(c, '@' | '"' | '/') || !c.is_ascii_graphic())
    {
        Some("must contain only printable ASCII characters other than @, \" and /")
    } else {
        None
    }
}

fn known_str<'a>(config: &'a Value, key: &str) -> Option<&'a str> {
    config.get(key).and_then(Value::as_str)
}

fn known_set(config: &Value, key: &str) -> bool {
    config.get(key).is_some_and(|v| !v.is_null())
}

fn known_number(config: &Value, key: &str) -> Option<f64> {
    config.get(key).and_then(Value::as_f64)
}

// ----------------------------------------------------------------------------------------
// AWS ↔ state
// ----------------------------------------------------------------------------------------

fn status_enabled(s: Option<&str>) -> bool {
    matches!(s, Some("enabled" | "enabling"))
}

/// One group as read from AWS (tags: `None` when they were not fetched because neither the
/// plan nor the prior state has any).
struct Found {
    group: SdkGroup,
    member: Option<CacheCluster>,
    tags: BTreeMap<String, String>,
}

fn state_of(ctx: &Ctx, f: &Found) -> Value {
    let g = &f.group;
    let member = f.member.as_ref();
    let id = g.replication_group_id().unwrap_or_default();
    let (tags, tags_all) = common::state_values(ctx, &f.tags);
    let first = g.node_groups().first();
    let config_endpoint = g.configuration_endpoint();
    let port = config_endpoint
        .and_then(|e| e.port())
        .or_else(|| {
            first
                .and_then(|n| n.primary_endpoint())
                .and_then(|e| e.port())
        })
        .or_else(|| {
            member
                .and_then(|c| c.cache_nodes().first())
                .and_then(|n| n.endpoint())
                .and_then(|e| e.port())
        });
    let actual = member.and_then(|c| c.engine_version());
    let engine = g
        .engine()
        .or_else(|| member.and_then(|c| c.engine()))
        .unwrap_or("redis")
        .to_lowercase();
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", Value::from(id));
    put("replication_group_id", Value::from(id));
    put("description", obj::opt_str(g.description()));
    put("engine", Value::from(engine));
    put(
        "engine_version",
        obj::opt_str(actual.map(state_engine_version).as_deref()),
    );
    put("engine_version_actual", obj::opt_str(actual));
    put("node_type", obj::opt_str(g.cache_node_type()));
    let cluster_enabled = g.cluster_enabled().unwrap_or(false);
    put(
        "num_cache_clusters",
        Value::Number(g.member_clusters().len() as f64),
    );
    put(
        "num_node_groups",
        Value::Number(g.node_groups().len() as f64),
    );
    put(
        "replicas_per_node_group",
        Value::Number(
            first
                .map(|n| n.node_group_members().len().saturating_sub(1))
                .unwrap_or(0) as f64,
        ),
    );
    put(
        "automatic_failover_enabled",
        Value::Bool(status_enabled(g.automatic_failover().map(|s| s.as_str()))),
    );
    put(
        "multi_az_enabled",
        Value::Bool(status_enabled(g.multi_az().map(|s| s.as_str()))),
    );
    put(
        "at_rest_encryption_enabled",
        Value::Bool(g.at_rest_encryption_enabled().unwrap_or(false)),
    );
    put(
        "transit_encryption_enabled",
        Value::Bool(g.transit_encryption_enabled().unwrap_or(false)),
    );
    put("kms_key_id", obj::opt_str(g.kms_key_id()));
    put("port", obj::opt_i32(port));
    put(
        "security_group_ids",
        obj::set(
            member
                .map(|c| c.security_groups())
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.security_group_id().map(Value::from)),
        ),
    );
    put(
        "subnet_group_name",
        obj::opt_str(member.and_then(|c| c.cache_subnet_group_name())),
    );
    put(
        "parameter_group_name",
        obj::opt_str(
            member
                .and_then(|c| c.cache_parameter_group())
                .and_then(|p| p.cache_parameter_group_name()),
        ),
    );
    put(
        "snapshot_retention_limit",
        obj::opt_i32(g.snapshot_retention_limit()),
    );
    put("snapshot_window", obj::opt_str(g.snapshot_window()));
    put(
        "maintenance_window",
        obj::opt_str(
            member
                .and_then(|c| c.preferred_maintenance_window())
                .map(str::to_lowercase)
                .as_deref(),
        ),
    );
    put(
        "auto_minor_version_upgrade",
        obj::opt_bool(
            g.auto_minor_version_upgrade()
                .or_else(|| member.and_then(|c| c.auto_minor_version_upgrade())),
        ),
    );
    for k in VIRTUAL {
        put(k, Value::Null);
    }
    put("arn", obj::opt_str(g.arn()));
    put("cluster_enabled", Value::Bool(cluster_enabled));
    put(
        "primary_endpoint_address",
        obj::opt_str(
            first
                .and_then(|n| n.primary_endpoint())
                .and_then(|e| e.address()),
        ),
    );
    put(
        "reader_endpoint_address",
        obj::opt_str(
            first
                .and_then(|n| n.reader_endpoint())
                .and_then(|e| e.address()),
        ),
    );
    put(
        "configuration_endpoint_address",
        obj::opt_str(config_endpoint.and_then(|e| e.address())),
    );
    put(
        "member_clusters",
        obj::set(g.member_clusters().iter().map(|s| Value::from(s.as_str()))),
    );
    put("tags", tags);
    put("tags_all", tags_all);
    Value::Map(m)
}

/// What a group's state reads from its first member cache cluster (the group answer lacks
/// it); `port` and `auto_minor_version_upgrade` only when the group's own answer lacks them.
const FROM_MEMBER: &[&str] = &[
    "engine_version",
    "engine_version_actual",
    "security_group_ids",
    "subnet_group_name",
    "parameter_group_name",
    "maintenance_window",
];
const FROM_MEMBER_FALLBACK: &[&str] = &["port", "auto_minor_version_upgrade"];

/// The state of a group whose first member could not be read (being replaced, not visible
/// yet): what it would have told keeps its value from `known` (the first of them that knows
/// it: the plan just applied, the prior state) instead of null and [] — an unreadable member
/// says nothing about the group's settings.
fn keep_member_attributes(f: &Found, state: &mut Value, known: &[&Value]) {
    if f.member.is_some() {
        return;
    }
    let Value::Map(m) = state else { return };
    for k in FROM_MEMBER.iter().chain(FROM_MEMBER_FALLBACK) {
        let Some(v) = known
            .iter()
            .find_map(|o| o.get(k).filter(|v| !v.is_null() && v.is_wholly_known()))
        else {
            continue;
        };
        if FROM_MEMBER.contains(k) || m.get(*k).is_none_or(Value::is_null) {
            m.insert((*k).to_string(), v.clone());
        }
    }
}

/// A state read back after a write, completed with what only the plan knows.
fn finish_state(mut state: Value, planned: &Value, token_enabled: bool) -> Value {
    obj::keep_from(&mut state, planned, VIRTUAL);
    if let Value::Map(m) = &mut state {
        if !token_enabled {
            m.insert("auth_token".into(), Value::Null);
        }
        // The configured spelling (6.x, 7.1) stays while AWS runs a matching version.
        if let (Some(cfg), Some(actual)) = (
            obj::str(planned, "engine_version"),
            m.get("engine_version_actual").and_then(Value::as_str),
        ) {
            if engine_version_matches(cfg, actual) {
                m.insert("engine_version".into(), Value::from(cfg));
            }
        }
    }
    state
}

fn code<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> (Option<&str>, &str)
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    match e.as_service_error() {
        Some(s) => (s.code(), s.message().unwrap_or_default()),
        None => (None, ""),
    }
}

fn not_found<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> bool
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    code(e).0 == Some("ReplicationGroupNotFoundFault")
}

fn changed(prior: &Value, planned: &Value, key: &str) -> bool {
    let (a, b) = (prior.get(key), planned.get(key));
    a.map(Value::unmarked).unwrap_or(&Value::Null) != b.map(Value::unmarked).unwrap_or(&Value::Null)
}

impl ElastiCacheReplicationGroup {
    /// The groups with these ids: one call per id up to [`DIRECT_READ_MAX`] ids (the API
    /// takes one id per call), else one paginated listing filtered here.
    async fn describe(&self, ctx: &Ctx, ids: &BTreeSet<&str>) -> ProviderResult<Vec<SdkGroup>> {
        let client = ctx.elasticache();
        let mut out = Vec::new();
        if ids.len() <= DIRECT_READ_MAX {
            for id in ids {
                match client
                    .describe_replication_groups()
                    .replication_group_id(*id)
                    .send()
                    .await
                {
                    Ok(page) => out.extend(page.replication_groups.unwrap_or_default()),
                    Err(e) if not_found(&e) => {}
                    Err(e) => {
                        return Err(ProviderError::sdk(
                            &format!("describing replication group {id}"),
                            e,
                        ))
                    }
                }
            }
        } else {
            let mut pages = client
                .describe_replication_groups()
                .max_records(PAGE_SIZE)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| ProviderError::sdk("describing replication groups", e))?;
                out.extend(page.replication_groups.unwrap_or_default());
            }
        }
        out.retain(|g| g.replication_group_id().is_some_and(|i| ids.contains(i)));
        Ok(out)
    }

    /// Groups, their first members and (when `with_tags`) their tags.
    async fn find(&self, ctx: &Ctx, ids: &[String], with_tags: bool) -> ProviderResult<Vec<Found>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let groups = self.describe(ctx, &wanted).await?;
        let firsts: Vec<String> = groups
            .iter()
            .filter_map(|g| g.member_clusters().first().cloned())
            .collect();
        let mut members: BTreeMap<String, CacheCluster> = describe_clusters(ctx, &firsts)
            .await?
            .into_iter()
            .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), c)))
            .collect();
        // The describe answer carries no tags.
        let groups = if with_tags {
            tagging::with_tags(ctx, Service::ElastiCache, groups, |g| g.arn()).await?
        } else {
            groups.into_iter().map(|g| (g, BTreeMap::new())).collect()
        };
        let mut out = Vec::new();
        for (group, tags) in groups {
            let member = group
                .member_clusters()
                .first()
                .and_then(|m| members.remove(m));
            out.push(Found {
                group,
                member,
                tags,
            });
        }
        Ok(out)
    }

    async fn wait_available(&self, ctx: &Ctx, id: &str, timeout: Duration) -> ProviderResult<()> {
        let fetch: super::poller::Fetch = std::sync::Arc::new(|ctx, ids| {
            Box::pin(async move {
                let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
                let groups = super::ELASTICACHE_REPLICATION_GROUP
                    .describe(&ctx, &wanted)
                    .await?;
                Ok(groups
                    .iter()
                    .filter_map(|g| {
                        Some((
                            g.replication_group_id()?.to_string(),
                            super::poller::status_value(g.status(), false),
                        ))
                    })
                    .collect())
            })
        });
        let owned = id.to_string();
        ctx.wait_for_fetch(
            "aws_elasticache_replication_group/status",
            fetch,
            id,
            &format!("replication group {id} to become available"),
            timeout,
            Box::new(move |g| {
                let id = &owned;
                let Some(g) = g else {
                    return Err(ProviderError::not_found(format!(
                        "replication group {id} not found"
                    )));
                };
                let status = super::poller::status(g);
                if status == "available" {
                    Ok(true)
                } else if PENDING.contains(&status) {
                    Ok(false)
                } else {
                    Err(ProviderError::new(format!(
                        "replication group {id} is in unexpected status \"{status}\" while waiting for it to become available"
                    )))
                }
            }),
        )
        .await
    }

    /// Reads one group back after a write. Tags are only listed when the plan or the prior
    /// state has some: otherwise there are none to see, and the call is saved.
    async fn state_after_write(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: Option<&Value>,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let with_tags = !common::planned_all(ctx, planned).is_empty()
            || prior.is_some_and(|p| !obj::string_map(p, "tags_all").is_empty());
        let found = self
            .find(ctx, &[id.to_string()], with_tags)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                ProviderError::not_found(format!(
                    "replication group {id} not found after writing it"
                ))
            })?;
        let token_enabled = found.group.auth_token_enabled().unwrap_or(false);
        let mut state = state_of(ctx, &found);
        let known: Vec<&Value> = std::iter::once(planned).chain(prior).collect();
        keep_member_attributes(&found, &mut state, &known);
        Ok(finish_state(state, planned, token_enabled))
    }

    async fn modify_replicas(&self, ctx: &Ctx, id: &str, old: i32, new: i32) -> ProviderResult<()> {
        let client = ctx.elasticache();
        if new > old {
            client
                .increase_replica_count()
                .replication_group_id(id)
                .new_replica_count(new - 1)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| {
                    ProviderError::sdk(&format!("adding replicas to replication group {id}"), e)
                })?;
        } else {
            client
                .decrease_replica_count()
                .replication_group_id(id)
                .new_replica_count(new - 1)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| {
                    ProviderError::sdk(&format!("removing replicas from replication group {id}"), e)
                })?;
        }
        self.wait_available(ctx, id, UPDATE_TIMEOUT).await
    }
}

#[async_trait]
impl ResourceType for ElastiCacheReplicationGroup {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_replication_group"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if let Some(p) = known_str(config, "replication_group_id")
            .and_then(|id| common::cache_id_problem(id, 40))
        {
            problems.push(ConfigProblem::new(
                Some("replication_group_id"),
                format!("invalid replication_group_id: {p}"),
                "use 1 to 40 letters, digits and single hyphens, starting with a letter",
            ));
        }
        if known_str(config, "description") == Some("") {
            problems.push(ConfigProblem::new(
                Some("description"),
                "description must not be empty",
                "describe what the replication group is for",
            ));
        }
        if let Some(e) = known_str(config, "engine") {
            if !matches!(e.to_lowercase().as_str(), "redis" | "valkey") {
                problems.push(ConfigProblem::new(
                    Some("engine"),
                    format!("engine \"{e}\" is not supported by aws_elasticache_replication_group"),
                    "use \"redis\" or \"valkey\" (Memcached uses aws_elasticache_cluster)",
                ));
            }
        }
        if let Some(v) = known_str(config, "engine_version") {
            if !ENGINE_VERSION.is_match(v) {
                problems.push(ConfigProblem::new(
                    Some("engine_version"),
                    format!("invalid engine_version \"{v}\""),
                    "give major.minor for Redis 6+ and Valkey (e.g. \"7.1\"), \"6.x\", or X.Y.Z for Redis 5 and older",
                ));
            }
        }
        if known_set(config, "num_cache_clusters") {
            for other in ["num_node_groups", "replicas_per_node_group"] {
                if known_set(config, other) {
                    problems.push(ConfigProblem::new(
                        Some("num_cache_clusters"),
                        format!("\"num_cache_clusters\" and \"{other}\" cannot both be set"),
                        "use num_cache_clusters for one primary with replicas, or num_node_groups and replicas_per_node_group for cluster mode",
                    ));
                }
            }
        }
        let failover = config
            .get("automatic_failover_enabled")
            .and_then(Value::as_bool);
        if config.get("multi_az_enabled").and_then(Value::as_bool) == Some(true)
            && failover == Some(false)
        {
            problems.push(ConfigProblem::new(
                Some("multi_az_enabled"),
                "multi_az_enabled requires automatic_failover_enabled = true",
                "set automatic_failover_enabled = true",
            ));
        }
        if failover == Some(true) {
            if let Some(n) = known_number(config, "num_cache_clusters") {
                if n < 2.0 {
                    problems.push(ConfigProblem::new(
                        Some("num_cache_clusters"),
                        format!("automatic failover needs at least 2 cache clusters, got {n}"),
                        "set num_cache_clusters = 2 or more, or disable automatic_failover_enabled",
                    ));
                }
            }
        }
        if let Some(n) = known_number(config, "num_cache_clusters") {
            if !(1.0..=6.0).contains(&n) {
                problems.push(ConfigProblem::new(
                    Some("num_cache_clusters"),
                    format!("num_cache_clusters must be between 1 and 6, got {n}"),
                    "one primary and up to five replicas",
                ));
            }
        }
        if let Some(n) = known_number(config, "replicas_per_node_group") {
            if !(0.0..=5.0).contains(&n) {
                problems.push(ConfigProblem::new(
                    Some("replicas_per_node_group"),
                    format!("replicas_per_node_group must be between 0 and 5, got {n}"),
                    "each shard has up to five replicas",
                ));
            }
        }
        if let Some(token) = known_str(config, "auth_token") {
            if let Some(p) = auth_token_problem(token) {
                problems.push(ConfigProblem::new(
                    Some("auth_token"),
                    format!("invalid auth_token: it {p}"),
                    "choose another token (it is never shown)",
                ));
            }
            if config
                .get("transit_encryption_enabled")
                .is_some_and(|v| v.is_known() && v.as_bool() != Some(true))
            {
                problems.push(ConfigProblem::new(
                    Some("auth_token"),
                    "auth_token requires transit_encryption_enabled = true",
                    "set transit_encryption_enabled = true: AWS only accepts an AUTH token over TLS",
                ));
            }
        }
        for (key, ok, format) in [
            (
                "maintenance_window",
                common::maintenance_window_ok as fn(&str) -> bool,
                "ddd:hh24:mi-ddd:hh24:mi, e.g. \"sun:05:00-sun:06:00\" (UTC)",
            ),
            (
                "snapshot_window",
                common::snapshot_window_ok,
                "hh24:mi-hh24:mi, e.g. \"03:00-04:00\" (UTC)",
            ),
        ] {
            if let Some(w) = known_str(config, key) {
                if !ok(w) {
                    problems.push(ConfigProblem::new(
                        Some(key),
                        format!("invalid {key} \"{w}\""),
                        format!("use the format {format}"),
                    ));
                }
            }
        }
        if let Some(n) = known_number(config, "snapshot_retention_limit") {
            if !(0.0..=35.0).contains(&n) {
                problems.push(ConfigProblem::new(
                    Some("snapshot_retention_limit"),
                    format!("snapshot_retention_limit must be between 0 and 35, got {n}"),
                    "0 disables automatic snapshots",
                ));
            }
        }
        problems
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        common::lower_case(
            planned,
            &["replication_group_id", "maintenance_window", "engine"],
        );
        let Value::Map(m) = planned else { return };
        if let Some(id) = m
            .get("replication_group_id")
            .filter(|v| v.is_known())
            .cloned()
        {
            m.insert("id".into(), id);
        }
        if let Some(prior) = prior {
            // 7.1 (or 7.x) against a running 7.1.0 is no change.
            if let (Some(cfg), Some(actual)) = (
                m.get("engine_version").and_then(Value::as_str),
                obj::str(prior, "engine_version_actual"),
            ) {
                if engine_version_matches(cfg, actual) {
                    if let Some(v) = prior.get("engine_version") {
                        m.insert("engine_version".into(), v.clone());
                    }
                }
            }
            // A replica count change changes the members.
            for key in [
                "num_cache_clusters",
                "num_node_groups",
                "replicas_per_node_group",
            ] {
                if m.get(key).map(Value::unmarked) != prior.get(key).map(Value::unmarked) {
                    m.insert("member_clusters".into(), Value::Unknown);
                }
            }
        }
    }

    /// One DescribeReplicationGroups and one DescribeCacheClusters for the batch, then the
    /// tags of the groups found (`tagging`). A refresh sees no configuration, so it always
    /// reads tags (tags added outside strata must show as drift).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        self.read_prior(
            ctx,
            &ids.iter()
                .map(|id| Value::Map(Map::from([("id".to_string(), Value::from(id.as_str()))])))
                .collect::<Vec<_>>(),
        )
        .await
    }

    /// As `read`; a group whose first member cannot be read keeps the prior values of what
    /// the member tells.
    async fn read_prior(
        &self,
        ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let prior: BTreeMap<String, &Value> = prior
            .iter()
            .filter_map(|p| Some((obj::string(p, "id")?, p)))
            .collect();
        let ids: Vec<String> = prior.keys().cloned().collect();
        Ok(self
            .find(ctx, &ids, true)
            .await?
            .iter()
            .map(|f| {
                let id = f
                    .group
                    .replication_group_id()
                    .unwrap_or_default()
                    .to_string();
                let mut state = state_of(ctx, f);
                if let Some(p) = prior.get(&id) {
                    keep_member_attributes(f, &mut state, &[p]);
                }
                (id, state)
            })
            .collect())
    }

    async fn wait_usable(&self, ctx: &Ctx, found: &Value) -> ProviderResult<()> {
        match obj::string(found, "id") {
            Some(id) => self.wait_available(ctx, &id, CREATE_TIMEOUT).await,
            None => Ok(()),
        }
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = obj::str(planned, "replication_group_id")
            .map(str::to_lowercase)
            .ok_or_else(|| {
                ProviderError::new(
                    "aws_elasticache_replication_group: the replication_group_id is not known",
                )
            })?;
        let sgs = obj::strings(planned, "security_group_ids");
        let num_node_groups = obj::i32(planned, "num_node_groups").filter(|n| *n > 0);
        ctx.elasticache()
            .create_replication_group()
            .replication_group_id(&id)
            .set_replication_group_description(obj::string(planned, "description"))
            .engine(
                obj::str(planned, "engine")
                    .unwrap_or("redis")
                    .to_lowercase(),
            )
            .set_engine_version(obj::string(planned, "engine_version"))
            .set_cache_node_type(obj::string(planned, "node_type"))
            .set_num_cache_clusters(obj::i32(planned, "num_cache_clusters").filter(|n| *n > 0))
            .set_num_node_groups(num_node_groups)
            .set_replicas_per_node_group(obj::i32(planned, "replicas_per_node_group"))
            .set_automatic_failover_enabled(obj::bool(planned, "automatic_failover_enabled"))
            .set_multi_az_enabled(obj::bool(planned, "multi_az_enabled"))
            .set_at_rest_encryption_enabled(obj::bool(planned, "at_rest_encryption_enabled"))
            .set_transit_encryption_enabled(obj::bool(planned, "transit_encryption_enabled"))
            .set_auth_token(obj::string(planned, "auth_token"))
            .set_kms_key_id(obj::string(planned, "kms_key_id"))
            .set_port(obj::i32(planned, "port"))
            .set_security_group_ids((!sgs.is_empty()).then_some(sgs))
            .set_cache_subnet_group_name(obj::string(planned, "subnet_group_name"))
            .set_cache_parameter_group_name(obj::string(planned, "parameter_group_name"))
            .set_snapshot_retention_limit(obj::i32(planned, "snapshot_retention_limit"))
            .set_snapshot_window(obj::string(planned, "snapshot_window"))
            .set_preferred_maintenance_window(
                obj::str(planned, "maintenance_window").map(str::to_lowercase),
            )
            .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"))
            .set_tags(common::create_tags(ctx, planned))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating replication group {id}"), e))?;
        self.wait_available(ctx, &id, CREATE_TIMEOUT).await?;
        self.state_after_write(ctx, &id, None, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new("aws_elasticache_replication_group: prior state has no id")
        })?;
        let ch = |k: &str| changed(prior, planned, k);
        let old_n = obj::i32(prior, "num_cache_clusters").unwrap_or(0);
        let new_n = obj::i32(planned, "num_cache_clusters").unwrap_or(old_n);

        // 1. More replicas first (always immediately).
        if new_n > old_n && old_n > 0 {
            self.wait_available(ctx, &id, UPDATE_TIMEOUT).await?;
            self.modify_replicas(ctx, &id, old_n, new_n).await?;
        }

        // 2. The main modification.
        let mut modify = ctx
            .elasticache()
            .modify_replication_group()
            .replication_group_id(&id)
            .apply_immediately(obj::bool(planned, "apply_immediately").unwrap_or(false));
        let mut needed = false;
        if ch("description") {
            modify = modify.set_replication_group_description(obj::string(planned, "description"));
            needed = true;
        }
        if ch("automatic_failover_enabled") {
            modify = modify
                .set_automatic_failover_enabled(obj::bool(planned, "automatic_failover_enabled"));
            needed = true;
        }
        if ch("multi_az_enabled") {
            modify = modify.set_multi_az_enabled(obj::bool(planned, "multi_az_enabled"));
            needed = true;
        }
        if ch("node_type") {
            modify = modify.set_cache_node_type(obj::string(planned, "node_type"));
            needed = true;
        }
        if ch("engine") {
            let (from, to) = (
                obj::str(prior, "engine").unwrap_or("redis"),
                obj::str(planned, "engine").unwrap_or("redis"),
            );
            if !(from == "redis" && to == "valkey") {
                return Err(ProviderError::new(format!(
                    "replication group {id}: the engine cannot change from {from} to {to} in place; only redis → valkey is an upgrade (replace the group for anything else)"
                )));
            }
            if !ch("engine_version") {
                return Err(ProviderError::new(format!(
                    "replication group {id}: switching the engine to valkey needs a valkey engine_version too"
                )));
            }
        }
        if ch("engine_version") || ch("engine") {
            modify = modify
                .engine(obj::str(planned, "engine").unwrap_or("redis"))
                .set_engine_version(obj::string(planned, "engine_version"));
            needed = true;
        }
        if ch("maintenance_window") {
            modify = modify.set_preferred_maintenance_window(
                obj::str(planned, "maintenance_window").map(str::to_lowercase),
            );
            needed = true;
        }
        if ch("parameter_group_name") {
            modify =
                modify.set_cache_parameter_group_name(obj::string(planned, "parameter_group_name"));
            needed = true;
        }
        if ch("security_group_ids") {
            let sgs = obj::strings(planned, "security_group_ids");
            if !sgs.is_empty() {
                modify = modify.set_security_group_ids(Some(sgs));
                needed = true;
            }
        }
        if ch("snapshot_retention_limit") {
            let n = obj::i32(planned, "snapshot_retention_limit").unwrap_or(0);
            modify = modify.snapshot_retention_limit(n);
            // Turning snapshots on needs a member to take them (as terraform-provider-aws).
            if obj::i32(prior, "snapshot_retention_limit").unwrap_or(0) == 0 && n > 0 {
                if let Some(first) = obj::strings(prior, "member_clusters").first() {
                    modify = modify.snapshotting_cluster_id(first);
                }
            }
            needed = true;
        }
        if ch("snapshot_window") {
            modify = modify.set_snapshot_window(obj::string(planned, "snapshot_window"));
            needed = true;
        }
        if ch("transit_encryption_enabled") {
            modify = modify
                .set_transit_encryption_enabled(obj::bool(planned, "transit_encryption_enabled"));
            needed = true;
        }
        if ch("auto_minor_version_upgrade") {
            modify = modify
                .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"));
            needed = true;
        }
        if needed {
            self.wait_available(ctx, &id, UPDATE_TIMEOUT).await?;
            match modify.send().await {
                Ok(_) => {}
                Err(e) if code(&e).1.contains("No modifications were requested") => {}
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("modifying replication group {id}"),
                        e,
                    ))
                }
            }
            self.wait_available(ctx, &id, UPDATE_TIMEOUT).await?;
        }

        // 3. A new AUTH token (always immediately; ROTATE keeps the old one valid until the
        // next rotation, as terraform-provider-aws's default strategy).
        if ch("auth_token") {
            if let Some(token) = obj::string(planned, "auth_token") {
                ctx.elasticache()
                    .modify_replication_group()
                    .replication_group_id(&id)
                    .auth_token(token)
                    .auth_token_update_strategy(AuthTokenUpdateStrategyType::Rotate)
                    .apply_immediately(true)
                    .send()
                    .await
                    .map_err(|e| {
                        ProviderError::sdk(
                            &format!("changing the AUTH token of replication group {id}"),
                            e,
                        )
                    })?;
                self.wait_available(ctx, &id, UPDATE_TIMEOUT).await?;
            }
        }

        // 4. Fewer replicas last.
        if new_n < old_n && new_n > 0 {
            self.wait_available(ctx, &id, UPDATE_TIMEOUT).await?;
            self.modify_replicas(ctx, &id, old_n, new_n).await?;
        }

        common::update_from_plan(
            ctx,
            obj::str(prior, "arn"),
            &format!("replication group {id}"),
            prior,
            planned,
        )
        .await?;
        self.state_after_write(ctx, &id, Some(prior), planned).await
    }

    /// The create call's object exists, its answer lost: what create does after the call
    /// (an update could not start from an object still being created).
    async fn settle_retried_create(
        &self,
        ctx: &Ctx,
        found: &Value,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let id = obj::string(found, "id")
            .ok_or_else(|| ProviderError::new("the replication group found has no id"))?;
        self.wait_available(ctx, &id, CREATE_TIMEOUT).await?;
        self.state_after_write(ctx, &id, None, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new("aws_elasticache_replication_group: prior state has no id")
        })?;
        let start = Instant::now();
        loop {
            match ctx
                .elasticache()
                .delete_replication_group()
                .replication_group_id(&id)
                .set_final_snapshot_identifier(obj::string(prior, "final_snapshot_identifier"))
                .send()
                .await
            {
                Ok(_) => break,
                Err(e) if not_found(&e) => return Ok(()),
                Err(e)
                    if code(&e).0 == Some("InvalidReplicationGroupState")
                        && start.elapsed() < DELETE_RETRY =>
                {
                    ctx.pause(&format!("replication group {id} to be deletable"))
                        .await?
                }
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("deleting replication group {id}"),
                        e,
                    ))
                }
            }
        }
        ctx.wait_for(
            &super::ELASTICACHE_REPLICATION_GROUP,
            &id,
            &format!("replication group {id} to be deleted"),
            DELETE_TIMEOUT,
            Box::new(|g| Ok(g.is_none())),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut m = Map::new();
        m.insert("replication_group_id".into(), Value::from("app-cache"));
        m.insert("description".into(), Value::from("app cache"));
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Map(m)
    }

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        ElastiCacheReplicationGroup
            .validate(&config(pairs))
            .into_iter()
            .map(|p| p.attribute)
            .collect()
    }

    const TOKEN: &str = "a-very-secret-token-123";

    #[test]
    fn a_valid_config_has_no_problems() {
        assert!(problems(&[
            ("num_cache_clusters", Value::from(2)),
            ("automatic_failover_enabled", Value::Bool(true)),
            ("multi_az_enabled", Value::Bool(true)),
            ("transit_encryption_enabled", Value::Bool(true)),
            ("auth_token", Value::from(TOKEN).sensitive()),
            ("engine_version", Value::from("7.1")),
            ("maintenance_window", Value::from("Sun:05:00-sun:06:00")),
            ("snapshot_window", Value::from("03:00-04:00")),
        ])
        .is_empty());
        // Unknowns are not judged.
        assert!(problems(&[
            ("auth_token", Value::from(TOKEN).sensitive()),
            ("transit_encryption_enabled", Value::Unknown),
            ("num_cache_clusters", Value::Unknown),
            ("num_node_groups", Value::Null),
        ])
        .is_empty());
    }

    #[test]
    fn auth_token_needs_transit_encryption_and_is_never_shown() {
        for transit in [Value::Null, Value::Bool(false)] {
            let ps = ElastiCacheReplicationGroup.validate(&config(&[
                ("auth_token", Value::from(TOKEN).sensitive()),
                ("transit_encryption_enabled", transit),
            ]));
            assert_eq!(ps.len(), 1);
            assert_eq!(ps[0].attribute, Some("auth_token"));
            assert!(ps[0].message.contains("transit_encryption_enabled"));
        }
        let ps = ElastiCacheReplicationGroup.validate(&config(&[
            ("auth_token", Value::from("short/@").sensitive()),
            ("transit_encryption_enabled", Value::Bool(true)),
        ]));
        assert_eq!(ps.len(), 1);
        for p in &ps {
            assert!(!p.message.contains("short/@") && !p.help.contains("short/@"));
            assert!(!format!("{p:?}").contains("short/@"));
        }
    }

    #[test]
    fn num_cache_clusters_conflicts_with_cluster_mode() {
        assert_eq!(
            problems(&[
                ("num_cache_clusters", Value::from(2)),
                ("num_node_groups", Value::from(2)),
            ]),
            [Some("num_cache_clusters")]
        );
        assert_eq!(
            problems(&[
                ("num_cache_clusters", Value::from(2)),
                ("num_node_groups", Value::from(2)),
                ("replicas_per_node_group", Value::from(1)),
            ]),
            [Some("num_cache_clusters"), Some("num_cache_clusters")]
        );
        assert!(problems(&[
            ("num_node_groups", Value::from(2)),
            ("replicas_per_node_group", Value::from(1)),
        ])
        .is_empty());
        assert_eq!(
            problems(&[
                ("num_cache_clusters", Value::from(1)),
                ("automatic_failover_enabled", Value::Bool(true)),
            ]),
            [Some("num_cache_clusters")]
        );
        assert_eq!(
            problems(&[
                ("multi_az_enabled", Value::Bool(true)),
                ("automatic_failover_enabled", Value::Bool(false))
            ]),
            [Some("multi_az_enabled")]
        );
    }

    #[test]
    fn window_and_version_formats() {
        for bad in [
            "sun:05:00-06:00",
            "sunday:05:00-sun:06:00",
            "sun:25:00-sun:06:00",
        ] {
            assert_eq!(
                problems(&[("maintenance_window", Value::from(bad))]),
                [Some("maintenance_window")],
                "{bad}"
            );
        }
        for bad in ["5:00-06:00", "05:00-24:00"] {
            assert_eq!(
                problems(&[("snapshot_window", Value::from(bad))]),
                [Some("snapshot_window")],
                "{bad}"
            );
        }
        for good in ["7.1", "6.x", "6.2", "5.0.6", "8.0"] {
            assert!(
                problems(&[("engine_version", Value::from(good))]).is_empty(),
                "{good}"
            );
        }
        for bad in ["7.x", "7.1.0", "5.0", "redis7"] {
            assert_eq!(
                problems(&[("engine_version", Value::from(bad))]),
                [Some("engine_version")],
                "{bad}"
            );
        }
        assert_eq!(
            problems(&[("engine", Value::from("memcached"))]),
            [Some("engine")]
        );
        assert_eq!(
            problems(&[("replication_group_id", Value::from("a--b"))]),
            [Some("replication_group_id")]
        );
    }

    #[test]
    fn engine_versions() {
        assert_eq!(state_engine_version("7.1.0"), "7.1");
        assert_eq!(state_engine_version("6.2.6"), "6.2");
        assert_eq!(state_engine_version("5.0.6"), "5.0.6");
        assert!(engine_version_matches("7.1", "7.1.0"));
        assert!(engine_version_matches("6.x", "6.2.6"));
        assert!(!engine_version_matches("7.1", "7.10.0"));
        assert!(!engine_version_matches("6.x", "7.1.0"));

        let prior = Value::Map(Map::from([
            ("engine_version".to_string(), Value::from("6.2")),
            ("engine_version_actual".to_string(), Value::from("6.2.6")),
            ("num_cache_clusters".to_string(), Value::from(2)),
        ]));
        let mut planned = Value::Map(Map::from([
            ("replication_group_id".to_string(), Value::from("App")),
            ("engine_version".to_string(), Value::from("6.x")),
            ("num_cache_clusters".to_string(), Value::from(2)),
            (
                "maintenance_window".to_string(),
                Value::from("SUN:05:00-SUN:06:00"),
            ),
        ]));
        ElastiCacheReplicationGroup.customize_plan(Some(&prior), &mut planned);
        assert_eq!(obj::str(&planned, "engine_version"), Some("6.2"));
        assert_eq!(obj::str(&planned, "id"), Some("app"));
        assert_eq!(
            obj::str(&planned, "maintenance_window"),
            Some("sun:05:00-sun:06:00")
        );
        assert_ne!(planned.get("member_clusters"), Some(&Value::Unknown));
    }
}
