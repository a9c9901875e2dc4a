//! `aws_security_group`, `aws_vpc` and `aws_subnets` against the emulator, through the trait
//! methods; every effect is checked with the verification client's own describe calls.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, IpPermission, SecurityGroup as Ec2Group};
use strata::eval::{Map, Value};
use strata::provider::aws::{SecurityGroup, SECURITY_GROUP, SUBNETS_DATA, VPC_DATA};
use strata::provider::{data_source_type, obj, resource_type, Ctx, DataSourceType, ResourceType};

use crate::emulator::{Emulator, TestAccount, DEFAULT_REGION};

const REGION: &str = DEFAULT_REGION;
const ADMIN_CIDR: &str = "203.0.113.0/24";

async fn ctx(account: &TestAccount) -> Ctx {
    account.provider_ctx(REGION).await
}

fn strings(items: &[&str]) -> Value {
    obj::list(items.iter().map(|s| s.to_string()))
}

/// A rule block as the configuration writes it (only some attributes set).
fn rule(proto: &str, port: i64, cidrs: &[&str], groups: &[&str]) -> Value {
    let mut m = Map::new();
    m.insert("protocol".into(), Value::from(proto));
    m.insert("from_port".into(), Value::from(port));
    m.insert("to_port".into(), Value::from(port));
    if !cidrs.is_empty() {
        m.insert("cidr_blocks".into(), strings(cidrs));
    }
    if !groups.is_empty() {
        m.insert("security_groups".into(), strings(groups));
    }
    Value::Map(m)
}

/// The planned object for a new group, as the engine hands it over: unset computed
/// attributes unknown, then the schema's plan modifiers and the resource's own.
fn planned(
    name: Option<&str>,
    ingress: Vec<Value>,
    egress: Vec<Value>,
    tags: &[(&str, &str)],
) -> Value {
    let mut m = Map::new();
    for k in ["id", "arn", "owner_id", "vpc_id", "tags_all", "name_prefix"] {
        m.insert(k.into(), Value::Unknown);
    }
    m.insert(
        "name".into(),
        name.map(Value::from).unwrap_or(Value::Unknown),
    );
    m.insert("description".into(), Value::Null);
    m.insert("revoke_rules_on_delete".into(), Value::Bool(false));
    m.insert("ingress".into(), Value::List(ingress));
    m.insert("egress".into(), Value::List(egress));
    m.insert(
        "tags".into(),
        obj::map(tags.iter().map(|(k, v)| (k.to_string(), v.to_string()))),
    );
    let mut v = Value::Map(m);
    SECURITY_GROUP
        .schema()
        .modify_plan(None, &v.clone(), &mut v);
    SECURITY_GROUP.customize_plan(None, &mut v);
    v
}

fn id_of(state: &Value) -> String {
    obj::string(state, "id").expect("state has an id")
}

async fn describe(ec2: &aws_sdk_ec2::Client, id: &str) -> Ec2Group {
    ec2.describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .unwrap()
        .security_groups
        .unwrap_or_default()
        .pop()
        .unwrap_or_else(|| panic!("{id} not described"))
}

async fn exists(ec2: &aws_sdk_ec2::Client, id: &str) -> bool {
    match ec2.describe_security_groups().group_ids(id).send().await {
        Ok(r) => !r.security_groups().is_empty(),
        Err(e) if e.code() == Some("InvalidGroup.NotFound") => false,
        Err(e) => panic!("describe {id}: {e:?}"),
    }
}

fn perm(perms: &[IpPermission], port: i32) -> &IpPermission {
    perms
        .iter()
        .find(|p| p.from_port() == Some(port) && p.to_port() == Some(port))
        .unwrap_or_else(|| panic!("no permission for port {port}: {perms:?}"))
}

fn cidrs(p: &IpPermission) -> Vec<String> {
    let mut v: Vec<String> = p
        .ip_ranges()
        .iter()
        .filter_map(|r| r.cidr_ip().map(str::to_string))
        .collect();
    v.sort();
    v
}

