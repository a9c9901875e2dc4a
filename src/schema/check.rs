//! Validators: what an attribute's schema says about the values it accepts, enforced by one
//! generic pass (`Schema::problems`) instead of code in each resource type, as
//! terraform-plugin-framework's validators are values on attributes.
//!
//! Every validator judges only what is known: an unknown value may still turn out null or
//! valid, so it is judged at apply, as the provider judges it.

use super::{Attribute, Schema};
use crate::value::Value;

/// A problem found in a resource's configuration before any AWS call.
#[derive(Debug, Clone)]
pub struct ConfigProblem {
    /// The argument it is about, when there is one (for the diagnostic's span).
    pub attribute: Option<&'static str>,
    /// When `attribute` names a block: the argument inside it the problem is about.
    pub inner: Option<&'static str>,
    pub message: String,
    pub help: String,
}

impl ConfigProblem {
    pub fn new(
        attribute: Option<&'static str>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ConfigProblem {
        ConfigProblem {
            attribute,
            inner: None,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// A rule about one attribute's value, or about it and its siblings.
#[derive(Clone, Debug)]
pub enum Validator {
    /// None of these may be set together with this attribute.
    ConflictsWith(&'static [&'static str]),
    /// Exactly one of this attribute and these may be set.
    ExactlyOneOf(&'static [&'static str]),
    /// At least one of this attribute and these must be set.
    AtLeastOneOf(&'static [&'static str]),
    /// When this attribute is set, these must be too.
    RequiredWith(&'static [&'static str]),
    /// A string (or each string of a collection) matches; the message says what is expected.
    Regex(regex::Regex, &'static str),
    /// A number lies in `[min, max]`.
    Range(f64, f64),
    /// A string is one of these (case-sensitively, as the provider's validators are).
    OneOf(&'static [&'static str]),
    /// Anything else: an error message for a known value, or `None`.
    Custom(fn(&Value) -> Option<String>),
}

fn set(config: &Value, name: &str) -> Option<bool> {
    match config.get(name).map(Value::unmarked) {
        None | Some(Value::Null) => Some(false),
        Some(Value::Unknown) => None,
        Some(Value::List(l)) if l.is_empty() => Some(false),
        Some(_) => Some(true),
    }
}

