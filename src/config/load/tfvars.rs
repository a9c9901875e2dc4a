//! Variables files: `.tfvars` (attributes only) and `.tfvars.json`.

use super::parse::parse_file;
use crate::config::{Attr, Expr};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use hcl_edit::structure::Structure;
use hcl_edit::Span as _;
use std::path::Path;

/// A `.tfvars` file: attributes only.
pub fn load_tfvars_file(
    path: &Path,
    display: String,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Vec<Attr> {
    if path.extension().is_some_and(|e| e == "json") {
        return load_tfvars_json(path, display, sources, diags);
    }
    let Some((file, body)) = parse_file(path, display, sources, diags) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => out.push(Attr {
                name: attr.key.as_str().to_string(),
                name_span: Span::from_opt(file, attr.key.span()),
                expr: Expr {
                    file,
                    expr: attr.value.clone(),
                },
            }),
            Structure::Block(block) => diags.push(
                Diagnostic::error("Blocks are not allowed in a variables file")
                    .at(Span::from_opt(file, block.ident.span()))
                    .help("write variable values as `name = value`"),
            ),
        }
    }
    out
}

fn load_tfvars_json(
    path: &Path,
    display: String,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Vec<Attr> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("Cannot read {display}: {e}")).help("check the file"),
            );
            return Vec::new();
        }
    };
    let file = sources.add(path, display.clone(), text.clone());
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(j) => j,
        Err(e) => {
            let f = sources.get(file);
            let offset = f.map(|f| f.offset_of(e.line(), e.column())).unwrap_or(0);
            diags.push(
                Diagnostic::error("Invalid JSON in variables file")
                    .at(Span::new(file, offset..offset + 1))
                    .detail(e.to_string())
                    .help("fix the JSON syntax"),
            );
            return Vec::new();
        }
    };
    let Some(obj) = json.as_object() else {
        diags.push(
            Diagnostic::error("A JSON variables file must hold one object")
                .at(Span::new(file, 0..1))
                .help("write {\"name\": value, ...}"),
        );
        return Vec::new();
    };
    obj.iter()
        .filter_map(|(k, v)| {
            // JSON is a subset of HCL expression syntax for these values.
            let expr = hcl_edit::parser::parse_expr(&v.to_string()).ok()?;
            Some(Attr {
                name: k.clone(),
                name_span: Span::new(file, 0..0),
                expr: Expr { file, expr },
            })
        })
        .collect()
}
