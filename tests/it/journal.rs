//! The journal of operations in flight, settled by later runs and, when none can, by hand
//! (`strata state journal`, `strata state journal resolve`). Journals are written here as a
//! killed run leaves them; what exists is checked through describe calls.

use std::collections::BTreeSet;

use strata::provider::aws::ownership::OPERATION_TAG;
use strata::state::{Backend, LocalBackend};

use crate::emulator::DEFAULT_REGION as REGION;
use crate::support::Workdir;

/// A generated name as strata makes one from `prefix`: a 26-digit suffix.
fn generated(prefix: &str, n: u64) -> String {
    format!("{prefix}2026120600000000{:010}", n)
}

fn state(w: &Workdir) -> strata::state::State {
    LocalBackend::new(&w.dir(), "default")
        .unwrap()
        .read()
        .unwrap()
        .expect("a state")
}

/// Writes a state holding `journal` (and nothing else unless a state exists already): what a
/// run killed between its journal entries and their results leaves.
fn leave(w: &Workdir, journal: serde_json::Value) {
    let mut state: serde_json::Value = match std::fs::read(w.state_path()) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap(),
        Err(_) => serde_json::json!({
            "version": 1,
            "strata_version": "0.1.0",
            "serial": 1,
            "lineage": "0d6c3f0e-5c55-4c1e-9b0e-6a1f4c2d0e01",
        }),
    };
    state["journal"] = journal;
    std::fs::write(w.state_path(), serde_json::to_vec_pretty(&state).unwrap()).unwrap();
}

/// A create entry for `addr` (an aws_security_group) recorded with `natural`.
fn create_entry(id: &str, addr: &str, natural: &str, started_at: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "addr": addr,
        "action": "create",
        "type": "aws_security_group",
        "natural_id": natural,
        "region": REGION,
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "started_at": started_at,
    })
}

/// `strata state journal resolve ARGS...`, expecting `code`.
fn resolve(w: &Workdir, code: i32, args: &[&str]) -> crate::support::Run {
    let mut all = vec!["state", "journal", "resolve"];
    all.extend_from_slice(args);
    w.expect(code, &all)
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

async fn default_vpc(ec2: &aws_sdk_ec2::Client) -> String {
    ec2.describe_vpcs()
        .send()
        .await
        .unwrap()
        .vpcs()
        .iter()
        .find(|v| v.is_default() == Some(true))
        .and_then(|v| v.vpc_id().map(str::to_string))
        .expect("a default VPC")
}

/// Every group but the default ones: (name, id, description, operation tag).
async fn groups(ec2: &aws_sdk_ec2::Client) -> BTreeSet<(String, String, String, Option<String>)> {
    ec2.describe_security_groups()
        .send()
        .await
        .unwrap()
        .security_groups()
        .iter()
        .filter(|g| g.group_name() != Some("default"))
        .map(|g| {
            (
                g.group_name().unwrap_or_default().to_string(),
                g.group_id().unwrap_or_default().to_string(),
                g.description().unwrap_or_default().to_string(),
                g.tags()
                    .iter()
                    .find(|t| t.key() == Some(OPERATION_TAG))
                    .and_then(|t| t.value().map(str::to_string)),
            )
        })
        .collect()
}

/// A group made by someone else (no operation tag, or `tag`), in the default VPC.
async fn their_group(
    ec2: &aws_sdk_ec2::Client,
    name: &str,
    description: &str,
    tag: Option<&str>,
) -> String {
    let mut req = ec2
        .create_security_group()
        .group_name(name)
        .description(description);
    if let Some(op) = tag {
        req = req.tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key(OPERATION_TAG)
                        .value(op)
                        .build(),
                )
                .build(),
        );
    }
    req.send().await.unwrap().group_id.unwrap()
}

