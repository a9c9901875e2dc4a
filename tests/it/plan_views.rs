//! One plan, three renderings: the text plan, `--json` and `--markdown` of one saved plan list
//! the same changed resources and, for each, the same changed attributes — for a plan that
//! creates, updates, replaces and deletes, with drift, sensitive and unknown values. And
//! what a reviewer reads of it, pinned by snapshots.

use crate::support::{normalise, Workdir, PASSWORD};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

const REGION: &str = "us-east-1";
const WEB: &str = "module.stack.aws_security_group.webserver_group";
const DB: &str = "module.stack.aws_db_instance.db[0]";

type Changed = BTreeMap<String, BTreeSet<String>>;

/// Resource address → depth-0 attributes of each change in the text plan (and of the drift).
fn text_changes(text: &str) -> (Changed, Changed) {
    let headline = regex::Regex::new(r"^  # (\S+) (will|must|is|has)").unwrap();
    let attribute = regex::Regex::new(r"^      [+~-] ([A-Za-z0-9_]+) +=").unwrap();
    let (mut changes, mut drift) = (Changed::new(), Changed::new());
    let mut in_drift = false;
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("Objects have changed outside of strata") {
            in_drift = true;
        } else if line.starts_with("strata will perform the following actions") {
            in_drift = false;
        }
        if let Some(c) = headline.captures(line) {
            let addr = c[1].to_string();
            let map = if in_drift { &mut drift } else { &mut changes };
            map.entry(addr.clone()).or_default();
            current = Some(addr);
        } else if let (Some(addr), Some(c)) = (&current, attribute.captures(line)) {
            let map = if in_drift { &mut drift } else { &mut changes };
            map.entry(addr.clone())
                .or_default()
                .insert(c[1].to_string());
        }
    }
    (changes, drift)
}

/// The same from the Markdown comment: each `<details>` and the depth-0 lines of its diff.
fn markdown_changes(md: &str) -> (Changed, Changed) {
    let change = regex::Regex::new(r"^<details><summary><code>\S+ (\S+)</code>").unwrap();
    let drifted = regex::Regex::new(r"^<details><summary><code>(\S+)</code> has changed").unwrap();
    let attribute = regex::Regex::new(r"^[+~-] ([A-Za-z0-9_]+) +=").unwrap();
    let (mut changes, mut drift) = (Changed::new(), Changed::new());
    let mut current: Option<(bool, String)> = None;
    for line in md.lines() {
        let unescape = |s: &str| {
            s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        };
        if let Some(c) = change.captures(line) {
            let addr = unescape(&c[1]);
            changes.entry(addr.clone()).or_default();
            current = Some((false, addr));
        } else if let Some(c) = drifted.captures(line) {
            let addr = unescape(&c[1]);
            drift.entry(addr.clone()).or_default();
            current = Some((true, addr));
        } else if let (Some((is_drift, addr)), Some(c)) = (&current, attribute.captures(line)) {
            let map = if *is_drift { &mut drift } else { &mut changes };
            map.entry(addr.clone())
                .or_default()
                .insert(c[1].to_string());
        }
    }
    (changes, drift)
}

