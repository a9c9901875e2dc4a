//! `aws_rds_cluster`: an Aurora DB cluster (aurora-mysql, aurora-postgresql). Its instances
//! are `aws_rds_cluster_instance` resources.
//!
//! **State id.** The cluster identifier, as in terraform-provider-aws.
//!
//! **Virtual arguments.** `master_password`, `apply_immediately`, `skip_final_snapshot`,
//! `final_snapshot_identifier`, `delete_automated_backups` and `allow_major_version_upgrade`
//! are never returned by AWS: `read` answers null for them, `create`/`update` copy them from
//! the planned object, `import` sets `skip_final_snapshot` and `delete_automated_backups`.
//!
//! **Engine versions.** A configured `engine_version` that is a dotted prefix of the running
//! one, or not newer than it (AWS upgraded the cluster), plans no change; the version AWS runs
//! is `engine_version_actual`. A configured version newer than the running one is re-sent with
//! every Modify, so a deferred upgrade is not lost.
//!
//! **Availability zones.** AWS spreads a cluster's storage over three AZs whatever is asked
//! for: an unconfigured list, or a configured one AWS's list contains, is no change.
//!
//! The master password never appears in a log line or an error message.

use super::db_instance::{
    changed, engine_version_matches, known_null, known_str, sdk_code, snapshot_identifier_problem,
    state_engine_version, BACKUP_WINDOW, MAINTENANCE_WINDOW,
};
use super::naming::{self, identifier_problem, unique_name};
use super::{rds_tags, Ctx};
use crate::provider::{
    obj, Attribute, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_rds::types::{DbCluster as SdkCluster, Filter};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

pub struct RdsCluster;

/// Prefix of generated cluster (and cluster instance) identifiers.
pub const CLUSTER_PREFIX: &str = "tf-";

const TIMEOUT: Duration = Duration::from_secs(120 * 60);

/// DescribeDBClusters accepts at most 100 values in one filter.
const READ_BATCH: usize = 100;

const VIRTUAL: &[&str] = &[
    "master_password",
    "apply_immediately",
    "skip_final_snapshot",
    "final_snapshot_identifier",
    "delete_automated_backups",
    "allow_major_version_upgrade",
];

/// Statuses the "available" waiter keeps waiting through.
const PENDING: &[&str] = &[
    "backing-up",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "creating",
    "migrating",
    "modifying",
    "preparing-data-migration",
    "rebooting",
    "renaming",
    "resetting-master-credentials",
    "scaling-compute",
    "scaling-storage",
    "upgrading",
];

/// The provider's validator: Aurora, the Multi-AZ DB cluster engines, and RDS Custom.
const ENGINES: &[&str] = &["aurora-mysql", "aurora-postgresql", "mysql", "postgres"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An Aurora DB cluster (aurora-mysql, aurora-postgresql).")
        .attr(
            Attribute::string("id")
                .output()
                .describe("The cluster identifier."),
        )
        .attr(
            Attribute::string("cluster_identifier")
                .computed()
                .force_new()
                .describe("Cluster identifier; generated (`tf-…`) when not set."),
        )
        .attr(
            Attribute::string("cluster_identifier_prefix")
                .computed()
                .force_new()
                .describe("Creates a unique identifier beginning with this prefix."),
        )
        .attr(
            Attribute::string("engine")
                .required()
                .force_new()
                .describe("aurora-mysql or aurora-postgresql."),
        )
        .attr(Attribute::string("engine_version").computed().describe(
            "Engine version; a prefix or an older version of the running one is no change.",
        ))
        .attr(
            Attribute::string("engine_version_actual")
                .output()
                .describe("The engine version AWS runs."),
        )
        .attr(
            Attribute::string("database_name")
                .computed()
                .force_new()
                .describe("Name of the database created with the cluster."),
        )
        .attr(
            Attribute::string("master_username")
                .computed()
                .force_new()
                .describe("Master user name."),
        )
        .attr(
            Attribute::string("master_password")
                .sensitive()
                .virtual_()
                .describe("Master password; never returned by AWS."),
        )
        .attr(
            Attribute::bool("manage_master_user_password")
                .computed()
                .describe("Let RDS keep the master password in Secrets Manager."),
        )
        .attr(
            Attribute::bool("storage_encrypted")
                .computed()
                .force_new()
                .describe("Encrypt the cluster's storage."),
        )
        .attr(
            Attribute::string("kms_key_id")
                .computed()
                .force_new()
                .describe("ARN of the KMS key for storage encryption."),
        )
        .attr(
            Attribute::number("backup_retention_period")
                .default(1)
                .describe("Days to keep automated backups (1-35)."),
        )
        .attr(
            Attribute::string("preferred_backup_window")
                .computed()
                .describe("Daily backup window, hh24:mi-hh24:mi (UTC)."),
        )
        .attr(
            Attribute::string("preferred_maintenance_window")
                .computed()
                .describe("Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased)."),
        )
        .attr(
            Attribute::number("port")
                .computed()
                .describe("Database port."),
        )
        .attr(
            Attribute::bool("deletion_protection")
                .default(false)
                .describe("Refuse deletes while true."),
        )
        .attr(
            Attribute::bool("skip_final_snapshot")
                .virtual_()
                .default(false)
                .describe("Delete without a final snapshot."),
        )
        .attr(
            Attribute::string("final_snapshot_identifier")
                .virtual_()
                .describe("Name of the cluster snapshot taken on delete."),
        )
        .attr(
            Attribute::bool("delete_automated_backups")
                .virtual_()
                .default(true)
                .describe("Remove automated backups on delete."),
        )
        .attr(
            Attribute::bool("apply_immediately")
                .virtual_()
                .default(false)
                .describe("Apply changes now instead of in the maintenance window."),
        )
        .attr(
            Attribute::bool("allow_major_version_upgrade")
                .virtual_()
                .describe("Allow engine_version changes across major versions."),
        )
        .attr(
            Attribute::string_set("vpc_security_group_ids")
                .computed()
                .describe("VPC security groups of the cluster."),
        )
        .attr(
            Attribute::string("db_subnet_group_name")
                .computed()
                .force_new()
                .describe("DB subnet group to place the cluster in."),
        )
        .attr(
            Attribute::string("db_cluster_parameter_group_name")
                .computed()
                .describe("DB cluster parameter group."),
        )
        .attr(
            Attribute::string_set("availability_zones")
                .computed()
                .force_new()
                .describe("AZs for the cluster's storage (AWS uses three)."),
        )
        .attr(
            Attribute::bool("copy_tags_to_snapshot")
                .default(false)
                .describe("Copy the cluster's tags to its snapshots."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("ARN of the cluster."),
        )
        .attr(
            Attribute::string("endpoint")
                .output()
                .describe("Writer endpoint (host name)."),
        )
        .attr(
            Attribute::string("reader_endpoint")
                .output()
                .describe("Load-balanced reader endpoint (host name)."),
        )
        .attr(
            Attribute::string("cluster_resource_id")
                .output()
                .describe("The cluster's resource id (cluster-…)."),
        )
        .attr(
            Attribute::string("hosted_zone_id")
                .output()
                .describe("Route 53 zone of the endpoints."),
        )
        .tags()
});

// ----------------------------------------------------------------------------------------
// Pure rules (unit tested)
// ----------------------------------------------------------------------------------------

/// Compares engine versions numerically, part by part: `3.9 < 3.10`, and Aurora strings such
/// as `8.0.mysql_aurora.3.10.0`. Parts are split on `.`, `_` and `-`; numbers compare as
/// numbers, other parts as text; a version that is a prefix of another is older.
pub fn compare_engine_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<String> {
        s.split(['.', '_', '-'])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    pa.len().cmp(&pb.len())
}

/// A configured cluster version plans no change against the running one when it is a dotted
/// prefix of it, or not newer.
pub fn cluster_version_suppressed(configured: &str, actual: &str) -> bool {
    engine_version_matches(configured, actual)
        || compare_engine_versions(configured, actual) != Ordering::Greater
}

// ----------------------------------------------------------------------------------------
// AWS ↔ state
// ----------------------------------------------------------------------------------------

fn state_of(ctx: &Ctx, c: &SdkCluster) -> Value {
    let id = c.db_cluster_identifier().unwrap_or_default();
    let (tags, tags_all) = rds_tags::state_values(ctx, &rds_tags::from_sdk(c.tag_list()));
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", Value::from(id));
    put("cluster_identifier", Value::from(id));
    put(
        "cluster_identifier_prefix",
        obj::opt_str(naming::prefix_from_name(id)),
    );
    put(
        "engine",
        obj::opt_str(c.engine().map(str::to_lowercase).as_deref()),
    );
    put("engine_version", obj::opt_str(c.engine_version()));
    put("engine_version_actual", obj::opt_str(c.engine_version()));
    put("database_name", obj::opt_str(c.database_name()));
    put("master_username", obj::opt_str(c.master_username()));
    put(
        "manage_master_user_password",
        Value::Bool(c.master_user_secret().is_some()),
    );
    put(
        "storage_encrypted",
        Value::Bool(c.storage_encrypted().unwrap_or(false)),
    );
    put("kms_key_id", obj::opt_str(c.kms_key_id()));
    put(
        "backup_retention_period",
        obj::opt_i32(c.backup_retention_period()),
    );
    put(
        "preferred_backup_window",
        obj::opt_str(c.preferred_backup_window()),
    );
    put(
        "preferred_maintenance_window",
        obj::opt_str(
            c.preferred_maintenance_window()
                .map(str::to_lowercase)
                .as_deref(),
        ),
    );
    put("port", obj::opt_i32(c.port()));
    put(
        "deletion_protection",
        Value::Bool(c.deletion_protection().unwrap_or(false)),
    );
    for k in VIRTUAL {
        put(k, Value::Null);
    }
    put(
        "vpc_security_group_ids",
        obj::set(
            c.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(Value::from)),
        ),
    );
    put("db_subnet_group_name", obj::opt_str(c.db_subnet_group()));
    put(
        "db_cluster_parameter_group_name",
        obj::opt_str(c.db_cluster_parameter_group()),
    );
    put(
        "availability_zones",
        obj::set(
            c.availability_zones()
                .iter()
                .map(|z| Value::from(z.as_str())),
        ),
    );
    put(
        "copy_tags_to_snapshot",
        Value::Bool(c.copy_tags_to_snapshot().unwrap_or(false)),
    );
    put("arn", obj::opt_str(c.db_cluster_arn()));
    put("endpoint", obj::opt_str(c.endpoint()));
    put("reader_endpoint", obj::opt_str(c.reader_endpoint()));
    put(
        "cluster_resource_id",
        obj::opt_str(c.db_cluster_resource_id()),
    );
    put("hosted_zone_id", obj::opt_str(c.hosted_zone_id()));
    put("tags", tags);
    put("tags_all", tags_all);
    Value::Map(m)
}

