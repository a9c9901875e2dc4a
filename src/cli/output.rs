//! `strata output`: the root module's outputs from the state.

use super::backend::backend;
use super::common::print_outputs;
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
                    Some(s) => print!("{s}"),
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
                println!(
                    "{}",
                    serde_json::to_string_pretty(&o.value).unwrap_or_default()
                );
            } else if o.sensitive {
                println!("<sensitive>");
            } else {
                println!("{v}");
            }
        }
        None => {
            if json {
                let out: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| {
                        let value = if o.sensitive {
                            serde_json::Value::Null
                        } else {
                            o.value.clone()
                        };
                        (
                            k.clone(),
                            serde_json::json!({"sensitive": o.sensitive, "value": value}),
                        )
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                let outs: Vec<(String, (Value, bool))> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), (Value::from_json(&o.value), o.sensitive)))
                    .collect();
                print_outputs(&outs);
            }
        }
    }
    Ok(Exit::Ok)
}
