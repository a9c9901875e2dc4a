//! `aws_security_group`: an EC2 security group with inline `ingress` / `egress` rules, as
//! terraform-provider-aws manages it.
//!
//! Rules are stored in a canonical shape so that a configuration read back from AWS compares
//! equal to the configuration that made it: every nested attribute present, source lists
//! sorted and de-duplicated, the protocol normalised (`6` → `tcp`, `all` → `-1`), and blocks
//! that share (protocol, ports, description) merged into one, which is how a read groups the
//! `IpPermissions` AWS returns.

use super::Ctx;
use crate::provider::{obj, ConfigProblem, ProviderError, ProviderResult, ResourceType};
use crate::schema::{Attribute, BlockType, Schema};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType as Ec2ResourceType,
    SecurityGroup as Ec2Group, Tag, TagSpecification, UserIdGroupPair,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

pub struct SecurityGroup;

/// How long a delete keeps retrying while the group is still in use (another group's rule, an
/// RDS instance or a cache cluster that is itself going away).
pub const DELETE_RETRY_TIMEOUT: Duration = Duration::from_secs(120);

/// How long create waits for a new group to become visible.
const CREATE_VISIBLE_TIMEOUT: Duration = Duration::from_secs(120);

pub const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// Length of the suffix appended to a `name_prefix` (timestamp + counter).
const NAME_SUFFIX_LEN: usize = 26;

/// `DescribeSecurityGroups` accepts at most this many ids (or filter values) per call.
const DESCRIBE_CHUNK: usize = 200;

pub(super) const NOT_FOUND_CODES: &[&str] = &[
    "InvalidGroup.NotFound",
    "InvalidSecurityGroupID.NotFound",
    "InvalidGroupId.Malformed",
];

const IN_USE_CODES: &[&str] = &["DependencyViolation", "InvalidGroup.InUse"];

/// What EC2 answers a call about a group it does not know (yet, right after its creation).
const VISIBILITY_CODES: &[&str] = &["InvalidGroup.NotFound", "InvalidSecurityGroupID.NotFound"];

fn rule_schema() -> Schema {
    Schema::new()
        .attr(Attribute::number("from_port").required())
        .attr(Attribute::number("to_port").required())
        .attr(
            Attribute::string("protocol")
                .required()
                .describe("tcp, udp, icmp, icmpv6, -1 (all) or a protocol number."),
        )
        .attr(Attribute::string_list("cidr_blocks"))
        .attr(Attribute::string_list("ipv6_cidr_blocks"))
        .attr(Attribute::string_list("prefix_list_ids"))
        .attr(Attribute::string_set("security_groups").describe("Source group ids."))
        .attr(
            Attribute::bool("self")
                .default(false)
                .describe("Adds the group itself as a source."),
        )
        .attr(Attribute::string("description"))
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("An EC2 security group with inline ingress and egress rules.")
        .attr(Attribute::string("id").output())
        .attr(Attribute::string("arn").output())
        .attr(Attribute::string("owner_id").output())
        .attr(
            Attribute::string("name")
                .computed()
                .force_new()
                .describe("Group name; generated from name_prefix or \"terraform-\" when unset."),
        )
        .attr(Attribute::string("name_prefix").computed().force_new())
        .attr(
            Attribute::string("description")
                .force_new()
                .default(DEFAULT_DESCRIPTION),
        )
        .attr(
            Attribute::string("vpc_id")
                .computed()
                .force_new()
                .describe("The VPC; the region's default VPC when unset."),
        )
        .attr(
            Attribute::bool("revoke_rules_on_delete")
                .default(false)
                .virtual_()
                .describe("Revoke every rule before deleting the group."),
        )
        .tags()
        .block(BlockType::set("ingress", rule_schema()).computed())
        .block(BlockType::set("egress", rule_schema()).computed())
});

// ---------------------------------------------------------------------------------------------
// Normalisation and validation helpers
// ---------------------------------------------------------------------------------------------

/// Terraform's protocol normalisation: lowercase, `all` → `-1`, known numbers → names.
pub fn normalize_protocol(protocol: &str) -> String {
    let p = protocol.trim().to_ascii_lowercase();
    match p.as_str() {
        "-1" | "all" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        _ => p,
    }
}

/// Checks that `cidr` is an IPv4 (or, with `v6`, IPv6) network address: host bits zero.
/// The error names the canonical network when the address part has host bits set.
pub fn check_cidr(cidr: &str, v6: bool) -> Result<(), String> {
    let family = if v6 { "IPv6" } else { "IPv4" };
    let invalid = || format!("\"{cidr}\" is not a valid {family} CIDR block");
    let (addr, len) = cidr.split_once('/').ok_or_else(invalid)?;
    let len: u32 = len.parse().map_err(|_| invalid())?;
    let canonical = if v6 {
        let a: Ipv6Addr = addr.parse().map_err(|_| invalid())?;
        if len > 128 {
            return Err(invalid());
        }
        let mask = if len == 0 {
            0
        } else {
            u128::MAX << (128 - len)
        };
        let net = Ipv6Addr::from(u128::from(a) & mask);
        (net != a).then(|| format!("{net}/{len}"))
    } else {
        let a: Ipv4Addr = addr.parse().map_err(|_| invalid())?;
        if len > 32 {
            return Err(invalid());
        }
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        let net = Ipv4Addr::from(u32::from(a) & mask);
        (net != a).then(|| format!("{net}/{len}"))
    };
    match canonical {
        None => Ok(()),
        Some(c) => Err(format!(
            "\"{cidr}\" is not a network address (its host bits are not zero); did you mean \"{c}\"?"
        )),
    }
}

/// Terraform's rule-description rule: at most 255 characters from a fixed set.
pub(super) fn check_rule_description(d: &str) -> Result<(), String> {
    if d.chars().count() > 255 {
        return Err("a rule description must be at most 255 characters".into());
    }
    const EXTRA: &str = " ._-:/()#,@[]+=&;{}!$*";
    match d
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || EXTRA.contains(*c)))
    {
        None => Ok(()),
        Some(c) => Err(format!(
            "rule description \"{d}\" contains '{c}'; allowed are letters, digits, spaces and {EXTRA}"
        )),
    }
}

static NAME_COUNTER: AtomicU32 = AtomicU32::new(0);

/// `prefix` plus Terraform's 26-character suffix: UTC `YYYYMMDDhhmmss`, four fractional-second
/// digits and an 8-hex-digit counter that grows within the process.
pub fn generate_name(prefix: &str) -> String {
    let now = time::OffsetDateTime::now_utc();
    let n = NAME_COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix}{:04}{:02}{:02}{:02}{:02}{:02}{:04}{n:08x}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.nanosecond() / 100_000,
    )
}