/// Completes a state read back after create/update with what only the plan knows.
fn finish_state(mut state: Value, planned: &Value, pending_version: Option<&str>) -> Value {
    obj::keep_from(&mut state, planned, VIRTUAL);
    let configured = obj::str(planned, "engine_version");
    let actual = obj::string(&state, "engine_version_actual");
    let version = match (configured, actual.as_deref()) {
        (Some(c), Some(a)) if cluster_version_suppressed(c, a) => Some(c.to_string()),
        (c, a) => state_engine_version(c, a, pending_version),
    };
    if let Value::Map(m) = &mut state {
        m.insert("engine_version".into(), obj::opt_str(version.as_deref()));
        // A configured subset of the AZs AWS chose is what was asked for.
        if let (Some(cfg), Some(Value::List(actual))) = (
            planned.get("availability_zones").and_then(Value::as_list),
            m.get("availability_zones"),
        ) {
            if !cfg.is_empty() && cfg.iter().all(|z| actual.contains(z)) {
                let kept = Value::List(actual.clone());
                m.insert("availability_zones".into(), kept);
            }
        }
    }
    state
}

impl RdsCluster {
    /// DescribeDBClusters, filtered by identifier, ≤100 per call, all pages.
    pub(super) async fn describe(
        &self,
        ctx: &Ctx,
        ids: &[String],
    ) -> ProviderResult<Vec<SdkCluster>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(READ_BATCH) {
            let mut pages = ctx
                .rds()
                .describe_db_clusters()
                .filters(
                    Filter::builder()
                        .name("db-cluster-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| ProviderError::sdk("describing DB clusters", e))?;
                out.extend(page.db_clusters.unwrap_or_default());
            }
        }
        Ok(out)
    }

