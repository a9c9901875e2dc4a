//! Root variable values from every source, in Terraform's precedence (later wins):
//! environment (`TF_VAR_name`, then `STRATA_VAR_name`), `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars[.json]` in lexical order, then `--var` and
//! `--var-file` in the order given on the command line.

use crate::config::load_tfvars_file;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::eval::walk::RawInput;
use std::collections::BTreeMap;
use std::path::Path;

/// One `--var` or `--var-file`, in command-line order.
#[derive(Clone, Debug)]
pub enum VarArg {
    Var(String),
    File(String),
}

pub fn collect(
    dir: &Path,
    args: &[VarArg],
    sources: &SourceMap,
    declared: &[String],
    diags: &mut Diagnostics,
) -> BTreeMap<String, RawInput> {
    let mut out = BTreeMap::new();
    for prefix in ["TF_VAR_", "STRATA_VAR_"] {
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|n| (n.to_string(), v)))
            .collect();
        env.sort();
        for (name, text) in env {
            if declared.contains(&name) {
                out.insert(
                    name.clone(),
                    RawInput::Text {
                        text,
                        source: format!("the environment variable {prefix}{name}"),
                    },
                );
            }
        }
    }
    let mut files = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = dir.join(name);
        if p.is_file() {
            files.push(p);
        }
    }
    let mut auto: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    files.extend(auto);
    for f in files {
        load_file(&f, dir, sources, declared, &mut out, diags, false);
    }
    for arg in args {
        match arg {
            VarArg::Var(kv) => {
                let Some((name, text)) = kv.split_once('=') else {
                    diags.push(
                        Diagnostic::error(format!("Invalid --var \"{kv}\""))
                            .help("write --var NAME=VALUE"),
                    );
                    continue;
                };
                let name = name.trim();
                if !declared.iter().any(|d| d == name) {
                    let mut d =
                        Diagnostic::error(format!("Value for undeclared variable \"{name}\""))
                            .detail("--var sets a variable that no variable block declares");
                    d = match crate::diag::did_you_mean(name, declared.iter().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean \"{s}\"?")),
                        None => d.help(format!("declare it with variable \"{name}\" {{}}")),
                    };
                    diags.push(d);
                    continue;
                }
                out.insert(
                    name.to_string(),
                    RawInput::Text {
                        text: text.to_string(),
                        source: format!("--var {name}=..."),
                    },
                );
            }
            VarArg::File(f) => {
                let p = Path::new(f);
                let p = if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    dir.join(p)
                };
                if !p.is_file() {
                    diags.push(
                        Diagnostic::error(format!("Variables file \"{f}\" does not exist"))
                            .help("check the path given to --var-file (relative to -C DIR)"),
                    );
                    continue;
                }
                load_file(&p, dir, sources, declared, &mut out, diags, true);
            }
        }
    }
    out
}

fn load_file(
    path: &Path,
    dir: &Path,
    sources: &SourceMap,
    declared: &[String],
    out: &mut BTreeMap<String, RawInput>,
    diags: &mut Diagnostics,
    explicit: bool,
) {
    let display = path
        .strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .to_string();
    for attr in load_tfvars_file(path, display.clone(), sources, diags) {
        if !declared.contains(&attr.name) {
            // Never used, perhaps a misspelt secret: its excerpt does not show the value.
            crate::redact::redact_expr(sources, &attr.expr);
            let d = if explicit {
                Diagnostic::error(format!("Value for undeclared variable \"{}\"", attr.name))
            } else {
                Diagnostic::warning(format!("Value for undeclared variable \"{}\"", attr.name))
            };
            let mut d = d.at(attr.name_span).detail(format!(
                "{display} sets a variable that no variable block declares"
            ));
            d = match crate::diag::did_you_mean(&attr.name, declared.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean \"{s}\"?")),
                None => d.help("remove it, or declare the variable"),
            };
            diags.push(d);
            continue;
        }
        out.insert(attr.name.clone(), RawInput::Expr(attr.expr));
    }
}
