//! The inputs a saved plan is made from: variable values kept with it, and the digest that
//! tells apply whether the configuration changed since.
#![allow(clippy::result_large_err)]

use crate::config::Config;
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

/// The inputs as saved in a plan file.
pub fn saved_inputs(options: &WalkOptions) -> BTreeMap<String, super::SavedInput> {
    options
        .inputs
        .iter()
        .map(|(k, raw)| {
            let v = match raw {
                walk::RawInput::Text { text, .. } => super::SavedInput::Text(text.clone()),
                walk::RawInput::Expr(e) => super::SavedInput::Hcl(e.expr.to_string()),
            };
            (k.clone(), v)
        })
        .collect()
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
