//! `aws_security_group_rule` (the classic one): one `IpPermission` with any number of CIDR,
//! IPv6 or prefix-list sources, or one group source. Its id is Terraform's `sgrule-<hash>` of
//! the permission, so a state written by Terraform reads back unchanged. The id does not name
//! the group, so a refresh reads as terraform-provider-aws does, from the prior state: the
//! groups named are described once, and a rule exists while its group's permission of the
//! same direction, protocol and ports holds every source of it (other rules of those ports
//! share the permission). A revoke sends exactly what was authorised, and AWS saying it found
//! nothing is checked against the group before the rule counts as gone.

use super::rule_model::{
    authorized, check_rule_description, cidrs, normalize_protocol, permission, ports, revoked,
    sources,
};
use super::rule_model::{with_source, Described, Direction, Source};
use super::{DESCRIBE_CHUNK, NOT_FOUND_CODES};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    Filter, IpPermission, SecurityGroup as Ec2Group, SecurityGroupRule as SdkRule,
};

pub struct SecurityGroupRule;
pub static SECURITY_GROUP_RULE: SecurityGroupRule = SecurityGroupRule;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "One ingress or egress permission of a security group (the classic rule resource).";
        regional;
        id                       string      output                   "sgrule-<hash>, as Terraform computes it.";
        type                     string      required force_new one_of(&["ingress", "egress"]) "ingress or egress.";
        security_group_id        string      required force_new;
        protocol                 string      required force_new       "tcp, udp, icmp, icmpv6, -1 (all) or a protocol number.";
        from_port                number      required force_new;
        to_port                  number      required force_new;
        cidr_blocks              string_list force_new check(|v| cidrs(v, false));
        ipv6_cidr_blocks         string_list force_new check(|v| cidrs(v, true));
        prefix_list_ids          string_list force_new;
        source_security_group_id string      force_new                "Source group, [account/]sg-….";
        self                     bool        default(false) force_new;
        description              string      check(|v| check_rule_description(v.as_str()?).err());
        security_group_rule_id   string      output                   "sgr-… when the permission is exactly one AWS rule.";
        // create: how long the new permission may take to show in DescribeSecurityGroups.
        timeouts create(5);
    }
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

