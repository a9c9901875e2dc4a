//! `aws_vpc_security_group_ingress_rule`: one AWS rule (`sgr-…`), read in batches through
//! DescribeSecurityGroupRules. The implementation, [`VpcRule`], serves the egress rule too
//! (`vpc_egress_rule`): the two differ only in their direction.

use super::describe_rules;
use super::rule_model::{
    authorized, cidrs, normalize_protocol, revoked, with_source, Direction, Source,
};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    IpPermission, ResourceType as Ec2ResourceType, SecurityGroupRule as SdkRule,
    SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};

/// One AWS security group rule (`sgr-…`) in one direction.
pub struct VpcRule {
    pub(super) direction: Direction,
    pub(super) schema: &'static LazyLock<Schema>,
}

pub static VPC_INGRESS_RULE: VpcRule = VpcRule {
    direction: Direction::Ingress,
    schema: &INGRESS_SCHEMA,
};

static INGRESS_SCHEMA: LazyLock<Schema> =
    LazyLock::new(|| schema("One inbound rule of a VPC security group."));

/// The four source arguments; exactly one is set.
const SOURCES: [&str; 4] = [
    "cidr_ipv4",
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
];
const OTHER_SOURCES: &[&str] = &[
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
];

pub(super) fn schema(description: &'static str) -> Schema {
    schema! {
        "";
        regional;
        id                           string output                "The rule id (sgr-…).";
        security_group_rule_id       string output;
        arn                          string output;
        security_group_id            string required force_new    "The group the rule belongs to.";
        ip_protocol                  string required              "tcp, udp, icmp, icmpv6, -1 (all) or a protocol number; 6 and tcp are the same.";
        from_port                    number computed range(-1.0, 65535.0) "Start of the port range (or ICMP type); -1 for all.";
        to_port                      number computed range(-1.0, 65535.0) "End of the port range (or ICMP code); -1 for all.";
        cidr_ipv4                    string exactly_one_of(OTHER_SOURCES) check(|v| cidrs(v, false)) "IPv4 source or destination network.";
        cidr_ipv6                    string check(|v| cidrs(v, true)) "IPv6 source or destination network.";
        prefix_list_id               string                       "Managed prefix list id.";
        referenced_security_group_id string                       "Source or destination group, [account/]sg-….";
        description                  string;
        tags;
    }
    .describe(description)
}

/// The source a planned or prior rule names.
fn source(v: &Value) -> Option<Source> {
    let kind = SOURCES.into_iter().find(|k| obj::str(v, k).is_some())?;
    let value = obj::string(v, kind)?;
    Some(match kind {
        "cidr_ipv4" => Source::Cidr(value),
        "cidr_ipv6" => Source::Ipv6(value),
        "prefix_list_id" => Source::PrefixList(value),
        _ => Source::Group(value),
    })
}

fn source_kind(v: &Value) -> Option<&'static str> {
    SOURCES.into_iter().find(|k| obj::str(v, k).is_some())
}

/// The single-source permission a planned VPC rule stands for.
fn vpc_permission(planned: &Value) -> IpPermission {
    let b = IpPermission::builder()
        .set_ip_protocol(obj::string(planned, "ip_protocol"))
        .set_from_port(obj::i32(planned, "from_port"))
        .set_to_port(obj::i32(planned, "to_port"));
    let b = match source(planned) {
        Some(s) => with_source(b, "", &s, obj::string(planned, "description")),
        None => b,
    };
    b.build()
}

/// A referenced group's id, its account part left out.
fn referenced(planned: &Value) -> Option<String> {
    obj::str(planned, "referenced_security_group_id").map(|g| Source::group_id(g).to_string())
}

