//! Modules as Terraform wires them, against the emulator (issue #14): each object is created
//! where Terraform would create it — the provider configuration a child module inherits or is
//! passed, through several levels, or its own legacy block — verified by describing every
//! region; and values that hold unknowns are as known as Terraform makes them.

use std::collections::BTreeSet;

use crate::emulator::DEFAULT_REGION;
use crate::support::{Run, Workdir};

/// A workdir whose configuration is exactly these files (`(path, text)`).
pub(crate) fn workdir(files: &[(&str, &str)]) -> Workdir {
    let w = Workdir::webapp();
    for entry in std::fs::read_dir(w.dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tf") {
            std::fs::remove_file(path).unwrap();
        }
    }
    for (path, body) in files {
        let path = w.dir().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    w
}

/// Runs strata with no region in the environment: every region must come from the
/// configuration.
fn without_env_region(w: &Workdir, args: &[&str]) -> Run {
    let out = w
        .command(args)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn expect(run: Run, code: i32, what: &str) -> Run {
    assert_eq!(run.code, code, "{what}:\n{}", run.both());
    run
}

pub(crate) async fn group_names(w: &Workdir, region: &str) -> BTreeSet<String> {
    let ec2 = w.account.ec2(region).await;
    let out = ec2.describe_security_groups().send().await.unwrap();
    out.security_groups()
        .iter()
        .filter_map(|g| g.group_name().map(str::to_string))
        .filter(|n| n != "default")
        .collect()
}

const SG: &str = r#"
variable "name" {
  type = string
}

data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "this" {
  name   = var.name
  vpc_id = data.aws_vpc.default.id
}

output "id" {
  value = aws_security_group.this.id
}
"#;

const OUTER: &str = r#"
terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      configuration_aliases = [aws.dr]
    }
  }
}

resource "aws_security_group" "outer" {
  name = "outer"
}

module "inner" {
  source = "../sg"
  name   = "nested-dr"
  providers = {
    aws = aws.dr
  }
}
"#;

const LEGACY: &str = r#"
provider "aws" {
  region = "ap-southeast-2"
}

resource "aws_security_group" "legacy" {
  name = "legacy"
}
"#;

const ROOT: &str = r#"
locals {
  region = "eu-west-1"
}

variable "dr_region" {
  type    = string
  default = "us-west-2"
}

provider "aws" {
  region = local.region
}

provider "aws" {
  alias  = "dr"
  region = var.dr_region
}

module "primary" {
  source = "./sg"
  name   = "primary"
}

module "dr" {
  source = "./sg"
  name   = "dr"
  providers = {
    aws = aws.dr
  }
}

module "nested" {
  source = "./outer"
  providers = {
    aws    = aws
    aws.dr = aws.dr
  }
}

module "legacy" {
  source = "./legacy"
}
"#;

