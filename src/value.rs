//! The value every expression evaluates to.
//!
//! Two marks travel with values through every operation:
//! - `Unknown`: a value only known after apply (an RDS endpoint, a new group id). It replaces the
//!   value itself, at the level of the value: `[aws_security_group.web.id]` is a known one-element
//!   list holding an unknown.
//! - `Sensitive`: a wrapper saying "never print me". Operations strip the mark from their operands,
//!   compute, and put it back on the result when any operand carried it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub type Map = BTreeMap<String, Value>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// Lists, tuples and sets. Sets are kept sorted and deduplicated by `toset`.
    List(Vec<Value>),
    /// Maps and objects, ordered by key like Terraform's objects.
    Map(Map),
    /// Known only after apply.
    Unknown,
    /// A value that must never be shown.
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A map of these attributes, from `(name, value)` pairs.
    pub fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    pub fn number(n: impl Into<f64>) -> Value {
        Value::Number(n.into())
    }

    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            other => Value::Sensitive(Box::new(other)),
        }
    }

    /// Puts the sensitive mark back when `marked` is true.
    pub fn mark_if(self, marked: bool) -> Value {
        if marked {
            self.sensitive()
        } else {
            self
        }
    }

    /// Strips the top-level sensitive mark, saying whether there was one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => ((*inner).unmark().0, true),
            other => (other, false),
        }
    }

    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner.unmarked(),
            other => other,
        }
    }

    /// Removes every mark at every depth; says whether any was found.
    pub fn deep_unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.deep_unmark().0, true),
            Value::List(items) => {
                let mut any = false;
                let items = items
                    .into_iter()
                    .map(|v| {
                        let (v, m) = v.deep_unmark();
                        any |= m;
                        v
                    })
                    .collect();
                (Value::List(items), any)
            }
            Value::Map(map) => {
                let mut any = false;
                let map = map
                    .into_iter()
                    .map(|(k, v)| {
                        let (v, m) = v.deep_unmark();
                        any |= m;
                        (k, v)
                    })
                    .collect();
                (Value::Map(map), any)
            }
            other => (other, false),
        }
    }

    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::contains_sensitive),
            Value::Map(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// True when the value itself (not necessarily its elements) is known.
    pub fn is_known(&self) -> bool {
        !matches!(self.unmarked(), Value::Unknown)
    }

    /// True when nothing at any depth is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self.unmarked() {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(map) => map.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unmarked(), Value::Null)
    }

    /// Null or its type's zero (`""`, `0`, `false`, empty): what AWS answers for an argument
    /// nobody set.
    pub fn is_zero(&self) -> bool {
        match self.unmarked() {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Number(n) => *n == 0.0,
            Value::Bool(b) => !b,
            Value::List(items) => items.is_empty(),
            Value::Map(m) => m.is_empty(),
            _ => false,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(inner) => inner.type_name(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.unmarked() {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_f64()
            .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
            .map(|n| n as i64)
    }

    pub fn as_list(&self) -> Option<&Vec<Value>> {
        match self.unmarked() {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self.unmarked() {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// Object attribute lookup (`None` when not an object or absent).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// Replaces every sensitive value by a placeholder; used by every renderer.
    pub fn redacted(&self) -> Value {
        match self {
            Value::Sensitive(_) => Value::String("(sensitive value)".into()),
            Value::List(items) => Value::List(items.iter().map(Value::redacted).collect()),
            Value::Map(map) => {
                Value::Map(map.iter().map(|(k, v)| (k.clone(), v.redacted())).collect())
            }
            other => other.clone(),
        }
    }

    /// Converts to JSON. Unknowns become null; callers that need to tell them apart use
    /// `unknown_paths`. Sensitive values are emitted as their inner value: callers that write
    /// anything a human or a tool reads must use `redacted()` first.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
            Value::Sensitive(inner) => inner.to_json(),
        }
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The string form used by string templates and `tostring`; `None` for values that have
    /// no string form (collections, null).
    pub fn to_template_string(&self) -> Option<String> {
        match self.unmarked() {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Terraform prints whole numbers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Quotes a string the way HCL writes it.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push('$'),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// HCL-literal rendering; sensitive values render as `(sensitive value)`, unknowns as
/// `(known after apply)`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::String(s) => f.write_str(&quote(s)),
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if is_identifier(k) {
                        write!(f, "{k} = {v}")?;
                    } else {
                        write!(f, "{} = {v}", quote(k))?;
                    }
                }
                f.write_str("}")
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n as f64)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::Number(n as f64)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::List(items)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Value {
        Value::Map(map)
    }
}

/// Sorts and de-duplicates set elements; sets have no order of their own.
pub fn sort_dedup(items: &mut Vec<Value>) {
    items.sort_by_key(|v| serde_json::to_string(v).unwrap_or_default());
    items.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_print_without_fraction() {
        assert_eq!(Value::Number(3306.0).to_string(), "3306");
        assert_eq!(Value::Number(1.5).to_string(), "1.5");
    }

    #[test]
    fn redaction_reaches_nested_values() {
        let v = Value::List(vec![Value::from("a"), Value::from("secret").sensitive()]);
        assert!(!v.redacted().to_json().to_string().contains("secret"));
        assert!(v.contains_sensitive());
    }

    #[test]
    fn a_list_holding_an_unknown_is_known_but_not_wholly() {
        let v = Value::List(vec![Value::Unknown]);
        assert!(v.is_known());
        assert!(!v.is_wholly_known());
    }
}
