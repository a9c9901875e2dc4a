//! `moved` and `import` blocks: statements about objects that already exist (a new address for
//! one, or taking one under management).

use super::ModuleBuilder;
use crate::config::{Body, Import, Moved};
use crate::diag::{Diagnostic, Span};

impl ModuleBuilder<'_, '_> {
    pub(super) fn moved(&mut self, span: Span, body: Body) {
        self.unexpected("a moved block", &body, &["from", "to"], &[]);
        match (body.attr("from"), body.attr("to")) {
            (Some(from), Some(to)) => self.module.moved.push(Moved {
                from: from.expr.clone(),
                to: to.expr.clone(),
                span,
            }),
            _ => self.diags.push(
                Diagnostic::error("A moved block needs `from` and `to`")
                    .at(span)
                    .help("write moved { from = aws_db_instance.old  to = aws_db_instance.new }"),
            ),
        }
    }

    pub(super) fn import(&mut self, span: Span, body: Body) {
        self.unexpected(
            "an import block",
            &body,
            &["to", "id", "for_each", "provider", "identity"],
            &[],
        );
        let provider = body.attr("provider").and_then(|a| self.provider_ref(a));
        match (body.attr("to"), body.attr("id")) {
            (Some(to), Some(id)) => self.module.imports.push(Import {
                to: to.expr.clone(),
                id: id.expr.clone(),
                for_each: body.attr("for_each").map(|a| a.expr.clone()),
                provider,
                span,
            }),
            _ => self.diags.push(
                Diagnostic::error("An import block needs `to` and `id`")
                    .at(span)
                    .help("write import { to = aws_db_instance.main  id = \"my-db\" }"),
            ),
        }
    }
}
