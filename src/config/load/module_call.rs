//! `module` blocks: the call's arguments, its source and version, and the child module loaded
//! from a local path or from where `strata init` installed it.

use super::{display_path, load_module, ModuleBuilder};
use crate::config::install::{child_key, ModuleSource, Pending, VersionConstraint};
use crate::config::{refs, Attr, Body, Expr, ModuleCall};
use crate::diag::{Diagnostic, Span};
use hcl_edit::expr::Expression;
use std::path::{Path, PathBuf};

/// Module calls nested deeper than this are a recursion in `source` paths.
const MAX_MODULE_DEPTH: usize = 32;

impl ModuleBuilder<'_, '_> {
    pub(super) fn module_call(&mut self, name: String, span: Span, mut body: Body) {
        if let Some(prev) = self.module.module_calls.get(&name) {
            let (what, first) = (format!("module call \"{name}\""), prev.span);
            let help = "module names must be unique within a module";
            self.duplicate(what, span, first, help);
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
