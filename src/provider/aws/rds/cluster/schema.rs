//! `aws_rds_cluster`'s schema and modify tables: every argument as the provider declares
//! it, and which ModifyDBCluster field carries a change of it.

use crate::provider::aws::kit::prelude::*;
use crate::provider::aws::kit::{DAILY_WINDOW, WEEKLY_WINDOW};
use aws_sdk_rds::operation::modify_db_cluster::builders::ModifyDBClusterFluentBuilder as Modify;
use aws_sdk_rds::types::{ScalingConfiguration, ServerlessV2ScalingConfiguration};

use super::super::{cluster_engine, identifier, identifier_prefix, snapshot_identifier};
use super::super::{insights_retention, monitoring_interval, CLUSTER_PREFIX, RFC3339};
use super::cluster_version_suppressed;

pub(super) static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An Aurora DB cluster (aurora-mysql, aurora-postgresql), or a Multi-AZ DB cluster (mysql, postgres).";
        regional;
        id                        string output                "The cluster identifier.";
        cluster_identifier        string computed force_new check(identifier) name_from_prefix("cluster_identifier_prefix", CLUSTER_PREFIX) "Cluster identifier; generated (`tf-…`) when not set.";
        cluster_identifier_prefix string computed force_new conflicts_with(&["cluster_identifier"]) check(identifier_prefix) "Creates a unique identifier beginning with this prefix.";
        engine                    string required force_new lowercase check(cluster_engine) "aurora-mysql or aurora-postgresql; mysql or postgres for a Multi-AZ DB cluster.";
        engine_mode               string force_new default("provisioned") one_of(&["global", "multimaster", "parallelquery", "provisioned", "serverless", ""]) "provisioned (Aurora Serverless v2 too), or serverless (v1, not supported: refused); \"\" is provisioned.";
        engine_version            string computed same_version("engine_version_actual", cluster_version_suppressed) "Engine version; a prefix or an older version of the running one is no change.";
        engine_version_actual     string output                "The engine version AWS runs.";
        engine_lifecycle_support  string computed one_of(&["open-source-rds-extended-support", "open-source-rds-extended-support-disabled"]) "RDS Extended Support after the engine's end of standard support.";
        database_name             string computed force_new    "Name of the database created with the cluster.";
        master_username           string computed force_new    "Master user name.";
        master_password           string sensitive virtual_    "Master password; never returned by AWS (state keeps a salted hash).";
        master_password_wo        string write_only conflicts_with(&["master_password"]) required_with(&["master_password_wo_version"]) "Master password, write-only (Terraform 1.11): sent on create and whenever master_password_wo_version changes.";
        master_password_wo_version number write_only_version required_with(&["master_password_wo"]) "Change it to send master_password_wo again.";
        manage_master_user_password bool computed              "Let RDS keep the master password in Secrets Manager.";
        master_user_secret_kms_key_id string computed          "KMS key of the Secrets Manager secret RDS keeps the master password in.";
        master_user_secret        map_list output              "The secret RDS keeps the master password in: kms_key_id, secret_arn, secret_status.";
        storage_encrypted         bool   computed force_new    "Encrypt the cluster's storage.";
        kms_key_id                string computed force_new    "ARN of the KMS key for storage encryption.";
        db_cluster_instance_class string                       "Instance class of each instance of a Multi-AZ DB cluster.";
        allocated_storage         number computed              "Storage in GiB of a Multi-AZ DB cluster.";
        storage_type              string computed requires_replace_if(storage_type_replaces) "aurora or aurora-iopt1 (Aurora, changed in place); io1, io2 or gp3 (Multi-AZ DB cluster, a change replaces it).";
        iops                      number                       "Provisioned IOPS of a Multi-AZ DB cluster.";
        backup_retention_period   number default(1) range(1.0, 35.0) "Days to keep automated backups (1-35).";
        preferred_backup_window   string computed regex(DAILY_WINDOW, "a daily window hh24:mi-hh24:mi (UTC), e.g. 03:00-04:00") "Daily backup window, hh24:mi-hh24:mi (UTC).";
        preferred_maintenance_window string computed lowercase regex(WEEKLY_WINDOW, "a weekly window ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. sun:05:00-sun:06:00") "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased).";
        backtrack_window          number range(0.0, 259200.0)  "Seconds of Backtrack (aurora-mysql; 0 turns it off, at most 72 hours).";
        port                      number computed              "Database port.";
        deletion_protection       bool   default(false)        "Refuse deletes while true.";
        skip_final_snapshot       bool   virtual_ default(false) "Delete without a final snapshot.";
        final_snapshot_identifier string virtual_ check(snapshot_identifier) "Name of the cluster snapshot taken on delete.";
        delete_automated_backups  bool   virtual_ default(true) "Remove automated backups on delete.";
        apply_immediately         bool   virtual_ default(false) "Apply changes now instead of in the maintenance window.";
        allow_major_version_upgrade bool virtual_              "Allow engine_version changes across major versions.";
        vpc_security_group_ids    string_set computed          "VPC security groups of the cluster.";
        db_subnet_group_name      string computed force_new    "DB subnet group to place the cluster in.";
        db_cluster_parameter_group_name string computed        "DB cluster parameter group.";
        db_instance_parameter_group_name string virtual_       "DB parameter group for the instances during a major version upgrade; sent with an engine_version change, never returned by AWS.";
        availability_zones        string_set computed force_new check(|v| (v.as_list()?.len() > 3).then(|| "at most 3 can be set: Aurora stores a cluster's data in three AZs".into())) "AZs for the cluster's storage (AWS uses three).";
        copy_tags_to_snapshot     bool   default(false)        "Copy the cluster's tags to its snapshots.";
        snapshot_identifier       string create_only conflicts_with(&["global_cluster_identifier", "restore_to_point_in_time", "s3_import"]) "Cluster snapshot to restore the cluster from when it is created; read only then (a later change neither changes nor replaces it).";
        global_cluster_identifier string                       "Global database the cluster joins at create; only removal is possible afterwards.";
        replication_source_identifier string                   "ARN of the cluster (or instance) this cluster replicates; removing it promotes the cluster.";
        source_region             string virtual_ force_new    "Region of replication_source_identifier (cross-region replica).";
        iam_database_authentication_enabled bool               "Map IAM users and roles to database accounts.";
        enabled_cloudwatch_logs_exports string_set one_of(LOG_TYPES) "Log types exported to CloudWatch Logs.";
        enable_http_endpoint      bool   default(false)        "Turn on the RDS Data API (HTTP endpoint).";
        enable_global_write_forwarding bool default(false)     "Forward writes of this secondary cluster of a global database to the primary.";
        enable_local_write_forwarding bool default(false)      "Forward writes from reader instances to the writer (Aurora MySQL).";
        monitoring_interval       number computed check(monitoring_interval) "Seconds between Enhanced Monitoring samples: 0 (off), 1, 5, 10, 15, 30 or 60 (Multi-AZ DB clusters).";
        monitoring_role_arn       string computed              "IAM role that lets RDS send Enhanced Monitoring metrics to CloudWatch Logs.";
        performance_insights_enabled bool                      "Turn on Performance Insights (Multi-AZ DB clusters; Aurora with Database Insights advanced).";
        performance_insights_kms_key_id string computed        "KMS key ARN for Performance Insights data.";
        performance_insights_retention_period number computed check(insights_retention) "Days to keep Performance Insights data: 7, 731, or a multiple of 31.";
        database_insights_mode    string computed one_of(&["standard", "advanced"]) "CloudWatch Database Insights mode: standard or advanced.";
        network_type              string computed one_of(&["IPV4", "DUAL"]) "IPV4 or DUAL (IPv4 and IPv6).";
        publicly_accessible       bool   computed force_new    "Give the instances of a Multi-AZ DB cluster public addresses.";
        auto_minor_version_upgrade bool  computed              "Apply minor engine upgrades in the maintenance window (Multi-AZ DB clusters).";
        ca_certificate_identifier string computed              "Certificate authority of the server certificate (Multi-AZ DB clusters).";
        ca_certificate_valid_till string output                "When that certificate expires.";
        cluster_scalability_type  string computed force_new one_of(&["standard", "limitless"]) "standard, or limitless (Aurora PostgreSQL Limitless Database).";
        db_system_id              string computed force_new    "The Oracle SID of an RDS Custom cluster.";
        domain                    string                       "Active Directory directory id (Kerberos authentication).";
        domain_iam_role_name      string                       "IAM role RDS uses to call the Directory Service.";
        cluster_members           string_set computed          "Identifiers of the cluster's instances (informational: aws_rds_cluster_instance adds them).";
        arn                       string output                "ARN of the cluster.";
        endpoint                  string output                "Writer endpoint (host name).";
        reader_endpoint           string output                "Load-balanced reader endpoint (host name).";
        cluster_resource_id       string output                "The cluster's resource id (cluster-…).";
        hosted_zone_id            string output                "Route 53 zone of the endpoints.";
        tags;
        id_from cluster_identifier;
        timeouts create(120) update(120) delete(120);
        block serverlessv2_scaling();
        block serverlessv1_scaling();
        block restore_to_point_in_time();
        block super::super::s3_import_block();
    }
});

