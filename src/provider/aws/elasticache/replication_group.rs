//! `aws_elasticache_replication_group`: a Redis or Valkey replication group, either one
//! primary with replicas (`num_cache_clusters`) or sharded in cluster mode
//! (`num_node_groups` × `replicas_per_node_group`). The state `id` is the replication group
//! id, lower-cased as AWS stores it.
//!
//! **Where attributes come from.** The ReplicationGroup type carries no engine version,
//! subnet group, security groups, parameter group or maintenance window: like
//! terraform-provider-aws they are read from the group's first member cache cluster. A batch
//! read is therefore one DescribeReplicationGroups plus one DescribeCacheClusters for the
//! whole batch (see `by_ids`), plus the groups' tags through `tagging`.
//!
//! **Virtual arguments.** `auth_token`, `apply_immediately` and `final_snapshot_identifier`
//! are never returned by AWS; `auth_token` is set to null when AWS reports AuthTokenEnabled
//! false. The token never appears in an error message or a log line.
//!
//! **Engine versions.** `engine_version` is `major.minor` for Redis ≥ 6 and Valkey (`6.x`
//! is kept as configured); AWS runs and reports the full version (`7.1.0`), kept in
//! `engine_version_actual`, and `7.1` against `7.1.0` is no change.

use super::{cache_id_problem, describe_cache_clusters, or_empty};
use crate::provider::aws::kit::prelude::*;
use crate::provider::aws::kit::{DAILY_WINDOW, WEEKLY_WINDOW};
use aws_sdk_elasticache::operation::create_replication_group::builders::CreateReplicationGroupFluentBuilder as Create;
use aws_sdk_elasticache::operation::modify_replication_group::builders::ModifyReplicationGroupFluentBuilder as Modify;
use aws_sdk_elasticache::types::{
    AuthTokenUpdateStrategyType, CacheCluster, ReplicationGroup as SdkGroup,
};

pub struct ElastiCacheReplicationGroup;
pub static ELASTICACHE_REPLICATION_GROUP: ElastiCacheReplicationGroup = ElastiCacheReplicationGroup;

/// How long DeleteReplicationGroup is retried while the group is busy (a member creating or
/// a snapshot running).
const DELETE_RETRY: Duration = Duration::from_secs(10 * 60);

const GONE: &[&str] = &["ReplicationGroupNotFoundFault"];

