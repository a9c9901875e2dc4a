//! `aws_network_acl_rule`: one entry of a network ACL. Its id is the provider's (`nacl-` + a
//! hash of ACL, rule number, direction and protocol), so it is refreshed from the prior object
//! (`read_prior`); `strata import` takes `acl-…:RULE_NUMBER:PROTOCOL:EGRESS` as the provider.

use super::network;
use super::network_acl_model as model;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{IcmpTypeCode, NetworkAclEntry, PortRange, RuleAction};

pub struct NetworkAclRule;
pub static NETWORK_ACL_RULE: NetworkAclRule = NetworkAclRule;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "One entry of a network ACL.";
        regional;
        id              string output;
        network_acl_id  string required force_new;
        rule_number     number required force_new range(1.0, 32766.0);
        egress          bool   default(false) force_new;
        protocol        string required force_new "A protocol name or number; kept as its number.";
        rule_action     string required force_new one_of(&["allow", "deny", "ALLOW", "DENY"]);
        cidr_block      string force_new exactly_one_of(&["ipv6_cidr_block"]);
        ipv6_cidr_block string force_new;
        from_port       number computed force_new;
        to_port         number computed force_new;
        icmp_type       number computed force_new;
        icmp_code       number computed force_new;
    }
});

/// The provider's id of a rule.
fn rule_id(acl: &str, number: i64, egress: bool, protocol: &str) -> String {
    format!(
        "nacl-{}",
        hashcode(&format!("{acl}-{number}-{egress}-{protocol}-"))
    )
}

/// (ACL, rule number, egress) of a rule object.
fn key_of(v: &Value) -> Option<(String, i64, bool)> {
    Some((
        obj::string(v, "network_acl_id")?,
        v.get("rule_number").and_then(Value::as_i64)?,
        obj::bool(v, "egress").unwrap_or(false),
    ))
}

