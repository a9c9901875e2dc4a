//! Decoding the arguments of declaration blocks: unexpected names, the literal strings, bools
//! and reference lists that must be known without evaluation, and `provider = aws.ALIAS`.

use super::ModuleBuilder;
use crate::config::{types, Attr, Body, Expr, ProviderRef};
use crate::diag::{did_you_mean, Diagnostic};
use hcl_edit::expr::{Expression, TraversalOperator};

impl ModuleBuilder<'_, '_> {
    pub(super) fn unexpected(
        &mut self,
        what: &str,
        body: &Body,
        allowed_attrs: &[&str],
        allowed_blocks: &[&str],
    ) {
        for attr in body.attrs.values() {
            if !allowed_attrs.contains(&attr.name.as_str()) {
                let mut d = Diagnostic::error(format!("Unsupported argument \"{}\"", attr.name))
                    .at(attr.name_span)
                    .detail(format!(
                        "an argument named \"{}\" is not expected in {what}",
                        attr.name
                    ));
                if let Some(s) = did_you_mean(&attr.name, allowed_attrs.iter().copied()) {
                    d = d.help(format!("did you mean \"{s}\"?"));
                } else {
                    d = d.help(format!("expected one of: {}", allowed_attrs.join(", ")));
                }
                self.diags.push(d);
            }
        }
        for block in &body.blocks {
            if !allowed_blocks.contains(&block.kind.as_str()) {
                let mut d = Diagnostic::error(format!("Unsupported block type \"{}\"", block.kind))
                    .at(block.span)
                    .detail(format!(
                        "blocks of type \"{}\" are not expected in {what}",
                        block.kind
                    ));
                if let Some(s) = did_you_mean(&block.kind, allowed_blocks.iter().copied()) {
                    d = d.help(format!("did you mean \"{s}\"?"));
                } else if allowed_blocks.is_empty() {
                    d = d.help("no nested blocks are allowed here");
                } else {
                    d = d.help(format!("expected one of: {}", allowed_blocks.join(", ")));
                }
                self.diags.push(d);
            }
        }
    }

    pub(super) fn literal_string(&mut self, attr: &Attr) -> Option<String> {
        match &attr.expr.expr {
            Expression::String(s) => Some(s.value().to_string()),
            _ => {
                self.diags.push(
                    Diagnostic::error(format!("\"{}\" must be a literal string", attr.name))
                        .at(attr.expr.span())
                        .help("write a quoted string; expressions are not allowed here"),
                );
                None
            }
        }
    }

    /// A string that needs no evaluation: a quoted string, a heredoc or a template without
    /// interpolations, as Terraform decodes `description` without an evaluation context.
    pub(super) fn constant_string(&mut self, attr: &Attr) -> Option<String> {
        match types::constant_string(&attr.expr.expr) {
            Some(s) => Some(s),
            None => {
                self.diags.push(
                    Diagnostic::error(format!("\"{}\" must be a constant string", attr.name))
                        .at(attr.expr.span())
                        .help("write a quoted string or a heredoc; references and function calls are not allowed here"),
                );
                None
            }
        }
    }

    pub(super) fn literal_bool(&mut self, attr: &Attr) -> Option<bool> {
        match &attr.expr.expr {
            Expression::Bool(b) => Some(*b.value()),
            _ => {
                self.diags.push(
                    Diagnostic::error(format!("\"{}\" must be true or false", attr.name))
                        .at(attr.expr.span())
                        .help("write a literal true or false; expressions are not allowed here"),
                );
                None
            }
        }
    }

    pub(super) fn references_list(&mut self, attr: &Attr) -> Vec<Expr> {
        match &attr.expr.expr {
            Expression::Array(items) => items
                .iter()
                .map(|e| Expr {
                    file: attr.expr.file,
                    expr: e.clone(),
                })
                .collect(),
            _ => {
                self.diags.push(
                    Diagnostic::error(format!("\"{}\" must be a list of references", attr.name))
                        .at(attr.expr.span())
                        .help("write a list like [aws_security_group.web]"),
                );
                Vec::new()
            }
        }
    }

    pub(super) fn provider_ref(&mut self, attr: &Attr) -> Option<ProviderRef> {
        let span = attr.expr.span();
        let bad = |this: &mut Self| {
            this.diags.push(
                Diagnostic::error("Invalid provider reference")
                    .at(span)
                    .help("write provider = aws or provider = aws.ALIAS (no quotes)"),
            );
            None
        };
        match &attr.expr.expr {
            Expression::Variable(v) => Some(ProviderRef {
                name: v.as_str().to_string(),
                alias: None,
                span,
            }),
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    return bad(self);
                };
                match t.operators.as_slice() {
                    [op] => match op.value() {
                        TraversalOperator::GetAttr(alias) => Some(ProviderRef {
                            name: root.as_str().to_string(),
                            alias: Some(alias.as_str().to_string()),
                            span,
                        }),
                        _ => bad(self),
                    },
                    _ => bad(self),
                }
            }
            _ => bad(self),
        }
    }
}
