//! Adopting existing infrastructure, end to end through the real binary: `import` blocks,
//! generated configuration, Terraform state migration and discovery. Objects are created
//! directly through the AWS API; every effect is checked with describe calls.

use std::path::Path;
use std::process::Command;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Tag, TagSpecification};

use crate::emulator::{Emulator, TestAccount, DEFAULT_REGION};

const REGION: &str = DEFAULT_REGION;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn binary() -> std::path::PathBuf {
    crate::support::strata_bin()
}

fn strata(dir: &Path, account: &TestAccount, args: &[&str]) -> Run {
    let out = Command::new(binary())
        .arg("-C")
        .arg(dir)
        .args(args)
        .envs(account.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("STRATA_POLL_INTERVAL_MS", "50")
        .env("NO_COLOR", "1")
        .env_remove("STRATA_WORKSPACE")
        .env_remove("TF_WORKSPACE")
        .output()
        .expect("run strata");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(run: Run) -> Run {
    assert_eq!(
        run.code, 0,
        "strata failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
        run.stdout, run.stderr
    );
    run
}

#[track_caller]
fn assert_no_changes(run: &Run) {
    assert!(
        run.stdout.contains("No changes."),
        "expected an empty plan\n--- stdout ---\n{}\n--- stderr ---\n{}",
        run.stdout,
        run.stderr
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The default VPC and its first two subnets.
async fn default_network(ec2: &aws_sdk_ec2::Client) -> (String, Vec<String>) {
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
    let mut subnets: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .collect();
    subnets.sort();
    subnets.truncate(2);
    (vpc, subnets)
}

async fn create_group(ec2: &aws_sdk_ec2::Client, vpc: &str, name: &str, env_tag: &str) -> String {
    let id = ec2
        .create_security_group()
        .group_name(name)
        .description(format!("{name} tier"))
        .vpc_id(vpc)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                .tags(Tag::builder().key("env").value(env_tag).build())
                .build(),
        )
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    id
}

async fn create_subnet_group(rds: &aws_sdk_rds::Client, name: &str, subnets: &[String]) {
    rds.create_db_subnet_group()
        .db_subnet_group_name(name)
        .db_subnet_group_description(format!("{name} subnets"))
        .set_subnet_ids(Some(subnets.to_vec()))
        .send()
        .await
        .unwrap();
}

/// Every security group of the VPC except `default`: (name, id, tags).
async fn groups(
    ec2: &aws_sdk_ec2::Client,
    vpc: &str,
) -> Vec<(String, String, Vec<(String, String)>)> {
    let mut out: Vec<_> = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap_or_default()
        .into_iter()
        .filter(|g| g.group_name() != Some("default"))
        .map(|g| {
            let tags = g
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or("").to_string(),
                        t.value().unwrap_or("").to_string(),
                    )
                })
                .collect();
            (
                g.group_name().unwrap_or("").to_string(),
                g.group_id().unwrap_or("").to_string(),
                tags,
            )
        })
        .collect();
    out.sort();
    out
}

async fn subnet_group_names(rds: &aws_sdk_rds::Client) -> Vec<String> {
    let mut out: Vec<String> = rds
        .describe_db_subnet_groups()
        .send()
        .await
        .unwrap()
        .db_subnet_groups
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| g.db_subnet_group_name)
        .filter(|n| n != "default")
        .collect();
    out.sort();
    out
}

fn sg_block(vpc: &str, env_tag: &str) -> String {
    format!(
        r#"
  name        = "adopt-${{each.key}}"
  description = "adopt-${{each.key}} tier"
  vpc_id      = "{vpc}"
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  tags = {{ env = "{env_tag}" }}
"#
    )
}