async fn web_group(ctx: &Ctx, name: &str) -> Value {
    let all_out = rule("-1", 0, &["0.0.0.0/0"], &[]);
    SECURITY_GROUP
        .create(
            ctx,
            &planned(
                Some(name),
                vec![
                    rule("tcp", 80, &["0.0.0.0/0"], &[]),
                    rule("6", 443, &["0.0.0.0/0"], &[]),
                    rule("tcp", 22, &[ADMIN_CIDR], &[]),
                ],
                vec![all_out],
                &[("Name", name)],
            ),
        )
        .await
        .unwrap()
}

async fn db_group(ctx: &Ctx, web_id: &str) -> Value {
    SECURITY_GROUP
        .create(
            ctx,
            &planned(
                Some("db"),
                vec![rule("tcp", 3306, &[], &[web_id])],
                vec![],
                &[],
            ),
        )
        .await
        .unwrap()
}

#[test]
fn types_are_registered() {
    assert!(resource_type("aws_security_group").is_some());
    assert!(data_source_type("aws_vpc").is_some());
    assert!(data_source_type("aws_subnets").is_some());
}

#[tokio::test]
async fn web_and_db_groups_are_created_as_configured() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;

    let web_plan = planned(
        Some("web"),
        vec![
            rule("tcp", 80, &["0.0.0.0/0"], &[]),
            rule("6", 443, &["0.0.0.0/0"], &[]),
            rule("tcp", 22, &[ADMIN_CIDR], &[]),
        ],
        vec![rule("all", 0, &["0.0.0.0/0"], &[])],
        &[("Name", "web")],
    );
    let web = SECURITY_GROUP.create(&ctx, &web_plan).await.unwrap();
    let web_id = id_of(&web);
    assert!(web_id.starts_with("sg-"), "{web_id}");
    // The configuration read back equals the configuration that made it.
    assert_eq!(web.get("ingress"), web_plan.get("ingress"));
    assert_eq!(web.get("egress"), web_plan.get("egress"));
    assert_eq!(obj::str(&web, "description"), Some("Managed by Terraform"));

    let db = db_group(&ctx, &web_id).await;
    let db_id = id_of(&db);

    // What AWS holds.
    let g = describe(&ec2, &web_id).await;
    assert_eq!(g.group_name(), Some("web"));
    assert_eq!(g.description(), Some("Managed by Terraform"));
    assert_eq!(g.ip_permissions().len(), 3, "{:?}", g.ip_permissions());
    for port in [80, 443] {
        let p = perm(g.ip_permissions(), port);
        assert_eq!(p.ip_protocol(), Some("tcp"));
        assert_eq!(cidrs(p), ["0.0.0.0/0"]);
    }
    assert_eq!(cidrs(perm(g.ip_permissions(), 22)), [ADMIN_CIDR]);
    let egress = g.ip_permissions_egress();
    assert_eq!(egress.len(), 1, "{egress:?}");
    assert_eq!(egress[0].ip_protocol(), Some("-1"));
    assert_eq!(cidrs(&egress[0]), ["0.0.0.0/0"]);
    assert_eq!(
        g.tags()
            .iter()
            .map(|t| (t.key().unwrap(), t.value().unwrap()))
            .collect::<Vec<_>>(),
        [("Name", "web")]
    );

    let d = describe(&ec2, &db_id).await;
    let perms = d.ip_permissions();
    assert_eq!(perms.len(), 1, "{perms:?}");
    let p = &perms[0];
    assert_eq!(
        (p.ip_protocol(), p.from_port(), p.to_port()),
        (Some("tcp"), Some(3306), Some(3306))
    );
    assert!(p.ip_ranges().is_empty(), "{p:?}");
    assert_eq!(p.user_id_group_pairs().len(), 1, "{p:?}");
    assert_eq!(p.user_id_group_pairs()[0].group_id(), Some(web_id.as_str()));
    // Terraform's create removes the default allow-all egress rule.
    assert!(
        d.ip_permissions_egress().is_empty(),
        "{:?}",
        d.ip_permissions_egress()
    );

    // A batched read gives back exactly what create returned.
    let read = SECURITY_GROUP
        .read(&ctx, &[web_id.clone(), db_id.clone()])
        .await
        .unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(read[&web_id], web);
    assert_eq!(read[&db_id], db);
    assert_eq!(
        obj::strings(
            &db.get("ingress").and_then(Value::as_list).unwrap()[0],
            "security_groups"
        ),
        std::slice::from_ref(&web_id)
    );
    assert_eq!(obj::str(&db, "owner_id"), Some(account.account_id.as_str()));
    assert_eq!(
        obj::string(&db, "arn"),
        Some(format!(
            "arn:aws:ec2:{REGION}:{}:security-group/{db_id}",
            account.account_id
        ))
    );

    // Import by id gives the same state.
    assert_eq!(SECURITY_GROUP.import(&ctx, &db_id).await.unwrap(), Some(db));
}