fn config(resources: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\ndata \"aws_vpc\" \"default\" {\n  default = true\n}\n",
    );
    for (name, prefix) in resources {
        out.push_str(&format!(
            "\nresource \"aws_security_group\" \"{name}\" {{\n  name_prefix = \"{prefix}\"\n  description = \"ours\"\n  vpc_id      = data.aws_vpc.default.id\n}}\n"
        ));
    }
    out
}

/// Issue #15: a journaled create AWS did not show was judged "never happened" on one look-up,
/// and created again under a new name. Now an entry whose attempt is recent stays open, and the
/// create is sent again under the identifier it recorded (the new object carries the entry's
/// operation tag); only one older than the grace period is dropped on a look-up that finds
/// nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_not_found_is_retried_under_its_recorded_name_until_the_grace_period_ends() {
    let w = Workdir::webapp();
    std::fs::write(
        w.dir().join("main.tf"),
        config(&[("fresh", "journal-fresh-"), ("stale", "journal-stale-")]),
    )
    .unwrap();
    let ec2 = w.account.ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let (fresh, stale) = (
        generated("journal-fresh-", 1),
        generated("journal-stale-", 2),
    );
    let fresh_op = "7e1d0c55-0000-4000-8000-00000000f1e5";
    leave(
        &w,
        serde_json::json!([
            create_entry(
                fresh_op,
                "aws_security_group.fresh",
                &format!("{vpc}/{fresh}"),
                &now()
            ),
            create_entry(
                "7e1d0c55-0000-4000-8000-0000000057a1",
                "aws_security_group.stale",
                &format!("{vpc}/{stale}"),
                "2026-01-01T00:00:00Z"
            ),
        ]),
    );

    let plan = w.expect(0, &["plan"]);
    assert!(
        plan.stderr.contains(&format!(
            "the interrupted create of {vpc}/{stale} never happened"
        )),
        "{}",
        plan.stderr
    );
    assert!(
        !plan.stderr.contains(&format!("{fresh} never happened")),
        "{}",
        plan.stderr
    );
    assert!(plan.stderr.contains("not found yet"), "{}", plan.stderr);
    assert!(
        plan.stdout.contains(&fresh),
        "not planned under its recorded name:\n{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains(&stale), "{}", plan.stdout);
    let journal = state(&w).journal;
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(journal[0].id, fresh_op);
    let listed = w.expect(0, &["state", "journal"]);
    assert!(
        listed.stdout.contains("aws_security_group.fresh")
            && listed.stdout.contains(&fresh)
            && listed.stdout.contains("not found yet")
            && !listed.stdout.contains("aws_security_group.stale"),
        "{}",
        listed.stdout
    );

    w.expect(0, &["apply", "--auto-approve"]);
    let exist = groups(&ec2).await;
    let created: Vec<_> = exist
        .iter()
        .filter(|g| g.0.starts_with("journal-"))
        .collect();
    assert_eq!(created.len(), 2, "{exist:?}");
    assert!(
        created
            .iter()
            .any(|g| g.0 == fresh && g.3.as_deref() == Some(fresh_op)),
        "the retried create did not use the recorded name and operation: {exist:?}"
    );
    assert!(
        created
            .iter()
            .any(|g| g.0.starts_with("journal-stale-") && g.0 != stale),
        "{exist:?}"
    );
    assert!(state(&w).journal.is_empty());
    w.expect(0, &["plan", "--detailed-exitcode"]);
}