#[test]
fn import_blocks_adopt_objects_without_creating_anything() {
    let account = Emulator::shared().account();
    let rt = runtime();
    let ec2 = rt.block_on(account.ec2(REGION));
    let rds = rt.block_on(account.rds(REGION));
    let (vpc, subnets) = rt.block_on(default_network(&ec2));
    let web = rt.block_on(create_group(&ec2, &vpc, "adopt-web", "old"));
    let other = rt.block_on(create_group(&ec2, &vpc, "adopt-other", "x"));
    rt.block_on(create_subnet_group(&rds, "adopt-main", &subnets));
    let groups_before = rt.block_on(groups(&ec2, &vpc));
    let subnet_groups_before = rt.block_on(subnet_group_names(&rds));

    let dir = tempfile::tempdir().unwrap();
    let main_tf = format!(
        r#"variable "groups" {{
  default = {{ web = "{web}" }}
}}

import {{
  for_each = var.groups
  to       = aws_security_group.sg[each.key]
  id       = each.value
}}

import {{
  to = aws_db_subnet_group.main
  id = "adopt-main"
}}

resource "aws_security_group" "sg" {{
  for_each = var.groups
{sg}}}

resource "aws_db_subnet_group" "main" {{
  name        = "adopt-main"
  description = "adopt-main subnets"
  subnet_ids  = ["{s0}", "{s1}"]
}}
"#,
        sg = sg_block(&vpc, "new"),
        s0 = subnets[0],
        s1 = subnets[1],
    );
    std::fs::write(dir.path().join("main.tf"), &main_tf).unwrap();

    let plan = ok(strata(dir.path(), &account, &["plan"]));
    assert!(
        plan.stdout
            .contains("Plan: 2 to import, 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(&format!(
            "# aws_security_group.sg[\"web\"] will be updated in-place (imported from \"{web}\")"
        )),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("# aws_db_subnet_group.main will be imported"),
        "{}",
        plan.stdout
    );

    let apply = ok(strata(dir.path(), &account, &["apply", "--auto-approve"]));
    assert!(!apply.stdout.contains("Creating..."), "{}", apply.stdout);
    // Nothing new exists; the imported group got the configured tags.
    let groups_after = rt.block_on(groups(&ec2, &vpc));
    assert_eq!(groups_after.len(), groups_before.len(), "{groups_after:?}");
    let web_after = groups_after.iter().find(|g| g.1 == web).unwrap();
    assert_eq!(web_after.2, vec![("env".to_string(), "new".to_string())]);
    assert_eq!(rt.block_on(subnet_group_names(&rds)), subnet_groups_before);
    let list = ok(strata(dir.path(), &account, &["state", "list"]));
    assert!(list.stdout.contains("aws_security_group.sg[\"web\"]"));
    assert!(list.stdout.contains("aws_db_subnet_group.main"));

    // The import blocks stay: the objects are in state under the same ids, so nothing to do.
    assert_no_changes(&ok(strata(dir.path(), &account, &["plan"])));

    // Another id for an address already in state is refused.
    let conflicting = main_tf.replace(&format!("web = \"{web}\""), &format!("web = \"{other}\""));
    std::fs::write(dir.path().join("main.tf"), &conflicting).unwrap();
    let refused = strata(dir.path(), &account, &["plan"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("aws_security_group.sg[\"web\"] is already managed by strata"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("main.tf:5:1"), "{}", refused.stderr);
}

#[test]
fn importing_an_object_that_does_not_exist_fails_at_the_import_block() {
    let account = Emulator::shared().account();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_db_subnet_group" "main" {
  name       = "nope"
  subnet_ids = ["subnet-1"]
}

import {
  to = aws_db_subnet_group.main
  id = "nope"
}
"#,
    )
    .unwrap();
    let run = strata(dir.path(), &account, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("Cannot import non-existent remote object: nope"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("main.tf:6:1"), "{}", run.stderr);
}