/// Null, `[]` and `{}` are all "nothing".
fn absent(v: Option<&Json>) -> bool {
    match v {
        None | Some(Json::Null) => true,
        Some(Json::Array(a)) => a.is_empty(),
        Some(Json::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// `true` anywhere in a sensitivity or unknown mirror.
fn marked(v: Option<&Json>) -> bool {
    match v {
        Some(Json::Bool(b)) => *b,
        Some(Json::Array(a)) => a.iter().any(|x| marked(Some(x))),
        Some(Json::Object(o)) => o.values().any(|x| marked(Some(x))),
        _ => false,
    }
}

/// Attributes whose JSON `before` and `after` differ (nothing equals nothing), or whose
/// value is unknown, or whose sensitivity changes; for a create (delete), every attribute
/// that has a value after (before).
fn json_changed(change: &Json) -> BTreeSet<String> {
    let keys = |v: &Json| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (before, after) = (&change["before"], &change["after"]);
    let mut names = keys(before);
    names.extend(keys(after));
    names.extend(keys(&change["after_unknown"]));
    names.extend(keys(&change["after_sensitive"]));
    let mut out = BTreeSet::new();
    for k in names {
        let b = before.get(&k);
        let a = after.get(&k);
        let unknown = marked(change["after_unknown"].get(&k));
        let (bs, as_) = (
            marked(change["before_sensitive"].get(&k)),
            marked(change["after_sensitive"].get(&k)),
        );
        let changed = if before.is_null() {
            !absent(a) || unknown || as_
        } else if after.is_null() {
            !absent(b) || bs
        } else {
            unknown || bs != as_ || !(absent(b) && absent(a) || b == a)
        };
        if changed {
            out.insert(k);
        }
    }
    out
}

fn json_changes(plan: &Json) -> (Changed, Changed) {
    let mut changes = Changed::new();
    for c in plan["resource_changes"].as_array().unwrap() {
        if c["change"]["actions"] == serde_json::json!(["no-op"]) {
            continue;
        }
        changes.insert(
            c["address"].as_str().unwrap().to_string(),
            json_changed(&c["change"]),
        );
    }
    // Drift as a normal plan reports it: the attributes that may have contributed to a change.
    let mut drift = Changed::new();
    for r in plan["relevant_attributes"].as_array().into_iter().flatten() {
        drift
            .entry(r["resource"].as_str().unwrap().to_string())
            .or_default()
            .insert(r["attribute"][0].as_str().unwrap().to_string());
    }
    (changes, drift)
}

/// A group strata will delete, one it keeps (which changes outside strata, and which a new
/// group refers to), added beside the example.
const EXTRA_BEFORE: &str = r#"
resource "aws_security_group" "retired" {
  name   = "webapp-retired"
  vpc_id = data.aws_vpc.default.id
}

resource "aws_security_group" "kept" {
  name        = "webapp-kept"
  description = "kept"
  vpc_id      = data.aws_vpc.default.id
  tags        = { Owner = "platform" }
}
"#;

const EXTRA_AFTER: &str = r#"
resource "aws_security_group" "kept" {
  name        = "webapp-kept"
  description = "kept"
  vpc_id      = data.aws_vpc.default.id
  tags        = { Owner = "platform" }
}

resource "aws_security_group" "fresh" {
  name        = "webapp-fresh"
  description = "Beside ${aws_security_group.kept.name}, owned by ${lookup(aws_security_group.kept.tags, "Team", "nobody")}"
  vpc_id      = data.aws_vpc.default.id
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn text_json_and_markdown_of_one_plan_agree_on_every_changed_attribute() {
    let mut w = Workdir::webapp();
    let extra = w.dir().join("extra.tf");
    std::fs::write(&extra, EXTRA_BEFORE).unwrap();
    w.expect(0, &["apply", "--auto-approve"]);

    // Create (fresh), update (a rule's CIDR), replace (the engine), delete (retired), and drift
    // of `kept`'s tags, which the new group refers to.
    std::fs::write(&extra, EXTRA_AFTER).unwrap();
    let main = w.dir().join("main.tf");
    w.edit(
        &main,
        "  db_password = var.db_password\n",
        "  db_password = var.db_password\n  engine         = \"mariadb\"\n  engine_version = \"10.11\"\n",
    );
    let ec2 = w.account.ec2(REGION).await;
    let kept = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("webapp-kept")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .security_groups()[0]
        .group_id()
        .unwrap()
        .to_string();
    ec2.create_tags()
        .resources(&kept)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Team")
                .value("data")
                .build(),
        )
        .send()
        .await
        .unwrap();

    // A new password: a sensitive change.
    const NEW_PASSWORD: &str = "Correct-horse-battery-staple-7";
    w.env
        .push(("STRATA_VAR_db_password".into(), NEW_PASSWORD.into()));
    w.expect(
        0,
        &["plan", "--var", "admin_cidr=0.0.0.0/0", "--out", "p.plan"],
    );
    let text = w.expect(0, &["show", "p.plan"]).stdout;
    let json: Json =
        serde_json::from_str(&w.expect(0, &["show", "--json", "p.plan"]).stdout).expect("JSON");
    let md = w.expect(0, &["show", "--markdown", "p.plan"]).stdout;

    let (t, td) = text_changes(&text);
    let (m, md_drift) = markdown_changes(&md);
    let (mut j, jd) = json_changes(&json);

    // The plan holds what the test is about.
    let action = |addr: &str| {
        json["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == addr)
            .map(|c| c["change"]["actions"].clone())
    };
    assert_eq!(
        action("aws_security_group.fresh"),
        Some(serde_json::json!(["create"]))
    );
    assert_eq!(action(WEB), Some(serde_json::json!(["update"])));
    assert_eq!(action(DB), Some(serde_json::json!(["delete", "create"])));
    assert_eq!(
        action("aws_security_group.retired"),
        Some(serde_json::json!(["delete"]))
    );
    assert!(text.contains("(sensitive value)") && text.contains("(known after apply)"));
    assert!(
        !td.is_empty(),
        "drift of a referenced attribute is reported:\n{text}"
    );
    // Data read while planning is no change (Terraform lists a read only when deferred).
    assert!(
        json["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["mode"] != "data"),
        "{json:#}"
    );
    assert!(!t.keys().any(|a| a.starts_with("data.")), "{text}");

    // A changed secret: the JSON plan cannot show that it changed without showing it (both
    // sides are redacted and marked sensitive); text and Markdown show it the same way.
    let db = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == DB)
        .unwrap();
    assert_eq!(db["change"]["before_sensitive"]["password"], true);
    assert_eq!(db["change"]["after_sensitive"]["password"], true);
    assert!(db["change"]["after"]["password"].is_null());
    assert!(t[DB].contains("password") && m[DB].contains("password"));
    // Aligned with the longest attribute name of the resource, whatever that is.
    let password =
        regex::Regex::new(r"~ password +=  ?\(sensitive value\) -> \(sensitive value\)").unwrap();
    assert!(password.is_match(&text), "{text}");
    j.get_mut(DB).unwrap().insert("password".into());

    assert_eq!(t, j, "text and JSON disagree\n{text}");
    assert_eq!(m, j, "Markdown and JSON disagree\n{md}");
    assert_eq!(td, jd, "drift: text and JSON disagree\n{text}");
    assert_eq!(md_drift, jd, "drift: Markdown and JSON disagree\n{md}");

    // What a reviewer reads.
    let norm = |s: &str| {
        let s = normalise(s, &w.account.account_id);
        regex::Regex::new(r"`/tmp/[^`]*`")
            .unwrap()
            .replace_all(&s, "`DIR`")
            .into_owned()
    };
    insta::assert_snapshot!("plan_views_text", norm(&text));
    insta::assert_snapshot!("plan_views_markdown", norm(&md));
    for out in [&text, &md, &json.to_string()] {
        assert!(!out.contains(PASSWORD) && !out.contains(NEW_PASSWORD));
    }
    w.assert_no_secret_leaked();
}
