//! The plan as a pull-request comment: counts first, data at risk called out, drift in its own
//! section, each resource folded in `<details>`, a Mermaid graph of what changes — and never
//! longer than GitHub's 65,536-character comment limit.

use super::{Action, Plan, ResourceChange};
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// GitHub rejects comments longer than this.
pub const COMMENT_LIMIT: usize = 65_536;

/// Types whose destruction loses data.
pub fn is_stateful(type_: &str) -> bool {
    matches!(
        type_,
        "aws_db_instance"
            | "aws_rds_cluster"
            | "aws_rds_cluster_instance"
            | "aws_elasticache_replication_group"
            | "aws_elasticache_cluster"
            | "aws_db_snapshot"
            | "aws_db_snapshot_copy"
            | "aws_db_cluster_snapshot"
            | "aws_db_cluster_snapshot_copy"
    )
}

fn verb(c: &ResourceChange) -> &'static str {
    match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Delete => "will be **destroyed**",
        Action::DeleteThenCreate | Action::CreateThenDelete
            if c.reason.as_deref() == Some("replace_because_tainted") =>
        {
            "is tainted, so must be **replaced**"
        }
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be **replaced**",
        Action::Read => "will be read during apply",
        Action::NoOp if c.importing.is_some() => "will be imported",
        Action::NoOp => "is up to date",
    }
}

/// Text inside a code fence must not close it.
fn fence_safe(s: &str) -> String {
    s.replace("```", "'''")
}

fn value(v: &Value) -> String {
    fence_safe(&v.to_string())
}

fn attribute_diff(c: &ResourceChange) -> String {
    let empty = Value::Map(Default::default());
    let before = c.before.as_ref().unwrap_or(&empty);
    let after = c.after.as_ref().unwrap_or(&empty);
    let mut keys: BTreeSet<&String> = BTreeSet::new();
    keys.extend(before.as_map().into_iter().flat_map(|m| m.keys()));
    keys.extend(after.as_map().into_iter().flat_map(|m| m.keys()));
    let mut out = String::new();
    for k in keys {
        let b = before.get(k).unwrap_or(&Value::Null);
        let a = after.get(k).unwrap_or(&Value::Null);
        let forces = if c.replace_paths.iter().any(|p| p == k) {
            "   # forces replacement"
        } else {
            ""
        };
        match c.action {
            Action::Create | Action::Read => {
                if !a.is_null() {
                    let _ = writeln!(out, "+ {k} = {}", value(a));
                }
            }
            Action::Delete => {
                if !b.is_null() {
                    let _ = writeln!(out, "- {k} = {}", value(b));
                }
            }
            _ => {
                let same = a.is_wholly_known()
                    && b.is_wholly_known()
                    && a.is_sensitive() == b.is_sensitive()
                    && crate::eval::expr::values_equal(a, b);
                if same {
                    continue;
                }
                if b.is_null() {
                    let _ = writeln!(out, "+ {k} = {}{forces}", value(a));
                } else if a.is_null() {
                    let _ = writeln!(out, "- {k} = {}{forces}", value(b));
                } else {
                    let _ = writeln!(out, "! {k} = {} -> {}{forces}", value(b), value(a));
                }
            }
        }
    }
    out
}

fn details(c: &ResourceChange) -> String {
    format!(
        "<details><summary><code>{} {}</code> {}</summary>\n\n```diff\n{}```\n\n</details>\n",
        c.action.symbol(),
        html_escape(&c.addr.to_string()),
        verb(c),
        attribute_diff(c)
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn mermaid(changes: &[&ResourceChange]) -> String {
    let ids: BTreeMap<String, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.addr.to_string(), i))
        .collect();
    let by_resource: BTreeMap<String, Vec<usize>> =
        changes
            .iter()
            .enumerate()
            .fold(BTreeMap::new(), |mut m, (i, c)| {
                m.entry(c.addr.abs_resource().to_string())
                    .or_default()
                    .push(i);
                m
            });
    let mut out = String::from("```mermaid\nflowchart RL\n");
    for (i, c) in changes.iter().enumerate() {
        let class = match c.action {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            _ => "replace",
        };
        let _ = writeln!(
            out,
            "  n{i}[\"{} {}\"]:::{class}",
            mermaid_text(c.action.symbol()),
            mermaid_text(&c.addr.to_string())
        );
    }
    for (i, c) in changes.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for dep in &c.depends_on {
            for &j in by_resource.get(&dep.to_string()).into_iter().flatten() {
                if j != i && seen.insert(j) {
                    let _ = writeln!(out, "  n{i} --> n{j}");
                }
            }
        }
    }
    let _ = ids;
    out.push_str("  classDef create fill:#dafbe1,stroke:#1a7f37\n");
    out.push_str("  classDef update fill:#fff8c5,stroke:#9a6700\n");
    out.push_str("  classDef delete fill:#ffebe9,stroke:#cf222e\n");
    out.push_str("  classDef replace fill:#fbefff,stroke:#8250df\n");
    out.push_str("```\n");
    out
}

