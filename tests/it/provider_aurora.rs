//! `aws_rds_cluster`, `aws_rds_cluster_instance`, `aws_rds_cluster_parameter_group`,
//! `aws_db_parameter_group` and `aws_db_option_group` against the emulator: the trait methods
//! are called directly, and every effect is checked through a separate verification client.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use aws_sdk_rds::error::ProvideErrorMetadata;
use strata::eval::Value;
use strata::provider::{obj, resource_type, Ctx, ResourceType};

use crate::emulator::{api_calls, Emulator, TestAccount, DEFAULT_REGION};
use crate::support::{plan_create, plan_update};

const REGION: &str = DEFAULT_REGION;

async fn ctx(account: &TestAccount) -> Ctx {
    account.provider_ctx(REGION).await
}

fn rt(name: &str) -> &'static dyn ResourceType {
    resource_type(name).unwrap_or_else(|| panic!("{name} is registered"))
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

fn btree(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn param(name: &str, value: &str) -> Value {
    config(vec![
        ("name", Value::from(name)),
        ("value", Value::from(value)),
    ])
}

/// `read`'s answer with the virtual arguments a state carries (the engine keeps them).
fn with_virtual(rt: &dyn ResourceType, mut read: Value, state: &Value) -> Value {
    let keys: Vec<&str> = rt
        .schema()
        .attributes
        .iter()
        .filter(|a| a.virtual_)
        .map(|a| a.name)
        .collect();
    obj::keep_from(&mut read, state, &keys);
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

async fn default_subnets(ec2: &aws_sdk_ec2::Client) -> (String, Vec<String>) {
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
    (vpc, subnets)
}

async fn describe_cluster(rds: &aws_sdk_rds::Client, id: &str) -> aws_sdk_rds::types::DbCluster {
    rds.describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .unwrap()
        .db_clusters
        .unwrap()
        .remove(0)
}

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

/// (name, value, apply_method) of the user-set parameters AWS has.
async fn aws_cluster_params(rds: &aws_sdk_rds::Client, group: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = rds
        .describe_db_cluster_parameters()
        .db_cluster_parameter_group_name(group)
        .source("user")
        .send()
        .await
        .unwrap()
        .parameters()
        .iter()
        .map(|p| {
            (
                p.parameter_name().unwrap().to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn aws_db_params(rds: &aws_sdk_rds::Client, group: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = rds
        .describe_db_parameters()
        .db_parameter_group_name(group)
        .source("user")
        .send()
        .await
        .unwrap()
        .parameters()
        .iter()
        .map(|p| {
            (
                p.parameter_name().unwrap().to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

// ----------------------------------------------------------------------------------------
// Aurora MySQL: cluster parameter group, cluster, two instances
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn aurora_mysql_cluster_with_two_instances() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let (vpc, subnets) = default_subnets(&ec2).await;
    let sg = ec2
        .create_security_group()
        .group_name("aurora")
        .description("aurora clients")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let subnet_group = rt("aws_db_subnet_group");
    let group = subnet_group
        .create(
            &ctx,
            &plan_create(
                subnet_group,
                &config(vec![
                    ("name", Value::from("aurora-subnets")),
                    ("subnet_ids", strings(&[&subnets[0], &subnets[1]])),
                ]),
            ),
        )
        .await
        .unwrap();

    // Cluster parameter group.
    let cpg = rt("aws_rds_cluster_parameter_group");
    let planned = plan_create(
        cpg,
        &config(vec![
            ("name", Value::from("aurora-params")),
            ("family", Value::from("aurora-mysql8.0")),
            (
                "parameter",
                Value::List(vec![param("Character_Set_Server", "utf8mb4")]),
            ),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let params = cpg.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&params, "id"), Some("aurora-params"));
    assert_eq!(
        obj::str(&params, "description"),
        Some("Managed by Terraform")
    );
    assert_eq!(params.get("parameter"), planned.get("parameter"));
    assert_eq!(
        aws_cluster_params(&rds, "aurora-params").await,
        pairs(&[("character_set_server", "utf8mb4")])
    );
    let g = rds
        .describe_db_cluster_parameter_groups()
        .db_cluster_parameter_group_name("aurora-params")
        .send()
        .await
        .unwrap()
        .db_cluster_parameter_groups
        .unwrap()
        .remove(0);
    assert_eq!(g.db_parameter_group_family(), Some("aurora-mysql8.0"));
    assert_eq!(
        aws_tags(&rds, obj::str(&params, "arn").unwrap()).await,
        btree(&[("env", "test")])
    );
    assert_eq!(
        cpg.read(&ctx, &["aurora-params".into(), "missing".into()])
            .await
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        [("aurora-params".to_string(), params.clone())]
    );

    // A parameter value in place, and a second parameter added.
    let planned = plan_update(
        cpg,
        &params,
        vec![(
            "parameter",
            Value::List(vec![
                param("character_set_server", "latin1"),
                param("collation_server", "latin1_swedish_ci"),
            ]),
        )],
    );
    let params = cpg.update(&ctx, &params, &planned).await.unwrap();
    assert_eq!(
        aws_cluster_params(&rds, "aurora-params").await,
        pairs(&[
            ("character_set_server", "latin1"),
            ("collation_server", "latin1_swedish_ci")
        ])
    );
    assert_eq!(
        cpg.read(&ctx, &["aurora-params".into()]).await.unwrap()["aurora-params"],
        params
    );

    // The cluster.
    let cluster = rt("aws_rds_cluster");
    let planned = plan_create(
        cluster,
        &config(vec![
            ("cluster_identifier", Value::from("aurora-app")),
            ("engine", Value::from("aurora-mysql")),
            ("engine_version", Value::from("8.0.mysql_aurora.3.05.2")),
            ("database_name", Value::from("app")),
            ("master_username", Value::from("admin")),
            (
                "master_password",
                Value::from("aurora-secret-password").sensitive(),
            ),
            ("backup_retention_period", Value::from(7)),
            (
                "preferred_maintenance_window",
                Value::from("Sun:05:00-Sun:06:00"),
            ),
            ("vpc_security_group_ids", strings(&[&sg])),
            ("db_subnet_group_name", Value::from("aurora-subnets")),
            (
                "db_cluster_parameter_group_name",
                Value::from("aurora-params"),
            ),
            ("skip_final_snapshot", Value::Bool(true)),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let state = cluster.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "id"), Some("aurora-app"));
    assert_eq!(obj::str(&state, "engine"), Some("aurora-mysql"));
    assert_eq!(
        obj::str(&state, "engine_version"),
        Some("8.0.mysql_aurora.3.05.2")
    );
    assert_eq!(obj::str(&state, "database_name"), Some("app"));
    assert_eq!(obj::i32(&state, "backup_retention_period"), Some(7));
    assert_eq!(
        obj::str(&state, "preferred_maintenance_window"),
        Some("sun:05:00-sun:06:00")
    );
    assert_eq!(obj::strings(&state, "availability_zones").len(), 3);
    assert!(state.get("master_password").unwrap().is_sensitive());
    assert!(obj::str(&state, "arn").is_some_and(|a| a.ends_with(":cluster:aurora-app")));
    assert!(obj::str(&state, "endpoint").is_some());
    assert!(obj::str(&state, "reader_endpoint").is_some());
    assert!(obj::str(&state, "cluster_resource_id").is_some());
    let c = describe_cluster(&rds, "aurora-app").await;
    assert_eq!(c.engine(), Some("aurora-mysql"));
    assert_eq!(c.backup_retention_period(), Some(7));
    assert_eq!(c.db_cluster_parameter_group(), Some("aurora-params"));
    assert_eq!(c.db_subnet_group(), Some("aurora-subnets"));
    assert_eq!(
        c.vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id())
            .collect::<Vec<_>>(),
        [sg.as_str()]
    );
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "test")])
    );
    let read = cluster
        .read(&ctx, &["aurora-app".into(), "not-a-cluster".into()])
        .await
        .unwrap();
    assert_eq!(read.keys().collect::<Vec<_>>(), ["aurora-app"]);
    assert!(read["aurora-app"].get("master_password").unwrap().is_null());
    assert_eq!(
        with_virtual(cluster, read["aurora-app"].clone(), &state),
        state
    );
    // A version prefix and a subset of the AZs AWS chose plan no change.
    let replanned = plan_update(
        cluster,
        &state,
        vec![
            ("engine_version", Value::from("8.0")),
            ("availability_zones", strings(&["us-east-1a"])),
        ],
    );
    // The plan names the create-only block it did not write (null); the state leaves it
    // out, as an object read from AWS: the same for the differ.
    let mut replanned = replanned;
    if let Value::Map(m) = &mut replanned {
        let point = m.remove("restore_to_point_in_time");
        assert!(point.is_none_or(|v| v.is_null()));
    }
    assert_eq!(replanned, state);

    // Two instances, one with a generated identifier.
    let instance = rt("aws_rds_cluster_instance");
    let base = |extra: Vec<(&'static str, Value)>| {
        let mut v = vec![
            ("cluster_identifier", Value::from("aurora-app")),
            ("engine", Value::from("aurora-mysql")),
            ("instance_class", Value::from("db.r6g.large")),
            ("tags", tags(&[("role", "db")])),
        ];
        v.extend(extra);
        plan_create(instance, &config(v))
    };
    let plan_1 = base(vec![("identifier", Value::from("aurora-app-1"))]);
    let plan_2 = base(vec![("promotion_tier", Value::from(2))]);
    let id_2 = obj::string(&plan_2, "identifier").unwrap();
    assert!(id_2.starts_with("tf-"), "{id_2}");
    let i1 = instance.create(&ctx, &plan_1).await.unwrap();
    let i2 = instance.create(&ctx, &plan_2).await.unwrap();
    assert_eq!(obj::str(&i1, "id"), Some("aurora-app-1"));
    assert_eq!(obj::str(&i1, "cluster_identifier"), Some("aurora-app"));
    assert_eq!(obj::str(&i1, "engine"), Some("aurora-mysql"));
    assert_eq!(
        obj::str(&i1, "engine_version"),
        Some("8.0.mysql_aurora.3.05.2")
    );
    assert!(obj::str(&i1, "endpoint").is_some());
    assert!(obj::i32(&i1, "port").is_some());
    assert_eq!(obj::i32(&i2, "promotion_tier"), Some(2));
    assert_eq!(obj::str(&i2, "identifier_prefix"), Some("tf-"));
    let read = instance
        .read(
            &ctx,
            &["aurora-app-1".into(), id_2.clone(), "no-such-db".into()],
        )
        .await
        .unwrap();
    assert_eq!(read.len(), 2);
    let writers: Vec<bool> = read
        .values()
        .map(|s| obj::bool(s, "writer").unwrap())
        .collect();
    assert_eq!(writers.iter().filter(|w| **w).count(), 1, "{writers:?}");
    assert_eq!(read["aurora-app-1"].get("writer"), Some(&Value::Bool(true)));
    assert_eq!(
        with_virtual(instance, read["aurora-app-1"].clone(), &i1),
        i1
    );
    assert_eq!(with_virtual(instance, read[&id_2].clone(), &i2), i2);
    let db = describe_db(&rds, "aurora-app-1").await;
    assert_eq!(db.db_cluster_identifier(), Some("aurora-app"));
    assert_eq!(db.db_instance_class(), Some("db.r6g.large"));
    let members: Vec<String> = describe_cluster(&rds, "aurora-app")
        .await
        .db_cluster_members()
        .iter()
        .filter_map(|m| m.db_instance_identifier().map(str::to_string))
        .collect();
    assert_eq!(members.len(), 2, "{members:?}");

    // Instance in place: promotion tier and tags.
    let planned = plan_update(
        instance,
        &i2,
        vec![
            ("promotion_tier", Value::from(5)),
            ("apply_immediately", Value::Bool(true)),
            ("tags", tags(&[("role", "reader")])),
        ],
    );
    let i2 = instance.update(&ctx, &i2, &planned).await.unwrap();
    assert_eq!(obj::i32(&i2, "promotion_tier"), Some(5));
    assert_eq!(describe_db(&rds, &id_2).await.promotion_tier(), Some(5));
    assert_eq!(
        aws_tags(&rds, obj::str(&i2, "arn").unwrap()).await,
        btree(&[("role", "reader")])
    );

    // Cluster in place: retention and tags.
    let planned = plan_update(
        cluster,
        &state,
        vec![
            ("backup_retention_period", Value::from(14)),
            ("apply_immediately", Value::Bool(true)),
            ("tags", tags(&[("env", "prod"), ("team", "data")])),
        ],
    );
    let updated = cluster.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(obj::i32(&updated, "backup_retention_period"), Some(14));
    assert_eq!(
        describe_cluster(&rds, "aurora-app")
            .await
            .backup_retention_period(),
        Some(14)
    );
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "prod"), ("team", "data")])
    );
    let read = cluster.read(&ctx, &["aurora-app".into()]).await.unwrap();
    assert_eq!(
        with_virtual(cluster, read["aurora-app"].clone(), &updated),
        updated
    );

    // Import.
    let imported = cluster.import(&ctx, "aurora-app").await.unwrap().unwrap();
    assert_eq!(
        imported.get("skip_final_snapshot"),
        Some(&Value::Bool(true))
    );
    assert_eq!(obj::str(&imported, "arn"), obj::str(&updated, "arn"));
    let imported_instance = instance
        .import(&ctx, "aurora-app-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(with_virtual(instance, imported_instance, &i1), i1);
    let imported_params = cpg.import(&ctx, "aurora-params").await.unwrap().unwrap();
    assert_eq!(imported_params, params);

    // Delete: instances, then the cluster (check_delete passes with skip_final_snapshot).
    let (d1, d2) = tokio::join!(instance.delete(&ctx, &i1), instance.delete(&ctx, &i2));
    d1.unwrap();
    d2.unwrap();
    assert_eq!(
        error_code(
            rds.describe_db_instances()
                .db_instance_identifier("aurora-app-1")
                .send()
                .await
        ),
        "DBInstanceNotFound"
    );
    instance.delete(&ctx, &i1).await.unwrap();
    assert!(cluster.check_delete(&updated).is_ok());
    cluster.delete(&ctx, &updated).await.unwrap();
    assert_eq!(
        error_code(
            rds.describe_db_clusters()
                .db_cluster_identifier("aurora-app")
                .send()
                .await
        ),
        "DBClusterNotFoundFault"
    );
    cluster.delete(&ctx, &updated).await.unwrap();
    assert!(cluster.import(&ctx, "aurora-app").await.unwrap().is_none());

    cpg.delete(&ctx, &params).await.unwrap();
    assert!(cpg
        .read(&ctx, &["aurora-params".into()])
        .await
        .unwrap()
        .is_empty());
    cpg.delete(&ctx, &params).await.unwrap();
    subnet_group.delete(&ctx, &group).await.unwrap();
}

#[tokio::test]
async fn cluster_identifier_is_generated_and_delete_needs_a_snapshot_choice() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let cluster = rt("aws_rds_cluster");
    let planned = plan_create(
        cluster,
        &config(vec![
            ("engine", Value::from("aurora-postgresql")),
            ("master_username", Value::from("strata")),
            (
                "master_password",
                Value::from("pg-cluster-password").sensitive(),
            ),
        ]),
    );
    let id = obj::string(&planned, "cluster_identifier").unwrap();
    assert!(id.starts_with("tf-") && id.len() == 3 + 26, "{id}");
    let state = cluster.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "cluster_identifier_prefix"), Some("tf-"));
    assert_eq!(obj::i32(&state, "backup_retention_period"), Some(1));
    assert!(obj::str(&state, "engine_version").is_some());

    let problem = cluster.check_delete(&state).unwrap_err();
    assert_eq!(problem.attribute, Some("skip_final_snapshot"));
    let err = cluster.delete(&ctx, &state).await.unwrap_err();
    assert!(!err.message.contains("pg-cluster-password"));
    describe_cluster(&rds, &id).await;

    let planned = plan_update(
        cluster,
        &state,
        vec![("final_snapshot_identifier", Value::from("pg-cluster-final"))],
    );
    let state = cluster.update(&ctx, &state, &planned).await.unwrap();
    cluster.delete(&ctx, &state).await.unwrap();
    let snapshot = rds
        .describe_db_cluster_snapshots()
        .db_cluster_snapshot_identifier("pg-cluster-final")
        .send()
        .await
        .unwrap()
        .db_cluster_snapshots
        .unwrap()
        .remove(0);
    assert_eq!(snapshot.db_cluster_identifier(), Some(id.as_str()));
}