/// Regression: with `provider "aws" { region = local.region }`, the objects and data sources
/// of a child module that inherits it were created in the region of `AWS_REGION`, and
/// without `AWS_REGION` the plan failed with "endpoint params could not be built". Every
/// object must be where Terraform puts it: the inherited default, a mapped alias, an alias
/// passed through two levels, a legacy provider block inside a module.
#[tokio::test]
async fn child_modules_created_objects_in_the_environments_region() {
    let w = workdir(&[
        ("main.tf", ROOT),
        ("sg/main.tf", SG),
        ("outer/main.tf", OUTER),
        ("legacy/main.tf", LEGACY),
    ]);
    expect(
        without_env_region(&w, &["apply", "--auto-approve"]),
        0,
        "apply",
    );
    let expected: [(&str, &[&str]); 4] = [
        ("eu-west-1", &["outer", "primary"]),
        ("us-west-2", &["dr", "nested-dr"]),
        ("ap-southeast-2", &["legacy"]),
        (DEFAULT_REGION, &[]),
    ];
    for (region, names) in expected {
        let want: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
        assert_eq!(group_names(&w, region).await, want, "groups in {region}");
    }
    // The state names the configuration each object was applied with, as Terraform does.
    let state = std::fs::read_to_string(w.state_path()).unwrap();
    assert!(
        state.contains(r#"module.legacy.provider[\"registry.terraform.io/hashicorp/aws\"]"#),
        "{state}"
    );
    expect(
        without_env_region(&w, &["plan", "--detailed-exitcode"]),
        0,
        "re-plan",
    );
    expect(
        without_env_region(&w, &["destroy", "--auto-approve"]),
        0,
        "destroy",
    );
    for region in ["eu-west-1", "us-west-2", "ap-southeast-2"] {
        assert!(group_names(&w, region).await.is_empty(), "left in {region}");
    }
}

/// An import block whose target lives in a child module reads the object with that module's
/// provider configuration (here an alias in another region), not the root's default.
#[tokio::test]
async fn an_import_into_a_child_module_used_the_root_default_provider() {
    let w = workdir(&[
        ("main.tf", ROOT),
        ("sg/main.tf", SG),
        ("outer/main.tf", OUTER),
        ("legacy/main.tf", LEGACY),
    ]);
    let ec2 = w.account.ec2("us-west-2").await;
    let id = ec2
        .create_security_group()
        .group_name("dr")
        .description("made by hand")
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    std::fs::write(
        w.dir().join("imports.tf"),
        format!("import {{\n  to = module.dr.aws_security_group.this\n  id = \"{id}\"\n}}\n"),
    )
    .unwrap();
    let plan = expect(
        without_env_region(&w, &["plan", "--target", "module.dr"]),
        0,
        "plan",
    );
    assert!(
        plan.stdout.contains("will be imported") || plan.stdout.contains("1 to import"),
        "{}",
        plan.stdout
    );
}

/// A provider whose region depends on something known only after apply cannot be used to
/// plan: a located error on the region, before any call with a guessed region.
#[tokio::test]
async fn a_region_known_only_after_apply_was_replaced_by_the_environments() {
    let w = workdir(&[(
        "main.tf",
        r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_security_group" "a" {
  name = "a"
}

provider "aws" {
  alias  = "later"
  region = aws_security_group.a.id
}

resource "aws_security_group" "b" {
  provider = aws.later
  name     = "b"
}
"#,
    )]);
    let plan = expect(w.strata(&["plan"]), 1, "plan");
    assert!(
        plan.stderr
            .contains("The provider's region is not known at plan time")
            && plan.stderr.contains("main.tf:12:"),
        "{}",
        plan.stderr
    );
}

const RULES: &str = r#"
variable "group_id" {
  type = string
}

variable "rules" {
  type = map(object({
    source = string
    port   = number
  }))
  default = null
}

resource "aws_security_group_rule" "in" {
  for_each = var.rules != null ? { for k, v in var.rules : k => v if v != null } : {}

  type                     = "ingress"
  security_group_id        = var.group_id
  source_security_group_id = each.value.source
  protocol                 = "tcp"
  from_port                = each.value.port
  to_port                  = each.value.port
}

output "count" {
  value = length(var.rules)
}
"#;

/// Regression: `x != null` on a map whose values hold ids known only after apply was itself
/// unknown, so `for_each = { for k, v in var.rules : k => v if v != null }` (and
/// `var.rules != null ? ... : {}`) failed with "depends on values known only after apply";
/// Terraform knows a map is not null whatever its values.
#[tokio::test]
async fn null_comparisons_on_maps_of_unknown_ids_failed_the_plan() {
    let w = workdir(&[
        (
            "main.tf",
            r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_security_group" "web" {
  name = "web"
}

resource "aws_security_group" "cache" {
  name = "cache"
}

resource "aws_security_group" "db" {
  name = "db"
}

module "rules" {
  source   = "./rules"
  group_id = aws_security_group.db.id
  rules = {
    web   = { source = aws_security_group.web.id, port = 5432 }
    cache = { source = aws_security_group.cache.id, port = 6379 }
  }
}
"#,
        ),
        ("rules/main.tf", RULES),
    ]);
    let plan = w.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(plan.stdout.contains("5 to add"), "{}", plan.stdout);
    w.expect(0, &["apply", "--auto-approve"]);
    let ec2 = w.account.ec2(DEFAULT_REGION).await;
    let groups = ec2.describe_security_groups().send().await.unwrap();
    let id_of = |name: &str| {
        groups
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some(name))
            .and_then(|g| g.group_id())
            .unwrap()
            .to_string()
    };
    let db = groups
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some("db"))
        .unwrap();
    let sources: BTreeSet<(i32, String)> = db
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.user_id_group_pairs().iter().map(|pair| {
                (
                    p.from_port().unwrap_or(0),
                    pair.group_id().unwrap().to_string(),
                )
            })
        })
        .collect();
    assert_eq!(
        sources,
        BTreeSet::from([(5432, id_of("web")), (6379, id_of("cache"))])
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
}

