//! Stand-alone security group rules, as terraform-provider-aws manages them:
//!
//! - `aws_vpc_security_group_ingress_rule` / `aws_vpc_security_group_egress_rule`: one AWS rule
//!   (`sgr-…`) each, read in batches through DescribeSecurityGroupRules. One implementation,
//!   [`VpcRule`], serves both directions.
//! - `aws_security_group_rule` (the classic one): one `IpPermission` with any number of CIDR,
//!   IPv6 or prefix-list sources, or one group source. Its id is Terraform's `sgrule-<hash>`
//!   of the permission, so a state written by Terraform reads back unchanged. The id does not
//!   name the group, so a refresh reads as terraform-provider-aws does, from the prior state:
//!   the groups named are described once, and a rule exists while its group's permission of
//!   the same direction, protocol and ports holds every source of it (other rules of those
//!   ports share the permission). A revoke sends exactly what was authorised, and AWS saying
//!   it found nothing is checked against the group before the rule counts as gone.

use super::security_group::{
    check_cidr, check_rule_description, has_code, normalize_protocol, old_tags_all, partition,
    tags_map, to_tags, update_ec2_tags, NOT_FOUND_CODES,
};
use super::Ctx;
use crate::provider::{obj, ConfigProblem, ProviderError, ProviderResult, ResourceType};
use crate::schema::{Attribute, Schema};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType as Ec2ResourceType,
    SecurityGroup as Ec2Group, SecurityGroupRule as SdkRule, SecurityGroupRuleRequest,
    SecurityGroupRuleUpdate, TagSpecification, UserIdGroupPair,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

/// DescribeSecurityGroupRules / DescribeSecurityGroups filter values per call.
const CHUNK: usize = 200;

/// How long a classic rule's create waits for the permission to show in DescribeSecurityGroups.
const CLASSIC_CREATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// What a revoke answers when (part of) the rule is not in the group.
const RULE_NOT_FOUND_CODES: &[&str] = &[
    "InvalidSecurityGroupRuleId.NotFound",
    "InvalidPermission.NotFound",
];

const DUPLICATE: &str = "InvalidPermission.Duplicate";

fn problem(attr: &'static str, message: impl Into<String>, help: &str) -> ConfigProblem {
    ConfigProblem::new(Some(attr), message, help)
}

/// A config string that is set (known and not null).
fn known_set(config: &Value, key: &str) -> Option<bool> {
    match config.get(key) {
        None | Some(Value::Null) => Some(false),
        Some(v) if v.is_known() => Some(true),
        _ => None,
    }
}

/// `(tags, tags_all)` for state, leaving the provider's default_tags out of `tags`.
fn tag_values(ctx: &Ctx, all: BTreeMap<String, String>) -> (Value, Value) {
    let defaults = &ctx.settings.default_tags;
    let own: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (obj::map(own), obj::map(all))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn word(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// Authorises one permission and returns the rules AWS made of it. A duplicate is
    /// success, with no rules to return, when an earlier attempt of the call may have added
    /// it unseen (its answer lost, see `attempts`): callers then look the rule up.
    async fn authorize(
        self,
        ctx: &Ctx,
        group_id: &str,
        perm: IpPermission,
        tags: Option<TagSpecification>,
    ) -> ProviderResult<Vec<SdkRule>> {
        let ec2 = ctx.ec2();
        let what = format!("authorizing an {} rule of {group_id}", self.word());
        let (result, calls) = super::attempts::observe(async {
            match self {
                Direction::Ingress => ec2
                    .authorize_security_group_ingress()
                    .group_id(group_id)
                    .ip_permissions(perm)
                    .set_tag_specifications(tags.map(|t| vec![t]))
                    .send()
                    .await
                    .map(|out| out.security_group_rules().to_vec())
                    .map_err(|e| ProviderError::sdk(&what, e)),
                Direction::Egress => ec2
                    .authorize_security_group_egress()
                    .group_id(group_id)
                    .ip_permissions(perm)
                    .set_tag_specifications(tags.map(|t| vec![t]))
                    .send()
                    .await
                    .map(|out| out.security_group_rules().to_vec())
                    .map_err(|e| ProviderError::sdk(&what, e)),
            }
        })
        .await;
        match result {
            Ok(rules) => Ok(rules),
            Err(e) if e.code.as_deref() == Some(DUPLICATE) => {
                if calls.failed_after_unseen().is_some() {
                    return Ok(Vec::new());
                }
                Err(ProviderError {
                    message: format!(
                        "{}. The rule already exists in the security group: a rule must be \
                         managed by one resource only; remove the duplicate from the \
                         configuration, or import the existing rule",
                        e.message
                    ),
                    ..e
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Revokes either by rule ids or by a permission. `Gone` when AWS revoked it or the
    /// group itself is gone; `NotFound` when AWS did not find (all of) it — a not-found
    /// answer, or in a default VPC the permissions it answers back as unknown, having
    /// revoked only the rest — for the caller to check what is really left.
    async fn revoke(
        self,
        ctx: &Ctx,
        group_id: &str,
        rule_id: Option<&str>,
        perm: Option<IpPermission>,
    ) -> ProviderResult<Revoked> {
        let ec2 = ctx.ec2();
        let what = format!("revoking an {} rule of {group_id}", self.word());
        let ids = rule_id.map(|r| vec![r.to_string()]);
        let perms = perm.map(|p| vec![p]);
        let unknown = match self {
            Direction::Ingress => ec2
                .revoke_security_group_ingress()
                .group_id(group_id)
                .set_security_group_rule_ids(ids)
                .set_ip_permissions(perms)
                .send()
                .await
                .map(|out| out.unknown_ip_permissions().len())
                .map_err(|e| ProviderError::sdk(&what, e)),
            Direction::Egress => ec2
                .revoke_security_group_egress()
                .group_id(group_id)
                .set_security_group_rule_ids(ids)
                .set_ip_permissions(perms)
                .send()
                .await
                .map(|out| out.unknown_ip_permissions().len())
                .map_err(|e| ProviderError::sdk(&what, e)),
        };
        match unknown {
            Ok(0) => Ok(Revoked::Gone),
            Ok(_) => Ok(Revoked::NotFound),
            Err(e) if e.code.as_deref() == Some("InvalidGroup.NotFound") => Ok(Revoked::Gone),
            Err(e)
                if e.code
                    .as_deref()
                    .is_some_and(|c| RULE_NOT_FOUND_CODES.contains(&c)) =>
            {
                Ok(Revoked::NotFound)
            }
            Err(e) => Err(e),
        }
    }
}

/// What a revoke did (see `Direction::revoke`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Revoked {
    Gone,
    NotFound,
}

// =============================================================================================
// aws_vpc_security_group_ingress_rule / aws_vpc_security_group_egress_rule
// =============================================================================================

/// One AWS security group rule (`sgr-…`) in one direction.
pub struct VpcRule {
    direction: Direction,
}

pub static VPC_INGRESS_RULE: VpcRule = VpcRule {
    direction: Direction::Ingress,
};
pub static VPC_EGRESS_RULE: VpcRule = VpcRule {
    direction: Direction::Egress,
};

/// The four source arguments; exactly one is set.
const SOURCES: [&str; 4] = [
    "cidr_ipv4",
    "cidr_ipv6",
    "prefix_list_id",
    "referenced_security_group_id",
];

fn vpc_rule_schema(direction: Direction) -> Schema {
    Schema::new()
        .describe(match direction {
            Direction::Ingress => "One inbound rule of a VPC security group.",
            Direction::Egress => "One outbound rule of a VPC security group.",
        })
        .attr(
            Attribute::string("id")
                .output()
                .describe("The rule id (sgr-…)."),
        )
        .attr(Attribute::string("security_group_rule_id").output())
        .attr(Attribute::string("arn").output())
        .attr(
            Attribute::string("security_group_id")
                .required()
                .force_new()
                .describe("The group the rule belongs to."),
        )
        .attr(Attribute::string("ip_protocol").required().describe(
            "tcp, udp, icmp, icmpv6, -1 (all) or a protocol number; 6 and tcp are the same.",
        ))
        .attr(
            Attribute::number("from_port")
                .computed()
                .describe("Start of the port range (or ICMP type); -1 for all."),
        )
        .attr(
            Attribute::number("to_port")
                .computed()
                .describe("End of the port range (or ICMP code); -1 for all."),
        )
        .attr(Attribute::string("cidr_ipv4").describe("IPv4 source or destination network."))
        .attr(Attribute::string("cidr_ipv6").describe("IPv6 source or destination network."))
        .attr(Attribute::string("prefix_list_id").describe("Managed prefix list id."))
        .attr(
            Attribute::string("referenced_security_group_id")
                .describe("Source or destination group, [account/]sg-…."),
        )
        .attr(Attribute::string("description"))
        .tags()
}

static INGRESS_SCHEMA: LazyLock<Schema> = LazyLock::new(|| vpc_rule_schema(Direction::Ingress));
static EGRESS_SCHEMA: LazyLock<Schema> = LazyLock::new(|| vpc_rule_schema(Direction::Egress));

fn source_kind(v: &Value) -> Option<&'static str> {
    SOURCES.into_iter().find(|k| obj::str(v, k).is_some())
}

/// The single-source permission a planned VPC rule stands for.
fn vpc_permission(planned: &Value) -> IpPermission {
    let desc = obj::string(planned, "description");
    let mut b = IpPermission::builder()
        .set_ip_protocol(obj::string(planned, "ip_protocol"))
        .set_from_port(obj::i32(planned, "from_port"))
        .set_to_port(obj::i32(planned, "to_port"));
    if let Some(c) = obj::str(planned, "cidr_ipv4") {
        b = b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc).build());
    } else if let Some(c) = obj::str(planned, "cidr_ipv6") {
        b = b.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(c)
                .set_description(desc)
                .build(),
        );
    } else if let Some(p) = obj::str(planned, "prefix_list_id") {
        b = b.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(p)
                .set_description(desc)
                .build(),
        );
    } else if let Some(g) = obj::str(planned, "referenced_security_group_id") {
        let pair = match g.split_once('/') {
            Some((user, gid)) => UserIdGroupPair::builder().user_id(user).group_id(gid),
            None => UserIdGroupPair::builder().group_id(g),
        };
        b = b.user_id_group_pairs(pair.set_description(desc).build());
    }
    b.build()
}