/// Redis ≤ 5 as `X.Y.Z`, Redis 6 as `6.x` or `6.N`, Redis/Valkey ≥ 6 as `M.N`.
const ENGINE_VERSION: &str = r"^([1-5]\.[0-9]+\.[0-9]+|6\.x|[6-9]\.[0-9]+)$";

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An ElastiCache replication group (Redis or Valkey).";
        regional;
        id                         string     output                    "The replication group id.";
        replication_group_id       string     required force_new lowercase check(|v| cache_id_problem(v.as_str()?, 40)) "Replication group id (lower-cased, as AWS stores it).";
        description                string     required check(|v| v.as_str()?.is_empty().then(|| "must not be empty".into())) "Description of the group.";
        engine                     string     default("redis") lowercase regex("(?i)^(redis|valkey)$", "redis or valkey (Memcached uses aws_elasticache_cluster)") "redis or valkey; redis → valkey is an in-place upgrade.";
        engine_version             string     computed regex(ENGINE_VERSION, "major.minor for Redis 6+ and Valkey (7.1), 6.x, or X.Y.Z for Redis 5 and older") same_version("engine_version_actual", engine_version_matches) "major.minor (e.g. 7.1), or 6.x; AWS runs the newest patch.";
        engine_version_actual      string     output                    "The full engine version AWS runs.";
        node_type                  string     computed                  "Node type, e.g. cache.t4g.micro.";
        num_cache_clusters         number     computed range(1.0, 6.0) conflicts_with(&["num_node_groups", "replicas_per_node_group"]) "Number of cache clusters (primary and replicas); not in cluster mode.";
        num_node_groups            number     computed                  "Number of shards (cluster mode).";
        replicas_per_node_group    number     computed range(0.0, 5.0)  "Replicas in each shard (cluster mode).";
        automatic_failover_enabled bool       default(false)            "Promote a replica when the primary fails.";
        multi_az_enabled           bool       default(false)            "Multi-AZ; needs automatic_failover_enabled.";
        at_rest_encryption_enabled bool       computed force_new        "Encrypt data at rest.";
        transit_encryption_enabled bool       computed                  "TLS between clients and nodes.";
        auth_token                 string     sensitive virtual_ check(|v| auth_token_problem(v.as_str()?).map(str::to_string)) "Redis AUTH password (16-128 characters); needs transit encryption.";
        kms_key_id                 string     computed force_new        "KMS key for at-rest encryption.";
        port                       number     default(6379) force_new   "Port the nodes listen on.";
        security_group_ids         string_set computed                  "VPC security groups.";
        subnet_group_name          string     computed force_new        "Cache subnet group.";
        parameter_group_name       string     computed                  "Cache parameter group.";
        snapshot_retention_limit   number     range(0.0, 35.0)          "Days to keep automatic snapshots (0-35; 0 disables them).";
        snapshot_window            string     computed regex(&or_empty(DAILY_WINDOW), "a daily window hh24:mi-hh24:mi (UTC)") "Daily snapshot window, hh24:mi-hh24:mi (UTC).";
        maintenance_window         string     computed lowercase regex(&or_empty(WEEKLY_WINDOW), "a weekly window ddd:hh24:mi-ddd:hh24:mi (UTC)") "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased).";
        apply_immediately          bool       virtual_ default(false)   "Apply changes now instead of in the maintenance window.";
        auto_minor_version_upgrade bool       computed                  "Apply minor engine upgrades in the maintenance window.";
        final_snapshot_identifier  string     virtual_                  "Name of the snapshot taken on delete.";
        arn                        string     output                    "The group's ARN.";
        cluster_enabled            bool       output                    "Whether the group is sharded (cluster mode).";
        primary_endpoint_address   string     output                    "Primary endpoint (not in cluster mode).";
        reader_endpoint_address    string     output                    "Reader endpoint (not in cluster mode).";
        configuration_endpoint_address string output                    "Configuration endpoint (cluster mode).";
        member_clusters            string_set output                    "Ids of the member cache clusters.";
        cluster_mode               string     computed one_of(&["enabled", "disabled", "compatible"]) "Cluster mode: enabled, disabled, or compatible (the step between them).";
        user_group_ids             string_set                           "User groups (RBAC) that may connect; at most one.";
        transit_encryption_mode    string     computed one_of(&["preferred", "required"]) "preferred (TLS and plain connections) or required (TLS only).";
        auth_token_update_strategy string     virtual_ one_of(&["SET", "ROTATE", "DELETE"]) "How a changed auth_token is applied: ROTATE (default: the old token stays valid), SET or DELETE.";
        preferred_cache_cluster_azs string_list force_new               "AZs of the cache clusters, the primary's first.";
        data_tiering_enabled       bool       computed force_new        "Tier data to SSD (r6gd node types).";
        ip_discovery               string     computed one_of(&["ipv4", "ipv6"]) "Address family the discovery protocols answer with.";
        network_type               string     computed force_new one_of(&["ipv4", "ipv6", "dual_stack"]) "ipv4, ipv6 or dual_stack.";
        global_replication_group_id string    computed force_new        "Global datastore the group joins as a secondary.";
        notification_topic_arn     string                               "SNS topic that receives the group's events.";
        snapshot_name              string     virtual_ force_new        "Snapshot to create the group from.";
        snapshot_arns              string_set virtual_ force_new        "RDB files in S3 to create the group from.";
        security_group_names       string_set computed force_new        "Cache security groups (EC2-Classic).";
        tags;
        id_from replication_group_id;
        timeouts create(60) update(40) delete(45);
        block super::log_delivery::block();
    }
});

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
    match configured.strip_suffix(".x") {
        Some(major) => actual.split('.').next() == Some(major),
        None => crate::schema::version_prefix(configured, actual),
    }
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

