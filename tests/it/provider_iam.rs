//! The IAM types against the emulator: the trait methods are called directly, and every
//! effect is checked through a separate IAM client.

use std::collections::BTreeMap;

use aws_sdk_iam::error::ProvideErrorMetadata;
use strata::eval::Value;
use strata::provider::{data_source_type, obj, resource_type, ResourceType};

use crate::emulator::{api_calls, Emulator, DEFAULT_REGION};
use crate::support::{plan_create, plan_update};

const REGION: &str = DEFAULT_REGION;

/// RDS enhanced monitoring's trust policy, as `jsonencode` writes it.
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The same policy, spelled otherwise: another key order, whitespace, one-item lists.
const TRUST_RESPELLED: &str = r#"{ "Statement": [ { "Action": ["sts:AssumeRole"],
    "Principal": { "Service": ["monitoring.rds.amazonaws.com"] }, "Effect": "Allow" } ],
    "Version": "2012-10-17" }"#;

/// A permissions policy.
const PERMISSIONS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"*"}]}"#;

const ENHANCED_MONITORING: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";

pub fn rt(name: &str) -> &'static dyn ResourceType {
    resource_type(name).unwrap_or_else(|| panic!("{name} is registered"))
}

pub fn config(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    obj::map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn btree(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn decoded(doc: Option<&str>) -> serde_json::Value {
    let doc = percent_encoding::percent_decode_str(doc.unwrap()).decode_utf8_lossy();
    serde_json::from_str(&doc).unwrap()
}

async fn role_tags(iam: &aws_sdk_iam::Client, name: &str) -> BTreeMap<String, String> {
    let out = iam.list_role_tags().role_name(name).send().await.unwrap();
    out.tags()
        .iter()
        .map(|t| (t.key().into(), t.value().into()))
        .collect()
}

/// `read`'s answer with `force_detach_policies`, which AWS never returns.
fn with_virtual(mut read: Value, state: &Value) -> Value {
    obj::keep_from(&mut read, state, &["force_detach_policies"]);
    read
}

/// A role made by strata with the monitoring trust policy.
pub async fn monitoring_role(ctx: &strata::provider::Ctx, name: &str) -> Value {
    let role = rt("aws_iam_role");
    let planned = plan_create(
        role,
        &config(vec![
            ("name", Value::from(name)),
            ("assume_role_policy", Value::from(TRUST)),
        ]),
    );
    role.create(ctx, &planned).await.unwrap()
}

#[tokio::test]
async fn iam_role_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let iam = account.iam().await;
    let role = rt("aws_iam_role");

    let planned = plan_create(
        role,
        &config(vec![
            ("name", Value::from("rds-monitoring")),
            ("assume_role_policy", Value::from(TRUST_RESPELLED)),
            ("description", Value::from("enhanced monitoring")),
            ("max_session_duration", Value::from(7200)),
            ("path", Value::from("/service/")),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let state = role.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "id"), Some("rds-monitoring"));
    // The document as configured, not as IAM spells it.
    assert_eq!(
        obj::str(&state, "assume_role_policy"),
        Some(TRUST_RESPELLED)
    );
    assert_eq!(state.get("region"), None, "IAM is global");
    let arn = obj::string(&state, "arn").unwrap();
    assert!(arn.ends_with(":role/service/rds-monitoring"), "{arn}");
    let got = iam
        .get_role()
        .role_name("rds-monitoring")
        .send()
        .await
        .unwrap();
    let r = got.role().unwrap();
    assert_eq!(r.description(), Some("enhanced monitoring"));
    assert_eq!(r.max_session_duration(), Some(7200));
    assert_eq!(r.path(), "/service/");
    assert_eq!(obj::str(&state, "unique_id"), Some(r.role_id()));
    let sent = decoded(r.assume_role_policy_document());
    assert_eq!(
        sent,
        serde_json::from_str::<serde_json::Value>(TRUST_RESPELLED).unwrap()
    );
    assert_eq!(
        role_tags(&iam, "rds-monitoring").await,
        btree(&[("env", "test")])
    );

    // One batch: present and missing names; the missing one is simply absent.
    let read = role
        .read(&ctx, &["rds-monitoring".into(), "not-there".into()])
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    let refreshed = with_virtual(read["rds-monitoring"].clone(), &state);
    // An equivalent document plans as no change.
    let again = plan_update(
        role,
        &refreshed,
        vec![("assume_role_policy", Value::from(TRUST))],
    );
    assert_eq!(
        again.get("assume_role_policy"),
        refreshed.get("assume_role_policy")
    );

    // In place: trust policy, description, session length, boundary, tags.
    let trust_ec2 = TRUST.replace("monitoring.rds", "ec2");
    let boundary = "arn:aws:iam::aws:policy/PowerUserAccess";
    let planned = plan_update(
        role,
        &state,
        vec![
            ("assume_role_policy", Value::from(trust_ec2.as_str())),
            ("description", Value::from("monitoring")),
            ("max_session_duration", Value::from(3600)),
            ("permissions_boundary", Value::from(boundary)),
            ("tags", tags(&[("env", "prod"), ("team", "data")])),
        ],
    );
    let updated = role.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(
        obj::str(&updated, "assume_role_policy"),
        Some(trust_ec2.as_str())
    );
    let got = iam
        .get_role()
        .role_name("rds-monitoring")
        .send()
        .await
        .unwrap();
    let r = got.role().unwrap();
    assert_eq!(r.description(), Some("monitoring"));
    assert_eq!(r.max_session_duration(), Some(3600));
    let b = r
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn());
    assert_eq!(b, Some(boundary));
    let sent = decoded(r.assume_role_policy_document());
    assert_eq!(
        sent,
        serde_json::from_str::<serde_json::Value>(&trust_ec2).unwrap()
    );
    let want = btree(&[("env", "prod"), ("team", "data")]);
    assert_eq!(role_tags(&iam, "rds-monitoring").await, want);

    let imported = role.import(&ctx, "rds-monitoring").await.unwrap().unwrap();
    assert_eq!(with_virtual(imported, &updated), updated);

    // The data source reads what the resource holds.
    let ds = data_source_type("aws_iam_role").expect("data source aws_iam_role");
    let found = ds
        .read(&ctx, &config(vec![("name", Value::from("rds-monitoring"))]))
        .await
        .unwrap();
    assert_eq!(found.get("arn"), updated.get("arn"));
    assert_eq!(found.get("tags"), updated.get("tags"));
    assert_eq!(found.get("max_session_duration"), Some(&Value::from(3600)));
    let missing = ds
        .read(&ctx, &config(vec![("name", Value::from("no-such-role"))]))
        .await;
    assert!(missing.unwrap_err().message.contains("no-such-role"));

    role.delete(&ctx, &updated).await.unwrap();
    let gone = iam.get_role().role_name("rds-monitoring").send().await;
    assert_eq!(gone.unwrap_err().code(), Some("NoSuchEntity"));
    role.delete(&ctx, &updated).await.unwrap();
    assert!(role.import(&ctx, "rds-monitoring").await.unwrap().is_none());
}

/// `force_detach_policies`: a role with policies attached and written outside strata is
/// emptied, then deleted; a generated name keeps its prefix.
#[tokio::test]
async fn iam_role_force_detach_policies() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let iam = account.iam().await;
    let role = rt("aws_iam_role");
    let planned = plan_create(
        role,
        &config(vec![
            ("name_prefix", Value::from("monitor-")),
            ("assume_role_policy", Value::from(TRUST)),
            ("force_detach_policies", Value::from(true)),
        ]),
    );
    let state = role.create(&ctx, &planned).await.unwrap();
    let name = obj::string(&state, "name").unwrap();
    assert!(name.starts_with("monitor-"), "{name}");
    assert_eq!(obj::str(&state, "name_prefix"), Some("monitor-"));
    let call = iam.attach_role_policy().role_name(&name);
    call.policy_arn(ENHANCED_MONITORING).send().await.unwrap();
    let call = iam.put_role_policy().role_name(&name).policy_name("inline");
    call.policy_document(PERMISSIONS).send().await.unwrap();

    role.delete(&ctx, &state).await.unwrap();
    let gone = iam.get_role().role_name(&name).send().await;
    assert_eq!(gone.unwrap_err().code(), Some("NoSuchEntity"));
}

