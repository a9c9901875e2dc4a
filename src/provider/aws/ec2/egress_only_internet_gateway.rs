//! `aws_egress_only_internet_gateway`: outbound-only IPv6 access for a VPC.

use super::network;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{EgressOnlyInternetGateway as SdkGateway, ResourceType as Ec2Kind};

pub struct EgressOnlyInternetGateway;
pub static EGRESS_ONLY_INTERNET_GATEWAY: EgressOnlyInternetGateway = EgressOnlyInternetGateway;

const GONE: &[&str] = &[
    "InvalidEgressOnlyInternetGatewayId.NotFound",
    "InvalidGatewayID.NotFound",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An egress-only internet gateway (outbound IPv6).";
        regional;
        id     string output;
        vpc_id string required force_new;
        tags;
    }
});

fn state_of(ctx: &Ctx, g: &SdkGateway) -> Value {
    let m = object! {
        "id" => g.egress_only_internet_gateway_id(),
        "vpc_id" => g.attachments().first().and_then(|a| a.vpc_id()),
    };
    network::with_tags(ctx, m, g.tags())
}

#[async_trait]
impl ResourceType for EgressOnlyInternetGateway {
    named!("aws_egress_only_internet_gateway", SCHEMA);

    /// One DescribeEgressOnlyInternetGateways by id list (the API has no id filter); should
    /// one id be gone and AWS refuse the list, each id is read on its own.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let describe = |ids: Vec<String>| async move {
            let call = ctx
                .ec2()
                .describe_egress_only_internet_gateways()
                .set_egress_only_internet_gateway_ids(Some(ids));
            let out = call
                .send()
                .await
                .during("describing egress-only internet gateways");
            Ok(unless(out, GONE)?
                .and_then(|o| o.egress_only_internet_gateways)
                .unwrap_or_default())
        };
        let found = describe(ids.clone()).await?;
        // AWS refuses the whole list when one id is gone: then each is read on its own.
        let found: Vec<SdkGateway> = if found.is_empty() && ids.len() > 1 {
            read_each(ids.clone(), |id| describe(vec![id]))
                .await?
                .into_values()
                .flatten()
                .collect()
        } else {
            found
        };
        let wanted = found.into_iter().filter(|g| {
            g.egress_only_internet_gateway_id()
                .is_some_and(|i| ids.iter().any(|w| w == i))
        });
        Ok(state::by_id(
            wanted,
            |g| g.egress_only_internet_gateway_id(),
            |g| state_of(ctx, &g),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let call = ctx
            .ec2()
            .create_egress_only_internet_gateway()
            .set_vpc_id(obj::string(planned, "vpc_id"))
            .set_tag_specifications(network::create_tags(
                ctx,
                planned,
                Ec2Kind::EgressOnlyInternetGateway,
            ));
        let out = call
            .send()
            .await
            .during("creating egress-only internet gateway")?;
        let id = out
            .egress_only_internet_gateway()
            .and_then(|g| g.egress_only_internet_gateway_id());
        let id = network::created(id, "CreateEgressOnlyInternetGateway")?.to_string();
        state::read_back(ctx, &EGRESS_ONLY_INTERNET_GATEWAY, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx
            .ec2()
            .delete_egress_only_internet_gateway()
            .egress_only_internet_gateway_id(&id);
        let sent = call
            .send()
            .await
            .during(&format!("deleting egress-only internet gateway {id}"));
        unless(sent, GONE).map(drop)
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
