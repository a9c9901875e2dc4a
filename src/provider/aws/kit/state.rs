//! State objects: built from an SDK answer one line per attribute ([`object!`]), completed
//! from the schema (an attribute nobody set is null), and after a write given back what AWS
//! never returns (virtual arguments, hashed secrets) from the plan.

use super::client::Ctx;
use crate::provider::{obj, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema};
use crate::value::{Map, Value};

/// What an SDK getter answers, as a state value.
pub trait ToValue {
    fn to_value(self) -> Value;
}

impl ToValue for Value {
    fn to_value(self) -> Value {
        self
    }
}

impl ToValue for &str {
    fn to_value(self) -> Value {
        Value::from(self)
    }
}

impl ToValue for String {
    fn to_value(self) -> Value {
        Value::String(self)
    }
}

impl ToValue for &String {
    fn to_value(self) -> Value {
        Value::from(self.as_str())
    }
}

impl ToValue for bool {
    fn to_value(self) -> Value {
        Value::Bool(self)
    }
}

impl ToValue for i32 {
    fn to_value(self) -> Value {
        Value::from(self)
    }
}

impl ToValue for usize {
    fn to_value(self) -> Value {
        Value::Number(self as f64)
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(self) -> Value {
        self.map_or(Value::Null, ToValue::to_value)
    }
}

/// A state object (a `Map`), one `"attribute" => getter` per line; every value goes through
/// [`ToValue`], so `Option<&str>`, `Option<i32>`, `bool` and `Value` read alike.
#[macro_export]
macro_rules! object {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut m = $crate::value::Map::new();
        $(m.insert($k.to_string(), $crate::provider::aws::kit::state::ToValue::to_value($v));)*
        m
    }};
}

/// An SDK timestamp as state holds it: RFC 3339, as terraform-provider-aws formats them.
pub fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// A list or set of strings for state, from an SDK list and a getter of each item.
pub fn strings<'a, T: 'a>(
    items: impl IntoIterator<Item = &'a T>,
    get: impl Fn(&'a T) -> Option<&'a str>,
) -> Value {
    obj::set(items.into_iter().filter_map(get).map(Value::from))
}

/// State objects by id: each item named by `id` and read by `state`.
pub fn by_id<T>(
    items: impl IntoIterator<Item = T>,
    id: impl Fn(&T) -> Option<&str>,
    state: impl Fn(T) -> Value,
) -> std::collections::BTreeMap<String, Value> {
    let pair = |item: T| (id(&item).unwrap_or_default().to_string(), state(item));
    items.into_iter().map(pair).collect()
}

/// The items of a list attribute or of a block (none when it is null or unknown).
pub fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_list).into_iter().flatten()
}

/// `ids` without repeats, in order.
pub fn unique(ids: &[String]) -> Vec<String> {
    ids.iter()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A `check` for a list that must hold at least one item.
pub fn no_empty_list(v: &Value) -> Option<String> {
    v.as_list()
        .filter(|l| l.is_empty())
        .map(|_| "must hold at least one item".into())
}

/// `host:port` (or just the host) of an endpoint.
pub fn endpoint(address: Option<&str>, port: Option<i32>) -> Value {
    match (address, port) {
        (Some(a), Some(p)) => Value::from(format!("{a}:{p}")),
        (a, _) => a.to_value(),
    }
}

/// The object `m` describes, with every attribute of the schema the map does not hold null
/// (the virtual ones, which AWS never returns, among them).
pub fn complete(schema: &Schema, mut m: Map) -> Value {
    for a in &schema.attributes {
        m.entry(a.name.to_string()).or_insert(Value::Null);
    }
    Value::Map(m)
}

/// `state` with what AWS never returns (virtual arguments and blocks, hashed secrets) taken
/// from `planned`, as after a write.
pub fn with_virtual(schema: &Schema, state: Value, planned: &Value) -> Value {
    schema.with_virtual_from(state, planned)
}

/// The object as AWS has it right after strata wrote it (`Ctx::read_back`, batched with every
/// other object of the type read back meanwhile), completed from the plan.
pub async fn read_back(
    ctx: &Ctx,
    rt: &'static dyn ResourceType,
    id: &str,
    planned: &Value,
) -> ProviderResult<Value> {
    let state = ctx.read_back(rt, id).await?;
    Ok(with_virtual(rt.schema(), state, planned))
}

/// A string attribute an operation cannot do without (the id of a prior object, the name of a
/// planned one): its absence is an error naming `what`.
pub fn required(v: &Value, key: &str, what: &str) -> ProviderResult<String> {
    obj::string(v, key).ok_or_else(|| ProviderError::new(format!("{what}: {key} is not known")))
}

/// The id of a prior (or found) object.
pub fn id(v: &Value, what: &str) -> ProviderResult<String> {
    required(v, "id", what)
}

/// Blocks of `block` that name the same `key` as an earlier one (case-insensitively with
/// `fold_case`): they would be sent as two values for one thing.
pub fn duplicates(
    config: &Value,
    block: &'static str,
    key: &str,
    fold_case: bool,
) -> Vec<ConfigProblem> {
    let mut seen = std::collections::BTreeSet::new();
    let items = items(config, block);
    items
        .filter_map(|item| item.get(key)?.as_str())
        .filter(|n| {
            !seen.insert(if fold_case {
                n.to_lowercase()
            } else {
                n.to_string()
            })
        })
        .map(|n| {
            ConfigProblem::new(
                Some(block),
                format!("{block} \"{n}\" is set more than once"),
                format!("keep one {block} block per {key}"),
            )
        })
        .collect()
}