fn quoted(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

impl Validator {
    /// Problems with `a`'s value in `config` (an object of `a`'s siblings).
    fn problems(&self, a: &Attribute, config: &Value, out: &mut Vec<ConfigProblem>) {
        let name = a.name;
        let here = Some(name);
        match self {
            Validator::ConflictsWith(others) => {
                if set(config, name) != Some(true) {
                    return;
                }
                for o in others.iter().filter(|o| set(config, o) == Some(true)) {
                    out.push(ConfigProblem::new(
                        here,
                        format!("\"{name}\" and \"{o}\" cannot both be set"),
                        format!("set only one of \"{name}\" and \"{o}\""),
                    ));
                }
            }
            Validator::ExactlyOneOf(others) | Validator::AtLeastOneOf(others) => {
                let mut all = vec![name];
                all.extend(others.iter());
                // Judged once, by the first of the group.
                if all.iter().min() != Some(&name) {
                    return;
                }
                let states: Vec<Option<bool>> = all.iter().map(|n| set(config, n)).collect();
                if states.contains(&None) {
                    return;
                }
                let count = states.iter().filter(|s| **s == Some(true)).count();
                let exactly = matches!(self, Validator::ExactlyOneOf(_));
                if count == 0 || (exactly && count > 1) {
                    let which = if exactly {
                        "exactly one"
                    } else {
                        "at least one"
                    };
                    out.push(ConfigProblem::new(
                        here,
                        format!("{which} of {} must be set", quoted(&all)),
                        format!("set {which} of them"),
                    ));
                }
            }
            Validator::RequiredWith(others) => {
                if set(config, name) != Some(true) {
                    return;
                }
                for o in others.iter().filter(|o| set(config, o) == Some(false)) {
                    out.push(ConfigProblem::new(
                        here,
                        format!("\"{name}\" needs \"{o}\" to be set too"),
                        format!("set \"{o}\", or remove \"{name}\""),
                    ));
                }
            }
            Validator::Regex(..) | Validator::Range(..) | Validator::OneOf(..) => {
                let Some(v) = config.get(name) else { return };
                for item in scalars(v) {
                    if let Some(m) = self.value_problem(item) {
                        out.push(ConfigProblem::new(
                            here,
                            format!("invalid {name}: {m}"),
                            self.help(),
                        ));
                    }
                }
            }
            Validator::Custom(f) => {
                if let Some(v) = config
                    .get(name)
                    .filter(|v| v.is_wholly_known() && !v.is_null())
                {
                    if let Some(m) = f(v.unmarked()) {
                        out.push(ConfigProblem::new(
                            here,
                            format!("invalid {name}: {m}"),
                            a.description.to_string(),
                        ));
                    }
                }
            }
        }
    }

    fn value_problem(&self, v: &Value) -> Option<String> {
        match (self, v.unmarked()) {
            (Validator::Regex(re, what), Value::String(s)) => {
                (!re.is_match(s)).then(|| format!("\"{s}\" is not {what}"))
            }
            (Validator::Range(min, max), Value::Number(n)) => (n < min || n > max).then(|| {
                format!(
                    "{} is not between {} and {}",
                    crate::value::format_number(*n),
                    crate::value::format_number(*min),
                    crate::value::format_number(*max)
                )
            }),
            (Validator::OneOf(allowed), Value::String(s)) => {
                (!allowed.contains(&s.as_str())).then(|| format!("\"{s}\" is not allowed"))
            }
            _ => None,
        }
    }

    fn help(&self) -> String {
        match self {
            Validator::Regex(_, what) => format!("write {what}"),
            Validator::Range(min, max) => format!(
                "use a number from {} to {}",
                crate::value::format_number(*min),
                crate::value::format_number(*max)
            ),
            Validator::OneOf(allowed) => format!("use one of: {}", allowed.join(", ")),
            _ => String::new(),
        }
    }
}

/// The known, non-null scalars of a value: itself, or the elements of a collection.
fn scalars(v: &Value) -> Vec<&Value> {
    match v.unmarked() {
        Value::Null | Value::Unknown => Vec::new(),
        Value::List(items) => items.iter().flat_map(scalars).collect(),
        Value::Map(m) => m.values().flat_map(scalars).collect(),
        _ => vec![v],
    }
}

impl Schema {
    /// Every problem the schema's validators find in a configuration object; in nested
    /// blocks, each block is judged against its own schema and the problem is placed at
    /// the block.
    pub fn problems(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        for a in &self.attributes {
            for v in &a.validators {
                v.problems(a, config, &mut out);
            }
        }
        for b in &self.blocks {
            let items: Vec<&Value> = match config.get(b.name).map(Value::unmarked) {
                Some(Value::List(items)) => items.iter().collect(),
                Some(v @ Value::Map(_)) => vec![v],
                _ => Vec::new(),
            };
            for item in items {
                for p in b.schema.problems(item) {
                    out.push(ConfigProblem {
                        attribute: Some(b.name),
                        inner: p.attribute,
                        message: format!("{}: {}", b.name, p.message),
                        help: p.help,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::obj;
    use super::*;

    fn schema() -> Schema {
        Schema::new()
            .attr(Attribute::string("name").conflicts_with(&["name_prefix"]))
            .attr(Attribute::string("name_prefix"))
            .attr(Attribute::string("cidr").exactly_one_of(&["source"]))
            .attr(Attribute::string("source"))
            .attr(Attribute::number("port").range(0.0, 65535.0))
            .attr(Attribute::string("kind").one_of(&["a", "b"]))
            .attr(Attribute::string("id_like").regex("^sg-[0-9a-f]+$", "a group id (sg-…)"))
    }

    fn messages(config: Value) -> Vec<String> {
        schema()
            .problems(&config)
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn each_validator_judges_known_values_only() {
        assert!(messages(obj(&[("cidr", "10.0.0.0/8".into())])).is_empty());
        let m = messages(obj(&[
            ("name", "a".into()),
            ("name_prefix", "b".into()),
            ("port", Value::Number(70000.0)),
            ("kind", "c".into()),
            ("id_like", "vpc-1".into()),
        ]));
        assert_eq!(m.len(), 5, "{m:?}");
        assert!(m[0].contains("cannot both be set"));
        assert!(m.iter().any(|m| m.contains("exactly one of")));
        // Unknowns are not judged: they may still turn out null or valid.
        assert!(messages(obj(&[
            ("name", "a".into()),
            ("name_prefix", Value::Unknown),
            ("cidr", Value::Unknown),
            ("port", Value::Unknown),
        ]))
        .is_empty());
        assert!(
            messages(obj(&[("cidr", "x".into()), ("source", "y".into())]))
                .iter()
                .any(|m| m.contains("exactly one of \"cidr\" or \"source\""))
        );
    }
}
