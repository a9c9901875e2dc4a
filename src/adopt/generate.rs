//! Configuration written from real objects (`strata plan --generate-config-out=FILE`): the
//! settable arguments whose value differs from the schema default / zero value, nested blocks
//! as blocks, sensitive arguments as references to generated sensitive variables.

use crate::plan::diff::attr_equal;
use crate::schema::{Nesting, Schema};
use crate::value::Value;

/// A generated resource block and the variables its sensitive arguments refer to.
pub struct Generated {
    pub hcl: String,
    /// (variable name, the object's value): declared as sensitive variables.
    pub variables: Vec<(String, Value)>,
}

/// Writes `resource "TYPE" "NAME" { ... }` from an object read from AWS.
pub fn resource_block(type_: &str, name: &str, object: &Value, schema: &Schema) -> Generated {
    let mut variables = Vec::new();
    let mut hcl = format!("resource \"{type_}\" \"{name}\" {{\n");
    body(
        &mut hcl,
        schema,
        object,
        1,
        &mut |arg, v| {
            let var = format!("{name}_{arg}");
            variables.push((var.clone(), v.clone()));
            format!("var.{var}")
        },
        true,
    );
    hcl.push_str("}\n");
    Generated { hcl, variables }
}

/// `variable "NAME" { type = ..., sensitive = true }` for a generated sensitive argument.
pub fn variable_block(name: &str, value: &Value) -> String {
    let ty = match value.unmarked() {
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "string",
    };
    format!("variable \"{name}\" {{\n  type      = {ty}\n  sensitive = true\n}}\n")
}

fn body(
    out: &mut String,
    schema: &Schema,
    object: &Value,
    depth: usize,
    sensitive_ref: &mut dyn FnMut(&str, &Value) -> String,
    top: bool,
) {
    let pad = "  ".repeat(depth);
    let mut written: Vec<&str> = Vec::new();
    for a in &schema.attributes {
        if !a.is_settable() {
            continue;
        }
        let v = object.get(a.name).unwrap_or(&Value::Null);
        if v.unmarked().is_null() || matches!(v.unmarked(), Value::Unknown) {
            continue;
        }
        if !a.required {
            if v.is_zero() {
                continue;
            }
            if let Some(d) = &a.default {
                if attr_equal(&a.ty, v, d, false) {
                    continue;
                }
            }
        }
        // Arguments that may not be set together: the first one wins.
        let conflicts = written.iter().any(|w| a.conflicts().contains(w))
            || schema
                .attributes
                .iter()
                .filter(|o| written.contains(&o.name))
                .any(|o| o.conflicts().contains(&a.name));
        if conflicts {
            continue;
        }
        written.push(a.name);
        let rendered = if a.sensitive && top {
            sensitive_ref(a.name, v)
        } else {
            literal(v.unmarked())
        };
        out.push_str(&format!("{pad}{} = {rendered}\n", a.name));
    }
    for b in &schema.blocks {
        let v = object.get(b.name).unwrap_or(&Value::Null);
        let items: Vec<&Value> = match (b.nesting, v.unmarked()) {
            (_, Value::Null) => vec![],
            (Nesting::Single, Value::List(items)) => items.iter().take(1).collect(),
            (Nesting::Single, other) => vec![other],
            (_, Value::List(items)) => items.iter().collect(),
            _ => vec![],
        };
        for item in items {
            out.push_str(&format!("\n{pad}{} {{\n", b.name));
            body(out, &b.schema, item, depth + 1, sensitive_ref, false);
            out.push_str(&format!("{pad}}}\n"));
        }
    }
}

/// An HCL literal for a value (strings escaped so `${` and `%{` stay text).
pub fn literal(v: &Value) -> String {
    match v.unmarked() {
        Value::String(s) => {
            let q = crate::value::quote(s);
            q.replace("${", "$${").replace("%{", "%%{")
        }
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(m) => {
            if m.is_empty() {
                return "{}".into();
            }
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), literal(v)))
                .collect();
            format!("{{\n{}\n}}", parts.join("\n"))
        }
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    let mut chars = k.chars();
    let ident = matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        crate::value::quote(k)
    }
}

/// A valid, unique HCL identifier from an AWS name.
pub fn identifier(name: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    let mut base = if s.is_empty() {
        "imported".to_string()
    } else {
        s
    };
    if base.starts_with(|c: char| c.is_ascii_digit()) {
        base = format!("r_{base}");
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, BlockType};

    #[test]
    fn writes_only_non_default_settable_arguments_and_blocks() {
        let schema = Schema::new()
            .attr(Attribute::string("id").output())
            .attr(Attribute::string("name").required())
            .attr(Attribute::bool("flag").default(true))
            .attr(Attribute::string("desc"))
            .attr(Attribute::string("secret").sensitive())
            .block(BlockType::set(
                "rule",
                Schema::new().attr(Attribute::number("port").required()),
            ));
        let obj = Value::Map(crate::value::Map::from([
            ("id".to_string(), Value::from("x-1")),
            ("name".to_string(), Value::from("a ${b}")),
            ("flag".to_string(), Value::Bool(true)),
            ("desc".to_string(), Value::from("")),
            ("secret".to_string(), Value::from("pw")),
            (
                "rule".to_string(),
                Value::List(vec![Value::Map(crate::value::Map::from([(
                    "port".to_string(),
                    Value::Number(0.0),
                )]))]),
            ),
        ]));
        let g = resource_block("t", "r", &obj, &schema);
        assert!(g.hcl.contains("name = \"a $${b}\""), "{}", g.hcl);
        assert!(!g.hcl.contains("id ="));
        assert!(!g.hcl.contains("flag"));
        assert!(!g.hcl.contains("desc"));
        assert!(g.hcl.contains("secret = var.r_secret"));
        assert!(g.hcl.contains("rule {\n    port = 0\n  }"), "{}", g.hcl);
        assert_eq!(g.variables.len(), 1);
        crate::fmt::format_source(&g.hcl).unwrap();
    }

    #[test]
    fn identifiers_are_valid_and_unique() {
        let mut taken = Default::default();
        assert_eq!(identifier("web-SG", &mut taken), "web_sg");
        assert_eq!(identifier("web_sg", &mut taken), "web_sg_2");
        assert_eq!(identifier("1db", &mut taken), "r_1db");
        assert_eq!(identifier("--", &mut taken), "imported");
    }
}
