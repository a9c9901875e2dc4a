//! Reading the tags of RDS, ElastiCache and CloudWatch Logs resources, one or many (IAM's
//! GetRole and GetPolicy answer with the tags; [`list_all`] reads them for `ownership`).
//!
//! The describe answers of DB subnet, parameter and option groups, of every ElastiCache
//! type and of log groups carry no tags, and the services' own ListTagsForResource takes one ARN: a refresh of N
//! such resources used to cost N calls. The Resource Groups Tagging API's GetResources takes up
//! to 100 ARNs of any service, so a batch costs one call per 100 resources. The paths:
//!
//! - up to [`DIRECT_READ_MAX`] ARNs, or any number inside [`current`] (the poller's reads
//!   right after a write, batched as they are): the service's own ListTagsForResource, one
//!   call each. It answers from the resource itself, so it shows a tag written a moment ago.
//!   GetResources reads the tagging service's own index, which AWS does not document as
//!   updated at once.
//! - more: GetResources with `ResourceARNList`, 100 ARNs a call (the API's maximum). An ARN
//!   missing from the answer has no tags: GetResources returns only resources that are or
//!   were tagged.
//! - GetResources refused: `tag:GetResources` is an IAM action of its own, which a role allowed
//!   `rds:*` and `elasticache:*` may lack. Then ListTagsForResource per ARN,
//!   [`super::READ_CONCURRENCY`] at a time: the refresh is slower, never wrong.
//! - the service's endpoint is overridden (`endpoints { rds = ... }`) and the tagging API's is
//!   not: per ARN as well, so tags come from where the user pointed the service (an emulator,
//!   a VPC endpoint), never from the public AWS endpoint.

use super::client::Ctx;
use super::errors::During;
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_resourcegroupstagging::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesError;
use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// The Resource Groups Tagging API's key in a provider's `endpoints {}` block, as
/// terraform-provider-aws names it.
pub const ENDPOINT_KEY: &str = "resourcegroupstaggingapi";

/// The environment variable aws-config reads for the tagging API's endpoint (its service id,
/// "Resource Groups Tagging API").
const ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API";

/// Up to this many ARNs are read with the service's own ListTagsForResource: as many calls as
/// one GetResources at one ARN, one more at two, and the answer is current (see the module
/// comment). The same threshold as ElastiCache's direct describes, for the same reason.
pub const DIRECT_READ_MAX: usize = super::DIRECT_READ_MAX;

/// The most ARNs one GetResources call takes (`ResourceARNList`, 1 to 100 items).
const GET_RESOURCES_MAX: usize = 100;

/// GetResources calls in flight at once; each covers 100 resources, so few are ever needed.
const BATCH_CONCURRENCY: usize = 4;

pub use super::tags::Tags;

tokio::task_local! {
    /// Set inside [`current`]: tags must be as written a moment ago.
    static CURRENT: ();
}

/// Runs `read` with every tag read answered by the service itself (see the module comment):
/// for reads right after a write, which must see the tags just written.
pub async fn current<T>(read: impl std::future::Future<Output = T>) -> T {
    CURRENT.scope((), read).await
}

pub use super::tags::Service;

impl Service {
    /// The service's key in a provider's `endpoints {}` block.
    fn endpoint_key(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Rds => "rds",
            Service::ElastiCache => "elasticache",
            Service::Iam => "iam",
            Service::Logs => "logs",
            Service::SecretsManager => "secretsmanager",
            Service::Kms => "kms",
            Service::Redshift => "redshift",
        }
    }

    fn endpoint_env(self) -> &'static str {
        match self {
            Service::Ec2 => "AWS_ENDPOINT_URL_EC2",
            Service::Rds => "AWS_ENDPOINT_URL_RDS",
            Service::ElastiCache => "AWS_ENDPOINT_URL_ELASTICACHE",
            Service::Iam => "AWS_ENDPOINT_URL_IAM",
            Service::Logs => "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
            Service::SecretsManager => "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            Service::Kms => "AWS_ENDPOINT_URL_KMS",
            Service::Redshift => "AWS_ENDPOINT_URL_REDSHIFT",
        }
    }
}