/// The arguments of the create call.
const CREATE: Table<Create> = setters! {
    "description" => set_replication_group_description(string),
    "engine_version" => set_engine_version(string),
    "node_type" => set_cache_node_type(string),
    "num_cache_clusters" => |b, p| b.set_num_cache_clusters(obj::i32(p, "num_cache_clusters").filter(|n| *n > 0)),
    "num_node_groups" => |b, p| b.set_num_node_groups(obj::i32(p, "num_node_groups").filter(|n| *n > 0)),
    "replicas_per_node_group" => set_replicas_per_node_group(i32),
    "automatic_failover_enabled" => set_automatic_failover_enabled(bool),
    "multi_az_enabled" => set_multi_az_enabled(bool),
    "at_rest_encryption_enabled" => set_at_rest_encryption_enabled(bool),
    "transit_encryption_enabled" => set_transit_encryption_enabled(bool),
    "auth_token" => set_auth_token(string),
    "kms_key_id" => set_kms_key_id(string),
    "port" => set_port(i32),
    "security_group_ids" => set_security_group_ids(some_strings),
    "subnet_group_name" => set_cache_subnet_group_name(string),
    "parameter_group_name" => set_cache_parameter_group_name(string),
    "snapshot_retention_limit" => set_snapshot_retention_limit(i32),
    "snapshot_window" => set_snapshot_window(string),
    "maintenance_window" => set_preferred_maintenance_window(lower),
    "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
    "cluster_mode" => |b, p| b.set_cluster_mode(obj::str(p, "cluster_mode").map(Into::into)),
    "user_group_ids" => set_user_group_ids(some_strings),
    "transit_encryption_mode" => |b, p| b.set_transit_encryption_mode(obj::str(p, "transit_encryption_mode").map(Into::into)),
    "preferred_cache_cluster_azs" => set_preferred_cache_cluster_azs(some_strings),
    "data_tiering_enabled" => set_data_tiering_enabled(bool),
    "ip_discovery" => |b, p| b.set_ip_discovery(obj::str(p, "ip_discovery").map(Into::into)),
    "network_type" => |b, p| b.set_network_type(obj::str(p, "network_type").map(Into::into)),
    "global_replication_group_id" => set_global_replication_group_id(string),
    "notification_topic_arn" => set_notification_topic_arn(string),
    "snapshot_name" => set_snapshot_name(string),
    "snapshot_arns" => set_snapshot_arns(some_strings),
    "security_group_names" => set_cache_security_group_names(some_strings),
    "log_delivery_configuration" => |b, p| b.set_log_delivery_configurations(super::log_delivery::for_create(p)),
};

const MODIFY: Table<Modify> = setters! {
    "description" => set_replication_group_description(string),
    "automatic_failover_enabled" => set_automatic_failover_enabled(bool),
    "multi_az_enabled" => set_multi_az_enabled(bool),
    "node_type" => set_cache_node_type(string),
    "maintenance_window" => set_preferred_maintenance_window(lower),
    "parameter_group_name" => set_cache_parameter_group_name(string),
    "snapshot_window" => set_snapshot_window(string),
    "transit_encryption_enabled" => set_transit_encryption_enabled(bool),
    "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
    "cluster_mode" => |b, p| b.set_cluster_mode(obj::str(p, "cluster_mode").map(Into::into)),
    "transit_encryption_mode" => |b, p| b.set_transit_encryption_mode(obj::str(p, "transit_encryption_mode").map(Into::into)),
    "ip_discovery" => |b, p| b.set_ip_discovery(obj::str(p, "ip_discovery").map(Into::into)),
    "notification_topic_arn" => set_notification_topic_arn(string),
};

static WAITER: Waiter = Waiter {
    noun: "replication group",
    key: "aws_elasticache_replication_group/status",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let status = |g: &SdkGroup| wait::status_value(g.status(), false);
            let groups = describe(&ctx, &ids).await?;
            Ok(groups
                .iter()
                .filter_map(|g| Some((g.replication_group_id()?.to_string(), status(g))))
                .collect())
        })
    },
    pending: &["creating", "modifying", "snapshotting"],
    ready: &["available"],
};

/// One group as read from AWS, with its first member cache cluster and its tags.
struct Found {
    group: SdkGroup,
    member: Option<CacheCluster>,
    tags: tags::Tags,
}

fn status_enabled(s: Option<&str>) -> bool {
    matches!(s, Some("enabled" | "enabling"))
}

