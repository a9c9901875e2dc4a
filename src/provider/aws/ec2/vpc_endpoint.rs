//! `aws_vpc_endpoint`: a VPC endpoint, Gateway (routes to the service's prefix list in
//! `route_table_ids`) or Interface (a network interface in each of `subnet_ids`). Created
//! `pending` and usable once `available` (or `pendingAcceptance`, for a service that accepts
//! by hand: `auto_accept` accepts it when the service is the account's own). Route tables,
//! subnets and security groups are added and removed in place (ModifyVpcEndpoint), as are the
//! policy, private DNS, the address type and the DNS options. A delete waits until the
//! endpoint is gone: until then its routes and interfaces still hold the route tables and
//! subnets that the rest of a destroy deletes next.

use super::network::{self, describe_filtered};
use crate::provider::aws::iam::policy_json;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    DnsOptionsSpecification, DnsRecordIpType, IpAddressType, ResourceType as Ec2Kind,
    SubnetConfiguration, VpcEndpoint as SdkEndpoint, VpcEndpointType,
};

pub struct VpcEndpoint;
pub static VPC_ENDPOINT: VpcEndpoint = VpcEndpoint;

const GONE: &[&str] = &[
    "InvalidVpcEndpoint.NotFound",
    "InvalidVpcEndpointId.NotFound",
];

/// The id lists ModifyVpcEndpoint changes by adding and removing ids.
const ID_SETS: [&str; 3] = ["route_table_ids", "subnet_ids", "security_group_ids"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC endpoint (Gateway or Interface).";
        regional;
        id                    string output;
        arn                   string output;
        vpc_id                string required force_new;
        service_name          string required force_new "e.g. com.amazonaws.us-east-1.s3.";
        service_region        string computed force_new "The service's Region, for a cross-Region endpoint; the endpoint's own when not set.";
        vpc_endpoint_type     string default("Gateway") force_new one_of(&["Gateway", "Interface", "GatewayLoadBalancer"]);
        auto_accept           bool virtual_ "Accept the endpoint when the service (the account's own) requires acceptance.";
        policy                string computed check(policy_json::problem) equivalent(policy_json::equivalent) "Access policy (JSON); an equivalent document is no change, removing it restores full access.";
        private_dns_enabled   bool computed "Interface: associate a private hosted zone with the VPC.";
        ip_address_type       string computed one_of(&["ipv4", "dualstack", "ipv6"]);
        route_table_ids       string_set computed "Gateway: the route tables that route to the service.";
        subnet_ids            string_set computed "Interface: a network interface in each.";
        security_group_ids    string_set computed "Interface: the groups of its network interfaces.";
        state                 string output;
        prefix_list_id        string output "Gateway: the service's prefix list.";
        cidr_blocks           string_list output "Gateway: the CIDR blocks of the service's prefix list.";
        dns_entry             map_list output "Interface: each DNS entry's dns_name and hosted_zone_id.";
        network_interface_ids string_set output;
        owner_id              string output;
        requester_managed     bool output;
        tags;
        block dns_options();
        block subnet_configuration();
        timeouts create(10) update(10) delete(10);
    }
});

fn dns_options() -> BlockType {
    let options = schema! {
        "";
        dns_record_ip_type string computed one_of(&["ipv4", "dualstack", "ipv6", "service-defined"]);
        private_dns_only_for_inbound_resolver_endpoint bool "S3 Interface endpoints: private DNS only for the inbound Resolver endpoint.";
        private_dns_preference string computed;
        private_dns_specified_domains string_set computed;
    };
    BlockType::list("dns_options", options)
        .max_one()
        .computed()
        .describe("The endpoint's DNS options.")
}

/// Interface: the address of the endpoint's network interface in each subnet (AWS picks them
/// when not given).
fn subnet_configuration() -> BlockType {
    let item = schema! {
        "";
        subnet_id string computed;
        ipv4      string computed;
        ipv6      string computed;
    };
    BlockType::set("subnet_configuration", item)
        .computed()
        .describe("Interface: the address of the network interface in each subnet.")
}

