//! What the network ACL types share: the inline `ingress` / `egress` entry blocks (stored as
//! AWS reports them: protocol numbers, `""` and `0` for what an entry lacks), the entries of a
//! DescribeNetworkAcls answer (AWS's catch-all deny entries left out), bringing an ACL's
//! entries from one set to another, and moving subnets between ACLs (a subnet always has
//! exactly one ACL: "removing" it moves it to its VPC's default ACL).

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    IcmpTypeCode, NetworkAcl as SdkAcl, NetworkAclEntry, PortRange, RuleAction,
};

/// The rule number of the deny-all entries AWS puts in every ACL.
const CATCH_ALL: i32 = 32767;

pub const GONE: &[&str] = &["InvalidNetworkAclID.NotFound"];

/// The schema of an `ingress` / `egress` block.
pub fn entry_block(name: &'static str) -> BlockType {
    let entry = schema! { "";
        from_port       number required;
        to_port         number required;
        rule_no         number required;
        action          string required one_of(&["allow", "deny", "ALLOW", "DENY"]);
        protocol        string required "A protocol name (tcp, udp, icmp, icmpv6, all) or number; kept as its number.";
        cidr_block      string;
        ipv6_cidr_block string;
        icmp_type       number;
        icmp_code       number;
    };
    BlockType::set(name, entry)
}

/// A protocol's number as AWS reports it (`tcp` → `6`, `all` → `-1`); an unknown name as given.
pub fn protocol_number(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "tcp" => "6".into(),
        "udp" => "17".into(),
        "icmp" => "1".into(),
        "icmpv6" => "58".into(),
        other => other.to_string(),
    }
}

/// An entry block with every attribute present, as a read shows it.
pub fn canonical(e: &Value) -> Value {
    let num = |k: &str| e.get(k).and_then(Value::as_i64).unwrap_or(0);
    Value::Map(object! {
        "from_port" => Value::from(num("from_port")),
        "to_port" => Value::from(num("to_port")),
        "rule_no" => Value::from(num("rule_no")),
        "action" => obj::str(e, "action").unwrap_or_default().to_ascii_lowercase(),
        "protocol" => protocol_number(obj::str(e, "protocol").unwrap_or_default()),
        "cidr_block" => obj::str(e, "cidr_block").unwrap_or_default(),
        "ipv6_cidr_block" => obj::str(e, "ipv6_cidr_block").unwrap_or_default(),
        "icmp_type" => Value::from(num("icmp_type")),
        "icmp_code" => Value::from(num("icmp_code")),
    })
}

/// The canonical entries of `block` in `v`, when known.
pub fn entries(v: &Value, block: &str) -> Option<Vec<Value>> {
    v.get(block)
        .filter(|b| b.is_known() && !b.is_null())
        .map(|_| state::items(v, block).map(canonical).collect())
}

/// Puts both blocks of `planned` in canonical form (`customize_plan`).
pub fn canonical_plan(planned: &mut Value) {
    for block in ["ingress", "egress"] {
        if let (Some(list), Value::Map(m)) = (entries(planned, block), &mut *planned) {
            m.insert(block.into(), obj::set(list));
        }
    }
}

fn entry_value(e: &NetworkAclEntry) -> Value {
    let ports = e.port_range();
    let icmp = e.icmp_type_code();
    canonical(&Value::Map(object! {
        "from_port" => ports.and_then(|p| p.from()).unwrap_or(0),
        "to_port" => ports.and_then(|p| p.to()).unwrap_or(0),
        "rule_no" => e.rule_number().unwrap_or(0),
        "action" => e.rule_action().map(|a| a.as_str()),
        "protocol" => e.protocol(),
        "cidr_block" => e.cidr_block(),
        "ipv6_cidr_block" => e.ipv6_cidr_block(),
        "icmp_type" => icmp.and_then(|i| i.r#type()).unwrap_or(0),
        "icmp_code" => icmp.and_then(|i| i.code()).unwrap_or(0),
    }))
}

/// The ACL's own entries of one direction (`egress`), AWS's catch-all left out.
pub fn entries_of(acl: &SdkAcl, egress: bool) -> Value {
    let own = acl
        .entries()
        .iter()
        .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(CATCH_ALL));
    obj::set(own.map(entry_value))
}

/// The subnets associated with the ACL.
pub fn subnets_of(acl: &SdkAcl) -> Value {
    state::strings(acl.associations(), |a| a.subnet_id())
}

/// The ACLs with these ids, in one DescribeNetworkAcls (per 200).
/// An ACL's state as `aws_network_acl` has it.
pub fn state_of(ctx: &Ctx, a: &SdkAcl) -> Value {
    let (id, owner) = (
        a.network_acl_id().unwrap_or_default(),
        a.owner_id().unwrap_or_default(),
    );
    let m = object! {
        "id" => id,
        "arn" => network::arn(ctx, owner, "network-acl", id),
        "owner_id" => owner,
        "vpc_id" => a.vpc_id(),
        "subnet_ids" => subnets_of(a),
        "ingress" => entries_of(a, false),
        "egress" => entries_of(a, true),
    };
    network::with_tags(ctx, m, a.tags())
}

/// One DescribeNetworkAcls for all of `ids`, each ACL's state made by `state_of`.
pub async fn read(
    ctx: &Ctx,
    ids: &[String],
    state_of: fn(&Ctx, &SdkAcl) -> Value,
) -> ProviderResult<BTreeMap<String, Value>> {
    let acls = describe(ctx, &state::unique(ids)).await?;
    Ok(state::by_id(
        acls,
        |a| a.network_acl_id(),
        |a| state_of(ctx, &a),
    ))
}

