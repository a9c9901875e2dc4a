//! `strata import ADDR ID`: adopt one existing object into the state.

use super::common::fail_on_errors;
use super::common::load;
use super::common::runtime;
use super::common::state_failure;
use super::common::walk_options;
use super::{CmdResult, Env, Exit, Failure, VarFlags};
use crate::addr::InstanceAddr;
use crate::diag::Diagnostic;
use crate::state::State;

pub fn import(env: &Env, addr: &str, id: &str, vars: &VarFlags) -> CmdResult {
    let target: InstanceAddr = addr.parse().map_err(|e: crate::addr::AddrParseError| {
        Failure::from(
            Diagnostic::error(format!("Invalid address \"{addr}\""))
                .detail(e.0)
                .help("write TYPE.NAME, e.g. aws_db_instance.main"),
        )
    })?;
    let (config, mut diags) = load(env)?;
    let mut options = walk_options(env, &config, vars, &mut diags);
    fail_on_errors(&diags, &config.sources)?;
    let Some(rt_type) = crate::provider::resource_type(&target.resource.type_) else {
        return Err(Diagnostic::error(format!(
            "Unsupported resource type \"{}\"",
            target.resource.type_
        ))
        .help("run `strata schema` for the supported types")
        .into());
    };
    let mut module = &config.root;
    for (name, _) in &target.module.0 {
        module = &module
            .module_calls
            .get(name)
            .ok_or_else(|| {
                Failure::from(
                    Diagnostic::error(format!("Module \"{name}\" is not in the configuration"))
                        .help("add the module block first"),
                )
            })?
            .module;
    }
    if module
        .resource(
            target.resource.mode,
            &target.resource.type_,
            &target.resource.name,
        )
        .is_none()
    {
        return Err(Diagnostic::error(format!(
            "{} is not in the configuration",
            target.abs_resource()
        ))
        .help(format!(
            "add resource \"{}\" \"{}\" {{}} before importing into it",
            target.resource.type_, target.resource.name
        ))
        .into());
    }
    // Provider settings: the resource's provider as the config evaluates it.
    let mut hooks = crate::plan::build::ConfigOnly::default();
    options.missing_vars_unknown = true;
    let walked = crate::eval::walk::walk(&config, &options, &mut hooks);
    let mut settings = walked.provider_of(&target.abs_resource());
    // AWS provider 6's `ID@REGION`: read (and then managed) in that region.
    let (id, region) = crate::provider::import_id_region(&target.resource.type_, id);
    if let Some(region) = region {
        settings.region = region.to_string();
    }
    let backend = super::backend::setup(&config, &options)?.backend(env, &options.workspace)?;
    let _lock = backend.lock("import").map_err(state_failure)?;
    let mut state = backend
        .read()
        .map_err(state_failure)?
        .unwrap_or_else(State::new);
    if state.instance(&target).is_some() {
        return Err(
            Diagnostic::error(format!("{target} is already managed by strata"))
                .help(format!(
                    "run `strata state rm {target}` first to import a different object"
                ))
                .into(),
        );
    }
    let rt = runtime()?;
    let provider = super::common::load_provider(&rt);
    let found = rt
        .block_on(provider.import(&settings, rt_type.type_name(), id))
        .map_err(|e| {
            Failure::from(
                Diagnostic::error(format!("Importing {target} failed"))
                    .detail(e.message)
                    .help("check the id and the region"),
            )
        })?;
    let Some(obj) = found else {
        return Err(
            Diagnostic::error(format!("Cannot import non-existent remote object: {id}"))
                .detail(format!(
                    "no {} with id \"{id}\" in {}",
                    target.resource.type_, settings.region
                ))
                .help("check the id and the provider's region")
                .into(),
        );
    };
    state.set_instance(
        &target,
        &settings.address(),
        crate::state::InstanceState {
            index_key: target.key.to_json(),
            status: None,
            attributes: crate::apply::to_state_attributes(
                &target.resource.type_,
                target.resource.mode,
                &obj,
            ),
            dependencies: vec![],
            region: settings.region.clone(),
        },
    );
    state.serial += 1;
    backend.write(&state).map_err(state_failure)?;
    outln!(
        "{target}: Import prepared!\n\nImport successful! The resource is now managed by strata."
    );
    Ok(Exit::Ok)
}
