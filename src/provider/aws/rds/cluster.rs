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

mod create;
mod schema;

use super::{describe_clusters, engine_version_matches, password_changed, state_engine_version};
use crate::provider::aws::kit::naming::prefix_from_name;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::DbCluster as SdkCluster;
use schema::{MODIFY, SCHEMA};
use std::cmp::Ordering;

pub struct RdsCluster;
pub static RDS_CLUSTER: RdsCluster = RdsCluster;

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
        "engine_mode" => c.engine_mode(),
        "engine_lifecycle_support" => c.engine_lifecycle_support(),
        "master_user_secret_kms_key_id" => c.master_user_secret().and_then(|s| s.kms_key_id()),
        "master_user_secret" => super::master_user_secret(c.master_user_secret()),
        "db_cluster_instance_class" => c.db_cluster_instance_class(),
        "allocated_storage" => c.allocated_storage(),
        "storage_type" => c.storage_type(),
        "iops" => c.iops(),
        "backtrack_window" => c.backtrack_window().map(|w| w as i32),
        "global_cluster_identifier" => c.global_cluster_identifier(),
        "replication_source_identifier" => c.replication_source_identifier(),
        "iam_database_authentication_enabled" => c.iam_database_authentication_enabled().unwrap_or(false),
        "enabled_cloudwatch_logs_exports" => state::strings(c.enabled_cloudwatch_logs_exports(), |s| Some(s.as_str())),
        "enable_http_endpoint" => c.http_endpoint_enabled().unwrap_or(false),
        "enable_global_write_forwarding" => c.global_write_forwarding_requested().unwrap_or(false),
        "enable_local_write_forwarding" => c.local_write_forwarding_status().is_some_and(|s| matches!(s.as_str(), "enabled" | "enabling" | "requested")),
        "monitoring_interval" => c.monitoring_interval(),
        "monitoring_role_arn" => c.monitoring_role_arn(),
        "performance_insights_enabled" => c.performance_insights_enabled().unwrap_or(false),
        "performance_insights_kms_key_id" => c.performance_insights_kms_key_id(),
        "performance_insights_retention_period" => c.performance_insights_retention_period(),
        "database_insights_mode" => c.database_insights_mode().map(|m| m.as_str()),
        "network_type" => c.network_type(),
        "publicly_accessible" => c.publicly_accessible(),
        "auto_minor_version_upgrade" => c.auto_minor_version_upgrade(),
        "ca_certificate_identifier" => c.certificate_details().and_then(|d| d.ca_identifier()),
        "ca_certificate_valid_till" => c.certificate_details().and_then(|d| d.valid_till()).map(|t| t.to_string()),
        "cluster_scalability_type" => c.cluster_scalability_type().map(|t| t.as_str()),
        "db_system_id" => c.db_system_id(),
        "domain" => c.domain_memberships().first().and_then(|d| d.domain()),
        "domain_iam_role_name" => c.domain_memberships().first().and_then(|d| d.iam_role_name()),
        "cluster_members" => state::strings(c.db_cluster_members(), |m| m.db_instance_identifier()),
        "serverlessv2_scaling_configuration" => obj::list(c.serverless_v2_scaling_configuration().map(|s| Value::Map(object! {
            "min_capacity" => s.min_capacity().map(Value::Number),
            "max_capacity" => s.max_capacity().map(Value::Number),
            "seconds_until_auto_pause" => s.seconds_until_auto_pause(),
        }))),
        "scaling_configuration" => obj::list(c.scaling_configuration_info().filter(|_| c.engine_mode() == Some("serverless")).map(|s| Value::Map(object! {
            "auto_pause" => s.auto_pause(),
            "min_capacity" => s.min_capacity(),
            "max_capacity" => s.max_capacity(),
            "seconds_until_auto_pause" => s.seconds_until_auto_pause(),
            "seconds_before_timeout" => s.seconds_before_timeout(),
            "timeout_action" => s.timeout_action(),
        }))),
    };
    tags::put(ctx, &mut m, tags::read(c.tag_list()));
    state::complete(&SCHEMA, m)
}

async fn describe_one(ctx: &Ctx, id: &str) -> ProviderResult<Option<SdkCluster>> {
    Ok(describe_clusters(ctx, &[id.to_string()]).await?.pop())
}

