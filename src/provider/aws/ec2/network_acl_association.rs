//! `aws_network_acl_association`: the network ACL of one subnet. A subnet always has exactly
//! one ACL: delete moves it back to its VPC's default ACL, as the provider does.

use super::network::describe_filtered;
use super::network_acl_model as model;
use crate::provider::aws::kit::prelude::*;

pub struct NetworkAclAssociation;
pub static NETWORK_ACL_ASSOCIATION: NetworkAclAssociation = NetworkAclAssociation;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The network ACL of a subnet.";
        regional;
        id             string output;
        subnet_id      string required force_new;
        network_acl_id string required force_new;
    }
});

/// The subnet associations of the ACLs `filter` = `values` finds, as state.
async fn find(ctx: &Ctx, filter: &str, values: &[String]) -> ProviderResult<Vec<Value>> {
    let acls = describe_filtered!(ctx, values, filter, "network ACLs", |c| c
        .describe_network_acls());
    let associations = acls.iter().flat_map(|a| a.associations());
    Ok(associations
        .map(|a| {
            Value::Map(object! {
                "id" => a.network_acl_association_id(),
                "subnet_id" => a.subnet_id(),
                "network_acl_id" => a.network_acl_id(),
            })
        })
        .collect())
}

#[async_trait]
impl ResourceType for NetworkAclAssociation {
    named!("aws_network_acl_association", SCHEMA);

    /// One DescribeNetworkAcls for all the associations.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let found = find(ctx, "association.association-id", &ids).await?;
        let wanted = found
            .into_iter()
            .filter(|v| obj::str(v, "id").is_some_and(|i| ids.iter().any(|w| w == i)));
        Ok(wanted
            .filter_map(|v| {
                Some((
                    obj::string(&v, "id")?,
                    state::complete(&SCHEMA, v.as_map()?.clone()),
                ))
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let subnet = state::required(planned, "subnet_id", self.type_name())?;
        let acl = state::required(planned, "network_acl_id", self.type_name())?;
        model::move_subnets(ctx, &acl, std::slice::from_ref(&subnet)).await?;
        let found = find(ctx, "association.subnet-id", std::slice::from_ref(&subnet)).await?;
        let mine = found
            .into_iter()
            .find(|v| obj::str(v, "subnet_id") == Some(subnet.as_str()));
        let mine = mine.ok_or_else(|| {
            ProviderError::not_found(format!("the network ACL association of {subnet}"))
        })?;
        Ok(state::complete(
            &SCHEMA,
            mine.as_map().cloned().unwrap_or_default(),
        ))
    }

    /// Every argument replaces the association.
    async fn update(&self, _ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        Ok(planned.clone())
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let Some(subnet) = obj::string(prior, "subnet_id") else {
            return Ok(());
        };
        let described = ctx.ec2().describe_subnets().filters(super::network::filter(
            "subnet-id",
            std::slice::from_ref(&subnet),
        ));
        let out = described
            .send()
            .await
            .during(&format!("describing {subnet}"))?;
        let Some(vpc) = out.subnets().first().and_then(|s| s.vpc_id()) else {
            return Ok(());
        };
        model::move_subnets(ctx, &model::default_of(ctx, vpc).await?, &[subnet]).await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
