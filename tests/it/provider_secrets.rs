//! Secrets Manager (issue #18): a secret and its value (kept in state only as a salted
//! hash), and the rotation of the master-password secret RDS manages — what the RDS module
//! sets up by default. Verified through Secrets Manager's own describe and get calls.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::workdir;

const CONFIG: &str = r#"
variable "description" {
  type    = string
  default = "orders database credentials"
}

variable "user" {
  type    = string
  default = "app"
}

resource "random_password" "app" {
  length  = 24
  special = false
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "orders/app"
  description             = var.description
  recovery_window_in_days = 0
  tags = {
    team = "orders"
  }
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id     = aws_secretsmanager_secret.app.id
  secret_string = jsonencode({ username = var.user, password = random_password.app.result })
}

resource "aws_db_instance" "orders" {
  identifier                  = "orders-secrets"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "admin"
  manage_master_user_password = true
  storage_encrypted           = true
  skip_final_snapshot         = true
}

resource "aws_secretsmanager_secret_rotation" "master" {
  secret_id = aws_db_instance.orders.master_user_secret[0].secret_arn
  rotation_rules {
    automatically_after_days = 7
  }
}
"#;

fn state_value(w: &crate::support::Workdir, type_: &str, key: &str) -> serde_json::Value {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.state_path()).unwrap()).unwrap();
    let r = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == type_)
        .unwrap()
        .clone();
    r["instances"][0]["attributes"][key].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_its_value_and_the_rds_secrets_rotation() {
    let w = workdir(&[("main.tf", CONFIG)]);
    w.expect(0, &["apply", "--auto-approve"]);
    let sm = w.account.secretsmanager(DEFAULT_REGION).await;

    let described = sm
        .describe_secret()
        .secret_id("orders/app")
        .send()
        .await
        .unwrap();
    assert_eq!(described.description(), Some("orders database credentials"));
    assert!(described
        .tags()
        .iter()
        .any(|t| t.key() == Some("team") && t.value() == Some("orders")));
    let password = state_value(&w, "random_password", "result");
    let password = password.as_str().unwrap();
    let value = sm
        .get_secret_value()
        .secret_id("orders/app")
        .send()
        .await
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
    assert_eq!(value["password"], password);
    // State keeps no copy of the value.
    let stored = state_value(&w, "aws_secretsmanager_secret_version", "secret_string");
    assert!(!stored.to_string().contains(password), "{stored}");

    let master = state_value(&w, "aws_db_instance", "master_user_secret")[0]["secret_arn"]
        .as_str()
        .unwrap()
        .to_string();
    let rds_secret = sm
        .describe_secret()
        .secret_id(&master)
        .send()
        .await
        .unwrap();
    assert_eq!(rds_secret.rotation_enabled(), Some(true));
    assert_eq!(
        rds_secret
            .rotation_rules()
            .and_then(|r| r.automatically_after_days()),
        Some(7)
    );

    w.expect(0, &["plan", "--detailed-exitcode"]);

    // A new description changes the secret in place; a new value is a new version.
    let arn = described.arn().unwrap().to_string();
    w.expect(
        0,
        &[
            "apply",
            "--auto-approve",
            "-var",
            "description=rotated creds",
            "-var",
            "user=app2",
        ],
    );
    let described = sm
        .describe_secret()
        .secret_id("orders/app")
        .send()
        .await
        .unwrap();
    assert_eq!(described.description(), Some("rotated creds"));
    assert_eq!(
        described.arn(),
        Some(arn.as_str()),
        "changed in place, not replaced"
    );
    let value = sm
        .get_secret_value()
        .secret_id("orders/app")
        .send()
        .await
        .unwrap();
    assert!(value.secret_string().unwrap().contains("app2"));

    w.expect(
        0,
        &[
            "destroy",
            "--auto-approve",
            "-var",
            "description=rotated creds",
            "-var",
            "user=app2",
        ],
    );
    let gone = sm.describe_secret().secret_id("orders/app").send().await;
    assert!(gone.is_err(), "{gone:?}");
}

/// Regression: a rotation without `rotation_rules` validated and failed only at apply; the
/// provider requires the block.
#[test]
fn a_rotation_without_rules_passed_validate() {
    let w = workdir(&[(
        "main.tf",
        "resource \"aws_secretsmanager_secret_rotation\" \"r\" {\n  secret_id = \"orders/app\"\n}\n",
    )]);
    let run = w.expect(1, &["validate"]);
    assert!(
        run.stderr
            .contains("Missing required block \"rotation_rules\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("main.tf:1:"), "{}", run.stderr);
}
