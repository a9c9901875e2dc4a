//! The AWS kit: what every resource type uses, so a type file holds only its schema and what
//! its API does differently.
//!
//! | piece | what it does |
//! |---|---|
//! | `client` | `Aws` and `Ctx`: one generic SDK client builder, clients cached per run; retry-while-busy |
//! | `errors` | errors phrased for the user; questions by AWS's error code |
//! | `tags` | tags of EC2, RDS, ElastiCache, IAM and Logs objects: state values, create tags, diff and send |
//! | `tagging` | reading the tags of many RDS / ElastiCache / Logs objects in few calls |
//! | `wait` | waiters from pending / ready status lists, on the batched poller |
//! | `modify` | modify tables: attribute → builder setter, applied to what changed |
//! | `state` | state objects from SDK answers; read-after-write restoring virtual arguments |
//! | `lifecycle` | delete with a final snapshot and deletion protection; settle a retried create |
//! | `naming` | names generated from prefixes; a journaled name reused |
//! | `ownership` | the operation tag that proves strata made an object |
//!
//! Reads: [`read_each`] for APIs that take one object per call, [`all`] for paginated ones.

pub mod client;
pub mod errors;
pub mod lifecycle;
pub mod modify;
pub mod naming;
pub mod ownership;
pub mod state;
pub mod tagging;
pub mod tags;
pub mod wait;

use crate::provider::{ProviderError, ProviderResult};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use std::collections::BTreeMap;

/// How many per-resource reads a batch keeps in flight when the API has no multi-resource
/// form (DescribeDBParameters; ListTagsForResource right after a write, or when GetResources
/// is refused): enough to hide round-trip latency, a small share of RDS's burst of 300
/// (`ratelimit`) so a refresh does not drain it for the writes that follow.
pub const READ_CONCURRENCY: usize = 16;

/// Up to this many ids are read with one direct call each (`CacheClusterId=`,
/// `ReplicationGroupId=`: the APIs take one id per call); more are read with one paginated
/// listing of the region filtered here. A direct call costs one request per id; a listing
/// costs one request per 100 objects in the region whatever the number of ids. At one or two
/// ids the direct calls are never more requests than a listing (which needs at least one
/// page) and do not pull a large region's whole inventory; from three ids on, the listing is
/// fewer requests unless the region holds over 200 objects, and a plan that reads many ids
/// is what the batch exists for.
pub const DIRECT_READ_MAX: usize = 2;

/// The most records one Describe page may hold (ElastiCache, RDS).
pub const PAGE_SIZE: i32 = 100;

/// A weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` (UTC), in any case as
/// terraform-provider-aws judges it (AWS stores it lower-cased).
pub const WEEKLY_WINDOW: &str = r"(?i)^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$";

/// A daily window, `hh24:mi-hh24:mi` (UTC).
pub const DAILY_WINDOW: &str = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$";

/// The objects with these ids, in as few calls as [`DIRECT_READ_MAX`] allows: `one(id)` for
/// each of a few ids (AWS's not-found answer, `gone`, is no object), else one `listing` of
/// the region, filtered here. Missing ids are absent.
pub async fn by_ids<T, O, OF, L, LF>(
    ids: &[String],
    id_of: fn(&T) -> Option<&str>,
    gone: &[&str],
    one: O,
    listing: L,
) -> ProviderResult<Vec<T>>
where
    O: Fn(String) -> OF,
    OF: std::future::Future<Output = ProviderResult<Vec<T>>>,
    L: FnOnce() -> LF,
    LF: std::future::Future<Output = ProviderResult<Vec<T>>>,
{
    let wanted: std::collections::BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    if wanted.len() <= DIRECT_READ_MAX {
        for id in &wanted {
            out.extend(errors::unless(one(id.to_string()).await, gone)?.unwrap_or_default());
        }
    } else {
        out = listing().await?;
    }
    // An answer for another id (or an eventual-consistency near miss) is absent.
    out.retain(|x| id_of(x).is_some_and(|i| wanted.contains(i)));
    Ok(out)
}

