//! The emulator itself: it answers, accounts are isolated, and each AWS behaviour that
//! `tests/emulator/launcher.py` restores on top of moto is pinned here.

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, IpPermission, UserIdGroupPair};

use crate::emulator::{Emulator, TestAccount, DEFAULT_REGION};

const REGION: &str = DEFAULT_REGION;

fn account() -> TestAccount {
    Emulator::shared().account()
}

/// The error code of a failed call, panicking when the call succeeded.
fn error_code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    match result {
        Ok(v) => panic!("expected an AWS error, got {v:?}"),
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("error without a code: {e:?}"))
            .to_string(),
    }
}

async fn default_vpc(ec2: &aws_sdk_ec2::Client) -> String {
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .unwrap()
        .vpcs
        .unwrap_or_default();
    assert_eq!(vpcs.len(), 1, "one default VPC per region: {vpcs:?}");
    vpcs[0].vpc_id.clone().unwrap()
}

async fn create_group(ec2: &aws_sdk_ec2::Client, vpc: &str, name: &str) -> String {
    ec2.create_security_group()
        .group_name(name)
        .description(format!("{name} group"))
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap()
}

fn ingress_from(group_id: &str, port: i32) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(group_id).build())
        .build()
}

#[test]
fn account_env_points_strata_at_the_emulator() {
    let emu = Emulator::shared();
    let acct = emu.account();
    let get = |k: &str| {
        acct.env
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{k} missing from {:?}", acct.env))
    };
    assert_eq!(get("AWS_ENDPOINT_URL"), emu.endpoint);
    assert!(emu.endpoint.starts_with("http://127.0.0.1:"));
    assert_eq!(get("AWS_REGION"), "us-east-1");
    assert_eq!(get("AWS_EC2_METADATA_DISABLED"), "true");
    assert!(!get("AWS_ACCESS_KEY_ID").is_empty());
    assert!(!get("AWS_SECRET_ACCESS_KEY").is_empty());
    assert_eq!(acct.account_id.len(), 12);
    assert_ne!(acct.account_id, emu.account().account_id);
}

#[tokio::test]
async fn security_group_roundtrip_in_default_vpc() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;

    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default();
    assert!(
        subnets.len() >= 2 && subnets.iter().all(|s| s.default_for_az == Some(true)),
        "default subnets in several AZs: {subnets:?}"
    );

    let id = create_group(&ec2, &vpc, "smoke").await;
    let groups = ec2
        .describe_security_groups()
        .group_ids(&id)
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap_or_default();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(g.group_id.as_deref(), Some(id.as_str()));
    assert_eq!(g.group_name.as_deref(), Some("smoke"));
    assert_eq!(g.description.as_deref(), Some("smoke group"));
    assert_eq!(g.vpc_id.as_deref(), Some(vpc.as_str()));
    assert_eq!(g.owner_id.as_deref(), Some(acct.account_id.as_str()));
}

#[tokio::test]
async fn two_accounts_do_not_see_each_other() {
    let (a, b) = (account(), account());
    let (ec2_a, ec2_b) = (a.ec2(REGION).await, b.ec2(REGION).await);
    let vpc_a = default_vpc(&ec2_a).await;
    let vpc_b = default_vpc(&ec2_b).await;
    assert_ne!(vpc_a, vpc_b);

    let id = create_group(&ec2_a, &vpc_a, "only-in-a").await;

    let names_in_b: Vec<String> = ec2_b
        .describe_security_groups()
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| g.group_name)
        .collect();
    assert_eq!(names_in_b, ["default"]);
    assert_eq!(
        error_code(ec2_b.describe_security_groups().group_ids(&id).send().await),
        "InvalidGroup.NotFound"
    );
}

/// Real AWS fails the whole call when one of several ids does not exist; moto does too.
#[tokio::test]
async fn describe_security_groups_with_one_missing_id_fails() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let id = create_group(&ec2, &vpc, "present").await;
    let result = ec2
        .describe_security_groups()
        .group_ids(&id)
        .group_ids("sg-0123456789abcdef0")
        .send()
        .await;
    assert_eq!(error_code(result), "InvalidGroup.NotFound");
}

/// launcher patch (d): a group referenced by another group's rule cannot be deleted.
#[tokio::test]
async fn referenced_security_group_cannot_be_deleted() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let app = create_group(&ec2, &vpc, "app").await;
    let db = create_group(&ec2, &vpc, "db").await;
    ec2.authorize_security_group_ingress()
        .group_id(&db)
        .ip_permissions(ingress_from(&app, 5432))
        .send()
        .await
        .unwrap();

    let result = ec2.delete_security_group().group_id(&app).send().await;
    assert_eq!(error_code(result), "DependencyViolation");

    // A rule of a group on itself does not block deleting it.
    ec2.authorize_security_group_ingress()
        .group_id(&db)
        .ip_permissions(ingress_from(&db, 6379))
        .send()
        .await
        .unwrap();
    ec2.delete_security_group()
        .group_id(&db)
        .send()
        .await
        .unwrap();
    // With the referencing group gone, the referenced one can go too.
    ec2.delete_security_group()
        .group_id(&app)
        .send()
        .await
        .unwrap();
}

async fn ingress_pairs(ec2: &aws_sdk_ec2::Client, group: &str) -> Vec<UserIdGroupPair> {
    ec2.describe_security_groups()
        .group_ids(group)
        .send()
        .await
        .unwrap()
        .security_groups()
        .iter()
        .flat_map(|g| g.ip_permissions())
        .flat_map(|p| p.user_id_group_pairs().to_vec())
        .collect()
}

/// launcher patch (n): the description is no part of a rule's identity. A group-source rule
/// authorised with a description is revoked without it, and authorising it again with
/// another description is a duplicate.
#[tokio::test]
async fn a_described_group_rule_is_revoked_without_its_description() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let app = create_group(&ec2, &vpc, "described-app").await;
    let db = create_group(&ec2, &vpc, "described-db").await;
    let described = |d: &str| {
        IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(5432)
            .to_port(5432)
            .user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(&app)
                    .description(d)
                    .build(),
            )
            .build()
    };
    ec2.authorize_security_group_ingress()
        .group_id(&db)
        .ip_permissions(described("from the app"))
        .send()
        .await
        .unwrap();
    let again = ec2
        .authorize_security_group_ingress()
        .group_id(&db)
        .ip_permissions(described("another description"))
        .send()
        .await;
    assert_eq!(error_code(again), "InvalidPermission.Duplicate");
    assert_eq!(ingress_pairs(&ec2, &db).await.len(), 1);

    ec2.revoke_security_group_ingress()
        .group_id(&db)
        .ip_permissions(ingress_from(&app, 5432))
        .send()
        .await
        .unwrap();
    assert!(ingress_pairs(&ec2, &db).await.is_empty());
}

/// launcher patch (o): revoking a rule that is not there answers UnknownIpPermissions in a
/// default VPC (and revokes the sources that are there), InvalidPermission.NotFound
/// elsewhere (and revokes nothing).
#[tokio::test]
async fn revoking_a_missing_rule_is_reported_as_the_vpc_kind_says() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let cidrs = |list: &[&str]| {
        let mut b = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443);
        for c in list {
            b = b.ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip(*c).build());
        }
        b.build()
    };
    let ranges = |g: aws_sdk_ec2::types::SecurityGroup| -> Vec<String> {
        g.ip_permissions()
            .iter()
            .flat_map(|p| p.ip_ranges())
            .filter_map(|r| r.cidr_ip().map(str::to_string))
            .collect()
    };
    let group_of = |id: String| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_security_groups()
                .group_ids(id)
                .send()
                .await
                .unwrap()
                .security_groups()[0]
                .clone()
        }
    };

    let default = default_vpc(&ec2).await;
    let own = ec2
        .create_vpc()
        .cidr_block("10.40.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    for (vpc, is_default) in [(default, true), (own, false)] {
        let g = create_group(&ec2, &vpc, &format!("revoke-missing-{is_default}")).await;
        ec2.authorize_security_group_ingress()
            .group_id(&g)
            .ip_permissions(cidrs(&["10.1.0.0/16"]))
            .send()
            .await
            .unwrap();
        let revoke = ec2
            .revoke_security_group_ingress()
            .group_id(&g)
            .ip_permissions(cidrs(&["10.1.0.0/16", "10.2.0.0/16"]))
            .send()
            .await;
        if is_default {
            let out = revoke.unwrap();
            let unknown: Vec<&str> = out
                .unknown_ip_permissions()
                .iter()
                .flat_map(|p| p.ip_ranges())
                .filter_map(|r| r.cidr_ip())
                .collect();
            assert_eq!(unknown, ["10.2.0.0/16"]);
            assert!(ranges(group_of(g).await).is_empty());
        } else {
            assert_eq!(error_code(revoke), "InvalidPermission.NotFound");
            assert_eq!(ranges(group_of(g).await), ["10.1.0.0/16"]);
        }
    }
}

/// launcher patch (d): a group used by an RDS instance cannot be deleted.
#[tokio::test]
async fn security_group_used_by_db_instance_cannot_be_deleted() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let rds = acct.rds(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let sg = create_group(&ec2, &vpc, "pg").await;
    rds.create_db_instance()
        .db_instance_identifier("pg1")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("strata")
        .master_user_password("password123")
        .allocated_storage(20)
        .vpc_security_group_ids(&sg)
        .send()
        .await
        .unwrap();

    let result = ec2.delete_security_group().group_id(&sg).send().await;
    assert_eq!(error_code(result), "DependencyViolation");

    rds.delete_db_instance()
        .db_instance_identifier("pg1")
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    ec2.delete_security_group()
        .group_id(&sg)
        .send()
        .await
        .unwrap();
}

async fn create_postgres(rds: &aws_sdk_rds::Client, id: &str) {
    rds.create_db_instance()
        .db_instance_identifier(id)
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .engine_version("16.3")
        .master_username("strata")
        .master_user_password("password123")
        .allocated_storage(20)
        .send()
        .await
        .unwrap();
}

