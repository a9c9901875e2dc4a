//! Tags of RDS resources: keyed by ARN, changed with AddTagsToResource and
//! RemoveTagsFromResource, never through the resource's Modify call. Reading them is
//! `tagging`'s (one resource or many).

use super::{ownership, Ctx};
use crate::provider::{obj, ProviderError, ProviderResult};
use crate::value::Value;
use aws_sdk_rds::types::Tag;
use std::collections::BTreeMap;

pub fn to_sdk(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The tags AWS answers with, strata's bookkeeping (`ownership`) left out.
pub fn from_sdk(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            t.key
                .clone()
                .map(|k| (k, t.value.clone().unwrap_or_default()))
        })
        .filter(|(k, _)| !ownership::is_bookkeeping(k))
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

/// `Some(tags)` for a create call (with the operation tag, see `ownership`), `None` when
/// there are none.
pub fn create_tags(ctx: &Ctx, planned: &Value) -> Option<Vec<Tag>> {
    let tags = ctx.creation_tags(planned);
    (!tags.is_empty()).then(|| to_sdk(&tags))
}

/// The tags to send for a planned object: default_tags overlaid by its own `tags`.
pub fn planned_all(ctx: &Ctx, planned: &Value) -> BTreeMap<String, String> {
    ctx.merged_tags(&obj::string_map(planned, "tags"))
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
        ctx.rds()
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
        ctx.rds()
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(to_sdk(&changed)))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("tagging {arn}"), e))?;
    }
    Ok(())
}
