//! `strata fmt`: canonical formatting of `.tf` files.

use super::{CmdResult, Env, Exit, Failure};
use crate::diag::{Diagnostic, Diagnostics, SourceMap};

pub(super) fn fmt(
    env: &Env,
    check: bool,
    diff: bool,
    recursive: bool,
    paths: Vec<std::path::PathBuf>,
) -> CmdResult {
    let roots = if paths.is_empty() {
        vec![env.dir.clone()]
    } else {
        paths
            .into_iter()
            .map(|p| if p.is_absolute() { p } else { env.dir.join(p) })
            .collect()
    };
    let mut files = Vec::new();
    let mut diags = Diagnostics::default();
    for root in roots {
        if root.is_dir() {
            collect_tf_files(&root, recursive, &mut files);
        } else if root.is_file() {
            files.push(root);
        } else {
            diags.push(
                Diagnostic::error(format!("No such file or directory: {}", root.display()))
                    .help("pass existing .tf/.tfvars files or directories"),
            );
        }
    }
    let mut unformatted = 0;
    for file in files {
        let display = file
            .strip_prefix(&env.dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .to_string();
        let text = match std::fs::read(&file) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => {
                    diags.push(
                        Diagnostic::error(format!("{display} is not valid UTF-8"))
                            .help("save the file as UTF-8"),
                    );
                    continue;
                }
            },
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("Cannot read {display}: {e}"))
                        .help("check permissions"),
                );
                continue;
            }
        };
        match crate::fmt::format_source(&text) {
            Ok(formatted) => {
                if formatted != text {
                    unformatted += 1;
                    if diff {
                        out!("{}", crate::fmt::unified_diff(&display, &text, &formatted));
                    }
                    if !check {
                        if let Err(e) = std::fs::write(&file, &formatted) {
                            diags.push(
                                Diagnostic::error(format!("Cannot write {display}: {e}"))
                                    .help("check permissions"),
                            );
                            continue;
                        }
                    }
                    if !diff {
                        outln!("{display}");
                    }
                }
            }
            Err(e) => {
                let sources = SourceMap::default();
                crate::redact::register_names(&sources);
                let id = sources.add(&file, display.clone(), text);
                let offset = sources
                    .get(id)
                    .map(|f| f.offset_of(e.line, e.column))
                    .unwrap_or(0);
                let d = Diagnostic::error("Invalid HCL syntax")
                    .at(crate::diag::Span::new(id, offset..offset + 1))
                    .detail(e.message.replace('\n', " "))
                    .help("fix the syntax; strata fmt only rewrites valid files");
                env.ui.print_diags(&d.into(), &sources);
                diags.push(
                    Diagnostic::error(format!("{display} was not formatted"))
                        .help("fix the error above"),
                );
            }
        }
    }
    if diags.has_errors() {
        return Err(Failure {
            diags,
            sources: SourceMap::default(),
        });
    }
    if check && unformatted > 0 {
        return Ok(Exit::FmtCheck);
    }
    Ok(Exit::Ok)
}

pub(super) fn collect_tf_files(
    dir: &std::path::Path,
    recursive: bool,
    out: &mut Vec<std::path::PathBuf>,
) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if recursive && !name.starts_with('.') && name != "target" {
                collect_tf_files(&p, recursive, out);
            }
        } else if name.ends_with(".tf") || name.ends_with(".tfvars") {
            out.push(p);
        }
    }
}
