//! SARIF 2.1.0 output, in the shape GitHub code scanning accepts.

use super::{Finding, Report, Severity, RULES};
use crate::diag::SourceMap;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where a reader of a code-scanning alert learns about the tool.
pub const INFORMATION_URI: &str = "https://github.com/strata-tf/strata#strata-check";

/// The repository root of `dir`: the nearest ancestor with a `.git` entry.
pub fn repo_root(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// A source file's path relative to `root`, with forward slashes (SARIF `artifactLocation.uri`).
fn artifact_uri(path: &Path, display: &str, root: Option<&Path>) -> String {
    let rel = root.and_then(|root| {
        let abs = std::fs::canonicalize(path).ok()?;
        abs.strip_prefix(root).ok().map(Path::to_path_buf)
    });
    let text = match rel {
        Some(r) => r.to_string_lossy().to_string(),
        None => display.to_string(),
    };
    text.replace('\\', "/")
        .split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn result(f: &Finding, sources: &SourceMap, root: Option<&Path>) -> Value {
    let index = RULES.iter().position(|r| r.id == f.rule).unwrap_or(0);
    let mut r = json!({
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": {"text": format!("{}: {}", f.address, f.message)},
    });
    if let (Some(span), Some((loc, end_line, end_column))) = (f.span, f.range(sources)) {
        let path = sources
            .get(span.file)
            .map(|file| artifact_uri(&file.path, &file.display, root));
        let (end_line, end_column) = if end_line > loc.line || end_column > loc.column {
            (end_line, end_column)
        } else {
            (loc.line, loc.column + 1)
        };
        r["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": {"uri": path.unwrap_or(loc.file)},
                "region": {
                    "startLine": loc.line,
                    "startColumn": loc.column,
                    "endLine": end_line,
                    "endColumn": end_column,
                },
            },
            "logicalLocations": [{"fullyQualifiedName": f.address, "kind": "resource"}],
        }]);
        r["partialFingerprints"] = json!({
            "strataFinding/v1": format!("{}:{}:{}", f.rule, f.address, path_key(&r)),
        });
    }
    if let Some(reason) = &f.waived {
        r["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
    }
    r
}

fn path_key(r: &Value) -> String {
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The whole SARIF log for a report; `root` is the repository root paths are relative to.
pub fn to_sarif(report: &Report, root: Option<&Path>) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.short},
                "fullDescription": {"text": r.full},
                "help": {"text": r.help, "markdown": format!("**{}**: {}", r.id, r.help)},
                "helpUri": INFORMATION_URI,
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {
                    "tags": r.tags,
                    "problem.severity": level(r.severity),
                    "security-severity": if r.severity == Severity::Error && r.tags.contains(&"security") { "8.0" } else { "4.0" },
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, &report.sources, root))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "strata",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}
