//! `aws_elasticache_cluster`: a Memcached cluster (1-40 nodes) or a single-node Redis or
//! Valkey cache. The state `id` is the cluster id, lower-cased as AWS stores it.
//!
//! A batch read is one DescribeCacheClusters with node info for the whole batch (see
//! `describe_cache_clusters`), then the tags of the clusters found through `tagging` (the describe
//! answer carries none). After a write, tags are only listed when the plan or the prior
//! state has some.

use super::{cache_id_problem, describe_cache_clusters, or_empty};
use crate::provider::aws::kit::prelude::*;
use crate::provider::aws::kit::{DAILY_WINDOW, WEEKLY_WINDOW};
use aws_sdk_elasticache::operation::create_cache_cluster::builders::CreateCacheClusterFluentBuilder as Create;
use aws_sdk_elasticache::operation::modify_cache_cluster::builders::ModifyCacheClusterFluentBuilder as Modify;
use aws_sdk_elasticache::types::{AzMode, CacheCluster};
use regex::Regex;

pub struct ElastiCacheCluster;
pub static ELASTICACHE_CLUSTER: ElastiCacheCluster = ElastiCacheCluster;

/// How long DeleteCacheCluster is retried while the cluster is busy.
const DELETE_RETRY: Duration = Duration::from_secs(5 * 60);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An ElastiCache cluster: Memcached, or a single-node Redis or Valkey.";
        regional;
        id                       string     output                         "The cluster id.";
        cluster_id               string     required force_new lowercase check(|v| cache_id_problem(v.as_str()?, 50)) "Cluster id (lower-cased, as AWS stores it).";
        engine                   string     required force_new one_of(&["memcached", "redis", "valkey"]) "memcached, redis or valkey.";
        engine_version           string     computed                       "Engine version (X.Y.Z for Memcached).";
        engine_version_actual    string     output                         "The engine version AWS runs.";
        node_type                string     computed                       "Node type, e.g. cache.t4g.micro.";
        num_cache_nodes          number     computed range(1.0, 40.0)      "Number of nodes (1 for Redis and Valkey, 1-40 for Memcached).";
        parameter_group_name     string     computed                       "Cache parameter group.";
        port                     number     computed force_new             "Port (11211 for Memcached, 6379 for Redis when unset).";
        subnet_group_name        string     computed force_new             "Cache subnet group.";
        security_group_ids       string_set computed                       "VPC security groups.";
        az_mode                  string     computed one_of(&["single-az", "cross-az"]) "single-az or cross-az (Memcached).";
        availability_zone        string     computed force_new             "Availability zone of the first node.";
        maintenance_window       string     computed lowercase regex(&or_empty(WEEKLY_WINDOW), "a weekly window ddd:hh24:mi-ddd:hh24:mi (UTC)") "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased).";
        snapshot_retention_limit number                                    "Days to keep automatic snapshots (Redis/Valkey; 0-35).";
        snapshot_window          string     computed regex(&or_empty(DAILY_WINDOW), "a daily window hh24:mi-hh24:mi (UTC)") "Daily snapshot window, hh24:mi-hh24:mi (Redis/Valkey).";
        auto_minor_version_upgrade bool     computed                       "Apply minor engine upgrades in the maintenance window.";
        apply_immediately        bool       virtual_ default(false)        "Apply changes now instead of in the maintenance window.";
        arn                      string     output                         "The cluster's ARN.";
        cache_nodes              map_list   output                         "Nodes, by id: {id, address, port, availability_zone}.";
        configuration_endpoint   string     output                         "Configuration endpoint host:port (Memcached).";
        cluster_address          string     output                         "Configuration endpoint host (Memcached).";
        tags;
        id_from cluster_id;
        timeouts create(40) update(80) delete(40);
    }
});

static MEMCACHED_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+\.[0-9]+\.[0-9]+$").unwrap());

