//! The meta data sources (`aws_partition`, `aws_caller_identity`, `aws_region(s)`,
//! `aws_availability_zones`, `aws_service_principal`, `aws_iam_policy_document`) read through
//! a real plan and apply against the emulator, their outputs checked against what STS and EC2
//! answer the same account.

use crate::support::Workdir;
use serde_json::{json, Value as Json};

const META: &str = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_partition" "current" {}
data "aws_caller_identity" "me" {}
data "aws_region" "current" {}

data "aws_region" "chosen" {
  region = "eu-west-1"
}

data "aws_regions" "enabled" {}

data "aws_regions" "picked" {
  all_regions = true
  filter {
    name   = "region-name"
    values = ["eu-west-1", "us-east-1"]
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_availability_zones" "but_one" {
  exclude_names = [data.aws_availability_zones.available.names[0]]
}

data "aws_service_principal" "monitoring" {
  service_name = "monitoring.rds"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [data.aws_service_principal.monitoring.name]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.me.account_id]
    }
  }
}

output "partition" { value = data.aws_partition.current }
output "me" { value = data.aws_caller_identity.me }
output "region" { value = data.aws_region.current }
output "chosen" { value = data.aws_region.chosen }
output "enabled" { value = data.aws_regions.enabled.names }
output "picked" { value = data.aws_regions.picked.names }
output "zones" { value = data.aws_availability_zones.available }
output "but_one" { value = data.aws_availability_zones.but_one.names }
output "principal" { value = data.aws_service_principal.monitoring }
output "policy" { value = data.aws_iam_policy_document.assume.json }
"#;

fn outputs(w: &Workdir) -> Json {
    let out: Json = serde_json::from_str(&w.expect(0, &["output", "--json"]).stdout).unwrap();
    let values = out.as_object().unwrap().iter();
    Json::Object(
        values
            .map(|(k, v)| (k.clone(), v["value"].clone()))
            .collect(),
    )
}

#[tokio::test]
async fn meta_data_sources_answer_what_sts_and_ec2_say() {
    let w = Workdir::webapp();
    std::fs::write(w.dir().join("main.tf"), META).unwrap();
    let plan = w.expect(0, &["plan"]);
    assert!(plan.stdout.contains("0 to add"), "{}", plan.both());
    w.expect(0, &["apply", "--auto-approve"]);
    let out = outputs(&w);

    let sts = aws_sdk_sts::Client::new(&w.account.sdk_config("us-east-1").await);
    let me = sts.get_caller_identity().send().await.unwrap();
    let account = me.account().unwrap();
    assert_eq!(account, w.account.account_id);
    assert_eq!(out["me"]["id"], account);
    assert_eq!(out["me"]["account_id"], account);
    assert_eq!(out["me"]["arn"], me.arn().unwrap());
    // moto draws the role-id half of an assumed role's user id anew on every call (AWS keeps
    // the role's id): only the session half can be compared.
    let session = me.user_id().unwrap().split_once(':').unwrap().1;
    let user_id = out["me"]["user_id"].as_str().unwrap();
    assert!(
        user_id.starts_with("AROA") && user_id.ends_with(&format!(":{session}")),
        "{user_id}"
    );
    assert_eq!(
        out["partition"],
        json!({"id": "aws", "partition": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"})
    );
    assert_eq!(out["region"]["region"], "us-east-1");
    assert_eq!(out["region"]["description"], "US East (N. Virginia)");
    assert_eq!(out["chosen"]["name"], "eu-west-1");
    assert_eq!(out["chosen"]["description"], "Europe (Ireland)");

    let ec2 = w.account.ec2("us-east-1").await;
    let regions = ec2.describe_regions().send().await.unwrap();
    // aws_region computes the endpoint EC2 lists for the region.
    let ireland = regions
        .regions()
        .iter()
        .find(|r| r.region_name() == Some("eu-west-1"));
    assert_eq!(
        out["chosen"]["endpoint"],
        ireland.and_then(|r| r.endpoint()).unwrap()
    );
    let mut names: Vec<&str> = regions
        .regions()
        .iter()
        .filter_map(|r| r.region_name())
        .collect();
    names.sort();
    assert_eq!(out["enabled"], json!(names));
    assert_eq!(out["picked"], json!(["eu-west-1", "us-east-1"]));

    let zones = ec2.describe_availability_zones().send().await.unwrap();
    let mut zones: Vec<(String, String)> = zones
        .availability_zones()
        .iter()
        .map(|z| (z.zone_name().unwrap().into(), z.zone_id().unwrap().into()))
        .collect();
    zones.sort();
    assert!(zones.len() > 1, "{zones:?}");
    let (names, ids): (Vec<String>, Vec<String>) = zones.into_iter().unzip();
    assert_eq!(out["zones"]["names"], json!(names));
    assert_eq!(
        out["zones"]["zone_ids"],
        json!(ids),
        "in the order of names"
    );
    assert_eq!(out["zones"]["id"], "us-east-1");
    assert_eq!(out["but_one"], json!(names[1..]));

    assert_eq!(
        out["principal"],
        json!({"id": "monitoring.rds.us-east-1.amazonaws.com", "name": "monitoring.rds.amazonaws.com",
               "suffix": "amazonaws.com", "service_name": "monitoring.rds", "region": "us-east-1"})
    );
    let policy = format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {{
        "Service": "monitoring.rds.amazonaws.com"
      }},
      "Condition": {{
        "StringEquals": {{
          "aws:SourceAccount": "{account}"
        }}
      }}
    }}
  ]
}}"#
    );
    assert_eq!(out["policy"], policy);

    // Data sources only: a second plan reads them again and changes nothing.
    let again = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes"), "{}", again.both());
}

