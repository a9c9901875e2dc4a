//! What the VPC network types share: batched describes by an id filter (a filter never fails
//! on an id that is gone, where an id list fails the whole call), ARNs, create-time tags, and
//! the delete that AWS refuses with `DependencyViolation` while something in the VPC still
//! uses the object (a NAT gateway's interface in a subnet, an address mapped behind a gateway),
//! retried for a bounded time as terraform-provider-aws does.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Kind, TagSpecification};

/// What EC2 answers while another object still uses the one being deleted or detached.
pub const IN_USE: &[&str] = &["DependencyViolation"];

/// An EC2 filter `name` = any of `values`.
pub fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// Every item of a paginated EC2 describe of the objects whose filter `$filter` matches
/// `$ids`, [`super::DESCRIBE_CHUNK`] ids a call: `describe_filtered!(ctx, ids, "vpc-id", "VPCs",
/// |c| c.describe_vpcs())`; a last argument names the builder's filter method when it is not
/// `filters` (DescribeNatGateways: `filter`), or, for a describe that has no pages
/// (DescribeVpnGateways, DescribeCustomerGateways), `unpaged FIELD` names the answer's list.
macro_rules! describe_filtered {
    ($ctx:expr, $ids:expr, $filter:expr, $noun:literal, |$c:ident| $describe:expr, unpaged $field:ident) => {{
        let $c = $ctx.ec2();
        let mut out = Vec::new();
        for chunk in $ids.chunks($crate::provider::aws::ec2::DESCRIBE_CHUNK) {
            let f = $crate::provider::aws::ec2::network::filter($filter, chunk);
            let page = $describe.filters(f).send().await;
            out.extend(
                page.during(concat!("describing ", $noun))?
                    .$field
                    .unwrap_or_default(),
            );
        }
        out
    }};
    ($ctx:expr, $ids:expr, $filter:expr, $noun:literal, |$c:ident| $describe:expr) => {
        $crate::provider::aws::ec2::network::describe_filtered!(
            $ctx,
            $ids,
            $filter,
            $noun,
            |$c| $describe,
            filters
        )
    };
    ($ctx:expr, $ids:expr, $filter:expr, $noun:literal, |$c:ident| $describe:expr, $method:ident) => {{
        let $c = $ctx.ec2();
        let mut out = Vec::new();
        for chunk in $ids.chunks($crate::provider::aws::ec2::DESCRIBE_CHUNK) {
            let f = $crate::provider::aws::ec2::network::filter($filter, chunk);
            let pages = $describe.$method(f).into_paginator().items().send();
            out.extend(all(concat!("describing ", $noun), pages).await?);
        }
        out
    }};
}
pub(crate) use describe_filtered;

/// An EC2 object's ARN as terraform-provider-aws builds it.
pub fn arn(ctx: &Ctx, owner: &str, kind: &str, id: &str) -> String {
    format!(
        "arn:{}:ec2:{}:{owner}:{kind}/{id}",
        ctx.partition(),
        ctx.region()
    )
}

/// The tag specification of a create call for `planned` (`None` when it has no tags).
pub fn create_tags(ctx: &Ctx, planned: &Value, kind: Ec2Kind) -> Option<Vec<TagSpecification>> {
    tags::ec2_spec(&ctx.creation_tags(planned), kind).map(|t| vec![t])
}

/// A state object with its tags (`tags` / `tags_all`).
pub fn with_tags(ctx: &Ctx, mut m: Map, tags: &[aws_sdk_ec2::types::Tag]) -> Value {
    tags::put(ctx, &mut m, tags::read(tags));
    Value::Map(m)
}

/// Deletes `what` (`"subnet subnet-…"`) by sending `call`, again while AWS answers
/// `DependencyViolation` for up to `retry_for`; `gone` codes mean it was gone already.
pub async fn delete_while_in_use<F, Fut, T, E>(
    ctx: &Ctx,
    what: &str,
    retry_for: Duration,
    gone: &[&str],
    mut call: F,
) -> ProviderResult<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = crate::sdk_error::SdkResult<T, E>>,
    E: crate::sdk_error::ServiceError,
{
    let doing = format!("deleting {what}");
    let doing = &doing;
    let send = || {
        let sent = call();
        async move { sent.await.during(doing).map(drop) }
    };
    retry_while_in_use(ctx, what, retry_for, gone, send).await
}

/// Sends `call` (the delete or detach of `what`), again while AWS answers `DependencyViolation`
/// for up to `retry_for`; `gone` codes mean the object was gone already. A refusal that lasts
/// says what is likely still there.
pub async fn retry_while_in_use<F, Fut>(
    ctx: &Ctx,
    what: &str,
    retry_for: Duration,
    gone: &[&str],
    call: F,
) -> ProviderResult<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ProviderResult<()>>,
{
    let waiting = format!("{what} to be no longer in use");
    match lifecycle::delete(ctx, &waiting, retry_for, |e| e.is(IN_USE), gone, call).await {
        Err(e) if e.is(IN_USE) => Err(ProviderError {
            message: format!(
                "{what}: still in use after {}s (an object in the VPC outside this configuration may still depend on it): {}",
                retry_for.as_secs(),
                e.message
            ),
            ..e
        }),
        done => done.map(drop),
    }
}

/// The states of `found` by id, each made knowing the account (the ARNs of EC2 objects whose
/// describe answers no owner: customer gateways, VPN gateways, flow logs).
pub async fn states_in_account<T>(
    ctx: &Ctx,
    found: Vec<T>,
    id: impl Fn(&T) -> Option<&str>,
    state_of: fn(&Ctx, &str, &T) -> Value,
) -> ProviderResult<BTreeMap<String, Value>> {
    let account = ctx.account_id().await?;
    Ok(state::by_id(found, id, |item| {
        state_of(ctx, &account, &item)
    }))
}

/// Sends `call` and maps its SDK error for `doing`, dropping the answer.
pub async fn send<T, E: crate::sdk_error::ServiceError>(
    call: impl std::future::Future<Output = crate::sdk_error::SdkResult<T, E>>,
    doing: &str,
) -> ProviderResult<()> {
    call.await.during(doing).map(drop)
}

/// The single object an SDK answer must hold (a create's), or an error naming `what`.
pub fn created<T>(item: Option<T>, what: &str) -> ProviderResult<T> {
    item.ok_or_else(|| ProviderError::new(format!("{what}: AWS returned no object")))
}

/// `object` cut to what `schema` holds (its attributes and blocks; null for what it lacks):
/// an adopted default object's state from the state of the type it is an instance of.
pub fn project(schema: &Schema, object: &Value) -> Value {
    let keep = |k: &str| schema.attribute(k).is_some() || schema.block_type(k).is_some();
    let m: Map = object
        .as_map()
        .into_iter()
        .flatten()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    state::complete(schema, m)
}

/// `base` with the known values `planned` gives for `keys`: what an update of the base type
/// is planned to, for an adopted default object.
pub fn overlay(base: &Value, planned: &Value, keys: &[&str]) -> Value {
    let mut out = base.clone();
    if let Value::Map(m) = &mut out {
        for k in keys {
            if let Some(v) = planned.get(k).filter(|v| v.is_known()) {
                m.insert(k.to_string(), v.clone());
            }
        }
    }
    out
}