    async fn describe_one(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<SdkCluster>> {
        Ok(self
            .describe(ctx, &[id.to_string()])
            .await?
            .into_iter()
            .find(|c| c.db_cluster_identifier() == Some(id)))
    }

    async fn wait_available(
        &self,
        ctx: &Ctx,
        id: &str,
        pending_values: bool,
    ) -> ProviderResult<()> {
        // The status and the pending changes, batched with every other cluster waiting.
        let fetch: super::poller::Fetch = std::sync::Arc::new(|ctx, ids| {
            Box::pin(async move {
                let clusters = super::RDS_CLUSTER.describe(&ctx, &ids).await?;
                Ok(clusters
                    .iter()
                    .filter_map(|c| {
                        // With apply_immediately, changes still pending are not applied yet.
                        let pending = c.pending_modified_values().is_some_and(|p| {
                            p.engine_version().is_some()
                                || p.master_user_password().is_some()
                                || p.db_cluster_identifier().is_some()
                                || p.backup_retention_period().is_some()
                        });
                        Some((
                            c.db_cluster_identifier()?.to_string(),
                            super::poller::status_value(c.status(), pending),
                        ))
                    })
                    .collect())
            })
        });
        let owned = id.to_string();
        ctx.wait_for_fetch(
            "aws_rds_cluster/status",
            fetch,
            id,
            &format!("DB cluster {id} to become available"),
            TIMEOUT,
            Box::new(move |c| {
                let id = &owned;
                let Some(c) = c else {
                    return Err(ProviderError::not_found(format!("DB cluster {id} not found")));
                };
                let status = super::poller::status(c);
                if status == "available" {
                    Ok(!(pending_values && super::poller::pending(c)))
                } else if PENDING.contains(&status) {
                    Ok(false)
                } else {
                    Err(ProviderError::new(format!(
                        "DB cluster {id} is in unexpected status \"{status}\" while waiting for it to become available"
                    )))
                }
            }),
        )
        .await
    }

    async fn state_after_write(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let c = self.describe_one(ctx, id).await?.ok_or_else(|| {
            ProviderError::not_found(format!("DB cluster {id} not found after writing it"))
        })?;
        let pending = c
            .pending_modified_values()
            .and_then(|p| p.engine_version())
            .map(str::to_string);
        Ok(finish_state(state_of(ctx, &c), planned, pending.as_deref()))
    }
}

#[async_trait]
impl ResourceType for RdsCluster {
    fn type_name(&self) -> &'static str {
        "aws_rds_cluster"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let identifier = known_str(config, "cluster_identifier");
        let prefix = known_str(config, "cluster_identifier_prefix");
        if identifier.is_some() && prefix.is_some() {
            problems.push(ConfigProblem::new(
                Some("cluster_identifier_prefix"),
                "\"cluster_identifier\" and \"cluster_identifier_prefix\" cannot both be set",
                "set cluster_identifier for a fixed name, or cluster_identifier_prefix for a generated one",
            ));
        }
        const ID_HELP: &str = "use lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen";
        if let Some(p) = identifier.and_then(|i| identifier_problem(i, false)) {
            problems.push(ConfigProblem::new(
                Some("cluster_identifier"),
                format!("invalid DB cluster identifier: {p}"),
                ID_HELP,
            ));
        }
        if let Some(p) = prefix.and_then(|i| identifier_problem(i, true)) {
            problems.push(ConfigProblem::new(
                Some("cluster_identifier_prefix"),
                format!("invalid DB cluster identifier prefix: {p}"),
                ID_HELP,
            ));
        }
        if let Some(e) = known_str(config, "engine") {
            if !ENGINES.contains(&e.to_lowercase().as_str()) && !e.starts_with("custom-") {
                problems.push(ConfigProblem::new(
                    Some("engine"),
                    format!("engine \"{e}\" is not supported by aws_rds_cluster"),
                    "supported engines: aurora-mysql, aurora-postgresql, mysql and postgres (Multi-AZ DB clusters), custom-*; other engines use aws_db_instance",
                ));
            }
        }
        if known_null(config, "master_username") {
            problems.push(ConfigProblem::new(
                Some("master_username"),
                "\"master_username\" is required: a new DB cluster needs a master user name",
                "set master_username",
            ));
        }
        if known_str(config, "master_password").is_some()
            && config
                .get("manage_master_user_password")
                .and_then(Value::as_bool)
                == Some(true)
        {
            problems.push(ConfigProblem::new(
                Some("master_password"),
                "\"master_password\" and \"manage_master_user_password\" cannot both be set",
                "remove master_password to let RDS manage the master password in Secrets Manager",
            ));
        }
        if let Some(w) = known_str(config, "preferred_backup_window") {
            if !BACKUP_WINDOW.is_match(w) {
                problems.push(ConfigProblem::new(
                    Some("preferred_backup_window"),
                    format!("invalid preferred_backup_window \"{w}\""),
                    "use the format hh24:mi-hh24:mi, e.g. \"03:00-04:00\" (UTC)",
                ));
            }
        }
        if let Some(w) = known_str(config, "preferred_maintenance_window") {
            if !MAINTENANCE_WINDOW.is_match(w) {
                problems.push(ConfigProblem::new(
                    Some("preferred_maintenance_window"),
                    format!("invalid preferred_maintenance_window \"{w}\""),
                    "use the format ddd:hh24:mi-ddd:hh24:mi, e.g. \"sun:05:00-sun:06:00\" (UTC)",
                ));
            }
        }
        if let Some(n) = config
            .get("backup_retention_period")
            .and_then(Value::as_f64)
        {
            if !(1.0..=35.0).contains(&n) {
                problems.push(ConfigProblem::new(
                    Some("backup_retention_period"),
                    format!("backup_retention_period must be between 1 and 35, got {n}"),
                    "Aurora always keeps at least one day of automated backups",
                ));
            }
        }
        if let Some(s) = known_str(config, "final_snapshot_identifier") {
            if let Some(p) = snapshot_identifier_problem(s) {
                problems.push(ConfigProblem::new(
                    Some("final_snapshot_identifier"),
                    format!("invalid final_snapshot_identifier: {p}"),
                    "use letters, digits and single hyphens, starting with a letter",
                ));
            }
        }
        if let Some(azs) = config.get("availability_zones").and_then(Value::as_list) {
            if azs.len() > 3 {
                problems.push(ConfigProblem::new(
                    Some("availability_zones"),
                    format!("at most 3 availability_zones can be set, got {}", azs.len()),
                    "Aurora stores a cluster's data in three AZs",
                ));
            }
        }
        problems
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        for key in ["engine", "preferred_maintenance_window"] {
            if let Some(s) = m.get(key).and_then(Value::as_str) {
                let lower = s.to_lowercase();
                m.insert(key.into(), Value::from(lower));
            }
        }
        match prior {
            None => {
                let identifier = m.get("cluster_identifier").cloned().unwrap_or(Value::Null);
                if !identifier.is_known() || identifier.is_null() {
                    let prefix = m
                        .get("cluster_identifier_prefix")
                        .and_then(Value::as_str)
                        .unwrap_or(CLUSTER_PREFIX)
                        .to_string();
                    let generated = unique_name(&prefix);
                    m.insert("cluster_identifier".into(), Value::from(generated.as_str()));
                    m.insert("id".into(), Value::from(generated));
                    m.insert("cluster_identifier_prefix".into(), Value::from(prefix));
                } else if let Some(i) = identifier.as_str() {
                    m.insert("id".into(), Value::from(i));
                    if m.get("cluster_identifier_prefix")
                        .is_none_or(|p| !p.is_known())
                    {
                        m.insert(
                            "cluster_identifier_prefix".into(),
                            obj::opt_str(naming::prefix_from_name(i)),
                        );
                    }
                }
            }
            Some(prior) => {
                if let (Some(cfg), Some(actual)) = (
                    m.get("engine_version").and_then(Value::as_str),
                    obj::str(prior, "engine_version_actual"),
                ) {
                    if cluster_version_suppressed(cfg, actual) {
                        if let Some(v) = prior.get("engine_version") {
                            m.insert("engine_version".into(), v.clone());
                        }
                    }
                }
                // AZs: unset, or a subset of what AWS chose, is no change.
                if let Some(Value::List(old)) = prior.get("availability_zones") {
                    let keep = match m.get("availability_zones") {
                        None | Some(Value::Null) | Some(Value::Unknown) => true,
                        Some(Value::List(cfg)) => cfg.iter().all(|z| old.contains(z)),
                        Some(_) => false,
                    };
                    if keep {
                        m.insert("availability_zones".into(), Value::List(old.clone()));
                    }
                }
            }
        }
    }

