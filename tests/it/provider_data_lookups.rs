//! The data sources of the data tier's neighbourhood (issue #18): `aws_db_subnet_group`,
//! `aws_elasticache_replication_group`, `aws_secretsmanager_secret` and
//! `aws_secretsmanager_secret_version`, read through a real apply of objects made with the
//! SDK, their outputs checked against what the SDK's describe calls answer; a missing object is
//! an error located at its data block; a secret's value is in no output, plan or log.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::workdir;
use crate::support::Workdir;
use serde_json::Value as Json;

fn outputs(w: &Workdir) -> Json {
    let out = w.expect(0, &["output", "--json"]).stdout;
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn sorted(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v
}

fn strings(v: &Json) -> Vec<String> {
    sorted(
        v.as_array()
            .unwrap_or_else(|| panic!("not a list: {v}"))
            .iter()
            .map(|s| s.as_str().unwrap().to_string()),
    )
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> String {
    t.unwrap()
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap()
}

const GROUPS: &str = r#"
data "aws_db_subnet_group" "db" {
  name = "lookup-subnets"
}

data "aws_elasticache_replication_group" "cache" {
  replication_group_id = "lookup-redis"
}

output "db" { value = data.aws_db_subnet_group.db }
output "cache" { value = data.aws_elasticache_replication_group.cache }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn subnet_group_and_replication_group_data_sources_read_what_aws_describes() {
    let w = workdir(&[("main.tf", GROUPS)]);
    let rds = w.account.rds(DEFAULT_REGION).await;
    let ec = w.account.elasticache(DEFAULT_REGION).await;
    let ec2 = w.account.ec2(DEFAULT_REGION).await;
    let (vpc, subnets) = crate::provider_rds::default_subnets(&ec2).await;

    // Not there yet: the look-up fails at its block, naming what it looked for.
    let missing = w.expect(1, &["plan"]);
    assert!(
        missing
            .stderr
            .contains("no DB subnet group \"lookup-subnets\" found")
            && missing.stderr.contains("main.tf:2:"),
        "{}",
        missing.stderr
    );
    assert!(
        missing
            .stderr
            .contains("no ElastiCache replication group \"lookup-redis\" found")
            && missing.stderr.contains("main.tf:6:"),
        "{}",
        missing.stderr
    );

    rds.create_db_subnet_group()
        .db_subnet_group_name("lookup-subnets")
        .db_subnet_group_description("for the look-up")
        .subnet_ids(&subnets[0])
        .subnet_ids(&subnets[1])
        .send()
        .await
        .unwrap();
    ec.create_replication_group()
        .replication_group_id("lookup-redis")
        .replication_group_description("looked-up cache")
        .engine("redis")
        .cache_node_type("cache.t4g.micro")
        .num_cache_clusters(2)
        .automatic_failover_enabled(true)
        .snapshot_retention_limit(3)
        .snapshot_window("03:00-04:00")
        .send()
        .await
        .unwrap();

    w.expect(0, &["apply", "--auto-approve"]);
    let out = outputs(&w);

    let group = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("lookup-subnets")
        .send()
        .await
        .unwrap()
        .db_subnet_groups()[0]
        .clone();
    let db = &out["db"]["value"];
    assert_eq!(db["id"], "lookup-subnets");
    assert_eq!(db["arn"], group.db_subnet_group_arn().unwrap());
    assert_eq!(db["description"], "for the look-up");
    assert_eq!(db["vpc_id"], vpc.as_str());
    assert_eq!(db["status"], group.subnet_group_status().unwrap());
    assert_eq!(
        strings(&db["subnet_ids"]),
        sorted(subnets[..2].iter().cloned())
    );
    assert_eq!(
        strings(&db["supported_network_types"]),
        sorted(
            group
                .supported_network_types()
                .iter()
                .map(|s| s.to_string())
        )
    );

    let g = ec
        .describe_replication_groups()
        .replication_group_id("lookup-redis")
        .send()
        .await
        .unwrap()
        .replication_groups()[0]
        .clone();
    let cache = &out["cache"]["value"];
    let first = &g.node_groups()[0];
    assert_eq!(cache["id"], "lookup-redis");
    assert_eq!(cache["arn"], g.arn().unwrap());
    assert_eq!(cache["description"], "looked-up cache");
    assert_eq!(cache["node_type"], "cache.t4g.micro");
    assert_eq!(cache["num_cache_clusters"], 2);
    assert_eq!(cache["num_node_groups"], g.node_groups().len());
    assert_eq!(
        cache["replicas_per_node_group"],
        first.node_group_members().len() - 1
    );
    assert_eq!(
        strings(&cache["member_clusters"]),
        sorted(g.member_clusters().iter().cloned())
    );
    assert_eq!(
        cache["primary_endpoint_address"],
        first.primary_endpoint().unwrap().address().unwrap()
    );
    assert_eq!(
        cache["reader_endpoint_address"],
        first.reader_endpoint().unwrap().address().unwrap()
    );
    assert_eq!(
        cache["port"],
        first.primary_endpoint().unwrap().port().unwrap()
    );
    assert_eq!(cache["automatic_failover_enabled"], true);
    assert_eq!(
        cache["multi_az_enabled"],
        g.multi_az().is_some_and(|m| m.as_str() == "enabled")
    );
    assert_eq!(
        cache["auth_token_enabled"],
        g.auth_token_enabled().unwrap_or(false)
    );
    assert_eq!(cache["snapshot_retention_limit"], 3);
    assert_eq!(cache["snapshot_window"], "03:00-04:00");
    assert_eq!(cache["configuration_endpoint_address"], Json::Null);
    assert_eq!(
        cache["cluster_mode"],
        g.cluster_mode().map_or(Json::Null, |m| m.as_str().into())
    );
    assert_eq!(cache["log_delivery_configuration"], serde_json::json!([]));
}

const SECRET_VALUE: &str = "s3cr3t-value-from-secrets-manager-7Qx";
const PENDING_VALUE: &str = "pending-value-from-secrets-manager-9Zy";

const SECRETS: &str = r#"
variable "arn" {
  type = string
}

variable "first_version" {
  type = string
}

data "aws_secretsmanager_secret" "by_name" {
  name = "lookup/app"
}

data "aws_secretsmanager_secret" "by_arn" {
  arn = var.arn
}

data "aws_secretsmanager_secret_version" "current" {
  secret_id = data.aws_secretsmanager_secret.by_name.arn
}

data "aws_secretsmanager_secret_version" "pending" {
  secret_id     = "lookup/app"
  version_stage = "AWSPENDING"
}

data "aws_secretsmanager_secret_version" "first" {
  secret_id  = "lookup/app"
  version_id = var.first_version
}

output "by_name" { value = data.aws_secretsmanager_secret.by_name }
output "by_arn_name" { value = data.aws_secretsmanager_secret.by_arn.name }
output "current_version" { value = data.aws_secretsmanager_secret_version.current.version_id }
output "current_stages" { value = data.aws_secretsmanager_secret_version.current.version_stages }
output "current_id" { value = data.aws_secretsmanager_secret_version.current.id }
output "current_created" { value = data.aws_secretsmanager_secret_version.current.created_date }
output "pending_version" { value = data.aws_secretsmanager_secret_version.pending.version_id }
output "first_stages" { value = data.aws_secretsmanager_secret_version.first.version_stages }

output "current" {
  value     = data.aws_secretsmanager_secret_version.current.secret_string
  sensitive = true
}

output "pending" {
  value     = data.aws_secretsmanager_secret_version.pending.secret_string
  sensitive = true
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn secret_data_sources_read_metadata_and_values_and_never_show_a_value() {
    let mut w = workdir(&[("main.tf", SECRETS)]);
    let sm = w.account.secretsmanager(DEFAULT_REGION).await;
    let created = sm
        .create_secret()
        .name("lookup/app")
        .description("app credentials")
        .secret_string(SECRET_VALUE)
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("team")
                .value("orders")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_string();
    let first_version = created.version_id().unwrap().to_string();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    sm.put_resource_policy()
        .secret_id(&arn)
        .resource_policy(policy)
        .send()
        .await
        .unwrap();
    let pending = sm
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(PENDING_VALUE)
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    w.env.push(("STRATA_VAR_arn".into(), arn.clone()));
    w.env
        .push(("STRATA_VAR_first_version".into(), first_version.clone()));

    let applied = w.expect(0, &["apply", "--auto-approve"]);
    let out = outputs(&w);
    let described = sm.describe_secret().secret_id(&arn).send().await.unwrap();
    let by_name = &out["by_name"]["value"];
    assert_eq!(by_name["id"], arn.as_str());
    assert_eq!(by_name["arn"], arn.as_str());
    assert_eq!(by_name["name"], "lookup/app");
    assert_eq!(by_name["description"], "app credentials");
    assert_eq!(
        by_name["kms_key_id"],
        described.kms_key_id().map_or(Json::Null, Json::from)
    );
    assert_eq!(by_name["tags"], serde_json::json!({"team": "orders"}));
    let got_policy = sm
        .get_resource_policy()
        .secret_id(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(by_name["policy"], got_policy.resource_policy().unwrap());
    assert_eq!(by_name["created_date"], time(described.created_date()));
    assert_eq!(
        by_name["last_changed_date"],
        time(described.last_changed_date())
    );
    assert_eq!(out["by_arn_name"]["value"], "lookup/app");

    let current = sm.get_secret_value().secret_id(&arn).send().await.unwrap();
    assert_eq!(out["current_version"]["value"], first_version.as_str());
    assert_eq!(
        strings(&out["current_stages"]["value"]),
        sorted(current.version_stages().iter().cloned())
    );
    assert_eq!(
        out["current_id"]["value"],
        format!("{arn}|AWSCURRENT").as_str()
    );
    assert_eq!(
        out["current_created"]["value"],
        time(current.created_date())
    );
    assert_eq!(
        out["pending_version"]["value"],
        pending.version_id().unwrap()
    );
    assert_eq!(
        strings(&out["first_stages"]["value"]),
        ["AWSCURRENT".to_string()]
    );
    // The values, asked for on purpose.
    assert_eq!(
        w.expect(0, &["output", "--raw", "current"]).stdout.trim(),
        SECRET_VALUE
    );
    assert_eq!(
        w.expect(0, &["output", "--raw", "pending"]).stdout.trim(),
        PENDING_VALUE
    );

    // Nowhere else: not in the apply, a plan (text, JSON, Markdown), the shown state, the
    // outputs' JSON, or a trace log.
    let mut shown = vec![applied.both(), serde_json::to_string(&out).unwrap()];
    for args in [
        &["plan"][..],
        &["plan", "--json"],
        &["plan", "--markdown"],
        &["show"],
        &["show", "--json"],
    ] {
        shown.push(w.expect(0, args).both());
    }
    let mut traced = w.command(&["plan"]);
    traced.env("STRATA_LOG", "trace");
    let traced = traced.output().unwrap();
    assert_eq!(traced.status.code(), Some(0));
    let log = String::from_utf8_lossy(&traced.stderr).into_owned();
    // The log covers the reads of the values (else it would prove nothing).
    assert!(log.contains("GetSecretValue"), "{log}");
    shown.push(log);
    for text in &shown {
        for secret in [SECRET_VALUE, PENDING_VALUE] {
            assert!(!text.contains(secret), "{secret} shown:\n{text}");
        }
    }
}

#[test]
fn a_missing_secret_or_version_is_an_error_at_its_block() {
    let w = workdir(&[(
        "main.tf",
        r#"
data "aws_secretsmanager_secret" "gone" {
  name = "lookup/none"
}

data "aws_secretsmanager_secret_version" "gone" {
  secret_id = "lookup/none"
}
"#,
    )]);
    let run = w.expect(1, &["plan"]);
    for wanted in [
        "no secret \"lookup/none\" found",
        "main.tf:2:",
        "no version \"AWSCURRENT\" of secret \"lookup/none\" found",
        "main.tf:6:",
    ] {
        assert!(run.stderr.contains(wanted), "{wanted}:\n{}", run.stderr);
    }
}

/// The provider's ExactlyOneOf: a secret is looked up by its ARN or its name, not both.
#[test]
fn a_secret_is_looked_up_by_arn_or_name_not_both() {
    let w = workdir(&[(
        "main.tf",
        "data \"aws_secretsmanager_secret\" \"both\" {\n  arn  = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:x\"\n  name = \"x\"\n}\n",
    )]);
    let run = w.expect(1, &["validate"]);
    assert!(
        run.stderr
            .contains("exactly one of \"arn\" or \"name\" must be set")
            && run.stderr.contains("main.tf:"),
        "{}",
        run.stderr
    );
}
