//! The local providers: hashicorp/random, hashicorp/null and Terraform's built-in
//! `terraform_data`. Their objects exist only in state — a random value, a set of triggers —
//! so a type is a schema and what its create generates: no region, no API call, nothing to
//! read back. [`Local`] gives such a type the engine's [`ResourceType`].

mod null_resource;
mod random_id;
mod random_integer;
mod random_pet;
mod random_shuffle;
mod random_string;
mod random_uuid;
mod terraform_data;

pub use null_resource::NULL_RESOURCE;
pub use random_id::RANDOM_ID;
pub use random_integer::RANDOM_INTEGER;
pub use random_pet::RANDOM_PET;
pub use random_shuffle::RANDOM_SHUFFLE;
pub use random_string::{RANDOM_PASSWORD, RANDOM_STRING};
pub use random_uuid::RANDOM_UUID;
pub use terraform_data::TERRAFORM_DATA;

use super::{ConfigProblem, Ctx, ProviderError, ProviderResult, ResourceType, Schema, Written};
use crate::value::{Map, Value};
use async_trait::async_trait;
use std::collections::BTreeMap;

pub static RESOURCES: &[&dyn ResourceType] = &[
    &RANDOM_ID,
    &RANDOM_PASSWORD,
    &RANDOM_STRING,
    &RANDOM_INTEGER,
    &RANDOM_PET,
    &RANDOM_UUID,
    &RANDOM_SHUFFLE,
    &NULL_RESOURCE,
    &TERRAFORM_DATA,
];

/// A type whose objects live only in state.
pub trait LocalType: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> &Schema;

    /// Rules the schema cannot express; `config` may hold unknowns.
    fn validate(&self, _config: &Value) -> Vec<ConfigProblem> {
        Vec::new()
    }

    /// The values a create generates (`id` among them), to be set on the planned object.
    fn generate(&self, planned: &Map) -> ProviderResult<Map>;

    /// Values derived at plan time (`terraform_data`'s `output` from its `input`).
    fn customize_plan(&self, _planned: &mut Map) {}

    /// The object an import id stands for; `None` for a type that cannot be imported.
    fn import(&self, _id: &str) -> Option<ProviderResult<Map>> {
        None
    }
}

/// A [`LocalType`] as the engine's [`ResourceType`].
pub struct Local<T>(pub T);

/// The planned object without its marks: what state records (marks come back from the schema).
fn plain(v: &Value) -> Map {
    match v.clone().deep_unmark().0 {
        Value::Map(m) => m,
        _ => Map::new(),
    }
}

/// `planned` with `values` set, every schema attribute present (null when unset).
fn complete(schema: &Schema, mut object: Map, values: Map) -> Value {
    object.extend(values);
    for a in &schema.attributes {
        object.entry(a.name.to_string()).or_insert(Value::Null);
    }
    Value::Map(object)
}

#[async_trait]
impl<T: LocalType> ResourceType for Local<T> {
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    fn schema(&self) -> &Schema {
        self.0.schema()
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        self.0.validate(config)
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        if let Value::Map(m) = planned {
            self.0.customize_plan(m);
        }
    }

    /// Nothing exists outside state, so nothing is found by id alone.
    async fn read(&self, _ctx: &Ctx, _ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        Ok(BTreeMap::new())
    }

    /// An object exists as long as state holds it: it reads back as it is.
    async fn read_prior(
        &self,
        _ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        Ok(prior
            .iter()
            .filter_map(|p| Some((super::obj::string(p, "id")?, p.clone())))
            .collect())
    }

    async fn create(&self, _ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let object = plain(planned);
        let generated = self.0.generate(&object)?;
        Ok(complete(self.0.schema(), object, generated))
    }

    /// Only arguments that generate nothing change in place: the generated values stay.
    async fn update(&self, _ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let mut object = plain(planned);
        for (k, v) in plain(prior) {
            if object.get(&k).is_none_or(|p| matches!(p, Value::Unknown)) {
                object.insert(k, v);
            }
        }
        self.0.customize_plan(&mut object);
        Ok(complete(self.0.schema(), object, Map::new()))
    }

    async fn state_after_write(&self, _ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        Ok(written.planned.clone())
    }

    async fn delete(&self, _ctx: &Ctx, _prior: &Value) -> ProviderResult<()> {
        Ok(())
    }

    async fn import(&self, _ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        match self.0.import(id) {
            None => Err(ProviderError::new(format!(
                "{} cannot be imported: its provider has no import for it",
                self.0.type_name()
            ))),
            Some(object) => Ok(Some(complete(self.0.schema(), object?, Map::new()))),
        }
    }

    /// Nothing outside state to discover.
    async fn list(&self, _ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        Ok(Vec::new())
    }

    /// A create makes nothing anyone could find again: an interrupted one is simply redone.
    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

/// A number argument as a count (`length`, `byte_length`): a whole number, at least `min`.
fn count_of(object: &Map, key: &str, min: i64) -> ProviderResult<usize> {
    match object.get(key).and_then(Value::as_i64) {
        Some(n) if n >= min => Ok(n as usize),
        _ => Err(ProviderError::new(format!(
            "{key} must be a whole number of at least {min}"
        ))),
    }
}

/// A count argument's check: a whole number, at least 1.
fn at_least_one(v: &Value) -> Option<String> {
    let n = v.as_f64()?;
    (n < 1.0 || n.fract() != 0.0).then(|| "must be a whole number of at least 1".into())
}

/// A seeded generator for `seed` (the same seed gives the same result on every run), else the
/// operating system's randomness.
fn rng_for(seed: Option<&str>) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    use sha2::Digest;
    match seed {
        Some(seed) => {
            let digest = sha2::Sha256::digest(seed.as_bytes());
            rand::rngs::StdRng::from_seed(digest.into())
        }
        None => rand::rngs::StdRng::from_entropy(),
    }
}