/// launcher patch (c): neither SkipFinalSnapshot nor FinalDBSnapshotIdentifier is refused.
#[tokio::test]
async fn delete_db_instance_without_final_snapshot_is_refused() {
    let acct = account();
    let rds = acct.rds(REGION).await;
    create_postgres(&rds, "db1").await;

    let result = rds
        .delete_db_instance()
        .db_instance_identifier("db1")
        .send()
        .await;
    assert_eq!(error_code(result), "InvalidParameterCombination");
    // Still there.
    rds.describe_db_instances()
        .db_instance_identifier("db1")
        .send()
        .await
        .unwrap();

    // With a final snapshot it goes, and leaves the snapshot.
    rds.delete_db_instance()
        .db_instance_identifier("db1")
        .final_db_snapshot_identifier("db1-final")
        .send()
        .await
        .unwrap();
    let result = rds
        .describe_db_instances()
        .db_instance_identifier("db1")
        .send()
        .await;
    assert_eq!(error_code(result), "DBInstanceNotFound");
    rds.describe_db_snapshots()
        .db_snapshot_identifier("db1-final")
        .send()
        .await
        .unwrap();

    // With SkipFinalSnapshot it goes too.
    create_postgres(&rds, "db2").await;
    rds.delete_db_instance()
        .db_instance_identifier("db2")
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
}

/// launcher patch (e): mariadb without an engine version gets a default one.
#[tokio::test]
async fn mariadb_without_engine_version_is_created() {
    let acct = account();
    let rds = acct.rds(REGION).await;
    let db = rds
        .create_db_instance()
        .db_instance_identifier("maria")
        .db_instance_class("db.t3.micro")
        .engine("mariadb")
        .master_username("strata")
        .master_user_password("password123")
        .allocated_storage(20)
        .send()
        .await
        .unwrap()
        .db_instance
        .unwrap();
    assert_eq!(db.engine.as_deref(), Some("mariadb"));
    assert!(!db.engine_version.unwrap_or_default().is_empty());
}

/// launcher patch (a): a deleted cache cluster disappears instead of staying `deleting`.
#[tokio::test]
async fn deleted_cache_cluster_disappears() {
    let acct = account();
    let ec = acct.elasticache(REGION).await;
    ec.create_cache_cluster()
        .cache_cluster_id("cc1")
        .engine("redis")
        .cache_node_type("cache.t3.micro")
        .num_cache_nodes(1)
        .send()
        .await
        .unwrap();
    let deleted = ec
        .delete_cache_cluster()
        .cache_cluster_id("cc1")
        .send()
        .await
        .unwrap()
        .cache_cluster
        .unwrap();
    assert_eq!(deleted.cache_cluster_status.as_deref(), Some("deleting"));
    let result = ec
        .describe_cache_clusters()
        .cache_cluster_id("cc1")
        .send()
        .await;
    assert_eq!(error_code(result), "CacheClusterNotFound");
}

/// launcher patch (a): a deleted replication group disappears instead of staying `deleting`.
#[tokio::test]
async fn deleted_replication_group_disappears() {
    let acct = account();
    let ec = acct.elasticache(REGION).await;
    ec.create_replication_group()
        .replication_group_id("rg1")
        .replication_group_description("strata test")
        .engine("redis")
        .cache_node_type("cache.t3.micro")
        .num_cache_clusters(1)
        .send()
        .await
        .unwrap();
    let deleted = ec
        .delete_replication_group()
        .replication_group_id("rg1")
        .send()
        .await
        .unwrap()
        .replication_group
        .unwrap();
    assert_eq!(deleted.status.as_deref(), Some("deleting"));
    let result = ec
        .describe_replication_groups()
        .replication_group_id("rg1")
        .send()
        .await;
    assert_eq!(error_code(result), "ReplicationGroupNotFoundFault");
}

/// launcher patch (b): DeleteCacheSubnetGroup, refused while in use.
#[tokio::test]
async fn cache_subnet_group_can_be_deleted_once_unused() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let ec = acct.elasticache(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let subnets: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .take(2)
        .collect();
    ec.create_cache_subnet_group()
        .cache_subnet_group_name("cache-subnets")
        .cache_subnet_group_description("strata test")
        .set_subnet_ids(Some(subnets))
        .send()
        .await
        .unwrap();
    ec.create_cache_cluster()
        .cache_cluster_id("in-subnets")
        .engine("redis")
        .cache_node_type("cache.t3.micro")
        .num_cache_nodes(1)
        .cache_subnet_group_name("cache-subnets")
        .send()
        .await
        .unwrap();

    let result = ec
        .delete_cache_subnet_group()
        .cache_subnet_group_name("cache-subnets")
        .send()
        .await;
    assert_eq!(error_code(result), "CacheSubnetGroupInUse");

    ec.delete_cache_cluster()
        .cache_cluster_id("in-subnets")
        .send()
        .await
        .unwrap();
    ec.delete_cache_subnet_group()
        .cache_subnet_group_name("cache-subnets")
        .send()
        .await
        .unwrap();
    let result = ec
        .describe_cache_subnet_groups()
        .cache_subnet_group_name("cache-subnets")
        .send()
        .await;
    assert_eq!(error_code(result), "CacheSubnetGroupNotFoundFault");
    let result = ec
        .delete_cache_subnet_group()
        .cache_subnet_group_name("cache-subnets")
        .send()
        .await;
    assert_eq!(error_code(result), "CacheSubnetGroupNotFoundFault");
}

/// launcher patch (b): ModifyCacheCluster.
#[tokio::test]
async fn modify_cache_cluster_applies_changes() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let ec = acct.elasticache(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let sg = create_group(&ec2, &vpc, "cache").await;
    ec.create_cache_cluster()
        .cache_cluster_id("cc1")
        .engine("redis")
        .cache_node_type("cache.t3.micro")
        .num_cache_nodes(1)
        .send()
        .await
        .unwrap();
    let modified = ec
        .modify_cache_cluster()
        .cache_cluster_id("cc1")
        .snapshot_retention_limit(3)
        .security_group_ids(&sg)
        .apply_immediately(true)
        .send()
        .await
        .unwrap()
        .cache_cluster
        .unwrap();
    assert_eq!(modified.snapshot_retention_limit, Some(3));
    let cluster = ec
        .describe_cache_clusters()
        .cache_cluster_id("cc1")
        .send()
        .await
        .unwrap()
        .cache_clusters
        .unwrap()
        .remove(0);
    assert_eq!(cluster.snapshot_retention_limit, Some(3));
    let sgs: Vec<String> = cluster
        .security_groups
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.security_group_id)
        .collect();
    assert_eq!(sgs, std::slice::from_ref(&sg));

    // And the group is now in use by the cluster (patch (d)).
    let result = ec2.delete_security_group().group_id(&sg).send().await;
    assert_eq!(error_code(result), "DependencyViolation");

    let result = ec
        .modify_cache_cluster()
        .cache_cluster_id("nope")
        .num_cache_nodes(2)
        .send()
        .await;
    assert_eq!(error_code(result), "CacheClusterNotFound");
}

/// launcher patch (f): ModifyDBSubnetGroup modifies in place; a missing group is NotFound.
#[tokio::test]
async fn modify_db_subnet_group_keeps_the_group() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let rds = acct.rds(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let subnets: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .take(3)
        .collect();
    rds.create_db_subnet_group()
        .db_subnet_group_name("db-subnets")
        .db_subnet_group_description("before")
        .set_subnet_ids(Some(subnets[..2].to_vec()))
        .send()
        .await
        .unwrap();
    rds.modify_db_subnet_group()
        .db_subnet_group_name("db-subnets")
        .db_subnet_group_description("after")
        .set_subnet_ids(Some(subnets.clone()))
        .send()
        .await
        .unwrap();
    let group = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("db-subnets")
        .send()
        .await
        .unwrap()
        .db_subnet_groups
        .unwrap()
        .remove(0);
    assert_eq!(group.db_subnet_group_description(), Some("after"));
    assert_eq!(group.subnets().len(), 3);

    let result = rds
        .modify_db_subnet_group()
        .db_subnet_group_name("nope")
        .set_subnet_ids(Some(subnets))
        .send()
        .await;
    assert_eq!(error_code(result), "DBSubnetGroupNotFoundFault");
}

#[tokio::test]
async fn reset_parameter_groups_drops_user_parameters() {
    use aws_sdk_rds::types::{ApplyMethod, Parameter};
    let acct = account();
    let rds = acct.rds(REGION).await;
    let p = |name: &str, value: &str| {
        Parameter::builder()
            .parameter_name(name)
            .parameter_value(value)
            .apply_method(ApplyMethod::Immediate)
            .build()
    };
    rds.create_db_parameter_group()
        .db_parameter_group_name("pg")
        .db_parameter_group_family("mysql8.0")
        .description("d")
        .send()
        .await
        .unwrap();
    rds.modify_db_parameter_group()
        .db_parameter_group_name("pg")
        .parameters(p("bind_address", "0.0.0.0"))
        .parameters(p("skip_name_resolve", "1"))
        .send()
        .await
        .unwrap();
    rds.reset_db_parameter_group()
        .db_parameter_group_name("pg")
        .reset_all_parameters(false)
        .parameters(p("skip_name_resolve", "1"))
        .send()
        .await
        .unwrap();
    let names: Vec<String> = rds
        .describe_db_parameters()
        .db_parameter_group_name("pg")
        .source("user")
        .send()
        .await
        .unwrap()
        .parameters()
        .iter()
        .filter_map(|p| p.parameter_name().map(str::to_string))
        .collect();
    assert_eq!(names, ["bind_address"]);
    let result = rds
        .reset_db_parameter_group()
        .db_parameter_group_name("nope")
        .reset_all_parameters(true)
        .send()
        .await;
    assert_eq!(error_code(result), "DBParameterGroupNotFound");

    rds.create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("cpg")
        .db_parameter_group_family("aurora-mysql8.0")
        .description("d")
        .send()
        .await
        .unwrap();
    rds.modify_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("cpg")
        .parameters(p("character_set_server", "utf8mb4"))
        .send()
        .await
        .unwrap();
    rds.reset_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("cpg")
        .reset_all_parameters(true)
        .send()
        .await
        .unwrap();
    let left = rds
        .describe_db_cluster_parameters()
        .db_cluster_parameter_group_name("cpg")
        .source("user")
        .send()
        .await
        .unwrap();
    assert!(left.parameters().is_empty(), "{left:?}");
}