/// IAM has no batch read of roles with all their attributes: a refresh of N roles is N
/// GetRole calls (as terraform-provider-aws), and nothing else: tags come with the role.
#[tokio::test]
async fn iam_roles_are_refreshed_with_one_get_role_each() {
    let account = Emulator::shared().account();
    let role = rt("aws_iam_role");
    let ctx = account.provider_ctx(REGION).await;
    let mut names = Vec::new();
    for i in 0..5 {
        let name = format!("batch-{i}");
        let planned = plan_create(
            role,
            &config(vec![
                ("name", Value::from(name.as_str())),
                ("assume_role_policy", Value::from(TRUST)),
                ("tags", tags(&[("n", &i.to_string())])),
            ]),
        );
        role.create(&ctx, &planned).await.unwrap();
        names.push(name);
    }
    let ctx = account.provider_ctx(REGION).await;
    let read = role.read(&ctx, &names).await.unwrap();
    assert_eq!(read.len(), 5);
    for (i, name) in names.iter().enumerate() {
        let want = btree(&[("n", &i.to_string())]);
        assert_eq!(obj::string_map(&read[name], "tags"), want);
    }
    assert_eq!(api_calls(&ctx, "GetRole"), 5);
    assert_eq!(ctx.aws.api_calls.total(), 5);
    for state in read.values() {
        role.delete(&ctx, state).await.unwrap();
    }
}