impl Classic {
    fn from_value(v: &Value) -> Classic {
        let set = |k: &str| obj::strings(v, k).into_iter().collect::<BTreeSet<_>>();
        Classic {
            direction: match obj::str(v, "type") {
                Some("ingress") => Some(Direction::Ingress),
                Some("egress") => Some(Direction::Egress),
                _ => None,
            },
            group_id: obj::string(v, "security_group_id").unwrap_or_default(),
            from_port: obj::i32(v, "from_port").unwrap_or(0),
            to_port: obj::i32(v, "to_port").unwrap_or(0),
            protocol: normalize_protocol(obj::str(v, "protocol").unwrap_or("-1")),
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

    /// The rule's sources; its own group named as a source is the group itself.
    fn sources(&self) -> Vec<Source> {
        let own = self
            .source_group
            .as_ref()
            .filter(|g| !(self.self_ && **g == self.group_id));
        (self.cidrs.iter().cloned().map(Source::Cidr))
            .chain(self.ipv6.iter().cloned().map(Source::Ipv6))
            .chain(self.prefix_lists.iter().cloned().map(Source::PrefixList))
            .chain(self.self_.then_some(Source::SelfRef))
            .chain(own.cloned().map(Source::Group))
            .collect()
    }

    /// Group ids of the pairs (self included), without the account part.
    fn pair_group_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        if self.self_ {
            ids.push(self.group_id.clone());
        }
        if let Some(g) = &self.source_group {
            let gid = Source::group_id(g).to_string();
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
        format!("sgrule-{}", hashcode(&s))
    }

    /// The permission that authorises (and, exactly the same, revokes) the rule: every
    /// source carries the description.
    fn permission(&self) -> IpPermission {
        let desc = (!self.description.is_empty()).then(|| self.description.clone());
        let base = permission(&self.protocol, self.from_port, self.to_port);
        let add = |b, s: Source| with_source(b, &self.group_id, &s, desc.clone());
        self.sources().into_iter().fold(base, add).build()
    }

    fn to_value(&self, rule_id: Option<&str>) -> Value {
        let list = |s: &BTreeSet<String>| obj::list(s.iter().cloned());
        Value::Map(object! {
            "id" => self.id(),
            "type" => self.direction().word(),
            "security_group_id" => &self.group_id,
            "protocol" => &self.protocol,
            "from_port" => self.from_port,
            "to_port" => self.to_port,
            "cidr_blocks" => list(&self.cidrs),
            "ipv6_cidr_blocks" => list(&self.ipv6),
            "prefix_list_ids" => list(&self.prefix_lists),
            "source_security_group_id" => self.source_group.as_deref(),
            "self" => self.self_,
            "description" => Some(self.description.as_str()).filter(|d| !d.is_empty()),
            "security_group_rule_id" => rule_id,
        })
    }

    fn source_count(&self) -> usize {
        self.sources().len()
            + usize::from(self.self_ && self.source_group.as_ref() == Some(&self.group_id))
    }

    /// Whether AWS's source `held` is one of the rule's: a group by id whatever the account,
    /// and the group itself whether named as `self` or by its id.
    fn has(&self, held: &Source) -> bool {
        self.sources().iter().any(|s| self.same(s, held))
    }

    fn same(&self, wanted: &Source, held: &Source) -> bool {
        match (wanted, held) {
            (Source::Group(x), Source::Group(y)) => Source::group_id(x) == Source::group_id(y),
            (Source::Group(x), Source::SelfRef) => Source::group_id(x) == self.group_id,
            _ => wanted == held,
        }
    }

    /// Whether the permission holds every source of the rule (ports and protocol already
    /// match), and the description AWS holds for the first of them.
    fn covered_by(&self, held: &[(Source, String)]) -> Option<String> {
        let found = |s: &Source| held.iter().any(|(h, _)| self.same(s, h));
        self.sources().iter().all(found).then(|| {
            held.iter()
                .find(|(h, _)| self.has(h))
                .map(|(_, d)| d.clone())
                .unwrap_or_default()
        })
    }
}

/// The rule's group among `groups`, and its permissions of the rule's direction that have the
/// rule's protocol and ports.
fn same_ports<'a>(
    groups: &'a [Ec2Group],
    rule: &Classic,
) -> Option<(&'a Ec2Group, Vec<&'a IpPermission>)> {
    let g = groups
        .iter()
        .find(|g| g.group_id() == Some(rule.group_id.as_str()))?;
    let matching = |p: &&IpPermission| {
        let (proto, from, to) = ports(p);
        proto == rule.protocol && (proto == "-1" || (from, to) == (rule.from_port, rule.to_port))
    };
    Some((g, rule.direction().of(g).iter().filter(matching).collect()))
}

/// What of `rule` its group still holds (sources of the same direction, protocol and ports),
/// as one permission with AWS's own descriptions; `None` when nothing is left.
fn remains(groups: &[Ec2Group], rule: &Classic) -> Option<IpPermission> {
    let (g, perms) = same_ports(groups, rule)?;
    let held: Vec<(Source, String)> = perms
        .iter()
        .flat_map(|p| sources(g, p))
        .filter(|(s, _)| rule.has(s))
        .collect();
    let add = |b, (s, d): (Source, String)| {
        with_source(b, &rule.group_id, &s, Some(d).filter(|d| !d.is_empty()))
    };
    (!held.is_empty()).then(|| {
        held.into_iter()
            .fold(
                permission(&rule.protocol, rule.from_port, rule.to_port),
                add,
            )
            .build()
    })
}

/// Every rule a Terraform configuration could have made that this permission serves: each
/// source alone, the CIDR-like sources sharing a description, and all CIDR-like sources
/// together (a resource with several blocks). Group sources never share a resource.
fn candidates(group: &Ec2Group, dir: Direction, p: &IpPermission) -> Vec<Classic> {
    let (protocol, from_port, to_port) = ports(p);
    let group_id = group.group_id().unwrap_or_default().to_string();
    let base = Classic {
        direction: Some(dir),
        group_id,
        protocol,
        from_port,
        to_port,
        ..Classic::default()
    };
    let with = |items: &[&(Source, String)], desc: &str| {
        let mut c = base.clone();
        for (s, _) in items {
            match s {
                Source::Cidr(v) => drop(c.cidrs.insert(v.clone())),
                Source::Ipv6(v) => drop(c.ipv6.insert(v.clone())),
                Source::PrefixList(v) => drop(c.prefix_lists.insert(v.clone())),
                Source::Group(g) => c.source_group = Some(g.clone()),
                Source::SelfRef => c.self_ = true,
            }
        }
        c.description = desc.to_string();
        c
    };
    let (cidr_like, pairs): (Vec<Described>, Vec<Described>) = sources(group, p)
        .into_iter()
        .partition(|(s, _)| !matches!(s, Source::Group(_) | Source::SelfRef));
    let mut out: Vec<Classic> = cidr_like
        .iter()
        .map(|item| with(&[item], &item.1))
        .collect();
    let descriptions: BTreeSet<&String> = cidr_like.iter().map(|(_, d)| d).collect();
    for d in &descriptions {
        let items: Vec<&(Source, String)> = cidr_like.iter().filter(|(_, x)| x == *d).collect();
        if items.len() > 1 {
            out.push(with(&items, d));
        }
    }
    if descriptions.len() > 1 {
        let items: Vec<&(Source, String)> = cidr_like.iter().collect();
        out.push(with(&items, &items[0].1));
    }
    out.extend(pairs.iter().map(|pair| with(&[pair], &pair.1)));
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
    let all = protocol == "-1";
    let (from_port, to_port) = if all { (0, 0) } else { (from_port, to_port) };
    let mut rule = Classic {
        direction: Some(direction),
        group_id: parts[0].to_string(),
        protocol,
        from_port,
        to_port,
        ..Classic::default()
    };
    for s in &parts[5..] {
        match s {
            &"self" => rule.self_ = true,
            s if s.contains("sg-") => rule.source_group = Some(s.to_string()),
            s if s.starts_with("pl-") => drop(rule.prefix_lists.insert(s.to_string())),
            s if s.contains(':') => drop(rule.ipv6.insert(s.to_string())),
            s if s.contains('.') => drop(rule.cidrs.insert(s.to_string())),
            s => {
                return Err(format!(
                    "\"{s}\" is not a rule source (self, sg-…, pl-…, or a CIDR)"
                ))
            }
        }
    }
    Ok(rule)
}

/// Whether every argument the id is computed from is known.
fn known_enough(v: &Value) -> bool {
    let keys = [
        "type",
        "security_group_id",
        "protocol",
        "from_port",
        "to_port",
        "cidr_blocks",
    ];
    let more = [
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "source_security_group_id",
        "self",
    ];
    keys.iter()
        .chain(&more)
        .all(|k| v.get(k).is_none_or(Value::is_wholly_known))
}

impl SecurityGroupRule {
    /// Every group of the region (or just these), paginated.
    async fn groups(&self, ctx: &Ctx, ids: Option<&[String]>) -> ProviderResult<Vec<Ec2Group>> {
        let chunks: Vec<Option<Vec<String>>> = match ids {
            Some(ids) => ids
                .chunks(DESCRIBE_CHUNK)
                .map(|c| Some(c.to_vec()))
                .collect(),
            None => vec![None],
        };
        let mut out = Vec::new();
        for chunk in chunks {
            let filter = chunk.map(|c| {
                vec![Filter::builder()
                    .name("group-id")
                    .set_values(Some(c))
                    .build()]
            });
            let pages = ctx
                .ec2()
                .describe_security_groups()
                .set_filters(filter)
                .into_paginator()
                .items()
                .send();
            out.extend(
                unless(
                    all("describing security groups", pages).await,
                    NOT_FOUND_CODES,
                )?
                .unwrap_or_default(),
            );
        }
        Ok(out)
    }