#[tokio::test]
async fn describe_option_groups_lists_all_without_a_name() {
    let acct = account();
    let rds = acct.rds(REGION).await;
    let all = rds.describe_option_groups().send().await.unwrap();
    assert!(all.option_groups_list().is_empty());
    rds.create_option_group()
        .option_group_name("opts")
        .engine_name("mysql")
        .major_engine_version("8.0")
        .option_group_description("d")
        .send()
        .await
        .unwrap();
    let all = rds.describe_option_groups().send().await.unwrap();
    assert_eq!(all.option_groups_list().len(), 1);
    let result = rds
        .describe_option_groups()
        .option_group_name("nope")
        .send()
        .await;
    assert_eq!(error_code(result), "OptionGroupNotFoundFault");
}

/// (k) A create whose name is taken fails as AWS fails it and leaves the existing object
/// alone: a create the SDK retries after a lost answer relies on it.
#[tokio::test]
async fn creating_a_taken_subnet_group_or_cluster_name_fails() {
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let rds = acct.rds(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let subnets: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .take(2)
        .collect();
    let create_group = |description: &'static str| {
        rds.create_db_subnet_group()
            .db_subnet_group_name("taken")
            .db_subnet_group_description(description)
            .set_subnet_ids(Some(subnets.clone()))
            .send()
    };
    create_group("first").await.unwrap();
    assert_eq!(
        error_code(create_group("second").await),
        "DBSubnetGroupAlreadyExists"
    );
    let group = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("taken")
        .send()
        .await
        .unwrap()
        .db_subnet_groups
        .unwrap()
        .remove(0);
    assert_eq!(group.db_subnet_group_description(), Some("first"));

    let create_cluster = |port: i32| {
        rds.create_db_cluster()
            .db_cluster_identifier("taken")
            .engine("aurora-postgresql")
            .master_username("strata")
            .master_user_password("not-a-real-password-1")
            .port(port)
            .send()
    };
    create_cluster(5432).await.unwrap();
    assert_eq!(
        error_code(create_cluster(6543).await),
        "DBClusterAlreadyExistsFault"
    );
    let cluster = rds
        .describe_db_clusters()
        .db_cluster_identifier("taken")
        .send()
        .await
        .unwrap()
        .db_clusters
        .unwrap()
        .remove(0);
    assert_eq!(cluster.port(), Some(5432));
}

/// The tags GetResources reports for these ARNs, by ARN.
async fn tags_by_arn(
    tagging: &aws_sdk_resourcegroupstagging::Client,
    arns: &[String],
) -> std::collections::BTreeMap<String, Vec<(String, String)>> {
    let out = tagging
        .get_resources()
        .set_resource_arn_list(Some(arns.to_vec()))
        .send()
        .await
        .unwrap();
    assert!(
        out.pagination_token().is_none_or(str::is_empty),
        "an ARN list is answered whole: {out:?}"
    );
    out.resource_tag_mapping_list()
        .iter()
        .map(|m| {
            (
                m.resource_arn().unwrap().to_string(),
                m.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            )
        })
        .collect()
}

/// launcher patch (l): GetResources knows RDS subnet, parameter, cluster parameter and option
/// groups and ElastiCache subnet and parameter groups by their ARN's resource type, with the
/// tags the services hold (added later too); an ARN list is answered whole, 100 ARNs at most.
#[tokio::test]
async fn get_resources_covers_rds_and_elasticache_groups() {
    use aws_sdk_elasticache::types::Tag as CacheTag;
    use aws_sdk_rds::types::Tag as RdsTag;
    let acct = account();
    let ec2 = acct.ec2(REGION).await;
    let rds = acct.rds(REGION).await;
    let ec = acct.elasticache(REGION).await;
    let tagging = acct.tagging(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let subnets: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .take(2)
        .collect();
    let subnet_ids = subnets.clone();
    let rtag = |v: &str| RdsTag::builder().key("team").value(v).build();
    let ctag = |v: &str| CacheTag::builder().key("team").value(v).build();

    let subgrp = rds
        .create_db_subnet_group()
        .db_subnet_group_name("tagged-subnets")
        .db_subnet_group_description("d")
        .set_subnet_ids(Some(subnets.clone()))
        .tags(rtag("subgrp"))
        .send()
        .await
        .unwrap()
        .db_subnet_group
        .unwrap()
        .db_subnet_group_arn
        .unwrap();
    let untagged = rds
        .create_db_subnet_group()
        .db_subnet_group_name("untagged-subnets")
        .db_subnet_group_description("d")
        .set_subnet_ids(Some(subnets.clone()))
        .send()
        .await
        .unwrap()
        .db_subnet_group
        .unwrap()
        .db_subnet_group_arn
        .unwrap();
    let pg = rds
        .create_db_parameter_group()
        .db_parameter_group_name("tagged-pg")
        .db_parameter_group_family("mysql8.0")
        .description("d")
        .tags(rtag("pg"))
        .send()
        .await
        .unwrap()
        .db_parameter_group
        .unwrap()
        .db_parameter_group_arn
        .unwrap();
    let cluster_pg = rds
        .create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("tagged-cpg")
        .db_parameter_group_family("aurora-mysql8.0")
        .description("d")
        .tags(rtag("cluster-pg"))
        .send()
        .await
        .unwrap()
        .db_cluster_parameter_group
        .unwrap()
        .db_cluster_parameter_group_arn
        .unwrap();
    let og = rds
        .create_option_group()
        .option_group_name("tagged-og")
        .engine_name("mysql")
        .major_engine_version("8.0")
        .option_group_description("d")
        .tags(rtag("og"))
        .send()
        .await
        .unwrap()
        .option_group
        .unwrap()
        .option_group_arn
        .unwrap();
    let cache_pg = ec
        .create_cache_parameter_group()
        .cache_parameter_group_name("tagged-cache-pg")
        .cache_parameter_group_family("redis7")
        .description("d")
        .tags(ctag("parametergroup"))
        .send()
        .await
        .unwrap()
        .cache_parameter_group
        .unwrap()
        .arn
        .unwrap();
    let cache_subnets = ec
        .create_cache_subnet_group()
        .cache_subnet_group_name("tagged-cache-subnets")
        .cache_subnet_group_description("d")
        .set_subnet_ids(Some(subnets.clone()))
        .tags(ctag("subnetgroup"))
        .send()
        .await
        .unwrap()
        .cache_subnet_group
        .unwrap()
        .arn
        .unwrap();

    let all = vec![
        subgrp.clone(),
        untagged.clone(),
        pg.clone(),
        cluster_pg.clone(),
        og.clone(),
        cache_pg.clone(),
        cache_subnets.clone(),
    ];
    let team = |v: &str| vec![("team".to_string(), v.to_string())];
    let found = tags_by_arn(&tagging, &all).await;
    assert_eq!(found.get(&subgrp), Some(&team("subgrp")));
    assert_eq!(found.get(&pg), Some(&team("pg")));
    assert_eq!(found.get(&cluster_pg), Some(&team("cluster-pg")));
    assert_eq!(found.get(&og), Some(&team("og")));
    assert_eq!(found.get(&cache_pg), Some(&team("parametergroup")));
    assert_eq!(found.get(&cache_subnets), Some(&team("subnetgroup")));
    assert!(!found.contains_key(&untagged), "never tagged: {found:?}");

    // Tags added afterwards through the services' own APIs are reported.
    rds.add_tags_to_resource()
        .resource_name(&untagged)
        .tags(RdsTag::builder().key("added").value("later").build())
        .send()
        .await
        .unwrap();
    ec.add_tags_to_resource()
        .resource_name(&cache_pg)
        .tags(CacheTag::builder().key("added").value("later").build())
        .send()
        .await
        .unwrap();
    let found = tags_by_arn(&tagging, &all).await;
    assert_eq!(
        found.get(&untagged),
        Some(&vec![("added".to_string(), "later".to_string())])
    );
    assert_eq!(found[&cache_pg].len(), 2, "{found:?}");

    // The resource types are the ARNs' own.
    let by_type = tagging
        .get_resources()
        .resource_type_filters("rds:pg")
        .resource_type_filters("elasticache:parametergroup")
        .send()
        .await
        .unwrap();
    let mut arns: Vec<&str> = by_type
        .resource_tag_mapping_list()
        .iter()
        .filter_map(|m| m.resource_arn())
        .collect();
    arns.sort();
    let mut expected = [cache_pg.as_str(), pg.as_str()];
    expected.sort();
    assert_eq!(arns, expected);

    // More than moto's 50 resources a page, still one answer; 101 ARNs are refused.
    let mut many = all.clone();
    for i in 0..60 {
        many.push(
            rds.create_db_subnet_group()
                .db_subnet_group_name(format!("bulk-{i}"))
                .db_subnet_group_description("d")
                .set_subnet_ids(Some(subnet_ids.clone()))
                .tags(rtag("bulk"))
                .send()
                .await
                .unwrap()
                .db_subnet_group
                .unwrap()
                .db_subnet_group_arn
                .unwrap(),
        );
    }
    assert_eq!(tags_by_arn(&tagging, &many).await.len(), many.len());
    while many.len() <= 100 {
        let n = many.len();
        many.push(format!(
            "arn:aws:rds:{REGION}:{}:subgrp:nope-{n}",
            acct.account_id
        ));
    }
    let result = tagging
        .get_resources()
        .set_resource_arn_list(Some(many))
        .send()
        .await;
    assert_eq!(error_code(result), "InvalidParameterException");
}

/// Patch (p): an encrypted instance or cluster without KmsKeyId reports the region's aws/rds
/// key.
#[tokio::test]
async fn an_encrypted_instance_without_a_key_reports_the_regions_aws_rds_key() {
    let account = account();
    let rds = account.rds("us-west-2").await;
    rds.create_db_instance()
        .db_instance_identifier("smoke-encrypted")
        .engine("mysql")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("smoke-encrypted-pw")
        .storage_encrypted(true)
        .send()
        .await
        .unwrap();
    let db = rds
        .describe_db_instances()
        .db_instance_identifier("smoke-encrypted")
        .send()
        .await
        .unwrap();
    let key = db.db_instances()[0]
        .kms_key_id()
        .unwrap_or_default()
        .to_string();
    let kms = account.kms("us-west-2").await;
    let managed = kms
        .describe_key()
        .key_id("alias/aws/rds")
        .send()
        .await
        .unwrap();
    assert_eq!(
        Some(key.as_str()),
        managed.key_metadata().and_then(|m| m.arn())
    );
    assert!(key.contains(":us-west-2:"), "{key}");
    let cluster = rds
        .create_db_cluster()
        .db_cluster_identifier("smoke-encrypted-cluster")
        .engine("aurora-mysql")
        .master_username("admin")
        .master_user_password("smoke-encrypted-pw")
        .storage_encrypted(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cluster.db_cluster().and_then(|c| c.kms_key_id()),
        managed.key_metadata().and_then(|m| m.arn())
    );
}

/// Patch (q): DescribeRegions lists the enabled regions unless AllRegions, and applies its
/// filters, as AWS does (aws_regions relies on both).
#[tokio::test]
async fn describe_regions_honours_all_regions_and_filters() {
    let ec2 = account().ec2("us-east-1").await;
    let names = |out: aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput| {
        let mut n: Vec<String> = out
            .regions()
            .iter()
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect();
        n.sort();
        n
    };
    let enabled = names(ec2.describe_regions().send().await.unwrap());
    let all = names(
        ec2.describe_regions()
            .all_regions(true)
            .send()
            .await
            .unwrap(),
    );
    assert!(enabled.contains(&"us-east-1".to_string()), "{enabled:?}");
    assert!(all.len() > enabled.len(), "{all:?} vs {enabled:?}");
    let status = |v: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name("opt-in-status")
            .values(v)
            .build()
    };
    let not_opted = ec2
        .describe_regions()
        .all_regions(true)
        .filters(status("not-opted-in"))
        .send()
        .await
        .unwrap();
    let not_opted = names(not_opted);
    assert!(!not_opted.is_empty() && not_opted.iter().all(|r| !enabled.contains(r)));
    let named = ec2
        .describe_regions()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("region-name")
                .values("eu-west-1")
                .values("us-east-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(names(named), ["eu-west-1", "us-east-1"]);
    let bad = ec2
        .describe_regions()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("colour")
                .values("x")
                .build(),
        )
        .send()
        .await;
    assert_eq!(error_code(bad), "InvalidFilter");
}

