//! Acceptance tests of the engine: the real `strata` binary plans, applies and destroys
//! `examples/webapp` against the emulator; every effect is checked through the verification
//! clients' describe calls, never through strata's own state.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::{Filter, SecurityGroup};
use aws_sdk_rds::types::DbInstance;
use strata::state::{Backend, LocalBackend};

use crate::emulator::DEFAULT_REGION as REGION;
use crate::support::{normalise, Workdir, PASSWORD};

const DB: &str = "module.stack.aws_db_instance.db[0]";
const WEB_SG: &str = "module.stack.aws_security_group.webserver_group";
const DB_SG: &str = "module.stack.aws_security_group.db_group";
const SUBNET_GROUP: &str = "module.stack.aws_db_subnet_group.db";
const ADMIN_CIDR: &str = "203.0.113.0/24";

// ---- verification through describe calls -------------------------------------------------

async fn security_groups(ec2: &aws_sdk_ec2::Client) -> Vec<SecurityGroup> {
    ec2.describe_security_groups()
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap_or_default()
}

async fn group(ec2: &aws_sdk_ec2::Client, name: &str) -> SecurityGroup {
    let mut found: Vec<SecurityGroup> = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(name).build())
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap_or_default();
    assert_eq!(found.len(), 1, "security groups named {name}: {found:?}");
    found.remove(0)
}

async fn db_instances(rds: &aws_sdk_rds::Client) -> Vec<DbInstance> {
    rds.describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances
        .unwrap_or_default()
}

async fn db_instance(rds: &aws_sdk_rds::Client) -> DbInstance {
    let mut all = db_instances(rds).await;
    assert_eq!(all.len(), 1, "DB instances: {all:?}");
    all.remove(0)
}

async fn subnet_group_names(rds: &aws_sdk_rds::Client) -> Vec<String> {
    rds.describe_db_subnet_groups()
        .send()
        .await
        .unwrap()
        .db_subnet_groups
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| g.db_subnet_group_name)
        .collect()
}

async fn default_subnets(ec2: &aws_sdk_ec2::Client) -> BTreeSet<String> {
    let vpc = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .unwrap()
        .vpcs
        .unwrap_or_default()
        .remove(0)
        .vpc_id
        .unwrap();
    ec2.describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .collect()
}

/// (protocol, from, to, cidrs, ipv6 cidrs, source groups) of each inbound permission.
type Rule = (
    String,
    i32,
    i32,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    usize,
);

fn inbound(g: &SecurityGroup) -> BTreeSet<Rule> {
    g.ip_permissions()
        .iter()
        .map(|p| {
            let mut cidrs: Vec<String> = p
                .ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip.clone())
                .collect();
            cidrs.sort();
            (
                p.ip_protocol.clone().unwrap_or_default(),
                p.from_port.unwrap_or(-1),
                p.to_port.unwrap_or(-1),
                cidrs,
                p.ipv6_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ipv6.clone())
                    .collect(),
                p.user_id_group_pairs()
                    .iter()
                    .filter_map(|r| r.group_id.clone())
                    .collect(),
                p.prefix_list_ids().len(),
            )
        })
        .collect()
}

fn rule(proto: &str, port: i32, cidrs: &[&str], groups: &[&str]) -> Rule {
    (
        proto.to_string(),
        port,
        port,
        cidrs.iter().map(|s| s.to_string()).collect(),
        vec![],
        groups.iter().map(|s| s.to_string()).collect(),
        0,
    )
}

/// Case 1: what `examples/webapp` must have made, as AWS reports it.
async fn assert_webapp_exists(w: &Workdir, engine: &str, retention: i32) -> (String, String) {
    let ec2 = w.account.ec2(REGION).await;
    let rds = w.account.rds(REGION).await;
    let web = group(&ec2, "webapp-webserver").await;
    let db_group = group(&ec2, "webapp-db").await;
    let web_id = web.group_id.clone().unwrap();
    let db_group_id = db_group.group_id.clone().unwrap();

    // The database group: exactly one permission, tcp 3306, whose only source is the web group.
    assert_eq!(db_group.ip_permissions().len(), 1, "{db_group:?}");
    assert_eq!(
        inbound(&db_group),
        BTreeSet::from([rule("tcp", 3306, &[], &[&web_id])]),
        "{db_group:?}"
    );
    let p = &db_group.ip_permissions()[0];
    assert!(p.ip_ranges().is_empty() && p.ipv6_ranges().is_empty());
    assert_eq!(p.user_id_group_pairs().len(), 1);

    // The web group: 80 and 443 from anywhere, 22 from the admin network, nothing else.
    assert_eq!(
        inbound(&web),
        BTreeSet::from([
            rule("tcp", 80, &["0.0.0.0/0"], &[]),
            rule("tcp", 443, &["0.0.0.0/0"], &[]),
            rule("tcp", 22, &[ADMIN_CIDR], &[]),
        ]),
        "{web:?}"
    );

    let db = db_instance(&rds).await;
    assert_eq!(db.db_instance_identifier.as_deref(), Some("webapp-db"));
    assert_eq!(db.engine.as_deref(), Some(engine));
    assert_eq!(db.storage_encrypted, Some(true));
    assert_eq!(db.backup_retention_period, Some(retention));
    let vpc_groups: Vec<String> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id.clone())
        .collect();
    assert_eq!(vpc_groups, vec![db_group_id.clone()]);
    let sng = db.db_subnet_group.as_ref().expect("a subnet group");
    assert_eq!(sng.db_subnet_group_name.as_deref(), Some("webapp-db"));
    let sng_subnets: BTreeSet<String> = sng
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier.clone())
        .collect();
    assert_eq!(sng_subnets, default_subnets(&ec2).await);
    (web_id, db_group_id)
}

