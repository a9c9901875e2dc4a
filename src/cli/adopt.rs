//! Adopting existing infrastructure: `plan --generate-config-out`, `state
//! migrate-from-terraform`, `discover`.

use super::backend::backend;
use super::common::fail_on_errors;
use super::common::state_failure;
use super::common::{load_provider, runtime};
use super::{CmdResult, Env, Exit, Failure};
use crate::adopt::generate;
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::walk::WalkOptions;
use crate::provider::{Provider, ProviderSettings};
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet};

/// Writes resource blocks for the import targets that have no configuration into `out` (a
/// new file), and returns the values of the sensitive variables it declared.
pub fn generate_config(
    env: &Env,
    config: &Config,
    options: &WalkOptions,
    prior: Option<&State>,
    rt: &tokio::runtime::Runtime,
    provider: &dyn Provider,
    out: &str,
) -> Result<Vec<(String, String)>, Failure> {
    let path = env.dir.join(out);
    if path.extension().is_none_or(|e| e != "tf")
        || path.parent().map(|p| p.canonicalize().ok()) != Some(env.dir.canonicalize().ok())
    {
        return Err(Diagnostic::error(format!(
            "--generate-config-out={out}: not a .tf file in the configuration directory"
        ))
        .help("name a new file next to the configuration, e.g. --generate-config-out=generated.tf")
        .into());
    }
    if path.exists() {
        return Err(
            Diagnostic::error(format!("Target generated file already exists: {out}"))
                .detail("strata never overwrites a file with generated configuration")
                .help("move or delete the file, or name another one")
                .into(),
        );
    }
    let mut hooks = crate::plan::build::ConfigOnly::default();
    let mut pass = crate::eval::walk::walk(config, options, &mut hooks);
    let mut diags = Diagnostics::default();
    diags.extend(std::mem::take(&mut pass.diags));
    fail_on_errors(&diags, &config.sources)?;
    let targets = crate::plan::imports::evaluate(config, &pass.root_scope, &mut diags);
    fail_on_errors(&diags, &config.sources)?;
    let mut missing = Vec::new();
    let mut seen = BTreeSet::new();
    for t in targets {
        let abs = t.addr.abs_resource();
        let in_state = prior.is_some_and(|s| s.instance(&t.addr).is_some());
        let has_config = abs.module.is_root()
            && config
                .root
                .resource(abs.resource.mode, &abs.resource.type_, &abs.resource.name)
                .is_some();
        if in_state || has_config {
            continue;
        }
        if !abs.module.is_root() || t.addr.key != crate::addr::InstanceKey::None {
            diags.push(
                Diagnostic::error(format!("Cannot generate configuration for {}", t.addr))
                    .at(t.span)
                    .detail("configuration is generated only for single-instance resources of the root module")
                    .help("write the resource block yourself"),
            );
            continue;
        }
        if seen.insert(abs) {
            missing.push(t);
        }
    }
    fail_on_errors(&diags, &config.sources)?;
    if missing.is_empty() {
        outln!("No import block needs generated configuration; {out} was not written.\n");
        return Ok(Vec::new());
    }
    let reads = missing.iter().map(|t| {
        let settings = pass.root_provider(&t.provider_alias.clone().flatten());
        async move {
            let type_ = &t.addr.resource.type_;
            crate::provider::resource_type(type_)?;
            Some(provider.import(&settings, type_, &t.id).await)
        }
    });
    let results = rt.block_on(futures::future::join_all(reads));
    let mut text = String::from(
        "# __generated__ by strata from import blocks\n# Review it: every argument is what AWS reports now.\n",
    );
    let mut variables = Vec::new();
    for (t, result) in missing.iter().zip(results) {
        let obj = match result {
            Some(Ok(Some(obj))) => obj,
            Some(Ok(None)) => {
                diags.push(
                    Diagnostic::error(format!(
                        "Cannot import non-existent remote object: {}",
                        t.id
                    ))
                    .at(t.span)
                    .detail(format!("no {} with id \"{}\"", t.addr.resource.type_, t.id))
                    .help("check the id and the provider's region"),
                );
                continue;
            }
            Some(Err(e)) => {
                diags.push(
                    Diagnostic::error(format!("Importing {} failed", t.addr))
                        .at(t.span)
                        .detail(e.message)
                        .help("check the id, the region and your AWS credentials"),
                );
                continue;
            }
            None => continue,
        };
        let rtype = crate::provider::resource_type(&t.addr.resource.type_)
            .expect("checked by imports::evaluate");
        let g = generate::resource_block(
            &t.addr.resource.type_,
            &t.addr.resource.name,
            &obj,
            rtype.schema(),
        );
        text.push('\n');
        text.push_str(&g.hcl);
        variables.extend(g.variables);
    }
    fail_on_errors(&diags, &config.sources)?;
    let mut inputs = Vec::new();
    for (name, value) in &variables {
        text.push('\n');
        text.push_str(&generate::variable_block(name, value));
        inputs.push((
            name.clone(),
            value.unmarked().to_template_string().unwrap_or_default(),
        ));
    }
    let formatted = crate::fmt::format_source(&text).map_err(|e| {
        Failure::from(
            Diagnostic::error("Generated configuration is not valid HCL")
                .detail(e.message)
                .help("this is a bug; please report it"),
        )
    })?;
    let write = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, formatted.as_bytes()));
    write.map_err(|e| {
        Failure::from(
            Diagnostic::error(format!("Cannot write {out}: {e}"))
                .help("check the directory is writable"),
        )
    })?;
    outln!(
        "Wrote configuration for {} imported resource{} to {out}.",
        missing.len(),
        if missing.len() == 1 { "" } else { "s" }
    );
    if !variables.is_empty() {
        let names: Vec<&str> = variables.iter().map(|(n, _)| n.as_str()).collect();
        outln!(
            "It declares sensitive variables ({}): this plan uses the imported values; give them values (e.g. STRATA_VAR_NAME) for later runs.",
            names.join(", ")
        );
    }
    outln!();
    Ok(inputs)
}

