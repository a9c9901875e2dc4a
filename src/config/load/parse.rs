//! Reading and parsing one HCL file or expression, with the limits that keep hostile input
//! from exhausting memory or the stack.

use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure;
use std::path::Path;

/// Inputs larger than this are refused before parsing: no real config comes close.
const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// The parser recurses per nesting level; deeper input is refused instead of risking the stack.
const MAX_NESTING: usize = 128;

/// Reads and parses one file; `None` (with a diagnostic) when it cannot be read or parsed.
pub fn parse_file(
    path: &Path,
    display: String,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Option<(FileId, structure::Body)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("Cannot read {display}: {e}"))
                    .help("check the file exists and is readable"),
            );
            return None;
        }
    };
    if bytes.len() > MAX_FILE_BYTES {
        diags.push(
            Diagnostic::error(format!(
                "{display} is {} bytes, larger than the {} byte limit for a config file",
                bytes.len(),
                MAX_FILE_BYTES
            ))
            .help("split the configuration into several files"),
        );
        return None;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).to_string();
            let id = sources.add(path, display.clone(), valid);
            diags.push(
                Diagnostic::error("Invalid UTF-8 in configuration file")
                    .at(Span::new(id, offset..offset))
                    .detail(format!("byte {offset} is not valid UTF-8"))
                    .help("save the file as UTF-8"),
            );
            return None;
        }
    };
    let id = sources.add(path, display, text);
    let file = sources.get(id)?;
    match parse_text(&file.text, id) {
        Ok(body) => Some((id, body)),
        Err(d) => {
            diags.push(*d);
            None
        }
    }
}

/// Parses HCL body text, refusing pathological nesting before the recursive parser sees it.
pub fn parse_text(text: &str, file: FileId) -> Result<structure::Body, Box<Diagnostic>> {
    check_nesting(text, file)?;
    hcl_edit::parser::parse_body(text).map_err(|e| Box::new(parse_error(&e, text, file)))
}

fn check_nesting(text: &str, file: FileId) -> Result<(), Box<Diagnostic>> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' | '[' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Box::new(
                        Diagnostic::error("Configuration nested too deeply")
                            .at(Span::new(file, i..i + 1))
                            .detail(format!("more than {MAX_NESTING} levels of brackets"))
                            .help("flatten the expression; no real configuration needs this depth"),
                    ));
                }
            }
            '}' | ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn parse_error(e: &hcl_edit::parser::Error, text: &str, file: FileId) -> Diagnostic {
    let loc = e.location();
    // hcl-edit reports 1-based line and column; turn them into a byte offset for the span.
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == loc.line() {
            offset += line
                .char_indices()
                .nth(loc.column().saturating_sub(1))
                .map(|(b, _)| b)
                .unwrap_or(line.len());
            break;
        }
        offset += line.len();
    }
    let message = e.message().replace('\n', " ");
    Diagnostic::error("Invalid HCL syntax")
        .at(Span::new(file, offset..offset + 1))
        .detail(message)
        .help("fix the syntax at this position; `strata fmt` only works on valid files")
}

/// Parses one expression (a `--var` value, an environment variable).
pub fn parse_expression(text: &str) -> Result<Expression, String> {
    if text.len() > MAX_FILE_BYTES {
        return Err("value too large".into());
    }
    check_nesting(text, FileId(0)).map_err(|d| d.summary)?;
    hcl_edit::parser::parse_expr(text).map_err(|e| e.message().replace('\n', " "))
}