/// Regression: a cluster's update compared the planned master password with the salted hash
/// the engine keeps in state, took them for different every time, and sent a ModifyDBCluster
/// with the password for any change at all, a tag change among them.
#[tokio::test]
async fn a_tag_change_of_a_cluster_sends_no_modify_with_its_password() {
    let account = Emulator::shared().account();
    let cluster = rt("aws_rds_cluster");
    let planned = plan_create(
        cluster,
        &config(vec![
            ("cluster_identifier", Value::from("tag-only")),
            ("engine", Value::from("aurora-postgresql")),
            ("master_username", Value::from("strata")),
            (
                "master_password",
                Value::from("tag-only-password").sensitive(),
            ),
            ("skip_final_snapshot", Value::Bool(true)),
        ]),
    );
    let mut state = cluster
        .create(&ctx(&account).await, &planned)
        .await
        .unwrap();
    // As the engine stores it.
    if let Value::Map(m) = &mut state {
        let hashed = strata::state::hash_secret("tag-only-password");
        m.insert("master_password".into(), Value::from(hashed.as_str()));
    }
    let planned = plan_update(
        cluster,
        &state,
        vec![
            (
                "master_password",
                Value::from("tag-only-password").sensitive(),
            ),
            ("tags", tags(&[("team", "data")])),
        ],
    );
    let ctx = ctx(&account).await;
    let updated = cluster.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(api_calls(&ctx, "ModifyDBCluster"), 0);
    assert_eq!(api_calls(&ctx, "AddTagsToResource"), 1);
    assert_eq!(updated.get("tags"), Some(&tags(&[("team", "data")])));
    cluster.delete(&ctx, &updated).await.unwrap();
}

