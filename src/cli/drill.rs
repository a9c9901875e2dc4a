//! `strata drill`: restore drills of the databases in the state (`crate::drill`).

use super::common::{confirm, runtime, state_failure};
use super::{CmdResult, Env, Exit, Failure, VarFlags};
use crate::diag::Diagnostic;
use crate::drill::{Options, Source};
use crate::provider::{Aws, ProviderSettings};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct DrillFlags {
    /// Databases to drill (`aws_db_instance.main`, `aws_rds_cluster.main`); default: every one
    /// in the state.
    pub addresses: Vec<String>,
    /// Only drills in this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Which recovery point: latest, copy (the DR copy in another region) or automated.
    #[arg(long = "from", default_value = "latest")]
    pub from: String,
    /// Fail a drill whose newest point is older than this (the RPO objective), e.g. 24h.
    #[arg(long = "max-age", value_name = "DURATION")]
    pub max_age: Option<String>,
    /// The restored instance's class (default: db.t3.micro; a cluster's writer db.t3.medium).
    #[arg(long = "instance-class")]
    pub instance_class: Option<String>,
    /// Keep the restored instance (tagged strata:drill; `drill --cleanup` removes it).
    #[arg(long)]
    pub keep: bool,
    #[arg(long)]
    pub json: bool,
    #[arg(long)]
    pub markdown: bool,
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Only delete what earlier drills left behind.
    #[arg(long)]
    pub cleanup: bool,
}

fn bad_flag(text: String, help: &str) -> Failure {
    Diagnostic::error(text).help(help.to_string()).into()
}

pub fn drill(env: &Env, flags: &DrillFlags) -> CmdResult {
    let source = match flags.from.as_str() {
        "latest" => Source::Latest,
        "copy" => Source::Copy,
        "automated" => Source::Automated,
        "pitr" => {
            return Err(bad_flag(
                "--from pitr is not supported yet".into(),
                "drill from a snapshot: --from latest, copy or automated",
            ))
        }
        other => {
            return Err(bad_flag(
                format!("Unknown recovery point kind \"{other}\""),
                "use --from latest, copy or automated",
            ))
        }
    };
    let max_age = flags
        .max_age
        .as_deref()
        .map(crate::schema::timeouts::parse_duration)
        .transpose()
        .map_err(|e| {
            bad_flag(
                format!("Invalid --max-age: {e}"),
                "write a duration like 24h or 90m",
            )
        })?;
    let run_id = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    );
    let options = Options {
        addresses: flags.addresses.clone(),
        region: flags.region.clone(),
        source,
        max_age,
        instance_class: flags.instance_class.clone(),
        keep: flags.keep,
        run_id,
    };
    let workspace = super::common::current_workspace(env);
    let state = super::backend::backend(env, &workspace)?
        .read()
        .map_err(state_failure)?
        .unwrap_or_default();
    let providers = super::common::configured_providers(env, &VarFlags::default());
    let targets = crate::drill::databases(&state, &providers, &options)
        .map_err(|e| bad_flag(e, "`strata state list` shows the databases strata manages"))?;
    let rt = runtime()?;
    let aws = Arc::new(rt.block_on(Aws::load()));
    // Each region a drill may use, with the provider configuration of a database drilled there.
    let mut regions: BTreeMap<String, ProviderSettings> = BTreeMap::new();
    for (db, in_regions) in &targets {
        for r in in_regions {
            regions
                .entry(r.clone())
                .or_insert_with(|| db.settings.clone());
        }
    }
    let regions: Vec<(ProviderSettings, String)> =
        regions.into_iter().map(|(r, s)| (s, r)).collect();
    let say = |line: &str| {
        if flags.json || flags.markdown {
            eprintln!("{line}");
        } else {
            outln!("{line}");
        }
    };
    let left = rt
        .block_on(crate::drill::cleanup(&aws, &regions))
        .map_err(|e| {
            bad_flag(
                format!("Cleaning up earlier drills failed: {e}"),
                "check your AWS credentials and region",
            )
        })?;
    for what in &left {
        say(&format!("removed {what}, left by an earlier drill"));
    }
    if flags.cleanup {
        say(&format!("Cleanup: {} drill objects removed.", left.len()));
        return Ok(Exit::Ok);
    }
    if targets.is_empty() {
        say("No aws_db_instance or aws_rds_cluster in the state: nothing to drill.");
        return Ok(Exit::Ok);
    }
    let chosen = rt
        .block_on(crate::drill::points(&aws, &targets, source))
        .map_err(|e| {
            bad_flag(
                format!("Finding recovery points failed: {e}"),
                "check your AWS credentials and region",
            )
        })?;
    say("strata will restore, check and delete:");
    for (db, region, point) in &chosen {
        match point {
            Some(p) => say(&format!(
                "  {}: {} {} in {region} (created {})",
                db.address, p.kind, p.id, p.created
            )),
            None => say(&format!("  {}: no recovery point in {region}", db.address)),
        }
    }
    if !flags.auto_approve && !confirm(env, "Do you want to run these drills?")? {
        outln!("\nDrill cancelled.");
        return Ok(Exit::Error);
    }
    let report = rt.block_on(crate::drill::run(&aws, chosen, &options, &say));
    if flags.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else if flags.markdown {
        out!("{}", crate::drill::render_markdown(&report));
    } else {
        out!("\n{}", crate::drill::render_text(&report));
    }
    Ok(if report.ok() { Exit::Ok } else { Exit::Error })
}
