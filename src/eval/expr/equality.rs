//! Equality as Terraform sees it, and how much of it is known while values hold unknowns.

use crate::value::Value;

/// Equality of values that may hold unknowns, `None` when it depends on them. Known as soon
/// as the known parts decide it, as cty decides it: `x != null` is known for any `x` known to
/// be (or not be) null, whatever unknowns it holds; collections of different lengths or keys,
/// or with one known element that differs, are unequal.
pub fn known_equal(a: &Value, b: &Value) -> Option<bool> {
    match (a.unmarked(), b.unmarked()) {
        (Value::Unknown, _) | (_, Value::Unknown) => None,
        (Value::Null, Value::Null) => Some(true),
        (Value::Null, _) | (_, Value::Null) => Some(false),
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_known_equal(x.iter().zip(y))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() || x.keys().zip(y.keys()).any(|(ka, kb)| ka != kb) {
                return Some(false);
            }
            all_known_equal(x.values().zip(y.values()))
        }
        (x, y) => Some(values_equal(x, y)),
    }
}

fn all_known_equal<'v>(pairs: impl Iterator<Item = (&'v Value, &'v Value)>) -> Option<bool> {
    let mut undecided = false;
    for (a, b) in pairs {
        match known_equal(a, b) {
            Some(false) => return Some(false),
            Some(true) => {}
            None => undecided = true,
        }
    }
    (!undecided).then_some(true)
}

/// Equality as Terraform sees it: numbers by value, sets by content.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a.unmarked(), b.unmarked()) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && values_equal(va, vb))
        }
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::known_equal;
    use crate::value::{Map, Value};

    /// Regression (issue #14): `x != null` was unknown whenever `x` held an unknown anywhere,
    /// which failed `for_each = { for k, v in var.rules : k => v if v != null }`.
    #[test]
    fn null_comparisons_of_values_holding_unknowns_were_unknown() {
        let ids = Value::Map(Map::from([("web".to_string(), Value::Unknown)]));
        assert_eq!(known_equal(&ids, &Value::Null), Some(false));
        assert_eq!(known_equal(&Value::Null, &Value::Null), Some(true));
        assert_eq!(known_equal(&Value::Unknown, &Value::Null), None);
        // Shapes that differ decide it; equal known parts with an unknown do not.
        let one = Value::List(vec![Value::Unknown]);
        let two = Value::List(vec![Value::Unknown, Value::from("a")]);
        assert_eq!(known_equal(&one, &two), Some(false));
        let a = Value::List(vec![Value::Unknown, Value::from("a")]);
        let b = Value::List(vec![Value::Unknown, Value::from("b")]);
        assert_eq!(known_equal(&a, &b), Some(false));
        assert_eq!(known_equal(&a, &a), None);
        let other_key = Value::Map(Map::from([("db".to_string(), Value::Unknown)]));
        assert_eq!(known_equal(&ids, &other_key), Some(false));
    }
}
