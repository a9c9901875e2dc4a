//! `aws_vpc_dhcp_options_association`: which DHCP options a VPC uses (`default`: AWS's). Its
//! id is the provider's, `dopt-…-vpc-…`; a delete gives the VPC AWS's default options back.

use crate::provider::aws::kit::prelude::*;

use super::network::{self, describe_filtered};

pub struct VpcDhcpOptionsAssociation;
pub static VPC_DHCP_OPTIONS_ASSOCIATION: VpcDhcpOptionsAssociation = VpcDhcpOptionsAssociation;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The DHCP options a VPC uses.";
        regional;
        id              string output;
        vpc_id          string required force_new;
        dhcp_options_id string required "Changed in place (AssociateDhcpOptions).";
    }
});

/// The VPC an id (`dopt-…-vpc-…`, or `default-vpc-…`) names.
fn vpc_of(id: &str) -> Option<&str> {
    id.find("-vpc-").map(|i| &id[i + 1..])
}

impl VpcDhcpOptionsAssociation {
    async fn associate(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let vpc = state::required(planned, "vpc_id", self.type_name())?;
        let options = state::required(planned, "dhcp_options_id", self.type_name())?;
        let call = ctx
            .ec2()
            .associate_dhcp_options()
            .vpc_id(&vpc)
            .dhcp_options_id(&options);
        network::send(call.send(), &format!("giving {vpc} DHCP options {options}")).await?;
        state::read_back(
            ctx,
            &VPC_DHCP_OPTIONS_ASSOCIATION,
            &format!("{options}-{vpc}"),
            planned,
        )
        .await
    }
}

#[async_trait]
impl ResourceType for VpcDhcpOptionsAssociation {
    named!("aws_vpc_dhcp_options_association", SCHEMA);

    /// One DescribeVpcs of all the associations' VPCs; an association whose VPC now uses
    /// other options reads as that VPC's association (a drift in `dhcp_options_id`).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let vpcs: Vec<String> = ids
            .iter()
            .filter_map(|i| vpc_of(i))
            .map(str::to_string)
            .collect();
        let found = describe_filtered!(ctx, vpcs, "vpc-id", "VPCs", |c| c.describe_vpcs());
        let mut out = BTreeMap::new();
        for v in found {
            let (Some(vpc), options) = (v.vpc_id(), v.dhcp_options_id().unwrap_or("default"))
            else {
                continue;
            };
            for id in ids.iter().filter(|i| vpc_of(i) == Some(vpc)) {
                let state = Value::Map(
                    object! { "id" => id.as_str(), "vpc_id" => vpc, "dhcp_options_id" => options },
                );
                out.insert(id.clone(), state);
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        self.associate(ctx, planned).await
    }

    async fn update(&self, ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        self.associate(ctx, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let Some(vpc) = obj::string(prior, "vpc_id") else {
            return Ok(());
        };
        let call = ctx
            .ec2()
            .associate_dhcp_options()
            .vpc_id(&vpc)
            .dhcp_options_id("default");
        let sent = call
            .send()
            .await
            .during(&format!("giving {vpc} the default DHCP options"));
        unless(sent, &["InvalidVpcID.NotFound"]).map(drop)
    }

    /// A VPC id: its association, whatever options it uses.
    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        let described = ctx
            .ec2()
            .describe_vpcs()
            .filters(network::filter("vpc-id", &[id.to_string()]));
        let out = described.send().await.during(&format!("describing {id}"))?;
        let Some(options) = out
            .vpcs()
            .first()
            .map(|v| v.dhcp_options_id().unwrap_or("default").to_string())
        else {
            return Ok(None);
        };
        let assoc = format!("{options}-{id}");
        Ok(self
            .read(ctx, std::slice::from_ref(&assoc))
            .await?
            .remove(&assoc))
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