    /// The AWS rules of these groups (DescribeSecurityGroupRules), to find the id of a
    /// single-source rule.
    async fn rule_ids(&self, ctx: &Ctx, group_ids: &[String]) -> ProviderResult<Vec<SdkRule>> {
        match super::describe_rules(ctx, "group-id", group_ids).await {
            // China and GovCloud partitions lack the API: the id stays empty.
            Err(e) if e.is(&["UnsupportedOperation"]) => Ok(Vec::new()),
            found => found,
        }
    }

    /// The states of rules found (keyed as given), with the AWS rule id of each
    /// single-source one: one DescribeSecurityGroupRules of their groups.
    async fn states(
        &self,
        ctx: &Ctx,
        found: Vec<(String, Classic)>,
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let single = found
            .iter()
            .filter(|(_, c)| c.source_count() == 1)
            .map(|(_, c)| c.group_id.clone());
        let single: Vec<String> = single.collect::<BTreeSet<_>>().into_iter().collect();
        let rule_ids = if single.is_empty() {
            Vec::new()
        } else {
            self.rule_ids(ctx, &single).await?
        };
        let state = |(id, c): (String, Classic)| {
            (
                id,
                c.to_value(Self::match_rule_id(&rule_ids, &c).as_deref()),
            )
        };
        Ok(found.into_iter().map(state).collect())
    }

