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
