//! `aws_default_security_group`: a VPC's `default` security group, adopted and brought to the
//! configuration: its rules become exactly the `ingress` / `egress` blocks written (none
//! written: every rule revoked, as the provider does), never deleted: destroying it forgets it.
//! The rules are `aws_security_group`'s: its canonical form, its diff, its read.

use super::network;
use super::security_group::SECURITY_GROUP;
use crate::provider::aws::kit::prelude::*;

pub struct DefaultSecurityGroup;
pub static DEFAULT_SECURITY_GROUP: DefaultSecurityGroup = DefaultSecurityGroup;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let rules = |name| {
        let rule = SECURITY_GROUP
            .schema()
            .block_type(name)
            .map(|b| b.schema.clone());
        BlockType::set(name, rule.unwrap_or_default())
    };
    schema! {
        "A VPC's default security group, adopted: never created nor deleted; its rules are the blocks written.";
        regional;
        id          string output;
        arn         string output;
        owner_id    string output;
        name        string output;
        name_prefix string output;
        description string output;
        vpc_id      string computed force_new "The VPC; the region's default VPC when unset.";
        revoke_rules_on_delete bool default(false) virtual_ "Kept for compatibility; the group is never deleted.";
        tags;
        block rules("ingress");
        block rules("egress");
    }
});

const SETTABLE: &[&str] = &["ingress", "egress", "tags"];

fn adopted(group: &Value, planned: &Value) -> Value {
    let v = network::project(&SCHEMA, group);
    network::overlay(&v, planned, &["revoke_rules_on_delete"])
}

impl DefaultSecurityGroup {
    /// The id of the `default` group of `vpc` (the region's default VPC when `None`).
    async fn find(&self, ctx: &Ctx, vpc: Option<String>) -> ProviderResult<String> {
        let vpc = match vpc {
            Some(v) => v,
            None => {
                let call = ctx
                    .ec2()
                    .describe_vpcs()
                    .filters(network::filter("is-default", &["true".into()]));
                let out = call.send().await.during("finding the default VPC")?;
                network::created(
                    out.vpcs().first().and_then(|v| v.vpc_id()),
                    "the default VPC",
                )?
                .to_string()
            }
        };
        let call = ctx
            .ec2()
            .describe_security_groups()
            .filters(network::filter("vpc-id", std::slice::from_ref(&vpc)))
            .filters(network::filter("group-name", &["default".into()]));
        let out = call
            .send()
            .await
            .during(&format!("finding the default security group of {vpc}"))?;
        let group = out.security_groups().first().and_then(|g| g.group_id());
        Ok(network::created(group, "the VPC's default security group")?.to_string())
    }

    /// The group brought from `from` (its state as `aws_security_group`) to `planned`.
    async fn converge(&self, ctx: &Ctx, from: &Value, planned: &Value) -> ProviderResult<Value> {
        let mut target = network::overlay(from, planned, SETTABLE);
        SECURITY_GROUP.customize_plan(Some(from), &mut target);
        let updated = SECURITY_GROUP.update(ctx, from, &target).await?;
        Ok(adopted(&updated, planned))
    }
}

#[async_trait]
impl ResourceType for DefaultSecurityGroup {
    named!("aws_default_security_group", SCHEMA);

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        SECURITY_GROUP.customize_plan(prior, planned);
    }

    /// `aws_security_group`'s batched read.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = SECURITY_GROUP.read(ctx, ids).await?;
        Ok(found
            .into_iter()
            .map(|(k, v)| (k, network::project(&SCHEMA, &v)))
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = self.find(ctx, obj::string(planned, "vpc_id")).await?;
        let found = SECURITY_GROUP
            .read(ctx, std::slice::from_ref(&id))
            .await?
            .remove(&id);
        let found = found
            .ok_or_else(|| ProviderError::not_found(format!("security group {id} not found")))?;
        self.converge(ctx, &found, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        self.converge(ctx, prior, planned).await
    }

    /// Forgotten, never deleted (its rules stay as they are).
    async fn delete(&self, _ctx: &Ctx, _prior: &Value) -> ProviderResult<()> {
        Ok(())
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