/// The prefix a generated name was made from (`None` for a name given as is).
pub fn name_prefix_from_name(name: &str) -> Option<String> {
    if name.len() <= NAME_SUFFIX_LEN {
        return None;
    }
    let (prefix, suffix) = name.split_at(name.len() - NAME_SUFFIX_LEN);
    suffix
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        .then(|| prefix.to_string())
}

pub(super) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

pub(super) fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// The outcome of a rule authorize or revoke: `done_code` (a duplicate, a rule not found)
/// after an attempt AWS may have carried out unseen means that attempt did the work; a group
/// AWS does not show yet is `not_found`, for the caller to read it again and retry.
fn settle_rule_call(
    (result, calls): (ProviderResult<()>, super::attempts::Calls),
    done_code: &str,
) -> ProviderResult<()> {
    let Err(e) = result else { return Ok(()) };
    match e.code.as_deref() {
        Some(code) if code == done_code && calls.failed_after_unseen().is_some() => Ok(()),
        Some(code) if VISIBILITY_CODES.contains(&code) => Err(ProviderError {
            not_found: true,
            ..e
        }),
        _ => Err(e),
    }
}

pub(super) fn has_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, codes: &[&str]) -> bool {
    error_code(err).is_some_and(|c| codes.contains(&c))
}

// ---------------------------------------------------------------------------------------------
// The rule model
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn attr(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// One inline rule block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rule {
    protocol: String,
    from_port: i32,
    to_port: i32,
    description: String,
    cidr_blocks: BTreeSet<String>,
    ipv6_cidr_blocks: BTreeSet<String>,
    prefix_list_ids: BTreeSet<String>,
    security_groups: BTreeSet<String>,
    self_: bool,
}

/// One source of one rule: what AWS calls a rule (`sgr-…`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
    SelfRef,
}

/// (protocol, from_port, to_port, description, source)
type FlatRule = (String, i32, i32, String, Source);

type RuleKey = (String, i32, i32, String);

impl Rule {
    fn key(&self) -> RuleKey {
        (
            self.protocol.clone(),
            self.from_port,
            self.to_port,
            self.description.clone(),
        )
    }

    /// Reads a wholly known rule object (nulls count as empty).
    fn from_value(v: &Value) -> Rule {
        let set = |k: &str| obj::strings(v, k).into_iter().collect::<BTreeSet<_>>();
        let protocol = normalize_protocol(v.get("protocol").and_then(Value::as_str).unwrap_or(""));
        let (from_port, to_port) = if protocol == "-1" {
            (0, 0)
        } else {
            (
                obj::i32(v, "from_port").unwrap_or(0),
                obj::i32(v, "to_port").unwrap_or(0),
            )
        };
        Rule {
            protocol,
            from_port,
            to_port,
            description: obj::string(v, "description").unwrap_or_default(),
            cidr_blocks: set("cidr_blocks"),
            ipv6_cidr_blocks: set("ipv6_cidr_blocks"),
            prefix_list_ids: set("prefix_list_ids"),
            security_groups: set("security_groups"),
            self_: obj::bool(v, "self").unwrap_or(false),
        }
    }

    fn to_value(&self) -> Value {
        let list = |s: &BTreeSet<String>| obj::list(s.iter().cloned());
        let mut m = Map::new();
        m.insert("protocol".into(), Value::from(self.protocol.clone()));
        m.insert("from_port".into(), Value::from(self.from_port));
        m.insert("to_port".into(), Value::from(self.to_port));
        m.insert("description".into(), Value::from(self.description.clone()));
        m.insert("cidr_blocks".into(), list(&self.cidr_blocks));
        m.insert("ipv6_cidr_blocks".into(), list(&self.ipv6_cidr_blocks));
        m.insert("prefix_list_ids".into(), list(&self.prefix_list_ids));
        m.insert("security_groups".into(), list(&self.security_groups));
        m.insert("self".into(), Value::Bool(self.self_));
        Value::Map(m)
    }

    fn merge(&mut self, other: Rule) {
        self.cidr_blocks.extend(other.cidr_blocks);
        self.ipv6_cidr_blocks.extend(other.ipv6_cidr_blocks);
        self.prefix_list_ids.extend(other.prefix_list_ids);
        self.security_groups.extend(other.security_groups);
        self.self_ |= other.self_;
    }

    /// One entry per source, so that adding a CIDR to a block only authorises that CIDR.
    fn expand(&self, out: &mut BTreeSet<FlatRule>) {
        let mut push = |s: Source| {
            out.insert((
                self.protocol.clone(),
                self.from_port,
                self.to_port,
                self.description.clone(),
                s,
            ));
        };
        self.cidr_blocks
            .iter()
            .cloned()
            .for_each(|c| push(Source::Cidr(c)));
        self.ipv6_cidr_blocks
            .iter()
            .cloned()
            .for_each(|c| push(Source::Ipv6(c)));
        self.prefix_list_ids
            .iter()
            .cloned()
            .for_each(|p| push(Source::PrefixList(p)));
        self.security_groups
            .iter()
            .cloned()
            .for_each(|g| push(Source::Group(g)));
        if self.self_ {
            push(Source::SelfRef);
        }
    }
}

/// Merges rules sharing (protocol, ports, description) and orders them canonically.
fn canonical_rules(rules: impl IntoIterator<Item = Rule>) -> Value {
    let mut by_key: BTreeMap<RuleKey, Rule> = BTreeMap::new();
    for r in rules {
        match by_key.get_mut(&r.key()) {
            Some(existing) => existing.merge(r),
            None => {
                by_key.insert(r.key(), r);
            }
        }
    }
    obj::set(by_key.values().map(Rule::to_value))
}

const ALL_IPV4: &str = "0.0.0.0/0";
const ALL_IPV6: &str = "::/0";

/// The egress rules AWS gives a new group: allow-all to 0.0.0.0/0, and to ::/0 in a VPC
/// with an IPv6 CIDR.
fn default_egress(ipv6: bool) -> Vec<Rule> {
    let all = |cidrs: &[&str], ipv6_cidrs: &[&str]| Rule {
        protocol: "-1".into(),
        cidr_blocks: cidrs.iter().map(|c| c.to_string()).collect(),
        ipv6_cidr_blocks: ipv6_cidrs.iter().map(|c| c.to_string()).collect(),
        ..Rule::default()
    };
    let mut out = vec![all(&[ALL_IPV4], &[])];
    if ipv6 {
        out.push(all(&[], &[ALL_IPV6]));
    }
    out
}

