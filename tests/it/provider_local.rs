//! The local providers (issue #18): hashicorp/random, hashicorp/null and the built-in
//! `terraform_data`, whose objects live only in state. They need no provider configuration
//! and make no AWS call; what they generate names real AWS objects, verified by describe.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::{group_names, workdir};
use crate::support::Workdir;

const CONFIG: &str = r#"
terraform {
  required_providers {
    random = { source = "hashicorp/random", version = "~> 3.6" }
    null   = { source = "hashicorp/null" }
  }
}

provider "random" {}

variable "generation" {
  type    = string
  default = "1"
}

variable "note" {
  type    = string
  default = "first"
}

resource "random_id" "suffix" {
  byte_length = 4
  prefix      = "app-"
  keepers = {
    generation = var.generation
  }
}

resource "random_password" "master" {
  length      = 24
  special     = false
  min_numeric = 4
}

resource "random_string" "tag" {
  length  = 6
  upper   = false
  special = false
}

resource "random_integer" "port" {
  min  = 10000
  max  = 20000
  seed = "db"
}

resource "random_pet" "name" {
  length = 3
}

resource "random_uuid" "token" {}

resource "random_shuffle" "az" {
  input        = ["a", "b", "c"]
  result_count = 2
}

resource "null_resource" "marker" {
  triggers = {
    generation = var.generation
  }
}

resource "terraform_data" "note" {
  input = { note = var.note, port = random_integer.port.result }
}

resource "aws_security_group" "app" {
  name        = random_id.suffix.hex
  description = "for ${random_pet.name.id} (${random_string.tag.result})"
}

output "password_length" {
  value = nonsensitive(length(random_password.master.result))
}

output "note" {
  value = terraform_data.note.output.note
}
"#;

fn state(w: &Workdir) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(w.state_path()).unwrap()).unwrap()
}

fn attrs<'a>(state: &'a serde_json::Value, type_: &str) -> &'a serde_json::Value {
    let r = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == type_)
        .unwrap_or_else(|| panic!("{type_} is not in state"));
    &r["instances"][0]["attributes"]
}

fn provider_of<'a>(state: &'a serde_json::Value, type_: &str) -> &'a str {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == type_)
        .and_then(|r| r["provider"].as_str())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn random_values_name_aws_objects_and_change_only_when_their_keepers_do() {
    let w = workdir(&[("main.tf", CONFIG)]);
    let plan = w.expect(0, &["plan"]);
    assert!(
        plan.stdout.contains("random_id.suffix will be created"),
        "{}",
        plan.stdout
    );
    w.expect(0, &["apply", "--auto-approve"]);

    let s = state(&w);
    let hex = attrs(&s, "random_id")["hex"].as_str().unwrap().to_string();
    assert!(hex.starts_with("app-") && hex.len() == 4 + 8, "{hex}");
    let pet = attrs(&s, "random_pet")["id"].as_str().unwrap().to_string();
    assert_eq!(pet.split('-').count(), 3, "{pet}");
    let password = attrs(&s, "random_password")["result"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(password.len(), 24);
    assert!(password.chars().filter(char::is_ascii_digit).count() >= 4);
    let port = attrs(&s, "random_integer")["result"].as_f64().unwrap();
    assert!((10000.0..=20000.0).contains(&port));
    assert_eq!(
        attrs(&s, "random_shuffle")["result"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(attrs(&s, "terraform_data")["output"]["note"], "first");
    assert_eq!(
        provider_of(&s, "random_id"),
        "provider[\"registry.terraform.io/hashicorp/random\"]"
    );
    assert_eq!(
        provider_of(&s, "null_resource"),
        "provider[\"registry.terraform.io/hashicorp/null\"]"
    );
    assert_eq!(
        provider_of(&s, "terraform_data"),
        "provider[\"terraform.io/builtin/terraform\"]"
    );

    // AWS has the group the random values named.
    let ec2 = w.account.ec2(DEFAULT_REGION).await;
    let groups = ec2
        .describe_security_groups()
        .group_names(&hex)
        .send()
        .await
        .unwrap();
    let group = &groups.security_groups()[0];
    assert!(group.description().unwrap().contains(&pet));

    // Nothing changes by itself, and the password is never shown.
    let again = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(!again.both().contains(&password));
    let outputs = w.expect(0, &["output"]);
    assert!(
        outputs.stdout.contains("password_length = 24"),
        "{}",
        outputs.stdout
    );

    // A changed input updates terraform_data in place; its output follows at plan time.
    let changed = w.expect(0, &["plan", "-var", "note=second"]);
    assert!(
        changed
            .stdout
            .contains("terraform_data.note will be updated in-place"),
        "{}",
        changed.stdout
    );
    assert!(changed.stdout.contains("\"second\""), "{}", changed.stdout);

    // A changed keeper replaces the id, and with it the group it names.
    let replaced = w.expect(0, &["plan", "-var", "generation=2"]);
    for needle in [
        "random_id.suffix must be replaced",
        "null_resource.marker must be replaced",
        "aws_security_group.app must be replaced",
    ] {
        assert!(
            replaced.stdout.contains(needle),
            "{needle}:\n{}",
            replaced.stdout
        );
    }
    assert!(!replaced.stdout.contains("random_password.master must"));
    w.expect(0, &["apply", "--auto-approve", "-var", "generation=2"]);
    let hex2 = attrs(&state(&w), "random_id")["hex"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(hex, hex2);
    assert_eq!(
        attrs(&state(&w), "random_password")["result"]
            .as_str()
            .unwrap(),
        password,
        "the password has no keeper that changed"
    );
    let names = group_names(&w, DEFAULT_REGION).await;
    assert!(names.contains(&hex2) && !names.contains(&hex), "{names:?}");

    w.expect(0, &["destroy", "--auto-approve", "-var", "generation=2"]);
    assert!(!group_names(&w, DEFAULT_REGION).await.contains(&hex2));
    w.assert_no_secret_leaked();
}

/// A random_id is imported by its b64_url value (after `PREFIX,` when it has one), as the
/// provider does; a name made from it then plans no change.
#[test]
fn a_random_id_is_imported_by_its_base64_value() {
    let w = workdir(&[(
        "main.tf",
        r#"
import {
  to = random_id.suffix
  id = "app-,p-9hUg"
}

resource "random_id" "suffix" {
  byte_length = 4
  prefix      = "app-"
}

output "hex" {
  value = random_id.suffix.hex
}
"#,
    )]);
    let plan = w.expect(0, &["plan"]);
    assert!(plan.stdout.contains("will be imported"), "{}", plan.stdout);
    w.expect(0, &["apply", "--auto-approve"]);
    let out = w.expect(0, &["output", "hex"]);
    assert!(out.stdout.contains("app-a7ef6152"), "{}", out.stdout);
    w.expect(0, &["plan", "--detailed-exitcode"]);
}

#[test]
fn a_provider_block_for_random_with_arguments_is_an_error() {
    let w = workdir(&[(
        "main.tf",
        "provider \"random\" {\n  region = \"x\"\n}\n\nresource \"random_uuid\" \"u\" {}\n",
    )]);
    let run = w.expect(1, &["validate"]);
    assert!(
        run.stderr.contains("Unsupported argument \"region\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("main.tf:2:3"), "{}", run.stderr);
}
