//! `aws_vpn_gateway`: a virtual private gateway (the VPN end of a VPC), attached to `vpc_id`
//! when one is given. As the provider does, a change of `vpc_id` detaches the gateway (waiting
//! until `detached`) and attaches it to the new VPC (waiting until `attached`), and a delete
//! detaches it first. `available` after a create; a deleted gateway is listed `deleted` for a
//! while, which counts as gone. The attachment helpers are `aws_vpn_gateway_attachment`'s too.

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{GatewayType, ResourceType as Ec2Kind, VpnGateway as SdkGateway};

pub struct VpnGateway;
pub static VPN_GATEWAY: VpnGateway = VpnGateway;

const GONE: &[&str] = &["InvalidVpnGatewayID.NotFound"];

/// What a detach answers when the gateway is not (or no longer) attached to the VPC.
const NOT_ATTACHED: &[&str] = &[
    "InvalidVpnGatewayAttachment.NotFound",
    "InvalidVpnGatewayID.NotFound",
];

/// What a delete answers while the gateway is still detaching.
const DETACHING: &[&str] = &["IncorrectState"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A virtual private gateway, attached to a VPC when vpc_id is set.";
        regional;
        id                string output;
        arn               string output;
        amazon_side_asn   string computed force_new check(asn_problem) "The Amazon side's private ASN (AWS picks 64512 when unset).";
        availability_zone string force_new;
        vpc_id            string "The VPC to attach to; a change detaches and attaches.";
        tags;
        timeouts create(10) update(10) delete(10);
    }
});

/// A private ASN AWS accepts for its side: 64512–65534 or 4200000000–4294967294.
fn asn_problem(v: &Value) -> Option<String> {
    let s = v.as_str()?;
    match s.parse::<u64>() {
        Ok(n) if (64512..=65534).contains(&n) || (4_200_000_000..=4_294_967_294).contains(&n) => {
            None
        }
        _ => Some(format!(
            "\"{s}\" is not a private ASN: use 64512 to 65534 or 4200000000 to 4294967294"
        )),
    }
}

/// The gateways found, deleted ones left out (AWS lists them for a while after).
pub(super) async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkGateway>> {
    let found = describe_filtered!(ctx, ids, "vpn-gateway-id", "VPN gateways", |c| c
        .describe_vpn_gateways(), unpaged vpn_gateways);
    Ok(found
        .into_iter()
        .filter(|g| g.state().is_none_or(|s| s.as_str() != "deleted"))
        .collect())
}

/// pending → available after a create; deleting → gone after a delete.
static WAITER: Waiter = Waiter {
    noun: "VPN gateway",
    key: "aws_vpn_gateway/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let found = describe(&ctx, &ids).await?;
            let state = |g: &SdkGateway| wait::status_value(g.state().map(|s| s.as_str()), false);
            Ok(found
                .iter()
                .filter_map(|g| Some((g.vpn_gateway_id()?.to_string(), state(g))))
                .collect())
        })
    },
    pending: &["pending"],
    ready: &["available"],
};

/// The state of the gateway's attachment to `vpc` (`attaching`, `attached`, `detaching`,
/// `detached`), `None` when it has none.
pub(super) fn attachment_state<'a>(g: &'a SdkGateway, vpc: &str) -> Option<&'a str> {
    g.vpc_attachments()
        .iter()
        .find(|a| a.vpc_id() == Some(vpc))
        .and_then(|a| a.state())
        .map(|s| s.as_str())
}

/// The VPC the gateway is attached (or attaching) to.
fn attached_vpc(g: &SdkGateway) -> Option<&str> {
    g.vpc_attachments()
        .iter()
        .find(|a| {
            a.state()
                .is_some_and(|s| matches!(s.as_str(), "attached" | "attaching"))
        })
        .and_then(|a| a.vpc_id())
}

fn state_of(ctx: &Ctx, account: &str, g: &SdkGateway) -> Value {
    let id = g.vpn_gateway_id().unwrap_or_default();
    let m = object! {
        "id" => id,
        "arn" => network::arn(ctx, account, "vpn-gateway", id),
        "amazon_side_asn" => g.amazon_side_asn().map(|n| n.to_string()),
        "availability_zone" => g.availability_zone(),
        "vpc_id" => attached_vpc(g),
    };
    network::with_tags(ctx, m, g.tags())
}

