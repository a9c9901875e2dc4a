//! The VPN end of a VPC (VPN and customer gateways, attachments, route propagation), flow
//! logs, Redshift subnet groups and VPC Block Public Access against the emulator: the trait
//! methods are called directly, and every effect is checked through a separate SDK client.

use aws_sdk_ec2::types::Filter;
use strata::eval::Value;
use strata::provider::{obj, Ctx};

use crate::emulator::{api_calls, Emulator, DEFAULT_REGION};
use crate::support::objects::{create, id, rt};
use crate::support::plan_update;

const REGION: &str = DEFAULT_REGION;

fn tags(pairs: &[(&str, &str)]) -> Value {
    obj::map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn by(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

async fn vpc(ctx: &Ctx, cidr: &str) -> String {
    id(&create(ctx, "aws_vpc", vec![("cidr_block", Value::from(cidr))]).await)
}

async fn subnet(ctx: &Ctx, vpc: &str, cidr: &str) -> String {
    id(&create(
        ctx,
        "aws_subnet",
        vec![
            ("vpc_id", Value::from(vpc)),
            ("cidr_block", Value::from(cidr)),
        ],
    )
    .await)
}

/// The state of the attachment of `gateway` to `vpc` as EC2 describes it.
async fn attachment(ec2: &aws_sdk_ec2::Client, gateway: &str, vpc: &str) -> Option<String> {
    let out = ec2
        .describe_vpn_gateways()
        .vpn_gateway_ids(gateway)
        .send()
        .await
        .unwrap();
    out.vpn_gateways()[0]
        .vpc_attachments()
        .iter()
        .find(|a| a.vpc_id() == Some(vpc))
        .and_then(|a| a.state())
        .map(|s| s.as_str().to_string())
}

async fn propagating(ec2: &aws_sdk_ec2::Client, table: &str) -> Vec<String> {
    let out = ec2
        .describe_route_tables()
        .route_table_ids(table)
        .send()
        .await
        .unwrap();
    out.route_tables()[0]
        .propagating_vgws()
        .iter()
        .filter_map(|v| v.gateway_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn vpn_gateway_moves_between_vpcs_and_propagates_routes() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let (a, b) = (
        vpc(&ctx, "10.150.0.0/16").await,
        vpc(&ctx, "10.151.0.0/16").await,
    );
    let vgw_rt = rt("aws_vpn_gateway");
    let vgw = create(
        &ctx,
        "aws_vpn_gateway",
        vec![
            ("vpc_id", Value::from(a.as_str())),
            ("amazon_side_asn", Value::from("64513")),
            ("tags", tags(&[("Name", "vpn")])),
        ],
    )
    .await;
    let gw = id(&vgw);
    let out = ec2
        .describe_vpn_gateways()
        .vpn_gateway_ids(&gw)
        .send()
        .await
        .unwrap();
    let g = &out.vpn_gateways()[0];
    assert_eq!(g.amazon_side_asn(), Some(64513));
    assert_eq!(g.tags()[0].value(), Some("vpn"));
    assert_eq!(attachment(&ec2, &gw, &a).await.as_deref(), Some("attached"));
    assert_eq!(obj::str(&vgw, "vpc_id"), Some(a.as_str()));
    assert!(obj::str(&vgw, "arn")
        .unwrap()
        .ends_with(&format!(":vpn-gateway/{gw}")));

    // A new vpc_id: detached from the old VPC, attached to the new one.
    let planned = plan_update(
        vgw_rt,
        &vgw,
        vec![
            ("vpc_id", Value::from(b.as_str())),
            ("tags", tags(&[("Name", "vpn2")])),
        ],
    );
    let moved = vgw_rt.update(&ctx, &vgw, &planned).await.unwrap();
    // A gateway is attached to one VPC at most: the old attachment is `detached` (or, once
    // the gateway is attached elsewhere, no longer listed).
    assert_ne!(attachment(&ec2, &gw, &a).await.as_deref(), Some("attached"));
    assert_eq!(attachment(&ec2, &gw, &b).await.as_deref(), Some("attached"));
    assert_eq!(obj::str(&moved, "vpc_id"), Some(b.as_str()));
    assert_eq!(vgw_rt.import(&ctx, &gw).await.unwrap().unwrap(), moved);

    // The gateway's routes propagated into a table of its VPC.
    let table = id(&create(
        &ctx,
        "aws_route_table",
        vec![("vpc_id", Value::from(b.as_str()))],
    )
    .await);
    let prop_rt = rt("aws_vpn_gateway_route_propagation");
    let prop = create(
        &ctx,
        "aws_vpn_gateway_route_propagation",
        vec![
            ("vpn_gateway_id", Value::from(gw.as_str())),
            ("route_table_id", Value::from(table.as_str())),
        ],
    )
    .await;
    assert_eq!(id(&prop), format!("{gw}_{table}"));
    assert_eq!(propagating(&ec2, &table).await, std::slice::from_ref(&gw));
    assert_eq!(
        prop_rt.import(&ctx, &id(&prop)).await.unwrap().unwrap(),
        prop
    );
    assert!(prop_rt.import(&ctx, "not-an-id").await.is_err());
    prop_rt.delete(&ctx, &prop).await.unwrap();
    assert!(propagating(&ec2, &table).await.is_empty());
    assert!(prop_rt
        .read(&ctx, std::slice::from_ref(&id(&prop)))
        .await
        .unwrap()
        .is_empty());

    // Deleted: detached first, then listed `deleted`, which strata counts as gone.
    vgw_rt.delete(&ctx, &moved).await.unwrap();
    let out = ec2
        .describe_vpn_gateways()
        .vpn_gateway_ids(&gw)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.vpn_gateways()[0].state().map(|s| s.as_str()),
        Some("deleted")
    );
    assert!(vgw_rt.import(&ctx, &gw).await.unwrap().is_none());
    vgw_rt.delete(&ctx, &moved).await.unwrap();
}

#[tokio::test]
async fn vpn_gateway_attachment_create_read_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let v = vpc(&ctx, "10.152.0.0/16").await;
    let gw = id(&create(&ctx, "aws_vpn_gateway", vec![]).await);
    let att_rt = rt("aws_vpn_gateway_attachment");
    let att = create(
        &ctx,
        "aws_vpn_gateway_attachment",
        vec![
            ("vpc_id", Value::from(v.as_str())),
            ("vpn_gateway_id", Value::from(gw.as_str())),
        ],
    )
    .await;
    assert!(id(&att).starts_with("vpn-attachment-"));
    assert_eq!(attachment(&ec2, &gw, &v).await.as_deref(), Some("attached"));
    let read = att_rt
        .read_prior(&ctx, std::slice::from_ref(&att))
        .await
        .unwrap();
    assert_eq!(read.get(&id(&att)), Some(&att));
    let imported = att_rt.import(&ctx, &format!("{gw}/{v}")).await.unwrap();
    assert_eq!(imported, Some(att.clone()));
    assert!(att_rt.import(&ctx, &v).await.is_err());

    att_rt.delete(&ctx, &att).await.unwrap();
    assert_eq!(attachment(&ec2, &gw, &v).await.as_deref(), Some("detached"));
    let read = att_rt
        .read_prior(&ctx, std::slice::from_ref(&att))
        .await
        .unwrap();
    assert!(read.is_empty());
    // Already detached counts as success.
    att_rt.delete(&ctx, &att).await.unwrap();
}

#[tokio::test]
async fn customer_gateway_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let cgw_rt = rt("aws_customer_gateway");
    let cgw = create(
        &ctx,
        "aws_customer_gateway",
        vec![
            ("bgp_asn", Value::from("65010")),
            ("ip_address", Value::from("198.51.100.10")),
            ("device_name", Value::from("edge-router")),
            ("type", Value::from("ipsec.1")),
            ("tags", tags(&[("Name", "office")])),
        ],
    )
    .await;
    let cg = id(&cgw);
    let out = ec2
        .describe_customer_gateways()
        .customer_gateway_ids(&cg)
        .send()
        .await
        .unwrap();
    let g = &out.customer_gateways()[0];
    assert_eq!(g.bgp_asn(), Some("65010"));
    assert_eq!(g.ip_address(), Some("198.51.100.10"));
    assert_eq!(g.device_name(), Some("edge-router"));
    assert_eq!(g.r#type(), Some("ipsec.1"));
    assert_eq!(obj::str(&cgw, "device_name"), Some("edge-router"));

    let planned = plan_update(cgw_rt, &cgw, vec![("tags", tags(&[("Name", "hq")]))]);
    let updated = cgw_rt.update(&ctx, &cgw, &planned).await.unwrap();
    let out = ec2
        .describe_customer_gateways()
        .customer_gateway_ids(&cg)
        .send()
        .await
        .unwrap();
    assert_eq!(out.customer_gateways()[0].tags()[0].value(), Some("hq"));
    assert_eq!(cgw_rt.import(&ctx, &cg).await.unwrap().unwrap(), updated);

    cgw_rt.delete(&ctx, &updated).await.unwrap();
    let out = ec2
        .describe_customer_gateways()
        .customer_gateway_ids(&cg)
        .send()
        .await
        .unwrap();
    assert_eq!(out.customer_gateways()[0].state(), Some("deleted"));
    assert!(cgw_rt.import(&ctx, &cg).await.unwrap().is_none());
}

#[tokio::test]
async fn flow_log_to_cloudwatch_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let v = vpc(&ctx, "10.153.0.0/16").await;
    let group = create(
        &ctx,
        "aws_cloudwatch_log_group",
        vec![("name", Value::from("/vpc/flow-logs"))],
    )
    .await;
    let group_arn = obj::string(&group, "arn").unwrap();
    let role = "arn:aws:iam::123456789012:role/flow-logs";
    let fl_rt = rt("aws_flow_log");
    let fl = create(
        &ctx,
        "aws_flow_log",
        vec![
            ("vpc_id", Value::from(v.as_str())),
            ("traffic_type", Value::from("ALL")),
            ("log_destination", Value::from(group_arn.as_str())),
            ("iam_role_arn", Value::from(role)),
            ("max_aggregation_interval", Value::from(60)),
            ("tags", tags(&[("Name", "flow")])),
        ],
    )
    .await;
    let fid = id(&fl);
    let out = ec2
        .describe_flow_logs()
        .flow_log_ids(&fid)
        .send()
        .await
        .unwrap();
    let f = &out.flow_logs()[0];
    assert_eq!(f.resource_id(), Some(v.as_str()));
    assert_eq!(f.traffic_type().map(|t| t.as_str()), Some("ALL"));
    assert_eq!(
        f.log_destination_type().map(|t| t.as_str()),
        Some("cloud-watch-logs")
    );
    assert_eq!(f.log_destination(), Some(group_arn.as_str()));
    assert_eq!(f.deliver_logs_permission_arn(), Some(role));
    assert_eq!(f.max_aggregation_interval(), Some(60));
    assert_eq!(obj::str(&fl, "vpc_id"), Some(v.as_str()));
    assert_eq!(fl.get("subnet_id"), Some(&Value::Null));
    assert_eq!(obj::str(&fl, "log_format"), f.log_format());

    let planned = plan_update(fl_rt, &fl, vec![("tags", tags(&[("Name", "flow2")]))]);
    let updated = fl_rt.update(&ctx, &fl, &planned).await.unwrap();
    let out = ec2
        .describe_flow_logs()
        .flow_log_ids(&fid)
        .send()
        .await
        .unwrap();
    assert_eq!(out.flow_logs()[0].tags()[0].value(), Some("flow2"));
    assert_eq!(fl_rt.import(&ctx, &fid).await.unwrap().unwrap(), updated);

    fl_rt.delete(&ctx, &updated).await.unwrap();
    let out = ec2
        .describe_flow_logs()
        .filter(by("flow-log-id", &fid))
        .send()
        .await
        .unwrap();
    assert!(out.flow_logs().is_empty());
    fl_rt.delete(&ctx, &updated).await.unwrap();
}