fn rules_of(v: &Value, dir: Direction) -> Vec<Rule> {
    v.get(dir.attr())
        .and_then(Value::as_list)
        .map(|items| items.iter().map(Rule::from_value).collect())
        .unwrap_or_default()
}

/// Fills a planned rule object with canonical empty values, sorts its known lists and
/// normalises its protocol, leaving unknown parts alone.
fn canonical_rule_value(v: &Value) -> Value {
    let Some(m) = v.as_map() else {
        return v.clone();
    };
    let mut m = m.clone();
    for key in [
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "security_groups",
    ] {
        let slot = m.entry(key.to_string()).or_insert(Value::Null);
        match slot {
            Value::Null => *slot = Value::List(Vec::new()),
            Value::List(items) if items.iter().all(Value::is_wholly_known) => {
                crate::value::sort_dedup(items)
            }
            _ => {}
        }
    }
    let self_slot = m.entry("self".to_string()).or_insert(Value::Null);
    if self_slot.is_null() {
        *self_slot = Value::Bool(false);
    }
    let desc = m.entry("description".to_string()).or_insert(Value::Null);
    if desc.is_null() {
        *desc = Value::from("");
    }
    if let Some(p) = m.get("protocol").and_then(Value::as_str) {
        let p = normalize_protocol(p);
        if p == "-1" {
            // AWS stores no ports for "all"; a read gives 0/0.
            for port in ["from_port", "to_port"] {
                if m.get(port).is_some_and(Value::is_null) {
                    m.insert(port.to_string(), Value::from(0));
                }
            }
        }
        m.insert("protocol".into(), Value::from(p));
    }
    Value::Map(m)
}

fn canonical_rules_value(v: &Value) -> Value {
    match v {
        Value::Null => Value::List(Vec::new()),
        Value::List(items) => {
            let items: Vec<Value> = items.iter().map(canonical_rule_value).collect();
            if items.iter().all(Value::is_wholly_known) {
                canonical_rules(items.iter().map(Rule::from_value))
            } else {
                Value::List(items)
            }
        }
        other => other.clone(),
    }
}

/// The AWS permissions for a set of flat rules, one `IpPermission` per (protocol, ports).
fn permissions(group_id: &str, flat: &BTreeSet<FlatRule>) -> Vec<IpPermission> {
    type Sources<'a> = Vec<(&'a String, &'a Source)>;
    let mut by_key: BTreeMap<(String, i32, i32), Sources> = BTreeMap::new();
    for (proto, from, to, desc, src) in flat {
        by_key
            .entry((proto.clone(), *from, *to))
            .or_default()
            .push((desc, src));
    }
    by_key
        .into_iter()
        .map(|((proto, from, to), sources)| {
            let mut b = IpPermission::builder().ip_protocol(proto.as_str());
            if proto != "-1" {
                b = b.from_port(from).to_port(to);
            }
            for (desc, src) in sources {
                let desc = (!desc.is_empty()).then(|| desc.clone());
                b = match src {
                    Source::Cidr(c) => {
                        b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc).build())
                    }
                    Source::Ipv6(c) => b.ipv6_ranges(
                        Ipv6Range::builder()
                            .cidr_ipv6(c)
                            .set_description(desc)
                            .build(),
                    ),
                    Source::PrefixList(p) => b.prefix_list_ids(
                        PrefixListId::builder()
                            .prefix_list_id(p)
                            .set_description(desc)
                            .build(),
                    ),
                    Source::Group(g) => {
                        let pair = match g.split_once('/') {
                            Some((user, gid)) => {
                                UserIdGroupPair::builder().user_id(user).group_id(gid)
                            }
                            None => UserIdGroupPair::builder().group_id(g),
                        };
                        b.user_id_group_pairs(pair.set_description(desc).build())
                    }
                    Source::SelfRef => b.user_id_group_pairs(
                        UserIdGroupPair::builder()
                            .group_id(group_id)
                            .set_description(desc)
                            .build(),
                    ),
                };
            }
            b.build()
        })
        .collect()
}

/// Turns AWS permissions back into inline blocks, grouped by (protocol, ports, description).
fn rules_from_permissions(group: &Ec2Group, perms: &[IpPermission]) -> Value {
    let own_id = group.group_id().unwrap_or_default();
    let owner = group.owner_id().unwrap_or_default();
    let mut by_key: BTreeMap<RuleKey, Rule> = BTreeMap::new();
    for p in perms {
        let protocol = normalize_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if protocol == "-1" {
            (0, 0)
        } else {
            (p.from_port().unwrap_or(0), p.to_port().unwrap_or(0))
        };
        for r in p.ip_ranges() {
            let key = (
                protocol.clone(),
                from,
                to,
                r.description().unwrap_or("").into(),
            );
            entry(&mut by_key, key)
                .cidr_blocks
                .insert(r.cidr_ip().unwrap_or_default().to_string());
        }
        for r in p.ipv6_ranges() {
            let key = (
                protocol.clone(),
                from,
                to,
                r.description().unwrap_or("").into(),
            );
            entry(&mut by_key, key)
                .ipv6_cidr_blocks
                .insert(r.cidr_ipv6().unwrap_or_default().to_string());
        }
        for r in p.prefix_list_ids() {
            let key = (
                protocol.clone(),
                from,
                to,
                r.description().unwrap_or("").into(),
            );
            entry(&mut by_key, key)
                .prefix_list_ids
                .insert(r.prefix_list_id().unwrap_or_default().to_string());
        }
        for pair in p.user_id_group_pairs() {
            let key = (
                protocol.clone(),
                from,
                to,
                pair.description().unwrap_or("").into(),
            );
            let rule = entry(&mut by_key, key);
            let gid = pair.group_id().unwrap_or_default();
            if gid == own_id {
                rule.self_ = true;
            } else {
                match pair.user_id() {
                    Some(user) if !user.is_empty() && user != owner => {
                        rule.security_groups.insert(format!("{user}/{gid}"))
                    }
                    _ => rule.security_groups.insert(gid.to_string()),
                };
            }
        }
    }
    obj::set(by_key.values().map(Rule::to_value))
}

fn entry(by_key: &mut BTreeMap<RuleKey, Rule>, key: RuleKey) -> &mut Rule {
    by_key.entry(key.clone()).or_insert_with(|| Rule {
        protocol: key.0,
        from_port: key.1,
        to_port: key.2,
        description: key.3,
        ..Rule::default()
    })
}

pub(super) fn tags_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .filter(|(k, _)| !k.starts_with("aws:") && !super::ownership::is_bookkeeping(k))
        .collect()
}

