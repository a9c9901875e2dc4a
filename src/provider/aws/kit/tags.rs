//! Tags of every taggable object, whatever its service: what state holds (`tags`, and
//! `tags_all` with the provider's `default_tags`), what a create call sends (with the
//! operation tag, see `ownership`), and a change moved to AWS in at most two calls.
//!
//! EC2 tags an object by id (CreateTags / DeleteTags); RDS and ElastiCache by ARN
//! (AddTagsToResource / RemoveTagsFromResource); Redshift by ARN (CreateTags / DeleteTags); IAM by role name or policy ARN (TagRole,
//! TagPolicy, ...); CloudWatch Logs by ARN (TagResource / UntagResource). Reading the tags of
//! many RDS, ElastiCache and Logs objects is `tagging`'s; EC2 and IAM answer them with the
//! object.

use super::client::Ctx;
use super::errors::During;
use super::ownership;
use crate::provider::{obj, ProviderError, ProviderResult};
use crate::value::{Map, Value};
use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

/// Whose API changes an object's tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Ec2,
    Rds,
    ElastiCache,
    Iam,
    Logs,
    SecretsManager,
    Kms,
    Redshift,
}

impl Service {
    /// The service an ARN names (`arn:PARTITION:SERVICE:...`), among those strata tags.
    pub fn of_arn(arn: &str) -> Option<Service> {
        Some(match arn.split(':').nth(2)? {
            "ec2" => Service::Ec2,
            "rds" => Service::Rds,
            "elasticache" => Service::ElastiCache,
            "iam" => Service::Iam,
            "logs" => Service::Logs,
            "secretsmanager" => Service::SecretsManager,
            "kms" => Service::Kms,
            "redshift" => Service::Redshift,
            _ => return None,
        })
    }
}

/// What an IAM ARN names: `role/PATH/NAME` → (`role`, `NAME`), `policy/PATH/NAME` →
/// (`policy`, `NAME`).
pub fn iam_kind_and_name(arn: &str) -> (&str, &str) {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let kind = resource.split('/').next().unwrap_or_default();
    (kind, resource.rsplit('/').next().unwrap_or_default())
}

/// A tag key read from AWS that state keeps: not AWS's own (`aws:`, which no one may set, as
/// terraform-provider-aws ignores them) nor strata's bookkeeping.
pub fn kept(key: &str) -> bool {
    !key.starts_with("aws:") && !ownership::is_bookkeeping(key)
}

/// The tags of an SDK answer (any service's tag type, as key/value pairs), those state keeps.
pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string())))
        .filter(|(k, _)| kept(k))
        .collect()
}

/// An SDK's tag type.
pub trait SdkTag: Sized {
    fn pair(&self) -> (Option<&str>, Option<&str>);
    fn new(key: &str, value: &str) -> Self;
}

macro_rules! sdk_tags {
    ($($t:ty),*) => {$(
        impl SdkTag for $t {
            fn pair(&self) -> (Option<&str>, Option<&str>) {
                (self.key(), self.value())
            }
            fn new(key: &str, value: &str) -> Self {
                <$t>::builder().key(key).value(value).build()
            }
        }
    )*};
}

sdk_tags!(
    aws_sdk_ec2::types::Tag,
    aws_sdk_rds::types::Tag,
    aws_sdk_elasticache::types::Tag,
    aws_sdk_secretsmanager::types::Tag,
    aws_sdk_redshift::types::Tag
);

// IAM's tag has both halves required: the builder fails only when one is missing.
// KMS names the halves TagKey and TagValue, both required.
impl SdkTag for aws_sdk_kms::types::Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (Some(self.tag_key()), Some(self.tag_value()))
    }
    fn new(key: &str, value: &str) -> Self {
        let tag = aws_sdk_kms::types::Tag::builder()
            .tag_key(key)
            .tag_value(value);
        tag.build().expect("a KMS tag with its key and value set")
    }
}

impl SdkTag for aws_sdk_iam::types::Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (Some(self.key()), Some(self.value()))
    }
    fn new(key: &str, value: &str) -> Self {
        let tag = aws_sdk_iam::types::Tag::builder().key(key).value(value);
        tag.build().expect("an IAM tag with its key and value set")
    }
}

/// The tags state keeps of an SDK tag list.
pub fn read<T: SdkTag>(tags: &[T]) -> Tags {
    from_pairs(tags.iter().map(SdkTag::pair))
}

pub fn to_sdk<T: SdkTag>(tags: &Tags) -> Vec<T> {
    tags.iter().map(|(k, v)| T::new(k, v)).collect()
}

impl Ctx {
    /// Tags to send: the provider's default_tags overlaid by the resource's own.
    pub fn merged_tags(&self, tags: &Tags) -> Tags {
        let mut all = self.settings.default_tags.clone();
        all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }

