use super::install::{child_key, Installed, ModuleSource, Pending, VersionConstraint};
use super::*;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SourceMap};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{self, Structure};
use std::collections::BTreeMap;
use std::path::Path;

/// Inputs larger than this are refused before parsing: no real config comes close.
const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// The parser recurses per nesting level; deeper input is refused instead of risking the stack.
const MAX_NESTING: usize = 128;
/// Module calls nested deeper than this are a recursion in `source` paths.
const MAX_MODULE_DEPTH: usize = 32;

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

/// Reads and parses one file; `None` (with a diagnostic) when it cannot be read or parsed.
pub fn parse_file(
    path: &Path,
    display: String,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Option<(FileId, structure::Body)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("Cannot read {display}: {e}"))
                    .help("check the file exists and is readable"),
            );
            return None;
        }
    };
    if bytes.len() > MAX_FILE_BYTES {
        diags.push(
            Diagnostic::error(format!(
                "{display} is {} bytes, larger than the {} byte limit for a config file",
                bytes.len(),
                MAX_FILE_BYTES
            ))
            .help("split the configuration into several files"),
        );
        return None;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).to_string();
            let id = sources.add(path, display.clone(), valid);
            diags.push(
                Diagnostic::error("Invalid UTF-8 in configuration file")
                    .at(Span::new(id, offset..offset))
                    .detail(format!("byte {offset} is not valid UTF-8"))
                    .help("save the file as UTF-8"),
            );
            return None;
        }
    };
    let id = sources.add(path, display, text);
    let file = sources.get(id)?;
    match parse_text(&file.text, id) {
        Ok(body) => Some((id, body)),
        Err(d) => {
            diags.push(*d);
            None
        }
    }
}

/// Parses HCL body text, refusing pathological nesting before the recursive parser sees it.
pub fn parse_text(text: &str, file: FileId) -> Result<structure::Body, Box<Diagnostic>> {
    check_nesting(text, file)?;
    hcl_edit::parser::parse_body(text).map_err(|e| Box::new(parse_error(&e, text, file)))
}