    fn check_delete(&self, prior: &Value) -> Result<(), ConfigProblem> {
        if obj::bool(prior, "skip_final_snapshot") == Some(true)
            || obj::str(prior, "final_snapshot_identifier").is_some()
        {
            return Ok(());
        }
        let id = obj::str(prior, "id").unwrap_or("the DB cluster");
        Err(ConfigProblem::new(
            Some("skip_final_snapshot"),
            format!(
                "DB cluster {id} cannot be deleted: neither skip_final_snapshot = true nor a final_snapshot_identifier is set"
            ),
            format!(
                "set skip_final_snapshot = true, or final_snapshot_identifier = \"{id}-final\" to keep a snapshot, and apply before destroying"
            ),
        ))
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let unique: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        let mut out = BTreeMap::new();
        if unique.is_empty() {
            return Ok(out);
        }
        for c in self.describe(ctx, &unique).await? {
            if let Some(id) = c.db_cluster_identifier().filter(|i| wanted.contains(i)) {
                out.insert(id.to_string(), state_of(ctx, &c));
            }
        }
        Ok(out)
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        let mut found = self.read(ctx, &[id.to_string()]).await?.remove(id);
        if let Some(Value::Map(m)) = &mut found {
            m.insert("skip_final_snapshot".into(), Value::Bool(true));
            m.insert("delete_automated_backups".into(), Value::Bool(true));
            m.insert("apply_immediately".into(), Value::Bool(false));
        }
        Ok(found)
    }