/// Nothing of the stack left: only the VPC's default group, no DB instances or subnet groups.
async fn assert_webapp_gone(w: &Workdir) {
    let ec2 = w.account.ec2(REGION).await;
    let rds = w.account.rds(REGION).await;
    let names: Vec<String> = security_groups(&ec2)
        .await
        .into_iter()
        .filter_map(|g| g.group_name)
        .collect();
    assert!(
        names.iter().all(|n| n == "default"),
        "security groups left: {names:?}"
    );
    assert!(db_instances(&rds).await.is_empty());
    let left: Vec<String> = subnet_group_names(&rds)
        .await
        .into_iter()
        .filter(|n| n != "default")
        .collect();
    assert!(left.is_empty(), "subnet groups left: {left:?}");
}

/// The headlines of a rendered plan (`# ADDR will be ...`).
fn headlines(plan: &str) -> Vec<String> {
    plan.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("# ") && !l.starts_with("# ("))
        .map(str::to_string)
        .collect()
}

/// The attribute lines of a rendered plan that show a change (`+`, `~`, `-`).
fn changed_lines(plan: &str) -> Vec<&str> {
    plan.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("+ ") || l.starts_with("~ ") || l.starts_with("- "))
        .filter(|l| !l.contains(" resource \""))
        .collect()
}

fn snapshot_text(w: &Workdir, stdout: &str) -> String {
    normalise(stdout, &w.account.account_id)
}

fn add_module_args(w: &Workdir, args: &str) {
    w.edit(
        &w.dir().join("main.tf"),
        "  db_password = var.db_password\n",
        &format!("  db_password = var.db_password\n{args}"),
    );
}

fn assert_state_hashes_secret(w: &Workdir) {
    let state = std::fs::read_to_string(w.state_path()).unwrap();
    assert!(
        state.contains("strata-hash:v1:"),
        "the password's salted hash is in state"
    );
    assert!(!state.contains(PASSWORD));
}

// ---- cases -------------------------------------------------------------------------------