#[tokio::test]
async fn batched_read_skips_deleted_groups_and_names_are_generated() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;

    let a = SECURITY_GROUP
        .create(&ctx, &planned(None, vec![], vec![], &[]))
        .await
        .unwrap();
    let name = obj::string(&a, "name").unwrap();
    assert!(name.starts_with("terraform-") && name.len() == 36, "{name}");
    assert_eq!(obj::str(&a, "name_prefix"), Some("terraform-"));

    let b = web_group(&ctx, "b").await;
    let c = web_group(&ctx, "c").await;
    SECURITY_GROUP.delete(&ctx, &b).await.unwrap();
    assert!(!exists(&ec2, &id_of(&b)).await);
    // Deleting again: already gone is success.
    SECURITY_GROUP.delete(&ctx, &b).await.unwrap();

    let ids = [
        id_of(&a),
        id_of(&b),
        id_of(&c),
        "sg-0123456789abcdef0".into(),
    ];
    let read = SECURITY_GROUP.read(&ctx, &ids).await.unwrap();
    assert_eq!(read.keys().cloned().collect::<Vec<_>>(), {
        let mut v = vec![id_of(&a), id_of(&c)];
        v.sort();
        v
    });
    assert_eq!(read[&id_of(&a)], a);
    assert_eq!(read[&id_of(&c)], c);
    assert!(SECURITY_GROUP.read(&ctx, &[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn update_changes_tags_and_only_the_added_rule() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;

    let prior = web_group(&ctx, "web").await;
    let id = id_of(&prior);
    let rule_ids = |rules: Vec<aws_sdk_ec2::types::SecurityGroupRule>| -> BTreeMap<String, String> {
        rules
            .into_iter()
            .filter(|r| r.is_egress() == Some(false))
            .map(|r| {
                (
                    format!("{:?}/{:?}", r.from_port(), r.cidr_ipv4()),
                    r.security_group_rule_id().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let describe_rules = || async {
        ec2.describe_security_group_rules()
            .filters(Filter::builder().name("group-id").values(&id).build())
            .send()
            .await
            .unwrap()
            .security_group_rules
            .unwrap_or_default()
    };
    let before = rule_ids(describe_rules().await);

    // Config change: another admin CIDR on port 22, one tag changed, one removed, one added.
    let mut new = prior.clone();
    if let Value::Map(m) = &mut new {
        m.insert(
            "ingress".into(),
            Value::List(vec![
                rule("tcp", 80, &["0.0.0.0/0"], &[]),
                rule("tcp", 443, &["0.0.0.0/0"], &[]),
                rule("tcp", 22, &["198.51.100.0/24", ADMIN_CIDR], &[]),
            ]),
        );
        m.insert(
            "tags".into(),
            obj::map([("Team".to_string(), "data".to_string())]),
        );
        m.insert("tags_all".into(), Value::Unknown);
    }
    SECURITY_GROUP.customize_plan(Some(&prior), &mut new);
    let updated = SECURITY_GROUP.update(&ctx, &prior, &new).await.unwrap();
    assert_eq!(updated.get("ingress"), new.get("ingress"));
    assert_eq!(updated.get("egress"), prior.get("egress"));

    let g = describe(&ec2, &id).await;
    assert_eq!(
        cidrs(perm(g.ip_permissions(), 22)),
        ["198.51.100.0/24", ADMIN_CIDR]
    );
    assert_eq!(g.ip_permissions().len(), 3);
    assert_eq!(
        g.tags()
            .iter()
            .map(|t| (t.key().unwrap(), t.value().unwrap()))
            .collect::<Vec<_>>(),
        [("Team", "data")]
    );

    // Only the new CIDR was authorised: every rule that existed keeps its id.
    let after = rule_ids(describe_rules().await);
    assert_eq!(after.len(), before.len() + 1, "{before:?} → {after:?}");
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "rule {k} was replaced");
    }

    // Removing a rule revokes it.
    let mut fewer = updated.clone();
    if let Value::Map(m) = &mut fewer {
        m.insert(
            "ingress".into(),
            Value::List(vec![rule("tcp", 443, &["0.0.0.0/0"], &[])]),
        );
    }
    SECURITY_GROUP.customize_plan(Some(&updated), &mut fewer);
    let last = SECURITY_GROUP.update(&ctx, &updated, &fewer).await.unwrap();
    assert_eq!(last.get("ingress"), fewer.get("ingress"));
    let g = describe(&ec2, &id).await;
    assert_eq!(g.ip_permissions().len(), 1);
    assert_eq!(cidrs(perm(g.ip_permissions(), 443)), ["0.0.0.0/0"]);
}

#[tokio::test]
async fn referenced_group_is_deleted_once_the_reference_is_gone() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;

    let web = web_group(&ctx, "web").await;
    let web_id = id_of(&web);
    let db = db_group(&ctx, &web_id).await;

    // With a short retry window the delete gives up and says why.
    let err = SecurityGroup
        .delete_within(&ctx, &web, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("DependencyViolation"),
        "{}",
        err.message
    );
    assert!(exists(&ec2, &web_id).await);

    // The normal delete keeps retrying while the db group is going away.
    let deleting = {
        let ctx = ctx.clone();
        let web = web.clone();
        tokio::spawn(async move { SECURITY_GROUP.delete(&ctx, &web).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!deleting.is_finished());
    assert!(exists(&ec2, &web_id).await);
    SECURITY_GROUP.delete(&ctx, &db).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), deleting)
        .await
        .expect("delete finishes once the reference is gone")
        .unwrap()
        .unwrap();
    assert!(!exists(&ec2, &web_id).await);
    assert!(!exists(&ec2, &id_of(&db)).await);
}

#[tokio::test]
async fn revoke_rules_on_delete_frees_a_self_referencing_group() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;
    let mut plan = planned(
        Some("cluster"),
        vec![rule("tcp", 6379, &[], &[])],
        vec![],
        &[],
    );
    if let Value::Map(m) = &mut plan {
        let mut r = rule("tcp", 6379, &[], &[]);
        if let Value::Map(rm) = &mut r {
            rm.insert("self".into(), Value::Bool(true));
        }
        m.insert("ingress".into(), Value::List(vec![r]));
        m.insert("revoke_rules_on_delete".into(), Value::Bool(true));
    }
    SECURITY_GROUP.customize_plan(None, &mut plan);
    let state = SECURITY_GROUP.create(&ctx, &plan).await.unwrap();
    assert_eq!(state.get("ingress"), plan.get("ingress"));
    assert_eq!(
        state.get("revoke_rules_on_delete"),
        Some(&Value::Bool(true))
    );
    let id = id_of(&state);
    let g = describe(&ec2, &id).await;
    assert_eq!(
        g.ip_permissions()[0].user_id_group_pairs()[0].group_id(),
        Some(id.as_str())
    );
    SECURITY_GROUP.delete(&ctx, &state).await.unwrap();
    assert!(!exists(&ec2, &id).await);
}

fn data_config(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn filter(name: &str, values: &[&str]) -> Value {
    data_config(vec![
        ("name", Value::from(name)),
        ("values", strings(values)),
    ])
}

#[tokio::test]
async fn data_sources_find_the_default_vpc_and_its_subnets() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;

    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .unwrap()
        .vpcs
        .unwrap_or_default();
    let default_id = vpcs[0].vpc_id().unwrap().to_string();

    let vpc = VPC_DATA
        .read(&ctx, &data_config(vec![("default", Value::Bool(true))]))
        .await
        .unwrap();
    assert_eq!(obj::str(&vpc, "id"), Some(default_id.as_str()));
    assert_eq!(obj::str(&vpc, "cidr_block"), Some("172.31.0.0/16"));
    assert_eq!(vpc.get("default"), Some(&Value::Bool(true)));
    assert_eq!(
        obj::str(&vpc, "owner_id"),
        Some(account.account_id.as_str())
    );
    assert_eq!(
        obj::string(&vpc, "arn"),
        Some(format!(
            "arn:aws:ec2:{REGION}:{}:vpc/{default_id}",
            account.account_id
        ))
    );
    // Every attribute but `region`, which the engine stamps on every regional object (the
    // region it was read in; tests/it/resource_region.rs).
    for attr in VPC_DATA
        .schema()
        .attributes
        .iter()
        .filter(|a| a.name != "region")
    {
        assert!(vpc.get(attr.name).is_some(), "{} missing", attr.name);
    }

    // By id and by filter give the same VPC.
    let by_id = VPC_DATA
        .read(
            &ctx,
            &data_config(vec![("id", Value::from(default_id.as_str()))]),
        )
        .await
        .unwrap();
    assert_eq!(obj::str(&by_id, "id"), Some(default_id.as_str()));

    // Two VPCs match no argument at all: an error saying how many.
    ec2.create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap();
    let err = VPC_DATA.read(&ctx, &data_config(vec![])).await.unwrap_err();
    assert!(err.message.contains("2 VPCs match"), "{}", err.message);
    let err = VPC_DATA
        .read(
            &ctx,
            &data_config(vec![(
                "filter",
                Value::List(vec![filter("cidr", &["10.250.0.0/16"])]),
            )]),
        )
        .await
        .unwrap_err();
    assert!(err.message.contains("no VPC"), "{}", err.message);

    let mut want: Vec<String> = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&default_id).build())
        .send()
        .await
        .unwrap()
        .subnets
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subnet_id)
        .collect();
    want.sort();
    assert!(want.len() >= 2, "{want:?}");
    let subnets = SUBNETS_DATA
        .read(
            &ctx,
            &data_config(vec![(
                "filter",
                Value::List(vec![filter("vpc-id", &[default_id.as_str()])]),
            )]),
        )
        .await
        .unwrap();
    assert_eq!(obj::strings(&subnets, "ids"), want);
    assert_eq!(obj::str(&subnets, "id"), Some(REGION));

    // No match is not an error.
    let none = SUBNETS_DATA
        .read(
            &ctx,
            &data_config(vec![(
                "tags",
                obj::map([("Tier".to_string(), "nothing".to_string())]),
            )]),
        )
        .await
        .unwrap();
    assert_eq!(none.get("ids"), Some(&Value::List(vec![])));
}

