//! Each rule on its fixture under `tests/fixtures/check/<rule>/`: fires, does not fire, waived.

use super::*;
use crate::addr::{InstanceKey, ResourceAddr};
use crate::config::{Body, Mode};
use crate::plan::{Action, ResourceChange};
use std::path::Path;

/// Evaluates a fixture through the library. For resource types strata does not support yet,
/// the walk cannot evaluate them: the objects are then built from the literal arguments.
fn fixture(name: &str) -> Vec<Finding> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name);
    let sources = SourceMap::default();
    let (config, diags) = crate::config::load(&dir, &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources, false));
    let config = config.expect("fixture loads");
    let options = WalkOptions {
        workspace: "default".into(),
        missing_vars_unknown: true,
        ..WalkOptions::default()
    };
    let report = check_config(&config, &options);
    if !report.diags.has_errors() {
        return report.findings;
    }
    let unsupported = report
        .diags
        .0
        .iter()
        .filter(|d| d.is_error())
        .all(|d| d.summary.starts_with("Unsupported resource type"));
    assert!(unsupported, "{}", report.diags.render(&sources, false));
    let instances: Vec<Instance> = config
        .root
        .resources
        .values()
        .filter(|r| r.mode == Mode::Managed)
        .map(|r| Instance {
            addr: InstanceAddr {
                module: ModuleInstance::root(),
                resource: ResourceAddr {
                    mode: Mode::Managed,
                    type_: r.type_.clone(),
                    name: r.name.clone(),
                },
                key: InstanceKey::None,
            },
            resource: r.clone(),
            config: literal_object(&r.body, &config.root.dir),
            default_tags: BTreeMap::new(),
            modules: vec![config.root.clone()],
        })
        .collect();
    check_instances(&instances, &sources)
}

/// An object from a body's literal arguments (references are unknown), blocks as lists.
fn literal_object(body: &Body, dir: &Path) -> Value {
    let mut out = crate::value::Map::new();
    for a in body.attrs.values() {
        let v = crate::eval::body::eval_expr(&rules::NoScope, &a.expr, dir, &[])
            .unwrap_or(Value::Unknown);
        out.insert(a.name.clone(), v);
    }
    for b in &body.blocks {
        let entry = out
            .entry(b.kind.clone())
            .or_insert_with(|| Value::List(Vec::new()));
        if let Value::List(items) = entry {
            items.push(literal_object(&b.body, dir));
        }
    }
    Value::Map(out)
}

fn find<'a>(findings: &'a [Finding], rule: &str, addr: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.rule == rule && f.address == addr)
        .collect()
}

fn fires(findings: &[Finding], rule: &str, addr: &str) {
    let found = find(findings, rule, addr);
    assert!(
        found.iter().any(|f| f.waived.is_none()),
        "{rule} should fire on {addr}; findings: {findings:#?}"
    );
}

fn quiet(findings: &[Finding], rule: &str, addr: &str) {
    let found = find(findings, rule, addr);
    assert!(
        found.is_empty(),
        "{rule} should not fire on {addr}: {found:#?}"
    );
}

fn waived(findings: &[Finding], rule: &str, addr: &str) {
    let found = find(findings, rule, addr);
    assert!(
        !found.is_empty() && found.iter().all(|f| f.waived.is_some()),
        "{rule} on {addr} should be reported waived: {findings:#?}"
    );
}

#[test]
fn sg_db_port_open() {
    let f = fixture("sg_db_port_open");
    fires(&f, rules::SG_DB_PORT_OPEN, "aws_security_group.fires");
    fires(&f, rules::SG_DB_PORT_OPEN, "aws_security_group.fires_range");
    fires(&f, rules::SG_DB_PORT_OPEN, "aws_security_group.fires_all");
    fires(
        &f,
        rules::SG_DB_PORT_OPEN,
        "aws_security_group.fires_db_port",
    );
    quiet(&f, rules::SG_DB_PORT_OPEN, "aws_security_group.ok");
    waived(&f, rules::SG_DB_PORT_OPEN, "aws_security_group.waived");
    // Placed on the offending block's CIDR argument, not the 443 block before it.
    let hit = find(&f, rules::SG_DB_PORT_OPEN, "aws_security_group.fires")[0];
    assert!(hit.message.contains("5432"), "{}", hit.message);
    let db_port = find(
        &f,
        rules::SG_DB_PORT_OPEN,
        "aws_security_group.fires_db_port",
    )[0];
    assert!(db_port.message.contains("aws_db_instance.custom_port"));
    // Protocol -1 opens SSH too.
    fires(&f, rules::SG_SSH_OPEN, "aws_security_group.fires_all");
    let report = report_of("sg_db_port_open");
    let (loc, _, _) = find(
        &report.findings,
        rules::SG_DB_PORT_OPEN,
        "aws_security_group.fires",
    )[0]
    .range(&report.sources)
    .unwrap();
    assert_eq!((loc.line, loc.column), (23, 19));
    assert!(report.fails(false));
}