    fn match_rule_id(rules: &[SdkRule], rule: &Classic) -> Option<String> {
        if rule.source_count() != 1 {
            return None;
        }
        let egress = rule.direction() == Direction::Egress;
        let source = rule.sources().pop().unwrap_or(Source::SelfRef);
        let found = rules.iter().find(|r| {
            r.group_id() == Some(rule.group_id.as_str())
                && r.is_egress() == Some(egress)
                && r.ip_protocol().map(normalize_protocol).as_deref()
                    == Some(rule.protocol.as_str())
                && (rule.protocol == "-1"
                    || (r.from_port() == Some(rule.from_port) && r.to_port() == Some(rule.to_port)))
                && match &source {
                    Source::Cidr(c) => r.cidr_ipv4() == Some(c.as_str()),
                    Source::Ipv6(c) => r.cidr_ipv6() == Some(c.as_str()),
                    Source::PrefixList(p) => r.prefix_list_id() == Some(p.as_str()),
                    Source::SelfRef => {
                        r.referenced_group_info().and_then(|g| g.group_id())
                            == Some(rule.group_id.as_str())
                    }
                    Source::Group(g) => {
                        r.referenced_group_info().and_then(|g| g.group_id())
                            == Some(Source::group_id(g))
                    }
                }
        });
        found.and_then(|r| r.security_group_rule_id().map(str::to_string))
    }

    /// Finds `rule` in its group, with the description AWS holds.
    fn find_in(groups: &[Ec2Group], rule: &Classic) -> Option<Classic> {
        let (g, perms) = same_ports(groups, rule)?;
        let description = perms.iter().find_map(|p| rule.covered_by(&sources(g, p)))?;
        Some(Classic {
            description,
            ..rule.clone()
        })
    }