#[test]
fn generated_configuration_adopts_objects_and_replans_empty() {
    let account = Emulator::shared().account();
    let rt = runtime();
    let ec2 = rt.block_on(account.ec2(REGION));
    let rds = rt.block_on(account.rds(REGION));
    let (vpc, subnets) = rt.block_on(default_network(&ec2));
    let web = rt.block_on(create_group(&ec2, &vpc, "gen-web", "gen"));
    rt.block_on(create_subnet_group(&rds, "gen-main", &subnets));
    let groups_before = rt.block_on(groups(&ec2, &vpc));
    let subnet_groups_before = rt.block_on(subnet_group_names(&rds));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "import {{\n  to = aws_security_group.web\n  id = \"{web}\"\n}}\n\nimport {{\n  to = aws_db_subnet_group.main\n  id = \"gen-main\"\n}}\n"
        ),
    )
    .unwrap();
    // Without configuration the plan says what to do.
    let missing = strata(dir.path(), &account, &["plan"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("Configuration for import target does not exist"),
        "{}",
        missing.stderr
    );

    let plan = ok(strata(
        dir.path(),
        &account,
        &["plan", "--generate-config-out=generated.tf"],
    ));
    assert!(
        plan.stdout
            .contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."),
        "{}\n{}",
        plan.stdout,
        std::fs::read_to_string(dir.path().join("generated.tf")).unwrap_or_default()
    );
    let generated = std::fs::read_to_string(dir.path().join("generated.tf")).unwrap();
    assert!(
        generated.contains("resource \"aws_security_group\" \"web\" {"),
        "{generated}"
    );
    assert!(
        generated.contains("resource \"aws_db_subnet_group\" \"main\" {"),
        "{generated}"
    );
    assert!(generated.contains("\"gen-web\""), "{generated}");
    assert!(generated.contains("ingress {"), "{generated}");
    // Computed-only attributes are left out.
    assert!(!generated.contains("arn"), "{generated}");
    assert!(!generated.contains("owner_id"), "{generated}");
    assert_eq!(
        strata::fmt::format_source(&generated).unwrap(),
        generated,
        "generated configuration is formatted"
    );

    // The file is never overwritten.
    let again = strata(
        dir.path(),
        &account,
        &["plan", "--generate-config-out=generated.tf"],
    );
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    let apply = ok(strata(dir.path(), &account, &["apply", "--auto-approve"]));
    assert!(!apply.stdout.contains("Creating..."), "{}", apply.stdout);
    assert_eq!(rt.block_on(groups(&ec2, &vpc)), groups_before);
    assert_eq!(rt.block_on(subnet_group_names(&rds)), subnet_groups_before);
    assert_no_changes(&ok(strata(dir.path(), &account, &["plan"])));
}

#[test]
fn terraform_state_is_taken_over_and_replans_empty() {
    let account = Emulator::shared().account();
    let rt = runtime();
    let ec2 = rt.block_on(account.ec2(REGION));
    let rds = rt.block_on(account.rds(REGION));
    let (vpc, subnets) = rt.block_on(default_network(&ec2));
    let sg = rt.block_on(create_group(&ec2, &vpc, "tf-web", "tf"));
    rt.block_on(create_subnet_group(&rds, "tf-main", &subnets));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            r#"resource "aws_security_group" "sg" {{
  for_each = toset(["web"])
{sg}}}

