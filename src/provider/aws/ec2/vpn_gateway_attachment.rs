//! `aws_vpn_gateway_attachment`: a VPN gateway attached to a VPC, waited for until `attached`
//! (and, on delete, `detached`). Its id is the provider's (`vpn-attachment-` + a hash of VPC
//! and gateway), which names nothing: it is refreshed from the prior object (`read_prior`).
//! The provider has no import; `strata import` takes `VPN_GATEWAY_ID/VPC_ID`.

use super::vpn_gateway;
use crate::provider::aws::kit::naming::hashcode;
use crate::provider::aws::kit::prelude::*;

pub struct VpnGatewayAttachment;
pub static VPN_GATEWAY_ATTACHMENT: VpnGatewayAttachment = VpnGatewayAttachment;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The attachment of a VPN gateway to a VPC.";
        regional;
        id             string output;
        vpc_id         string required force_new;
        vpn_gateway_id string required force_new;
    }
});

/// terraform-provider-aws gives an attachment no timeouts of its own: its waits take
/// up to this long.
const WAIT: Duration = Duration::from_secs(15 * 60);

/// The provider's id of the attachment of `gateway` to `vpc`.
fn attachment_id(gateway: &str, vpc: &str) -> String {
    format!("vpn-attachment-{:x}", hashcode(&format!("{vpc}-{gateway}")))
}

/// (gateway, VPC) of an import id `vgw-…/vpc-…`.
fn import_key(id: &str) -> Option<(String, String)> {
    let (gateway, vpc) = id.split_once('/')?;
    (gateway.starts_with("vgw-") && vpc.starts_with("vpc-"))
        .then(|| (gateway.to_string(), vpc.to_string()))
}

/// (gateway, VPC) of an attachment object.
fn key_of(v: &Value) -> Option<(String, String)> {
    Some((obj::string(v, "vpn_gateway_id")?, obj::string(v, "vpc_id")?))
}

/// The attachments among `keys` that AWS has `attached` (or `attaching`), as state objects:
/// one DescribeVpnGateways of all their gateways.
async fn find(ctx: &Ctx, keys: &[(String, String)]) -> ProviderResult<Vec<Value>> {
    let gateways: Vec<String> =
        state::unique(&keys.iter().map(|k| k.0.clone()).collect::<Vec<_>>());
    if gateways.is_empty() {
        return Ok(Vec::new());
    }
    let found = vpn_gateway::describe(ctx, &gateways).await?;
    let live = |(gateway, vpc): &(String, String)| {
        let g = found.iter().find(|g| g.vpn_gateway_id() == Some(gateway))?;
        let state = vpn_gateway::attachment_state(g, vpc)?;
        matches!(state, "attached" | "attaching").then(|| {
            Value::Map(object! {
                "id" => attachment_id(gateway, vpc),
                "vpc_id" => vpc.as_str(),
                "vpn_gateway_id" => gateway.as_str(),
            })
        })
    };
    Ok(keys.iter().filter_map(live).collect())
}

#[async_trait]
impl ResourceType for VpnGatewayAttachment {
    named!("aws_vpn_gateway_attachment", SCHEMA);

    /// Import ids only (`vgw-…/vpc-…`): an attachment id is a hash that names nothing.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let keyed: Vec<(String, (String, String))> = ids
            .iter()
            .filter_map(|i| Some((i.clone(), import_key(i)?)))
            .collect();
        let keys: Vec<_> = keyed.iter().map(|(_, k)| k.clone()).collect();
        let found = find(ctx, &keys).await?;
        Ok(keyed
            .into_iter()
            .filter_map(|(id, key)| {
                let f = found.iter().find(|f| key_of(f).as_ref() == Some(&key))?;
                Some((id, f.clone()))
            })
            .collect())
    }

    /// One DescribeVpnGateways of all the attachments' gateways.
    async fn read_prior(
        &self,
        ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let keys: Vec<_> = prior.iter().filter_map(key_of).collect();
        let found = find(ctx, &keys).await?;
        Ok(prior
            .iter()
            .filter_map(|p| {
                let f = found.iter().find(|f| key_of(f) == key_of(p))?;
                Some((obj::string(p, "id")?, f.clone()))
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let (gateway, vpc) = key_of(planned).ok_or_else(|| {
            ProviderError::new(
                "aws_vpn_gateway_attachment: vpc_id and vpn_gateway_id must be known",
            )
        })?;
        vpn_gateway::attach(ctx, &gateway, &vpc, WAIT).await?;
        let found = find(ctx, &[(gateway.clone(), vpc.clone())]).await?;
        found.into_iter().next().ok_or_else(|| {
            ProviderError::not_found(format!(
                "VPN gateway {gateway} attached to {vpc}, but AWS does not show the attachment"
            ))
        })
    }

    /// Every argument replaces the attachment.
    async fn update(&self, _ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        Ok(planned.clone())
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let Some((gateway, vpc)) = key_of(prior) else {
            return Ok(());
        };
        vpn_gateway::detach(ctx, &gateway, &vpc, WAIT).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if import_key(id).is_none() {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a VPN gateway attachment import id: use VPN_GATEWAY_ID/VPC_ID (vgw-0123/vpc-0456)"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_the_providers() {
        // "vpn-attachment-" + the CRC-32 of "VPC-GATEWAY" in hex, as the provider makes it.
        assert_eq!(
            super::attachment_id("vgw-1", "vpc-1"),
            "vpn-attachment-c9cb20f9"
        );
        assert_eq!(
            super::import_key("vgw-1/vpc-2"),
            Some(("vgw-1".to_string(), "vpc-2".to_string()))
        );
        assert_eq!(super::import_key("vpc-2/vgw-1"), None);
    }
}
