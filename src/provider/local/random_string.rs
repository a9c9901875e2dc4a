//! `random_string` and `random_password`: the same generator — a minimum from each
//! character class asked for, the rest from every enabled class, shuffled — the password's
//! result sensitive and also given as a bcrypt hash.

use super::{at_least_one, count_of, Local, LocalType};
use crate::provider::{ConfigProblem, ProviderError, ProviderResult};
use crate::schema::Schema;
use crate::value::{Map, Value};
use rand::seq::SliceRandom;
use rand::Rng;
use std::sync::LazyLock;

pub struct RandomString {
    password: bool,
}
pub static RANDOM_STRING: Local<RandomString> = Local(RandomString { password: false });
pub static RANDOM_PASSWORD: Local<RandomString> = Local(RandomString { password: true });

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUMERIC: &str = "0123456789";
/// The provider's special characters when `override_special` is not set.
const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// The arguments both share; every one replaces the value when it changes.
fn shared(description: &'static str) -> Schema {
    crate::schema! {
        with Schema::new().describe(description);
        length           number     required force_new check(at_least_one) "How many characters; at least the sum of the min_* arguments.";
        keepers          string_map force_new          "Any values whose change generates a new value.";
        special          bool       force_new default(true) "Include special characters.";
        upper            bool       force_new default(true) "Include upper-case letters.";
        lower            bool       force_new default(true) "Include lower-case letters.";
        numeric          bool       force_new computed "Include digits (default true).";
        number           bool       force_new computed "Deprecated spelling of numeric; false turns digits off too.";
        min_special      number     force_new default(0) "At least this many special characters.";
        min_upper        number     force_new default(0) "At least this many upper-case letters.";
        min_lower        number     force_new default(0) "At least this many lower-case letters.";
        min_numeric      number     force_new default(0) "At least this many digits.";
        override_special string     force_new          "The special characters to use instead of the provider's.";
    }
}

static STRING_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        with shared("A random string (hashicorp/random); not secret: use random_password for secrets.");
        id     string output "The string.";
        result string output "The string.";
    }
});

static PASSWORD_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        with shared("A random password (hashicorp/random): sensitive, kept in state, never shown.");
        id          string output           "Always \"none\": the password is not an identifier.";
        result      string output sensitive "The password.";
        bcrypt_hash string output sensitive "A bcrypt hash of the password.";
    }
});

const MINIMUMS: [(&str, &str); 4] = [
    ("min_numeric", NUMERIC),
    ("min_lower", LOWER),
    ("min_upper", UPPER),
    ("min_special", SPECIAL),
];

impl LocalType for RandomString {
    fn type_name(&self) -> &'static str {
        if self.password {
            "random_password"
        } else {
            "random_string"
        }
    }

    fn schema(&self) -> &Schema {
        if self.password {
            &PASSWORD_SCHEMA
        } else {
            &STRING_SCHEMA
        }
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let whole = |k: &str| config.get(k).and_then(Value::as_i64);
        let mut minimums = 0;
        for (k, _) in MINIMUMS {
            match whole(k) {
                Some(n) => minimums += n,
                None if config.get(k).is_some_and(|v| !v.is_null()) => return Vec::new(),
                None => {}
            }
        }
        match whole("length") {
            Some(length) if length < minimums => vec![ConfigProblem::new(
                Some("length"),
                format!("length ({length}) is less than the minimums it must hold ({minimums})"),
                "raise length to at least min_upper + min_lower + min_numeric + min_special",
            )],
            _ => Vec::new(),
        }
    }

    fn generate(&self, planned: &Map) -> ProviderResult<Map> {
        let result = generate(planned)?;
        let mut m = Map::new();
        if self.password {
            let hash = bcrypt::hash(&result, bcrypt::DEFAULT_COST)
                .map_err(|e| ProviderError::new(format!("bcrypt hash of the password: {e}")))?;
            m.insert("bcrypt_hash".into(), Value::String(hash));
            m.insert("id".into(), Value::from("none"));
        } else {
            m.insert("id".into(), Value::from(result.as_str()));
        }
        m.insert("result".into(), Value::String(result));
        m.extend(numeric_alias(planned));
        Ok(m)
    }

    /// The value itself, the other arguments at their defaults (the provider's import).
    fn import(&self, id: &str) -> Option<ProviderResult<Map>> {
        let mut m: Map = self
            .schema()
            .attributes
            .iter()
            .filter_map(|a| Some((a.name.to_string(), a.default.clone()?)))
            .collect();
        m.insert("length".into(), Value::from(id.chars().count() as i64));
        m.insert("numeric".into(), Value::Bool(true));
        m.insert("number".into(), Value::Bool(true));
        let mut generated = Map::new();
        generated.insert("result".into(), Value::from(id));
        if self.password {
            match bcrypt::hash(id, bcrypt::DEFAULT_COST) {
                Ok(hash) => generated.insert("bcrypt_hash".into(), Value::String(hash)),
                Err(e) => return Some(Err(ProviderError::new(format!("bcrypt: {e}")))),
            };
            generated.insert("id".into(), Value::from("none"));
        } else {
            generated.insert("id".into(), Value::from(id));
        }
        m.extend(generated);
        Some(Ok(m))
    }
}