fn report_of(name: &str) -> Report {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name);
    let sources = SourceMap::default();
    let (config, _) = crate::config::load(&dir, &sources);
    let options = WalkOptions {
        workspace: "default".into(),
        missing_vars_unknown: true,
        ..WalkOptions::default()
    };
    check_config(&config.unwrap(), &options)
}

#[test]
fn sg_ssh_open() {
    let f = fixture("sg_ssh_open");
    fires(&f, rules::SG_SSH_OPEN, "aws_security_group.fires");
    quiet(&f, rules::SG_SSH_OPEN, "aws_security_group.ok");
    waived(&f, rules::SG_SSH_OPEN, "aws_security_group.waived");
    let w = &find(&f, rules::SG_SSH_OPEN, "aws_security_group.waived")[0];
    assert_eq!(
        w.waived.as_deref(),
        Some("a short-lived bastion for the migration weekend")
    );
    // A warning: fails only under --strict.
    let report = report_of("sg_ssh_open");
    assert!(!report.fails(false));
    assert!(report.fails(true));
}

#[test]
fn db_reachable_from_world() {
    let f = fixture("db_reachable_from_world");
    fires(&f, rules::DB_REACHABLE_FROM_WORLD, "aws_db_instance.fires");
    quiet(&f, rules::DB_REACHABLE_FROM_WORLD, "aws_db_instance.ok");
    waived(&f, rules::DB_REACHABLE_FROM_WORLD, "aws_db_instance.waived");
    let hit = find(&f, rules::DB_REACHABLE_FROM_WORLD, "aws_db_instance.fires")[0];
    assert!(
        hit.message.contains("aws_security_group.web"),
        "{}",
        hit.message
    );
    // The web tier's range covers 3306 itself.
    fires(&f, rules::SG_DB_PORT_OPEN, "aws_security_group.web");
}

#[test]
fn db_publicly_accessible() {
    let f = fixture("db_publicly_accessible");
    fires(&f, rules::DB_PUBLICLY_ACCESSIBLE, "aws_db_instance.fires");
    quiet(&f, rules::DB_PUBLICLY_ACCESSIBLE, "aws_db_instance.ok");
    waived(&f, rules::DB_PUBLICLY_ACCESSIBLE, "aws_db_instance.waived");
}

#[test]
fn db_storage_unencrypted() {
    let f = fixture("db_storage_unencrypted");
    fires(&f, rules::DB_STORAGE_UNENCRYPTED, "aws_db_instance.fires");
    fires(
        &f,
        rules::DB_STORAGE_UNENCRYPTED,
        "aws_db_instance.fires_false",
    );
    quiet(&f, rules::DB_STORAGE_UNENCRYPTED, "aws_db_instance.ok");
    quiet(
        &f,
        rules::DB_STORAGE_UNENCRYPTED,
        "aws_db_instance.ok_replica",
    );
    waived(&f, rules::DB_STORAGE_UNENCRYPTED, "aws_db_instance.waived");
    let w = &find(&f, rules::DB_STORAGE_UNENCRYPTED, "aws_db_instance.waived")[0];
    assert_eq!(
        w.waived.as_deref(),
        Some("throw-away load-test copy of public data")
    );
}

#[test]
fn cache_encryption() {
    let f = fixture("cache_encryption");
    let rg = "aws_elasticache_replication_group";
    for rule in [
        rules::CACHE_AT_REST_UNENCRYPTED,
        rules::CACHE_TRANSIT_UNENCRYPTED,
    ] {
        fires(&f, rule, &format!("{rg}.fires"));
        quiet(&f, rule, &format!("{rg}.ok"));
        waived(&f, rule, &format!("{rg}.waived"));
    }
}

