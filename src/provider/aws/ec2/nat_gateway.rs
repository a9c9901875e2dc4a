//! `aws_nat_gateway`: a NAT gateway in a subnet, public (with an Elastic IP) or private.
//! Created `pending` and usable once `available`; a delete waits through `deleting` until
//! `deleted`, because until then the gateway still holds its address and its interface in the
//! subnet: the EIP's release and the subnet's delete that follow would be refused.

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{ConnectivityType, NatGateway as SdkGateway, ResourceType as Ec2Kind};

pub struct NatGateway;
pub static NAT_GATEWAY: NatGateway = NatGateway;

const GONE: &[&str] = &["NatGatewayNotFound", "InvalidNatGatewayID.NotFound"];

pub(super) static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A NAT gateway.";
        regional;
        id                   string output;
        allocation_id        string force_new "The Elastic IP of a public gateway.";
        subnet_id            string required force_new;
        connectivity_type    string default("public") force_new one_of(&["public", "private"]);
        private_ip           string computed force_new;
        association_id       string output;
        network_interface_id string output;
        public_ip            string output;
        tags;
        timeouts create(10) update(10) delete(30);
    }
});

/// The gateways found, deleted ones left out (AWS lists them for an hour after).
async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkGateway>> {
    let found = describe_filtered!(
        ctx,
        ids,
        "nat-gateway-id",
        "NAT gateways",
        |c| c.describe_nat_gateways(),
        filter
    );
    Ok(found
        .into_iter()
        .filter(|g| g.state().is_none_or(|s| s.as_str() != "deleted"))
        .collect())
}

/// Pending → available after a create; deleting → gone after a delete.
static WAITER: Waiter = Waiter {
    noun: "NAT gateway",
    key: "aws_nat_gateway/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let found = describe(&ctx, &ids).await?;
            let state = |g: &SdkGateway| wait::status_value(g.state().map(|s| s.as_str()), false);
            Ok(found
                .iter()
                .filter_map(|g| Some((g.nat_gateway_id()?.to_string(), state(g))))
                .collect())
        })
    },
    pending: &["pending"],
    ready: &["available"],
};

pub(super) fn state_of(ctx: &Ctx, g: &SdkGateway) -> Value {
    let addresses = g.nat_gateway_addresses();
    let primary = addresses
        .iter()
        .find(|a| a.is_primary() == Some(true))
        .or(addresses.first());
    let m = object! {
        "id" => g.nat_gateway_id(),
        "allocation_id" => primary.and_then(|a| a.allocation_id()),
        "subnet_id" => g.subnet_id(),
        "connectivity_type" => g.connectivity_type().map(|c| c.as_str()),
        "private_ip" => primary.and_then(|a| a.private_ip()),
        "association_id" => primary.and_then(|a| a.association_id()),
        "network_interface_id" => primary.and_then(|a| a.network_interface_id()),
        "public_ip" => primary.and_then(|a| a.public_ip()),
    };
    network::with_tags(ctx, m, g.tags())
}

#[async_trait]
impl ResourceType for NatGateway {
    named!("aws_nat_gateway", SCHEMA, WAITER);

    /// One DescribeNatGateways for all the gateways.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = describe(ctx, &state::unique(ids)).await?;
        Ok(state::by_id(
            found,
            |g| g.nat_gateway_id(),
            |g| state_of(ctx, &g),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let connectivity = obj::str(planned, "connectivity_type").map(ConnectivityType::from);
        let call = ctx
            .ec2()
            .create_nat_gateway()
            .set_subnet_id(obj::string(planned, "subnet_id"))
            .set_allocation_id(obj::string(planned, "allocation_id"))
            .set_connectivity_type(connectivity)
            .set_private_ip_address(obj::string(planned, "private_ip"))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::Natgateway));
        let out = call.send().await.during("creating NAT gateway")?;
        let id = network::created(
            out.nat_gateway().and_then(|g| g.nat_gateway_id()),
            "CreateNatGateway",
        )?;
        lifecycle::ready_after_create(self, &WAITER, ctx, id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Deleted, then waited for until `deleted` (its address and interface let go).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx.ec2().delete_nat_gateway().nat_gateway_id(&id);
        let sent = call
            .send()
            .await
            .during(&format!("deleting NAT gateway {id}"));
        let timeout = SCHEMA.timeout(prior, "delete");
        WAITER.gone_after_sent(sent, GONE, ctx, &id, timeout).await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
