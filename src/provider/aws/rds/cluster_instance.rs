//! `aws_rds_cluster_instance`: one DB instance of an Aurora cluster.
//!
//! **State id.** The instance identifier. Changing it replaces the instance (unlike
//! `aws_db_instance`). The engine version follows the cluster: `engine_version` is only sent
//! on create; a prefix of the running version is no change.
//!
//! **writer** comes from the cluster's member list (DescribeDBClusters), read in one batch
//! for every cluster of the instances read.

use super::{cluster_engine, describe_clusters, describe_instances, engine_version_matches};
use super::{identifier, identifier_prefix, state_engine_version, CLUSTER_PREFIX};
use super::{insights_retention, monitoring_interval};
use crate::provider::aws::kit::prelude::*;
use crate::provider::aws::kit::WEEKLY_WINDOW;
use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder as Create;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder as Modify;
use aws_sdk_rds::types::DbInstance as SdkDb;

pub struct RdsClusterInstance;
pub static RDS_CLUSTER_INSTANCE: RdsClusterInstance = RdsClusterInstance;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A DB instance in an Aurora cluster.";
        regional;
        id                    string output                        "The instance identifier.";
        identifier            string computed force_new check(identifier) name_from_prefix("identifier_prefix", CLUSTER_PREFIX) "Instance identifier; generated (`tf-…`) when not set.";
        identifier_prefix     string computed force_new conflicts_with(&["identifier"]) check(identifier_prefix) "Creates a unique identifier beginning with this prefix.";
        cluster_identifier    string required force_new            "The cluster the instance belongs to.";
        instance_class        string required                      "Instance class, e.g. db.r6g.large.";
        engine                string required force_new lowercase check(cluster_engine) "aurora-mysql or aurora-postgresql; the cluster's engine.";
        engine_version        string computed same_version("engine_version_actual", engine_version_matches) "Engine version; follows the cluster.";
        engine_version_actual string output                        "The engine version AWS runs.";
        promotion_tier        number default(0) range(0.0, 15.0)   "Failover priority (0-15; lower is promoted first).";
        publicly_accessible   bool   computed                      "Give the instance a public address.";
        db_subnet_group_name  string computed force_new            "DB subnet group; the cluster's.";
        db_parameter_group_name string computed                    "DB parameter group of the instance.";
        apply_immediately     bool   virtual_ default(false)       "Apply changes now instead of in the maintenance window.";
        auto_minor_version_upgrade bool default(true)              "Apply minor engine upgrades in the maintenance window.";
        preferred_maintenance_window string computed lowercase regex(WEEKLY_WINDOW, "a weekly window ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. sun:05:00-sun:06:00") "Weekly maintenance window (lower-cased).";
        availability_zone     string computed force_new            "Availability zone.";
        copy_tags_to_snapshot bool   default(false)                "Copy the instance's tags to its snapshots.";
        arn                   string output                        "ARN of the instance.";
        endpoint              string output                        "Host name of the instance.";
        port                  number output                        "Database port.";
        writer                bool   output                        "Whether the instance is the cluster's writer.";
        dbi_resource_id       string output                        "The instance's resource id (db-…).";
        storage_encrypted     bool   output                        "Whether the cluster's storage is encrypted.";
        kms_key_id            string output                        "KMS key of the cluster's storage.";
        monitoring_interval   number default(0) check(monitoring_interval) "Seconds between Enhanced Monitoring samples: 0 (off), 1, 5, 10, 15, 30 or 60.";
        monitoring_role_arn   string computed                      "IAM role that lets RDS send Enhanced Monitoring metrics to CloudWatch Logs.";
        performance_insights_enabled bool computed                 "Turn on Performance Insights.";
        performance_insights_kms_key_id string computed            "KMS key ARN for Performance Insights data.";
        performance_insights_retention_period number computed check(insights_retention) "Days to keep Performance Insights data: 7, 731, or a multiple of 31.";
        ca_cert_identifier    string computed                      "Certificate authority of the server certificate.";
        custom_iam_instance_profile string force_new regex("^AWSRDSCustom.*$", "a name starting with AWSRDSCustom") "Instance profile of an RDS Custom instance.";
        network_type          string output                        "IPV4 or DUAL, as the cluster's subnet group allows.";
        tags;
        id_from identifier;
        timeouts create(90) update(90) delete(90);
    }
});