/// Nothing but a name tied an object to an interrupted create, so a run adopted whatever it
/// found under that name. Now an object under the recorded name is adopted without doubt only
/// if it carries the entry's operation tag; without any operation tag, only if it matches the
/// configuration (else reported, not adopted); one tagged by another operation never.
#[tokio::test(flavor = "multi_thread")]
async fn an_object_under_the_recorded_name_is_adopted_only_with_proof() {
    let w = Workdir::webapp();
    std::fs::write(
        w.dir().join("main.tf"),
        config(&[
            ("same", "journal-same-"),
            ("differs", "journal-differs-"),
            ("other", "journal-other-"),
        ]),
    )
    .unwrap();
    let ec2 = w.account.ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let names = [
        generated("journal-same-", 1),
        generated("journal-differs-", 2),
        generated("journal-other-", 3),
    ];
    let same = their_group(&ec2, &names[0], "ours", None).await;
    let differs = their_group(&ec2, &names[1], "theirs", None).await;
    let other = their_group(&ec2, &names[2], "ours", Some("someone-elses-operation")).await;
    leave(
        &w,
        serde_json::json!([
            create_entry(
                "7e1d0c55-0000-4000-8000-000000000001",
                "aws_security_group.same",
                &format!("{vpc}/{}", names[0]),
                &now()
            ),
            create_entry(
                "7e1d0c55-0000-4000-8000-000000000002",
                "aws_security_group.differs",
                &format!("{vpc}/{}", names[1]),
                &now()
            ),
            create_entry(
                "7e1d0c55-0000-4000-8000-000000000003",
                "aws_security_group.other",
                &format!("{vpc}/{}", names[2]),
                &now()
            ),
        ]),
    );

    // A plan adopts none of them: two stay open, the other operation's is not ours.
    let plan = w.expect(0, &["plan"]);
    assert_eq!(
        plan.stderr
            .matches("carries no strata:operation tag")
            .count(),
        2,
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr.contains("another strata operation's"),
        "{}",
        plan.stderr
    );
    let s = state(&w);
    assert_eq!(s.instances().count(), 0);
    assert_eq!(s.journal.len(), 2, "{:?}", s.journal);

    // The apply sends both creates again under the recorded names and is told they exist.
    let run = w.strata(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 1, "{}", run.both());
    assert!(
        run.stderr
            .contains("aws_security_group.same: settled a retried create")
            && run.stderr.contains("matches the configuration"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("differs from the configuration in description")
            && run.stderr.contains("not adopted"),
        "{}",
        run.stderr
    );
    let s = state(&w);
    assert!(s.journal.is_empty(), "{:?}", s.journal);
    let held: BTreeSet<String> = s
        .instances()
        .filter_map(|(_, _, i)| i.attributes["id"].as_str().map(str::to_string))
        .collect();
    assert!(held.contains(&same), "{held:?}");
    assert!(
        !held.contains(&differs) && !held.contains(&other),
        "{held:?}"
    );

    // Theirs stay as they are; ours get names of their own.
    w.expect(0, &["apply", "--auto-approve"]);
    w.expect(0, &["plan", "--detailed-exitcode"]);
    let exist = groups(&ec2).await;
    assert!(exist.contains(&(names[1].clone(), differs.clone(), "theirs".into(), None)));
    assert!(exist.contains(&(
        names[2].clone(),
        other.clone(),
        "ours".into(),
        Some("someone-elses-operation".into())
    )));
    assert_eq!(exist.len(), 5, "{exist:?}");
}

/// Issue #15: after a create whose look-up kept failing, `plan` and `destroy` stopped at
/// "Cannot settle the operations an earlier run left unfinished", and nothing but editing the
/// state could get past it. The error now names `strata state journal`, which lists the entry
/// with why it is open, and `strata state journal resolve ADDR --forget` drops it (after a
/// confirmation, recorded in the state's history).
#[tokio::test(flavor = "multi_thread")]
async fn a_journal_entry_that_cannot_be_looked_up_is_listed_and_forgotten_by_hand() {
    let w = Workdir::webapp();
    std::fs::write(
        w.dir().join("main.tf"),
        config(&[("blocked", "journal-blocked-")]),
    )
    .unwrap();
    let natural = generated("journal-blocked-", 7);
    let op = "7e1d0c55-0000-4000-8000-0000000b10c4";
    // A region the emulator does not know: every look-up there fails (HTTP 500).
    let mut entry = create_entry(op, "aws_security_group.blocked", &natural, &now());
    entry["region"] = "xx-nowhere-1".into();
    leave(&w, serde_json::json!([entry]));

    for args in [&["plan"][..], &["destroy", "--auto-approve"]] {
        let run = w.expect(1, args);
        assert!(
            run.stderr
                .contains("Cannot settle the operations an earlier run left unfinished")
                && run.stderr.contains("strata state journal"),
            "{args:?}:\n{}",
            run.stderr
        );
        assert!(run.stderr.contains(&natural), "{}", run.stderr);
    }

    let listed = w.expect(0, &["state", "journal"]);
    for needle in [
        "aws_security_group.blocked",
        "create",
        natural.as_str(),
        " ago",
        "why: looking",
        "strata state journal resolve",
    ] {
        assert!(
            listed.stdout.contains(needle),
            "{needle:?} not in:\n{}",
            listed.stdout
        );
    }
    let json = w.expect(0, &["state", "journal", "--json"]);
    let entries: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(entries[0]["address"], "aws_security_group.blocked");
    assert_eq!(entries[0]["operation"], "create");
    assert_eq!(entries[0]["identifier"], natural.as_str());
    assert!(entries[0]["age_seconds"].as_u64().is_some());
    assert!(
        entries[0]["unsettled"]
            .as_str()
            .unwrap()
            .contains("looking"),
        "{entries}"
    );

    // Without a terminal to confirm on, nothing changes.
    let before = std::fs::read(w.state_path()).unwrap();
    let refused = resolve(&w, 1, &["aws_security_group.blocked", "--forget"]);
    assert!(
        refused.stderr.contains("--auto-approve"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read(w.state_path()).unwrap(), before);
    let unknown = resolve(
        &w,
        1,
        &["aws_security_group.other", "--forget", "--auto-approve"],
    );
    assert!(
        unknown.stderr.contains("No unfinished operation"),
        "{}",
        unknown.stderr
    );

    let done = resolve(
        &w,
        0,
        &["aws_security_group.blocked", "--forget", "--auto-approve"],
    );
    assert!(done.stdout.contains("forgot the entry"), "{}", done.stdout);
    let s = state(&w);
    assert!(s.journal.is_empty());
    assert_eq!(s.history.len(), 1, "{:?}", s.history);
    let h = &s.history[0];
    assert_eq!(
        (h.command.as_str(), h.addr.as_str(), h.decision.as_str()),
        (
            "state journal resolve",
            "aws_security_group.blocked",
            "forgot the entry"
        )
    );
    assert_eq!(h.entry.as_ref().map(|e| e.id.as_str()), Some(op));
    assert!(!h.who.is_empty() && !h.at.is_empty());
    let listed = w.expect(0, &["state", "journal"]);
    assert!(
        listed.stdout.contains("No operations are left unfinished"),
        "{}",
        listed.stdout
    );
    w.expect(0, &["plan"]);
}

/// `strata state journal resolve ADDR --adopt ID` takes an object nothing proves the
/// operation made into state, once someone has checked; an id that does not exist, or an
/// address holding another object, is refused without changing anything.
#[tokio::test(flavor = "multi_thread")]
async fn a_journal_entry_is_resolved_by_adopting_the_object_by_hand() {
    let w = Workdir::webapp();
    std::fs::write(
        w.dir().join("main.tf"),
        config(&[("kept", "journal-kept-"), ("found", "journal-found-")]),
    )
    .unwrap();
    w.expect(
        0,
        &[
            "apply",
            "--target",
            "aws_security_group.kept",
            "--auto-approve",
        ],
    );
    let kept_id = state(&w)
        .instances()
        .find(|(a, _, _)| a.to_string() == "aws_security_group.kept")
        .map(|(_, _, i)| i.attributes["id"].as_str().unwrap().to_string())
        .unwrap();
    let ec2 = w.account.ec2(REGION).await;
    let vpc = default_vpc(&ec2).await;
    let name = generated("journal-found-", 9);
    let found = their_group(&ec2, &name, "ours", None).await;
    let op = "7e1d0c55-0000-4000-8000-00000000ad09";
    leave(
        &w,
        serde_json::json!([
            create_entry(
                op,
                "aws_security_group.found",
                &format!("{vpc}/{name}"),
                &now()
            ),
            create_entry(
                "7e1d0c55-0000-4000-8000-00000000ad0a",
                "aws_security_group.kept",
                &format!("{vpc}/{}", generated("journal-kept-", 10)),
                &now()
            ),
        ]),
    );
    let listed = w.expect(0, &["state", "journal"]);
    assert!(listed.stdout.contains(&name), "{}", listed.stdout);

    let before = std::fs::read(w.state_path()).unwrap();
    let missing = resolve(
        &w,
        1,
        &[
            "aws_security_group.found",
            "--adopt",
            "sg-00000000000000000",
            "--auto-approve",
        ],
    );
    assert!(
        missing.stderr.contains("No aws_security_group with id"),
        "{}",
        missing.stderr
    );
    let occupied = resolve(
        &w,
        1,
        &[
            "aws_security_group.kept",
            "--adopt",
            &found,
            "--auto-approve",
        ],
    );
    assert!(
        occupied
            .stderr
            .contains(&format!("already holds {kept_id}")),
        "{}",
        occupied.stderr
    );
    assert_eq!(std::fs::read(w.state_path()).unwrap(), before);

    let done = resolve(
        &w,
        0,
        &[
            "aws_security_group.found",
            "--adopt",
            &found,
            "--auto-approve",
        ],
    );
    assert!(
        done.stdout.contains(&format!("adopted {found}")),
        "{}",
        done.stdout
    );
    let s = state(&w);
    let held = s
        .instances()
        .find(|(a, _, _)| a.to_string() == "aws_security_group.found")
        .map(|(_, _, i)| i.attributes["id"].as_str().unwrap().to_string());
    assert_eq!(held.as_deref(), Some(found.as_str()));
    assert_eq!(s.journal.len(), 1, "the other entry stays: {:?}", s.journal);
    assert_eq!(s.history.len(), 1);
    assert_eq!(s.history[0].decision, format!("adopted {found}"));
    assert_eq!(s.history[0].entry.as_ref().map(|e| e.id.as_str()), Some(op));
    resolve(
        &w,
        0,
        &["aws_security_group.kept", "--forget", "--auto-approve"],
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
    assert_eq!(state(&w).history.len(), 2);
}

/// The operation tag is strata's own: every read hides it, so a configuration setting it
/// would plan a change forever, and its value would be overwritten on create. It is refused
/// where it is written, in `tags` and in the provider's `default_tags`.
#[test]
fn a_configuration_cannot_set_the_operation_tag() {
    let w = Workdir::webapp();
    let reserved = "\n    \"strata:operation\" = \"mine\"\n  }";
    for (provider_block, tags, message) in [
        (
            String::new(),
            format!("\n  tags = {{{reserved}"),
            "main.tf:7:10",
        ),
        (
            format!("\n  default_tags {{\n    tags = {{{reserved}\n  }}"),
            String::new(),
            "the provider's default_tags set \"strata:operation\", a tag key reserved for strata",
        ),
    ] {
        std::fs::write(
            w.dir().join("main.tf"),
            format!(
                "provider \"aws\" {{\n  region = \"us-east-1\"{provider_block}\n}}\n\nresource \"aws_security_group\" \"web\" {{\n  name = \"web\"{tags}\n}}\n"
            ),
        )
        .unwrap();
        let run = w.expect(1, &["validate"]);
        assert!(
            run.stderr.contains("reserved for strata") && run.stderr.contains(message),
            "{message:?} not in:\n{}",
            run.stderr
        );
    }
}
