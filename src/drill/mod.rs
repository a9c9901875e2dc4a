//! Restore drills (`strata drill`): prove that the recovery points of the databases in the
//! state restore. For each database and each region it is protected in (its own, and every
//! region a snapshot copy of it lives in), the newest recovery point of the asked kind is
//! restored into a throwaway instance (`drill-…`, tagged `strata:drill` with the run id) that
//! admits nothing, checked, timed (RTO: request to available; RPO: age of the point) and
//! deleted without a final snapshot. Drill objects left by a killed run are found by their tag
//! and deleted before the next drill starts, so nothing is left behind.

mod restore;

use crate::provider::ProviderSettings;
use crate::state::State;
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::Duration;

pub use restore::{cleanup, points, run};

/// The tag every drill object carries, valued with the run id.
pub const DRILL_TAG: &str = "strata:drill";

/// Which recovery point a drill restores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The newest point of any kind in the region.
    Latest,
    /// The newest snapshot copied in from another region (the DR copy).
    Copy,
    /// The newest automated snapshot.
    Automated,
}

pub struct Options {
    /// Databases by address (`aws_db_instance.main`); empty: every one in the state.
    pub addresses: Vec<String>,
    /// Only drills in this region.
    pub region: Option<String>,
    pub source: Source,
    /// The drill fails when the newest point is older (the RPO objective).
    pub max_age: Option<Duration>,
    /// The restored instance's class; `None`: the smallest of its kind (db.t3.micro for an
    /// instance, db.t3.medium for a cluster's writer, the smallest Aurora takes).
    pub instance_class: Option<String>,
    /// Leave the restored instance running (for a look by hand); it is still tagged.
    pub keep: bool,
    pub run_id: String,
}

/// A stand-alone DB instance, or an Aurora / Multi-AZ DB cluster (restored with one writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Instance,
    Cluster,
}

/// One database to drill, as the state knows it.
#[derive(Clone, Debug)]
pub struct Database {
    pub kind: Kind,
    pub address: String,
    pub identifier: String,
    /// Its ARN, as replications of its automated backups name it.
    pub arn: String,
    pub region: String,
    pub engine: String,
    pub engine_version: String,
    pub allocated_storage: i64,
    pub settings: ProviderSettings,
}