impl VpcRule {
    async fn describe(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkRule>> {
        let ec2 = ctx.ec2();
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            // A filter never fails on a missing id, unlike SecurityGroupRuleIds.
            let mut pages = ec2
                .describe_security_group_rules()
                .filters(
                    Filter::builder()
                        .name("security-group-rule-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|e| ProviderError::sdk("describing security group rules", e))?;
                out.extend(page.security_group_rules.unwrap_or_default());
            }
        }
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
        let needed = rules
            .iter()
            .any(|r| r.group_owner_id().is_none() || r.referenced_group_info().is_some());
        if needed {
            ctx.account_id().await
        } else {
            Ok(String::new())
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
                    partition(ctx.region()),
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
        let (tags, tags_all) = tag_values(ctx, tags_map(r.tags()));
        let mut m = Map::new();
        m.insert("id".into(), Value::from(id));
        m.insert("security_group_rule_id".into(), Value::from(id));
        m.insert("arn".into(), Value::from(arn));
        m.insert("security_group_id".into(), obj::opt_str(r.group_id()));
        m.insert(
            "ip_protocol".into(),
            obj::opt_str(r.ip_protocol().map(normalize_protocol).as_deref()),
        );
        m.insert("from_port".into(), obj::opt_i32(r.from_port()));
        m.insert("to_port".into(), obj::opt_i32(r.to_port()));
        m.insert("cidr_ipv4".into(), obj::opt_str(r.cidr_ipv4()));
        m.insert("cidr_ipv6".into(), obj::opt_str(r.cidr_ipv6()));
        m.insert("prefix_list_id".into(), obj::opt_str(r.prefix_list_id()));
        m.insert(
            "referenced_security_group_id".into(),
            obj::opt_str(referenced.as_deref()),
        );
        m.insert(
            "description".into(),
            obj::opt_str(r.description().filter(|d| !d.is_empty())),
        );
        m.insert("tags".into(), tags);
        m.insert("tags_all".into(), tags_all);
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
        let account = self.account_for(ctx, &rules).await?;
        let mut state = self.state(ctx, &account, r);
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
        let referenced = obj::str(planned, "referenced_security_group_id")
            .map(|g| g.rsplit('/').next().unwrap_or(g).to_string());
        let mut pages = ctx
            .ec2()
            .describe_security_group_rules()
            .filters(Filter::builder().name("group-id").values(group_id).build())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| ProviderError::sdk("describing security group rules", e))?;
            let found = page.security_group_rules().iter().find(|r| {
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
            if let Some(r) = found {
                return Ok(r.security_group_rule_id().map(str::to_string));
            }
        }
        Ok(None)
    }

    /// Revokes the rule by its id. AWS saying it is not there is checked: only a rule no
    /// longer listed counts as revoked (one more revoke when it still is).
    async fn revoke(&self, ctx: &Ctx, group_id: &str, id: &str) -> ProviderResult<()> {
        for _ in 0..2 {
            let revoked = self.direction.revoke(ctx, group_id, Some(id), None).await?;
            if revoked == Revoked::Gone || self.describe(ctx, &[id.to_string()]).await?.is_empty() {
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
        let group_id = obj::string(planned, "security_group_id")
            .ok_or_else(|| ProviderError::new("security_group_id is not known"))?;
        let tags = ctx.merged_tags(&obj::string_map(planned, "tags"));
        let spec = (!tags.is_empty()).then(|| {
            TagSpecification::builder()
                .resource_type(Ec2ResourceType::SecurityGroupRule)
                .set_tags(Some(to_tags(&tags)))
                .build()
        });
        let rules = self
            .direction
            .authorize(ctx, &group_id, vpc_permission(planned), spec)
            .await?;
        match rules.as_slice() {
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
        match self.direction {
            Direction::Ingress => &INGRESS_SCHEMA,
            Direction::Egress => &EGRESS_SCHEMA,
        }
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        let set: Vec<Option<bool>> = SOURCES.iter().map(|k| known_set(config, k)).collect();
        if set.iter().all(Option::is_some) {
            let n = set.iter().filter(|s| **s == Some(true)).count();
            if n != 1 {
                out.push(problem(
                    "cidr_ipv4",
                    format!(
                        "exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id or \
                         referenced_security_group_id must be set ({n} are)"
                    ),
                    "one resource manages one AWS rule with one source; write one resource per source",
                ));
            }
        }
        for (key, v6) in [("cidr_ipv4", false), ("cidr_ipv6", true)] {
            if let Some(c) = config.get(key).and_then(Value::as_str) {
                if let Err(m) = check_cidr(c, v6) {
                    out.push(problem(
                        if v6 { "cidr_ipv6" } else { "cidr_ipv4" },
                        m,
                        "a CIDR block must be a network address: its host bits zero",
                    ));
                }
            }
        }
        for key in ["from_port", "to_port"] {
            if let Some(p) = config.get(key).and_then(Value::as_i64) {
                if !(-1..=65535).contains(&p) {
                    out.push(problem(
                        if key == "from_port" {
                            "from_port"
                        } else {
                            "to_port"
                        },
                        format!("{key} must be between -1 and 65535, got {p}"),
                        "",
                    ));
                }
            }
        }
        out
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        if m.get("tags").is_none_or(Value::is_null) {
            m.insert("tags".into(), Value::Map(Map::new()));
        }
        if let Some(prior) = prior {
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
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let unique: Vec<String> = ids
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let rules = self.describe(ctx, &unique).await?;
        let account = self.account_for(ctx, &rules).await?;
        Ok(rules
            .iter()
            .map(|r| {
                (
                    r.security_group_rule_id().unwrap_or_default().to_string(),
                    self.state(ctx, &account, r),
                )
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = self.authorize(ctx, planned).await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("security group rule state has no id"))?;
        let group_id = obj::string(prior, "security_group_id")
            .ok_or_else(|| ProviderError::new("security group rule state has no group"))?;

        if source_kind(planned) != source_kind(prior) {
            // AWS cannot turn a CIDR rule into a group rule: authorise the new rule first so
            // traffic is never cut, then revoke the old one.
            let new_id = self.authorize(ctx, planned).await?;
            self.revoke(ctx, &group_id, &id).await?;
            return self.read_one(ctx, &new_id, planned).await;
        }

        let changed = |k: &str| prior.get(k) != planned.get(k);
        let rule_changed = ["ip_protocol", "from_port", "to_port", "description"]
            .iter()
            .chain(SOURCES.iter())
            .any(|k| changed(k));
        if rule_changed {
            let referenced = obj::str(planned, "referenced_security_group_id")
                .map(|g| g.rsplit('/').next().unwrap_or(g).to_string());
            let request = SecurityGroupRuleRequest::builder()
                .set_ip_protocol(obj::string(planned, "ip_protocol"))
                .set_from_port(obj::i32(planned, "from_port").or(obj::i32(prior, "from_port")))
                .set_to_port(obj::i32(planned, "to_port").or(obj::i32(prior, "to_port")))
                .set_cidr_ipv4(obj::string(planned, "cidr_ipv4"))
                .set_cidr_ipv6(obj::string(planned, "cidr_ipv6"))
                .set_prefix_list_id(obj::string(planned, "prefix_list_id"))
                .set_referenced_group_id(referenced)
                .description(obj::string(planned, "description").unwrap_or_default())
                .build();
            ctx.ec2()
                .modify_security_group_rules()
                .group_id(&group_id)
                .security_group_rules(
                    SecurityGroupRuleUpdate::builder()
                        .security_group_rule_id(&id)
                        .security_group_rule(request)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    ProviderError::sdk(&format!("modifying security group rule {id}"), e)
                })?;
        }
        let new_tags = ctx.merged_tags(&obj::string_map(planned, "tags"));
        update_ec2_tags(ctx, &id, &old_tags_all(ctx, prior), &new_tags).await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let (Some(id), Some(group_id)) =
            (obj::str(prior, "id"), obj::str(prior, "security_group_id"))
        else {
            return Ok(());
        };
        self.revoke(ctx, group_id, id).await
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

// =============================================================================================
// aws_security_group_rule (classic)
// =============================================================================================

pub struct SecurityGroupRule;

static CLASSIC_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe(
            "One ingress or egress permission of a security group (the classic rule resource).",
        )
        .attr(
            Attribute::string("id")
                .output()
                .describe("sgrule-<hash>, as Terraform computes it."),
        )
        .attr(
            Attribute::string("type")
                .required()
                .force_new()
                .describe("ingress or egress."),
        )
        .attr(
            Attribute::string("security_group_id")
                .required()
                .force_new(),
        )
        .attr(
            Attribute::string("protocol")
                .required()
                .force_new()
                .describe("tcp, udp, icmp, icmpv6, -1 (all) or a protocol number."),
        )
        .attr(Attribute::number("from_port").required().force_new())
        .attr(Attribute::number("to_port").required().force_new())
        .attr(Attribute::string_list("cidr_blocks").force_new())
        .attr(Attribute::string_list("ipv6_cidr_blocks").force_new())
        .attr(Attribute::string_list("prefix_list_ids").force_new())
        .attr(
            Attribute::string("source_security_group_id")
                .force_new()
                .describe("Source group, [account/]sg-…."),
        )
        .attr(Attribute::bool("self").default(false).force_new())
        .attr(Attribute::string("description"))
        .attr(
            Attribute::string("security_group_rule_id")
                .output()
                .describe("sgr-… when the permission is exactly one AWS rule."),
        )
});

/// A classic rule, with its sources sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Classic {
    direction: Option<Direction>,
    group_id: String,
    protocol: String,
    from_port: i32,
    to_port: i32,
    cidrs: BTreeSet<String>,
    ipv6: BTreeSet<String>,
    prefix_lists: BTreeSet<String>,
    /// `[account/]sg-…`
    source_group: Option<String>,
    self_: bool,
    description: String,
}

/// CRC-32 (IEEE), what Terraform's `create.StringHashcode` is built on.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

impl Classic {
    fn from_value(v: &Value) -> Classic {
        let set = |k: &str| obj::strings(v, k).into_iter().collect::<BTreeSet<_>>();
        let protocol = normalize_protocol(obj::str(v, "protocol").unwrap_or("-1"));
        Classic {
            direction: match obj::str(v, "type") {
                Some("ingress") => Some(Direction::Ingress),
                Some("egress") => Some(Direction::Egress),
                _ => None,
            },
            group_id: obj::string(v, "security_group_id").unwrap_or_default(),
            from_port: obj::i32(v, "from_port").unwrap_or(0),
            to_port: obj::i32(v, "to_port").unwrap_or(0),
            protocol,
            cidrs: set("cidr_blocks"),
            ipv6: set("ipv6_cidr_blocks"),
            prefix_lists: set("prefix_list_ids"),
            source_group: obj::string(v, "source_security_group_id"),
            self_: obj::bool(v, "self").unwrap_or(false),
            description: obj::string(v, "description").unwrap_or_default(),
        }
    }

    fn direction(&self) -> Direction {
        self.direction.unwrap_or(Direction::Ingress)
    }

    /// Group ids of the pairs (self included), without the account part.
    fn pair_group_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        if self.self_ {
            ids.push(self.group_id.clone());
        }
        if let Some(g) = &self.source_group {
            let gid = g.rsplit('/').next().unwrap_or(g).to_string();
            if gid != self.group_id || !self.self_ {
                ids.push(gid);
            }
        }
        ids.sort();
        ids
    }

    /// Terraform's `sgrule-<hash>`: the crc32 of the group, ports (when > 0), protocol,
    /// type, and the sorted sources, each followed by `-`.
    fn id(&self) -> String {
        let mut s = format!("{}-", self.group_id);
        let ports = self.protocol != "-1";
        if ports && self.from_port > 0 {
            s.push_str(&format!("{}-", self.from_port));
        }
        if ports && self.to_port > 0 {
            s.push_str(&format!("{}-", self.to_port));
        }
        s.push_str(&format!("{}-{}-", self.protocol, self.direction().word()));
        for c in self
            .cidrs
            .iter()
            .chain(&self.ipv6)
            .chain(&self.prefix_lists)
        {
            s.push_str(&format!("{c}-"));
        }
        for g in self.pair_group_ids() {
            // GroupId, then the (absent) GroupName.
            s.push_str(&format!("{g}--"));
        }
        format!("sgrule-{}", crc32(s.as_bytes()))
    }

    /// The permission that authorises (and, exactly the same, revokes) the rule: every
    /// source carries the description.
    fn permission(&self) -> IpPermission {
        let desc = (!self.description.is_empty()).then(|| self.description.clone());
        let mut b = rule_permission_builder(self);
        for c in &self.cidrs {
            b = b.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .set_description(desc.clone())
                    .build(),
            );
        }
        for c in &self.ipv6 {
            b = b.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(desc.clone())
                    .build(),
            );
        }
        for p in &self.prefix_lists {
            b = b.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(p)
                    .set_description(desc.clone())
                    .build(),
            );
        }
        if self.self_ {
            b = b.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(&self.group_id)
                    .set_description(desc.clone())
                    .build(),
            );
        }
        if let Some(g) = &self.source_group {
            let pair = match g.split_once('/') {
                Some((user, gid)) => UserIdGroupPair::builder().user_id(user).group_id(gid),
                None => UserIdGroupPair::builder().group_id(g),
            };
            if !(self.self_ && g == &self.group_id) {
                b = b.user_id_group_pairs(pair.set_description(desc).build());
            }
        }
        b.build()
    }

    fn to_value(&self, rule_id: Option<&str>) -> Value {
        let list = |s: &BTreeSet<String>| obj::list(s.iter().cloned());
        let mut m = Map::new();
        m.insert("id".into(), Value::from(self.id()));
        m.insert("type".into(), Value::from(self.direction().word()));
        m.insert(
            "security_group_id".into(),
            Value::from(self.group_id.as_str()),
        );
        m.insert("protocol".into(), Value::from(self.protocol.as_str()));
        m.insert("from_port".into(), Value::from(self.from_port));
        m.insert("to_port".into(), Value::from(self.to_port));
        m.insert("cidr_blocks".into(), list(&self.cidrs));
        m.insert("ipv6_cidr_blocks".into(), list(&self.ipv6));
        m.insert("prefix_list_ids".into(), list(&self.prefix_lists));
        m.insert(
            "source_security_group_id".into(),
            obj::opt_str(self.source_group.as_deref()),
        );
        m.insert("self".into(), Value::Bool(self.self_));
        m.insert(
            "description".into(),
            obj::opt_str(Some(self.description.as_str()).filter(|d| !d.is_empty())),
        );
        m.insert("security_group_rule_id".into(), obj::opt_str(rule_id));
        Value::Map(m)
    }

    fn source_count(&self) -> usize {
        self.cidrs.len()
            + self.ipv6.len()
            + self.prefix_lists.len()
            + usize::from(self.self_)
            + usize::from(self.source_group.is_some())
    }
}

/// The sources of one AWS permission, each with its description.
#[derive(Default)]
struct PermSources {
    cidrs: Vec<(String, String)>,
    ipv6: Vec<(String, String)>,
    prefix_lists: Vec<(String, String)>,
    /// (`[account/]sg-…` as Terraform writes it, description, is the group itself)
    pairs: Vec<(String, String, bool)>,
}

fn perm_sources(group: &Ec2Group, p: &IpPermission) -> PermSources {
    let own = group.group_id().unwrap_or_default();
    let owner = group.owner_id().unwrap_or_default();
    let d = |s: Option<&str>| s.unwrap_or_default().to_string();
    PermSources {
        cidrs: p
            .ip_ranges()
            .iter()
            .filter_map(|r| Some((r.cidr_ip()?.to_string(), d(r.description()))))
            .collect(),
        ipv6: p
            .ipv6_ranges()
            .iter()
            .filter_map(|r| Some((r.cidr_ipv6()?.to_string(), d(r.description()))))
            .collect(),
        prefix_lists: p
            .prefix_list_ids()
            .iter()
            .filter_map(|r| Some((r.prefix_list_id()?.to_string(), d(r.description()))))
            .collect(),
        pairs: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|pair| {
                let gid = pair.group_id()?;
                let name = match pair.user_id() {
                    Some(u) if !u.is_empty() && u != owner => format!("{u}/{gid}"),
                    _ => gid.to_string(),
                };
                Some((name, d(pair.description()), gid == own))
            })
            .collect(),
    }
}

