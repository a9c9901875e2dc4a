//! Plan rules: PLAN_DESTROYS_DATA, a plan that destroys or replaces an object holding data.

use super::PLAN_DESTROYS_DATA;
use crate::check::Finding;
use crate::plan::{Action, Plan};
use crate::value::Value;

/// Types that hold data, what to call them, and the argument naming the object.
const DATA_TYPES: &[(&str, &str, &[&str])] = &[
    ("aws_db_instance", "database", &["identifier"]),
    ("aws_rds_cluster", "cluster", &["cluster_identifier"]),
    (
        "aws_elasticache_replication_group",
        "cache",
        &["replication_group_id"],
    ),
    ("aws_elasticache_cluster", "cache", &["cluster_id"]),
    ("aws_db_snapshot", "snapshot", &["db_snapshot_identifier"]),
    (
        "aws_db_cluster_snapshot",
        "snapshot",
        &["db_cluster_snapshot_identifier"],
    ),
    (
        "aws_db_snapshot_copy",
        "snapshot",
        &["target_db_snapshot_identifier"],
    ),
    (
        "aws_db_cluster_snapshot_copy",
        "snapshot",
        &["target_db_cluster_snapshot_identifier"],
    ),
];

pub fn plan_findings(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    for change in &plan.changes {
        let destroys = change.action == Action::Delete || change.action.is_replace();
        if !destroys {
            continue;
        }
        let type_ = change.addr.resource.type_.as_str();
        let Some((_, kind, names)) = DATA_TYPES.iter().find(|(t, _, _)| *t == type_) else {
            continue;
        };
        let before = change.before.clone().unwrap_or(Value::Null);
        let get = |n: &str| before.get(n).and_then(|v| v.as_str()).map(str::to_string);
        let name = names
            .iter()
            .find_map(|n| get(n))
            .or_else(|| get("id"))
            .unwrap_or_else(|| change.addr.to_string());
        let mut what = format!("{kind} \"{name}\"");
        let mut facts = Vec::new();
        if let Some(engine) = get("engine") {
            facts.push(engine);
        }
        if let Some(gb) = before.get("allocated_storage").and_then(Value::as_i64) {
            facts.push(format!("{gb} GiB"));
        }
        if !facts.is_empty() {
            what.push_str(&format!(" ({})", facts.join(", ")));
        }
        let verb = if change.action == Action::Delete {
            "destroys"
        } else {
            "replaces"
        };
        let because = if change.action.is_replace() && !change.replace_paths.is_empty() {
            format!(" (forced by {})", change.replace_paths.join(", "))
        } else {
            String::new()
        };
        let snapshot = match (
            kind,
            before.get("skip_final_snapshot").and_then(Value::as_bool),
        ) {
            (&"snapshot", _) => " — the snapshot's data is gone".to_string(),
            (_, Some(true)) => " and the data in it; no final snapshot is taken".to_string(),
            (_, _) => match get("final_snapshot_identifier") {
                Some(s) => format!(" and the data in it; a final snapshot \"{s}\" is taken first"),
                None => " and the data in it".to_string(),
            },
        };
        let after = if change.action.is_replace() && *kind != "snapshot" {
            "; the new one starts empty"
        } else {
            ""
        };
        out.push(Finding::new(
            PLAN_DESTROYS_DATA,
            change.addr.to_string(),
            None,
            format!("the plan {verb} {what}{because}{snapshot}{after}"),
        ));
    }
    out
}
