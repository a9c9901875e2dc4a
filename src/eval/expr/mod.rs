//! The expression evaluator over hcl-edit's tree.
//!
//! Written here rather than borrowed from hcl-rs because unknowns must propagate per value, not
//! per expression (`"${aws_db_instance.db.address}:3306"` is unknown, `length([sg.id])` is 1),
//! and the sensitive mark must ride along with every value.
//!
//! This file owns the evaluator, its scope and the expressions that need nothing else
//! (literals, collections, names, conditionals, unary operators); the rest each have a file.
#![allow(clippy::result_large_err)]

mod call;
mod equality;
mod for_expr;
mod operators;
mod template;
mod traversal;

pub use equality::{known_equal, values_equal};
pub use template::render_template_text;

use crate::diag::{did_you_mean, Diagnostic, FileId, Span};
use crate::value::sort_dedup;
use crate::value::{Map, Value};
use hcl_edit::expr::{Expression, ObjectKey, UnaryOperator};
use std::path::Path;

/// Where the evaluator finds the values that names refer to.
pub trait Scope {
    /// The value of a root name: `var`, `local`, `module`, `data`, `path`, `terraform`, `count`,
    /// `each`, `self`, or a resource type (an object of resource name → value).
    fn root(&self, name: &str) -> Option<&Value>;
}

/// A scope made of a plain map of roots.
impl Scope for Map {
    fn root(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// Most nested expressions a single evaluation may enter (guards the stack).
const MAX_DEPTH: usize = 256;

pub struct Evaluator<'a> {
    scope: &'a dyn Scope,
    file: FileId,
    base_dir: &'a Path,
    /// Names bound by for-expressions and template `for` directives, innermost last.
    bound: Vec<(String, Value)>,
    depth: usize,
}

type Result<T> = std::result::Result<T, Diagnostic>;

impl<'a> Evaluator<'a> {
    pub fn new(scope: &'a dyn Scope, file: FileId, base_dir: &'a Path) -> Evaluator<'a> {
        Evaluator {
            scope,
            file,
            base_dir,
            bound: Vec::new(),
            depth: 0,
        }
    }

    /// Binds extra names for this evaluator (a `dynamic` block's iterator).
    pub fn bind(&mut self, name: &str, value: Value) {
        self.bound.push((name.to_string(), value));
    }

    fn span(&self, expr: &impl hcl_edit::Span) -> Span {
        Span::from_opt(self.file, expr.span())
    }

    fn err(&self, at: &impl hcl_edit::Span, summary: impl Into<String>) -> Diagnostic {
        Diagnostic::error(summary).at(self.span(at))
    }

    pub fn eval(&mut self, expr: &Expression) -> Result<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(self
                .err(expr, "Expression nested too deeply")
                .help("simplify the expression"));
        }
        let result = self.eval_inner(expr);
        self.depth -= 1;
        result
    }

    fn eval_inner(&mut self, expr: &Expression) -> Result<Value> {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(Value::Number(n.value().as_f64().unwrap_or(0.0))),
            Expression::String(s) => Ok(Value::String(s.value().to_string())),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval(item)?);
                }
                Ok(Value::List(out))
            }
            Expression::Object(obj) => {
                let mut out = Map::new();
                let mut marked = false;
                for (key, value) in obj.iter() {
                    let key = match key {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
                        ObjectKey::Expression(e) => {
                            let (k, m) = self.eval(e)?.unmark();
                            marked |= m;
                            match k {
                                Value::Unknown => return Ok(Value::Unknown),
                                other => other.to_template_string().ok_or_else(|| {
                                    self.err(e, "Invalid object key")
                                        .detail(format!(
                                            "a key must be a string, got {}",
                                            other.type_name()
                                        ))
                                        .help("use a string, number or bool as the key")
                                })?,
                            }
                        }
                    };
                    let v = self.eval(value.expr())?;
                    out.insert(key, v);
                }
                Ok(Value::Map(out).mark_if(marked))
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => {
                let name = v.as_str();
                if let Some((_, value)) = self.bound.iter().rev().find(|(n, _)| n == name) {
                    return Ok(value.clone());
                }
                match name {
                    "var" | "local" | "module" | "data" | "path" | "terraform" => Err(self
                        .err(v, format!("Invalid reference \"{name}\""))
                        .detail(format!("\"{name}\" must be followed by an attribute"))
                        .help(format!("write {name}.NAME"))),
                    _ => match self.scope.root(name) {
                        Some(Value::Map(_)) if !matches!(name, "count" | "each" | "self") => {
                            Err(self
                                .err(v, format!("Invalid reference \"{name}\""))
                                .help(format!("a resource is referred to as {name}.NAME")))
                        }
                        Some(value) => Ok(value.clone()),
                        None => Err(self.unknown_name(v, name)),
                    },
                }
            }
            Expression::Conditional(c) => {
                let (cond, marked) = self.eval(&c.cond_expr)?.unmark();
                let cond = match cond {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Bool(b) => b,
                    Value::String(s) if s == "true" || s == "false" => s == "true",
                    other => {
                        return Err(self
                            .err(&c.cond_expr, "Condition is not a bool")
                            .detail(format!("the condition evaluated to {}", other.type_name()))
                            .help("use a comparison or a bool value as the condition"))
                    }
                };
                let v = if cond {
                    self.eval(&c.true_expr)?
                } else {
                    self.eval(&c.false_expr)?
                };
                Ok(v.mark_if(marked))
            }
            Expression::FuncCall(call) => self.func_call(call),
            Expression::Traversal(t) => self.traversal(t),
            Expression::UnaryOp(u) => {
                let (v, marked) = self.eval(&u.expr)?.unmark();
                let out = match (u.operator.value(), v) {
                    (_, Value::Unknown) => Value::Unknown,
                    (UnaryOperator::Neg, v) => Value::Number(-self.number(&u.expr, v)?),
                    (UnaryOperator::Not, v) => Value::Bool(!self.boolean(&u.expr, v)?),
                };
                Ok(out.mark_if(marked))
            }
            Expression::BinaryOp(b) => self.binary(b),
            Expression::ForExpr(f) => self.for_expr(f),
        }
    }

    fn unknown_name(&self, at: &impl hcl_edit::Span, name: &str) -> Diagnostic {
        let mut candidates: Vec<&str> =
            vec!["var", "local", "module", "data", "path", "count", "each"];
        candidates.extend(self.bound.iter().map(|(n, _)| n.as_str()));
        let d = self.err(at, format!("Reference to undeclared name \"{name}\""));
        match did_you_mean(name, candidates) {
            Some(s) => d.help(format!("did you mean \"{s}\"?")),
            None => d.help(format!(
                "\"{name}\" is not declared: refer to resources as TYPE.NAME, variables as var.NAME, locals as local.NAME"
            )),
        }
    }
}

/// Converts a set value for storage: sorted and de-duplicated.
pub fn normalize_set(v: Value) -> Value {
    match v {
        Value::List(mut items) => {
            sort_dedup(&mut items);
            Value::List(items)
        }
        other => other,
    }
}