resource "aws_db_subnet_group" "main" {{
  name        = "tf-main"
  description = "tf-main subnets"
  subnet_ids  = ["{s0}", "{s1}"]
}}
"#,
            sg = sg_block(&vpc, "tf").replace("adopt-", "tf-"),
            s0 = subnets[0],
            s1 = subnets[1],
        ),
    )
    .unwrap();
    let provider = r#"provider["registry.terraform.io/hashicorp/aws"]"#;
    let tfstate = serde_json::json!({
        "version": 4,
        "terraform_version": "1.9.5",
        "serial": 7,
        "lineage": "3f1b0c9e-0000-4000-8000-000000000000",
        "outputs": {},
        "resources": [
            {
                "mode": "managed", "type": "aws_security_group", "name": "sg", "provider": provider,
                "instances": [{
                    "index_key": "web", "schema_version": 1,
                    "attributes": { "id": sg, "name": "tf-web", "vpc_id": vpc, "revoke_rules_on_delete": false },
                    "dependencies": []
                }]
            },
            {
                "mode": "managed", "type": "aws_db_subnet_group", "name": "main", "provider": provider,
                "instances": [{
                    "schema_version": 0,
                    "attributes": { "id": "tf-main", "name": "tf-main", "subnet_ids": subnets },
                    "dependencies": []
                }]
            },
            {
                "mode": "managed", "type": "aws_s3_bucket", "name": "logs", "provider": provider,
                "instances": [{ "schema_version": 0, "attributes": { "id": "tf-logs" } }]
            },
            {
                "mode": "data", "type": "aws_vpc", "name": "default", "provider": provider,
                "instances": [{ "schema_version": 0, "attributes": { "id": vpc } }]
            }
        ],
        "check_results": null
    });
    std::fs::write(
        dir.path().join("terraform.tfstate"),
        serde_json::to_string_pretty(&tfstate).unwrap(),
    )
    .unwrap();

    let run = ok(strata(
        dir.path(),
        &account,
        &["state", "migrate-from-terraform", "terraform.tfstate"],
    ));
    assert!(
        run.stdout.contains("Took over 2 resource instances"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("aws_security_group.sg[\"web\"]  ({sg})")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("aws_db_subnet_group.main  (tf-main)"),
        "{}",
        run.stdout
    );
    let left = run
        .stdout
        .split("Left 2")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        left.contains("aws_s3_bucket.logs  — resource type not supported"),
        "{}",
        run.stdout
    );
    assert!(
        left.contains("data.aws_vpc.default  — data source"),
        "{}",
        run.stdout
    );

    let plan = ok(strata(dir.path(), &account, &["plan"]));
    assert_no_changes(&plan);
    // The migrated state holds what AWS reports, not a copy of Terraform's attributes.
    let show = ok(strata(
        dir.path(),
        &account,
        &["state", "show", "aws_db_subnet_group.main"],
    ));
    assert!(show.stdout.contains("tf-main subnets"), "{}", show.stdout);

    // A strata state with resources is not overwritten by accident.
    let again = strata(
        dir.path(),
        &account,
        &["state", "migrate-from-terraform", "terraform.tfstate"],
    );
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("already has a state with resources"),
        "{}",
        again.stderr
    );
}

#[test]
fn discover_lists_exactly_the_unmanaged_objects() {
    let account = Emulator::shared().account();
    let rt = runtime();
    let ec2 = rt.block_on(account.ec2(REGION));
    let (vpc, _) = rt.block_on(default_network(&ec2));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            r#"resource "aws_security_group" "managed" {{
  name        = "disc-managed"
  description = "managed by strata"
  vpc_id      = "{vpc}"
}}
"#
        ),
    )
    .unwrap();
    ok(strata(dir.path(), &account, &["apply", "--auto-approve"]));
    let a = rt.block_on(create_group(&ec2, &vpc, "disc-a", "x"));
    let b = rt.block_on(create_group(&ec2, &vpc, "disc.b", "x"));
    let managed = rt
        .block_on(groups(&ec2, &vpc))
        .into_iter()
        .find(|g| g.0 == "disc-managed")
        .unwrap()
        .1;

    let run = ok(strata(
        dir.path(),
        &account,
        &["discover", "--region", REGION, "--out", "found.tf"],
    ));
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("aws_"))
        .collect();
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert!(
        rows.iter().any(|r| r.contains(&a) && r.ends_with("disc-a")),
        "{}",
        run.stdout
    );
    assert!(
        rows.iter().any(|r| r.contains(&b) && r.ends_with("disc.b")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(&managed), "{}", run.stdout);
    let found = std::fs::read_to_string(dir.path().join("found.tf")).unwrap();
    assert!(found.contains("to = aws_security_group.disc_a"), "{found}");
    assert!(found.contains(&format!("id = \"{a}\"")), "{found}");
    assert!(found.contains("to = aws_security_group.disc_b"), "{found}");

    // The written blocks are a valid start: the plan asks for configuration, at the blocks.
    let plan = strata(dir.path(), &account, &["plan"]);
    assert_eq!(plan.code, 1);
    assert!(plan.stderr.contains("found.tf:"), "{}", plan.stderr);

    let only_instances = ok(strata(
        dir.path(),
        &account,
        &["discover", "--region", REGION, "--type", "aws_db_instance"],
    ));
    assert!(
        only_instances.stdout.contains("No unmanaged objects"),
        "{}",
        only_instances.stdout
    );
}