fn state_of(ctx: &Ctx, f: Found) -> Value {
    let (g, member) = (&f.group, f.member.as_ref());
    let id = g.replication_group_id();
    let first = g.node_groups().first();
    let node_port = member
        .and_then(|c| c.cache_nodes().first())
        .and_then(|n| n.endpoint())
        .and_then(|e| e.port());
    let primary = first.and_then(|n| n.primary_endpoint());
    let config_endpoint = g.configuration_endpoint();
    let port = config_endpoint
        .and_then(|e| e.port())
        .or_else(|| primary.and_then(|e| e.port()))
        .or(node_port);
    let actual = member.and_then(|c| c.engine_version());
    let engine = g
        .engine()
        .or_else(|| member.and_then(|c| c.engine()))
        .unwrap_or("redis");
    let replicas = first.map_or(0, |n| n.node_group_members().len().saturating_sub(1));
    let auto_minor = g
        .auto_minor_version_upgrade()
        .or_else(|| member.and_then(|c| c.auto_minor_version_upgrade()));
    let mut m = object! {
        "id" => id,
        "replication_group_id" => id,
        "description" => g.description(),
        "engine" => engine.to_lowercase(),
        "engine_version" => actual.map(state_engine_version),
        "engine_version_actual" => actual,
        "node_type" => g.cache_node_type(),
        "num_cache_clusters" => g.member_clusters().len(),
        "num_node_groups" => g.node_groups().len(),
        "replicas_per_node_group" => replicas,
        "automatic_failover_enabled" => status_enabled(g.automatic_failover().map(|s| s.as_str())),
        "multi_az_enabled" => status_enabled(g.multi_az().map(|s| s.as_str())),
        "at_rest_encryption_enabled" => g.at_rest_encryption_enabled().unwrap_or(false),
        "transit_encryption_enabled" => g.transit_encryption_enabled().unwrap_or(false),
        "kms_key_id" => g.kms_key_id(),
        "port" => port,
        "security_group_ids" => state::strings(member.map(|c| c.security_groups()).unwrap_or_default(), |s| s.security_group_id()),
        "subnet_group_name" => member.and_then(|c| c.cache_subnet_group_name()),
        "parameter_group_name" => member.and_then(|c| c.cache_parameter_group()).and_then(|p| p.cache_parameter_group_name()),
        "snapshot_retention_limit" => g.snapshot_retention_limit(),
        "snapshot_window" => g.snapshot_window(),
        "maintenance_window" => member.and_then(|c| c.preferred_maintenance_window()).map(str::to_lowercase),
        "auto_minor_version_upgrade" => auto_minor,
        "arn" => g.arn(),
        "cluster_enabled" => g.cluster_enabled().unwrap_or(false),
        "primary_endpoint_address" => primary.and_then(|e| e.address()),
        "reader_endpoint_address" => first.and_then(|n| n.reader_endpoint()).and_then(|e| e.address()),
        "configuration_endpoint_address" => config_endpoint.and_then(|e| e.address()),
        "member_clusters" => state::strings(g.member_clusters(), |s| Some(s.as_str())),
        "cluster_mode" => g.cluster_mode().map(|m| m.as_str()),
        "user_group_ids" => state::strings(g.user_group_ids(), |s| Some(s.as_str())),
        "transit_encryption_mode" => g.transit_encryption_mode().map(|m| m.as_str()),
        "data_tiering_enabled" => g.data_tiering().is_some_and(|d| d.as_str() == "enabled"),
        "ip_discovery" => g.ip_discovery().map(|m| m.as_str()),
        "network_type" => g.network_type().map(|m| m.as_str()),
        "global_replication_group_id" => g.global_replication_group_info().and_then(|i| i.global_replication_group_id()),
        "notification_topic_arn" => member.and_then(|c| c.notification_configuration()).and_then(|n| n.topic_arn()),
        "log_delivery_configuration" => super::log_delivery::state(g.log_delivery_configurations()),
    };
    tags::put(ctx, &mut m, f.tags);
    state::complete(&SCHEMA, m)
}