/// `serverlessv2_scaling_configuration {}`: the capacity range of the cluster's
/// `db.serverless` instances. Removing the block changes nothing (AWS cannot remove it).
fn serverlessv2_scaling() -> BlockType {
    let capacity = schema! {
        "";
        min_capacity             number required range(0.0, 256.0) "Fewest Aurora capacity units (ACUs), in steps of 0.5; 0 lets the instances pause.";
        max_capacity             number required range(1.0, 256.0) "Most ACUs, in steps of 0.5.";
        seconds_until_auto_pause number computed range(300.0, 86400.0) "Idle seconds before the instances pause (min_capacity 0 only).";
    };
    BlockType::list("serverlessv2_scaling_configuration", capacity)
        .max_one()
        .computed()
        .describe("Aurora Serverless v2 capacity range.")
}

/// `scaling_configuration {}`: Aurora Serverless v1, at its end of life since 2025-03-31 (AWS
/// creates no more such clusters). Accepted so configurations validate; refused when set.
fn serverlessv1_scaling() -> BlockType {
    let capacity = schema! {
        "";
        auto_pause               bool   default(true)  "Pause when idle.";
        min_capacity             number default(1)     "Fewest capacity units.";
        max_capacity             number default(16)    "Most capacity units.";
        seconds_until_auto_pause number default(300) range(300.0, 86400.0) "Idle seconds before pausing.";
        seconds_before_timeout   number default(300) range(60.0, 600.0)    "Seconds to find a scaling point.";
        timeout_action           string default("RollbackCapacityChange") one_of(&["ForceApplyCapacityChange", "RollbackCapacityChange"]) "What a scaling timeout does.";
    };
    BlockType::list("scaling_configuration", capacity)
        .max_one()
        .describe("Aurora Serverless v1 scaling (not supported: Serverless v1 reached its end of life; refused when set).")
}

