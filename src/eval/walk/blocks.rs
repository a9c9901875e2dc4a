//! Blocks of a module instance: variables, provider configurations, resources.

use super::{insert_resource_value, map_mut, RawInput, RootInput, Scope, Walker};
use crate::addr::{AbsResource, InstanceKey, ResourceAddr};
use crate::config::{Expr, Mode, Module, Resource};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::eval::body::{eval_expr, BodyEval};
use crate::eval::walk::InstanceConfig;
use crate::eval::{ProviderKind, ProviderSettings};
use crate::graph::config::{ModuleId, ProviderTarget};
use crate::value::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

impl Walker<'_, '_> {
    /// Root variable inputs, converted later against each variable's type.
    pub(super) fn root_inputs(&mut self, root: &Module) -> BTreeMap<String, RootInput> {
        let mut out = BTreeMap::new();
        let empty = Scope { roots: Map::new() };
        for (name, raw) in &self.options.inputs {
            let Some(var) = root.variables.get(name) else {
                continue;
            };
            let value = match raw {
                RawInput::Expr(expr) => match eval_expr(&empty, expr, &root.dir, &[]) {
                    Ok(v) => (v, Some(expr.span())),
                    Err(d) => {
                        self.diags.push(d);
                        continue;
                    }
                },
                RawInput::Text { text, source } => {
                    // Terraform's rule: a value from the command line or the environment is
                    // a literal string for a variable with no type or a primitive type
                    // (converted like any string, so `n=abc` is a type error naming the
                    // variable), and HCL for `any` and collection types.
                    let literal = var.type_.as_ref().is_none_or(|t| {
                        matches!(
                            t,
                            crate::config::TypeConstraint::String
                                | crate::config::TypeConstraint::Number
                                | crate::config::TypeConstraint::Bool
                        )
                    });
                    if literal {
                        (Value::String(text.clone()), None)
                    } else {
                        match crate::config::parse_expression(text) {
                            Ok(expr) => {
                                let expr = Expr {
                                    file: crate::diag::FileId(u32::MAX),
                                    expr,
                                };
                                match eval_expr(&empty, &expr, &root.dir, &[]) {
                                    Ok(v) => (v, None),
                                    Err(d) => {
                                        self.diags.push(
                                            Diagnostic::error(format!("Invalid value for variable \"{name}\" from {source}"))
                                                .detail(d.summary)
                                                .help("give a literal value, like [\"a\", \"b\"] or { key = \"value\" }"),
                                        );
                                        continue;
                                    }
                                }
                            }
                            Err(msg) => {
                                self.diags.push(
                                    Diagnostic::error(format!("Invalid value for variable \"{name}\" from {source}"))
                                        .detail(msg)
                                        .help(format!(
                                            "variable \"{name}\" has type {}: write the value in HCL syntax",
                                            var.type_.as_ref().map(|t| t.to_string()).unwrap_or_default()
                                        )),
                                );
                                continue;
                            }
                        }
                    }
                }
            };
            out.insert(name.clone(), value);
        }
        out
    }

