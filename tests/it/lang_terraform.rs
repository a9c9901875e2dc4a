//! The language agrees with Terraform 1.11 on the constructs of real configurations (issue
//! #14), through `strata validate` and `strata plan` on configurations written to a temporary
//! directory. Each test is named after the disagreement it pins. No emulator: nothing here
//! reaches AWS (plans stop at configuration errors, or have nothing to read).

use super::lang::{strata, text};
use std::path::Path;

/// A configuration in a fresh temporary directory: `(path, text)` per file.
fn config(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, body) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    dir
}

fn validate(dir: &Path) -> (i32, String) {
    let out = strata(dir, &["validate"]);
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

fn assert_valid(dir: &Path) {
    let (code, out) = validate(dir);
    assert_eq!(code, 0, "validate should accept it:\n{out}");
    assert!(out.contains("Success!"), "{out}");
}

/// Validate fails, and every `needle` is in what it printed.
fn assert_invalid(dir: &Path, needles: &[&str]) -> String {
    let (code, out) = validate(dir);
    assert_eq!(code, 1, "validate should refuse it:\n{out}");
    for needle in needles {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    out
}

const SG_MODULE: &str = r#"
variable "name" {
  type = string
}

resource "aws_security_group" "this" {
  name = var.name
}

output "id" {
  value = aws_security_group.this.id
}
"#;

/// Regression: the body of a resource whose `count` was 0 (or whose `for_each` was empty,
/// or inside a module call with no instances) was never evaluated, so `validate` printed
/// "Success!" over unknown arguments, wrong types, missing required arguments and references
/// to undeclared objects, all of which Terraform reports.
#[test]
fn what_has_no_instances_was_not_checked() {
    let dir = config(&[
        (
            "main.tf",
            r#"
variable "create" {
  type    = bool
  default = false
}

resource "aws_security_group" "zero" {
  count      = 0
  name       = "zero"
  descrption = "typo"
}

resource "aws_db_subnet_group" "guarded" {
  count = var.create ? 1 : 0
  name  = "guarded"
}

resource "aws_security_group" "empty" {
  for_each = {}
  name     = each.key
  vpc_id   = aws_vpc_missing.main.id
}

resource "aws_db_parameter_group" "typed" {
  count  = 0
  name   = "typed"
  family = ["not", "a", "string"]
}

module "off" {
  count  = 0
  source = "./sg"
  name   = local.undeclared
}
"#,
        ),
        ("sg/main.tf", SG_MODULE),
    ]);
    assert_invalid(
        dir.path(),
        &[
            "Unsupported argument \"descrption\"",
            "Missing required argument \"subnet_ids\"",
            "Reference to undeclared resource \"aws_vpc_missing.main\"",
            "Incorrect attribute value type",
            "Reference to undeclared local value \"undeclared\"",
        ],
    );
}

/// Regression: references inside `try()`, `can()` and the branch of a conditional that is
/// not taken were never looked at, so a misspelt variable, local, module output or resource
/// there passed validation (Terraform checks every reference, evaluated or not).
#[test]
fn references_inside_try_can_and_untaken_branches_were_not_checked() {
    let dir = config(&[
        (
            "main.tf",
            r#"
variable "region" {
  type    = string
  default = "us-east-1"
}

module "sg" {
  source = "./sg"
  name   = "web"
}

locals {
  a = try(var.regoin, "x")
  b = can(local.nothing) ? 1 : 2
  c = true ? "fine" : module.sg.no_such_output
  d = false ? aws_security_group.missing.id : "fine"
}
"#,
        ),
        ("sg/main.tf", SG_MODULE),
    ]);
    let out = assert_invalid(
        dir.path(),
        &[
            "Reference to undeclared input variable \"regoin\"",
            "did you mean \"region\"?",
            "Reference to undeclared local value \"nothing\"",
            "Unsupported attribute \"no_such_output\"",
            "Reference to undeclared resource \"aws_security_group.missing\"",
        ],
    );
    assert!(out.contains("strata validate: 4 errors"), "{out}");
}

/// Regression: two module calls that pass each other's outputs (`peer = module.b.id`,
/// `peer = module.a.id`) with no cycle between objects were refused as a module cycle;
/// Terraform flattens modules into one graph and accepts them.
#[test]
fn modules_passing_each_others_outputs_were_called_a_cycle() {
    let peer = r#"
variable "peer" {
  type = string
}

resource "aws_security_group" "this" {
  name = "peer"
}

resource "aws_security_group_rule" "from_peer" {
  type                     = "ingress"
  security_group_id        = aws_security_group.this.id
  source_security_group_id = var.peer
  protocol                 = "tcp"
  from_port                = 5432
  to_port                  = 5432
}

output "id" {
  value = aws_security_group.this.id
}
"#;
    let dir = config(&[
        (
            "main.tf",
            r#"
module "a" {
  source = "./peer"
  peer   = module.b.id
}

module "b" {
  source = "./peer"
  peer   = module.a.id
}
"#,
        ),
        ("peer/main.tf", peer),
    ]);
    assert_valid(dir.path());
}

/// A cycle between objects across modules is still one, reported with every edge located
/// (the output feeding the input that feeds the output).
#[test]
fn a_real_cycle_through_a_module_names_every_edge() {
    let echo = r#"
variable "in" {
  type = string
}

output "out" {
  value = var.in
}
"#;
    let dir = config(&[
        (
            "main.tf",
            r#"
module "echo" {
  source = "./echo"
  in     = local.x
}

locals {
  x = module.echo.out
}
"#,
        ),
        ("echo/main.tf", echo),
    ]);
    let out = assert_invalid(dir.path(), &["Dependency cycle:", "local.x"]);
    assert!(out.contains("module.echo.var.in"), "{out}");
    assert!(out.contains("module.echo.output.out"), "{out}");
    // One located label per edge, besides the primary location.
    assert!(out.matches(" --> ").count() >= 3, "{out}");
}

/// Regression: `validate` gave root variables their defaults (and tfvars), so a reusable
/// module whose variables default to null and are used behind a guard (`var.x.name` under
/// `count = var.x != null ? 1 : 0`) failed with "Attempt to get an attribute from a null
/// value"; Terraform's validate treats every variable as unknown. Descriptions written as
/// heredocs, `provider_meta`, and requirements of the providers strata implements were
/// refused too.
#[test]
fn validate_used_variable_defaults_and_refused_module_boilerplate() {
    let dir = config(&[
        (
            "versions.tf",
            r#"
terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.1"
    }
    null = {
      source = "hashicorp/null"
    }
  }

  provider_meta "aws" {
    user_agent = ["github.com/example/module"]
  }
}
"#,
        ),
        (
            "main.tf",
            r#"
variable "group" {
  description = <<-EOT
    The group to create, or null for none.
    A heredoc is a constant string.
  EOT
  type = object({
    name        = string
    description = optional(string, "managed")
  })
  default = null
}

variable "tags" {
  description = "Tags: ${"constant"} templates are constant too"
  type        = map(string)
  default     = {}
}

resource "aws_security_group" "this" {
  count       = var.group != null ? 1 : 0
  name        = var.group.name
  description = var.group.description
  tags        = var.tags
}
"#,
        ),
        ("terraform.tfvars", "group = null\n"),
    ]);
    assert_valid(dir.path());
}

