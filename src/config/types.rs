//! Type constraints of `variable` blocks and their conversions, after Terraform's (cty's) rules.

use crate::value::Value;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::Span as _;
use std::ops::Range;

#[derive(Clone, Debug, PartialEq)]
pub enum TypeConstraint {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Object(Vec<ObjectAttr>),
    Tuple(Vec<TypeConstraint>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectAttr {
    pub name: String,
    pub ty: TypeConstraint,
    pub optional: bool,
    pub default: Option<Value>,
}

type ParseError = (String, Option<Range<usize>>);

impl TypeConstraint {
    pub fn parse(expr: &Expression) -> Result<TypeConstraint, ParseError> {
        match expr {
            Expression::Variable(v) => match v.as_str() {
                "any" => Ok(TypeConstraint::Any),
                "string" => Ok(TypeConstraint::String),
                "number" => Ok(TypeConstraint::Number),
                "bool" => Ok(TypeConstraint::Bool),
                "list" => Ok(TypeConstraint::List(Box::new(TypeConstraint::Any))),
                "set" => Ok(TypeConstraint::Set(Box::new(TypeConstraint::Any))),
                "map" => Ok(TypeConstraint::Map(Box::new(TypeConstraint::Any))),
                other => Err((format!("\"{other}\" is not a type"), v.span())),
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let args: Vec<&Expression> = call.args.iter().collect();
                let one = |args: &[&Expression]| -> Result<TypeConstraint, ParseError> {
                    match args {
                        [arg] => TypeConstraint::parse(arg),
                        _ => Err((format!("{name}() takes exactly one type"), call.span())),
                    }
                };
                match name {
                    "list" => Ok(TypeConstraint::List(Box::new(one(&args)?))),
                    "set" => Ok(TypeConstraint::Set(Box::new(one(&args)?))),
                    "map" => Ok(TypeConstraint::Map(Box::new(one(&args)?))),
                    "object" => {
                        let [Expression::Object(obj)] = args.as_slice() else {
                            return Err(("object() takes one object of attribute types, like object({ name = string })".into(), call.span()));
                        };
                        let mut attrs = Vec::new();
                        for (key, value) in obj.iter() {
                            let name = match key {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => {
                                    s.value().to_string()
                                }
                                ObjectKey::Expression(Expression::Variable(v)) => {
                                    v.as_str().to_string()
                                }
                                ObjectKey::Expression(e) => {
                                    return Err((
                                        "object attribute names must be identifiers".into(),
                                        e.span(),
                                    ))
                                }
                            };
                            let (ty, optional, default) = parse_attr(value.expr())?;
                            attrs.push(ObjectAttr {
                                name,
                                ty,
                                optional,
                                default,
                            });
                        }
                        attrs.sort_by(|a, b| a.name.cmp(&b.name));
                        Ok(TypeConstraint::Object(attrs))
                    }
                    "tuple" => {
                        let [Expression::Array(items)] = args.as_slice() else {
                            return Err(("tuple() takes one list of element types, like tuple([string, number])".into(), call.span()));
                        };
                        Ok(TypeConstraint::Tuple(
                            items
                                .iter()
                                .map(TypeConstraint::parse)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    "optional" => Err((
                        "optional() is only allowed for an attribute of object()".into(),
                        call.span(),
                    )),
                    other => Err((
                        format!("\"{other}\" is not a type constructor"),
                        call.span(),
                    )),
                }
            }
            Expression::Traversal(t)
                if matches!(
                    t.operators.first().map(|o| o.value()),
                    Some(TraversalOperator::GetAttr(_))
                ) =>
            {
                Err((
                    "type constraints are type names like string or list(string), not references"
                        .into(),
                    t.span(),
                ))
            }
            Expression::String(s) => match s.value().as_str() {
                // Terraform 0.11 style quoted types, still seen in old modules.
                "string" => Ok(TypeConstraint::String),
                "list" => Ok(TypeConstraint::List(Box::new(TypeConstraint::Any))),
                "map" => Ok(TypeConstraint::Map(Box::new(TypeConstraint::Any))),
                other => Err((format!("\"{other}\" is not a type"), s.span())),
            },
            other => Err((
                "expected a type, like string or list(string)".into(),
                other.span(),
            )),
        }
    }

    pub fn convert(&self, value: Value) -> Result<Value, String> {
        let (value, marked) = value.unmark();
        // An error about a sensitive value must not quote it.
        let converted = self.convert_unmarked(value).map_err(|e| {
            if marked {
                format!("the sensitive value does not convert to {self}")
            } else {
                e
            }
        })?;
        Ok(converted.mark_if(marked))
    }

    fn convert_unmarked(&self, value: Value) -> Result<Value, String> {
        if matches!(value, Value::Null | Value::Unknown) {
            return Ok(value);
        }
        match self {
            TypeConstraint::Any => Ok(value),
            TypeConstraint::String => match value {
                Value::String(_) => Ok(value),
                Value::Number(_) | Value::Bool(_) => Ok(Value::String(
                    value.to_template_string().unwrap_or_default(),
                )),
                other => Err(format!("a string is required, got {}", describe(&other))),
            },
            TypeConstraint::Number => match value {
                Value::Number(_) => Ok(value),
                Value::String(ref s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .map(Value::Number)
                    .ok_or_else(|| format!("a number is required, got the string \"{s}\"")),
                other => Err(format!("a number is required, got {}", describe(&other))),
            },
            TypeConstraint::Bool => match value {
                Value::Bool(_) => Ok(value),
                Value::String(ref s) if s == "true" => Ok(Value::Bool(true)),
                Value::String(ref s) if s == "false" => Ok(Value::Bool(false)),
                other => Err(format!("a bool is required, got {}", describe(&other))),
            },
            TypeConstraint::List(elem) | TypeConstraint::Set(elem) => {
                let items = match value {
                    Value::List(items) => items,
                    other => return Err(format!("a list is required, got {}", describe(&other))),
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    out.push(
                        elem.convert(item)
                            .map_err(|e| format!("element {i}: {e}"))?,
                    );
                }
                if matches!(self, TypeConstraint::Set(_)) {
                    sort_dedup(&mut out);
                }
                Ok(Value::List(out))
            }
            TypeConstraint::Map(elem) => {
                let map = match value {
                    Value::Map(map) => map,
                    other => return Err(format!("a map is required, got {}", describe(&other))),
                };
                let mut out = crate::value::Map::new();
                for (k, v) in map {
                    let v = elem
                        .convert(v)
                        .map_err(|e| format!("element \"{k}\": {e}"))?;
                    out.insert(k, v);
                }
                Ok(Value::Map(out))
            }
            TypeConstraint::Object(attrs) => {
                let mut map = match value {
                    Value::Map(map) => map,
                    other => {
                        return Err(format!("an object is required, got {}", describe(&other)))
                    }
                };
                let mut out = crate::value::Map::new();
                for attr in attrs {
                    match map.remove(&attr.name) {
                        Some(v) if !(v.is_null() && attr.optional) => {
                            let v = attr
                                .ty
                                .convert(v)
                                .map_err(|e| format!("attribute \"{}\": {e}", attr.name))?;
                            out.insert(attr.name.clone(), v);
                        }
                        Some(_) | None if attr.optional => {
                            let default = match &attr.default {
                                Some(d) => attr.ty.convert(d.clone())?,
                                None => Value::Null,
                            };
                            out.insert(attr.name.clone(), default);
                        }
                        _ => return Err(format!("attribute \"{}\" is required", attr.name)),
                    }
                }
                Ok(Value::Map(out))
            }
            TypeConstraint::Tuple(elems) => {
                let items = match value {
                    Value::List(items) => items,
                    other => return Err(format!("a tuple is required, got {}", describe(&other))),
                };
                if items.len() != elems.len() {
                    return Err(format!(
                        "a tuple of {} elements is required, got {}",
                        elems.len(),
                        items.len()
                    ));
                }
                items
                    .into_iter()
                    .zip(elems)
                    .enumerate()
                    .map(|(i, (v, t))| t.convert(v).map_err(|e| format!("element {i}: {e}")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::List)
            }
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, TypeConstraint::String)
    }
}

impl std::fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeConstraint::Any => f.write_str("any"),
            TypeConstraint::String => f.write_str("string"),
            TypeConstraint::Number => f.write_str("number"),
            TypeConstraint::Bool => f.write_str("bool"),
            TypeConstraint::List(e) => write!(f, "list({e})"),
            TypeConstraint::Set(e) => write!(f, "set({e})"),
            TypeConstraint::Map(e) => write!(f, "map({e})"),
            TypeConstraint::Object(attrs) => {
                f.write_str("object({")?;
                for (i, a) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if a.optional {
                        write!(f, "{} = optional({})", a.name, a.ty)?;
                    } else {
                        write!(f, "{} = {}", a.name, a.ty)?;
                    }
                }
                f.write_str("})")
            }
            TypeConstraint::Tuple(elems) => {
                f.write_str("tuple([")?;
                for (i, e) in elems.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("])")
            }
        }
    }
}

pub use crate::value::sort_dedup;

fn describe(value: &Value) -> String {
    match value {
        Value::List(_) => "a list".into(),
        Value::Map(_) => "an object".into(),
        Value::Bool(_) => "a bool".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Null => "null".into(),
        Value::Unknown => "an unknown value".into(),
        Value::Sensitive(inner) => describe(inner),
    }
}

fn parse_attr(expr: &Expression) -> Result<(TypeConstraint, bool, Option<Value>), ParseError> {
    if let Expression::FuncCall(call) = expr {
        if call.name.name.as_str() == "optional" {
            let args: Vec<&Expression> = call.args.iter().collect();
            return match args.as_slice() {
                [ty] => Ok((TypeConstraint::parse(ty)?, true, None)),
                [ty, default] => {
                    let default = literal(default).ok_or_else(|| {
                        (
                            "an optional() default must be a literal value".to_string(),
                            default.span(),
                        )
                    })?;
                    Ok((TypeConstraint::parse(ty)?, true, Some(default)))
                }
                _ => Err((
                    "optional() takes a type and an optional default".into(),
                    call.span(),
                )),
            };
        }
    }
    Ok((TypeConstraint::parse(expr)?, false, None))
}

/// The text of a string expression that needs no evaluation: a quoted string, or a template
/// or heredoc whose interpolations are themselves constant strings.
pub fn constant_string(expr: &Expression) -> Option<String> {
    use hcl_edit::template::{Element, Template};
    fn template(t: &Template) -> Option<String> {
        let mut out = String::new();
        for element in t.iter() {
            match element {
                Element::Literal(l) => out.push_str(l.value()),
                Element::Interpolation(i) => out.push_str(&constant_string(&i.expr)?),
                Element::Directive(_) => return None,
            }
        }
        Some(out)
    }
    match expr {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::StringTemplate(t) => template(t),
        Expression::HeredocTemplate(h) => template(&h.template),
        Expression::Parenthesis(p) => constant_string(p.inner()),
        _ => None,
    }
}

/// The value of a literal expression (no references, no calls).
pub fn literal(expr: &Expression) -> Option<Value> {
    Some(match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => Value::Number(n.value().as_f64()?),
        Expression::String(s) => Value::String(s.value().to_string()),
        Expression::Array(items) => Value::List(items.iter().map(literal).collect::<Option<_>>()?),
        Expression::Object(obj) => {
            let mut map = crate::value::Map::new();
            for (k, v) in obj.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
                    _ => return None,
                };
                map.insert(key, literal(v.expr())?);
            }
            Value::Map(map)
        }
        Expression::Parenthesis(p) => literal(p.inner())?,
        Expression::UnaryOp(u)
            if matches!(u.operator.value(), hcl_edit::expr::UnaryOperator::Neg) =>
        {
            Value::Number(-literal(&u.expr)?.as_f64()?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> TypeConstraint {
        TypeConstraint::parse(&hcl_edit::parser::parse_expr(s).unwrap()).unwrap()
    }

    #[test]
    fn optional_attributes_take_their_default() {
        let t = parse("object({ name = string, port = optional(number, 3306) })");
        let v = t
            .convert(Value::Map([("name".to_string(), Value::from("db"))].into()))
            .unwrap();
        assert_eq!(v.get("port"), Some(&Value::Number(3306.0)));
    }

    #[test]
    fn missing_required_attribute_is_an_error() {
        let t = parse("object({ name = string })");
        let err = t.convert(Value::Map(Default::default())).unwrap_err();
        assert!(err.contains("\"name\" is required"), "{err}");
    }

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let t = parse("set(string)");
        let v = t
            .convert(Value::List(vec!["b".into(), "a".into(), "b".into()]))
            .unwrap();
        assert_eq!(v, Value::List(vec!["a".into(), "b".into()]));
    }

    /// Regression: a conversion error quoted the value, even a sensitive one.
    #[test]
    fn a_sensitive_value_is_not_quoted_in_a_conversion_error() {
        let err = TypeConstraint::Number
            .convert(Value::from("hunter2").sensitive())
            .unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn sensitive_mark_survives_conversion() {
        let v = TypeConstraint::Number
            .convert(Value::from("5").sensitive())
            .unwrap();
        assert_eq!(v, Value::Number(5.0).sensitive());
    }
}