/// The tags of one resource, from the service itself (current right after a write).
pub async fn list(ctx: &Ctx, service: Service, arn: &str) -> ProviderResult<Tags> {
    let mut tags = list_all(ctx, service, arn).await?;
    tags.retain(|k, _| super::tags::kept(k));
    Ok(tags)
}

/// Every tag of one resource (an ARN; an EC2 object by the id its ARN ends in), strata's
/// bookkeeping included (`ownership` reads its own tag).
pub async fn list_all(ctx: &Ctx, service: Service, arn: &str) -> ProviderResult<Tags> {
    let action = format!("listing tags of {arn}");
    // RDS and ElastiCache name the call alike; one body serves both clients.
    macro_rules! listed {
        ($client:expr) => {{
            let out = $client
                .list_tags_for_resource()
                .resource_name(arn)
                .send()
                .await;
            Ok(tag_map(
                out.during(&action)?
                    .tag_list()
                    .iter()
                    .map(|t| (t.key(), t.value())),
            ))
        }};
    }
    match service {
        Service::Rds => listed!(ctx.rds()),
        Service::ElastiCache => listed!(ctx.elasticache()),
        Service::Kms => {
            let pages = ctx
                .kms()
                .list_resource_tags()
                .key_id(arn)
                .into_paginator()
                .send();
            let pages = super::all("listing KMS key tags", pages).await?;
            let tags = pages.iter().flat_map(|p| p.tags());
            Ok(tag_map(
                tags.map(|t| (Some(t.tag_key()), Some(t.tag_value()))),
            ))
        }
        Service::SecretsManager => {
            let call = ctx.secretsmanager().describe_secret().secret_id(arn);
            let out = call.send().await.during(&action)?;
            Ok(tag_map(out.tags().iter().map(|t| (t.key(), t.value()))))
        }
        Service::Redshift => {
            let call = ctx.redshift().describe_tags().resource_name(arn);
            let out = call.send().await.during(&action)?;
            let tags = out.tagged_resources().iter().filter_map(|r| r.tag());
            Ok(tag_map(tags.map(|t| (t.key(), t.value()))))
        }
        Service::Logs => {
            let call = ctx.logs().list_tags_for_resource().resource_arn(arn);
            let out = call.send().await.during(&action)?;
            let tags = out.tags().into_iter().flatten();
            Ok(tag_map(
                tags.map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
            ))
        }
        Service::Iam => {
            let iam = ctx.iam();
            let tags = match super::tags::iam_kind_and_name(arn) {
                ("role", name) => {
                    let out = iam.list_role_tags().role_name(name).send().await;
                    out.during(&action)?.tags
                }
                _ => {
                    let out = iam.list_policy_tags().policy_arn(arn).send().await;
                    out.during(&action)?.tags
                }
            };
            Ok(tag_map(
                tags.iter().map(|t| (Some(t.key()), Some(t.value()))),
            ))
        }
        Service::Ec2 => {
            let id = arn.rsplit('/').next().unwrap_or_default();
            let filter = aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .values(id)
                .build();
            let out = ctx
                .ec2()
                .describe_tags()
                .filters(filter)
                .send()
                .await
                .during(&action)?;
            let own = out.tags().iter().filter(|t| t.resource_id() == Some(id));
            Ok(tag_map(own.map(|t| (t.key(), t.value()))))
        }
    }
}

/// Keys and values as the SDKs' tag types hold them; a tag without a key is none.
fn tag_map<'a>(tags: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    tags.filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string())))
        .collect()
}

/// The tags of each of `arns` (all of one service, in the provider's region), in as few calls
/// as the paths of the module comment allow. Every ARN asked about is in the answer.
pub async fn list_many(
    ctx: &Ctx,
    service: Service,
    arns: &[String],
) -> ProviderResult<BTreeMap<String, Tags>> {
    let arns: Vec<String> = arns
        .iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    let after_write = CURRENT.try_with(|_| ()).is_ok();
    if arns.len() <= DIRECT_READ_MAX || after_write || !batch_allowed(ctx, service) {
        return per_arn(ctx, service, &arns).await;
    }
    // Owned items all the way: the futures of a stream that borrow their item defeat the
    // compiler's proof that `read`'s future is Send (rust-lang/rust#102211).
    let chunks: Vec<Vec<String>> = arns.chunks(GET_RESOURCES_MAX).map(<[_]>::to_vec).collect();
    let answers: Vec<(BTreeMap<String, Tags>, Vec<String>)> = futures::stream::iter(chunks)
        .map(|chunk| get_resources(ctx, chunk))
        .buffer_unordered(BATCH_CONCURRENCY)
        .try_collect()
        .await?;
    let mut out = BTreeMap::new();
    let mut unanswered = Vec::new();
    for (found, rest) in answers {
        out.extend(found);
        unanswered.extend(rest);
    }
    if !unanswered.is_empty() {
        out.extend(per_arn(ctx, service, &unanswered).await?);
    }
    Ok(out)
}