/// An unset `seconds_until_auto_pause` keeps what AWS reports (the provider's Optional and
/// Computed).
fn keep_pause_delay(prior: &Value, m: &mut Map) {
    const BLOCK: &str = "serverlessv2_scaling_configuration";
    const KEY: &str = "seconds_until_auto_pause";
    let old = schema::first_block(prior, BLOCK)
        .and_then(|b| b.get(KEY))
        .cloned();
    if let (Some(old), Some(Value::List(blocks))) = (old, m.get_mut(BLOCK)) {
        if let Some(Value::Map(b)) = blocks.first_mut() {
            if b.get(KEY).is_none_or(Value::is_null) {
                b.insert(KEY.into(), old);
            }
        }
    }
}

impl RdsCluster {
    /// The RDS Data API of a provisioned cluster has its own calls (a ModifyDBCluster
    /// EnableHttpEndpoint applies only to Serverless v1).
    async fn set_http_endpoint(&self, ctx: &Ctx, cluster: &Value, on: bool) -> ProviderResult<()> {
        let arn = state::required(cluster, "arn", self.type_name())?;
        let what = format!(
            "turning the Data API of DB cluster {arn} {}",
            if on { "on" } else { "off" }
        );
        match on {
            true => ctx
                .rds()
                .enable_http_endpoint()
                .resource_arn(&arn)
                .send()
                .await
                .during(&what)
                .map(drop),
            false => ctx
                .rds()
                .disable_http_endpoint()
                .resource_arn(&arn)
                .send()
                .await
                .during(&what)
                .map(drop),
        }
    }