/// Whether the permission holds every source of `rule` (ports and protocol already match).
fn covers(src: &PermSources, rule: &Classic) -> bool {
    let has = |list: &[(String, String)], v: &String| list.iter().any(|(x, _)| x == v);
    rule.cidrs.iter().all(|c| has(&src.cidrs, c))
        && rule.ipv6.iter().all(|c| has(&src.ipv6, c))
        && rule.prefix_lists.iter().all(|c| has(&src.prefix_lists, c))
        && (!rule.self_ || src.pairs.iter().any(|(_, _, own)| *own))
        && rule.source_group.as_ref().is_none_or(|g| {
            let gid = g.rsplit('/').next().unwrap_or(g);
            src.pairs
                .iter()
                .any(|(n, _, _)| n.rsplit('/').next().unwrap_or(n) == gid)
        })
}

/// The rule's group among `groups`, and its permissions of the rule's direction.
fn permissions_of<'a>(
    groups: &'a [Ec2Group],
    rule: &Classic,
) -> Option<(&'a Ec2Group, &'a [IpPermission])> {
    let g = groups
        .iter()
        .find(|g| g.group_id() == Some(rule.group_id.as_str()))?;
    Some(match rule.direction() {
        Direction::Ingress => (g, g.ip_permissions()),
        Direction::Egress => (g, g.ip_permissions_egress()),
    })
}

