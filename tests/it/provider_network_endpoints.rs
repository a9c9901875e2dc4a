//! VPC endpoints, internet gateway attachments, VPC peering connections and the
//! `aws_route_table` / `aws_vpc_endpoint_service` data sources against the emulator: the trait
//! methods are called directly and every effect is checked through a separate EC2 client; and
//! a network with a gateway endpoint and an attachment destroyed in one run through `strata`.

use aws_sdk_ec2::types::Filter;
use strata::eval::Value;
use strata::provider::{data_source_type, obj, Ctx};

use crate::emulator::{api_calls, Emulator, DEFAULT_REGION};
use crate::support::objects::{config, create, id, rt};
use crate::support::{plan_update, Workdir};

const REGION: &str = DEFAULT_REGION;

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::from(*s)).collect())
}

async fn vpc(ctx: &Ctx, cidr: &str) -> String {
    id(&create(ctx, "aws_vpc", vec![("cidr_block", Value::from(cidr))]).await)
}

async fn endpoint(ec2: &aws_sdk_ec2::Client, id: &str) -> aws_sdk_ec2::types::VpcEndpoint {
    let out = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await;
    out.unwrap().vpc_endpoints()[0].clone()
}

/// The route tables of `tables` that route to endpoint `id` (its prefix-list route).
async fn routing_to(ec2: &aws_sdk_ec2::Client, tables: &[String], id: &str) -> Vec<String> {
    let out = ec2
        .describe_route_tables()
        .set_route_table_ids(Some(tables.to_vec()))
        .send()
        .await
        .unwrap();
    let mut found: Vec<String> = out
        .route_tables()
        .iter()
        .filter(|t| t.routes().iter().any(|r| r.gateway_id() == Some(id)))
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn gateway_endpoint_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = vpc(&ctx, "10.140.0.0/16").await;
    let mut tables = Vec::new();
    for _ in 0..3 {
        tables.push(id(&create(
            &ctx,
            "aws_route_table",
            vec![("vpc_id", Value::from(vpc.as_str()))],
        )
        .await));
    }
    tables.sort();
    let s3 = format!("com.amazonaws.{REGION}.s3");
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*"}]}"#;
    let ep_rt = rt("aws_vpc_endpoint");
    let state = create(
        &ctx,
        "aws_vpc_endpoint",
        vec![
            ("vpc_id", Value::from(vpc.as_str())),
            ("service_name", Value::from(s3.as_str())),
            ("route_table_ids", strings(&[&tables[0], &tables[1]])),
            ("policy", Value::from(deny)),
            ("tags", obj::map([("Name".to_string(), "s3".to_string())])),
        ],
    )
    .await;
    let ep = id(&state);
    let e = endpoint(&ec2, &ep).await;
    assert_eq!(e.vpc_endpoint_type().map(|t| t.as_str()), Some("Gateway"));
    assert_eq!(e.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(e.tags()[0].value(), Some("s3"));
    assert!(e.policy_document().unwrap().contains("s3:DeleteBucket"));
    assert_eq!(routing_to(&ec2, &tables, &ep).await, tables[..2]);
    // Read back equal to what AWS has; the policy as planned.
    assert_eq!(obj::str(&state, "policy"), Some(deny));
    assert_eq!(obj::str(&state, "vpc_endpoint_type"), Some("Gateway"));
    assert_eq!(obj::str(&state, "state"), Some("available"));
    let lists = ec2.describe_prefix_lists().send().await.unwrap();
    let list = lists
        .prefix_lists()
        .iter()
        .find(|p| p.prefix_list_name() == Some(s3.as_str()));
    assert_eq!(
        obj::str(&state, "prefix_list_id"),
        list.and_then(|p| p.prefix_list_id())
    );
    assert!(obj::str(&state, "arn")
        .unwrap()
        .ends_with(&format!(":vpc-endpoint/{ep}")));
    assert_eq!(obj::str(&state, "owner_id"), e.owner_id());

    // In place: one table swapped for another, the policy removed (full access again).
    let mut planned = plan_update(
        ep_rt,
        &state,
        vec![("route_table_ids", strings(&[&tables[1], &tables[2]]))],
    );
    if let Value::Map(m) = &mut planned {
        m.insert("policy".into(), Value::Null);
    }
    let updated = ep_rt.update(&ctx, &state, &planned).await.unwrap();
    assert_eq!(id(&updated), ep);
    assert_eq!(routing_to(&ec2, &tables, &ep).await, tables[1..]);
    let e = endpoint(&ec2, &ep).await;
    let mut held = e.route_table_ids().to_vec();
    held.sort();
    assert_eq!(held, tables[1..]);
    assert!(!e.policy_document().unwrap().contains("Deny"));
    assert_eq!(obj::strings(&updated, "route_table_ids"), tables[1..]);

    let mut imported = ep_rt.import(&ctx, &ep).await.unwrap().expect("imported");
    // auto_accept is never read from AWS (the engine keeps it from state).
    obj::keep_from(&mut imported, &updated, &["auto_accept"]);
    assert_eq!(imported, updated);

    ep_rt.delete(&ctx, &updated).await.unwrap();
    assert!(routing_to(&ec2, &tables, &ep).await.is_empty());
    assert!(ep_rt
        .read(&ctx, std::slice::from_ref(&ep))
        .await
        .unwrap()
        .is_empty());
    // Already gone counts as success.
    ep_rt.delete(&ctx, &updated).await.unwrap();
}

#[tokio::test]
async fn interface_endpoint_subnets_and_groups_change_in_place() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = vpc(&ctx, "10.141.0.0/16").await;
    let v = || Value::from(vpc.as_str());
    let subnet = |cidr: &'static str| {
        create(
            &ctx,
            "aws_subnet",
            vec![("vpc_id", v()), ("cidr_block", Value::from(cidr))],
        )
    };
    let (a, b) = (
        id(&subnet("10.141.1.0/24").await),
        id(&subnet("10.141.2.0/24").await),
    );
    let group = |name: &'static str| {
        create(
            &ctx,
            "aws_security_group",
            vec![("vpc_id", v()), ("name", Value::from(name))],
        )
    };
    let (g1, g2) = (id(&group("ep-1").await), id(&group("ep-2").await));
    let ep_rt = rt("aws_vpc_endpoint");
    let state = create(
        &ctx,
        "aws_vpc_endpoint",
        vec![
            ("vpc_id", v()),
            (
                "service_name",
                Value::from(format!("com.amazonaws.{REGION}.kms")),
            ),
            ("vpc_endpoint_type", Value::from("Interface")),
            ("subnet_ids", strings(&[&a])),
            ("security_group_ids", strings(&[&g1])),
            ("private_dns_enabled", Value::from(false)),
        ],
    )
    .await;
    let ep = id(&state);
    let e = endpoint(&ec2, &ep).await;
    assert_eq!(e.subnet_ids(), std::slice::from_ref(&a));
    assert_eq!(e.private_dns_enabled(), Some(false));
    assert_eq!(
        obj::strings(&state, "network_interface_ids"),
        e.network_interface_ids()
    );
    let configs = state
        .get("subnet_configuration")
        .unwrap()
        .as_list()
        .unwrap();
    assert_eq!(obj::str(&configs[0], "subnet_id"), Some(a.as_str()));
    assert!(!state
        .get("dns_entry")
        .unwrap()
        .as_list()
        .unwrap()
        .is_empty());
    assert_eq!(obj::strings(&state, "security_group_ids"), [g1.as_str()]);

    let planned = plan_update(
        ep_rt,
        &state,
        vec![
            ("subnet_ids", strings(&[&a, &b])),
            ("security_group_ids", strings(&[&g2])),
            ("private_dns_enabled", Value::from(true)),
        ],
    );
    let updated = ep_rt.update(&ctx, &state, &planned).await.unwrap();
    let e = endpoint(&ec2, &ep).await;
    let mut subnets = e.subnet_ids().to_vec();
    subnets.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(subnets, want);
    assert_eq!(e.network_interface_ids().len(), 2);
    let groups: Vec<_> = e.groups().iter().filter_map(|g| g.group_id()).collect();
    assert_eq!(groups, [g2.as_str()]);
    assert_eq!(e.private_dns_enabled(), Some(true));
    assert_eq!(obj::strings(&updated, "subnet_ids"), want);
    let mut imported = ep_rt.import(&ctx, &ep).await.unwrap().unwrap();
    obj::keep_from(&mut imported, &updated, &["auto_accept"]);
    assert_eq!(imported, updated);
    ep_rt.delete(&ctx, &updated).await.unwrap();
    let enis = ec2
        .describe_network_interfaces()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap();
    assert!(
        enis.network_interfaces().is_empty(),
        "its interfaces are deleted"
    );
}

