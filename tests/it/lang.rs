//! The language core through the `strata` binary: one fixture directory per construct that
//! `strata validate` accepts, and one per error class whose rendered diagnostics are pinned as
//! insta snapshots (file:line:col, the source line with carets, and what to do).
//! No emulator is needed: validate never talks to AWS.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lang")
}

/// Runs the built binary in `dir` with colours off and no ambient AWS/Terraform settings.
pub fn strata(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("TF_WORKSPACE")
        .env_remove("STRATA_WORKSPACE")
        .output()
        .expect("the strata binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn validate_ok(case: &str) {
    let dir = fixtures().join(case);
    let out = strata(&dir, &["validate"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{case}: validate should accept the fixture\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("Success! The configuration is valid."),
        "{case}: {stdout}"
    );
    assert!(
        !stderr.contains("Error"),
        "{case}: unexpected stderr:\n{stderr}"
    );
}

/// Runs validate on an error fixture, checks the exit code and the shape of every diagnostic,
/// and returns stderr for the snapshot.
fn validate_err(case: &str) -> String {
    let dir = fixtures().join(case);
    let out = strata(&dir, &["validate"]);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{case}: validate should fail\nstdout:\n{}\nstderr:\n{stderr}",
        text(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "{case}: nothing on stdout: {}",
        text(&out.stdout)
    );
    assert!(
        !stderr.contains("internal error"),
        "{case}: strata panicked:\n{stderr}"
    );
    let errors: Vec<&str> = stderr
        .split("Error: ")
        .skip(1)
        .filter(|d| !d.starts_with("strata validate"))
        .collect();
    assert!(!errors.is_empty(), "{case}: no diagnostic:\n{stderr}");
    for d in &errors {
        // Every error names file:line:col, shows the line with carets, and says what to do.
        assert!(
            d.contains(" --> ") && d.contains(".tf:"),
            "{case}: no location in\n{d}"
        );
        assert!(
            d.contains(" | ") && d.contains('^'),
            "{case}: no caret in\n{d}"
        );
        assert!(d.contains("= help: "), "{case}: no help in\n{d}");
    }
    let summary = format!(
        "strata validate: {} error{}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    assert!(
        stderr.contains(&summary),
        "{case}: expected `{summary}`:\n{stderr}"
    );
    stderr
}

macro_rules! valid {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            validate_ok(stringify!($name));
        }
    )*};
}

macro_rules! invalid {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let stderr = validate_err(stringify!($name));
            insta::assert_snapshot!(stringify!($name), stderr);
        }
    )*};
}

mod accepts {
    use super::validate_ok;
    valid!(
        variables,
        locals,
        outputs,
        count,
        for_each_map,
        for_each_set,
        dynamic_blocks,
        modules,
        templates,
        expressions,
        moved_import,
        provider_aliases,
    );

    #[test]
    fn the_example_and_the_seed_module() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["examples/webapp", "modules/web-db-stack"] {
            let out = super::strata(&root.join(dir), &["validate"]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{dir}: {}",
                super::text(&out.stderr)
            );
        }
    }
}

mod rejects {
    use super::validate_err;
    invalid!(
        err_syntax,
        err_unknown_block,
        err_unknown_argument,
        err_missing_required,
        err_wrong_type,
        err_undeclared_variable,
        err_undeclared_local,
        err_undeclared_resource,
        err_unsupported_resource_type,
        err_duplicate_resource,
        err_count_and_for_each,
        err_invalid_for_each,
        err_bad_module_source,
        err_cycle,
        err_sensitive_output,
        err_several,
    );
}

#[test]
fn several_independent_errors_are_all_reported_in_one_run() {
    let out = strata(&fixtures().join("err_several"), &["validate"]);
    let stderr = text(&out.stderr);
    for expected in [
        "var.missing",
        "descrption",
        "aws_s3_bucket",
        "subnet_ids",
        "local.nothing",
        "--> main.tf:2:",
        "--> main.tf:3:",
        "--> main.tf:6:",
        "--> main.tf:10:",
        "--> other.tf:2:",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in\n{stderr}"
        );
    }
    assert!(stderr.contains("strata validate: 5 errors"), "{stderr}");
}

#[test]
fn unknown_argument_suggests_the_nearest_name() {
    let stderr = text(&strata(&fixtures().join("err_unknown_argument"), &["validate"]).stderr);
    assert!(
        stderr.contains("did you mean \"instance_class\"?"),
        "{stderr}"
    );
}

#[test]
fn unsupported_resource_type_lists_the_supported_ones() {
    let stderr = text(
        &strata(
            &fixtures().join("err_unsupported_resource_type"),
            &["validate"],
        )
        .stderr,
    );
    for t in [
        "aws_db_instance",
        "aws_db_subnet_group",
        "aws_security_group",
    ] {
        assert!(stderr.contains(t), "{t} not listed:\n{stderr}");
    }
}

#[test]
fn validate_json_reports_the_same_errors() {
    let out = strata(&fixtures().join("err_several"), &["validate", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["valid"], false);
    assert_eq!(json["error_count"], 5);
    for d in json["diagnostics"].as_array().unwrap() {
        assert_eq!(d["severity"], "error");
        assert!(d["range"]["filename"].is_string(), "no range: {d}");
        assert!(d["range"]["start"]["line"].as_u64().unwrap() >= 1);
    }
}