/// Patch (r): an assumed role's GetCallerIdentity UserId is the same on every call, as AWS
/// answers (aws_caller_identity must not drift between plans).
#[tokio::test]
async fn caller_identity_user_id_is_stable() {
    let sts = aws_sdk_sts::Client::new(&account().sdk_config("us-east-1").await);
    let first = sts.get_caller_identity().send().await.unwrap();
    let again = sts.get_caller_identity().send().await.unwrap();
    assert!(first.user_id().unwrap().starts_with("AROA"), "{first:?}");
    assert_eq!(first.user_id(), again.user_id());
}

/// Patch (s): a DB instance keeps the arguments moto used to drop, with AWS's defaults, and
/// ModifyDBInstance's insights and customer-owned IP flags reach the describe answer.
#[tokio::test]
async fn a_db_instance_reports_insights_network_type_and_time_zone() {
    let account = account();
    let rds = account.rds("us-east-1").await;
    let describe = || async {
        rds.describe_db_instances()
            .db_instance_identifier("smoke-insights")
            .send()
            .await
            .unwrap()
            .db_instances()[0]
            .clone()
    };
    rds.create_db_instance()
        .db_instance_identifier("smoke-insights")
        .engine("sqlserver-ex")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("smoke-insights-pw")
        .enable_performance_insights(true)
        .timezone("UTC")
        .network_type("DUAL")
        .send()
        .await
        .unwrap();
    let db = describe().await;
    assert_eq!(db.performance_insights_enabled(), Some(true));
    assert_eq!(db.performance_insights_retention_period(), Some(7));
    assert!(db
        .performance_insights_kms_key_id()
        .is_some_and(|k| k.contains(":key/")));
    assert_eq!(db.timezone(), Some("UTC"));
    assert_eq!(db.network_type(), Some("DUAL"));
    assert_eq!(
        db.engine_lifecycle_support(),
        Some("open-source-rds-extended-support")
    );
    assert_eq!(
        db.database_insights_mode().map(|m| m.as_str()),
        Some("standard")
    );
    assert_eq!(db.dedicated_log_volume(), Some(false));
    rds.modify_db_instance()
        .db_instance_identifier("smoke-insights")
        .enable_performance_insights(false)
        .enable_customer_owned_ip(true)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let db = describe().await;
    assert_eq!(db.performance_insights_enabled(), Some(false));
    assert_eq!(db.performance_insights_retention_period(), None);
    assert_eq!(db.customer_owned_ip_enabled(), Some(true));
}

/// Patch (t): a point-in-time restore is a stand-alone instance with AWS's defaults, not a
/// copy of its source's settings nor a replica of it.
#[tokio::test]
async fn a_point_in_time_restore_is_stand_alone_with_defaults() {
    let account = account();
    let rds = account.rds("us-east-1").await;
    rds.create_db_instance()
        .db_instance_identifier("smoke-pitr-src")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("smoke-pitr-pw")
        .enable_iam_database_authentication(true)
        .enable_cloudwatch_logs_exports("postgresql")
        .send()
        .await
        .unwrap();
    rds.restore_db_instance_to_point_in_time()
        .source_db_instance_identifier("smoke-pitr-src")
        .target_db_instance_identifier("smoke-pitr")
        .use_latest_restorable_time(true)
        .send()
        .await
        .unwrap();
    let db = rds
        .describe_db_instances()
        .db_instance_identifier("smoke-pitr")
        .send()
        .await
        .unwrap()
        .db_instances()[0]
        .clone();
    assert_eq!(db.read_replica_source_db_instance_identifier(), None);
    assert_eq!(db.iam_database_authentication_enabled(), Some(false));
    assert!(db.enabled_cloudwatch_logs_exports().is_empty());
    assert_eq!(db.engine(), Some("postgres"));
}

/// Patch (u): a log group's class is kept and answered (STANDARD when not given), and its KMS key
/// can be associated and disassociated after creation.
#[tokio::test]
async fn log_groups_answer_their_class_and_change_their_kms_key() {
    use aws_sdk_cloudwatchlogs::types::LogGroupClass;
    let logs = account().logs(REGION).await;
    let class_of = |name: &'static str| {
        let logs = logs.clone();
        async move {
            let out = logs.describe_log_groups().log_group_name_prefix(name);
            let out = out.send().await.unwrap();
            let g = out.log_groups()[0].clone();
            (
                g.log_group_class().cloned(),
                g.kms_key_id().map(str::to_string),
            )
        }
    };
    logs.create_log_group()
        .log_group_name("smoke-standard")
        .send()
        .await
        .unwrap();
    let ia = logs.create_log_group().log_group_name("smoke-ia");
    let ia = ia.log_group_class(LogGroupClass::InfrequentAccess);
    ia.send().await.unwrap();
    assert_eq!(
        class_of("smoke-standard").await.0,
        Some(LogGroupClass::Standard)
    );
    assert_eq!(
        class_of("smoke-ia").await.0,
        Some(LogGroupClass::InfrequentAccess)
    );

    let key = "arn:aws:kms:us-east-1:123456789012:key/smoke";
    let call = logs.associate_kms_key().log_group_name("smoke-standard");
    call.kms_key_id(key).send().await.unwrap();
    assert_eq!(class_of("smoke-standard").await.1.as_deref(), Some(key));
    let call = logs.disassociate_kms_key().log_group_name("smoke-standard");
    call.send().await.unwrap();
    assert_eq!(class_of("smoke-standard").await.1, None);
    let missing = logs.associate_kms_key().log_group_name("smoke-missing");
    let missing = missing.kms_key_id(key).send().await;
    assert_eq!(error_code(missing), "ResourceNotFoundException");
}

