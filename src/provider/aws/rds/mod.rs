//! RDS: DB instances, Aurora clusters and their instances, subnet, parameter and option
//! groups, snapshots, and the RDS data sources. What the types share: identifier rules,
//! engine version matching, and the batched describes of instances and clusters.

mod backup_replication;
mod cluster;
mod cluster_data;
mod cluster_instance;
mod db_instance;
mod db_instance_data;
mod db_subnet_group;
mod db_subnet_group_data;
mod option_group;
mod parameter_group;
mod role_association;
mod snapshot;
mod snapshot_data;

pub use backup_replication::{
    replications, BackupReplication, DB_INSTANCE_AUTOMATED_BACKUPS_REPLICATION,
};
pub use cluster::{RdsCluster, RDS_CLUSTER};
pub use cluster_data::{RdsClusterData, RDS_CLUSTER_DATA};
pub use cluster_instance::{RdsClusterInstance, RDS_CLUSTER_INSTANCE};
pub use db_instance::{DbInstance, DB_INSTANCE};
pub use db_instance_data::{DbInstanceData, DB_INSTANCE_DATA};
pub use db_subnet_group::{DbSubnetGroup, DB_SUBNET_GROUP};
pub use db_subnet_group_data::{DbSubnetGroupData, DB_SUBNET_GROUP_DATA};
pub use option_group::{DbOptionGroup, DB_OPTION_GROUP};
pub use parameter_group::{ParameterGroup, DB_PARAMETER_GROUP, RDS_CLUSTER_PARAMETER_GROUP};
pub use role_association::{
    RoleAssociation, DB_INSTANCE_ROLE_ASSOCIATION, RDS_CLUSTER_ROLE_ASSOCIATION,
};
pub use snapshot::{
    Snapshot, DB_CLUSTER_SNAPSHOT, DB_CLUSTER_SNAPSHOT_COPY, DB_SNAPSHOT, DB_SNAPSHOT_COPY,
};
pub use snapshot_data::{DbSnapshotData, DB_SNAPSHOT_DATA};

use super::kit::prelude::*;
use aws_sdk_rds::types::{DbCluster, DbInstance as SdkDb, Filter};

/// Prefix of generated cluster (and cluster instance) identifiers.
pub const CLUSTER_PREFIX: &str = "tf-";

/// A `check` of a cluster's (or cluster instance's) engine, as the provider's validator:
/// Aurora, the Multi-AZ DB cluster engines, and RDS Custom.
pub fn cluster_engine(v: &Value) -> Option<String> {
    let e = v.as_str()?;
    let known = ["aurora-mysql", "aurora-postgresql", "mysql", "postgres"]
        .contains(&e.to_lowercase().as_str());
    (!known && !e.starts_with("custom-")).then(|| {
        format!("engine \"{e}\" is not supported: use aurora-mysql, aurora-postgresql, mysql or postgres (Multi-AZ DB clusters) or custom-*; other engines use aws_db_instance")
    })
}

/// Whether the planned master password (`key`) differs from the one in state, which keeps
/// only its salted hash: comparing the two strings would send the password again with every
/// update.
pub fn password_changed(prior: &Value, planned: &Value, key: &str) -> bool {
    match (obj::str(prior, key), obj::str(planned, key)) {
        (Some(stored), Some(plain)) => !crate::state::secret_matches(stored, plain),
        _ => modify::differs(prior, planned, key),
    }
}

/// The write-only master password (`KEY_wo`) an update sends: only when its
/// `KEY_wo_version` changed, since no plan or state holds the value to compare.
pub fn write_only_password<'a>(prior: &Value, planned: &'a Value, key: &str) -> Option<&'a str> {
    let version = format!("{key}_wo_version");
    obj::str(planned, &format!("{key}_wo")).filter(|_| modify::differs(prior, planned, &version))
}