/// Regression: every new group cost two RevokeSecurityGroupEgress calls (IPv4 and IPv6, as
/// Terraform sends them, the second failing outside IPv6 VPCs) and two describes of its own.
/// Now the describe of the new group, shared by every group created at the same time, says
/// which default rules exist and one revoke removes exactly those — in an IPv6 VPC both.
#[tokio::test]
async fn new_groups_lose_exactly_their_default_egress_rules_in_one_call() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;

    let calls = |name: &str| {
        ctx.aws
            .api_calls
            .snapshot()
            .into_iter()
            .filter(|(k, _)| k.ends_with(&format!(".{name}")))
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let before_revokes = calls("RevokeSecurityGroupEgress");
    let before_describes = calls("DescribeSecurityGroups");
    let creates = (0..10).map(|i| {
        let ctx = ctx.clone();
        async move {
            SECURITY_GROUP
                .create(
                    &ctx,
                    &planned(Some(&format!("batch-{i}")), vec![], vec![], &[]),
                )
                .await
                .unwrap()
        }
    });
    let groups = futures::future::join_all(creates).await;
    for g in &groups {
        let described = describe(&ec2, &id_of(g)).await;
        assert!(
            described.ip_permissions_egress().is_empty(),
            "default egress left on {}: {:?}",
            id_of(g),
            described.ip_permissions_egress()
        );
    }
    assert_eq!(calls("RevokeSecurityGroupEgress") - before_revokes, 10);
    let describes = calls("DescribeSecurityGroups") - before_describes;
    assert!(
        describes < 10,
        "{describes} DescribeSecurityGroups for 10 new groups: the read after create is not batched"
    );

    // A VPC with IPv6: AWS gives a new group a second allow-all rule, to ::/0.
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    let plain = ec2
        .create_security_group()
        .group_name("made-by-the-sdk")
        .description("control")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let control = describe(&ec2, &plain).await;
    let v6: Vec<&str> = control
        .ip_permissions_egress()
        .iter()
        .flat_map(|p| p.ipv6_ranges())
        .filter_map(|r| r.cidr_ipv6())
        .collect();
    assert_eq!(v6, ["::/0"], "the emulator gives no IPv6 default egress");

    let mut plan = planned(Some("in-ipv6-vpc"), vec![], vec![], &[]);
    if let Value::Map(m) = &mut plan {
        m.insert("vpc_id".into(), Value::from(vpc.as_str()));
    }
    let before_revokes = calls("RevokeSecurityGroupEgress");
    let g = SECURITY_GROUP.create(&ctx, &plan).await.unwrap();
    let described = describe(&ec2, &id_of(&g)).await;
    assert!(
        described.ip_permissions_egress().is_empty(),
        "{:?}",
        described.ip_permissions_egress()
    );
    assert_eq!(calls("RevokeSecurityGroupEgress") - before_revokes, 1);
    assert_eq!(g.get("egress"), Some(&Value::List(vec![])));
}

