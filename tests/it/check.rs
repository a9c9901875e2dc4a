//! `strata check` through the binary: exit codes, output formats, and the seed stack.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    crate::support::strata_bin()
}

fn check(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(root())
        .env_remove("STRATA_VAR_db_password")
        .env_remove("TF_VAR_db_password")
        .env("NO_COLOR", "1")
        .arg("-C")
        .arg(dir)
        .arg("check")
        .args(args)
        .output()
        .expect("strata runs")
}

fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures/check").join(name)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn the_seed_stack_passes_with_zero_errors() {
    let out = check(Path::new("examples/webapp"), &["--format", "json"]);
    let findings = json(&out);
    let errors: Vec<_> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" && f["waived"] == false)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(out.status.code(), Some(0));
    let text = check(Path::new("examples/webapp"), &[]);
    assert_eq!(
        text.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
}

#[test]
fn exit_codes_follow_errors_and_strict() {
    let errors = check(&fixture("sg_db_port_open"), &[]);
    assert_eq!(errors.status.code(), Some(1));
    let text = String::from_utf8_lossy(&errors.stdout);
    assert!(
        text.contains("Error: SG_DB_PORT_OPEN")
            && text.contains("--> main.tf:23:19")
            && text.contains("Waived error: SG_DB_PORT_OPEN"),
        "{text}"
    );
    // Only a warning (and a waived one): passes, except under --strict.
    let warnings = check(&fixture("sg_ssh_open"), &[]);
    assert_eq!(warnings.status.code(), Some(0));
    let strict = check(&fixture("sg_ssh_open"), &["--strict"]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn variables_reach_the_rules() {
    let open = json(&check(&fixture("sg_db_port_open"), &["--format", "json"]));
    let closed = json(&check(
        &fixture("sg_db_port_open"),
        &["--format", "json", "--var", "world=10.0.0.0/8"],
    ));
    let hits = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["address"] == "aws_security_group.fires" && f["rule"] == "SG_DB_PORT_OPEN"
            })
            .count()
    };
    assert_eq!((hits(&open), hits(&closed)), (1, 0));
}

#[test]
fn sarif_has_what_code_scanning_needs() {
    let out = check(&fixture("sg_db_port_open"), &["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log = json(&out);
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "strata");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        for field in [
            &r["id"],
            &r["name"],
            &r["shortDescription"]["text"],
            &r["fullDescription"]["text"],
            &r["help"]["text"],
            &r["defaultConfiguration"]["level"],
        ] {
            assert!(field.is_string(), "{r:#}");
        }
        assert!(r["properties"]["tags"].is_array());
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], res["ruleId"]);
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(res["message"]["text"].is_string());
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "tests/fixtures/check/sg_db_port_open/main.tf"
        );
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(loc["region"][k].as_u64().unwrap() >= 1, "{res:#}");
        }
    }
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert!(suppressed[0]["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("demo database"));
}

/// Regression: a LITERAL_SECRET finding reprinted the source line with the password in it,
/// which ends up in CI logs. Every excerpt hides sensitive literals, in every output format,
/// through modules too.
#[test]
fn literal_secret_findings_never_reprint_the_secret() {
    let secrets = [
        "correct-horse-battery",
        "prefix-",
        "literal-through-a-module",
        "bootstrap-only-password",
    ];
    for format in ["text", "json", "sarif"] {
        let out = check(&fixture("literal_secret"), &["--format", format]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("LITERAL_SECRET"), "{all}");
        for s in secrets {
            assert!(!all.contains(s), "{format} output shows {s}:\n{all}");
        }
        if format == "text" {
            assert!(
                all.contains("password          = (sensitive value)"),
                "{all}"
            );
        }
    }
}

/// Any diagnostic's excerpt hides them too: a validation error on a line with a secret, a
/// secret variable's default, its value in a .tfvars file, and a file that does not parse.
#[test]
fn no_diagnostic_excerpt_shows_a_sensitive_literal() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.tf");
    std::fs::write(
        &main,
        r#"
variable "token" {
  type      = number
  sensitive = true
  default   = "tok-3f9a-hidden-default"
}

variable "pw" {
  type = number
}

resource "aws_elasticache_replication_group" "r" {
  replication_group_id       = "r"
  description                = "r"
  node_type                  = "cache.t4g.micro"
  transit_encryption_enabled = false
  auth_token                 = "tok-9d2c-short"
}

resource "aws_db_instance" "db" {
  identifier        = "db"
  engine            = "mysql"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = var.pw
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("terraform.tfvars"),
        "pw = \"pw-77e1-in-tfvars\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(bin())
            .env("NO_COLOR", "1")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let secrets = ["tok-3f9a", "tok-9d2c", "pw-77e1"];
    let plan = run(&["plan", "--refresh=false"]);
    assert!(plan.contains("(sensitive value)"), "{plan}");
    let validate = run(&["validate"]);
    for s in secrets {
        assert!(!plan.contains(s), "plan shows {s}:\n{plan}");
        assert!(!validate.contains(s), "validate shows {s}:\n{validate}");
    }

    // Not even parsed.
    std::fs::write(
        &main,
        "resource \"aws_db_instance\" \"db\" {\n  password = \"pw-5b0e-unclosed\n}\n",
    )
    .unwrap();
    let broken = run(&["validate"]);
    assert!(broken.contains("main.tf:2"), "{broken}");
    assert!(!broken.contains("pw-5b0e"), "{broken}");
}
