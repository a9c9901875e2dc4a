//! Network rules: security groups, their ingress rules, and the databases behind them
//! (SG_DB_PORT_OPEN, SG_SSH_OPEN, DB_REACHABLE_FROM_WORLD). Security group ids are unknown
//! before apply, so the groups a rule or database names are resolved statically from the
//! expressions (`aws_security_group.web.id`, directly or through locals).

use super::{NoScope, DB_REACHABLE_FROM_WORLD, SG_DB_PORT_OPEN, SG_SSH_OPEN};
use crate::check::{Finding, Instance};
use crate::config::refs::references;
use crate::config::Expr;
use crate::value::Value;
use std::collections::BTreeSet;

/// Database and cache ports checked on every security group.
const KNOWN_PORTS: &[(i64, &str)] = &[
    (3306, "MySQL/MariaDB"),
    (5432, "PostgreSQL"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (6379, "Redis/Valkey"),
    (11211, "Memcached"),
];

const WORLD_V4: &str = "0.0.0.0/0";
const WORLD_V6: &str = "::/0";

/// Database-like types and the argument naming their security groups.
const DATABASES: &[(&str, &str)] = &[
    ("aws_db_instance", "vpc_security_group_ids"),
    ("aws_rds_cluster", "vpc_security_group_ids"),
    ("aws_elasticache_replication_group", "security_group_ids"),
    ("aws_elasticache_cluster", "security_group_ids"),
];

/// A security group, statically: the module instance it lives in and its resource name.
type GroupKey = (String, String);

fn group_display(key: &GroupKey) -> String {
    if key.0.is_empty() {
        format!("aws_security_group.{}", key.1)
    } else {
        format!("{}.aws_security_group.{}", key.0, key.1)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ports {
    All,
    Range(i64, i64),
    /// Not TCP, or not known before apply.
    Other,
}

impl Ports {
    fn covers(self, port: i64) -> bool {
        match self {
            Ports::All => true,
            Ports::Range(a, b) => a <= port && port <= b,
            Ports::Other => false,
        }
    }

    fn of(protocol: &Value, from: &Value, to: &Value) -> Ports {
        match protocol.as_str().map(|p| p.to_ascii_lowercase()) {
            Some(p) if p == "-1" || p == "all" => Ports::All,
            Some(p) if p == "tcp" || p == "6" => match (from.as_i64(), to.as_i64()) {
                (Some(a), Some(b)) => Ports::Range(a, b),
                (Some(a), None) => Ports::Range(a, a),
                _ => Ports::Other,
            },
            _ => Ports::Other,
        }
    }
}

/// One ingress permission, from an inline block or a standalone rule resource.
struct Ingress<'a> {
    inst: &'a Instance,
    /// The groups the rule is part of.
    targets: Vec<GroupKey>,
    /// Source groups it admits.
    sources: Vec<GroupKey>,
    ports: Ports,
    /// The world CIDR it admits, if any.
    world: Option<&'static str>,
    span: crate::diag::Span,
}

struct Database<'a> {
    inst: &'a Instance,
    port: Option<i64>,
    groups: Vec<GroupKey>,
    groups_span: crate::diag::Span,
}

pub(super) struct Network<'a> {
    ingress: Vec<Ingress<'a>>,
    databases: Vec<Database<'a>>,
}

fn world_in(list: &Value, world: &'static str) -> bool {
    list.as_list()
        .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(world)))
}