/// `manage_master_user_password = true` with a master password set (any of `keys`:
/// `password`, `password_wo`): the provider's ConflictsWith, which a `false` does not trip.
pub fn managed_password_conflicts(config: &Value, keys: &[&'static str]) -> Vec<ConfigProblem> {
    let managed = config
        .get("manage_master_user_password")
        .and_then(Value::as_bool)
        == Some(true);
    keys.iter()
        .filter(|k| managed && config.get(k).and_then(Value::as_str).is_some())
        .map(|k| {
            ConfigProblem::new(
                Some(*k),
                format!("\"{k}\" and \"manage_master_user_password\" cannot both be set"),
                format!("remove {k} to let RDS manage the master password in Secrets Manager"),
            )
        })
        .collect()
}

/// An instance or cluster looked up for `strata import`: what AWS has, with the delete
/// arguments no read can give set as Terraform sets them (without them no delete could ever
/// be planned).
pub async fn import(rt: &dyn ResourceType, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
    let mut found = rt.read(ctx, &[id.to_string()]).await?.remove(id);
    if let Some(Value::Map(m)) = &mut found {
        m.extend(object! { "skip_final_snapshot" => true, "delete_automated_backups" => true, "apply_immediately" => false });
    }
    Ok(found)
}

/// Deletes a DB instance or cluster (their calls differ only in their names): the prior
/// object's final-snapshot choice checked, then sent with the delete; deletion protection
/// turned on outside strata lifted first when the plan applies immediately (`$settle`: the
/// wait after that Modify); then a wait until AWS shows it gone.
macro_rules! delete_db {
    ($ctx:expr, $prior:expr, $noun:literal, $delete:ident, $modify:ident, $id:ident, $how:expr, $waiter:expr, $settle:ident, $timeout:expr) => {{
        let (ctx, prior) = ($ctx, $prior);
        let id = crate::provider::aws::kit::state::id(prior, $noun)?;
        if let Err(p) = lifecycle::check_final_snapshot(prior, $noun) {
            return Err(ProviderError::new(format!("{} ({})", p.message, p.help)));
        }
        let id = id.as_str();
        let delete = |fs: lifecycle::FinalSnapshot| async move {
            let call = ctx.rds().$delete().$id(id).skip_final_snapshot(fs.skip);
            let call = call
                .set_final_db_snapshot_identifier(fs.identifier)
                .delete_automated_backups(fs.delete_automated_backups);
            call.send()
                .await
                .during(&format!(concat!("deleting ", $noun, " {}"), id))
                .map(drop)
        };
        let unprotect = || async {
            let call = ctx
                .rds()
                .$modify()
                .$id(id)
                .deletion_protection(false)
                .apply_immediately(true);
            call.send().await.during(&format!(
                concat!("disabling deletion protection of ", $noun, " {}"),
                id
            ))?;
            $waiter.$settle(ctx, id, $timeout).await
        };
        let taken = lifecycle::delete_with_final_snapshot(prior, &$how, delete, unprotect).await?;
        $waiter.gone_after(taken, ctx, id, $timeout).await
    }};
}
pub(crate) use delete_db;

/// A point in time as `restore_to_point_in_time` takes it (RFC 3339).
pub const RFC3339: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$";

/// A `check` of an Enhanced Monitoring interval (instances and clusters).
pub fn monitoring_interval(v: &Value) -> Option<String> {
    let n = v.as_f64()?;
    (![0.0, 1.0, 5.0, 10.0, 15.0, 30.0, 60.0].contains(&n))
        .then(|| "must be 0, 1, 5, 10, 15, 30 or 60".into())
}

/// Performance Insights keeps data 7 days (free), 731 days, or a whole number of months.
pub fn insights_retention(v: &Value) -> Option<String> {
    let n = v.as_f64()?;
    let ok = n == 7.0 || n == 731.0 || (n > 0.0 && n % 31.0 == 0.0 && n <= 713.0);
    (!ok).then(|| "must be 7, 731, or a multiple of 31 up to 713".into())
}

/// A restore time (`restore_to_point_in_time`'s) as the SDK takes it.
pub fn restore_time(
    point: &Value,
    key: &str,
) -> ProviderResult<Option<aws_smithy_types::DateTime>> {
    obj::str(point, key)
        .map(|t| {
            aws_smithy_types::DateTime::from_str(t, aws_smithy_types::date_time::Format::DateTime)
        })
        .transpose()
        .map_err(|e| ProviderError::new(format!("{key}: {e}")))
}

/// The `master_user_secret` block of an instance or cluster: the secret RDS keeps the
/// master password in.
pub fn master_user_secret(secret: Option<&aws_sdk_rds::types::MasterUserSecret>) -> Value {
    obj::list(secret.map(|s| {
        obj::map([
            (
                "kms_key_id".to_string(),
                s.kms_key_id().unwrap_or_default().to_string(),
            ),
            (
                "secret_arn".to_string(),
                s.secret_arn().unwrap_or_default().to_string(),
            ),
            (
                "secret_status".to_string(),
                s.secret_status().unwrap_or_default().to_string(),
            ),
        ])
    }))
}

/// RDS filters take at most 100 values.
const FILTER_MAX: usize = 100;

/// The DB instances with these identifiers (a `db-instance-id` filter, 100 a call, every
/// page); an answer for another identifier (an eventual-consistency near miss) is left out.
pub async fn describe_instances(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkDb>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(FILTER_MAX) {
        let filter = Filter::builder()
            .name("db-instance-id")
            .set_values(Some(chunk.to_vec()));
        let pages = ctx
            .rds()
            .describe_db_instances()
            .filters(filter.build())
            .into_paginator();
        out.extend(all("describing DB instances", pages.items().send()).await?);
    }
    out.retain(|d| {
        d.db_instance_identifier()
            .is_some_and(|i| ids.iter().any(|w| w == i))
    });
    Ok(out)
}

/// The statuses of the DB instances among `ids`, for their waiters.
pub fn instance_statuses(
    ctx: Ctx,
    ids: Vec<String>,
) -> futures::future::BoxFuture<'static, ProviderResult<BTreeMap<String, Value>>> {
    Box::pin(async move {
        let status = |db: &SdkDb| wait::status_value(db.db_instance_status(), false);
        let dbs = describe_instances(&ctx, &ids).await?;
        Ok(dbs
            .iter()
            .filter_map(|db| Some((db.db_instance_identifier()?.to_string(), status(db))))
            .collect())
    })
}

