//! `strata graph`: the instance graph of the example, instance keys of count/for_each, and
//! cycle errors that name each edge.

use crate::lang::{fixtures, strata, text};
use std::path::Path;

fn graph(dir: &Path, format: &str) -> String {
    let out = strata(dir, &["graph", "--format", format]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "graph {format} on {}: {}",
        dir.display(),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn webapp() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/webapp")
}

const WEB: &str = "module.stack.aws_security_group.webserver_group";
const DB_GROUP: &str = "module.stack.aws_security_group.db_group";
const SUBNETS: &str = "module.stack.aws_db_subnet_group.db";
const DB: &str = "module.stack.aws_db_instance.db[0]";

#[test]
fn dot_has_the_example_edges() {
    let dot = graph(&webapp(), "dot");
    assert!(dot.starts_with("digraph strata {"), "{dot}");
    for (from, to) in [(DB_GROUP, WEB), (DB, SUBNETS), (DB, DB_GROUP)] {
        let edge = format!("  \"{from}\" -> \"{to}\";");
        assert!(dot.contains(&edge), "missing {edge} in\n{dot}");
    }
    // The subnet group depends on the data sources, the web group on nothing managed.
    assert!(dot.contains(&format!("  \"{SUBNETS}\" -> \"data.aws_subnets.default\";")));
    assert!(!dot.contains(&format!("  \"{WEB}\" -> \"module.")), "{dot}");
    assert!(
        !dot.contains(&format!("  \"{WEB}\" -> \"{DB_GROUP}\";")),
        "{dot}"
    );
}

#[test]
fn mermaid_has_the_example_edges() {
    let m = graph(&webapp(), "mermaid");
    assert!(m.starts_with("flowchart RL\n"), "{m}");
    let id = |addr: &str| {
        m.lines()
            .find_map(|l| {
                let l = l.trim();
                l.strip_suffix(&format!("[\"{addr}\"]")).map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no node {addr} in\n{m}"))
    };
    for (from, to) in [(DB_GROUP, WEB), (DB, SUBNETS), (DB, DB_GROUP)] {
        let edge = format!("  {} --> {}\n", id(from), id(to));
        assert!(m.contains(&edge), "missing {from} --> {to} in\n{m}");
    }
}

#[test]
fn count_and_for_each_instances_have_keys() {
    let dot = graph(&fixtures().join("count"), "dot");
    for i in 0..3 {
        assert!(
            dot.contains(&format!("\"aws_security_group.web[{i}]\";")),
            "{dot}"
        );
    }
    assert!(
        !dot.contains("aws_security_group.optional"),
        "count = 0: {dot}"
    );

    let dot = graph(&fixtures().join("for_each_map"), "dot");
    for k in ["api", "web"] {
        assert!(
            dot.contains(&format!("\"aws_security_group.g[\\\"{k}\\\"]\";")),
            "{dot}"
        );
    }
    let m = graph(&fixtures().join("for_each_set"), "mermaid");
    assert!(
        m.contains("[\"aws_security_group.env[#quot;dev#quot;]\"]"),
        "{m}"
    );

    let dot = graph(&fixtures().join("modules"), "dot");
    for addr in [
        "module.one.aws_security_group.this",
        "module.counted[1].aws_security_group.this",
        "module.each[\\\"b\\\"].aws_security_group.this",
    ] {
        assert!(dot.contains(&format!("\"{addr}\";")), "{addr} in\n{dot}");
    }
}

/// Dependencies on a counted resource go through one `peers[*]` node, so a drawing of
/// 10,000 instances depending on 10,000 others is not 10^8 edges.
#[test]
fn dependencies_follow_count_instances() {
    let dot = graph(&fixtures().join("expressions"), "dot");
    let to_all = "\"aws_security_group.db\" -> \"aws_security_group.peers[*]\";";
    assert!(dot.contains(to_all), "{to_all} in\n{dot}");
    for i in 0..2 {
        let edge = format!("\"aws_security_group.peers[*]\" -> \"aws_security_group.peers[{i}]\";");
        assert!(dot.contains(&edge), "{edge} in\n{dot}");
    }
}

#[test]
fn cycle_lists_each_edge_with_its_location() {
    let out = strata(&fixtures().join("err_cycle"), &["graph"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Error: Dependency cycle: "), "{stderr}");
    // Three edges: a → b (description), b → local (description), local → a.
    for (loc, line) in [
        ("main.tf:3:17", "aws_security_group.b.id"),
        ("main.tf:8:17", "local.from_a"),
        ("main.tf:12:12", "aws_security_group.a.name"),
    ] {
        assert!(stderr.contains(&format!("--> {loc}")), "{loc} in\n{stderr}");
        assert!(stderr.contains(line), "{line} in\n{stderr}");
    }
    assert_eq!(stderr.matches(" refers to ").count(), 3, "{stderr}");
    insta::assert_snapshot!("graph_cycle", stderr);
}
