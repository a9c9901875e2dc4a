//! Every directory of `examples/` applies, re-plans empty, and destroys — verified through
//! describe calls, so nothing of the example is left in the account afterwards.

use crate::support::Workdir;

/// What the account holds, by kind, apart from what AWS creates by itself.
pub(crate) async fn inventory(w: &Workdir) -> Vec<String> {
    let mut out = Vec::new();
    for region in ["us-east-1", "us-west-2"] {
        let ec2 = w.account.ec2(region).await;
        for g in ec2
            .describe_security_groups()
            .send()
            .await
            .unwrap()
            .security_groups()
        {
            if g.group_name() != Some("default") {
                out.push(format!(
                    "{region} security group {}",
                    g.group_name().unwrap_or("")
                ));
            }
        }
        network_inventory(&ec2, region, &mut out).await;
        let rds = w.account.rds(region).await;
        for i in rds
            .describe_db_instances()
            .send()
            .await
            .unwrap()
            .db_instances()
        {
            out.push(format!(
                "{region} db instance {}",
                i.db_instance_identifier().unwrap_or("")
            ));
        }
        for c in rds
            .describe_db_clusters()
            .send()
            .await
            .unwrap()
            .db_clusters()
        {
            out.push(format!(
                "{region} db cluster {}",
                c.db_cluster_identifier().unwrap_or("")
            ));
        }
        for g in rds
            .describe_db_subnet_groups()
            .send()
            .await
            .unwrap()
            .db_subnet_groups()
        {
            if g.db_subnet_group_name() != Some("default") {
                out.push(format!(
                    "{region} db subnet group {}",
                    g.db_subnet_group_name().unwrap_or("")
                ));
            }
        }
        for s in rds
            .describe_db_snapshots()
            .snapshot_type("manual")
            .send()
            .await
            .unwrap()
            .db_snapshots()
        {
            out.push(format!(
                "{region} db snapshot {}",
                s.db_snapshot_identifier().unwrap_or("")
            ));
        }
        let cache = w.account.elasticache(region).await;
        for g in cache
            .describe_replication_groups()
            .send()
            .await
            .unwrap()
            .replication_groups()
        {
            out.push(format!(
                "{region} replication group {}",
                g.replication_group_id().unwrap_or("")
            ));
        }
        for g in cache
            .describe_cache_subnet_groups()
            .send()
            .await
            .unwrap()
            .cache_subnet_groups()
        {
            if g.cache_subnet_group_name() != Some("default") {
                out.push(format!(
                    "{region} cache subnet group {}",
                    g.cache_subnet_group_name().unwrap_or("")
                ));
            }
        }
    }
    out.sort();
    out
}

/// The network objects of the account outside the default VPC.
async fn network_inventory(ec2: &aws_sdk_ec2::Client, region: &str, out: &mut Vec<String>) {
    let vpcs = ec2.describe_vpcs().send().await.unwrap();
    let default_vpcs: Vec<&str> = vpcs
        .vpcs()
        .iter()
        .filter(|v| v.is_default() == Some(true))
        .filter_map(|v| v.vpc_id())
        .collect();
    let outside_default = |vpc: Option<&str>| !vpc.is_some_and(|v| default_vpcs.contains(&v));
    for v in vpcs.vpcs() {
        if outside_default(v.vpc_id()) {
            out.push(format!("{region} vpc {}", v.vpc_id().unwrap_or("")));
        }
    }
    for s in ec2.describe_subnets().send().await.unwrap().subnets() {
        if outside_default(s.vpc_id()) {
            out.push(format!("{region} subnet {}", s.subnet_id().unwrap_or("")));
        }
    }
    for t in ec2
        .describe_route_tables()
        .send()
        .await
        .unwrap()
        .route_tables()
    {
        if outside_default(t.vpc_id()) {
            out.push(format!(
                "{region} route table {}",
                t.route_table_id().unwrap_or("")
            ));
        }
    }
    let gateways = ec2.describe_internet_gateways().send().await.unwrap();
    for g in gateways.internet_gateways() {
        out.push(format!(
            "{region} internet gateway {}",
            g.internet_gateway_id().unwrap_or("")
        ));
    }
}

