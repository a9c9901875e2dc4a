//! The arguments of `aws_rds_cluster` that real configurations carry (Serverless v2,
//! monitoring, Performance and Database Insights, IAM auth, log exports, the Data API, the
//! managed secret's key) and its create paths (a snapshot, a point in time), against the
//! emulator: every effect checked through DescribeDBClusters.

use strata::eval::Value;
use strata::provider::{obj, resource_type, ResourceType};

use crate::emulator::{Emulator, DEFAULT_REGION as REGION};
use crate::support::{plan_create, plan_update, Workdir};

fn cluster_type() -> &'static dyn ResourceType {
    resource_type("aws_rds_cluster").unwrap()
}

fn config(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn block(pairs: Vec<(&str, Value)>) -> Value {
    Value::List(vec![config(pairs)])
}

fn strings(items: &[&str]) -> Value {
    obj::set(items.iter().map(|s| Value::from(*s)))
}

fn capacity(min: f64, max: f64) -> Value {
    block(vec![
        ("min_capacity", Value::Number(min)),
        ("max_capacity", Value::Number(max)),
    ])
}

async fn describe(rds: &aws_sdk_rds::Client, id: &str) -> aws_sdk_rds::types::DbCluster {
    let answer = rds.describe_db_clusters().db_cluster_identifier(id).send();
    answer.await.unwrap().db_clusters.unwrap().remove(0)
}

fn base(id: &str) -> Vec<(&str, Value)> {
    vec![
        ("cluster_identifier", Value::from(id)),
        ("engine", Value::from("aurora-postgresql")),
        ("engine_version", Value::from("16.4")),
        ("master_username", Value::from("pgadmin")),
        (
            "master_password",
            Value::from("cluster-secret-pw").sensitive(),
        ),
        ("skip_final_snapshot", Value::Bool(true)),
    ]
}

#[tokio::test]
async fn a_cluster_takes_serverless_v2_insights_monitoring_and_log_arguments() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let rds = account.rds(REGION).await;
    let rt = cluster_type();
    let role = "arn:aws:iam::123456789012:role/rds-monitoring";
    let mut pairs = base("args-pg");
    pairs.extend([
        ("serverlessv2_scaling_configuration", capacity(0.5, 4.0)),
        ("iam_database_authentication_enabled", Value::Bool(true)),
        ("enabled_cloudwatch_logs_exports", strings(&["postgresql"])),
        ("monitoring_interval", Value::from(30)),
        ("monitoring_role_arn", Value::from(role)),
        ("performance_insights_enabled", Value::Bool(true)),
        ("performance_insights_retention_period", Value::from(7)),
        ("database_insights_mode", Value::from("advanced")),
        ("network_type", Value::from("DUAL")),
        (
            "engine_lifecycle_support",
            Value::from("open-source-rds-extended-support-disabled"),
        ),
        ("enable_http_endpoint", Value::Bool(true)),
        ("cluster_scalability_type", Value::from("standard")),
    ]);
    let state = rt
        .create(&ctx, &plan_create(rt, &config(pairs)))
        .await
        .unwrap();

    let c = describe(&rds, "args-pg").await;
    let v2 = c.serverless_v2_scaling_configuration().unwrap();
    assert_eq!(
        (v2.min_capacity(), v2.max_capacity()),
        (Some(0.5), Some(4.0))
    );
    assert_eq!(c.iam_database_authentication_enabled(), Some(true));
    assert_eq!(c.enabled_cloudwatch_logs_exports(), ["postgresql"]);
    assert_eq!(
        (c.monitoring_interval(), c.monitoring_role_arn()),
        (Some(30), Some(role))
    );
    assert_eq!(c.performance_insights_enabled(), Some(true));
    assert_eq!(c.performance_insights_retention_period(), Some(7));
    assert_eq!(
        c.database_insights_mode().map(|m| m.as_str()),
        Some("advanced")
    );
    assert_eq!(c.network_type(), Some("DUAL"));
    assert_eq!(
        c.engine_lifecycle_support(),
        Some("open-source-rds-extended-support-disabled")
    );
    assert_eq!(c.http_endpoint_enabled(), Some(true));
    assert_eq!(c.engine_mode(), Some("provisioned"));
    // What strata's state says is what AWS answers: a refresh sees no drift.
    let read = rt.read(&ctx, &["args-pg".into()]).await.unwrap();
    for key in [
        "serverlessv2_scaling_configuration",
        "enabled_cloudwatch_logs_exports",
        "enable_http_endpoint",
        "engine_mode",
        "storage_type",
    ] {
        assert_eq!(read["args-pg"].get(key), state.get(key), "{key}");
    }
    assert_eq!(obj::str(&state, "storage_type"), Some("aurora"));

    // In place: capacity, IAM auth, log exports, insights, monitoring, the Data API.
    let planned = plan_update(
        rt,
        &state,
        vec![
            ("serverlessv2_scaling_configuration", capacity(1.0, 8.0)),
            ("iam_database_authentication_enabled", Value::Bool(false)),
            ("enabled_cloudwatch_logs_exports", strings(&[])),
            ("monitoring_interval", Value::from(0)),
            ("performance_insights_enabled", Value::Bool(false)),
            ("database_insights_mode", Value::from("standard")),
            ("enable_http_endpoint", Value::Bool(false)),
            ("apply_immediately", Value::Bool(true)),
        ],
    );
    let state = rt.update(&ctx, &state, &planned).await.unwrap();
    let c = describe(&rds, "args-pg").await;
    let v2 = c.serverless_v2_scaling_configuration().unwrap();
    assert_eq!(
        (v2.min_capacity(), v2.max_capacity()),
        (Some(1.0), Some(8.0))
    );
    assert_eq!(c.iam_database_authentication_enabled(), Some(false));
    assert!(c.enabled_cloudwatch_logs_exports().is_empty());
    assert_eq!(c.monitoring_interval(), Some(0));
    assert_eq!(c.performance_insights_enabled(), Some(false));
    assert_eq!(
        c.database_insights_mode().map(|m| m.as_str()),
        Some("standard")
    );
    assert_eq!(c.http_endpoint_enabled(), Some(false));
    assert_eq!(obj::bool(&state, "enable_http_endpoint"), Some(false));
    rt.delete(&ctx, &state).await.unwrap();
}