/// Cases 1-5, 9 and 11: create, no-op, in-place update, replacement, destroy.
#[tokio::test]
async fn webapp_create_update_replace_destroy() {
    let w = Workdir::webapp();
    let rds = w.account.rds(REGION).await;

    // Create.
    let plan = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(plan
        .stdout
        .contains("Plan: 4 to add, 0 to change, 0 to destroy."));
    insta::assert_snapshot!("plan_create", snapshot_text(&w, &plan.stdout));
    let apply = w.expect(0, &["apply", "--auto-approve"]);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    assert_webapp_exists(&w, "mysql", 7).await;
    assert_state_hashes_secret(&w);
    let original = db_instance(&rds).await.instance_create_time.unwrap();

    // Nothing to do.
    let again = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    // An in-place change of one argument updates only that resource.
    add_module_args(&w, "  backup_retention_period = 14\n");
    let update = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        headlines(&update.stdout),
        vec![format!("# {DB} will be updated in-place")],
        "{}",
        update.stdout
    );
    assert_eq!(
        changed_lines(&update.stdout),
        vec!["~ backup_retention_period = 7 -> 14"],
        "only the changed argument is shown (an unchanged password is not): {}",
        update.stdout
    );
    assert!(update
        .stdout
        .contains("Plan: 0 to add, 1 to change, 0 to destroy."));
    assert!(!update.stdout.contains("forces replacement"));
    insta::assert_snapshot!("plan_update", snapshot_text(&w, &update.stdout));
    w.expect(0, &["apply", "--auto-approve"]);
    assert_webapp_exists(&w, "mysql", 14).await;
    assert_eq!(
        db_instance(&rds).await.instance_create_time.unwrap(),
        original,
        "an update keeps the instance"
    );
    let again = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    // A force-new argument replaces the instance.
    add_module_args(
        &w,
        "  engine              = \"mariadb\"\n  engine_version      = \"10.11\"\n",
    );
    let replace = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        headlines(&replace.stdout),
        vec![format!("# {DB} must be replaced")],
        "{}",
        replace.stdout
    );
    assert!(replace
        .stdout
        .contains("-/+ resource \"aws_db_instance\" \"db\""));
    let engine_line = replace
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("~ engine "))
        .unwrap_or_else(|| panic!("no engine line:\n{}", replace.stdout));
    assert!(
        engine_line.contains("\"mysql\" -> \"mariadb\"")
            && engine_line.ends_with("# forces replacement"),
        "{engine_line}"
    );
    assert!(replace
        .stdout
        .contains("Plan: 1 to add, 0 to change, 1 to destroy."));
    assert!(
        !changed_lines(&replace.stdout)
            .iter()
            .any(|l| l.contains(" password ")),
        "the password does not change: {}",
        replace.stdout
    );
    insta::assert_snapshot!("plan_replace", snapshot_text(&w, &replace.stdout));
    // Replacing a database loses its data: apply refuses without the explicit flag.
    let refused = w.expect(1, &["apply", "--auto-approve"]);
    assert!(
        refused
            .stderr
            .contains("This plan destroys or replaces stored data")
            && refused.stderr.contains(DB),
        "{}",
        refused.stderr
    );
    w.expect(0, &["apply", "--auto-approve", "--allow-destroy-of-data"]);
    assert_webapp_exists(&w, "mariadb", 14).await;
    let replaced = db_instance(&rds).await;
    assert!(
        replaced.instance_create_time.unwrap() > original,
        "a new instance replaced the old one"
    );
    assert!(replaced
        .engine_version
        .as_deref()
        .is_some_and(|v| v.starts_with("10.11")));
    assert_state_hashes_secret(&w);
    let again = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    // Destroy.
    let destroy = w.expect(0, &["destroy", "--auto-approve"]);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 4 destroyed."),
        "{}",
        destroy.stdout
    );
    assert_webapp_gone(&w).await;
    let after = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(after.stdout.contains("Plan: 4 to add"), "{}", after.stdout);

    w.assert_no_secret_leaked();
}

/// Case 6: saved plans apply exactly once, and never after the config or the state changed.
#[tokio::test]
async fn saved_plans_refuse_when_stale() {
    let w = Workdir::webapp();
    let rds = w.account.rds(REGION).await;

    // Two plans against the empty state; the first applied makes the second stale.
    w.expect(0, &["plan", "--out", "early"]);
    let saved = w.expect(0, &["plan", "--out", "p"]);
    assert!(saved.stdout.contains("Saved the plan to: p"));
    let show = w.expect(0, &["show", "p"]);
    assert!(show.stdout.contains("Plan: 4 to add"));
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(0, &["show", "--json", "p"]).stdout).unwrap();
    let creates: Vec<&str> = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["create"]))
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(creates, vec![DB, SUBNET_GROUP, DB_SG, WEB_SG], "{json}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.dir().join("p"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "a plan file holds the inputs: owner only"
        );
    }
    let apply = w.expect(0, &["apply", "p"]);
    assert!(apply.stdout.contains("Apply complete! Resources: 4 added"));
    assert_webapp_exists(&w, "mysql", 7).await;
    let serial = std::fs::read(w.state_path()).unwrap();

    let stale = w.expect(1, &["apply", "early"]);
    assert!(
        stale.stderr.contains("Saved plan is stale"),
        "{}",
        stale.stderr
    );
    // Applying the same plan twice is refused too.
    let twice = w.expect(1, &["apply", "p"]);
    assert!(
        twice.stderr.contains("Saved plan is stale"),
        "{}",
        twice.stderr
    );
    assert_webapp_exists(&w, "mysql", 7).await;
    assert_eq!(db_instances(&rds).await.len(), 1);

    // A plan made, then the configuration changed: refused, nothing changed.
    add_module_args(&w, "  backup_retention_period = 3\n");
    w.expect(0, &["plan", "--out", "p2"]);
    w.edit(
        &w.dir().join("main.tf"),
        "default     = \"203.0.113.0/24\"",
        "default     = \"198.51.100.0/24\"",
    );
    let stale = w.expect(1, &["apply", "p2"]);
    assert!(
        stale.stderr.contains("Saved plan is stale"),
        "{}",
        stale.stderr
    );
    assert_webapp_exists(&w, "mysql", 7).await;
    assert_eq!(
        std::fs::read(w.state_path()).unwrap(),
        serial,
        "a refused apply leaves the state alone"
    );

    // Back to the configuration the plan was made from: it applies.
    w.edit(
        &w.dir().join("main.tf"),
        "default     = \"198.51.100.0/24\"",
        "default     = \"203.0.113.0/24\"",
    );
    w.expect(0, &["apply", "p2"]);
    assert_webapp_exists(&w, "mysql", 3).await;

    w.assert_no_secret_leaked();
}

