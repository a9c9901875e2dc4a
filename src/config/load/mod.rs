//! Loading a module tree: `load` reads a directory's `*.tf` files, turns each top-level block
//! into a typed declaration of the [`Module`], and follows module calls into their own
//! directories. This file owns the walk and the dispatch of blocks to their kinds; each kind's
//! decoding lives in its own file beside it.

mod args;
mod module_call;
mod moved_import;
mod parse;
mod resource;
mod terraform;
mod tfvars;
mod values;

pub use parse::parse_expression;
pub use tfvars::load_tfvars_file;

use super::install::{Installed, Pending};
use super::{Attr, Block, Body, Config, Expr, Mode, Module};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, FileId, SourceMap, Span};
use hcl_edit::structure::{self, Structure};
use hcl_edit::Span as _;
use indexmap::IndexMap;
use parse::parse_file;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Loads every `*.tf` file of `dir` and every module it calls: local paths directly, other
/// sources from where `strata init` (or Terraform's init) installed them. A remote module that
/// is not installed is an error that says to run `strata init`.
pub fn load(dir: &Path, sources: &SourceMap) -> (Option<Config>, Diagnostics) {
    let installed = match Installed::read(dir) {
        Ok(i) => i,
        Err(e) => {
            let d = Diagnostic::error("Cannot read the module manifest")
                .detail(e)
                .help("run `strata init`");
            return (None, d.into());
        }
    };
    let mut loaded = load_with(dir, sources, &installed);
    for pending in &loaded.pending {
        loaded.diags.push(pending.diagnostic());
    }
    (loaded.config, loaded.diags)
}

/// A load, with what it could not resolve.
pub struct Loaded {
    pub config: Option<Config>,
    pub diags: Diagnostics,
    /// Remote module calls not installed as the configuration asks (not in `diags`).
    pub pending: Vec<Pending>,
    /// The keys of the remote modules resolved through `installed`.
    pub resolved: Vec<String>,
}

/// Loads `dir` resolving remote module calls through `installed`.
pub fn load_with(dir: &Path, sources: &SourceMap, installed: &Installed) -> Loaded {
    let mut diags = Diagnostics::default();
    let mut ctx = LoadCtx {
        base: dir,
        sources,
        cache: BTreeMap::new(),
        installed,
        pending: Vec::new(),
        resolved: Vec::new(),
    };
    let root = load_module(dir, "", None, 0, &mut ctx, &mut diags);
    let config = root.map(|root| Config {
        sources: sources.clone(),
        root,
    });
    Loaded {
        config,
        diags,
        pending: ctx.pending,
        resolved: ctx.resolved,
    }
}

/// What every module of one load shares.
struct LoadCtx<'a> {
    base: &'a Path,
    sources: &'a SourceMap,
    /// Parsed modules by canonical directory: a module called twice is parsed once.
    cache: BTreeMap<PathBuf, Arc<Module>>,
    installed: &'a Installed,
    pending: Vec<Pending>,
    resolved: Vec<String>,
}

fn display_path(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let s = rel.to_string_lossy().to_string();
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// Loads one module directory. `key` is its module path (`""` for the root, `db.kms`);
/// `package` the root of the installed package it belongs to, which its local calls must not
/// leave (`None` for the root module's own tree).
fn load_module(
    dir: &Path,
    key: &str,
    package: Option<&Path>,
    depth: usize,
    ctx: &mut LoadCtx,
    diags: &mut Diagnostics,
) -> Option<Arc<Module>> {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if let Some(m) = ctx.cache.get(&canonical) {
        return Some(m.clone());
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!(
                    "Cannot read directory {}: {e}",
                    display_path(dir, ctx.base)
                ))
                .help("run strata in a directory of *.tf files, or pass -C DIR"),
            );
            return None;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file())
        .collect();
    paths.sort();
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let sources = ctx.sources;
    let base = ctx.base;
    let mut builder = ModuleBuilder {
        module: &mut module,
        diags,
        ctx: &mut *ctx,
        key,
        package,
        depth,
    };
    for path in &paths {
        let display = display_path(path, base);
        if let Some((id, body)) = parse_file(path, display, sources, builder.diags) {
            builder.module.files.push(id);
            builder.add_file(id, &body);
        }
    }
    let module = Arc::new(module);
    ctx.cache.insert(canonical, module.clone());
    Some(module)
}

struct ModuleBuilder<'a, 'c> {
    module: &'a mut Module,
    diags: &'a mut Diagnostics,
    /// What the whole load shares: the module cache and the installed remote modules.
    ctx: &'a mut LoadCtx<'c>,
    key: &'a str,
    package: Option<&'a Path>,
    depth: usize,
}

const TOP_LEVEL: &[&str] = &[
    "terraform",
    "provider",
    "variable",
    "locals",
    "output",
    "resource",
    "data",
    "module",
    "moved",
    "import",
    "check",
    "removed",
];