#[tokio::test]
async fn redshift_subnet_group_create_read_update_import_delete() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let redshift = account.redshift(REGION).await;
    let v = vpc(&ctx, "10.154.0.0/16").await;
    let (one, two) = (
        subnet(&ctx, &v, "10.154.1.0/24").await,
        subnet(&ctx, &v, "10.154.2.0/24").await,
    );
    let group_rt = rt("aws_redshift_subnet_group");
    let group = create(
        &ctx,
        "aws_redshift_subnet_group",
        vec![
            ("name", Value::from("warehouse")),
            ("subnet_ids", Value::List(vec![Value::from(one.as_str())])),
            ("tags", tags(&[("Name", "warehouse")])),
        ],
    )
    .await;
    assert_eq!(id(&group), "warehouse");
    let described = || async {
        let out = redshift
            .describe_cluster_subnet_groups()
            .cluster_subnet_group_name("warehouse")
            .send()
            .await
            .unwrap();
        out.cluster_subnet_groups()[0].clone()
    };
    let g = described().await;
    assert_eq!(g.description(), Some("Managed by Terraform"));
    assert_eq!(g.subnets()[0].subnet_identifier(), Some(one.as_str()));
    assert_eq!(g.tags()[0].value(), Some("warehouse"));
    let account_id = ctx.account_id().await.unwrap();
    assert_eq!(
        obj::str(&group, "arn"),
        Some(format!("arn:aws:redshift:{REGION}:{account_id}:subnetgroup:warehouse").as_str())
    );

    // Description, subnets and tags change in place.
    let both = Value::List(vec![Value::from(one.as_str()), Value::from(two.as_str())]);
    let planned = plan_update(
        group_rt,
        &group,
        vec![
            ("description", Value::from("the warehouse")),
            ("subnet_ids", both),
            ("tags", tags(&[("Team", "data")])),
        ],
    );
    let updated = group_rt.update(&ctx, &group, &planned).await.unwrap();
    let g = described().await;
    assert_eq!(g.description(), Some("the warehouse"));
    let mut subnets: Vec<_> = g
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier())
        .collect();
    subnets.sort();
    let mut want = vec![one.as_str(), two.as_str()];
    want.sort();
    assert_eq!(subnets, want);
    let tags_now: Vec<_> = g.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags_now, [(Some("Team"), Some("data"))]);
    assert_eq!(
        group_rt.import(&ctx, "warehouse").await.unwrap().unwrap(),
        updated
    );

    group_rt.delete(&ctx, &updated).await.unwrap();
    let gone = redshift
        .describe_cluster_subnet_groups()
        .cluster_subnet_group_name("warehouse")
        .send()
        .await;
    assert!(gone.is_err());
    group_rt.delete(&ctx, &updated).await.unwrap();
}

