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

mod create;
mod schema;

use super::{describe_instances, state_engine_version};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::DbInstance as SdkDb;
use schema::{MODIFY, SCHEMA};

pub struct DbInstance;
pub static DB_INSTANCE: DbInstance = DbInstance;

static WAITER: Waiter = Waiter {
    noun: "DB instance",
    key: "aws_db_instance/status",
    statuses: super::instance_statuses,
    pending: &[
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
    ],
    ready: &["available", "storage-optimization"],
};

fn supported_engine(engine: &str) -> bool {
    matches!(engine, "mysql" | "postgres" | "mariadb")
        || engine.starts_with("oracle-")
        || engine.starts_with("sqlserver-")
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

/// A config value that is known to be absent (unknown values are not judged).
fn known_null(config: &Value, key: &str) -> bool {
    config.get(key).is_none_or(Value::is_null)
}

fn state_of(ctx: &Ctx, db: &SdkDb) -> Value {
    let endpoint = db.endpoint();
    let port = endpoint.and_then(|e| e.port()).or(db.db_instance_port());
    let address = endpoint.and_then(|e| e.address());
    let mut m = super::instance_state(db);
    m.extend(object! {
        "allocated_storage" => db.allocated_storage(),
        "max_allocated_storage" => db.max_allocated_storage(),
        "storage_type" => db.storage_type(),
        "iops" => db.iops(),
        "db_name" => db.db_name(),
        "username" => db.master_username(),
        "manage_master_user_password" => db.master_user_secret().is_some(),
        "port" => port,
        "vpc_security_group_ids" => state::strings(db.vpc_security_groups(), |g| g.vpc_security_group_id()),
        "parameter_group_name" => db.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()),
        "option_group_name" => db.option_group_memberships().first().and_then(|g| g.option_group_name()),
        "backup_retention_period" => db.backup_retention_period(),
        "backup_window" => db.preferred_backup_window(),
        "maintenance_window" => db.preferred_maintenance_window().map(str::to_lowercase),
        "multi_az" => db.multi_az(),
        "deletion_protection" => db.deletion_protection().unwrap_or(false),
        "replicate_source_db" => db.read_replica_source_db_instance_identifier(),
        "replicas" => obj::list(db.read_replica_db_instance_identifiers().iter().map(|s| Value::from(s.as_str()))),
        "endpoint" => state::endpoint(address, port),
        "address" => address,
        "hosted_zone_id" => endpoint.and_then(|e| e.hosted_zone_id()),
        "resource_id" => db.dbi_resource_id(),
        "status" => db.db_instance_status(),
        "character_set_name" => db.character_set_name(),
        "nchar_character_set_name" => db.nchar_character_set_name(),
        "timezone" => db.timezone(),
        "license_model" => db.license_model(),
        "storage_throughput" => db.storage_throughput(),
        "database_insights_mode" => db.database_insights_mode().map(|m| m.as_str()),
        "iam_database_authentication_enabled" => db.iam_database_authentication_enabled().unwrap_or(false),
        "enabled_cloudwatch_logs_exports" => obj::set(db.enabled_cloudwatch_logs_exports().iter().map(|s| Value::from(s.as_str()))),
        "engine_lifecycle_support" => db.engine_lifecycle_support(),
        "dedicated_log_volume" => db.dedicated_log_volume().unwrap_or(false),
        "customer_owned_ip_enabled" => db.customer_owned_ip_enabled(),
        "replica_mode" => db.replica_mode().map(|m| m.as_str()),
        "master_user_secret_kms_key_id" => db.master_user_secret().and_then(|s| s.kms_key_id()),
        "master_user_secret" => super::master_user_secret(db.master_user_secret()),
    });
    put_domain(&mut m, db.domain_memberships().first());
    tags::put(ctx, &mut m, tags::read(db.tag_list()));
    state::complete(&SCHEMA, m)
}

/// The instance's Active Directory membership, managed or self-managed.
fn put_domain(m: &mut Map, membership: Option<&aws_sdk_rds::types::DomainMembership>) {
    let Some(d) = membership else { return };
    m.extend(object! {
        "domain" => d.domain(),
        "domain_iam_role_name" => d.iam_role_name(),
        "domain_fqdn" => d.fqdn(),
        "domain_ou" => d.ou(),
        "domain_auth_secret_arn" => d.auth_secret_arn(),
        "domain_dns_ips" => obj::list(d.dns_ips().iter().map(|s| Value::from(s.as_str()))),
    });
}

fn password_changed(prior: &Value, planned: &Value) -> bool {
    super::password_changed(prior, planned, "password")
}

impl DbInstance {
    async fn describe_one(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<SdkDb>> {
        Ok(describe_instances(ctx, &[id.to_string()]).await?.pop())
    }
}

#[async_trait]
impl ResourceType for DbInstance {
    named!("aws_db_instance", SCHEMA, WAITER);