impl ModuleBuilder<'_, '_> {
    /// A second declaration in one module: "Duplicate {what}" at `span`, pointing at the
    /// first declaration (`first`); `help` says what must be unique.
    fn duplicate(&mut self, what: String, span: Span, first: Span, help: &str) {
        self.diags.push(
            Diagnostic::error(format!("Duplicate {what}"))
                .at(span)
                .label(first, "first declared here")
                .help(help),
        );
    }

    fn add_file(&mut self, file: FileId, body: &structure::Body) {
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    self.diags.push(
                        Diagnostic::error("Unexpected argument at the top level")
                            .at(Span::from_opt(file, attr.key.span()))
                            .detail(format!(
                                "\"{}\" is an argument; only blocks may appear here",
                                attr.key.as_str()
                            ))
                            .help("move it inside a block, or into `locals { }`"),
                    );
                }
                Structure::Block(block) => self.add_block(file, block),
            }
        }
    }

    fn add_block(&mut self, file: FileId, block: &structure::Block) {
        let kind = block.ident.as_str();
        let span = Span::from_opt(file, block.ident.span());
        let labels: Vec<String> = block
            .labels
            .iter()
            .map(|l| l.as_str().to_string())
            .collect();
        let want_labels = match kind {
            "resource" | "data" => 2,
            "provider" | "variable" | "output" | "module" => 1,
            "terraform" | "locals" | "moved" | "import" => 0,
            "check" | "removed" => {
                self.diags.push(
                    Diagnostic::error(format!("`{kind}` blocks are not supported by strata"))
                        .at(span)
                        .help("remove the block; use `strata check` rules for checks"),
                );
                return;
            }
            _ => {
                let mut d = Diagnostic::error(format!("Unsupported block type \"{kind}\""))
                    .at(span)
                    .detail(format!(
                        "top-level blocks are: {}",
                        TOP_LEVEL[..10].join(", ")
                    ));
                if let Some(s) = did_you_mean(kind, TOP_LEVEL.iter().copied()) {
                    d = d.help(format!("did you mean \"{s}\"?"));
                }
                self.diags.push(d);
                return;
            }
        };
        if labels.len() != want_labels {
            self.diags.push(
                Diagnostic::error(format!(
                    "A `{kind}` block needs {want_labels} label{}, found {}",
                    if want_labels == 1 { "" } else { "s" },
                    labels.len()
                ))
                .at(span)
                .help(match kind {
                    "resource" => "write it as resource \"TYPE\" \"NAME\" { ... }",
                    "data" => "write it as data \"TYPE\" \"NAME\" { ... }",
                    "terraform" | "locals" | "moved" | "import" => "remove the labels",
                    _ => "write it as BLOCK \"NAME\" { ... }",
                }),
            );
            return;
        }
        let body = self.body(file, &block.body, span);
        for label in &labels {
            if !valid_name(label) && kind != "provider" {
                self.diags.push(
                    Diagnostic::error(format!("Invalid name \"{label}\""))
                        .at(span)
                        .help("names start with a letter or underscore and contain only letters, digits, underscores and dashes"),
                );
                return;
            }
        }
        match kind {
            "terraform" => self.terraform(body),
            "provider" => self.provider(labels[0].clone(), span, body),
            "variable" => self.variable(labels[0].clone(), span, body),
            "locals" => self.locals(body),
            "output" => self.output(labels[0].clone(), span, body),
            "resource" => self.resource(Mode::Managed, &labels, span, block, file, body),
            "data" => self.resource(Mode::Data, &labels, span, block, file, body),
            "module" => self.module_call(labels[0].clone(), span, body),
            "moved" => self.moved(span, body),
            "import" => self.import(span, body),
            _ => unreachable!("block kinds are filtered above"),
        }
    }

    fn body(&mut self, file: FileId, body: &structure::Body, span: Span) -> Body {
        let mut out = Body {
            file,
            span,
            attrs: IndexMap::new(),
            blocks: Vec::new(),
        };
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str().to_string();
                    let name_span = Span::from_opt(file, attr.key.span());
                    if let Some(prev) = out.attrs.get(&name) {
                        self.diags.push(
                            Diagnostic::error(format!("Attribute \"{name}\" is set twice"))
                                .at(name_span)
                                .label(prev.name_span, "first set here")
                                .help("remove one of the two"),
                        );
                        continue;
                    }
                    out.attrs.insert(
                        name.clone(),
                        Attr {
                            name,
                            name_span,
                            expr: Expr {
                                file,
                                expr: attr.value.clone(),
                            },
                        },
                    );
                }
                Structure::Block(block) => {
                    let span = Span::from_opt(file, block.ident.span());
                    let inner = self.body(file, &block.body, span);
                    out.blocks.push(Block {
                        kind: block.ident.as_str().to_string(),
                        labels: block
                            .labels
                            .iter()
                            .map(|l| l.as_str().to_string())
                            .collect(),
                        span,
                        body: inner,
                    });
                }
            }
        }
        out
    }
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}
