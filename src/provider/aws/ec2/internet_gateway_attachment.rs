//! `aws_internet_gateway_attachment`: an internet gateway attached to a VPC, for a gateway
//! whose `aws_internet_gateway` leaves `vpc_id` unset. Its id is the provider's,
//! `igw-…:vpc-…` (what `strata import` takes too). A create waits through `attaching` until
//! the attachment is `available`; a delete detaches (retried while the VPC still maps public
//! addresses, as `aws_internet_gateway` does) and waits until the attachment is gone.

use super::internet_gateway;
use super::network::describe_filtered;
use crate::provider::aws::kit::prelude::*;

pub struct InternetGatewayAttachment;
pub static INTERNET_GATEWAY_ATTACHMENT: InternetGatewayAttachment = InternetGatewayAttachment;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The attachment of an internet gateway to a VPC.";
        regional;
        id                  string output "INTERNET_GATEWAY_ID:VPC_ID.";
        internet_gateway_id string required force_new;
        vpc_id              string required force_new;
        timeouts create(20) delete(20);
    }
});

/// The gateway and VPC an id names (`igw-…:vpc-…`).
fn parts(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
        .filter(|(g, v)| !g.is_empty() && !v.is_empty() && !v.contains(':'))
}

/// The attachments of the gateways the ids name, in one DescribeInternetGateways: the
/// attachment state by id.
async fn attachments(ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, String>> {
    let gateways: Vec<String> = state::unique(
        &ids.iter()
            .filter_map(|i| parts(i).map(|(g, _)| g.to_string()))
            .collect::<Vec<_>>(),
    );
    let found = describe_filtered!(
        ctx,
        gateways,
        "internet-gateway-id",
        "internet gateways",
        |c| c.describe_internet_gateways()
    );
    let mut out = BTreeMap::new();
    for g in &found {
        let gateway = g.internet_gateway_id().unwrap_or_default();
        for a in g.attachments() {
            let id = format!("{gateway}:{}", a.vpc_id().unwrap_or_default());
            if ids.contains(&id) {
                out.insert(
                    id,
                    a.state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                );
            }
        }
    }
    Ok(out)
}

/// attaching → available after an attach; gone after a detach.
static WAITER: Waiter = Waiter {
    noun: "internet gateway attachment",
    key: "aws_internet_gateway_attachment/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let found = attachments(&ctx, &ids).await?;
            Ok(found
                .into_iter()
                .map(|(id, s)| (id, wait::status_value(Some(&s), false)))
                .collect())
        })
    },
    pending: &["attaching"],
    ready: &["available"],
};

fn id_problem(id: &str) -> ProviderError {
    ProviderError::new(format!(
        "\"{id}\" is not an internet gateway attachment id: use INTERNET_GATEWAY_ID:VPC_ID (e.g. igw-0123:vpc-0456)"
    ))
}

#[async_trait]
impl ResourceType for InternetGatewayAttachment {
    named!("aws_internet_gateway_attachment", SCHEMA, WAITER);

    /// One DescribeInternetGateways for all the attachments; a detached one is absent.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = attachments(ctx, ids).await?;
        Ok(found
            .into_iter()
            .filter(|(_, s)| s != "detaching" && s != "detached")
            .filter_map(|(id, _)| {
                let (gateway, vpc) = parts(&id)?;
                let state = object! { "id" => id.as_str(), "internet_gateway_id" => gateway, "vpc_id" => vpc };
                Some((id.clone(), Value::Map(state)))
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let gateway = state::required(planned, "internet_gateway_id", self.type_name())?;
        let vpc = state::required(planned, "vpc_id", self.type_name())?;
        internet_gateway::attach(ctx, &gateway, &vpc).await?;
        let id = format!("{gateway}:{vpc}");
        lifecycle::ready_after_create(self, &WAITER, ctx, &id, planned).await
    }

    /// Every argument replaces: nothing changes in place.
    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        state::read_back(ctx, &INTERNET_GATEWAY_ATTACHMENT, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let (gateway, vpc) = parts(&id).ok_or_else(|| id_problem(&id))?;
        let limit = SCHEMA.timeout(prior, "delete");
        internet_gateway::detach(ctx, gateway, vpc, limit).await?;
        WAITER.gone(ctx, &id, limit).await
    }

    /// `IGW:VPC`, as the provider's import takes it.
    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        parts(id).ok_or_else(|| id_problem(id))?;
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    /// The id is known before the attach, so an attach whose answer was lost is found again.
    fn natural_id(&self, planned: &Value) -> Option<String> {
        let gateway = obj::str(planned, "internet_gateway_id")?;
        Some(format!("{gateway}:{}", obj::str(planned, "vpc_id")?))
    }
}
