//! `aws_elasticache_cluster`: a Memcached cluster (1-40 nodes) or a single-node Redis or
//! Valkey cache.
//!
//! **State id.** The cluster id, lower-cased as AWS stores it.
//!
//! A batch read is one DescribeCacheClusters with node info for the whole batch (see
//! [`super::elasticache_common::DIRECT_READ_MAX`]), then the tags of the clusters found
//! through `tagging` (the describe answer carries none). After a write, tags are only listed
//! when the plan or the prior state has some.

use super::elasticache_common::{self as common, describe_clusters};
use super::tagging::{self, Service};
use super::Ctx;
use crate::provider::{
    obj, AttrType, Attribute, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_elasticache::types::{AzMode, CacheCluster};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

pub struct ElastiCacheCluster;

const CREATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(80 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(40 * 60);

/// How long DeleteCacheCluster is retried while the cluster is busy.
const DELETE_RETRY: Duration = Duration::from_secs(5 * 60);

const VIRTUAL: &[&str] = &["apply_immediately"];

/// Statuses the "available" waiter keeps waiting through.
const PENDING: &[&str] = &[
    "creating",
    "modifying",
    "snapshotting",
    "rebooting cluster nodes",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An ElastiCache cluster: Memcached, or a single-node Redis or Valkey.")
        .attr(Attribute::string("id").output().describe("The cluster id."))
        .attr(
            Attribute::string("cluster_id")
                .required()
                .force_new()
                .describe("Cluster id (lower-cased, as AWS stores it)."),
        )
        .attr(
            Attribute::string("engine")
                .required()
                .force_new()
                .describe("memcached, redis or valkey."),
        )
        .attr(
            Attribute::string("engine_version")
                .computed()
                .describe("Engine version (X.Y.Z for Memcached)."),
        )
        .attr(
            Attribute::string("engine_version_actual")
                .output()
                .describe("The engine version AWS runs."),
        )
        .attr(
            Attribute::string("node_type")
                .computed()
                .describe("Node type, e.g. cache.t4g.micro."),
        )
        .attr(
            Attribute::number("num_cache_nodes")
                .computed()
                .describe("Number of nodes (1 for Redis and Valkey, 1-40 for Memcached)."),
        )
        .attr(
            Attribute::string("parameter_group_name")
                .computed()
                .describe("Cache parameter group."),
        )
        .attr(
            Attribute::number("port")
                .computed()
                .force_new()
                .describe("Port (11211 for Memcached, 6379 for Redis when unset)."),
        )
        .attr(
            Attribute::string("subnet_group_name")
                .computed()
                .force_new()
                .describe("Cache subnet group."),
        )
        .attr(
            Attribute::string_set("security_group_ids")
                .computed()
                .describe("VPC security groups."),
        )
        .attr(
            Attribute::string("az_mode")
                .computed()
                .describe("single-az or cross-az (Memcached)."),
        )
        .attr(
            Attribute::string("availability_zone")
                .computed()
                .force_new()
                .describe("Availability zone of the first node."),
        )
        .attr(
            Attribute::string("maintenance_window")
                .computed()
                .describe("Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased)."),
        )
        .attr(
            Attribute::number("snapshot_retention_limit")
                .describe("Days to keep automatic snapshots (Redis/Valkey; 0-35)."),
        )
        .attr(
            Attribute::string("snapshot_window")
                .computed()
                .describe("Daily snapshot window, hh24:mi-hh24:mi (Redis/Valkey)."),
        )
        .attr(
            Attribute::bool("auto_minor_version_upgrade")
                .computed()
                .describe("Apply minor engine upgrades in the maintenance window."),
        )
        .attr(
            Attribute::bool("apply_immediately")
                .virtual_()
                .default(false)
                .describe("Apply changes now instead of in the maintenance window."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("The cluster's ARN."),
        )
        .attr(
            Attribute {
                ty: AttrType::List(Box::new(AttrType::Map(Box::new(AttrType::String)))),
                ..Attribute::string("cache_nodes")
            }
            .output()
            .describe("Nodes, by id: {id, address, port, availability_zone}."),
        )
        .attr(
            Attribute::string("configuration_endpoint")
                .output()
                .describe("Configuration endpoint host:port (Memcached)."),
        )
        .attr(
            Attribute::string("cluster_address")
                .output()
                .describe("Configuration endpoint host (Memcached)."),
        )
        .tags()
});

static MEMCACHED_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+\.[0-9]+\.[0-9]+$").unwrap());

static REDIS_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([1-5]\.[0-9]+\.[0-9]+|6\.x|[6-9]\.[0-9]+)$").unwrap());

fn known_str<'a>(config: &'a Value, key: &str) -> Option<&'a str> {
    config.get(key).and_then(Value::as_str)
}

