//! `aws_network_acl`: a network ACL with inline `ingress` / `egress` entries (computed when not
//! written: `aws_network_acl_rule` resources then manage them) and the subnets it guards.
//! Deleted after its subnets are moved back to the VPC's default ACL.

use super::network;
use super::network_acl_model as model;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::ResourceType as Ec2Kind;

pub struct NetworkAcl;
pub static NETWORK_ACL: NetworkAcl = NetworkAcl;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC network ACL.";
        regional;
        id         string output;
        arn        string output;
        owner_id   string output;
        vpc_id     string required force_new;
        subnet_ids string_set computed "Subnets guarded by the ACL; one taken away goes back to the VPC's default ACL.";
        tags;
        block model::entry_block("ingress").computed();
        block model::entry_block("egress").computed();
    }
});

/// terraform-provider-aws retries a delete this long while AWS answers DependencyViolation.
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Moves the subnets `planned` adds to the ACL and those it drops back to the VPC's default ACL.
pub async fn sync_subnets(
    ctx: &Ctx,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> ProviderResult<()> {
    if !planned.get("subnet_ids").is_some_and(Value::is_known) {
        return Ok(());
    }
    let (old, new) = (
        obj::strings(prior, "subnet_ids"),
        obj::strings(planned, "subnet_ids"),
    );
    let added: Vec<String> = new.iter().filter(|s| !old.contains(s)).cloned().collect();
    let dropped: Vec<String> = old.iter().filter(|s| !new.contains(s)).cloned().collect();
    model::move_subnets(ctx, id, &added).await?;
    if !dropped.is_empty() {
        let vpc = state::required(planned, "vpc_id", "aws_network_acl")?;
        model::move_subnets(ctx, &model::default_of(ctx, &vpc).await?, &dropped).await?;
    }
    Ok(())
}

#[async_trait]
impl ResourceType for NetworkAcl {
    named!("aws_network_acl", SCHEMA);

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        model::canonical_plan(planned);
    }

    /// One DescribeNetworkAcls for all the ACLs.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        model::read(ctx, ids, model::state_of).await
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let call = ctx
            .ec2()
            .create_network_acl()
            .set_vpc_id(obj::string(planned, "vpc_id"))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::NetworkAcl));
        let out = call.send().await.during("creating network ACL")?;
        let id = network::created(
            out.network_acl().and_then(|a| a.network_acl_id()),
            "CreateNetworkAcl",
        )?
        .to_string();
        let none = Value::Map(Map::new());
        model::sync_entries(ctx, &id, &none, planned).await?;
        sync_subnets(ctx, &id, &none, planned).await?;
        state::read_back(ctx, &NETWORK_ACL, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        model::sync_entries(ctx, &id, prior, planned).await?;
        sync_subnets(ctx, &id, prior, planned).await?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Its subnets go back to the VPC's default ACL first (AWS refuses to delete an ACL that
    /// guards a subnet).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let Some(acl) = model::describe(ctx, std::slice::from_ref(&id)).await?.pop() else {
            return Ok(());
        };
        let subnets: Vec<String> = acl
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id().map(str::to_string))
            .collect();
        if let (false, Some(vpc)) = (subnets.is_empty(), acl.vpc_id()) {
            model::move_subnets(ctx, &model::default_of(ctx, vpc).await?, &subnets).await?;
        }
        let call = || ctx.ec2().delete_network_acl().network_acl_id(&id).send();
        network::delete_while_in_use(
            ctx,
            &format!("network ACL {id}"),
            DELETE_TIMEOUT,
            model::GONE,
            call,
        )
        .await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
