//! The command line a Terraform user types: Go's single-dash flags and `=`-joined values as
//! Terraform writes them, each one doing what it does in Terraform — against the emulator,
//! checked through AWS where a flag changes what happens there.

use crate::support::{Workdir, PASSWORD};
use serde_json::Value as Json;
use std::process::Stdio;
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";
const WEB: &str = "module.stack.aws_security_group.webserver_group";

async fn group_id(w: &Workdir, name: &str) -> String {
    let ec2 = w.account.ec2(REGION).await;
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values(name)
                .build(),
        )
        .send()
        .await
        .unwrap();
    groups.security_groups()[0].group_id().unwrap().to_string()
}

fn events(stdout: &str) -> Vec<Json> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON event ({e}): {l}")))
        .collect()
}

fn of_type<'a>(events: &'a [Json], t: &str) -> Vec<&'a Json> {
    events.iter().filter(|e| e["type"] == t).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn terraform_spellings_of_plan_and_apply_flags_work() {
    let w = Workdir::webapp();

    // -chdir instead of -C; -var 'k=v', -out=FILE, -input=false, -no-color, -refresh=false,
    // -lock=false: a plan saved where asked.
    let out = w
        .bare_command(&[
            "-chdir=examples/webapp",
            "plan",
            "-var",
            "admin_cidr=198.51.100.0/24",
            "-out=first.plan",
            "-input=false",
            "-no-color",
            "-refresh=false",
            "-lock=false",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.dir().join("first.plan").is_file());
    // -auto-approve with the saved plan; -parallelism=N.
    let applied = w.expect(
        0,
        &["apply", "-auto-approve", "-parallelism=2", "first.plan"],
    );
    assert!(
        applied.stdout.contains("Apply complete!"),
        "{}",
        applied.stdout
    );
    let ec2 = w.account.ec2(REGION).await;
    let web = group_id(&w, "webapp-webserver").await;
    let rules = ec2
        .describe_security_groups()
        .group_ids(&web)
        .send()
        .await
        .unwrap();
    let ssh = rules.security_groups()[0]
        .ip_permissions()
        .iter()
        .find(|p| p.from_port() == Some(22))
        .unwrap();
    assert_eq!(
        ssh.ip_ranges()[0].cidr_ip(),
        Some("198.51.100.0/24"),
        "-var reached AWS"
    );

    // -var-file=FILE, and -detailed-exitcode: 2 when there are changes.
    std::fs::write(
        w.dir().join("ops.tfvars"),
        "admin_cidr = \"192.0.2.0/24\"\n",
    )
    .unwrap();
    let plan = w.expect(2, &["plan", "-var-file=ops.tfvars", "-detailed-exitcode"]);
    assert!(
        plan.stdout
            .contains("\"198.51.100.0/24\" -> \"192.0.2.0/24\""),
        "{}",
        plan.stdout
    );

    // -target=ADDR plans only that resource (and what it needs).
    w.edit(
        &w.module_dir().join("main.tf"),
        "description = \"Database tier: only the web tier may connect\"",
        "description = \"Database tier\"",
    );
    let plan = w.expect(
        0,
        &["plan", "-var-file=ops.tfvars", &format!("-target={WEB}")],
    );
    assert!(
        plan.stdout
            .contains(&format!("# {WEB} will be updated in-place")),
        "{}",
        plan.stdout
    );
    assert!(
        !plan
            .stdout
            .contains("# module.stack.aws_security_group.db_group"),
        "{}",
        plan.stdout
    );

    // -input=false never asks: an apply that needs approval fails instead of waiting.
    let refused = w.expect(1, &["apply", "-input=false", "-var-file=ops.tfvars"]);
    assert!(
        refused
            .stderr
            .contains("Refusing to ask for approval: --input=false"),
        "{}",
        refused.stderr
    );

    // -compact-warnings: one line per warning.
    std::fs::write(
        w.dir().join("terraform.tfvars"),
        "admin_cdr = \"10.0.0.0/8\"\n",
    )
    .unwrap();
    let compact = w.expect(0, &["plan", "-compact-warnings"]);
    assert!(
        compact
            .stderr
            .contains("Warnings:\n\n- Value for undeclared variable \"admin_cdr\""),
        "{}",
        compact.stderr
    );
    assert!(
        !compact.stderr.contains("-->"),
        "no source excerpt: {}",
        compact.stderr
    );
    std::fs::remove_file(w.dir().join("terraform.tfvars")).unwrap();
    w.assert_no_secret_leaked();
}

#[tokio::test(flavor = "multi_thread")]
async fn replace_taint_and_untaint_replace_objects_in_aws() {
    let w = Workdir::webapp();
    // A group nothing refers to, so that AWS lets the old one go.
    std::fs::write(
        w.dir().join("spare.tf"),
        "resource \"aws_security_group\" \"spare\" {\n  name   = \"webapp-spare\"\n  vpc_id = data.aws_vpc.default.id\n}\n",
    )
    .unwrap();
    const SPARE: &str = "aws_security_group.spare";
    w.expect(0, &["apply", "-auto-approve"]);
    let before = group_id(&w, "webapp-spare").await;

    // -replace=ADDR: planned as a replacement asked for, and carried out.
    let plan = w.expect(0, &["plan", &format!("-replace={SPARE}")]);
    assert!(
        plan.stdout
            .contains(&format!("# {SPARE} will be replaced, as requested")),
        "{}",
        plan.stdout
    );
    let json: Json = serde_json::from_str(
        &w.expect(0, &["plan", "--json", &format!("-replace={SPARE}")])
            .stdout,
    )
    .unwrap();
    let change = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == SPARE)
        .unwrap();
    assert_eq!(change["action_reason"], "replace_by_request");
    w.expect(0, &["apply", "-auto-approve", &format!("-replace={SPARE}")]);
    let replaced = group_id(&w, "webapp-spare").await;
    assert_ne!(before, replaced, "a new group took the old one's place");
    let missing = w.expect(1, &["plan", "-replace=aws_security_group.nowhere"]);
    assert!(
        missing
            .stderr
            .contains("Cannot replace aws_security_group.nowhere: it is not in the state"),
        "{}",
        missing.stderr
    );

    // taint marks it in state; untaint clears the mark.
    let tainted = w.expect(0, &["taint", SPARE]);
    assert!(
        tainted.stdout.contains("has been marked as tainted"),
        "{}",
        tainted.stdout
    );
    let plan = w.expect(2, &["plan", "-detailed-exitcode"]);
    assert!(
        plan.stdout
            .contains(&format!("# {SPARE} is tainted, so must be replaced")),
        "{}",
        plan.stdout
    );
    w.expect(0, &["untaint", SPARE]);
    w.expect(0, &["plan", "-detailed-exitcode"]);
    let wrong = w.expect(1, &["taint", "aws_security_group.sparse"]);
    assert!(
        wrong.stderr.contains(&format!("did you mean {SPARE}?")),
        "{}",
        wrong.stderr
    );
    w.assert_no_secret_leaked();
}