/// Case 7: a held lock makes every command that needs it fail at once, naming the holder.
#[tokio::test]
async fn state_lock_contention_and_force_unlock() {
    let w = Workdir::webapp();
    let rds = w.account.rds(REGION).await;
    let backend = LocalBackend::new(&w.dir(), "default").unwrap();
    let guard = backend.lock("apply").unwrap();
    let info = guard.info().clone();

    for args in [
        &["plan"][..],
        &["apply", "--auto-approve"],
        &["destroy", "--auto-approve"],
        &["import", DB, "webapp-db"],
    ] {
        let started = Instant::now();
        let run = w.expect(1, args);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "strata {args:?} waited for the lock"
        );
        for needle in [
            info.who.as_str(),
            &format!("pid {}", std::process::id()),
            "`apply`",
            info.id.as_str(),
        ] {
            assert!(
                run.stderr.contains(needle),
                "strata {args:?}: {needle:?} not in:\n{}",
                run.stderr
            );
        }
    }
    assert!(db_instances(&rds).await.is_empty(), "nothing was applied");
    assert!(!w.state_path().exists());

    // A lock held by a live process cannot be broken, nor one with another id.
    let live = w.expect(1, &["force-unlock", &info.id]);
    assert!(live.stderr.contains("live process"), "{}", live.stderr);
    let wrong = w.expect(1, &["force-unlock", "00000000-0000-4000-8000-000000000000"]);
    assert!(wrong.stderr.contains("does not match"), "{}", wrong.stderr);
    assert!(wrong.stderr.contains(&info.id), "{}", wrong.stderr);
    // Still held.
    assert!(backend.lock("test").is_err());

    drop(guard);
    let none = w.expect(1, &["force-unlock", &info.id]);
    assert!(none.stderr.contains("not locked"), "{}", none.stderr);
    w.expect(0, &["plan"]);

    // A record left by a process that died (the OS lock is gone with it): commands run, and
    // force-unlock with its id clears the record.
    let stale = strata::state::LockInfo {
        id: "11111111-1111-4111-8111-111111111111".into(),
        operation: "apply".into(),
        who: "ghost@nowhere".into(),
        pid: 999_999,
        created: "2020-01-01T00:00:00Z".into(),
        version: "0.0.0".into(),
    };
    std::fs::write(
        backend.lock_info_path(),
        serde_json::to_vec(&stale).unwrap(),
    )
    .unwrap();
    let cleared = w.expect(0, &["force-unlock", &stale.id]);
    assert!(cleared.stdout.contains("unlocked"), "{}", cleared.stdout);
    assert!(!backend.lock_info_path().exists());
    w.assert_no_secret_leaked();
}

/// Case 8: destroying what must not be destroyed fails at plan time, before any change.
#[tokio::test]
async fn destroy_guards_fail_at_plan_time() {
    let w = Workdir::webapp();
    let module = w.module_dir().join("main.tf");
    w.edit(
        &module,
        "resource \"aws_db_instance\" \"db\" {\n",
        "resource \"aws_db_instance\" \"db\" {\n  lifecycle {\n    prevent_destroy = true\n  }\n\n",
    );
    w.expect(0, &["apply", "--auto-approve"]);
    let groups = assert_webapp_exists(&w, "mysql", 7).await;

    // prevent_destroy: destroy and a replacement are both refused by the plan.
    let destroy = w.expect(1, &["destroy", "--auto-approve"]);
    assert!(
        destroy
            .stderr
            .contains(&format!("Instance cannot be destroyed: {DB}")),
        "{}",
        destroy.stderr
    );
    assert!(
        !destroy.stdout.contains("Destroying..."),
        "{}",
        destroy.stdout
    );
    assert_unchanged(&w, &groups).await;
    add_module_args(
        &w,
        "  engine         = \"mariadb\"\n  engine_version = \"10.11\"\n",
    );
    let replace = w.expect(1, &["apply", "--auto-approve"]);
    assert!(
        replace
            .stderr
            .contains(&format!("Instance cannot be destroyed: {DB}")),
        "{}",
        replace.stderr
    );
    assert_unchanged(&w, &groups).await;

    // Neither skip_final_snapshot nor final_snapshot_identifier: no way to delete it.
    w.edit(
        &module,
        "  lifecycle {\n    prevent_destroy = true\n  }\n",
        "",
    );
    w.edit(
        &module,
        "  final_snapshot_identifier = local.final_snapshot\n",
        "",
    );
    w.edit(
        &w.dir().join("main.tf"),
        "  engine         = \"mariadb\"\n  engine_version = \"10.11\"\n",
        "",
    );
    w.edit(
        &w.dir().join("main.tf"),
        "skip_final_snapshot = true",
        "skip_final_snapshot = false",
    );
    w.expect(0, &["apply", "--auto-approve"]);
    let destroy = w.expect(1, &["destroy", "--auto-approve"]);
    assert!(
        destroy.stderr.contains("cannot be destroyed as planned")
            && destroy.stderr.contains("skip_final_snapshot"),
        "{}",
        destroy.stderr
    );
    assert!(
        !destroy.stdout.contains("Destroying..."),
        "{}",
        destroy.stdout
    );
    assert_unchanged(&w, &groups).await;
    add_module_args(
        &w,
        "  engine         = \"mariadb\"\n  engine_version = \"10.11\"\n",
    );
    let replace = w.expect(1, &["plan"]);
    assert!(
        replace.stderr.contains("cannot be destroyed as planned"),
        "{}",
        replace.stderr
    );
    assert_unchanged(&w, &groups).await;
    w.assert_no_secret_leaked();
}