fn flag(planned: &Map, key: &str) -> bool {
    planned.get(key).and_then(Value::as_bool).unwrap_or(true)
}

/// `numeric` and its deprecated spelling `number` agree in state, as the provider keeps them.
fn numeric_alias(planned: &Map) -> Map {
    let on = flag(planned, "numeric") && flag(planned, "number");
    let mut m = Map::new();
    m.insert("numeric".into(), Value::Bool(on));
    m.insert("number".into(), Value::Bool(on));
    m
}

fn generate(planned: &Map) -> ProviderResult<String> {
    let length = count_of(planned, "length", 1)?;
    let special = planned
        .get("override_special")
        .and_then(Value::as_str)
        .unwrap_or(SPECIAL);
    let numeric = flag(planned, "numeric") && flag(planned, "number");
    let classes = [
        (flag(planned, "upper"), UPPER),
        (flag(planned, "lower"), LOWER),
        (numeric, NUMERIC),
        (flag(planned, "special"), special),
    ];
    let all: Vec<char> = classes
        .iter()
        .filter(|(on, _)| *on)
        .flat_map(|(_, chars)| chars.chars())
        .collect();
    let mut rng = rand::rngs::OsRng;
    let mut pick = |chars: &[char], n: usize| -> Vec<char> {
        (0..n)
            .map(|_| chars[rng.gen_range(0..chars.len())])
            .collect()
    };
    let mut out = Vec::with_capacity(length);
    for (key, class) in MINIMUMS {
        let n = planned.get(key).and_then(Value::as_i64).unwrap_or(0).max(0) as usize;
        let class = if key == "min_special" { special } else { class };
        let chars: Vec<char> = class.chars().collect();
        if n > 0 && chars.is_empty() {
            return Err(ProviderError::new(format!(
                "{key} asks for characters from an empty set"
            )));
        }
        out.extend(pick(&chars, n));
    }
    let rest = length.saturating_sub(out.len());
    if rest > 0 && all.is_empty() {
        return Err(ProviderError::new(
            "every character class is turned off: enable one of upper, lower, numeric or special",
        ));
    }
    out.extend(pick(&all, rest));
    out.shuffle(&mut rand::rngs::OsRng);
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn minimums_are_met_and_disabled_classes_never_appear() {
        let p = planned(&[
            ("length", Value::from(12i64)),
            ("special", Value::Bool(false)),
            ("upper", Value::Bool(false)),
            ("min_numeric", Value::from(5i64)),
        ]);
        for _ in 0..50 {
            let s = generate(&p).unwrap();
            assert_eq!(s.chars().count(), 12);
            assert!(s.chars().filter(char::is_ascii_digit).count() >= 5, "{s}");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{s}"
            );
        }
    }

    #[test]
    fn override_special_replaces_the_special_set() {
        let p = planned(&[
            ("length", Value::from(30i64)),
            ("upper", Value::Bool(false)),
            ("lower", Value::Bool(false)),
            ("numeric", Value::Bool(false)),
            ("override_special", Value::from("_%")),
        ]);
        let s = generate(&p).unwrap();
        assert!(s.chars().all(|c| c == '_' || c == '%'), "{s}");
    }

    #[test]
    fn a_length_below_the_minimums_is_a_configuration_error() {
        let config = Value::Map(planned(&[
            ("length", Value::from(3i64)),
            ("min_upper", Value::from(2i64)),
            ("min_numeric", Value::from(2i64)),
        ]));
        let problems = RandomString { password: true }.validate(&config);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].attribute, Some("length"));
    }

    #[test]
    fn a_password_is_hashed_and_not_its_own_id() {
        let p = planned(&[("length", Value::from(16i64))]);
        let m = RandomString { password: true }.generate(&p).unwrap();
        let result = m["result"].as_str().unwrap();
        assert_eq!(m["id"], Value::from("none"));
        assert!(bcrypt::verify(result, m["bcrypt_hash"].as_str().unwrap()).unwrap());
    }
}
