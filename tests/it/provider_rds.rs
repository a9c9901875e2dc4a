//! `aws_db_subnet_group` and `aws_db_instance` against the emulator: the trait methods are
//! called directly, and every effect is checked through a separate verification client.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use aws_sdk_rds::error::ProvideErrorMetadata;
use strata::eval::Value;
use strata::provider::{obj, resource_type, Ctx, ResourceType};

use crate::emulator::{api_calls, Emulator, TestAccount, DEFAULT_REGION};
use crate::support::{plan_create, plan_update};

const REGION: &str = DEFAULT_REGION;

/// Arguments AWS never returns; `read` answers null for them.
const VIRTUAL: &[&str] = &[
    "password",
    "apply_immediately",
    "skip_final_snapshot",
    "final_snapshot_identifier",
    "delete_automated_backups",
    "allow_major_version_upgrade",
    "upgrade_storage_config",
    "snapshot_identifier",
    "blue_green_update",
    "restore_to_point_in_time",
];

async fn ctx(account: &TestAccount) -> Ctx {
    account.provider_ctx(REGION).await
}

fn subnet_group() -> &'static dyn ResourceType {
    resource_type("aws_db_subnet_group").expect("aws_db_subnet_group is registered")
}

fn db_instance() -> &'static dyn ResourceType {
    resource_type("aws_db_instance").expect("aws_db_instance is registered")
}

/// The default VPC and its subnets.
pub(crate) async fn default_subnets(ec2: &aws_sdk_ec2::Client) -> (String, Vec<String>) {
    let vpc = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .unwrap()
        .vpcs
        .unwrap_or_default()
        .remove(0)
        .vpc_id
        .unwrap();
    let mut subnets: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .collect();
    subnets.sort();
    assert!(subnets.len() >= 3, "default subnets: {subnets:?}");
    (vpc, subnets)
}