/// Patch (v): AWS managed policies exist in every account: a role can have the RDS enhanced
/// monitoring policy attached.
#[tokio::test]
async fn aws_managed_policies_can_be_attached() {
    let iam = account().iam().await;
    let arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";
    let got = iam.get_policy().policy_arn(arn).send().await.unwrap();
    assert_eq!(
        got.policy().and_then(|p| p.policy_name()),
        Some("AmazonRDSEnhancedMonitoringRole")
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam.create_role().role_name("smoke-monitoring");
    role.assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let attach = iam
        .attach_role_policy()
        .role_name("smoke-monitoring")
        .policy_arn(arn);
    attach.send().await.unwrap();
    let listed = iam
        .list_attached_role_policies()
        .role_name("smoke-monitoring");
    let listed = listed.send().await.unwrap();
    assert_eq!(listed.attached_policies()[0].policy_arn(), Some(arn));
}

/// Patch (w): RemoveRoleFromDBInstance removes the association; removing one that is not
/// there is DBInstanceRoleNotFound.
#[tokio::test]
async fn a_role_is_removed_from_a_db_instance() {
    let account = account();
    let rds = account.rds("us-east-1").await;
    create_postgres(&rds, "smoke-roles").await;
    let role = "arn:aws:iam::123456789012:role/smoke-s3";
    rds.add_role_to_db_instance()
        .db_instance_identifier("smoke-roles")
        .role_arn(role)
        .feature_name("s3Import")
        .send()
        .await
        .unwrap();
    let remove = || {
        rds.remove_role_from_db_instance()
            .db_instance_identifier("smoke-roles")
            .role_arn(role)
            .feature_name("s3Import")
            .send()
    };
    remove().await.unwrap();
    let db = rds
        .describe_db_instances()
        .db_instance_identifier("smoke-roles")
        .send()
        .await
        .unwrap();
    assert!(db.db_instances()[0].associated_roles().is_empty());
    assert_eq!(error_code(remove().await), "DBInstanceRoleNotFound");
}

/// Patch (x): automated backups replicate to another Region and stop; the destination
/// describes them, the source lists the replication.
#[tokio::test]
async fn automated_backups_replicate_to_another_region_and_stop() {
    let account = account();
    let east = account.rds("us-east-1").await;
    let west = account.rds("us-west-2").await;
    create_postgres(&east, "smoke-replicated").await;
    let source = east
        .describe_db_instances()
        .db_instance_identifier("smoke-replicated")
        .send()
        .await
        .unwrap();
    let arn = source.db_instances()[0]
        .db_instance_arn()
        .unwrap()
        .to_string();
    let started = west
        .start_db_instance_automated_backups_replication()
        .source_db_instance_arn(&arn)
        .backup_retention_period(3)
        .send()
        .await
        .unwrap();
    let backup = started.db_instance_automated_backup().unwrap();
    assert_eq!(backup.status(), Some("replicating"));
    let backups_arn = backup
        .db_instance_automated_backups_arn()
        .unwrap()
        .to_string();
    assert!(backups_arn.contains(":us-west-2:"), "{backups_arn}");
    let listed = west
        .describe_db_instance_automated_backups()
        .send()
        .await
        .unwrap();
    assert!(listed
        .db_instance_automated_backups()
        .iter()
        .any(|b| b.db_instance_automated_backups_arn() == Some(backups_arn.as_str())));
    // Restorable in the destination Region from the replicated backups.
    west.restore_db_instance_to_point_in_time()
        .source_db_instance_automated_backups_arn(&backups_arn)
        .use_latest_restorable_time(true)
        .target_db_instance_identifier("smoke-replicated-restore")
        .send()
        .await
        .unwrap();
    let restored = west
        .describe_db_instances()
        .db_instance_identifier("smoke-replicated-restore")
        .send()
        .await
        .unwrap();
    assert_eq!(restored.db_instances()[0].engine(), Some("postgres"));
    assert!(restored.db_instances()[0]
        .db_instance_arn()
        .is_some_and(|a| a.contains(":us-west-2:")));
    west.stop_db_instance_automated_backups_replication()
        .source_db_instance_arn(&arn)
        .send()
        .await
        .unwrap();
    let listed = west
        .describe_db_instance_automated_backups()
        .send()
        .await
        .unwrap();
    assert!(listed
        .db_instance_automated_backups()
        .iter()
        .all(|b| b.db_instance_automated_backups_arn() != Some(backups_arn.as_str())));
    let missing = east
        .start_db_instance_automated_backups_replication()
        .source_db_instance_arn(arn.replace("smoke-replicated", "nothing-here"))
        .send()
        .await;
    assert_eq!(error_code(missing), "DBInstanceNotFound");
}

/// Patch (y): CreateDBCluster keeps the monitoring, insights, CA, lifecycle, write-forwarding,
/// scalability and Data API arguments (an Aurora cluster's storage type is `aurora`);
/// ModifyDBCluster applies IAM auth, Performance Insights and log exports under the names
/// DescribeDBClusters reports; EnableHttpEndpoint / DisableHttpEndpoint exist.
#[tokio::test]
async fn cluster_arguments_are_kept_and_modified_as_aws_reports_them() {
    let rds = account().rds(DEFAULT_REGION).await;
    let created = rds
        .create_db_cluster()
        .db_cluster_identifier("smoke-cluster-args")
        .engine("aurora-mysql")
        .master_username("admin")
        .master_user_password("smoke-cluster-pw")
        .monitoring_interval(15)
        .monitoring_role_arn("arn:aws:iam::123456789012:role/mon")
        .enable_performance_insights(true)
        .database_insights_mode(aws_sdk_rds::types::DatabaseInsightsMode::Advanced)
        .ca_certificate_identifier("rds-ca-rsa2048-g1")
        .enable_local_write_forwarding(true)
        .cluster_scalability_type(aws_sdk_rds::types::ClusterScalabilityType::Standard)
        .enable_http_endpoint(true)
        .send()
        .await
        .unwrap()
        .db_cluster
        .unwrap();
    let describe = || async {
        let answer = rds
            .describe_db_clusters()
            .db_cluster_identifier("smoke-cluster-args")
            .send();
        answer.await.unwrap().db_clusters.unwrap().remove(0)
    };
    let c = describe().await;
    assert_eq!(c.monitoring_interval(), Some(15));
    assert_eq!(
        c.monitoring_role_arn(),
        Some("arn:aws:iam::123456789012:role/mon")
    );
    assert_eq!(c.performance_insights_enabled(), Some(true));
    assert_eq!(c.performance_insights_retention_period(), Some(7));
    assert_eq!(
        c.database_insights_mode().map(|m| m.as_str()),
        Some("advanced")
    );
    assert_eq!(
        c.certificate_details().and_then(|d| d.ca_identifier()),
        Some("rds-ca-rsa2048-g1")
    );
    assert_eq!(
        c.engine_lifecycle_support(),
        Some("open-source-rds-extended-support")
    );
    assert_eq!(
        c.local_write_forwarding_status().map(|s| s.as_str()),
        Some("enabled")
    );
    assert_eq!(
        c.cluster_scalability_type().map(|s| s.as_str()),
        Some("standard")
    );
    assert_eq!(c.http_endpoint_enabled(), Some(true));
    assert_eq!(c.storage_type(), Some("aurora"));

    rds.modify_db_cluster()
        .db_cluster_identifier("smoke-cluster-args")
        .apply_immediately(true)
        .enable_iam_database_authentication(true)
        .enable_performance_insights(false)
        .cloudwatch_logs_export_configuration(
            aws_sdk_rds::types::CloudwatchLogsExportConfiguration::builder()
                .enable_log_types("error")
                .enable_log_types("slowquery")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let c = describe().await;
    assert_eq!(c.iam_database_authentication_enabled(), Some(true));
    assert_eq!(c.performance_insights_enabled(), Some(false));
    assert_eq!(c.enabled_cloudwatch_logs_exports(), ["error", "slowquery"]);

    let arn = created.db_cluster_arn().unwrap();
    let off = rds
        .disable_http_endpoint()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(off.http_endpoint_enabled(), Some(false));
    assert_eq!(describe().await.http_endpoint_enabled(), Some(false));
    let missing = rds
        .enable_http_endpoint()
        .resource_arn("arn:aws:rds:us-east-1:123456789012:cluster:missing")
        .send()
        .await;
    assert_eq!(error_code(missing), "DBClusterNotFoundFault");
}

/// Patch (z): a replication group's members report its notification topic, and
/// ModifyReplicationGroup changes cluster mode, transit encryption mode, IP discovery, user
/// groups, log deliveries and the topic.
#[tokio::test]
async fn replication_group_arguments_are_modified_as_aws_reports_them() {
    use aws_sdk_elasticache::types::{
        CloudWatchLogsDestinationDetails, DestinationDetails, LogDeliveryConfigurationRequest,
    };
    let ec = account().elasticache(DEFAULT_REGION).await;
    let slow_log = LogDeliveryConfigurationRequest::builder()
        .log_type("slow-log".into())
        .destination_type("cloudwatch-logs".into())
        .log_format("json".into())
        .destination_details(
            DestinationDetails::builder()
                .cloud_watch_logs_details(
                    CloudWatchLogsDestinationDetails::builder()
                        .log_group("slow")
                        .build(),
                )
                .build(),
        )
        .build();
    ec.create_replication_group()
        .replication_group_id("smoke-rg-args")
        .replication_group_description("smoke")
        .engine("redis")
        .cache_node_type("cache.t4g.micro")
        .num_cache_clusters(2)
        .notification_topic_arn("arn:aws:sns:us-east-1:123456789012:a")
        .log_delivery_configurations(slow_log)
        .user_group_ids("ug-a")
        .send()
        .await
        .unwrap();
    let topic = |id: &'static str| {
        let ec = ec.clone();
        async move {
            let answer = ec
                .describe_cache_clusters()
                .cache_cluster_id(id)
                .send()
                .await
                .unwrap();
            let member = answer.cache_clusters()[0].clone();
            member
                .notification_configuration()
                .and_then(|n| n.topic_arn())
                .map(str::to_string)
        }
    };
    assert_eq!(
        topic("smoke-rg-args-002").await.as_deref(),
        Some("arn:aws:sns:us-east-1:123456789012:a")
    );
    ec.modify_replication_group()
        .replication_group_id("smoke-rg-args")
        .apply_immediately(true)
        .cluster_mode("compatible".into())
        .transit_encryption_mode("required".into())
        .ip_discovery("ipv6".into())
        .user_group_ids_to_add("ug-b")
        .user_group_ids_to_remove("ug-a")
        .log_delivery_configurations(
            LogDeliveryConfigurationRequest::builder()
                .log_type("slow-log".into())
                .enabled(false)
                .build(),
        )
        .notification_topic_arn("arn:aws:sns:us-east-1:123456789012:b")
        .send()
        .await
        .unwrap();
    let g = ec
        .describe_replication_groups()
        .replication_group_id("smoke-rg-args")
        .send()
        .await
        .unwrap()
        .replication_groups()[0]
        .clone();
    assert_eq!(g.cluster_mode().map(|m| m.as_str()), Some("compatible"));
    assert_eq!(
        g.transit_encryption_mode().map(|m| m.as_str()),
        Some("required")
    );
    assert_eq!(g.ip_discovery().map(|m| m.as_str()), Some("ipv6"));
    assert_eq!(g.user_group_ids(), ["ug-b"]);
    assert!(g.log_delivery_configurations().is_empty());
    assert_eq!(
        topic("smoke-rg-args-001").await.as_deref(),
        Some("arn:aws:sns:us-east-1:123456789012:b")
    );
}

/// (n1)-(n4): a NAT gateway is `pending` once, then `available`; deleted, `deleting` once, then
/// `deleted`. Until then AWS refuses to release its address (n2), to delete its subnet (n3),
/// and to detach the VPC's internet gateway (n4); a VPC with a gateway attached is not deleted
/// (n4).
#[tokio::test]
async fn nat_gateway_states_and_the_dependencies_it_holds() {
    let ec2 = account().ec2(REGION).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.90.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.90.1.0/24")
        .send()
        .await;
    let subnet = subnet
        .unwrap()
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_string();
    let igw = ec2.create_internet_gateway().send().await.unwrap();
    let igw = igw
        .internet_gateway()
        .unwrap()
        .internet_gateway_id()
        .unwrap()
        .to_string();
    let attach = ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc);
    attach.send().await.unwrap();
    let eip = ec2.allocate_address().send().await.unwrap();
    let eip = eip.allocation_id().unwrap().to_string();
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&subnet)
        .allocation_id(&eip)
        .send()
        .await;
    let nat = nat
        .unwrap()
        .nat_gateway()
        .unwrap()
        .nat_gateway_id()
        .unwrap()
        .to_string();
    let state = || async {
        let out = ec2
            .describe_nat_gateways()
            .nat_gateway_ids(&nat)
            .send()
            .await
            .unwrap();
        out.nat_gateways()[0].state().unwrap().as_str().to_string()
    };
    assert_eq!(state().await, "pending");
    assert_eq!(state().await, "available");

    let release = ec2.release_address().allocation_id(&eip).send().await;
    assert_eq!(error_code(release), "InvalidIPAddress.InUse");
    let delete_subnet = ec2.delete_subnet().subnet_id(&subnet).send().await;
    assert_eq!(error_code(delete_subnet), "DependencyViolation");
    let detach = ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc);
    assert_eq!(error_code(detach.send().await), "DependencyViolation");

    ec2.delete_nat_gateway()
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    assert_eq!(state().await, "deleting");
    let release = ec2.release_address().allocation_id(&eip).send().await;
    assert_eq!(error_code(release), "InvalidIPAddress.InUse");
    assert_eq!(state().await, "deleted");
    ec2.release_address()
        .allocation_id(&eip)
        .send()
        .await
        .unwrap();
    ec2.delete_subnet().subnet_id(&subnet).send().await.unwrap();

    let delete_vpc = ec2.delete_vpc().vpc_id(&vpc).send().await;
    assert_eq!(error_code(delete_vpc), "DependencyViolation");
    let detach = ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc);
    detach.send().await.unwrap();
    ec2.delete_vpc().vpc_id(&vpc).send().await.unwrap();
}

