//! The rules. Each is keyed by terraform-provider-aws type and argument names, so a rule
//! applies to a type as soon as strata supports it.
//!
//! Rules read evaluated values (`Instance::config`), and the expressions where the syntax is
//! the point (a literal password) or where values are unknown before apply (security group ids:
//! `aws_security_group.web.id` is resolved statically to the group it names).

use super::{Finding, Instance, Severity};
use crate::config::refs::{references, Subject};
use crate::config::{Expr, Module};
use crate::plan::{Action, Plan};
use crate::value::Value;
use hcl_edit::expr::{Expression, TraversalOperator};
use std::collections::BTreeSet;
use std::sync::Arc;

pub const SG_DB_PORT_OPEN: &str = "SG_DB_PORT_OPEN";
pub const SG_SSH_OPEN: &str = "SG_SSH_OPEN";
pub const DB_REACHABLE_FROM_WORLD: &str = "DB_REACHABLE_FROM_WORLD";
pub const DB_PUBLICLY_ACCESSIBLE: &str = "DB_PUBLICLY_ACCESSIBLE";
pub const DB_STORAGE_UNENCRYPTED: &str = "DB_STORAGE_UNENCRYPTED";
pub const CACHE_AT_REST_UNENCRYPTED: &str = "CACHE_AT_REST_UNENCRYPTED";
pub const CACHE_TRANSIT_UNENCRYPTED: &str = "CACHE_TRANSIT_UNENCRYPTED";
pub const SNAPSHOT_COPY_NO_KMS_KEY: &str = "SNAPSHOT_COPY_NO_KMS_KEY";
pub const PROD_NO_BACKUPS: &str = "PROD_NO_BACKUPS";
pub const PROD_NO_FINAL_SNAPSHOT: &str = "PROD_NO_FINAL_SNAPSHOT";
pub const PROD_NO_DELETION_PROTECTION: &str = "PROD_NO_DELETION_PROTECTION";
pub const LITERAL_SECRET: &str = "LITERAL_SECRET";
pub const PLAN_DESTROYS_DATA: &str = "PLAN_DESTROYS_DATA";
pub const WAIVER_WITHOUT_REASON: &str = "WAIVER_WITHOUT_REASON";
pub const WAIVER_UNKNOWN_RULE: &str = "WAIVER_UNKNOWN_RULE";

