//! `aws_rds_cluster`: an Aurora DB cluster (aurora-mysql, aurora-postgresql). Its instances
//! are `aws_rds_cluster_instance` resources. The state `id` is the cluster identifier, as in
//! terraform-provider-aws.
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

use super::{
    cluster_engine, describe_clusters, engine_version_matches, identifier, identifier_prefix,
};
use super::{password_changed, snapshot_identifier, state_engine_version, CLUSTER_PREFIX};
use crate::provider::aws::kit::naming::prefix_from_name;
use crate::provider::aws::kit::prelude::*;
use crate::provider::aws::kit::{DAILY_WINDOW, WEEKLY_WINDOW};
use aws_sdk_rds::operation::create_db_cluster::builders::CreateDBClusterFluentBuilder as Create;
use aws_sdk_rds::operation::modify_db_cluster::builders::ModifyDBClusterFluentBuilder as Modify;
use aws_sdk_rds::types::DbCluster as SdkCluster;
use std::cmp::Ordering;

pub struct RdsCluster;
pub static RDS_CLUSTER: RdsCluster = RdsCluster;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An Aurora DB cluster (aurora-mysql, aurora-postgresql).";
        regional;
        id                        string output                "The cluster identifier.";
        cluster_identifier        string computed force_new check(identifier) name_from_prefix("cluster_identifier_prefix", CLUSTER_PREFIX) "Cluster identifier; generated (`tf-…`) when not set.";
        cluster_identifier_prefix string computed force_new conflicts_with(&["cluster_identifier"]) check(identifier_prefix) "Creates a unique identifier beginning with this prefix.";
        engine                    string required force_new lowercase check(cluster_engine) "aurora-mysql or aurora-postgresql.";
        engine_version            string computed same_version("engine_version_actual", cluster_version_suppressed) "Engine version; a prefix or an older version of the running one is no change.";
        engine_version_actual     string output                "The engine version AWS runs.";
        database_name             string computed force_new    "Name of the database created with the cluster.";
        master_username           string computed force_new    "Master user name.";
        master_password           string sensitive virtual_    "Master password; never returned by AWS (state keeps a salted hash).";
        master_password_wo        string write_only conflicts_with(&["master_password"]) required_with(&["master_password_wo_version"]) "Master password, write-only (Terraform 1.11): sent on create and whenever master_password_wo_version changes.";
        master_password_wo_version number write_only_version required_with(&["master_password_wo"]) "Change it to send master_password_wo again.";
        manage_master_user_password bool computed              "Let RDS keep the master password in Secrets Manager.";
        storage_encrypted         bool   computed force_new    "Encrypt the cluster's storage.";
        kms_key_id                string computed force_new    "ARN of the KMS key for storage encryption.";
        backup_retention_period   number default(1) range(1.0, 35.0) "Days to keep automated backups (1-35).";
        preferred_backup_window   string computed regex(DAILY_WINDOW, "a daily window hh24:mi-hh24:mi (UTC), e.g. 03:00-04:00") "Daily backup window, hh24:mi-hh24:mi (UTC).";
        preferred_maintenance_window string computed lowercase regex(WEEKLY_WINDOW, "a weekly window ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. sun:05:00-sun:06:00") "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC, lower-cased).";
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
        availability_zones        string_set computed force_new check(|v| (v.as_list()?.len() > 3).then(|| "at most 3 can be set: Aurora stores a cluster's data in three AZs".into())) "AZs for the cluster's storage (AWS uses three).";
        copy_tags_to_snapshot     bool   default(false)        "Copy the cluster's tags to its snapshots.";
        arn                       string output                "ARN of the cluster.";
        endpoint                  string output                "Writer endpoint (host name).";
        reader_endpoint           string output                "Load-balanced reader endpoint (host name).";
        cluster_resource_id       string output                "The cluster's resource id (cluster-…).";
        hosted_zone_id            string output                "Route 53 zone of the endpoints.";
        tags;
        id_from cluster_identifier;
        timeouts create(120) update(120) delete(120);
    }
});

/// The arguments of the create call.
const CREATE: Table<Create> = setters! {
    "engine" => set_engine(lower),
    "engine_version" => set_engine_version(string),
    "database_name" => set_database_name(string),
    "master_username" => set_master_username(string),
    "master_password" => set_master_user_password(string),
    "master_password_wo" => set_master_user_password(string),
    "manage_master_user_password" => |b, p| b.set_manage_master_user_password(obj::bool(p, "manage_master_user_password").filter(|b| *b)),
    "storage_encrypted" => set_storage_encrypted(bool),
    "kms_key_id" => set_kms_key_id(string),
    "backup_retention_period" => set_backup_retention_period(i32),
    "preferred_backup_window" => set_preferred_backup_window(string),
    "preferred_maintenance_window" => set_preferred_maintenance_window(lower),
    "port" => set_port(i32),
    "deletion_protection" => set_deletion_protection(bool),
    "vpc_security_group_ids" => set_vpc_security_group_ids(some_strings),
    "db_subnet_group_name" => set_db_subnet_group_name(string),
    "db_cluster_parameter_group_name" => set_db_cluster_parameter_group_name(string),
    "availability_zones" => set_availability_zones(some_strings),
    "copy_tags_to_snapshot" => set_copy_tags_to_snapshot(bool),
};

