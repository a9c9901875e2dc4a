//! Command implementations that need no AWS access: validate, fmt, graph, schema, completions.

use super::vars::{self, VarArg};
use super::{CheckFormat, CmdResult, Command, Env, Exit, Failure, GraphFormat, VarFlags};
use crate::config::install::{self, Event, InitOptions, PendingReason};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::eval::walk::{self, WalkOptions, WalkResult};
use crate::graph::InstanceGraph;

pub fn dispatch(env: &Env, command: Command) -> CmdResult {
    match command {
        Command::Init { upgrade } => init(env, upgrade),
        Command::Validate { json } => validate(env, json),
        Command::Check {
            format,
            strict,
            vars,
        } => check(env, format, strict, &vars),
        Command::Fmt {
            check,
            diff,
            recursive,
            paths,
        } => fmt(env, check, diff, recursive, paths),
        Command::Graph { format, plan, vars } => match plan {
            Some(p) => super::engine::graph_of_plan(env, &p, format),
            None => graph(env, format, &vars),
        },
        Command::Schema { type_, json } => schema(type_, json),
        Command::Plan { flags } => super::engine::plan(env, &flags),
        Command::Apply { flags } => super::engine::apply(env, &flags, false),
        Command::Destroy { flags } => super::engine::apply(env, &flags, true),
        Command::Show {
            planfile,
            json,
            markdown,
        } => super::engine::show(env, planfile.as_deref(), json, markdown),
        Command::Output { name, json, raw } => {
            super::engine::output(env, name.as_deref(), json, raw)
        }
        Command::Import { addr, id, vars } => super::engine::import(env, &addr, &id, &vars),
        Command::Discover { region, types, out } => {
            super::adopt::discover(env, &region, &types, out.as_deref())
        }
        Command::State { command } => super::engine::state_cmd(env, &command),
        Command::ForceUnlock { id } => super::engine::force_unlock(env, &id),
        Command::Workspace { command } => super::engine::workspace(env, &command),
        Command::Completions { shell } => {
            let mut cmd = <super::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "strata", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
    }
}

/// Loads the configuration, failing with every load diagnostic. Remote modules that are not
/// installed (or whose source or version changed) are installed first, with a note.
pub fn load(env: &Env) -> Result<(Config, Diagnostics), Failure> {
    let (config, diags, sources) = load_installing(env);
    match config {
        Some(c) if !diags.has_errors() => Ok((c, diags)),
        _ => Err(Failure { diags, sources }),
    }
}

/// The configuration for commands that read only the root module's settings (state, output,
/// show): nothing is installed, and a remote module that is not installed is left out.
pub fn load_root_settings(env: &Env) -> Result<(Config, Diagnostics), Failure> {
    let sources = redacting_sources();
    let installed =
        install::Installed::read(&env.dir).unwrap_or_else(|_| install::Installed::empty(&env.dir));
    let loaded = crate::config::load_with(&env.dir, &sources, &installed);
    if let Some(c) = &loaded.config {
        crate::redact::register(c);
    }
    match loaded.config {
        Some(c) if !loaded.diags.has_errors() => Ok((c, loaded.diags)),
        _ => Err(Failure {
            diags: loaded.diags,
            sources,
        }),
    }
}

/// A source map that keeps sensitive arguments' literals out of every excerpt (`redact`),
/// registered by name before anything is parsed.
fn redacting_sources() -> SourceMap {
    let sources = SourceMap::default();
    crate::redact::register_names(&sources);
    sources
}

/// The configuration as loaded, installing missing modules as `strata init` would, with
/// every sensitive literal registered so that no excerpt shows it (`redact`).
fn load_installing(env: &Env) -> (Option<Config>, Diagnostics, SourceMap) {
    let outcome = install::load_or_install(&env.dir, &redacting_sources, &mut |pending| {
        let what: Vec<String> = pending
            .iter()
            .map(|p| {
                let why = match p.reason {
                    PendingReason::NotInstalled => "not installed",
                    PendingReason::SourceChanged { .. } => "source changed",
                    PendingReason::VersionChanged { .. } => "version constraint changed",
                };
                format!("{} ({why})", p.key)
            })
            .collect();
        // stderr: stdout may be JSON a script reads.
        eprintln!(
            "Note: installing modules first, as `strata init` does: {}",
            what.join(", ")
        );
    });
    if let Some(c) = &outcome.config {
        crate::redact::register(c);
    }
    (outcome.config, outcome.diags, outcome.sources)
}

/// `strata init [--upgrade]`.
fn init(env: &Env, upgrade: bool) -> CmdResult {
    println!("Initializing modules...");
    let outcome = install::init(
        &env.dir,
        InitOptions { upgrade },
        &redacting_sources,
        &mut |event| match event {
            Event::Downloading {
                key,
                source,
                version,
            } => match version {
                Some(v) => println!("Downloading {source} {v} for {key}..."),
                None => println!("Downloading {source} for {key}..."),
            },
            Event::Installed { key, dir } => println!("- {key} in {dir}"),
        },
    );
    if outcome.diags.has_errors() || outcome.config.is_none() {
        return Err(Failure {
            diags: outcome.diags,
            sources: outcome.sources,
        });
    }
    env.ui.print_diags(&outcome.diags, &outcome.sources);
    println!();
    println!("strata has been successfully initialized!");
    Ok(Exit::Ok)
}

pub fn var_args(flags: &VarFlags) -> Vec<VarArg> {
    // clap keeps each flag's values in order but not the interleaving of --var and --var-file;
    // recover it from the raw arguments so later flags win as in Terraform.
    let mut out = Vec::new();
    let mut vars = flags.vars.iter();
    let mut files = flags.var_files.iter();
    let raw: Vec<String> = std::env::args().collect();
    let mut i = 0;
    while i < raw.len() {
        let a = &raw[i];
        if a == "--var" || a.starts_with("--var=") {
            if let Some(v) = vars.next() {
                out.push(VarArg::Var(v.clone()));
            }
        } else if a == "--var-file" || a.starts_with("--var-file=") {
            if let Some(f) = files.next() {
                out.push(VarArg::File(f.clone()));
            }
        }
        i += 1;
    }
    out.extend(vars.map(|v| VarArg::Var(v.clone())));
    out.extend(files.map(|f| VarArg::File(f.clone())));
    out
}

pub fn walk_options(
    env: &Env,
    config: &Config,
    flags: &VarFlags,
    diags: &mut Diagnostics,
) -> WalkOptions {
    let declared: Vec<String> = config.root.variables.keys().cloned().collect();
    let inputs = vars::collect(
        &env.dir,
        &var_args(flags),
        &config.sources,
        &declared,
        diags,
    );
    // A secret variable's value in a .tfvars file is a sensitive literal too.
    let secret = crate::redact::sensitive_root_variables(config);
    for (name, raw) in &inputs {
        if let (true, walk::RawInput::Expr(e)) = (secret.contains(name), raw) {
            crate::redact::redact_expr(&config.sources, e);
        }
    }
    WalkOptions {
        workspace: crate::cli::commands::current_workspace(env),
        inputs,
        missing_vars_unknown: false,
        validate: false,
        defer_unsupported_types: false,
        cwd: env.cwd(),
    }
}

pub fn current_workspace(env: &Env) -> String {
    if let Ok(ws) = std::env::var("STRATA_WORKSPACE").or_else(|_| std::env::var("TF_WORKSPACE")) {
        return ws;
    }
    std::fs::read_to_string(env.dir.join(".strata").join("environment"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}

pub use crate::plan::build::ConfigOnly;

fn validate_walk(env: &Env) -> Result<(Config, WalkResult, ConfigOnly, Diagnostics), Failure> {
    let (config, mut diags, sources) = load_installing(env);
    let Some(config) = config else {
        return Err(Failure { diags, sources });
    };
    let options = WalkOptions {
        workspace: current_workspace(env),
        missing_vars_unknown: true,
        validate: true,
        cwd: env.cwd(),
        ..WalkOptions::default()
    };
    let mut hooks = ConfigOnly::default();
    let result = walk::walk(&config, &options, &mut hooks);
    diags.extend(result.diags.clone());
    diags.extend(std::mem::take(&mut hooks.diags));
    let mut mixed = Vec::new();
    crate::graph::mixed_rule_diagnostics(&config.root, &mut mixed);
    diags.0.extend(mixed);
    Ok((config, result, hooks, diags))
}

fn validate(env: &Env, json: bool) -> CmdResult {
    let (sources, diags) = match validate_walk(env) {
        Ok((config, _, _, diags)) => (config.sources, diags),
        Err(f) => (f.sources, f.diags),
    };
    let errors = diags.0.iter().filter(|d| d.is_error()).count();
    let warnings = diags.0.len() - errors;
    if json {
        let out = serde_json::json!({
            "format_version": "1.0",
            "valid": errors == 0,
            "error_count": errors,
            "warning_count": warnings,
            "diagnostics": diags.0.iter().map(|d| d.to_json(&sources)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(if errors == 0 { Exit::Ok } else { Exit::Error });
    }
    env.ui.print_diags(&diags, &sources);
    if errors > 0 {
        eprintln!(
            "strata validate: {errors} error{}, {warnings} warning{}.",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
        return Ok(Exit::Error);
    }
    println!("Success! The configuration is valid.");
    Ok(Exit::Ok)
}

fn check(env: &Env, format: CheckFormat, strict: bool, flags: &VarFlags) -> CmdResult {
    let (config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, flags, &mut diags);
    // Variables without a value are unknown: a check needs no secrets.
    options.missing_vars_unknown = true;
    let mut report = crate::check::check_config(&config, &options);
    diags.extend(std::mem::take(&mut report.diags));
    if diags.has_errors() {
        return Err(Failure {
            diags,
            sources: config.sources,
        });
    }
    env.ui.print_diags(&diags, &config.sources);
    match format {
        CheckFormat::Text => print!(
            "{}",
            crate::check::render_text(&report, strict, env.ui.color_out)
        ),
        CheckFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        ),
        CheckFormat::Sarif => {
            let root = crate::check::sarif::repo_root(&env.dir);
            let log = crate::check::sarif::to_sarif(&report, root.as_deref());
            println!("{}", serde_json::to_string_pretty(&log).unwrap_or_default());
        }
    }
    Ok(if report.fails(strict) {
        Exit::Error
    } else {
        Exit::Ok
    })
}

fn graph(env: &Env, format: GraphFormat, flags: &VarFlags) -> CmdResult {
    let (config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, flags, &mut diags);
    options.missing_vars_unknown = true;
    let mut hooks = ConfigOnly::default();
    let result = walk::walk(&config, &options, &mut hooks);
    diags.extend(result.diags);
    diags.extend(std::mem::take(&mut hooks.diags));
    if diags.has_errors() {
        return Err(Failure {
            diags,
            sources: config.sources,
        });
    }
    env.ui.print_diags(&diags, &config.sources);
    let g = InstanceGraph::build(hooks.instances.iter());
    match format {
        GraphFormat::Dot => print!("{}", g.to_dot()),
        GraphFormat::Mermaid => print!("{}", g.to_mermaid()),
    }
    Ok(Exit::Ok)
}

fn fmt(
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
                        print!("{}", crate::fmt::unified_diff(&display, &text, &formatted));
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
                        println!("{display}");
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

fn collect_tf_files(dir: &std::path::Path, recursive: bool, out: &mut Vec<std::path::PathBuf>) {
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

fn schema(type_: Option<String>, json: bool) -> CmdResult {
    let Some(name) = type_ else {
        if json {
            let out = serde_json::json!({
                "resources": crate::provider::resource_types().iter().map(|t| t.type_name()).collect::<Vec<_>>(),
                "data_sources": crate::provider::data_source_types().iter().map(|t| t.type_name()).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        } else {
            println!("Resource types:");
            for t in crate::provider::resource_types() {
                println!("  {}", t.type_name());
            }
            println!("Data sources:");
            for t in crate::provider::data_source_types() {
                println!("  {}", t.type_name());
            }
        }
        return Ok(Exit::Ok);
    };
    let schema = crate::provider::resource_type(&name)
        .map(|t| t.schema())
        .or_else(|| crate::provider::data_source_type(&name).map(|t| t.schema()));
    let Some(schema) = schema else {
        let names: Vec<&str> = crate::provider::resource_types()
            .iter()
            .map(|t| t.type_name())
            .chain(
                crate::provider::data_source_types()
                    .iter()
                    .map(|t| t.type_name()),
            )
            .collect();
        let mut d = Diagnostic::error(format!("Unknown type \"{name}\""))
            .detail(format!("supported types: {}", names.join(", ")));
        if let Some(s) = crate::diag::did_you_mean(&name, names.iter().copied()) {
            d = d.help(format!("did you mean \"{s}\"?"));
        } else {
            d = d.help("run `strata schema` for the list");
        }
        return Err(d.into());
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(schema).unwrap_or_default()
        );
    } else {
        print!("{}", crate::schema::render_text(&name, schema));
    }
    Ok(Exit::Ok)
}
