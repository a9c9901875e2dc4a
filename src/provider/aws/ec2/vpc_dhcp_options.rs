//! `aws_vpc_dhcp_options`: a DHCP options set. Before a delete, the VPCs still using it are
//! given AWS's `default` options (as the provider does), so the delete is not refused.

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    DhcpConfiguration, DhcpOptions as SdkOptions, NewDhcpConfiguration, ResourceType as Ec2Kind,
};

pub struct VpcDhcpOptions;
pub static VPC_DHCP_OPTIONS: VpcDhcpOptions = VpcDhcpOptions;

const GONE: &[&str] = &[
    "InvalidDhcpOptionID.NotFound",
    "InvalidDhcpOptionsID.NotFound",
];

/// Each argument and the DHCP option key AWS files it under; lists are in AWS's order.
const OPTIONS: [(&str, &str); 6] = [
    ("domain_name", "domain-name"),
    ("domain_name_servers", "domain-name-servers"),
    ("ntp_servers", "ntp-servers"),
    ("netbios_name_servers", "netbios-name-servers"),
    ("netbios_node_type", "netbios-node-type"),
    (
        "ipv6_address_preferred_lease_time",
        "ipv6-address-preferred-lease-time",
    ),
];

/// The arguments that are lists.
const LISTS: [&str; 3] = ["domain_name_servers", "ntp_servers", "netbios_name_servers"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A DHCP options set.";
        regional;
        id                   string output;
        arn                  string output;
        owner_id             string output;
        domain_name          string force_new;
        domain_name_servers  string_list force_new;
        ntp_servers          string_list force_new;
        netbios_name_servers string_list force_new;
        netbios_node_type    string force_new;
        ipv6_address_preferred_lease_time string force_new;
        tags;
    }
});

fn state_of(ctx: &Ctx, o: &SdkOptions) -> Value {
    let (id, owner) = (
        o.dhcp_options_id().unwrap_or_default(),
        o.owner_id().unwrap_or_default(),
    );
    let mut m = object! {
        "id" => id,
        "arn" => network::arn(ctx, owner, "dhcp-options", id),
        "owner_id" => owner,
    };
    let of = |key: &str| -> Vec<String> {
        let c: Option<&DhcpConfiguration> = o
            .dhcp_configurations()
            .iter()
            .find(|c| c.key() == Some(key));
        c.map(|c| {
            c.values()
                .iter()
                .filter_map(|v| v.value().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    };
    for (arg, key) in OPTIONS {
        let values = of(key);
        let v = match LISTS.contains(&arg) {
            true if values.is_empty() => Value::Null,
            true => obj::list(values),
            false => values.into_iter().next().map_or(Value::Null, Value::from),
        };
        m.insert(arg.into(), v);
    }
    network::with_tags(ctx, m, o.tags())
}

#[async_trait]
impl ResourceType for VpcDhcpOptions {
    named!("aws_vpc_dhcp_options", SCHEMA);

    /// One DescribeDhcpOptions for all the sets.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let found = describe_filtered!(ctx, ids, "dhcp-options-id", "DHCP options", |c| c
            .describe_dhcp_options());
        Ok(state::by_id(
            found,
            |o| o.dhcp_options_id(),
            |o| state_of(ctx, &o),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let configurations = OPTIONS.iter().filter_map(|(arg, key)| {
            let values = match LISTS.contains(arg) {
                true => obj::strings(planned, arg),
                false => obj::string(planned, arg).into_iter().collect(),
            };
            (!values.is_empty()).then(|| {
                NewDhcpConfiguration::builder()
                    .key(*key)
                    .set_values(Some(values))
                    .build()
            })
        });
        let call = ctx
            .ec2()
            .create_dhcp_options()
            .set_dhcp_configurations(Some(configurations.collect()))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::DhcpOptions));
        let out = call.send().await.during("creating DHCP options")?;
        let id = network::created(
            out.dhcp_options().and_then(|o| o.dhcp_options_id()),
            "CreateDhcpOptions",
        )?
        .to_string();
        state::read_back(ctx, &VPC_DHCP_OPTIONS, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let ec2 = ctx.ec2();
        let users = ec2.describe_vpcs().filters(network::filter(
            "dhcp-options-id",
            std::slice::from_ref(&id),
        ));
        let users = users
            .send()
            .await
            .during(&format!("finding the VPCs using {id}"))?;
        for vpc in users.vpcs().iter().filter_map(|v| v.vpc_id()) {
            let call = ec2
                .associate_dhcp_options()
                .vpc_id(vpc)
                .dhcp_options_id("default");
            network::send(
                call.send(),
                &format!("giving {vpc} the default DHCP options"),
            )
            .await?;
        }
        let call = || ec2.delete_dhcp_options().dhcp_options_id(&id).send();
        let limit = Duration::from_secs(3 * 60);
        network::delete_while_in_use(ctx, &format!("DHCP options {id}"), limit, GONE, call).await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
