//! `aws_internet_gateway`: an internet gateway, attached to `vpc_id` when one is given (moved
//! by a detach and an attach when it changes). A detach is refused with DependencyViolation
//! while the VPC has public addresses mapped (a NAT gateway's, an instance's): retried, as the
//! provider does, so a destroy that deletes those first goes through in one run.

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{InternetGateway as SdkGateway, ResourceType as Ec2Kind};

pub struct InternetGateway;
pub static INTERNET_GATEWAY: InternetGateway = InternetGateway;

const GONE: &[&str] = &["InvalidInternetGatewayID.NotFound"];

/// What a detach answers when the gateway is not (or no longer) attached to the VPC.
const NOT_ATTACHED: &[&str] = &["Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An internet gateway, attached to a VPC when vpc_id is set.";
        regional;
        id       string output;
        arn      string output;
        owner_id string output;
        vpc_id   string computed "The VPC to attach to; a change detaches and attaches (unset: as attached elsewhere, e.g. by aws_internet_gateway_attachment).";
        tags;
        timeouts create(20) update(20) delete(20);
    }
});

pub(super) fn state_of(ctx: &Ctx, g: &SdkGateway) -> Value {
    let (id, owner) = (
        g.internet_gateway_id().unwrap_or_default(),
        g.owner_id().unwrap_or_default(),
    );
    let m = object! {
        "id" => id,
        "arn" => network::arn(ctx, owner, "internet-gateway", id),
        "owner_id" => owner,
        "vpc_id" => g.attachments().first().and_then(|a| a.vpc_id()),
    };
    network::with_tags(ctx, m, g.tags())
}

/// Attaches gateway `id` to `vpc`.
pub async fn attach(ctx: &Ctx, id: &str, vpc: &str) -> ProviderResult<()> {
    let call = ctx
        .ec2()
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc);
    network::send(
        call.send(),
        &format!("attaching internet gateway {id} to {vpc}"),
    )
    .await
}

/// Detaches gateway `id` from `vpc`, again while the VPC still maps public addresses (for up
/// to `retry_for`); a gateway no longer attached is detached.
pub async fn detach(ctx: &Ctx, id: &str, vpc: &str, retry_for: Duration) -> ProviderResult<()> {
    let call = || async {
        let call = ctx
            .ec2()
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc);
        network::send(
            call.send(),
            &format!("detaching internet gateway {id} from {vpc}"),
        )
        .await
    };
    let what = format!("internet gateway {id} (detaching from {vpc})");
    network::retry_while_in_use(ctx, &what, retry_for, NOT_ATTACHED, call).await
}

#[async_trait]
impl ResourceType for InternetGateway {
    named!("aws_internet_gateway", SCHEMA);

    /// One DescribeInternetGateways for all the gateways.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let found = describe_filtered!(ctx, ids, "internet-gateway-id", "internet gateways", |c| c
            .describe_internet_gateways());
        Ok(state::by_id(
            found,
            |g| g.internet_gateway_id(),
            |g| state_of(ctx, &g),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let call = ctx
            .ec2()
            .create_internet_gateway()
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::InternetGateway));
        let out = call.send().await.during("creating internet gateway")?;
        let id = network::created(
            out.internet_gateway().and_then(|g| g.internet_gateway_id()),
            "CreateInternetGateway",
        )?
        .to_string();
        if let Some(vpc) = obj::str(planned, "vpc_id") {
            attach(ctx, &id, vpc).await?;
        }
        state::read_back(ctx, &INTERNET_GATEWAY, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        if modify::differs(prior, planned, "vpc_id") {
            if let Some(old) = obj::str(prior, "vpc_id") {
                detach(ctx, &id, old, SCHEMA.timeout(planned, "update")).await?;
            }
            if let Some(new) = obj::str(planned, "vpc_id") {
                attach(ctx, &id, new).await?;
            }
        }
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Detached first (retried while the VPC maps public addresses), then deleted (retried
    /// while AWS still counts it in use).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let limit = SCHEMA.timeout(prior, "delete");
        if let Some(vpc) = obj::str(prior, "vpc_id") {
            detach(ctx, &id, vpc, limit).await?;
        }
        let call = || {
            ctx.ec2()
                .delete_internet_gateway()
                .internet_gateway_id(&id)
                .send()
        };
        network::delete_while_in_use(ctx, &format!("internet gateway {id}"), limit, GONE, call)
            .await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