static REDIS_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([1-5]\.[0-9]+\.[0-9]+|6\.x|[6-9]\.[0-9]+)$").unwrap());

/// The arguments of the create call.
const CREATE: Table<Create> = setters! {
    "engine" => set_engine(string),
    "engine_version" => set_engine_version(string),
    "node_type" => set_cache_node_type(string),
    "num_cache_nodes" => set_num_cache_nodes(i32),
    "parameter_group_name" => set_cache_parameter_group_name(string),
    "port" => |b, p| b.set_port(obj::i32(p, "port").filter(|p| *p > 0)),
    "subnet_group_name" => set_cache_subnet_group_name(string),
    "security_group_ids" => set_security_group_ids(some_strings),
    "az_mode" => |b, p| b.set_az_mode(obj::str(p, "az_mode").map(AzMode::from)),
    "availability_zone" => set_preferred_availability_zone(string),
    "maintenance_window" => set_preferred_maintenance_window(lower),
    "snapshot_retention_limit" => set_snapshot_retention_limit(i32),
    "snapshot_window" => set_snapshot_window(string),
    "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
};

const MODIFY: Table<Modify> = setters! {
    "node_type" => set_cache_node_type(string),
    "engine_version" => set_engine_version(string),
    "parameter_group_name" => set_cache_parameter_group_name(string),
    "az_mode" => |b, p| b.set_az_mode(obj::str(p, "az_mode").map(AzMode::from)),
    "maintenance_window" => set_preferred_maintenance_window(lower),
    "snapshot_retention_limit" => |b, p| b.snapshot_retention_limit(obj::i32(p, "snapshot_retention_limit").unwrap_or(0)),
    "snapshot_window" => set_snapshot_window(string),
    "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
};

static WAITER: Waiter = Waiter {
    noun: "cache cluster",
    key: "aws_elasticache_cluster/status",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let clusters = describe_cache_clusters(&ctx, &ids).await?;
            let status = |c: &CacheCluster| wait::status_value(c.cache_cluster_status(), false);
            Ok(clusters
                .iter()
                .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), status(c))))
                .collect())
        })
    },
    pending: &[
        "creating",
        "modifying",
        "snapshotting",
        "rebooting cluster nodes",
    ],
    ready: &["available"],
};

fn state_of(ctx: &Ctx, c: &CacheCluster, tags: tags::Tags) -> Value {
    let id = c.cache_cluster_id();
    let config_endpoint = c.configuration_endpoint();
    let mut nodes: Vec<_> = c.cache_nodes().iter().collect();
    nodes.sort_by_key(|n| n.cache_node_id().unwrap_or_default().to_string());
    let first_port = nodes
        .first()
        .and_then(|n| n.endpoint())
        .and_then(|e| e.port());
    // AWS answers "Multiple" for nodes spread over zones.
    let az = c.preferred_availability_zone();
    let first_az = nodes.first().and_then(|n| n.customer_availability_zone());
    let address = config_endpoint.and_then(|e| e.address());
    let node = |n: &&aws_sdk_elasticache::types::CacheNode| {
        let e = n.endpoint();
        Value::Map(object! {
            "id" => n.cache_node_id(),
            "address" => e.and_then(|e| e.address()),
            "port" => e.and_then(|e| e.port()),
            "availability_zone" => n.customer_availability_zone(),
        })
    };
    let mut m = object! {
        "id" => id,
        "cluster_id" => id,
        "engine" => c.engine().map(str::to_lowercase),
        "engine_version" => c.engine_version(),
        "engine_version_actual" => c.engine_version(),
        "node_type" => c.cache_node_type(),
        "num_cache_nodes" => c.num_cache_nodes(),
        "parameter_group_name" => c.cache_parameter_group().and_then(|p| p.cache_parameter_group_name()),
        "port" => config_endpoint.and_then(|e| e.port()).or(first_port),
        "subnet_group_name" => c.cache_subnet_group_name(),
        "security_group_ids" => state::strings(c.security_groups(), |s| s.security_group_id()),
        "az_mode" => if az == Some("Multiple") { "cross-az" } else { "single-az" },
        "availability_zone" => az.filter(|a| *a != "Multiple").or(first_az),
        "maintenance_window" => c.preferred_maintenance_window().map(str::to_lowercase),
        "snapshot_retention_limit" => c.snapshot_retention_limit(),
        "snapshot_window" => c.snapshot_window(),
        "auto_minor_version_upgrade" => c.auto_minor_version_upgrade(),
        "arn" => c.arn(),
        "cache_nodes" => Value::List(nodes.iter().map(node).collect()),
        "configuration_endpoint" => state::endpoint(address, config_endpoint.and_then(|e| e.port())),
        "cluster_address" => address,
    };
    tags::put(ctx, &mut m, tags);
    state::complete(&SCHEMA, m)
}