/// Regression: a group strata was creating was looked up by name alone, so the journal (or
/// a retried create) could adopt a same-named group of another VPC. The natural id carries
/// the VPC; the look-up keeps to it.
#[tokio::test]
async fn a_group_is_found_again_in_its_own_vpc_only() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;
    let mut vpcs = Vec::new();
    for cidr in ["10.51.0.0/16", "10.52.0.0/16"] {
        vpcs.push(
            ec2.create_vpc()
                .cidr_block(cidr)
                .send()
                .await
                .unwrap()
                .vpc
                .and_then(|v| v.vpc_id)
                .unwrap(),
        );
    }
    // Someone else's group of the same name, in the other VPC.
    ec2.create_security_group()
        .group_name("same")
        .description("theirs")
        .vpc_id(&vpcs[1])
        .send()
        .await
        .unwrap();
    let mut plan = planned(Some("same"), vec![], vec![], &[]);
    if let Value::Map(m) = &mut plan {
        m.insert("vpc_id".into(), Value::from(vpcs[0].as_str()));
    }
    let natural = SECURITY_GROUP.natural_id(&plan).unwrap();
    assert_eq!(natural, format!("{}/same", vpcs[0]));
    assert!(
        SECURITY_GROUP
            .find_by_natural_id(&ctx, &natural)
            .await
            .unwrap()
            .is_none(),
        "found the other VPC's group"
    );
    let ours = SECURITY_GROUP.create(&ctx, &plan).await.unwrap();
    let found = SECURITY_GROUP
        .find_by_natural_id(&ctx, &natural)
        .await
        .unwrap()
        .expect("our group");
    assert_eq!(id_of(&found), id_of(&ours));
}