/// The DB clusters with these identifiers, as `describe_instances`.
pub async fn describe_clusters(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<DbCluster>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(FILTER_MAX) {
        let filter = Filter::builder()
            .name("db-cluster-id")
            .set_values(Some(chunk.to_vec()));
        let pages = ctx
            .rds()
            .describe_db_clusters()
            .filters(filter.build())
            .into_paginator();
        out.extend(all("describing DB clusters", pages.items().send()).await?);
    }
    out.retain(|c| {
        c.db_cluster_identifier()
            .is_some_and(|i| ids.iter().any(|w| w == i))
    });
    Ok(out)
}

/// True when a configured engine version is satisfied by the running one: equal, or a dotted
/// prefix of it (`8.0` of `8.0.36`, `16` of `16.3`; not `8.0` of `8.01`).
pub fn engine_version_matches(configured: &str, actual: &str) -> bool {
    crate::schema::version_prefix(configured, actual)
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

/// The shape RDS wants of identifiers and group names once their characters are allowed: a
/// letter first, no `--`, no trailing `-` (a prefix may end in one).
pub fn identifier_shape(id: &str, prefix: bool) -> Option<String> {
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("must start with a letter".into());
    }
    if id.contains("--") {
        return Some("must not contain two consecutive hyphens".into());
    }
    if !prefix && id.ends_with('-') {
        return Some("must not end with a hyphen".into());
    }
    None
}

/// Why `id` is not a valid RDS instance or cluster identifier (`[0-9a-z-]`, first a lowercase
/// letter, no `--`, no trailing `-` unless `prefix`), or `None`.
pub fn identifier_problem(id: &str, prefix: bool) -> Option<String> {
    if id.is_empty() {
        return Some("must not be empty".into());
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if let Some(c) = id.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "only lowercase letters, digits and hyphens are allowed, found {c:?}"
        ));
    }
    identifier_shape(id, prefix)
}

/// A `check` for an identifier (`false`) or an identifier prefix (`true`).
pub fn identifier(v: &crate::value::Value) -> Option<String> {
    identifier_problem(v.as_str()?, false)
}

pub fn identifier_prefix(v: &crate::value::Value) -> Option<String> {
    identifier_problem(v.as_str()?, true)
}

/// A `check` for snapshot identifiers (a final snapshot's too): a letter first, then letters,
/// digits and single hyphens.
pub fn snapshot_identifier(v: &crate::value::Value) -> Option<String> {
    let id = v.as_str()?;
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("only letters, digits and hyphens are allowed".into());
    }
    identifier_shape(id, false)
}

/// What `enabled_cloudwatch_logs_exports` asks of a Modify: the log types to start and to
/// stop exporting; `None` when it did not change.
pub fn log_exports_change(
    prior: &Value,
    planned: &Value,
) -> Option<aws_sdk_rds::types::CloudwatchLogsExportConfiguration> {
    let key = "enabled_cloudwatch_logs_exports";
    if !modify::differs(prior, planned, key) || !planned.get(key).is_some_and(Value::is_known) {
        return None;
    }
    let (before, after) = (obj::strings(prior, key), obj::strings(planned, key));
    let missing = |from: &[String], of: &[String]| -> Vec<String> {
        of.iter().filter(|t| !from.contains(t)).cloned().collect()
    };
    let enable = missing(&before, &after);
    let disable = missing(&after, &before);
    (!enable.is_empty() || !disable.is_empty()).then(|| {
        aws_sdk_rds::types::CloudwatchLogsExportConfiguration::builder()
            .set_enable_log_types(Some(enable))
            .set_disable_log_types(Some(disable))
            .build()
    })
}

