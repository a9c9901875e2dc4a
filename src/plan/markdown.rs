//! The plan as a pull-request comment: a heading naming the counts, the directory and the
//! workspace; guardrail findings and data at risk before anything else; drift in its own
//! section; each resource folded in `<details>` with the same diff lines as the text plan
//! (`view`); for larger plans a collapsed Mermaid graph drawn the way apply works through it —
//! and never longer than GitHub's 65,536-character comment limit.

use super::view::{self, ChangeView, Line};
use super::{Action, Plan, ResourceChange};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// GitHub rejects comments longer than this.
pub const COMMENT_LIMIT: usize = 65_536;

/// Below this many changed resources the graph says nothing the list does not.
pub const GRAPH_MIN_NODES: usize = 10;

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

/// A guardrail finding as the comment lists it.
pub use super::Finding;

/// What the comment says besides the plan itself.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The configuration directory, as a reviewer finds it in the repository.
    pub directory: String,
    pub findings: Vec<Finding>,
}

/// What happens to a resource, for a `<summary>` (HTML: Markdown emphasis does not render
/// inside `<summary>`).
fn verb(c: &ResourceChange) -> &'static str {
    match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Delete => "will be <b>destroyed</b>",
        Action::DeleteThenCreate | Action::CreateThenDelete
            if c.reason.as_deref() == Some("replace_because_tainted") =>
        {
            "is tainted, so must be <b>replaced</b>"
        }
        Action::DeleteThenCreate | Action::CreateThenDelete
            if c.reason.as_deref() == Some("replace_by_request") =>
        {
            "will be <b>replaced</b>, as requested"
        }
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be <b>replaced</b>",
        Action::Read => "will be read during apply",
        Action::NoOp if c.importing.is_some() => "will be imported",
        Action::NoOp => "is up to date",
    }
}

/// Text inside a code fence must not close it.
fn fence_safe(s: &str) -> String {
    s.replace("```", "'''")
}

/// A diff line with its marker in the first column, where GitHub's `diff` highlighting looks
/// for it, and the nesting after it.
fn diff_line(line: &Line) -> String {
    let forces = if line.forces_replacement {
        "   # forces replacement"
    } else {
        ""
    };
    format!(
        "{} {}{}{forces}",
        line.op.marker(),
        "    ".repeat(line.depth),
        fence_safe(&line.text)
    )
}

fn attribute_diff(c: &ResourceChange) -> String {
    let mut out = String::new();
    for line in ChangeView::new(c).lines() {
        let _ = writeln!(out, "{}", diff_line(&line));
    }
    out
}

fn details(c: &ResourceChange) -> String {
    let forced = if c.action.is_replace() && !c.replace_paths.is_empty() {
        let paths: Vec<String> = c
            .replace_paths
            .iter()
            .map(|p| format!("<code>{}</code>", html_escape(p)))
            .collect();
        format!(", forced by {}", paths.join(", "))
    } else {
        String::new()
    };
    format!(
        "<details><summary><code>{} {}</code> {}{forced}</summary>\n\n```diff\n{}```\n\n</details>\n",
        html_escape(c.action.symbol()),
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

/// Text in a table cell: no line breaks, no column separators.
fn cell(s: &str) -> String {
    html_escape(s).replace('|', "\\|").replace('\n', " ")
}

/// The changes as a Mermaid flowchart, each arrow from a dependency to what depends on it:
/// the direction apply works in.
fn mermaid(changes: &[&ResourceChange]) -> String {
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
    let mut out = String::from("```mermaid\nflowchart LR\n");
    for (i, c) in changes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{i}[\"{} {}\"]:::{}",
            mermaid_text(c.action.symbol()),
            mermaid_text(&c.addr.to_string()),
            class(c.action)
        );
    }
    for (i, c) in changes.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for dep in &c.depends_on {
            for &j in by_resource.get(&dep.to_string()).into_iter().flatten() {
                if j != i && seen.insert(j) {
                    let _ = writeln!(out, "  n{j} --> n{i}");
                }
            }
        }
    }
    for (name, style) in CLASSES {
        let _ = writeln!(out, "  classDef {name} {style}");
    }
    out.push_str("```\n");
    out
}

fn class(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::Read => "read",
        _ => "replace",
    }
}