const MODIFY: Table<Modify> = setters! {
    "manage_master_user_password" => set_manage_master_user_password(bool),
    "backup_retention_period" => set_backup_retention_period(i32),
    "preferred_backup_window" => set_preferred_backup_window(string),
    "preferred_maintenance_window" => set_preferred_maintenance_window(lower),
    "port" => set_port(i32),
    "deletion_protection" => set_deletion_protection(bool),
    // An empty set is sent too: it removes every group.
    "vpc_security_group_ids" => set_vpc_security_group_ids(strings),
    "db_cluster_parameter_group_name" => set_db_cluster_parameter_group_name(string),
    "copy_tags_to_snapshot" => set_copy_tags_to_snapshot(bool),
};

/// The status and whether changes are still pending, batched with every other cluster
/// waiting: with apply_immediately, changes still pending are not applied yet.
static WAITER: Waiter = Waiter {
    noun: "DB cluster",
    key: "aws_rds_cluster/status",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let status = |c: &SdkCluster| {
                let pending = c.pending_modified_values().is_some_and(|p| {
                    p.engine_version().is_some()
                        || p.master_user_password().is_some()
                        || p.db_cluster_identifier().is_some()
                        || p.backup_retention_period().is_some()
                });
                wait::status_value(c.status(), pending)
            };
            let clusters = describe_clusters(&ctx, &ids).await?;
            Ok(clusters
                .iter()
                .filter_map(|c| Some((c.db_cluster_identifier()?.to_string(), status(c))))
                .collect())
        })
    },
    pending: &[
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
    ],
    ready: &["available"],
};

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

/// A configured list of AZs that AWS's list contains is what was asked for.
fn zones_kept(configured: &Value, actual: &[Value]) -> bool {
    configured
        .as_list()
        .is_some_and(|cfg| cfg.iter().all(|z| actual.contains(z)))
}

fn state_of(ctx: &Ctx, c: &SdkCluster) -> Value {
    let id = c.db_cluster_identifier().unwrap_or_default();
    let mut m = object! {
        "id" => id,
        "cluster_identifier" => id,
        "cluster_identifier_prefix" => prefix_from_name(id),
        "engine" => c.engine().map(str::to_lowercase),
        "engine_version" => c.engine_version(),
        "engine_version_actual" => c.engine_version(),
        "database_name" => c.database_name(),
        "master_username" => c.master_username(),
        "manage_master_user_password" => c.master_user_secret().is_some(),
        "storage_encrypted" => c.storage_encrypted().unwrap_or(false),
        "kms_key_id" => c.kms_key_id(),
        "backup_retention_period" => c.backup_retention_period(),
        "preferred_backup_window" => c.preferred_backup_window(),
        "preferred_maintenance_window" => c.preferred_maintenance_window().map(str::to_lowercase),
        "port" => c.port(),
        "deletion_protection" => c.deletion_protection().unwrap_or(false),
        "vpc_security_group_ids" => state::strings(c.vpc_security_groups(), |g| g.vpc_security_group_id()),
        "db_subnet_group_name" => c.db_subnet_group(),
        "db_cluster_parameter_group_name" => c.db_cluster_parameter_group(),
        "availability_zones" => state::strings(c.availability_zones(), |z| Some(z.as_str())),
        "copy_tags_to_snapshot" => c.copy_tags_to_snapshot().unwrap_or(false),
        "arn" => c.db_cluster_arn(),
        "endpoint" => c.endpoint(),
        "reader_endpoint" => c.reader_endpoint(),
        "cluster_resource_id" => c.db_cluster_resource_id(),
        "hosted_zone_id" => c.hosted_zone_id(),
    };
    tags::put(ctx, &mut m, tags::read(c.tag_list()));
    state::complete(&SCHEMA, m)
}

