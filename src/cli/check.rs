//! `strata check`: security and safety rules on the evaluated configuration.

use super::common::load;
use super::common::walk_options;
use super::{CheckFormat, CmdResult, Env, Exit, Failure, VarFlags};

pub(super) fn check(
    env: &Env,
    format: CheckFormat,
    strict: bool,
    soft_fail: bool,
    flags: &VarFlags,
) -> CmdResult {
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
        CheckFormat::Text => out!(
            "{}",
            crate::check::render_text(&report, strict, soft_fail, env.ui.color_out)
        ),
        CheckFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        ),
        CheckFormat::Sarif => {
            let root = crate::check::sarif::repo_root(&env.dir);
            let log = crate::check::sarif::to_sarif(&report, root.as_deref());
            outln!("{}", serde_json::to_string_pretty(&log).unwrap_or_default());
        }
    }
    // Overridden failures are reported above (the findings keep their severity in every
    // format) but do not decide the exit code.
    Ok(if report.fails(strict) && !soft_fail {
        Exit::Error
    } else {
        Exit::Ok
    })
}