/// Regression: a group created without `vpc_id` (in the default VPC) has a bare name for a
/// natural id, and was looked up by name in every VPC: the journal could adopt another VPC's
/// group of that name. A bare name now means the default VPC.
#[tokio::test]
async fn a_group_without_vpc_id_is_found_again_in_the_default_vpc_only() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;
    let other = ec2
        .create_vpc()
        .cidr_block("10.53.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    ec2.create_security_group()
        .group_name("bare")
        .description("theirs")
        .vpc_id(&other)
        .send()
        .await
        .unwrap();
    let plan = planned(Some("bare"), vec![], vec![], &[]);
    let natural = SECURITY_GROUP.natural_id(&plan).unwrap();
    assert_eq!(natural, "bare");
    assert!(
        SECURITY_GROUP
            .find_by_natural_id(&ctx, &natural)
            .await
            .unwrap()
            .is_none(),
        "found the other VPC's group"
    );
    let ours = SECURITY_GROUP.create(&ctx, &plan).await.unwrap();
    let found = SECURITY_GROUP
        .find_by_natural_id(&ctx, &natural)
        .await
        .unwrap()
        .expect("our group");
    assert_eq!(id_of(&found), id_of(&ours));
    assert_ne!(obj::str(&found, "vpc_id"), Some(other.as_str()));
}

