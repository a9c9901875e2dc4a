//! `aws_elasticache_subnet_group`: the VPC subnets ElastiCache clusters and replication
//! groups are placed in.
//!
//! The state `id` is the group's name, lower-cased as AWS stores it.

use super::elasticache_common::{self as common, DIRECT_READ_MAX, PAGE_SIZE};
use super::tagging::{self, Service};
use super::Ctx;
use crate::provider::{
    obj, Attribute, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_elasticache::types::CacheSubnetGroup as SdkGroup;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

pub struct ElastiCacheSubnetGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// terraform-provider-aws retries a delete this long while the group is still in use.
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An ElastiCache subnet group.")
        .attr(
            Attribute::string("id")
                .output()
                .describe("The group's name."),
        )
        .attr(
            Attribute::string("name")
                .required()
                .force_new()
                .describe("Name (lower-cased, as AWS stores it)."),
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
        .tags()
});

/// ElastiCache subnet group names: letters, digits and hyphens, at most 255 characters.
fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 255 {
        return Some("must be 1 to 255 characters".into());
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        .map(|c| format!("only letters, digits and hyphens are allowed, found {c:?}"))
}

fn state_of(ctx: &Ctx, g: &SdkGroup, tags: &BTreeMap<String, String>) -> Value {
    let name = g.cache_subnet_group_name().unwrap_or_default();
    let (tags, tags_all) = common::state_values(ctx, tags);
    let mut m = Map::new();
    m.insert("id".into(), Value::from(name));
    m.insert("name".into(), Value::from(name));
    m.insert(
        "description".into(),
        obj::opt_str(g.cache_subnet_group_description()),
    );
    m.insert(
        "subnet_ids".into(),
        obj::set(
            g.subnets()
                .iter()
                .filter_map(|s| s.subnet_identifier().map(Value::from)),
        ),
    );
    m.insert("arn".into(), obj::opt_str(g.arn()));
    m.insert("vpc_id".into(), obj::opt_str(g.vpc_id()));
    m.insert("tags".into(), tags);
    m.insert("tags_all".into(), tags_all);
    Value::Map(m)
}

fn not_found<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> bool
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "CacheSubnetGroupNotFoundFault")
}

fn in_use<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> bool
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "CacheSubnetGroupInUse" || c == "DependencyViolation")
}

impl ElastiCacheSubnetGroup {
    async fn describe(&self, ctx: &Ctx, names: &BTreeSet<&str>) -> ProviderResult<Vec<SdkGroup>> {
        let client = ctx.elasticache();
        let mut out = Vec::new();
        if names.len() <= DIRECT_READ_MAX {
            for name in names {
                match client
                    .describe_cache_subnet_groups()
                    .cache_subnet_group_name(*name)
                    .send()
                    .await
                {
                    Ok(page) => out.extend(page.cache_subnet_groups.unwrap_or_default()),
                    Err(e) if not_found(&e) => {}
                    Err(e) => {
                        return Err(ProviderError::sdk(
                            &format!("describing cache subnet group {name}"),
                            e,
                        ))
                    }
                }
            }
        } else {
            let mut pages = client
                .describe_cache_subnet_groups()
                .max_records(PAGE_SIZE)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| ProviderError::sdk("describing cache subnet groups", e))?;
                out.extend(page.cache_subnet_groups.unwrap_or_default());
            }
        }
        out.retain(|g| {
            g.cache_subnet_group_name()
                .is_some_and(|n| names.contains(n))
        });
        Ok(out)
    }

    async fn read_one(&self, ctx: &Ctx, name: &str) -> ProviderResult<Value> {
        ctx.read_back(&super::ELASTICACHE_SUBNET_GROUP, name).await
    }
}

#[async_trait]
impl ResourceType for ElastiCacheSubnetGroup {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_subnet_group"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if let Some(p) = config
            .get("name")
            .and_then(Value::as_str)
            .and_then(name_problem)
        {
            problems.push(ConfigProblem::new(
                Some("name"),
                format!("invalid cache subnet group name: {p}"),
                "use letters, digits and hyphens",
            ));
        }
        if config
            .get("subnet_ids")
            .and_then(Value::as_list)
            .is_some_and(Vec::is_empty)
        {
            problems.push(ConfigProblem::new(
                Some("subnet_ids"),
                "subnet_ids must name at least one subnet",
                "list the VPC subnets the caches may be placed in",
            ));
        }
        problems
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        common::lower_case(planned, &["name"]);
        if let Value::Map(m) = planned {
            if let Some(n) = m.get("name").filter(|n| n.is_known()).cloned() {
                m.insert("id".into(), n);
            }
        }
    }

    /// One describe for the batch (see [`DIRECT_READ_MAX`]), then the tags of the groups
    /// found (`tagging`: the describe answer carries none).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let mut out = BTreeMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let groups = self.describe(ctx, &wanted).await?;
        for (g, tags) in tagging::with_tags(ctx, Service::ElastiCache, groups, |g| g.arn()).await? {
            let name = g.cache_subnet_group_name().unwrap_or_default().to_string();
            out.insert(name, state_of(ctx, &g, &tags));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = obj::str(planned, "name")
            .map(str::to_lowercase)
            .ok_or_else(|| {
                ProviderError::new("aws_elasticache_subnet_group: the name is not known")
            })?;
        ctx.elasticache()
            .create_cache_subnet_group()
            .cache_subnet_group_name(&name)
            .cache_subnet_group_description(
                obj::str(planned, "description").unwrap_or(DEFAULT_DESCRIPTION),
            )
            .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")))
            .set_tags(common::create_tags(ctx, planned))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating cache subnet group {name}"), e))?;
        self.read_one(ctx, &name).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new("aws_elasticache_subnet_group: prior state has no id")
        })?;
        if planned.get("description") != prior.get("description")
            || planned.get("subnet_ids") != prior.get("subnet_ids")
        {
            ctx.elasticache()
                .modify_cache_subnet_group()
                .cache_subnet_group_name(&name)
                .cache_subnet_group_description(
                    obj::str(planned, "description").unwrap_or(DEFAULT_DESCRIPTION),
                )
                .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")))
                .send()
                .await
                .map_err(|e| {
                    ProviderError::sdk(&format!("modifying cache subnet group {name}"), e)
                })?;
        }
        common::update_from_plan(
            ctx,
            obj::str(prior, "arn"),
            &format!("cache subnet group {name}"),
            prior,
            planned,
        )
        .await?;
        self.read_one(ctx, &name).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new("aws_elasticache_subnet_group: prior state has no id")
        })?;
        // Still in use by a cache that is itself going away: retry, as Terraform does.
        let start = std::time::Instant::now();
        loop {
            match ctx
                .elasticache()
                .delete_cache_subnet_group()
                .cache_subnet_group_name(&name)
                .send()
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if not_found(&e) => return Ok(()),
                Err(e) if in_use(&e) && start.elapsed() < DELETE_TIMEOUT => {
                    ctx.pause(&format!("cache subnet group {name} to be no longer in use"))
                        .await?;
                }
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("deleting cache subnet group {name}"),
                        e,
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_into_the_id() {
        let mut planned = Value::Map(Map::from([(
            "name".to_string(),
            Value::from("Cache-Subnets"),
        )]));
        ElastiCacheSubnetGroup.customize_plan(None, &mut planned);
        assert_eq!(obj::str(&planned, "name"), Some("cache-subnets"));
        assert_eq!(obj::str(&planned, "id"), Some("cache-subnets"));
        assert!(name_problem("a_b").is_some());
        assert!(name_problem("ok-1").is_none());
    }
}