fn state_of(acl: &str, e: &NetworkAclEntry) -> Value {
    let (number, egress) = (
        i64::from(e.rule_number().unwrap_or(0)),
        e.egress().unwrap_or(false),
    );
    let protocol = model::protocol_number(e.protocol().unwrap_or_default());
    let (ports, icmp) = (e.port_range(), e.icmp_type_code());
    Value::Map(object! {
        "id" => rule_id(acl, number, egress, &protocol),
        "network_acl_id" => acl,
        "rule_number" => Value::from(number),
        "egress" => egress,
        "protocol" => protocol.as_str(),
        "rule_action" => e.rule_action().map(|a| a.as_str()),
        "cidr_block" => e.cidr_block(),
        "ipv6_cidr_block" => e.ipv6_cidr_block(),
        "from_port" => ports.and_then(|p| p.from()).unwrap_or(0),
        "to_port" => ports.and_then(|p| p.to()).unwrap_or(0),
        "icmp_type" => icmp.and_then(|i| i.r#type()).unwrap_or(0),
        "icmp_code" => icmp.and_then(|i| i.code()).unwrap_or(0),
    })
}

/// The rules `keys` name, found in one DescribeNetworkAcls of their ACLs.
async fn find(ctx: &Ctx, keys: &[(String, i64, bool)]) -> ProviderResult<Vec<Value>> {
    let acls: Vec<String> = keys
        .iter()
        .map(|k| k.0.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for acl in model::describe(ctx, &acls).await? {
        let id = acl.network_acl_id().unwrap_or_default();
        for e in acl.entries() {
            let key = (
                id.to_string(),
                i64::from(e.rule_number().unwrap_or(0)),
                e.egress().unwrap_or(false),
            );
            if keys.contains(&key) {
                out.push(state_of(id, e));
            }
        }
    }
    Ok(out)
}

/// The key an import id names: `acl-…:RULE_NUMBER:PROTOCOL:EGRESS`.
fn import_key(id: &str) -> Option<(String, i64, bool)> {
    let parts: Vec<&str> = id.split(':').collect();
    let [acl, number, _protocol, egress] = parts.as_slice() else {
        return None;
    };
    Some((acl.to_string(), number.parse().ok()?, egress.parse().ok()?))
}

#[async_trait]
impl ResourceType for NetworkAclRule {
    named!("aws_network_acl_rule", SCHEMA);

    /// The protocol is kept as its number, as AWS reports it.
    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        let Some(p) = obj::string(planned, "protocol") else {
            return;
        };
        if let Value::Map(m) = planned {
            m.insert("protocol".into(), Value::from(model::protocol_number(&p)));
        }
    }

    /// Import ids only (`acl-…:N:PROTOCOL:EGRESS`): a rule id is a hash that names nothing.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let keyed: Vec<(String, (String, i64, bool))> = ids
            .iter()
            .filter_map(|i| Some((i.clone(), import_key(i)?)))
            .collect();
        let keys: Vec<_> = keyed.iter().map(|(_, k)| k.clone()).collect();
        let found = find(ctx, &keys).await?;
        Ok(keyed
            .into_iter()
            .filter_map(|(id, key)| {
                Some((
                    id,
                    found
                        .iter()
                        .find(|f| key_of(f) == Some(key.clone()))?
                        .clone(),
                ))
            })
            .collect())
    }

    /// One DescribeNetworkAcls of all the rules' ACLs, each rule matched by (ACL, number,
    /// direction).
    async fn read_prior(
        &self,
        ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let keys: Vec<_> = prior.iter().filter_map(key_of).collect();
        let found = find(ctx, &keys).await?;
        Ok(prior
            .iter()
            .filter_map(|p| {
                let f = found.iter().find(|f| key_of(f) == key_of(p))?;
                Some((obj::string(p, "id")?, f.clone()))
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let (acl, number, egress) = key_of(planned).ok_or_else(|| {
            ProviderError::new("aws_network_acl_rule: network_acl_id and rule_number must be known")
        })?;
        let num = |k: &str| planned.get(k).and_then(Value::as_i64).map(|n| n as i32);
        let call = ctx
            .ec2()
            .create_network_acl_entry()
            .network_acl_id(&acl)
            .rule_number(number as i32)
            .egress(egress)
            .set_protocol(obj::string(planned, "protocol"))
            .rule_action(RuleAction::from(
                obj::str(planned, "rule_action")
                    .unwrap_or("deny")
                    .to_ascii_lowercase()
                    .as_str(),
            ))
            .set_cidr_block(obj::string(planned, "cidr_block"))
            .set_ipv6_cidr_block(obj::string(planned, "ipv6_cidr_block"))
            .port_range(
                PortRange::builder()
                    .set_from(num("from_port"))
                    .set_to(num("to_port"))
                    .build(),
            )
            .icmp_type_code(
                IcmpTypeCode::builder()
                    .set_type(num("icmp_type"))
                    .set_code(num("icmp_code"))
                    .build(),
            );
        network::send(call.send(), &format!("adding rule {number} to {acl}")).await?;
        let key = (acl.clone(), number, egress);
        let what = format!("rule {number} of network ACL {acl}");
        let limit = Duration::from_secs(60);
        let found = std::sync::Mutex::new(None);
        ctx.wait_until(&what, limit, || async {
            let rule = find(ctx, std::slice::from_ref(&key)).await?.pop();
            let seen = rule.is_some();
            *found.lock().expect("not poisoned") = rule;
            Ok(seen)
        })
        .await?;
        let found = found.into_inner().expect("not poisoned");
        found.ok_or_else(|| ProviderError::not_found(format!("{what}: not found")))
    }

    /// Every argument replaces the rule.
    async fn update(&self, _ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        Ok(planned.clone())
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let Some((acl, number, egress)) = key_of(prior) else {
            return Ok(());
        };
        let call = ctx
            .ec2()
            .delete_network_acl_entry()
            .network_acl_id(&acl)
            .rule_number(number as i32)
            .egress(egress);
        let sent = call
            .send()
            .await
            .during(&format!("deleting rule {number} of {acl}"));
        unless(
            sent,
            &[
                "InvalidNetworkAclEntry.NotFound",
                "InvalidNetworkAclID.NotFound",
            ],
        )
        .map(drop)
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if import_key(id).is_none() {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a network ACL rule import id: use NETWORK_ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS (acl-0123:100:tcp:false)"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
