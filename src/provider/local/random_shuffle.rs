//! `random_shuffle`: the input list in a random order, optionally cut to `result_count`.

use super::{rng_for, Local, LocalType};
use crate::provider::ProviderResult;
use crate::schema::Schema;
use crate::value::{Map, Value};
use rand::seq::SliceRandom;
use std::sync::LazyLock;

pub struct RandomShuffle;
pub static RANDOM_SHUFFLE: Local<RandomShuffle> = Local(RandomShuffle);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        "A random permutation of a list (hashicorp/random).";
        id           string      output             "Always \"-\".";
        input        string_list required force_new "The list to shuffle.";
        result_count number      force_new          "How many elements to keep (default: all).";
        seed         string      force_new          "Makes the order repeatable: the same seed and input give the same order.";
        keepers      string_map  force_new          "Any values whose change shuffles again.";
        result       string_list output             "The shuffled list.";
    }
});

impl LocalType for RandomShuffle {
    fn type_name(&self) -> &'static str {
        "random_shuffle"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn generate(&self, planned: &Map) -> ProviderResult<Map> {
        let mut items = planned
            .get("input")
            .and_then(Value::as_list)
            .cloned()
            .unwrap_or_default();
        let seed = planned.get("seed").and_then(Value::as_str);
        items.shuffle(&mut rng_for(seed));
        // The provider repeats the shuffled list when more elements are asked than it has.
        let count = planned.get("result_count").and_then(Value::as_i64);
        let result = match count {
            Some(n) if n >= 0 && !items.is_empty() => {
                items.iter().cycle().take(n as usize).cloned().collect()
            }
            _ => items,
        };
        let mut m = Map::new();
        m.insert("id".into(), Value::from("-"));
        m.insert("result".into(), Value::List(result));
        Ok(m)
    }
}