/// Regression: the "all-all" rule of the public security-group module (`protocol = "-1"`,
/// `from_port = -1`, `to_port = -1`) was refused ("from_port and to_port must both be 0"),
/// though the provider sends no ports with protocol -1 and reads them back as 0. It applies,
/// opens every port, and re-plans empty.
#[tokio::test]
async fn the_public_modules_all_all_rule_was_refused_at_plan() {
    let w = workdir(&[(
        "main.tf",
        r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_security_group" "this" {
  name = "all-all"
}

resource "aws_security_group_rule" "ingress_with_self" {
  type              = "ingress"
  security_group_id = aws_security_group.this.id
  self              = true
  from_port         = -1
  to_port           = -1
  protocol          = "-1"
  description       = "All protocols"
}
"#,
    )]);
    w.expect(0, &["apply", "--auto-approve"]);
    let ec2 = w.account.ec2(DEFAULT_REGION).await;
    let groups = ec2.describe_security_groups().send().await.unwrap();
    let group = groups
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some("all-all"))
        .unwrap();
    let all = group
        .ip_permissions()
        .iter()
        .find(|p| p.ip_protocol() == Some("-1"))
        .expect("an all-protocols rule");
    assert_eq!(
        all.user_id_group_pairs()[0].group_id(),
        group.group_id(),
        "{group:?}"
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
}

/// A module input that passes a sibling module's output (`vpc_id = module.network.vpc_id`, as
/// every public data-tier example passes the vpc module's) made no dependency: the group in
/// `module.app` was created before the VPC in `module.network` existed, and the apply failed
/// with its `vpc_id` still unknown.
#[tokio::test]
async fn a_sibling_modules_output_passed_as_an_input_made_no_dependency() {
    let w = workdir(&[
        (
            "main.tf",
            r#"
provider "aws" {
  region = "us-east-1"
}

module "network" {
  source = "./network"
}

module "app" {
  source = "./app"
  vpc_id = module.network.vpc_id
}

output "group_vpc" {
  value = module.app.group_vpc
}
"#,
        ),
        (
            "network/main.tf",
            r#"
resource "aws_vpc" "this" {
  count      = 1
  cidr_block = "10.61.0.0/16"
}

output "vpc_id" {
  value = try(aws_vpc.this[0].id, null)
}
"#,
        ),
        (
            "app/main.tf",
            r#"
variable "vpc_id" {
  type = string
}

resource "aws_security_group" "this" {
  name        = "sibling-app"
  description = "in the sibling module's VPC"
  vpc_id      = var.vpc_id
}

output "group_vpc" {
  value = aws_security_group.this.vpc_id
}
"#,
        ),
    ]);
    let graph = w.expect(0, &["graph"]).stdout;
    assert!(
        graph.contains(
            r#""module.app.aws_security_group.this" -> "module.network.aws_vpc.this[0]""#
        ),
        "{graph}"
    );
    w.expect(0, &["apply", "--auto-approve"]);
    let vpc = w.expect(0, &["output", "--raw", "group_vpc"]).stdout;
    let ec2 = w.account.ec2("us-east-1").await;
    let groups = ec2.describe_security_groups().group_names("sibling-app");
    let groups = groups.send().await.unwrap();
    assert_eq!(groups.security_groups()[0].vpc_id(), Some(vpc.trim()));
    assert!(vpc.starts_with("vpc-"), "{vpc}");
    w.expect(0, &["destroy", "--auto-approve"]);
}
