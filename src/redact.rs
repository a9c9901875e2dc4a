//! Which source text holds a secret, so that no diagnostic's excerpt reprints it (into a CI
//! log). Found from the loaded configuration and registered with its `SourceMap`, which
//! hides them when rendering (`diag`):
//!
//! - literals in a sensitive argument of a resource or data source (the schemas say which:
//!   `password`, `master_password`, `auth_token`, …, nested blocks included), in the
//!   provider's and the backend's credentials, in the state encryption passphrase;
//! - the default of a `sensitive` variable and the value of a `sensitive` output;
//! - what flows into those: locals they read, and in a module, what the caller passes for a
//!   variable that is sensitive or is read by a sensitive argument (followed up the module
//!   tree); values of such root variables in `.tfvars` files (`cli::vars`).
//!
//! Besides, the names of sensitive arguments are registered before anything is parsed, so a
//! file that does not even parse never shows `password = "..."` either.

use crate::config::refs::{references, Subject};
use crate::config::{Body, Config, Expr, Module};
use crate::diag::{SourceMap, Span};
use crate::provider::Schema;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Credentials of the provider block and the S3 backend, and the state passphrase.
const CREDENTIALS: &[&str] = &[
    "access_key",
    "secret_key",
    "token",
    "sse_customer_key",
    "passphrase",
];

/// Registers the names of every argument that holds a secret wherever it is written (the
/// schemas' sensitive arguments, credentials), for files that cannot be parsed.
pub fn register_names(sources: &SourceMap) {
    let mut names: BTreeSet<String> = CREDENTIALS.iter().map(|s| s.to_string()).collect();
    let schemas = crate::provider::resource_types()
        .iter()
        .map(|t| t.schema())
        .chain(
            crate::provider::data_source_types()
                .iter()
                .map(|t| t.schema()),
        );
    for schema in schemas {
        sensitive_names(schema, &mut names);
    }
    sources.redact_arguments(names);
}

fn sensitive_names(schema: &Schema, out: &mut BTreeSet<String>) {
    for a in schema.attributes.iter().filter(|a| a.sensitive) {
        out.insert(a.name.to_string());
    }
    for b in &schema.blocks {
        sensitive_names(&b.schema, out);
    }
}

/// Registers every sensitive literal of the configuration with its `SourceMap`.
pub fn register(config: &Config) {
    let mut done = BTreeMap::new();
    analyze(&config.root, &config.sources, &mut done);
}

/// The root module's variables whose values are secret: declared `sensitive` or `ephemeral`, or read by a
/// sensitive argument (their `.tfvars` values are hidden too).
pub fn sensitive_root_variables(config: &Config) -> BTreeSet<String> {
    let mut done = BTreeMap::new();
    analyze(&config.root, &config.sources, &mut done)
}

/// Hides the string literals of an expression.
pub fn redact_expr(sources: &SourceMap, expr: &Expr) {
    let span = expr.span();
    let Some(file) = sources.get(span.file) else {
        return;
    };
    let Some(text) = file.text.get(span.start..span.end) else {
        return;
    };
    for r in crate::diag::string_literals(text) {
        sources.redact(Span::new(
            span.file,
            span.start + r.start..span.start + r.end,
        ));
    }
}

/// Registers the module's sensitive literals; returns its variables that are secret. Each
/// module directory is analysed once (`done`).
fn analyze(
    module: &Module,
    sources: &SourceMap,
    done: &mut BTreeMap<PathBuf, BTreeSet<String>>,
) -> BTreeSet<String> {
    if let Some(vars) = done.get(&module.dir) {
        return vars.clone();
    }
    let mut exprs: Vec<&Expr> = Vec::new();
    for r in module.resources.values() {
        let schema = match r.mode {
            crate::config::Mode::Managed => {
                crate::provider::resource_type(&r.type_).map(|t| t.schema())
            }
            crate::config::Mode::Data => {
                crate::provider::data_source_type(&r.type_).map(|t| t.schema())
            }
        };
        if let Some(schema) = schema {
            sensitive_exprs(&r.body, schema, &mut exprs);
        }
    }
    for p in &module.providers {
        credential_exprs(&p.body, &mut exprs);
    }
    if let Some(b) = &module.terraform.backend {
        credential_exprs(&b.body, &mut exprs);
    }
    if let Some(e) = &module.terraform.encryption {
        credential_exprs(e, &mut exprs);
    }
    let mut vars: BTreeSet<String> = BTreeSet::new();
    for v in module
        .variables
        .values()
        .filter(|v| v.sensitive || v.ephemeral)
    {
        vars.insert(v.name.clone());
        exprs.extend(&v.default);
    }
    exprs.extend(
        module
            .outputs
            .values()
            .filter(|o| o.sensitive)
            .map(|o| &o.value),
    );
    for call in module.module_calls.values() {
        let secret = analyze(&call.module, sources, done);
        exprs.extend(
            secret
                .iter()
                .filter_map(|name| call.inputs.get(name).map(|a| &a.expr)),
        );
    }
    // What the sensitive expressions read: locals (followed), the module's variables.
    let mut locals = BTreeSet::new();
    while let Some(e) = exprs.pop() {
        redact_expr(sources, e);
        for r in references(e, &[]) {
            match r.subject {
                Subject::Local(name) => {
                    if let Some(l) = module.locals.get(&name) {
                        if locals.insert(name) {
                            exprs.push(&l.expr);
                        }
                    }
                }
                Subject::Var(name) => {
                    if let Some(v) = module.variables.get(&name) {
                        if vars.insert(name) {
                            exprs.extend(&v.default);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    done.insert(module.dir.clone(), vars.clone());
    vars
}

/// The expressions of a body's sensitive arguments, nested and `dynamic` blocks included.
fn sensitive_exprs<'a>(body: &'a Body, schema: &Schema, out: &mut Vec<&'a Expr>) {
    for (name, attr) in &body.attrs {
        if schema.attribute(name).is_some_and(|a| a.sensitive) {
            out.push(&attr.expr);
        }
    }
    for block in &body.blocks {
        let (kind, inner) = match block.kind.as_str() {
            "dynamic" => match block.labels.first() {
                Some(label) => (label.as_str(), block.body.blocks_of("content").next()),
                None => continue,
            },
            kind => (kind, Some(block)),
        };
        if let (Some(bt), Some(inner)) = (schema.block_type(kind), inner) {
            sensitive_exprs(&inner.body, &bt.schema, out);
        }
    }
}

/// Credentials in a provider, backend or encryption body, nested blocks included
/// (`assume_role`).
fn credential_exprs<'a>(body: &'a Body, out: &mut Vec<&'a Expr>) {
    for (name, attr) in &body.attrs {
        if CREDENTIALS.contains(&name.as_str()) {
            out.push(&attr.expr);
        }
    }
    for block in &body.blocks {
        credential_exprs(&block.body, out);
    }
}
