//! The rule catalog: each rule's id, severity and the documentation that the README table and
//! SARIF's `rules[]` show.

use crate::check::Severity;

pub const SG_DB_PORT_OPEN: &str = "SG_DB_PORT_OPEN";
pub const SG_SSH_OPEN: &str = "SG_SSH_OPEN";
pub const DB_REACHABLE_FROM_WORLD: &str = "DB_REACHABLE_FROM_WORLD";
pub const DB_PUBLICLY_ACCESSIBLE: &str = "DB_PUBLICLY_ACCESSIBLE";
pub const DB_IN_PUBLIC_SUBNET: &str = "DB_IN_PUBLIC_SUBNET";
pub const DB_STORAGE_UNENCRYPTED: &str = "DB_STORAGE_UNENCRYPTED";
pub const CACHE_AT_REST_UNENCRYPTED: &str = "CACHE_AT_REST_UNENCRYPTED";
pub const CACHE_TRANSIT_UNENCRYPTED: &str = "CACHE_TRANSIT_UNENCRYPTED";
pub const SNAPSHOT_COPY_NO_KMS_KEY: &str = "SNAPSHOT_COPY_NO_KMS_KEY";
pub const PROD_NO_BACKUPS: &str = "PROD_NO_BACKUPS";
pub const PROD_NO_FINAL_SNAPSHOT: &str = "PROD_NO_FINAL_SNAPSHOT";
pub const PROD_NO_DELETION_PROTECTION: &str = "PROD_NO_DELETION_PROTECTION";
pub const PROD_NO_DR: &str = "PROD_NO_DR";
pub const LITERAL_SECRET: &str = "LITERAL_SECRET";
pub const PLAN_DESTROYS_DATA: &str = "PLAN_DESTROYS_DATA";
pub const WAIVER_WITHOUT_REASON: &str = "WAIVER_WITHOUT_REASON";
pub const WAIVER_UNKNOWN_RULE: &str = "WAIVER_UNKNOWN_RULE";