fn config(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn strings(items: &[&str]) -> Value {
    obj::set(items.iter().map(|s| Value::from(*s)))
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    obj::map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

/// `read`'s answer with the virtual arguments a state carries (the engine keeps them).
fn with_virtual(mut read: Value, state: &Value) -> Value {
    obj::keep_from(&mut read, state, VIRTUAL);
    read
}

fn error_code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    match result {
        Ok(v) => panic!("expected an AWS error, got {v:?}"),
        Err(e) => e.code().unwrap_or("(no code)").to_string(),
    }
}

async fn aws_tags(rds: &aws_sdk_rds::Client, arn: &str) -> BTreeMap<String, String> {
    rds.list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .unwrap()
        .tag_list()
        .iter()
        .map(|t| {
            (
                t.key().unwrap().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn btree(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ----------------------------------------------------------------------------------------
// aws_db_subnet_group
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn subnet_group_create_read_update_delete() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let (vpc, subnets) = default_subnets(&account.ec2(REGION).await).await;
    let rt = subnet_group();

    let planned = plan_create(
        rt,
        &config(vec![
            ("name", Value::from("app-subnets")),
            ("subnet_ids", strings(&[&subnets[0], &subnets[1]])),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let state = rt.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "id"), Some("app-subnets"));
    assert_eq!(
        obj::str(&state, "description"),
        Some("Managed by Terraform")
    );
    assert_eq!(obj::str(&state, "vpc_id"), Some(vpc.as_str()));
    assert_eq!(state.get("name_prefix"), Some(&Value::Null));
    assert_eq!(state.get("tags"), Some(&tags(&[("env", "test")])));
    assert_eq!(state.get("tags_all"), Some(&tags(&[("env", "test")])));
    let arn = obj::string(&state, "arn").expect("arn");

    let g = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("app-subnets")
        .send()
        .await
        .unwrap()
        .db_subnet_groups
        .unwrap()
        .remove(0);
    assert_eq!(
        g.db_subnet_group_description(),
        Some("Managed by Terraform")
    );
    let mut aws_subnets: Vec<&str> = g
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier())
        .collect();
    aws_subnets.sort();
    assert_eq!(aws_subnets, [subnets[0].as_str(), subnets[1].as_str()]);
    assert_eq!(aws_tags(&rds, &arn).await, btree(&[("env", "test")]));

    // One batch: present and missing ids; the missing one is simply absent.
    let read = rt
        .read(&ctx, &["app-subnets".into(), "not-there".into()])
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read["app-subnets"], state);

    // In place: description, subnets, tags.
    let planned = plan_update(
        rt,
        &state,
        vec![
            ("description", Value::from("database subnets")),
            (
                "subnet_ids",
                strings(&[&subnets[0], &subnets[1], &subnets[2]]),
            ),
            ("tags", tags(&[("env", "prod"), ("team", "data")])),
        ],
    );
    let updated = rt.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(obj::str(&updated, "description"), Some("database subnets"));
    assert_eq!(obj::strings(&updated, "subnet_ids").len(), 3);
    let g = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("app-subnets")
        .send()
        .await
        .unwrap()
        .db_subnet_groups
        .unwrap()
        .remove(0);
    assert_eq!(g.db_subnet_group_description(), Some("database subnets"));
    assert_eq!(g.subnets().len(), 3);
    assert_eq!(
        aws_tags(&rds, &arn).await,
        btree(&[("env", "prod"), ("team", "data")])
    );
    assert_eq!(
        rt.read(&ctx, &["app-subnets".into()]).await.unwrap()["app-subnets"],
        updated
    );

    rt.delete(&ctx, &updated).await.unwrap();
    let result = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("app-subnets")
        .send()
        .await;
    assert_eq!(error_code(result), "DBSubnetGroupNotFoundFault");
    // Already gone counts as success.
    rt.delete(&ctx, &updated).await.unwrap();
    assert!(rt.import(&ctx, "app-subnets").await.unwrap().is_none());
}

#[tokio::test]
async fn subnet_group_name_is_generated_with_default_tags() {
    let account = Emulator::shared().account();
    let mut ctx = ctx(&account).await;
    ctx.settings.default_tags = btree(&[("owner", "platform")]);
    let (_, subnets) = default_subnets(&account.ec2(REGION).await).await;
    let rt = subnet_group();

    let planned = plan_create(
        rt,
        &config(vec![
            ("name_prefix", Value::from("db-")),
            ("subnet_ids", strings(&[&subnets[0], &subnets[1]])),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let name = obj::string(&planned, "name").unwrap();
    assert!(name.starts_with("db-") && name.len() == 3 + 26, "{name}");
    let state = rt.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "id"), Some(name.as_str()));
    assert_eq!(obj::str(&state, "name_prefix"), Some("db-"));
    assert_eq!(state.get("tags"), Some(&tags(&[("env", "test")])));
    assert_eq!(
        state.get("tags_all"),
        Some(&tags(&[("env", "test"), ("owner", "platform")]))
    );
    assert_eq!(rt.import(&ctx, &name).await.unwrap(), Some(state.clone()));
    rt.delete(&ctx, &state).await.unwrap();
}

/// Creates `n` subnet groups `{prefix}-{i}` tagged `n = i`; returns their states.
async fn subnet_groups(ctx: &Ctx, subnets: &[String], prefix: &str, n: usize) -> Vec<Value> {
    let rt = subnet_group();
    let mut states = Vec::new();
    for i in 0..n {
        let planned = plan_create(
            rt,
            &config(vec![
                ("name", Value::from(format!("{prefix}-{i}").as_str())),
                ("subnet_ids", strings(&[&subnets[0], &subnets[1]])),
                ("tags", tags(&[("n", &i.to_string())])),
            ]),
        );
        states.push(rt.create(ctx, &planned).await.unwrap());
    }
    states
}

fn ids(states: &[Value]) -> Vec<String> {
    states
        .iter()
        .map(|s| obj::string(s, "id").unwrap())
        .collect()
}

/// Issue #5: a refresh of many subnet groups reads their tags with one GetResources (100 ARNs
/// a call), not one ListTagsForResource each; a tag added outside strata shows up. One id
/// (the read-back after a write) keeps the service's own, current ListTagsForResource.
#[tokio::test]
async fn many_subnet_groups_share_one_tags_call() {
    let account = Emulator::shared().account();
    let rds = account.rds(REGION).await;
    let (_, subnets) = default_subnets(&account.ec2(REGION).await).await;
    let rt = subnet_group();
    let states = subnet_groups(&ctx(&account).await, &subnets, "batch", 5).await;
    let added_to = obj::string(&states[3], "arn").unwrap();
    rds.add_tags_to_resource()
        .resource_name(&added_to)
        .tags(
            aws_sdk_rds::types::Tag::builder()
                .key("outside")
                .value("strata")
                .build(),
        )
        .send()
        .await
        .unwrap();

    let ctx = ctx(&account).await;
    let read = rt.read(&ctx, &ids(&states)).await.unwrap();
    eprintln!("api calls: {:?}", ctx.aws.api_calls.snapshot());
    assert_eq!(read.len(), 5);
    for (i, state) in states.iter().enumerate() {
        let got = &read[&format!("batch-{i}")];
        let mut want = btree(&[("n", &i.to_string())]);
        if i == 3 {
            want.insert("outside".into(), "strata".into());
        }
        assert_eq!(obj::string_map(got, "tags"), want, "batch-{i}");
        assert_eq!(obj::string_map(got, "tags_all"), want, "batch-{i}");
        assert_eq!(
            aws_tags(&rds, &obj::string(state, "arn").unwrap()).await,
            want
        );
    }
    assert_eq!(api_calls(&ctx, "GetResources"), 1);
    assert_eq!(api_calls(&ctx, "ListTagsForResource"), 0);

    let ctx = account.provider_ctx(REGION).await;
    let one = rt.read(&ctx, &["batch-3".into()]).await.unwrap();
    assert_eq!(one["batch-3"], read["batch-3"]);
    assert_eq!(api_calls(&ctx, "ListTagsForResource"), 1);
    assert_eq!(api_calls(&ctx, "GetResources"), 0);

    for state in &states {
        rt.delete(&ctx, state).await.unwrap();
    }
}

/// Issue #5: subnet groups created at once are read back together (the read after each
/// create joins a batched describe) instead of one DescribeDBSubnetGroups per group, each of
/// which counts against RDS's account-wide rate limit. Their tags still come from each
/// group's ListTagsForResource, current right after the write (the tagging API's GetResources
/// reads an index AWS does not document as updated at once). Each create answers its own
/// group, as AWS describes it.
#[tokio::test]
async fn subnet_groups_created_at_once_are_read_back_in_a_few_calls() {
    let account = Emulator::shared().account();
    let rds = account.rds(REGION).await;
    let (_, subnets) = default_subnets(&account.ec2(REGION).await).await;
    let rt = subnet_group();
    let ctx = ctx(&account).await;
    let creates = (0..10).map(|i| {
        let planned = plan_create(
            rt,
            &config(vec![
                ("name", Value::from(format!("together-{i}").as_str())),
                ("subnet_ids", strings(&[&subnets[0], &subnets[1]])),
                ("tags", tags(&[("n", &i.to_string())])),
            ]),
        );
        let ctx = ctx.clone();
        async move { rt.create(&ctx, &planned).await.unwrap() }
    });
    let states = futures::future::join_all(creates).await;
    for (i, state) in states.iter().enumerate() {
        assert_eq!(obj::string(state, "id").unwrap(), format!("together-{i}"));
        let want = btree(&[("n", &i.to_string())]);
        assert_eq!(obj::string_map(state, "tags"), want, "together-{i}");
        assert_eq!(
            aws_tags(&rds, &obj::string(state, "arn").unwrap()).await,
            want
        );
    }
    // How many reads share a batch depends on when the creates return; unbatched, it is
    // one describe per group.
    let describes = api_calls(&ctx, "DescribeDBSubnetGroups");
    let tag_reads = api_calls(&ctx, "ListTagsForResource") + api_calls(&ctx, "GetResources");
    eprintln!("read back with {describes} describes and {tag_reads} tag reads");
    assert!(
        describes < 10,
        "10 new subnet groups read back with {describes} describes (and {tag_reads} tag \
         reads): the read after create is not batched"
    );
    // Tags just written come from the service itself: the tagging API's index may lag.
    assert_eq!(api_calls(&ctx, "GetResources"), 0);
    assert_eq!(api_calls(&ctx, "ListTagsForResource"), 10);
    for state in &states {
        rt.delete(&ctx, state).await.unwrap();
    }
}

/// A stand-in for the Resource Groups Tagging API that refuses every call as IAM does when
/// the role lacks `tag:GetResources`. Returns its URL.
async fn tagging_api_that_refuses() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                // The whole request (headers, then Content-Length bytes) before answering.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = conn.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let body = r#"{"__type":"AccessDeniedException","Message":"User is not authorized to perform: tag:GetResources"}"#;
                let answer = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: refused\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(answer.as_bytes()).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    url
}

/// A role without `tag:GetResources` still gets every group's tags, one ListTagsForResource
/// each; so does a provider that points `rds` at an endpoint of its own but not the tagging
/// API (the tags must come from where RDS was pointed).
#[tokio::test]
async fn refused_tagging_api_falls_back_to_per_resource_tags() {
    let account = Emulator::shared().account();
    let (_, subnets) = default_subnets(&account.ec2(REGION).await).await;
    let rt = subnet_group();
    let states = subnet_groups(&ctx(&account).await, &subnets, "refused", 4).await;
    let want: Vec<BTreeMap<String, String>> =
        (0..4).map(|i| btree(&[("n", &i.to_string())])).collect();

    let mut ctx = account.provider_ctx(REGION).await;
    ctx.settings.endpoints.insert(
        "resourcegroupstaggingapi".into(),
        tagging_api_that_refuses().await,
    );
    let read = rt.read(&ctx, &ids(&states)).await.unwrap();
    eprintln!("api calls: {:?}", ctx.aws.api_calls.snapshot());
    for (i, want) in want.iter().enumerate() {
        assert_eq!(
            &obj::string_map(&read[&format!("refused-{i}")], "tags"),
            want
        );
    }
    assert_eq!(api_calls(&ctx, "GetResources"), 1);
    assert_eq!(api_calls(&ctx, "ListTagsForResource"), 4);

    let mut ctx = account.provider_ctx(REGION).await;
    let endpoint = account
        .env
        .iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| v.clone())
        .unwrap();
    ctx.settings.endpoints.insert("rds".into(), endpoint);
    let read = rt.read(&ctx, &ids(&states)).await.unwrap();
    for (i, want) in want.iter().enumerate() {
        assert_eq!(
            &obj::string_map(&read[&format!("refused-{i}")], "tags"),
            want
        );
    }
    assert_eq!(api_calls(&ctx, "GetResources"), 0);
    assert_eq!(api_calls(&ctx, "ListTagsForResource"), 4);
}

// ----------------------------------------------------------------------------------------
// aws_db_instance
// ----------------------------------------------------------------------------------------

async fn describe_db(rds: &aws_sdk_rds::Client, id: &str) -> aws_sdk_rds::types::DbInstance {
    rds.describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .unwrap()
        .db_instances
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn mysql_instance_lifecycle() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let (vpc, subnets) = default_subnets(&ec2).await;
    let sg = ec2
        .create_security_group()
        .group_name("mysql")
        .description("mysql clients")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let group = subnet_group()
        .create(
            &ctx,
            &plan_create(
                subnet_group(),
                &config(vec![
                    ("name", Value::from("mysql-subnets")),
                    ("subnet_ids", strings(&[&subnets[0], &subnets[1]])),
                ]),
            ),
        )
        .await
        .unwrap();

    let rt = db_instance();
    let planned = plan_create(
        rt,
        &config(vec![
            ("identifier", Value::from("app-mysql")),
            ("engine", Value::from("MySQL")),
            ("engine_version", Value::from("8.0.36")),
            ("instance_class", Value::from("db.t3.micro")),
            ("allocated_storage", Value::from(20)),
            ("storage_encrypted", Value::Bool(true)),
            ("username", Value::from("admin")),
            ("password", Value::from("correct-horse-battery").sensitive()),
            ("backup_retention_period", Value::from(7)),
            ("vpc_security_group_ids", strings(&[&sg])),
            ("db_subnet_group_name", Value::from("mysql-subnets")),
            ("skip_final_snapshot", Value::Bool(true)),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    assert_eq!(obj::str(&planned, "engine"), Some("mysql"));
    let state = rt.create(&ctx, &planned).await.unwrap();

    // The state.
    assert_eq!(obj::str(&state, "id"), Some("app-mysql"));
    assert_eq!(obj::str(&state, "engine"), Some("mysql"));
    assert_eq!(obj::str(&state, "engine_version"), Some("8.0.36"));
    assert_eq!(obj::str(&state, "engine_version_actual"), Some("8.0.36"));
    assert_eq!(state.get("storage_encrypted"), Some(&Value::Bool(true)));
    assert_eq!(obj::i32(&state, "backup_retention_period"), Some(7));
    assert_eq!(
        obj::strings(&state, "vpc_security_group_ids"),
        std::slice::from_ref(&sg)
    );
    assert_eq!(
        obj::str(&state, "db_subnet_group_name"),
        Some("mysql-subnets")
    );
    assert_eq!(obj::str(&state, "status"), Some("available"));
    assert!(state.get("password").unwrap().is_sensitive());
    assert_eq!(state.get("skip_final_snapshot"), Some(&Value::Bool(true)));
    let address = obj::string(&state, "address").expect("address");
    let port = obj::i32(&state, "port").expect("port");
    assert_eq!(
        obj::str(&state, "endpoint"),
        Some(format!("{address}:{port}").as_str())
    );
    assert!(obj::str(&state, "arn").is_some_and(|a| a.ends_with(":db:app-mysql")));
    assert!(obj::str(&state, "resource_id").is_some());

    // What AWS has.
    let db = describe_db(&rds, "app-mysql").await;
    assert_eq!(db.engine(), Some("mysql"));
    assert_eq!(db.storage_encrypted(), Some(true));
    assert_eq!(db.backup_retention_period(), Some(7));
    let sgs: Vec<&str> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    assert_eq!(sgs, [sg.as_str()]);
    assert_eq!(
        db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
        Some("mysql-subnets")
    );
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "test")])
    );

    // One batched read with a missing id: absent, no error; equal to what create returned.
    let read = rt
        .read(&ctx, &["app-mysql".into(), "not-an-instance".into()])
        .await
        .unwrap();
    assert_eq!(read.keys().collect::<Vec<_>>(), ["app-mysql"]);
    assert!(read["app-mysql"].get("password").unwrap().is_null());
    assert_eq!(with_virtual(read["app-mysql"].clone(), &state), state);

    // A configured prefix of the running version plans no change.
    let replanned = plan_update(rt, &state, vec![("engine_version", Value::from("8.0"))]);
    assert_eq!(obj::str(&replanned, "engine_version"), Some("8.0.36"));

    // In place: retention and tags.
    let planned = plan_update(
        rt,
        &state,
        vec![
            ("backup_retention_period", Value::from(14)),
            ("apply_immediately", Value::Bool(true)),
            ("tags", tags(&[("env", "prod"), ("team", "data")])),
        ],
    );
    let updated = rt.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(obj::i32(&updated, "backup_retention_period"), Some(14));
    assert_eq!(
        updated.get("tags"),
        Some(&tags(&[("env", "prod"), ("team", "data")]))
    );
    assert_eq!(
        describe_db(&rds, "app-mysql")
            .await
            .backup_retention_period(),
        Some(14)
    );
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "prod"), ("team", "data")])
    );
    let read = rt.read(&ctx, &["app-mysql".into()]).await.unwrap();
    assert_eq!(with_virtual(read["app-mysql"].clone(), &updated), updated);

    // Delete, skipping the final snapshot.
    assert!(rt.check_delete(&updated).is_ok());
    rt.delete(&ctx, &updated).await.unwrap();
    let result = rds
        .describe_db_instances()
        .db_instance_identifier("app-mysql")
        .send()
        .await;
    assert_eq!(error_code(result), "DBInstanceNotFound");
    let snapshots = rds
        .describe_db_snapshots()
        .db_instance_identifier("app-mysql")
        .snapshot_type("manual")
        .send()
        .await
        .unwrap()
        .db_snapshots
        .unwrap_or_default();
    assert!(snapshots.is_empty(), "{snapshots:?}");
    // Already gone counts as success.
    rt.delete(&ctx, &updated).await.unwrap();

    subnet_group().delete(&ctx, &group).await.unwrap();
}