#[tokio::test]
async fn iam_role_policy_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let iam = account.iam().await;
    let rp = rt("aws_iam_role_policy");
    let role = monitoring_role(&ctx, "with-inline").await;

    let planned = plan_create(
        rp,
        &config(vec![
            ("role", Value::from("with-inline")),
            ("name_prefix", Value::from("logs-")),
            ("policy", Value::from(PERMISSIONS)),
        ]),
    );
    let name = obj::string(&planned, "name").unwrap();
    let id = format!("with-inline:{name}");
    assert_eq!(obj::str(&planned, "id"), Some(id.as_str()));
    let state = rp.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "id"), Some(id.as_str()));
    assert_eq!(obj::str(&state, "name_prefix"), Some("logs-"));
    let got = iam
        .get_role_policy()
        .role_name("with-inline")
        .policy_name(&name);
    let got = got.send().await.unwrap();
    let want: serde_json::Value = serde_json::from_str(PERMISSIONS).unwrap();
    assert_eq!(decoded(Some(got.policy_document())), want);

    let missing = "with-inline:not-there".to_string();
    let read = rp.read(&ctx, &[id.clone(), missing]).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[&id], state);

    let wider = PERMISSIONS.replace("\"logs:CreateLogGroup\"", "[\"logs:*\"]");
    let planned = plan_update(rp, &state, vec![("policy", Value::from(wider.as_str()))]);
    let updated = rp.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(obj::str(&updated, "policy"), Some(wider.as_str()));
    let got = iam
        .get_role_policy()
        .role_name("with-inline")
        .policy_name(&name);
    let got = got.send().await.unwrap();
    let want: serde_json::Value = serde_json::from_str(&wider).unwrap();
    assert_eq!(decoded(Some(got.policy_document())), want);
    assert_eq!(rp.import(&ctx, &id).await.unwrap().as_ref(), Some(&updated));
    // An id that is not ROLE:NAME is a clear error, not a missing object.
    let bad = rp.import(&ctx, "no-colon").await.unwrap_err();
    assert!(bad.message.contains("ROLE:NAME"), "{}", bad.message);

    rp.delete(&ctx, &updated).await.unwrap();
    let gone = iam
        .get_role_policy()
        .role_name("with-inline")
        .policy_name(&name);
    assert_eq!(gone.send().await.unwrap_err().code(), Some("NoSuchEntity"));
    rp.delete(&ctx, &updated).await.unwrap();
    rt("aws_iam_role").delete(&ctx, &role).await.unwrap();
}

