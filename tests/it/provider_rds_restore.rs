//! `aws_db_instance` created from what protects another (issues #18 and #20): from a
//! snapshot (`snapshot_identifier`) and to a point in time (`restore_to_point_in_time`), with
//! what the restore calls do not take (Performance Insights, the password) sent by one
//! Modify; and the arguments the RDS module sets (insights, IAM authentication, log exports)
//! carried through create, read and update. Every object is verified by describe. What a
//! database was restored from is read only at create: a later change plans nothing and
//! says so, where terraform-provider-aws would replace the database and its data.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::workdir;

const CONFIG: &str = r#"
variable "exports" {
  type    = list(string)
  default = ["error", "slowquery"]
}

variable "snapshot" {
  type    = string
  default = "orders-snap"
}

resource "random_password" "orders" {
  length  = 20
  special = false
}

resource "aws_db_instance" "orders" {
  identifier                            = "orders"
  storage_encrypted                     = true
  engine                                = "mysql"
  instance_class                        = "db.t3.micro"
  allocated_storage                     = 20
  username                              = "admin"
  password                              = random_password.orders.result
  skip_final_snapshot                   = true
  performance_insights_enabled          = true
  performance_insights_retention_period = 31
  iam_database_authentication_enabled   = true
  enabled_cloudwatch_logs_exports       = var.exports
  apply_immediately                     = true
}

resource "aws_db_snapshot" "orders" {
  db_instance_identifier = aws_db_instance.orders.identifier
  db_snapshot_identifier = "orders-snap"
}

resource "aws_db_instance" "from_snapshot" {
  identifier                   = "orders-copy"
  instance_class               = "db.t3.micro"
  storage_encrypted            = true
  snapshot_identifier          = var.snapshot == "orders-snap" ? aws_db_snapshot.orders.id : var.snapshot
  skip_final_snapshot          = true
  performance_insights_enabled = true
}

resource "aws_db_instance" "from_point" {
  identifier          = "orders-pitr"
  instance_class      = "db.t3.micro"
  storage_encrypted   = true
  skip_final_snapshot = true
  restore_to_point_in_time {
    source_db_instance_identifier = aws_db_instance.orders.identifier
    use_latest_restorable_time    = true
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn databases_restore_from_a_snapshot_and_a_point_in_time_once() {
    let w = workdir(&[("main.tf", CONFIG)]);
    w.expect(0, &["apply", "--auto-approve"]);
    let rds = w.account.rds(DEFAULT_REGION).await;
    let describe = |id: &'static str| {
        let rds = rds.clone();
        async move {
            rds.describe_db_instances()
                .db_instance_identifier(id)
                .send()
                .await
                .unwrap()
                .db_instances()[0]
                .clone()
        }
    };

    let orders = describe("orders").await;
    assert_eq!(orders.performance_insights_enabled(), Some(true));
    assert_eq!(orders.performance_insights_retention_period(), Some(31));
    assert_eq!(orders.iam_database_authentication_enabled(), Some(true));
    let mut exports = orders.enabled_cloudwatch_logs_exports().to_vec();
    exports.sort();
    assert_eq!(exports, ["error", "slowquery"]);

    // The restore took no Performance Insights setting: the Modify that followed did.
    let copy = describe("orders-copy").await;
    assert_eq!(copy.engine(), Some("mysql"));
    assert_eq!(copy.performance_insights_enabled(), Some(true));
    let pitr = describe("orders-pitr").await;
    assert_eq!(pitr.engine(), Some("mysql"));

    w.expect(0, &["plan", "--detailed-exitcode"]);

    // Log exports change in place: one enabled, one disabled.
    let exports_var = "exports=[\"general\", \"error\"]";
    let changed = w.expect(0, &["apply", "--auto-approve", "-var", exports_var]);
    assert!(
        changed.stdout.contains("aws_db_instance.orders: Modifying"),
        "{}",
        changed.stdout
    );
    let mut exports = describe("orders")
        .await
        .enabled_cloudwatch_logs_exports()
        .to_vec();
    exports.sort();
    assert_eq!(exports, ["error", "general"]);

    // Another snapshot to restore from changes nothing, and the plan says why.
    let other = w.expect(
        0,
        &[
            "plan",
            "--detailed-exitcode",
            "-var",
            exports_var,
            "-var",
            "snapshot=other-snap",
        ],
    );
    assert!(
        other
            .stderr
            .contains("aws_db_instance.from_snapshot: snapshot_identifier is read only at create"),
        "{}",
        other.both()
    );
    assert!(
        other
            .stderr
            .contains("--replace=aws_db_instance.from_snapshot"),
        "{}",
        other.stderr
    );
    assert_eq!(
        describe("orders-copy").await.db_instance_arn(),
        copy.db_instance_arn()
    );

    w.expect(0, &["destroy", "--auto-approve", "-var", exports_var]);
    let left = rds.describe_db_instances().send().await.unwrap();
    assert!(left.db_instances().is_empty(), "{:?}", left.db_instances());
}

/// The RDS module's blocks validate; a feature strata cannot carry out is refused when an
/// instance uses it, at the block.
#[test]
fn s3_import_and_blue_green_updates_are_refused_where_used() {
    let w = workdir(&[(
        "main.tf",
        r#"
resource "aws_db_instance" "db" {
  identifier          = "imported"
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  password            = "imported-password-1"
  skip_final_snapshot = true

  s3_import {
    bucket_name           = "backups"
    ingestion_role        = "arn:aws:iam::123456789012:role/ingest"
    source_engine         = "mysql"
    source_engine_version = "8.0.36"
  }

  blue_green_update {
    enabled = true
  }
}
"#,
    )]);
    w.expect(0, &["validate"]);
    let plan = w.expect(1, &["plan"]);
    assert!(
        plan.stderr.contains("from a backup in S3 is not supported"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr.contains("blue/green updates are not supported"),
        "{}",
        plan.stderr
    );
    assert!(plan.stderr.contains("main.tf:11:3"), "{}", plan.stderr);
}
