//! Ephemeral variables (Terraform 1.10, issue #17) feeding a write-only argument: the value
//! reaches AWS (read at the wire by the proxy, `--record-param`) and no file strata writes nor
//! anything it prints; a saved plan keeps no value of it, so applying the plan needs it given
//! again.

use crate::faults::FaultProxy;

use crate::support::Workdir;

/// Given only on the command line, as `--var`; the plan saw this one...
const AT_PLAN: &str = "Ephem3ral-at-plan-time-41";
/// ...and the apply another: an ephemeral value need not be the plan's.
const AT_APPLY: &str = "Ephem3ral-at-apply-time-58";

const CONFIG: &str = r#"provider "aws" {
  region = "us-east-1"
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = null
}

variable "master_password" {
  type      = string
  ephemeral = true
}

resource "aws_db_instance" "db" {
  identifier          = "ephemeral-db"
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  password_wo         = var.master_password
  password_wo_version = 1
  skip_final_snapshot = true
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_ephemeral_password_reaches_aws_and_no_file_and_is_given_again_to_a_saved_plan() {
    let proxy = FaultProxy::start(&["--record-param", "CreateDBInstance.MasterUserPassword"]);
    let mut w = Workdir::webapp();
    proxy.point(&mut w);
    std::fs::write(w.dir().join("main.tf"), CONFIG).unwrap();

    let var = |value: &str| format!("master_password={value}");
    let plan = w.expect(0, &["plan", "--out", "create.plan", "--var", &var(AT_PLAN)]);
    let show = w.expect(0, &["show", "create.plan"]);
    let json = w.expect(0, &["show", "--json", "create.plan"]);

    // Without the ephemeral variable, the saved plan cannot be applied, and nothing is made.
    let missing = w.expect(1, &["apply", "create.plan"]);
    assert!(
        missing.stderr.contains("No value for required variable")
            && missing.stderr.contains("\"master_password\" is ephemeral")
            && missing.stderr.contains("--var master_password="),
        "{}",
        missing.stderr
    );
    assert!(proxy
        .params("CreateDBInstance.MasterUserPassword")
        .is_empty());

    // Any other variable keeps the plan's value (here the environment's db_password).
    let changed = w.expect(
        1,
        &[
            "apply",
            "create.plan",
            "--var",
            &var(AT_APPLY),
            "--var",
            "db_password=another-one-9",
        ],
    );
    assert!(
        changed
            .stderr
            .contains("Can't change variable when applying a saved plan"),
        "{}",
        changed.stderr
    );

    // With it (another value), the database is made with the value given at apply.
    let apply = w.expect(0, &["apply", "create.plan", "--var", &var(AT_APPLY)]);
    assert_eq!(
        proxy.params("CreateDBInstance.MasterUserPassword"),
        [AT_APPLY],
        "the create sent the value given to the apply"
    );
    let rds = w.account.rds("us-east-1").await;
    let dbs = rds
        .describe_db_instances()
        .db_instance_identifier("ephemeral-db")
        .send()
        .await
        .unwrap();
    assert_eq!(dbs.db_instances().len(), 1, "the database exists in AWS");

    let state_json = w.expect(0, &["show", "--json"]);
    for secret in [AT_PLAN, AT_APPLY] {
        for path in files_under(&w.dir()) {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(secret),
                "the ephemeral value is in {}",
                path.display()
            );
        }
        for out in [&plan, &show, &json, &missing, &changed, &apply, &state_json] {
            assert!(!out.both().contains(secret), "printed:\n{}", out.both());
        }
    }
    let saved: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        saved["variables"].get("master_password").is_none(),
        "the JSON plan lists no ephemeral variable: {}",
        saved["variables"]
    );
    w.assert_no_secret_leaked();
}

/// Every file strata wrote under the directory (state, backups, saved plan, `.strata/`).
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if !path.ends_with("main.tf") {
            out.push(path);
        }
    }
    out
}