// ----------------------------------------------------------------------------------------
// aws_db_parameter_group
// ----------------------------------------------------------------------------------------

#[tokio::test]
async fn mysql_parameter_group_lifecycle() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let pg = rt("aws_db_parameter_group");
    let planned = plan_create(
        pg,
        &config(vec![
            ("name_prefix", Value::from("mysql-")),
            ("family", Value::from("mysql8.0")),
            (
                "parameter",
                Value::List(vec![
                    param("bind_address", "0.0.0.0"),
                    config(vec![
                        ("name", Value::from("skip_name_resolve")),
                        ("value", Value::from("1")),
                        ("apply_method", Value::from("pending-reboot")),
                    ]),
                ]),
            ),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let name = obj::string(&planned, "name").unwrap();
    assert!(name.starts_with("mysql-"), "{name}");
    let state = pg.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "id"), Some(name.as_str()));
    assert_eq!(obj::str(&state, "name_prefix"), Some("mysql-"));
    assert_eq!(obj::str(&state, "family"), Some("mysql8.0"));
    assert_eq!(state.get("parameter"), planned.get("parameter"));
    assert_eq!(state.get("skip_destroy"), Some(&Value::Bool(false)));
    assert_eq!(
        aws_db_params(&rds, &name).await,
        pairs(&[("bind_address", "0.0.0.0"), ("skip_name_resolve", "1")])
    );
    let methods: Vec<String> = rds
        .describe_db_parameters()
        .db_parameter_group_name(&name)
        .send()
        .await
        .unwrap()
        .parameters()
        .iter()
        .filter(|p| p.parameter_name() == Some("skip_name_resolve"))
        .filter_map(|p| p.apply_method().map(|m| m.as_str().to_string()))
        .collect();
    assert_eq!(methods, ["pending-reboot"]);
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "test")])
    );
    let read = pg
        .read(&ctx, &[name.clone(), "missing-group".into()])
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[&name], state);

    // A value changed, a parameter removed (reset), tags changed.
    let planned = plan_update(
        pg,
        &state,
        vec![
            (
                "parameter",
                Value::List(vec![param("bind_address", "127.0.0.1")]),
            ),
            ("tags", tags(&[("env", "prod")])),
        ],
    );
    let updated = pg.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(updated.get("parameter"), planned.get("parameter"));
    assert_eq!(
        aws_db_params(&rds, &name).await,
        pairs(&[("bind_address", "127.0.0.1")])
    );
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "prod")])
    );
    assert_eq!(
        pg.read(&ctx, std::slice::from_ref(&name)).await.unwrap()[&name],
        updated
    );
    assert_eq!(pg.import(&ctx, &name).await.unwrap(), Some(updated.clone()));

    pg.delete(&ctx, &updated).await.unwrap();
    assert!(rds
        .describe_db_parameter_groups()
        .send()
        .await
        .unwrap()
        .db_parameter_groups()
        .iter()
        .all(|g| g.db_parameter_group_name() != Some(name.as_str())));
    pg.delete(&ctx, &updated).await.unwrap();
    assert!(pg.import(&ctx, &name).await.unwrap().is_none());
}