#[tokio::test(flavor = "multi_thread")]
async fn json_event_streams_version_output_types_and_console() {
    let w = Workdir::webapp();

    // plan -json: Terraform's machine-readable UI, one event per line.
    let plan = events(&w.expect(0, &["plan", "-json"]).stdout);
    assert_eq!(plan[0]["type"], "version");
    assert_eq!(plan[0]["terraform"], "1.11.4");
    let planned = of_type(&plan, "planned_change");
    assert_eq!(planned.len(), 4, "{plan:#?}");
    assert!(planned.iter().all(|e| e["change"]["action"] == "create"));
    let db = planned
        .iter()
        .find(|e| e["change"]["resource"]["resource_type"] == "aws_db_instance")
        .unwrap();
    assert_eq!(db["change"]["resource"]["module"], "module.stack");
    assert_eq!(db["change"]["resource"]["resource_key"], 0);
    let summary = of_type(&plan, "change_summary");
    assert_eq!(summary[0]["changes"]["add"], 4);
    assert_eq!(summary[0]["changes"]["operation"], "plan");
    for e in &plan {
        for key in ["@level", "@message", "@module", "@timestamp"] {
            assert!(e.get(key).is_some(), "{e}");
        }
    }

    // apply -json needs approval given up front, and streams the hooks.
    // (In the event stream, the error is a `diagnostic` event too.)
    let refused = events(&w.expect(1, &["apply", "-json"]).stdout);
    let diag = of_type(&refused, "diagnostic");
    assert_eq!(diag.len(), 1, "{refused:#?}");
    assert_eq!(diag[0]["@level"], "error");
    assert!(diag[0]["diagnostic"]["summary"]
        .as_str()
        .unwrap()
        .contains("cannot ask for approval"));
    let applied = events(&w.expect(0, &["apply", "-json", "-auto-approve"]).stdout);
    let completes = of_type(&applied, "apply_complete");
    assert_eq!(
        completes.len(),
        4,
        "data read while planning is not applied again: {applied:#?}"
    );
    let web_id = group_id(&w, "webapp-webserver").await;
    assert!(
        completes
            .iter()
            .any(|e| e["hook"]["id_value"] == web_id.as_str()
                && e["@message"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("[id={web_id}]"))),
        "{completes:#?}"
    );
    assert_eq!(of_type(&applied, "apply_start").len(), 4);
    let done = of_type(&applied, "change_summary");
    assert_eq!(done.last().unwrap()["changes"]["operation"], "apply");
    let outputs = of_type(&applied, "outputs");
    assert_eq!(
        outputs.last().unwrap()["outputs"]["webserver_group_id"]["value"],
        web_id.as_str()
    );

    // apply takes no --markdown, --out or --detailed-exitcode: refused, never ignored.
    for flag in ["--markdown", "-out=x.plan", "-detailed-exitcode"] {
        let run = w.expect(1, &["apply", "-auto-approve", flag]);
        assert!(
            run.stderr.contains("is not a flag of `strata apply`"),
            "{flag}: {}",
            run.stderr
        );
    }
    // A saved plan takes --var (ephemeral variables are given again), not planning flags.
    let planfile_target = w.expect(1, &["apply", "x.plan", "-target", "aws_db_instance.x"]);
    assert!(
        planfile_target
            .stderr
            .contains("A saved plan is applied as it was made"),
        "{}",
        planfile_target.stderr
    );

    // output -json with Terraform's types.
    let out: Json = serde_json::from_str(&w.expect(0, &["output", "-json"]).stdout).unwrap();
    assert_eq!(out["webserver_group_id"]["type"], "string");
    assert_eq!(out["webserver_group_id"]["value"], web_id.as_str());
    assert_eq!(out["webserver_group_id"]["sensitive"], false);

    // version and version -json.
    let v = w.expect(0, &["version"]).stdout;
    assert!(
        v.starts_with(&format!("strata v{}\n", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    let vj: Json = serde_json::from_str(&w.expect(0, &["version", "-json"]).stdout).unwrap();
    assert_eq!(vj["terraform_version"], "1.11.4");
    assert!(vj["platform"].as_str().unwrap().contains('_'));

    // console: expressions against the configuration and the state.
    let mut console = w.command(&["console"]);
    console
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = console.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "module.stack.webserver_group_id").unwrap();
        writeln!(stdin, "upper(var.region)").unwrap();
        writeln!(stdin, "var.db_password").unwrap();
        writeln!(stdin, "length(data.aws_subnets.default.ids) > 0").unwrap();
        writeln!(stdin, "var.nope").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            &format!("\"{web_id}\"") as &str,
            "\"US-EAST-1\"",
            "(sensitive value)",
            "true"
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("var.nope") || stderr.contains("\"nope\""),
        "{stderr}"
    );
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    w.assert_no_secret_leaked();
}

/// A lock held by another process: `-lock-timeout` waits for it (saying so), gives up after
/// the time given; `-lock=false` does not take it.
fn assert_lock_flags(w: &Workdir) {
    let holder = w
        .command(&["plan"])
        .env("STRATA_DEBUG_HOLD_LOCK_MS", "4000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let gave_up = w.expect(1, &["plan", "-lock-timeout=300ms"]);
    assert!(
        gave_up
            .stderr
            .contains("Gave up waiting for the state lock after"),
        "{}",
        gave_up.stderr
    );
    w.expect(0, &["plan", "-lock=false"]);
    let t0 = Instant::now();
    let waited = w.expect(0, &["plan", "-lock-timeout=30s"]);
    assert!(
        waited
            .stderr
            .contains("Acquiring the state lock: the state is locked by"),
        "{}",
        waited.stderr
    );
    assert!(
        waited.stderr.contains("Waiting up to 30s"),
        "{}",
        waited.stderr
    );
    assert!(
        t0.elapsed() < Duration::from_secs(25),
        "it took the lock once released"
    );
    let status = holder.wait_with_output().unwrap().status;
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn lock_timeout_waits_for_a_local_lock() {
    let w = Workdir::webapp();
    w.expect(0, &["apply", "-auto-approve"]);
    assert_lock_flags(&w);
}

#[tokio::test(flavor = "multi_thread")]
async fn lock_timeout_waits_for_an_s3_lock() {
    let w = Workdir::webapp();
    let s3 = w.account.s3(REGION).await;
    let bucket = format!("locks-{}", w.account.account_id);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "terraform {\n",
        &format!("terraform {{\n  backend \"s3\" {{\n    bucket = \"{bucket}\"\n    key    = \"webapp.tfstate\"\n    region = \"us-east-1\"\n  }}\n"),
    );
    w.expect(0, &["apply", "-auto-approve"]);
    assert!(!w.state_path().exists(), "the state is in S3");
    assert_lock_flags(&w);
}
