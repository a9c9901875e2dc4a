//! Network ACLs against the emulator: `aws_network_acl` with inline entries and subnets,
//! `aws_network_acl_rule`; effects checked with DescribeNetworkAcls.

use aws_sdk_ec2::types::{Filter, NetworkAcl as SdkAcl};
use strata::eval::Value;
use strata::provider::obj;

use crate::emulator::{api_calls, Emulator, DEFAULT_REGION};
use crate::support::objects::{config, create, id, rt};
use crate::support::{plan_create, plan_update};

const REGION: &str = DEFAULT_REGION;

fn entry(rule: i64, protocol: &str, port: i64) -> Value {
    config(vec![
        ("rule_no", Value::from(rule)),
        ("action", Value::from("allow")),
        ("protocol", Value::from(protocol)),
        ("from_port", Value::from(port)),
        ("to_port", Value::from(port)),
        ("cidr_block", Value::from("10.0.0.0/8")),
    ])
}

async fn acl(ec2: &aws_sdk_ec2::Client, id: &str) -> Option<SdkAcl> {
    let f = Filter::builder().name("network-acl-id").values(id).build();
    let out = ec2.describe_network_acls().filters(f).send().await.unwrap();
    out.network_acls().first().cloned()
}

/// (rule number, protocol, from port) of an ACL's own entries of one direction.
fn entries(a: &SdkAcl, egress: bool) -> Vec<(i32, String, i32)> {
    let mut out: Vec<_> = a
        .entries()
        .iter()
        .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(32767))
        .map(|e| {
            let port = e.port_range().and_then(|p| p.from()).unwrap_or(0);
            (
                e.rule_number().unwrap(),
                e.protocol().unwrap().to_string(),
                port,
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn network_acl_entries_subnets_and_rules() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.80.0.0/16"))],
    )
    .await;
    let default_acl = obj::string(&vpc, "default_network_acl_id").unwrap();
    let v = || Value::from(id(&vpc).as_str());
    let subnet = id(&create(
        &ctx,
        "aws_subnet",
        vec![("vpc_id", v()), ("cidr_block", Value::from("10.80.1.0/24"))],
    )
    .await);

    let acl_rt = rt("aws_network_acl");
    let state = create(
        &ctx,
        "aws_network_acl",
        vec![
            ("vpc_id", v()),
            (
                "subnet_ids",
                Value::List(vec![Value::from(subnet.as_str())]),
            ),
            ("ingress", Value::List(vec![entry(100, "tcp", 443)])),
            ("egress", Value::List(vec![entry(100, "all", 0)])),
        ],
    )
    .await;
    let a = acl(&ec2, &id(&state)).await.unwrap();
    assert_eq!(entries(&a, false), [(100, "6".to_string(), 443)]);
    assert_eq!(entries(&a, true).len(), 1);
    assert_eq!(a.associations()[0].subnet_id(), Some(subnet.as_str()));
    // What a read shows equals what was planned: no diff on the next plan.
    let planned = plan_create(
        acl_rt,
        &config(vec![("ingress", Value::List(vec![entry(100, "tcp", 443)]))]),
    );
    assert_eq!(state.get("ingress"), planned.get("ingress"));

    // Entries changed, the subnet given back to the default ACL.
    let planned = plan_update(
        acl_rt,
        &state,
        vec![
            (
                "ingress",
                Value::List(vec![entry(100, "tcp", 80), entry(110, "udp", 53)]),
            ),
            ("subnet_ids", Value::List(vec![])),
        ],
    );
    let updated = acl_rt.update(&ctx, &state, &planned).await.unwrap();
    let a = acl(&ec2, &id(&state)).await.unwrap();
    assert_eq!(
        entries(&a, false),
        [(100, "6".to_string(), 80), (110, "17".to_string(), 53)]
    );
    assert!(a.associations().is_empty());
    let d = acl(&ec2, &default_acl).await.unwrap();
    assert!(d
        .associations()
        .iter()
        .any(|x| x.subnet_id() == Some(subnet.as_str())));
    assert_eq!(
        acl_rt.import(&ctx, &id(&state)).await.unwrap().unwrap(),
        updated
    );

    // A rule of its own, refreshed from its prior object in one describe.
    let rule_rt = rt("aws_network_acl_rule");
    let rule = create(
        &ctx,
        "aws_network_acl_rule",
        vec![
            ("network_acl_id", Value::from(id(&state).as_str())),
            ("rule_number", Value::from(200)),
            ("egress", Value::from(true)),
            ("protocol", Value::from("tcp")),
            ("rule_action", Value::from("deny")),
            ("cidr_block", Value::from("0.0.0.0/0")),
            ("from_port", Value::from(22)),
            ("to_port", Value::from(22)),
        ],
    )
    .await;
    assert!(id(&rule).starts_with("nacl-"), "{rule}");
    let a = acl(&ec2, &id(&state)).await.unwrap();
    assert!(entries(&a, true).contains(&(200, "6".to_string(), 22)));
    let ctx2 = account.provider_ctx(REGION).await;
    let read = rule_rt
        .read_prior(&ctx2, std::slice::from_ref(&rule))
        .await
        .unwrap();
    assert_eq!(read[&id(&rule)], rule);
    assert_eq!(api_calls(&ctx2, "DescribeNetworkAcls"), 1);
    let import_id = format!("{}:200:tcp:true", id(&state));
    assert_eq!(
        rule_rt.import(&ctx, &import_id).await.unwrap().unwrap(),
        rule
    );
    rule_rt.delete(&ctx, &rule).await.unwrap();
    let a = acl(&ec2, &id(&state)).await.unwrap();
    assert!(!entries(&a, true).iter().any(|e| e.0 == 200));

    // Deleting an ACL that guards a subnet moves the subnet back first.
    let again = plan_update(
        acl_rt,
        &updated,
        vec![(
            "subnet_ids",
            Value::List(vec![Value::from(subnet.as_str())]),
        )],
    );
    let again = acl_rt.update(&ctx, &updated, &again).await.unwrap();
    acl_rt.delete(&ctx, &again).await.unwrap();
    assert!(acl(&ec2, &id(&state)).await.is_none());
    let d = acl(&ec2, &default_acl).await.unwrap();
    assert!(d
        .associations()
        .iter()
        .any(|x| x.subnet_id() == Some(subnet.as_str())));
}

#[tokio::test]
async fn network_acl_and_main_route_table_associations() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.85.0.0/16"))],
    )
    .await;
    let v = || Value::from(id(&vpc).as_str());
    let subnet = id(&create(
        &ctx,
        "aws_subnet",
        vec![("vpc_id", v()), ("cidr_block", Value::from("10.85.1.0/24"))],
    )
    .await);
    let acl = id(&create(&ctx, "aws_network_acl", vec![("vpc_id", v())]).await);

    let assoc_rt = rt("aws_network_acl_association");
    let assoc = create(
        &ctx,
        "aws_network_acl_association",
        vec![
            ("subnet_id", Value::from(subnet.as_str())),
            ("network_acl_id", Value::from(acl.as_str())),
        ],
    )
    .await;
    assert_eq!(acl_of(&ec2, &subnet).await, acl);
    assert_eq!(
        assoc_rt.read(&ctx, &[id(&assoc)]).await.unwrap()[&id(&assoc)],
        assoc
    );
    assoc_rt.delete(&ctx, &assoc).await.unwrap();
    assert_eq!(
        acl_of(&ec2, &subnet).await,
        obj::string(&vpc, "default_network_acl_id").unwrap()
    );

    let original = obj::string(&vpc, "main_route_table_id").unwrap();
    let table = id(&create(&ctx, "aws_route_table", vec![("vpc_id", v())]).await);
    let main_rt = rt("aws_main_route_table_association");
    let main = create(
        &ctx,
        "aws_main_route_table_association",
        vec![
            ("vpc_id", v()),
            ("route_table_id", Value::from(table.as_str())),
        ],
    )
    .await;
    assert_eq!(
        obj::str(&main, "original_route_table_id"),
        Some(original.as_str())
    );
    assert_eq!(main_table(&ec2, &id(&vpc)).await, table);
    main_rt.delete(&ctx, &main).await.unwrap();
    assert_eq!(main_table(&ec2, &id(&vpc)).await, original);
}

async fn acl_of(ec2: &aws_sdk_ec2::Client, subnet: &str) -> String {
    let f = Filter::builder()
        .name("association.subnet-id")
        .values(subnet)
        .build();
    let out = ec2.describe_network_acls().filters(f).send().await.unwrap();
    out.network_acls()[0].network_acl_id().unwrap().to_string()
}

async fn main_table(ec2: &aws_sdk_ec2::Client, vpc: &str) -> String {
    let out = ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(
            Filter::builder()
                .name("association.main")
                .values("true")
                .build(),
        );
    out.send().await.unwrap().route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string()
}