/// `restore_to_point_in_time {}`: the cluster is created by a point-in-time restore of
/// another cluster; read only at create.
fn restore_to_point_in_time() -> BlockType {
    let point = schema! {
        "";
        restore_to_time            string conflicts_with(&["use_latest_restorable_time"]) regex(RFC3339, "an RFC 3339 time, e.g. 2026-12-01T03:00:00Z") "The time to restore to (UTC).";
        use_latest_restorable_time bool                       "Restore to the latest time the source can be restored to.";
        source_cluster_identifier  string                     "Identifier or ARN of the source cluster.";
        source_cluster_resource_id string                     "Resource id (cluster-…) of the source cluster.";
        restore_type               string one_of(&["copy-on-write", "full-copy"]) "full-copy (default) or copy-on-write (a clone).";
    };
    BlockType::list("restore_to_point_in_time", point)
        .max_one()
        .create_only()
        .describe("Restore the new cluster to a point in time; read only at create.")
}

/// The log types a cluster exports to CloudWatch Logs, over both engines.
const LOG_TYPES: &[&str] = &[
    "audit",
    "error",
    "general",
    "iam-db-auth-error",
    "instance",
    "postgresql",
    "slowquery",
    "upgrade",
];

/// Aurora storage (`aurora`, `aurora-iopt1`, or AWS's "" for the first) changes in place; a
/// Multi-AZ DB cluster's storage type only by replacement, as the provider's ForceNew for
/// non-Aurora engines.
fn storage_type_replaces(old: &Value, new: &Value) -> bool {
    let aurora = |v: &Value| matches!(v.as_str(), None | Some("" | "aurora" | "aurora-iopt1"));
    !(aurora(old) && aurora(new))
}

/// The Serverless v2 capacity of the plan, as the SDK takes it; none when the block is
/// absent. `seconds_until_auto_pause` is sent only with a minimum of 0 (AWS refuses it
/// otherwise), and a maximum of 0 never.
pub(super) fn serverless_v2(planned: &Value) -> Option<ServerlessV2ScalingConfiguration> {
    let c = first_block(planned, "serverlessv2_scaling_configuration")?;
    let min = c.get("min_capacity").and_then(Value::as_f64);
    let pause = obj::i32(c, "seconds_until_auto_pause").filter(|_| min == Some(0.0));
    let max = c.get("max_capacity").and_then(Value::as_f64);
    Some(
        ServerlessV2ScalingConfiguration::builder()
            .set_min_capacity(min)
            .set_max_capacity(max.filter(|m| *m > 0.0))
            .set_seconds_until_auto_pause(pause)
            .build(),
    )
}

