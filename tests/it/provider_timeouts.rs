//! `timeouts` blocks (issue #17): validated as Terraform durations where they are written,
//! kept in state, and a change of them alone is an update that asks AWS nothing. That the
//! configured limit bounds strata's waits is pinned in `faults.rs`
//! (`a_create_timeout_ends_the_wait_and_the_journal_keeps_the_instance`), which needs an
//! emulator whose instances stay `creating`.

use crate::faults::FaultProxy;
use crate::support::Workdir;

/// A DB instance with a `timeouts` block (`TIMEOUTS` stands for its arguments).
const CONFIG: &str = r#"provider "aws" {
  region = "us-east-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "db" {
  identifier          = "timeouts-db"
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  password            = var.db_password
  skip_final_snapshot = true

  timeouts {
    TIMEOUTS
  }
}
"#;

fn workdir(timeouts: &str) -> Workdir {
    let w = Workdir::webapp();
    std::fs::write(
        w.dir().join("main.tf"),
        CONFIG.replace("TIMEOUTS", timeouts),
    )
    .unwrap();
    w
}

#[test]
fn a_timeout_that_is_no_duration_is_an_error_at_its_argument() {
    let w = workdir("create = \"90 minutes\"");
    let run = w.expect(1, &["validate"]);
    let err = run.stderr;
    // Line 20, the `create` argument inside the block, not the resource.
    assert!(err.contains("main.tf:20:14"), "{err}");
    assert!(err.contains("\"90 minutes\" is not a duration"), "{err}");
    let w = workdir("create = \"1h30m\"\n    delete = \"10s\"");
    w.expect(0, &["validate"]);
}

#[test]
fn a_timeouts_only_change_is_an_update_that_asks_aws_nothing() {
    let mut w = workdir("create = \"30m\"");
    w.expect(0, &["apply", "--auto-approve"]);
    let state = std::fs::read_to_string(w.state_path()).unwrap();
    assert!(state.contains("\"create\": \"30m\""), "{state}");
    w.expect(0, &["plan", "--detailed-exitcode"]);

    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "create = \"30m\"",
        "create = \"30m\"\n    delete = \"2h\"",
    );
    let plan = w.expect(2, &["plan", "--detailed-exitcode", "--out", "tp"]);
    assert!(
        plan.stdout.contains("will be updated in-place"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("+ delete = \"2h\""), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );

    // The saved plan applies through a proxy that counts the calls: only the preflight's
    // credential check reaches AWS.
    let proxy = FaultProxy::start(&[]);
    proxy.point(&mut w);
    let applied = w.expect(0, &["apply", "tp"]);
    assert!(
        applied.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}",
        applied.stdout
    );
    let calls = proxy.counts();
    let actions: Vec<&String> = calls.as_object().unwrap().keys().collect();
    assert_eq!(actions, ["GetCallerIdentity"], "{calls}");
    w.env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    let state = std::fs::read_to_string(w.state_path()).unwrap();
    assert!(state.contains("\"delete\": \"2h\""), "{state}");
    // A refresh keeps the block (AWS never returns it): nothing more to do.
    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.expect(0, &["destroy", "--auto-approve"]);
    w.assert_no_secret_leaked();
}
