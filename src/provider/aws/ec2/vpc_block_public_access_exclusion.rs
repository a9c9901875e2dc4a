//! `aws_vpc_block_public_access_exclusion`: a VPC or subnet exempt from the region's VPC
//! Block Public Access mode. Created `create-in-progress` → `create-complete`, changed in
//! place (`internet_gateway_exclusion_mode`) → `update-complete`, deleted →
//! `delete-complete` (listed so for a while, which counts as gone). Which VPC or subnet is
//! read back from the exclusion's resource ARN.

use super::network;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    InternetGatewayExclusionMode, ResourceType as Ec2Kind,
    VpcBlockPublicAccessExclusion as SdkExclusion,
};

pub struct VpcBlockPublicAccessExclusion;
pub static VPC_BLOCK_PUBLIC_ACCESS_EXCLUSION: VpcBlockPublicAccessExclusion =
    VpcBlockPublicAccessExclusion;

const GONE: &[&str] = &["InvalidVpcBlockPublicAccessExclusionId.NotFound"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC or subnet exempt from VPC Block Public Access.";
        regional;
        id                              string output;
        resource_arn                    string output;
        vpc_id                          string force_new exactly_one_of(&["subnet_id"]);
        subnet_id                       string force_new;
        internet_gateway_exclusion_mode string required one_of(&["allow-bidirectional", "allow-egress"]) "Changed in place.";
        tags;
        timeouts create(10) update(10) delete(10);
    }
});

/// The exclusions with these ids that are not deleted: one listing of the region's
/// exclusions (every page), filtered here. The call takes an id list, but AWS refuses the
/// whole list when one id is gone, and a region holds few exclusions.
async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkExclusion>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let call = ctx
            .ec2()
            .describe_vpc_block_public_access_exclusions()
            .set_next_token(token);
        let out = call
            .send()
            .await
            .during("describing VPC Block Public Access exclusions")?;
        found.extend(out.vpc_block_public_access_exclusions.unwrap_or_default());
        token = out.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    let wanted = |e: &SdkExclusion| {
        e.exclusion_id().is_some_and(|i| ids.iter().any(|w| w == i))
            && e.state()
                .is_none_or(|s| !matches!(s.as_str(), "delete-complete" | "disable-complete"))
    };
    Ok(found.into_iter().filter(wanted).collect())
}

/// create-in-progress → create-complete; update-in-progress → update-complete; deleting →
/// gone.
static WAITER: Waiter = Waiter {
    noun: "VPC Block Public Access exclusion",
    key: "aws_vpc_block_public_access_exclusion/state",
    statuses: |ctx, ids| {
        Box::pin(async move {
            let found = describe(&ctx, &ids).await?;
            Ok(found
                .iter()
                .filter_map(|e| {
                    let state = e.state().map(|s| s.as_str());
                    Some((
                        e.exclusion_id()?.to_string(),
                        wait::status_value(state, false),
                    ))
                })
                .collect())
        })
    },
    pending: &["create-in-progress", "update-in-progress"],
    ready: &["create-complete", "update-complete"],
};

fn state_of(ctx: &Ctx, e: &SdkExclusion) -> Value {
    let arn = e.resource_arn().unwrap_or_default();
    // arn:PARTITION:ec2:REGION:ACCOUNT:vpc/vpc-… or …:subnet/subnet-…
    let (kind, resource) = arn
        .rsplit(':')
        .next()
        .and_then(|r| r.split_once('/'))
        .unwrap_or_default();
    let m = object! {
        "id" => e.exclusion_id(),
        "resource_arn" => arn,
        "vpc_id" => (kind == "vpc").then_some(resource),
        "subnet_id" => (kind == "subnet").then_some(resource),
        "internet_gateway_exclusion_mode" => e.internet_gateway_exclusion_mode().map(|m| m.as_str()),
    };
    network::with_tags(ctx, m, e.tags())
}

#[async_trait]
impl ResourceType for VpcBlockPublicAccessExclusion {
    named!("aws_vpc_block_public_access_exclusion", SCHEMA, WAITER);

    /// One DescribeVpcBlockPublicAccessExclusions listing for all the exclusions.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = describe(ctx, &state::unique(ids)).await?;
        Ok(state::by_id(
            found,
            |e| e.exclusion_id(),
            |e| state_of(ctx, &e),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let mode = obj::str(planned, "internet_gateway_exclusion_mode").unwrap_or_default();
        let call = ctx
            .ec2()
            .create_vpc_block_public_access_exclusion()
            .set_vpc_id(obj::string(planned, "vpc_id"))
            .set_subnet_id(obj::string(planned, "subnet_id"))
            .internet_gateway_exclusion_mode(InternetGatewayExclusionMode::from(mode))
            .set_tag_specifications(network::create_tags(
                ctx,
                planned,
                Ec2Kind::VpcBlockPublicAccessExclusion,
            ));
        let out = call
            .send()
            .await
            .during("creating VPC Block Public Access exclusion")?;
        let id = network::created(
            out.vpc_block_public_access_exclusion()
                .and_then(|e| e.exclusion_id()),
            "CreateVpcBlockPublicAccessExclusion",
        )?;
        lifecycle::ready_after_create(self, &WAITER, ctx, id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let mode = obj::str(planned, "internet_gateway_exclusion_mode").unwrap_or_default();
        let call = ctx
            .ec2()
            .modify_vpc_block_public_access_exclusion()
            .exclusion_id(&id)
            .internet_gateway_exclusion_mode(InternetGatewayExclusionMode::from(mode));
        let modified = (
            call,
            modify::differs(prior, planned, "internet_gateway_exclusion_mode"),
        );
        lifecycle::modify_then_settle!(
            self,
            ctx,
            Service::Ec2,
            &id,
            prior,
            planned,
            modified,
            WAITER,
            false,
            "VPC Block Public Access exclusion"
        )
    }

    /// Deleted, then waited for until `delete-complete`.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx
            .ec2()
            .delete_vpc_block_public_access_exclusion()
            .exclusion_id(&id);
        let sent = call
            .send()
            .await
            .during(&format!("deleting VPC Block Public Access exclusion {id}"));
        match sent {
            // Listed as deleted for a while: AWS refuses to delete it again.
            Err(e) if e.says("InvalidParameterValue", "delete-complete") => Ok(()),
            sent => {
                let timeout = SCHEMA.timeout(prior, "delete");
                WAITER.gone_after_sent(sent, GONE, ctx, &id, timeout).await
            }
        }
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