/// The provider configurations of the configuration in the working directory (none when there
/// is no configuration).
fn config_providers(env: &Env) -> Vec<ProviderSettings> {
    let sources = crate::diag::SourceMap::default();
    let (config, _) = crate::config::load(&env.dir, &sources);
    let Some(config) = config else {
        return Vec::new();
    };
    let options = WalkOptions {
        workspace: super::common::current_workspace(env),
        missing_vars_unknown: true,
        ..WalkOptions::default()
    };
    let mut hooks = crate::plan::build::ConfigOnly::default();
    crate::eval::walk::walk(&config, &options, &mut hooks).providers
}

/// `strata state migrate-from-terraform PATH`.
pub fn migrate_from_terraform(env: &Env, path: &str, force: bool) -> CmdResult {
    let file = env.dir.join(path);
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Failure::from(
            Diagnostic::error(format!("Cannot read {path}: {e}"))
                .help("pass the path of a terraform.tfstate file (`terraform state pull > terraform.tfstate` for a remote backend)"),
        )
    })?;
    let tf = crate::adopt::tfstate::parse(&text).map_err(|e| {
        Failure::from(
            Diagnostic::error(format!("{path} cannot be migrated"))
                .detail(e)
                .help("pass a state written by Terraform ≥ 0.12"),
        )
    })?;
    let workspace = super::common::current_workspace(env);
    let backend = backend(env, &workspace)?;
    let _lock = backend
        .lock("state migrate-from-terraform")
        .map_err(state_failure)?;
    let existing = backend.read().map_err(state_failure)?;
    if let Some(s) = &existing {
        if !s.resources.is_empty() && !force {
            return Err(Diagnostic::error("strata already has a state with resources")
                .detail(format!(
                    "the {workspace} workspace's state manages {} resource instance(s)",
                    s.instances().count()
                ))
                .help("migrate into an empty workspace (`strata workspace new NAME`), or pass --force to merge into this one")
                .into());
        }
    }
    let mut state = existing.unwrap_or_else(State::new);
    let providers = config_providers(env);
    let rt = runtime()?;
    let provider = load_provider(&rt);
    let outcomes = rt
        .block_on(crate::adopt::tfstate::migrate(
            &tf, &mut state, &providers, &*provider,
        ))
        .map_err(|e| {
            Failure::from(
                Diagnostic::error("Migrating the Terraform state failed")
                    .detail(e)
                    .help("check your AWS credentials and region; nothing was written"),
            )
        })?;
    let taken: Vec<_> = outcomes.iter().filter(|o| o.left.is_none()).collect();
    let left: Vec<_> = outcomes.iter().filter(|o| o.left.is_some()).collect();
    state.serial += 1;
    backend.write(&state).map_err(state_failure)?;
    outln!(
        "Took over {} resource instance{} from {path}:",
        taken.len(),
        if taken.len() == 1 { "" } else { "s" }
    );
    for o in &taken {
        outln!("  {}  ({})", o.addr, o.id);
    }
    if !left.is_empty() {
        outln!("\nLeft {} (not in strata's state):", left.len());
        for o in &left {
            outln!("  {}  — {}", o.addr, o.left.as_deref().unwrap_or_default());
        }
    }
    outln!(
        "\nTerraform's state file was not changed. Run `strata plan`: it should show no changes.\nOnce you are done with Terraform for these objects, remove them from its state (`terraform state rm`) so only one tool manages each object."
    );
    Ok(Exit::Ok)
}