/// Pairs each item with its tags (read with [`list_many`]); an item without an ARN has none.
pub async fn with_tags<T>(
    ctx: &Ctx,
    service: Service,
    items: Vec<T>,
    arn: impl Fn(&T) -> Option<&str>,
) -> ProviderResult<Vec<(T, Tags)>> {
    let arns: Vec<String> = items
        .iter()
        .filter_map(|i| arn(i).map(str::to_string))
        .collect();
    let mut tags = list_many(ctx, service, &arns).await?;
    Ok(items
        .into_iter()
        .map(|i| {
            let t = arn(&i).and_then(|a| tags.remove(a)).unwrap_or_default();
            (i, t)
        })
        .collect())
}

fn batch_allowed(ctx: &Ctx, service: Service) -> bool {
    let overridden = |key: &str, env: &str| {
        ctx.settings.endpoints.contains_key(key)
            || std::env::var_os(env).is_some_and(|v| !v.is_empty())
    };
    !overridden(service.endpoint_key(), service.endpoint_env())
        || overridden(ENDPOINT_KEY, ENDPOINT_ENV)
}

async fn per_arn(
    ctx: &Ctx,
    service: Service,
    arns: &[String],
) -> ProviderResult<BTreeMap<String, Tags>> {
    super::read_each(arns.to_vec(), |arn| async move {
        list(ctx, service, &arn).await
    })
    .await
}

/// Tags of at most 100 ARNs through GetResources, and the ARNs it left in doubt (to be read
/// one by one). A refusal leaves them all in doubt.
async fn get_resources(
    ctx: &Ctx,
    arns: Vec<String>,
) -> ProviderResult<(BTreeMap<String, Tags>, Vec<String>)> {
    let client = ctx.tagging();
    let result = answer_all(&arns, |list| {
        let client = client.clone();
        async move {
            let out = client
                .get_resources()
                .set_resource_arn_list(Some(list))
                .send()
                .await?;
            Ok(Page {
                found: out
                    .resource_tag_mapping_list()
                    .iter()
                    .filter_map(|m| {
                        let tags = m
                            .tags()
                            .iter()
                            .filter(|t| super::tags::kept(t.key()))
                            .map(|t| (t.key().to_string(), t.value().to_string()))
                            .collect();
                        Some((m.resource_arn()?.to_string(), tags))
                    })
                    .collect(),
                more: out.pagination_token().is_some_and(|t| !t.is_empty()),
            })
        }
    })
    .await;
    match result {
        Ok(answer) => Ok(answer),
        Err(e) if refused(&e) => Ok((BTreeMap::new(), arns)),
        Err(e) => Err(ProviderError::sdk("reading tags (GetResources)", e)),
    }
}

/// AWS refused the call for want of permission: the error code IAM (or an SCP, or a
/// permissions boundary) answers with, or HTTP 403. A 403 for another reason (expired
/// credentials) fails the per-ARN reads that follow too, with the service's own message.
fn refused(e: &SdkError<GetResourcesError>) -> bool {
    let denied_code = e
        .as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| {
            matches!(
                c,
                "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation"
            )
        });
    denied_code || e.raw_response().is_some_and(|r| r.status().as_u16() == 403)
}

/// One GetResources answer: the ARNs it covered with their tags, and whether it announced more
/// (a `PaginationToken`).
struct Page {
    found: Vec<(String, Tags)>,
    more: bool,
}