#[async_trait]
impl ResourceType for RdsCluster {
    named!("aws_rds_cluster", SCHEMA, WAITER);

    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let Written { id, planned, .. } = written;
        let c = describe_clusters(ctx, &[id.to_string()]).await?.pop();
        let c = c.ok_or_else(|| {
            ProviderError::not_found(format!("DB cluster {id} not found after writing it"))
        })?;
        let mut state = state::with_virtual(&SCHEMA, state_of(ctx, &c), planned);
        let (configured, actual) = (obj::str(planned, "engine_version"), c.engine_version());
        let version = match (configured, actual) {
            (Some(cfg), Some(a)) if cluster_version_suppressed(cfg, a) => Some(cfg.to_string()),
            _ => state_engine_version(
                configured,
                actual,
                c.pending_modified_values().and_then(|p| p.engine_version()),
            ),
        };
        if let Value::Map(m) = &mut state {
            m.insert("engine_version".into(), version.to_value());
        }
        Ok(state)
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if config.get("master_username").is_none_or(Value::is_null) {
            problems.push(ConfigProblem::new(
                Some("master_username"),
                "\"master_username\" is required: a new DB cluster needs a master user name",
                "set master_username",
            ));
        }
        problems.extend(super::managed_password_conflicts(
            config,
            &["master_password", "master_password_wo"],
        ));
        problems
    }

    /// AZs unset, or a subset of what AWS chose, are no change.
    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let (Some(Value::List(old)), Value::Map(m)) =
            (prior.and_then(|p| p.get("availability_zones")), planned)
        else {
            return;
        };
        let keep = match m.get("availability_zones") {
            None | Some(Value::Null) | Some(Value::Unknown) => true,
            Some(cfg) => zones_kept(cfg, old),
        };
        if keep {
            m.insert("availability_zones".into(), Value::List(old.clone()));
        }
    }

    fn check_delete(&self, prior: &Value) -> Result<(), ConfigProblem> {
        lifecycle::check_final_snapshot(prior, "DB cluster")
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let clusters = describe_clusters(ctx, &state::unique(ids)).await?;
        Ok(state::by_id(
            clusters,
            SdkCluster::db_cluster_identifier,
            |c| state_of(ctx, &c),
        ))
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        super::import(self, ctx, id).await
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = state::required(planned, "cluster_identifier", self.type_name())?;
        let call = ctx.rds().create_db_cluster().db_cluster_identifier(&id);
        lifecycle::create_then_ready! {
            self, ctx, planned, call, CREATE, &WAITER, &id, "DB cluster"
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let apply_now = obj::bool(planned, "apply_immediately").unwrap_or(false);
        let modify = ctx
            .rds()
            .modify_db_cluster()
            .db_cluster_identifier(&id)
            .apply_immediately(apply_now);
        let (mut modify, mut needed) = modify::changed(MODIFY, prior, planned, modify);
        // A configured version newer than the running one is re-sent with every Modify, so a
        // deferred upgrade is not lost.
        let version = obj::str(planned, "engine_version");
        let newer = match (version, obj::str(prior, "engine_version_actual")) {
            (Some(v), Some(a)) => compare_engine_versions(v, a) == Ordering::Greater,
            _ => false,
        };
        let version_changed = modify::differs(prior, planned, "engine_version");
        if version_changed || newer {
            modify = modify.set_engine_version(version.map(str::to_string));
            needed |= version_changed;
        }
        if obj::bool(planned, "allow_major_version_upgrade") == Some(true) {
            modify = modify.allow_major_version_upgrade(true);
        }
        if let Some(p) = obj::str(planned, "master_password")
            .filter(|_| password_changed(prior, planned, "master_password"))
        {
            (modify, needed) = (modify.master_user_password(p), true);
        }
        if let Some(p) = super::write_only_password(prior, planned, "master_password") {
            (modify, needed) = (modify.master_user_password(p), true);
        }
        let modified = (modify, needed);
        lifecycle::modify_then_settle! {
            self, ctx, Service::Rds, &id, prior, planned,
            modified, WAITER, apply_now, "DB cluster"
        }
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let how = lifecycle::Deletion {
            gone: &["DBClusterNotFoundFault"],
            invalid_state: "InvalidDBClusterStateFault",
        };
        super::delete_db! { ctx, prior, "DB cluster", delete_db_cluster, modify_db_cluster, db_cluster_identifier, how, WAITER, settled, SCHEMA.timeout(prior, "delete") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::kit::testing::{self, attrs, refused, with};

    fn config(pairs: &[(&str, Value)]) -> Value {
        with(
            &[
                ("engine", "aurora-mysql".into()),
                ("master_username", "admin".into()),
            ],
            pairs,
        )
    }

    fn validate(config: &Value) -> Vec<ConfigProblem> {
        testing::problems(&RdsCluster, config)
    }

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        attrs(validate(&config(pairs)))
    }

    fn plan(prior: Option<&Value>, planned: &mut Value) {
        testing::plan(&RdsCluster, prior, planned)
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
        refused(
            problems,
            "cluster_identifier",
            &["Aurora", "1db", "a--b", "db-", "my_db"],
        );
        assert!(problems(&[("cluster_identifier_prefix", Value::from("app-"))]).is_empty());
        assert_eq!(
            problems(&[
                ("cluster_identifier", Value::from("a")),
                ("cluster_identifier_prefix", Value::from("b-"))
            ]),
            [Some("cluster_identifier_prefix")]
        );
        refused(problems, "engine", &["mariadb"]);
        // Multi-AZ DB clusters run MySQL and PostgreSQL; the provider accepts them.
        assert!(problems(&[("engine", Value::from("mysql"))]).is_empty());
        assert!(problems(&[("engine", Value::from("Aurora-PostgreSQL"))]).is_empty());
        assert_eq!(
            problems(&[("master_username", Value::Null)]),
            [Some("master_username")]
        );
        let ps = validate(&config(&[
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
        plan(None, &mut planned);
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
        plan(Some(&prior), &mut planned);
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
        plan(Some(&prior), &mut planned);
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