/// A provider strata does not implement is refused where it is required, not ignored.
#[test]
fn an_unknown_provider_requirement_is_a_located_error() {
    let dir = config(&[(
        "main.tf",
        r#"
terraform {
  required_providers {
    tls = {
      source = "hashicorp/tls"
    }
  }
}
"#,
    )]);
    assert_invalid(dir.path(), &["Unsupported provider \"tls\"", "main.tf:5:"]);
}

/// A default that does not fit the variable's type is wrong whatever value is given.
#[test]
fn a_default_of_the_wrong_type_is_refused_by_validate() {
    let dir = config(&[(
        "main.tf",
        r#"
variable "port" {
  type    = number
  default = "not a number"
}
"#,
    )]);
    assert_invalid(
        dir.path(),
        &["Invalid default value for variable \"port\"", "main.tf:4:"],
    );
}

/// A validation rule judges the value a variable is given: `validate` knows none (as in
/// Terraform), the plan does, and stops before anything is read from AWS.
#[test]
fn a_failing_variable_validation_stops_the_plan_not_validate() {
    let fixture = super::lang::fixtures().join("variable_validation");
    assert_valid(&fixture);
    let dir = config(&[(
        "main.tf",
        &std::fs::read_to_string(fixture.join("main.tf")).unwrap(),
    )]);
    let out = strata(dir.path(), &["plan"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Invalid value for variable \"engine\"")
            && stderr.contains("engine must be postgres or mysql.")
            && stderr.contains("main.tf:3:13"),
        "{stderr}"
    );
}