#[tokio::test]
async fn a_cluster_is_restored_from_a_snapshot_and_to_a_point_in_time() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let rds = account.rds(REGION).await;
    let rt = cluster_type();
    let source = rt
        .create(&ctx, &plan_create(rt, &config(base("restore-src"))))
        .await
        .unwrap();
    rds.create_db_cluster_snapshot()
        .db_cluster_identifier("restore-src")
        .db_cluster_snapshot_identifier("restore-src-snap")
        .send()
        .await
        .unwrap();

    // From the snapshot: what the restore call does not take (retention, maintenance
    // window, Serverless v2 capacity) comes with the Modify that follows it.
    let restored = plan_create(
        rt,
        &config(vec![
            ("cluster_identifier", Value::from("restored-snap")),
            ("engine", Value::from("aurora-postgresql")),
            ("snapshot_identifier", Value::from("restore-src-snap")),
            ("backup_retention_period", Value::from(9)),
            (
                "preferred_maintenance_window",
                Value::from("Tue:04:00-Tue:05:00"),
            ),
            ("serverlessv2_scaling_configuration", capacity(2.0, 16.0)),
            ("iam_database_authentication_enabled", Value::Bool(true)),
            ("skip_final_snapshot", Value::Bool(true)),
        ]),
    );
    let from_snapshot = rt.create(&ctx, &restored).await.unwrap();
    let c = describe(&rds, "restored-snap").await;
    assert_eq!(
        c.master_username(),
        Some("pgadmin"),
        "taken from the snapshot"
    );
    assert_eq!(c.backup_retention_period(), Some(9));
    assert_eq!(
        c.preferred_maintenance_window(),
        Some("tue:04:00-tue:05:00")
    );
    assert_eq!(c.iam_database_authentication_enabled(), Some(true));
    let v2 = c.serverless_v2_scaling_configuration().unwrap();
    assert_eq!(
        (v2.min_capacity(), v2.max_capacity()),
        (Some(2.0), Some(16.0))
    );
    assert_eq!(
        obj::str(&from_snapshot, "snapshot_identifier"),
        Some("restore-src-snap")
    );

    // To a point in time of the source.
    let point = block(vec![
        ("source_cluster_identifier", Value::from("restore-src")),
        ("use_latest_restorable_time", Value::Bool(true)),
    ]);
    let pitr = plan_create(
        rt,
        &config(vec![
            ("cluster_identifier", Value::from("restored-pitr")),
            ("engine", Value::from("aurora-postgresql")),
            ("restore_to_point_in_time", point.clone()),
            ("backup_retention_period", Value::from(3)),
            ("skip_final_snapshot", Value::Bool(true)),
        ]),
    );
    let to_point = rt.create(&ctx, &pitr).await.unwrap();
    let c = describe(&rds, "restored-pitr").await;
    assert_eq!(c.engine(), Some("aurora-postgresql"));
    assert_eq!(c.backup_retention_period(), Some(3));
    assert_eq!(
        to_point
            .get("restore_to_point_in_time")
            .and_then(
                |b| obj::str(&b.as_list().unwrap()[0], "source_cluster_identifier")
                    .map(str::to_string)
            ),
        Some("restore-src".to_string())
    );
    for state in [from_snapshot, to_point, source] {
        rt.delete(&ctx, &state).await.unwrap();
    }
}

const RESTORED: &str = r#"
provider "aws" {
  region = "us-east-1"
}

variable "snapshot" {
  type = string
}

