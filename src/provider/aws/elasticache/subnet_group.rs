//! `aws_elasticache_subnet_group`: the VPC subnets ElastiCache clusters and replication
//! groups are placed in. The state `id` is the group's name, lower-cased as AWS stores it.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_elasticache::types::CacheSubnetGroup as SdkGroup;

pub struct ElastiCacheSubnetGroup;
pub static ELASTICACHE_SUBNET_GROUP: ElastiCacheSubnetGroup = ElastiCacheSubnetGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// terraform-provider-aws retries a delete this long while the group is still in use.
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An ElastiCache subnet group.";
        regional;
        id          string     output                                    "The group's name.";
        name        string     required force_new lowercase check(|v| name_problem(v.as_str()?)) "Name (lower-cased, as AWS stores it).";
        description string     default(DEFAULT_DESCRIPTION)              "Description of the group.";
        subnet_ids  string_set required check(state::no_empty_list)       "VPC subnet ids.";
        arn         string     output                                    "The group's ARN.";
        vpc_id      string     output                                    "The VPC of the subnets.";
        tags;
        id_from name;
    }
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

fn state_of(ctx: &Ctx, g: &SdkGroup, tags: tags::Tags) -> Value {
    let name = g.cache_subnet_group_name();
    let mut m = object! {
        "id" => name,
        "name" => name,
        "description" => g.cache_subnet_group_description(),
        "subnet_ids" => state::strings(g.subnets(), |s| s.subnet_identifier()),
        "arn" => g.arn(),
        "vpc_id" => g.vpc_id(),
    };
    tags::put(ctx, &mut m, tags);
    Value::Map(m)
}

/// What AWS answers about a group it does not have.
const GONE: &[&str] = &["CacheSubnetGroupNotFoundFault"];

#[async_trait]
impl ResourceType for ElastiCacheSubnetGroup {
    named!("aws_elasticache_subnet_group", SCHEMA);

    /// One describe for the batch (see `DIRECT_READ_MAX`), then the tags of the groups found
    /// (`tagging`: the describe answer carries none).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let groups = super::describe_by_ids! {
            ctx, ids, "cache subnet group",
            |c| c.describe_cache_subnet_groups(),
            cache_subnet_group_name, cache_subnet_groups, SdkGroup::cache_subnet_group_name, GONE
        }?;
        let found = tagging::with_tags(ctx, tagging::Service::ElastiCache, groups, SdkGroup::arn);
        let state = |(g, tags): (SdkGroup, _)| state_of(ctx, &g, tags);
        Ok(state::by_id(
            found.await?,
            |(g, _)| g.cache_subnet_group_name(),
            state,
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?.to_lowercase();
        ctx.elasticache()
            .create_cache_subnet_group()
            .cache_subnet_group_name(&name)
            .set_cache_subnet_group_description(obj::string(planned, "description"))
            .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")))
            .set_tags(tags::for_create(ctx, planned))
            .send()
            .await
            .during(&format!("creating cache subnet group {name}"))?;
        state::read_back(ctx, &ELASTICACHE_SUBNET_GROUP, &name, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = state::id(prior, self.type_name())?;
        if ["description", "subnet_ids"]
            .iter()
            .any(|k| modify::differs(prior, planned, k))
        {
            ctx.elasticache()
                .modify_cache_subnet_group()
                .cache_subnet_group_name(&name)
                .set_cache_subnet_group_description(obj::string(planned, "description"))
                .set_subnet_ids(Some(obj::strings(planned, "subnet_ids")))
                .send()
                .await
                .during(&format!("modifying cache subnet group {name}"))?;
        }
        tags::update(ctx, Service::ElastiCache, prior, planned).await?;
        state::read_back(ctx, &ELASTICACHE_SUBNET_GROUP, &name, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = state::id(prior, self.type_name())?;
        // Still in use by a cache that is itself going away: retry, as Terraform does.
        let busy = |e: &ProviderError| e.is(&["CacheSubnetGroupInUse", "DependencyViolation"]);
        let what = format!("cache subnet group {name} to be no longer in use");
        let call = || async {
            let call = ctx
                .elasticache()
                .delete_cache_subnet_group()
                .cache_subnet_group_name(&name);
            call.send()
                .await
                .during(&format!("deleting cache subnet group {name}"))
                .map(drop)
        };
        lifecycle::delete(ctx, &what, DELETE_TIMEOUT, busy, GONE, call)
            .await
            .map(drop)
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
        SCHEMA.modify_plan(None, &planned.clone(), &mut planned);
        assert_eq!(obj::str(&planned, "name"), Some("cache-subnets"));
        assert_eq!(obj::str(&planned, "id"), Some("cache-subnets"));
        assert!(name_problem("a_b").is_some());
        assert!(name_problem("ok-1").is_none());
    }
}