/// (n5): DescribeNetworkAcls filters by `network-acl-id`.
#[tokio::test]
async fn network_acls_are_filtered_by_id() {
    let ec2 = account().ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let acl = ec2.create_network_acl().vpc_id(&vpc).send().await.unwrap();
    let acl = acl
        .network_acl()
        .unwrap()
        .network_acl_id()
        .unwrap()
        .to_string();
    let by_id = |id: &str| Filter::builder().name("network-acl-id").values(id).build();
    let found = ec2
        .describe_network_acls()
        .filters(by_id(&acl))
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = found
        .network_acls()
        .iter()
        .map(|a| a.network_acl_id())
        .collect();
    assert_eq!(ids, [Some(acl.as_str())]);
    let none = ec2
        .describe_network_acls()
        .filters(by_id("acl-0000000000000000f"))
        .send()
        .await;
    assert!(none.unwrap().network_acls().is_empty());
}

/// (n6): an ICMP entry keeps its type and code, through a create and a replace.
#[tokio::test]
async fn network_acl_entries_keep_their_icmp_type_and_code() {
    use aws_sdk_ec2::types::{IcmpTypeCode, RuleAction};
    let ec2 = account().ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let acl = ec2.create_network_acl().vpc_id(&vpc).send().await.unwrap();
    let acl = acl
        .network_acl()
        .unwrap()
        .network_acl_id()
        .unwrap()
        .to_string();
    let icmp = |t: i32| IcmpTypeCode::builder().r#type(t).code(-1).build();
    ec2.create_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(140)
        .protocol("1")
        .rule_action(RuleAction::Allow)
        .egress(true)
        .cidr_block("10.0.0.0/22")
        .icmp_type_code(icmp(8))
        .send()
        .await
        .unwrap();
    let entry = |ec2: aws_sdk_ec2::Client, acl: String| async move {
        let found = ec2.describe_network_acls().network_acl_ids(acl);
        let found = found.send().await.unwrap();
        let entries = found.network_acls()[0].entries().to_vec();
        let e = entries
            .iter()
            .find(|e| e.rule_number() == Some(140))
            .unwrap();
        let icmp = e.icmp_type_code().unwrap();
        (icmp.r#type(), icmp.code())
    };
    assert_eq!(entry(ec2.clone(), acl.clone()).await, (Some(8), Some(-1)));
    ec2.replace_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(140)
        .protocol("1")
        .rule_action(RuleAction::Allow)
        .egress(true)
        .cidr_block("10.0.0.0/22")
        .icmp_type_code(icmp(12))
        .send()
        .await
        .unwrap();
    assert_eq!(entry(ec2.clone(), acl.clone()).await, (Some(12), Some(-1)));
}

/// (n7): DNS64 and the resource-name DNS settings of a subnet are set and answered.
#[tokio::test]
async fn subnet_dns64_and_resource_name_settings_are_kept() {
    use aws_sdk_ec2::types::{AttributeBooleanValue, HostnameType};
    let ec2 = account().ec2(REGION).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.77.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.77.1.0/24")
        .send()
        .await
        .unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_string();
    let described = |ec2: aws_sdk_ec2::Client, id: String| async move {
        let out = ec2.describe_subnets().subnet_ids(id).send().await.unwrap();
        out.subnets()[0].clone()
    };
    let fresh = described(ec2.clone(), subnet.clone()).await;
    assert_eq!(fresh.enable_dns64(), Some(false));
    let on = AttributeBooleanValue::builder().value(true).build();
    let modify = || ec2.modify_subnet_attribute().subnet_id(&subnet);
    modify().enable_dns64(on.clone()).send().await.unwrap();
    modify()
        .enable_resource_name_dns_aaaa_record_on_launch(on)
        .send()
        .await
        .unwrap();
    modify()
        .private_dns_hostname_type_on_launch(HostnameType::ResourceName)
        .send()
        .await
        .unwrap();
    let after = described(ec2.clone(), subnet.clone()).await;
    assert_eq!(after.enable_dns64(), Some(true));
    let options = after.private_dns_name_options_on_launch().unwrap();
    assert_eq!(options.enable_resource_name_dns_aaaa_record(), Some(true));
    assert_eq!(options.hostname_type(), Some(&HostnameType::ResourceName));
}

/// (n8), (n9): a subnet's IPv6 block reads as `associated`, and an IPv6-only subnet can be
/// created and described (no IPv4 address to count).
#[tokio::test]
async fn ipv6_subnets_answer_their_block_and_an_address_count() {
    let ec2 = account().ec2(REGION).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.78.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let described = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    let block = described.vpcs()[0].ipv6_cidr_block_association_set()[0]
        .ipv6_cidr_block()
        .unwrap()
        .to_string();
    let (prefix, _) = block.split_once("::/").unwrap();
    let create = |ipv4: Option<&str>, ipv6: String| {
        ec2.create_subnet()
            .vpc_id(&vpc)
            .set_cidr_block(ipv4.map(str::to_string))
            .ipv6_cidr_block(ipv6)
            .set_ipv6_native(ipv4.is_none().then_some(true))
            .send()
    };
    let dual = create(Some("10.78.1.0/24"), format!("{prefix}::/64"))
        .await
        .unwrap();
    let dual = dual.subnet().unwrap();
    let association = &dual.ipv6_cidr_block_association_set()[0];
    let state = association.ipv6_cidr_block_state().and_then(|s| s.state());
    assert_eq!(state.map(|s| s.as_str()), Some("associated"));
    let last = format!("{}{:x}::/64", &prefix[..prefix.len() - 1], 1);
    let only = create(None, last).await.unwrap();
    let only = only.subnet().unwrap();
    assert_eq!(only.ipv6_native(), Some(true));
    assert_eq!(only.available_ip_address_count(), Some(0));
    let listed = ec2.describe_subnets().subnet_ids(only.subnet_id().unwrap());
    assert_eq!(listed.send().await.unwrap().subnets().len(), 1);
}

/// (e1)-(e3), (e6): a VPC endpoint is filtered by `vpc-endpoint-id`; created without a type it is a
/// Gateway with IpAddressType ipv4; a modify moves its prefix-list route from a removed route
/// table to an added one, restores the full-access policy on ResetPolicy, and gives an
/// Interface endpoint an interface in each added subnet (none left in a removed one).
#[tokio::test]
async fn vpc_endpoints_are_filtered_created_and_modified_as_aws_does() {
    let ec2 = account().ec2(REGION).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.90.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let table = || async {
        let t = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap();
        t.route_table()
            .unwrap()
            .route_table_id()
            .unwrap()
            .to_string()
    };
    let (first, second) = (table().await, table().await);
    let s3 = format!("com.amazonaws.{REGION}.s3");
    let created = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc)
        .service_name(&s3)
        .route_table_ids(&first)
        .policy_document(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let endpoint = created.vpc_endpoint().unwrap();
    let id = endpoint.vpc_endpoint_id().unwrap().to_string();
    assert_eq!(
        endpoint.vpc_endpoint_type().map(|t| t.as_str()),
        Some("Gateway")
    );
    assert_eq!(endpoint.ip_address_type().map(|t| t.as_str()), Some("ipv4"));
    let by_id = |ids: &[&str]| {
        Filter::builder()
            .name("vpc-endpoint-id")
            .set_values(Some(ids.iter().map(|i| i.to_string()).collect()))
            .build()
    };
    let found = ec2
        .describe_vpc_endpoints()
        .filters(by_id(&[&id, "vpce-0000000000000000f"]))
        .send()
        .await
        .unwrap();
    assert_eq!(found.vpc_endpoints().len(), 1);

    ec2.modify_vpc_endpoint()
        .vpc_endpoint_id(&id)
        .add_route_table_ids(&second)
        .remove_route_table_ids(&first)
        .reset_policy(true)
        .send()
        .await
        .unwrap();
    let routes_to_endpoint = |t: &str| {
        let (ec2, t, id) = (ec2.clone(), t.to_string(), id.clone());
        async move {
            let out = ec2
                .describe_route_tables()
                .route_table_ids(t)
                .send()
                .await
                .unwrap();
            out.route_tables()[0]
                .routes()
                .iter()
                .filter(|r| r.gateway_id() == Some(id.as_str()))
                .count()
        }
    };
    assert_eq!(routes_to_endpoint(&first).await, 0);
    assert_eq!(routes_to_endpoint(&second).await, 1);
    let found = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&id)
        .send()
        .await
        .unwrap();
    assert!(found.vpc_endpoints()[0]
        .policy_document()
        .unwrap()
        .contains("Allow"));
    // Deleted with the table the modify added: its route goes too. (e6) Deleting it again
    // does nothing more.
    for _ in 0..2 {
        let deleted = ec2
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(&id)
            .send()
            .await;
        deleted.unwrap();
        assert_eq!(routes_to_endpoint(&second).await, 0);
    }

    let subnet = |cidr: &str| {
        let (ec2, vpc, cidr) = (ec2.clone(), vpc.clone(), cidr.to_string());
        async move {
            let s = ec2
                .create_subnet()
                .vpc_id(vpc)
                .cidr_block(cidr)
                .send()
                .await
                .unwrap();
            s.subnet().unwrap().subnet_id().unwrap().to_string()
        }
    };
    let (a, b) = (subnet("10.90.1.0/24").await, subnet("10.90.2.0/24").await);
    let created = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Interface)
        .service_name(format!("com.amazonaws.{REGION}.kms"))
        .subnet_ids(&a)
        .send()
        .await
        .unwrap();
    let id = created
        .vpc_endpoint()
        .unwrap()
        .vpc_endpoint_id()
        .unwrap()
        .to_string();
    ec2.modify_vpc_endpoint()
        .vpc_endpoint_id(&id)
        .add_subnet_ids(&b)
        .remove_subnet_ids(&a)
        .private_dns_enabled(false)
        .send()
        .await
        .unwrap();
    let found = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&id)
        .send()
        .await
        .unwrap();
    let e = &found.vpc_endpoints()[0];
    assert_eq!(e.private_dns_enabled(), Some(false));
    assert_eq!(
        e.dns_options()
            .and_then(|o| o.dns_record_ip_type())
            .map(|t| t.as_str()),
        Some("ipv4")
    );
    let enis = ec2
        .describe_network_interfaces()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap();
    let subnets: Vec<_> = enis
        .network_interfaces()
        .iter()
        .map(|n| n.subnet_id())
        .collect();
    assert_eq!(subnets, [Some(b.as_str())]);
    assert_eq!(
        e.network_interface_ids(),
        [enis.network_interfaces()[0].network_interface_id().unwrap()]
    );
}

