//! The layers of `src/` run one way (issue #16): each top-level module may use only modules of
//! lower layers, so the pipeline config → eval → plan → apply never reaches back and the low
//! layers (values, schemas, addresses) import nothing above them. An edge not allowed here is
//! a design change: change the table on purpose, with docs/ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first; a module may use any module of a lower layer.
const LAYERS: &[&[&str]] = &[
    &["value", "diag", "sdk_error"],
    &["schema", "addr"],
    &["config"],
    &["graph", "fmt"],
    &["eval"],
    &["state"],
    &["provider"],
    &["plan"],
    &["exec"],
    &["apply"],
    &["adopt", "check", "drill"],
    &["redact"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The source without comments and without inline test modules (`#[cfg(test)] mod ... {`).
fn code(text: &str) -> String {
    let cut = text
        .find("\n#[cfg(test)]\nmod ")
        .map_or(text, |i| &text[..i]);
    without_comments(cut)
}

/// The source with every `//` comment (doc comments too) blanked, lines kept.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

fn edges() -> BTreeMap<(String, String), BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let used = regex::Regex::new(r"crate::([a-z_]+)").unwrap();
    for path in rust_files(&src) {
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if rel.ends_with("tests.rs") || rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let from = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        for c in used.captures_iter(&code(&text)) {
            let to = c[1].to_string();
            if to != from {
                out.entry((from.clone(), to))
                    .or_default()
                    .insert(rel.clone());
            }
        }
    }
    out
}

#[test]
fn every_top_level_module_is_in_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(src).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs");
        if matches!(module, "lib" | "main") {
            continue;
        }
        assert!(
            layer_of(module).is_some(),
            "src/{name} is in no layer: add it to LAYERS in tests/it/layers.rs"
        );
    }
}

#[test]
fn layers_only_use_the_layers_below_them() {
    let mut wrong = Vec::new();
    for ((from, to), files) in edges() {
        let (Some(a), Some(b)) = (layer_of(&from), layer_of(&to)) else {
            continue;
        };
        if b >= a {
            wrong.push(format!(
                "{from} uses {to} ({})",
                files.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "edges against the layering:\n{}",
        wrong.join("\n")
    );
}

/// The engine reaches a provider only through the `provider::Provider` trait: nothing under
/// `plan/`, `apply/` or `adopt/` (their tests included) names the AWS implementation's run
/// (`Aws`) or the clients of one call (`Ctx`), so the engine runs on any provider, and its
/// scheduling and journal logic can be tested with a stand-in (`engine_fake.rs`).
#[test]
fn the_engine_never_names_the_aws_implementation() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let named = regex::Regex::new(r"\b(Aws|Ctx)\b").unwrap();
    let mut wrong = Vec::new();
    for layer in ["plan", "apply", "adopt"] {
        for path in rust_files(&src.join(layer)) {
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in without_comments(&text).lines().enumerate() {
                if named.is_match(line) {
                    let rel = path.strip_prefix(&src).unwrap().display().to_string();
                    wrong.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the engine names the AWS implementation; go through provider::Provider:\n{}",
        wrong.join("\n")
    );
}
