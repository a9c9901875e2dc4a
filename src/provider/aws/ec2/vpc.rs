//! `aws_vpc`: a VPC, its DNS and metrics attributes, tenancy and an Amazon-provided IPv6 block,
//! with the objects AWS makes with it (main route table, default security group and network
//! ACL) as outputs.

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, ResourceType as Ec2Kind, Tenancy, Vpc as SdkVpc, VpcAttributeName,
    VpcTenancy,
};

pub struct Vpc;
pub static VPC: Vpc = Vpc;

/// What EC2 answers about a VPC it does not know.
pub const GONE: &[&str] = &["InvalidVpcID.NotFound"];

/// The IPv6 pool of an Amazon-provided block.
const AMAZON_POOL: &str = "Amazon";

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC.";
        regional;
        id                         string output;
        arn                        string output;
        owner_id                   string output;
        cidr_block                 string computed force_new check(cidr_v4) "The IPv4 CIDR block; or from ipv4_ipam_pool_id.";
        ipv4_ipam_pool_id          string force_new;
        ipv4_netmask_length        number force_new;
        instance_tenancy           string default("default") one_of(&["default", "dedicated"]) requires_replace_if(|_, new| new.as_str() == Some("dedicated")) "Changing dedicated → default is in place (ModifyVpcTenancy); AWS cannot make a VPC dedicated.";
        enable_dns_support         bool   default(true);
        enable_dns_hostnames       bool   default(false);
        enable_network_address_usage_metrics bool default(false);
        assign_generated_ipv6_cidr_block bool default(false) conflicts_with(&["ipv6_ipam_pool_id"]) "Requests an Amazon-provided /56 IPv6 block.";
        ipv6_cidr_block            string computed;
        ipv6_ipam_pool_id          string;
        ipv6_netmask_length        number;
        ipv6_cidr_block_network_border_group string computed;
        ipv6_association_id        string output;
        default_security_group_id  string output;
        default_route_table_id     string output;
        main_route_table_id        string output;
        default_network_acl_id     string output;
        dhcp_options_id            string output;
        tags;
        timeouts create(5) delete(5);
    }
});

/// An IPv4 CIDR block (`a.b.c.d/n`, the address the block's first).
pub fn cidr_v4(v: &Value) -> Option<String> {
    let s = v.as_str()?;
    let bad = || Some(format!("{s:?} is not an IPv4 CIDR block (a.b.c.d/n)"));
    let Some((addr, len)) = s.split_once('/') else {
        return bad();
    };
    let (Ok(addr), Ok(len)) = (addr.parse::<std::net::Ipv4Addr>(), len.parse::<u32>()) else {
        return bad();
    };
    if len > 32 {
        return bad();
    }
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    let first = std::net::Ipv4Addr::from(u32::from(addr) & mask);
    (first != addr)
        .then(|| format!("{s:?} is not a network address: did you mean \"{first}/{len}\"?"))
}

static WAITER: Waiter = Waiter {
    noun: "VPC",
    key: "aws_vpc/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let vpcs = describe_filtered!(ctx, ids, "vpc-id", "VPCs", |c| c.describe_vpcs());
            let state = |v: &SdkVpc| wait::status_value(v.state().map(|s| s.as_str()), false);
            Ok(vpcs
                .iter()
                .filter_map(|v| Some((v.vpc_id()?.to_string(), state(v))))
                .collect())
        })
    },
    pending: &["pending"],
    ready: &["available"],
};