/// What of `rule` its group still holds (sources of the same direction, protocol and ports),
/// as one permission with AWS's own descriptions; `None` when nothing is left.
fn remains(groups: &[Ec2Group], rule: &Classic) -> Option<IpPermission> {
    let (g, perms) = permissions_of(groups, rule)?;
    let own = g.group_id().unwrap_or_default();
    let source_group = rule
        .source_group
        .as_deref()
        .map(|s| s.rsplit('/').next().unwrap_or(s));
    let mut b = rule_permission_builder(rule);
    let mut any = false;
    for p in perms.iter().filter(|p| same_ports(p, rule)) {
        for r in p.ip_ranges() {
            if r.cidr_ip().is_some_and(|c| rule.cidrs.contains(c)) {
                b = b.ip_ranges(r.clone());
                any = true;
            }
        }
        for r in p.ipv6_ranges() {
            if r.cidr_ipv6().is_some_and(|c| rule.ipv6.contains(c)) {
                b = b.ipv6_ranges(r.clone());
                any = true;
            }
        }
        for r in p.prefix_list_ids() {
            if r.prefix_list_id()
                .is_some_and(|c| rule.prefix_lists.contains(c))
            {
                b = b.prefix_list_ids(r.clone());
                any = true;
            }
        }
        for pair in p.user_id_group_pairs() {
            let gid = pair.group_id().unwrap_or_default();
            if (rule.self_ && gid == own) || source_group == Some(gid) {
                b = b.user_id_group_pairs(pair.clone());
                any = true;
            }
        }
    }
    any.then(|| b.build())
}

