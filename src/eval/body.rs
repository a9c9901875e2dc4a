//! Evaluates a resource body against its schema: arguments converted to their types, nested
//! and `dynamic` blocks expanded, unknown arguments reported with "did you mean".
#![allow(clippy::result_large_err)]

use super::expr::{Evaluator, Scope};
use crate::config::{Body, Expr};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::schema::{Nesting, Schema};
use crate::value::{Map, Value};
use std::path::Path;

/// Evaluates one expression in a scope with extra bound names.
pub fn eval_expr(
    scope: &dyn Scope,
    expr: &Expr,
    dir: &Path,
    bound: &[(&str, &Value)],
) -> Result<Value, Diagnostic> {
    let mut ev = Evaluator::new(scope, expr.file, dir);
    for (name, value) in bound {
        ev.bind(name, (*value).clone());
    }
    ev.eval(&expr.expr)
}

pub struct BodyEval<'a> {
    pub scope: &'a dyn Scope,
    pub dir: &'a Path,
    /// Where the block is declared, for "missing argument" errors.
    pub what: &'a str,
}

impl BodyEval<'_> {
    /// Returns an object with every settable attribute (null when unset) and every block.
    pub fn eval(
        &self,
        body: &Body,
        schema: &Schema,
        bound: &[(&str, &Value)],
        diags: &mut Diagnostics,
    ) -> Value {
        let mut out = Map::new();
        for attr in body.attrs.values() {
            let Some(a) = schema.attribute(&attr.name) else {
                if let Some(block) = schema.block_type(&attr.name) {
                    // Terraform accepts `ingress = [{...}]` for attribute-mode blocks.
                    match eval_expr(self.scope, &attr.expr, self.dir, bound) {
                        Ok(v) => {
                            out.insert(block.name.to_string(), v);
                        }
                        Err(d) => diags.push(d),
                    }
                    continue;
                }
                let mut d = Diagnostic::error(format!("Unsupported argument \"{}\"", attr.name))
                    .at(attr.name_span)
                    .detail(format!(
                        "an argument named \"{}\" is not expected in {}",
                        attr.name, self.what
                    ));
                d = match did_you_mean(&attr.name, schema.settable_names()) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help("see `strata schema TYPE` for the arguments this type accepts"),
                };
                diags.push(d);
                continue;
            };
            if !a.is_settable() {
                diags.push(
                    Diagnostic::error(format!("Invalid argument \"{}\"", attr.name))
                        .at(attr.name_span)
                        .detail(format!(
                            "\"{}\" is set by AWS and cannot be configured",
                            attr.name
                        ))
                        .help("remove it; refer to it from other resources instead"),
                );
                continue;
            }
            let value = match eval_expr(self.scope, &attr.expr, self.dir, bound) {
                Ok(v) => v,
                Err(d) => {
                    diags.push(d);
                    Value::Unknown
                }
            };
            let value = match a.ty.convert(value) {
                Ok(v) => v,
                Err(msg) => {
                    diags.push(
                        Diagnostic::error("Incorrect attribute value type")
                            .at(attr.expr.span())
                            .detail(format!("inappropriate value for \"{}\": {msg}", attr.name))
                            .help(format!("\"{}\" takes a value of type {}", attr.name, a.ty)),
                    );
                    Value::Unknown
                }
            };
            out.insert(a.name.to_string(), value.mark_if(a.sensitive));
        }
        for a in &schema.attributes {
            if !a.is_settable() {
                continue;
            }
            if !out.contains_key(a.name) {
                if a.required {
                    diags.push(
                        Diagnostic::error(format!("Missing required argument \"{}\"", a.name))
                            .at(body.span)
                            .detail(format!("{} needs \"{}\"", self.what, a.name))
                            .help(format!("add {} = ...", a.name)),
                    );
                }
                out.insert(a.name.to_string(), Value::Null);
            } else if a.required && out.get(a.name).is_some_and(Value::is_null) {
                diags.push(
                    Diagnostic::error(format!("Required argument \"{}\" is null", a.name))
                        .at(body
                            .attrs
                            .get(a.name)
                            .map(|x| x.expr.span())
                            .unwrap_or(body.span))
                        .help("give it a value"),
                );
            }
        }
        for block in &body.blocks {
            let kind = if block.kind == "dynamic" {
                block.labels.first().map(String::as_str).unwrap_or("")
            } else {
                block.kind.as_str()
            };
            if schema.block_type(kind).is_none() {
                let mut d = Diagnostic::error(format!("Unsupported block type \"{kind}\""))
                    .at(block.span)
                    .detail(format!(
                        "blocks of type \"{kind}\" are not expected in {}",
                        self.what
                    ));
                let names: Vec<&str> = schema.blocks.iter().map(|b| b.name).collect();
                d = match did_you_mean(kind, names.iter().copied()) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None if schema.attribute(kind).is_some() => {
                        d.help(format!("\"{kind}\" is an argument: write {kind} = ..."))
                    }
                    None if names.is_empty() => d.help("this type has no nested blocks"),
                    None => d.help(format!("expected one of: {}", names.join(", "))),
                };
                diags.push(d);
            }
        }
        for bt in &schema.blocks {
            if out.contains_key(bt.name) {
                continue;
            }
            let mut items = Vec::new();
            let mut unknown = false;
            for block in &body.blocks {
                if block.kind == bt.name {
                    let what = format!("a {} block", bt.name);
                    let inner = BodyEval {
                        scope: self.scope,
                        dir: self.dir,
                        what: &what,
                    };
                    items.push(inner.eval(&block.body, &bt.schema, bound, diags));
                } else if block.kind == "dynamic"
                    && block.labels.first().map(String::as_str) == Some(bt.name)
                {
                    match self.dynamic(block, bt, bound, diags) {
                        Some(mut expanded) => items.append(&mut expanded),
                        None => unknown = true,
                    }
                }
            }
            if let Some(max) = bt.max_items {
                if items.len() > max {
                    let extra = body
                        .blocks
                        .iter()
                        .filter(|b| b.kind == bt.name)
                        .nth(max)
                        .map(|b| b.span)
                        .unwrap_or(body.span);
                    diags.push(
                        Diagnostic::error(format!("Too many \"{}\" blocks", bt.name))
                            .at(extra)
                            .detail(format!(
                                "no more than {max} \"{}\" block(s) are allowed",
                                bt.name
                            ))
                            .help("remove the extra blocks"),
                    );
                }
            }
            if items.len() < bt.min_items && !unknown {
                diags.push(
                    Diagnostic::error(format!("Missing required block \"{}\"", bt.name))
                        .at(body.span)
                        .help(format!(
                            "add at least {} \"{}\" block(s)",
                            bt.min_items, bt.name
                        )),
                );
            }
            // A `dynamic` block that makes no block writes nothing, as in Terraform.
            let written = !items.is_empty();
            let value = if unknown {
                Value::Unknown
            } else if bt.computed && !written {
                // Not written: left to what exists (`name = []` is how to ask for none).
                Value::Null
            } else {
                match bt.nesting {
                    Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
                    Nesting::List => Value::List(items),
                    Nesting::Set => super::expr::normalize_set(Value::List(items)),
                }
            };
            out.insert(bt.name.to_string(), value);
        }
        Value::Map(out)
    }

    /// Expands a `dynamic` block; `None` when its for_each is not known yet.
    fn dynamic(
        &self,
        block: &crate::config::Block,
        bt: &crate::schema::BlockType,
        bound: &[(&str, &Value)],
        diags: &mut Diagnostics,
    ) -> Option<Vec<Value>> {
        for attr in block.body.attrs.values() {
            if !matches!(attr.name.as_str(), "for_each" | "iterator" | "labels") {
                diags.push(
                    Diagnostic::error(format!(
                        "Unsupported argument \"{}\" in a dynamic block",
                        attr.name
                    ))
                    .at(attr.name_span)
                    .help("a dynamic block takes for_each, iterator and a content block"),
                );
            }
        }
        let Some(for_each) = block.body.attr("for_each") else {
            diags.push(
                Diagnostic::error("A dynamic block needs for_each")
                    .at(block.span)
                    .help("add for_each = COLLECTION"),
            );
            return Some(Vec::new());
        };
        let iterator = block
            .body
            .attr("iterator")
            .and_then(|a| crate::config::refs::static_path(&a.expr.expr))
            .unwrap_or_else(|| bt.name.to_string());
        let contents: Vec<_> = block.body.blocks_of("content").collect();
        let [content] = contents.as_slice() else {
            diags.push(
                Diagnostic::error("A dynamic block needs exactly one content block")
                    .at(block.span)
                    .help("add content { ... } with the nested block's arguments"),
            );
            return Some(Vec::new());
        };
        let collection = match eval_expr(self.scope, &for_each.expr, self.dir, bound) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                return Some(Vec::new());
            }
        };
        let (collection, marked) = collection.unmark();
        let pairs: Vec<(Value, Value)> = match collection {
            Value::Unknown => return None,
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Map(map) => map
                .into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect(),
            Value::Null => Vec::new(),
            other => {
                diags.push(
                    Diagnostic::error("Invalid dynamic for_each value")
                        .at(for_each.expr.span())
                        .detail(format!(
                            "a collection is required, got {}",
                            other.type_name()
                        ))
                        .help("use a list, set or map"),
                );
                return Some(Vec::new());
            }
        };
        let what = format!("a {} block", bt.name);
        let inner = BodyEval {
            scope: self.scope,
            dir: self.dir,
            what: &what,
        };
        let mut out = Vec::new();
        for (k, v) in pairs {
            let it = Value::Map(Map::from([
                ("key".to_string(), k.mark_if(marked)),
                ("value".to_string(), v.mark_if(marked)),
            ]));
            let mut b: Vec<(&str, &Value)> = bound.to_vec();
            b.push((iterator.as_str(), &it));
            out.push(inner.eval(&content.body, &bt.schema, &b, diags));
        }
        Some(out)
    }
}