#[tokio::test]
async fn internet_gateway_attachment_create_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = vpc(&ctx, "10.142.0.0/16").await;
    let igw = id(&create(&ctx, "aws_internet_gateway", vec![]).await);
    let at_rt = rt("aws_internet_gateway_attachment");
    let state = create(
        &ctx,
        "aws_internet_gateway_attachment",
        vec![
            ("internet_gateway_id", Value::from(igw.as_str())),
            ("vpc_id", Value::from(vpc.as_str())),
        ],
    )
    .await;
    let at = format!("{igw}:{vpc}");
    assert_eq!(id(&state), at);
    let g = ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&igw)
        .send()
        .await
        .unwrap();
    let attachment = &g.internet_gateways()[0].attachments()[0];
    assert_eq!(attachment.vpc_id(), Some(vpc.as_str()));
    assert_eq!(attachment.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(at_rt.import(&ctx, &at).await.unwrap().unwrap(), state);
    let bad = at_rt.import(&ctx, &igw).await.unwrap_err();
    assert!(
        bad.message.contains("INTERNET_GATEWAY_ID:VPC_ID"),
        "{}",
        bad.message
    );
    assert_eq!(at_rt.natural_id(&state), Some(at.clone()));

    at_rt.delete(&ctx, &state).await.unwrap();
    let g = ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&igw)
        .send()
        .await
        .unwrap();
    assert!(g.internet_gateways()[0].attachments().is_empty());
    assert!(at_rt
        .read(&ctx, std::slice::from_ref(&at))
        .await
        .unwrap()
        .is_empty());
    at_rt.delete(&ctx, &state).await.unwrap();
}