/// `read(key)` for each of `keys`, [`READ_CONCURRENCY`] at a time, by key: for the reads the
/// API takes one resource at a time. Keys are owned all the way: futures that borrow their
/// item defeat the compiler's proof that the caller's future is Send (rust-lang/rust#102211).
pub async fn read_each<T, F, Fut>(keys: Vec<String>, read: F) -> ProviderResult<BTreeMap<String, T>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ProviderResult<T>>,
{
    use futures::{StreamExt, TryStreamExt};
    futures::stream::iter(keys)
        .map(|key| {
            let value = read(key.clone());
            async move { Ok((key, value.await?)) }
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await
}

/// Every item of a paginated describe (`.into_paginator().items().send()`).
pub async fn all<T, E: crate::sdk_error::ServiceError>(
    what: &str,
    items: PaginationStream<crate::sdk_error::SdkResult<T, E>>,
) -> ProviderResult<Vec<T>> {
    items
        .try_collect()
        .await
        .map_err(|e| ProviderError::sdk(what, e))
}

/// A type's name and schema (`ResourceType` / `DataSourceType`), inside its `impl`:
/// `named!("aws_db_subnet_group", SCHEMA);`; with a third argument, the `Waiter` its create
/// waits with (`named!("aws_db_instance", SCHEMA, WAITER);`).
#[macro_export]
macro_rules! named {
    ($name:literal, $schema:expr) => {
        fn type_name(&self) -> &'static str {
            $name
        }

        fn schema(&self) -> &$crate::schema::Schema {
            &$schema
        }
    };
    // A resource type whose create waits until `$waiter` says its object is ready.
    ($name:literal, $schema:expr, $waiter:expr) => {
        $crate::named!($name, $schema);

        fn waiter(&self) -> Option<&'static $crate::provider::aws::kit::wait::Waiter> {
            Some(&$waiter)
        }
    };
}

/// Helpers of the resource types' unit tests.
#[cfg(test)]
pub mod testing {
    use crate::provider::{ConfigProblem, ResourceType};
    use crate::value::Value;

    /// An object of `base`'s attributes with `pairs` set over them.
    pub fn with(base: &[(&str, Value)], pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            base.iter()
                .chain(pairs)
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    /// The problems the provider finds in a configuration before planning.
    pub fn problems(rt: &dyn ResourceType, config: &Value) -> Vec<ConfigProblem> {
        crate::provider::config_problems(rt, config)
    }

    /// The attributes those problems are about.
    pub fn attrs(problems: Vec<ConfigProblem>) -> Vec<Option<&'static str>> {
        problems.into_iter().map(|p| p.attribute).collect()
    }

    /// Weekly windows (`kit::WEEKLY_WINDOW`) a maintenance window must refuse.
    pub const BAD_WEEKLY_WINDOWS: &[&str] = &[
        "sun:05:00-06:00",
        "sunday:05:00-sun:06:00",
        "sun:25:00-sun:06:00",
    ];

    /// Asserts that a configuration setting `attr` to each of `values` has one problem, and
    /// that it is about `attr` (`problems`: a type's test helper, pairs over a valid base).
    pub fn refused(
        problems: impl Fn(&[(&str, Value)]) -> Vec<Option<&'static str>>,
        attr: &'static str,
        values: &[&str],
    ) {
        for v in values {
            assert_eq!(
                problems(&[(attr, Value::from(*v))]),
                [Some(attr)],
                "{attr} = {v:?}"
            );
        }
    }

    /// Asserts an RDS-style identifier pair: `name` refuses `bad` values, `prefix` takes
    /// `good_prefix`, and the two conflict (the problem is about the prefix).
    pub fn identifier_with_prefix(
        problems: impl Fn(&[(&str, Value)]) -> Vec<Option<&'static str>>,
        (name, prefix): (&'static str, &'static str),
        bad: &[&str],
        good_prefix: &str,
    ) {
        for v in bad {
            assert_eq!(
                problems(&[(name, Value::from(*v))]),
                [Some(name)],
                "{name} = {v:?}"
            );
        }
        assert!(problems(&[(prefix, Value::from(good_prefix))]).is_empty());
        let both = [(name, Value::from("a")), (prefix, Value::from("a-"))];
        assert_eq!(problems(&both), [Some(prefix)]);
    }

    /// The differ's part of planning an object: the schema's modifiers, then the type's own.
    pub fn plan(rt: &dyn ResourceType, prior: Option<&Value>, planned: &mut Value) {
        rt.schema().modify_plan(prior, &planned.clone(), planned);
        rt.customize_plan(prior, planned);
    }
}

/// What a resource file needs, in one import.
pub mod prelude {
    pub use super::super::Ctx;
    pub use super::errors::{unless, Code, During};
    pub use super::lifecycle;
    pub use super::modify::{self, Table};
    pub use super::naming::hashcode;
    pub use super::state::{self, ToValue};
    pub use super::tagging;
    pub use super::tags::{self, Service};
    pub use super::wait::{self, Waiter};
    pub use super::{all, by_ids, read_each, DIRECT_READ_MAX, PAGE_SIZE};
    pub use crate::provider::{
        obj, ConfigProblem, DataSourceType, ProviderError, ProviderResult, ResourceType, Written,
    };
    pub use crate::schema::{Attribute, BlockType, Schema};
    pub use crate::value::{Map, Value};
    pub use crate::{create_and_modify_setters, named, object, schema, setters};
    pub use async_trait::async_trait;
    pub use std::collections::{BTreeMap, BTreeSet};
    pub use std::sync::LazyLock;
    pub use std::time::Duration;
}
