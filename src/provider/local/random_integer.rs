//! `random_integer`: a whole number between `min` and `max`, both included.

use super::{rng_for, Local, LocalType};
use crate::provider::{ConfigProblem, ProviderError, ProviderResult};
use crate::schema::Schema;
use crate::value::{Map, Value};
use rand::Rng;
use std::sync::LazyLock;

pub struct RandomInteger;
pub static RANDOM_INTEGER: Local<RandomInteger> = Local(RandomInteger);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        "A random whole number in a range (hashicorp/random).";
        id      string     output             "The number, as a string.";
        min     number     required force_new "The smallest value it may take.";
        max     number     required force_new "The largest value it may take.";
        seed    string     force_new          "Makes the choice repeatable: the same seed, min and max give the same number.";
        keepers string_map force_new          "Any values whose change picks a new number.";
        result  number     output             "The number.";
    }
});

impl LocalType for RandomInteger {
    fn type_name(&self) -> &'static str {
        "random_integer"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let bound = |k| config.get(k).and_then(Value::as_i64);
        match (bound("min"), bound("max")) {
            (Some(min), Some(max)) if min > max => vec![ConfigProblem::new(
                Some("max"),
                format!("max ({max}) is less than min ({min})"),
                "give a max at least as large as min",
            )],
            _ => Vec::new(),
        }
    }

    fn generate(&self, planned: &Map) -> ProviderResult<Map> {
        let bound = |k: &str| {
            planned
                .get(k)
                .and_then(Value::as_i64)
                .ok_or_else(|| ProviderError::new(format!("{k} must be a whole number")))
        };
        let (min, max) = (bound("min")?, bound("max")?);
        if min > max {
            return Err(ProviderError::new(format!(
                "max ({max}) is less than min ({min})"
            )));
        }
        let seed = planned.get("seed").and_then(Value::as_str);
        Ok(result(rng_for(seed).gen_range(min..=max)))
    }

    /// `RESULT,MIN,MAX[,SEED]`, as the provider imports.
    fn import(&self, id: &str) -> Option<ProviderResult<Map>> {
        let parts: Vec<&str> = id.split(',').collect();
        let numbers: Option<Vec<i64>> = parts.iter().take(3).map(|p| p.parse().ok()).collect();
        Some(match (numbers.as_deref(), parts.len()) {
            (Some(&[value, min, max]), 3 | 4) if min <= value && value <= max => {
                let mut m = result(value);
                m.insert("min".into(), Value::from(min));
                m.insert("max".into(), Value::from(max));
                if let Some(seed) = parts.get(3) {
                    m.insert("seed".into(), Value::from(*seed));
                }
                Ok(m)
            }
            _ => Err(ProviderError::new(format!(
                "\"{id}\" is not RESULT,MIN,MAX or RESULT,MIN,MAX,SEED with MIN <= RESULT <= MAX"
            ))),
        })
    }
}

fn result(n: i64) -> Map {
    let mut m = Map::new();
    m.insert("result".into(), Value::from(n));
    m.insert("id".into(), Value::String(n.to_string()));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_number_and_bounds_hold() {
        let planned: Map = [("min", 1i64), ("max", 50000)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::from(v)))
            .chain([("seed".to_string(), Value::from("db"))])
            .collect();
        let a = RandomInteger.generate(&planned).unwrap();
        let b = RandomInteger.generate(&planned).unwrap();
        assert_eq!(a, b);
        let n = a["result"].as_i64().unwrap();
        assert!((1..=50000).contains(&n));
        assert_eq!(a["id"], Value::String(n.to_string()));
    }

    #[test]
    fn import_ids_are_checked() {
        assert!(RandomInteger.import("15,1,10").unwrap().is_err());
        let m = RandomInteger.import("5,1,10,s").unwrap().unwrap();
        assert_eq!(m["seed"], Value::from("s"));
        assert_eq!(m["result"], Value::from(5i64));
    }
}
