//! The VPC network types against the emulator: the trait methods are called directly, and
//! every effect is checked through a separate EC2 client.

use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use strata::eval::Value;
use strata::provider::obj;

use crate::emulator::{api_calls, Emulator, DEFAULT_REGION};
use crate::support::objects::{config, create, id, rt};
use crate::support::{plan_create, plan_update};

const REGION: &str = DEFAULT_REGION;

fn tags(pairs: &[(&str, &str)]) -> Value {
    obj::map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn id_filter(name: &str, id: &str) -> Filter {
    Filter::builder().name(name).values(id).build()
}

async fn vpc_attribute(ec2: &aws_sdk_ec2::Client, vpc: &str, attr: VpcAttributeName) -> bool {
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(vpc)
        .attribute(attr.clone());
    let out = out.send().await.unwrap();
    let v = match attr {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        _ => out.enable_dns_hostnames(),
    };
    v.and_then(|v| v.value()).unwrap()
}

#[tokio::test]
async fn vpc_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc_rt = rt("aws_vpc");
    let planned = plan_create(
        vpc_rt,
        &config(vec![
            ("cidr_block", Value::from("10.30.0.0/16")),
            ("enable_dns_hostnames", Value::from(true)),
            ("tags", tags(&[("Name", "net")])),
        ]),
    );
    let state = vpc_rt.create(&ctx, &planned).await.unwrap();
    let vpc = id(&state);
    let described = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    let v = &described.vpcs()[0];
    assert_eq!(v.cidr_block(), Some("10.30.0.0/16"));
    assert_eq!(v.tags()[0].value(), Some("net"));
    assert!(vpc_attribute(&ec2, &vpc, VpcAttributeName::EnableDnsHostnames).await);
    assert!(vpc_attribute(&ec2, &vpc, VpcAttributeName::EnableDnsSupport).await);
    assert_eq!(obj::str(&state, "instance_tenancy"), Some("default"));
    // What AWS made with the VPC.
    let main = ec2
        .describe_route_tables()
        .filters(id_filter("vpc-id", &vpc))
        .filters(id_filter("association.main", "true"));
    let main = main.send().await.unwrap();
    assert_eq!(
        obj::str(&state, "main_route_table_id"),
        main.route_tables()[0].route_table_id()
    );
    let sg = ec2
        .describe_security_groups()
        .filters(id_filter("vpc-id", &vpc))
        .filters(id_filter("group-name", "default"));
    let sg = sg.send().await.unwrap();
    assert_eq!(
        obj::str(&state, "default_security_group_id"),
        sg.security_groups()[0].group_id()
    );
    assert!(obj::str(&state, "default_network_acl_id").is_some_and(|a| a.starts_with("acl-")));
    assert!(obj::str(&state, "arn")
        .unwrap()
        .ends_with(&format!(":vpc/{vpc}")));

    // In place: DNS attributes, an Amazon-provided IPv6 block, tags.
    let planned = plan_update(
        vpc_rt,
        &state,
        vec![
            ("enable_dns_hostnames", Value::from(false)),
            ("enable_dns_support", Value::from(false)),
            ("assign_generated_ipv6_cidr_block", Value::from(true)),
            ("tags", tags(&[("Name", "net2")])),
        ],
    );
    let updated = vpc_rt.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(id(&updated), vpc);
    assert!(!vpc_attribute(&ec2, &vpc, VpcAttributeName::EnableDnsHostnames).await);
    assert!(!vpc_attribute(&ec2, &vpc, VpcAttributeName::EnableDnsSupport).await);
    let described = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    let ipv6 = described.vpcs()[0].ipv6_cidr_block_association_set();
    assert_eq!(
        obj::str(&updated, "ipv6_cidr_block"),
        ipv6[0].ipv6_cidr_block()
    );
    assert_eq!(
        obj::bool(&updated, "assign_generated_ipv6_cidr_block"),
        Some(true)
    );

    let imported = vpc_rt.import(&ctx, &vpc).await.unwrap().expect("imported");
    assert_eq!(imported, updated);

    vpc_rt.delete(&ctx, &updated).await.unwrap();
    let left = ec2
        .describe_vpcs()
        .filters(id_filter("vpc-id", &vpc))
        .send()
        .await;
    assert!(left.unwrap().vpcs().is_empty());
    // Already gone counts as success.
    vpc_rt.delete(&ctx, &updated).await.unwrap();
}

