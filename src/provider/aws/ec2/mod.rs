//! EC2: security groups and their rules (the group's inline blocks, the classic
//! `aws_security_group_rule`, the VPC ingress and egress rules; `rule_model` is what they
//! share); the VPC network (VPCs, subnets, gateways, route tables and routes, Elastic IPs;
//! `network` is what they share, `route_model` what the route types share); the VPN end of a
//! VPC (VPN and customer gateways, route propagation), flow logs and VPC Block Public
//! Access; and the data
//! sources of the network the data tier lives in.

mod availability_zones_data;
mod customer_gateway;
mod default_network_acl;
mod default_route_table;
mod default_security_group;
mod default_subnet;
mod default_vpc;
mod egress_only_internet_gateway;
mod eip;
mod flow_log;
mod inline_rules;
mod internet_gateway;
mod internet_gateway_attachment;
mod main_route_table_association;
mod nat_gateway;
pub(crate) mod network;
mod network_acl;
mod network_acl_association;
mod network_acl_model;
mod network_acl_rule;
mod network_data;
mod route;
pub(crate) mod route_model;
mod route_table;
mod route_table_association;
mod route_table_data;
mod rule_model;
mod security_group;
mod security_group_data;
mod security_group_rule;
mod subnet;
mod subnets_data;
mod vpc;
mod vpc_block_public_access_exclusion;
mod vpc_block_public_access_options;
mod vpc_data;
mod vpc_dhcp_options;
mod vpc_dhcp_options_association;
mod vpc_egress_rule;
mod vpc_endpoint;
mod vpc_endpoint_service_data;
mod vpc_ingress_rule;
mod vpc_ipv4_cidr_block_association;
mod vpc_peering_connection;
mod vpn_gateway;
mod vpn_gateway_attachment;
mod vpn_gateway_route_propagation;

pub use availability_zones_data::AVAILABILITY_ZONES_DATA;
pub use customer_gateway::{CustomerGateway, CUSTOMER_GATEWAY};
pub use default_network_acl::{DefaultNetworkAcl, DEFAULT_NETWORK_ACL};
pub use default_route_table::{DefaultRouteTable, DEFAULT_ROUTE_TABLE};
pub use default_security_group::{DefaultSecurityGroup, DEFAULT_SECURITY_GROUP};
pub use default_subnet::{DefaultSubnet, DEFAULT_SUBNET};
pub use default_vpc::{DefaultVpc, DEFAULT_VPC};
pub use egress_only_internet_gateway::{EgressOnlyInternetGateway, EGRESS_ONLY_INTERNET_GATEWAY};
pub use eip::{Eip, EIP};
pub use flow_log::{FlowLog, FLOW_LOG};
pub use internet_gateway::{InternetGateway, INTERNET_GATEWAY};
pub use internet_gateway_attachment::{InternetGatewayAttachment, INTERNET_GATEWAY_ATTACHMENT};
pub use main_route_table_association::{MainRouteTableAssociation, MAIN_ROUTE_TABLE_ASSOCIATION};
pub use nat_gateway::{NatGateway, NAT_GATEWAY};
pub use network_acl::{NetworkAcl, NETWORK_ACL};
pub use network_acl_association::{NetworkAclAssociation, NETWORK_ACL_ASSOCIATION};
pub use network_acl_rule::{NetworkAclRule, NETWORK_ACL_RULE};
pub use network_data::{
    InternetGatewayData, NatGatewayData, SubnetData, INTERNET_GATEWAY_DATA, NAT_GATEWAY_DATA,
    SUBNET_DATA,
};
pub use route::{Route, ROUTE};
pub use route_table::{RouteTable, ROUTE_TABLE};
pub use route_table_association::{RouteTableAssociation, ROUTE_TABLE_ASSOCIATION};
pub use route_table_data::{RouteTableData, ROUTE_TABLE_DATA};
pub use security_group::{SecurityGroup, SECURITY_GROUP};
pub use security_group_data::{SecurityGroupData, SECURITY_GROUP_DATA};
pub use security_group_rule::{SecurityGroupRule, SECURITY_GROUP_RULE};
pub use subnet::{Subnet, SUBNET};
pub use subnets_data::{SubnetsData, SUBNETS_DATA};
pub use vpc::{Vpc, VPC};
pub use vpc_block_public_access_exclusion::{
    VpcBlockPublicAccessExclusion, VPC_BLOCK_PUBLIC_ACCESS_EXCLUSION,
};
pub use vpc_block_public_access_options::{
    VpcBlockPublicAccessOptions, VPC_BLOCK_PUBLIC_ACCESS_OPTIONS,
};
pub use vpc_data::{VpcData, VPC_DATA};
pub use vpc_dhcp_options::{VpcDhcpOptions, VPC_DHCP_OPTIONS};
pub use vpc_dhcp_options_association::{VpcDhcpOptionsAssociation, VPC_DHCP_OPTIONS_ASSOCIATION};
pub use vpc_egress_rule::VPC_EGRESS_RULE;
pub use vpc_endpoint::{VpcEndpoint, VPC_ENDPOINT};
pub use vpc_endpoint_service_data::{VpcEndpointServiceData, VPC_ENDPOINT_SERVICE_DATA};
pub use vpc_ingress_rule::{VpcRule, VPC_INGRESS_RULE};
pub use vpc_ipv4_cidr_block_association::{
    VpcIpv4CidrBlockAssociation, VPC_IPV4_CIDR_BLOCK_ASSOCIATION,
};
pub use vpc_peering_connection::{VpcPeeringConnection, VPC_PEERING_CONNECTION};
pub use vpn_gateway::{VpnGateway, VPN_GATEWAY};
pub use vpn_gateway_attachment::{VpnGatewayAttachment, VPN_GATEWAY_ATTACHMENT};
pub use vpn_gateway_route_propagation::{
    VpnGatewayRoutePropagation, VPN_GATEWAY_ROUTE_PROPAGATION,
};