    /// Tags a create call sends for `planned`: its merged tags and, inside
    /// `ownership::creating`, the journal operation's tag (the proof strata made the object).
    pub fn creation_tags(&self, planned: &Value) -> Tags {
        ownership::at_creation(self.merged_tags(&obj::string_map(planned, "tags")))
    }
}

/// `Some(tags)` for a create call (`Ctx::creation_tags`), `None` when there are none.
pub fn for_create<T: SdkTag>(ctx: &Ctx, planned: &Value) -> Option<Vec<T>> {
    let tags = ctx.creation_tags(planned);
    (!tags.is_empty()).then(|| to_sdk(&tags))
}

/// `for_create` for an API that takes tags as a map (CloudWatch Logs).
pub fn map_for_create(
    ctx: &Ctx,
    planned: &Value,
) -> Option<std::collections::HashMap<String, String>> {
    let tags = ctx.creation_tags(planned);
    (!tags.is_empty()).then(|| tags.into_iter().collect())
}

/// An EC2 create call's tag specification for `tags`, `None` when there are none.
pub fn ec2_spec(
    tags: &Tags,
    kind: aws_sdk_ec2::types::ResourceType,
) -> Option<aws_sdk_ec2::types::TagSpecification> {
    (!tags.is_empty()).then(|| {
        aws_sdk_ec2::types::TagSpecification::builder()
            .resource_type(kind)
            .set_tags(Some(to_sdk(tags)))
            .build()
    })
}

/// `tags` and `tags_all` for state: `tags` leaves out what the provider's default_tags supply.
pub fn put(ctx: &Ctx, m: &mut Map, all: Tags) {
    let defaults = &ctx.settings.default_tags;
    let own = all
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()));
    m.insert("tags".into(), obj::map(own));
    m.insert("tags_all".into(), obj::map(all));
}

/// The tags an object has now, default tags included: its `tags_all`, or what its `tags` and
/// the default tags make when state has none.
fn current(ctx: &Ctx, prior: &Value) -> Tags {
    match prior.get("tags_all").and_then(Value::as_map) {
        Some(_) => obj::string_map(prior, "tags_all"),
        None => ctx.merged_tags(&obj::string_map(prior, "tags")),
    }
}

/// Whether an object just written can have tags: the plan or the prior state has some (else
/// listing them is a call for nothing).
pub fn expected(ctx: &Ctx, prior: Option<&Value>, planned: &Value) -> bool {
    !ctx.merged_tags(&obj::string_map(planned, "tags"))
        .is_empty()
        || prior.is_some_and(|p| !obj::string_map(p, "tags_all").is_empty())
}

/// Whether the tags AWS should hold differ from what `prior` says it holds.
pub fn changed(ctx: &Ctx, prior: &Value, planned: &Value) -> bool {
    current(ctx, prior) != ctx.merged_tags(&obj::string_map(planned, "tags"))
}

/// Moves an object's tags from what `prior` says it holds to what `planned` asks for: one call
/// removing the keys that went, one setting what is new or changed. The object is named by
/// its `arn` (its `id` for EC2).
pub async fn update(
    ctx: &Ctx,
    service: Service,
    prior: &Value,
    planned: &Value,
) -> ProviderResult<()> {
    let key = if service == Service::Ec2 { "id" } else { "arn" };
    update_at(ctx, service, obj::str(prior, key), prior, planned).await
}