/// A rule's documentation (README table, SARIF `rules[]`).
#[derive(Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    /// PascalCase name (SARIF `name`).
    pub name: &'static str,
    pub severity: Severity,
    /// One line: why it matters.
    pub short: &'static str,
    pub full: &'static str,
    /// What to do about it.
    pub help: &'static str,
    pub tags: &'static [&'static str],
}

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        id: SG_DB_PORT_OPEN,
        name: "SecurityGroupDatabasePortOpen",
        severity: Severity::Error,
        short: "A database or cache port is open to the internet",
        full: "An ingress rule admits 0.0.0.0/0 or ::/0 on a database or cache port (3306, 5432, 1433, 1521, 6379, 11211, or the port of a database that uses the group). Databases must only be reachable from the tiers that use them.",
        help: "admit the application's security group (security_groups / source_security_group_id) or a private CIDR instead of the world",
        tags: &["security", "network", "database"],
    },
    RuleInfo {
        id: SG_SSH_OPEN,
        name: "SecurityGroupSshOpen",
        severity: Severity::Warning,
        short: "SSH is open to the internet",
        full: "An ingress rule admits 0.0.0.0/0 or ::/0 on port 22. SSH should be reachable only from an admin network or a bastion.",
        help: "restrict port 22 to the admin network's CIDR, or use SSM Session Manager",
        tags: &["security", "network"],
    },
    RuleInfo {
        id: DB_REACHABLE_FROM_WORLD,
        name: "DatabaseReachableFromWorld",
        severity: Severity::Error,
        short: "A database admits a security group that is itself open to the internet on the database port",
        full: "The database's security group admits another group on the database port, and that group admits 0.0.0.0/0 or ::/0 on the same port: anything in it is a pass-through from the internet to the database.",
        help: "close the database port to the world on the source group, or admit a narrower group",
        tags: &["security", "network", "database"],
    },
    RuleInfo {
        id: DB_PUBLICLY_ACCESSIBLE,
        name: "DatabasePubliclyAccessible",
        severity: Severity::Error,
        short: "The database gets a public IP address",
        full: "publicly_accessible = true gives the database instance a public DNS name and address, reachable from the internet wherever its security groups allow.",
        help: "set publicly_accessible = false and reach the database from inside the VPC",
        tags: &["security", "network", "database"],
    },
    RuleInfo {
        id: DB_STORAGE_UNENCRYPTED,
        name: "DatabaseStorageUnencrypted",
        severity: Severity::Warning,
        short: "Database storage is not encrypted at rest",
        full: "storage_encrypted is false or unset, so the data, its automated backups and snapshots are stored unencrypted. Encryption cannot be turned on later without a snapshot restore.",
        help: "set storage_encrypted = true (and kms_key_id for a customer-managed key)",
        tags: &["security", "encryption", "database"],
    },
    RuleInfo {
        id: CACHE_AT_REST_UNENCRYPTED,
        name: "CacheAtRestUnencrypted",
        severity: Severity::Warning,
        short: "ElastiCache data is not encrypted at rest",
        full: "at_rest_encryption_enabled is false or unset on the replication group: its disks and backups are stored unencrypted.",
        help: "set at_rest_encryption_enabled = true",
        tags: &["security", "encryption", "cache"],
    },
    RuleInfo {
        id: CACHE_TRANSIT_UNENCRYPTED,
        name: "CacheTransitUnencrypted",
        severity: Severity::Warning,
        short: "ElastiCache traffic is not encrypted in transit",
        full: "transit_encryption_enabled is false or unset on the replication group: clients talk to it in clear text, and an AUTH token cannot be used.",
        help: "set transit_encryption_enabled = true",
        tags: &["security", "encryption", "cache"],
    },
    RuleInfo {
        id: SNAPSHOT_COPY_NO_KMS_KEY,
        name: "SnapshotCopyWithoutKmsKey",
        severity: Severity::Error,
        short: "A snapshot copy names no KMS key",
        full: "A snapshot copy without kms_key_id is unencrypted when its source is, and a cross-region copy of an encrypted snapshot fails without a key in the target region.",
        help: "set kms_key_id to a key in the copy's region",
        tags: &["security", "encryption", "snapshot"],
    },
    RuleInfo {
        id: PROD_NO_BACKUPS,
        name: "ProductionWithoutBackups",
        severity: Severity::Warning,
        short: "A production database keeps no automated backups",
        full: "backup_retention_period = 0 on a resource tagged as production disables automated backups and point-in-time recovery.",
        help: "set backup_retention_period to at least 7 days",
        tags: &["reliability", "backup", "database"],
    },
    RuleInfo {
        id: PROD_NO_FINAL_SNAPSHOT,
        name: "ProductionWithoutFinalSnapshot",
        severity: Severity::Warning,
        short: "A production database is destroyed without a final snapshot",
        full: "skip_final_snapshot = true with no final_snapshot_identifier on a resource tagged as production: destroying it loses the data for good.",
        help: "set skip_final_snapshot = false and a final_snapshot_identifier",
        tags: &["reliability", "backup", "database"],
    },
    RuleInfo {
        id: PROD_NO_DELETION_PROTECTION,
        name: "ProductionWithoutDeletionProtection",
        severity: Severity::Warning,
        short: "A production database can be deleted by any API call",
        full: "deletion_protection is false or unset on a resource tagged as production.",
        help: "set deletion_protection = true",
        tags: &["reliability", "database"],
    },
    RuleInfo {
        id: LITERAL_SECRET,
        name: "LiteralSecret",
        severity: Severity::Error,
        short: "A password or auth token is written in the configuration",
        full: "password, master_password or auth_token is a literal string in the configuration, so it is in version control and every copy of the code.",
        help: "pass it in a sensitive variable, generate it (random_password), or set manage_master_user_password = true",
        tags: &["security", "secrets"],
    },
    RuleInfo {
        id: PLAN_DESTROYS_DATA,
        name: "PlanDestroysData",
        severity: Severity::Warning,
        short: "The plan destroys or replaces stored data",
        full: "A database, cluster, cache or snapshot is deleted or replaced by this plan; what it holds is gone unless a snapshot is kept.",
        help: "check the plan; keep a final snapshot, or use prevent_destroy on resources that hold data",
        tags: &["reliability", "data-loss"],
    },
    RuleInfo {
        id: WAIVER_WITHOUT_REASON,
        name: "WaiverWithoutReason",
        severity: Severity::Error,
        short: "A waiver gives no reason",
        full: "Every waiver (check_ignore or # strata:ignore) must say why the finding is acceptable, in a comment on the same line or the line above.",
        help: "add a comment: check_ignore = [\"RULE\"] # why, or # strata:ignore RULE why",
        tags: &["waiver"],
    },
    RuleInfo {
        id: WAIVER_UNKNOWN_RULE,
        name: "WaiverUnknownRule",
        severity: Severity::Error,
        short: "A waiver names a rule that does not exist",
        full: "check_ignore lists a rule id strata check does not have; a misspelt waiver waives nothing.",
        help: "use a rule id from the table in the README (strata check --format sarif lists them)",
        tags: &["waiver"],
    },
];

pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

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

