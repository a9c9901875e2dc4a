//! `strata init`: install the module sources that are not local paths.

use super::common::redacting_sources;
use super::{CmdResult, Env, Exit, Failure};
use crate::config::install::{self, Event, InitOptions};

/// `strata init [--upgrade]`.
pub(super) fn init(env: &Env, upgrade: bool) -> CmdResult {
    outln!("Initializing modules...");
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
                Some(v) => outln!("Downloading {source} {v} for {key}..."),
                None => outln!("Downloading {source} for {key}..."),
            },
            Event::Installed { key, dir } => outln!("- {key} in {dir}"),
        },
    );
    if outcome.diags.has_errors() || outcome.config.is_none() {
        return Err(Failure {
            diags: outcome.diags,
            sources: outcome.sources,
        });
    }
    env.ui.print_diags(&outcome.diags, &outcome.sources);
    outln!();
    outln!("strata has been successfully initialized!");
    Ok(Exit::Ok)
}