/// Issue #5: reading many parameter groups (DB and cluster) and option groups takes one
/// GetResources per type for their tags, no ListTagsForResource; a tag added outside strata
/// shows up. DescribeDB[Cluster]Parameters takes one group, so it stays one call per group.
#[tokio::test]
async fn many_parameter_and_option_groups_share_one_tags_call() {
    let account = Emulator::shared().account();
    let rds = account.rds(REGION).await;
    let setup = ctx(&account).await;
    let cases = [
        (
            "aws_db_parameter_group",
            5,
            vec![
                ("family", Value::from("mysql8.0")),
                (
                    "parameter",
                    Value::List(vec![param("bind_address", "0.0.0.0")]),
                ),
            ],
        ),
        (
            "aws_rds_cluster_parameter_group",
            3,
            vec![
                ("family", Value::from("aurora-mysql8.0")),
                (
                    "parameter",
                    Value::List(vec![param("character_set_server", "utf8mb4")]),
                ),
            ],
        ),
        (
            "aws_db_option_group",
            3,
            vec![
                ("engine_name", Value::from("mysql")),
                ("major_engine_version", Value::from("8.0")),
            ],
        ),
    ];
    for (type_, n, args) in cases {
        let rt = rt(type_);
        let mut states = Vec::new();
        for i in 0..n {
            let mut pairs = args.clone();
            pairs.push(("name", Value::from(format!("many-{i}").as_str())));
            pairs.push(("tags", tags(&[("n", &i.to_string())])));
            states.push(
                rt.create(&setup, &plan_create(rt, &config(pairs)))
                    .await
                    .unwrap(),
            );
        }
        let outside = obj::string(&states[1], "arn").unwrap();
        rds.add_tags_to_resource()
            .resource_name(&outside)
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
        let ids: Vec<String> = (0..n).map(|i| format!("many-{i}")).collect();
        let read = rt.read(&ctx, &ids).await.unwrap();
        eprintln!("{type_}: {:?}", ctx.aws.api_calls.snapshot());
        assert_eq!(read.len(), n, "{type_}");
        for (i, state) in states.iter().enumerate() {
            let mut want = btree(&[("n", &i.to_string())]);
            if i == 1 {
                want.insert("outside".into(), "strata".into());
            }
            let got = &read[&format!("many-{i}")];
            assert_eq!(obj::string_map(got, "tags"), want, "{type_} {i}");
            assert_eq!(aws_tags(&rds, obj::str(state, "arn").unwrap()).await, want);
            assert_eq!(got.get("parameter"), state.get("parameter"), "{type_} {i}");
        }
        assert_eq!(api_calls(&ctx, "GetResources"), 1, "{type_}");
        assert_eq!(api_calls(&ctx, "ListTagsForResource"), 0, "{type_}");
        let per_group = match type_ {
            "aws_db_parameter_group" => api_calls(&ctx, "DescribeDBParameters"),
            "aws_rds_cluster_parameter_group" => api_calls(&ctx, "DescribeDBClusterParameters"),
            _ => n as u64,
        };
        assert_eq!(per_group, n as u64, "{type_}");
        for state in &states {
            rt.delete(&setup, state).await.unwrap();
        }
    }
}

