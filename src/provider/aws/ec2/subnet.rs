//! `aws_subnet`: a VPC subnet, its launch-time attributes (public IPs, IPv6, DNS names) and
//! its IPv6 block.

use super::network::{self, describe_filtered};
use super::vpc::cidr_v4;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::operation::modify_subnet_attribute::builders::ModifySubnetAttributeFluentBuilder as Modify;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, HostnameType, ResourceType as Ec2Kind, Subnet as SdkSubnet,
};

pub struct Subnet;
pub static SUBNET: Subnet = Subnet;

const GONE: &[&str] = &["InvalidSubnetID.NotFound"];

pub(super) static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC subnet.";
        regional;
        id                        string output;
        arn                       string output;
        owner_id                  string output;
        vpc_id                    string required force_new;
        cidr_block                string force_new check(cidr_v4);
        availability_zone         string computed force_new conflicts_with(&["availability_zone_id"]);
        availability_zone_id      string computed force_new;
        map_public_ip_on_launch   bool   default(false);
        assign_ipv6_address_on_creation bool default(false);
        ipv6_cidr_block           string computed "A /64 of the VPC's IPv6 block; changed in place.";
        ipv6_cidr_block_association_id string output;
        ipv6_native               bool   default(false) force_new;
        enable_dns64              bool   default(false);
        enable_resource_name_dns_a_record_on_launch bool default(false);
        enable_resource_name_dns_aaaa_record_on_launch bool default(false);
        private_dns_hostname_type_on_launch string computed one_of(&["ip-name", "resource-name"]);
        enable_lni_at_device_index number computed;
        map_customer_owned_ip_on_launch bool computed;
        customer_owned_ipv4_pool  string;
        outpost_arn               string force_new;
        tags;
        timeouts create(10) delete(20);
    }
});

fn flag(p: &Value, k: &str) -> AttributeBooleanValue {
    AttributeBooleanValue::builder()
        .value(obj::bool(p, k).unwrap_or(false))
        .build()
}

/// The attributes ModifySubnetAttribute sets, one per call (AWS takes one at a time).
const ATTRIBUTES: Table<Modify> = setters! {
    "map_public_ip_on_launch" => |b, p| b.map_public_ip_on_launch(flag(p, "map_public_ip_on_launch")),
    "assign_ipv6_address_on_creation" => |b, p| b.assign_ipv6_address_on_creation(flag(p, "assign_ipv6_address_on_creation")),
    "enable_dns64" => |b, p| b.enable_dns64(flag(p, "enable_dns64")),
    "enable_resource_name_dns_a_record_on_launch" => |b, p| b.enable_resource_name_dns_a_record_on_launch(flag(p, "enable_resource_name_dns_a_record_on_launch")),
    "enable_resource_name_dns_aaaa_record_on_launch" => |b, p| b.enable_resource_name_dns_aaaa_record_on_launch(flag(p, "enable_resource_name_dns_aaaa_record_on_launch")),
    "private_dns_hostname_type_on_launch" => |b, p| b.set_private_dns_hostname_type_on_launch(obj::str(p, "private_dns_hostname_type_on_launch").map(HostnameType::from)),
    "map_customer_owned_ip_on_launch" => |b, p| b.map_customer_owned_ip_on_launch(flag(p, "map_customer_owned_ip_on_launch")),
    "customer_owned_ipv4_pool" => |b, p| b.set_customer_owned_ipv4_pool(obj::string(p, "customer_owned_ipv4_pool")),
    "enable_lni_at_device_index" => |b, p| b.set_enable_lni_at_device_index(obj::i32(p, "enable_lni_at_device_index")),
};

/// What a new subnet has before any ModifySubnetAttribute.
fn aws_defaults() -> Value {
    Value::Map(object! {
        "map_public_ip_on_launch" => false,
        "assign_ipv6_address_on_creation" => false,
        "enable_dns64" => false,
        "enable_resource_name_dns_a_record_on_launch" => false,
        "enable_resource_name_dns_aaaa_record_on_launch" => false,
        "private_dns_hostname_type_on_launch" => "ip-name",
    })
}

static WAITER: Waiter = Waiter {
    noun: "subnet",
    key: "aws_subnet/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let subnets =
                describe_filtered!(ctx, ids, "subnet-id", "subnets", |c| c.describe_subnets());
            let state = |s: &SdkSubnet| wait::status_value(s.state().map(|s| s.as_str()), false);
            Ok(subnets
                .iter()
                .filter_map(|s| Some((s.subnet_id()?.to_string(), state(s))))
                .collect())
        })
    },
    pending: &["pending"],
    ready: &["available"],
};

