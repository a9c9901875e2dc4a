//! `aws_db_instance_automated_backups_replication` (issues #18 and #20): a database's
//! automated backups replicated to a DR Region, managed with AWS provider 6's per-resource
//! `region`, verified by describing both Regions, and restored there by `strata drill`.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::workdir;

const DR: &str = "us-west-2";

fn config(kms: &str) -> String {
    format!(
        r#"
resource "random_password" "db" {{
  length  = 20
  special = false
}}

resource "aws_db_instance" "orders" {{
  identifier              = "orders-dr"
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  allocated_storage       = 20
  username                = "admin"
  password                = random_password.db.result
  storage_encrypted       = true
  backup_retention_period = 7
  skip_final_snapshot     = true
}}

data "aws_kms_key" "dr" {{
  region = "{DR}"
  key_id = "alias/aws/rds"
}}

resource "aws_db_instance_automated_backups_replication" "dr" {{
  region                 = "{DR}"
  source_db_instance_arn = aws_db_instance.orders.arn
  retention_period       = 14
  {kms}
}}
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn automated_backups_are_replicated_to_the_dr_region_and_stopped() {
    let w = workdir(&[("main.tf", &config("kms_key_id = data.aws_kms_key.dr.arn"))]);
    w.expect(0, &["apply", "--auto-approve"]);
    let west = w.account.rds(DR).await;
    let backups = west
        .describe_db_instance_automated_backups()
        .send()
        .await
        .unwrap();
    let replicated: Vec<_> = backups
        .db_instance_automated_backups()
        .iter()
        .filter(|b| b.db_instance_identifier() == Some("orders-dr"))
        .collect();
    assert_eq!(replicated.len(), 1, "{replicated:?}");
    let backup = replicated[0];
    assert_eq!(backup.status(), Some("replicating"));
    assert_eq!(backup.backup_retention_period(), Some(14));
    assert_eq!(backup.region(), Some(DEFAULT_REGION));
    assert!(backup
        .kms_key_id()
        .is_some_and(|k| k.contains(&format!(":{DR}:"))));
    let arn = backup
        .db_instance_automated_backups_arn()
        .unwrap()
        .to_string();
    assert!(arn.contains(&format!(":{DR}:")), "{arn}");

    let east = w.account.rds(DEFAULT_REGION).await;
    let source = east
        .describe_db_instances()
        .db_instance_identifier("orders-dr")
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = source.db_instances()[0]
        .db_instance_automated_backups_replications()
        .iter()
        .filter_map(|r| r.db_instance_automated_backups_arn())
        .collect();
    assert_eq!(listed, [arn.as_str()]);

    w.expect(0, &["plan", "--detailed-exitcode"]);

    // The drill restores the replicated backups in the DR Region, checks, and cleans up.
    let run = w.expect(0, &["drill", "--auto-approve", "--json", "--region", DR]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let drill = &report["drills"][0];
    assert_eq!(drill["ok"], true, "{drill}");
    assert_eq!(drill["source"]["kind"], "replicated", "{drill}");
    assert_eq!(drill["source"]["id"], arn.as_str());
    assert_eq!(drill["restored"]["region"], DR);
    assert_eq!(drill["cleaned_up"], true);
    let left = west.describe_db_instances().send().await.unwrap();
    assert!(left.db_instances().is_empty(), "{:?}", left.db_instances());

    w.expect(0, &["destroy", "--auto-approve"]);
    let left = west
        .describe_db_instance_automated_backups()
        .send()
        .await
        .unwrap();
    assert!(
        left.db_instance_automated_backups()
            .iter()
            .all(|b| b.db_instance_identifier() != Some("orders-dr")),
        "{left:?}"
    );
}

/// An encrypted source's backups need a key of the destination Region: AWS's refusal is
/// reported at the resource, and the database itself is created.
#[test]
fn an_encrypted_source_without_a_dr_key_is_refused_by_aws() {
    let w = workdir(&[("main.tf", &config(""))]);
    let run = w.expect(1, &["apply", "--auto-approve"]);
    assert!(
        run.stderr.contains("InvalidParameterCombination") || run.stderr.contains("KmsKeyId"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("aws_db_instance_automated_backups_replication.dr"),
        "{}",
        run.stderr
    );
}