#[tokio::test]
async fn block_public_access_options_and_exclusion() {
    let account = Emulator::shared().account();
    let ctx = account.provider_ctx(REGION).await;
    let ec2 = account.ec2(REGION).await;
    let mode = || async {
        let out = ec2
            .describe_vpc_block_public_access_options()
            .send()
            .await
            .unwrap();
        let o = out.vpc_block_public_access_options().unwrap();
        o.internet_gateway_block_mode()
            .unwrap()
            .as_str()
            .to_string()
    };
    let opt_rt = rt("aws_vpc_block_public_access_options");
    let opts = create(
        &ctx,
        "aws_vpc_block_public_access_options",
        vec![("internet_gateway_block_mode", Value::from("block-ingress"))],
    )
    .await;
    assert_eq!(id(&opts), REGION);
    assert_eq!(mode().await, "block-ingress");
    let planned = plan_update(
        opt_rt,
        &opts,
        vec![(
            "internet_gateway_block_mode",
            Value::from("block-bidirectional"),
        )],
    );
    let updated = opt_rt.update(&ctx, &opts, &planned).await.unwrap();
    assert_eq!(mode().await, "block-bidirectional");
    assert_eq!(opt_rt.import(&ctx, REGION).await.unwrap().unwrap(), updated);

    let v = vpc(&ctx, "10.155.0.0/16").await;
    let ex_rt = rt("aws_vpc_block_public_access_exclusion");
    let ex = create(
        &ctx,
        "aws_vpc_block_public_access_exclusion",
        vec![
            ("vpc_id", Value::from(v.as_str())),
            (
                "internet_gateway_exclusion_mode",
                Value::from("allow-egress"),
            ),
            ("tags", tags(&[("Name", "public-vpc")])),
        ],
    )
    .await;
    let exclusion = || async {
        let out = ec2
            .describe_vpc_block_public_access_exclusions()
            .exclusion_ids(id(&ex))
            .send()
            .await
            .unwrap();
        out.vpc_block_public_access_exclusions()[0].clone()
    };
    let e = exclusion().await;
    assert_eq!(e.state().map(|s| s.as_str()), Some("create-complete"));
    assert!(e.resource_arn().unwrap().ends_with(&format!(":vpc/{v}")));
    assert_eq!(obj::str(&ex, "vpc_id"), Some(v.as_str()));
    assert_eq!(ex.get("subnet_id"), Some(&Value::Null));
    let planned = plan_update(
        ex_rt,
        &ex,
        vec![(
            "internet_gateway_exclusion_mode",
            Value::from("allow-bidirectional"),
        )],
    );
    let changed = ex_rt.update(&ctx, &ex, &planned).await.unwrap();
    let e = exclusion().await;
    assert_eq!(
        e.internet_gateway_exclusion_mode().map(|m| m.as_str()),
        Some("allow-bidirectional")
    );
    assert_eq!(e.state().map(|s| s.as_str()), Some("update-complete"));
    assert_eq!(
        ex_rt.import(&ctx, &id(&ex)).await.unwrap().unwrap(),
        changed
    );

    ex_rt.delete(&ctx, &changed).await.unwrap();
    let e = exclusion().await;
    assert_eq!(e.state().map(|s| s.as_str()), Some("delete-complete"));
    assert!(ex_rt.import(&ctx, &id(&ex)).await.unwrap().is_none());
    ex_rt.delete(&ctx, &changed).await.unwrap();

    // Deleting the options sets the region back to off.
    opt_rt.delete(&ctx, &updated).await.unwrap();
    assert_eq!(mode().await, "off");
}