/// The objects AWS made with each VPC, by VPC id: its default security group, main route table
/// and default network ACL, each found for every VPC in one call.
async fn defaults_of(ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Map>> {
    let ec2 = ctx.ec2();
    let vpcs = network::filter("vpc-id", ids);
    let groups = ec2
        .describe_security_groups()
        .filters(vpcs.clone())
        .filters(network::filter("group-name", &["default".into()]))
        .into_paginator()
        .items()
        .send();
    let tables = ec2
        .describe_route_tables()
        .filters(vpcs.clone())
        .filters(network::filter("association.main", &["true".into()]))
        .into_paginator()
        .items()
        .send();
    let acls = ec2
        .describe_network_acls()
        .filters(vpcs)
        .filters(network::filter("default", &["true".into()]))
        .into_paginator()
        .items()
        .send();
    let (groups, tables, acls) = tokio::join!(
        all("describing default security groups", groups),
        all("describing main route tables", tables),
        all("describing default network ACLs", acls)
    );
    let mut out: BTreeMap<String, Map> = BTreeMap::new();
    let mut put = |vpc: Option<&str>, keys: &[&str], id: Option<&str>| {
        if let Some(vpc) = vpc {
            let m = out.entry(vpc.to_string()).or_default();
            for k in keys {
                m.insert(k.to_string(), id.to_value());
            }
        }
    };
    for g in groups? {
        put(g.vpc_id(), &["default_security_group_id"], g.group_id());
    }
    for t in tables? {
        let keys = ["main_route_table_id", "default_route_table_id"];
        put(t.vpc_id(), &keys, t.route_table_id());
    }
    for a in acls? {
        put(a.vpc_id(), &["default_network_acl_id"], a.network_acl_id());
    }
    Ok(out)
}

/// The VPC attributes DescribeVpcAttribute answers one at a time (AWS has no batched form).
const ATTRIBUTES: [(&str, VpcAttributeName); 3] = [
    ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
    ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
    (
        "enable_network_address_usage_metrics",
        VpcAttributeName::EnableNetworkAddressUsageMetrics,
    ),
];

async fn attributes_of(ctx: &Ctx, id: String) -> ProviderResult<Map> {
    let ec2 = ctx.ec2();
    let one = |name: VpcAttributeName| {
        let call = ec2.describe_vpc_attribute().vpc_id(&id).attribute(name);
        async move { call.send().await.during("describing a VPC attribute") }
    };
    let (dns, hostnames, metrics) = tokio::join!(
        one(ATTRIBUTES[0].1.clone()),
        one(ATTRIBUTES[1].1.clone()),
        one(ATTRIBUTES[2].1.clone())
    );
    let flag = |v: Option<&AttributeBooleanValue>| v.and_then(|v| v.value()).unwrap_or(false);
    Ok(object! {
        "enable_dns_support" => flag(dns?.enable_dns_support()),
        "enable_dns_hostnames" => flag(hostnames?.enable_dns_hostnames()),
        "enable_network_address_usage_metrics" => flag(metrics?.enable_network_address_usage_metrics()),
    })
}

/// The VPC's IPv6 block in use (associating or associated).
fn ipv6_of(v: &SdkVpc) -> Option<&aws_sdk_ec2::types::VpcIpv6CidrBlockAssociation> {
    v.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
    })
}

fn state_of(ctx: &Ctx, v: &SdkVpc, mut extra: Map) -> Value {
    let (id, owner) = (
        v.vpc_id().unwrap_or_default(),
        v.owner_id().unwrap_or_default(),
    );
    let ipv6 = ipv6_of(v);
    let mut m = object! {
        "id" => id,
        "arn" => network::arn(ctx, owner, "vpc", id),
        "owner_id" => owner,
        "cidr_block" => v.cidr_block(),
        "instance_tenancy" => v.instance_tenancy().map(Tenancy::as_str),
        "dhcp_options_id" => v.dhcp_options_id(),
        "assign_generated_ipv6_cidr_block" => ipv6.and_then(|a| a.ipv6_pool()) == Some(AMAZON_POOL),
        "ipv6_cidr_block" => ipv6.and_then(|a| a.ipv6_cidr_block()).unwrap_or_default(),
        "ipv6_association_id" => ipv6.and_then(|a| a.association_id()).unwrap_or_default(),
        "ipv6_cidr_block_network_border_group" => ipv6.and_then(|a| a.network_border_group()).unwrap_or_default(),
    };
    m.append(&mut extra);
    network::with_tags(ctx, m, v.tags())
}

impl Vpc {
    /// Sets each DNS / metrics attribute whose wanted value differs from `from` (AWS takes one
    /// attribute per ModifyVpcAttribute call).
    async fn set_attributes(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Value,
        to: &Value,
    ) -> ProviderResult<()> {
        for (name, _) in ATTRIBUTES {
            let Some(want) = obj::bool(to, name).filter(|_| modify::differs(from, to, name)) else {
                continue;
            };
            let value = AttributeBooleanValue::builder().value(want).build();
            let call = ctx.ec2().modify_vpc_attribute().vpc_id(id);
            let call = match name {
                "enable_dns_support" => call.enable_dns_support(value),
                "enable_dns_hostnames" => call.enable_dns_hostnames(value),
                _ => call.enable_network_address_usage_metrics(value),
            };
            network::send(call.send(), &format!("setting {name} of VPC {id}")).await?;
        }
        Ok(())
    }

    /// Requests or gives back the Amazon-provided IPv6 block.
    async fn set_ipv6(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> ProviderResult<()> {
        let want = obj::bool(planned, "assign_generated_ipv6_cidr_block") == Some(true);
        let ec2 = ctx.ec2();
        if want {
            let call = ec2
                .associate_vpc_cidr_block()
                .vpc_id(id)
                .amazon_provided_ipv6_cidr_block(true);
            let call = call.set_ipv6_cidr_block_network_border_group(obj::string(
                planned,
                "ipv6_cidr_block_network_border_group",
            ));
            return network::send(
                call.send(),
                &format!("requesting an IPv6 block for VPC {id}"),
            )
            .await;
        }
        match obj::str(prior, "ipv6_association_id").filter(|a| !a.is_empty()) {
            Some(assoc) => {
                let call = ec2.disassociate_vpc_cidr_block().association_id(assoc);
                network::send(
                    call.send(),
                    &format!("releasing the IPv6 block of VPC {id}"),
                )
                .await
            }
            None => Ok(()),
        }
    }
}

#[async_trait]
impl ResourceType for Vpc {
    named!("aws_vpc", SCHEMA);

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let given = |k| config.get(k).is_some_and(|v| !v.is_null());
        if given("cidr_block") || given("ipv4_ipam_pool_id") {
            return Vec::new();
        }
        vec![ConfigProblem::new(
            Some("cidr_block"),
            "aws_vpc needs cidr_block or ipv4_ipam_pool_id",
            "set cidr_block = \"10.0.0.0/16\" (or an IPAM pool)",
        )]
    }