#[tokio::test]
async fn subnet_and_internet_gateway_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.40.0.0/16"))],
    )
    .await;
    let other = create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.41.0.0/16"))],
    )
    .await;
    let (vpc, other) = (id(&vpc), id(&other));

    let subnet_rt = rt("aws_subnet");
    let subnet = create(
        &ctx,
        "aws_subnet",
        vec![
            ("vpc_id", Value::from(vpc.as_str())),
            ("cidr_block", Value::from("10.40.1.0/24")),
            ("availability_zone", Value::from("us-east-1b")),
            ("map_public_ip_on_launch", Value::from(true)),
            ("tags", tags(&[("tier", "public")])),
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
    assert_eq!(s.map_public_ip_on_launch(), Some(true));
    assert_eq!(s.availability_zone(), Some("us-east-1b"));
    assert_eq!(
        obj::str(&subnet, "availability_zone_id"),
        s.availability_zone_id()
    );
    let planned = plan_update(
        subnet_rt,
        &subnet,
        vec![("map_public_ip_on_launch", Value::from(false))],
    );
    let updated = subnet_rt.update(&ctx, &subnet, &planned).await.unwrap();
    let s = ec2
        .describe_subnets()
        .subnet_ids(id(&subnet))
        .send()
        .await
        .unwrap();
    assert_eq!(s.subnets()[0].map_public_ip_on_launch(), Some(false));
    let imported = subnet_rt.import(&ctx, &id(&subnet)).await.unwrap().unwrap();
    assert_eq!(imported, updated);

    // The gateway moves between VPCs by a detach and an attach.
    let igw_rt = rt("aws_internet_gateway");
    let igw = create(
        &ctx,
        "aws_internet_gateway",
        vec![("vpc_id", Value::from(vpc.as_str()))],
    )
    .await;
    let attached = |v: &str| id_filter("attachment.vpc-id", v);
    let found = ec2
        .describe_internet_gateways()
        .filters(attached(&vpc))
        .send()
        .await
        .unwrap();
    assert_eq!(
        found.internet_gateways()[0].internet_gateway_id(),
        Some(id(&igw).as_str())
    );
    let planned = plan_update(igw_rt, &igw, vec![("vpc_id", Value::from(other.as_str()))]);
    let moved = igw_rt.update(&ctx, &igw, &planned).await.unwrap();
    assert_eq!(obj::str(&moved, "vpc_id"), Some(other.as_str()));
    let found = ec2
        .describe_internet_gateways()
        .filters(attached(&other))
        .send()
        .await
        .unwrap();
    assert_eq!(found.internet_gateways().len(), 1);
    assert_eq!(
        igw_rt.import(&ctx, &id(&igw)).await.unwrap().unwrap(),
        moved
    );

    igw_rt.delete(&ctx, &moved).await.unwrap();
    let gone = ec2
        .describe_internet_gateways()
        .filters(id_filter("internet-gateway-id", &id(&igw)));
    assert!(gone.send().await.unwrap().internet_gateways().is_empty());
    subnet_rt.delete(&ctx, &updated).await.unwrap();
    let gone = ec2
        .describe_subnets()
        .filters(id_filter("subnet-id", &id(&subnet)));
    assert!(gone.send().await.unwrap().subnets().is_empty());
}

#[tokio::test]
async fn route_tables_routes_and_associations() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = id(&create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.50.0.0/16"))],
    )
    .await);
    let v = || Value::from(vpc.as_str());
    let subnet = create(
        &ctx,
        "aws_subnet",
        vec![("vpc_id", v()), ("cidr_block", Value::from("10.50.1.0/24"))],
    )
    .await;
    let igw = id(&create(&ctx, "aws_internet_gateway", vec![("vpc_id", v())]).await);

    let table_rt = rt("aws_route_table");
    let route = |cidr: &str| {
        Value::List(vec![config(vec![
            ("cidr_block", Value::from(cidr)),
            ("gateway_id", Value::from(igw.as_str())),
        ])])
    };
    let table = create(
        &ctx,
        "aws_route_table",
        vec![("vpc_id", v()), ("route", route("0.0.0.0/0"))],
    )
    .await;
    let routes_of = |t: &aws_sdk_ec2::types::RouteTable| -> Vec<(String, String)> {
        t.routes()
            .iter()
            .filter(|r| r.gateway_id() != Some("local"))
            .map(|r| {
                (
                    r.destination_cidr_block().unwrap().to_string(),
                    r.gateway_id().unwrap().to_string(),
                )
            })
            .collect()
    };
    let described = ec2
        .describe_route_tables()
        .route_table_ids(id(&table))
        .send()
        .await
        .unwrap();
    assert_eq!(
        routes_of(&described.route_tables()[0]),
        [("0.0.0.0/0".to_string(), igw.clone())]
    );
    // The route moves to another destination: one deleted, one created.
    let planned = plan_update(table_rt, &table, vec![("route", route("192.168.0.0/16"))]);
    // Every attribute of an inline route is present, as a read shows it.
    let planned_route = &planned.get("route").unwrap().as_list().unwrap()[0];
    assert_eq!(planned_route.get("nat_gateway_id"), Some(&Value::from("")));
    let table = table_rt.update(&ctx, &table, &planned).await.unwrap();
    let described = ec2
        .describe_route_tables()
        .route_table_ids(id(&table))
        .send()
        .await
        .unwrap();
    assert_eq!(
        routes_of(&described.route_tables()[0]),
        [("192.168.0.0/16".to_string(), igw.clone())]
    );
    assert_eq!(
        table_rt.import(&ctx, &id(&table)).await.unwrap().unwrap(),
        table
    );

    // A route of its own in a table that has no inline routes.
    let other = create(&ctx, "aws_route_table", vec![("vpc_id", v())]).await;
    let route_rt = rt("aws_route");
    let r = create(
        &ctx,
        "aws_route",
        vec![
            ("route_table_id", Value::from(id(&other).as_str())),
            ("destination_cidr_block", Value::from("0.0.0.0/0")),
            ("gateway_id", Value::from(igw.as_str())),
        ],
    )
    .await;
    assert!(id(&r).starts_with(&format!("r-{}", id(&other))), "{r}");
    assert_eq!(obj::str(&r, "origin"), Some("CreateRoute"));
    let imported = route_rt
        .import(&ctx, &format!("{}_0.0.0.0/0", id(&other)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(imported, r);
    // The table's refresh leaves the separately managed route in its state, unplanned.
    let other_read = table_rt.read(&ctx, &[id(&other)]).await.unwrap();
    assert_eq!(
        other_read[&id(&other)]
            .get("route")
            .unwrap()
            .as_list()
            .unwrap()
            .len(),
        1
    );

    // The subnet's association, moved to the other table in place.
    let assoc_rt = rt("aws_route_table_association");
    let assoc = create(
        &ctx,
        "aws_route_table_association",
        vec![
            ("subnet_id", Value::from(id(&subnet).as_str())),
            ("route_table_id", Value::from(id(&table).as_str())),
        ],
    )
    .await;
    let by_subnet = || {
        ec2.describe_route_tables()
            .filters(id_filter("association.subnet-id", &id(&subnet)))
    };
    let found = by_subnet().send().await.unwrap();
    assert_eq!(
        found.route_tables()[0].route_table_id(),
        Some(id(&table).as_str())
    );
    let import_id = format!("{}/{}", id(&subnet), id(&table));
    assert_eq!(
        assoc_rt.import(&ctx, &import_id).await.unwrap().unwrap(),
        assoc
    );
    let planned = plan_update(
        assoc_rt,
        &assoc,
        vec![("route_table_id", Value::from(id(&other).as_str()))],
    );
    let assoc = assoc_rt.update(&ctx, &assoc, &planned).await.unwrap();
    let found = by_subnet().send().await.unwrap();
    assert_eq!(
        found.route_tables()[0].route_table_id(),
        Some(id(&other).as_str())
    );

    assoc_rt.delete(&ctx, &assoc).await.unwrap();
    assert!(by_subnet().send().await.unwrap().route_tables().is_empty());
    route_rt.delete(&ctx, &r).await.unwrap();
    let described = ec2
        .describe_route_tables()
        .route_table_ids(id(&other))
        .send()
        .await
        .unwrap();
    assert!(routes_of(&described.route_tables()[0]).is_empty());
    for t in [&table, &other] {
        table_rt.delete(&ctx, t).await.unwrap();
    }
    let left = ec2
        .describe_route_tables()
        .filters(id_filter("vpc-id", &vpc))
        .send()
        .await
        .unwrap();
    assert_eq!(left.route_tables().len(), 1, "only the main table is left");
}

/// A NAT gateway is waited for through `pending` on create and through `deleting` on delete
/// (emulator patch (n1)); its Elastic IP is released only after.
#[tokio::test]
async fn nat_gateway_waits_and_eip_release() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = id(&create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.60.0.0/16"))],
    )
    .await);
    let subnet = create(
        &ctx,
        "aws_subnet",
        vec![
            ("vpc_id", Value::from(vpc.as_str())),
            ("cidr_block", Value::from("10.60.1.0/24")),
        ],
    )
    .await;
    create(
        &ctx,
        "aws_internet_gateway",
        vec![("vpc_id", Value::from(vpc.as_str()))],
    )
    .await;
    let eip_rt = rt("aws_eip");
    let eip = create(
        &ctx,
        "aws_eip",
        vec![
            ("domain", Value::from("vpc")),
            ("tags", tags(&[("n", "1")])),
        ],
    )
    .await;
    let public_ip = obj::string(&eip, "public_ip").unwrap();
    assert_eq!(
        obj::string(&eip, "public_dns").unwrap(),
        format!(
            "ec2-{}.compute-1.amazonaws.com",
            public_ip.replace('.', "-")
        )
    );
    let planned = plan_update(eip_rt, &eip, vec![("tags", tags(&[("n", "2")]))]);
    let eip = eip_rt.update(&ctx, &eip, &planned).await.unwrap();
    let a = ec2
        .describe_addresses()
        .allocation_ids(id(&eip))
        .send()
        .await
        .unwrap();
    assert_eq!(a.addresses()[0].tags()[0].value(), Some("2"));
    assert_eq!(eip_rt.import(&ctx, &id(&eip)).await.unwrap().unwrap(), eip);

    let nat_rt = rt("aws_nat_gateway");
    let before = api_calls(&ctx, "DescribeNatGateways");
    let nat = create(
        &ctx,
        "aws_nat_gateway",
        vec![
            ("allocation_id", Value::from(id(&eip).as_str())),
            ("subnet_id", Value::from(id(&subnet).as_str())),
        ],
    )
    .await;
    assert!(
        api_calls(&ctx, "DescribeNatGateways") - before >= 2,
        "waited through pending"
    );
    assert_eq!(obj::str(&nat, "public_ip"), Some(public_ip.as_str()));
    assert_eq!(obj::str(&nat, "connectivity_type"), Some("public"));
    let n = ec2
        .describe_nat_gateways()
        .nat_gateway_ids(id(&nat))
        .send()
        .await
        .unwrap();
    assert_eq!(
        n.nat_gateways()[0].state().map(|s| s.as_str()),
        Some("available")
    );
    assert_eq!(nat_rt.import(&ctx, &id(&nat)).await.unwrap().unwrap(), nat);

    // While the gateway holds the address, AWS refuses to release it (patch (n2)).
    let refused = ec2.release_address().allocation_id(id(&eip)).send().await;
    assert!(refused.is_err());
    nat_rt.delete(&ctx, &nat).await.unwrap();
    let n = ec2
        .describe_nat_gateways()
        .nat_gateway_ids(id(&nat))
        .send()
        .await
        .unwrap();
    assert_eq!(
        n.nat_gateways()[0].state().map(|s| s.as_str()),
        Some("deleted")
    );
    assert!(
        nat_rt.read(&ctx, &[id(&nat)]).await.unwrap().is_empty(),
        "a deleted gateway is gone"
    );
    eip_rt.delete(&ctx, &eip).await.unwrap();
    assert!(ec2
        .describe_addresses()
        .send()
        .await
        .unwrap()
        .addresses()
        .is_empty());
    rt("aws_subnet").delete(&ctx, &subnet).await.unwrap();
}

