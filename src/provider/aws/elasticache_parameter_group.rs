//! `aws_elasticache_parameter_group`: a named set of engine parameters for Redis, Valkey or
//! Memcached caches.
//!
//! The state `id` is the group's name, lower-cased as AWS stores it. Only parameters set away
//! from the engine default are tracked: a read asks DescribeCacheParameters for
//! `Source=user`, and the state written after create/update keeps only the configured names,
//! so a re-plan of an unchanged configuration is empty.

use super::elasticache_common::{self as common, DIRECT_READ_MAX, PAGE_SIZE};
use super::tagging::{self, Service};
use super::Ctx;
use crate::provider::{
    obj, Attribute, BlockType, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_elasticache::types::{CacheParameterGroup as SdkGroup, ParameterNameValue};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

pub struct ElastiCacheParameterGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// ModifyCacheParameterGroup and ResetCacheParameterGroup take at most 20 parameters.
const PARAMETER_BATCH: usize = 20;

/// How long a modify/reset is retried while the group "has pending changes".
const PENDING_RETRY: Duration = Duration::from_secs(30);

/// How long a delete is retried while the group is in an invalid state (still in use by a
/// cache that is going away).
const DELETE_TIMEOUT: Duration = Duration::from_secs(3 * 60);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An ElastiCache parameter group.")
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
            Attribute::string("family")
                .required()
                .force_new()
                .describe("Parameter group family, e.g. redis7, valkey8, memcached1.6."),
        )
        .attr(
            Attribute::string("description")
                .force_new()
                .default(DEFAULT_DESCRIPTION)
                .describe("Description of the group."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("The group's ARN."),
        )
        .tags()
        .block(
            BlockType::set(
                "parameter",
                Schema::new()
                    .attr(
                        Attribute::string("name")
                            .required()
                            .describe("Parameter name (lower-cased in state)."),
                    )
                    .attr(Attribute::string("value").required().describe("Its value.")),
            )
            .describe("Parameters set away from the family's defaults."),
        )
});

/// Parameter group names: a letter first, then letters, digits and single hyphens, no
/// trailing hyphen, at most 255 characters.
fn name_problem(name: &str) -> Option<String> {
    common::cache_id_problem(name, 255)
}