/// What a group's state reads from its first member cache cluster (the group answer lacks
/// it); `port` and `auto_minor_version_upgrade` only when the group's own answer lacks them.
const FROM_MEMBER: &[&str] = &[
    "notification_topic_arn",
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
fn keep_member_attributes(state: &mut Value, known: &[&Value]) {
    let Value::Map(m) = state else { return };
    for k in FROM_MEMBER.iter().chain(FROM_MEMBER_FALLBACK) {
        let known = known
            .iter()
            .find_map(|o| o.get(k).filter(|v| !v.is_null() && v.is_wholly_known()));
        if let Some(v) = known {
            if FROM_MEMBER.contains(k) || m.get(*k).is_none_or(Value::is_null) {
                m.insert((*k).to_string(), v.clone());
            }
        }
    }
}

/// The groups with these ids.
async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkGroup>> {
    super::describe_by_ids! {
        ctx, ids, "replication group",
        |c| c.describe_replication_groups(),
        replication_group_id, replication_groups, SdkGroup::replication_group_id, GONE
    }
}

/// The states of the groups with these ids (tags read when `with_tags`), each whose first
/// member cannot be read keeping what it told from `known(id)`.
pub(super) async fn read_states<'a>(
    ctx: &Ctx,
    ids: &[String],
    with_tags: bool,
    known: impl Fn(&str) -> Vec<&'a Value>,
) -> ProviderResult<BTreeMap<String, (Value, bool)>> {
    let groups = describe(ctx, ids).await?;
    let firsts: Vec<String> = groups
        .iter()
        .filter_map(|g| g.member_clusters().first().cloned())
        .collect();
    let members = describe_cache_clusters(ctx, &firsts).await?;
    let mut members: BTreeMap<String, CacheCluster> = members
        .into_iter()
        .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), c)))
        .collect();
    // The describe answer carries no tags.
    let groups = match with_tags {
        true => {
            tagging::with_tags(ctx, tagging::Service::ElastiCache, groups, SdkGroup::arn).await?
        }
        false => groups.into_iter().map(|g| (g, BTreeMap::new())).collect(),
    };
    let mut out = BTreeMap::new();
    for (group, tags) in groups {
        let id = group.replication_group_id().unwrap_or_default().to_string();
        let member = group
            .member_clusters()
            .first()
            .and_then(|m| members.remove(m));
        let (unread, token) = (
            member.is_none(),
            group.auth_token_enabled().unwrap_or(false),
        );
        let mut state = state_of(
            ctx,
            Found {
                group,
                member,
                tags,
            },
        );
        if unread {
            keep_member_attributes(&mut state, &known(&id));
        }
        out.insert(id, (state, token));
    }
    Ok(out)
}

impl ElastiCacheReplicationGroup {
    async fn modify_replicas(
        &self,
        ctx: &Ctx,
        id: &str,
        (old, new): (i32, i32),
        limit: Duration,
    ) -> ProviderResult<()> {
        let client = ctx.elasticache();
        if new > old {
            let call = client
                .increase_replica_count()
                .replication_group_id(id)
                .new_replica_count(new - 1);
            let answer = call.apply_immediately(true).send().await;
            answer.during(&format!("adding replicas to replication group {id}"))?;
        } else {
            let call = client
                .decrease_replica_count()
                .replication_group_id(id)
                .new_replica_count(new - 1);
            let answer = call.apply_immediately(true).send().await;
            answer.during(&format!("removing replicas from replication group {id}"))?;
        }
        WAITER.ready(ctx, id, limit).await
    }

    /// The engine and version to send: only redis → valkey is an upgrade in place.
    fn engine_change(&self, id: &str, prior: &Value, planned: &Value) -> ProviderResult<bool> {
        let ch = |k: &str| modify::differs(prior, planned, k);
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
        Ok(ch("engine") || ch("engine_version"))
    }
}

#[async_trait]
impl ResourceType for ElastiCacheReplicationGroup {
    named!("aws_elasticache_replication_group", SCHEMA, WAITER);

