//! `aws_db_instance`'s schema and modify table: every argument as the provider declares it,
//! and which ModifyDBInstance field carries a change of it.

use crate::provider::aws::kit::naming::DEFAULT_PREFIX;
use crate::provider::aws::kit::prelude::*;
use crate::provider::aws::kit::{DAILY_WINDOW, WEEKLY_WINDOW};
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder as Modify;

use super::super::{engine_version_matches, identifier, identifier_prefix, snapshot_identifier};
use super::super::{insights_retention, monitoring_interval, RFC3339};

pub(super) static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An RDS DB instance (MySQL, PostgreSQL, MariaDB, Oracle, SQL Server).";
        regional;
        id                    string output                     "The DB instance identifier (Terraform ≥ 5 uses the resource id).";
        identifier            string computed check(identifier) name_from_prefix("identifier_prefix", DEFAULT_PREFIX) "DB instance identifier; generated when not set. A change renames in place.";
        identifier_prefix     string computed conflicts_with(&["identifier"]) check(identifier_prefix) "Creates a unique identifier beginning with this prefix.";
        engine                string computed force_new lowercase "mysql, postgres, mariadb, oracle-*, sqlserver-* (lower-cased).";
        engine_version        string computed same_version("engine_version_actual", engine_version_matches) "Engine version; a prefix such as 8.0 matches 8.0.36.";
        engine_version_actual string output                     "The engine version AWS runs.";
        instance_class        string required                   "Instance class, e.g. db.t3.micro.";
        allocated_storage     number computed                   "Storage in GiB.";
        max_allocated_storage number                            "Upper limit for storage autoscaling, in GiB.";
        storage_type          string computed                   "standard, gp2, gp3, io1 or io2.";
        iops                  number computed                   "Provisioned IOPS.";
        storage_encrypted     bool   force_new default(false)   "Encrypt the storage.";
        kms_key_id            string computed force_new         "ARN of the KMS key for storage encryption.";
        db_name               string computed force_new         "Name of the database created with the instance.";
        username              string computed force_new         "Master user name.";
        password              string sensitive virtual_         "Master password; never returned by AWS (state keeps a salted hash).";
        password_wo           string write_only conflicts_with(&["password"]) required_with(&["password_wo_version"]) "Master password, write-only (Terraform 1.11): sent on create and whenever password_wo_version changes.";
        password_wo_version   number write_only_version required_with(&["password_wo"]) "Change it to send password_wo again.";
        manage_master_user_password bool computed               "Let RDS keep the master password in Secrets Manager.";
        port                  number computed                   "Database port.";
        vpc_security_group_ids string_set computed              "VPC security groups of the instance.";
        db_subnet_group_name  string computed                   "DB subnet group to place the instance in.";
        parameter_group_name  string computed                   "DB parameter group.";
        option_group_name     string computed                   "Option group.";
        backup_retention_period number computed range(0.0, 35.0) "Days to keep automated backups (0-35).";
        backup_window         string computed regex(DAILY_WINDOW, "a daily window hh24:mi-hh24:mi (UTC), e.g. 03:00-04:00") "Daily backup window, hh24:mi-hh24:mi (UTC).";
        maintenance_window    string computed lowercase regex(WEEKLY_WINDOW, "a weekly window ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. sun:05:00-sun:06:00") "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased).";
        multi_az              bool   computed                   "Multi-AZ deployment.";
        publicly_accessible   bool   default(false)             "Give the instance a public address.";
        deletion_protection   bool   default(false)             "Refuse deletes while true.";
        skip_final_snapshot   bool   virtual_ default(false)    "Delete without a final snapshot.";
        final_snapshot_identifier string virtual_ check(snapshot_identifier) "Name of the snapshot taken on delete.";
        delete_automated_backups bool virtual_ default(true)    "Remove automated backups on delete.";
        apply_immediately     bool   virtual_ default(false)    "Apply changes now instead of in the maintenance window.";
        allow_major_version_upgrade bool virtual_               "Allow engine_version changes across major versions.";
        auto_minor_version_upgrade bool default(true)           "Apply minor engine upgrades in the maintenance window.";
        copy_tags_to_snapshot bool   default(false)             "Copy the instance's tags to its snapshots.";
        availability_zone     string computed force_new         "Availability zone.";
        replicate_source_db   string                            "Identifier or ARN of the instance to replicate; removing it promotes.";
        replicas              string_list output                "Identifiers of this instance's read replicas.";
        arn                   string output                     "ARN of the instance.";
        endpoint              string output                     "Connection endpoint, host:port.";
        address               string output                     "Host name.";
        hosted_zone_id        string output                     "Route 53 zone of the endpoint.";
        resource_id           string output                     "DbiResourceId (Terraform ≥ 5's id).";
        status                string output                     "Instance status.";
        snapshot_identifier   string create_only conflicts_with(&["restore_to_point_in_time", "s3_import"]) "Snapshot to restore the instance from when it is created; read only then (a later change neither changes nor replaces it).";
        character_set_name    string computed force_new          "Character set (Oracle, SQL Server collation).";
        nchar_character_set_name string computed force_new       "National character set (Oracle).";
        timezone              string computed force_new          "Time zone (SQL Server).";
        license_model         string computed                    "License model (license-included, bring-your-own-license, general-public-license, ...).";
        storage_throughput    number computed                    "Storage throughput in MiBps (gp3).";
        monitoring_interval   number default(0) check(monitoring_interval) "Seconds between Enhanced Monitoring samples: 0 (off), 1, 5, 10, 15, 30 or 60.";
        monitoring_role_arn   string computed                    "IAM role that lets RDS send Enhanced Monitoring metrics to CloudWatch Logs.";
        performance_insights_enabled bool default(false)         "Turn on Performance Insights.";
        performance_insights_kms_key_id string computed          "KMS key ARN for Performance Insights data.";
        performance_insights_retention_period number computed check(insights_retention) "Days to keep Performance Insights data: 7, 731, or a multiple of 31.";
        database_insights_mode string computed one_of(&["standard", "advanced"]) "CloudWatch Database Insights mode: standard or advanced.";
        iam_database_authentication_enabled bool                 "Map IAM users and roles to database accounts.";
        enabled_cloudwatch_logs_exports string_set one_of(LOG_TYPES) "Log types exported to CloudWatch Logs.";
        network_type          string computed one_of(&["IPV4", "DUAL"]) "IPV4 or DUAL (IPv4 and IPv6).";
        ca_cert_identifier    string computed                    "Certificate authority of the server certificate.";
        engine_lifecycle_support string computed one_of(&["open-source-rds-extended-support", "open-source-rds-extended-support-disabled"]) "RDS Extended Support after the engine's end of standard support.";
        dedicated_log_volume  bool   default(false)              "Put the database logs on their own volume.";
        customer_owned_ip_enabled bool                           "Use a customer-owned IP address (RDS on Outposts).";
        custom_iam_instance_profile string force_new regex("^AWSRDSCustom.*$", "a name starting with AWSRDSCustom") "Instance profile of an RDS Custom instance.";
        domain                string conflicts_with(SELF_MANAGED_AD) "AWS-managed Active Directory directory id.";
        domain_iam_role_name  string conflicts_with(SELF_MANAGED_AD) "IAM role RDS uses to call the Directory Service.";
        domain_fqdn           string computed conflicts_with(AWS_MANAGED_AD) "Self-managed Active Directory: fully qualified domain name.";
        domain_ou             string conflicts_with(AWS_MANAGED_AD) "Self-managed Active Directory: organizational unit.";
        domain_auth_secret_arn string conflicts_with(AWS_MANAGED_AD) "Self-managed Active Directory: secret with the join credentials.";
        domain_dns_ips        string_list conflicts_with(AWS_MANAGED_AD) "Self-managed Active Directory: two DNS server addresses.";
        replica_mode          string computed one_of(&["mounted", "open-read-only"]) "Oracle replica mode: mounted or open-read-only.";
        upgrade_storage_config bool  virtual_                   "Upgrade the storage file system of a new read replica.";
        master_user_secret_kms_key_id string computed            "KMS key of the Secrets Manager secret RDS keeps the master password in.";
        master_user_secret    map_list output                    "The secret RDS keeps the master password in: kms_key_id, secret_arn, secret_status.";
        tags;
        id_from identifier;
        timeouts create(50) update(80) delete(60);
        block restore_to_point_in_time();
        block super::super::s3_import_block();
        block BlockType::list("blue_green_update", schema! { ""; enabled bool "Update through a blue/green deployment."; }).max_one().virtual_().describe("Blue/green updates (not supported by strata: enabled = true is refused).");
    }
});