/// Attachments: read back through ListAttachedRolePolicies, imported by `ROLE/POLICY_ARN`; a
/// refresh of several attachments of one role lists that role's policies once.
#[tokio::test]
async fn iam_role_policy_attachments_attach_refresh_and_detach() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let iam = account.iam().await;
    let att = rt("aws_iam_role_policy_attachment");
    let role = monitoring_role(&ctx, "with-managed").await;
    let arns = [
        ENHANCED_MONITORING,
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/PowerUserAccess",
    ];
    let mut states = Vec::new();
    for arn in arns {
        let planned = plan_create(
            att,
            &config(vec![
                ("role", Value::from("with-managed")),
                ("policy_arn", Value::from(arn)),
            ]),
        );
        let state = att.create(&ctx, &planned).await.unwrap();
        assert_eq!(
            obj::string(&state, "id"),
            Some(format!("with-managed/{arn}"))
        );
        states.push(state);
    }
    let listed = iam.list_attached_role_policies().role_name("with-managed");
    let listed = listed.send().await.unwrap();
    let mut got: Vec<&str> = listed
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    got.sort();
    let mut want = arns.to_vec();
    want.sort();
    assert_eq!(got, want);

    let ctx = account.provider_ctx(REGION).await;
    let mut ids: Vec<String> = states
        .iter()
        .map(|s| obj::string(s, "id").unwrap())
        .collect();
    ids.push("with-managed/arn:aws:iam::aws:policy/AdministratorAccess".into());
    ids.push(format!("no-such-role/{ENHANCED_MONITORING}"));
    let read = att.read(&ctx, &ids).await.unwrap();
    assert_eq!(read.len(), 3);
    assert_eq!(read[&ids[0]], states[0]);
    // One listing per role asked about (here two roles, one missing).
    assert_eq!(api_calls(&ctx, "ListAttachedRolePolicies"), 2);
    assert_eq!(
        att.import(&ctx, &ids[1]).await.unwrap().as_ref(),
        Some(&states[1])
    );

    for state in &states {
        att.delete(&ctx, state).await.unwrap();
    }
    let listed = iam.list_attached_role_policies().role_name("with-managed");
    assert!(listed.send().await.unwrap().attached_policies().is_empty());
    att.delete(&ctx, &states[0]).await.unwrap();
    rt("aws_iam_role").delete(&ctx, &role).await.unwrap();
}

