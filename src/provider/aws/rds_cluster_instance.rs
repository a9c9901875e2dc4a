//! `aws_rds_cluster_instance`: one DB instance of an Aurora cluster.
//!
//! **State id.** The instance identifier. Changing it replaces the instance (unlike
//! `aws_db_instance`). The engine version follows the cluster: `engine_version` is only sent
//! on create; a prefix of the running version is no change.
//!
//! **writer** comes from the cluster's member list (DescribeDBClusters), read in one batch
//! for every cluster of the instances read.

use super::db_instance::{
    changed, engine_version_matches, known_str, sdk_code, state_engine_version, MAINTENANCE_WINDOW,
};
use super::naming::{self, identifier_problem, unique_name};
use super::rds_cluster::{RdsCluster, CLUSTER_PREFIX};
use super::{rds_tags, Ctx};
use crate::provider::{
    obj, Attribute, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_rds::types::{DbInstance as SdkDb, Filter};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

pub struct RdsClusterInstance;

const TIMEOUT: Duration = Duration::from_secs(90 * 60);

/// DescribeDBInstances accepts at most 100 values in one filter.
const READ_BATCH: usize = 100;

const VIRTUAL: &[&str] = &["apply_immediately"];

const PENDING: &[&str] = &[
    "backing-up",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "creating",
    "maintenance",
    "modifying",
    "rebooting",
    "renaming",
    "resetting-master-credentials",
    "starting",
    "storage-optimization",
    "upgrading",
];

/// The provider's validator: Aurora, the Multi-AZ DB cluster engines, and RDS Custom.
const ENGINES: &[&str] = &["aurora-mysql", "aurora-postgresql", "mysql", "postgres"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("A DB instance in an Aurora cluster.")
        .attr(
            Attribute::string("id")
                .output()
                .describe("The instance identifier."),
        )
        .attr(
            Attribute::string("identifier")
                .computed()
                .force_new()
                .describe("Instance identifier; generated (`tf-…`) when not set."),
        )
        .attr(
            Attribute::string("identifier_prefix")
                .computed()
                .force_new()
                .describe("Creates a unique identifier beginning with this prefix."),
        )
        .attr(
            Attribute::string("cluster_identifier")
                .required()
                .force_new()
                .describe("The cluster the instance belongs to."),
        )
        .attr(
            Attribute::string("instance_class")
                .required()
                .describe("Instance class, e.g. db.r6g.large."),
        )
        .attr(
            Attribute::string("engine")
                .required()
                .force_new()
                .describe("aurora-mysql or aurora-postgresql; the cluster's engine."),
        )
        .attr(
            Attribute::string("engine_version")
                .computed()
                .describe("Engine version; follows the cluster."),
        )
        .attr(
            Attribute::string("engine_version_actual")
                .output()
                .describe("The engine version AWS runs."),
        )
        .attr(
            Attribute::number("promotion_tier")
                .default(0)
                .describe("Failover priority (0-15; lower is promoted first)."),
        )
        .attr(
            Attribute::bool("publicly_accessible")
                .computed()
                .describe("Give the instance a public address."),
        )
        .attr(
            Attribute::string("db_subnet_group_name")
                .computed()
                .force_new()
                .describe("DB subnet group; the cluster's."),
        )
        .attr(
            Attribute::string("db_parameter_group_name")
                .computed()
                .describe("DB parameter group of the instance."),
        )
        .attr(
            Attribute::bool("apply_immediately")
                .virtual_()
                .default(false)
                .describe("Apply changes now instead of in the maintenance window."),
        )
        .attr(
            Attribute::bool("auto_minor_version_upgrade")
                .default(true)
                .describe("Apply minor engine upgrades in the maintenance window."),
        )
        .attr(
            Attribute::string("preferred_maintenance_window")
                .computed()
                .describe("Weekly maintenance window (lower-cased)."),
        )
        .attr(
            Attribute::string("availability_zone")
                .computed()
                .force_new()
                .describe("Availability zone."),
        )
        .attr(
            Attribute::bool("copy_tags_to_snapshot")
                .default(false)
                .describe("Copy the instance's tags to its snapshots."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("ARN of the instance."),
        )
        .attr(
            Attribute::string("endpoint")
                .output()
                .describe("Host name of the instance."),
        )
        .attr(
            Attribute::number("port")
                .output()
                .describe("Database port."),
        )
        .attr(
            Attribute::bool("writer")
                .output()
                .describe("Whether the instance is the cluster's writer."),
        )
        .attr(
            Attribute::string("dbi_resource_id")
                .output()
                .describe("The instance's resource id (db-…)."),
        )
        .attr(
            Attribute::bool("storage_encrypted")
                .output()
                .describe("Whether the cluster's storage is encrypted."),
        )
        .attr(
            Attribute::string("kms_key_id")
                .output()
                .describe("KMS key of the cluster's storage."),
        )
        .tags()
});

fn state_of(ctx: &Ctx, db: &SdkDb, writer: Option<bool>) -> Value {
    let id = db.db_instance_identifier().unwrap_or_default();
    let endpoint = db.endpoint();
    let (tags, tags_all) = rds_tags::state_values(ctx, &rds_tags::from_sdk(db.tag_list()));
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", Value::from(id));
    put("identifier", Value::from(id));
    put(
        "identifier_prefix",
        obj::opt_str(naming::prefix_from_name(id)),
    );
    put(
        "cluster_identifier",
        obj::opt_str(db.db_cluster_identifier()),
    );
    put("instance_class", obj::opt_str(db.db_instance_class()));
    put(
        "engine",
        obj::opt_str(db.engine().map(str::to_lowercase).as_deref()),
    );
    put("engine_version", obj::opt_str(db.engine_version()));
    put("engine_version_actual", obj::opt_str(db.engine_version()));
    put(
        "promotion_tier",
        Value::from(db.promotion_tier().unwrap_or(0)),
    );
    put(
        "publicly_accessible",
        Value::Bool(db.publicly_accessible().unwrap_or(false)),
    );
    put(
        "db_subnet_group_name",
        obj::opt_str(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
    );
    put(
        "db_parameter_group_name",
        obj::opt_str(
            db.db_parameter_groups()
                .first()
                .and_then(|g| g.db_parameter_group_name()),
        ),
    );
    put("apply_immediately", Value::Null);
    put(
        "auto_minor_version_upgrade",
        Value::Bool(db.auto_minor_version_upgrade().unwrap_or(true)),
    );
    put(
        "preferred_maintenance_window",
        obj::opt_str(
            db.preferred_maintenance_window()
                .map(str::to_lowercase)
                .as_deref(),
        ),
    );
    put("availability_zone", obj::opt_str(db.availability_zone()));
    put(
        "copy_tags_to_snapshot",
        Value::Bool(db.copy_tags_to_snapshot().unwrap_or(false)),
    );
    put("arn", obj::opt_str(db.db_instance_arn()));
    put("endpoint", obj::opt_str(endpoint.and_then(|e| e.address())));
    put(
        "port",
        obj::opt_i32(endpoint.and_then(|e| e.port()).or(db.db_instance_port())),
    );
    put("writer", obj::opt_bool(writer));
    put("dbi_resource_id", obj::opt_str(db.dbi_resource_id()));
    put(
        "storage_encrypted",
        Value::Bool(db.storage_encrypted().unwrap_or(false)),
    );
    put("kms_key_id", obj::opt_str(db.kms_key_id()));
    put("tags", tags);
    put("tags_all", tags_all);
    Value::Map(m)
}

fn finish_state(mut state: Value, planned: &Value) -> Value {
    obj::keep_from(&mut state, planned, VIRTUAL);
    let version = state_engine_version(
        obj::str(planned, "engine_version"),
        obj::str(&state, "engine_version_actual"),
        None,
    );
    if let Value::Map(m) = &mut state {
        m.insert("engine_version".into(), obj::opt_str(version.as_deref()));
    }
    state
}

impl RdsClusterInstance {
    async fn describe(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkDb>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(READ_BATCH) {
            let mut pages = ctx
                .rds()
                .describe_db_instances()
                .filters(
                    Filter::builder()
                        .name("db-instance-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| ProviderError::sdk("describing DB instances", e))?;
                out.extend(page.db_instances.unwrap_or_default());
            }
        }
        Ok(out)
    }

    async fn wait_available(&self, ctx: &Ctx, id: &str) -> ProviderResult<()> {
        let fetch: super::poller::Fetch = std::sync::Arc::new(|ctx, ids| {
            Box::pin(async move {
                let dbs = super::RDS_CLUSTER_INSTANCE.describe(&ctx, &ids).await?;
                Ok(dbs
                    .iter()
                    .filter_map(|db| {
                        Some((
                            db.db_instance_identifier()?.to_string(),
                            super::poller::status_value(db.db_instance_status(), false),
                        ))
                    })
                    .collect())
            })
        });
        let owned = id.to_string();
        ctx.wait_for_fetch(
            "aws_rds_cluster_instance/status",
            fetch,
            id,
            &format!("DB instance {id} to become available"),
            TIMEOUT,
            Box::new(move |db| {
                let id = &owned;
                let Some(db) = db else {
                    return Err(ProviderError::not_found(format!("DB instance {id} not found")));
                };
                let status = super::poller::status(db);
                if status == "available" {
                    Ok(true)
                } else if PENDING.contains(&status) {
                    Ok(false)
                } else {
                    Err(ProviderError::new(format!(
                        "DB instance {id} is in unexpected status \"{status}\" while waiting for it to become available"
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
        let state = ctx.read_back(&super::RDS_CLUSTER_INSTANCE, id).await?;
        Ok(finish_state(state, planned))
    }
}

#[async_trait]
impl ResourceType for RdsClusterInstance {
    fn type_name(&self) -> &'static str {
        "aws_rds_cluster_instance"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let identifier = known_str(config, "identifier");
        let prefix = known_str(config, "identifier_prefix");
        if identifier.is_some() && prefix.is_some() {
            problems.push(ConfigProblem::new(
                Some("identifier_prefix"),
                "\"identifier\" and \"identifier_prefix\" cannot both be set",
                "set identifier for a fixed name, or identifier_prefix for a generated one",
            ));
        }
        const ID_HELP: &str = "use lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen";
        if let Some(p) = identifier.and_then(|i| identifier_problem(i, false)) {
            problems.push(ConfigProblem::new(
                Some("identifier"),
                format!("invalid DB instance identifier: {p}"),
                ID_HELP,
            ));
        }
        if let Some(p) = prefix.and_then(|i| identifier_problem(i, true)) {
            problems.push(ConfigProblem::new(
                Some("identifier_prefix"),
                format!("invalid DB instance identifier prefix: {p}"),
                ID_HELP,
            ));
        }
        if let Some(e) = known_str(config, "engine") {
            if !ENGINES.contains(&e.to_lowercase().as_str()) && !e.starts_with("custom-") {
                problems.push(ConfigProblem::new(
                    Some("engine"),
                    format!("engine \"{e}\" is not supported by aws_rds_cluster_instance"),
                    "use the cluster's engine: aurora-mysql, aurora-postgresql, mysql, postgres or custom-*",
                ));
            }
        }
        if let Some(n) = config.get("promotion_tier").and_then(Value::as_f64) {
            if !(0.0..=15.0).contains(&n) {
                problems.push(ConfigProblem::new(
                    Some("promotion_tier"),
                    format!("promotion_tier must be between 0 and 15, got {n}"),
                    "0 is promoted first on failover",
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
                let identifier = m.get("identifier").cloned().unwrap_or(Value::Null);
                if !identifier.is_known() || identifier.is_null() {
                    let prefix = m
                        .get("identifier_prefix")
                        .and_then(Value::as_str)
                        .unwrap_or(CLUSTER_PREFIX)
                        .to_string();
                    let generated = unique_name(&prefix);
                    m.insert("identifier".into(), Value::from(generated.as_str()));
                    m.insert("id".into(), Value::from(generated));
                    m.insert("identifier_prefix".into(), Value::from(prefix));
                } else if let Some(i) = identifier.as_str() {
                    m.insert("id".into(), Value::from(i));
                    if m.get("identifier_prefix").is_none_or(|p| !p.is_known()) {
                        m.insert(
                            "identifier_prefix".into(),
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
                    if engine_version_matches(cfg, actual) {
                        if let Some(v) = prior.get("engine_version") {
                            m.insert("engine_version".into(), v.clone());
                        }
                    }
                }
            }
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let unique: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        let mut out = BTreeMap::new();
        if unique.is_empty() {
            return Ok(out);
        }
        let dbs: Vec<SdkDb> = self
            .describe(ctx, &unique)
            .await?
            .into_iter()
            .filter(|d| {
                d.db_instance_identifier()
                    .is_some_and(|i| wanted.contains(i))
            })
            .collect();
        if let Some(db) = dbs.iter().find(|d| d.db_cluster_identifier().is_none()) {
            return Err(ProviderError::new(format!(
                "DB instance {} is not in a cluster: manage it with aws_db_instance",
                db.db_instance_identifier().unwrap_or_default()
            )));
        }
        // Writers, from the clusters' member lists (one batched read).
        let clusters: BTreeSet<String> = dbs
            .iter()
            .filter_map(|d| d.db_cluster_identifier().map(str::to_string))
            .collect();
        let clusters: Vec<String> = clusters.into_iter().collect();
        let mut writers: BTreeMap<String, bool> = BTreeMap::new();
        for c in RdsCluster.describe(ctx, &clusters).await? {
            for member in c.db_cluster_members() {
                if let Some(i) = member.db_instance_identifier() {
                    writers.insert(i.to_string(), member.is_cluster_writer().unwrap_or(false));
                }
            }
        }
        for db in &dbs {
            let id = db.db_instance_identifier().unwrap_or_default();
            out.insert(id.to_string(), state_of(ctx, db, writers.get(id).copied()));
        }
        Ok(out)
    }

    async fn wait_usable(&self, ctx: &Ctx, found: &Value) -> ProviderResult<()> {
        match obj::string(found, "id") {
            Some(id) => self.wait_available(ctx, &id).await,
            None => Ok(()),
        }
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(planned, "identifier").ok_or_else(|| {
            ProviderError::new("aws_rds_cluster_instance: the identifier is not known")
        })?;
        let tags = rds_tags::create_tags(ctx, planned);
        ctx.rds()
            .create_db_instance()
            .db_instance_identifier(&id)
            .set_db_cluster_identifier(obj::string(planned, "cluster_identifier"))
            .set_db_instance_class(obj::string(planned, "instance_class"))
            .set_engine(obj::str(planned, "engine").map(str::to_lowercase))
            .set_engine_version(obj::string(planned, "engine_version"))
            .set_promotion_tier(obj::i32(planned, "promotion_tier"))
            .set_publicly_accessible(obj::bool(planned, "publicly_accessible"))
            .set_db_subnet_group_name(obj::string(planned, "db_subnet_group_name"))
            .set_db_parameter_group_name(obj::string(planned, "db_parameter_group_name"))
            .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"))
            .set_preferred_maintenance_window(
                obj::str(planned, "preferred_maintenance_window").map(str::to_lowercase),
            )
            .set_availability_zone(obj::string(planned, "availability_zone"))
            .set_copy_tags_to_snapshot(obj::bool(planned, "copy_tags_to_snapshot"))
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating DB cluster instance {id}"), e))?;
        self.wait_available(ctx, &id).await?;
        self.state_after_write(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_rds_cluster_instance: prior state has no id"))?;
        let ch = |k: &str| changed(prior, planned, k);
        let mut modify = ctx
            .rds()
            .modify_db_instance()
            .db_instance_identifier(&id)
            .apply_immediately(obj::bool(planned, "apply_immediately").unwrap_or(false));
        let mut needed = false;
        if ch("instance_class") {
            modify = modify.set_db_instance_class(obj::string(planned, "instance_class"));
            needed = true;
        }
        if ch("promotion_tier") {
            modify = modify.set_promotion_tier(obj::i32(planned, "promotion_tier"));
            needed = true;
        }
        if ch("publicly_accessible") {
            modify = modify.set_publicly_accessible(obj::bool(planned, "publicly_accessible"));
            needed = true;
        }
        if ch("db_parameter_group_name") {
            modify =
                modify.set_db_parameter_group_name(obj::string(planned, "db_parameter_group_name"));
            needed = true;
        }
        if ch("auto_minor_version_upgrade") {
            modify = modify
                .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"));
            needed = true;
        }
        if ch("preferred_maintenance_window") {
            modify = modify.set_preferred_maintenance_window(
                obj::str(planned, "preferred_maintenance_window").map(str::to_lowercase),
            );
            needed = true;
        }
        if ch("copy_tags_to_snapshot") {
            modify = modify.set_copy_tags_to_snapshot(obj::bool(planned, "copy_tags_to_snapshot"));
            needed = true;
        }
        if needed {
            modify.send().await.map_err(|e| {
                ProviderError::sdk(&format!("modifying DB cluster instance {id}"), e)
            })?;
            self.wait_available(ctx, &id).await?;
        }
        let old_tags = obj::string_map(prior, "tags_all");
        let new_tags = rds_tags::planned_all(ctx, planned);
        if old_tags != new_tags {
            let arn = obj::string(prior, "arn")
                .ok_or_else(|| ProviderError::new(format!("DB instance {id}: no ARN in state")))?;
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
            .ok_or_else(|| ProviderError::new("the DB cluster instance found has no id"))?;
        self.wait_available(ctx, &id).await?;
        self.state_after_write(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_rds_cluster_instance: prior state has no id"))?;
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            let err = match ctx
                .rds()
                .delete_db_instance()
                .db_instance_identifier(&id)
                .send()
                .await
            {
                Ok(_) => break,
                Err(e) => e,
            };
            if err
                .as_service_error()
                .is_some_and(|e| e.is_db_instance_not_found_fault())
            {
                return Ok(());
            }
            let (code, message) = sdk_code(&err);
            let message = message.unwrap_or_default();
            if code == Some("InvalidDBInstanceState")
                && message.contains("is already being deleted")
            {
                break;
            }
            // A replica cluster must go first; AWS says so until it has.
            if code == Some("InvalidDBClusterStateFault")
                && message.contains("Delete the replica cluster before deleting")
                && std::time::Instant::now() < deadline
            {
                ctx.pause(&format!("DB cluster instance {id} to be deletable"))
                    .await?;
                continue;
            }
            return Err(ProviderError::sdk(
                &format!("deleting DB cluster instance {id}"),
                err,
            ));
        }
        ctx.wait_for(
            &super::RDS_CLUSTER_INSTANCE,
            &id,
            &format!("DB instance {id} to be deleted"),
            TIMEOUT,
            Box::new(|db| Ok(db.is_none())),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        let mut m = Map::new();
        m.insert("engine".into(), Value::from("aurora-mysql"));
        m.insert("cluster_identifier".into(), Value::from("c1"));
        m.insert("instance_class".into(), Value::from("db.r6g.large"));
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        RdsClusterInstance
            .validate(&Value::Map(m))
            .into_iter()
            .map(|p| p.attribute)
            .collect()
    }

    #[test]
    fn rules() {
        assert!(problems(&[("identifier", Value::from("c1-i1"))]).is_empty());
        assert_eq!(
            problems(&[("identifier", Value::from("C1"))]),
            [Some("identifier")]
        );
        assert_eq!(
            problems(&[
                ("identifier", Value::from("a")),
                ("identifier_prefix", Value::from("a-"))
            ]),
            [Some("identifier_prefix")]
        );
        assert_eq!(
            problems(&[("engine", Value::from("mariadb"))]),
            [Some("engine")]
        );
        // Multi-AZ DB clusters run MySQL and PostgreSQL; the provider accepts them.
        assert!(problems(&[("engine", Value::from("mysql"))]).is_empty());
        assert_eq!(
            problems(&[("promotion_tier", Value::from(16))]),
            [Some("promotion_tier")]
        );
        assert_eq!(
            problems(&[("preferred_maintenance_window", Value::from("mon"))]),
            [Some("preferred_maintenance_window")]
        );
    }

    #[test]
    fn identifiers_are_generated_with_tf_prefix() {
        let mut planned = Value::Map(Map::from([("identifier".to_string(), Value::Unknown)]));
        RdsClusterInstance.customize_plan(None, &mut planned);
        let id = obj::string(&planned, "identifier").unwrap();
        assert!(id.starts_with("tf-") && id.len() == 29, "{id}");
    }
}