    /// Reads one group back after a write. Tags are only listed when the plan or the prior
    /// state has some: otherwise there are none to see, and the call is saved.
    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let Written { id, prior, planned } = written;
        let with_tags = tags::expected(ctx, prior, planned);
        let known = |_: &str| std::iter::once(planned).chain(prior).collect();
        let found = read_states(ctx, &[id.to_string()], with_tags, known)
            .await?
            .pop_first();
        let Some((_, (state, token_enabled))) = found else {
            return Err(ProviderError::not_found(format!(
                "replication group {id} not found after writing it"
            )));
        };
        let mut state = state::with_virtual(&SCHEMA, state, planned);
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
        Ok(state)
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
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
        let clusters = config.get("num_cache_clusters").and_then(Value::as_f64);
        if let (Some(true), Some(n)) = (failover, clusters.filter(|n| *n < 2.0)) {
            problems.push(ConfigProblem::new(
                Some("num_cache_clusters"),
                format!("automatic failover needs at least 2 cache clusters, got {n}"),
                "set num_cache_clusters = 2 or more, or disable automatic_failover_enabled",
            ));
        }
        let transit = config.get("transit_encryption_enabled");
        if config.get("auth_token").and_then(Value::as_str).is_some()
            && transit.is_some_and(|v| v.is_known() && v.as_bool() != Some(true))
        {
            problems.push(ConfigProblem::new(
                Some("auth_token"),
                "auth_token requires transit_encryption_enabled = true",
                "set transit_encryption_enabled = true: AWS only accepts an AUTH token over TLS",
            ));
        }
        problems
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let (Some(prior), Value::Map(m)) = (prior, planned) else {
            return;
        };
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