/// Features strata accepts in a configuration (so modules validate) but cannot carry out:
/// refused when an instance being planned uses them, never silently skipped.
pub fn unsupported_features(config: &Value) -> Vec<ConfigProblem> {
    let used = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_list)
            .is_some_and(|l| !l.is_empty())
    };
    let mut problems = Vec::new();
    if used("s3_import") {
        problems.push(ConfigProblem::new(
            Some("s3_import"),
            "creating a database from a backup in S3 is not supported by strata",
            "restore the backup outside strata and import the database, or create it from a snapshot (snapshot_identifier)",
        ));
    }
    let blue_green = config
        .get("blue_green_update")
        .and_then(Value::as_list)
        .and_then(|l| l.first())
        .and_then(|b| b.get("enabled"))
        .and_then(Value::as_bool);
    if blue_green == Some(true) {
        problems.push(ConfigProblem::new(
            Some("blue_green_update"),
            "blue/green updates are not supported by strata",
            "set enabled = false (changes are then made in place, as a Modify), or remove the block",
        ));
    }
    problems
}

/// `s3_import {}` of an instance or a cluster: create from a backup in S3 (MySQL). Accepted
/// so configurations validate; refused when used (`unsupported_features`).
pub fn s3_import_block() -> BlockType {
    let import = schema! {
        "";
        bucket_name           string required "Bucket of the backup.";
        bucket_prefix         string          "Prefix of the backup's objects.";
        ingestion_role        string required "Role RDS reads the bucket with.";
        source_engine         string required "Engine of the backup (mysql).";
        source_engine_version string required "Version of that engine.";
    };
    BlockType::list("s3_import", import)
        .max_one()
        .force_new()
        .describe("Create from a backup in S3 (not supported by strata: refused when set).")
}

/// What `aws_db_instance` and `aws_rds_cluster_instance` read alike from a DB instance, under
/// the same names; each type adds its own.
pub(super) fn instance_state(db: &SdkDb) -> crate::value::Map {
    let id = db.db_instance_identifier().unwrap_or_default();
    object! {
        "id" => id,
        "identifier" => id,
        "identifier_prefix" => crate::provider::aws::kit::naming::prefix_from_name(id),
        "engine" => db.engine().map(str::to_lowercase),
        "engine_version" => db.engine_version(),
        "engine_version_actual" => db.engine_version(),
        "instance_class" => db.db_instance_class(),
        "storage_encrypted" => db.storage_encrypted().unwrap_or(false),
        "kms_key_id" => db.kms_key_id(),
        "publicly_accessible" => db.publicly_accessible().unwrap_or(false),
        "auto_minor_version_upgrade" => db.auto_minor_version_upgrade().unwrap_or(true),
        "copy_tags_to_snapshot" => db.copy_tags_to_snapshot().unwrap_or(false),
        "availability_zone" => db.availability_zone(),
        "arn" => db.db_instance_arn(),
        "db_subnet_group_name" => db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
        "monitoring_interval" => db.monitoring_interval().unwrap_or(0),
        "monitoring_role_arn" => db.monitoring_role_arn(),
        "performance_insights_enabled" => db.performance_insights_enabled().unwrap_or(false),
        "performance_insights_kms_key_id" => db.performance_insights_kms_key_id(),
        "performance_insights_retention_period" => db.performance_insights_retention_period(),
        "ca_cert_identifier" => db.ca_certificate_identifier(),
        "custom_iam_instance_profile" => db.custom_iam_instance_profile(),
        "network_type" => db.network_type(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn identifier_rules() {
        assert_eq!(identifier_problem("db-1", false), None);
        assert!(identifier_problem("Db", false).is_some());
        assert!(identifier_problem("1db", false).is_some());
        assert!(identifier_problem("a--b", false).is_some());
        assert!(identifier_problem("ab-", false).is_some());
        assert_eq!(identifier_problem("ab-", true), None);
        assert!(identifier_problem("a_b", false).is_some());
    }
}