#[tokio::test]
async fn delete_without_a_final_snapshot_choice_is_refused_then_snapshotted() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let rt = db_instance();
    let planned = plan_create(
        rt,
        &config(vec![
            ("identifier_prefix", Value::from("pg-")),
            ("engine", Value::from("postgres")),
            ("engine_version", Value::from("16.3")),
            ("instance_class", Value::from("db.t3.micro")),
            ("allocated_storage", Value::from(20)),
            ("username", Value::from("strata")),
            ("password", Value::from("pg-secret-password").sensitive()),
        ]),
    );
    let id = obj::string(&planned, "identifier").unwrap();
    assert!(id.starts_with("pg-"), "{id}");
    let state = rt.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "identifier_prefix"), Some("pg-"));

    // Neither skip_final_snapshot nor final_snapshot_identifier: refused before any call.
    let problem = rt.check_delete(&state).unwrap_err();
    assert_eq!(problem.attribute, Some("skip_final_snapshot"));
    assert!(problem.help.contains("skip_final_snapshot = true"));
    assert!(problem.help.contains("final_snapshot_identifier = \""));
    let err = rt.delete(&ctx, &state).await.unwrap_err();
    assert!(!err.message.contains("pg-secret-password"));
    assert_eq!(
        describe_db(&rds, &id).await.db_instance_status(),
        Some("available")
    );

    // With a final snapshot: the instance goes, the snapshot stays.
    let with_snapshot = plan_update(
        rt,
        &state,
        vec![("final_snapshot_identifier", Value::from("pg-final"))],
    );
    let state = rt.update(&ctx, &state, &with_snapshot).await.unwrap();
    assert!(rt.check_delete(&state).is_ok());
    rt.delete(&ctx, &state).await.unwrap();
    assert_eq!(
        error_code(
            rds.describe_db_instances()
                .db_instance_identifier(&id)
                .send()
                .await
        ),
        "DBInstanceNotFound"
    );
    let snapshot = rds
        .describe_db_snapshots()
        .db_snapshot_identifier("pg-final")
        .send()
        .await
        .unwrap()
        .db_snapshots
        .unwrap()
        .remove(0);
    assert_eq!(snapshot.db_instance_identifier(), Some(id.as_str()));
}

