//! `import` blocks evaluated into concrete targets: an instance address and the id of the
//! object to adopt there.
#![allow(clippy::result_large_err)]

use crate::addr::{InstanceAddr, InstanceKey, ModuleInstance, ResourceAddr};
use crate::config::{Config, Expr, Import, Mode};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::eval::body::eval_expr;
use crate::value::{Map, Value};
use hcl_edit::expr::{Expression, TraversalOperator};

/// One object to adopt.
#[derive(Clone, Debug)]
pub struct ImportTarget {
    pub addr: InstanceAddr,
    pub id: String,
    /// The import block (for diagnostics).
    pub span: Span,
    /// `provider = aws.ALIAS` on the import block.
    pub provider_alias: Option<Option<String>>,
}

/// Evaluates the root module's import blocks against the root scope (variables, locals).
pub fn evaluate(config: &Config, scope: &Map, diags: &mut Diagnostics) -> Vec<ImportTarget> {
    let mut out: Vec<ImportTarget> = Vec::new();
    let dir = config.root.dir.clone();
    for imp in &config.root.imports {
        for each in for_each_pairs(imp, scope, &dir, diags) {
            let bound: Vec<(&str, &Value)> = match &each {
                Some(v) => vec![("each", v)],
                None => vec![],
            };
            let addr = match target_addr(&imp.to, scope, &dir, &bound) {
                Ok(a) => a,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let id = match eval_expr(scope, &imp.id, &dir, &bound) {
                Ok(v) => match v.unmarked() {
                    Value::String(s) if !s.is_empty() => s.clone(),
                    Value::Number(_) | Value::Bool(_) => {
                        v.unmarked().to_template_string().unwrap_or_default()
                    }
                    Value::Unknown => {
                        diags.push(
                            Diagnostic::error("Invalid import id")
                                .at(imp.id.span())
                                .detail("the id depends on values known only after apply")
                                .help("import ids must be known at plan time: use literals, variables or locals"),
                        );
                        continue;
                    }
                    other => {
                        diags.push(
                            Diagnostic::error("Invalid import id")
                                .at(imp.id.span())
                                .detail(format!(
                                    "a non-empty string is required, got {}",
                                    other.type_name()
                                ))
                                .help("write the object's id, e.g. id = \"sg-0123456789abcdef0\""),
                        );
                        continue;
                    }
                },
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            if addr.resource.mode != Mode::Managed {
                diags.push(
                    Diagnostic::error("Invalid import address")
                        .at(imp.to.span())
                        .detail("only managed resources can be imported, not data sources")
                        .help("point `to` at a resource block"),
                );
                continue;
            }
            if crate::provider::resource_type(&addr.resource.type_).is_none() {
                diags.push(
                    Diagnostic::error(format!(
                        "Resource type {} cannot be imported",
                        addr.resource.type_
                    ))
                    .at(imp.to.span())
                    .detail("strata does not support this resource type")
                    .help("run `strata schema` for the supported types"),
                );
                continue;
            }
            if let Some(prev) = out.iter().find(|t| t.addr == addr) {
                diags.push(
                    Diagnostic::error(format!("Duplicate import target {addr}"))
                        .at(imp.span)
                        .detail(format!(
                            "another import block also imports into {addr} (id \"{}\")",
                            prev.id
                        ))
                        .help("each address can receive one object"),
                );
                continue;
            }
            out.push(ImportTarget {
                addr,
                id,
                span: imp.span,
                provider_alias: imp.provider.as_ref().map(|p| p.alias.clone()),
            });
        }
    }
    out
}

fn for_each_pairs(
    imp: &Import,
    scope: &Map,
    dir: &std::path::Path,
    diags: &mut Diagnostics,
) -> Vec<Option<Value>> {
    let Some(fe) = &imp.for_each else {
        return vec![None];
    };
    let bad = |detail: String| {
        Diagnostic::error("Invalid for_each argument")
            .at(fe.span())
            .detail(detail)
            .help("give the import block's for_each a map or a set of strings known at plan time")
    };
    let v = match eval_expr(scope, fe, dir, &[]) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return vec![];
        }
    };
    let pairs: Vec<(String, Value)> = match v.unmarked().clone() {
        Value::Map(m) => m.into_iter().collect(),
        Value::List(items) => {
            let mut out = Vec::new();
            for item in items {
                match item.unmarked() {
                    Value::String(s) => out.push((s.clone(), item.clone())),
                    other => {
                        diags.push(bad(format!(
                            "a set of strings is required, but an element is {}",
                            other.type_name()
                        )));
                        return vec![];
                    }
                }
            }
            out
        }
        Value::Unknown => {
            diags.push(bad(
                "the for_each value depends on values known only after apply".into(),
            ));
            return vec![];
        }
        other => {
            diags.push(bad(format!(
                "a map or a set of strings is required, got {}",
                other.type_name()
            )));
            return vec![];
        }
    };
    pairs
        .into_iter()
        .map(|(k, v)| {
            Some(Value::Map(Map::from([
                ("key".to_string(), Value::String(k)),
                ("value".to_string(), v),
            ])))
        })
        .collect()
}

