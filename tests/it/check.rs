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

/// A database the guardrails refuse twice over: a literal password (`LITERAL_SECRET`) and a
/// public address (`DB_PUBLICLY_ACCESSIBLE`), as public examples carry them.
fn borrowed_db(name: &str) -> String {
    format!(
        r#"
resource "aws_db_instance" "{name}" {{
  identifier          = "{name}"
  engine              = "mysql"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password            = "{password}"
  storage_encrypted   = true
  publicly_accessible = true
  skip_final_snapshot = true
}}
"#,
        password = crate::support::PASSWORD
    )
}

async fn described(
    rds: &aws_sdk_rds::Client,
    identifier: &str,
) -> Option<aws_sdk_rds::types::DbInstance> {
    match rds
        .describe_db_instances()
        .db_instance_identifier(identifier)
        .send()
        .await
    {
        Ok(out) => out.db_instances().first().cloned(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_db_instance_not_found_fault()) =>
        {
            None
        }
        Err(e) => panic!("describe {identifier}: {e}"),
    }
}

/// `--soft-fail` (checkov's name) on `check`, `plan` and `apply`: without it the unwaived
/// errors stop each of them and nothing is created; with it they are printed as errors, the
/// run goes on, the summary says they were overridden, and the plan's JSON and Markdown
/// record it.
#[tokio::test(flavor = "multi_thread")]
async fn soft_fail_reports_guardrail_errors_but_lets_the_run_go_on() {
    let w = crate::lang_modules::workdir(&[("main.tf", &borrowed_db("borrowed"))]);
    let rds = w.account.rds(crate::emulator::DEFAULT_REGION).await;

    let refused = w.expect(1, &["check"]);
    assert!(
        refused.stdout.contains("Error: LITERAL_SECRET"),
        "{}",
        refused.stdout
    );
    let soft = w.expect(0, &["check", "--soft-fail"]);
    for wanted in [
        "Error: LITERAL_SECRET",
        "Error: DB_PUBLICLY_ACCESSIBLE",
        "strata check: 2 errors, 0 warnings, 0 waived; 2 guardrail errors overridden by --soft-fail.",
    ] {
        assert!(soft.stdout.contains(wanted), "{wanted}:\n{}", soft.stdout);
    }
    // The findings keep their severity in the machine-readable formats.
    let findings: serde_json::Value = serde_json::from_str(
        &w.expect(0, &["check", "--soft-fail", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .count(),
        2
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &w.expect(0, &["check", "--soft-fail", "--format", "sarif"])
            .stdout,
    )
    .unwrap();
    let levels: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "error"]);

    // Without the flag: plan and apply stop, no plan is saved, nothing is created.
    let plan = w.expect(1, &["plan", "--out", "refused.plan"]);
    assert!(
        plan.stderr
            .contains("strata check found errors in the configuration"),
        "{}",
        plan.stderr
    );
    assert!(plan.stderr.contains("--soft-fail"), "{}", plan.stderr);
    assert!(!w.dir().join("refused.plan").exists());
    let apply = w.expect(1, &["apply", "--auto-approve"]);
    assert!(
        apply.stderr.contains("Error: DB_PUBLICLY_ACCESSIBLE"),
        "{}",
        apply.stderr
    );
    assert!(described(&rds, "borrowed").await.is_none());
    // A refresh-only plan changes nothing the guardrails judge: shown, not refused.
    let refresh = w.expect(0, &["plan", "--refresh-only"]);
    assert!(
        refresh.stderr.contains("Error: LITERAL_SECRET"),
        "{}",
        refresh.stderr
    );

    // With it: the plan records the overridden errors for the reviewer.
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(0, &["plan", "--soft-fail", "--json"]).stdout).unwrap();
    let overridden = json["guardrail_errors_overridden"].as_array().unwrap();
    let mut rules: Vec<&str> = overridden
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    rules.sort();
    assert_eq!(rules, ["DB_PUBLICLY_ACCESSIBLE", "LITERAL_SECRET"]);
    assert!(overridden.iter().all(|f| f["severity"] == "error"
        && f["address"] == "aws_db_instance.borrowed"
        && f["location"].as_str().unwrap().starts_with("main.tf:")));
    let markdown = w.expect(0, &["plan", "--soft-fail", "--markdown"]).stdout;
    assert!(
        markdown.contains(
            "**Guardrails:** 2 errors, 0 warnings; 2 guardrail errors overridden by `--soft-fail`."
        ) && markdown.contains("| ❌ error (overridden by `--soft-fail`) | `LITERAL_SECRET` |"),
        "{markdown}"
    );

    let applied = w.expect(0, &["apply", "--auto-approve", "--soft-fail"]);
    assert!(
        applied.stderr.contains("Error: LITERAL_SECRET"),
        "{}",
        applied.stderr
    );
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 1 added")
            && applied
                .stdout
                .contains("2 guardrail errors overridden by --soft-fail: "),
        "{}",
        applied.stdout
    );
    let db = described(&rds, "borrowed").await.expect("created");
    assert_eq!(db.publicly_accessible(), Some(true));
    w.assert_no_secret_leaked();
}

/// A plan saved with `--soft-fail` is what the reviewer approved, overridden errors and
/// all: it applies without the flag (which a plan file refuses, as every planning flag); a
/// plan without the flag is never saved, so guardrail errors cannot slip through a file.
#[tokio::test(flavor = "multi_thread")]
async fn a_plan_saved_with_soft_fail_applies_without_the_flag() {
    let w = crate::lang_modules::workdir(&[("main.tf", &borrowed_db("saved"))]);
    let rds = w.account.rds(crate::emulator::DEFAULT_REGION).await;
    w.expect(0, &["plan", "--soft-fail", "--out", "reviewed.plan"]);
    let comment = w.expect(0, &["show", "--markdown", "reviewed.plan"]).stdout;
    assert!(
        comment.contains("2 guardrail errors overridden by `--soft-fail`"),
        "{comment}"
    );

    let again = w.expect(1, &["apply", "--soft-fail", "reviewed.plan"]);
    assert!(
        again
            .stderr
            .contains("--soft-fail with a plan file is not a flag"),
        "{}",
        again.stderr
    );
    assert!(described(&rds, "saved").await.is_none());

    let applied = w.expect(0, &["apply", "reviewed.plan"]);
    assert!(
        applied.stderr.contains("Error: LITERAL_SECRET"),
        "{}",
        applied.stderr
    );
    assert!(
        applied
            .stdout
            .contains("2 guardrail errors overridden by --soft-fail: "),
        "{}",
        applied.stdout
    );
    assert!(described(&rds, "saved").await.is_some());
    w.expect(1, &["destroy", "--auto-approve", "--soft-fail"]);
    w.assert_no_secret_leaked();
}

/// `--strict` makes warnings fail; `--soft-fail` wins over it, as over errors (checkov's
/// order): the exit is 0 and the summary names the warnings it overrode.
#[test]
fn soft_fail_wins_over_strict() {
    let strict = check(&fixture("sg_ssh_open"), &["--strict", "--soft-fail"]);
    assert_eq!(strict.status.code(), Some(0));
    let text = String::from_utf8_lossy(&strict.stdout);
    assert!(
        text.contains("(--strict: warnings fail); 1 guardrail warning overridden by --soft-fail."),
        "{text}"
    );
}