/// A refresh of many objects of each type is one describe per type (the VPC's attributes
/// aside: DescribeVpcAttribute answers one attribute of one VPC); missing ids are absent.
#[tokio::test]
async fn network_types_are_refreshed_in_one_describe_each() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let mut vpcs = Vec::new();
    let mut subnets = Vec::new();
    let mut tables = Vec::new();
    let mut gateways = Vec::new();
    let mut addresses = Vec::new();
    for i in 0..3 {
        let vpc = id(&create(
            &ctx,
            "aws_vpc",
            vec![("cidr_block", Value::from(format!("10.7{i}.0.0/16")))],
        )
        .await);
        let v = || Value::from(vpc.as_str());
        subnets.push(id(&create(
            &ctx,
            "aws_subnet",
            vec![
                ("vpc_id", v()),
                ("cidr_block", Value::from(format!("10.7{i}.1.0/24"))),
            ],
        )
        .await));
        tables.push(id(
            &create(&ctx, "aws_route_table", vec![("vpc_id", v())]).await
        ));
        gateways.push(id(&create(
            &ctx,
            "aws_internet_gateway",
            vec![("vpc_id", v())],
        )
        .await));
        addresses.push(id(&create(&ctx, "aws_eip", vec![]).await));
        vpcs.push(vpc);
    }
    let ctx = account.provider_ctx(REGION).await;
    for (type_, ids, missing, action) in [
        ("aws_vpc", &vpcs, "vpc-0000000000000000f", "DescribeVpcs"),
        (
            "aws_subnet",
            &subnets,
            "subnet-0000000000000000f",
            "DescribeSubnets",
        ),
        (
            "aws_route_table",
            &tables,
            "rtb-0000000000000000f",
            "DescribeRouteTables",
        ),
        (
            "aws_internet_gateway",
            &gateways,
            "igw-0000000000000000f",
            "DescribeInternetGateways",
        ),
        (
            "aws_eip",
            &addresses,
            "eipalloc-0000000000000000f",
            "DescribeAddresses",
        ),
    ] {
        let before = api_calls(&ctx, action);
        let mut asked = ids.clone();
        asked.push(missing.to_string());
        let read = rt(type_).read(&ctx, &asked).await.unwrap();
        assert_eq!(read.keys().cloned().collect::<Vec<_>>(), {
            let mut want = ids.clone();
            want.sort();
            want
        });
        assert_eq!(api_calls(&ctx, action) - before, 1, "{type_}: {action}");
    }
    // The VPCs' own objects: one call each for all three VPCs.
    for action in ["DescribeSecurityGroups", "DescribeNetworkAcls"] {
        assert_eq!(api_calls(&ctx, action), 1, "{action}");
    }
    assert_eq!(api_calls(&ctx, "DescribeVpcAttribute"), 3 * 3);
}

