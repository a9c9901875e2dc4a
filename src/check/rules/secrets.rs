//! LITERAL_SECRET: a password or auth token written as a literal string in the configuration,
//! directly or passed into a module that uses it.

use super::LITERAL_SECRET;
use crate::check::{Finding, Instance};
use crate::config::refs::references;
use crate::config::{Expr, Module};
use hcl_edit::expr::{Expression, TraversalOperator};
use std::sync::Arc;

const SECRET_ARGS: &[&str] = &[
    "password",
    "password_wo",
    "master_password",
    "master_password_wo",
    "auth_token",
];

pub(super) fn literal_secrets(inst: &Instance, out: &mut Vec<Finding>) {
    if inst.get("manage_master_user_password").as_bool() == Some(true) {
        return;
    }
    for name in SECRET_ARGS {
        let Some(attr) = inst.resource.body.attr(name) else {
            continue;
        };
        match literal_origin(inst, &attr.expr, inst.modules.len(), 0) {
            Some((span, via)) => out.push(Finding::new(
                LITERAL_SECRET,
                inst.address(),
                Some(span),
                format!(
                    "{name} is a literal string{via}: it is in version control and in every copy of the code"
                ),
            )),
            None => continue,
        }
    }
}

/// Where a literal string behind an expression is written: the expression itself, or (for
/// `var.x` in a module) the module call's argument, followed up the module tree.
fn literal_origin(
    inst: &Instance,
    expr: &Expr,
    depth: usize,
    hops: usize,
) -> Option<(crate::diag::Span, String)> {
    if is_literal_string(expr) {
        let via = if hops == 0 {
            String::new()
        } else {
            " passed into the module".to_string()
        };
        return Some((expr.span(), via));
    }
    // `var.x` inside a module: look at what the caller passes.
    let var = var_name(&expr.expr)?;
    if depth < 2 {
        return None;
    }
    let parent: &Arc<Module> = inst.modules.get(depth - 2)?;
    let (call_name, _) = inst.addr.module.0.get(depth - 2)?;
    let input = parent.module_calls.get(call_name)?.inputs.get(&var)?;
    literal_origin(inst, &input.expr, depth - 1, hops + 1)
}

fn var_name(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Parenthesis(p) => var_name(p.inner()),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            if root.as_str() != "var" || t.operators.len() != 1 {
                return None;
            }
            match t.operators[0].value() {
                TraversalOperator::GetAttr(name) => Some(name.as_str().to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A string literal, or a template that refers to nothing (`"abc"`, `"a${"b"}"`, a heredoc).
pub fn is_literal_string(expr: &Expr) -> bool {
    fn inner(e: &Expression) -> bool {
        match e {
            Expression::String(s) => !s.value().is_empty(),
            Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => true,
            Expression::Parenthesis(p) => inner(p.inner()),
            _ => false,
        }
    }
    inner(&expr.expr) && references(expr, &[]).is_empty()
}