// ----------------------------------------------------------------------------------------
// aws_db_option_group
// ----------------------------------------------------------------------------------------

fn audit_option(events: &str) -> Value {
    config(vec![
        ("option_name", Value::from("MARIADB_AUDIT_PLUGIN")),
        (
            "option_settings",
            Value::List(vec![config(vec![
                ("name", Value::from("SERVER_AUDIT_EVENTS")),
                ("value", Value::from(events)),
            ])]),
        ),
    ])
}

#[tokio::test]
async fn mysql_option_group_lifecycle() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let rds = account.rds(REGION).await;
    let og = rt("aws_db_option_group");
    let planned = plan_create(
        og,
        &config(vec![
            ("name", Value::from("mysql-options")),
            ("engine_name", Value::from("mysql")),
            ("major_engine_version", Value::from("8.0")),
            ("option", Value::List(vec![audit_option("CONNECT")])),
            ("tags", tags(&[("env", "test")])),
        ]),
    );
    let state = og.create(&ctx, &planned).await.unwrap();
    assert_eq!(obj::str(&state, "id"), Some("mysql-options"));
    assert_eq!(
        obj::str(&state, "option_group_description"),
        Some("Managed by Terraform")
    );
    assert_eq!(obj::str(&state, "engine_name"), Some("mysql"));
    let options = state.get("option").and_then(Value::as_list).unwrap();
    assert_eq!(options.len(), 1);
    assert_eq!(
        obj::str(&options[0], "option_name"),
        Some("MARIADB_AUDIT_PLUGIN")
    );
    let describe = || async {
        rds.describe_option_groups()
            .option_group_name("mysql-options")
            .send()
            .await
            .unwrap()
            .option_groups_list
            .unwrap()
            .remove(0)
    };
    let g = describe().await;
    assert_eq!(g.major_engine_version(), Some("8.0"));
    let settings: Vec<(String, String)> = g.options()[0]
        .option_settings()
        .iter()
        .map(|s| {
            (
                s.name().unwrap().to_string(),
                s.value().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(settings, pairs(&[("SERVER_AUDIT_EVENTS", "CONNECT")]));
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "test")])
    );
    let read = og
        .read(&ctx, &["mysql-options".into(), "other".into()])
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read["mysql-options"], state);

    // A setting changed, tags changed.
    let planned = plan_update(
        og,
        &state,
        vec![
            ("option", Value::List(vec![audit_option("CONNECT,QUERY")])),
            ("tags", tags(&[("env", "prod")])),
        ],
    );
    let updated = og.update(&ctx, &state, &planned).await.unwrap();
    let g = describe().await;
    assert_eq!(
        g.options()[0].option_settings()[0].value(),
        Some("CONNECT,QUERY")
    );
    assert_eq!(
        aws_tags(&rds, obj::str(&state, "arn").unwrap()).await,
        btree(&[("env", "prod")])
    );
    assert_eq!(
        og.read(&ctx, &["mysql-options".into()]).await.unwrap()["mysql-options"],
        updated
    );
    assert_eq!(
        og.import(&ctx, "mysql-options").await.unwrap(),
        Some(updated.clone())
    );

    // The option removed.
    let planned = plan_update(og, &updated, vec![("option", Value::List(vec![]))]);
    let emptied = og.update(&ctx, &updated, &planned).await.unwrap();
    assert!(describe().await.options().is_empty());
    assert_eq!(emptied.get("option"), Some(&Value::List(vec![])));

    og.delete(&ctx, &emptied).await.unwrap();
    assert_eq!(
        error_code(
            rds.describe_option_groups()
                .option_group_name("mysql-options")
                .send()
                .await
        ),
        "OptionGroupNotFoundFault"
    );
    og.delete(&ctx, &emptied).await.unwrap();
    assert!(og.import(&ctx, "mysql-options").await.unwrap().is_none());
}