/// The Serverless v1 scaling of the plan (only for a ModifyDBCluster of an existing one).
fn serverless_v1(planned: &Value) -> Option<ScalingConfiguration> {
    let c = first_block(planned, "scaling_configuration")?;
    Some(
        ScalingConfiguration::builder()
            .set_auto_pause(obj::bool(c, "auto_pause"))
            .set_min_capacity(obj::i32(c, "min_capacity"))
            .set_max_capacity(obj::i32(c, "max_capacity"))
            .set_seconds_until_auto_pause(obj::i32(c, "seconds_until_auto_pause"))
            .set_seconds_before_timeout(obj::i32(c, "seconds_before_timeout"))
            .set_timeout_action(obj::string(c, "timeout_action"))
            .build(),
    )
}

/// The one block of a `max_one` block list.
pub(super) fn first_block<'a>(planned: &'a Value, name: &str) -> Option<&'a Value> {
    planned
        .get(name)
        .and_then(Value::as_list)
        .and_then(|l| l.first())
        .filter(|v| v.is_known())
}

pub(super) const MODIFY: Table<Modify> = setters! {
    "manage_master_user_password" => set_manage_master_user_password(bool),
    "master_user_secret_kms_key_id" => set_master_user_secret_kms_key_id(string),
    "engine_lifecycle_support" => set_engine_lifecycle_support(string),
    "backup_retention_period" => set_backup_retention_period(i32),
    "preferred_backup_window" => set_preferred_backup_window(string),
    "preferred_maintenance_window" => set_preferred_maintenance_window(lower),
    "backtrack_window" => |b, p| b.backtrack_window(obj::i32(p, "backtrack_window").map_or(0, i64::from)),
    "port" => set_port(i32),
    "deletion_protection" => set_deletion_protection(bool),
    // An empty set is sent too: it removes every group.
    "vpc_security_group_ids" => set_vpc_security_group_ids(strings),
    "db_cluster_parameter_group_name" => set_db_cluster_parameter_group_name(string),
    "copy_tags_to_snapshot" => set_copy_tags_to_snapshot(bool),
    "db_cluster_instance_class" => set_db_cluster_instance_class(string),
    "iam_database_authentication_enabled" => |b, p| b.enable_iam_database_authentication(obj::bool(p, "iam_database_authentication_enabled").unwrap_or(false)),
    "enable_global_write_forwarding" => set_enable_global_write_forwarding(bool),
    "enable_local_write_forwarding" => set_enable_local_write_forwarding(bool),
    "monitoring_interval" => set_monitoring_interval(i32),
    "monitoring_role_arn" => set_monitoring_role_arn(string),
    "performance_insights_enabled" => |b, p| b.enable_performance_insights(obj::bool(p, "performance_insights_enabled").unwrap_or(false)),
    "performance_insights_kms_key_id" => set_performance_insights_kms_key_id(string),
    "performance_insights_retention_period" => set_performance_insights_retention_period(i32),
    "database_insights_mode" => |b, p| b.set_database_insights_mode(obj::str(p, "database_insights_mode").map(Into::into)),
    "network_type" => set_network_type(string),
    "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
    "ca_certificate_identifier" => set_ca_certificate_identifier(string),
    "domain" => set_domain(string),
    "domain_iam_role_name" => set_domain_iam_role_name(string),
    "serverlessv2_scaling_configuration" => |b, p| b.set_serverless_v2_scaling_configuration(serverless_v2(p)),
    "scaling_configuration" => |b, p| b.set_scaling_configuration(serverless_v1(p)),
};

/// What the restores do not take, set on the restored cluster by one Modify (the provider's
/// list: backup retention and windows, the password, the managed password's key, the
/// Serverless v2 capacity; and what CreateDBCluster takes but the restores do not).
pub(super) const RESTORE_SETUP: Table<Modify> = setters! {
    "backup_retention_period" => set_backup_retention_period(i32),
    "preferred_backup_window" => set_preferred_backup_window(string),
    "preferred_maintenance_window" => set_preferred_maintenance_window(lower),
    "master_password" => set_master_user_password(string),
    "master_password_wo" => set_master_user_password(string),
    "manage_master_user_password" => set_manage_master_user_password(bool),
    "master_user_secret_kms_key_id" => set_master_user_secret_kms_key_id(string),
    "serverlessv2_scaling_configuration" => |b, p| b.set_serverless_v2_scaling_configuration(serverless_v2(p)),
    "ca_certificate_identifier" => set_ca_certificate_identifier(string),
    "database_insights_mode" => |b, p| b.set_database_insights_mode(obj::str(p, "database_insights_mode").map(Into::into)),
    "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
    "enable_local_write_forwarding" => set_enable_local_write_forwarding(bool),
    "allocated_storage" => set_allocated_storage(i32),
};
