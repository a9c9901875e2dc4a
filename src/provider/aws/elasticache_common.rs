//! What the ElastiCache resource files share: tags (keyed by ARN, changed with
//! AddTagsToResource / RemoveTagsFromResource; read through `tagging`), window formats,
//! identifier rules, and the batched DescribeCacheClusters read.

use super::Ctx;
use crate::provider::{obj, ProviderError, ProviderResult};
use crate::value::Value;
use aws_sdk_elasticache::types::{CacheCluster, Tag};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Up to this many ids are read with one direct call each (`CacheClusterId=`,
/// `ReplicationGroupId=`: the APIs take one id per call); more are read with one paginated
/// listing of the region filtered here. A direct call costs one request per id; a listing
/// costs one request per 100 objects in the region whatever the number of ids. At one or two
/// ids the direct calls are never more requests than a listing (which needs at least one
/// page) and do not pull a large region's whole inventory; from three ids on, the listing is
/// fewer requests unless the region holds over 200 objects, and a plan that reads many ids
/// is what the batch exists for.
pub const DIRECT_READ_MAX: usize = 2;

/// The most records one Describe page may hold.
pub const PAGE_SIZE: i32 = 100;

// ----------------------------------------------------------------------------------------
// Tags
// ----------------------------------------------------------------------------------------

pub fn to_sdk(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// `(tags, tags_all)` for state: `tags` leaves out what the provider's default_tags supply.
pub fn state_values(ctx: &Ctx, all: &BTreeMap<String, String>) -> (Value, Value) {
    let defaults = &ctx.settings.default_tags;
    let own = all
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()));
    (obj::map(own), obj::map(all.clone()))
}

/// The tags to send for a planned object: default_tags overlaid by its own `tags`.
pub fn planned_all(ctx: &Ctx, planned: &Value) -> BTreeMap<String, String> {
    ctx.merged_tags(&obj::string_map(planned, "tags"))
}

/// `Some(tags)` to send on create (with the operation tag, see `ownership`), `None` when
/// there are none.
pub fn create_tags(ctx: &Ctx, planned: &Value) -> Option<Vec<Tag>> {
    let tags = ctx.creation_tags(planned);
    (!tags.is_empty()).then(|| to_sdk(&tags))
}

/// Moves a resource's tags from `old` to `new` (both including default tags).
pub async fn update(
    ctx: &Ctx,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> ProviderResult<()> {
    let removed: Vec<String> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        ctx.elasticache()
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("removing tags from {arn}"), e))?;
    }
    let changed: BTreeMap<String, String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        ctx.elasticache()
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(to_sdk(&changed)))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("tagging {arn}"), e))?;
    }
    Ok(())
}

/// Applies a tag change between two states of a resource.
pub async fn update_from_plan(
    ctx: &Ctx,
    arn: Option<&str>,
    what: &str,
    prior: &Value,
    planned: &Value,
) -> ProviderResult<()> {
    let old = obj::string_map(prior, "tags_all");
    let new = planned_all(ctx, planned);
    if old == new {
        return Ok(());
    }
    let arn = arn.ok_or_else(|| ProviderError::new(format!("{what}: no ARN in state")))?;
    update(ctx, arn, &old, &new).await
}

// ----------------------------------------------------------------------------------------
// Formats
// ----------------------------------------------------------------------------------------

static SNAPSHOT_WINDOW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$").unwrap()
});

static MAINTENANCE_WINDOW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$",
    )
    .unwrap()
});

/// `ddd:hh24:mi-ddd:hh24:mi`, judged lower-cased as terraform-provider-aws does; empty is
/// allowed.
pub fn maintenance_window_ok(w: &str) -> bool {
    w.is_empty() || MAINTENANCE_WINDOW.is_match(&w.to_lowercase())
}

/// `hh24:mi-hh24:mi`; empty is allowed.
pub fn snapshot_window_ok(w: &str) -> bool {
    w.is_empty() || SNAPSHOT_WINDOW.is_match(w)
}

/// Why `id` is not a valid replication group or cache cluster id (`[0-9a-z-]` once
/// lower-cased, a letter first, no `--`, no trailing `-`, at most `max` characters).
pub fn cache_id_problem(id: &str, max: usize) -> Option<String> {
    if id.is_empty() || id.len() > max {
        return Some(format!("must be 1 to {max} characters"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Some(format!(
            "only letters, digits and hyphens are allowed, found {c:?}"
        ));
    }
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("must start with a letter".into());
    }
    if id.contains("--") {
        return Some("must not contain two consecutive hyphens".into());
    }
    if id.ends_with('-') {
        return Some("must not end with a hyphen".into());
    }
    None
}

/// Lower-cases the string attributes `keys` of a planned object (ids and windows AWS stores
/// lower-cased).
pub fn lower_case(planned: &mut Value, keys: &[&str]) {
    if let Value::Map(m) = planned {
        for key in keys {
            if let Some(s) = m.get(*key).and_then(Value::as_str) {
                let lower = s.to_lowercase();
                m.insert((*key).to_string(), Value::from(lower));
            }
        }
    }
}

// ----------------------------------------------------------------------------------------
// Reads
// ----------------------------------------------------------------------------------------

fn cluster_not_found<E>(e: &aws_sdk_elasticache::error::SdkError<E>) -> bool
where
    E: aws_sdk_elasticache::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "CacheClusterNotFound")
}

/// The cache clusters with these ids (with node info), in as few calls as
/// [`DIRECT_READ_MAX`] allows. Missing ids are absent.
pub async fn describe_clusters(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<CacheCluster>> {
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    let client = ctx.elasticache();
    if wanted.len() <= DIRECT_READ_MAX {
        for id in &wanted {
            match client
                .describe_cache_clusters()
                .cache_cluster_id(*id)
                .show_cache_node_info(true)
                .send()
                .await
            {
                Ok(page) => out.extend(page.cache_clusters.unwrap_or_default()),
                Err(e) if cluster_not_found(&e) => {}
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("describing cache cluster {id}"),
                        e,
                    ))
                }
            }
        }
    } else {
        let mut pages = client
            .describe_cache_clusters()
            .show_cache_node_info(true)
            .max_records(PAGE_SIZE)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ProviderError::sdk("describing cache clusters", e))?;
            out.extend(page.cache_clusters.unwrap_or_default());
        }
    }
    // An answer for another id (or an eventual-consistency near miss) is absent.
    out.retain(|c| c.cache_cluster_id().is_some_and(|i| wanted.contains(i)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_formats() {
        assert!(maintenance_window_ok("sun:05:00-sun:06:00"));
        assert!(maintenance_window_ok("Sun:05:00-SUN:06:00"));
        assert!(maintenance_window_ok(""));
        for bad in [
            "sun:05:00-06:00",
            "sunday:05:00-sun:06:00",
            "sun:24:00-sun:06:00",
        ] {
            assert!(!maintenance_window_ok(bad), "{bad}");
        }
        assert!(snapshot_window_ok("05:00-06:00"));
        assert!(snapshot_window_ok(""));
        for bad in ["5:00-06:00", "05:00-24:00", "05:00"] {
            assert!(!snapshot_window_ok(bad), "{bad}");
        }
    }

    #[test]
    fn id_rules() {
        assert_eq!(cache_id_problem("Cache-1", 40), None);
        for bad in ["1abc", "a--b", "ab-", "a_b", ""] {
            assert!(cache_id_problem(bad, 40).is_some(), "{bad}");
        }
        assert!(cache_id_problem(&"a".repeat(41), 40).is_some());
    }
}
