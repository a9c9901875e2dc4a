//! `aws_db_instance`: a stand-alone RDS instance (MySQL, PostgreSQL, MariaDB, Oracle, SQL
//! Server), or a read replica of one.
//!
//! **State id.** strata's state `id` is the DB instance *identifier*, which every RDS call uses.
//! terraform-provider-aws ≥ 5 stores the DbiResourceId (`db-…`) as `id` instead (kept here as
//! `resource_id`); the identifier is in `identifier` in both.
//!
//! **Virtual arguments.** `password`, `apply_immediately`, `skip_final_snapshot`,
//! `final_snapshot_identifier`, `delete_automated_backups` and `allow_major_version_upgrade`
//! are never returned by AWS: `read` answers null for them (the engine keeps the prior values),
//! `create`/`update` copy them from the planned object. `import` sets `skip_final_snapshot` and
//! `delete_automated_backups` to true, as Terraform does.
//!
//! **Engine versions.** `engine_version` may be a prefix of the running version (`8.0` for
//! `8.0.36`): the configured value stays in state, `engine_version_actual` holds AWS's.
//!
//! The master password never appears in a log line or an error message.

use super::naming::{self, identifier_problem, unique_name, DEFAULT_PREFIX};
use super::{rds_tags, Ctx};
use crate::provider::{
    obj, Attribute, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_rds::types::{DbInstance as SdkDb, Filter};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

pub struct DbInstance;

const CREATE_TIMEOUT: Duration = Duration::from_secs(50 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(80 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// DescribeDBInstances accepts at most 100 values in one filter.
const READ_BATCH: usize = 100;

/// Arguments AWS never returns: copied from the plan into state.
const VIRTUAL: &[&str] = &[
    "password",
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
    "maintenance",
    "modifying",
    "moving-to-vpc",
    "rebooting",
    "renaming",
    "resetting-master-credentials",
    "starting",
    "stopping",
    "storage-full",
    "upgrading",
];

const AVAILABLE: &[&str] = &["available", "storage-optimization"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An RDS DB instance (MySQL, PostgreSQL, MariaDB, Oracle, SQL Server).")
        .attr(
            Attribute::string("id")
                .output()
                .describe("The DB instance identifier (Terraform ≥ 5 uses the resource id)."),
        )
        .attr(
            Attribute::string("identifier").computed().describe(
                "DB instance identifier; generated when not set. A change renames in place.",
            ),
        )
        .attr(
            Attribute::string("identifier_prefix")
                .computed()
                .describe("Creates a unique identifier beginning with this prefix."),
        )
        .attr(
            Attribute::string("engine")
                .computed()
                .force_new()
                .describe("mysql, postgres, mariadb, oracle-*, sqlserver-* (lower-cased)."),
        )
        .attr(
            Attribute::string("engine_version")
                .computed()
                .describe("Engine version; a prefix such as 8.0 matches 8.0.36."),
        )
        .attr(
            Attribute::string("engine_version_actual")
                .output()
                .describe("The engine version AWS runs."),
        )
        .attr(
            Attribute::string("instance_class")
                .required()
                .describe("Instance class, e.g. db.t3.micro."),
        )
        .attr(
            Attribute::number("allocated_storage")
                .computed()
                .describe("Storage in GiB."),
        )
        .attr(
            Attribute::number("max_allocated_storage")
                .describe("Upper limit for storage autoscaling, in GiB."),
        )
        .attr(
            Attribute::string("storage_type")
                .computed()
                .describe("standard, gp2, gp3, io1 or io2."),
        )
        .attr(
            Attribute::number("iops")
                .computed()
                .describe("Provisioned IOPS."),
        )
        .attr(
            Attribute::bool("storage_encrypted")
                .force_new()
                .default(false)
                .describe("Encrypt the storage."),
        )
        .attr(
            Attribute::string("kms_key_id")
                .computed()
                .force_new()
                .describe("ARN of the KMS key for storage encryption."),
        )
        .attr(
            Attribute::string("db_name")
                .computed()
                .force_new()
                .describe("Name of the database created with the instance."),
        )
        .attr(
            Attribute::string("username")
                .computed()
                .force_new()
                .describe("Master user name."),
        )
        .attr(
            Attribute::string("password")
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
            Attribute::number("port")
                .computed()
                .describe("Database port."),
        )
        .attr(
            Attribute::string_set("vpc_security_group_ids")
                .computed()
                .describe("VPC security groups of the instance."),
        )
        .attr(
            Attribute::string("db_subnet_group_name")
                .computed()
                .describe("DB subnet group to place the instance in."),
        )
        .attr(
            Attribute::string("parameter_group_name")
                .computed()
                .describe("DB parameter group."),
        )
        .attr(
            Attribute::string("option_group_name")
                .computed()
                .describe("Option group."),
        )
        .attr(
            Attribute::number("backup_retention_period")
                .computed()
                .describe("Days to keep automated backups (0-35)."),
        )
        .attr(
            Attribute::string("backup_window")
                .computed()
                .describe("Daily backup window, hh24:mi-hh24:mi (UTC)."),
        )
        .attr(
            Attribute::string("maintenance_window")
                .computed()
                .describe("Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased)."),
        )
        .attr(
            Attribute::bool("multi_az")
                .computed()
                .describe("Multi-AZ deployment."),
        )
        .attr(
            Attribute::bool("publicly_accessible")
                .default(false)
                .describe("Give the instance a public address."),
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
                .describe("Name of the snapshot taken on delete."),
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
            Attribute::bool("auto_minor_version_upgrade")
                .default(true)
                .describe("Apply minor engine upgrades in the maintenance window."),
        )
        .attr(
            Attribute::bool("copy_tags_to_snapshot")
                .default(false)
                .describe("Copy the instance's tags to its snapshots."),
        )
        .attr(
            Attribute::string("availability_zone")
                .computed()
                .force_new()
                .describe("Availability zone."),
        )
        .attr(
            Attribute::string("replicate_source_db")
                .describe("Identifier or ARN of the instance to replicate; removing it promotes."),
        )
        .attr(
            Attribute::string_list("replicas")
                .output()
                .describe("Identifiers of this instance's read replicas."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("ARN of the instance."),
        )
        .attr(
            Attribute::string("endpoint")
                .output()
                .describe("Connection endpoint, host:port."),
        )
        .attr(Attribute::string("address").output().describe("Host name."))
        .attr(
            Attribute::string("hosted_zone_id")
                .output()
                .describe("Route 53 zone of the endpoint."),
        )
        .attr(
            Attribute::string("resource_id")
                .output()
                .describe("DbiResourceId (Terraform ≥ 5's id)."),
        )
        .attr(
            Attribute::string("status")
                .output()
                .describe("Instance status."),
        )
        .tags()
});

// ----------------------------------------------------------------------------------------
// Pure rules (unit tested)
// ----------------------------------------------------------------------------------------

/// True when a configured engine version is satisfied by the running one: equal, or a dotted
/// prefix of it (`8.0` of `8.0.36`, `16` of `16.3`; not `8.0` of `8.01`).
pub fn engine_version_matches(configured: &str, actual: &str) -> bool {
    configured == actual
        || (actual.len() > configured.len()
            && actual.starts_with(configured)
            && actual.as_bytes()[configured.len()] == b'.')
}

/// The `engine_version` to keep in state: the configured one when AWS's actual version
/// matches it, or when it is the upgrade pending for the maintenance window; else the actual.
pub fn state_engine_version(
    configured: Option<&str>,
    actual: Option<&str>,
    pending: Option<&str>,
) -> Option<String> {
    match (configured, actual) {
        (Some(c), Some(a)) if engine_version_matches(c, a) || pending == Some(c) => {
            Some(c.to_string())
        }
        (Some(c), None) => Some(c.to_string()),
        (_, a) => a.map(str::to_string),
    }
}

fn supported_engine(engine: &str) -> bool {
    matches!(engine, "mysql" | "postgres" | "mariadb")
        || engine.starts_with("oracle-")
        || engine.starts_with("sqlserver-")
}

pub(super) static BACKUP_WINDOW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$").unwrap()
});

pub(super) static MAINTENANCE_WINDOW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$",
    )
    .unwrap()
});

