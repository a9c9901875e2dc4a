//! References and traversals: `a.b[0]`, splats, and the errors that say which name or key is
//! missing and what was meant. The walk borrows from the scope and clones only its result.

use super::{Evaluator, Result};
use crate::diag::{did_you_mean, Diagnostic};
use crate::value::{Map, Value};
use hcl_edit::expr::{Expression, TraversalOperator};
use std::borrow::Cow;

impl Evaluator<'_> {
    pub(super) fn traversal(&mut self, t: &hcl_edit::expr::Traversal) -> Result<Value> {
        // Index keys do not depend on the base, so evaluate them first; the walk below then only
        // borrows from the scope, cloning just the value it ends on.
        let mut keys = Vec::with_capacity(t.operators.len());
        for op in &t.operators {
            keys.push(match op.value() {
                TraversalOperator::Index(e) => Some(self.eval(e)?),
                _ => None,
            });
        }
        let base: Cow<Value> = match &t.expr {
            Expression::Variable(v) => {
                let name = v.as_str();
                if let Some((_, value)) = self.bound.iter().rev().find(|(n, _)| n == name) {
                    Cow::Owned(value.clone())
                } else {
                    match self.scope.root(name) {
                        Some(value) => Cow::Borrowed(value),
                        None => return Err(self.unknown_name(v, name)),
                    }
                }
            }
            other => Cow::Owned(self.eval(other)?),
        };
        let root_name = match &t.expr {
            Expression::Variable(v) => Some(v.as_str()),
            _ => None,
        };
        self.apply_ops(base, &t.operators, &keys, root_name, t)
            .map(Cow::into_owned)
    }

    // `whole` is threaded through the recursion for error spans.
    #[allow(clippy::only_used_in_recursion)]
    fn apply_ops<'v>(
        &self,
        mut current: Cow<'v, Value>,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        keys: &[Option<Value>],
        root_name: Option<&str>,
        whole: &hcl_edit::expr::Traversal,
    ) -> Result<Cow<'v, Value>> {
        let mut marked = false;
        let mut path = root_name.unwrap_or("").to_string();
        for (i, op) in ops.iter().enumerate() {
            if let Value::Sensitive(_) = current.as_ref() {
                marked = true;
                current = Cow::Owned(current.into_owned().unmark().0);
            }
            match op.value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let full = matches!(op.value(), TraversalOperator::FullSplat(_));
                    // The operators a splat applies to each element: all that follow for a full
                    // splat, only the attribute lookups for an attribute splat.
                    let rest_len = if full {
                        ops.len() - i - 1
                    } else {
                        ops[i + 1..]
                            .iter()
                            .take_while(|o| matches!(o.value(), TraversalOperator::GetAttr(_)))
                            .count()
                    };
                    let rest = &ops[i + 1..i + 1 + rest_len];
                    let rest_keys = &keys[i + 1..i + 1 + rest_len];
                    let items: Vec<Value> = match current.into_owned() {
                        Value::Unknown => return Ok(Cow::Owned(Value::Unknown.mark_if(marked))),
                        Value::Null => Vec::new(),
                        Value::List(items) => items,
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(
                            self.apply_ops(Cow::Owned(item), rest, rest_keys, None, whole)?
                                .into_owned(),
                        );
                    }
                    let result = Cow::Owned(Value::List(out));
                    let after = &ops[i + 1 + rest_len..];
                    let after_keys = &keys[i + 1 + rest_len..];
                    let v = self.apply_ops(result, after, after_keys, None, whole)?;
                    return Ok(Cow::Owned(v.into_owned().mark_if(marked)));
                }
                TraversalOperator::GetAttr(name) => {
                    let name = name.as_str();
                    current = match current {
                        Cow::Borrowed(Value::Map(map)) => match map.get(name) {
                            Some(v) => Cow::Borrowed(v),
                            None => return Err(self.missing_attr(op, &path, name, map)),
                        },
                        Cow::Owned(Value::Map(mut map)) => match map.remove(name) {
                            Some(v) => Cow::Owned(v),
                            None => return Err(self.missing_attr(op, &path, name, &map)),
                        },
                        c if matches!(c.as_ref(), Value::Unknown) => return Ok(Cow::Owned(Value::Unknown.mark_if(marked))),
                        c if matches!(c.as_ref(), Value::Null) => {
                            return Err(self
                                .err(op, "Attempt to get an attribute from a null value")
                                .detail(format!("{path} is null"))
                                .help("check the value is set before using its attributes, e.g. with try()"))
                        }
                        c if matches!(c.as_ref(), Value::List(_)) => {
                            return Err(self
                                .err(op, format!("Unsupported attribute \"{name}\""))
                                .detail(format!("{path} is a list of instances or values, which has no attributes"))
                                .help(format!("pick an element with {path}[0].{name}, or all of them with {path}[*].{name}")))
                        }
                        c => {
                            return Err(self
                                .err(op, format!("Unsupported attribute \"{name}\""))
                                .detail(format!("{path} is {}, which has no attributes", c.type_name()))
                                .help("remove the attribute access"))
                        }
                    };
                    path.push('.');
                    path.push_str(name);
                }
                TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => {
                    let key = match op.value() {
                        TraversalOperator::LegacyIndex(n) => Value::Number(*n.value() as f64),
                        _ => keys[i].clone().unwrap_or(Value::Null),
                    };
                    let (key, km) = key.unmark();
                    marked |= km;
                    if matches!(key, Value::Unknown) || matches!(current.as_ref(), Value::Unknown) {
                        return Ok(Cow::Owned(Value::Unknown.mark_if(marked)));
                    }
                    current = self.index(current, &key, op, &path)?;
                    path.push_str(&format!("[{key}]"));
                }
            }
        }
        Ok(if marked {
            Cow::Owned(current.into_owned().mark_if(true))
        } else {
            current
        })
    }

    fn missing_attr(
        &self,
        op: &hcl_edit::Decorated<TraversalOperator>,
        path: &str,
        name: &str,
        map: &Map,
    ) -> Diagnostic {
        let (summary, what) = match path {
            "var" => (format!("Reference to undeclared input variable \"{name}\""), "declare it with a variable block".to_string()),
            "local" => (format!("Reference to undeclared local value \"{name}\""), "define it in a locals block".to_string()),
            "module" => (format!("Reference to undeclared module \"{name}\""), "declare it with a module block".to_string()),
            p if p.starts_with("module.") && !p[7..].contains('.') => (
                format!("Unsupported attribute \"{name}\""),
                format!("{p} has no output named \"{name}\": declare it with an output block in the module"),
            ),
            "" => (format!("Unsupported attribute \"{name}\""), "check the attribute name".to_string()),
            p if !p.contains('.') && !matches!(p, "each" | "count" | "path" | "terraform" | "self" | "data") => (
                format!("Reference to undeclared resource \"{p}.{name}\""),
                format!("declare it with resource \"{p}\" \"{name}\" {{ ... }}"),
            ),
            p => (
                format!("Unsupported attribute \"{name}\""),
                format!("{p} has no attribute named \"{name}\""),
            ),
        };
        // Always say what to do: the nearest declared name, or how to declare this one.
        match did_you_mean(name, map.keys().map(String::as_str)) {
            Some(s) => self
                .err(op, summary)
                .detail(what)
                .help(format!("did you mean \"{s}\"?")),
            None => self.err(op, summary).help(what),
        }
    }

    fn index<'v>(
        &self,
        current: Cow<'v, Value>,
        key: &Value,
        op: &hcl_edit::Decorated<TraversalOperator>,
        path: &str,
    ) -> Result<Cow<'v, Value>> {
        let invalid = |detail: String| {
            self.err(op, "Invalid index")
                .detail(detail)
                .help("check the key or index exists, or use lookup()/try() with a default")
        };
        match current {
            Cow::Borrowed(Value::List(items)) => {
                let i = list_index(key, items.len()).map_err(invalid)?;
                Ok(Cow::Borrowed(&items[i]))
            }
            Cow::Owned(Value::List(mut items)) => {
                let i = list_index(key, items.len()).map_err(invalid)?;
                Ok(Cow::Owned(items.swap_remove(i)))
            }
            Cow::Borrowed(Value::Map(map)) => {
                let k = key
                    .to_template_string()
                    .ok_or_else(|| invalid("a map key must be a string".into()))?;
                map.get(&k)
                    .map(Cow::Borrowed)
                    .ok_or_else(|| invalid(format!("{path} has no element with the key \"{k}\"")))
            }
            Cow::Owned(Value::Map(mut map)) => {
                let k = key
                    .to_template_string()
                    .ok_or_else(|| invalid("a map key must be a string".into()))?;
                map.remove(&k)
                    .map(Cow::Owned)
                    .ok_or_else(|| invalid(format!("{path} has no element with the key \"{k}\"")))
            }
            c if matches!(c.as_ref(), Value::Null) => Err(invalid(format!("{path} is null"))),
            c => Err(invalid(format!(
                "{path} is {}, which cannot be indexed",
                c.type_name()
            ))),
        }
    }
}

fn list_index(key: &Value, len: usize) -> std::result::Result<usize, String> {
    let n = match key {
        Value::Number(n) => *n,
        Value::String(s) => s
            .parse::<f64>()
            .map_err(|_| format!("a list index must be a number, got \"{s}\""))?,
        other => {
            return Err(format!(
                "a list index must be a number, got {}",
                other.type_name()
            ))
        }
    };
    if n.fract() != 0.0 || n < 0.0 {
        return Err(format!("the index {n} is not a whole non-negative number"));
    }
    let i = n as usize;
    if i >= len {
        return Err(format!(
            "the index {i} is out of range for a list of {len} elements"
        ));
    }
    Ok(i)
}