#[test]
fn snapshot_copy_no_kms_key() {
    let f = fixture("snapshot_copy_no_kms_key");
    fires(
        &f,
        rules::SNAPSHOT_COPY_NO_KMS_KEY,
        "aws_db_snapshot_copy.fires",
    );
    fires(
        &f,
        rules::SNAPSHOT_COPY_NO_KMS_KEY,
        "aws_db_cluster_snapshot_copy.fires_cluster",
    );
    quiet(
        &f,
        rules::SNAPSHOT_COPY_NO_KMS_KEY,
        "aws_db_snapshot_copy.ok",
    );
    waived(
        &f,
        rules::SNAPSHOT_COPY_NO_KMS_KEY,
        "aws_db_snapshot_copy.waived",
    );
}

#[test]
fn standalone_rules_clusters_and_caches() {
    let f = fixture("sg_standalone_rules");
    fires(&f, rules::SG_DB_PORT_OPEN, "aws_security_group_rule.fires");
    fires(
        &f,
        rules::SG_DB_PORT_OPEN,
        "aws_vpc_security_group_ingress_rule.fires_vpc",
    );
    quiet(
        &f,
        rules::SG_DB_PORT_OPEN,
        "aws_security_group_rule.ok_egress",
    );
    // 6380 is the cache's own port, on a group the cache uses.
    fires(
        &f,
        rules::SG_DB_PORT_OPEN,
        "aws_vpc_security_group_ingress_rule.cache_open",
    );
    fires(&f, rules::DB_REACHABLE_FROM_WORLD, "aws_rds_cluster.fires");
    fires(&f, rules::LITERAL_SECRET, "aws_rds_cluster.fires");
    fires(
        &f,
        rules::LITERAL_SECRET,
        "aws_elasticache_replication_group.fires_cache",
    );
    quiet(&f, rules::DB_STORAGE_UNENCRYPTED, "aws_rds_cluster.fires");
}

#[test]
fn production_rules() {
    let f = fixture("production");
    let fired = "module.fires.aws_db_instance.db";
    let ok = "module.ok.aws_db_instance.db";
    for rule in [
        rules::PROD_NO_BACKUPS,
        rules::PROD_NO_FINAL_SNAPSHOT,
        rules::PROD_NO_DELETION_PROTECTION,
    ] {
        fires(&f, rule, fired);
        quiet(&f, rule, ok);
        quiet(&f, rule, "aws_db_instance.ok_prod");
    }
    waived(&f, rules::PROD_NO_BACKUPS, "aws_db_instance.waived");
    quiet(
        &f,
        rules::PROD_NO_DELETION_PROTECTION,
        "aws_db_instance.waived",
    );
    // Located in the module's source.
    let report = report_of("production");
    let (loc, _, _) = find(&report.findings, rules::PROD_NO_BACKUPS, fired)[0]
        .range(&report.sources)
        .unwrap();
    assert!(loc.file.contains("modules/db"), "{loc}");
}

#[test]
fn production_without_a_copy_in_another_region() {
    let f = fixture("dr");
    fires(&f, rules::PROD_NO_DR, "aws_db_instance.fires");
    fires(&f, rules::PROD_NO_DR, "aws_db_instance.same_region");
    quiet(&f, rules::PROD_NO_DR, "aws_db_instance.copied");
    quiet(&f, rules::PROD_NO_DR, "aws_db_instance.by_region");
    quiet(&f, rules::PROD_NO_DR, "aws_db_instance.staging");
}

#[test]
fn literal_secret() {
    let f = fixture("literal_secret");
    fires(&f, rules::LITERAL_SECRET, "aws_db_instance.fires");
    fires(&f, rules::LITERAL_SECRET, "aws_db_instance.fires_template");
    // Write-only keeps it out of state, not out of the repository.
    fires(
        &f,
        rules::LITERAL_SECRET,
        "aws_db_instance.fires_write_only",
    );
    fires(
        &f,
        rules::LITERAL_SECRET,
        "module.fires_module.aws_db_instance.db",
    );
    quiet(
        &f,
        rules::LITERAL_SECRET,
        "module.ok_module.aws_db_instance.db",
    );
    quiet(&f, rules::LITERAL_SECRET, "aws_db_instance.ok");
    quiet(&f, rules::LITERAL_SECRET, "aws_db_instance.ok_managed");
    waived(&f, rules::LITERAL_SECRET, "aws_db_instance.waived");
    // The module case points at the literal in the caller.
    let report = report_of("literal_secret");
    let (loc, _, _) = find(
        &report.findings,
        rules::LITERAL_SECRET,
        "module.fires_module.aws_db_instance.db",
    )[0]
    .range(&report.sources)
    .unwrap();
    assert_eq!((loc.file.ends_with("main.tf"), loc.line), (true, 34));
}

