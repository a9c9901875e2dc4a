//! `aws_elasticache_parameter_group`: a named set of engine parameters for Redis, Valkey or
//! Memcached caches.
//!
//! The state `id` is the group's name, lower-cased as AWS stores it. Only parameters set away
//! from the engine default are tracked: a read asks DescribeCacheParameters for
//! `Source=user`, and the state written after create/update keeps only the configured names,
//! so a re-plan of an unchanged configuration is empty.

use super::cache_id_problem;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_elasticache::types::{CacheParameterGroup as SdkGroup, ParameterNameValue};

pub struct ElastiCacheParameterGroup;
pub static ELASTICACHE_PARAMETER_GROUP: ElastiCacheParameterGroup = ElastiCacheParameterGroup;

/// ModifyCacheParameterGroup and ResetCacheParameterGroup take at most 20 parameters.
const PARAMETER_BATCH: usize = 20;

/// How long a modify/reset is retried while the group "has pending changes".
const PENDING_RETRY: Duration = Duration::from_secs(30);

/// How long a delete is retried while the group is in an invalid state (still in use by a
/// cache that is going away).
const DELETE_TIMEOUT: Duration = Duration::from_secs(3 * 60);

const GONE: &[&str] = &["CacheParameterGroupNotFound"];
const INVALID_STATE: &str = "InvalidCacheParameterGroupState";

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An ElastiCache parameter group.";
        regional;
        id          string output                                      "The group's name.";
        name        string required force_new lowercase check(|v| name_problem(v.as_str()?)) "Name (lower-cased, as AWS stores it).";
        family      string required force_new                          "Parameter group family, e.g. redis7, valkey8, memcached1.6.";
        description string force_new default("Managed by Terraform")   "Description of the group.";
        arn         string output                                      "The group's ARN.";
        tags;
        block BlockType::set("parameter", schema! { "";
            name  string required lowercase "Parameter name (lower-cased in state).";
            value string required           "Its value.";
        })
        .describe("Parameters set away from the family's defaults.");
        id_from name;
    }
});

/// Parameter group names: a letter first, then letters, digits and single hyphens, no
/// trailing hyphen, at most 255 characters.
fn name_problem(name: &str) -> Option<String> {
    cache_id_problem(name, 255)
}