/// Node colours, as GitHub's own diff colours.
const CLASSES: &[(&str, &str)] = &[
    ("create", "fill:#dafbe1,stroke:#1a7f37"),
    ("update", "fill:#fff8c5,stroke:#9a6700"),
    ("delete", "fill:#ffebe9,stroke:#cf222e"),
    ("replace", "fill:#fbefff,stroke:#8250df"),
    ("read", "fill:#ddf4ff,stroke:#0969da"),
];

const LEGEND: &str =
    "Arrows run from a dependency to what depends on it, the order apply works in. \
`+` green: created · `~` yellow: updated in place · `-` red: destroyed · `-/+` purple: replaced · \
`<=` blue: read during apply.";

/// Mermaid labels: quotes and markdown-ish characters are written as entity codes.
fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('[', "#91;")
        .replace(']', "#93;")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The guardrail findings; `overridden` are the errors `--soft-fail` let through (the plan's
/// record of them, listed when the caller has no findings of its own).
fn findings_section(findings: &[Finding], overridden: &[Finding]) -> String {
    let findings = if findings.is_empty() {
        overridden
    } else {
        findings
    };
    if findings.is_empty() {
        return String::new();
    }
    let soft_failed = !overridden.is_empty();
    let active: Vec<&Finding> = findings.iter().filter(|f| f.waived.is_none()).collect();
    let errors = active.iter().filter(|f| f.severity == "error").count();
    let warnings = active.len() - errors;
    let waived = findings.len() - active.len();
    let mut out = String::new();
    let kind = if errors > 0 { "CAUTION" } else { "WARNING" };
    let _ = writeln!(
        out,
        "> [!{kind}]\n> **Guardrails:** {}, {}{}{}.\n",
        plural(errors, "error", "errors"),
        plural(warnings, "warning", "warnings"),
        if waived > 0 {
            format!(", {waived} waived")
        } else {
            String::new()
        },
        if soft_failed {
            format!(
                "; {} overridden by `--soft-fail`",
                plural(overridden.len(), "guardrail error", "guardrail errors")
            )
        } else {
            String::new()
        }
    );
    out.push_str("| Severity | Rule | Resource | Where | Finding |\n|---|---|---|---|---|\n");
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| (f.waived.is_some(), f.severity != "error"));
    for f in sorted {
        let severity = match (&f.waived, f.severity.as_str()) {
            (Some(_), s) => format!("{s} (waived)"),
            (None, "error") if soft_failed => "❌ error (overridden by `--soft-fail`)".into(),
            (None, "error") => "❌ error".into(),
            (None, s) => format!("⚠️ {s}"),
        };
        let message = match &f.waived {
            Some(reason) => format!("{} (waived: {reason})", f.message),
            None => f.message.clone(),
        };
        let _ = writeln!(
            out,
            "| {severity} | `{}` | `{}` | {} | {} |",
            cell(&f.rule),
            cell(&f.address),
            f.location
                .as_deref()
                .map(|l| format!("`{}`", cell(l)))
                .unwrap_or_default(),
            cell(&message)
        );
    }
    out.push('\n');
    out
}

