//! `aws_customer_gateway`: the on-premises end of a site-to-site VPN, as AWS knows it. Every
//! argument but the tags replaces it. `pending` → `available` after a create; a deleted one
//! is listed `deleted` for a while, which counts as gone.

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{CustomerGateway as SdkGateway, GatewayType, ResourceType as Ec2Kind};

pub struct CustomerGateway;
pub static CUSTOMER_GATEWAY: CustomerGateway = CustomerGateway;

const GONE: &[&str] = &["InvalidCustomerGatewayID.NotFound"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A customer gateway (the on-premises end of a site-to-site VPN).";
        regional;
        id               string output;
        arn              string output;
        bgp_asn          string force_new exactly_one_of(&["bgp_asn_extended"]) check(|v| asn_problem(v, 1, 2_147_483_647)) "The device's BGP ASN, 1 to 2147483647.";
        bgp_asn_extended string force_new check(|v| asn_problem(v, 2_147_483_648, 4_294_967_294)) "A BGP ASN over 2147483647.";
        certificate_arn  string force_new;
        device_name      string force_new;
        ip_address       string force_new "The device's static public IPv4 address.";
        type             string required force_new one_of(&["ipsec.1"]);
        tags;
    }
});

/// A BGP ASN between `min` and `max`.
fn asn_problem(v: &Value, min: u64, max: u64) -> Option<String> {
    let s = v.as_str()?;
    match s.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => None,
        _ => Some(format!("\"{s}\" is not a BGP ASN from {min} to {max}")),
    }
}

/// The gateways found, deleted ones left out.
async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkGateway>> {
    let found = describe_filtered!(ctx, ids, "customer-gateway-id", "customer gateways", |c| c
        .describe_customer_gateways(), unpaged customer_gateways);
    Ok(found
        .into_iter()
        .filter(|g| g.state() != Some("deleted"))
        .collect())
}

/// pending → available after a create; deleting → gone after a delete.
static WAITER: Waiter = Waiter {
    noun: "customer gateway",
    key: "aws_customer_gateway/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let found = describe(&ctx, &ids).await?;
            Ok(found
                .iter()
                .filter_map(|g| {
                    let id = g.customer_gateway_id()?.to_string();
                    Some((id, wait::status_value(g.state(), false)))
                })
                .collect())
        })
    },
    pending: &["pending"],
    ready: &["available"],
};

fn state_of(ctx: &Ctx, account: &str, g: &SdkGateway) -> Value {
    let id = g.customer_gateway_id().unwrap_or_default();
    let m = object! {
        "id" => id,
        "arn" => network::arn(ctx, account, "customer-gateway", id),
        "bgp_asn" => g.bgp_asn(),
        "bgp_asn_extended" => g.bgp_asn_extended(),
        "certificate_arn" => g.certificate_arn(),
        "device_name" => g.device_name(),
        "ip_address" => g.ip_address(),
        "type" => g.r#type(),
    };
    network::with_tags(ctx, m, g.tags())
}

#[async_trait]
impl ResourceType for CustomerGateway {
    named!("aws_customer_gateway", SCHEMA, WAITER);

    /// One DescribeCustomerGateways for all the gateways.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let found = describe(ctx, &ids).await?;
        network::states_in_account(ctx, found, |g| g.customer_gateway_id(), state_of).await
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let number = |k: &str| obj::str(planned, k).and_then(|s| s.parse::<i64>().ok());
        let call = ctx
            .ec2()
            .create_customer_gateway()
            .r#type(GatewayType::from(
                obj::str(planned, "type").unwrap_or("ipsec.1"),
            ))
            .set_bgp_asn(number("bgp_asn").map(|n| n as i32))
            .set_bgp_asn_extended(number("bgp_asn_extended"))
            .set_ip_address(obj::string(planned, "ip_address"))
            .set_certificate_arn(obj::string(planned, "certificate_arn"))
            .set_device_name(obj::string(planned, "device_name"))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::CustomerGateway));
        let out = call.send().await.during("creating customer gateway")?;
        let id = network::created(
            out.customer_gateway().and_then(|g| g.customer_gateway_id()),
            "CreateCustomerGateway",
        )?;
        lifecycle::ready_after_create(self, &WAITER, ctx, id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Deleted, then waited for until `deleted`.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx.ec2().delete_customer_gateway().customer_gateway_id(&id);
        let sent = call
            .send()
            .await
            .during(&format!("deleting customer gateway {id}"));
        let timeout = Duration::from_secs(5 * 60);
        WAITER.gone_after_sent(sent, GONE, ctx, &id, timeout).await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn asns_are_in_their_range() {
        let problem = |s: &str, min, max| super::asn_problem(&s.into(), min, max);
        assert!(problem("65000", 1, 2_147_483_647).is_none());
        assert!(problem("0", 1, 2_147_483_647).is_some());
        assert!(problem("2147483648", 2_147_483_648, 4_294_967_294).is_none());
        assert!(problem("65000", 2_147_483_648, 4_294_967_294).is_some());
    }
}