/// The `subnet_configuration` blocks of `planned`, for the create and modify calls.
fn subnet_configurations(planned: &Value) -> Option<Vec<SubnetConfiguration>> {
    let items: Vec<SubnetConfiguration> = state::items(planned, "subnet_configuration")
        .map(|c| {
            SubnetConfiguration::builder()
                .set_subnet_id(obj::string(c, "subnet_id"))
                .set_ipv4(obj::string(c, "ipv4"))
                .set_ipv6(obj::string(c, "ipv6"))
                .build()
        })
        .collect();
    (!items.is_empty()).then_some(items)
}

/// The endpoints found, deleted ones left out (AWS lists them for a while after).
async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkEndpoint>> {
    let found = describe_filtered!(ctx, ids, "vpc-endpoint-id", "VPC endpoints", |c| c
        .describe_vpc_endpoints());
    Ok(found
        .into_iter()
        .filter(|e| e.state().is_none_or(|s| s.as_str() != "deleted"))
        .collect())
}

/// Pending → available (or pendingAcceptance) after a create or modify; gone after a delete.
static WAITER: Waiter = Waiter {
    noun: "VPC endpoint",
    key: "aws_vpc_endpoint/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let found = describe(&ctx, &ids).await?;
            let state = |e: &SdkEndpoint| wait::status_value(e.state().map(|s| s.as_str()), false);
            Ok(found
                .iter()
                .filter_map(|e| Some((e.vpc_endpoint_id()?.to_string(), state(e))))
                .collect())
        })
    },
    pending: &["pending"],
    ready: &["available", "pendingAcceptance"],
};

/// pendingAcceptance → available, once accepted.
static ACCEPTED: Waiter = Waiter {
    noun: "VPC endpoint",
    key: "aws_vpc_endpoint/state",
    statuses: WAITER.statuses,
    pending: &["pendingAcceptance", "pending"],
    ready: &["available"],
};

/// What the prefix lists of the gateway services say: id and CIDR blocks by service name.
type PrefixLists = BTreeMap<String, (String, Vec<String>)>;

/// The prefix lists of `services`, in one DescribePrefixLists.
async fn prefix_lists(ctx: &Ctx, services: BTreeSet<String>) -> ProviderResult<PrefixLists> {
    if services.is_empty() {
        return Ok(PrefixLists::new());
    }
    let names: Vec<String> = services.into_iter().collect();
    let call = ctx
        .ec2()
        .describe_prefix_lists()
        .filters(network::filter("prefix-list-name", &names));
    let found = all(
        "describing prefix lists",
        call.into_paginator().items().send(),
    )
    .await?;
    Ok(found
        .into_iter()
        .filter_map(|p| {
            let entry = (p.prefix_list_id()?.to_string(), p.cidrs().to_vec());
            Some((p.prefix_list_name()?.to_string(), entry))
        })
        .collect())
}

/// The `subnet_configuration` items of the interfaces `enis`, in one
/// DescribeNetworkInterfaces, by interface id.
async fn interface_addresses(
    ctx: &Ctx,
    enis: &[String],
) -> ProviderResult<BTreeMap<String, Value>> {
    if enis.is_empty() {
        return Ok(BTreeMap::new());
    }
    let found = describe_filtered!(
        ctx,
        enis,
        "network-interface-id",
        "network interfaces",
        |c| c.describe_network_interfaces()
    );
    Ok(state::by_id(
        found,
        |n| n.network_interface_id(),
        |n| {
            let ipv6 = n.ipv6_addresses().first().and_then(|a| a.ipv6_address());
            Value::Map(object! {
                "ipv4" => n.private_ip_address(),
                "ipv6" => ipv6,
                "subnet_id" => n.subnet_id(),
            })
        },
    ))
}