fn check_nesting(text: &str, file: FileId) -> Result<(), Box<Diagnostic>> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' | '[' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Box::new(
                        Diagnostic::error("Configuration nested too deeply")
                            .at(Span::new(file, i..i + 1))
                            .detail(format!("more than {MAX_NESTING} levels of brackets"))
                            .help("flatten the expression; no real configuration needs this depth"),
                    ));
                }
            }
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn parse_error(e: &hcl_edit::parser::Error, text: &str, file: FileId) -> Diagnostic {
    let loc = e.location();
    // hcl-edit reports 1-based line and column; turn them into a byte offset for the span.
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == loc.line() {
            offset += line
                .char_indices()
                .nth(loc.column().saturating_sub(1))
                .map(|(b, _)| b)
                .unwrap_or(line.len());
            break;
        }
        offset += line.len();
    }
    let message = e.message().replace('\n', " ");
    Diagnostic::error("Invalid HCL syntax")
        .at(Span::new(file, offset..offset + 1))
        .detail(message)
        .help("fix the syntax at this position; `strata fmt` only works on valid files")
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

    fn unexpected(
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

    fn literal_string(&mut self, attr: &Attr) -> Option<String> {
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
    fn constant_string(&mut self, attr: &Attr) -> Option<String> {
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

    fn literal_bool(&mut self, attr: &Attr) -> Option<bool> {
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

    fn references_list(&mut self, attr: &Attr) -> Vec<Expr> {
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

    /// `required_version` must admit the Terraform version whose language strata implements,
    /// with Terraform's constraint syntax (`~> 1.5` is `>= 1.5.0, < 2.0.0`).
    fn check_required_version(&mut self, text: &str, span: Span) {
        let constraint = match super::install::VersionConstraint::parse(text) {
            Ok(c) => c,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error("Invalid required_version")
                        .at(span)
                        .detail(e)
                        .help("write a constraint like \">= 1.5\" or \"~> 1.9\""),
                );
                return;
            }
        };
        let implemented = semver::Version::parse(super::TERRAFORM_VERSION)
            .unwrap_or_else(|_| semver::Version::new(1, 0, 0));
        if !constraint.matches(&implemented) {
            self.diags.push(
                Diagnostic::error("Unsupported Terraform version")
                    .at(span)
                    .detail(format!(
                        "this configuration requires Terraform {constraint}; strata implements the language of Terraform {}",
                        super::TERRAFORM_VERSION
                    ))
                    .help(format!(
                        "widen the constraint to admit {} if the configuration uses nothing newer",
                        super::TERRAFORM_VERSION
                    )),
            );
        }
    }

    fn terraform(&mut self, body: Body) {
        self.unexpected(
            "a terraform block",
            &body,
            &["required_version", "experiments"],
            &[
                "backend",
                "required_providers",
                "provider_meta",
                "encryption",
                "cloud",
            ],
        );
        if let Some(attr) = body.attr("required_version") {
            if let Some(v) = self.literal_string(attr) {
                self.check_required_version(&v, attr.expr.span());
                self.module.terraform.required_version = Some((v, attr.expr.span()));
            }
        }
        for block in body.blocks {
            match block.kind.as_str() {
                "backend" => {
                    if block.labels.len() != 1 {
                        self.diags.push(
                            Diagnostic::error("A backend block needs one label: its type")
                                .at(block.span)
                                .help("write backend \"s3\" { ... } or backend \"local\" { ... }"),
                        );
                        continue;
                    }
                    self.module.terraform.backend = Some(Backend {
                        kind: block.labels[0].clone(),
                        span: block.span,
                        body: block.body,
                    });
                }
                "encryption" => self.module.terraform.encryption = Some(block.body),
                "required_providers" => self.required_providers(&block.body),
                // Module metadata for the provider's user agent: nothing to do.
                "provider_meta" => {}
                "cloud" => self.diags.push(
                    Diagnostic::error("The `cloud` block is not supported by strata")
                        .at(block.span)
                        .help("use backend \"s3\" or the local backend"),
                ),
                _ => {}
            }
        }
    }

    /// `required_providers { aws = { source = "hashicorp/aws", version = "...",
    /// configuration_aliases = [aws.dr] } }`: the providers strata implements, under any
    /// local name Terraform accepts for them.
    fn required_providers(&mut self, body: &Body) {
        const SUPPORTED: &[&str] = &["aws", "random", "null"];
        for block in &body.blocks {
            self.diags.push(
                Diagnostic::error(format!("Unexpected block \"{}\" in required_providers", block.kind))
                    .at(block.span)
                    .help("write each provider as name = { source = \"hashicorp/NAME\", version = \"...\" }"),
            );
        }
        for attr in body.attrs.values() {
            let (source, aliases) = match &attr.expr.expr {
                // Terraform 0.12's form: a version constraint alone.
                Expression::String(_) => (None, None),
                Expression::Object(obj) => {
                    let mut source = None;
                    let mut aliases = None;
                    for (key, value) in obj.iter() {
                        let key = match key {
                            hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                            hcl_edit::expr::ObjectKey::Expression(e) => {
                                refs::static_path(e).unwrap_or_default()
                            }
                        };
                        let value = Attr {
                            name: key.clone(),
                            name_span: attr.name_span,
                            expr: Expr {
                                file: attr.expr.file,
                                expr: value.expr().clone(),
                            },
                        };
                        match key.as_str() {
                            "source" => source = self.literal_string(&value).map(|s| (s, value.expr.span())),
                            "version" => {
                                self.literal_string(&value);
                            }
                            "configuration_aliases" => aliases = Some(value),
                            other => self.diags.push(
                                Diagnostic::error(format!("Unsupported argument \"{other}\" in required_providers"))
                                    .at(value.expr.span())
                                    .help("a provider requirement takes source, version and configuration_aliases"),
                            ),
                        }
                    }
                    (source, aliases)
                }
                _ => {
                    self.diags.push(
                        Diagnostic::error(format!(
                            "Invalid provider requirement \"{}\"",
                            attr.name
                        ))
                        .at(attr.expr.span())
                        .help("write name = { source = \"hashicorp/NAME\", version = \"...\" }"),
                    );
                    continue;
                }
            };
            // The type is the source's last part; without a source, the local name.
            let (type_, span) = match &source {
                Some((s, span)) => {
                    let parts: Vec<&str> = s.split('/').collect();
                    let official = match parts.as_slice() {
                        [_name] => true,
                        [ns, _] => ns.eq_ignore_ascii_case("hashicorp"),
                        [host, ns, _] => {
                            host.eq_ignore_ascii_case("registry.terraform.io")
                                && ns.eq_ignore_ascii_case("hashicorp")
                        }
                        _ => false,
                    };
                    let name = parts
                        .last()
                        .copied()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    (if official { name } else { s.clone() }, *span)
                }
                None => (attr.name.clone(), attr.name_span),
            };
            if !SUPPORTED.contains(&type_.as_str()) {
                self.diags.push(
                    Diagnostic::error(format!("Unsupported provider \"{type_}\""))
                        .at(span)
                        .detail("strata implements the providers hashicorp/aws, hashicorp/random and hashicorp/null")
                        .help("remove this requirement, or manage these resources with another tool"),
                );
                continue;
            }
            let Some(aliases) = aliases else { continue };
            let Expression::Array(items) = &aliases.expr.expr else {
                self.diags.push(
                    Diagnostic::error("configuration_aliases must be a list")
                        .at(aliases.expr.span())
                        .help("write configuration_aliases = [aws.dr]"),
                );
                continue;
            };
            for item in items.iter() {
                let item_span = aliases.expr.sub(item);
                match refs::static_path(item)
                    .as_deref()
                    .and_then(|p| p.split_once('.'))
                {
                    Some((local, alias)) if local == attr.name && !alias.contains('.') => {
                        if type_ == "aws" {
                            self.module
                                .terraform
                                .configuration_aliases
                                .push((alias.to_string(), item_span));
                        }
                    }
                    _ => self.diags.push(
                        Diagnostic::error("Invalid configuration alias")
                            .at(item_span)
                            .help(format!("write {}.ALIAS, without quotes", attr.name)),
                    ),
                }
            }
        }
    }

    fn provider(&mut self, name: String, span: Span, body: Body) {
        if name != "aws" {
            self.diags.push(
                Diagnostic::error(format!("Unsupported provider \"{name}\""))
                    .at(span)
                    .help("strata manages the AWS data tier: only provider \"aws\" is supported"),
            );
            return;
        }
        let mut alias = None;
        if let Some(attr) = body.attr("alias") {
            alias = self.literal_string(attr);
        }
        if let Some(prev) = self
            .module
            .providers
            .iter()
            .find(|p| p.name == name && p.alias == alias)
        {
            let prev_span = prev.span;
            self.diags.push(
                Diagnostic::error(format!(
                    "Duplicate provider configuration \"{}\"",
                    ProviderRef {
                        name: name.clone(),
                        alias: alias.clone(),
                        span
                    }
                ))
                .at(span)
                .label(prev_span, "first configured here")
                .help("give one of them an `alias`"),
            );
            return;
        }
        self.module.providers.push(ProviderConfig {
            name,
            alias,
            span,
            body,
        });
    }

    fn variable(&mut self, name: String, span: Span, body: Body) {
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
            let prev_span = prev.span;
            self.diags.push(
                Diagnostic::error(format!("Duplicate variable \"{name}\""))
                    .at(span)
                    .label(prev_span, "first declared here")
                    .help("variable names must be unique within a module"),
            );
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
        let sensitive = body
            .attr("sensitive")
            .and_then(|a| self.literal_bool(a))
            .unwrap_or(false);
        let nullable = body
            .attr("nullable")
            .and_then(|a| self.literal_bool(a))
            .unwrap_or(true);
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
                validations,
            },
        );
    }

    fn locals(&mut self, body: Body) {
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

    fn output(&mut self, name: String, span: Span, body: Body) {
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
            let prev_span = prev.span;
            self.diags.push(
                Diagnostic::error(format!("Duplicate output \"{name}\""))
                    .at(span)
                    .label(prev_span, "first declared here")
                    .help("output names must be unique within a module"),
            );
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
        let sensitive = body
            .attr("sensitive")
            .and_then(|a| self.literal_bool(a))
            .unwrap_or(false);
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
                depends_on,
            },
        );
    }

    fn provider_ref(&mut self, attr: &Attr) -> Option<ProviderRef> {
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

    fn resource(
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
            let prev_span = prev.span;
            self.diags.push(
                Diagnostic::error(format!("Duplicate resource \"{key}\""))
                    .at(span)
                    .label(prev_span, "first declared here")
                    .help("each resource needs a name unique for its type within the module"),
            );
            return;
        }
        self.module.resources.insert(key, resource);
    }

    fn module_call(&mut self, name: String, span: Span, mut body: Body) {
        if let Some(prev) = self.module.module_calls.get(&name) {
            let prev_span = prev.span;
            self.diags.push(
                Diagnostic::error(format!("Duplicate module call \"{name}\""))
                    .at(span)
                    .label(prev_span, "first declared here")
                    .help("module names must be unique within a module"),
            );
            return;
        }
        let Some(source_attr) = body.attrs.shift_remove("source") else {
            self.diags.push(
                Diagnostic::error(format!("Module \"{name}\" has no source"))
                    .at(span)
                    .help("add source = \"./modules/NAME\""),
            );
            return;
        };
        let Some(source) = self.literal_string(&source_attr) else {
            return;
        };
        let source_span = source_attr.expr.span();
        let parsed = match ModuleSource::parse(&source) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error("Invalid module source address")
                        .at(source_span)
                        .detail(e)
                        .help("write a local path (./modules/db), a registry address (NAMESPACE/NAME/PROVIDER) or a git:: URL"),
                );
                return;
            }
        };
        let (version, bad_version) = match body.attrs.shift_remove("version") {
            Some(attr) => match self.version_constraint(&name, &parsed, &attr) {
                Ok(v) => (v, false),
                Err(()) => (None, true),
            },
            None => (None, false),
        };
        let count = body.attrs.shift_remove("count").map(|a| a.expr);
        let for_each = body.attrs.shift_remove("for_each").map(|a| a.expr);
        let depends_on = match body.attrs.shift_remove("depends_on") {
            Some(a) => self.references_list(&a),
            None => Vec::new(),
        };
        let mut providers = Vec::new();
        if let Some(a) = body.attrs.shift_remove("providers") {
            match &a.expr.expr {
                Expression::Object(obj) => {
                    for (key, value) in obj.iter() {
                        let child = match key {
                            hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                            hcl_edit::expr::ObjectKey::Expression(e) => {
                                refs::static_path(e).unwrap_or_default()
                            }
                        };
                        let attr = Attr {
                            name: "providers".into(),
                            name_span: a.name_span,
                            expr: Expr {
                                file: a.expr.file,
                                expr: value.expr().clone(),
                            },
                        };
                        if let Some(parent) = self.provider_ref(&attr) {
                            providers.push((child, parent));
                        }
                    }
                }
                _ => self.diags.push(
                    Diagnostic::error("providers must be a map")
                        .at(a.expr.span())
                        .help("write providers = { aws = aws.dr }"),
                ),
            }
        }
        for block in &body.blocks {
            self.diags.push(
                Diagnostic::error(format!(
                    "Unexpected block \"{}\" in a module call",
                    block.kind
                ))
                .at(block.span)
                .help("module inputs are arguments: name = value"),
            );
        }
        if self.depth >= MAX_MODULE_DEPTH {
            self.diags.push(
                Diagnostic::error("Module calls nest too deeply")
                    .at(source_span)
                    .help("a module probably calls itself through its source path"),
            );
            return;
        }
        let key = child_key(self.key, &name);
        let (dir, package) = match &parsed {
            ModuleSource::Local(path) => {
                let dir = self.module.dir.join(path);
                if !dir.is_dir() {
                    self.diags.push(
                        Diagnostic::error(format!("Module directory \"{source}\" does not exist"))
                            .at(source_span)
                            .help(
                                "check the path; it is relative to the calling module's directory",
                            ),
                    );
                    return;
                }
                if let Some(package) = self.package {
                    if !inside(&dir, package) {
                        self.diags.push(
                            Diagnostic::error("Local module path escapes its module package")
                                .at(source_span)
                                .detail(format!(
                                    "\"{source}\" leads out of the installed package {}",
                                    display_path(package, self.ctx.base)
                                ))
                                .help("a module installed from a registry or repository can only call directories inside its own package"),
                        );
                        return;
                    }
                }
                (dir, self.package.map(Path::to_path_buf))
            }
            remote => {
                let constraint = version.as_ref().map(|(c, _)| c);
                match self.ctx.installed.resolve(&key, remote, constraint) {
                    Ok(dir) => {
                        self.ctx.resolved.push(key.clone());
                        let package = package_root(&dir, remote);
                        (dir, Some(package))
                    }
                    // The constraint's error is reported; installing without it could fetch
                    // what the configuration does not ask for.
                    Err(_) if bad_version => return,
                    Err(reason) => {
                        self.ctx.pending.push(Pending {
                            key,
                            name,
                            source: parsed,
                            source_span,
                            version,
                            reason,
                        });
                        return;
                    }
                }
            }
        };
        let Some(module) = load_module(
            &dir,
            &key,
            package.as_deref(),
            self.depth + 1,
            self.ctx,
            self.diags,
        ) else {
            return;
        };
        self.module.module_calls.insert(
            name.clone(),
            ModuleCall {
                name,
                span,
                source,
                source_span,
                inputs: body.attrs,
                count,
                for_each,
                depends_on,
                providers,
                module,
            },
        );
    }

    /// The `version` argument of a module call: a constraint in Terraform's syntax, allowed
    /// only for registry sources. `Err` when a registry module's constraint is invalid.
    fn version_constraint(
        &mut self,
        name: &str,
        source: &ModuleSource,
        attr: &Attr,
    ) -> Result<Option<(VersionConstraint, Span)>, ()> {
        let span = attr.expr.span();
        let not_here = match source {
            ModuleSource::Registry(_) => None,
            ModuleSource::Local(_) => Some((
                "it has a relative local path",
                "remove `version`; a local module is used as it is on disk",
            )),
            ModuleSource::Remote(_) => Some((
                "it doesn't come from a module registry",
                "remove `version`; pin a git source with ?ref=TAG in its source instead",
            )),
        };
        if let Some((why, help)) = not_here {
            self.diags.push(
                Diagnostic::error("Invalid version constraint")
                    .at(span)
                    .detail(format!(
                        "cannot apply a version constraint to module \"{name}\" because {why}"
                    ))
                    .help(help),
            );
            return Ok(None);
        }
        let text = self.literal_string(attr).ok_or(())?;
        match VersionConstraint::parse(&text) {
            Ok(c) => Ok(Some((c, span))),
            Err(e) => {
                self.diags.push(
                    Diagnostic::error("Invalid version constraint")
                        .at(span)
                        .detail(e)
                        .help("write a constraint like \"~> 7.0\" or \">= 1.2, < 2.0\""),
                );
                Err(())
            }
        }
    }

    fn moved(&mut self, span: Span, body: Body) {
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

    fn import(&mut self, span: Span, body: Body) {
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

/// Whether `dir` lies inside `package` (both resolved through symlinks and `..`).
fn inside(dir: &Path, package: &Path) -> bool {
    match (dir.canonicalize(), package.canonicalize()) {
        (Ok(d), Ok(p)) => d.starts_with(p),
        _ => false,
    }
}

/// The package an installed module's directory belongs to: the directory without the
/// subdirectory its source names (`…/vpc//modules/endpoints` → `…/vpc`).
fn package_root(dir: &Path, source: &ModuleSource) -> PathBuf {
    let subdir = match source {
        ModuleSource::Registry(r) => r.subdir.as_deref(),
        ModuleSource::Remote(r) => r.subdir.as_deref(),
        ModuleSource::Local(_) => None,
    };
    let depth = subdir.map_or(0, |s| s.split('/').filter(|p| !p.is_empty()).count());
    let mut root = dir.to_path_buf();
    for _ in 0..depth {
        root.pop();
    }
    root
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Parses one expression (a `--var` value, an environment variable).
pub fn parse_expression(text: &str) -> Result<Expression, String> {
    if text.len() > MAX_FILE_BYTES {
        return Err("value too large".into());
    }
    check_nesting(text, FileId(0)).map_err(|d| d.summary)?;
    hcl_edit::parser::parse_expr(text).map_err(|e| e.message().replace('\n', " "))
}

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
