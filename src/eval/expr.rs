//! The expression evaluator over hcl-edit's tree.
//!
//! Written here rather than borrowed from hcl-rs because unknowns must propagate per value, not
//! per expression (`"${aws_db_instance.db.address}:3306"` is unknown, `length([sg.id])` is 1),
//! and the sensitive mark must ride along with every value.
#![allow(clippy::result_large_err)]

use super::functions::{self, FuncContext, FuncError};
use crate::diag::{did_you_mean, Diagnostic, FileId, Span};
use crate::value::sort_dedup;
use crate::value::{Map, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use std::borrow::Cow;
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

    fn number(&self, at: &Expression, v: Value) -> Result<f64> {
        match v {
            Value::Number(n) => Ok(n),
            Value::String(s) => s.trim().parse::<f64>().map_err(|_| {
                self.err(at, "Invalid operand")
                    .detail(format!("cannot use the string \"{s}\" as a number"))
                    .help("a number is required here")
            }),
            other => Err(self
                .err(at, "Invalid operand")
                .detail(format!("a number is required, got {}", other.type_name()))
                .help("a number is required here")),
        }
    }

    fn boolean(&self, at: &Expression, v: Value) -> Result<bool> {
        match v {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
            other => Err(self
                .err(at, "Invalid operand")
                .detail(format!("a bool is required, got {}", other.type_name()))
                .help("a bool is required here")),
        }
    }

    fn binary(&mut self, b: &hcl_edit::expr::BinaryOp) -> Result<Value> {
        let op = *b.operator.value();
        let (lhs, lm) = self.eval(&b.lhs_expr)?.unmark();
        // && and || short-circuit like HCL ≥ 2.22, so `false && unknown` is known.
        match (op, &lhs) {
            (BinaryOperator::And, Value::Bool(false)) => return Ok(Value::Bool(false).mark_if(lm)),
            (BinaryOperator::Or, Value::Bool(true)) => return Ok(Value::Bool(true).mark_if(lm)),
            _ => {}
        }
        let (rhs, rm) = self.eval(&b.rhs_expr)?.unmark();
        let marked = lm || rm;
        let out = match op {
            BinaryOperator::Eq | BinaryOperator::NotEq => match known_equal(&lhs, &rhs) {
                Some(eq) => Value::Bool(if op == BinaryOperator::Eq { eq } else { !eq }),
                None => Value::Unknown,
            },
            _ if matches!(lhs, Value::Unknown) || matches!(rhs, Value::Unknown) => {
                // Still check the known side's type so errors are not hidden by unknowns.
                Value::Unknown
            }
            BinaryOperator::And | BinaryOperator::Or => {
                let l = self.boolean(&b.lhs_expr, lhs)?;
                let r = self.boolean(&b.rhs_expr, rhs)?;
                Value::Bool(if op == BinaryOperator::And {
                    l && r
                } else {
                    l || r
                })
            }
            _ => {
                let l = self.number(&b.lhs_expr, lhs)?;
                let r = self.number(&b.rhs_expr, rhs)?;
                match op {
                    BinaryOperator::Plus => Value::Number(l + r),
                    BinaryOperator::Minus => Value::Number(l - r),
                    BinaryOperator::Mul => Value::Number(l * r),
                    BinaryOperator::Div | BinaryOperator::Mod if r == 0.0 => {
                        return Err(self
                            .err(&b.rhs_expr, "Division by zero")
                            .help("make sure the divisor cannot be zero"))
                    }
                    BinaryOperator::Div => Value::Number(l / r),
                    BinaryOperator::Mod => Value::Number(l % r),
                    BinaryOperator::Less => Value::Bool(l < r),
                    BinaryOperator::LessEq => Value::Bool(l <= r),
                    BinaryOperator::Greater => Value::Bool(l > r),
                    BinaryOperator::GreaterEq => Value::Bool(l >= r),
                    _ => unreachable!("logical and equality operators are handled above"),
                }
            }
        };
        Ok(out.mark_if(marked))
    }

    fn template(&mut self, t: &Template) -> Result<Value> {
        let mut out = String::new();
        let mut marked = false;
        let mut unknown = false;
        self.template_into(t, &mut out, &mut marked, &mut unknown)?;
        if unknown {
            return Ok(Value::Unknown.mark_if(marked));
        }
        Ok(Value::String(out).mark_if(marked))
    }

    fn template_into(
        &mut self,
        t: &Template,
        out: &mut String,
        marked: &mut bool,
        unknown: &mut bool,
    ) -> Result<()> {
        let mut strip_next = false;
        for element in t.iter() {
            match element {
                Element::Literal(lit) => {
                    let s = lit.value();
                    if strip_next {
                        out.push_str(s.trim_start());
                    } else {
                        out.push_str(s);
                    }
                    strip_next = false;
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_end_in_place(out);
                    }
                    let (v, m) = self.eval(&i.expr)?.unmark();
                    *marked |= m;
                    match v {
                        Value::Unknown => *unknown = true,
                        Value::Null => {
                            return Err(self
                                .err(&i.expr, "Invalid template interpolation value")
                                .detail("the expression result is null")
                                .help("interpolate a string, number or bool; use coalesce() to supply a default"))
                        }
                        v => match v.to_template_string() {
                            Some(s) => out.push_str(&s),
                            None => {
                                if v.is_wholly_known() {
                                    return Err(self
                                        .err(&i.expr, "Invalid template interpolation value")
                                        .detail(format!("cannot include {} in a string", v.type_name()))
                                        .help("interpolate a string, number or bool; use join() or jsonencode() for collections"));
                                }
                                *unknown = true;
                            }
                        },
                    }
                    strip_next = i.strip.strip_end();
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(dir) => {
                        if dir.if_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let (c, m) = self.eval(&dir.if_expr.cond_expr)?.unmark();
                        *marked |= m;
                        match c {
                            Value::Unknown => *unknown = true,
                            c => {
                                let c = self.boolean(&dir.if_expr.cond_expr, c)?;
                                if c {
                                    self.template_into(
                                        &dir.if_expr.template,
                                        out,
                                        marked,
                                        unknown,
                                    )?;
                                } else if let Some(e) = &dir.else_expr {
                                    self.template_into(&e.template, out, marked, unknown)?;
                                }
                            }
                        }
                        strip_next = dir.endif_expr.strip.strip_end();
                    }
                    Directive::For(dir) => {
                        let f = &dir.for_expr;
                        if f.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let (coll, m) = self.eval(&f.collection_expr)?.unmark();
                        *marked |= m;
                        if matches!(coll, Value::Unknown) {
                            *unknown = true;
                        } else {
                            let pairs = self.iteration_pairs(&f.collection_expr, coll)?;
                            for (k, v) in pairs {
                                let before = self.bound.len();
                                if let Some(kv) = &f.key_var {
                                    self.bound.push((kv.as_str().to_string(), k));
                                }
                                self.bound.push((f.value_var.as_str().to_string(), v));
                                let r = self.template_into(&f.template, out, marked, unknown);
                                self.bound.truncate(before);
                                r?;
                            }
                        }
                        strip_next = dir.endfor_expr.strip.strip_end();
                    }
                },
            }
        }
        Ok(())
    }

    fn iteration_pairs(&self, at: &Expression, coll: Value) -> Result<Vec<(Value, Value)>> {
        match coll {
            Value::List(items) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect()),
            Value::Map(map) => Ok(map
                .into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect()),
            other => Err(self
                .err(at, "Cannot iterate over this value")
                .detail(format!(
                    "a for expression needs a list, set, map or object, got {}",
                    other.type_name()
                ))
                .help("iterate over a collection")),
        }
    }

    fn for_expr(&mut self, f: &hcl_edit::expr::ForExpr) -> Result<Value> {
        let (coll, mut marked) = self.eval(&f.intro.collection_expr)?.unmark();
        if matches!(coll, Value::Unknown) {
            return Ok(Value::Unknown);
        }
        let pairs = self.iteration_pairs(&f.intro.collection_expr, coll)?;
        let mut list = Vec::new();
        let mut map: Map = Map::new();
        let mut groups: indexmap::IndexMap<String, Vec<Value>> = indexmap::IndexMap::new();
        let mut unknown = false;
        for (k, v) in pairs {
            let before = self.bound.len();
            if let Some(kv) = &f.intro.key_var {
                self.bound.push((kv.as_str().to_string(), k));
            }
            self.bound.push((f.intro.value_var.as_str().to_string(), v));
            let r = (|| -> Result<()> {
                if let Some(cond) = &f.cond {
                    let (c, m) = self.eval(&cond.expr)?.unmark();
                    marked |= m;
                    match c {
                        Value::Unknown => {
                            unknown = true;
                            return Ok(());
                        }
                        c => {
                            if !self.boolean(&cond.expr, c)? {
                                return Ok(());
                            }
                        }
                    }
                }
                let value = self.eval(&f.value_expr)?;
                match &f.key_expr {
                    None => list.push(value),
                    Some(key_expr) => {
                        let (key, m) = self.eval(key_expr)?.unmark();
                        marked |= m;
                        let key = match key {
                            Value::Unknown => {
                                unknown = true;
                                return Ok(());
                            }
                            key => key.to_template_string().ok_or_else(|| {
                                self.err(key_expr, "Invalid object key")
                                    .detail(format!(
                                        "the key must be a string, got {}",
                                        key.type_name()
                                    ))
                                    .help("produce a string key")
                            })?,
                        };
                        if f.grouping {
                            groups.entry(key).or_default().push(value);
                        } else {
                            match map.entry(key) {
                                std::collections::btree_map::Entry::Occupied(e) => {
                                    return Err(self
                                        .err(key_expr, "Duplicate object key")
                                        .detail(format!(
                                            "two elements produce the key \"{}\"",
                                            e.key()
                                        ))
                                        .help(
                                            "add `...` after the value expression to group values by key",
                                        ));
                                }
                                std::collections::btree_map::Entry::Vacant(e) => {
                                    e.insert(value);
                                }
                            }
                        }
                    }
                }
                Ok(())
            })();
            self.bound.truncate(before);
            r?;
        }
        if unknown {
            return Ok(Value::Unknown.mark_if(marked));
        }
        let out = match &f.key_expr {
            None => Value::List(list),
            Some(_) if f.grouping => Value::Map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(v)))
                    .collect(),
            ),
            Some(_) => Value::Map(map),
        };
        Ok(out.mark_if(marked))
    }

    fn func_call(&mut self, call: &hcl_edit::expr::FuncCall) -> Result<Value> {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            let ns: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
            return Err(self
                .err(
                    call,
                    format!("Unsupported function \"{}::{name}\"", ns.join("::")),
                )
                .help("provider-defined functions are not supported; use a built-in function"));
        }
        match name {
            "try" => return self.try_call(call),
            "can" => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let [arg] = args.as_slice() else {
                    return Err(self
                        .err(call, "can() takes exactly one argument")
                        .help("write can(EXPRESSION)"));
                };
                return Ok(match self.eval(arg) {
                    Ok(v) if !v.is_wholly_known() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            _ => {}
        }
        let mut args = Vec::with_capacity(call.args.len());
        let count = call.args.len();
        for (i, arg) in call.args.iter().enumerate() {
            let v = self.eval(arg)?;
            if i + 1 == count && call.args.expand_final() {
                let (v, m) = v.unmark();
                match v {
                    Value::List(items) => args.extend(items.into_iter().map(|x| x.mark_if(m))),
                    Value::Unknown => return Ok(Value::Unknown),
                    other => {
                        return Err(self
                            .err(arg, "Invalid expanding argument")
                            .detail(format!("`...` needs a list, got {}", other.type_name()))
                            .help("only a list can be expanded into arguments"))
                    }
                }
            } else {
                args.push(v);
            }
        }
        let base_dir = self.base_dir;
        let render = |text: &str, vars: &Map| -> std::result::Result<Value, String> {
            render_template_text(text, vars, base_dir)
        };
        let ctx = FuncContext {
            base_dir,
            render_template: &render,
        };
        functions::call(name, args, &ctx).map_err(|e| {
            let at = match &e {
                FuncError::Argument { index, .. } => call
                    .args
                    .get(*index)
                    .map(|a| self.span(a))
                    .unwrap_or(self.span(call)),
                _ => self.span(call),
            };
            let (summary, help) = match &e {
                FuncError::UnknownFunction { suggestion, .. } => (
                    format!("Call to unknown function \"{name}\""),
                    match suggestion {
                        Some(s) => format!("did you mean \"{s}\"?"),
                        None => {
                            "see `strata validate --help` for the list of built-in functions".into()
                        }
                    },
                ),
                FuncError::Arity { .. } => (
                    format!("Wrong number of arguments to {name}()"),
                    "check the function's signature in Terraform's documentation".into(),
                ),
                FuncError::Argument { .. } => (
                    format!("Invalid argument to {name}()"),
                    "fix the argument".into(),
                ),
                FuncError::Call(_) => (format!("Error in {name}()"), "fix the arguments".into()),
            };
            Diagnostic::error(summary)
                .at(at)
                .detail(e.to_string())
                .help(help)
        })
    }

    fn try_call(&mut self, call: &hcl_edit::expr::FuncCall) -> Result<Value> {
        let mut last = None;
        for arg in call.args.iter() {
            match self.eval(arg) {
                Ok(v) if !v.is_wholly_known() => return Ok(Value::Unknown),
                Ok(v) => return Ok(v),
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) => Diagnostic::error("No expression in try() succeeded")
                .at(self.span(call))
                .detail(format!("the last error was: {}", e.summary))
                .help("add a fallback value as the last argument"),
            None => self
                .err(call, "try() needs at least one argument")
                .help("write try(EXPR, FALLBACK)"),
        })
    }

    fn traversal(&mut self, t: &hcl_edit::expr::Traversal) -> Result<Value> {
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

fn trim_end_in_place(s: &mut String) {
    let trimmed = s.trim_end().len();
    s.truncate(trimmed);
}

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

/// Renders a template file's text (for `templatefile`) with only the given variables in scope.
pub fn render_template_text(
    text: &str,
    vars: &Map,
    base_dir: &Path,
) -> std::result::Result<Value, String> {
    let template = hcl_edit::parser::parse_template(text).map_err(|e| e.to_string())?;
    let scope = Map::new();
    let mut ev = Evaluator::new(&scope, FileId(u32::MAX), base_dir);
    for (k, v) in vars {
        ev.bind(k, v.clone());
    }
    ev.template(&template).map_err(|d| {
        let mut s = d.summary.clone();
        if let Some(detail) = &d.detail {
            s.push_str(": ");
            s.push_str(detail);
        }
        s
    })
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