/// What a drill will restore, shown before it starts.
#[derive(Clone, Debug, Serialize)]
pub struct RecoveryPoint {
    pub kind: String,
    pub id: String,
    pub region: String,
    pub created: String,
    #[serde(skip)]
    pub age: Duration,
    #[serde(skip)]
    pub encrypted: bool,
    #[serde(skip)]
    pub allocated_storage: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Restored {
    pub id: String,
    pub region: String,
}

/// One drill's outcome: the JSON report's `drills[]` element.
#[derive(Clone, Debug, Serialize)]
pub struct Drill {
    pub address: String,
    pub source: Option<RecoveryPoint>,
    pub restored: Option<Restored>,
    pub restore_seconds: Option<u64>,
    pub recovery_point_age_seconds: Option<u64>,
    pub checks: Vec<Check>,
    pub cleaned_up: bool,
    pub ok: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub drills: Vec<Drill>,
}

impl Report {
    pub fn ok(&self) -> bool {
        !self.drills.is_empty() && self.drills.iter().all(|d| d.ok)
    }
}

/// The databases of the state to drill (DB instances and clusters), each with the regions it
/// is protected in: its own, the region of every snapshot copy in the state, and every region
/// its automated backups are replicated to.
pub fn databases(
    state: &State,
    providers: &[ProviderSettings],
    options: &Options,
) -> Result<Vec<(Database, Vec<String>)>, String> {
    let mut copy_regions = BTreeSet::new();
    let mut replications: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for (addr, rs, inst) in state.instances() {
        let a = &inst.attributes;
        match rs.type_.as_str() {
            "aws_db_snapshot_copy" | "aws_db_cluster_snapshot_copy" => {
                copy_regions.insert(inst.region.clone());
            }
            "aws_db_instance_automated_backups_replication" => {
                let source = a.get("source_db_instance_arn").and_then(|v| v.as_str());
                replications.push((source.unwrap_or_default().to_string(), inst.region.clone()));
            }
            "aws_db_instance" | "aws_rds_cluster" if rs.mode == crate::addr::Mode::Managed => {
                let (kind, id_attr) = if rs.type_ == "aws_db_instance" {
                    (Kind::Instance, "identifier")
                } else {
                    (Kind::Cluster, "cluster_identifier")
                };
                let address = addr.to_string();
                if !options.addresses.is_empty()
                    && !options
                        .addresses
                        .iter()
                        .any(|w| *w == address || *w == addr.abs_resource().to_string())
                {
                    continue;
                }
                let text = |k: &str| {
                    a.get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                // What runs now (a version prefix in the configuration is completed by AWS).
                let running = text("engine_version_actual");
                out.push(Database {
                    kind,
                    address,
                    identifier: text(id_attr),
                    arn: text("arn"),
                    region: inst.region.clone(),
                    engine: text("engine"),
                    engine_version: if running.is_empty() {
                        text("engine_version")
                    } else {
                        running
                    },
                    allocated_storage: a
                        .get("allocated_storage")
                        .and_then(|v| v.as_i64())
                        .unwrap_or(0),
                    // Endpoints and default tags as applied, in the region recorded.
                    settings: crate::plan::build::provider_for_state(
                        providers,
                        &rs.provider,
                        &inst.region,
                    ),
                });
            }
            _ => {}
        }
    }
    for wanted in &options.addresses {
        if !out
            .iter()
            .any(|d| d.address == *wanted || d.address.starts_with(&format!("{wanted}[")))
        {
            return Err(format!(
                "{wanted} is no aws_db_instance or aws_rds_cluster in the state"
            ));
        }
    }
    Ok(out
        .into_iter()
        .map(|db| {
            let mut regions = vec![db.region.clone()];
            let replicated = replications
                .iter()
                .filter(|(source, _)| !db.arn.is_empty() && *source == db.arn)
                .map(|(_, region)| region);
            for region in copy_regions.iter().chain(replicated) {
                if !regions.contains(region) {
                    regions.push(region.clone());
                }
            }
            if let Some(only) = &options.region {
                regions.retain(|r| r == only);
            }
            (db, regions)
        })
        .collect())
}

/// The major version as engines number them: PostgreSQL 10+ by its first number, the others
/// by the first two (MySQL 8.0, MariaDB 10.11, Oracle 19.0).
pub fn major_version(engine: &str, version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    let first_number: u32 = parts.first().and_then(|p| p.parse().ok()).unwrap_or(0);
    if engine.contains("postgres") && first_number >= 10 {
        parts[0].to_string()
    } else {
        parts.iter().take(2).copied().collect::<Vec<_>>().join(".")
    }
}

/// The report as text: one block per drill, then the count.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.drills {
        out.push_str(&format!(
            "{} {}\n",
            if d.ok { "PASS" } else { "FAIL" },
            d.address
        ));
        if let Some(p) = &d.source {
            out.push_str(&format!(
                "  from {} {} in {} (created {})\n",
                p.kind, p.id, p.region, p.created
            ));
        }
        if let (Some(r), Some(s)) = (&d.restored, d.restore_seconds) {
            out.push_str(&format!(
                "  restored as {} in {}: RTO {s}s\n",
                r.id, r.region
            ));
        }
        if let Some(age) = d.recovery_point_age_seconds {
            out.push_str(&format!("  RPO: the point was {age}s old\n"));
        }
        for c in &d.checks {
            out.push_str(&format!(
                "  {} {}: {}\n",
                if c.ok { "ok  " } else { "FAIL" },
                c.name,
                c.detail
            ));
        }
        out.push_str(if d.cleaned_up {
            "  cleaned up\n"
        } else {
            "  NOT cleaned up\n"
        });
    }
    let passed = report.drills.iter().filter(|d| d.ok).count();
    out.push_str(&format!(
        "\nDrills: {passed} passed, {} failed.\n",
        report.drills.len() - passed
    ));
    out
}

/// The report as Markdown, for an issue, a job summary or a compliance record.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::from("## strata restore drill\n\n");
    out.push_str("| | Database | Recovery point | Region | RTO | RPO | Checks |\n|---|---|---|---|---|---|---|\n");
    for d in &report.drills {
        let point = d
            .source
            .as_ref()
            .map(|p| format!("{} `{}`", p.kind, p.id))
            .unwrap_or_else(|| "none".into());
        let region = d.source.as_ref().map(|p| p.region.as_str()).unwrap_or("");
        let failed: Vec<&str> = d.checks.iter().filter(|c| !c.ok).map(|c| c.name).collect();
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} |\n",
            if d.ok { "✅" } else { "❌" },
            d.address,
            point,
            region,
            d.restore_seconds
                .map(|s| format!("{s}s"))
                .unwrap_or_default(),
            d.recovery_point_age_seconds
                .map(|s| format!("{s}s"))
                .unwrap_or_default(),
            if failed.is_empty() {
                format!("{} passed", d.checks.len())
            } else {
                format!("failed: {}", failed.join(", "))
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_versions_are_numbered_as_each_engine_numbers_them() {
        assert_eq!(major_version("postgres", "16.3"), "16");
        assert_eq!(major_version("postgres", "9.6.24"), "9.6");
        assert_eq!(major_version("mysql", "8.0.35"), "8.0");
        assert_eq!(major_version("mariadb", "10.11.6"), "10.11");
    }
}
