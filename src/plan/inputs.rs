//! The inputs a saved plan is made from: variable values kept with it, and the digest that
//! tells apply whether the configuration changed since.
#![allow(clippy::result_large_err)]

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::eval::walk::{self, WalkOptions};
use std::collections::BTreeMap;

/// Sha-256 over the configuration files and the variable values the plan is made from.
pub fn config_digest(config: &Config, inputs: &BTreeMap<String, super::SavedInput>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut i = 0u32;
    while let Some(f) = config.sources.get(crate::diag::FileId(i)) {
        // Only configuration files: values parsed from a saved plan are not part of it.
        if f.path.extension().is_some_and(|e| e == "tf") {
            files.push((f.display.clone(), f.text.clone()));
        }
        i += 1;
    }
    files.sort();
    for (name, text) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    let vars = serde_json::to_string(inputs).unwrap_or_default();
    h.update(vars.as_bytes());
    hex::encode(h.finalize())
}

/// The inputs as saved in a plan file: every root variable's but an ephemeral one's, whose
/// value is never stored (`apply_time_variables` names those given).
pub fn saved_inputs(config: &Config, options: &WalkOptions) -> BTreeMap<String, super::SavedInput> {
    options
        .inputs
        .iter()
        .filter(|(k, _)| !is_ephemeral(config, k))
        .map(|(k, raw)| (k.clone(), saved(raw)))
        .collect()
}

fn saved(raw: &walk::RawInput) -> super::SavedInput {
    match raw {
        walk::RawInput::Text { text, .. } => super::SavedInput::Text(text.clone()),
        walk::RawInput::Expr(e) => super::SavedInput::Hcl(e.expr.to_string()),
    }
}

pub fn is_ephemeral(config: &Config, variable: &str) -> bool {
    config
        .root
        .variables
        .get(variable)
        .is_some_and(|v| v.ephemeral)
}

/// The ephemeral root variables given to the plan: applying it needs them given again.
pub fn apply_time_variables(config: &Config, options: &WalkOptions) -> Vec<String> {
    options
        .inputs
        .keys()
        .filter(|k| is_ephemeral(config, k))
        .cloned()
        .collect()
}

/// The inputs to apply a saved plan with: the plan's own, and the ephemeral ones `given` now
/// (flags, environment, `.tfvars`), as Terraform 1.10: an ephemeral variable set for the plan
/// must be set again (to any value); any other given one must be what the plan was made with.
pub fn saved_plan_inputs(
    config: &Config,
    plan: &super::Plan,
    given: BTreeMap<String, walk::RawInput>,
) -> Result<BTreeMap<String, walk::RawInput>, Diagnostic> {
    let mut inputs = restore_inputs(&plan.inputs, &config.sources);
    for name in &plan.apply_time_variables {
        if !given.contains_key(name) {
            return Err(Diagnostic::error("No value for required variable")
                .detail(format!("variable \"{name}\" is ephemeral: it was set when the plan was made, and a saved plan never keeps its value, so it must be set again to apply it"))
                .help(format!("give it again: --var {name}=VALUE, TF_VAR_{name} or a .tfvars file (the value may differ from the plan's)")));
        }
    }
    for (name, raw) in given {
        if is_ephemeral(config, &name) {
            inputs.insert(name, raw);
        } else if plan.inputs.get(&name).is_some_and(|s| *s != saved(&raw)) {
            return Err(Diagnostic::error("Can't change variable when applying a saved plan")
                .detail(format!("The variable {name} cannot be set using the -var and -var-file options when applying a saved plan file, because a saved plan includes the variable values that were set when it was created. To declare an ephemeral variable which is not saved in the plan file, use ephemeral = true."))
                .help("make a new plan with the new value: `strata plan --out FILE`"));
        }
    }
    Ok(inputs)
}

/// Turns saved inputs back into walk inputs (applying a saved plan).
pub fn restore_inputs(
    saved: &BTreeMap<String, super::SavedInput>,
    sources: &crate::diag::SourceMap,
) -> BTreeMap<String, walk::RawInput> {
    saved
        .iter()
        .filter_map(|(k, v)| {
            let raw = match v {
                super::SavedInput::Text(t) => walk::RawInput::Text {
                    text: t.clone(),
                    source: "the saved plan".into(),
                },
                super::SavedInput::Hcl(src) => {
                    let expr = crate::config::parse_expression(src).ok()?;
                    let file = sources.add(
                        std::path::Path::new("<plan>"),
                        format!("<saved value of {k}>"),
                        src.clone(),
                    );
                    walk::RawInput::Expr(crate::config::Expr { file, expr })
                }
            };
            Some((k.clone(), raw))
        })
        .collect()
}