resource "aws_rds_cluster" "restored" {
  cluster_identifier  = "create-only"
  engine              = "aurora-postgresql"
  snapshot_identifier = var.snapshot
  skip_final_snapshot = true

  serverlessv2_scaling_configuration {
    min_capacity = 0.5
    max_capacity = 2
  }
}
"#;

/// `snapshot_identifier` says what the cluster was created from: a later change neither
/// changes nor replaces it (terraform-provider-aws would replace it, and the data with it),
/// and the plan says so.
#[tokio::test]
async fn a_changed_snapshot_identifier_plans_no_change_and_warns() {
    let w = Workdir::webapp();
    let rds = w.account.rds(REGION).await;
    std::fs::write(w.dir().join("main.tf"), RESTORED).unwrap();
    for (cluster, snapshot) in [("snap-src-a", "snap-a"), ("snap-src-b", "snap-b")] {
        rds.create_db_cluster()
            .db_cluster_identifier(cluster)
            .engine("aurora-postgresql")
            .master_username("pgadmin")
            .master_user_password("cluster-secret-pw")
            .send()
            .await
            .unwrap();
        rds.create_db_cluster_snapshot()
            .db_cluster_identifier(cluster)
            .db_cluster_snapshot_identifier(snapshot)
            .send()
            .await
            .unwrap();
    }
    w.expect(0, &["apply", "--auto-approve", "--var", "snapshot=snap-a"]);
    let created = describe(&rds, "create-only").await;
    let resource_id = created.db_cluster_resource_id().unwrap().to_string();
    assert_eq!(
        created
            .serverless_v2_scaling_configuration()
            .and_then(|c| c.max_capacity()),
        Some(2.0)
    );

    let plan = w.expect(
        0,
        &["plan", "--detailed-exitcode", "--var", "snapshot=snap-b"],
    );
    assert!(
        plan.stderr
            .contains("snapshot_identifier is read only at create"),
        "{}",
        plan.both()
    );
    assert!(
        plan.stderr.contains("--replace=aws_rds_cluster.restored"),
        "{}",
        plan.stderr
    );
    w.expect(0, &["apply", "--auto-approve", "--var", "snapshot=snap-b"]);
    let after = describe(&rds, "create-only").await;
    assert_eq!(
        after.db_cluster_resource_id(),
        Some(resource_id.as_str()),
        "not replaced"
    );
    w.expect(
        0,
        &["destroy", "--auto-approve", "--var", "snapshot=snap-b"],
    );
    w.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_cluster_instance_takes_monitoring_insights_and_its_ca() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let rds = account.rds(REGION).await;
    let (cluster, instance) = (
        cluster_type(),
        resource_type("aws_rds_cluster_instance").unwrap(),
    );
    let c = cluster
        .create(&ctx, &plan_create(cluster, &config(base("inst-args"))))
        .await
        .unwrap();
    let role = "arn:aws:iam::123456789012:role/rds-monitoring";
    let planned = plan_create(
        instance,
        &config(vec![
            ("identifier", Value::from("inst-args-1")),
            ("cluster_identifier", Value::from("inst-args")),
            ("engine", Value::from("aurora-postgresql")),
            ("instance_class", Value::from("db.serverless")),
            ("monitoring_interval", Value::from(60)),
            ("monitoring_role_arn", Value::from(role)),
            ("performance_insights_enabled", Value::Bool(true)),
            ("performance_insights_retention_period", Value::from(7)),
            ("ca_cert_identifier", Value::from("rds-ca-rsa2048-g1")),
        ]),
    );
    let state = instance.create(&ctx, &planned).await.unwrap();
    let describe = || async {
        let answer = rds
            .describe_db_instances()
            .db_instance_identifier("inst-args-1")
            .send();
        answer.await.unwrap().db_instances.unwrap().remove(0)
    };
    let db = describe().await;
    assert_eq!(
        (db.monitoring_interval(), db.monitoring_role_arn()),
        (Some(60), Some(role))
    );
    assert_eq!(db.performance_insights_enabled(), Some(true));
    assert_eq!(db.performance_insights_retention_period(), Some(7));
    assert_eq!(db.ca_certificate_identifier(), Some("rds-ca-rsa2048-g1"));
    let read = instance.read(&ctx, &["inst-args-1".into()]).await.unwrap();
    for key in [
        "monitoring_interval",
        "performance_insights_enabled",
        "ca_cert_identifier",
    ] {
        assert_eq!(read["inst-args-1"].get(key), state.get(key), "{key}");
    }

    let planned = plan_update(
        instance,
        &state,
        vec![
            ("monitoring_interval", Value::from(0)),
            ("performance_insights_enabled", Value::Bool(false)),
            ("apply_immediately", Value::Bool(true)),
        ],
    );
    let state = instance.update(&ctx, &state, &planned).await.unwrap();
    let db = describe().await;
    assert_eq!(db.monitoring_interval(), Some(0));
    assert_eq!(db.performance_insights_enabled(), Some(false));
    instance.delete(&ctx, &state).await.unwrap();
    cluster.delete(&ctx, &c).await.unwrap();
}