#[async_trait]
impl ResourceType for ElastiCacheCluster {
    named!("aws_elasticache_cluster", SCHEMA, WAITER);

    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let Written { id, prior, planned } = written;
        let c = describe_cache_clusters(ctx, &[id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::not_found(format!("cache cluster {id} not found after writing it"))
            })?;
        let tags = match (tags::expected(ctx, prior, planned), c.arn()) {
            (true, Some(arn)) => tagging::list(ctx, tagging::Service::ElastiCache, arn).await?,
            _ => BTreeMap::new(),
        };
        Ok(state::with_virtual(
            &SCHEMA,
            state_of(ctx, &c, tags),
            planned,
        ))
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let engine = config.get("engine").and_then(Value::as_str);
        let nodes = config.get("num_cache_nodes").and_then(Value::as_f64);
        if let (Some(e @ ("redis" | "valkey")), Some(n)) = (engine, nodes) {
            if n != 1.0 {
                problems.push(ConfigProblem::new(
                    Some("num_cache_nodes"),
                    format!("a {e} cluster has exactly one node, got num_cache_nodes = {n}"),
                    "use aws_elasticache_replication_group for replicas",
                ));
            }
        }
        if config.get("az_mode").and_then(Value::as_str) == Some("cross-az") && nodes == Some(1.0) {
            problems.push(ConfigProblem::new(
                Some("az_mode"),
                "az_mode \"cross-az\" needs more than one node",
                "set num_cache_nodes above 1, or az_mode = \"single-az\"",
            ));
        }
        if let Some(v) = config.get("engine_version").and_then(Value::as_str) {
            let ok = match engine {
                Some("memcached") | None => MEMCACHED_VERSION.is_match(v),
                _ => REDIS_VERSION.is_match(v),
            };
            if !ok {
                problems.push(ConfigProblem::new(
                    Some("engine_version"),
                    format!("invalid engine_version \"{v}\""),
                    "Memcached versions are X.Y.Z (e.g. \"1.6.22\"); Redis 6+ and Valkey take major.minor (e.g. \"7.1\")",
                ));
            }
        }
        problems
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let clusters = describe_cache_clusters(ctx, ids).await?;
        let found = tagging::with_tags(
            ctx,
            tagging::Service::ElastiCache,
            clusters,
            CacheCluster::arn,
        )
        .await?;
        let state = |(c, tags): (CacheCluster, _)| state_of(ctx, &c, tags);
        Ok(state::by_id(found, |(c, _)| c.cache_cluster_id(), state))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = state::required(planned, "cluster_id", self.type_name())?.to_lowercase();
        let call = ctx
            .elasticache()
            .create_cache_cluster()
            .cache_cluster_id(&id);
        lifecycle::create_then_ready! {
            self, ctx, planned, call, CREATE, &WAITER, &id, "cache cluster"
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let apply_now = obj::bool(planned, "apply_immediately").unwrap_or(false);
        let modify = ctx
            .elasticache()
            .modify_cache_cluster()
            .cache_cluster_id(&id)
            .apply_immediately(apply_now);
        let (mut modify, mut needed) = modify::changed(MODIFY, prior, planned, modify);
        if modify::differs(prior, planned, "num_cache_nodes") {
            let old = obj::i32(prior, "num_cache_nodes").unwrap_or(1);
            let new = obj::i32(planned, "num_cache_nodes").unwrap_or(old);
            // Fewer nodes: the highest node ids go, as terraform-provider-aws does it.
            let gone = (new + 1..=old).rev().map(|n| format!("{n:04}"));
            modify = modify
                .num_cache_nodes(new)
                .set_cache_node_ids_to_remove((new < old).then(|| gone.collect()));
            needed = true;
        }
        if let Some(sgs) = modify::changed_list(prior, planned, "security_group_ids") {
            (modify, needed) = (modify.set_security_group_ids(Some(sgs)), true);
        }
        let modified = (modify, needed);
        lifecycle::modify_then_settle! {
            self, ctx, Service::ElastiCache, &id, prior, planned,
            modified, WAITER, false, "cache cluster"
        }
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        // Busy (modifying, snapshotting) for a while: retry. The primary of a replication
        // group never stops being one by waiting.
        let busy = |e: &ProviderError| {
            e.is(&["InvalidCacheClusterState"])
                && !e.message.contains("serving as primary")
                && !e.message.contains("only member of a replication group")
        };
        let what = format!("cache cluster {id} to be deletable");
        let call = || async {
            let call = ctx
                .elasticache()
                .delete_cache_cluster()
                .cache_cluster_id(&id);
            call.send()
                .await
                .during(&format!("deleting cache cluster {id}"))
                .map(drop)
        };
        let gone = &["CacheClusterNotFound"];
        let taken = lifecycle::delete(ctx, &what, DELETE_RETRY, busy, gone, call).await?;
        let timeout = SCHEMA.timeout(prior, "delete");
        WAITER.gone_after(taken, ctx, &id, timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::kit::testing::{attrs, problems as all, refused, with};

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        let base = [
            ("cluster_id", "sessions".into()),
            ("engine", "memcached".into()),
        ];
        attrs(all(&ElastiCacheCluster, &with(&base, pairs)))
    }

    #[test]
    fn validation_rules() {
        assert!(problems(&[
            ("num_cache_nodes", Value::from(2)),
            ("az_mode", Value::from("cross-az")),
            ("engine_version", Value::from("1.6.22")),
            ("maintenance_window", Value::from("Sun:05:00-sun:06:00")),
        ])
        .is_empty());
        assert_eq!(
            problems(&[
                ("engine", Value::from("redis")),
                ("num_cache_nodes", Value::from(2))
            ]),
            [Some("num_cache_nodes")]
        );
        assert_eq!(
            problems(&[
                ("num_cache_nodes", Value::from(1)),
                ("az_mode", Value::from("cross-az"))
            ]),
            [Some("az_mode")]
        );
        refused(problems, "engine_version", &["1.6"]);
        refused(problems, "maintenance_window", &["sun:05:00"]);
        refused(problems, "snapshot_window", &["5-6"]);
        refused(problems, "cluster_id", &["a--b"]);
        refused(problems, "engine", &["mysql"]);
    }

    #[test]
    fn ids_and_windows_are_lower_cased() {
        let mut planned = Value::Map(Map::from([
            ("cluster_id".to_string(), Value::from("Sessions")),
            (
                "maintenance_window".to_string(),
                Value::from("SUN:05:00-SUN:06:00"),
            ),
        ]));
        SCHEMA.modify_plan(None, &planned.clone(), &mut planned);
        assert_eq!(obj::str(&planned, "id"), Some("sessions"));
        assert_eq!(
            obj::str(&planned, "maintenance_window"),
            Some("sun:05:00-sun:06:00")
        );
    }
}
