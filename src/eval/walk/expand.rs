//! Instances: `count` and `for_each` into instance keys, module calls into module instances.

use super::{map_mut, Expanded, Scope, Slot, Walker};
use crate::addr::InstanceKey;
use crate::config::{Expr, ModuleCall};
use crate::diag::{did_you_mean, Diagnostic};
use crate::eval::body::eval_expr;
use crate::graph::config::ModuleId;
use crate::value::{Map, Value};
use std::path::Path;

impl Walker<'_, '_> {
    /// Expands a module call of instance `i` into instances of the called module. Their
    /// blocks are walked as the graph reaches them; `module.NAME` gets one placeholder per
    /// instance for the outputs to fill.
    pub(super) fn module_call(
        &mut self,
        call: &ModuleCall,
        m: ModuleId,
        i: usize,
        scope: &mut Scope,
    ) {
        let child_module = self.g.modules[m].children[&call.name];
        let child = &call.module;
        // Inputs the child does not declare, and required ones that are missing.
        for (name, attr) in &call.inputs {
            if !child.variables.contains_key(name) {
                let mut d = Diagnostic::error(format!("Unsupported argument \"{name}\""))
                    .at(attr.name_span)
                    .detail(format!(
                        "module \"{}\" has no variable named \"{name}\"",
                        call.name
                    ));
                d = match did_you_mean(name, child.variables.keys().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help(format!("declare variable \"{name}\" in {}", call.source)),
                };
                self.diags.push(d);
            }
        }
        for (name, var) in &child.variables {
            if var.default.is_none() && !call.inputs.contains_key(name) {
                self.diags.push(
                    Diagnostic::error(format!("Missing required argument \"{name}\""))
                        .at(call.span)
                        .detail(format!(
                            "module \"{}\" needs a value for variable \"{name}\"",
                            call.name
                        ))
                        .help(format!("add {name} = ... to the module block")),
                );
            }
        }
        for d in &call.depends_on {
            self.check_depends_on(d);
        }
        let dir = &self.g.modules[m].module.dir;
        let Some(keys) = self.expansion(call.count.as_ref(), call.for_each.as_ref(), scope, dir)
        else {
            map_mut(&mut scope.roots, "module").insert(call.name.clone(), Value::Unknown);
            return;
        };
        let outputs = Value::Map(
            child
                .outputs
                .keys()
                .map(|k| (k.clone(), Value::Unknown))
                .collect(),
        );
        let repeated = call.count.is_some() || call.for_each.is_some();
        // validate: one instance stands for all of them, and the caller sees an unknown.
        let hidden = repeated && matches!(keys.as_slice(), [(InstanceKey::None, _)]);
        let mut list = Vec::new();
        let mut map = Map::new();
        for (key, bind) in keys {
            let slot = match &key {
                _ if hidden => Slot::Hidden,
                InstanceKey::None => Slot::Single,
                InstanceKey::Int(_) => {
                    list.push(outputs.clone());
                    Slot::Index(list.len() - 1)
                }
                InstanceKey::Str(k) => {
                    map.insert(k.clone(), outputs.clone());
                    Slot::Key(k.clone())
                }
            };
            let path = self.insts[i].path.child(&call.name, key);
            self.new_instance(child_module, path, Some(i), bind, slot);
        }
        let value = if hidden {
            Value::Unknown
        } else if call.count.is_some() {
            Value::List(list)
        } else if call.for_each.is_some() {
            Value::Map(map)
        } else {
            outputs
        };
        map_mut(&mut scope.roots, "module").insert(call.name.clone(), value);
    }