/// The configured parameters: lower-cased name → value.
fn parameters(v: &Value) -> BTreeMap<String, String> {
    v.get("parameter")
        .and_then(Value::as_list)
        .map(|items| {
            items
                .iter()
                .filter_map(|p| {
                    Some((
                        p.get("name")?.as_str()?.to_lowercase(),
                        p.get("value")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn parameter_value(params: &BTreeMap<String, String>) -> Value {
    obj::set(params.iter().map(|(k, v)| {
        Value::Map(Map::from([
            ("name".to_string(), Value::from(k.as_str())),
            ("value".to_string(), Value::from(v.as_str())),
        ]))
    }))
}

fn state_of(
    ctx: &Ctx,
    g: &SdkGroup,
    params: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> Value {
    let name = g.cache_parameter_group_name().unwrap_or_default();
    let (tags, tags_all) = common::state_values(ctx, tags);
    let mut m = Map::new();
    m.insert("id".into(), Value::from(name));
    m.insert("name".into(), Value::from(name));
    m.insert(
        "family".into(),
        obj::opt_str(g.cache_parameter_group_family()),
    );
    m.insert("description".into(), obj::opt_str(g.description()));
    m.insert("arn".into(), obj::opt_str(g.arn()));
    m.insert("parameter".into(), parameter_value(params));
    m.insert("tags".into(), tags);
    m.insert("tags_all".into(), tags_all);
    Value::Map(m)
}

fn code<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> (Option<&str>, &str)
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    match e.as_service_error() {
        Some(s) => (s.code(), s.message().unwrap_or_default()),
        None => (None, ""),
    }
}

fn not_found<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> bool
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    code(e).0 == Some("CacheParameterGroupNotFound")
}

fn invalid_state<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> bool
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    code(e).0 == Some("InvalidCacheParameterGroupState")
}

fn pending_changes<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> bool
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    invalid_state(e) && code(e).1.contains(" has pending changes")
}

impl ElastiCacheParameterGroup {
    async fn describe(&self, ctx: &Ctx, names: &BTreeSet<&str>) -> ProviderResult<Vec<SdkGroup>> {
        let client = ctx.elasticache();
        let mut out = Vec::new();
        if names.len() <= DIRECT_READ_MAX {
            for name in names {
                match client
                    .describe_cache_parameter_groups()
                    .cache_parameter_group_name(*name)
                    .send()
                    .await
                {
                    Ok(page) => out.extend(page.cache_parameter_groups.unwrap_or_default()),
                    Err(e) if not_found(&e) => {}
                    Err(e) => {
                        return Err(ProviderError::sdk(
                            &format!("describing cache parameter group {name}"),
                            e,
                        ))
                    }
                }
            }
        } else {
            let mut pages = client
                .describe_cache_parameter_groups()
                .max_records(PAGE_SIZE)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| ProviderError::sdk("describing cache parameter groups", e))?;
                out.extend(page.cache_parameter_groups.unwrap_or_default());
            }
        }
        out.retain(|g| {
            g.cache_parameter_group_name()
                .is_some_and(|n| names.contains(n))
        });
        Ok(out)
    }

    /// The parameters set away from the defaults (`Source=user`), every page.
    async fn user_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
    ) -> ProviderResult<Option<BTreeMap<String, String>>> {
        let mut out = BTreeMap::new();
        let mut pages = ctx
            .elasticache()
            .describe_cache_parameters()
            .cache_parameter_group_name(name)
            .source("user")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) if not_found(&e) => return Ok(None),
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("describing the parameters of cache parameter group {name}"),
                        e,
                    ))
                }
            };
            for p in page.parameters() {
                if let (Some(n), Some(v)) = (p.parameter_name(), p.parameter_value()) {
                    out.insert(n.to_lowercase(), v.to_string());
                }
            }
        }
        Ok(Some(out))
    }

    /// Reads one group back after a write, keeping only the configured parameters.
    async fn read_after_write(
        &self,
        ctx: &Ctx,
        name: &str,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let mut state = ctx
            .read_back(&super::ELASTICACHE_PARAMETER_GROUP, name)
            .await?;
        let configured = parameters(planned);
        let mut read = parameters(&state);
        read.retain(|k, _| configured.contains_key(k));
        if let Value::Map(m) = &mut state {
            m.insert("parameter".into(), parameter_value(&read));
        }
        Ok(state)
    }

    /// Resets what is no longer configured, then sets what is new or changed, 20 at a time.
    async fn apply_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> ProviderResult<()> {
        let client = ctx.elasticache();
        let resets: Vec<String> = old
            .keys()
            .filter(|k| !new.contains_key(*k))
            .cloned()
            .collect();
        for chunk in resets.chunks(PARAMETER_BATCH) {
            let batch: Vec<ParameterNameValue> = chunk
                .iter()
                .map(|n| ParameterNameValue::builder().parameter_name(n).build())
                .collect();
            let start = Instant::now();
            loop {
                match client
                    .reset_cache_parameter_group()
                    .cache_parameter_group_name(name)
                    .set_parameter_name_values(Some(batch.clone()))
                    .send()
                    .await
                {
                    Ok(_) => break,
                    Err(e) if pending_changes(&e) && start.elapsed() < PENDING_RETRY => {
                        ctx.pause(&format!("cache parameter group {name} to accept changes"))
                            .await?
                    }
                    Err(e) => {
                        return Err(ProviderError::sdk(
                            &format!("resetting parameters of cache parameter group {name}"),
                            e,
                        ))
                    }
                }
            }
        }
        let changes: Vec<(&String, &String)> = new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .collect();
        for chunk in changes.chunks(PARAMETER_BATCH) {
            let batch: Vec<ParameterNameValue> = chunk
                .iter()
                .map(|(n, v)| {
                    ParameterNameValue::builder()
                        .parameter_name(*n)
                        .parameter_value(*v)
                        .build()
                })
                .collect();
            let start = Instant::now();
            loop {
                match client
                    .modify_cache_parameter_group()
                    .cache_parameter_group_name(name)
                    .set_parameter_name_values(Some(batch.clone()))
                    .send()
                    .await
                {
                    Ok(_) => break,
                    Err(e) if pending_changes(&e) && start.elapsed() < PENDING_RETRY => {
                        ctx.pause(&format!("cache parameter group {name} to accept changes"))
                            .await?
                    }
                    Err(e) => {
                        return Err(ProviderError::sdk(
                            &format!("setting parameters of cache parameter group {name}"),
                            e,
                        ))
                    }
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for ElastiCacheParameterGroup {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_parameter_group"
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
                format!("invalid cache parameter group name: {p}"),
                "use letters, digits and single hyphens, starting with a letter",
            ));
        }
        // Two blocks for one name would be sent as two values for the same parameter.
        let mut seen = BTreeSet::new();
        for p in config
            .get("parameter")
            .and_then(Value::as_list)
            .into_iter()
            .flatten()
        {
            if let Some(n) = p.get("name").and_then(Value::as_str) {
                if !seen.insert(n.to_lowercase()) {
                    problems.push(ConfigProblem::new(
                        Some("parameter"),
                        format!("parameter \"{n}\" is set more than once"),
                        "keep one parameter block per name",
                    ));
                }
            }
        }
        problems
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        common::lower_case(planned, &["name"]);
        if let Value::Map(m) = planned {
            if let Some(n) = m.get("name").filter(|n| n.is_known()).cloned() {
                m.insert("id".into(), n);
            }
            // Names are stored lower-cased: plan them so.
            if let Some(Value::List(items)) = m.get("parameter").cloned() {
                let mut items: Vec<Value> = items
                    .into_iter()
                    .map(|mut p| {
                        common::lower_case(&mut p, &["name"]);
                        p
                    })
                    .collect();
                crate::value::sort_dedup(&mut items);
                m.insert("parameter".into(), Value::List(items));
            }
        }
    }

    /// One describe for the batch (see [`DIRECT_READ_MAX`]); then DescribeCacheParameters per
    /// group found (the parameters belong to one group per call) and the tags of them all
    /// (`tagging`: the describe answer carries none).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let mut out = BTreeMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let groups = self.describe(ctx, &wanted).await?;
        let arns: Vec<String> = groups
            .iter()
            .filter_map(|g| g.arn().map(str::to_string))
            .collect();
        // DescribeCacheParameters takes exactly one group name (the API has no multi-group
        // read), so parameters stay one call (or a few pages) per group: the groups are read
        // side by side, READ_CONCURRENCY at a time, with the tags of all of them meanwhile.
        let names: Vec<String> = groups
            .iter()
            .filter_map(|g| g.cache_parameter_group_name().map(str::to_string))
            .collect();
        let params = super::read_each(names, |name| async move {
            self.user_parameters(ctx, &name).await
        });
        let (mut params, mut tags) =
            futures::try_join!(params, tagging::list_many(ctx, Service::ElastiCache, &arns))?;
        for g in &groups {
            let name = g.cache_parameter_group_name().unwrap_or_default();
            let Some(params) = params.remove(name).flatten() else {
                continue; // deleted between the two calls
            };
            let tags = g.arn().and_then(|a| tags.remove(a)).unwrap_or_default();
            out.insert(name.to_string(), state_of(ctx, g, &params, &tags));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = obj::str(planned, "name")
            .map(str::to_lowercase)
            .ok_or_else(|| {
                ProviderError::new("aws_elasticache_parameter_group: the name is not known")
            })?;
        ctx.elasticache()
            .create_cache_parameter_group()
            .cache_parameter_group_name(&name)
            .set_cache_parameter_group_family(obj::string(planned, "family"))
            .description(obj::str(planned, "description").unwrap_or(DEFAULT_DESCRIPTION))
            .set_tags(common::create_tags(ctx, planned))
            .send()
            .await
            .map_err(|e| {
                ProviderError::sdk(&format!("creating cache parameter group {name}"), e)
            })?;
        self.apply_parameters(ctx, &name, &BTreeMap::new(), &parameters(planned))
            .await?;
        self.read_after_write(ctx, &name, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new("aws_elasticache_parameter_group: prior state has no id")
        })?;
        let (old, new) = (parameters(prior), parameters(planned));
        if old != new {
            self.apply_parameters(ctx, &name, &old, &new).await?;
        }
        common::update_from_plan(
            ctx,
            obj::str(prior, "arn"),
            &format!("cache parameter group {name}"),
            prior,
            planned,
        )
        .await?;
        self.read_after_write(ctx, &name, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new("aws_elasticache_parameter_group: prior state has no id")
        })?;
        let start = Instant::now();
        loop {
            match ctx
                .elasticache()
                .delete_cache_parameter_group()
                .cache_parameter_group_name(&name)
                .send()
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if not_found(&e) => return Ok(()),
                Err(e) if invalid_state(&e) && start.elapsed() < DELETE_TIMEOUT => {
                    ctx.pause(&format!("cache parameter group {name} to be deletable"))
                        .await?
                }
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("deleting cache parameter group {name}"),
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

    fn param(n: &str, v: &str) -> Value {
        Value::Map(Map::from([
            ("name".to_string(), Value::from(n)),
            ("value".to_string(), Value::from(v)),
        ]))
    }

    #[test]
    fn names_and_parameter_names_are_lower_cased() {
        let mut planned = Value::Map(Map::from([
            ("name".to_string(), Value::from("My-Params")),
            (
                "parameter".to_string(),
                Value::List(vec![param("Timeout", "10"), param("maxmemory-policy", "x")]),
            ),
        ]));
        ElastiCacheParameterGroup.customize_plan(None, &mut planned);
        assert_eq!(obj::str(&planned, "id"), Some("my-params"));
        let ps = parameters(&planned);
        assert_eq!(ps.get("timeout").map(String::as_str), Some("10"));
    }

    #[test]
    fn duplicate_parameters_are_refused() {
        let config = Value::Map(Map::from([
            ("name".to_string(), Value::from("p")),
            (
                "parameter".to_string(),
                Value::List(vec![param("timeout", "10"), param("TIMEOUT", "20")]),
            ),
        ]));
        let problems = ElastiCacheParameterGroup.validate(&config);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].attribute, Some("parameter"));
        assert!(name_problem("1abc").is_some());
    }
}