fn state_of(
    ctx: &Ctx,
    e: &SdkEndpoint,
    lists: &PrefixLists,
    addresses: &BTreeMap<String, Value>,
) -> Value {
    let (id, owner) = (
        e.vpc_endpoint_id().unwrap_or_default(),
        e.owner_id().unwrap_or_default(),
    );
    let list = e.service_name().and_then(|s| lists.get(s));
    let dns_entry = e.dns_entries().iter().map(|d| {
        Value::Map(object! { "dns_name" => d.dns_name(), "hosted_zone_id" => d.hosted_zone_id() })
    });
    let dns_options = e.dns_options().map(|o| {
        Value::Map(object! {
            "dns_record_ip_type" => o.dns_record_ip_type().map(|t| t.as_str()),
            "private_dns_only_for_inbound_resolver_endpoint" => o.private_dns_only_for_inbound_resolver_endpoint(),
            "private_dns_preference" => o.private_dns_preference(),
            "private_dns_specified_domains" => obj::set(o.private_dns_specified_domains().iter().map(|d| Value::from(d.as_str()))),
        })
    });
    let configurations = e
        .network_interface_ids()
        .iter()
        .filter_map(|n| addresses.get(n).cloned());
    let m = object! {
        "id" => id,
        "arn" => network::arn(ctx, owner, "vpc-endpoint", id),
        "vpc_id" => e.vpc_id(),
        "service_name" => e.service_name(),
        "service_region" => e.service_region().unwrap_or(ctx.region()),
        // GovCloud reports no type: the provider reads it as the default.
        "vpc_endpoint_type" => e.vpc_endpoint_type().map_or("Gateway", |t| t.as_str()),
        "policy" => e.policy_document().map(policy_json::decode),
        "private_dns_enabled" => e.private_dns_enabled(),
        "ip_address_type" => e.ip_address_type().map(|t| t.as_str()),
        "route_table_ids" => obj::set(e.route_table_ids().iter().map(|i| Value::from(i.as_str()))),
        "subnet_ids" => obj::set(e.subnet_ids().iter().map(|i| Value::from(i.as_str()))),
        "security_group_ids" => state::strings(e.groups(), |g| g.group_id()),
        "state" => e.state().map(|s| s.as_str()),
        "prefix_list_id" => list.map(|l| l.0.as_str()),
        "cidr_blocks" => Value::List(list.map(|l| l.1.iter().map(|c| Value::from(c.as_str())).collect()).unwrap_or_default()),
        "dns_entry" => Value::List(dns_entry.collect()),
        "network_interface_ids" => obj::set(e.network_interface_ids().iter().map(|i| Value::from(i.as_str()))),
        "owner_id" => owner,
        "requester_managed" => e.requester_managed().unwrap_or(false),
        "dns_options" => Value::List(dns_options.into_iter().collect()),
        "subnet_configuration" => obj::set(configurations),
    };
    network::with_tags(ctx, m, e.tags())
}

/// The `dns_options` block of `v` as the API takes it (`None` when not written). Whether the
/// inbound-Resolver flag may be sent depends on the service (S3 Interface endpoints only), as
/// the provider decides.
fn dns_spec(v: &Value) -> Option<DnsOptionsSpecification> {
    let block = state::items(v, "dns_options").next()?;
    let s3_interface = obj::str(v, "vpc_endpoint_type") == Some("Interface")
        && obj::str(v, "service_name")
            .is_some_and(|s| s.starts_with("com.amazonaws.") && s.ends_with(".s3"));
    let inbound = obj::bool(block, "private_dns_only_for_inbound_resolver_endpoint");
    let domains = obj::strings(block, "private_dns_specified_domains");
    let spec = DnsOptionsSpecification::builder()
        .set_dns_record_ip_type(obj::str(block, "dns_record_ip_type").map(DnsRecordIpType::from))
        .set_private_dns_only_for_inbound_resolver_endpoint(inbound.filter(|_| s3_interface));
    let spec = match s3_interface {
        true => spec,
        false => spec
            .set_private_dns_preference(obj::string(block, "private_dns_preference"))
            .set_private_dns_specified_domains((!domains.is_empty()).then_some(domains)),
    };
    Some(spec.build())
}