/// Final snapshot names: a letter first, then letters, digits and single hyphens.
pub(super) fn snapshot_identifier_problem(id: &str) -> Option<&'static str> {
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("must start with a letter")
    } else if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some("only letters, digits and hyphens are allowed")
    } else if id.contains("--") {
        Some("must not contain two consecutive hyphens")
    } else if id.ends_with('-') {
        Some("must not end with a hyphen")
    } else {
        None
    }
}

/// A config value that is known to be absent (unknown values are not judged).
pub(super) fn known_null(config: &Value, key: &str) -> bool {
    config.get(key).is_none_or(Value::is_null)
}

pub(super) fn known_str<'a>(config: &'a Value, key: &str) -> Option<&'a str> {
    config.get(key).and_then(Value::as_str)
}

/// gp3 volumes below these sizes have a fixed baseline: IOPS cannot be sent with a storage
/// change unless they changed themselves.
fn gp3_iops_threshold(engine: &str) -> i32 {
    if engine.starts_with("oracle-") {
        200
    } else if engine.starts_with("db2") {
        100
    } else {
        400
    }
}

// ----------------------------------------------------------------------------------------
// AWS ↔ state
// ----------------------------------------------------------------------------------------

fn state_of(ctx: &Ctx, db: &SdkDb) -> Value {
    let id = db.db_instance_identifier().unwrap_or_default();
    let endpoint = db.endpoint();
    let port = endpoint.and_then(|e| e.port()).or(db.db_instance_port());
    let address = endpoint.and_then(|e| e.address());
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
        "engine",
        obj::opt_str(db.engine().map(str::to_lowercase).as_deref()),
    );
    put("engine_version", obj::opt_str(db.engine_version()));
    put("engine_version_actual", obj::opt_str(db.engine_version()));
    put("instance_class", obj::opt_str(db.db_instance_class()));
    put("allocated_storage", obj::opt_i32(db.allocated_storage()));
    put(
        "max_allocated_storage",
        obj::opt_i32(db.max_allocated_storage()),
    );
    put("storage_type", obj::opt_str(db.storage_type()));
    put("iops", obj::opt_i32(db.iops()));
    put(
        "storage_encrypted",
        Value::Bool(db.storage_encrypted().unwrap_or(false)),
    );
    put("kms_key_id", obj::opt_str(db.kms_key_id()));
    put("db_name", obj::opt_str(db.db_name()));
    put("username", obj::opt_str(db.master_username()));
    put(
        "manage_master_user_password",
        Value::Bool(db.master_user_secret().is_some()),
    );
    put("port", obj::opt_i32(port));
    put(
        "vpc_security_group_ids",
        obj::set(
            db.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(Value::from)),
        ),
    );
    put(
        "db_subnet_group_name",
        obj::opt_str(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
    );
    put(
        "parameter_group_name",
        obj::opt_str(
            db.db_parameter_groups()
                .first()
                .and_then(|g| g.db_parameter_group_name()),
        ),
    );
    put(
        "option_group_name",
        obj::opt_str(
            db.option_group_memberships()
                .first()
                .and_then(|g| g.option_group_name()),
        ),
    );
    put(
        "backup_retention_period",
        obj::opt_i32(db.backup_retention_period()),
    );
    put("backup_window", obj::opt_str(db.preferred_backup_window()));
    put(
        "maintenance_window",
        obj::opt_str(
            db.preferred_maintenance_window()
                .map(str::to_lowercase)
                .as_deref(),
        ),
    );
    put("multi_az", obj::opt_bool(db.multi_az()));
    put(
        "publicly_accessible",
        Value::Bool(db.publicly_accessible().unwrap_or(false)),
    );
    put(
        "deletion_protection",
        Value::Bool(db.deletion_protection().unwrap_or(false)),
    );
    put(
        "auto_minor_version_upgrade",
        Value::Bool(db.auto_minor_version_upgrade().unwrap_or(true)),
    );
    put(
        "copy_tags_to_snapshot",
        Value::Bool(db.copy_tags_to_snapshot().unwrap_or(false)),
    );
    for k in VIRTUAL {
        put(k, Value::Null);
    }
    put("availability_zone", obj::opt_str(db.availability_zone()));
    put(
        "replicate_source_db",
        obj::opt_str(db.read_replica_source_db_instance_identifier()),
    );
    put(
        "replicas",
        obj::list(
            db.read_replica_db_instance_identifiers()
                .iter()
                .map(|s| Value::from(s.as_str())),
        ),
    );
    put("arn", obj::opt_str(db.db_instance_arn()));
    put(
        "endpoint",
        match (address, port) {
            (Some(a), Some(p)) => Value::from(format!("{a}:{p}")),
            (Some(a), None) => Value::from(a),
            _ => Value::Null,
        },
    );
    put("address", obj::opt_str(address));
    put(
        "hosted_zone_id",
        obj::opt_str(endpoint.and_then(|e| e.hosted_zone_id())),
    );
    put("resource_id", obj::opt_str(db.dbi_resource_id()));
    put("status", obj::opt_str(db.db_instance_status()));
    put("tags", tags);
    put("tags_all", tags_all);
    Value::Map(m)
}