// The arguments of the create call, and those a modify changes in place.
create_and_modify_setters! {
    CREATE: Create, MODIFY: Modify;
    both {
        "instance_class" => set_db_instance_class(string),
        "promotion_tier" => set_promotion_tier(i32),
        "publicly_accessible" => set_publicly_accessible(bool),
        "db_parameter_group_name" => set_db_parameter_group_name(string),
        "auto_minor_version_upgrade" => set_auto_minor_version_upgrade(bool),
        "preferred_maintenance_window" => set_preferred_maintenance_window(lower),
        "copy_tags_to_snapshot" => set_copy_tags_to_snapshot(bool),
        "monitoring_interval" => set_monitoring_interval(i32),
        "monitoring_role_arn" => set_monitoring_role_arn(string),
        "performance_insights_enabled" => set_enable_performance_insights(bool),
        "performance_insights_kms_key_id" => set_performance_insights_kms_key_id(string),
        "performance_insights_retention_period" => set_performance_insights_retention_period(i32),
        "ca_cert_identifier" => set_ca_certificate_identifier(string),
    }
    create_only {
        "cluster_identifier" => set_db_cluster_identifier(string),
        "engine" => set_engine(lower),
        "engine_version" => set_engine_version(string),
        "db_subnet_group_name" => set_db_subnet_group_name(string),
        "availability_zone" => set_availability_zone(string),
        "custom_iam_instance_profile" => set_custom_iam_instance_profile(string),
    }
}

static WAITER: Waiter = Waiter {
    noun: "DB instance",
    key: "aws_rds_cluster_instance/status",
    statuses: super::instance_statuses,
    pending: &[
        "backing-up",
        "configuring-enhanced-monitoring",
        "configuring-iam-database-auth",
        "configuring-log-exports",
        "creating",
        "maintenance",
        "modifying",
        "rebooting",
        "renaming",
        "resetting-master-credentials",
        "starting",
        "storage-optimization",
        "upgrading",
    ],
    ready: &["available"],
};

fn state_of(ctx: &Ctx, db: &SdkDb, writer: Option<bool>) -> Value {
    let endpoint = db.endpoint();
    let mut m = super::instance_state(db);
    m.extend(object! {
        "cluster_identifier" => db.db_cluster_identifier(),
        "promotion_tier" => db.promotion_tier().unwrap_or(0),
        "db_parameter_group_name" => db.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()),
        "preferred_maintenance_window" => db.preferred_maintenance_window().map(str::to_lowercase),
        "endpoint" => endpoint.and_then(|e| e.address()),
        "port" => endpoint.and_then(|e| e.port()).or(db.db_instance_port()),
        "writer" => writer,
        "dbi_resource_id" => db.dbi_resource_id(),
    });
    tags::put(ctx, &mut m, tags::read(db.tag_list()));
    state::complete(&SCHEMA, m)
}