/// The configured parameters: lower-cased name → value.
fn parameters(v: &Value) -> BTreeMap<String, String> {
    let items = state::items(v, "parameter");
    items
        .filter_map(|p| {
            Some((
                obj::str(p, "name")?.to_lowercase(),
                obj::str(p, "value").unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn parameter_value(params: &BTreeMap<String, String>) -> Value {
    obj::set(
        params
            .iter()
            .map(|(k, v)| Value::Map(object! { "name" => k, "value" => v })),
    )
}

fn state_of(ctx: &Ctx, g: &SdkGroup, params: &BTreeMap<String, String>, tags: tags::Tags) -> Value {
    let name = g.cache_parameter_group_name();
    let mut m = object! {
        "id" => name,
        "name" => name,
        "family" => g.cache_parameter_group_family(),
        "description" => g.description(),
        "arn" => g.arn(),
        "parameter" => parameter_value(params),
    };
    tags::put(ctx, &mut m, tags);
    Value::Map(m)
}

impl ElastiCacheParameterGroup {
    /// The parameters set away from the defaults (`Source=user`), every page; `None` when the
    /// group is gone.
    async fn user_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
    ) -> ProviderResult<Option<BTreeMap<String, String>>> {
        let call = ctx
            .elasticache()
            .describe_cache_parameters()
            .cache_parameter_group_name(name)
            .source("user");
        let what = format!("describing the parameters of cache parameter group {name}");
        let Some(found) = unless(all(&what, call.into_paginator().items().send()).await, GONE)?
        else {
            return Ok(None);
        };
        let pairs = found.iter().filter_map(|p| {
            Some((
                p.parameter_name()?.to_lowercase(),
                p.parameter_value()?.to_string(),
            ))
        });
        Ok(Some(pairs.collect()))
    }

    /// Reads one group back after a write, keeping only the configured parameters.
    async fn read_after_write(
        &self,
        ctx: &Ctx,
        name: &str,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let mut state = state::read_back(ctx, &ELASTICACHE_PARAMETER_GROUP, name, planned).await?;
        let configured = parameters(planned);
        let mut read = parameters(&state);
        read.retain(|k, _| configured.contains_key(k));
        if let Value::Map(m) = &mut state {
            m.insert("parameter".into(), parameter_value(&read));
        }
        Ok(state)
    }

    /// Resets what is no longer configured, then sets what is new or changed, 20 at a time,
    /// each call sent again while AWS says the group has changes pending.
    async fn apply_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> ProviderResult<()> {
        let client = ctx.elasticache();
        let pending = |e: &ProviderError| e.says(INVALID_STATE, " has pending changes");
        let what = format!("cache parameter group {name} to accept changes");
        let resets: Vec<ParameterNameValue> = old
            .keys()
            .filter(|k| !new.contains_key(*k))
            .map(|n| ParameterNameValue::builder().parameter_name(n).build())
            .collect();
        for batch in resets.chunks(PARAMETER_BATCH) {
            let reset = client
                .reset_cache_parameter_group()
                .cache_parameter_group_name(name);
            let call = reset.set_parameter_name_values(Some(batch.to_vec()));
            ctx.retry_while(&what, PENDING_RETRY, pending, || async {
                let action = format!("resetting parameters of cache parameter group {name}");
                call.clone().send().await.during(&action)
            })
            .await?;
        }
        let changes: Vec<ParameterNameValue> = new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .map(|(n, v)| {
                ParameterNameValue::builder()
                    .parameter_name(n)
                    .parameter_value(v)
                    .build()
            })
            .collect();
        for batch in changes.chunks(PARAMETER_BATCH) {
            let modify = client
                .modify_cache_parameter_group()
                .cache_parameter_group_name(name);
            let call = modify.set_parameter_name_values(Some(batch.to_vec()));
            ctx.retry_while(&what, PENDING_RETRY, pending, || async {
                let action = format!("setting parameters of cache parameter group {name}");
                call.clone().send().await.during(&action)
            })
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for ElastiCacheParameterGroup {
    named!("aws_elasticache_parameter_group", SCHEMA);

    /// Two blocks for one name would be sent as two values for the same parameter.
    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        state::duplicates(config, "parameter", "name", true)
    }

    /// One describe for the batch (see `DIRECT_READ_MAX`); then DescribeCacheParameters per
    /// group found (the parameters belong to one group per call) and the tags of them all
    /// (`tagging`: the describe answer carries none).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let groups = super::describe_by_ids! {
            ctx, ids, "cache parameter group",
            |c| c.describe_cache_parameter_groups(),
            cache_parameter_group_name, cache_parameter_groups, SdkGroup::cache_parameter_group_name, GONE
        }?;
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
        let params = read_each(names, |name| async move {
            self.user_parameters(ctx, &name).await
        });
        let tags = tagging::list_many(ctx, tagging::Service::ElastiCache, &arns);
        let (mut params, mut tags) = futures::try_join!(params, tags)?;
        let mut out = BTreeMap::new();
        for g in &groups {
            let name = g.cache_parameter_group_name().unwrap_or_default();
            let Some(params) = params.remove(name).flatten() else {
                continue; // deleted between the two calls
            };
            let tags = g.arn().and_then(|a| tags.remove(a)).unwrap_or_default();
            out.insert(name.to_string(), state_of(ctx, g, &params, tags));
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?.to_lowercase();
        ctx.elasticache()
            .create_cache_parameter_group()
            .cache_parameter_group_name(&name)
            .set_cache_parameter_group_family(obj::string(planned, "family"))
            .set_description(obj::string(planned, "description"))
            .set_tags(tags::for_create(ctx, planned))
            .send()
            .await
            .during(&format!("creating cache parameter group {name}"))?;
        self.apply_parameters(ctx, &name, &BTreeMap::new(), &parameters(planned))
            .await?;
        self.read_after_write(ctx, &name, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = state::id(prior, self.type_name())?;
        let (old, new) = (parameters(prior), parameters(planned));
        if old != new {
            self.apply_parameters(ctx, &name, &old, &new).await?;
        }
        tags::update(ctx, Service::ElastiCache, prior, planned).await?;
        self.read_after_write(ctx, &name, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = state::id(prior, self.type_name())?;
        let what = format!("cache parameter group {name} to be deletable");
        let call = || async {
            let call = ctx
                .elasticache()
                .delete_cache_parameter_group()
                .cache_parameter_group_name(&name);
            call.send()
                .await
                .during(&format!("deleting cache parameter group {name}"))
                .map(drop)
        };
        let busy = |e: &ProviderError| e.is(&[INVALID_STATE]);
        lifecycle::delete(ctx, &what, DELETE_TIMEOUT, busy, GONE, call)
            .await
            .map(drop)
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
        SCHEMA.modify_plan(None, &planned.clone(), &mut planned);
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