pub(super) fn to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Moves tags of an EC2 resource from `old` to `new`.
pub(super) async fn update_ec2_tags(
    ctx: &Ctx,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> ProviderResult<()> {
    let ec2 = ctx.ec2();
    let removed: Vec<Tag> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .map(|k| Tag::builder().key(k).build())
        .collect();
    if !removed.is_empty() {
        ec2.delete_tags()
            .resources(id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("removing tags of {id}"), e))?;
    }
    let changed: BTreeMap<String, String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        ec2.create_tags()
            .resources(id)
            .set_tags(Some(to_tags(&changed)))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("tagging {id}"), e))?;
    }
    Ok(())
}

/// The tags an EC2 resource has now, default tags included.
pub(super) fn old_tags_all(ctx: &Ctx, prior: &Value) -> BTreeMap<String, String> {
    match prior.get("tags_all").and_then(Value::as_map) {
        Some(_) => obj::string_map(prior, "tags_all"),
        None => ctx.merged_tags(&obj::string_map(prior, "tags")),
    }
}

// ---------------------------------------------------------------------------------------------
// AWS calls
// ---------------------------------------------------------------------------------------------

impl SecurityGroup {
    /// Describes the groups with these ids; missing ids are absent from the answer.
    async fn describe(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<Ec2Group>> {
        let ec2 = ctx.ec2();
        let mut out = Vec::new();
        for chunk in ids.chunks(DESCRIBE_CHUNK) {
            let by_ids = ec2
                .describe_security_groups()
                .set_group_ids(Some(chunk.to_vec()))
                .send()
                .await;
            match by_ids {
                Ok(resp) => out.extend(resp.security_groups.unwrap_or_default()),
                // One missing id fails the whole call: a filter never does.
                Err(e) if has_code(&e, NOT_FOUND_CODES) => {
                    let mut pages = ec2
                        .describe_security_groups()
                        .filters(
                            Filter::builder()
                                .name("group-id")
                                .set_values(Some(chunk.to_vec()))
                                .build(),
                        )
                        .into_paginator()
                        .send();
                    while let Some(page) = pages.next().await {
                        let page =
                            page.map_err(|e| ProviderError::sdk("describing security groups", e))?;
                        out.extend(page.security_groups.unwrap_or_default());
                    }
                }
                Err(e) => return Err(ProviderError::sdk("describing security groups", e)),
            }
        }
        // A filter may match more loosely than the ids asked for.
        out.retain(|g| g.group_id().is_some_and(|id| ids.iter().any(|i| i == id)));
        Ok(out)
    }

    fn state(&self, ctx: &Ctx, g: &Ec2Group) -> Value {
        let id = g.group_id().unwrap_or_default();
        let owner = g.owner_id().unwrap_or_default();
        let name = g.group_name().unwrap_or_default();
        let tags_all = tags_map(g.tags());
        let defaults = &ctx.settings.default_tags;
        let tags: BTreeMap<String, String> = tags_all
            .iter()
            .filter(|(k, v)| defaults.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut m = Map::new();
        m.insert("id".into(), Value::from(id));
        m.insert(
            "arn".into(),
            Value::from(format!(
                "arn:{}:ec2:{}:{owner}:security-group/{id}",
                partition(ctx.region()),
                ctx.region()
            )),
        );
        m.insert("owner_id".into(), Value::from(owner));
        m.insert("name".into(), Value::from(name));
        m.insert(
            "name_prefix".into(),
            obj::opt_str(name_prefix_from_name(name).as_deref()),
        );
        m.insert(
            "description".into(),
            Value::from(g.description().unwrap_or_default()),
        );
        m.insert("vpc_id".into(), obj::opt_str(g.vpc_id()));
        m.insert("revoke_rules_on_delete".into(), Value::Bool(false));
        m.insert("tags".into(), obj::map(tags));
        m.insert("tags_all".into(), obj::map(tags_all));
        m.insert(
            "ingress".into(),
            rules_from_permissions(g, g.ip_permissions()),
        );
        m.insert(
            "egress".into(),
            rules_from_permissions(g, g.ip_permissions_egress()),
        );
        Value::Map(m)
    }

    /// The group as AWS has it after a write, batched with every other group read back at
    /// the same time.
    async fn read_one(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<Value> {
        let mut state = ctx.read_back(&super::SECURITY_GROUP, id).await?;
        obj::keep_from(&mut state, planned, &["revoke_rules_on_delete"]);
        Ok(state)
    }

    async fn revoke(
        &self,
        ctx: &Ctx,
        id: &str,
        dir: Direction,
        perms: Vec<IpPermission>,
    ) -> ProviderResult<()> {
        if perms.is_empty() {
            return Ok(());
        }
        let ec2 = ctx.ec2();
        let what = format!("revoking {} rules of security group {id}", dir.attr());
        let call = super::attempts::observe(async {
            match dir {
                Direction::Ingress => ec2
                    .revoke_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| ProviderError::sdk(&what, e)),
                Direction::Egress => ec2
                    .revoke_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| ProviderError::sdk(&what, e)),
            }
        })
        .await;
        // An earlier attempt revoked them and its answer was lost: the retry found them gone.
        settle_rule_call(call, "InvalidPermission.NotFound")
    }

    async fn authorize(
        &self,
        ctx: &Ctx,
        id: &str,
        dir: Direction,
        perms: Vec<IpPermission>,
    ) -> ProviderResult<()> {
        if perms.is_empty() {
            return Ok(());
        }
        let ec2 = ctx.ec2();
        let what = format!("authorizing {} rules of security group {id}", dir.attr());
        let call = super::attempts::observe(async {
            match dir {
                Direction::Ingress => ec2
                    .authorize_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| ProviderError::sdk(&what, e)),
                Direction::Egress => ec2
                    .authorize_security_group_egress()
                    .group_id(id)
                    .set_ip_permissions(Some(perms))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| ProviderError::sdk(&what, e)),
            }
        })
        .await;
        // An earlier attempt added them and its answer was lost: the retry found them there.
        settle_rule_call(call, "InvalidPermission.Duplicate")
    }

    /// Revokes what `old` has and `new` lacks, then authorises the reverse, one source at a
    /// time so unchanged sources are never touched.
    async fn apply_rule_diff(
        &self,
        ctx: &Ctx,
        id: &str,
        dir: Direction,
        old: &[Rule],
        new: &[Rule],
    ) -> ProviderResult<()> {
        let mut old_flat = BTreeSet::new();
        old.iter().for_each(|r| r.expand(&mut old_flat));
        let mut new_flat = BTreeSet::new();
        new.iter().for_each(|r| r.expand(&mut new_flat));
        let removed: BTreeSet<FlatRule> = old_flat.difference(&new_flat).cloned().collect();
        let added: BTreeSet<FlatRule> = new_flat.difference(&old_flat).cloned().collect();
        // `old` may be out of date: a rule call of a run killed mid-create can land after a
        // later run read the group (AWS carries out a request whose caller is gone). Told that
        // a rule to revoke is not there, or that one to add is there already, the group's rules
        // as AWS has them now decide what is still to do.
        match self.revoke(ctx, id, dir, permissions(id, &removed)).await {
            Err(e) if e.code.as_deref() == Some("InvalidPermission.NotFound") => {
                let now = self.flat_rules(ctx, id, dir).await?;
                let left: BTreeSet<FlatRule> = removed.intersection(&now).cloned().collect();
                self.revoke(ctx, id, dir, permissions(id, &left)).await?;
            }
            done => done?,
        }
        match self.authorize(ctx, id, dir, permissions(id, &added)).await {
            Err(e) if e.code.as_deref() == Some("InvalidPermission.Duplicate") => {
                let now = self.flat_rules(ctx, id, dir).await?;
                let missing: BTreeSet<FlatRule> = added.difference(&now).cloned().collect();
                self.authorize(ctx, id, dir, permissions(id, &missing))
                    .await
            }
            done => done,
        }
    }

    /// The group's rules of one direction as AWS has them now, one source each.
    async fn flat_rules(
        &self,
        ctx: &Ctx,
        id: &str,
        dir: Direction,
    ) -> ProviderResult<BTreeSet<FlatRule>> {
        let groups = self.describe(ctx, &[id.to_string()]).await?;
        let g = groups
            .first()
            .ok_or_else(|| ProviderError::not_found(format!("security group {id} not found")))?;
        let perms = match dir {
            Direction::Ingress => g.ip_permissions(),
            Direction::Egress => g.ip_permissions_egress(),
        };
        let mut flat = BTreeSet::new();
        for r in rules_of(
            &Value::Map(Map::from([(
                dir.attr().to_string(),
                rules_from_permissions(g, perms),
            )])),
            dir,
        ) {
            r.expand(&mut flat);
        }
        Ok(flat)
    }

    /// Everything create does after `CreateSecurityGroup`. `ipv6`: the VPC has an IPv6 CIDR.
    async fn finish_create(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
        ipv6: bool,
    ) -> ProviderResult<()> {
        // Terraform removes AWS's default allow-all egress rules and authorises the
        // configured egress. A default rule the configuration asks for too (the usual
        // `egress { protocol = "-1" ... cidr_blocks = ["0.0.0.0/0"] }`) is kept instead:
        // revoking it to authorise it again costs two calls and leaves the group without
        // egress in between. The revoke and the configured ingress go out at once, right
        // after the create: they touch different rules, so a new group costs one round trip
        // after CreateSecurityGroup. EC2 is eventually consistent: a call right after the
        // create may be told the group does not exist; such a call goes again once a
        // describe (batched with every other new group's) shows the group.
        let egress_rules = rules_of(planned, Direction::Egress);
        let mut configured = BTreeSet::new();
        egress_rules.iter().for_each(|r| r.expand(&mut configured));
        let (kept, unwanted): (Vec<Rule>, Vec<Rule>) =
            default_egress(ipv6).into_iter().partition(|r| {
                let mut flat = BTreeSet::new();
                r.expand(&mut flat);
                flat.is_subset(&configured)
            });
        let v4 = unwanted.iter().any(|r| r.cidr_blocks.contains(ALL_IPV4));
        let v6 = unwanted
            .iter()
            .any(|r| r.ipv6_cidr_blocks.contains(ALL_IPV6));
        let ingress_rules = rules_of(planned, Direction::Ingress);
        let revoke = || self.revoke_default_egress(ctx, id, v4, v6);
        let ingress = || self.apply_rule_diff(ctx, id, Direction::Ingress, &[], &ingress_rules);
        let (mut revoked, mut authorized) = tokio::join!(revoke(), ingress());
        let invisible = |r: &ProviderResult<()>| matches!(r, Err(e) if e.not_found);
        if invisible(&revoked) || invisible(&authorized) {
            ctx.read_visible(
                &super::SECURITY_GROUP,
                id,
                &format!("security group {id} to exist"),
                CREATE_VISIBLE_TIMEOUT,
            )
            .await?;
            if invisible(&revoked) {
                revoked = revoke().await;
            }
            if invisible(&authorized) {
                authorized = ingress().await;
            }
        }
        revoked?;
        authorized?;
        // Configured egress goes last, as it may re-add what the revoke removed.
        self.apply_rule_diff(ctx, id, Direction::Egress, &kept, &egress_rules)
            .await
    }

    /// Revokes the allow-all egress rules AWS gives a new group that the configuration does
    /// not keep: `v4` (0.0.0.0/0), `v6` (::/0, only in a VPC with an IPv6 CIDR) — one call
    /// for both, where Terraform sends two, the IPv6 one failing outside IPv6 VPCs (twice the
    /// mutating calls, and their share of EC2's rate limit, for nothing). Should AWS refuse
    /// it (the VPC's IPv6 changed since it was looked up), the group is described and
    /// exactly the named default rules it has are revoked: an unwanted allow-all rule must
    /// never survive.
    async fn revoke_default_egress(
        &self,
        ctx: &Ctx,
        id: &str,
        v4: bool,
        v6: bool,
    ) -> ProviderResult<()> {
        if !v4 && !v6 {
            return Ok(());
        }
        match self.revoke_allow_all(ctx, id, v4, v6).await {
            Ok(()) => return Ok(()),
            // Not visible yet: the caller sends it again once it is.
            Err(e) if e.not_found => return Err(e),
            // Refused over the IPv6 rule (a VPC without IPv6 answers InvalidParameterValue
            // about `remote-ipv6-range`), or a rule not there: the group's rules decide.
            Err(e) if v6 || e.code.as_deref() == Some("InvalidPermission.NotFound") => {}
            Err(e) => return Err(e),
        }
        let group = ctx
            .read_visible(
                &super::SECURITY_GROUP,
                id,
                &format!("security group {id} to exist"),
                CREATE_VISIBLE_TIMEOUT,
            )
            .await?;
        let has = |cidr: &str| {
            rules_of(&group, Direction::Egress).iter().any(|r| {
                r.protocol == "-1"
                    && (r.cidr_blocks.contains(cidr) || r.ipv6_cidr_blocks.contains(cidr))
            })
        };
        let (v4, v6) = (v4 && has(ALL_IPV4), v6 && has(ALL_IPV6));
        if !v4 && !v6 {
            return Ok(());
        }
        match self.revoke_allow_all(ctx, id, v4, v6).await {
            Err(e) if e.code.as_deref() == Some("InvalidPermission.NotFound") => Ok(()),
            done => done,
        }
    }

    /// One RevokeSecurityGroupEgress of the allow-all rules named.
    async fn revoke_allow_all(
        &self,
        ctx: &Ctx,
        id: &str,
        v4: bool,
        v6: bool,
    ) -> ProviderResult<()> {
        let mut permission = IpPermission::builder().ip_protocol("-1");
        if v4 {
            permission = permission.ip_ranges(IpRange::builder().cidr_ip(ALL_IPV4).build());
        }
        if v6 {
            permission = permission.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(ALL_IPV6).build());
        }
        self.revoke(ctx, id, Direction::Egress, vec![permission.build()])
            .await
    }

    /// Whether a VPC (the region's default VPC when `vpc` is `None`, as for a group created
    /// without `vpc_id`) has an IPv6 CIDR: then AWS gives new groups an IPv6 allow-all egress
    /// rule too.
    async fn vpc_has_ipv6(&self, ctx: &Ctx, vpc: Option<&str>) -> ProviderResult<bool> {
        Ok(self
            .vpc_facts(ctx, vpc)
            .await?
            .get("ipv6")
            .and_then(Value::as_bool)
            .unwrap_or(false))
    }

    /// The region's default VPC (`None`: the account has none).
    async fn default_vpc(&self, ctx: &Ctx) -> ProviderResult<Option<String>> {
        Ok(obj::string(&self.vpc_facts(ctx, None).await?, "id"))
    }

    /// A VPC's `id` and `ipv6` (whether it has an IPv6 CIDR), the region's default VPC when
    /// `vpc` is `None`; null when there is no such VPC. One DescribeVpcs per VPC and run,
    /// shared by every group created in it.
    async fn vpc_facts(&self, ctx: &Ctx, vpc: Option<&str>) -> ProviderResult<Value> {
        let key = format!("vpc/{}/{}", ctx.region(), vpc.unwrap_or("default"));
        ctx.aws
            .memo
            .get_or_look_up(key, || async {
                let mut req = ctx.ec2().describe_vpcs();
                req = match vpc {
                    Some(v) => req.vpc_ids(v),
                    None => {
                        req.filters(Filter::builder().name("is-default").values("true").build())
                    }
                };
                let out = req
                    .send()
                    .await
                    .map_err(|e| ProviderError::sdk("describing the VPC of a security group", e))?;
                Ok(out.vpcs().first().map_or(Value::Null, |v| {
                    let ipv6 = v.ipv6_cidr_block_association_set().iter().any(|a| {
                        a.ipv6_cidr_block_state()
                            .and_then(|s| s.state())
                            .is_some_and(|s| s.as_str() == "associated")
                    });
                    Value::Map(Map::from([
                        ("id".to_string(), obj::opt_str(v.vpc_id())),
                        ("ipv6".to_string(), Value::Bool(ipv6)),
                    ]))
                }))
            })
            .await
    }

    /// Deletes the group, retrying while it is still in use for at most `retry_for`.
    pub async fn delete_within(
        &self,
        ctx: &Ctx,
        prior: &Value,
        retry_for: Duration,
    ) -> ProviderResult<()> {
        let Some(id) = obj::str(prior, "id") else {
            return Ok(());
        };
        let ec2 = ctx.ec2();
        if obj::bool(prior, "revoke_rules_on_delete").unwrap_or(false) {
            let Some(g) = self.describe(ctx, &[id.to_string()]).await?.pop() else {
                return Ok(());
            };
            self.revoke(ctx, id, Direction::Ingress, g.ip_permissions().to_vec())
                .await?;
            self.revoke(
                ctx,
                id,
                Direction::Egress,
                g.ip_permissions_egress().to_vec(),
            )
            .await?;
        }
        let start = Instant::now();
        loop {
            match ec2.delete_security_group().group_id(id).send().await {
                Ok(_) => return Ok(()),
                Err(e) if has_code(&e, NOT_FOUND_CODES) => return Ok(()),
                Err(e) if has_code(&e, IN_USE_CODES) => {
                    if start.elapsed() >= retry_for {
                        return Err(ProviderError::sdk(
                            &format!(
                                "deleting security group {id}: still in use after {}s \
                                 (another group's rule or a database may still reference it)",
                                retry_for.as_secs()
                            ),
                            e,
                        ));
                    }
                    ctx.pause(&format!("security group {id} to be no longer in use"))
                        .await?;
                }
                Err(e) => {
                    return Err(ProviderError::sdk(
                        &format!("deleting security group {id}"),
                        e,
                    ))
                }
            }
        }
    }
}

