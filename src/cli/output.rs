//! `strata output`: the root module's outputs from the state.

use super::backend::backend;
use super::common::print_state_outputs;
use super::common::state_failure;
use super::{CmdResult, Env, Exit};
use crate::diag::Diagnostic;
use crate::state::State;
use crate::value::Value;

pub fn output(env: &Env, name: Option<&str>, json: bool, raw: bool) -> CmdResult {
    let workspace = super::common::current_workspace(env);
    let state = backend(env, &workspace)?
        .read()
        .map_err(state_failure)?
        .unwrap_or_else(State::new);
    match name {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                let mut d = Diagnostic::error(format!("Output \"{name}\" not found"));
                d = match crate::diag::did_you_mean(name, state.outputs.keys().map(String::as_str))
                {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => {
                        d.help("run `strata output` to list them; outputs exist after an apply")
                    }
                };
                return Err(d.into());
            };
            let v = Value::from_json(&o.value);
            if raw {
                match v.to_template_string() {
                    Some(s) => out!("{s}"),
                    None => {
                        return Err(Diagnostic::error(format!(
                            "Output \"{name}\" is not a string, number or bool"
                        ))
                        .help("use --json for collections")
                        .into())
                    }
                }
            } else if json {
                if o.sensitive {
                    return Err(Diagnostic::error(format!("Output \"{name}\" is sensitive"))
                        .help("use --raw to print it on purpose")
                        .into());
                }
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&o.value).unwrap_or_default()
                );
            } else if o.sensitive {
                outln!("<sensitive>");
            } else {
                outln!("{v}");
            }
        }
        None => {
            if json {
                let out: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| {
                        // Terraform's shape, with the type; a sensitive value is withheld
                        // (Terraform would print it): `strata output --raw NAME` prints one.
                        let mut j = serde_json::json!({
                            "sensitive": o.sensitive,
                            "type": type_json(&Value::from_json(&o.value)),
                        });
                        if !o.sensitive {
                            j["value"] = o.value.clone();
                        }
                        (k.clone(), j)
                    })
                    .collect();
                outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                print_state_outputs(&state);
            }
        }
    }
    Ok(Exit::Ok)
}

/// A value's type in Terraform's JSON type notation (`"string"`, `["list","string"]`,
/// `["object",{...}]`). The state keeps values, not declared types, so collections are
/// described by their structure, as Terraform types the result of a literal or `for`
/// expression: a list is a tuple, a map an object.
pub fn type_json(v: &Value) -> serde_json::Value {
    use serde_json::json;
    match v.unmarked() {
        Value::Null | Value::Unknown | Value::Sensitive(_) => json!("dynamic"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::List(items) => json!(["tuple", items.iter().map(type_json).collect::<Vec<_>>()]),
        Value::Map(m) => json!([
            "object",
            m.iter()
                .map(|(k, v)| (k.clone(), type_json(v)))
                .collect::<serde_json::Map<_, _>>()
        ]),
    }
}
