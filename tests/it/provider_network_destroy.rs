//! A whole VPC network (subnets in two zones, an internet gateway, a NAT gateway and its
//! Elastic IP, public and private route tables with their routes and associations) applied,
//! re-planned empty and destroyed in one run each through the `strata` binary; what AWS holds
//! is checked by describe calls. The destroy goes through only if every delete does the waits
//! AWS needs (the NAT gateway `deleting` → `deleted` before its address is released and its
//! subnet deleted, the gateway detached once no public address is mapped).

use crate::support::Workdir;

const NETWORK: &str = r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "strata-net" }
}

resource "aws_subnet" "public" {
  count                   = 2
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone       = ["us-east-1a", "us-east-1b"][count.index]
  map_public_ip_on_launch = true
  tags                    = { Name = "public-${count.index}" }
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, 10 + count.index)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public[0].id
  depends_on    = [aws_internet_gateway.gw]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.gw.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}

resource "aws_route_table_association" "public" {
  count          = 2
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  count          = 2
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

output "vpc" {
  value = aws_vpc.main.id
}
"#;

#[tokio::test]
async fn a_whole_network_is_applied_replanned_empty_and_destroyed_leaving_nothing() {
    let w = Workdir::webapp();
    std::fs::write(w.dir().join("main.tf"), NETWORK).unwrap();
    let applied = w.expect(0, &["apply", "--auto-approve"]);
    assert!(applied.stdout.contains("15 added"), "{}", applied.both());
    let again = w.expect(0, &["plan"]);
    assert!(again.stdout.contains("No changes"), "{}", again.both());

    let ec2 = w.account.ec2("us-east-1").await;
    let vpc = w
        .expect(0, &["output", "--raw", "vpc"])
        .stdout
        .trim()
        .to_string();
    let in_vpc = |name: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name(name)
            .values(&vpc)
            .build()
    };
    let nats = ec2.describe_nat_gateways().filter(in_vpc("vpc-id"));
    let nats = nats.send().await.unwrap().nat_gateways.unwrap_or_default();
    assert_eq!(nats.len(), 1);
    assert_eq!(nats[0].state().map(|s| s.as_str()), Some("available"));
    let tables = ec2.describe_route_tables().filters(in_vpc("vpc-id"));
    let tables = tables
        .send()
        .await
        .unwrap()
        .route_tables
        .unwrap_or_default();
    assert_eq!(tables.len(), 3, "main, public, private");
    let routes_to = |target: &str| {
        tables
            .iter()
            .flat_map(|t| t.routes())
            .filter(|r| r.gateway_id() == Some(target) || r.nat_gateway_id() == Some(target))
            .count()
    };
    assert_eq!(routes_to(nats[0].nat_gateway_id().unwrap()), 1);

    w.expect(0, &["destroy", "--auto-approve"]);
    let vpcs = ec2.describe_vpcs().filters(in_vpc("vpc-id")).send().await;
    assert!(vpcs.unwrap().vpcs().is_empty(), "the VPC is gone");
    let subnets = ec2
        .describe_subnets()
        .filters(in_vpc("vpc-id"))
        .send()
        .await;
    assert!(subnets.unwrap().subnets().is_empty());
    let nats = ec2
        .describe_nat_gateways()
        .filter(in_vpc("vpc-id"))
        .send()
        .await;
    let nats = nats.unwrap().nat_gateways.unwrap_or_default();
    assert!(
        nats.iter()
            .all(|n| n.state().map(|s| s.as_str()) == Some("deleted")),
        "{nats:?}"
    );
    let addresses = ec2.describe_addresses().send().await.unwrap();
    assert!(
        addresses.addresses().is_empty(),
        "the Elastic IP is released"
    );
    let gateways = ec2.describe_internet_gateways().send().await.unwrap();
    assert!(
        gateways.internet_gateways().is_empty(),
        "the gateway is deleted"
    );
}

/// Without a `depends_on` between them, the internet gateway, the subnet and the Elastic IP may
/// be deleted while the NAT gateway is still `deleting`: AWS refuses each with
/// DependencyViolation (or InvalidIPAddress.InUse) until the gateway is `deleted` (emulator
/// patches (n1)-(n4)); each delete retries and all finish.
#[tokio::test]
async fn deletes_racing_a_deleting_nat_gateway_are_retried_until_it_is_gone() {
    use strata::eval::Value;
    use strata::provider::{obj, resource_type};
    let account = crate::emulator::Emulator::shared().account();
    let ctx = account.provider_ctx("us-east-1").await;
    let ec2 = account.ec2("us-east-1").await;
    let create = |type_: &'static str, pairs: Vec<(&'static str, Value)>| {
        let ctx = &ctx;
        async move {
            let rt = resource_type(type_).unwrap();
            let config = Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            rt.create(ctx, &crate::support::plan_create(rt, &config))
                .await
                .unwrap()
        }
    };
    let id = |v: &Value| Value::from(obj::str(v, "id").unwrap());
    let vpc = create(
        "aws_vpc",
        vec![("cidr_block", Value::from("10.120.0.0/16"))],
    )
    .await;
    let subnet = create(
        "aws_subnet",
        vec![
            ("vpc_id", id(&vpc)),
            ("cidr_block", Value::from("10.120.1.0/24")),
        ],
    )
    .await;
    let igw = create("aws_internet_gateway", vec![("vpc_id", id(&vpc))]).await;
    let eip = create("aws_eip", vec![]).await;
    let nat = create(
        "aws_nat_gateway",
        vec![("allocation_id", id(&eip)), ("subnet_id", id(&subnet))],
    )
    .await;

    let delete = |type_: &'static str, prior: &Value| {
        let (ctx, prior) = (&ctx, prior.clone());
        async move { resource_type(type_).unwrap().delete(ctx, &prior).await }
    };
    let (n, g, s, e) = tokio::join!(
        delete("aws_nat_gateway", &nat),
        delete("aws_internet_gateway", &igw),
        delete("aws_subnet", &subnet),
        delete("aws_eip", &eip),
    );
    for r in [n, g, s, e] {
        r.unwrap();
    }
    resource_type("aws_vpc")
        .unwrap()
        .delete(&ctx, &vpc)
        .await
        .unwrap();
    let vpc_id = obj::string(&vpc, "id").unwrap();
    let f = aws_sdk_ec2::types::Filter::builder()
        .name("vpc-id")
        .values(&vpc_id)
        .build();
    assert!(ec2
        .describe_vpcs()
        .filters(f)
        .send()
        .await
        .unwrap()
        .vpcs()
        .is_empty());
    assert!(ec2
        .describe_addresses()
        .send()
        .await
        .unwrap()
        .addresses()
        .is_empty());
    let gateways = ec2.describe_internet_gateways().send().await.unwrap();
    assert!(gateways.internet_gateways().is_empty());
}