/// The default-egress revoke trusts the VPC's IPv6 status, looked up once per run. Should a
/// group lack the IPv6 rule after all (the VPC lost its IPv6 CIDR since), the IPv4
/// allow-all rule must still go: AWS revokes what exists and reports the rest as unknown
/// (the emulator does the same); where it refuses the call instead, the group's own rules
/// decide what a second revoke removes.
#[tokio::test]
async fn a_stale_ipv6_answer_still_removes_the_default_egress() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.61.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap();
    let vpc_id = vpc.vpc_id().unwrap().to_string();
    let in_vpc = |name: &str| {
        let mut plan = planned(Some(name), vec![], vec![], &[]);
        if let Value::Map(m) = &mut plan {
            m.insert("vpc_id".into(), Value::from(vpc_id.as_str()));
        }
        plan
    };
    // Caches "this VPC has IPv6".
    let first = SECURITY_GROUP.create(&ctx, &in_vpc("first")).await.unwrap();
    assert!(describe(&ec2, &id_of(&first))
        .await
        .ip_permissions_egress()
        .is_empty());
    let association = vpc.ipv6_cidr_block_association_set()[0]
        .association_id()
        .unwrap()
        .to_string();
    ec2.disassociate_vpc_cidr_block()
        .association_id(association)
        .send()
        .await
        .unwrap();
    let second = SECURITY_GROUP
        .create(&ctx, &in_vpc("second"))
        .await
        .unwrap();
    let egress = describe(&ec2, &id_of(&second)).await;
    assert!(
        egress.ip_permissions_egress().is_empty(),
        "default egress left: {:?}",
        egress.ip_permissions_egress()
    );
}

