//! The "adopt the default object" types against the emulator: create finds the object AWS
//! made and brings it to the configuration; delete forgets it (the object stays, checked by
//! describe).

use aws_sdk_ec2::types::Filter;
use strata::eval::Value;
use strata::provider::obj;

use crate::emulator::{Emulator, DEFAULT_REGION};
use crate::support::objects::{config, create, id, rt};
use crate::support::plan_update;

const REGION: &str = DEFAULT_REGION;

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[tokio::test]
async fn default_vpc_and_subnet_are_adopted_updated_and_forgotten() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let tags = obj::map([("Name".to_string(), "default".to_string())]);
    let vpc = create(&ctx, "aws_default_vpc", vec![("tags", tags.clone())]).await;
    let described = ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .unwrap();
    let v = &described.vpcs()[0];
    assert_eq!(v.vpc_id(), Some(id(&vpc).as_str()));
    assert_eq!(v.tags()[0].value(), Some("default"));
    assert_eq!(obj::bool(&vpc, "existing_default_vpc"), Some(true));
    assert_eq!(obj::str(&vpc, "cidr_block"), Some("172.31.0.0/16"));
    let planned = plan_update(
        rt("aws_default_vpc"),
        &vpc,
        vec![("enable_dns_hostnames", Value::from(false))],
    );
    let vpc = rt("aws_default_vpc")
        .update(&ctx, &vpc, &planned)
        .await
        .unwrap();
    assert_eq!(obj::bool(&vpc, "enable_dns_hostnames"), Some(false));

    let subnet = create(
        &ctx,
        "aws_default_subnet",
        vec![
            ("availability_zone", Value::from("us-east-1a")),
            ("map_public_ip_on_launch", Value::from(false)),
        ],
    )
    .await;
    let s = ec2
        .describe_subnets()
        .subnet_ids(id(&subnet))
        .send()
        .await
        .unwrap();
    let s = &s.subnets()[0];
    assert_eq!(
        (s.default_for_az(), s.map_public_ip_on_launch()),
        (Some(true), Some(false))
    );
    assert_eq!(obj::str(&subnet, "vpc_id"), Some(id(&vpc).as_str()));

    rt("aws_default_subnet")
        .delete(&ctx, &subnet)
        .await
        .unwrap();
    rt("aws_default_vpc").delete(&ctx, &vpc).await.unwrap();
    let left = ec2.describe_vpcs().vpc_ids(id(&vpc)).send().await.unwrap();
    assert_eq!(left.vpcs().len(), 1, "forgotten, not deleted");
    let left = ec2
        .describe_subnets()
        .subnet_ids(id(&subnet))
        .send()
        .await
        .unwrap();
    assert_eq!(left.subnets().len(), 1);
}

#[tokio::test]
async fn a_vpcs_default_group_table_and_acl_are_brought_to_the_configuration() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.95.0.0/16"))],
    )
    .await;
    let igw = id(&create(
        &ctx,
        "aws_internet_gateway",
        vec![("vpc_id", Value::from(id(&vpc).as_str()))],
    )
    .await);

    // No rules written: AWS's default ingress (from the group itself) and egress go.
    let group = create(
        &ctx,
        "aws_default_security_group",
        vec![("vpc_id", Value::from(id(&vpc).as_str()))],
    )
    .await;
    assert_eq!(
        Some(id(&group).as_str()),
        obj::str(&vpc, "default_security_group_id")
    );
    let g = ec2
        .describe_security_groups()
        .group_ids(id(&group))
        .send()
        .await
        .unwrap();
    let g = &g.security_groups()[0];
    assert!(
        g.ip_permissions().is_empty() && g.ip_permissions_egress().is_empty(),
        "{g:?}"
    );
    assert_eq!(obj::str(&group, "name"), Some("default"));
    let https = config(vec![
        ("protocol", Value::from("tcp")),
        ("from_port", Value::from(443)),
        ("to_port", Value::from(443)),
        ("cidr_blocks", Value::List(vec![Value::from("10.0.0.0/8")])),
    ]);
    let planned = plan_update(
        rt("aws_default_security_group"),
        &group,
        vec![("ingress", Value::List(vec![https]))],
    );
    let group = rt("aws_default_security_group")
        .update(&ctx, &group, &planned)
        .await
        .unwrap();
    let g = ec2
        .describe_security_groups()
        .group_ids(id(&group))
        .send()
        .await
        .unwrap();
    assert_eq!(
        g.security_groups()[0].ip_permissions()[0].from_port(),
        Some(443)
    );
    assert_eq!(
        rt("aws_default_security_group")
            .read(&ctx, &[id(&group)])
            .await
            .unwrap()[&id(&group)],
        group
    );

    // The main route table takes a default route.
    let main = obj::string(&vpc, "default_route_table_id").unwrap();
    let route = config(vec![
        ("cidr_block", Value::from("0.0.0.0/0")),
        ("gateway_id", Value::from(igw.as_str())),
    ]);
    let table = create(
        &ctx,
        "aws_default_route_table",
        vec![
            ("default_route_table_id", Value::from(main.as_str())),
            ("route", Value::List(vec![route])),
        ],
    )
    .await;
    assert_eq!(obj::str(&table, "vpc_id"), Some(id(&vpc).as_str()));
    let t = ec2
        .describe_route_tables()
        .route_table_ids(&main)
        .send()
        .await
        .unwrap();
    let routes = t.route_tables()[0].routes();
    assert!(
        routes.iter().any(|r| r.gateway_id() == Some(igw.as_str())),
        "{routes:?}"
    );

    // The default ACL keeps only what is written: AWS's allow-all entries (rule 100) go.
    let acl = obj::string(&vpc, "default_network_acl_id").unwrap();
    let adopted = create(
        &ctx,
        "aws_default_network_acl",
        vec![("default_network_acl_id", Value::from(acl.as_str()))],
    )
    .await;
    let a = ec2
        .describe_network_acls()
        .network_acl_ids(&acl)
        .send()
        .await
        .unwrap();
    let own: Vec<_> = a.network_acls()[0]
        .entries()
        .iter()
        .filter(|e| e.rule_number() != Some(32767))
        .collect();
    assert!(own.is_empty(), "{own:?}");

    for (type_, state) in [
        ("aws_default_network_acl", &adopted),
        ("aws_default_route_table", &table),
        ("aws_default_security_group", &group),
    ] {
        rt(type_).delete(&ctx, state).await.unwrap();
    }
    let g = ec2
        .describe_security_groups()
        .group_ids(id(&group))
        .send()
        .await
        .unwrap();
    assert_eq!(g.security_groups().len(), 1, "forgotten, not deleted");
}