    async fn state_of(&self, ctx: &Ctx, rule: &Classic) -> ProviderResult<Option<Value>> {
        let ids = std::slice::from_ref(&rule.group_id);
        let Some(found) = Self::find_in(&self.groups(ctx, Some(ids)).await?, rule) else {
            return Ok(None);
        };
        let rules = self.rule_ids(ctx, ids).await?;
        Ok(Some(
            found.to_value(Self::match_rule_id(&rules, &found).as_deref()),
        ))
    }
}

#[async_trait]
impl ResourceType for SecurityGroupRule {
    named!("aws_security_group_rule", SCHEMA);

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let non_empty = |k: &str| match config.get(k) {
            None | Some(Value::Null) => Some(false),
            Some(Value::List(l)) => Some(!l.is_empty()),
            Some(Value::Bool(b)) => Some(*b),
            Some(v) if v.is_known() => Some(true),
            _ => None,
        };
        let mut out = Vec::new();
        let pairs = [
            ("self", "cidr_blocks"),
            ("self", "ipv6_cidr_blocks"),
            ("self", "source_security_group_id"),
            ("source_security_group_id", "cidr_blocks"),
            ("source_security_group_id", "ipv6_cidr_blocks"),
        ];
        for (a, b) in pairs
            .into_iter()
            .filter(|(a, b)| non_empty(a) == Some(true) && non_empty(b) == Some(true))
        {
            out.push(ConfigProblem::new(
                Some(a),
                format!("\"{a}\" conflicts with \"{b}\""),
                "write a separate rule resource for each kind of source",
            ));
        }
        let sources = [
            "cidr_blocks",
            "ipv6_cidr_blocks",
            "prefix_list_ids",
            "source_security_group_id",
            "self",
        ];
        if sources.iter().all(|k| non_empty(k) == Some(false)) {
            out.push(ConfigProblem::new(
                Some("cidr_blocks"),
                "one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, self or source_security_group_id must be set",
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
            m.insert(
                "id".into(),
                Value::from(Classic::from_value(&planned_now).id()),
            );
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        // The id names no group: one sweep over the region's groups serves the whole batch.
        let groups = self.groups(ctx, None).await?;
        let mut found: BTreeMap<String, Classic> = BTreeMap::new();
        for g in &groups {
            for dir in [Direction::Ingress, Direction::Egress] {
                for c in dir.of(g).iter().flat_map(|p| candidates(g, dir, p)) {
                    let id = c.id();
                    if ids.contains(&id) {
                        found.entry(id).or_insert(c);
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
        let group_ids: BTreeSet<String> = rules.iter().map(|(_, r)| r.group_id.clone()).collect();
        if group_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let groups = self
            .groups(ctx, Some(&group_ids.into_iter().collect::<Vec<_>>()))
            .await?;
        let found = rules
            .iter()
            .filter_map(|(id, r)| Some((id.clone(), Self::find_in(&groups, r)?)));
        self.states(ctx, found.collect()).await
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let rule = Classic::from_value(planned);
        authorized(
            rule.direction()
                .authorize(ctx, &rule.group_id, vec![rule.permission()], None)
                .await,
        )?;
        let state = std::sync::Mutex::new(None);
        let what = format!("the new rule {} to appear in {}", rule.id(), rule.group_id);
        ctx.wait_until(&what, SCHEMA.timeout(planned, "create"), || async {
            let found = self.state_of(ctx, &rule).await?;
            let done = found.is_some();
            *state.lock().unwrap_or_else(|e| e.into_inner()) = found;
            Ok(done)
        })
        .await?;
        Ok(state
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(Value::Null))
    }

    async fn update(&self, ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let rule = Classic::from_value(planned);
        rule.direction()
            .describe(ctx, &rule.group_id, rule.permission())
            .await?;
        let found = self.state_of(ctx, &rule).await?;
        found.ok_or_else(|| {
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
            let (result, _) = rule
                .direction()
                .revoke(ctx, &rule.group_id, None, Some(vec![perm]))
                .await;
            if revoked(result)? {
                return Ok(());
            }
            // AWS did not find (all of) it: what is still there goes as AWS holds it.
            match remains(
                &self
                    .groups(ctx, Some(std::slice::from_ref(&rule.group_id)))
                    .await?,
                &rule,
            ) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
