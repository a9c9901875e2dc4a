//! `resource` and `data` blocks: the meta-arguments (count, for_each, depends_on, provider,
//! lifecycle, strata's check_ignore) taken out, the resource's own body left as written.

use super::ModuleBuilder;
use crate::config::{refs, Block, Body, IgnoreChanges, Lifecycle, Mode, Resource};
use crate::diag::{Diagnostic, FileId, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure;
use hcl_edit::Span as _;

impl ModuleBuilder<'_, '_> {
    fn lifecycle(&mut self, block: &Block) -> Lifecycle {
        self.unexpected(
            "a lifecycle block",
            &block.body,
            &[
                "prevent_destroy",
                "create_before_destroy",
                "ignore_changes",
                "replace_triggered_by",
            ],
            &["precondition", "postcondition"],
        );
        let mut lc = Lifecycle::default();
        if let Some(a) = block.body.attr("prevent_destroy") {
            lc.prevent_destroy = self.literal_bool(a).unwrap_or(false);
        }
        if let Some(a) = block.body.attr("create_before_destroy") {
            lc.create_before_destroy = self.literal_bool(a).unwrap_or(false);
        }
        if let Some(a) = block.body.attr("ignore_changes") {
            lc.ignore_changes = match &a.expr.expr {
                Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
                Expression::String(s) if s.value() == "all" => IgnoreChanges::All,
                Expression::Array(items) => {
                    let mut paths = Vec::new();
                    for item in items.iter() {
                        let span = a.expr.sub(item);
                        match refs::static_path(item) {
                            Some(path) => paths.push((path, span)),
                            None => self.diags.push(
                                Diagnostic::error("Invalid ignore_changes entry")
                                    .at(span)
                                    .help("list attribute names, like [tags, engine_version]"),
                            ),
                        }
                    }
                    IgnoreChanges::Paths(paths)
                }
                _ => {
                    self.diags.push(
                        Diagnostic::error("ignore_changes must be a list of attributes or `all`")
                            .at(a.expr.span())
                            .help("write ignore_changes = [tags] or ignore_changes = all"),
                    );
                    IgnoreChanges::None
                }
            };
        }
        if let Some(a) = block.body.attr("replace_triggered_by") {
            lc.replace_triggered_by = self.references_list(a);
        }
        lc
    }

    pub(super) fn resource(
        &mut self,
        mode: Mode,
        labels: &[String],
        span: Span,
        block: &structure::Block,
        file: FileId,
        mut body: Body,
    ) {
        let type_span = block
            .labels
            .first()
            .and_then(|l| l.span())
            .map(|r| Span::new(file, r))
            .unwrap_or(span);
        let count = body.attrs.shift_remove("count").map(|a| a.expr);
        let for_each = body.attrs.shift_remove("for_each").map(|a| a.expr);
        if let (Some(c), Some(_)) = (&count, &for_each) {
            self.diags.push(
                Diagnostic::error("`count` and `for_each` cannot both be set")
                    .at(c.span())
                    .help(
                        "use one of them: count for N identical instances, for_each for keyed ones",
                    ),
            );
        }
        let depends_on = match body.attrs.shift_remove("depends_on") {
            Some(a) => self.references_list(&a),
            None => Vec::new(),
        };
        let provider = match body.attrs.shift_remove("provider") {
            Some(a) => self.provider_ref(&a),
            None => None,
        };
        let mut lifecycle = Lifecycle::default();
        let mut rest = Vec::new();
        for b in std::mem::take(&mut body.blocks) {
            if b.kind == "lifecycle" && mode == Mode::Managed {
                lifecycle = self.lifecycle(&b);
            } else {
                rest.push(b);
            }
        }
        body.blocks = rest;
        if let Some(a) = body.attrs.shift_remove("check_ignore") {
            match &a.expr.expr {
                Expression::Array(items) => {
                    for item in items.iter() {
                        match item {
                            Expression::String(s) => lifecycle
                                .check_ignore
                                .push((s.value().to_string(), a.expr.sub(item))),
                            _ => self.diags.push(
                                Diagnostic::error("check_ignore entries must be rule ids")
                                    .at(a.expr.sub(item))
                                    .help("write check_ignore = [\"SG_DB_PORT_OPEN\"]"),
                            ),
                        }
                    }
                }
                _ => self.diags.push(
                    Diagnostic::error("check_ignore must be a list of rule ids")
                        .at(a.expr.span())
                        .help("write check_ignore = [\"SG_DB_PORT_OPEN\"]"),
                ),
            }
        }
        let resource = Resource {
            mode,
            type_: labels[0].clone(),
            name: labels[1].clone(),
            span,
            type_span,
            count,
            for_each,
            depends_on,
            provider,
            lifecycle,
            body,
        };
        let key = resource.key();
        if let Some(prev) = self.module.resources.get(&key) {
            let (what, first) = (format!("resource \"{key}\""), prev.span);
            let help = "each resource needs a name unique for its type within the module";
            self.duplicate(what, span, first, help);
            return;
        }
        self.module.resources.insert(key, resource);
    }
}
