//! `aws_default_vpc`: the region's default VPC, adopted and brought to the configuration
//! (created with CreateDefaultVpc only when the region has none), never deleted: destroying it
//! forgets it, as the provider does without `force_destroy` (which strata does not take).
//! Everything else is `aws_vpc`'s: its read, its attribute updates, its outputs.

use super::network;
use super::vpc::VPC;
use crate::provider::aws::kit::prelude::*;

pub struct DefaultVpc;
pub static DEFAULT_VPC: DefaultVpc = DefaultVpc;

/// What the configuration may change on the adopted VPC.
const SETTABLE: &[&str] = &[
    "enable_dns_support",
    "enable_dns_hostnames",
    "enable_network_address_usage_metrics",
    "assign_generated_ipv6_cidr_block",
    "ipv6_ipam_pool_id",
    "ipv6_netmask_length",
    "ipv6_cidr_block_network_border_group",
    "tags",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The region's default VPC, adopted: never created (unless missing) nor deleted.";
        regional;
        id                         string output;
        arn                        string output;
        owner_id                   string output;
        cidr_block                 string output;
        instance_tenancy           string output;
        enable_dns_support         bool   default(true);
        enable_dns_hostnames       bool   default(true);
        enable_network_address_usage_metrics bool computed;
        assign_generated_ipv6_cidr_block bool default(false) conflicts_with(&["ipv6_ipam_pool_id"]);
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
        existing_default_vpc       bool   output "Whether the VPC existed before strata adopted it.";
        tags;
    }
});

fn adopted(vpc: &Value, existing: bool) -> Value {
    let mut v = network::project(&SCHEMA, vpc);
    if let Value::Map(m) = &mut v {
        m.insert("existing_default_vpc".into(), Value::Bool(existing));
    }
    v
}

#[async_trait]
impl ResourceType for DefaultVpc {
    named!("aws_default_vpc", SCHEMA);

    /// `aws_vpc`'s batched read.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = VPC.read(ctx, ids).await?;
        Ok(found
            .into_iter()
            .map(|(k, v)| (k, adopted(&v, true)))
            .collect())
    }

    /// Finds the default VPC (or has AWS make one), then updates it as `aws_vpc` would.
    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let ec2 = ctx.ec2();
        let call = ec2
            .describe_vpcs()
            .filters(network::filter("is-default", &["true".into()]));
        let out = call.send().await.during("finding the default VPC")?;
        let (id, existing) = match out.vpcs().first().and_then(|v| v.vpc_id()) {
            Some(id) => (id.to_string(), true),
            None => {
                let made = ec2
                    .create_default_vpc()
                    .send()
                    .await
                    .during("creating the default VPC")?;
                let id = network::created(made.vpc().and_then(|v| v.vpc_id()), "CreateDefaultVpc")?;
                (id.to_string(), false)
            }
        };
        let found = VPC.read(ctx, std::slice::from_ref(&id)).await?.remove(&id);
        let found =
            found.ok_or_else(|| ProviderError::not_found(format!("default VPC {id} not found")))?;
        let planned = network::overlay(&found, planned, SETTABLE);
        Ok(adopted(&VPC.update(ctx, &found, &planned).await?, existing))
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let found = VPC.read(ctx, std::slice::from_ref(&id)).await?.remove(&id);
        let found =
            found.ok_or_else(|| ProviderError::not_found(format!("default VPC {id} not found")))?;
        let existing = obj::bool(prior, "existing_default_vpc").unwrap_or(true);
        Ok(adopted(
            &VPC.update(ctx, &found, &network::overlay(&found, planned, SETTABLE))
                .await?,
            existing,
        ))
    }

    /// Forgotten, never deleted.
    async fn delete(&self, _ctx: &Ctx, _prior: &Value) -> ProviderResult<()> {
        Ok(())
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