async fn assert_unchanged(w: &Workdir, groups: &(String, String)) {
    let now = assert_webapp_exists(w, "mysql", 7).await;
    assert_eq!(&now, groups, "the groups were kept");
}

/// Case 10: outputs, state inspection, and a `state rm` + `import` round trip.
#[tokio::test]
async fn outputs_state_and_import_round_trip() {
    let w = Workdir::webapp();
    let rds = w.account.rds(REGION).await;
    w.expect(0, &["apply", "--auto-approve"]);
    let (web_id, db_group_id) = assert_webapp_exists(&w, "mysql", 7).await;
    let db = db_instance(&rds).await;
    let endpoint = db.endpoint.as_ref().unwrap();
    let endpoint = format!(
        "{}:{}",
        endpoint.address.as_deref().unwrap(),
        endpoint.port.unwrap()
    );

    let text = w.expect(0, &["output"]).stdout;
    assert!(
        text.contains(&format!("db_group_id        = \"{db_group_id}\"")),
        "{text}"
    );
    assert!(
        text.contains(&format!("webserver_group_id = \"{web_id}\"")),
        "{text}"
    );
    assert!(
        text.contains(&format!("db_endpoint        = \"{endpoint}\"")),
        "{text}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&w.expect(0, &["output", "--json"]).stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "db_endpoint": {"sensitive": false, "type": "string", "value": endpoint},
            "db_group_id": {"sensitive": false, "type": "string", "value": db_group_id},
            "webserver_group_id": {"sensitive": false, "type": "string", "value": web_id},
        })
    );
    assert_eq!(
        w.expect(0, &["output", "webserver_group_id", "--raw"])
            .stdout,
        web_id
    );
    assert_eq!(
        w.expect(0, &["output", "db_endpoint", "--raw"]).stdout,
        endpoint
    );
    let missing = w.expect(1, &["output", "db_endpoints"]);
    assert!(missing.stderr.contains("db_endpoint"), "{}", missing.stderr);

    let list = w.expect(0, &["state", "list"]).stdout;
    let managed: Vec<&str> = list
        .lines()
        .filter(|l| !l.starts_with("data.") && !l.contains(".data."))
        .collect();
    assert_eq!(managed, vec![DB, SUBNET_GROUP, DB_SG, WEB_SG], "{list}");

    let show = w.expect(0, &["state", "show", DB]).stdout;
    assert!(show.contains(&format!("# {DB}:")), "{show}");
    assert!(show.contains("identifier"), "{show}");
    assert!(show.contains("\"webapp-db\""), "{show}");
    assert!(
        !show.contains("strata-hash"),
        "state show prints no hash: {show}"
    );
    let show_sg = w.expect(0, &["state", "show", DB_SG]).stdout;
    assert!(show_sg.contains(&db_group_id), "{show_sg}");
    let show_all = w.expect(0, &["show"]).stdout;
    // Aligned with the longest attribute name of the resource, whatever that is.
    let password = regex::Regex::new(r"\n +password +=  ?\(sensitive value\)\n").unwrap();
    assert!(password.is_match(&show_all), "{show_all}");
    let pulled: serde_json::Value =
        serde_json::from_str(&w.expect(0, &["state", "pull"]).stdout).unwrap();
    assert!(pulled.to_string().contains("strata-hash:v1:"));

    // Forget the instance: it stays in AWS, and the plan wants to create it.
    let rm = w.expect(0, &["state", "rm", DB]);
    assert!(rm.stdout.contains(&format!("Removed {DB}")));
    assert!(!w.expect(0, &["state", "list"]).stdout.contains(DB));
    assert_eq!(
        db_instances(&rds).await.len(),
        1,
        "state rm deletes nothing"
    );
    let plan = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        headlines(&plan.stdout),
        vec![format!("# {DB} will be created")],
        "{}",
        plan.stdout
    );

    // Import it back by identifier. AWS never returns the master password, so (as with
    // Terraform) the plan sets it once; everything else matches the configuration.
    let import = w.expect(0, &["import", DB, "webapp-db"]);
    assert!(
        import.stdout.contains("Import successful"),
        "{}",
        import.stdout
    );
    let already = w.expect(1, &["import", DB, "webapp-db"]);
    assert!(
        already.stderr.contains("already managed"),
        "{}",
        already.stderr
    );
    let plan = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        headlines(&plan.stdout),
        vec![format!("# {DB} will be updated in-place")],
        "{}",
        plan.stdout
    );
    assert_eq!(
        changed_lines(&plan.stdout),
        vec!["+ password = (sensitive value)"],
        "{}",
        plan.stdout
    );
    w.expect(0, &["apply", "--auto-approve"]);
    assert_state_hashes_secret(&w);
    let plan = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    let after = db_instance(&rds).await;
    assert_eq!(after.instance_create_time, db.instance_create_time);
    assert_eq!(after.db_instance_identifier.as_deref(), Some("webapp-db"));

    w.assert_no_secret_leaked();
}

