//! How an `aws_rds_cluster` comes to exist: CreateDBCluster; RestoreDBClusterFromSnapshot
//! (`snapshot_identifier`); RestoreDBClusterToPointInTime (`restore_to_point_in_time`). What
//! a restore does not take is sent by one Modify once the new cluster is available, as the
//! provider does (with ApplyImmediately, whatever `apply_immediately` says).

use super::schema::{first_block, serverless_v2, RESTORE_SETUP, SCHEMA};
use super::{RdsCluster, WAITER};
use crate::provider::aws::kit::prelude::*;

/// What a new cluster is made from.
enum Origin<'a> {
    New,
    Snapshot(&'a str),
    PointInTime(&'a Value),
}

fn origin(planned: &Value) -> Origin<'_> {
    if let Some(snapshot) = obj::str(planned, "snapshot_identifier") {
        return Origin::Snapshot(snapshot);
    }
    match first_block(planned, "restore_to_point_in_time") {
        Some(point) => Origin::PointInTime(point),
        None => Origin::New,
    }
}

/// The arguments all three calls take.
macro_rules! common {
    ($call:expr, $ctx:expr, $planned:expr) => {{
        let p = $planned;
        $call
            .set_backtrack_window(obj::i32(p, "backtrack_window").map(i64::from))
            .set_backup_retention_period(obj::i32(p, "backup_retention_period"))
            .set_preferred_backup_window(obj::string(p, "preferred_backup_window"))
            .set_copy_tags_to_snapshot(obj::bool(p, "copy_tags_to_snapshot"))
            .set_db_cluster_instance_class(obj::string(p, "db_cluster_instance_class"))
            .set_db_cluster_parameter_group_name(obj::string(p, "db_cluster_parameter_group_name"))
            .set_db_subnet_group_name(obj::string(p, "db_subnet_group_name"))
            .set_deletion_protection(obj::bool(p, "deletion_protection"))
            .set_domain(obj::string(p, "domain"))
            .set_domain_iam_role_name(obj::string(p, "domain_iam_role_name"))
            .set_enable_cloudwatch_logs_exports(modify::some_strings(
                p,
                "enabled_cloudwatch_logs_exports",
            ))
            .set_enable_iam_database_authentication(obj::bool(
                p,
                "iam_database_authentication_enabled",
            ))
            .set_enable_performance_insights(obj::bool(p, "performance_insights_enabled"))
            .set_performance_insights_kms_key_id(obj::string(p, "performance_insights_kms_key_id"))
            .set_performance_insights_retention_period(obj::i32(
                p,
                "performance_insights_retention_period",
            ))
            .set_monitoring_interval(obj::i32(p, "monitoring_interval"))
            .set_monitoring_role_arn(obj::string(p, "monitoring_role_arn"))
            .set_engine_lifecycle_support(obj::string(p, "engine_lifecycle_support"))
            .set_engine_mode(obj::string(p, "engine_mode"))
            .set_iops(obj::i32(p, "iops"))
            .set_kms_key_id(obj::string(p, "kms_key_id"))
            .set_network_type(obj::string(p, "network_type"))
            .set_port(obj::i32(p, "port"))
            .set_publicly_accessible(obj::bool(p, "publicly_accessible"))
            .set_serverless_v2_scaling_configuration(serverless_v2(p))
            .set_storage_type(obj::string(p, "storage_type"))
            .set_vpc_security_group_ids(modify::some_strings(p, "vpc_security_group_ids"))
            .set_tags(tags::for_create($ctx, p))
    }};
}

