//! `aws_db_instance_role_association` and `aws_rds_cluster_role_association` (issue #18): an
//! IAM role a database uses for S3 import/export, created with the IAM types and the policy
//! document data source, verified through the databases' describe answers.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::workdir;
use crate::support::Workdir;

const CONFIG: &str = r#"
variable "associate" {
  type    = bool
  default = true
}

data "aws_iam_policy_document" "rds" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "s3" {
  name               = "rds-s3-import"
  assume_role_policy = data.aws_iam_policy_document.rds.json
}

resource "random_password" "db" {
  length  = 20
  special = false
}

resource "aws_db_instance" "db" {
  identifier          = "roles-db"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  password            = random_password.db.result
  storage_encrypted   = true
  skip_final_snapshot = true
}

resource "aws_rds_cluster" "cluster" {
  cluster_identifier  = "roles-cluster"
  engine              = "aurora-postgresql"
  master_username     = "admin"
  master_password     = random_password.db.result
  storage_encrypted   = true
  skip_final_snapshot = true
}

resource "aws_db_instance_role_association" "s3" {
  count                  = var.associate ? 1 : 0
  db_instance_identifier = aws_db_instance.db.identifier
  feature_name           = "s3Import"
  role_arn               = aws_iam_role.s3.arn
}

resource "aws_rds_cluster_role_association" "s3" {
  count                 = var.associate ? 1 : 0
  db_cluster_identifier = aws_rds_cluster.cluster.cluster_identifier
  feature_name          = "s3Import"
  role_arn              = aws_iam_role.s3.arn
}
"#;

/// The roles AWS reports for the instance and the cluster.
async fn roles(w: &Workdir) -> (Vec<String>, Vec<String>) {
    let rds = w.account.rds(DEFAULT_REGION).await;
    let db = rds
        .describe_db_instances()
        .db_instance_identifier("roles-db")
        .send()
        .await
        .unwrap();
    let cluster = rds
        .describe_db_clusters()
        .db_cluster_identifier("roles-cluster")
        .send()
        .await
        .unwrap();
    let arns = |roles: &[aws_sdk_rds::types::DbInstanceRole]| {
        roles
            .iter()
            .filter_map(|r| Some(format!("{}:{}", r.feature_name()?, r.role_arn()?)))
            .collect()
    };
    let cluster_arns = cluster.db_clusters()[0]
        .associated_roles()
        .iter()
        .filter_map(|r| Some(format!("{}:{}", r.feature_name()?, r.role_arn()?)))
        .collect();
    (arns(db.db_instances()[0].associated_roles()), cluster_arns)
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_are_associated_refreshed_imported_and_removed() {
    let w = workdir(&[("main.tf", CONFIG)]);
    w.expect(0, &["apply", "--auto-approve"]);
    let iam = w.account.iam().await;
    let role = iam
        .get_role()
        .role_name("rds-s3-import")
        .send()
        .await
        .unwrap();
    let arn = role.role().unwrap().arn().to_string();
    let expected = vec![format!("s3Import:{arn}")];
    assert_eq!(roles(&w).await, (expected.clone(), expected.clone()));
    w.expect(0, &["plan", "--detailed-exitcode"]);

    // Forgotten and imported again by DATABASE,ROLE_ARN.
    w.expect(
        0,
        &["state", "rm", "aws_db_instance_role_association.s3[0]"],
    );
    let id = format!("roles-db,{arn}");
    w.expect(
        0,
        &["import", "aws_db_instance_role_association.s3[0]", &id],
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);

    // Removed from the configuration: the associations go, the databases stay.
    w.expect(0, &["apply", "--auto-approve", "-var", "associate=false"]);
    assert_eq!(roles(&w).await, (vec![], vec![]));

    w.expect(0, &["destroy", "--auto-approve", "-var", "associate=false"]);
}

#[test]
fn a_role_association_import_id_names_the_database_and_the_role() {
    let w = workdir(&[("main.tf", CONFIG)]);
    let run = w.expect(
        1,
        &[
            "import",
            "aws_db_instance_role_association.s3[0]",
            "roles-db",
        ],
    );
    assert!(
        run.stderr.contains("DATABASE_IDENTIFIER,ROLE_ARN"),
        "{}",
        run.stderr
    );
}