    pub(super) fn variable(
        &mut self,
        var: &crate::config::Variable,
        input: Option<(Value, Option<Span>)>,
        scope: &Scope,
        module: &Module,
        is_root: bool,
    ) -> Value {
        let empty = Scope { roots: Map::new() };
        if self.options.validate {
            self.check_default(var, module);
        }
        let (value, span) = match input {
            // validate: a root variable stands for every value it could be given.
            _ if is_root && self.options.validate => (Value::Unknown, None),
            Some((v, s)) => (v, s),
            None => match &var.default {
                Some(d) => match eval_expr(&empty, d, &module.dir, &[]) {
                    Ok(v) => (v, Some(d.span())),
                    Err(e) => {
                        self.diags.push(e);
                        (Value::Unknown, None)
                    }
                },
                None => {
                    if is_root && self.options.missing_vars_unknown {
                        (Value::Unknown, None)
                    } else if is_root {
                        self.diags.push(
                            Diagnostic::error(format!("No value for required variable \"{}\"", var.name))
                                .at(var.span)
                                .help(format!(
                                    "set it with --var {}=VALUE, in terraform.tfvars, or with the environment variable STRATA_VAR_{}",
                                    var.name, var.name
                                )),
                        );
                        (Value::Unknown, None)
                    } else {
                        // A missing module input is reported at the module call.
                        (Value::Unknown, None)
                    }
                }
            },
        };
        let value = if value.is_null() && !var.nullable {
            match &var.default {
                Some(d) => eval_expr(&empty, d, &module.dir, &[]).unwrap_or(Value::Null),
                None => {
                    self.diags.push(
                        Diagnostic::error(format!("Variable \"{}\" must not be null", var.name))
                            .at_opt(span.or(Some(var.span)))
                            .help(
                                "give it a value; the variable is declared with nullable = false",
                            ),
                    );
                    Value::Unknown
                }
            }
        } else {
            value
        };
        // Marked before conversion, so an error about a sensitive value never quotes it.
        let value = value.mark_if(var.sensitive);
        let value = match &var.type_ {
            Some(t) => match t.convert(value) {
                Ok(v) => v,
                Err(msg) => {
                    self.diags.push(
                        Diagnostic::error(format!("Invalid value for variable \"{}\"", var.name))
                            .at_opt(span.or(Some(var.span)))
                            .detail(msg)
                            .help(format!("the variable's type is {t}")),
                    );
                    Value::Unknown
                }
            },
            None => value,
        };
        if self.options.validate {
            // Terraform's validate walk: every variable, in every module, stands for any value
            // it could be given (its type's unknown), so inputs used as guards (`count =
            // var.create ? 1 : 0`, `var.x != null ? var.x.name : null`) are checked for all of
            // their values, not the defaults'. The given value was type-checked above.
            let _ = value;
            return Value::Unknown.mark_if(var.sensitive);
        }
        let value = value.mark_if(var.sensitive);
        // Validation conditions see only this variable.
        let mut roots = scope.roots.clone();
        map_mut(&mut roots, "var").insert(var.name.clone(), value.clone());
        let vscope = Scope { roots };
        for v in &var.validations {
            match eval_expr(&vscope, &v.condition, &module.dir, &[]) {
                Ok(c) => match c.unmarked() {
                    Value::Bool(true) | Value::Unknown => {}
                    Value::Bool(false) => {
                        let message = eval_expr(&vscope, &v.error_message, &module.dir, &[])
                            .ok()
                            .and_then(|m| {
                                if m.is_sensitive() {
                                    Some(
                                        "(the error message refers to a sensitive value)"
                                            .to_string(),
                                    )
                                } else {
                                    m.as_str().map(str::to_string)
                                }
                            })
                            .unwrap_or_else(|| "validation failed".into());
                        self.diags.push(
                            Diagnostic::error(format!(
                                "Invalid value for variable \"{}\"",
                                var.name
                            ))
                            .at_opt(span.or(Some(v.condition.span())))
                            .detail(message)
                            .label(v.condition.span(), "this validation rule failed")
                            .help("change the value so the condition holds"),
                        );
                    }
                    other => self.diags.push(
                        Diagnostic::error("Invalid validation condition")
                            .at(v.condition.span())
                            .detail(format!(
                                "the condition must be a bool, got {}",
                                other.type_name()
                            ))
                            .help("write a condition that yields true or false"),
                    ),
                },
                Err(d) => self.diags.push(d),
            }
        }
        value
    }