/// Whether an AWS permission has the rule's protocol and ports.
fn same_ports(p: &IpPermission, rule: &Classic) -> bool {
    let proto = normalize_protocol(p.ip_protocol().unwrap_or("-1"));
    proto == rule.protocol
        && (proto == "-1"
            || (p.from_port() == Some(rule.from_port) && p.to_port() == Some(rule.to_port)))
}

/// A permission builder with the rule's protocol and ports (none for "all").
fn rule_permission_builder(rule: &Classic) -> aws_sdk_ec2::types::builders::IpPermissionBuilder {
    let b = IpPermission::builder().ip_protocol(&rule.protocol);
    if rule.protocol == "-1" {
        b
    } else {
        b.from_port(rule.from_port).to_port(rule.to_port)
    }
}

/// The description of the first source of `rule` found in the permission.
fn description_in(src: &PermSources, rule: &Classic) -> String {
    let find = |list: &[(String, String)], set: &BTreeSet<String>| {
        list.iter()
            .find(|(x, _)| set.contains(x))
            .map(|(_, d)| d.clone())
    };
    find(&src.cidrs, &rule.cidrs)
        .or_else(|| find(&src.ipv6, &rule.ipv6))
        .or_else(|| find(&src.prefix_lists, &rule.prefix_lists))
        .or_else(|| {
            src.pairs
                .iter()
                .find(|(n, _, own)| {
                    (rule.self_ && *own)
                        || rule
                            .source_group
                            .as_deref()
                            .is_some_and(|g| g.rsplit('/').next() == n.rsplit('/').next())
                })
                .map(|(_, d, _)| d.clone())
        })
        .unwrap_or_default()
}

