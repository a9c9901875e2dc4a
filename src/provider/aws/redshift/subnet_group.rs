//! `aws_redshift_subnet_group`: the VPC subnets Redshift clusters are placed in. The state
//! `id` is the group's name; description and subnets change in place
//! (ModifyClusterSubnetGroup). Tags come with the describe answer.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_redshift::types::ClusterSubnetGroup as SdkGroup;

pub struct RedshiftSubnetGroup;
pub static REDSHIFT_SUBNET_GROUP: RedshiftSubnetGroup = RedshiftSubnetGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// What AWS answers about a group it does not have.
const GONE: &[&str] = &["ClusterSubnetGroupNotFoundFault"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A Redshift cluster subnet group.";
        regional;
        id          string     output                                     "The group's name.";
        name        string     required force_new check(name_problem)     "Lower-case letters, digits and hyphens; not \"default\".";
        description string     default(DEFAULT_DESCRIPTION)               "Description of the group.";
        subnet_ids  string_set required check(state::no_empty_list)        "VPC subnet ids.";
        arn         string     output                                     "The group's ARN.";
        tags;
        id_from name;
    }
});

/// Redshift subnet group names, as the provider judges them.
fn name_problem(v: &Value) -> Option<String> {
    let name = v.as_str()?;
    if name.is_empty() || name.len() > 255 {
        return Some("must be 1 to 255 characters".into());
    }
    if name == "default" {
        return Some("\"default\" is reserved by AWS".into());
    }
    name.chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        .map(|c| format!("only lower-case letters, digits and hyphens are allowed, found {c:?}"))
}

fn state_of(ctx: &Ctx, account: &str, g: &SdkGroup) -> Value {
    let name = g.cluster_subnet_group_name().unwrap_or_default();
    let arn = format!(
        "arn:{}:redshift:{}:{account}:subnetgroup:{name}",
        ctx.partition(),
        ctx.region()
    );
    let mut m = object! {
        "id" => name,
        "name" => name,
        "description" => g.description(),
        "subnet_ids" => state::strings(g.subnets(), |s| s.subnet_identifier()),
        "arn" => arn,
    };
    let all = tags::from_pairs(g.tags().iter().map(|t| (t.key(), t.value())));
    tags::put(ctx, &mut m, all);
    Value::Map(m)
}

#[async_trait]
impl ResourceType for RedshiftSubnetGroup {
    named!("aws_redshift_subnet_group", SCHEMA);

    /// A DescribeClusterSubnetGroups per group for one or two, else one listing of the
    /// region (`kit::by_ids`); the answer carries the tags.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let redshift = ctx.redshift();
        let one = |name: String| {
            let call = redshift
                .describe_cluster_subnet_groups()
                .cluster_subnet_group_name(&name);
            async move {
                let out = call.send().await;
                let doing = format!("describing Redshift subnet group {name}");
                Ok(out
                    .during(&doing)?
                    .cluster_subnet_groups
                    .unwrap_or_default())
            }
        };
        let listing = || {
            let pages = redshift
                .describe_cluster_subnet_groups()
                .max_records(PAGE_SIZE)
                .into_paginator()
                .items()
                .send();
            all("describing Redshift subnet groups", pages)
        };
        let found = by_ids(ids, SdkGroup::cluster_subnet_group_name, GONE, one, listing).await?;
        if found.is_empty() {
            return Ok(BTreeMap::new());
        }
        let account = ctx.account_id().await?;
        Ok(state::by_id(
            found,
            |g| g.cluster_subnet_group_name(),
            |g| state_of(ctx, &account, &g),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let call = ctx
            .redshift()
            .create_cluster_subnet_group()
            .cluster_subnet_group_name(&name)
            .description(obj::str(planned, "description").unwrap_or(DEFAULT_DESCRIPTION))
            .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")))
            .set_tags(tags::for_create(ctx, planned));
        call.send()
            .await
            .during(&format!("creating Redshift subnet group {name}"))?;
        state::read_back(ctx, &REDSHIFT_SUBNET_GROUP, &name, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = state::id(prior, self.type_name())?;
        if ["description", "subnet_ids"]
            .iter()
            .any(|k| modify::differs(prior, planned, k))
        {
            let call = ctx
                .redshift()
                .modify_cluster_subnet_group()
                .cluster_subnet_group_name(&name)
                .set_description(obj::string(planned, "description"))
                .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")));
            call.send()
                .await
                .during(&format!("modifying Redshift subnet group {name}"))?;
        }
        tags::update(ctx, Service::Redshift, prior, planned).await?;
        state::read_back(ctx, &REDSHIFT_SUBNET_GROUP, &name, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = state::id(prior, self.type_name())?;
        let call = ctx
            .redshift()
            .delete_cluster_subnet_group()
            .cluster_subnet_group_name(&name);
        let sent = call
            .send()
            .await
            .during(&format!("deleting Redshift subnet group {name}"));
        unless(sent, GONE).map(drop)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_lower_case_and_not_default() {
        let problem = |s: &str| super::name_problem(&s.into());
        assert!(problem("data-redshift-1").is_none());
        assert!(problem("Data").is_some());
        assert!(problem("default").is_some());
        assert!(problem("a_b").is_some());
    }
}