#[tokio::test]
async fn peering_connection_is_accepted_configured_imported_and_deleted() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let (a, b) = (
        vpc(&ctx, "10.143.0.0/16").await,
        vpc(&ctx, "10.144.0.0/16").await,
    );
    let pcx_rt = rt("aws_vpc_peering_connection");
    let requester = Value::List(vec![config(vec![(
        "allow_remote_vpc_dns_resolution",
        Value::from(true),
    )])]);
    let state = create(
        &ctx,
        "aws_vpc_peering_connection",
        vec![
            ("vpc_id", Value::from(a.as_str())),
            ("peer_vpc_id", Value::from(b.as_str())),
            ("auto_accept", Value::from(true)),
            ("requester", requester),
        ],
    )
    .await;
    let pcx = id(&state);
    let out = ec2
        .describe_vpc_peering_connections()
        .vpc_peering_connection_ids(&pcx)
        .send()
        .await
        .unwrap();
    let p = &out.vpc_peering_connections()[0];
    assert_eq!(
        p.status().and_then(|s| s.code()).map(|c| c.as_str()),
        Some("active")
    );
    let dns = |side: Option<&aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo>| {
        side.and_then(|s| s.peering_options())
            .and_then(|o| o.allow_dns_resolution_from_remote_vpc())
    };
    assert_eq!(dns(p.requester_vpc_info()), Some(true));
    assert_eq!(dns(p.accepter_vpc_info()), Some(false));
    assert_eq!(obj::str(&state, "accept_status"), Some("active"));
    assert_eq!(obj::str(&state, "peer_vpc_id"), Some(b.as_str()));
    assert_eq!(obj::str(&state, "peer_region"), Some(REGION));
    assert_eq!(
        obj::str(&state, "peer_owner_id"),
        p.accepter_vpc_info().and_then(|s| s.owner_id())
    );

    let accepter = Value::List(vec![config(vec![(
        "allow_remote_vpc_dns_resolution",
        Value::from(true),
    )])]);
    let planned = plan_update(
        pcx_rt,
        &state,
        vec![
            ("accepter", accepter),
            ("tags", obj::map([("Name".to_string(), "peer".to_string())])),
        ],
    );
    let updated = pcx_rt.update(&ctx, &state, &planned).await.unwrap();
    let out = ec2
        .describe_vpc_peering_connections()
        .vpc_peering_connection_ids(&pcx)
        .send()
        .await
        .unwrap();
    let p = &out.vpc_peering_connections()[0];
    assert_eq!(dns(p.accepter_vpc_info()), Some(true));
    assert_eq!(p.tags()[0].value(), Some("peer"));
    let mut imported = pcx_rt.import(&ctx, &pcx).await.unwrap().unwrap();
    // auto_accept is never read from AWS (the engine keeps it from state).
    obj::keep_from(&mut imported, &updated, &["auto_accept", "timeouts"]);
    assert_eq!(imported, updated);

    pcx_rt.delete(&ctx, &updated).await.unwrap();
    let out = ec2
        .describe_vpc_peering_connections()
        .vpc_peering_connection_ids(&pcx)
        .send()
        .await
        .unwrap();
    let code = out.vpc_peering_connections()[0]
        .status()
        .and_then(|s| s.code())
        .map(|c| c.as_str().to_string());
    assert_eq!(code.as_deref(), Some("deleted"));
    assert!(pcx_rt
        .read(&ctx, std::slice::from_ref(&pcx))
        .await
        .unwrap()
        .is_empty());
    pcx_rt.delete(&ctx, &updated).await.unwrap();
}

