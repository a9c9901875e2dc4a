//! Evaluation through the library: unknowns propagate per value (not per expression) and the
//! sensitive mark rides along through every construct until `nonsensitive()` removes it.

use strata::diag::{FileId, SourceMap};
use strata::eval::walk::{walk, WalkOptions};
use strata::eval::{Evaluator, Map, Value};
use strata::plan::build::ConfigOnly;

/// A scope as `validate` would see it: resources with unknown computed attributes, a sensitive
/// variable, and a few known values.
fn scope() -> Map {
    let obj = |pairs: Vec<(&str, Value)>| {
        Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    Map::from([
        (
            "aws_db_instance".to_string(),
            obj(vec![(
                "db",
                obj(vec![
                    ("address", Value::Unknown),
                    ("port", Value::Number(3306.0)),
                    ("identifier", Value::string("db")),
                ]),
            )]),
        ),
        (
            "aws_security_group".to_string(),
            obj(vec![
                ("web", obj(vec![("id", Value::Unknown)])),
                ("db", obj(vec![("id", Value::Unknown)])),
            ]),
        ),
        (
            "var".to_string(),
            obj(vec![
                ("password", Value::string("hunter2").sensitive()),
                (
                    "secrets",
                    Value::List(vec![Value::string("a"), Value::string("b")]).sensitive(),
                ),
                ("flag", Value::Bool(true)),
                ("secret_flag", Value::Bool(false).sensitive()),
                (
                    "names",
                    Value::List(vec![Value::string("x"), Value::string("y")]),
                ),
            ]),
        ),
    ])
}

fn eval(src: &str) -> Value {
    let scope = scope();
    let expr = strata::config::parse_expression(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let mut ev = Evaluator::new(&scope, FileId(0), std::path::Path::new("."));
    ev.eval(&expr)
        .unwrap_or_else(|d| panic!("{src}: {}", d.summary))
}

#[track_caller]
fn assert_unknown(src: &str) {
    let v = eval(src);
    assert!(!v.is_known(), "{src} should be unknown, got {v:?}");
}

#[track_caller]
fn assert_sensitive(src: &str) {
    let v = eval(src);
    assert!(
        v.contains_sensitive(),
        "{src} should be sensitive, got {v:?}"
    );
}

#[test]
fn interpolating_an_unknown_makes_the_string_unknown() {
    assert_unknown(r#""${aws_db_instance.db.address}:3306""#);
    assert_eq!(
        eval(r#""${aws_db_instance.db.identifier}:${aws_db_instance.db.port}""#),
        Value::string("db:3306")
    );
}

#[test]
fn a_list_of_unknowns_has_a_known_length() {
    assert_eq!(
        eval("length([aws_security_group.web.id])"),
        Value::Number(1.0)
    );
    assert_eq!(
        eval("length([aws_security_group.web.id, aws_security_group.db.id, \"sg-1\"])"),
        Value::Number(3.0)
    );
    let v = eval("[aws_security_group.web.id, \"sg-1\"]");
    assert!(v.is_known(), "the list itself is known: {v:?}");
    assert!(!v.is_wholly_known());
}

#[test]
fn a_conditional_on_an_unknown_is_unknown() {
    assert_unknown(r#"aws_db_instance.db.address == "x" ? "a" : "b""#);
    assert_unknown(r#"aws_security_group.web.id != null ? 1 : 2"#);
    // A known condition picks its branch even when the other one is unknown.
    assert_eq!(
        eval(r#"var.flag ? "known" : aws_db_instance.db.address"#),
        Value::string("known")
    );
}

#[test]
fn for_expression_over_known_list_of_unknowns_keeps_the_length() {
    let v = eval("[for id in [aws_security_group.web.id, aws_security_group.db.id] : upper(id)]");
    match &v {
        Value::List(items) => {
            assert_eq!(items.len(), 2);
            assert!(items.iter().all(|i| !i.is_known()), "{v:?}");
        }
        other => panic!("expected a known list, got {other:?}"),
    }
    assert_eq!(
        eval("length([for id in [aws_security_group.web.id, \"x\"] : \"${id}-suffix\"])"),
        Value::Number(2.0)
    );
    // Over an unknown collection the result itself is unknown.
    assert_unknown("[for c in aws_db_instance.db.address : c]");
}

#[test]
fn arithmetic_and_functions_propagate_unknown() {
    assert_unknown("aws_security_group.web.id == aws_security_group.db.id");
    assert_unknown("upper(aws_db_instance.db.address)");
    assert_unknown("join(\",\", [aws_db_instance.db.address, \"b\"])");
}

#[test]
fn sensitive_through_templates() {
    assert_sensitive(r#""user:${var.password}""#);
    assert_sensitive(r#""%{if var.secret_flag}a%{else}b%{endif}""#);
    assert_sensitive(r#""%{for s in var.secrets}${s}%{endfor}""#);
}

#[test]
fn sensitive_through_functions() {
    assert_sensitive("upper(var.password)");
    assert_sensitive("length(var.password)");
    assert_sensitive("join(\"-\", var.secrets)");
    assert_sensitive("base64encode(var.password)");
    assert_sensitive("sha256(var.password)");
    assert_sensitive("jsonencode({ p = var.password })");
    assert_sensitive("format(\"%s!\", var.password)");
    assert_sensitive("coalesce(var.password, \"x\")");
}

#[test]
fn sensitive_through_conditionals() {
    // Through the chosen branch, and through the condition.
    assert_sensitive("var.flag ? var.password : \"x\"");
    assert_sensitive("var.secret_flag ? \"a\" : \"b\"");
    assert_eq!(eval("var.flag ? \"a\" : var.password"), Value::string("a"));
}

#[test]
fn sensitive_through_for_expressions() {
    assert_sensitive("[for s in var.secrets : upper(s)]");
    assert_sensitive("{ for s in var.secrets : s => 1 }");
    assert_sensitive("[for n in var.names : \"${n}${var.password}\"]");
    assert_sensitive("[for n in var.names : n if var.secret_flag]");
}

#[test]
fn sensitive_through_object_construction() {
    assert_sensitive("{ user = \"admin\", password = var.password }");
    assert_sensitive("{ (var.password) = 1 }");
    assert_sensitive("[var.password]");
    assert_sensitive("{ a = { b = [var.password] } }.a");
    // Picking a non-sensitive attribute back out of the object is not sensitive.
    assert_eq!(
        eval("{ user = \"admin\", password = var.password }.user"),
        Value::string("admin")
    );
}

#[test]
fn operators_keep_the_mark() {
    assert_sensitive("var.password == \"x\"");
    assert_sensitive("!var.secret_flag");
    assert_sensitive("length(var.secrets) + 1");
}

#[test]
fn nonsensitive_removes_the_mark() {
    for src in [
        "nonsensitive(var.password)",
        "nonsensitive(upper(var.password))",
        "nonsensitive({ p = var.password })",
        "nonsensitive([for s in var.secrets : s])",
    ] {
        let v = eval(src);
        assert!(
            !v.contains_sensitive(),
            "{src} should not be sensitive: {v:?}"
        );
    }
    assert_eq!(eval("nonsensitive(var.password)"), Value::string("hunter2"));
    assert_eq!(eval("issensitive(var.password)"), Value::Bool(true));
    assert_eq!(
        eval("issensitive(nonsensitive(var.password))"),
        Value::Bool(false)
    );
}

/// The same properties through the whole walk, as `validate` runs it.
#[test]
fn the_walk_keeps_unknown_and_sensitive_marks_per_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
variable "password" {
  type      = string
  sensitive = true
  default   = "correct-horse-battery"
}

resource "aws_security_group" "web" {
  name = "web"
}

resource "aws_db_instance" "db" {
  identifier             = "db"
  engine                 = "mysql"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  username               = "admin"
  password               = var.password
  vpc_security_group_ids = [aws_security_group.web.id]
}

output "endpoint" {
  value = "${aws_db_instance.db.address}:3306"
}

output "group_count" {
  value = length([aws_security_group.web.id])
}

output "ids" {
  value = [for id in [aws_security_group.web.id, "sg-1"] : id]
}

output "dsn" {
  value     = "mysql://admin:${var.password}@db"
  sensitive = true
}

output "heredoc" {
  sensitive = true
  value     = <<-EOT
    password=${var.password}
    EOT
}

output "plain" {
  value = nonsensitive(upper(var.password))
}
"#,
    )
    .unwrap();
    let sources = SourceMap::default();
    let (config, diags) = strata::config::load(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources, false));
    let config = config.unwrap();
    let options = WalkOptions {
        missing_vars_unknown: true,
        ..WalkOptions::default()
    };
    let mut hooks = ConfigOnly::default();
    let result = walk(&config, &options, &mut hooks);
    assert!(
        !result.diags.has_errors() && !hooks.diags.has_errors(),
        "{}{}",
        result.diags.render(&sources, false),
        hooks.diags.render(&sources, false)
    );
    let out = |name: &str| result.root_outputs[name].value.clone();
    assert!(!out("endpoint").is_known());
    assert_eq!(out("group_count"), Value::Number(1.0));
    match out("ids") {
        Value::List(items) => {
            assert_eq!(items.len(), 2);
            assert!(!items[0].is_known());
            assert_eq!(items[1], Value::string("sg-1"));
        }
        other => panic!("{other:?}"),
    }
    assert!(out("dsn").contains_sensitive());
    assert!(result.root_outputs["dsn"].sensitive);
    assert!(out("heredoc").contains_sensitive());
    assert_eq!(out("plain"), Value::string("CORRECT-HORSE-BATTERY"));
    // The password reaches the resource instance still marked.
    assert_eq!(hooks.instances.len(), 2);
}