/// `restore_to_point_in_time {}`: the instance is created by a point-in-time restore of
/// another instance (or of its replicated automated backups); read only at create.
fn restore_to_point_in_time() -> BlockType {
    let point = schema! {
        "";
        restore_time              string conflicts_with(&["use_latest_restorable_time"]) regex(RFC3339, "an RFC 3339 time, e.g. 2026-12-01T03:00:00Z") "The time to restore to (UTC).";
        use_latest_restorable_time bool                       "Restore to the latest time the source can be restored to.";
        source_db_instance_identifier string                  "Identifier of the source instance.";
        source_dbi_resource_id    string                      "Resource id (db-…) of the source instance.";
        source_db_instance_automated_backups_arn string       "ARN of replicated automated backups to restore from.";
    };
    BlockType::list("restore_to_point_in_time", point)
        .max_one()
        .create_only()
        .describe("Restore the new instance to a point in time; read only at create.")
}

/// The log types RDS exports to CloudWatch Logs, over every engine.
const LOG_TYPES: &[&str] = &[
    "agent",
    "alert",
    "audit",
    "diag.log",
    "error",
    "general",
    "iam-db-auth-error",
    "listener",
    "notify.log",
    "oemagent",
    "postgresql",
    "slowquery",
    "trace",
    "upgrade",
];