/// Renders the plan as Markdown, within `limit` characters.
pub fn render(plan: &Plan, context: &Context, limit: usize) -> String {
    let changes: Vec<&ResourceChange> = view::shown_changes(plan).collect();
    let s = plan.summary();
    let mut head = String::new();
    let place = if context.directory.is_empty() {
        format!("workspace `{}`", plan.workspace)
    } else {
        format!("`{}`, workspace `{}`", context.directory, plan.workspace)
    };
    let drift = plan.reported_drift();
    if plan.refresh_only {
        let _ = writeln!(
            head,
            "### strata drift report for {place}: {} changed outside strata\n",
            plural(drift.len(), "object", "objects"),
        );
    } else if changes.is_empty() && !plan.has_changes() {
        let _ = writeln!(
            head,
            "### strata plan for {place}: no changes\n\nYour infrastructure matches the configuration.\n"
        );
    } else {
        let _ = writeln!(
            head,
            "### strata plan for {place}: {}\n",
            s.to_string()
                .trim_start_matches("Plan: ")
                .trim_end_matches('.')
        );
    }
    head.push_str(&findings_section(&context.findings, &plan.overridden));
    let at_risk: Vec<&ResourceChange> = changes
        .iter()
        .filter(|c| {
            is_stateful(&c.addr.resource.type_)
                && matches!(
                    c.action,
                    Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
                )
        })
        .copied()
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
    if !drift.is_empty() {
        head.push_str("#### Changed outside strata\n\n");
        for d in drift {
            match view::drift_change(d, plan.refresh_only) {
                Some(change) => {
                    let names: Vec<String> = ChangeView::new(&change)
                        .attributes
                        .iter()
                        .map(|a| format!("<code>{}</code>", html_escape(&a.name)))
                        .collect();
                    let _ = writeln!(
                        head,
                        "<details><summary><code>{}</code> has changed: {}</summary>\n\n```diff\n{}```\n\n</details>\n",
                        html_escape(&d.addr.to_string()),
                        names.join(", "),
                        attribute_diff(&change)
                    );
                }
                None => {
                    let _ = writeln!(head, "- `{}` has been deleted\n", d.addr);
                }
            }
        }
    }
    let mut body = String::new();
    if !changes.is_empty() {
        body.push_str("#### Changes\n\n");
    }
    // Stateful destroys and replaces first, then the rest in plan order.
    let mut ordered: Vec<&ResourceChange> = at_risk.clone();
    ordered.extend(
        changes
            .iter()
            .filter(|c| !at_risk.iter().any(|r| r.addr == c.addr))
            .copied(),
    );
    let graph = if changes.len() < GRAPH_MIN_NODES {
        String::new()
    } else {
        format!(
            "\n<details><summary>Graph of the changes ({} resources)</summary>\n\n{}\n{LEGEND}\n\n</details>\n",
            changes.len(),
            mermaid(&changes)
        )
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
    use crate::value::Value;

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
            replace_paths: if action == Action::DeleteThenCreate {
                vec!["name".into()]
            } else {
                vec![]
            },
            depends_on: deps,
            ..ResourceChange::new(
                a,
                action,
                (action != Action::Create).then(|| obj.clone()),
                (action != Action::Delete).then_some(obj),
            )
        }
    }

    fn plan(changes: Vec<ResourceChange>) -> Plan {
        Plan::of_changes(changes)
    }

    fn small() -> Plan {
        let sg = addr("aws_security_group", "web", InstanceKey::None);
        let db = addr("aws_db_instance", "main", InstanceKey::None);
        plan(vec![
            change(sg.clone(), Action::Create, vec![]),
            change(db, Action::DeleteThenCreate, vec![sg.abs_resource()]),
        ])
    }

    /// Ten groups each used by the one before it, and a database using the first.
    fn chain() -> Plan {
        let mut changes = Vec::new();
        for i in 0..10 {
            let deps = if i == 0 {
                vec![]
            } else {
                vec![addr(
                    "aws_security_group",
                    &format!("g{}", i - 1),
                    InstanceKey::None,
                )
                .abs_resource()]
            };
            changes.push(change(
                addr("aws_security_group", &format!("g{i}"), InstanceKey::None),
                Action::Create,
                deps,
            ));
        }
        changes.push(change(
            addr("aws_db_instance", "main", InstanceKey::None),
            Action::Update,
            vec![addr("aws_security_group", "g0", InstanceKey::None).abs_resource()],
        ));
        plan(changes)
    }

    fn context() -> Context {
        Context {
            directory: "envs/prod".into(),
            findings: vec![
                Finding {
                    rule: "SG_SSH_OPEN".into(),
                    severity: "warning".into(),
                    address: "aws_security_group.web".into(),
                    location: Some("main.tf:12:5".into()),
                    message: "SSH is open to the internet".into(),
                    waived: None,
                },
                Finding {
                    rule: "SG_DB_PORT_OPEN".into(),
                    severity: "error".into(),
                    address: "aws_security_group.web".into(),
                    location: Some("main.tf:20:5".into()),
                    message: "A database port | is open".into(),
                    waived: None,
                },
            ],
        }
    }

    #[test]
    fn a_small_plan_puts_findings_and_data_at_risk_first_and_hides_secrets() {
        let md = render(&small(), &context(), COMMENT_LIMIT);
        assert!(
            md.starts_with(
                "### strata plan for `envs/prod`, workspace `default`: 2 to add, 0 to change, 1 to destroy\n"
            ),
            "{md}"
        );
        let findings = md
            .find("**Guardrails:** 1 error, 1 warning.")
            .expect("findings");
        let warning = md
            .find("**Data at risk.**")
            .expect("data at risk called out");
        let details = md.find("<details>").unwrap();
        assert!(findings < warning && warning < details, "{md}");
        // The error comes first; a `|` in a message does not break the table.
        let error_row = md.find("| ❌ error | `SG_DB_PORT_OPEN` | `aws_security_group.web` | `main.tf:20:5` | A database port \\| is open |");
        let warning_row = md.find("| ⚠️ warning | `SG_SSH_OPEN` |");
        assert!(error_row.is_some() && warning_row.is_some(), "{md}");
        assert!(error_row < warning_row);
        assert!(
            md.contains("`aws_db_instance.main` must be <b>replaced</b> (forced by `name`)"),
            "{md}"
        );
        assert!(
            !md.contains("hunter2-secret"),
            "a sensitive value leaked:\n{md}"
        );
        assert!(md.contains("(sensitive value)"));
    }

    /// Regression: summaries read `must be **replaced**`, and GitHub renders no Markdown
    /// inside `<summary>`: the asterisks showed literally.
    #[test]
    fn summaries_hold_no_markdown_emphasis() {
        let md = render(&small(), &context(), COMMENT_LIMIT);
        let summary = regex::Regex::new(r"<summary>(.*?)</summary>").unwrap();
        let mut n = 0;
        for c in summary.captures_iter(&md) {
            n += 1;
            assert!(!c[1].contains("**") && !c[1].contains('`'), "{}", &c[1]);
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn the_graph_is_left_out_below_ten_resources() {
        let md = render(&small(), &context(), COMMENT_LIMIT);
        assert!(!md.contains("mermaid"), "{md}");
        // The boundary: nine changed resources get no graph, ten do.
        for (n, graphed) in [(9, false), (GRAPH_MIN_NODES, true)] {
            let mut p = chain();
            p.changes.truncate(n);
            let md = render(&p, &context(), COMMENT_LIMIT);
            assert_eq!(md.contains("```mermaid"), graphed, "{n} resources:\n{md}");
        }
    }

    /// Mermaid syntax GitHub renders: every line is a header, a node, an edge or a class
    /// definition, every edge joins declared nodes and runs from a dependency to its
    /// dependent; the graph is collapsed and carries a legend.
    #[test]
    fn the_mermaid_graph_is_collapsed_well_formed_and_runs_dependency_to_dependent() {
        let md = render(&chain(), &context(), COMMENT_LIMIT);
        let open = md
            .find("<details><summary>Graph of the changes (11 resources)</summary>")
            .expect("a collapsed graph");
        let start = md.find("```mermaid\n").expect("a mermaid block") + "```mermaid\n".len();
        let end = start + md[start..].find("```").unwrap();
        assert!(open < start);
        assert!(md[end..].contains("Arrows run from a dependency to what depends on it"));
        assert!(md[end..].find("</details>").is_some());
        let node = regex::Regex::new(
            r#"^  (n\d+)\["[^"\[\]<>]*"\]:::(create|update|delete|replace|read)$"#,
        )
        .unwrap();
        let edge = regex::Regex::new(r"^  (n\d+) --> (n\d+)$").unwrap();
        let mut nodes = BTreeMap::new();
        let mut edges = Vec::new();
        for line in md[start..end].lines() {
            if line == "flowchart LR" || line.starts_with("  classDef ") {
                continue;
            }
            if let Some(c) = node.captures(line) {
                nodes.insert(c[1].to_string(), line.to_string());
            } else if let Some(c) = edge.captures(line) {
                assert!(
                    nodes.contains_key(&c[1]) && nodes.contains_key(&c[2]),
                    "edge to an undeclared node: {line}"
                );
                edges.push((nodes[&c[1]].clone(), nodes[&c[2]].clone()));
            } else {
                panic!("not mermaid: {line:?}");
            }
        }
        assert_eq!(nodes.len(), 11);
        assert_eq!(edges.len(), 10);
        assert!(
            edges
                .iter()
                .any(|(from, to)| from.contains("aws_security_group.g0\"")
                    && to.contains("aws_db_instance.main")),
            "the group points at the database that uses it: {edges:?}"
        );
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
        let md = render(&plan(changes), &context(), COMMENT_LIMIT);
        assert!(md.len() <= COMMENT_LIMIT, "{} characters", md.len());
        assert!(
            md.contains("resource changes are not shown"),
            "the cut is announced"
        );
        assert!(md.contains(": 3000 to add"));
    }
}