    async fn wait_usable(&self, ctx: &Ctx, found: &Value) -> ProviderResult<()> {
        match obj::string(found, "id") {
            Some(id) => self.wait_available(ctx, &id, false).await,
            None => Ok(()),
        }
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(planned, "cluster_identifier").ok_or_else(|| {
            ProviderError::new("aws_rds_cluster: the cluster identifier is not known")
        })?;
        let tags = rds_tags::create_tags(ctx, planned);
        let sgs = obj::strings(planned, "vpc_security_group_ids");
        let azs = obj::strings(planned, "availability_zones");
        ctx.rds()
            .create_db_cluster()
            .db_cluster_identifier(&id)
            .set_engine(obj::str(planned, "engine").map(str::to_lowercase))
            .set_engine_version(obj::string(planned, "engine_version"))
            .set_database_name(obj::string(planned, "database_name"))
            .set_master_username(obj::string(planned, "master_username"))
            .set_master_user_password(obj::string(planned, "master_password"))
            .set_manage_master_user_password(
                obj::bool(planned, "manage_master_user_password").filter(|b| *b),
            )
            .set_storage_encrypted(obj::bool(planned, "storage_encrypted"))
            .set_kms_key_id(obj::string(planned, "kms_key_id"))
            .set_backup_retention_period(obj::i32(planned, "backup_retention_period"))
            .set_preferred_backup_window(obj::string(planned, "preferred_backup_window"))
            .set_preferred_maintenance_window(
                obj::str(planned, "preferred_maintenance_window").map(str::to_lowercase),
            )
            .set_port(obj::i32(planned, "port"))
            .set_deletion_protection(obj::bool(planned, "deletion_protection"))
            .set_vpc_security_group_ids((!sgs.is_empty()).then_some(sgs))
            .set_db_subnet_group_name(obj::string(planned, "db_subnet_group_name"))
            .set_db_cluster_parameter_group_name(obj::string(
                planned,
                "db_cluster_parameter_group_name",
            ))
            .set_availability_zones((!azs.is_empty()).then_some(azs))
            .set_copy_tags_to_snapshot(obj::bool(planned, "copy_tags_to_snapshot"))
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating DB cluster {id}"), e))?;
        self.wait_available(ctx, &id, false).await?;
        self.state_after_write(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_rds_cluster: prior state has no id"))?;
        let ch = |k: &str| changed(prior, planned, k);
        let apply_now = obj::bool(planned, "apply_immediately").unwrap_or(false);
        let mut modify = ctx
            .rds()
            .modify_db_cluster()
            .db_cluster_identifier(&id)
            .apply_immediately(apply_now);
        let mut needed = false;
        // A configured version newer than the running one is re-sent with every Modify, so a
        // deferred upgrade is not lost.
        let version = obj::str(planned, "engine_version");
        let newer = match (version, obj::str(prior, "engine_version_actual")) {
            (Some(v), Some(a)) => compare_engine_versions(v, a) == Ordering::Greater,
            _ => false,
        };
        if ch("engine_version") || newer {
            modify = modify.set_engine_version(version.map(str::to_string));
            needed |= ch("engine_version");
        }
        if obj::bool(planned, "allow_major_version_upgrade") == Some(true) {
            modify = modify.allow_major_version_upgrade(true);
        }
        if ch("master_password") {
            if let Some(p) = obj::str(planned, "master_password") {
                modify = modify.master_user_password(p);
                needed = true;
            }
        }
        if ch("manage_master_user_password") {
            modify = modify
                .set_manage_master_user_password(obj::bool(planned, "manage_master_user_password"));
            needed = true;
        }
        if ch("backup_retention_period") {
            modify =
                modify.set_backup_retention_period(obj::i32(planned, "backup_retention_period"));
            needed = true;
        }
        if ch("preferred_backup_window") {
            modify =
                modify.set_preferred_backup_window(obj::string(planned, "preferred_backup_window"));
            needed = true;
        }
        if ch("preferred_maintenance_window") {
            modify = modify.set_preferred_maintenance_window(
                obj::str(planned, "preferred_maintenance_window").map(str::to_lowercase),
            );
            needed = true;
        }
        if ch("port") {
            modify = modify.set_port(obj::i32(planned, "port"));
            needed = true;
        }
        if ch("deletion_protection") {
            modify = modify.set_deletion_protection(obj::bool(planned, "deletion_protection"));
            needed = true;
        }
        if ch("vpc_security_group_ids") {
            // An empty set is sent too: it removes every group.
            modify = modify
                .set_vpc_security_group_ids(Some(obj::strings(planned, "vpc_security_group_ids")));
            needed = true;
        }
        if ch("db_cluster_parameter_group_name") {
            modify = modify.set_db_cluster_parameter_group_name(obj::string(
                planned,
                "db_cluster_parameter_group_name",
            ));
            needed = true;
        }
        if ch("copy_tags_to_snapshot") {
            modify = modify.set_copy_tags_to_snapshot(obj::bool(planned, "copy_tags_to_snapshot"));
            needed = true;
        }
        if needed {
            modify
                .send()
                .await
                .map_err(|e| ProviderError::sdk(&format!("modifying DB cluster {id}"), e))?;
            self.wait_available(ctx, &id, apply_now).await?;
        }

        let old_tags = obj::string_map(prior, "tags_all");
        let new_tags = rds_tags::planned_all(ctx, planned);
        if old_tags != new_tags {
            let arn = obj::string(prior, "arn")
                .ok_or_else(|| ProviderError::new(format!("DB cluster {id}: no ARN in state")))?;
            rds_tags::update(ctx, &arn, &old_tags, &new_tags).await?;
        }
        self.state_after_write(ctx, &id, planned).await
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
            .ok_or_else(|| ProviderError::new("the DB cluster found has no id"))?;
        self.wait_available(ctx, &id, false).await?;
        self.state_after_write(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_rds_cluster: prior state has no id"))?;
        if let Err(p) = self.check_delete(prior) {
            return Err(ProviderError::new(format!("{} ({})", p.message, p.help)));
        }
        let skip = obj::bool(prior, "skip_final_snapshot") == Some(true);
        let final_snapshot = if skip {
            None
        } else {
            obj::string(prior, "final_snapshot_identifier")
        };
        let delete_backups = obj::bool(prior, "delete_automated_backups").unwrap_or(true);
        let mut retried = false;
        loop {
            let result = ctx
                .rds()
                .delete_db_cluster()
                .db_cluster_identifier(&id)
                .skip_final_snapshot(skip)
                .set_final_db_snapshot_identifier(final_snapshot.clone())
                .delete_automated_backups(delete_backups)
                .send()
                .await;
            let err = match result {
                Ok(_) => break,
                Err(e) => e,
            };
            if err
                .as_service_error()
                .is_some_and(|e| e.is_db_cluster_not_found_fault())
            {
                return Ok(());
            }
            let (code, message) = sdk_code(&err);
            let message = message.unwrap_or_default();
            if code == Some("InvalidDBClusterStateFault")
                && message.contains("is already being deleted")
            {
                break;
            }
            if !retried
                && message.contains("deletion protection")
                && obj::bool(prior, "deletion_protection") != Some(true)
                && obj::bool(prior, "apply_immediately") == Some(true)
            {
                ctx.rds()
                    .modify_db_cluster()
                    .db_cluster_identifier(&id)
                    .deletion_protection(false)
                    .apply_immediately(true)
                    .send()
                    .await
                    .map_err(|e| {
                        ProviderError::sdk(
                            &format!("disabling deletion protection of DB cluster {id}"),
                            e,
                        )
                    })?;
                self.wait_available(ctx, &id, true).await?;
                retried = true;
                continue;
            }
            return Err(ProviderError::sdk(
                &format!("deleting DB cluster {id}"),
                err,
            ));
        }
        ctx.wait_for(
            &super::RDS_CLUSTER,
            &id,
            &format!("DB cluster {id} to be deleted"),
            TIMEOUT,
            Box::new(|c| Ok(c.is_none())),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut m = Map::new();
        m.insert("engine".into(), Value::from("aurora-mysql"));
        m.insert("master_username".into(), Value::from("admin"));
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Map(m)
    }

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        RdsCluster
            .validate(&config(pairs))
            .into_iter()
            .map(|p| p.attribute)
            .collect()
    }

    #[test]
    fn versions_compare_numerically() {
        use Ordering::*;
        assert_eq!(compare_engine_versions("3.9", "3.10"), Less);
        assert_eq!(
            compare_engine_versions("8.0.mysql_aurora.3.10.0", "8.0.mysql_aurora.3.9.1"),
            Greater
        );
        assert_eq!(compare_engine_versions("16.3", "16.3"), Equal);
        assert_eq!(compare_engine_versions("16", "16.3"), Less);
        assert!(cluster_version_suppressed("8.0", "8.0.mysql_aurora.3.05.2"));
        assert!(cluster_version_suppressed(
            "8.0.mysql_aurora.3.04.0",
            "8.0.mysql_aurora.3.05.2"
        ));
        assert!(!cluster_version_suppressed(
            "8.0.mysql_aurora.3.06.0",
            "8.0.mysql_aurora.3.05.2"
        ));
        assert!(cluster_version_suppressed("15.4", "16.1"));
        assert!(!cluster_version_suppressed("16.2", "16.1"));
    }

    #[test]
    fn valid_config_has_no_problems() {
        assert!(problems(&[
            ("cluster_identifier", Value::from("aurora-1")),
            ("preferred_backup_window", Value::from("03:00-04:00")),
            (
                "preferred_maintenance_window",
                Value::from("Sun:05:00-sun:06:00")
            ),
            ("master_password", Value::from("secret-pw").sensitive()),
            ("backup_retention_period", Value::from(7)),
            ("final_snapshot_identifier", Value::from("Aurora-final")),
        ])
        .is_empty());
        assert!(problems(&[("cluster_identifier", Value::Unknown)]).is_empty());
    }

    #[test]
    fn rules() {
        for bad in ["Aurora", "1db", "a--b", "db-", "my_db"] {
            assert_eq!(
                problems(&[("cluster_identifier", Value::from(bad))]),
                [Some("cluster_identifier")],
                "{bad}"
            );
        }
        assert!(problems(&[("cluster_identifier_prefix", Value::from("app-"))]).is_empty());
        assert_eq!(
            problems(&[
                ("cluster_identifier", Value::from("a")),
                ("cluster_identifier_prefix", Value::from("b-"))
            ]),
            [Some("cluster_identifier_prefix")]
        );
        assert_eq!(
            problems(&[("engine", Value::from("mariadb"))]),
            [Some("engine")]
        );
        // Multi-AZ DB clusters run MySQL and PostgreSQL; the provider accepts them.
        assert!(problems(&[("engine", Value::from("mysql"))]).is_empty());
        assert!(problems(&[("engine", Value::from("Aurora-PostgreSQL"))]).is_empty());
        assert_eq!(
            problems(&[("master_username", Value::Null)]),
            [Some("master_username")]
        );
        let ps = RdsCluster.validate(&config(&[
            ("master_password", Value::from("hunter2-secret").sensitive()),
            ("manage_master_user_password", Value::Bool(true)),
        ]));
        assert_eq!(ps.len(), 1);
        assert!(!ps[0].message.contains("hunter2") && !ps[0].help.contains("hunter2"));
        for (k, v) in [
            ("backup_retention_period", Value::from(0)),
            ("backup_retention_period", Value::from(36)),
            ("preferred_backup_window", Value::from("3:00-04:00")),
            (
                "preferred_maintenance_window",
                Value::from("sun:05:00-06:00"),
            ),
            ("final_snapshot_identifier", Value::from("final-")),
            (
                "availability_zones",
                Value::List(vec!["a".into(), "b".into(), "c".into(), "d".into()]),
            ),
        ] {
            assert_eq!(problems(&[(k, v.clone())]), [Some(k)], "{k} = {v:?}");
        }
    }

    #[test]
    fn identifiers_are_generated_with_tf_prefix() {
        let mut planned = config(&[("cluster_identifier", Value::Unknown)]);
        RdsCluster.customize_plan(None, &mut planned);
        let id = obj::string(&planned, "cluster_identifier").unwrap();
        assert!(id.starts_with("tf-") && id.len() == 3 + 26, "{id}");
        assert_eq!(obj::str(&planned, "id"), Some(id.as_str()));
        assert_eq!(obj::str(&planned, "cluster_identifier_prefix"), Some("tf-"));
    }

    #[test]
    fn plan_normalises_versions_windows_and_zones() {
        let azs = Value::List(vec![
            "us-east-1a".into(),
            "us-east-1b".into(),
            "us-east-1c".into(),
        ]);
        let prior = Value::Map(Map::from([
            (
                "engine_version".to_string(),
                Value::from("8.0.mysql_aurora.3.05.2"),
            ),
            (
                "engine_version_actual".to_string(),
                Value::from("8.0.mysql_aurora.3.05.2"),
            ),
            ("availability_zones".to_string(), azs.clone()),
        ]));
        let mut planned = Value::Map(Map::from([
            ("engine_version".to_string(), Value::from("8.0")),
            (
                "preferred_maintenance_window".to_string(),
                Value::from("Mon:00:00-Mon:03:00"),
            ),
            (
                "availability_zones".to_string(),
                Value::List(vec!["us-east-1b".into()]),
            ),
        ]));
        RdsCluster.customize_plan(Some(&prior), &mut planned);
        assert_eq!(
            obj::str(&planned, "engine_version"),
            Some("8.0.mysql_aurora.3.05.2")
        );
        assert_eq!(
            obj::str(&planned, "preferred_maintenance_window"),
            Some("mon:00:00-mon:03:00")
        );
        assert_eq!(planned.get("availability_zones"), Some(&azs));

        let mut planned = Value::Map(Map::from([
            (
                "engine_version".to_string(),
                Value::from("8.0.mysql_aurora.3.06.0"),
            ),
            (
                "availability_zones".to_string(),
                Value::List(vec!["us-east-1d".into()]),
            ),
        ]));
        RdsCluster.customize_plan(Some(&prior), &mut planned);
        assert_eq!(
            obj::str(&planned, "engine_version"),
            Some("8.0.mysql_aurora.3.06.0")
        );
        assert_eq!(obj::strings(&planned, "availability_zones"), ["us-east-1d"]);
    }

    #[test]
    fn delete_needs_a_final_snapshot_choice() {
        let prior = Value::Map(Map::from([
            ("id".to_string(), Value::from("c1")),
            ("skip_final_snapshot".to_string(), Value::Bool(false)),
        ]));
        let p = RdsCluster.check_delete(&prior).unwrap_err();
        assert_eq!(p.attribute, Some("skip_final_snapshot"));
        assert!(p.help.contains("final_snapshot_identifier = \"c1-final\""));
        let ok = Value::Map(Map::from([
            ("id".to_string(), Value::from("c1")),
            (
                "final_snapshot_identifier".to_string(),
                Value::from("c1-final"),
            ),
        ]));
        assert!(RdsCluster.check_delete(&ok).is_ok());
    }
}