/// Regression: `skip_destroy = true` on a DB parameter or option group planned a change on
/// every plan after the apply: a refresh read it back as false (AWS knows nothing of it), so
/// the configuration's true was always "to change".
#[test]
fn skip_destroy_is_not_read_back_as_false_on_every_refresh() {
    let w = crate::support::Workdir::webapp();
    std::fs::write(
        w.dir().join("main.tf"),
        r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_db_parameter_group" "kept" {
  name         = "kept-params"
  family       = "mysql8.0"
  skip_destroy = true
}

resource "aws_db_option_group" "kept" {
  name                 = "kept-options"
  engine_name          = "mysql"
  major_engine_version = "8.0"
  skip_destroy         = true
}
"#,
    )
    .unwrap();
    w.expect(0, &["apply", "--auto-approve"]);
    w.expect(0, &["plan", "--detailed-exitcode"]);
    // Destroyed in strata, kept in AWS: what skip_destroy is for.
    w.expect(0, &["destroy", "--auto-approve"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let groups = rt.block_on(async {
        let rds = w.account.rds(DEFAULT_REGION).await;
        rds.describe_db_parameter_groups()
            .db_parameter_group_name("kept-params")
            .send()
            .await
            .unwrap()
            .db_parameter_groups()
            .len()
    });
    assert_eq!(groups, 1);
}
