//! `aws_db_subnet_group`: the subnets an RDS instance or cluster may be placed in.
//!
//! The state `id` is the group's name. AWS stores the name lower-cased.

use super::naming::{self, DEFAULT_PREFIX};
use super::tagging::{self, Service};
use super::{rds_tags, Ctx};
use crate::provider::{obj, Attribute, ProviderError, ProviderResult, ResourceType, Schema};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_rds::types::DbSubnetGroup as SdkGroup;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

pub struct DbSubnetGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An RDS DB subnet group.")
        .attr(
            Attribute::string("id")
                .output()
                .describe("The group's name."),
        )
        .attr(
            Attribute::string("name")
                .computed()
                .force_new()
                .conflicts_with(&["name_prefix"])
                .check(|v| name_problem(v.as_str()?, false))
                .name_from_prefix("name_prefix", DEFAULT_PREFIX)
                .describe("Name; generated from name_prefix (or `terraform-`) when not set."),
        )
        .attr(
            Attribute::string("name_prefix")
                .computed()
                .force_new()
                .check(|v| name_problem(v.as_str()?, true))
                .describe("Creates a unique name beginning with this prefix."),
        )
        .attr(
            Attribute::string("description")
                .default(DEFAULT_DESCRIPTION)
                .describe("Description of the group."),
        )
        .attr(
            Attribute::string_set("subnet_ids")
                .required()
                .describe("VPC subnet ids."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("The group's ARN."),
        )
        .attr(
            Attribute::string("vpc_id")
                .output()
                .describe("The VPC of the subnets."),
        )
        .attr(
            Attribute::string_set("supported_network_types")
                .output()
                .describe("IPV4 and/or DUAL."),
        )
        .tags()
        .id_from("name")
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

fn not_found<E>(e: &aws_sdk_rds::error::SdkError<E>) -> bool
where
    E: aws_sdk_rds::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "DBSubnetGroupNotFoundFault")
}

fn state_of(ctx: &Ctx, g: &SdkGroup, tags: &BTreeMap<String, String>) -> Value {
    let name = g.db_subnet_group_name().unwrap_or_default().to_string();
    let (tags, tags_all) = rds_tags::state_values(ctx, tags);
    let mut m = Map::new();
    m.insert("id".into(), Value::from(name.as_str()));
    m.insert(
        "name_prefix".into(),
        obj::opt_str(naming::prefix_from_name(&name)),
    );
    m.insert("name".into(), Value::from(name.as_str()));
    m.insert(
        "description".into(),
        obj::opt_str(g.db_subnet_group_description()),
    );
    m.insert(
        "subnet_ids".into(),
        obj::set(
            g.subnets()
                .iter()
                .filter_map(|s| s.subnet_identifier().map(Value::from)),
        ),
    );
    m.insert("arn".into(), obj::opt_str(g.db_subnet_group_arn()));
    m.insert("vpc_id".into(), obj::opt_str(g.vpc_id()));
    m.insert(
        "supported_network_types".into(),
        obj::set(
            g.supported_network_types()
                .iter()
                .map(|s| Value::from(s.as_str())),
        ),
    );
    m.insert("tags".into(), tags);
    m.insert("tags_all".into(), tags_all);
    Value::Map(m)
}

impl DbSubnetGroup {
    async fn read_one(&self, ctx: &Ctx, name: &str) -> ProviderResult<Value> {
        ctx.read_back(&super::DB_SUBNET_GROUP, name).await
    }
}

#[async_trait]
impl ResourceType for DbSubnetGroup {
    fn type_name(&self) -> &'static str {
        "aws_db_subnet_group"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let mut out = BTreeMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let mut groups = Vec::new();
        let mut pages = ctx
            .rds()
            .describe_db_subnet_groups()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ProviderError::sdk("describing DB subnet groups", e))?;
            groups.extend(
                page.db_subnet_groups
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|g| g.db_subnet_group_name().is_some_and(|n| wanted.contains(n))),
            );
        }
        for (g, tags) in
            tagging::with_tags(ctx, Service::Rds, groups, |g| g.db_subnet_group_arn()).await?
        {
            let name = g.db_subnet_group_name().unwrap_or_default().to_string();
            out.insert(name, state_of(ctx, &g, &tags));
        }
        Ok(out)
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let mut out = Vec::new();
        let mut pages = ctx
            .rds()
            .describe_db_subnet_groups()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ProviderError::sdk("describing DB subnet groups", e))?;
            for g in page.db_subnet_groups.unwrap_or_default() {
                if g.db_subnet_group_name() != Some("default") {
                    out.push(state_of(ctx, &g, &BTreeMap::new()));
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(planned, "name")
            .ok_or_else(|| ProviderError::new("aws_db_subnet_group: the name is not known"))?;
        let tags = rds_tags::create_tags(ctx, planned);
        ctx.rds()
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(
                obj::str(planned, "description").unwrap_or(DEFAULT_DESCRIPTION),
            )
            .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")))
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating DB subnet group {name}"), e))?;
        self.read_one(ctx, &name.to_lowercase()).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_db_subnet_group: prior state has no id"))?;
        if planned.get("description") != prior.get("description")
            || planned.get("subnet_ids") != prior.get("subnet_ids")
        {
            ctx.rds()
                .modify_db_subnet_group()
                .db_subnet_group_name(&name)
                .db_subnet_group_description(
                    obj::str(planned, "description").unwrap_or(DEFAULT_DESCRIPTION),
                )
                .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")))
                .send()
                .await
                .map_err(|e| ProviderError::sdk(&format!("modifying DB subnet group {name}"), e))?;
        }
        let old_tags = obj::string_map(prior, "tags_all");
        let new_tags = rds_tags::planned_all(ctx, planned);
        if old_tags != new_tags {
            let arn = obj::string(prior, "arn").ok_or_else(|| {
                ProviderError::new(format!("DB subnet group {name}: no ARN in state"))
            })?;
            rds_tags::update(ctx, &arn, &old_tags, &new_tags).await?;
        }
        self.read_one(ctx, &name).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_db_subnet_group: prior state has no id"))?;
        match ctx
            .rds()
            .delete_db_subnet_group()
            .db_subnet_group_name(&name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if not_found(&e) => return Ok(()),
            Err(e) => {
                return Err(ProviderError::sdk(
                    &format!("deleting DB subnet group {name}"),
                    e,
                ))
            }
        }
        let ids = [name.clone()];
        ctx.wait_until(
            &format!("DB subnet group {name} to be deleted"),
            Duration::from_secs(180),
            || async { Ok(self.read(ctx, &ids).await?.is_empty()) },
        )
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