impl RdsCluster {
    /// The call that makes the cluster, by its origin.
    pub(super) async fn create_call(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<()> {
        let (rds, p) = (ctx.rds(), planned);
        match origin(planned) {
            Origin::Snapshot(snapshot) => common!(rds.restore_db_cluster_from_snapshot(), ctx, p)
                .db_cluster_identifier(id)
                .snapshot_identifier(snapshot)
                .set_engine(modify::lower(p, "engine"))
                .set_engine_version(obj::string(p, "engine_version"))
                .set_database_name(obj::string(p, "database_name"))
                .set_availability_zones(modify::some_strings(p, "availability_zones"))
                .send()
                .await
                .during(&format!(
                    "restoring DB cluster {id} from snapshot {snapshot}"
                ))
                .map(drop),
            Origin::PointInTime(point) => {
                let time = super::super::restore_time(point, "restore_to_time")?;
                let source = obj::string(point, "source_cluster_identifier");
                common!(rds.restore_db_cluster_to_point_in_time(), ctx, p)
                    .db_cluster_identifier(id)
                    .set_source_db_cluster_identifier(source)
                    .set_source_db_cluster_resource_id(obj::string(
                        point,
                        "source_cluster_resource_id",
                    ))
                    .set_restore_to_time(time)
                    .set_use_latest_restorable_time(obj::bool(point, "use_latest_restorable_time"))
                    .set_restore_type(obj::string(point, "restore_type"))
                    .send()
                    .await
                    .during(&format!("restoring DB cluster {id} to a point in time"))
                    .map(drop)
            }
            Origin::New => {
                let managed = obj::bool(p, "manage_master_user_password").filter(|b| *b);
                let password = obj::string(p, "master_password")
                    .or_else(|| obj::string(p, "master_password_wo"));
                common!(rds.create_db_cluster(), ctx, p)
                    .db_cluster_identifier(id)
                    .set_engine(modify::lower(p, "engine"))
                    .set_engine_version(obj::string(p, "engine_version"))
                    .set_database_name(obj::string(p, "database_name"))
                    .set_availability_zones(modify::some_strings(p, "availability_zones"))
                    .set_master_username(obj::string(p, "master_username"))
                    .set_master_user_password(password)
                    .set_manage_master_user_password(managed)
                    .set_master_user_secret_kms_key_id(obj::string(
                        p,
                        "master_user_secret_kms_key_id",
                    ))
                    .set_storage_encrypted(obj::bool(p, "storage_encrypted"))
                    .set_preferred_maintenance_window(modify::lower(
                        p,
                        "preferred_maintenance_window",
                    ))
                    .set_allocated_storage(obj::i32(p, "allocated_storage"))
                    .set_auto_minor_version_upgrade(obj::bool(p, "auto_minor_version_upgrade"))
                    .set_ca_certificate_identifier(obj::string(p, "ca_certificate_identifier"))
                    .set_cluster_scalability_type(
                        obj::str(p, "cluster_scalability_type").map(Into::into),
                    )
                    .set_database_insights_mode(
                        obj::str(p, "database_insights_mode").map(Into::into),
                    )
                    .set_db_system_id(obj::string(p, "db_system_id"))
                    .set_enable_global_write_forwarding(
                        obj::bool(p, "enable_global_write_forwarding").filter(|b| *b),
                    )
                    .set_enable_http_endpoint(obj::bool(p, "enable_http_endpoint").filter(|b| *b))
                    .set_enable_local_write_forwarding(
                        obj::bool(p, "enable_local_write_forwarding").filter(|b| *b),
                    )
                    .set_global_cluster_identifier(obj::string(p, "global_cluster_identifier"))
                    .set_replication_source_identifier(obj::string(
                        p,
                        "replication_source_identifier",
                    ))
                    .send()
                    .await
                    .during(&format!("creating DB cluster {id}"))
                    .map(drop)
            }
        }
    }

    /// What a restore does not take goes into one Modify of only what the new cluster
    /// lacks, once it is available; the Data API through its own call.
    pub(super) async fn configure_after_call(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<()> {
        if let Origin::New = origin(planned) {
            return Ok(());
        }
        let timeout = SCHEMA.timeout(planned, "create");
        WAITER.ready(ctx, id, timeout).await?;
        let found = super::describe_one(ctx, id).await?;
        let found = found.map_or(Value::Null, |c| super::state_of(ctx, &c));
        let modify = ctx
            .rds()
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .apply_immediately(true);
        let (modify, needed) = modify::set_missing(RESTORE_SETUP, &found, planned, modify);
        if needed {
            modify
                .send()
                .await
                .during(&format!("configuring new DB cluster {id}"))?;
            WAITER.until_ready(ctx, id, timeout, true).await?;
        }
        let wants_data_api = obj::bool(planned, "enable_http_endpoint") == Some(true);
        if wants_data_api && obj::bool(&found, "enable_http_endpoint") != Some(true) {
            self.set_http_endpoint(ctx, &found, true).await?;
        }
        Ok(())
    }
}