    /// A default must fit the variable's type whatever value is given (Terraform checks it
    /// when it reads the configuration).
    fn check_default(&mut self, var: &crate::config::Variable, module: &Module) {
        let (Some(default), Some(ty)) = (&var.default, &var.type_) else {
            return;
        };
        let empty = Scope { roots: Map::new() };
        let value = match eval_expr(&empty, default, &module.dir, &[]) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                return;
            }
        };
        if value.is_null() {
            return;
        }
        if let Err(msg) = ty.convert(value.mark_if(var.sensitive)) {
            self.diags.push(
                Diagnostic::error(format!(
                    "Invalid default value for variable \"{}\"",
                    var.name
                ))
                .at(default.span())
                .detail(msg)
                .help(format!(
                    "the variable's type is {ty}: give a default of that type, or none"
                )),
            );
        }
    }

    /// A provider block's settings, and where its region is written when that is not known
    /// yet (it refers to something known only after apply).
    pub(super) fn provider(
        &mut self,
        p: &crate::config::ProviderConfig,
        scope: &Scope,
        module: &Module,
        module_path: String,
    ) -> (ProviderSettings, Option<Span>) {
        let schema = self.hooks.catalog().provider_schema();
        let mut diags = Diagnostics::default();
        let body = BodyEval {
            scope,
            dir: &module.dir,
            what: "the aws provider",
        }
        .eval(&p.body, schema, &[], &mut diags);
        self.diags.extend(diags);
        let (settings, region_known) =
            ProviderSettings::from_body(p.alias.clone(), module_path, &body);
        let region_span = p.body.attr("region").map(|a| a.expr.span());
        (settings, if region_known { None } else { region_span })
    }

    /// AWS provider 6's per-resource `region`: an instance of a regional type whose `region`
    /// is set is managed there, with its provider configuration otherwise unchanged; unset,
    /// it takes the provider's region, which the plan then shows. `None`: the provider's.
    fn instance_region(
        &self,
        r: &Resource,
        schema: &crate::schema::Schema,
        config: &mut Value,
        settings: &ProviderSettings,
        diags: &mut Diagnostics,
    ) -> Option<ProviderSettings> {
        if !schema.regional {
            return None;
        }
        let Value::Map(m) = config else {
            return None;
        };
        let span = r.body.attr("region").map(|a| a.expr.span());
        match m.get("region").map(|v| v.clone().deep_unmark().0) {
            None | Some(Value::Null) => {
                if !settings.region.is_empty() {
                    m.insert("region".into(), Value::from(settings.region.as_str()));
                }
                None
            }
            Some(Value::String(region)) if region == settings.region => None,
            Some(Value::String(region)) => {
                let problem = (!self.options.validate)
                    .then(|| self.hooks.catalog().region_problem(&region))
                    .flatten();
                if let Some(near) = problem {
                    diags.push(unknown_region(&region, &near).at_opt(span));
                    return None;
                }
                Some(ProviderSettings {
                    region,
                    ..settings.clone()
                })
            }
            Some(_) => {
                if self.hooks.needs_known_providers() {
                    let mut d = Diagnostic::error("The resource's region is not known at plan time")
                        .help("strata must know which region to call before it plans; use a value known before apply (a variable, a local, a literal)");
                    if let Some(span) = span {
                        d = d.at(span);
                    }
                    diags.push(d);
                }
                None
            }
        }
    }

    /// The provider configuration a resource of module `m` uses, as Terraform resolves it;
    /// `None` (reported) when it has none or one that cannot be used now. A resource with no
    /// instances needs none (a module's optional DR copy whose caller passes no DR provider).
    fn provider_for(
        &mut self,
        r: &Resource,
        m: ModuleId,
        no_instances: bool,
    ) -> Option<ProviderSettings> {
        let kind = ProviderKind::of_type(&r.type_);
        if kind.is_local() {
            return Some(ProviderSettings::local(kind));
        }
        let alias = r.provider.as_ref().and_then(|p| p.alias.clone());
        let (settings, block, region_at) = match self.g.provider_target(m, &alias) {
            Some(ProviderTarget::Block(pm, pa)) => {
                let config = self.g.modules[pm]
                    .module
                    .providers
                    .iter()
                    .find(|p| p.alias == pa);
                let block = config.map(|p| p.span);
                let region_at = config
                    .and_then(|p| p.body.attr("region"))
                    .map(|a| a.expr.span());
                let key = (pm, pa.clone());
                let settings =
                    self.provider_values
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| ProviderSettings {
                            alias: pa,
                            ..ProviderSettings::default()
                        });
                if let Some(&region_span) = self.unknown_regions.get(&key) {
                    if self.hooks.needs_known_providers() && !no_instances {
                        if self.provider_reported.insert(settings.address()) {
                            self.diags.push(
                                Diagnostic::error("The provider's region is not known at plan time")
                                    .at(region_span)
                                    .detail(format!("{} is used by {}, and its region depends on values known only after apply", settings.address(), r.key()))
                                    .help("give region a value known before apply: a literal, a variable or a local"),
                            );
                        }
                        return None;
                    }
                }
                (settings, block, region_at)
            }
            Some(ProviderTarget::Implicit(a)) => {
                let settings = ProviderSettings::unconfigured(a);
                self.providers_seen.push(settings.clone());
                (settings, None, None)
            }
            None if no_instances => return Some(ProviderSettings::default()),
            None => {
                let p = r.provider.as_ref();
                self.diags.push(
                    Diagnostic::error(format!(
                        "Provider configuration not present: {}",
                        p.map(|p| p.to_string()).unwrap_or_else(|| "aws".into())
                    ))
                    .at_opt(p.map(|p| p.span))
                    .help(match &alias {
                        Some(a) => format!("declare provider \"aws\" {{ alias = \"{a}\" }} in the root module and pass it to modules with providers = {{ aws.{a} = aws.{a} }}"),
                        None => "declare provider \"aws\" { region = \"...\" }".to_string(),
                    }),
                );
                return None;
            }
        };
        if settings.region.is_empty() && self.hooks.needs_known_providers() && !no_instances {
            if self.provider_reported.insert(settings.address()) {
                let name = match &settings.alias {
                    Some(a) => format!("aws.{a}"),
                    None => "aws".to_string(),
                };
                self.diags.push(
                    Diagnostic::error(format!("No region for provider {name}"))
                        .at(block.unwrap_or(r.span))
                        .detail(format!(
                            "{} needs a region, and {} sets none",
                            r.key(),
                            settings.address()
                        ))
                        .help("set region in the provider block, or AWS_REGION in the environment"),
                );
            }
            return None;
        }
        // A region AWS does not have, found before anything asks AWS (not in validate, which
        // judges the configuration, not the environment).
        if !self.options.validate
            && !no_instances
            && !settings.region.is_empty()
            && !self.provider_reported.contains(&settings.address())
        {
            if let Some(near) = self.hooks.catalog().region_problem(&settings.region) {
                self.provider_reported.insert(settings.address());
                let d = unknown_region(&settings.region, &near);
                self.diags.push(match region_at {
                    Some(at) => d.at(at),
                    None => d
                        .at(block.unwrap_or(r.span))
                        .detail("the region comes from AWS_REGION (or AWS_DEFAULT_REGION)"),
                });
                return None;
            }
        }
        Some(settings)
    }

    /// A resource of a type strata does not implement: an error when it may have instances,
    /// a warning when it has none (an optional feature of a module switched off), so the
    /// configuration plans. Its value is then what Terraform's is: no instances.
    fn unsupported_type(&mut self, r: &Resource, scope: &mut Scope, dir: &std::path::Path) {
        let no_instances = if self.options.validate {
            self.known_no_instances(r, scope, dir)
        } else {
            match self.expansion(r.count.as_ref(), r.for_each.as_ref(), scope, dir) {
                Some(keys) => keys.is_empty(),
                None => {
                    insert_resource_value(scope, r, Value::Unknown);
                    return;
                }
            }
        };
        let kind = if r.mode == Mode::Managed {
            "resource"
        } else {
            "data source"
        };
        if no_instances {
            self.diags.push(
                Diagnostic::warning(format!("Unsupported {kind} type \"{}\" has no instances", r.type_))
                    .at(r.type_span)
                    .detail(format!(
                        "strata does not implement {}; this configuration makes none, so it is left out",
                        r.type_
                    ))
                    .help("it becomes an error if its count or for_each ever gives it an instance"),
            );
            let none = if r.count.is_some() {
                Value::List(Vec::new())
            } else {
                Value::Map(Map::new())
            };
            insert_resource_value(scope, r, none);
            return;
        }
        insert_resource_value(scope, r, Value::Unknown);
        if self.options.defer_unsupported_types {
            return;
        }
        let mut names = self.hooks.catalog().type_names(r.mode);
        names.sort_unstable();
        let mut d = Diagnostic::error(format!("Unsupported {kind} type \"{}\"", r.type_))
            .at(r.type_span)
            .detail(format!(
                "strata supports these {kind} types: {}",
                names.join(", ")
            ));
        if let Some(s) = did_you_mean(&r.type_, names.iter().copied()) {
            d = d.help(format!("did you mean \"{s}\"?"));
        } else {
            d = d.help(
                "remove this block or manage it with another tool; strata covers the AWS data tier",
            );
        }
        self.diags.push(d);
    }

    /// Whether count or for_each is known to make no instance, without reporting anything
    /// (the validate walk, where most values are unknown).
    fn known_no_instances(&self, r: &Resource, scope: &Scope, dir: &std::path::Path) -> bool {
        let value = |e: &Expr| eval_expr(scope, e, dir, &[]).ok();
        if let Some(count) = &r.count {
            return value(count).is_some_and(|v| {
                matches!(v.unmarked(), Value::Number(n) if *n == 0.0) || v.is_null()
            });
        }
        if let Some(for_each) = &r.for_each {
            return value(for_each).is_some_and(|v| match v.unmarked() {
                Value::Map(m) => m.is_empty(),
                Value::List(l) => l.is_empty(),
                _ => false,
            });
        }
        false
    }

    pub(super) fn check_depends_on(&mut self, expr: &Expr) {
        let ok = match &expr.expr {
            hcl_edit::expr::Expression::Traversal(_) => {
                crate::config::refs::static_path(&expr.expr).is_some()
            }
            _ => false,
        };
        if !ok {
            self.diags.push(
                Diagnostic::error("Invalid depends_on reference")
                    .at(expr.span())
                    .help("depends_on takes references to resources or modules, like aws_security_group.web or module.db"),
            );
        }
    }

    pub(super) fn resource(
        &mut self,
        r: &Resource,
        m: ModuleId,
        i: usize,
        scope: &mut Scope,
        deps: &BTreeSet<AbsResource>,
    ) {
        let module = self.g.modules[m].module;
        let path = self.insts[i].path.clone();
        for d in &r.depends_on {
            self.check_depends_on(d);
        }
        let abs = AbsResource {
            module: path.clone(),
            resource: ResourceAddr {
                mode: r.mode,
                type_: r.type_.clone(),
                name: r.name.clone(),
            },
        };
        let schema = self.hooks.catalog().schema(r.mode, &r.type_);
        let Some(schema) = schema else {
            self.unsupported_type(r, scope, &module.dir);
            return;
        };
        let Some(keys) = self.expansion(r.count.as_ref(), r.for_each.as_ref(), scope, &module.dir)
        else {
            insert_resource_value(scope, r, Value::Unknown);
            return;
        };
        let Some(settings) = self.provider_for(r, m, keys.is_empty()) else {
            insert_resource_value(scope, r, Value::Unknown);
            return;
        };
        self.resource_providers
            .insert(abs.clone(), settings.clone());
        let instance_keys: Vec<InstanceKey> = keys.iter().map(|(k, _)| k.clone()).collect();
        self.hooks.expanded(&abs, &instance_keys);
        let what = format!(
            "{} \"{}\"",
            if r.mode == Mode::Managed {
                "resource"
            } else {
                "data"
            },
            r.type_
        );
        let mut list = Vec::new();
        let mut map = Map::new();
        let mut single = Value::Unknown;
        for (key, bind) in keys {
            let mut diags = Diagnostics::default();
            let bound: Vec<(&str, &Value)> = bind
                .as_ref()
                .map(|(n, v)| vec![(n.as_str(), v)])
                .unwrap_or_default();
            let config = BodyEval {
                scope: &*scope,
                dir: &module.dir,
                what: &what,
            }
            .eval(&r.body, schema, &bound, &mut diags);
            let mut config = config;
            let here = self.instance_region(r, schema, &mut config, &settings, &mut diags);
            let failed = diags.has_errors();
            self.diags.extend(diags);
            let inst = InstanceConfig {
                addr: abs.instance(key.clone()),
                resource: r,
                config,
                deps: deps.clone(),
                provider: here.as_ref().unwrap_or(&settings),
                module_dir: &module.dir,
                validate_only: self.options.validate,
            };
            let value = if failed {
                schema.unknown_object()
            } else {
                let result = match r.mode {
                    Mode::Managed => self.hooks.managed(&inst),
                    Mode::Data => self.hooks.data(&inst),
                };
                match result {
                    Ok(v) => v,
                    Err(d) => {
                        self.diags.push(d);
                        schema.unknown_object()
                    }
                }
            };
            match key {
                InstanceKey::None => single = value,
                InstanceKey::Int(_) => list.push(value),
                InstanceKey::Str(k) => {
                    map.insert(k, value);
                }
            }
        }
        let expanded =
            (r.count.is_some() || r.for_each.is_some()) && instance_keys != [InstanceKey::None];
        let value = if !expanded && (r.count.is_some() || r.for_each.is_some()) {
            Value::Unknown
        } else if r.count.is_some() {
            Value::List(list)
        } else if r.for_each.is_some() {
            Value::Map(map)
        } else {
            single
        };
        insert_resource_value(scope, r, value);
    }
}

/// "Unknown AWS region", with the nearest names the provider knows.
fn unknown_region(region: &str, near: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(format!("Unknown AWS region \"{region}\""));
    if near.is_empty() {
        d.help("write an AWS region name, like eu-west-1 or us-east-1")
    } else {
        d.help(format!("did you mean {}?", near.join(" or ")))
    }
}
