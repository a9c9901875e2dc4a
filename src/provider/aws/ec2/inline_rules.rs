//! The inline rule model of `aws_security_group`: a rule block as a value, its canonical
//! form (merged by protocol, ports and description, sources sorted), and its translation to
//! and from EC2 `IpPermission`s.

use super::rule_model::{normalize_protocol, permission, ports, sources, with_source};
use super::rule_model::{Direction, Source, ALL_IPV4, ALL_IPV6};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{IpPermission, SecurityGroup as Ec2Group};

/// One inline rule block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Rule {
    pub(super) protocol: String,
    pub(super) from_port: i32,
    pub(super) to_port: i32,
    pub(super) description: String,
    pub(super) cidr_blocks: BTreeSet<String>,
    pub(super) ipv6_cidr_blocks: BTreeSet<String>,
    pub(super) prefix_list_ids: BTreeSet<String>,
    pub(super) security_groups: BTreeSet<String>,
    pub(super) self_: bool,
}

/// (protocol, from_port, to_port, description, source)
pub(super) type FlatRule = (String, i32, i32, String, Source);

pub(super) type RuleKey = (String, i32, i32, String);

impl Rule {
    pub(super) fn key(&self) -> RuleKey {
        (
            self.protocol.clone(),
            self.from_port,
            self.to_port,
            self.description.clone(),
        )
    }

    pub(super) fn of_key((protocol, from_port, to_port, description): RuleKey) -> Rule {
        Rule {
            protocol,
            from_port,
            to_port,
            description,
            ..Rule::default()
        }
    }

    /// Reads a wholly known rule object (nulls count as empty).
    pub(super) fn from_value(v: &Value) -> Rule {
        let set = |k: &str| obj::strings(v, k).into_iter().collect::<BTreeSet<_>>();
        let protocol = normalize_protocol(obj::str(v, "protocol").unwrap_or(""));
        let all = protocol == "-1";
        Rule {
            from_port: if all {
                0
            } else {
                obj::i32(v, "from_port").unwrap_or(0)
            },
            to_port: if all {
                0
            } else {
                obj::i32(v, "to_port").unwrap_or(0)
            },
            protocol,
            description: obj::string(v, "description").unwrap_or_default(),
            cidr_blocks: set("cidr_blocks"),
            ipv6_cidr_blocks: set("ipv6_cidr_blocks"),
            prefix_list_ids: set("prefix_list_ids"),
            security_groups: set("security_groups"),
            self_: obj::bool(v, "self").unwrap_or(false),
        }
    }

    pub(super) fn to_value(&self) -> Value {
        let list = |s: &BTreeSet<String>| obj::list(s.iter().cloned());
        Value::Map(object! {
            "protocol" => &self.protocol,
            "from_port" => self.from_port,
            "to_port" => self.to_port,
            "description" => &self.description,
            "cidr_blocks" => list(&self.cidr_blocks),
            "ipv6_cidr_blocks" => list(&self.ipv6_cidr_blocks),
            "prefix_list_ids" => list(&self.prefix_list_ids),
            "security_groups" => list(&self.security_groups),
            "self" => self.self_,
        })
    }

    pub(super) fn add(&mut self, source: Source) {
        let set = match source {
            Source::Cidr(c) => (&mut self.cidr_blocks, c),
            Source::Ipv6(c) => (&mut self.ipv6_cidr_blocks, c),
            Source::PrefixList(p) => (&mut self.prefix_list_ids, p),
            Source::Group(g) => (&mut self.security_groups, g),
            Source::SelfRef => return self.self_ = true,
        };
        set.0.insert(set.1);
    }

