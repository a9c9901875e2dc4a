//! The `terraform` block (required_version, checked against the language strata implements;
//! backend; encryption; required_providers with configuration_aliases) and `provider` blocks.

use super::ModuleBuilder;
use crate::config::{refs, Attr, Backend, Body, Expr, ProviderConfig, ProviderRef};
use crate::diag::{Diagnostic, Span};
use hcl_edit::expr::Expression;

impl ModuleBuilder<'_, '_> {
    /// `required_version` must admit the Terraform version whose language strata implements,
    /// with Terraform's constraint syntax (`~> 1.5` is `>= 1.5.0, < 2.0.0`).
    fn check_required_version(&mut self, text: &str, span: Span) {
        let constraint = match crate::config::install::VersionConstraint::parse(text) {
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
        let implemented = semver::Version::parse(crate::config::TERRAFORM_VERSION)
            .unwrap_or_else(|_| semver::Version::new(1, 0, 0));
        if !constraint.matches(&implemented) {
            self.diags.push(
                Diagnostic::error("Unsupported Terraform version")
                    .at(span)
                    .detail(format!(
                        "this configuration requires Terraform {constraint}; strata implements the language of Terraform {}",
                        crate::config::TERRAFORM_VERSION
                    ))
                    .help(format!(
                        "widen the constraint to admit {} if the configuration uses nothing newer",
                        crate::config::TERRAFORM_VERSION
                    )),
            );
        }
    }

    pub(super) fn terraform(&mut self, body: Body) {
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

    pub(super) fn provider(&mut self, name: String, span: Span, body: Body) {
        if name == "random" || name == "null" {
            // Their providers take no arguments: a block is only ever empty (or an alias,
            // which changes nothing), and their types run without one.
            for attr in body.attrs.values().filter(|a| a.name != "alias") {
                self.diags.push(
                    Diagnostic::error(format!("Unsupported argument \"{}\"", attr.name))
                        .at(attr.name_span)
                        .help(format!("provider \"{name}\" takes no arguments")),
                );
            }
            return;
        }
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
}