/// `update` of the object `resource` names (an ARN kept under another name, one read again).
pub async fn update_at(
    ctx: &Ctx,
    service: Service,
    resource: Option<&str>,
    prior: &Value,
    planned: &Value,
) -> ProviderResult<()> {
    let old = current(ctx, prior);
    let new = ctx.merged_tags(&obj::string_map(planned, "tags"));
    if old == new {
        return Ok(());
    }
    let r = resource.ok_or_else(|| {
        ProviderError::new(format!(
            "{}: no ARN in state to change its tags by",
            obj::str(prior, "id").unwrap_or("the object")
        ))
    })?;
    let removed: Vec<String> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set: Tags = new
        .into_iter()
        .filter(|(k, v)| old.get(k) != Some(v))
        .collect();
    let (untag, tag) = (format!("removing tags from {r}"), format!("tagging {r}"));
    // RDS and ElastiCache name the two calls alike; one body serves both clients.
    macro_rules! by_arn {
        ($client:expr) => {{
            let client = $client;
            if !removed.is_empty() {
                let call = client.remove_tags_from_resource().resource_name(r);
                call.set_tag_keys(Some(removed))
                    .send()
                    .await
                    .during(&untag)?;
            }
            if !set.is_empty() {
                let call = client.add_tags_to_resource().resource_name(r);
                call.set_tags(Some(to_sdk(&set)))
                    .send()
                    .await
                    .during(&tag)?;
            }
        }};
    }
    match service {
        Service::Ec2 => {
            let ec2 = ctx.ec2();
            if !removed.is_empty() {
                let keys = removed
                    .iter()
                    .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build());
                let call = ec2
                    .delete_tags()
                    .resources(r)
                    .set_tags(Some(keys.collect()));
                call.send().await.during(&untag)?;
            }
            if !set.is_empty() {
                let call = ec2.create_tags().resources(r).set_tags(Some(to_sdk(&set)));
                call.send().await.during(&tag)?;
            }
        }
        Service::Rds => by_arn!(ctx.rds()),
        Service::ElastiCache => by_arn!(ctx.elasticache()),
        Service::Redshift => {
            let redshift = ctx.redshift();
            if !removed.is_empty() {
                let call = redshift.delete_tags().resource_name(r);
                call.set_tag_keys(Some(removed))
                    .send()
                    .await
                    .during(&untag)?;
            }
            if !set.is_empty() {
                let call = redshift.create_tags().resource_name(r);
                call.set_tags(Some(to_sdk(&set)))
                    .send()
                    .await
                    .during(&tag)?;
            }
        }
        Service::Iam => iam_update(ctx, r, removed, &set, (&untag, &tag)).await?,
        Service::Kms => {
            let kms = ctx.kms();
            if !removed.is_empty() {
                let call = kms.untag_resource().key_id(r);
                call.set_tag_keys(Some(removed))
                    .send()
                    .await
                    .during(&untag)?;
            }
            if !set.is_empty() {
                let call = kms.tag_resource().key_id(r);
                call.set_tags(Some(to_sdk(&set)))
                    .send()
                    .await
                    .during(&tag)?;
            }
        }
        Service::SecretsManager => {
            let secrets = ctx.secretsmanager();
            if !removed.is_empty() {
                let call = secrets.untag_resource().secret_id(r);
                call.set_tag_keys(Some(removed))
                    .send()
                    .await
                    .during(&untag)?;
            }
            if !set.is_empty() {
                let call = secrets.tag_resource().secret_id(r);
                call.set_tags(Some(to_sdk(&set)))
                    .send()
                    .await
                    .during(&tag)?;
            }
        }
        Service::Logs => {
            let logs = ctx.logs();
            if !removed.is_empty() {
                let call = logs.untag_resource().resource_arn(r);
                call.set_tag_keys(Some(removed))
                    .send()
                    .await
                    .during(&untag)?;
            }
            if !set.is_empty() {
                let call = logs.tag_resource().resource_arn(r);
                call.set_tags(Some(set.into_iter().collect()))
                    .send()
                    .await
                    .during(&tag)?;
            }
        }
    }
    Ok(())
}

/// IAM names the calls after the kind of object: TagRole / UntagRole by role name, TagPolicy /
/// UntagPolicy by ARN.
async fn iam_update(
    ctx: &Ctx,
    arn: &str,
    removed: Vec<String>,
    set: &Tags,
    (untag, tag): (&str, &str),
) -> ProviderResult<()> {
    let iam = ctx.iam();
    let sdk = || Some(to_sdk(set));
    match iam_kind_and_name(arn) {
        ("role", name) => {
            if !removed.is_empty() {
                let call = iam.untag_role().role_name(name).set_tag_keys(Some(removed));
                call.send().await.during(untag)?;
            }
            if !set.is_empty() {
                let call = iam.tag_role().role_name(name).set_tags(sdk());
                call.send().await.during(tag)?;
            }
        }
        ("policy", _) => {
            if !removed.is_empty() {
                let call = iam
                    .untag_policy()
                    .policy_arn(arn)
                    .set_tag_keys(Some(removed));
                call.send().await.during(untag)?;
            }
            if !set.is_empty() {
                let call = iam.tag_policy().policy_arn(arn).set_tags(sdk());
                call.send().await.during(tag)?;
            }
        }
        (kind, _) => {
            return Err(ProviderError::new(format!(
                "{arn}: strata does not tag IAM {kind}s"
            )))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_service_and_iam_object() {
        let role = "arn:aws:iam::123456789012:role/service/rds-monitoring";
        assert_eq!(Service::of_arn(role), Some(Service::Iam));
        assert_eq!(iam_kind_and_name(role), ("role", "rds-monitoring"));
        let policy = "arn:aws:iam::123456789012:policy/db/logs";
        assert_eq!(iam_kind_and_name(policy), ("policy", "logs"));
        let group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/x";
        assert_eq!(Service::of_arn(group), Some(Service::Logs));
        assert_eq!(Service::of_arn("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn aws_and_bookkeeping_tags_are_not_kept() {
        let tags = from_pairs([
            (Some("Team"), Some("data")),
            (Some("aws:cloudformation:stack-name"), Some("s")),
            (Some(ownership::OPERATION_TAG), Some("op")),
            (None, Some("no key")),
            (Some("empty"), None),
        ]);
        assert_eq!(
            tags,
            Tags::from([
                ("Team".to_string(), "data".to_string()),
                ("empty".to_string(), String::new())
            ])
        );
    }
}