/// `aws_iam_policy`: a document change is a new default version, the oldest other version
/// deleted once IAM holds five; a refresh is GetPolicy and GetPolicyVersion per policy.
#[tokio::test]
async fn iam_policy_versions_tags_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let iam = account.iam().await;
    let pol = rt("aws_iam_policy");
    let planned = plan_create(
        pol,
        &config(vec![
            ("name", Value::from("rds-logs")),
            ("path", Value::from("/db/")),
            ("description", Value::from("log groups for RDS")),
            ("policy", Value::from(PERMISSIONS)),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let state = pol.create(&ctx, &planned).await.unwrap();
    let arn = obj::string(&state, "arn").unwrap();
    assert!(arn.ends_with(":policy/db/rds-logs"), "{arn}");
    assert_eq!(obj::str(&state, "id"), Some(arn.as_str()));
    assert_eq!(obj::str(&state, "policy"), Some(PERMISSIONS));
    let got = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    let p = got.policy().unwrap();
    assert_eq!(p.description(), Some("log groups for RDS"));
    assert_eq!(obj::str(&state, "policy_id"), p.policy_id());
    let tags_of = |t: &[aws_sdk_iam::types::Tag]| -> BTreeMap<String, String> {
        t.iter()
            .map(|t| (t.key().into(), t.value().into()))
            .collect()
    };
    assert_eq!(tags_of(p.tags()), btree(&[("env", "test")]));

    let missing = arn.replace("rds-logs", "not-there");
    let read = pol.read(&ctx, &[arn.clone(), missing]).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[&arn], state);

    // Six changes of the document: never more than five versions, the last one the default.
    let mut state = state;
    for i in 0..6 {
        let doc = PERMISSIONS.replace("logs:CreateLogGroup", &format!("logs:Action{i}"));
        let mut changes = vec![("policy", Value::from(doc.as_str()))];
        if i == 5 {
            changes.push(("tags", tags(&[("env", "prod")])));
        }
        let planned = plan_update(pol, &state, changes);
        state = pol.update(&ctx, &state, &planned).await.unwrap();
        assert_eq!(obj::str(&state, "policy"), Some(doc.as_str()));
    }
    let listed = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let versions = listed.versions();
    assert_eq!(versions.len(), 5);
    let default = versions.iter().find(|v| v.is_default_version()).unwrap();
    let doc = iam.get_policy_version().policy_arn(&arn);
    let doc = doc
        .version_id(default.version_id().unwrap())
        .send()
        .await
        .unwrap();
    let doc = doc.policy_version().and_then(|v| v.document());
    assert_eq!(decoded(doc)["Statement"][0]["Action"], "logs:Action5");
    let got = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(
        tags_of(got.policy().unwrap().tags()),
        btree(&[("env", "prod")])
    );

    let ctx = account.provider_ctx(REGION).await;
    assert_eq!(pol.import(&ctx, &arn).await.unwrap().as_ref(), Some(&state));
    assert_eq!(api_calls(&ctx, "GetPolicy"), 1);
    assert_eq!(api_calls(&ctx, "GetPolicyVersion"), 1);
    // A create whose answer was lost is found again by its name.
    let found = pol.find_by_natural_id(&ctx, "rds-logs").await.unwrap();
    assert_eq!(found.as_ref(), Some(&state));

    pol.delete(&ctx, &state).await.unwrap();
    let gone = iam.get_policy().policy_arn(&arn).send().await;
    assert_eq!(gone.unwrap_err().code(), Some("NoSuchEntity"));
    pol.delete(&ctx, &state).await.unwrap();
}

/// The enhanced-monitoring pattern of the public RDS modules, through the CLI: a role with a
/// `jsonencode` trust policy, its managed and inline policies and a log group are applied,
/// planned again with no change (the trust policy as IAM spells it is the configured one), and
/// destroyed.
#[tokio::test]
async fn monitoring_role_and_log_group_apply_replan_destroy() {
    let w = crate::lang_modules::workdir(&[(
        "main.tf",
        r#"
resource "aws_iam_role" "monitoring" {
  name_prefix = "rds-monitoring-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
    }]
  })
  tags = { team = "data" }
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_iam_role_policy" "logs" {
  name = "logs"
  role = aws_iam_role.monitoring.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream"], Resource = aws_cloudwatch_log_group.db.arn }]
  })
}

resource "aws_cloudwatch_log_group" "db" {
  name              = "/aws/rds/instance/app/postgresql"
  retention_in_days = 7
}

output "role_arn" {
  value = aws_iam_role.monitoring.arn
}
"#,
    )]);
    let iam = w.account.iam().await;
    let logs = w.account.logs(REGION).await;
    let roles = || async {
        let listed = iam.list_roles().send().await.unwrap();
        let names = listed.roles().iter().map(|r| r.role_name().to_string());
        names
            .filter(|n| n.starts_with("rds-monitoring-"))
            .collect::<Vec<_>>()
    };
    let group = "/aws/rds/instance/app/postgresql";
    w.expect(0, &["apply", "--auto-approve"]);
    let made = roles().await;
    assert_eq!(made.len(), 1, "{made:?}");
    let attached = iam.list_attached_role_policies().role_name(&made[0]);
    let attached = attached.send().await.unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(ENHANCED_MONITORING)
    );
    let inline = iam
        .get_role_policy()
        .role_name(&made[0])
        .policy_name("logs");
    inline.send().await.unwrap();
    let g = logs
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .unwrap();
    assert_eq!(g.log_groups()[0].retention_in_days(), Some(7));

    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.expect(0, &["destroy", "--auto-approve"]);
    assert!(roles().await.is_empty());
    let g = logs
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .unwrap();
    assert!(g.log_groups().is_empty());
}