/// Every rule a Terraform configuration could have made that this permission serves: each
/// source alone, the CIDR-like sources sharing a description, and all CIDR-like sources
/// together (a resource with several blocks). Group sources never share a resource.
fn candidates(group: &Ec2Group, dir: Direction, p: &IpPermission) -> Vec<Classic> {
    let protocol = normalize_protocol(p.ip_protocol().unwrap_or("-1"));
    let (from_port, to_port) = if protocol == "-1" {
        (0, 0)
    } else {
        (p.from_port().unwrap_or(0), p.to_port().unwrap_or(0))
    };
    let base = Classic {
        direction: Some(dir),
        group_id: group.group_id().unwrap_or_default().to_string(),
        protocol,
        from_port,
        to_port,
        ..Classic::default()
    };
    let src = perm_sources(group, p);
    let mut out = Vec::new();
    let mut push = |mut c: Classic, desc: String| {
        c.description = desc;
        out.push(c);
    };
    type Item = (u8, String, String);
    let cidr_like: Vec<Item> = src
        .cidrs
        .iter()
        .map(|(c, d)| (0, c.clone(), d.clone()))
        .chain(src.ipv6.iter().map(|(c, d)| (1, c.clone(), d.clone())))
        .chain(
            src.prefix_lists
                .iter()
                .map(|(c, d)| (2, c.clone(), d.clone())),
        )
        .collect();
    let with = |items: &[&Item]| {
        let mut c = base.clone();
        for (kind, v, _) in items {
            match kind {
                0 => c.cidrs.insert(v.clone()),
                1 => c.ipv6.insert(v.clone()),
                _ => c.prefix_lists.insert(v.clone()),
            };
        }
        c
    };
    for item in &cidr_like {
        push(with(&[item]), item.2.clone());
    }
    let descriptions: BTreeSet<&String> = cidr_like.iter().map(|i| &i.2).collect();
    for d in &descriptions {
        let items: Vec<&Item> = cidr_like.iter().filter(|i| &i.2 == *d).collect();
        if items.len() > 1 {
            push(with(&items), (*d).clone());
        }
    }
    if descriptions.len() > 1 {
        let items: Vec<&Item> = cidr_like.iter().collect();
        let first = items[0].2.clone();
        push(with(&items), first);
    }
    for (name, d, own) in &src.pairs {
        let mut c = base.clone();
        if *own {
            c.self_ = true;
        } else {
            c.source_group = Some(name.clone());
        }
        push(c, d.clone());
    }
    out
}

/// Parses Terraform's import id `SGID_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE…]`.
fn parse_import_id(id: &str) -> Result<Classic, String> {
    let parts: Vec<&str> = id.split('_').collect();
    if parts.len() < 6 {
        return Err(format!(
            "\"{id}\" is not a rule import id: expected SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE…], \
             e.g. sg-0123_ingress_tcp_443_443_10.0.0.0/16"
        ));
    }
    if !parts[0].starts_with("sg-") {
        return Err(format!(
            "\"{}\" is not a security group id (sg-…)",
            parts[0]
        ));
    }
    let direction = match parts[1] {
        "ingress" => Direction::Ingress,
        "egress" => Direction::Egress,
        t => return Err(format!("rule type \"{t}\" must be ingress or egress")),
    };
    let protocol = normalize_protocol(parts[2]);
    if !["tcp", "udp", "icmp", "icmpv6", "-1"].contains(&protocol.as_str())
        && protocol.parse::<i32>().is_err()
    {
        return Err(format!("\"{}\" is not a protocol", parts[2]));
    }
    let port = |s: &str| {
        s.parse::<i32>()
            .map_err(|_| format!("\"{s}\" is not a port number"))
    };
    let (from_port, to_port) = (port(parts[3])?, port(parts[4])?);
    if protocol.starts_with("icmp") {
        if !(-1..=255).contains(&from_port) || !(-1..=255).contains(&to_port) {
            return Err("ICMP type and code must be between -1 and 255".into());
        }
    } else if to_port < from_port {
        return Err(format!("to_port {to_port} is below from_port {from_port}"));
    }
    let mut rule = Classic {
        direction: Some(direction),
        group_id: parts[0].to_string(),
        protocol,
        from_port,
        to_port,
        ..Classic::default()
    };
    for s in &parts[5..] {
        if *s == "self" {
            rule.self_ = true;
        } else if s.contains("sg-") {
            rule.source_group = Some(s.to_string());
        } else if s.starts_with("pl-") {
            rule.prefix_lists.insert(s.to_string());
        } else if s.contains(':') {
            rule.ipv6.insert(s.to_string());
        } else if s.contains('.') {
            rule.cidrs.insert(s.to_string());
        } else {
            return Err(format!(
                "\"{s}\" is not a rule source (self, sg-…, pl-…, or a CIDR)"
            ));
        }
    }
    if rule.protocol == "-1" {
        rule.from_port = 0;
        rule.to_port = 0;
    }
    Ok(rule)
}

impl SecurityGroupRule {
    /// Every group of the region (or just these), paginated.
    async fn groups(&self, ctx: &Ctx, ids: Option<&[String]>) -> ProviderResult<Vec<Ec2Group>> {
        let ec2 = ctx.ec2();
        let mut out = Vec::new();
        let chunks: Vec<Option<Vec<String>>> = match ids {
            Some(ids) => ids.chunks(CHUNK).map(|c| Some(c.to_vec())).collect(),
            None => vec![None],
        };
        for chunk in chunks {
            let mut req = ec2.describe_security_groups();
            if let Some(c) = chunk {
                req = req.filters(
                    Filter::builder()
                        .name("group-id")
                        .set_values(Some(c))
                        .build(),
                );
            }
            let mut pages = req.into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = match page {
                    Ok(p) => p,
                    Err(e) if has_code(&e, NOT_FOUND_CODES) => break,
                    Err(e) => return Err(ProviderError::sdk("describing security groups", e)),
                };
                out.extend(page.security_groups.unwrap_or_default());
            }
        }
        Ok(out)
    }

    /// The AWS rule id of a single-source rule, looked up among the group's rules.
    async fn rule_ids(&self, ctx: &Ctx, group_ids: &[String]) -> ProviderResult<Vec<SdkRule>> {
        let mut out = Vec::new();
        for chunk in group_ids.chunks(CHUNK) {
            let mut pages = ctx
                .ec2()
                .describe_security_group_rules()
                .filters(
                    Filter::builder()
                        .name("group-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                match page {
                    Ok(p) => out.extend(p.security_group_rules.unwrap_or_default()),
                    // China and GovCloud partitions lack the API: the id stays empty.
                    Err(e) if has_code(&e, &["UnsupportedOperation"]) => return Ok(out),
                    Err(e) => return Err(ProviderError::sdk("describing security group rules", e)),
                }
            }
        }
        Ok(out)
    }

    /// The states of rules found (keyed as given), with the AWS rule id of each
    /// single-source one: one DescribeSecurityGroupRules of their groups.
    async fn states(
        &self,
        ctx: &Ctx,
        found: Vec<(String, Classic)>,
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let single: Vec<String> = found
            .iter()
            .filter(|(_, c)| c.source_count() == 1)
            .map(|(_, c)| c.group_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let rule_ids = if single.is_empty() {
            Vec::new()
        } else {
            self.rule_ids(ctx, &single).await?
        };
        Ok(found
            .into_iter()
            .map(|(id, c)| {
                let rule_id = Self::match_rule_id(&rule_ids, &c);
                (id, c.to_value(rule_id.as_deref()))
            })
            .collect())
    }

    fn match_rule_id(rules: &[SdkRule], rule: &Classic) -> Option<String> {
        if rule.source_count() != 1 {
            return None;
        }
        let egress = rule.direction() == Direction::Egress;
        rules
            .iter()
            .find(|r| {
                r.group_id() == Some(rule.group_id.as_str())
                    && r.is_egress() == Some(egress)
                    && r.ip_protocol().map(normalize_protocol).as_deref()
                        == Some(rule.protocol.as_str())
                    && (rule.protocol == "-1"
                        || (r.from_port() == Some(rule.from_port)
                            && r.to_port() == Some(rule.to_port)))
                    && match (
                        rule.cidrs.first(),
                        rule.ipv6.first(),
                        rule.prefix_lists.first(),
                    ) {
                        (Some(c), _, _) => r.cidr_ipv4() == Some(c.as_str()),
                        (_, Some(c), _) => r.cidr_ipv6() == Some(c.as_str()),
                        (_, _, Some(p)) => r.prefix_list_id() == Some(p.as_str()),
                        _ => {
                            let want = if rule.self_ {
                                rule.group_id.as_str()
                            } else {
                                let g = rule.source_group.as_deref().unwrap_or_default();
                                g.rsplit('/').next().unwrap_or(g)
                            };
                            r.referenced_group_info().and_then(|g| g.group_id()) == Some(want)
                        }
                    }
            })
            .and_then(|r| r.security_group_rule_id().map(str::to_string))
    }

    /// Finds `rule` in its group, with the description AWS holds.
    fn find_in(groups: &[Ec2Group], rule: &Classic) -> Option<Classic> {
        let (g, perms) = permissions_of(groups, rule)?;
        for p in perms.iter().filter(|p| same_ports(p, rule)) {
            let src = perm_sources(g, p);
            if covers(&src, rule) {
                let mut found = rule.clone();
                found.description = description_in(&src, rule);
                return Some(found);
            }
        }
        None
    }

    async fn state_of(&self, ctx: &Ctx, rule: &Classic) -> ProviderResult<Option<Value>> {
        let groups = self
            .groups(ctx, Some(std::slice::from_ref(&rule.group_id)))
            .await?;
        let Some(found) = Self::find_in(&groups, rule) else {
            return Ok(None);
        };
        let rules = self
            .rule_ids(ctx, std::slice::from_ref(&rule.group_id))
            .await?;
        Ok(Some(
            found.to_value(Self::match_rule_id(&rules, &found).as_deref()),
        ))
    }
}