const AWS_MANAGED_AD: &[&str] = &["domain", "domain_iam_role_name"];
const SELF_MANAGED_AD: &[&str] = &[
    "domain_fqdn",
    "domain_ou",
    "domain_auth_secret_arn",
    "domain_dns_ips",
];

pub(super) const MODIFY: Table<Modify> = setters! {
    "instance_class" => set_db_instance_class(string),
    "manage_master_user_password" => set_manage_master_user_password(bool),
    "port" => set_db_port_number(i32),
    "db_subnet_group_name" => set_db_subnet_group_name(string),
    "parameter_group_name" => set_db_parameter_group_name(string),
    "option_group_name" => set_option_group_name(string),
    "backup_retention_period" => set_backup_retention_period(i32),
    "backup_window" => set_preferred_backup_window(string),
    "maintenance_window" => set_preferred_maintenance_window(lower),
    "multi_az" => set_multi_az(bool),
    "publicly_accessible" => set_publicly_accessible(bool),
    "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
    "copy_tags_to_snapshot" => set_copy_tags_to_snapshot(bool),
    "license_model" => set_license_model(string),
    "storage_throughput" => set_storage_throughput(i32),
    "monitoring_interval" => set_monitoring_interval(i32),
    "monitoring_role_arn" => set_monitoring_role_arn(string),
    "performance_insights_enabled" => set_enable_performance_insights(bool),
    "performance_insights_kms_key_id" => set_performance_insights_kms_key_id(string),
    "performance_insights_retention_period" => set_performance_insights_retention_period(i32),
    "database_insights_mode" => |b, p| b.set_database_insights_mode(modify::string(p, "database_insights_mode").map(|m| m.as_str().into())),
    "iam_database_authentication_enabled" => set_enable_iam_database_authentication(bool),
    "network_type" => set_network_type(string),
    "ca_cert_identifier" => set_ca_certificate_identifier(string),
    "engine_lifecycle_support" => set_engine_lifecycle_support(string),
    "dedicated_log_volume" => set_dedicated_log_volume(bool),
    "customer_owned_ip_enabled" => set_enable_customer_owned_ip(bool),
    "domain" => set_domain(string),
    "domain_iam_role_name" => set_domain_iam_role_name(string),
    "domain_fqdn" => set_domain_fqdn(string),
    "domain_ou" => set_domain_ou(string),
    "domain_auth_secret_arn" => set_domain_auth_secret_arn(string),
    "domain_dns_ips" => set_domain_dns_ips(strings),
    "replica_mode" => |b, p| b.set_replica_mode(modify::string(p, "replica_mode").map(|m| m.as_str().into())),
    // Sent with every Modify; a change alone needs one too.
    "deletion_protection" => set_deletion_protection(bool),
};

/// What both restores do not take, set on the restored instance by one Modify (the
/// provider's list: storage, windows, monitoring, insights, the password).
pub(super) const RESTORE_SETUP: Table<Modify> = setters! {
    "allocated_storage" => set_allocated_storage(i32),
    "max_allocated_storage" => set_max_allocated_storage(i32),
    "maintenance_window" => set_preferred_maintenance_window(lower),
    "parameter_group_name" => set_db_parameter_group_name(string),
    "monitoring_interval" => set_monitoring_interval(i32),
    "monitoring_role_arn" => set_monitoring_role_arn(string),
    "performance_insights_enabled" => set_enable_performance_insights(bool),
    "performance_insights_kms_key_id" => set_performance_insights_kms_key_id(string),
    "performance_insights_retention_period" => set_performance_insights_retention_period(i32),
    "password" => set_master_user_password(string),
    "password_wo" => set_master_user_password(string),
    "manage_master_user_password" => set_manage_master_user_password(bool),
};

/// What CreateDBInstanceReadReplica does not take, set on the new replica by one Modify.
pub(super) const REPLICA_SETUP: Table<Modify> = setters! {
    "backup_retention_period" => set_backup_retention_period(i32),
    "backup_window" => set_preferred_backup_window(string),
    "maintenance_window" => set_preferred_maintenance_window(lower),
    "parameter_group_name" => set_db_parameter_group_name(string),
    "password" => set_master_user_password(string),
    "password_wo" => set_master_user_password(string),
    "manage_master_user_password" => set_manage_master_user_password(bool),
};