/// Regression: an HTTP 5xx with an empty body (a load balancer in front of AWS failing) was
/// reported as "error parsing XML: no root element", naming neither the service nor the
/// failure. The error names the service and operation, the status, and who failed.
#[tokio::test]
async fn a_5xx_with_an_empty_body_names_the_service_and_the_failure() {
    let account = Emulator::shared().account();
    let proxy = crate::faults::FaultProxy::start(&[
        "--fault-first",
        "DescribeSecurityGroups=502-empty+502-empty+502-empty",
    ]);
    let base = account
        .sdk_config(REGION)
        .await
        .into_builder()
        .endpoint_url(&proxy.endpoint)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    let ctx = Ctx {
        aws: std::sync::Arc::new(strata::provider::Aws::from_config(
            base,
            Duration::from_millis(100),
        )),
        settings: strata::provider::ProviderSettings {
            region: REGION.into(),
            ..Default::default()
        },
    };
    let err = SECURITY_GROUP
        .read(&ctx, &["sg-0123456789abcdef0".to_string()])
        .await
        .unwrap_err();
    let text = err.message;
    assert!(
        text.contains("EC2 DescribeSecurityGroups answered HTTP 502 with an empty body"),
        "{text}"
    );
    assert!(text.contains("AWS, or something in front of it"), "{text}");
    assert!(
        !text.contains("XML") && !text.contains("Response {"),
        "{text}"
    );
}

/// Regression: a group whose configured egress is exactly AWS's default rule (all
/// protocols to 0.0.0.0/0, the idiom of most configurations) was created, then had that
/// rule revoked and authorised again: three mutating calls per group instead of one. The
/// default rules the configuration keeps are left alone; only the others are revoked.
#[tokio::test]
async fn a_configured_default_egress_costs_no_rule_calls() {
    let account = Emulator::shared().account();
    let ctx = ctx(&account).await;
    let ec2 = account.ec2(REGION).await;
    let mutating = |ctx: &Ctx| -> u64 {
        ["RevokeSecurityGroupEgress", "AuthorizeSecurityGroupEgress"]
            .iter()
            .map(|a| crate::emulator::api_calls(ctx, a))
            .sum()
    };
    let egress_of = |g: Ec2Group| -> (Vec<String>, Vec<String>) {
        let perms = g.ip_permissions_egress();
        let v4 = perms
            .iter()
            .flat_map(|p| p.ip_ranges())
            .filter_map(|r| r.cidr_ip().map(str::to_string))
            .collect();
        let v6 = perms
            .iter()
            .flat_map(|p| p.ipv6_ranges())
            .filter_map(|r| r.cidr_ipv6().map(str::to_string))
            .collect();
        (v4, v6)
    };
    let all_out = |v6: bool| {
        let mut r = rule("-1", 0, &["0.0.0.0/0"], &[]);
        if let (Value::Map(m), true) = (&mut r, v6) {
            m.insert("ipv6_cidr_blocks".into(), strings(&["::/0"]));
        }
        r
    };

    let before = mutating(&ctx);
    let g = SECURITY_GROUP
        .create(
            &ctx,
            &planned(Some("default-egress"), vec![], vec![all_out(false)], &[]),
        )
        .await
        .unwrap();
    assert_eq!(mutating(&ctx) - before, 0, "rule calls for AWS's own rule");
    assert_eq!(
        egress_of(describe(&ec2, &id_of(&g)).await),
        (vec!["0.0.0.0/0".to_string()], vec![])
    );
    assert_eq!(
        g.get("egress"),
        planned(None, vec![], vec![all_out(false)], &[]).get("egress")
    );

    // In a VPC with IPv6, AWS adds ::/0 too: kept when configured, else the one revoke.
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.43.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    for (name, both, revokes, left_v6) in [
        ("v6-both", true, 0, vec!["::/0".to_string()]),
        ("v6-v4-only", false, 1, vec![]),
    ] {
        let mut plan = planned(Some(name), vec![], vec![all_out(both)], &[]);
        if let Value::Map(m) = &mut plan {
            m.insert("vpc_id".into(), Value::from(vpc.as_str()));
        }
        let before = mutating(&ctx);
        let g = SECURITY_GROUP.create(&ctx, &plan).await.unwrap();
        assert_eq!(mutating(&ctx) - before, revokes, "{name}");
        assert_eq!(
            egress_of(describe(&ec2, &id_of(&g)).await),
            (vec!["0.0.0.0/0".to_string()], left_v6),
            "{name}"
        );
    }
}