#[async_trait]
impl ResourceType for SecurityGroupRule {
    fn type_name(&self) -> &'static str {
        "aws_security_group_rule"
    }

    fn schema(&self) -> &Schema {
        &CLASSIC_SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        if let Some(t) = config.get("type").and_then(Value::as_str) {
            if t != "ingress" && t != "egress" {
                out.push(problem(
                    "type",
                    format!("type must be \"ingress\" or \"egress\", got \"{t}\""),
                    "",
                ));
            }
        }
        for (key, v6) in [("cidr_blocks", false), ("ipv6_cidr_blocks", true)] {
            for c in config
                .get(key)
                .and_then(Value::as_list)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if let Err(m) = check_cidr(c, v6) {
                    out.push(problem(
                        if v6 {
                            "ipv6_cidr_blocks"
                        } else {
                            "cidr_blocks"
                        },
                        m,
                        "a CIDR block must be a network address: its host bits zero",
                    ));
                }
            }
        }
        if let Some(d) = config.get("description").and_then(Value::as_str) {
            if let Err(m) = check_rule_description(d) {
                out.push(problem("description", m, ""));
            }
        }
        let non_empty = |k: &str| match config.get(k) {
            None | Some(Value::Null) => Some(false),
            Some(Value::List(l)) => Some(!l.is_empty()),
            Some(Value::Bool(b)) => Some(*b),
            Some(v) if v.is_known() => Some(true),
            _ => None,
        };
        let cidrs = non_empty("cidr_blocks");
        let ipv6 = non_empty("ipv6_cidr_blocks");
        let prefix = non_empty("prefix_list_ids");
        let source = non_empty("source_security_group_id");
        let self_ = non_empty("self");
        let pairs = [
            ("self", self_, "cidr_blocks", cidrs),
            ("self", self_, "ipv6_cidr_blocks", ipv6),
            ("self", self_, "source_security_group_id", source),
            ("source_security_group_id", source, "cidr_blocks", cidrs),
            ("source_security_group_id", source, "ipv6_cidr_blocks", ipv6),
        ];
        for (a, va, b, vb) in pairs {
            if va == Some(true) && vb == Some(true) {
                out.push(problem(
                    if a == "self" {
                        "self"
                    } else {
                        "source_security_group_id"
                    },
                    format!("\"{a}\" conflicts with \"{b}\""),
                    "write a separate rule resource for each kind of source",
                ));
            }
        }
        let all = [cidrs, ipv6, prefix, source, self_];
        if all.iter().all(|v| *v == Some(false)) {
            out.push(problem(
                "cidr_blocks",
                "one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, self or \
                 source_security_group_id must be set",
                "a rule needs a source (ingress) or destination (egress)",
            ));
        }
        out
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        if let Some(p) = m.get("protocol").and_then(Value::as_str) {
            let p = normalize_protocol(p);
            // The provider sends no ports with protocol -1 and reads them back as 0, so any
            // configured ports (the public modules' "all-all" rule writes -1 and -1) plan as 0.
            if p == "-1" {
                m.insert("from_port".into(), Value::Number(0.0));
                m.insert("to_port".into(), Value::Number(0.0));
            }
            m.insert("protocol".into(), Value::from(p));
        }
        for k in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
            let slot = m.entry(k.to_string()).or_insert(Value::Null);
            match slot {
                Value::Null => *slot = Value::List(Vec::new()),
                Value::List(items) if items.iter().all(Value::is_wholly_known) => {
                    crate::value::sort_dedup(items)
                }
                _ => {}
            }
        }
        if m.get("source_security_group_id")
            .is_some_and(|v| !v.is_known())
            && m.get("self") == Some(&Value::Bool(true))
        {
            m.insert("source_security_group_id".into(), Value::Null);
        }
        let planned_now = Value::Map(m.clone());
        if planned_now.is_wholly_known() || known_enough(&planned_now) {
            let rule = Classic::from_value(&planned_now);
            m.insert("id".into(), Value::from(rule.id()));
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        if wanted.is_empty() {
            return Ok(BTreeMap::new());
        }
        // The id names no group: one sweep over the region's groups serves the whole batch.
        let groups = self.groups(ctx, None).await?;
        let mut found: BTreeMap<String, Classic> = BTreeMap::new();
        for g in &groups {
            for (dir, perms) in [
                (Direction::Ingress, g.ip_permissions()),
                (Direction::Egress, g.ip_permissions_egress()),
            ] {
                for p in perms {
                    for c in candidates(g, dir, p) {
                        let id = c.id();
                        if wanted.contains(id.as_str()) {
                            found.entry(id).or_insert(c);
                        }
                    }
                }
            }
        }
        self.states(ctx, found.into_iter().collect()).await
    }

    /// As terraform-provider-aws reads the rule: its group's permission of the same
    /// direction, protocol and ports must hold every source of it, whatever else that
    /// permission holds (other rules of the same ports); one describe of all the groups
    /// the batch names.
    async fn read_prior(
        &self,
        ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let rules: Vec<(String, Classic)> = prior
            .iter()
            .filter_map(|p| Some((obj::string(p, "id")?, Classic::from_value(p))))
            .filter(|(_, r)| !r.group_id.is_empty())
            .collect();
        let group_ids: Vec<String> = rules
            .iter()
            .map(|(_, r)| r.group_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if group_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let groups = self.groups(ctx, Some(&group_ids)).await?;
        let found: Vec<(String, Classic)> = rules
            .iter()
            .filter_map(|(id, r)| Some((id.clone(), Self::find_in(&groups, r)?)))
            .collect();
        self.states(ctx, found).await
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let rule = Classic::from_value(planned);
        rule.direction()
            .authorize(ctx, &rule.group_id, rule.permission(), None)
            .await?;
        let state = std::sync::Mutex::new(None);
        ctx.wait_until(
            &format!("the new rule {} to appear in {}", rule.id(), rule.group_id),
            CLASSIC_CREATE_TIMEOUT,
            || async {
                let found = self.state_of(ctx, &rule).await?;
                let done = found.is_some();
                *state.lock().unwrap_or_else(|e| e.into_inner()) = found;
                Ok(done)
            },
        )
        .await?;
        let state = state.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(state.unwrap_or(Value::Null))
    }

    async fn update(&self, ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let rule = Classic::from_value(planned);
        let ec2 = ctx.ec2();
        let what = format!("updating the description of rule {}", rule.id());
        match rule.direction() {
            Direction::Ingress => ec2
                .update_security_group_rule_descriptions_ingress()
                .group_id(&rule.group_id)
                .ip_permissions(rule.permission())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ProviderError::sdk(&what, e))?,
            Direction::Egress => ec2
                .update_security_group_rule_descriptions_egress()
                .group_id(&rule.group_id)
                .ip_permissions(rule.permission())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ProviderError::sdk(&what, e))?,
        }
        self.state_of(ctx, &rule).await?.ok_or_else(|| {
            ProviderError::not_found(format!("rule {} not found after updating it", rule.id()))
        })
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let rule = Classic::from_value(prior);
        if rule.group_id.is_empty() {
            return Ok(());
        }
        // Exactly the permission that was authorised, description included.
        let mut perm = rule.permission();
        for _ in 0..2 {
            let revoked = rule
                .direction()
                .revoke(ctx, &rule.group_id, None, Some(perm))
                .await?;
            if revoked == Revoked::Gone {
                return Ok(());
            }
            // AWS did not find (all of) it: what is still there goes as AWS holds it.
            let groups = self
                .groups(ctx, Some(std::slice::from_ref(&rule.group_id)))
                .await?;
            match remains(&groups, &rule) {
                None => return Ok(()),
                Some(left) => perm = left,
            }
        }
        Err(ProviderError::new(format!(
            "revoking rule {} of {}: AWS answered that it was not found, yet the group still \
             holds it; it was not counted as deleted. Run again, or revoke it in the console",
            rule.id(),
            rule.group_id
        )))
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if id.starts_with("sgrule-") {
            return Ok(self.read(ctx, &[id.to_string()]).await?.remove(id));
        }
        let rule = parse_import_id(id).map_err(ProviderError::new)?;
        self.state_of(ctx, &rule).await
    }
}