/// Completes a state read back after create/update with what only the plan knows.
fn finish_state(mut state: Value, planned: &Value, pending_version: Option<&str>) -> Value {
    obj::keep_from(&mut state, planned, VIRTUAL);
    let version = state_engine_version(
        obj::str(planned, "engine_version"),
        obj::str(&state, "engine_version_actual"),
        pending_version,
    );
    if let Value::Map(m) = &mut state {
        m.insert("engine_version".into(), obj::opt_str(version.as_deref()));
    }
    state
}

fn not_found_message(id: &str) -> String {
    format!("DB instance {id} not found")
}

pub(super) fn sdk_code<E>(e: &aws_sdk_rds::error::SdkError<E>) -> (Option<&str>, Option<&str>)
where
    E: aws_sdk_rds::error::ProvideErrorMetadata,
{
    match e.as_service_error() {
        Some(s) => (s.code(), s.message()),
        None => (None, None),
    }
}

impl DbInstance {
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

    async fn describe_one(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<SdkDb>> {
        Ok(self
            .describe(ctx, &[id.to_string()])
            .await?
            .into_iter()
            .find(|d| d.db_instance_identifier() == Some(id)))
    }

    async fn wait_available(&self, ctx: &Ctx, id: &str, timeout: Duration) -> ProviderResult<()> {
        let owned = id.to_string();
        ctx.wait_for(
            &super::DB_INSTANCE,
            id,
            &format!("DB instance {id} to become available"),
            timeout,
            Box::new(move |db| {
                let id = &owned;
                let Some(db) = db else {
                    return Err(ProviderError::not_found(not_found_message(id)));
                };
                let status = super::poller::status(db);
                if AVAILABLE.contains(&status) {
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

    async fn wait_gone(&self, ctx: &Ctx, id: &str) -> ProviderResult<()> {
        ctx.wait_for(
            &super::DB_INSTANCE,
            id,
            &format!("DB instance {id} to be deleted"),
            DELETE_TIMEOUT,
            Box::new(|db| Ok(db.is_none())),
        )
        .await
    }

    /// Reads one instance back after a write and completes its state from the plan.
    async fn state_after_write(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let db = self.describe_one(ctx, id).await?.ok_or_else(|| {
            ProviderError::not_found(format!("{} after writing it", not_found_message(id)))
        })?;
        let pending = db
            .pending_modified_values()
            .and_then(|p| p.engine_version())
            .map(str::to_string);
        Ok(finish_state(
            state_of(ctx, &db),
            planned,
            pending.as_deref(),
        ))
    }

    /// Everything create does after the create call.
    async fn finish_create(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<Value> {
        if obj::str(planned, "replicate_source_db").is_some() {
            self.configure_replica(ctx, id, planned).await?;
        }
        self.wait_available(ctx, id, CREATE_TIMEOUT).await?;
        self.state_after_write(ctx, id, planned).await
    }

    async fn create_primary(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<()> {
        let tags = rds_tags::create_tags(ctx, planned);
        let sgs = obj::strings(planned, "vpc_security_group_ids");
        let engine = obj::str(planned, "engine").map(str::to_lowercase);
        ctx.rds()
            .create_db_instance()
            .db_instance_identifier(id)
            .set_db_instance_class(obj::string(planned, "instance_class"))
            .set_engine(engine)
            .set_engine_version(obj::string(planned, "engine_version"))
            .set_allocated_storage(obj::i32(planned, "allocated_storage"))
            .set_max_allocated_storage(obj::i32(planned, "max_allocated_storage"))
            .set_storage_type(obj::string(planned, "storage_type"))
            .set_iops(obj::i32(planned, "iops"))
            .set_storage_encrypted(obj::bool(planned, "storage_encrypted"))
            .set_kms_key_id(obj::string(planned, "kms_key_id"))
            .set_db_name(obj::string(planned, "db_name"))
            .set_master_username(obj::string(planned, "username"))
            .set_master_user_password(obj::string(planned, "password"))
            .set_manage_master_user_password(
                obj::bool(planned, "manage_master_user_password").filter(|b| *b),
            )
            .set_port(obj::i32(planned, "port"))
            .set_vpc_security_group_ids((!sgs.is_empty()).then_some(sgs))
            .set_db_subnet_group_name(obj::string(planned, "db_subnet_group_name"))
            .set_db_parameter_group_name(obj::string(planned, "parameter_group_name"))
            .set_option_group_name(obj::string(planned, "option_group_name"))
            .set_backup_retention_period(obj::i32(planned, "backup_retention_period"))
            .set_preferred_backup_window(obj::string(planned, "backup_window"))
            .set_preferred_maintenance_window(
                obj::str(planned, "maintenance_window").map(str::to_lowercase),
            )
            .set_multi_az(obj::bool(planned, "multi_az"))
            .set_publicly_accessible(obj::bool(planned, "publicly_accessible"))
            .set_deletion_protection(obj::bool(planned, "deletion_protection"))
            .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"))
            .set_copy_tags_to_snapshot(obj::bool(planned, "copy_tags_to_snapshot"))
            .set_availability_zone(obj::string(planned, "availability_zone"))
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating DB instance {id}"), e))?;
        Ok(())
    }

    async fn create_replica(
        &self,
        ctx: &Ctx,
        id: &str,
        source: &str,
        planned: &Value,
    ) -> ProviderResult<()> {
        let tags = rds_tags::create_tags(ctx, planned);
        let sgs = obj::strings(planned, "vpc_security_group_ids");
        ctx.rds()
            .create_db_instance_read_replica()
            .db_instance_identifier(id)
            .source_db_instance_identifier(source)
            .set_db_instance_class(obj::string(planned, "instance_class"))
            .set_max_allocated_storage(obj::i32(planned, "max_allocated_storage"))
            .set_storage_type(obj::string(planned, "storage_type"))
            .set_iops(obj::i32(planned, "iops"))
            .set_kms_key_id(obj::string(planned, "kms_key_id"))
            .set_port(obj::i32(planned, "port"))
            .set_vpc_security_group_ids((!sgs.is_empty()).then_some(sgs))
            .set_db_subnet_group_name(obj::string(planned, "db_subnet_group_name"))
            .set_option_group_name(obj::string(planned, "option_group_name"))
            .set_multi_az(obj::bool(planned, "multi_az"))
            .set_publicly_accessible(obj::bool(planned, "publicly_accessible"))
            .set_deletion_protection(obj::bool(planned, "deletion_protection"))
            .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"))
            .set_copy_tags_to_snapshot(obj::bool(planned, "copy_tags_to_snapshot"))
            .set_availability_zone(obj::string(planned, "availability_zone"))
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating read replica {id}"), e))?;
        Ok(())
    }

    /// What CreateDBInstanceReadReplica does not take goes into one Modify, once the new
    /// replica is available.
    async fn configure_replica(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<()> {
        self.wait_available(ctx, id, CREATE_TIMEOUT).await?;
        let mut modify = ctx
            .rds()
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(true);
        let mut needed = false;
        if let Some(n) = obj::i32(planned, "backup_retention_period") {
            modify = modify.backup_retention_period(n);
            needed = true;
        }
        if let Some(w) = obj::str(planned, "backup_window") {
            modify = modify.preferred_backup_window(w);
            needed = true;
        }
        if let Some(w) = obj::str(planned, "maintenance_window") {
            modify = modify.preferred_maintenance_window(w.to_lowercase());
            needed = true;
        }
        if let Some(p) = obj::str(planned, "parameter_group_name") {
            modify = modify.db_parameter_group_name(p);
            needed = true;
        }
        if let Some(p) = obj::str(planned, "password") {
            modify = modify.master_user_password(p);
            needed = true;
        }
        if obj::bool(planned, "manage_master_user_password") == Some(true) {
            modify = modify.manage_master_user_password(true);
            needed = true;
        }
        if needed {
            modify
                .send()
                .await
                .map_err(|e| ProviderError::sdk(&format!("modifying read replica {id}"), e))?;
        }
        Ok(())
    }
}

pub(super) fn changed(prior: &Value, planned: &Value, key: &str) -> bool {
    let (a, b) = (prior.get(key), planned.get(key));
    a.map(Value::unmarked).unwrap_or(&Value::Null) != b.map(Value::unmarked).unwrap_or(&Value::Null)
}

/// Whether the planned master password differs from the one in state, which keeps only its
/// salted hash: comparing the two strings would reset the password on every update.
fn password_changed(prior: &Value, planned: &Value) -> bool {
    match (obj::str(prior, "password"), obj::str(planned, "password")) {
        (Some(stored), Some(plain)) => !crate::state::secret_matches(stored, plain),
        _ => changed(prior, planned, "password"),
    }
}

#[async_trait]
impl ResourceType for DbInstance {
    fn type_name(&self) -> &'static str {
        "aws_db_instance"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    /// The provider takes any engine name; AWS refuses the Aurora ones at create.
    fn plan_checks(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if let Some(e) = known_str(config, "engine") {
            if !supported_engine(&e.to_lowercase()) {
                problems.push(ConfigProblem::new(
                    Some("engine"),
                    format!("engine \"{e}\" is not supported by aws_db_instance"),
                    "supported engines: mysql, postgres, mariadb, oracle-*, sqlserver-* (Aurora uses aws_rds_cluster)",
                ));
            }
        }
        problems
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
        if known_str(config, "password").is_some()
            && config
                .get("manage_master_user_password")
                .and_then(Value::as_bool)
                == Some(true)
        {
            problems.push(ConfigProblem::new(
                Some("password"),
                "\"password\" and \"manage_master_user_password\" cannot both be set",
                "remove password to let RDS manage the master password in Secrets Manager",
            ));
        }
        if let Some(w) = known_str(config, "backup_window") {
            if !BACKUP_WINDOW.is_match(w) {
                problems.push(ConfigProblem::new(
                    Some("backup_window"),
                    format!("invalid backup_window \"{w}\""),
                    "use the format hh24:mi-hh24:mi, e.g. \"03:00-04:00\" (UTC)",
                ));
            }
        }
        if let Some(w) = known_str(config, "maintenance_window") {
            if !MAINTENANCE_WINDOW.is_match(w) {
                problems.push(ConfigProblem::new(
                    Some("maintenance_window"),
                    format!("invalid maintenance_window \"{w}\""),
                    "use the format ddd:hh24:mi-ddd:hh24:mi, e.g. \"sun:05:00-sun:06:00\" (UTC)",
                ));
            }
        }
        if let Some(n) = config
            .get("backup_retention_period")
            .and_then(Value::as_f64)
        {
            if !(0.0..=35.0).contains(&n) {
                problems.push(ConfigProblem::new(
                    Some("backup_retention_period"),
                    format!("backup_retention_period must be between 0 and 35, got {n}"),
                    "0 disables automated backups",
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
        if known_null(config, "replicate_source_db") {
            for (key, what) in [
                ("engine", "an engine"),
                ("username", "a master user name"),
                ("allocated_storage", "allocated storage"),
            ] {
                if known_null(config, key) {
                    problems.push(ConfigProblem::new(
                        Some(key),
                        format!("\"{key}\" is required: a new DB instance needs {what}"),
                        "set it, or set replicate_source_db to create a read replica",
                    ));
                }
            }
        } else if config
            .get("replicate_source_db")
            .is_some_and(Value::is_known)
        {
            for key in ["db_name", "username"] {
                if !known_null(config, key) {
                    problems.push(ConfigProblem::new(
                        Some(key),
                        format!("\"{key}\" cannot be set together with \"replicate_source_db\""),
                        "a read replica takes it from its source instance",
                    ));
                }
            }
        }
        problems
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        for key in ["engine", "maintenance_window"] {
            if let Some(s) = m.get(key).and_then(Value::as_str) {
                let lower = s.to_lowercase();
                m.insert(key.into(), Value::from(lower));
            }
        }
        match prior {
            None => {
                let identifier = m.get("identifier").cloned().unwrap_or(Value::Null);
                // Not configured: null, or unknown as the engine plans unset computed values. (A
                // configured value only known after apply is indistinguishable here; names
                // rarely depend on other resources.)
                if !identifier.is_known() || identifier.is_null() {
                    let prefix = m
                        .get("identifier_prefix")
                        .and_then(Value::as_str)
                        .unwrap_or(DEFAULT_PREFIX)
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
                // engine_version: a prefix of the running version is no change.
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
                // Storage grown by autoscaling is no change.
                let cfg_storage = m.get("allocated_storage").and_then(Value::as_f64);
                let max = m.get("max_allocated_storage").and_then(Value::as_f64);
                let prior_storage = prior.get("allocated_storage").and_then(Value::as_f64);
                if let (Some(c), Some(max), Some(p)) = (cfg_storage, max, prior_storage) {
                    if p > c && max > c {
                        m.insert("allocated_storage".into(), Value::Number(p));
                    }
                }
                // max_allocated_storage equal to allocated_storage means "no autoscaling".
                if prior
                    .get("max_allocated_storage")
                    .is_none_or(Value::is_null)
                    && max.is_some()
                    && max == cfg_storage
                {
                    m.insert("max_allocated_storage".into(), Value::Null);
                }
                match m.get("identifier").and_then(Value::as_str) {
                    Some(i) => {
                        let i = i.to_string();
                        m.insert("id".into(), Value::from(i));
                    }
                    None if m.get("identifier").is_some_and(|v| !v.is_known()) => {
                        m.insert("id".into(), Value::Unknown);
                    }
                    None => {}
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
        let id = obj::str(prior, "id").unwrap_or("the DB instance");
        Err(ConfigProblem::new(
            Some("skip_final_snapshot"),
            format!(
                "DB instance {id} cannot be deleted: neither skip_final_snapshot = true nor a final_snapshot_identifier is set"
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
        for db in self.describe(ctx, &unique).await? {
            // A name that does not match exactly is an eventual-consistency answer: absent.
            if let Some(id) = db.db_instance_identifier().filter(|i| wanted.contains(i)) {
                out.insert(id.to_string(), state_of(ctx, &db));
            }
        }
        Ok(out)
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        let mut found = self.read(ctx, &[id.to_string()]).await?.remove(id);
        if let Some(Value::Map(m)) = &mut found {
            // Neither can be read from AWS; without them no delete could ever be planned.
            m.insert("skip_final_snapshot".into(), Value::Bool(true));
            m.insert("delete_automated_backups".into(), Value::Bool(true));
            m.insert("apply_immediately".into(), Value::Bool(false));
        }
        Ok(found)
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let mut out = Vec::new();
        let mut pages = ctx.rds().describe_db_instances().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ProviderError::sdk("describing DB instances", e))?;
            out.extend(
                page.db_instances
                    .unwrap_or_default()
                    .iter()
                    .map(|db| state_of(ctx, db)),
            );
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
        let id = obj::string(planned, "identifier")
            .ok_or_else(|| ProviderError::new("aws_db_instance: the identifier is not known"))?;
        match obj::str(planned, "replicate_source_db") {
            Some(source) => self.create_replica(ctx, &id, source, planned).await?,
            None => self.create_primary(ctx, &id, planned).await?,
        }
        self.finish_create(ctx, &id, planned).await
    }

    /// The create call's instance exists, its answer lost: what create does after the call.
    /// An update would diff an instance still being created against the plan (a password
    /// AWS never returns, an engine version it spells in full) and modify it for nothing.
    async fn settle_retried_create(
        &self,
        ctx: &Ctx,
        found: &Value,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let id = obj::string(found, "id")
            .ok_or_else(|| ProviderError::new("the DB instance found has no id"))?;
        self.finish_create(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let old_id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_db_instance: prior state has no id"))?;
        let new_id = obj::string(planned, "identifier").unwrap_or_else(|| old_id.clone());
        let rds = ctx.rds();
        let ch = |k: &str| changed(prior, planned, k);

        // Promotion of a read replica.
        if ch("replicate_source_db") {
            if obj::str(planned, "replicate_source_db").is_some() {
                return Err(ProviderError::new(format!(
                    "DB instance {old_id}: cannot elect a new source database for replication; remove replicate_source_db to promote the replica"
                )));
            }
            rds.promote_read_replica()
                .db_instance_identifier(&old_id)
                .set_backup_retention_period(obj::i32(planned, "backup_retention_period"))
                .set_preferred_backup_window(obj::string(planned, "backup_window"))
                .send()
                .await
                .map_err(|e| ProviderError::sdk(&format!("promoting read replica {old_id}"), e))?;
            self.wait_available(ctx, &old_id, UPDATE_TIMEOUT).await?;
        }

        let mut modify = rds
            .modify_db_instance()
            .db_instance_identifier(&old_id)
            .apply_immediately(obj::bool(planned, "apply_immediately").unwrap_or(false))
            .set_deletion_protection(obj::bool(planned, "deletion_protection"));
        let mut needed = false;
        if new_id != old_id {
            modify = modify.new_db_instance_identifier(&new_id);
            needed = true;
        }
        if ch("instance_class") {
            modify = modify.set_db_instance_class(obj::string(planned, "instance_class"));
            needed = true;
        }
        if ch("engine_version") {
            modify = modify
                .set_engine_version(obj::string(planned, "engine_version"))
                .set_allow_major_version_upgrade(obj::bool(planned, "allow_major_version_upgrade"));
            needed = true;
        }
        let engine = obj::str(planned, "engine").unwrap_or_default();
        let storage = obj::i32(planned, "allocated_storage");
        if ch("allocated_storage") || ch("iops") || ch("storage_type") {
            modify = modify.set_allocated_storage(storage);
            let storage_type = obj::str(planned, "storage_type").unwrap_or_default();
            let gp3_baseline = storage_type == "gp3"
                && storage.unwrap_or(0) < gp3_iops_threshold(engine)
                && !ch("iops");
            if !gp3_baseline {
                modify = modify.set_iops(obj::i32(planned, "iops"));
            }
            if ch("storage_type") {
                modify = modify.set_storage_type(obj::string(planned, "storage_type"));
            }
            needed = true;
        }
        if ch("max_allocated_storage") {
            // Removing it disables autoscaling: AWS wants the allocated storage then.
            modify = modify
                .set_max_allocated_storage(obj::i32(planned, "max_allocated_storage").or(storage));
            needed = true;
        }
        if password_changed(prior, planned) {
            if let Some(p) = obj::str(planned, "password") {
                modify = modify.master_user_password(p);
                needed = true;
            }
        }
        if ch("manage_master_user_password") {
            modify = modify
                .set_manage_master_user_password(obj::bool(planned, "manage_master_user_password"));
            needed = true;
        }
        if ch("port") {
            modify = modify.set_db_port_number(obj::i32(planned, "port"));
            needed = true;
        }
        if ch("vpc_security_group_ids") {
            let sgs = obj::strings(planned, "vpc_security_group_ids");
            if !sgs.is_empty() {
                modify = modify.set_vpc_security_group_ids(Some(sgs));
                needed = true;
            }
        }
        if ch("db_subnet_group_name") {
            modify = modify.set_db_subnet_group_name(obj::string(planned, "db_subnet_group_name"));
            needed = true;
        }
        if ch("parameter_group_name") {
            modify =
                modify.set_db_parameter_group_name(obj::string(planned, "parameter_group_name"));
            needed = true;
        }
        if ch("option_group_name") {
            modify = modify.set_option_group_name(obj::string(planned, "option_group_name"));
            needed = true;
        }
        if ch("backup_retention_period") {
            modify =
                modify.set_backup_retention_period(obj::i32(planned, "backup_retention_period"));
            needed = true;
        }
        if ch("backup_window") {
            modify = modify.set_preferred_backup_window(obj::string(planned, "backup_window"));
            needed = true;
        }
        if ch("maintenance_window") {
            modify = modify.set_preferred_maintenance_window(
                obj::str(planned, "maintenance_window").map(str::to_lowercase),
            );
            needed = true;
        }
        if ch("multi_az") {
            modify = modify.set_multi_az(obj::bool(planned, "multi_az"));
            needed = true;
        }
        if ch("publicly_accessible") {
            modify = modify.set_publicly_accessible(obj::bool(planned, "publicly_accessible"));
            needed = true;
        }
        if ch("auto_minor_version_upgrade") {
            modify = modify
                .set_auto_minor_version_upgrade(obj::bool(planned, "auto_minor_version_upgrade"));
            needed = true;
        }
        if ch("copy_tags_to_snapshot") {
            modify = modify.set_copy_tags_to_snapshot(obj::bool(planned, "copy_tags_to_snapshot"));
            needed = true;
        }
        // deletion_protection is sent with every Modify; a change alone needs one too.
        needed |= ch("deletion_protection");
        if needed {
            modify
                .send()
                .await
                .map_err(|e| ProviderError::sdk(&format!("modifying DB instance {old_id}"), e))?;
            self.wait_available(ctx, &new_id, UPDATE_TIMEOUT).await?;
        }

        let old_tags = obj::string_map(prior, "tags_all");
        let new_tags = rds_tags::planned_all(ctx, planned);
        if old_tags != new_tags {
            let arn = match self.describe_one(ctx, &new_id).await? {
                Some(db) => db.db_instance_arn().map(str::to_string),
                None => None,
            }
            .or_else(|| obj::string(prior, "arn"))
            .ok_or_else(|| ProviderError::new(format!("DB instance {new_id}: no ARN")))?;
            rds_tags::update(ctx, &arn, &old_tags, &new_tags).await?;
        }
        self.state_after_write(ctx, &new_id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_db_instance: prior state has no id"))?;
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
                .delete_db_instance()
                .db_instance_identifier(&id)
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
            // Deletion protection turned on outside strata: lift it when told to apply now.
            if !retried
                && message.contains("disable deletion protection")
                && obj::bool(prior, "deletion_protection") != Some(true)
                && obj::bool(prior, "apply_immediately") == Some(true)
            {
                ctx.rds()
                    .modify_db_instance()
                    .db_instance_identifier(&id)
                    .deletion_protection(false)
                    .apply_immediately(true)
                    .send()
                    .await
                    .map_err(|e| {
                        ProviderError::sdk(
                            &format!("disabling deletion protection of DB instance {id}"),
                            e,
                        )
                    })?;
                self.wait_available(ctx, &id, UPDATE_TIMEOUT).await?;
                retried = true;
                continue;
            }
            return Err(ProviderError::sdk(
                &format!("deleting DB instance {id}"),
                err,
            ));
        }
        self.wait_gone(ctx, &id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut m = Map::new();
        m.insert("engine".into(), Value::from("mysql"));
        m.insert("username".into(), Value::from("admin"));
        m.insert("allocated_storage".into(), Value::from(20));
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Map(m)
    }

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        let config = config(pairs);
        let mut all = DbInstance.validate(&config);
        all.extend(DbInstance.plan_checks(&config));
        all.into_iter().map(|p| p.attribute).collect()
    }

    #[test]
    fn engine_version_prefixes_match_on_dots_only() {
        assert!(engine_version_matches("8.0", "8.0.36"));
        assert!(engine_version_matches("8.0.36", "8.0.36"));
        assert!(engine_version_matches("16", "16.3"));
        assert!(!engine_version_matches("8.0", "8.01"));
        assert!(!engine_version_matches("8.0.36", "8.0"));
        assert!(!engine_version_matches("5.7", "8.0.36"));
    }

    #[test]
    fn state_keeps_a_matching_configured_version() {
        assert_eq!(
            state_engine_version(Some("8.0"), Some("8.0.36"), None).as_deref(),
            Some("8.0")
        );
        assert_eq!(
            state_engine_version(Some("5.7"), Some("8.0.36"), None).as_deref(),
            Some("8.0.36")
        );
        assert_eq!(
            state_engine_version(Some("8.0.40"), Some("8.0.36"), Some("8.0.40")).as_deref(),
            Some("8.0.40")
        );
        assert_eq!(
            state_engine_version(None, Some("16.3"), None).as_deref(),
            Some("16.3")
        );
    }

    #[test]
    fn plan_suppresses_a_version_prefix_of_the_running_one() {
        let prior = Value::Map(Map::from([
            ("engine_version".to_string(), Value::from("8.0.36")),
            ("engine_version_actual".to_string(), Value::from("8.0.36")),
        ]));
        let mut planned = Value::Map(Map::from([
            ("engine_version".to_string(), Value::from("8.0")),
            ("engine".to_string(), Value::from("MySQL")),
            (
                "maintenance_window".to_string(),
                Value::from("Mon:00:00-Mon:03:00"),
            ),
        ]));
        DbInstance.customize_plan(Some(&prior), &mut planned);
        assert_eq!(obj::str(&planned, "engine_version"), Some("8.0.36"));
        assert_eq!(obj::str(&planned, "engine"), Some("mysql"));
        assert_eq!(
            obj::str(&planned, "maintenance_window"),
            Some("mon:00:00-mon:03:00")
        );

        let mut planned = Value::Map(Map::from([(
            "engine_version".to_string(),
            Value::from("8.4"),
        )]));
        DbInstance.customize_plan(Some(&prior), &mut planned);
        assert_eq!(obj::str(&planned, "engine_version"), Some("8.4"));
    }

    #[test]
    fn identifiers_are_generated_on_create() {
        let mut planned = config(&[("identifier", Value::Null)]);
        DbInstance.customize_plan(None, &mut planned);
        let id = obj::string(&planned, "identifier").unwrap();
        assert!(id.starts_with("terraform-") && id.len() == 10 + 26, "{id}");
        assert_eq!(obj::str(&planned, "id"), Some(id.as_str()));

        let mut planned = config(&[("identifier_prefix", Value::from("app-"))]);
        DbInstance.customize_plan(None, &mut planned);
        assert!(obj::str(&planned, "identifier")
            .unwrap()
            .starts_with("app-"));
    }

    #[test]
    fn valid_config_has_no_problems() {
        assert_eq!(
            problems(&[
                ("identifier", Value::from("app-db-1")),
                ("backup_window", Value::from("03:00-04:00")),
                ("maintenance_window", Value::from("Sun:05:00-sun:06:00")),
                ("password", Value::from("secret").sensitive()),
                ("final_snapshot_identifier", Value::from("App-final-1")),
            ]),
            Vec::<Option<&str>>::new()
        );
        // mariadb without a version is fine; unknowns are not judged.
        assert!(problems(&[
            ("engine", Value::from("mariadb")),
            ("identifier", Value::Unknown),
            ("backup_window", Value::Unknown),
        ])
        .is_empty());
    }

    #[test]
    fn identifier_rules() {
        for bad in ["App", "1db", "a--b", "db-", "my_db"] {
            assert_eq!(
                problems(&[("identifier", Value::from(bad))]),
                [Some("identifier")],
                "{bad}"
            );
        }
        assert!(problems(&[("identifier_prefix", Value::from("db-"))]).is_empty());
        assert_eq!(
            problems(&[
                ("identifier", Value::from("a")),
                ("identifier_prefix", Value::from("b-"))
            ]),
            [Some("identifier_prefix")]
        );
    }

    #[test]
    fn conflicts_and_formats() {
        assert_eq!(
            problems(&[
                ("password", Value::from("secret-value").sensitive()),
                ("manage_master_user_password", Value::Bool(true)),
            ]),
            [Some("password")]
        );
        let ps = DbInstance.validate(&config(&[
            ("password", Value::from("secret-value").sensitive()),
            ("manage_master_user_password", Value::Bool(true)),
        ]));
        assert!(ps
            .iter()
            .all(|p| !p.message.contains("secret-value") && !p.help.contains("secret-value")));
        for bad in ["3:00-04:00", "03:00-24:00", "03:00"] {
            assert_eq!(
                problems(&[("backup_window", Value::from(bad))]),
                [Some("backup_window")],
                "{bad}"
            );
        }
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
        assert_eq!(
            problems(&[("engine", Value::from("aurora-mysql"))]),
            [Some("engine")]
        );
        assert_eq!(
            problems(&[("backup_retention_period", Value::from(36))]),
            [Some("backup_retention_period")]
        );
        assert_eq!(
            problems(&[("final_snapshot_identifier", Value::from("final-"))]),
            [Some("final_snapshot_identifier")]
        );
        assert_eq!(problems(&[("engine", Value::Null)]), [Some("engine")]);
        assert_eq!(
            problems(&[("replicate_source_db", Value::from("src"))]),
            [Some("username")]
        );
    }

    #[test]
    fn an_unchanged_password_is_not_sent_again() {
        let stored = crate::state::hash_secret("hunter22-pw");
        let prior = config(&[("password", Value::from(stored.as_str()))]);
        let same = config(&[("password", Value::from("hunter22-pw"))]);
        let other = config(&[("password", Value::from("another-pw"))]);
        assert!(!password_changed(&prior, &same));
        assert!(password_changed(&prior, &other));
        // Imported: no password in state yet.
        assert!(password_changed(&config(&[]), &same));
    }

    #[test]
    fn delete_needs_a_final_snapshot_choice() {
        let prior = Value::Map(Map::from([
            ("id".to_string(), Value::from("db1")),
            ("skip_final_snapshot".to_string(), Value::Bool(false)),
        ]));
        let p = DbInstance.check_delete(&prior).unwrap_err();
        assert!(p.help.contains("skip_final_snapshot = true"), "{}", p.help);
        assert!(
            p.help.contains("final_snapshot_identifier = \""),
            "{}",
            p.help
        );

        let mut ok = prior.clone();
        obj::keep_from(
            &mut ok,
            &Value::Map(Map::from([(
                "final_snapshot_identifier".to_string(),
                Value::from("db1-final"),
            )])),
            &["final_snapshot_identifier"],
        );
        assert!(DbInstance.check_delete(&ok).is_ok());
    }
}