/// Without `auto_accept` the request stays pending-acceptance; refused at validate with a
/// peer Region, as AWS refuses the requester's accept of it.
#[tokio::test]
async fn a_peering_connection_without_auto_accept_stays_pending() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let (a, b) = (
        vpc(&ctx, "10.145.0.0/16").await,
        vpc(&ctx, "10.146.0.0/16").await,
    );
    let state = create(
        &ctx,
        "aws_vpc_peering_connection",
        vec![
            ("vpc_id", Value::from(a.as_str())),
            ("peer_vpc_id", Value::from(b.as_str())),
        ],
    )
    .await;
    assert_eq!(
        obj::str(&state, "accept_status"),
        Some("pending-acceptance")
    );
    rt("aws_vpc_peering_connection")
        .delete(&ctx, &state)
        .await
        .unwrap();
    let problems = rt("aws_vpc_peering_connection").validate(&config(vec![
        ("peer_region", Value::from("us-west-2")),
        ("auto_accept", Value::from(true)),
    ]));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].attribute, Some("auto_accept"));
}

#[tokio::test]
async fn route_table_and_endpoint_service_data_sources() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let vpc = vpc(&ctx, "10.147.0.0/16").await;
    let v = || Value::from(vpc.as_str());
    let subnet = id(&create(
        &ctx,
        "aws_subnet",
        vec![
            ("vpc_id", v()),
            ("cidr_block", Value::from("10.147.1.0/24")),
        ],
    )
    .await);
    let igw = id(&create(&ctx, "aws_internet_gateway", vec![("vpc_id", v())]).await);
    let route = Value::List(vec![config(vec![
        ("cidr_block", Value::from("0.0.0.0/0")),
        ("gateway_id", Value::from(igw.as_str())),
    ])]);
    let table = create(
        &ctx,
        "aws_route_table",
        vec![("vpc_id", v()), ("route", route)],
    )
    .await;
    let assoc = create(
        &ctx,
        "aws_route_table_association",
        vec![
            ("subnet_id", Value::from(subnet.as_str())),
            ("route_table_id", Value::from(id(&table).as_str())),
        ],
    )
    .await;
    let ds = |name: &str| data_source_type(name).unwrap_or_else(|| panic!("{name}"));

    let found = ds("aws_route_table")
        .read(
            &ctx,
            &config(vec![("subnet_id", Value::from(subnet.as_str()))]),
        )
        .await
        .unwrap();
    assert_eq!(obj::str(&found, "id"), Some(id(&table).as_str()));
    assert_eq!(
        obj::str(&found, "route_table_id"),
        Some(id(&table).as_str())
    );
    assert_eq!(obj::str(&found, "vpc_id"), Some(vpc.as_str()));
    let routes = found.get("routes").unwrap().as_list().unwrap();
    assert_eq!(routes.len(), 1, "the local route is left out: {routes:?}");
    assert_eq!(obj::str(&routes[0], "gateway_id"), Some(igw.as_str()));
    let associations = found.get("associations").unwrap().as_list().unwrap();
    assert_eq!(
        obj::str(&associations[0], "route_table_association_id"),
        Some(id(&assoc).as_str())
    );
    assert_eq!(
        obj::str(&associations[0], "subnet_id"),
        Some(subnet.as_str())
    );
    let main = ds("aws_route_table")
        .read(
            &ctx,
            &config(vec![
                ("vpc_id", v()),
                (
                    "filter",
                    Value::List(vec![config(vec![
                        ("name", Value::from("association.main")),
                        ("values", strings(&["true"])),
                    ])]),
                ),
            ]),
        )
        .await
        .unwrap();
    assert_ne!(obj::str(&main, "id"), Some(id(&table).as_str()));
    let several = ds("aws_route_table")
        .read(&ctx, &config(vec![("vpc_id", v())]))
        .await;
    assert!(several.unwrap_err().message.contains("exactly one"));

    let s3 = ds("aws_vpc_endpoint_service")
        .read(
            &ctx,
            &config(vec![
                ("service", Value::from("s3")),
                ("service_type", Value::from("Gateway")),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(
        obj::str(&s3, "service_name"),
        Some(format!("com.amazonaws.{REGION}.s3").as_str())
    );
    assert_eq!(obj::str(&s3, "service_type"), Some("Gateway"));
    assert_eq!(obj::str(&s3, "owner"), Some("amazon"));
    assert!(obj::str(&s3, "service_id")
        .unwrap()
        .starts_with("vpce-svc-"));
    assert_eq!(obj::strings(&s3, "supported_ip_address_types"), ["ipv4"]);
    assert!(!obj::strings(&s3, "availability_zones").is_empty());
    let both = ds("aws_vpc_endpoint_service")
        .read(&ctx, &config(vec![("service", Value::from("s3"))]))
        .await;
    assert!(
        both.unwrap_err().message.contains("exactly one"),
        "S3 is a Gateway and an Interface service"
    );
}

/// A refresh of many objects of each type is one describe per type (the endpoints': one
/// more each for their prefix lists and interfaces); missing ids are absent.
#[tokio::test]
async fn endpoint_attachment_and_peering_refresh_in_one_describe_each() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let mut endpoints = Vec::new();
    let mut attachments = Vec::new();
    let mut peerings = Vec::new();
    let peer = vpc(&ctx, "10.159.0.0/16").await;
    for i in 0..3 {
        let vpc = vpc(&ctx, &format!("10.15{i}.0.0/16")).await;
        let v = || Value::from(vpc.as_str());
        let subnet = id(&create(
            &ctx,
            "aws_subnet",
            vec![
                ("vpc_id", v()),
                ("cidr_block", Value::from(format!("10.15{i}.1.0/24"))),
            ],
        )
        .await);
        let table = id(&create(&ctx, "aws_route_table", vec![("vpc_id", v())]).await);
        endpoints.push(id(&create(
            &ctx,
            "aws_vpc_endpoint",
            vec![
                ("vpc_id", v()),
                (
                    "service_name",
                    Value::from(format!("com.amazonaws.{REGION}.s3")),
                ),
                ("route_table_ids", strings(&[&table])),
            ],
        )
        .await));
        endpoints.push(id(&create(
            &ctx,
            "aws_vpc_endpoint",
            vec![
                ("vpc_id", v()),
                (
                    "service_name",
                    Value::from(format!("com.amazonaws.{REGION}.kms")),
                ),
                ("vpc_endpoint_type", Value::from("Interface")),
                ("subnet_ids", strings(&[&subnet])),
            ],
        )
        .await));
        let igw = id(&create(&ctx, "aws_internet_gateway", vec![]).await);
        attachments.push(id(&create(
            &ctx,
            "aws_internet_gateway_attachment",
            vec![
                ("internet_gateway_id", Value::from(igw.as_str())),
                ("vpc_id", v()),
            ],
        )
        .await));
        peerings.push(id(&create(
            &ctx,
            "aws_vpc_peering_connection",
            vec![("vpc_id", v()), ("peer_vpc_id", Value::from(peer.as_str()))],
        )
        .await));
    }
    let ctx = account.provider_ctx(REGION).await;
    for (type_, ids, missing, actions) in [
        (
            "aws_vpc_endpoint",
            &endpoints,
            "vpce-0000000000000000f",
            &[
                "DescribeVpcEndpoints",
                "DescribePrefixLists",
                "DescribeNetworkInterfaces",
            ][..],
        ),
        (
            "aws_internet_gateway_attachment",
            &attachments,
            "igw-0000000000000000f:vpc-0000000000000000f",
            &["DescribeInternetGateways"][..],
        ),
        (
            "aws_vpc_peering_connection",
            &peerings,
            "pcx-0000000000000000f",
            &["DescribeVpcPeeringConnections"][..],
        ),
    ] {
        let before: Vec<u64> = actions.iter().map(|a| api_calls(&ctx, a)).collect();
        let mut asked = ids.clone();
        asked.push(missing.to_string());
        let read = rt(type_).read(&ctx, &asked).await.unwrap();
        let mut want = ids.clone();
        want.sort();
        assert_eq!(read.keys().cloned().collect::<Vec<_>>(), want, "{type_}");
        for (action, before) in actions.iter().zip(before) {
            assert_eq!(api_calls(&ctx, action) - before, 1, "{type_}: {action}");
        }
    }
}

const NETWORK: &str = r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.160.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.160.1.0/24"
}