/// Changes made outside strata are reported and undone by the next apply. As in Terraform
/// ≥ 1.2, a plan that undoes them shows them as its planned changes only ("changed outside"
/// is for drift that feeds another change); a refresh-only plan reports them all.
#[tokio::test]
async fn drift_outside_strata_is_reported_and_repaired() {
    let w = Workdir::webapp();
    let ec2 = w.account.ec2(REGION).await;
    let rds = w.account.rds(REGION).await;
    w.expect(0, &["apply", "--auto-approve"]);
    let (web_id, _) = assert_webapp_exists(&w, "mysql", 7).await;

    // Someone drops the SSH rule and shortens the backups by hand.
    ec2.revoke_security_group_ingress()
        .group_id(&web_id)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip(ADMIN_CIDR)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    rds.modify_db_instance()
        .db_instance_identifier("webapp-db")
        .backup_retention_period(1)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();

    let refresh = w.expect(0, &["plan", "--refresh-only"]);
    assert!(
        refresh
            .stdout
            .contains("Objects have changed outside of strata")
            && refresh.stdout.contains(&format!("# {DB} has changed"))
            && refresh.stdout.contains(&format!("# {WEB_SG} has changed")),
        "{}",
        refresh.stdout
    );
    let plan = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(
        !plan
            .stdout
            .contains("Objects have changed outside of strata"),
        "{}",
        plan.stdout
    );
    let actions: Vec<String> = plan
        .stdout
        .split("strata will perform the following actions:")
        .nth(1)
        .map(headlines)
        .unwrap_or_default();
    assert_eq!(
        actions,
        vec![
            format!("# {DB} will be updated in-place"),
            format!("# {WEB_SG} will be updated in-place"),
        ],
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("~ backup_retention_period = 1 -> 7"),
        "{}",
        plan.stdout
    );
    w.expect(0, &["apply", "--auto-approve"]);
    let (web_again, _) = assert_webapp_exists(&w, "mysql", 7).await;
    assert_eq!(web_again, web_id, "the group was updated, not replaced");
    let again = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    w.assert_no_secret_leaked();
}

const STANDALONE_RULES: &str = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "db" {
  name   = "standalone-db"
  vpc_id = data.aws_vpc.default.id
}

resource "aws_vpc_security_group_ingress_rule" "mysql" {
  security_group_id = aws_security_group.db.id
  cidr_ipv4         = "10.0.0.0/16"
  from_port         = 3306
  to_port           = 3306
  ip_protocol       = "tcp"
}