fn problem(attr: &'static str, message: impl Into<String>, help: &str) -> ConfigProblem {
    ConfigProblem::new(Some(attr), message, help)
}

#[async_trait]
impl ResourceType for SecurityGroup {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        let name = config.get("name").and_then(Value::as_str);
        let prefix = config.get("name_prefix").and_then(Value::as_str);
        // An unknown value may still turn out null: judged when known, as the provider does.
        let set = |k: &str| config.get(k).is_some_and(|v| v.is_known() && !v.is_null());
        if set("name") && set("name_prefix") {
            out.push(problem(
                "name_prefix",
                "\"name\" and \"name_prefix\" cannot both be set",
                "set name for a fixed name, or name_prefix for a generated unique one",
            ));
        }
        if let Some(n) = name {
            if n.starts_with("sg-") {
                out.push(problem(
                    "name",
                    format!("security group name \"{n}\" must not start with \"sg-\""),
                    "AWS reserves the sg- prefix for group ids",
                ));
            }
            if n.len() > 255 {
                out.push(problem("name", "name must be at most 255 characters", ""));
            }
        }
        if let Some(p) = prefix {
            if p.starts_with("sg-") {
                out.push(problem(
                    "name_prefix",
                    format!("name_prefix \"{p}\" must not start with \"sg-\""),
                    "AWS reserves the sg- prefix for group ids",
                ));
            }
            if p.len() > 255 - NAME_SUFFIX_LEN {
                out.push(problem(
                    "name_prefix",
                    "name_prefix must be at most 229 characters (a 26-character suffix is added)",
                    "",
                ));
            }
        }
        if let Some(d) = config.get("description").and_then(Value::as_str) {
            if d.len() > 255 {
                out.push(problem(
                    "description",
                    "description must be at most 255 characters",
                    "",
                ));
            }
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            let attr = dir.attr();
            let Some(blocks) = config.get(attr).and_then(Value::as_list) else {
                continue;
            };
            for block in blocks {
                for (key, v6) in [("cidr_blocks", false), ("ipv6_cidr_blocks", true)] {
                    for c in block
                        .get(key)
                        .and_then(Value::as_list)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if let Err(m) = check_cidr(c, v6) {
                            out.push(problem(
                                attr,
                                format!("{attr}.{key}: {m}"),
                                "a CIDR block must be a network address: its host bits zero",
                            ));
                        }
                    }
                }
                if let Some(p) = block.get("protocol").and_then(Value::as_str) {
                    let from = block.get("from_port").and_then(Value::as_i64);
                    let to = block.get("to_port").and_then(Value::as_i64);
                    if normalize_protocol(p) == "-1"
                        && (from.unwrap_or(0) != 0 || to.unwrap_or(0) != 0)
                    {
                        out.push(problem(
                            attr,
                            format!(
                                "{attr}: from_port and to_port must both be 0 to use the 'ALL' \
                                 -1 protocol (got {} and {})",
                                from.unwrap_or(0),
                                to.unwrap_or(0)
                            ),
                            "protocol \"-1\" opens every port; set from_port = 0 and to_port = 0",
                        ));
                    }
                }
                if let Some(d) = block.get("description").and_then(Value::as_str) {
                    if let Err(m) = check_rule_description(d) {
                        out.push(problem(attr, format!("{attr}.description: {m}"), ""));
                    }
                }
            }
        }
        out
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else {
            return;
        };
        if prior.is_none() {
            let name = m.get("name").cloned().unwrap_or(Value::Null);
            let prefix = m.get("name_prefix").cloned().unwrap_or(Value::Null);
            // Generate the name at plan time so it is known before the AWS call. An unset
            // Optional+Computed argument is planned unknown, so unknown counts as unset here.
            let unset = |v: &Value| matches!(v, Value::Null | Value::Unknown);
            let generated = match (&name, &prefix) {
                (n, Value::String(p)) if unset(n) => Some(generate_name(p)),
                (n, p) if unset(n) && unset(p) => Some(generate_name("terraform-")),
                _ => None,
            };
            if let Some(n) = generated {
                m.insert("name".into(), Value::from(n));
            }
            if let Some(n) = m.get("name").and_then(Value::as_str) {
                let derived = obj::opt_str(name_prefix_from_name(n).as_deref());
                m.insert("name_prefix".into(), derived);
            }
            let desc = m.entry("description".to_string()).or_insert(Value::Null);
            if desc.is_null() {
                *desc = Value::from(DEFAULT_DESCRIPTION);
            }
            let rrod = m
                .entry("revoke_rules_on_delete".to_string())
                .or_insert(Value::Null);
            if rrod.is_null() {
                *rrod = Value::Bool(false);
            }
        }
        if m.get("tags").is_none_or(Value::is_null) {
            m.insert("tags".into(), Value::Map(Map::new()));
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            let v = m.get(dir.attr()).cloned().unwrap_or(Value::Null);
            m.insert(dir.attr().into(), canonical_rules_value(&v));
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        Ok(self
            .describe(ctx, ids)
            .await?
            .iter()
            .map(|g| {
                (
                    g.group_id().unwrap_or_default().to_string(),
                    self.state(ctx, g),
                )
            })
            .collect())
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let mut out = Vec::new();
        let mut pages = ctx.ec2().describe_security_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ProviderError::sdk("describing security groups", e))?;
            for g in page.security_groups.unwrap_or_default() {
                // Every VPC's own group: it comes and goes with the VPC.
                if g.group_name() != Some("default") {
                    out.push(self.state(ctx, &g));
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(planned, "name").unwrap_or_else(|| {
            generate_name(obj::str(planned, "name_prefix").unwrap_or("terraform-"))
        });
        let description =
            obj::string(planned, "description").unwrap_or_else(|| DEFAULT_DESCRIPTION.into());
        let tags = ctx.creation_tags(planned);
        let mut req = ctx
            .ec2()
            .create_security_group()
            .group_name(&name)
            .description(description)
            .set_vpc_id(obj::string(planned, "vpc_id"));
        if !tags.is_empty() {
            req = req.tag_specifications(
                TagSpecification::builder()
                    .resource_type(Ec2ResourceType::SecurityGroup)
                    .set_tags(Some(to_tags(&tags)))
                    .build(),
            );
        }
        // The VPC's IPv6 status (which default egress rules the group gets) is looked up
        // alongside the create, off its critical path.
        let vpc = obj::string(planned, "vpc_id");
        let (out, ipv6) = tokio::join!(req.send(), self.vpc_has_ipv6(ctx, vpc.as_deref()));
        let out =
            out.map_err(|e| ProviderError::sdk(&format!("creating security group {name}"), e))?;
        let id = out
            .group_id()
            .ok_or_else(|| ProviderError::new("CreateSecurityGroup returned no group id"))?
            .to_string();
        let finished = match ipv6 {
            Ok(ipv6) => self.finish_create(ctx, &id, planned, ipv6).await,
            Err(e) => Err(e),
        };
        if let Err(err) = finished {
            // Do not leave a half-configured group behind: nothing records it.
            let cleanup = self
                .delete_within(
                    ctx,
                    &Value::Map(Map::from([("id".into(), Value::from(id.as_str()))])),
                    Duration::ZERO,
                )
                .await;
            let note = match cleanup {
                Ok(()) => format!(" (the new group {id} was deleted again)"),
                Err(e) => format!(" (the new group {id} could not be deleted: {e})"),
            };
            return Err(ProviderError::new(format!("{}{note}", err.message)));
        }
        self.read_one(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::str(prior, "id")
            .ok_or_else(|| ProviderError::new("security group state has no id"))?;
        let new_tags = ctx.merged_tags(&obj::string_map(planned, "tags"));
        update_ec2_tags(ctx, id, &old_tags_all(ctx, prior), &new_tags).await?;

        for dir in [Direction::Ingress, Direction::Egress] {
            let old = rules_of(prior, dir);
            let new = rules_of(planned, dir);
            if old != new {
                self.apply_rule_diff(ctx, id, dir, &old, &new).await?;
            }
        }
        self.read_one(ctx, id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        self.delete_within(ctx, prior, DELETE_RETRY_TIMEOUT).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if !id.starts_with("sg-") {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a security group id (sg-…)"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    /// A group's name is unique only within its VPC: the natural id carries the VPC when
    /// the configuration names one (`vpc-…/name`), so looking the group up never finds a
    /// same-named group of another VPC. Without `vpc_id` AWS uses the default VPC.
    fn natural_id(&self, planned: &Value) -> Option<String> {
        let name = obj::string(planned, "name")?;
        Some(match obj::str(planned, "vpc_id") {
            Some(vpc) => format!("{vpc}/{name}"),
            None => name,
        })
    }

    /// A group strata was creating when it was interrupted (or whose create answer was lost)
    /// is found again by the name strata chose, and recorded in the journal, before calling
    /// CreateSecurityGroup — in its VPC: the one the natural id names, else the region's
    /// default VPC, where AWS puts a group created without `vpc_id`.
    async fn find_by_natural_id(&self, ctx: &Ctx, natural: &str) -> ProviderResult<Option<Value>> {
        let (vpc, name) = split_natural_id(natural);
        let default_vpc = match vpc {
            Some(_) => None,
            None => self.default_vpc(ctx).await?,
        };
        let vpc = vpc.or(default_vpc.as_deref());
        let mut filters = vec![Filter::builder().name("group-name").values(name).build()];
        if let Some(vpc) = vpc {
            filters.push(Filter::builder().name("vpc-id").values(vpc).build());
        }
        let out = ctx
            .ec2()
            .describe_security_groups()
            .set_filters(Some(filters))
            .send()
            .await
            .map_err(|e| ProviderError::sdk("DescribeSecurityGroups", e))?;
        Ok(out
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some(name) && vpc.is_none_or(|v| g.vpc_id() == Some(v)))
            .map(|g| self.state(ctx, g)))
    }
}

/// `(vpc, name)` of a natural id: `vpc-0abc…/name`, or a bare name (a group created without
/// `vpc_id`, in the default VPC).
fn split_natural_id(natural: &str) -> (Option<&str>, &str) {
    static VPC: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"^(vpc-[0-9a-f]+)/(.+)$").expect("valid regex"));
    match VPC.captures(natural) {
        Some(c) => (
            c.get(1).map(|m| m.as_str()),
            c.get(2).map_or(natural, |m| m.as_str()),
        ),
        None => (None, natural),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_ids_carry_the_vpc_when_there_is_one() {
        assert_eq!(
            split_natural_id("vpc-0a1b2c/web"),
            (Some("vpc-0a1b2c"), "web")
        );
        assert_eq!(split_natural_id("web"), (None, "web"));
        // A name may hold a slash; only a VPC id prefix is split off.
        assert_eq!(split_natural_id("a/b"), (None, "a/b"));
        assert_eq!(
            split_natural_id("vpc-0a1b2c/x/y"),
            (Some("vpc-0a1b2c"), "x/y")
        );
    }

    #[test]
    fn protocols_normalise_like_terraform() {
        for (given, want) in [
            ("-1", "-1"),
            ("all", "-1"),
            ("ALL", "-1"),
            ("6", "tcp"),
            ("TCP", "tcp"),
            ("17", "udp"),
            ("1", "icmp"),
            ("58", "icmpv6"),
            ("icmpv6", "icmpv6"),
            ("92", "92"),
            ("gre", "gre"),
        ] {
            assert_eq!(normalize_protocol(given), want, "{given}");
        }
    }

    #[test]
    fn cidrs_must_be_network_addresses() {
        assert!(check_cidr("10.0.0.0/8", false).is_ok());
        assert!(check_cidr("0.0.0.0/0", false).is_ok());
        assert!(check_cidr("203.0.113.7/32", false).is_ok());
        let err = check_cidr("10.0.0.1/8", false).unwrap_err();
        assert!(err.contains("\"10.0.0.0/8\""), "{err}");
        assert!(check_cidr("10.0.0.0/33", false).is_err());
        assert!(check_cidr("10.0.0.0", false).is_err());
        assert!(check_cidr("::/0", true).is_ok());
        assert!(check_cidr("2001:db8::/32", true).is_ok());
        // Not compressed, but the same network.
        assert!(check_cidr("2001:0db8:0000::/32", true).is_ok());
        let err = check_cidr("2001:db8::1/64", true).unwrap_err();
        assert!(err.contains("\"2001:db8::/64\""), "{err}");
        assert!(check_cidr("10.0.0.0/8", true).is_err());
    }

    #[test]
    fn generated_names_carry_a_recoverable_prefix() {
        let n = generate_name("web-");
        assert_eq!(n.len(), 4 + NAME_SUFFIX_LEN);
        assert_eq!(name_prefix_from_name(&n).as_deref(), Some("web-"));
        assert_ne!(n, generate_name("web-"));
        assert_eq!(name_prefix_from_name("web"), None);
    }

    fn rule(proto: &str, from: i64, to: i64, cidrs: &[&str]) -> Value {
        let mut m = Map::new();
        m.insert("protocol".into(), Value::from(proto));
        m.insert("from_port".into(), Value::from(from));
        m.insert("to_port".into(), Value::from(to));
        m.insert(
            "cidr_blocks".into(),
            obj::list(cidrs.iter().map(|c| c.to_string())),
        );
        Value::Map(m)
    }

    #[test]
    fn planned_rules_are_canonical() {
        let v = Value::List(vec![
            rule("6", 80, 80, &["10.0.0.0/8"]),
            rule("tcp", 80, 80, &["192.168.0.0/16", "1.0.0.0/8"]),
            rule("all", 0, 0, &["0.0.0.0/0"]),
        ]);
        let c = canonical_rules_value(&v);
        let items = c.as_list().unwrap();
        assert_eq!(items.len(), 2, "{c}");
        let tcp = items
            .iter()
            .find(|r| r.get("protocol") == Some(&Value::from("tcp")))
            .unwrap();
        assert_eq!(
            obj::strings(tcp, "cidr_blocks"),
            ["1.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16"]
        );
        assert_eq!(tcp.get("self"), Some(&Value::Bool(false)));
        assert_eq!(tcp.get("description"), Some(&Value::from("")));
        assert_eq!(tcp.get("security_groups"), Some(&Value::List(vec![])));
    }

    #[test]
    fn validation_reports_cidrs_ports_and_names() {
        let mut cfg = Map::new();
        cfg.insert("name".into(), Value::from("sg-web"));
        cfg.insert("name_prefix".into(), Value::from("web-"));
        cfg.insert(
            "ingress".into(),
            Value::List(vec![
                rule("tcp", 80, 80, &["10.0.0.1/8"]),
                rule("-1", 0, 65535, &["0.0.0.0/0"]),
            ]),
        );
        let problems = SecurityGroup.validate(&Value::Map(cfg));
        let text: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(problems.len(), 4, "{text:?}");
        assert!(text.iter().any(|m| m.contains("cannot both be set")));
        assert!(text.iter().any(|m| m.contains("sg-")));
        assert!(text
            .iter()
            .any(|m| m.contains("did you mean \"10.0.0.0/8\"")));
        assert!(text.iter().any(|m| m.contains("must both be 0")));
    }
}
