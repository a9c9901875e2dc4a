//! How an `aws_db_instance` comes to exist: CreateDBInstance; CreateDBInstanceReadReplica
//! (`replicate_source_db`); RestoreDBInstanceFromDBSnapshot (`snapshot_identifier`);
//! RestoreDBInstanceToPointInTime (`restore_to_point_in_time`). What the call does not take
//! is sent by one Modify once the new instance is available, as the provider does.

use super::schema::{REPLICA_SETUP, RESTORE_SETUP, SCHEMA};
use super::{DbInstance, WAITER};
use crate::provider::aws::kit::prelude::*;

/// What a new instance is made from.
enum Origin<'a> {
    New,
    Replica(&'a str),
    Snapshot(&'a str),
    PointInTime(&'a Value),
}

fn origin(planned: &Value) -> Origin<'_> {
    if let Some(source) = obj::str(planned, "replicate_source_db") {
        return Origin::Replica(source);
    }
    if let Some(snapshot) = obj::str(planned, "snapshot_identifier") {
        return Origin::Snapshot(snapshot);
    }
    match planned
        .get("restore_to_point_in_time")
        .and_then(Value::as_list)
        .and_then(|l| l.first())
    {
        Some(point) => Origin::PointInTime(point),
        None => Origin::New,
    }
}

/// The arguments every one of the four calls takes (the instance's identifier aside: the
/// point-in-time restore calls it the target).
macro_rules! common {
    ($call:expr, $ctx:expr, $planned:expr) => {{
        let p = $planned;
        $call
            .set_db_instance_class(obj::string(p, "instance_class"))
            .set_storage_type(obj::string(p, "storage_type"))
            .set_iops(obj::i32(p, "iops"))
            .set_storage_throughput(obj::i32(p, "storage_throughput"))
            .set_port(obj::i32(p, "port"))
            .set_vpc_security_group_ids(modify::some_strings(p, "vpc_security_group_ids"))
            .set_db_subnet_group_name(obj::string(p, "db_subnet_group_name"))
            .set_option_group_name(obj::string(p, "option_group_name"))
            .set_multi_az(obj::bool(p, "multi_az"))
            .set_publicly_accessible(obj::bool(p, "publicly_accessible"))
            .set_deletion_protection(obj::bool(p, "deletion_protection"))
            .set_auto_minor_version_upgrade(obj::bool(p, "auto_minor_version_upgrade"))
            .set_copy_tags_to_snapshot(obj::bool(p, "copy_tags_to_snapshot"))
            .set_availability_zone(obj::string(p, "availability_zone"))
            .set_ca_certificate_identifier(obj::string(p, "ca_cert_identifier"))
            .set_custom_iam_instance_profile(obj::string(p, "custom_iam_instance_profile"))
            .set_dedicated_log_volume(obj::bool(p, "dedicated_log_volume").filter(|b| *b))
            .set_enable_cloudwatch_logs_exports(modify::some_strings(
                p,
                "enabled_cloudwatch_logs_exports",
            ))
            .set_enable_customer_owned_ip(obj::bool(p, "customer_owned_ip_enabled"))
            .set_enable_iam_database_authentication(obj::bool(
                p,
                "iam_database_authentication_enabled",
            ))
            .set_network_type(obj::string(p, "network_type"))
            .set_domain(obj::string(p, "domain"))
            .set_domain_iam_role_name(obj::string(p, "domain_iam_role_name"))
            .set_domain_fqdn(obj::string(p, "domain_fqdn"))
            .set_domain_ou(obj::string(p, "domain_ou"))
            .set_domain_auth_secret_arn(obj::string(p, "domain_auth_secret_arn"))
            .set_domain_dns_ips(modify::some_strings(p, "domain_dns_ips"))
            .set_tags(tags::for_create($ctx, p))
    }};
}

/// What a new instance and a replica take about monitoring and insights.
macro_rules! insights {
    ($call:expr, $planned:expr) => {{
        let p = $planned;
        $call
            .set_monitoring_interval(obj::i32(p, "monitoring_interval"))
            .set_monitoring_role_arn(obj::string(p, "monitoring_role_arn"))
            .set_enable_performance_insights(obj::bool(p, "performance_insights_enabled"))
            .set_performance_insights_kms_key_id(obj::string(p, "performance_insights_kms_key_id"))
            .set_performance_insights_retention_period(obj::i32(
                p,
                "performance_insights_retention_period",
            ))
            .set_database_insights_mode(obj::str(p, "database_insights_mode").map(|m| m.into()))
    }};
}

/// What a new instance and both restores take about the master password and support.
macro_rules! managed_password {
    ($call:expr, $planned:expr) => {{
        let p = $planned;
        $call
            .set_manage_master_user_password(
                obj::bool(p, "manage_master_user_password").filter(|b| *b),
            )
            .set_master_user_secret_kms_key_id(obj::string(p, "master_user_secret_kms_key_id"))
            .set_engine_lifecycle_support(obj::string(p, "engine_lifecycle_support"))
            .set_license_model(obj::string(p, "license_model"))
            .set_backup_retention_period(obj::i32(p, "backup_retention_period"))
            .set_preferred_backup_window(obj::string(p, "backup_window"))
    }};
}

impl DbInstance {
    /// The call that makes the instance, by its origin.
    pub(super) async fn create_call(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<()> {
        let rds = ctx.rds();
        let p = planned;
        match origin(planned) {
            Origin::Replica(source) => {
                let call = common!(rds.create_db_instance_read_replica(), ctx, p);
                insights!(call, p)
                    .db_instance_identifier(id)
                    .source_db_instance_identifier(source)
                    .set_max_allocated_storage(obj::i32(p, "max_allocated_storage"))
                    .set_kms_key_id(obj::string(p, "kms_key_id"))
                    .set_replica_mode(obj::str(p, "replica_mode").map(|m| m.into()))
                    .set_upgrade_storage_config(obj::bool(p, "upgrade_storage_config"))
                    .send()
                    .await
                    .during(&format!("creating read replica {id}"))
                    .map(drop)
            }
            Origin::Snapshot(snapshot) => {
                let call = common!(rds.restore_db_instance_from_db_snapshot(), ctx, p);
                managed_password!(call, p)
                    .db_instance_identifier(id)
                    .db_snapshot_identifier(snapshot)
                    .set_engine(modify::lower(p, "engine"))
                    .send()
                    .await
                    .during(&format!(
                        "restoring DB instance {id} from snapshot {snapshot}"
                    ))
                    .map(drop)
            }
            Origin::PointInTime(point) => {
                let call = common!(rds.restore_db_instance_to_point_in_time(), ctx, p);
                let time = super::super::restore_time(point, "restore_time")?;
                managed_password!(call, p)
                    .target_db_instance_identifier(id)
                    .set_source_db_instance_identifier(obj::string(
                        point,
                        "source_db_instance_identifier",
                    ))
                    .set_source_dbi_resource_id(obj::string(point, "source_dbi_resource_id"))
                    .set_source_db_instance_automated_backups_arn(obj::string(
                        point,
                        "source_db_instance_automated_backups_arn",
                    ))
                    .set_use_latest_restorable_time(obj::bool(point, "use_latest_restorable_time"))
                    .set_restore_time(time)
                    .set_engine(modify::lower(p, "engine"))
                    .set_max_allocated_storage(obj::i32(p, "max_allocated_storage"))
                    .send()
                    .await
                    .during(&format!("restoring DB instance {id} to a point in time"))
                    .map(drop)
            }
            Origin::New => {
                let call = common!(rds.create_db_instance(), ctx, p);
                let call = managed_password!(insights!(call, p), p);
                call.db_instance_identifier(id)
                    .set_engine(modify::lower(p, "engine"))
                    .set_engine_version(obj::string(p, "engine_version"))
                    .set_allocated_storage(obj::i32(p, "allocated_storage"))
                    .set_max_allocated_storage(obj::i32(p, "max_allocated_storage"))
                    .set_storage_encrypted(obj::bool(p, "storage_encrypted"))
                    .set_kms_key_id(obj::string(p, "kms_key_id"))
                    .set_db_name(obj::string(p, "db_name"))
                    .set_master_username(obj::string(p, "username"))
                    .set_master_user_password(
                        obj::string(p, "password").or_else(|| obj::string(p, "password_wo")),
                    )
                    .set_db_parameter_group_name(obj::string(p, "parameter_group_name"))
                    .set_preferred_maintenance_window(modify::lower(p, "maintenance_window"))
                    .set_character_set_name(obj::string(p, "character_set_name"))
                    .set_nchar_character_set_name(obj::string(p, "nchar_character_set_name"))
                    .set_timezone(obj::string(p, "timezone"))
                    .send()
                    .await
                    .during(&format!("creating DB instance {id}"))
                    .map(drop)
            }
        }
    }

    /// What the replica and restore calls do not take goes into one Modify, once the new
    /// instance is available.
    pub(super) async fn configure_after_call(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<()> {
        let setup = match origin(planned) {
            Origin::New => return Ok(()),
            Origin::Replica(_) => REPLICA_SETUP,
            Origin::Snapshot(_) | Origin::PointInTime(_) => RESTORE_SETUP,
        };
        WAITER
            .ready(ctx, id, SCHEMA.timeout(planned, "create"))
            .await?;
        let modify = ctx
            .rds()
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(true);
        let found = match self.describe_one(ctx, id).await? {
            Some(db) => super::state_of(ctx, &db),
            None => Value::Null,
        };
        let (modify, needed) = modify::set_missing(setup, &found, planned, modify);
        if needed {
            modify
                .send()
                .await
                .during(&format!("configuring new DB instance {id}"))?;
        }
        Ok(())
    }
}