/// Asks `get` (one GetResources with `ResourceARNList`) about `arns` until the answer is whole.
/// AWS answers an ARN list in one page, but the pagination token is part of the answer's
/// shape; and AWS refuses a `PaginationToken` together with a `ResourceARNList`, so a follow-up
/// asks again for the ARNs not answered yet instead. A follow-up that answers none of them
/// leaves them in doubt (returned second), rather than looping.
async fn answer_all<E, F, Fut>(
    arns: &[String],
    mut get: F,
) -> Result<(BTreeMap<String, Tags>, Vec<String>), E>
where
    F: FnMut(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page, E>>,
{
    let mut out: BTreeMap<String, Tags> = BTreeMap::new();
    let mut pending: Vec<String> = arns.to_vec();
    loop {
        let page = get(pending.clone()).await?;
        let before = pending.len();
        let asked: BTreeSet<&String> = pending.iter().collect();
        let found: Vec<(String, Tags)> = page
            .found
            .into_iter()
            .filter(|(arn, _)| asked.contains(arn))
            .collect();
        for (arn, tags) in found {
            out.insert(arn, tags);
        }
        pending.retain(|a| !out.contains_key(a));
        if !page.more {
            // Not in a whole answer: never tagged.
            for arn in pending {
                out.insert(arn, Tags::new());
            }
            return Ok((out, Vec::new()));
        }
        if pending.is_empty() || pending.len() == before {
            return Ok((out, pending));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn arns(names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|n| format!("arn:aws:rds:r:1:subgrp:{n}"))
            .collect()
    }

    fn tagged(arn: &str, v: &str) -> (String, Tags) {
        (
            arn.to_string(),
            Tags::from([("k".to_string(), v.to_string())]),
        )
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_whole_answer_leaves_the_missing_arns_untagged() {
        let all = arns(&["a", "b", "c"]);
        let asked = RefCell::new(Vec::new());
        let (found, doubt) = run(answer_all(&all, |list| {
            asked.borrow_mut().push(list);
            let page = Page {
                // An ARN that was not asked about is ignored.
                found: vec![
                    tagged(&all[1], "1"),
                    tagged("arn:aws:rds:r:1:subgrp:x", "9"),
                ],
                more: false,
            };
            async move { Ok::<_, ()>(page) }
        }))
        .unwrap();
        assert_eq!(asked.borrow().len(), 1);
        assert!(doubt.is_empty());
        assert_eq!(found.len(), 3);
        assert_eq!(found[&all[1]]["k"], "1");
        assert!(found[&all[0]].is_empty() && found[&all[2]].is_empty());
    }

    #[test]
    fn a_pagination_token_asks_again_for_the_rest_only() {
        let all = arns(&["a", "b", "c", "d"]);
        let asked = RefCell::new(Vec::new());
        let (found, doubt) = run(answer_all(&all, |list| {
            let first = asked.borrow().is_empty();
            asked.borrow_mut().push(list);
            let page = if first {
                Page {
                    found: vec![tagged(&all[0], "a"), tagged(&all[1], "b")],
                    more: true,
                }
            } else {
                Page {
                    found: vec![tagged(&all[3], "d")],
                    more: false,
                }
            };
            async move { Ok::<_, ()>(page) }
        }))
        .unwrap();
        let asked = asked.borrow();
        assert_eq!(asked.len(), 2);
        assert_eq!(asked[1], vec![all[2].clone(), all[3].clone()]);
        assert!(doubt.is_empty());
        assert_eq!(found[&all[3]]["k"], "d");
        assert!(found[&all[2]].is_empty());
    }

    #[test]
    fn a_token_without_progress_leaves_the_rest_in_doubt() {
        let all = arns(&["a", "b", "c"]);
        let calls = RefCell::new(0);
        let (found, doubt) = run(answer_all(&all, |_| {
            *calls.borrow_mut() += 1;
            let page = if *calls.borrow() == 1 {
                Page {
                    found: vec![tagged(&all[0], "a")],
                    more: true,
                }
            } else {
                Page {
                    found: Vec::new(),
                    more: true,
                }
            };
            async move { Ok::<_, ()>(page) }
        }))
        .unwrap();
        assert_eq!(*calls.borrow(), 2);
        assert_eq!(found.len(), 1);
        assert_eq!(doubt, vec![all[1].clone(), all[2].clone()]);
    }

    #[test]
    fn errors_pass_through() {
        let all = arns(&["a", "b", "c"]);
        let result = run(answer_all(&all, |_| async { Err::<Page, _>("boom") }));
        assert_eq!(result.err(), Some("boom"));
    }
}