/// The ids of set `key` that `planned` adds to `prior` and those it removes (`None`: unchanged
/// or unknown).
fn added_removed(
    prior: &Value,
    planned: &Value,
    key: &str,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    if !planned.get(key).is_some_and(Value::is_known) || !modify::differs(prior, planned, key) {
        return (None, None);
    }
    let (old, new) = (obj::strings(prior, key), obj::strings(planned, key));
    let only = |a: &[String], b: &[String]| {
        let v: Vec<String> = a.iter().filter(|i| !b.contains(i)).cloned().collect();
        (!v.is_empty()).then_some(v)
    };
    (only(&new, &old), only(&old, &new))
}

impl VpcEndpoint {
    /// Accepts endpoint `id` of the account's own `service` and waits until it is available.
    async fn accept(
        &self,
        ctx: &Ctx,
        id: &str,
        service: &str,
        timeout: Duration,
    ) -> ProviderResult<()> {
        let ec2 = ctx.ec2();
        let configs = ec2
            .describe_vpc_endpoint_service_configurations()
            .filters(network::filter("service-name", &[service.to_string()]));
        let configs = configs
            .send()
            .await
            .during(&format!("looking up endpoint service {service}"))?;
        let Some(service_id) = configs
            .service_configurations()
            .first()
            .and_then(|c| c.service_id())
        else {
            return Err(ProviderError::new(format!(
                "VPC endpoint {id}: auto_accept needs endpoint service {service} to be this account's own; it is not"
            )));
        };
        let call = ec2
            .accept_vpc_endpoint_connections()
            .service_id(service_id)
            .vpc_endpoint_ids(id);
        network::send(call.send(), &format!("accepting VPC endpoint {id}")).await?;
        ACCEPTED.ready(ctx, id, timeout).await
    }