async fn round_trip(example: &str, extra_env: &[(&str, &str)]) -> Workdir {
    let mut w = Workdir::example(example);
    w.env = extra_env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let before = inventory(&w).await;
    assert!(before.is_empty(), "a fresh account holds {before:?}");
    w.expect(0, &["apply", "--auto-approve"]);
    let applied = inventory(&w).await;
    assert!(!applied.is_empty(), "{example}: apply created nothing");
    let replan = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(
        replan.stdout.contains("No changes."),
        "{example}: the re-plan right after apply is not empty:\n{}",
        replan.stdout
    );
    w.expect(0, &["destroy", "--auto-approve"]);
    let after = inventory(&w).await;
    assert!(after.is_empty(), "{example}: destroy left {after:?}");
    w.assert_no_secret_leaked();
    w
}

#[tokio::test(flavor = "multi_thread")]
async fn webapp_round_trips() {
    round_trip("webapp", &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webapp_postgres_round_trips() {
    round_trip("webapp-postgres", &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webapp_aurora_round_trips() {
    round_trip("webapp-aurora", &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn webapp_cache_round_trips() {
    round_trip(
        "webapp-cache",
        &[("STRATA_VAR_cache_auth_token", "cache-auth-token-0123456789")],
    )
    .await;
}

/// A new environment from an empty region: the network, then the data tier in its private
/// subnets; destroyed, it leaves no VPC, subnet, route table or gateway behind.
#[tokio::test(flavor = "multi_thread")]
async fn bootstrap_builds_the_network_and_the_database_and_leaves_nothing() {
    let w = Workdir::example("bootstrap");
    w.expect(0, &["apply", "--auto-approve"]);
    let ec2 = w.account.ec2("us-east-1").await;
    let rds = w.account.rds("us-east-1").await;
    let subnet_ids = |name: &str| -> Vec<String> {
        let out = w.expect(0, &["output", "-json", name]).stdout;
        serde_json::from_str(&out).unwrap()
    };
    let data = subnet_ids("data_subnet_ids");
    let public = subnet_ids("public_subnet_ids");
    let group = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("bootstrap-db")
        .send()
        .await
        .unwrap();
    let mut in_group: Vec<String> = group.db_subnet_groups()[0]
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier().map(str::to_string))
        .collect();
    in_group.sort();
    let mut expected = data.clone();
    expected.sort();
    assert_eq!(in_group, expected, "the database lives in the data subnets");
    // Only the public subnets route to the internet gateway.
    let tables = ec2.describe_route_tables().send().await.unwrap();
    let routes_out = |subnet: &str| {
        tables.route_tables().iter().any(|t| {
            t.associations()
                .iter()
                .any(|a| a.subnet_id() == Some(subnet))
                && t.routes()
                    .iter()
                    .any(|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-")))
        })
    };
    assert!(public.iter().all(|s| routes_out(s)));
    assert!(!data.iter().any(|s| routes_out(s)));
    let replan = w.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(replan.stdout.contains("No changes."), "{}", replan.stdout);
    w.expect(0, &["destroy", "--auto-approve"]);
    let after = inventory(&w).await;
    assert!(after.is_empty(), "destroy left {after:?}");
    w.assert_no_secret_leaked();
}

/// The DR example leaves, while applied, an encrypted copy in us-west-2 under a us-west-2 key.
#[tokio::test(flavor = "multi_thread")]
async fn dr_copy_lands_encrypted_in_the_second_region() {
    let w = Workdir::example("dr-copy");
    w.expect(0, &["apply", "--auto-approve"]);
    let west = w.account.rds("us-west-2").await;
    let copies = west
        .describe_db_snapshots()
        .db_snapshot_identifier("webapp-dr-dr-copy")
        .send()
        .await
        .unwrap();
    let copy = &copies.db_snapshots()[0];
    assert_eq!(copy.encrypted(), Some(true));
    let key = copy.kms_key_id().unwrap_or_default();
    assert!(
        key.contains(":us-west-2:"),
        "the copy's key {key} is not a us-west-2 key"
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.expect(0, &["destroy", "--auto-approve"]);
    let left = inventory(&w).await;
    assert!(left.is_empty(), "destroy left {left:?}");
}