/// Waits until gateway `id`'s attachment to `vpc` is in one of `done` (an attachment that is
/// absent counts as `detached`).
async fn wait_attachment(
    ctx: &Ctx,
    id: &str,
    vpc: &str,
    done: &'static str,
    timeout: Duration,
) -> ProviderResult<()> {
    let what = format!("VPN gateway {id} to be {done} to/from {vpc}");
    let ids = [id.to_string()];
    ctx.wait_until(&what, timeout, || async {
        let found = describe(ctx, &ids).await?;
        let state = found
            .first()
            .and_then(|g| attachment_state(g, vpc))
            .unwrap_or("detached");
        Ok(state == done)
    })
    .await
}

/// Attaches gateway `id` to `vpc` and waits until the attachment is `attached`.
pub(super) async fn attach(
    ctx: &Ctx,
    id: &str,
    vpc: &str,
    timeout: Duration,
) -> ProviderResult<()> {
    let call = ctx
        .ec2()
        .attach_vpn_gateway()
        .vpn_gateway_id(id)
        .vpc_id(vpc);
    network::send(call.send(), &format!("attaching VPN gateway {id} to {vpc}")).await?;
    wait_attachment(ctx, id, vpc, "attached", timeout).await
}

/// Detaches gateway `id` from `vpc` and waits until it is `detached`; a gateway no longer
/// attached is detached.
pub(super) async fn detach(
    ctx: &Ctx,
    id: &str,
    vpc: &str,
    timeout: Duration,
) -> ProviderResult<()> {
    let call = ctx
        .ec2()
        .detach_vpn_gateway()
        .vpn_gateway_id(id)
        .vpc_id(vpc);
    let sent = call
        .send()
        .await
        .during(&format!("detaching VPN gateway {id} from {vpc}"));
    if unless(sent, NOT_ATTACHED)?.is_none() {
        return Ok(());
    }
    wait_attachment(ctx, id, vpc, "detached", timeout).await
}

#[async_trait]
impl ResourceType for VpnGateway {
    named!("aws_vpn_gateway", SCHEMA, WAITER);

    /// One DescribeVpnGateways for all the gateways.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let found = describe(ctx, &ids).await?;
        network::states_in_account(ctx, found, |g| g.vpn_gateway_id(), state_of).await
    }

    /// Created and waited for until `available`, then attached to `vpc_id` (waited for until
    /// `attached`).
    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let asn = obj::str(planned, "amazon_side_asn").and_then(|a| a.parse::<i64>().ok());
        let call = ctx
            .ec2()
            .create_vpn_gateway()
            .r#type(GatewayType::Ipsec1)
            .set_availability_zone(obj::string(planned, "availability_zone"))
            .set_amazon_side_asn(asn)
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::VpnGateway));
        let out = call.send().await.during("creating VPN gateway")?;
        let id = network::created(
            out.vpn_gateway().and_then(|g| g.vpn_gateway_id()),
            "CreateVpnGateway",
        )?
        .to_string();
        let timeout = SCHEMA.timeout(planned, "create");
        WAITER.ready(ctx, &id, timeout).await?;
        if let Some(vpc) = obj::str(planned, "vpc_id") {
            attach(ctx, &id, vpc, timeout).await?;
        }
        state::read_back(ctx, &VPN_GATEWAY, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        if modify::differs(prior, planned, "vpc_id") {
            let timeout = SCHEMA.timeout(planned, "update");
            if let Some(old) = obj::str(prior, "vpc_id") {
                detach(ctx, &id, old, timeout).await?;
            }
            if let Some(new) = obj::str(planned, "vpc_id") {
                attach(ctx, &id, new, timeout).await?;
            }
        }
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Detached first (waited for), then deleted (again while AWS still sees it detaching),
    /// then waited for until gone.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let limit = SCHEMA.timeout(prior, "delete");
        if let Some(vpc) = obj::str(prior, "vpc_id") {
            detach(ctx, &id, vpc, limit).await?;
        }
        let call = || async {
            let call = ctx.ec2().delete_vpn_gateway().vpn_gateway_id(&id);
            network::send(call.send(), &format!("deleting VPN gateway {id}")).await
        };
        let what = format!("VPN gateway {id} to be detached");
        if lifecycle::delete(ctx, &what, limit, |e| e.is(DETACHING), GONE, call).await? {
            WAITER.gone(ctx, &id, limit).await?;
        }
        Ok(())
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amazon_side_asns_are_private_ones() {
        let problem = |s: &str| super::asn_problem(&s.into());
        assert!(problem("64512").is_none());
        assert!(problem("4200000000").is_none());
        assert!(problem("65535").is_some());
        assert!(problem("7224").is_some());
        assert!(problem("asn").is_some());
    }
}