/// Regression: a child module that declares `configuration_aliases` could be called without
/// passing them; Terraform refuses the call ("Missing required provider configuration").
#[test]
fn a_required_provider_alias_that_is_not_passed_is_an_error() {
    let child = r#"
terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      configuration_aliases = [aws.dr]
    }
  }
}

resource "aws_security_group" "copy" {
  provider = aws.dr
  name     = "copy"
}
"#;
    let dir = config(&[
        (
            "main.tf",
            r#"
provider "aws" {
  region = "us-east-1"
}

module "dr" {
  source = "./child"
}
"#,
        ),
        ("child/main.tf", child),
    ]);
    assert_invalid(
        dir.path(),
        &["Missing required provider configuration", "aws.dr"],
    );
}

/// A provider block inside a module called with count cannot be configured per instance:
/// Terraform refuses it, and so does strata, at the count.
#[test]
fn a_provider_block_in_a_module_with_count_is_refused() {
    let dir = config(&[
        (
            "main.tf",
            r#"
module "legacy" {
  count  = 2
  source = "./legacy"
}
"#,
        ),
        (
            "legacy/main.tf",
            r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_security_group" "this" {
  name = "legacy"
}
"#,
        ),
    ]);
    assert_invalid(
        dir.path(),
        &["contains provider configuration", "main.tf:3:"],
    );
}

