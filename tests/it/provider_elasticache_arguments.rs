//! The arguments of `aws_elasticache_replication_group` that real configurations carry
//! (cluster mode, log delivery, user groups, transit encryption mode, IP discovery, the
//! notification topic, AZs, data tiering), against the emulator: every effect checked through
//! DescribeReplicationGroups and DescribeCacheClusters.

use strata::eval::Value;
use strata::provider::{obj, resource_type};

use crate::emulator::{Emulator, DEFAULT_REGION as REGION};
use crate::support::{plan_create, plan_update};

fn config(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn strings(items: &[&str]) -> Value {
    obj::set(items.iter().map(|s| Value::from(*s)))
}

fn delivery(log_type: &str, group: &str, format: &str) -> Value {
    config(vec![
        ("destination", Value::from(group)),
        ("destination_type", Value::from("cloudwatch-logs")),
        ("log_format", Value::from(format)),
        ("log_type", Value::from(log_type)),
    ])
}

#[tokio::test]
async fn a_replication_group_takes_log_delivery_user_groups_and_modes() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec = account.elasticache(REGION).await;
    let rt = resource_type("aws_elasticache_replication_group").unwrap();
    let topic = "arn:aws:sns:us-east-1:123456789012:cache-events";
    let planned = plan_create(
        rt,
        &config(vec![
            ("replication_group_id", Value::from("args-cache")),
            ("description", Value::from("arguments")),
            ("engine", Value::from("valkey")),
            ("engine_version", Value::from("7.2")),
            ("node_type", Value::from("cache.t4g.micro")),
            ("num_cache_clusters", Value::from(2)),
            ("cluster_mode", Value::from("compatible")),
            ("transit_encryption_enabled", Value::Bool(true)),
            ("transit_encryption_mode", Value::from("preferred")),
            ("user_group_ids", strings(&["app-users"])),
            ("ip_discovery", Value::from("ipv4")),
            ("network_type", Value::from("ipv4")),
            ("notification_topic_arn", Value::from(topic)),
            (
                "preferred_cache_cluster_azs",
                Value::List(vec!["us-east-1a".into(), "us-east-1b".into()]),
            ),
            (
                "log_delivery_configuration",
                Value::List(vec![delivery("slow-log", "cache-slow", "json")]),
            ),
        ]),
    );
    let state = rt.create(&ctx, &planned).await.unwrap();
    let describe = || async {
        let answer = ec
            .describe_replication_groups()
            .replication_group_id("args-cache")
            .send();
        answer.await.unwrap().replication_groups.unwrap().remove(0)
    };
    let g = describe().await;
    assert_eq!(g.cluster_mode().map(|m| m.as_str()), Some("compatible"));
    assert_eq!(
        g.transit_encryption_mode().map(|m| m.as_str()),
        Some("preferred")
    );
    assert_eq!(g.user_group_ids(), ["app-users"]);
    assert_eq!(g.ip_discovery().map(|m| m.as_str()), Some("ipv4"));
    let logs = g.log_delivery_configurations();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].log_type().map(|t| t.as_str()), Some("slow-log"));
    let member = ec
        .describe_cache_clusters()
        .cache_cluster_id("args-cache-001")
        .send()
        .await
        .unwrap()
        .cache_clusters
        .unwrap()
        .remove(0);
    assert_eq!(
        member
            .notification_configuration()
            .and_then(|n| n.topic_arn()),
        Some(topic)
    );
    let read = rt.read(&ctx, &["args-cache".into()]).await.unwrap();
    for key in [
        "log_delivery_configuration",
        "user_group_ids",
        "cluster_mode",
        "transit_encryption_mode",
        "notification_topic_arn",
    ] {
        assert_eq!(read["args-cache"].get(key), state.get(key), "{key}");
    }

    // In place: cluster mode, TLS only, IPv6 discovery, another user group, the engine log
    // instead of the slow log, another topic.
    let topic2 = "arn:aws:sns:us-east-1:123456789012:cache-events-2";
    let planned = plan_update(
        rt,
        &state,
        vec![
            ("cluster_mode", Value::from("enabled")),
            ("transit_encryption_mode", Value::from("required")),
            ("ip_discovery", Value::from("ipv6")),
            ("user_group_ids", strings(&["ops-users"])),
            (
                "log_delivery_configuration",
                Value::List(vec![delivery("engine-log", "cache-engine", "text")]),
            ),
            ("notification_topic_arn", Value::from(topic2)),
            ("apply_immediately", Value::Bool(true)),
        ],
    );
    let state = rt.update(&ctx, &state, &planned).await.unwrap();
    let g = describe().await;
    assert_eq!(g.cluster_mode().map(|m| m.as_str()), Some("enabled"));
    assert_eq!(
        g.transit_encryption_mode().map(|m| m.as_str()),
        Some("required")
    );
    assert_eq!(g.ip_discovery().map(|m| m.as_str()), Some("ipv6"));
    assert_eq!(g.user_group_ids(), ["ops-users"]);
    let logs = g.log_delivery_configurations();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].log_type().map(|t| t.as_str()), Some("engine-log"));
    assert_eq!(obj::str(&state, "notification_topic_arn"), Some(topic2));
    rt.delete(&ctx, &state).await.unwrap();
}