#[async_trait]
impl ResourceType for RdsClusterInstance {
    named!("aws_rds_cluster_instance", SCHEMA, WAITER);

    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let Written { id, planned, .. } = written;
        let mut state = state::read_back(ctx, &RDS_CLUSTER_INSTANCE, id, planned).await?;
        let version = state_engine_version(
            obj::str(planned, "engine_version"),
            obj::str(&state, "engine_version_actual"),
            None,
        );
        if let Value::Map(m) = &mut state {
            m.insert("engine_version".into(), version.to_value());
        }
        Ok(state)
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let unique: Vec<String> = state::unique(ids);
        let dbs = describe_instances(ctx, &unique).await?;
        if let Some(db) = dbs.iter().find(|d| d.db_cluster_identifier().is_none()) {
            return Err(ProviderError::new(format!(
                "DB instance {} is not in a cluster: manage it with aws_db_instance",
                db.db_instance_identifier().unwrap_or_default()
            )));
        }
        // Writers, from the clusters' member lists (one batched read).
        let clusters: BTreeSet<String> = dbs
            .iter()
            .filter_map(|d| d.db_cluster_identifier().map(str::to_string))
            .collect();
        let mut writers: BTreeMap<String, bool> = BTreeMap::new();
        for c in describe_clusters(ctx, &clusters.into_iter().collect::<Vec<_>>()).await? {
            for member in c.db_cluster_members() {
                if let Some(i) = member.db_instance_identifier() {
                    writers.insert(i.to_string(), member.is_cluster_writer().unwrap_or(false));
                }
            }
        }
        let state = |db: &SdkDb| {
            let id = db.db_instance_identifier().unwrap_or_default();
            (id.to_string(), state_of(ctx, db, writers.get(id).copied()))
        };
        Ok(dbs.iter().map(state).collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = state::required(planned, "identifier", self.type_name())?;
        let call = ctx.rds().create_db_instance().db_instance_identifier(&id);
        lifecycle::create_then_ready! {
            self, ctx, planned, call, CREATE, &WAITER, &id, "DB cluster instance"
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let apply_now = obj::bool(planned, "apply_immediately").unwrap_or(false);
        let modify = ctx
            .rds()
            .modify_db_instance()
            .db_instance_identifier(&id)
            .apply_immediately(apply_now);
        let modified = modify::changed(MODIFY, prior, planned, modify);
        lifecycle::modify_then_settle! {
            self, ctx, Service::Rds, &id, prior, planned,
            modified, WAITER, false, "DB cluster instance"
        }
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        // A replica cluster must go first; AWS says so until it has.
        let replica_first = |e: &ProviderError| {
            e.says(
                "InvalidDBClusterStateFault",
                "Delete the replica cluster before deleting",
            )
        };
        let what = format!("DB cluster instance {id} to be deletable");
        let limit = SCHEMA.timeout(prior, "delete");
        let deleted = ctx.retry_while(&what, limit, replica_first, || async {
            let call = ctx
                .rds()
                .delete_db_instance()
                .db_instance_identifier(&id)
                .send()
                .await;
            call.during(&format!("deleting DB cluster instance {id}"))
                .map(drop)
        });
        match deleted.await {
            Err(e) if e.is(&["DBInstanceNotFound"]) => return Ok(()),
            Err(e) if !e.says("InvalidDBInstanceState", "is already being deleted") => {
                return Err(e)
            }
            _ => {}
        }
        WAITER.gone(ctx, &id, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::aws::kit::testing::{
        attrs, identifier_with_prefix, problems as all, refused, with,
    };

    fn problems(pairs: &[(&str, Value)]) -> Vec<Option<&'static str>> {
        let base = [
            ("engine", "aurora-mysql".into()),
            ("cluster_identifier", "c1".into()),
            ("instance_class", "db.r6g.large".into()),
        ];
        attrs(all(&RdsClusterInstance, &with(&base, pairs)))
    }

    #[test]
    fn rules() {
        assert!(problems(&[("identifier", Value::from("c1-i1"))]).is_empty());
        identifier_with_prefix(
            problems,
            ("identifier", "identifier_prefix"),
            &["C1"],
            "c1-",
        );
        refused(problems, "engine", &["mariadb"]);
        // Multi-AZ DB clusters run MySQL and PostgreSQL; the provider accepts them.
        assert!(problems(&[("engine", Value::from("mysql"))]).is_empty());
        assert_eq!(
            problems(&[("promotion_tier", Value::from(16))]),
            [Some("promotion_tier")]
        );
        refused(problems, "preferred_maintenance_window", &["mon"]);
    }

    #[test]
    fn identifiers_are_generated_with_tf_prefix() {
        let mut planned = Value::Map(Map::from([("identifier".to_string(), Value::Unknown)]));
        SCHEMA.modify_plan(None, &planned.clone(), &mut planned);
        let id = obj::string(&planned, "identifier").unwrap();
        assert!(id.starts_with("tf-") && id.len() == 29, "{id}");
    }
}