/// `path.cwd` is the directory strata works in after `-C`, as Terraform's `-chdir` makes it:
/// public modules name objects after `basename(path.cwd)`.
#[test]
fn path_cwd_was_the_shell_directory_not_the_one_given_with_dash_c() {
    let dir = config(&[(
        "main.tf",
        r#"
output "here" {
  value = basename(path.cwd)
}
"#,
    )]);
    let out = strata(dir.path(), &["plan", "--json"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let name = dir.path().file_name().unwrap().to_string_lossy();
    let plan: serde_json::Value = serde_json::from_str(&stdout).expect("JSON plan");
    assert_eq!(
        plan["planned_values"]["outputs"]["here"]["value"],
        serde_json::Value::from(name.as_ref()),
        "{stdout}"
    );
}

const OPTIONAL_ROLE: &str = r#"
variable "create_role" {
  type    = bool
  default = false
}

resource "aws_lambda_function" "monitoring" {
  count         = var.create_role ? 1 : 0
  function_name = "monitoring"
}

resource "aws_sns_topic" "never" {
  count = 0
  name  = "never"
}

output "role_arn" {
  value = try(aws_lambda_function.monitoring[0].arn, null)
}
"#;

/// An unsupported type that makes no instance (an optional module feature switched off) is a
/// warning naming the type, and the plan goes on; one that may have instances is an error.
#[test]
fn unsupported_types_without_instances_blocked_every_plan() {
    let dir = config(&[("main.tf", OPTIONAL_ROLE)]);
    // validate knows no values: the role could be made, the log group never is.
    let (code, out) = validate(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Unsupported resource type \"aws_lambda_function\"")
            && out.contains("Unsupported resource type \"aws_sns_topic\" has no instances")
            && out.contains("strata validate: 1 error, 1 warning"),
        "{out}"
    );
    // The plan knows create_role is false: warnings, and an empty plan.
    let out = strata(dir.path(), &["plan", "--json"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "Warning: Unsupported resource type \"aws_lambda_function\" has no instances"
        ),
        "{stderr}"
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        plan["planned_values"]["outputs"]["role_arn"]["value"],
        serde_json::Value::Null
    );
    // With the feature on, the type is reached: an error.
    let out = strata(dir.path(), &["plan", "--var", "create_role=true"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Error: Unsupported resource type \"aws_lambda_function\""),
        "{stderr}"
    );
}

/// Regression: a sensitive variable's value that did not convert to its type was quoted in
/// the error ("a number is required, got the string ...").
#[test]
fn a_sensitive_value_of_the_wrong_type_was_quoted_in_the_error() {
    let dir = config(&[(
        "main.tf",
        r#"
variable "pin" {
  type      = number
  sensitive = true
  default   = "hunter2-secret"
}
"#,
    )]);
    let out = strata(dir.path(), &["plan"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Invalid"), "{stderr}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");
    let (_, validated) = validate(dir.path());
    assert!(!validated.contains("hunter2-secret"), "{validated}");
}

/// `required_version` is checked with Terraform's constraint syntax against the Terraform
/// language version strata implements (1.11.4): `~>` lets only the rightmost given part grow,
/// so `~> 1.5` admits 1.11.4 and `~> 1.5.0` does not.
#[test]
fn required_version_reads_pessimistic_constraints_as_terraform_does() {
    let with = |constraint: &str| {
        config(&[(
            "versions.tf",
            &format!("terraform {{\n  required_version = \"{constraint}\"\n}}\n"),
        )])
    };
    for admitted in [
        "~> 1.5",
        ">= 1.5, < 2.0",
        "~> 1",
        "1.11.4",
        "!= 1.8.0",
        ">= 1.11",
    ] {
        assert_valid(with(admitted).path());
    }
    for refused in ["~> 1.5.0", "~> 2.0", "< 1.11", "!= 1.11.4", "~> 1.10.0"] {
        let out = assert_invalid(
            with(refused).path(),
            &[
                "Unsupported Terraform version",
                "versions.tf:2:22",
                "1.11.4",
            ],
        );
        assert!(out.contains(refused), "{out}");
    }
    assert_invalid(
        with("about 1.5").path(),
        &["Invalid required_version", "versions.tf:2:22"],
    );
}

/// Regression: `ephemeral = true` was accepted and ignored, so an ephemeral value flowed into
/// stored places (a normal argument, count, a module input, a root output) without a word.
/// Terraform 1.10 refuses each with a located error, and lets it into write-only arguments,
/// provider blocks, locals, ephemeral module inputs and ephemeral child outputs.
#[test]
fn ephemeral_values_flowed_into_stored_places_unchecked() {
    let child = r#"
variable "secret" {
  type      = string
  ephemeral = true
}

output "again" {
  value     = var.secret
  ephemeral = true
}
"#;
    let ok = config(&[
        (
            "main.tf",
            r#"
variable "password" {
  type      = string
  ephemeral = true
}

locals {
  password = "${var.password}-x"
}

module "pass" {
  source = "./child"
  secret = local.password
}

resource "aws_db_instance" "db" {
  identifier          = "eph"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password_wo         = module.pass.again
  password_wo_version = 1
  skip_final_snapshot = true
  depends_on          = [module.pass]
}
"#,
        ),
        ("child/main.tf", child),
    ]);
    assert_valid(ok.path());

    let bad = config(&[
        (
            "main.tf",
            r#"variable "password" {
  type      = string
  ephemeral = true
}

locals {
  derived = upper(var.password)
}

resource "aws_security_group" "sg" {
  count       = length(var.password)
  name        = "eph"
  description = local.derived
}

module "plain" {
  source = "./plain"
  secret = var.password
}

output "leak" {
  value = local.derived
}

output "root_ephemeral" {
  value     = "x"
  ephemeral = true
}
"#,
        ),
        (
            "plain/main.tf",
            "variable \"secret\" {\n  type = string\n}\n",
        ),
    ]);
    assert_invalid(
        bad.path(),
        &[
            "Invalid count argument",
            "main.tf:11:24",
            "Invalid use of ephemeral value",
            "Ephemeral values are not valid for \"description\", because it is not a write-only attribute and must be persisted to state.",
            "main.tf:13:17",
            "Ephemeral value not allowed",
            "The input variable \"secret\" does not accept ephemeral values.",
            "main.tf:18:12",
            "This output value is not declared as returning an ephemeral value, so it cannot be set to a result derived from an ephemeral value.",
            "main.tf:22:11",
            "Ephemeral output not allowed",
            "Ephemeral outputs are not allowed in context of a root module",
            "main.tf:25:1",
        ],
    );
}