#[tokio::test]
async fn mariadb_instances_with_and_without_engine_version() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let rt = db_instance();
    let base = |id: &str| {
        vec![
            ("identifier", Value::from(id)),
            ("engine", Value::from("mariadb")),
            ("instance_class", Value::from("db.t3.micro")),
            ("allocated_storage", Value::from(20)),
            ("username", Value::from("maria")),
            ("password", Value::from("maria-password").sensitive()),
            ("skip_final_snapshot", Value::Bool(true)),
            ("maintenance_window", Value::from("Sun:05:00-Sun:06:00")),
        ]
    };
    let mut with_version = base("maria-pinned");
    with_version.push(("engine_version", Value::from("10.11.8")));
    let (plan_pinned, plan_unpinned) = (
        plan_create(rt, &config(with_version)),
        plan_create(rt, &config(base("maria-default"))),
    );
    let (pinned, unpinned) = tokio::join!(
        rt.create(&ctx, &plan_pinned),
        rt.create(&ctx, &plan_unpinned),
    );
    let (pinned, unpinned) = (pinned.unwrap(), unpinned.unwrap());
    assert_eq!(obj::str(&pinned, "engine"), Some("mariadb"));
    assert_eq!(obj::str(&pinned, "engine_version"), Some("10.11.8"));
    assert_eq!(
        describe_db(&rds, "maria-pinned").await.engine_version(),
        Some("10.11.8")
    );
    assert_eq!(
        obj::str(&pinned, "maintenance_window"),
        Some("sun:05:00-sun:06:00")
    );
    assert!(obj::str(&unpinned, "engine_version_actual").is_some());

    let read = rt
        .read(&ctx, &["maria-pinned".into(), "maria-default".into()])
        .await
        .unwrap();
    assert_eq!(read.len(), 2);

    for state in [&pinned, &unpinned] {
        rt.delete(&ctx, state).await.unwrap();
    }
    assert!(rt
        .read(&ctx, &["maria-pinned".into(), "maria-default".into()])
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn identifier_change_renames_in_place() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let rt = db_instance();
    let planned = plan_create(
        rt,
        &config(vec![
            ("identifier", Value::from("old-name")),
            ("engine", Value::from("postgres")),
            ("instance_class", Value::from("db.t3.micro")),
            ("allocated_storage", Value::from(20)),
            ("username", Value::from("strata")),
            ("password", Value::from("rename-password").sensitive()),
            ("skip_final_snapshot", Value::Bool(true)),
        ]),
    );
    let state = rt.create(&ctx, &planned).await.unwrap();
    let planned = plan_update(
        rt,
        &state,
        vec![
            ("identifier", Value::from("new-name")),
            ("apply_immediately", Value::Bool(true)),
        ],
    );
    assert_eq!(obj::str(&planned, "id"), Some("new-name"));
    let renamed = rt.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(obj::str(&renamed, "id"), Some("new-name"));
    assert_eq!(
        obj::str(&renamed, "resource_id"),
        obj::str(&state, "resource_id")
    );
    let read = rt
        .read(&ctx, &["old-name".into(), "new-name".into()])
        .await
        .unwrap();
    assert_eq!(read.keys().collect::<Vec<_>>(), ["new-name"]);
    describe_db(&rds, "new-name").await;
    rt.delete(&ctx, &renamed).await.unwrap();
}

