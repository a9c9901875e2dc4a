//! What `aws_route_table`'s inline routes and `aws_route` share: the targets a route may
//! have, how a route of a DescribeRouteTables answer reads, which routes AWS makes itself (the
//! local route, routes propagated from a virtual private gateway), and the id
//! terraform-provider-aws gives a route (`r-` + table id + a hash of its destination).

use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::Route as SdkRoute;

/// The target attributes of a route, named as both types name them.
pub const TARGETS: [&str; 10] = [
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

/// A route's destination: (IPv4 CIDR, IPv6 CIDR, prefix list), one of them set.
pub type Destination = (Option<String>, Option<String>, Option<String>);

/// The destination as one string (what the route's id hashes).
pub fn destination_text(d: &Destination) -> Option<&str> {
    d.0.as_deref().or(d.1.as_deref()).or(d.2.as_deref())
}

/// The destination of an SDK route.
pub fn destination_of(r: &SdkRoute) -> Destination {
    let s = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
    (
        s(r.destination_cidr_block()),
        s(r.destination_ipv6_cidr_block()),
        s(r.destination_prefix_list_id()),
    )
}

/// A route AWS made and manages itself: the VPC's local route, a propagated one.
pub fn made_by_aws(r: &SdkRoute) -> bool {
    r.gateway_id() == Some("local")
        || r.origin()
            .is_some_and(|o| matches!(o.as_str(), "CreateRouteTable" | "EnableVgwRoutePropagation"))
}

/// The targets of an SDK route, every one present (`""` when unset), as both types keep them.
/// A gateway endpoint is reported as a `vpce-` gateway: it is the route's `vpc_endpoint_id`.
pub fn targets_of(r: &SdkRoute) -> Map {
    let gateway = r.gateway_id().unwrap_or_default();
    let (gateway, endpoint) = match gateway.starts_with("vpce-") {
        true => ("", gateway),
        false => (gateway, ""),
    };
    object! {
        "carrier_gateway_id" => r.carrier_gateway_id().unwrap_or_default(),
        "core_network_arn" => r.core_network_arn().unwrap_or_default(),
        "egress_only_gateway_id" => r.egress_only_internet_gateway_id().unwrap_or_default(),
        "gateway_id" => gateway,
        "local_gateway_id" => r.local_gateway_id().unwrap_or_default(),
        "nat_gateway_id" => r.nat_gateway_id().unwrap_or_default(),
        "network_interface_id" => r.network_interface_id().unwrap_or_default(),
        "transit_gateway_id" => r.transit_gateway_id().unwrap_or_default(),
        "vpc_endpoint_id" => endpoint,
        "vpc_peering_connection_id" => r.vpc_peering_connection_id().unwrap_or_default(),
    }
}

/// A non-empty string attribute of a route.
pub fn given(v: &Value, k: &str) -> Option<String> {
    obj::string(v, k).filter(|s| !s.is_empty())
}

/// A CreateRoute or ReplaceRoute call (`$call`) with the targets of route `$v` set.
macro_rules! with_targets {
    ($call:expr, $v:expr) => {{
        use $crate::provider::aws::ec2::route_model::given;
        let v = $v;
        $call
            .set_carrier_gateway_id(given(v, "carrier_gateway_id"))
            .set_core_network_arn(given(v, "core_network_arn"))
            .set_egress_only_internet_gateway_id(given(v, "egress_only_gateway_id"))
            .set_gateway_id(given(v, "gateway_id"))
            .set_local_gateway_id(given(v, "local_gateway_id"))
            .set_nat_gateway_id(given(v, "nat_gateway_id"))
            .set_network_interface_id(given(v, "network_interface_id"))
            .set_transit_gateway_id(given(v, "transit_gateway_id"))
            .set_vpc_endpoint_id(given(v, "vpc_endpoint_id"))
            .set_vpc_peering_connection_id(given(v, "vpc_peering_connection_id"))
            .set_instance_id(given(v, "instance_id"))
    }};
}
pub(crate) use with_targets;

/// A CreateRoute / ReplaceRoute / DeleteRoute call with destination `$d` set.
macro_rules! with_destination {
    ($call:expr, $d:expr) => {{
        let d: &$crate::provider::aws::ec2::route_model::Destination = $d;
        $call
            .set_destination_cidr_block(d.0.clone())
            .set_destination_ipv6_cidr_block(d.1.clone())
            .set_destination_prefix_list_id(d.2.clone())
    }};
}
pub(crate) use with_destination;

/// terraform-provider-aws's id of a route: `r-` + table id + the CRC-32 (IEEE) of its
/// destination, in decimal.
pub fn route_id(table: &str, destination: &str) -> String {
    format!("r-{table}{}", hashcode(destination))
}

/// The route tables a route id may belong to: AWS table ids are `rtb-` and 8 or 17 hex digits,
/// the hash is decimal, so the split is tried at both lengths.
pub fn tables_of_route_id(id: &str) -> Vec<String> {
    let Some(rest) = id.strip_prefix("r-rtb-") else {
        return Vec::new();
    };
    [8, 17]
        .into_iter()
        .filter(|&n| {
            rest.len() > n
                && rest[..n].chars().all(|c| c.is_ascii_hexdigit())
                && rest[n..].chars().all(|c| c.is_ascii_digit())
        })
        .map(|n| format!("rtb-{}", &rest[..n]))
        .collect()
}

/// The errors DescribeRouteTables / CreateRoute answer about a table that is gone.
pub const TABLE_GONE: &[&str] = &["InvalidRouteTableID.NotFound"];

/// What DeleteRoute answers about a route that is gone.
pub const ROUTE_GONE: &[&str] = &["InvalidRoute.NotFound", "InvalidRouteTableID.NotFound"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_ids_are_the_providers() {
        let id = route_id("rtb-0123456789abcdef0", "0.0.0.0/0");
        assert!(id.starts_with("r-rtb-0123456789abcdef0"), "{id}");
        assert_eq!(tables_of_route_id(&id), ["rtb-0123456789abcdef0"]);
        let short = route_id("rtb-0a1b2c3d", "10.0.0.0/8");
        assert!(tables_of_route_id(&short).contains(&"rtb-0a1b2c3d".to_string()));
        assert!(tables_of_route_id("sg-1").is_empty());
    }
}