resource "aws_security_group" "web" {
  name   = "standalone-web"
  vpc_id = data.aws_vpc.default.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

/// Regression: a group without inline blocks whose rules come from standalone rule
/// resources (Terraform's recommended style) was planned to lose them on every plan —
/// absent `ingress` read as "none" — so each apply revoked what the rule resource added.
/// As in terraform-provider-aws (attributes-as-blocks, Optional+Computed), writing no block
/// leaves the rules alone, and `ingress = []` removes them all.
#[tokio::test]
async fn standalone_rules_are_not_fought_by_a_group_without_inline_blocks() {
    let w = Workdir::webapp();
    std::fs::write(w.dir().join("main.tf"), STANDALONE_RULES).unwrap();
    w.expect(0, &["apply", "--auto-approve"]);
    let plan = w.strata(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "the group fights its rule:\n{}", plan.both());
    w.expect(0, &["apply", "--auto-approve"]);
    let ec2 = w.account.ec2(REGION).await;
    assert_eq!(
        inbound(&group(&ec2, "standalone-db").await),
        BTreeSet::from([rule("tcp", 3306, &["10.0.0.0/16"], &[])]),
        "the second apply removed the standalone rule"
    );

    // Removing an inline block leaves its rule alone too (Terraform documents this);
    // `ingress = []` is how to ask for none.
    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "  ingress {\n    from_port   = 443\n    to_port     = 443\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n",
        "",
    );
    let plan = w.strata(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.both());
    w.edit(
        &main,
        "  name   = \"standalone-web\"\n",
        "  name    = \"standalone-web\"\n  ingress = []\n",
    );
    let plan = w.strata(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.both());
    assert!(
        plan.stdout
            .contains("aws_security_group.web will be updated in-place")
            && !plan.stdout.contains("aws_security_group.db will"),
        "{}",
        plan.stdout
    );
    w.expect(0, &["apply", "--auto-approve"]);
    assert!(inbound(&group(&ec2, "standalone-web").await).is_empty());
    assert_eq!(inbound(&group(&ec2, "standalone-db").await).len(), 1);
    w.expect(0, &["plan", "--detailed-exitcode"]);
}

const CBD_REFERENCED: &str = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "app" {
  name_prefix = "cbd-app-"
  description = "app tier, first"
  vpc_id      = data.aws_vpc.default.id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "db" {
  name   = "cbd-db"
  vpc_id = data.aws_vpc.default.id

  ingress {
    from_port       = 3306
    to_port         = 3306
    protocol        = "tcp"
    security_groups = [aws_security_group.app.id]
  }
}
"#;

/// A create-before-destroy replacement deleted its old object right after creating the new
/// one, before what depends on it had moved: a group still referenced by another group's
/// rule cannot be deleted (DependencyViolation), so the apply retried for two minutes, then
/// failed and never updated the rule. As in Terraform, the old object now goes after its
/// dependents are applied: one apply, the rule on the new group, the old group gone.
#[tokio::test]
async fn a_group_replaced_before_destroy_goes_after_what_references_it_has_moved() {
    let w = Workdir::webapp();
    let main = w.dir().join("main.tf");
    std::fs::write(&main, CBD_REFERENCED).unwrap();
    w.expect(0, &["apply", "--auto-approve"]);
    let ec2 = w.account.ec2(REGION).await;
    let old_app = group(&ec2, "cbd-db").await.ip_permissions()[0].user_id_group_pairs()[0]
        .group_id()
        .unwrap()
        .to_string();

    w.edit(&main, "app tier, first", "app tier, second");
    let run = w.expect(0, &["apply", "--auto-approve"]);
    let referenced: Vec<String> = group(&ec2, "cbd-db").await.ip_permissions()[0]
        .user_id_group_pairs()
        .iter()
        .filter_map(|p| p.group_id.clone())
        .collect();
    assert_eq!(referenced.len(), 1, "{referenced:?}");
    assert_ne!(referenced[0], old_app, "the rule still names the old group");
    let old_left = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-id").values(&old_app).build())
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap_or_default();
    assert!(
        old_left.is_empty(),
        "the old group is still there\n{}",
        run.both()
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.state_path()).unwrap()).unwrap();
    assert!(
        state["journal"].as_array().is_none_or(|j| j.is_empty()),
        "{}",
        state["journal"]
    );
}

const CLASSIC_RULES: &str = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "db" {
  name   = "classic-db"
  vpc_id = data.aws_vpc.default.id
  tags   = { Owner = "data" }
}

resource "aws_security_group_rule" "pair" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  protocol          = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_blocks       = ["10.0.0.0/16", "10.1.0.0/16"]
}

resource "aws_security_group_rule" "single" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  protocol          = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_blocks       = ["10.2.0.0/16"]
}

resource "aws_security_group" "app" {
  name   = "classic-app"
  vpc_id = data.aws_vpc.default.id
  tags   = { Owner = aws_security_group.db.tags["Owner"] }
}
"#;