#[tokio::test]
async fn egress_only_gateway_secondary_cidr_and_dhcp_options() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = id(&create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.100.0.0/16"))],
    )
    .await);
    let v = || Value::from(vpc.as_str());

    let eigw = create(
        &ctx,
        "aws_egress_only_internet_gateway",
        vec![("vpc_id", v())],
    )
    .await;
    assert_eq!(obj::str(&eigw, "vpc_id"), Some(vpc.as_str()));
    let eigw_rt = rt("aws_egress_only_internet_gateway");
    assert_eq!(
        eigw_rt.import(&ctx, &id(&eigw)).await.unwrap().unwrap(),
        eigw
    );
    eigw_rt.delete(&ctx, &eigw).await.unwrap();
    let left = ec2
        .describe_egress_only_internet_gateways()
        .send()
        .await
        .unwrap();
    assert!(left.egress_only_internet_gateways().is_empty());

    let cidr_rt = rt("aws_vpc_ipv4_cidr_block_association");
    let cidr = create(
        &ctx,
        "aws_vpc_ipv4_cidr_block_association",
        vec![
            ("vpc_id", v()),
            ("cidr_block", Value::from("10.101.0.0/16")),
        ],
    )
    .await;
    let blocks = |out: aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput| -> Vec<String> {
        out.vpcs()[0]
            .cidr_block_association_set()
            .iter()
            .filter(|a| {
                a.cidr_block_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str())
                    == Some("associated")
            })
            .filter_map(|a| a.cidr_block().map(str::to_string))
            .collect()
    };
    let out = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    assert!(blocks(out).contains(&"10.101.0.0/16".to_string()));
    assert_eq!(
        cidr_rt.import(&ctx, &id(&cidr)).await.unwrap().unwrap(),
        cidr
    );
    cidr_rt.delete(&ctx, &cidr).await.unwrap();
    let out = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    assert_eq!(blocks(out), ["10.100.0.0/16"]);

    let options = create(
        &ctx,
        "aws_vpc_dhcp_options",
        vec![
            ("domain_name", Value::from("corp.internal")),
            (
                "domain_name_servers",
                Value::List(vec![Value::from("10.0.0.2"), Value::from("10.0.0.3")]),
            ),
        ],
    )
    .await;
    assert_eq!(
        obj::strings(&options, "domain_name_servers"),
        ["10.0.0.2", "10.0.0.3"]
    );
    let assoc = create(
        &ctx,
        "aws_vpc_dhcp_options_association",
        vec![
            ("vpc_id", v()),
            ("dhcp_options_id", Value::from(id(&options).as_str())),
        ],
    )
    .await;
    assert_eq!(id(&assoc), format!("{}-{vpc}", id(&options)));
    let out = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    assert_eq!(out.vpcs()[0].dhcp_options_id(), Some(id(&options).as_str()));
    assert_eq!(
        rt("aws_vpc_dhcp_options_association")
            .import(&ctx, &vpc)
            .await
            .unwrap()
            .unwrap(),
        assoc
    );
    // Deleting the options while the VPC still uses them gives it the default ones first.
    rt("aws_vpc_dhcp_options")
        .delete(&ctx, &options)
        .await
        .unwrap();
    let gone = ec2.describe_dhcp_options().filters(
        Filter::builder()
            .name("dhcp-options-id")
            .values(id(&options))
            .build(),
    );
    assert!(gone.send().await.unwrap().dhcp_options().is_empty());
    rt("aws_vpc_dhcp_options_association")
        .delete(&ctx, &assoc)
        .await
        .unwrap();
}