    /// Accepts the new or prior endpoint `id` when `planned` asks and it awaits acceptance.
    async fn accept_if_asked(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
        op: &str,
    ) -> ProviderResult<()> {
        if obj::bool(planned, "auto_accept") != Some(true) {
            return Ok(());
        }
        let found = describe(ctx, &[id.to_string()]).await?;
        let Some(e) = found.first() else {
            return Ok(());
        };
        if e.state().is_some_and(|s| s.as_str() == "pendingAcceptance") {
            let service = e.service_name().unwrap_or_default().to_string();
            self.accept(ctx, id, &service, SCHEMA.timeout(planned, op))
                .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for VpcEndpoint {
    named!("aws_vpc_endpoint", SCHEMA, WAITER);

    /// One DescribeVpcEndpoints for all the endpoints, one DescribePrefixLists for their
    /// gateway services and one DescribeNetworkInterfaces for their interfaces.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = describe(ctx, &state::unique(ids)).await?;
        let gateway = |e: &&SdkEndpoint| {
            e.vpc_endpoint_type()
                .is_none_or(|t| *t == VpcEndpointType::Gateway)
        };
        let services = found
            .iter()
            .filter(gateway)
            .filter_map(|e| e.service_name())
            .map(str::to_string);
        let lists = prefix_lists(ctx, services.collect()).await?;
        let enis: Vec<String> = found
            .iter()
            .flat_map(|e| e.network_interface_ids().to_vec())
            .collect();
        let addresses = interface_addresses(ctx, &enis).await?;
        Ok(state::by_id(
            found,
            |e| e.vpc_endpoint_id(),
            |e| state_of(ctx, &e, &lists, &addresses),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let some = |key| Some(obj::strings(planned, key)).filter(|v| !v.is_empty());
        let call = ctx
            .ec2()
            .create_vpc_endpoint()
            .set_vpc_id(obj::string(planned, "vpc_id"))
            .set_service_name(obj::string(planned, "service_name"))
            .set_service_region(obj::string(planned, "service_region"))
            .set_vpc_endpoint_type(
                obj::str(planned, "vpc_endpoint_type").map(VpcEndpointType::from),
            )
            .private_dns_enabled(obj::bool(planned, "private_dns_enabled").unwrap_or(false))
            .set_policy_document(obj::str(planned, "policy").map(policy_json::compact))
            .set_ip_address_type(obj::str(planned, "ip_address_type").map(IpAddressType::from))
            .set_route_table_ids(some("route_table_ids"))
            .set_subnet_ids(some("subnet_ids"))
            .set_security_group_ids(some("security_group_ids"))
            .set_dns_options(dns_spec(planned))
            .set_subnet_configurations(subnet_configurations(planned))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::VpcEndpoint));
        let service = obj::str(planned, "service_name").unwrap_or_default();
        let out = call
            .send()
            .await
            .during(&format!("creating VPC endpoint for {service}"))?;
        let id = network::created(
            out.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()),
            "CreateVpcEndpoint",
        )?;
        self.accept_if_asked(ctx, id, planned, "create").await?;
        lifecycle::ready_after_create(self, &WAITER, ctx, id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        if modify::differs(prior, planned, "auto_accept") {
            self.accept_if_asked(ctx, &id, planned, "update").await?;
        }
        let mut call = ctx.ec2().modify_vpc_endpoint().vpc_endpoint_id(&id);
        let mut changed = false;
        for key in ID_SETS {
            let (add, remove) = added_removed(prior, planned, key);
            changed |= add.is_some() || remove.is_some();
            call = match key {
                "route_table_ids" => call
                    .set_add_route_table_ids(add)
                    .set_remove_route_table_ids(remove),
                "subnet_ids" => call.set_add_subnet_ids(add).set_remove_subnet_ids(remove),
                _ => call
                    .set_add_security_group_ids(add)
                    .set_remove_security_group_ids(remove),
            };
        }
        let known = |k: &str| planned.get(k).is_some_and(Value::is_known);
        if known("policy") && modify::differs(prior, planned, "policy") {
            changed = true;
            call = match obj::str(planned, "policy") {
                Some(p) => call.policy_document(policy_json::compact(p)),
                None => call.reset_policy(true),
            };
        }
        if known("private_dns_enabled") && modify::differs(prior, planned, "private_dns_enabled") {
            changed = true;
            call = call.set_private_dns_enabled(obj::bool(planned, "private_dns_enabled"));
        }
        if known("ip_address_type") && modify::differs(prior, planned, "ip_address_type") {
            changed = true;
            call = call
                .set_ip_address_type(obj::str(planned, "ip_address_type").map(IpAddressType::from));
        }
        if known("dns_options") && modify::differs(prior, planned, "dns_options") {
            changed = true;
            call = call.set_dns_options(dns_spec(planned));
        }
        if known("subnet_configuration") && modify::differs(prior, planned, "subnet_configuration")
        {
            changed = true;
            call = call.set_subnet_configurations(subnet_configurations(planned));
        }
        lifecycle::modify_then_settle!(
            self,
            ctx,
            Service::Ec2,
            &id,
            prior,
            planned,
            (call, changed),
            &WAITER,
            false,
            "VPC endpoint"
        )
    }

    /// The policy spelled as planned when AWS holds an equivalent one.
    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let mut state = state::read_back(ctx, &VPC_ENDPOINT, written.id, written.planned).await?;
        policy_json::keep_planned(&mut state, written.planned, "policy");
        Ok(state)
    }

    /// Deleted, then waited for until gone (its routes and interfaces let go).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx.ec2().delete_vpc_endpoints().vpc_endpoint_ids(&id);
        let sent = call
            .send()
            .await
            .during(&format!("deleting VPC endpoint {id}"));
        let Some(out) = unless(sent, GONE)? else {
            return Ok(());
        };
        if let Some(failed) = out.unsuccessful().first().and_then(|u| u.error()) {
            let code = failed.code().unwrap_or_default();
            if GONE.contains(&code) {
                return Ok(());
            }
            return Err(ProviderError::new(format!(
                "deleting VPC endpoint {id}: {code}: {}",
                failed.message().unwrap_or_default()
            )));
        }
        WAITER.gone(ctx, &id, SCHEMA.timeout(prior, "delete")).await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
