//! `random_uuid`: a random (version 4) UUID.

use super::{Local, LocalType};
use crate::provider::{ProviderError, ProviderResult};
use crate::schema::Schema;
use crate::value::{Map, Value};
use std::sync::LazyLock;

pub struct RandomUuid;
pub static RANDOM_UUID: Local<RandomUuid> = Local(RandomUuid);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        "A random UUID (hashicorp/random).";
        id      string     output    "The UUID.";
        keepers string_map force_new "Any values whose change generates a new UUID.";
        result  string     output    "The UUID.";
    }
});

impl LocalType for RandomUuid {
    fn type_name(&self) -> &'static str {
        "random_uuid"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn generate(&self, _planned: &Map) -> ProviderResult<Map> {
        Ok(uuid_object(&uuid::Uuid::new_v4().to_string()))
    }

    fn import(&self, id: &str) -> Option<ProviderResult<Map>> {
        Some(
            uuid::Uuid::parse_str(id)
                .map(|u| uuid_object(&u.hyphenated().to_string()))
                .map_err(|e| ProviderError::new(format!("\"{id}\" is not a UUID: {e}"))),
        )
    }
}

fn uuid_object(u: &str) -> Map {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(u));
    m.insert("result".into(), Value::from(u));
    m
}