#[test]
fn waiver_without_reason() {
    let f = fixture("waiver_without_reason");
    fires(
        &f,
        rules::WAIVER_WITHOUT_REASON,
        "aws_security_group.no_reason",
    );
    fires(&f, rules::SG_SSH_OPEN, "aws_security_group.no_reason");
    fires(
        &f,
        rules::WAIVER_WITHOUT_REASON,
        "aws_security_group.no_reason_comment",
    );
    fires(
        &f,
        rules::SG_SSH_OPEN,
        "aws_security_group.no_reason_comment",
    );
    fires(
        &f,
        rules::WAIVER_UNKNOWN_RULE,
        "aws_security_group.unknown_rule",
    );
    quiet(
        &f,
        rules::WAIVER_WITHOUT_REASON,
        "aws_security_group.unknown_rule",
    );
}

fn change(addr: &str, action: Action, before: Value) -> ResourceChange {
    ResourceChange {
        replace_paths: if action.is_replace() {
            vec!["engine".into()]
        } else {
            Vec::new()
        },
        ..ResourceChange::new(addr.parse().unwrap(), action, Some(before), None)
    }
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs)
}

#[test]
fn plan_destroying_data() {
    let plan = Plan::of_changes(vec![
        change(
            "aws_db_instance.db",
            Action::Delete,
            obj(&[
                ("identifier", "orders".into()),
                ("engine", "postgres".into()),
                ("allocated_storage", Value::from(100)),
                ("skip_final_snapshot", true.into()),
            ]),
        ),
        change(
            "module.cache.aws_elasticache_replication_group.main",
            Action::DeleteThenCreate,
            obj(&[("replication_group_id", "sessions".into())]),
        ),
        change(
            "aws_db_snapshot_copy.dr",
            Action::Delete,
            obj(&[("target_db_snapshot_identifier", "dr-copy".into())]),
        ),
        change("aws_security_group.web", Action::Delete, obj(&[])),
        change(
            "aws_db_instance.kept",
            Action::Update,
            obj(&[("identifier", "kept".into())]),
        ),
    ]);
    let f = plan_findings(&plan);
    assert_eq!(f.len(), 3, "{f:#?}");
    assert!(f
        .iter()
        .all(|f| f.rule == rules::PLAN_DESTROYS_DATA && f.severity == Severity::Warning));
    assert!(f[0].message.contains("\"orders\""), "{}", f[0].message);
    assert!(
        f[0].message.contains("no final snapshot"),
        "{}",
        f[0].message
    );
    assert!(f[1].message.contains("replaces"), "{}", f[1].message);
    assert!(f[1].message.contains("sessions"), "{}", f[1].message);
    assert!(f[2].message.contains("dr-copy"), "{}", f[2].message);
}

#[test]
fn comments_and_directives() {
    assert_eq!(
        comment_of(r#"  x = "a#b" # why"#).map(|c| c.0),
        Some("why".to_string())
    );
    assert_eq!(comment_of(r#"  x = "a#b""#), None);
    assert_eq!(
        ignore_directive("  // strata:ignore SG_SSH_OPEN - admin only"),
        Some(("SG_SSH_OPEN".into(), "admin only".into(), 3))
    );
    assert_eq!(
        ignore_directive("# strata:ignore SG_SSH_OPEN").map(|d| d.1),
        Some(String::new())
    );
}

#[test]
fn readme_lists_every_rule() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&rules::markdown_table()),
        "README's rule table is out of date; it should read:\n{}",
        rules::markdown_table()
    );
}

#[test]
fn db_in_public_subnet() {
    let f = fixture("db_in_public_subnet");
    let rule = rules::DB_IN_PUBLIC_SUBNET;
    fires(&f, rule, "aws_db_instance.fires");
    fires(&f, rule, "aws_db_instance.fires_route");
    fires(&f, rule, "aws_db_instance.fires_main_table");
    fires(&f, rule, "aws_rds_cluster_instance.fires_member");
    quiet(&f, rule, "aws_db_instance.ok_private");
    quiet(&f, rule, "aws_db_instance.ok_not_public");
    waived(&f, rule, "aws_db_instance.waived");
    let hit = find(&f, rule, "aws_db_instance.fires_route")[0];
    assert!(
        hit.message
            .contains("aws_subnet.edge routes to aws_internet_gateway.gw via aws_route_table.edge"),
        "{}",
        hit.message
    );
    let main = find(&f, rule, "aws_db_instance.fires_main_table")[0];
    assert!(
        main.message.contains("via aws_default_route_table.main"),
        "{}",
        main.message
    );
    assert!(report_of("db_in_public_subnet").fails(false));
}
