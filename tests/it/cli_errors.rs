//! Errors that blame the right thing: credentials (missing, expired) checked once before
//! planning, an unknown region at the provider's `region` argument, an endpoint that refuses
//! connections named at once, an AWS failure during apply at its resource's `file:line`; a
//! closed pipe that stops nothing; and logs with the SDK's own events and no secret.

use crate::support::{Workdir, PASSWORD};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Instant;

/// `strata ARGS` with the account's credentials taken away and no profile to fall back on.
fn without_credentials(w: &Workdir, args: &[&str]) -> crate::support::Run {
    let out = w
        .command(args)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .unwrap();
    crate::support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_credentials_are_one_error_before_planning_naming_the_chain() {
    let w = Workdir::webapp();
    let run = without_credentials(&w, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("Error: No AWS credentials found\n"),
        "{}",
        run.stderr
    );
    // What was tried, and what to set.
    for tried in [
        "Environment",
        "Profile",
        "WebIdentityToken",
        "EcsContainer",
        "Ec2InstanceMetadata",
    ] {
        assert!(run.stderr.contains(tried), "{tried}: {}", run.stderr);
    }
    assert!(
        run.stderr.contains("set AWS_PROFILE") && run.stderr.contains("AWS_ACCESS_KEY_ID"),
        "{}",
        run.stderr
    );
    // Not pinned on the first data source, and said once.
    assert!(!run.stderr.contains("data.aws_vpc"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("Error:").count(), 1, "{}", run.stderr);

    // A plan with nothing to read yet (no state, no data source) is refused all the same:
    // never a plan that succeeds and an apply that fails for it.
    std::fs::write(
        w.dir().join("main.tf"),
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\nresource \"aws_security_group\" \"a\" {\n  name = \"a\"\n}\n",
    )
    .unwrap();
    let run = without_credentials(&w, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains("No AWS credentials found"),
        "{}",
        run.stderr
    );
    // With them, the same plan works.
    w.expect(0, &["plan"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_credentials_say_when_they_expired() {
    let w = Workdir::webapp();
    let dir = tempfile::tempdir().unwrap();
    let process = dir.path().join("creds.sh");
    std::fs::write(
        &process,
        "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIAEXPIRED\",\"SecretAccessKey\":\"not-a-secret\",\"SessionToken\":\"t\",\"Expiration\":\"2020-01-01T00:00:00Z\"}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&process, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!("[profile ci]\ncredential_process = {}\n", process.display()),
    )
    .unwrap();
    let out = w
        .command(&["plan"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_PROFILE", "ci")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("Error: The AWS credentials have expired\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expired at 2020-01-01T00:00:00Z"),
        "{stderr}"
    );
    assert!(stderr.contains("the profile \"ci\""), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_region_is_an_error_at_the_region_argument_with_near_matches() {
    let w = Workdir::webapp();
    let run = w.expect(1, &["plan", "-var", "region=eu-wst-1"]);
    assert!(
        run.stderr
            .starts_with("Error: Unknown AWS region \"eu-wst-1\"\n  --> main.tf:10:12\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("10 |   region = var.region"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("= help: did you mean eu-west-1"),
        "{}",
        run.stderr
    );
    // The same written as a literal in a module's own provider block.
    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "  region = var.region\n",
        "  region = \"us-est-1\"\n",
    );
    let run = w.expect(1, &["plan"]);
    assert!(
        run.stderr.contains("Unknown AWS region \"us-est-1\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean us-east-1"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_refuses_connections_is_named_at_once() {
    let w = Workdir::webapp();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let t0 = Instant::now();
    let out = w
        .command(&["plan"])
        .env("AWS_ENDPOINT_URL", &url)
        .output()
        .unwrap();
    let took = t0.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("Error: Cannot reach {url}\n")),
        "{stderr}"
    );
    assert!(
        stderr.contains("the endpoint comes from AWS_ENDPOINT_URL"),
        "{stderr}"
    );
    assert!(!stderr.contains("check the data source"), "{stderr}");
    eprintln!("an endpoint refusing connections failed the plan in {took:?}");

    // From a provider's endpoints {} block, the block is named.
    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "  region = var.region\n",
        &format!("  region = var.region\n  endpoints {{\n    rds = \"{url}\"\n  }}\n"),
    );
    let run = w.expect(1, &["plan"]);
    assert!(
        run.stderr.contains(&format!("Cannot reach {url}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the endpoints { rds } of the aws provider"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aws_failure_during_apply_names_the_resources_file_and_line() {
    let w = Workdir::webapp();
    // A second group with the module's web group's name: AWS refuses one of the two.
    std::fs::write(
        w.dir().join("clash.tf"),
        "\n\nresource \"aws_security_group\" \"clash\" {\n  name   = \"webapp-webserver\"\n  vpc_id = data.aws_vpc.default.id\n}\n",
    )
    .unwrap();
    let run = w.expect(1, &["apply", "-auto-approve"]);
    let located = run.stderr.contains("--> clash.tf:3:1")
        || run
            .stderr
            .contains("--> ../../modules/web-db-stack/main.tf:22:1");
    assert!(located, "{}", run.stderr);
    assert!(
        run.stderr.contains("InvalidGroup.Duplicate"),
        "{}",
        run.stderr
    );
}

/// `strata apply | head -1`: the reader goes away after one line; the apply goes on to the
/// end, saves the state, and never panics.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_never_panics_and_never_loses_state() {
    let w = Workdir::webapp();
    let mut child = w
        .command(&["apply", "-auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe is closed, as `head -1` closes it.
    assert!(!first.is_empty());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "{stderr}"
    );
    // Everything is in AWS and in the state: the next plan has nothing to do.
    let rds = w.account.rds("us-east-1").await;
    let dbs = rds.describe_db_instances().send().await.unwrap();
    assert_eq!(dbs.db_instances().len(), 1);
    let list = w.expect(0, &["state", "list"]);
    assert_eq!(
        list.stdout
            .lines()
            .filter(|l| l.contains("module.stack"))
            .count(),
        4,
        "{}",
        list.stdout
    );
    w.expect(0, &["plan", "-detailed-exitcode"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_carry_the_sdks_events_and_no_secret() {
    let w = Workdir::webapp();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("strata.log");
    let out = w
        .command(&["apply", "-auto-approve"])
        .env("STRATA_LOG", "trace")
        .env("STRATA_LOG_PATH", &log)
        // The SDK logs even the bodies it would redact.
        .env("LOG_SENSITIVE_BODIES", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("strata starting"), "strata's own events");
    assert!(text.contains("aws_smithy_runtime"), "the SDK's own events");
    assert!(text.contains("CreateDBInstance"), "the calls of the apply");
    assert!(!text.contains(PASSWORD), "the password is in the log");
    // Terraform's names work too; and nothing is logged without them.
    let tf_log = dir.path().join("tf.log");
    let out = w
        .command(&["plan"])
        .env("TF_LOG", "DEBUG")
        .env("TF_LOG_PATH", &tf_log)
        .output()
        .unwrap();
    assert!(out.status.success());
    let debug = std::fs::read_to_string(&tf_log).unwrap();
    assert!(
        debug.contains(" DEBUG ") && !debug.contains(" TRACE "),
        "{debug}"
    );
    assert!(!debug.contains(PASSWORD));
    let quiet = w.expect(0, &["plan"]);
    assert!(!quiet.stderr.contains("strata starting"));
    w.assert_no_secret_leaked();
}
