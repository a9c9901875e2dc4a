//! `aws_vpc_block_public_access_options`: the region's VPC Block Public Access mode, a
//! per-account, per-region singleton that always exists (`off` by default). As the provider
//! does, a create sets the mode (ModifyVpcBlockPublicAccessOptions) and a delete sets it back
//! to `off`, each waited for until AWS reports `update-complete`. Its id is the region.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{InternetGatewayBlockMode, VpcBlockPublicAccessOptions as SdkOptions};

pub struct VpcBlockPublicAccessOptions;
pub static VPC_BLOCK_PUBLIC_ACCESS_OPTIONS: VpcBlockPublicAccessOptions =
    VpcBlockPublicAccessOptions;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The region's VPC Block Public Access mode (a singleton: deleting sets it back to off).";
        regional;
        id                          string output "The region.";
        aws_account_id              string output;
        aws_region                  string output;
        internet_gateway_block_mode string required one_of(&["off", "block-bidirectional", "block-ingress"]);
        timeouts create(10) update(10) delete(10);
    }
});

async fn describe(ctx: &Ctx) -> ProviderResult<Option<SdkOptions>> {
    let call = ctx.ec2().describe_vpc_block_public_access_options();
    let out = call
        .send()
        .await
        .during("describing VPC Block Public Access options")?;
    Ok(out.vpc_block_public_access_options)
}

fn state_of(region: &str, o: &SdkOptions) -> Value {
    Value::Map(object! {
        "id" => region,
        "aws_account_id" => o.aws_account_id(),
        "aws_region" => o.aws_region().unwrap_or(region),
        "internet_gateway_block_mode" => o.internet_gateway_block_mode().map(|m| m.as_str()),
    })
}

/// Sets the region's mode and waits until AWS has applied it.
async fn set_mode(ctx: &Ctx, mode: &str, timeout: Duration) -> ProviderResult<()> {
    let call = ctx
        .ec2()
        .modify_vpc_block_public_access_options()
        .internet_gateway_block_mode(InternetGatewayBlockMode::from(mode));
    let doing = format!("setting VPC Block Public Access to {mode}");
    call.send().await.during(&doing)?;
    let what = format!("VPC Block Public Access of {} to be {mode}", ctx.region());
    ctx.wait_until(&what, timeout, || async {
        let found = describe(ctx).await?;
        Ok(found.is_some_and(|o| {
            o.state().is_some_and(|s| s.as_str() == "update-complete")
                && o.internet_gateway_block_mode().map(|m| m.as_str()) == Some(mode)
        }))
    })
    .await
}

#[async_trait]
impl ResourceType for VpcBlockPublicAccessOptions {
    named!("aws_vpc_block_public_access_options", SCHEMA);

    /// One DescribeVpcBlockPublicAccessOptions: the provider configuration's region is the
    /// only object there is.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let region = ctx.region().to_string();
        if !ids.contains(&region) {
            return Ok(BTreeMap::new());
        }
        let found = describe(ctx).await?;
        Ok(found
            .map(|o| (region.clone(), state_of(&region, &o)))
            .into_iter()
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let mode = state::required(planned, "internet_gateway_block_mode", self.type_name())?;
        set_mode(ctx, &mode, SCHEMA.timeout(planned, "create")).await?;
        state::read_back(ctx, &VPC_BLOCK_PUBLIC_ACCESS_OPTIONS, ctx.region(), planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        if modify::differs(prior, planned, "internet_gateway_block_mode") {
            let mode = state::required(planned, "internet_gateway_block_mode", self.type_name())?;
            set_mode(ctx, &mode, SCHEMA.timeout(planned, "update")).await?;
        }
        state::read_back(ctx, &VPC_BLOCK_PUBLIC_ACCESS_OPTIONS, ctx.region(), planned).await
    }

    /// The options cannot be deleted: they go back to AWS's default, `off`.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        set_mode(ctx, "off", SCHEMA.timeout(prior, "delete")).await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
