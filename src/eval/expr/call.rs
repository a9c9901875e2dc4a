//! Function calls: `try` and `can` (which need the unevaluated arguments), `...` expansion, and
//! the built-in functions' errors turned into diagnostics.

use super::{render_template_text, Evaluator, Result};
use crate::diag::Diagnostic;
use crate::eval::functions::{self, FuncContext, FuncError};
use crate::value::{Map, Value};
use hcl_edit::expr::Expression;

impl Evaluator<'_> {
    pub(super) fn func_call(&mut self, call: &hcl_edit::expr::FuncCall) -> Result<Value> {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            let ns: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
            return Err(self
                .err(
                    call,
                    format!("Unsupported function \"{}::{name}\"", ns.join("::")),
                )
                .help("provider-defined functions are not supported; use a built-in function"));
        }
        match name {
            "try" => return self.try_call(call),
            "can" => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let [arg] = args.as_slice() else {
                    return Err(self
                        .err(call, "can() takes exactly one argument")
                        .help("write can(EXPRESSION)"));
                };
                return Ok(match self.eval(arg) {
                    Ok(v) if !v.is_wholly_known() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            _ => {}
        }
        let mut args = Vec::with_capacity(call.args.len());
        let count = call.args.len();
        for (i, arg) in call.args.iter().enumerate() {
            let v = self.eval(arg)?;
            if i + 1 == count && call.args.expand_final() {
                let (v, m) = v.unmark();
                match v {
                    Value::List(items) => args.extend(items.into_iter().map(|x| x.mark_if(m))),
                    Value::Unknown => return Ok(Value::Unknown),
                    other => {
                        return Err(self
                            .err(arg, "Invalid expanding argument")
                            .detail(format!("`...` needs a list, got {}", other.type_name()))
                            .help("only a list can be expanded into arguments"))
                    }
                }
            } else {
                args.push(v);
            }
        }
        let base_dir = self.base_dir;
        let render = |text: &str, vars: &Map| -> std::result::Result<Value, String> {
            render_template_text(text, vars, base_dir)
        };
        let ctx = FuncContext {
            base_dir,
            render_template: &render,
        };
        functions::call(name, args, &ctx).map_err(|e| {
            let at = match &e {
                FuncError::Argument { index, .. } => call
                    .args
                    .get(*index)
                    .map(|a| self.span(a))
                    .unwrap_or(self.span(call)),
                _ => self.span(call),
            };
            let (summary, help) = match &e {
                FuncError::UnknownFunction { suggestion, .. } => (
                    format!("Call to unknown function \"{name}\""),
                    match suggestion {
                        Some(s) => format!("did you mean \"{s}\"?"),
                        None => {
                            "see `strata validate --help` for the list of built-in functions".into()
                        }
                    },
                ),
                FuncError::Arity { .. } => (
                    format!("Wrong number of arguments to {name}()"),
                    "check the function's signature in Terraform's documentation".into(),
                ),
                FuncError::Argument { .. } => (
                    format!("Invalid argument to {name}()"),
                    "fix the argument".into(),
                ),
                FuncError::Call(_) => (format!("Error in {name}()"), "fix the arguments".into()),
            };
            Diagnostic::error(summary)
                .at(at)
                .detail(e.to_string())
                .help(help)
        })
    }

    fn try_call(&mut self, call: &hcl_edit::expr::FuncCall) -> Result<Value> {
        let mut last = None;
        for arg in call.args.iter() {
            match self.eval(arg) {
                Ok(v) if !v.is_wholly_known() => return Ok(Value::Unknown),
                Ok(v) => return Ok(v),
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) => Diagnostic::error("No expression in try() succeeded")
                .at(self.span(call))
                .detail(format!("the last error was: {}", e.summary))
                .help("add a fallback value as the last argument"),
            None => self
                .err(call, "try() needs at least one argument")
                .help("write try(EXPR, FALLBACK)"),
        })
    }
}