    /// One entry per source, so that adding a CIDR to a block only authorises that CIDR.
    pub(super) fn expand(&self, out: &mut BTreeSet<FlatRule>) {
        let sources = (self.cidr_blocks.iter().cloned().map(Source::Cidr))
            .chain(self.ipv6_cidr_blocks.iter().cloned().map(Source::Ipv6))
            .chain(self.prefix_list_ids.iter().cloned().map(Source::PrefixList))
            .chain(self.security_groups.iter().cloned().map(Source::Group))
            .chain(self.self_.then_some(Source::SelfRef));
        let (p, from, to, d) = self.key();
        out.extend(sources.map(|s| (p.clone(), from, to, d.clone(), s)));
    }
}

/// Merges rules sharing (protocol, ports, description) and orders them canonically.
pub(super) fn canonical_rules(rules: impl IntoIterator<Item = Rule>) -> Value {
    let mut by_key: BTreeMap<RuleKey, Rule> = BTreeMap::new();
    for r in rules {
        let mut flat = BTreeSet::new();
        r.expand(&mut flat);
        let merged = by_key
            .entry(r.key())
            .or_insert_with(|| Rule::of_key(r.key()));
        flat.into_iter().for_each(|(.., s)| merged.add(s));
    }
    obj::set(by_key.values().map(Rule::to_value))
}

/// The egress rules AWS gives a new group: allow-all to 0.0.0.0/0, and to ::/0 in a VPC
/// with an IPv6 CIDR.
pub(super) fn default_egress(ipv6: bool) -> Vec<Rule> {
    let all = |source: Source| {
        let mut r = Rule::of_key(("-1".into(), 0, 0, String::new()));
        r.add(source);
        r
    };
    let mut out = vec![all(Source::Cidr(ALL_IPV4.into()))];
    if ipv6 {
        out.push(all(Source::Ipv6(ALL_IPV6.into())));
    }
    out
}

pub(super) fn rules_of(v: &Value, dir: Direction) -> Vec<Rule> {
    let items = state::items(v, dir.word());
    items.map(Rule::from_value).collect()
}

pub(super) fn flat(rules: &[Rule]) -> BTreeSet<FlatRule> {
    let mut out = BTreeSet::new();
    rules.iter().for_each(|r| r.expand(&mut out));
    out
}

/// Fills a planned rule object with canonical empty values, sorts its known lists and
/// normalises its protocol, leaving unknown parts alone.
pub(super) fn canonical_rule_value(v: &Value) -> Value {
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
    for (key, empty) in [
        ("self", Value::Bool(false)),
        ("description", Value::from("")),
    ] {
        let slot = m.entry(key.to_string()).or_insert(Value::Null);
        if slot.is_null() {
            *slot = empty;
        }
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

pub(super) fn canonical_rules_value(v: &Value) -> Value {
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
pub(super) fn permissions(group_id: &str, flat: &BTreeSet<FlatRule>) -> Vec<IpPermission> {
    let mut by_key: BTreeMap<(&str, i32, i32), Vec<&FlatRule>> = BTreeMap::new();
    for rule in flat {
        by_key
            .entry((rule.0.as_str(), rule.1, rule.2))
            .or_default()
            .push(rule);
    }
    let add = |b, (.., desc, src): &FlatRule| {
        with_source(b, group_id, src, (!desc.is_empty()).then(|| desc.clone()))
    };
    let build = |((proto, from, to), rules): (_, Vec<&FlatRule>)| {
        rules
            .into_iter()
            .fold(permission(proto, from, to), add)
            .build()
    };
    by_key.into_iter().map(build).collect()
}

/// Turns AWS permissions back into inline blocks, grouped by (protocol, ports, description).
pub(super) fn rules_from_permissions(group: &Ec2Group, perms: &[IpPermission]) -> Value {
    let mut by_key: BTreeMap<RuleKey, Rule> = BTreeMap::new();
    for p in perms {
        let (protocol, from, to) = ports(p);
        for (source, desc) in sources(group, p) {
            let key = (protocol.clone(), from, to, desc);
            by_key
                .entry(key.clone())
                .or_insert_with(|| Rule::of_key(key))
                .add(source);
        }
    }
    obj::set(by_key.values().map(Rule::to_value))
}