/// Runs every configuration rule.
pub fn run(instances: &[Instance]) -> Vec<Finding> {
    let mut out = Vec::new();
    let net = Network::build(instances);
    net.open_ports(&mut out);
    net.reachable_databases(&mut out);
    for inst in instances {
        publicly_accessible(inst, &mut out);
        storage_encryption(inst, &mut out);
        cache_encryption(inst, &mut out);
        snapshot_copy_key(inst, &mut out);
        production(inst, &mut out);
        literal_secrets(inst, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Network: security groups, their ingress rules, and the databases behind them
// ---------------------------------------------------------------------------------------------

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

struct Network<'a> {
    ingress: Vec<Ingress<'a>>,
    databases: Vec<Database<'a>>,
}

fn world_in(list: &Value, world: &'static str) -> bool {
    list.as_list()
        .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(world)))
}

impl<'a> Network<'a> {
    fn build(instances: &'a [Instance]) -> Network<'a> {
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
    fn open_ports(&self, out: &mut Vec<Finding>) {
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
    fn reachable_databases(&self, out: &mut Vec<Finding>) {
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

pub(crate) struct NoScope;

impl crate::eval::Scope for NoScope {
    fn root(&self, _name: &str) -> Option<&Value> {
        None
    }
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
    match inst.resource.body.attr(name) {
        Some(a) => group_refs(inst, &a.expr),
        None => Vec::new(),
    }
}

/// The security groups an expression names, statically: `aws_security_group.web.id`
/// directly, or through locals of the same module.
fn group_refs(inst: &Instance, expr: &Expr) -> Vec<GroupKey> {
    let module = inst.addr.module.to_string();
    let mut out = Vec::new();
    let mut pending = vec![expr.clone()];
    let mut seen_locals = BTreeSet::new();
    while let Some(e) = pending.pop() {
        for r in references(&e, &[]) {
            match r.subject {
                Subject::Resource(t, n) if t == "aws_security_group" => {
                    let key = (module.clone(), n);
                    if !out.contains(&key) {
                        out.push(key);
                    }
                }
                Subject::Local(l) if seen_locals.insert(l.clone()) => {
                    if let Some(local) = inst.modules.last().and_then(|m| m.locals.get(&l)) {
                        pending.push(local.expr.clone());
                    }
                }
                _ => {}
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Per-resource rules
// ---------------------------------------------------------------------------------------------

fn publicly_accessible(inst: &Instance, out: &mut Vec<Finding>) {
    if inst.get("publicly_accessible").as_bool() == Some(true) {
        out.push(Finding::new(
            DB_PUBLICLY_ACCESSIBLE,
            inst.address(),
            Some(inst.span_of("publicly_accessible")),
            "publicly_accessible = true gives the database a public address on the internet",
        ));
    }
}

/// Unset or false (known); unknown values are not judged.
fn off(v: &Value) -> bool {
    v.is_null() || v.as_bool() == Some(false)
}

fn is_set(v: &Value) -> bool {
    !v.is_null() && !(v.as_list().is_some_and(|l| l.is_empty()))
}

fn storage_encryption(inst: &Instance, out: &mut Vec<Finding>) {
    if !matches!(inst.type_(), "aws_db_instance" | "aws_rds_cluster") {
        return;
    }
    // Replicas, restores and cluster members inherit their encryption.
    let inherits = [
        "replicate_source_db",
        "snapshot_identifier",
        "replication_source_identifier",
        "restore_to_point_in_time",
        "s3_import",
        "cluster_identifier",
        "global_cluster_identifier",
        "source_db_cluster_identifier",
    ];
    if inherits.iter().any(|a| is_set(inst.get(a))) {
        return;
    }
    if inst.get("engine_mode").as_str() == Some("serverless") {
        return;
    }
    if off(inst.get("storage_encrypted")) {
        out.push(Finding::new(
            DB_STORAGE_UNENCRYPTED,
            inst.address(),
            Some(inst.span_of("storage_encrypted")),
            "storage_encrypted is not true: the data, its backups and snapshots are stored unencrypted",
        ));
    }
}

fn cache_encryption(inst: &Instance, out: &mut Vec<Finding>) {
    if inst.type_() != "aws_elasticache_replication_group" {
        return;
    }
    if is_set(inst.get("global_replication_group_id")) {
        return;
    }
    if off(inst.get("at_rest_encryption_enabled")) {
        out.push(Finding::new(
            CACHE_AT_REST_UNENCRYPTED,
            inst.address(),
            Some(inst.span_of("at_rest_encryption_enabled")),
            "at_rest_encryption_enabled is not true: cached data and backups are stored unencrypted",
        ));
    }
    if off(inst.get("transit_encryption_enabled")) {
        out.push(Finding::new(
            CACHE_TRANSIT_UNENCRYPTED,
            inst.address(),
            Some(inst.span_of("transit_encryption_enabled")),
            "transit_encryption_enabled is not true: clients talk to the cache in clear text",
        ));
    }
}

fn snapshot_copy_key(inst: &Instance, out: &mut Vec<Finding>) {
    if !matches!(
        inst.type_(),
        "aws_db_snapshot_copy" | "aws_db_cluster_snapshot_copy"
    ) {
        return;
    }
    if inst.get("kms_key_id").is_null() {
        out.push(Finding::new(
            SNAPSHOT_COPY_NO_KMS_KEY,
            inst.address(),
            Some(inst.resource.span),
            "the snapshot copy has no kms_key_id: it is unencrypted when the source is, and a cross-region copy of an encrypted snapshot fails",
        ));
    }
}

fn production(inst: &Instance, out: &mut Vec<Finding>) {
    if !matches!(inst.type_(), "aws_db_instance" | "aws_rds_cluster") || !inst.is_production() {
        return;
    }
    if inst.get("backup_retention_period").as_i64() == Some(0) {
        out.push(Finding::new(
            PROD_NO_BACKUPS,
            inst.address(),
            Some(inst.span_of("backup_retention_period")),
            "backup_retention_period = 0 on a production database: no automated backups, no point-in-time recovery",
        ));
    }
    if inst.get("skip_final_snapshot").as_bool() == Some(true)
        && inst.get("final_snapshot_identifier").is_null()
    {
        out.push(Finding::new(
            PROD_NO_FINAL_SNAPSHOT,
            inst.address(),
            Some(inst.span_of("skip_final_snapshot")),
            "skip_final_snapshot = true with no final_snapshot_identifier on a production database: destroying it loses the data",
        ));
    }
    if off(inst.get("deletion_protection")) {
        out.push(Finding::new(
            PROD_NO_DELETION_PROTECTION,
            inst.address(),
            Some(inst.span_of("deletion_protection")),
            "deletion_protection is not true on a production database",
        ));
    }
}

const SECRET_ARGS: &[&str] = &["password", "master_password", "auth_token"];

fn literal_secrets(inst: &Instance, out: &mut Vec<Finding>) {
    if inst.get("manage_master_user_password").as_bool() == Some(true) {
        return;
    }
    for name in SECRET_ARGS {
        let Some(attr) = inst.resource.body.attr(name) else {
            continue;
        };
        match literal_origin(inst, &attr.expr, inst.modules.len(), 0) {
            Some((span, via)) => out.push(Finding::new(
                LITERAL_SECRET,
                inst.address(),
                Some(span),
                format!(
                    "{name} is a literal string{via}: it is in version control and in every copy of the code"
                ),
            )),
            None => continue,
        }
    }
}

/// Where a literal string behind an expression is written: the expression itself, or (for
/// `var.x` in a module) the module call's argument, followed up the module tree.
fn literal_origin(
    inst: &Instance,
    expr: &Expr,
    depth: usize,
    hops: usize,
) -> Option<(crate::diag::Span, String)> {
    if is_literal_string(expr) {
        let via = if hops == 0 {
            String::new()
        } else {
            " passed into the module".to_string()
        };
        return Some((expr.span(), via));
    }
    // `var.x` inside a module: look at what the caller passes.
    let var = var_name(&expr.expr)?;
    if depth < 2 {
        return None;
    }
    let parent: &Arc<Module> = inst.modules.get(depth - 2)?;
    let (call_name, _) = inst.addr.module.0.get(depth - 2)?;
    let input = parent.module_calls.get(call_name)?.inputs.get(&var)?;
    literal_origin(inst, &input.expr, depth - 1, hops + 1)
}

fn var_name(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Parenthesis(p) => var_name(p.inner()),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            if root.as_str() != "var" || t.operators.len() != 1 {
                return None;
            }
            match t.operators[0].value() {
                TraversalOperator::GetAttr(name) => Some(name.as_str().to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A string literal, or a template that refers to nothing (`"abc"`, `"a${"b"}"`, a heredoc).
pub fn is_literal_string(expr: &Expr) -> bool {
    fn inner(e: &Expression) -> bool {
        match e {
            Expression::String(s) => !s.value().is_empty(),
            Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => true,
            Expression::Parenthesis(p) => inner(p.inner()),
            _ => false,
        }
    }
    inner(&expr.expr) && references(expr, &[]).is_empty()
}

// ---------------------------------------------------------------------------------------------
// Plan rules
// ---------------------------------------------------------------------------------------------

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

/// The README table, for the docs test.
pub fn markdown_table() -> String {
    let mut out = String::from("| Rule | Severity | Why |\n|---|---|---|\n");
    for r in RULES {
        let sev = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("| `{}` | {sev} | {} |\n", r.id, r.short));
    }
    out
}
