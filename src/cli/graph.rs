//! `strata graph`: the dependency graph of the configuration or of a saved plan.

use super::common::load;
use super::common::walk_options;
use super::plan::read_plan;
use super::{CmdResult, Env, Exit, Failure, GraphFormat, VarFlags};
use crate::addr::InstanceAddr;
use crate::eval::walk::{self};
use crate::graph::InstanceGraph;
pub use crate::plan::build::ConfigOnly;
use crate::plan::{Action, ResourceChange};

/// `strata graph --plan FILE`: the changes of a saved plan and how they depend on each other.
pub fn graph_of_plan(env: &Env, file: &str, format: super::GraphFormat) -> CmdResult {
    let setup = super::backend::setup_from_dir(env)?;
    let plan = read_plan(&env.dir.join(file), setup.encryption.as_deref())?;
    let changed: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| !c.is_noop() && c.action != Action::Read)
        .collect();
    let deps: std::collections::BTreeMap<
        InstanceAddr,
        std::collections::BTreeSet<crate::addr::AbsResource>,
    > = changed
        .iter()
        .map(|c| (c.addr.clone(), c.depends_on.iter().cloned().collect()))
        .collect();
    let g = crate::graph::InstanceGraph::build(deps.iter());
    match format {
        super::GraphFormat::Dot => out!("{}", g.to_dot()),
        super::GraphFormat::Mermaid => out!("{}", g.to_mermaid()),
    }
    Ok(Exit::Ok)
}

pub(super) fn graph(env: &Env, format: GraphFormat, flags: &VarFlags) -> CmdResult {
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
        GraphFormat::Dot => out!("{}", g.to_dot()),
        GraphFormat::Mermaid => out!("{}", g.to_mermaid()),
    }
    Ok(Exit::Ok)
}