    /// One DescribeVpcs, one describe each for the default security groups, main route tables
    /// and default network ACLs of all the VPCs, and the DNS / metrics attributes (three
    /// DescribeVpcAttribute per VPC: AWS answers one attribute of one VPC per call).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let vpcs = describe_filtered!(ctx, ids, "vpc-id", "VPCs", |c| c.describe_vpcs());
        let found: Vec<String> = vpcs
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_string))
            .collect();
        if found.is_empty() {
            return Ok(BTreeMap::new());
        }
        let (defaults, attrs) = tokio::try_join!(
            defaults_of(ctx, &found),
            read_each(found.clone(), |id| attributes_of(ctx, id))
        )?;
        Ok(state::by_id(
            vpcs,
            |v| v.vpc_id(),
            |v| {
                let id = v.vpc_id().unwrap_or_default();
                let mut extra = defaults.get(id).cloned().unwrap_or_default();
                extra.extend(attrs.get(id).cloned().unwrap_or_default());
                state_of(ctx, &v, extra)
            },
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let call = ctx
            .ec2()
            .create_vpc()
            .set_cidr_block(obj::string(planned, "cidr_block"))
            .set_ipv4_ipam_pool_id(obj::string(planned, "ipv4_ipam_pool_id"))
            .set_ipv4_netmask_length(obj::i32(planned, "ipv4_netmask_length"))
            .set_ipv6_ipam_pool_id(obj::string(planned, "ipv6_ipam_pool_id"))
            .set_ipv6_netmask_length(obj::i32(planned, "ipv6_netmask_length"))
            .set_instance_tenancy(obj::str(planned, "instance_tenancy").map(Tenancy::from))
            .set_amazon_provided_ipv6_cidr_block(obj::bool(
                planned,
                "assign_generated_ipv6_cidr_block",
            ))
            .set_ipv6_cidr_block_network_border_group(obj::string(
                planned,
                "ipv6_cidr_block_network_border_group",
            ))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::Vpc));
        let out = call.send().await.during("creating VPC")?;
        let id = network::created(out.vpc().and_then(|v| v.vpc_id()), "CreateVpc")?.to_string();
        WAITER
            .ready(ctx, &id, SCHEMA.timeout(planned, "create"))
            .await?;
        // AWS's defaults: DNS support on, hostnames and metrics off.
        let aws_defaults = Value::Map(object! {
            "enable_dns_support" => true,
            "enable_dns_hostnames" => false,
            "enable_network_address_usage_metrics" => false,
        });
        self.set_attributes(ctx, &id, &aws_defaults, planned)
            .await?;
        state::read_back(ctx, &VPC, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        self.set_attributes(ctx, &id, prior, planned).await?;
        if modify::differs(prior, planned, "instance_tenancy") {
            let call = ctx
                .ec2()
                .modify_vpc_tenancy()
                .vpc_id(&id)
                .instance_tenancy(VpcTenancy::Default);
            network::send(call.send(), &format!("changing the tenancy of VPC {id}")).await?;
        }
        if modify::differs(prior, planned, "assign_generated_ipv6_cidr_block") {
            self.set_ipv6(ctx, &id, prior, planned).await?;
        }
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Retried while AWS answers DependencyViolation: a NAT gateway's interface or a load
    /// balancer's may outlive its owner for a while.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = || ctx.ec2().delete_vpc().vpc_id(&id).send();
        let what = format!("VPC {id}");
        network::delete_while_in_use(ctx, &what, SCHEMA.timeout(prior, "delete"), GONE, call).await
    }

    /// Every VPC but the default one, in one paginated DescribeVpcs; the DNS and metrics
    /// attributes (one call per VPC and attribute) are left null.
    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let pages = ctx.ec2().describe_vpcs().into_paginator().items().send();
        let vpcs = all("describing VPCs", pages).await?;
        let vpcs = vpcs.into_iter().filter(|v| v.is_default() != Some(true));
        Ok(vpcs.map(|v| state_of(ctx, &v, Map::new())).collect())
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_must_be_network_addresses() {
        assert_eq!(cidr_v4(&Value::from("10.0.0.0/16")), None);
        assert!(cidr_v4(&Value::from("10.0.0.1/16"))
            .unwrap()
            .contains("10.0.0.0/16"));
        assert!(cidr_v4(&Value::from("10.0.0.0")).is_some());
        assert!(cidr_v4(&Value::from("10.0.0.0/33")).is_some());
        assert_eq!(cidr_v4(&Value::from("0.0.0.0/0")), None);
    }
}
