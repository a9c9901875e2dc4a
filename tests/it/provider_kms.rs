//! KMS keys and aliases (issue #18): the customer managed key a database and its DR copies are
//! encrypted with, named by an alias; verified through KMS's own describe calls.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::workdir;

const CONFIG: &str = r#"
variable "description" {
  type    = string
  default = "orders data"
}

variable "rotate" {
  type    = bool
  default = true
}

variable "target" {
  type    = string
  default = "a"
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Enable IAM User Permissions"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "a" {
  description             = var.description
  enable_key_rotation     = var.rotate
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.key.json
  tags = {
    team = "orders"
  }
}

resource "aws_kms_key" "b" {
  description             = "spare"
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "orders" {
  name          = "alias/orders"
  target_key_id = var.target == "a" ? aws_kms_key.a.key_id : aws_kms_key.b.arn
}

data "aws_kms_alias" "rds" {
  name = "alias/aws/rds"
}

output "rds_key" {
  value = data.aws_kms_alias.rds.target_key_arn
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn keys_and_aliases_are_created_changed_and_scheduled_for_deletion() {
    let w = workdir(&[("main.tf", CONFIG)]);
    w.expect(0, &["apply", "--auto-approve"]);
    let kms = w.account.kms(DEFAULT_REGION).await;
    let alias = || async {
        let out = kms.list_aliases().send().await.unwrap();
        out.aliases()
            .iter()
            .find(|a| a.alias_name() == Some("alias/orders"))
            .cloned()
    };
    let key_a = alias().await.unwrap().target_key_id().unwrap().to_string();
    let described = kms.describe_key().key_id(&key_a).send().await.unwrap();
    let meta = described.key_metadata().unwrap();
    assert_eq!(meta.description(), Some("orders data"));
    let rotation = kms
        .get_key_rotation_status()
        .key_id(&key_a)
        .send()
        .await
        .unwrap();
    assert!(rotation.key_rotation_enabled());
    let tags = kms
        .list_resource_tags()
        .key_id(&key_a)
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.tag_key() == "team" && t.tag_value() == "orders"));
    let out = w.expect(0, &["output", "rds_key"]);
    assert!(out.stdout.contains(":key/"), "{}", out.stdout);

    w.expect(0, &["plan", "--detailed-exitcode"]);

    // In place: the description, the rotation, and the alias pointed at the other key.
    let vars = [
        "-var",
        "description=orders data v2",
        "-var",
        "rotate=false",
        "-var",
        "target=b",
    ];
    let mut args = vec!["apply", "--auto-approve"];
    args.extend(vars);
    w.expect(0, &args);
    let described = kms.describe_key().key_id(&key_a).send().await.unwrap();
    assert_eq!(
        described.key_metadata().unwrap().description(),
        Some("orders data v2")
    );
    let rotation = kms
        .get_key_rotation_status()
        .key_id(&key_a)
        .send()
        .await
        .unwrap();
    assert!(!rotation.key_rotation_enabled());
    assert_ne!(alias().await.unwrap().target_key_id(), Some(key_a.as_str()));
    let mut plan = vec!["plan", "--detailed-exitcode"];
    plan.extend(vars);
    w.expect(0, &plan);

    let mut destroy = vec!["destroy", "--auto-approve"];
    destroy.extend(vars);
    w.expect(0, &destroy);
    assert!(alias().await.is_none());
    let described = kms.describe_key().key_id(&key_a).send().await.unwrap();
    assert_eq!(
        described
            .key_metadata()
            .unwrap()
            .key_state()
            .map(|s| s.as_str()),
        Some("PendingDeletion")
    );
}
