//! Write-only arguments (Terraform 1.11, issue #17): `password_wo` reaches AWS on create and
//! again only when `password_wo_version` changes, and is in no plan file, state file or
//! output. What strata sent is read at the wire, by the proxy in front of the emulator
//! (`--record-param`): AWS never returns a master password, moto neither.

use crate::faults::FaultProxy;
use crate::support::{Workdir, PASSWORD};

/// The second password, given after the first one for the rotation.
const ROTATED: &str = "Corr3ct-h0rse-battery-staple-77";

/// A literal write-only password (`WO`) and its version (`VERSION`): a literal is in no saved
/// input, so nothing but the write-only handling could put it into a plan or state file. (A
/// non-ephemeral variable's value is saved in a plan file, as Terraform saves it.)
const CONFIG: &str = r#"provider "aws" {
  region = "us-east-1"
}

resource "aws_db_instance" "db" {
  identifier          = "write-only-db"
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "admin"
  password_wo         = "WO"
  password_wo_version = VERSION
  skip_final_snapshot = true
  # The test's literal stands for what an ephemeral variable would carry.
  check_ignore = ["LITERAL_SECRET"]
}

output "version" {
  value = aws_db_instance.db.password_wo_version
}
"#;

fn write_config(w: &Workdir, password: &str, version: u32) {
    let text = CONFIG
        .replace("\"WO\"", &format!("\"{password}\""))
        .replace("VERSION", &version.to_string());
    std::fs::write(w.dir().join("main.tf"), text).unwrap();
}

/// Every file strata wrote in the directory (state, backups, saved plans), with its name.
fn written_files(w: &Workdir) -> Vec<(String, String)> {
    std::fs::read_dir(w.dir())
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let text = std::fs::read(&path).ok()?;
            Some((
                path.display().to_string(),
                String::from_utf8_lossy(&text).into_owned(),
            ))
        })
        .collect()
}

fn assert_absent(w: &Workdir, secret: &str, outputs: &[&str]) {
    for (name, text) in written_files(w) {
        if name.ends_with("main.tf") {
            continue;
        }
        assert!(!text.contains(secret), "the write-only value is in {name}");
    }
    for out in outputs {
        assert!(
            !out.contains(secret),
            "the write-only value was printed:\n{out}"
        );
    }
}

#[test]
fn password_wo_is_sent_on_create_and_when_its_version_changes_and_stored_nowhere() {
    let proxy = FaultProxy::start(&[
        "--record-param",
        "CreateDBInstance.MasterUserPassword",
        "--record-param",
        "ModifyDBInstance.MasterUserPassword",
    ]);
    let mut w = Workdir::webapp();
    proxy.point(&mut w);
    write_config(&w, PASSWORD, 1);

    // Create from a saved plan: the value is evaluated again from the plan's inputs.
    let plan = w.expect(0, &["plan", "--out", "create.plan"]);
    let show = w.expect(0, &["show", "create.plan"]);
    let json = w.expect(0, &["show", "--json", "create.plan"]);
    let md = w.expect(0, &["show", "--markdown", "create.plan"]);
    let apply = w.expect(0, &["apply", "create.plan"]);
    assert_eq!(
        proxy.params("CreateDBInstance.MasterUserPassword"),
        [PASSWORD],
        "the create sent the write-only password"
    );
    let state = std::fs::read_to_string(w.state_path()).unwrap();
    let db = &serde_json::from_str::<serde_json::Value>(&state).unwrap()["resources"][0]
        ["instances"][0]["attributes"];
    assert_eq!(db["password_wo"], serde_json::Value::Null, "{db}");
    assert_eq!(db["password_wo_version"], 1, "{db}");
    let state_json = w.expect(0, &["show", "--json"]);
    assert_absent(
        &w,
        PASSWORD,
        &[
            &plan.both(),
            &show.both(),
            &json.both(),
            &md.both(),
            &apply.both(),
            &state_json.both(),
        ],
    );

    // The same password again, or a new one under the same version: nothing to do, since
    // no diff of the value itself is possible.
    w.expect(0, &["plan", "--detailed-exitcode"]);
    write_config(&w, ROTATED, 1);
    w.expect(0, &["plan", "--detailed-exitcode"]);

    // A new version: an update that sends the new password, and only it.
    write_config(&w, ROTATED, 2);
    let plan = w.expect(2, &["plan", "--detailed-exitcode", "-json"]);
    assert!(
        plan.stdout.contains("\"update\""),
        "the version change plans an update: {}",
        plan.stdout
    );
    let apply = w.expect(0, &["apply", "--auto-approve"]);
    assert!(
        apply.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    assert_eq!(
        proxy.params("ModifyDBInstance.MasterUserPassword"),
        [ROTATED],
        "the update sent the new password once"
    );
    let state_json = w.expect(0, &["show", "--json"]);
    assert_absent(
        &w,
        ROTATED,
        &[&plan.both(), &apply.both(), &state_json.both()],
    );
    assert_absent(&w, PASSWORD, &[]);
    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.assert_no_secret_leaked();
}

#[test]
fn password_wo_conflicts_with_password_and_needs_its_version() {
    let w = Workdir::webapp();
    write_config(&w, PASSWORD, 1);
    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "  skip_final_snapshot = true\n",
        "  skip_final_snapshot = true\n  password            = \"another-password-1\"\n",
    );
    let err = w.expect(1, &["validate"]).stderr;
    assert!(
        err.contains("\"password_wo\" and \"password\" cannot both be set"),
        "{err}"
    );
    assert!(err.contains("main.tf:11:"), "located at password_wo: {err}");

    write_config(&w, PASSWORD, 1);
    w.edit(&main, "  password_wo_version = 1\n", "");
    let err = w.expect(1, &["validate"]).stderr;
    assert!(
        err.contains("\"password_wo\" needs \"password_wo_version\" to be set too"),
        "{err}"
    );
    w.assert_no_secret_leaked();
}
