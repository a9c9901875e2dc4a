//! ElastiCache: cache clusters, replication groups, and their subnet and parameter groups.
//! What the types share: reads by id (direct calls for a few, a listing for many), the
//! cache id rule, and the batched DescribeCacheClusters.

mod cluster;
mod log_delivery;
mod parameter_group;
mod replication_group;
mod replication_group_data;
mod subnet_group;

pub use cluster::{ElastiCacheCluster, ELASTICACHE_CLUSTER};
pub use parameter_group::{ElastiCacheParameterGroup, ELASTICACHE_PARAMETER_GROUP};
pub use replication_group::{ElastiCacheReplicationGroup, ELASTICACHE_REPLICATION_GROUP};
pub use replication_group_data::{
    ElastiCacheReplicationGroupData, ELASTICACHE_REPLICATION_GROUP_DATA,
};
pub use subnet_group::{ElastiCacheSubnetGroup, ELASTICACHE_SUBNET_GROUP};

use super::kit::errors::During;
use super::kit::{all, PAGE_SIZE};
use super::Ctx;
use crate::provider::ProviderResult;
use aws_sdk_elasticache::types::CacheCluster;

/// [`super::kit::by_ids`] over one Describe operation of ElastiCache: `$describe` (`|c| c.describe_…()`,
/// with any fixed arguments) with `.$by_id(id)` for each of a few ids, else a paginated listing
/// of it. `$field` of an answer holds the objects; `$noun` names one in errors.
macro_rules! describe_by_ids {
    ($ctx:expr, $ids:expr, $noun:literal, |$c:ident| $describe:expr, $by_id:ident, $field:ident, $id_of:expr, $gone:expr) => {{
        let $c = $ctx.elasticache();
        let describe = || $describe;
        let one = |id: String| async move {
            let page = describe().$by_id(&id).send().await;
            Ok(page
                .during(&format!(concat!("describing ", $noun, " {}"), id))?
                .$field
                .unwrap_or_default())
        };
        let listing = || {
            all(
                concat!("describing ", $noun, "s"),
                describe()
                    .max_records(PAGE_SIZE)
                    .into_paginator()
                    .items()
                    .send(),
            )
        };
        $crate::provider::aws::kit::by_ids($ids, $id_of, $gone, one, listing).await
    }};
}
use describe_by_ids;

/// The cache clusters with these ids, with their node info.
pub async fn describe_cache_clusters(
    ctx: &Ctx,
    ids: &[String],
) -> ProviderResult<Vec<CacheCluster>> {
    describe_by_ids! {
        ctx, ids, "cache cluster",
        |c| c.describe_cache_clusters().show_cache_node_info(true),
        cache_cluster_id, cache_clusters, CacheCluster::cache_cluster_id, &["CacheClusterNotFound"]
    }
}

/// Why `id` is not a valid replication group, cache cluster or parameter group id
/// (`[0-9a-z-]` once lower-cased, a letter first, no `--`, no trailing `-`, at most `max`
/// characters).
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

/// An ElastiCache window: AWS takes an empty one as "none".
pub fn or_empty(pattern: &str) -> String {
    format!("^$|{pattern}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_formats() {
        use crate::provider::aws::kit::{DAILY_WINDOW, WEEKLY_WINDOW};
        let maintenance_window_ok = |w| {
            regex::Regex::new(&or_empty(WEEKLY_WINDOW))
                .unwrap()
                .is_match(w)
        };
        let snapshot_window_ok = |w| {
            regex::Regex::new(&or_empty(DAILY_WINDOW))
                .unwrap()
                .is_match(w)
        };
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