/// A rule's documentation (README table, SARIF `rules[]`).
#[derive(Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    /// PascalCase name (SARIF `name`).
    pub name: &'static str,
    pub severity: Severity,
    /// One line: why it matters.
    pub short: &'static str,
    pub full: &'static str,
    /// What to do about it.
    pub help: &'static str,
    pub tags: &'static [&'static str],
}

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        id: SG_DB_PORT_OPEN,
        name: "SecurityGroupDatabasePortOpen",
        severity: Severity::Error,
        short: "A database or cache port is open to the internet",
        full: "An ingress rule admits 0.0.0.0/0 or ::/0 on a database or cache port (3306, 5432, 1433, 1521, 6379, 11211, or the port of a database that uses the group). Databases must only be reachable from the tiers that use them.",
        help: "admit the application's security group (security_groups / source_security_group_id) or a private CIDR instead of the world",
        tags: &["security", "network", "database"],
    },
    RuleInfo {
        id: SG_SSH_OPEN,
        name: "SecurityGroupSshOpen",
        severity: Severity::Warning,
        short: "SSH is open to the internet",
        full: "An ingress rule admits 0.0.0.0/0 or ::/0 on port 22. SSH should be reachable only from an admin network or a bastion.",
        help: "restrict port 22 to the admin network's CIDR, or use SSM Session Manager",
        tags: &["security", "network"],
    },
    RuleInfo {
        id: DB_REACHABLE_FROM_WORLD,
        name: "DatabaseReachableFromWorld",
        severity: Severity::Error,
        short: "A database admits a security group that is itself open to the internet on the database port",
        full: "The database's security group admits another group on the database port, and that group admits 0.0.0.0/0 or ::/0 on the same port: anything in it is a pass-through from the internet to the database.",
        help: "close the database port to the world on the source group, or admit a narrower group",
        tags: &["security", "network", "database"],
    },
    RuleInfo {
        id: DB_PUBLICLY_ACCESSIBLE,
        name: "DatabasePubliclyAccessible",
        severity: Severity::Error,
        short: "The database gets a public IP address",
        full: "publicly_accessible = true gives the database instance a public DNS name and address, reachable from the internet wherever its security groups allow.",
        help: "set publicly_accessible = false and reach the database from inside the VPC",
        tags: &["security", "network", "database"],
    },
    RuleInfo {
        id: DB_IN_PUBLIC_SUBNET,
        name: "DatabaseInPublicSubnet",
        severity: Severity::Error,
        short: "A publicly accessible database sits in a subnet routed to an internet gateway",
        full: "publicly_accessible = true and the database's DB subnet group holds a subnet whose route table (its own association, else the VPC's main table) routes to an internet gateway: the public address is reachable from the internet wherever the security groups allow.",
        help: "set publicly_accessible = false, or place the database in a DB subnet group of private subnets (no route to an internet gateway)",
        tags: &["security", "network", "database"],
    },
    RuleInfo {
        id: DB_STORAGE_UNENCRYPTED,
        name: "DatabaseStorageUnencrypted",
        severity: Severity::Warning,
        short: "Database storage is not encrypted at rest",
        full: "storage_encrypted is false or unset, so the data, its automated backups and snapshots are stored unencrypted. Encryption cannot be turned on later without a snapshot restore.",
        help: "set storage_encrypted = true (and kms_key_id for a customer-managed key)",
        tags: &["security", "encryption", "database"],
    },
    RuleInfo {
        id: CACHE_AT_REST_UNENCRYPTED,
        name: "CacheAtRestUnencrypted",
        severity: Severity::Warning,
        short: "ElastiCache data is not encrypted at rest",
        full: "at_rest_encryption_enabled is false or unset on the replication group: its disks and backups are stored unencrypted.",
        help: "set at_rest_encryption_enabled = true",
        tags: &["security", "encryption", "cache"],
    },
    RuleInfo {
        id: CACHE_TRANSIT_UNENCRYPTED,
        name: "CacheTransitUnencrypted",
        severity: Severity::Warning,
        short: "ElastiCache traffic is not encrypted in transit",
        full: "transit_encryption_enabled is false or unset on the replication group: clients talk to it in clear text, and an AUTH token cannot be used.",
        help: "set transit_encryption_enabled = true",
        tags: &["security", "encryption", "cache"],
    },
    RuleInfo {
        id: SNAPSHOT_COPY_NO_KMS_KEY,
        name: "SnapshotCopyWithoutKmsKey",
        severity: Severity::Error,
        short: "A snapshot copy names no KMS key",
        full: "A snapshot copy without kms_key_id is unencrypted when its source is, and a cross-region copy of an encrypted snapshot fails without a key in the target region.",
        help: "set kms_key_id to a key in the copy's region",
        tags: &["security", "encryption", "snapshot"],
    },
    RuleInfo {
        id: PROD_NO_BACKUPS,
        name: "ProductionWithoutBackups",
        severity: Severity::Warning,
        short: "A production database keeps no automated backups",
        full: "backup_retention_period = 0 on a resource tagged as production disables automated backups and point-in-time recovery.",
        help: "set backup_retention_period to at least 7 days",
        tags: &["reliability", "backup", "database"],
    },
    RuleInfo {
        id: PROD_NO_FINAL_SNAPSHOT,
        name: "ProductionWithoutFinalSnapshot",
        severity: Severity::Warning,
        short: "A production database is destroyed without a final snapshot",
        full: "skip_final_snapshot = true with no final_snapshot_identifier on a resource tagged as production: destroying it loses the data for good.",
        help: "set skip_final_snapshot = false and a final_snapshot_identifier",
        tags: &["reliability", "backup", "database"],
    },
    RuleInfo {
        id: PROD_NO_DELETION_PROTECTION,
        name: "ProductionWithoutDeletionProtection",
        severity: Severity::Warning,
        short: "A production database can be deleted by any API call",
        full: "deletion_protection is false or unset on a resource tagged as production.",
        help: "set deletion_protection = true",
        tags: &["reliability", "database"],
    },
    RuleInfo {
        id: PROD_NO_DR,
        name: "ProductionWithoutDisasterRecoveryCopy",
        severity: Severity::Warning,
        short: "A production database has no copy in another region",
        full: "A resource tagged as production has neither a snapshot copied to another region (aws_db_snapshot_copy / aws_db_cluster_snapshot_copy of a snapshot of it, under another provider configuration or region) nor an automated-backups replication: a regional outage takes the data with it.",
        help: "copy a snapshot of it to another region (then prove it restores: strata drill), or replicate its automated backups",
        tags: &["reliability", "backup", "database"],
    },
    RuleInfo {
        id: LITERAL_SECRET,
        name: "LiteralSecret",
        severity: Severity::Error,
        short: "A password or auth token is written in the configuration",
        full: "password, master_password or auth_token is a literal string in the configuration, so it is in version control and every copy of the code.",
        help: "pass it in a sensitive variable, generate it (random_password), or set manage_master_user_password = true",
        tags: &["security", "secrets"],
    },
    RuleInfo {
        id: PLAN_DESTROYS_DATA,
        name: "PlanDestroysData",
        severity: Severity::Warning,
        short: "The plan destroys or replaces stored data",
        full: "A database, cluster, cache or snapshot is deleted or replaced by this plan; what it holds is gone unless a snapshot is kept.",
        help: "check the plan; keep a final snapshot, or use prevent_destroy on resources that hold data",
        tags: &["reliability", "data-loss"],
    },
    RuleInfo {
        id: WAIVER_WITHOUT_REASON,
        name: "WaiverWithoutReason",
        severity: Severity::Error,
        short: "A waiver gives no reason",
        full: "Every waiver (check_ignore or # strata:ignore) must say why the finding is acceptable, in a comment on the same line or the line above.",
        help: "add a comment: check_ignore = [\"RULE\"] # why, or # strata:ignore RULE why",
        tags: &["waiver"],
    },
    RuleInfo {
        id: WAIVER_UNKNOWN_RULE,
        name: "WaiverUnknownRule",
        severity: Severity::Error,
        short: "A waiver names a rule that does not exist",
        full: "check_ignore lists a rule id strata check does not have; a misspelt waiver waives nothing.",
        help: "use a rule id from the table in the README (strata check --format sarif lists them)",
        tags: &["waiver"],
    },
];

pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// The README table, for the docs test.
pub fn markdown_table() -> String {
    let mut out = String::from("| Rule | Severity | Why |\n|---|---|---|\n");
    for r in RULES {
        let sev = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("| `{}` | {sev} | {} |\n", r.id, r.short));
    }
    out
}
