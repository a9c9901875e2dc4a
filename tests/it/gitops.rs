//! The JSON plan in Terraform's format, drift detection and its exit codes — against the
//! emulator, with nothing sensitive in any output.

use crate::support::{Workdir, PASSWORD};

fn json(run: &crate::support::Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout))
}

fn change<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address}"))
}

const DB: &str = "module.stack.aws_db_instance.db[0]";
const WEB: &str = "module.stack.aws_security_group.webserver_group";

#[tokio::test(flavor = "multi_thread")]
async fn json_plans_follow_terraforms_format_for_every_action() {
    let w = Workdir::webapp();

    // Create.
    let created = json(&w.expect(0, &["plan", "--json"]));
    for key in [
        "format_version",
        "terraform_version",
        "variables",
        "planned_values",
        "resource_changes",
        "output_changes",
        "prior_state",
        "configuration",
        "applyable",
        "complete",
        "errored",
    ] {
        assert!(created.get(key).is_some(), "missing {key}");
    }
    let db = change(&created, DB);
    assert_eq!(db["change"]["actions"], serde_json::json!(["create"]));
    assert_eq!(db["module_address"], "module.stack");
    assert_eq!(db["mode"], "managed");
    assert_eq!(db["type"], "aws_db_instance");
    assert_eq!(db["index"], 0);
    assert_eq!(db["change"]["after_sensitive"]["password"], true);
    assert!(db["change"]["after"]["password"].is_null());
    assert_eq!(db["change"]["after_unknown"]["endpoint"], true);
    assert_eq!(
        created["variables"]["db_password"]["value"],
        serde_json::Value::Null
    );
    assert_eq!(created["applyable"], true);

    w.expect(0, &["apply", "--auto-approve"]);

    // Update (tags of the web group) and replace (the engine of the database) in one plan.
    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "Environment = terraform.workspace",
        "Environment = \"staging\"",
    );
    w.edit(
        &main,
        "  db_password = var.db_password\n",
        "  db_password = var.db_password\n  engine         = \"mariadb\"\n  engine_version = \"10.11\"\n",
    );
    let changed = json(&w.expect(0, &["plan", "--json"]));
    let web = change(&changed, WEB);
    assert_eq!(web["change"]["actions"], serde_json::json!(["update"]));
    assert_eq!(web["change"]["after"]["tags"]["Environment"], "staging");
    assert_eq!(web["change"]["before"]["tags"]["Environment"], "default");
    let db = change(&changed, DB);
    assert_eq!(
        db["change"]["actions"],
        serde_json::json!(["delete", "create"])
    );
    assert_eq!(db["action_reason"], "replace_because_cannot_update");
    assert!(db["change"]["replace_paths"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(["engine"])));
    assert_eq!(db["change"]["before_sensitive"]["password"], true);
    assert!(db["change"]["before"]["password"].is_null());
    assert!(
        changed["prior_state"]["values"]["root_module"]["child_modules"][0]["resources"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "prior_state lists what exists"
    );

    // Delete.
    let destroy = json(&w.expect(0, &["plan", "--destroy", "--json"]));
    for c in destroy["resource_changes"].as_array().unwrap() {
        assert_eq!(c["change"]["actions"], serde_json::json!(["delete"]), "{c}");
    }

    // Markdown of the same plans carries no secret either.
    let md = w.expect(0, &["plan", "--markdown"]);
    assert!(
        md.stdout.contains("[!WARNING]"),
        "the replaced database is data at risk"
    );
    for run in [&created, &changed, &destroy] {
        assert!(!run.to_string().contains(PASSWORD));
    }
    w.assert_no_secret_leaked();
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_only_reports_drift_with_exit_code_2_and_accepts_it() {
    let w = Workdir::webapp();
    w.expect(0, &["apply", "--auto-approve"]);
    w.expect(0, &["plan", "--refresh-only", "--detailed-exitcode"]);

    // Someone changes the database by hand.
    let rds = w.account.rds("us-east-1").await;
    rds.modify_db_instance()
        .db_instance_identifier("webapp-db")
        .backup_retention_period(2)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();

    let drift = w.expect(2, &["plan", "--refresh-only", "--detailed-exitcode"]);
    assert!(
        drift
            .stdout
            .contains("Objects have changed outside of strata"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("backup_retention_period = 7 -> 2"),
        "{}",
        drift.stdout
    );
    let as_json = json(&w.expect(0, &["plan", "--refresh-only", "--json"]));
    let drifted = as_json["resource_drift"]
        .as_array()
        .expect("resource_drift");
    assert!(drifted.iter().any(|d| d["address"] == DB), "{as_json}");
    assert!(
        as_json["resource_changes"].as_array().unwrap().is_empty(),
        "a refresh-only plan changes nothing"
    );

    // Accepting the drift updates the state only: AWS keeps the hand-made value.
    w.expect(0, &["apply", "--refresh-only", "--auto-approve"]);
    w.expect(0, &["plan", "--refresh-only", "--detailed-exitcode"]);
    let now = rds
        .describe_db_instances()
        .db_instance_identifier("webapp-db")
        .send()
        .await
        .unwrap();
    assert_eq!(now.db_instances()[0].backup_retention_period(), Some(2));
    // A normal plan now wants to put the configured value back.
    w.expect(2, &["plan", "--detailed-exitcode"]);
    w.assert_no_secret_leaked();
}