/// A misspelt region given to aws_region is a clear error naming the nearest region, not an
/// empty answer.
#[test]
fn aws_region_refuses_an_unknown_region() {
    let w = Workdir::webapp();
    let config = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\ndata \"aws_region\" \"x\" {\n  region = \"eu-wst-1\"\n}\n";
    std::fs::write(w.dir().join("main.tf"), config).unwrap();
    let plan = w.strata(&["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.both());
    assert!(plan.both().contains("eu-west-1"), "{}", plan.both());
}

/// Terraform reads a data source whose arguments are known while it plans, so a count or
/// for_each over its result is known there (`azs = slice(data.aws_availability_zones.x.names,
/// 0, 2)`, the vpc module's examples); strata's first pass, which reads no data source,
/// refused it as "known only after apply", or evaluated the body of a resource such a count
/// gives no instance.
#[tokio::test]
async fn a_count_over_a_data_source_read_at_plan_time_was_refused() {
    let w = Workdir::webapp();
    let config = r#"
provider "aws" {
  region = "us-east-1"
}

data "aws_availability_zones" "available" {}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 2)
}

resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_subnet" "zonal" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.60.0.0/16", 8, count.index)
  availability_zone = local.azs[count.index]
}

resource "aws_subnet" "by_zone" {
  for_each          = toset(local.azs)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.60.0.0/16", 8, 10 + index(local.azs, each.key))
  availability_zone = each.key
}

# No instance once the zones are read: its body, which indexes an empty list, is never
# evaluated (the first pass evaluated it and failed with "Invalid index").
resource "aws_egress_only_internet_gateway" "v6" {
  count  = 0
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "v6" {
  count                       = length(local.azs) > 2 ? 1 : 0
  route_table_id              = aws_vpc.main.main_route_table_id
  destination_ipv6_cidr_block = "::/0"
  egress_only_gateway_id      = aws_egress_only_internet_gateway.v6[0].id
}
"#;
    std::fs::write(w.dir().join("main.tf"), config).unwrap();
    let plan = w.expect(0, &["plan"]);
    assert!(plan.stdout.contains("5 to add"), "{}", plan.both());
    assert!(
        plan.stdout.contains("aws_subnet.by_zone[\"us-east-1b\"]"),
        "{}",
        plan.stdout
    );
    // An unknown count is still an error, in the pass that reads the data sources.
    let unknown = config.replace("length(local.azs)", "length(aws_vpc.main.id)");
    std::fs::write(w.dir().join("main.tf"), unknown).unwrap();
    let refused = w.expect(1, &["plan"]);
    assert!(
        refused.stderr.contains("Invalid count argument"),
        "{}",
        refused.both()
    );
}
