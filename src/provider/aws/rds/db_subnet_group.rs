//! `aws_db_subnet_group`: the subnets an RDS instance or cluster may be placed in. The state
//! `id` is the group's name; AWS stores the name lower-cased.

use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::DbSubnetGroup as SdkGroup;

pub struct DbSubnetGroup;
pub static DB_SUBNET_GROUP: DbSubnetGroup = DbSubnetGroup;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An RDS DB subnet group.";
        regional;
        id          string     output                          "The group's name.";
        name        string     computed force_new conflicts_with(&["name_prefix"]) check(|v| name_problem(v.as_str()?, false)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix string     computed force_new check(|v| name_problem(v.as_str()?, true)) "Creates a unique name beginning with this prefix.";
        description string     default("Managed by Terraform") "Description of the group.";
        subnet_ids  string_set required                        "VPC subnet ids.";
        arn         string     output                          "The group's ARN.";
        vpc_id      string     output                          "The VPC of the subnets.";
        supported_network_types string_set output              "IPV4 and/or DUAL.";
        tags;
        id_from name;
    }
});

/// What AWS accepts as a subnet group name (`[0-9a-z_ .-]`, at most 255 characters, not
/// `default`); a prefix may be at most 229 characters.
fn name_problem(name: &str, prefix: bool) -> Option<String> {
    if let Some(c) = name.chars().find(|c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | ' ' | '.' | '-'))
    }) {
        return Some(format!(
            "only lowercase letters, digits, spaces, periods, underscores and hyphens are allowed, found {c:?}"
        ));
    }
    let max = if prefix { 229 } else { 255 };
    if name.len() > max {
        return Some(format!("must be at most {max} characters"));
    }
    if !prefix && name.eq_ignore_ascii_case("default") {
        return Some("\"default\" is reserved by AWS".into());
    }
    None
}

pub(super) fn state_of(ctx: &Ctx, g: &SdkGroup, tags: tags::Tags) -> Value {
    let name = g.db_subnet_group_name().unwrap_or_default();
    let mut m = object! {
        "id" => name,
        "name" => name,
        "name_prefix" => prefix_from_name(name),
        "description" => g.db_subnet_group_description(),
        "subnet_ids" => state::strings(g.subnets(), |s| s.subnet_identifier()),
        "arn" => g.db_subnet_group_arn(),
        "vpc_id" => g.vpc_id(),
        "supported_network_types" => state::strings(g.supported_network_types(), |s| Some(s.as_str())),
    };
    tags::put(ctx, &mut m, tags);
    Value::Map(m)
}

async fn describe(ctx: &Ctx) -> ProviderResult<Vec<SdkGroup>> {
    let pages = ctx
        .rds()
        .describe_db_subnet_groups()
        .into_paginator()
        .items()
        .send();
    all("describing DB subnet groups", pages).await
}

#[async_trait]
impl ResourceType for DbSubnetGroup {
    named!("aws_db_subnet_group", SCHEMA);

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut groups = describe(ctx).await?;
        groups.retain(|g| {
            g.db_subnet_group_name()
                .is_some_and(|n| ids.iter().any(|i| i == n))
        });
        let found = tagging::with_tags(
            ctx,
            tagging::Service::Rds,
            groups,
            SdkGroup::db_subnet_group_arn,
        );
        let state = |(g, tags): (SdkGroup, _)| {
            (
                g.db_subnet_group_name().unwrap_or_default().to_string(),
                state_of(ctx, &g, tags),
            )
        };
        Ok(found.await?.into_iter().map(state).collect())
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let groups = describe(ctx).await?;
        let own = groups
            .iter()
            .filter(|g| g.db_subnet_group_name() != Some("default"));
        Ok(own.map(|g| state_of(ctx, g, BTreeMap::new())).collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        ctx.rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .set_db_subnet_group_description(obj::string(planned, "description"))
            .set_subnet_ids(modify::strings(planned, "subnet_ids"))
            .set_tags(tags::for_create(ctx, planned))
            .send()
            .await
            .during(&format!("creating DB subnet group {name}"))?;
        state::read_back(ctx, &DB_SUBNET_GROUP, &name.to_lowercase(), planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = state::id(prior, self.type_name())?;
        if ["description", "subnet_ids"]
            .iter()
            .any(|k| modify::differs(prior, planned, k))
        {
            ctx.rds()
                .modify_db_subnet_group()
                .db_subnet_group_name(&name)
                .set_db_subnet_group_description(obj::string(planned, "description"))
                .set_subnet_ids(modify::strings(planned, "subnet_ids"))
                .send()
                .await
                .during(&format!("modifying DB subnet group {name}"))?;
        }
        tags::update(ctx, Service::Rds, prior, planned).await?;
        state::read_back(ctx, &DB_SUBNET_GROUP, &name, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = state::id(prior, self.type_name())?;
        let call = ctx
            .rds()
            .delete_db_subnet_group()
            .db_subnet_group_name(&name)
            .send()
            .await;
        let deleted = call.during(&format!("deleting DB subnet group {name}"));
        if unless(deleted, &["DBSubnetGroupNotFoundFault"])?.is_none() {
            return Ok(());
        }
        let ids = [name.clone()];
        let what = format!("DB subnet group {name} to be deleted");
        ctx.wait_until(&what, Duration::from_secs(180), || async {
            Ok(self.read(ctx, &ids).await?.is_empty())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert_eq!(name_problem("my_group .x-1", false), None);
        assert!(name_problem("Default", false).is_some());
        assert!(name_problem("UPPER", false).is_some());
        assert!(name_problem(&"a".repeat(256), false).is_some());
        assert!(name_problem(&"a".repeat(230), true).is_some());
        assert_eq!(name_problem(&"a".repeat(229), true), None);
    }

    #[test]
    fn a_name_is_generated_on_create_only() {
        let mut planned = Value::Map(Map::from([
            ("name".to_string(), Value::Null),
            ("name_prefix".to_string(), Value::from("app-")),
        ]));
        SCHEMA.modify_plan(None, &planned.clone(), &mut planned);
        let name = obj::string(&planned, "name").unwrap();
        assert!(name.starts_with("app-") && name.len() == 4 + 26, "{name}");
        assert_eq!(obj::str(&planned, "id"), Some(name.as_str()));

        // The engine plans unset computed attributes as unknown.
        let mut planned = Value::Map(Map::from([
            ("name".to_string(), Value::Unknown),
            ("name_prefix".to_string(), Value::Unknown),
        ]));
        SCHEMA.modify_plan(None, &Value::Map(Map::new()), &mut planned);
        assert!(obj::str(&planned, "name")
            .unwrap()
            .starts_with("terraform-"));
    }
}