    /// Reads one instance back after a write and completes its state from the plan.
    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let Written { id, planned, .. } = written;
        let db = self.describe_one(ctx, id).await?;
        let db = db.ok_or_else(|| {
            ProviderError::not_found(format!("DB instance {id} not found after writing it"))
        })?;
        let pending = db
            .pending_modified_values()
            .and_then(|p| p.engine_version());
        let mut state = state::with_virtual(&SCHEMA, state_of(ctx, &db), planned);
        let version = state_engine_version(
            obj::str(planned, "engine_version"),
            db.engine_version(),
            pending,
        );
        if let Value::Map(m) = &mut state {
            m.insert("engine_version".into(), version.to_value());
        }
        Ok(state)
    }

    /// The provider takes any engine name; AWS refuses the Aurora ones at create.
    fn plan_checks(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = super::unsupported_features(config);
        let engine = config.get("engine").and_then(Value::as_str);
        if let Some(e) = engine.filter(|e| !supported_engine(&e.to_lowercase())) {
            problems.push(ConfigProblem::new(
                Some("engine"),
                format!("engine \"{e}\" is not supported by aws_db_instance"),
                "supported engines: mysql, postgres, mariadb, oracle-*, sqlserver-* (Aurora uses aws_rds_cluster)",
            ));
        }
        problems
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        problems.extend(super::managed_password_conflicts(
            config,
            &["password", "password_wo"],
        ));
        // A restore takes these from what it restores.
        let restored = !known_null(config, "snapshot_identifier")
            || config
                .get("restore_to_point_in_time")
                .is_some_and(|v| v.as_list().is_none_or(|l| !l.is_empty()));
        if known_null(config, "replicate_source_db") && !restored {
            let needed = [
                ("engine", "an engine"),
                ("username", "a master user name"),
                ("allocated_storage", "allocated storage"),
            ];
            for (key, what) in needed.into_iter().filter(|(k, _)| known_null(config, k)) {
                problems.push(ConfigProblem::new(
                    Some(key),
                    format!("\"{key}\" is required: a new DB instance needs {what}"),
                    "set it, or create the instance from another: replicate_source_db, snapshot_identifier or restore_to_point_in_time",
                ));
            }
        } else if config
            .get("replicate_source_db")
            .is_some_and(|v| v.is_known() && !v.is_null())
        {
            for key in ["db_name", "username"]
                .into_iter()
                .filter(|k| !known_null(config, k))
            {
                problems.push(ConfigProblem::new(
                    Some(key),
                    format!("\"{key}\" cannot be set together with \"replicate_source_db\""),
                    "a read replica takes it from its source instance",
                ));
            }
        }
        problems
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let (Some(prior), Value::Map(m)) = (prior, planned) else {
            return;
        };
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
    }

