//! Proof that strata made an object: every create call carries the tag [`OPERATION_TAG`], whose
//! value is the id of the journal entry recorded before the call.
//!
//! A create whose answer was lost (a kill, a dropped connection) is retried with the identifier
//! the journal recorded, and AWS answers "already exists" when the lost attempt went through.
//! The tag tells that object from one someone else made under the same name: an object carrying
//! the entry's operation id is the lost attempt's, without further doubt. The tag is written in
//! the create call itself (EC2's `TagSpecifications`, RDS's and ElastiCache's `Tags`), so an
//! object never exists without it, even for a moment.
//!
//! It is strata's bookkeeping, not configuration: every read leaves it out ([`is_bookkeeping`],
//! applied where tags come in from AWS), so it never shows in state, in a plan, as drift, or in
//! a data source; tag updates start from the state's tags, so they never remove it; and a
//! configuration may not set it ([`reserved_tag_problems`]).

use super::client::Ctx;
use super::tagging::{list_all, Service};
use crate::provider::{obj, ConfigProblem, ProviderError, ProviderResult};
use crate::value::Value;
use std::collections::BTreeMap;
use std::future::Future;

/// The tag key carrying the journal operation that created an object. AWS reserves `aws:`.
pub const OPERATION_TAG: &str = "strata:operation";

tokio::task_local! {
    /// Set inside [`creating`]: the operation a create call runs for.
    static OPERATION: String;
}

/// Runs a resource type's `create` as journal operation `operation`: its create call tags the
/// new object with it ([`at_creation`]). A task-local rather than an argument, as for
/// `attempts::observe`: every type's create reaches it without threading it through its calls.
pub async fn creating<F: Future>(operation: &str, create: F) -> F::Output {
    OPERATION.scope(operation.to_string(), create).await
}

/// The tags a create call sends: `tags` (default_tags and the object's own) plus the operation
/// tag when the create runs inside [`creating`].
pub fn at_creation(mut tags: BTreeMap<String, String>) -> BTreeMap<String, String> {
    if let Ok(op) = OPERATION.try_with(Clone::clone) {
        tags.insert(OPERATION_TAG.to_string(), op);
    }
    tags
}

/// A tag key strata keeps for itself: left out of everything read from AWS.
pub fn is_bookkeeping(key: &str) -> bool {
    key == OPERATION_TAG
}

/// A configuration that sets the operation tag itself (in `tags`, or the provider's
/// `default_tags`): strata would overwrite it on create and hide it on every read, a change
/// planned forever.
pub fn reserved_tag_problems(
    config: &Value,
    default_tags: &BTreeMap<String, String>,
) -> Vec<ConfigProblem> {
    let help = format!(
        "remove the tag: strata writes {OPERATION_TAG} itself on every object it creates, as \
         proof of ownership, and hides it from plans"
    );
    let mut out = Vec::new();
    if config
        .get("tags")
        .and_then(Value::as_map)
        .is_some_and(|m| m.contains_key(OPERATION_TAG))
    {
        out.push(ConfigProblem::new(
            Some("tags"),
            format!("the tag key \"{OPERATION_TAG}\" is reserved for strata"),
            help.clone(),
        ));
    }
    if default_tags.contains_key(OPERATION_TAG) {
        out.push(ConfigProblem::new(
            None,
            format!(
                "the provider's default_tags set \"{OPERATION_TAG}\", a tag key reserved for strata"
            ),
            help,
        ));
    }
    out
}

/// The operation tag `found` carries in AWS, read with one call (the reads that made `found`
/// leave it out): DescribeTags for a security group, the service's ListTagsForResource for an
/// RDS or ElastiCache object. `None` when it carries none.
pub async fn operation_of(ctx: &Ctx, found: &Value) -> ProviderResult<Option<String>> {
    let arn = ["arn", "db_snapshot_arn", "db_cluster_snapshot_arn"]
        .iter()
        .find_map(|k| obj::str(found, k).filter(|a| a.starts_with("arn:")))
        .ok_or_else(|| ProviderError::new("the object has no ARN to read its tags by"))?;
    let service = Service::of_arn(arn).ok_or_else(|| {
        ProviderError::new(format!(
            "reading the {OPERATION_TAG} tag of {arn}: no tags are read for its service"
        ))
    })?;
    Ok(list_all(ctx, service, arn).await?.remove(OPERATION_TAG))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_create_inside_its_operation_is_tagged() {
        let tags = BTreeMap::from([("Team".to_string(), "data".to_string())]);
        assert_eq!(at_creation(tags.clone()), tags);
        let tagged = creating("op-1", async { at_creation(tags.clone()) }).await;
        assert_eq!(tagged.get(OPERATION_TAG).map(String::as_str), Some("op-1"));
        assert_eq!(tagged.get("Team").map(String::as_str), Some("data"));
        assert!(is_bookkeeping(OPERATION_TAG) && !is_bookkeeping("Team"));
    }

    #[test]
    fn the_operation_tag_cannot_be_configured() {
        let config = Value::Map(
            [(
                "tags".to_string(),
                obj::map([(OPERATION_TAG.to_string(), "x".to_string())]),
            )]
            .into_iter()
            .collect(),
        );
        let problems = reserved_tag_problems(&config, &BTreeMap::new());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].attribute, Some("tags"));
        let defaults = BTreeMap::from([(OPERATION_TAG.to_string(), "x".to_string())]);
        assert_eq!(reserved_tag_problems(&Value::Null, &defaults).len(), 1);
        assert!(reserved_tag_problems(&Value::Null, &BTreeMap::new()).is_empty());
    }
}
