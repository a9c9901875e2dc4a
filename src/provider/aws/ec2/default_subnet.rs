//! `aws_default_subnet`: the default subnet of an availability zone, adopted and brought to
//! the configuration (created with CreateDefaultSubnet only when the zone has none), never
//! deleted: destroying it forgets it. Everything else is `aws_subnet`'s.

use super::network;
use super::subnet::SUBNET;
use crate::provider::aws::kit::prelude::*;

pub struct DefaultSubnet;
pub static DEFAULT_SUBNET: DefaultSubnet = DefaultSubnet;

/// What the configuration may change on the adopted subnet.
const SETTABLE: &[&str] = &[
    "map_public_ip_on_launch",
    "assign_ipv6_address_on_creation",
    "ipv6_cidr_block",
    "enable_dns64",
    "enable_resource_name_dns_a_record_on_launch",
    "enable_resource_name_dns_aaaa_record_on_launch",
    "private_dns_hostname_type_on_launch",
    "map_customer_owned_ip_on_launch",
    "customer_owned_ipv4_pool",
    "tags",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The default subnet of an availability zone, adopted: never created (unless missing) nor deleted.";
        regional;
        id                        string output;
        arn                       string output;
        owner_id                  string output;
        vpc_id                    string output;
        cidr_block                string output;
        availability_zone         string required force_new;
        availability_zone_id      string output;
        map_public_ip_on_launch   bool   default(true);
        assign_ipv6_address_on_creation bool default(false);
        ipv6_cidr_block           string computed;
        ipv6_cidr_block_association_id string output;
        ipv6_native               bool   output;
        enable_dns64              bool   default(false);
        enable_resource_name_dns_a_record_on_launch bool default(false);
        enable_resource_name_dns_aaaa_record_on_launch bool default(false);
        private_dns_hostname_type_on_launch string computed one_of(&["ip-name", "resource-name"]);
        enable_lni_at_device_index number output;
        map_customer_owned_ip_on_launch bool computed;
        customer_owned_ipv4_pool  string;
        outpost_arn               string output;
        existing_default_subnet   bool   output "Whether the subnet existed before strata adopted it.";
        tags;
    }
});

fn adopted(subnet: &Value, existing: bool) -> Value {
    let mut v = network::project(&SCHEMA, subnet);
    if let Value::Map(m) = &mut v {
        m.insert("existing_default_subnet".into(), Value::Bool(existing));
    }
    v
}

impl DefaultSubnet {
    async fn found(&self, ctx: &Ctx, id: &str) -> ProviderResult<Value> {
        let found = SUBNET.read(ctx, &[id.to_string()]).await?.remove(id);
        found.ok_or_else(|| ProviderError::not_found(format!("default subnet {id} not found")))
    }
}

#[async_trait]
impl ResourceType for DefaultSubnet {
    named!("aws_default_subnet", SCHEMA);

    /// `aws_subnet`'s batched read.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = SUBNET.read(ctx, ids).await?;
        Ok(found
            .into_iter()
            .map(|(k, v)| (k, adopted(&v, true)))
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let zone = state::required(planned, "availability_zone", self.type_name())?;
        let ec2 = ctx.ec2();
        let call = ec2
            .describe_subnets()
            .filters(network::filter("default-for-az", &["true".into()]))
            .filters(network::filter(
                "availability-zone",
                std::slice::from_ref(&zone),
            ));
        let out = call
            .send()
            .await
            .during(&format!("finding the default subnet of {zone}"))?;
        let (id, existing) = match out.subnets().first().and_then(|s| s.subnet_id()) {
            Some(id) => (id.to_string(), true),
            None => {
                let made = ec2
                    .create_default_subnet()
                    .availability_zone(&zone)
                    .send()
                    .await;
                let made = made.during(&format!("creating the default subnet of {zone}"))?;
                let id = network::created(
                    made.subnet().and_then(|s| s.subnet_id()),
                    "CreateDefaultSubnet",
                )?;
                (id.to_string(), false)
            }
        };
        let found = self.found(ctx, &id).await?;
        let updated = SUBNET
            .update(ctx, &found, &network::overlay(&found, planned, SETTABLE))
            .await?;
        Ok(adopted(&updated, existing))
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let found = self.found(ctx, &id).await?;
        let existing = obj::bool(prior, "existing_default_subnet").unwrap_or(true);
        let updated = SUBNET
            .update(ctx, &found, &network::overlay(&found, planned, SETTABLE))
            .await?;
        Ok(adopted(&updated, existing))
    }

    /// Forgotten, never deleted.
    async fn delete(&self, _ctx: &Ctx, _prior: &Value) -> ProviderResult<()> {
        Ok(())
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