/// Whether every argument the id is computed from is known.
fn known_enough(v: &Value) -> bool {
    [
        "type",
        "security_group_id",
        "protocol",
        "from_port",
        "to_port",
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "source_security_group_id",
        "self",
    ]
    .iter()
    .all(|k| v.get(k).is_none_or(Value::is_wholly_known))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_ieee() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn import_ids_parse_like_terraform() {
        let r = parse_import_id("sg-1_ingress_tcp_8000_8000_10.0.3.0/24").unwrap();
        assert_eq!(r.protocol, "tcp");
        assert_eq!(
            r.cidrs.iter().next().map(String::as_str),
            Some("10.0.3.0/24")
        );
        let r = parse_import_id("sg-1_ingress_tcp_80_80_self_2001:db8::/48").unwrap();
        assert!(r.self_);
        assert_eq!(r.ipv6.len(), 1);
        let r = parse_import_id("sg-1_egress_all_0_0_0.0.0.0/0").unwrap();
        assert_eq!(r.protocol, "-1");
        assert!(parse_import_id("sg-1_sideways_tcp_1_1_10.0.0.0/8").is_err());
        assert!(parse_import_id("sg-1_ingress_tcp_90_80_10.0.0.0/8").is_err());
        assert!(parse_import_id("sg-1_ingress_tcp_80").is_err());
    }

    #[test]
    fn ids_ignore_source_order_and_protocol_spelling() {
        let mut a = parse_import_id("sg-1_ingress_6_443_443_10.1.0.0/16_10.0.0.0/16").unwrap();
        let b = parse_import_id("sg-1_ingress_tcp_443_443_10.0.0.0/16_10.1.0.0/16").unwrap();
        assert_eq!(a.id(), b.id());
        assert!(a.id().starts_with("sgrule-"));
        a.direction = Some(Direction::Egress);
        assert_ne!(a.id(), b.id());
    }

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
        let ok = cfg(&[("ip_protocol", "tcp"), ("cidr_ipv4", "10.0.0.0/8")]);
        assert!(VPC_INGRESS_RULE.validate(&ok).is_empty());
        let two = cfg(&[("cidr_ipv4", "10.0.0.0/8"), ("prefix_list_id", "pl-1")]);
        assert_eq!(VPC_INGRESS_RULE.validate(&two).len(), 1);
        let none = cfg(&[("ip_protocol", "tcp")]);
        assert_eq!(VPC_EGRESS_RULE.validate(&none).len(), 1);
        let bad = cfg(&[("cidr_ipv4", "10.0.0.1/8")]);
        assert!(VPC_INGRESS_RULE.validate(&bad)[0]
            .message
            .contains("10.0.0.0/8"));
    }
}