/// (e4): DescribeVpcEndpointServices filters by `service-name` and `service-type` and reports
/// SupportedIpAddressTypes.
#[tokio::test]
async fn vpc_endpoint_services_are_filtered_by_name_and_type() {
    let ec2 = account().ec2(REGION).await;
    let filter = |n: &str, v: &str| Filter::builder().name(n).values(v).build();
    let out = ec2
        .describe_vpc_endpoint_services()
        .filters(filter(
            "service-name",
            &format!("com.amazonaws.{REGION}.s3"),
        ))
        .filters(filter("service-type", "Gateway"))
        .send()
        .await
        .unwrap();
    let services = out.service_details();
    assert_eq!(services.len(), 1, "{services:?}");
    assert_eq!(
        services[0].service_type()[0]
            .service_type()
            .map(|t| t.as_str()),
        Some("Gateway")
    );
    assert_eq!(services[0].supported_ip_address_types()[0].as_str(), "ipv4");
}

/// (e5): DescribeVpcPeeringConnections applies its filters.
#[tokio::test]
async fn vpc_peering_connections_are_filtered_by_id() {
    let ec2 = account().ec2(REGION).await;
    let vpc = |cidr: &str| {
        let (ec2, cidr) = (ec2.clone(), cidr.to_string());
        async move {
            let v = ec2.create_vpc().cidr_block(cidr).send().await.unwrap();
            v.vpc().unwrap().vpc_id().unwrap().to_string()
        }
    };
    let (a, b) = (vpc("10.91.0.0/16").await, vpc("10.92.0.0/16").await);
    for _ in 0..2 {
        ec2.create_vpc_peering_connection()
            .vpc_id(&a)
            .peer_vpc_id(&b)
            .send()
            .await
            .unwrap();
    }
    let all = ec2.describe_vpc_peering_connections().send().await.unwrap();
    let first = all.vpc_peering_connections()[0]
        .vpc_peering_connection_id()
        .unwrap();
    let by = |n: &str, v: &str| Filter::builder().name(n).values(v).build();
    let found = ec2
        .describe_vpc_peering_connections()
        .filters(by("vpc-peering-connection-id", first))
        .send()
        .await
        .unwrap();
    assert_eq!(found.vpc_peering_connections().len(), 1);
    let none = ec2
        .describe_vpc_peering_connections()
        .filters(by("vpc-peering-connection-id", "pcx-0000000000000000f"))
        .send()
        .await
        .unwrap();
    assert!(none.vpc_peering_connections().is_empty());
    let pending = ec2
        .describe_vpc_peering_connections()
        .filters(by("requester-vpc-info.vpc-id", &a))
        .filters(by("status-code", "pending-acceptance"))
        .send()
        .await
        .unwrap();
    assert_eq!(pending.vpc_peering_connections().len(), 2);
}

/// A new VPC with one subnet: (vpc, subnet).
async fn vpc_with_subnet(ec2: &aws_sdk_ec2::Client, cidr: &str, subnet: &str) -> (String, String) {
    let vpc = ec2.create_vpc().cidr_block(cidr).send().await.unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let s = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(subnet)
        .send()
        .await
        .unwrap();
    (vpc, s.subnet().unwrap().subnet_id().unwrap().to_string())
}

/// (b1): a route table takes a VPN gateway's routes only once the gateway is attached to its
/// VPC, lists it in `PropagatingVgws`, and stops on Disable.
#[tokio::test]
async fn vgw_route_propagation_needs_an_attached_gateway_and_is_described() {
    let ec2 = account().ec2(REGION).await;
    let (vpc, _) = vpc_with_subnet(&ec2, "10.210.0.0/16", "10.210.1.0/24").await;
    let gateway = ec2
        .create_vpn_gateway()
        .r#type(aws_sdk_ec2::types::GatewayType::Ipsec1)
        .send()
        .await
        .unwrap();
    let gateway = gateway
        .vpn_gateway()
        .unwrap()
        .vpn_gateway_id()
        .unwrap()
        .to_string();
    let table = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap();
    let table = table
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_string();
    let enable = || {
        ec2.enable_vgw_route_propagation()
            .gateway_id(&gateway)
            .route_table_id(&table)
            .send()
    };
    assert_eq!(error_code(enable().await), "Gateway.NotAttached");
    ec2.attach_vpn_gateway()
        .vpn_gateway_id(&gateway)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    enable().await.unwrap();
    let propagating = || async {
        let out = ec2
            .describe_route_tables()
            .route_table_ids(&table)
            .send()
            .await
            .unwrap();
        out.route_tables()[0]
            .propagating_vgws()
            .iter()
            .filter_map(|v| v.gateway_id().map(str::to_string))
            .collect::<Vec<_>>()
    };
    assert_eq!(propagating().await, std::slice::from_ref(&gateway));
    ec2.disable_vgw_route_propagation()
        .gateway_id(&gateway)
        .route_table_id(&table)
        .send()
        .await
        .unwrap();
    assert!(propagating().await.is_empty());
    let unknown = ec2
        .enable_vgw_route_propagation()
        .gateway_id("vgw-0000000000000000f")
        .route_table_id(&table)
        .send()
        .await;
    assert_eq!(error_code(unknown), "InvalidVpnGatewayID.NotFound");
}

/// (b2): a customer gateway keeps its device name, certificate and extended ASN.
#[tokio::test]
async fn customer_gateway_device_name_and_extended_asn_are_kept() {
    let ec2 = account().ec2(REGION).await;
    let made = ec2
        .create_customer_gateway()
        .r#type(aws_sdk_ec2::types::GatewayType::Ipsec1)
        .ip_address("198.51.100.7")
        .bgp_asn_extended(4_200_000_001)
        .device_name("edge-1")
        .send()
        .await
        .unwrap();
    let id = made
        .customer_gateway()
        .unwrap()
        .customer_gateway_id()
        .unwrap();
    let out = ec2
        .describe_customer_gateways()
        .customer_gateway_ids(id)
        .send()
        .await
        .unwrap();
    let g = &out.customer_gateways()[0];
    assert_eq!(g.device_name(), Some("edge-1"));
    assert_eq!(g.bgp_asn_extended(), Some("4200000001"));
}

/// (b3): the region's Block Public Access mode is `off` until set, a change is
/// `update-in-progress` for one describe, then `update-complete`.
#[tokio::test]
async fn block_public_access_options_change_through_update_in_progress() {
    let ec2 = account().ec2(REGION).await;
    let state = || async {
        let out = ec2
            .describe_vpc_block_public_access_options()
            .send()
            .await
            .unwrap();
        let o = out.vpc_block_public_access_options().unwrap();
        (
            o.state().unwrap().as_str().to_string(),
            o.internet_gateway_block_mode()
                .unwrap()
                .as_str()
                .to_string(),
        )
    };
    assert_eq!(state().await.1, "off");
    ec2.modify_vpc_block_public_access_options()
        .internet_gateway_block_mode(aws_sdk_ec2::types::InternetGatewayBlockMode::BlockIngress)
        .send()
        .await
        .unwrap();
    let pair = |s: &str, m: &str| (s.to_string(), m.to_string());
    assert_eq!(state().await, pair("update-in-progress", "block-ingress"));
    assert_eq!(state().await, pair("update-complete", "block-ingress"));
}