resource "aws_internet_gateway" "gw" {}

resource "aws_internet_gateway_attachment" "gw" {
  internet_gateway_id = aws_internet_gateway.gw.id
  vpc_id              = aws_vpc.main.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway_attachment.gw.internet_gateway_id
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

data "aws_vpc_endpoint_service" "s3" {
  service      = "s3"
  service_type = "Gateway"
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id          = aws_vpc.main.id
  service_name    = data.aws_vpc_endpoint_service.s3.service_name
  route_table_ids = [aws_route_table.public.id]
}

output "vpc" {
  value = aws_vpc.main.id
}
"#;

/// A VPC with a gateway endpoint on a route table and an internet gateway attached by an
/// `aws_internet_gateway_attachment`: applied, re-planned empty, destroyed in one run leaving
/// nothing (the endpoint's route let go before its table is deleted, the gateway detached
/// before the VPC is deleted).
#[tokio::test]
async fn a_vpc_with_a_gateway_endpoint_and_an_attached_gateway_destroys_in_one_run() {
    let w = Workdir::webapp();
    std::fs::write(w.dir().join("main.tf"), NETWORK).unwrap();
    let applied = w.expect(0, &["apply", "--auto-approve"]);
    assert!(applied.stdout.contains("8 added"), "{}", applied.both());
    let again = w.expect(0, &["plan"]);
    assert!(again.stdout.contains("No changes"), "{}", again.both());
    let vpc = w
        .expect(0, &["output", "--raw", "vpc"])
        .stdout
        .trim()
        .to_string();
    let ec2 = w.account.ec2("us-east-1").await;
    let in_vpc = |name: &str| Filter::builder().name(name).values(&vpc).build();
    let endpoints = ec2
        .describe_vpc_endpoints()
        .filters(in_vpc("vpc-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(endpoints.vpc_endpoints().len(), 1);

    w.expect(0, &["destroy", "--auto-approve"]);
    let vpcs = ec2
        .describe_vpcs()
        .filters(in_vpc("vpc-id"))
        .send()
        .await
        .unwrap();
    assert!(vpcs.vpcs().is_empty(), "the VPC is gone");
    let endpoints = ec2
        .describe_vpc_endpoints()
        .filters(in_vpc("vpc-id"))
        .send()
        .await
        .unwrap();
    assert!(
        endpoints
            .vpc_endpoints()
            .iter()
            .all(|e| e.state().map(|s| s.as_str()) == Some("deleted")),
        "{endpoints:?}"
    );
    let gateways = ec2.describe_internet_gateways().send().await.unwrap();
    assert!(
        gateways.internet_gateways().is_empty(),
        "the gateway is deleted"
    );
    let tables = ec2
        .describe_route_tables()
        .filters(in_vpc("vpc-id"))
        .send()
        .await
        .unwrap();
    assert!(tables.route_tables().is_empty());
}

/// What the vpc module's vpc-endpoints submodule writes, re-planned right after its apply.
const ENDPOINTS_AS_THE_MODULE_WRITES_THEM: &str = r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.62.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.62.1.0/24"
}

locals {
  endpoints = {
    s3 = { dns_options = { private_dns_only_for_inbound_resolver_endpoint = false } }
    ecs = {}
  }
}

resource "aws_vpc_endpoint" "this" {
  for_each          = local.endpoints
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.${each.key}"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.private.id]
  policy            = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": "*",
          "Action": "*",
          "Resource": "*"
        }
      ]
    }
  EOT

  dynamic "dns_options" {
    for_each = try([each.value.dns_options], [])
    content {
      dns_record_ip_type                             = try(dns_options.value.dns_record_ip_type, null)
      private_dns_only_for_inbound_resolver_endpoint = try(dns_options.value.private_dns_only_for_inbound_resolver_endpoint, null)
    }
  }

  dynamic "subnet_configuration" {
    for_each = try(each.value.subnet_configurations, [])
    content {
      ipv4      = try(subnet_configuration.value.ipv4, null)
      subnet_id = try(subnet_configuration.value.subnet_id, null)
    }
  }
}