impl VpcRule {
    async fn describe(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkRule>> {
        // A filter never fails on a missing id, unlike SecurityGroupRuleIds.
        let mut out = describe_rules(ctx, "security-group-rule-id", ids).await?;
        let egress = self.direction == Direction::Egress;
        // An id that differs (eventual consistency) or a rule of the other direction is absent.
        out.retain(|r| {
            r.is_egress() == Some(egress)
                && r.security_group_rule_id()
                    .is_some_and(|id| ids.iter().any(|i| i == id))
        });
        Ok(out)
    }

    /// The account a rule's owner and a referenced group's `UserId` are compared with, as
    /// the provider compares them: the caller's (looked up once per provider), needed only
    /// when an answer lacks `GroupOwnerId` or references a group.
    async fn account_for(&self, ctx: &Ctx, rules: &[SdkRule]) -> ProviderResult<String> {
        match rules
            .iter()
            .any(|r| r.group_owner_id().is_none() || r.referenced_group_info().is_some())
        {
            true => ctx.account_id().await,
            false => Ok(String::new()),
        }
    }

    fn state(&self, ctx: &Ctx, account: &str, r: &SdkRule) -> Value {
        let id = r.security_group_rule_id().unwrap_or_default();
        let owner = r.group_owner_id().unwrap_or(account);
        let arn = r
            .security_group_rule_arn()
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "arn:{}:ec2:{}:{owner}:security-group-rule/{id}",
                    ctx.partition(),
                    ctx.region()
                )
            });
        // `account/sg-…` only for a group of another account than the caller's.
        let referenced = r.referenced_group_info().and_then(|g| {
            let gid = g.group_id()?;
            Some(match g.user_id() {
                Some(user) if !user.is_empty() && user != account => format!("{user}/{gid}"),
                _ => gid.to_string(),
            })
        });
        let mut m = object! {
            "id" => id,
            "security_group_rule_id" => id,
            "arn" => arn,
            "security_group_id" => r.group_id(),
            "ip_protocol" => r.ip_protocol().map(normalize_protocol),
            "from_port" => r.from_port(),
            "to_port" => r.to_port(),
            "cidr_ipv4" => r.cidr_ipv4(),
            "cidr_ipv6" => r.cidr_ipv6(),
            "prefix_list_id" => r.prefix_list_id(),
            "referenced_security_group_id" => referenced,
            "description" => r.description().filter(|d| !d.is_empty()),
        };
        tags::put(ctx, &mut m, tags::read(r.tags()));
        Value::Map(m)
    }

    /// Reads one rule back after a write, keeping the configured spelling of the protocol.
    async fn read_one(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<Value> {
        let rules = self.describe(ctx, &[id.to_string()]).await?;
        let r = rules.first().ok_or_else(|| {
            ProviderError::not_found(format!(
                "security group rule {id} not found after writing it"
            ))
        })?;
        let mut state = self.state(ctx, &self.account_for(ctx, &rules).await?, r);
        if let (Some(cfg), Some(read)) = (
            obj::str(planned, "ip_protocol"),
            obj::str(&state, "ip_protocol"),
        ) {
            if normalize_protocol(cfg) == read {
                obj::keep_from(&mut state, planned, &["ip_protocol"]);
            }
        }
        Ok(state)
    }

    /// The id of the group's rule that is the planned one (direction, protocol, ports and
    /// source; the description does not tell rules apart in AWS either).
    async fn find(
        &self,
        ctx: &Ctx,
        group_id: &str,
        planned: &Value,
    ) -> ProviderResult<Option<String>> {
        let egress = self.direction == Direction::Egress;
        let protocol = obj::str(planned, "ip_protocol").map(normalize_protocol);
        let all_ports = protocol.as_deref() == Some("-1");
        let referenced = referenced(planned);
        let rules = describe_rules(ctx, "group-id", &[group_id.to_string()]).await?;
        let found = rules.iter().find(|r| {
            r.is_egress() == Some(egress)
                && r.ip_protocol().map(normalize_protocol) == protocol
                && (all_ports
                    || (r.from_port() == obj::i32(planned, "from_port")
                        && r.to_port() == obj::i32(planned, "to_port")))
                && r.cidr_ipv4() == obj::str(planned, "cidr_ipv4")
                && r.cidr_ipv6() == obj::str(planned, "cidr_ipv6")
                && r.prefix_list_id() == obj::str(planned, "prefix_list_id")
                && r.referenced_group_info().and_then(|g| g.group_id()) == referenced.as_deref()
        });
        Ok(found.and_then(|r| r.security_group_rule_id().map(str::to_string)))
    }

    /// Revokes the rule by its id. AWS saying it is not there is checked: only a rule no
    /// longer listed counts as revoked (one more revoke when it still is).
    async fn revoke(&self, ctx: &Ctx, group_id: &str, id: &str) -> ProviderResult<()> {
        for _ in 0..2 {
            let (result, _) = self
                .direction
                .revoke(ctx, group_id, Some(vec![id.to_string()]), None)
                .await;
            if revoked(result)? || self.describe(ctx, &[id.to_string()]).await?.is_empty() {
                return Ok(());
            }
        }
        Err(ProviderError::new(format!(
            "revoking security group rule {id} of {group_id}: AWS answered that it was not \
             found, yet DescribeSecurityGroupRules still lists it; it was not counted as \
             deleted. Run again, or revoke it in the console"
        )))
    }

    /// Authorises the planned rule and returns its id.
    async fn authorize(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<String> {
        let group_id = state::required(planned, "security_group_id", "security group rule")?;
        let tags = ctx.merged_tags(&obj::string_map(planned, "tags"));
        let spec = tags::ec2_spec(&tags, Ec2ResourceType::SecurityGroupRule);
        let answer = self
            .direction
            .authorize(ctx, &group_id, vec![vpc_permission(planned)], spec)
            .await;
        match authorized(answer)?.as_slice() {
            // An earlier attempt added it, its answer lost: the rule's id is only in AWS.
            [] => self.find(ctx, &group_id, planned).await?.ok_or_else(|| {
                ProviderError::new(format!(
                    "authorizing a rule of {group_id}: AWS says it exists, but it cannot be found"
                ))
            }),
            [one] => one
                .security_group_rule_id()
                .map(str::to_string)
                .ok_or_else(|| ProviderError::new("the new rule has no id")),
            other => Err(ProviderError::new(format!(
                "authorizing a rule of {group_id} returned {} rules instead of one",
                other.len()
            ))),
        }
    }
}

#[async_trait]
impl ResourceType for VpcRule {
    fn type_name(&self) -> &'static str {
        match self.direction {
            Direction::Ingress => "aws_vpc_security_group_ingress_rule",
            Direction::Egress => "aws_vpc_security_group_egress_rule",
        }
    }

    fn schema(&self) -> &Schema {
        self.schema
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        if m.get("tags").is_none_or(Value::is_null) {
            m.insert("tags".into(), Value::Map(Map::new()));
        }
        let Some(prior) = prior else { return };
        // tcp and 6, -1 and all are the same protocol: keep what state has.
        if let (Some(p), Some(o)) = (
            m.get("ip_protocol").and_then(Value::as_str),
            obj::str(prior, "ip_protocol"),
        ) {
            if normalize_protocol(p) == normalize_protocol(o) {
                m.insert("ip_protocol".into(), Value::from(o));
            }
        }
        // A different kind of source is a different AWS rule: its id is new.
        let kind_now = SOURCES
            .iter()
            .find(|k| m.get(**k).is_some_and(|v| !v.is_null()));
        if kind_now.copied() != source_kind(prior) {
            for k in ["id", "security_group_rule_id", "arn"] {
                m.insert(k.into(), Value::Unknown);
            }
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let unique: Vec<String> = state::unique(ids);
        let rules = self.describe(ctx, &unique).await?;
        let account = self.account_for(ctx, &rules).await?;
        let state = |r: SdkRule| self.state(ctx, &account, &r);
        Ok(state::by_id(rules, SdkRule::security_group_rule_id, state))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = self.authorize(ctx, planned).await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let group_id = state::required(prior, "security_group_id", self.type_name())?;
        if source_kind(planned) != source_kind(prior) {
            // AWS cannot turn a CIDR rule into a group rule: authorise the new rule first so
            // traffic is never cut, then revoke the old one.
            let new_id = self.authorize(ctx, planned).await?;
            self.revoke(ctx, &group_id, &id).await?;
            return self.read_one(ctx, &new_id, planned).await;
        }
        let rule = ["ip_protocol", "from_port", "to_port", "description"]
            .iter()
            .chain(SOURCES.iter());
        if rule.into_iter().any(|k| prior.get(k) != planned.get(k)) {
            let request = SecurityGroupRuleRequest::builder()
                .set_ip_protocol(obj::string(planned, "ip_protocol"))
                .set_from_port(obj::i32(planned, "from_port").or(obj::i32(prior, "from_port")))
                .set_to_port(obj::i32(planned, "to_port").or(obj::i32(prior, "to_port")))
                .set_cidr_ipv4(obj::string(planned, "cidr_ipv4"))
                .set_cidr_ipv6(obj::string(planned, "cidr_ipv6"))
                .set_prefix_list_id(obj::string(planned, "prefix_list_id"))
                .set_referenced_group_id(referenced(planned))
                .description(obj::string(planned, "description").unwrap_or_default())
                .build();
            let update = SecurityGroupRuleUpdate::builder()
                .security_group_rule_id(&id)
                .security_group_rule(request);
            let call = ctx
                .ec2()
                .modify_security_group_rules()
                .group_id(&group_id)
                .security_group_rules(update.build());
            call.send()
                .await
                .during(&format!("modifying security group rule {id}"))?;
        }
        tags::update(ctx, Service::Ec2, prior, planned).await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        match (obj::str(prior, "id"), obj::str(prior, "security_group_id")) {
            (Some(id), Some(group_id)) => self.revoke(ctx, group_id, id).await,
            _ => Ok(()),
        }
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if !id.starts_with("sgr-") {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a security group rule id (sgr-…)"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpc_rules_need_exactly_one_source() {
        let cfg = |pairs: &[(&str, &str)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::from(*v)))
                    .collect(),
            )
        };
        let problems = |c: &Value| crate::provider::config_problems(&VPC_INGRESS_RULE, c);
        let ok = cfg(&[("ip_protocol", "tcp"), ("cidr_ipv4", "10.0.0.0/8")]);
        assert!(problems(&ok).is_empty());
        let two = cfg(&[("cidr_ipv4", "10.0.0.0/8"), ("prefix_list_id", "pl-1")]);
        assert_eq!(problems(&two).len(), 1);
        let none = cfg(&[("ip_protocol", "tcp")]);
        assert_eq!(
            crate::provider::config_problems(&super::super::VPC_EGRESS_RULE, &none).len(),
            1
        );
        let bad = cfg(&[("cidr_ipv4", "10.0.0.1/8")]);
        assert!(problems(&bad)[0].message.contains("10.0.0.0/8"));
    }
}
