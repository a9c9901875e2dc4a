//! `variable`, `locals` and `output` blocks: the values a module takes, computes and gives back.

use super::ModuleBuilder;
use crate::config::{types, Body, Local, Output, Validation, Variable};
use crate::diag::{Diagnostic, Span};

impl ModuleBuilder<'_, '_> {
    pub(super) fn variable(&mut self, name: String, span: Span, body: Body) {
        self.unexpected(
            "a variable block",
            &body,
            &[
                "type",
                "default",
                "description",
                "sensitive",
                "nullable",
                "ephemeral",
            ],
            &["validation"],
        );
        if let Some(prev) = self.module.variables.get(&name) {
            let (what, first) = (format!("variable \"{name}\""), prev.span);
            let help = "variable names must be unique within a module";
            self.duplicate(what, span, first, help);
            return;
        }
        let type_ = body.attr("type").and_then(|attr| {
            match types::TypeConstraint::parse(&attr.expr.expr) {
                Ok(t) => Some(t),
                Err((msg, sub)) => {
                    let at = sub.map(|s| Span::new(attr.expr.file, s)).unwrap_or(attr.expr.span());
                    self.diags.push(
                        Diagnostic::error("Invalid type constraint")
                            .at(at)
                            .detail(msg)
                            .help("use string, number, bool, any, list(T), set(T), map(T), object({...}) or tuple([...])"),
                    );
                    None
                }
            }
        });
        let description = body
            .attr("description")
            .and_then(|a| self.constant_string(a));
        let sensitive = self.flag(&body, "sensitive", false);
        let ephemeral = self.flag(&body, "ephemeral", false);
        let nullable = self.flag(&body, "nullable", true);
        let mut validations = Vec::new();
        for block in body.blocks_of("validation") {
            self.unexpected(
                "a validation block",
                &block.body,
                &["condition", "error_message"],
                &[],
            );
            match (
                block.body.attr("condition"),
                block.body.attr("error_message"),
            ) {
                (Some(c), Some(m)) => validations.push(Validation {
                    condition: c.expr.clone(),
                    error_message: m.expr.clone(),
                }),
                _ => self.diags.push(
                    Diagnostic::error("A validation block needs `condition` and `error_message`")
                        .at(block.span)
                        .help("add both arguments"),
                ),
            }
        }
        self.module.variables.insert(
            name.clone(),
            Variable {
                name,
                span,
                type_,
                default: body.attr("default").map(|a| a.expr.clone()),
                description,
                sensitive,
                nullable,
                ephemeral,
                validations,
            },
        );
    }

    /// A literal `true`/`false` argument of a declaration (`sensitive`, `ephemeral`, ...).
    fn flag(&mut self, body: &Body, name: &str, default: bool) -> bool {
        body.attr(name)
            .and_then(|a| self.literal_bool(a))
            .unwrap_or(default)
    }

    pub(super) fn locals(&mut self, body: Body) {
        if let Some(block) = body.blocks.first() {
            self.diags.push(
                Diagnostic::error("Blocks are not allowed in `locals`")
                    .at(block.span)
                    .help("write local values as `name = expression`"),
            );
        }
        for (name, attr) in body.attrs {
            if let Some(prev) = self.module.locals.get(&name) {
                let prev_span = prev.span;
                self.diags.push(
                    Diagnostic::error(format!("Duplicate local value \"{name}\""))
                        .at(attr.name_span)
                        .label(prev_span, "first defined here")
                        .help("local names must be unique within a module, across all files"),
                );
                continue;
            }
            self.module.locals.insert(
                name.clone(),
                Local {
                    name,
                    span: attr.name_span,
                    expr: attr.expr,
                },
            );
        }
    }

    pub(super) fn output(&mut self, name: String, span: Span, body: Body) {
        self.unexpected(
            "an output block",
            &body,
            &[
                "value",
                "description",
                "sensitive",
                "depends_on",
                "ephemeral",
            ],
            &["precondition"],
        );
        if let Some(prev) = self.module.outputs.get(&name) {
            let (what, first) = (format!("output \"{name}\""), prev.span);
            let help = "output names must be unique within a module";
            self.duplicate(what, span, first, help);
            return;
        }
        let Some(value) = body.attr("value") else {
            self.diags.push(
                Diagnostic::error(format!("Output \"{name}\" has no value"))
                    .at(span)
                    .help("add `value = expression`"),
            );
            return;
        };
        let value = value.expr.clone();
        let description = body
            .attr("description")
            .and_then(|a| self.constant_string(a));
        let sensitive = self.flag(&body, "sensitive", false);
        let ephemeral = self.flag(&body, "ephemeral", false);
        let depends_on = match body.attr("depends_on") {
            Some(a) => self.references_list(a),
            None => Vec::new(),
        };
        self.module.outputs.insert(
            name.clone(),
            Output {
                name,
                span,
                value,
                description,
                sensitive,
                ephemeral,
                depends_on,
            },
        );
    }
}
