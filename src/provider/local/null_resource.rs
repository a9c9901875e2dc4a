//! `null_resource` (hashicorp/null): nothing but its `triggers`, whose change replaces it —
//! what configurations order or re-run things by.

use super::{Local, LocalType};
use crate::provider::ProviderResult;
use crate::schema::Schema;
use crate::value::{Map, Value};
use rand::Rng;
use std::sync::LazyLock;

pub struct NullResource;
pub static NULL_RESOURCE: Local<NullResource> = Local(NullResource);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        "A resource that does nothing: replaced when its triggers change (hashicorp/null).";
        id       string     output    "A random number, as the provider makes it.";
        triggers string_map force_new "Any values whose change replaces the resource.";
    }
});

impl LocalType for NullResource {
    fn type_name(&self) -> &'static str {
        "null_resource"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn generate(&self, _planned: &Map) -> ProviderResult<Map> {
        let mut m = Map::new();
        let id: u64 = rand::thread_rng().gen_range(0..i64::MAX as u64);
        m.insert("id".into(), Value::String(id.to_string()));
        Ok(m)
    }
}