/// Regressions (issue #15): two classic rules on one port, one with two CIDRs, were planned
/// again after every apply (the two-CIDR rule refreshed as deleted), and the second apply
/// failed with InvalidPermission.Duplicate and kilobytes of SDK debug output; and the group
/// gaining those rules from strata's own rule resources was reported on every plan as
/// "changed outside of strata". Drift is reported only where it feeds a planned change
/// (Terraform ≥ 1.2): a refresh-only plan shows it all.
#[tokio::test]
async fn classic_rules_sharing_a_port_converge_and_their_group_is_not_drift() {
    let w = Workdir::webapp();
    std::fs::write(w.dir().join("main.tf"), CLASSIC_RULES).unwrap();
    w.expect(0, &["apply", "--auto-approve"]);
    let plan = w.strata(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(
        !plan.stdout.contains("changed outside of strata"),
        "{}",
        plan.stdout
    );
    w.expect(0, &["apply", "--auto-approve"]);
    let ec2 = w.account.ec2(REGION).await;
    assert_eq!(
        inbound(&group(&ec2, "classic-db").await),
        BTreeSet::from([rule(
            "tcp",
            5432,
            &["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"],
            &[]
        )])
    );
    let refresh = w.expect(0, &["plan", "--refresh-only"]);
    assert!(
        refresh.stdout.contains("aws_security_group.db has changed"),
        "{}",
        refresh.stdout
    );

    // Drift that feeds a planned change is reported, and only in what feeds it: the edge
    // group's rules (which the watch group counts), not its tags (which its own update
    // reverts, as the plan shows).
    let main = w.dir().join("main.tf");
    let mut text = std::fs::read_to_string(&main).unwrap();
    text.push_str(EDGE_AND_WATCH);
    std::fs::write(&main, text).unwrap();
    w.expect(0, &["apply", "--auto-approve"]);
    let edge = group(&ec2, "classic-edge").await.group_id.unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&edge)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8443)
                .to_port(8443)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("192.0.2.0/24")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.create_tags()
        .resources(&edge)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Touched")
                .value("by-hand")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = w.expect(2, &["plan", "--detailed-exitcode"]);
    let (drift, actions) = plan
        .stdout
        .split_once("strata will perform the following actions:")
        .unwrap();
    assert!(
        drift.contains("aws_security_group.edge has changed") && drift.contains("192.0.2.0/24"),
        "{}",
        plan.stdout
    );
    assert!(!drift.contains("Touched"), "{}", plan.stdout);
    assert!(!drift.contains("aws_security_group.db"), "{}", plan.stdout);
    assert!(actions.contains("Touched"), "{}", plan.stdout);
    let json = w.expect(0, &["plan", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["relevant_attributes"],
        serde_json::json!([{"resource": "aws_security_group.edge", "attribute": ["ingress"]}])
    );
}

const EDGE_AND_WATCH: &str = r#"
resource "aws_security_group" "edge" {
  name   = "classic-edge"
  vpc_id = data.aws_vpc.default.id
}

resource "aws_security_group" "watch" {
  name   = "classic-watch"
  vpc_id = data.aws_vpc.default.id
  tags   = { EdgeRules = tostring(length(aws_security_group.edge.ingress)) }
}
"#;

const TAGGED_CACHE: &str = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = "quiet-cache"
  subnet_ids = reverse(sort(data.aws_subnets.default.ids))
  tags       = { Team = "data" }
}

resource "aws_elasticache_cluster" "cache" {
  cluster_id        = "quiet-cache"
  engine            = "redis"
  node_type         = "cache.t4g.micro"
  num_cache_nodes   = 1
  subnet_group_name = aws_elasticache_subnet_group.cache.name
  tags              = { Team = "data" }
}
"#;

/// Regression: an update that changed only tags also sent a Modify call that changed nothing
/// — `snapshot_retention_limit = 0 -> null` (an unset argument against AWS's zero) and
/// subnet ids in another order counted as changes — and showed them in the plan.
#[tokio::test]
async fn a_tag_change_makes_no_modify_call_and_no_zero_to_null_line() {
    let w = Workdir::webapp();
    let main = w.dir().join("main.tf");
    std::fs::write(&main, TAGGED_CACHE).unwrap();
    w.expect(0, &["apply", "--auto-approve"]);
    w.expect(0, &["plan", "--detailed-exitcode"]);
    std::fs::write(&main, TAGGED_CACHE.replace("\"data\"", "\"platform\"")).unwrap();
    let plan = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(
        !plan.stdout.contains("snapshot_retention_limit"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("subnet_ids"), "{}", plan.stdout);
    let mut cmd = w.command(&["apply", "--auto-approve"]);
    let out = cmd.env("STRATA_API_STATS", "1").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for waste in ["ModifyCacheCluster", "ModifyCacheSubnetGroup"] {
        assert!(
            !stderr.contains(waste),
            "{waste} sent for a tag change:\n{stderr}"
        );
    }
    assert!(stderr.contains("AddTagsToResource"), "{stderr}");
    w.expect(0, &["plan", "--detailed-exitcode"]);
}
