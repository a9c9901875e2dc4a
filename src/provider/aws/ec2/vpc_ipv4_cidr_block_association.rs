//! `aws_vpc_ipv4_cidr_block_association`: a secondary IPv4 block of a VPC.

use super::network::{self, describe_filtered};
use super::vpc::cidr_v4;
use crate::provider::aws::kit::prelude::*;

pub struct VpcIpv4CidrBlockAssociation;
pub static VPC_IPV4_CIDR_BLOCK_ASSOCIATION: VpcIpv4CidrBlockAssociation =
    VpcIpv4CidrBlockAssociation;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A secondary IPv4 CIDR block of a VPC.";
        regional;
        id                  string output;
        vpc_id              string required force_new;
        cidr_block          string computed force_new check(cidr_v4);
        ipv4_ipam_pool_id   string force_new;
        ipv4_netmask_length number force_new;
        timeouts create(10) delete(10);
    }
});

/// The associations with these ids that are not gone, as state, in one DescribeVpcs; with
/// their state for the waits.
async fn associations(
    ctx: &Ctx,
    ids: &[String],
) -> ProviderResult<BTreeMap<String, (Value, String)>> {
    let vpcs = describe_filtered!(
        ctx,
        ids,
        "cidr-block-association.association-id",
        "VPCs",
        |c| c.describe_vpcs()
    );
    let mut out = BTreeMap::new();
    for v in &vpcs {
        for a in v.cidr_block_association_set() {
            let (Some(id), Some(state)) = (
                a.association_id(),
                a.cidr_block_state().and_then(|s| s.state()),
            ) else {
                continue;
            };
            if !ids.iter().any(|i| i == id) || matches!(state.as_str(), "disassociated" | "failed")
            {
                continue;
            }
            let value = Value::Map(object! {
                "id" => id,
                "vpc_id" => v.vpc_id(),
                "cidr_block" => a.cidr_block(),
            });
            out.insert(id.to_string(), (value, state.as_str().to_string()));
        }
    }
    Ok(out)
}

static WAITER: Waiter = Waiter {
    noun: "VPC CIDR block association",
    key: "aws_vpc_ipv4_cidr_block_association/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let found = associations(&ctx, &ids).await?;
            Ok(found
                .into_iter()
                .map(|(k, (_, s))| (k, wait::status_value(Some(&s), false)))
                .collect())
        })
    },
    pending: &["associating"],
    ready: &["associated"],
};

#[async_trait]
impl ResourceType for VpcIpv4CidrBlockAssociation {
    named!("aws_vpc_ipv4_cidr_block_association", SCHEMA, WAITER);

    /// One DescribeVpcs for all the associations.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = associations(ctx, &state::unique(ids)).await?;
        Ok(found
            .into_iter()
            .map(|(k, (v, _))| {
                (
                    k,
                    state::complete(&SCHEMA, v.as_map().cloned().unwrap_or_default()),
                )
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let vpc = state::required(planned, "vpc_id", self.type_name())?;
        let call = ctx
            .ec2()
            .associate_vpc_cidr_block()
            .vpc_id(&vpc)
            .set_cidr_block(obj::string(planned, "cidr_block"))
            .set_ipv4_ipam_pool_id(obj::string(planned, "ipv4_ipam_pool_id"))
            .set_ipv4_netmask_length(obj::i32(planned, "ipv4_netmask_length"));
        let out = call
            .send()
            .await
            .during(&format!("adding a CIDR block to {vpc}"))?;
        let id = out
            .cidr_block_association()
            .and_then(|a| a.association_id());
        let id = network::created(id, "AssociateVpcCidrBlock")?;
        lifecycle::ready_after_create(self, &WAITER, ctx, id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        state::read_back(ctx, &VPC_IPV4_CIDR_BLOCK_ASSOCIATION, &id, planned).await
    }

    /// Disassociated, then waited for until AWS has let the block go.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx.ec2().disassociate_vpc_cidr_block().association_id(&id);
        let sent = call
            .send()
            .await
            .during(&format!("removing CIDR block association {id}"));
        let timeout = SCHEMA.timeout(prior, "delete");
        WAITER
            .gone_after_sent(
                sent,
                &["InvalidVpcCidrBlockAssociationID.NotFound"],
                ctx,
                &id,
                timeout,
            )
            .await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