    /// A replica cluster whose `replication_source_identifier` is removed is promoted; a
    /// member of a global database whose `global_cluster_identifier` is removed leaves it.
    /// Neither can be set or changed on an existing cluster.
    async fn leave_sources(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> ProviderResult<()> {
        for (key, what) in [
            ("replication_source_identifier", "replicate another source"),
            ("global_cluster_identifier", "join another global database"),
        ] {
            if modify::differs(prior, planned, key) && obj::str(planned, key).is_some() {
                return Err(ProviderError::new(format!(
                    "DB cluster {id}: an existing cluster cannot {what} ({key} can only be removed); replace the cluster to change it"
                )));
            }
        }
        let limit = SCHEMA.timeout(planned, "update");
        if modify::differs(prior, planned, "replication_source_identifier") {
            let call = ctx
                .rds()
                .promote_read_replica_db_cluster()
                .db_cluster_identifier(id);
            call.send()
                .await
                .during(&format!("promoting replica DB cluster {id}"))?;
            WAITER.ready(ctx, id, limit).await?;
        }
        if let Some(global) = obj::str(prior, "global_cluster_identifier")
            .filter(|_| modify::differs(prior, planned, "global_cluster_identifier"))
        {
            self.leave_global_cluster(ctx, prior, global).await?;
        }
        Ok(())
    }

    /// RemoveFromGlobalCluster, then a wait until the cluster is available again; a global
    /// database or membership gone already is no error.
    async fn leave_global_cluster(
        &self,
        ctx: &Ctx,
        prior: &Value,
        global: &str,
    ) -> ProviderResult<()> {
        let (id, arn) = (
            state::id(prior, self.type_name())?,
            state::required(prior, "arn", self.type_name())?,
        );
        let call = ctx
            .rds()
            .remove_from_global_cluster()
            .global_cluster_identifier(global)
            .db_cluster_identifier(&arn);
        let what = format!("removing DB cluster {id} from global cluster {global}");
        let removed = unless(
            call.send().await.during(&what),
            &["GlobalClusterNotFoundFault", "DBClusterNotFoundFault"],
        )?;
        if removed.is_some() {
            WAITER
                .ready(ctx, &id, SCHEMA.timeout(prior, "update"))
                .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for RdsCluster {
    named!("aws_rds_cluster", SCHEMA, WAITER);

    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let Written { id, planned, .. } = written;
        let c = describe_one(ctx, id).await?;
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
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        // A restore, a replica or a secondary of a global database takes its user from its
        // source.
        let inherits = [
            "snapshot_identifier",
            "restore_to_point_in_time",
            "s3_import",
            "replication_source_identifier",
            "global_cluster_identifier",
        ];
        if !set("master_username") && !inherits.iter().any(|k| set(k)) {
            problems.push(ConfigProblem::new(
                Some("master_username"),
                "\"master_username\" is required: a new DB cluster needs a master user name",
                "set master_username, or restore the cluster from a snapshot or a point in time",
            ));
        }
        problems.extend(super::managed_password_conflicts(
            config,
            &["master_password", "master_password_wo"],
        ));
        problems
    }

    /// What the emulator cannot host, or strata does not do, refused with the instance's
    /// values: Aurora Serverless v1 (at its end of life since 2025-03-31: AWS creates no
    /// more), and the import from S3.
    fn plan_checks(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let set = |k: &str| {
            config
                .get(k)
                .and_then(Value::as_list)
                .is_some_and(|l| !l.is_empty())
        };
        if config.get("engine_mode").and_then(Value::as_str) == Some("serverless")
            || set("scaling_configuration")
        {
            let attr = match set("scaling_configuration") {
                true => "scaling_configuration",
                false => "engine_mode",
            };
            problems.push(ConfigProblem::new(
                Some(attr),
                "Aurora Serverless v1 (engine_mode = \"serverless\", scaling_configuration) is not supported: it reached its end of life on 2025-03-31 and AWS creates no such clusters",
                "use engine_mode = \"provisioned\" with a serverlessv2_scaling_configuration block and db.serverless instances (Aurora Serverless v2)",
            ));
        }
        problems.extend(super::unsupported_features(config));
        problems
    }

    /// AZs unset, or a subset of what AWS chose, are no change; "" is the provisioned
    /// engine mode; `aurora` is AWS's "" storage type; an unset Serverless v2 pause delay
    /// keeps AWS's.
    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let (Some(prior), Value::Map(m)) = (prior, planned) else {
            return;
        };
        for key in ["engine_mode", "storage_type"] {
            let same = match m.get(key).and_then(Value::as_str) {
                Some("") => true,
                Some("aurora") => key == "storage_type",
                _ => false,
            };
            let old = prior.get(key).and_then(Value::as_str).unwrap_or("");
            let default = ["", "provisioned", "aurora"].contains(&old);
            if same && default {
                m.insert(key.into(), Value::from(old));
            }
        }
        keep_pause_delay(prior, m);
        let Some(Value::List(old)) = prior.get("availability_zones") else {
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
        self.create_call(ctx, &id, planned).await?;
        // What create does after its call is what settling a retried one does.
        let found = Value::Map(object! { "id" => id });
        self.settle_retried_create(ctx, &found, planned).await
    }

    /// A restore's or a replica's missing settings (the default `settle_retried_create` runs
    /// it too: an interrupted create finishes the same).
    async fn complete_after_call(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<()> {
        self.configure_after_call(ctx, id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        self.leave_sources(ctx, &id, prior, planned).await?;
        if modify::differs(prior, planned, "enable_http_endpoint") {
            let on = obj::bool(planned, "enable_http_endpoint") == Some(true);
            self.set_http_endpoint(ctx, prior, on).await?;
        }
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
        if version_changed {
            let group = obj::string(planned, "db_instance_parameter_group_name");
            modify = modify.set_db_instance_parameter_group_name(group);
        }
        let ch = |k: &str| modify::differs(prior, planned, k);
        if ch("allocated_storage") || ch("iops") {
            // Provisioned IOPS go with the storage they are for.
            modify = modify
                .set_allocated_storage(obj::i32(planned, "allocated_storage"))
                .set_iops(obj::i32(planned, "iops"));
            needed = true;
        }
        if ch("storage_type") {
            let storage = obj::string(planned, "storage_type");
            (modify, needed) = (modify.set_storage_type(storage), true);
        }
        if let Some(logs) = super::log_exports_change(prior, planned) {
            (modify, needed) = (modify.cloudwatch_logs_export_configuration(logs), true);
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
        if let Some(global) = obj::str(prior, "global_cluster_identifier") {
            self.leave_global_cluster(ctx, prior, global).await?;
        }
        super::delete_db! { ctx, prior, "DB cluster", delete_db_cluster, modify_db_cluster, db_cluster_identifier, how, WAITER, settled, SCHEMA.timeout(prior, "delete") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::kit::testing::{self, attrs, identifier_with_prefix, refused, with};

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
        identifier_with_prefix(
            problems,
            ("cluster_identifier", "cluster_identifier_prefix"),
            &["Aurora", "1db", "a--b", "db-", "my_db"],
            "app-",
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

    fn block(pairs: &[(&str, Value)]) -> Value {
        Value::List(vec![with(&[], pairs)])
    }

    #[test]
    fn serverless_v1_and_s3_import_are_refused_when_used() {
        let checks = |pairs: &[(&str, Value)]| attrs(RdsCluster.plan_checks(&config(pairs)));
        assert!(checks(&[("engine_mode", Value::from("provisioned"))]).is_empty());
        assert_eq!(
            checks(&[("engine_mode", Value::from("serverless"))]),
            [Some("engine_mode")]
        );
        let v1 = block(&[("min_capacity", Value::from(2))]);
        assert_eq!(
            checks(&[("scaling_configuration", v1)]),
            [Some("scaling_configuration")]
        );
        let s3 = block(&[("bucket_name", Value::from("b"))]);
        assert_eq!(checks(&[("s3_import", s3)]), [Some("s3_import")]);
        assert!(checks(&[("s3_import", Value::List(vec![]))]).is_empty());
    }

    #[test]
    fn a_restore_or_a_replica_needs_no_master_username() {
        for (k, v) in [
            ("snapshot_identifier", Value::from("snap-1")),
            (
                "replication_source_identifier",
                Value::from("arn:aws:rds:us-east-1:1:cluster:a"),
            ),
            ("global_cluster_identifier", Value::from("global-1")),
            (
                "restore_to_point_in_time",
                block(&[("source_cluster_identifier", Value::from("a"))]),
            ),
        ] {
            assert!(
                problems(&[("master_username", Value::Null), (k, v)]).is_empty(),
                "{k}"
            );
        }
        assert_eq!(
            problems(&[
                ("snapshot_identifier", Value::from("snap-1")),
                ("global_cluster_identifier", Value::from("global-1")),
            ]),
            [Some("snapshot_identifier")]
        );
        assert_eq!(
            problems(&[("monitoring_interval", Value::from(7))]),
            [Some("monitoring_interval")]
        );
    }

    #[test]
    fn a_snapshot_identifier_is_read_only_at_create() {
        let prior = config(&[("snapshot_identifier", Value::from("snap-a"))]);
        let mut planned = config(&[("snapshot_identifier", Value::from("snap-b"))]);
        plan(Some(&prior), &mut planned);
        assert_eq!(obj::str(&planned, "snapshot_identifier"), Some("snap-a"));
        assert_eq!(
            SCHEMA.create_only_changes(
                &prior,
                &config(&[("snapshot_identifier", Value::from("snap-b"))])
            ),
            ["snapshot_identifier"]
        );
        let mut planned = config(&[("snapshot_identifier", Value::from("snap-b"))]);
        plan(None, &mut planned);
        assert_eq!(obj::str(&planned, "snapshot_identifier"), Some("snap-b"));
    }

    #[test]
    fn plan_keeps_what_aws_defaults() {
        let v2 = |pause: Value| {
            block(&[
                ("min_capacity", Value::from(0)),
                ("max_capacity", Value::from(4)),
                ("seconds_until_auto_pause", pause),
            ])
        };
        let prior = config(&[
            ("engine_mode", Value::from("provisioned")),
            ("storage_type", Value::from("aurora")),
            ("serverlessv2_scaling_configuration", v2(Value::from(300))),
        ]);
        let mut planned = config(&[
            ("engine_mode", Value::from("")),
            ("storage_type", Value::from("")),
            ("serverlessv2_scaling_configuration", v2(Value::Null)),
        ]);
        plan(Some(&prior), &mut planned);
        assert_eq!(obj::str(&planned, "engine_mode"), Some("provisioned"));
        assert_eq!(obj::str(&planned, "storage_type"), Some("aurora"));
        assert_eq!(
            planned.get("serverlessv2_scaling_configuration"),
            prior.get("serverlessv2_scaling_configuration")
        );
        // Aurora storage changes in place; a Multi-AZ DB cluster's replaces it.
        let storage = SCHEMA.attribute("storage_type").unwrap();
        assert!(!storage.replaces(&Value::from("aurora"), &Value::from("aurora-iopt1")));
        assert!(storage.replaces(&Value::from("io1"), &Value::from("gp3")));
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