/// The network data sources find exactly one object by their arguments and filters.
#[tokio::test]
async fn subnet_internet_gateway_and_nat_gateway_data_sources() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let vpc = id(&create(
        &ctx,
        "aws_vpc",
        vec![("cidr_block", Value::from("10.110.0.0/16"))],
    )
    .await);
    let v = || Value::from(vpc.as_str());
    let subnet = create(
        &ctx,
        "aws_subnet",
        vec![
            ("vpc_id", v()),
            ("cidr_block", Value::from("10.110.1.0/24")),
            ("tags", tags(&[("tier", "data")])),
        ],
    )
    .await;
    let igw = create(&ctx, "aws_internet_gateway", vec![("vpc_id", v())]).await;
    let eip = create(&ctx, "aws_eip", vec![]).await;
    let nat = create(
        &ctx,
        "aws_nat_gateway",
        vec![
            ("allocation_id", Value::from(id(&eip).as_str())),
            ("subnet_id", Value::from(id(&subnet).as_str())),
        ],
    )
    .await;
    let ds =
        |name: &str| strata::provider::data_source_type(name).unwrap_or_else(|| panic!("{name}"));

    let found = ds("aws_subnet")
        .read(
            &ctx,
            &config(vec![("vpc_id", v()), ("tags", tags(&[("tier", "data")]))]),
        )
        .await
        .unwrap();
    assert_eq!(obj::str(&found, "id"), Some(id(&subnet).as_str()));
    assert_eq!(obj::str(&found, "cidr_block"), Some("10.110.1.0/24"));
    assert_eq!(obj::str(&found, "state"), Some("available"));
    let none = ds("aws_subnet")
        .read(
            &ctx,
            &config(vec![
                ("vpc_id", v()),
                ("cidr_block", Value::from("10.110.9.0/24")),
            ]),
        )
        .await;
    assert!(none.unwrap_err().message.contains("no object matches"));

    let filter = Value::List(vec![config(vec![
        ("name", Value::from("attachment.vpc-id")),
        ("values", Value::List(vec![v()])),
    ])]);
    let found = ds("aws_internet_gateway")
        .read(&ctx, &config(vec![("filter", filter)]))
        .await
        .unwrap();
    assert_eq!(
        obj::str(&found, "internet_gateway_id"),
        Some(id(&igw).as_str())
    );
    let attachments = found.get("attachments").unwrap().as_list().unwrap();
    assert_eq!(obj::str(&attachments[0], "vpc_id"), Some(vpc.as_str()));

    let found = ds("aws_nat_gateway")
        .read(
            &ctx,
            &config(vec![("subnet_id", Value::from(id(&subnet).as_str()))]),
        )
        .await
        .unwrap();
    assert_eq!(obj::str(&found, "id"), Some(id(&nat).as_str()));
    assert_eq!(obj::str(&found, "public_ip"), obj::str(&eip, "public_ip"));
    assert_eq!(obj::str(&found, "vpc_id"), Some(vpc.as_str()));
}