    /// Evaluates count / for_each into instance keys with their `count`/`each` bindings;
    /// `None` when there are none to give: an error was reported, or (plan's first pass) the
    /// value waits on a data source, and the resource or module is then unknown as a whole.
    #[allow(clippy::type_complexity)]
    pub(super) fn expansion(
        &mut self,
        count: Option<&Expr>,
        for_each: Option<&Expr>,
        scope: &Scope,
        dir: &Path,
    ) -> Option<Vec<Expanded>> {
        if let Some(count) = count {
            let v = match eval_expr(scope, count, dir, &[]) {
                Ok(v) => v,
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            };
            if !v.is_known() && self.options.defer_unknown_expansion {
                return None;
            }
            if self.options.validate || (!v.is_known() && self.options.missing_vars_unknown) {
                if let Value::Number(n) = v.unmarked() {
                    if n.fract() != 0.0 || *n < 0.0 {
                        self.diags.push(invalid(
                            "count",
                            count,
                            format!("count must be a whole number, got {}", v.unmarked()),
                            "give count a non-negative whole number",
                        ));
                    }
                }
                // validate: check the body once for an unknown number of instances.
                let bind = Value::Map(Map::from([("index".to_string(), Value::Unknown)]));
                return Some(vec![(InstanceKey::None, Some(("count".to_string(), bind)))]);
            }
            if !v.is_known() {
                self.diags.push(
                    invalid("count", count, "the count value depends on values known only after apply", "base count on variables or locals, not on attributes of resources yet to be created"),
                );
                return None;
            }
            let n = match v.unmarked() {
                Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= 100_000.0 => *n as i64,
                Value::Null => 0,
                other => {
                    self.diags.push(invalid(
                        "count",
                        count,
                        format!("count must be a whole number between 0 and 100000, got {other}"),
                        "give count a non-negative whole number",
                    ));
                    return None;
                }
            };
            return Some(
                (0..n)
                    .map(|i| {
                        let bind =
                            Value::Map(Map::from([("index".to_string(), Value::Number(i as f64))]));
                        (InstanceKey::Int(i), Some(("count".to_string(), bind)))
                    })
                    .collect(),
            );
        }
        if let Some(for_each) = for_each {
            // A tuple (`["a", "b"]`, `[for ...]`) is not a set: Terraform rejects it, and
            // silently deduplicating it would hide a mistake. Values do not record whether a
            // list is a set, so catch the literal forms here.
            let tuple = match &for_each.expr {
                hcl_edit::expr::Expression::Array(_) => true,
                hcl_edit::expr::Expression::ForExpr(f) => f.key_expr.is_none(),
                _ => false,
            };
            if tuple {
                self.diags.push(invalid(
                    "for_each",
                    for_each,
                    "for_each needs a map or a set of strings, and this is a tuple",
                    "convert it with toset([...]), or build a map with { for ... : k => v }",
                ));
                return None;
            }
            let v = match eval_expr(scope, for_each, dir, &[]) {
                Ok(v) => v,
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            };
            if v.is_sensitive() {
                self.diags.push(
                    invalid("for_each", for_each, "sensitive values cannot be used as for_each arguments: the instance keys would reveal them", "use nonsensitive() on keys you know are safe, or iterate over non-sensitive keys"),
                );
                return None;
            }
            if !v.is_wholly_known() && self.options.defer_unknown_expansion {
                return None;
            }
            if self.options.validate || (!v.is_wholly_known() && self.options.missing_vars_unknown)
            {
                let bind = Value::Map(Map::from([
                    ("key".to_string(), Value::Unknown),
                    ("value".to_string(), Value::Unknown),
                ]));
                return Some(vec![(InstanceKey::None, Some(("each".to_string(), bind)))]);
            }
            let pairs = match for_each_pairs(v) {
                Ok(pairs) => pairs,
                Err((detail, help)) => {
                    self.diags.push(invalid("for_each", for_each, detail, help));
                    return None;
                }
            };
            return Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let bind = Value::Map(Map::from([
                            ("key".to_string(), Value::String(k.clone())),
                            ("value".to_string(), v),
                        ]));
                        (InstanceKey::Str(k), Some(("each".to_string(), bind)))
                    })
                    .collect(),
            );
        }
        Some(vec![(InstanceKey::None, None)])
    }
}

/// Terraform's "Invalid count argument" / "Invalid for_each argument", at the argument.
fn invalid(argument: &str, at: &Expr, detail: impl Into<String>, help: &str) -> Diagnostic {
    Diagnostic::error(format!("Invalid {argument} argument"))
        .at(at.span())
        .detail(detail)
        .help(help)
}

/// The instances a for_each value makes, by key; or why it makes none (detail, help).
fn for_each_pairs(v: Value) -> Result<Vec<(String, Value)>, (String, &'static str)> {
    const SET_HELP: &str = "use a map, or a set of strings (toset([...]))";
    match v {
        Value::Unknown => Err((
            "the for_each value depends on values known only after apply".into(),
            "base for_each on variables or locals whose keys are known at plan time",
        )),
        Value::Map(map) => Ok(map.into_iter().collect()),
        Value::List(items) => {
            let mut out = Vec::new();
            for item in items {
                match item.unmarked() {
                    Value::String(s) => out.push((s.clone(), item.clone())),
                    Value::Unknown => {
                        return Err((
                            "the set contains values known only after apply".into(),
                            "for_each keys must be known at plan time",
                        ))
                    }
                    other => {
                        return Err((
                            format!(
                                "a set of strings is required, but an element is {}",
                                other.type_name()
                            ),
                            SET_HELP,
                        ))
                    }
                }
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out.dedup_by(|a, b| a.0 == b.0);
            Ok(out)
        }
        Value::Null => Err((
            "for_each is null".into(),
            "give for_each a map or a set of strings (an empty one for no instances)",
        )),
        other => Err((
            format!(
                "a map or a set of strings is required, got {}",
                other.type_name()
            ),
            SET_HELP,
        )),
    }
}