/// `aws_db_instance.main`, `aws_security_group.sg["web"]`, `module.db.aws_db_instance.main`,
/// with index expressions evaluated (`each.key`).
pub fn target_addr(
    to: &Expr,
    scope: &Map,
    dir: &std::path::Path,
    bound: &[(&str, &Value)],
) -> Result<InstanceAddr, Diagnostic> {
    let invalid = |detail: &str| {
        Diagnostic::error("Invalid import address")
            .at(to.span())
            .detail(detail.to_string())
            .help("write a resource instance address, e.g. to = aws_db_instance.main or aws_security_group.sg[\"web\"]")
    };
    // Segments: (name, key) — names from attribute steps, keys from index steps.
    let mut segs: Vec<(String, InstanceKey)> = Vec::new();
    let (root, ops) = match &to.expr {
        Expression::Traversal(t) => (&t.expr, t.operators.as_slice()),
        other => (other, &[][..]),
    };
    match root {
        Expression::Variable(v) => segs.push((v.as_str().to_string(), InstanceKey::None)),
        _ => {
            return Err(invalid(
                "the address must start with a resource type or `module`",
            ))
        }
    }
    for op in ops {
        match op.value() {
            TraversalOperator::GetAttr(id) => {
                segs.push((id.as_str().to_string(), InstanceKey::None))
            }
            TraversalOperator::Index(e) => {
                let expr = Expr {
                    file: to.file,
                    expr: e.clone(),
                };
                let v = eval_expr(scope, &expr, dir, bound)?;
                let key =
                    match v.unmarked() {
                        Value::String(s) => InstanceKey::Str(s.clone()),
                        Value::Number(n) if n.fract() == 0.0 => InstanceKey::Int(*n as i64),
                        _ => return Err(invalid(
                            "an instance key must be a string or a whole number known at plan time",
                        )),
                    };
                match segs.last_mut() {
                    Some(last) if last.1 == InstanceKey::None => last.1 = key,
                    _ => return Err(invalid("an index must follow a name")),
                }
            }
            TraversalOperator::LegacyIndex(n) => match segs.last_mut() {
                Some(last) if last.1 == InstanceKey::None => {
                    last.1 = InstanceKey::Int(*n.value() as i64)
                }
                _ => return Err(invalid("an index must follow a name")),
            },
            _ => return Err(invalid("splat expressions are not addresses")),
        }
    }
    let mut module = ModuleInstance::root();
    let mut rest = segs.as_slice();
    while rest.len() > 2 && rest[0].0 == "module" && rest[0].1 == InstanceKey::None {
        module = module.child(&rest[1].0, rest[1].1.clone());
        rest = &rest[2..];
    }
    let (mode, rest) = if rest.first().is_some_and(|s| s.0 == "data") {
        (Mode::Data, &rest[1..])
    } else {
        (Mode::Managed, rest)
    };
    match rest {
        [(type_, InstanceKey::None), (name, key)] => Ok(InstanceAddr {
            module,
            resource: ResourceAddr {
                mode,
                type_: type_.clone(),
                name: name.clone(),
            },
            key: key.clone(),
        }),
        _ => Err(invalid(
            "expected TYPE.NAME, optionally with an instance key and module path",
        )),
    }
}