/// Mermaid labels: quotes and markdown-ish characters are written as entity codes.
fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('[', "#91;")
        .replace(']', "#93;")
}

/// Renders the plan as Markdown, within `limit` characters.
pub fn render(plan: &Plan, limit: usize) -> String {
    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| !c.is_noop() && c.action != Action::Read)
        .collect();
    let s = plan.summary();
    let mut head = String::new();
    if plan.refresh_only {
        let _ = writeln!(
            head,
            "### strata drift report: {} object{} changed outside strata\n",
            plan.drift.len(),
            if plan.drift.len() == 1 { "" } else { "s" }
        );
    } else if changes.is_empty() && !plan.has_changes() {
        let _ = writeln!(
            head,
            "### strata plan: no changes\n\nYour infrastructure matches the configuration.\n"
        );
    } else {
        let _ = writeln!(
            head,
            "### strata {}\n",
            s.to_string()
                .trim_end_matches('.')
                .replacen("Plan:", "plan:", 1)
        );
    }
    let at_risk: Vec<&&ResourceChange> = changes
        .iter()
        .filter(|c| {
            is_stateful(&c.addr.resource.type_)
                && matches!(
                    c.action,
                    Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
                )
        })
        .collect();
    if !at_risk.is_empty() {
        head.push_str("> [!WARNING]\n> **Data at risk.** This plan destroys or replaces stateful resources:\n");
        for c in &at_risk {
            let why = if c.replace_paths.is_empty() {
                String::new()
            } else {
                format!(" (forced by `{}`)", c.replace_paths.join("`, `"))
            };
            let _ = writeln!(head, "> - `{}` {}{why}", c.addr, verb(c));
        }
        head.push('\n');
    }
    let drift = plan.reported_drift();
    if !drift.is_empty() {
        head.push_str("#### Changed outside strata\n\n");
        for d in drift {
            match d.shown_after(plan.refresh_only) {
                Some(after) => {
                    let schema =
                        crate::provider::resource_type(&d.addr.resource.type_).map(|t| t.schema());
                    let attrs = schema
                        .map(|s| super::diff::changed_attributes(s, &d.before, &after))
                        .unwrap_or_default();
                    let _ = writeln!(
                        head,
                        "- `{}` has changed: {}",
                        d.addr,
                        attrs
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                None => {
                    let _ = writeln!(head, "- `{}` has been deleted", d.addr);
                }
            }
        }
        head.push('\n');
    }
    let mut body = String::new();
    if !changes.is_empty() {
        body.push_str("#### Changes\n\n");
    }
    // Stateful destroys and replaces first, then the rest in address order.
    let mut ordered: Vec<&ResourceChange> = at_risk.iter().map(|c| **c).collect();
    ordered.extend(
        changes
            .iter()
            .filter(|c| !at_risk.iter().any(|r| r.addr == c.addr))
            .copied(),
    );
    let graph = if changes.is_empty() {
        String::new()
    } else {
        format!("\n#### Graph of the changes\n\n{}", mermaid(&changes))
    };
    let footer_room = 400;
    let mut budget = limit.saturating_sub(head.len() + footer_room);
    let include_graph = graph.len() < budget / 2;
    if include_graph {
        budget -= graph.len();
    }
    let mut shown = 0;
    let mut cut_chars = 0;
    for c in &ordered {
        let d = details(c);
        if body.len() + d.len() <= budget {
            body.push_str(&d);
            shown += 1;
        } else {
            cut_chars += d.len();
        }
    }
    let mut out = head;
    out.push_str(&body);
    if shown < ordered.len() {
        let _ = writeln!(
            out,
            "\n> [!NOTE]\n> {} of {} resource changes are not shown ({} characters cut to fit GitHub's comment limit). Run `strata show PLANFILE` for the full plan.",
            ordered.len() - shown,
            ordered.len(),
            cut_chars
        );
    }
    if include_graph {
        out.push_str(&graph);
    } else if !graph.is_empty() {
        out.push_str("\n_The graph of the changes is too large for a comment; run `strata graph --format mermaid`._\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{AbsResource, InstanceAddr, InstanceKey, ModuleInstance, ResourceAddr};
    use crate::config::Mode;
    use crate::plan::{Plan, ResourceChange};

    fn addr(type_: &str, name: &str, key: InstanceKey) -> InstanceAddr {
        InstanceAddr {
            module: ModuleInstance::root(),
            resource: ResourceAddr {
                mode: Mode::Managed,
                type_: type_.into(),
                name: name.into(),
            },
            key,
        }
    }

    fn change(a: InstanceAddr, action: Action, deps: Vec<AbsResource>) -> ResourceChange {
        let obj = Value::Map(
            [
                ("name".to_string(), Value::from(a.to_string())),
                (
                    "password".to_string(),
                    Value::from("hunter2-secret").sensitive(),
                ),
            ]
            .into(),
        );
        ResourceChange {
            addr: a,
            action,
            before: (action != Action::Create).then(|| obj.clone()),
            after: (action != Action::Delete).then_some(obj),
            reason: None,
            replace_paths: if action == Action::DeleteThenCreate {
                vec!["name".into()]
            } else {
                vec![]
            },
            provider: Default::default(),
            depends_on: deps,
            prior_depends_on: vec![],
            config: None,
            importing: None,
        }
    }

    fn plan(changes: Vec<ResourceChange>) -> Plan {
        Plan {
            format_version: 1,
            strata_version: "test".into(),
            changes,
            outputs: Default::default(),
            drift: vec![],
            config_digest: String::new(),
            state_lineage: None,
            state_serial: None,
            workspace: "default".into(),
            destroy: false,
            refresh_only: false,
            inputs: Default::default(),
            moves: vec![],
            variables: Default::default(),
            configuration: serde_json::Value::Null,
        }
    }

    fn small() -> Plan {
        let sg = addr("aws_security_group", "web", InstanceKey::None);
        let db = addr("aws_db_instance", "main", InstanceKey::None);
        plan(vec![
            change(sg.clone(), Action::Create, vec![]),
            change(db, Action::DeleteThenCreate, vec![sg.abs_resource()]),
        ])
    }

    #[test]
    fn a_small_plan_puts_data_at_risk_first_and_hides_secrets() {
        let md = render(&small(), COMMENT_LIMIT);
        assert!(
            md.starts_with("### strata plan: 2 to add, 0 to change, 1 to destroy"),
            "{md}"
        );
        let warning = md.find("[!WARNING]").expect("data at risk called out");
        let details = md.find("<details>").unwrap();
        assert!(warning < details, "the warning comes before the details");
        assert!(
            md.contains("`aws_db_instance.main` must be **replaced** (forced by `name`)"),
            "{md}"
        );
        assert!(
            !md.contains("hunter2-secret"),
            "a sensitive value leaked:\n{md}"
        );
        assert!(md.contains("(sensitive value)"));
    }

    /// Mermaid syntax GitHub renders: every line is a header, a node, an edge or a class
    /// definition, and every edge joins declared nodes.
    #[test]
    fn the_mermaid_graph_is_well_formed() {
        let md = render(&small(), COMMENT_LIMIT);
        let start = md.find("```mermaid\n").expect("a mermaid block") + "```mermaid\n".len();
        let end = start + md[start..].find("```").unwrap();
        let node =
            regex::Regex::new(r#"^  (n\d+)\["[^"\[\]<>]*"\]:::(create|update|delete|replace)$"#)
                .unwrap();
        let edge = regex::Regex::new(r"^  (n\d+) --> (n\d+)$").unwrap();
        let mut nodes = std::collections::BTreeSet::new();
        let mut edges = 0;
        for line in md[start..end].lines() {
            if line == "flowchart RL" || line.starts_with("  classDef ") {
                continue;
            }
            if let Some(c) = node.captures(line) {
                nodes.insert(c[1].to_string());
            } else if let Some(c) = edge.captures(line) {
                assert!(
                    nodes.contains(&c[1]) && nodes.contains(&c[2]),
                    "edge to an undeclared node: {line}"
                );
                edges += 1;
            } else {
                panic!("not mermaid: {line:?}");
            }
        }
        assert_eq!(nodes.len(), 2);
        assert_eq!(edges, 1, "the database depends on the group");
    }

    #[test]
    fn a_huge_plan_is_cut_to_the_comment_limit_and_says_so() {
        let changes: Vec<ResourceChange> = (0..3000)
            .map(|i| {
                change(
                    addr("aws_security_group", "g", InstanceKey::Int(i)),
                    Action::Create,
                    vec![],
                )
            })
            .collect();
        let md = render(&plan(changes), COMMENT_LIMIT);
        assert!(md.len() <= COMMENT_LIMIT, "{} characters", md.len());
        assert!(
            md.contains("resource changes are not shown"),
            "the cut is announced"
        );
        assert!(md.contains("### strata plan: 3000 to add"));
    }
}