pub(super) fn state_of(ctx: &Ctx, s: &SdkSubnet) -> Value {
    let ipv6 = s.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
    });
    let dns = s.private_dns_name_options_on_launch();
    let m = object! {
        "id" => s.subnet_id(),
        "arn" => s.subnet_arn(),
        "owner_id" => s.owner_id(),
        "vpc_id" => s.vpc_id(),
        "cidr_block" => s.cidr_block(),
        "availability_zone" => s.availability_zone(),
        "availability_zone_id" => s.availability_zone_id(),
        "map_public_ip_on_launch" => s.map_public_ip_on_launch().unwrap_or(false),
        "assign_ipv6_address_on_creation" => s.assign_ipv6_address_on_creation().unwrap_or(false),
        "ipv6_cidr_block" => ipv6.and_then(|a| a.ipv6_cidr_block()).unwrap_or_default(),
        "ipv6_cidr_block_association_id" => ipv6.and_then(|a| a.association_id()).unwrap_or_default(),
        "ipv6_native" => s.ipv6_native().unwrap_or(false),
        "enable_dns64" => s.enable_dns64().unwrap_or(false),
        "enable_resource_name_dns_a_record_on_launch" => dns.and_then(|d| d.enable_resource_name_dns_a_record()).unwrap_or(false),
        "enable_resource_name_dns_aaaa_record_on_launch" => dns.and_then(|d| d.enable_resource_name_dns_aaaa_record()).unwrap_or(false),
        "private_dns_hostname_type_on_launch" => dns.and_then(|d| d.hostname_type()).map_or("ip-name", |h| h.as_str()),
        "enable_lni_at_device_index" => s.enable_lni_at_device_index().unwrap_or(0),
        "map_customer_owned_ip_on_launch" => s.map_customer_owned_ip_on_launch().unwrap_or(false),
        "customer_owned_ipv4_pool" => s.customer_owned_ipv4_pool(),
        "outpost_arn" => s.outpost_arn(),
    };
    network::with_tags(ctx, m, s.tags())
}

impl Subnet {
    /// One ModifySubnetAttribute per attribute `to` sets (known, not null) to other than `from`.
    async fn set_attributes(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Value,
        to: &Value,
    ) -> ProviderResult<()> {
        for (k, set) in ATTRIBUTES {
            let wanted = to.get(k).is_some_and(|v| v.is_known() && !v.is_null());
            if !wanted || !modify::differs(from, to, k) {
                continue;
            }
            let call = set(ctx.ec2().modify_subnet_attribute().subnet_id(id), to);
            network::send(call.send(), &format!("setting {k} of subnet {id}")).await?;
        }
        Ok(())
    }

    /// Moves the subnet's IPv6 block from the prior one to the planned one (either may be none).
    async fn set_ipv6(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> ProviderResult<()> {
        let ec2 = ctx.ec2();
        if let Some(assoc) =
            obj::string(prior, "ipv6_cidr_block_association_id").filter(|a| !a.is_empty())
        {
            let call = ec2.disassociate_subnet_cidr_block().association_id(assoc);
            network::send(
                call.send(),
                &format!("releasing the IPv6 block of subnet {id}"),
            )
            .await?;
        }
        if let Some(block) = obj::string(planned, "ipv6_cidr_block").filter(|b| !b.is_empty()) {
            let call = ec2
                .associate_subnet_cidr_block()
                .subnet_id(id)
                .ipv6_cidr_block(block);
            network::send(call.send(), &format!("giving subnet {id} an IPv6 block")).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for Subnet {
    named!("aws_subnet", SCHEMA);

    /// One DescribeSubnets for all the subnets.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let subnets =
            describe_filtered!(ctx, ids, "subnet-id", "subnets", |c| c.describe_subnets());
        Ok(state::by_id(
            subnets,
            |s| s.subnet_id(),
            |s| state_of(ctx, &s),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let ipv6 = obj::string(planned, "ipv6_cidr_block").filter(|b| !b.is_empty());
        let call = ctx
            .ec2()
            .create_subnet()
            .set_vpc_id(obj::string(planned, "vpc_id"))
            .set_cidr_block(obj::string(planned, "cidr_block"))
            .set_ipv6_cidr_block(ipv6)
            .set_availability_zone(obj::string(planned, "availability_zone"))
            .set_availability_zone_id(obj::string(planned, "availability_zone_id"))
            .set_ipv6_native(obj::bool(planned, "ipv6_native").filter(|n| *n))
            .set_outpost_arn(obj::string(planned, "outpost_arn").filter(|a| !a.is_empty()))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::Subnet));
        let out = call.send().await.during("creating subnet")?;
        let id =
            network::created(out.subnet().and_then(|s| s.subnet_id()), "CreateSubnet")?.to_string();
        WAITER
            .ready(ctx, &id, SCHEMA.timeout(planned, "create"))
            .await?;
        self.set_attributes(ctx, &id, &aws_defaults(), planned)
            .await?;
        state::read_back(ctx, &SUBNET, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let ipv6_known = planned.get("ipv6_cidr_block").is_some_and(Value::is_known);
        if ipv6_known && modify::differs(prior, planned, "ipv6_cidr_block") {
            self.set_ipv6(ctx, &id, prior, planned).await?;
        }
        self.set_attributes(ctx, &id, prior, planned).await?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Retried while AWS answers DependencyViolation (20 minutes, as the provider): a NAT
    /// gateway or a database's interface in the subnet goes away some time after its owner.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = || ctx.ec2().delete_subnet().subnet_id(&id).send();
        let what = format!("subnet {id}");
        network::delete_while_in_use(ctx, &what, SCHEMA.timeout(prior, "delete"), GONE, call).await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