impl<'a> Network<'a> {
    pub(super) fn build(instances: &'a [Instance]) -> Network<'a> {
        let mut net = Network {
            ingress: Vec::new(),
            databases: Vec::new(),
        };
        for inst in instances {
            let module = inst.addr.module.to_string();
            match inst.type_() {
                "aws_security_group" => {
                    let me = (module.clone(), inst.resource.name.clone());
                    let blocks = inst.get("ingress").as_list().cloned().unwrap_or_default();
                    let written = match_blocks(inst, "ingress", &blocks);
                    for (block, source) in blocks.iter().zip(written) {
                        let world =
                            if world_in(block.get("cidr_blocks").unwrap_or(&Value::Null), WORLD_V4)
                            {
                                Some(WORLD_V4)
                            } else if world_in(
                                block.get("ipv6_cidr_blocks").unwrap_or(&Value::Null),
                                WORLD_V6,
                            ) {
                                Some(WORLD_V6)
                            } else {
                                None
                            };
                        let field = |n: &str| block.get(n).cloned().unwrap_or(Value::Null);
                        let mut sources = Vec::new();
                        if let Some(b) = source {
                            if let Some(a) = b.body.attr("security_groups") {
                                sources = group_refs(inst, &a.expr);
                            }
                        }
                        if field("self").as_bool() == Some(true) {
                            sources.push(me.clone());
                        }
                        net.ingress.push(Ingress {
                            inst,
                            targets: vec![me.clone()],
                            sources,
                            ports: Ports::of(
                                &field("protocol"),
                                &field("from_port"),
                                &field("to_port"),
                            ),
                            world,
                            span: inline_span(inst, "ingress", source, world),
                        });
                    }
                }
                "aws_security_group_rule" => {
                    if inst.get("type").as_str() != Some("ingress") {
                        continue;
                    }
                    let world = if world_in(inst.get("cidr_blocks"), WORLD_V4) {
                        Some(WORLD_V4)
                    } else if world_in(inst.get("ipv6_cidr_blocks"), WORLD_V6) {
                        Some(WORLD_V6)
                    } else {
                        None
                    };
                    let targets = attr_group_refs(inst, "security_group_id");
                    let mut sources = attr_group_refs(inst, "source_security_group_id");
                    if inst.get("self").as_bool() == Some(true) {
                        sources.extend(targets.iter().cloned());
                    }
                    let span = match world {
                        Some(WORLD_V6) => inst.span_of("ipv6_cidr_blocks"),
                        _ => inst.span_of("cidr_blocks"),
                    };
                    net.ingress.push(Ingress {
                        inst,
                        targets,
                        sources,
                        ports: Ports::of(
                            inst.get("protocol"),
                            inst.get("from_port"),
                            inst.get("to_port"),
                        ),
                        world,
                        span,
                    });
                }
                "aws_vpc_security_group_ingress_rule" => {
                    let world = if inst.get("cidr_ipv4").as_str() == Some(WORLD_V4) {
                        Some(WORLD_V4)
                    } else if inst.get("cidr_ipv6").as_str() == Some(WORLD_V6) {
                        Some(WORLD_V6)
                    } else {
                        None
                    };
                    let span = match world {
                        Some(WORLD_V6) => inst.span_of("cidr_ipv6"),
                        _ => inst.span_of("cidr_ipv4"),
                    };
                    net.ingress.push(Ingress {
                        inst,
                        targets: attr_group_refs(inst, "security_group_id"),
                        sources: attr_group_refs(inst, "referenced_security_group_id"),
                        ports: Ports::of(
                            inst.get("ip_protocol"),
                            inst.get("from_port"),
                            inst.get("to_port"),
                        ),
                        world,
                        span,
                    });
                }
                t => {
                    if let Some((_, attr)) = DATABASES.iter().find(|(d, _)| *d == t) {
                        net.databases.push(Database {
                            inst,
                            port: inst.get("port").as_i64().or_else(|| default_port(inst)),
                            groups: attr_group_refs(inst, attr),
                            groups_span: inst.span_of(attr),
                        });
                    }
                }
            }
        }
        net
    }

    /// SG_DB_PORT_OPEN and SG_SSH_OPEN.
    pub(super) fn open_ports(&self, out: &mut Vec<Finding>) {
        for rule in &self.ingress {
            let Some(world) = rule.world else { continue };
            let mut hits: Vec<String> = Vec::new();
            for (port, name) in KNOWN_PORTS {
                if rule.ports.covers(*port) {
                    hits.push(format!("{port} ({name})"));
                }
            }
            let mut seen = BTreeSet::new();
            for db in &self.databases {
                let Some(port) = db.port else { continue };
                if KNOWN_PORTS.iter().any(|(p, _)| *p == port) || !seen.insert(port) {
                    continue;
                }
                if rule.ports.covers(port) && db.groups.iter().any(|g| rule.targets.contains(g)) {
                    hits.push(format!("{port} (port of {})", db.inst.address()));
                }
            }
            if !hits.is_empty() {
                let what = if rule.ports == Ports::All {
                    "every port (protocol -1), including ".to_string()
                } else {
                    String::new()
                };
                out.push(Finding::new(
                    SG_DB_PORT_OPEN,
                    rule.inst.address(),
                    Some(rule.span),
                    format!(
                        "ingress from {world} opens {what}database port{} {} to the internet",
                        if hits.len() == 1 { "" } else { "s" },
                        hits.join(", ")
                    ),
                ));
            }
            if rule.ports.covers(22) {
                out.push(Finding::new(
                    SG_SSH_OPEN,
                    rule.inst.address(),
                    Some(rule.span),
                    format!("ingress from {world} opens SSH (22) to the internet"),
                ));
            }
        }
    }

    /// DB_REACHABLE_FROM_WORLD: database ← group G ← source group X ← the world, on its port.
    pub(super) fn reachable_databases(&self, out: &mut Vec<Finding>) {
        for db in &self.databases {
            let Some(port) = db.port else { continue };
            let mut paths = Vec::new();
            for rule in &self.ingress {
                let Some(g) = rule.targets.iter().find(|g| db.groups.contains(g)) else {
                    continue;
                };
                if !rule.ports.covers(port) {
                    continue;
                }
                for x in &rule.sources {
                    if x == g {
                        continue;
                    }
                    let open = self.ingress.iter().find(|w| {
                        w.targets.contains(x) && w.world.is_some() && w.ports.covers(port)
                    });
                    if let Some(w) = open {
                        let path = format!(
                            "{} admits {}, which is open to {} on {port}",
                            group_display(g),
                            group_display(x),
                            w.world.unwrap_or(WORLD_V4)
                        );
                        if !paths.contains(&path) {
                            paths.push(path);
                        }
                    }
                }
            }
            if !paths.is_empty() {
                out.push(Finding::new(
                    DB_REACHABLE_FROM_WORLD,
                    db.inst.address(),
                    Some(db.groups_span),
                    format!(
                        "reachable from the internet on port {port}: {}",
                        paths.join("; ")
                    ),
                ));
            }
        }
    }
}

fn default_port(inst: &Instance) -> Option<i64> {
    let engine = inst.get("engine").as_str().map(str::to_ascii_lowercase);
    let engine = match (inst.type_(), engine) {
        (_, Some(e)) => e,
        ("aws_rds_cluster", None) => "aurora".into(),
        ("aws_elasticache_replication_group" | "aws_elasticache_cluster", None) => "redis".into(),
        _ => return None,
    };
    let port = if engine.contains("postgres") {
        5432
    } else if engine.contains("mysql") || engine.contains("mariadb") || engine == "aurora" {
        3306
    } else if engine.starts_with("oracle") {
        1521
    } else if engine.starts_with("sqlserver") {
        1433
    } else if engine == "redis" || engine == "valkey" {
        6379
    } else if engine == "memcached" {
        11211
    } else {
        return None;
    };
    Some(port)
}

/// Pairs each evaluated block of `kind` (a set: its order is not the source's) with the block
/// written in the source: every argument written as a literal must match; the most matches
/// wins. Blocks from `dynamic` (or unmatched) get `None`.
fn match_blocks<'r>(
    inst: &'r Instance,
    kind: &'r str,
    items: &[Value],
) -> Vec<Option<&'r crate::config::Block>> {
    let body = &inst.resource.body;
    let blocks: Vec<&crate::config::Block> = body.blocks_of(kind).collect();
    let dir = inst
        .modules
        .last()
        .map(|m| m.dir.clone())
        .unwrap_or_default();
    let literals: Vec<Vec<(String, Value)>> = blocks
        .iter()
        .map(|b| {
            b.body
                .attrs
                .values()
                .filter(|a| references(&a.expr, &[]).is_empty())
                .filter_map(|a| {
                    crate::eval::body::eval_expr(&NoScope, &a.expr, &dir, &[])
                        .ok()
                        .map(|v| (a.name.clone(), v))
                })
                .collect()
        })
        .collect();
    let mut used = vec![false; blocks.len()];
    items
        .iter()
        .map(|item| {
            let mut best: Option<(usize, usize)> = None;
            for (j, lits) in literals.iter().enumerate() {
                if used[j] {
                    continue;
                }
                let mut score = 0;
                let mut ok = true;
                for (name, v) in lits {
                    match item.get(name) {
                        Some(iv) if same(iv, v) => score += 1,
                        _ => ok = false,
                    }
                }
                if ok && best.is_none_or(|(_, s)| score > s) {
                    best = Some((j, score));
                }
            }
            best.map(|(j, _)| {
                used[j] = true;
                blocks[j]
            })
        })
        .collect()
}