fn state_of(ctx: &Ctx, c: &CacheCluster, tags: &BTreeMap<String, String>) -> Value {
    let id = c.cache_cluster_id().unwrap_or_default();
    let (tags, tags_all) = common::state_values(ctx, tags);
    let engine = c.engine().map(str::to_lowercase);
    let config_endpoint = c.configuration_endpoint();
    let mut nodes: Vec<_> = c.cache_nodes().iter().collect();
    nodes.sort_by_key(|n| n.cache_node_id().unwrap_or_default().to_string());
    let port = config_endpoint.and_then(|e| e.port()).or_else(|| {
        nodes
            .first()
            .and_then(|n| n.endpoint())
            .and_then(|e| e.port())
    });
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", Value::from(id));
    put("cluster_id", Value::from(id));
    put("engine", obj::opt_str(engine.as_deref()));
    put("engine_version", obj::opt_str(c.engine_version()));
    put("engine_version_actual", obj::opt_str(c.engine_version()));
    put("node_type", obj::opt_str(c.cache_node_type()));
    put("num_cache_nodes", obj::opt_i32(c.num_cache_nodes()));
    put(
        "parameter_group_name",
        obj::opt_str(
            c.cache_parameter_group()
                .and_then(|p| p.cache_parameter_group_name()),
        ),
    );
    put("port", obj::opt_i32(port));
    put(
        "subnet_group_name",
        obj::opt_str(c.cache_subnet_group_name()),
    );
    put(
        "security_group_ids",
        obj::set(
            c.security_groups()
                .iter()
                .filter_map(|s| s.security_group_id().map(Value::from)),
        ),
    );
    // AWS answers "Multiple" for nodes spread over zones.
    let az = c.preferred_availability_zone();
    put(
        "az_mode",
        Value::from(if az == Some("Multiple") {
            "cross-az"
        } else {
            "single-az"
        }),
    );
    put(
        "availability_zone",
        obj::opt_str(
            az.filter(|a| *a != "Multiple")
                .or_else(|| nodes.first().and_then(|n| n.customer_availability_zone())),
        ),
    );
    put(
        "maintenance_window",
        obj::opt_str(
            c.preferred_maintenance_window()
                .map(str::to_lowercase)
                .as_deref(),
        ),
    );
    put(
        "snapshot_retention_limit",
        obj::opt_i32(c.snapshot_retention_limit()),
    );
    put("snapshot_window", obj::opt_str(c.snapshot_window()));
    put(
        "auto_minor_version_upgrade",
        obj::opt_bool(c.auto_minor_version_upgrade()),
    );
    for k in VIRTUAL {
        put(k, Value::Null);
    }
    put("arn", obj::opt_str(c.arn()));
    put(
        "cache_nodes",
        Value::List(
            nodes
                .iter()
                .map(|n| {
                    let e = n.endpoint();
                    Value::Map(Map::from([
                        ("id".to_string(), obj::opt_str(n.cache_node_id())),
                        (
                            "address".to_string(),
                            obj::opt_str(e.and_then(|e| e.address())),
                        ),
                        ("port".to_string(), obj::opt_i32(e.and_then(|e| e.port()))),
                        (
                            "availability_zone".to_string(),
                            obj::opt_str(n.customer_availability_zone()),
                        ),
                    ]))
                })
                .collect(),
        ),
    );
    let address = config_endpoint.and_then(|e| e.address());
    put(
        "configuration_endpoint",
        match (address, config_endpoint.and_then(|e| e.port())) {
            (Some(a), Some(p)) => Value::from(format!("{a}:{p}")),
            (a, _) => obj::opt_str(a),
        },
    );
    put("cluster_address", obj::opt_str(address));
    put("tags", tags);
    put("tags_all", tags_all);
    Value::Map(m)
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

fn changed(prior: &Value, planned: &Value, key: &str) -> bool {
    let (a, b) = (prior.get(key), planned.get(key));
    a.map(Value::unmarked).unwrap_or(&Value::Null) != b.map(Value::unmarked).unwrap_or(&Value::Null)
}

impl ElastiCacheCluster {
    async fn describe_one(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<CacheCluster>> {
        Ok(describe_clusters(ctx, &[id.to_string()])
            .await?
            .into_iter()
            .next())
    }

    async fn wait_available(&self, ctx: &Ctx, id: &str, timeout: Duration) -> ProviderResult<()> {
        ctx.wait_until(
            &format!("cache cluster {id} to become available"),
            timeout,
            || async {
                let Some(c) = self.describe_one(ctx, id).await? else {
                    return Err(ProviderError::not_found(format!(
                        "cache cluster {id} not found"
                    )));
                };
                let status = c.cache_cluster_status().unwrap_or_default();
                if status == "available" {
                    Ok(true)
                } else if PENDING.contains(&status) {
                    Ok(false)
                } else {
                    Err(ProviderError::new(format!(
                        "cache cluster {id} is in unexpected status \"{status}\" while waiting for it to become available"
                    )))
                }
            },
        )
        .await
    }

    async fn state_after_write(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: Option<&Value>,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let c = self.describe_one(ctx, id).await?.ok_or_else(|| {
            ProviderError::not_found(format!("cache cluster {id} not found after writing it"))
        })?;
        let with_tags = !common::planned_all(ctx, planned).is_empty()
            || prior.is_some_and(|p| !obj::string_map(p, "tags_all").is_empty());
        let tags = match (with_tags, c.arn()) {
            (true, Some(arn)) => tagging::list(ctx, Service::ElastiCache, arn).await?,
            _ => BTreeMap::new(),
        };
        let mut state = state_of(ctx, &c, &tags);
        obj::keep_from(&mut state, planned, VIRTUAL);
        Ok(state)
    }
}

#[async_trait]
impl ResourceType for ElastiCacheCluster {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_cluster"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if let Some(p) =
            known_str(config, "cluster_id").and_then(|id| common::cache_id_problem(id, 50))
        {
            problems.push(ConfigProblem::new(
                Some("cluster_id"),
                format!("invalid cluster_id: {p}"),
                "use 1 to 50 letters, digits and single hyphens, starting with a letter",
            ));
        }
        let engine = known_str(config, "engine");
        if let Some(e) = engine {
            if !matches!(e, "memcached" | "redis" | "valkey") {
                problems.push(ConfigProblem::new(
                    Some("engine"),
                    format!("engine \"{e}\" is not supported"),
                    "use \"memcached\", \"redis\" or \"valkey\"",
                ));
            }
        }
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
        if let Some(n) = nodes {
            if !(1.0..=40.0).contains(&n) {
                problems.push(ConfigProblem::new(
                    Some("num_cache_nodes"),
                    format!("num_cache_nodes must be between 1 and 40, got {n}"),
                    "",
                ));
            }
        }
        match known_str(config, "az_mode") {
            Some("cross-az") if nodes == Some(1.0) => problems.push(ConfigProblem::new(
                Some("az_mode"),
                "az_mode \"cross-az\" needs more than one node",
                "set num_cache_nodes above 1, or az_mode = \"single-az\"",
            )),
            Some(m) if !matches!(m, "single-az" | "cross-az") => problems.push(ConfigProblem::new(
                Some("az_mode"),
                format!("invalid az_mode \"{m}\""),
                "use \"single-az\" or \"cross-az\"",
            )),
            _ => {}
        }
        if let Some(v) = known_str(config, "engine_version") {
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
        if let Some(w) = known_str(config, "maintenance_window") {
            if !common::maintenance_window_ok(w) {
                problems.push(ConfigProblem::new(
                    Some("maintenance_window"),
                    format!("invalid maintenance_window \"{w}\""),
                    "use the format ddd:hh24:mi-ddd:hh24:mi, e.g. \"sun:05:00-sun:06:00\" (UTC)",
                ));
            }
        }
        if let Some(w) = known_str(config, "snapshot_window") {
            if !common::snapshot_window_ok(w) {
                problems.push(ConfigProblem::new(
                    Some("snapshot_window"),
                    format!("invalid snapshot_window \"{w}\""),
                    "use the format hh24:mi-hh24:mi, e.g. \"03:00-04:00\" (UTC)",
                ));
            }
        }
        problems
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        common::lower_case(planned, &["cluster_id", "maintenance_window"]);
        if let Value::Map(m) = planned {
            if let Some(id) = m.get("cluster_id").filter(|v| v.is_known()).cloned() {
                m.insert("id".into(), id);
            }
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let mut out = BTreeMap::new();
        let clusters = describe_clusters(ctx, ids).await?;
        for (c, tags) in
            tagging::with_tags(ctx, Service::ElastiCache, clusters, |c| c.arn()).await?
        {
            let id = c.cache_cluster_id().unwrap_or_default().to_string();
            out.insert(id, state_of(ctx, &c, &tags));
        }
        Ok(out)
    }

    async fn wait_usable(&self, ctx: &Ctx, found: &Value) -> ProviderResult<()> {
        match obj::string(found, "id") {
            Some(id) => self.wait_available(ctx, &id, CREATE_TIMEOUT).await,
            None => Ok(()),
        }
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = obj::str(planned, "cluster_id")
            .map(str::to_lowercase)
            .ok_or_else(|| {
                ProviderError::new("aws_elasticache_cluster: the cluster_id is not known")
            })?;
        let sgs = obj::strings(planned, "security_group_ids");
        ctx.elasticache()
            .create_cache_cluster()
            .cache_cluster_id(&id)
            .set_engine(obj::string(planned, "engine"))
            .set_engine_version(obj::string(planned, "engine_version"))
            .set_cache_node_type(obj::string(planned, "node_type"))
            .set_num_cache_nodes(obj::i32(planned, "num_cache_nodes"))
            .set_cache_parameter_group_name(obj::string(planned, "parameter_group_name"))
            .set_port(obj::i32(planned, "port").filter(|p| *p > 0))
            .set_cache_subnet_group_name(obj::string(planned, "subnet_group_name"))
            .set_security_group_ids((!sgs.is_empty()).then_some(sgs))
            .set_az_mode(obj::str(planned, "az_mode").map(AzMode::from))
            .set_preferred_availability_zone(obj::string(planned, "availability_zone"))
            .set_preferred_maintenance_window(
                obj::str(planned, "maintenance_window").map(str::to_lowercase),
            )
            .set_snapshot_retention_limit(obj::i32(planned, "snapshot_retention_limit"))
            .set_snapshot_window(obj::string(planned, "snapshot_window"))
            .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"))
            .set_tags(common::create_tags(ctx, planned))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating cache cluster {id}"), e))?;
        self.wait_available(ctx, &id, CREATE_TIMEOUT).await?;
        self.state_after_write(ctx, &id, None, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_elasticache_cluster: prior state has no id"))?;
        let ch = |k: &str| changed(prior, planned, k);
        let mut modify = ctx
            .elasticache()
            .modify_cache_cluster()
            .cache_cluster_id(&id)
            .apply_immediately(obj::bool(planned, "apply_immediately").unwrap_or(false));
        let mut needed = false;
        if ch("num_cache_nodes") {
            let old = obj::i32(prior, "num_cache_nodes").unwrap_or(1);
            let new = obj::i32(planned, "num_cache_nodes").unwrap_or(old);
            modify = modify.num_cache_nodes(new);
            // Fewer nodes: the highest node ids go, as terraform-provider-aws does it.
            if new < old {
                modify = modify.set_cache_node_ids_to_remove(Some(
                    (new + 1..=old).rev().map(|n| format!("{n:04}")).collect(),
                ));
            }
            needed = true;
        }
        if ch("node_type") {
            modify = modify.set_cache_node_type(obj::string(planned, "node_type"));
            needed = true;
        }
        if ch("engine_version") {
            modify = modify.set_engine_version(obj::string(planned, "engine_version"));
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
        if ch("az_mode") {
            modify = modify.set_az_mode(
                obj::str(planned, "az_mode").map(aws_sdk_elasticache::types::AzMode::from),
            );
            needed = true;
        }
        if ch("maintenance_window") {
            modify = modify.set_preferred_maintenance_window(
                obj::str(planned, "maintenance_window").map(str::to_lowercase),
            );
            needed = true;
        }
        if ch("snapshot_retention_limit") {
            modify = modify.snapshot_retention_limit(
                obj::i32(planned, "snapshot_retention_limit").unwrap_or(0),
            );
            needed = true;
        }
        if ch("snapshot_window") {
            modify = modify.set_snapshot_window(obj::string(planned, "snapshot_window"));
            needed = true;
        }
        if ch("auto_minor_version_upgrade") {
            modify = modify
                .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"));
            needed = true;
        }
        if needed {
            modify
                .send()
                .await
                .map_err(|e| ProviderError::sdk(&format!("modifying cache cluster {id}"), e))?;
            self.wait_available(ctx, &id, UPDATE_TIMEOUT).await?;
        }
        common::update_from_plan(
            ctx,
            obj::str(prior, "arn"),
            &format!("cache cluster {id}"),
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
            .ok_or_else(|| ProviderError::new("the cache cluster found has no id"))?;
        self.wait_available(ctx, &id, CREATE_TIMEOUT).await?;
        self.state_after_write(ctx, &id, None, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_elasticache_cluster: prior state has no id"))?;
        let start = Instant::now();
        loop {
            match ctx
                .elasticache()
                .delete_cache_cluster()
                .cache_cluster_id(&id)
                .send()
                .await
            {
                Ok(_) => break,
                Err(e) if code(&e).0 == Some("CacheClusterNotFound") => return Ok(()),
                Err(e)
                    if code(&e).0 == Some("InvalidCacheClusterState")
                        && !code(&e).1.contains("serving as primary")
                        && !code(&e).1.contains("only member of a replication group")
                        && start.elapsed() < DELETE_RETRY =>
                {
                    ctx.pause(&format!("cache cluster {id} to be deletable"))
                        .await?
                }
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("deleting cache cluster {id}"),
                        e,
                    ))
                }
            }
        }
        ctx.wait_until(
            &format!("cache cluster {id} to be deleted"),
            DELETE_TIMEOUT,
            || async { Ok(self.describe_one(ctx, &id).await?.is_none()) },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        let mut m = Map::new();
        m.insert("cluster_id".into(), Value::from("sessions"));
        m.insert("engine".into(), Value::from("memcached"));
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        ElastiCacheCluster
            .validate(&Value::Map(m))
            .into_iter()
            .map(|p| p.attribute)
            .collect()
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
        assert_eq!(
            problems(&[("engine_version", Value::from("1.6"))]),
            [Some("engine_version")]
        );
        assert_eq!(
            problems(&[("maintenance_window", Value::from("sun:05:00"))]),
            [Some("maintenance_window")]
        );
        assert_eq!(
            problems(&[("snapshot_window", Value::from("5-6"))]),
            [Some("snapshot_window")]
        );
        assert_eq!(
            problems(&[("cluster_id", Value::from("a--b"))]),
            [Some("cluster_id")]
        );
        assert_eq!(
            problems(&[("engine", Value::from("mysql"))]),
            [Some("engine")]
        );
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
        ElastiCacheCluster.customize_plan(None, &mut planned);
        assert_eq!(obj::str(&planned, "id"), Some("sessions"));
        assert_eq!(
            obj::str(&planned, "maintenance_window"),
            Some("sun:05:00-sun:06:00")
        );
    }
}