/// (b4): exclusions go through their in-progress states, an unknown id fails the describe,
/// and a deleted one is listed `delete-complete`.
#[tokio::test]
async fn block_public_access_exclusions_have_aws_states_and_errors() {
    use aws_sdk_ec2::types::InternetGatewayExclusionMode as Mode;
    let ec2 = account().ec2(REGION).await;
    let (_, subnet) = vpc_with_subnet(&ec2, "10.211.0.0/16", "10.211.1.0/24").await;
    let made = ec2
        .create_vpc_block_public_access_exclusion()
        .subnet_id(&subnet)
        .internet_gateway_exclusion_mode(Mode::AllowEgress)
        .send()
        .await
        .unwrap();
    let made = made.vpc_block_public_access_exclusion().unwrap();
    assert!(made
        .resource_arn()
        .unwrap()
        .ends_with(&format!(":subnet/{subnet}")));
    let id = made.exclusion_id().unwrap().to_string();
    let state = || async {
        let out = ec2
            .describe_vpc_block_public_access_exclusions()
            .exclusion_ids(&id)
            .send()
            .await
            .unwrap();
        let e = &out.vpc_block_public_access_exclusions()[0];
        e.state().unwrap().as_str().to_string()
    };
    assert_eq!(state().await, "create-in-progress");
    assert_eq!(state().await, "create-complete");
    ec2.modify_vpc_block_public_access_exclusion()
        .exclusion_id(&id)
        .internet_gateway_exclusion_mode(Mode::AllowBidirectional)
        .send()
        .await
        .unwrap();
    assert_eq!(state().await, "update-in-progress");
    assert_eq!(state().await, "update-complete");
    let unknown = ec2
        .describe_vpc_block_public_access_exclusions()
        .exclusion_ids(&id)
        .exclusion_ids("exclusion-0000000000000000f")
        .send()
        .await;
    assert_eq!(
        error_code(unknown),
        "InvalidVpcBlockPublicAccessExclusionId.NotFound"
    );
    ec2.delete_vpc_block_public_access_exclusion()
        .exclusion_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(state().await, "delete-in-progress");
    assert_eq!(state().await, "delete-complete");
}

/// (b5): a Redshift subnet group is modified in place.
#[tokio::test]
async fn redshift_subnet_group_is_modified_in_place() {
    let account = account();
    let (ec2, redshift) = (account.ec2(REGION).await, account.redshift(REGION).await);
    let (vpc, one) = vpc_with_subnet(&ec2, "10.212.0.0/16", "10.212.1.0/24").await;
    let two = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.212.2.0/24")
        .send()
        .await
        .unwrap();
    let two = two.subnet().unwrap().subnet_id().unwrap().to_string();
    redshift
        .create_cluster_subnet_group()
        .cluster_subnet_group_name("smoke-redshift")
        .description("before")
        .subnet_ids(&one)
        .send()
        .await
        .unwrap();
    let modified = redshift
        .modify_cluster_subnet_group()
        .cluster_subnet_group_name("smoke-redshift")
        .description("after")
        .subnet_ids(&one)
        .subnet_ids(&two)
        .send()
        .await
        .unwrap();
    let group = modified.cluster_subnet_group().unwrap();
    assert_eq!(group.description(), Some("after"));
    assert_eq!(group.subnets().len(), 2);
    let missing = redshift
        .modify_cluster_subnet_group()
        .cluster_subnet_group_name("smoke-missing")
        .subnet_ids(&one)
        .send()
        .await;
    assert_eq!(error_code(missing), "ClusterSubnetGroupNotFoundFault");
}

/// (b6): a flow log keeps its S3 destination options.
#[tokio::test]
async fn flow_log_destination_options_are_kept() {
    let account = account();
    let (ec2, s3) = (account.ec2(REGION).await, account.s3(REGION).await);
    let (vpc, _) = vpc_with_subnet(&ec2, "10.213.0.0/16", "10.213.1.0/24").await;
    s3.create_bucket()
        .bucket("strata-smoke-flow-logs")
        .send()
        .await
        .unwrap();
    let options = aws_sdk_ec2::types::DestinationOptionsRequest::builder()
        .file_format(aws_sdk_ec2::types::DestinationFileFormat::Parquet)
        .per_hour_partition(true)
        .build();
    let made = ec2
        .create_flow_logs()
        .resource_ids(&vpc)
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .traffic_type(aws_sdk_ec2::types::TrafficType::All)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::S3)
        .log_destination("arn:aws:s3:::strata-smoke-flow-logs")
        .destination_options(options)
        .send()
        .await
        .unwrap();
    let out = ec2
        .describe_flow_logs()
        .flow_log_ids(made.flow_log_ids()[0].clone())
        .send()
        .await
        .unwrap();
    let o = out.flow_logs()[0].destination_options().unwrap();
    assert_eq!(o.file_format().map(|f| f.as_str()), Some("parquet"));
    assert_eq!(o.per_hour_partition(), Some(true));
    assert_eq!(o.hive_compatible_partitions(), Some(false));
}

/// (n10): the values of one filter are ORed: route tables found by association ids of two
/// tables' subnets, one id each.
#[tokio::test]
async fn filter_values_are_ored_over_list_valued_attributes() {
    let ec2 = account().ec2(REGION).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.79.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let mut associations = Vec::new();
    let mut tables = Vec::new();
    for t in 0..2 {
        let table = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap();
        let table = table
            .route_table()
            .unwrap()
            .route_table_id()
            .unwrap()
            .to_string();
        for s in 0..2 {
            let cidr = format!("10.79.{}.0/24", t * 2 + s);
            let subnet = ec2.create_subnet().vpc_id(&vpc).cidr_block(cidr).send();
            let subnet = subnet.await.unwrap();
            let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_string();
            let association = ec2
                .associate_route_table()
                .route_table_id(&table)
                .subnet_id(subnet)
                .send()
                .await
                .unwrap();
            associations.push(association.association_id().unwrap().to_string());
        }
        tables.push(table);
    }
    let one_of_each = Filter::builder()
        .name("association.route-table-association-id")
        .values(&associations[0])
        .values(&associations[2])
        .build();
    let found = ec2
        .describe_route_tables()
        .filters(one_of_each)
        .send()
        .await;
    let mut found: Vec<String> = found
        .unwrap()
        .route_tables()
        .iter()
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .collect();
    found.sort();
    tables.sort();
    assert_eq!(found, tables);
}

/// (n11): a DHCP options set is tagged at create.
#[tokio::test]
async fn dhcp_options_are_tagged_at_create() {
    use aws_sdk_ec2::types::{NewDhcpConfiguration, ResourceType, Tag, TagSpecification};
    let ec2 = account().ec2(REGION).await;
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::DhcpOptions)
        .tags(Tag::builder().key("Name").value("smoke").build())
        .build();
    let domain = NewDhcpConfiguration::builder()
        .key("domain-name")
        .values("smoke.internal")
        .build();
    let created = ec2
        .create_dhcp_options()
        .dhcp_configurations(domain)
        .tag_specifications(tags)
        .send()
        .await
        .unwrap();
    let id = created.dhcp_options().unwrap().dhcp_options_id().unwrap();
    let found = ec2
        .describe_dhcp_options()
        .dhcp_options_ids(id)
        .send()
        .await;
    let found = found.unwrap();
    let tags = found.dhcp_options()[0].tags();
    assert_eq!(tags.len(), 1);
    assert_eq!(
        (tags[0].key(), tags[0].value()),
        (Some("Name"), Some("smoke"))
    );
}

/// (n12): an Interface endpoint's interface takes the address given for its subnet, else one
/// of the subnet's range.
#[tokio::test]
async fn interface_endpoint_addresses_follow_the_subnet_configurations() {
    use aws_sdk_ec2::types::{SubnetConfiguration, VpcEndpointType};
    let ec2 = account().ec2(REGION).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.81.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let mut subnets = Vec::new();
    for n in 1..=2 {
        let cidr = format!("10.81.{n}.0/24");
        let subnet = ec2.create_subnet().vpc_id(&vpc).cidr_block(cidr).send();
        let subnet = subnet.await.unwrap();
        subnets.push(subnet.subnet().unwrap().subnet_id().unwrap().to_string());
    }
    let given = SubnetConfiguration::builder()
        .subnet_id(&subnets[0])
        .ipv4("10.81.1.10")
        .build();
    let endpoint = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc)
        .service_name(format!("com.amazonaws.{REGION}.ecs"))
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .subnet_ids(&subnets[0])
        .subnet_ids(&subnets[1])
        .subnet_configurations(given)
        .send()
        .await
        .unwrap();
    let enis = endpoint
        .vpc_endpoint()
        .unwrap()
        .network_interface_ids()
        .to_vec();
    let found = ec2
        .describe_network_interfaces()
        .set_network_interface_ids(Some(enis));
    let found = found.send().await.unwrap();
    for eni in found.network_interfaces() {
        let address = eni.private_ip_address().unwrap();
        if eni.subnet_id() == Some(subnets[0].as_str()) {
            assert_eq!(address, "10.81.1.10");
        } else {
            assert!(address.starts_with("10.81.2."), "{address}");
        }
    }
    assert_eq!(found.network_interfaces().len(), 2);
}

/// (d1): a backup window may end when the maintenance window begins; overlapping ones are
/// still refused.
#[tokio::test]
async fn adjacent_backup_and_maintenance_windows_are_accepted() {
    let rds = account().rds(REGION).await;
    let create = |id: &'static str, backup: &'static str| {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .db_instance_class("db.t3.micro")
            .engine("mysql")
            .master_username("strata")
            .master_user_password("password123")
            .allocated_storage(20)
            .preferred_backup_window(backup)
            .preferred_maintenance_window("mon:00:00-mon:03:00")
            .send()
    };
    create("adjacent-windows", "03:00-06:00").await.unwrap();
    let overlapping = create("overlapping-windows", "02:00-05:00").await;
    let code = overlapping.unwrap_err().into_service_error();
    assert_eq!(
        aws_sdk_rds::error::ProvideErrorMetadata::code(&code),
        Some("InvalidParameterValue")
    );
}