/// Equal, reading numbers as numbers and lists as sets.
fn same(a: &Value, b: &Value) -> bool {
    match (a.unmarked(), b.unmarked()) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Number(x), Value::String(y)) | (Value::String(y), Value::Number(x)) => {
            y.parse::<f64>().ok() == Some(*x)
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().all(|i| y.iter().any(|j| same(i, j)))
        }
        (x, y) => x == y,
    }
}

/// Where an inline block admits the world (its CIDR argument), as precisely as the source
/// allows.
fn inline_span(
    inst: &Instance,
    kind: &str,
    block: Option<&crate::config::Block>,
    world: Option<&str>,
) -> crate::diag::Span {
    let body = &inst.resource.body;
    if let Some(a) = body.attr(kind) {
        return a.expr.span();
    }
    if let Some(b) = block {
        let name = if world == Some(WORLD_V6) {
            "ipv6_cidr_blocks"
        } else {
            "cidr_blocks"
        };
        return b.body.attr(name).map(|a| a.expr.span()).unwrap_or(b.span);
    }
    body.blocks
        .iter()
        .find(|b| b.kind == "dynamic" && b.labels.first().map(String::as_str) == Some(kind))
        .map(|b| b.span)
        .unwrap_or(inst.resource.span)
}

fn attr_group_refs(inst: &Instance, name: &str) -> Vec<GroupKey> {
    let module = inst.addr.module.to_string();
    super::attr_refs(inst, name, "aws_security_group")
        .into_iter()
        .map(|group| (module.clone(), group))
        .collect()
}

/// The security groups an expression names, statically: `aws_security_group.web.id`
/// directly, or through locals of the same module.
fn group_refs(inst: &Instance, expr: &Expr) -> Vec<GroupKey> {
    let module = inst.addr.module.to_string();
    super::resource_refs(inst, expr, "aws_security_group")
        .into_iter()
        .map(|name| (module.clone(), name))
        .collect()
}