    /// One DescribeReplicationGroups and one DescribeCacheClusters for the batch, then the
    /// tags of the groups found (`tagging`). A refresh sees no configuration, so it always
    /// reads tags (tags added outside strata must show as drift).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let states = read_states(ctx, ids, true, |_| Vec::new()).await?;
        Ok(states
            .into_iter()
            .map(|(id, (state, _))| (id, state))
            .collect())
    }

    /// As `read`; a group whose first member cannot be read keeps the prior values of what
    /// the member tells.
    async fn read_prior(
        &self,
        ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = obj::ids(prior);
        let known = |id: &str| {
            prior
                .iter()
                .filter(|p| obj::str(p, "id") == Some(id))
                .take(1)
                .collect()
        };
        let states = read_states(ctx, &ids, true, known).await?;
        Ok(states
            .into_iter()
            .map(|(id, (state, _))| (id, state))
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = state::required(planned, "replication_group_id", self.type_name())?.to_lowercase();
        let call = ctx
            .elasticache()
            .create_replication_group()
            .replication_group_id(&id)
            .engine(modify::lower(planned, "engine").unwrap_or_else(|| "redis".into()));
        lifecycle::create_then_ready! {
            self, ctx, planned, call, CREATE, &WAITER, &id, "replication group"
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let limit = SCHEMA.timeout(planned, "update");
        let old_n = obj::i32(prior, "num_cache_clusters").unwrap_or(0);
        let new_n = obj::i32(planned, "num_cache_clusters").unwrap_or(old_n);

        // 1. More replicas first (always immediately).
        if new_n > old_n && old_n > 0 {
            WAITER.ready(ctx, &id, limit).await?;
            self.modify_replicas(ctx, &id, (old_n, new_n), limit)
                .await?;
        }

        // 2. The main modification.
        let apply_now = obj::bool(planned, "apply_immediately").unwrap_or(false);
        let modify = ctx
            .elasticache()
            .modify_replication_group()
            .replication_group_id(&id)
            .apply_immediately(apply_now);
        let (mut modify, mut needed) = modify::changed(MODIFY, prior, planned, modify);
        if self.engine_change(&id, prior, planned)? {
            let engine = obj::str(planned, "engine").unwrap_or("redis");
            modify = modify
                .engine(engine)
                .set_engine_version(obj::string(planned, "engine_version"));
            needed = true;
        }
        if let Some(sgs) = modify::changed_list(prior, planned, "security_group_ids") {
            (modify, needed) = (modify.set_security_group_ids(Some(sgs)), true);
        }
        if modify::differs(prior, planned, "user_group_ids") {
            let (old, new) = (
                obj::strings(prior, "user_group_ids"),
                obj::strings(planned, "user_group_ids"),
            );
            let add: Vec<String> = new.iter().filter(|g| !old.contains(g)).cloned().collect();
            let remove: Vec<String> = old.iter().filter(|g| !new.contains(g)).cloned().collect();
            modify = modify
                .set_user_group_ids_to_add((!add.is_empty()).then_some(add))
                .set_user_group_ids_to_remove((!remove.is_empty()).then_some(remove));
            needed = true;
        }
        if let Some(logs) = super::log_delivery::changes(prior, planned) {
            (modify, needed) = (modify.set_log_delivery_configurations(Some(logs)), true);
        }
        if modify::differs(prior, planned, "snapshot_retention_limit") {
            let n = obj::i32(planned, "snapshot_retention_limit").unwrap_or(0);
            // Turning snapshots on needs a member to take them (as terraform-provider-aws).
            let starting = obj::i32(prior, "snapshot_retention_limit").unwrap_or(0) == 0 && n > 0;
            let member = obj::strings(prior, "member_clusters")
                .into_iter()
                .next()
                .filter(|_| starting);
            (modify, needed) = (
                modify
                    .snapshot_retention_limit(n)
                    .set_snapshotting_cluster_id(member),
                true,
            );
        }
        if needed {
            WAITER.ready(ctx, &id, limit).await?;
            match modify
                .send()
                .await
                .during(&format!("modifying replication group {id}"))
            {
                Err(e) if e.message.contains("No modifications were requested") => {}
                done => drop(done?),
            }
            WAITER.ready(ctx, &id, limit).await?;
        }

        // 3. A new AUTH token (always immediately; ROTATE keeps the old one valid until the
        // next rotation, as terraform-provider-aws's default strategy).
        if let Some(token) = obj::string(planned, "auth_token")
            .filter(|_| modify::differs(prior, planned, "auth_token"))
        {
            let call = ctx
                .elasticache()
                .modify_replication_group()
                .replication_group_id(&id)
                .auth_token(token);
            let strategy = obj::str(planned, "auth_token_update_strategy")
                .map_or(AuthTokenUpdateStrategyType::Rotate, Into::into);
            let call = call
                .auth_token_update_strategy(strategy)
                .apply_immediately(true);
            call.send().await.during(&format!(
                "changing the AUTH token of replication group {id}"
            ))?;
            WAITER.ready(ctx, &id, limit).await?;
        }

        // 4. Fewer replicas last.
        if new_n < old_n && new_n > 0 {
            WAITER.ready(ctx, &id, limit).await?;
            self.modify_replicas(ctx, &id, (old_n, new_n), limit)
                .await?;
        }
        lifecycle::tags_then_read_back(self, ctx, Service::ElastiCache, &id, prior, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let busy = |e: &ProviderError| e.is(&["InvalidReplicationGroupState"]);
        let what = format!("replication group {id} to be deletable");
        let call = || async {
            let call = ctx
                .elasticache()
                .delete_replication_group()
                .replication_group_id(&id);
            let call =
                call.set_final_snapshot_identifier(obj::string(prior, "final_snapshot_identifier"));
            call.send()
                .await
                .during(&format!("deleting replication group {id}"))
                .map(drop)
        };
        let taken = lifecycle::delete(ctx, &what, DELETE_RETRY, busy, GONE, call).await?;
        let timeout = SCHEMA.timeout(prior, "delete");
        WAITER.gone_after(taken, ctx, &id, timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::kit::testing::{
        attrs, problems as all, refused, with, BAD_WEEKLY_WINDOWS,
    };

    fn config(pairs: &[(&str, Value)]) -> Value {
        let base = [
            ("replication_group_id", "app-cache".into()),
            ("description", "app cache".into()),
        ];
        with(&base, pairs)
    }

    fn validate(config: &Value) -> Vec<ConfigProblem> {
        all(&ElastiCacheReplicationGroup, config)
    }

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        attrs(validate(&config(pairs)))
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
            let ps = validate(&config(&[
                ("auth_token", Value::from(TOKEN).sensitive()),
                ("transit_encryption_enabled", transit),
            ]));
            assert_eq!(ps.len(), 1);
            assert_eq!(ps[0].attribute, Some("auth_token"));
            assert!(ps[0].message.contains("transit_encryption_enabled"));
        }
        let ps = validate(&config(&[
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
        refused(problems, "maintenance_window", BAD_WEEKLY_WINDOWS);
        refused(problems, "snapshot_window", &["5:00-06:00", "05:00-24:00"]);
        for good in ["7.1", "6.x", "6.2", "5.0.6", "8.0"] {
            assert!(
                problems(&[("engine_version", Value::from(good))]).is_empty(),
                "{good}"
            );
        }
        refused(
            problems,
            "engine_version",
            &["7.x", "7.1.0", "5.0", "redis7"],
        );
        refused(problems, "engine", &["memcached"]);
        refused(problems, "replication_group_id", &["a--b"]);
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
        SCHEMA.modify_plan(Some(&prior), &planned.clone(), &mut planned);
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