output "endpoints" {
  value = aws_vpc_endpoint.this
}
"#;

/// Four ways the re-plan of the vpc module's complete example was never empty: a `dynamic`
/// block that made no block asked to remove a computed block AWS filled (`dns_options`,
/// `subnet_configuration`); a written block's computed attribute left unset
/// (`dns_record_ip_type`) asked to be removed; a policy AWS answered reformatted was reported
/// changed outside strata; and an output of a whole object changed by its `region`, which the
/// apply left out of the object and the refresh put in.
#[tokio::test]
async fn an_applied_endpoint_as_the_vpc_module_writes_it_replanned_changes() {
    let w = Workdir::webapp();
    std::fs::write(w.dir().join("main.tf"), ENDPOINTS_AS_THE_MODULE_WRITES_THEM).unwrap();
    w.expect(0, &["apply", "--auto-approve"]);
    let replan = w.strata(&["plan", "--detailed-exitcode"]);
    assert_eq!(replan.code, 0, "{}", replan.both());
    assert!(!replan.stdout.contains("has changed"), "{}", replan.stdout);
    let ec2 = w.account.ec2(REGION).await;
    let s3 = w.expect(0, &["output", "--json", "endpoints"]).stdout;
    let s3: serde_json::Value = serde_json::from_str(&s3).unwrap();
    let s3_id = s3["s3"]["id"].as_str().unwrap();
    let found = endpoint(&ec2, s3_id).await;
    let options = found.dns_options().unwrap();
    assert_eq!(
        options.dns_record_ip_type().map(|t| t.as_str()),
        Some("ipv4")
    );
    assert_eq!(s3["s3"]["dns_options"][0]["dns_record_ip_type"], "ipv4");
    assert_eq!(s3["s3"]["region"], REGION);
    w.expect(0, &["destroy", "--auto-approve"]);
}