    fn check_delete(&self, prior: &Value) -> Result<(), ConfigProblem> {
        lifecycle::check_final_snapshot(prior, "DB instance")
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let dbs = describe_instances(ctx, &state::unique(ids)).await?;
        Ok(state::by_id(dbs, SdkDb::db_instance_identifier, |db| {
            state_of(ctx, &db)
        }))
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        super::import(self, ctx, id).await
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let dbs = all(
            "describing DB instances",
            ctx.rds()
                .describe_db_instances()
                .into_paginator()
                .items()
                .send(),
        );
        Ok(dbs.await?.iter().map(|db| state_of(ctx, db)).collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = state::required(planned, "identifier", self.type_name())?;
        self.create_call(ctx, &id, planned).await?;
        // What create does after its call is what settling a retried one does.
        self.settle_retried_create(ctx, &Value::Map(object! { "id" => id }), planned)
            .await
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
        let old_id = state::id(prior, self.type_name())?;
        let new_id = obj::string(planned, "identifier").unwrap_or_else(|| old_id.clone());
        let ch = |k: &str| modify::differs(prior, planned, k);

        // Promotion of a read replica.
        if ch("replicate_source_db") {
            if obj::str(planned, "replicate_source_db").is_some() {
                return Err(ProviderError::new(format!(
                    "DB instance {old_id}: cannot elect a new source database for replication; remove replicate_source_db to promote the replica"
                )));
            }
            let promote = ctx
                .rds()
                .promote_read_replica()
                .db_instance_identifier(&old_id);
            let promote = promote
                .set_backup_retention_period(obj::i32(planned, "backup_retention_period"))
                .set_preferred_backup_window(obj::string(planned, "backup_window"));
            promote
                .send()
                .await
                .during(&format!("promoting read replica {old_id}"))?;
            WAITER
                .ready(ctx, &old_id, SCHEMA.timeout(planned, "update"))
                .await?;
        }

        let apply_now = obj::bool(planned, "apply_immediately").unwrap_or(false);
        let modify = ctx
            .rds()
            .modify_db_instance()
            .db_instance_identifier(&old_id)
            .apply_immediately(apply_now);
        let modify = modify.set_deletion_protection(obj::bool(planned, "deletion_protection"));
        let (mut modify, mut needed) = modify::changed(MODIFY, prior, planned, modify);
        if new_id != old_id {
            (modify, needed) = (modify.new_db_instance_identifier(&new_id), true);
        }
        if ch("engine_version") {
            let major = obj::bool(planned, "allow_major_version_upgrade");
            modify = modify
                .set_engine_version(obj::string(planned, "engine_version"))
                .set_allow_major_version_upgrade(major);
            needed = true;
        }
        let storage = obj::i32(planned, "allocated_storage");
        if ch("allocated_storage") || ch("iops") || ch("storage_type") {
            let engine = obj::str(planned, "engine").unwrap_or_default();
            let gp3_baseline = obj::str(planned, "storage_type") == Some("gp3")
                && storage.unwrap_or(0) < gp3_iops_threshold(engine)
                && !ch("iops");
            modify = modify.set_allocated_storage(storage);
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
            let max = obj::i32(planned, "max_allocated_storage").or(storage);
            (modify, needed) = (modify.set_max_allocated_storage(max), true);
        }
        if let Some(p) = obj::str(planned, "password").filter(|_| password_changed(prior, planned))
        {
            (modify, needed) = (modify.master_user_password(p), true);
        }
        if let Some(p) = super::write_only_password(prior, planned, "password") {
            (modify, needed) = (modify.master_user_password(p), true);
        }
        if let Some(sgs) = modify::changed_list(prior, planned, "vpc_security_group_ids") {
            (modify, needed) = (modify.set_vpc_security_group_ids(Some(sgs)), true);
        }
        if let Some(exports) = super::log_exports_change(prior, planned) {
            (modify, needed) = (modify.cloudwatch_logs_export_configuration(exports), true);
        }
        // AWS takes a new key for the managed secret only together with the flag.
        if ch("master_user_secret_kms_key_id") {
            modify = modify
                .set_manage_master_user_password(obj::bool(planned, "manage_master_user_password"));
        }
        // A changed Database Insights mode is sent with the Performance Insights settings
        // it depends on, as the provider sends them.
        if ch("database_insights_mode") {
            modify = modify
                .set_enable_performance_insights(obj::bool(planned, "performance_insights_enabled"))
                .set_performance_insights_retention_period(obj::i32(
                    planned,
                    "performance_insights_retention_period",
                ));
        }
        if needed {
            modify
                .send()
                .await
                .during(&format!("modifying DB instance {old_id}"))?;
            WAITER
                .ready(ctx, &new_id, SCHEMA.timeout(planned, "update"))
                .await?;
        }
        if tags::changed(ctx, prior, planned) {
            // A renamed instance keeps its ARN on AWS; read it again rather than trust state.
            let arn = self
                .describe_one(ctx, &new_id)
                .await?
                .and_then(|db| db.db_instance_arn().map(str::to_string));
            let arn = arn.or_else(|| obj::string(prior, "arn"));
            tags::update_at(ctx, Service::Rds, arn.as_deref(), prior, planned).await?;
        }
        let written = Written {
            id: &new_id,
            prior: Some(prior),
            planned,
        };
        self.state_after_write(ctx, written).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let how = lifecycle::Deletion {
            gone: &["DBInstanceNotFound"],
            invalid_state: "InvalidDBInstanceState",
        };
        super::delete_db! { ctx, prior, "DB instance", delete_db_instance, modify_db_instance, db_instance_identifier, how, WAITER, ready, SCHEMA.timeout(prior, "delete") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::kit::testing::{
        self, attrs, identifier_with_prefix, refused, with, BAD_WEEKLY_WINDOWS,
    };

    fn config(pairs: &[(&str, Value)]) -> Value {
        let base = [
            ("engine", "mysql".into()),
            ("username", "admin".into()),
            ("allocated_storage", 20.into()),
        ];
        with(&base, pairs)
    }

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        let config = config(pairs);
        let mut all = testing::problems(&DbInstance, &config);
        all.extend(DbInstance.plan_checks(&config));
        attrs(all)
    }

    fn plan(prior: Option<&Value>, planned: &mut Value) {
        testing::plan(&DbInstance, prior, planned)
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
        plan(Some(&prior), &mut planned);
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
        plan(Some(&prior), &mut planned);
        assert_eq!(obj::str(&planned, "engine_version"), Some("8.4"));
    }

    #[test]
    fn identifiers_are_generated_on_create() {
        let mut planned = config(&[("identifier", Value::Null)]);
        plan(None, &mut planned);
        let id = obj::string(&planned, "identifier").unwrap();
        assert!(id.starts_with("terraform-") && id.len() == 10 + 26, "{id}");
        assert_eq!(obj::str(&planned, "id"), Some(id.as_str()));

        let mut planned = config(&[("identifier_prefix", Value::from("app-"))]);
        plan(None, &mut planned);
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
        identifier_with_prefix(
            problems,
            ("identifier", "identifier_prefix"),
            &["App", "1db", "a--b", "db-", "my_db"],
            "db-",
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
        refused(
            problems,
            "backup_window",
            &["3:00-04:00", "03:00-24:00", "03:00"],
        );
        refused(problems, "maintenance_window", BAD_WEEKLY_WINDOWS);
        refused(problems, "engine", &["aurora-mysql"]);
        assert_eq!(
            problems(&[("backup_retention_period", Value::from(36))]),
            [Some("backup_retention_period")]
        );
        refused(problems, "final_snapshot_identifier", &["final-"]);
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