use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{Filter, SecurityGroupRule as SdkRule};

/// What EC2 answers about a group it does not know.
pub const NOT_FOUND_CODES: &[&str] = &[
    "InvalidGroup.NotFound",
    "InvalidSecurityGroupID.NotFound",
    "InvalidGroupId.Malformed",
];

/// DescribeSecurityGroups and DescribeSecurityGroupRules take at most this many ids (or
/// filter values) per call.
pub const DESCRIBE_CHUNK: usize = 200;

/// The AWS rules (`sgr-…`) a filter (`security-group-rule-id`, `group-id`) names, every page,
/// [`DESCRIBE_CHUNK`] values a call.
pub async fn describe_rules(
    ctx: &Ctx,
    filter: &str,
    values: &[String],
) -> ProviderResult<Vec<SdkRule>> {
    let mut out = Vec::new();
    for chunk in values.chunks(DESCRIBE_CHUNK) {
        let filter = Filter::builder()
            .name(filter)
            .set_values(Some(chunk.to_vec()))
            .build();
        let pages = ctx
            .ec2()
            .describe_security_group_rules()
            .filters(filter)
            .into_paginator();
        out.extend(all("describing security group rules", pages.items().send()).await?);
    }
    Ok(out)
}

/// The `filter` blocks of the network data sources.
pub(in crate::provider::aws) fn filter_block() -> BlockType {
    let filter = schema! {
        "";
        name   string     required "An EC2 filter name, e.g. vpc-id or tag:Name.";
        values string_set required;
    };
    BlockType::set("filter", filter).describe("EC2 filters; a resource must match every one.")
}

/// `filter` blocks plus `tags` (as `tag:<key>` filters).
pub(in crate::provider::aws) fn filters(config: &Value) -> Vec<Filter> {
    let blocks = state::items(config, "filter");
    let mut out: Vec<Filter> = blocks
        .filter_map(|f| {
            Some(
                Filter::builder()
                    .name(obj::str(f, "name")?)
                    .set_values(Some(obj::strings(f, "values")))
                    .build(),
            )
        })
        .collect();
    for (k, v) in obj::string_map(config, "tags") {
        out.push(Filter::builder().name(format!("tag:{k}")).values(v).build());
    }
    out
}

/// `None` when the filter list is empty: EC2 rejects an empty list.
pub(in crate::provider::aws) fn non_empty(filters: Vec<Filter>) -> Option<Vec<Filter>> {
    (!filters.is_empty()).then_some(filters)
}