/// Refresh reads all objects of a type in one describe call, whatever their number; an id
/// that is gone is simply absent.
#[tokio::test]
async fn refresh_is_one_call_per_type() {
    let account = Emulator::shared().account();
    let setup = account.provider_ctx(REGION).await;
    let mut ids: Vec<(&str, Vec<String>, &str, &str)> = Vec::new();
    let (mut gateways, mut customers, mut flows, mut groups, mut exclusions, mut props) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..3 {
        let v = vpc(&setup, &format!("10.16{i}.0.0/16")).await;
        let s = subnet(&setup, &v, &format!("10.16{i}.1.0/24")).await;
        let gw = id(&create(
            &setup,
            "aws_vpn_gateway",
            vec![("vpc_id", Value::from(v.as_str()))],
        )
        .await);
        let table = id(&create(
            &setup,
            "aws_route_table",
            vec![("vpc_id", Value::from(v.as_str()))],
        )
        .await);
        props.push(id(&create(
            &setup,
            "aws_vpn_gateway_route_propagation",
            vec![
                ("vpn_gateway_id", Value::from(gw.as_str())),
                ("route_table_id", Value::from(table.as_str())),
            ],
        )
        .await));
        gateways.push(gw);
        customers.push(id(&create(
            &setup,
            "aws_customer_gateway",
            vec![
                ("bgp_asn", Value::from(format!("6500{i}"))),
                ("ip_address", Value::from(format!("198.51.100.{i}"))),
                ("type", Value::from("ipsec.1")),
            ],
        )
        .await));
        flows.push(id(&create(
            &setup,
            "aws_flow_log",
            vec![
                ("subnet_id", Value::from(s.as_str())),
                ("traffic_type", Value::from("REJECT")),
                (
                    "log_destination",
                    Value::from(format!("arn:aws:logs:{REGION}:123456789012:log-group:g{i}")),
                ),
                (
                    "iam_role_arn",
                    Value::from("arn:aws:iam::123456789012:role/r"),
                ),
            ],
        )
        .await));
        groups.push(id(&create(
            &setup,
            "aws_redshift_subnet_group",
            vec![
                ("name", Value::from(format!("warehouse-{i}"))),
                ("subnet_ids", Value::List(vec![Value::from(s.as_str())])),
            ],
        )
        .await));
        exclusions.push(id(&create(
            &setup,
            "aws_vpc_block_public_access_exclusion",
            vec![
                ("subnet_id", Value::from(s.as_str())),
                (
                    "internet_gateway_exclusion_mode",
                    Value::from("allow-egress"),
                ),
            ],
        )
        .await));
    }
    ids.push((
        "aws_vpn_gateway",
        gateways,
        "vgw-0000000000000000f",
        "DescribeVpnGateways",
    ));
    ids.push((
        "aws_customer_gateway",
        customers,
        "cgw-0000000000000000f",
        "DescribeCustomerGateways",
    ));
    ids.push((
        "aws_flow_log",
        flows,
        "fl-0000000000000000f",
        "DescribeFlowLogs",
    ));
    ids.push((
        "aws_redshift_subnet_group",
        groups,
        "warehouse-gone",
        "DescribeClusterSubnetGroups",
    ));
    ids.push((
        "aws_vpn_gateway_route_propagation",
        props,
        "vgw-0000000000000000f_rtb-0000000000000000f",
        "DescribeRouteTables",
    ));
    ids.push((
        "aws_vpc_block_public_access_exclusion",
        exclusions,
        "exclusion-0000000000000000f",
        "DescribeVpcBlockPublicAccessExclusions",
    ));
    let ctx = account.provider_ctx(REGION).await;
    for (type_, ids, missing, action) in ids {
        let before = api_calls(&ctx, action);
        let mut asked = ids.clone();
        asked.push(missing.to_string());
        let read = rt(type_).read(&ctx, &asked).await.unwrap();
        let mut want = ids.clone();
        want.sort();
        assert_eq!(read.keys().cloned().collect::<Vec<_>>(), want, "{type_}");
        assert_eq!(api_calls(&ctx, action) - before, 1, "{type_}: {action}");
    }
}