/// `strata discover`.
pub fn discover(env: &Env, region: &str, types: &[String], out: Option<&str>) -> CmdResult {
    let selected: Vec<&'static dyn crate::provider::ResourceType> = if types.is_empty() {
        crate::provider::resource_types().to_vec()
    } else {
        let mut v = Vec::new();
        for t in types {
            match crate::provider::resource_type(t) {
                Some(rt) => v.push(rt),
                None => {
                    return Err(Diagnostic::error(format!("Unknown resource type \"{t}\""))
                        .help("run `strata schema` for the supported types")
                        .into())
                }
            }
        }
        v
    };
    if let Some(out) = out {
        if env.dir.join(out).exists() {
            return Err(Diagnostic::error(format!("{out} already exists"))
                .help("name a new file; strata does not overwrite it")
                .into());
        }
    }
    let workspace = super::common::current_workspace(env);
    let state = backend(env, &workspace)?
        .read()
        .map_err(state_failure)?
        .unwrap_or_else(State::new);
    let mut known: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (addr, rs, inst) in state.instances() {
        if rs.mode != crate::config::Mode::Managed {
            continue;
        }
        if let Some(id) = inst.attributes.get("id").and_then(|v| v.as_str()) {
            known
                .entry(rs.type_.clone())
                .or_default()
                .insert(id.to_string());
        }
        names
            .entry(rs.type_.clone())
            .or_default()
            .insert(addr.resource.name.clone());
    }
    let mut settings = config_providers(env)
        .into_iter()
        .find(|p| p.alias.is_none())
        .unwrap_or_default();
    settings.region = region.to_string();
    let rt = runtime()?;
    let provider = load_provider(&rt);
    let (found, errors) = rt.block_on(crate::adopt::discover::discover(
        &*provider, &settings, &selected, &known,
    ));
    let mut diags = Diagnostics::default();
    for (t, e) in &errors {
        let explicit = !types.is_empty();
        if explicit || !e.contains("unsupported for discovery") {
            diags.push(
                Diagnostic::error(format!("Listing {t} failed"))
                    .detail(e.clone())
                    .help("check your AWS credentials and the region"),
            );
        }
    }
    if diags.has_errors() {
        return Err(Failure {
            diags,
            sources: crate::diag::SourceMap::default(),
        });
    }
    if found.is_empty() {
        outln!("No unmanaged objects in {region}.");
    } else {
        let tw = found
            .iter()
            .map(|f| f.type_.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let iw = found.iter().map(|f| f.id.len()).max().unwrap_or(2).max(2);
        outln!("{:tw$}  {:iw$}  NAME", "TYPE", "ID");
        for f in &found {
            outln!("{:tw$}  {:iw$}  {}", f.type_, f.id, f.name);
        }
        outln!(
            "\n{} unmanaged object{} in {region}.",
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        );
    }
    for (t, _) in &errors {
        outln!("({t} cannot be listed: unsupported for discovery)");
    }
    if let Some(out) = out {
        let text = crate::adopt::discover::import_blocks(&found, &names);
        let formatted = crate::fmt::format_source(&text).unwrap_or(text);
        std::fs::write(env.dir.join(out), formatted).map_err(|e| {
            Failure::from(
                Diagnostic::error(format!("Cannot write {out}: {e}"))
                    .help("check the directory is writable"),
            )
        })?;
        outln!("\nWrote {} import block{} to {out}. Next: strata plan --generate-config-out=generated.tf", found.len(), if found.len() == 1 { "" } else { "s" });
    }
    Ok(Exit::Ok)
}