pub async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkAcl>> {
    Ok(describe_filtered!(
        ctx,
        ids,
        "network-acl-id",
        "network ACLs",
        |c| c.describe_network_acls()
    ))
}

/// Brings ACL `id`'s entries of both directions from `prior`'s to `planned`'s (a block not
/// known in `planned` is left alone): an entry whose rule number went is deleted, a changed one
/// replaced, a new one created.
pub async fn sync_entries(
    ctx: &Ctx,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> ProviderResult<()> {
    let ec2 = ctx.ec2();
    for (block, egress) in [("ingress", false), ("egress", true)] {
        let Some(new) = entries(planned, block) else {
            continue;
        };
        let old = entries(prior, block).unwrap_or_default();
        let by_rule = |list: &[Value]| -> BTreeMap<i64, Value> {
            list.iter()
                .map(|e| {
                    (
                        e.get("rule_no").and_then(Value::as_i64).unwrap_or(0),
                        e.clone(),
                    )
                })
                .collect()
        };
        let (old, new) = (by_rule(&old), by_rule(&new));
        for rule in old.keys().filter(|r| !new.contains_key(*r)) {
            let call = ec2
                .delete_network_acl_entry()
                .network_acl_id(id)
                .egress(egress)
                .rule_number(*rule as i32);
            let sent = call
                .send()
                .await
                .during(&format!("deleting entry {rule} of {id}"));
            unless(sent, &["InvalidNetworkAclEntry.NotFound"])?;
        }
        for (rule, e) in &new {
            let num = |k: &str| e.get(k).and_then(Value::as_i64).unwrap_or(0) as i32;
            let given = |k: &str| obj::string(e, k);
            let ports = PortRange::builder()
                .from(num("from_port"))
                .to(num("to_port"))
                .build();
            let icmp = IcmpTypeCode::builder()
                .r#type(num("icmp_type"))
                .code(num("icmp_code"))
                .build();
            let action = RuleAction::from(obj::str(e, "action").unwrap_or("deny"));
            let protocol = obj::string(e, "protocol").unwrap_or_default();
            macro_rules! entry {
                ($call:expr) => {
                    $call
                        .network_acl_id(id)
                        .egress(egress)
                        .rule_number(*rule as i32)
                        .protocol(protocol.clone())
                        .rule_action(action.clone())
                        .set_cidr_block(given("cidr_block"))
                        .set_ipv6_cidr_block(given("ipv6_cidr_block"))
                        .port_range(ports.clone())
                        .icmp_type_code(icmp.clone())
                };
            }
            match old.get(rule) {
                Some(o) if o == e => {}
                Some(_) => {
                    network::send(
                        entry!(ec2.replace_network_acl_entry()).send(),
                        &format!("replacing entry {rule} of {id}"),
                    )
                    .await?
                }
                None => {
                    network::send(
                        entry!(ec2.create_network_acl_entry()).send(),
                        &format!("adding entry {rule} to {id}"),
                    )
                    .await?
                }
            }
        }
    }
    Ok(())
}

/// Moves `subnets` to ACL `acl` (from whichever ACL each has now).
pub async fn move_subnets(ctx: &Ctx, acl: &str, subnets: &[String]) -> ProviderResult<()> {
    if subnets.is_empty() {
        return Ok(());
    }
    let ec2 = ctx.ec2();
    let holders = describe_filtered!(ctx, subnets, "association.subnet-id", "network ACLs", |c| c
        .describe_network_acls());
    let associations = holders.iter().flat_map(|a| a.associations());
    for a in associations.filter(|a| {
        a.subnet_id()
            .is_some_and(|s| subnets.iter().any(|w| w == s))
    }) {
        if a.network_acl_id() == Some(acl) {
            continue;
        }
        let Some(assoc) = a.network_acl_association_id() else {
            continue;
        };
        let call = ec2
            .replace_network_acl_association()
            .association_id(assoc)
            .network_acl_id(acl);
        let subnet = a.subnet_id().unwrap_or_default();
        network::send(
            call.send(),
            &format!("moving subnet {subnet} to network ACL {acl}"),
        )
        .await?;
    }
    Ok(())
}

/// The default ACL of VPC `vpc`.
pub async fn default_of(ctx: &Ctx, vpc: &str) -> ProviderResult<String> {
    let call = ctx
        .ec2()
        .describe_network_acls()
        .filters(network::filter("vpc-id", &[vpc.to_string()]))
        .filters(network::filter("default", &["true".into()]));
    let out = call
        .send()
        .await
        .during(&format!("finding the default network ACL of {vpc}"))?;
    let acl = out.network_acls().first().and_then(|a| a.network_acl_id());
    Ok(network::created(acl, "the VPC's default network ACL")?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_kept_as_aws_reports_them() {
        let e = Value::Map(object! {
            "from_port" => Value::from(443),
            "to_port" => Value::from(443),
            "rule_no" => Value::from(100),
            "action" => "ALLOW",
            "protocol" => "tcp",
            "cidr_block" => "0.0.0.0/0",
        });
        let c = canonical(&e);
        assert_eq!(obj::str(&c, "protocol"), Some("6"));
        assert_eq!(obj::str(&c, "action"), Some("allow"));
        assert_eq!(c.get("ipv6_cidr_block"), Some(&Value::from("")));
        assert_eq!(c.get("icmp_type"), Some(&Value::from(0)));
        assert_eq!(protocol_number("all"), "-1");
        assert_eq!(protocol_number("50"), "50");
    }
}