/// Twenty instances created and deleted concurrently share their waits: the poller issues one
/// batched DescribeDBInstances per interval for all of them, not one per instance per poll.
#[tokio::test]
async fn concurrent_waits_are_batched() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rt = db_instance();
    let plans: Vec<Value> = (0..20)
        .map(|i| {
            plan_create(
                rt,
                &config(vec![
                    ("identifier", Value::from(format!("batched-{i}").as_str())),
                    ("engine", Value::from("postgres")),
                    ("instance_class", Value::from("db.t3.micro")),
                    ("allocated_storage", Value::from(20)),
                    ("username", Value::from("pg")),
                    ("password", Value::from("pg-password-1").sensitive()),
                    ("skip_final_snapshot", Value::Bool(true)),
                ]),
            )
        })
        .collect();
    let describes = |ctx: &Ctx| {
        ctx.aws
            .api_calls
            .snapshot()
            .iter()
            .filter(|(k, _)| k.ends_with(".DescribeDBInstances"))
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    let states: Vec<Value> = futures::future::join_all(plans.iter().map(|p| rt.create(&ctx, p)))
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let after_create = describes(&ctx);
    futures::future::join_all(states.iter().map(|s| rt.delete(&ctx, s)))
        .await
        .into_iter()
        .for_each(|r| r.unwrap());
    let after_delete = describes(&ctx) - after_create;
    eprintln!("api calls: {:?}", ctx.aws.api_calls.snapshot());
    eprintln!("DescribeDBInstances: create {after_create}, delete {after_delete}");
    // Unbatched, the waits alone cost at least one describe per instance per phase (20 + 20),
    // on top of the one read back after each create.
    assert!(after_create <= 20 + 5, "create: {after_create} describes");
    assert!(after_delete <= 5, "delete: {after_delete} describes");
}
