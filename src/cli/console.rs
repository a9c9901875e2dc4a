//! `strata console`: evaluates expressions, one per line from stdin, against the
//! configuration (variables, locals, module outputs) and the objects in the state, as
//! `terraform console` does. Sensitive values print as `(sensitive value)`; what the state does
//! not hold yet is `(known after apply)`.
#![allow(clippy::result_large_err)]

use super::backend::backend;
use super::common::{load, state_failure, walk_options};
use super::{CmdResult, Env, Exit, VarFlags};
use crate::diag::Diagnostic;
use crate::eval::body::eval_expr;
use crate::value::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

pub fn console(env: &Env, flags: &VarFlags) -> CmdResult {
    let (config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, flags, &mut diags);
    super::common::fail_on_errors(&diags, &config.sources)?;
    // Variables with no value stand for any value, as in `validate`.
    options.missing_vars_unknown = true;
    let state = backend(env, &options.workspace)?
        .read()
        .map_err(state_failure)?
        .unwrap_or_default();
    let objects: BTreeMap<_, _> = state
        .instances()
        .map(|(addr, rs, inst)| {
            let v = crate::plan::build::mark_object(
                &rs.type_,
                rs.mode,
                Value::from_json(&inst.attributes),
            );
            (addr, v)
        })
        .collect();
    let walked =
        crate::eval::walk::walk(&config, &options, &mut crate::apply::run::Known(&objects));
    let scope = walked.root_scope;
    let interactive = std::io::stdin().is_terminal();
    let mut line = String::new();
    let mut n = 0;
    loop {
        if interactive {
            eprint!("> ");
            let _ = std::io::stderr().flush();
        }
        line.clear();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if text == "exit" {
            break;
        }
        n += 1;
        let file = config.sources.add(
            std::path::Path::new("<console>"),
            format!("<console input {n}>"),
            text.to_string(),
        );
        let result = crate::config::parse_expression(text)
            .map_err(|e| {
                Diagnostic::error("Invalid expression")
                    .at(crate::diag::Span::new(file, 0..text.len()))
                    .detail(e)
            })
            .and_then(|expr| {
                let expr = crate::config::Expr { file, expr };
                eval_expr(&scope, &expr, &config.root.dir, &[])
            });
        match result {
            Ok(v) => outln!("{v}"),
            Err(d) => env.ui.print_diags(&d.into(), &config.sources),
        }
    }
    Ok(Exit::Ok)
}
